/*
 * test_run_sm.c: the `signet run` state machine on the test port: a card
 * put in and pulled out, keys typed (right PIN, wrong PIN with tries left,
 * the final try, a blocked card, cancel, no key in time), the clock moved
 * (refresh, certificate expiry) and the network pulled (registration lost
 * and back), with the session stand-in (tests/doubles/pt_session.h) as card
 * and registrar. Each case is a script of steps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hal.h"
#include "port_test.h"
#include "pt_session.h"
#include "run_sm.h"

#define PIN "1234"
#define USER "sip:alice@example.test"
#define DAY INT64_C(86400)

enum op {
	END,
	INSERT,     /* the card goes in */
	REMOVE,     /* the card comes out; then at most 1 s to LOCKED/NO_CARD */
	LEAVES,     /* the card leaves at the n-th presence check from now */
	ELAPSED,    /* expect at most n ms on the test clock since the last MARK */
	MARK,
	INTERRUPT,  /* a signal comes at the n-th interrupted() question from now */
	KEYS,       /* text: keys appended to the script */
	RUN,        /* n ms of loop */
	NET,        /* n: network up (1) or down (0) */
	REFUSE,     /* the registrar refuses from now on */
	OPEN_FAILS, /* n: the next open() fails with this sg_err */
	WALL_DAYS,  /* the wall clock jumps n days ahead */
	RENEWED,    /* the certificate was renewed: now valid n more days */
	SHUTDOWN,
	STATE,      /* expect state n */
	SHOWN,      /* expect text on the display (since the last CLEAR) */
	NOT_SHOWN,
	CLEAR,      /* forget what was shown */
	BOUND,      /* expect the registrar to hold a binding (n 1) or not (0) */
	REGS,       /* expect at least n accepted REGISTERs */
	LOGGED,     /* expect the log to contain text */
};

struct step {
	enum op op;
	int64_t n;
	const char *text;
};

struct scase {
	const char *name;
	int tries;
	int64_t not_after_days; /* from the test clock's start; 0: 365 */
	struct step steps[24];
};

#define SIGNED_IN {RUN, 5000, NULL}, {STATE, RUN_REGISTERED, NULL}, {BOUND, 1, NULL}, \
	{SHOWN, 0, "Signed in as " USER}

static const struct scase cases[] = {
	{"right PIN, then the card is pulled", 3, 0, {
		{INSERT, 0, NULL}, {KEYS, 0, PIN "\n"}, SIGNED_IN,
		{LOGGED, 0, "run: NO_CARD -> CARD_PRESENT (card inserted)"},
		{LOGGED, 0, "run: CONNECTING -> REGISTERED (registered)"},
		{NOT_SHOWN, 0, PIN}, {SHOWN, 0, "mask: 4"},
		{REMOVE, 0, NULL}, {STATE, RUN_LOCKED, NULL}, {BOUND, 0, NULL},
		{SHOWN, 0, "Card removed: signing out"}, {SHOWN, 0, "Locked"},
		{LOGGED, 0, "run: REGISTERED -> UNREGISTERING (card removed)"},
		{INSERT, 0, NULL}, {KEYS, 0, PIN "\n"}, SIGNED_IN, {END, 0, NULL}}},
	{"wrong PIN with tries left", 3, 0, {
		{INSERT, 0, NULL}, {KEYS, 0, "0000\n" PIN "\n"}, SIGNED_IN,
		{SHOWN, 0, "Wrong PIN, 2 tries left"},
		{NOT_SHOWN, 0, "Final try"}, {END, 0, NULL}}},
	{"final try announced", 3, 0, {
		{INSERT, 0, NULL}, {KEYS, 0, "0000\n9999\n" PIN "\n"}, SIGNED_IN,
		{SHOWN, 0, "Wrong PIN, 1 try left"},
		{SHOWN, 0, "Final try: a wrong PIN locks the card"}, {END, 0, NULL}}},
	{"blocked card", 2, 0, {
		{INSERT, 0, NULL}, {KEYS, 0, "0000\n0000\n"}, {RUN, 5000, NULL},
		{STATE, RUN_BLOCKED, NULL},
		{SHOWN, 0, "Card blocked: unblock it with the PUK (signet vcard unblock"},
		{BOUND, 0, NULL}, {REMOVE, 0, NULL}, {STATE, RUN_NO_CARD, NULL},
		{SHOWN, 0, "Insert your card"}, {END, 0, NULL}}},
	{"cancelled, then asked again", 3, 0, {
		{INSERT, 0, NULL}, {KEYS, 0, "12\x1b"}, {RUN, 1000, NULL},
		{STATE, RUN_PIN_ENTRY, NULL}, {SHOWN, 0, "Cancelled"},
		{LOGGED, 0, "run: PIN_ENTRY -> PIN_ENTRY (PIN entry cancelled)"},
		{KEYS, 0, PIN "\n"}, SIGNED_IN, {END, 0, NULL}}},
	{"card pulled during PIN entry", 3, 0, {
		{INSERT, 0, NULL}, {KEYS, 0, "12"}, {LEAVES, 4, NULL}, {MARK, 0, NULL},
		{RUN, 100, NULL}, {STATE, RUN_NO_CARD, NULL}, {ELAPSED, 2000, NULL},
		{SHOWN, 0, "Insert your card"}, {END, 0, NULL}}},
	{"shutdown during PIN entry", 3, 0, {
		{INSERT, 0, NULL}, {KEYS, 0, "12"}, {INTERRUPT, 2, NULL}, {MARK, 0, NULL},
		{RUN, 100, NULL}, {ELAPSED, 2000, NULL}, {STATE, RUN_PIN_ENTRY, NULL},
		{SHUTDOWN, 0, NULL}, {STATE, RUN_STOPPED, NULL}, {END, 0, NULL}}},
	{"no key in time", 3, 0, {
		{INSERT, 0, NULL}, {KEYS, 0, "~"}, {RUN, 1000, NULL},
		{STATE, RUN_PIN_ENTRY, NULL}, {SHOWN, 0, "No PIN typed in time"},
		{REMOVE, 0, NULL}, {STATE, RUN_NO_CARD, NULL}, {END, 0, NULL}}},
	{"refresh keeps it registered", 3, 0, {
		{INSERT, 0, NULL}, {KEYS, 0, PIN "\n"}, SIGNED_IN,
		{RUN, 3600 * 1000, NULL}, {STATE, RUN_REGISTERED, NULL}, {REGS, 6, NULL},
		{BOUND, 1, NULL}, {END, 0, NULL}}},
	{"network lost and back", 3, 0, {
		{INSERT, 0, NULL}, {KEYS, 0, PIN "\n"}, SIGNED_IN,
		{NET, 0, NULL}, {RUN, 600 * 1000, NULL}, {STATE, RUN_NETWORK_LOST, NULL},
		{SHOWN, 0, "Network lost: reconnecting"},
		{CLEAR, 0, NULL}, {NET, 1, NULL}, {RUN, 5000, NULL}, {STATE, RUN_REGISTERED, NULL},
		{SHOWN, 0, "Signed in as " USER}, {BOUND, 1, NULL},
		{LOGGED, 0, "run: NETWORK_LOST -> REGISTERED (registered)"}, {END, 0, NULL}}},
	{"no network at sign-in", 3, 0, {
		{NET, 0, NULL}, {INSERT, 0, NULL}, {KEYS, 0, PIN "\n"}, {RUN, 5000, NULL},
		{STATE, RUN_NETWORK_LOST, NULL}, {NET, 1, NULL}, SIGNED_IN,
		{REMOVE, 0, NULL}, {STATE, RUN_LOCKED, NULL}, {BOUND, 0, NULL}, {END, 0, NULL}}},
	{"registrar refuses", 3, 0, {
		{REFUSE, 0, NULL}, {INSERT, 0, NULL}, {KEYS, 0, PIN "\n"}, {RUN, 5000, NULL},
		{STATE, RUN_ERROR, NULL}, {SHOWN, 0, "Sign-in failed"},
		{SHOWN, 0, "check the account on the server"}, {END, 0, NULL}}},
	{"certificate refused before the PIN", 3, 0, {
		{OPEN_FAILS, SG_E_CERT_EXPIRED, NULL}, {INSERT, 0, NULL}, {RUN, 2000, NULL},
		{STATE, RUN_ERROR, NULL}, {SHOWN, 0, "renew"}, {NOT_SHOWN, 0, "prompt: PIN"},
		{REMOVE, 0, NULL}, {STATE, RUN_NO_CARD, NULL}, {END, 0, NULL}}},
	{"certificate close to expiry", 3, 40, {
		{INSERT, 0, NULL}, {KEYS, 0, PIN "\n"}, {RUN, 5000, NULL},
		{STATE, RUN_REGISTERED, NULL}, {NOT_SHOWN, 0, "Certificate expires"},
		{WALL_DAYS, 15, NULL}, {RUN, 600 * 1000, NULL}, {STATE, RUN_CERT_EXPIRING, NULL},
		{SHOWN, 0, "Certificate expires in 24 days: renew it"},
		{RUN, 600 * 1000, NULL}, {STATE, RUN_CERT_EXPIRING, NULL}, {BOUND, 1, NULL},
		{END, 0, NULL}}},
	{"renewed while close to expiry, and while not", 3, 40, {
		{INSERT, 0, NULL}, {KEYS, 0, PIN "\n"}, {RUN, 5000, NULL},
		{RENEWED, 200, NULL}, {STATE, RUN_REGISTERED, NULL},
		{WALL_DAYS, 190, NULL}, {RUN, 600 * 1000, NULL}, {STATE, RUN_CERT_EXPIRING, NULL},
		{RENEWED, 5, NULL}, {STATE, RUN_CERT_EXPIRING, NULL},
		{RENEWED, 365, NULL}, {STATE, RUN_REGISTERED, NULL}, {BOUND, 1, NULL},
		{LOGGED, 0, "run: CERT_EXPIRING -> REGISTERED (certificate renewed)"},
		{CLEAR, 0, NULL}, {RUN, 600 * 1000, NULL}, {STATE, RUN_REGISTERED, NULL},
		{NOT_SHOWN, 0, "Certificate expires"}, {END, 0, NULL}}},
	{"shutdown while registered", 3, 0, {
		{INSERT, 0, NULL}, {KEYS, 0, PIN "\n"}, SIGNED_IN, {SHUTDOWN, 0, NULL},
		{RUN, 2000, NULL}, {STATE, RUN_STOPPED, NULL}, {BOUND, 0, NULL},
		{SHOWN, 0, "Shutting down: signing out"}, {END, 0, NULL}}},
	{"shutdown without a card", 3, 0, {
		{RUN, 2000, NULL}, {STATE, RUN_NO_CARD, NULL}, {SHUTDOWN, 0, NULL},
		{STATE, RUN_STOPPED, NULL}, {END, 0, NULL}}},
};

/* ms of loop, with the steps that run between loop runs (run_sm_step). */
static void run_for(struct port_test *pt, struct run_sm *sm, uint64_t ms)
{
	uint64_t end = port_test_clock_mono(pt) + ms;

	while (port_test_clock_mono(pt) < end) {
		port_test_loop_run_for(pt, end - port_test_clock_mono(pt));
		run_sm_step(sm);
	}
	while (run_sm_step(sm))
		;
}

static int interrupt_in; /* > 0: interrupted() says yes at that call */

static int interrupted(void *arg)
{
	(void)arg;
	return interrupt_in > 0 && --interrupt_in == 0;
}

static void run_case(const struct scase *c)
{
	struct port_test *pt = port_test_new();
	struct hal hal;
	struct pt_session *ps;
	struct run_sm sm;
	struct run_sm_cfg cfg;
	struct sg_error e;
	uint64_t mark = 0;

	assert_non_null(pt);
	port_test_hal(pt, &hal);
	ps = pt_session_new(&hal, PIN, c->tries);
	assert_non_null(ps);
	pt_session_not_after(ps, PORT_TEST_WALL_DEFAULT +
					 (c->not_after_days ? c->not_after_days : 365) * DAY);
	memset(&cfg, 0, sizeof(cfg));
	cfg.hal = &hal;
	cfg.ops = &pt_session_ops;
	cfg.session_ctx = ps;
	cfg.user = USER;
	cfg.interrupted = interrupted;
	interrupt_in = 0;
	pin_policy_default(&cfg.pin);
	run_sm_init(&sm, &cfg);
	pt_session_attach(ps, &sm);
	sg_error_init(&e);
	assert_int_equal(run_sm_start(&sm, &e), SG_OK);
	for (const struct step *s = c->steps; s->op != END; s++) {
		const char *shown = port_test_transcript(pt);

		switch (s->op) {
		case INSERT:
			pt_session_card(ps, 1);
			break;
		case REMOVE: {
			uint64_t t0 = port_test_clock_mono(pt);

			pt_session_card(ps, 0);
			/* Locked (or back to "insert your card") within a second. */
			run_for(pt, &sm, 1000);
			assert_true(sm.state == RUN_LOCKED || sm.state == RUN_NO_CARD);
			assert_true(port_test_clock_mono(pt) - t0 <= 1000);
			break;
		}
		case KEYS:
			port_test_keys(pt, s->text);
			break;
		case LEAVES:
			pt_session_card_leaves(ps, (int)s->n);
			break;
		case INTERRUPT:
			interrupt_in = (int)s->n;
			break;
		case MARK:
			mark = port_test_clock_mono(pt);
			break;
		case ELAPSED:
			if (port_test_clock_mono(pt) - mark > (uint64_t)s->n)
				fail_msg("%s: %llu ms passed", c->name,
					 (unsigned long long)(port_test_clock_mono(pt) - mark));
			break;
		case RUN:
			run_for(pt, &sm, (uint64_t)s->n);
			break;
		case NET:
			pt_session_network(ps, (int)s->n);
			break;
		case REFUSE:
			pt_session_refuse(ps, 1);
			break;
		case OPEN_FAILS:
			pt_session_open_error(ps, (sg_err)s->n);
			break;
		case WALL_DAYS: {
			int64_t now;

			assert_int_equal(hal_clock_wall(&hal.clock, &now), HAL_OK);
			port_test_clock_set_wall(pt, now + s->n * DAY);
			break;
		}
		case RENEWED: {
			int64_t now;

			assert_int_equal(hal_clock_wall(&hal.clock, &now), HAL_OK);
			run_sm_cert_renewed(&sm, now + s->n * DAY);
			break;
		}
		case SHUTDOWN:
			run_sm_shutdown(&sm);
			break;
		case STATE:
			if (sm.state != (enum run_state)s->n)
				fail_msg("%s: state %s, expected %s\n%s", c->name,
					 run_state_name(sm.state), run_state_name((enum run_state)s->n),
					 port_test_log(pt));
			break;
		case SHOWN:
			if (!strstr(shown, s->text))
				fail_msg("%s: '%s' not shown in:\n%s", c->name, s->text, shown);
			break;
		case NOT_SHOWN:
			if (strstr(shown, s->text))
				fail_msg("%s: '%s' shown in:\n%s", c->name, s->text, shown);
			break;
		case CLEAR:
			port_test_transcript_clear(pt);
			break;
		case BOUND:
			assert_int_equal(pt_session_bound(ps), (int)s->n);
			break;
		case REGS:
			assert_true(pt_session_registrations(ps) >= (unsigned)s->n);
			break;
		case LOGGED:
			if (!strstr(port_test_log(pt), s->text))
				fail_msg("%s: '%s' not logged in:\n%s", c->name, s->text,
					 port_test_log(pt));
			break;
		case END:
			break;
		}
	}
	/* Never the PIN in the log. */
	assert_null(strstr(port_test_log(pt), PIN));
	run_sm_fini(&sm);
	assert_int_equal(pt_session_logged_in(ps), 0);
	pt_session_free(ps);
	port_test_free(pt);
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case: %s\n", cases[i].name);
		run_case(&cases[i]);
	}
}

/* The phone's screen words its own diagnoses: whatever the card or the
 * session fails with, it never tells the user to pass a command-line flag
 * (the CLI's words: firmware/cli/cli_err.c). The codes whose CLI
 * diagnosis names a flag show the error screen. */
static void test_screens_cite_no_flag(void **state)
{
	(void)state;
	for (int c = 1; c < SG_E__COUNT; c++) {
		int cli_flag = c == SG_E_INTERNAL || c == SG_E_INVALID_ARG || c == SG_E_CONFIG ||
			       c == SG_E_NO_MODULE || c == SG_E_AMBIGUOUS || c == SG_E_TOKEN;
		struct scase k = {sg_err_name((sg_err)c), 3, 0, {
			{OPEN_FAILS, c, NULL}, {INSERT, 0, NULL}, {RUN, 2000, NULL},
			{cli_flag ? SHOWN : NOT_SHOWN, 0, cli_flag ? "Sign-in failed" : "--"},
			{NOT_SHOWN, 0, "--"}, {NOT_SHOWN, 0, "signet --"},
			{NOT_SHOWN, 0, "command line"}, {END, 0, NULL}}};

		print_message("case: error %s\n", k.name);
		run_case(&k);
	}
}

/* Every state has a name; unexpected events are ignored, not crashes. */
static void test_names_and_stray_events(void **state)
{
	struct port_test *pt = port_test_new();
	struct hal hal;
	struct pt_session *ps;
	struct run_sm sm;
	struct run_sm_cfg cfg = {0};

	(void)state;
	for (int s = 0; s < RUN__STATES; s++)
		assert_string_not_equal(run_state_name((enum run_state)s), "?");
	for (int ev = 0; ev < RUN__EVENTS; ev++)
		assert_string_not_equal(run_event_name((enum run_event)ev), "?");
	assert_non_null(pt);
	port_test_hal(pt, &hal);
	ps = pt_session_new(&hal, PIN, 3);
	assert_non_null(ps);
	cfg.hal = &hal;
	cfg.ops = &pt_session_ops;
	cfg.session_ctx = ps;
	pin_policy_default(&cfg.pin);
	run_sm_init(&sm, &cfg);
	pt_session_attach(ps, &sm);
	for (int ev = 1; ev < RUN__EVENTS; ev++)
		if (ev != RUN_EV_CARD_IN && ev != RUN_EV_SHUTDOWN)
			assert_int_equal(run_sm_event(&sm, (enum run_event)ev), RUN_NO_CARD);
	assert_int_equal(run_sm_event(&sm, RUN_EV_UNREGISTERED), RUN_NO_CARD);
	run_sm_fini(&sm);
	pt_session_free(ps);
	port_test_free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_names_and_stray_events),
		cmocka_unit_test(test_screens_cite_no_flag),
	};
	return cmocka_run_group_tests_name("run_sm", tests, NULL, NULL);
}
