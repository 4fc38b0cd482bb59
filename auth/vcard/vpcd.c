/* vpcd.c: the card side of the vpcd link (see vpcd.h). */
#include "vpcd.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "sg_hal.h"
#include "sg_log.h"
#include "sg_mem.h"

#define VPCD_HOST_DEFAULT "127.0.0.1"
#define VPCD_OUT_CAP (VPCD_RESP_MAX + 2)
/* Messages handled per readiness callback, so that a peer streaming empty
 * messages cannot keep the loop from its timers and other watches. */
#define VPCD_BURST 16

struct vpcd {
	const struct hal *hal;
	struct vcard *card;
	struct vpcd_config cfg;
	char host[256];
	int handle; /* -1: no link */
	int timer;
	int timer_set;
	uint32_t delay_ms;
	int waiting;            /* dials have failed since the last link */
	uint64_t waiting_since; /* mono ms of the first of them */
	unsigned long tries;
	/* the message being received */
	uint8_t hdr[2];
	size_t hdr_got;
	size_t want, got;
	int discard; /* longer than VPCD_MSG_MAX: read into msg and dropped */
	uint8_t *msg;
	/* the answer being sent */
	uint8_t *out;
	size_t out_len, out_off;
	struct sg_error err;
	struct vpcd_stats st;
};

static void vpcd_ready(int handle, int events, void *arg);
static void vpcd_dial(void *arg);

static const struct hal_log *vlog(const struct vpcd *v)
{
	return &v->hal->log;
}

static size_t frame(uint8_t *out, size_t payload_len)
{
	out[0] = (uint8_t)(payload_len >> 8);
	out[1] = (uint8_t)payload_len;
	return payload_len + 2;
}

static size_t frame_sw(uint8_t *out, uint16_t sw)
{
	out[2] = (uint8_t)(sw >> 8);
	out[3] = (uint8_t)sw;
	return frame(out, 2);
}

static size_t handle_control(struct vcard *card, uint8_t ctrl, uint8_t *out, size_t cap,
			     struct vpcd_stats *st, const struct hal_log *log)
{
	static const char *const names[] = {"power off", "power on", "reset"};

	switch (ctrl) {
	case VPCD_CTRL_OFF:
	case VPCD_CTRL_ON:
	case VPCD_CTRL_RESET:
		vcard_power(card, ctrl == VPCD_CTRL_OFF  ? VCARD_POWER_OFF
				  : ctrl == VPCD_CTRL_ON ? VCARD_POWER_ON
							 : VCARD_RESET);
		if (st)
			st->controls++;
		sg_debug(log, "vpcd: %s", names[ctrl]);
		return 0;
	case VPCD_CTRL_ATR:
		if (st)
			st->controls++;
		return frame(out, vcard_atr(card, out + 2, cap - 2));
	default:
		if (st)
			st->malformed++;
		sg_debug(log, "vpcd: unknown control message %u ignored", (unsigned)ctrl);
		return 0;
	}
}

size_t vpcd_handle(struct vcard *card, const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
		   struct vpcd_stats *st, const struct hal_log *log)
{
	size_t n;
	uint16_t sw;

	if (!card || !out || cap < VPCD_OUT_CAP || (len && !msg))
		return 0;
	if (len == 0) {
		if (st)
			st->malformed++;
		sg_debug(log, "vpcd: empty message ignored");
		return 0;
	}
	if (len == 1)
		return handle_control(card, msg[0], out, cap, st, log);
	if (len > VPCD_MSG_MAX) {
		if (st)
			st->malformed++;
		sg_debug(log, "vpcd: APDU of %zu bytes is longer than %u: 6700", len,
			 (unsigned)VPCD_MSG_MAX);
		return frame_sw(out, 0x6700);
	}
	n = vcard_transmit(card, msg, len, out + 2, VPCD_RESP_MAX);
	if (n < 2) /* cannot happen with this cap; keep the peer in step anyway */
		return frame_sw(out, 0x6F00);
	if (st)
		st->apdus++;
	sw = (uint16_t)(out[2 + n - 2] << 8 | out[2 + n - 1]);
	/* The header only: the data of a VERIFY is the PIN. */
	if (len >= 4)
		sg_debug(log, "vpcd: APDU %02X %02X %02X %02X, %zu bytes -> %zu bytes, SW %04X",
			 msg[0], msg[1], msg[2], msg[3], len, n - 2, (unsigned)sw);
	else
		sg_debug(log, "vpcd: APDU of %zu bytes (no header) -> SW %04X", len, (unsigned)sw);
	return frame(out, n);
}

static void rx_reset(struct vpcd *v)
{
	mbedtls_platform_zeroize(v->msg, v->got < VPCD_MSG_MAX ? v->got : VPCD_MSG_MAX);
	v->hdr_got = 0;
	v->want = 0;
	v->got = 0;
	v->discard = 0;
}

static void schedule_dial(struct vpcd *v, uint32_t delay_ms)
{
	if (v->timer_set)
		(void)hal_loop_cancel_timer(&v->hal->loop, v->timer);
	v->timer_set = hal_loop_add_timer(&v->hal->loop, delay_ms, vpcd_dial, v, &v->timer) ==
		       HAL_OK;
	if (!v->timer_set) {
		sg_error_set(&v->err, SG_E_INTERNAL, "the event loop refused a timer");
		hal_loop_stop(&v->hal->loop);
	}
}

static void link_close(struct vpcd *v)
{
	if (v->handle < 0)
		return;
	(void)hal_loop_watch(&v->hal->loop, v->handle, 0, NULL, NULL);
	(void)hal_net_close(&v->hal->net, v->handle);
	v->handle = -1;
	/* The card left the reader: its PIN state must not outlive the link. */
	vcard_power(v->card, VCARD_POWER_OFF);
	rx_reset(v);
	mbedtls_platform_zeroize(v->out, VPCD_OUT_CAP);
	v->out_len = 0;
	v->out_off = 0;
}

static void link_lost(struct vpcd *v, int hal_err)
{
	if (v->hdr_got || v->got)
		sg_debug(vlog(v), "vpcd: link lost mid-message (%zu of %zu bytes)", v->got, v->want);
	sg_info(vlog(v), "vpcd at %s:%u %s the link", v->host, (unsigned)v->cfg.port,
		hal_err == HAL_ECLOSED ? "closed" : "lost");
	link_close(v);
	if (v->cfg.once) {
		hal_loop_stop(&v->hal->loop);
		return;
	}
	v->delay_ms = v->cfg.retry_min_ms;
	v->waiting = 0;
	schedule_dial(v, v->cfg.retry_min_ms);
}

/* Sends what is left of the answer; 1 when all of it is out. */
static int flush(struct vpcd *v)
{
	while (v->out_off < v->out_len) {
		size_t sent = 0;
		int r = hal_net_send(&v->hal->net, v->handle, v->out + v->out_off,
				     v->out_len - v->out_off, &sent);

		if (r == HAL_EAGAIN)
			break;
		if (r != HAL_OK) {
			link_lost(v, r);
			return 0;
		}
		v->out_off += sent;
	}
	if (v->out_off < v->out_len) {
		/* Wait until writable, and read nothing meanwhile: vpcd waits
		 * for this answer before it sends anything else. */
		if (hal_loop_watch(&v->hal->loop, v->handle, HAL_LOOP_WRITE, vpcd_ready, v) != HAL_OK)
			link_lost(v, HAL_EIO);
		return 0;
	}
	v->out_len = 0;
	v->out_off = 0;
	if (hal_loop_watch(&v->hal->loop, v->handle, HAL_LOOP_READ, vpcd_ready, v) != HAL_OK) {
		link_lost(v, HAL_EIO);
		return 0;
	}
	return 1;
}

/* A whole message is in: answer it. 0 when the link went away. */
static int message_done(struct vpcd *v)
{
	if (v->discard) {
		v->st.malformed++;
		sg_debug(vlog(v), "vpcd: message of %zu bytes is longer than %u: discarded, 6700",
			 v->want, (unsigned)VPCD_MSG_MAX);
		v->out_len = frame_sw(v->out, 0x6700);
	} else {
		v->out_len = vpcd_handle(v->card, v->msg, v->want, v->out, VPCD_OUT_CAP, &v->st,
					 vlog(v));
	}
	rx_reset(v);
	v->out_off = 0;
	return v->out_len ? flush(v) : 1;
}

/* Where the next bytes go and how many are wanted. */
static uint8_t *rx_target(struct vpcd *v, size_t *need)
{
	if (v->hdr_got < 2) {
		*need = 2 - v->hdr_got;
		return v->hdr + v->hdr_got;
	}
	if (v->discard) {
		*need = v->want - v->got < VPCD_MSG_MAX ? v->want - v->got : VPCD_MSG_MAX;
		return v->msg;
	}
	*need = v->want - v->got;
	return v->msg + v->got;
}

static void read_some(struct vpcd *v)
{
	int handled = 0;

	while (v->handle >= 0 && v->out_len == 0 && handled < VPCD_BURST) {
		size_t need, got = 0;
		uint8_t *dst = rx_target(v, &need);

		if (need > 0) {
			int r;

			if (v->cfg.before_read)
				v->cfg.before_read(v->handle, v->cfg.arg);
			r = hal_net_recv(&v->hal->net, v->handle, dst, need, &got);
			if (r == HAL_EAGAIN)
				return;
			if (r != HAL_OK) {
				link_lost(v, r);
				return;
			}
			if (v->hdr_got < 2) {
				v->hdr_got += got;
				if (v->hdr_got == 2) {
					v->want = (size_t)v->hdr[0] << 8 | v->hdr[1];
					v->discard = v->want > VPCD_MSG_MAX;
				}
				if (v->hdr_got < 2 || v->want > 0)
					continue;
			} else {
				v->got += got;
				if (v->got < v->want)
					continue;
			}
		}
		handled++;
		if (!message_done(v))
			return;
	}
}

static void vpcd_ready(int handle, int events, void *arg)
{
	struct vpcd *v = arg;

	if (handle != v->handle)
		return;
	if (v->out_len) {
		if (events & (HAL_LOOP_WRITE | HAL_LOOP_ERROR))
			(void)flush(v);
		return;
	}
	if (events & (HAL_LOOP_READ | HAL_LOOP_ERROR))
		read_some(v);
}

static void vpcd_dial(void *arg)
{
	struct vpcd *v = arg;
	uint64_t now;
	int h = -1, r;

	v->timer_set = 0;
	v->tries++;
	r = hal_net_connect(&v->hal->net, HAL_NET_TCP, v->host, v->cfg.port,
			    v->cfg.connect_timeout_ms, &h);
	if (r == HAL_OK) {
		if (hal_loop_watch(&v->hal->loop, h, HAL_LOOP_READ, vpcd_ready, v) != HAL_OK) {
			(void)hal_net_close(&v->hal->net, h);
			r = HAL_ENOMEM;
		} else {
			v->handle = h;
			v->st.connects++;
			v->tries = 0;
			v->waiting = 0;
			v->delay_ms = v->cfg.retry_min_ms;
			rx_reset(v);
			sg_info(vlog(v), "connected to vpcd at %s:%u", v->host, (unsigned)v->cfg.port);
			if (v->cfg.before_read)
				v->cfg.before_read(h, v->cfg.arg);
			return;
		}
	}
	now = hal_clock_mono_ms(&v->hal->clock);
	if (!v->waiting) {
		v->waiting = 1;
		v->waiting_since = now;
		sg_info(vlog(v), "waiting for vpcd at %s:%u (is pcscd running with vsmartcard-vpcd?)",
			v->host, (unsigned)v->cfg.port);
	}
	if (v->cfg.give_up_ms && now - v->waiting_since >= v->cfg.give_up_ms) {
		sg_error_set(&v->err, SG_E_NETWORK,
			     "no vpcd at %s:%u after %lu tries in %u s (is pcscd running with "
			     "vsmartcard-vpcd, and does its reader.conf name this port?)",
			     v->host, (unsigned)v->cfg.port, v->tries,
			     (unsigned)(v->cfg.give_up_ms / 1000));
		hal_loop_stop(&v->hal->loop);
		return;
	}
	sg_debug(vlog(v), "vpcd: dial %lu to %s:%u: %s; next in %u ms", v->tries, v->host,
		 (unsigned)v->cfg.port, sg_hal_net_why(r), (unsigned)v->delay_ms);
	schedule_dial(v, v->delay_ms);
	v->delay_ms = v->delay_ms > v->cfg.retry_max_ms / 2 ? v->cfg.retry_max_ms : v->delay_ms * 2;
}

sg_err vpcd_start(const struct hal *hal, struct vcard *card, const struct vpcd_config *cfg,
		  struct vpcd **out, struct sg_error *e)
{
	struct vpcd *v;
	const char *host = cfg && cfg->host ? cfg->host : VPCD_HOST_DEFAULT;
	sg_err err;

	if (!out)
		return sg_error_set(e, SG_E_INTERNAL, "vpcd_start: no result pointer");
	*out = NULL;
	if (!hal || !card || !cfg)
		return sg_error_set(e, SG_E_INVALID_ARG, "vpcd_start: no card");
	if (strlen(host) >= sizeof(v->host) || !*host)
		return sg_error_set(e, SG_E_INVALID_ARG, "bad vpcd host name");
	v = sg_calloc(1, sizeof(*v));
	if (!v)
		return sg_error_set(e, SG_E_NOMEM, "vpcd link");
	v->msg = sg_calloc(1, VPCD_MSG_MAX);
	v->out = sg_calloc(1, VPCD_OUT_CAP);
	if (!v->msg || !v->out) {
		err = sg_error_set(e, SG_E_NOMEM, "vpcd link buffers");
		goto fail;
	}
	v->hal = hal;
	v->card = card;
	v->cfg = *cfg;
	snprintf(v->host, sizeof(v->host), "%s", host);
	v->cfg.host = v->host;
	if (!v->cfg.port)
		v->cfg.port = VPCD_PORT_DEFAULT;
	if (!v->cfg.retry_min_ms)
		v->cfg.retry_min_ms = 100;
	if (!v->cfg.retry_max_ms)
		v->cfg.retry_max_ms = 5000;
	if (v->cfg.retry_max_ms < v->cfg.retry_min_ms)
		v->cfg.retry_max_ms = v->cfg.retry_min_ms;
	if (v->cfg.connect_timeout_ms <= 0)
		v->cfg.connect_timeout_ms = 2000;
	v->delay_ms = v->cfg.retry_min_ms;
	v->handle = -1;
	sg_error_init(&v->err);
	if (hal_loop_add_timer(&hal->loop, 0, vpcd_dial, v, &v->timer) != HAL_OK) {
		err = sg_error_set(e, SG_E_INTERNAL, "the event loop refused a timer");
		goto fail;
	}
	v->timer_set = 1;
	*out = v;
	return SG_OK;
fail:
	sg_free(v->msg);
	sg_free(v->out);
	sg_free(v);
	return err;
}

sg_err vpcd_result(const struct vpcd *v, struct sg_error *e)
{
	if (!v)
		return sg_error_set(e, SG_E_INTERNAL, "vpcd_result: no link");
	if (e)
		*e = v->err;
	return v->err.code;
}

void vpcd_get_stats(const struct vpcd *v, struct vpcd_stats *st)
{
	if (!st)
		return;
	if (v)
		*st = v->st;
	else
		memset(st, 0, sizeof(*st));
}

void vpcd_free(struct vpcd *v)
{
	if (!v)
		return;
	if (v->timer_set)
		(void)hal_loop_cancel_timer(&v->hal->loop, v->timer);
	link_close(v);
	sg_free_secret(v->msg, VPCD_MSG_MAX);
	sg_free_secret(v->out, VPCD_OUT_CAP);
	sg_free(v);
}
