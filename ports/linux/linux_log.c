/*
 * linux_log.c: log lines to stderr ("ident: level: msg") or to syslog(3)
 * (facility authpriv: these are sign-in records).
 *
 * Each stderr line goes out in one write(2) so concurrent writers do not
 * interleave, and control bytes are replaced so one message stays one line.
 */
#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "linux_dev.h"

struct log_ctx {
	char ident[64];
	int use_syslog;
	enum hal_log_level level;
};


static void log_write(void *ctx, enum hal_log_level level, const char *msg)
{
	struct log_ctx *lc = ctx;
	char line[1024];
	size_t n, i, start;
	int r;

	if (level > lc->level || !msg)
		return;
	if (lc->use_syslog) {
		syslog((int)level, "%s", msg);
		return;
	}
	r = snprintf(line, sizeof(line), "%s: %s: ", lc->ident, hal_log_level_name(level));
	if (r < 0)
		return;
	start = (size_t)r < sizeof(line) ? (size_t)r : sizeof(line) - 1;
	n = start;
	for (i = 0; msg[i] && n < sizeof(line) - 1; i++) {
		unsigned char c = (unsigned char)msg[i];

		line[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
}

static enum hal_log_level log_level(void *ctx)
{
	const struct log_ctx *lc = ctx;

	return lc->level;
}

static const struct hal_log_ops log_ops = {
	.write = log_write,
	.level = log_level,
};

int linux_log_init(struct hal_log *l, const char *ident, int use_syslog,
		   enum hal_log_level level)
{
	struct log_ctx *lc = calloc(1, sizeof(*lc));

	if (!lc)
		return HAL_ENOMEM;
	snprintf(lc->ident, sizeof(lc->ident), "%s", ident ? ident : "signet");
	lc->use_syslog = use_syslog;
	lc->level = level ? level : HAL_LOG_WARN;
	if (use_syslog)
		openlog(lc->ident, LOG_PID, LOG_AUTHPRIV); /* keeps the pointer */
	l->ops = &log_ops;
	l->ctx = lc;
	return HAL_OK;
}

void linux_log_fini(struct hal_log *l)
{
	struct log_ctx *lc = l->ctx;

	if (!l->ops)
		return;
	if (lc && lc->use_syslog)
		closelog();
	free(lc);
	l->ops = NULL;
	l->ctx = NULL;
}
