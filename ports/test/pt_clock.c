/*
 * pt_clock.c: a clock that moves only when a test (or a simulated key
 * press or timer) moves it. The wall clock follows the monotonic one.
 */
#define _GNU_SOURCE

#include "pt_priv.h"

void port_test_clock_set_mono(struct port_test *pt, uint64_t ms)
{
	/* Keep the wall clock where it is. */
	if (pt->wall_known) {
		pt->wall_base += (int64_t)((pt->mono - pt->wall_mono) / 1000u);
		pt->wall_mono = ms;
	}
	pt->mono = ms;
}

void port_test_clock_advance(struct port_test *pt, uint64_t ms)
{
	pt->mono += ms;
}

void port_test_clock_set_wall(struct port_test *pt, int64_t unix_s)
{
	pt->wall_base = unix_s;
	pt->wall_mono = pt->mono;
	pt->wall_known = 1;
}

void port_test_clock_set_wall_unknown(struct port_test *pt)
{
	pt->wall_known = 0;
}

uint64_t port_test_clock_mono(const struct port_test *pt)
{
	return pt->mono;
}

static uint64_t pt_mono_ms(void *ctx)
{
	const struct port_test *pt = ctx;

	return pt->mono;
}

static int pt_wall(void *ctx, int64_t *unix_seconds)
{
	const struct port_test *pt = ctx;

	if (!pt->wall_known)
		return HAL_ENOENT;
	*unix_seconds = pt->wall_base + (int64_t)((pt->mono - pt->wall_mono) / 1000u);
	return HAL_OK;
}

const struct hal_clock_ops pt_clock_ops = {
	.mono_ms = pt_mono_ms,
	.wall = pt_wall,
};
