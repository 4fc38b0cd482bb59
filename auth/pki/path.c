/* path.c: RFC 5280 section 6 path building and validation (path.h). */
#include "path.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>

#include "dn.h"
#include "nameconstr.h"
#include "sg_mem.h"
#include "sg_time.h"

#define NAME 120
#define CAND_LEVEL 24 /* matching candidates ordered per certificate */

/* The best failure so far, and the scratch of one path's validation. */
struct ctx {
	struct path_in inc; /* the caller's, defaults filled in */
	const struct path_in *in;
	const mbedtls_x509_crt *only_anchor;
	const mbedtls_x509_crt *p[PATH_MAX_LEN];
	size_t n;
	unsigned tries;
	int gave_up;
	int have_fallback; /* out holds a path valid but for time */
	struct path_out *out;
	/* best failure */
	int best_rank;
	size_t best_n;
	const mbedtls_x509_crt *best_p[PATH_MAX_LEN];
	sg_err best_code;
	unsigned best_flags;
	char best_why[400];
	char best_names[240];
	char best_policy[POL_SET_TEXT];
	/* one path's validation */
	struct nc_state nc;
	struct pol_result pol;
	char names[240];
	char policy[POL_SET_TEXT];
};

int path_ext_cb(void *ctx, mbedtls_x509_crt const *crt, mbedtls_x509_buf const *oid,
		int critical, const unsigned char *p, const unsigned char *end)
{
	return nc_crt_ext_cb(ctx, crt, oid, critical, p, end);
}

/* Where a certificate's issuerUniqueID and subjectUniqueID start
 * (RFC 5280 4.1.2.8: [1] and [2] IMPLICIT BIT STRING, tags 0x81 and
 * 0x82), after version, serial, signature, issuer, validity, subject and
 * subjectPublicKeyInfo. Returns how many (0: none, or not a certificate). */
static size_t uid_offsets(const uint8_t *der, size_t len, size_t off[2])
{
	unsigned char *p = (unsigned char *)der, *end = p + len;
	size_t l, n = 0;

	if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) ||
	    mbedtls_asn1_get_tag(&p, p + l, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
		return 0;
	end = p + l; /* the TBSCertificate's end */
	if (p < end && *p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED)) {
		if (mbedtls_asn1_get_tag(&p, end, &l, *p))
			return 0;
		p += l;
	}
	for (int i = 0; i < 6; i++) {
		if (p >= end || mbedtls_asn1_get_tag(&p, end, &l, *p))
			return 0;
		p += l;
	}
	for (unsigned char t = 0x81; t <= 0x82 && p < end; t++) {
		if (*p != t)
			continue;
		off[n++] = (size_t)(p - der);
		if (mbedtls_asn1_get_tag(&p, end, &l, t))
			return 0;
		p += l;
	}
	return n;
}

/* mbedTLS 2.28 reads the unique identifiers as constructed [1]/[2]
 * (0xA1/0xA2), so it refuses every certificate that carries one (PKITS
 * 4.3.6). Such a certificate is parsed from a copy with the tags mbedTLS
 * expects; then the original bytes go back into mbedTLS's own copy, so
 * the signature is checked over what the CA signed. */
static int parse_with_uids(mbedtls_x509_crt *chain, const uint8_t *der, size_t len)
{
	size_t off[2], n = uid_offsets(der, len, off);
	uint8_t *cp;
	int rc;

	if (!n || len > PATH_MAX_DER || !(cp = sg_calloc(1, len)))
		return -1;
	memcpy(cp, der, len);
	for (size_t i = 0; i < n; i++)
		cp[off[i]] |= MBEDTLS_ASN1_CONSTRUCTED;
	rc = mbedtls_x509_crt_parse_der_with_ext_cb(chain, cp, len, 1, path_ext_cb, NULL);
	sg_free(cp);
	if (rc)
		return rc;
	while (chain->next)
		chain = chain->next;
	for (size_t i = 0; i < n; i++)
		chain->raw.p[off[i]] = der[off[i]];
	return 0;
}

int path_parse_der(mbedtls_x509_crt *chain, struct path_unread *u, const uint8_t *der,
		   size_t len)
{
	int rc = mbedtls_x509_crt_parse_der_with_ext_cb(chain, der, len, 1, path_ext_cb, NULL);

	if (rc && parse_with_uids(chain, der, len) == 0)
		rc = 0;
	if (!rc)
		return 0;
	if (!u || u->n >= PATH_MAX_UNREAD || !len || len > PATH_MAX_DER)
		return rc;
	u->c[u->n].der = sg_calloc(1, len);
	if (!u->c[u->n].der)
		return rc;
	memcpy(u->c[u->n].der, der, len);
	u->c[u->n].len = len;
	u->c[u->n].rc = rc;
	u->n++;
	return 1;
}

void path_unread_free(struct path_unread *u)
{
	for (size_t i = 0; u && i < u->n; i++)
		sg_free(u->c[i].der);
	if (u)
		u->n = 0;
}

/* ---- small helpers ------------------------------------------------------- */

static const char *name_of(const mbedtls_x509_crt *c, char *buf)
{
	dn_format(buf, NAME, &c->subject);
	return buf;
}

static int same_crt(const mbedtls_x509_crt *a, const mbedtls_x509_crt *b)
{
	return a == b || (a->raw.len == b->raw.len && !memcmp(a->raw.p, b->raw.p, a->raw.len));
}

static int self_issued(const mbedtls_x509_crt *c)
{
	return dn_equal(c->subject_raw.p, c->subject_raw.len, c->issuer_raw.p, c->issuer_raw.len);
}

static int64_t x509_time(const mbedtls_x509_time *t)
{
	return sg_time_from_utc(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

/* The subject Name (tag included) of a DER certificate mbedTLS could not
 * parse: Certificate -> tbsCertificate -> [0] version, serial, signature,
 * issuer, validity, subject. 0 when found. */
static int raw_subject(const uint8_t *der, size_t len, const uint8_t **name, size_t *nlen)
{
	unsigned char *p = (unsigned char *)der, *end = p + len;
	size_t l;
	const int seq = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;

	if (mbedtls_asn1_get_tag(&p, end, &l, seq) || mbedtls_asn1_get_tag(&p, p + l, &l, seq))
		return -1;
	end = p + l;
	if (p < end && *p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED)) {
		if (mbedtls_asn1_get_tag(&p, end, &l, *p))
			return -1;
		p += l;
	}
	/* serial, signature, issuer, validity: skipped whole */
	static const unsigned char skip[] = {MBEDTLS_ASN1_INTEGER, seq, seq, seq};
	for (size_t i = 0; i < sizeof(skip); i++) {
		if (mbedtls_asn1_get_tag(&p, end, &l, skip[i]))
			return -1;
		p += l;
	}
	*name = p;
	if (mbedtls_asn1_get_tag(&p, end, &l, seq))
		return -1;
	*nlen = (size_t)(p - *name) + l;
	return 0;
}

/* A key identifier: SKI (OCTET STRING) or AKI's [0] keyIdentifier. */
static int key_id(const mbedtls_x509_crt *c, int aki, const uint8_t **id, size_t *len)
{
	static const uint8_t ski_oid[] = {0x55, 0x1d, 0x0e}, aki_oid[] = {0x55, 0x1d, 0x23};
	const uint8_t *v;
	size_t n;
	int crit;
	unsigned char *p, *end;

	if (nc_find_ext(c, aki ? aki_oid : ski_oid, 3, &v, &n, &crit) != 1)
		return 0;
	p = (unsigned char *)v;
	end = p + n;
	if (aki && mbedtls_asn1_get_tag(&p, end, &n,
					MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
		return 0;
	if (mbedtls_asn1_get_tag(&p, p + n, &n, aki ? MBEDTLS_ASN1_CONTEXT_SPECIFIC
						    : MBEDTLS_ASN1_OCTET_STRING) ||
	    !n)
		return 0;
	*id = p;
	*len = n;
	return 1;
}

/* 0: key identifiers match, 1: one is absent, 2: they differ. */
static int kid_rank(const mbedtls_x509_crt *child, const mbedtls_x509_crt *cand)
{
	const uint8_t *a, *s;
	size_t al, sl;

	if (!key_id(child, 1, &a, &al) || !key_id(cand, 0, &s, &sl))
		return 1;
	return al == sl && !memcmp(a, s, al) ? 0 : 2;
}

/* The algorithms and keys mbedTLS's profile allowed before (SHA-224..512,
 * RSA of rsa_min_bits, PSS, ECDSA on P-256/384/521). */
static int key_ok(const mbedtls_pk_context *pk, int min_bits)
{
	mbedtls_pk_type_t t = mbedtls_pk_get_type(pk);

	if (t == MBEDTLS_PK_RSA || t == MBEDTLS_PK_RSASSA_PSS)
		return mbedtls_pk_get_bitlen(pk) >= (size_t)min_bits;
	if (t == MBEDTLS_PK_ECKEY || t == MBEDTLS_PK_ECDSA) {
		mbedtls_ecp_group_id g = mbedtls_pk_ec(*pk)->grp.id;
		return g == MBEDTLS_ECP_DP_SECP256R1 || g == MBEDTLS_ECP_DP_SECP384R1 ||
		       g == MBEDTLS_ECP_DP_SECP521R1;
	}
	return 0;
}

static int sig_alg_ok(const mbedtls_x509_crt *c)
{
	return c->sig_md >= MBEDTLS_MD_SHA224 && c->sig_md <= MBEDTLS_MD_SHA512 &&
	       (c->sig_pk == MBEDTLS_PK_RSA || c->sig_pk == MBEDTLS_PK_ECDSA ||
		c->sig_pk == MBEDTLS_PK_RSASSA_PSS);
}

static int signature_ok(const mbedtls_x509_crt *child, const mbedtls_x509_crt *parent)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(child->sig_md);
	unsigned char hash[MBEDTLS_MD_MAX_SIZE];

	if (!md || mbedtls_md(md, child->tbs.p, child->tbs.len, hash) ||
	    !mbedtls_pk_can_do(&parent->pk, child->sig_pk))
		return 0;
	return mbedtls_pk_verify_ext(child->sig_pk, child->sig_opts,
				     (mbedtls_pk_context *)&parent->pk, child->sig_md, hash,
				     mbedtls_md_get_size(md), child->sig.p, child->sig.len) == 0;
}

/* ---- failures ------------------------------------------------------------ */

#define F_WEAK PATH_F_WEAK
#define F_NO_ISSUER PATH_F_NO_ISSUER

static void fail(struct ctx *c, int complete, sg_err code, int flags, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Keeps this failure if it is the best so far (a complete path over an
 * incomplete one, then the longer, then the first). */
static void fail(struct ctx *c, int complete, sg_err code, int flags, const char *fmt, ...)
{
	int rank = (complete ? 100 : 0) + (int)c->n;
	va_list ap;

	if (rank <= c->best_rank)
		return;
	c->best_rank = rank;
	c->best_n = c->n;
	memcpy(c->best_p, c->p, c->n * sizeof(c->p[0]));
	c->best_code = code;
	c->best_flags = (unsigned)flags;
	va_start(ap, fmt);
	vsnprintf(c->best_why, sizeof(c->best_why), fmt, ap);
	va_end(ap);
	memcpy(c->best_names, c->names, sizeof(c->names));
	memcpy(c->best_policy, c->policy, sizeof(c->policy));
}

/* ---- one complete path: 6.1.3, 6.1.4, 6.1.5 -------------------------------- */

/* Returns 1 when valid (time included, or time_soft), after keeping it in
 * out; 0 otherwise. */
static int validate(struct ctx *c)
{
	const struct path_in *in = c->in;
	size_t n = c->n, m = n - 1; /* m certificates below the anchor */
	const mbedtls_x509_crt *anchor = c->p[n - 1];
	struct pol_state st = {0};
	struct sg_error e;
	char a[NAME];
	int max_path = (int)m, time_ok = 1, ok = 0;
	sg_err rc;

	sg_error_init(&e);
	snprintf(c->names, sizeof(c->names), "not checked: the path failed first");
	snprintf(c->policy, sizeof(c->policy), "not checked: the path failed first");
	memset(&c->pol, 0, sizeof(c->pol));
	nc_init(&c->nc);
	if (anchor->max_pathlen > 0 && anchor->max_pathlen - 1 < max_path)
		max_path = anchor->max_pathlen - 1;
	for (size_t i = 0; i < n; i++) {
		const mbedtls_x509_crt *x = c->p[i];

		if (x509_time(&x->valid_to) + in->skew_s < in->now ||
		    x509_time(&x->valid_from) - in->skew_s > in->now) {
			time_ok = 0;
			if (!in->time_soft) {
				int past = x509_time(&x->valid_to) + in->skew_s < in->now;
				char when[32];

				sg_time_format(past ? x509_time(&x->valid_to) : x509_time(&x->valid_from),
					       when, sizeof(when));
				fail(c, 1, past ? SG_E_CERT_EXPIRED : SG_E_CERT_NOT_YET_VALID, 0,
				     "'%s' %s %s", name_of(x, a),
				     past ? "expired on" : "is not valid before", when);
				goto out;
			}
		}
	}
	if (m) {
		rc = pol_init(&st, in->policy, (int)m, &e);
		for (size_t i = m; !rc && i-- > 0;)
			rc = pol_cert(&st, c->p[i], self_issued(c->p[i]), &e);
		if (!rc)
			rc = pol_finish(&st, &c->pol, &e);
		if (rc) {
			snprintf(c->policy, sizeof(c->policy), "none: %.500s", e.detail);
			fail(c, 1, rc == SG_E_NOMEM ? rc : SG_E_CERT_UNTRUSTED, PATH_F_POLICY,
			     "certificate policies: %s", e.detail);
			goto out;
		}
		pol_result_line(&c->pol, c->policy, sizeof(c->policy));
	} else {
		snprintf(c->policy, sizeof(c->policy), "any policy (the certificate is a trust anchor)");
	}
	for (size_t i = m; i-- > 0;) {
		const mbedtls_x509_crt *x = c->p[i];
		int self = self_issued(x);

		if (nc_check(&c->nc, x, self && i > 0, &e)) {
			snprintf(c->names, sizeof(c->names), "%.235s", e.detail);
			fail(c, 1, SG_E_CERT_UNTRUSTED, PATH_F_NAMES, "name constraints: %s", e.detail);
			goto out;
		}
		if (i == 0)
			break;
		/* 6.1.4 (l), (m): x is an intermediate CA */
		if (!self) {
			if (max_path <= 0) {
				snprintf(c->names, sizeof(c->names), "not checked: the path failed first");
				fail(c, 1, SG_E_CERT_UNTRUSTED, 0,
				     "issuer not trusted: the path length constraint above '%s' "
				     "allows no more CA certificates below it",
				     name_of(x, a));
				goto out;
			}
			max_path--;
		}
		if (x->max_pathlen > 0 && x->max_pathlen - 1 < max_path)
			max_path = x->max_pathlen - 1;
		if (nc_add(&c->nc, x, &e)) {
			snprintf(c->names, sizeof(c->names), "%.235s", e.detail);
			fail(c, 1, SG_E_CERT_UNTRUSTED, PATH_F_NAMES, "name constraints of '%s': %s",
			     name_of(x, a), e.detail);
			goto out;
		}
	}
	if (!c->nc.n_ca)
		snprintf(c->names, sizeof(c->names), "no constraints");
	else
		snprintf(c->names, sizeof(c->names), "within %s's constraints%s", c->nc.ca[0],
			 c->nc.n_ca > 1 ? " (and its superiors')" : "");
	if (!key_ok(&c->p[0]->pk, in->rsa_min_bits)) {
		fail(c, 1, SG_E_CERT_UNTRUSTED, F_WEAK,
		     "a signature algorithm or key in the chain is too weak or not supported "
		     "(the key of '%s')", name_of(c->p[0], a));
		goto out;
	}
	if (in->target_ku && mbedtls_x509_crt_check_key_usage(c->p[0], in->target_ku)) {
		fail(c, 1, SG_E_CERT_UNTRUSTED, 0, "the key usage of '%s' does not allow %s",
		     name_of(c->p[0], a),
		     in->target_ku == MBEDTLS_X509_KU_CRL_SIGN ? "cRLSign" : "this use");
		goto out;
	}
	if (time_ok || !c->have_fallback) {
		struct path_out *o = c->out;

		o->n = n;
		memcpy(o->crt, c->p, n * sizeof(c->p[0]));
		o->time_ok = time_ok;
		o->pol = c->pol;
		memcpy(o->names, c->names, sizeof(o->names));
		memcpy(o->policy, c->policy, sizeof(o->policy));
		c->have_fallback = 1;
	}
	ok = time_ok;
out:
	if (m)
		pol_free(&st);
	nc_free(&c->nc);
	return ok;
}

/* ---- building ------------------------------------------------------------ */

struct cand {
	const mbedtls_x509_crt *crt;
	int rank; /* kid_rank * 4 + 0 (an anchor), 1 (issued under an anchor's name), 2 */
};

static int in_path(const struct ctx *c, const mbedtls_x509_crt *x)
{
	for (size_t i = 0; i < c->n; i++)
		if (same_crt(c->p[i], x))
			return 1;
	return 0;
}

/* 1 when x's issuer has the name of a trust anchor (a likely last step). */
static int under_anchor(const struct ctx *c, const mbedtls_x509_crt *x)
{
	for (const mbedtls_x509_crt *a = c->in->anchors; a && a->raw.p; a = a->next)
		if (dn_equal(x->issuer_raw.p, x->issuer_raw.len, a->subject_raw.p, a->subject_raw.len))
			return 1;
	return 0;
}

/* The candidate issuers of child in the order they are tried; *looped:
 * how many matched by name but are already in the path. */
static size_t gather(const struct ctx *c, const mbedtls_x509_crt *child, struct cand *cd,
		     size_t *looped)
{
	const struct path_in *in = c->in;
	const mbedtls_x509_crt *lists[1 + PATH_POOLS] = {in->anchors, in->pool[0], in->pool[1]};
	size_t k = 0;

	*looped = 0;
	for (size_t l = 0; l < 1 + PATH_POOLS; l++)
		for (const mbedtls_x509_crt *x = lists[l]; x && x->raw.p && k < CAND_LEVEL;
		     x = x->next) {
			if ((l == 0 && c->only_anchor && !same_crt(x, c->only_anchor)) ||
			    !dn_equal(child->issuer_raw.p, child->issuer_raw.len, x->subject_raw.p,
				      x->subject_raw.len))
				continue;
			if (in_path(c, x)) {
				++*looped;
				continue;
			}
			cd[k].crt = x;
			cd[k].rank = kid_rank(child, x) * 4 + (l == 0 ? 0 : under_anchor(c, x) ? 1 : 2);
			/* insertion: stable by rank */
			for (size_t j = k; j > 0 && cd[j - 1].rank > cd[j].rank; j--) {
				struct cand t = cd[j];
				cd[j] = cd[j - 1];
				cd[j - 1] = t;
			}
			k++;
		}
	return k;
}

static int is_anchor(const struct ctx *c, const mbedtls_x509_crt *x)
{
	for (const mbedtls_x509_crt *a = c->in->anchors; a && a->raw.p; a = a->next)
		if (a == x)
			return 1;
	return 0;
}

/* The issuer of c->p[c->n - 1], depth first. 1: a valid path is in out. */
static int extend(struct ctx *c)
{
	const mbedtls_x509_crt *child = c->p[c->n - 1];
	struct cand cd[CAND_LEVEL];
	size_t looped, k = gather(c, child, cd, &looped);
	char a[NAME], b[NAME];

	if (!k) {
		const struct path_unread *u = c->in->unread;
		const uint8_t *nm;
		size_t nl;

		dn_format(b, sizeof(b), &child->issuer);
		for (size_t i = 0; u && i < u->n; i++) {
			if (raw_subject(u->c[i].der, u->c[i].len, &nm, &nl) ||
			    !dn_equal(child->issuer_raw.p, child->issuer_raw.len, nm, nl))
				continue;
			char why[100];

			mbedtls_strerror(u->c[i].rc, why, sizeof(why));
			fail(c, 0, SG_E_CERT_UNTRUSTED, 0,
			     "issuer not trusted: '%s' (issuer of '%s') was given but cannot be read: %s",
			     b, name_of(child, a), why);
			return 0;
		}
		if (looped)
			fail(c, 0, SG_E_CERT_UNTRUSTED, 0,
			     "issuer not trusted: '%s' (issuer of '%s') only leads back into the path "
			     "(the certificates issue each other in a loop)",
			     b, name_of(child, a));
		else
			fail(c, 0, SG_E_CERT_UNTRUSTED, F_NO_ISSUER,
			     "issuer not trusted: '%s' (issuer of '%s') is not a trust anchor and no "
			     "intermediate for it was given",
			     b, name_of(child, a));
		return 0;
	}
	for (size_t i = 0; i < k; i++) {
		const mbedtls_x509_crt *x = cd[i].crt;
		int anchor = is_anchor(c, x), r = 0;

		if (c->tries >= PATH_MAX_TRIES) {
			c->gave_up = 1;
			return 0;
		}
		c->tries++;
		c->p[c->n++] = x;
		name_of(x, a);
		if ((!anchor || x->version >= 3) && !x->ca_istrue) {
			fail(c, 0, SG_E_CERT_UNTRUSTED, 0,
			     "issuer not trusted: '%s' (issuer of '%s') may not issue certificates "
			     "(it is not a CA: basic constraints)",
			     a, name_of(child, b));
		} else if ((!anchor || x->version >= 3) &&
			   mbedtls_x509_crt_check_key_usage(x, MBEDTLS_X509_KU_KEY_CERT_SIGN)) {
			fail(c, 0, SG_E_CERT_UNTRUSTED, 0,
			     "issuer not trusted: '%s' (issuer of '%s') may not issue certificates "
			     "(its key usage lacks keyCertSign)",
			     a, name_of(child, b));
		} else if (!sig_alg_ok(child) || !key_ok(&x->pk, c->in->rsa_min_bits)) {
			fail(c, 0, SG_E_CERT_UNTRUSTED, F_WEAK,
			     "a signature algorithm or key in the chain is too weak or not supported "
			     "(the signature of '%s' by '%s')",
			     name_of(child, b), a);
		} else if (!signature_ok(child, x)) {
			fail(c, 0, SG_E_CERT_UNTRUSTED, 0,
			     "issuer not trusted: '%s' is named as issuer of '%s' but the "
			     "signature does not verify with its key",
			     a, name_of(child, b));
		} else if (anchor) {
			r = validate(c);
		} else if (c->n >= PATH_MAX_LEN) {
			fail(c, 0, SG_E_CERT_UNTRUSTED, 0,
			     "issuer not trusted: no trust anchor within %d certificates of '%s'",
			     PATH_MAX_LEN, name_of(c->p[0], b));
		} else {
			r = extend(c);
		}
		c->n--;
		if (r || c->gave_up)
			return r;
	}
	return 0;
}

static sg_err run(struct ctx *c, const struct path_in *in, struct path_out *out,
		  struct sg_error *e)
{
	memset(out, 0, sizeof(*out));
	if (!in || !in->target || !in->target->raw.p)
		return sg_error_set(e, SG_E_INVALID_ARG, "no certificate to validate");
	c->inc = *in;
	if (c->inc.rsa_min_bits <= 0)
		c->inc.rsa_min_bits = 2048;
	c->in = in = &c->inc;
	c->out = out;
	c->best_rank = -1;
	c->p[0] = in->target;
	c->n = 1;
	snprintf(c->names, sizeof(c->names), "not checked: no path to a trust anchor");
	snprintf(c->policy, sizeof(c->policy), "not checked: no path to a trust anchor");
	/* The target is itself a trust anchor (the same certificate). */
	for (const mbedtls_x509_crt *x = in->anchors; x && x->raw.p; x = x->next)
		if (same_crt(x, in->target) && (!c->only_anchor || x == c->only_anchor)) {
			c->p[0] = x;
			if (validate(c))
				return SG_OK;
			break;
		}
	if (!c->have_fallback)
		extend(c);
	if (out->n && (out->time_ok || in->time_soft))
		return SG_OK;
	if (c->best_rank < 0) {
		char a[NAME];

		fail(c, 0, SG_E_CERT_UNTRUSTED, 0, "no path to a trust anchor for '%s'",
		     name_of(in->target, a));
	}
	out->n = c->best_n;
	memcpy(out->crt, c->best_p, c->best_n * sizeof(c->best_p[0]));
	out->fail = c->best_flags & ~(c->gave_up ? PATH_F_NO_ISSUER : 0u);
	memcpy(out->names, c->best_names, sizeof(out->names));
	memcpy(out->policy, c->best_policy, sizeof(out->policy));
	snprintf(out->why, sizeof(out->why), "%.340s%s", c->best_why,
		 c->gave_up ? " (the search stopped: too many candidate issuers)" : "");
	return sg_error_set(e, c->best_code, "%s", out->why);
}

static sg_err build(const struct path_in *in, const mbedtls_x509_crt *only_anchor,
		    struct path_out *out, struct sg_error *e)
{
	struct ctx *c = sg_calloc(1, sizeof(*c));
	sg_err rc;

	if (!c)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	c->only_anchor = only_anchor;
	rc = run(c, in, out, e);
	sg_free(c);
	return rc;
}

sg_err path_build(const struct path_in *in, struct path_out *out, struct sg_error *e)
{
	return build(in, NULL, out, e);
}

sg_err path_crl_signer(const struct path_in *in, const mbedtls_x509_crt *anchor,
		       struct path_out *out, struct sg_error *e)
{
	struct path_in s = *in;

	s.policy = NULL;
	s.target_ku = MBEDTLS_X509_KU_CRL_SIGN;
	return build(&s, anchor, out, e);
}
