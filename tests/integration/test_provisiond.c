/*
 * test_provisiond.c: signet-provisiond's files and its answers to logins,
 * against the real service on loopback, driven by coap-client-gnutls with
 * PKCS#10 requests that openssl makes (challengePassword "LOGIN:PIN").
 *
 *   - modes: with the caller's umask 022, the directory adduser makes is
 *     0700, files copied in 0644 are made 0600 at start, and everything
 *     the service writes (users, attempts, index.txt, crl.pem, issued.log)
 *     is 0600; core files are off (its RLIMIT_CORE is 0/0);
 *   - a directory others can enter is refused, with what to do;
 *   - symbolic links planted at the temporary names the service used to
 *     write through (attempts.tmp, index.txt.tmp, crl.pem.tmp) are not
 *     followed: the file they point to stays as it was;
 *   - a login that names no user (an id, or tel:NUMBER) gets exactly the
 *     answers a user with a wrong PIN gets, try after try up to the lock,
 *     and no entry in users or attempts.
 * The service is started once; the cases run in order.
 */
#define _GNU_SOURCE
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

#include "itest.h"

#define ALICE_PIN "123456"
#define BOB_PIN "987654"
#define MAX_TRIES 3

static char pd[600], svc[600], pki[600];
static int pd_pid = -1, port;

static int group_setup(void **st)
{
	(void)st;
	/* What a shell usually has: the service must not depend on it. */
	umask(022);
	snprintf(pd, sizeof(pd), "%s", itest_signet());
	*strrchr(pd, '/') = 0;
	strcat(pd, "/signet-provisiond");
	snprintf(pki, sizeof(pki), "%s/pki", itest_scratch());
	snprintf(svc, sizeof(svc), "%s/svc", itest_scratch());
	/* adduser makes the directory; the CA and DTLS files are copied in. */
	if (itest_sh("printf '%%s\\n' %s | '%s' adduser --dir '%s' --id alice --phone 1001 "
		     "--identity sip:alice@example.test --iterations 20000 >/dev/null && "
		     "printf '%%s\\n' %s | '%s' adduser --dir '%s' --id bob --phone 1002 "
		     "--identity sip:bob@example.test --iterations 20000 >/dev/null && "
		     "for u in carol:1003 dave:1004; do printf '%%s\\n' %s | '%s' adduser --dir '%s' "
		     "--id ${u%%:*} --phone ${u#*:} --identity sip:${u%%:*}@example.test "
		     "--iterations 20000 >/dev/null; done",
		     ALICE_PIN, pd, svc, BOB_PIN, pd, svc, BOB_PIN, pd, svc))
		return -1;
	if (itest_sh("set -e; mkdir -p '%1$s'; cd '%1$s'; "
		     "openssl ecparam -name prime256v1 -genkey -noout -out ca.key; "
		     "openssl req -x509 -new -key ca.key -subj /CN=EST-ca -days 30 "
		     "-addext basicConstraints=critical,CA:TRUE "
		     "-addext keyUsage=critical,keyCertSign,cRLSign -out ca.crt; "
		     "openssl ecparam -name prime256v1 -genkey -noout -out server.key; "
		     "openssl req -new -key server.key -subj /CN=localhost -out server.csr; "
		     "printf 'subjectAltName=DNS:localhost\\nextendedKeyUsage=serverAuth\\n' >s.ext; "
		     "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
		     "-days 30 -extfile s.ext -out server.crt 2>/dev/null; "
		     "openssl ecparam -name prime256v1 -genkey -noout -out dev.key; "
		     "cp ca.crt ca.key server.crt server.key '%2$s/'; chmod 644 '%2$s'/*",
		     pki, svc))
		return -1;
	port = itest_free_port();
	pd_pid = itest_spawn("provisiond", "exec '%s' serve --dir '%s' --port %d --max-tries %d", pd,
			     svc, port, MAX_TRIES);
	if (pd_pid < 0 || itest_wait_log("provisiond", "re-enrolment"))
		return -1;
	return 0;
}

static int group_teardown(void **st)
{
	(void)st;
	if (pd_pid > 0)
		itest_stop(pd_pid);
	return 0;
}

/* POSTs a request with challengePassword LOGIN:PIN to /sen; the answer
 * (code and diagnostic payload, as coap-client prints them) into out. */
static void sen(const char *login, const char *pin, char *out, size_t cap)
{
	char path[1024];

	assert_int_equal(itest_sh("cd '%1$s' && printf '[req]\\nprompt = no\\n"
				  "distinguished_name = dn\\nattributes = attrs\\n[dn]\\nCN = device\\n"
				  "[attrs]\\nchallengePassword = %2$s:%3$s\\n' >req.cnf && "
				  "openssl req -new -key dev.key -config req.cnf -outform DER -out req.der && "
				  "coap-client-gnutls -m post -t 286 -f req.der "
				  "coaps://127.0.0.1:%4$d/.well-known/est/sen >'%5$s/sen.out' 2>&1; true",
				  pki, login, pin, port, itest_scratch()),
			 0);
	snprintf(path, sizeof(path), "%s/sen.out", itest_scratch());
	itest_read_file(path, out, cap);
	print_message("sen %s -> %s\n", login, out);
}

/* Every entry of the service's directory: the directory 0700, the rest
 * regular files 0600. */
static void expect_private(void)
{
	if (itest_sh("cd '%s' && test \"$(stat -c %%a .)\" = 700 && "
		     "test -z \"$(find . -mindepth 1 ! \\( -type f -perm 600 \\))\"",
		     svc)) {
		itest_sh("ls -la '%s' >&2", svc);
		fail_msg("the service's directory or a file in it is not private");
	}
}

static void test_modes(void **st)
{
	char out[4096], lim[4096], path[1024];
	(void)st;

	/* An enrolment, a wrong PIN, a revocation: every kind of write. */
	sen("alice", ALICE_PIN, out, sizeof(out));
	assert_int_equal(itest_sh("grep -q 'issued.*user=alice' '%s/issued.log'", svc), 0);
	sen("bob", "000000", out, sizeof(out));
	assert_non_null(strstr(out, "wrong PIN; 2 tries left"));
	assert_int_equal(itest_sh("grep -q '^bob 1$' '%s/attempts'", svc), 0);
	assert_int_equal(itest_sh("'%1$s' revoke --dir '%2$s' $(cut -f4 '%2$s/index.txt' | head -1) "
				  ">/dev/null",
				  pd, svc),
			 0);
	assert_int_equal(itest_sh("test -s '%s/crl.pem' && grep -q '^R' '%s/index.txt'", svc, svc), 0);
	expect_private();
	/* The files copied in 0644 were fixed at start, and it said so. */
	snprintf(path, sizeof(path), "%s/provisiond.log", itest_scratch());
	itest_read_file(path, out, sizeof(out));
	assert_non_null(strstr(out, "ca.key was mode 0644; made 0600"));
	/* No core files: PINs, verifiers and the CA key are in its memory. */
	snprintf(path, sizeof(path), "/proc/%d/limits", pd_pid);
	itest_read_file(path, lim, sizeof(lim));
	assert_non_null(strstr(lim, "Max core file size        0                    0"));
}

static void test_open_directory_refused(void **st)
{
	char out[4096], path[1024];
	(void)st;

	assert_int_equal(itest_sh("chmod 755 '%s'", svc), 0);
	snprintf(path, sizeof(path), "%s/crl.out", itest_scratch());
	assert_int_equal(itest_sh("'%s' crl --dir '%s' >'%s' 2>&1", pd, svc, path), 2);
	itest_read_file(path, out, sizeof(out));
	assert_non_null(strstr(out, "mode 0755"));
	assert_non_null(strstr(out, "chmod 700"));
	assert_int_equal(itest_sh("chmod 700 '%s'", svc), 0);
	assert_int_equal(itest_sh("'%s' crl --dir '%s'", pd, svc), 0);
	expect_private();
}

static void test_symlinks_not_followed(void **st)
{
	char out[4096], path[1024];
	const char *s = itest_scratch();
	(void)st;

	assert_int_equal(itest_sh("printf 'precious\\n' >'%1$s/victim' && cd '%2$s' && "
				  "for n in attempts index.txt crl.pem; do ln -s '%1$s/victim' $n.tmp; done",
				  s, svc),
			 0);
	sen("bob", "000001", out, sizeof(out));
	assert_non_null(strstr(out, "wrong PIN"));
	sen("alice", ALICE_PIN, out, sizeof(out));
	assert_int_equal(itest_sh("'%1$s' revoke --dir '%2$s' $(grep '^V' '%2$s/index.txt' | cut -f4 | "
				  "head -1) >/dev/null",
				  pd, svc),
			 0);
	snprintf(path, sizeof(path), "%s/victim", s);
	itest_read_file(path, out, sizeof(out));
	assert_string_equal(out, "precious\n");
	/* The files themselves are regular files, not the links renamed. */
	assert_int_equal(itest_sh("cd '%s' && test -f attempts -a ! -L attempts -a ! -L index.txt "
				  "-a ! -L crl.pem && grep -q '^bob 2$' attempts",
				  svc),
			 0);
	assert_int_equal(itest_sh("rm -f '%s'/*.tmp", svc), 0);
	expect_private();
}

/* An unknown id, or phone number, answered as a user with a wrong PIN:
 * code and text, try after try, up to the lock. */
static void test_unknown_login_like_wrong_pin(void **st)
{
	static const char *const pairs[][2] = {{"carol", "zed"}, {"tel:1004", "tel:5550199"}};
	char known[4096], unknown[4096], users_before[8192], users_after[8192], path[1024];
	(void)st;

	snprintf(path, sizeof(path), "%s/users", svc);
	itest_read_file(path, users_before, sizeof(users_before));
	for (size_t p = 0; p < 2; p++) {
		for (int i = 0; i < MAX_TRIES + 1; i++) {
			sen(pairs[p][0], "000000", known, sizeof(known));
			sen(pairs[p][1], "000000", unknown, sizeof(unknown));
			assert_string_equal(known, unknown);
			assert_non_null(strstr(known, i < MAX_TRIES - 1 ? "4.01 wrong PIN"
								: "4.03 locked"));
		}
	}
	/* Nobody was added by the unknown logins: the users are as they were,
	 * the counts are the users' (carol and dave, tel:1004, locked). */
	itest_read_file(path, users_after, sizeof(users_after));
	assert_string_equal(users_before, users_after);
	assert_int_equal(itest_sh("printf 'bob 2\\ncarol 3\\ndave 3\\n' | cmp -s - '%s/attempts'", svc),
			 0);
	expect_private();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_open_directory_refused),
		cmocka_unit_test(test_symlinks_not_followed),
		cmocka_unit_test(test_unknown_login_like_wrong_pin),
	};
	return cmocka_run_group_tests_name("provisiond", tests, group_setup, group_teardown);
}
