/*
 * test_flows.c: RFC 5626 outbound with two flows ([sip] flows = 2) against
 * two real Kamailio registrars (tools/kamailio-run --outbound, each its
 * own location table, no dmq) found through a real DNS server (dnsmasq on
 * 127.0.0.1: SRV _sips._tcp.example.test -> a.example.test and
 * b.example.test, equal priority and weight, one per Kamailio):
 *   - signin --once: both flows attempted and registered, at two targets;
 *   - signet run: reg-id 1 at one node and reg-id 2 at the other (ul.lookup
 *     on each); one node killed -> its flow fails and retries, the other
 *     flow keeps the user reachable (the survivor's lookup still shows it)
 *     and run stays REGISTERED; the node back -> the lost flow registers
 *     there again.
 * Flows = 2 without outbound or instance is a configuration error.
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
#include <unistd.h>

#include <cmocka.h>

#include "itest.h"

#define PIN "123456"
#define USER "sip:alice@example.test"

struct node {
	char dir[600];
	int pid, tls, udp;
};

static struct node kam[2];
static char conf[600];
static int dns_pid, dns_port, run_pid;

static int node_start(struct node *k, const char *name)
{
	k->pid = itest_spawn(name,
			     "exec %s/tools/kamailio-run '%s' start --udp %d --tcp %d --tls %d "
			     "--client-ca '%s/card/ca.pem' --server-san DNS:example.test --outbound "
			     "--min-expires 60",
			     itest_top(), k->dir, k->udp, k->udp, k->tls, itest_scratch());
	if (k->pid <= 0 || itest_sh("%s/tools/kamailio-run '%s' wait", itest_top(), k->dir))
		return -1;
	return 0;
}

static int write_conf(const char *path, const char *extra)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "[token]\nbackend = vcard\nuri = pkcs11:id=%%9a\n[vcard]\nname = alice\n"
		"[certs]\nca = %s/card/ca.pem\nrevocation = none\n[sip]\nuser = " USER "\n"
		"ca = %s/regca.pem\ndns = 127.0.0.1:%d\nretry_base = 1\nexpires = 60\n%s",
		itest_scratch(), itest_scratch(), dns_port, extra);
	return fclose(f) ? -1 : 0;
}

static int group_setup(void **state)
{
	char path[700];

	(void)state;
	snprintf(path, sizeof(path), "%s/state", itest_scratch());
	setenv("SIGNET_STATE_DIR", path, 1);
	snprintf(path, sizeof(path), "%s/device.key", itest_scratch());
	setenv("SIGNET_DEVICE_KEY", path, 1);
	if (itest_sh("mkdir -p '%s/card' && printf '" PIN "\\n12345678\\n' | "
		     "'%s/tools/vcard-mkcard' alice '%s/card' alice >'%s/mkcard.log' 2>&1",
		     itest_scratch(), getenv("SIGNET_BUILD"), itest_scratch(), itest_scratch()))
		return -1;
	for (int i = 0; i < 2; i++) {
		snprintf(kam[i].dir, sizeof(kam[i].dir), "%s/kam%c", itest_scratch(), 'a' + i);
		kam[i].tls = itest_free_port();
		kam[i].udp = itest_free_port();
		if (node_start(&kam[i], i ? "kamb" : "kama"))
			return -1;
	}
	if (itest_sh("cat '%s/server-ca.crt' '%s/server-ca.crt' > '%s/regca.pem'", kam[0].dir,
		     kam[1].dir, itest_scratch()))
		return -1;
	dns_port = itest_free_port();
	dns_pid = itest_spawn(
		"dnsmasq",
		"exec dnsmasq --keep-in-foreground --port %d --listen-address=127.0.0.1 "
		"--bind-interfaces --no-resolv --no-hosts --conf-file=/dev/null "
		"--pid-file= --log-facility=- --local=/example.test/ "
		"--srv-host=_sips._tcp.example.test,a.example.test,%d,10,50 "
		"--srv-host=_sips._tcp.example.test,b.example.test,%d,10,50 "
		"--host-record=a.example.test,127.0.0.1 --host-record=b.example.test,127.0.0.1",
		dns_port, kam[0].tls, kam[1].tls);
	if (dns_pid <= 0 || itest_wait_log("dnsmasq", "started"))
		return -1;
	snprintf(conf, sizeof(conf), "%s/signet.conf", itest_scratch());
	return write_conf(conf, "outbound = yes\ninstance = urn:uuid:"
				"6ba7b810-9dad-11d1-80b4-00c04fd430c8\nflows = 2\n");
}

static int group_teardown(void **state)
{
	(void)state;
	if (dns_pid > 0)
		itest_stop(dns_pid);
	for (int i = 0; i < 2; i++)
		if (kam[i].pid > 0)
			itest_stop(kam[i].pid);
	return 0;
}

static int test_teardown(void **state)
{
	(void)state;
	if (run_pid > 0)
		itest_stop(run_pid);
	run_pid = 0;
	return 0;
}

/* The reg-id of alice's binding at node i (0: none; -1: more than one). */
static int bound_reg_id(int i)
{
	char path[700], buf[8192];
	const char *p;
	int id = 0, n = 0;

	snprintf(path, sizeof(path), "%s/lookup%d.txt", itest_scratch(), i);
	if (itest_sh("%s/tools/kamailio-run '%s' lookup alice > '%s' 2>&1 || true", itest_top(),
		     kam[i].dir, path) ||
	    itest_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	for (p = buf; (p = strstr(p, "Reg-Id:")) != NULL; p += 7) {
		id = atoi(p + 7);
		n++;
	}
	if (n == 0)
		return strstr(buf, "Contact") ? -2 : 0;
	return n > 1 ? -1 : id;
}

static void test_signin_both_flows(void **state)
{
	char out[16384];

	(void)state;
	int rc = itest_signet_run(PIN, out, sizeof(out),
				  "signin --once --config '%s' --pin-fd 3 --verbose", conf);
	if (rc)
		print_message("%s\n", out);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "flow 1: registered at"));
	assert_non_null(strstr(out, "flow 2: registered at"));
	assert_non_null(strstr(out, "registered as " USER " (2 of 2 flows)"));
	/* two targets: a.example.test for one flow, b.example.test for the other */
	assert_non_null(strstr(out, "(a.example.test)"));
	assert_non_null(strstr(out, "(b.example.test)"));
	assert_non_null(strstr(out, "flow 2: unregistered"));
}

static void test_flows_config_errors(void **state)
{
	char path[700], out[8192];

	(void)state;
	snprintf(path, sizeof(path), "%s/noob.conf", itest_scratch());
	assert_int_equal(write_conf(path, "flows = 2\n"), 0);
	int rc = itest_signet_run(PIN, out, sizeof(out), "signin --once --config '%s' --pin-fd 3",
				  path);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out, "flows = 2 needs outbound = yes and an instance"));
}

static void test_run_node_lost_and_back(void **state)
{
	int id[2], lost, other, port = itest_free_port();
	char c2[700], js[4096];

	(void)state;
	snprintf(c2, sizeof(c2), "%s/run.conf", itest_scratch());
	assert_int_equal(itest_sh("cp '%s' '%s' && printf '[enroll]\\nstate_port = %d\\n' >> '%s'",
				  conf, c2, port, c2),
			 0);
	run_pid = itest_spawn("run", "exec %s run --config '%s' --pin-fd 3 3<<EOF\n" PIN "\nEOF",
			      itest_signet(), c2);
	assert_int_equal(itest_wait_count("run", "(2 of 2 flows)", 1, 60), 0);
	assert_int_equal(itest_wait_count("run", "run: CONNECTING -> REGISTERED", 1, 60), 0);
	id[0] = bound_reg_id(0);
	id[1] = bound_reg_id(1);
	print_message("reg-id at node a: %d, at node b: %d\n", id[0], id[1]);
	assert_true((id[0] == 1 && id[1] == 2) || (id[0] == 2 && id[1] == 1));
	assert_int_equal(itest_state_json(port, js, sizeof(js)), 0);
	assert_non_null(strstr(js, "\"flows\":\"1 registered "));
	assert_non_null(strstr(js, "; 2 registered "));

	/* Node a dies: its flow fails and retries, the other keeps alice. */
	lost = id[0];
	other = id[1];
	itest_stop(kam[0].pid);
	kam[0].pid = 0;
	char failed[64], reg[64];
	snprintf(failed, sizeof(failed), "flow %d: failed at", lost);
	snprintf(reg, sizeof(reg), "flow %d: registered at", lost);
	int before = itest_log_count("run", reg);
	assert_int_equal(itest_wait_count("run", failed, 1, 60), 0);
	assert_int_equal(bound_reg_id(1), other);
	assert_int_equal(itest_log_count("run", "REGISTERED -> NETWORK_LOST"), 0);
	assert_int_equal(itest_state_json(port, js, sizeof(js)), 0);
	assert_non_null(strstr(js, "\"registration\":\"registered\""));
	assert_non_null(strstr(js, other == 1 ? "\"flows\":\"1 registered " : "; 2 registered "));
	assert_non_null(strstr(js, lost == 1 ? "\"flows\":\"1 failed " : "; 2 failed "));

	/* Node a back: the lost flow registers there again. */
	assert_int_equal(node_start(&kam[0], "kama2"), 0);
	assert_int_equal(itest_wait_count("run", reg, before + 1, 60), 0);
	for (int i = 0; i < 100 && bound_reg_id(0) != lost; i++)
		usleep(100 * 1000);
	assert_int_equal(bound_reg_id(0), lost);
	assert_int_equal(bound_reg_id(1), other);
	assert_int_equal(itest_log_count("run", "REGISTERED -> NETWORK_LOST"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flows_config_errors),
		cmocka_unit_test(test_signin_both_flows),
		cmocka_unit_test_teardown(test_run_node_lost_and_back, test_teardown),
	};
	return cmocka_run_group_tests_name("flows", tests, group_setup, group_teardown);
}
