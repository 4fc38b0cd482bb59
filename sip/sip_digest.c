/*
 * sip_digest.c: Digest responses (RFC 2617 / RFC 7616) on mbedTLS's
 * message digests.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "sip_digest.h"
#include "sg_hex.h"
#include "sg_mem.h"

const char *sip_digest_alg_name(enum sip_digest_alg alg)
{
	return alg == SIP_DIGEST_SHA256 ? "SHA-256" : "MD5";
}

static int alg_of(struct sip_str a, enum sip_digest_alg *alg)
{
	if (!a.len || sip_str_ieq(a, "MD5"))
		*alg = SIP_DIGEST_MD5;
	else if (sip_str_ieq(a, "SHA-256"))
		*alg = SIP_DIGEST_SHA256;
	else
		return -1;
	return 0;
}

int sip_digest_supported(const struct sip_challenge *c)
{
	enum sip_digest_alg alg;

	return sip_str_ieq(c->scheme, "Digest") && alg_of(c->algorithm, &alg) == 0 &&
	       (!c->qop.len || sip_str_list_has(c->qop, "auth"));
}

sg_err sip_digest_take(struct sip_digest *d, const struct sip_challenge *c, int proxy,
		       struct sg_error *e)
{
	enum sip_digest_alg alg;
	char realm[sizeof(d->realm)], nonce[sizeof(d->nonce)];

	if (!sip_str_ieq(c->scheme, "Digest"))
		return sg_error_set(e, SG_E_REFUSED,
				    "the registrar asks for \"%.*s\" authentication; only Digest "
				    "is supported", (int)(c->scheme.len > 32 ? 32 : c->scheme.len),
				    c->scheme.p);
	if (alg_of(c->algorithm, &alg))
		return sg_error_set(e, SG_E_REFUSED,
				    "the registrar asks for Digest algorithm \"%.*s\"; MD5 and "
				    "SHA-256 are supported",
				    (int)(c->algorithm.len > 32 ? 32 : c->algorithm.len),
				    c->algorithm.p);
	if (c->qop.len && !sip_str_list_has(c->qop, "auth"))
		return sg_error_set(e, SG_E_REFUSED,
				    "the registrar offers Digest qop \"%.*s\"; only auth is "
				    "supported", (int)(c->qop.len > 32 ? 32 : c->qop.len), c->qop.p);
	if (sip_str_copy(c->realm, realm, sizeof(realm)) ||
	    sip_str_copy(c->nonce, nonce, sizeof(nonce)) || strpbrk(realm, "\"\\") ||
	    strpbrk(nonce, "\"\\") ||
	    (c->opaque.len && (c->opaque.len >= sizeof(d->opaque) ||
			       memchr(c->opaque.p, '"', c->opaque.len) ||
			       memchr(c->opaque.p, '\\', c->opaque.len))))
		return sg_error_set(e, SG_E_MALFORMED,
				    "Digest challenge: realm, nonce or opaque too long or holds "
				    "'\"', '\\' or NUL");
	if (strcmp(realm, d->realm) != 0 || strcmp(nonce, d->nonce) != 0 || d->alg != alg)
		d->nc = 0;
	d->alg = alg;
	d->proxy = proxy;
	d->qop_auth = c->qop.len != 0;
	memcpy(d->realm, realm, sizeof(realm));
	memcpy(d->nonce, nonce, sizeof(nonce));
	d->has_opaque = c->opaque.len != 0;
	(void)sip_str_copy(c->opaque, d->opaque, sizeof(d->opaque));
	return SG_OK;
}


/* H(p0 ":" p1 ":" ...) in hex. */
struct part {
	const void *p;
	size_t len;
};

static int hash_hex(const mbedtls_md_info_t *md, const struct part *parts, size_t n, char *out)
{
	mbedtls_md_context_t ctx;
	unsigned char h[MBEDTLS_MD_MAX_SIZE];
	size_t i;
	int r;

	mbedtls_md_init(&ctx);
	r = mbedtls_md_setup(&ctx, md, 0);
	if (!r)
		r = mbedtls_md_starts(&ctx);
	for (i = 0; i < n && !r; i++) {
		if (i)
			r = mbedtls_md_update(&ctx, (const unsigned char *)":", 1);
		if (!r && parts[i].len)
			r = mbedtls_md_update(&ctx, parts[i].p, parts[i].len);
	}
	if (!r)
		r = mbedtls_md_finish(&ctx, h);
	if (!r)
		sg_hex_encode(h, mbedtls_md_get_size(md), out, 2 * (size_t)mbedtls_md_get_size(md) + 1, 0);
	mbedtls_md_free(&ctx);
	mbedtls_platform_zeroize(h, sizeof(h));
	return r;
}

static struct part cs(const char *s)
{
	struct part p;

	p.p = s;
	p.len = strlen(s);
	return p;
}

sg_err sip_digest_compute(enum sip_digest_alg alg, const char *user, const char *realm,
			  const uint8_t *pw, size_t pw_len, const char *method, const char *uri,
			  const char *nonce, const char *nc, const char *cnonce, const char *qop,
			  char out[SIP_DIGEST_HEX_MAX], struct sg_error *e)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(
		alg == SIP_DIGEST_SHA256 ? MBEDTLS_MD_SHA256 : MBEDTLS_MD_MD5);
	char ha1[SIP_DIGEST_HEX_MAX], ha2[SIP_DIGEST_HEX_MAX];
	struct part p[6];
	sg_err err = SG_OK;
	int r;

	out[0] = '\0';
	if (!md)
		return sg_error_set(e, SG_E_INTERNAL, "Digest: %s is not in this mbedTLS build",
				    sip_digest_alg_name(alg));
	p[0] = cs(user);
	p[1] = cs(realm);
	p[2].p = pw;
	p[2].len = pw_len;
	r = hash_hex(md, p, 3, ha1);
	p[0] = cs(method);
	p[1] = cs(uri);
	if (!r)
		r = hash_hex(md, p, 2, ha2);
	p[0].p = ha1;
	p[0].len = strlen(ha1);
	p[1] = cs(nonce);
	if (!r && qop) {
		p[2] = cs(nc);
		p[3] = cs(cnonce);
		p[4] = cs(qop);
		p[5].p = ha2;
		p[5].len = strlen(ha2);
		r = hash_hex(md, p, 6, out);
	} else if (!r) {
		p[2].p = ha2;
		p[2].len = strlen(ha2);
		r = hash_hex(md, p, 3, out);
	}
	if (r)
		err = sg_error_set(e, SG_E_INTERNAL, "Digest: hashing failed (mbedTLS -0x%04x)",
				   (unsigned)-r);
	mbedtls_platform_zeroize(ha1, sizeof(ha1));
	mbedtls_platform_zeroize(ha2, sizeof(ha2));
	return err;
}

sg_err sip_digest_header(struct sip_digest *d, const struct hal_rng *rng, const char *user,
			 const uint8_t *pw, size_t pw_len, const char *method, const char *uri,
			 char *out, size_t cap, struct sg_error *e)
{
	char resp[SIP_DIGEST_HEX_MAX], nc[9], cnonce[33];
	uint8_t rnd[16];
	int n;
	sg_err err;

	if (!cap)
		return sg_error_set(e, SG_E_NOMEM, "Digest: no buffer");
	out[0] = '\0';
	if (strpbrk(user, "\"\\\r\n") || strpbrk(uri, "\"\r\n"))
		return sg_error_set(e, SG_E_CONFIG,
				    "Digest: the user name or URI holds a quote, backslash or line "
				    "break");
	d->nc++;
	snprintf(nc, sizeof(nc), "%08x", (unsigned)d->nc);
	if (hal_rng_fill(rng, rnd, sizeof(rnd)) != HAL_OK)
		return sg_error_set(e, SG_E_INTERNAL, "Digest: the random source failed (cnonce)");
	sg_hex_encode(rnd, sizeof(rnd), cnonce, sizeof(cnonce), 0);
	err = sip_digest_compute(d->alg, user, d->realm, pw, pw_len, method, uri, d->nonce,
				 d->qop_auth ? nc : NULL, cnonce, d->qop_auth ? "auth" : NULL, resp,
				 e);
	if (err)
		return err;
	n = snprintf(out, cap,
		     "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
		     "response=\"%s\", algorithm=%s%s%s%s",
		     user, d->realm, d->nonce, uri, resp, sip_digest_alg_name(d->alg),
		     d->has_opaque ? ", opaque=\"" : "", d->has_opaque ? d->opaque : "",
		     d->has_opaque ? "\"" : "");
	if (n > 0 && (size_t)n < cap && d->qop_auth)
		n += snprintf(out + n, cap - (size_t)n, ", qop=auth, nc=%s, cnonce=\"%s\"", nc,
			      cnonce);
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return sg_error_set(e, SG_E_NOMEM, "Digest: header longer than %zu bytes", cap);
	}
	return SG_OK;
}

int sip_digest_equal(const char *a, const char *b)
{
	size_t la = strlen(a);

	return la == strlen(b) && sg_ct_equal(a, b, la);
}
