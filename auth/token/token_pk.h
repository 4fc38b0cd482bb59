/*
 * token_pk.h: an mbedTLS pk context whose private key stays on the token.
 *
 * The context answers private-key operations (signing: TLS 1.2
 * CertificateVerify, a CSR for enrolment) by asking the token
 * (token_sign) and public-key operations (verify, bit length, public key
 * writing) from the certificate's public key. The private key never
 * leaves the token; nothing secret is held in the context.
 *
 * How (mbedTLS 2.28, see NOTES.md): the context gets a copy of mbedTLS's
 * own RSA or EC key-method table with the sign, check-pair and context
 * alloc/free entries replaced, its context beginning with the native
 * mbedtls_rsa_context / mbedtls_ecp_keypair filled from the certificate.
 * That layout is 2.28's only, so it is used only when pk_internal.h is
 * there at build time and the library says 2.28 at run time. Otherwise an
 * RSA key falls back to mbedtls_pk_setup_rsa_alt (signing works; verify
 * and public key writing do not) and an EC key is refused.
 *
 * Digests accepted from the caller: SHA-256 and SHA-384 (what a TLS 1.2
 * client signs with, and what the token interface takes). Anything else
 * (SHA-512, SHA-1, the MD5+SHA-1 form of TLS 1.0/1.1, raw data) is
 * refused with MBEDTLS_ERR_PK_BAD_INPUT_DATA and a detail in
 * token_pk_error().
 */
#ifndef TOKEN_PK_H
#define TOKEN_PK_H

#include <stddef.h>

#include <mbedtls/pk.h>

#include "sg_err.h"
#include "token.h"

/* Sets up pk (initialised with mbedtls_pk_init, not yet set up) for the
 * key of t->certs[cert]. The token must stay open (and logged in when
 * signing needs it) for as long as pk is used: pk keeps a pointer to it.
 * Signing failures of the token show as MBEDTLS_ERR_PK_HW_ACCEL_FAILED
 * from mbedTLS, with the token's own error in token_pk_error().
 * Errors: SG_E_CERT_PARSE (the certificate cannot be read), SG_E_TOKEN
 * (a key type this build cannot use from a token), SG_E_NOMEM,
 * SG_E_INTERNAL (bad arguments). On failure pk is left as it was. */
sg_err token_pk_setup(mbedtls_pk_context *pk, struct token *t, size_t cert,
		      struct sg_error *e);

/* The portable RSA path alone (mbedtls_pk_setup_rsa_alt): signing works
 * with any 2.x mbedTLS; verify and public key writing (a CSR) do not. EC keys get
 * SG_E_TOKEN. token_pk_setup() uses it when the table is unavailable. */
sg_err token_pk_setup_rsa_alt(mbedtls_pk_context *pk, struct token *t, size_t cert,
			      struct sg_error *e);

/* The last failure of a signature on pk (what the token said, or why the
 * digest was refused), copied into e; returns its code, SG_OK when the
 * last signature worked or pk is not a token key. */
sg_err token_pk_error(const mbedtls_pk_context *pk, struct sg_error *e);

/* 1 when pk was set up by this module (its private key is on a token). */
int token_pk_is_token_key(const mbedtls_pk_context *pk);

/* Releases pk (also the RSA_ALT path's state, which mbedtls_pk_free alone
 * would leak). pk is left initialised and empty. NULL is fine. */
void token_pk_free(mbedtls_pk_context *pk);

#endif
