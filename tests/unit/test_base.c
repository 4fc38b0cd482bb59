/* test_base.c: auth/base's shared routines: the hex codec (sg_hex), the
 * constant-time compare (sg_ct_equal). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sg_hex.h"
#include "sg_mem.h"

static void test_hex_digit(void **state)
{
	(void)state;
	assert_int_equal(sg_hex_digit('0'), 0);
	assert_int_equal(sg_hex_digit('9'), 9);
	assert_int_equal(sg_hex_digit('a'), 10);
	assert_int_equal(sg_hex_digit('F'), 15);
	/* Nothing else: no sign, space, 'x', 'g', NUL or high byte. */
	static const int bad[] = {'+', '-', ' ', 'x', 'g', 'G', '/', ':', '@', '`', 0, 0xff, -1};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sg_hex_digit(bad[i]), -1);
}

static void test_hex_decode(void **state)
{
	uint8_t out[4];

	(void)state;
	memset(out, 0, sizeof(out));
	assert_int_equal(sg_hex_decode("00fFa5Ab", 8, out, 4), 0);
	assert_memory_equal(out, "\x00\xff\xa5\xab", 4);
	/* Exact length: shorter, longer and odd are refused. */
	assert_int_equal(sg_hex_decode("00ff", 4, out, 4), -1);
	assert_int_equal(sg_hex_decode("00ffa5ab00", 10, out, 4), -1);
	assert_int_equal(sg_hex_decode("00ffa5a", 7, out, 4), -1);
	assert_int_equal(sg_hex_decode("abc", 3, out, 1), -1);
	/* A bad digit anywhere (what sscanf("%2x") took: "+f", " f"). */
	assert_int_equal(sg_hex_decode("+f", 2, out, 1), -1);
	assert_int_equal(sg_hex_decode(" f", 2, out, 1), -1);
	assert_int_equal(sg_hex_decode("0g", 2, out, 1), -1);
	assert_int_equal(sg_hex_decode("0x", 2, out, 1), -1);
	/* Nothing to decode. */
	assert_int_equal(sg_hex_decode("", 0, out, 0), 0);
	assert_int_equal(sg_hex_decode(NULL, 0, out, 0), 0);
}

static void test_hex_encode(void **state)
{
	static const uint8_t b[] = {0x00, 0x9a, 0xff, 0x10};
	char out[9];

	(void)state;
	sg_hex_encode(b, 4, out, sizeof(out), 0);
	assert_string_equal(out, "009aff10");
	sg_hex_encode(b, 4, out, sizeof(out), 1);
	assert_string_equal(out, "009AFF10");
	/* Too small: whole bytes only, always terminated. */
	sg_hex_encode(b, 4, out, 6, 0);
	assert_string_equal(out, "009a");
	sg_hex_encode(b, 4, out, 1, 0);
	assert_string_equal(out, "");
	sg_hex_encode(b, 0, out, sizeof(out), 0);
	assert_string_equal(out, "");
	/* Round trip. */
	uint8_t back[4];
	sg_hex_encode(b, 4, out, sizeof(out), 1);
	assert_int_equal(sg_hex_decode(out, strlen(out), back, 4), 0);
	assert_memory_equal(back, b, 4);
}

static void test_ct_equal(void **state)
{
	(void)state;
	assert_true(sg_ct_equal("secret", "secret", 6));
	assert_false(sg_ct_equal("secret", "secreT", 6));
	assert_false(sg_ct_equal("Secret", "secret", 6));
	/* Only the n bytes count; n == 0 is equal. */
	assert_true(sg_ct_equal("abcX", "abcY", 3));
	assert_true(sg_ct_equal("a", "b", 0));
	assert_true(sg_ct_equal(NULL, NULL, 0));
	/* Every bit of every byte counts. */
	uint8_t a[32], b[32];
	memset(a, 0x5a, sizeof(a));
	for (size_t i = 0; i < sizeof(a) * 8; i++) {
		memcpy(b, a, sizeof(a));
		b[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_false(sg_ct_equal(a, b, sizeof(a)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_digit),
		cmocka_unit_test(test_hex_decode),
		cmocka_unit_test(test_hex_encode),
		cmocka_unit_test(test_ct_equal),
	};
	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
