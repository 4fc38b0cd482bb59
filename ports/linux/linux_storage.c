/*
 * linux_storage.c: blobs as files in one directory (mode 0600, directory
 * 0700).
 *
 * A write goes to a temporary file in the same directory, is fsync'ed, then
 * renamed over the blob and the directory is fsync'ed: after a crash the
 * blob holds the old content or the new, never a mix. Temporary names start
 * with a dot, which no blob name may, so they never collide with a blob.
 *
 * A blob's lock is flock(2) on ".NAME.lock" beside it: a file of its own,
 * since the blob is replaced by rename (a lock on the blob would stay on
 * the old inode). Lock files are never removed (removing one while
 * another process waits on it would give two holders). The kernel drops
 * the lock when its holder exits, however it exits.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "linux_dev.h"


struct sto_ctx {
	char dir[PATH_MAX];
};


static int sto_path(const struct sto_ctx *sc, const char *name, char *out, size_t cap)
{
	int n;

	if (!hal_storage_name_ok(name))
		return HAL_EINVAL;
	n = snprintf(out, cap, "%s/%s", sc->dir, name);
	return n < 0 || (size_t)n >= cap ? HAL_EINVAL : HAL_OK;
}

static int sto_errno(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return HAL_ENOENT;
	case ENOMEM:
		return HAL_ENOMEM;
	default:
		return HAL_EIO;
	}
}

/* mkdir -p with 0700 for every directory it creates. */
static int sto_mkdirs(const char *dir)
{
	char p[PATH_MAX];
	size_t i, len = strlen(dir);

	if (len == 0 || len >= sizeof(p))
		return HAL_EINVAL;
	memcpy(p, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return HAL_EIO;
		if (i < len)
			p[i] = '/';
	}
	return HAL_OK;
}

static int sto_read(void *ctx, const char *name, uint8_t *buf, size_t *len)
{
	char path[PATH_MAX];
	struct stat st;
	size_t got = 0;
	int fd = -1, r;

	r = sto_path(ctx, name, path, sizeof(path));
	if (r != HAL_OK)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return sto_errno(errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = HAL_EIO;
		goto out;
	}
	if ((uint64_t)st.st_size > *len) {
		*len = (size_t)st.st_size;
		r = HAL_ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = HAL_EIO;
			goto out;
		}
		got += (size_t)n;
	}
	*len = got;
	r = HAL_OK;
out:
	close(fd);
	return r;
}

static int sto_write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return HAL_EIO;
		buf += n;
		len -= (size_t)n;
	}
	return HAL_OK;
}

/* The rename (or unlink) is durable only once the directory is synced. */
static int sto_sync_dir(const struct sto_ctx *sc)
{
	int fd = open(sc->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = HAL_OK;

	if (fd < 0)
		return HAL_EIO;
	if (fsync(fd) != 0)
		r = HAL_EIO;
	close(fd);
	return r;
}

static int sto_write(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
	struct sto_ctx *sc = ctx;
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd = -1, r, n;

	r = sto_path(sc, name, path, sizeof(path));
	if (r != HAL_OK)
		return r;
	n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", sc->dir, name);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return HAL_EINVAL;
	r = sto_mkdirs(sc->dir);
	if (r != HAL_OK)
		return r;
	fd = mkostemp(tmp, O_CLOEXEC); /* created 0600 */
	if (fd < 0)
		return sto_errno(errno);
	r = sto_write_all(fd, buf, len);
	if (r == HAL_OK && (fchmod(fd, 0600) != 0 || fsync(fd) != 0))
		r = HAL_EIO;
	if (close(fd) != 0 && r == HAL_OK)
		r = HAL_EIO;
	if (r == HAL_OK && rename(tmp, path) != 0)
		r = HAL_EIO;
	if (r != HAL_OK) {
		unlink(tmp);
		return r;
	}
	return sto_sync_dir(sc);
}

static int sto_remove(void *ctx, const char *name)
{
	char path[PATH_MAX];
	int r;

	r = sto_path(ctx, name, path, sizeof(path));
	if (r != HAL_OK)
		return r;
	if (unlink(path) != 0)
		return sto_errno(errno);
	return sto_sync_dir(ctx);
}

static uint64_t sto_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sto_nap_ms(uint64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* flock() has no timeout: try, nap (1 ms doubling to 32 ms), try again
 * until the deadline. A holder does milliseconds of work, so the naps
 * stay short; a stuck holder costs the waiter timeout_ms, not forever. */
static int sto_lock(void *ctx, const char *name, uint32_t timeout_ms, int *handle)
{
	struct sto_ctx *sc = ctx;
	char path[PATH_MAX];
	uint64_t deadline, nap = 1;
	struct stat st;
	int fd, r, n;

	if (!hal_storage_name_ok(name) || !handle)
		return HAL_EINVAL;
	n = snprintf(path, sizeof(path), "%s/.%s.lock", sc->dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return HAL_EINVAL;
	r = sto_mkdirs(sc->dir);
	if (r != HAL_OK)
		return r;
	/* O_NONBLOCK: a FIFO planted there must not hang the open. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0)
		return sto_errno(errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return HAL_EIO;
	}
	deadline = sto_now_ms() + timeout_ms;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			*handle = fd;
			return HAL_OK;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			r = HAL_EIO;
			break;
		}
		uint64_t now = sto_now_ms();

		if (now >= deadline) {
			r = HAL_ETIMEDOUT;
			break;
		}
		sto_nap_ms(nap < deadline - now ? nap : deadline - now);
		if (nap < 32)
			nap *= 2;
	}
	close(fd);
	return r;
}

static int sto_unlock(void *ctx, int handle)
{
	(void)ctx;
	if (handle < 0)
		return HAL_EINVAL;
	/* Closing the only descriptor of the open file drops the lock. */
	return close(handle) == 0 ? HAL_OK : HAL_EIO;
}

static const struct hal_storage_ops sto_ops = {
	.read = sto_read,
	.write = sto_write,
	.remove = sto_remove,
	.lock = sto_lock,
	.unlock = sto_unlock,
};

/* $SIGNET_STATE_DIR, $XDG_STATE_HOME/signet, /var/lib/signet (root),
 * ~/.local/state/signet. secure_getenv: a set-user-ID caller (su, sudo)
 * never writes where its user's environment says. */
static int sto_default_dir(char *out, size_t cap)
{
	const char *env = secure_getenv("SIGNET_STATE_DIR");
	const char *home;
	int n;

	if (env && *env)
		n = snprintf(out, cap, "%s", env);
	else if ((env = secure_getenv("XDG_STATE_HOME")) && *env == '/')
		n = snprintf(out, cap, "%s/signet", env);
	else if (geteuid() == 0)
		n = snprintf(out, cap, "/var/lib/signet");
	else {
		home = linux_home_dir();
		if (!home)
			return HAL_ENOENT;
		n = snprintf(out, cap, "%s/.local/state/signet", home);
	}
	return n < 0 || (size_t)n >= cap ? HAL_ENOENT : HAL_OK;
}

int linux_storage_init(struct hal_storage *s, const char *dir)
{
	struct sto_ctx *sc = calloc(1, sizeof(*sc));
	int r = HAL_OK;

	if (!sc)
		return HAL_ENOMEM;
	if (dir) {
		if (snprintf(sc->dir, sizeof(sc->dir), "%s", dir) >= (int)sizeof(sc->dir))
			r = HAL_EINVAL;
	} else {
		r = sto_default_dir(sc->dir, sizeof(sc->dir));
	}
	if (r != HAL_OK) {
		free(sc);
		return r;
	}
	s->ops = &sto_ops;
	s->ctx = sc;
	return HAL_OK;
}

void linux_storage_fini(struct hal_storage *s)
{
	if (!s->ops)
		return;
	free(s->ctx);
	s->ops = NULL;
	s->ctx = NULL;
}
