/*
 * test_sip_reg.c: the registration client's pure logic (sip/sip_reg.c,
 * sip/sip_tx.c): response classification, back-off and refresh
 * arithmetic, keep-alive intervals, the granted expiry, timer E; and the
 * retry schedule on the test port's simulated loop with the real UDP
 * transport over a device that has no network (every connect fails), so
 * no time passes for real. Talking to real registrars is
 * tests/integration/test_sip_sipp.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "port_test.h"
#include "sg_mem.h"
#include "sip_msg.h"
#include "sip_reg.h"
#include "sip_target.h"
#include "sip_transports.h"
#include "sip_tx.h"

static void test_classify(void **state)
{
	static const struct {
		int status;
		enum sip_reg_action act;
	} t[] = {
		{100, SIP_REG_ACT_WAIT},     {183, SIP_REG_ACT_WAIT},
		{200, SIP_REG_ACT_OK},       {202, SIP_REG_ACT_OK},
		{301, SIP_REG_ACT_REDIRECT}, {302, SIP_REG_ACT_REDIRECT},
		{401, SIP_REG_ACT_AUTH},     {407, SIP_REG_ACT_AUTH},
		{423, SIP_REG_ACT_INTERVAL}, {403, SIP_REG_ACT_STOP},
		{404, SIP_REG_ACT_STOP},     {603, SIP_REG_ACT_STOP},
		{604, SIP_REG_ACT_STOP},     {400, SIP_REG_ACT_RETRY},
		{408, SIP_REG_ACT_RETRY},    {480, SIP_REG_ACT_RETRY},
		{500, SIP_REG_ACT_RETRY},    {503, SIP_REG_ACT_RETRY},
		{600, SIP_REG_ACT_RETRY},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (sip_reg_classify(t[i].status) != t[i].act)
			fail_msg("%d: %d", t[i].status, sip_reg_classify(t[i].status));
}

static void test_backoff(void **state)
{
	/* libre: min(1800, 30 * 2^min(failures, 6)) s, times [0.5, 1] */
	static const struct {
		unsigned failures;
		uint32_t rnd;
		uint64_t want_ms;
	} t[] = {
		{1, 0, 30000},      {1, 500, 60000},    {1, 1002, 30000}, /* rnd wraps mod 501 */
		{2, 500, 120000},   {3, 500, 240000},   {5, 500, 960000},
		{6, 500, 1800000},  {6, 0, 900000},     {7, 500, 1800000},
		{100, 500, 1800000}, {0, 500, 30000},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (sip_reg_backoff_ms(t[i].failures, 30, 1800, t[i].rnd) != t[i].want_ms)
			fail_msg("failures %u rnd %u: %llu", t[i].failures, (unsigned)t[i].rnd,
				 (unsigned long long)sip_reg_backoff_ms(t[i].failures, 30, 1800,
									t[i].rnd));
	/* a test-sized base and cap */
	assert_int_equal(sip_reg_backoff_ms(1, 1, 4, 500), 2000);
	assert_int_equal(sip_reg_backoff_ms(4, 1, 4, 500), 4000);
	/* the jitter stays within [50%, 100%] for any random value */
	for (i = 0; i < 5000; i++) {
		uint64_t ms = sip_reg_backoff_ms(2, 30, 1800, (uint32_t)(i * 2654435761u));

		assert_true(ms >= 60000 && ms <= 120000);
	}
}

static void test_refresh_and_keepalive(void **state)
{
	(void)state;
	assert_int_equal(sip_reg_refresh_ms(600), 540000);
	assert_int_equal(sip_reg_refresh_ms(3600), 3240000);
	assert_int_equal(sip_reg_refresh_ms(4), 3600);
	assert_int_equal(sip_reg_refresh_ms(1), 1000);
	assert_int_equal(sip_reg_refresh_ms(0), 1000);
	assert_int_equal(sip_reg_refresh_ms(0xffffffffu), (uint64_t)0xffffffffu * 900u);
	/* RFC 5626 4.4.1: 80-100% of the flow timer */
	assert_int_equal(sip_reg_keepalive_ms(120, 0), 96000);
	assert_int_equal(sip_reg_keepalive_ms(120, 24000), 120000);
	assert_int_equal(sip_reg_keepalive_ms(120, 24001), 96000);
	assert_int_equal(sip_reg_keepalive_ms(1, 0), 1000);
	assert_int_equal(sip_reg_keepalive_ms(0, 7), 1000);
}

static void test_timer_e(void **state)
{
	/* RFC 3261 17.1.2.2: 500, 1000, 2000, 4000, 4000...; T2 once proceeding */
	static const uint32_t seq[] = {500, 1000, 2000, 4000, 4000};
	uint32_t e = 500;
	size_t i;

	(void)state;
	for (i = 1; i < sizeof(seq) / sizeof(seq[0]); i++) {
		e = sip_tx_next_e(e, 4000, 0);
		assert_int_equal(e, seq[i]);
	}
	assert_int_equal(sip_tx_next_e(500, 4000, 1), 4000);
	assert_int_equal(sip_tx_next_e(3000, 4000, 0), 4000);
}

#define OK_HEAD                                                                          \
	"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h.invalid;branch=z9hG4bK1\r\n"                \
	"From: <sip:alice@example.org>;tag=1\r\nTo: <sip:alice@example.org>;tag=2\r\n"    \
	"Call-ID: c\r\nCSeq: 1 REGISTER\r\n"

struct granted_case {
	const char *hdrs;
	const char *instance;
	uint32_t reg_id;
	uint32_t want;
};

static const struct granted_case granted_cases[] = {
	/* our contact's expires wins over Expires */
	{"Contact: <sip:alice@h.invalid;transport=tcp;ob>;expires=300\r\nExpires: 900\r\n", NULL,
	 0, 300},
	/* other people's contacts are not ours (the host compares in any
	 * case, the user exactly) */
	{"Contact: <sip:alice@other>;expires=30, <sip:ALICE@h.invalid;transport=tcp>;expires=77\r\n",
	 NULL, 0, 600},
	{"Contact: <sip:alice@other>;expires=30, <sip:alice@H.INVALID;transport=tcp>;expires=77\r\n",
	 NULL, 0, 77},
	{"Contact: <sip:alice@other>;expires=30\r\nExpires: 900\r\n", NULL, 0, 900},
	{"Contact: <sip:alice@other>;expires=30\r\n", NULL, 0, 600},
	{"", NULL, 0, 600},
	{"Expires: 45\r\n", NULL, 0, 45},
	/* with an instance id, the instance (and reg-id) identify us */
	{"Contact: <sip:alice@1.2.3.4:5>;expires=120;+sip.instance=\"<urn:uuid:abc>\";reg-id=1\r\n",
	 "urn:uuid:abc", 1, 120},
	{"Contact: <sip:alice@1.2.3.4:5>;expires=120;+sip.instance=\"<urn:uuid:abc>\";reg-id=2\r\n",
	 "urn:uuid:abc", 1, 600},
	{"Contact: <sip:alice@h.invalid;transport=tcp>;expires=120;+sip.instance=\"<urn:uuid:x>\"\r\n",
	 "urn:uuid:abc", 0, 600},
	/* a malformed Contact is not trusted: fall back */
	{"Contact: <sip:alice@h.invalid;expires=5\r\nExpires: 50\r\n", NULL, 0, 50},
};

static void test_granted(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(granted_cases) / sizeof(granted_cases[0]); i++) {
		const struct granted_case *c = &granted_cases[i];
		char buf[1024];
		int n = snprintf(buf, sizeof(buf), OK_HEAD "%s\r\n", c->hdrs);
		struct sip_msg m;
		struct sg_error e;

		sg_error_init(&e);
		assert_int_equal(sip_msg_parse(&m, (const uint8_t *)buf, (size_t)n, &e), SG_OK);
		if (sip_reg_granted(&m, "sip:alice@h.invalid;transport=tcp", c->instance, c->reg_id,
				    600) != c->want)
			fail_msg("case %zu: %u", i,
				 (unsigned)sip_reg_granted(&m, "sip:alice@h.invalid;transport=tcp",
							   c->instance, c->reg_id, 600));
	}
}

/* ---- the client on the simulated loop, without a network ------------- */

struct seen {
	int n;
	enum sip_reg_state st[32];
	uint32_t retry_ms[32];
	int will_retry[32];
	int failover[32], resolution[32], failback[32];
	uint64_t at[32];
	struct port_test *pt;
	char detail[512];
};

static void on_state(const struct sip_reg_info *info, void *arg)
{
	struct seen *s = arg;

	if (s->n < 32) {
		s->st[s->n] = info->state;
		s->retry_ms[s->n] = info->retry_ms;
		s->will_retry[s->n] = info->will_retry;
		s->failover[s->n] = info->failover;
		s->resolution[s->n] = info->resolution;
		s->failback[s->n] = info->failback;
		s->at[s->n] = port_test_clock_mono(s->pt);
		if (info->err)
			snprintf(s->detail, sizeof(s->detail), "%s", info->err->detail);
		s->n++;
	}
}

static void test_retry_schedule_without_network(void **state)
{
	struct port_test *pt = port_test_new();
	struct hal hal;
	struct sip_tp *tp = NULL;
	struct sip_reg *r = NULL;
	struct sip_reg_cfg cfg;
	struct seen s;
	struct sg_error e;
	int i, fails = 0;

	(void)state;
	assert_non_null(pt);
	port_test_hal(pt, &hal); /* net is unset: every connect says HAL_ENOTSUP */
	memset(&s, 0, sizeof(s));
	s.pt = pt;
	sg_error_init(&e);
	assert_int_equal(sip_tp_udp_new(&hal, &tp, &e), SG_OK);
	memset(&cfg, 0, sizeof(cfg));
	cfg.registrar_host = "registrar.example";
	cfg.registrar_port = 5060;
	cfg.tp = tp;
	cfg.aor = "sip:alice@example.org";
	cfg.on_state = on_state;
	cfg.arg = &s;
	assert_int_equal(sip_reg_new(&r, &hal, &cfg, &e), SG_OK);
	assert_int_equal(sip_reg_start(r, &e), SG_OK);
	/* 3 simulated hours: failures back off 30-60 s, 60-120 s, ... up to 30 min */
	(void)port_test_loop_run_for(pt, 3u * 3600u * 1000u);
	assert_true(s.n >= 8);
	assert_int_equal(s.st[0], SIP_REG_REGISTERING);
	for (i = 0; i < s.n; i++) {
		if (s.st[i] != SIP_REG_FAILED)
			continue;
		fails++;
		assert_true(s.will_retry[i]);
		assert_true(s.retry_ms[i] >= sip_reg_backoff_ms((unsigned)fails, 30, 1800, 0));
		assert_true(s.retry_ms[i] <= sip_reg_backoff_ms((unsigned)fails, 30, 1800, 500));
		/* the next attempt comes when announced */
		if (i + 1 < s.n)
			assert_int_equal(s.at[i + 1] - s.at[i], s.retry_ms[i]);
	}
	assert_true(fails >= 4);
	assert_non_null(strstr(s.detail, "registrar.example:5060"));
	assert_non_null(strstr(s.detail, "no network"));

	/* stopping with nothing registered: UNREGISTERED at once, then idle */
	s.n = 0;
	assert_int_equal(sip_reg_stop(r, 1000, &e), SG_OK);
	assert_int_equal(port_test_loop_run_for(pt, 3600u * 1000u), HAL_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.st[0], SIP_REG_UNREGISTERED);
	assert_int_equal(port_test_loop_timers(pt), 0);
	sip_reg_free(r);
	tp->ops->destroy(tp->ctx);
	port_test_free(pt);
	assert_int_equal(sg_mem_current(), 0);
}

/* RFC 3263 targets (cfg.resolve) on a device without network: every
 * connect fails. The first target's failure moves to the second at once
 * (a failover report, no back-off); the back-off comes only after both
 * failed, and the next attempt resolves again. NXDOMAIN is a retried
 * network failure naming the query. */
static void test_failover_between_targets(void **state)
{
	struct port_test *pt = port_test_new();
	struct hal hal;
	struct sip_tp *tp = NULL;
	struct sip_reg *r = NULL;
	struct sip_reg_cfg cfg;
	struct seen s;
	struct sg_error e;
	const struct sip_target_list *l;
	size_t cur = 9;

	(void)state;
	assert_non_null(pt);
	port_test_hal(pt, &hal);
	assert_int_equal(port_test_dns(pt, "SRV _sips._tcp.example.org 10 0 5061 a.example.org 300\n"
					   "SRV _sips._tcp.example.org 20 0 5062 b.example.org 300\n"
					   "A a.example.org 192.0.2.1 300\n"
					   "A b.example.org 192.0.2.2 300\n"
					   "NXDOMAIN nx.example\n"),
			 0);
	memset(&s, 0, sizeof(s));
	s.pt = pt;
	sg_error_init(&e);
	assert_int_equal(sip_tp_udp_new(&hal, &tp, &e), SG_OK);
	memset(&cfg, 0, sizeof(cfg));
	cfg.registrar_host = "example.org";
	cfg.resolve = 1;
	cfg.tp = tp;
	cfg.aor = "sips:alice@example.org";
	cfg.on_state = on_state;
	cfg.arg = &s;
	assert_int_equal(sip_reg_new(&r, &hal, &cfg, &e), SG_OK);
	l = sip_reg_targets(r, &cur);
	assert_non_null(l);
	assert_int_equal(l->n, 0);
	assert_int_equal(sip_reg_start(r, &e), SG_OK);
	/* up to the first back-off: REGISTERING, FAILED (a: failover),
	 * REGISTERING (b), FAILED (b: back-off) */
	while (s.n < 4 && port_test_loop_run_for(pt, 1000) == HAL_OK && port_test_clock_mono(pt) < 60000)
		;
	assert_int_equal(s.n, 4);
	assert_int_equal(s.st[0], SIP_REG_REGISTERING);
	assert_int_equal(s.st[1], SIP_REG_FAILED);
	assert_int_equal(s.st[2], SIP_REG_REGISTERING);
	assert_int_equal(s.st[3], SIP_REG_FAILED);
	/* the second target was tried at once: the same simulated instant */
	assert_int_equal(s.retry_ms[1], 0);
	assert_true(s.will_retry[1]);
	assert_true(s.failover[1]);
	assert_false(s.failover[3]);
	assert_false(s.resolution[1] || s.resolution[3]);
	assert_true(s.at[3] == s.at[1]);
	assert_true(s.will_retry[3]);
	assert_true(s.retry_ms[3] >= sip_reg_backoff_ms(1, 30, 1800, 0));
	assert_true(s.retry_ms[3] <= sip_reg_backoff_ms(1, 30, 1800, 500));
	l = sip_reg_targets(r, &cur);
	assert_int_equal(l->n, 0); /* all failed: resolved again next time */
	assert_non_null(strstr(s.detail, "192.0.2.2:5062"));
	/* the next attempt resolves again, then fails over again */
	assert_non_null(strstr(port_test_dns_log(pt), "SRV _sips._tcp.example.org"));
	{
		const char *log, *p;
		int srv = 0;

		(void)port_test_loop_run_for(pt, s.retry_ms[3] + 1000);
		log = port_test_dns_log(pt);
		for (p = log; (p = strstr(p, "SRV _sips._tcp.example.org")) != NULL; p++)
			srv++;
		if (srv != 2)
			fail_msg("%d SRV queries: %s", srv, log);
	}
	assert_int_equal(sip_reg_stop(r, 1000, &e), SG_OK);
	(void)port_test_loop_run_for(pt, 3600u * 1000u);
	sip_reg_free(r);

	/* NXDOMAIN: a retried SG_E_NETWORK failure naming the query */
	memset(&s, 0, sizeof(s));
	s.pt = pt;
	cfg.registrar_host = "nx.example";
	cfg.aor = "sips:alice@nx.example";
	assert_int_equal(sip_reg_new(&r, &hal, &cfg, &e), SG_OK);
	assert_int_equal(sip_reg_start(r, &e), SG_OK);
	while (s.n < 2 && port_test_loop_run_for(pt, 1000) == HAL_OK && port_test_clock_mono(pt) < 7200000)
		;
	assert_true(s.n >= 2);
	assert_int_equal(s.st[1], SIP_REG_FAILED);
	assert_true(s.will_retry[1]);
	assert_true(s.retry_ms[1] > 0);
	assert_true(s.resolution[1]);
	assert_false(s.failover[1]);
	assert_non_null(strstr(s.detail, "nx.example"));
	assert_non_null(strstr(s.detail, "NXDOMAIN"));
	sip_reg_free(r);
	tp->ops->destroy(tp->ctx);
	port_test_free(pt);
	assert_int_equal(sg_mem_current(), 0);
}

/* ---- a scripted registrar transport: RFC 3263 targets that refuse or
 * answer 200, on the simulated loop ------------------------------------- */

struct stp {
	struct sip_tp tp;
	const struct hal *hal;
	char host[64];      /* the address opened */
	char down[64];      /* an address that refuses the connection ("": none) */
	int up, timer, opens;
	char resp[1024];
	size_t resp_len;
};

static void stp_fire(void *arg)
{
	struct stp *t = arg;
	struct sg_error e;

	t->timer = -1;
	if (t->resp_len) {
		size_t n = t->resp_len;

		t->resp_len = 0;
		t->tp.on_msg((const uint8_t *)t->resp, n, t->tp.arg);
		return;
	}
	if (t->down[0] && !strcmp(t->host, t->down)) {
		sg_error_init(&e);
		sg_error_set(&e, SG_E_NETWORK, "TLS connect to %s: connection refused", t->host);
		t->tp.on_event(SIP_TP_DOWN, &e, t->tp.arg);
		return;
	}
	t->up = 1;
	t->tp.on_event(SIP_TP_UP, NULL, t->tp.arg);
}

static sg_err stp_open(void *ctx, const char *host, uint16_t port, int timeout_ms,
		       struct sg_error *e)
{
	struct stp *t = ctx;

	(void)port, (void)timeout_ms, (void)e;
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->opens++;
	(void)hal_loop_add_timer(&t->hal->loop, 10, stp_fire, t, &t->timer);
	return SG_OK;
}

/* Copies the request's header line "name: ...\r\n" into out. */
static void stp_hdr(const char *req, const char *name, char *out, size_t cap)
{
	const char *p = strstr(req, name), *end = p ? strstr(p + 2, "\r\n") : NULL;
	size_t used = strlen(out);

	if (p && end && used + (size_t)(end - p) + 1 < cap) {
		memcpy(out + used, p + 2, (size_t)(end - p));
		out[used + (size_t)(end - p)] = 0;
	}
}

static sg_err stp_send(void *ctx, const uint8_t *buf, size_t len, struct sg_error *e)
{
	struct stp *t = ctx;
	char req[4096];

	(void)e;
	if (!t->up || len >= sizeof(req))
		return sg_error_set(e, SG_E_NETWORK, "down");
	memcpy(req, buf, len);
	req[len] = 0;
	snprintf(t->resp, sizeof(t->resp), "SIP/2.0 200 OK\r\n");
	stp_hdr(req, "\r\nVia:", t->resp, sizeof(t->resp));
	stp_hdr(req, "\r\nFrom:", t->resp, sizeof(t->resp));
	stp_hdr(req, "\r\nTo:", t->resp, sizeof(t->resp));
	stp_hdr(req, "\r\nCall-ID:", t->resp, sizeof(t->resp));
	stp_hdr(req, "\r\nCSeq:", t->resp, sizeof(t->resp));
	snprintf(t->resp + strlen(t->resp), sizeof(t->resp) - strlen(t->resp),
		 "Expires: 60\r\nContent-Length: 0\r\n\r\n");
	t->resp_len = strlen(t->resp);
	(void)hal_loop_add_timer(&t->hal->loop, 10, stp_fire, t, &t->timer);
	return SG_OK;
}

static void stp_close(void *ctx)
{
	struct stp *t = ctx;

	if (t->timer >= 0)
		(void)hal_loop_cancel_timer(&t->hal->loop, t->timer);
	t->timer = -1;
	t->up = 0;
	t->resp_len = 0;
}

static const char *stp_name(void *ctx)
{
	(void)ctx;
	return "TLS";
}

static const char *stp_local(void *ctx)
{
	(void)ctx;
	return "192.0.2.9:5555";
}

static void stp_destroy(void *ctx)
{
	stp_close(ctx);
}

static const struct sip_tp_ops stp_ops = {stp_open, stp_send, stp_close, stp_name, stp_local,
					  stp_destroy};

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* The scripted registrar behind SRV a.example.org (priority 10, 192.0.2.1,
 * TTL 300) and b.example.org (20, 192.0.2.2, TTL 600), a refusing: a client
 * (expires 60) started and run until it is registered on b. */
static struct sip_reg *registered_on_b(struct port_test *pt, struct hal *hal, struct stp *t,
				       struct seen *s)
{
	struct sip_reg *r = NULL;
	struct sip_reg_cfg cfg;
	struct sg_error e;
	size_t cur = 9;

	assert_non_null(pt);
	port_test_hal(pt, hal);
	assert_int_equal(port_test_dns(pt, "SRV _sips._tcp.example.org 10 0 5061 a.example.org 300\n"
					   "SRV _sips._tcp.example.org 20 0 5062 b.example.org 600\n"
					   "A a.example.org 192.0.2.1 900\n"
					   "A b.example.org 192.0.2.2 900\n"),
			 0);
	memset(t, 0, sizeof(*t));
	t->tp.ops = &stp_ops;
	t->tp.ctx = t;
	t->tp.kind = SIP_TP_TLS;
	t->tp.reliable = 1;
	t->hal = hal;
	t->timer = -1;
	snprintf(t->down, sizeof(t->down), "192.0.2.1");
	memset(s, 0, sizeof(*s));
	s->pt = pt;
	sg_error_init(&e);
	memset(&cfg, 0, sizeof(cfg));
	cfg.registrar_host = "example.org";
	cfg.resolve = 1;
	cfg.tp = &t->tp;
	cfg.aor = "sips:alice@example.org";
	cfg.expires = 60;
	cfg.on_state = on_state;
	cfg.arg = s;
	assert_int_equal(sip_reg_new(&r, hal, &cfg, &e), SG_OK);
	assert_int_equal(sip_reg_start(r, &e), SG_OK);
	(void)port_test_loop_run_for(pt, 5000);
	sip_reg_targets(r, &cur);
	assert_int_equal(cur, 1);
	assert_int_equal(s->st[s->n - 1], SIP_REG_REGISTERED);
	return r;
}

/* Registered on the second target because the first refuses; at each
 * refresh (every 54 s for 60 s granted) the first is tried again (a
 * failback report, then the refresh on the current one at the same
 * instant: no back-off); once the first answers, the registration moves
 * there (REGISTERED with failback). The target list is reused for its
 * smallest TTL (300 s): one DNS query set per TTL, not per refresh. */
static void test_failback_and_ttl(void **state)
{
	struct port_test *pt = port_test_new();
	struct hal hal;
	struct stp t;
	struct sip_reg *r;
	struct seen s;
	struct sg_error e;
	const struct sip_target_list *l;
	size_t cur = 9;
	int i, fb_fail = 0, last_reg = 0;

	(void)state;
	sg_error_init(&e);
	/* a refuses: registered on b */
	r = registered_on_b(pt, &hal, &t, &s);
	l = sip_reg_targets(r, &cur);
	assert_int_equal(l->n, 2);
	assert_string_equal(t.host, "192.0.2.2");
	assert_string_equal(t.tp.target_name, "b.example.org");
	assert_int_equal(count(port_test_dns_log(pt), "SRV _sips._tcp.example.org"), 1);

	/* two refreshes with a still down: failback tried, refresh on b at once */
	s.n = 0;
	(void)port_test_loop_run_for(pt, 2 * 54000);
	for (i = 0; i < s.n; i++) {
		if (s.st[i] == SIP_REG_FAILED) {
			assert_true(s.failover[i] && s.will_retry[i] && s.failback[i]);
			assert_int_equal(s.retry_ms[i], 0);
			fb_fail++;
		}
		if (s.st[i] == SIP_REG_REGISTERED) {
			assert_false(s.failback[i]); /* stayed on b */
			if (i > 0 && s.st[i - 1] != SIP_REG_REGISTERED)
				assert_true(s.at[i] - s.at[i - 1] < 1000); /* no back-off */
		}
	}
	assert_int_equal(fb_fail, 2);
	assert_non_null(strstr(s.detail, "192.0.2.1"));
	sip_reg_targets(r, &cur);
	assert_int_equal(cur, 1);
	assert_int_equal(s.st[s.n - 1], SIP_REG_REGISTERED);

	/* a is back: the next refresh moves the registration there */
	t.down[0] = 0;
	s.n = 0;
	memset(s.st, 0, sizeof(s.st));
	(void)port_test_loop_run_for(pt, 54000);
	for (i = 0; i < s.n; i++)
		if (s.st[i] == SIP_REG_REGISTERED)
			last_reg = i;
	assert_int_equal(s.st[last_reg], SIP_REG_REGISTERED);
	sip_reg_targets(r, &cur);
	assert_int_equal(cur, 0);
	assert_string_equal(t.host, "192.0.2.1");
	assert_true(s.failback[last_reg]); /* the move is reported */
	/* 162 s so far, 3 refreshes: still the one resolution */
	assert_int_equal(count(port_test_dns_log(pt), "SRV _sips._tcp.example.org"), 1);
	/* past the smallest TTL (300 s): the refresh at 324 s resolves again, once */
	(void)port_test_loop_run_for(pt, 400000 - port_test_clock_mono(pt));
	assert_int_equal(count(port_test_dns_log(pt), "SRV _sips._tcp.example.org"), 2);
	sip_reg_targets(r, &cur);
	assert_int_equal(cur, 0);
	assert_int_equal(s.st[s.n - 1], SIP_REG_REGISTERED);

	assert_int_equal(sip_reg_stop(r, 1000, &e), SG_OK);
	(void)port_test_loop_run_for(pt, 10000);
	sip_reg_free(r);
	stp_destroy(&t);
	port_test_free(pt);
	assert_int_equal(sg_mem_current(), 0);
}

/* Registered on the last target of the list (b: a refused); b's
 * connection is lost and b refuses from then on while a answers again:
 * after the one immediate reconnect to b, a is tried at once (the attempt
 * wraps round the list) instead of a back-off. */
static void test_last_target_lost_tries_the_first(void **state)
{
	struct port_test *pt = port_test_new();
	struct hal hal;
	struct stp t;
	struct sip_reg *r;
	struct seen s;
	struct sg_error e, lost;
	size_t cur = 9;
	uint64_t t0;
	int i;

	(void)state;
	sg_error_init(&e);
	r = registered_on_b(pt, &hal, &t, &s);

	/* b's flow drops; from now on b refuses and a answers */
	snprintf(t.down, sizeof(t.down), "192.0.2.2");
	s.n = 0;
	t0 = port_test_clock_mono(pt);
	sg_error_init(&lost);
	sg_error_set(&lost, SG_E_NETWORK, "connection to 192.0.2.2:5062 lost");
	t.up = 0;
	t.tp.on_event(SIP_TP_DOWN, &lost, t.tp.arg);
	(void)port_test_loop_run_for(pt, 5000);
	sip_reg_targets(r, &cur);
	assert_int_equal(cur, 0);
	assert_string_equal(t.host, "192.0.2.1");
	assert_int_equal(s.st[s.n - 1], SIP_REG_REGISTERED);
	assert_true(s.at[s.n - 1] - t0 < 1000); /* simulated time: no 30 s back-off */
	for (i = 0; i < s.n; i++)
		if (s.st[i] == SIP_REG_FAILED)
			assert_int_equal(s.retry_ms[i], 0);

	assert_int_equal(sip_reg_stop(r, 1000, &e), SG_OK);
	(void)port_test_loop_run_for(pt, 10000);
	sip_reg_free(r);
	stp_destroy(&t);
	port_test_free(pt);
	assert_int_equal(sg_mem_current(), 0);
}

struct cfg_case {
	const char *host, *aor, *instance, *contact_user;
	sg_err err;
};

static const struct cfg_case cfg_cases[] = {
	{"h", "sip:alice@example.org", NULL, NULL, SG_OK},
	{"h", "sips:alice@example.org:5061", "00000000-0000-1000-8000-000A95A0E128", NULL, SG_OK},
	{NULL, "sip:alice@example.org", NULL, NULL, SG_E_CONFIG},
	{"", "sip:alice@example.org", NULL, NULL, SG_E_CONFIG},
	{"h", "sip:example.org", NULL, NULL, SG_E_CONFIG},
	{"h", "tel:+123", NULL, NULL, SG_E_CONFIG},
	{"h", "alice@example.org", NULL, NULL, SG_E_CONFIG},
	{"h", "sip:alice@example.org", "bad\"uuid", NULL, SG_E_CONFIG},
	{"h", "sip:alice@example.org", NULL, "a@b", SG_E_CONFIG},
	{"h x", "sip:alice@example.org", NULL, NULL, SG_E_CONFIG},
};

#if SIGNET_SIP_FLOWS > 1 /* a board built with one flow has no sip_reg_avoid */
/* [sip] flows = 2 (sip_reg_avoid): a transport that only records where it
 * was asked to connect (never up). Flow 2 leaves out the target flow 1 is
 * connecting to, whichever order the weighted choice gave; with one target
 * only, both flows go to it. */
struct hold_tp {
	char host[64];
	uint16_t port;
	int opens;
};

static sg_err hold_open(void *ctx, const char *host, uint16_t port, int timeout_ms,
			struct sg_error *e)
{
	struct hold_tp *h = ctx;

	(void)timeout_ms;
	(void)e;
	snprintf(h->host, sizeof(h->host), "%s", host);
	h->port = port;
	h->opens++;
	return SG_OK;
}

static sg_err hold_send(void *ctx, const uint8_t *buf, size_t len, struct sg_error *e)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return sg_error_set(e, SG_E_NETWORK, "down");
}

static void hold_nop(void *ctx)
{
	(void)ctx;
}

static const char *hold_name(void *ctx)
{
	(void)ctx;
	return "TLS";
}

static const struct sip_tp_ops hold_ops = {hold_open, hold_send, hold_nop, hold_name, NULL,
					   hold_nop};

static void two_flows(const char *script, const char *want1, const char *want2)
{
	struct port_test *pt = port_test_new();
	struct hal hal;
	struct hold_tp h[2];
	struct sip_tp tp[2];
	struct sip_reg *r[2] = {NULL, NULL};
	struct sip_reg_cfg cfg;
	struct seen s[2];
	struct sg_error e;

	assert_non_null(pt);
	port_test_hal(pt, &hal);
	assert_int_equal(port_test_dns(pt, script), 0);
	memset(h, 0, sizeof(h));
	memset(s, 0, sizeof(s));
	sg_error_init(&e);
	for (int i = 0; i < 2; i++) {
		memset(&tp[i], 0, sizeof(tp[i]));
		tp[i].ops = &hold_ops;
		tp[i].ctx = &h[i];
		tp[i].kind = SIP_TP_TLS;
		tp[i].reliable = 1;
		s[i].pt = pt;
		memset(&cfg, 0, sizeof(cfg));
		cfg.registrar_host = "example.org";
		cfg.resolve = 1;
		cfg.tp = &tp[i];
		cfg.aor = "sips:alice@example.org";
		cfg.instance = "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8";
		cfg.reg_id = (uint32_t)i + 1;
		cfg.outbound = 1;
		cfg.on_state = on_state;
		cfg.arg = &s[i];
		assert_int_equal(sip_reg_new(&r[i], &hal, &cfg, &e), SG_OK);
	}
	sip_reg_avoid(r[0], r[1]);
	sip_reg_avoid(r[1], r[0]);
	assert_int_equal(sip_reg_start(r[0], &e), SG_OK);
	while (!h[0].opens && port_test_loop_run_for(pt, 100) == HAL_OK &&
	       port_test_clock_mono(pt) < 5000)
		;
	assert_int_equal(h[0].opens, 1);
	assert_int_equal(sip_reg_start(r[1], &e), SG_OK);
	while (!h[1].opens && port_test_loop_run_for(pt, 100) == HAL_OK &&
	       port_test_clock_mono(pt) < 10000)
		;
	assert_int_equal(h[1].opens, 1);
	if (want1)
		assert_string_equal(h[0].host, want1);
	if (want2)
		assert_string_equal(h[1].host, want2);
	else
		assert_string_not_equal(h[0].host, h[1].host);
	for (int i = 0; i < 2; i++)
		sip_reg_free(r[i]);
	port_test_free(pt);
}

static void test_two_flows_two_targets(void **state)
{
	static const char two[] = "SRV _sips._tcp.example.org 10 50 5061 a.example.org 300\n"
				  "SRV _sips._tcp.example.org 10 50 5061 b.example.org 300\n"
				  "A a.example.org 192.0.2.1 300\n"
				  "A b.example.org 192.0.2.2 300\n";

	(void)state;
	/* equal weights: whichever flow 1 got, flow 2 goes to the other */
	for (int i = 0; i < 20; i++)
		two_flows(two, NULL, NULL);
	/* one target: both flows share it */
	two_flows("SRV _sips._tcp.example.org 10 0 5061 a.example.org 300\n"
		  "A a.example.org 192.0.2.1 300\n",
		  "192.0.2.1", "192.0.2.1");
}
#endif

static void test_config(void **state)
{
	struct port_test *pt = port_test_new();
	struct hal hal;
	struct sip_tp *tp = NULL;
	size_t i;

	(void)state;
	port_test_hal(pt, &hal);
	assert_int_equal(sip_tp_tcp_new(&hal, &tp, NULL), SG_OK);
	for (i = 0; i < sizeof(cfg_cases) / sizeof(cfg_cases[0]); i++) {
		struct sip_reg_cfg cfg;
		struct sip_reg *r = NULL;
		struct sg_error e;
		static const char pw[] = "pw";

		memset(&cfg, 0, sizeof(cfg));
		cfg.registrar_host = cfg_cases[i].host;
		cfg.aor = cfg_cases[i].aor;
		cfg.instance = cfg_cases[i].instance;
		cfg.contact_user = cfg_cases[i].contact_user;
		cfg.tp = tp;
		cfg.password = pw;
		cfg.password_len = 2;
		sg_error_init(&e);
		if (sip_reg_new(&r, &hal, &cfg, &e) != cfg_cases[i].err)
			fail_msg("case %zu: %s", i, e.detail);
		if (cfg_cases[i].err)
			assert_null(r);
		sip_reg_free(r);
	}
	tp->ops->destroy(tp->ctx);
	port_test_free(pt);
	assert_int_equal(sg_mem_current(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_refresh_and_keepalive),
		cmocka_unit_test(test_timer_e),
		cmocka_unit_test(test_granted),
		cmocka_unit_test(test_retry_schedule_without_network),
		cmocka_unit_test(test_failover_between_targets),
		cmocka_unit_test(test_failback_and_ttl),
		cmocka_unit_test(test_last_target_lost_tries_the_first),
#if SIGNET_SIP_FLOWS > 1
		cmocka_unit_test(test_two_flows_two_targets),
#endif
		cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
