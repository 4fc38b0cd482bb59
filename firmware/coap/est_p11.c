/*
 * est_p11.c: key generation and certificate storage on a PKCS#11 token
 * (est_p11.h).
 */
#include "est_p11.h"

#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/x509_crt.h>
#include <p11-kit/pkcs11.h>

#include "sg_mem.h"
#include "sig.h"
#include "token_p11.h"

struct est_p11 {
	const struct hal *hal;
	CK_FUNCTION_LIST *f;
	void *module;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session;
	int have_session, finalize, logged_in;
	CK_OBJECT_HANDLE priv, pub; /* the key pair in use; 0: none */
	int generated;              /* priv/pub were made here */
	char uri[TOKEN_URI_MAX];
};

/* DER OID of prime256v1, as CKA_EC_PARAMS wants it. */
static const uint8_t p256_params[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

static sg_err fail(struct sg_error *e, const char *call, CK_RV rv)
{
	return sg_error_set(e, token_p11_err(rv), "%s: %s (0x%lx)", call, token_p11_rv_name(rv),
			    (unsigned long)rv);
}

static sg_err pick_slot(struct est_p11 *p, const struct p11uri *uri, struct sg_error *e)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	size_t found = 0;
	CK_RV rv = p->f->C_GetSlotList(CK_TRUE, slots, &n);

	if (rv != CKR_OK)
		return fail(e, "C_GetSlotList", rv);
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;

		if (p->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
		    !(ti.flags & CKF_TOKEN_INITIALIZED))
			continue;
		if (uri && !p11uri_match_token(uri, &ti))
			continue;
		if (found++ == 0) {
			p->slot = slots[i];
			p11uri_format_token(p->uri, sizeof(p->uri), &ti);
		}
	}
	if (found == 0)
		return sg_error_set(e, SG_E_NO_TOKEN, "no token matches%s", uri ? " the URI" : "");
	if (found > 1)
		return sg_error_set(e, SG_E_AMBIGUOUS, "%zu tokens match: give --token pkcs11:token=...",
				    found);
	return SG_OK;
}

sg_err est_p11_open(const struct hal *hal, const char *module, const struct p11uri *uri,
		    const struct pin *pin, struct est_p11 **out, struct sg_error *e)
{
	struct est_p11 *p = sg_calloc(1, sizeof(*p));
	void *fnlist = NULL;
	sg_err err = SG_OK;
	CK_RV rv;
	int hrc;

	*out = NULL;
	if (!p)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	p->hal = hal;
	hrc = hal_p11_load(&hal->p11, module, &fnlist, &p->module);
	if (hrc != HAL_OK) {
		err = sg_error_set(e, SG_E_NO_MODULE, "%s: %s", module ? module : "(default module)",
				   hal_p11_error(&hal->p11));
		p->module = NULL;
		goto out;
	}
	p->f = fnlist;
	rv = p->f->C_Initialize(NULL);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		err = fail(e, "C_Initialize", rv);
		goto out;
	}
	p->finalize = rv == CKR_OK;
	err = pick_slot(p, uri, e);
	if (err)
		goto out;
	rv = p->f->C_OpenSession(p->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
				 &p->session);
	if (rv != CKR_OK) {
		err = fail(e, "C_OpenSession(read-write)", rv);
		goto out;
	}
	p->have_session = 1;
	if (!pin)
		goto out;
	rv = p->f->C_Login(p->session, CKU_USER, (CK_UTF8CHAR_PTR)pin->v, (CK_ULONG)pin->len);
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		err = fail(e, "C_Login", rv);
		goto out;
	}
	p->logged_in = rv == CKR_OK;
out:
	if (err) {
		est_p11_close(p);
		return err;
	}
	*out = p;
	return SG_OK;
}

/* CKA_EC_POINT (a DER OCTET STRING around 04||X||Y) into an EC pk. */
static sg_err pub_from_point(const uint8_t *pt, size_t len, mbedtls_pk_context *pub,
			     struct sg_error *e)
{
	mbedtls_ecp_keypair *kp;

	if (len >= 2 && pt[0] == 0x04 && pt[1] == len - 2) { /* OCTET STRING, short form */
		pt += 2;
		len -= 2;
	}
	if (mbedtls_pk_setup(pub, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	kp = mbedtls_pk_ec(*pub);
	if (mbedtls_ecp_group_load(&kp->grp, MBEDTLS_ECP_DP_SECP256R1) != 0 ||
	    mbedtls_ecp_point_read_binary(&kp->grp, &kp->Q, pt, len) != 0 ||
	    mbedtls_ecp_check_pubkey(&kp->grp, &kp->Q) != 0)
		return sg_error_set(e, SG_E_TOKEN, "the token's new public key does not parse");
	return SG_OK;
}

sg_err est_p11_genkey(struct est_p11 *p, const char *label, uint8_t id[EST_P11_ID_LEN],
		      mbedtls_pk_context *pub, struct sg_error *e)
{
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG ll = (CK_ULONG)strlen(label);
	CK_ATTRIBUTE pub_t[] = {
		{CKA_TOKEN, &yes, sizeof(yes)},
		{CKA_VERIFY, &yes, sizeof(yes)},
		{CKA_EC_PARAMS, (void *)p256_params, sizeof(p256_params)},
		{CKA_ID, id, EST_P11_ID_LEN},
		{CKA_LABEL, (void *)label, ll},
	};
	CK_ATTRIBUTE priv_t[] = {
		{CKA_TOKEN, &yes, sizeof(yes)},
		{CKA_PRIVATE, &yes, sizeof(yes)},
		{CKA_SENSITIVE, &yes, sizeof(yes)},
		{CKA_EXTRACTABLE, &no, sizeof(no)},
		{CKA_SIGN, &yes, sizeof(yes)},
		{CKA_ID, id, EST_P11_ID_LEN},
		{CKA_LABEL, (void *)label, ll},
	};
	uint8_t point[128];
	CK_ATTRIBUTE a = {CKA_EC_POINT, point, sizeof(point)};
	CK_RV rv;

	if (hal_rng_fill(&p->hal->rng, id, EST_P11_ID_LEN) != HAL_OK)
		return sg_error_set(e, SG_E_INTERNAL, "no random numbers for the key's id");
	rv = p->f->C_GenerateKeyPair(p->session, &mech, pub_t, sizeof(pub_t) / sizeof(pub_t[0]),
				     priv_t, sizeof(priv_t) / sizeof(priv_t[0]), &p->pub, &p->priv);
	if (rv != CKR_OK)
		return fail(e, "C_GenerateKeyPair(EC P-256)", rv);
	p->generated = 1;
	rv = p->f->C_GetAttributeValue(p->session, p->pub, &a, 1);
	if (rv != CKR_OK)
		return fail(e, "C_GetAttributeValue(CKA_EC_POINT)", rv);
	return pub_from_point(point, a.ulValueLen, pub, e);
}

void est_p11_drop_key(struct est_p11 *p)
{
	if (!p || !p->generated)
		return;
	if (p->priv)
		p->f->C_DestroyObject(p->session, p->priv);
	if (p->pub)
		p->f->C_DestroyObject(p->session, p->pub);
	p->priv = p->pub = 0;
	p->generated = 0;
}

static CK_RV find(struct est_p11 *p, CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_HANDLE *out,
		  CK_ULONG max, CK_ULONG *count)
{
	CK_RV rv = p->f->C_FindObjectsInit(p->session, t, n);

	*count = 0;
	if (rv != CKR_OK)
		return rv;
	rv = p->f->C_FindObjects(p->session, out, max, count);
	p->f->C_FindObjectsFinal(p->session);
	return rv;
}

sg_err est_p11_use_key(struct est_p11 *p, const uint8_t *id, size_t id_len, struct sg_error *e)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, (void *)id, (CK_ULONG)id_len}};
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n = 0;
	CK_RV rv = find(p, t, 2, h, 2, &n);

	if (rv != CKR_OK)
		return fail(e, "C_FindObjects(private key)", rv);
	if (n != 1)
		return sg_error_set(e, SG_E_NO_CERT, "%s private key with the certificate's id",
				    n ? "more than one" : "no");
	p->priv = h[0];
	p->generated = 0;
	return SG_OK;
}

sg_err est_p11_sign(void *arg, enum token_sig kind, const uint8_t hash[32], uint8_t *sig,
		    size_t *sig_len, struct sg_error *e)
{
	struct est_p11 *p = arg;
	/* SoftHSM refuses CKM_ECDSA_SHA256: hash here, sign raw (NOTES.md). */
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	uint8_t raw[132];
	CK_ULONG rl = sizeof(raw);
	CK_RV rv;

	if (kind != TOKEN_SIG_ECDSA)
		return sg_error_set(e, SG_E_TOKEN, "enrolment makes EC P-256 keys only");
	rv = p->f->C_SignInit(p->session, &mech, p->priv);
	if (rv != CKR_OK)
		return fail(e, "C_SignInit", rv);
	rv = p->f->C_Sign(p->session, (CK_BYTE_PTR)hash, 32, raw, &rl);
	if (rv != CKR_OK)
		return fail(e, "C_Sign", rv);
	return sig_ecdsa_raw_to_der(raw, rl, sig, sig_len) ? sg_error_set(e, SG_E_TOKEN,
									  "a malformed signature")
							   : SG_OK;
}

sg_err est_p11_store_cert(struct est_p11 *p, const uint8_t *id, size_t id_len, const char *label,
			  const uint8_t *der, size_t len, struct sg_error *e)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE ft[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, (void *)id, (CK_ULONG)id_len}};
	CK_OBJECT_HANDLE old[8], h;
	CK_ULONG n = 0;
	mbedtls_x509_crt crt;
	sg_err err = SG_OK;
	CK_RV rv;

	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_der(&crt, der, len) != 0) {
		err = sg_error_set(e, SG_E_CERT_PARSE, "the certificate to store does not parse");
		goto out;
	}
	{
		CK_ATTRIBUTE t[] = {
			{CKA_CLASS, &cls, sizeof(cls)},
			{CKA_CERTIFICATE_TYPE, &ct, sizeof(ct)},
			{CKA_TOKEN, &yes, sizeof(yes)},
			{CKA_ID, (void *)id, (CK_ULONG)id_len},
			{CKA_LABEL, (void *)label, (CK_ULONG)strlen(label)},
			{CKA_SUBJECT, crt.subject_raw.p, (CK_ULONG)crt.subject_raw.len},
			{CKA_ISSUER, crt.issuer_raw.p, (CK_ULONG)crt.issuer_raw.len},
			{CKA_SERIAL_NUMBER, crt.serial.p, (CK_ULONG)crt.serial.len},
			{CKA_VALUE, (void *)der, (CK_ULONG)len},
		};

		rv = find(p, ft, 2, old, 8, &n);
		if (rv != CKR_OK) {
			err = fail(e, "C_FindObjects(certificate)", rv);
			goto out;
		}
		/* The new one first: a failure leaves the old certificate. */
		rv = p->f->C_CreateObject(p->session, t, sizeof(t) / sizeof(t[0]), &h);
		if (rv != CKR_OK) {
			err = fail(e, "C_CreateObject(certificate)", rv);
			goto out;
		}
	}
	for (CK_ULONG i = 0; i < n; i++)
		p->f->C_DestroyObject(p->session, old[i]);
out:
	mbedtls_x509_crt_free(&crt);
	return err;
}

const char *est_p11_token_uri(const struct est_p11 *p)
{
	return p->uri;
}

void est_p11_close(struct est_p11 *p)
{
	if (!p)
		return;
	if (p->f) {
		if (p->logged_in)
			p->f->C_Logout(p->session);
		if (p->have_session)
			p->f->C_CloseSession(p->session);
		if (p->finalize)
			p->f->C_Finalize(NULL);
	}
	if (p->module)
		hal_p11_unload(&p->hal->p11, p->module);
	sg_free(p);
}
