/* test_certcheck.c: the certificate checks at chosen times on the test
 * port's clock: time unknown, skew, expiry and its warning, usage and
 * identity rules, the revocation policy without any source. Certificates
 * in tests/data were made with tools/testpki (openssl). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "certcheck.h"
#include "port_test.h"

#define ALICE_NOT_BEFORE 1795526733 /* 2026-11-24T13:25:33Z */
#define ALICE_NOT_AFTER 1827062733  /* 2027-11-24T13:25:33Z */

static mbedtls_x509_crt ca;
static uint8_t *alice, *bob;
static size_t alice_len, bob_len;

static uint8_t *load(const char *name, size_t *len)
{
	char path[512];
	const char *top = getenv("SIGNET_TOP");
	snprintf(path, sizeof(path), "%s/tests/data/%s", top ? top : ".", name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *buf = malloc(65536);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	char path[512];
	const char *top = getenv("SIGNET_TOP");
	(void)state;
	mbedtls_x509_crt_init(&ca);
	snprintf(path, sizeof(path), "%s/tests/data/test-ca.pem", top ? top : ".");
	if (mbedtls_x509_crt_parse_file(&ca, path))
		return -1;
	alice = load("alice-rsa.der", &alice_len);
	bob = load("bob-ec.der", &bob_len);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mbedtls_x509_crt_free(&ca);
	free(alice);
	free(bob);
	return 0;
}

struct run {
	struct port_test *pt;
	struct hal hal;
	struct certcheck_policy pol;
	struct certcheck_input in;
	struct certcheck_report rep;
	struct sg_error e;
};

static void run_init(struct run *r, const uint8_t *der, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->pt = port_test_new();
	port_test_hal(r->pt, &r->hal);
	certcheck_policy_default(&r->pol);
	revoke_policy_methods(&r->pol.revoke, "none", NULL);
	r->in.der = der;
	r->in.der_len = len;
	r->in.anchors = &ca;
	sg_error_init(&r->e);
}

static sg_err run_at(struct run *r, int64_t t)
{
	port_test_clock_set_wall(r->pt, t);
	return certcheck_run(&r->hal, &r->pol, &r->in, &r->rep, &r->e);
}

static void run_done(struct run *r)
{
	port_test_free(r->pt);
}

static const struct time_case {
	int64_t at;
	sg_err want;
	enum certcheck_verdict time_verdict;
	const char *says;
} time_cases[] = {
	{ALICE_NOT_BEFORE + 86400, SG_OK, CERTCHECK_PASS, "days left"},
	{ALICE_NOT_BEFORE - 200, SG_OK, CERTCHECK_PASS, NULL},  /* within the 300 s skew */
	{ALICE_NOT_BEFORE - 400, SG_E_CERT_NOT_YET_VALID, CERTCHECK_FAIL, "not valid before 2026-11-24T13:25:33Z"},
	{ALICE_NOT_AFTER - 10 * 86400, SG_OK, CERTCHECK_WARN, "renew it soon"},
	{ALICE_NOT_AFTER + 200, SG_OK, CERTCHECK_WARN, NULL},   /* within skew, 0 days left */
	{ALICE_NOT_AFTER + 400, SG_E_CERT_EXPIRED, CERTCHECK_FAIL, "expired on 2027-11-24T13:25:33Z"},
};

static void test_time(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
		const struct time_case *c = &time_cases[i];
		struct run r;

		print_message("case %zu\n", i);
		run_init(&r, alice, alice_len);
		assert_int_equal(run_at(&r, c->at), c->want);
		assert_int_equal(r.rep.steps[CERTCHECK_TIME].verdict, c->time_verdict);
		if (c->says)
			assert_non_null(strstr(r.rep.steps[CERTCHECK_TIME].text, c->says));
		assert_int_equal(r.rep.steps[CERTCHECK_CHAIN].verdict, CERTCHECK_PASS);
		run_done(&r);
	}
}

static void test_time_unknown_and_given(void **state)
{
	struct run r;
	(void)state;

	run_init(&r, alice, alice_len);
	port_test_clock_set_wall_unknown(r.pt);
	assert_int_equal(certcheck_run(&r.hal, &r.pol, &r.in, &r.rep, &r.e), SG_E_TIME_UNKNOWN);
	assert_int_equal(r.e.code, SG_E_TIME_UNKNOWN);
	assert_non_null(strstr(r.e.detail, "does not know"));
	/* An explicit time needs no clock. */
	r.in.at = ALICE_NOT_BEFORE + 3600;
	r.in.at_set = 1;
	assert_int_equal(certcheck_run(&r.hal, &r.pol, &r.in, &r.rep, &r.e), SG_OK);
	run_done(&r);
}

static void test_usage_and_identity(void **state)
{
	struct run r;
	(void)state;

	/* bob: EKU clientAuth + smart-card logon; names sip/upn/email bob@example.test. */
	run_init(&r, bob, bob_len);
	r.in.identity = "sip:bob@example.test";
	assert_int_equal(run_at(&r, ALICE_NOT_BEFORE + 86400), SG_OK);
	r.pol.allow_client_auth = 0;
	assert_int_equal(run_at(&r, ALICE_NOT_BEFORE + 86400), SG_OK); /* smart-card logon */
	r.pol.allow_smartcard_logon = 0;
	assert_int_equal(run_at(&r, ALICE_NOT_BEFORE + 86400), SG_E_CERT_USAGE);
	assert_non_null(strstr(r.e.detail, "extended key usage"));
	r.pol.allow_client_auth = 1;
	r.in.identity = "sip:alice@example.test";
	assert_int_equal(run_at(&r, ALICE_NOT_BEFORE + 86400), SG_E_CERT_IDENTITY);
	assert_non_null(strstr(r.e.detail, "uri:sip:bob@example.test"));
	assert_non_null(strstr(r.e.detail, "not sip:alice@example.test"));
	/* CN fallback: the subject CN "bob". */
	r.in.identity = "bob";
	assert_int_equal(run_at(&r, ALICE_NOT_BEFORE + 86400), SG_E_CERT_IDENTITY);
	r.pol.cn_fallback = 1;
	assert_int_equal(run_at(&r, ALICE_NOT_BEFORE + 86400), SG_OK);
	assert_non_null(strstr(r.rep.steps[CERTCHECK_IDENTITY].text, "CN fallback"));
	run_done(&r);
}

static void test_untrusted_and_damaged(void **state)
{
	struct run r;
	mbedtls_x509_crt empty;
	(void)state;

	run_init(&r, alice, alice_len);
	mbedtls_x509_crt_init(&empty);
	mbedtls_x509_crt_parse_der(&empty, bob, bob_len); /* a leaf is no anchor for alice */
	r.in.anchors = &empty;
	assert_int_equal(run_at(&r, ALICE_NOT_BEFORE + 86400), SG_E_CERT_UNTRUSTED);
	assert_non_null(strstr(r.e.detail, "signet test CA"));
	mbedtls_x509_crt_free(&empty);
	r.in.anchors = &ca;
	r.in.der_len = alice_len / 2;
	assert_int_equal(run_at(&r, ALICE_NOT_BEFORE + 86400), SG_E_CERT_PARSE);
	run_done(&r);
}

/* No source of revocation at all (testpki certificates name none): the
 * policy decides. */
static void test_revocation_policy_without_sources(void **state)
{
	struct run r;
	(void)state;

	run_init(&r, alice, alice_len);
	revoke_policy_methods(&r.pol.revoke, "ocsp,crl", NULL);
	assert_int_equal(run_at(&r, ALICE_NOT_BEFORE + 86400), SG_E_REVOCATION_UNAVAILABLE);
	assert_int_equal(r.e.code, SG_E_REVOCATION_UNAVAILABLE);
	assert_non_null(strstr(r.e.detail, "names no responder"));
	r.pol.revoke.on_fail = REVOKE_FAIL_SOFT;
	assert_int_equal(run_at(&r, ALICE_NOT_BEFORE + 86400), SG_OK);
	assert_int_equal(r.rep.steps[CERTCHECK_REVOCATION].verdict, CERTCHECK_WARN);
	revoke_policy_methods(&r.pol.revoke, "none", NULL);
	assert_int_equal(run_at(&r, ALICE_NOT_BEFORE + 86400), SG_OK);
	assert_int_equal(r.rep.steps[CERTCHECK_REVOCATION].verdict, CERTCHECK_SKIP);
	run_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_time_unknown_and_given),
		cmocka_unit_test(test_usage_and_identity),
		cmocka_unit_test(test_untrusted_and_damaged),
		cmocka_unit_test(test_revocation_policy_without_sources),
	};
	return cmocka_run_group_tests_name("certcheck", tests, setup, teardown);
}
