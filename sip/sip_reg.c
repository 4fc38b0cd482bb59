/*
 * sip_reg.c: the registration client's state machine. Everything runs
 * from loop callbacks; callbacks to the owner come last in each path so
 * that the owner may call sip_reg_stop() from them. The Digest retry is
 * in sip_reg_auth.c, the RFC 5626 keep-alives in sip_reg_keepalive.c
 * (sip_reg_priv.h).
 */
#include <stdio.h>
#include <string.h>

#include "sg_log.h"
#include "sg_mem.h"
#include "sip_reg_priv.h"
#include "sip_tls.h"
#include "sip_tx.h"

#define REG_EXPIRES_DEFAULT 600u
#define REG_RETRY_BASE_S 30u
#define REG_RETRY_MAX_S 1800u
#define REG_CONNECT_MS 10000u
#define REG_KEEPALIVE_S 120u
#define REG_PONG_MS 10000u
#define REG_STOP_MS 5000u
#define REG_RESOLVE_MS 10000u
#define REG_MAX_CONTACTS 16
#define REG_BUF 4096

/* ---- arithmetic ------------------------------------------------------- */

uint64_t sip_reg_backoff_ms(unsigned failures, uint32_t base_s, uint32_t max_s, uint32_t rnd)
{
	unsigned sh = failures > 6 ? 6 : failures;
	uint64_t s = (uint64_t)base_s << sh;

	if (s > max_s)
		s = max_s;
	return s * (500u + rnd % 501u);
}

uint64_t sip_reg_refresh_ms(uint32_t expires_s)
{
	uint64_t ms = (uint64_t)expires_s * 900u;

	return ms < 1000 ? 1000 : ms;
}

enum sip_reg_action sip_reg_classify(int status)
{
	if (status < 200)
		return SIP_REG_ACT_WAIT;
	if (status < 300)
		return SIP_REG_ACT_OK;
	if (status < 400)
		return SIP_REG_ACT_REDIRECT;
	switch (status) {
	case 401:
	case 407:
		return SIP_REG_ACT_AUTH;
	case 423:
		return SIP_REG_ACT_INTERVAL;
	case 403:
	case 404:
	case 603:
	case 604:
		return SIP_REG_ACT_STOP;
	default:
		return SIP_REG_ACT_RETRY;
	}
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int slices_ieq(struct sip_str a, struct sip_str b)
{
	size_t i;

	if (a.len != b.len)
		return 0;
	for (i = 0; i < a.len; i++)
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
			return 0;
	return 1;
}

/* RFC 3261 19.1.4, reduced to what identifies our contact: scheme, user
 * (case-sensitive), host (any case) and port. */
static int same_uri(struct sip_str a, const char *b)
{
	struct sip_uri ua, ub;
	struct sip_str sb;

	sb.p = b;
	sb.len = strlen(b);
	if (sip_uri_parse(a, &ua, NULL) || sip_uri_parse(sb, &ub, NULL))
		return 0;
	return ua.sips == ub.sips && ua.port == ub.port && ua.user.len == ub.user.len &&
	       (!ua.user.len || !memcmp(ua.user.p, ub.user.p, ua.user.len)) &&
	       slices_ieq(ua.host, ub.host);
}

uint32_t sip_reg_granted(const struct sip_msg *m, const char *contact_uri, const char *instance,
			 uint32_t reg_id, uint32_t requested)
{
	struct sip_contact c[REG_MAX_CONTACTS];
	uint32_t v;
	int n, i;

	n = sip_msg_contacts(m, c, REG_MAX_CONTACTS, NULL);
	if (n > REG_MAX_CONTACTS)
		n = REG_MAX_CONTACTS;
	for (i = 0; i < n; i++) {
		int ours;

		if (c[i].star || c[i].expires < 0)
			continue;
		if (instance && instance[0])
			ours = sip_str_ieq(c[i].instance, instance) &&
			       (reg_id == 0 || c[i].reg_id == (long)reg_id);
		else
			ours = contact_uri && same_uri(c[i].addr.uri, contact_uri);
		if (ours)
			return (uint32_t)c[i].expires;
	}
	if (sip_msg_uint(m, SIP_HDR_EXPIRES, &v, NULL) == SIP_FOUND)
		return v;
	return requested;
}

/* ---- helpers ------------------------------------------------------------ */

static void report_info(struct sip_reg *r, enum sip_reg_state st, const struct sg_error *err,
			int will_retry, uint32_t retry_ms, int failover)
{
	struct sip_reg_info info;

	memset(&info, 0, sizeof(info));
	info.failover = failover;
	info.resolution = st == SIP_REG_FAILED && r->res_failed;
	info.failback = r->rep_fb;
	info.target = r->rep_t ? r->rep_t : r->tl && r->ti < r->tl->n ? &r->tl->t[r->ti] : NULL;
	r->res_failed = r->rep_fb = 0;
	r->rep_t = NULL;
	info.state = st;
	info.expires = r->granted;
	info.status = r->last_status;
	info.err = err;
	info.will_retry = will_retry;
	info.retry_ms = retry_ms;
	if (r->on_state)
		r->on_state(&info, r->arg);
}

static void report(struct sip_reg *r, enum sip_reg_state st, const struct sg_error *err,
		   int will_retry, uint32_t retry_ms)
{
	report_info(r, st, err, will_retry, retry_ms, 0);
}

void reg_cancel(struct sip_reg *r, int *id)
{
	if (*id >= 0)
		(void)hal_loop_cancel_timer(&r->hal->loop, *id);
	*id = -1;
}

static int rand_hex(struct sip_reg *r, char *out, size_t nbytes)
{
	static const char hx[] = "0123456789abcdef";
	uint8_t b[32];
	size_t i;

	if (nbytes > sizeof(b) || hal_rng_fill(&r->hal->rng, b, nbytes) != HAL_OK)
		return -1;
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[2 * nbytes] = '\0';
	return 0;
}

uint32_t reg_rand_u32(struct sip_reg *r)
{
	uint8_t b[4] = {0, 0, 0, 0};

	(void)hal_rng_fill(&r->hal->rng, b, sizeof(b));
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void on_timer(void *arg);

static int arm(struct sip_reg *r, uint64_t ms)
{
	reg_cancel(r, &r->timer);
	return hal_loop_add_timer(&r->hal->loop, reg_ms32(ms), on_timer, r, &r->timer);
}

/* Fills sent_by and contact_uri for the transport as it is now. */
static sg_err make_addresses(struct sip_reg *r, struct sg_error *e)
{
	const char *local = r->tp->ops->local ? r->tp->ops->local(r->tp->ctx) : NULL;
	int tls = r->tp->kind == SIP_TP_TLS;
	const char *tparam = r->tp->kind == SIP_TP_TCP ? ";transport=tcp" : "";
	int n;

	if (!local || !local[0]) {
		/* No local address from the HAL: a name that cannot resolve
		 * (RFC 6761 .invalid, as RFC 7118 does), kept for the
		 * registration's lifetime; rport and the flow carry replies. */
		if (strstr(r->sent_by, ".invalid"))
			local = r->sent_by;
		else {
			char h[13];

			if (rand_hex(r, h, 6))
				return sg_error_set(e, SG_E_INTERNAL, "REGISTER: the random source failed");
			snprintf(r->sent_by, sizeof(r->sent_by), "%s.invalid", h);
			local = r->sent_by;
		}
	}
	if (local != r->sent_by &&
	    snprintf(r->sent_by, sizeof(r->sent_by), "%s", local) >= (int)sizeof(r->sent_by))
		return sg_error_set(e, SG_E_INTERNAL, "REGISTER: local address too long");
	n = snprintf(r->contact_uri, sizeof(r->contact_uri), "%s:%s@%s%s", tls ? "sips" : "sip",
		     r->user, r->sent_by, tparam);
	if (n < 0 || (size_t)n >= sizeof(r->contact_uri))
		return sg_error_set(e, SG_E_CONFIG, "REGISTER: Contact URI too long");
	return SG_OK;
}

/* ---- sending ------------------------------------------------------------ */

static sg_err send_register(struct sip_reg *r, uint32_t expires, struct sg_error *e)
{
	struct sip_register rq;
	char bh[17], *buf = NULL, *auth = NULL;
	size_t len = 0;
	sg_err err;

	buf = sg_calloc(2, REG_BUF);
	if (!buf)
		return sg_error_set(e, SG_E_NOMEM, "REGISTER: out of memory");
	auth = buf + REG_BUF;
	err = make_addresses(r, e);
	if (err)
		goto out;
	if (rand_hex(r, bh, 8)) {
		err = sg_error_set(e, SG_E_INTERNAL, "REGISTER: the random source failed");
		goto out;
	}
	snprintf(r->branch, sizeof(r->branch), "z9hG4bK%s", bh);
	memset(&rq, 0, sizeof(rq));
	rq.request_uri = r->req_uri;
	rq.transport = r->tp->ops->name(r->tp->ctx);
	rq.sent_by = r->sent_by;
	rq.branch = r->branch;
	rq.aor = r->aor;
	rq.from_tag = r->from_tag;
	rq.call_id = r->call_id;
	rq.cseq = ++r->cseq;
	rq.contact_uri = r->contact_uri;
	rq.instance = r->instance[0] ? r->instance : NULL;
	rq.reg_id = r->reg_id;
	rq.outbound = r->outbound;
	rq.path = r->path;
	rq.expires = expires;
	rq.user_agent = r->ua[0] ? r->ua : NULL;
	err = reg_auth_header(r, &rq, auth, REG_BUF, e);
	if (err)
		goto out;
	err = sip_build_register(&rq, buf, REG_BUF, &len, e);
	if (!err)
		err = sip_tx_send(r->tx, (const uint8_t *)buf, len, r->branch, "REGISTER", e);
	if (!err)
		sg_debug(&r->hal->log, "sip: REGISTER cseq %u expires %u to %s:%u", (unsigned)r->cseq,
			 (unsigned)expires, r->cur_host, (unsigned)r->cur_port);
out:
	if (buf)
		sg_free_secret(buf, 2 * REG_BUF);
	return err;
}

/* Closes the transport when it is up. */
static void tp_close(struct sip_reg *r)
{
	if (r->tp_up)
		r->tp->ops->close(r->tp->ctx);
	r->tp_up = 0;
}

/* Ends every activity: transaction, keep-alives, timer, connection. */
static void go_idle(struct sip_reg *r)
{
	sip_tx_abort(r->tx);
	reg_keepalive_off(r);
	reg_cancel(r, &r->timer);
	sip_target_free(r->res);
	r->res = NULL;
	r->rres = 0;
	r->fb = 0;
	tp_close(r);
	r->ph = PH_IDLE;
	r->bound = 0;
}

#if SIGNET_SIP_FLOWS > 1
/* Two flows go to two targets: t is the other flow's (sip_reg_avoid)
 * while it holds a connection there. */
static int others(const struct sip_reg *r, const struct sip_target *t)
{
	const struct sip_reg *o = r->avoid;

	return o && o->ph != PH_IDLE && o->ph != PH_WAIT_RETRY && o->tl && o->ti < o->tl->n &&
	       t->port == o->cur_port && !strcmp(t->addr[0] ? t->addr : t->name, o->cur_host);
}

/* The other flow's target leaves this flow's list, unless it is the only one. */
static void avoid_other(struct sip_reg *r)
{
	size_t i, k = 0;

	for (i = 0; i < r->tl->n; i++) {
		if (others(r, &r->tl->t[i]))
			continue;
		if (k != i)
			r->tl->t[k] = r->tl->t[i];
		k++;
	}
	if (k && k < r->tl->n) {
		sg_info(&r->hal->log, "sip: %s:%u is the other flow's target: left out",
			r->avoid->cur_host, (unsigned)r->avoid->cur_port);
		r->tl->n = k;
	}
}

void sip_reg_avoid(struct sip_reg *r, const struct sip_reg *other)
{
	r->avoid = other;
}
#else
#define avoid_other(r) ((void)0)
#define others(r, t) 0
#endif

static void connect_now(struct sip_reg *r);
static void on_resolved(void *arg, sg_err code, const struct sg_error *e,
			const struct sip_target_list *l);

/* A failure that is retried. */
static void fail_retry(struct sip_reg *r, const struct sg_error *err, uint32_t retry_after_s,
		       int reconnect)
{
	uint64_t ms;

	if (r->rres) { /* a refresh's re-resolution: the flow matters first */
		sip_target_free(r->res);
		r->res = NULL;
		r->rres = 0;
	}
	sip_tx_abort(r->tx);
	reg_keepalive_off(r);
	if (reconnect)
		tp_close(r);
	if (r->fb && r->tl && r->ti < r->tl->n) {
		/* failback: the next preferred target, else the current one, at once */
		r->rep_t = &r->tl->t[r->ti];
		r->rep_fb = 1;
		tp_close(r);
		if (r->ti + 2 < r->fb) {
			r->ti++;
		} else {
			r->ti = r->fb - 1;
			r->fb = 0;
			/* the preferred ones just failed: the current one, then those after it */
			r->t_left = r->tl->n - r->ti;
		}
		r->redirected = 0;
		r->ph = PH_WAIT_RETRY;
		if (arm(r, 0) != HAL_OK)
			r->ph = PH_IDLE;
		sg_info(&r->hal->log, "sip: failback: %s; trying %s:%u", err->detail,
			r->tl->t[r->ti].name, (unsigned)r->tl->t[r->ti].port);
		report_info(r, SIP_REG_FAILED, err, r->ph == PH_WAIT_RETRY, 0, 1);
		return;
	}
	r->fb = 0;
	if (r->tl && r->tl->n && !(r->ph == PH_REGISTERED && r->failures == 0)) {
		size_t nx = r->ti;
		int found = 0;

		r->rep_t = r->ti < r->tl->n ? &r->tl->t[r->ti] : NULL;
		while (r->t_left > 1 && !found) {
			r->t_left--;
			nx = (nx + 1) % r->tl->n;
			found = !others(r, &r->tl->t[nx]); /* the other flow's: not for this one */
		}
		if (found) {
			/* RFC 3263 4.3: the next target of this attempt, at once */
			tp_close(r);
			r->ti = nx;
			r->redirected = 0;
			r->ph = PH_WAIT_RETRY;
			if (arm(r, 0) != HAL_OK)
				r->ph = PH_IDLE;
			sg_info(&r->hal->log, "sip: %s; trying the next target %s:%u", err->detail,
				r->tl->t[r->ti].name, (unsigned)r->tl->t[r->ti].port);
			report_info(r, SIP_REG_FAILED, err, r->ph == PH_WAIT_RETRY, 0, 1);
			return;
		}
		r->tl->n = 0; /* all failed: the next attempt resolves again */
		r->ti = 0;
		tp_close(r);
	}
	if (r->ph == PH_REGISTERED && r->failures == 0) {
		ms = 0; /* a flow lost while registered: reconnect at once, once */
		/* a new attempt: this target first, then every other one */
		r->t_left = r->tl ? r->tl->n : 0;
	} else {
		r->failures++;
		ms = retry_after_s
			     ? (uint64_t)(retry_after_s > r->retry_max_s ? r->retry_max_s
									 : retry_after_s) * 1000u
			     : sip_reg_backoff_ms(r->failures, r->retry_base_s, r->retry_max_s,
						  reg_rand_u32(r));
	}
	/* The next attempt starts from the configured registrar again. */
	r->redirected = 0;
	r->ph = PH_WAIT_RETRY;
	if (arm(r, ms) != HAL_OK)
		r->ph = PH_IDLE;
	sg_info(&r->hal->log, "sip: registration failed (%s); retry in %u ms", err->detail,
		(unsigned)reg_ms32(ms));
	report(r, SIP_REG_FAILED, err, r->ph == PH_WAIT_RETRY, reg_ms32(ms));
}

/* A failure that ends the registration attempt for good. */
static void fail_stop(struct sip_reg *r, const struct sg_error *err)
{
	go_idle(r);
	sg_info(&r->hal->log, "sip: registration stopped: %s", err->detail);
	report(r, SIP_REG_FAILED, err, 0, 0);
}

static void finish_unreg(struct sip_reg *r, const struct sg_error *err)
{
	reg_cancel(r, &r->stop_timer);
	go_idle(r);
	r->granted = 0;
	report(r, SIP_REG_UNREGISTERED, err, 0, 0);
}

void reg_flow_failed(struct sip_reg *r, const struct sg_error *err)
{
	if (r->ph == PH_UNREGISTERING)
		finish_unreg(r, err);
	else
		fail_retry(r, err, 0, 1);
}

/* Sends the REGISTER the phase calls for; failures go the usual way. */
static void send_now(struct sip_reg *r)
{
	struct sg_error err;
	int unreg = r->ph == PH_UNREGISTERING;
	int first = r->ph == PH_CONNECTING || r->ph == PH_WAIT_RETRY;

	sg_error_init(&err);
	if (!unreg)
		r->ph = PH_REGISTERING;
	if (send_register(r, unreg ? 0 : r->expires_cur, &err) == SG_OK) {
		if (!unreg)
			r->bound = 1;
		if (first)
			report(r, SIP_REG_SENT, NULL, 0, 0);
		return;
	}
	if (unreg)
		finish_unreg(r, &err);
	else if (err.code == SG_E_NETWORK)
		fail_retry(r, &err, 0, 1);
	else
		fail_stop(r, &err);
}

/* ---- responses -------------------------------------------------------- */

static void on_ok(struct sip_reg *r, const struct sip_msg *m)
{
	if (r->ph == PH_UNREGISTERING) {
		finish_unreg(r, NULL);
		return;
	}
	r->granted = sip_reg_granted(m, r->contact_uri, r->instance, r->reg_id, r->expires_cur);
	if (r->granted == 0) {
		struct sg_error err;

		sg_error_init(&err);
		sg_error_set(&err, SG_E_REFUSED,
			     "the registrar answered %d but granted 0 seconds to our contact",
			     m->status);
		fail_retry(r, &err, 0, 0);
		return;
	}
	r->failures = 0;
	r->ph = PH_REGISTERED;
	r->rep_fb = r->fb != 0;
	r->fb = 0;
	(void)arm(r, sip_reg_refresh_ms(r->granted));
	reg_keepalive_start(r, m);
	sg_info(&r->hal->log, "sip: registered for %u s at %s:%u%s", (unsigned)r->granted,
		r->cur_host, (unsigned)r->cur_port, r->rep_fb ? " (failback)" : "");
	report(r, SIP_REG_REGISTERED, NULL, 0, 0);
}

static void on_redirect(struct sip_reg *r, const struct sip_msg *m)
{
	struct sip_contact c[1];
	struct sip_uri u;
	struct sg_error err;
	char host[256], portstr[8] = "";
	int n, v6;

	sg_error_init(&err);
	n = sip_msg_contacts(m, c, 1, &err);
	if (r->redirected) {
		sg_error_set(&err, SG_E_REFUSED, "redirected (%d) a second time", m->status);
		fail_retry(r, &err, 0, 0);
		return;
	}
	if (n <= 0 || c[0].star || sip_uri_parse(c[0].addr.uri, &u, &err) ||
	    sip_str_copy(u.host, host, sizeof(host))) {
		if (n == 0)
			sg_error_set(&err, SG_E_MALFORMED, "%d redirect without a Contact",
				     m->status);
		else if (!err.code)
			sg_error_set(&err, SG_E_MALFORMED, "%d redirect to an unusable Contact",
				     m->status);
		fail_retry(r, &err, 0, 0);
		return;
	}
	v6 = strchr(host, ':') != NULL;
	if (u.port)
		snprintf(portstr, sizeof(portstr), ":%u", (unsigned)u.port);
	snprintf(r->req_uri, sizeof(r->req_uri), "%s:%s%s%s%s", u.sips ? "sips" : "sip",
		 v6 ? "[" : "", host, v6 ? "]" : "", portstr);
	snprintf(r->cur_host, sizeof(r->cur_host), "%s", host);
	r->cur_port = u.port ? u.port : (r->tp->kind == SIP_TP_TLS ? 5061 : 5060);
	r->redirected = 1;
	sg_info(&r->hal->log, "sip: redirected (%d) to %s:%u", m->status, r->cur_host,
		(unsigned)r->cur_port);
	sip_tx_abort(r->tx);
	tp_close(r);
	r->ph = PH_CONNECTING;
	if (arm(r, 0) != HAL_OK) {
		sg_error_set(&err, SG_E_INTERNAL, "cannot add a loop timer");
		fail_stop(r, &err);
	}
}

static void on_final(struct sip_reg *r, const struct sip_msg *m)
{
	struct sg_error err;
	uint32_t v = 0;
	int rc;

	sg_error_init(&err);
	r->last_status = m->status;
	switch (sip_reg_classify(m->status)) {
	case SIP_REG_ACT_WAIT:
		return;
	case SIP_REG_ACT_OK:
		on_ok(r, m);
		return;
	case SIP_REG_ACT_AUTH:
		if (reg_auth_challenge(r, m, &err) == SG_OK) {
			send_now(r);
			return;
		}
		break;
	case SIP_REG_ACT_INTERVAL:
		rc = sip_msg_uint(m, SIP_HDR_MIN_EXPIRES, &v, &err);
		if (rc == SIP_FOUND && v > r->expires_cur && r->ph != PH_UNREGISTERING) {
			sg_info(&r->hal->log, "sip: 423: asking for %u s instead of %u s",
				(unsigned)v, (unsigned)r->expires_cur);
			r->expires_cur = v;
			send_now(r);
			return;
		}
		if (rc != SIP_BAD)
			sg_error_set(&err, SG_E_REFUSED,
				     "423 Interval Too Brief without a larger Min-Expires");
		break;
	case SIP_REG_ACT_REDIRECT:
		if (r->ph != PH_UNREGISTERING) {
			on_redirect(r, m);
			return;
		}
		break;
	case SIP_REG_ACT_STOP:
	case SIP_REG_ACT_RETRY:
		break;
	}
	if (!err.code)
		sg_error_set(&err, sip_reg_classify(m->status) == SIP_REG_ACT_STOP ? SG_E_REFUSED
										  : SG_E_NETWORK,
			     "the registrar answered %d %.*s for %s", m->status,
			     (int)(m->reason.len > 80 ? 80 : m->reason.len), m->reason.p, r->aor);
	if (r->ph == PH_UNREGISTERING) {
		finish_unreg(r, &err);
		return;
	}
	if (err.code == SG_E_REFUSED) {
		/* a registrar that refuses us (403, ...) may refuse the
		 * certificate: its TLS sessions are not resumed */
		sip_tp_tls_forget(r->tp);
		fail_stop(r, &err);
		return;
	}
	if (sip_msg_retry_after(m, &v, NULL) != SIP_FOUND)
		v = 0;
	fail_retry(r, &err, v, 0);
}

static void on_tx(const struct sip_msg *resp, const struct sg_error *e, void *arg)
{
	struct sip_reg *r = arg;

	if (resp) {
		on_final(r, resp);
		return;
	}
	reg_flow_failed(r, e);
}

/* ---- transport -------------------------------------------------------- */

static void on_msg(const uint8_t *msg, size_t len, void *arg)
{
	struct sip_reg *r = arg;
	struct sip_msg *m = sg_calloc(1, sizeof(*m));
	struct sg_error perr, err;

	sg_error_init(&perr);
	sg_error_init(&err);
	if (!m)
		return;
	if (sip_msg_parse(m, msg, len, &perr) != SG_OK) {
		/* Nothing to match it to, but a transaction waiting on this
		 * registrar will not get a better answer: say why now. */
		sg_warn(&r->hal->log, "sip: malformed message from %s:%u: %s", r->cur_host,
			(unsigned)r->cur_port, perr.detail);
		if (sip_tx_state(r->tx) == SIP_TX_TRYING || sip_tx_state(r->tx) == SIP_TX_PROCEEDING) {
			sg_error_set(&err, SG_E_MALFORMED, "the registrar %s:%u sent malformed SIP: %s",
				     r->cur_host, (unsigned)r->cur_port, perr.detail);
			reg_flow_failed(r, &err);
		}
		goto out;
	}
	if (m->is_request) {
		sg_debug(&r->hal->log, "sip: ignoring a %.*s request from the registrar",
			 (int)(m->method.len > 32 ? 32 : m->method.len), m->method.p);
		goto out;
	}
	if (!sip_tx_recv(r->tx, m))
		sg_debug(&r->hal->log, "sip: dropping a %d response to another request", m->status);
out:
	sg_free(m);
}

static void on_event(enum sip_tp_event ev, const struct sg_error *e, void *arg)
{
	struct sip_reg *r = arg;
	struct sg_error err;

	switch (ev) {
	case SIP_TP_PONG:
		reg_keepalive_pong(r);
		return;
	case SIP_TP_UP:
		r->tp_up = 1;
		if (r->ph == PH_CONNECTING || r->ph == PH_UNREGISTERING)
			send_now(r);
		return;
	case SIP_TP_DOWN:
		break;
	}
	r->tp_up = 0;
	sg_error_init(&err);
	if (e && e->code)
		err = *e;
	else
		sg_error_set(&err, SG_E_NETWORK, "connection to %s:%u lost", r->cur_host,
			     (unsigned)r->cur_port);
	switch (r->ph) {
	case PH_UNREGISTERING:
		finish_unreg(r, &err);
		return;
	case PH_CONNECTING:
	case PH_REGISTERING:
	case PH_REGISTERED:
		fail_retry(r, &err, 0, 0);
		return;
	default:
		return;
	}
}

static void open_now(struct sip_reg *r)
{
	struct sg_error err;

	sg_error_init(&err);
	tp_close(r);
	if (r->ph != PH_UNREGISTERING)
		r->ph = PH_CONNECTING;
	r->tp->target_name = r->tl && !r->redirected && r->ti < r->tl->n ? r->tl->t[r->ti].name
									 : NULL;
	if (r->tp->ops->open(r->tp->ctx, r->cur_host, r->cur_port, (int)r->connect_ms, &err) !=
	    SG_OK) {
		if (r->ph == PH_UNREGISTERING)
			finish_unreg(r, &err);
		else
			fail_retry(r, &err, 0, 0);
	}
}

static void use_target(struct sip_reg *r)
{
	const struct sip_target *t = &r->tl->t[r->ti];

	snprintf(r->cur_host, sizeof(r->cur_host), "%s", t->addr[0] ? t->addr : t->name);
	r->cur_port = t->port;
}

/* Takes a new list (copied): resolved now, valid for its smallest TTL. */
static void set_list(struct sip_reg *r, const struct sip_target_list *l)
{
	size_t i;

	*r->tl = *l;
	r->tl_at = hal_clock_mono_ms(&r->hal->clock);
	r->tl_ttl = 0;
	for (i = 0; i < r->tl->n; i++)
		if (r->tl->t[i].ttl && (!r->tl_ttl || r->tl->t[i].ttl < r->tl_ttl))
			r->tl_ttl = r->tl->t[i].ttl;
}

static int list_expired(struct sip_reg *r)
{
	return r->tl_ttl &&
	       hal_clock_mono_ms(&r->hal->clock) - r->tl_at >= (uint64_t)r->tl_ttl * 1000u;
}

/* Failback (sip_reg.h): registered on target ti > 0; try 0.. first. */
static void failback_start(struct sip_reg *r)
{
	sg_info(&r->hal->log, "sip: failback: trying the preferred target %s:%u before %s:%u",
		r->tl->t[0].name, (unsigned)r->tl->t[0].port, r->tl->t[r->ti].name,
		(unsigned)r->tl->t[r->ti].port);
	r->fb = r->ti + 1;
	sip_tx_abort(r->tx);
	reg_keepalive_off(r);
	tp_close(r);
	r->ti = 0;
	r->ph = PH_CONNECTING;
	connect_now(r);
}

static void refresh_resolved(struct sip_reg *r, sg_err code, const struct sg_error *e,
			     const struct sip_target_list *l);

/* The refresh timer: re-resolve once the list expired, fail back when
 * registered on a target that is not the preferred one, else refresh
 * over the flow (reopened when it is down). */
static void refresh(struct sip_reg *r)
{
	if (r->tl && r->tl->n && r->ti < r->tl->n && !r->redirected) {
		if (!r->rres && list_expired(r)) {
			sip_target_free(r->res);
			r->res = NULL;
			r->rres = 1;
			if (sip_target_resolve(&r->res, r->hal, r->host, r->resolve_ms, on_resolved,
					       r, NULL) == SG_OK)
				return;
			r->rres = 0;
			r->tl_at = hal_clock_mono_ms(&r->hal->clock);
		}
		if (r->ti > 0) {
			failback_start(r);
			return;
		}
	}
	if (r->tp_up) {
		send_now(r);
		return;
	}
	connect_now(r);
}

static void on_resolved(void *arg, sg_err code, const struct sg_error *e,
			const struct sip_target_list *l)
{
	struct sip_reg *r = arg;
	struct sg_error err;

	if (r->rres) {
		refresh_resolved(r, code, e, l);
		return;
	}
	/* e and l live in the resolution: copied before it is freed */
	if (code != SG_OK) {
		err = *e;
		sip_target_free(r->res);
		r->res = NULL;
		r->res_failed = 1;
		if (r->ph == PH_UNREGISTERING)
			finish_unreg(r, &err);
		else
			fail_retry(r, &err, 0, 0);
		return;
	}
	set_list(r, l);
	sip_target_free(r->res);
	r->res = NULL;
	r->ti = 0;
	avoid_other(r);
	r->t_left = r->tl->n;
	use_target(r);
	open_now(r);
}

/* A refresh's re-resolution: the registration goes on; the target in use
 * is found in the new list (kept as its last entry when it left it), and
 * a failure keeps the old list for another TTL. */
static void refresh_resolved(struct sip_reg *r, sg_err code, const struct sg_error *e,
			     const struct sip_target_list *l)
{
	struct sip_target cur = r->tl->t[r->ti];

	r->rres = 0;
	if (code == SG_OK) {
		size_t k;

		set_list(r, l);
		avoid_other(r);
		for (k = 0; k < r->tl->n; k++)
			if (r->tl->t[k].port == cur.port && !strcmp(r->tl->t[k].name, cur.name) &&
			    !strcmp(r->tl->t[k].addr, cur.addr))
				break;
		if (k == r->tl->n) {
			k = k < SIP_TARGET_MAX ? k : SIP_TARGET_MAX - 1;
			r->tl->t[k] = cur;
			r->tl->n = k + 1;
		}
		r->ti = k;
	} else {
		sg_info(&r->hal->log, "sip: %s; keeping the targets resolved before", e->detail);
		r->tl_at = hal_clock_mono_ms(&r->hal->clock);
	}
	sip_target_free(r->res);
	r->res = NULL;
	refresh(r);
}

static void connect_now(struct sip_reg *r)
{
	struct sg_error err;

	sg_error_init(&err);
	if (!r->redirected) {
		snprintf(r->cur_host, sizeof(r->cur_host), "%s", r->host);
		r->cur_port = r->port;
		snprintf(r->req_uri, sizeof(r->req_uri), "%s", r->req_uri_cfg);
		if (r->tl && r->tl->n) {
			use_target(r);
		} else if (r->tl) {
			tp_close(r);
			if (r->ph != PH_UNREGISTERING)
				r->ph = PH_CONNECTING;
			sip_target_free(r->res);
			r->res = NULL;
			if (sip_target_resolve(&r->res, r->hal, r->host, r->resolve_ms, on_resolved, r,
					       &err) != SG_OK) {
				if (r->ph == PH_UNREGISTERING)
					finish_unreg(r, &err);
				else
					fail_retry(r, &err, 0, 0);
			}
			return;
		}
		if (!r->cur_port)
			r->cur_port = r->tp->kind == SIP_TP_TLS ? 5061 : 5060;
	}
	open_now(r);
}

static void on_timer(void *arg)
{
	struct sip_reg *r = arg;

	r->timer = -1;
	switch (r->ph) {
	case PH_REGISTERED:
		refresh(r);
		return;
	case PH_WAIT_RETRY:
	case PH_CONNECTING:
		if (r->tp_up && r->ph == PH_WAIT_RETRY) {
			send_now(r);
			if (r->ph == PH_REGISTERING)
				report(r, SIP_REG_REGISTERING, NULL, 0, 0);
			return;
		}
		connect_now(r);
		if (r->ph == PH_CONNECTING)
			report(r, SIP_REG_REGISTERING, NULL, 0, 0);
		return;
	case PH_UNREGISTERING:
		if (r->tp_up)
			send_now(r);
		else
			connect_now(r);
		return;
	case PH_IDLE:
		/* sip_reg_stop() with nothing to remove */
		report(r, SIP_REG_UNREGISTERED, NULL, 0, 0);
		return;
	default:
		return;
	}
}

static void on_stop_timeout(void *arg)
{
	struct sip_reg *r = arg;
	struct sg_error err;

	r->stop_timer = -1;
	sg_error_init(&err);
	sg_error_set(&err, SG_E_NETWORK, "no answer to the unregistration from %s:%u in time",
		     r->cur_host, (unsigned)r->cur_port);
	finish_unreg(r, &err);
}

/* ---- public ------------------------------------------------------------- */

static int copy(char *dst, size_t cap, const char *src)
{
	return snprintf(dst, cap, "%s", src ? src : "") >= (int)cap;
}

sg_err sip_reg_new(struct sip_reg **out, const struct hal *hal, const struct sip_reg_cfg *cfg,
		   struct sg_error *e)
{
	struct sip_reg *r;
	struct sip_uri u;
	struct sip_str s;
	sg_err err = SG_OK;

	*out = NULL;
	if (!cfg->tp || !cfg->tp->ops || !cfg->registrar_host || !cfg->registrar_host[0] ||
	    !cfg->aor)
		return sg_error_set(e, SG_E_CONFIG,
				    "SIP registration: registrar host, AoR and transport are needed");
	s.p = cfg->aor;
	s.len = strlen(cfg->aor);
	if (sip_uri_parse(s, &u, e) || !u.user.len)
		return sg_error_set(e, SG_E_CONFIG,
				    "SIP registration: the user \"%.100s\" is not a sip:user@domain URI",
				    cfg->aor);
	r = sg_calloc(1, sizeof(*r));
	if (!r)
		return sg_error_set(e, SG_E_NOMEM, "SIP registration: out of memory");
	r->hal = hal;
	r->tp = cfg->tp;
	r->on_state = cfg->on_state;
	r->arg = cfg->arg;
	r->resolve_ms = cfg->resolve_timeout_ms ? cfg->resolve_timeout_ms : REG_RESOLVE_MS;
	if (cfg->resolve && !(r->tl = sg_calloc(1, sizeof(*r->tl)))) {
		sg_free(r);
		return sg_error_set(e, SG_E_NOMEM, "SIP registration: out of memory");
	}
	r->timer = r->ka_timer = r->pong_timer = r->stop_timer = -1;
	r->port = cfg->registrar_port;
	r->expires_cfg = cfg->expires ? cfg->expires : REG_EXPIRES_DEFAULT;
	r->reg_id = cfg->reg_id;
	r->outbound = cfg->outbound;
	r->path = cfg->path;
	r->retry_base_s = cfg->retry_base_s ? cfg->retry_base_s : REG_RETRY_BASE_S;
	r->retry_max_s = cfg->retry_max_s ? cfg->retry_max_s : REG_RETRY_MAX_S;
	r->connect_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms : REG_CONNECT_MS;
	r->keepalive_s = cfg->keepalive_s ? cfg->keepalive_s : REG_KEEPALIVE_S;
	r->pong_ms = cfg->pong_timeout_ms ? cfg->pong_timeout_ms : REG_PONG_MS;
	if (copy(r->host, sizeof(r->host), cfg->registrar_host) ||
	    copy(r->aor, sizeof(r->aor), cfg->aor) ||
	    sip_str_copy(u.host, r->domain, sizeof(r->domain)) ||
	    copy(r->ua, sizeof(r->ua), cfg->user_agent)) {
		err = sg_error_set(e, SG_E_CONFIG, "SIP registration: a name is too long");
		goto out;
	}
	if (cfg->contact_user ? copy(r->user, sizeof(r->user), cfg->contact_user)
			      : sip_str_copy(u.user, r->user, sizeof(r->user))) {
		err = sg_error_set(e, SG_E_CONFIG, "SIP registration: user name too long");
		goto out;
	}
	if (cfg->auth_user ? copy(r->auth_user, sizeof(r->auth_user), cfg->auth_user)
			   : sip_str_copy(u.user, r->auth_user, sizeof(r->auth_user))) {
		err = sg_error_set(e, SG_E_CONFIG, "SIP registration: auth user name too long");
		goto out;
	}
	if (cfg->instance && cfg->instance[0] &&
	    snprintf(r->instance, sizeof(r->instance), "%s%s",
		     strncmp(cfg->instance, "urn:", 4) ? "urn:uuid:" : "", cfg->instance) >=
		    (int)sizeof(r->instance)) {
		err = sg_error_set(e, SG_E_CONFIG, "SIP registration: instance id too long");
		goto out;
	}
	if (cfg->request_uri ? copy(r->req_uri_cfg, sizeof(r->req_uri_cfg), cfg->request_uri)
			     : snprintf(r->req_uri_cfg, sizeof(r->req_uri_cfg), "%s:%s",
					cfg->tp->kind == SIP_TP_TLS ? "sips" : "sip", r->domain) >=
				       (int)sizeof(r->req_uri_cfg)) {
		err = sg_error_set(e, SG_E_CONFIG, "SIP registration: request URI too long");
		goto out;
	}
	if (strpbrk(r->user, "@;<>\" \r\n") || strpbrk(r->host, "\r\n ") ||
	    strpbrk(r->instance, "\"<> \r\n") || strpbrk(r->ua, "\r\n")) {
		err = sg_error_set(e, SG_E_CONFIG,
				   "SIP registration: the contact user, host, instance or user agent "
				   "holds characters SIP does not allow there");
		goto out;
	}
	if (cfg->password && reg_auth_set_password(r, cfg->password, cfg->password_len)) {
		err = sg_error_set(e, SG_E_NOMEM, "SIP registration: out of memory");
		goto out;
	}
	err = sip_tx_new(&r->tx, hal, r->tp, &(struct sip_tx_timers){cfg->t1_ms, 0, 0}, on_tx, r,
			 e);
	if (err)
		goto out;
	if (rand_hex(r, r->call_id, 16) || rand_hex(r, r->from_tag, 8)) {
		err = sg_error_set(e, SG_E_INTERNAL, "SIP registration: the random source failed");
		goto out;
	}
	r->cseq = reg_rand_u32(r) % 10000u; /* RFC 3261 8.1.1.5: any start below 2^31 */
	r->tp->on_msg = on_msg;
	r->tp->on_event = on_event;
	r->tp->arg = r;
out:
	if (err) {
		sip_reg_free(r);
		return err;
	}
	*out = r;
	return SG_OK;
}

void sip_reg_reconnect(struct sip_reg *r, const char *why)
{
	struct sg_error err;

	if (!r || r->ph != PH_REGISTERED)
		return;
	sg_error_init(&err);
	sg_error_set(&err, SG_E_NETWORK, "%s", why ? why : "the network changed");
	r->failures = 0;
	fail_retry(r, &err, 0, 1);
}

void sip_reg_free(struct sip_reg *r)
{
	if (!r)
		return;
	reg_cancel(r, &r->timer);
	reg_keepalive_off(r);
	reg_cancel(r, &r->stop_timer);
	sip_target_free(r->res);
	sg_free(r->tl);
	sip_tx_free(r->tx);
	if (r->tp)
		r->tp->target_name = NULL;
	if (r->tp && r->tp->arg == r) {
		r->tp->ops->close(r->tp->ctx);
		r->tp->on_msg = NULL;
		r->tp->on_event = NULL;
		r->tp->arg = NULL;
	}
	reg_auth_wipe(r);
	sg_free(r);
}

sg_err sip_reg_start(struct sip_reg *r, struct sg_error *e)
{
	r->failures = 0;
	r->redirected = 0;
	r->expires_cur = r->expires_cfg;
	r->ph = PH_CONNECTING;
	if (arm(r, 0) != HAL_OK) {
		r->ph = PH_IDLE;
		return sg_error_set(e, SG_E_INTERNAL, "SIP registration: cannot add a loop timer");
	}
	return SG_OK;
}

sg_err sip_reg_stop(struct sip_reg *r, uint32_t timeout_ms, struct sg_error *e)
{
	int was_bound = r->bound && r->ph != PH_IDLE;

	reg_cancel(r, &r->timer);
	reg_cancel(r, &r->stop_timer);
	reg_keepalive_off(r);
	sip_tx_abort(r->tx);
	sip_target_free(r->res);
	r->res = NULL;
	r->rres = 0;
	if (r->fb && r->tl) { /* failback under way: unregister where we were */
		r->ti = r->fb - 1;
		tp_close(r);
	}
	r->fb = 0;
	if (!was_bound) {
		tp_close(r);
		r->ph = PH_IDLE;
		if (arm(r, 0) != HAL_OK)
			return sg_error_set(e, SG_E_INTERNAL, "SIP: cannot add a loop timer");
		return SG_OK;
	}
	r->ph = PH_UNREGISTERING;
	/* From the loop (on_timer): over the connection when it is up, else
	 * after reconnecting; bounded by the stop timer either way. */
	if (hal_loop_add_timer(&r->hal->loop, timeout_ms ? timeout_ms : REG_STOP_MS,
			       on_stop_timeout, r, &r->stop_timer) != HAL_OK ||
	    arm(r, 0) != HAL_OK)
		return sg_error_set(e, SG_E_INTERNAL, "SIP: cannot add a loop timer");
	return SG_OK;
}

const struct sip_target_list *sip_reg_targets(const struct sip_reg *r, size_t *cur)
{
	if (cur)
		*cur = r->tl ? r->ti : 0;
	return r->tl;
}
