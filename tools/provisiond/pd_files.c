/*
 * pd_files.c: signet-provisiond's directory and how its files are written.
 *
 * The user table holds PBKDF2 verifiers of short PINs, an offline guessing
 * target; ca.key and server.key are keys. So the directory is 0700 and
 * owned by the service's user (a new one is made so; one that others can
 * enter is refused, since fixing it silently could mean chmod'ing a
 * directory given by mistake, such as the default "."), and every file of
 * the service is 0600 (fixed when found otherwise: the directory is ours).
 *
 * Files are never opened through a symbolic link: appends use O_NOFOLLOW;
 * whole-file replacements go through a fresh mkstemp() file in the same
 * directory (O_EXCL: a planted link or file at a predictable name is never
 * written through), fsync, rename, then an fsync of the directory.
 */
#define _GNU_SOURCE
#include "pd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The files the service reads or writes (pd.h). */
static const char *const pd_files[] = {
	"ca.crt", "ca.key", "server.crt", "server.key", "users",
	"attempts", "index.txt", "crl.pem", "issued.log",
};

/* Makes a file of ours 0600 when it is more open (a symbolic link is left
 * alone: never followed). */
static sg_err fix_file(const struct pd *pd, const char *name, struct sg_error *e)
{
	char path[600];
	struct stat st;
	int fd = open(pd_path(pd, name, path, sizeof(path)),
		      O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT || errno == ELOOP
			       ? SG_OK
			       : sg_error_set(e, SG_E_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) != 0600) {
		if (fchmod(fd, 0600) != 0) {
			close(fd);
			return sg_error_set(e, SG_E_IO, "%s is mode %04o and cannot be made 0600: %s",
					    path, (unsigned)(st.st_mode & 07777), strerror(errno));
		}
		fprintf(stderr, "signet-provisiond: %s was mode %04o; made 0600\n", path,
			(unsigned)(st.st_mode & 07777));
	}
	close(fd);
	return SG_OK;
}

sg_err pd_dir_prepare(const struct pd *pd, int create, struct sg_error *e)
{
	struct stat st;

	if (create && mkdir(pd->dir, 0700) != 0 && errno != EEXIST)
		return sg_error_set(e, SG_E_IO, "cannot make the directory %s: %s", pd->dir,
				    strerror(errno));
	if (stat(pd->dir, &st) != 0)
		return sg_error_set(e, SG_E_IO, "%s: %s", pd->dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sg_error_set(e, SG_E_CONFIG, "%s is not a directory", pd->dir);
	if (st.st_uid != geteuid())
		return sg_error_set(e, SG_E_CONFIG,
				    "%s belongs to uid %u, not to the service's user (uid %u): "
				    "give the service a directory of its own",
				    pd->dir, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 077)
		return sg_error_set(e, SG_E_CONFIG,
				    "%s is mode %04o: others could read the PIN verifiers and keys "
				    "in it; run chmod 700 %s (a new --dir is made 0700)",
				    pd->dir, (unsigned)(st.st_mode & 07777), pd->dir);
	for (size_t i = 0; i < sizeof(pd_files) / sizeof(pd_files[0]); i++) {
		sg_err err = fix_file(pd, pd_files[i], e);

		if (err)
			return err;
	}
	return SG_OK;
}

FILE *pd_open_append(const struct pd *pd, const char *name)
{
	char path[600];
	struct stat st;
	FILE *f;
	int fd = open(pd_path(pd, name, path, sizeof(path)),
		      O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    ((st.st_mode & 077) && fchmod(fd, 0600) != 0)) {
		close(fd);
		errno = EPERM;
		return NULL;
	}
	f = fdopen(fd, "a");
	if (!f)
		close(fd);
	return f;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

sg_err pd_replace(const struct pd *pd, const char *name, const char *text, size_t len,
		  struct sg_error *e)
{
	char path[600], tmp[620];
	int fd, dfd, saved;

	pd_path(pd, name, path, sizeof(path));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return sg_error_set(e, SG_E_IO, "%s: path too long", path);
	fd = mkostemp(tmp, O_CLOEXEC); /* 0600, O_EXCL */
	if (fd < 0)
		return sg_error_set(e, SG_E_IO, "%s: %s", tmp, strerror(errno));
	if (write_all(fd, text, len) != 0 || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		return sg_error_set(e, SG_E_IO, "%s: %s", tmp, strerror(saved));
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		return sg_error_set(e, SG_E_IO, "%s: %s", path, strerror(saved));
	}
	/* The rename itself survives a power cut. */
	dfd = open(pd->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return SG_OK;
}
