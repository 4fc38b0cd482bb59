/*
 * linux_p11_off.c: a board without PKCS#11 module loading (FEATURE_P11=0)
 * links this instead of linux_p11.c: no dlopen, and the p11 device stays
 * unset, so loading a module says HAL_ENOTSUP (hal.h); such a board signs
 * with the card's PIV edge or the virtual card.
 */
#include <string.h>

#include "linux_dev.h"

int linux_p11_init(struct hal_p11 *p)
{
	memset(p, 0, sizeof(*p));
	return HAL_OK;
}

void linux_p11_fini(struct hal_p11 *p)
{
	memset(p, 0, sizeof(*p));
}
