/*
 * test_terminal.c: PIN entry on a real terminal. signet runs inside tmux
 * (a real pseudo-terminal, so it opens /dev/tty like on a desktop); the
 * test types with send-keys and reads the screen with capture-pane: the
 * PIN shows as '*' only, Backspace edits, Esc cancels (exit 11), a wrong
 * PIN gives exit 4, the right one signs and verifies.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest.h"

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"
#define PIN "123456"

static char *dir;
static char sock[64];
static int run_no;
static char screen[16384];

static int group_setup(void **state)
{
	char conf[600];
	(void)state;
	dir = itest_mktoken("term", "term-test", PIN, "ec:erin:01");
	if (!dir)
		return -1;
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", dir);
	setenv("SOFTHSM2_CONF", conf, 1);
	snprintf(sock, sizeof(sock), "signet-test-%d", (int)getpid());
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	itest_sh("tmux -L %s kill-server 2>/dev/null", sock);
	free(dir);
	return 0;
}

/* Reads the pane into screen[]. */
static void capture(void)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/screen.txt", itest_scratch());
	itest_sh("tmux -L %s capture-pane -p -t t > '%s'", sock, path);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(screen, 1, sizeof(screen) - 1, f) : 0;
	screen[n] = '\0';
	if (f)
		fclose(f);
}

/* Waits (up to 20 s: a loaded machine is slow, the test is not timed)
 * until the screen shows text. */
static int wait_for(const char *text)
{
	for (int i = 0; i < 200; i++) {
		capture();
		if (strstr(screen, text))
			return 1;
		usleep(100 * 1000);
	}
	print_message("screen was:\n%s\n", screen);
	return 0;
}

/* Starts signet in a fresh tmux session; EXIT=<code> is printed after. */
static void start(const char *args)
{
	/* A fresh server (socket) per run: reusing one that is shutting
	 * down races with its exit. */
	itest_sh("tmux -L %s kill-server 2>/dev/null", sock);
	snprintf(sock, sizeof(sock), "signet-test-%d-%d", (int)getpid(), ++run_no);
	assert_int_equal(itest_sh("tmux -L %s -f /dev/null new-session -d -s t -x 120 -y 30 "
				  "\"env SOFTHSM2_CONF='%s' %s %s --module %s; echo EXIT=\\$?; sleep 60\"",
				  sock, getenv("SOFTHSM2_CONF"), itest_signet(), args, SOFTHSM),
			 0);
}

static void keys(const char *k)
{
	assert_int_equal(itest_sh("tmux -L %s send-keys -t t %s", sock, k), 0);
}

static void test_pin_typed_and_masked(void **state)
{
	(void)state;
	start("sign --verify");
	assert_true(wait_for("PIN for term-test"));
	keys("-l 1234567"); /* one digit too many ... */
	keys("BSpace");      /* ... taken back */
	keys("-l 9");
	keys("BSpace");
	keys("Enter");
	assert_true(wait_for("EXIT="));
	assert_non_null(strstr(screen, "******"));
	assert_non_null(strstr(screen, "verified"));
	assert_non_null(strstr(screen, "EXIT=0"));
	assert_null(strstr(screen, "123456"));
}

static void test_escape_cancels(void **state)
{
	(void)state;
	start("sign --verify");
	assert_true(wait_for("PIN for term-test"));
	keys("-l 12");
	keys("Escape");
	assert_true(wait_for("EXIT="));
	assert_non_null(strstr(screen, "EXIT=11"));
	assert_non_null(strstr(screen, "cancelled"));
}

static void test_wrong_pin(void **state)
{
	(void)state;
	start("sign --verify");
	assert_true(wait_for("PIN for term-test"));
	keys("-l 999999");
	keys("Enter");
	assert_true(wait_for("EXIT="));
	assert_non_null(strstr(screen, "EXIT=4"));
	assert_non_null(strstr(screen, "wrong PIN"));
	assert_null(strstr(screen, "999999"));
}

static void test_short_pin_is_not_sent(void **state)
{
	(void)state;
	start("sign --verify");
	assert_true(wait_for("PIN for term-test"));
	keys("-l 12");
	keys("Enter"); /* too short: the prompt stays */
	assert_true(wait_for("Too short"));
	keys("-l 3456");
	keys("Enter");
	assert_true(wait_for("EXIT="));
	assert_non_null(strstr(screen, "EXIT=0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_typed_and_masked),
		cmocka_unit_test(test_escape_cancels),
		cmocka_unit_test(test_wrong_pin),
		cmocka_unit_test(test_short_pin_is_not_sent),
	};
	return cmocka_run_group_tests_name("terminal", tests, group_setup, group_teardown);
}
