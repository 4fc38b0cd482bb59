/*
 * sg_hal.h: from a HAL error code (hal/hal_err.h) to the core's error
 * type: the one translation, shared by the SIP transports, the HTTP
 * fetcher (OCSP, CRL) and the vpcd link.
 */
#ifndef SG_HAL_H
#define SG_HAL_H

#include "hal.h"
#include "sg_err.h"

/* What a network operation's HAL error means, for a message: "the name
 * does not resolve", "connection refused or unreachable", "timed out",
 * "closed by the peer", "out of memory", "this device has no network", ... */
const char *sg_hal_net_why(int hal_err);

/* Sets e from a failed network operation: "<fmt ...>: <sg_hal_net_why>";
 * SG_E_NOMEM for HAL_ENOMEM, SG_E_NETWORK for anything else. Returns the
 * code. */
sg_err sg_hal_net_error(struct sg_error *e, int hal_err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
