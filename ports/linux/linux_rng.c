/*
 * linux_rng.c: the kernel's CSPRNG through getrandom(2), which blocks only
 * until the pool is first seeded. A failure returns HAL_EIO; the buffer is
 * then wiped, never handed out half filled.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "linux_dev.h"

static int rng_fill(void *ctx, uint8_t *buf, size_t len)
{
	size_t done = 0;

	(void)ctx;
	while (done < len) {
		ssize_t n = getrandom(buf + done, len - done, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			explicit_bzero(buf, len);
			return HAL_EIO;
		}
		done += (size_t)n; /* short reads happen for large requests */
	}
	return HAL_OK;
}

static const struct hal_rng_ops rng_ops = {
	.fill = rng_fill,
};

void linux_rng_init(struct hal_rng *r)
{
	r->ops = &rng_ops;
	r->ctx = NULL;
}
