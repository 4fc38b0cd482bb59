/*
 * est_state.c: the observable device state resource (est_state.h) on
 * libcoap, driven by the HAL's event loop.
 */
#define _GNU_SOURCE
#include "est_state.h"

#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <coap3/coap.h>

#include "json.h"
#include "sg_mem.h"
#include "sg_time.h"

#define EST_STATE_TICK_MS 500 /* libcoap's retransmissions and observe upkeep */

struct est_state {
	const struct hal *hal;
	coap_context_t *ctx;
	coap_resource_t *res;
	struct est_state_src src;
	unsigned port;
	int fd, timer;
};

size_t est_state_json(const struct est_state_info *info, char *buf, size_t cap)
{
	char when[40] = "";
	struct json j;
	FILE *f = fmemopen(buf, cap, "w");
	long n;

	if (!f) {
		if (cap)
			buf[0] = 0;
		return 0;
	}
	if (info->cert_not_after)
		sg_time_format(info->cert_not_after, when, sizeof(when));
	json_init(&j, f);
	json_obj_begin(&j);
	json_key(&j, "user");
	json_str(&j, info->user);
	json_key(&j, "cert_not_after");
	if (when[0])
		json_str(&j, when);
	else
		json_null(&j);
	json_key(&j, "registration");
	json_str(&j, info->registration);
	json_key(&j, "last_error");
	json_str(&j, info->last_error);
	json_key(&j, "registrar");
	json_str(&j, info->registrar);
	json_key(&j, "registrar_change");
	json_str(&j, info->registrar_change);
	if (info->flows[0]) {
		json_key(&j, "flows");
		json_str(&j, info->flows);
	}
	json_obj_end(&j);
	fflush(f);
	n = ftell(f);
	fclose(f);
	if (n < 0 || (size_t)n >= cap)
		n = cap ? (long)cap - 1 : 0;
	if (cap)
		buf[n] = 0;
	return (size_t)n;
}

static void on_get(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
		   const coap_string_t *q, coap_pdu_t *resp)
{
	struct est_state *st = coap_get_app_data(coap_session_get_context(s));
	struct est_state_info info;
	char buf[4096]; /* room for every field of est_state_info at its longest */
	size_t n;

	memset(&info, 0, sizeof(info));
	st->src.get(st->src.arg, &info);
	n = est_state_json(&info, buf, sizeof(buf));
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CONTENT);
	coap_add_data_large_response(r, s, req, resp, q, COAP_MEDIATYPE_APPLICATION_JSON, -1, 0, n,
				     (const uint8_t *)buf, NULL, NULL);
}

static void pump(struct est_state *st)
{
	coap_io_process(st->ctx, COAP_IO_NO_WAIT);
}

static void on_ready(int handle, int events, void *arg)
{
	(void)handle;
	(void)events;
	pump(arg);
}

static void on_tick(void *arg)
{
	struct est_state *st = arg;

	pump(st);
	if (hal_loop_add_timer(&st->hal->loop, EST_STATE_TICK_MS, on_tick, st, &st->timer) != HAL_OK)
		st->timer = -1;
}

sg_err est_state_start(const struct hal *hal, const char *addr, unsigned port,
		       const struct est_state_src *src, struct est_state **out,
		       struct sg_error *e)
{
	struct est_state *st = sg_calloc(1, sizeof(*st));
	coap_address_t a;
	coap_endpoint_t *ep;
	sg_err err = SG_OK;

	*out = NULL;
	if (!st)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	if (port < 1 || port > 65535) {
		sg_free(st);
		return sg_error_set(e, SG_E_CONFIG, "state port %u: 1 to 65535", port);
	}
	st->hal = hal;
	st->src = *src;
	st->fd = -1;
	st->timer = -1;
	coap_startup();
	coap_set_log_level(LOG_EMERG);
	st->ctx = coap_new_context(NULL);
	if (!st->ctx) {
		err = sg_error_set(e, SG_E_NOMEM, "coap_new_context");
		goto out;
	}
	coap_set_app_data(st->ctx, st);
	coap_context_set_block_mode(st->ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
	coap_address_init(&a);
	a.addr.sin.sin_family = AF_INET;
	a.addr.sin.sin_port = htons((uint16_t)port);
	a.size = sizeof(a.addr.sin);
	if (inet_pton(AF_INET, addr ? addr : "127.0.0.1", &a.addr.sin.sin_addr) != 1) {
		err = sg_error_set(e, SG_E_CONFIG, "state address %s: not an IPv4 address", addr);
		goto out;
	}
	ep = coap_new_endpoint(st->ctx, &a, COAP_PROTO_UDP);
	if (!ep) {
		err = sg_error_set(e, SG_E_NETWORK, "cannot listen on %s port %u",
				   addr ? addr : "127.0.0.1", port);
		goto out;
	}
	st->port = port;
	st->res = coap_resource_init(coap_make_str_const(EST_STATE_PATH), 0);
	coap_register_request_handler(st->res, COAP_REQUEST_GET, on_get);
	coap_resource_set_get_observable(st->res, 1);
	coap_add_resource(st->ctx, st->res);
	st->fd = coap_context_get_coap_fd(st->ctx);
	if (st->fd < 0 || hal_loop_watch(&hal->loop, st->fd, HAL_LOOP_READ, on_ready, st) != HAL_OK) {
		err = sg_error_set(e, SG_E_INTERNAL, "the event loop cannot watch libcoap");
		st->fd = -1;
		goto out;
	}
	if (hal_loop_add_timer(&hal->loop, EST_STATE_TICK_MS, on_tick, st, &st->timer) != HAL_OK)
		st->timer = -1;
out:
	if (err) {
		est_state_stop(st);
		return err;
	}
	*out = st;
	return SG_OK;
}

unsigned est_state_port(const struct est_state *s)
{
	return s->port;
}

void est_state_changed(struct est_state *s)
{
	if (!s)
		return;
	coap_resource_notify_observers(s->res, NULL);
	pump(s);
}

void est_state_stop(struct est_state *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		(void)hal_loop_watch(&s->hal->loop, s->fd, 0, NULL, NULL);
	if (s->timer >= 0)
		(void)hal_loop_cancel_timer(&s->hal->loop, s->timer);
	if (s->ctx)
		coap_free_context(s->ctx);
	sg_free(s);
}
