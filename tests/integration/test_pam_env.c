/*
 * test_pam_env.c: pam_signet.so takes no path from its caller's environment.
 *
 * su and sudo run PAM modules as root with the invoking user's environment.
 * If the module honoured SIGNET_DEVICE_KEY (or SIGNET_STATE_DIR,
 * SIGNET_CONFIG, HOME, XDG_*), that user could make root create a
 * directory and a 0600 key file at any path that does not exist yet
 * (/etc/nologin), or read a state of their choosing. Here the real module
 * runs under the real libpam and pamtester (as root, like test_pam), with
 * [token] backend = vcard and a virtual card made with `signet vcard`,
 * while every such variable points into scratch/evil:
 *   - with state_dir= and device_key= on the service line, the sign-in
 *     works, and nothing exists under scratch/evil afterwards;
 *   - without device_key= (the default, /etc/signet/device.key, which the
 *     module only reads), nothing exists under scratch/evil either: the
 *     sign-in fails for want of the card's key, and no key file is made
 *     at the default path;
 *   - the module imports secure_getenv, never getenv;
 *   - its certificate cache is in state_dir, root's and 0600, and an
 *     entry there with another key for the user is caught by the
 *     signature check: the card's own certificate is read and used.
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

#include <dirent.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "itest.h"

#define PIN "739164"
#define PUK "73916482"
#define DEFAULT_KEY "/etc/signet/device.key"

static char so_path[300], service[80], service_path[160], run_prefix[1024];
static char state[600], key[600], conf[600], evil[600], envs[8192];
static char out[65536];

/* The card: vcard-pamenv in scratch/state, sealed under scratch/device.key,
 * its 9A certificate (CN=nobody, sip:nobody@example.test) from a test CA.
 * The CLI is told where by the environment; the module by its arguments. */
static int make_card(void)
{
	const char *s = itest_scratch();
	char text[2048];

	snprintf(text, sizeof(text),
		 "[token]\nbackend = vcard\n[vcard]\nname = pamenv\n[certs]\nca = %s/pki/ca.crt\n"
		 "revocation = none\ncache = no\n[pam]\nmap = sip\nlog = stderr\n[log]\nlevel = info\n",
		 s);
	if (itest_write_file(conf, text))
		return -1;
	setenv("SIGNET_STATE_DIR", state, 1);
	setenv("SIGNET_DEVICE_KEY", key, 1);
	if (itest_sh("%s/tools/testpki '%s/pki' >/dev/null", itest_top(), s))
		return -1;
	itest_run(PIN "\n" PUK "\n", 0, "vcard init --config '%s' --pin-fd 3", conf);
	itest_run(PIN "\n", 0,
		  "vcard gen-key --config '%s' --slot 9a --alg p256 --csr '%s/nobody.csr' "
		  "--subject 'O=signet test,CN=nobody' --san sip:nobody@example.test --pin-fd 3",
		  conf, s);
	if (itest_sh("cd '%s' && printf 'basicConstraints=critical,CA:FALSE\\n"
		     "keyUsage=critical,digitalSignature\\nextendedKeyUsage=clientAuth\\n"
		     "subjectAltName=URI:sip:nobody@example.test\\n' >nobody.ext && "
		     "openssl x509 -req -in nobody.csr -CA pki/ca.crt -CAkey pki/ca.key "
		     "-CAserial pki/serial -days 30 -sha256 -extfile nobody.ext -out nobody.crt "
		     "2>/dev/null",
		     s))
		return -1;
	itest_run(NULL, 0, "vcard import-cert --config '%s' --slot 9a '%s/nobody.crt'", conf, s);
	unsetenv("SIGNET_STATE_DIR");
	unsetenv("SIGNET_DEVICE_KEY");
	return 0;
}

static int group_setup(void **st)
{
	const char *build = getenv("SIGNET_BUILD"), *s = itest_scratch();
	unsigned char rnd[4];
	FILE *f;
	(void)st;

	if (geteuid() != 0) {
		fprintf(stderr, "test_pam_env: must run as root (it installs a PAM service file)\n");
		return -1;
	}
	snprintf(so_path, sizeof(so_path), "%s/pam_signet.so", build ? build : "build/linux-desktop");
	if (access(so_path, R_OK)) {
		fprintf(stderr, "test_pam_env: %s not built\n", so_path);
		return -1;
	}
	if (itest_sh("ldd '%s' | grep -q libclang_rt.asan", so_path) == 0)
		snprintf(run_prefix, sizeof(run_prefix),
			 "LD_PRELOAD=$(ldd '%s' | sed -n 's/.*=> \\([^ ]*libclang_rt.asan[^ ]*\\).*/\\1/p') "
			 "ASAN_OPTIONS=detect_leaks=0 ",
			 so_path);
	f = fopen("/dev/urandom", "rb");
	if (!f || fread(rnd, 1, sizeof(rnd), f) != sizeof(rnd)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	snprintf(service, sizeof(service), "signet-test-%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
		 rnd[3]);
	snprintf(service_path, sizeof(service_path), "/etc/pam.d/%s", service);
	snprintf(state, sizeof(state), "%s/state", s);
	snprintf(key, sizeof(key), "%s/device.key", s);
	snprintf(conf, sizeof(conf), "%s/signet.conf", s);
	snprintf(evil, sizeof(evil), "%s/evil", s);
	if (make_card())
		return -1;
	/* What a user under su would hand the module: every variable that
	 * names a place, pointing where nothing exists yet. The configuration
	 * it names exists and would break the sign-in if read. */
	if (itest_sh("mkdir -p '%1$s/evil-conf' && printf 'this is not a configuration\\n' "
		     ">'%1$s/evil-conf/signet.conf'",
		     s))
		return -1;
	snprintf(envs, sizeof(envs),
		 "env SIGNET_DEVICE_KEY='%1$s/key/device.key' SIGNET_STATE_DIR='%1$s/state' "
		 "SIGNET_CONFIG='%2$s/evil-conf/signet.conf' HOME='%1$s/home' "
		 "XDG_STATE_HOME='%1$s/xdg-state' XDG_CONFIG_HOME='%1$s/xdg-config' "
		 "XDG_RUNTIME_DIR='%1$s/run' TMPDIR='%1$s/tmp' ",
		 evil, s);
	return 0;
}

static int group_teardown(void **st)
{
	(void)st;
	if (service_path[0])
		unlink(service_path);
	return 0;
}

/* pamtester authenticate as nobody with the PIN on standard input, the
 * hostile environment set; returns its exit status, output in out. */
static int pamtester(const char *args)
{
	char svc[2048], outpath[800];

	snprintf(svc, sizeof(svc), "auth required %s config=%s %s\naccount required pam_permit.so\n",
		 so_path, conf, args);
	assert_int_equal(itest_write_file(service_path, svc), 0);
	snprintf(outpath, sizeof(outpath), "%s/pamtester.out", itest_scratch());
	int rc = itest_sh("printf '%%s\\n' '%s' | %s%spamtester -v %s nobody authenticate >'%s' 2>&1",
			  PIN, envs, run_prefix, service, outpath);
	itest_read_file(outpath, out, sizeof(out));
	print_message("pamtester %s -> %d\n%s", args, rc, out);
	assert_null(strstr(out, PIN));
	return rc;
}

static void expect_nothing_made(void)
{
	if (access(evil, F_OK) == 0)
		itest_sh("find '%s' -ls >&2", evil);
	/* Neither a directory nor a key file where the environment said. */
	assert_int_equal(access(evil, F_OK), -1);
}

/* The module's own paths work; the environment's are neither made nor used. */
static void test_explicit_paths(void **st)
{
	char args[1400];
	(void)st;

	snprintf(args, sizeof(args), "state_dir=%s device_key=%s", state, key);
	assert_int_equal(pamtester(args), 0);
	assert_non_null(strstr(out, "successfully authenticated"));
	assert_non_null(strstr(out, "sign-in accepted: user nobody"));
	expect_nothing_made();
}

/* The module's certificate cache lives in its state_dir: root's, 0600.
 * An entry there with another key for the same user (a valid certificate
 * of the CA, mapping to nobody: what a card with a cloned CHUID would
 * meet) fails the signature check; the module reads the card and signs
 * in with the card's own certificate, and the cache holds that one. */
static void test_cache_in_state_dir(void **st)
{
	const char *s = itest_scratch();
	char path[1200], args[1400];
	static char der[4096], blob[16384];
	long dl, bl;
	struct stat sb;
	(void)st;

	assert_int_equal(itest_cert_cache_path(state, path, sizeof(path)), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_uid, 0);
	assert_int_equal(sb.st_mode & 077, 0);
	assert_int_equal(itest_sh("%s/tools/testpki '%s/pki' ec:nobody2:nobody >/dev/null 2>&1",
				  itest_top(), s),
			 0);
	snprintf(args, sizeof(args), "%s/pki/nobody2.der", s);
	dl = itest_slurp(args, der, sizeof(der));
	assert_true(dl > 0);
	assert_int_equal(itest_forge_cert_cache(path, 0x9A, args), 0);
	snprintf(args, sizeof(args), "state_dir=%s device_key=%s", state, key);
	assert_int_equal(pamtester(args), 0);
	assert_non_null(strstr(out, "sign-in accepted: user nobody"));
	assert_non_null(strstr(out, "PIN for"));
	bl = itest_slurp(path, blob, sizeof(blob));
	assert_true(bl > 38); /* more than the header */
	assert_null(memmem(blob, (size_t)bl, der, (size_t)dl));
}

/* Without device_key=, the default is read (never created), whatever
 * SIGNET_DEVICE_KEY says: the card sealed under another key cannot be
 * opened, and the user's path stays untouched. */
static void test_default_key_not_from_env(void **st)
{
	char args[800];
	int had_default = access(DEFAULT_KEY, F_OK) == 0;
	(void)st;

	snprintf(args, sizeof(args), "state_dir=%s", state);
	assert_int_not_equal(pamtester(args), 0);
	assert_null(strstr(out, "successfully authenticated"));
	expect_nothing_made();
	if (!had_default)
		assert_int_equal(access(DEFAULT_KEY, F_OK), -1);
}

/* Nothing in the module can read the environment unchecked: its only
 * import is secure_getenv (the port's defaults, which the module's
 * explicit paths never reach), never getenv. */
static void test_no_getenv_import(void **st)
{
	(void)st;
	assert_int_equal(itest_sh("nm -D --undefined-only '%s' | grep -q ' secure_getenv'", so_path),
			 0);
	assert_int_equal(itest_sh("nm -D --undefined-only '%s' | grep -Eq ' (getenv|__environ|environ)\\b'",
				  so_path),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_explicit_paths),
		cmocka_unit_test(test_cache_in_state_dir),
		cmocka_unit_test(test_default_key_not_from_env),
		cmocka_unit_test(test_no_getenv_import),
	};
	return cmocka_run_group_tests_name("pam_env", tests, group_setup, group_teardown);
}
