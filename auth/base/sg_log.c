/* sg_log.c: formats a log line and hands it to the HAL log device. */
#include "sg_log.h"

#include <stdarg.h>
#include <stdio.h>

void sg_log(const struct hal_log *log, enum hal_log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!log || !log->ops || !log->ops->write || level > hal_log_threshold(log))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	hal_log_write(log, level, line);
}
