/*
 * pt_log.c: a log that keeps every line, so tests can check what was
 * logged (and that no PIN was).
 */
#define _GNU_SOURCE

#include "pt_priv.h"

const char *port_test_log(const struct port_test *pt)
{
	return pt->log.s ? pt->log.s : "";
}

void port_test_log_clear(struct port_test *pt)
{
	pt_text_free(&pt->log);
}

void port_test_log_level(struct port_test *pt, enum hal_log_level level)
{
	pt->log_level = level;
}


static void pt_log_write(void *ctx, enum hal_log_level level, const char *msg)
{
	struct port_test *pt = ctx;

	if (level > pt->log_level || !msg)
		return;
	pt_text_add(&pt->log, "%s: %s\n", hal_log_level_name(level), msg);
}

static enum hal_log_level pt_log_get_level(void *ctx)
{
	const struct port_test *pt = ctx;

	return pt->log_level;
}

const struct hal_log_ops pt_log_ops = {
	.write = pt_log_write,
	.level = pt_log_get_level,
};
