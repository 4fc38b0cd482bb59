/*
 * test_signin.c: `signet signin` against a real Kamailio (TLS requiring and
 * verifying client certificates; REGISTER accepted only when the
 * certificate's first subjectAltName URI is the registering user), with
 * SoftHSM2 card keys (RSA and ECDSA). Kamailio runs on random loopback
 * ports under tools/kamailio-run, started and stopped here.
 */
#define _GNU_SOURCE
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

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"
#define PIN "123456"

static char *tok;
static char kam[600], conf[600];
static int kam_pid, tls_port, udp_port;
static char out[65536];

/* Starts a Kamailio in dir with extra options; returns its pid. */
static int kam_start(const char *dir, int tls, int udp, const char *extra)
{
	int pid = itest_spawn("kamailio",
			      "exec %s/tools/kamailio-run '%s' start --udp %d --tcp %d --tls %d "
			      "--client-ca '%s/pki/ca.crt' %s",
			      itest_top(), dir, udp, udp, tls, tok, extra);
	if (itest_sh("%s/tools/kamailio-run '%s' wait", itest_top(), dir))
		return -1;
	return pid;
}

static int group_setup(void **state)
{
	(void)state;
	tok = itest_mktoken("tok", "signin", PIN,
			    "rsa:alice:01 ec:bob:02 rsa:mallory:carol+dave:03");
	if (!tok)
		return -1;
	char softhsm[700];
	snprintf(softhsm, sizeof(softhsm), "%s/softhsm2.conf", tok);
	setenv("SOFTHSM2_CONF", softhsm, 1);
	snprintf(kam, sizeof(kam), "%s/kam", itest_scratch());
	tls_port = itest_free_port();
	udp_port = itest_free_port();
	kam_pid = kam_start(kam, tls_port, udp_port, "");
	if (kam_pid < 0)
		return -1;
	snprintf(conf, sizeof(conf), "%s/signet.conf", itest_scratch());
	return itest_sh("printf '[token]\\nmodule = %s\\n[certs]\\nca = %s/pki/ca.crt\\nrevocation = none\\n"
			"[sip]\\nca = %s/server-ca.crt\\n' > '%s'",
			SOFTHSM, tok, kam, conf);
}

static int group_teardown(void **state)
{
	(void)state;
	itest_stop(kam_pid);
	free(tok);
	return 0;
}

/* signet signin --once as USER with the certificate OBJECT. */
static int signin_once(const char *user, const char *object, const char *extra)
{
	return itest_signet_run(PIN "\n", out, sizeof(out),
				"signin --once --config '%s' --user %s --token 'pkcs11:object=%s' "
				"--registrar sips:127.0.0.1:%d --pin-fd 3 %s",
				conf, user, object, tls_port, extra);
}

enum registrar_kind { REG_OURS, REG_BY_NAME, REG_NOBODY };

static const struct scase {
	const char *user, *object;
	enum registrar_kind reg;
	int exit_code;
	const char *says;
} cases[] = {
	{"sip:alice@example.test", "alice", REG_OURS, 0, "registered as sip:alice@example.test"},
	{"sip:bob@example.test", "bob", REG_OURS, 0, "registered as sip:bob@example.test"},
	/* Our checks pass (the certificate names dave too); Kamailio binds the
	 * first URI (carol) to the AoR and refuses. */
	{"sip:dave@example.test", "mallory", REG_OURS, 10, "403"},
	/* The certificate does not name the user: refused before the PIN. */
	{"sip:alice@example.test", "bob", REG_OURS, 6, "does not name"},
	/* The registrar's certificate names 127.0.0.1 and registrar.example.test. */
	{"sip:alice@example.test", "alice", REG_BY_NAME, 6, "localhost"},
	/* Nobody listens. */
	{"sip:alice@example.test", "alice", REG_NOBODY, 9, "refused"},
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct scase *c = &cases[i];
		char extra[200] = "";
		if (c->reg == REG_BY_NAME)
			snprintf(extra, sizeof(extra), "--registrar sips:localhost:%d", tls_port);
		else if (c->reg == REG_NOBODY)
			snprintf(extra, sizeof(extra), "--registrar sips:127.0.0.1:%d", itest_free_port());
		int rc = signin_once(c->user, c->object, extra);
		print_message("case %zu: %s %s %s -> %d\n%s", i, c->user, c->object, extra, rc, out);
		assert_int_equal(rc, c->exit_code);
		assert_non_null(strstr(out, c->says));
		assert_null(strstr(out, PIN));
	}
}

/* An untrusted registrar: trust anchors without its CA. */
static void test_untrusted_registrar(void **state)
{
	char bad[700];
	(void)state;
	snprintf(bad, sizeof(bad), "%s/bad.conf", itest_scratch());
	assert_int_equal(itest_sh("printf '[token]\\nmodule = %s\\n[certs]\\nca = %s/pki/ca.crt\\n"
				  "revocation = none\\n' > '%s'",
				  SOFTHSM, tok, bad),
			 0);
	int rc = itest_signet_run(PIN "\n", out, sizeof(out),
				  "signin --once --config '%s' --user sip:alice@example.test "
				  "--token 'pkcs11:object=alice' --registrar sips:127.0.0.1:%d --pin-fd 3",
				  bad, tls_port);
	assert_int_equal(rc, 6);
	assert_non_null(strstr(out, "registrar's certificate"));
	assert_non_null(strstr(out, "not trusted"));
}

/* Stays registered; the contact is in Kamailio's location table; SIGTERM
 * unregisters and removes it. */
static void test_stays_registered_until_signal(void **state)
{
	char log[700];
	(void)state;

	snprintf(log, sizeof(log), "%s/signin.log", itest_scratch());
	int pid = itest_spawn("signin",
			      "exec %s signin --config '%s' --user sip:alice@example.test "
			      "--token 'pkcs11:object=alice' --registrar sips:127.0.0.1:%d --pin-fd 3 "
			      "3<<EOF\n" PIN "\nEOF",
			      itest_signet(), conf, tls_port);
	assert_int_equal(itest_wait_log("signin", "registered as sip:alice@example.test"), 0);
	assert_int_equal(itest_sh("%s/tools/kamailio-run '%s' lookup alice | grep -q Contact",
				  itest_top(), kam),
			 0);
	kill(pid, SIGTERM);
	int st = 0;
	for (int i = 0; i < 200 && waitpid(pid, &st, WNOHANG) == 0; i++)
		usleep(100 * 1000);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(itest_wait_log("signin", "unregistered"), 0);
	assert_int_not_equal(itest_sh("%s/tools/kamailio-run '%s' lookup alice | grep -q Contact",
				      itest_top(), kam),
			     0);
}

/* A short grant (Kamailio's max-expires) makes signet refresh; a restarted
 * Kamailio (empty location table) gets the binding back. */
static void test_refresh_and_registrar_restart(void **state)
{
	char dir[700];
	(void)state;

	snprintf(dir, sizeof(dir), "%s/kam2", itest_scratch());
	int tls2 = itest_free_port(), udp2 = itest_free_port();
	int k2 = kam_start(dir, tls2, udp2, "--min-expires 5 --default-expires 8 --max-expires 8");
	assert_true(k2 > 0);
	char conf2[700];
	snprintf(conf2, sizeof(conf2), "%s/signet2.conf", itest_scratch());
	/* A quick retry after losing the registrar (the default back-off
	 * starts at 30 s). */
	assert_int_equal(itest_sh("sed 's|%s/server-ca.crt|%s/server-ca.crt|' '%s' > '%s' && "
				  "printf 'retry_base = 1\\n' >> '%s'",
				  kam, dir, conf, conf2, conf2),
			 0);
	int pid = itest_spawn("signin2",
			      "exec %s signin --config '%s' --user sip:bob@example.test "
			      "--token 'pkcs11:object=bob' --registrar sips:127.0.0.1:%d --pin-fd 3 "
			      "3<<EOF\n" PIN "\nEOF",
			      itest_signet(), conf2, tls2);
	assert_int_equal(itest_wait_log("signin2", "expires in 8 s"), 0);
	/* A refresh: a second "registered" line within a generous bound. */
	int seen = 0;
	for (int i = 0; i < 300 && !seen; i++) {
		seen = itest_sh("test $(grep -c 'registered as' '%s/signin2.log') -ge 2", itest_scratch()) == 0;
		usleep(100 * 1000);
	}
	assert_true(seen);
	/* Kamailio goes away and comes back on the same ports. */
	itest_stop(k2);
	k2 = kam_start(dir, tls2, udp2, "--min-expires 5 --default-expires 8 --max-expires 8");
	assert_true(k2 > 0);
	int back = 0;
	for (int i = 0; i < 600 && !back; i++) {
		back = itest_sh("%s/tools/kamailio-run '%s' lookup bob 2>/dev/null | grep -q Contact",
				itest_top(), dir) == 0;
		usleep(100 * 1000);
	}
	assert_true(back);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	itest_stop(k2);
}

/* A registrar that also wants a password (Digest). */
static void test_digest(void **state)
{
	char dir[700], conf3[700], conf4[700];
	(void)state;

	snprintf(dir, sizeof(dir), "%s/kam3", itest_scratch());
	int tls3 = itest_free_port(), udp3 = itest_free_port();
	int k3 = kam_start(dir, tls3, udp3, "--auth md5");
	assert_true(k3 > 0);
	snprintf(conf3, sizeof(conf3), "%s/signet3.conf", itest_scratch());
	snprintf(conf4, sizeof(conf4), "%s/signet4.conf", itest_scratch());
	assert_int_equal(itest_sh("sed 's|%s/server-ca.crt|%s/server-ca.crt|' '%s' > '%s' && "
				  "cp '%s' '%s' && printf 'password = secret\\n' >> '%s'",
				  kam, dir, conf, conf4, conf4, conf3, conf3),
			 0);
	assert_int_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					  "signin --once --config '%s' --user sip:alice@example.test "
					  "--token 'pkcs11:object=alice' --registrar sips:127.0.0.1:%d "
					  "--pin-fd 3",
					  conf3, tls3),
			 0);
	assert_non_null(strstr(out, "registered as"));
	assert_null(strstr(out, "secret"));
	/* Without the password: refused. */
	assert_int_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					  "signin --once --config '%s' --user sip:alice@example.test "
					  "--token 'pkcs11:object=alice' --registrar sips:127.0.0.1:%d "
					  "--pin-fd 3",
					  conf4, tls3),
			 10);
	itest_stop(k3);
}

/* A registrar that wants longer registrations: 423 Interval Too Brief,
 * answered with its Min-Expires. */
static void test_interval_too_brief(void **state)
{
	char dir[700], conf5[700];
	(void)state;

	snprintf(dir, sizeof(dir), "%s/kam5", itest_scratch());
	int tls5 = itest_free_port(), udp5 = itest_free_port();
	int k5 = kam_start(dir, tls5, udp5, "--min-expires 1200 --max-expires 7200");
	assert_true(k5 > 0);
	snprintf(conf5, sizeof(conf5), "%s/signet5.conf", itest_scratch());
	assert_int_equal(itest_sh("sed 's|%s/server-ca.crt|%s/server-ca.crt|' '%s' > '%s'", kam, dir,
				  conf, conf5),
			 0);
	assert_int_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					  "signin --once --config '%s' --user sip:bob@example.test "
					  "--token 'pkcs11:object=bob' --registrar sips:127.0.0.1:%d "
					  "--expires 600 --pin-fd 3",
					  conf5, tls5),
			 0);
	assert_non_null(strstr(out, "expires in 1200 s"));
	itest_stop(k5);
}

/* Runs `signet ARGS --pin-fd 3` with fd 3 on a file holding the PIN, the
 * same open file that the shell reads afterwards: *left gets what signet
 * did not read (the whole PIN when it never asked for one). */
static int run_pin_file(char *left, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int run_pin_file(char *left, size_t cap, const char *fmt, ...)
{
	char args[2048];
	const char *d = itest_scratch();
	va_list ap;
	int rc = -1;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	itest_sh("cd '%s' && printf '" PIN "\\n' > pin.txt && rm -f plain.rc && "
		 "{ %s %s --pin-fd 3 > plain.out 2>&1; echo $? > plain.rc; cat <&3 > plain.left; } "
		 "3< pin.txt",
		 d, itest_signet(), args);
	char path[700];
	snprintf(path, sizeof(path), "%s/plain.rc", d);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &rc) != 1)
			rc = -1;
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/plain.left", d);
	f = fopen(path, "r");
	size_t n = f ? fread(left, 1, cap - 1, f) : 0;
	left[n] = '\0';
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "%s/plain.out", d);
	f = fopen(path, "r");
	n = f ? fread(out, 1, sizeof(out) - 1, f) : 0;
	out[n] = '\0';
	if (f)
		fclose(f);
	print_message("signet %s -> %d\n%s", args, rc, out);
	return rc;
}

/* A registrar without TLS (sip:HOST, transport=udp|tcp): refused with exit
 * 2 before any token is opened or PIN read, by signin, testauth and run,
 * from the command line and from [sip] registrar. Kamailio listens on
 * UDP and TCP too and would register over them. */
static void test_plain_transport_refused(void **state)
{
	static const char *const params[] = {"", ";transport=udp", ";transport=tcp"};
	char left[64], r[100], conf2[700];
	(void)state;

	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		snprintf(r, sizeof(r), "sip:127.0.0.1:%d%s", udp_port, params[i]);
		assert_int_equal(run_pin_file(left, sizeof(left),
					      "signin --once --config '%s' --user sip:alice@example.test "
					      "--token 'pkcs11:object=alice' --registrar '%s'",
					      conf, r),
				 2);
		assert_non_null(strstr(out, "not reached over TLS"));
		assert_non_null(strstr(out, "insecure_transport = yes"));
		assert_null(strstr(out, "REGISTER sent"));
		assert_string_equal(left, PIN "\n"); /* the PIN was never read */
	}
	snprintf(r, sizeof(r), "sip:127.0.0.1:%d", udp_port);
	assert_int_equal(run_pin_file(left, sizeof(left),
				      "testauth --config '%s' --target '%s' --user sip:alice@example.test "
				      "--token 'pkcs11:object=alice'",
				      conf, r),
			 2);
	assert_string_equal(left, PIN "\n");
	assert_int_equal(run_pin_file(left, sizeof(left),
				      "run --config '%s' --registrar '%s' --user sip:alice@example.test "
				      "--token 'pkcs11:object=alice'",
				      conf, r),
			 2);
	assert_non_null(strstr(out, "not reached over TLS"));
	assert_string_equal(left, PIN "\n");
	/* From the configuration file. */
	snprintf(conf2, sizeof(conf2), "%s/plain.conf", itest_scratch());
	assert_int_equal(itest_sh("cp '%s' '%s' && printf 'registrar = %s;transport=tcp\\n' >> '%s'",
				  conf, conf2, r, conf2),
			 0);
	assert_int_equal(run_pin_file(left, sizeof(left),
				      "signin --once --config '%s' --user sip:alice@example.test "
				      "--token 'pkcs11:object=alice'",
				      conf2),
			 2);
	assert_non_null(strstr(out, "over plain TCP"));
	assert_string_equal(left, PIN "\n");
	/* sip:...;transport=tls is TLS. */
	snprintf(r, sizeof(r), "sip:127.0.0.1:%d;transport=tls", tls_port);
	assert_int_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					  "signin --once --config '%s' --user sip:alice@example.test "
					  "--token 'pkcs11:object=alice' --registrar '%s' --pin-fd 3",
					  conf, r),
			 0);
	assert_non_null(strstr(out, "over TLS"));
	assert_non_null(strstr(out, "registered as sip:alice@example.test"));
	/* A lab that says so: plain TCP to Kamailio still registers. */
	assert_int_equal(itest_sh("printf 'insecure_transport = yes\\n' >> '%s'", conf2), 0);
	assert_int_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					  "signin --once --config '%s' --user sip:alice@example.test "
					  "--token 'pkcs11:object=alice' --pin-fd 3",
					  conf2),
			 0);
	print_message("%s", out);
	assert_non_null(strstr(out, "over TCP"));
	assert_non_null(strstr(out, "registered as sip:alice@example.test"));
}

/* signet testauth: the administrator's report. */
static const struct tcase {
	const char *user, *object, *pin;
	int target; /* 0: our Kamailio, 1: nobody listening */
	int exit_code;
	const char *says[3];
} testauth_cases[] = {
	{"sip:alice@example.test", "alice", PIN "\n", 0, 0,
	 {"Result:    Success", "Error:     none", "Latency:"}},
	{"sip:bob@example.test", "bob", "999999\n", 0, 4, {"Result:    Failure", "wrong PIN", NULL}},
	{"sip:alice@example.test", "bob", PIN "\n", 0, 6,
	 {"Result:    Failure", "does not name", "subjectAltName"}},
	{"sip:dave@example.test", "mallory", PIN "\n", 0, 10, {"Result:    Failure", "403", NULL}},
	{"sip:alice@example.test", "alice", PIN "\n", 1, 9,
	 {"Result:    Failure", "cannot be reached", "check the network"}},
};

static void test_testauth(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(testauth_cases) / sizeof(testauth_cases[0]); i++) {
		const struct tcase *c = &testauth_cases[i];
		int port = c->target ? itest_free_port() : tls_port;
		int rc = itest_signet_run(c->pin, out, sizeof(out),
					  "testauth --config '%s' --target 127.0.0.1:%d --user %s "
					  "--token 'pkcs11:object=%s' --pin-fd 3",
					  conf, port, c->user, c->object);
		print_message("case %zu -> %d\n%s", i, rc, out);
		assert_int_equal(rc, c->exit_code);
		assert_non_null(strstr(out, "Target:    sips:127.0.0.1:"));
		for (int k = 0; k < 3 && c->says[k]; k++)
			assert_non_null(strstr(out, c->says[k]));
	}
	/* --verbose shows the steps too. */
	assert_int_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					  "testauth --verbose --config '%s' --target 127.0.0.1:%d --user "
					  "sip:bob@example.test --token 'pkcs11:object=bob' --pin-fd 3",
					  conf, tls_port),
			 0);
	assert_non_null(strstr(out, "certificate checks passed"));
	assert_non_null(strstr(out, "registered as sip:bob@example.test"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_untrusted_registrar),
		cmocka_unit_test(test_stays_registered_until_signal),
		cmocka_unit_test(test_refresh_and_registrar_restart),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_interval_too_brief),
		cmocka_unit_test(test_testauth),
		cmocka_unit_test(test_plain_transport_refused),
	};
	return cmocka_run_group_tests_name("signin", tests, group_setup, group_teardown);
}
