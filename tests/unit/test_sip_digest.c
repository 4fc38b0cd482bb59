/*
 * test_sip_digest.c: Digest authentication (sip/sip_digest.c) against the
 * published examples (RFC 2069, RFC 2617 3.5, RFC 7616 3.9.1), and the
 * Authorization header it writes: parsed back as a server would, its
 * response recomputed from what it carries, nc counting, challenges it
 * must refuse. The RNG is the test port's (deterministic).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "port_test.h"
#include "sip_digest.h"

struct vec {
	const char *name;
	enum sip_digest_alg alg;
	const char *user, *realm, *pw, *method, *uri, *nonce, *nc, *cnonce, *qop;
	const char *want;
};

static const struct vec vecs[] = {
	{"RFC 2069 (no qop)", SIP_DIGEST_MD5, "Mufasa", "testrealm@host.com", "CircleOfLife", "GET",
	 "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", NULL, NULL, NULL,
	 "1949323746fe6a43ef61f9606e7febea"},
	{"RFC 2617 3.5", SIP_DIGEST_MD5, "Mufasa", "testrealm@host.com", "Circle Of Life", "GET",
	 "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth",
	 "6629fae49393a05397450978507c4ef1"},
	{"RFC 7616 3.9.1 MD5", SIP_DIGEST_MD5, "Mufasa", "http-auth@example.org", "Circle of Life",
	 "GET", "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
	 "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth",
	 "8ca523f5e9506fed4657c9700eebdbec"},
	{"RFC 7616 3.9.1 SHA-256", SIP_DIGEST_SHA256, "Mufasa", "http-auth@example.org",
	 "Circle of Life", "GET", "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
	 "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth",
	 "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
};

static void test_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		char out[SIP_DIGEST_HEX_MAX];
		struct sg_error e;

		sg_error_init(&e);
		assert_int_equal(sip_digest_compute(v->alg, v->user, v->realm,
						    (const uint8_t *)v->pw, strlen(v->pw), v->method,
						    v->uri, v->nonce, v->nc, v->cnonce, v->qop, out,
						    &e),
				 SG_OK);
		if (strcmp(out, v->want))
			fail_msg("%s: %s != %s", v->name, out, v->want);
		assert_true(sip_digest_equal(out, v->want));
	}
}

static void test_equal(void **state)
{
	(void)state;
	assert_true(sip_digest_equal("", ""));
	assert_true(sip_digest_equal("abc", "abc"));
	assert_false(sip_digest_equal("abc", "abd"));
	assert_false(sip_digest_equal("abc", "ab"));
	assert_false(sip_digest_equal("abc", "abcd"));
}

static struct sip_challenge challenge(const char *realm, const char *nonce, const char *alg,
				      const char *qop, const char *opaque, int stale)
{
	struct sip_challenge c;

	memset(&c, 0, sizeof(c));
	c.scheme.p = "Digest";
	c.scheme.len = 6;
	c.realm.p = realm;
	c.realm.len = strlen(realm);
	c.nonce.p = nonce;
	c.nonce.len = strlen(nonce);
	c.algorithm.p = alg;
	c.algorithm.len = strlen(alg);
	c.qop.p = qop;
	c.qop.len = strlen(qop);
	c.opaque.p = opaque;
	c.opaque.len = strlen(opaque);
	c.stale = stale;
	return c;
}

/* Parses "Digest a=b, ..." the way a registrar would (our own param
 * reader), and checks the response with the password. */
static void check_header(const char *hdr, enum sip_digest_alg alg, const char *pw,
			 const char *want_nc, int want_opaque)
{
	struct sip_str params = {hdr + 7, strlen(hdr) - 7}, v;
	char user[64], realm[64], nonce[64], uri[64], resp[80], nc[16], cnonce[64];
	char want[SIP_DIGEST_HEX_MAX];
	struct sg_error e;

	assert_memory_equal(hdr, "Digest ", 7);
#define GET(name, buf)                                                     \
	do {                                                               \
		assert_true(sip_param(params, ',', name, &v));             \
		assert_int_equal(sip_str_copy(v, buf, sizeof(buf)), 0);    \
	} while (0)
	GET("username", user);
	GET("realm", realm);
	GET("nonce", nonce);
	GET("uri", uri);
	GET("response", resp);
	assert_true(sip_param(params, ',', "algorithm", &v));
	assert_true(sip_str_eq(v, sip_digest_alg_name(alg)));
	assert_int_equal(sip_param(params, ',', "opaque", &v), want_opaque);
	if (want_nc) {
		char qop[16];

		GET("nc", nc);
		GET("cnonce", cnonce);
		GET("qop", qop);
		assert_string_equal(nc, want_nc);
		assert_string_equal(qop, "auth");
		assert_int_equal(strlen(cnonce), 32);
	} else {
		assert_false(sip_param(params, ',', "qop", &v));
		assert_false(sip_param(params, ',', "nc", &v));
	}
#undef GET
	sg_error_init(&e);
	assert_int_equal(sip_digest_compute(alg, user, realm, (const uint8_t *)pw, strlen(pw),
					    "REGISTER", uri, nonce, want_nc ? nc : NULL,
					    want_nc ? cnonce : NULL, want_nc ? "auth" : NULL, want,
					    &e),
			 SG_OK);
	assert_true(sip_digest_equal(want, resp));
	assert_null(strstr(hdr, pw)); /* the password never travels */
}

static void test_header_and_nc(void **state)
{
	struct port_test *pt = port_test_new();
	struct hal hal;
	struct sip_digest d;
	struct sip_challenge c;
	struct sg_error e;
	char hdr[1024], first_cnonce[40];
	static const char pw[] = "s3cret pass";

	(void)state;
	assert_non_null(pt);
	port_test_hal(pt, &hal);
	memset(&d, 0, sizeof(d));
	sg_error_init(&e);

	c = challenge("example.org", "n1", "SHA-256", "auth,auth-int", "op1", 0);
	assert_true(sip_digest_supported(&c));
	assert_int_equal(sip_digest_take(&d, &c, 0, &e), SG_OK);
	assert_int_equal(sip_digest_header(&d, &hal.rng, "alice", (const uint8_t *)pw,
					   strlen(pw), "REGISTER", "sips:example.org", hdr,
					   sizeof(hdr), &e),
			 SG_OK);
	check_header(hdr, SIP_DIGEST_SHA256, pw, "00000001", 1);
	snprintf(first_cnonce, sizeof(first_cnonce), "%s", strstr(hdr, "cnonce="));
	assert_int_equal(sip_digest_header(&d, &hal.rng, "alice", (const uint8_t *)pw,
					   strlen(pw), "REGISTER", "sips:example.org", hdr,
					   sizeof(hdr), &e),
			 SG_OK);
	check_header(hdr, SIP_DIGEST_SHA256, pw, "00000002", 1);
	assert_string_not_equal(first_cnonce, strstr(hdr, "cnonce=")); /* fresh each time */

	/* the same nonce again (stale, say) keeps counting; a new one restarts */
	assert_int_equal(sip_digest_take(&d, &c, 0, &e), SG_OK);
	assert_int_equal(d.nc, 2);
	c = challenge("example.org", "n2", "md5", "", "", 1);
	assert_int_equal(sip_digest_take(&d, &c, 1, &e), SG_OK);
	assert_int_equal(d.nc, 0);
	assert_true(d.proxy);
	assert_int_equal(sip_digest_header(&d, &hal.rng, "alice", (const uint8_t *)pw,
					   strlen(pw), "REGISTER", "sip:example.org", hdr,
					   sizeof(hdr), &e),
			 SG_OK);
	check_header(hdr, SIP_DIGEST_MD5, pw, NULL, 0);

	/* too small a buffer, a user name that would break the header */
	assert_int_equal(sip_digest_header(&d, &hal.rng, "alice", (const uint8_t *)pw,
					   strlen(pw), "REGISTER", "sip:example.org", hdr, 40, &e),
			 SG_E_NOMEM);
	assert_string_equal(hdr, "");
	assert_int_equal(sip_digest_header(&d, &hal.rng, "al\"ice", (const uint8_t *)pw,
					   strlen(pw), "REGISTER", "sip:example.org", hdr,
					   sizeof(hdr), &e),
			 SG_E_CONFIG);
	/* a failing RNG gives no predictable cnonce */
	port_test_fault(pt, PORT_TEST_FAULT_RNG, 0);
	assert_int_equal(sip_digest_header(&d, &hal.rng, "alice", (const uint8_t *)pw,
					   strlen(pw), "REGISTER", "sip:example.org", hdr,
					   sizeof(hdr), &e),
			 SG_E_INTERNAL);
	port_test_free(pt);
}

struct refuse {
	const char *alg, *qop;
	sg_err err;
	const char *detail;
};

static const struct refuse refusals[] = {
	{"MD5-sess", "auth", SG_E_REFUSED, "MD5-sess"},
	{"SHA-512-256", "auth", SG_E_REFUSED, "SHA-512-256"},
	{"MD5", "auth-int", SG_E_REFUSED, "auth-int"},
	{"", "auth-conf", SG_E_REFUSED, "qop"},
};

static void test_refused(void **state)
{
	size_t i;
	struct sip_digest d;
	struct sip_challenge c;
	struct sg_error e;
	char big[400];

	(void)state;
	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		memset(&d, 0, sizeof(d));
		sg_error_init(&e);
		c = challenge("r", "n", refusals[i].alg, refusals[i].qop, "", 0);
		assert_false(sip_digest_supported(&c));
		assert_int_equal(sip_digest_take(&d, &c, 0, &e), refusals[i].err);
		assert_non_null(strstr(e.detail, refusals[i].detail));
	}
	c = challenge("r", "n", "", "", "", 0);
	c.scheme.p = "Basic";
	c.scheme.len = 5;
	assert_false(sip_digest_supported(&c));
	assert_int_equal(sip_digest_take(&d, &c, 0, &e), SG_E_REFUSED);
	assert_non_null(strstr(e.detail, "Basic"));
	memset(big, 'n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	c = challenge("r", big, "", "", "", 0);
	assert_int_equal(sip_digest_take(&d, &c, 0, &e), SG_E_MALFORMED);
	c = challenge("r\"x", "n", "", "", "", 0);
	assert_int_equal(sip_digest_take(&d, &c, 0, &e), SG_E_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_header_and_nc),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
