/*
 * test_vcard_signin.c: the embedded default end to end, everything through
 * the signet binary under test ($SIGNET_BIN: the host's, or a board's under
 * qemu): a virtual card is created, a P-256 key generated on it, a
 * certificate issued by openssl from the request the card signed, stored on
 * the card; then `signet signin` registers over mutual TLS with the card's
 * key to a real Kamailio on loopback, and a wrong PIN and a removed state
 * (no card) are refused with their exit codes; a certificate-cache entry
 * with another key for the same user fails that one sign-in before the
 * card's signature goes out and the next one registers, in 5 APDUs (a
 * known card). No PKCS#11 module is loaded,
 * so the same test runs for every board.
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

#define PIN "123456"
#define PUK "12345678"

static char kam[600], conf[600], pki[600];
static int kam_pid, tls_port, fwd_pid, run_pid;
static char out[65536];

static int group_setup(void **state)
{
	const char *s = itest_scratch();
	char env[1400];
	(void)state;

	snprintf(env, sizeof(env), "%s/state", s);
	setenv("SIGNET_STATE_DIR", env, 1);
	snprintf(env, sizeof(env), "%s/device.key", s);
	setenv("SIGNET_DEVICE_KEY", env, 1);
	snprintf(pki, sizeof(pki), "%s/pki", s);
	snprintf(kam, sizeof(kam), "%s/kam", s);
	snprintf(conf, sizeof(conf), "%s/signet.conf", s);
	/* The test CA (openssl), the card, its key and certificate. */
	if (itest_sh("%s/tools/testpki '%s' >/dev/null", itest_top(), pki))
		return -1;
	tls_port = itest_free_port();
	int udp = itest_free_port();
	kam_pid = itest_spawn("kamailio",
			      "exec %s/tools/kamailio-run '%s' start --udp %d --tcp %d --tls %d "
			      "--client-ca '%s/ca.crt'",
			      itest_top(), kam, udp, udp, tls_port, pki);
	if (itest_sh("%s/tools/kamailio-run '%s' wait", itest_top(), kam))
		return -1;
	return itest_sh("printf '[token]\\nbackend = vcard\\n[vcard]\\nname = board\\n[certs]\\n"
			"ca = %s/ca.crt\\nrevocation = none\\n[sip]\\nuser = sip:alice@example.test\\n"
			"registrar = sips:127.0.0.1:%d\\nca = %s/server-ca.crt\\n' > '%s'",
			pki, tls_port, kam, conf);
}

static int group_teardown(void **state)
{
	(void)state;
	if (run_pid > 0)
		itest_stop(run_pid);
	if (fwd_pid > 0)
		itest_stop(fwd_pid);
	itest_stop(kam_pid);
	return 0;
}

static void test_card_made_on_the_device(void **state)
{
	const char *s = itest_scratch();
	(void)state;

	assert_int_equal(itest_signet_run(PIN "\n" PUK "\n", out, sizeof(out),
					  "vcard init --config '%s' --pin-fd 3", conf),
			 0);
	assert_int_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					  "vcard gen-key --config '%s' --slot 9a --alg p256 --csr '%s/alice.csr' "
					  "--subject 'O=signet test,CN=alice' --san sip:alice@example.test --pin-fd 3",
					  conf, s),
			 0);
	assert_int_equal(itest_sh("printf 'basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature\\n"
				  "extendedKeyUsage=clientAuth\\nsubjectAltName=URI:sip:alice@example.test\\n' > '%s/alice.ext' && "
				  "openssl x509 -req -in '%s/alice.csr' -CA '%s/ca.crt' -CAkey '%s/ca.key' "
				  "-CAserial '%s/serial' -days 30 -sha256 -extfile '%s/alice.ext' -out '%s/alice.crt' 2>/dev/null",
				  s, s, pki, pki, pki, s, s),
			 0);
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out), "vcard import-cert --config '%s' --slot 9a '%s/alice.crt'",
					  conf, s),
			 0);
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out), "certs --config '%s'", conf), 0);
	assert_non_null(strstr(out, "sip:alice@example.test"));
	assert_non_null(strstr(out, "EC 256 bits"));
}

static void test_signin_with_the_virtual_card(void **state)
{
	(void)state;
	assert_int_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					  "signin --once --config '%s' --pin-fd 3", conf),
			 0);
	assert_non_null(strstr(out, "registered as sip:alice@example.test"));
	assert_non_null(strstr(out, "unregistered"));
	assert_null(strstr(out, PIN));
	/* A wrong PIN: refused by the card, one try used, nothing sent. */
	assert_int_equal(itest_signet_run("654321\n", out, sizeof(out),
					  "signin --once --config '%s' --pin-fd 3", conf),
			 4);
	assert_non_null(strstr(out, "2 tries left"));
	assert_null(strstr(out, "REGISTER sent"));
	/* The right PIN again resets the counter. */
	assert_int_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					  "testauth --config '%s' --target 127.0.0.1:%d --user sip:alice@example.test "
					  "--pin-fd 3",
					  conf, tls_port),
			 0);
	assert_non_null(strstr(out, "Result:    Success"));
}

/* The certificate cache holds, for this card, a valid certificate for
 * alice with another key (what a card with a cloned CHUID would find):
 * the card's TLS signature does not verify with it, so the handshake stops
 * before the signature goes out and the card is read again; the next
 * sign-in uses the card's own certificate. */
static void test_signin_wrong_cache_entry(void **state)
{
	const char *s = itest_scratch();
	char cmd[1200], path[1300];
	unsigned n;

	(void)state;
	assert_int_equal(itest_sh("cd '%s' && %s/tools/testpki . ec:alice2:alice >/dev/null 2>&1",
				  pki, itest_top()),
			 0);
	/* The one cache file (the card's): its header, then 9A = alice2. */
	snprintf(cmd, sizeof(cmd), "%s/state", s);
	assert_int_equal(itest_cert_cache_path(cmd, path, sizeof(path)), 0);
	snprintf(cmd, sizeof(cmd), "%s/pki/alice2.der", s);
	assert_int_equal(itest_forge_cert_cache(path, 0x9A, cmd), 0);
	assert_int_not_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					      "signin --once --config '%s' --pin-fd 3", conf),
			     0);
	assert_null(strstr(out, "registered as sip:alice@example.test"));
	assert_non_null(strstr(out, "does not match its cached certificate"));
	assert_non_null(strstr(out, "the card's certificate was read again"));
	assert_int_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					  "signin --once --config '%s' --pin-fd 3", conf),
			 0);
	assert_non_null(strstr(out, "registered as sip:alice@example.test"));
	/* A known card: SELECT, GET DATA CHUID, VERIFY, GENERAL
	 * AUTHENTICATE (the TLS signature, P-256), the logout. */
	assert_int_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					  "signin --once --config '%s' --pin-fd 3 --verbose", conf),
			 0);
	n = 0;
	for (const char *p = out; (p = strstr(p, "vcard: APDU")); p += 11)
		n++;
	print_message("signin --once on a known card: %u APDUs\n", n);
	/* (plus one card presence check per second the sign-in took: slow
	 * under qemu) */
	{
		const char *r = strstr(out, "unregistered");
		long ms = 0;

		while (r && r > out && r[-1] != '[')
			r--;
		if (r && r > out)
			ms = strtol(r, NULL, 10);
		assert_true(n >= 4 && n <= 5 + (unsigned)(ms / 1000));
	}
}

static void test_no_card(void **state)
{
	(void)state;
	assert_int_equal(itest_signet_run(PIN "\n", out, sizeof(out),
					  "signin --once --config '%s' --card vcard:missing --pin-fd 3", conf),
			 3);
	assert_non_null(strstr(out, "signet vcard init"));
}

/* [sip] flows = 2 on a board built with one flow (SIGNET_TARGET_FLOWS=1,
 * set by make for a board's run: the armhf desk phone) is a configuration
 * error naming the board, before any PIN is asked; elsewhere that error
 * is never given (the flows themselves: test_flows). */
static void test_two_flows_on_this_board(void **state)
{
	const char *flows = getenv("SIGNET_TARGET_FLOWS");
	char c2[700];
	int rc;

	(void)state;
	snprintf(c2, sizeof(c2), "%s/flows.conf", itest_scratch());
	assert_int_equal(itest_sh("cp '%s' '%s' && printf 'outbound = yes\ninstance = "
				  "urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\nflows = 2\n' >> '%s'",
				  conf, c2, c2),
			 0);
	rc = itest_signet_run(PIN "\n", out, sizeof(out), "signin --once --config '%s' --pin-fd 3",
			      c2);
	if (flows && !strcmp(flows, "1")) {
		assert_int_equal(rc, 2);
		assert_non_null(strstr(out, "keeps one flow only"));
		assert_null(strstr(out, "PIN accepted"));
	} else {
		assert_null(strstr(out, "keeps one flow only"));
		assert_non_null(strstr(out, "registered as sip:alice@example.test"));
	}
}

/* TLS session resumption on this board (every board has it; on the armhf
 * desk phone through its own mbedTLS with a 64-bit time_t): `signet run`
 * through tcp_forward.py; the forwarder killed while registered (Kamailio
 * stays) -> the re-registration resumes the session (no CertificateVerify,
 * so no card signature) and Kamailio still sees the card's identity. */
#define REG "-> REGISTERED"
#define KAM_ID "REGISTER over TLS with the client certificate of sip:alice@example.test"

static int start_forwarder(int fport)
{
	int n = itest_log_count("fwd", "listening");

	fwd_pid = itest_spawn("fwd", "exec python3 '%s/tests/integration/tcp_forward.py' %d %d",
			      itest_top(), fport, tls_port);
	return itest_wait_count("fwd", "listening", n + 1, 20);
}

static void test_reconnect_resumes(void **state)
{
	char c2[700];
	int fport = itest_free_port(), id0;

	(void)state;
	snprintf(c2, sizeof(c2), "%s/resume.conf", itest_scratch());
	assert_int_equal(itest_sh("sed 's/^registrar = .*/registrar = sips:127.0.0.1:%d/' '%s' > '%s' && "
				  "printf 'retry_base = 1\ntls_resume = 600\n' >> '%s'",
				  fport, conf, c2, c2),
			 0);
	assert_int_equal(start_forwarder(fport), 0);
	run_pid = itest_spawn("run", "exec %s run --verbose --config '%s' --pin-fd 3 3<<EOF\n" PIN "\n" PIN
			  "\nEOF",
			  itest_signet(), c2);
	assert_int_equal(itest_wait_count("run", REG, 2, 60), 0);
	assert_int_equal(itest_log_count("run", "TLS connected (full handshake: "), 1);
	id0 = itest_log_count("kamailio", KAM_ID);
	assert_true(id0 >= 1);
	/* the network goes, Kamailio stays */
	itest_stop(fwd_pid);
	assert_int_equal(start_forwarder(fport), 0);
	assert_int_equal(itest_wait_count("run", REG, 4, 60), 0);
	assert_int_equal(itest_log_count("run", "TLS connected (TLS session resumed: "), 1);
	assert_int_equal(itest_log_count("run", "TLS connected (full handshake: "), 1);
	assert_int_equal(itest_wait_count("kamailio", KAM_ID, id0 + 1, 10), 0);
	itest_stop(run_pid);
	itest_stop(fwd_pid);
	run_pid = fwd_pid = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_card_made_on_the_device),
		cmocka_unit_test(test_signin_with_the_virtual_card),
		cmocka_unit_test(test_signin_wrong_cache_entry),
		cmocka_unit_test(test_no_card),
		cmocka_unit_test(test_two_flows_on_this_board),
		cmocka_unit_test(test_reconnect_resumes),
	};
	return cmocka_run_group_tests_name("vcard_signin", tests, group_setup, group_teardown);
}
