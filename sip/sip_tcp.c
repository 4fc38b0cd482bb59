/*
 * sip_tcp.c: SIP over TCP (RFC 3261 18): one connection, messages framed
 * by sip_stream, a bounded send queue drained as the socket allows.
 */
#include <stdio.h>
#include <string.h>

#include "sg_mem.h"
#include "sip_stream.h"
#include "sip_transports.h"

struct tcp_tp {
	struct sip_tp tp;
	const struct hal *hal;
	int h;               /* hal_net handle, -1 when closed */
	int up;
	int timer;           /* pending UP/DOWN report, -1 when none */
	int pending_up;
	struct sg_error err; /* the DOWN reason */
	unsigned gen;        /* bumped by close: stops a dispatch in progress */
	char local[64];      /* our address once connected, for Via/Contact */
	char host[256];
	uint16_t port;
	struct sip_stream stream;
	uint8_t *q;          /* unsent bytes q[0..qlen) */
	size_t qlen, qcap;
};

static void tcp_close(void *ctx)
{
	struct tcp_tp *t = ctx;

	t->gen++;
	if (t->timer >= 0)
		(void)hal_loop_cancel_timer(&t->hal->loop, t->timer);
	t->timer = -1;
	if (t->h >= 0) {
		(void)hal_loop_watch(&t->hal->loop, t->h, 0, NULL, NULL);
		(void)hal_net_close(&t->hal->net, t->h);
	}
	t->h = -1;
	t->up = 0;
	t->qlen = 0;
	sip_stream_reset(&t->stream);
}

static void tcp_down(struct tcp_tp *t)
{
	struct sg_error err = t->err;

	tcp_close(t);
	if (t->tp.on_event)
		t->tp.on_event(SIP_TP_DOWN, &err, t->tp.arg);
}

static void tcp_on_msg(const uint8_t *msg, size_t len, void *arg)
{
	struct tcp_tp *t = arg;

	if (t->tp.on_msg)
		t->tp.on_msg(msg, len, t->tp.arg);
}

static void tcp_on_pong(void *arg)
{
	struct tcp_tp *t = arg;

	if (t->tp.on_event)
		t->tp.on_event(SIP_TP_PONG, NULL, t->tp.arg);
}

static void tcp_ready(int handle, int events, void *arg);

static int tcp_rewatch(struct tcp_tp *t)
{
	return hal_loop_watch(&t->hal->loop, t->h, HAL_LOOP_READ | (t->qlen ? HAL_LOOP_WRITE : 0),
			      tcp_ready, t);
}

/* Writes what the socket takes. HAL_OK or a hal_net error. */
static int tcp_flush(struct tcp_tp *t)
{
	while (t->qlen) {
		size_t sent = 0;
		int r = hal_net_send(&t->hal->net, t->h, t->q, t->qlen, &sent);

		if (r == HAL_EAGAIN)
			break;
		if (r != HAL_OK)
			return r;
		if (sent == 0)
			break;
		memmove(t->q, t->q + sent, t->qlen - sent);
		t->qlen -= sent;
	}
	return HAL_OK;
}

static void tcp_ready(int handle, int events, void *arg)
{
	struct tcp_tp *t = arg;
	unsigned gen = t->gen;
	uint8_t buf[4096];
	int i, r;

	(void)handle;
	if (events & HAL_LOOP_WRITE) {
		size_t before = t->qlen;

		r = tcp_flush(t);
		if (r != HAL_OK) {
			sip_tp_net_err(&t->err, r, "TCP to", t->host, t->port);
			tcp_down(t);
			return;
		}
		if (before && !t->qlen)
			(void)tcp_rewatch(t);
	}
	if (!(events & (HAL_LOOP_READ | HAL_LOOP_ERROR)))
		return;
	for (i = 0; i < 16; i++) {
		size_t got = 0;
		struct sg_error fe;

		r = hal_net_recv(&t->hal->net, t->h, buf, sizeof(buf), &got);
		if (r == HAL_EAGAIN)
			return;
		if (r == HAL_OK && got == 0)
			r = HAL_ECLOSED;
		if (r != HAL_OK) {
			sip_tp_net_err(&t->err, r, "TCP connection to", t->host, t->port);
			tcp_down(t);
			return;
		}
		sg_error_init(&fe);
		if (sip_stream_feed(&t->stream, buf, got, &fe) != SG_OK) {
			if (gen != t->gen)
				return;
			sg_error_set(&t->err, fe.code, "TCP from %s:%u: %s", t->host,
				     (unsigned)t->port, fe.detail);
			tcp_down(t);
			return;
		}
		if (gen != t->gen)
			return;
	}
}

static void tcp_report(void *arg)
{
	struct tcp_tp *t = arg;

	t->timer = -1;
	if (!t->pending_up) {
		tcp_down(t);
		return;
	}
	t->up = 1;
	if (t->tp.on_event)
		t->tp.on_event(SIP_TP_UP, NULL, t->tp.arg);
}

static sg_err tcp_open(void *ctx, const char *host, uint16_t port, int timeout_ms,
		       struct sg_error *e)
{
	struct tcp_tp *t = ctx;
	int r;

	tcp_close(t);
	if (!host || snprintf(t->host, sizeof(t->host), "%s", host) >= (int)sizeof(t->host))
		return sg_error_set(e, SG_E_CONFIG, "TCP: host name missing or too long");
	t->port = port;
	sg_error_init(&t->err);
	r = hal_net_connect(&t->hal->net, HAL_NET_TCP, host, port, timeout_ms, &t->h);
	if (r == HAL_OK)
		r = tcp_rewatch(t);
	t->pending_up = r == HAL_OK;
	if (r != HAL_OK) {
		sip_tp_net_err(&t->err, r, "TCP connect to", host, port);
		if (t->h >= 0)
			(void)hal_net_close(&t->hal->net, t->h);
		t->h = -1;
	}
	if (hal_loop_add_timer(&t->hal->loop, 0, tcp_report, t, &t->timer) != HAL_OK) {
		tcp_close(t);
		return sg_error_set(e, SG_E_INTERNAL, "TCP: cannot add a loop timer");
	}
	return SG_OK;
}

static sg_err tcp_send(void *ctx, const uint8_t *buf, size_t len, struct sg_error *e)
{
	struct tcp_tp *t = ctx;
	int r;

	if (!t->up)
		return sg_error_set(e, SG_E_NETWORK, "TCP to %s:%u: not connected", t->host,
				    (unsigned)t->port);
	if (len > SIP_TCP_QUEUE_MAX - t->qlen)
		return sg_error_set(e, SG_E_NETWORK,
				    "TCP to %s:%u: %zu bytes wait to be sent already (peer stuck?)",
				    t->host, (unsigned)t->port, t->qlen);
	if (t->qlen + len > t->qcap) {
		size_t ncap = t->qcap ? t->qcap : 4096;
		uint8_t *nq;

		while (ncap < t->qlen + len)
			ncap *= 2;
		nq = sg_calloc(1, ncap);
		if (!nq)
			return sg_error_set(e, SG_E_NOMEM, "TCP: out of memory for the send queue");
		if (t->qlen)
			memcpy(nq, t->q, t->qlen);
		sg_free(t->q);
		t->q = nq;
		t->qcap = ncap;
	}
	memcpy(t->q + t->qlen, buf, len);
	t->qlen += len;
	r = tcp_flush(t);
	if (r == HAL_OK)
		r = tcp_rewatch(t);
	if (r != HAL_OK)
		return sip_tp_net_err(e, r, "TCP send to", t->host, t->port);
	return SG_OK;
}

static const char *tcp_name(void *ctx)
{
	(void)ctx;
	return "TCP";
}

static const char *tcp_local(void *ctx)
{
	struct tcp_tp *t = ctx;

	if (t->h < 0 || hal_net_local(&t->hal->net, t->h, t->local, sizeof(t->local)) != HAL_OK)
		return NULL;
	return t->local;
}

static void tcp_destroy(void *ctx)
{
	struct tcp_tp *t = ctx;

	if (!t)
		return;
	tcp_close(t);
	sip_stream_free(&t->stream);
	sg_free(t->q);
	sg_free(t);
}

static const struct sip_tp_ops tcp_ops = {
	.open = tcp_open,
	.send = tcp_send,
	.close = tcp_close,
	.name = tcp_name,
	.local = tcp_local,
	.destroy = tcp_destroy,
};

sg_err sip_tp_tcp_new(const struct hal *hal, struct sip_tp **out, struct sg_error *e)
{
	struct tcp_tp *t = sg_calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return sg_error_set(e, SG_E_NOMEM, "TCP transport: out of memory");
	t->hal = hal;
	t->h = -1;
	t->timer = -1;
	sip_stream_init(&t->stream, 0, tcp_on_msg, tcp_on_pong, t);
	t->tp.ops = &tcp_ops;
	t->tp.ctx = t;
	t->tp.kind = SIP_TP_TCP;
	t->tp.reliable = 1;
	*out = &t->tp;
	return SG_OK;
}
