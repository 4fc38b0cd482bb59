/* pamflow.c: the desktop sign-in behind pam_signet.so (see pamflow.h). */
#define _GNU_SOURCE
#include "pamflow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>
#include <security/_pam_types.h>

#include "certcheck.h"
#include "certinfo.h"
#include "sg_log.h"
#include "sig.h"
#include "token_p11.h"
#include "trust.h"

#define PAMFLOW_DEFAULT_PROMPT "PIN for {token}: "

/* ---- return codes -------------------------------------------------------- */

int pamflow_pam_code(sg_err err, int ignore_no_card)
{
	switch (err) {
	case SG_OK:
		return PAM_SUCCESS;
	case SG_E_NO_READER:
	case SG_E_NO_CARD:
	case SG_E_NO_TOKEN:
		/* No card: let the stack fall back to a password when asked to. */
		return ignore_no_card ? PAM_IGNORE : PAM_AUTHINFO_UNAVAIL;
	case SG_E_NO_MODULE:
	case SG_E_AMBIGUOUS:
	case SG_E_CARD_REMOVED:
	case SG_E_TOKEN:
	case SG_E_IO:
	case SG_E_TIME_UNKNOWN:
	case SG_E_REVOCATION_UNAVAILABLE:
	case SG_E_NETWORK:
		return PAM_AUTHINFO_UNAVAIL;
	case SG_E_NO_CERT:
		return PAM_CRED_INSUFFICIENT;
	case SG_E_PIN_FORMAT:
	case SG_E_PIN_INCORRECT:
	case SG_E_SIGNATURE:
	case SG_E_CERT_PARSE:
	case SG_E_CERT_UNTRUSTED:
	case SG_E_CERT_EXPIRED:
	case SG_E_CERT_NOT_YET_VALID:
	case SG_E_CERT_USAGE:
	case SG_E_REVOKED:
	case SG_E_REFUSED:
	case SG_E_MALFORMED:
		return PAM_AUTH_ERR;
	case SG_E_PIN_LOCKED:
		return PAM_MAXTRIES;
	case SG_E_CERT_IDENTITY:
		return PAM_USER_UNKNOWN;
	case SG_E_PIN_CANCELLED:
	case SG_E_PIN_TIMEOUT:
		return PAM_CONV_ERR;
	case SG_E_INVALID_ARG:
	case SG_E_CONFIG:
		return PAM_SERVICE_ERR;
	case SG_E_NOMEM:
		return PAM_BUF_ERR;
	case SG_E_INTERNAL:
	default:
		return PAM_ABORT;
	}
}

/* ---- messages ------------------------------------------------------------ */

static void say(const struct pamflow_conv *c, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(const struct pamflow_conv *c, int error, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!c->say)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->say(c->arg, error, msg);
}

void pamflow_prompt(const char *tmpl, const char *label, char *out, size_t cap)
{
	const char *p = tmpl && tmpl[0] ? tmpl : PAMFLOW_DEFAULT_PROMPT;
	size_t n = 0;

	if (!cap)
		return;
	while (*p && n + 1 < cap) {
		if (!strncmp(p, "{token}", 7)) {
			for (const char *l = label; *l && n + 1 < cap; l++)
				out[n++] = *l;
			p += 7;
			continue;
		}
		out[n++] = *p++;
	}
	out[n] = '\0';
	/* The label comes from the card: no escape sequences to the terminal. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
}

/* What the user is told when the sign-in fails (the log gets the detail). */
static void tell_failure(const struct pamflow_conv *c, const struct pamflow_result *r,
			 const char *user)
{
	const struct sg_error *e = &r->e;

	switch (e->code) {
	case SG_E_PIN_INCORRECT:
		if (e->final_try || e->tries_left == 1)
			say(c, 1, "Wrong PIN. Final try: a wrong PIN now locks the card.");
		else if (e->tries_left > 0)
			say(c, 1, "Wrong PIN, %d tries left.", e->tries_left);
		else
			say(c, 1, "Wrong PIN.");
		break;
	case SG_E_PIN_LOCKED:
		say(c, 1, "The card's PIN is locked: unblock it with the PUK.");
		break;
	case SG_E_PIN_FORMAT:
		say(c, 1, "%s (the card was not asked).", e->detail[0] ? e->detail : "PIN refused");
		break;
	case SG_E_NO_READER:
	case SG_E_NO_CARD:
	case SG_E_NO_TOKEN:
		say(c, 1, "No smart card found.");
		break;
	case SG_E_CERT_IDENTITY:
		if (user && user[0])
			say(c, 1, "The card's certificate is not for %s.", user);
		else
			say(c, 1, "The card's certificate belongs to no account here.");
		break;
	case SG_E_PIN_CANCELLED:
	case SG_E_PIN_TIMEOUT:
		break;
	default:
		say(c, 1, "Smart card sign-in failed: %s.", sg_err_message(e->code));
	}
}

/* ---- trust settings ------------------------------------------------------ */

struct pf_trust {
	mbedtls_x509_crt anchors, pool;
	struct crl_list crls;
};

static void trust_init(struct pf_trust *t)
{
	mbedtls_x509_crt_init(&t->anchors);
	mbedtls_x509_crt_init(&t->pool);
	crl_list_init(&t->crls);
}

static void trust_free(struct pf_trust *t)
{
	mbedtls_x509_crt_free(&t->anchors);
	mbedtls_x509_crt_free(&t->pool);
	crl_list_free(&t->crls);
}

/* Trust anchors, intermediates and CRLs from [certs]; CA certificates on
 * the token (t may be NULL) join the intermediates. */
static sg_err trust_load(struct pf_trust *tr, const struct signet_config *cfg,
			 const struct token *t, struct sg_error *e)
{
	sg_err err;

	if (!cfg->ca[0])
		return sg_error_set(e, SG_E_CONFIG, "no trust anchors: set [certs] ca");
	err = trust_load_certs(&tr->anchors, cfg->ca, "[certs] ca", e);
	if (!err && cfg->untrusted[0])
		err = trust_load_pool(&tr->pool, NULL, cfg->untrusted, "[certs] untrusted", e);
	if (!err && cfg->crl[0])
		err = trust_load_crl(&tr->crls, cfg->crl, "[certs] crl", e);
	if (!err)
		trust_add_token_cas(&tr->pool, t);
	return err;
}

static sg_err check_cert(const struct hal *hal, const struct signet_config *cfg,
			 const struct token *t, const uint8_t *der, size_t len, struct sg_error *e)
{
	struct signet_config c = *cfg;
	struct certcheck_input in;
	struct certcheck_report rep;
	struct pf_trust tr;
	sg_err err;

	trust_init(&tr);
	err = trust_load(&tr, cfg, t, e);
	if (err)
		goto out;
	config_apply_check(&c);
	memset(&in, 0, sizeof(in));
	in.der = der;
	in.der_len = len;
	in.anchors = &tr.anchors;
	in.intermediates = tr.pool.raw.p ? &tr.pool : NULL;
	in.crls = &tr.crls;
	/* The identity check is the mapping to the local user (usermap). */
	in.identity = NULL;
	err = certcheck_run(hal, &c.check, &in, &rep, e);
	if (!err && rep.steps[CERTCHECK_REVOCATION].verdict == CERTCHECK_WARN)
		sg_warn(&hal->log, "certificate accepted with a warning: %s",
			rep.steps[CERTCHECK_REVOCATION].text);
out:
	trust_free(&tr);
	return err;
}

sg_err pamflow_recheck(const struct hal *hal, const struct signet_config *cfg,
		       const uint8_t *der, size_t der_len, struct sg_error *e)
{
	return check_cert(hal, cfg, NULL, der, der_len, e);
}

/* ---- picking the certificate ---------------------------------------------- */

struct pf_pick {
	struct usermap map;
	const char *user; /* NULL: any local account */
};

static void map_from(struct usermap *m, const struct signet_config *cfg)
{
	m->method = (enum usermap_method)cfg->pam_map;
	m->file = cfg->pam_map_file;
	m->domain = cfg->pam_map_domain;
}

/* A certificate qualifies when it maps to the PAM user (or, before the
 * user is known, to any local account). */
static int maps_to_user(const struct token_cert *tc, void *arg)
{
	const struct pf_pick *p = arg;
	char name[USERMAP_NAME_MAX + 1];

	if (usermap_map(&p->map, tc->der, tc->der_len, p->user, name, NULL) != SG_OK)
		return 0;
	if (p->user && strcmp(name, p->user))
		return 0;
	return usermap_local_exists(name);
}

/* token_select_where(), except that several qualifying certificates are
 * not an error: a PIV card often holds an authentication and a signature
 * certificate for the same person, and either must pass every check. The
 * first in token order (the PIV authentication key comes first) is used. */
static sg_err pick_cert(struct token *t, struct pf_pick *p, size_t *ci, struct sg_error *e)
{
	sg_err err = token_select_where(t, maps_to_user, p, ci, e);

	/* None from the certificate cache: the card may hold one now. */
	if ((err == SG_E_NO_CERT || err == SG_E_CERT_IDENTITY) && token_refresh_certs(t, NULL) == SG_OK)
		err = token_select_where(t, maps_to_user, p, ci, e);

	if (err != SG_E_AMBIGUOUS)
		return err;
	for (size_t i = 0; i < t->n_certs; i++) {
		const struct token_cert *c = &t->certs[i];

		if (!c->is_ca && c->key_state != TOKEN_KEY_STATE_ABSENT &&
		    c->key_type != TOKEN_KEY_UNKNOWN && maps_to_user(c, p)) {
			*ci = i;
			sg_error_init(e);
			return SG_OK;
		}
	}
	return err;
}

/* Explains a selection failure: what the certificates map to. */
static sg_err no_cert_for(const struct token *t, const struct pf_pick *p, struct sg_error *e)
{
	char name[USERMAP_NAME_MAX + 1];
	struct sg_error me;

	for (size_t i = 0; i < t->n_certs; i++) {
		const struct token_cert *c = &t->certs[i];

		if (c->is_ca || c->key_type == TOKEN_KEY_UNKNOWN ||
		    c->key_state == TOKEN_KEY_STATE_ABSENT)
			continue;
		sg_error_init(&me);
		if (usermap_map(&p->map, c->der, c->der_len, p->user, name, &me) != SG_OK) {
			/* A broken mapping file is the administrator's problem, not an unknown user. */
			if (me.code == SG_E_CONFIG || me.code == SG_E_IO || me.code == SG_E_NOMEM) {
				*e = me;
				return me.code;
			}
			return sg_error_set(e, SG_E_CERT_IDENTITY, "%s", me.detail);
		}
		if (!usermap_local_exists(name))
			return sg_error_set(e, SG_E_CERT_IDENTITY,
					    "the certificate maps to '%s', which has no local account",
					    name);
		if (p->user)
			return sg_error_set(e, SG_E_CERT_IDENTITY,
					    "the certificate maps to '%s', not to '%s'", name, p->user);
	}
	return sg_error_set(e, SG_E_NO_CERT, "token '%s' holds no sign-in certificate", t->info.label);
}

/* ---- PIN and login --------------------------------------------------------- */

static void answer_wipe(char *a)
{
	if (a) {
		mbedtls_platform_zeroize(a, strlen(a));
		free(a);
	}
}

static sg_err pin_ask(const struct pamflow_opts *o, const struct pamflow_conv *conv,
		      struct token *t, struct pin *pin, struct sg_error *e)
{
	char prompt[256];
	char *answer = NULL;
	sg_err err;

	pamflow_prompt(o->cfg->pam_prompt, t->info.label, prompt, sizeof(prompt));
	if (!conv->ask || conv->ask(conv->arg, prompt, &answer) != 0 || !answer) {
		answer_wipe(answer);
		return sg_error_set(e, SG_E_PIN_CANCELLED, "the conversation gave no PIN");
	}
	err = pin_from_buffer(&o->cfg->pin, (const uint8_t *)answer, strlen(answer), pin, e);
	answer_wipe(answer);
	return err;
}

static sg_err login(const struct hal *hal, const struct pamflow_opts *o,
		    const struct pamflow_conv *conv, struct token *t, struct sg_error *e)
{
	struct token_pin_state st;
	struct pin pin;
	/* A locked token is refused before asking: the user could only lose. */
	sg_err err = token_pin_usable(t, &st, e);

	if (err)
		return err;
	if (st.final_try)
		say(conv, 0, "Final try: a wrong PIN now locks the card.");
	else if (st.count_low)
		say(conv, 0, "A wrong PIN was entered before; few tries are left.");
	if (t->info.protected_auth_path) {
		say(conv, 0, "Enter the PIN on the reader.");
		sg_debug(&hal->log, "logging in through the reader's PIN pad");
		return token_login(t, &o->cfg->pin, NULL, e);
	}
	memset(&pin, 0, sizeof(pin));
	err = pin_ask(o, conv, t, &pin, e);
	if (err) {
		pin_wipe(&pin);
		return err;
	}
	return token_login(t, &o->cfg->pin, &pin, e); /* wipes pin */
}

/* Signs a fresh random challenge on the token and verifies it with the
 * certificate's public key: the key on this token belongs to the
 * certificate that was checked, right now. */
static sg_err prove_key(const struct hal *hal, struct token *t, size_t ci, struct sg_error *e)
{
	uint8_t rnd[32], hash[32], sig[SIG_MAX];
	size_t sig_len = sizeof(sig);
	enum token_sig kind = token_sig_for(&t->certs[ci], 0);
	sg_err err;

	if (hal_rng_fill(&hal->rng, rnd, sizeof(rnd)) != HAL_OK)
		return sg_error_set(e, SG_E_INTERNAL, "no random numbers from the device");
	sig_sha256(rnd, sizeof(rnd), hash);
	err = token_sign(t, ci, kind, hash, sizeof(hash), sig, &sig_len, e);
	if (!err)
		err = sig_verify_cert(t->certs[ci].der, t->certs[ci].der_len, kind, hash, sizeof(hash),
				      sig, sig_len, e);
	return err;
}

/* ---- the whole sign-in ----------------------------------------------------- */

static void note_cert(struct pamflow_result *r, const struct token_cert *tc)
{
	struct certinfo ci;

	if (certinfo_parse(tc->der, tc->der_len, &ci, NULL) == SG_OK) {
		snprintf(r->subject, sizeof(r->subject), "%s", ci.subject);
		snprintf(r->serial, sizeof(r->serial), "%s", ci.serial);
	}
}

static sg_err open_token(const struct hal *hal, const struct pamflow_opts *o, struct token **t,
			 struct sg_error *e)
{
	if (o->open)
		return o->open(hal, o->open_arg, t, e);
	return token_p11_open(hal, o->module, o->uri, t, e);
}

int pamflow_authenticate(const struct hal *hal, const struct pamflow_opts *o,
			 const struct pamflow_conv *conv, struct pamflow_result *r)
{
	struct token *t = NULL;
	struct pf_pick pick;
	size_t cert = 0;
	int retried = 0;
	sg_err err;

	memset(r, 0, sizeof(*r));
	sg_error_init(&r->e);
	memset(&pick, 0, sizeof(pick));
	map_from(&pick.map, o->cfg);
	pick.user = o->user && o->user[0] ? o->user : NULL;

	r->step = "token";
	err = open_token(hal, o, &t, &r->e);
	if (err)
		goto out;
	snprintf(r->token, sizeof(r->token), "%s", t->info.label);
	sg_debug(&hal->log, "token '%s' open: %zu certificate(s)", t->info.label, t->n_certs);

again:
	r->step = "mapping";
	err = pick_cert(t, &pick, &cert, &r->e);
	if (err == SG_E_CERT_IDENTITY) {
		err = no_cert_for(t, &pick, &r->e);
		/* For the log: the certificate that was refused (the first). */
		for (size_t i = 0; i < t->n_certs; i++)
			if (!t->certs[i].is_ca && t->certs[i].key_type != TOKEN_KEY_UNKNOWN) {
				note_cert(r, &t->certs[i]);
				break;
			}
	}
	if (err)
		goto out;
	note_cert(r, &t->certs[cert]);
	err = usermap_map(&pick.map, t->certs[cert].der, t->certs[cert].der_len, pick.user, r->user,
			  &r->e);
	if (err)
		goto out;
	sg_debug(&hal->log, "certificate %s (serial %s) maps to '%s' by %s", r->subject, r->serial,
		 r->user, usermap_method_name(pick.map.method));

	r->step = "certificate";
	err = check_cert(hal, o->cfg, t, t->certs[cert].der, t->certs[cert].der_len, &r->e);
	/* A certificate from the card's cache that fails (renewed on the
	 * card since) or whose key is not the card's: the card was read
	 * again (or is now); everything once more with what it holds. */
	if (err && !retried && token_refresh_certs(t, NULL) == SG_OK) {
		retried = 1;
		goto again;
	}
	if (err)
		goto out;

	if (!t->logged_in) {
		r->step = "pin";
		err = login(hal, o, conv, t, &r->e);
		if (err)
			goto out;
	}

	r->step = "signature";
	err = prove_key(hal, t, cert, &r->e);
	if (err == SG_E_SIGNATURE && t->certs_reread && !retried) {
		retried = 1;
		t->certs_reread = 0;
		sg_error_init(&r->e);
		goto again;
	}
	if (err)
		goto out;

	r->der = malloc(t->certs[cert].der_len);
	if (!r->der) {
		err = sg_error_set(&r->e, SG_E_NOMEM, "no memory");
		goto out;
	}
	memcpy(r->der, t->certs[cert].der, t->certs[cert].der_len);
	r->der_len = t->certs[cert].der_len;
	r->step = "done";
out:
	token_close(t);
	r->e.code = err;
	r->pam_code = pamflow_pam_code(err, o->ignore_no_card);
	/* PAM_IGNORE: the stack goes on to a password, silently. */
	if (err && r->pam_code != PAM_IGNORE)
		tell_failure(conv, r, pick.user);
	return r->pam_code;
}

void pamflow_result_free(struct pamflow_result *r)
{
	free(r->der);
	r->der = NULL;
	r->der_len = 0;
}
