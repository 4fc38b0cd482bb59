/*
 * pt_session.h: a stand-in for the sign-in session that `signet run`'s
 * state machine drives (struct run_session_ops in firmware/signin/run_sm.h), for
 * unit tests: a card that comes and goes when told, a PIN with a retry
 * counter, a certificate with a notAfter, and a registrar reached over a
 * network that works or not, all on the test port's loop and clock.
 * It stands in for what a unit test cannot have (a card, a registrar, a
 * network to pull); the real one is firmware/signin/run_session.c.
 *
 * The registrar: connect() registers 50 ms later (network up) or fails
 * with a retry every retry_ms (network down: RUN_EV_NET_LOST); a binding
 * is refreshed at 90% of expires_s; disconnect() removes it 10 ms later
 * (network down: gives up after the timeout, the binding stays).
 */
#ifndef PT_SESSION_H
#define PT_SESSION_H

#include <stdint.h>

#include "run_sm.h"

struct pt_session;

extern const struct run_session_ops pt_session_ops;

/* pin: the right PIN; tries: the retry counter's maximum. NULL: no memory. */
struct pt_session *pt_session_new(const struct hal *hal, const char *pin, int tries);
void pt_session_free(struct pt_session *ps);
/* Where registration events go (run_sm_registration). */
void pt_session_attach(struct pt_session *ps, struct run_sm *sm);

void pt_session_card(struct pt_session *ps, int present);
/* The card leaves at the checks-th presence check from now (while the
 * state machine is busy, e.g. blocked in PIN entry). */
void pt_session_card_leaves(struct pt_session *ps, int checks);
void pt_session_not_after(struct pt_session *ps, int64_t unix_s);
/* The next open() fails with code (SG_OK: disarmed). */
void pt_session_open_error(struct pt_session *ps, sg_err code);
void pt_session_network(struct pt_session *ps, int up);
/* The registrar refuses (403: not retried) from the next REGISTER on. */
void pt_session_refuse(struct pt_session *ps, int refuse);
/* Granted expiry (default 600 s) and retry interval (default 1000 ms). */
void pt_session_timing(struct pt_session *ps, uint32_t expires_s, uint32_t retry_ms);

/* 1 while the registrar holds a binding. */
int pt_session_bound(const struct pt_session *ps);
/* REGISTERs the registrar accepted (first ones and refreshes). */
unsigned pt_session_registrations(const struct pt_session *ps);
int pt_session_tries_left(const struct pt_session *ps);
/* 1 while logged in to the card. */
int pt_session_logged_in(const struct pt_session *ps);

#endif
