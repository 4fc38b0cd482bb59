/*
 * test_port_embedded.c: the embedded overlay (ports/embedded) against a
 * scripted event source: struct input_event records written into a pipe
 * or a FIFO that the keypad reads as it would /dev/input/eventN, and the
 * character display drawn into a pipe or a file standing in for /dev/lcd;
 * then the board's entry, board_open, the very object signet links: on a
 * board with devices of its own (the desk phone) it attaches the overlay
 * at the paths of its board.mk or of the environment; on the others it
 * leaves the terminal in place.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "board.h"
#include "pin.h"
#include "ports/embedded/port_embedded.h"

/* ---- scripted events -------------------------------------------------- */

struct ev {
	unsigned short type, code;
	int value;
};

#define PRESS(c) {EV_KEY, (c), 1}, {EV_SYN, SYN_REPORT, 0}, {EV_KEY, (c), 0}, {EV_SYN, SYN_REPORT, 0}
#define END {0xffff, 0, 0}

static void put_events(int fd, const struct ev *e)
{
	for (; e->type != 0xffff; e++) {
		struct input_event ie;

		memset(&ie, 0, sizeof(ie));
		ie.type = e->type;
		ie.code = e->code;
		ie.value = e->value;
		assert_int_equal(write(fd, &ie, sizeof(ie)), (ssize_t)sizeof(ie));
	}
}

/* Reads keys until the script runs dry; writes them as a string:
 * digits as themselves, B backspace, C clear, E enter, X cancel, Sn soft
 * key n. */
static void keys_as_text(const struct hal_keypad *kp, char *out, size_t cap)
{
	struct hal_key k;
	size_t n = 0;

	while (hal_keypad_read(kp, 2000, &k) == HAL_OK && n + 3 < cap) {
		switch (k.kind) {
		case HAL_KEY_CHAR: out[n++] = k.ch; break;
		case HAL_KEY_BACKSPACE: out[n++] = 'B'; break;
		case HAL_KEY_CLEAR: out[n++] = 'C'; break;
		case HAL_KEY_ENTER: out[n++] = 'E'; break;
		case HAL_KEY_CANCEL: out[n++] = 'X'; break;
		case HAL_KEY_SOFT: out[n++] = 'S'; out[n++] = k.ch; break;
		}
	}
	out[n] = '\0';
}

static const struct {
	const char *name;
	struct ev events[40];
	const char *keys;
} key_cases[] = {
	{"top-row digits", {PRESS(KEY_1), PRESS(KEY_2), PRESS(KEY_9), PRESS(KEY_0), END}, "1290"},
	{"keypad digits and enter", {PRESS(KEY_KP4), PRESS(KEY_KP7), PRESS(KEY_KPENTER), END}, "47E"},
	{"phone keypad", {PRESS(KEY_NUMERIC_5), PRESS(KEY_NUMERIC_STAR), PRESS(KEY_OK), END}, "5*E"},
	{"editing keys", {PRESS(KEY_BACKSPACE), PRESS(KEY_DELETE), PRESS(KEY_ENTER), END}, "BCE"},
	{"cancel keys", {PRESS(KEY_ESC), PRESS(KEY_CANCEL), PRESS(KEY_EXIT), END}, "XXX"},
	{"soft keys F1-F4", {PRESS(KEY_F1), PRESS(KEY_F2), PRESS(KEY_F3), PRESS(KEY_F4), END},
	 "S1S2S3S4"},
	/* A held key auto-repeats (value 2): one digit, not three. */
	{"auto-repeat ignored", {{EV_KEY, KEY_3, 1}, {EV_KEY, KEY_3, 2}, {EV_KEY, KEY_3, 2},
				 {EV_KEY, KEY_3, 0}, END}, "3"},
	{"other keys and events ignored", {PRESS(KEY_A), PRESS(KEY_F5), {EV_MSC, MSC_SCAN, 4},
					   {EV_REL, REL_X, 1}, PRESS(KEY_6), END}, "6"},
	{"releases alone give nothing", {{EV_KEY, KEY_1, 0}, {EV_KEY, KEY_ENTER, 0}, END}, ""},
};

static void test_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		struct hal_keypad kp = {0};
		char got[64];
		int p[2];

		print_message("case: %s\n", key_cases[i].name);
		assert_int_equal(pipe(p), 0);
		assert_int_equal(emb_keypad_from_fd(p[0], &kp), HAL_OK);
		put_events(p[1], key_cases[i].events);
		close(p[1]); /* then end of input */
		keys_as_text(&kp, got, sizeof(got));
		assert_string_equal(got, key_cases[i].keys);
		emb_keypad_close(&kp);
		assert_null(kp.ops);
	}
}

/* A record handed over in two writes is still one key. */
static void test_partial_record(void **state)
{
	struct hal_keypad kp = {0};
	struct input_event ie;
	struct hal_key k;
	int p[2];

	(void)state;
	memset(&ie, 0, sizeof(ie));
	ie.type = EV_KEY;
	ie.code = KEY_7;
	ie.value = 1;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(emb_keypad_from_fd(p[0], &kp), HAL_OK);
	assert_int_equal(write(p[1], &ie, 5), 5);
	/* Half a record is not a key: the read waits, then times out. */
	assert_int_equal(hal_keypad_read(&kp, 50, &k), HAL_ETIMEDOUT);
	assert_int_equal(write(p[1], (char *)&ie + 5, sizeof(ie) - 5), (ssize_t)(sizeof(ie) - 5));
	assert_int_equal(hal_keypad_read(&kp, 2000, &k), HAL_OK);
	assert_int_equal(k.kind, HAL_KEY_CHAR);
	assert_int_equal(k.ch, '7');
	close(p[1]);
	assert_int_equal(hal_keypad_read(&kp, 2000, &k), HAL_ECLOSED);
	emb_keypad_close(&kp);
}

/* ---- the character display ----------------------------------------------- */

static void test_display_spec(void **state)
{
	static const struct {
		const char *spec;
		int rc;
		unsigned cols, rows;
	} cases[] = {
		{"chars:16x2", HAL_OK, 16, 2},  {"chars:20x4", HAL_OK, 20, 4},
		{"chars:40x3", HAL_OK, 40, 3},  {"chars:16x1", HAL_EINVAL, 0, 0},
		{"chars:41x2", HAL_EINVAL, 0, 0}, {"chars:16x2x", HAL_EINVAL, 0, 0},
		{"chars:0x2", HAL_EINVAL, 0, 0}, {"terminal", HAL_EINVAL, 0, 0},
		{"", HAL_EINVAL, 0, 0},          {NULL, HAL_EINVAL, 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned c = 0, r = 0;

		assert_int_equal(emb_display_spec(cases[i].spec, &c, &r), cases[i].rc);
		if (cases[i].rc == HAL_OK) {
			assert_int_equal(c, cases[i].cols);
			assert_int_equal(r, cases[i].rows);
		}
	}
}

struct dpy_step {
	char op; /* p prompt, m mask, s status, d done */
	const char *text;
	size_t n;
	const char *rows[4];
};

static const struct {
	const char *name;
	unsigned cols, rows;
	struct dpy_step steps[6];
} dpy_cases[] = {
	{"16x2: prompt, field, status over the prompt", 16, 2, {
		{'p', "Enter PIN", 0, {"Enter PIN       ", "                "}},
		{'m', NULL, 4, {"Enter PIN       ", "****            "}},
		{'s', "2 tries left", 0, {"2 tries left    ", "****            "}},
		{'s', "", 0, {"Enter PIN       ", "****            "}},
		{'d', NULL, 0, {"                ", "                "}},
	}},
	{"20x4: status on the last row", 20, 4, {
		{'p', "PIN for alice@example.test", 0,
		 {"PIN for alice@exampl", "                    ", "                    ",
		  "                    "}},
		{'m', NULL, 25, {"PIN for alice@exampl", "********************",
				 "                    ", "                    "}},
		{'s', "Wrong PIN", 0, {"PIN for alice@exampl", "********************",
				       "                    ", "Wrong PIN           "}},
		{'d', NULL, 0, {"                    ", "                    ", "                    ",
				"Wrong PIN           "}},
	}},
	{"control bytes and UTF-8 shown as ?", 8, 2, {
		{'p', "a\033[2Jb", 0, {"a?[2Jb  ", "        "}},
		{'p', "\xc3\xa1lvaro\n", 0, {"?lvaro? ", "        "}},
	}},
};

static void run_steps(const struct hal_display *d, const struct dpy_step *st, unsigned rows)
{
	for (; st->op; st++) {
		switch (st->op) {
		case 'p': assert_int_equal(hal_display_prompt(d, st->text), HAL_OK); break;
		case 'm': assert_int_equal(hal_display_mask(d, st->n), HAL_OK); break;
		case 's': assert_int_equal(hal_display_status(d, st->text), HAL_OK); break;
		case 'd': assert_int_equal(hal_display_done(d), HAL_OK); break;
		}
		for (unsigned r = 0; r < rows; r++)
			assert_string_equal(emb_display_row(d, r), st->rows[r]);
		assert_null(emb_display_row(d, rows));
	}
}

static void test_display_layout(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(dpy_cases) / sizeof(dpy_cases[0]); i++) {
		struct hal_display d = {0};
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

		print_message("case: %s\n", dpy_cases[i].name);
		assert_true(fd >= 0);
		assert_int_equal(emb_display_from_fd(fd, EMB_SINK_LCD, dpy_cases[i].cols,
						     dpy_cases[i].rows, &d), HAL_OK);
		run_steps(&d, dpy_cases[i].steps, dpy_cases[i].rows);
		emb_display_close(&d);
	}
}

static size_t slurp(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return n;
}

/* What reaches the device: charlcd frames, or the terminal's box. */
static void test_display_sinks(void **state)
{
	struct hal_display d = {0};
	char out[4096];
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(emb_display_from_fd(p[1], EMB_SINK_LCD, 16, 2, &d), HAL_OK);
	assert_int_equal(hal_display_prompt(&d, "Enter PIN"), HAL_OK);
	assert_int_equal(hal_display_mask(&d, 2), HAL_OK);
	emb_display_close(&d); /* closes p[1] */
	slurp(p[0], out, sizeof(out));
	close(p[0]);
	assert_string_equal(out, "\fEnter PIN       \n                "
				 "\fEnter PIN       \n**              ");

	assert_int_equal(pipe(p), 0);
	assert_int_equal(emb_display_from_fd(p[1], EMB_SINK_TERM, 4, 2, &d), HAL_OK);
	assert_int_equal(hal_display_prompt(&d, "PIN"), HAL_OK);
	assert_int_equal(hal_display_mask(&d, 1), HAL_OK);
	emb_display_close(&d);
	slurp(p[0], out, sizeof(out));
	close(p[0]);
	/* The second frame goes back up the box's four lines first. */
	assert_string_equal(out, "\r+----+\r\n|PIN |\r\n|    |\r\n+----+\r\n"
				 "\033[4A\r+----+\r\n|PIN |\r\n|*   |\r\n+----+\r\n");
	assert_int_equal(emb_display_from_fd(-1, EMB_SINK_LCD, 41, 2, &d), HAL_EINVAL);
	assert_null(d.ops);
}

/* ---- the overlay on the Linux port's devices, by path ------------------- */

static const char *scratch(void)
{
	const char *s = getenv("SIGNET_SCRATCH");

	return s ? s : ".";
}

/* PIN entry as a phone does it: keys from a FIFO, the display a file
 * standing in for /dev/lcd. The PIN reaches the core; the display only
 * ever shows its length. */
static void test_pin_entry_on_overlay(void **state)
{
	static const struct ev script[] = {
		PRESS(KEY_4), PRESS(KEY_7), PRESS(KEY_BACKSPACE), PRESS(KEY_8), PRESS(KEY_NUMERIC_2),
		PRESS(KEY_KP5), PRESS(KEY_ENTER), END,
	};
	char fifo[512], lcd[512], out[8192];
	struct hal hal;
	const struct hal_keypad tty_keypad = {NULL, (void *)&hal};
	struct port_embedded *pe = NULL;
	struct port_embedded_opts o = {0};
	struct pin_policy pol;
	struct pin pin;
	struct sg_error e;
	int wfd, rfd;

	(void)state;
	snprintf(fifo, sizeof(fifo), "%s/event0", scratch());
	snprintf(lcd, sizeof(lcd), "%s/lcd", scratch());
	assert_int_equal(mkfifo(fifo, 0600), 0);
	rfd = open(lcd, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(rfd >= 0);
	close(rfd);
	memset(&hal, 0, sizeof(hal));
	hal.keypad = tty_keypad; /* what the Linux port had: put back by detach */
	o.input_path = fifo;
	o.display = "chars:16x2";
	o.lcd_path = lcd;
	/* O_NONBLOCK open of a FIFO's read end succeeds without a writer. */
	assert_int_equal(port_embedded_attach(&hal, &o, &pe), HAL_OK);
	assert_non_null(pe);
	assert_ptr_not_equal(hal.keypad.ctx, tty_keypad.ctx);
	wfd = open(fifo, O_WRONLY | O_CLOEXEC);
	assert_true(wfd >= 0);
	put_events(wfd, script);
	close(wfd);

	pin_policy_default(&pol);
	memset(&e, 0, sizeof(e));
	assert_int_equal(pin_entry(&hal, &pol, "Enter PIN", &pin, &e), SG_OK);
	assert_int_equal(pin.len, 4);
	assert_memory_equal(pin.v, "4825", 4);
	pin_wipe(&pin);
	assert_string_equal(emb_display_row(&hal.display, 0), "                ");
	port_embedded_detach(&hal, pe);
	assert_ptr_equal(hal.keypad.ctx, tty_keypad.ctx);
	assert_null(hal.display.ops);

	rfd = open(lcd, O_RDONLY | O_CLOEXEC);
	assert_true(rfd >= 0);
	slurp(rfd, out, sizeof(out));
	close(rfd);
	assert_non_null(strstr(out, "\fEnter PIN       \n****            "));
	assert_null(strpbrk(out, "0123456789")); /* no digit of the PIN, ever */
}

/* Devices that cannot be opened leave the Linux port's in place; a bad
 * display spec is refused and changes nothing. */
static void test_overlay_fallbacks(void **state)
{
	struct hal hal;
	struct port_embedded *pe = NULL;
	struct port_embedded_opts o = {0};
	char missing[512];
	int marker;
	const struct hal_keypad kp0 = {NULL, &marker};
	const struct hal_display d0 = {NULL, &marker};

	(void)state;
	snprintf(missing, sizeof(missing), "%s/no-such-device", scratch());
	memset(&hal, 0, sizeof(hal));
	hal.keypad = kp0;
	hal.display = d0;
	o.input_path = missing;
	o.display = "terminal";
	assert_int_equal(port_embedded_attach(&hal, &o, &pe), HAL_OK);
	assert_ptr_equal(hal.keypad.ctx, &marker);
	assert_ptr_equal(hal.display.ctx, &marker);
	port_embedded_detach(&hal, pe);

	/* No LCD, no terminal: the display stays as it was. */
	o.display = "chars:16x2";
	o.lcd_path = missing;
	o.term_path = missing;
	assert_int_equal(port_embedded_attach(&hal, &o, &pe), HAL_OK);
	assert_ptr_equal(hal.display.ctx, &marker);
	port_embedded_detach(&hal, pe);

	/* No LCD: the grid goes to the terminal (here a file). */
	snprintf(missing, sizeof(missing), "%s/tty", scratch());
	close(open(missing, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	o.term_path = missing;
	assert_int_equal(port_embedded_attach(&hal, &o, &pe), HAL_OK);
	assert_non_null(emb_display_row(&hal.display, 0));
	assert_int_equal(hal_display_prompt(&hal.display, "PIN"), HAL_OK);
	port_embedded_detach(&hal, pe);
	assert_ptr_equal(hal.display.ctx, &marker);

	o.display = "chars:99x9";
	assert_int_equal(port_embedded_attach(&hal, &o, &pe), HAL_EINVAL);
	assert_null(pe);
	assert_ptr_equal(hal.keypad.ctx, &marker);
	assert_ptr_equal(hal.display.ctx, &marker);
}

/* ---- the board's entry: what signet, the daemon and pam_signet call ---- */

static const char *const board_vars[] = {"SIGNET_INPUT_DEVICE", "SIGNET_LCD_DEVICE",
					  "SIGNET_DISPLAY"};

static void board_unsetenv(void)
{
	for (size_t i = 0; i < sizeof(board_vars) / sizeof(board_vars[0]); i++)
		unsetenv(board_vars[i]);
}

/* Options as signet's (cli.c) but for a scratch state directory and a
 * file for a terminal. */
static void board_test_opts(struct board_opts *bo, char *tty, size_t cap)
{
	int fd;

	memset(bo, 0, sizeof(*bo));
	snprintf(tty, cap, "%s/board-tty", scratch());
	fd = open(tty, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	bo->tty_path = tty;
	bo->storage_dir = scratch();
	bo->devkey_no_create = 1;
	bo->log_ident = "test_port_embedded";
	bo->log_level = HAL_LOG_ERR;
	bo->env = 1;
}

/* The paths come from board.mk; the environment overrides them only when
 * the caller allows it (pam_signet does not), and an empty variable does
 * not. A board without devices of its own has none, whatever is set. */
static void test_board_paths(void **state)
{
	struct board_opts bo = {0};
	struct board_paths own, env;

	(void)state;
	setenv("SIGNET_INPUT_DEVICE", "/nonexistent/event7", 1);
	setenv("SIGNET_LCD_DEVICE", "/nonexistent/lcd7", 1);
	setenv("SIGNET_DISPLAY", "", 1);
	board_paths(&bo, &own);
	bo.env = 1;
	board_paths(&bo, &env);
	board_unsetenv();
	if (!own.input_device) {
		print_message("board %s: no devices of its own\n", SIGNET_BOARD);
		assert_null(own.lcd_device);
		assert_null(own.display);
		assert_null(env.input_device);
		assert_null(env.lcd_device);
		assert_null(env.display);
		return;
	}
	assert_non_null(own.lcd_device);
	assert_non_null(own.display);
	assert_string_not_equal(own.input_device, "/nonexistent/event7");
	assert_string_not_equal(own.lcd_device, "/nonexistent/lcd7");
	assert_string_equal(env.input_device, "/nonexistent/event7");
	assert_string_equal(env.lcd_device, "/nonexistent/lcd7");
	assert_string_equal(env.display, own.display); /* empty: the board's */
}

/* signet's PIN entry through board_open: on the desk phone keys from the
 * input device named by SIGNET_INPUT_DEVICE (a FIFO here) and the grid on
 * SIGNET_LCD_DEVICE (a file); elsewhere the variables change nothing and
 * the terminal's keypad and display stay. */
static void test_board_entry(void **state)
{
	static const struct ev script[] = {
		PRESS(KEY_4), PRESS(KEY_7), PRESS(KEY_BACKSPACE), PRESS(KEY_8), PRESS(KEY_NUMERIC_2),
		PRESS(KEY_KP5), PRESS(KEY_ENTER), END,
	};
	char fifo[512], lcd[512], tty[512], out[8192];
	struct board_opts bo;
	struct board_paths bp;
	struct hal hal;
	struct pin_policy pol;
	struct pin pin;
	struct sg_error e;
	int fd;

	(void)state;
	board_test_opts(&bo, tty, sizeof(tty));
	snprintf(fifo, sizeof(fifo), "%s/board-event0", scratch());
	snprintf(lcd, sizeof(lcd), "%s/board-lcd", scratch());
	assert_int_equal(mkfifo(fifo, 0600), 0);
	fd = open(lcd, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	setenv("SIGNET_INPUT_DEVICE", fifo, 1);
	setenv("SIGNET_LCD_DEVICE", lcd, 1);
	setenv("SIGNET_DISPLAY", "chars:16x2", 1);
	board_paths(&bo, &bp);
	assert_int_equal(board_open(&hal, &bo), HAL_OK);
	board_unsetenv();
	assert_non_null(hal.clock.ops);
	assert_non_null(hal.rng.ops);
	if (!bp.input_device) {
		print_message("board %s: the terminal's keypad and display\n", SIGNET_BOARD);
		assert_non_null(hal.keypad.ops);
		assert_null(emb_display_row(&hal.display, 0));
		/* Nobody reads the FIFO. */
		assert_int_equal(open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC), -1);
		assert_int_equal(errno, ENXIO);
		board_close(&hal);
		return;
	}
	fd = open(fifo, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	put_events(fd, script);
	close(fd);
	pin_policy_default(&pol);
	memset(&e, 0, sizeof(e));
	assert_int_equal(pin_entry(&hal, &pol, "Enter PIN", &pin, &e), SG_OK);
	assert_int_equal(pin.len, 4);
	assert_memory_equal(pin.v, "4825", 4);
	pin_wipe(&pin);
	assert_string_equal(emb_display_row(&hal.display, 0), "                ");
	board_close(&hal);
	assert_null(hal.keypad.ops);
	assert_null(hal.display.ops);

	fd = open(lcd, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	slurp(fd, out, sizeof(out));
	close(fd);
	assert_non_null(strstr(out, "\fEnter PIN       \n****            "));
	assert_null(strpbrk(out, "0123456789"));
}

/* headless (pam_signet, the tools): the board opens none of its own
 * devices, even when they are named. */
static void test_board_headless(void **state)
{
	char fifo[512], tty[512];
	struct board_opts bo;
	struct hal hal;

	(void)state;
	board_test_opts(&bo, tty, sizeof(tty));
	bo.headless = 1;
	snprintf(fifo, sizeof(fifo), "%s/board-event1", scratch());
	assert_int_equal(mkfifo(fifo, 0600), 0);
	setenv("SIGNET_INPUT_DEVICE", fifo, 1);
	setenv("SIGNET_DISPLAY", "chars:16x2", 1);
	assert_int_equal(board_open(&hal, &bo), HAL_OK);
	board_unsetenv();
	assert_int_equal(open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC), -1);
	assert_int_equal(errno, ENXIO);
	assert_null(emb_display_row(&hal.display, 0));
	board_close(&hal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_partial_record),
		cmocka_unit_test(test_display_spec),
		cmocka_unit_test(test_display_layout),
		cmocka_unit_test(test_display_sinks),
		cmocka_unit_test(test_pin_entry_on_overlay),
		cmocka_unit_test(test_overlay_fallbacks),
		cmocka_unit_test(test_board_paths),
		cmocka_unit_test(test_board_entry),
		cmocka_unit_test(test_board_headless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
