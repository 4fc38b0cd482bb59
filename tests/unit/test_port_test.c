/*
 * test_port_test.c: the test port behaves as port_test.h says, since every
 * core test leans on it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hal.h"
#include "port_test.h"

struct fx {
	struct port_test *pt;
	struct hal hal;
};

static int fx_setup(void **state)
{
	static struct fx fx;

	memset(&fx, 0, sizeof(fx));
	fx.pt = port_test_new();
	if (!fx.pt)
		return -1;
	port_test_hal(fx.pt, &fx.hal);
	*state = &fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	port_test_free(fx->pt);
	return 0;
}

/* ---- keypad ---------------------------------------------------------- */

struct key_case {
	int rc;
	enum hal_key_kind kind;
	char ch;
	uint64_t clock_after; /* mono ms after the read */
};

static void test_keys_script(void **state)
{
	struct fx *fx = *state;
	static const struct key_case cases[] = {
		{HAL_OK, HAL_KEY_CHAR, '1', 1100},
		{HAL_OK, HAL_KEY_CHAR, '2', 1200},
		{HAL_OK, HAL_KEY_BACKSPACE, 0, 1300},
		{HAL_OK, HAL_KEY_CLEAR, 0, 1400},
		{HAL_ETIMEDOUT, 0, 0, 1900}, /* '~' waits the whole timeout */
		{HAL_OK, HAL_KEY_CHAR, 'a', 2000},
		{HAL_OK, HAL_KEY_ENTER, 0, 2100},
		{HAL_OK, HAL_KEY_CANCEL, 0, 2200},
		{HAL_ETIMEDOUT, 0, 0, 2700}, /* script over */
		{HAL_ETIMEDOUT, 0, 0, 3200},
	};
	size_t i;

	port_test_keys(fx->pt, "12\b\x15~a");
	port_test_keys(fx->pt, "\n\x1b");
	assert_int_equal(port_test_keys_left(fx->pt), 8);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hal_key k = {HAL_KEY_CHAR, 0};
		int rc = hal_keypad_read(&fx->hal.keypad, 500, &k);

		assert_int_equal(rc, cases[i].rc);
		if (rc == HAL_OK) {
			assert_int_equal(k.kind, cases[i].kind);
			if (k.kind == HAL_KEY_CHAR)
				assert_int_equal(k.ch, cases[i].ch);
		}
		assert_int_equal(hal_clock_mono_ms(&fx->hal.clock), cases[i].clock_after);
	}
}

static void test_keys_slow_user(void **state)
{
	struct fx *fx = *state;
	struct hal_key k;

	port_test_key_delay(fx->pt, 700);
	port_test_keys(fx->pt, "7");
	/* 700 ms key, 500 ms read: the read times out, the key stays. */
	assert_int_equal(hal_keypad_read(&fx->hal.keypad, 500, &k), HAL_ETIMEDOUT);
	assert_int_equal(port_test_clock_mono(fx->pt), 1500);
	assert_int_equal(hal_keypad_read(&fx->hal.keypad, 500, &k), HAL_OK);
	assert_int_equal(k.ch, '7');
	assert_int_equal(port_test_clock_mono(fx->pt), 1700);
	/* No limit: the key comes whatever it takes. */
	port_test_keys(fx->pt, "8");
	assert_int_equal(hal_keypad_read(&fx->hal.keypad, -1, &k), HAL_OK);
	assert_int_equal(port_test_clock_mono(fx->pt), 2400);
}

static void test_keys_eof_and_fault(void **state)
{
	struct fx *fx = *state;
	struct hal_key k;

	port_test_keys(fx->pt, "12");
	port_test_keys_eof(fx->pt);
	port_test_fault(fx->pt, PORT_TEST_FAULT_KEYPAD_IO, 1);
	assert_int_equal(hal_keypad_read(&fx->hal.keypad, 100, &k), HAL_OK);
	assert_int_equal(hal_keypad_read(&fx->hal.keypad, 100, &k), HAL_EIO);
	assert_int_equal(hal_keypad_read(&fx->hal.keypad, 100, &k), HAL_OK);
	assert_int_equal(k.ch, '2');
	assert_int_equal(hal_keypad_read(&fx->hal.keypad, 100, &k), HAL_ECLOSED);
	assert_int_equal(hal_keypad_read(&fx->hal.keypad, 100, &k), HAL_ECLOSED);
}

/* ---- display --------------------------------------------------------- */

static void test_display_transcript(void **state)
{
	struct fx *fx = *state;

	assert_string_equal(port_test_transcript(fx->pt), "");
	assert_int_equal(hal_display_prompt(&fx->hal.display, "Enter PIN"), HAL_OK);
	assert_int_equal(hal_display_mask(&fx->hal.display, 3), HAL_OK);
	assert_int_equal(hal_display_mask(&fx->hal.display, 5), HAL_OK);
	assert_int_equal(hal_display_mask(&fx->hal.display, 4), HAL_OK);
	assert_int_equal(hal_display_status(&fx->hal.display, "2 tries left"), HAL_OK);
	assert_int_equal(hal_display_done(&fx->hal.display), HAL_OK);
	assert_string_equal(port_test_transcript(fx->pt), "prompt: Enter PIN\n"
							   "mask: 3\n"
							   "mask: 5\n"
							   "mask: 4\n"
							   "status: 2 tries left\n"
							   "done\n");
	assert_int_equal(port_test_mask_max(fx->pt), 5);
	port_test_transcript_clear(fx->pt);
	assert_string_equal(port_test_transcript(fx->pt), "");
	assert_int_equal(port_test_mask_max(fx->pt), 0);
}

/* ---- clock ----------------------------------------------------------- */

static void test_clock(void **state)
{
	struct fx *fx = *state;
	int64_t wall = 0;

	assert_int_equal(hal_clock_mono_ms(&fx->hal.clock), 1000);
	assert_int_equal(hal_clock_wall(&fx->hal.clock, &wall), HAL_OK);
	assert_int_equal(wall, PORT_TEST_WALL_DEFAULT);
	port_test_clock_advance(fx->pt, 2500);
	assert_int_equal(hal_clock_mono_ms(&fx->hal.clock), 3500);
	assert_int_equal(hal_clock_wall(&fx->hal.clock, &wall), HAL_OK);
	assert_int_equal(wall, PORT_TEST_WALL_DEFAULT + 2);
	port_test_clock_set_wall(fx->pt, 2000000000);
	port_test_clock_advance(fx->pt, 1000);
	assert_int_equal(hal_clock_wall(&fx->hal.clock, &wall), HAL_OK);
	assert_int_equal(wall, 2000000001);
	port_test_clock_set_mono(fx->pt, 50);
	assert_int_equal(hal_clock_mono_ms(&fx->hal.clock), 50);
	assert_int_equal(hal_clock_wall(&fx->hal.clock, &wall), HAL_OK);
	assert_int_equal(wall, 2000000001);
	port_test_clock_set_wall_unknown(fx->pt);
	assert_int_equal(hal_clock_wall(&fx->hal.clock, &wall), HAL_ENOENT);
}

/* ---- rng ------------------------------------------------------------- */

static void test_rng_deterministic(void **state)
{
	struct fx *fx = *state;
	struct port_test *other = port_test_new();
	struct hal h2;
	uint8_t a[37], b[37], zero[37] = {0};

	assert_non_null(other);
	port_test_hal(other, &h2);
	assert_int_equal(hal_rng_fill(&fx->hal.rng, a, sizeof(a)), HAL_OK);
	assert_int_equal(hal_rng_fill(&h2.rng, b, sizeof(b)), HAL_OK);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
	/* The stream moves on. */
	assert_int_equal(hal_rng_fill(&fx->hal.rng, b, sizeof(b)), HAL_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	/* Seeding restarts it. */
	port_test_rng_seed(other, 0);
	assert_int_equal(hal_rng_fill(&h2.rng, b, sizeof(b)), HAL_OK);
	assert_memory_equal(a, b, sizeof(a));
	/* A fault fails one fill and leaves the buffer alone. */
	port_test_fault(fx->pt, PORT_TEST_FAULT_RNG, 0);
	memset(a, 0xAA, sizeof(a));
	assert_int_equal(hal_rng_fill(&fx->hal.rng, a, sizeof(a)), HAL_EIO);
	assert_int_equal(a[0], 0xAA);
	assert_int_equal(hal_rng_fill(&fx->hal.rng, a, sizeof(a)), HAL_OK);
	assert_int_equal(hal_rng_mbedtls(&fx->hal.rng, a, sizeof(a)), 0);
	port_test_free(other);
}

/* ---- storage --------------------------------------------------------- */

static void test_storage_names(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *name;
		int rc;
	} cases[] = {
		{"vcard.state", HAL_OK},
		{"A-b_c.1", HAL_OK},
		{"x", HAL_OK},
		{"0123456789012345678901234567890123456789012345678901234567890123", HAL_OK},
		{"01234567890123456789012345678901234567890123456789012345678901234",
		 HAL_EINVAL},
		{"", HAL_EINVAL},
		{".hidden", HAL_EINVAL},
		{"a/b", HAL_EINVAL},
		{"../up", HAL_EINVAL},
		{"sp ace", HAL_EINVAL},
		{"tab\t", HAL_EINVAL},
		{"caf\xc3\xa9", HAL_EINVAL},
	};
	const uint8_t v = 7;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(hal_storage_write(&fx->hal.storage, cases[i].name, &v, 1),
				 cases[i].rc);
	assert_int_equal(hal_storage_write(&fx->hal.storage, NULL, &v, 1), HAL_EINVAL);
}

static void test_storage_blobs(void **state)
{
	struct fx *fx = *state;
	uint8_t src[4] = {1, 2, 3, 4}, buf[8];
	size_t len = sizeof(buf);
	char name[16];
	int i;

	assert_int_equal(hal_storage_read(&fx->hal.storage, "a", buf, &len), HAL_ENOENT);
	assert_int_equal(hal_storage_write(&fx->hal.storage, "a", src, sizeof(src)), HAL_OK);
	src[0] = 99; /* copied in: the blob does not change */
	assert_int_equal(hal_storage_read(&fx->hal.storage, "a", buf, &len), HAL_OK);
	assert_int_equal(len, 4);
	assert_int_equal(buf[0], 1);
	len = 2;
	assert_int_equal(hal_storage_read(&fx->hal.storage, "a", buf, &len), HAL_ENOMEM);
	assert_int_equal(len, 4);
	assert_int_equal(hal_storage_write(&fx->hal.storage, "empty", NULL, 0), HAL_OK);
	len = sizeof(buf);
	assert_int_equal(hal_storage_read(&fx->hal.storage, "empty", buf, &len), HAL_OK);
	assert_int_equal(len, 0);
	assert_int_equal(hal_storage_remove(&fx->hal.storage, "empty"), HAL_OK);
	assert_int_equal(hal_storage_remove(&fx->hal.storage, "empty"), HAL_ENOENT);
	/* 32 blobs at most. */
	for (i = 1; i < PORT_TEST_MAX_BLOBS; i++) {
		snprintf(name, sizeof(name), "b%d", i);
		assert_int_equal(hal_storage_write(&fx->hal.storage, name, src, 1), HAL_OK);
	}
	assert_int_equal(port_test_storage_count(fx->pt), PORT_TEST_MAX_BLOBS);
	assert_int_equal(hal_storage_write(&fx->hal.storage, "one-more", src, 1), HAL_ENOMEM);
	assert_int_equal(hal_storage_write(&fx->hal.storage, "a", src, 1), HAL_OK);
}

static void test_storage_write_fault(void **state)
{
	struct fx *fx = *state;
	const uint8_t v1[] = "old", v2[] = "new!";
	uint8_t buf[8];
	size_t len = sizeof(buf);

	assert_int_equal(hal_storage_write(&fx->hal.storage, "s", v1, 3), HAL_OK);
	/* The 2nd write from now fails. */
	port_test_fault(fx->pt, PORT_TEST_FAULT_STORAGE_WRITE, 1);
	assert_int_equal(hal_storage_write(&fx->hal.storage, "t", v1, 3), HAL_OK);
	assert_int_equal(hal_storage_write(&fx->hal.storage, "s", v2, 4), HAL_EIO);
	assert_int_equal(hal_storage_read(&fx->hal.storage, "s", buf, &len), HAL_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, "old", 3);
	assert_int_equal(port_test_storage_writes(fx->pt), 2);
	/* One-shot: the next write works. */
	assert_int_equal(hal_storage_write(&fx->hal.storage, "s", v2, 4), HAL_OK);
	port_test_fault(fx->pt, PORT_TEST_FAULT_STORAGE_READ, 0);
	len = sizeof(buf);
	assert_int_equal(hal_storage_read(&fx->hal.storage, "s", buf, &len), HAL_EIO);
	/* Disarmed faults do nothing. */
	port_test_fault(fx->pt, PORT_TEST_FAULT_STORAGE_WRITE, 0);
	port_test_fault(fx->pt, PORT_TEST_FAULT_STORAGE_WRITE, -1);
	assert_int_equal(hal_storage_write(&fx->hal.storage, "s", v1, 3), HAL_OK);
}

/* ---- log ------------------------------------------------------------- */

static void test_log(void **state)
{
	struct fx *fx = *state;
	const struct hal_log *l = &fx->hal.log;

	assert_int_equal(hal_log_threshold(l), HAL_LOG_DEBUG);
	hal_log_write(l, HAL_LOG_ERR, "card gone");
	hal_log_write(l, HAL_LOG_DEBUG, "apdu 00a4");
	assert_string_equal(port_test_log(fx->pt), "error: card gone\ndebug: apdu 00a4\n");
	port_test_log_clear(fx->pt);
	port_test_log_level(fx->pt, HAL_LOG_WARN);
	assert_int_equal(hal_log_threshold(l), HAL_LOG_WARN);
	hal_log_write(l, HAL_LOG_INFO, "dropped");
	hal_log_write(l, HAL_LOG_WARN, "kept");
	assert_string_equal(port_test_log(fx->pt), "warning: kept\n");
}

/* ---- loop ------------------------------------------------------------ */

struct rec {
	struct fx *fx;
	char order[16];
	size_t n;
	uint64_t at[16];
	int cancel_id;
};

static struct rec rec;

static void rec_fire(char tag)
{
	rec.at[rec.n] = port_test_clock_mono(rec.fx->pt);
	rec.order[rec.n++] = tag;
}

static void on_a(void *arg)
{
	(void)arg;
	rec_fire('a');
}

static void on_b(void *arg)
{
	(void)arg;
	rec_fire('b');
	/* Adds a timer and cancels another from inside a callback. */
	assert_int_equal(hal_loop_add_timer(&rec.fx->hal.loop, 5, on_a, NULL, NULL), HAL_OK);
	assert_int_equal(hal_loop_cancel_timer(&rec.fx->hal.loop, rec.cancel_id), HAL_OK);
}

static void on_c(void *arg)
{
	(void)arg;
	rec_fire('c');
}

static void on_stop(void *arg)
{
	(void)arg;
	rec_fire('s');
	hal_loop_stop(&rec.fx->hal.loop);
}

static void test_loop_timers(void **state)
{
	struct fx *fx = *state;
	const struct hal_loop *l = &fx->hal.loop;
	int id_c, id_x;

	memset(&rec, 0, sizeof(rec));
	rec.fx = fx;
	assert_int_equal(hal_loop_add_timer(l, 300, on_c, NULL, &id_c), HAL_OK);
	assert_int_equal(hal_loop_add_timer(l, 100, on_b, NULL, NULL), HAL_OK);
	assert_int_equal(hal_loop_add_timer(l, 100, on_c, NULL, NULL), HAL_OK);
	assert_int_equal(hal_loop_add_timer(l, 200, on_a, NULL, &id_x), HAL_OK);
	assert_int_equal(hal_loop_cancel_timer(l, id_x), HAL_OK);
	assert_int_equal(hal_loop_cancel_timer(l, id_x), HAL_ENOENT);
	rec.cancel_id = id_c;
	assert_int_equal(port_test_loop_timers(fx->pt), 3);
	assert_int_equal(hal_loop_run(l), HAL_OK);
	/* b (100), c (100, added after b), a (105, added by b); c at 300 cancelled. */
	assert_string_equal(rec.order, "bca");
	assert_int_equal(rec.at[0], 1100);
	assert_int_equal(rec.at[1], 1100);
	assert_int_equal(rec.at[2], 1105);
	assert_int_equal(port_test_clock_mono(fx->pt), 1105);
	assert_int_equal(port_test_loop_timers(fx->pt), 0);
}

static void test_loop_stop_and_run_for(void **state)
{
	struct fx *fx = *state;
	const struct hal_loop *l = &fx->hal.loop;

	memset(&rec, 0, sizeof(rec));
	rec.fx = fx;
	assert_int_equal(hal_loop_add_timer(l, 10, on_stop, NULL, NULL), HAL_OK);
	assert_int_equal(hal_loop_add_timer(l, 20, on_a, NULL, NULL), HAL_OK);
	assert_int_equal(hal_loop_run(l), HAL_OK);
	assert_string_equal(rec.order, "s");
	assert_int_equal(port_test_loop_timers(fx->pt), 1);
	/* run_for stops at the limit with the later timer still pending. */
	assert_int_equal(hal_loop_add_timer(l, 3600 * 1000, on_c, NULL, NULL), HAL_OK);
	assert_int_equal(port_test_loop_run_for(fx->pt, 60 * 1000), HAL_ETIMEDOUT);
	assert_string_equal(rec.order, "sa");
	assert_int_equal(port_test_clock_mono(fx->pt), 1010 + 60 * 1000);
	assert_int_equal(hal_loop_run(l), HAL_OK);
	assert_string_equal(rec.order, "sac");
	assert_int_equal(port_test_clock_mono(fx->pt), 1010 + 3600 * 1000);
}

static int ready_events;

static void on_ready(int handle, int events, void *arg)
{
	struct fx *fx = arg;

	assert_int_equal(handle, 7);
	ready_events = events;
	assert_int_equal(hal_loop_watch(&fx->hal.loop, 7, 0, NULL, NULL), HAL_OK);
}

static void test_loop_watches(void **state)
{
	struct fx *fx = *state;
	const struct hal_loop *l = &fx->hal.loop;

	assert_int_equal(hal_loop_watch(l, 7, HAL_LOOP_READ, on_ready, fx), HAL_OK);
	/* Nothing ready and no timer: the real loop would wait for ever. */
	assert_int_equal(hal_loop_run(l), HAL_ETIMEDOUT);
	port_test_loop_ready(fx->pt, 7, HAL_LOOP_READ | HAL_LOOP_WRITE);
	assert_int_equal(hal_loop_run(l), HAL_OK);
	assert_int_equal(ready_events, HAL_LOOP_READ); /* only what was watched */
	assert_int_equal(hal_loop_watch(l, -1, HAL_LOOP_READ, on_ready, fx), HAL_EINVAL);
}

/* ---- what the test port leaves out ------------------------------------ */

static void test_unset_devices(void **state)
{
	struct fx *fx = *state;
	size_t n = 0;
	int h = -1;
	void *fl, *dl;

	assert_int_equal(hal_card_list(&fx->hal.card, NULL, 0, &n), HAL_ENOTSUP);
	assert_int_equal(hal_net_connect(&fx->hal.net, HAL_NET_TCP, "x", 1, 1, &h), HAL_ENOTSUP);
	assert_int_equal(hal_p11_load(&fx->hal.p11, NULL, &fl, &dl), HAL_ENOTSUP);
	assert_string_equal(hal_p11_error(&fx->hal.p11), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keys_script, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_keys_slow_user, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_keys_eof_and_fault, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_display_transcript, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_clock, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rng_deterministic, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_storage_names, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_storage_blobs, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_storage_write_fault, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_log, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_loop_timers, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_loop_stop_and_run_for, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_loop_watches, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_unset_devices, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
