/*
 * linux_p11.c: PKCS#11 modules through dlopen(3).
 *
 * RTLD_LOCAL keeps each module's symbols to itself (two modules may both
 * export C_* names); RTLD_NOW makes a module with missing dependencies fail
 * here, with dlerror's text, instead of at its first call.
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

#include "linux_dev.h"

#ifndef SIGNET_DEFAULT_P11_MODULE
#define SIGNET_DEFAULT_P11_MODULE "opensc-pkcs11.so"
#endif

struct p11_ctx {
	char err[256];
};

static void p11_set_err(struct p11_ctx *pc, const char *msg)
{
	snprintf(pc->err, sizeof(pc->err), "%s", msg ? msg : "");
}

static int p11_load(void *ctx, const char *path, void **fnlist, void **handle)
{
	struct p11_ctx *pc = ctx;
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR list = NULL;
	void *dl;
	CK_RV rv;
	int r = HAL_ENOENT;

	*fnlist = NULL;
	*handle = NULL;
	p11_set_err(pc, "");
	dl = dlopen(path ? path : SIGNET_DEFAULT_P11_MODULE, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		p11_set_err(pc, dlerror());
		return HAL_ENOENT;
	}
	get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
	if (!get) {
		p11_set_err(pc, "no C_GetFunctionList");
		goto out;
	}
	rv = get(&list);
	if (rv != CKR_OK || !list) {
		snprintf(pc->err, sizeof(pc->err), "C_GetFunctionList failed: 0x%lx",
			 (unsigned long)rv);
		r = HAL_EIO;
		goto out;
	}
	*fnlist = list;
	*handle = dl;
	dl = NULL;
	r = HAL_OK;
out:
	if (dl)
		dlclose(dl);
	return r;
}

static void p11_unload(void *ctx, void *handle)
{
	(void)ctx;
	if (handle)
		dlclose(handle);
}

static const char *p11_error(void *ctx)
{
	const struct p11_ctx *pc = ctx;

	return pc->err;
}

static const struct hal_p11_ops p11_ops = {
	.load = p11_load,
	.unload = p11_unload,
	.error = p11_error,
};

int linux_p11_init(struct hal_p11 *p)
{
	struct p11_ctx *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return HAL_ENOMEM;
	p->ops = &p11_ops;
	p->ctx = pc;
	return HAL_OK;
}

void linux_p11_fini(struct hal_p11 *p)
{
	if (!p->ops)
		return;
	free(p->ctx);
	p->ops = NULL;
	p->ctx = NULL;
}
