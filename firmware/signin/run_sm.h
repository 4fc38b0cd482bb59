/*
 * run_sm.h: the main loop of a desk phone or kiosk (`signet run`) as a
 * state machine with named states and a transition table:
 *
 *   NO_CARD --card in--> CARD_PRESENT (token, certificate checks)
 *     --checks ok--> PIN_ENTRY --PIN--> LOGGING_IN --ok--> CONNECTING
 *     --registered--> REGISTERED (refreshes stay there; CERT_EXPIRING when
 *     the certificate is close to expiry, back to REGISTERED when it was
 *     renewed) --network lost--> NETWORK_LOST
 *     --registered--> REGISTERED ...
 *   card out while signed in --> UNREGISTERING --unregistered--> LOCKED
 *   wrong PIN --> PIN_WRONG --> PIN_ENTRY (tries left, final-try warning);
 *   locked PIN --> BLOCKED; any other failure --> ERROR (with the
 *   diagnosis); card out from those --> NO_CARD; shutdown --> STOPPED
 *   (unregistering first when signed in).
 *
 * It talks to the device through the HAL only (display, keypad, clock,
 * loop, log) and to the sign-in through struct run_session_ops: the real
 * one is the session module (firmware/signin/run_session.c, over session.h), a
 * test one is in the test port (tests/doubles/pt_session.h), standing in for
 * the token, the registrar and the network that a unit test cannot have.
 *
 * Card presence is polled every poll_ms (default 500: a removed card is
 * seen within half a second, the lock follows at once and the unregister
 * is bounded by unregister_ms). PIN entry (pin_entry(), or ops->read_pin)
 * runs inside a loop callback; on the keypad it reads in slices of poll_ms
 * and looks at the card between them, so a card pulled mid-PIN ends it.
 *
 * The card's certificate checks may fetch OCSP answers and CRLs, which
 * runs the HAL loop itself (http.h): that cannot happen inside a loop
 * callback, so CARD_PRESENT stops the loop and the caller runs the step
 * with run_sm_step() between hal_loop_run() calls:
 *     while (state != RUN_STOPPED && hal_loop_run(loop) == HAL_OK)
 *             run_sm_step(sm);
 *
 * Every transition is logged at info level ("run: PIN_ENTRY -> LOGGING_IN
 * (pin entered)"); the PIN never is.
 */
#ifndef RUN_SM_H
#define RUN_SM_H

#include <stdint.h>

#include "hal.h"
#include "pin.h"
#include "sg_err.h"
#include "token.h"

#define RUN_STATES(X)                 \
	X(NO_CARD)                    \
	X(CARD_PRESENT)               \
	X(PIN_ENTRY)                  \
	X(PIN_WRONG)                  \
	X(LOGGING_IN)                 \
	X(CONNECTING)                 \
	X(REGISTERED)                 \
	X(CERT_EXPIRING)              \
	X(NETWORK_LOST)               \
	X(UNREGISTERING)              \
	X(LOCKED)                     \
	X(BLOCKED)                    \
	X(ERROR)                      \
	X(STOPPED)

#define RUN_X_ENUM(n) RUN_##n,
enum run_state { RUN_STATES(RUN_X_ENUM) RUN__STATES };

enum run_event {
	RUN_EV_NONE = 0,
	RUN_EV_CARD_IN,
	RUN_EV_CARD_OUT,
	RUN_EV_CHECKS_OK,
	RUN_EV_PIN_ENTERED,
	RUN_EV_PIN_CANCELLED, /* cancel key, or no key in time */
	RUN_EV_LOGIN_OK,
	RUN_EV_PIN_WRONG,
	RUN_EV_PIN_BLOCKED,
	RUN_EV_RETRY,         /* after a wrong PIN or a cancelled entry: ask again */
	RUN_EV_REGISTERED,
	RUN_EV_EXPIRING,      /* registered, and the certificate expires soon */
	RUN_EV_RENEWED,       /* the certificate was renewed while signed in */
	RUN_EV_NET_LOST,
	RUN_EV_UNREGISTERED,
	RUN_EV_FAILED,        /* sm->err says why */
	RUN_EV_SHUTDOWN,
	RUN__EVENTS
};

/* What the sign-in needs done; ctx is run_sm_cfg.session_ctx. */
struct run_session_ops {
	/* 1: a card (token) is there, 0: not. */
	int (*card_present)(void *ctx);
	/* Opens the token, picks the certificate, runs the certificate
	 * checks. *not_after: the certificate's notAfter (unix seconds, 0:
	 * unknown); *label: the token's label (NUL-terminated, cap bytes). */
	sg_err (*open)(void *ctx, int64_t *not_after, char *label, size_t cap,
		       struct sg_error *e);
	sg_err (*pin_state)(void *ctx, struct token_pin_state *st, struct sg_error *e);
	/* Optional: gets the PIN (NULL: pin_entry() with run_sm_cfg.pin).
	 * hal is the device with the watched keypad (see above) for a
	 * pin_entry() of its own. SG_E_PIN_CANCELLED / SG_E_PIN_TIMEOUT ask
	 * again later; *pin is wiped on errors. */
	sg_err (*read_pin)(void *ctx, const struct hal *hal, const char *prompt, struct pin *pin,
			   struct sg_error *e);
	/* Logs in; pin is wiped on every path. SG_E_PIN_INCORRECT (e->tries_left),
	 * SG_E_PIN_LOCKED, SG_E_CARD_REMOVED, ... */
	sg_err (*login)(void *ctx, struct pin *pin, struct sg_error *e);
	/* Starts connecting and registering; progress through
	 * run_sm_registration(). */
	sg_err (*connect)(void *ctx, struct sg_error *e);
	/* Starts unregistering (bounded by timeout_ms): 0, then
	 * run_sm_registration(UNREGISTERED) follows; -1: nothing to wait for. */
	int (*disconnect)(void *ctx, uint32_t timeout_ms);
	/* Releases the card: registration, transport, token (logged out).
	 * Idempotent. */
	void (*close)(void *ctx);
};

struct run_sm_cfg {
	const struct hal *hal;
	const struct run_session_ops *ops;
	void *session_ctx;
	const char *user;          /* for "Signed in as ..." */
	struct pin_policy pin;     /* for the keypad entry */
	uint32_t poll_ms;          /* card presence (0: 500) */
	uint32_t retry_ms;         /* after a cancelled PIN entry (0: 3000) */
	uint32_t unregister_ms;    /* bound for the unregister (0: 900) */
	int warn_days;             /* certificate expiry warning (0: 30) */
	/* Optional: 1 when a shutdown is on its way (a signal came), so that a
	 * PIN entry gives up at once instead of waiting for its timeout. */
	int (*interrupted)(void *arg);
	/* Optional: each transition, after it was made (for a progress line). */
	void (*on_transition)(enum run_state from, enum run_event ev, enum run_state to,
			      void *arg);
	void *arg;
};

struct run_sm {
	struct run_sm_cfg cfg;
	enum run_state state;
	int poll_timer, retry_timer;
	int shutdown;              /* stop once unregistered */
	int want_open;             /* CARD_PRESENT's step waits for run_sm_step() */
	int64_t not_after;
	char label[64];
	int tries_left;            /* after a wrong PIN (SG_TRIES_UNKNOWN: not said) */
	unsigned transitions;
	struct sg_error err;       /* ERROR: why */
	struct pin pin;            /* between PIN_ENTRY and LOGGING_IN only */
};

/* Sets up the machine in NO_CARD (nothing drawn, no timer yet). */
void run_sm_init(struct run_sm *sm, const struct run_sm_cfg *cfg);
/* Draws NO_CARD and starts polling for the card. SG_E_INTERNAL when the
 * loop refuses a timer. Then run the HAL loop: it stops in STOPPED. */
sg_err run_sm_start(struct run_sm *sm, struct sg_error *e);
/* Runs a step that must not run inside a loop callback (see above), if one
 * is waiting: returns 1 when it ran one, else 0. */
int run_sm_step(struct run_sm *sm);
/* Feeds an event (from the loop); returns the state after it (and after
 * the entry actions it led to). Events a state does not expect are
 * logged at debug level and ignored. */
enum run_state run_sm_event(struct run_sm *sm, enum run_event ev);
/* The registration's progress, from the session: RUN_EV_REGISTERED,
 * RUN_EV_NET_LOST (the client retries), RUN_EV_FAILED (err: why, not
 * retried) or RUN_EV_UNREGISTERED. */
void run_sm_registration(struct run_sm *sm, enum run_event ev, const struct sg_error *err);
/* The certificate was renewed (new notAfter): CERT_EXPIRING goes back to
 * REGISTERED when the new one is outside the warning window. */
void run_sm_cert_renewed(struct run_sm *sm, int64_t not_after);
/* SIGTERM and friends: unregister if signed in, then STOPPED. */
void run_sm_shutdown(struct run_sm *sm);
/* Cancels the timers and closes the session. */
void run_sm_fini(struct run_sm *sm);

const char *run_state_name(enum run_state s);
const char *run_event_name(enum run_event ev);

#endif
