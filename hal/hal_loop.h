/*
 * hal_loop.h: the one event loop (single-threaded, poll-style).
 *
 * Timers and readiness callbacks run on the thread that calls
 * hal_loop_run(), one at a time; a callback may add or cancel timers and
 * watches, including its own. Handles watched here are hal_net handles (or,
 * on a port, any descriptor the port hands out).
 */
#ifndef HAL_LOOP_H
#define HAL_LOOP_H

#include <stdint.h>

#include "hal_err.h"

enum hal_loop_events {
	HAL_LOOP_READ = 1,
	HAL_LOOP_WRITE = 2,
	HAL_LOOP_ERROR = 4, /* reported only: hang-up or error on the handle */
};

/* A timer fired; arg is what was given to add_timer. */
typedef void (*hal_loop_timer_h)(void *arg);
/* A handle is ready; events is a mask of enum hal_loop_events. */
typedef void (*hal_loop_ready_h)(int handle, int events, void *arg);

struct hal_loop_ops {
	/* One-shot timer after delay_ms; *id identifies it for cancel. */
	int (*add_timer)(void *ctx, uint32_t delay_ms, hal_loop_timer_h h, void *arg, int *id);
	int (*cancel_timer)(void *ctx, int id);
	/* Watches handle for events (replaces an earlier watch); events 0
	 * stops watching it. */
	int (*watch)(void *ctx, int handle, int events, hal_loop_ready_h h, void *arg);
	/* Runs until hal_loop_stop() or until nothing is left to wait for. */
	int (*run)(void *ctx);
	void (*stop)(void *ctx);
};

struct hal_loop {
	const struct hal_loop_ops *ops;
	void *ctx;
};

static inline int hal_loop_add_timer(const struct hal_loop *l, uint32_t delay_ms,
				     hal_loop_timer_h h, void *arg, int *id)
{
	return HAL_CALL(l, add_timer, delay_ms, h, arg, id);
}

static inline int hal_loop_cancel_timer(const struct hal_loop *l, int id)
{
	return HAL_CALL(l, cancel_timer, id);
}

static inline int hal_loop_watch(const struct hal_loop *l, int handle, int events,
				 hal_loop_ready_h h, void *arg)
{
	return HAL_CALL(l, watch, handle, events, h, arg);
}

static inline int hal_loop_run(const struct hal_loop *l)
{
	return HAL_CALL0(l, run);
}

static inline void hal_loop_stop(const struct hal_loop *l)
{
	if (l && l->ops && l->ops->stop)
		l->ops->stop(l->ctx);
}

#endif
