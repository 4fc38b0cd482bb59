/*
 * pt_rng.c: NOT RANDOM. A splitmix64 counter stream so that tests see the
 * same "random" bytes every run. Never link this outside tests.
 */
#define _GNU_SOURCE

#include "pt_priv.h"

void port_test_rng_seed(struct port_test *pt, uint64_t seed)
{
	pt->rng_ctr = seed;
}

static uint64_t pt_splitmix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static int pt_fill(void *ctx, uint8_t *buf, size_t len)
{
	struct port_test *pt = ctx;
	size_t i;

	if (pt_fault_hit(pt, PORT_TEST_FAULT_RNG))
		return HAL_EIO;
	for (i = 0; i < len; i += 8) {
		uint64_t v = pt_splitmix(pt->rng_ctr++);
		size_t j;

		for (j = 0; j < 8 && i + j < len; j++)
			buf[i + j] = (uint8_t)(v >> (8 * j));
	}
	return HAL_OK;
}

const struct hal_rng_ops pt_rng_ops = {
	.fill = pt_fill,
};
