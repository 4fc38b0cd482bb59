/* nameconstr.c: RFC 5280 name constraints (see nameconstr.h). */
#include "nameconstr.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>

#include "dn.h"

#define CONS_SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define CTX(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | (n))
#define CTX_CONS(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | (n))

enum { F_OTHER, F_RFC822, F_DNS, F_X400, F_DIR, F_EDI, F_URI, F_IP, F_RID };

static const uint8_t oid_nc[] = {0x55, 0x1d, 0x1e};  /* 2.5.29.30 */
static const uint8_t oid_san[] = {0x55, 0x1d, 0x11}; /* 2.5.29.17 */

static const char *const form_name[] = {"otherName",    "rfc822Name", "dNSName",
					"x400Address",  "directoryName", "ediPartyName",
					"uniformResourceIdentifier", "iPAddress", "registeredID"};

void nc_init(struct nc_state *st)
{
	memset(st, 0, sizeof(*st));
}

void nc_free(struct nc_state *st)
{
	memset(st, 0, sizeof(*st));
}

/* ---- extensions ---------------------------------------------------------- */

int nc_find_ext(const mbedtls_x509_crt *crt, const uint8_t *oid, size_t oid_len,
		const uint8_t **val, size_t *len, int *critical)
{
	unsigned char *p = crt->v3_ext.p, *end;
	size_t l;

	if (!p || !crt->v3_ext.len)
		return 0;
	end = p + crt->v3_ext.len;
	/* v3_ext holds [3] EXPLICIT { Extensions } */
	if (mbedtls_asn1_get_tag(&p, end, &l, CTX_CONS(3)) == 0)
		end = p + l;
	if (mbedtls_asn1_get_tag(&p, end, &l, CONS_SEQ))
		return -1;
	end = p + l;
	while (p < end) {
		unsigned char *ext_end;
		int crit = 0, found;

		if (mbedtls_asn1_get_tag(&p, end, &l, CONS_SEQ))
			return -1;
		ext_end = p + l;
		if (mbedtls_asn1_get_tag(&p, ext_end, &l, MBEDTLS_ASN1_OID))
			return -1;
		found = l == oid_len && !memcmp(p, oid, oid_len);
		p += l;
		if (p < ext_end && *p == MBEDTLS_ASN1_BOOLEAN && mbedtls_asn1_get_bool(&p, ext_end, &crit))
			return -1;
		if (mbedtls_asn1_get_tag(&p, ext_end, &l, MBEDTLS_ASN1_OCTET_STRING) ||
		    p + l != ext_end)
			return -1;
		if (found) {
			*val = p;
			*len = l;
			*critical = crit;
			return 1;
		}
		p = ext_end;
	}
	return 0;
}

int nc_crt_ext_cb(void *ctx, mbedtls_x509_crt const *crt, mbedtls_x509_buf const *oid,
		  int critical, const unsigned char *p, const unsigned char *end)
{
	(void)ctx;
	(void)crt;
	(void)p;
	(void)end;
	/* 2.5.29.30 NameConstraints, .32 certificatePolicies, .33 policyMappings,
	 * .36 policyConstraints, .54 inhibitAnyPolicy */
	if (oid->len == 3 && oid->p[0] == 0x55 && oid->p[1] == 0x1d &&
	    (oid->p[2] == 30 || oid->p[2] == 32 || oid->p[2] == 33 || oid->p[2] == 36 ||
	     oid->p[2] == 54))
		return 0;
	return critical ? MBEDTLS_ERR_X509_UNKNOWN_OID : 0;
}

/* ---- adding a CA's constraints ------------------------------------------- */

/* Reads GeneralSubtrees (the content of [0] or [1]) into the state. */
static int add_subtrees(struct nc_state *st, unsigned char *p, const unsigned char *end, int excl,
			const char **why)
{
	while (p < end) {
		unsigned char *st_end, *q;
		size_t len;
		int form, tag;

		if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ) || !len)
			return *why = "malformed", -1;
		st_end = p + len;
		q = p;
		tag = *q++;
		if ((tag & 0xC0) != MBEDTLS_ASN1_CONTEXT_SPECIFIC || (tag & 0x1F) > F_RID ||
		    mbedtls_asn1_get_len(&q, st_end, &len))
			return *why = "malformed", -1;
		form = tag & 0x1F;
		p = q + len;
		if (p < st_end) { /* minimum [0] DEFAULT 0, maximum [1] */
			if (*p == CTX(0) && (mbedtls_asn1_get_tag(&p, st_end, &len, CTX(0)) ||
					     len != 1 || *p++ != 0))
				return *why = "a subtree with a minimum (RFC 5280 forbids it)", -1;
			if (p != st_end)
				return *why = "a subtree with a maximum (RFC 5280 forbids it)", -1;
		}
		if (form == F_DIR && (tag != CTX_CONS(4) || !dn_equal(q, len, q, len)))
			return *why = "malformed directoryName", -1;
		if (form == F_IP && len != 8 && len != 32)
			return *why = "an iPAddress that is not an address and a mask", -1;
		if (form == F_DNS || form == F_RFC822 || form == F_URI)
			for (size_t i = 0; i < len; i++)
				if (q[i] < 0x20 || q[i] >= 0x7f)
					return *why = "a name with a byte that is not IA5 text", -1;
		if (st->n == NC_MAX_SUBTREES || len > NC_MAX_BYTES - st->used)
			return *why = "more subtrees than signet keeps on a path", -1;
		st->t[st->n] = (struct nc_subtree){(uint16_t)st->used, (uint16_t)len, (uint8_t)form,
						   (uint8_t)excl, (uint8_t)st->n_ca};
		memcpy(st->buf + st->used, q, len);
		st->used += len;
		st->n++;
	}
	return 0;
}

sg_err nc_add_der(struct nc_state *st, const uint8_t *der, size_t n, const char *ca,
		  struct sg_error *e)
{
	unsigned char *p = (unsigned char *)der, *end = p ? p + n : p;
	size_t len, n0 = st->n, used0 = st->used;
	const char *why = "malformed";
	int rc = -1;

	if (st->n_ca == NC_MAX_CAS) {
		why = "more name-constraining CAs than signet keeps";
		goto bad;
	}
	if (!p || mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ) || p + len != end)
		goto bad;
	rc = 0;
	if (p < end && *p == CTX_CONS(0) && !(rc = mbedtls_asn1_get_tag(&p, end, &len, CTX_CONS(0))))
		rc = add_subtrees(st, p, p + len, 0, &why), p += len;
	if (!rc && p < end && !(rc = mbedtls_asn1_get_tag(&p, end, &len, CTX_CONS(1))))
		rc = add_subtrees(st, p, p + len, 1, &why), p += len;
	if (!rc && p == end) {
		if (st->n > n0) {
			snprintf(st->ca[st->n_ca], NC_CA_NAME, "%s", ca ? ca : "a CA");
			st->n_ca++;
		}
		return SG_OK;
	}
bad:
	st->n = n0;
	st->used = used0;
	return sg_error_set(e, SG_E_CERT_UNTRUSTED, "the name constraints of %s cannot be used: %s",
			    ca ? ca : "a CA", why);
}

sg_err nc_add(struct nc_state *st, const mbedtls_x509_crt *crt, struct sg_error *e)
{
	char ca[NC_CA_NAME];
	const uint8_t *v;
	size_t len;
	int crit, rc = nc_find_ext(crt, oid_nc, sizeof(oid_nc), &v, &len, &crit);

	if (rc == 0)
		return SG_OK;
	dn_format(ca, sizeof(ca), &crt->subject);
	if (rc < 0)
		return sg_error_set(e, SG_E_CERT_UNTRUSTED,
				    "the extensions of %s cannot be read", ca);
	return nc_add_der(st, v, len, ca, e);
}

/* ---- matching ------------------------------------------------------------ */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int eq_ci(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return 1;
}

/* A host (DNS name) against a host or, with a leading '.', a domain. */
static int host_match(const uint8_t *h, size_t hn, const uint8_t *c, size_t cn, int dns)
{
	if (!cn)
		return 1;
	if (hn > cn && eq_ci(h + hn - cn, c, cn))
		/* c = ".example.com": anything under it; for dNSName, c =
		 * "example.com" also covers its subdomains */
		return c[0] == '.' || (dns && h[hn - cn - 1] == '.');
	return hn == cn && eq_ci(h, c, cn);
}

static const uint8_t *last_at(const uint8_t *p, size_t n)
{
	const uint8_t *at = NULL;

	for (size_t i = 0; i < n; i++)
		if (p[i] == '@')
			at = p + i;
	return at;
}

static int rfc822_match(const uint8_t *nm, size_t nn, const uint8_t *c, size_t cn)
{
	const uint8_t *at = last_at(nm, nn), *cat = last_at(c, cn);
	size_t local;

	if (!at)
		return -1;
	local = (size_t)(at - nm);
	if (cat) { /* a mailbox: local part exact, host without case */
		size_t cl = (size_t)(cat - c);
		return nn == cn && local == cl && !memcmp(nm, c, local) &&
		       eq_ci(at, cat, nn - local);
	}
	if (!cn)
		return 1;
	return host_match(at + 1, nn - local - 1, c, cn, 0);
}

/* The host of scheme://[userinfo@]host[:port][/...]; 0 when none. */
static int uri_host(const uint8_t *u, size_t n, const uint8_t **h, size_t *hn)
{
	size_t i = 0, a, e;

	while (i < n && u[i] != ':' && u[i] != '/')
		i++;
	if (i == 0 || n - i < 3 || memcmp(u + i, "://", 3))
		return 0;
	a = i + 3;
	for (e = a; e < n && u[e] != '/' && u[e] != '?' && u[e] != '#'; e++)
		if (u[e] == '@')
			a = e + 1;
	if (a < e && u[a] == '[')
		return 0; /* an IP literal is not a host a domain constraint names */
	for (i = a; i < e && u[i] != ':'; i++)
		;
	*h = u + a;
	*hn = i - a;
	return *hn > 0;
}

static int ip_match(const uint8_t *nm, size_t nn, const uint8_t *c, size_t cn)
{
	if (nn * 2 != cn)
		return 0;
	for (size_t i = 0; i < nn; i++)
		if ((nm[i] & c[nn + i]) != (c[i] & c[nn + i]))
			return 0;
	return 1;
}

/* 1 within, 0 not, -1 the name cannot be checked. */
static int match(int form, const uint8_t *nm, size_t nn, const uint8_t *c, size_t cn)
{
	const uint8_t *h;
	size_t hn;

	switch (form) {
	case F_DNS:
		return host_match(nm, nn, c, cn, 1);
	case F_RFC822:
		return rfc822_match(nm, nn, c, cn);
	case F_URI:
		if (!uri_host(nm, nn, &h, &hn))
			return -1;
		return host_match(h, hn, c, cn, 0);
	case F_DIR:
		return dn_is_within(nm, nn, c, cn);
	case F_IP:
		return ip_match(nm, nn, c, cn);
	}
	return -1;
}

/* The name in words for a message. */
static void describe(char *buf, size_t cap, int form, const uint8_t *p, size_t n,
		     const mbedtls_x509_crt *crt)
{
	size_t o = (size_t)snprintf(buf, cap, "%s ", form_name[form]);

	if (o >= cap)
		return;
	if (form == F_DIR) {
		if (p == crt->subject_raw.p)
			dn_format(buf + o, cap - o, &crt->subject);
		else
			snprintf(buf + o, cap - o, "(in subjectAltName)");
	} else if (form == F_IP && (n == 4 || n == 16)) {
		for (size_t i = 0; i < n && o + 6 < cap; i += n == 4 ? 1 : 2)
			o += (size_t)(n == 4 ? snprintf(buf + o, cap - o, "%s%u", i ? "." : "", p[i])
					     : snprintf(buf + o, cap - o, "%s%x", i ? ":" : "",
							(unsigned)(p[i] << 8 | p[i + 1])));
	} else if (form == F_DNS || form == F_RFC822 || form == F_URI) {
		for (size_t i = 0; i < n && o + 5 < cap; i++)
			o += (size_t)snprintf(buf + o, cap - o, p[i] < 0x20 || p[i] >= 0x7f ? "\\x%02x" : "%c",
					      p[i]);
	} else {
		snprintf(buf + o, cap - o, "(%zu bytes)", n);
	}
}

static sg_err check_name(const struct nc_state *st, const mbedtls_x509_crt *crt, int form,
			 const uint8_t *nm, size_t nn, struct sg_error *e)
{
	char what[160];
	uint32_t has = 0, ok = 0; /* per CA: constrains this form / name within one */

	for (size_t i = 0; i < st->n; i++) {
		const struct nc_subtree *t = &st->t[i];
		int m;

		if (t->form != form)
			continue;
		m = match(form, nm, nn, st->buf + t->off, t->len);
		if (m < 0) {
			describe(what, sizeof(what), form, nm, nn, crt);
			return sg_error_set(e, SG_E_CERT_UNTRUSTED,
					    "the name %s cannot be checked against the name "
					    "constraints of %s", what, st->ca[t->ca]);
		}
		if (t->excluded && m) {
			describe(what, sizeof(what), form, nm, nn, crt);
			return sg_error_set(e, SG_E_CERT_UNTRUSTED,
					    "the name %s is within the excluded subtrees of %s", what,
					    st->ca[t->ca]);
		}
		if (!t->excluded) {
			has |= 1u << t->ca;
			ok |= (uint32_t)m << t->ca;
		}
	}
	if (has & ~ok) {
		unsigned ca = 0;
		while (!((has & ~ok) >> ca & 1))
			ca++;
		describe(what, sizeof(what), form, nm, nn, crt);
		return sg_error_set(e, SG_E_CERT_UNTRUSTED,
				    "the name %s is outside the permitted subtrees of %s", what,
				    st->ca[ca]);
	}
	return SG_OK;
}

sg_err nc_check(const struct nc_state *st, const mbedtls_x509_crt *crt, int skip,
		struct sg_error *e)
{
	const uint8_t *v;
	unsigned char *p, *end;
	size_t len;
	int crit, rc;
	sg_err err;

	if (skip || !st->n)
		return SG_OK;
	if (!dn_is_empty(crt->subject_raw.p, crt->subject_raw.len) &&
	    (err = check_name(st, crt, F_DIR, crt->subject_raw.p, crt->subject_raw.len, e)))
		return err;
	for (const mbedtls_x509_name *nm = &crt->subject; nm; nm = nm->next)
		if (nm->oid.p && !MBEDTLS_OID_CMP(MBEDTLS_OID_PKCS9_EMAIL, &nm->oid) &&
		    (err = check_name(st, crt, F_RFC822, nm->val.p, nm->val.len, e)))
			return err;
	rc = nc_find_ext(crt, oid_san, sizeof(oid_san), &v, &len, &crit);
	if (rc < 0)
		return sg_error_set(e, SG_E_CERT_UNTRUSTED, "the extensions cannot be read");
	if (!rc)
		return SG_OK;
	p = (unsigned char *)v;
	end = p + len;
	if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ) || p + len != end)
		return sg_error_set(e, SG_E_CERT_UNTRUSTED, "the subjectAltName cannot be read");
	while (p < end) {
		int tag = *p++;
		if ((tag & 0xC0) != MBEDTLS_ASN1_CONTEXT_SPECIFIC || (tag & 0x1F) > F_RID ||
		    mbedtls_asn1_get_len(&p, end, &len))
			return sg_error_set(e, SG_E_CERT_UNTRUSTED,
					    "the subjectAltName cannot be read");
		if ((err = check_name(st, crt, tag & 0x1F, p, len, e)))
			return err;
		p += len;
	}
	return SG_OK;
}
