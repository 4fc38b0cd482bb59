/* sigpipe.c: the self-pipe for SIGINT/SIGTERM (see sigpipe.h). */
#define _GNU_SOURCE
#include "sigpipe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile int sig_fd = -1;
static volatile sig_atomic_t sig_seen;
static sigpipe_h sig_h;
static void *sig_arg;

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	sig_seen = 1;
	if (sig_fd >= 0 && write(sig_fd, &b, 1) < 0) {
		/* nothing to do: the loop will see the pipe or not */
	}
	errno = saved;
}

static void on_pipe(int handle, int events, void *arg)
{
	unsigned char b;

	(void)events;
	(void)arg;
	if (read(handle, &b, 1) == 1 && sig_h)
		sig_h(b, sig_arg);
}

int sigpipe_pending(void)
{
	return sig_seen != 0;
}

int sigpipe_open(const struct hal_loop *loop, int fds[2], sigpipe_h h, void *arg)
{
	struct sigaction sa;

	fds[0] = fds[1] = -1;
	sig_seen = 0;
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK))
		return -1;
	sig_h = h;
	sig_arg = arg;
	sig_fd = fds[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return hal_loop_watch(loop, fds[0], HAL_LOOP_READ, on_pipe, NULL) == HAL_OK ? 0 : -1;
}

void sigpipe_close(const struct hal_loop *loop, int fds[2])
{
	if (fds[0] < 0)
		return;
	hal_loop_watch(loop, fds[0], 0, NULL, NULL);
	sig_fd = -1;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	close(fds[0]);
	close(fds[1]);
	fds[0] = fds[1] = -1;
}
