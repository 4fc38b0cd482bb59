/*
 * est_plugin.h: the CoAP part of signet (est_coap.h, est_state.h, linked
 * with libcoap and GnuTLS) as a plugin, signet-coap.so, loaded only when
 * it is used: `signet enroll`, `signet renew`, and `signet run` with an
 * [enroll] service or a state port. Every other command starts without
 * loading libcoap, GnuTLS and GnuTLS's dependencies (about 1.5 ms a
 * process on the desktop; see doc/benchmarks.md).
 *
 * The plugin exports one symbol, signet_coap_api; firmware/coap/est_plugin.c
 * defines est_coap.h's and est_state.h's functions in signet by calling
 * through it. Where the plugin is looked for, first found wins:
 *   $SIGNET_COAP_PLUGIN (ignored for a set-id process),
 *   signet-coap.so beside the signet binary (the build tree),
 *   ../lib/signet/signet-coap.so from it (make install: PREFIX/lib/signet).
 */
#ifndef EST_PLUGIN_H
#define EST_PLUGIN_H

#include "est_coap.h"
#include "est_state.h"

#define EST_COAP_API_VERSION 1

struct est_coap_api {
	int version; /* EST_COAP_API_VERSION */
	sg_err (*url_parse)(const char *url, char *host, size_t host_cap, uint16_t *port,
			    struct sg_error *e);
	sg_err (*conn_open)(const struct est_conn_cfg *cfg, struct est_conn **out,
			    struct sg_error *e);
	sg_err (*conn_request)(struct est_conn *c, const char *path, const uint8_t *body,
			       size_t len, unsigned cf, struct est_resp *r, struct sg_error *e);
	void (*resp_free)(struct est_resp *r);
	sg_err (*conn_peer_chain)(struct est_conn *c, mbedtls_x509_crt *chain, struct sg_error *e);
	void (*conn_close)(struct est_conn *c);
	sg_err (*state_start)(const struct hal *hal, const char *addr, unsigned port,
			      const struct est_state_src *src, struct est_state **out,
			      struct sg_error *e);
	unsigned (*state_port)(const struct est_state *s);
	void (*state_changed)(struct est_state *s);
	void (*state_stop)(struct est_state *s);
	size_t (*state_json)(const struct est_state_info *info, char *buf, size_t cap);
};

/* In the plugin. */
extern const struct est_coap_api signet_coap_api;

#endif
