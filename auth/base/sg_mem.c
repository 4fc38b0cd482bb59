/* sg_mem.c: counted allocation for the core (see sg_mem.h). */
#include "sg_mem.h"

#include <stdint.h>
#include <stdlib.h>

#include <mbedtls/platform_util.h>

/* Each block is preceded by its size, padded so the payload stays aligned
 * for any type. */
#define HDR (sizeof(max_align_t))

static struct sg_mem_hooks hooks = {calloc, free};
static size_t cur, peak;

void sg_mem_set_hooks(const struct sg_mem_hooks *h)
{
	hooks.calloc = h && h->calloc ? h->calloc : calloc;
	hooks.free = h && h->free ? h->free : free;
}

void *sg_calloc(size_t n, size_t size)
{
	if (size && n > (SIZE_MAX - HDR) / size)
		return NULL;
	size_t bytes = n * size;
	unsigned char *p = hooks.calloc(1, HDR + bytes);
	if (!p)
		return NULL;
	*(size_t *)(void *)p = bytes;
	cur += bytes;
	if (cur > peak)
		peak = cur;
	return p + HDR;
}

void sg_free(void *p)
{
	if (!p)
		return;
	unsigned char *b = (unsigned char *)p - HDR;
	cur -= *(size_t *)(void *)b;
	hooks.free(b);
}

void sg_free_secret(void *p, size_t len)
{
	if (!p)
		return;
	mbedtls_platform_zeroize(p, len);
	sg_free(p);
}

size_t sg_mem_current(void)
{
	return cur;
}

size_t sg_mem_peak(void)
{
	return peak;
}

void sg_mem_reset_peak(void)
{
	peak = cur;
}

int sg_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(x[i] ^ y[i]);
	return d == 0;
}
