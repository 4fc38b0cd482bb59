/*
 * sip_tp_net.c: what the transports say about network failures.
 */
#include <stdio.h>
#include <string.h>

#include "sg_hal.h"
#include "sip_transports.h"

sg_err sip_tp_net_err(struct sg_error *e, int hal_err, const char *what, const char *host,
		      uint16_t port)
{
	sg_err err = sg_hal_net_error(e, hal_err, "%s %s:%u", what, host ? host : "?",
				      (unsigned)port);

	if (e && hal_err == HAL_EREFUSED) {
		size_t n = strlen(e->detail);

		snprintf(e->detail + n, sizeof(e->detail) - n, " (is the registrar listening?)");
	}
	return err;
}
