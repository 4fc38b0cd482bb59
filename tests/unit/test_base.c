/* test_base.c: auth/base's shared routines: the hex codec (sg_hex), the
 * constant-time compare (sg_ct_equal), HAL errors in the core's words
 * (sg_hal), and the HAL contract (hal.h): mandatory clock, rng and log
 * refused at attach when missing, every optional op HAL_ENOTSUP through
 * its wrapper when absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hal.h"
#include "port_test.h"
#include "sg_hal.h"
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

static void test_hal_net_error(void **state)
{
	struct sg_error e;

	(void)state;
	sg_error_init(&e);
	assert_int_equal(sg_hal_net_error(&e, HAL_EREFUSED, "connect to %s:%u", "h", 5061u),
			 SG_E_NETWORK);
	assert_string_equal(e.detail, "connect to h:5061: connection refused or unreachable");
	assert_int_equal(sg_hal_net_error(&e, HAL_ENOMEM, "x"), SG_E_NOMEM);
	assert_string_equal(e.detail, "x: out of memory");
	assert_int_equal(sg_hal_net_error(&e, HAL_ENOTSUP, "y"), SG_E_NETWORK);
	assert_string_equal(e.detail, "y: this device has no network");
	assert_string_equal(sg_hal_net_why(HAL_ENOENT), "the name does not resolve");
	assert_string_equal(sg_hal_net_why(HAL_ETIMEDOUT), "timed out");
	assert_string_equal(sg_hal_net_why(HAL_ECLOSED), "closed by the peer");
	assert_string_equal(sg_hal_net_why(HAL_EIO), "I/O error");
	assert_string_equal(sg_hal_net_why(12345), "I/O error");
	assert_int_equal(sg_hal_net_error(NULL, HAL_EIO, "z"), SG_E_NETWORK);
}

/* A complete test hal, then one mandatory device taken away at a time. */
static void test_hal_mandatory(void **state)
{
	struct port_test *pt = port_test_new();
	struct hal hal, h;
	struct hal_clock_ops no_wall;

	(void)state;
	assert_non_null(pt);
	port_test_hal(pt, &hal);
	assert_null(hal_missing(&hal));

	h = hal;
	h.clock.ops = NULL;
	assert_string_equal(hal_missing(&h), "clock");
	/* hal_clock_mono_ms is therefore never reached without a clock (the
	 * attach of such a hal fails: board_open, port_test_hal). */

	h = hal;
	no_wall = *hal.clock.ops;
	no_wall.wall = NULL;
	h.clock.ops = &no_wall;
	assert_string_equal(hal_missing(&h), "clock");

	h = hal;
	h.rng.ops = NULL;
	assert_string_equal(hal_missing(&h), "random source");

	h = hal;
	h.log.ops = NULL;
	assert_string_equal(hal_missing(&h), "log");
	hal_log_write(&h.log, HAL_LOG_ERR, "dropped, not a crash");

	assert_string_equal(hal_missing(NULL), "clock");
	port_test_free(pt);
}

/* Every optional device absent: each wrapper says HAL_ENOTSUP. */
static void test_hal_optional_absent(void **state)
{
	struct hal h;
	struct hal_reader rd[1];
	struct hal_key k;
	uint8_t b[32];
	size_t n = sizeof(b);
	int hd = -1;
	void *fl = NULL, *mod = NULL;
	char txt[16];

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(hal_keypad_read(&h.keypad, 0, &k), HAL_ENOTSUP);
	assert_int_equal(hal_display_prompt(&h.display, "x"), HAL_ENOTSUP);
	assert_int_equal(hal_display_mask(&h.display, 1), HAL_ENOTSUP);
	assert_int_equal(hal_display_status(&h.display, "x"), HAL_ENOTSUP);
	assert_int_equal(hal_display_done(&h.display), HAL_ENOTSUP);
	assert_int_equal(hal_card_list(&h.card, rd, 1, &n), HAL_ENOTSUP);
	assert_int_equal(hal_card_connect(&h.card, "r"), HAL_ENOTSUP);
	assert_int_equal(hal_card_disconnect(&h.card, 0), HAL_ENOTSUP);
	assert_int_equal(hal_storage_read(&h.storage, "b", b, &n), HAL_ENOTSUP);
	assert_int_equal(hal_storage_write(&h.storage, "b", b, 1), HAL_ENOTSUP);
	assert_int_equal(hal_storage_remove(&h.storage, "b"), HAL_ENOTSUP);
	assert_int_equal(hal_storage_unlock(&h.storage, 0), HAL_ENOTSUP);
	assert_int_equal(hal_net_connect(&h.net, HAL_NET_TCP, "h", 1, 10, &hd), HAL_ENOTSUP);
	assert_int_equal(hal_net_close(&h.net, 0), HAL_ENOTSUP);
	assert_int_equal(hal_net_local(&h.net, 0, txt, sizeof(txt)), HAL_ENOTSUP);
	assert_int_equal(hal_loop_run(&h.loop), HAL_ENOTSUP);
	assert_int_equal(hal_loop_cancel_timer(&h.loop, 1), HAL_ENOTSUP);
	assert_int_equal(hal_p11_load(&h.p11, "m.so", &fl, &mod), HAL_ENOTSUP);
	assert_int_equal(hal_devkey_get(&h.devkey, b), HAL_ENOTSUP);
	assert_int_equal(hal_clock_wall(&h.clock, &(int64_t){0}), HAL_ENOTSUP);
	assert_int_equal(hal_rng_fill(&h.rng, b, 1), HAL_ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_digit),
		cmocka_unit_test(test_hex_decode),
		cmocka_unit_test(test_hex_encode),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_hal_net_error),
		cmocka_unit_test(test_hal_mandatory),
		cmocka_unit_test(test_hal_optional_absent),
	};
	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
