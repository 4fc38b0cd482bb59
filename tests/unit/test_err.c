/* test_err.c: every error has a name, a message and a diagnosis in words
 * that cite no front end (exit codes and flags: test_cli_err); PKCS#11
 * return values map to the right errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pin.h"
#include "sg_err.h"
#include "token_p11.h"

static void test_every_code_is_described(void **state)
{
	(void)state;
	for (int c = 0; c < SG_E__COUNT; c++) {
		assert_non_null(sg_err_message(c));
		assert_true(strlen(sg_err_message(c)) > 0);
		assert_true(strlen(sg_err_name(c)) > 0);
		for (int d = 0; d < c; d++)
			assert_string_not_equal(sg_err_name(c), sg_err_name(d));
	}
	/* Out of range codes are internal errors, not crashes. */
	assert_string_equal(sg_err_name((sg_err)9999), "internal");
	assert_string_equal(sg_err_name((sg_err)-1), "internal");
}

/* The core's words fit every front end: PAM's log, the phone's screen,
 * the CLI. None cites a command-line flag or a signet command (the CLI
 * adds those: firmware/cli/cli_err.c, test_cli_err). */
static void test_no_front_end_words(void **state)
{
	(void)state;
	for (int c = 0; c < SG_E__COUNT; c++) {
		const char *texts[] = {sg_err_message(c), sg_err_diagnosis(c)};

		for (size_t i = 0; i < 2; i++) {
			if (strstr(texts[i], "--") || strstr(texts[i], "'signet") ||
			    strstr(texts[i], "command line"))
				fail_msg("%s: \"%s\"", sg_err_name(c), texts[i]);
		}
	}
	assert_string_equal(sg_err_name(SG_E_INVALID_ARG), "invalid_arg");
	assert_string_equal(sg_err_message(SG_E_INVALID_ARG), "invalid argument");
	/* The details the core writes where a front end would name a flag. */
	assert_null(strstr(PIN_NO_INPUT, "--"));
	assert_null(strstr(TOKEN_P11_SEVERAL, "--"));
}

static const struct {
	CK_RV rv;
	sg_err want;
} rv_table[] = {
	{CKR_OK, SG_OK},
	{CKR_PIN_INCORRECT, SG_E_PIN_INCORRECT},
	{CKR_PIN_LOCKED, SG_E_PIN_LOCKED},
	{CKR_PIN_LEN_RANGE, SG_E_PIN_FORMAT},
	{CKR_DEVICE_REMOVED, SG_E_CARD_REMOVED},
	{CKR_TOKEN_NOT_PRESENT, SG_E_CARD_REMOVED},
	{CKR_SESSION_HANDLE_INVALID, SG_E_CARD_REMOVED},
	{CKR_SESSION_CLOSED, SG_E_CARD_REMOVED},
	{CKR_HOST_MEMORY, SG_E_NOMEM},
	{CKR_MECHANISM_INVALID, SG_E_TOKEN},
	{CKR_FUNCTION_CANCELED, SG_E_PIN_CANCELLED},
	{0x80001234UL, SG_E_TOKEN}, /* vendor-defined */
};

static void test_p11_mapping(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rv_table) / sizeof(rv_table[0]); i++)
		assert_int_equal(token_p11_err(rv_table[i].rv), rv_table[i].want);
	assert_string_equal(token_p11_rv_name(CKR_DEVICE_REMOVED), "CKR_DEVICE_REMOVED");
	assert_non_null(token_p11_rv_name(0x80001234UL));
}

static void test_summary(void **state)
{
	struct sg_error e;
	char buf[600];
	(void)state;

	sg_error_init(&e);
	assert_int_equal(e.tries_left, SG_TRIES_UNKNOWN);
	assert_int_equal(sg_error_set(&e, SG_E_PIN_INCORRECT, "C_Login"), SG_E_PIN_INCORRECT);
	e.tries_left = 2;
	assert_string_equal(sg_error_summary(&e, buf, sizeof(buf)), "wrong PIN: 2 tries left");
	e.tries_left = 1;
	e.final_try = 1;
	assert_non_null(strstr(sg_error_summary(&e, buf, sizeof(buf)), "1 try left"));
	assert_non_null(strstr(buf, "locks"));
	sg_error_set(&e, SG_E_CERT_EXPIRED, NULL);
	assert_string_equal(sg_error_summary(&e, buf, sizeof(buf)), "the certificate has expired");
	sg_error_set(&e, SG_E_NO_MODULE, "%s", "/x.so: not found");
	assert_string_equal(sg_error_summary(&e, buf, sizeof(buf)),
			    "the PKCS#11 module cannot be loaded: /x.so: not found");
	/* Details that do not fit are cut, not overflowed. */
	char big[2000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	sg_error_set(&e, SG_E_IO, "%s", big);
	assert_int_equal(strlen(e.detail), sizeof(e.detail) - 1);
	assert_int_equal(sg_error_set(NULL, SG_E_IO, "x"), SG_E_IO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_is_described),
		cmocka_unit_test(test_no_front_end_words),
		cmocka_unit_test(test_p11_mapping),
		cmocka_unit_test(test_summary),
	};
	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
