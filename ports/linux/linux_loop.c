/*
 * linux_loop.c: the event loop on poll(2): one-shot timers and fd watches.
 *
 * Callbacks may add and cancel timers and watches, their own included:
 * a timer is unlinked before its callback runs, watches are looked up again
 * by fd before each dispatch, and poll works on its own copy of the watch
 * list. A timer added during dispatch waits for the next round even when
 * it is already due, so a zero-delay timer cannot starve the watches.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "linux_dev.h"

struct loop_timer {
	int id;
	uint64_t due;
	uint64_t seq; /* creation order: ties fire in the order they were added */
	hal_loop_timer_h h;
	void *arg;
	struct loop_timer *next;
};

struct loop_watch {
	int fd;
	int events;
	hal_loop_ready_h h;
	void *arg;
};

struct loop_ctx {
	struct loop_timer *timers; /* sorted by due, then seq */
	int next_id;
	uint64_t seq;
	struct loop_watch *w;
	size_t nw, capw;
	struct pollfd *pfd;
	size_t cappfd;
	int stop;
	int running;
};

static uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int loop_add_timer(void *ctx, uint32_t delay_ms, hal_loop_timer_h h, void *arg, int *id)
{
	struct loop_ctx *lc = ctx;
	struct loop_timer *t, **pp;

	if (!h)
		return HAL_EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return HAL_ENOMEM;
	t->id = lc->next_id;
	lc->next_id = lc->next_id == INT_MAX ? 1 : lc->next_id + 1;
	t->due = loop_now_ms() + delay_ms;
	t->seq = ++lc->seq;
	t->h = h;
	t->arg = arg;
	for (pp = &lc->timers; *pp && (*pp)->due <= t->due; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	if (id)
		*id = t->id;
	return HAL_OK;
}

static int loop_cancel_timer(void *ctx, int id)
{
	struct loop_ctx *lc = ctx;
	struct loop_timer **pp;

	for (pp = &lc->timers; *pp; pp = &(*pp)->next) {
		struct loop_timer *t = *pp;

		if (t->id == id) {
			*pp = t->next;
			free(t);
			return HAL_OK;
		}
	}
	return HAL_ENOENT;
}

static struct loop_watch *loop_find(struct loop_ctx *lc, int fd)
{
	size_t i;

	for (i = 0; i < lc->nw; i++) {
		if (lc->w[i].fd == fd)
			return &lc->w[i];
	}
	return NULL;
}

static int loop_watch(void *ctx, int handle, int events, hal_loop_ready_h h, void *arg)
{
	struct loop_ctx *lc = ctx;
	struct loop_watch *w;

	if (handle < 0 || (events && !h))
		return HAL_EINVAL;
	w = loop_find(lc, handle);
	events &= HAL_LOOP_READ | HAL_LOOP_WRITE;
	if (!events) {
		if (w)
			*w = lc->w[--lc->nw];
		return HAL_OK;
	}
	if (!w) {
		if (lc->nw == lc->capw) {
			size_t cap = lc->capw ? lc->capw * 2 : 8;
			struct loop_watch *nw = realloc(lc->w, cap * sizeof(*nw));

			if (!nw)
				return HAL_ENOMEM;
			lc->w = nw;
			lc->capw = cap;
		}
		w = &lc->w[lc->nw++];
		w->fd = handle;
	}
	w->events = events;
	w->h = h;
	w->arg = arg;
	return HAL_OK;
}

/* Fires the timers that were due at now and existed before this round. */
static void loop_fire_timers(struct loop_ctx *lc, uint64_t now)
{
	uint64_t last_seq = lc->seq;
	struct loop_timer **pp = &lc->timers;

	while (!lc->stop && *pp && (*pp)->due <= now) {
		struct loop_timer *t = *pp;

		if (t->seq > last_seq) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		t->h(t->arg);
		free(t);
		pp = &lc->timers; /* the callback may have changed the list */
	}
}

static void loop_fire_watches(struct loop_ctx *lc, size_t n)
{
	size_t i;

	for (i = 0; i < n && !lc->stop; i++) {
		const struct pollfd *p = &lc->pfd[i];
		const struct loop_watch *w;
		int ev = 0;

		if (!p->revents)
			continue;
		w = loop_find(lc, p->fd); /* may be gone or replaced by now */
		if (!w)
			continue;
		if (p->revents & POLLIN)
			ev |= HAL_LOOP_READ;
		if (p->revents & POLLOUT)
			ev |= HAL_LOOP_WRITE;
		ev &= w->events;
		if (p->revents & (POLLERR | POLLHUP | POLLNVAL))
			ev |= HAL_LOOP_ERROR;
		if (ev)
			w->h(p->fd, ev, w->arg);
	}
}

static int loop_prepare(struct loop_ctx *lc)
{
	size_t i;

	if (lc->nw > lc->cappfd) {
		struct pollfd *p = realloc(lc->pfd, lc->nw * sizeof(*p));

		if (!p)
			return HAL_ENOMEM;
		lc->pfd = p;
		lc->cappfd = lc->nw;
	}
	for (i = 0; i < lc->nw; i++) {
		lc->pfd[i].fd = lc->w[i].fd;
		lc->pfd[i].events = (short)(((lc->w[i].events & HAL_LOOP_READ) ? POLLIN : 0) |
					    ((lc->w[i].events & HAL_LOOP_WRITE) ? POLLOUT : 0));
		lc->pfd[i].revents = 0;
	}
	return HAL_OK;
}

static int loop_run(void *ctx)
{
	struct loop_ctx *lc = ctx;
	int r = HAL_OK;

	if (lc->running)
		return HAL_EINVAL;
	lc->running = 1;
	while (!lc->stop && (lc->timers || lc->nw)) {
		size_t n = lc->nw;
		int timeout = -1, pr;

		if (lc->timers) {
			uint64_t now = loop_now_ms(), due = lc->timers->due;

			timeout = due <= now ? 0 : due - now > INT_MAX ? INT_MAX : (int)(due - now);
		}
		r = loop_prepare(lc);
		if (r != HAL_OK)
			break;
		pr = poll(lc->pfd, (nfds_t)n, timeout);
		if (pr < 0 && errno != EINTR) {
			r = HAL_EIO;
			break;
		}
		loop_fire_timers(lc, loop_now_ms());
		if (pr > 0)
			loop_fire_watches(lc, n);
	}
	lc->stop = 0;
	lc->running = 0;
	return r;
}

static void loop_stop(void *ctx)
{
	struct loop_ctx *lc = ctx;

	lc->stop = 1;
}

static const struct hal_loop_ops loop_ops = {
	.add_timer = loop_add_timer,
	.cancel_timer = loop_cancel_timer,
	.watch = loop_watch,
	.run = loop_run,
	.stop = loop_stop,
};

int linux_loop_init(struct hal_loop *l)
{
	struct loop_ctx *lc = calloc(1, sizeof(*lc));

	if (!lc)
		return HAL_ENOMEM;
	lc->next_id = 1;
	l->ops = &loop_ops;
	l->ctx = lc;
	return HAL_OK;
}

void linux_loop_fini(struct hal_loop *l)
{
	struct loop_ctx *lc = l->ctx;

	if (!l->ops)
		return;
	while (lc->timers) {
		struct loop_timer *t = lc->timers;

		lc->timers = t->next;
		free(t);
	}
	free(lc->w);
	free(lc->pfd);
	free(lc);
	l->ops = NULL;
	l->ctx = NULL;
}
