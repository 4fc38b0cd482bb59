/*
 * sg_mem.h: the core's one allocation hook.
 *
 * Every allocation in auth/ and sip/ goes through sg_calloc/sg_free so
 * that a board can count current and peak heap (make size) or plug in its
 * own allocator. sg_free_secret() wipes before freeing.
 */
#ifndef SG_MEM_H
#define SG_MEM_H

#include <stddef.h>

struct sg_mem_hooks {
	void *(*calloc)(size_t n, size_t size);
	void (*free)(void *p);
};

/* Installs an allocator (NULL: the C library's). Call before any use. */
void sg_mem_set_hooks(const struct sg_mem_hooks *hooks);

/* Zeroed allocation of n * size bytes; NULL on overflow or failure. */
void *sg_calloc(size_t n, size_t size);
void sg_free(void *p);
/* Wipes len bytes at p, then frees it. */
void sg_free_secret(void *p, size_t len);

/* 1 when the n bytes at a and b are equal, 0 otherwise, in a time that
 * depends on n only (secrets, MACs, digests, verifiers): the core's one
 * constant-time compare. n == 0: equal. */
int sg_ct_equal(const void *a, const void *b, size_t n);

/* Bytes the core holds now and at most since the last reset. */
size_t sg_mem_current(void);
size_t sg_mem_peak(void);
void sg_mem_reset_peak(void);

#endif
