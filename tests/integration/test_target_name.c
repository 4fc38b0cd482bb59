/*
 * test_target_name.c: RFC 5922 with RFC 3263 discovery, against a real
 * DNS server (dnsmasq on 127.0.0.1, serving _sips._tcp.example.test ->
 * a.example.test) and one real Kamailio whose certificate names only the
 * SRV target (DNS:a.example.test), not the domain example.test. `signet
 * signin` (no --registrar: the user's domain is resolved) refuses it by
 * default (exit 6, a diagnosis naming the target and [sip]
 * accept_target_name) and registers with accept_target_name = yes,
 * saying which registrar it uses. Both servers are started and stopped
 * here, on ports from itest_free_port().
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
static char kam[600], conf[600];
static int kam_pid = -1, dns_pid = -1, tls_port, dns_port;
static char out[65536];

static int group_setup(void **state)
{
	char softhsm[700];
	int udp;

	(void)state;
	tok = itest_mktoken("tok", "target", PIN, "rsa:alice:01");
	if (!tok)
		return -1;
	snprintf(softhsm, sizeof(softhsm), "%s/softhsm2.conf", tok);
	setenv("SOFTHSM2_CONF", softhsm, 1);
	snprintf(kam, sizeof(kam), "%s/kam", itest_scratch());
	tls_port = itest_free_port();
	udp = itest_free_port();
	dns_port = itest_free_port();
	kam_pid = itest_spawn("kamailio",
			      "exec %s/tools/kamailio-run '%s' start --udp %d --tcp %d --tls %d "
			      "--client-ca '%s/pki/ca.crt' --server-san DNS:a.example.test",
			      itest_top(), kam, udp, udp, tls_port, tok);
	if (kam_pid <= 0 || itest_sh("%s/tools/kamailio-run '%s' wait", itest_top(), kam))
		return -1;
	dns_pid = itest_spawn("dnsmasq",
			      "exec dnsmasq --keep-in-foreground --port %d --listen-address=127.0.0.1 "
			      "--bind-interfaces --no-resolv --no-hosts --conf-file=/dev/null "
			      "--pid-file= --user=root --local=/example.test/ "
			      "--srv-host=_sips._tcp.example.test,a.example.test,%d,10,60 "
			      "--host-record=a.example.test,127.0.0.1",
			      dns_port, tls_port);
	if (dns_pid <= 0 || itest_wait_port(dns_port))
		return -1;
	snprintf(conf, sizeof(conf), "%s/signet.conf", itest_scratch());
	return itest_sh("printf '[token]\\nmodule = %s\\n[certs]\\nca = %s/pki/ca.crt\\n"
			"revocation = none\\n[sip]\\nca = %s/server-ca.crt\\n"
			"dns = 127.0.0.1:%d\\n' > '%s'",
			SOFTHSM, tok, kam, dns_port, conf);
}

static int group_teardown(void **state)
{
	(void)state;
	itest_stop(dns_pid);
	itest_stop(kam_pid);
	free(tok);
	return 0;
}

static void must_say(const char *text)
{
	if (!strstr(out, text))
		print_message("missing '%s' in:\n%s\n", text, out);
	assert_non_null(strstr(out, text));
}

/* The certificate names the SRV target only: refused by default. */
static void test_target_name_refused(void **state)
{
	char want[200];
	int rc;

	(void)state;
	rc = itest_signet_run(PIN "\n", out, sizeof(out),
			      "signin --once --config '%s' --user sip:alice@example.test "
			      "--token 'pkcs11:object=alice' --pin-fd 3",
			      conf);
	print_message("exit %d\n%s", rc, out);
	assert_int_equal(rc, 6);
	must_say("names the SRV target a.example.test but not the domain example.test");
	must_say("accept_target_name = yes");
	snprintf(want, sizeof(want), "a.example.test:%d", tls_port);
	must_say(want); /* which registrar failed */
	assert_int_not_equal(itest_sh("%s/tools/kamailio-run '%s' lookup alice 2>/dev/null | "
				      "grep -q Contact",
				      itest_top(), kam),
			     0);
}

/* [sip] accept_target_name = yes: registered, and it says where. */
static void test_target_name_accepted(void **state)
{
	char conf2[700], want[200];
	int rc;

	(void)state;
	snprintf(conf2, sizeof(conf2), "%s/accept.conf", itest_scratch());
	assert_int_equal(itest_sh("cp '%s' '%s' && printf 'accept_target_name = yes\\n' >> '%s'",
				  conf, conf2, conf2),
			 0);
	rc = itest_signet_run(PIN "\n", out, sizeof(out),
			      "signin --once --verbose --config '%s' --user sip:alice@example.test "
			      "--token 'pkcs11:object=alice' --pin-fd 3",
			      conf2);
	print_message("exit %d\n%s", rc, out);
	assert_int_equal(rc, 0);
	must_say("registered as sip:alice@example.test");
	snprintf(want, sizeof(want), "registrar: a.example.test:%d (127.0.0.1:%d), chosen by RFC 3263",
		 tls_port, tls_port);
	must_say(want);
	must_say("SRV _sips._tcp.example.test"); /* --verbose: the resolution */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_name_refused),
		cmocka_unit_test(test_target_name_accepted),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
