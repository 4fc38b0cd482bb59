/*
 * linux_clock.c: CLOCK_MONOTONIC for timeouts, CLOCK_REALTIME for
 * certificate checks.
 *
 * A device without an RTC boots in 1970 until NTP answers: a wall clock
 * before 2020-01-01 is reported as unknown (HAL_ENOENT) rather than
 * believed, so certificates are not judged against a wrong date.
 */
#define _GNU_SOURCE

#include <time.h>

#include "linux_dev.h"

#define CLK_EARLIEST 1577836800 /* 2020-01-01T00:00:00Z */

static uint64_t clk_mono_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int clk_wall(void *ctx, int64_t *unix_seconds)
{
	struct timespec ts;

	(void)ctx;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return HAL_EIO;
	if ((int64_t)ts.tv_sec < CLK_EARLIEST)
		return HAL_ENOENT;
	*unix_seconds = (int64_t)ts.tv_sec;
	return HAL_OK;
}

static const struct hal_clock_ops clk_ops = {
	.mono_ms = clk_mono_ms,
	.wall = clk_wall,
};

void linux_clock_init(struct hal_clock *c)
{
	c->ops = &clk_ops;
	c->ctx = NULL;
}
