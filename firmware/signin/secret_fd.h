/*
 * secret_fd.h: secrets (PINs, PUKs, management keys) read from a file
 * descriptor (--pin-fd, --mgmt-key-fd): the one reader every command
 * uses. Secrets never come from argv or the environment.
 */
#ifndef SECRET_FD_H
#define SECRET_FD_H

#include <stddef.h>
#include <stdint.h>

#include "pin.h"
#include "sg_err.h"

/*
 * Reads one line from fd into buf[0..cap), a byte at a time, so that what
 * follows the line stays in fd for the next call (signet run reads one PIN
 * per try from the same descriptor). The line end ("\n" or "\r\n", or the
 * end of the input) is not stored; *len is the line's length.
 *   SG_OK               a line (it may be empty)
 *   SG_E_PIN_CANCELLED  the input ended before the line's first byte:
 *                       "no more lines on fd N"
 *   SG_E_PIN_FORMAT     the line is longer than cap: it is refused after
 *                       cap + 1 bytes (cap + 2 for a "\r"), nothing more
 *                       is read: "the line on fd N is longer than CAP bytes"
 *   SG_E_IO             read(2) failed (EINTR is retried): "cannot read
 *                       [what ]from fd N: <reason>"
 * buf (and every byte read) is wiped on every error; on success the caller
 * wipes it. No message holds a byte of the secret.
 */
sg_err secret_fd_line(int fd, const char *what, uint8_t *buf, size_t cap, size_t *len,
		      struct sg_error *e);

/*
 * One PIN (or PUK) line from fd, checked against p (pin_from_buffer; a
 * line longer than any PIN: pin_too_long). The errors of secret_fd_line
 * otherwise; *out is wiped unless SG_OK.
 */
sg_err secret_fd_pin(int fd, const char *what, const struct pin_policy *p, struct pin *out,
		     struct sg_error *e);

/*
 * n PIN lines from fd into out[0..n): the first checked against first, the
 * others against rest. The input ending early is SG_E_PIN_FORMAT "fd N
 * gave I line(s); N needed". Every out[] is wiped unless SG_OK.
 */
sg_err secret_fd_pins(int fd, size_t n, const struct pin_policy *first,
		      const struct pin_policy *rest, struct pin out[], struct sg_error *e);

#endif
