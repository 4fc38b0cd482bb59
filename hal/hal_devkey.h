/*
 * hal_devkey.h: a 32-byte secret that belongs to this device and is kept
 * apart from the state it protects (the virtual card's blob is sealed under
 * a key derived from it, so a copied blob opens nowhere else).
 *
 * Where it lives is the port's business: on a Linux desktop a 0600 file
 * created with getrandom() on first use ($SIGNET_DEVICE_KEY, else
 * /etc/signet/device.key for root, else $XDG_CONFIG_HOME/signet/device.key
 * or ~/.config/signet/device.key) -- never the storage directory; on a phone
 * a fused key or a TPM-sealed one.
 *
 * Secrets: the caller wipes key[] (mbedtls_platform_zeroize) as soon as it
 * has derived what it needs. Blocking: the first call may create the key
 * (a file write and fsync on Linux).
 */
#ifndef HAL_DEVKEY_H
#define HAL_DEVKEY_H

#include <stdint.h>

#include "hal_err.h"

#define HAL_DEVKEY_LEN 32

struct hal_devkey_ops {
	/* Fills key[32] with the device key, creating it on first use where
	 * the device can. HAL_ENOENT: there is none and none can be made;
	 * HAL_EIO: it exists but cannot be read (or is not 32 bytes). */
	int (*get)(void *ctx, uint8_t key[32]);
};

struct hal_devkey {
	const struct hal_devkey_ops *ops;
	void *ctx;
};

static inline int hal_devkey_get(const struct hal_devkey *d, uint8_t key[32])
{
	return HAL_CALL(d, get, key);
}

#endif
