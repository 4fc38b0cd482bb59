/* token.c: the backend-independent part of the token interface. */
#include "token.h"

#include <string.h>

#include <mbedtls/x509_crt.h>

#include "sg_mem.h"

sg_err token_pin_state(struct token *t, struct token_pin_state *st, struct sg_error *e)
{
	memset(st, 0, sizeof(*st));
	st->tries_left = SG_TRIES_UNKNOWN;
	if (!t->ops->pin_state)
		return SG_OK;
	return t->ops->pin_state(t, st, e);
}

sg_err token_pin_usable(struct token *t, struct token_pin_state *st, struct sg_error *e)
{
	sg_err err = token_pin_state(t, st, e);

	if (!err && st->locked)
		err = sg_error_set(e, SG_E_PIN_LOCKED, "token '%s' reports its user PIN locked",
				   t->info.label);
	return err;
}

sg_err token_login(struct token *t, const struct pin_policy *policy, struct pin *pin,
		   struct sg_error *e)
{
	struct pin_policy p = *policy;
	sg_err err;

	if (pin) {
		pin_policy_narrow(&p, t->info.pin_min, t->info.pin_max);
		err = pin_check(&p, pin, e);
		if (err)
			goto out;
	} else if (!t->info.protected_auth_path) {
		err = sg_error_set(e, SG_E_INVALID_ARG, "no PIN given and the reader has no PIN pad");
		goto out;
	}
	err = t->ops->login(t, pin, e);
	if (err == SG_OK)
		t->logged_in = 1;
out:
	pin_wipe(pin);
	return err;
}

sg_err token_sign(struct token *t, size_t cert, enum token_sig sig, const uint8_t *hash,
		  size_t hash_len, uint8_t *out, size_t *out_len, struct sg_error *e)
{
	if (cert >= t->n_certs)
		return sg_error_set(e, SG_E_INTERNAL, "certificate index %zu out of range", cert);
	if (hash_len != 32 && hash_len != 48)
		return sg_error_set(e, SG_E_INTERNAL, "unsupported hash length %zu", hash_len);
	return t->ops->sign(t, cert, sig, hash, hash_len, out, out_len, e);
}

/* ---- optional operations ------------------------------------------------- */

void token_cert_key(const struct token *t, size_t cert, struct token_key *k)
{
	const struct token_cert *c = &t->certs[cert];

	memset(k, 0, sizeof(*k));
	memcpy(k->id, c->id, c->id_len);
	k->id_len = c->id_len;
	memcpy(k->label, c->label, sizeof(k->label));
	k->type = c->key_type;
	k->bits = c->key_bits;
}

sg_err token_sign_key(struct token *t, const struct token_key *k, enum token_sig sig,
		      const uint8_t *hash, size_t hash_len, uint8_t *out, size_t *out_len,
		      struct sg_error *e)
{
	sg_err err = token_can_generate(t, e);

	if (!err && hash_len != 32 && hash_len != 48)
		err = sg_error_set(e, SG_E_INTERNAL, "unsupported hash length %zu", hash_len);
	return err ? err : t->ops->sign_key(t, k, sig, hash, hash_len, out, out_len, e);
}

sg_err token_can_generate(const struct token *t, struct sg_error *e)
{
	return t->ops->generate_key ? SG_OK
				    : sg_error_set(e, SG_E_INVALID_ARG, "token '%s' cannot generate keys",
						   t->info.label);
}

sg_err token_can_store(const struct token *t, struct sg_error *e)
{
	return t->ops->store_cert ? SG_OK
				  : sg_error_set(e, SG_E_INVALID_ARG, "token '%s' cannot store "
						 "certificates", t->info.label);
}

sg_err token_generate_key(struct token *t, enum token_keygen alg, struct token_key *k,
			  mbedtls_pk_context *pub, struct sg_error *e)
{
	sg_err err = token_can_generate(t, e);

	return err ? err : t->ops->generate_key(t, alg, k, pub, e);
}

void token_delete_key(struct token *t, const struct token_key *k)
{
	if (t && t->ops->delete_key)
		t->ops->delete_key(t, k);
}

sg_err token_store_cert(struct token *t, const struct token_key *k, const uint8_t *der,
			size_t len, struct sg_error *e)
{
	sg_err err = token_can_store(t, e);

	if (!err && (!der || !len))
		err = sg_error_set(e, SG_E_INTERNAL, "no certificate to store");
	return err ? err : t->ops->store_cert(t, k, der, len, e);
}

void token_cert_describe(struct token_cert *c)
{
	mbedtls_x509_crt crt;

	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_der(&crt, c->der, c->der_len) == 0) {
		mbedtls_pk_type_t pt = mbedtls_pk_get_type(&crt.pk);

		if (pt == MBEDTLS_PK_RSA)
			c->key_type = TOKEN_KEY_RSA;
		else if (pt == MBEDTLS_PK_ECKEY || pt == MBEDTLS_PK_ECDSA)
			c->key_type = TOKEN_KEY_EC;
		c->key_bits = (unsigned)mbedtls_pk_get_bitlen(&crt.pk);
		c->is_ca = crt.ca_istrue;
	}
	mbedtls_x509_crt_free(&crt);
}

sg_err token_cert_put(struct token *t, const struct token_key *k, const uint8_t *der, size_t len,
		      size_t *ci, struct sg_error *e)
{
	struct token_cert *c = NULL;
	uint8_t *copy;
	size_t i;

	for (i = 0; i < t->n_certs && !c; i++)
		if (t->certs[i].id_len == k->id_len && !memcmp(t->certs[i].id, k->id, k->id_len))
			c = &t->certs[i];
	if (!c && t->n_certs >= TOKEN_MAX_CERTS)
		return sg_error_set(e, SG_E_INTERNAL, "too many certificates on the token");
	copy = sg_calloc(1, len);
	if (!copy)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	memcpy(copy, der, len);
	if (c) {
		sg_free(c->der);
	} else {
		c = &t->certs[t->n_certs++];
		memset(c, 0, sizeof(*c));
		memcpy(c->label, k->label, sizeof(c->label));
		memcpy(c->id, k->id, k->id_len);
		c->id_len = k->id_len;
		c->key_state = TOKEN_KEY_STATE_PRESENT;
	}
	c->der = copy;
	c->der_len = len;
	token_cert_describe(c);
	*ci = (size_t)(c - t->certs);
	return SG_OK;
}

sg_err token_refresh_certs(struct token *t, struct sg_error *e)
{
	if (!t || !t->ops->refresh)
		return sg_error_set(e, SG_E_NO_CERT, "no cached certificates");
	return t->ops->refresh(t, e);
}

void token_logout(struct token *t)
{
	if (t && t->logged_in) {
		if (t->ops->logout)
			t->ops->logout(t);
		t->logged_in = 0;
	}
}

void token_close(struct token *t)
{
	if (!t)
		return;
	token_logout(t);
	t->ops->close(t);
}

enum token_sig token_sig_for(const struct token_cert *c, int pss)
{
	if (c->key_type == TOKEN_KEY_EC)
		return TOKEN_SIG_ECDSA;
	return pss ? TOKEN_SIG_RSA_PSS : TOKEN_SIG_RSA_PKCS1;
}

static int token_candidate(const struct token_cert *c)
{
	return !c->is_ca && c->key_state != TOKEN_KEY_STATE_ABSENT &&
	       c->key_type != TOKEN_KEY_UNKNOWN;
}

sg_err token_select(const struct token *t, size_t *cert, struct sg_error *e)
{
	return token_select_where(t, NULL, NULL, cert, e);
}

sg_err token_select_where(const struct token *t, token_cert_filter filter, void *arg,
			  size_t *cert, struct sg_error *e)
{
	size_t found = 0, usable = 0, first = 0;
	uint64_t chosen = 0; /* bit i: certs[i] is a candidate (TOKEN_MAX_CERTS <= 64) */

	for (size_t i = 0; i < t->n_certs; i++) {
		if (!token_candidate(&t->certs[i]))
			continue;
		usable++;
		if (filter && !filter(&t->certs[i], arg))
			continue;
		chosen |= UINT64_C(1) << i;
		if (found++ == 0)
			first = i;
	}
	if (found == 1) {
		*cert = first;
		return SG_OK;
	}
	if (found == 0 && usable > 0 && filter)
		return sg_error_set(e, SG_E_CERT_IDENTITY,
				    "none of the %zu sign-in certificate(s) on token '%s' names the user",
				    usable, t->info.label);
	if (found == 0)
		return sg_error_set(e, SG_E_NO_CERT,
				    "token '%s' has %zu certificate(s), none with a private key "
				    "for signing in",
				    t->info.label, t->n_certs);

	/* List the candidates so that the user can pick one by URI. */
	sg_error_set(e, SG_E_AMBIGUOUS, "%zu certificates could sign in:", found);
	if (e) {
		size_t used = strlen(e->detail);
		for (size_t i = 0; i < t->n_certs && used + 4 < sizeof(e->detail); i++) {
			if (!(chosen & (UINT64_C(1) << i)))
				continue;
			size_t n = strlen(t->certs[i].uri);
			size_t room = sizeof(e->detail) - used - 2;
			if (n > room)
				n = room;
			e->detail[used++] = ' ';
			memcpy(e->detail + used, t->certs[i].uri, n);
			used += n;
			e->detail[used] = '\0';
		}
	}
	return SG_E_AMBIGUOUS;
}
