/* test_err.c: every error has a message, a name and the exit code of the
 * README's table; PKCS#11 return values map to the right errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sg_err.h"
#include "token_p11.h"

static void test_every_code_is_described(void **state)
{
	(void)state;
	for (int c = 0; c < SG_E__COUNT; c++) {
		assert_non_null(sg_err_message(c));
		assert_true(strlen(sg_err_message(c)) > 0);
		assert_true(strlen(sg_err_name(c)) > 0);
		assert_true(sg_err_exit(c) >= 0 && sg_err_exit(c) <= 11);
		for (int d = 0; d < c; d++)
			assert_string_not_equal(sg_err_name(c), sg_err_name(d));
	}
	/* Out of range codes are internal errors, not crashes. */
	assert_int_equal(sg_err_exit((sg_err)9999), SG_EXIT_INTERNAL);
	assert_int_equal(sg_err_exit((sg_err)-1), SG_EXIT_INTERNAL);
}

static const struct {
	sg_err code;
	int exit_code;
} exit_table[] = {
	{SG_OK, 0},
	{SG_E_INTERNAL, 1},
	{SG_E_INVALID_ARG, 2},
	{SG_E_CONFIG, 2},
	{SG_E_NO_MODULE, 3},
	{SG_E_NO_READER, 3},
	{SG_E_NO_CARD, 3},
	{SG_E_NO_TOKEN, 3},
	{SG_E_CARD_REMOVED, 3},
	{SG_E_PIN_INCORRECT, 4},
	{SG_E_PIN_LOCKED, 5},
	{SG_E_CERT_EXPIRED, 6},
	{SG_E_CERT_UNTRUSTED, 6},
	{SG_E_CERT_IDENTITY, 6},
	{SG_E_CERT_USAGE, 6},
	{SG_E_CERT_NOT_YET_VALID, 6},
	{SG_E_REVOKED, 7},
	{SG_E_REVOCATION_UNAVAILABLE, 8},
	{SG_E_NETWORK, 9},
	{SG_E_REFUSED, 10},
	{SG_E_PIN_CANCELLED, 11},
	{SG_E_PIN_TIMEOUT, 11},
};

static void test_exit_codes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++)
		assert_int_equal(sg_err_exit(exit_table[i].code), exit_table[i].exit_code);
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
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_p11_mapping),
		cmocka_unit_test(test_summary),
	};
	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
