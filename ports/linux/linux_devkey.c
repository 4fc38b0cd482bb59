/*
 * linux_devkey.c: the device key as a 0600 file of 32 random bytes,
 * created on first use, outside the state directory (a copied state
 * directory must not carry the key that opens it).
 *
 * Creation is race-free: the key is written to a temporary file in the same
 * directory, fsync'ed, then link(2)ed to its name, which fails if another
 * process got there first; the loser then reads the winner's key. A file
 * that exists but is not exactly 32 bytes is an error (HAL_EIO), never
 * silently replaced: replacing it would orphan every sealed blob.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux_dev.h"

struct dk_ctx {
	char path[PATH_MAX];
	int create; /* 0: read only (a PAM module never creates a key file) */
};

/* Reads exactly HAL_DEVKEY_LEN bytes from a regular file. */
static int dk_read(const char *path, uint8_t key[HAL_DEVKEY_LEN])
{
	struct stat st;
	size_t got = 0;
	int fd, r = HAL_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? HAL_ENOENT : HAL_EIO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != HAL_DEVKEY_LEN) {
		r = HAL_EIO;
		goto out;
	}
	while (got < HAL_DEVKEY_LEN) {
		ssize_t n = read(fd, key + got, HAL_DEVKEY_LEN - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = HAL_EIO;
			goto out;
		}
		got += (size_t)n;
	}
out:
	if (r != HAL_OK)
		explicit_bzero(key, HAL_DEVKEY_LEN);
	close(fd);
	return r;
}

/* mkdir -p of path's parent, 0700 for what it creates. */
static int dk_mkparent(const char *path)
{
	char p[PATH_MAX];
	size_t i, len = strlen(path);

	if (len >= sizeof(p))
		return HAL_EINVAL;
	memcpy(p, path, len + 1);
	for (i = 1; i < len; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return HAL_EIO;
		p[i] = '/';
	}
	return HAL_OK;
}

static int dk_random(uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom(buf + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return HAL_EIO;
		done += (size_t)n;
	}
	return HAL_OK;
}

/* Creates the key file; HAL_OK also when another process created it first
 * (the caller then reads it). */
static int dk_create(const char *path)
{
	uint8_t key[HAL_DEVKEY_LEN];
	char tmp[PATH_MAX];
	int fd, r, n;

	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return HAL_EINVAL;
	r = dk_mkparent(path);
	if (r != HAL_OK)
		return r;
	fd = mkostemp(tmp, O_CLOEXEC); /* created 0600 */
	if (fd < 0)
		return HAL_EIO;
	r = dk_random(key, sizeof(key));
	if (r == HAL_OK && (write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
			    fchmod(fd, 0600) != 0 || fsync(fd) != 0))
		r = HAL_EIO;
	explicit_bzero(key, sizeof(key));
	if (close(fd) != 0 && r == HAL_OK)
		r = HAL_EIO;
	if (r == HAL_OK && link(tmp, path) != 0 && errno != EEXIST)
		r = HAL_EIO;
	unlink(tmp);
	return r;
}

static int dk_get(void *ctx, uint8_t key[HAL_DEVKEY_LEN])
{
	const struct dk_ctx *dc = ctx;
	int r = dk_read(dc->path, key);

	if (r != HAL_ENOENT || !dc->create)
		return r;
	r = dk_create(dc->path);
	if (r != HAL_OK)
		return r == HAL_EINVAL ? HAL_ENOENT : r;
	return dk_read(dc->path, key);
}

static const struct hal_devkey_ops dk_ops = {
	.get = dk_get,
};

/* secure_getenv: a set-user-ID or capability-raised caller (su, sudo)
 * never has a path chosen by the user who started it. */
static int dk_default_path(char *out, size_t cap)
{
	const char *env = secure_getenv("SIGNET_DEVICE_KEY");
	const char *home;
	int n;

	if (env && *env)
		n = snprintf(out, cap, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(out, cap, "/etc/signet/device.key");
	else if ((env = secure_getenv("XDG_CONFIG_HOME")) && *env == '/')
		n = snprintf(out, cap, "%s/signet/device.key", env);
	else {
		home = linux_home_dir();
		if (!home)
			return HAL_ENOENT;
		n = snprintf(out, cap, "%s/.config/signet/device.key", home);
	}
	return n < 0 || (size_t)n >= cap ? HAL_ENOENT : HAL_OK;
}

int linux_devkey_open(struct hal_devkey *d, const char *path, int create)
{
	struct dk_ctx *dc = calloc(1, sizeof(*dc));
	int r = HAL_OK;

	if (!dc)
		return HAL_ENOMEM;
	dc->create = create;
	if (path) {
		if (snprintf(dc->path, sizeof(dc->path), "%s", path) >= (int)sizeof(dc->path))
			r = HAL_EINVAL;
	} else {
		r = dk_default_path(dc->path, sizeof(dc->path));
	}
	if (r != HAL_OK) {
		free(dc);
		return r;
	}
	d->ops = &dk_ops;
	d->ctx = dc;
	return HAL_OK;
}

int linux_devkey_init(struct hal_devkey *d, const char *path)
{
	return linux_devkey_open(d, path, 1);
}

void linux_devkey_fini(struct hal_devkey *d)
{
	if (!d->ops)
		return;
	free(d->ctx);
	d->ops = NULL;
	d->ctx = NULL;
}
