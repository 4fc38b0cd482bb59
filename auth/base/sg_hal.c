/* sg_hal.c: HAL error codes in the core's words (see sg_hal.h). */
#include "sg_hal.h"

#include <stdarg.h>
#include <stdio.h>

const char *sg_hal_net_why(int hal_err)
{
	switch (hal_err) {
	case HAL_ENOENT:
		return "the name does not resolve";
	case HAL_EREFUSED:
		return "connection refused or unreachable";
	case HAL_ETIMEDOUT:
		return "timed out";
	case HAL_ECLOSED:
		return "closed by the peer";
	case HAL_ENOMEM:
		return "out of memory";
	case HAL_ENOTSUP:
		return "this device has no network";
	case HAL_EINVAL:
		return "invalid argument";
	default:
		return "I/O error";
	}
}

sg_err sg_hal_net_error(struct sg_error *e, int hal_err, const char *fmt, ...)
{
	char what[sizeof(e->detail)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return sg_error_set(e, hal_err == HAL_ENOMEM ? SG_E_NOMEM : SG_E_NETWORK, "%s: %s", what,
			    sg_hal_net_why(hal_err));
}
