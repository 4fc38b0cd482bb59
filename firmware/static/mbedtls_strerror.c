/*
 * mbedtls_strerror.c: linked only where mbedTLS is linked statically
 * (MBEDTLS_STATIC=1: the phone and kiosk boards), in place of mbedTLS's
 * own error.c.o: 17 KB of text for every error code mbedTLS has, of which
 * signet shows a handful (a certificate it cannot read, a handshake that
 * failed). This one names the module and, for the errors a person meets,
 * what happened; the code is always given, so the rest can be looked up
 * (mbedtls/error.h; the desktop build, with Debian's shared mbedTLS, keeps
 * the full text). Defined here, the symbol keeps error.c.o out of the link.
 */
#include <stdio.h>

#include <mbedtls/asn1.h>
#include <mbedtls/bignum.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>

struct err_text {
	unsigned short code; /* -errnum, high or low level part */
	const char *text;
};

/* The errors a person meets, by name. */
#define E(c, t) {(unsigned short)-(c), t}
static const struct err_text known[] = {
	E(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, "X509 - certificate verification failed"),
	E(MBEDTLS_ERR_X509_INVALID_FORMAT, "X509 - invalid format"),
	E(MBEDTLS_ERR_X509_INVALID_VERSION, "X509 - invalid version"),
	E(MBEDTLS_ERR_X509_UNKNOWN_VERSION, "X509 - unknown version"),
	E(MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE, "X509 - feature unavailable"),
	E(MBEDTLS_ERR_PK_KEY_INVALID_FORMAT, "PK - invalid key format"),
	E(MBEDTLS_ERR_PK_UNKNOWN_PK_ALG, "PK - unknown key algorithm"),
	E(MBEDTLS_ERR_PK_INVALID_PUBKEY, "PK - invalid public key"),
	E(MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, "SSL - fatal alert received from the peer"),
	E(MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY, "SSL - the peer closed the connection"),
	E(MBEDTLS_ERR_SSL_CONN_EOF, "SSL - connection closed"),
	E(MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE, "SSL - no usable cipher suite"),
	E(MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN, "SSL - no cipher suite in common"),
	E(MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE, "SSL - no client certificate"),
	E(MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED, "SSL - the peer's verification failed"),
	E(MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE, "SSL - bad certificate message"),
	E(MBEDTLS_ERR_SSL_INVALID_RECORD, "SSL - invalid record"),
	E(MBEDTLS_ERR_SSL_TIMEOUT, "SSL - timeout"),
	E(MBEDTLS_ERR_NET_CONN_RESET, "NET - connection reset"),
	E(MBEDTLS_ERR_NET_RECV_FAILED, "NET - receive failed"),
	E(MBEDTLS_ERR_ASN1_UNEXPECTED_TAG, "ASN1 - unexpected tag"),
	E(MBEDTLS_ERR_ASN1_OUT_OF_DATA, "ASN1 - out of data"),
	E(MBEDTLS_ERR_ASN1_INVALID_LENGTH, "ASN1 - invalid length"),
	E(MBEDTLS_ERR_MPI_ALLOC_FAILED, "BIGNUM - out of memory"),
};
/* Low-level (0x01-0x7F) and high-level (0x80-0x7F80) modules by the
 * upper bound of their range (mbedtls/error.h). */
static const struct err_text modules[] = {
	{0x0011, "BIGNUM"}, {0x0016, "GCM"}, {0x0024, "AES"}, {0x0041, "crypto"},
	{0x0052, "NET"}, {0x005F, "crypto"}, {0x006C, "ASN1"}, {0x007F, "crypto"},
	{0x1480, "PEM"}, {0x1F80, "PKCS12"}, {0x3000, "X509"}, {0x3480, "DHM"},
	{0x3F80, "PK"}, {0x4480, "RSA"}, {0x4F80, "ECP"}, {0x5180, "MD"},
	{0x6380, "CIPHER"}, {0x7F80, "SSL"},
};

static const char *err_name(unsigned code)
{
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].code == code)
			return known[i].text;
	for (i = 0; i < sizeof(modules) / sizeof(modules[0]); i++)
		if (code <= modules[i].code)
			return modules[i].text;
	return "mbedTLS";
}

void mbedtls_strerror(int errnum, char *buffer, size_t buflen)
{
	unsigned e = (unsigned)(errnum < 0 ? -errnum : errnum), hi = e & 0xFF80u, lo = e & 0x7Fu;

	if (!buffer || !buflen)
		return;
	if (hi && lo)
		snprintf(buffer, buflen, "%s : %s (-0x%04X)", err_name(hi), err_name(lo), e);
	else
		snprintf(buffer, buflen, "%s (-0x%04X)", err_name(e), e);
}
