/*
 * test_verify.c: `signet verify` against a test PKI made with openssl
 * (tools/revpki), a real `openssl ocsp` responder and CRLs served over HTTP
 * by python3's http.server, all on loopback and started here. Each row:
 * a certificate, flags, the exit code and what the output must say.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "itest.h"

static char pki[600], state_dir[600];
static int http_port, ocsp_port, dead_port, slow_port;
static int http_pid, ocsp_pid, slow_pid;
static char out[65536];

static int start_ocsp(const char *signer, const char *extra)
{
	ocsp_pid = itest_spawn("ocsp",
			       "openssl ocsp -index '%s/inter/index.txt' -port %d "
			       "-rsigner '%s/%s.crt' -rkey '%s/%s.key' -CA '%s/inter.crt' -nmin 60 %s",
			       pki, ocsp_port, pki, signer, pki, signer, pki, extra);
	/* Not itest_wait_port: openssl's responder hangs on a connection that
	 * closes without a request. */
	return itest_wait_log("ocsp", "waiting for OCSP client connections");
}

static void restart_ocsp(const char *signer, const char *extra)
{
	itest_stop(ocsp_pid);
	itest_sh("rm -f '%s/ocsp.log'", itest_scratch());
	assert_int_equal(start_ocsp(signer, extra), 0);
}

static int group_setup(void **state)
{
	(void)state;
	http_port = itest_free_port();
	ocsp_port = itest_free_port();
	dead_port = itest_free_port();
	slow_port = itest_free_port();
	snprintf(pki, sizeof(pki), "%s/pki", itest_scratch());
	snprintf(state_dir, sizeof(state_dir), "%s/state", itest_scratch());
	setenv("SIGNET_STATE_DIR", state_dir, 1);
	if (itest_sh("mkdir -p '%s' && %s/tools/revpki '%s' %d %d", pki, itest_top(), pki, http_port,
		     ocsp_port))
		return -1;
	http_pid = itest_spawn("http", "python3 -m http.server --bind 127.0.0.1 %d --directory '%s/www'",
			       http_port, pki);
	/* A server that accepts and never answers: the slow responder. */
	slow_pid = itest_spawn("slow", "exec python3 -c 'import socket,time\n"
				       "s=socket.socket(); s.bind((\"127.0.0.1\", %d)); s.listen(8)\n"
				       "c=[]\nwhile True: c.append(s.accept())'",
			       slow_port);
	if (itest_wait_port(http_port) || itest_wait_port(slow_port) || start_ocsp("ocsp", ""))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	itest_stop(ocsp_pid);
	itest_stop(http_pid);
	itest_stop(slow_pid);
	return 0;
}

/* Runs signet verify on a certificate of the PKI with the trust anchor,
 * the intermediate and no cache (unless the flags say otherwise). */
static int verify(const char *cert, const char *flags)
{
	return itest_signet_run(NULL, out, sizeof(out),
				"verify --cert '%s/%s.crt' --ca '%s/root.crt' --untrusted '%s/chain.pem' "
				"--timeout 3 %s",
				pki, cert, pki, pki, flags);
}

static const struct vcase {
	const char *cert;
	const char *flags;
	int exit_code;
	const char *says[3];
} cases[] = {
	/* Acceptable, by OCSP from the AIA URL, then by CRL from the distribution point. */
	{"alice", "--identity sip:alice@example.test --no-cache", 0,
	 {"Result:      acceptable", "not revoked, says OCSP http://127.0.0.1", "clientAuth"}},
	{"bob", "--identity bob@example.test --no-cache", 0,
	 {"acceptable", "smart-card logon", "EC"}},
	{"alice", "--revocation crl --no-cache", 0, {"not revoked, says CRL http://127.0.0.1", NULL}},
	{"alice", "--revocation none", 0, {"not checked (policy: none)", NULL}},
	/* Not acceptable. */
	{"expired", "--no-cache", 6, {"expired on 2021-01-01", "renew it", NULL}},
	{"notyet", "--no-cache", 6, {"not valid before 2099-01-01", NULL}},
	{"wrongeku", "--no-cache", 6, {"extended key usage is not for sign-in", NULL}},
	{"nokeyusage", "--no-cache", 6, {"digitalSignature", NULL}},
	{"bob", "--identity sip:alice@example.test --no-cache", 6,
	 {"names uri:sip:bob@example.test", "not sip:alice@example.test", NULL}},
	{"stranger", "--no-cache", 6, {"issuer not trusted", "signet other-root", NULL}},
	{"badsig", "--no-cache", 6, {"issuer not trusted", "signature does not verify", NULL}},
	{"underleaf", "--untrusted %p/chain-alice.pem --no-cache", 6,
	 {"issuer not trusted", "CN=alice", NULL}},
	/* Revoked, by either source, with date and reason. */
	{"revoked", "--no-cache", 7, {"revoked on", "keyCompromise", "OCSP"}},
	{"revoked", "--revocation crl --no-cache", 7, {"revoked on", "keyCompromise", "CRL"}},
	/* No trustworthy answer. */
	{"alice", "--revocation ocsp --ocsp-url http://127.0.0.1:%d/ --no-cache", 8,
	 {"connection refused", NULL}},
	{"alice", "--revocation ocsp --ocsp-url http://127.0.0.1:%d/ --on-unavailable soft --no-cache",
	 0, {"accepted by the soft-fail policy", "warn", NULL}},
	{"alice", "--revocation ocsp --ocsp-url http://127.0.0.1:%s/ --no-cache", 8,
	 {"no answer", NULL}},
	{"alice", "--revocation ocsp --ocsp-url http://127.0.0.1:%h/inter.crl --no-cache", 8,
	 {"OCSP", NULL}},
	/* A dead OCSP responder, but the CRL answers: ocsp,crl falls through. */
	{"alice", "--ocsp-url http://127.0.0.1:%d/ --no-cache", 0, {"says CRL", NULL}},
	{"alice", "--json --no-cache", 0,
	 {"\"check\":\"revocation\",\"result\":\"pass\"", "\"result\":\"acceptable\"", NULL}},
	{"revoked", "--json --no-cache", 7, {"\"result\":\"revoked\"", "\"exit_code\":7", NULL}},
};

/* Expands %d (dead port), %s (slow port), %h (HTTP port), %p (the PKI
 * directory) in flags. */
static void expand(const char *in, char *o, size_t cap)
{
	size_t n = 0;
	for (; *in && n + 8 < cap; in++) {
		if (in[0] == '%' && in[1] == 'p') {
			n += (size_t)snprintf(o + n, cap - n, "%s", pki);
			in++;
		} else if (in[0] == '%' && (in[1] == 'd' || in[1] == 's' || in[1] == 'h')) {
			int port = in[1] == 'd' ? dead_port : in[1] == 's' ? slow_port : http_port;
			n += (size_t)snprintf(o + n, cap - n, "%d", port);
			in++;
		} else {
			o[n++] = *in;
		}
	}
	o[n] = '\0';
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcase *c = &cases[i];
		char flags[512];
		time_t t0 = time(NULL);

		expand(c->flags, flags, sizeof(flags));
		int rc = verify(c->cert, flags);
		print_message("case %zu: %s %s -> %d (%lds)\n%s", i, c->cert, flags, rc,
			      (long)(time(NULL) - t0), out);
		assert_int_equal(rc, c->exit_code);
		for (int k = 0; k < 3 && c->says[k]; k++)
			assert_non_null(strstr(out, c->says[k]));
	}
}

/* A responder that never answers costs the timeout, not a hang. */
static void test_slow_responder_times_out(void **state)
{
	char flags[256];
	(void)state;

	snprintf(flags, sizeof(flags), "--revocation ocsp --ocsp-url http://127.0.0.1:%d/ --no-cache",
		 slow_port);
	time_t t0 = time(NULL);
	assert_int_equal(verify("alice", flags), 8);
	assert_true(time(NULL) - t0 < 60); /* 3 s timeout; generous for a loaded machine */
	assert_non_null(strstr(out, "no answer"));
}

/* Responses the checker must refuse: signed by a certificate without the
 * OCSP-signing EKU, by another CA's key. */
static void test_untrustworthy_responders(void **state)
{
	(void)state;
	restart_ocsp("fakeocsp", "");
	assert_int_equal(verify("alice", "--revocation ocsp --no-cache"), 8);
	restart_ocsp("stranger", "");
	assert_int_equal(verify("alice", "--revocation ocsp --no-cache"), 8);
	/* Signed by the CA itself: fine. */
	restart_ocsp("inter", "");
	assert_int_equal(verify("alice", "--revocation ocsp --no-cache"), 0);
	restart_ocsp("ocsp", "");
}

/* Answers are cached until nextUpdate; past it, within the grace period, a
 * cached answer stands in for a dead responder; beyond grace it does not. */
static void test_cache_and_grace(void **state)
{
	(void)state;
	itest_sh("rm -rf '%s'", state_dir);
	assert_int_equal(verify("alice", "--revocation ocsp"), 0);
	assert_null(strstr(out, "(cached)"));
	itest_stop(ocsp_pid);
	ocsp_pid = 0;
	assert_int_equal(verify("alice", "--revocation ocsp"), 0);
	assert_non_null(strstr(out, "(cached)"));
	/* Two hours on: past the responder's nextUpdate (60 min), within 24 h. */
	char at[64], flags[128];
	time_t later = time(NULL) + 2 * 3600;
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&later));
	snprintf(flags, sizeof(flags), "--revocation ocsp --at %s", at);
	assert_int_equal(verify("alice", flags), 0);
	assert_non_null(strstr(out, "grace period"));
	/* Three days on: beyond the grace period, and nobody answers. */
	later = time(NULL) + 3 * 86400;
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&later));
	snprintf(flags, sizeof(flags), "--revocation ocsp --at %s", at);
	assert_int_equal(verify("alice", flags), 8);
	itest_sh("rm -f '%s/ocsp.log'", itest_scratch());
	assert_int_equal(start_ocsp("ocsp", ""), 0);
}

/* Without the intermediate at hand, the AIA caIssuers URL supplies it when
 * the configuration allows fetching. */
static void test_aia_fetch(void **state)
{
	const char *s = itest_scratch();
	(void)state;

	assert_int_equal(itest_sh("printf '[certs]\\naia_fetch = yes\\n' > '%s/aia.conf'", s), 0);
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out),
					  "verify --cert '%s/alice.crt' --ca '%s/root.crt' --no-cache", pki, pki),
			 6);
	assert_non_null(strstr(out, "issuer not trusted"));
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out),
					  "verify --cert '%s/alice.crt' --ca '%s/root.crt' --no-cache "
					  "--config '%s/aia.conf'",
					  pki, pki, s),
			 0);
	assert_non_null(strstr(out, "3 certificate(s)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_slow_responder_times_out),
		cmocka_unit_test(test_untrustworthy_responders),
		cmocka_unit_test(test_cache_and_grace),
		cmocka_unit_test(test_aia_fetch),
	};
	return cmocka_run_group_tests_name("verify", tests, group_setup, group_teardown);
}
