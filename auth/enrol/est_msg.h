/*
 * est_msg.h: the message formats of EST over CoAP (RFC 9148 on RFC 7030),
 * parsed and written with mbedTLS alone (no sockets, no libcoap), so that
 * the client, the reference service and the fuzzer share them.
 *
 *   Content-Format 281  application/pkcs7-mime; smime-type=certs-only
 *                       (a degenerate SignedData: certificates, no signers)
 *   Content-Format 286  application/pkcs10 (the request, DER)
 *   Content-Format 287  application/pkix-cert (one certificate, DER)
 *
 * First enrolment carries the user's login and PIN inside the request as a
 * PKCS#9 challengePassword, "LOGIN:PIN" (LOGIN is a user id, or tel:NUMBER):
 * the request is sent only over a DTLS session whose server certificate
 * has been checked against the device's pinned CA (doc/enrolment.md).
 *
 * Every parser takes (pointer, length), never reads past it, and treats its
 * input as hostile.
 */
#ifndef EST_MSG_H
#define EST_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "sg_err.h"

#define EST_CF_PKCS7_CERTS 281
#define EST_CF_PKCS10 286
#define EST_CF_PKIX_CERT 287

#define EST_PATH_CRTS ".well-known/est/crts"
#define EST_PATH_SEN ".well-known/est/sen"
#define EST_PATH_SREN ".well-known/est/sren"

#define EST_MAX_CERTS 16     /* certificates accepted in one response */
#define EST_MAX_BODY 16384   /* largest response or request body handled */
#define EST_LOGIN_MAX 128
#define EST_SAN_MAX 256

/* Appends the certificates of a response body to chain (initialised by the
 * caller): cf 287, one DER certificate; cf 281, the certificates of a
 * PKCS#7 certs-only message. At least one certificate must come.
 * SG_E_MALFORMED (detail says why) for anything else. */
sg_err est_certs_parse(unsigned cf, const uint8_t *buf, size_t len, mbedtls_x509_crt *chain,
		       struct sg_error *e);

/* Writes a PKCS#7 certs-only message holding the DER certificates
 * certs[i] (lens[i]) into out. *len: in, capacity; out, length. */
sg_err est_pkcs7_write(const uint8_t *const certs[], const size_t lens[], size_t n, uint8_t *out,
		       size_t *len, struct sg_error *e);

/* What a request says beyond mbedTLS's own parse. */
struct est_csr_info {
	char login[EST_LOGIN_MAX + 1]; /* from challengePassword, "" when none */
	char pin[65];                  /* from challengePassword: a secret (wipe) */
	size_t pin_len;
	int has_challenge;
	char san_uri[EST_SAN_MAX + 1]; /* first subjectAltName URI, "" when none */
};

/* Parses a DER request into csr (initialised by the caller), checks its
 * self-signature (proof of possession of the key) and fills info.
 * SG_E_MALFORMED for a request that does not parse; SG_E_SIGNATURE when the
 * signature does not verify. On every return info->pin may hold data: wipe
 * it with est_csr_info_wipe(). */
sg_err est_csr_parse(const uint8_t *der, size_t len, mbedtls_x509_csr *csr,
		     struct est_csr_info *info, struct sg_error *e);
void est_csr_info_wipe(struct est_csr_info *info);

/* "LOGIN:PIN" into the caller's buffer (a secret: the caller wipes it).
 * The service splits at the last ':'. SG_E_INVALID_ARG when it does not fit,
 * SG_E_PIN_FORMAT when the PIN holds ':'. */
sg_err est_challenge_make(const char *login, const char *pin, size_t pin_len, char *out,
			  size_t cap, size_t *len, struct sg_error *e);

/* SHA-256 of a DER certificate. */
void est_fingerprint(const uint8_t *der, size_t len, uint8_t out[32]);
/* Parses 64 hex digits, colons allowed between bytes ("AB:CD:..." as
 * openssl prints it, or "abcd..."). SG_E_CONFIG when it is not one. */
sg_err est_fingerprint_parse(const char *s, uint8_t out[32], struct sg_error *e);

#endif
