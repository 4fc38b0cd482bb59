/*
 * hal_p11.h: loading a PKCS#11 module (dlopen on Linux, a linked-in table on
 * a board without a dynamic loader).
 *
 * The core gets the module's CK_FUNCTION_LIST pointer (passed as void * so
 * this header needs no PKCS#11 header) and calls C_Initialize itself.
 * Blocking: load may take as long as the module's constructor.
 */
#ifndef HAL_P11_H
#define HAL_P11_H

#include "hal_err.h"

struct hal_p11_ops {
	/* Loads the module at path (or the board's default when path is
	 * NULL) and returns its function list in *fnlist and a handle for
	 * unload. HAL_ENOENT: no such module or it has no C_GetFunctionList;
	 * HAL_ENOTSUP: this board cannot load modules. */
	int (*load)(void *ctx, const char *path, void **fnlist, void **handle);
	/* Unloads what load returned (after the core's C_Finalize). */
	void (*unload)(void *ctx, void *handle);
	/* Why the last load failed (the loader's message), or "". */
	const char *(*error)(void *ctx);
};

struct hal_p11 {
	const struct hal_p11_ops *ops;
	void *ctx;
};

static inline int hal_p11_load(const struct hal_p11 *p, const char *path, void **fnlist,
			       void **handle)
{
	return HAL_CALL(p, load, path, fnlist, handle);
}

static inline void hal_p11_unload(const struct hal_p11 *p, void *handle)
{
	if (p && p->ops && p->ops->unload)
		p->ops->unload(p->ctx, handle);
}

static inline const char *hal_p11_error(const struct hal_p11 *p)
{
	return p && p->ops && p->ops->error ? p->ops->error(p->ctx) : "";
}

#endif
