/*
 * token_p11_admin.c: the optional token operations of the PKCS#11 backend
 * (token_p11_admin in token_p11.h): a key pair made on the token, a
 * certificate stored beside its key, a new key's signature.
 */
#include "token_p11_priv.h"

#include <string.h>

#include <mbedtls/x509_crt.h>

#include "sig.h"

#define P11_NEW_ID_LEN 8

/* DER OID of prime256v1, as CKA_EC_PARAMS wants it. */
static const uint8_t p11_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

/* CKA_EC_POINT (a DER OCTET STRING around 04||X||Y) into an EC pk. */
static sg_err p11_pub_from_point(const uint8_t *pt, size_t len, mbedtls_pk_context *pub,
				 struct sg_error *e)
{
	if (len >= 2 && pt[0] == 0x04 && pt[1] == len - 2) { /* OCTET STRING, short form */
		pt += 2;
		len -= 2;
	}
	if (sig_pub_p256(pt, len, pub) != 0)
		return sg_error_set(e, SG_E_TOKEN, "the token's new public key does not parse");
	return SG_OK;
}

static void p11_delete_key(struct token *t, const struct token_key *k)
{
	struct p11 *p = (struct p11 *)t;

	(void)k;
	if (p->made_priv)
		p->f->C_DestroyObject(p->rw, p->made_priv);
	if (p->made_pub)
		p->f->C_DestroyObject(p->rw, p->made_pub);
	p->made_priv = p->made_pub = 0;
}

static sg_err p11_generate_key(struct token *t, enum token_keygen alg, struct token_key *k,
			       mbedtls_pk_context *pub, struct sg_error *e)
{
	struct p11 *p = (struct p11 *)t;
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG ll = (CK_ULONG)strlen(k->label);
	uint8_t point[128];
	CK_ATTRIBUTE a = {CKA_EC_POINT, point, sizeof(point)};
	sg_err err;
	CK_RV rv;

	if (alg != TOKEN_KEYGEN_EC_P256)
		return sg_error_set(e, SG_E_INVALID_ARG, "token '%s': signet makes EC P-256 keys on "
				    "PKCS#11 tokens", t->info.label);
	if (!k->id_len) {
		if (hal_rng_fill(&p->hal->rng, k->id, P11_NEW_ID_LEN) != HAL_OK)
			return sg_error_set(e, SG_E_INTERNAL, "no random numbers for the key's id");
		k->id_len = P11_NEW_ID_LEN;
	}
	{
		CK_ATTRIBUTE pub_t[] = {
			{CKA_TOKEN, &yes, sizeof(yes)},
			{CKA_VERIFY, &yes, sizeof(yes)},
			{CKA_EC_PARAMS, (void *)p11_p256, sizeof(p11_p256)},
			{CKA_ID, k->id, k->id_len},
			{CKA_LABEL, k->label, ll},
		};
		CK_ATTRIBUTE priv_t[] = {
			{CKA_TOKEN, &yes, sizeof(yes)},
			{CKA_PRIVATE, &yes, sizeof(yes)},
			{CKA_SENSITIVE, &yes, sizeof(yes)},
			{CKA_EXTRACTABLE, &no, sizeof(no)},
			{CKA_SIGN, &yes, sizeof(yes)},
			{CKA_ID, k->id, k->id_len},
			{CKA_LABEL, k->label, ll},
		};

		rv = p->f->C_GenerateKeyPair(p->rw, &mech, pub_t, sizeof(pub_t) / sizeof(pub_t[0]),
					     priv_t, sizeof(priv_t) / sizeof(priv_t[0]),
					     &p->made_pub, &p->made_priv);
	}
	if (rv != CKR_OK) {
		p->made_pub = p->made_priv = 0;
		return p11_fail(e, "C_GenerateKeyPair(EC P-256)", rv);
	}
	k->type = TOKEN_KEY_EC;
	k->bits = 256;
	rv = p->f->C_GetAttributeValue(p->rw, p->made_pub, &a, 1);
	err = rv != CKR_OK ? p11_fail(e, "C_GetAttributeValue(CKA_EC_POINT)", rv)
			   : p11_pub_from_point(point, a.ulValueLen, pub, e);
	if (err)
		p11_delete_key(t, k); /* no key without its public half */
	return err;
}

static sg_err p11_store_cert(struct token *t, const struct token_key *k, const uint8_t *der,
			     size_t len, struct sg_error *e)
{
	struct p11 *p = (struct p11 *)t;
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE ft[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, (void *)k->id, k->id_len}};
	CK_OBJECT_HANDLE old[8], h;
	CK_ULONG n = 0;
	mbedtls_x509_crt crt;
	size_t ci;
	sg_err err = SG_OK;
	CK_RV rv;

	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_der(&crt, der, len) != 0) {
		err = sg_error_set(e, SG_E_CERT_PARSE, "the certificate to store does not parse");
		goto out;
	}
	{
		CK_ATTRIBUTE tmpl[] = {
			{CKA_CLASS, &cls, sizeof(cls)},
			{CKA_CERTIFICATE_TYPE, &ct, sizeof(ct)},
			{CKA_TOKEN, &yes, sizeof(yes)},
			{CKA_ID, (void *)k->id, k->id_len},
			{CKA_LABEL, (void *)k->label, strlen(k->label)},
			{CKA_SUBJECT, crt.subject_raw.p, crt.subject_raw.len},
			{CKA_ISSUER, crt.issuer_raw.p, crt.issuer_raw.len},
			{CKA_SERIAL_NUMBER, crt.serial.p, crt.serial.len},
			{CKA_VALUE, (void *)der, len},
		};

		rv = p11_find(p, ft, 2, old, 8, &n);
		if (rv != CKR_OK) {
			err = p11_fail(e, "C_FindObjects(certificate)", rv);
			goto out;
		}
		/* The new one first: a failure leaves the old certificate. */
		rv = p->f->C_CreateObject(p->rw, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), &h);
		if (rv != CKR_OK) {
			err = p11_fail(e, "C_CreateObject(certificate)", rv);
			goto out;
		}
	}
	for (CK_ULONG i = 0; i < n; i++)
		p->f->C_DestroyObject(p->rw, old[i]);
	p->made_priv = p->made_pub = 0; /* the key has its certificate: it stays */
	err = token_cert_put(t, k, der, len, &ci, e);
	if (!err) {
		p->keys[ci] = 0; /* a new certificate there: its key is looked up again */
		t->certs[ci].handle = h;
		p11uri_format_object(t->certs[ci].uri, sizeof(t->certs[ci].uri), &p->ti, "cert",
				     (const uint8_t *)t->certs[ci].label,
				     strlen(t->certs[ci].label), k->id, k->id_len);
	}
out:
	mbedtls_x509_crt_free(&crt);
	return err;
}

static sg_err p11_sign_key(struct token *t, const struct token_key *k, enum token_sig sig,
			   const uint8_t *hash, size_t hash_len, uint8_t *out, size_t *out_len,
			   struct sg_error *e)
{
	struct p11 *p = (struct p11 *)t;
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
	sg_err err = p11_key_for(p, k->id, k->id_len, k->label, &key, e);

	return err ? err : p11_sign_with(p, key, sig, hash, hash_len, out, out_len, e);
}

static const struct token_ops p11_admin_ops = {
	.pin_state = p11_pin_state,
	.login = p11_login,
	.sign = p11_sign,
	.logout = p11_logout,
	.close = p11_close,
	.generate_key = p11_generate_key,
	.delete_key = p11_delete_key,
	.store_cert = p11_store_cert,
	.sign_key = p11_sign_key,
};

sg_err token_p11_admin(struct token *t, struct sg_error *e)
{
	struct p11 *p = (struct p11 *)t;
	CK_RV rv;

	if (t->ops == &p11_admin_ops)
		return SG_OK;
	if (t->ops->close != p11_close)
		return sg_error_set(e, SG_E_INTERNAL, "not a PKCS#11 token");
	rv = p->f->C_OpenSession(p->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &p->rw);
	if (rv != CKR_OK)
		return p11_fail(e, "C_OpenSession(read-write)", rv);
	p->have_rw = 1;
	t->ops = &p11_admin_ops;
	return SG_OK;
}
