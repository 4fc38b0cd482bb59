/*
 * hal_clock.h: time.
 *
 * The monotonic clock never jumps and is used for timeouts and latencies.
 * The wall clock is what certificates are checked against; a device that
 * has not learnt the time yet (no RTC, no NTP yet) must say so with
 * HAL_ENOENT instead of returning 1970.
 */
#ifndef HAL_CLOCK_H
#define HAL_CLOCK_H

#include <stdint.h>

#include "hal_err.h"

struct hal_clock_ops {
	/* Monotonic milliseconds since an arbitrary origin. Never fails. */
	uint64_t (*mono_ms)(void *ctx);
	/* Seconds since 1970-01-01 UTC. HAL_ENOENT: time not known yet. */
	int (*wall)(void *ctx, int64_t *unix_seconds);
};

struct hal_clock {
	const struct hal_clock_ops *ops;
	void *ctx;
};

/* The clock is mandatory: a hal without mono_ms is refused where it is
 * attached (hal_missing in hal.h; board_open, port_test_hal), so this
 * call never meets a missing one and needs no test of its own. */
static inline uint64_t hal_clock_mono_ms(const struct hal_clock *c)
{
	return c->ops->mono_ms(c->ctx);
}

static inline int hal_clock_wall(const struct hal_clock *c, int64_t *t)
{
	return HAL_CALL(c, wall, t);
}

#endif
