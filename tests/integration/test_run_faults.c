/*
 * test_run_faults.c: faults on the device side under a registration of
 * `signet run` against a real Kamailio (TLS with client certificates).
 *
 * pcscd restarted while `signet run --card pcsc` is registered: the
 * virtual card is served to a pcscd of this test's own (a mount namespace
 * with a tmpfs on /run/pcscd, as in test_vcard_pcsc) through vpcd by
 * `signet vcard serve`, which dials the new pcscd's vpcd again. pcscd
 * powers the card down when it stops, so the card forgets its PIN, and
 * signet run keeps no PIN: the daemon signs in again as soon as it sees
 * the card (doc/daemon.md). Then a forced reconnect (Kamailio restarted)
 * registers again with a new signature from the card, without a PIN.
 *
 * The network address changing under a registration: the connection's
 * local address removed -> a new connection registers again at once and
 * Kamailio's location table has the Contact at the new address.
 *
 * Needs root (mount and network namespaces of its own: pcscd's socket
 * path, and addresses and routes nobody else sees; CI runs as root):
 * without it the test fails, saying so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest.h"

#define PIN "123456"

static char kam[700], conf[700], dir[500];
static int tls_port, udp_port, vpcd_port;
static pid_t kam_pid, pcscd_pid, serve_pid, run_pid;

static int bound(void)
{
	return itest_sh("%s/tools/kamailio-run '%s' lookup alice | grep -q Contact", itest_top(),
			kam) == 0;
}

static int start_pcscd(void)
{
	pcscd_pid = itest_pcscd_start(vpcd_port);
	return pcscd_pid < 0 ? -1 : 0;
}

static int start_kamailio(void)
{
	kam_pid = itest_spawn_tied("kamailio",
				   "exec %s/tools/kamailio-run '%s' start --udp %d --tcp %d --tls %d "
				   "--client-ca '%s/card/ca.pem'",
				   itest_top(), kam, udp_port, udp_port, tls_port, dir);
	return itest_sh("%s/tools/kamailio-run '%s' wait", itest_top(), kam);
}

static int group_setup(void **state)
{
	char env[700];

	(void)state;
	snprintf(dir, sizeof(dir), "%s", itest_scratch());
	/* A network namespace too: the addresses and routes changed below
	 * are seen by nobody else, and go with the namespace. */
	if (itest_pcscd_namespace(CLONE_NEWNET) != 0) {
		print_message("FAIL: test_run_faults needs root (mount and network namespaces; CI "
			      "runs as root)\n");
		return -1;
	}
	snprintf(env, sizeof(env), "%s/state", dir);
	setenv("SIGNET_STATE_DIR", env, 1);
	snprintf(env, sizeof(env), "%s/device.key", dir);
	setenv("SIGNET_DEVICE_KEY", env, 1);
	if (itest_sh("mkdir -p '%s/card' && printf '" PIN "\\n12345678\\n' | "
		     "'%s/tools/vcard-mkcard' alice '%s/card' alice >'%s/mkcard.log' 2>&1",
		     dir, getenv("SIGNET_BUILD"), dir, dir))
		return -1;
	snprintf(kam, sizeof(kam), "%s/kam", dir);
	tls_port = itest_free_port();
	udp_port = itest_free_port();
	if (start_kamailio())
		return -1;
	vpcd_port = itest_vpcd_port_pair();
	if (vpcd_port < 0 || start_pcscd())
		return -1;
	serve_pid = itest_vcard_serve("serve", "alice", vpcd_port, "--verbose");
	if (serve_pid < 0)
		return -1;
	snprintf(conf, sizeof(conf), "%s/signet.conf", dir);
	FILE *f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f, "[token]\nbackend = pcsc\nuri = pkcs11:id=%%9a\n[certs]\nca = %s/card/ca.pem\n"
		"revocation = none\n[sip]\nuser = sip:alice@example.test\n"
		"registrar = sips:127.0.0.1:%d\nca = %s/server-ca.crt\nretry_base = 1\n",
		dir, tls_port, kam);
	return fclose(f) ? -1 : 0;
}

static void stop(pid_t *pid)
{
	if (*pid > 0)
		itest_stop(*pid);
	*pid = 0;
}

static int group_teardown(void **state)
{
	(void)state;
	stop(&run_pid);
	stop(&serve_pid);
	stop(&pcscd_pid);
	stop(&kam_pid);
	return 0;
}

/* Registered over pcscd; pcscd restarted; a forced reconnect. */
static void test_pcscd_restart(void **state)
{
	(void)state;
	run_pid = itest_spawn_tied("run", "exec %s run --config '%s' --pin-fd 3 3<<EOF\n" PIN "\n" PIN
				   "\nEOF",
				   itest_signet(), conf);
	assert_int_equal(itest_wait_count("run", "run: CONNECTING -> REGISTERED", 1, 30), 0);
	assert_true(bound());

	/* pcscd goes and comes back; serve dials the new one's vpcd. */
	stop(&pcscd_pid);
	assert_int_equal(start_pcscd(), 0);
	assert_int_equal(itest_wait_count("serve", "connected to vpcd", 2, 30), 0);
	/* The card forgot the PIN: signed in again with the second one. */
	assert_int_equal(itest_wait_count("run", "run: CONNECTING -> REGISTERED", 2, 30), 0);
	assert_true(bound());

	/* A forced reconnect: Kamailio restarted (its location table goes
	 * with it); the new TLS handshake is signed by the card, no PIN. */
	stop(&kam_pid);
	assert_int_equal(start_kamailio(), 0);
	assert_int_equal(itest_wait_count("run", "run: NETWORK_LOST -> REGISTERED", 1, 60), 0);
	assert_true(bound());
	assert_int_equal(itest_log_count("run", PIN), 0);
	assert_int_equal(itest_log_count("run", "PIN_ENTRY -> LOGGING_IN"), 2);
	stop(&run_pid);
}

#define NEW_ADDR "10.9.9.9"
/* The local route of 127.0.0.1 as the kernel makes it, and one that has
 * connections to it leave from NEW_ADDR. */
#define ROUTE_KERNEL "ip route replace local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 table local"
#define ROUTE_NEW "ip route replace local 127.0.0.1 dev lo scope host src " NEW_ADDR " table local"

static int addr_teardown(void **state)
{
	(void)state;
	stop(&run_pid);
	(void)itest_sh(ROUTE_KERNEL " 2>/dev/null; ip addr del " NEW_ADDR "/32 dev lo 2>/dev/null");
	return 0;
}

static int contact_at(const char *host)
{
	return itest_sh("%s/tools/kamailio-run '%s' lookup alice | grep -q 'alice@%s:'",
			itest_top(), kam, host) == 0;
}

/* The connection's local address goes away under a registration: a new
 * connection from the address that replaced it, and the Contact follows.
 * (127.0.0.0/8 is local on lo whatever its addresses, so a second
 * 127.0.0.x cannot go away: the test adds NEW_ADDR to lo and routes
 * 127.0.0.1 from it, then puts the kernel's route back and removes it.) */
static void test_address_change(void **state)
{
	(void)state;
	assert_int_equal(itest_sh("ip addr add " NEW_ADDR "/32 dev lo && " ROUTE_NEW), 0);
	run_pid = itest_spawn_tied("run2", "exec %s run --config '%s' --pin-fd 3 3<<EOF\n" PIN
				   "\nEOF",
				   itest_signet(), conf);
	assert_int_equal(itest_wait_count("run2", "run: CONNECTING -> REGISTERED", 1, 30), 0);
	assert_true(contact_at(NEW_ADDR));

	assert_int_equal(itest_sh(ROUTE_KERNEL " && ip addr del " NEW_ADDR "/32 dev lo"), 0);
	assert_int_equal(itest_wait_count("run2", "local address " NEW_ADDR " went away", 1, 60), 0);
	assert_int_equal(itest_wait_count("run2", "run: NETWORK_LOST -> REGISTERED", 1, 60), 0);
	assert_true(contact_at("127.0.0.1"));
	assert_int_equal(itest_log_count("run2", "PIN_ENTRY -> LOGGING_IN"), 1);
	stop(&run_pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcscd_restart),
		cmocka_unit_test_teardown(test_address_change, addr_teardown),
	};
	return cmocka_run_group_tests_name("run_faults", tests, group_setup, group_teardown);
}
