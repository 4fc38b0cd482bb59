/*
 * est_off.c: EST over CoAP and the state resource on a board built with
 * FEATURE_COAP=0 (no libcoap in its sysroot): the enrolment code is left
 * out (it could not reach a service anyway), `signet enroll` and `signet
 * renew` say so, `signet run` has nothing to renew and no state resource.
 */
#include "commands.h"
#include "est.h"
#include "est_state.h"

#define OFF(e) sg_error_set(e, SG_E_INTERNAL, "this build has no CoAP (FEATURE_COAP=0)")

/* signet enroll / renew: not on this board. */
int cmd_enroll(struct cli *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(c, "this build has no CoAP (FEATURE_COAP=0): no enrolment");
}

int cmd_renew(struct cli *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(c, "this build has no CoAP (FEATURE_COAP=0): no renewal");
}

/* signet run: never anything to renew. */
int est_renew_configured(const struct cli *c)
{
	(void)c;
	return 0;
}

int est_renew_due(int64_t not_after, int64_t now, int days)
{
	return not_after - now <= (int64_t)days * 86400;
}

sg_err est_renew_if_due(struct cli *c, struct token *t, size_t ci, unsigned timeout_ms,
			int (*stop)(void *arg), void *stop_arg, int *renewed, struct sg_error *e)
{
	(void)stop;
	(void)stop_arg;
	(void)c;
	(void)t;
	(void)ci;
	(void)timeout_ms;
	(void)e;
	*renewed = 0;
	return SG_OK;
}

sg_err est_state_start(const struct hal *hal, const char *addr, unsigned port,
		       const struct est_state_src *src, struct est_state **out,
		       struct sg_error *e)
{
	(void)hal;
	(void)addr;
	(void)port;
	(void)src;
	*out = NULL;
	return OFF(e);
}

unsigned est_state_port(const struct est_state *s)
{
	(void)s;
	return 0;
}

void est_state_changed(struct est_state *s)
{
	(void)s;
}

void est_state_stop(struct est_state *s)
{
	(void)s;
}

size_t est_state_json(const struct est_state_info *info, char *buf, size_t cap)
{
	(void)info;
	if (cap)
		buf[0] = 0;
	return 0;
}
