/*
 * pamflow.h: the desktop two-factor sign-in that pam_signet.so runs, kept
 * apart from libpam so that it can be driven in-process by tests (scripted
 * conversation, faults behind the HAL) and read top to bottom:
 *
 *   open the token -> pick the certificate that maps to the user ->
 *   check the certificate (chain, time, usage, revocation) -> refuse a
 *   locked PIN -> PIN through the conversation (or the reader's PIN pad)
 *   -> log in -> sign a fresh random challenge and verify it with the
 *   certificate's public key -> the mapped local user.
 *
 * The certificate is checked before the PIN is asked: a revoked, expired
 * or foreign card is refused without costing (or offering) a PIN try, and
 * the user learns the real reason. The signature over a fresh challenge
 * afterwards proves that the checked certificate's key is on this token
 * now.
 *
 * Results are PAM return codes (the constants only: this file does not
 * link libpam). Which sg_err gives which code is pamflow_pam_code()'s
 * table, documented in doc/pam.md.
 *
 * Secrets: the PIN comes from the conversation in a heap string that is
 * wiped and freed here as soon as it has been copied into a struct pin,
 * which token_login() wipes. Neither reaches a log line or a message.
 */
#ifndef PAMFLOW_H
#define PAMFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "hal.h"
#include "p11uri.h"
#include "sg_err.h"
#include "token.h"
#include "usermap.h"

/* How the user is talked to (the PAM conversation in pam_signet.c). */
struct pamflow_conv {
	/* Asks with echo off. On success (0) *answer is a heap string that
	 * pamflow wipes and free()s; any other value: the conversation failed
	 * or the user cancelled. */
	int (*ask)(void *arg, const char *prompt, char **answer);
	/* A message: error 0 is information (PAM_TEXT_INFO), 1 an error
	 * (PAM_ERROR_MSG). */
	void (*say)(void *arg, int error, const char *msg);
	void *arg;
};

/* Opens the token (a backend other than PKCS#11, or a test's). */
typedef sg_err (*pamflow_open_fn)(const struct hal *hal, void *arg, struct token **t,
				  struct sg_error *e);

struct pamflow_opts {
	const struct signet_config *cfg; /* [token], [pin], [certs], [pam] */
	const char *module;              /* PKCS#11 module; NULL: the board's default */
	const struct p11uri *uri;        /* NULL: any token */
	pamflow_open_fn open;            /* NULL: PKCS#11 with module and uri */
	void *open_arg;
	const char *user;                /* PAM_USER; NULL or "": not known yet */
	int ignore_no_card;              /* no reader/card/token: PAM_IGNORE */
};

struct pamflow_result {
	int pam_code;            /* what pam_sm_authenticate returns */
	struct sg_error e;       /* the failure's code and detail (never a PIN) */
	const char *step;        /* where it ended: "token", "certificate", "pin", ... */
	char user[USERMAP_NAME_MAX + 1]; /* the mapped local user (success) */
	char token[33];          /* token label */
	char subject[256];       /* certificate subject and serial, for the log */
	char serial[100];
	uint8_t *der;            /* the checked certificate (success; free() it) */
	size_t der_len;
};

/* Runs the whole sign-in. Always fills *r (r->pam_code is the return). */
int pamflow_authenticate(const struct hal *hal, const struct pamflow_opts *o,
			 const struct pamflow_conv *conv, struct pamflow_result *r);

/* Checks a certificate again with the configured trust settings (no token,
 * no PIN: the account phase). SG_OK when still acceptable. */
sg_err pamflow_recheck(const struct hal *hal, const struct signet_config *cfg,
		       const uint8_t *der, size_t der_len, struct sg_error *e);

/* The PAM return code for a failure (PAM_IGNORE for "no card" when
 * ignore_no_card). */
int pamflow_pam_code(sg_err err, int ignore_no_card);

/* The prompt: cfg's [pam] prompt (or "PIN for {token}: ") with {token}
 * replaced by the label and control bytes replaced by '?'. */
void pamflow_prompt(const char *tmpl, const char *label, char *out, size_t cap);

/* Frees what a result holds. */
void pamflow_result_free(struct pamflow_result *r);

#endif
