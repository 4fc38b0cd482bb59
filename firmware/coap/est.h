/*
 * est.h: certificate enrolment and renewal over EST-coaps (RFC 9148 on
 * RFC 7030) for `signet enroll`, `signet renew` and `signet run`.
 *
 * Enrolment: GET /crts over DTLS; the CA certificates are checked against
 * the device's pinned CA ([enroll] ca file, or ca_fingerprint) and the
 * server's DTLS certificate against that CA and the server's host name;
 * only then is the key pair made on the token, the request (signed by the
 * token, the identity in subjectAltName, "LOGIN:PIN" in challengePassword)
 * POSTed to /sen, and the certificate checked (our key, names the user,
 * issued under the pinned CA) and stored on the token.
 *
 * Renewal: POST /sren over DTLS authenticated by the current certificate
 * and its token key (the logged-in token signs the handshake through an
 * external GnuTLS key, est_tlskey.h); the same key is certified again and
 * the new certificate replaces the old one on the token. The service
 * revokes the old one.
 */
#ifndef EST_H
#define EST_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "pin.h"
#include "sg_err.h"
#include "token.h"

/* An issued certificate that could not be stored on the token. */
#define EST_UNSTORED_BLOB "enroll-unstored.der"

struct est_opts {
	const char *server;    /* coaps://HOST[:PORT] (--server, [enroll] server) */
	/* Where /sren is, when the service has a separate re-enrolment
	 * address: [enroll] renew_server, or signet renew --server; NULL:
	 * server (RFC 9148: one service for all three). */
	const char *renew_server;
	const char *login;     /* the user id, or tel:NUMBER (first enrolment) */
	const char *identity;  /* the subjectAltName URI asked for */
	const char *ca_file;   /* the pinned CA ([enroll] ca), or NULL */
	const char *fingerprint; /* the pinned CA's SHA-256 ([enroll] ca_fingerprint), or NULL */
	unsigned timeout_ms;   /* per request; 0: 20 s */
	int (*stop)(void *arg);/* optional: 1 ends a waiting request (est_coap.h) */
	void *stop_arg;
};

/* First enrolment on the token the CLI settings pick (cli_open_token),
 * opened for administration (cli_token_admin): it must be able to make a
 * key pair and store a certificate (token_generate_key, token_store_cert),
 * else SG_E_INVALID_ARG "token '...' cannot ..." before the service is asked.
 * token_pin unlocks the token (wiped here); enrol_pin is the user's PIN at
 * the service (wiped by the caller). On success the new certificate is on
 * the token and its DER in *der (sg_free); on failure a key made for it is
 * deleted where the token can (PKCS#11).
 * Errors: SG_E_CERT_UNTRUSTED (the service does not match the pin: no PIN
 * was sent), SG_E_PIN_INCORRECT / SG_E_PIN_LOCKED (the token's or the
 * service's; the detail says which), SG_E_REFUSED, SG_E_NETWORK, token
 * errors. */
sg_err est_enroll(struct cli *c, const struct est_opts *o, struct pin *token_pin,
		  const struct pin *enrol_pin, uint8_t **der, size_t *der_len, struct sg_error *e);

/* Renews certificate ci of token t, which is open and logged in (its
 * session signs the request and the DTLS handshake: no PIN here), through
 * /sren; the new certificate replaces the old one on the token and in
 * t->certs[ci] (token_store_cert); its DER in *der (sg_free). Works on any
 * token that can store certificates once opened for administration
 * (cli_token_admin: PKCS#11 tokens, the virtual card); for another
 * (a PIV card in a reader) SG_E_INVALID_ARG before the service is asked. A
 * certificate issued but not stored is kept in the state directory as
 * EST_UNSTORED_BLOB (the error says so). */
sg_err est_renew_token(struct cli *c, const struct est_opts *o, struct token *t, size_t ci,
		       uint8_t **der, size_t *der_len, struct sg_error *e);

/* `signet renew`: opens the token the CLI settings pick, logs in with
 * token_pin (wiped), renews the sign-in certificate (cli_select's pick). */
sg_err est_renew(struct cli *c, const struct est_opts *o, struct pin *token_pin, uint8_t **der,
		 size_t *der_len, struct sg_error *e);

/* 1 when a certificate expiring at not_after (seconds since the epoch) is
 * inside the renewal window of days at time now. */
int est_renew_due(int64_t not_after, int64_t now, int days);

/* 1 when [enroll] names a service to renew with. */
int est_renew_configured(const struct cli *c);

/* For `signet run`, with its logged-in token: renews certificate ci when
 * it is inside the [enroll] renew_days window and a service is configured;
 * *renewed says whether it did. Each request waits at most timeout_ms,
 * and stops as soon as stop(stop_arg) says 1 (NULL: never).
 * SG_OK without renewing when nothing is due. */
sg_err est_renew_if_due(struct cli *c, struct token *t, size_t ci, unsigned timeout_ms,
			int (*stop)(void *arg), void *stop_arg, int *renewed, struct sg_error *e);

/* The options from the configuration ([enroll], [sip] user). */
void est_opts_from_config(const struct signet_config *cfg, struct est_opts *o);

#endif
