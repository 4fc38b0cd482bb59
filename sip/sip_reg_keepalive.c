/*
 * sip_reg_keepalive.c: the registration client's RFC 5626 keep-alives
 * (4.4.1): on a reliable transport whose 200 OK carries "Require:
 * outbound", a CRLF CRLF ping every Flow-Timer seconds (else
 * keepalive_s), randomly 80-100% of it; no pong within pong_timeout_ms
 * -> the flow is dead: reconnect and re-register (or end the
 * unregistration). See sip_reg_priv.h.
 */
#include "sip_reg_priv.h"

uint64_t sip_reg_keepalive_ms(uint32_t interval_s, uint32_t rnd)
{
	uint64_t full = (uint64_t)interval_s * 1000u;
	uint64_t ms = full * 8u / 10u + (full / 5u ? rnd % (full / 5u + 1u) : 0);

	return ms < 1000 ? 1000 : ms;
}

void reg_keepalive_off(struct sip_reg *r)
{
	reg_cancel(r, &r->ka_timer);
	reg_cancel(r, &r->pong_timer);
	r->ka_on = 0;
}

static void on_ka(void *arg);

static void ka_arm(struct sip_reg *r)
{
	reg_cancel(r, &r->ka_timer);
	if (hal_loop_add_timer(&r->hal->loop,
			       reg_ms32(sip_reg_keepalive_ms(r->flow_s, reg_rand_u32(r))), on_ka, r,
			       &r->ka_timer) != HAL_OK)
		r->ka_timer = -1;
}

static void on_pong_timeout(void *arg)
{
	struct sip_reg *r = arg;
	struct sg_error err;

	r->pong_timer = -1;
	sg_error_init(&err);
	sg_error_set(&err, SG_E_NETWORK,
		     "no keep-alive answer from %s:%u within %u ms: the connection is dead",
		     r->cur_host, (unsigned)r->cur_port, (unsigned)r->pong_ms);
	reg_flow_failed(r, &err);
}

static void on_ka(void *arg)
{
	struct sip_reg *r = arg;
	struct sg_error err;
	static const uint8_t ping[4] = {'\r', '\n', '\r', '\n'};

	r->ka_timer = -1;
	sg_error_init(&err);
	if (!r->tp_up)
		return;
	if (r->tp->ops->send(r->tp->ctx, ping, sizeof(ping), &err) != SG_OK) {
		reg_flow_failed(r, &err);
		return;
	}
	if (r->pong_timer < 0 &&
	    hal_loop_add_timer(&r->hal->loop, r->pong_ms, on_pong_timeout, r, &r->pong_timer) !=
		    HAL_OK)
		r->pong_timer = -1;
	ka_arm(r);
}

void reg_keepalive_start(struct sip_reg *r, const struct sip_msg *m)
{
	uint32_t flow = 0;

	reg_keepalive_off(r);
	if (r->tp->reliable && sip_msg_has_option(m, SIP_HDR_REQUIRE, "outbound")) {
		r->flow_s = sip_msg_uint(m, SIP_HDR_FLOW_TIMER, &flow, NULL) == SIP_FOUND && flow
				    ? flow
				    : r->keepalive_s;
		r->ka_on = 1;
		ka_arm(r);
	}
}

void reg_keepalive_pong(struct sip_reg *r)
{
	reg_cancel(r, &r->pong_timer);
}
