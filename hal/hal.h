/*
 * hal.h: everything the core needs from a device, in one place.
 *
 * A port fills a struct hal (ports/<os>/); the core receives a const
 * pointer and never includes an OS header. Every operation is called
 * through its wrapper (hal_<device>_<op> in hal_<device>.h), never as
 * hal->x.ops->op(...).
 *
 * The contract (as Zephyr's device model has it):
 *   mandatory  clock (mono_ms and wall), rng (fill) and log (write): a
 *              hal without them is refused where it is attached
 *              (board_open, port_test_hal; hal_missing below), so the
 *              core never meets them missing.
 *   optional   keypad, display, card, storage, net, loop, p11, devkey, dns:
 *              a board that lacks one leaves ops == NULL and every call
 *              on it returns HAL_ENOTSUP ("this device cannot"). No state
 *              directory (storage) is not an error.
 */
#ifndef HAL_H
#define HAL_H

#include "hal_card.h"
#include "hal_clock.h"
#include "hal_devkey.h"
#include "hal_display.h"
#include "hal_dns.h"
#include "hal_err.h"
#include "hal_keypad.h"
#include "hal_log.h"
#include "hal_loop.h"
#include "hal_net.h"
#include "hal_p11.h"
#include "hal_rng.h"
#include "hal_storage.h"

struct hal {
	struct hal_keypad keypad;
	struct hal_display display;
	struct hal_card card;
	struct hal_clock clock;
	struct hal_rng rng;
	struct hal_storage storage;
	struct hal_net net;
	struct hal_loop loop;
	struct hal_log log;
	struct hal_p11 p11;
	struct hal_devkey devkey;
	struct hal_dns dns;
};

/* NULL when hal has every mandatory device, else the name of the first
 * that is missing: "clock", "random source" or "log". */
static inline const char *hal_missing(const struct hal *hal)
{
	if (!hal || !hal->clock.ops || !hal->clock.ops->mono_ms || !hal->clock.ops->wall)
		return "clock";
	if (!hal->rng.ops || !hal->rng.ops->fill)
		return "random source";
	if (!hal->log.ops || !hal->log.ops->write)
		return "log";
	return NULL;
}

#endif
