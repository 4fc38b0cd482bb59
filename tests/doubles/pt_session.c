/* pt_session.c: the test stand-in for the sign-in session (pt_session.h). */
#define _GNU_SOURCE
#include "pt_session.h"

#include <stdlib.h>
#include <string.h>

struct pt_session {
	const struct hal *hal;
	struct run_sm *sm;
	char pin[PIN_MAX_LEN + 1];
	int tries, max_tries;
	int present, logged_in, open;
	int leave_after;      /* > 0: the card leaves at that presence check */
	int64_t not_after;
	sg_err open_error;
	int net_up, refuse;
	int connected, bound, stopping;
	unsigned registrations;
	uint32_t expires_s, retry_ms;
	int timer;
	struct sg_error err;
};

static void ps_cancel(struct pt_session *ps)
{
	if (ps->timer >= 0)
		hal_loop_cancel_timer(&ps->hal->loop, ps->timer);
	ps->timer = -1;
}

static void ps_after(struct pt_session *ps, uint32_t ms, hal_loop_timer_h h)
{
	ps_cancel(ps);
	hal_loop_add_timer(&ps->hal->loop, ms, h, ps, &ps->timer);
}

static void ps_register(void *arg);

static void ps_unregistered(void *arg)
{
	struct pt_session *ps = arg;

	ps->timer = -1;
	if (ps->net_up)
		ps->bound = 0;
	ps->connected = 0;
	ps->stopping = 0;
	if (ps->sm)
		run_sm_registration(ps->sm, RUN_EV_UNREGISTERED, NULL);
}

/* A REGISTER (first, retry or refresh) and its answer. */
static void ps_register(void *arg)
{
	struct pt_session *ps = arg;

	ps->timer = -1;
	if (!ps->connected)
		return;
	if (!ps->net_up) {
		sg_error_set(&ps->err, SG_E_NETWORK, "no route to the registrar");
		ps_after(ps, ps->retry_ms, ps_register);
		run_sm_registration(ps->sm, RUN_EV_NET_LOST, &ps->err);
		return;
	}
	if (ps->refuse) {
		sg_error_set(&ps->err, SG_E_REFUSED, "the registrar answered 403 Forbidden");
		ps->connected = 0;
		run_sm_registration(ps->sm, RUN_EV_FAILED, &ps->err);
		return;
	}
	ps->bound = 1;
	ps->registrations++;
	ps_after(ps, ps->expires_s * 900u, ps_register);
	run_sm_registration(ps->sm, RUN_EV_REGISTERED, NULL);
}

static int ps_card_present(void *ctx)
{
	struct pt_session *ps = ctx;

	if (ps->leave_after > 0 && --ps->leave_after == 0)
		ps->present = 0;
	return ps->present;
}

static sg_err ps_open(void *ctx, int64_t *not_after, char *label, size_t cap,
		      struct sg_error *e)
{
	struct pt_session *ps = ctx;
	sg_err code = ps->open_error;

	ps->open_error = SG_OK;
	if (!ps->present)
		return sg_error_set(e, SG_E_NO_CARD, "no card");
	if (code)
		return sg_error_set(e, code, "the certificate check failed (test)");
	ps->open = 1;
	*not_after = ps->not_after;
	if (cap)
		strncpy(label, "test card", cap - 1), label[cap - 1] = '\0';
	return SG_OK;
}

static sg_err ps_pin_state(void *ctx, struct token_pin_state *st, struct sg_error *e)
{
	struct pt_session *ps = ctx;

	if (!ps->present)
		return sg_error_set(e, SG_E_CARD_REMOVED, "the card was removed");
	memset(st, 0, sizeof(*st));
	st->tries_left = ps->tries;
	st->locked = ps->tries == 0;
	st->final_try = ps->tries == 1;
	st->count_low = ps->tries < ps->max_tries;
	return SG_OK;
}

static sg_err ps_login(void *ctx, struct pin *pin, struct sg_error *e)
{
	struct pt_session *ps = ctx;
	sg_err err = SG_OK;

	if (!ps->present) {
		err = sg_error_set(e, SG_E_CARD_REMOVED, "the card was removed");
	} else if (ps->tries == 0) {
		err = sg_error_set(e, SG_E_PIN_LOCKED, "the PIN is blocked");
	} else if (pin->len != strlen(ps->pin) || memcmp(pin->v, ps->pin, pin->len)) {
		ps->tries--;
		if (ps->tries == 0) {
			err = sg_error_set(e, SG_E_PIN_LOCKED, "wrong PIN, and that blocked it");
		} else {
			err = sg_error_set(e, SG_E_PIN_INCORRECT, "wrong PIN");
			if (e)
				e->tries_left = ps->tries;
		}
	} else {
		ps->tries = ps->max_tries;
		ps->logged_in = 1;
	}
	pin_wipe(pin);
	return err;
}

static sg_err ps_connect(void *ctx, struct sg_error *e)
{
	struct pt_session *ps = ctx;

	(void)e;
	ps->connected = 1;
	ps_after(ps, 50, ps_register);
	return SG_OK;
}

static int ps_disconnect(void *ctx, uint32_t timeout_ms)
{
	struct pt_session *ps = ctx;

	if (!ps->connected)
		return -1;
	ps->stopping = 1;
	ps_after(ps, ps->net_up ? 10 : timeout_ms, ps_unregistered);
	return 0;
}

static void ps_close(void *ctx)
{
	struct pt_session *ps = ctx;

	ps_cancel(ps);
	ps->connected = 0;
	ps->logged_in = 0;
	ps->open = 0;
}

const struct run_session_ops pt_session_ops = {
	.card_present = ps_card_present,
	.open = ps_open,
	.pin_state = ps_pin_state,
	.login = ps_login,
	.connect = ps_connect,
	.disconnect = ps_disconnect,
	.close = ps_close,
};

struct pt_session *pt_session_new(const struct hal *hal, const char *pin, int tries)
{
	struct pt_session *ps = calloc(1, sizeof(*ps));

	if (!ps)
		return NULL;
	ps->hal = hal;
	strncpy(ps->pin, pin, sizeof(ps->pin) - 1);
	ps->tries = ps->max_tries = tries;
	ps->net_up = 1;
	ps->expires_s = 600;
	ps->retry_ms = 1000;
	ps->timer = -1;
	sg_error_init(&ps->err);
	return ps;
}

void pt_session_free(struct pt_session *ps)
{
	if (!ps)
		return;
	ps_cancel(ps);
	explicit_bzero(ps, sizeof(*ps));
	free(ps);
}

void pt_session_attach(struct pt_session *ps, struct run_sm *sm)
{
	ps->sm = sm;
}

void pt_session_card(struct pt_session *ps, int present)
{
	ps->present = present;
	if (!present)
		ps->logged_in = 0;
}

void pt_session_card_leaves(struct pt_session *ps, int checks)
{
	ps->leave_after = checks;
}

void pt_session_not_after(struct pt_session *ps, int64_t unix_s)
{
	ps->not_after = unix_s;
}

void pt_session_open_error(struct pt_session *ps, sg_err code)
{
	ps->open_error = code;
}

void pt_session_network(struct pt_session *ps, int up)
{
	ps->net_up = up;
}

void pt_session_refuse(struct pt_session *ps, int refuse)
{
	ps->refuse = refuse;
}

void pt_session_timing(struct pt_session *ps, uint32_t expires_s, uint32_t retry_ms)
{
	ps->expires_s = expires_s;
	ps->retry_ms = retry_ms;
}

int pt_session_bound(const struct pt_session *ps)
{
	return ps->bound;
}

unsigned pt_session_registrations(const struct pt_session *ps)
{
	return ps->registrations;
}

int pt_session_tries_left(const struct pt_session *ps)
{
	return ps->tries;
}

int pt_session_logged_in(const struct pt_session *ps)
{
	return ps->logged_in;
}
