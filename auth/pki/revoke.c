/* revoke.c: revocation by OCSP and CRL under the deployment's policy. */
#include "revoke.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "crl.h"
#include "dn.h"
#include "http.h"
#include "ocsp.h"
#include "sg_mem.h"
#include "sg_time.h"
#include "x509ext.h"

#define OCSP_MAX_RESPONSE (64 * 1024)
#define OCSP_MAX_REQUEST 1024

/* One answer: from a source now, or from the cache. */
struct answer {
	int have;
	enum revoke_status status;
	int64_t revoked_at;
	int reason;
	int64_t next_update;
	int from_cache;
	int stale;
	char source[600];
};

struct ctx {
	const struct hal *hal;
	const struct revoke_policy *p;
	const mbedtls_x509_crt *cert, *issuer;
	const struct revoke_env *env;
	int64_t now;
	struct revoke_result *r;
	struct answer fresh, grace;
	/* A CRL past its nextUpdate, authentic, listing the certificate
	 * revoked for good (not on hold): revocation is final, so this wins
	 * over a stale "good" (grace) and over the soft-fail policy; only a
	 * current answer, which would list it again, goes before it. */
	struct answer stale_revoked;
	int named;   /* sources there were to ask (configured, AIA, DP) */
	int reached; /* of those, ones that answered something */
};

void revoke_policy_default(struct revoke_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->methods[0] = REVOKE_OCSP;
	p->methods[1] = REVOKE_CRL;
	p->n_methods = 2;
	p->on_fail = REVOKE_FAIL_HARD;
	p->grace_s = 24 * 3600;
	p->timeout_ms = 5000;
	p->skew_s = 300;
	p->ocsp_nonce = 1;
	p->ocsp_require_nonce = 0;
	p->ocsp_max_age_s = 24 * 3600;
	p->crl_max_age_s = CRL_MAX_AGE_DEFAULT;
	p->fetch_crl = 1;
	p->max_crl_bytes = 4u << 20;
	p->use_cache = 1;
}

sg_err revoke_policy_methods(struct revoke_policy *p, const char *s, struct sg_error *e)
{
	static const struct {
		const char *name;
		enum revoke_method m[2];
		size_t n;
	} rows[] = {
		{"ocsp,crl", {REVOKE_OCSP, REVOKE_CRL}, 2}, {"crl,ocsp", {REVOKE_CRL, REVOKE_OCSP}, 2},
		{"ocsp", {REVOKE_OCSP, REVOKE_OCSP}, 1},    {"crl", {REVOKE_CRL, REVOKE_CRL}, 1},
		{"none", {REVOKE_OCSP, REVOKE_OCSP}, 0},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (strcmp(s, rows[i].name))
			continue;
		memcpy(p->methods, rows[i].m, sizeof(p->methods));
		p->n_methods = rows[i].n;
		return SG_OK;
	}
	return sg_error_set(e, SG_E_CONFIG,
			    "revocation must be ocsp,crl, crl,ocsp, ocsp, crl or none");
}

const char *revoke_reason_name(int reason)
{
	static const char *names[] = {"unspecified",     "keyCompromise",     "cACompromise",
				      "affiliationChanged", "superseded",     "cessationOfOperation",
				      "certificateHold", "(7)",               "removeFromCRL",
				      "privilegeWithdrawn", "aACompromise"};
	if (reason < 0 || reason >= (int)(sizeof(names) / sizeof(names[0])))
		return "unspecified";
	return names[reason];
}

static void trail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void trail(struct ctx *c, const char *fmt, ...)
{
	char *t = c->r->trail;
	size_t used = strlen(t);
	va_list ap;

	if (used && used + 2 < sizeof(c->r->trail)) {
		memcpy(t + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(t + used, sizeof(c->r->trail) - used, fmt, ap);
	va_end(ap);
}

/* A storage name from a hash of the parts: "<prefix>-<32 hex>". */
static void cache_name(char out[48], const char *prefix, const uint8_t *a, size_t alen,
		       const uint8_t *b, size_t blen)
{
	mbedtls_sha256_context h;
	uint8_t d[32];

	mbedtls_sha256_init(&h);
	mbedtls_sha256_starts_ret(&h, 0);
	mbedtls_sha256_update_ret(&h, a, alen);
	mbedtls_sha256_update_ret(&h, b, blen);
	mbedtls_sha256_finish_ret(&h, d);
	mbedtls_sha256_free(&h);
	int n = snprintf(out, 48, "%s-", prefix);
	for (int i = 0; i < 16; i++)
		n += snprintf(out + n, (size_t)(48 - n), "%02x", d[i]);
}

/* Reads a cached blob into a fresh buffer (caller frees). 0 when absent. */
static size_t cache_read(struct ctx *c, const char *name, size_t max, uint8_t **buf)
{
	size_t len = 0;

	*buf = NULL;
	if (!c->p->use_cache || hal_storage_read(&c->hal->storage, name, NULL, &len) != HAL_ENOMEM ||
	    len == 0 || len > max)
		return 0;
	*buf = sg_calloc(1, len);
	if (!*buf)
		return 0;
	if (hal_storage_read(&c->hal->storage, name, *buf, &len) != HAL_OK) {
		sg_free(*buf);
		*buf = NULL;
		return 0;
	}
	return len;
}

static void cache_write(struct ctx *c, const char *name, const uint8_t *buf, size_t len)
{
	if (c->p->use_cache)
		(void)hal_storage_write(&c->hal->storage, name, buf, len);
}

static void set_answer(struct answer *a, enum revoke_status st, int64_t at, int reason,
		       int64_t next, int from_cache, int stale, const char *source)
{
	a->have = 1;
	a->status = st;
	a->revoked_at = at;
	a->reason = reason;
	a->next_update = next;
	a->from_cache = from_cache;
	a->stale = stale;
	snprintf(a->source, sizeof(a->source), "%s", source);
}

/* ---- OCSP ---------------------------------------------------------------- */

/* Checks a response; with nonce NULL a missing nonce is fine (cached
 * answers). A nonce that comes back must be ours; one that does not is
 * refused only under ocsp_require_nonce: responders that sign answers
 * ahead of time (CDNs, AD CS by default) echo none, and the answer's
 * validity window bounds a replay. Returns 1 for a usable good/revoked
 * answer in *res. */
static int ocsp_usable(struct ctx *c, const uint8_t *der, size_t len, const uint8_t *nonce,
		       size_t nonce_len, int64_t at, struct ocsp_result *res, struct sg_error *e)
{
	struct ocsp_response resp;

	if (ocsp_response_parse(der, len, &resp, e) != SG_OK)
		return 0;
	if (ocsp_response_check(&resp, c->cert, c->issuer, nonce, nonce_len,
				nonce_len > 0 && c->p->ocsp_require_nonce, at, c->p->skew_s,
				c->p->ocsp_max_age_s, res, e) != SG_OK)
		return 0;
	if (res->status == OCSP_STATUS_UNKNOWN) {
		sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
			     "the responder does not know this certificate");
		return 0;
	}
	return 1;
}

static void ocsp_take(struct answer *a, const struct ocsp_result *res, int from_cache,
		      int stale, const char *source)
{
	set_answer(a, res->status == OCSP_STATUS_REVOKED ? REVOKE_REVOKED : REVOKE_GOOD,
		   res->revocation_time, res->revocation_reason, res->next_update, from_cache,
		   stale, source);
}

static void ocsp_from_cache(struct ctx *c, const char *name, const char *url)
{
	struct ocsp_result res;
	struct sg_error e;
	char src[600];
	uint8_t *buf;
	size_t len = cache_read(c, name, OCSP_MAX_RESPONSE, &buf);

	if (!len)
		return;
	snprintf(src, sizeof(src), "OCSP %s (cached)", url);
	sg_error_init(&e);
	if (ocsp_usable(c, buf, len, NULL, 0, c->now, &res, &e)) {
		ocsp_take(&c->fresh, &res, 1, 0, src);
	} else if (c->p->grace_s > 0 && !c->grace.have) {
		/* Past nextUpdate (or, without one, past the maximum age)?
		 * Judge it then, and see whether that is within the grace
		 * period. */
		struct ocsp_response resp;
		if (ocsp_response_parse(buf, len, &resp, NULL) == SG_OK) {
			for (size_t i = 0; i < resp.n_single; i++) {
				int64_t nu = resp.single[i].next_update
						     ? resp.single[i].next_update
						     : resp.single[i].this_update + c->p->ocsp_max_age_s;
				if (nu && nu < c->now && nu + c->p->grace_s >= c->now &&
				    ocsp_usable(c, buf, len, NULL, 0, nu, &res, NULL)) {
					ocsp_take(&c->grace, &res, 1, 1, src);
					break;
				}
			}
		}
	}
	sg_free(buf);
}

static void ocsp_try(struct ctx *c)
{
	struct x509ext_urls urls;
	struct http_response resp = {0};
	struct ocsp_result res;
	struct sg_error e;
	uint8_t req[OCSP_MAX_REQUEST], nonce[16];
	size_t req_len, nonce_len = c->p->ocsp_nonce ? sizeof(nonce) : 0;
	char name[48];
	const char *url = c->p->ocsp_url;

	if (!url) {
		if (!x509ext_aia_urls(c->cert, X509EXT_AIA_OCSP, &urls)) {
			trail(c, "OCSP: the certificate names no responder");
			return;
		}
		url = urls.url[0];
	}
	c->named++;
	cache_name(name, "ocsp", c->cert->issuer_raw.p, c->cert->issuer_raw.len,
		   c->cert->serial.p, c->cert->serial.len);
	ocsp_from_cache(c, name, url);
	if (c->fresh.have)
		return;
	sg_error_init(&e);
	if (nonce_len && hal_rng_fill(&c->hal->rng, nonce, nonce_len) != HAL_OK) {
		trail(c, "OCSP: no random numbers for the nonce");
		return;
	}
	if (ocsp_request_build(c->cert, c->issuer, nonce, nonce_len, req, sizeof(req), &req_len,
			       &e) ||
	    http_fetch(c->hal, url, "application/ocsp-request", req, req_len, OCSP_MAX_RESPONSE,
		       c->p->timeout_ms, &resp, &e)) {
		c->reached += e.code == SG_E_MALFORMED; /* it answered, with garbage */
		trail(c, "OCSP %s: %s", url, e.detail);
		return;
	}
	c->reached++;
	if (resp.status != 200) {
		trail(c, "OCSP %s: HTTP status %d", url, resp.status);
	} else if (!ocsp_usable(c, resp.body, resp.body_len, nonce, nonce_len, c->now, &res, &e)) {
		trail(c, "OCSP %s: %s", url, e.detail);
	} else {
		char src[600];
		snprintf(src, sizeof(src), "OCSP %s", url);
		ocsp_take(&c->fresh, &res, 0, 0, src);
		cache_write(c, name, resp.body, resp.body_len);
	}
	http_response_free(&resp);
}

/* ---- CRL ----------------------------------------------------------------- */

/* What the CRLs taken so far say (RFC 5280 6.3.3's reasons_mask and
 * cert_status). */
struct crl_eval {
	unsigned reasons;
	int revoked;
	int64_t revoked_at;
	int reason;
	int64_t next_update;
	int from_cache;
	char source[600];
};

static int crl_done(const struct crl_eval *ev)
{
	return ev->revoked || (ev->reasons & CRL_REASONS_ALL) == CRL_REASONS_ALL;
}

static int same_crt(const mbedtls_x509_crt *a, const mbedtls_x509_crt *b)
{
	return a && b && a->raw.len == b->raw.len && !memcmp(a->raw.p, b->raw.p, a->raw.len);
}

/* Checks every certificate of a CRL signer's path below its anchor, one
 * level deeper. SG_OK when none is revoked and each has an answer (or the
 * policy does without). */
static sg_err signer_path_revocation(struct ctx *c, const mbedtls_x509_crt *signer,
				     const struct revoke_path *path, int64_t at, struct sg_error *e)
{
	struct revoke_env sub = *c->env;
	struct revoke_policy pol = *c->p;
	struct revoke_result *rr = sg_calloc(1, sizeof(*rr));
	sg_err err = SG_OK;

	if (!rr)
		return sg_error_set(e, SG_E_NOMEM, "no memory");
	pol.ocsp_url = NULL; /* the end entity's responder */
	sub.checking[sub.depth++] = signer;
	for (size_t i = 0; i + 1 < path->n && !err; i++)
		err = revoke_check(c->hal, &pol, path->crt[i], path->crt[i + 1], &sub, at, rr, e);
	sg_free(rr);
	return err;
}

/* RFC 5280 6.3.3 (f), (g): the certificate whose key signed crl, or NULL
 * with why in e: cert's issuer, or a separate CRL signer (revoke.h). */
static const mbedtls_x509_crt *crl_signer(struct ctx *c, const struct crl *crl, int64_t at,
					  struct sg_error *e)
{
	const struct revoke_env *env = c->env;
	int named = 0;

	if (c->issuer && dn_equal(crl->issuer.p, crl->issuer.len, c->issuer->subject_raw.p,
				  c->issuer->subject_raw.len) &&
	    crl_verify(crl, c->issuer, e) == SG_OK)
		return c->issuer;
	if (!env || !env->signer_path) {
		if (!e->code)
			sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				     "the CRL is signed by another key than the issuer's");
		return NULL;
	}
	for (int l = 0; l < 2; l++) {
		for (const mbedtls_x509_crt *s = env->signers[l]; s && s->raw.p; s = s->next) {
			struct revoke_path path;
			sg_err err;
			int d;

			if (!dn_equal(crl->issuer.p, crl->issuer.len, s->subject_raw.p,
				      s->subject_raw.len) ||
			    crl_verify(crl, s, NULL) != SG_OK)
				continue;
			named = 1;
			/* A signer whose status is being decided above, by a CRL it
			 * signed itself (an indirect CRL covering its own issuer):
			 * its path is validated there. */
			for (d = 0; d < env->depth && !same_crt(env->checking[d], s); d++)
				;
			if (d < env->depth)
				return s;
			if (env->depth >= REVOKE_MAX_DEPTH) {
				sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
					     "the CRL's signer needs CRL signers %d levels deep",
					     REVOKE_MAX_DEPTH);
				continue;
			}
			memset(&path, 0, sizeof(path));
			mbedtls_x509_crt_init(&path.store);
			sg_error_init(e);
			err = env->signer_path(env->arg, s, at, &path, e);
			if (!err && (path.n < 2 || path.n > REVOKE_PATH_MAX || !same_crt(path.crt[0], s)))
				err = sg_error_set(e, SG_E_INTERNAL, "the CRL signer's path is empty");
			if (!err)
				err = signer_path_revocation(c, s, &path, at, e);
			mbedtls_x509_crt_free(&path.store);
			if (!err)
				return s;
			char why[sizeof(e->detail)];
			snprintf(why, sizeof(why), "%s", e->detail);
			sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				     "the CRL's separate signing certificate is not acceptable: %.400s",
				     why);
		}
	}
	if (!named)
		sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
			     "no certificate at hand for the CRL's signing key (not the issuer's)");
	return NULL;
}

/* A loaded CRL: from a cache read or an HTTP body (freed together). */
struct blob {
	uint8_t *buf;
	struct http_response resp;
	struct crl crl;
};

static void blob_free(struct blob *b)
{
	sg_free(b->buf);
	http_response_free(&b->resp);
	memset(b, 0, sizeof(*b));
}

/* Fetches url; 1 with the body in b->resp. */
static int fetch(struct ctx *c, const char *url, struct blob *b)
{
	struct sg_error e;

	sg_error_init(&e);
	if (!c->p->fetch_crl)
		return 0;
	if (http_fetch(c->hal, url, NULL, NULL, 0, c->p->max_crl_bytes, c->p->timeout_ms, &b->resp,
		       &e)) {
		c->reached += e.code == SG_E_MALFORMED;
		trail(c, "CRL %s: %s", url, e.detail);
		return 0;
	}
	c->reached++;
	if (b->resp.status != 200) {
		trail(c, "CRL %s: HTTP status %d", url, b->resp.status);
		return 0;
	}
	return 1;
}

static int delta_ok(struct ctx *c, const struct crl *complete, const struct crl *d,
		    const mbedtls_x509_crt *signer, int64_t at)
{
	return crl_delta_fits(complete, d) &&
	       crl_current(d, at, c->p->skew_s, c->p->crl_max_age_s, NULL) == SG_OK &&
	       crl_verify(d, signer, NULL) == SG_OK;
}

/* RFC 5280 6.3.3 (c), (h): a delta CRL for complete, configured or from
 * the freshestCRL extension (the complete CRL's, else the certificate's),
 * through the cache. NULL when there is none: the complete CRL decides. */
static const struct crl *find_delta(struct ctx *c, const struct crl *complete,
				    const mbedtls_x509_crt *signer, int64_t at, struct blob *b)
{
	struct x509ext_urls urls;
	char name[48];

	if (!complete->number.len)
		return NULL;
	for (const struct crl_item *it = c->env && c->env->crls ? c->env->crls->head : NULL; it;
	     it = it->next)
		if (delta_ok(c, complete, &it->crl, signer, at))
			return &it->crl;
	if (!(complete->freshest.len ? x509ext_dp_urls(complete->freshest.p, complete->freshest.len,
						       &urls)
				     : x509ext_freshest_urls(c->cert, &urls)))
		return NULL;
	for (size_t i = 0; i < urls.n; i++) {
		size_t len;

		cache_name(name, "crl", (const uint8_t *)urls.url[i], strlen(urls.url[i]),
			   complete->issuer.p, complete->issuer.len);
		len = cache_read(c, name, c->p->max_crl_bytes, &b->buf);
		if (len && crl_parse(&b->crl, b->buf, len, NULL) == SG_OK &&
		    delta_ok(c, complete, &b->crl, signer, at))
			return &b->crl;
		blob_free(b);
		if (!fetch(c, urls.url[i], b))
			continue;
		if (crl_parse(&b->crl, b->resp.body, b->resp.body_len, NULL) == SG_OK &&
		    delta_ok(c, complete, &b->crl, signer, at)) {
			cache_write(c, name, b->resp.body, b->resp.body_len);
			return &b->crl;
		}
		trail(c, "delta CRL %s: not a current delta CRL for the complete CRL", urls.url[i]);
		blob_free(b);
	}
	return NULL;
}

/* RFC 5280 6.3.3 for one complete CRL at time at: 1 when it counts (ev
 * updated), 0 with why in e. */
static int crl_take(struct ctx *c, struct crl_eval *ev, const struct crl *crl, int64_t at,
		    const char *src, int from_cache, struct sg_error *e)
{
	const mbedtls_x509_crt *signer;
	const struct crl *delta;
	struct crl_entry en;
	struct blob b;
	const char *why;
	unsigned mask = crl_scope(crl, c->cert, &why);
	int hit = 0;

	if (!mask)
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE, "%s", why), 0;
	if (!(mask & ~ev->reasons))
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "covers no reason the CRLs before it did not"), 0;
	if (crl_current(crl, at, c->p->skew_s, c->p->crl_max_age_s, e))
		return 0;
	if (!(signer = crl_signer(c, crl, at, e)))
		return 0;
	memset(&b, 0, sizeof(b));
	delta = find_delta(c, crl, signer, at, &b);
	if (delta && crl_lookup(delta, c->cert, &en))
		hit = en.reason != 8; /* removeFromCRL: off the list */
	else
		hit = crl_lookup(crl, c->cert, &en) && en.reason != 8;
	blob_free(&b);
	if (!ev->reasons && !ev->revoked) {
		snprintf(ev->source, sizeof(ev->source), "%s%s", src, delta ? " + delta CRL" : "");
		ev->from_cache = from_cache;
	}
	ev->reasons |= mask;
	if (crl->next_update && (!ev->next_update || crl->next_update < ev->next_update))
		ev->next_update = crl->next_update;
	if (hit) {
		ev->revoked = 1;
		ev->revoked_at = en.when;
		ev->reason = en.reason;
		snprintf(ev->source, sizeof(ev->source), "%s%s", src, delta ? " + delta CRL" : "");
		ev->from_cache = from_cache;
	}
	return 1;
}

static void eval_answer(struct answer *a, const struct crl_eval *ev, int stale)
{
	set_answer(a, ev->revoked ? REVOKE_REVOKED : REVOKE_GOOD, ev->revoked_at,
		   ev->revoked ? ev->reason : -1, ev->next_update, ev->from_cache, stale,
		   ev->source);
}

/* crl, no longer current: kept in c->stale_revoked when, judged at its own
 * expiry (signature, signer path), it lists the certificate revoked for
 * any reason but certificateHold (6), which may be lifted. */
static void crl_stale_revoked(struct ctx *c, const struct crl *crl, const char *src,
			      int from_cache)
{
	struct crl_eval g;
	int64_t nu = crl_expiry(crl, c->p->crl_max_age_s);

	memset(&g, 0, sizeof(g));
	if (c->stale_revoked.have || !nu || nu >= c->now)
		return;
	if (crl_take(c, &g, crl, nu, src, from_cache, NULL) && g.revoked && g.reason != 6)
		eval_answer(&c->stale_revoked, &g, 1);
}

static void crl_url(struct ctx *c, struct crl_eval *ev, const char *url)
{
	struct sg_error e;
	struct blob b;
	char name[48], src[600];
	size_t len;

	memset(&b, 0, sizeof(b));
	c->named++;
	cache_name(name, "crl", (const uint8_t *)url, strlen(url), c->cert->issuer_raw.p,
		   c->cert->issuer_raw.len);
	len = cache_read(c, name, c->p->max_crl_bytes, &b.buf);
	if (len && crl_parse(&b.crl, b.buf, len, NULL) == SG_OK) {
		snprintf(src, sizeof(src), "CRL %s (cached)", url);
		sg_error_init(&e);
		if (crl_take(c, ev, &b.crl, c->now, src, 1, &e)) {
			blob_free(&b);
			return;
		}
		if (c->p->grace_s > 0 && !c->grace.have) {
			/* Past nextUpdate (or its maximum age): judged then, within
			 * grace, when it alone answers. */
			struct crl_eval g;
			int64_t nu = crl_expiry(&b.crl, c->p->crl_max_age_s);
			memset(&g, 0, sizeof(g));
			if (nu && nu < c->now && nu + c->p->grace_s >= c->now &&
			    crl_take(c, &g, &b.crl, nu, src, 1, &e) && crl_done(&g))
				eval_answer(&c->grace, &g, 1);
		}
		crl_stale_revoked(c, &b.crl, src, 1);
	}
	blob_free(&b);
	if (!fetch(c, url, &b))
		return;
	sg_error_init(&e);
	snprintf(src, sizeof(src), "CRL %s", url);
	if (crl_parse(&b.crl, b.resp.body, b.resp.body_len, &e) != SG_OK) {
		trail(c, "CRL %s: %s", url, e.detail);
	} else if (crl_take(c, ev, &b.crl, c->now, src, 0, &e)) {
		cache_write(c, name, b.resp.body, b.resp.body_len);
	} else {
		trail(c, "CRL %s: %s", url, e.detail);
		crl_stale_revoked(c, &b.crl, src, 0);
	}
	blob_free(&b);
}

static void crl_try(struct ctx *c)
{
	struct x509ext_urls urls;
	struct crl_eval ev;
	struct sg_error e;
	int any = 0, deltas = 0;

	memset(&ev, 0, sizeof(ev));
	for (const struct crl_item *it = c->env && c->env->crls ? c->env->crls->head : NULL;
	     it && !crl_done(&ev); it = it->next) {
		if (!crl_applies(&it->crl, c->cert))
			continue;
		if (it->crl.base.len) {
			deltas++; /* deltas go on top of complete CRLs */
			continue;
		}
		any = 1;
		c->named++;
		c->reached++; /* a file at hand: nothing to reach */
		sg_error_init(&e);
		if (!crl_take(c, &ev, &it->crl, c->now, "CRL (configured)", 0, &e)) {
			trail(c, "CRL (configured): %s", e.detail);
			crl_stale_revoked(c, &it->crl, "CRL (configured)", 0);
		}
	}
	x509ext_crl_dp_urls(c->cert, &urls);
	for (size_t i = 0; i < urls.n && !crl_done(&ev); i++) {
		any = 1;
		crl_url(c, &ev, urls.url[i]);
	}
	if (crl_done(&ev))
		eval_answer(&c->fresh, &ev, 0);
	else if (ev.reasons)
		trail(c, "CRL: the CRLs found cover only some revocation reasons");
	else if (deltas && !any)
		trail(c, "CRL (configured): only delta CRLs for this issuer, no complete CRL "
			 "they apply to");
	else if (!any)
		trail(c, "CRL: none configured for this issuer and the certificate names no "
			 "distribution point");
}

/* ---- policy -------------------------------------------------------------- */

static sg_err finish(struct ctx *c, const struct answer *a, struct sg_error *e)
{
	struct revoke_result *r = c->r;
	char when[32];

	r->status = a->status;
	r->revoked_at = a->revoked_at;
	r->reason = a->reason;
	r->next_update = a->next_update;
	r->from_cache = a->from_cache;
	r->stale = a->stale;
	snprintf(r->source, sizeof(r->source), "%s", a->source);
	if (a->status != REVOKE_REVOKED)
		return SG_OK;
	return sg_error_set(e, SG_E_REVOKED, "revoked on %s (%s), says %s",
			    sg_time_format(a->revoked_at, when, sizeof(when)),
			    revoke_reason_name(a->reason), a->source);
}

sg_err revoke_check(const struct hal *hal, const struct revoke_policy *p,
		    const mbedtls_x509_crt *cert, const mbedtls_x509_crt *issuer,
		    const struct revoke_env *env, int64_t now, struct revoke_result *r,
		    struct sg_error *e)
{
	struct ctx c;

	memset(r, 0, sizeof(*r));
	r->reason = -1;
	memset(&c, 0, sizeof(c));
	c.hal = hal;
	c.p = p;
	c.cert = cert;
	c.issuer = issuer;
	c.env = env;
	c.now = now;
	c.r = r;
	if (p->n_methods == 0) {
		r->status = REVOKE_NOT_CHECKED;
		snprintf(r->source, sizeof(r->source), "not checked (policy: none)");
		return SG_OK;
	}
	for (size_t i = 0; i < p->n_methods && !c.fresh.have; i++) {
		if (p->methods[i] == REVOKE_OCSP)
			ocsp_try(&c);
		else
			crl_try(&c);
	}
	if (c.fresh.have)
		return finish(&c, &c.fresh, e);
	if (c.stale_revoked.have) {
		trail(&c, "a CRL past its nextUpdate lists the certificate as revoked");
		return finish(&c, &c.stale_revoked, e);
	}
	if (c.grace.have) {
		trail(&c, "used a cached answer past its nextUpdate (grace period)");
		return finish(&c, &c.grace, e);
	}
	r->missing = !c.named	     ? REVOKE_MISSING_NO_SOURCE
		     : !c.reached ? REVOKE_MISSING_UNREACHABLE
				  : REVOKE_MISSING_UNTRUSTED;
	if (p->on_fail == REVOKE_FAIL_SOFT) {
		r->status = REVOKE_NOT_CHECKED;
		snprintf(r->source, sizeof(r->source), "no answer; accepted by the soft-fail policy");
		return SG_OK;
	}
	r->status = REVOKE_UNAVAILABLE;
	return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE, "%s", r->trail);
}
