/* run_sm.c: the `signet run` state machine (see run_sm.h). The table says
 * which event moves which state where; enter() is what a state does when
 * it is entered, and may return the next event (a step that finished at
 * once), which run_sm_event() then feeds back in. */
#include "run_sm.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "sg_log.h"

#define RUN_X_NAME(n) #n,
static const char *const state_names[] = {RUN_STATES(RUN_X_NAME)};

static const char *const event_names[] = {
	[RUN_EV_NONE] = "none",
	[RUN_EV_CARD_IN] = "card inserted",
	[RUN_EV_CARD_OUT] = "card removed",
	[RUN_EV_CHECKS_OK] = "certificate checks passed",
	[RUN_EV_PIN_ENTERED] = "PIN entered",
	[RUN_EV_PIN_CANCELLED] = "PIN entry cancelled",
	[RUN_EV_LOGIN_OK] = "PIN accepted",
	[RUN_EV_PIN_WRONG] = "wrong PIN",
	[RUN_EV_PIN_BLOCKED] = "PIN blocked",
	[RUN_EV_RETRY] = "retry",
	[RUN_EV_REGISTERED] = "registered",
	[RUN_EV_EXPIRING] = "certificate expires soon",
	[RUN_EV_RENEWED] = "certificate renewed",
	[RUN_EV_NET_LOST] = "registration lost, retrying",
	[RUN_EV_UNREGISTERED] = "unregistered",
	[RUN_EV_FAILED] = "failed",
	[RUN_EV_SHUTDOWN] = "shutdown",
};

const char *run_state_name(enum run_state s)
{
	return (unsigned)s < RUN__STATES ? state_names[s] : "?";
}

const char *run_event_name(enum run_event ev)
{
	return (unsigned)ev < RUN__EVENTS ? event_names[ev] : "?";
}

struct run_tr {
	unsigned char from, ev, to;
};

#define T(f, e, t) {RUN_##f, RUN_EV_##e, RUN_##t}
static const struct run_tr table[] = {
	T(NO_CARD, CARD_IN, CARD_PRESENT),
	T(LOCKED, CARD_IN, CARD_PRESENT),
	T(CARD_PRESENT, CHECKS_OK, PIN_ENTRY),
	T(CARD_PRESENT, FAILED, ERROR),
	T(PIN_ENTRY, PIN_ENTERED, LOGGING_IN),
	T(PIN_ENTRY, PIN_CANCELLED, PIN_ENTRY),
	T(PIN_ENTRY, PIN_BLOCKED, BLOCKED),
	T(PIN_ENTRY, FAILED, ERROR),
	T(LOGGING_IN, LOGIN_OK, CONNECTING),
	T(LOGGING_IN, PIN_WRONG, PIN_WRONG),
	T(LOGGING_IN, PIN_BLOCKED, BLOCKED),
	T(LOGGING_IN, FAILED, ERROR),
	T(PIN_WRONG, RETRY, PIN_ENTRY),
	T(CONNECTING, REGISTERED, REGISTERED),
	T(CONNECTING, NET_LOST, NETWORK_LOST),
	T(CONNECTING, FAILED, ERROR),
	T(REGISTERED, REGISTERED, REGISTERED), /* a refresh */
	T(REGISTERED, EXPIRING, CERT_EXPIRING),
	T(REGISTERED, NET_LOST, NETWORK_LOST),
	T(REGISTERED, FAILED, ERROR),
	T(CERT_EXPIRING, REGISTERED, CERT_EXPIRING),
	T(CERT_EXPIRING, RENEWED, REGISTERED),
	T(CERT_EXPIRING, NET_LOST, NETWORK_LOST),
	T(CERT_EXPIRING, FAILED, ERROR),
	T(NETWORK_LOST, REGISTERED, REGISTERED),
	T(NETWORK_LOST, NET_LOST, NETWORK_LOST),
	T(NETWORK_LOST, FAILED, ERROR),
	/* The card leaves: sign out (when signed in) and lock. */
	T(CARD_PRESENT, CARD_OUT, NO_CARD),
	T(PIN_ENTRY, CARD_OUT, NO_CARD),
	T(PIN_WRONG, CARD_OUT, NO_CARD),
	T(LOGGING_IN, CARD_OUT, NO_CARD),
	T(BLOCKED, CARD_OUT, NO_CARD),
	T(ERROR, CARD_OUT, NO_CARD),
	T(CONNECTING, CARD_OUT, UNREGISTERING),
	T(REGISTERED, CARD_OUT, UNREGISTERING),
	T(CERT_EXPIRING, CARD_OUT, UNREGISTERING),
	T(NETWORK_LOST, CARD_OUT, UNREGISTERING),
	T(UNREGISTERING, UNREGISTERED, LOCKED),
	/* Shutdown: sign out first when signed in. */
	T(CONNECTING, SHUTDOWN, UNREGISTERING),
	T(REGISTERED, SHUTDOWN, UNREGISTERING),
	T(CERT_EXPIRING, SHUTDOWN, UNREGISTERING),
	T(NETWORK_LOST, SHUTDOWN, UNREGISTERING),
	T(NO_CARD, SHUTDOWN, STOPPED),
	T(LOCKED, SHUTDOWN, STOPPED),
	T(CARD_PRESENT, SHUTDOWN, STOPPED),
	T(PIN_ENTRY, SHUTDOWN, STOPPED),
	T(PIN_WRONG, SHUTDOWN, STOPPED),
	T(LOGGING_IN, SHUTDOWN, STOPPED),
	T(BLOCKED, SHUTDOWN, STOPPED),
	T(ERROR, SHUTDOWN, STOPPED),
};
#undef T

static void show(struct run_sm *sm, const char *prompt, const char *status)
{
	const struct hal_display *d = &sm->cfg.hal->display;

	if (prompt) {
		hal_display_prompt(d, prompt);
		hal_display_done(d);
	}
	if (status)
		hal_display_status(d, status);
}

static void cancel_timer(struct run_sm *sm, int *id)
{
	if (*id >= 0)
		hal_loop_cancel_timer(&sm->cfg.hal->loop, *id);
	*id = -1;
}

static void poll_card(void *arg);
static void ask_pin(void *arg);

/* Within warn_days of notAfter by the wall clock (unknown time: no). */
static int expiring(const struct run_sm *sm, int *days)
{
	int64_t now;

	if (!sm->not_after || hal_clock_wall(&sm->cfg.hal->clock, &now) != HAL_OK)
		return 0;
	*days = (int)((sm->not_after - now) / 86400);
	return sm->not_after - now <= (int64_t)sm->cfg.warn_days * 86400;
}

/* The checks run outside the loop (run_sm_step): leave it for them. */
static enum run_event enter_card_present(struct run_sm *sm)
{
	show(sm, "Reading the card...", "");
	sm->label[0] = '\0';
	sm->not_after = 0;
	sm->want_open = 1;
	hal_loop_stop(&sm->cfg.hal->loop);
	return RUN_EV_NONE;
}

int run_sm_step(struct run_sm *sm)
{
	sg_err err;

	if (!sm->want_open)
		return 0;
	sm->want_open = 0;
	if (sm->state != RUN_CARD_PRESENT)
		return 1; /* pulled or stopped meanwhile */
	sg_error_init(&sm->err);
	err = sm->cfg.ops->open(sm->cfg.session_ctx, &sm->not_after, sm->label,
				sizeof(sm->label), &sm->err);
	run_sm_event(sm, err ? RUN_EV_FAILED : RUN_EV_CHECKS_OK);
	return 1;
}

static enum run_event enter_logging_in(struct run_sm *sm)
{
	sg_err err;

	show(sm, "Signing in...", "");
	err = sm->cfg.ops->login(sm->cfg.session_ctx, &sm->pin, &sm->err); /* wipes it */
	pin_wipe(&sm->pin);
	switch (err) {
	case SG_OK:
		return RUN_EV_LOGIN_OK;
	case SG_E_PIN_INCORRECT:
		sm->tries_left = sm->err.tries_left;
		return RUN_EV_PIN_WRONG;
	case SG_E_PIN_LOCKED:
		return RUN_EV_PIN_BLOCKED;
	case SG_E_CARD_REMOVED:
		return RUN_EV_CARD_OUT;
	default:
		return RUN_EV_FAILED;
	}
}

static enum run_event enter_registered(struct run_sm *sm, enum run_state st)
{
	char line[160];
	int days = 0;

	snprintf(line, sizeof(line), "Signed in as %s", sm->cfg.user ? sm->cfg.user : "?");
	if (st == RUN_REGISTERED) {
		if (expiring(sm, &days))
			return RUN_EV_EXPIRING;
		show(sm, line, "Registered");
		return RUN_EV_NONE;
	}
	expiring(sm, &days);
	show(sm, line, NULL);
	if (days < 0)
		snprintf(line, sizeof(line), "Certificate expired: renew it");
	else
		snprintf(line, sizeof(line), "Certificate expires in %d day%s: renew it", days,
			 days == 1 ? "" : "s");
	show(sm, NULL, line);
	return RUN_EV_NONE;
}

static enum run_event enter_error(struct run_sm *sm)
{
	char line[sizeof(sm->err.detail) + 256];
	const char *diag = sg_err_diagnosis(sm->err.code);
	size_t n;

	sg_error_summary(&sm->err, line, sizeof(line) - 1);
	n = strlen(line);
	if (diag[0])
		snprintf(line + n, sizeof(line) - n, ". %s", diag);
	show(sm, "Sign-in failed", line);
	return RUN_EV_NONE;
}

static enum run_event enter_stopped(struct run_sm *sm)
{
	cancel_timer(sm, &sm->poll_timer);
	cancel_timer(sm, &sm->retry_timer);
	sm->cfg.ops->close(sm->cfg.session_ctx);
	show(sm, "Stopped", "");
	hal_loop_stop(&sm->cfg.hal->loop);
	return RUN_EV_NONE;
}

static enum run_event enter(struct run_sm *sm, enum run_state st, enum run_event ev)
{
	const struct hal_loop *loop = &sm->cfg.hal->loop;
	char line[160];

	switch (st) {
	case RUN_NO_CARD:
		sm->cfg.ops->close(sm->cfg.session_ctx);
		show(sm, "Insert your card", "");
		return RUN_EV_NONE;
	case RUN_LOCKED:
		sm->cfg.ops->close(sm->cfg.session_ctx);
		if (sm->shutdown)
			return RUN_EV_SHUTDOWN;
		show(sm, "Locked: insert your card", "Signed out");
		return RUN_EV_NONE;
	case RUN_CARD_PRESENT:
		return enter_card_present(sm);
	case RUN_PIN_ENTRY:
		/* From the loop, not from here: the entry blocks. After a
		 * cancel, the card stays: ask again a little later. */
		cancel_timer(sm, &sm->retry_timer);
		if (hal_loop_add_timer(loop, ev == RUN_EV_PIN_CANCELLED ? sm->cfg.retry_ms : 0,
				       ask_pin, sm, &sm->retry_timer) != HAL_OK) {
			sg_error_set(&sm->err, SG_E_INTERNAL, "the loop refused a timer");
			return RUN_EV_FAILED;
		}
		return RUN_EV_NONE;
	case RUN_PIN_WRONG:
		if (sm->tries_left >= 0)
			snprintf(line, sizeof(line), "Wrong PIN, %d tr%s left", sm->tries_left,
				 sm->tries_left == 1 ? "y" : "ies");
		else
			snprintf(line, sizeof(line), "Wrong PIN");
		show(sm, NULL, line);
		return RUN_EV_RETRY;
	case RUN_LOGGING_IN:
		return enter_logging_in(sm);
	case RUN_CONNECTING:
		show(sm, "Connecting...", "PIN accepted");
		if (sm->cfg.ops->connect(sm->cfg.session_ctx, &sm->err))
			return RUN_EV_FAILED;
		return RUN_EV_NONE;
	case RUN_REGISTERED:
	case RUN_CERT_EXPIRING:
		return enter_registered(sm, st);
	case RUN_NETWORK_LOST:
		show(sm, NULL, "Network lost: reconnecting");
		return RUN_EV_NONE;
	case RUN_UNREGISTERING:
		show(sm, "Locked", sm->shutdown ? "Shutting down: signing out"
						 : "Card removed: signing out");
		if (sm->cfg.ops->disconnect(sm->cfg.session_ctx, sm->cfg.unregister_ms))
			return RUN_EV_UNREGISTERED;
		return RUN_EV_NONE;
	case RUN_BLOCKED:
		show(sm, "Card blocked",
		     "Card blocked: unblock it with the PUK (signet vcard unblock / the card's "
		     "admin tool)");
		return RUN_EV_NONE;
	case RUN_ERROR:
		return enter_error(sm);
	case RUN_STOPPED:
		return enter_stopped(sm);
	default:
		return RUN_EV_NONE;
	}
}

static const struct run_tr *lookup(enum run_state from, enum run_event ev)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].from == from && table[i].ev == ev)
			return &table[i];
	return NULL;
}

enum run_state run_sm_event(struct run_sm *sm, enum run_event ev)
{
	const struct hal_log *log = &sm->cfg.hal->log;

	while (ev != RUN_EV_NONE) {
		const struct run_tr *tr = lookup(sm->state, ev);
		enum run_state from = sm->state;

		if (!tr) {
			sg_debug(log, "run: %s ignores '%s'", run_state_name(from), run_event_name(ev));
			break;
		}
		sm->state = (enum run_state)tr->to;
		sm->transitions++;
		if (ev == RUN_EV_FAILED)
			sg_info(log, "run: %s -> %s (%s: %s)", run_state_name(from),
				run_state_name(sm->state), sg_err_name(sm->err.code), sm->err.detail);
		else
			sg_info(log, "run: %s -> %s (%s)", run_state_name(from),
				run_state_name(sm->state), run_event_name(ev));
		if (sm->cfg.on_transition)
			sm->cfg.on_transition(from, ev, sm->state, sm->cfg.arg);
		ev = enter(sm, sm->state, ev);
	}
	return sm->state;
}

/* Presence, every poll_ms, in every state but STOPPED. */
static void poll_card(void *arg)
{
	struct run_sm *sm = arg;
	int present;

	sm->poll_timer = -1;
	present = sm->cfg.ops->card_present(sm->cfg.session_ctx) == 1;
	if (present && (sm->state == RUN_NO_CARD || sm->state == RUN_LOCKED))
		run_sm_event(sm, RUN_EV_CARD_IN);
	else if (!present && sm->state != RUN_NO_CARD && sm->state != RUN_LOCKED &&
		 sm->state != RUN_UNREGISTERING)
		run_sm_event(sm, RUN_EV_CARD_OUT);
	if (sm->state != RUN_STOPPED && sm->poll_timer < 0)
		hal_loop_add_timer(&sm->cfg.hal->loop, sm->cfg.poll_ms, poll_card, sm,
				   &sm->poll_timer);
}

/* The keypad during PIN entry: reads of at most poll_ms, and between them
 * the card is looked at (and whether a shutdown is coming), so that pulling
 * it ends the entry at once (HAL_ECLOSED: pin_entry gives up) instead of
 * after the PIN timeout. */
static int watched_read(void *ctx, int timeout_ms, struct hal_key *key)
{
	struct run_sm *sm = ctx;
	int left = timeout_ms;

	for (;;) {
		int chunk = left < 0 || left > (int)sm->cfg.poll_ms ? (int)sm->cfg.poll_ms : left;
		int r = hal_keypad_read(&sm->cfg.hal->keypad, chunk, key);

		if (r != HAL_ETIMEDOUT)
			return r;
		if (sm->cfg.ops->card_present(sm->cfg.session_ctx) != 1 ||
		    (sm->cfg.interrupted && sm->cfg.interrupted(sm->cfg.arg)))
			return HAL_ECLOSED;
		if (left >= 0 && (left -= chunk) <= 0)
			return HAL_ETIMEDOUT;
	}
}

static const struct hal_keypad_ops watched_ops = {
	.read = watched_read,
};

static sg_err get_pin(struct run_sm *sm, const char *prompt)
{
	struct hal hal = *sm->cfg.hal;

	if (hal.keypad.ops) {
		hal.keypad.ops = &watched_ops;
		hal.keypad.ctx = sm;
	}
	if (sm->cfg.ops->read_pin)
		return sm->cfg.ops->read_pin(sm->cfg.session_ctx, &hal, prompt, &sm->pin, &sm->err);
	return pin_entry(&hal, &sm->cfg.pin, prompt, &sm->pin, &sm->err);
}

/* PIN_ENTRY's work: the PIN state first (a locked card is not asked, the
 * last try is announced), then the keypad. */
static void ask_pin(void *arg)
{
	struct run_sm *sm = arg;
	struct token_pin_state st;
	char prompt[96];
	sg_err err;

	sm->retry_timer = -1;
	if (sm->state != RUN_PIN_ENTRY)
		return;
	if (sm->cfg.ops->card_present(sm->cfg.session_ctx) != 1) {
		run_sm_event(sm, RUN_EV_CARD_OUT);
		return;
	}
	sg_error_init(&sm->err);
	err = sm->cfg.ops->pin_state(sm->cfg.session_ctx, &st, &sm->err);
	if (err == SG_E_CARD_REMOVED || err == SG_E_NO_TOKEN) {
		run_sm_event(sm, RUN_EV_CARD_OUT);
		return;
	}
	if (err) {
		run_sm_event(sm, RUN_EV_FAILED);
		return;
	}
	if (st.locked) {
		run_sm_event(sm, RUN_EV_PIN_BLOCKED);
		return;
	}
	if (st.final_try)
		hal_display_status(&sm->cfg.hal->display, "Final try: a wrong PIN locks the card");
	snprintf(prompt, sizeof(prompt), "PIN for %s", sm->label[0] ? sm->label : "the card");
	err = get_pin(sm, prompt);
	if (sm->cfg.ops->card_present(sm->cfg.session_ctx) != 1) {
		pin_wipe(&sm->pin);
		run_sm_event(sm, RUN_EV_CARD_OUT);
	} else if (err == SG_OK) {
		run_sm_event(sm, RUN_EV_PIN_ENTERED);
	} else if (err == SG_E_PIN_CANCELLED || err == SG_E_PIN_TIMEOUT) {
		hal_display_status(&sm->cfg.hal->display,
				   err == SG_E_PIN_TIMEOUT ? "No PIN typed in time" : "Cancelled");
		run_sm_event(sm, RUN_EV_PIN_CANCELLED);
	} else {
		run_sm_event(sm, RUN_EV_FAILED);
	}
	pin_wipe(&sm->pin);
}

void run_sm_registration(struct run_sm *sm, enum run_event ev, const struct sg_error *err)
{
	if (err && ev == RUN_EV_FAILED)
		sm->err = *err;
	if (ev == RUN_EV_NET_LOST && err)
		sg_info(&sm->cfg.hal->log, "run: registration: %s", err->detail);
	run_sm_event(sm, ev);
}

void run_sm_cert_renewed(struct run_sm *sm, int64_t not_after)
{
	int days = 0;

	sm->not_after = not_after;
	if (sm->state == RUN_CERT_EXPIRING && !expiring(sm, &days))
		run_sm_event(sm, RUN_EV_RENEWED);
}

void run_sm_shutdown(struct run_sm *sm)
{
	sm->shutdown = 1;
	if (sm->state != RUN_UNREGISTERING && sm->state != RUN_STOPPED)
		run_sm_event(sm, RUN_EV_SHUTDOWN);
}

void run_sm_init(struct run_sm *sm, const struct run_sm_cfg *cfg)
{
	memset(sm, 0, sizeof(*sm));
	sm->cfg = *cfg;
	if (!sm->cfg.poll_ms)
		sm->cfg.poll_ms = 500;
	if (!sm->cfg.retry_ms)
		sm->cfg.retry_ms = 3000;
	if (!sm->cfg.unregister_ms)
		sm->cfg.unregister_ms = 900;
	if (!sm->cfg.warn_days)
		sm->cfg.warn_days = 30;
	sm->state = RUN_NO_CARD;
	sm->poll_timer = sm->retry_timer = -1;
	sm->tries_left = SG_TRIES_UNKNOWN;
	sg_error_init(&sm->err);
}

sg_err run_sm_start(struct run_sm *sm, struct sg_error *e)
{
	sg_info(&sm->cfg.hal->log, "run: start in %s", run_state_name(sm->state));
	show(sm, "Insert your card", "");
	/* At once: a card already in the reader is signed in without delay. */
	if (hal_loop_add_timer(&sm->cfg.hal->loop, 0, poll_card, sm, &sm->poll_timer) != HAL_OK)
		return sg_error_set(e, SG_E_INTERNAL, "the loop refused a timer");
	return SG_OK;
}

void run_sm_fini(struct run_sm *sm)
{
	cancel_timer(sm, &sm->poll_timer);
	cancel_timer(sm, &sm->retry_timer);
	sm->cfg.ops->close(sm->cfg.session_ctx);
	mbedtls_platform_zeroize(&sm->pin, sizeof(sm->pin));
}
