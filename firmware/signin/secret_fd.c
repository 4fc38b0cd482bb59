/*
 * secret_fd.c: one line of a secret from a file descriptor (secret_fd.h).
 * Firmware, not auth/: it calls read(2).
 */
#include "secret_fd.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

/* One byte: 1, 0 at the end of the input, -1 (errno) on an error. */
static int read_byte(int fd, uint8_t *ch)
{
	for (;;) {
		ssize_t r = read(fd, ch, 1);

		if (r >= 0)
			return (int)r;
		if (errno != EINTR)
			return -1;
	}
}

sg_err secret_fd_line(int fd, const char *what, uint8_t *buf, size_t cap, size_t *len,
		      struct sg_error *e)
{
	size_t n = 0;
	int cr = 0, r;
	uint8_t ch = 0;
	sg_err err = SG_OK;

	*len = 0;
	for (;;) {
		r = read_byte(fd, &ch);
		if (r < 0) {
			err = sg_error_set(e, SG_E_IO, "cannot read %s%sfrom fd %d: %s", what ? what : "",
					   what ? " " : "", fd, strerror(errno));
			break;
		}
		if (r == 0) {
			if (n == 0 && !cr)
				err = sg_error_set(e, SG_E_PIN_CANCELLED, "no more lines on fd %d", fd);
			break;
		}
		if (ch == '\n')
			break;
		/* A "\r" is the line end only right before "\n" (or the end). */
		if (cr) {
			if (n == cap)
				goto too_long;
			buf[n++] = '\r';
			cr = 0;
		}
		if (ch == '\r') {
			cr = 1;
			continue;
		}
		if (n == cap)
			goto too_long;
		buf[n++] = ch;
	}
	goto out;
too_long:
	err = sg_error_set(e, SG_E_PIN_FORMAT, "the line on fd %d is longer than %zu bytes", fd, cap);
out:
	mbedtls_platform_zeroize(&ch, sizeof(ch));
	if (err)
		mbedtls_platform_zeroize(buf, cap);
	else
		*len = n;
	return err;
}

sg_err secret_fd_pin(int fd, const char *what, const struct pin_policy *p, struct pin *out,
		     struct sg_error *e)
{
	uint8_t buf[PIN_MAX_LEN];
	size_t len = 0;
	sg_err err = secret_fd_line(fd, what, buf, sizeof(buf), &len, e);

	memset(out, 0, sizeof(*out));
	if (err == SG_E_PIN_FORMAT)
		err = pin_too_long(p, e);
	else if (err == SG_OK)
		err = pin_from_buffer(p, buf, len, out, e);
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return err;
}

sg_err secret_fd_pins(int fd, size_t n, const struct pin_policy *first,
		      const struct pin_policy *rest, struct pin out[], struct sg_error *e)
{
	sg_err err = SG_OK;

	memset(out, 0, n * sizeof(*out));
	for (size_t i = 0; i < n && !err; i++) {
		err = secret_fd_pin(fd, NULL, i ? rest : first, &out[i], e);
		if (err == SG_E_PIN_CANCELLED)
			err = sg_error_set(e, SG_E_PIN_FORMAT, "fd %d gave %zu line(s); %zu needed", fd,
					   i, n);
	}
	if (err)
		for (size_t i = 0; i < n; i++)
			pin_wipe(&out[i]);
	return err;
}
