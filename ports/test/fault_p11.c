/* fault_p11.c: see fault_p11.h. */
#include "fault_p11.h"

#include <string.h>

static const struct hal_p11 *real_dev;
static CK_FUNCTION_LIST real_fl, wrap_fl;
static CK_RV fault_rv[FAULT_P11__COUNT];
static unsigned fault_after[FAULT_P11__COUNT], calls[FAULT_P11__COUNT];

/* Counts a call and says whether it must fail. */
static CK_RV fault_hit(enum fault_p11_fn fn)
{
	unsigned n = calls[fn]++;
	return fault_rv[fn] != CKR_OK && n >= fault_after[fn] ? fault_rv[fn] : CKR_OK;
}

static CK_RV w_login(CK_SESSION_HANDLE s, CK_USER_TYPE u, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	CK_RV rv = fault_hit(FAULT_P11_LOGIN);
	return rv != CKR_OK ? rv : real_fl.C_Login(s, u, pin, len);
}

static CK_RV w_sign_init(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	CK_RV rv = fault_hit(FAULT_P11_SIGN_INIT);
	return rv != CKR_OK ? rv : real_fl.C_SignInit(s, m, k);
}

static CK_RV w_sign(CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sig,
		    CK_ULONG_PTR sl)
{
	CK_RV rv = fault_hit(FAULT_P11_SIGN);
	return rv != CKR_OK ? rv : real_fl.C_Sign(s, d, dl, sig, sl);
}

static CK_RV w_find_init(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	CK_RV rv = fault_hit(FAULT_P11_FIND_INIT);
	return rv != CKR_OK ? rv : real_fl.C_FindObjectsInit(s, t, n);
}

static CK_RV w_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR ti)
{
	CK_RV rv = fault_hit(FAULT_P11_GET_TOKEN_INFO);
	return rv != CKR_OK ? rv : real_fl.C_GetTokenInfo(slot, ti);
}

static int fault_load(void *ctx, const char *path, void **fnlist, void **handle)
{
	void *fl = NULL;
	int rc;

	(void)ctx;
	rc = hal_p11_load(real_dev, path, &fl, handle);
	if (rc != HAL_OK)
		return rc;
	memcpy(&real_fl, fl, sizeof(real_fl));
	wrap_fl = real_fl;
	wrap_fl.C_Login = w_login;
	wrap_fl.C_SignInit = w_sign_init;
	wrap_fl.C_Sign = w_sign;
	wrap_fl.C_FindObjectsInit = w_find_init;
	wrap_fl.C_GetTokenInfo = w_token_info;
	memset(calls, 0, sizeof(calls));
	*fnlist = &wrap_fl;
	return HAL_OK;
}

static void fault_unload(void *ctx, void *handle)
{
	(void)ctx;
	hal_p11_unload(real_dev, handle);
}

static const char *fault_error(void *ctx)
{
	(void)ctx;
	return hal_p11_error(real_dev);
}

static const struct hal_p11_ops fault_ops = {fault_load, fault_unload, fault_error};

void fault_p11_device(struct hal_p11 *dev, const struct hal_p11 *real)
{
	real_dev = real;
	dev->ops = &fault_ops;
	dev->ctx = NULL;
}

void fault_p11_arm(enum fault_p11_fn fn, CK_RV rv, unsigned after)
{
	fault_rv[fn] = rv;
	fault_after[fn] = after;
}

unsigned fault_p11_calls(enum fault_p11_fn fn)
{
	return calls[fn];
}
