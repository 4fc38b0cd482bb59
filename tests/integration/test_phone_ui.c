/*
 * test_phone_ui.c: `signet run --ui phone` on a real terminal (tmux: a
 * pseudo-terminal, keys by send-keys, the screen by capture-pane), signing
 * in to a real Kamailio with the in-process virtual card: the phone's box
 * is drawn, the PIN shows as '*' only, a wrong PIN shows the tries left,
 * F1 (the OK soft key) submits, "Signed in as sip:alice@example.test"
 * appears once registered, and pulling the card (vcard-alice.removed)
 * shows it, locks and unregisters; SIGTERM during PIN entry exits 0.
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

#define PIN "123456"

static char kam[600], conf[600], state_dir[600], key[600];
static char sock[64];
static int kam_pid, tls_port;
static char screen[16384];

static int group_setup(void **state)
{
	(void)state;
	snprintf(state_dir, sizeof(state_dir), "%s/state", itest_scratch());
	snprintf(key, sizeof(key), "%s/device.key", itest_scratch());
	setenv("SIGNET_STATE_DIR", state_dir, 1);
	setenv("SIGNET_DEVICE_KEY", key, 1);
	if (itest_sh("mkdir -p '%s/card' && printf '" PIN "\\n12345678\\n' | "
		     "'%s/tools/vcard-mkcard' alice '%s/card' alice >'%s/mkcard.log' 2>&1",
		     itest_scratch(), getenv("SIGNET_BUILD"), itest_scratch(), itest_scratch()))
		return -1;
	snprintf(kam, sizeof(kam), "%s/kam", itest_scratch());
	tls_port = itest_free_port();
	int udp = itest_free_port();
	kam_pid = itest_spawn("kamailio",
			      "exec %s/tools/kamailio-run '%s' start --udp %d --tcp %d --tls %d "
			      "--client-ca '%s/card/ca.pem'",
			      itest_top(), kam, udp, udp, tls_port, itest_scratch());
	if (itest_sh("%s/tools/kamailio-run '%s' wait", itest_top(), kam))
		return -1;
	snprintf(conf, sizeof(conf), "%s/signet.conf", itest_scratch());
	snprintf(sock, sizeof(sock), "signet-phone-%d", (int)getpid());
	return itest_sh("printf '[token]\\nbackend = vcard\\nuri = pkcs11:id=%%%%9a\\n[vcard]\\n"
			"name = alice\\n[certs]\\nca = %s/card/ca.pem\\nrevocation = none\\n"
			"[sip]\\nuser = sip:alice@example.test\\nregistrar = sips:127.0.0.1:%d\\n"
			"ca = %s/server-ca.crt\\n' > '%s'",
			itest_scratch(), tls_port, kam, conf);
}

static int group_teardown(void **state)
{
	(void)state;
	itest_sh("tmux -L %s kill-server 2>/dev/null", sock);
	itest_stop(kam_pid);
	return 0;
}

static void capture(void)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/screen.txt", itest_scratch());
	itest_sh("tmux -L %s capture-pane -p -t t > '%s'", sock, path);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(screen, 1, sizeof(screen) - 1, f) : 0;
	screen[n] = '\0';
	if (f)
		fclose(f);
}

/* Waits (up to 20 s: generous, the test is not timed) for text on screen. */
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

static void keys(const char *k)
{
	assert_int_equal(itest_sh("tmux -L %s send-keys -t t %s", sock, k), 0);
}

static int bound(void)
{
	return itest_sh("%s/tools/kamailio-run '%s' lookup alice | grep -q Contact", itest_top(),
			kam) == 0;
}

/* Every line of the box is as wide as its top border. */
static void assert_box(void)
{
	const char *top = strstr(screen, "+---");
	size_t w, lines = 0;

	assert_non_null(top);
	w = strcspn(top, "\n");
	assert_true(w >= 34);
	for (const char *l = strchr(top, '\n'); l && l[1] == '|'; l = strchr(l + 1, '\n')) {
		assert_int_equal(strcspn(l + 1, "\n"), w);
		lines++;
	}
	assert_true(lines >= 4);
}

static void test_phone_sign_in_and_pull(void **state)
{
	(void)state;
	assert_int_equal(itest_sh("tmux -L %s -f /dev/null new-session -d -s t -x 100 -y 30 "
				  "\"env SIGNET_STATE_DIR='%s' SIGNET_DEVICE_KEY='%s' %s run --ui phone "
				  "--config '%s'; echo EXIT=\\$?; sleep 60\"",
				  sock, state_dir, key, itest_signet(), conf),
			 0);
	assert_true(wait_for("PIN for virtual card alice"));
	assert_box();
	assert_non_null(strstr(screen, "F1 OK"));

	/* A wrong PIN: the tries left; the digits never on screen. */
	keys("-l 000000");
	assert_true(wait_for("PIN: ******"));
	keys("Enter");
	assert_true(wait_for("Wrong PIN, 2 tries left"));
	assert_null(strstr(screen, "000000"));

	/* The right one, submitted with the OK soft key (F1). */
	keys("-l 1234");
	assert_true(wait_for("PIN: ****"));
	assert_null(strstr(screen, "1234"));
	keys("-l 56");
	keys("F1");
	assert_true(wait_for("Signed in as sip:alice@example.test"));
	assert_box();
	assert_null(strstr(screen, PIN));
	assert_true(bound());

	/* Pulled: locked, signed out, the contact gone. */
	assert_int_equal(itest_sh("touch '%s/vcard-alice.removed'", state_dir), 0);
	assert_true(wait_for("Locked: insert your card"));
	print_message("%s", screen);
	assert_non_null(strstr(screen, "Signed out"));
	assert_false(bound());
	assert_box();

	/* Back in, and SIGTERM while the PIN is asked for: exit 0 at once,
	 * not after the PIN timeout. */
	assert_int_equal(itest_sh("rm '%s/vcard-alice.removed'", state_dir), 0);
	assert_true(wait_for("PIN: "));
	assert_int_equal(itest_sh("kill -TERM $(pgrep -P $(tmux -L %s display -p -t t "
				  "'#{pane_pid}') -x signet)",
				  sock),
			 0);
	assert_true(wait_for("EXIT=0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_sign_in_and_pull),
	};
	return cmocka_run_group_tests_name("phone_ui", tests, group_setup, group_teardown);
}
