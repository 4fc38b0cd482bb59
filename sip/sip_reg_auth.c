/*
 * sip_reg_auth.c: the registration client's Digest retry (RFC 3261 22,
 * RFC 8760): a 401/407 picks the strongest challenge we can answer (MD5
 * or SHA-256), answered once per nonce, again only when the registrar
 * says stale=true or sends a new nonce; the password is kept for that and
 * wiped with the client. See sip_reg_priv.h.
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "sg_mem.h"
#include "sip_reg_priv.h"

int reg_auth_set_password(struct sip_reg *r, const char *password, size_t len)
{
	r->pw = sg_calloc(1, len + 1);
	if (!r->pw)
		return -1;
	memcpy(r->pw, password, len);
	r->pw_len = len;
	return 0;
}

void reg_auth_wipe(struct sip_reg *r)
{
	if (r->pw)
		sg_free_secret(r->pw, r->pw_len + 1);
	mbedtls_platform_zeroize(&r->dig, sizeof(r->dig));
}

/* Picks the strongest Digest challenge we can answer. */
sg_err reg_auth_challenge(struct sip_reg *r, const struct sip_msg *m, struct sg_error *e)
{
	enum sip_hdr_id id = m->status == 407 ? SIP_HDR_PROXY_AUTHENTICATE
					      : SIP_HDR_WWW_AUTHENTICATE;
	struct sip_challenge c, best;
	int have = 0, rc;
	size_t i;
	char realm[128] = "", nonce[256] = "";
	sg_err err;

	memset(&best, 0, sizeof(best));
	for (i = 0; (rc = sip_msg_challenge(m, id, i, &c, e)) == SIP_FOUND; i++) {
		if (!have) {
			best = c; /* for the error message when none is supported */
		}
		if (!sip_digest_supported(&c))
			continue;
		if (!have || !sip_digest_supported(&best) ||
		    sip_str_ieq(c.algorithm, "SHA-256"))
			best = c;
		have = 1;
	}
	if (rc == SIP_BAD)
		return SG_E_MALFORMED;
	if (i == 0)
		return sg_error_set(e, SG_E_MALFORMED, "%d without a %s header", m->status,
				    m->status == 407 ? "Proxy-Authenticate" : "WWW-Authenticate");
	(void)sip_str_copy(best.realm, realm, sizeof(realm));
	(void)sip_str_copy(best.nonce, nonce, sizeof(nonce));
	if (!r->pw)
		return sg_error_set(e, SG_E_REFUSED,
				    "the registrar asks for a password (Digest realm \"%s\") and "
				    "none is configured", realm);
	/* Once per nonce: the same challenge again means the answer was
	 * wrong, unless the registrar says the nonce merely went stale. */
	if (r->have_dig && !r->dig_fresh && !best.stale && !strcmp(realm, r->dig.realm) &&
	    !strcmp(nonce, r->dig.nonce))
		return sg_error_set(e, SG_E_REFUSED,
				    "the registrar rejected the password of \"%s\" for realm "
				    "\"%s\" (%d)", r->auth_user, realm, m->status);
	err = sip_digest_take(&r->dig, &best, m->status == 407, e);
	if (err)
		return err;
	r->have_dig = 1;
	r->dig_fresh = 1;
	return SG_OK;
}

sg_err reg_auth_header(struct sip_reg *r, struct sip_register *rq, char *buf, size_t cap,
		       struct sg_error *e)
{
	sg_err err;

	if (!r->have_dig || !r->pw)
		return SG_OK;
	err = sip_digest_header(&r->dig, &r->hal->rng, r->auth_user, r->pw, r->pw_len, "REGISTER",
				r->req_uri, buf, cap, e);
	if (err)
		return err;
	rq->auth_name = r->dig.proxy ? "Proxy-Authorization" : "Authorization";
	rq->auth_value = buf;
	r->dig_fresh = 0;
	return SG_OK;
}
