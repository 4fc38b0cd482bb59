/*
 * test_sip_sipp.c: the registration client (sip/sip_reg.c with the UDP
 * and TCP transports and the transaction layer) against sipp playing the
 * registrar, on loopback, over the real Linux port and its loop.
 *
 * Each case starts sipp with a scenario from tests/integration/sipp/,
 * runs the loop until the client reaches the state the case waits for
 * (or a generous deadline), and checks the order of what happened; sipp
 * checks what it received (Expires: 0 on unregistration, the Min-Expires
 * value, MD5 Digest with its own verifyauth) and its exit status says
 * whether everything matched. Nothing asserts exact timing.
 */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest.h"
#include "port_linux.h"
#include "sg_mem.h"
#include "sip_digest.h"
#include "sip_msg.h"
#include "sip_reg.h"
#include "sip_transports.h"

#define PASSWORD "s3cret"
#define DEADLINE_MS 30000u

struct ev {
	enum sip_reg_state st;
	sg_err code;
	int will_retry;
	uint32_t retry_ms, expires;
	uint64_t at;
	char detail[512];
};

struct run {
	struct hal hal;
	struct sip_tp *tp;
	struct sip_reg *reg;
	struct ev ev[64];
	int n;
	int registered;
	int unreg_after;     /* sip_reg_stop after this many REGISTERED (0: never) */
	int stop_on_fail;    /* stop the loop at the first FAILED */
	int stop_on_reg;     /* stop the loop at this many REGISTERED */
	int deadline_hit;
	int deadline;
};

static struct hal g_hal;

static int setup(void **state)
{
	struct port_linux_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.tty_path = "/nonexistent";
	o.log_ident = "test_sip_sipp";
	o.log_level = HAL_LOG_INFO;
	signal(SIGPIPE, SIG_IGN);
	return port_linux_init(&g_hal, &o) == HAL_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	port_linux_fini(&g_hal);
	return 0;
}

static void on_state(const struct sip_reg_info *info, void *arg)
{
	struct run *ru = arg;
	struct ev *ev;
	struct sg_error e;

	if (ru->n >= (int)(sizeof(ru->ev) / sizeof(ru->ev[0])))
		return;
	ev = &ru->ev[ru->n++];
	memset(ev, 0, sizeof(*ev));
	ev->st = info->state;
	ev->code = info->err ? info->err->code : SG_OK;
	ev->will_retry = info->will_retry;
	ev->retry_ms = info->retry_ms;
	ev->expires = info->expires;
	ev->at = hal_clock_mono_ms(&ru->hal.clock);
	if (info->err)
		snprintf(ev->detail, sizeof(ev->detail), "%s", info->err->detail);
	print_message("  sip: state %d code %d retry %d/%u expires %u %s\n", info->state,
		      ev->code, info->will_retry, (unsigned)info->retry_ms, (unsigned)info->expires,
		      ev->detail);
	sg_error_init(&e);
	switch (info->state) {
	case SIP_REG_REGISTERED:
		ru->registered++;
		if (ru->stop_on_reg && ru->registered >= ru->stop_on_reg)
			hal_loop_stop(&ru->hal.loop);
		else if (ru->unreg_after && ru->registered == ru->unreg_after)
			assert_int_equal(sip_reg_stop(ru->reg, 5000, &e), SG_OK);
		break;
	case SIP_REG_FAILED:
		if (ru->stop_on_fail || !info->will_retry)
			hal_loop_stop(&ru->hal.loop);
		break;
	case SIP_REG_UNREGISTERED:
		hal_loop_stop(&ru->hal.loop);
		break;
	default:
		break;
	}
}

static void on_deadline(void *arg)
{
	struct run *ru = arg;

	ru->deadline = -1;
	ru->deadline_hit = 1;
	hal_loop_stop(&ru->hal.loop);
}

struct opts {
	int tcp;
	uint16_t port;
	const char *password;
	uint32_t expires;
	uint32_t t1_ms;
	uint32_t retry_base_s;
};

static void run_init(struct run *ru, const struct opts *o)
{
	struct sip_reg_cfg cfg;
	struct sg_error e;

	memset(ru, 0, sizeof(*ru));
	ru->hal = g_hal;
	sg_error_init(&e);
	assert_int_equal(o->tcp ? sip_tp_tcp_new(&ru->hal, &ru->tp, &e)
				: sip_tp_udp_new(&ru->hal, &ru->tp, &e),
			 SG_OK);
	memset(&cfg, 0, sizeof(cfg));
	cfg.registrar_host = "127.0.0.1";
	cfg.registrar_port = o->port;
	cfg.tp = ru->tp;
	cfg.aor = "sip:alice@sipp.test";
	cfg.expires = o->expires ? o->expires : 600;
	cfg.instance = "00000000-0000-1000-8000-000A95A0E128";
	cfg.reg_id = 1;
	cfg.outbound = 1;
	cfg.user_agent = "signet-test";
	cfg.password = o->password;
	cfg.password_len = o->password ? strlen(o->password) : 0;
	cfg.on_state = on_state;
	cfg.arg = ru;
	cfg.t1_ms = o->t1_ms;
	cfg.retry_base_s = o->retry_base_s ? o->retry_base_s : 1;
	cfg.retry_max_s = 4;
	cfg.connect_timeout_ms = 2000;
	assert_int_equal(sip_reg_new(&ru->reg, &ru->hal, &cfg, &e), SG_OK);
}

static void run_loop(struct run *ru, uint32_t deadline_ms)
{
	struct sg_error e;

	sg_error_init(&e);
	assert_int_equal(hal_loop_add_timer(&ru->hal.loop, deadline_ms, on_deadline, ru,
					    &ru->deadline),
			 HAL_OK);
	assert_int_equal(sip_reg_start(ru->reg, &e), SG_OK);
	(void)hal_loop_run(&ru->hal.loop);
	if (ru->deadline >= 0)
		(void)hal_loop_cancel_timer(&ru->hal.loop, ru->deadline);
}

static void run_free(struct run *ru)
{
	sip_reg_free(ru->reg);
	ru->tp->ops->destroy(ru->tp->ctx);
}

/* Index of the first event with this state at or after from, or -1. */
static int find(const struct run *ru, int from, enum sip_reg_state st)
{
	int i;

	for (i = from; i < ru->n; i++)
		if (ru->ev[i].st == st)
			return i;
	return -1;
}

/* ---- sipp --------------------------------------------------------------- */

struct sipp {
	int pid;
	int port;
	char msgs[600];
};

static void sipp_start(struct sipp *s, const char *scenario, int tcp, int port, const char *extra)
{
	char name[64];
	int i;

	s->port = port;
	snprintf(name, sizeof(name), "sipp-%s-%d", scenario, port);
	snprintf(s->msgs, sizeof(s->msgs), "%s/%s.msgs", itest_scratch(), name);
	s->pid = itest_spawn(name,
			     "sipp -sf %s/tests/integration/sipp/%s.xml -i 127.0.0.1 -p %d -t %s "
			     "-m 1 -nostdin -timeout 40s -timeout_error -trace_msg -message_file %s "
			     "-trace_err -error_file %s/%s.err %s",
			     itest_top(), scenario, port, tcp ? "t1" : "u1", s->msgs, itest_scratch(),
			     name, extra ? extra : "");
	assert_true(s->pid > 0);
	/* Listening? (asked of the kernel: a probe would be a call to sipp) */
	for (i = 0; i < 200; i++) {
		if (itest_sh("ss -Hln%c 'sport = :%d' | grep -q .", tcp ? 't' : 'u', port) == 0)
			return;
		usleep(50000);
	}
	fail_msg("sipp did not start listening on %d", port);
}

/* sipp's exit status (0: every check in the scenario passed), waiting
 * up to 15 s; -1 when it did not exit (it is then stopped). */
static int sipp_wait(struct sipp *s)
{
	int i, st;

	/* Up to 60 s: sipp's scenario decides the outcome; the bound only
	 * keeps a hung sipp from hanging the test (a loaded machine is slow). */
	for (i = 0; i < 1200; i++) {
		pid_t r = waitpid(s->pid, &st, WNOHANG);

		if (r == s->pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		usleep(50000);
	}
	itest_stop(s->pid);
	return -1;
}

static void sipp_kill(struct sipp *s)
{
	itest_stop(s->pid);
}

static int udp_port(void)
{
	return itest_free_port(); /* TCP-free; UDP is checked by sipp binding it */
}

/* ---- cases ------------------------------------------------------------- */

/* 200 OK with expires=2: registered for 2 s, refreshed, unregistered with
 * Expires: 0 (sipp checks it). */
static void ok_refresh_unregister(int tcp)
{
	struct sipp s;
	struct run ru;
	struct opts o = {tcp, 0, NULL, 600, 0, 0};
	int i1, i2;

	o.port = (uint16_t)udp_port();
	sipp_start(&s, "reg_ok", tcp, o.port, NULL);
	run_init(&ru, &o);
	ru.unreg_after = 2;
	run_loop(&ru, DEADLINE_MS);
	assert_false(ru.deadline_hit);
	i1 = find(&ru, 0, SIP_REG_REGISTERED);
	assert_true(i1 >= 0);
	assert_int_equal(ru.ev[i1].expires, 2); /* the granted, not the asked 600 */
	i2 = find(&ru, i1 + 1, SIP_REG_REGISTERED);
	assert_true(i2 > i1);
	/* the refresh came before the binding would have expired */
	assert_true(ru.ev[i2].at - ru.ev[i1].at < 2000 + 1000);
	assert_int_equal(find(&ru, 0, SIP_REG_FAILED), -1);
	assert_int_equal(ru.ev[ru.n - 1].st, SIP_REG_UNREGISTERED);
	assert_int_equal(ru.ev[ru.n - 1].code, SG_OK);
	run_free(&ru);
	assert_int_equal(sipp_wait(&s), 0);
}

static void test_ok_udp(void **state)
{
	(void)state;
	ok_refresh_unregister(0);
}

static void test_ok_tcp(void **state)
{
	(void)state;
	ok_refresh_unregister(1);
}

static void test_423(void **state)
{
	struct sipp s;
	struct run ru;
	struct opts o = {0, 0, NULL, 1, 0, 0};
	int i;

	(void)state;
	o.port = (uint16_t)udp_port();
	sipp_start(&s, "reg_423", 0, o.port, NULL);
	run_init(&ru, &o);
	ru.unreg_after = 1;
	run_loop(&ru, DEADLINE_MS);
	assert_false(ru.deadline_hit);
	i = find(&ru, 0, SIP_REG_REGISTERED);
	assert_true(i >= 0);
	assert_int_equal(ru.ev[i].expires, 3);
	assert_int_equal(find(&ru, 0, SIP_REG_FAILED), -1); /* 423 is not a failure */
	run_free(&ru);
	assert_int_equal(sipp_wait(&s), 0); /* sipp saw Expires: 3 */
}

static void test_digest_md5(void **state)
{
	struct sipp s;
	struct run ru;
	struct opts o = {1, 0, PASSWORD, 0, 0, 0};

	(void)state;
	o.port = (uint16_t)udp_port();
	sipp_start(&s, "reg_auth_md5", 1, o.port, NULL);
	run_init(&ru, &o);
	ru.unreg_after = 1;
	run_loop(&ru, DEADLINE_MS);
	assert_false(ru.deadline_hit);
	assert_true(find(&ru, 0, SIP_REG_REGISTERED) >= 0); /* sipp's verifyauth said yes */
	assert_int_equal(ru.ev[ru.n - 1].st, SIP_REG_UNREGISTERED);
	run_free(&ru);
	assert_int_equal(sipp_wait(&s), 0);
}

/* The same registrar with a wrong password: sipp's check says 403, so
 * the MD5 case above passing means sipp verified our answer. */
static void test_digest_wrong_password(void **state)
{
	struct sipp s;
	struct run ru;
	struct opts o = {1, 0, "wrong", 0, 0, 0};
	int i;

	(void)state;
	o.port = (uint16_t)udp_port();
	sipp_start(&s, "reg_auth_md5", 1, o.port, NULL);
	run_init(&ru, &o);
	run_loop(&ru, DEADLINE_MS);
	assert_false(ru.deadline_hit);
	i = find(&ru, 0, SIP_REG_FAILED);
	assert_true(i >= 0);
	assert_int_equal(ru.ev[i].code, SG_E_REFUSED);
	assert_false(ru.ev[i].will_retry);
	assert_non_null(strstr(ru.ev[i].detail, "403"));
	run_free(&ru);
	assert_int_equal(sipp_wait(&s), 0);
}

/* Finds "Authorization: ..." lines in sipp's message log and checks each
 * response value with the password. Returns how many were right. */
static int check_logged_auth(const char *path, const char *alg_name)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	int good = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char user[64], realm[64], nonce[64], uri[64], resp[80], nc[16], cnonce[64];
		char want[SIP_DIGEST_HEX_MAX];
		struct sip_str p, v;
		struct sg_error e;

		if (strncmp(line, "Authorization: Digest ", 22))
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		p.p = line + 22;
		p.len = strlen(p.p);
#define GET(n, b)                                                             \
	assert_true(sip_param(p, ',', n, &v));                                \
	assert_int_equal(sip_str_copy(v, b, sizeof(b)), 0)
		GET("username", user);
		GET("realm", realm);
		GET("nonce", nonce);
		GET("uri", uri);
		GET("response", resp);
		GET("nc", nc);
		GET("cnonce", cnonce);
#undef GET
		assert_true(sip_param(p, ',', "algorithm", &v) && sip_str_eq(v, alg_name));
		assert_true(sip_param(p, ',', "opaque", &v) && sip_str_eq(v, "op4que"));
		assert_false(strstr(line, PASSWORD));
		sg_error_init(&e);
		assert_int_equal(sip_digest_compute(strcmp(alg_name, "MD5") ? SIP_DIGEST_SHA256
									   : SIP_DIGEST_MD5,
						    user, realm, (const uint8_t *)PASSWORD,
						    strlen(PASSWORD), "REGISTER", uri, nonce, nc,
						    cnonce, "auth", want, &e),
				 SG_OK);
		assert_string_equal(want, resp);
		assert_string_equal(user, "alice");
		good++;
	}
	fclose(f);
	return good;
}

static void test_digest_sha256(void **state)
{
	struct sipp s;
	struct run ru;
	struct opts o = {0, 0, PASSWORD, 0, 0, 0};

	(void)state;
	o.port = (uint16_t)udp_port();
	sipp_start(&s, "reg_auth_sha256", 0, o.port, NULL);
	run_init(&ru, &o);
	ru.unreg_after = 1;
	run_loop(&ru, DEADLINE_MS);
	assert_false(ru.deadline_hit);
	assert_true(find(&ru, 0, SIP_REG_REGISTERED) >= 0);
	run_free(&ru);
	assert_int_equal(sipp_wait(&s), 0);
	/* the answer to the challenge and the unregistration (nc 2) */
	assert_true(check_logged_auth(s.msgs, "SHA-256") >= 2);
}

static void test_digest_without_password(void **state)
{
	struct sipp s;
	struct run ru;
	struct opts o = {0, 0, NULL, 0, 0, 0};
	int i;

	(void)state;
	o.port = (uint16_t)udp_port();
	sipp_start(&s, "reg_auth_sha256", 0, o.port, NULL);
	run_init(&ru, &o);
	run_loop(&ru, DEADLINE_MS);
	assert_false(ru.deadline_hit);
	i = find(&ru, 0, SIP_REG_FAILED);
	assert_true(i >= 0);
	assert_int_equal(ru.ev[i].code, SG_E_REFUSED);
	assert_false(ru.ev[i].will_retry);
	assert_non_null(strstr(ru.ev[i].detail, "password"));
	assert_non_null(strstr(ru.ev[i].detail, "sipp.test"));
	run_free(&ru);
	sipp_kill(&s);
}

static void test_redirect(void **state)
{
	struct sipp s1, s2;
	struct run ru;
	struct opts o = {0, 0, NULL, 0, 0, 0};
	char extra[128];
	int p2 = udp_port();

	(void)state;
	o.port = (uint16_t)udp_port();
	while (p2 == o.port)
		p2 = udp_port();
	sipp_start(&s2, "reg_ok", 0, p2, NULL);
	snprintf(extra, sizeof(extra), "-key target_port %d -key tp udp", p2);
	sipp_start(&s1, "reg_302", 0, o.port, extra);
	run_init(&ru, &o);
	ru.unreg_after = 2;
	run_loop(&ru, DEADLINE_MS);
	assert_false(ru.deadline_hit);
	assert_true(find(&ru, 0, SIP_REG_REGISTERED) >= 0);
	assert_int_equal(find(&ru, 0, SIP_REG_FAILED), -1);
	assert_int_equal(ru.ev[ru.n - 1].st, SIP_REG_UNREGISTERED);
	run_free(&ru);
	assert_int_equal(sipp_wait(&s1), 0);
	assert_int_equal(sipp_wait(&s2), 0); /* registered, refreshed, removed there */
}

static void test_403_stops(void **state)
{
	struct sipp s;
	struct run ru;
	struct opts o = {1, 0, NULL, 0, 0, 0};
	int i;

	(void)state;
	o.port = (uint16_t)udp_port();
	sipp_start(&s, "reg_403", 1, o.port, NULL);
	run_init(&ru, &o);
	run_loop(&ru, DEADLINE_MS);
	assert_false(ru.deadline_hit);
	i = find(&ru, 0, SIP_REG_FAILED);
	assert_true(i >= 0);
	assert_int_equal(ru.ev[i].code, SG_E_REFUSED);
	assert_false(ru.ev[i].will_retry);
	assert_non_null(strstr(ru.ev[i].detail, "403"));
	assert_int_equal(i, ru.n - 1); /* nothing after it */
	/* and nothing is scheduled: running the loop again returns at once */
	assert_int_equal(hal_loop_run(&ru.hal.loop), HAL_OK);
	assert_int_equal(ru.n, i + 1);
	run_free(&ru);
	assert_int_equal(sipp_wait(&s), 0);
}

static void test_503_retry_after(void **state)
{
	struct sipp s;
	struct run ru;
	struct opts o = {0, 0, NULL, 0, 0, 30 /* back-off alone would take 30+ s */};
	int f, r;

	(void)state;
	o.port = (uint16_t)udp_port();
	sipp_start(&s, "reg_503", 0, o.port, NULL);
	run_init(&ru, &o);
	ru.unreg_after = 1;
	run_loop(&ru, DEADLINE_MS);
	assert_false(ru.deadline_hit);
	f = find(&ru, 0, SIP_REG_FAILED);
	assert_true(f >= 0);
	assert_int_equal(ru.ev[f].code, SG_E_NETWORK);
	assert_true(ru.ev[f].will_retry);
	assert_int_equal(ru.ev[f].retry_ms, 2000); /* Retry-After: 2 */
	assert_non_null(strstr(ru.ev[f].detail, "503"));
	r = find(&ru, f, SIP_REG_REGISTERED);
	assert_true(r > f);
	assert_true(ru.ev[r].at - ru.ev[f].at >= 2000); /* not before it was allowed */
	run_free(&ru);
	assert_int_equal(sipp_wait(&s), 0);
}

static void test_malformed_response(void **state)
{
	struct sipp s;
	struct run ru;
	struct opts o = {0, 0, NULL, 0, 0, 0};
	int f;

	(void)state;
	o.port = (uint16_t)udp_port();
	sipp_start(&s, "reg_malformed", 0, o.port, NULL);
	run_init(&ru, &o);
	ru.stop_on_fail = 1;
	run_loop(&ru, DEADLINE_MS);
	assert_false(ru.deadline_hit);
	f = find(&ru, 0, SIP_REG_FAILED);
	assert_true(f >= 0);
	assert_int_equal(ru.ev[f].code, SG_E_MALFORMED);
	assert_true(ru.ev[f].will_retry);
	assert_non_null(strstr(ru.ev[f].detail, "malformed SIP"));
	assert_non_null(strstr(ru.ev[f].detail, "no To header"));
	run_free(&ru);
	sipp_kill(&s);
}

/* A UDP "registrar" that takes datagrams and never answers: timer E
 * retransmits, timer F ends the transaction, a retry is scheduled. */
static void test_udp_no_answer(void **state)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	struct run ru;
	struct opts o = {0, 0, NULL, 0, 50 /* T1: F after 3.2 s */, 0};
	int fd, f, got = 0;
	char buf[4096];

	(void)state;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	o.port = ntohs(a.sin_port);
	run_init(&ru, &o);
	ru.stop_on_fail = 1;
	run_loop(&ru, DEADLINE_MS);
	assert_false(ru.deadline_hit);
	f = find(&ru, 0, SIP_REG_FAILED);
	assert_true(f >= 0);
	assert_int_equal(ru.ev[f].code, SG_E_NETWORK);
	assert_non_null(strstr(ru.ev[f].detail, "timer F"));
	assert_true(ru.ev[f].will_retry);
	assert_true(ru.ev[f].retry_ms >= 1000 && ru.ev[f].retry_ms <= 2000); /* base 1 s, 1 failure */
	/* the same REGISTER came several times (E: 50, 100, 200, ... ms) */
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		got++;
	assert_true(got >= 5);
	close(fd);
	run_free(&ru);
}

/* The registrar goes away while we are registered over TCP and comes
 * back: the client reconnects and registers again. */
static void test_tcp_reconnect(void **state)
{
	struct sipp s1, s2;
	struct run ru;
	struct opts o = {1, 0, NULL, 0, 0, 0};
	int r1, f, r2;

	(void)state;
	o.port = (uint16_t)udp_port();
	sipp_start(&s1, "reg_ok", 1, o.port, NULL);
	run_init(&ru, &o);
	ru.stop_on_reg = 1;
	run_loop(&ru, DEADLINE_MS);
	assert_false(ru.deadline_hit);
	r1 = find(&ru, 0, SIP_REG_REGISTERED);
	assert_true(r1 >= 0);
	sipp_kill(&s1); /* closes the connection */
	sipp_start(&s2, "reg_ok", 1, o.port, NULL);
	ru.stop_on_reg = 0;
	ru.unreg_after = 3; /* the new registration and its refresh, then remove it */
	assert_int_equal(hal_loop_add_timer(&ru.hal.loop, DEADLINE_MS, on_deadline, &ru,
					    &ru.deadline),
			 HAL_OK);
	(void)hal_loop_run(&ru.hal.loop);
	assert_false(ru.deadline_hit);
	f = find(&ru, r1, SIP_REG_FAILED);
	assert_true(f > r1);
	assert_int_equal(ru.ev[f].code, SG_E_NETWORK);
	assert_true(ru.ev[f].will_retry);
	r2 = find(&ru, f, SIP_REG_REGISTERED);
	assert_true(r2 > f);
	assert_int_equal(ru.ev[ru.n - 1].st, SIP_REG_UNREGISTERED);
	if (ru.deadline >= 0)
		(void)hal_loop_cancel_timer(&ru.hal.loop, ru.deadline);
	run_free(&ru);
	assert_int_equal(sipp_wait(&s2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_udp),
		cmocka_unit_test(test_ok_tcp),
		cmocka_unit_test(test_423),
		cmocka_unit_test(test_digest_md5),
		cmocka_unit_test(test_digest_wrong_password),
		cmocka_unit_test(test_digest_sha256),
		cmocka_unit_test(test_digest_without_password),
		cmocka_unit_test(test_redirect),
		cmocka_unit_test(test_403_stops),
		cmocka_unit_test(test_503_retry_after),
		cmocka_unit_test(test_malformed_response),
		cmocka_unit_test(test_udp_no_answer),
		cmocka_unit_test(test_tcp_reconnect),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
