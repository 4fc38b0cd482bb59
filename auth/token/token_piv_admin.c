/*
 * token_piv_admin.c: the optional token operations of the PIV backend
 * (token_piv_admin in token_piv.h), with the card's management key:
 * GENERATE ASYMMETRIC KEY PAIR, PUT DATA of a certificate, a new key's
 * signature.
 */
#include "token_piv_priv.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "sg_mem.h"

/* The key of slot s, as token_key. */
static void pivt_slot_key(const struct piv_slot *s, struct token_key *k)
{
	memset(k, 0, sizeof(*k));
	k->id[0] = s->ref;
	k->id_len = 1;
	snprintf(k->label, sizeof(k->label), "%s", s->label);
}

/* Authenticates with the management key from the admin source (wiped). */
static sg_err pivt_mgmt(struct pivt *p, struct sg_error *e)
{
	uint8_t alg = 0, key[32];
	size_t len = 0;
	sg_err err = p->admin.mgmt_key(p->admin.arg, &alg, key, &len, e);

	if (!err)
		err = piv_mgmt_auth(p->card, alg, key, len > sizeof(key) ? sizeof(key) : len, e);
	mbedtls_platform_zeroize(key, sizeof(key));
	return err;
}

/* The slot of key k (id_len 0: 9A), as one with a certificate object. */
static sg_err pivt_key_slot(const struct token_key *k, const struct piv_slot **s,
			    struct sg_error *e)
{
	uint8_t ref = k->id_len ? k->id[0] : PIV_KEY_AUTH;

	*s = k->id_len <= 1 ? piv_slot_of(ref) : NULL;
	return *s ? SG_OK : sg_error_set(e, SG_E_INVALID_ARG, "no PIV key slot with a certificate "
					 "for that key");
}

static sg_err pivt_generate_key(struct token *t, enum token_keygen alg, struct token_key *k,
				mbedtls_pk_context *pub, struct sg_error *e)
{
	struct pivt *p = (struct pivt *)t;
	const struct piv_slot *s;
	size_t ci;
	sg_err err = pivt_key_slot(k, &s, e);

	if (!err)
		err = pivt_mgmt(p, e);
	if (!err)
		err = piv_generate(p->card, s->ref, alg == TOKEN_KEYGEN_EC_P256 ? PIV_ALG_ECCP256
									 : PIV_ALG_RSA2048, pub, e);
	if (err)
		return err;
	pivt_slot_key(s, k);
	k->type = alg == TOKEN_KEYGEN_EC_P256 ? TOKEN_KEY_EC : TOKEN_KEY_RSA;
	k->bits = alg == TOKEN_KEYGEN_EC_P256 ? 256 : 2048;
	if (p->admin.key_made)
		err = p->admin.key_made(p->admin.arg, s->ref, pub, e);
	/* The old certificate belongs to the old key: it goes with it. */
	if (!err)
		err = piv_put_object(p->card, s->obj_tag, NULL, 0, e);
	pivt_cache_forget(p);
	for (ci = 0; !err && ci < t->n_certs; ci++)
		if (t->certs[ci].id_len == 1 && t->certs[ci].id[0] == s->ref) {
			sg_free(t->certs[ci].der);
			memmove(&t->certs[ci], &t->certs[ci + 1],
				(t->n_certs - ci - 1) * sizeof(t->certs[0]));
			t->n_certs--;
			break;
		}
	return err;
}

static sg_err pivt_store_cert(struct token *t, const struct token_key *k, const uint8_t *der,
			      size_t len, struct sg_error *e)
{
	struct pivt *p = (struct pivt *)t;
	const struct piv_slot *s;
	struct token_key sk;
	size_t ci;
	sg_err err = pivt_key_slot(k, &s, e);

	if (!err)
		err = pivt_mgmt(p, e);
	if (!err)
		err = piv_put_cert(p->card, s->ref, der, len, e);
	if (err)
		return err;
	pivt_cache_forget(p);
	pivt_slot_key(s, &sk);
	err = token_cert_put(t, &sk, der, len, &ci, e);
	if (!err)
		pivt_cert_named(&t->certs[ci], s);
	return err;
}

static sg_err pivt_sign_key(struct token *t, const struct token_key *k, enum token_sig sig,
			    const uint8_t *hash, size_t hash_len, uint8_t *out, size_t *out_len,
			    struct sg_error *e)
{
	if (k->id_len != 1)
		return sg_error_set(e, SG_E_INTERNAL, "not a PIV key reference");
	return pivt_sign_with((struct pivt *)t, k->id[0], k->type, k->bits, k->label, sig, hash,
			      hash_len, out, out_len, e);
}

static const struct token_ops pivt_admin_ops = {
	.pin_state = pivt_pin_state,
	.login = pivt_login,
	.sign = pivt_sign,
	.logout = pivt_logout,
	.close = pivt_close,
	.generate_key = pivt_generate_key,
	.store_cert = pivt_store_cert,
	.sign_key = pivt_sign_key,
};

sg_err token_piv_admin(struct token *t, const struct token_piv_admin *a, struct sg_error *e)
{
	struct pivt *p = (struct pivt *)t;

	if (t->ops->close != pivt_close || !a || !a->mgmt_key)
		return sg_error_set(e, SG_E_INTERNAL, "not a PIV token, or no management key");
	p->admin = *a;
	t->ops = &pivt_admin_ops;
	return SG_OK;
}
