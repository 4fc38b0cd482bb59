/*
 * emb_keypad.c: keys from Linux input events (see port_embedded.h).
 *
 * One struct input_event at a time is read (a pipe may hand over part of
 * one: the rest is waited for) and wiped as soon as it is decoded, since its
 * key code may be a PIN digit.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "port_embedded.h"

struct emb_kp {
	int fd;
	unsigned char rec[sizeof(struct input_event)];
	size_t len; /* bytes of rec read so far */
};

struct kp_map {
	unsigned short code;
	enum hal_key_kind kind;
	char ch;
};

static const struct kp_map kp_table[] = {
	{KEY_0, HAL_KEY_CHAR, '0'}, {KEY_1, HAL_KEY_CHAR, '1'}, {KEY_2, HAL_KEY_CHAR, '2'},
	{KEY_3, HAL_KEY_CHAR, '3'}, {KEY_4, HAL_KEY_CHAR, '4'}, {KEY_5, HAL_KEY_CHAR, '5'},
	{KEY_6, HAL_KEY_CHAR, '6'}, {KEY_7, HAL_KEY_CHAR, '7'}, {KEY_8, HAL_KEY_CHAR, '8'},
	{KEY_9, HAL_KEY_CHAR, '9'},
	{KEY_KP0, HAL_KEY_CHAR, '0'}, {KEY_KP1, HAL_KEY_CHAR, '1'}, {KEY_KP2, HAL_KEY_CHAR, '2'},
	{KEY_KP3, HAL_KEY_CHAR, '3'}, {KEY_KP4, HAL_KEY_CHAR, '4'}, {KEY_KP5, HAL_KEY_CHAR, '5'},
	{KEY_KP6, HAL_KEY_CHAR, '6'}, {KEY_KP7, HAL_KEY_CHAR, '7'}, {KEY_KP8, HAL_KEY_CHAR, '8'},
	{KEY_KP9, HAL_KEY_CHAR, '9'},
	/* Phone keypads report these. */
	{KEY_NUMERIC_0, HAL_KEY_CHAR, '0'}, {KEY_NUMERIC_1, HAL_KEY_CHAR, '1'},
	{KEY_NUMERIC_2, HAL_KEY_CHAR, '2'}, {KEY_NUMERIC_3, HAL_KEY_CHAR, '3'},
	{KEY_NUMERIC_4, HAL_KEY_CHAR, '4'}, {KEY_NUMERIC_5, HAL_KEY_CHAR, '5'},
	{KEY_NUMERIC_6, HAL_KEY_CHAR, '6'}, {KEY_NUMERIC_7, HAL_KEY_CHAR, '7'},
	{KEY_NUMERIC_8, HAL_KEY_CHAR, '8'}, {KEY_NUMERIC_9, HAL_KEY_CHAR, '9'},
	{KEY_NUMERIC_STAR, HAL_KEY_CHAR, '*'}, {KEY_NUMERIC_POUND, HAL_KEY_CHAR, '#'},
	{KEY_BACKSPACE, HAL_KEY_BACKSPACE, 0},
	{KEY_DELETE, HAL_KEY_CLEAR, 0}, {KEY_CLEAR, HAL_KEY_CLEAR, 0},
	{KEY_ENTER, HAL_KEY_ENTER, 0}, {KEY_KPENTER, HAL_KEY_ENTER, 0}, {KEY_OK, HAL_KEY_ENTER, 0},
	{KEY_ESC, HAL_KEY_CANCEL, 0}, {KEY_CANCEL, HAL_KEY_CANCEL, 0}, {KEY_EXIT, HAL_KEY_CANCEL, 0},
	{KEY_F1, HAL_KEY_SOFT, '1'}, {KEY_F2, HAL_KEY_SOFT, '2'}, {KEY_F3, HAL_KEY_SOFT, '3'},
	{KEY_F4, HAL_KEY_SOFT, '4'},
};

static uint64_t kp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* 1 when the record is a key press that maps to a HAL key. */
static int kp_decode(const struct input_event *ev, struct hal_key *key)
{
	size_t i;

	/* value 0 is a release, 2 an auto-repeat of a held key. */
	if (ev->type != EV_KEY || ev->value != 1)
		return 0;
	for (i = 0; i < sizeof(kp_table) / sizeof(kp_table[0]); i++) {
		if (kp_table[i].code == ev->code) {
			key->kind = kp_table[i].kind;
			key->ch = kp_table[i].ch;
			return 1;
		}
	}
	return 0;
}

/* Reads what is there of the current record. HAL_OK (maybe still partial),
 * HAL_ECLOSED, HAL_EIO. */
static int kp_fill(struct emb_kp *k)
{
	ssize_t n;

	do
		n = read(k->fd, k->rec + k->len, sizeof(k->rec) - k->len);
	while (n < 0 && errno == EINTR);
	if (n == 0 || (n < 0 && errno == ENODEV)) /* writer gone, device unplugged */
		return HAL_ECLOSED;
	if (n < 0)
		return errno == EAGAIN ? HAL_OK : HAL_EIO;
	k->len += (size_t)n;
	return HAL_OK;
}

static int kp_read(void *ctx, int timeout_ms, struct hal_key *key)
{
	struct emb_kp *k = ctx;
	uint64_t deadline = kp_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);

	for (;;) {
		struct pollfd pfd = {.fd = k->fd, .events = POLLIN};
		int wait, r;

		if (timeout_ms < 0) {
			wait = -1;
		} else {
			uint64_t now = kp_now_ms();

			wait = now >= deadline ? 0 : (int)(deadline - now);
		}
		do
			r = poll(&pfd, 1, wait);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return HAL_EIO;
		if (r == 0)
			return HAL_ETIMEDOUT;
		r = kp_fill(k);
		if (r != HAL_OK)
			return r;
		if (k->len < sizeof(k->rec))
			continue;
		struct input_event ev;
		int got;

		memcpy(&ev, k->rec, sizeof(ev));
		k->len = 0;
		explicit_bzero(k->rec, sizeof(k->rec));
		got = kp_decode(&ev, key);
		explicit_bzero(&ev, sizeof(ev));
		if (got)
			return HAL_OK;
	}
}

static const struct hal_keypad_ops kp_ops = {
	.read = kp_read,
};

int emb_keypad_from_fd(int fd, struct hal_keypad *kp)
{
	struct emb_kp *k = calloc(1, sizeof(*k));

	if (!k) {
		close(fd);
		return HAL_ENOMEM;
	}
	k->fd = fd;
	kp->ops = &kp_ops;
	kp->ctx = k;
	return HAL_OK;
}

int emb_keypad_open(const char *path, struct hal_keypad *kp)
{
	int fd;

	if (!path)
		return HAL_ENOENT;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return HAL_ENOENT;
	/* Keys typed for a PIN must reach no one else (a console on the same
	 * device). A FIFO or pipe is not an input device: nothing to grab. */
	(void)ioctl(fd, EVIOCGRAB, 1);
	return emb_keypad_from_fd(fd, kp);
}

void emb_keypad_close(struct hal_keypad *kp)
{
	struct emb_kp *k;

	if (!kp || !kp->ops)
		return;
	k = kp->ctx;
	explicit_bzero(k->rec, sizeof(k->rec));
	close(k->fd);
	free(k);
	kp->ops = NULL;
	kp->ctx = NULL;
}
