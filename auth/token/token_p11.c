/* token_p11.c: the PKCS#11 backend of the token interface. */
#include "token_p11_priv.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "sg_log.h"
#include "sg_mem.h"
#include "sig.h"

#define P11_MAX_SLOTS 64
#define P11_MAX_CERT_DER 16384

/* Records a failed call in e: "C_Sign: CKR_DEVICE_REMOVED (0x32)". */
sg_err p11_fail(struct sg_error *e, const char *call, CK_RV rv)
{
	return sg_error_set(e, token_p11_err(rv), "%s: %s (0x%lx)", call, token_p11_rv_name(rv),
			    (unsigned long)rv);
}

/* ---- helpers ------------------------------------------------------------ */

/* Copies a blank-padded PKCS#11 field into a C string. */
static void p11_field(char *dst, size_t cap, const CK_UTF8CHAR *src, size_t n)
{
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\0'))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Finds up to max objects matching tmpl. */
CK_RV p11_find(struct p11 *p, CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *out,
		      CK_ULONG max, CK_ULONG *count)
{
	CK_RV rv = p->f->C_FindObjectsInit(p->session, tmpl, n);
	*count = 0;
	if (rv != CKR_OK)
		return rv;
	rv = p->f->C_FindObjects(p->session, out, max, count);
	CK_RV rv2 = p->f->C_FindObjectsFinal(p->session);
	return rv != CKR_OK ? rv : rv2;
}

/* Reads a variable-length attribute into a fresh buffer (caller frees). */
static CK_RV p11_get_alloc(struct p11 *p, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
			   size_t max, uint8_t **val, size_t *len)
{
	CK_ATTRIBUTE a = {type, NULL, 0};
	CK_RV rv = p->f->C_GetAttributeValue(p->session, obj, &a, 1);

	*val = NULL;
	*len = 0;
	if (rv != CKR_OK)
		return rv;
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen == 0 ||
	    a.ulValueLen > max)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	a.pValue = sg_calloc(1, a.ulValueLen);
	if (!a.pValue)
		return CKR_HOST_MEMORY;
	rv = p->f->C_GetAttributeValue(p->session, obj, &a, 1);
	if (rv != CKR_OK || a.ulValueLen > max) {
		sg_free(a.pValue);
		return rv != CKR_OK ? rv : CKR_ATTRIBUTE_VALUE_INVALID;
	}
	*val = a.pValue;
	*len = a.ulValueLen;
	return CKR_OK;
}

/* Reads a small attribute into a fixed buffer in one call; 0 length when
 * absent or larger than cap (the module answers CKR_BUFFER_TOO_SMALL). */
static void p11_get_small(struct p11 *p, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
			  void *buf, size_t cap, size_t *len)
{
	CK_ATTRIBUTE a = {type, buf, cap};

	*len = 0;
	if (p->f->C_GetAttributeValue(p->session, obj, &a, 1) == CKR_OK && a.ulValueLen <= cap)
		*len = a.ulValueLen;
}

/* A certificate's CKA_LABEL and CKA_ID in one call; one by one when the
 * module refuses the pair (one absent or too long). */
static void p11_get_label_id(struct p11 *p, CK_OBJECT_HANDLE obj, struct token_cert *c,
			     size_t *llen)
{
	CK_ATTRIBUTE a[2] = {{CKA_LABEL, c->label, TOKEN_LABEL_MAX}, {CKA_ID, c->id, TOKEN_ID_MAX}};

	if (p->f->C_GetAttributeValue(p->session, obj, a, 2) == CKR_OK &&
	    a[0].ulValueLen <= TOKEN_LABEL_MAX && a[1].ulValueLen <= TOKEN_ID_MAX) {
		*llen = a[0].ulValueLen;
		c->id_len = a[1].ulValueLen;
		return;
	}
	p11_get_small(p, obj, CKA_LABEL, c->label, TOKEN_LABEL_MAX, llen);
	p11_get_small(p, obj, CKA_ID, c->id, TOKEN_ID_MAX, &c->id_len);
}

/* ---- certificates ------------------------------------------------------- */

/* Collects the ids of the private keys visible now (before login some
 * tokens hide them). Returns how many. */
static size_t p11_key_ids(struct p11 *p, uint8_t ids[][TOKEN_ID_MAX], size_t *id_lens,
			  size_t max)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}};
	CK_OBJECT_HANDLE h[TOKEN_MAX_CERTS];
	CK_ULONG n = 0;

	if (p11_find(p, tmpl, 1, h, TOKEN_MAX_CERTS, &n) != CKR_OK)
		return 0;
	if (n > max)
		n = max;
	for (CK_ULONG i = 0; i < n; i++)
		p11_get_small(p, h[i], CKA_ID, ids[i], TOKEN_ID_MAX, &id_lens[i]);
	return n;
}

static void p11_mark_keys(struct p11 *p)
{
	uint8_t ids[TOKEN_MAX_CERTS][TOKEN_ID_MAX];
	size_t lens[TOKEN_MAX_CERTS];
	size_t nkeys = p11_key_ids(p, ids, lens, TOKEN_MAX_CERTS);

	for (size_t i = 0; i < p->tok.n_certs; i++) {
		struct token_cert *c = &p->tok.certs[i];
		/* Tokens that show no key before login may still have one. */
		c->key_state = nkeys ? TOKEN_KEY_STATE_ABSENT : TOKEN_KEY_STATE_UNKNOWN;
		for (size_t k = 0; k < nkeys; k++)
			if (lens[k] == c->id_len && !memcmp(ids[k], c->id, c->id_len))
				c->key_state = TOKEN_KEY_STATE_PRESENT;
	}
}

static sg_err p11_load_certs(struct p11 *p, const struct p11uri *uri, const CK_TOKEN_INFO *ti,
			     struct sg_error *e)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ctype = CKC_X_509;
	CK_ATTRIBUTE tmpl[3] = {{CKA_CLASS, &cls, sizeof(cls)},
				{CKA_CERTIFICATE_TYPE, &ctype, sizeof(ctype)}};
	CK_OBJECT_HANDLE h[TOKEN_MAX_CERTS];
	CK_ULONG n = 0, nt = 2;

	/* A URI naming the id: the module skips the other certificates. */
	if (uri && (uri->present & P11URI_BIT(P11URI_ID)))
		tmpl[nt++] = (CK_ATTRIBUTE){CKA_ID, (void *)uri->id, uri->id_len};
	CK_RV rv = p11_find(p, tmpl, nt, h, TOKEN_MAX_CERTS, &n);

	if (rv != CKR_OK)
		return p11_fail(e, "C_FindObjects(certificates)", rv);
	for (CK_ULONG i = 0; i < n; i++) {
		struct token_cert *c = &p->tok.certs[p->tok.n_certs];
		size_t llen = 0;

		memset(c, 0, sizeof(*c));
		p11_get_label_id(p, h[i], c, &llen);
		c->label[llen] = '\0';
		if (uri && !p11uri_match_object(uri, CKO_CERTIFICATE, (const uint8_t *)c->label,
						llen, c->id, c->id_len))
			continue;
		rv = p11_get_alloc(p, h[i], CKA_VALUE, P11_MAX_CERT_DER, &c->der, &c->der_len);
		if (rv == CKR_HOST_MEMORY)
			return p11_fail(e, "C_GetAttributeValue(CKA_VALUE)", rv);
		if (rv != CKR_OK) {
			sg_warn(&p->hal->log, "certificate '%s' has no readable value (%s)",
				c->label, token_p11_rv_name(rv));
			continue;
		}
		c->handle = h[i];
		token_cert_describe(c);
		p11uri_format_object(c->uri, sizeof(c->uri), ti, "cert", (const uint8_t *)c->label,
				     llen, c->id, c->id_len);
		p->tok.n_certs++;
	}
	p11_mark_keys(p);
	return SG_OK;
}

/* ---- token operations --------------------------------------------------- */

sg_err p11_pin_state(struct token *t, struct token_pin_state *st, struct sg_error *e)
{
	struct p11 *p = (struct p11 *)t;
	CK_TOKEN_INFO ti;
	CK_RV rv = p->f->C_GetTokenInfo(p->slot, &ti);

	if (rv != CKR_OK)
		return p11_fail(e, "C_GetTokenInfo", rv);
	st->count_low = !!(ti.flags & CKF_USER_PIN_COUNT_LOW);
	st->final_try = !!(ti.flags & CKF_USER_PIN_FINAL_TRY);
	st->locked = !!(ti.flags & CKF_USER_PIN_LOCKED);
	st->tries_left = st->locked ? 0 : st->final_try ? 1 : SG_TRIES_UNKNOWN;
	return SG_OK;
}

sg_err p11_login(struct token *t, const struct pin *pin, struct sg_error *e)
{
	struct p11 *p = (struct p11 *)t;
	struct token_pin_state st;
	CK_RV rv;

	/* A locked token is refused here: trying would tell nothing new. */
	if (p11_pin_state(t, &st, NULL) == SG_OK && st.locked)
		return sg_error_set(e, SG_E_PIN_LOCKED, "token '%s' reports its user PIN locked",
				    t->info.label);
	rv = p->f->C_Login(p->session, CKU_USER, pin ? (CK_UTF8CHAR_PTR)pin->v : NULL,
			   pin ? pin->len : 0);
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return SG_OK;
	sg_err err = p11_fail(e, "C_Login", rv);
	if (err == SG_E_PIN_INCORRECT && p11_pin_state(t, &st, NULL) == SG_OK) {
		if (st.locked)
			return sg_error_set(e, SG_E_PIN_LOCKED, "the last wrong PIN locked it");
		if (e) {
			e->tries_left = st.tries_left;
			e->final_try = st.final_try;
		}
	}
	return err;
}

/* Finds the private key with CKA_ID id, or with the label when there is
 * no id (the key of certificate `label`). */
sg_err p11_key_for(struct p11 *p, const uint8_t *id, size_t id_len, const char *label,
			  CK_OBJECT_HANDLE *key, struct sg_error *e)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[2] = {{CKA_CLASS, &cls, sizeof(cls)}};
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n = 0;
	CK_RV rv;

	if (id_len) {
		tmpl[1] = (CK_ATTRIBUTE){CKA_ID, (void *)id, id_len};
	} else {
		tmpl[1] = (CK_ATTRIBUTE){CKA_LABEL, (void *)label, strlen(label)};
	}
	rv = p11_find(p, tmpl, 2, h, 2, &n);
	if (rv != CKR_OK)
		return p11_fail(e, "C_FindObjects(private key)", rv);
	if (n == 0)
		return sg_error_set(e, SG_E_NO_CERT,
				    "no private key for certificate '%s' on token '%s'%s", label,
				    p->tok.info.label, p->tok.logged_in ? "" : " (not logged in)");
	*key = h[0];
	return SG_OK;
}

/* Signs with private key `key`. */
sg_err p11_sign_with(struct p11 *p, CK_OBJECT_HANDLE key, enum token_sig sig,
			    const uint8_t *hash, size_t hash_len, uint8_t *out, size_t *out_len,
			    struct sg_error *e)
{
	CK_RSA_PKCS_PSS_PARAMS pss = {hash_len == 48 ? CKM_SHA384 : CKM_SHA256,
				      hash_len == 48 ? CKG_MGF1_SHA384 : CKG_MGF1_SHA256, hash_len};
	CK_MECHANISM mech = {CKM_RSA_PKCS, NULL, 0};
	uint8_t data[80], buf[SIG_MAX];
	size_t dlen = sizeof(data);
	CK_ULONG slen = sizeof(buf);
	sg_err err;
	CK_RV rv;

	switch (sig) {
	case TOKEN_SIG_RSA_PKCS1:
		/* Hash here, pad on the token: CKM_RSA_PKCS over a DigestInfo
		 * works on every token, CKM_SHA256_RSA_PKCS does not. */
		err = sig_digest_info(hash, hash_len, data, &dlen);
		if (err)
			return sg_error_set(e, err, "cannot build DigestInfo");
		break;
	case TOKEN_SIG_RSA_PSS:
		mech = (CK_MECHANISM){CKM_RSA_PKCS_PSS, &pss, sizeof(pss)};
		memcpy(data, hash, hash_len);
		dlen = hash_len;
		break;
	case TOKEN_SIG_ECDSA:
		/* Raw CKM_ECDSA over our hash: SoftHSM2 refuses CKM_ECDSA_SHA256. */
		mech = (CK_MECHANISM){CKM_ECDSA, NULL, 0};
		memcpy(data, hash, hash_len);
		dlen = hash_len;
		break;
	}
	rv = p->f->C_SignInit(p->session, &mech, key);
	if (rv != CKR_OK)
		return p11_fail(e, "C_SignInit", rv);
	rv = p->f->C_Sign(p->session, data, dlen, buf, &slen);
	if (rv != CKR_OK)
		return p11_fail(e, "C_Sign", rv);
	if (sig == TOKEN_SIG_ECDSA) {
		err = sig_ecdsa_raw_to_der(buf, slen, out, out_len);
		if (err)
			return sg_error_set(e, SG_E_TOKEN, "the token returned a %lu-byte ECDSA signature",
					    (unsigned long)slen);
		return SG_OK;
	}
	if (slen > *out_len)
		return sg_error_set(e, SG_E_INTERNAL, "signature buffer too small");
	memcpy(out, buf, slen);
	*out_len = slen;
	return SG_OK;
}

sg_err p11_sign(struct token *t, size_t ci, enum token_sig sig, const uint8_t *hash,
		       size_t hash_len, uint8_t *out, size_t *out_len, struct sg_error *e)
{
	struct p11 *p = (struct p11 *)t;
	const struct token_cert *c = &t->certs[ci];
	CK_OBJECT_HANDLE key = p->keys[ci];
	sg_err err = key ? SG_OK : p11_key_for(p, c->id, c->id_len, c->label, &key, e);

	if (!err)
		p->keys[ci] = key;
	return err ? err : p11_sign_with(p, key, sig, hash, hash_len, out, out_len, e);
}

void p11_logout(struct token *t)
{
	struct p11 *p = (struct p11 *)t;

	p->f->C_Logout(p->session);
	/* A module may drop the handles of private objects at logout. */
	memset(p->keys, 0, sizeof(p->keys));
}

void p11_close(struct token *t)
{
	struct p11 *p = (struct p11 *)t;

	for (size_t i = 0; i < t->n_certs; i++)
		sg_free(t->certs[i].der);
	if (p->have_rw)
		p->f->C_CloseSession(p->rw);
	if (p->have_session)
		p->f->C_CloseSession(p->session);
	if (p->finalize)
		p->f->C_Finalize(NULL);
	if (p->module)
		hal_p11_unload(&p->hal->p11, p->module);
	sg_free(p);
}

static const struct token_ops p11_ops = {
	.pin_state = p11_pin_state,
	.login = p11_login,
	.sign = p11_sign,
	.logout = p11_logout,
	.close = p11_close,
};

/* ---- opening ------------------------------------------------------------ */

static void p11_fill_info(struct token_info *info, const CK_TOKEN_INFO *ti)
{
	p11_field(info->label, sizeof(info->label), ti->label, sizeof(ti->label));
	p11_field(info->manufacturer, sizeof(info->manufacturer), ti->manufacturerID,
		  sizeof(ti->manufacturerID));
	p11_field(info->model, sizeof(info->model), ti->model, sizeof(ti->model));
	p11_field(info->serial, sizeof(info->serial), ti->serialNumber,
		  sizeof(ti->serialNumber));
	p11uri_format_token(info->uri, sizeof(info->uri), ti);
	info->protected_auth_path = !!(ti->flags & CKF_PROTECTED_AUTHENTICATION_PATH);
	info->login_required = !!(ti->flags & CKF_LOGIN_REQUIRED);
	info->pin_min = ti->ulMinPinLen < 1000 ? (unsigned)ti->ulMinPinLen : 0;
	info->pin_max = ti->ulMaxPinLen < 1000 ? (unsigned)ti->ulMaxPinLen : 0;
}

/* Appends " <uri>" to e->detail as far as it fits. */
static void p11_detail_add(struct sg_error *e, const char *uri)
{
	if (!e)
		return;
	size_t used = strlen(e->detail);
	snprintf(e->detail + used, sizeof(e->detail) - used, " %s", uri);
}

/* Finds the one initialised token that the URI picks. */
static sg_err p11_pick_slot(struct p11 *p, const struct p11uri *uri, CK_TOKEN_INFO *picked,
			    struct sg_error *e)
{
	CK_SLOT_ID slots[P11_MAX_SLOTS];
	CK_ULONG n = P11_MAX_SLOTS, all = 0, matched = 0, present = 0;
	CK_RV rv = p->f->C_GetSlotList(CK_TRUE, slots, &n);

	if (rv != CKR_OK)
		return p11_fail(e, "C_GetSlotList", rv);
	for (CK_ULONG i = 0; i < n; i++) {
		CK_SLOT_INFO si;
		CK_TOKEN_INFO ti;
		char turi[TOKEN_URI_MAX];

		if (p->f->C_GetSlotInfo(slots[i], &si) != CKR_OK ||
		    p->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
		    !(ti.flags & CKF_TOKEN_INITIALIZED))
			continue;
		present++;
		if (uri && (!p11uri_match_slot(uri, slots[i], &si) || !p11uri_match_token(uri, &ti)))
			continue;
		if (matched == 1) {
			sg_error_set(e, SG_E_AMBIGUOUS, "%s", TOKEN_P11_SEVERAL);
			p11uri_format_token(turi, sizeof(turi), picked);
			p11_detail_add(e, turi);
		}
		if (matched >= 1) {
			p11uri_format_token(turi, sizeof(turi), &ti);
			p11_detail_add(e, turi);
		}
		if (matched++ == 0) {
			*picked = ti;
			p->slot = slots[i];
		}
	}
	if (matched == 1)
		return SG_OK;
	if (matched > 1)
		return SG_E_AMBIGUOUS;
	if (present > 0)
		return sg_error_set(e, SG_E_NO_TOKEN, "%lu token(s) present, none matches the URI",
				    (unsigned long)present);
	if (p->f->C_GetSlotList(CK_FALSE, NULL, &all) == CKR_OK && all == 0)
		return sg_error_set(e, SG_E_NO_READER, "the module reports no slot (no reader)");
	return sg_error_set(e, SG_E_NO_CARD, "no card/token in any of %lu slot(s)",
			    (unsigned long)all);
}

sg_err token_p11_open(const struct hal *hal, const char *module, const struct p11uri *uri,
		      struct token **out, struct sg_error *e)
{
	struct p11 *p = sg_calloc(1, sizeof(*p));
	CK_TOKEN_INFO ti;
	CK_INFO li;
	void *fnlist = NULL;
	sg_err err = SG_OK;
	CK_RV rv;
	int hrc;

	*out = NULL;
	if (!p)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	p->hal = hal;
	p->tok.ops = &p11_ops;
	p->tok.backend = p;
	hrc = hal_p11_load(&hal->p11, module, &fnlist, &p->module);
	if (hrc != HAL_OK) {
		err = sg_error_set(e, hrc == HAL_ENOTSUP ? SG_E_INTERNAL : SG_E_NO_MODULE,
				   "%s: %s", module ? module : "(default module)",
				   hrc == HAL_ENOTSUP ? "this board cannot load PKCS#11 modules"
						      : hal_p11_error(&hal->p11));
		goto out;
	}
	p->f = fnlist;
	rv = p->f->C_Initialize(NULL);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		err = p11_fail(e, "C_Initialize", rv);
		goto out;
	}
	p->finalize = rv == CKR_OK;
	rv = p->f->C_GetInfo(&li);
	if (rv != CKR_OK) {
		err = p11_fail(e, "C_GetInfo", rv);
		goto out;
	}
	if (uri && !p11uri_match_library(uri, &li)) {
		err = sg_error_set(e, SG_E_NO_TOKEN, "the module does not match the URI's library "
				   "attributes");
		goto out;
	}
	err = p11_pick_slot(p, uri, &ti, e);
	if (err)
		goto out;
	p11_fill_info(&p->tok.info, &ti);
	p->ti = ti;
	rv = p->f->C_OpenSession(p->slot, CKF_SERIAL_SESSION, NULL, NULL, &p->session);
	if (rv != CKR_OK) {
		err = p11_fail(e, "C_OpenSession", rv);
		goto out;
	}
	p->have_session = 1;
	err = p11_load_certs(p, uri, &ti, e);
out:
	if (err) {
		p11_close(&p->tok);
		return err;
	}
	*out = &p->tok;
	return SG_OK;
}
