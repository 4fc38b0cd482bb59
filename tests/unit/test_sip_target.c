/*
 * test_sip_target.c: RFC 3263 target selection (sip/sip_target.c) on the
 * test port's scripted resolver and simulated loop: NAPTR, SRV, A/AAAA
 * fallbacks, priorities, RFC 2782 weights (statistical bounds over a
 * fixed-seed stream, so they cannot flake), TTLs, NXDOMAIN, no records, a
 * server that does not answer (bounded), no resolver at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "port_test.h"
#include "sip_target.h"

struct res {
	int called;
	sg_err err;
	struct sg_error e;
	struct sip_target_list l;
};

static void on_done(void *arg, sg_err err, const struct sg_error *e,
		    const struct sip_target_list *l)
{
	struct res *r = arg;

	r->called++;
	r->err = err;
	r->e = *e;
	r->l = *l;
}

/* Resolves domain with script on a fresh port; fills *out. Returns the
 * simulated time it took. */
static uint64_t resolve(const char *script, const char *domain, uint32_t timeout_ms,
			struct res *out, char *log, size_t logcap)
{
	struct port_test *pt = port_test_new();
	struct sip_target_res *r = NULL;
	struct sg_error e;
	struct hal hal;
	uint64_t t0;

	assert_non_null(pt);
	port_test_hal(pt, &hal);
	if (script)
		assert_int_equal(port_test_dns(pt, script), 0);
	memset(out, 0, sizeof(*out));
	sg_error_init(&e);
	t0 = port_test_clock_mono(pt);
	assert_int_equal(sip_target_resolve(&r, &hal, domain, timeout_ms, on_done, out, &e), SG_OK);
	assert_int_equal(out->called, 0); /* never from inside resolve */
	assert_int_equal(hal_loop_run(&hal.loop), HAL_OK);
	assert_int_equal(out->called, 1);
	t0 = port_test_clock_mono(pt) - t0;
	if (log)
		snprintf(log, logcap, "%s", port_test_dns_log(pt));
	sip_target_free(r);
	port_test_free(pt);
	return t0;
}

static const char *full =
	"NAPTR example.test 20 10 s SIPS+D2T _sips._tcp.b.example.test 600\n"
	"NAPTR example.test 10 10 s SIPS+D2T _sips._tcp.example.test 300\n"
	"NAPTR example.test 5 10 s SIP+D2U _sip._udp.example.test 300\n"
	"SRV _sips._tcp.example.test 20 0 5062 backup.example.test 100\n"
	"SRV _sips._tcp.example.test 10 50 5061 one.example.test 900\n"
	"A one.example.test 127.0.0.2 60\n"
	"AAAA one.example.test ::2 30\n"
	"A backup.example.test 127.0.0.3 60\n";

static void test_naptr_srv(void **state)
{
	struct res r;
	char log[512];

	(void)state;
	resolve(full, "example.test", 5000, &r, log, sizeof(log));
	assert_int_equal(r.err, SG_OK);
	/* The SIPS+D2T NAPTR with the lowest order wins; UDP is not ours. */
	assert_string_equal(log, "NAPTR example.test\n"
				 "SRV _sips._tcp.example.test\n"
				 "A one.example.test\nAAAA one.example.test\n"
				 "A backup.example.test\nAAAA backup.example.test\n");
	assert_int_equal(r.l.n, 3);
	assert_string_equal(r.l.t[0].addr, "127.0.0.2");
	assert_string_equal(r.l.t[0].name, "one.example.test");
	assert_int_equal(r.l.t[0].port, 5061);
	assert_int_equal(r.l.t[0].ttl, 60);  /* min(NAPTR 300, SRV 900, A 60) */
	assert_string_equal(r.l.t[1].addr, "::2");
	assert_int_equal(r.l.t[1].ttl, 30);
	assert_string_equal(r.l.t[2].addr, "127.0.0.3");
	assert_int_equal(r.l.t[2].port, 5062);
	assert_int_equal(r.l.t[2].ttl, 60);
	assert_non_null(strstr(r.l.trace, "SRV _sips._tcp.example.test: one.example.test:5061"));
}

/* The first NAPTR's SRV name is empty: the next NAPTR's is used. */
static void test_naptr_next(void **state)
{
	struct res r;

	(void)state;
	resolve("NAPTR example.test 10 10 s SIPS+D2T _sips._tcp.gone.example.test 300\n"
		"NAPTR example.test 20 10 S sips+d2t _sips._tcp.example.test 300\n"
		"SRV _sips._tcp.example.test 10 50 5061 one.example.test 900\n"
		"A one.example.test 127.0.0.2 60\n",
		"example.test", 5000, &r, NULL, 0);
	assert_int_equal(r.err, SG_OK);
	assert_int_equal(r.l.n, 1);
	assert_string_equal(r.l.t[0].addr, "127.0.0.2");
}

/* No NAPTR: SRV _sips._tcp; no SRV either: A/AAAA of the domain on 5061. */
static void test_fallbacks(void **state)
{
	struct res r;
	char log[512];

	(void)state;
	resolve("SRV _sips._tcp.example.test 10 50 5070 one.example.test 900\n"
		"A one.example.test 127.0.0.2 60\n",
		"example.test", 5000, &r, log, sizeof(log));
	assert_int_equal(r.err, SG_OK);
	assert_int_equal(r.l.n, 1);
	assert_int_equal(r.l.t[0].port, 5070);
	assert_string_equal(log, "NAPTR example.test\nSRV _sips._tcp.example.test\n"
				 "A one.example.test\nAAAA one.example.test\n");

	resolve("A example.test 127.0.0.9 60\nAAAA example.test ::9 60\n", "example.test", 5000, &r,
		log, sizeof(log));
	assert_int_equal(r.err, SG_OK);
	assert_int_equal(r.l.n, 2);
	assert_string_equal(r.l.t[0].addr, "127.0.0.9");
	assert_string_equal(r.l.t[0].name, "example.test");
	assert_int_equal(r.l.t[0].port, 5061);
	assert_string_equal(r.l.t[1].addr, "::9");
	assert_string_equal(log, "NAPTR example.test\nSRV _sips._tcp.example.test\n"
				 "A example.test\nAAAA example.test\n");
}

static void test_nxdomain(void **state)
{
	struct res r;

	(void)state;
	resolve("NXDOMAIN nx.example.test\n", "nx.example.test", 5000, &r, NULL, 0);
	assert_int_equal(r.err, SG_E_NETWORK);
	assert_int_equal(r.e.code, SG_E_NETWORK);
	assert_non_null(strstr(r.e.detail, "NAPTR nx.example.test: no such domain (NXDOMAIN)"));
	assert_int_equal(r.l.n, 0);
}

static void test_no_records(void **state)
{
	struct res r;

	(void)state;
	/* The name exists (it has a TXT-like record the script knows as an
	 * SRV elsewhere), but nothing usable: an SRV whose target is "." */
	resolve("SRV _sips._tcp.example.test 0 0 0 . 300\nA other.example.test 127.0.0.1 1\n",
		"example.test", 5000, &r, NULL, 0);
	assert_int_equal(r.err, SG_E_NETWORK);
	assert_non_null(strstr(r.e.detail, "not offered"));

	/* SRV targets without addresses. */
	resolve("SRV _sips._tcp.example.test 10 1 5061 noaddr.example.test 300\n"
		"NXDOMAIN noaddr.example.test\n",
		"example.test", 5000, &r, NULL, 0);
	assert_int_equal(r.err, SG_E_NETWORK);
	assert_non_null(strstr(r.e.detail, "no registrar found for example.test"));
	assert_non_null(strstr(r.e.detail, "noaddr.example.test"));
}

/* A server that does not answer: bounded by the resolution's timeout. */
static void test_timeout(void **state)
{
	struct res r;
	uint64_t took;

	(void)state;
	took = resolve("TIMEOUT example.test\n", "example.test", 3000, &r, NULL, 0);
	assert_int_equal(r.err, SG_E_NETWORK);
	assert_non_null(strstr(r.e.detail, "NAPTR example.test: the DNS server did not answer"));
	assert_true(took <= 3000);

	/* Addresses that time out one after another still end by the deadline. */
	took = resolve("SRV _sips._tcp.example.test 10 1 5061 a.slow.test 300\n"
		       "SRV _sips._tcp.example.test 20 1 5061 b.slow.test 300\n"
		       "TIMEOUT a.slow.test\nTIMEOUT b.slow.test\n",
		       "example.test", 3000, &r, NULL, 0);
	assert_int_equal(r.err, SG_E_NETWORK);
	assert_true(took <= 3000);
	assert_non_null(strstr(r.e.detail, "a.slow.test"));
}

static void test_literal_and_no_resolver(void **state)
{
	struct res r;
	char log[64];

	(void)state;
	resolve("", "192.0.2.7", 5000, &r, log, sizeof(log));
	assert_int_equal(r.err, SG_OK);
	assert_int_equal(r.l.n, 1);
	assert_string_equal(r.l.t[0].addr, "192.0.2.7");
	assert_string_equal(log, ""); /* no query */

	resolve(NULL, "example.test", 5000, &r, NULL, 0); /* no resolver (ENOTSUP) */
	assert_int_equal(r.err, SG_OK);
	assert_int_equal(r.l.n, 1);
	assert_string_equal(r.l.t[0].name, "example.test");
	assert_string_equal(r.l.t[0].addr, "");
	assert_int_equal(r.l.t[0].port, 5061);
}

/* Priorities first, whatever the weights. */
static void test_order_priority(void **state)
{
	struct port_test *pt = port_test_new();
	struct hal hal;
	struct hal_dns_rr rr[4];
	int i;

	(void)state;
	port_test_hal(pt, &hal);
	for (i = 0; i < 200; i++) {
		memset(rr, 0, sizeof(rr));
		rr[0].priority = 30, rr[0].weight = 1000, snprintf(rr[0].target, 8, "c");
		rr[1].priority = 10, rr[1].weight = 1, snprintf(rr[1].target, 8, "a");
		rr[2].priority = 20, rr[2].weight = 0, snprintf(rr[2].target, 8, "b");
		rr[3].priority = 5, rr[3].weight = 0, snprintf(rr[3].target, 8, ".");
		assert_int_equal(sip_target_order_srv(rr, 4, &hal.rng), 3);
		assert_string_equal(rr[0].target, "a");
		assert_string_equal(rr[1].target, "b");
		assert_string_equal(rr[2].target, "c");
	}
	port_test_free(pt);
}

/* Two equal targets: over 4000 draws each comes first 40-60% of the time
 * (expected 50%, sd 0.8%: the bound is 12 sd away; the stream is fixed
 * anyway). Weight 0 next to 100: never first. */
static void test_order_weights(void **state)
{
	struct port_test *pt = port_test_new();
	struct hal hal;
	struct hal_dns_rr rr[3];
	int i, first_a = 0, first_z = 0, third = 0;

	(void)state;
	port_test_hal(pt, &hal);
	port_test_rng_seed(pt, 16);
	for (i = 0; i < 4000; i++) {
		memset(rr, 0, sizeof(rr));
		rr[0].priority = rr[1].priority = 10;
		rr[0].weight = rr[1].weight = 50;
		snprintf(rr[0].target, 8, "a");
		snprintf(rr[1].target, 8, "b");
		assert_int_equal(sip_target_order_srv(rr, 2, &hal.rng), 2);
		first_a += rr[0].target[0] == 'a';
		assert_true(strcmp(rr[0].target, rr[1].target) != 0);
	}
	assert_in_range(first_a, 1600, 2400);
	for (i = 0; i < 4000; i++) {
		memset(rr, 0, sizeof(rr));
		rr[0].priority = rr[1].priority = rr[2].priority = 10;
		rr[0].weight = 0, snprintf(rr[0].target, 8, "z");
		rr[1].weight = 100, snprintf(rr[1].target, 8, "h");
		rr[2].weight = 300, snprintf(rr[2].target, 8, "t");
		assert_int_equal(sip_target_order_srv(rr, 3, &hal.rng), 3);
		first_z += rr[0].target[0] == 'z';
		third += rr[2].target[0] == 'z';
	}
	assert_int_equal(first_z, 0);
	assert_int_equal(third, 4000); /* weight 0 only once the others are out */
	port_test_free(pt);
}

/* Through the resolver: equal weights spread the first target. */
static void test_resolve_weights(void **state)
{
	static const char *s = "SRV _sips._tcp.example.test 10 50 5061 a.example.test 300\n"
			       "SRV _sips._tcp.example.test 10 50 5061 b.example.test 300\n"
			       "A a.example.test 127.0.0.2 60\nA b.example.test 127.0.0.3 60\n";
	struct port_test *pt = port_test_new();
	struct hal hal;
	int i, a = 0;

	(void)state;
	port_test_hal(pt, &hal);
	assert_int_equal(port_test_dns(pt, s), 0);
	for (i = 0; i < 400; i++) {
		struct sip_target_res *r = NULL;
		struct res out;
		struct sg_error e;

		memset(&out, 0, sizeof(out));
		assert_int_equal(sip_target_resolve(&r, &hal, "example.test", 5000, on_done, &out, &e),
				 SG_OK);
		assert_int_equal(hal_loop_run(&hal.loop), HAL_OK);
		assert_int_equal(out.err, SG_OK);
		assert_int_equal(out.l.n, 2);
		a += !strcmp(out.l.t[0].addr, "127.0.0.2");
		sip_target_free(r);
	}
	assert_in_range(a, 160, 240);
	port_test_free(pt);
}

/* Freed mid-way: no callback afterwards, nothing left on the loop. */
static void test_free_midway(void **state)
{
	struct port_test *pt = port_test_new();
	struct sip_target_res *r = NULL;
	struct hal hal;
	struct res out;
	struct sg_error e;

	(void)state;
	port_test_hal(pt, &hal);
	assert_int_equal(port_test_dns(pt, full), 0);
	memset(&out, 0, sizeof(out));
	assert_int_equal(sip_target_resolve(&r, &hal, "example.test", 5000, on_done, &out, &e), SG_OK);
	port_test_loop_run_for(pt, 7); /* NAPTR answered, SRV on its way */
	sip_target_free(r);
	assert_int_equal(hal_loop_run(&hal.loop), HAL_OK);
	assert_int_equal(out.called, 0);
	assert_int_equal(port_test_loop_timers(pt), 0);
	port_test_free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_naptr_srv),
		cmocka_unit_test(test_naptr_next),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_nxdomain),
		cmocka_unit_test(test_no_records),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_literal_and_no_resolver),
		cmocka_unit_test(test_order_priority),
		cmocka_unit_test(test_order_weights),
		cmocka_unit_test(test_resolve_weights),
		cmocka_unit_test(test_free_midway),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
