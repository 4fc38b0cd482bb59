/*
 * hal_rng.h: random bytes from the device's entropy source, suitable for
 * keys, challenges and nonces. Blocks only until the source is seeded.
 */
#ifndef HAL_RNG_H
#define HAL_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "hal_err.h"

struct hal_rng_ops {
	/* Fills buf with len random bytes, or fails with HAL_EIO: a failure
	 * must never hand out predictable bytes. */
	int (*fill)(void *ctx, uint8_t *buf, size_t len);
};

struct hal_rng {
	const struct hal_rng_ops *ops;
	void *ctx;
};

static inline int hal_rng_fill(const struct hal_rng *r, uint8_t *buf, size_t len)
{
	return HAL_CALL(r, fill, buf, len);
}

/* mbedTLS-shaped f_rng adapter: pass the struct hal_rng * as p_rng. */
static inline int hal_rng_mbedtls(void *p_rng, unsigned char *buf, size_t len)
{
	return hal_rng_fill((const struct hal_rng *)p_rng, buf, len) == HAL_OK ? 0 : -1;
}

#endif
