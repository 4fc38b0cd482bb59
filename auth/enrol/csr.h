/*
 * csr.h: a PKCS#10 certification request (RFC 2986) whose signature comes
 * from wherever the private key lives (a PIV card, a PKCS#11 token).
 *
 * mbedTLS's CSR writer wants a private key it can call; rather than dress
 * every token up as one, the request is put together with mbedTLS's ASN.1
 * writer and the signature over the CertificationRequestInfo is asked of a
 * callback:
 *
 *   CertificationRequest ::= SEQUENCE { info, signatureAlgorithm, BIT STRING }
 *   info ::= SEQUENCE { version 0, subject Name, SubjectPublicKeyInfo,
 *                       [0] { challengePassword?, extensionRequest {
 *                             subjectAltName URI }? } }
 *
 * Used by `signet vcard gen-key --csr` and by enrolment (EST, firmware/coap/est.h).
 */
#ifndef CSR_H
#define CSR_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#include "sg_err.h"
#include "token.h"

#define CSR_MAX 4096

/* Signs the SHA-256 hash (32 bytes) of the request info with the key
 * whose public half is in the request. The signature comes back as the
 * X.509 signature value: DER SEQUENCE{r,s} for ECDSA, the PKCS#1 v1.5
 * block for RSA. *sig_len: in, capacity; out, length. */
typedef sg_err (*csr_sign_h)(void *arg, enum token_sig kind, const uint8_t hash[32],
			     uint8_t *sig, size_t *sig_len, struct sg_error *e);

struct csr_req {
	mbedtls_pk_context *pub;   /* the public key (EC P-256 or RSA) */
	const char *subject;       /* mbedTLS's "CN=alice,O=Example" form */
	const char *san_uri;       /* subjectAltName URI, or NULL */
	/* PKCS#9 challengePassword (RFC 2985), or NULL. A secret: the request
	 * then is one too (the caller wipes the output). */
	const char *challenge;
	size_t challenge_len;
};

/* Builds and signs the request: DER into out[0..*len). *len: in, the
 * capacity of out (CSR_MAX is always enough); out, the length.
 * Errors: SG_E_INVALID_ARG (the subject does not parse, or it does not fit),
 * whatever sign returns, SG_E_INTERNAL. */
sg_err csr_make(const struct csr_req *r, csr_sign_h sign, void *arg, uint8_t *out, size_t *len,
		struct sg_error *e);

#endif
