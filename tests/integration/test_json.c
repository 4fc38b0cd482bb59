/*
 * test_json.c: what signet prints with --json is JSON that a real parser
 * takes, whatever bytes the certificates hold. python3's json module (and
 * its strict UTF-8 decoder) reads:
 *   - documents written by firmware/cli/json.c with ill-formed UTF-8 (overlong
 *     forms, surrogates, truncated sequences, 0xFF, Latin-1) in strings and
 *     keys, the cases of tests/unit/test_json.c and 5000 pseudo-random
 *     byte strings; each value must equal the bytes decoded by Python with
 *     errors="replace" (one U+FFFD per maximal ill-formed subpart);
 *   - `signet verify --json --identity ...` on a certificate, made with
 *     openssl, whose subjectAltName URI holds a Latin-1 byte (0xE9).
 * (enroll and renew --json are parsed the same way in test_enroll.)
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "itest.h"
#include "json.h"

#define N_RANDOM 5000

static const char *const nasty[] = {
	"jos\xe9@example.test", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",
	"\xc0\x80", "\xed\xa0\x80", "\xed\xbf\xbf", "\xed\xa0\xbd\xed\xb8\x80", "\xf4\x90\x80\x80",
	"\xf5\x80", "\xfe\xff", "\x80", "a\xc3", "a\xe2\x82", "a\xf0\x9d\x84", "\xe2\x82\x41",
	"\xf0\x9d\"x", "\xe2\xc3\xa9", "\xc3\n", "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e",
	"\xf4\x8f\xbf\xbf", "\x01\x1f\x7f\"\\",
};

static uint32_t rng = 0x13572468u;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Bytes that hit every branch: ASCII, control bytes, lead and
 * continuation bytes, and the lead bytes' boundary second bytes. */
static size_t random_bytes(char *b, size_t cap)
{
	static const unsigned char edge[] = {0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2,
					     0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
	size_t n = next() % cap;

	for (size_t i = 0; i < n; i++) {
		uint32_t r = next();

		switch (r % 4) {
		case 0: b[i] = (char)(0x20 + (r >> 8) % 0x5f); break;
		case 1: b[i] = (char)((r >> 8) % 0x20); break;
		case 2: b[i] = (char)edge[(r >> 8) % sizeof(edge)]; break;
		default: b[i] = (char)(0x80 + (r >> 8) % 0x80); break;
		}
	}
	return n;
}

/* [[HEX, STRING], ...] and [{KEY: HEX}, ...], written by json.c: python3
 * reads the file as strict UTF-8 JSON, decodes each HEX with
 * errors="replace" and compares. */
static void test_parsed_back_by_python(void **state)
{
	const size_t n_nasty = sizeof(nasty) / sizeof(nasty[0]);
	char path[600], b[48], key[48];
	FILE *f;
	struct json j;
	(void)state;

	snprintf(path, sizeof(path), "%s/strings.json", itest_scratch());
	f = fopen(path, "w");
	assert_non_null(f);
	json_init(&j, f);
	json_obj_begin(&j);
	json_key(&j, "values");
	json_arr_begin(&j);
	for (size_t i = 0; i < n_nasty + N_RANDOM; i++) {
		const char *s = b;
		size_t n;

		if (i < n_nasty)
			s = nasty[i], n = strlen(s);
		else
			n = random_bytes(b, sizeof(b));
		json_arr_begin(&j);
		json_hex(&j, (const uint8_t *)s, n);
		json_strn(&j, s, n);
		json_arr_end(&j);
	}
	json_arr_end(&j);
	/* Keys are C strings: no NUL inside. */
	json_key(&j, "keys");
	json_arr_begin(&j);
	for (size_t i = 0; i < n_nasty + N_RANDOM / 10; i++) {
		if (i < n_nasty) {
			snprintf(key, sizeof(key), "%s", nasty[i]);
		} else {
			size_t n = random_bytes(key, sizeof(key) - 1);

			key[n] = 0;
		}
		json_obj_begin(&j);
		json_key(&j, key);
		json_hex(&j, (const uint8_t *)key, strlen(key));
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(itest_sh("python3 -c 'import json, sys\n"
				  "d = json.load(open(sys.argv[1], encoding=\"utf-8\"))\n"
				  "for h, s in d[\"values\"]:\n"
				  "    assert s == bytes.fromhex(h).decode(\"utf-8\", \"replace\"), (h, s)\n"
				  "for o in d[\"keys\"]:\n"
				  "    (k, h), = o.items()\n"
				  "    assert k == bytes.fromhex(h).decode(\"utf-8\", \"replace\"), (h, k)\n"
				  "print(len(d[\"values\"]), \"values,\", len(d[\"keys\"]), \"keys\")' '%s'",
				  path),
			 0);
}

/* The defect as it was met: a Latin-1 e-acute in a subjectAltName URI,
 * through `signet verify --json --identity`. */
static void test_verify_latin1_san(void **state)
{
	const char *s = itest_scratch();
	char out[8192];
	(void)state;

	assert_int_equal(itest_sh("set -e; cd '%1$s'; %2$s/tools/testpki pki >/dev/null; "
				  "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
				  "-out jose.key 2>/dev/null; "
				  "openssl req -new -key jose.key -subj '/O=signet test/CN=jose' "
				  "-out jose.csr; "
				  "printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
				  "subjectAltName=URI:sip:jos\351@example.test\n' >jose.ext; "
				  "openssl x509 -req -in jose.csr -CA pki/ca.crt -CAkey pki/ca.key "
				  "-CAserial pki/serial -days 30 -extfile jose.ext -out jose.crt 2>/dev/null; "
				  "openssl x509 -in jose.crt -outform DER | grep -aq \"$(printf 'jos\\351')\"",
				  s, itest_top()),
			 0);
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out),
					  "verify --cert %1$s/jose.crt --ca %1$s/pki/ca.crt --revocation none "
					  "--identity sip:alice@example.test --json >%1$s/verify.json",
					  s),
			 6);
	assert_int_equal(itest_sh("python3 -c 'import json, sys\n"
				  "d = json.load(open(sys.argv[1], encoding=\"utf-8\"))\n"
				  "c = [c for c in d[\"checks\"] if c[\"check\"] == \"identity\"][0]\n"
				  "assert \"sip:jos\\ufffd@example.test\" in c[\"detail\"], c\n"
				  "assert d[\"exit_code\"] == 6' '%s/verify.json'",
				  s),
			 0);
}

/* A UTF-8 subject (openssl -utf8) shown as UTF-8 by `signet verify`, in
 * text and in --json, not as mbedTLS's '?'; a control character in it
 * escaped as \xNN. */
static void test_verify_utf8_name(void **state)
{
	const char *s = itest_scratch();
	char out[8192];
	(void)state;

	assert_int_equal(itest_sh("set -e; cd '%1$s'; %2$s/tools/testpki pki >/dev/null; "
				  "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
				  "-out jm.key 2>/dev/null; "
				  "openssl req -new -utf8 -key jm.key "
				  "-subj \"/O=signet test/CN=J$(printf '\\303\\274')rgen "
				  "M$(printf '\\303\\274')ller/OU=a$(printf '\\007')b\" -out jm.csr; "
				  "printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' "
				  ">jm.ext; "
				  "openssl x509 -req -in jm.csr -CA pki/ca.crt -CAkey pki/ca.key "
				  "-CAserial pki/serial -days 30 -extfile jm.ext -out jm.crt 2>/dev/null",
				  s, itest_top()),
			 0);
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out),
					  "verify --cert %1$s/jm.crt --ca %1$s/pki/ca.crt --revocation none",
					  s),
			 0);
	assert_non_null(strstr(out, "Certificate: O=signet test, CN=J\xc3\xbcrgen M\xc3\xbcller, "
				    "OU=a\\x07b\n"));
	assert_null(strstr(out, "J??rgen"));
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out),
					  "verify --cert %1$s/jm.crt --ca %1$s/pki/ca.crt --revocation none "
					  "--json >%1$s/jm.json",
					  s),
			 0);
	assert_int_equal(itest_sh("python3 -c 'import json, sys\n"
				  "d = json.load(open(sys.argv[1], encoding=\"utf-8\"))\n"
				  "assert d[\"subject\"] == \"O=signet test, CN=J\\u00fcrgen M\\u00fcller, "
				  "OU=a\\\\x07b\", d' '%s/jm.json'",
				  s),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsed_back_by_python),
		cmocka_unit_test(test_verify_latin1_san),
		cmocka_unit_test(test_verify_utf8_name),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
