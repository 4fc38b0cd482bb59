/*
 * sip_tp_net.c: what the transports say about network failures.
 */
#include "sip_transports.h"

static const char *net_why(int r)
{
	switch (r) {
	case HAL_ENOENT:
		return "the name does not resolve";
	case HAL_EREFUSED:
		return "connection refused or unreachable (is the registrar listening?)";
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

sg_err sip_tp_net_err(struct sg_error *e, int hal_err, const char *what, const char *host,
		      uint16_t port)
{
	return sg_error_set(e, hal_err == HAL_ENOMEM ? SG_E_NOMEM : SG_E_NETWORK, "%s %s:%u: %s",
			    what, host ? host : "?", (unsigned)port, net_why(hal_err));
}
