/*
 * pt_devkey.c: a settable device key (NOT SECRET: tests only), so that a
 * test can move a sealed blob to "another device" by changing it, and a
 * fault (PORT_TEST_FAULT_DEVKEY) for a device whose key store fails.
 */
#define _GNU_SOURCE

#include <string.h>

#include "pt_priv.h"

void port_test_devkey_set(struct port_test *pt, const uint8_t key[32])
{
	memcpy(pt->devkey, key, sizeof(pt->devkey));
}

static int pt_devkey_get(void *ctx, uint8_t key[32])
{
	struct port_test *pt = ctx;

	if (pt_fault_hit(pt, PORT_TEST_FAULT_DEVKEY))
		return HAL_EIO;
	memcpy(key, pt->devkey, sizeof(pt->devkey));
	return HAL_OK;
}

const struct hal_devkey_ops pt_devkey_ops = {
	.get = pt_devkey_get,
};
