/*
 * test_run.c: `signet run` against a real Kamailio (TLS with client
 * certificates) with the in-process virtual card (made by
 * tools/vcard-mkcard): it signs in when the card is there, and pulling the
 * card (the vcard-NAME.removed blob) unregisters (the contact leaves
 * Kamailio's location table) and locks within a generous bound; putting it
 * back signs in again; a wrong PIN says the tries left; SIGTERM
 * unregisters and exits 0; a sign-in that cannot start says why without
 * citing a CLI flag. PINs come on fd 3, one line per try.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest.h"

#define PIN "123456"

static char kam[600], conf[600], state_dir[600];
static int kam_pid, tls_port;
static int run_pid; /* the signet run of the current test, stopped by teardown */

/* The configuration, with these [token] settings. */
static int write_conf(const char *path, const char *token)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "[token]\n%s\n[vcard]\nname = alice\n[certs]\nca = %s/card/ca.pem\n"
		"revocation = none\n[sip]\nuser = sip:alice@example.test\n"
		"registrar = sips:127.0.0.1:%d\nca = %s/server-ca.crt\nretry_base = 1\n",
		token, itest_scratch(), tls_port, kam);
	return fclose(f) ? -1 : 0;
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(state_dir, sizeof(state_dir), "%s/state", itest_scratch());
	setenv("SIGNET_STATE_DIR", state_dir, 1);
	char key[700];
	snprintf(key, sizeof(key), "%s/device.key", itest_scratch());
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
	return write_conf(conf, "backend = vcard\nuri = pkcs11:id=%9a");
}

static int group_teardown(void **state)
{
	(void)state;
	itest_stop(kam_pid);
	return 0;
}

static int bound(void)
{
	return itest_sh("%s/tools/kamailio-run '%s' lookup alice | grep -q Contact", itest_top(),
			kam) == 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int stop_and_wait(int pid)
{
	int st = 0, reaped = 0;

	kill(pid, SIGTERM);
	for (int i = 0; i < 200 && !reaped; i++) {
		reaped = waitpid(pid, &st, WNOHANG) == pid;
		if (!reaped)
			usleep(100 * 1000);
	}
	if (!reaped)
		return -1; /* teardown stops it */
	run_pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int test_teardown(void **state)
{
	(void)state;
	if (run_pid > 0)
		itest_stop(run_pid);
	run_pid = 0;
	return 0;
}

static void test_card_pulled_and_back(void **state)
{
	char marker[700];
	(void)state;

	snprintf(marker, sizeof(marker), "%s/vcard-alice.removed", state_dir);
	int pid = run_pid = itest_spawn("run", "exec %s run --config '%s' --pin-fd 3 3<<EOF\n" PIN "\n" PIN
			      "\nEOF",
			      itest_signet(), conf);
	assert_int_equal(itest_wait_count("run", "run: CONNECTING -> REGISTERED", 1, 20), 0);
	assert_true(bound());
	assert_int_equal(itest_log_count("run", PIN), 0);

	/* Pulled: unregistered and locked, well within a generous bound. */
	double t0 = now_s();
	assert_int_equal(itest_sh("touch '%s'", marker), 0);
	assert_int_equal(itest_wait_count("run", "UNREGISTERING -> LOCKED", 1, 20), 0);
	double took = now_s() - t0;
	print_message("card pulled -> locked in %.0f ms\n", took * 1000);
	assert_true(took < 10.0);
	assert_int_equal(itest_log_count("run", "REGISTERED -> UNREGISTERING (card removed)"), 1);
	assert_false(bound());

	/* Back in: signed in again with the second PIN. */
	assert_int_equal(itest_sh("rm -f '%s'", marker), 0);
	assert_int_equal(itest_wait_count("run", "run: CONNECTING -> REGISTERED", 2, 20), 0);
	assert_true(bound());

	/* SIGTERM: unregistered, exit 0. */
	assert_int_equal(stop_and_wait(pid), 0);
	assert_true(itest_log_count("run", "shutting down: unregistering") >= 1);
	assert_true(itest_log_count("run", "-> STOPPED") >= 1);
	assert_false(bound());
}

/* [enroll] state_port: coap-client reads the device's state while it is
 * signed in. */
static void test_state_resource(void **state)
{
	char c2[700], out[4096];
	int port = itest_free_port();
	(void)state;

	snprintf(c2, sizeof(c2), "%s/state.conf", itest_scratch());
	assert_int_equal(itest_sh("cp '%s' '%s' && printf '[enroll]\\nstate_port = %d\\n' >> '%s'", conf,
				  c2, port, c2),
			 0);
	int pid = run_pid = itest_spawn("run3", "exec %s run --config '%s' --pin-fd 3 3<<EOF\n" PIN
					"\nEOF",
					itest_signet(), c2);
	assert_int_equal(itest_wait_count("run3", "run: CONNECTING -> REGISTERED", 1, 20), 0);
	assert_int_equal(itest_sh("coap-client-gnutls -m get -B 5 coap://127.0.0.1:%d/state > '%s/state.json' 2>&1",
				  port, itest_scratch()),
			 0);
	snprintf(out, sizeof(out), "%s/state.json", itest_scratch());
	FILE *f = fopen(out, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	print_message("state: %s\n", out);
	assert_non_null(strstr(out, "sip:alice@example.test"));
	assert_non_null(strstr(out, "registered"));
	assert_null(strstr(out, PIN));
	assert_int_equal(stop_and_wait(pid), 0);
}

static void test_wrong_pin_then_right(void **state)
{
	(void)state;
	int pid = run_pid = itest_spawn("run2", "exec %s run --config '%s' --pin-fd 3 3<<EOF\n000000\n" PIN
			      "\nEOF",
			      itest_signet(), conf);
	assert_int_equal(itest_wait_count("run2", "run: CONNECTING -> REGISTERED", 1, 20), 0);
	assert_true(itest_log_count("run2", "LOGGING_IN -> PIN_WRONG (wrong PIN)") == 1);
	assert_true(itest_log_count("run2", "status: Wrong PIN, 2 tries left") == 1);
	assert_true(itest_log_count("run2", "screen: Signed in as sip:alice@example.test") >= 1);
	assert_int_equal(itest_log_count("run2", "000000"), 0);
	assert_int_equal(stop_and_wait(pid), 0);
	assert_false(bound());
}

/* The phone's screen (here its lines: no terminal) says why a sign-in
 * cannot start in its own words, without a CLI flag: no keypad and no
 * --pin-fd (the core's "no keypad or terminal" had "(use --pin-fd)" and
 * "see 'signet --help'"), and a PKCS#11 module that is not there (its
 * diagnosis had "--module"). The first needs a test without a terminal
 * (as under make test in CI): signet run would read keys from one. */
static void test_errors_cite_no_flag(void **state)
{
	static const struct {
		const char *name, *token, *pin, *says;
		int no_tty;
	} cases[] = {
		{"run4", "backend = vcard\nuri = pkcs11:id=%9a", "</dev/null",
		 "no keypad or terminal to type the PIN on", 1},
		{"run5", "backend = pkcs11\nmodule = /nonexistent/signet-pkcs11.so",
		 "--pin-fd 3 3</dev/null", "[token] module", 0},
	};
	int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	(void)state;

	if (tty >= 0)
		close(tty);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char c2[700];

		if (cases[i].no_tty && tty >= 0) {
			print_message("%s: skipped: this test has a terminal\n", cases[i].name);
			continue;
		}

		snprintf(c2, sizeof(c2), "%s/%s.conf", itest_scratch(), cases[i].name);
		assert_int_equal(write_conf(c2, cases[i].token), 0);
		int pid = run_pid = itest_spawn(cases[i].name, "exec %s run --config '%s' %s",
						itest_signet(), c2, cases[i].pin);
		assert_int_equal(itest_wait_count(cases[i].name, "Sign-in failed", 1, 20), 0);
		assert_int_equal(itest_wait_count(cases[i].name, cases[i].says, 1, 20), 0);
		assert_int_equal(itest_log_count(cases[i].name, "--"), 0);
		assert_int_equal(itest_log_count(cases[i].name, "signet --"), 0);
		assert_int_equal(itest_log_count(cases[i].name, "command line"), 0);
		assert_int_equal(stop_and_wait(pid), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_card_pulled_and_back, test_teardown),
		cmocka_unit_test_teardown(test_wrong_pin_then_right, test_teardown),
		cmocka_unit_test_teardown(test_state_resource, test_teardown),
		cmocka_unit_test_teardown(test_errors_cite_no_flag, test_teardown),
	};
	return cmocka_run_group_tests_name("run", tests, group_setup, group_teardown);
}
