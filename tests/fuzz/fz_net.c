/* fz_net.c: the scripted network and loop of fz_net.h. */
#include "fz_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_WALL0 INT64_C(1767225600) /* 2026-01-01T00:00:00Z */
#define FZ_BUSY 10000                /* dispatches without progress: a busy loop */

#define FZ_TRAP(...)                                  \
	do {                                          \
		fprintf(stderr, "fz_net: " __VA_ARGS__); \
		fputc('\n', stderr);                  \
		__builtin_trap();                     \
	} while (0)

static uint32_t fz_rand(struct fz_net *n)
{
	n->rnd = n->rnd * 1103515245u + 12345u;
	return n->rnd >> 16;
}

static struct fz_conn *fz_conn(struct fz_net *n, int h)
{
	if (h < 0 || h >= FZ_MAX_CONN || !n->conn[h].used)
		return NULL;
	return &n->conn[h];
}

/* ---- hal_net --------------------------------------------------------------- */

static int fz_connect(void *ctx, enum hal_net_proto proto, const char *host, uint16_t port,
		      int timeout_ms, int *handle)
{
	struct fz_net *n = ctx;
	int h, r;

	(void)timeout_ms;
	for (h = 0; h < FZ_MAX_CONN && n->conn[h].used; h++)
		;
	if (h == FZ_MAX_CONN)
		FZ_TRAP("more than %d connections open at once (a leak?)", FZ_MAX_CONN);
	memset(&n->conn[h], 0, sizeof(n->conn[h]));
	n->conn[h].used = 1;
	n->conn[h].proto = proto;
	snprintf(n->conn[h].host, sizeof(n->conn[h].host), "%s", host ? host : "");
	n->conn[h].port = port;
	r = n->on_connect ? n->on_connect(n, h, n->arg) : HAL_OK;
	if (r != HAL_OK) {
		free(n->conn[h].in);
		memset(&n->conn[h], 0, sizeof(n->conn[h]));
		return r;
	}
	n->idle = 0;
	*handle = h;
	return HAL_OK;
}

static int fz_send(void *ctx, int h, const uint8_t *buf, size_t len, size_t *sent)
{
	struct fz_net *n = ctx;
	struct fz_conn *c = fz_conn(n, h);
	size_t k = len;

	*sent = 0;
	if (!c)
		FZ_TRAP("send on handle %d, which is not open", h);
	if (len == 0)
		return HAL_OK;
	if (c->proto == HAL_NET_TCP) {
		uint32_t r = fz_rand(n);

		/* Now and then the socket is full for one call. */
		if (!c->again_said && r % 16 == 0) {
			c->again_said = 1;
			return HAL_EAGAIN;
		}
		k = 1 + r % 512;
		if (k > len)
			k = len;
	}
	c->again_said = 0;
	*sent = k;
	n->idle = 0;
	if (n->on_send)
		n->on_send(n, h, buf, k, n->arg);
	return HAL_OK;
}

static int fz_recv(void *ctx, int h, uint8_t *buf, size_t cap, size_t *got)
{
	struct fz_net *n = ctx;
	struct fz_conn *c = fz_conn(n, h);
	size_t k;

	*got = 0;
	if (!c)
		FZ_TRAP("recv on handle %d, which is not open", h);
	if (c->off == c->len) {
		if (c->peer_closed && c->proto == HAL_NET_TCP) {
			n->idle = 0;
			return HAL_ECLOSED;
		}
		return HAL_EAGAIN;
	}
	if (c->proto == HAL_NET_UDP) {
		size_t d = c->dgram[0];

		memmove(c->dgram, c->dgram + 1, --c->ndgram * sizeof(c->dgram[0]));
		k = d < cap ? d : cap; /* a longer datagram is cut, as by the kernel */
		memcpy(buf, c->in + c->off, k);
		c->off += d;
	} else {
		k = 1 + fz_rand(n) % 64;
		if (k > c->len - c->off)
			k = c->len - c->off;
		if (k > cap)
			k = cap;
		memcpy(buf, c->in + c->off, k);
		c->off += k;
	}
	*got = k;
	n->idle = 0;
	return HAL_OK;
}

static int fz_close(void *ctx, int h)
{
	struct fz_net *n = ctx;
	struct fz_conn *c = fz_conn(n, h);
	size_t i;

	if (!c)
		FZ_TRAP("close of handle %d, which is not open", h);
	for (i = 0; i < n->nwatch; i++)
		if (n->watch[i].h == h)
			FZ_TRAP("handle %d closed while the loop still watches it", h);
	free(c->in);
	memset(c, 0, sizeof(*c));
	n->idle = 0;
	return HAL_OK;
}

static int fz_local(void *ctx, int h, char *buf, size_t cap)
{
	struct fz_net *n = ctx;

	if (!fz_conn(n, h))
		return HAL_EINVAL;
	if (!n->local)
		return HAL_ENOTSUP;
	if (strlen(n->local) >= cap)
		return HAL_ENOMEM;
	memcpy(buf, n->local, strlen(n->local) + 1);
	return HAL_OK;
}

static const struct hal_net_ops fz_net_ops = {
	.connect = fz_connect,
	.send = fz_send,
	.recv = fz_recv,
	.close = fz_close,
	.local = fz_local,
};

void fz_net_push(struct fz_net *n, int h, const uint8_t *p, size_t len)
{
	struct fz_conn *c = fz_conn(n, h);

	if (!c || c->peer_closed)
		return;
	if (c->proto == HAL_NET_UDP && c->ndgram == FZ_MAX_DGRAMS)
		return; /* the socket's buffer is full: dropped */
	if (c->off == c->len)
		c->off = c->len = 0;
	if (c->len + len > c->cap) {
		size_t cap = (c->len + len) * 2 + 64;
		uint8_t *b = realloc(c->in, cap);

		if (!b)
			abort();
		c->in = b;
		c->cap = cap;
	}
	if (len)
		memcpy(c->in + c->len, p, len);
	c->len += len;
	if (c->proto == HAL_NET_UDP)
		c->dgram[c->ndgram++] = len;
}

void fz_net_peer_close(struct fz_net *n, int h)
{
	struct fz_conn *c = fz_conn(n, h);

	if (c)
		c->peer_closed = 1;
}

/* ---- hal_loop -------------------------------------------------------------- */

static int fz_add_timer(void *ctx, uint32_t delay_ms, hal_loop_timer_h h, void *arg, int *id)
{
	struct fz_net *n = ctx;
	uint64_t due = n->mono + delay_ms;
	size_t i;

	if (!h)
		return HAL_EINVAL;
	if (n->ntimers == FZ_MAX_TIMERS)
		FZ_TRAP("more than %d timers at once (a leak?)", FZ_MAX_TIMERS);
	for (i = n->ntimers; i > 0 && n->timers[i - 1].due > due; i--)
		n->timers[i] = n->timers[i - 1];
	n->timers[i].id = ++n->next_id;
	n->timers[i].due = due;
	n->timers[i].h = h;
	n->timers[i].arg = arg;
	n->ntimers++;
	if (id)
		*id = n->timers[i].id;
	return HAL_OK;
}

static int fz_cancel_timer(void *ctx, int id)
{
	struct fz_net *n = ctx;
	size_t i;

	for (i = 0; i < n->ntimers; i++) {
		if (n->timers[i].id != id)
			continue;
		memmove(n->timers + i, n->timers + i + 1, (n->ntimers - i - 1) * sizeof(n->timers[0]));
		n->ntimers--;
		return HAL_OK;
	}
	return HAL_ENOENT;
}

static int fz_watch(void *ctx, int h, int events, hal_loop_ready_h cb, void *arg)
{
	struct fz_net *n = ctx;
	size_t i;

	if (h < 0 || (events && !cb))
		return HAL_EINVAL;
	events &= HAL_LOOP_READ | HAL_LOOP_WRITE;
	for (i = 0; i < n->nwatch && n->watch[i].h != h; i++)
		;
	if (!events) {
		if (i < n->nwatch) {
			n->watch[i] = n->watch[--n->nwatch];
			n->rr = 0;
		}
		return HAL_OK;
	}
	if (!fz_conn(n, h))
		FZ_TRAP("watch of handle %d, which is not open", h);
	if (i == n->nwatch) {
		if (n->nwatch == FZ_MAX_WATCH)
			return HAL_ENOMEM;
		n->nwatch++;
	}
	n->watch[i].h = h;
	n->watch[i].events = events;
	n->watch[i].cb = cb;
	n->watch[i].arg = arg;
	return HAL_OK;
}

/* What a poll() on h would say now. */
static int fz_ready(struct fz_net *n, const struct fz_watch *w)
{
	const struct fz_conn *c = fz_conn(n, w->h);
	int ev = 0;

	if (!c)
		return 0;
	if ((w->events & HAL_LOOP_READ) &&
	    (c->off < c->len || (c->peer_closed && c->proto == HAL_NET_TCP)))
		ev |= HAL_LOOP_READ;
	if (w->events & HAL_LOOP_WRITE)
		ev |= HAL_LOOP_WRITE;
	return ev;
}

/* Dispatches one ready watch (round robin); 0 when none is ready. */
static int fz_dispatch(struct fz_net *n)
{
	size_t k;

	for (k = 0; k < n->nwatch; k++) {
		size_t i = (n->rr + k) % n->nwatch;
		struct fz_watch w = n->watch[i];
		int ev = fz_ready(n, &w);

		if (!ev)
			continue;
		n->rr = i + 1;
		if (++n->idle > FZ_BUSY)
			FZ_TRAP("busy loop: handle %d keeps being ready (events %d) and nothing "
				"moves", w.h, ev);
		w.cb(w.h, ev, w.arg);
		return 1;
	}
	return 0;
}

static int fz_run_until(struct fz_net *n, int has_limit, uint64_t limit)
{
	int r = HAL_OK;

	if (n->running)
		return HAL_EINVAL;
	n->running = 1;
	for (;;) {
		if (n->stop)
			break;
		if (fz_dispatch(n))
			continue;
		if (n->ntimers && (!has_limit || n->timers[0].due <= limit)) {
			struct fz_timer t = n->timers[0];

			memmove(n->timers, n->timers + 1, --n->ntimers * sizeof(n->timers[0]));
			if (t.due > n->mono)
				n->mono = t.due;
			n->idle = 0;
			t.h(t.arg);
			continue;
		}
		if (has_limit && n->mono < limit)
			n->mono = limit;
		if (n->ntimers || n->nwatch)
			r = HAL_ETIMEDOUT;
		break;
	}
	n->stop = 0;
	n->running = 0;
	return r;
}

int fz_net_run_for(struct fz_net *n, uint64_t ms)
{
	return fz_run_until(n, 1, n->mono + ms);
}

static int fz_run(void *ctx)
{
	return fz_run_until(ctx, 0, 0);
}

static void fz_stop(void *ctx)
{
	struct fz_net *n = ctx;

	n->stop = 1;
}

static const struct hal_loop_ops fz_loop_ops = {
	.add_timer = fz_add_timer,
	.cancel_timer = fz_cancel_timer,
	.watch = fz_watch,
	.run = fz_run,
	.stop = fz_stop,
};

/* ---- hal_clock ------------------------------------------------------------- */

static uint64_t fz_mono(void *ctx)
{
	const struct fz_net *n = ctx;

	return n->mono;
}

static int fz_wall(void *ctx, int64_t *t)
{
	const struct fz_net *n = ctx;

	*t = n->wall0 + (int64_t)(n->mono / 1000u);
	return HAL_OK;
}

static const struct hal_clock_ops fz_clock_ops = {
	.mono_ms = fz_mono,
	.wall = fz_wall,
};

/* ---- setup ------------------------------------------------------------------ */

void fz_net_init(struct fz_net *n, uint32_t seed, fz_connect_h on_connect, fz_send_h on_send,
		 void *arg)
{
	memset(n, 0, sizeof(*n));
	n->mono = 1000;
	n->wall0 = FZ_WALL0;
	n->rnd = seed;
	n->on_connect = on_connect;
	n->on_send = on_send;
	n->arg = arg;
}

void fz_net_free(struct fz_net *n)
{
	size_t i;

	for (i = 0; i < FZ_MAX_CONN; i++)
		free(n->conn[i].in);
	memset(n->conn, 0, sizeof(n->conn));
}

void fz_net_hal(struct fz_net *n, struct hal *hal)
{
	hal->net.ops = &fz_net_ops;
	hal->net.ctx = n;
	hal->loop.ops = &fz_loop_ops;
	hal->loop.ctx = n;
	hal->clock.ops = &fz_clock_ops;
	hal->clock.ctx = n;
}

size_t fz_net_timers(const struct fz_net *n)
{
	return n->ntimers;
}

size_t fz_net_watches(const struct fz_net *n)
{
	return n->nwatch;
}

size_t fz_net_open(const struct fz_net *n)
{
	size_t i, k = 0;

	for (i = 0; i < FZ_MAX_CONN; i++)
		k += n->conn[i].used != 0;
	return k;
}
