/*
 * linux_tty.c: the terminal that the keypad reads and the display draws on.
 *
 * While a prompt is up (display prompt() to done(), or a keypad read) the
 * terminal is in raw mode (no echo, no line editing, no signals from
 * Ctrl-C) so that PIN digits are never echoed and every key arrives at
 * once; the rest of the time it stays as the user had it. The original settings come back on close, at exit and on
 * SIGINT/SIGTERM/SIGHUP; the signal path uses only async-signal-safe calls.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "linux_dev.h"

struct tty_priv {
	struct linux_tty pub; /* first: linux_tty_close casts back */
	struct termios saved;
	int raw;              /* saved holds settings to restore */
	int owns_slot;        /* the global restore slot is ours */
};

static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define TTY_NSIG (sizeof(tty_signals) / sizeof(tty_signals[0]))

/* One terminal at a time can be restored from a signal or atexit. */
static volatile sig_atomic_t tty_slot_fd = -1;
static struct termios tty_slot_saved;
static struct sigaction tty_old_act[TTY_NSIG];
static int tty_installed[TTY_NSIG];
static int tty_atexit_done;

static void tty_slot_restore(void)
{
	int fd = tty_slot_fd;

	if (fd >= 0) {
		(void)tcsetattr(fd, TCSAFLUSH, &tty_slot_saved);
		tty_slot_fd = -1;
	}
}

static void tty_on_signal(int sig)
{
	int saved_errno = errno;
	size_t i;

	tty_slot_restore();
	/* Hand the signal to whoever had it before (default: terminate). */
	for (i = 0; i < TTY_NSIG; i++) {
		if (tty_signals[i] == sig) {
			(void)sigaction(sig, &tty_old_act[i], NULL);
			tty_installed[i] = 0;
		}
	}
	errno = saved_errno;
	(void)raise(sig); /* delivered once this handler returns */
}

static void tty_at_exit(void)
{
	tty_slot_restore();
}

static void tty_slot_take(struct tty_priv *t)
{
	struct sigaction sa;
	size_t i;

	tty_slot_saved = t->saved;
	tty_slot_fd = t->pub.fd;
	t->owns_slot = 1;
	if (!tty_atexit_done && atexit(tty_at_exit) == 0)
		tty_atexit_done = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < TTY_NSIG; i++) {
		if (sigaction(tty_signals[i], NULL, &tty_old_act[i]) != 0)
			continue;
		/* An ignored signal stays ignored (nohup and friends). */
		if (!(tty_old_act[i].sa_flags & SA_SIGINFO) &&
		    tty_old_act[i].sa_handler == SIG_IGN)
			continue;
		if (sigaction(tty_signals[i], &sa, NULL) == 0)
			tty_installed[i] = 1;
	}
}

static void tty_slot_release(struct tty_priv *t)
{
	size_t i;

	if (!t->owns_slot)
		return;
	tty_slot_fd = -1;
	for (i = 0; i < TTY_NSIG; i++) {
		if (tty_installed[i])
			(void)sigaction(tty_signals[i], &tty_old_act[i], NULL);
		tty_installed[i] = 0;
	}
	t->owns_slot = 0;
}

static void tty_make_raw(struct tty_priv *t)
{
	struct termios raw;

	if (tcgetattr(t->pub.fd, &t->saved) != 0)
		return; /* not a terminal (a pipe, a file): use it as it is */
	raw = t->saved;
	raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	raw.c_iflag &= ~(tcflag_t)(ICRNL | INLCR | IGNCR | IXON | ISTRIP | BRKINT | PARMRK);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	/* FLUSH: type-ahead from before the prompt is dropped, not read. */
	if (tcsetattr(t->pub.fd, TCSAFLUSH, &raw) != 0)
		return;
	t->raw = 1;
	if (tty_slot_fd < 0)
		tty_slot_take(t);
}

int linux_tty_open(const char *path, struct linux_tty **out)
{
	struct tty_priv *t;
	int fd;

	*out = NULL;
	fd = open(path ? path : "/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOMEM ? HAL_ENOMEM : HAL_ENOENT;
	t = calloc(1, sizeof(*t));
	if (!t) {
		close(fd);
		return HAL_ENOMEM;
	}
	t->pub.fd = fd;
	*out = &t->pub;
	return HAL_OK;
}

void linux_tty_set_raw(struct linux_tty *tty, int on)
{
	struct tty_priv *t = (struct tty_priv *)tty;

	if (on && !t->raw) {
		tty_make_raw(t);
	} else if (!on && t->raw) {
		(void)tcsetattr(t->pub.fd, TCSADRAIN, &t->saved);
		tty_slot_release(t);
		t->raw = 0;
	}
}

void linux_tty_close(struct linux_tty *tty)
{
	struct tty_priv *t = (struct tty_priv *)tty;

	if (!t)
		return;
	tty_slot_release(t);
	if (t->raw)
		(void)tcsetattr(t->pub.fd, TCSAFLUSH, &t->saved);
	close(t->pub.fd);
	explicit_bzero(t, sizeof(*t));
	free(t);
}

int linux_tty_write(struct linux_tty *tty, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(tty->fd, buf, len);

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return HAL_EIO;
		}
		buf += n;
		len -= (size_t)n;
	}
	return HAL_OK;
}
