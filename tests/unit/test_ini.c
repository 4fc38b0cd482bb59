/* test_ini.c: the INI parser, table-driven: text in, entries or an error out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ini.h"

/* Inputs with their exact length, so that embedded NULs and missing final
 * newlines are what the parser sees. */
#define T(lit) lit, sizeof(lit) - 1

/* A word that stands for a secret: no error detail may contain it. */
#define SECRET "s3cr3t"

struct ent {
	const char *section, *key, *value;
	unsigned line;
};

#define MAX_ENTS 8

struct ok_case {
	const char *name;
	const char *in;
	size_t len;
	struct ent want[MAX_ENTS];
};

struct err_case {
	const char *name;
	const char *in;
	size_t len;
	unsigned line;
	const char *detail; /* expected somewhere in the detail after "line N: " */
};

struct got {
	size_t n;
	struct {
		char section[INI_MAX_NAME + 1], key[INI_MAX_NAME + 1], value[INI_MAX_VALUE + 1];
		unsigned line;
	} e[MAX_ENTS];
};

static sg_err record(const char *section, const char *key, const char *value, unsigned line,
		     void *arg, struct sg_error *e)
{
	struct got *g = arg;

	(void)e;
	assert_true(g->n < MAX_ENTS);
	assert_true(strlen(section) <= INI_MAX_NAME);
	assert_true(strlen(key) <= INI_MAX_NAME);
	assert_true(strlen(value) <= INI_MAX_VALUE);
	strcpy(g->e[g->n].section, section);
	strcpy(g->e[g->n].key, key);
	strcpy(g->e[g->n].value, value);
	g->e[g->n].line = line;
	g->n++;
	return SG_OK;
}

/* Parses a private copy of exactly len bytes: ASan flags any read past it. */
static sg_err parse_exact(const char *in, size_t len, ini_entry_h h, void *arg,
			  struct sg_error *e)
{
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, in, len);
	sg_err rc = ini_parse(copy, len, h, arg, e);

	free(copy);
	return rc;
}

static const struct ok_case ok_cases[] = {
	{"empty file", T(""), {{0}}},
	{"only comments and blanks", T("# c\n; c\n   # indented\n\t; tab\n\n  \n"), {{0}}},
	{"basic", T("[pin]\nmin_length = 4\n"), {{"pin", "min_length", "4", 2}}},
	{"no final newline", T("[a]\nk=v"), {{"a", "k", "v", 2}}},
	{"CRLF", T("[a]\r\nk = v\r\n\r\nj = w\r\n"), {{"a", "k", "v", 2}, {"a", "j", "w", 4}}},
	{"CRLF without final newline", T("[a]\r\nk = v\r"), {{"a", "k", "v", 2}}},
	{"key before any section", T("k = v\n[s]\nk = w\n"), {{"", "k", "v", 1}, {"s", "k", "w", 3}}},
	{"whitespace trimmed", T("  [ s ]  \n\t k \t=\t v w \t\n"), {{"s", "k", "v w", 2}}},
	{"empty value", T("[s]\nk =\nj=   \n"), {{"s", "k", "", 2}, {"s", "j", "", 3}}},
	{"empty quoted value", T("[s]\nk = \"\"\n"), {{"s", "k", "", 2}}},
	{"quoted keeps spaces and #", T("[s]\nk = \"  a # b ; c  \"  \n"), {{"s", "k", "  a # b ; c  ", 2}}},
	{"escapes", T("[s]\nk = \"a\\\"b\\\\c\"\n"), {{"s", "k", "a\"b\\c", 2}}},
	{"'=' in value", T("[s]\nk = a=b\n"), {{"s", "k", "a=b", 2}}},
	{"pkcs11 URI with ';' needs no quotes",
	 T("[token]\nuri = pkcs11:token=My%20Card;object=sign;type=private\n"),
	 {{"token", "uri", "pkcs11:token=My%20Card;object=sign;type=private", 2}}},
	{"'#' inside a word", T("[s]\nk = a#b\n"), {{"s", "k", "a#b", 2}}},
	{"quote inside an unquoted value", T("[s]\nk = a\"b\n"), {{"s", "k", "a\"b", 2}}},
	{"name characters", T("[A-z_0.9]\nK.e-y_9 = 1\n"), {{"A-z_0.9", "K.e-y_9", "1", 2}}},
	{"UTF-8 value", T("[s]\nk = \xc3\xa9t\xc3\xa9\n"), {{"s", "k", "\xc3\xa9t\xc3\xa9", 2}}},
	{"UTF-8 byte order mark", T("\xEF\xBB\xBF[s]\nk = v\n"), {{"s", "k", "v", 2}}},
	{"section may repeat", T("[s]\na=1\n[t]\nb=2\n[s]\nc=3\n"),
	 {{"s", "a", "1", 2}, {"t", "b", "2", 4}, {"s", "c", "3", 6}}},
	{"comment after whitespace", T("[s]\n   # k = v\nk = v\n"), {{"s", "k", "v", 3}}},
};

static const struct err_case err_cases[] = {
	{"unterminated section header", T("[pin\nk=v\n"), 1, "unterminated section header"},
	{"text after section header", T("[pin] # c\n"), 1, "after the section header"},
	{"empty section name", T("[]\n"), 1, "empty section name"},
	{"bad section name", T("[p n]\n"), 1, "section name may only contain"},
	{"missing '='", T("[s]\n" SECRET "\n"), 2, "missing '='"},
	{"empty key", T("[s]\n= " SECRET "\n"), 2, "empty key name"},
	{"bad key name", T("[s]\nmy " SECRET " = 1\n"), 2, "key name may only contain"},
	{"NUL byte", T("[s]\nk = a\0b\n"), 2, "NUL byte"},
	{"NUL byte in a comment", T("# \0\n"), 1, "NUL byte"},
	{"control character", T("[s]\nk = a\x01" "b\n"), 2, "control character 0x01"},
	{"lone CR", T("[s]\nk = a\rj = b\n"), 2, "control character 0x0d"},
	{"bad escape", T("[s]\nk = \"" SECRET "\\n\"\n"), 2, "[s] k: bad escape"},
	{"unterminated quote", T("[s]\nk = \"" SECRET "\n"), 2, "[s] k: unterminated quote"},
	{"unterminated quote at end", T("[s]\nk = \"" SECRET), 2, "unterminated quote"},
	{"backslash at end of quote", T("[s]\nk = \"" SECRET "\\\n"), 2, "unterminated quote"},
	{"text after closing quote", T("[s]\nk = \"" SECRET "\" x\n"), 2,
	 "[s] k: unexpected text after the closing quote"},
	{"comment after quoted value", T("[s]\nk = \"" SECRET "\" # c\n"), 2,
	 "after the closing quote"},
	{"'#' comment after value", T("[s]\nk = " SECRET " # c\n"), 2, "[s] k: '#' after a value"},
	{"';' comment after value", T("[s]\nk = " SECRET "\t; c\n"), 2, "';' after a value"},
	{"error outside any section names the key", T("k = \"" SECRET), 1, ": k: unterminated quote"},
	{"error on a later line", T("[a]\nk=1\n\n# x\nbad\n"), 5, "missing '='"},
	{"line number counts CRLF lines", T("[a]\r\nk=1\r\n\r\nbad\r\n"), 4, "missing '='"},
};

static void test_ok_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct got g;
		struct sg_error e;
		size_t n = 0;

		memset(&g, 0, sizeof(g));
		sg_error_init(&e);
		print_message("ok: %s\n", c->name);
		assert_int_equal(parse_exact(c->in, c->len, record, &g, &e), SG_OK);
		while (n < MAX_ENTS && c->want[n].key)
			n++;
		assert_int_equal(g.n, n);
		for (size_t j = 0; j < n; j++) {
			assert_string_equal(g.e[j].section, c->want[j].section);
			assert_string_equal(g.e[j].key, c->want[j].key);
			assert_string_equal(g.e[j].value, c->want[j].value);
			assert_int_equal(g.e[j].line, c->want[j].line);
		}
	}
}

static void expect_error(const char *name, const char *in, size_t len, unsigned line,
			 const char *detail)
{
	struct got g;
	struct sg_error e;
	char prefix[32];

	memset(&g, 0, sizeof(g));
	sg_error_init(&e);
	print_message("error: %s\n", name);
	assert_int_equal(parse_exact(in, len, record, &g, &e), SG_E_CONFIG);
	assert_int_equal(e.code, SG_E_CONFIG);
	snprintf(prefix, sizeof(prefix), "line %u: ", line);
	if (strncmp(e.detail, prefix, strlen(prefix)) != 0 || !strstr(e.detail, detail))
		fail_msg("%s: detail \"%s\", want \"%s...%s\"", name, e.detail, prefix, detail);
	if (strstr(e.detail, SECRET))
		fail_msg("%s: detail echoes a value: \"%s\"", name, e.detail);
	/* The parse stops at the first error: nothing at or after it is reported. */
	for (size_t j = 0; j < g.n; j++)
		assert_true(g.e[j].line < line);
}

static void test_err_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];

		expect_error(c->name, c->in, c->len, c->line, c->detail);
	}
}

/* Builds "prefix" + fill * n + "suffix" into buf. */
static size_t build(char *buf, const char *prefix, char fill, size_t n, const char *suffix)
{
	size_t o = strlen(prefix);

	memcpy(buf, prefix, o);
	memset(buf + o, fill, n);
	o += n;
	memcpy(buf + o, suffix, strlen(suffix));
	return o + strlen(suffix);
}

static void test_limits(void **state)
{
	static char buf[4096];
	struct got g;
	struct sg_error e;
	size_t n;

	(void)state;
	/* A line of exactly INI_MAX_LINE bytes (the line end not counted). */
	memset(&g, 0, sizeof(g));
	n = build(buf, "k=", 'v', INI_MAX_LINE - 2, "\r\n");
	assert_int_equal(parse_exact(buf, n, record, &g, &e), SG_OK);
	assert_int_equal(strlen(g.e[0].value), INI_MAX_LINE - 2);
	n = build(buf, "k=", 'v', INI_MAX_LINE - 1, "\n");
	expect_error("line over the limit", buf, n, 1, "line too long (more than 1024 bytes)");
	n = build(buf, "# ", 'c', INI_MAX_LINE - 1, "");
	expect_error("comment over the limit", buf, n, 1, "line too long");

	/* Names of INI_MAX_NAME characters, and one more. */
	memset(&g, 0, sizeof(g));
	n = build(buf, "[", 's', INI_MAX_NAME, "]\n");
	n += build(buf + n, "", 'k', INI_MAX_NAME, "=1\n");
	assert_int_equal(parse_exact(buf, n, record, &g, &e), SG_OK);
	assert_int_equal(strlen(g.e[0].section), INI_MAX_NAME);
	assert_int_equal(strlen(g.e[0].key), INI_MAX_NAME);
	n = build(buf, "[", 's', INI_MAX_NAME + 1, "]\n");
	expect_error("section name over the limit", buf, n, 1, "section name longer than 63");
	n = build(buf, "[s]\n", 'k', INI_MAX_NAME + 1, "=1\n");
	expect_error("key name over the limit", buf, n, 2, "key name longer than 63");

	/* The longest value a line can hold, quoted with escapes. */
	memset(&g, 0, sizeof(g));
	n = build(buf, "k=\"", '\\', INI_MAX_LINE - 4, "\"");
	assert_int_equal(parse_exact(buf, n, record, &g, &e), SG_OK);
	assert_int_equal(strlen(g.e[0].value), (INI_MAX_LINE - 4) / 2);
}

/* A handler's error stops the parse and comes back unchanged. */
static sg_err refuse_second(const char *section, const char *key, const char *value,
			    unsigned line, void *arg, struct sg_error *e)
{
	int *calls = arg;

	(void)section;
	(void)value;
	if (++*calls == 2)
		return sg_error_set(e, SG_E_INVALID_ARG, "line %u: %s refused", line, key);
	return SG_OK;
}

static void test_handler_error(void **state)
{
	int calls = 0;
	struct sg_error e;

	(void)state;
	sg_error_init(&e);
	assert_int_equal(ini_parse(T("a=1\nb=2\nc=3\n"), refuse_second, &calls, &e), SG_E_INVALID_ARG);
	assert_int_equal(calls, 2);
	assert_string_equal(e.detail, "line 2: b refused");
}

static void test_null_handler_and_buffer(void **state)
{
	struct sg_error e;

	(void)state;
	sg_error_init(&e);
	/* No handler: a syntax check only. */
	assert_int_equal(ini_parse(T("[s]\nk = v\n"), NULL, NULL, &e), SG_OK);
	assert_int_equal(ini_parse(T("[s\n"), NULL, NULL, &e), SG_E_CONFIG);
	assert_int_equal(ini_parse(NULL, 0, record, NULL, &e), SG_OK);
	assert_int_equal(ini_parse(NULL, 1, record, NULL, &e), SG_E_INTERNAL);
	/* No error struct: the code alone. */
	assert_int_equal(ini_parse(T("[s\n"), NULL, NULL, NULL), SG_E_CONFIG);
}

/* Only the first len bytes count, whatever follows them in memory. */
static void test_length_bounds_the_input(void **state)
{
	static const char text[] = "[s]\nk = v\nbad line\n";
	struct got g;
	struct sg_error e;

	(void)state;
	memset(&g, 0, sizeof(g));
	assert_int_equal(ini_parse(text, 10, record, &g, &e), SG_OK);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.e[0].value, "v");
	memset(&g, 0, sizeof(g));
	assert_int_equal(ini_parse(text, 8, record, &g, &e), SG_OK);
	assert_string_equal(g.e[0].value, ""); /* "k = " cut before the value */
	assert_int_equal(ini_parse(text, 2, record, &g, &e), SG_E_CONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_cases),
		cmocka_unit_test(test_err_cases),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_handler_error),
		cmocka_unit_test(test_null_handler_and_buffer),
		cmocka_unit_test(test_length_bounds_the_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
