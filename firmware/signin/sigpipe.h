/* sigpipe.h: SIGINT and SIGTERM delivered on the HAL loop (a self-pipe),
 * so that a daemon unregisters from the loop rather than from a signal
 * handler. One at a time per process. */
#ifndef SIGPIPE_H
#define SIGPIPE_H

#include "hal_loop.h"

/* Called on the loop with the signal number. */
typedef void (*sigpipe_h)(int sig, void *arg);

/* Makes the pipe (fds[0], fds[1]), installs the handlers and watches the
 * read end. Returns 0, or -1 (fds are then -1 or to be closed by
 * sigpipe_close). */
int sigpipe_open(const struct hal_loop *loop, int fds[2], sigpipe_h h, void *arg);
/* 1 once a signal came since sigpipe_open (for code that blocks outside
 * the loop, e.g. a keypad read, and should give up early). */
int sigpipe_pending(void);
/* Stops watching, restores the default handlers and closes the pipe
 * (fds -1: nothing to do). */
void sigpipe_close(const struct hal_loop *loop, int fds[2]);

#endif
