/*
 * test_json.c: firmware/cli/json.c, table-driven: the bytes of a string in,
 * the exact JSON text out. Whatever the bytes, the output is valid UTF-8:
 * well-formed sequences pass as they are, control bytes are escaped, and
 * each maximal ill-formed subpart (overlong forms, surrogates, truncated
 * sequences, bytes that never occur in UTF-8) becomes one \ufffd, the
 * way Python's decoder counts them (test_json in tests/integration has
 * python3 parse the output back).
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

#include "json.h"

/* Inputs with their exact length (embedded NULs count). */
#define T(lit) lit, sizeof(lit) - 1
#define R "\\ufffd"

static const struct {
	const char *name;
	const char *in;
	size_t len;
	const char *want; /* the JSON string, quotes included */
} cases[] = {
	{"ASCII", T("sip:alice@example.test"), "\"sip:alice@example.test\""},
	{"quote and backslash", T("a\"b\\c"), "\"a\\\"b\\\\c\""},
	{"control bytes and DEL", T("a\nb\x01\x1f\x7f"), "\"a\\u000ab\\u0001\\u001f\\u007f\""},
	{"NUL inside", T("a\0b"), "\"a\\u0000b\""},
	{"two-byte e-acute", T("jos\xc3\xa9"), "\"jos\xc3\xa9\""},
	{"three-byte euro", T("\xe2\x82\xac"), "\"\xe2\x82\xac\""},
	{"four-byte G clef", T("\xf0\x9d\x84\x9e"), "\"\xf0\x9d\x84\x9e\""},
	{"smallest of each length", T("\xc2\x80\xe0\xa0\x80\xf0\x90\x80\x80"),
	 "\"\xc2\x80\xe0\xa0\x80\xf0\x90\x80\x80\""},
	{"U+D7FF, U+E000, U+FFFF, U+10FFFF", T("\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf"),
	 "\"\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf\""},
	{"Latin-1 e-acute", T("jos\xe9@example.test"), "\"jos" R "@example.test\""},
	{"Latin-1 at the end", T("jos\xe9"), "\"jos" R "\""},
	{"lone continuation bytes", T("\x80\xbf"), "\"" R R "\""},
	{"0xFE, 0xFF", T("\xfe\xff"), "\"" R R "\""},
	{"F5 and above", T("\xf5\x80\x80\x80"), "\"" R R R R "\""},
	{"overlong 2 (C0 AF: '/')", T("\xc0\xaf"), "\"" R R "\""},
	{"overlong 2 (C1 BF)", T("\xc1\xbf"), "\"" R R "\""},
	{"overlong 3 (E0 80 AF)", T("\xe0\x80\xaf"), "\"" R R R "\""},
	{"overlong 4 (F0 80 80 AF)", T("\xf0\x80\x80\xaf"), "\"" R R R R "\""},
	{"overlong NUL (C0 80)", T("\xc0\x80"), "\"" R R "\""},
	{"high surrogate", T("\xed\xa0\x80"), "\"" R R R "\""},
	{"low surrogate", T("\xed\xbf\xbf"), "\"" R R R "\""},
	{"surrogate pair (CESU-8)", T("\xed\xa0\xbd\xed\xb8\x80"), "\"" R R R R R R "\""},
	{"above U+10FFFF", T("\xf4\x90\x80\x80"), "\"" R R R R "\""},
	{"truncated 2 at the end", T("a\xc3"), "\"a" R "\""},
	{"truncated 3 at the end", T("a\xe2\x82"), "\"a" R "\""},
	{"truncated 4 at the end", T("a\xf0\x9d\x84"), "\"a" R "\""},
	{"truncated, then ASCII", T("\xe2\x82\x41"), "\"" R "A\""},
	{"truncated, then a quote", T("\xf0\x9d\"x"), "\"" R "\\\"x\""},
	{"truncated, then a new lead", T("\xe2\xc3\xa9"), "\"" R "\xc3\xa9\""},
	{"truncated, then a control byte", T("\xc3\n"), "\"" R "\\u000a\""},
};

/* What json_strn writes for in[0..len), into out. */
static void render(const char *in, size_t len, char *out, size_t cap)
{
	FILE *f = fmemopen(out, cap, "w");
	struct json j;

	assert_non_null(f);
	json_init(&j, f);
	json_strn(&j, in, len);
	assert_int_equal(fclose(f), 0);
}

static void test_strings(void **state)
{
	char out[512];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 0, sizeof(out));
		render(cases[i].in, cases[i].len, out, sizeof(out));
		if (strcmp(out, cases[i].want))
			print_message("case %zu (%s): got %s, want %s\n", i, cases[i].name, out,
				      cases[i].want);
		assert_string_equal(out, cases[i].want);
	}
}

/* A key with such bytes too, inside a document; the whole is the text
 * expected, commas and all. */
static void test_keys_and_document(void **state)
{
	char out[512] = {0};
	FILE *f = fmemopen(out, sizeof(out), "w");
	struct json j;
	(void)state;

	assert_non_null(f);
	json_init(&j, f);
	json_obj_begin(&j);
	json_key(&j, "jos\xe9");
	json_str(&j, "\xed\xa0\x80");
	json_key(&j, "n");
	json_int(&j, -5);
	json_key(&j, "a");
	json_arr_begin(&j);
	json_str(&j, "\xc3\xa9");
	json_bool(&j, 1);
	json_null(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(out, "{\"jos" R "\":\"" R R R "\",\"n\":-5,\"a\":[\"\xc3\xa9\",true,null]}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_keys_and_document),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
