/* test_crl.c: CRLs without nextUpdate go stale (thisUpdate + a maximum
 * age) instead of counting for ever, and a definite "revoked" wins over a
 * CA without an answer; at chosen times on the test port's clock. The PKI
 * is tools/revpki's (openssl), the CRLs openssl's `ca -gencrl`, with the
 * nextUpdate taken out by tools/crl-no-nextupdate (openssl always writes
 * one). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "certcheck.h"
#include "crl.h"
#include "port_test.h"
#include "revoke.h"

#define DAY 86400
#define SKEW 300

static char dir[512];
static int64_t t0; /* the CRLs' thisUpdate */
static mbedtls_x509_crt root, inter, alice, revoked;
static struct crl nonu, withnu; /* without / with nextUpdate */
static struct crl_list nonu_list;  /* nonu, as configured */
static uint8_t nonu_der[8192], withnu_der[8192];
static size_t nonu_len, withnu_len;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int n = snprintf(cmd, sizeof(cmd), "cd '%s' && (", dir);

	va_start(ap, fmt);
	n += vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, ") >>log 2>&1");
	return system(cmd);
}

static int load_crt(mbedtls_x509_crt *c, const char *name)
{
	char p[640];

	mbedtls_x509_crt_init(c);
	snprintf(p, sizeof(p), "%s/%s.crt", dir, name);
	return mbedtls_x509_crt_parse_file(c, p);
}

static int group_setup(void **state)
{
	const char *base = getenv("SIGNET_SCRATCH"), *top = getenv("SIGNET_TOP");
	char p[640], when[32], next[32];
	time_t a, b;
	FILE *f;
	(void)state;

	snprintf(dir, sizeof(dir), "%s/crl-pki.XXXXXX", base ? base : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	/* Ports 1 and 2: the distribution points and responders named in the
	 * certificates lead nowhere (the test port has no network anyway). */
	if (sh("'%s/tools/revpki' \"$PWD/pki\" 1 2", top ? top : "."))
		return -1;
	t0 = (int64_t)time(NULL) + 120; /* after the certificates' notBefore */
	a = (time_t)t0;
	b = (time_t)(t0 + 3 * DAY);
	strftime(when, sizeof(when), "%Y%m%d%H%M%SZ", gmtime(&a));
	strftime(next, sizeof(next), "%Y%m%d%H%M%SZ", gmtime(&b));
	if (sh("cd pki && openssl ca -config inter/ca.cnf -cert inter.crt -keyfile inter.key "
	       "-gencrl -crl_lastupdate %s -crl_nextupdate %s -out nu.pem && "
	       "openssl crl -in nu.pem -outform DER -out nu.der && "
	       "'%s/tools/crl-no-nextupdate' nu.der inter.key nonu.der",
	       when, next, top ? top : "."))
		return -1;
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/pki");
	if (load_crt(&root, "root") || load_crt(&inter, "inter") || load_crt(&alice, "alice") ||
	    load_crt(&revoked, "revoked"))
		return -1;
	snprintf(p, sizeof(p), "%s/nonu.der", dir);
	f = fopen(p, "rb");
	if (!f)
		return -1;
	nonu_len = fread(nonu_der, 1, sizeof(nonu_der), f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/nu.der", dir);
	f = fopen(p, "rb");
	if (!f)
		return -1;
	withnu_len = fread(withnu_der, 1, sizeof(withnu_der), f);
	fclose(f);
	crl_list_init(&nonu_list);
	if (crl_parse(&nonu, nonu_der, nonu_len, NULL) ||
	    crl_parse(&withnu, withnu_der, withnu_len, NULL) ||
	    crl_list_add(&nonu_list, nonu_der, nonu_len, NULL))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	mbedtls_x509_crt_free(&root);
	mbedtls_x509_crt_free(&inter);
	mbedtls_x509_crt_free(&alice);
	mbedtls_x509_crt_free(&revoked);
	crl_list_free(&nonu_list);
	/* The scratch directory goes with SIGNET_SCRATCH; elsewhere, remove it. */
	if (!getenv("SIGNET_SCRATCH"))
		sh("cd / && rm -rf '%s/..'", dir);
	return 0;
}

/* openssl made them as meant: the same thisUpdate, one without nextUpdate. */
static void test_fixtures(void **state)
{
	(void)state;
	assert_int_equal(nonu.this_update, t0);
	assert_int_equal(nonu.next_update, 0);
	assert_int_equal(withnu.next_update, t0 + 3 * DAY);
	assert_int_equal(crl_expiry(&nonu, 3600), t0 + 3600);
	assert_int_equal(crl_expiry(&withnu, 3600), t0 + 3 * DAY);
}

static const struct age_case {
	const char *name;
	int next;        /* the CRL with nextUpdate */
	int max_age;     /* 0: the default, 7 days */
	int64_t at;      /* after t0 */
	sg_err want;
	const char *detail;
} age_cases[] = {
	{"fresh", 0, 0, DAY, SG_OK, NULL},
	{"default age, edge within skew", 0, 0, 7 * DAY + SKEW, SG_OK, NULL},
	{"default age, past it", 0, 0, 7 * DAY + SKEW + 1, SG_E_REVOCATION_UNAVAILABLE, "too old"},
	{"a year on", 0, 0, 365 * DAY, SG_E_REVOCATION_UNAVAILABLE, "no nextUpdate"},
	{"max age 1 h, edge", 0, 3600, 3600 + SKEW, SG_OK, NULL},
	{"max age 1 h, past it", 0, 3600, 3600 + SKEW + 1, SG_E_REVOCATION_UNAVAILABLE,
	 "at most 3600 s"},
	{"nextUpdate governs, not max age", 1, 60, 2 * DAY, SG_OK, NULL},
	{"nextUpdate passed", 1, 30 * DAY, 3 * DAY + SKEW + 1, SG_E_REVOCATION_UNAVAILABLE,
	 "out of date"},
};

static void test_age(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(age_cases) / sizeof(age_cases[0]); i++) {
		const struct age_case *c = &age_cases[i];
		const struct crl *crl = c->next ? &withnu : &nonu;
		struct crl_entry en;
		struct sg_error e;
		sg_err err;

		print_message("age: %s\n", c->name);
		sg_error_init(&e);
		err = crl_verify(crl, &inter, &e);
		if (!err)
			err = crl_current(crl, t0 + c->at, SKEW,
					  c->max_age ? c->max_age : CRL_MAX_AGE_DEFAULT, &e);
		if (err != c->want)
			fail_msg("%s: got %d (%s), want %d", c->name, err, e.detail, c->want);
		if (c->detail && !strstr(e.detail, c->detail))
			fail_msg("%s: detail '%s' lacks '%s'", c->name, e.detail, c->detail);
		if (!err) {
			assert_int_equal(crl_scope(crl, &revoked, NULL), CRL_REASONS_ALL);
			assert_true(crl_lookup(crl, &revoked, &en));
			assert_int_equal(en.reason, 1); /* keyCompromise */
			assert_false(crl_lookup(crl, &alice, &en));
		}
	}
}

struct run {
	struct port_test *pt;
	struct hal hal;
	struct certcheck_policy pol;
	struct certcheck_input in;
	struct certcheck_report rep;
	struct sg_error e;
};

static void run_init(struct run *r, const mbedtls_x509_crt *who)
{
	memset(r, 0, sizeof(*r));
	r->pt = port_test_new();
	port_test_hal(r->pt, &r->hal);
	certcheck_policy_default(&r->pol);
	revoke_policy_methods(&r->pol.revoke, "crl", NULL);
	r->pol.revoke.use_cache = 0;
	r->in.der = who->raw.p;
	r->in.der_len = who->raw.len;
	r->in.anchors = &root;
	r->in.intermediates = &inter;
	r->in.crls = &nonu_list;
	sg_error_init(&r->e);
}

static sg_err run_at(struct run *r, int64_t at)
{
	port_test_clock_set_wall(r->pt, t0 + at);
	sg_error_init(&r->e);
	return certcheck_run(&r->hal, &r->pol, &r->in, &r->rep, &r->e);
}

/* A configured CRL without nextUpdate, through the whole check: it counts
 * while young; an old one replayed proves nothing about a certificate it
 * does not list, but one it lists stays revoked (revocation is final, and
 * a replay could only refuse, which blocking the network does too). */
static void test_configured_crl_on_the_clock(void **state)
{
	struct run r;
	(void)state;

	run_init(&r, &revoked);
	r.pol.revocation_scope = CERTCHECK_SCOPE_LEAF;
	assert_int_equal(run_at(&r, DAY), SG_E_REVOKED);
	assert_non_null(strstr(r.e.detail, "keyCompromise"));
	assert_false(r.rep.revocation.stale);
	assert_int_equal(run_at(&r, 8 * DAY), SG_E_REVOKED);
	assert_non_null(strstr(r.e.detail, "keyCompromise"));
	assert_true(r.rep.revocation.stale);
	r.pol.revoke.crl_max_age_s = 30 * DAY;
	assert_int_equal(run_at(&r, 8 * DAY), SG_E_REVOKED);
	assert_false(r.rep.revocation.stale);
	port_test_free(r.pt);
	run_init(&r, &alice);
	r.pol.revocation_scope = CERTCHECK_SCOPE_LEAF;
	assert_int_equal(run_at(&r, DAY), SG_OK);
	assert_int_equal(run_at(&r, 8 * DAY), SG_E_REVOCATION_UNAVAILABLE);
	assert_non_null(strstr(r.e.detail, "the CRL is too old"));
	assert_int_equal(r.rep.revocation.missing, REVOKE_MISSING_UNTRUSTED);
	port_test_free(r.pt);
}

/* Chain scope: the intermediate's distribution point cannot be reached
 * (no network), yet the end entity's CRL says revoked: revoked it is
 * (exit 7), not "status unknown". A good end entity under that
 * intermediate is unknown, and the report says the source could not be
 * reached; with scope leaf it passes, saying what was not checked. */
static void test_revoked_wins_over_unknown(void **state)
{
	struct run r;
	(void)state;

	run_init(&r, &revoked);
	assert_int_equal(run_at(&r, DAY), SG_E_REVOKED);
	assert_int_equal(r.e.code, SG_E_REVOKED);
	assert_non_null(strstr(r.e.detail, "the certificate: revoked on"));
	assert_non_null(strstr(r.e.detail, "keyCompromise"));
	assert_int_equal(r.rep.advice, CERTCHECK_ADVICE_NONE);
	port_test_free(r.pt);

	run_init(&r, &alice);
	assert_int_equal(run_at(&r, DAY), SG_E_REVOCATION_UNAVAILABLE);
	assert_non_null(strstr(r.e.detail, "the issuing CA 'CN=inter"));
	assert_non_null(strstr(r.e.detail, "could not be reached"));
	assert_non_null(strstr(r.e.detail, "no network"));
	r.pol.revocation_scope = CERTCHECK_SCOPE_LEAF;
	assert_int_equal(run_at(&r, DAY), SG_OK);
	assert_non_null(strstr(r.rep.steps[CERTCHECK_REVOCATION].text, "not revoked, says CRL"));
	assert_non_null(strstr(r.rep.steps[CERTCHECK_REVOCATION].text, "revocation_scope = leaf"));
	port_test_free(r.pt);
}

/* revoke.c's cache name for a CRL fetched from url for cert. */
static void crl_cache_name(char out[48], const char *url, const mbedtls_x509_crt *cert)
{
	mbedtls_sha256_context h;
	uint8_t d[32];

	mbedtls_sha256_init(&h);
	mbedtls_sha256_starts_ret(&h, 0);
	mbedtls_sha256_update_ret(&h, (const uint8_t *)url, strlen(url));
	mbedtls_sha256_update_ret(&h, cert->issuer_raw.p, cert->issuer_raw.len);
	mbedtls_sha256_finish_ret(&h, d);
	mbedtls_sha256_free(&h);
	int n = snprintf(out, 48, "crl-");
	for (int i = 0; i < 16; i++)
		n += snprintf(out + n, (size_t)(48 - n), "%02x", d[i]);
}

/* A cached CRL without nextUpdate: fresh until thisUpdate + max age, then
 * stale, standing in within the grace period only when the distribution
 * point cannot be reached; beyond it, no answer for a certificate it does
 * not list, but still "revoked" for one it lists (revocation is final:
 * a stale list naming it is evidence, under the soft-fail policy too). */
static void test_cached_crl_grace(void **state)
{
	struct port_test *pt = port_test_new();
	struct revoke_policy p;
	struct revoke_result res;
	struct hal hal;
	char name[48];
	(void)state;

	port_test_hal(pt, &hal);
	crl_cache_name(name, "http://127.0.0.1:1/inter.crl", &revoked);
	assert_int_equal(hal_storage_write(&hal.storage, name, nonu_der, nonu_len), HAL_OK);
	revoke_policy_default(&p);
	revoke_policy_methods(&p, "crl", NULL);
	p.crl_max_age_s = 2 * DAY;
	assert_int_equal(revoke_check(&hal, &p, &revoked, &inter, NULL, t0 + DAY, &res, NULL),
			 SG_E_REVOKED);
	assert_false(res.stale);
	assert_non_null(strstr(res.source, "(cached)"));
	assert_int_equal(revoke_check(&hal, &p, &revoked, &inter, NULL, t0 + 2 * DAY + 3600, &res,
				      NULL),
			 SG_E_REVOKED);
	assert_true(res.stale);
	assert_int_equal(revoke_check(&hal, &p, &revoked, &inter, NULL, t0 + 4 * DAY, &res, NULL),
			 SG_E_REVOKED);
	assert_true(res.stale);
	p.on_fail = REVOKE_FAIL_SOFT;
	assert_int_equal(revoke_check(&hal, &p, &revoked, &inter, NULL, t0 + 4 * DAY, &res, NULL),
			 SG_E_REVOKED);
	p.on_fail = REVOKE_FAIL_HARD;
	crl_cache_name(name, "http://127.0.0.1:1/inter.crl", &alice);
	assert_int_equal(hal_storage_write(&hal.storage, name, nonu_der, nonu_len), HAL_OK);
	assert_int_equal(revoke_check(&hal, &p, &alice, &inter, NULL, t0 + 4 * DAY, &res, NULL),
			 SG_E_REVOCATION_UNAVAILABLE);
	assert_int_equal(res.missing, REVOKE_MISSING_UNREACHABLE);
	port_test_free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_configured_crl_on_the_clock),
		cmocka_unit_test(test_revoked_wins_over_unknown),
		cmocka_unit_test(test_cached_crl_grace),
	};
	return cmocka_run_group_tests_name("crl", tests, group_setup, group_teardown);
}
