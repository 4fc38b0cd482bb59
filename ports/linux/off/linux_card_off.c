/*
 * linux_card_off.c: a board without a smart-card reader (FEATURE_PCSC=0)
 * links this instead of linux_card.c: no pcsc-lite, and the card device
 * stays unset, so every hal_card call says HAL_ENOTSUP (hal.h).
 */
#include <string.h>

#include "linux_dev.h"

int linux_card_init(struct hal_card *c, const struct hal_log *log)
{
	(void)log;
	memset(c, 0, sizeof(*c));
	return HAL_OK;
}

void linux_card_fini(struct hal_card *c)
{
	memset(c, 0, sizeof(*c));
}
