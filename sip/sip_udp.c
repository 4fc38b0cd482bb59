/*
 * sip_udp.c: SIP over "connected" UDP (RFC 3261 18.1.1 / 18.2.1 for
 * a client that talks to one registrar).
 */
#include <stdio.h>
#include <string.h>

#include "sg_mem.h"
#include "sip_transports.h"

struct udp_tp {
	struct sip_tp tp;
	const struct hal *hal;
	int h;               /* hal_net handle, -1 when closed */
	int up;
	int timer;           /* pending UP/DOWN report, -1 when none */
	int pending_up;      /* what the timer reports */
	struct sg_error err; /* the DOWN reason */
	unsigned gen;        /* bumped by close: stops a dispatch in progress */
	char local[64];      /* our address once connected, for Via/Contact */
	char host[256];
	uint16_t port;
	uint8_t rbuf[SIP_UDP_RECV_MAX];
};

static void udp_close(void *ctx)
{
	struct udp_tp *u = ctx;

	u->gen++;
	if (u->timer >= 0)
		(void)hal_loop_cancel_timer(&u->hal->loop, u->timer);
	u->timer = -1;
	if (u->h >= 0) {
		(void)hal_loop_watch(&u->hal->loop, u->h, 0, NULL, NULL);
		(void)hal_net_close(&u->hal->net, u->h);
	}
	u->h = -1;
	u->up = 0;
}

static void udp_down(struct udp_tp *u)
{
	struct sg_error err = u->err;

	udp_close(u);
	if (u->tp.on_event)
		u->tp.on_event(SIP_TP_DOWN, &err, u->tp.arg);
}

static int only_crlf(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

static void udp_ready(int handle, int events, void *arg)
{
	struct udp_tp *u = arg;
	unsigned gen = u->gen;
	int i;

	(void)handle;
	(void)events;
	/* A bounded number of datagrams per wake-up keeps the loop fair. */
	for (i = 0; i < 32; i++) {
		size_t got = 0;
		int r = hal_net_recv(&u->hal->net, u->h, u->rbuf, sizeof(u->rbuf), &got);

		if (r == HAL_EAGAIN)
			return;
		if (r != HAL_OK) {
			sip_tp_net_err(&u->err, r, "UDP to", u->host, u->port);
			udp_down(u);
			return;
		}
		if (got == 0 || only_crlf(u->rbuf, got))
			continue;
		if (u->tp.on_msg)
			u->tp.on_msg(u->rbuf, got, u->tp.arg);
		if (gen != u->gen)
			return;
	}
}

static void udp_report(void *arg)
{
	struct udp_tp *u = arg;

	u->timer = -1;
	if (!u->pending_up) {
		udp_down(u);
		return;
	}
	u->up = 1;
	if (u->tp.on_event)
		u->tp.on_event(SIP_TP_UP, NULL, u->tp.arg);
}

static sg_err udp_open(void *ctx, const char *host, uint16_t port, int timeout_ms,
		       struct sg_error *e)
{
	struct udp_tp *u = ctx;
	int r;

	udp_close(u);
	if (!host || snprintf(u->host, sizeof(u->host), "%s", host) >= (int)sizeof(u->host))
		return sg_error_set(e, SG_E_CONFIG, "UDP: host name missing or too long");
	u->port = port;
	sg_error_init(&u->err);
	r = hal_net_connect(&u->hal->net, HAL_NET_UDP, host, port, timeout_ms, &u->h);
	if (r == HAL_OK)
		r = hal_loop_watch(&u->hal->loop, u->h, HAL_LOOP_READ, udp_ready, u);
	u->pending_up = r == HAL_OK;
	if (r != HAL_OK) {
		sip_tp_net_err(&u->err, r, "UDP to", host, port);
		if (u->h >= 0)
			(void)hal_net_close(&u->hal->net, u->h);
		u->h = -1;
	}
	if (hal_loop_add_timer(&u->hal->loop, 0, udp_report, u, &u->timer) != HAL_OK) {
		udp_close(u);
		return sg_error_set(e, SG_E_INTERNAL, "UDP: cannot add a loop timer");
	}
	return SG_OK;
}

static sg_err udp_send(void *ctx, const uint8_t *buf, size_t len, struct sg_error *e)
{
	struct udp_tp *u = ctx;
	size_t sent = 0;
	int r;

	if (!u->up)
		return sg_error_set(e, SG_E_NETWORK, "UDP to %s:%u: not open", u->host,
				    (unsigned)u->port);
	r = hal_net_send(&u->hal->net, u->h, buf, len, &sent);
	if (r == HAL_EAGAIN)
		return SG_OK; /* dropped like a lost datagram; timer E resends */
	if (r != HAL_OK)
		return sip_tp_net_err(e, r, "UDP to", u->host, u->port);
	return SG_OK;
}

static const char *udp_name(void *ctx)
{
	(void)ctx;
	return "UDP";
}

static const char *udp_local(void *ctx)
{
	struct udp_tp *t = ctx;

	if (t->h < 0 || hal_net_local(&t->hal->net, t->h, t->local, sizeof(t->local)) != HAL_OK)
		return NULL;
	return t->local;
}

static void udp_destroy(void *ctx)
{
	struct udp_tp *u = ctx;

	if (!u)
		return;
	udp_close(u);
	sg_free(u);
}

static const struct sip_tp_ops udp_ops = {
	.open = udp_open,
	.send = udp_send,
	.close = udp_close,
	.name = udp_name,
	.local = udp_local,
	.destroy = udp_destroy,
};

sg_err sip_tp_udp_new(const struct hal *hal, struct sip_tp **out, struct sg_error *e)
{
	struct udp_tp *u = sg_calloc(1, sizeof(*u));

	*out = NULL;
	if (!u)
		return sg_error_set(e, SG_E_NOMEM, "UDP transport: out of memory");
	u->hal = hal;
	u->h = -1;
	u->timer = -1;
	u->tp.ops = &udp_ops;
	u->tp.ctx = u;
	u->tp.kind = SIP_TP_UDP;
	u->tp.reliable = 0;
	*out = &u->tp;
	return SG_OK;
}
