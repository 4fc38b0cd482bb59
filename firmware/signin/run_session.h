/*
 * run_session.h: the real sign-in behind `signet run`'s state machine:
 * struct run_session_ops (run_sm.h) over the session module (session.h),
 * with card presence per backend:
 *   - PKCS#11 module: the token is there when it can be opened, and gone
 *     when token_pin_state() says so (SG_E_CARD_REMOVED / SG_E_NO_TOKEN);
 *   - PC/SC (--card pcsc): a card in a reader (hal_card_list), then the
 *     same on the open token;
 *   - the virtual card (--card vcard[:NAME]): "in the reader" unless the
 *     blob vcard-NAME.removed exists in the state directory (touch
 *     $SIGNET_STATE_DIR/vcard-NAME.removed to pull it, rm to put it back).
 *     Pulling it also drops the in-process card, so that what changed in
 *     its state meanwhile (signet vcard unblock) is read on the way back.
 * With --pin-fd the PIN comes from that descriptor, one line per try,
 * instead of the keypad.
 *
 * Renewal: when [enroll] names a service and a registration succeeds
 * (first or refresh) with the certificate inside the [enroll] renew_days
 * window, the renewal runs outside the loop (run_session_outside_loop)
 * with the token session that signed in: the token signs the request and
 * the DTLS handshake, no PIN is asked again. The new certificate goes on
 * the token and into the next TLS handshakes; a failure is reported and
 * the sign-in stays. Attempts are [enroll] renew_retry seconds apart.
 * Each request waits at most RUN_RENEW_TIMEOUT_MS; the loop is held
 * meanwhile, but a signal or the card pulled ends the wait at once (then
 * the state machine signs out as usual).
 */
#ifndef RUN_SESSION_H
#define RUN_SESSION_H

#include "run_sm.h"
#include "session.h"

struct run_session {
	struct session s;
	struct run_sm *sm;
	char marker[160];         /* vcard: the "removed" blob ("": other backends) */
	sg_err pending;           /* a failure met while looking for the card */
	struct sg_error pending_e;
	int renew_wanted;         /* a renewal waits for run_session_outside_loop */
	int64_t renew_next;       /* wall clock: no attempt before this */
	struct sg_error renew_err;/* the last renewal's failure (SG_OK: none) */
};

#define RUN_RENEW_TIMEOUT_MS 5000

extern const struct run_session_ops run_session_ops;

/* After session_settle(): the presence marker. */
void run_session_init(struct run_session *rs, struct run_sm *sm);

/* Work that runs outside the HAL loop: the session's (registrar
 * revocation check), then a due renewal. 1 when it did something. */
int run_session_outside_loop(struct run_session *rs);

#endif
