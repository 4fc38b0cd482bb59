/*
 * sip_reg_priv.h: what the registration client's files share; not for
 * users of sip_reg.h. The client is one object (struct sip_reg) whose
 * mechanisms live in one file each:
 *   sip_reg.c            the registration state machine: REGISTER,
 *                        refresh, 423, 3xx, failures and back-off,
 *                        unregistration, the transport's events;
 *   sip_reg_auth.c       the Digest retry (401/407): which challenge to
 *                        answer, once per nonce, the Authorization
 *                        header, the password kept for it and its wipe;
 *   sip_reg_keepalive.c  RFC 5626 keep-alives on reliable transports:
 *                        CRLF pings, pongs, a dead flow.
 * Everything runs from loop callbacks on one thread.
 */
#ifndef SIP_REG_PRIV_H
#define SIP_REG_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "sg_err.h"
#include "sip_digest.h"
#include "sip_msg.h"
#include "sip_reg.h"
#include "sip_target.h"
#include "sip_tp.h"

struct sip_tx;

enum reg_phase {
	PH_IDLE,         /* not started, or stopped for good */
	PH_CONNECTING,   /* waiting for the transport */
	PH_REGISTERING,  /* REGISTER sent */
	PH_REGISTERED,   /* waiting to refresh */
	PH_WAIT_RETRY,   /* backing off */
	PH_UNREGISTERING,
};

struct sip_reg {
	const struct hal *hal;
	struct sip_tp *tp;
	struct sip_tx *tx;
	sip_reg_state_h on_state;
	void *arg;

	/* configuration */
	char host[256];
	uint16_t port;
	char aor[256];
	char domain[256];
	char req_uri_cfg[300];
	char user[128];          /* contact user */
	char instance[128];      /* "urn:uuid:..." or "" */
	char ua[128];
	uint32_t expires_cfg, reg_id;
	int outbound, path;
	uint32_t retry_base_s, retry_max_s, connect_ms;

	/* where we register now (a 3xx may move it) */
	char cur_host[256];
	uint16_t cur_port;
	char req_uri[300];
	int redirected;

	/* RFC 3263 (cfg.resolve): the targets of this attempt, the one in use */
	int resolve;
	uint32_t resolve_ms;
	struct sip_target_res *res; /* a resolution running */
	struct sip_target_list *tl; /* NULL without resolve; n = 0: resolve first */
	size_t ti;
	size_t t_left;              /* targets of this attempt not yet tried, ti's
				     * included (tried from ti on, wrapping round) */
	int res_failed;             /* the failure being reported is the resolution's */
	uint64_t tl_at;             /* when tl was resolved (monotonic ms) */
	uint32_t tl_ttl;            /* its smallest TTL (s); 0: none from DNS */
	int rres;                   /* res is a refresh's re-resolution (registered) */
	size_t fb;                  /* failback: 1 + the index of the target registered
				     * on while the preferred ones are tried; 0: none */
	int rep_fb;                 /* the report being made is about failback */
	const struct sip_target *rep_t; /* the target the report is about */
	const struct sip_reg *avoid; /* the other flow (sip_reg_avoid) */

	/* the registration's identity (RFC 3261 10.2.4: the same for refreshes) */
	char call_id[40];
	char from_tag[20];
	char branch[40];
	uint32_t cseq;
	char sent_by[300];
	char contact_uri[400];

	/* state */
	enum reg_phase ph;
	int tp_up;
	int bound;               /* a binding may exist at the registrar */
	uint32_t expires_cur;    /* what we ask for (raised by 423) */
	uint32_t granted;
	unsigned failures;
	int last_status;
	int timer, stop_timer;

	/* the Digest retry (sip_reg_auth.c) */
	char auth_user[128];
	uint8_t *pw;             /* NULL: no credentials */
	size_t pw_len;
	struct sip_digest dig;
	int have_dig;
	int dig_fresh;           /* the challenge in dig has not been answered yet */

	/* RFC 5626 keep-alives (sip_reg_keepalive.c) */
	uint32_t keepalive_s, pong_ms;
	int ka_timer, pong_timer;
	int ka_on;
	uint32_t flow_s;
};

static inline uint32_t reg_ms32(uint64_t ms)
{
	return ms > 0xffffffffu ? 0xffffffffu : (uint32_t)ms;
}

/* ---- sip_reg.c, for the mechanisms ----------------------------------- */

/* Cancels the loop timer *id when set; *id becomes -1. */
void reg_cancel(struct sip_reg *r, int *id);
/* 32 random bits from the HAL (0 when it fails). */
uint32_t reg_rand_u32(struct sip_reg *r);
/* The flow or the request failed (err says why): an unregistration ends
 * there; a registration is retried, over a new connection, after the
 * back-off. */
void reg_flow_failed(struct sip_reg *r, const struct sg_error *err);

/* ---- sip_reg_auth.c ---------------------------------------------------- */

/* Keeps a copy of the password (len bytes) for re-authentication; -1
 * when out of memory. */
int reg_auth_set_password(struct sip_reg *r, const char *password, size_t len);
/* Wipes and frees the password and the Digest state. */
void reg_auth_wipe(struct sip_reg *r);
/* A 401/407: takes the strongest challenge we can answer. SG_OK: send
 * the REGISTER again; SG_E_REFUSED when there is no password or the
 * same nonce came back (the password was wrong); SG_E_MALFORMED. */
sg_err reg_auth_challenge(struct sip_reg *r, const struct sip_msg *m, struct sg_error *e);
/* Fills rq->auth_name/auth_value (in buf, cap bytes) when a challenge is
 * held and a password configured; nothing otherwise. */
sg_err reg_auth_header(struct sip_reg *r, struct sip_register *rq, char *buf, size_t cap,
		       struct sg_error *e);

/* ---- sip_reg_keepalive.c ----------------------------------------------- */

/* After a 2xx: stops keep-alives, then starts them when the transport is
 * reliable and m carries "Require: outbound" (every Flow-Timer seconds,
 * else keepalive_s). */
void reg_keepalive_start(struct sip_reg *r, const struct sip_msg *m);
/* Stops the pings and the wait for a pong. */
void reg_keepalive_off(struct sip_reg *r);
/* The transport saw a pong: the flow is alive. */
void reg_keepalive_pong(struct sip_reg *r);

#endif
