/* test_certinfo.c: certificate summaries, UTC calendar arithmetic and the
 * signature encodings. Certificates in tests/data were made with
 * tools/testpki (openssl). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "certinfo.h"
#include "sg_time.h"
#include "sig.h"

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

static void test_rsa_user(void **state)
{
	struct certinfo ci;
	size_t len;
	uint8_t *der = load("alice-rsa.der", &len);
	(void)state;

	assert_int_equal(certinfo_parse(der, len, &ci, NULL), SG_OK);
	assert_string_equal(ci.subject, "O=signet test, CN=alice");
	assert_string_equal(ci.issuer, "O=signet test, CN=signet test CA");
	assert_string_equal(ci.serial, "10:01");
	assert_string_equal(ci.key_type, "RSA");
	assert_int_equal(ci.key_bits, 2048);
	assert_false(ci.is_ca);
	assert_int_equal(ci.not_after, 1827062733);
	assert_int_equal(ci.not_after - ci.not_before, 365 * 86400);
	assert_int_equal(ci.n_names, 3);
	assert_int_equal(ci.names[0].type, CERTINFO_NAME_URI);
	assert_string_equal(ci.names[0].value, "sip:alice@example.test");
	assert_int_equal(ci.names[1].type, CERTINFO_NAME_EMAIL);
	assert_string_equal(ci.names[1].value, "alice@example.test");
	assert_int_equal(ci.names[2].type, CERTINFO_NAME_UPN);
	assert_string_equal(ci.names[2].value, "alice@example.test");
	assert_string_equal(certinfo_name_label(ci.names[2].type), "upn");
	free(der);
}

static void test_ec_ca_and_damage(void **state)
{
	struct certinfo ci;
	struct sg_error e;
	size_t len;
	uint8_t *der = load("subca-ec.der", &len);
	(void)state;

	assert_int_equal(certinfo_parse(der, len, &ci, NULL), SG_OK);
	assert_string_equal(ci.key_type, "EC");
	assert_int_equal(ci.key_bits, 256);
	assert_true(ci.is_ca);
	assert_int_equal(ci.n_names, 0);
	/* Every truncation is refused cleanly. */
	for (size_t n = 0; n < len; n += 7)
		assert_int_equal(certinfo_parse(der, n, &ci, &e), SG_E_CERT_PARSE);
	der[len / 2] ^= 0xff;
	certinfo_parse(der, len, &ci, NULL); /* may parse or not; must not crash */
	free(der);
}

static const struct {
	const char *s;
	int64_t t; /* -1: invalid */
} time_cases[] = {
	{"1970-01-01", 0},
	{"2000-02-29", 951782400},
	{"2026-11-24T13:00:00Z", 1795525200},
	{"2026-11-24 13:00", 1795525200},
	{"2038-01-19T03:14:08Z", 2147483648LL},
	{"2100-03-01", 4107542400LL},
	{"2023-02-29", -1},
	{"2023-13-01", -1},
	{"2023-1-1", -1},
	{"2023-01-01x", -1},
	{"2023-01-01T25:00", -1},
	{"", -1},
	{"yesterday", -1},
};

static void test_time(void **state)
{
	char buf[32];
	(void)state;
	for (size_t i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
		int64_t t = 0;
		sg_err err = sg_time_parse(time_cases[i].s, &t, NULL);
		print_message("case %s\n", time_cases[i].s);
		if (time_cases[i].t < 0) {
			assert_int_equal(err, SG_E_INVALID_ARG);
			continue;
		}
		assert_int_equal(err, SG_OK);
		assert_int_equal(t, time_cases[i].t);
		int64_t back;
		assert_int_equal(sg_time_parse(sg_time_format(t, buf, sizeof(buf)), &back, NULL), SG_OK);
		assert_int_equal(back, t);
	}
	assert_string_equal(sg_time_format(-1, buf, sizeof(buf)), "1969-12-31T23:59:59Z");
}

static void test_ecdsa_der(void **state)
{
	uint8_t raw[64], der[80];
	size_t len = sizeof(der);
	(void)state;

	/* r with its top bit set gets a 0x00 pad; s with leading zeros is cut. */
	memset(raw, 0, sizeof(raw));
	raw[0] = 0x80;
	raw[31] = 1;
	raw[63] = 5;
	assert_int_equal(sig_ecdsa_raw_to_der(raw, 64, der, &len), SG_OK);
	static const uint8_t want_head[] = {0x30, 0x26, 0x02, 0x21, 0x00, 0x80};
	assert_memory_equal(der, want_head, sizeof(want_head));
	assert_int_equal(len, 2 + 35 + 3);
	assert_int_equal(der[len - 3], 0x02);
	assert_int_equal(der[len - 2], 0x01);
	assert_int_equal(der[len - 1], 0x05);
	len = 10;
	assert_int_equal(sig_ecdsa_raw_to_der(raw, 64, der, &len), SG_E_NOMEM);
	len = sizeof(der);
	assert_int_equal(sig_ecdsa_raw_to_der(raw, 63, der, &len), SG_E_MALFORMED);
	assert_int_equal(sig_ecdsa_raw_to_der(raw, 0, der, &len), SG_E_MALFORMED);
}

static void test_digest_info(void **state)
{
	uint8_t h[48] = {0}, out[100];
	size_t len = sizeof(out);
	(void)state;

	assert_int_equal(sig_digest_info(h, 32, out, &len), SG_OK);
	assert_int_equal(len, 51);
	assert_int_equal(out[14], 0x01); /* sha-256 arc */
	len = sizeof(out);
	assert_int_equal(sig_digest_info(h, 48, out, &len), SG_OK);
	assert_int_equal(len, 67);
	assert_int_equal(out[14], 0x02); /* sha-384 arc */
	len = 50;
	assert_int_equal(sig_digest_info(h, 32, out, &len), SG_E_NOMEM);
	len = sizeof(out);
	assert_int_equal(sig_digest_info(h, 20, out, &len), SG_E_INTERNAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_user),
		cmocka_unit_test(test_ec_ca_and_damage),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_ecdsa_der),
		cmocka_unit_test(test_digest_info),
	};
	return cmocka_run_group_tests_name("certinfo", tests, NULL, NULL);
}
