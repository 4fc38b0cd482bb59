/*
 * test_discovery.c: RFC 3263 registrar discovery and failover against a
 * real cluster: Debian's dnsmasq (tools/dns-run) serving example.test on
 * 127.0.0.1, two Kamailio nodes (tools/kamailio-run --addr) on 127.0.0.2
 * and 127.0.0.3 sharing registrations through dmq + dmq_usrloc, both
 * requiring client certificates naming the user. signet is configured
 * with no registrar and `[sip] dns = 127.0.0.1:PORT`: it finds the nodes
 * from the user's domain. Everything is started and stopped here, on
 * ports from itest_free_port().
 *
 * The test bed (cluster_start, cluster_node_start, cluster_kill,
 * dns_start, conf_write) is meant for more cases: accept_target_name
 * needs a node started with --server-san "DNS:a.example.test" and
 * conf_write(..., "accept_target_name = yes\n"). A case that restarts
 * nodes with other options (test_run_failback: a 20 s expiry) kills them
 * at its end; case_teardown starts them again with the usual ones.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest.h"

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"
#define PIN "123456"
#define NODES 2

static char *tok;
static char out[65536];

/* One Kamailio node of the cluster. */
struct node {
	char dir[700];
	const char *addr;
	int udp, tls, pid;
};
static struct node nodes[NODES] = {{.addr = "127.0.0.2"}, {.addr = "127.0.0.3"}};
static int dns_pid, run_pid, seq;
static char dns_dir[700]; /* the running dnsmasq's directory (dns-run DIR) */
/* The registrars' certificate: the domain, both SRV targets and both
 * addresses (a registrar given as sips:127.0.0.3:PORT is checked by IP). */
#define CLUSTER_SAN "DNS:example.test,DNS:a.example.test,DNS:b.example.test,IP:127.0.0.2,IP:127.0.0.3"
/* Node options of the failback case: the registrar grants 20 s whatever
 * the client asks (signet asks 60 s at least), so a refresh comes at 18 s. */
#define SHORT_EXPIRY "--min-expires 10 --default-expires 20 --max-expires 20"

/* Starts (or starts again, with the same ports, CA and certificate) node
 * i of the cluster, its DMQ peers being all the other nodes; waits until
 * it answers. 0 or -1. */
static int cluster_node_start(int i, const char *extra)
{
	struct node *n = &nodes[i];
	char peers[200] = "";

	for (int j = 0; j < NODES; j++)
		if (j != i)
			snprintf(peers + strlen(peers), sizeof(peers) - strlen(peers), "%s%s:%d",
				 peers[0] ? "," : "", nodes[j].addr, nodes[j].udp);
	n->pid = itest_spawn(i ? "kam-b" : "kam-a",
			     "exec %s/tools/kamailio-run '%s' start --addr %s --udp %d --tcp %d "
			     "--tls %d --client-ca '%s/pki/ca.crt' --dmq-peer %s --server-san '%s' %s",
			     itest_top(), n->dir, n->addr, n->udp, n->udp, n->tls, tok, peers,
			     CLUSTER_SAN, extra);
	if (n->pid <= 0 || itest_sh("%s/tools/kamailio-run '%s' wait", itest_top(), n->dir))
		return -1;
	return 0;
}

/* The cluster: both nodes, one registrar CA (node a's, copied to b), the
 * same TLS port on both addresses. */
static int cluster_start(const char *extra)
{
	int tls = itest_free_port();

	for (int i = 0; i < NODES; i++) {
		struct node *n = &nodes[i];
		snprintf(n->dir, sizeof(n->dir), "%s/kam-%c", itest_scratch(), 'a' + i);
		n->udp = itest_free_port();
		n->tls = tls;
	}
	if (itest_sh("%s/tools/kamailio-run '%s' config --udp 1 --tcp 1 --tls 1 "
		     "--client-ca '%s/pki/ca.crt' && mkdir -p '%s' && cp '%s'/server-ca.* '%s'",
		     itest_top(), nodes[0].dir, tok, nodes[1].dir, nodes[0].dir, nodes[1].dir))
		return -1;
	for (int i = 0; i < NODES; i++)
		if (cluster_node_start(i, extra))
			return -1;
	return 0;
}

/* SIGKILL to node i and to its children (Kamailio's workers would keep
 * the sockets otherwise): a crash, not a shutdown. */
static void cluster_kill(int i)
{
	struct node *n = &nodes[i];

	if (n->pid <= 0)
		return;
	itest_sh("c=$(pgrep -P %d); kill -KILL %d $c 2>/dev/null; true", n->pid, n->pid);
	waitpid(n->pid, NULL, 0);
	n->pid = 0;
}

static void cluster_stop(void)
{
	for (int i = 0; i < NODES; i++)
		if (nodes[i].pid > 0) {
			itest_stop(nodes[i].pid);
			nodes[i].pid = 0;
		}
}

/* Node i's location table has a contact for alice. */
static int bound(int i)
{
	return itest_sh("%s/tools/kamailio-run '%s' lookup alice 2>/dev/null | grep -q Contact",
			itest_top(), nodes[i].dir) == 0;
}

static int wait_bound(int i, int want, int seconds)
{
	for (int t = 0; t < seconds * 10; t++) {
		if (bound(i) == want)
			return 0;
		usleep(100 * 1000);
	}
	return -1;
}

/* A fresh dnsmasq serving records (dnsmasq's syntax, space separated;
 * "@T" stands for the cluster's TLS port); returns its port. */
static int dns_start(const char *records)
{
	char recs[1200], *d = recs;
	int port = itest_free_port();

	if (dns_pid > 0)
		itest_stop(dns_pid);
	for (const char *s = records; *s && d < recs + sizeof(recs) - 8; s++) {
		if (s[0] == '@' && s[1] == 'T') {
			d += snprintf(d, 8, "%d", nodes[0].tls);
			s++;
		} else {
			*d++ = *s;
		}
	}
	*d = 0;
	snprintf(dns_dir, sizeof(dns_dir), "%s/dns%d", itest_scratch(), ++seq);
	dns_pid = itest_spawn("dns", "exec %s/tools/dns-run '%s' start --port %d %s", itest_top(),
			      dns_dir, port, recs);
	if (dns_pid <= 0 || itest_sh("%s/tools/dns-run '%s' wait", itest_top(), dns_dir))
		return -1;
	return port;
}

/* A signet configuration with no registrar, asking 127.0.0.1:dns_port. */
static void conf_write(char *path, size_t cap, int dns_port, const char *sip_extra)
{
	snprintf(path, cap, "%s/signet%d.conf", itest_scratch(), ++seq);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[token]\nmodule = %s\nuri = pkcs11:object=alice\n[certs]\nca = %s/pki/ca.crt\n"
		"revocation = none\n[sip]\nuser = sip:alice@example.test\nca = %s/server-ca.crt\n"
		"dns = 127.0.0.1:%d\nretry_base = 1\n%s",
		SOFTHSM, tok, nodes[0].dir, dns_port, sip_extra ? sip_extra : "");
	assert_int_equal(fclose(f), 0);
}

/* Queries the running dnsmasq answered so far (tools/dns-run DIR queries). */
static int dns_queries(void)
{
	char cmd[900];
	int n = -1;

	snprintf(cmd, sizeof(cmd), "%s/tools/dns-run '%s' queries", itest_top(), dns_dir);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

static int signin_once(const char *conf)
{
	return itest_signet_run(PIN "\n", out, sizeof(out),
				"signin --once --verbose --config '%s' --user sip:alice@example.test "
				"--token 'pkcs11:object=alice' --pin-fd 3",
				conf);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "REGISTER sent to 127.0.0.x:PORT": which node took the REGISTER. */
static void sent_to(int i, char *buf, size_t cap)
{
	snprintf(buf, cap, "REGISTER sent to %s:%d", nodes[i].addr, nodes[i].tls);
}

static int group_setup(void **state)
{
	(void)state;
	tok = itest_mktoken("tok", "discovery", PIN, "rsa:alice:01");
	if (!tok)
		return -1;
	char softhsm[700];
	snprintf(softhsm, sizeof(softhsm), "%s/softhsm2.conf", tok);
	setenv("SOFTHSM2_CONF", softhsm, 1);
	return cluster_start("");
}

static int group_teardown(void **state)
{
	(void)state;
	if (run_pid > 0)
		itest_stop(run_pid);
	if (dns_pid > 0)
		itest_stop(dns_pid);
	cluster_stop();
	free(tok);
	return 0;
}

/* Each case leaves the whole cluster up and nobody registered. */
static int case_teardown(void **state)
{
	(void)state;
	if (run_pid > 0)
		itest_stop(run_pid);
	run_pid = 0;
	for (int i = 0; i < NODES; i++) {
		if (nodes[i].pid <= 0)
			assert_int_equal(cluster_node_start(i, ""), 0);
		itest_sh("%s/tools/kamailio-run '%s' kamcmd ul.rm location alice >/dev/null 2>&1",
			 itest_top(), nodes[i].dir);
	}
	return 0;
}

#define SRV_AB(pa, wa, pb, wb)                                                                     \
	"--srv-host=_sips._tcp.example.test,a.example.test,@T," #pa "," #wa                        \
	" --srv-host=_sips._tcp.example.test,b.example.test,@T," #pb "," #wb                       \
	" --host-record=a.example.test,127.0.0.2 --host-record=b.example.test,127.0.0.3"

/* SRV priority 10 (a) before 20 (b): signin stays registered on a; the
 * contact reaches b through dmq. Then NAPTR -> SRV. */
static void test_srv_preferred(void **state)
{
	char conf[700], want[100];
	(void)state;

	int port = dns_start(SRV_AB(10, 50, 20, 50));
	assert_true(port > 0);
	conf_write(conf, sizeof(conf), port, NULL);
	run_pid = itest_spawn("signin-srv",
			      "exec %s signin --verbose --config '%s' --user sip:alice@example.test "
			      "--token 'pkcs11:object=alice' --pin-fd 3 3<<EOF\n" PIN "\nEOF",
			      itest_signet(), conf);
	assert_int_equal(itest_wait_count("signin-srv", "registered as sip:alice@example.test", 1, 30), 0);
	sent_to(0, want, sizeof(want));
	assert_int_equal(itest_log_count("signin-srv", want), 1);
	assert_true(itest_log_count("signin-srv", "target 1 of 2: a.example.test") >= 1);
	assert_true(bound(0));
	/* Replicated: node b learns the binding through dmq_usrloc. */
	assert_int_equal(wait_bound(1, 1, 20), 0);
	itest_stop(run_pid);
	run_pid = 0;

	/* NAPTR SIPS+D2T -> SRV (the NAPTR's replacement) -> A. */
	port = dns_start("--naptr-record=example.test,10,50,s,SIPS+D2T,,_sips._tcp.example.test "
			 SRV_AB(10, 50, 20, 50));
	assert_true(port > 0);
	conf_write(conf, sizeof(conf), port, NULL);
	int rc = signin_once(conf);
	printf("NAPTR -> SRV: %d\n%s", rc, out);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "NAPTR"));
	assert_non_null(strstr(out, "registered as sip:alice@example.test"));
}

/* No NAPTR, no SRV: A of the domain, port 5061. Needs 127.0.0.4:5061. */
static void test_a_only_5061(void **state)
{
	char conf[700], dir[700];
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(5061)};
	(void)state;

	inet_pton(AF_INET, "127.0.0.4", &a.sin_addr);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	/* As Kamailio does: a TIME_WAIT left by an earlier run is no owner. */
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int free5061 = bind(s, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(s);
	if (!free5061)
		fail_msg("127.0.0.4:5061 is taken (by another test?): this case needs it "
			 "(RFC 3263's A/AAAA fallback uses port 5061)");
	snprintf(dir, sizeof(dir), "%s/kam-c", itest_scratch());
	int udp = itest_free_port();
	assert_int_equal(itest_sh("mkdir -p '%s' && cp '%s'/server-ca.* '%s'", dir, nodes[0].dir, dir),
			 0);
	int pid = itest_spawn("kam-c",
			      "exec %s/tools/kamailio-run '%s' start --addr 127.0.0.4 --udp %d "
			      "--tcp %d --tls 5061 --client-ca '%s/pki/ca.crt' --server-san "
			      "DNS:example.test",
			      itest_top(), dir, udp, udp, tok);
	assert_true(pid > 0);
	assert_int_equal(itest_sh("%s/tools/kamailio-run '%s' wait", itest_top(), dir), 0);
	int port = dns_start("--host-record=example.test,127.0.0.4");
	assert_true(port > 0);
	conf_write(conf, sizeof(conf), port, NULL);
	int rc = signin_once(conf);
	printf("A only: %d\n%s", rc, out);
	itest_stop(pid);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "REGISTER sent to 127.0.0.4:5061"));
	assert_non_null(strstr(out, "registered as sip:alice@example.test"));
}

static void test_run_failover(void **state)
{
	char conf[700], want[100], js[4096];
	int state_port = itest_free_port();
	(void)state;

	int port = dns_start(SRV_AB(10, 50, 20, 50));
	assert_true(port > 0);
	conf_write(conf, sizeof(conf), port, NULL);
	assert_int_equal(itest_sh("printf '[enroll]\\nstate_port = %d\\n' >> '%s'", state_port, conf),
			 0);
	run_pid = itest_spawn("run", "exec %s run --verbose --config '%s' --pin-fd 3 3<<EOF\n" PIN
			      "\nEOF",
			      itest_signet(), conf);
	assert_int_equal(itest_wait_count("run", "status: Registered", 1, 30), 0);
	sent_to(0, want, sizeof(want));
	assert_true(itest_log_count("run", want) >= 1);
	assert_true(bound(0));
	assert_int_equal(wait_bound(1, 1, 20), 0); /* replication works */
	assert_int_equal(itest_state_json(state_port, js, sizeof(js)), 0);
	assert_non_null(strstr(js, "\"registrar\":\"a.example.test:"));
	assert_non_null(strstr(js, "\"registrar_change\":\"chosen by RFC 3263\""));

	double t0 = now_s();
	cluster_kill(0);
	sent_to(1, want, sizeof(want));
	assert_int_equal(itest_wait_count("run", want, 1, 60), 0);
	assert_int_equal(itest_wait_count("run", "status: Registered", 2, 60), 0);
	print_message("failover: registered on b %.2f s after a was killed\n", now_s() - t0);
	/* Why: the lost registrar is said, a's failure skipped to the next
	 * target, and b named as the target. */
	assert_true(itest_log_count("run", "registration failed (the registrar 127.0.0.2:") >= 1);
	assert_true(itest_log_count("run", "trying the next target") >= 1);
	assert_true(itest_log_count("run", "target 2 of 2: b.example.test") >= 1);
	assert_true(bound(1));
	/* the state resource says so too: b in use, because a failed */
	assert_int_equal(itest_state_json(state_port, js, sizeof(js)), 0);
	assert_non_null(strstr(js, "\"registration\":\"registered\""));
	assert_non_null(strstr(js, "\"registrar\":\"b.example.test:"));
	assert_non_null(strstr(js, "\"registrar_change\":\"a.example.test:"));
	assert_non_null(strstr(js, "failed ("));
}

/* Failback at refresh: signet run on a (preferred); a crashes: on b,
 * which grants 20 s; a started again: the next refresh (18 s) tries a
 * first, a answers 200 and holds the registration again. */
static void test_run_failback(void **state)
{
	char conf[700], want_a[100], want_b[100], line[300];
	(void)state;

	/* Both nodes grant 20 s (b holds the registration between the two
	 * moves; a keeps it after the failback). */
	for (int i = 0; i < NODES; i++) {
		cluster_kill(i);
		assert_int_equal(cluster_node_start(i, SHORT_EXPIRY), 0);
	}
	int port = dns_start(SRV_AB(10, 50, 20, 50));
	assert_true(port > 0);
	conf_write(conf, sizeof(conf), port, NULL);
	sent_to(0, want_a, sizeof(want_a));
	sent_to(1, want_b, sizeof(want_b));
	run_pid = itest_spawn("run-fb", "exec %s run --verbose --config '%s' --pin-fd 3 3<<EOF\n" PIN
			      "\nEOF",
			      itest_signet(), conf);
	assert_int_equal(itest_wait_count("run-fb", "status: Registered", 1, 30), 0);
	assert_true(itest_log_count("run-fb", want_a) >= 1);
	assert_true(itest_log_count("run-fb", "registered as sip:alice@example.test (expires in 20 s)") >= 1);

	double t0 = now_s();
	cluster_kill(0);
	assert_int_equal(itest_wait_count("run-fb", "registrar: now b.example.test", 1, 60), 0);
	assert_int_equal(wait_bound(1, 1, 20), 0);
	double t1 = now_s();
	print_message("failback case: on b %.2f s after a was killed\n", t1 - t0);

	int sent_a = itest_log_count("run-fb", want_a);
	assert_int_equal(cluster_node_start(0, SHORT_EXPIRY), 0);
	double t2 = now_s();
	snprintf(line, sizeof(line),
		 "registrar: now a.example.test:%d (127.0.0.2:%d): failback, the preferred "
		 "registrar answers again (was b.example.test:%d)",
		 nodes[0].tls, nodes[0].tls, nodes[1].tls);
	if (itest_wait_count("run-fb", line, 1, 60)) {
		itest_sh("cat '%s/run-fb.log'", itest_scratch());
		fail_msg("no failback to a within 60 s of its restart (wanted: %s)", line);
	}
	print_message("failback case: back on a %.2f s after it was started again\n",
		      now_s() - t2);
	itest_sh("grep -E 'registrar|failback|REGISTER sent|registered as' '%s/run-fb.log'",
		 itest_scratch());
	/* The refresh went to a (a new REGISTER to it), a holds the contact,
	 * and signet stays registered. */
	assert_true(itest_log_count("run-fb", want_a) > sent_a);
	assert_true(bound(0));
	assert_int_equal(kill(run_pid, 0), 0);
	/* case_teardown starts both nodes again with the usual expiries. */
	cluster_kill(0);
	cluster_kill(1);
}

/* --registrar sips:example.test (no port): RFC 3263 on example.test, the
 * preferred node; --registrar sips:127.0.0.3:PORT: that node, no DNS. */
static void test_registrar_domain_flag(void **state)
{
	char conf[700], want[100];
	(void)state;

	int port = dns_start(SRV_AB(10, 50, 20, 50));
	assert_true(port > 0);
	conf_write(conf, sizeof(conf), port, NULL);
	int rc = itest_signet_run(PIN "\n", out, sizeof(out),
				  "signin --once --verbose --config '%s' --registrar sips:example.test "
				  "--pin-fd 3",
				  conf);
	printf("--registrar sips:example.test: %d\n%s", rc, out);
	assert_int_equal(rc, 0);
	sent_to(0, want, sizeof(want));
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "resolving example.test"));
	assert_non_null(strstr(out, "registered as sip:alice@example.test"));
	int q = dns_queries();
	assert_true(q >= 1);

	rc = itest_signet_run(PIN "\n", out, sizeof(out),
			      "signin --once --verbose --config '%s' --registrar sips:127.0.0.3:%d "
			      "--pin-fd 3",
			      conf, nodes[1].tls);
	printf("--registrar sips:127.0.0.3:%d: %d\n%s", nodes[1].tls, rc, out);
	assert_int_equal(rc, 0);
	sent_to(1, want, sizeof(want));
	assert_non_null(strstr(out, want));
	assert_null(strstr(out, "resolving"));
	assert_non_null(strstr(out, "registered as sip:alice@example.test"));
	assert_int_equal(dns_queries(), q);
}

/* Both down: the back-off is said; one node back: registered on it. */
static void test_both_down_backoff(void **state)
{
	char conf[700], want[100];
	(void)state;

	int port = dns_start(SRV_AB(10, 50, 20, 50));
	assert_true(port > 0);
	conf_write(conf, sizeof(conf), port, NULL);
	run_pid = itest_spawn("run2", "exec %s run --verbose --config '%s' --pin-fd 3 3<<EOF\n" PIN
			      "\nEOF",
			      itest_signet(), conf);
	assert_int_equal(itest_wait_count("run2", "status: Registered", 1, 30), 0);
	cluster_kill(0);
	cluster_kill(1);
	assert_int_equal(itest_wait_count("run2", "retrying in", 1, 60), 0);
	assert_true(itest_log_count("run2", "trying the next target") >= 1);
	assert_int_equal(cluster_node_start(1, ""), 0);
	sent_to(1, want, sizeof(want));
	assert_int_equal(itest_wait_count("run2", "status: Registered", 2, 60), 0);
	assert_true(itest_log_count("run2", want) >= 1);
	assert_int_equal(wait_bound(1, 1, 20), 0);
}

/* RFC 2782 weights: equal weights share, weight 0 is never chosen while
 * the other target answers. */
static void test_srv_weights(void **state)
{
	char conf[700], wa[100], wb[100];
	int na = 0, nb = 0;
	(void)state;

	sent_to(0, wa, sizeof(wa));
	sent_to(1, wb, sizeof(wb));
	int port = dns_start(SRV_AB(10, 50, 10, 50));
	assert_true(port > 0);
	conf_write(conf, sizeof(conf), port, NULL);
	for (int i = 0; i < 40; i++) {
		int rc = signin_once(conf);
		if (rc)
			printf("run %d: %d\n%s", i, rc, out);
		assert_int_equal(rc, 0);
		na += strstr(out, wa) != NULL;
		nb += strstr(out, wb) != NULL;
	}
	print_message("equal weights over 40 sign-ins: a %d, b %d\n", na, nb);
	assert_int_equal(na + nb, 40);
	assert_true(na >= 5);
	assert_true(nb >= 5);

	port = dns_start(SRV_AB(10, 0, 10, 100));
	assert_true(port > 0);
	conf_write(conf, sizeof(conf), port, NULL);
	na = nb = 0;
	for (int i = 0; i < 20; i++) {
		assert_int_equal(signin_once(conf), 0);
		na += strstr(out, wa) != NULL;
		nb += strstr(out, wb) != NULL;
	}
	print_message("weight 0 (a) vs 100 (b) over 20 sign-ins: a %d, b %d\n", na, nb);
	assert_int_equal(na, 0);
	assert_int_equal(nb, 20);
}

/* A DNS server that never answers, and NXDOMAIN: exit 9 naming the query. */
static void test_dns_failures(void **state)
{
	char conf[700];
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	(void)state;

	/* A UDP port bound here and never read. */
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(s >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	conf_write(conf, sizeof(conf), ntohs(a.sin_port), NULL);
	double t0 = now_s();
	int rc = signin_once(conf); /* the resolver bounds every query */
	printf("silent DNS server: %d after %.1f s\n%s", rc, now_s() - t0, out);
	close(s);
	assert_int_equal(rc, 9);
	assert_non_null(strstr(out, "did not answer"));
	assert_non_null(strstr(out, "example.test"));

	/* dnsmasq answers example.test (--local) but knows no record. */
	int port = dns_start("--host-record=other.example.test,127.0.0.2");
	assert_true(port > 0);
	conf_write(conf, sizeof(conf), port, NULL);
	rc = signin_once(conf);
	printf("NXDOMAIN: %d\n%s", rc, out);
	assert_int_equal(rc, 9);
	assert_non_null(strstr(out, "NXDOMAIN"));
	assert_non_null(strstr(out, "example.test"));
}

/* A registrar certificate naming the SRV target but not the domain is
 * refused (RFC 5922). */
static void test_cert_names_target_only(void **state)
{
	char conf[700];
	(void)state;

	cluster_kill(0);
	assert_int_equal(cluster_node_start(0, "--server-san DNS:a.example.test"), 0);
	int port = dns_start("--srv-host=_sips._tcp.example.test,a.example.test,@T,10,50 "
			     "--host-record=a.example.test,127.0.0.2");
	assert_true(port > 0);
	conf_write(conf, sizeof(conf), port, NULL);
	int rc = signin_once(conf);
	printf("certificate naming a.example.test only: %d\n%s", rc, out);
	cluster_kill(0); /* case_teardown starts it again with the usual certificate */
	assert_int_not_equal(rc, 0);
	assert_null(strstr(out, "registered as"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_srv_preferred, case_teardown),
		cmocka_unit_test_teardown(test_a_only_5061, case_teardown),
		cmocka_unit_test_teardown(test_run_failover, case_teardown),
		cmocka_unit_test_teardown(test_run_failback, case_teardown),
		cmocka_unit_test_teardown(test_registrar_domain_flag, case_teardown),
		cmocka_unit_test_teardown(test_both_down_backoff, case_teardown),
		cmocka_unit_test_teardown(test_srv_weights, case_teardown),
		cmocka_unit_test_teardown(test_dns_failures, case_teardown),
		cmocka_unit_test_teardown(test_cert_names_target_only, case_teardown),
	};
	return cmocka_run_group_tests_name("discovery", tests, group_setup, group_teardown);
}
