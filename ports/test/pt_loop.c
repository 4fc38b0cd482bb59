/*
 * pt_loop.c: the simulated event loop. Time jumps straight to the next
 * timer (no waiting), so a test of a one-hour registration refresh runs in
 * microseconds and always in the same order.
 */
#define _GNU_SOURCE

#include <stdlib.h>

#include "pt_priv.h"

static int pt_add_timer(void *ctx, uint32_t delay_ms, hal_loop_timer_h h, void *arg, int *id)
{
	struct port_test *pt = ctx;
	struct pt_timer *t, **pp;

	if (!h)
		return HAL_EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return HAL_ENOMEM;
	t->id = pt->next_timer_id++;
	t->due = pt->mono + delay_ms;
	t->h = h;
	t->arg = arg;
	for (pp = &pt->timers; *pp && (*pp)->due <= t->due; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	if (id)
		*id = t->id;
	return HAL_OK;
}

static int pt_cancel_timer(void *ctx, int id)
{
	struct port_test *pt = ctx;
	struct pt_timer **pp;

	for (pp = &pt->timers; *pp; pp = &(*pp)->next) {
		struct pt_timer *t = *pp;

		if (t->id == id) {
			*pp = t->next;
			free(t);
			return HAL_OK;
		}
	}
	return HAL_ENOENT;
}

static struct pt_watch *pt_find_watch(struct port_test *pt, int fd)
{
	size_t i;

	for (i = 0; i < pt->nwatch; i++) {
		if (pt->watches[i].fd == fd)
			return &pt->watches[i];
	}
	return NULL;
}

static int pt_watch(void *ctx, int handle, int events, hal_loop_ready_h h, void *arg)
{
	struct port_test *pt = ctx;
	struct pt_watch *w;

	if (handle < 0 || (events && !h))
		return HAL_EINVAL;
	w = pt_find_watch(pt, handle);
	events &= HAL_LOOP_READ | HAL_LOOP_WRITE;
	if (!events) {
		if (w)
			*w = pt->watches[--pt->nwatch];
		return HAL_OK;
	}
	if (!w) {
		if (pt->nwatch == PT_MAX_WATCH)
			return HAL_ENOMEM;
		w = &pt->watches[pt->nwatch++];
		w->fd = handle;
	}
	w->events = events;
	w->h = h;
	w->arg = arg;
	return HAL_OK;
}

void port_test_loop_ready(struct port_test *pt, int handle, int events)
{
	if (pt->nready == PT_MAX_READY)
		abort(); /* a test queued more than it can ever dispatch */
	pt->ready[pt->nready].fd = handle;
	pt->ready[pt->nready].events = events;
	pt->nready++;
}

size_t port_test_loop_timers(const struct port_test *pt)
{
	const struct pt_timer *t;
	size_t n = 0;

	for (t = pt->timers; t; t = t->next)
		n++;
	return n;
}

/* Dispatches the oldest readiness, if its handle is still watched. */
static void pt_dispatch_ready(struct port_test *pt)
{
	struct pt_ready r = pt->ready[0];
	const struct pt_watch *w;
	size_t i;
	int ev;

	for (i = 1; i < pt->nready; i++)
		pt->ready[i - 1] = pt->ready[i];
	pt->nready--;
	w = pt_find_watch(pt, r.fd);
	if (!w)
		return;
	ev = r.events & (w->events | HAL_LOOP_ERROR);
	if (ev)
		w->h(r.fd, ev, w->arg);
}

/* limit: the clock may not pass it (has_limit 0: no limit). */
static int pt_run_until(struct port_test *pt, int has_limit, uint64_t limit)
{
	int r = HAL_OK;

	if (pt->running)
		return HAL_EINVAL;
	pt->running = 1;
	for (;;) {
		struct pt_timer *t = pt->timers;

		if (pt->stop)
			break;
		if (pt->nready) {
			pt_dispatch_ready(pt);
			continue;
		}
		if (t && (!has_limit || t->due <= limit)) {
			if (t->due > pt->mono)
				pt->mono = t->due;
			pt->timers = t->next;
			t->h(t->arg);
			free(t);
			continue;
		}
		if (has_limit && pt->mono < limit)
			pt->mono = limit;
		if (t || pt->nwatch)
			r = HAL_ETIMEDOUT; /* would wait (for ever, without a limit) */
		break;
	}
	pt->stop = 0;
	pt->running = 0;
	return r;
}

int port_test_loop_run_for(struct port_test *pt, uint64_t ms)
{
	return pt_run_until(pt, 1, pt->mono + ms);
}

static int pt_run(void *ctx)
{
	return pt_run_until(ctx, 0, 0);
}

static void pt_stop(void *ctx)
{
	struct port_test *pt = ctx;

	pt->stop = 1;
}

void pt_loop_free(struct port_test *pt)
{
	while (pt->timers) {
		struct pt_timer *t = pt->timers;

		pt->timers = t->next;
		free(t);
	}
}

const struct hal_loop_ops pt_loop_ops = {
	.add_timer = pt_add_timer,
	.cancel_timer = pt_cancel_timer,
	.watch = pt_watch,
	.run = pt_run,
	.stop = pt_stop,
};
