/* run_session.c: `signet run`'s session operations (see run_session.h). */
#define _GNU_SOURCE
#include "run_session.h"

#include <stdio.h>
#include <string.h>

#include "est.h"
#include "secret_fd.h"
#include "sigpipe.h"
#include "sg_log.h"
#include "sg_time.h"
#include "vcard.h"

/* Registered with a certificate in the renewal window, and no attempt
 * made lately: worth leaving the loop for. */
static int renewal_wanted(const struct run_session *rs)
{
	const struct cli *c = rs->s.c;
	int64_t now;

	if (!rs->s.t || !est_renew_configured(c) || !rs->s.not_after ||
	    hal_clock_wall(&c->hal.clock, &now) != HAL_OK || now < rs->renew_next)
		return 0;
	return est_renew_due(rs->s.not_after, now, c->cfg.enroll_renew_days);
}

static void rs_on_event(enum session_event ev, const struct sip_reg_info *info, void *arg)
{
	struct run_session *rs = arg;

	switch (ev) {
	case SESSION_REGISTERED:
		run_sm_registration(rs->sm, RUN_EV_REGISTERED, NULL);
		if (!rs->renew_wanted && renewal_wanted(rs)) {
			rs->renew_wanted = 1;
			hal_loop_stop(&rs->s.c->hal.loop);
		}
		break;
	case SESSION_RETRYING:
		session_say(&rs->s, "registration failed (%s); retrying in %u s",
			    info->err ? info->err->detail : "?", (unsigned)(info->retry_ms / 1000));
		run_sm_registration(rs->sm, RUN_EV_NET_LOST, info->err);
		break;
	case SESSION_FAILED:
		session_say(&rs->s, "registration failed: %s", info->err ? info->err->detail : "?");
		run_sm_registration(rs->sm, RUN_EV_FAILED, info->err);
		break;
	case SESSION_UNREGISTERED:
		run_sm_registration(rs->sm, RUN_EV_UNREGISTERED, NULL);
		break;
	}
}

void run_session_init(struct run_session *rs, struct run_sm *sm)
{
	struct cli *c = rs->s.c;

	rs->sm = sm;
	rs->s.on_event = rs_on_event;
	rs->s.arg = rs;
	rs->marker[0] = '\0';
	if (c->backend == CONFIG_BACKEND_VCARD)
		snprintf(rs->marker, sizeof(rs->marker), "vcard-%s.removed", c->card_arg);
	sg_error_init(&rs->pending_e);
	sg_error_init(&rs->renew_err);
}

static int marker_says_removed(struct run_session *rs)
{
	uint8_t b[1];
	size_t n = sizeof(b);
	int r;

	if (!rs->marker[0])
		return 0;
	r = hal_storage_read(&rs->s.c->hal.storage, rs->marker, b, &n);
	return r == HAL_OK || r == HAL_ENOMEM; /* it exists (any content) */
}

static void rs_close(void *ctx)
{
	struct run_session *rs = ctx;
	struct cli *c = rs->s.c;

	session_close(&rs->s);
	rs->pending = SG_OK;
	if (c->vcard && marker_says_removed(rs)) {
		vcard_close(c->vcard); /* read again when it comes back */
		c->vcard = NULL;
	}
}

static int absent(sg_err err)
{
	return err == SG_E_NO_TOKEN || err == SG_E_NO_CARD || err == SG_E_NO_READER ||
	       err == SG_E_CARD_REMOVED;
}

static int rs_card_present(void *ctx)
{
	struct run_session *rs = ctx;
	struct cli *c = rs->s.c;
	struct token_pin_state st;
	struct sg_error e;
	sg_err err;

	sg_error_init(&e);
	/* Pulled: the state machine unregisters (over the connection that
	 * is up) and then closes; nothing is released here. */
	if (marker_says_removed(rs))
		return 0;
	if (rs->s.t) {
		err = token_pin_state(rs->s.t, &st, &e);
		return !(absent(err) || absent(e.code));
	}
	if (c->backend == CONFIG_BACKEND_PCSC) {
		struct hal_reader rd[HAL_CARD_MAX_READERS];
		size_t n = 0, i;

		if (hal_card_list(&c->hal.card, rd, HAL_CARD_MAX_READERS, &n) != HAL_OK)
			return 0;
		for (i = 0; i < n && !rd[i].present; i++)
			;
		if (i == n)
			return 0;
	}
	rs->pending = SG_OK;
	err = session_open(&rs->s, &e);
	if (err == SG_OK)
		return 1;
	if (absent(err))
		return 0;
	/* A card without a usable certificate (the token stays open, and is
	 * watched above) or a token that cannot be used is still there:
	 * open() says why. */
	rs->pending = err;
	rs->pending_e = e;
	return 1;
}

static sg_err rs_open(void *ctx, int64_t *not_after, char *label, size_t cap,
		      struct sg_error *e)
{
	struct run_session *rs = ctx;
	sg_err err;

	if (rs->pending) {
		if (e)
			*e = rs->pending_e;
		return rs->pending;
	}
	if (!rs->s.t && (err = session_open(&rs->s, e)) != SG_OK)
		return err;
	err = session_check(&rs->s, e);
	if (err)
		return err;
	session_say(&rs->s, "certificate checks passed");
	*not_after = rs->s.not_after;
	snprintf(label, cap, "%s", rs->s.t->info.label);
	return SG_OK;
}

static sg_err rs_pin_state(void *ctx, struct token_pin_state *st, struct sg_error *e)
{
	struct run_session *rs = ctx;

	if (!rs->s.t)
		return sg_error_set(e, SG_E_NO_TOKEN, "no token open");
	return token_pin_state(rs->s.t, st, e);
}

/* --pin-fd: one line per try (the next try's line stays in the pipe). */
static sg_err pin_line(struct run_session *rs, struct pin *pin, struct sg_error *e)
{
	int fd = rs->s.c->pin_fd;
	sg_err err = secret_fd_pin(fd, "the PIN", &rs->s.c->cfg.pin, pin, e);

	if (err == SG_E_PIN_CANCELLED)
		err = sg_error_set(e, SG_E_PIN_CANCELLED, "no more PINs on fd %d", fd);
	return err;
}

static sg_err rs_read_pin(void *ctx, const struct hal *hal, const char *prompt, struct pin *pin,
			  struct sg_error *e)
{
	struct run_session *rs = ctx;
	struct cli *c = rs->s.c;
	struct pin_policy pol = c->cfg.pin;

	if (c->pin_fd >= 0)
		return pin_line(rs, pin, e);
	if (rs->s.t)
		pin_policy_narrow(&pol, rs->s.t->info.pin_min, rs->s.t->info.pin_max);
	return pin_entry(hal, &pol, prompt, pin, e);
}

static sg_err rs_login(void *ctx, struct pin *pin, struct sg_error *e)
{
	struct run_session *rs = ctx;
	sg_err err;

	if (!rs->s.t) {
		pin_wipe(pin);
		return sg_error_set(e, SG_E_CARD_REMOVED, "the card was removed");
	}
	err = session_login_pin(&rs->s, pin, e);
	if (err == SG_OK)
		session_say(&rs->s, "PIN accepted, logged in to the token");
	return err;
}

static sg_err rs_connect(void *ctx, struct sg_error *e)
{
	return session_connect(&((struct run_session *)ctx)->s, e);
}

static int rs_disconnect(void *ctx, uint32_t timeout_ms)
{
	struct run_session *rs = ctx;

	return session_stop(&rs->s, rs->sm->shutdown ? "shutting down" : "card removed",
			    timeout_ms);
}

/* While a renewal request waits: a signal, or the card pulled, ends it
 * (the state machine then signs out without waiting for the service). */
static int renewal_stop(void *arg)
{
	struct run_session *rs = arg;
	struct token_pin_state st;
	sg_err err;

	if (sigpipe_pending() || marker_says_removed(rs))
		return 1;
	if (rs->s.c->backend == CONFIG_BACKEND_VCARD)
		return 0;
	err = token_pin_state(rs->s.t, &st, NULL);
	return err == SG_E_NO_TOKEN || err == SG_E_NO_CARD || err == SG_E_CARD_REMOVED;
}

static void renew(struct run_session *rs)
{
	struct cli *c = rs->s.c;
	struct sg_error e;
	int64_t now = 0;
	int renewed = 0;

	sg_error_init(&e);
	(void)hal_clock_wall(&c->hal.clock, &now);
	rs->renew_next = now + c->cfg.enroll_renew_retry;
	session_say(&rs->s, "certificate inside the renewal window: renewing");
	if (est_renew_if_due(c, rs->s.t, rs->s.ci, RUN_RENEW_TIMEOUT_MS, renewal_stop, rs, &renewed,
			     &e) == SG_OK &&
	    renewed && session_cert_renewed(&rs->s, &e) == SG_OK) {
		char until[40];

		sg_time_format(rs->s.not_after, until, sizeof(until));
		session_say(&rs->s, "certificate renewed, valid until %s", until);
		sg_info(&c->hal.log, "run: certificate renewed, valid until %s", until);
		run_sm_cert_renewed(rs->sm, rs->s.not_after);
		sg_error_init(&rs->renew_err);
		return;
	}
	if (!renewed && e.code == SG_OK)
		return; /* not due after all */
	rs->renew_err = e;
	/* The sign-in stays: the certificate is still valid. */
	session_say(&rs->s, "certificate renewal failed: %s; next try in %d s", e.detail,
		    c->cfg.enroll_renew_retry);
	sg_warn(&c->hal.log, "run: certificate renewal failed: %s", e.detail);
}

int run_session_outside_loop(struct run_session *rs)
{
	if (session_outside_loop(&rs->s))
		return 1;
	if (!rs->renew_wanted)
		return 0;
	rs->renew_wanted = 0;
	if (rs->s.t && !rs->s.stopping)
		renew(rs);
	return 1;
}

const struct run_session_ops run_session_ops = {
	.card_present = rs_card_present,
	.open = rs_open,
	.pin_state = rs_pin_state,
	.read_pin = rs_read_pin,
	.login = rs_login,
	.connect = rs_connect,
	.disconnect = rs_disconnect,
	.close = rs_close,
};
