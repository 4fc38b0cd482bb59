/*
 * fault_p11.h: a PKCS#11 module wrapper for tests that injects faults.
 *
 * It is a struct hal_p11 device: load() loads the real module through
 * another hal_p11 (the Linux port's dlopen) and hands out a copy of its
 * function list in which C_Login, C_Sign, C_SignInit, C_FindObjectsInit
 * and C_GetTokenInfo can be made to fail with a chosen CK_RV (a card
 * pulled mid-operation: CKR_DEVICE_REMOVED). Everything else goes to the
 * real module. One wrapped module at a time.
 */
#ifndef FAULT_P11_H
#define FAULT_P11_H

#include <p11-kit/pkcs11.h>

#include "hal_p11.h"

enum fault_p11_fn {
	FAULT_P11_LOGIN,
	FAULT_P11_SIGN_INIT,
	FAULT_P11_SIGN,
	FAULT_P11_FIND_INIT,
	FAULT_P11_GET_TOKEN_INFO,
	FAULT_P11__COUNT
};

/* Fills *dev with the wrapper around real (which must outlive it). */
void fault_p11_device(struct hal_p11 *dev, const struct hal_p11 *real);

/* From the (after+1)-th call of fn on, fn returns rv (rv CKR_OK disarms). */
void fault_p11_arm(enum fault_p11_fn fn, CK_RV rv, unsigned after);

/* How many times fn was called since the module was loaded. */
unsigned fault_p11_calls(enum fault_p11_fn fn);

#endif
