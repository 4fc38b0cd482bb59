/*
 * est.c: enrolment and renewal flows (est.h): the service is checked
 * against the pin before any secret leaves the device, the key is made on
 * the token, the answer is checked before it is stored.
 */
#define _GNU_SOURCE
#include "est.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "certinfo.h"
#include "csr.h"
#include "est_coap.h"
#include "est_msg.h"
#include "est_p11.h"
#include "identity.h"
#include "piv.h"
#include "sg_mem.h"
#include "token_p11.h"
#include "token_piv.h"
#include "vcard.h"
#include "vcard_cli.h"
#include "vcard_reader.h"

#define EST_LABEL "signet"
#define EST_VCARD_SLOT 0x9a /* PIV authentication: the sign-in key */

void est_opts_from_config(const struct signet_config *cfg, struct est_opts *o)
{
	if (!o->server && cfg->enroll_server[0])
		o->server = cfg->enroll_server;
	if (!o->renew_server && cfg->enroll_renew_server[0])
		o->renew_server = cfg->enroll_renew_server;
	if (!o->ca_file && cfg->enroll_ca[0])
		o->ca_file = cfg->enroll_ca;
	if (!o->fingerprint && cfg->enroll_fingerprint[0])
		o->fingerprint = cfg->enroll_fingerprint;
	if (!o->identity && cfg->sip_user[0])
		o->identity = cfg->sip_user;
}

int est_renew_due(int64_t not_after, int64_t now, int days)
{
	return not_after - now <= (int64_t)days * 86400;
}

/* ---- the service, checked against the pin ---------------------------------- */

/* The anchor: the pinned CA file's certificates, which /crts must also
 * hold; or the /crts certificate whose SHA-256 is the pinned fingerprint. */
static sg_err pick_anchor(const struct est_opts *o, const mbedtls_x509_crt *crts,
			  mbedtls_x509_crt *anchor, struct sg_error *e)
{
	const mbedtls_x509_crt *c;
	uint8_t want[32], fp[32];

	if (o->ca_file) {
		if (mbedtls_x509_crt_parse_file(anchor, o->ca_file) != 0)
			return sg_error_set(e, SG_E_CONFIG, "[enroll] ca %s: not a certificate file",
					    o->ca_file);
		for (c = crts; c && c->raw.p; c = c->next)
			for (const mbedtls_x509_crt *a = anchor; a && a->raw.p; a = a->next)
				if (a->raw.len == c->raw.len && !memcmp(a->raw.p, c->raw.p, c->raw.len))
					return SG_OK;
		return sg_error_set(e, SG_E_CERT_UNTRUSTED, "the service's CA certificates (/crts) "
				    "do not include the pinned CA %s", o->ca_file);
	}
	if (!o->fingerprint)
		return sg_error_set(e, SG_E_CONFIG, "no pinned CA: set [enroll] ca or ca_fingerprint");
	if (est_fingerprint_parse(o->fingerprint, want, e))
		return SG_E_CONFIG;
	for (c = crts; c && c->raw.p; c = c->next) {
		est_fingerprint(c->raw.p, c->raw.len, fp);
		if (!memcmp(fp, want, sizeof(fp)) && c->ca_istrue)
			return mbedtls_x509_crt_parse_der(anchor, c->raw.p, c->raw.len)
				       ? sg_error_set(e, SG_E_INTERNAL, "the pinned CA does not parse")
				       : SG_OK;
	}
	return sg_error_set(e, SG_E_CERT_UNTRUSTED, "no CA certificate of the service (/crts) has "
			    "the pinned fingerprint");
}

/* GET /crts, then: the CA matches the pin, the DTLS certificate chains to
 * it and names host. Nothing secret has been sent yet. */
static sg_err check_service(struct est_conn *conn, const struct est_opts *o, const char *host,
			    mbedtls_x509_crt *anchor, struct sg_error *e)
{
	mbedtls_x509_crt crts, peer;
	struct est_resp r;
	uint32_t flags = 0;
	sg_err err;

	mbedtls_x509_crt_init(&crts);
	mbedtls_x509_crt_init(&peer);
	err = est_conn_request(conn, EST_PATH_CRTS, NULL, 0, 0, &r, e);
	if (err)
		goto out;
	if (r.code != 205) {
		err = sg_error_set(e, SG_E_REFUSED, "/crts answered %u", r.code);
		goto out;
	}
	err = est_certs_parse(r.cf < 0 ? EST_CF_PKCS7_CERTS : (unsigned)r.cf, r.body, r.len, &crts, e);
	if (err)
		goto out;
	err = pick_anchor(o, &crts, anchor, e);
	if (err)
		goto out;
	err = est_conn_peer_chain(conn, &peer, e);
	if (err)
		goto out;
	if (mbedtls_x509_crt_verify(&peer, anchor, NULL, host, &flags, NULL, NULL) != 0) {
		char why[200];

		mbedtls_x509_crt_verify_info(why, sizeof(why), "", flags);
		why[strcspn(why, "\n")] = 0;
		err = sg_error_set(e, SG_E_CERT_UNTRUSTED, "the service's certificate does not match "
				   "the pinned CA or the name %s (%s); nothing was sent", host, why);
	}
out:
	est_resp_free(&r);
	mbedtls_x509_crt_free(&crts);
	mbedtls_x509_crt_free(&peer);
	return err;
}

/* What a refusal of /sen or /sren means for the user. */
static int has_prefix(const char *s, const char *p)
{
	size_t n = strlen(p);

	return strlen(s) >= n && memcmp(s, p, n) == 0;
}

static sg_err refusal(const struct est_resp *r, const char *path, struct sg_error *e)
{
	char diag[160];
	size_t n = 0;

	/* The diagnostic payload, made printable for the terminal. */
	if (r->body)
		for (; n < r->len && n < sizeof(diag) - 1; n++)
			diag[n] = r->body[n] >= 0x20 && r->body[n] < 0x7f ? (char)r->body[n] : '?';
	diag[n] = 0;
	if (r->code == 401 && has_prefix(diag, "wrong PIN")) {
		unsigned left = 0;
		sg_err err = sg_error_set(e, SG_E_PIN_INCORRECT, "the service: %s", diag);

		if (e && sscanf(diag, "wrong PIN; %u", &left) == 1)
			e->tries_left = (int)left;
		return err;
	}
	if (r->code == 403 && has_prefix(diag, "locked"))
		return sg_error_set(e, SG_E_PIN_LOCKED, "the service: %s", diag);
	return sg_error_set(e, SG_E_REFUSED, "%s answered %u.%02u%s%s", path, r->code / 100,
			    r->code % 100, n ? ": " : "", diag);
}

/* The issued certificate: parses, is for pub, names identity, chains to
 * the anchor. */
static sg_err check_issued(const struct est_resp *r, const mbedtls_pk_context *pub,
			   const char *identity, const mbedtls_x509_crt *anchor, uint8_t **der,
			   size_t *len, struct sg_error *e)
{
	uint8_t a[600], b[600];
	mbedtls_x509_crt crt;
	struct certinfo ci;
	uint32_t flags = 0;
	int la, lb;
	sg_err err;

	mbedtls_x509_crt_init(&crt);
	err = est_certs_parse(r->cf < 0 ? EST_CF_PKIX_CERT : (unsigned)r->cf, r->body, r->len, &crt,
			      e);
	if (err)
		goto out;
	la = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)pub, a, sizeof(a));
	lb = mbedtls_pk_write_pubkey_der(&crt.pk, b, sizeof(b));
	if (la <= 0 || la != lb || memcmp(a + sizeof(a) - la, b + sizeof(b) - lb, (size_t)la)) {
		err = sg_error_set(e, SG_E_SIGNATURE, "the issued certificate is not for the key on "
				   "the token");
		goto out;
	}
	err = certinfo_parse(crt.raw.p, crt.raw.len, &ci, e);
	if (err)
		goto out;
	if (identity && !identity_match(&ci, identity)) {
		err = sg_error_set(e, SG_E_CERT_IDENTITY, "the issued certificate does not name %s",
				   identity);
		goto out;
	}
	if (mbedtls_x509_crt_verify(&crt, (mbedtls_x509_crt *)anchor, NULL, NULL, &flags, NULL,
				    NULL) != 0) {
		err = sg_error_set(e, SG_E_CERT_UNTRUSTED, "the issued certificate does not chain "
				   "to the pinned CA (flags 0x%x)", (unsigned)flags);
		goto out;
	}
	*der = sg_calloc(1, crt.raw.len);
	if (!*der) {
		err = sg_error_set(e, SG_E_NOMEM, NULL);
		goto out;
	}
	memcpy(*der, crt.raw.p, crt.raw.len);
	*len = crt.raw.len;
out:
	mbedtls_x509_crt_free(&crt);
	return err;
}

/* ---- the token side ---------------------------------------------------------- */

struct keyside {
	struct cli *c;
	/* PKCS#11 */
	struct est_p11 *p11;
	uint8_t id[EST_P11_ID_LEN];
	/* virtual card */
	struct vcard *card;
	struct hal_card dev;
	char mgmt_blob[80];
	mbedtls_pk_context pub;
};

static sg_err vcard_sign(void *arg, enum token_sig kind, const uint8_t hash[32], uint8_t *sig,
			 size_t *sig_len, struct sg_error *e)
{
	struct keyside *k = arg;

	return piv_sign(&k->dev, &k->c->hal.rng, PIV_ALG_ECCP256, EST_VCARD_SLOT, kind, hash, 32,
			sig, sig_len, e);
}

/* The virtual card: management key from its sealed blob, a P-256 key in
 * slot 9A (its public key recorded as `signet vcard gen-key` does), the
 * PIN verified for the request's signature. */
static sg_err vcard_keygen(struct keyside *k, const struct pin *pin, struct sg_error *e)
{
	struct cli *c = k->c;
	char blob[64];
	struct vmgmt m;
	size_t idx = vmgmt_slot_index(piv_slot_of(EST_VCARD_SLOT));
	sg_err err;
	int n;

	memset(&m, 0, sizeof(m));
	err = cli_vcard_blob(c->card_arg, blob, sizeof(blob), e);
	if (err)
		return err;
	snprintf(k->mgmt_blob, sizeof(k->mgmt_blob), "%s.mgmt", blob);
	err = vcard_open(&c->hal, blob, &k->card, e);
	if (err)
		return err;
	vcard_reader_device(&k->dev, k->card, NULL);
	if (hal_card_connect(&k->dev, "signet virtual card 00") != HAL_OK)
		return sg_error_set(e, SG_E_INTERNAL, "the virtual reader did not connect");
	err = piv_select(&k->dev, e);
	if (!err)
		err = piv_verify(&k->dev, pin->v, pin->len, e); /* a wrong PIN stops here */
	if (!err)
		err = vmgmt_load(&c->hal, k->mgmt_blob, &m, e);
	if (!err)
		err = piv_mgmt_auth(&k->dev, m.alg, m.key, m.key_len, e);
	if (!err)
		err = piv_generate(&k->dev, EST_VCARD_SLOT, PIV_ALG_ECCP256, &k->pub, e);
	if (err)
		goto out;
	n = mbedtls_pk_write_pubkey_der(&k->pub, m.pub[idx].der, sizeof(m.pub[idx].der));
	if (n <= 0) {
		err = sg_error_set(e, SG_E_INTERNAL, "cannot encode the public key");
		goto out;
	}
	memmove(m.pub[idx].der, m.pub[idx].der + sizeof(m.pub[idx].der) - n, (size_t)n);
	m.pub[idx].len = (size_t)n;
	err = vmgmt_save(&c->hal, k->mgmt_blob, &m, e);
	/* The old certificate belongs to the old key: it goes with it. */
	if (!err)
		err = piv_put_object(&k->dev, piv_slot_of(EST_VCARD_SLOT)->obj_tag, NULL, 0, e);
	if (!err)
		err = piv_verify(&k->dev, pin->v, pin->len, e);
out:
	vmgmt_wipe(&m);
	return err;
}

static sg_err vcard_store(struct keyside *k, const uint8_t *der, size_t len, struct sg_error *e)
{
	struct vmgmt m;
	sg_err err;

	memset(&m, 0, sizeof(m));
	err = vmgmt_load(&k->c->hal, k->mgmt_blob, &m, e);
	if (!err)
		err = piv_mgmt_auth(&k->dev, m.alg, m.key, m.key_len, e);
	if (!err)
		err = piv_put_cert(&k->dev, EST_VCARD_SLOT, der, len, e);
	vmgmt_wipe(&m);
	return err;
}

static void keyside_close(struct keyside *k)
{
	est_p11_close(k->p11);
	k->p11 = NULL;
	if (k->card) {
		piv_unverify(&k->dev);
		(void)hal_card_disconnect(&k->dev, 1);
		vcard_close(k->card);
		k->card = NULL;
	}
	mbedtls_pk_free(&k->pub);
}

/* "CN=<cn>" for the request's subject: the subject parser takes ',', '='
 * and '\\' as syntax, so they become '_'. */
static void subject_cn(const char *cn, char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "CN=");

	for (size_t i = 0; cn[i] && o + 1 < cap; i++)
		out[o++] = cn[i] == ',' || cn[i] == '=' || cn[i] == '\\' ? '_' : cn[i];
	out[o] = 0;
}

/* The request: subject CN=<login or id>, the identity, and the challenge. */
static sg_err make_csr(struct keyside *k, int vcard, const char *cn, const char *identity,
		       const char *challenge, size_t ch_len, uint8_t *out, size_t *len,
		       struct sg_error *e)
{
	char subject[EST_LOGIN_MAX + 8];
	struct csr_req r = {
		.pub = &k->pub,
		.subject = subject,
		.san_uri = identity,
		.challenge = challenge,
		.challenge_len = ch_len,
	};

	subject_cn(cn, subject, sizeof(subject));
	return csr_make(&r, vcard ? vcard_sign : est_p11_sign, vcard ? (void *)k : (void *)k->p11,
			out, len, e);
}

/* ---- enrolment ------------------------------------------------------------------ */

static sg_err open_conn(struct cli *c, const struct est_opts *o, int renew, char *host,
			size_t cap, const struct est_client_key *key, struct est_conn **conn,
			struct sg_error *e)
{
	struct est_conn_cfg cc;
	sg_err err;

	memset(&cc, 0, sizeof(cc));
	const char *url = renew && o->renew_server ? o->renew_server : o->server;

	if (!url)
		return sg_error_set(e, SG_E_INVALID_ARG, "no service: --server coaps://HOST[:PORT] or "
				    "[enroll] server");
	err = est_url_parse(url, host, cap, &cc.port, e);
	if (err)
		return err;
	cc.host = host;
	cc.timeout_ms = o->timeout_ms;
	cc.stop = o->stop;
	cc.stop_arg = o->stop_arg;
	cc.key = key;
	cc.verbose = c->verbose;
	cli_step(c, "DTLS to %s", url);
	return est_conn_open(&cc, conn, e);
}

sg_err est_enroll(struct cli *c, const struct est_opts *o, const struct pin *token_pin,
		  const struct pin *enrol_pin, uint8_t **der, size_t *der_len, struct sg_error *e)
{
	struct keyside k;
	struct est_conn *conn = NULL;
	mbedtls_x509_crt anchor;
	struct est_resp r;
	char host[256], challenge[EST_LOGIN_MAX + 80];
	uint8_t *csr = NULL;
	size_t csr_len = CSR_MAX, ch_len = 0;
	int vcard = c->backend == CONFIG_BACKEND_VCARD, keymade = 0;
	sg_err err;

	memset(&k, 0, sizeof(k));
	memset(&r, 0, sizeof(r));
	k.c = c;
	mbedtls_pk_init(&k.pub);
	mbedtls_x509_crt_init(&anchor);
	*der = NULL;
	if (c->backend == CONFIG_BACKEND_PCSC) {
		err = sg_error_set(e, SG_E_INVALID_ARG, "enrolment works on a PKCS#11 token or --card vcard");
		goto out;
	}
	if (!o->login || !o->identity) {
		err = sg_error_set(e, SG_E_INVALID_ARG, "enrolment needs --user ID (or --phone N) and the "
				   "identity to certify (--identity URI or [sip] user)");
		goto out;
	}
	err = est_challenge_make(o->login, enrol_pin->v, enrol_pin->len, challenge,
				 sizeof(challenge), &ch_len, e);
	if (err)
		goto out;
	/* 1. The service, against the pin: no PIN leaves before this. */
	err = open_conn(c, o, 0, host, sizeof(host), NULL, &conn, e);
	if (!err)
		err = check_service(conn, o, host, &anchor, e);
	if (err)
		goto out;
	cli_step(c, "the service matches the pinned CA");
	/* 2. The key pair on the token, and the request it signs. */
	if (vcard) {
		err = vcard_keygen(&k, token_pin, e);
	} else {
		err = est_p11_open(&c->hal, c->module, c->have_uri ? &c->uri : NULL, token_pin,
				   &k.p11, e);
		if (!err)
			err = est_p11_genkey(k.p11, EST_LABEL, k.id, &k.pub, e);
	}
	if (err)
		goto out;
	keymade = 1;
	cli_step(c, "EC P-256 key made on the token");
	csr = sg_calloc(1, CSR_MAX);
	if (!csr) {
		err = sg_error_set(e, SG_E_NOMEM, NULL);
		goto out;
	}
	err = make_csr(&k, vcard, o->login, o->identity, challenge, ch_len, csr, &csr_len, e);
	if (err)
		goto out;
	/* 3. /sen, and the answer checked before it is stored. */
	err = est_conn_request(conn, EST_PATH_SEN, csr, csr_len, EST_CF_PKCS10, &r, e);
	if (err)
		goto out;
	if (r.code != 204 && r.code != 201) {
		err = refusal(&r, "/sen", e);
		goto out;
	}
	err = check_issued(&r, &k.pub, o->identity, &anchor, der, der_len, e);
	if (err)
		goto out;
	cli_step(c, "certificate issued for the token's key and %s", o->identity);
	err = vcard ? vcard_store(&k, *der, *der_len, e)
		    : est_p11_store_cert(k.p11, k.id, sizeof(k.id), EST_LABEL, *der, *der_len, e);
	if (!err)
		keymade = 0; /* the key stays: it has its certificate */
out:
	if (err && keymade && k.p11)
		est_p11_drop_key(k.p11);
	if (err) {
		sg_free(*der);
		*der = NULL;
	}
	mbedtls_platform_zeroize(challenge, sizeof(challenge));
	if (csr)
		sg_free_secret(csr, CSR_MAX);
	est_resp_free(&r);
	est_conn_close(conn);
	keyside_close(&k);
	mbedtls_x509_crt_free(&anchor);
	return err;
}

/* ---- renewal -------------------------------------------------------------------- */

/* The token's key, as the CSR's and the DTLS handshake's signer. */
struct tokkey {
	struct token *t;
	size_t ci;
};

static sg_err tokkey_sign(void *arg, enum token_sig kind, const uint8_t *hash, size_t hash_len,
			  uint8_t *sig, size_t *sig_len, struct sg_error *e)
{
	struct tokkey *k = arg;

	return token_sign(k->t, k->ci, kind, hash, hash_len, sig, sig_len, e);
}

static sg_err tokkey_sign32(void *arg, enum token_sig kind, const uint8_t hash[32], uint8_t *sig,
			    size_t *sig_len, struct sg_error *e)
{
	return tokkey_sign(arg, kind, hash, 32, sig, sig_len, e);
}

/* Where the renewed certificate goes: made ready before the service is
 * asked (it revokes the old certificate when it issues the new one, so a
 * certificate that cannot be stored must not be asked for). */
struct store {
	struct cli *c;
	struct est_p11 *p11;  /* PKCS#11: a read-write session, same login */
	struct vmgmt m;       /* the virtual card: its management key */
	uint8_t slot;
};

static sg_err store_prepare(struct store *st, struct token *t, size_t ci, struct sg_error *e)
{
	struct cli *c = st->c;
	char blob[64], mblob[80];
	sg_err err;

	switch (c->backend) {
	case CONFIG_BACKEND_PKCS11:
		/* The token is logged in by this process: no second login. */
		return est_p11_open(&c->hal, c->module, c->have_uri ? &c->uri : NULL, NULL,
				    &st->p11, e);
	case CONFIG_BACKEND_VCARD:
		st->slot = token_piv_key_ref(t, ci);
		err = cli_vcard_blob(c->card_arg, blob, sizeof(blob), e);
		if (err)
			return err;
		snprintf(mblob, sizeof(mblob), "%s.mgmt", blob);
		return vmgmt_load(&c->hal, mblob, &st->m, e);
	default:
		return sg_error_set(e, SG_E_INVALID_ARG, "a PIV card in a reader cannot store a renewed "
				    "certificate here (signet does not hold its management key): "
				    "renew it with the card's own tools");
	}
}

static sg_err store_put(struct store *st, struct token *t, size_t ci, const uint8_t *der,
			size_t len, struct sg_error *e)
{
	sg_err err;

	if (st->p11)
		err = est_p11_store_cert(st->p11, t->certs[ci].id, t->certs[ci].id_len,
					 t->certs[ci].label[0] ? t->certs[ci].label : EST_LABEL, der,
					 len, e);
	else {
		err = piv_mgmt_auth(&st->c->vcard_dev, st->m.alg, st->m.key, st->m.key_len, e);
		if (!err)
			err = piv_put_cert(&st->c->vcard_dev, st->slot, der, len, e);
	}
	if (!err)
		err = token_cert_replace(t, ci, der, len, e);
	return err;
}

static void store_close(struct store *st)
{
	est_p11_close(st->p11);
	st->p11 = NULL;
	vmgmt_wipe(&st->m);
}

/* An issued certificate that could not be stored is not thrown away: the
 * service has revoked the old one already. */
static void keep_unstored(struct cli *c, const uint8_t *der, size_t len, struct sg_error *e)
{
	char d[sizeof(e->detail)];

	if (!e || hal_storage_write(&c->hal.storage, EST_UNSTORED_BLOB, der, len) != HAL_OK)
		return;
	snprintf(d, sizeof(d), "%s", e->detail);
	sg_error_set(e, e->code, "%.300s; the new certificate is kept as %s in the state "
		     "directory", d, EST_UNSTORED_BLOB);
}

/* The current certificate's first SIP/URI name and its CN, asked for again. */
static sg_err current_names(const struct token_cert *tc, mbedtls_x509_crt *cur, char *cn,
			    size_t cn_cap, char *ident, size_t id_cap, struct sg_error *e)
{
	struct certinfo ci;

	if (mbedtls_x509_crt_parse_der(cur, tc->der, tc->der_len) != 0 ||
	    certinfo_parse(tc->der, tc->der_len, &ci, e))
		return sg_error_set(e, SG_E_CERT_PARSE, "the current certificate does not parse");
	cn[0] = ident[0] = 0;
	for (size_t i = 0; i < ci.n_names; i++)
		if (ci.names[i].type == CERTINFO_NAME_URI) {
			snprintf(ident, id_cap, "%s", ci.names[i].value);
			break;
		}
	for (const mbedtls_x509_name *nm = &cur->subject; nm; nm = nm->next)
		if (nm->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &nm->oid) == 0 &&
		    nm->val.len < cn_cap) {
			memcpy(cn, nm->val.p, nm->val.len);
			cn[nm->val.len] = 0;
		}
	return SG_OK;
}

sg_err est_renew_token(struct cli *c, const struct est_opts *o, struct token *t, size_t ci,
		       uint8_t **der, size_t *der_len, struct sg_error *e)
{
	struct tokkey tk = {t, ci};
	struct est_client_key ck;
	struct store st;
	struct est_conn *conn = NULL;
	mbedtls_x509_crt anchor, cur;
	mbedtls_pk_context pub;
	struct est_resp r;
	char host[256], cn[EST_LOGIN_MAX + 1], ident[257], subject[EST_LOGIN_MAX + 8];
	struct csr_req req;
	uint8_t *csr = NULL;
	size_t csr_len = CSR_MAX;
	sg_err err;

	memset(&r, 0, sizeof(r));
	memset(&st, 0, sizeof(st));
	memset(&req, 0, sizeof(req));
	st.c = c;
	mbedtls_pk_init(&pub);
	mbedtls_x509_crt_init(&anchor);
	mbedtls_x509_crt_init(&cur);
	*der = NULL;
	err = current_names(&t->certs[ci], &cur, cn, sizeof(cn), ident, sizeof(ident), e);
	if (err)
		goto out;
	if (mbedtls_pk_parse_public_key(&pub, cur.pk_raw.p, cur.pk_raw.len) != 0) {
		err = sg_error_set(e, SG_E_CERT_PARSE, "the current certificate's key");
		goto out;
	}
	err = store_prepare(&st, t, ci, e);
	if (err)
		goto out;
	/* The request, signed by the same key. */
	csr = sg_calloc(1, CSR_MAX);
	if (!csr) {
		err = sg_error_set(e, SG_E_NOMEM, NULL);
		goto out;
	}
	subject_cn(cn[0] ? cn : "signet", subject, sizeof(subject));
	req.pub = &pub;
	req.subject = subject;
	req.san_uri = ident[0] ? ident : NULL;
	err = csr_make(&req, tokkey_sign32, &tk, csr, &csr_len, e);
	if (err)
		goto out;
	/* The handshake is signed by the token too: no PIN here. */
	ck.cert = t->certs[ci].der;
	ck.cert_len = t->certs[ci].der_len;
	ck.sign = tokkey_sign;
	ck.arg = &tk;
	err = open_conn(c, o, 1, host, sizeof(host), &ck, &conn, e);
	if (!err)
		err = check_service(conn, o, host, &anchor, e);
	if (err)
		goto out;
	err = est_conn_request(conn, EST_PATH_SREN, csr, csr_len, EST_CF_PKCS10, &r, e);
	if (err)
		goto out;
	if (r.code != 204 && r.code != 201) {
		err = refusal(&r, "/sren", e);
		goto out;
	}
	err = check_issued(&r, &pub, ident[0] ? ident : NULL, &anchor, der, der_len, e);
	if (err)
		goto out;
	cli_step(c, "certificate renewed for the same key");
	err = store_put(&st, t, ci, *der, *der_len, e);
	if (err)
		keep_unstored(c, *der, *der_len, e);
out:
	if (err) {
		sg_free(*der);
		*der = NULL;
	}
	if (csr)
		sg_free(csr);
	est_resp_free(&r);
	est_conn_close(conn);
	store_close(&st);
	mbedtls_pk_free(&pub);
	mbedtls_x509_crt_free(&anchor);
	mbedtls_x509_crt_free(&cur);
	return err;
}

sg_err est_renew(struct cli *c, const struct est_opts *o, struct pin *token_pin, uint8_t **der,
		 size_t *der_len, struct sg_error *e)
{
	struct token *t = NULL;
	size_t ci;
	sg_err err;

	*der = NULL;
	err = cli_open_token(c, &t, e);
	if (!err)
		err = cli_select(c, t, &ci, e);
	if (!err)
		err = token_login(t, &c->cfg.pin, token_pin, e);
	if (!err)
		err = est_renew_token(c, o, t, ci, der, der_len, e);
	pin_wipe(token_pin);
	token_close(t);
	return err;
}

sg_err est_renew_if_due(struct cli *c, struct token *t, size_t ci, unsigned timeout_ms,
			int (*stop)(void *arg), void *stop_arg, int *renewed, struct sg_error *e)
{
	struct est_opts o;
	struct certinfo ci_info;
	int64_t now = 0;
	uint8_t *der = NULL;
	size_t len = 0;
	sg_err err;

	*renewed = 0;
	memset(&o, 0, sizeof(o));
	est_opts_from_config(&c->cfg, &o);
	o.timeout_ms = timeout_ms;
	o.stop = stop;
	o.stop_arg = stop_arg;
	if (!est_renew_configured(c))
		return SG_OK;
	err = certinfo_parse(t->certs[ci].der, t->certs[ci].der_len, &ci_info, e);
	if (err)
		return err;
	if (hal_clock_wall(&c->hal.clock, &now) != HAL_OK)
		return SG_OK; /* no time yet: nothing can be said to be due */
	if (!est_renew_due(ci_info.not_after, now, c->cfg.enroll_renew_days))
		return SG_OK;
	err = est_renew_token(c, &o, t, ci, &der, &len, e);
	sg_free(der);
	if (!err)
		*renewed = 1;
	return err;
}

int est_renew_configured(const struct cli *c)
{
	return c->cfg.enroll_server[0] || c->cfg.enroll_renew_server[0];
}
