/* session.c: one sign-in, step by step (see session.h). The steps were
 * `signet signin`'s; `signet run` repeats them for every card. */
#define _GNU_SOURCE
#include "session.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "certcheck.h"
#include "certinfo.h"
#include "revoke.h"
#include "sip_msg.h"
#include "sip_target.h"
#include "sip_tls.h"
#include "trust.h"
#include "sip_transports.h"
#include "token_pk.h"

void session_init(struct session *s, struct cli *c)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->addr_h = -1;
	mbedtls_x509_crt_init(&s->anchors);
	mbedtls_x509_crt_init(&s->chain);
	mbedtls_x509_crt_init(&s->pool);
	mbedtls_x509_crt_init(&s->reg_anchors);
	mbedtls_x509_crt_init(&s->peer);
	mbedtls_x509_crt_init(&s->peer_issuer);
	crl_list_init(&s->crls);
	mbedtls_pk_init(&s->key);
}

void session_say(struct session *s, const char *fmt, ...)
{
	va_list ap;
	uint64_t ms = hal_clock_mono_ms(&s->c->hal.clock) - s->c->t0;

	if (s->quiet && !s->c->verbose)
		return;
	printf("[%6llu ms] ", (unsigned long long)ms);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Plain UDP/TCP authenticates no registrar and carries REGISTER in clear:
 * refused unless [sip] insecure_transport says this is a lab. Runs in
 * session_settle, so before any token is opened or PIN asked for. */
static sg_err check_transport(const struct session *s, struct sg_error *e)
{
	if (s->kind == SIP_TP_TLS || s->c->cfg.sip_insecure_transport)
		return SG_OK;
	return sg_error_set(e, SG_E_CONFIG,
			    "the registrar %s is not reached over TLS but over plain %s: nothing "
			    "would authenticate it and REGISTER would travel in clear; use "
			    "sips:%s[:PORT] or sip:%s[:PORT];transport=tls (a lab without TLS may "
			    "set [sip] insecure_transport = yes)",
			    s->registrar, s->kind == SIP_TP_TCP ? "TCP" : "UDP", s->host, s->host);
}

/* "sips:host[:port]", "sip:host[:port][;transport=tcp|udp|tls]", or empty:
 * sips: and the AoR's domain. */
static sg_err parse_registrar(struct session *s, struct sg_error *e)
{
	const char *reg = s->registrar;
	struct sip_uri ru, au;
	struct sip_str v;
	char buf[300];

	if (sip_uri_parse((struct sip_str){s->user, strlen(s->user)}, &au, e))
		return sg_error_set(e, SG_E_CONFIG, "the user %s is not a SIP URI: %s", s->user,
				    e ? e->detail : "");
	if (!reg || !*reg) {
		if (sip_str_copy(au.host, s->host, sizeof(s->host)))
			return sg_error_set(e, SG_E_CONFIG, "the user's domain is too long");
		s->kind = SIP_TP_TLS;
		s->port = 5061;
		s->resolve = 1; /* RFC 3263: NAPTR, SRV, A/AAAA (sip_target.h) */
		return SG_OK;
	}
	snprintf(buf, sizeof(buf), "%s", reg);
	if (sip_uri_parse((struct sip_str){buf, strlen(buf)}, &ru, e) ||
	    sip_str_copy(ru.host, s->host, sizeof(s->host)))
		return sg_error_set(e, SG_E_CONFIG,
				    "the registrar must be sips:HOST[:PORT] or sip:HOST[:PORT]");
	s->kind = ru.sips ? SIP_TP_TLS : SIP_TP_UDP;
	if (!ru.sips && sip_param(ru.params, ';', "transport", &v)) {
		if (sip_str_ieq(v, "tcp"))
			s->kind = SIP_TP_TCP;
		else if (sip_str_ieq(v, "tls"))
			s->kind = SIP_TP_TLS;
		else if (!sip_str_ieq(v, "udp"))
			return sg_error_set(e, SG_E_CONFIG, "transport must be udp, tcp or tls");
	}
	s->port = ru.port ? ru.port : s->kind == SIP_TP_TLS ? 5061 : 5060;
	/* RFC 3263 4.2: a TLS registrar named without a port is looked up
	 * (NAPTR, SRV, then A/AAAA on 5061); a port means that host as given. */
	s->resolve = s->kind == SIP_TP_TLS && !ru.port;
	return check_transport(s, e);
}

static const char *pick(const char *flag, const char *conf)
{
	return flag ? flag : conf && conf[0] ? conf : NULL;
}

static sg_err load_trust(struct session *s, struct sg_error *e)
{
	struct cli *c = s->c;
	const char *ca = pick(s->ca, c->cfg.ca), *un = pick(s->untrusted, c->cfg.untrusted),
		   *crl = pick(s->crl, c->cfg.crl), *sip_ca = c->cfg.sip_ca[0] ? c->cfg.sip_ca : NULL;
	sg_err err;

	if (!ca)
		return sg_error_set(e, SG_E_CONFIG,
				    "no trust anchors: give --ca FILE|DIR or set [certs] ca");
	err = trust_load_certs(&s->anchors, ca, "ca", e);
	if (!err && un)
		err = trust_load_pool(&s->pool, NULL, un, "untrusted", e);
	s->untrusted_file = un;
	if (!err && crl)
		err = trust_load_crl(&s->crls, crl, "crl", e);
	/* [sip] ca: the registrar's anchors when they differ from the cards'. */
	if (!err && sip_ca)
		err = trust_load_certs(&s->reg_anchors, sip_ca, "[sip] ca", e);
	if (err)
		return err;
	return SG_OK;
}

sg_err session_settle(struct session *s, struct sg_error *e)
{
	struct cli *c = s->c;

	s->user = c->user ? c->user : c->cfg.sip_user[0] ? c->cfg.sip_user : NULL;
	s->registrar = s->registrar ? s->registrar : c->cfg.sip_registrar;
	s->expires = s->expires ? s->expires : c->cfg.sip_expires;
	if (!s->user)
		return sg_error_set(e, SG_E_INVALID_ARG,
				    "who signs in? give --user sip:NAME@DOMAIN or set [sip] user");
	c->user = s->user; /* the certificate must name this user */
	if (parse_registrar(s, e) || load_trust(s, e))
		return e ? e->code : SG_E_CONFIG;
	/* [sip] dns: the servers to ask instead of the system's. */
	if (c->cfg.sip_dns[0] && hal_dns_servers(&c->hal.dns, c->cfg.sip_dns) == HAL_EINVAL)
		return sg_error_set(e, SG_E_CONFIG, "[sip] dns: cannot read \"%.200s\"",
				    c->cfg.sip_dns);
	return SG_OK;
}

sg_err session_open(struct session *s, struct sg_error *e)
{
	sg_err err = cli_open_token(s->c, &s->t, e);

	if (!err)
		err = cli_select(s->c, s->t, &s->ci, e);
	if (!err)
		session_say(s, "token '%s': certificate '%s' for %s", s->t->info.label,
			    s->t->certs[s->ci].label, s->user);
	return err;
}

sg_err session_check(struct session *s, struct sg_error *e)
{
	struct cli *c = s->c;
	struct certcheck_policy pol;
	struct certcheck_input in;
	struct certcheck_report rep;
	const struct token_cert *tc = &s->t->certs[s->ci];
	struct certinfo ci;

	config_apply_check(&c->cfg);
	pol = c->cfg.check;
	if (s->revocation && revoke_policy_methods(&pol.revoke, s->revocation, e))
		return SG_E_INVALID_ARG;
	trust_add_token_cas(&s->pool, s->t);
	memset(&in, 0, sizeof(in));
	in.der = tc->der;
	in.der_len = tc->der_len;
	in.anchors = &s->anchors;
	in.intermediates = s->pool.raw.p ? &s->pool : NULL;
	in.crls = &s->crls;
	in.identity = s->user;
	sg_err err = certcheck_run(&c->hal, &pol, &in, &rep, e);
	for (int i = 0; i < CERTCHECK__STEPS; i++)
		if (c->verbose || rep.steps[i].verdict == CERTCHECK_WARN)
			session_say(s, "  %-10s %-4s %s", certcheck_step_name(i),
				    certcheck_verdict_name(rep.steps[i].verdict), rep.steps[i].text);
	s->expiry_warning = rep.expiry_warning;
	s->not_after = rep.not_after;
	if (!s->not_after && certinfo_parse(tc->der, tc->der_len, &ci, NULL) == SG_OK)
		s->not_after = ci.not_after;
	s->expiry_text[0] = '\0';
	if (rep.expiry_warning)
		snprintf(s->expiry_text, sizeof(s->expiry_text),
			 "Certificate expires in %d day%s: renew it", rep.days_left,
			 rep.days_left == 1 ? "" : "s");
	return err;
}

sg_err session_login(struct session *s, struct sg_error *e)
{
	return cli_login(s->c, s->t, e);
}

sg_err session_login_pin(struct session *s, struct pin *pin, struct sg_error *e)
{
	return token_login(s->t, &s->c->cfg.pin, pin, e); /* wipes pin */
}

/* Our certificate, then the intermediates, for the TLS Certificate message. */
static sg_err parse_chain(struct session *s, struct sg_error *e)
{
	const struct token_cert *tc = &s->t->certs[s->ci];

	if (mbedtls_x509_crt_parse_der(&s->chain, tc->der, tc->der_len))
		return sg_error_set(e, SG_E_CERT_PARSE, "the certificate cannot be read");
	for (const mbedtls_x509_crt *x = &s->pool; x && x->raw.p; x = x->next)
		mbedtls_x509_crt_parse_der(&s->chain, x->raw.p, x->raw.len);
	return SG_OK;
}

static sg_err build_chain(struct session *s, struct sg_error *e)
{
	sg_err err = parse_chain(s, e);

	if (err)
		return err;
	return token_pk_setup(&s->key, s->t, s->ci, e);
}

/* Copies one certificate (not the rest of its list) into an empty dst. */
static int copy_one(mbedtls_x509_crt *dst, const mbedtls_x509_crt *src)
{
	mbedtls_x509_crt_free(dst);
	mbedtls_x509_crt_init(dst);
	return src && src->raw.p ? mbedtls_x509_crt_parse_der(dst, src->raw.p, src->raw.len) : 0;
}

/* The TLS hook: keep the registrar's certificate and the issuer mbedTLS
 * verified it with, and leave the loop; the check itself runs in
 * session_outside_loop(). */
static void registrar_verify(struct sip_tp *tp, const mbedtls_x509_crt *peer,
			     const mbedtls_x509_crt *issuer, void *arg)
{
	struct session *s = arg;

	(void)tp;
	s->peer_ok = peer && !copy_one(&s->peer, peer) && !copy_one(&s->peer_issuer, issuer);
	s->verify_pending = 1;
	hal_loop_stop(&s->c->hal.loop);
}

/* The registrar's revocation policy: [sip] revocation and on_unavailable,
 * with [certs]' timeouts, skew, grace and cache. Not [certs] ocsp_url:
 * that responder is the cards' CA's; the registrar's certificate names
 * its own. */
static void registrar_policy(struct signet_config *cfg, struct revoke_policy *p)
{
	config_apply_check(cfg);
	*p = cfg->check.revoke;
	revoke_policy_methods(p, config_revocation_name(cfg->sip_revocation), NULL);
	p->on_fail = cfg->sip_on_unavailable == REVOKE_FAIL_HARD ? REVOKE_FAIL_HARD
								  : REVOKE_FAIL_SOFT;
	p->ocsp_url = NULL;
}

/* The check's result line, printed before REGISTER goes out. */
static void registrar_say(struct session *s, const struct revoke_policy *p,
			  const struct revoke_result *rr)
{
	if (rr->status == REVOKE_GOOD) {
		session_say(s, "the registrar's certificate is not revoked (%s)", rr->source);
		return;
	}
	if (p->n_methods == 0) {
		session_say(s, "the registrar's certificate: revocation not checked "
			       "([sip] revocation = none)");
		return;
	}
	/* Soft-fail: accepted, but never reported as "not revoked". Kept for
	 * testauth's report (quiet: no progress lines; never on stderr, which
	 * is the phone's screen under --ui phone). */
	snprintf(s->reg_warning, sizeof(s->reg_warning),
		 "the registrar's certificate's revocation status is unknown (%.300s); "
		 "registering anyway ([sip] on_unavailable = soft)",
		 rr->trail);
	session_say(s, "warning: %s", s->reg_warning);
}

int session_outside_loop(struct session *s)
{
	struct cli *c = s->c;
	struct revoke_policy pol;
	struct revoke_result rr;
	struct revoke_env renv = {.crls = &s->crls};
	struct sg_error e;
	int64_t now;

	if (!s->verify_pending)
		return 0;
	s->verify_pending = 0;
	s->reg_warning[0] = '\0';
	sg_error_init(&e);
	registrar_policy(&c->cfg, &pol);
	if (!s->peer_ok || !s->peer.raw.p)
		sg_error_set(&e, SG_E_CERT_UNTRUSTED, "the registrar's certificate could not be kept "
			     "for its revocation check");
	else if (!s->peer_issuer.raw.p) /* pinned: a trust anchor itself */
		session_say(s, "the registrar's certificate is itself a trust anchor: no "
			       "revocation check");
	else if (hal_clock_wall(&c->hal.clock, &now) != HAL_OK)
		sg_error_set(&e, SG_E_TIME_UNKNOWN, "the device does not know the time yet");
	else if (revoke_check(&c->hal, &pol, &s->peer, &s->peer_issuer, &renv, now, &rr, &e) ==
		 SG_OK)
		registrar_say(s, &pol, &rr);
	if (e.code != SG_OK) {
		char why[sizeof(e.detail)];

		snprintf(why, sizeof(why), "%s", e.detail);
		sg_error_set(&e, e.code, "the registrar's certificate%s: %.400s",
			     e.code == SG_E_REVOKED ? " is revoked" : "", why);
	}
	sip_tp_tls_verified(s->tp, &e);
	return 1;
}

static sg_err make_transport(struct session *s, struct sg_error *e)
{
	struct cli *c = s->c;

	if (s->kind == SIP_TP_UDP)
		return sip_tp_udp_new(&c->hal, &s->tp, e);
	if (s->kind == SIP_TP_TCP)
		return sip_tp_tcp_new(&c->hal, &s->tp, e);
	struct sip_tls_conf tc = {
		.anchors = s->reg_anchors.raw.p ? &s->reg_anchors : &s->anchors,
		.client_chain = &s->chain,
		.client_key = &s->key,
		.server_name = s->host, /* RFC 5922: with RFC 3263, the domain */
		.accept_target_name = c->cfg.sip_accept_target_name,
		.verify_extra = c->cfg.sip_check_revocation ? registrar_verify : NULL,
		.verify_arg = s,
	};
	return sip_tp_tls_new(&c->hal, &tc, &s->tp, e);
}

/* "name:port" of a target, or the configured registrar. */
static void target_text(const struct session *s, const struct sip_target *t, char *buf,
			size_t cap)
{
	if (t)
		snprintf(buf, cap, "%s:%u", t->name, (unsigned)t->port);
	else
		snprintf(buf, cap, "%s:%u", s->host, (unsigned)s->port);
}

/* Which registrar is in use, said when it changes, and why. */
static void say_registrar(struct session *s, const struct sip_reg_info *info)
{
	const struct sip_target *t = info->target;
	char now[300];

	target_text(s, t, now, sizeof(now));
	if (!strcmp(now, s->reg_at)) {
		s->reg_why[0] = '\0';
		return;
	}
	if (!s->reg_at[0])
		session_say(s, "registrar: %s (%s:%u)%s", now,
			    t && t->addr[0] ? t->addr : t ? t->name : s->host,
			    (unsigned)(t ? t->port : s->port),
			    t ? ", chosen by RFC 3263" : "");
	else if (info->failback)
		session_say(s, "registrar: now %s (%s:%u): failback, the preferred registrar "
			       "answers again (was %s)",
			    now, t && t->addr[0] ? t->addr : now, (unsigned)(t ? t->port : 0),
			    s->reg_at);
	else
		session_say(s, "registrar: now %s (%s:%u): %s", now,
			    t && t->addr[0] ? t->addr : now, (unsigned)(t ? t->port : 0),
			    s->reg_why[0] ? s->reg_why : "the previous one failed");
	snprintf(s->reg_at, sizeof(s->reg_at), "%s", now);
	s->reg_why[0] = '\0';
}

static void on_state(const struct sip_reg_info *info, void *arg)
{
	struct session *s = arg;
	enum session_event ev;
	char at[300];

	switch (info->state) {
	case SIP_REG_SENT: /* when it is sent: after the registrar's checks */
		if (s->resolve) {
			size_t i;
			const struct sip_target_list *l = sip_reg_targets(s->reg, &i);

			if (l && i < l->n) {
				if (s->c->verbose && s->target_shown == 0 && l->trace[0])
					session_say(s, "RFC 3263 resolution of %s:\n%s", s->host,
						    l->trace);
				session_say(s, "REGISTER sent to %s:%u (target %zu of %zu: %s)",
					    l->t[i].addr[0] ? l->t[i].addr : l->t[i].name,
					    (unsigned)l->t[i].port, i + 1, l->n, l->t[i].name);
				s->target_shown = i + 1;
				return;
			}
		}
		session_say(s, "REGISTER sent to %s:%u", s->host, s->port);
		return;
	case SIP_REG_REGISTERED:
		if (!s->registered_ms)
			s->registered_ms = hal_clock_mono_ms(&s->c->hal.clock) - s->c->t0;
		session_say(s, "registered as %s (expires in %u s)", s->user, info->expires);
		say_registrar(s, info);
		ev = SESSION_REGISTERED;
		break;
	case SIP_REG_FAILED:
		target_text(s, info->target, at, sizeof(at));
		snprintf(s->reg_why, sizeof(s->reg_why), "%s failed (%.300s)", at,
			 info->err ? info->err->detail : "?");
		if (info->failback && info->will_retry) {
			size_t i;
			const struct sip_target_list *l = sip_reg_targets(s->reg, &i);

			session_say(s, "failback: the preferred registrar %s; trying %s", s->reg_why,
				    l && i < l->n ? l->t[i].name : "the next target");
			s->reg_why[0] = '\0'; /* back where it was: nothing changed */
			return;
		}
		if (info->failover && info->will_retry) { /* not a failure of the attempt yet */
			session_say(s, "registrar failed (%s): trying the next target",
				    info->err ? info->err->detail : "?");
			return;
		}
		if (info->target)
			session_say(s, "registrar %s", s->reg_why);
		ev = info->will_retry ? SESSION_RETRYING : SESSION_FAILED;
		break;
	case SIP_REG_UNREGISTERED:
		session_say(s, "unregistered%s%s", info->err ? ": " : "",
			    info->err ? info->err->detail : "");
		ev = SESSION_UNREGISTERED;
		break;
	default:
		return;
	}
	if (s->on_event)
		s->on_event(ev, info, s->arg);
}

/* --verbose: a step when the transport is up (for TLS: handshake done),
 * so that the handshake and the REGISTER round trip can be told apart. */
static void on_tp_event(enum sip_tp_event ev, const struct sg_error *e, void *arg)
{
	struct session *s = arg;

	if (ev == SIP_TP_UP)
		session_say(s, "%s connected", s->tp->ops->name(s->tp->ctx));
	s->reg_event(ev, e, s->reg_arg);
}

static void on_tp_msg(const uint8_t *msg, size_t len, void *arg)
{
	struct session *s = arg;

	s->reg_msg(msg, len, s->reg_arg);
}

static sg_err start_registration(struct session *s, struct sg_error *e)
{
	struct cli *c = s->c;
	struct sip_reg_cfg rc = {
		.registrar_host = s->host,
		.registrar_port = s->port,
		.resolve = s->resolve,
		.tp = s->tp,
		.aor = s->user,
		.expires = (uint32_t)s->expires,
		.instance = c->cfg.sip_instance[0] ? c->cfg.sip_instance : NULL,
		.reg_id = (uint32_t)c->cfg.sip_reg_id,
		.outbound = c->cfg.sip_outbound,
		.user_agent = "signet/" SIGNET_VERSION,
		.auth_user = c->cfg.sip_auth_user[0] ? c->cfg.sip_auth_user : NULL,
		.password = c->cfg.sip_password[0] ? c->cfg.sip_password : NULL,
		.password_len = strlen(c->cfg.sip_password),
		.on_state = on_state,
		.arg = s,
		.retry_base_s = (uint32_t)c->cfg.sip_retry_base,
	};
	sg_err err = sip_reg_new(&s->reg, &c->hal, &rc, e);

	if (!err && c->verbose) {
		s->reg_event = s->tp->on_event;
		s->reg_msg = s->tp->on_msg;
		s->reg_arg = s->tp->arg;
		s->tp->on_event = on_tp_event;
		s->tp->on_msg = on_tp_msg;
		s->tp->arg = s;
	}
	if (!err)
		err = sip_reg_start(s->reg, e);
	return err;
}

/* A local address went away: when it is the connection's, a new
 * connection registers again (the Contact follows the new address). */
static void on_addr(int handle, int events, void *arg)
{
	struct session *s = arg;
	char gone[64], local[80], *colon;
	const char *l;

	(void)events;
	if (hal_net_addr_event(&s->c->hal.net, handle, gone, sizeof(gone)) != HAL_OK || !s->reg ||
	    !s->tp || !s->tp->ops->local || !(l = s->tp->ops->local(s->tp->ctx)))
		return;
	snprintf(local, sizeof(local), "%s", l[0] == '[' ? l + 1 : l);
	colon = strrchr(local, l[0] == '[' ? ']' : ':');
	if (colon)
		*colon = '\0';
	if (strcmp(local, gone))
		return;
	session_say(s, "local address %s went away: reconnecting", gone);
	sip_reg_reconnect(s->reg, "the connection's local address went away");
}

static void watch_addresses(struct session *s)
{
	const struct hal *h = &s->c->hal;

	if (s->addr_h >= 0 || hal_net_addr_watch(&h->net, &s->addr_h) != HAL_OK) {
		return;
	}
	if (hal_loop_watch(&h->loop, s->addr_h, HAL_LOOP_READ, on_addr, s) != HAL_OK) {
		hal_net_close(&h->net, s->addr_h);
		s->addr_h = -1;
	}
}

sg_err session_connect(struct session *s, struct sg_error *e)
{
	s->stopping = 0;
	s->registered_ms = 0;
	if (build_chain(s, e) || make_transport(s, e) || start_registration(s, e))
		return e ? e->code : SG_E_INTERNAL;
	watch_addresses(s);
	s->target_shown = 0;
	if (s->resolve)
		session_say(s, "resolving %s (RFC 3263: NAPTR, SRV _sips._tcp, A/AAAA)", s->host);
	else
		session_say(s, "connecting to %s:%u over %s", s->host, s->port,
			    s->kind == SIP_TP_TLS ? "TLS" : s->kind == SIP_TP_TCP ? "TCP" : "UDP");
	return SG_OK;
}

int session_stop(struct session *s, const char *why, uint32_t timeout_ms)
{
	if (s->stopping)
		return 0;
	s->stopping = 1;
	if (!s->reg)
		return -1;
	session_say(s, "%s: unregistering", why);
	return sip_reg_stop(s->reg, timeout_ms, NULL) == SG_OK ? 0 : -1;
}

sg_err session_cert_renewed(struct session *s, struct sg_error *e)
{
	struct certinfo ci;
	sg_err err;

	if (!s->t)
		return sg_error_set(e, SG_E_NO_TOKEN, "no token open");
	err = certinfo_parse(s->t->certs[s->ci].der, s->t->certs[s->ci].der_len, &ci, e);
	if (err)
		return err;
	s->not_after = ci.not_after;
	s->expiry_warning = 0;
	s->expiry_text[0] = '\0';
	if (!s->chain.raw.p)
		return SG_OK; /* not connected yet: session_connect reads it */
	/* The TLS configuration points at s->chain: refilled in place, between
	 * handshakes (the loop is not running). */
	mbedtls_x509_crt_free(&s->chain);
	mbedtls_x509_crt_init(&s->chain);
	return parse_chain(s, e);
}

void session_close(struct session *s)
{
	if (s->reg_event) { /* back to the client's, which sip_reg_free detaches */
		s->tp->on_event = s->reg_event;
		s->tp->on_msg = s->reg_msg;
		s->tp->arg = s->reg_arg;
		s->reg_event = NULL;
	}
	if (s->reg)
		sip_reg_free(s->reg);
	s->reg = NULL;
	if (s->addr_h >= 0) {
		hal_loop_watch(&s->c->hal.loop, s->addr_h, 0, NULL, NULL);
		hal_net_close(&s->c->hal.net, s->addr_h);
		s->addr_h = -1;
	}
	if (s->tp)
		s->tp->ops->destroy(s->tp->ctx);
	s->tp = NULL;
	token_pk_free(&s->key);
	mbedtls_pk_init(&s->key);
	mbedtls_x509_crt_free(&s->chain);
	mbedtls_x509_crt_init(&s->chain);
	token_close(s->t);
	s->t = NULL;
	/* The intermediates the card brought go with it. */
	mbedtls_x509_crt_free(&s->pool);
	mbedtls_x509_crt_init(&s->pool);
	if (s->untrusted_file)
		(void)trust_load_pool(&s->pool, NULL, s->untrusted_file, "untrusted", NULL);
	s->stopping = 0;
	s->expiry_warning = 0;
	s->expiry_text[0] = '\0';
}

void session_release(struct session *s)
{
	session_close(s);
	mbedtls_x509_crt_free(&s->anchors);
	mbedtls_x509_crt_free(&s->pool);
	mbedtls_x509_crt_free(&s->reg_anchors);
	mbedtls_x509_crt_free(&s->peer);
	mbedtls_x509_crt_free(&s->peer_issuer);
	crl_list_free(&s->crls);
	/* The Digest password lives in the configuration: wipe it. */
	mbedtls_platform_zeroize(s->c->cfg.sip_password, sizeof(s->c->cfg.sip_password));
}
