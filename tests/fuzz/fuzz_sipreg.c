/*
 * fuzz_sipreg.c: the registration client (sip/sip_reg.c, sip_tx.c, the
 * UDP and TCP transports, Digest in sip_digest.c) fed fuzzed responses
 * while a registration is in progress: not the header accessors alone,
 * but what the client does with 1xx, 2xx, 3xx, 401/407, 423, 5xx,
 * Retry-After, Min-Expires, Flow-Timer, keep-alive answers, requests from
 * the registrar, closed connections and silence.
 *
 * The registrar is tests/fuzz/fz_net.c's other end: every REGISTER the
 * client sends is answered with the input's next template, in which $b,
 * $c, $f, $n and $u become the request's branch, Call-ID, From tag, CSeq
 * number and Contact URI (so an answer can belong to the transaction, or,
 * mutated, not). Time jumps from timer to timer: refreshes, back-off and
 * timer F cost nothing.
 *
 * Input: byte 0 picks the set-up, the rest is templates separated by NUL
 * bytes, each starting with what the registrar does with it:
 *   'R' answer with the rest; 'C' answer, then close the connection;
 *   'N' (or nothing) stay silent; 'D' answer twice; 'S' (no answer) the owner stops
 *   the registration now (REGISTER with Expires 0 gets the next template);
 *   anything else: the whole template is the answer.
 *   bit 0  TCP (else UDP);          bit 1  a password (Digest);
 *   bit 2  RFC 5626 (instance, reg-id, outbound, path);
 *   bit 3  keep-alive pings answered;  bit 4  the HAL knows the local
 *   address (else a .invalid sent-by);  bits 0-7 also seed the pieces.
 * When the templates run out (or after 48 requests) the owner stops the
 * registration.
 *
 * Checked: every request the client sends is a REGISTER of the same
 * Call-ID with a growing CSeq, carries Authorization only with a password
 * and never the password itself (unless the registrar sent it first); the states reported keep their
 * promises (REGISTERED with a granted expiry, FAILED with a reason);
 * after stop the client reports UNREGISTERED; after freeing, no timer,
 * watch, connection or byte of memory is left.
 */
#define _GNU_SOURCE

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_net.h"
#include "port_test.h"
#include "sg_mem.h"
#include "sip_msg.h"
#include "sip_reg.h"
#include "sip_transports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

#define PASSWORD "fuzz-secret-pw"
#define MAX_PINGS 16
#define MAX_REQUESTS 48
#define REQ_MAX 8192

struct peer {
	struct fz_net *net;
	uint8_t flags;
	const uint8_t *in; /* the whole input */
	size_t in_len;
	const uint8_t *t;  /* templates left */
	size_t tn;
	int stopping;      /* the owner called sip_reg_stop */
	int want_stop;     /* ... and should, at the next chance */
	int pings;
	/* the request being received (TCP: bytes until CRLF CRLF) */
	char req[REQ_MAX + 1];
	size_t req_len;
	/* what identifies the registration */
	char call_id[128];
	unsigned long cseq;
	int requests;
	/* states reported */
	int unregistered, states;
};

/* The password in what the client wrote, and not because the registrar
 * sent it (a realm or a reason phrase the client quotes back). */
static int has_password(const struct peer *pe, const char *s, size_t n)
{
	return memmem(s, n, PASSWORD, strlen(PASSWORD)) &&
	       !memmem(pe->in, pe->in_len, PASSWORD, strlen(PASSWORD));
}

/* Copies the value after key in req up to one of stop, "" when absent. */
static void field(const char *req, const char *key, const char *stop, char *out, size_t cap)
{
	const char *p = strstr(req, key);
	size_t n;

	out[0] = '\0';
	if (!p)
		return;
	p += strlen(key);
	n = strcspn(p, stop);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* The next template: [*p, *n); 0 when none is left. */
static int next_template(struct peer *pe, const uint8_t **p, size_t *n)
{
	const uint8_t *z;

	if (!pe->tn)
		return 0;
	z = memchr(pe->t, '\0', pe->tn);
	*p = pe->t;
	*n = z ? (size_t)(z - pe->t) : pe->tn;
	pe->t += *n + (z ? 1 : 0);
	pe->tn -= *n + (z ? 1 : 0);
	return 1;
}

/* Writes the template with the request's values put in. */
static size_t fill(const uint8_t *t, size_t n, const char *req, char *out, size_t cap)
{
	char branch[128], from[256], tag[128], cid[128], cseq[32], contact[512];
	size_t o = 0, i;

	field(req, "branch=", ";, \r\n", branch, sizeof(branch));
	field(req, "\r\nFrom: ", "\r\n", from, sizeof(from));
	field(from, "tag=", ";, \r\n", tag, sizeof(tag));
	field(req, "\r\nCall-ID: ", "\r\n", cid, sizeof(cid));
	field(req, "\r\nCSeq: ", " \r\n", cseq, sizeof(cseq));
	field(req, "\r\nContact: <", ">\r\n", contact, sizeof(contact));
	for (i = 0; i < n && o < cap; i++) {
		const char *v = NULL;
		size_t k;

		if (t[i] == '$' && i + 1 < n) {
			switch (t[i + 1]) {
			case 'b': v = branch; break;
			case 'c': v = cid; break;
			case 'f': v = tag; break;
			case 'n': v = cseq; break;
			case 'u': v = contact; break;
			default: break;
			}
		}
		if (!v) {
			out[o++] = (char)t[i];
			continue;
		}
		k = strlen(v) < cap - o ? strlen(v) : cap - o;
		memcpy(out + o, v, k);
		o += k;
		i++;
	}
	return o;
}

/* A whole request from the client: checks it, answers it. */
static void on_request(struct peer *pe, int h, const char *req, size_t len)
{
	static char out[65536];
	char cid[128], cseq[32];
	const uint8_t *t;
	size_t n, k;
	unsigned long num;

	/* A REGISTER of this registration, never with the password. */
	CHECK(len > 9 && !memcmp(req, "REGISTER ", 9) && memchr(req, '\0', len) == NULL);
	field(req, "\r\nCall-ID: ", "\r\n", cid, sizeof(cid));
	field(req, "\r\nCSeq: ", " \r\n", cseq, sizeof(cseq));
	CHECK(cid[0] && cseq[0]);
	if (!pe->requests)
		snprintf(pe->call_id, sizeof(pe->call_id), "%s", cid);
	CHECK(!strcmp(pe->call_id, cid));
	num = strtoul(cseq, NULL, 10);
	CHECK(!pe->requests || num >= pe->cseq);
	pe->cseq = num;
	CHECK(!has_password(pe, req, len));
	if (!(pe->flags & 2))
		CHECK(!memmem(req, len, "Authorization:", 14));
	/* A bound on the work per input: a script of silences would
	 * otherwise buy a REGISTER each. */
	if (++pe->requests > MAX_REQUESTS && !pe->stopping) {
		pe->want_stop = 1;
		return;
	}

	if (!next_template(pe, &t, &n)) {
		if (!pe->stopping)
			pe->want_stop = 1; /* out of answers: the owner signs out */
		return;
	}
	switch (n ? t[0] : 'N') {
	case 'N':
		return;
	case 'S':
		if (!pe->stopping)
			pe->want_stop = 1;
		return;
	case 'R':
	case 'C':
	case 'D':
		k = fill(t + 1, n - 1, req, out, sizeof(out));
		break;
	default:
		k = fill(t, n, req, out, sizeof(out));
		break;
	}
	fz_net_push(pe->net, h, (const uint8_t *)out, k);
	if (n && t[0] == 'D')
		fz_net_push(pe->net, h, (const uint8_t *)out, k);
	if (n && t[0] == 'C')
		fz_net_peer_close(pe->net, h);
}

static void on_send(struct fz_net *n, int h, const uint8_t *p, size_t len, void *arg)
{
	struct peer *pe = arg;
	char *end;

	if (n->conn[h].proto == HAL_NET_UDP) {
		char req[REQ_MAX + 1];

		CHECK(len <= REQ_MAX);
		memcpy(req, p, len);
		req[len] = '\0';
		on_request(pe, h, req, len);
		goto out;
	}
	CHECK(pe->req_len + len <= REQ_MAX);
	memcpy(pe->req + pe->req_len, p, len);
	pe->req_len += len;
	pe->req[pe->req_len] = '\0';
	for (;;) {
		size_t whole;

		/* A keep-alive ping (RFC 5626 4.4.1): CRLF CRLF. */
		if (pe->req_len >= 4 && !memcmp(pe->req, "\r\n\r\n", 4)) {
			whole = 4;
			if (pe->flags & 8)
				fz_net_push(n, h, (const uint8_t *)"\r\n", 2);
			if (++pe->pings >= MAX_PINGS && !pe->stopping)
				pe->want_stop = 1;
		} else {
			end = strstr(pe->req, "\r\n\r\n");
			if (!end)
				break;
			whole = (size_t)(end - pe->req) + 4; /* REGISTER has no body */
			on_request(pe, h, pe->req, whole);
		}
		memmove(pe->req, pe->req + whole, pe->req_len - whole + 1);
		pe->req_len -= whole;
	}
out:
	if (pe->want_stop)
		n->stop = 1;
}

static int on_connect(struct fz_net *n, int h, void *arg)
{
	struct peer *pe = arg;

	(void)n;
	(void)h;
	pe->req_len = 0; /* a new connection: a new stream */
	return HAL_OK;
}

static void on_state(const struct sip_reg_info *info, void *arg)
{
	struct peer *pe = arg;

	pe->states++;
	switch (info->state) {
	case SIP_REG_REGISTERED:
		CHECK(info->expires > 0 && info->status >= 200 && info->status < 300);
		CHECK(!pe->unregistered);
		break;
	case SIP_REG_FAILED:
		CHECK(info->err && info->err->code != SG_OK && info->err->detail[0]);
		CHECK(!has_password(pe, info->err->detail, strlen(info->err->detail)));
		CHECK(!info->will_retry || info->retry_ms <= 1800u * 1000u);
		break;
	case SIP_REG_UNREGISTERED:
		CHECK(pe->stopping && !pe->unregistered);
		pe->unregistered = 1;
		pe->net->stop = 1;
		break;
	case SIP_REG_REGISTERING:
	case SIP_REG_SENT:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct port_test *pt;
	static struct hal base;
	struct sip_reg_cfg cfg;
	struct sip_reg *r = NULL;
	struct sip_tp *tp = NULL;
	struct fz_net net;
	struct peer pe;
	struct hal hal;
	struct sg_error e;
	size_t before;

	if (!pt) {
		pt = port_test_new();
		if (!pt)
			abort();
		port_test_hal(pt, &base);
		port_test_log_level(pt, HAL_LOG_ERR);
	}
	if (size < 1)
		return 0;
	port_test_rng_seed(pt, 7);
	port_test_log_clear(pt);
	before = sg_mem_current();
	memset(&pe, 0, sizeof(pe));
	pe.net = &net;
	pe.flags = data[0];
	pe.in = data;
	pe.in_len = size;
	pe.t = data + 1;
	pe.tn = size - 1;
	hal = base;
	fz_net_init(&net, data[0], on_connect, on_send, &pe);
	fz_net_hal(&net, &hal);
	if (pe.flags & 16)
		net.local = "192.0.2.10:5062";
	sg_error_init(&e);
	CHECK((pe.flags & 1 ? sip_tp_tcp_new(&hal, &tp, &e) : sip_tp_udp_new(&hal, &tp, &e)) ==
	      SG_OK);
	memset(&cfg, 0, sizeof(cfg));
	cfg.registrar_host = "registrar.test";
	cfg.registrar_port = pe.flags & 1 ? 5061 : 5060;
	cfg.tp = tp;
	cfg.aor = "sip:alice@example.test";
	cfg.user_agent = "signet-fuzz";
	if (pe.flags & 2) {
		cfg.password = PASSWORD;
		cfg.password_len = strlen(PASSWORD);
	}
	if (pe.flags & 4) {
		cfg.instance = "00000000-0000-1000-8000-000A95A0E128";
		cfg.reg_id = 1;
		cfg.outbound = 1;
		cfg.path = 1;
	}
	cfg.on_state = on_state;
	cfg.arg = &pe;
	CHECK(sip_reg_new(&r, &hal, &cfg, &e) == SG_OK);
	CHECK(sip_reg_start(r, &e) == SG_OK);
	/* Registered, refreshed, failed, retried, until the answers run out
	 * (or a template says stop); six simulated hours at most. */
	(void)fz_net_run_for(&net, 6u * 3600u * 1000u);
	pe.stopping = 1;
	pe.want_stop = 0;
	CHECK(sip_reg_stop(r, 2000, &e) == SG_OK);
	(void)fz_net_run_for(&net, 60u * 1000u);
	CHECK(pe.unregistered);
	sip_reg_free(r);
	tp->ops->destroy(tp->ctx);
	CHECK(fz_net_timers(&net) == 0 && fz_net_watches(&net) == 0 && fz_net_open(&net) == 0);
	fz_net_free(&net);
	CHECK(sg_mem_current() == before);
	return 0;
}
