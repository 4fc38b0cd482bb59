/*
 * heap_count.c: counts every heap byte of a measuring build of signet
 * (`make size`). It defines malloc, calloc, realloc and free, which
 * replace the C library's for the whole process (glibc allows it; the
 * blocks come from __libc_malloc and friends), and counts an allocation
 * when its caller is code of the executable itself: signet's own (the
 * core's sg_calloc included) and mbedTLS's, which this build links from
 * its .a files (Debian's mbedTLS is built without MBEDTLS_PLATFORM_MEMORY,
 * so it has no hook of its own). Calls made inside shared libraries
 * (libc's own, a dlopen'd PKCS#11 module, pcsc-lite) are not counted: they
 * are not the core's.
 *
 * Live blocks are kept in a table (pointer -> size), so a block that
 * libc allocated and signet frees (getline, strdup) is simply not found and
 * not subtracted. At exit the peak is printed on standard error:
 *   heap: peak N bytes, M allocations, L bytes still live
 * With SIGNET_HEAP_BIG=N in the environment, each allocation of N bytes or
 * more is printed as it happens (where a budget goes).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

/* The executable's code, from the linker (relocated with it under PIE). */
extern char __executable_start[], etext[];

/* Whether the caller whose return address is ra is the executable's code. */
static int hw_ours(const void *ra)
{
	return (const char *)ra >= __executable_start && (const char *)ra < etext;
}

#define HW_SLOTS (1u << 16) /* open addressing; a sign-in holds a few thousand */
#define HW_GONE ((void *)1) /* a freed slot (keeps probe chains intact) */

static struct {
	void *p;
	size_t n;
} hw_tab[HW_SLOTS];
static size_t hw_cur, hw_peak, hw_count, hw_lost, hw_big;
static int hw_atexit;

static size_t hw_hash(const void *p)
{
	return (size_t)(((uintptr_t)p >> 4) * 2654435761u) & (HW_SLOTS - 1);
}

static void hw_report(void)
{
	fprintf(stderr, "heap: peak %zu bytes, %zu allocations, %zu bytes still live%s\n", hw_peak,
		hw_count, hw_cur, hw_lost ? " (table full: undercounted)" : "");
}

static void hw_add(void *p, size_t n)
{
	size_t i = hw_hash(p);

	if (!p)
		return;
	if (!hw_atexit) {
		const char *big = getenv("SIGNET_HEAP_BIG");

		hw_atexit = 1;
		hw_big = big ? strtoul(big, NULL, 10) : 0;
		atexit(hw_report);
	}
	if (hw_big && n >= hw_big) /* fprintf may allocate: only for a big one */
		fprintf(stderr, "heap: +%zu bytes (now %zu)\n", n, hw_cur + n);
	for (size_t k = 0; k < HW_SLOTS; k++, i = (i + 1) & (HW_SLOTS - 1)) {
		if (!hw_tab[i].p || hw_tab[i].p == HW_GONE) {
			hw_tab[i].p = p;
			hw_tab[i].n = n;
			hw_count++;
			hw_cur += n;
			if (hw_cur > hw_peak)
				hw_peak = hw_cur;
			return;
		}
	}
	hw_lost++;
}

/* Forgets p; whether it was counted. */
static int hw_del(void *p)
{
	size_t i = hw_hash(p);

	if (!p)
		return 0;
	for (size_t k = 0; k < HW_SLOTS && hw_tab[i].p; k++, i = (i + 1) & (HW_SLOTS - 1)) {
		if (hw_tab[i].p == p) {
			hw_cur -= hw_tab[i].n;
			hw_tab[i].p = HW_GONE;
			return 1;
		}
	}
	return 0;
}

void *malloc(size_t n)
{
	void *p = __libc_malloc(n);

	if (hw_ours(__builtin_return_address(0)))
		hw_add(p, n);
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p = __libc_calloc(n, size);

	if (hw_ours(__builtin_return_address(0)))
		hw_add(p, n * size); /* calloc refused an overflowing product */
	return p;
}

/* A counted block keeps being counted whoever resizes or frees it. */
void *realloc(void *p, size_t n)
{
	void *q = __libc_realloc(p, n);

	if (q || n == 0) {
		int counted = hw_del(p);

		if (counted || hw_ours(__builtin_return_address(0)))
			hw_add(q, n);
	}
	return q;
}

void free(void *p)
{
	hw_del(p);
	__libc_free(p);
}
