/*
 * sig.h: signature formats and verification against a certificate
 * (mbedTLS). Used to check that the token's key belongs to its
 * certificate: sign a fresh challenge on the token, verify it here.
 */
#ifndef SIG_H
#define SIG_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#include "sg_err.h"
#include "token.h"

#define SIG_MAX 512 /* RSA-4096 or a DER ECDSA P-521 signature fits */

/* SHA-256 of data into out[32]. */
void sig_sha256(const uint8_t *data, size_t len, uint8_t out[32]);

/* Converts a raw ECDSA signature r||s (PKCS#11 CKM_ECDSA, two halves of
 * equal length) to DER SEQUENCE { INTEGER r, INTEGER s }.
 * *der_len: in, capacity; out, length. SG_E_MALFORMED on odd or empty
 * input; SG_E_NOMEM when der is too small. */
sg_err sig_ecdsa_raw_to_der(const uint8_t *raw, size_t raw_len, uint8_t *der, size_t *der_len);

/* Builds a PKCS#1 v1.5 DigestInfo for a SHA-256 (32) or SHA-384 (48) hash.
 * *len: in, capacity (>= 67); out, length. */
sg_err sig_digest_info(const uint8_t *hash, size_t hash_len, uint8_t *out, size_t *len);

/* An uncompressed P-256 point (04 || X || Y) as the public key pk
 * (mbedtls_pk_init'ed; set up here). 0, or -1 when it is not a point on
 * the curve. */
int sig_pub_p256(const uint8_t *pt, size_t len, mbedtls_pk_context *pk);

/* Verifies sig over hash (32: SHA-256, 48: SHA-384) with the public key of
 * the DER certificate, under the scheme `kind`. SG_E_SIGNATURE when it does
 * not verify; SG_E_CERT_PARSE when the certificate cannot be read;
 * SG_E_CERT_USAGE when the key type does not suit the scheme. */
sg_err sig_verify_cert(const uint8_t *cert_der, size_t cert_len, enum token_sig kind,
		       const uint8_t *hash, size_t hash_len, const uint8_t *sig,
		       size_t sig_len, struct sg_error *e);

#endif
