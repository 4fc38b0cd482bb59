/* test_pin.c: PIN policy, masked PIN entry on the test port, and PINs from
 * a script's buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pin.h"
#include "port_test.h"

struct entry_case {
	const char *name;
	const char *keys;
	int eof;
	int digits_only; /* -1: default policy */
	sg_err want;
	const char *want_pin;
	const char *status; /* expected in the transcript, or NULL */
};

static const struct entry_case entry_cases[] = {
	{"plain", "1234\n", 0, -1, SG_OK, "1234", NULL},
	{"enter too early goes on", "12\n34\n", 0, -1, SG_OK, "1234", "status: Too short"},
	{"letters refused", "12a34\n", 0, -1, SG_OK, "1234", "status: Digits only"},
	{"too long stops at max", "123456789\n", 0, -1, SG_OK, "12345678", "status: Too long"},
	{"backspace", "1234\b5\n", 0, -1, SG_OK, "1235", NULL},
	{"backspace on empty", "\b\b1234\n", 0, -1, SG_OK, "1234", NULL},
	{"clear", "99\x15" "5678\n", 0, -1, SG_OK, "5678", NULL},
	{"cancel", "12\x1b", 0, -1, SG_E_PIN_CANCELLED, "", NULL},
	{"timeout", "12~", 0, -1, SG_E_PIN_TIMEOUT, "", NULL},
	{"end of input", "12", 1, -1, SG_E_PIN_CANCELLED, "", NULL},
	{"script runs dry", "1234", 0, -1, SG_E_PIN_TIMEOUT, "", NULL},
	{"alphanumeric policy", "ab12\n", 0, 0, SG_OK, "ab12", NULL},
};

static void test_entry_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(entry_cases) / sizeof(entry_cases[0]); i++) {
		const struct entry_case *c = &entry_cases[i];
		struct port_test *pt = port_test_new();
		struct pin_policy pol;
		struct sg_error e;
		struct hal hal;
		struct pin pin;

		print_message("case: %s\n", c->name);
		assert_non_null(pt);
		port_test_hal(pt, &hal);
		port_test_keys(pt, c->keys);
		if (c->eof)
			port_test_keys_eof(pt);
		pin_policy_default(&pol);
		if (c->digits_only >= 0)
			pol.digits_only = c->digits_only;
		sg_error_init(&e);
		assert_int_equal(pin_entry(&hal, &pol, "Enter PIN", &pin, &e), c->want);
		assert_int_equal(pin.len, strlen(c->want_pin));
		assert_memory_equal(pin.v, c->want_pin, pin.len);
		if (c->want != SG_OK) {
			/* Wiped on every error. */
			for (size_t k = 0; k < sizeof(pin.v); k++)
				assert_int_equal(pin.v[k], 0);
		}
		const char *tr = port_test_transcript(pt);
		assert_non_null(strstr(tr, "prompt: Enter PIN"));
		assert_non_null(strstr(tr, "done"));
		if (c->status)
			assert_non_null(strstr(tr, c->status));
		/* The display only ever learns the length. */
		if (pin.len >= 3)
			assert_null(strstr(tr, c->want_pin));
		assert_true(port_test_mask_max(pt) <= pol.max_len);
		pin_wipe(&pin);
		port_test_free(pt);
	}
}

static void test_entry_timeout_is_per_key(void **state)
{
	struct port_test *pt = port_test_new();
	struct pin_policy pol;
	struct hal hal;
	struct pin pin;
	(void)state;

	port_test_hal(pt, &hal);
	pin_policy_default(&pol);
	pol.timeout_ms = 5000;
	/* Slow but steady typing is fine ... */
	port_test_key_delay(pt, 4000);
	port_test_keys(pt, "1234\n");
	assert_int_equal(pin_entry(&hal, &pol, NULL, &pin, NULL), SG_OK);
	assert_int_equal(pin.len, 4);
	/* ... a pause longer than the timeout is not. */
	port_test_key_delay(pt, 6000);
	port_test_keys(pt, "1234\n");
	assert_int_equal(pin_entry(&hal, &pol, NULL, &pin, NULL), SG_E_PIN_TIMEOUT);
	assert_int_equal(pin.len, 0);
	port_test_free(pt);
}

static void test_entry_device_errors(void **state)
{
	struct port_test *pt = port_test_new();
	struct pin_policy pol;
	struct sg_error e;
	struct hal hal;
	struct pin pin;
	(void)state;

	port_test_hal(pt, &hal);
	pin_policy_default(&pol);
	port_test_keys(pt, "1234\n");
	port_test_fault(pt, PORT_TEST_FAULT_KEYPAD_IO, 2);
	assert_int_equal(pin_entry(&hal, &pol, NULL, &pin, &e), SG_E_IO);
	assert_int_equal(pin.len, 0);

	hal.keypad.ops = NULL; /* a board without a keypad */
	assert_int_equal(pin_entry(&hal, &pol, NULL, &pin, &e), SG_E_INVALID_ARG);
	/* Said for any front end (the CLI adds its --pin-fd: test_cli_err). */
	assert_string_equal(e.detail, PIN_NO_INPUT);

	pol.min_len = 9; /* a broken policy is refused before any key */
	port_test_hal(pt, &hal);
	assert_int_equal(pin_entry(&hal, &pol, NULL, &pin, &e), SG_E_CONFIG);
	port_test_free(pt);
}

struct buffer_case {
	const char *in;
	size_t len;
	sg_err want;
	const char *want_pin;
};

#define B(s) s, sizeof(s) - 1

static const struct buffer_case buffer_cases[] = {
	{B("1234\n"), SG_OK, "1234"},
	{B("1234\r\n"), SG_OK, "1234"},
	{B("1234"), SG_OK, "1234"},
	{B("87654321\nsecond line ignored"), SG_OK, "87654321"},
	{B(""), SG_E_PIN_FORMAT, ""},
	{B("\n"), SG_E_PIN_FORMAT, ""},
	{B("12\n"), SG_E_PIN_FORMAT, ""},
	{B("123456789\n"), SG_E_PIN_FORMAT, ""},
	{B("12\0" "34\n"), SG_E_PIN_FORMAT, ""},
	{B("12 34\n"), SG_E_PIN_FORMAT, ""},
	{B("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
	 SG_E_PIN_FORMAT, ""},
};

static void test_from_buffer(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(buffer_cases) / sizeof(buffer_cases[0]); i++) {
		const struct buffer_case *c = &buffer_cases[i];
		struct pin_policy pol;
		struct sg_error e;
		struct pin pin;

		pin_policy_default(&pol);
		sg_error_init(&e);
		print_message("case %zu\n", i);
		assert_int_equal(pin_from_buffer(&pol, (const uint8_t *)c->in, c->len, &pin, &e),
				 c->want);
		assert_int_equal(pin.len, strlen(c->want_pin));
		assert_string_equal(pin.v, c->want_pin);
		/* Errors say what is wrong, never what was typed. */
		if (c->want != SG_OK && c->len >= 2)
			assert_null(strstr(e.detail, "12"));
	}
}

static void test_policy(void **state)
{
	struct pin_policy p;
	(void)state;

	pin_policy_default(&p);
	assert_int_equal(pin_policy_check(&p, NULL), SG_OK);
	p.min_len = 0;
	assert_int_equal(pin_policy_check(&p, NULL), SG_E_CONFIG);
	p.min_len = 9;
	assert_int_equal(pin_policy_check(&p, NULL), SG_E_CONFIG);
	p.min_len = 4;
	p.max_len = PIN_MAX_LEN + 1;
	assert_int_equal(pin_policy_check(&p, NULL), SG_E_CONFIG);

	/* A token's own limits only ever narrow the policy. */
	pin_policy_default(&p);
	pin_policy_narrow(&p, 6, 255);
	assert_int_equal(p.min_len, 6);
	assert_int_equal(p.max_len, 8);
	pin_policy_narrow(&p, 0, 0);
	assert_int_equal(p.min_len, 6);
	assert_int_equal(p.max_len, 8);
	pin_policy_narrow(&p, 1, 7);
	assert_int_equal(p.min_len, 6);
	assert_int_equal(p.max_len, 7);
}

static void test_wipe(void **state)
{
	struct pin pin;
	(void)state;

	memset(&pin, 'x', sizeof(pin));
	pin_wipe(&pin);
	for (size_t i = 0; i < sizeof(pin); i++)
		assert_int_equal(((unsigned char *)&pin)[i], 0);
	pin_wipe(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_table),
		cmocka_unit_test(test_entry_timeout_is_per_key),
		cmocka_unit_test(test_entry_device_errors),
		cmocka_unit_test(test_from_buffer),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_wipe),
	};
	return cmocka_run_group_tests_name("pin", tests, NULL, NULL);
}
