/*
 * test_sip_tls.c: the SIP TLS transport (sip_tls.h) with the client key
 * on a real SoftHSM2 token (RSA-2048 "alice", EC P-256 "bob"), against
 * real peers on loopback, all started and stopped here:
 *   - `openssl s_server -Verify 1 -tls1_2`: mutual TLS completes and the
 *     server saw our certificate; a server that appends a forged CA
 *     certificate (its CA's name, another key): the verify_extra hook's
 *     issuer is still the trust anchor mbedTLS verified with;
 *   - Kamailio (tools/kamailio-run): a hand-built REGISTER gets 200 OK and
 *     `kamcmd ul.dump` shows the contact; another user's certificate gets
 *     403; the registrar's name (DNS and IP literal), an untrusted
 *     registrar, a registrar that refuses our certificate;
 *   - a python3 ssl peer (sip_tls_peer.py): framing across TLS records,
 *     CRLF pong, malformed SIP, random bytes, a peer that is not TLS, a
 *     client without a certificate, a silent server (timeout), the
 *     token failing to sign.
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

#include <mbedtls/x509_crt.h>

#include "itest.h"
#include "port_linux.h"
#include "sip_tls.h"
#include "token_p11.h"
#include "token_pk.h"

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"
#define PIN "123456"
#define REGISTRAR "registrar.example.test"
#define RUN_LIMIT_MS 20000 /* generous: a bound, not a measurement */

struct client {
	size_t idx;
	mbedtls_x509_crt chain;
	mbedtls_pk_context key;
};

static char *tokdir;
static char kamdir[600], kam2dir[600];
static int kam_pid = -1, kam_tls;
static struct hal hal;
static struct token *tok;
static struct client alice, bob;
static mbedtls_x509_crt server_ca, client_ca;

/* ---- helpers ------------------------------------------------------------ */

/* Servers this program started: a failed assertion skips a test's own
 * stop, so the group teardown stops whatever is left. */
static int spawned[32];

static int track(int pid)
{
	for (size_t i = 0; pid > 0 && i < sizeof(spawned) / sizeof(spawned[0]); i++)
		if (spawned[i] <= 0) {
			spawned[i] = pid;
			break;
		}
	return pid;
}

static void stop(int pid)
{
	for (size_t i = 0; i < sizeof(spawned) / sizeof(spawned[0]); i++)
		if (spawned[i] == pid)
			spawned[i] = 0;
	itest_stop(pid);
}

static void stop_all(void)
{
	for (size_t i = 0; i < sizeof(spawned) / sizeof(spawned[0]); i++)
		if (spawned[i] > 0)
			stop(spawned[i]);
}

static int client_setup(struct client *c, const char *label)
{
	struct sg_error e;

	sg_error_init(&e);
	c->idx = tok->n_certs;
	for (size_t i = 0; i < tok->n_certs; i++)
		if (!strcmp(tok->certs[i].label, label))
			c->idx = i;
	if (c->idx == tok->n_certs)
		return -1;
	mbedtls_x509_crt_init(&c->chain);
	mbedtls_pk_init(&c->key);
	if (mbedtls_x509_crt_parse_der(&c->chain, tok->certs[c->idx].der, tok->certs[c->idx].der_len))
		return -1;
	return token_pk_setup(&c->key, tok, c->idx, &e) == SG_OK ? 0 : -1;
}

static void client_free(struct client *c)
{
	token_pk_free(&c->key);
	mbedtls_x509_crt_free(&c->chain);
}

static void login(void)
{
	struct pin_policy pol;
	struct pin pin;
	struct sg_error e;

	pin_policy_default(&pol);
	memset(&pin, 0, sizeof(pin));
	pin.len = strlen(PIN);
	memcpy(pin.v, PIN, pin.len);
	sg_error_init(&e);
	assert_int_equal(token_login(tok, &pol, &pin, &e), SG_OK);
}

/* Starts a Kamailio in dir with extra kamailio-run options; returns its
 * pid and its TLS port in *tls. */
static int kam_start(const char *name, const char *dir, const char *extra, int *tls)
{
	int udp = itest_free_port(), tcp = itest_free_port(), pid;

	*tls = itest_free_port();
	pid = track(itest_spawn(name, "%s/tools/kamailio-run '%s' start --udp %d --tcp %d --tls %d %s",
			  itest_top(), dir, udp, tcp, *tls, extra));
	if (pid <= 0 || itest_sh("%s/tools/kamailio-run '%s' wait", itest_top(), dir) ||
	    itest_wait_port(*tls)) {
		stop(pid);
		return -1;
	}
	return pid;
}

static int group_setup(void **state)
{
	struct port_linux_opts po = {.log_ident = "test", .log_level = HAL_LOG_ERR,
				     .tty_path = "/nonexistent-tty"};
	struct sg_error e;
	char path[700], extra[800];

	(void)state;
	tokdir = itest_mktoken("tls", "signet-tls", PIN, "rsa:alice:01 ec:bob:02");
	if (!tokdir)
		return -1;
	snprintf(path, sizeof(path), "%s/softhsm2.conf", tokdir);
	setenv("SOFTHSM2_CONF", path, 1);
	if (port_linux_init(&hal, &po) != HAL_OK)
		return -1;
	sg_error_init(&e);
	if (token_p11_open(&hal, SOFTHSM, NULL, &tok, &e) != SG_OK)
		return -1;
	login();
	if (client_setup(&alice, "alice") || client_setup(&bob, "bob"))
		return -1;

	snprintf(kamdir, sizeof(kamdir), "%s/kam", itest_scratch());
	snprintf(extra, sizeof(extra), "--client-ca '%s/pki/ca.crt'", tokdir);
	kam_pid = kam_start("kam", kamdir, extra, &kam_tls);
	if (kam_pid < 0)
		return -1;
	mbedtls_x509_crt_init(&server_ca);
	mbedtls_x509_crt_init(&client_ca);
	snprintf(path, sizeof(path), "%s/server-ca.crt", kamdir);
	if (mbedtls_x509_crt_parse_file(&server_ca, path))
		return -1;
	snprintf(path, sizeof(path), "%s/pki/ca.crt", tokdir);
	if (mbedtls_x509_crt_parse_file(&client_ca, path))
		return -1;
	snprintf(kam2dir, sizeof(kam2dir), "%s/kam2", itest_scratch());
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	stop_all();
	client_free(&alice);
	client_free(&bob);
	token_close(tok);
	mbedtls_x509_crt_free(&server_ca);
	mbedtls_x509_crt_free(&client_ca);
	port_linux_fini(&hal);
	free(tokdir);
	return 0;
}

/* ---- one connection on the loop ----------------------------------------- */

struct conn {
	struct sip_tp *tp;
	int up, down, pongs, msgs, timed_out;
	struct sg_error err;
	char msg[4096];
	size_t msg_len;
	int close_on_msg; /* the handler closes the transport (re-entrancy) */
};

static void on_event(enum sip_tp_event ev, const struct sg_error *e, void *arg)
{
	struct conn *c = arg;

	if (ev == SIP_TP_UP)
		c->up = 1;
	if (ev == SIP_TP_PONG)
		c->pongs++;
	if (ev == SIP_TP_DOWN) {
		c->down = 1;
		assert_non_null(e);
		c->err = *e;
	}
	hal_loop_stop(&hal.loop);
}

static void on_msg(const uint8_t *msg, size_t len, void *arg)
{
	struct conn *c = arg;

	c->msgs++;
	c->msg_len = len < sizeof(c->msg) - 1 ? len : sizeof(c->msg) - 1;
	memcpy(c->msg, msg, c->msg_len);
	c->msg[c->msg_len] = 0;
	if (c->close_on_msg)
		c->tp->ops->close(c->tp->ctx);
	hal_loop_stop(&hal.loop);
}

static void on_limit(void *arg)
{
	struct conn *c = arg;

	c->timed_out = 1;
	hal_loop_stop(&hal.loop);
}

/* Runs the loop until *what is set (or the connection went down). */
static void run_until(struct conn *c, const int *what)
{
	int id;

	assert_int_equal(hal_loop_add_timer(&hal.loop, RUN_LIMIT_MS, on_limit, c, &id), HAL_OK);
	while (!*what && !c->down && !c->timed_out)
		assert_int_equal(hal_loop_run(&hal.loop), HAL_OK);
	if (!c->timed_out)
		(void)hal_loop_cancel_timer(&hal.loop, id);
	assert_false(c->timed_out);
}

/* The verify_extra hook of the next conn_open (NULL: none). */
static sip_tls_verify_h conn_verify;
/* RFC 3263 target name and accept_target_name of the next conn_open. */
static const char *conn_target;
static int conn_accept;

/* Opens a TLS transport to 127.0.0.1:port and runs until up or down. */
static void conn_open(struct conn *c, const struct client *cl, const mbedtls_x509_crt *anchors,
		      const char *server_name, int port, int timeout_ms)
{
	struct sip_tls_conf conf = {
		.anchors = anchors,
		.client_chain = cl ? &cl->chain : NULL,
		.client_key = cl ? (mbedtls_pk_context *)&cl->key : NULL,
		.server_name = server_name,
		.verify_extra = conn_verify,
		.accept_target_name = conn_accept,
	};
	struct sg_error e;

	memset(c, 0, sizeof(*c));
	sg_error_init(&e);
	assert_int_equal(sip_tp_tls_new(&hal, &conf, &c->tp, &e), SG_OK);
	assert_int_equal(c->tp->kind, SIP_TP_TLS);
	assert_true(c->tp->reliable);
	assert_string_equal(c->tp->ops->name(c->tp->ctx), "TLS");
	c->tp->on_msg = on_msg;
	c->tp->on_event = on_event;
	c->tp->arg = c;
	c->tp->target_name = conn_target;
	assert_int_equal(c->tp->ops->open(c->tp->ctx, "127.0.0.1", (uint16_t)port, timeout_ms, &e),
			 SG_OK);
	/* never reported from inside open() */
	assert_false(c->up || c->down);
	run_until(c, &c->up);
	if (c->down)
		print_message("down: %s (%s)\n", c->err.detail, sg_err_name(c->err.code));
}

static void conn_send(struct conn *c, const char *text)
{
	struct sg_error e;

	sg_error_init(&e);
	assert_int_equal(c->tp->ops->send(c->tp->ctx, (const uint8_t *)text, strlen(text), &e),
			 SG_OK);
}

static void conn_free(struct conn *c)
{
	c->tp->ops->destroy(c->tp->ctx);
	c->tp = NULL;
}

/* A REGISTER for user (To/From) with a contact user unique to the test. */
static void register_text(char *buf, size_t cap, const char *user, const char *contact_user)
{
	static unsigned seq;

	seq++;
	snprintf(buf, cap,
		 "REGISTER sip:example.test SIP/2.0\r\n"
		 "Via: SIP/2.0/TLS signet.invalid;branch=z9hG4bK-tls-%u;rport\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:%s@example.test>;tag=t%u\r\n"
		 "To: <sip:%s@example.test>\r\n"
		 "Call-ID: tls-test-%u@signet.invalid\r\n"
		 "CSeq: 1 REGISTER\r\n"
		 "Contact: <sip:%s@192.0.2.1:5061;transport=tls>\r\n"
		 "Expires: 600\r\n"
		 "Content-Length: 0\r\n\r\n",
		 seq, user, seq, user, seq, contact_user);
}

/* ---- openssl s_server -------------------------------------------------- */

static void test_openssl_s_server(void **state)
{
	static const struct {
		struct client *cl;
		const char *cn;
	} cases[] = {{&alice, "alice"}, {&bob, "bob"}};
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		char name[32], log[700], text[16384];
		int port = itest_free_port(), pid;
		struct conn c;

		snprintf(name, sizeof(name), "s_server-%s", cases[i].cn);
		pid = track(itest_spawn(name,
				  "openssl s_server -Verify 1 -accept 127.0.0.1:%d -cert '%s/server.crt' "
				  "-key '%s/server.key' -CAfile '%s/pki/ca.crt' -tls1_2 -rev -naccept 1 "
				  "</dev/null",
				  port, kamdir, kamdir, tokdir));
		assert_int_equal(itest_wait_log(name, "ACCEPT"), 0);
		conn_open(&c, cases[i].cl, &server_ca, REGISTRAR, port, 10000);
		assert_true(c.up);
		assert_int_equal(itest_wait_log(name, "Verification: OK"), 0);
		snprintf(log, sizeof(log), "%s/%s.log", itest_scratch(), name);
		assert_int_equal(itest_read_file(log, text, sizeof(text)), 0);
		snprintf(name, sizeof(name), "CN = %s", cases[i].cn);
		assert_non_null(strstr(text, "Peer certificate: O = signet test"));
		assert_non_null(strstr(text, name));
		assert_non_null(strstr(text, "Protocol version: TLSv1.2"));
		assert_non_null(strstr(text, i == 0 ? "Signature type: RSA" : "Signature type: ECDSA"));
		conn_free(&c);
		stop(pid);
	}
}

/* What the verify_extra hook was given. */
static struct {
	int calls;
	int issuer_is_anchor; /* byte for byte the configured trust anchor */
	int server_sent_more; /* the server's chain went on after its certificate */
} vx;

static int same_cert(const mbedtls_x509_crt *a, const mbedtls_x509_crt *b)
{
	return a && b && a->raw.p && a->raw.len == b->raw.len && !memcmp(a->raw.p, b->raw.p, a->raw.len);
}

static void record_verify(struct sip_tp *tp, const mbedtls_x509_crt *peer,
			  const mbedtls_x509_crt *issuer, void *arg)
{
	(void)arg;
	vx.calls++;
	vx.issuer_is_anchor = same_cert(issuer, &server_ca);
	vx.server_sent_more = peer && peer->next && peer->next->raw.p;
	sip_tp_tls_verified(tp, NULL);
}

/* A server that appends a self-signed certificate with its CA's name and
 * a key of its own: the hook's issuer is still the trust anchor mbedTLS
 * verified the server's certificate with. */
static void test_verify_hook_gets_verified_issuer(void **state)
{
	char fake[700];
	int port = itest_free_port(), pid;
	struct conn c;

	(void)state;
	snprintf(fake, sizeof(fake), "%s/fake-ca.crt", itest_scratch());
	assert_int_equal(itest_sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
				  "-nodes -keyout '%s.key' -subj '/O=signet test/CN=signet test "
				  "registrar CA' -days 30 -out '%s' 2>/dev/null && "
				  "openssl x509 -in '%s/server-ca.crt' -noout -subject | "
				  "grep -q 'CN = signet test registrar CA'",
				  fake, fake, kamdir),
			 0);
	pid = track(itest_spawn("s_server-fake",
				"openssl s_server -Verify 1 -accept 127.0.0.1:%d -cert '%s/server.crt' "
				"-key '%s/server.key' -cert_chain '%s' -CAfile '%s/pki/ca.crt' -tls1_2 -rev "
				"-naccept 1 </dev/null",
				port, kamdir, kamdir, fake, tokdir));
	assert_int_equal(itest_wait_log("s_server-fake", "ACCEPT"), 0);
	memset(&vx, 0, sizeof(vx));
	conn_verify = record_verify;
	conn_open(&c, &alice, &server_ca, REGISTRAR, port, 10000);
	conn_verify = NULL;
	assert_true(c.up);
	assert_int_equal(vx.calls, 1);
	assert_true(vx.server_sent_more);
	assert_true(vx.issuer_is_anchor);
	conn_free(&c);
	stop(pid);
}

/* The registrar's chain goes through signet's path validation (path.h):
 * an intermediate CA whose (non-critical, so mbedTLS alone ignores them)
 * name constraints leave out the registrar's name fails the handshake
 * with the constraint named; when they include it, the handshake
 * completes and the hook's issuer is that intermediate. */
static void test_registrar_name_constraints(void **state)
{
	static const char *const nc[2] = {"permitted;DNS:other.test",
					  "permitted;DNS:" REGISTRAR ",permitted;IP:127.0.0.1/"
					  "255.255.255.255"};
	char dir[700];
	(void)state;

	for (int ok = 0; ok < 2; ok++) {
		mbedtls_x509_crt anchor;
		struct conn c;
		int port = itest_free_port(), pid;

		snprintf(dir, sizeof(dir), "%s/nc%d", itest_scratch(), ok);
		assert_int_equal(
			itest_sh("set -e; mkdir -p '%1$s'; cd '%1$s'; "
				 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
				 "-keyout root.key -subj '/O=signet test/CN=nc root' -days 30 "
				 "-addext 'basicConstraints=critical,CA:TRUE' -out root.crt 2>/dev/null; "
				 "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
				 "-keyout inter.key -subj '/O=signet test/CN=nc inter' -out inter.csr "
				 "2>/dev/null; "
				 "printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n"
				 "nameConstraints=%2$s\n' >inter.ext; "
				 "openssl x509 -req -in inter.csr -CA root.crt -CAkey root.key "
				 "-CAcreateserial -days 30 -extfile inter.ext -out inter.crt 2>/dev/null; "
				 "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
				 "-keyout server.key -subj '/O=signet test/CN=" REGISTRAR "' "
				 "-out server.csr 2>/dev/null; "
				 "printf 'subjectAltName=DNS:" REGISTRAR ",IP:127.0.0.1\n"
				 "extendedKeyUsage=serverAuth\n' >server.ext; "
				 "openssl x509 -req -in server.csr -CA inter.crt -CAkey inter.key "
				 "-CAcreateserial -days 30 -extfile server.ext -out server.crt "
				 "2>/dev/null",
				 dir, nc[ok]),
			0);
		mbedtls_x509_crt_init(&anchor);
		snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/root.crt");
		assert_int_equal(mbedtls_x509_crt_parse_file(&anchor, dir), 0);
		dir[strlen(dir) - strlen("/root.crt")] = '\0';
		pid = track(itest_spawn(ok ? "s_server-nc1" : "s_server-nc0",
					"openssl s_server -Verify 1 -accept 127.0.0.1:%d -cert "
					"'%s/server.crt' -key '%s/server.key' -cert_chain '%s/inter.crt' "
					"-CAfile '%s/pki/ca.crt' -tls1_2 -rev -naccept 1 </dev/null",
					port, dir, dir, dir, tokdir));
		assert_int_equal(itest_wait_log(ok ? "s_server-nc1" : "s_server-nc0", "ACCEPT"), 0);
		memset(&vx, 0, sizeof(vx));
		conn_verify = ok ? record_verify : NULL;
		conn_open(&c, &alice, &anchor, REGISTRAR, port, 10000);
		conn_verify = NULL;
		if (ok) {
			assert_true(c.up);
			assert_int_equal(vx.calls, 1);
			assert_false(vx.issuer_is_anchor); /* the intermediate */
		} else {
			assert_true(c.down);
			assert_int_equal(c.err.code, SG_E_CERT_UNTRUSTED);
			assert_non_null(strstr(c.err.detail, "name constraints"));
			assert_non_null(strstr(c.err.detail, "nc inter"));
		}
		conn_free(&c);
		stop(pid);
		mbedtls_x509_crt_free(&anchor);
	}
}

/* ---- Kamailio ------------------------------------------------------------ */

static void dump_contains(const char *dir, const char *text, int want)
{
	char path[700], out[65536];

	snprintf(path, sizeof(path), "%s/ul-dump.txt", dir);
	assert_int_equal(itest_sh("%s/tools/kamailio-run '%s' dump > '%s'", itest_top(), dir, path),
			 0);
	assert_int_equal(itest_read_file(path, out, sizeof(out)), 0);
	if (want)
		assert_non_null(strstr(out, text));
	else
		assert_null(strstr(out, text));
}

struct reg_case {
	struct client *cl;
	const char *user;       /* To/From */
	const char *contact;    /* contact user */
	const char *status;     /* expected status line start */
	int registered;
};

static void test_kamailio_register(void **state)
{
	struct reg_case cases[] = {
		{&alice, "alice", "alice-rsa", "SIP/2.0 200 ", 1},
		{&bob, "bob", "bob-ec", "SIP/2.0 200 ", 1},
		{&bob, "alice", "bob-as-alice", "SIP/2.0 403 ", 0},
		{&alice, "bob", "alice-as-bob", "SIP/2.0 403 ", 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char reg[1024], contact[128];
		struct conn c;

		print_message("case %zu: %s\n", i, cases[i].contact);
		conn_open(&c, cases[i].cl, &server_ca, REGISTRAR, kam_tls, 10000);
		assert_true(c.up);
		register_text(reg, sizeof(reg), cases[i].user, cases[i].contact);
		conn_send(&c, reg);
		run_until(&c, &c.msgs);
		assert_int_equal(c.msgs, 1);
		assert_memory_equal(c.msg, cases[i].status, strlen(cases[i].status));
		snprintf(contact, sizeof(contact), "sip:%s@192.0.2.1:5061", cases[i].contact);
		dump_contains(kamdir, contact, cases[i].registered);
		/* a keep-alive on the same connection is answered (RFC 5626) */
		if (i == 0) {
			conn_send(&c, "\r\n\r\n");
			run_until(&c, &c.pongs);
			assert_int_equal(c.pongs, 1);
		}
		conn_free(&c);
	}
}

struct name_case {
	const char *server_name;
	int untrusted_anchors;
	const char *target; /* tp->target_name (RFC 3263 SRV target) */
	int accept;         /* accept_target_name */
	sg_err want;
	const char *words[3];
};

static void check_down(const struct conn *c, sg_err want, const char *const *words)
{
	assert_true(c->down);
	assert_int_equal(c->err.code, want);
	for (size_t w = 0; w < 3 && words[w]; w++) {
		if (!strstr(c->err.detail, words[w]))
			print_message("missing '%s' in '%s'\n", words[w], c->err.detail);
		assert_non_null(strstr(c->err.detail, words[w]));
	}
}

static void test_registrar_name(void **state)
{
	static const struct name_case cases[] = {
		{REGISTRAR, 0, NULL, 0, SG_OK, {NULL}},
		{"127.0.0.1", 0, NULL, 0, SG_OK, {NULL}},
		{"[127.0.0.1]", 0, NULL, 0, SG_E_CERT_UNTRUSTED, {"host name", NULL}}, /* not IPv6 */
		{"wrong.example.test", 0, NULL, 0, SG_E_CERT_UNTRUSTED,
		 {"registrar's certificate", "host name", "expected wrong.example.test"}},
		{"::1", 0, NULL, 0, SG_E_CERT_UNTRUSTED,
		 {"expected IP address ::1", "IP 127.0.0.1", NULL}},
		{"127.0.0.2", 0, NULL, 0, SG_E_CERT_UNTRUSTED,
		 {"expected IP address 127.0.0.2", REGISTRAR, NULL}},
		{REGISTRAR, 1, NULL, 0, SG_E_CERT_UNTRUSTED,
		 {"registrar's certificate", "not trusted", "signet test registrar CA"}},
		/* RFC 5922: the domain is expected; the SRV target only when allowed */
		{"domain.example.test", 0, REGISTRAR, 0, SG_E_CERT_UNTRUSTED,
		 {"names the SRV target " REGISTRAR, "not the domain domain.example.test",
		  "accept_target_name = yes"}},
		{"domain.example.test", 0, REGISTRAR, 1, SG_OK, {NULL}},
		{"DOMAIN.example.test", 0, "REGISTRAR-not-named.example.test", 1, SG_E_CERT_UNTRUSTED,
		 {"host name", "expected DOMAIN.example.test", NULL}},
		{REGISTRAR, 0, "other.example.test", 0, SG_OK, {NULL}}, /* the domain is named */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct name_case *k = &cases[i];
		struct conn c;

		print_message("case %zu: %s\n", i, k->server_name);
		conn_target = k->target;
		conn_accept = k->accept;
		conn_open(&c, &alice, k->untrusted_anchors ? &client_ca : &server_ca, k->server_name,
			  kam_tls, 10000);
		conn_target = NULL;
		conn_accept = 0;
		if (k->want == SG_OK)
			assert_true(c.up);
		else
			check_down(&c, k->want, k->words);
		conn_free(&c);
	}
}

/* A registrar whose certificate has no IP address and which trusts
 * another CA than the one of our certificates. */
static void test_registrar_other_setup(void **state)
{
	static const char *ip_words[] = {"expected IP address 127.0.0.1", REGISTRAR, NULL};
	static const char *refused_words[] = {"refused our client certificate", "unknown_ca", NULL};
	mbedtls_x509_crt ca2;
	char extra[1200], path[700];
	int tls, pid;
	struct conn c;

	(void)state;
	/* another CA for client certificates: the registrar CA of kamdir */
	snprintf(extra, sizeof(extra),
		 "--client-ca '%s/server-ca.crt' --server-san 'DNS:" REGISTRAR "'", kamdir);
	pid = kam_start("kam2", kam2dir, extra, &tls);
	assert_true(pid > 0);
	mbedtls_x509_crt_init(&ca2);
	snprintf(path, sizeof(path), "%s/server-ca.crt", kam2dir);
	assert_int_equal(mbedtls_x509_crt_parse_file(&ca2, path), 0);

	conn_open(&c, &alice, &ca2, "127.0.0.1", tls, 10000);
	check_down(&c, SG_E_CERT_UNTRUSTED, ip_words);
	conn_free(&c);
	for (int k = 0; k < 2; k++) {
		conn_open(&c, k ? &bob : &alice, &ca2, REGISTRAR, tls, 10000);
		check_down(&c, SG_E_REFUSED, refused_words);
		conn_free(&c);
	}
	mbedtls_x509_crt_free(&ca2);
	stop(pid);
}

/* ---- a python3 ssl peer -------------------------------------------------- */

static int peer_start(const char *mode, const char *name, int *port)
{
	int pid;

	*port = itest_free_port();
	pid = track(itest_spawn(name, "python3 -u '%s/tests/integration/sip_tls_peer.py' %s %d "
				"'%s/server.crt' '%s/server.key' '%s/pki/ca.crt'",
			  itest_top(), mode, *port, kamdir, kamdir, tokdir));
	if (pid <= 0 || itest_wait_log(name, "listening")) {
		stop(pid);
		return -1;
	}
	return pid;
}

static const char peer_ok[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS x.invalid;branch=z9hG4bK1\r\n"
			      "Call-ID: peer\r\nCSeq: 1 REGISTER\r\nContent-Length: 4\r\n\r\nbody";

/* Messages arrive whole though written in pieces; pongs are events; a
 * handler may close the transport; the transport reopens. */
static void test_peer_framing_and_pong(void **state)
{
	char reg[1024];
	int port, pid = peer_start("sip", "peer-sip", &port);
	struct conn c;

	(void)state;
	assert_true(pid > 0);
	conn_open(&c, &bob, &server_ca, REGISTRAR, port, 10000);
	assert_true(c.up);
	assert_int_equal(itest_wait_log("peer-sip", "peer: bob"), 0);
	conn_send(&c, "\r\n\r\n");
	run_until(&c, &c.pongs);
	assert_int_equal(c.pongs, 1);
	register_text(reg, sizeof(reg), "bob", "bob-peer");
	conn_send(&c, reg);
	run_until(&c, &c.msgs);
	assert_int_equal(c.msg_len, strlen(peer_ok));
	assert_memory_equal(c.msg, peer_ok, c.msg_len);
	/* sending on a closed transport is refused */
	c.tp->ops->close(c.tp->ctx);
	{
		struct sg_error e;

		sg_error_init(&e);
		assert_int_equal(c.tp->ops->send(c.tp->ctx, (const uint8_t *)"x", 1, &e),
				 SG_E_NETWORK);
	}
	conn_free(&c);
	stop(pid);
}

struct bad_peer {
	const char *mode;
	sg_err want;
	const char *words[3];
};

static void test_peer_malformed(void **state)
{
	static const struct bad_peer cases[] = {
		{"bad-cl", SG_E_MALFORMED, {NULL}},
		{"too-long", SG_E_MALFORMED, {NULL}},
		{"binary", SG_E_MALFORMED, {NULL}},
		{"close", SG_E_NETWORK, {"closed the connection", NULL}},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[64];
		int port, pid;
		struct conn c;

		snprintf(name, sizeof(name), "peer-%s", cases[i].mode);
		pid = peer_start(cases[i].mode, name, &port);
		assert_true(pid > 0);
		conn_open(&c, &alice, &server_ca, REGISTRAR, port, 10000);
		assert_true(c.up);
		if (!c.down)
			run_until(&c, &c.down);
		print_message("%s: %s\n", cases[i].mode, c.err.detail);
		check_down(&c, cases[i].want, cases[i].words);
		assert_true(c.err.detail[0] != 0);
		conn_free(&c);
		stop(pid);
	}
}

/* A server that is not TLS at all, one that never answers, nobody
 * listening, and a registrar wanting a certificate we do not have. */
static void test_handshake_failures(void **state)
{
	static const char *plain_words[] = {"did not answer with TLS", NULL};
	static const char *silent_words[] = {"within 700 ms", NULL};
	static const char *refused_words[] = {"127.0.0.1", NULL};
	static const char *nocert_words[] = {"wants a client certificate", NULL};
	int port, pid;
	struct conn c;

	(void)state;
	port = itest_free_port();
	pid = track(itest_spawn("plain", "python3 -c \"import socket; s=socket.socket(); "
				   "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
				   "s.bind(('127.0.0.1',%d)); s.listen(1); print('listening', flush=True); "
				   "c,_=s.accept(); c.sendall(b'HTTP/1.0 400 Bad Request\\r\\n\\r\\n'*20); "
				   "c.recv(10000); import time; time.sleep(30)\"",
			  port));
	assert_int_equal(itest_wait_log("plain", "listening"), 0);
	conn_open(&c, &alice, &server_ca, REGISTRAR, port, 10000);
	check_down(&c, SG_E_NETWORK, plain_words);
	conn_free(&c);
	stop(pid);

	port = itest_free_port();
	pid = track(itest_spawn("silent", "python3 -c \"import socket, time; s=socket.socket(); "
				    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
				    "s.bind(('127.0.0.1',%d)); s.listen(1); print('listening', flush=True); "
				    "c,_=s.accept(); time.sleep(60)\"",
			  port));
	assert_int_equal(itest_wait_log("silent", "listening"), 0);
	conn_open(&c, &alice, &server_ca, REGISTRAR, port, 700);
	check_down(&c, SG_E_NETWORK, silent_words);
	conn_free(&c);
	stop(pid);

	conn_open(&c, &alice, &server_ca, REGISTRAR, itest_free_port(), 5000);
	check_down(&c, SG_E_NETWORK, refused_words);
	conn_free(&c);

	pid = peer_start("sip", "peer-nocert", &port);
	assert_true(pid > 0);
	conn_open(&c, NULL, &server_ca, REGISTRAR, port, 10000);
	check_down(&c, SG_E_REFUSED, nocert_words);
	conn_free(&c);
	stop(pid);
}

/* The key exchange: X25519 with Kamailio (it supports it, and signet
 * offers it first); P-256 with a registrar that has no X25519. The
 * negotiated parameters are what sip_tp_tls_params() (--verbose) says. */
static void test_key_exchange_groups(void **state)
{
	struct conn c;
	const char *p;
	int port, pid;

	(void)state;
	conn_open(&c, &alice, &server_ca, REGISTRAR, kam_tls, 10000);
	assert_true(c.up);
	p = sip_tp_tls_params(c.tp);
	assert_non_null(p);
	print_message("kamailio: %s\n", p);
	assert_non_null(strstr(p, "TLSv1.2, TLS-ECDHE-"));
	assert_non_null(strstr(p, "key exchange x25519"));
	c.tp->ops->close(c.tp->ctx);
	assert_null(sip_tp_tls_params(c.tp)); /* not up */
	conn_free(&c);

	pid = peer_start("p256", "peer-p256", &port);
	assert_true(pid > 0);
	conn_open(&c, &bob, &server_ca, REGISTRAR, port, 10000);
	assert_true(c.up);
	p = sip_tp_tls_params(c.tp);
	assert_non_null(p);
	print_message("p256 peer: %s\n", p);
	assert_non_null(strstr(p, "key exchange secp256r1"));
	conn_send(&c, "REGISTER sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n");
	run_until(&c, &c.msgs);
	assert_int_equal(c.msgs, 1);
	conn_free(&c);
	stop(pid);
}

/* A registrar whose trust anchor has expired: refused, with the words
 * for a CA certificate outside its validity (path.h's path is checked
 * for validity; mbedTLS is given no anchors to walk to). */
static void test_expired_registrar_anchor(void **state)
{
	static const char *words[] = {"outside its validity", "expired registrar CA", NULL};
	char dir[700], path[800];
	mbedtls_x509_crt ca;
	struct conn c;
	int port, pid;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/expired-ca", itest_scratch());
	assert_int_equal(
		itest_sh("set -e; mkdir -p '%s'; cd '%s'; "
			 "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key; "
			 "openssl req -new -key ca.key -subj '/O=signet test/CN=expired registrar CA' "
			 "-out ca.csr; "
			 "printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,keyCertSign\\n' >ca.ext; "
			 "printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=index.txt\\nnew_certs_dir=.\\n"
			 "serial=serial\\ndefault_md=sha256\\npolicy=p\\nunique_subject=no\\n[p]\\n"
			 "CN=supplied\\n' >ca.cnf; : >index.txt; echo 1000 >serial; "
			 "openssl ca -batch -selfsign -config ca.cnf -keyfile ca.key -in ca.csr "
			 "-startdate 20200101000000Z -enddate 20210101000000Z -extfile ca.ext -out ca.crt "
			 "-notext; "
			 "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key; "
			 "openssl req -new -key server.key -subj '/O=signet test/CN=%s' -out server.csr; "
			 "printf 'subjectAltName=DNS:%s\\n' >server.ext; "
			 "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAserial serial "
			 "-days 30 -sha256 -extfile server.ext -out server.crt",
			 dir, dir, REGISTRAR, REGISTRAR),
		0);
	port = itest_free_port();
	pid = track(itest_spawn("peer-expired-ca",
				"python3 -u '%s/tests/integration/sip_tls_peer.py' sip %d "
				"'%s/server.crt' '%s/server.key' '%s/pki/ca.crt'",
				itest_top(), port, dir, dir, tokdir));
	assert_true(pid > 0);
	assert_int_equal(itest_wait_log("peer-expired-ca", "listening"), 0);
	mbedtls_x509_crt_init(&ca);
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	assert_int_equal(mbedtls_x509_crt_parse_file(&ca, path), 0);
	conn_open(&c, &alice, &ca, REGISTRAR, port, 10000);
	check_down(&c, SG_E_CERT_UNTRUSTED, words);
	conn_free(&c);
	mbedtls_x509_crt_free(&ca);
	stop(pid);
}

/* The token cannot sign (logged out): the handshake fails with the
 * token's own error, not a TLS code. */
static void test_token_cannot_sign(void **state)
{
	int port, pid = peer_start("sip", "peer-logout", &port);
	struct conn c;

	(void)state;
	assert_true(pid > 0);
	token_logout(tok);
	conn_open(&c, &alice, &server_ca, REGISTRAR, port, 10000);
	assert_true(c.down);
	assert_int_not_equal(c.err.code, SG_E_NETWORK);
	assert_true(c.err.detail[0] != 0);
	conn_free(&c);
	login();
	stop(pid);
}

/* ---- pure functions ------------------------------------------------------ */

static void test_ip_literal(void **state)
{
	static const struct {
		const char *s;
		int len;
		uint8_t ip[16];
	} cases[] = {
		{"127.0.0.1", 4, {127, 0, 0, 1}},
		{"0.0.0.0", 4, {0}},
		{"255.255.255.255", 4, {255, 255, 255, 255}},
		{"::1", 16, {[15] = 1}},
		{"[::1]", 16, {[15] = 1}},
		{"::", 16, {0}},
		{"2001:db8::5", 16, {0x20, 0x01, 0x0d, 0xb8, [15] = 5}},
		{"2001:DB8:0:0:0:0:0:5", 16, {0x20, 0x01, 0x0d, 0xb8, [15] = 5}},
		{"fe80::", 16, {0xfe, 0x80}},
		{"::ffff:192.0.2.1", 16, {[10] = 0xff, [11] = 0xff, 192, 0, 2, 1}},
		{"1:2:3:4:5:6:7::", 16, {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0}},
		{"registrar.example.test", 0, {0}},
		{"", 0, {0}},
		{"1.2.3", 0, {0}},
		{"1.2.3.4.5", 0, {0}},
		{"256.1.1.1", 0, {0}},
		{"01.2.3.4", 0, {0}},
		{"1.2.3.4 ", 0, {0}},
		{"[127.0.0.1]", 0, {0}},
		{":::", 0, {0}},
		{"1::2::3", 0, {0}},
		{"1:2:3:4:5:6:7:8:9", 0, {0}},
		{"1:2:3:4:5:6:7:8::", 0, {0}},
		{"12345::1", 0, {0}},
		{":1::", 0, {0}},
		{"1:", 0, {0}},
		{"::1.2.3", 0, {0}},
		{"::g", 0, {0}},
		{"[::1", 0, {0}},
		{"fe80::1%eth0", 0, {0}},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t out[16] = {0};
		int n = sip_tls_ip_literal(cases[i].s, out);

		if (n != cases[i].len)
			print_message("case %zu '%s': %d\n", i, cases[i].s, n);
		assert_int_equal(n, cases[i].len);
		if (n)
			assert_memory_equal(out, cases[i].ip, (size_t)n);
	}
	assert_int_equal(sip_tls_ip_literal(NULL, (uint8_t[16]){0}), 0);
}

static void test_new_refuses_bad_conf(void **state)
{
	struct sip_tls_conf conf = {0};
	struct sip_tp *tp = NULL;
	struct sg_error e;

	(void)state;
	sg_error_init(&e);
	assert_int_equal(sip_tp_tls_new(&hal, &conf, &tp, &e), SG_E_INTERNAL);
	conf.anchors = &server_ca;
	conf.client_chain = &alice.chain; /* without its key */
	assert_int_equal(sip_tp_tls_new(&hal, &conf, &tp, &e), SG_E_INTERNAL);
	assert_null(tp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_literal),
		cmocka_unit_test(test_new_refuses_bad_conf),
		cmocka_unit_test(test_openssl_s_server),
		cmocka_unit_test(test_registrar_name_constraints),
		cmocka_unit_test(test_verify_hook_gets_verified_issuer),
		cmocka_unit_test(test_kamailio_register),
		cmocka_unit_test(test_registrar_name),
		cmocka_unit_test(test_registrar_other_setup),
		cmocka_unit_test(test_peer_framing_and_pong),
		cmocka_unit_test(test_peer_malformed),
		cmocka_unit_test(test_handshake_failures),
		cmocka_unit_test(test_token_cannot_sign),
		cmocka_unit_test(test_key_exchange_groups),
		cmocka_unit_test(test_expired_registrar_anchor),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
