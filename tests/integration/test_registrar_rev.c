/*
 * test_registrar_rev.c: the registrar certificate's revocation check, by
 * `signet signin` against a real Kamailio (tools/kamailio-run) presenting
 * certificates from tools/regpki, a real `openssl ocsp` responder (the CA's,
 * or an attacker's) and the CA's CRL over python3's http.server, all on
 * loopback, started and stopped here.
 *
 * The attack: a registrar with a revoked certificate appends a self-signed
 * certificate carrying its CA's name but its own key (mbedTLS ignores it
 * for the chain), and answers OCSP "good" signed with that key. The issuer
 * for the check must be the one mbedTLS verified, so the forged answer
 * never counts: the CRL says revoked (exit 7), or nothing trustworthy
 * answers (soft: a warning, never "not revoked"; hard: exit 8).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "itest.h"

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"
#define PIN "123456"

static char *tok;
static char reg[600], base[600];
static int http_port, ocsp_port, http_pid, ocsp_pid, kam_pid, tls_port;
static char out[65536];

/* Kamailio presenting CERT (a file of regpki's, or "" for kamailio-run's own
 * certificate, which names no revocation source) with KEY. */
static void kam_stop(void);
static void http_stop(void);

static void kam_start(const char *cert, const char *key)
{
	char dir[700], opt[1600] = "";

	kam_stop(); /* one left by a test that failed half-way */

	snprintf(dir, sizeof(dir), "%s/kam-%s", itest_scratch(), cert[0] ? cert : "own");
	if (cert[0])
		snprintf(opt, sizeof(opt), "--server-cert '%s/%s' --server-key '%s/%s'", reg, cert,
			 reg, key);
	tls_port = itest_free_port();
	int udp = itest_free_port();
	kam_pid = itest_spawn("kamailio",
			      "exec %s/tools/kamailio-run '%s' start --udp %d --tcp %d --tls %d "
			      "--client-ca '%s/pki/ca.crt' %s",
			      itest_top(), dir, udp, udp, tls_port, tok, opt);
	assert_int_equal(itest_sh("%s/tools/kamailio-run '%s' wait", itest_top(), dir), 0);
}

static void kam_stop(void)
{
	if (kam_pid > 0)
		itest_stop(kam_pid);
	kam_pid = 0;
}

/* The CA's responder ("regca") or the attacker's ("fakeca") on the port
 * the certificates name. */
static void ocsp_start(const char *who)
{
	itest_stop(ocsp_pid);
	itest_sh("rm -f '%s/ocsp.log'", itest_scratch());
	ocsp_pid = itest_spawn("ocsp",
			       "exec openssl ocsp -index '%s/%s' -port %d -rsigner '%s/%s.crt' "
			       "-rkey '%s/%s.key' -CA '%s/%s.crt' -nmin 60",
			       reg, strcmp(who, "regca") ? "fake-index.txt" : "regca/index.txt",
			       ocsp_port, reg, who, reg, who, reg, who);
	/* Not itest_wait_port: openssl's responder hangs on a connection that
	 * closes without a request. */
	assert_int_equal(itest_wait_log("ocsp", "waiting for OCSP client connections"), 0);
}

static void http_start(void)
{
	http_stop();
	http_pid = itest_spawn("http", "exec python3 -m http.server --bind 127.0.0.1 %d "
				       "--directory '%s/www'",
			       http_port, reg);
	assert_int_equal(itest_wait_port(http_port), 0);
}

static void http_stop(void)
{
	if (http_pid > 0)
		itest_stop(http_pid);
	http_pid = 0;
}

static int group_setup(void **state)
{
	(void)state;
	tok = itest_mktoken("tok", "signin", PIN, "rsa:alice:01");
	if (!tok)
		return -1;
	char v[700];
	snprintf(v, sizeof(v), "%s/softhsm2.conf", tok);
	setenv("SOFTHSM2_CONF", v, 1);
	snprintf(v, sizeof(v), "%s/state", itest_scratch());
	setenv("SIGNET_STATE_DIR", v, 1);
	snprintf(reg, sizeof(reg), "%s/reg", itest_scratch());
	snprintf(base, sizeof(base), "%s/base.conf", itest_scratch());
	http_port = itest_free_port();
	ocsp_port = itest_free_port();
	return itest_sh("%s/tools/regpki '%s' %d %d", itest_top(), reg, http_port, ocsp_port);
}

static int group_teardown(void **state)
{
	(void)state;
	itest_stop(kam_pid);
	itest_stop(ocsp_pid);
	itest_stop(http_pid);
	free(tok);
	return 0;
}

/* Writes base.conf: the card's checks (its test CA has no revocation
 * source, so none, which must not switch the registrar's check off; no
 * cache, so that every run asks afresh), the registrar's anchors (sip_ca)
 * and the [sip] lines given (each ending in \n). */
static void conf(const char *sip_ca, const char *sip_lines)
{
	assert_int_equal(itest_sh("printf '[token]\\nmodule = %s\\n[certs]\\nca = %s/pki/ca.crt\\n"
				  "revocation = none\\ncache = no\\n[sip]\\nca = %s\\n%s' > '%s'",
				  SOFTHSM, tok, sip_ca, sip_lines, base),
			 0);
}

static int signin(const char *extra)
{
	int rc = itest_signet_run(PIN "\n", out, sizeof(out),
				  "signin --once --config '%s' --user sip:alice@example.test "
				  "--token 'pkcs11:object=alice' --registrar sips:127.0.0.1:%d "
				  "--pin-fd 3 %s",
				  base, tls_port, extra);
	print_message("exit %d\n%s", rc, out);
	assert_null(strstr(out, PIN));
	return rc;
}

/* a appears in the output, and before b when b is given. */
static void before(const char *a, const char *b)
{
	const char *pa = strstr(out, a), *pb = b ? strstr(out, b) : NULL;

	if (!pa)
		fail_msg("output lacks \"%s\"", a);
	if (b && (!pb || pb < pa))
		fail_msg("\"%s\" is not printed before \"%s\"", a, b);
}

/* base.conf trusting regca for the registrar, with these [sip] lines. */
static void regca_conf(const char *sip_lines)
{
	char ca[700];

	snprintf(ca, sizeof(ca), "%s/regca.crt", reg);
	conf(ca, sip_lines);
}

/* No [sip] revocation settings at all, and [certs] revocation = none: the
 * registrar is still checked (default yes, ocsp,crl, soft). Kamailio's own
 * certificate names no source: a warning in its place in the sequence,
 * never "not revoked", and the sign-in goes on. */
static void test_default_soft_warns(void **state)
{
	char ca[700];
	(void)state;

	kam_start("", "");
	snprintf(ca, sizeof(ca), "%s/kam-own/server-ca.crt", itest_scratch());
	conf(ca, "");
	assert_int_equal(signin(""), 0);
	before("connecting to", "revocation status is unknown");
	before("revocation status is unknown", "REGISTER sent");
	before("REGISTER sent", "registered as sip:alice@example.test");
	before("registering anyway ([sip] on_unavailable = soft)", NULL);
	assert_null(strstr(out, "not revoked"));
	/* testauth's report says it too (it prints no progress lines). */
	assert_int_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					  "testauth --config '%s' --target 127.0.0.1:%d --user "
					  "sip:alice@example.test --token 'pkcs11:object=alice' --pin-fd 3",
					  base, tls_port),
			 0);
	before("Result:    Success", "Warning:   the registrar's certificate's revocation "
					 "status is unknown");

	/* hard: refused before REGISTER (exit 8). */
	conf(ca, "on_unavailable = hard\\n");
	assert_int_equal(signin(""), 8);
	before("registrar's certificate", NULL);
	assert_null(strstr(out, "REGISTER sent"));
	assert_null(strstr(out, "registered as"));

	/* revocation = none: said so; check_revocation = no: nothing. */
	conf(ca, "revocation = none\\n");
	assert_int_equal(signin(""), 0);
	before("revocation not checked ([sip] revocation = none)", "REGISTER sent");
	conf(ca, "check_revocation = no\\n");
	assert_int_equal(signin(""), 0);
	assert_null(strstr(out, "registrar's certificate"));
	kam_stop();
}

/* The CA's responder and CRL: a good registrar is "not revoked (OCSP ...)",
 * printed before REGISTER goes out; a revoked one is refused (exit 7) under
 * the default soft policy, with nothing sent. */
static void test_ca_answers(void **state)
{
	(void)state;
	http_start();
	ocsp_start("regca");
	regca_conf("");

	kam_start("reg-good.pem", "reg-good.key");
	assert_int_equal(signin(""), 0);
	before("the registrar's certificate is not revoked (OCSP", "REGISTER sent");
	before("REGISTER sent", "registered as sip:alice@example.test");
	kam_stop();

	kam_start("reg-revoked.pem", "reg-revoked.key");
	assert_int_equal(signin(""), 7);
	before("the registrar's certificate is revoked", NULL);
	assert_null(strstr(out, "REGISTER sent"));
	/* Only the CRL: revoked too. */
	regca_conf("revocation = crl\\n");
	assert_int_equal(signin(""), 7);
	before("keyCompromise", NULL);
	kam_stop();
	http_stop();
}

/* The attack, as the issue reproduced it: [certs] asks for OCSP then CRLs
 * with hard-fail and [sip] check_revocation = yes (the card itself is not
 * checked: --revocation none). The registrar sends its revoked certificate
 * and the forged CA; its OCSP address answers with the attacker's key. */
static void attack_conf(const char *sip_lines)
{
	assert_int_equal(itest_sh("printf '[token]\\nmodule = %s\\n[certs]\\nca = %s/pki/ca.crt\\n"
				  "revocation = ocsp,crl\\non_unavailable = hard\\ncache = no\\n"
				  "[sip]\\nca = %s/regca.crt\\ncheck_revocation = yes\\n%s' > '%s'",
				  SOFTHSM, tok, reg, sip_lines, base),
			 0);
}

static void test_forged_issuer_crl_says_revoked(void **state)
{
	(void)state;
	ocsp_start("fakeca");
	http_start(); /* the CA's CRL is still reachable */
	kam_start("attack.pem", "reg-revoked.key");
	attack_conf("");
	assert_int_equal(signin("--revocation none"), 7);
	assert_null(strstr(out, "not revoked"));
	assert_null(strstr(out, "REGISTER sent"));
	before("the registrar's certificate is revoked", NULL);
	/* Nothing reached the location table. */
	assert_int_not_equal(itest_sh("%s/tools/kamailio-run '%s/kam-attack.pem' lookup "
				      "sip:alice@example.test 2>/dev/null | grep -q Contact",
				      itest_top(), itest_scratch()),
			     0);
	kam_stop();
	http_stop();
}

/* Only the forged responder can be reached: never "not revoked"; soft
 * warns (the [sip] default), hard refuses with 8. */
static void test_forged_issuer_alone(void **state)
{
	(void)state;
	http_stop(); /* no CRL */
	ocsp_start("fakeca");
	kam_start("attack.pem", "reg-revoked.key");
	attack_conf("");
	assert_int_equal(signin("--revocation none"), 0);
	assert_null(strstr(out, "not revoked"));
	before("revocation status is unknown", "REGISTER sent");
	attack_conf("on_unavailable = hard\\n");
	assert_int_equal(signin("--revocation none"), 8);
	assert_null(strstr(out, "not revoked"));
	assert_null(strstr(out, "REGISTER sent"));
	kam_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_soft_warns),
		cmocka_unit_test(test_ca_answers),
		cmocka_unit_test(test_forged_issuer_crl_says_revoked),
		cmocka_unit_test(test_forged_issuer_alone),
	};
	return cmocka_run_group_tests_name("registrar revocation", tests, group_setup,
					   group_teardown);
}
