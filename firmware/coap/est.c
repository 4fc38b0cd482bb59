/*
 * est.c: enrolment and renewal flows (est.h): the service is checked
 * against the pin before any secret leaves the device, the key is made on
 * the token, the answer is checked before it is stored.
 */
#define _GNU_SOURCE
#include "est.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "certinfo.h"
#include "csr.h"
#include "est_coap.h"
#include "est_msg.h"
#include "identity.h"
#include "path.h"
#include "sg_mem.h"

#define EST_LABEL "signet" /* the new key's (and certificate's) label, where a token keeps one */

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

/* crt (and what came with it, pool) to the pinned anchor through signet's
 * path validation (path.h, the one validator), at the C library's time
 * as mbedTLS's verify had it. SG_OK, or the validator's reason. */
static sg_err est_path(const mbedtls_x509_crt *crt, const mbedtls_x509_crt *pool,
		       const mbedtls_x509_crt *anchor, struct sg_error *e)
{
	struct path_out *out = sg_calloc(1, sizeof(*out));
	struct path_in in;
	sg_err err;

	if (!out)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	memset(&in, 0, sizeof(in));
	in.target = crt;
	in.anchors = anchor;
	in.pool[0] = pool;
	in.now = (int64_t)time(NULL);
	err = path_build(&in, out, e);
	sg_free(out);
	return err;
}

/* A name as mbedTLS 2.28's verify matched it: "*." wildcard or whole. */
static int host_is(const mbedtls_x509_buf *b, const char *host)
{
	size_t n = strlen(host);
	const char *dot;

	if (b->len == n && !strncasecmp((const char *)b->p, host, n))
		return 1;
	dot = strchr(host, '.');
	return b->len > 2 && b->p[0] == '*' && b->p[1] == '.' && dot && dot != host &&
	       b->len - 1 == strlen(dot) && !strncasecmp((const char *)b->p + 1, dot, b->len - 1);
}

/* The host name check mbedTLS's verify did: subjectAltName entries, or
 * without that extension the subject's CNs. */
static int host_ok(const mbedtls_x509_crt *c, const char *host)
{
	if (c->ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME) {
		for (const mbedtls_x509_sequence *s = &c->subject_alt_names; s && s->buf.p; s = s->next)
			if (host_is(&s->buf, host))
				return 1;
		return 0;
	}
	for (const mbedtls_x509_name *nm = &c->subject; nm && nm->oid.p; nm = nm->next)
		if (!MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &nm->oid) && host_is(&nm->val, host))
			return 1;
	return 0;
}

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
	if (est_path(&peer, peer.next, anchor, e) != SG_OK) {
		char why[sizeof(e->detail)];

		snprintf(why, sizeof(why), "%s", e->detail);
		err = sg_error_set(e, SG_E_CERT_UNTRUSTED, "the service's certificate does not match "
				   "the pinned CA (%.300s); nothing was sent", why);
	} else if (!host_ok(&peer, host)) {
		err = sg_error_set(e, SG_E_CERT_UNTRUSTED, "the service's certificate does not name "
				   "%s; nothing was sent", host);
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
	if (est_path(&crt, crt.next, anchor, e) != SG_OK) {
		char why[sizeof(e->detail)];

		snprintf(why, sizeof(why), "%s", e->detail);
		err = sg_error_set(e, SG_E_CERT_UNTRUSTED, "the issued certificate does not chain "
				   "to the pinned CA (%.300s)", why);
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

/* A key on the token, as the request's (and the DTLS handshake's) signer:
 * the key of certificate ci (renewal), or a new key k (enrolment). */
struct tokkey {
	struct token *t;
	size_t ci;
	int fresh;
	struct token_key k;
};

static sg_err tokkey_sign(void *arg, enum token_sig kind, const uint8_t *hash, size_t hash_len,
			  uint8_t *sig, size_t *sig_len, struct sg_error *e)
{
	struct tokkey *tk = arg;

	if (tk->fresh)
		return token_sign_key(tk->t, &tk->k, kind, hash, hash_len, sig, sig_len, e);
	return token_sign(tk->t, tk->ci, kind, hash, hash_len, sig, sig_len, e);
}

static sg_err tokkey_sign32(void *arg, enum token_sig kind, const uint8_t hash[32], uint8_t *sig,
			    size_t *sig_len, struct sg_error *e)
{
	return tokkey_sign(arg, kind, hash, 32, sig, sig_len, e);
}

/* The token, opened for administration: it must be able to make the key
 * (enrolment) and to store the certificate, before the service is asked. */
static sg_err est_token_ready(struct cli *c, struct token *t, int keygen, struct sg_error *e)
{
	sg_err err = cli_token_admin(c, t, e);

	if (!err && keygen)
		err = token_can_generate(t, e);
	if (!err)
		err = token_can_store(t, e);
	return err;
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

/* The request: subject CN=<cn>, the identity, the challenge (if any),
 * for pub, signed by the token's key. */
static sg_err make_csr(struct tokkey *tk, mbedtls_pk_context *pub, const char *cn,
		       const char *identity, const char *challenge, size_t ch_len, uint8_t *out,
		       size_t *len, struct sg_error *e)
{
	char subject[EST_LOGIN_MAX + 8];
	struct csr_req r = {
		.pub = pub,
		.subject = subject,
		.san_uri = identity,
		.challenge = challenge,
		.challenge_len = ch_len,
	};

	subject_cn(cn, subject, sizeof(subject));
	return csr_make(&r, tokkey_sign32, tk, out, len, e);
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

sg_err est_enroll(struct cli *c, const struct est_opts *o, struct pin *token_pin,
		  const struct pin *enrol_pin, uint8_t **der, size_t *der_len, struct sg_error *e)
{
	struct tokkey tk;
	struct est_conn *conn = NULL;
	mbedtls_x509_crt anchor;
	mbedtls_pk_context pub;
	struct est_resp r;
	char host[256], challenge[EST_LOGIN_MAX + 80];
	uint8_t *csr = NULL;
	size_t csr_len = CSR_MAX, ch_len = 0;
	int keymade = 0;
	sg_err err;

	memset(&tk, 0, sizeof(tk));
	memset(&r, 0, sizeof(r));
	mbedtls_pk_init(&pub);
	mbedtls_x509_crt_init(&anchor);
	*der = NULL;
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
	/* 2. The token, able to make the key and keep its certificate; the
	 * key pair on it, and the request it signs. */
	err = cli_open_token(c, &tk.t, e);
	if (!err)
		err = est_token_ready(c, tk.t, 1, e);
	if (!err)
		err = token_login(tk.t, &c->cfg.pin, token_pin, e);
	snprintf(tk.k.label, sizeof(tk.k.label), "%s", EST_LABEL);
	if (!err)
		err = token_generate_key(tk.t, TOKEN_KEYGEN_EC_P256, &tk.k, &pub, e);
	if (err)
		goto out;
	keymade = tk.fresh = 1;
	cli_step(c, "EC P-256 key made on the token");
	csr = sg_calloc(1, CSR_MAX);
	if (!csr) {
		err = sg_error_set(e, SG_E_NOMEM, NULL);
		goto out;
	}
	err = make_csr(&tk, &pub, o->login, o->identity, challenge, ch_len, csr, &csr_len, e);
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
	err = check_issued(&r, &pub, o->identity, &anchor, der, der_len, e);
	if (err)
		goto out;
	cli_step(c, "certificate issued for the token's key and %s", o->identity);
	err = token_store_cert(tk.t, &tk.k, *der, *der_len, e);
	if (!err)
		keymade = 0; /* the key stays: it has its certificate */
out:
	if (err && keymade)
		token_delete_key(tk.t, &tk.k);
	if (err) {
		sg_free(*der);
		*der = NULL;
	}
	pin_wipe(token_pin);
	mbedtls_platform_zeroize(challenge, sizeof(challenge));
	if (csr)
		sg_free_secret(csr, CSR_MAX);
	est_resp_free(&r);
	est_conn_close(conn);
	token_close(tk.t);
	mbedtls_pk_free(&pub);
	mbedtls_x509_crt_free(&anchor);
	return err;
}

/* ---- renewal -------------------------------------------------------------------- */

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
	struct tokkey tk;
	struct est_client_key ck;
	struct est_conn *conn = NULL;
	mbedtls_x509_crt anchor, cur;
	mbedtls_pk_context pub;
	struct est_resp r;
	char host[256], cn[EST_LOGIN_MAX + 1], ident[257];
	uint8_t *csr = NULL;
	size_t csr_len = CSR_MAX;
	sg_err err;

	memset(&r, 0, sizeof(r));
	memset(&tk, 0, sizeof(tk));
	tk.t = t;
	tk.ci = ci;
	token_cert_key(t, ci, &tk.k);
	if (!tk.k.label[0])
		snprintf(tk.k.label, sizeof(tk.k.label), "%s", EST_LABEL);
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
	/* Where the new certificate goes, ready before the service is asked
	 * (it revokes the old certificate when it issues the new one, so a
	 * certificate that cannot be stored must not be asked for). */
	err = est_token_ready(c, t, 0, e);
	if (err == SG_E_INVALID_ARG && e) {
		char d[sizeof(e->detail)];

		snprintf(d, sizeof(d), "%s", e->detail);
		sg_error_set(e, err, "%.300s: renew it with the token's own tools", d);
	}
	if (err)
		goto out;
	/* The request, signed by the same key. */
	csr = sg_calloc(1, CSR_MAX);
	if (!csr) {
		err = sg_error_set(e, SG_E_NOMEM, NULL);
		goto out;
	}
	err = make_csr(&tk, &pub, cn[0] ? cn : "signet", ident[0] ? ident : NULL, NULL, 0, csr,
		       &csr_len, e);
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
	err = token_store_cert(t, &tk.k, *der, *der_len, e);
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
