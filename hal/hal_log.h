/*
 * hal_log.h: diagnostics for an administrator (syslog, stderr, a ring
 * buffer on a phone).
 *
 * Never pass a PIN, a key or a challenge response here. Messages are one
 * line, without a trailing newline; the port adds time and program name.
 */
#ifndef HAL_LOG_H
#define HAL_LOG_H

#include "hal_err.h"

enum hal_log_level {
	HAL_LOG_ERR = 3,
	HAL_LOG_WARN = 4,
	HAL_LOG_INFO = 6,
	HAL_LOG_DEBUG = 7,
};

/* "error", "warning", "info", "debug": the names ports print. */
static inline const char *hal_log_level_name(enum hal_log_level level)
{
	switch (level) {
	case HAL_LOG_ERR:
		return "error";
	case HAL_LOG_WARN:
		return "warning";
	case HAL_LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

struct hal_log_ops {
	void (*write)(void *ctx, enum hal_log_level level, const char *msg);
	/* Messages above this level are dropped before formatting. */
	enum hal_log_level (*level)(void *ctx);
};

struct hal_log {
	const struct hal_log_ops *ops;
	void *ctx;
};

/* The log is mandatory (hal.h); a missing one drops the message. */
static inline void hal_log_write(const struct hal_log *l, enum hal_log_level level,
				 const char *msg)
{
	if (l && l->ops && l->ops->write)
		l->ops->write(l->ctx, level, msg);
}

/* The highest level written; without a level op, every level. */
static inline enum hal_log_level hal_log_threshold(const struct hal_log *l)
{
	return l && l->ops && l->ops->level ? l->ops->level(l->ctx) : HAL_LOG_DEBUG;
}

#endif
