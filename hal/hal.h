/*
 * hal.h: everything the core needs from a device, in one place.
 *
 * A port fills a struct hal (ports/<os>/); the core receives a const
 * pointer and never includes an OS header. Devices a board lacks are left
 * with ops == NULL and every call on them returns HAL_ENOTSUP.
 */
#ifndef HAL_H
#define HAL_H

#include "hal_card.h"
#include "hal_clock.h"
#include "hal_devkey.h"
#include "hal_display.h"
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
};

#endif
