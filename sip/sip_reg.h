/*
 * sip_reg.h: the registration client (RFC 3261 10, RFC 5626 outbound).
 *
 * Keeps one binding (AoR -> our Contact) alive at one registrar over a
 * transport the caller supplies (UDP, TCP, or TLS with the token's key),
 * on the HAL loop:
 *   - REGISTER with Contact (+sip.instance, reg-id, ;ob) and Expires;
 *     the granted expiry is the expires parameter of our Contact in the
 *     200 OK, else its Expires header, else what we asked for;
 *   - refresh at 90% of the granted expiry (libre's rule; at least 1 s
 *     later), over the same connection when it is still up;
 *   - 423 -> again with the Min-Expires asked for; 401/407 -> Digest
 *     (MD5 or SHA-256, the strongest offered; once per nonce, again only
 *     when the registrar says stale=true or sends a new nonce);
 *     3xx -> the first Contact, once; 403/404/603/604 -> stop with
 *     SG_E_REFUSED (not retried), as do credentials the registrar rejects
 *     and challenges we cannot answer;
 *   - 408, 5xx, other failures, transaction timeouts, malformed responses
 *     and connection loss -> retry after Retry-After when given, else
 *     after min(retry_max, retry_base * 2^min(failures, 6)) seconds times a
 *     random factor in [0.5, 1] (libre's back-off). A connection lost
 *     while registered is reopened at once the first time;
 *   - RFC 5626 CRLF keep-alives on reliable transports when the 200 OK
 *     carries "Require: outbound": every Flow-Timer seconds (else
 *     keepalive_s), randomly 80-100% of it (RFC 5626 4.4.1); no pong
 *     within pong_timeout_ms -> the flow is dead: reconnect, re-register;
 *   - sip_reg_stop(): REGISTER with Expires: 0 for our Contact, waiting
 *     a bounded time for the answer.
 *
 * Requests from the registrar (OPTIONS, NOTIFY) are ignored. Responses
 * that do not belong to the current request are dropped.
 *
 * Server resolution: host and port as configured (port 0: 5060, or 5061
 * for TLS). With cfg.resolve, registrar_host is a domain resolved by RFC
 * 3263 (sip_target.h: NAPTR, SRV, A/AAAA) at the start of every attempt;
 * the targets of one attempt are tried in order: a target that refuses,
 * times out, fails the TLS handshake or answers a retried failure (503,
 * ...) is reported (SIP_REG_FAILED, will_retry, retry_ms 0) and the next
 * one is tried at once; the back-off applies once all of them failed. A
 * resolution that fails (NXDOMAIN, no usable record, no DNS answer) is a
 * retried SG_E_NETWORK failure naming the query. A flow lost while
 * registered is reopened to the same target first.
 *
 * The target list is kept until its smallest TTL expires (no DNS query
 * per refresh or retry while it is valid) and resolved again at the
 * first refresh after that, and at the next attempt once all targets of
 * an attempt failed. Failback: at refresh time, when registered on a
 * target that is not the first of the (re-resolved) list, the flow is
 * closed (no unregistration: see sip/README.md) and the preferred
 * targets are tried in order; the first that answers 2xx holds the
 * registration (REGISTERED, info.failback); when all of them fail, the
 * refresh goes to the current target at once (no back-off). A failed
 * re-resolution at refresh keeps the old list.
 */
#ifndef SIP_REG_H
#define SIP_REG_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "sg_err.h"
#include "sip_tp.h"

enum sip_reg_state {
	SIP_REG_REGISTERING,  /* a REGISTER is on its way (first one or a retry) */
	SIP_REG_REGISTERED,   /* the registrar accepted; info->expires granted */
	SIP_REG_FAILED,       /* info->err says why; info->will_retry, retry_ms */
	SIP_REG_UNREGISTERED, /* after sip_reg_stop(): removed (or gave up waiting) */
	SIP_REG_SENT,         /* the first REGISTER of an attempt went to the transport
			       * (for TLS: after the registrar's certificate passed
			       * every check); not for refreshes, Digest or 423
			       * re-sends, nor the unregistration */
};

struct sip_target;

struct sip_reg_info {
	enum sip_reg_state state;
	uint32_t expires;            /* REGISTERED: seconds granted */
	int status;                  /* the last final SIP status, 0 when none */
	const struct sg_error *err;  /* FAILED (and UNREGISTERED when it could not
				      * confirm the removal): the reason */
	int will_retry;              /* FAILED: 1 when a retry is scheduled */
	uint32_t retry_ms;           /* FAILED: in how long */
	int failover;                /* FAILED: 1 when the next RFC 3263 target of this
				      * attempt is tried at once (not a back-off) */
	int resolution;              /* FAILED: the RFC 3263 resolution failed (err names
				      * the query: NXDOMAIN, no usable record, no answer) */
	int failback;                /* REGISTERED: the registration moved back to a
				      * preferred target at refresh; FAILED (with
				      * failover): a preferred target failed during
				      * failback, the next preferred one or the current
				      * target is tried at once */
	const struct sip_target *target; /* with cfg.resolve: the target this report is
				      * about (FAILED: the one that failed; SENT,
				      * REGISTERED: the one in use); NULL otherwise */
};

/* Called on every state change. May call sip_reg_stop(); must not free. */
typedef void (*sip_reg_state_h)(const struct sip_reg_info *info, void *arg);

struct sip_reg_cfg {
	/* Where to send: host name or IP literal, port (0: the default
	 * port); with resolve, the domain to resolve (port unused). The transport decides UDP/TCP/TLS; its kind also
	 * sets the URI scheme (sips for TLS) and ;transport= in Contact. */
	const char *registrar_host;
	uint16_t registrar_port;
	struct sip_tp *tp;           /* the caller's; sip_reg sets its handlers */
	const char *aor;             /* "sip:alice@example.org" (or sips:) */
	const char *request_uri;     /* NULL: "sip(s):" + the AoR's domain */
	const char *contact_user;    /* NULL: the AoR's user */
	uint32_t expires;            /* 0: 600 */
	const char *instance;        /* "urn:uuid:..." (or a bare UUID); NULL: none */
	uint32_t reg_id;             /* 0: none (RFC 5626 needs both) */
	int outbound;                /* ask for RFC 5626 outbound (;ob, Supported) */
	int path;                    /* Supported: path */
	const char *user_agent;      /* NULL: none */
	/* Digest credentials (optional; password NULL: none). The password
	 * is copied, kept for re-authentication, wiped by sip_reg_free(). */
	const char *auth_user;       /* NULL: the AoR's user */
	const char *password;
	size_t password_len;
	int resolve;                 /* registrar_host is a domain: RFC 3263 (see above) */
	uint32_t resolve_timeout_ms; /* [10000] the whole resolution of one attempt */
	sip_reg_state_h on_state;
	void *arg;
	/* Tuning; 0 means the default in brackets. */
	uint32_t t1_ms;              /* [500] SIP T1: UDP retransmissions, timer F = 64*T1 */
	uint32_t retry_base_s;       /* [30] */
	uint32_t retry_max_s;        /* [1800] */
	uint32_t connect_timeout_ms; /* [10000] */
	uint32_t keepalive_s;        /* [120] when no Flow-Timer */
	uint32_t pong_timeout_ms;    /* [10000] */
};

struct sip_reg;

/* Checks and copies the configuration (strings included). SG_E_CONFIG
 * (a bad AoR, missing host or transport), SG_E_NOMEM. Starts nothing. */
sg_err sip_reg_new(struct sip_reg **out, const struct hal *hal, const struct sip_reg_cfg *cfg,
		   struct sg_error *e);
/* Frees without sending anything; closes (not destroys) the transport.
 * Not from a callback. */
void sip_reg_free(struct sip_reg *r);

/* The network under the connection changed (its local address went
 * away): registered, the transport is closed and a new connection
 * registers again at once (the Contact carries the new local address);
 * in other phases nothing (an attempt under way, or one scheduled,
 * connects anew anyway). why: for the report. */
void sip_reg_reconnect(struct sip_reg *r, const char *why);

/* Starts registering (connect, REGISTER); progress comes through
 * on_state. SG_E_INTERNAL when the loop refuses a timer. */
sg_err sip_reg_start(struct sip_reg *r, struct sg_error *e);

/* Unregisters: REGISTER with Expires: 0 when a binding may exist, then
 * SIP_REG_UNREGISTERED once answered, or after timeout_ms (0: 5000)
 * with info->err set. When nothing was registered, UNREGISTERED follows
 * at once (from the loop). Afterwards the client stays idle. */
sg_err sip_reg_stop(struct sip_reg *r, uint32_t timeout_ms, struct sg_error *e);

/* With cfg.resolve: the targets of the current attempt and the
 * resolution's trace (n = 0 before the first resolution), and which one
 * is in use (*cur; may be n when none is). NULL without cfg.resolve. */
struct sip_target_list;
const struct sip_target_list *sip_reg_targets(const struct sip_reg *r, size_t *cur);

/* RFC 5626 with two flows (the layer above owns both clients): with
 * cfg.resolve, r leaves out of each resolved target list the target other
 * is connected or connecting to, unless it is the only one; NULL: none.
 * Not compiled in when the build has SIGNET_SIP_FLOWS 1 (a board that
 * allows one flow). */
#ifndef SIGNET_SIP_FLOWS
#define SIGNET_SIP_FLOWS 2
#endif
void sip_reg_avoid(struct sip_reg *r, const struct sip_reg *other);

/* ---- the arithmetic, exposed for tests ------------------------------- */

/* Back-off after `failures` consecutive failures (>= 1): min(max_s,
 * base_s * 2^min(failures, 6)) * (500 + rnd % 501) ms. */
uint64_t sip_reg_backoff_ms(unsigned failures, uint32_t base_s, uint32_t max_s, uint32_t rnd);
/* When to refresh a binding granted for expires_s: 90%, at least 1 s. */
uint64_t sip_reg_refresh_ms(uint32_t expires_s);
/* Keep-alive interval for a flow timer of interval_s: 80-100% of it
 * (rnd picks where), at least 1 s. */
uint64_t sip_reg_keepalive_ms(uint32_t interval_s, uint32_t rnd);

enum sip_reg_action {
	SIP_REG_ACT_WAIT,     /* 1xx */
	SIP_REG_ACT_OK,       /* 2xx */
	SIP_REG_ACT_REDIRECT, /* 3xx */
	SIP_REG_ACT_AUTH,     /* 401, 407 */
	SIP_REG_ACT_INTERVAL, /* 423 */
	SIP_REG_ACT_STOP,     /* 403, 404, 603, 604: not retried */
	SIP_REG_ACT_RETRY,    /* everything else: back off and retry */
};
enum sip_reg_action sip_reg_classify(int status);

/* The expiry granted by a 2xx to REGISTER (see above). Our contact is
 * the one with our +sip.instance (and reg-id) when instance is set, else
 * the one whose URI equals contact_uri (any case). */
struct sip_msg;
uint32_t sip_reg_granted(const struct sip_msg *m, const char *contact_uri, const char *instance,
			 uint32_t reg_id, uint32_t requested);

#endif
