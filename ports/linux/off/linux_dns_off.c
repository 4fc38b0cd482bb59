/*
 * linux_dns_off.c: a board without c-ares in its sysroot (FEATURE_DNS=0)
 * links this instead of linux_dns.c: the resolver stays unset, so every
 * hal_dns call says HAL_ENOTSUP (hal.h) and the registration client falls
 * back to the registrar's name on its default port, resolved by hal_net
 * (getaddrinfo: A/AAAA only).
 */
#include <string.h>

#include "linux_dev.h"

int linux_dns_init(struct hal_dns *d, const struct hal_loop *loop)
{
	(void)loop;
	memset(d, 0, sizeof(*d));
	return HAL_OK;
}

void linux_dns_fini(struct hal_dns *d)
{
	memset(d, 0, sizeof(*d));
}
