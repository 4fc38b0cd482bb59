/*
 * mbedtls_config.h: the armhf desk phone's mbedTLS configuration
 * (MBEDTLS_CONFIG_FILE, set by the Makefile for this board's mbedTLS
 * library AND for every signet source it compiles, so that the two agree on
 * struct layouts). tools/mbedtls-board builds Debian's own source package
 * of the host's libmbedtls-dev version (2.28) with it, with this board's
 * flags (-D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64 -Os, sections): a 64-bit
 * time_t in mbedtls_ssl_session, so TLS session resumption works here too.
 *
 * Only what signet uses on this board: a TLS 1.2 client (no server side,
 * no DTLS: FEATURE_COAP=0), ECDHE key exchange with AES-GCM, X.509
 * parsing/verification/CRLs/CSRs, PK RSA and EC. A module the unit tests
 * need but signet does not (CTR_DRBG, entropy, certificate writing) is
 * built into the library; --gc-sections keeps it out of signet (make size's
 * map). Each block says who needs it; the linker says what is missing.
 */
#ifndef SIGNET_BOARD_MBEDTLS_CONFIG_H
#define SIGNET_BOARD_MBEDTLS_CONFIG_H

/* System: assembly bignum multiply (ARM), time for certificate validity
 * (x509: gmtime_r, 64-bit time_t from the board's flags), files for
 * mbedtls_x509_crt_parse_file (trust anchors, auth/pki) and
 * mbedtls_pk_parse_keyfile (tests). No PLATFORM_C: calloc/free directly
 * (the heap count wraps them). */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_FS_IO

/* Bignum, ASN.1, OID, PEM/base64: everything X.509 and PK stand on
 * (auth/pki, auth/enrol's CSR, the virtual card's files). */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_GENPRIME /* mbedtls_rsa_gen_key: the virtual card makes RSA keys */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PEM_WRITE_C

/* Hashes: SHA-256/384 (TLS 1.2 PRF and suites, signatures), SHA-1 (OCSP
 * CertID, older certificate signatures), SHA-224/512 (md names of
 * certificates), MD5 (SIP digest authentication: sip/sip_digest.c).
 * HKDF and PBKDF2: the virtual card's and the state directory's keys. */
#define MBEDTLS_MD_C
#define MBEDTLS_MD5_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C
#define MBEDTLS_PKCS5_C

/* Ciphers: AES-GCM (the TLS suites; the virtual card's sealed files),
 * AES-ECB and 3DES-ECB (PIV management key: auth/piv, the virtual card).
 * AES tables in ROM and the smaller set: less RAM, 6 KB less code. */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_DES_C

/* Public keys: RSA (PKCS#1 v1.5 and PSS) and EC (P-256/384/521 for
 * certificates and ECDSA, X25519 for ECDHE: sip_tls.c offers X25519 then
 * P-256). PK_RSA_ALT_SUPPORT: the card signs behind mbedtls_pk
 * (auth/token/token_pk.c). */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_SECP521R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDH_LEGACY_CONTEXT
#define MBEDTLS_ECDSA_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_PK_RSA_ALT_SUPPORT

/* Random numbers: signet draws from hal_rng. CTR_DRBG: ecp.c's internal
 * generator (the blinding of scalar multiplications) and the unit tests;
 * the entropy collector: the unit tests only (not linked into signet). */
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_ENTROPY_C

/* X.509: certificates, CSR parse (the virtual card, enrolment checks)
 * and write (auth/enrol's CSR); certificate writing for the tests' CAs.
 * No CRL parser: auth/pki reads CRLs itself (signet's own reader for RFC
 * 5280's revocation rules). Key usage and extended key usage checked;
 * RSASSA-PSS signed certificates accepted. */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CSR_PARSE_C
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CSR_WRITE_C
#define MBEDTLS_X509_CRT_WRITE_C
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT

/* TLS: a TLS 1.2 client (sip/sip_tls.c), ECDHE-ECDSA and ECDHE-RSA with
 * AES-GCM, SNI, extended master secret, session tickets and the peer's
 * certificate kept (resumed sessions are checked again:
 * sip_tls_resume.c). No server, DTLS, renegotiation, TLS < 1.2. */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
/* Record buffers: what arrives stays at TLS's 16 KB (a registrar may send
 * full records; no max-fragment-length without its consent); what is sent
 * at 8 KB, 8 KB less heap per connection: sip_tls.c's writes take partial
 * lengths, and the largest handshake message signet sends, its
 * certificate chain, must fit in 8 KB (mbedTLS refuses a larger one with
 * MBEDTLS_ERR_SSL_CERTIFICATE_TOO_LARGE; a card's chain is 1-5 KB). */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 8192

/* mbedtls_version_get_number: signet checks it runs with the library it
 * was compiled against (token_pk.c). ERROR_C: mbedtls_strerror's full
 * text for the unit tests; signet links firmware/static/mbedtls_strerror.c
 * in its place (error.o stays out of signet). */
#define MBEDTLS_VERSION_C
#define MBEDTLS_ERROR_C

#include "mbedtls/check_config.h"

#endif
