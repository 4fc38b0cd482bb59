/*
 * test_verify.c: `signet verify` against a test PKI made with openssl
 * (tools/revpki), real `openssl ocsp` responders (inter's delegated one,
 * bare's), answers signed ahead of time by `openssl ocsp` and served as
 * files (tools/ocsp-static, as CDNs do), and CRLs served over HTTP by
 * python3's http.server (also ones mbedTLS cannot read: a critical
 * issuingDistributionPoint, delta CRLs), all on loopback and started here. Each row: a
 * certificate, flags, the exit code and what the output must say.
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
static int http_port, ocsp_port, dead_port, slow_port, bocsp_port, static_port;
static int http_pid, ocsp_pid, slow_pid, bocsp_pid, static_pid;
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

/* bare's own responder: the CA signs its answers. */
static int start_bare_ocsp(void)
{
	bocsp_pid = itest_spawn("bocsp",
				"openssl ocsp -index '%s/bare/index.txt' -port %d -rsigner '%s/bare.crt' "
				"-rkey '%s/bare.key' -CA '%s/bare.crt' -nmin 60",
				pki, bocsp_port, pki, pki, pki);
	return itest_wait_log("bocsp", "waiting for OCSP client connections");
}

/* Answers made ahead of time, as a CDN serves them, in pki/resp (served by
 * tools/ocsp-static, whatever the request):
 *   alice-nonce-less, revoked-nonce-less  for a request without a nonce,
 *                                         nextUpdate in 60 minutes;
 *   alice-no-next                         no nonce and no nextUpdate;
 *   alice-other-nonce                     for another request, whose nonce
 *                                         (openssl's random one) is not ours. */
static int make_presigned(void)
{
	return itest_sh(
		"(cd '%s' && mkdir -p resp && r='-index inter/index.txt -CA inter.crt -rsigner ocsp.crt "
		"-rkey ocsp.key' && "
		"for u in alice revoked; do openssl ocsp -issuer inter.crt -cert $u.crt -no_nonce "
		"-reqout resp/req-$u.der && openssl ocsp $r -reqin resp/req-$u.der -nmin 60 "
		"-respout resp/$u-nonce-less.der; done && "
		"openssl ocsp $r -reqin resp/req-alice.der -respout resp/alice-no-next.der && "
		"openssl ocsp -issuer inter.crt -cert alice.crt -nonce -reqout resp/req-nonce.der && "
		"openssl ocsp $r -reqin resp/req-nonce.der -nmin 60 -respout resp/alice-other-nonce.der"
		") >'%s/presigned.log' 2>&1",
		pki, itest_scratch());
}

/* cmocka reports only "GROUP SETUP" failed: say which step. */
static int setup_failed(const char *step)
{
	print_error("setup: %s did not start or failed (scratch %s)\n", step, itest_scratch());
	return -1;
}

static int group_setup(void **state)
{
	(void)state;
	http_port = itest_free_port();
	ocsp_port = itest_free_port();
	dead_port = itest_free_port();
	slow_port = itest_free_port();
	bocsp_port = itest_free_port();
	static_port = itest_free_port();
	snprintf(pki, sizeof(pki), "%s/pki", itest_scratch());
	snprintf(state_dir, sizeof(state_dir), "%s/state", itest_scratch());
	setenv("SIGNET_STATE_DIR", state_dir, 1);
	if (itest_sh("mkdir -p '%s' && %s/tools/revpki '%s' %d %d %d", pki, itest_top(), pki,
		     http_port, ocsp_port, bocsp_port))
		return setup_failed("tools/revpki (the test PKI)");
	if (make_presigned())
		return setup_failed("openssl ocsp (answers signed ahead of time; presigned.log)");
	http_pid = itest_spawn("http", "python3 -m http.server --bind 127.0.0.1 %d --directory '%s/www'",
			       http_port, pki);
	/* A server that accepts and never answers: the slow responder. */
	slow_pid = itest_spawn("slow", "exec python3 -c 'import socket,time\n"
				       "s=socket.socket(); s.bind((\"127.0.0.1\", %d)); s.listen(8)\n"
				       "c=[]\nwhile True: c.append(s.accept())'",
			       slow_port);
	static_pid = itest_spawn("static", "exec %s/tools/ocsp-static '%s/resp' %d", itest_top(), pki,
				 static_port);
	if (itest_wait_port(http_port))
		return setup_failed("python3 -m http.server (http.log)");
	if (itest_wait_port(slow_port))
		return setup_failed("the silent responder (slow.log)");
	if (itest_wait_port(static_port))
		return setup_failed("tools/ocsp-static (static.log)");
	if (start_ocsp("ocsp", ""))
		return setup_failed("inter's openssl ocsp responder (ocsp.log)");
	if (start_bare_ocsp())
		return setup_failed("bare's openssl ocsp responder (bocsp.log)");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	itest_stop(ocsp_pid);
	itest_stop(http_pid);
	itest_stop(slow_pid);
	itest_stop(bocsp_pid);
	itest_stop(static_pid);
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

/* Runs verify (as verify() does) with a configuration file holding conf. */
static int verify_conf(const char *cert, const char *conf, const char *flags)
{
	const char *s = itest_scratch();

	assert_int_equal(itest_sh("printf '%s' > '%s/verify.conf'", conf, s), 0);
	return itest_signet_run(NULL, out, sizeof(out),
				"verify --cert '%s/%s.crt' --ca '%s/root.crt' --untrusted '%s/chain.pem' "
				"--timeout 3 --config '%s/verify.conf' %s",
				pki, cert, pki, pki, s, flags);
}

static void expect(const char *text)
{
	if (!strstr(out, text))
		fail_msg("the output lacks \"%s\":\n%s", text, out);
}

static void expect_not(const char *text)
{
	if (strstr(out, text))
		fail_msg("the output has \"%s\":\n%s", text, out);
}

#define BARE "--untrusted '%s/chain-bare.pem' --no-cache"

/* Issue 13 item 5: a user certificate revoked by its CA's responder, under
 * an intermediate that names no revocation source (bare). The definite
 * "revoked" wins over the intermediate's "no answer": exit 7 with date and
 * reason, not 8. */
static void test_revoked_wins_over_ca_without_source(void **state)
{
	char flags[1400];
	(void)state;

	snprintf(flags, sizeof(flags), BARE, pki);
	assert_int_equal(verify("bare-revoked", flags), 7);
	expect("the certificate: revoked on 20");
	expect("(keyCompromise), says OCSP http://127.0.0.1:");
	/* The same under scope leaf, which does not look at bare at all. */
	snprintf(flags, sizeof(flags), BARE " --revocation-scope leaf", pki);
	assert_int_equal(verify("bare-revoked", flags), 7);
	expect("keyCompromise");
	/* A good user under bare: the chain scope cannot vouch for bare. */
	snprintf(flags, sizeof(flags), BARE, pki);
	assert_int_equal(verify("bare-alice", flags), 8);
	/* Leaf scope checks the end entity only: acceptable, and it says so
	 * (the flag and the setting alike). */
	snprintf(flags, sizeof(flags), BARE " --revocation-scope leaf", pki);
	assert_int_equal(verify("bare-alice", flags), 0);
	expect("not revoked, says OCSP");
	expect("CA certificates not checked: revocation_scope = leaf");
	snprintf(flags, sizeof(flags), BARE, pki);
	assert_int_equal(verify_conf("bare-alice", "[certs]\\nrevocation_scope = leaf\\n", flags), 0);
	expect("revocation_scope = leaf");
	assert_int_equal(verify_conf("bare-alice", "[certs]\\nrevocation_scope = chain\\n", flags), 8);
}

/* The diagnosis tells "names no source" (configure a CRL) apart from "the
 * source could not be reached" (look at the network). */
static void test_no_source_or_unreachable(void **state)
{
	char flags[1400];
	(void)state;

	snprintf(flags, sizeof(flags), BARE, pki);
	assert_int_equal(verify("bare-alice", flags), 8);
	expect("the issuing CA 'CN=bare, O=signet test' names no revocation source");
	expect("Diagnosis:");
	expect("configure a CRL of its issuer ([certs] crl, --crl)");
	expect_not("could not be reached");
	expect_not("check the network path");
	/* Following the advice: root's CRL answers for bare. */
	snprintf(flags, sizeof(flags), BARE " --crl '%s/www/root.crl.pem'", pki, pki);
	assert_int_equal(verify("bare-alice", flags), 0);
	/* bare's responder down: its user's source cannot be reached. */
	itest_stop(bocsp_pid);
	snprintf(flags, sizeof(flags), BARE " --revocation-scope leaf", pki);
	assert_int_equal(verify("bare-alice", flags), 8);
	expect("the certificate: no trustworthy answer: its revocation source could not be "
	       "reached (OCSP http://127.0.0.1:");
	expect("connection refused");
	expect("check the network path");
	expect_not("names no revocation source");
	itest_sh("rm -f '%s/bocsp.log'", itest_scratch());
	assert_int_equal(start_bare_ocsp(), 0);
	/* The same for a configured responder that is down. */
	snprintf(flags, sizeof(flags), "--revocation ocsp --no-cache --ocsp-url http://127.0.0.1:%d/",
		 dead_port);
	assert_int_equal(verify("alice", flags), 8);
	expect("could not be reached");
	/* A source that answers, untrustworthily: neither of the two. */
	restart_ocsp("fakeocsp", "");
	assert_int_equal(verify("alice", "--revocation ocsp --no-cache"), 8);
	expect("no trustworthy answer (OCSP");
	expect_not("could not be reached");
	expect_not("names no revocation source");
	restart_ocsp("ocsp", "");
}

/* Issue 13 item 6: answers signed ahead of time carry no nonce. They count
 * within their validity window; a nonce that comes back must be ours;
 * [certs] ocsp_require_nonce = yes keeps the old strictness. */
static void test_ocsp_answers_without_nonce(void **state)
{
	char flags[1400];
	(void)state;

	snprintf(flags, sizeof(flags),
		 "--revocation ocsp --no-cache --ocsp-url http://127.0.0.1:%d/alice-nonce-less.der",
		 static_port);
	assert_int_equal(verify("alice", flags), 0);
	expect("not revoked, says OCSP http://127.0.0.1:");
	/* Under the default ocsp,crl the answer is OCSP's, not a silent fallback. */
	snprintf(flags, sizeof(flags),
		 "--no-cache --ocsp-url http://127.0.0.1:%d/alice-nonce-less.der", static_port);
	assert_int_equal(verify("alice", flags), 0);
	expect("alice-nonce-less.der");
	expect_not("says CRL");
	/* A revoked answer without a nonce is just as definite. */
	snprintf(flags, sizeof(flags),
		 "--revocation ocsp --no-cache --ocsp-url http://127.0.0.1:%d/revoked-nonce-less.der",
		 static_port);
	assert_int_equal(verify("revoked", flags), 7);
	expect("keyCompromise");
	/* An answer echoing another request's nonce: a replay, refused. */
	snprintf(flags, sizeof(flags),
		 "--revocation ocsp --no-cache --ocsp-url http://127.0.0.1:%d/alice-other-nonce.der",
		 static_port);
	assert_int_equal(verify("alice", flags), 8);
	expect("the nonce does not match the request's");
	/* ocsp_require_nonce = yes: the nonce-less answer is refused, the live
	 * responder (which echoes) still answers. */
	snprintf(flags, sizeof(flags),
		 "--revocation ocsp --no-cache --ocsp-url http://127.0.0.1:%d/alice-nonce-less.der",
		 static_port);
	assert_int_equal(verify_conf("alice", "[certs]\\nocsp_require_nonce = yes\\n", flags), 8);
	expect("the responder did not echo the nonce");
	assert_int_equal(verify_conf("alice", "[certs]\\nocsp_require_nonce = yes\\n",
				     "--revocation ocsp --no-cache"),
			 0);
	assert_int_equal(verify_conf("alice", "[certs]\\nocsp_require_nonce = no\\n", flags), 0);
}

/* A nonce-less answer without nextUpdate counts for [certs] ocsp_max_age
 * (default 24 h) after its thisUpdate. */
static void test_ocsp_max_age(void **state)
{
	char flags[1400], at[64];
	time_t later = time(NULL) + 25 * 3600;
	(void)state;

	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&later));
	snprintf(flags, sizeof(flags),
		 "--revocation ocsp --no-cache --ocsp-url http://127.0.0.1:%d/alice-no-next.der",
		 static_port);
	assert_int_equal(verify("alice", flags), 0);
	snprintf(flags, sizeof(flags),
		 "--revocation ocsp --no-cache --ocsp-url http://127.0.0.1:%d/alice-no-next.der "
		 "--at %s",
		 static_port, at);
	assert_int_equal(verify("alice", flags), 8);
	expect("the answer is too old");
	expect("no nextUpdate, at most 86400 s accepted");
	assert_int_equal(verify_conf("alice", "[certs]\\nocsp_max_age = 172800\\n", flags), 0);
	expect("not revoked, says OCSP");
}

/* CRLs without nextUpdate, served at the distribution point: an old one
 * (from before the revocation, replayed) is too old to count; a young one
 * counts. openssl ca always writes nextUpdate: tools/crl-no-nextupdate
 * takes it out and signs again with inter's key. */
static void test_crl_without_next_update(void **state)
{
	char old[32];
	time_t ago = time(NULL) - 10 * 86400;
	(void)state;

	strftime(old, sizeof(old), "%Y%m%d%H%M%SZ", gmtime(&ago));
	/* Inter as it was before `revoked` was revoked: the same CA, without
	 * the revocation in its index. */
	assert_int_equal(
		itest_sh("(cd '%s' && rm -rf inter-old && cp -r inter inter-old && "
			 "sed -i '/^R/d' inter-old/index.txt && "
			 "sed 's|^dir = .*|dir = %s/inter-old|' inter/ca.cnf >inter-old/ca.cnf && "
			 "openssl ca -config inter-old/ca.cnf -cert inter.crt -keyfile inter.key "
			 "-gencrl -crl_lastupdate %s -out old.crl.pem && "
			 "openssl crl -in old.crl.pem -outform DER -out old.crl && "
			 "'%s/tools/crl-no-nextupdate' old.crl inter.key old-nonu.crl && "
			 "openssl ca -config inter/ca.cnf -cert inter.crt -keyfile inter.key "
			 "-gencrl -out new.crl.pem && "
			 "openssl crl -in new.crl.pem -outform DER -out new.crl && "
			 "'%s/tools/crl-no-nextupdate' new.crl inter.key new-nonu.crl && "
			 "cp www/inter.crl inter.crl.orig && cp old-nonu.crl www/inter.crl) "
			 ">'%s/crl-nonu.log' 2>&1",
			 pki, pki, old, itest_top(), itest_top(), itest_scratch()),
		0);
	assert_int_equal(verify("revoked", "--revocation crl --no-cache"), 8);
	expect("the CRL is too old");
	expect("no nextUpdate, at most 604800 s accepted");
	expect_not("not revoked");
	/* An administrator may allow more ([certs] crl_max_age). */
	assert_int_equal(verify_conf("alice", "[certs]\\ncrl_max_age = 2592000\\n",
				     "--revocation crl --no-cache"),
			 0);
	/* A young CRL without nextUpdate counts. */
	assert_int_equal(itest_sh("cp '%s/new-nonu.crl' '%s/www/inter.crl'", pki, pki), 0);
	assert_int_equal(verify("revoked", "--revocation crl --no-cache"), 7);
	expect("keyCompromise");
	assert_int_equal(itest_sh("cp '%s/inter.crl.orig' '%s/www/inter.crl'", pki, pki), 0);
}

/* CRLs mbedTLS's parser refuses, made by openssl ca: a critical
 * issuingDistributionPoint naming the certificates' distribution point
 * (users only), one naming another point (not the certificates' CRL), and
 * a complete CRL (without the revocation) whose freshestCRL points at a
 * delta CRL (deltaCRLIndicator through openssl's generic extension
 * syntax) that revokes; a delta on a newer base than the complete CRL is
 * ignored, and the complete CRL alone decides. */
static void test_crl_idp_and_delta(void **state)
{
	(void)state;
	assert_int_equal(
		itest_sh("(cd '%s' && set -e && "
			 "rm -rf inter-base && cp -r inter inter-base && "
			 "sed -i '/^R/d' inter-base/index.txt && "
			 "sed 's|^dir = .*|dir = %s/inter-base|' inter/ca.cnf >inter-base/ca.cnf && "
			 "printf '[full]\\nfreshestCRL = URI:http://127.0.0.1:%d/inter-delta.crl\\n' "
			 ">>inter-base/ca.cnf && "
			 "openssl ca -config inter-base/ca.cnf -cert inter.crt -keyfile inter.key "
			 "-gencrl -crlexts full -out full.crl.pem && "
			 "openssl crl -in full.crl.pem -outform DER -out full.crl && "
			 "b=$(openssl crl -in full.crl.pem -noout -crlnumber | cut -d= -f2) && "
			 "cp inter/ca.cnf inter/idp.cnf && "
			 "printf '[idp]\\nissuingDistributionPoint = critical, @idps\\n"
			 "[idps]\\nfullname = URI:http://127.0.0.1:%d/inter.crl\\nonlyuser = TRUE\\n"
			 "[idpother]\\nissuingDistributionPoint = critical, @idpo\\n"
			 "[idpo]\\nfullname = URI:http://127.0.0.1:%d/other.crl\\n"
			 "[delta]\\n2.5.29.27 = critical, ASN1:INTEGER:%%s\\n"
			 "[deltanew]\\n2.5.29.27 = critical, ASN1:INTEGER:0x7fffff\\n' $b "
			 ">>inter/idp.cnf && "
			 "for x in idp idpother delta deltanew; do "
			 "openssl ca -config inter/idp.cnf -cert inter.crt -keyfile inter.key "
			 "-gencrl -crlexts $x -out $x.crl.pem && "
			 "openssl crl -in $x.crl.pem -outform DER -out $x.crl; done && "
			 "cp www/inter.crl inter.crl.orig && cp idp.crl www/inter.crl) "
			 ">'%s/crl-idp.log' 2>&1",
			 pki, pki, http_port, http_port, http_port, itest_scratch()),
		0);
	/* a partitioned CRL for the certificates' own distribution point */
	assert_int_equal(verify("revoked", "--revocation crl --no-cache"), 7);
	expect("keyCompromise");
	assert_int_equal(verify("alice", "--revocation crl --no-cache"), 0);
	expect("not revoked, says CRL http://127.0.0.1");
	/* another point's CRL says nothing about these */
	assert_int_equal(itest_sh("cp '%s/idpother.crl' '%s/www/inter.crl'", pki, pki), 0);
	assert_int_equal(verify("alice", "--revocation crl --no-cache"), 8);
	expect("the CRL's distribution point is not one the certificate names");
	/* complete + delta: the delta's revocation counts */
	assert_int_equal(itest_sh("cp '%s/full.crl' '%s/www/inter.crl' && "
				  "cp '%s/delta.crl' '%s/www/inter-delta.crl'",
				  pki, pki, pki, pki),
			 0);
	assert_int_equal(verify("revoked", "--revocation crl --no-cache"), 7);
	expect("keyCompromise");
	expect("+ delta CRL");
	assert_int_equal(verify("alice", "--revocation crl --no-cache"), 0);
	/* a delta for a newer base than the complete CRL at hand: ignored */
	assert_int_equal(itest_sh("cp '%s/deltanew.crl' '%s/www/inter-delta.crl'", pki, pki), 0);
	assert_int_equal(verify("revoked", "--revocation crl --no-cache"), 0);
	expect("not revoked, says CRL http://127.0.0.1");
	expect_not("delta");
	/* the same CRLs configured as files (--crl): the delta with them */
	char flags[1400];
	assert_int_equal(itest_sh("rm -f '%s/www/inter-delta.crl' && cat '%s/full.crl.pem' "
				  "'%s/delta.crl.pem' >'%s/both.crl.pem'",
				  pki, pki, pki, pki),
			 0);
	snprintf(flags, sizeof(flags), "--revocation crl --no-cache --crl '%s/both.crl.pem'", pki);
	assert_int_equal(verify("revoked", flags), 7);
	expect("CRL (configured) + delta CRL");
	assert_int_equal(itest_sh("cp '%s/inter.crl.orig' '%s/www/inter.crl'", pki, pki), 0);
}

/* Path validation (issue 15): a sub-CA with a critical name constraint
 * (DNS and e-mail under example.test, directory names under O=signet
 * test) that asks for an explicit policy (requireExplicitPolicy 0) and
 * names one. The user under it validates with the policy and the
 * constraint shown; a user named outside the constraint, or a
 * configuration that accepts another policy, is refused with the
 * constraint (and the CA that imposes it) named; --untrusted holding a
 * certificate mbedTLS cannot parse is a refusal naming it (exit 6), not
 * a configuration error. */
static void test_constrained_sub_ca(void **state)
{
	const char *s = itest_scratch();
	char c[2048];
	(void)state;

	assert_int_equal(
		itest_sh("set -e; mkdir -p '%1$s/pc'; cd '%1$s/pc'; "
			 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
			 "-keyout root.key -subj '/O=signet test/CN=pc root' -days 30 "
			 "-addext 'basicConstraints=critical,CA:TRUE' "
			 "-addext 'keyUsage=keyCertSign,cRLSign' -out root.crt 2>/dev/null; "
			 "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
			 "-keyout sub.key -subj '/O=signet test/CN=pc sub' -out sub.csr 2>/dev/null; "
			 "printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n"
			 "certificatePolicies=2.16.840.1.101.3.2.1.48.1\n"
			 "policyConstraints=requireExplicitPolicy:0\n"
			 "nameConstraints=critical,permitted;DNS:example.test,permitted;email:example.test,"
			 "permitted;dirName:d\n[d]\nO=signet test\n' >sub.ext; "
			 "openssl x509 -req -in sub.csr -CA root.crt -CAkey root.key -CAcreateserial "
			 "-days 30 -extfile sub.ext -out sub.crt 2>/dev/null; "
			 "for u in good:alice.example.test bad:mallory.other.test; do "
			 "n=${u%%%%:*}; h=${u#*:}; "
			 "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
			 "-keyout $n.key -subj \"/O=signet test/CN=$n\" -out $n.csr 2>/dev/null; "
			 "printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
			 "certificatePolicies=2.16.840.1.101.3.2.1.48.1\nsubjectAltName=DNS:%%s\n' $h "
			 ">$n.ext; "
			 "openssl x509 -req -in $n.csr -CA sub.crt -CAkey sub.key -CAcreateserial "
			 "-days 30 -extfile $n.ext -out $n.crt 2>/dev/null; done; "
			 "printf '[certs]\npolicies = 2.16.840.1.101.3.2.1.48.1\n"
			 "require_explicit_policy = yes\n' >ok.conf; "
			 "printf '[certs]\npolicies = 2.16.840.1.101.3.2.1.48.2\n' >other.conf",
			 s),
		0);
	snprintf(c, sizeof(c), "--ca '%1$s/pc/root.crt' --untrusted '%1$s/pc/sub.crt' "
		 "--revocation none", s);
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out),
					  "verify --cert '%s/pc/good.crt' %s --config '%s/pc/ok.conf'",
					  s, c, s),
			 0);
	assert_non_null(strstr(out, "policy      pass  2.16.840.1.101.3.2.1.48.1"));
	assert_non_null(strstr(out, "names       pass  within O=signet test, CN=pc sub's "
				    "constraints"));
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out),
					  "verify --cert '%s/pc/bad.crt' %s --config '%s/pc/ok.conf'",
					  s, c, s),
			 6);
	assert_non_null(strstr(out, "names       fail  the name dNSName mallory.other.test is "
				    "outside the permitted subtrees of O=signet test, CN=pc sub"));
	assert_non_null(strstr(out, "Diagnosis:   name constraints: "));
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out),
					  "verify --cert '%s/pc/good.crt' %s --config '%s/pc/other.conf' "
					  "--json",
					  s, c, s),
			 6);
	assert_non_null(strstr(out, "\"policy\":{\"result\":\"fail\""));
	assert_non_null(strstr(out, "explicit policy required by O=signet test, CN=pc sub"));
	/* an intermediate mbedTLS cannot parse (its signature algorithm's OID
	 * altered): a refusal that names it, not a usage error */
	assert_int_equal(itest_sh("cd '%s/pc' && openssl x509 -in sub.crt -outform DER | "
				  "python3 -c 'import sys; d = sys.stdin.buffer.read(); "
				  "i = d.rindex(bytes.fromhex(\"2a8648ce3d040302\")); "
				  "sys.stdout.buffer.write(d[:i + 7] + b\"\\x7f\" + d[i + 8:])' >bad-sub.der",
				  s),
			 0);
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out),
					  "verify --cert '%1$s/pc/good.crt' --ca '%1$s/pc/root.crt' "
					  "--untrusted '%1$s/pc/bad-sub.der' --revocation none",
					  s),
			 6);
	assert_non_null(strstr(out, "was given but cannot be read"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_slow_responder_times_out),
		cmocka_unit_test(test_untrustworthy_responders),
		cmocka_unit_test(test_cache_and_grace),
		cmocka_unit_test(test_aia_fetch),
		cmocka_unit_test(test_revoked_wins_over_ca_without_source),
		cmocka_unit_test(test_no_source_or_unreachable),
		cmocka_unit_test(test_ocsp_answers_without_nonce),
		cmocka_unit_test(test_ocsp_max_age),
		cmocka_unit_test(test_crl_without_next_update),
		cmocka_unit_test(test_crl_idp_and_delta),
		cmocka_unit_test(test_constrained_sub_ca),
	};
	return cmocka_run_group_tests_name("verify", tests, group_setup, group_teardown);
}
