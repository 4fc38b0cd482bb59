/*
 * hal_storage.h: named blobs that survive a restart (caches, the virtual
 * card's state).
 *
 * Names are short [A-Za-z0-9._-] strings; a port maps them to files or
 * flash. A write is atomic: after a crash or power loss a reader sees the
 * old content or the new one, never a mix.
 *
 * Atomic writes do not order writers: two processes that each read a blob,
 * change it and write it back lose one change. A read-check-write that
 * must not lose one (the virtual card's retry counters) runs under
 * lock(): an exclusive lock per blob name, held across processes until
 * unlock() or the holder's exit, and kept apart from the blob itself so
 * that the blob's atomic replacement does not disturb it.
 */
#ifndef HAL_STORAGE_H
#define HAL_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "hal_err.h"

#define HAL_STORAGE_NAME_MAX 64

/* The blob-name rule every port enforces: [A-Za-z0-9._-], 1 to
 * HAL_STORAGE_NAME_MAX characters, no leading dot (so a name can be a file
 * name and never "..", a hidden file or a path). Returns 1 when valid. */
static inline int hal_storage_name_ok(const char *name)
{
	size_t i;

	if (!name || name[0] == '\0' || name[0] == '.')
		return 0;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= HAL_STORAGE_NAME_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

struct hal_storage_ops {
	/* Reads the blob into buf (capacity *len; out: its length).
	 * HAL_ENOENT: no such blob; HAL_ENOMEM: buf is too small (*len is
	 * then the size needed). */
	int (*read)(void *ctx, const char *name, uint8_t *buf, size_t *len);
	/* Replaces the blob atomically and durably. */
	int (*write)(void *ctx, const char *name, const uint8_t *buf, size_t len);
	/* Deletes the blob; HAL_ENOENT if it did not exist. */
	int (*remove)(void *ctx, const char *name);
	/* Takes the exclusive lock of blob `name` (the blob need not exist),
	 * waiting at most timeout_ms while another holder (another process,
	 * or another lock() in this one) has it: HAL_ETIMEDOUT then. *handle
	 * is for unlock(). Not reentrant. Advisory: it orders only those who
	 * take it. */
	int (*lock)(void *ctx, const char *name, uint32_t timeout_ms, int *handle);
	/* Releases a lock taken by lock(). */
	int (*unlock)(void *ctx, int handle);
};

struct hal_storage {
	const struct hal_storage_ops *ops;
	void *ctx;
};

static inline int hal_storage_read(const struct hal_storage *s, const char *name,
				   uint8_t *buf, size_t *len)
{
	return HAL_CALL(s, read, name, buf, len);
}

static inline int hal_storage_write(const struct hal_storage *s, const char *name,
				    const uint8_t *buf, size_t len)
{
	return HAL_CALL(s, write, name, buf, len);
}

static inline int hal_storage_remove(const struct hal_storage *s, const char *name)
{
	return HAL_CALL(s, remove, name);
}

static inline int hal_storage_lock(const struct hal_storage *s, const char *name,
				   uint32_t timeout_ms, int *handle)
{
	return HAL_CALL(s, lock, name, timeout_ms, handle);
}

static inline int hal_storage_unlock(const struct hal_storage *s, int handle)
{
	return HAL_CALL(s, unlock, handle);
}

#endif
