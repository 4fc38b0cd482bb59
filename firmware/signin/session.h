/*
 * session.h: one sign-in, step by step, shared by `signet signin`,
 * `signet testauth` and `signet run`: settings and trust, the token and its
 * certificate, the certificate checks (before any PIN: an expired or
 * revoked card must not cost a PIN try), the PIN login, the client chain
 * with the token's key, the transport (TLS by default) and the
 * registration client; then unregistering and releasing.
 *
 * Every step prints a timed progress line ("[   12 ms] ...") on stdout
 * unless quiet is set (testauth: only with --verbose). Registration
 * progress comes back through on_event, on the HAL loop.
 *
 * Ownership: the session borrows the struct cli (HAL, settings); it owns
 * the token, the TLS material, the transport and the registration client,
 * all released by session_release() (session_close() releases the
 * per-card part so that the next card can be signed in with).
 */
#ifndef SESSION_H
#define SESSION_H

#include <stdint.h>

#include <mbedtls/pk.h>
#include "crl.h"
#include <mbedtls/x509_crt.h>

#include "cli.h"
#include "sip_reg.h"
#include "sip_tp.h"
#include "token.h"

enum session_event {
	SESSION_REGISTERED,   /* the registrar accepted (first time and each refresh) */
	SESSION_RETRYING,     /* registration failed; the client retries (err: why) */
	SESSION_FAILED,       /* registration failed for good (err: why) */
	SESSION_UNREGISTERED, /* after session_stop(): removed, or gave up waiting */
};

/* Called on the HAL loop; may call session_stop(), must not release. */
typedef void (*session_event_h)(enum session_event ev, const struct sip_reg_info *info,
				void *arg);

/* [sip] flows = 2 (RFC 5626): one of the two registrations. Flow 1's
 * transport and client are session.tp and session.reg; flow 2's here. */
struct session_flow {
	struct session *s;
	struct sip_tp *tp;         /* flow 2 only */
	struct sip_reg *reg;       /* flow 2 only */
	int started, tried, registered, unreg;
};

struct session {
	struct cli *c;
	/* Settings (NULL: from the configuration, see session_settle). */
	const char *user, *registrar, *ca, *untrusted, *crl, *revocation;
	int expires;
	int quiet;                 /* progress lines only with --verbose */
	session_event_h on_event;
	void *arg;
	/* Filled by the steps. */
	struct token *t;
	size_t ci;
	int expiry_warning;        /* the certificate expires within [certs] warn_days */
	int resume_told;           /* the board-without-resumption warning was logged */
	int64_t not_after;         /* of the sign-in certificate (unix seconds) */
	int64_t checked_until;     /* its checks hold until (notAfter, the revocation
				    * answer's nextUpdate): TLS resumption's bound */
	char expiry_text[160];     /* certcheck's warning, for a status line */
	char host[256];
	uint16_t port;
	enum sip_tp_kind kind;
	int resolve;               /* no registrar given: RFC 3263 on the domain in host */
	size_t target_shown;       /* --verbose: the target last said (+1; 0: none) */
	char reg_at[300];          /* the registrar registered with ("": none yet) */
	char reg_why[640];         /* why the next one may differ ("": nothing failed) */
	char reg_change[700];      /* why reg_at is the one in use ("": not said yet) */
	uint64_t registered_ms;    /* since start, when the 200 OK came (0: not yet) */
	int stopping;
	const char *untrusted_file;/* the intermediates' file in force (NULL: none) */
	/* Material that must outlive the TLS transport. */
	mbedtls_x509_crt anchors, chain, pool, reg_anchors;
	struct crl_list crls;
	mbedtls_pk_context key;
	struct sip_tp *tp;
	struct sip_reg *reg;
	int addr_h;                /* the HAL's address-change handle (-1: none) */
	/* [sip] check_revocation: the registrar's certificate is checked for
	 * revocation outside the loop (it may fetch OCSP/CRL over HTTP), with
	 * [sip] revocation and on_unavailable. */
	int verify_pending;
	int peer_ok;               /* both copies below were made */
	mbedtls_x509_crt peer;     /* the registrar's certificate, copied */
	mbedtls_x509_crt peer_issuer; /* the issuer mbedTLS verified it with (empty:
				    * the registrar's certificate is a trust anchor) */
	char reg_warning[512];     /* soft-fail: why the check had no answer ("": none) */
	sip_tp_event_h reg_event;  /* --verbose: the client's handlers, wrapped */
	sip_tp_msg_h reg_msg;      /* (both: the transport has one arg for both) */
	void *reg_arg;
	struct sip_tp *verify_tp;  /* the transport whose registrar is being checked */
	struct sip_tp *verify_busy;/* flows = 2: the other flow's handshake, arrived
				    * meanwhile: failed (retried) outside the loop */
	int flows;                 /* 2: [sip] flows = 2 (fl[]), else 1 */
	int flows_told;            /* SESSION_REGISTERED given once both flows were tried */
	struct session_flow fl[2];
};

void session_init(struct session *s, struct cli *c);

/* Work that must run outside the HAL loop (it may run the loop itself):
 * the registrar's revocation check. Call whenever hal_loop_run returns;
 * returns 1 when it did something (run the loop again). */
int session_outside_loop(struct session *s);

/* A timed progress line on stdout (nothing when quiet without --verbose). */
void session_say(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The settings that do not need a card: the user (SG_E_INVALID_ARG when none),
 * the registrar (SG_E_CONFIG when malformed) and the trust anchors,
 * intermediates and CRLs (SG_E_CONFIG). Call once. */
sg_err session_settle(struct session *s, struct sg_error *e);

/* Opens the token and picks the certificate that names the user. */
sg_err session_open(struct session *s, struct sg_error *e);

/* The certificate checks; fills expiry_warning, not_after, expiry_text. */
sg_err session_check(struct session *s, struct sg_error *e);

/* Logs in with the PIN from the keypad or --pin-fd (cli_login). */
sg_err session_login(struct session *s, struct sg_error *e);

/* Logs in with a PIN the caller read (wiped on every path). */
sg_err session_login_pin(struct session *s, struct pin *pin, struct sg_error *e);

/* Client chain and key, transport, and REGISTER (progress: on_event). */
sg_err session_connect(struct session *s, struct sg_error *e);

/* After the token's certificate was renewed in place (same key): the
 * client chain of the next TLS handshakes and not_after follow it. Call
 * outside the HAL loop. */
sg_err session_cert_renewed(struct session *s, struct sg_error *e);

/* Unregisters (bounded by timeout_ms); SESSION_UNREGISTERED follows on
 * the loop. Returns 0, or -1 when there is nothing to wait for (no
 * registration client, or it could not start). Once only. */
int session_stop(struct session *s, const char *why, uint32_t timeout_ms);

/* [sip] flows = 2: each flow's state and target, "1 registered
 * ADDR:PORT (NAME); 2 failed ..." into buf; "" with one flow. */
void session_flows_text(const struct session *s, char *buf, size_t cap);

/* Releases the per-card part: registration client, transport, key and
 * chain, the token (logged out). The settings and trust stay. */
void session_close(struct session *s);

/* Releases everything and wipes the Digest password of the configuration. */
void session_release(struct session *s);

#endif
