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
	s->flows = c->cfg.sip_flows == 2 ? 2 : 1;
	if (s->flows == 2 && SIGNET_SIP_FLOWS < 2)
		return sg_error_set(e, SG_E_CONFIG,
				    "[sip] flows = 2: this board (%s) keeps one flow only (a second TLS "
				    "connection does not fit its heap budget); set flows = 1",
				    SIGNET_BOARD);
	if (c->cfg.sip_tls_resume > 0 && !SIGNET_TLS_RESUME && !s->resume_told) {
		s->resume_told = 1;
		hal_log_write(&c->hal.log, HAL_LOG_WARN,
			      "[sip] tls_resume: this board (" SIGNET_BOARD ") is built without TLS "
			      "session resumption (its mbedTLS keeps a 32-bit time_t); every "
			      "connection is a full handshake");
	}
	if (s->flows == 2 && (!c->cfg.sip_outbound || !c->cfg.sip_instance[0]))
		return sg_error_set(e, SG_E_CONFIG,
				    "[sip] flows = 2 needs outbound = yes and an instance (urn:uuid:...)");
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

/* The TLS transports' resumption bound follows s->checked_until; renewed:
 * another certificate, the kept sessions are wiped. */
static void session_tls_bound(struct session *s, int renewed)
{
	sip_tp_tls_resume_until(s->tp, s->checked_until, renewed);
	sip_tp_tls_resume_until(s->fl[1].tp, s->checked_until, renewed);
}

static sg_err session_check_once(struct session *s, struct sg_error *e)
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
	/* A resumed TLS session is not re-checked by the registrar: none is
	 * offered past the point where these checks would have to run again
	 * (a stale answer's nextUpdate is past already: no resumption). */
	s->checked_until = s->not_after;
	if (rep.revocation.next_update > 0 &&
	    (!s->checked_until || rep.revocation.next_update < s->checked_until))
		s->checked_until = rep.revocation.next_update;
	if (!err) {
		session_tls_bound(s, 0);
	} else {
		sip_tp_tls_forget(s->tp); /* refused now: nothing kept speaks for it */
		sip_tp_tls_forget(s->fl[1].tp);
	}
	s->expiry_text[0] = '\0';
	if (rep.expiry_warning)
		snprintf(s->expiry_text, sizeof(s->expiry_text),
			 "Certificate expires in %d day%s: renew it", rep.days_left,
			 rep.days_left == 1 ? "" : "s");
	return err;
}

sg_err session_check(struct session *s, struct sg_error *e)
{
	sg_err err = session_check_once(s, e);

	/* A certificate from the card's cache that fails its checks may be
	 * one the card no longer holds (renewed under the same key and
	 * CHUID): read the card, pick and check once more. */
	if (err && token_refresh_certs(s->t, NULL) == SG_OK) {
		err = cli_select(s->c, s->t, &s->ci, e);
		if (!err)
			err = session_check_once(s, e);
	}
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

	if (s->verify_pending && s->verify_tp != tp) {
		s->verify_busy = tp; /* one check at a time: this handshake is retried */
		hal_loop_stop(&s->c->hal.loop);
		return;
	}
	s->verify_tp = tp;
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

	if (s->verify_busy) {
		sg_error_init(&e);
		sg_error_set(&e, SG_E_NETWORK, "the other flow's registrar certificate was being "
			     "checked for revocation: handshake retried");
		sip_tp_tls_verified(s->verify_busy, &e);
		s->verify_busy = NULL;
		if (!s->verify_pending)
			return 1;
	}
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
	sip_tp_tls_verified(s->verify_tp ? s->verify_tp : s->tp, &e);
	s->verify_tp = NULL;
	return 1;
}

static sg_err make_transport(struct session *s, struct sip_tp **tp, struct sg_error *e)
{
	struct cli *c = s->c;

	if (s->kind == SIP_TP_UDP)
		return sip_tp_udp_new(&c->hal, tp, e);
	if (s->kind == SIP_TP_TCP)
		return sip_tp_tcp_new(&c->hal, tp, e);
	struct sip_tls_conf tc = {
		.anchors = s->reg_anchors.raw.p ? &s->reg_anchors : &s->anchors,
		.client_chain = &s->chain,
		.client_key = &s->key,
		.server_name = s->host, /* RFC 5922: with RFC 3263, the domain */
		.accept_target_name = c->cfg.sip_accept_target_name,
		.verify_extra = c->cfg.sip_check_revocation ? registrar_verify : NULL,
		.verify_arg = s,
		.resume_s = SIGNET_TLS_RESUME && c->cfg.sip_tls_resume > 0
				    ? (uint32_t)c->cfg.sip_tls_resume : 0,
		.resume_until = s->checked_until,
	};
	return sip_tp_tls_new(&c->hal, &tc, tp, e);
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
		snprintf(s->reg_change, sizeof(s->reg_change), "%s",
			 t ? "chosen by RFC 3263" : "configured");
	else if (info->failback)
		snprintf(s->reg_change, sizeof(s->reg_change),
			 "failback, the preferred registrar answers again (was %s)", s->reg_at);
	else
		snprintf(s->reg_change, sizeof(s->reg_change), "%s",
			 s->reg_why[0] ? s->reg_why : "the previous one failed");
	if (!s->reg_at[0])
		session_say(s, "registrar: %s (%s:%u)%s", now,
			    t && t->addr[0] ? t->addr : t ? t->name : s->host,
			    (unsigned)(t ? t->port : s->port),
			    t ? ", chosen by RFC 3263" : "");
	else
		session_say(s, "registrar: now %s (%s:%u): %s", now,
			    t && t->addr[0] ? t->addr : now, (unsigned)(t ? t->port : 0),
			    s->reg_change);
	snprintf(s->reg_at, sizeof(s->reg_at), "%s", now);
	s->reg_why[0] = '\0';
}

/* The card's key did not match a certificate from the cache (the TLS
 * signature was refused here, before it went out): the card was read
 * again. The next attempt sends the certificate the card holds, once it
 * passes its checks in the same slot (one flow: no other handshake uses
 * the chain now). */
static void reread_certs(struct session *s)
{
	size_t was = s->ci;

	if (!s->t || !s->t->certs_reread || s->flows != 1)
		return;
	s->t->certs_reread = 0;
	if (cli_select(s->c, s->t, &s->ci, NULL) == SG_OK && s->ci == was &&
	    session_check_once(s, NULL) == SG_OK && session_cert_renewed(s, NULL) == SG_OK)
		session_say(s, "the card's certificate was read again");
	else
		s->ci = was;
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
		reread_certs(s);
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

	if (ev == SIP_TP_UP) {
		const char *tls = sip_tp_tls_params(s->tp);
		int r = sip_tp_tls_resumed(s->tp);

		session_say(s, "%s connected%s%s%s%s", s->tp->ops->name(s->tp->ctx),
			    r == 1 ? " (TLS session resumed" : r == 0 ? " (full handshake" : "",
			    r >= 0 && tls ? ": " : "", r >= 0 && tls ? tls : "", r >= 0 ? ")" : "");
	}
	s->reg_event(ev, e, s->reg_arg);
}

static void on_tp_msg(const uint8_t *msg, size_t len, void *arg)
{
	struct session *s = arg;

	s->reg_msg(msg, len, s->reg_arg);
}

#if SIGNET_SIP_FLOWS > 1
/* ---- [sip] flows = 2: two RFC 5626 flows (reg-id 1 and 2) ------------- */

static const struct sip_reg *flow_reg(const struct session *s, int i)
{
	return i ? s->fl[1].reg : s->reg;
}

/* "ADDR:PORT (NAME)" of the target flow i uses now. */
static void flow_where(const struct session *s, int i, char *buf, size_t cap)
{
	size_t k;
	const struct sip_target_list *l = sip_reg_targets(flow_reg(s, i), &k);

	if (l && k < l->n)
		snprintf(buf, cap, "%s:%u (%s)", l->t[k].addr[0] ? l->t[k].addr : l->t[k].name,
			 (unsigned)l->t[k].port, l->t[k].name);
	else
		snprintf(buf, cap, "%s:%u", s->host, (unsigned)s->port);
}

/* Flow 2 starts once flow 1 has a target (or failed), so that it can
 * leave flow 1's target out (sip_reg_avoid). */
static void flow2_start(struct session *s, const struct sip_reg_info *info)
{
	struct sg_error e;

	if (s->fl[1].started || s->stopping)
		return;
	s->fl[1].started = 1;
	/* a failure that flow 2 would meet too: not tried again */
	if (info->state == SIP_REG_FAILED && (!info->will_retry || info->resolution)) {
		s->fl[1].tried = 1;
		return;
	}
	sg_error_init(&e);
	if (sip_reg_start(s->fl[1].reg, &e) != SG_OK) {
		session_say(s, "flow 2: cannot start: %s", e.detail);
		s->fl[1].tried = 1;
	}
}

static void on_flow_state(const struct sip_reg_info *info, void *arg)
{
	struct session_flow *f = arg;
	struct session *s = f->s;
	int i = f == &s->fl[1], n;
	char where[400];

	flow_where(s, i, where, sizeof(where));
	switch (info->state) {
	case SIP_REG_SENT:
		session_say(s, "flow %d: REGISTER sent to %s", i + 1, where);
		break;
	case SIP_REG_REGISTERED:
		f->registered = f->tried = 1;
		session_say(s, "flow %d: registered at %s (reg-id %d, expires in %u s)", i + 1,
			    where, i + 1, info->expires);
		break;
	case SIP_REG_FAILED:
		f->registered = 0;
		if (info->failover && info->will_retry) {
			session_say(s, "flow %d: %s failed (%s): trying the next target", i + 1,
				    where, info->err ? info->err->detail : "?");
			return;
		}
		f->tried = 1;
		session_say(s, "flow %d: failed at %s (%s)%s%u%s", i + 1, where,
			    info->err ? info->err->detail : "?",
			    info->will_retry ? "; retrying in " : "",
			    info->will_retry ? info->retry_ms / 1000 : 0, info->will_retry ? " s" : "");
		break;
	case SIP_REG_UNREGISTERED:
		f->unreg = 1;
		f->registered = 0;
		session_say(s, "flow %d: unregistered%s%s", i + 1, info->err ? ": " : "",
			    info->err ? info->err->detail : "");
		if (s->fl[!i].unreg) {
			session_say(s, "unregistered");
			if (s->on_event)
				s->on_event(SESSION_UNREGISTERED, info, s->arg);
		}
		return;
	default:
		return;
	}
	if (!i)
		flow2_start(s, info);
	if (!s->fl[0].tried || !s->fl[1].tried || info->state == SIP_REG_SENT)
		return; /* both flows are attempted before the sign-in says how it went */
	n = s->fl[0].registered + s->fl[1].registered;
	if (n) {
		if (info->state != SIP_REG_REGISTERED && s->flows_told)
			return; /* one flow lost, the other still registered */
		s->flows_told = 1;
		if (!s->registered_ms)
			s->registered_ms = hal_clock_mono_ms(&s->c->hal.clock) - s->c->t0;
		session_say(s, "registered as %s (%d of 2 flows)", s->user, n);
		if (s->on_event)
			s->on_event(SESSION_REGISTERED, info, s->arg);
		return;
	}
	if (s->on_event)
		s->on_event(info->will_retry ? SESSION_RETRYING : SESSION_FAILED, info, s->arg);
}

void session_flows_text(const struct session *s, char *buf, size_t cap)
{
	char where[2][300];
	const char *st[2];

	buf[0] = '\0';
	if (!s->fl[1].reg || !cap)
		return;
	for (int i = 0; i < 2; i++) {
		const struct session_flow *f = &s->fl[i];

		flow_where(s, i, where[i], sizeof(where[i]));
		st[i] = f->registered ? "registered" : f->unreg ? "unregistered"
			: !f->started && i ? "waiting" : f->tried ? "failed" : "registering";
	}
	snprintf(buf, cap, "1 %s %.200s; 2 %s %.200s", st[0], where[0], st[1], where[1]);
}

/* Flow 2: its own TLS transport and client, reg-id 2; started later. */
static sg_err flow2_new(struct session *s, struct sip_reg_cfg *rc, struct sg_error *e)
{
	sg_err err = make_transport(s, &s->fl[1].tp, e);

	if (err)
		return err;
	rc->tp = s->fl[1].tp;
	rc->reg_id = 2;
	rc->arg = &s->fl[1];
	err = sip_reg_new(&s->fl[1].reg, &s->c->hal, rc, e);
	if (err)
		return err;
	sip_reg_avoid(s->reg, s->fl[1].reg);
	sip_reg_avoid(s->fl[1].reg, s->reg);
	return SG_OK;
}
#else
void session_flows_text(const struct session *s, char *buf, size_t cap)
{
	(void)s;
	if (cap)
		buf[0] = '\0';
}
#endif

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
	sg_err err;

#if SIGNET_SIP_FLOWS > 1
	memset(s->fl, 0, sizeof(s->fl));
	s->flows_told = 0;
	s->fl[0].started = 1;
	if (s->flows == 2) {
		s->fl[0].s = s->fl[1].s = s;
		rc.reg_id = 1;
		rc.on_state = on_flow_state;
		rc.arg = &s->fl[0];
	}
#endif
	err = sip_reg_new(&s->reg, &c->hal, &rc, e);
#if SIGNET_SIP_FLOWS > 1
	if (!err && s->flows == 2)
		err = flow2_new(s, &rc, e);
#endif
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
	s->reg_at[0] = s->reg_why[0] = s->reg_change[0] = '\0'; /* a new sign-in */
	if (build_chain(s, e) || make_transport(s, &s->tp, e) || start_registration(s, e))
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
#if SIGNET_SIP_FLOWS > 1
	if (s->fl[1].reg) {
		int ok;

		s->fl[0].unreg = s->fl[1].unreg = 0;
		ok = sip_reg_stop(s->reg, timeout_ms, NULL) == SG_OK;
		if (sip_reg_stop(s->fl[1].reg, timeout_ms, NULL) != SG_OK)
			s->fl[1].unreg = 1;
		return ok ? 0 : -1;
	}
#endif
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
	session_tls_bound(s, 1); /* no session resumed for the old certificate */
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
	s->verify_tp = s->verify_busy = NULL;
	if (s->tp)
		s->tp->ops->destroy(s->tp->ctx);
	s->tp = NULL;
#if SIGNET_SIP_FLOWS > 1
	sip_reg_free(s->fl[1].reg);
	if (s->fl[1].tp)
		s->fl[1].tp->ops->destroy(s->fl[1].tp->ctx);
	memset(s->fl, 0, sizeof(s->fl));
#endif
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
