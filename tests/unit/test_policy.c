/*
 * test_policy.c: RFC 5280 6.1 certificate policy processing (auth/pki/policy.c).
 *
 * Crafted extension lists (policies, qualifiers, mappings, constraints,
 * inhibitAnyPolicy, self-issued certificates, the caps, malformed and
 * repeated extensions), the configuration's OID lists, the mbedTLS
 * callback, and NIST PKITS sections 4.8-4.12 (tests/pkits, from
 * SIGNET_TOP) fed to the module with each case's policy inputs: its
 * verdict and user-constrained policy set must be the suite's.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

/* ---- DER building ------------------------------------------------------- */

struct der {
	uint8_t b[8192];
	size_t n;
};

static void put(struct der *d, const void *p, size_t len)
{
	assert_true(d->n + len <= sizeof(d->b));
	memcpy(d->b + d->n, p, len);
	d->n += len;
}

static void tlv(struct der *d, uint8_t tag, const void *p, size_t len)
{
	uint8_t h[4] = {tag};
	size_t hl = 2;

	if (len < 128) {
		h[1] = (uint8_t)len;
	} else {
		h[1] = 0x82;
		h[2] = (uint8_t)(len >> 8);
		h[3] = (uint8_t)len;
		hl = 4;
	}
	put(d, h, hl);
	put(d, p, len);
}

/* NIST-test-policy-k (2.16.840.1.101.3.2.1.48.k), k = 0: anyPolicy. */
static void oid(struct der *d, int k)
{
	const uint8_t nist[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x02, 0x01, 0x30, (uint8_t)k};
	const uint8_t any[] = {0x55, 0x1d, 0x20, 0x00};

	if (k)
		tlv(d, 0x06, nist, sizeof(nist));
	else
		tlv(d, 0x06, any, sizeof(any));
}

#define P(k) "2.16.840.1.101.3.2.1.48." #k

/* One certificate's extensions, built up. */
struct exts {
	struct der list;
};

static void ext_add(struct exts *x, uint8_t id, int critical, const struct der *value)
{
	struct der e = {.n = 0}, v = {.n = 0};
	const uint8_t extoid[] = {0x55, 0x1d, id};
	const uint8_t t = 0xff;

	tlv(&e, 0x06, extoid, sizeof(extoid));
	if (critical)
		tlv(&e, 0x01, &t, 1);
	tlv(&v, 0x04, value->b, value->n);
	put(&e, v.b, v.n);
	tlv(&x->list, 0x30, e.b, e.n);
}

/* certificatePolicies from a 0-terminated list of k (-1: anyPolicy);
 * every other one carries a CPS qualifier, to be skipped. */
static void ext_cp(struct exts *x, const int *ks)
{
	struct der seq = {.n = 0};

	for (int i = 0; ks[i]; i++) {
		struct der pi = {.n = 0}, q = {.n = 0}, qs = {.n = 0};
		const uint8_t cps[] = {0x2b, 6, 1, 5, 5, 7, 2, 1};

		oid(&pi, ks[i] < 0 ? 0 : ks[i]);
		if (i & 1) {
			tlv(&q, 0x06, cps, sizeof(cps));
			tlv(&q, 0x16, "http://x/", 9);
			tlv(&qs, 0x30, q.b, q.n);
			tlv(&pi, 0x30, qs.b, qs.n);
		}
		tlv(&seq, 0x30, pi.b, pi.n);
	}
	struct der v = {.n = 0};

	tlv(&v, 0x30, seq.b, seq.n);
	ext_add(x, 0x20, 0, &v);
}

/* policyMappings from pairs (0: anyPolicy), ended by {-1, -1}. */
static void ext_pm(struct exts *x, const int (*pairs)[2])
{
	struct der seq = {.n = 0}, v = {.n = 0};

	for (int i = 0; pairs[i][0] >= 0; i++) {
		struct der m = {.n = 0};

		oid(&m, pairs[i][0]);
		oid(&m, pairs[i][1]);
		tlv(&seq, 0x30, m.b, m.n);
	}
	tlv(&v, 0x30, seq.b, seq.n);
	ext_add(x, 0x21, 1, &v);
}

/* policyConstraints: -1 leaves a field out. */
static void ext_pc(struct exts *x, int require, int inhibit)
{
	struct der seq = {.n = 0}, v = {.n = 0};
	uint8_t r = (uint8_t)require, i = (uint8_t)inhibit;

	if (require >= 0)
		tlv(&seq, 0x80, &r, 1);
	if (inhibit >= 0)
		tlv(&seq, 0x81, &i, 1);
	tlv(&v, 0x30, seq.b, seq.n);
	ext_add(x, 0x24, 1, &v);
}

static void ext_iap(struct exts *x, int skip)
{
	struct der v = {.n = 0};
	uint8_t s = (uint8_t)skip;

	tlv(&v, 0x02, &s, 1);
	ext_add(x, 0x36, 1, &v);
}

/* ---- running a path ----------------------------------------------------- */

struct path {
	struct exts c[POL_MAX_DEPTH + 2];
	int self_issued[POL_MAX_DEPTH + 2];
	int n;
};

static sg_err run(const struct path *p, const struct pol_params *pp, struct pol_result *res,
		  struct sg_error *e)
{
	struct pol_state st;
	sg_err rc;

	sg_error_init(e);
	rc = pol_init(&st, pp, p->n, e);
	for (int i = 0; !rc && i < p->n; i++) {
		char name[32];
		struct der seq = {.n = 0};
		uint8_t *copy;

		snprintf(name, sizeof(name), "CN=cert%d", i + 1);
		/* An exact-length copy, so ASan sees any over-read. */
		tlv(&seq, 0x30, p->c[i].list.b, p->c[i].list.n);
		copy = malloc(seq.n);
		assert_non_null(copy);
		memcpy(copy, seq.b, seq.n);
		rc = pol_cert_ext(&st, copy, seq.n, p->self_issued[i], name, e);
		free(copy);
	}
	if (!rc)
		rc = pol_finish(&st, res, e);
	pol_free(&st);
	return rc;
}

static struct pol_params params(const char *set, int explicit_, int inhibit_map, int inhibit_any)
{
	struct pol_params pp;

	memset(&pp, 0, sizeof(pp));
	snprintf(pp.policies, sizeof(pp.policies), "%s", set);
	pp.require_explicit = explicit_;
	pp.inhibit_mapping = inhibit_map;
	pp.inhibit_any = inhibit_any;
	return pp;
}

#define CP(x, ...) ext_cp(x, (const int[]){__VA_ARGS__, 0})
#define PM(x, ...) ext_pm(x, (const int[][2]){__VA_ARGS__, {-1, -1}})

/* Same policies on every certificate; required or not; the sets. */
static void test_same_policy(void **state)
{
	struct path p;
	struct pol_params pp = params("", 1, 0, 0);
	struct pol_result r;
	struct sg_error e;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.n = 3;
	for (int i = 0; i < 3; i++)
		CP(&p.c[i], 1, 2);
	assert_int_equal(run(&p, &pp, &r, &e), SG_OK);
	assert_int_equal(r.user_any, 0);
	assert_int_equal(r.n_user, 2);
	assert_string_equal(r.user, P(1) ", " P(2));
	assert_string_equal(r.auth, P(1) ", " P(2));
	pp = params(P(2) ", " P(3), 1, 0, 0);
	assert_int_equal(run(&p, &pp, &r, &e), SG_OK);
	assert_string_equal(r.user, P(2));
	/* Listed in the order first seen: the initial set's first. */
	assert_string_equal(r.auth, P(2) ", " P(1));
	pp = params(P(3), 1, 0, 0);
	assert_int_equal(run(&p, &pp, &r, &e), SG_E_CERT_UNTRUSTED);
	assert_string_equal(e.detail, "explicit policy required by the configuration and no valid "
				      "policy remains: the path's policies (" P(1) ", " P(2)
				      ") are none of the acceptable ones (" P(3) ")");
	assert_int_equal(r.n_user, 0);
	/* Not required: the path stands, with no valid policy, and says why. */
	pp = params(P(3), 0, 0, 0);
	assert_int_equal(run(&p, &pp, &r, &e), SG_OK);
	assert_int_equal(r.n_user, 0);
	char line[600];
	assert_string_equal(pol_result_line(&r, line, sizeof(line)),
			    "none: the path's policies (" P(1) ", " P(2)
			    ") are none of the acceptable ones (" P(3) ")");
}

/* anyPolicy everywhere: the user set is any-policy, or the initial set. */
static void test_any_policy(void **state)
{
	struct path p;
	struct pol_params pp = params("", 0, 0, 0);
	struct pol_result r;
	struct sg_error e;
	char line[64];

	(void)state;
	memset(&p, 0, sizeof(p));
	p.n = 2;
	CP(&p.c[0], -1);
	CP(&p.c[1], -1);
	assert_int_equal(run(&p, &pp, &r, &e), SG_OK);
	assert_true(r.user_any);
	assert_true(r.auth_any);
	assert_string_equal(pol_result_line(&r, line, sizeof(line)), "any policy");
	pp = params(P(4), 1, 0, 0);
	assert_int_equal(run(&p, &pp, &r, &e), SG_OK);
	assert_false(r.user_any);
	assert_string_equal(r.user, P(4));
	/* anyPolicy in the initial set means any-policy. */
	pp = params(P(4) ",2.5.29.32.0", 0, 0, 0);
	assert_int_equal(run(&p, &pp, &r, &e), SG_OK);
	assert_true(r.user_any);
	/* Inhibited by the configuration: the CA's anyPolicy does not count. */
	pp = params("", 1, 0, 1);
	assert_int_equal(run(&p, &pp, &r, &e), SG_E_CERT_UNTRUSTED);
	assert_string_equal(e.detail, "explicit policy required by the configuration and no valid "
				      "policy remains at CN=cert1: none of the policies of "
				      "CN=cert1 is valid under its issuers' (anyPolicy inhibited "
				      "by the configuration)");
}

/* requireExplicitPolicy counts certificates; self-issued ones do not count. */
static void test_require_explicit(void **state)
{
	struct path p;
	struct pol_result r;
	struct sg_error e;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.n = 4;
	CP(&p.c[0], 1);
	ext_pc(&p.c[0], 2, -1); /* explicit from the third certificate below it */
	CP(&p.c[1], 1);
	/* c[2] and the leaf without policies */
	assert_int_equal(run(&p, NULL, &r, &e), SG_E_CERT_UNTRUSTED);
	assert_string_equal(e.detail, "explicit policy required by CN=cert1 and no valid policy "
				      "remains at CN=cert4: CN=cert3 has no certificatePolicies");
	/* The third is the end of the allowance (6.1.5 (a)) ... */
	p.n = 3;
	assert_int_equal(run(&p, NULL, &r, &e), SG_E_CERT_UNTRUSTED);
	assert_string_equal(e.detail, "explicit policy required by CN=cert1 and no valid policy "
				      "remains: CN=cert3 has no certificatePolicies");
	/* ... unless a self-issued certificate is among them, which does not count. */
	p.self_issued[1] = 1;
	assert_int_equal(run(&p, NULL, &r, &e), SG_OK);
	assert_int_equal(r.n_user, 0);
	assert_string_equal(r.why, "CN=cert3 has no certificatePolicies");
	p.n = 4;
	assert_int_equal(run(&p, NULL, &r, &e), SG_E_CERT_UNTRUSTED);
	/* With policies all the way, the fourth is fine. */
	CP(&p.c[2], 1);
	CP(&p.c[3], 1);
	p.self_issued[1] = 0;
	assert_int_equal(run(&p, NULL, &r, &e), SG_OK);
	assert_string_equal(r.user, P(1));
	/* The leaf's own requireExplicitPolicy 0 (6.1.5 (b)). */
	memset(&p, 0, sizeof(p));
	p.n = 2;
	CP(&p.c[0], 1);
	ext_pc(&p.c[1], 0, -1);
	assert_int_equal(run(&p, NULL, &r, &e), SG_E_CERT_UNTRUSTED);
	assert_string_equal(e.detail, "explicit policy required by CN=cert2 and no valid policy "
				      "remains: CN=cert2 has no certificatePolicies");
}

/* Mappings: 1 -> 2 and 1 -> 3 at the CA; the leaf asserts 3. */
static void test_mapping(void **state)
{
	struct path p;
	struct pol_params pp = params("", 1, 0, 0);
	struct pol_result r;
	struct sg_error e;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.n = 2;
	CP(&p.c[0], 1, 4);
	PM(&p.c[0], {1, 2}, {1, 3});
	CP(&p.c[1], 3, 4);
	assert_int_equal(run(&p, &pp, &r, &e), SG_OK);
	/* In the anchor's domain: 1 (through 3) and 4. */
	assert_string_equal(r.user, P(1) ", " P(4));
	/* The leaf asserting 1 instead: 1 was mapped away. */
	memset(&p.c[1], 0, sizeof(p.c[1]));
	CP(&p.c[1], 1);
	assert_int_equal(run(&p, &pp, &r, &e), SG_E_CERT_UNTRUSTED);
	/* Mapping inhibited: node 1 goes, 4 stays. */
	memset(&p.c[1], 0, sizeof(p.c[1]));
	CP(&p.c[1], 3, 4);
	pp = params("", 1, 1, 0);
	assert_int_equal(run(&p, &pp, &r, &e), SG_OK);
	assert_string_equal(r.user, P(4));
	/* Mapping from anyPolicy in the CA's anyPolicy: 5 -> 6 makes 5 valid. */
	memset(&p, 0, sizeof(p));
	p.n = 2;
	CP(&p.c[0], -1);
	PM(&p.c[0], {5, 6});
	CP(&p.c[1], 6);
	pp = params("", 1, 0, 0);
	assert_int_equal(run(&p, &pp, &r, &e), SG_OK);
	assert_string_equal(r.user, P(5));
	/* Inhibited by the CA for the certificates below it. */
	memset(&p, 0, sizeof(p));
	p.n = 3;
	CP(&p.c[0], 1);
	ext_pc(&p.c[0], 0, 0);
	CP(&p.c[1], 1);
	PM(&p.c[1], {1, 2});
	CP(&p.c[2], 2);
	assert_int_equal(run(&p, NULL, &r, &e), SG_E_CERT_UNTRUSTED);
	assert_string_equal(e.detail, "explicit policy required by CN=cert1 and no valid policy "
				      "remains at CN=cert3: policy mapping is inhibited (by CN=cert1) "
				      "and CN=cert2 maps its policies");
}

static void test_mapping_any_refused(void **state)
{
	struct path p;
	struct pol_result r;
	struct sg_error e;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.n = 2;
	CP(&p.c[0], 1);
	PM(&p.c[0], {0, 1});
	CP(&p.c[1], 1);
	assert_int_equal(run(&p, NULL, &r, &e), SG_E_CERT_UNTRUSTED);
	assert_string_equal(e.detail, "CN=cert1 maps from anyPolicy in its policyMappings, which "
				      "RFC 5280 forbids");
	memset(&p.c[0], 0, sizeof(p.c[0]));
	CP(&p.c[0], 1);
	PM(&p.c[0], {1, 0});
	assert_int_equal(run(&p, NULL, &r, &e), SG_E_CERT_UNTRUSTED);
	assert_non_null(strstr(e.detail, "maps to anyPolicy"));
}

/* inhibitAnyPolicy: anyPolicy honoured while the count lasts; a
 * self-issued intermediate neither counts nor loses its anyPolicy. */
static void test_inhibit_any(void **state)
{
	struct path p;
	struct pol_params pp = params("", 1, 0, 0);
	struct pol_result r;
	struct sg_error e;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.n = 3;
	CP(&p.c[0], 1);
	ext_iap(&p.c[0], 0);
	CP(&p.c[1], -1);
	CP(&p.c[2], 1);
	assert_int_equal(run(&p, &pp, &r, &e), SG_E_CERT_UNTRUSTED);
	assert_string_equal(e.detail, "explicit policy required by the configuration and no valid "
				      "policy remains at CN=cert2: none of the policies of CN=cert2 "
				      "is valid under its issuers' (anyPolicy inhibited by CN=cert1)");
	/* Self-issued and not last: its anyPolicy still counts. */
	p.self_issued[1] = 1;
	assert_int_equal(run(&p, &pp, &r, &e), SG_OK);
	assert_string_equal(r.user, P(1));
	/* Skip 1: the next certificate may still use anyPolicy. */
	p.self_issued[1] = 0;
	memset(&p.c[0], 0, sizeof(p.c[0]));
	CP(&p.c[0], 1);
	ext_iap(&p.c[0], 1);
	assert_int_equal(run(&p, &pp, &r, &e), SG_OK);
}

/* The caps: too many distinct policies, too many nodes; never a crash. */
static void test_caps(void **state)
{
	struct path p;
	struct pol_params pp = params("", 0, 0, 0);
	struct pol_result r;
	struct sg_error e;
	int ks[POL_MAX_ENTRIES + 2];

	(void)state;
	memset(&p, 0, sizeof(p));
	/* 50 policies on 6 certificates: 300 nodes. */
	for (int i = 0; i < 50; i++)
		ks[i] = i + 1;
	ks[50] = 0;
	p.n = 6;
	for (int i = 0; i < p.n; i++)
		ext_cp(&p.c[i], ks);
	assert_int_equal(run(&p, &pp, &r, &e), SG_E_CERT_UNTRUSTED);
	assert_string_equal(e.detail, "the certificate policies of this path exceed 256 nodes "
				      "(at CN=cert6)");
	p.n = 5; /* 250 nodes: fine */
	assert_int_equal(run(&p, &pp, &r, &e), SG_OK);
	assert_int_equal(r.n_auth, 50);
	/* 70 distinct policies */
	memset(&p, 0, sizeof(p));
	for (int i = 0; i < 70 - 50; i++) {
		ks[i] = 51 + i;
	}
	ks[20] = 0;
	p.n = 2;
	for (int i = 0; i < 50; i++)
		ks[i] = i + 1;
	ks[50] = 0;
	ext_cp(&p.c[0], ks);
	for (int i = 0; i < 20; i++)
		ks[i] = 51 + i;
	ks[20] = 0;
	ext_cp(&p.c[1], ks);
	assert_int_equal(run(&p, &pp, &r, &e), SG_E_CERT_UNTRUSTED);
	assert_string_equal(e.detail, "the certificate policies of this path exceed 64 distinct "
				      "policies (64 per extension, 40 bytes each) at CN=cert2");
	/* A mapping-heavy path: every policy mapped to every other on 16
	 * certificates stays within the caps' time and gives an answer. */
	memset(&p, 0, sizeof(p));
	p.n = POL_MAX_DEPTH;
	for (int i = 0; i < p.n; i++) {
		int pairs[POL_MAX_ENTRIES + 1][2];
		int m = 0;

		CP(&p.c[i], 1, 2, 3, 4, 5, 6, 7, 8);
		for (int a = 1; a <= 8 && m < POL_MAX_ENTRIES; a++)
			for (int b = 1; b <= 8 && m < POL_MAX_ENTRIES; b++, m++) {
				pairs[m][0] = a;
				pairs[m][1] = b;
			}
		pairs[m][0] = pairs[m][1] = -1;
		if (i + 1 < p.n)
			ext_pm(&p.c[i], (const int(*)[2])pairs);
	}
	assert_int_equal(run(&p, &pp, &r, &e), SG_OK);
	assert_int_equal(r.n_auth, 8);
	/* 65 policies in one extension */
	memset(&p, 0, sizeof(p));
	for (int i = 0; i < POL_MAX_ENTRIES + 1; i++)
		ks[i] = 1 + i % 3;
	ks[POL_MAX_ENTRIES + 1] = 0;
	p.n = 1;
	ext_cp(&p.c[0], ks);
	assert_int_equal(run(&p, &pp, &r, &e), SG_E_CERT_UNTRUSTED);
	/* Path length */
	assert_int_equal(pol_init(&(struct pol_state){0}, NULL, POL_MAX_DEPTH + 1, &e),
			 SG_E_CERT_UNTRUSTED);
}

/* Malformed or repeated extensions refuse the path, naming them. */
static void test_malformed(void **state)
{
	struct path p;
	struct pol_result r;
	struct sg_error e;
	struct der v = {.n = 0};

	(void)state;
	memset(&p, 0, sizeof(p));
	p.n = 1;
	CP(&p.c[0], 1);
	CP(&p.c[0], 2);
	assert_int_equal(run(&p, NULL, &r, &e), SG_E_CERT_PARSE);
	assert_string_equal(e.detail, "CN=cert1: its certificatePolicies is malformed");
	/* An empty SEQUENCE of policies, a negative SkipCerts, trailing bytes. */
	memset(&p, 0, sizeof(p));
	p.n = 1;
	tlv(&v, 0x30, "", 0);
	ext_add(&p.c[0], 0x20, 0, &v);
	assert_int_equal(run(&p, NULL, &r, &e), SG_E_CERT_PARSE);
	memset(&p, 0, sizeof(p));
	p.n = 1;
	v.n = 0;
	tlv(&v, 0x02, "\xff", 1);
	ext_add(&p.c[0], 0x36, 1, &v);
	assert_int_equal(run(&p, NULL, &r, &e), SG_E_CERT_PARSE);
	assert_string_equal(e.detail, "CN=cert1: its inhibitAnyPolicy is malformed");
	memset(&p, 0, sizeof(p));
	p.n = 1;
	v.n = 0;
	tlv(&v, 0x30, "\x80\x01\x00\x05", 4);
	ext_add(&p.c[0], 0x24, 1, &v);
	assert_int_equal(run(&p, NULL, &r, &e), SG_E_CERT_PARSE);
	/* A broken list around them. */
	struct pol_state st;
	assert_int_equal(pol_init(&st, NULL, 1, &e), SG_OK);
	assert_int_equal(pol_cert_ext(&st, (const uint8_t *)"\x30\x05\x30", 3, 0, "CN=x", &e),
			 SG_E_CERT_PARSE);
	assert_string_equal(e.detail, "CN=x: its extension list is malformed");
	/* Once failed, it stays failed. */
	assert_int_equal(pol_finish(&st, &r, &e), SG_E_CERT_PARSE);
	pol_free(&st);
	pol_free(&st);
	/* Too few certificates for the path announced. */
	assert_int_equal(pol_init(&st, NULL, 2, &e), SG_OK);
	assert_int_equal(pol_cert_ext(&st, NULL, 0, 0, "CN=x", &e), SG_OK);
	assert_int_equal(pol_finish(&st, &r, &e), SG_E_INTERNAL);
	pol_free(&st);
}

static void test_set_check(void **state)
{
	static const char *const good[] = {"", "  ", "1.2", "2.999.1", P(1), P(1) "," P(2),
					   " " P(1) " ,\t" P(2) " ", "0.39", "2.5.29.32.0",
					   "1.2.72057594037927935"};
	static const char *const bad[] = {"1", "1.", ".1", "1..2", "3.1", "1.40", "01.2", "1.02",
					  "a.b", "1.2,", ",1.2", "1.2,,1.3", "1.2 1.3", "1.2.-3",
					  "1.2.72057594037927936123",
					  /* 41 bytes encoded */
					  ("1.2.1000000.1000000.1000000.1000000.1000000.1000000.1000000."
					   "1000000.1000000.1000000.1000000.1000000.1000000.1")};
	struct sg_error e;
	struct pol_state st;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		print_message("good: '%s'\n", good[i]);
		assert_int_equal(pol_set_check(good[i], &e), SG_OK);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("bad: '%s'\n", bad[i]);
		assert_int_equal(pol_set_check(bad[i], &e), SG_E_CONFIG);
	}
	assert_int_equal(pol_set_check("1.2,x", &e), SG_E_CONFIG);
	assert_string_equal(e.detail, "'x' is not a policy OID (dotted decimal, e.g. "
				      "2.16.840.1.101.3.2.1.3.13, at most 40 bytes encoded)");
	assert_int_equal(pol_set_check("1.1,1.2,1.3,1.4,1.5,1.6,1.7,1.8,1.9,1.10,1.11,1.12,1.13,"
				       "1.14,1.15,1.16,1.17", &e),
			 SG_E_CONFIG);
	assert_string_equal(e.detail, "more than 16 policies");
	/* pol_init refuses what the check refuses. */
	struct pol_params pp = params("1.2,zz", 0, 0, 0);
	assert_int_equal(pol_init(&st, &pp, 1, &e), SG_E_CONFIG);
	pol_free(&st);
}

/* pol_ext_cb: the four policy extensions pass, critical or not; another
 * unknown critical one does not. */
static void test_ext_cb(void **state)
{
	uint8_t ids[] = {0x20, 0x21, 0x24, 0x36, 0x1e};
	uint8_t o[3] = {0x55, 0x1d, 0};
	mbedtls_x509_buf b = {MBEDTLS_ASN1_OID, 3, o};

	(void)state;
	for (size_t i = 0; i < sizeof(ids); i++) {
		o[2] = ids[i];
		assert_int_equal(pol_ext_known(&b), i < 4);
		assert_int_equal(pol_ext_cb(NULL, NULL, &b, 1, o, o) == 0, i < 4);
		assert_int_equal(pol_ext_cb(NULL, NULL, &b, 0, o, o), 0);
	}
}

/* ---- PKITS 4.8-4.12 ------------------------------------------------------- */

static const char *top(void)
{
	const char *t = getenv("SIGNET_TOP");
	return t && *t ? t : ".";
}

static int load_cert(mbedtls_x509_crt *c, const char *stem)
{
	char path[512];
	FILE *f;
	static uint8_t buf[16384];
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/pkits/certs/%s.crt", top(), stem);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return mbedtls_x509_crt_parse_der_with_ext_cb(c, buf, n, 1, pol_ext_cb, NULL);
}

/* The manifest's policy names as OIDs: "NIST-test-policy-1,..." */
static void nist_set(const char *in, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	if (!strcmp(in, "-") || !strcmp(in, "''"))
		return;
	for (const char *p = in; *p;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		if (!strncmp(p, "anyPolicy", n) && n == 9)
			o += (size_t)snprintf(out + o, len - o, "%s2.5.29.32.0", o ? ", " : "");
		else if (n > 17 && !strncmp(p, "NIST-test-policy-", 17))
			o += (size_t)snprintf(out + o, len - o, "%s2.16.840.1.101.3.2.1.48.%.*s",
					      o ? ", " : "", (int)(n - 17), p + 17);
		p += n + (c != NULL);
	}
}

static void test_pkits(void **state)
{
	char path[512], line[4096];
	FILE *f;
	int total = 0, right = 0, sets = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/pkits/manifest.tsv", top());
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *fld[10], *save = NULL, *p = line;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		for (; n < 10 && p; n++) {
			fld[n] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (n < 10 || (strncmp(fld[0], "4.8.", 4) && strncmp(fld[0], "4.9.", 4) &&
			       strncmp(fld[0], "4.10.", 5) && strncmp(fld[0], "4.11.", 5) &&
			       strncmp(fld[0], "4.12.", 5)))
			continue;
		mbedtls_x509_crt chain[POL_MAX_DEPTH];
		int count = 0, parse_ok = 1;
		char certs[1024];

		snprintf(certs, sizeof(certs), "%s", fld[2]);
		for (char *t = strtok_r(certs, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (t == certs)
				continue; /* the trust anchor */
			mbedtls_x509_crt_init(&chain[count]);
			if (load_cert(&chain[count++], t))
				parse_ok = 0;
		}
		struct pol_params pp;
		struct pol_state st;
		struct pol_result r;
		struct sg_error e;
		sg_err rc;

		memset(&pp, 0, sizeof(pp));
		nist_set(fld[5], pp.policies, sizeof(pp.policies));
		pp.require_explicit = !strcmp(fld[6], "true");
		pp.inhibit_mapping = !strcmp(fld[8], "true");
		pp.inhibit_any = !strcmp(fld[9], "true");
		sg_error_init(&e);
		memset(&r, 0, sizeof(r));
		assert_true(parse_ok);
		rc = pol_init(&st, &pp, count, &e);
		for (int i = 0; !rc && i < count; i++) {
			const mbedtls_x509_crt *c = &chain[i];
			int self = c->subject_raw.len == c->issuer_raw.len &&
				   !memcmp(c->subject_raw.p, c->issuer_raw.p, c->issuer_raw.len);

			rc = pol_cert(&st, c, self, &e);
		}
		if (!rc)
			rc = pol_finish(&st, &r, &e);
		pol_free(&st);
		int valid = rc == SG_OK, want = !strcmp(fld[4], "valid");
		int set_ok = 1;

		/* The user-constrained set, when the suite gives it. */
		if (valid && strcmp(fld[7], "-")) {
			char want_set[512], got[POL_SET_TEXT + 16];

			nist_set(fld[7], want_set, sizeof(want_set));
			snprintf(got, sizeof(got), "%s", r.user_any ? "2.5.29.32.0" : r.user);
			set_ok = !strcmp(got, want_set);
			sets++;
		}
		total++;
		if (valid == want && set_ok)
			right++;
		else
			print_message("PKITS %s %s: got %s (%s) [%s], want %s [%s]\n", fld[0], fld[1],
				      valid ? "valid" : "invalid", e.detail, r.user, fld[4], fld[7]);
		if (!want && !valid)
			print_message("  %s %s: %s\n", fld[0], fld[1], e.detail);
		for (int i = 0; i < count; i++)
			mbedtls_x509_crt_free(&chain[i]);
	}
	fclose(f);
	print_message("PKITS 4.8-4.12 through the policy module: %d of %d right "
		      "(%d user-constrained sets compared)\n", right, total, sets);
	assert_int_equal(right, total);
	assert_int_equal(total, 88);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_policy),
		cmocka_unit_test(test_any_policy),
		cmocka_unit_test(test_require_explicit),
		cmocka_unit_test(test_mapping),
		cmocka_unit_test(test_mapping_any_refused),
		cmocka_unit_test(test_inhibit_any),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_set_check),
		cmocka_unit_test(test_ext_cb),
		cmocka_unit_test(test_pkits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
