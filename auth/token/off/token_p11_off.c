/*
 * token_p11_off.c: the PKCS#11 backend on a board without PKCS#11 module
 * loading (FEATURE_P11=0, e.g. the desk phone, which signs with the
 * card's PIV edge or the virtual card). It replaces token_p11.c and
 * token_p11_admin.c there, so the phone carries no PKCS#11 client; the
 * answers are those the client gives when the HAL cannot load a module.
 */
#include "token_p11.h"

sg_err token_p11_open(const struct hal *hal, const char *module, const struct p11uri *uri,
		      struct token **out, struct sg_error *e)
{
	(void)hal;
	(void)uri;
	*out = NULL;
	return sg_error_set(e, SG_E_INTERNAL, "%s: this board cannot load PKCS#11 modules",
			    module ? module : "(default module)");
}

sg_err token_p11_admin(struct token *t, struct sg_error *e)
{
	(void)t;
	return sg_error_set(e, SG_E_INTERNAL, "this board cannot load PKCS#11 modules");
}
