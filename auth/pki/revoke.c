/* revoke.c: revocation by OCSP and CRL under the deployment's policy. */
#include "revoke.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "crl.h"
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
	int64_t now;
	struct revoke_result *r;
	struct answer fresh, grace;
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

/* Checks a DER CRL; returns 1 and fills a when it gives an answer. */
static int crl_usable(struct ctx *c, const uint8_t *der, size_t len, int64_t at,
		      struct crl_result *res, struct sg_error *e)
{
	mbedtls_x509_crl crl;
	int ok = 0;

	mbedtls_x509_crl_init(&crl);
	if (mbedtls_x509_crl_parse_der(&crl, der, len) != 0)
		sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE, "not a CRL");
	else
		ok = crl_check_age(&crl, c->cert, c->issuer, at, c->p->skew_s, c->p->crl_max_age_s,
				   res, e) == SG_OK;
	mbedtls_x509_crl_free(&crl);
	return ok;
}

static void crl_take(struct answer *a, const struct crl_result *res, int from_cache, int stale,
		     const char *source)
{
	set_answer(a, res->revoked ? REVOKE_REVOKED : REVOKE_GOOD, res->revoked_at, res->reason,
		   res->next_update, from_cache, stale, source);
}

static void crl_url(struct ctx *c, const char *url)
{
	struct http_response resp = {0};
	struct crl_result res;
	struct sg_error e;
	char name[48], src[600];
	uint8_t *buf;
	size_t len;

	c->named++;
	cache_name(name, "crl", (const uint8_t *)url, strlen(url), c->cert->issuer_raw.p,
		   c->cert->issuer_raw.len);
	len = cache_read(c, name, c->p->max_crl_bytes, &buf);
	if (len) {
		snprintf(src, sizeof(src), "CRL %s (cached)", url);
		if (crl_usable(c, buf, len, c->now, &res, NULL)) {
			crl_take(&c->fresh, &res, 1, 0, src);
		} else if (c->p->grace_s > 0 && !c->grace.have) {
			/* Past nextUpdate (or its maximum age): judged then,
			 * within grace. */
			mbedtls_x509_crl crl;
			mbedtls_x509_crl_init(&crl);
			if (mbedtls_x509_crl_parse_der(&crl, buf, len) == 0) {
				int64_t nu = crl_expiry(&crl, c->p->crl_max_age_s);
				if (nu && nu < c->now && nu + c->p->grace_s >= c->now &&
				    crl_usable(c, buf, len, nu, &res, NULL))
					crl_take(&c->grace, &res, 1, 1, src);
			}
			mbedtls_x509_crl_free(&crl);
		}
		sg_free(buf);
		if (c->fresh.have)
			return;
	}
	if (!c->p->fetch_crl)
		return;
	sg_error_init(&e);
	if (http_fetch(c->hal, url, NULL, NULL, 0, c->p->max_crl_bytes, c->p->timeout_ms, &resp,
		       &e)) {
		c->reached += e.code == SG_E_MALFORMED;
		trail(c, "CRL %s: %s", url, e.detail);
		return;
	}
	c->reached++;
	if (resp.status != 200) {
		trail(c, "CRL %s: HTTP status %d", url, resp.status);
	} else if (!crl_usable(c, resp.body, resp.body_len, c->now, &res, &e)) {
		trail(c, "CRL %s: %s", url, e.detail);
	} else {
		snprintf(src, sizeof(src), "CRL %s", url);
		crl_take(&c->fresh, &res, 0, 0, src);
		cache_write(c, name, resp.body, resp.body_len);
	}
	http_response_free(&resp);
}

static void crl_try(struct ctx *c, const mbedtls_x509_crl *crls)
{
	struct x509ext_urls urls;
	struct crl_result res;
	struct sg_error e;
	int any = 0;

	for (const mbedtls_x509_crl *crl = crls; crl && crl->raw.p; crl = crl->next) {
		if (!crl_applies(crl, c->cert, c->issuer))
			continue;
		any = 1;
		c->named++;
		c->reached++; /* a file at hand: nothing to reach */
		sg_error_init(&e);
		if (crl_check_age(crl, c->cert, c->issuer, c->now, c->p->skew_s, c->p->crl_max_age_s,
				  &res, &e) == SG_OK) {
			crl_take(&c->fresh, &res, 0, 0, "CRL (configured)");
			return;
		}
		trail(c, "CRL (configured): %s", e.detail);
	}
	x509ext_crl_dp_urls(c->cert, &urls);
	for (size_t i = 0; i < urls.n && !c->fresh.have; i++) {
		any = 1;
		crl_url(c, urls.url[i]);
	}
	if (!any)
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
		    const mbedtls_x509_crl *crls, int64_t now, struct revoke_result *r,
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
			crl_try(&c, crls);
	}
	if (c.fresh.have)
		return finish(&c, &c.fresh, e);
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
