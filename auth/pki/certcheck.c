/* certcheck.c: chain, time, usage, identity and revocation checks. */
#include "certcheck.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/oid.h>

#include "certinfo.h"
#include "dn.h"
#include "http.h"
#include "identity.h"
#include "path.h"
#include "sg_mem.h"
#include "sg_time.h"
#include "x509ext.h"

#define AIA_MAX_BYTES (64 * 1024)
#define AIA_MAX_ROUNDS 3

/* Microsoft smart-card logon EKU 1.3.6.1.4.1.311.20.2.2 */
static const char oid_sc_logon[] = "\x2b\x06\x01\x04\x01\x82\x37\x14\x02\x02";

/* The validated path (or the best one tried), anchor last. */
struct chain {
	const mbedtls_x509_crt *crt[PATH_MAX_LEN];
	size_t n;
};

void certcheck_policy_default(struct certcheck_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->allow_client_auth = 1;
	p->allow_smartcard_logon = 1;
	p->skew_s = 300;
	p->warn_days = 30;
	p->rsa_min_bits = 2048;
	revoke_policy_default(&p->revoke);
}

const char *certcheck_step_name(enum certcheck_step_id id)
{
	static const char *names[] = {"chain", "time", "usage", "identity", "revocation"};
	return (unsigned)id < CERTCHECK__STEPS ? names[id] : "?";
}

const char *certcheck_verdict_name(enum certcheck_verdict v)
{
	static const char *names[] = {"skip", "pass", "warn", "fail"};
	return (unsigned)v <= CERTCHECK_FAIL ? names[v] : "?";
}

static void step(struct certcheck_report *rep, enum certcheck_step_id id,
		 enum certcheck_verdict v, sg_err err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void step(struct certcheck_report *rep, enum certcheck_step_id id,
		 enum certcheck_verdict v, sg_err err, const char *fmt, ...)
{
	va_list ap;

	rep->steps[id].verdict = v;
	rep->steps[id].err = err;
	va_start(ap, fmt);
	vsnprintf(rep->steps[id].text, sizeof(rep->steps[id].text), fmt, ap);
	va_end(ap);
}

static void dn(char *buf, size_t len, const mbedtls_x509_name *name)
{
	dn_format(buf, len, name);
}

static int64_t x509_time(const mbedtls_x509_time *t)
{
	return sg_time_from_utc(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

/* ---- chain: RFC 5280 path validation (path.h) ----------------------------- */

/* Parses DER or PEM certificates from a caIssuers answer into pool. */
static int aia_add(const struct hal *hal, const mbedtls_x509_crt *top, int timeout_ms,
		   mbedtls_x509_crt *pool)
{
	struct x509ext_urls urls;
	struct http_response resp = {0};
	int added = 0;

	if (!x509ext_aia_urls(top, X509EXT_AIA_CA_ISSUERS, &urls))
		return 0;
	if (http_fetch(hal, urls.url[0], NULL, NULL, 0, AIA_MAX_BYTES, timeout_ms, &resp, NULL) ==
		    SG_OK &&
	    resp.status == 200 && resp.body_len)
		added = path_parse_der(pool, NULL, resp.body, resp.body_len) == 0;
	http_response_free(&resp);
	return added;
}

static sg_err check_chain(const struct hal *hal, const struct certcheck_policy *p,
			  const struct certcheck_input *in, const mbedtls_x509_crt *leaf,
			  mbedtls_x509_crt *aia, struct path_out *out, struct chain *ch,
			  struct certcheck_report *rep)
{
	struct path_in pin;
	struct sg_error e;
	sg_err rc;

	memset(&pin, 0, sizeof(pin));
	pin.target = leaf;
	pin.anchors = in->anchors;
	pin.pool[0] = in->intermediates;
	pin.pool[1] = aia;
	pin.unread = in->unread;
	pin.policy = &p->policy;
	pin.now = rep->now;
	pin.skew_s = p->skew_s;
	pin.time_soft = 1; /* the time check below judges and words it */
	pin.rsa_min_bits = p->rsa_min_bits;
	for (int round = 0;; round++) {
		sg_error_init(&e);
		rc = path_build(&pin, out, &e);
		if (rc != SG_E_CERT_UNTRUSTED || !(out->fail & PATH_F_NO_ISSUER) || !p->aia_fetch ||
		    round >= AIA_MAX_ROUNDS || !out->n ||
		    !aia_add(hal, out->crt[out->n - 1], p->revoke.timeout_ms, aia))
			break;
	}
	ch->n = out->n;
	memcpy(ch->crt, out->crt, out->n * sizeof(out->crt[0]));
	rep->chain_len = ch->n;
	for (size_t i = 0; i < ch->n && i < CERTCHECK_MAX_CHAIN; i++)
		dn(rep->chain[i], sizeof(rep->chain[i]), &ch->crt[i]->subject);
	if (rep->chain_len > CERTCHECK_MAX_CHAIN)
		rep->chain_len = CERTCHECK_MAX_CHAIN;
	rep->pol = out->pol;
	snprintf(rep->policy.text, sizeof(rep->policy.text), "%s", out->policy);
	snprintf(rep->names.text, sizeof(rep->names.text), "%s", out->names);
	if (rc == SG_OK) {
		rep->policy.verdict = rep->names.verdict = CERTCHECK_PASS;
		step(rep, CERTCHECK_CHAIN, CERTCHECK_PASS, SG_OK, "%zu certificate(s) up to '%s'",
		     ch->n, ch->n ? rep->chain[rep->chain_len - 1] : "?");
		return SG_OK;
	}
	/* what refused the path fails; what it got through passes */
	rep->policy.verdict = out->fail & PATH_F_POLICY			  ? CERTCHECK_FAIL
			      : strncmp(out->policy, "not checked", 11) ? CERTCHECK_PASS
									  : CERTCHECK_SKIP;
	rep->names.verdict = out->fail & PATH_F_NAMES			? CERTCHECK_FAIL
			     : strncmp(out->names, "not checked", 11) ? CERTCHECK_PASS
								      : CERTCHECK_SKIP;
	rc = rc == SG_E_NOMEM ? rc : SG_E_CERT_UNTRUSTED;
	step(rep, CERTCHECK_CHAIN, CERTCHECK_FAIL, rc, "%s", e.detail);
	return rc;
}

/* ---- time ---------------------------------------------------------------- */

static sg_err check_time(const struct certcheck_policy *p, const struct chain *ch,
			 const mbedtls_x509_crt *leaf, struct certcheck_report *rep)
{
	char when[32], who[200];
	int64_t now = rep->now;

	for (size_t i = 0; i < (ch->n ? ch->n : 1); i++) {
		const mbedtls_x509_crt *c = ch->n ? ch->crt[i] : leaf;
		int64_t nb = x509_time(&c->valid_from), na = x509_time(&c->valid_to);

		dn(who, sizeof(who), &c->subject);
		if (na + p->skew_s < now) {
			step(rep, CERTCHECK_TIME, CERTCHECK_FAIL, SG_E_CERT_EXPIRED,
			     "%s%s%s expired on %s", i ? "the issuing CA '" : "", i ? who : "",
			     i ? "'" : "the certificate", sg_time_format(na, when, sizeof(when)));
			return SG_E_CERT_EXPIRED;
		}
		if (nb - p->skew_s > now) {
			step(rep, CERTCHECK_TIME, CERTCHECK_FAIL, SG_E_CERT_NOT_YET_VALID,
			     "%s%s%s is not valid before %s (the device's clock says %s)",
			     i ? "the issuing CA '" : "", i ? who : "", i ? "'" : "the certificate",
			     sg_time_format(nb, when, sizeof(when)),
			     sg_time_format(now, who, sizeof(who)));
			return SG_E_CERT_NOT_YET_VALID;
		}
	}
	rep->not_after = x509_time(&leaf->valid_to);
	int64_t left = rep->not_after - now;
	rep->days_left = (int)(left > 0 ? left / 86400 : 0);
	rep->expiry_warning = left < (int64_t)p->warn_days * 86400;
	step(rep, CERTCHECK_TIME, rep->expiry_warning ? CERTCHECK_WARN : CERTCHECK_PASS, SG_OK,
	     "valid until %s (%d day%s left)%s", sg_time_format(rep->not_after, when, sizeof(when)),
	     rep->days_left, rep->days_left == 1 ? "" : "s",
	     rep->expiry_warning ? ": renew it soon" : "");
	return SG_OK;
}

/* ---- usage --------------------------------------------------------------- */

static int has_eku(const mbedtls_x509_crt *c, const char *oid, size_t len)
{
	for (const mbedtls_x509_sequence *s = &c->ext_key_usage; s && s->buf.p; s = s->next)
		if (s->buf.len == len && !memcmp(s->buf.p, oid, len))
			return 1;
	return 0;
}

static sg_err check_usage(const struct certcheck_policy *p, const mbedtls_x509_crt *leaf,
			  struct certcheck_report *rep)
{
	int has_ext = (leaf->ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE) != 0;
	int ok_eku;

	if (mbedtls_x509_crt_check_key_usage(leaf, MBEDTLS_X509_KU_DIGITAL_SIGNATURE)) {
		step(rep, CERTCHECK_USAGE, CERTCHECK_FAIL, SG_E_CERT_USAGE,
		     "key usage does not include digitalSignature");
		return SG_E_CERT_USAGE;
	}
	if (!has_ext) {
		ok_eku = !p->require_eku;
	} else {
		ok_eku = (p->allow_client_auth && has_eku(leaf, MBEDTLS_OID_CLIENT_AUTH,
							   MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH))) ||
			 (p->allow_smartcard_logon &&
			  has_eku(leaf, oid_sc_logon, sizeof(oid_sc_logon) - 1)) ||
			 has_eku(leaf, MBEDTLS_OID_ANY_EXTENDED_KEY_USAGE,
				 MBEDTLS_OID_SIZE(MBEDTLS_OID_ANY_EXTENDED_KEY_USAGE));
	}
	if (!ok_eku) {
		step(rep, CERTCHECK_USAGE, CERTCHECK_FAIL, SG_E_CERT_USAGE,
		     "%s: it needs %s%s%s", has_ext ? "extended key usage is not for sign-in"
						   : "the certificate has no extended key usage",
		     p->allow_client_auth ? "clientAuth" : "",
		     p->allow_client_auth && p->allow_smartcard_logon ? " or " : "",
		     p->allow_smartcard_logon ? "smart-card logon (1.3.6.1.4.1.311.20.2.2)" : "");
		return SG_E_CERT_USAGE;
	}
	step(rep, CERTCHECK_USAGE, CERTCHECK_PASS, SG_OK, "digitalSignature%s",
	     !has_ext ? ", no extended key usage (any purpose)"
	     : has_eku(leaf, oid_sc_logon, sizeof(oid_sc_logon) - 1) &&
			     p->allow_smartcard_logon
		     ? ", smart-card logon"
		     : ", clientAuth");
	return SG_OK;
}

/* ---- identity ------------------------------------------------------------ */

static int cn_matches(const mbedtls_x509_crt *leaf, const char *identity)
{
	const char *id = identity;
	char cn[256];

	if (!strncmp(id, "sip:", 4))
		id += 4;
	for (const mbedtls_x509_name *n = &leaf->subject; n && n->oid.p; n = n->next) {
		if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid))
			continue;
		/* the CN decoded (a BMPString CN names its user too) */
		int k = dn_decode(n->val.tag, n->val.p, n->val.len, cn, sizeof(cn));
		if (k >= 0 && (size_t)k == strlen(id) && !memcmp(cn, id, (size_t)k))
			return 1;
	}
	return 0;
}

static sg_err check_identity(const struct certcheck_policy *p, const struct certcheck_input *in,
			     const mbedtls_x509_crt *leaf, struct certcheck_report *rep)
{
	struct certinfo ci;
	char names[400];

	if (!in->identity) {
		step(rep, CERTCHECK_IDENTITY, CERTCHECK_SKIP, SG_OK, "no user identity given");
		return SG_OK;
	}
	if (certinfo_parse(leaf->raw.p, leaf->raw.len, &ci, NULL) != SG_OK)
		memset(&ci, 0, sizeof(ci));
	if (identity_match(&ci, in->identity)) {
		step(rep, CERTCHECK_IDENTITY, CERTCHECK_PASS, SG_OK, "names %s", in->identity);
		return SG_OK;
	}
	if (p->cn_fallback && cn_matches(leaf, in->identity)) {
		step(rep, CERTCHECK_IDENTITY, CERTCHECK_PASS, SG_OK, "subject CN is %s (CN fallback)",
		     in->identity);
		return SG_OK;
	}
	identity_names(&ci, names, sizeof(names));
	step(rep, CERTCHECK_IDENTITY, CERTCHECK_FAIL, SG_E_CERT_IDENTITY, "names %s, not %s", names,
	     in->identity);
	return SG_E_CERT_IDENTITY;
}

/* ---- revocation ---------------------------------------------------------- */

/* The failing step for certificate i (who: its subject) without a
 * trustworthy answer, worded by why: an administrator configures a CRL
 * for a certificate that names no source, but looks at the network for
 * one whose source did not answer. */
static void unavailable_step(struct certcheck_report *rep, size_t i, const char *who,
			     const struct revoke_result *rr, sg_err err, const struct sg_error *e)
{
	char what[240];

	if (i)
		snprintf(what, sizeof(what), "the issuing CA '%s'", who);
	else
		snprintf(what, sizeof(what), "the certificate");
	switch (rr->missing) {
	case REVOKE_MISSING_NO_SOURCE:
		step(rep, CERTCHECK_REVOCATION, CERTCHECK_FAIL, err,
		     "%s names no revocation source (%s)", what, e->detail);
		rep->advice = i ? CERTCHECK_ADVICE_CRL_OR_LEAF : CERTCHECK_ADVICE_CRL_OR_OCSP;
		break;
	case REVOKE_MISSING_UNREACHABLE:
		step(rep, CERTCHECK_REVOCATION, CERTCHECK_FAIL, err,
		     "%s: no trustworthy answer: its revocation source could not be reached (%s)",
		     what, e->detail);
		break;
	default:
		step(rep, CERTCHECK_REVOCATION, CERTCHECK_FAIL, err, "%s: no trustworthy answer (%s)",
		     what, e->detail);
		break;
	}
}

/* The CRL signer's path for revoke.c (revoke_signer_path_fn): the path
 * validation's own (path_crl_signer: keyUsage cRLSign, a path over the
 * intermediates to the one trust anchor of the path being checked, every
 * certificate valid at now; policies do not apply, RFC 5280 6.3.3 (f)). */
struct signer_arg {
	const mbedtls_x509_crt *anchor;  /* the checked path's trust anchor */
	const mbedtls_x509_crt *anchors; /* all of them (the anchor is one) */
	const mbedtls_x509_crt *pool;    /* intermediates */
	const struct path_unread *unread;
	int rsa_min_bits, skew_s;
};

static sg_err signer_path(void *arg, const mbedtls_x509_crt *signer, int64_t now,
			  struct revoke_path *path, struct sg_error *e)
{
	const struct signer_arg *a = arg;
	struct path_in in;
	struct path_out *out;
	sg_err err;

	/* The signer may not outlive this call: the path points at a copy. */
	if (path_parse_der(&path->store, NULL, signer->raw.p, signer->raw.len) != 0)
		return sg_error_set(e, SG_E_CERT_PARSE, "the CRL signer cannot be read");
	out = sg_calloc(1, sizeof(*out));
	if (!out)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	memset(&in, 0, sizeof(in));
	in.target = &path->store;
	in.anchors = a->anchors;
	in.pool[0] = a->pool;
	in.unread = a->unread;
	in.now = now;
	in.skew_s = a->skew_s;
	in.rsa_min_bits = a->rsa_min_bits;
	err = path_crl_signer(&in, a->anchor, out, e);
	if (!err && (out->n < 2 || out->n > REVOKE_PATH_MAX))
		err = sg_error_set(e, SG_E_CERT_UNTRUSTED, "its path to the trust anchor has %zu "
				   "certificates (2 to %d)", out->n, REVOKE_PATH_MAX);
	if (!err) {
		for (size_t i = 0; i < out->n; i++)
			path->crt[i] = out->crt[i];
		path->n = out->n;
	}
	sg_free(out);
	return err;
}

static sg_err check_revocation(const struct hal *hal, const struct certcheck_policy *p,
			       const struct certcheck_input *in, const struct chain *ch,
			       struct certcheck_report *rep)
{
	struct signer_arg sa = {ch->crt[ch->n - 1], in->anchors, in->intermediates, in->unread,
				p->rsa_min_bits, p->skew_s};
	struct revoke_env env;
	struct revoke_result rr;
	struct sg_error e;
	char who[200];
	sg_err missing = SG_OK;
	/* Chain scope: every certificate below the trust anchor; leaf: the
	 * end entity only. */
	size_t top = p->revocation_scope == CERTCHECK_SCOPE_LEAF ? 1 : ch->n - 1;

	/* CA certificates first, the end entity last so that its result is
	 * what the report keeps. */
	struct revoke_policy ca_pol = p->revoke;

	/* CA certificates: a configured responder URL is the end entity's
	 * (it serves one CA's users), and both methods are worth a try, since
	 * CAs often publish only CRLs. */
	ca_pol.ocsp_url = NULL;
	if (ca_pol.n_methods == 1) {
		ca_pol.methods[1] = ca_pol.methods[0] == REVOKE_OCSP ? REVOKE_CRL : REVOKE_OCSP;
		ca_pol.n_methods = 2;
	}
	memset(&env, 0, sizeof(env));
	env.crls = in->crls;
	env.signers[0] = in->intermediates;
	env.signers[1] = in->anchors;
	env.signer_path = signer_path;
	env.arg = &sa;
	for (size_t i = top; i-- > 0;) {
		sg_error_init(&e);
		sg_err err = revoke_check(hal, i ? &ca_pol : &p->revoke, ch->crt[i], ch->crt[i + 1],
					  &env, rep->now, &rr, &e);
		if (i == 0)
			rep->revocation = rr;
		if (!err)
			continue;
		dn(who, sizeof(who), &ch->crt[i]->subject);
		if (err == SG_E_REVOKED) {
			/* Definite: it wins over any certificate without an answer. */
			rep->advice = CERTCHECK_ADVICE_NONE;
			step(rep, CERTCHECK_REVOCATION, CERTCHECK_FAIL, err, "%s%s%s: %s",
			     i ? "the issuing CA '" : "", i ? who : "", i ? "'" : "the certificate",
			     e.detail);
			return err;
		}
		/* No answer: the first one is reported, unless a certificate
		 * further down turns out to be revoked. */
		if (!missing) {
			missing = err;
			unavailable_step(rep, i, who, &rr, err, &e);
		}
	}
	if (missing)
		return missing;
	const char *scope = p->revocation_scope == CERTCHECK_SCOPE_LEAF && ch->n > 2
				    ? " (CA certificates not checked: revocation_scope = leaf)"
				    : "";
	if (rep->revocation.status == REVOKE_NOT_CHECKED)
		step(rep, CERTCHECK_REVOCATION, p->revoke.n_methods ? CERTCHECK_WARN : CERTCHECK_SKIP,
		     SG_OK, "%s%s%s%s", rep->revocation.source, rep->revocation.trail[0] ? ": " : "",
		     rep->revocation.trail, scope);
	else
		step(rep, CERTCHECK_REVOCATION, rep->revocation.stale ? CERTCHECK_WARN : CERTCHECK_PASS,
		     SG_OK, "not revoked, says %s%s%s", rep->revocation.source,
		     rep->revocation.stale ? " (past its next update, within the grace period)" : "",
		     scope);
	return SG_OK;
}

/* ---- all ----------------------------------------------------------------- */

static sg_err first_failure(struct certcheck_report *rep, struct sg_error *e)
{
	for (int i = 0; i < CERTCHECK__STEPS; i++) {
		if (rep->steps[i].verdict != CERTCHECK_FAIL)
			continue;
		rep->result = rep->steps[i].err;
		return sg_error_set(e, rep->result, "%s", rep->steps[i].text);
	}
	rep->result = SG_OK;
	return SG_OK;
}

sg_err certcheck_run(const struct hal *hal, const struct certcheck_policy *p,
		     const struct certcheck_input *in, struct certcheck_report *rep,
		     struct sg_error *e)
{
	mbedtls_x509_crt leaf, aia;
	struct path_out *out = NULL;
	struct chain ch;
	sg_err err;
	int rc;

	memset(rep, 0, sizeof(*rep));
	memset(&ch, 0, sizeof(ch));
	snprintf(rep->policy.text, sizeof(rep->policy.text), "not checked");
	snprintf(rep->names.text, sizeof(rep->names.text), "not checked");
	mbedtls_x509_crt_init(&leaf);
	mbedtls_x509_crt_init(&aia);
	rc = path_parse_der(&leaf, NULL, in->der, in->der_len);
	if (rc) {
		char why[120];
		mbedtls_strerror(rc, why, sizeof(why));
		step(rep, CERTCHECK_CHAIN, CERTCHECK_FAIL, SG_E_CERT_PARSE,
		     "the certificate cannot be read: %s", why);
		goto out;
	}
	if (in->at_set) {
		rep->now = in->at;
	} else if (hal_clock_wall(&hal->clock, &rep->now) != HAL_OK) {
		step(rep, CERTCHECK_TIME, CERTCHECK_FAIL, SG_E_TIME_UNKNOWN,
		     "the device does not know the date and time yet");
		goto out;
	}
	out = sg_calloc(1, sizeof(*out));
	if (!out) {
		step(rep, CERTCHECK_CHAIN, CERTCHECK_FAIL, SG_E_NOMEM, "out of memory");
		goto out;
	}
	err = check_chain(hal, p, in, &leaf, &aia, out, &ch, rep);
	check_time(p, &ch, &leaf, rep);
	check_usage(p, &leaf, rep);
	check_identity(p, in, &leaf, rep);
	if (err == SG_OK && rep->steps[CERTCHECK_TIME].verdict != CERTCHECK_FAIL && ch.n >= 2)
		check_revocation(hal, p, in, &ch, rep);
	else if (err == SG_OK && ch.n < 2)
		step(rep, CERTCHECK_REVOCATION, CERTCHECK_SKIP, SG_OK,
		     "the certificate is itself a trust anchor");
	else
		step(rep, CERTCHECK_REVOCATION, CERTCHECK_SKIP, SG_OK,
		     "not checked: the chain or the time check failed");
out:
	sg_free(out);
	mbedtls_x509_crt_free(&aia);
	mbedtls_x509_crt_free(&leaf);
	return first_failure(rep, e);
}
