/*
 * sg_log.h: printf-style logging through the HAL log device.
 *
 * Never log a PIN, key material or a challenge response. Formatting is
 * skipped when the level is filtered out.
 */
#ifndef SG_LOG_H
#define SG_LOG_H

#include "hal_log.h"

void sg_log(const struct hal_log *log, enum hal_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define sg_err_log(l, ...) sg_log((l), HAL_LOG_ERR, __VA_ARGS__)
#define sg_warn(l, ...) sg_log((l), HAL_LOG_WARN, __VA_ARGS__)
#define sg_info(l, ...) sg_log((l), HAL_LOG_INFO, __VA_ARGS__)
#define sg_debug(l, ...) sg_log((l), HAL_LOG_DEBUG, __VA_ARGS__)

#endif
