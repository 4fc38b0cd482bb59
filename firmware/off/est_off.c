/*
 * est_off.c: EST over CoAP and the state resource on a board built with
 * FEATURE_COAP=0 (no libcoap in its sysroot): every call says so.
 */
#include "est_coap.h"
#include "est_state.h"

#define OFF(e) sg_error_set(e, SG_E_INTERNAL, "this build has no CoAP (FEATURE_COAP=0)")

sg_err est_url_parse(const char *url, char *host, size_t host_cap, uint16_t *port,
		     struct sg_error *e)
{
	(void)url;
	(void)host;
	(void)host_cap;
	(void)port;
	return OFF(e);
}

sg_err est_conn_open(const struct est_conn_cfg *cfg, struct est_conn **out, struct sg_error *e)
{
	(void)cfg;
	*out = NULL;
	return OFF(e);
}

sg_err est_conn_request(struct est_conn *c, const char *path, const uint8_t *body, size_t len,
			unsigned cf, struct est_resp *r, struct sg_error *e)
{
	(void)c;
	(void)path;
	(void)body;
	(void)len;
	(void)cf;
	(void)r;
	return OFF(e);
}

void est_resp_free(struct est_resp *r)
{
	(void)r;
}

sg_err est_conn_peer_chain(struct est_conn *c, mbedtls_x509_crt *chain, struct sg_error *e)
{
	(void)c;
	(void)chain;
	return OFF(e);
}

void est_conn_close(struct est_conn *c)
{
	(void)c;
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
