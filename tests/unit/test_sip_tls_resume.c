/*
 * test_sip_tls_resume.c: the TLS session cache (sip/sip_tls_resume.c):
 * keyed by target (host|port|server name), offered only within its
 * lifetime (and the ticket's, when shorter), wiped when expired or
 * dropped, a bounded number of targets (the oldest goes), a resumed
 * handshake keeps the entry's start. Sessions are made by hand on an
 * mbedTLS client context (no network); times are given in ms.
 * The handshake itself is test_tls_resume's (integration, Kamailio).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/platform.h>
#include <mbedtls/ssl.h>

#include "sip_tls_resume.h"

#if SIGNET_TLS_RESUME

#define H 3600000u /* an hour in ms */

struct cli {
	mbedtls_ssl_config cfg;
	mbedtls_ssl_context ssl;
};

static void cli_init(struct cli *c)
{
	mbedtls_ssl_config_init(&c->cfg);
	mbedtls_ssl_init(&c->ssl);
	assert_int_equal(mbedtls_ssl_config_defaults(&c->cfg, MBEDTLS_SSL_IS_CLIENT,
						     MBEDTLS_SSL_TRANSPORT_STREAM,
						     MBEDTLS_SSL_PRESET_DEFAULT),
			 0);
	assert_int_equal(mbedtls_ssl_setup(&c->ssl, &c->cfg), 0);
}

static void cli_free(struct cli *c)
{
	mbedtls_ssl_free(&c->ssl);
	mbedtls_ssl_config_free(&c->cfg);
}

/* A handshake's outcome: a session whose ID is tag repeated. */
static void keep(struct tls_resume *r, const char *key, uint8_t tag, uint32_t ticket_life,
		 int resumed, uint64_t now)
{
	struct cli c;
	mbedtls_ssl_session s;

	cli_init(&c);
	mbedtls_ssl_session_init(&s);
	s.ciphersuite = 0xC02F;
	s.id_len = 32;
	memset(s.id, tag, sizeof(s.id));
	memset(s.master, 0x55, sizeof(s.master));
	s.ticket_lifetime = ticket_life;
	if (ticket_life) {
		s.ticket = mbedtls_calloc(1, 16);
		assert_non_null(s.ticket);
		s.ticket_len = 16;
	}
	c.ssl.session = &s;
	tls_resume_keep(r, &c.ssl, key, NULL, resumed, now);
	c.ssl.session = NULL;
	mbedtls_ssl_session_free(&s);
	cli_free(&c);
}

/* The session ID tag offered for key at now, or 0 when none is. */
static int offered(struct tls_resume *r, const char *key, uint64_t now)
{
	struct cli c;
	int tag = 0;

	cli_init(&c);
	if (tls_resume_offer(r, &c.ssl, key, now)) {
		assert_int_equal(c.ssl.session_negotiate->id_len, 32);
		tag = c.ssl.session_negotiate->id[0];
	}
	cli_free(&c);
	return tag;
}

static void test_off(void **state)
{
	(void)state;
	assert_null(tls_resume_new(0));
	tls_resume_free(NULL);
	tls_resume_drop(NULL, NULL);
	assert_int_equal(offered(NULL, "a|5061|a", 0), 0);
}

static void test_key_and_lifetime(void **state)
{
	struct tls_resume *r = tls_resume_new(8 * 3600);

	(void)state;
	assert_non_null(r);
	keep(r, "a.example|5061|example", 0xA1, 0, 0, 1000);
	assert_int_equal(offered(r, "a.example|5061|example", 1000 + 8 * H - 1), 0xA1);
	/* another port, another name, another host: nothing */
	assert_int_equal(offered(r, "a.example|5062|example", 2000), 0);
	assert_int_equal(offered(r, "a.example|5061|other", 2000), 0);
	assert_int_equal(offered(r, "b.example|5061|example", 2000), 0);
	/* at the lifetime: gone, and wiped (not offered at an earlier time) */
	assert_int_equal(offered(r, "a.example|5061|example", 1000 + 8 * H), 0);
	assert_int_equal(offered(r, "a.example|5061|example", 2000), 0);
	/* a clock before the start is not trusted either */
	keep(r, "a.example|5061|example", 0xA2, 0, 0, 5000);
	assert_int_equal(offered(r, "a.example|5061|example", 4999), 0);
	tls_resume_free(r);
}

static void test_ticket_lifetime(void **state)
{
	struct tls_resume *r = tls_resume_new(8 * 3600);

	(void)state;
	keep(r, "k", 0xB1, 300, 0, 0); /* the server's ticket: 5 minutes */
	assert_int_equal(offered(r, "k", 299999), 0xB1);
	assert_int_equal(offered(r, "k", 300000), 0);
	tls_resume_free(r);
}

static void test_resumed_keeps_start(void **state)
{
	struct tls_resume *r = tls_resume_new(3600);

	(void)state;
	keep(r, "k", 0xC1, 0, 0, 0);
	keep(r, "k", 0xC2, 0, 1, H / 2); /* resumed, a new session state */
	assert_int_equal(offered(r, "k", H - 1), 0xC2);
	assert_int_equal(offered(r, "k", H), 0); /* from the full handshake */
	/* a resumed handshake on a dropped entry does not bring it back */
	keep(r, "k", 0xC3, 0, 1, H + 1);
	assert_int_equal(offered(r, "k", H + 2), 0);
	tls_resume_free(r);
}

static void test_drop_and_bound(void **state)
{
	struct tls_resume *r = tls_resume_new(3600);
	char key[8];

	(void)state;
	for (int i = 0; i < 5; i++) {
		key[0] = (char)('a' + i), key[1] = 0;
		keep(r, key, (uint8_t)(0xD0 + i), 0, 0, (uint64_t)i);
	}
	assert_int_equal(offered(r, "a", 10), 0); /* the oldest made room */
	assert_int_equal(offered(r, "b", 10), 0xD1);
	assert_int_equal(offered(r, "e", 10), 0xD4);
	tls_resume_drop(r, "b");
	assert_int_equal(offered(r, "b", 10), 0);
	assert_int_equal(offered(r, "c", 10), 0xD2);
	tls_resume_drop(r, NULL);
	assert_int_equal(offered(r, "c", 10), 0);
	assert_int_equal(offered(r, "e", 10), 0);
	assert_null(tls_resume_issuer(r, "e"));
	tls_resume_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_key_and_lifetime),
		cmocka_unit_test(test_ticket_lifetime),
		cmocka_unit_test(test_resumed_keeps_start),
		cmocka_unit_test(test_drop_and_bound),
	};

	return cmocka_run_group_tests_name("sip_tls_resume", tests, NULL, NULL);
}

#else /* a board without resumption: the stubs say off */

static void test_stubs(void **state)
{
	(void)state;
	assert_null(tls_resume_new(28800));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_stubs)};

	return cmocka_run_group_tests_name("sip_tls_resume", tests, NULL, NULL);
}

#endif
