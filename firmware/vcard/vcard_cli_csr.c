/*
 * vcard_cli_csr.c: a PKCS#10 certification request (RFC 2986) whose
 * signature comes from the card: auth/enrol/csr.h builds it, the card's key
 * signs it (GENERAL AUTHENTICATE), this file PEM-encodes it.
 */
#include "vcard_cli.h"

#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/x509.h>

#include "csr.h"
#include "sig.h"

struct vcsr_signer {
	const struct hal_card *card;
	const struct hal_rng *rng;
	uint8_t ref, alg;
};

static sg_err vcsr_sign(void *arg, enum token_sig kind, const uint8_t hash[32], uint8_t *sig,
			size_t *sig_len, struct sg_error *e)
{
	const struct vcsr_signer *s = arg;

	return piv_sign(s->card, s->rng, s->alg, s->ref, kind, hash, 32, sig, sig_len, e);
}

sg_err vcsr_make(const struct hal_card *card, const struct hal_rng *rng, uint8_t ref,
		 mbedtls_pk_context *pub, const char *subject, const char *san, uint8_t *out,
		 size_t *len, struct sg_error *e)
{
	struct csr_req r = {.pub = pub, .subject = subject, .san_uri = san};
	struct vcsr_signer s = {
		.card = card,
		.rng = rng,
		.ref = ref,
		.alg = mbedtls_pk_get_type(pub) == MBEDTLS_PK_ECKEY ? PIV_ALG_ECCP256 : PIV_ALG_RSA2048,
	};
	uint8_t der[CSR_MAX];
	size_t dl = sizeof(der), olen = 0;
	sg_err err;

	err = csr_make(&r, vcsr_sign, &s, der, &dl, e);
	if (err == SG_E_INVALID_ARG && e && !strncmp(e->detail, "subject", 7))
		return sg_error_set(e, SG_E_INVALID_ARG, "--subject '%s' does not parse (e.g. "
				    "\"CN=alice,O=Example\")", subject);
	if (err)
		return err;
	if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE REQUEST-----\n",
				     "-----END CERTIFICATE REQUEST-----\n", der, dl, out, *len,
				     &olen) != 0)
		return sg_error_set(e, SG_E_INTERNAL, "PEM encoding failed");
	*len = olen;
	return SG_OK;
}
