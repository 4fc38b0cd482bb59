/*
 * test_rtt_proxy.c: tools/rtt-proxy, the delaying proxy behind `make
 * bench`'s round-trip counts (tools/bench-rtt), counts what it must, so
 * that the bench cannot silently break. Flight counts are deterministic
 * (only the times vary): a request/answer exchange done three times, each
 * side writing in two pieces, is 3 answered flights + the TCP handshake;
 * a last request nobody answers is no round trip, nor is a second answer
 * to the same client flight; SIGUSR1 drops the
 * connection (the client sees it end); OpenSSL's s_client against
 * s_server (-rev: a line in, the line reversed out) through the proxy is
 * 3 round trips with TLS 1.3 (the data goes with the client's Finished)
 * and 4 with TLS 1.2.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest.h"

#define WAIT_MS 10000

static char stats[600];
static char json[65536];

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Starts the proxy (delay ms each way) in front of 127.0.0.1:upstream;
 * returns its pid, its port in *port. name: its log's name. */
static int start_proxy_delay(const char *name, int upstream, int *port, int delay)
{
	int pid;

	*port = itest_free_port();
	snprintf(stats, sizeof(stats), "%s/%s.json", itest_scratch(), name);
	pid = itest_spawn(name,
			  "exec '%s/tools/rtt-proxy' --listen 127.0.0.1:%d --upstream 127.0.0.1:%d "
			  "--delay %d --stats '%s'",
			  itest_top(), *port, upstream, delay, stats);
	assert_true(pid > 0);
	assert_int_equal(itest_wait_log(name, "listening on"), 0);
	return pid;
}

static int start_proxy(const char *name, int upstream, int *port)
{
	return start_proxy_delay(name, upstream, port, 5);
}

/* The proxy's counters (SIGUSR2: it writes the file, replacing it). */
static const char *dump(int pid)
{
	unlink(stats);
	assert_int_equal(kill(pid, SIGUSR2), 0);
	for (int i = 0; i < WAIT_MS / 10; i++) {
		if (access(stats, F_OK) == 0) {
			assert_int_equal(itest_read_file(stats, json, sizeof(json)), 0);
			assert_true(json[0] != '\0');
			return json;
		}
		sleep_ms(10);
	}
	fail_msg("rtt-proxy wrote no counters to %s", stats);
	return NULL;
}

/* Connection id's "round_trips" in the counters, -1 when it is not there. */
static int round_trips(const char *doc, int id)
{
	char key[40];
	const char *p;

	snprintf(key, sizeof(key), "{\"id\": %d, ", id);
	p = strstr(doc, key);
	if (!p || !(p = strstr(p, "\"round_trips\": ")))
		return -1;
	return atoi(p + strlen("\"round_trips\": "));
}

static int listen_loopback(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 4), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return s;
}

static int connect_loopback(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	return s;
}

static int wait_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, WAIT_MS) == 1;
}

/* Reads exactly n bytes (within the bound), which must be want. */
static void read_exact(int fd, const char *want, size_t n)
{
	char buf[64];
	size_t got = 0;

	assert_true(n <= sizeof(buf));
	while (got < n) {
		ssize_t r;

		if (!wait_readable(fd))
			fail_msg("nothing came through the proxy within %d ms", WAIT_MS);
		r = read(fd, buf + got, n - got);
		assert_true(r > 0);
		got += (size_t)r;
	}
	assert_memory_equal(buf, want, n);
}

static void write_all(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static void test_exchanges_and_drop(void **state)
{
	int up_port, port, lsn, cli, srv, pid;
	const char *doc;
	char c;

	(void)state;
	lsn = listen_loopback(&up_port);
	pid = start_proxy("rtt-echo", up_port, &port);
	cli = connect_loopback(port);
	assert_true(wait_readable(lsn)); /* the proxy connects on accept */
	srv = accept(lsn, NULL, NULL);
	assert_true(srv >= 0);
	for (int i = 0; i < 3; i++) {
		write_all(cli, "ab"); /* one flight in two pieces */
		write_all(cli, "cd");
		read_exact(srv, "abcd", 4);
		write_all(srv, "wx");
		write_all(srv, "yz");
		read_exact(cli, "wxyz", 4);
	}
	write_all(cli, "e"); /* a flight nobody answers */
	read_exact(srv, "e", 1);
	doc = dump(pid);
	assert_non_null(strstr(doc, "{\"id\": 1, "));
	if (!strstr(doc, "\"open\": true, \"dropped\": false, \"round_trips\": 4, "
			 "\"client_flights\": 4, \"server_flights\": 3, \"bytes_c2s\": 13, "
			 "\"bytes_s2c\": 12"))
		fail_msg("counters: %s", doc);
	assert_null(strstr(doc, "{\"id\": 2, "));

	/* SIGUSR1: both ends see the connection end. */
	assert_int_equal(kill(pid, SIGUSR1), 0);
	assert_true(wait_readable(cli));
	assert_true(read(cli, &c, 1) <= 0);
	assert_true(wait_readable(srv));
	assert_true(read(srv, &c, 1) <= 0);
	doc = dump(pid);
	if (!strstr(doc, "\"open\": false, \"dropped\": true, \"round_trips\": 4, "))
		fail_msg("after SIGUSR1: %s", doc);
	close(cli);
	close(srv);
	close(lsn);
	itest_stop(pid);
}

/* A client flight delivered in two pieces, each answered by the server
 * (as a TLS 1.3 server sends its session tickets on the client's Finished,
 * then the reply to the data after it): two server flights, one round trip
 * besides the TCP handshake, since the client waited once. The client's
 * second piece is written right after the server's first answer, which the
 * proxy holds for 100 ms: it is still part of the client's first flight. */
static void test_unasked_server_flight(void **state)
{
	int up_port, port, lsn, cli, srv, pid;
	const char *doc;

	(void)state;
	lsn = listen_loopback(&up_port);
	pid = start_proxy_delay("rtt-unasked", up_port, &port, 100);
	cli = connect_loopback(port);
	assert_true(wait_readable(lsn));
	srv = accept(lsn, NULL, NULL);
	assert_true(srv >= 0);
	write_all(cli, "a");
	read_exact(srv, "a", 1);
	write_all(srv, "x");
	write_all(cli, "b");
	read_exact(srv, "b", 1);
	write_all(srv, "y");
	read_exact(cli, "xy", 2);
	doc = dump(pid);
	if (!strstr(doc, "\"round_trips\": 2, \"client_flights\": 1, \"server_flights\": 2, "
			 "\"bytes_c2s\": 2, \"bytes_s2c\": 2"))
		fail_msg("counters: %s", doc);
	close(cli);
	close(srv);
	close(lsn);
	itest_stop(pid);
}

/* s_client -VERSION through the proxy to s_server -rev; the proxy's round
 * trips for that connection (number id). */
static int openssl_round_trips(int pid, int port, const char *version, int id)
{
	char name[40], want[40];
	int cl;

	snprintf(name, sizeof(name), "s_client-%s", version);
	cl = itest_spawn(name,
			 "exec openssl s_client -connect 127.0.0.1:%d -%s -quiet <'%s/line.txt'",
			 port, version, itest_scratch());
	assert_true(cl > 0);
	/* s_server's answer: the line reversed */
	assert_int_equal(itest_wait_log(name, "olleh"), 0);
	/* the connection goes quiet: nothing more is sent by either side */
	snprintf(want, sizeof(want), "{\"id\": %d, ", id);
	for (int i = 0; i < 100 && !strstr(dump(pid), want); i++)
		sleep_ms(20);
	sleep_ms(100);
	int n = round_trips(dump(pid), id);
	itest_stop(cl);
	return n;
}

static void test_openssl_tls13_tls12(void **state)
{
	int srv_port = itest_free_port(), port, srv, pid;
	const char *s = itest_scratch();

	(void)state;
	assert_int_equal(itest_sh("cd '%s' && echo hello >line.txt && "
				  "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
				  "-keyout rtt-srv.key -out rtt-srv.crt -subj /CN=rtt -days 2 2>/dev/null",
				  s),
			 0);
	srv = itest_spawn("s_server",
			  "exec openssl s_server -accept 127.0.0.1:%d -cert '%s/rtt-srv.crt' "
			  "-key '%s/rtt-srv.key' -rev -quiet",
			  srv_port, s, s);
	assert_true(srv > 0);
	assert_int_equal(itest_wait_port(srv_port), 0);
	pid = start_proxy("rtt-tls", srv_port, &port);
	/* TCP + ClientHello/server flight + client Finished with the data */
	assert_int_equal(openssl_round_trips(pid, port, "tls1_3", 1), 3);
	/* TCP + 2 handshake round trips + the data */
	assert_int_equal(openssl_round_trips(pid, port, "tls1_2", 2), 4);
	itest_stop(pid);
	itest_stop(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exchanges_and_drop),
		cmocka_unit_test(test_unasked_server_flight),
		cmocka_unit_test(test_openssl_tls13_tls12),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
