/*
 * pt_storage.c: blobs in memory with copy semantics. A failed write
 * (PORT_TEST_FAULT_STORAGE_WRITE) leaves the old blob untouched, as the
 * real port's atomic write does. Locks are names in a table; the handle is
 * the table index.
 */
#define _GNU_SOURCE

#include <stdlib.h>
#include <string.h>

#include "pt_priv.h"


static struct pt_blob *pt_find(struct port_test *pt, const char *name)
{
	size_t i;

	for (i = 0; i < PORT_TEST_MAX_BLOBS; i++) {
		if (pt->blobs[i].used && strcmp(pt->blobs[i].name, name) == 0)
			return &pt->blobs[i];
	}
	return NULL;
}

static void pt_blob_clear(struct pt_blob *b)
{
	if (b->data)
		explicit_bzero(b->data, b->len);
	free(b->data);
	memset(b, 0, sizeof(*b));
}

size_t port_test_storage_count(const struct port_test *pt)
{
	size_t i, n = 0;

	for (i = 0; i < PORT_TEST_MAX_BLOBS; i++)
		n += pt->blobs[i].used ? 1 : 0;
	return n;
}

unsigned port_test_storage_writes(const struct port_test *pt)
{
	return pt->writes;
}

void pt_storage_free(struct port_test *pt)
{
	size_t i;

	for (i = 0; i < PORT_TEST_MAX_BLOBS; i++)
		pt_blob_clear(&pt->blobs[i]);
}

static int pt_read(void *ctx, const char *name, uint8_t *buf, size_t *len)
{
	struct port_test *pt = ctx;
	const struct pt_blob *b;

	if (!hal_storage_name_ok(name) || !len)
		return HAL_EINVAL;
	if (pt_fault_hit(pt, PORT_TEST_FAULT_STORAGE_READ))
		return HAL_EIO;
	b = pt_find(pt, name);
	if (!b)
		return HAL_ENOENT;
	if (b->len > *len) {
		*len = b->len;
		return HAL_ENOMEM;
	}
	if (b->len)
		memcpy(buf, b->data, b->len);
	*len = b->len;
	return HAL_OK;
}

static int pt_write(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
	struct port_test *pt = ctx;
	struct pt_blob *b;
	uint8_t *copy;
	size_t i;

	if (!hal_storage_name_ok(name) || (len && !buf))
		return HAL_EINVAL;
	if (pt_fault_hit(pt, PORT_TEST_FAULT_STORAGE_WRITE))
		return HAL_EIO;
	b = pt_find(pt, name);
	for (i = 0; !b && i < PORT_TEST_MAX_BLOBS; i++) {
		if (!pt->blobs[i].used)
			b = &pt->blobs[i];
	}
	if (!b)
		return HAL_ENOMEM;
	copy = malloc(len ? len : 1);
	if (!copy)
		return HAL_ENOMEM;
	if (len)
		memcpy(copy, buf, len);
	pt_blob_clear(b);
	b->used = 1;
	strcpy(b->name, name); /* checked: at most PT_NAME_MAX chars */
	b->data = copy;
	b->len = len;
	pt->writes++;
	return HAL_OK;
}

static int pt_remove(void *ctx, const char *name)
{
	struct port_test *pt = ctx;
	struct pt_blob *b;

	if (!hal_storage_name_ok(name))
		return HAL_EINVAL;
	b = pt_find(pt, name);
	if (!b)
		return HAL_ENOENT;
	pt_blob_clear(b);
	return HAL_OK;
}

static struct pt_lock *pt_lock_find(struct port_test *pt, const char *name, int add)
{
	size_t i;

	for (i = 0; i < PORT_TEST_MAX_BLOBS; i++) {
		struct pt_lock *l = &pt->locks[i];

		if ((l->taken || l->held) && strcmp(l->name, name) == 0)
			return l;
	}
	for (i = 0; add && i < PORT_TEST_MAX_BLOBS; i++) {
		struct pt_lock *l = &pt->locks[i];

		if (!l->taken && !l->held) {
			strcpy(l->name, name); /* checked: hal_storage_name_ok */
			return l;
		}
	}
	return NULL;
}

void port_test_storage_hold(struct port_test *pt, const char *name, int held)
{
	struct pt_lock *l;

	if (!hal_storage_name_ok(name))
		return;
	l = pt_lock_find(pt, name, held);
	if (l)
		l->held = held;
}

size_t port_test_storage_locked(const struct port_test *pt)
{
	size_t i, n = 0;

	for (i = 0; i < PORT_TEST_MAX_BLOBS; i++)
		n += pt->locks[i].taken ? 1 : 0;
	return n;
}

unsigned port_test_storage_lock_calls(const struct port_test *pt)
{
	return pt->lock_calls;
}

static int pt_lock(void *ctx, const char *name, uint32_t timeout_ms, int *handle)
{
	struct port_test *pt = ctx;
	struct pt_lock *l;

	if (!hal_storage_name_ok(name) || !handle)
		return HAL_EINVAL;
	l = pt_lock_find(pt, name, 1);
	if (!l)
		return HAL_ENOMEM;
	if (l->taken || l->held) {
		port_test_clock_advance(pt, timeout_ms); /* waited in vain */
		return HAL_ETIMEDOUT;
	}
	l->taken = 1;
	pt->lock_calls++;
	*handle = (int)(l - pt->locks);
	return HAL_OK;
}

static int pt_unlock(void *ctx, int handle)
{
	struct port_test *pt = ctx;

	if (handle < 0 || handle >= PORT_TEST_MAX_BLOBS || !pt->locks[handle].taken)
		return HAL_EINVAL;
	pt->locks[handle].taken = 0;
	return HAL_OK;
}

const struct hal_storage_ops pt_storage_ops = {
	.read = pt_read,
	.write = pt_write,
	.remove = pt_remove,
	.lock = pt_lock,
	.unlock = pt_unlock,
};
