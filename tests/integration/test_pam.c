/*
 * test_pam.c: pam_signet.so through the real libpam and pamtester, against
 * SoftHSM2 tokens holding certificates from tools/testpki and tools/revpki.
 *
 * Each row writes a PAM service file /etc/pam.d/signet-test-<random> (the
 * test runs as root, as CI does; the file is removed at the end), runs
 * `pamtester -v SERVICE USER authenticate` with the PIN on standard input,
 * and checks the exit status and what pamtester and the module said (the
 * module logs to standard error here: [pam] log = stderr, since CI has no
 * syslog daemon to read back). No row's output may contain a PIN, nor a
 * CLI flag (signet's own diagnoses cite --token, --module, ...).
 *
 * The second half drives the same sign-in in-process (pamflow.h) with a
 * simulated reader behind the HAL's PKCS#11 loader: a locked PIN, a final
 * try, a PIN pad, a card pulled mid-signature, which SoftHSM2 cannot do.
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
#include <p11-kit/pkcs11.h>
#include <security/_pam_types.h>

#include "config.h"
#include "itest.h"
#include "pamflow.h"
#include "port_linux.h"

#define PIN "739164"
#define WRONG_PIN "482915"
#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"

static char tokdir[200], rpki[300], so_path[300], service[80], service_path[160];
static char run_prefix[1024]; /* LD_PRELOAD of the sanitizer runtime for a -san module */
static char out[65536];

/* ---- setup ------------------------------------------------------------------ */

static int write_conf(const char *name, const char *certs, const char *pam)
{
	char text[4096], path[800];

	snprintf(text, sizeof(text),
		 "[token]\nmodule = " SOFTHSM "\n[certs]\n%scache = no\n[pam]\n%slog = stderr\n"
		 "[log]\nlevel = info\n",
		 certs, pam);
	snprintf(path, sizeof(path), "%s/%s.conf", itest_scratch(), name);
	return itest_write_file(path, text);
}

/* The configuration files the rows use, in the scratch directory. */
static int write_configs(void)
{
	const char *s = itest_scratch();
	char test_ca[1024], rev[2048], revhard[2048], byfile[1024], path[800];

	snprintf(test_ca, sizeof(test_ca), "ca = %s/pki/ca.crt\nrevocation = none\n", tokdir);
	snprintf(rev, sizeof(rev),
		 "ca = %s/root.crt\nuntrusted = %s/chain.pem\ncrl = %s/crls.pem\n"
		 "revocation = crl\non_unavailable = hard\n",
		 rpki, rpki, s);
	/* No CRL file: the distribution point's server is not running. */
	snprintf(revhard, sizeof(revhard),
		 "ca = %s/root.crt\nuntrusted = %s/chain.pem\nrevocation = crl\n"
		 "on_unavailable = hard\ntimeout = 2\n",
		 rpki, rpki);
	snprintf(byfile, sizeof(byfile), "map = file\nmap_file = %s/users.map\n", s);
	if (write_conf("file", test_ca, byfile) || write_conf("upn", test_ca, "map = upn\n") ||
	    write_conf("domain", test_ca, "map = upn\nmap_domain = example.org\n") ||
	    write_conf("rev", rev, byfile) || write_conf("revhard", revhard, byfile))
		return -1;
	snprintf(path, sizeof(path), "%s/users.map", s);
	if (itest_write_file(path, "# certificate identity -> local user\n"
			     "alice@example.test nobody\n"
			     "revoked@example.test nobody\n"
			     "cn:ghost   nosuchuser-signet\n"))
		return -1;
	return itest_sh("chmod 600 '%s'", path);
}

/* revpki's alice and revoked users on a second token, "revtok". */
static int make_revtok(void)
{
	int p1 = itest_free_port(), p2 = itest_free_port();

	if (itest_sh("mkdir -p '%s' && %s/tools/revpki '%s' %d %d", rpki, itest_top(), rpki, p1, p2))
		return -1;
	if (itest_sh("cat '%s/www/inter.crl.pem' '%s/www/root.crl.pem' >'%s/crls.pem'", rpki, rpki,
		     itest_scratch()))
		return -1;
	if (itest_sh("SOFTHSM2_CONF='%s/softhsm2.conf' softhsm2-util --init-token --free --label "
		     "revtok --so-pin so%s --pin %s >/dev/null",
		     tokdir, PIN, PIN))
		return -1;
	static const char *const users[] = {"alice", "revoked"};
	for (int i = 0; i < 2; i++) {
		/* revpki's keys come from openssl genpkey: PKCS#8, as --import wants. */
		if (itest_sh("cd '%1$s' && openssl x509 -in %2$s.crt -outform DER -out %2$s.cert.der && "
			     "SOFTHSM2_CONF='%3$s/softhsm2.conf' softhsm2-util --import %2$s.key "
			     "--token revtok --label %2$s --id 0%4$d --pin %5$s >/dev/null && "
			     "SOFTHSM2_CONF='%3$s/softhsm2.conf' pkcs11-tool --module " SOFTHSM
			     " --token-label revtok --login --pin %5$s --write-object %2$s.cert.der "
			     "--type cert --id 0%4$d --label %2$s >/dev/null 2>&1",
			     rpki, users[i], tokdir, i + 1, PIN))
			return -1;
	}
	return 0;
}

static int group_setup(void **state)
{
	const char *build = getenv("SIGNET_BUILD");
	unsigned char rnd[4];
	FILE *f;
	char *d;
	(void)state;

	if (geteuid() != 0) {
		fprintf(stderr, "test_pam: must run as root (it installs a PAM service file)\n");
		return -1;
	}
	snprintf(so_path, sizeof(so_path), "%s/pam_signet.so", build ? build : "build/linux-desktop");
	if (access(so_path, R_OK)) {
		fprintf(stderr, "test_pam: %s not built\n", so_path);
		return -1;
	}
	/* A module built with the sanitizers needs their runtime loaded first. */
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

	d = itest_mktoken("tok", "pamtok", PIN,
			  "rsa:alice:01 ec:ghost:nosuchuser-signet:02 ec:nobodycert:nobody:03");
	if (!d)
		return -1;
	snprintf(tokdir, sizeof(tokdir), "%s", d);
	free(d);
	snprintf(rpki, sizeof(rpki), "%s/revpki", itest_scratch());
	if (make_revtok() || write_configs())
		return -1;
	if (itest_sh("getent passwd nosuchuser-signet >/dev/null") == 0) {
		fprintf(stderr, "test_pam: a user nosuchuser-signet exists; the test needs it absent\n");
		return -1;
	}
	char conf[800];
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", tokdir);
	setenv("SOFTHSM2_CONF", conf, 1);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (service_path[0])
		unlink(service_path);
	return 0;
}

/* ---- pamtester rows ---------------------------------------------------------- */

struct pcase {
	const char *what;
	const char *conf;   /* scratch/<conf>.conf */
	const char *args;   /* more module arguments */
	const char *user;
	const char *pin;    /* standard input; NULL: none */
	const char *ops;    /* pamtester operations */
	int permit_after;   /* a second auth line: pam_permit (a password stand-in) */
	int account;        /* account line: pam_signet (else pam_permit) */
	int exit_code;
	const char *says[3];
};

static const struct pcase pcases[] = {
	{"mapping file", "file", "uri=pkcs11:token=pamtok;id=%01", "nobody", PIN, "authenticate", 0, 0,
	 0, {"successfully authenticated", "sign-in accepted: user nobody, certificate O=signet test, "
					   "CN=alice, serial ", "token 'pamtok'"}},
	{"UPN local part", "upn", "uri=pkcs11:token=pamtok;id=%03", "nobody", PIN, "authenticate", 0,
	 0, 0, {"successfully authenticated", "PIN for pamtok: ", NULL}},
	{"no PAM user yet: set from the certificate", "file", "uri=pkcs11:token=pamtok;id=%01", "", PIN,
	 "authenticate", 0, 0, 0, {"successfully authenticated", "sign-in accepted: user nobody", NULL}},
	{"token picked by the user it maps to", "upn", "uri=pkcs11:token=pamtok", "nobody", PIN,
	 "authenticate", 0, 0, 0, {"successfully authenticated", "CN=nobodycert", NULL}},
	{"account phase rechecks the certificate", "file", "uri=pkcs11:token=pamtok;id=%01", "nobody",
	 PIN, "authenticate acct_mgmt", 0, 1, 0, {"successfully authenticated", "acct_mgmt", NULL}},
	{"wrong PIN", "file", "uri=pkcs11:token=pamtok;id=%01", "nobody", WRONG_PIN, "authenticate", 0,
	 0, 1, {"Wrong PIN", "Authentication failure", "step pin: wrong PIN"}},
	{"malformed PIN never reaches the card", "file", "uri=pkcs11:token=pamtok;id=%01", "nobody", "12",
	 "authenticate", 0, 0, 1, {"the card was not asked", "Authentication failure", NULL}},
	{"empty answer", "file", "uri=pkcs11:token=pamtok;id=%01", "nobody", "", "authenticate", 0, 0,
	 1, {"Authentication failure", NULL}},
	{"certificate maps to no local account", "upn", "uri=pkcs11:token=pamtok;id=%02", "nobody", PIN,
	 "authenticate", 0, 0, 1,
	 {"User not known", "maps to 'nosuchuser-signet', which has no local account", NULL}},
	{"certificate of another user", "file", "uri=pkcs11:token=pamtok;id=%01", "root", PIN,
	 "authenticate", 0, 0, 1,
	 {"User not known", "maps to 'nobody', not to 'root'", "The card's certificate is not for root"}},
	{"UPN outside map_domain", "domain", "uri=pkcs11:token=pamtok;id=%03", "nobody", PIN,
	 "authenticate", 0, 0, 1, {"User not known", "in domain example.org", NULL}},
	{"certificate from an untrusted CA", "rev", "uri=pkcs11:token=pamtok;id=%01", "nobody", PIN,
	 "authenticate", 0, 0, 1, {"Authentication failure", "step certificate", "not trusted"}},
	{"revoked certificate (CRL)", "rev", "uri=pkcs11:token=revtok;id=%02", "nobody", PIN,
	 "authenticate", 0, 0, 1, {"Authentication failure", "step certificate", "revoked"}},
	{"good certificate, same CRL policy", "rev", "uri=pkcs11:token=revtok;id=%01", "nobody", PIN,
	 "authenticate", 0, 0, 0, {"successfully authenticated", "CN=alice", NULL}},
	{"revocation unavailable under hard-fail", "revhard", "uri=pkcs11:token=revtok;id=%01", "nobody",
	 PIN, "authenticate", 0, 0, 1, {"cannot retrieve authentication info", "step certificate", NULL}},
	{"no token", "file", "uri=pkcs11:token=absent", "nobody", PIN, "authenticate", 0, 0, 1,
	 {"cannot retrieve authentication info", "No smart card found", NULL}},
	{"no token, ignore_no_card: the next module decides", "file",
	 "uri=pkcs11:token=absent ignore_no_card", "nobody", PIN, "authenticate", 1, 0, 0,
	 {"successfully authenticated", "no card (", NULL}},
	{"no module", "file", "module=/nonexistent/pkcs11.so", "nobody", PIN, "authenticate", 0, 0, 1,
	 {"cannot retrieve authentication info", "step token", "PKCS#11 module cannot be loaded"}},
	{"two tokens match the URI", "file", "uri=pkcs11:", "nobody", PIN, "authenticate", 0, 0, 1,
	 {"cannot retrieve authentication info", "several tokens match",
	  "token=pamtok"}},
	{"unknown module argument", "file", "frobnicate", "nobody", PIN, "authenticate", 0, 0, 1,
	 {"Error in service module", NULL}},
	{"PIN inside the URI refused", "file", "uri=pkcs11:token=pamtok?pin-value=" PIN, "nobody", PIN,
	 "authenticate", 0, 0, 1, {"Error in service module", "pin-value", NULL}},
};

static void test_pamtester(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		const struct pcase *c = &pcases[i];
		char svc[4096], outpath[800], conf[800], input[80];
		const char *s = itest_scratch();

		snprintf(conf, sizeof(conf), "%s/%s.conf", s, c->conf);
		snprintf(svc, sizeof(svc), "auth required %s config=%s %s\n%saccount required %s%s%s\n",
			 so_path, conf, c->args, c->permit_after ? "auth required pam_permit.so\n" : "",
			 c->account ? so_path : "pam_permit.so", c->account ? " config=" : "",
			 c->account ? conf : "");
		assert_int_equal(itest_write_file(service_path, svc), 0);
		snprintf(outpath, sizeof(outpath), "%s/pamtester.out", s);
		snprintf(input, sizeof(input), "%s", c->pin ? c->pin : "");
		/* printf is the shell's builtin: the PIN is in no process's argv. */
		int rc = itest_sh("printf '%%s\\n' '%s' | %spamtester -v %s '%s' %s >'%s' 2>&1", input,
				  run_prefix, service, c->user, c->ops, outpath);
		itest_read_file(outpath, out, sizeof(out));
		print_message("case %zu: %s -> %d\n%s", i, c->what, rc, out);
		assert_int_equal(rc, c->exit_code);
		for (int k = 0; k < 3 && c->says[k]; k++) {
			if (!strstr(out, c->says[k]))
				print_message("missing: %s\n", c->says[k]);
			assert_non_null(strstr(out, c->says[k]));
		}
		/* Neither the PIN nor a wrong one ever reaches a message or a log line. */
		assert_null(strstr(out, PIN));
		assert_null(strstr(out, WRONG_PIN));
		/* PAM's user and its log are told nothing in the CLI's words: no
		 * flag (the core said "pick one with --token"), no command line. */
		assert_null(strstr(out, "--"));
		assert_null(strstr(out, "command line"));
	}
}

/* ---- in-process: a simulated reader behind the HAL's PKCS#11 loader ---------- */

static struct hal hal;
static struct hal_p11 real_p11;
static CK_FUNCTION_LIST real_fl, sim_fl;
static CK_FLAGS sim_flags;    /* ORed into the token's flags */
static CK_RV sim_login_rv;    /* C_Login answers this instead */
static CK_RV sim_sign_rv;     /* C_Sign answers this instead */
static unsigned sim_logins;

static CK_RV sim_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR ti)
{
	CK_RV rv = real_fl.C_GetTokenInfo(slot, ti);

	if (rv == CKR_OK)
		ti->flags |= sim_flags;
	return rv;
}

/* A PIN pad: a login without a PIN gets the PIN "typed on the reader". */
static CK_RV sim_login(CK_SESSION_HANDLE s, CK_USER_TYPE u, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	sim_logins++;
	if (sim_login_rv != CKR_OK)
		return sim_login_rv;
	if (!pin && (sim_flags & CKF_PROTECTED_AUTHENTICATION_PATH))
		return real_fl.C_Login(s, u, (CK_UTF8CHAR_PTR)PIN, strlen(PIN));
	return real_fl.C_Login(s, u, pin, len);
}

static CK_RV sim_sign(CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sig,
		      CK_ULONG_PTR sl)
{
	return sim_sign_rv != CKR_OK ? sim_sign_rv : real_fl.C_Sign(s, d, dl, sig, sl);
}

static int sim_load(void *ctx, const char *path, void **fnlist, void **handle)
{
	void *fl = NULL;
	int rc = hal_p11_load(&real_p11, path, &fl, handle);

	(void)ctx;
	if (rc != HAL_OK)
		return rc;
	memcpy(&real_fl, fl, sizeof(real_fl));
	sim_fl = real_fl;
	sim_fl.C_GetTokenInfo = sim_token_info;
	sim_fl.C_Login = sim_login;
	sim_fl.C_Sign = sim_sign;
	*fnlist = &sim_fl;
	return HAL_OK;
}

static void sim_unload(void *ctx, void *handle)
{
	(void)ctx;
	hal_p11_unload(&real_p11, handle);
}

static const struct hal_p11_ops sim_ops = {.load = sim_load, .unload = sim_unload};

/* A scripted conversation that records what it was told. */
struct script {
	const char *answer; /* NULL: the conversation fails */
	unsigned asks;
	char said[2048];
};

static int script_ask(void *arg, const char *prompt, char **answer)
{
	struct script *s = arg;

	(void)prompt;
	s->asks++;
	if (!s->answer)
		return -1;
	*answer = strdup(s->answer);
	return *answer ? 0 : -1;
}

static void script_say(void *arg, int error, const char *msg)
{
	struct script *s = arg;
	size_t n = strlen(s->said);

	snprintf(s->said + n, sizeof(s->said) - n, "%s%s\n", error ? "E: " : "I: ", msg);
}

static int inproc_setup(void **state)
{
	struct port_linux_opts po = {.log_ident = "test_pam", .log_level = HAL_LOG_ERR};
	(void)state;
	po.tty_path = "/nonexistent-tty";
	if (port_linux_init(&hal, &po))
		return -1;
	real_p11 = hal.p11;
	hal.p11.ops = &sim_ops;
	hal.p11.ctx = NULL;
	return 0;
}

static int inproc_teardown(void **state)
{
	(void)state;
	hal.p11 = real_p11;
	port_linux_fini(&hal);
	return 0;
}

static const struct icase {
	const char *what;
	CK_FLAGS flags;
	CK_RV login_rv, sign_rv;
	const char *answer;
	int pam_code;
	unsigned asks, logins;
	const char *said;
} icases[] = {
	{"plain success", 0, CKR_OK, CKR_OK, PIN, PAM_SUCCESS, 1, 1, ""},
	{"locked before asking: no prompt, no try", CKF_USER_PIN_LOCKED, CKR_OK, CKR_OK, PIN,
	 PAM_MAXTRIES, 0, 0, "E: The card's PIN is locked: unblock it with the PUK."},
	{"final try is announced", CKF_USER_PIN_FINAL_TRY, CKR_OK, CKR_OK, PIN, PAM_SUCCESS, 1, 1,
	 "I: Final try: a wrong PIN now locks the card."},
	{"wrong PIN on the final try", CKF_USER_PIN_FINAL_TRY, CKR_PIN_INCORRECT, CKR_OK, WRONG_PIN,
	 PAM_AUTH_ERR, 1, 1, "E: Wrong PIN. Final try: a wrong PIN now locks the card."},
	{"the wrong PIN locks it", 0, CKR_PIN_LOCKED, CKR_OK, WRONG_PIN, PAM_MAXTRIES, 1, 1,
	 "E: The card's PIN is locked: unblock it with the PUK."},
	{"PIN pad: no PIN asked", CKF_PROTECTED_AUTHENTICATION_PATH, CKR_OK, CKR_OK, NULL, PAM_SUCCESS,
	 0, 1, "I: Enter the PIN on the reader."},
	{"conversation fails", 0, CKR_OK, CKR_OK, NULL, PAM_CONV_ERR, 1, 0, ""},
	{"malformed PIN: no login", 0, CKR_OK, CKR_OK, "12ab", PAM_AUTH_ERR, 1, 0, "not asked"},
	{"card pulled mid-signature", 0, CKR_OK, CKR_DEVICE_REMOVED, PIN, PAM_AUTHINFO_UNAVAIL, 1, 1,
	 "E: Smart card sign-in failed"},
};

static void test_inprocess(void **state)
{
	struct signet_config cfg;
	(void)state;

	config_defaults(&cfg);
	snprintf(cfg.ca, sizeof(cfg.ca), "%s/pki/ca.crt", tokdir);
	cfg.revocation = CONFIG_REVOCATION_NONE;
	cfg.check.revoke.use_cache = 0;
	cfg.pam_map = USERMAP_FILE;
	snprintf(cfg.pam_map_file, sizeof(cfg.pam_map_file), "%s/users.map", itest_scratch());
	for (size_t i = 0; i < sizeof(icases) / sizeof(icases[0]); i++) {
		const struct icase *c = &icases[i];
		struct script sc = {.answer = c->answer};
		struct pamflow_conv conv = {script_ask, script_say, &sc};
		struct pamflow_opts o = {.cfg = &cfg, .module = SOFTHSM, .user = "nobody"};
		struct pamflow_result r;
		struct p11uri uri;
		const char *u = "pkcs11:token=pamtok;id=%01";

		assert_int_equal(p11uri_parse(u, strlen(u), &uri, NULL), SG_OK);
		o.uri = &uri;
		sim_flags = c->flags;
		sim_login_rv = c->login_rv;
		sim_sign_rv = c->sign_rv;
		sim_logins = 0;
		int rc = pamflow_authenticate(&hal, &o, &conv, &r);
		print_message("in-process %zu: %s -> %d (%s)\n%s", i, c->what, rc, r.e.detail, sc.said);
		assert_int_equal(rc, c->pam_code);
		assert_int_equal(sc.asks, c->asks);
		assert_int_equal(sim_logins, c->logins);
		assert_non_null(strstr(sc.said, c->said));
		assert_null(strstr(sc.said, PIN));
		assert_null(strstr(r.e.detail, PIN));
		if (rc == PAM_SUCCESS) {
			assert_string_equal(r.user, "nobody");
			assert_non_null(r.der);
		}
		pamflow_result_free(&r);
	}
	sim_flags = 0;
	sim_login_rv = sim_sign_rv = CKR_OK;
}

/* The return-code table doc/pam.md documents. */
static void test_pam_codes(void **state)
{
	static const struct {
		sg_err err;
		int ignore, code;
	} rows[] = {
		{SG_OK, 0, PAM_SUCCESS},
		{SG_E_PIN_INCORRECT, 0, PAM_AUTH_ERR},
		{SG_E_PIN_FORMAT, 0, PAM_AUTH_ERR},
		{SG_E_SIGNATURE, 0, PAM_AUTH_ERR},
		{SG_E_CERT_EXPIRED, 0, PAM_AUTH_ERR},
		{SG_E_CERT_UNTRUSTED, 0, PAM_AUTH_ERR},
		{SG_E_REVOKED, 0, PAM_AUTH_ERR},
		{SG_E_CERT_IDENTITY, 0, PAM_USER_UNKNOWN},
		{SG_E_PIN_LOCKED, 0, PAM_MAXTRIES},
		{SG_E_NO_CARD, 0, PAM_AUTHINFO_UNAVAIL},
		{SG_E_NO_CARD, 1, PAM_IGNORE},
		{SG_E_NO_READER, 1, PAM_IGNORE},
		{SG_E_NO_TOKEN, 1, PAM_IGNORE},
		{SG_E_NO_MODULE, 1, PAM_AUTHINFO_UNAVAIL},
		{SG_E_CARD_REMOVED, 1, PAM_AUTHINFO_UNAVAIL},
		{SG_E_REVOCATION_UNAVAILABLE, 0, PAM_AUTHINFO_UNAVAIL},
		{SG_E_NETWORK, 0, PAM_AUTHINFO_UNAVAIL},
		{SG_E_TIME_UNKNOWN, 0, PAM_AUTHINFO_UNAVAIL},
		{SG_E_NO_CERT, 0, PAM_CRED_INSUFFICIENT},
		{SG_E_PIN_CANCELLED, 0, PAM_CONV_ERR},
		{SG_E_CONFIG, 0, PAM_SERVICE_ERR},
		{SG_E_NOMEM, 0, PAM_BUF_ERR},
		{SG_E_INTERNAL, 0, PAM_ABORT},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(pamflow_pam_code(rows[i].err, rows[i].ignore), rows[i].code);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pam_codes),
		cmocka_unit_test(test_pamtester),
		cmocka_unit_test_setup_teardown(test_inprocess, inproc_setup, inproc_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
