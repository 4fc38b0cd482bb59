/*
 * linux_keypad.c: keys from the raw terminal (linux_tty.c).
 *
 * Bytes are decoded into HAL keys; escape sequences (arrows, F-keys) are
 * recognised so that they are not taken for a lone Esc (cancel): after an
 * ESC byte the decoder waits KP_ESC_MS for the rest of the sequence.
 * Decoded bytes are wiped from the buffer at once: they may be PIN digits.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "linux_dev.h"

#define KP_ESC_MS 50

enum kp_step {
	KP_KEY,      /* a key was decoded */
	KP_SWALLOW,  /* bytes were consumed without a key */
	KP_MORE,     /* an escape sequence may continue: need more bytes */
};

static uint64_t kp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void kp_set(struct hal_key *key, enum hal_key_kind kind, char ch)
{
	key->kind = kind;
	key->ch = ch;
}

/* ESC O x (SS3) and ESC [ ... final (CSI); F1-F4 become soft keys. */
static enum kp_step kp_escape(const unsigned char *b, size_t len, int final, size_t *used,
			      struct hal_key *key)
{
	size_t i;

	if (len < 2) {
		*used = 1;
		if (!final)
			return KP_MORE;
		kp_set(key, HAL_KEY_CANCEL, 0);
		return KP_KEY;
	}
	if (b[1] == 0x1b) { /* Esc Esc: the first one stood alone */
		*used = 1;
		kp_set(key, HAL_KEY_CANCEL, 0);
		return KP_KEY;
	}
	if (b[1] == 'O' || (b[1] == '[' && len >= 3 && b[2] == '[')) {
		size_t n = b[1] == 'O' ? 3 : 4; /* linux console F-keys: ESC [ [ A */
		unsigned char first = b[1] == 'O' ? 'P' : 'A';

		if (len < n) {
			*used = len;
			return final ? KP_SWALLOW : KP_MORE;
		}
		*used = n;
		if (b[n - 1] >= first && b[n - 1] < first + 4) {
			kp_set(key, HAL_KEY_SOFT, (char)('1' + (b[n - 1] - first)));
			return KP_KEY;
		}
		return KP_SWALLOW;
	}
	if (b[1] != '[') { /* Alt+key: not PIN input */
		*used = 2;
		return KP_SWALLOW;
	}
	for (i = 2; i < len; i++) {
		if (b[i] >= 0x40 && b[i] <= 0x7e)
			break;
	}
	if (i == len) {
		*used = len;
		return final ? KP_SWALLOW : KP_MORE;
	}
	*used = i + 1;
	if (b[i] == '~' && i == 4 && b[2] == '1' && b[3] >= '1' && b[3] <= '4') {
		kp_set(key, HAL_KEY_SOFT, (char)b[3]);
		return KP_KEY;
	}
	return KP_SWALLOW;
}

static enum kp_step kp_decode(const unsigned char *b, size_t len, int final, size_t *used,
			      struct hal_key *key)
{
	*used = 1;
	switch (b[0]) {
	case 0x1b:
		return kp_escape(b, len, final, used, key);
	case 0x03: /* Ctrl-C */
	case 0x04: /* Ctrl-D */
		kp_set(key, HAL_KEY_CANCEL, 0);
		return KP_KEY;
	case 0x15: /* Ctrl-U */
		kp_set(key, HAL_KEY_CLEAR, 0);
		return KP_KEY;
	case 0x7f:
	case 0x08:
		kp_set(key, HAL_KEY_BACKSPACE, 0);
		return KP_KEY;
	case '\r':
		if (len > 1 && b[1] == '\n') /* CR LF is one Enter */
			*used = 2;
		kp_set(key, HAL_KEY_ENTER, 0);
		return KP_KEY;
	case '\n':
		kp_set(key, HAL_KEY_ENTER, 0);
		return KP_KEY;
	default:
		if (b[0] >= 0x20 && b[0] < 0x7f) {
			kp_set(key, HAL_KEY_CHAR, (char)b[0]);
			return KP_KEY;
		}
		return KP_SWALLOW; /* other controls, UTF-8 bytes */
	}
}

static void kp_consume(struct linux_tty *t, size_t n)
{
	memmove(t->in, t->in + n, t->in_len - n);
	t->in_len -= n;
	explicit_bzero(t->in + t->in_len, sizeof(t->in) - t->in_len);
}

/* Reads what the terminal has; HAL_ETIMEDOUT when nothing came in wait_ms. */
static int kp_fill(struct linux_tty *t, int wait_ms)
{
	struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
	ssize_t n;
	int r;

	do
		r = poll(&pfd, 1, wait_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return HAL_EIO;
	if (r == 0)
		return HAL_ETIMEDOUT;
	do
		n = read(t->fd, t->in + t->in_len, sizeof(t->in) - t->in_len);
	while (n < 0 && errno == EINTR);
	if (n == 0 || (n < 0 && errno == EIO)) /* EOF, or the terminal hung up */
		return HAL_ECLOSED;
	if (n < 0)
		return errno == EAGAIN ? HAL_ETIMEDOUT : HAL_EIO;
	t->in_len += (size_t)n;
	return HAL_OK;
}

static int kp_read(void *ctx, int timeout_ms, struct hal_key *key)
{
	struct linux_tty *t = ctx;
	uint64_t deadline = kp_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	int final = 0;

	linux_tty_set_raw(t, 1); /* a read without a prompt: still no echo */
	for (;;) {
		enum kp_step step = KP_SWALLOW;
		size_t used = 0;
		int wait, r;

		while (t->in_len > 0) {
			step = kp_decode(t->in, t->in_len, final || t->in_len == sizeof(t->in),
					 &used, key);
			if (step == KP_MORE)
				break;
			kp_consume(t, used);
			final = 0;
			if (step == KP_KEY)
				return HAL_OK;
		}
		if (step == KP_MORE) {
			wait = KP_ESC_MS;
		} else if (timeout_ms < 0) {
			wait = -1;
		} else {
			uint64_t now = kp_now_ms();

			wait = now >= deadline ? 0 : (int)(deadline - now);
		}
		r = kp_fill(t, wait);
		if (r == HAL_ETIMEDOUT && step == KP_MORE) {
			final = 1; /* the sequence is over: decode what we have */
			continue;
		}
		if (r == HAL_ECLOSED && step == KP_MORE) {
			final = 1;
			continue;
		}
		if (r != HAL_OK)
			return r;
	}
}

static const struct hal_keypad_ops kp_ops = {
	.read = kp_read,
};

void linux_keypad_init(struct hal_keypad *kp, struct linux_tty *tty)
{
	kp->ops = &kp_ops;
	kp->ctx = tty;
}
