/* crl.c: signet's CRL reader and the per-CRL steps of RFC 5280 6.3.3. */
#include "crl.h"

#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform.h>
#include <mbedtls/x509.h>

#include "dn.h"
#include "sg_mem.h"
#include "sg_time.h"
#include "x509ext.h"

#define SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define CTX(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | (n))
#define CTXC(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | (n))

/* 2.5.29.x: the last arc of the extensions read here. */
enum {
	X_IAN = 18, X_NUMBER = 20, X_REASON = 21, X_HOLD = 23, X_INVALIDITY = 24,
	X_DELTA = 27, X_IDP = 28, X_CERT_ISSUER = 29, X_CRLDP = 31, X_AKI = 35, X_FRESHEST = 46,
};

typedef unsigned char uc;

static int get(uc **p, const uc *end, size_t *len, int tag)
{
	return mbedtls_asn1_get_tag(p, end, len, tag);
}

static int64_t xtime(const mbedtls_x509_time *t)
{
	return sg_time_from_utc(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

static int read_time(uc **p, const uc *end, int64_t *out)
{
	mbedtls_x509_time t;

	if (mbedtls_x509_get_time(p, end, &t))
		return -1;
	*out = xtime(&t);
	return 0;
}

/* ReasonFlags (a BIT STRING's contents, unused-bits byte first) as a mask. */
static unsigned reason_mask(const uc *p, size_t len)
{
	unsigned m = 0;

	for (unsigned i = 0; i < 9 && 1 + i / 8 < len; i++)
		if (p[1 + i / 8] >> (7 - i % 8) & 1)
			m |= 1u << i;
	return m;
}

/* An INTEGER's contents as a non-negative number of at most 20 octets
 * (RFC 5280 5.2.3), leading zero octets skipped. -1 when it is not. */
static int unsigned_int(uc **p, const uc *end, struct crl_buf *out)
{
	size_t len;

	if (get(p, end, &len, MBEDTLS_ASN1_INTEGER) || len == 0 || len > 21 || (**p & 0x80))
		return -1;
	out->p = *p;
	out->len = len;
	*p += len;
	while (out->len > 1 && !out->p[0]) {
		out->p++;
		out->len--;
	}
	return 0;
}

int crl_number_cmp(const struct crl_buf *a, const struct crl_buf *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->len ? memcmp(a->p, b->p, a->len) : 0;
}

static int read_idp(struct crl *crl, uc *p, const uc *end)
{
	size_t len;
	int last = -1;

	crl->has_idp = 1;
	crl->idp_raw.p = p;
	crl->idp_raw.len = (size_t)(end - p);
	if (get(&p, end, &len, SEQ) || p + len != end)
		return -1;
	while (p < end) {
		int tag = *p, n = tag & 0x1f, b = 0;

		/* [0]..[5] in order, each at most once */
		if ((tag & 0xc0) != MBEDTLS_ASN1_CONTEXT_SPECIFIC || n > 5 || n <= last)
			return -1;
		last = n;
		if (n == 0) {
			uc *q;
			if (get(&p, end, &len, CTXC(0)))
				return -1;
			q = p;
			p += len;
			crl->idp_dp.p = q;
			crl->idp_dp.len = len;
			/* one DistributionPointName: fullName [0] or relative [1] */
			if (len == 0 || (*q != CTXC(0) && *q != CTXC(1)) || mbedtls_asn1_get_tag(&q, p, &len, *q) ||
			    q + len != p)
				return -1;
			continue;
		}
		if (n == 3) {
			if (get(&p, end, &len, CTX(3)) || len == 0 || len > 3)
				return -1;
			crl->reasons = reason_mask(p, len);
			p += len;
			continue;
		}
		/* the BOOLEANs, [1] [2] [4] [5] IMPLICIT */
		if (get(&p, end, &len, CTX(n)) || len != 1)
			return -1;
		b = *p++ != 0;
		if (n == 1)
			crl->only_user = b;
		else if (n == 2)
			crl->only_ca = b;
		else if (n == 4)
			crl->indirect = b;
		else
			crl->only_attr = b;
	}
	return 0;
}

/* One extension's value for the CRL (en NULL) or an entry. -1 malformed,
 * 0 read or ignored, 1 unknown and critical. */
static int read_ext(struct crl *crl, struct crl_entry *en, int id, uc *p, const uc *end)
{
	size_t len;

	if (en) {
		switch (id) {
		case X_REASON: {
			int v;
			if (mbedtls_asn1_get_enum(&p, end, &v) || v < 0 || v > 10 || v == 7)
				return -1;
			en->reason = v;
			return p == end ? 0 : -1;
		}
		case X_CERT_ISSUER:
			if (get(&p, end, &len, SEQ) || p + len != end || len == 0)
				return -1;
			en->cert_issuer.p = p;
			en->cert_issuer.len = len;
			return 0;
		case X_HOLD:
		case X_INVALIDITY:
			return 0;
		}
		return 1;
	}
	switch (id) {
	case X_NUMBER:
		return unsigned_int(&p, end, &crl->number) || p != end ? -1 : 0;
	case X_DELTA:
		return unsigned_int(&p, end, &crl->base) || p != end ? -1 : 0;
	case X_IDP:
		return read_idp(crl, p, end);
	case X_FRESHEST:
		crl->freshest.p = p;
		crl->freshest.len = (size_t)(end - p);
		return 0;
	case X_AKI:
		/* SEQUENCE { keyIdentifier [0] OPTIONAL, ... } */
		if (get(&p, end, &len, SEQ))
			return -1;
		if (p < end && *p == CTX(0) && get(&p, end, &len, CTX(0)) == 0) {
			crl->aki.p = p;
			crl->aki.len = len;
		}
		return 0;
	case X_IAN:
		return 0;
	}
	return 1;
}

/* Extensions ::= SEQUENCE OF Extension, at p (tag included) up to end. */
static int read_exts(struct crl *crl, struct crl_entry *en, uc *p, const uc *end)
{
	static const uc ce[] = {0x55, 0x1d};
	uint64_t seen = 0;
	size_t len;

	if (get(&p, end, &len, SEQ) || p + len != end || len == 0)
		return -1;
	while (p < end) {
		uc *x_end, *oid;
		size_t oid_len;
		int crit = 0, id = -1, r;

		if (get(&p, end, &len, SEQ))
			return -1;
		x_end = p + len;
		if (get(&p, x_end, &oid_len, MBEDTLS_ASN1_OID))
			return -1;
		oid = p;
		p += oid_len;
		if (p < x_end && *p == MBEDTLS_ASN1_BOOLEAN && mbedtls_asn1_get_bool(&p, x_end, &crit))
			return -1;
		if (get(&p, x_end, &len, MBEDTLS_ASN1_OCTET_STRING) || p + len != x_end)
			return -1;
		if (oid_len == 3 && !memcmp(oid, ce, 2) && oid[2] < 64)
			id = oid[2];
		if (id >= 0) {
			if (seen >> id & 1)
				return -1; /* RFC 5280 4.2: at most once */
			seen |= (uint64_t)1 << id;
		}
		r = read_ext(crl, en, id, p, x_end);
		if (r < 0)
			return -1;
		if (r > 0 && crit && !crl->unusable)
			crl->unusable = en ? "it has an unknown critical CRL entry extension"
					   : "it has an unknown critical CRL extension";
		p = x_end;
	}
	return 0;
}

/* One revokedCertificates entry at *p; it->cert_issuer carries the
 * indirect CRL's certificateIssuer from entry to entry. */
static int read_entry(struct crl *crl, uc **p, const uc *end, struct crl_entry *en,
		      struct crl_buf *issuer_in_force)
{
	uc *e_end;
	size_t len;

	memset(en, 0, sizeof(*en));
	en->reason = -1;
	if (get(p, end, &len, SEQ))
		return -1;
	e_end = *p + len;
	if (get(p, e_end, &len, MBEDTLS_ASN1_INTEGER) || len == 0)
		return -1;
	en->serial.p = *p;
	en->serial.len = len;
	*p += len;
	if (read_time(p, e_end, &en->when))
		return -1;
	if (*p < e_end) {
		if (crl->version < 2 || read_exts(crl, en, *p, e_end))
			return -1;
		*p = e_end;
	}
	if (en->cert_issuer.len)
		*issuer_in_force = en->cert_issuer;
	else
		en->cert_issuer = *issuer_in_force;
	return 0;
}

sg_err crl_parse(struct crl *crl, const uint8_t *der, size_t der_len, struct sg_error *e)
{
	uc *p = (uc *)der, *end, *tbs_end, *alg1;
	size_t len, alg1_len;
	const char *where = "the CRL's outer SEQUENCE";

	memset(crl, 0, sizeof(*crl));
	crl->reasons = CRL_REASONS_ALL;
	if (!der || get(&p, (const uc *)der + der_len, &len, SEQ))
		goto bad;
	end = p + len;
	crl->raw.p = der;
	crl->raw.len = (size_t)(end - der);
	crl->tbs.p = p;
	where = "TBSCertList";
	if (get(&p, end, &len, SEQ))
		goto bad;
	tbs_end = p + len;
	crl->tbs.len = (size_t)(tbs_end - crl->tbs.p);
	crl->version = 1;
	if (p < tbs_end && *p == MBEDTLS_ASN1_INTEGER) {
		int v;
		where = "version";
		if (mbedtls_asn1_get_int(&p, tbs_end, &v) || v != 1)
			goto bad;
		crl->version = 2;
	}
	where = "signature algorithm";
	alg1 = p;
	if (get(&p, tbs_end, &len, SEQ))
		goto bad;
	p += len;
	alg1_len = (size_t)(p - alg1);
	where = "issuer";
	crl->issuer.p = p;
	if (get(&p, tbs_end, &len, SEQ))
		goto bad;
	p += len;
	crl->issuer.len = (size_t)(p - crl->issuer.p);
	where = "thisUpdate";
	if (read_time(&p, tbs_end, &crl->this_update))
		goto bad;
	where = "nextUpdate";
	if (p < tbs_end && (*p == MBEDTLS_ASN1_UTC_TIME || *p == MBEDTLS_ASN1_GENERALIZED_TIME) &&
	    read_time(&p, tbs_end, &crl->next_update))
		goto bad;
	where = "revokedCertificates";
	if (p < tbs_end && *p == SEQ) {
		struct crl_entry en;
		struct crl_buf in_force = {0};
		uc *q, *r_end;

		if (get(&p, tbs_end, &len, SEQ))
			goto bad;
		q = p;
		r_end = p + len;
		p = r_end;
		crl->entries.p = q;
		crl->entries.len = len;
		while (q < r_end) {
			if (read_entry(crl, &q, r_end, &en, &in_force))
				goto bad;
			crl->n_entries++;
		}
	}
	where = "crlExtensions";
	if (p < tbs_end) {
		if (crl->version < 2 || get(&p, tbs_end, &len, CTXC(0)) || p + len != tbs_end ||
		    read_exts(crl, NULL, p, tbs_end))
			goto bad;
		p = tbs_end;
	}
	if (p != tbs_end)
		goto bad;
	where = "signatureAlgorithm";
	crl->sig_alg.p = p;
	if (get(&p, end, &len, SEQ))
		goto bad;
	p += len;
	crl->sig_alg.len = (size_t)(p - crl->sig_alg.p);
	if (crl->sig_alg.len != alg1_len || memcmp(crl->sig_alg.p, alg1, alg1_len))
		goto bad; /* RFC 5280 5.1.1.2: the same as in the TBS */
	where = "signature";
	if (get(&p, end, &len, MBEDTLS_ASN1_BIT_STRING) || len < 2 || *p > 7 || p + len != end)
		goto bad;
	crl->sig.p = p + 1;
	crl->sig.len = len - 1;
	if (*p && !crl->unusable)
		crl->unusable = "its signature is not a whole number of bytes";
	if (crl->base.len && !crl->number.len && !crl->unusable)
		crl->unusable = "it is a delta CRL without a cRLNumber";
	return SG_OK;
bad:
	memset(crl, 0, sizeof(*crl));
	return sg_error_set(e, SG_E_MALFORMED, "not a CRL (%s does not parse)", where);
}

void crl_iter_init(const struct crl *crl, struct crl_iter *it)
{
	memset(it, 0, sizeof(*it));
	it->p = crl->entries.p;
	it->end = crl->entries.p ? crl->entries.p + crl->entries.len : NULL;
	it->version = crl->version;
}

int crl_iter_next(struct crl_iter *it, struct crl_entry *en)
{
	struct crl dummy;
	uc *p = (uc *)it->p;

	if (!it->p || it->p >= it->end)
		return 0;
	memset(&dummy, 0, sizeof(dummy));
	dummy.version = it->version;
	/* crl_parse read every entry already: this cannot fail, but stays
	 * bounded if it did. */
	if (read_entry(&dummy, &p, it->end, en, &it->cert_issuer)) {
		it->p = it->end;
		return 0;
	}
	it->p = p;
	return 1;
}

sg_err crl_verify(const struct crl *crl, const mbedtls_x509_crt *signer, struct sg_error *e)
{
	unsigned char hash[MBEDTLS_MD_MAX_SIZE];
	mbedtls_x509_buf oid, params;
	mbedtls_md_type_t md_type;
	mbedtls_pk_type_t pk_type;
	const mbedtls_md_info_t *md;
	void *opts = NULL;
	uc *p = (uc *)crl->sig_alg.p;
	int bad;

	if ((signer->ext_types & MBEDTLS_X509_EXT_KEY_USAGE) &&
	    !(signer->key_usage & MBEDTLS_X509_KU_CRL_SIGN))
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "the CRL's issuer may not sign CRLs (key usage lacks cRLSign)");
	if (!p || mbedtls_x509_get_alg(&p, crl->sig_alg.p + crl->sig_alg.len, &oid, &params) ||
	    mbedtls_x509_get_sig_alg(&oid, &params, &md_type, &pk_type, &opts) ||
	    !(md = mbedtls_md_info_from_type(md_type)) ||
	    mbedtls_md(md, crl->tbs.p, crl->tbs.len, hash)) {
		mbedtls_free(opts);
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "the CRL's signature algorithm is not supported");
	}
	bad = mbedtls_pk_verify_ext(pk_type, opts, (mbedtls_pk_context *)&signer->pk, md_type, hash,
				    mbedtls_md_get_size(md), crl->sig.p, crl->sig.len);
	mbedtls_free(opts);
	if (bad)
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "the CRL's signature does not verify with the issuer's key");
	return SG_OK;
}

int64_t crl_expiry(const struct crl *crl, int max_age_s)
{
	return crl->next_update ? crl->next_update : crl->this_update + max_age_s;
}

sg_err crl_current(const struct crl *crl, int64_t now, int skew_s, int max_age_s,
		   struct sg_error *e)
{
	if (crl->this_update > now + skew_s)
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE, "the CRL is not valid yet");
	if (crl->next_update && crl->next_update < now - skew_s)
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE, "the CRL is out of date");
	if (!crl->next_update && crl->this_update + max_age_s < now - skew_s) {
		char t[32];
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "the CRL is too old (thisUpdate %s, no nextUpdate, at most %d s "
				    "accepted)",
				    sg_time_format(crl->this_update, t, sizeof(t)), max_age_s);
	}
	return SG_OK;
}

/* ---- names --------------------------------------------------------------- */

/* 1 when the two GeneralNames (contents: GeneralName TLVs) share a name:
 * directoryNames by RFC 5280 7.1, other forms by their bytes. */
static int gn_match(const struct crl_buf *a, const struct crl_buf *b)
{
	uc *p = (uc *)a->p, *pe = p + a->len;

	while (p && p < pe) {
		uc tag = *p, *q = (uc *)b->p, *qe = q + b->len;
		size_t alen, blen;

		p++;
		if (mbedtls_asn1_get_len(&p, pe, &alen))
			return 0;
		while (q && q < qe) {
			uc qtag = *q++;
			if (mbedtls_asn1_get_len(&q, qe, &blen))
				return 0;
			if (qtag == tag &&
			    (tag == CTXC(4) ? dn_equal(p, alen, q, blen)
					    : alen == blen && !memcmp(p, q, alen)))
				return 1;
			q += blen;
		}
		p += alen;
	}
	return 0;
}

/* 1 when the Name (tag included) is a directoryName of the GeneralNames. */
static int gn_has_dn(const struct crl_buf *names, const uint8_t *dn, size_t dn_len)
{
	uint8_t buf[8 + 1024];
	struct crl_buf one = {buf, 0};
	uc *w = buf + sizeof(buf);

	if (dn_len > 1024)
		return 0;
	w -= dn_len;
	memcpy(w, dn, dn_len);
	if (mbedtls_asn1_write_len(&w, buf, dn_len) < 0 || mbedtls_asn1_write_tag(&w, buf, CTXC(4)) < 0)
		return 0;
	one.p = w;
	one.len = (size_t)(buf + sizeof(buf) - w);
	return gn_match(names, &one);
}

/* The names of a DistributionPointName (dpn, tag included) as GeneralNames
 * contents: fullName's own, or nameRelativeToCRLIssuer put after the RDNs
 * of rel (a Name, tag included) as one directoryName written into buf. */
static int dpn_names(const struct crl_buf *dpn, const struct crl_buf *rel, uint8_t *buf,
		     size_t cap, struct crl_buf *out)
{
	uc *p = (uc *)dpn->p, *end, *r, *w = buf + cap;
	size_t len, rlen;

	if (!p || !dpn->len)
		return -1;
	end = p + dpn->len;
	if (*p == CTXC(0)) {
		if (get(&p, end, &len, CTXC(0)))
			return -1;
		out->p = p;
		out->len = len;
		return 0;
	}
	if (get(&p, end, &len, CTXC(1)) || !rel->p)
		return -1;
	r = (uc *)rel->p;
	if (get(&r, rel->p + rel->len, &rlen, SEQ) || len + rlen + 24 > cap)
		return -1;
	/* [4] { SEQUENCE { <rel's RDNs> SET { <the relative RDN> } } }, from the end */
	w -= len;
	memcpy(w, p, len);
	if (mbedtls_asn1_write_len(&w, buf, len) < 0 ||
	    mbedtls_asn1_write_tag(&w, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET) < 0)
		return -1;
	w -= rlen;
	memcpy(w, r, rlen);
	len = (size_t)(buf + cap - w);
	if (mbedtls_asn1_write_len(&w, buf, len) < 0 || mbedtls_asn1_write_tag(&w, buf, SEQ) < 0)
		return -1;
	len = (size_t)(buf + cap - w);
	if (mbedtls_asn1_write_len(&w, buf, len) < 0 || mbedtls_asn1_write_tag(&w, buf, CTXC(4)) < 0)
		return -1;
	out->p = w;
	out->len = (size_t)(buf + cap - w);
	return 0;
}

/* The first directoryName of GeneralNames contents, tag included. */
static struct crl_buf first_dn(const struct crl_buf *names)
{
	uc *p = (uc *)names->p, *end = p + names->len;
	struct crl_buf out = {0};
	size_t len;

	while (p && p < end) {
		uc tag = *p++;
		if (mbedtls_asn1_get_len(&p, end, &len))
			break;
		if (tag == CTXC(4)) {
			out.p = p;
			out.len = len;
			break;
		}
		p += len;
	}
	return out;
}

/* One DistributionPoint of a certificate. */
struct dp {
	struct crl_buf name;       /* DistributionPointName, tag included; len 0: absent */
	unsigned reasons;
	struct crl_buf crl_issuer; /* GeneralNames contents; len 0: absent */
};

/* Reads the next DistributionPoint; 1, 0 at the end or when malformed. */
static int next_dp(uc **p, const uc *end, struct dp *dp)
{
	uc *d_end;
	size_t len;

	memset(dp, 0, sizeof(*dp));
	dp->reasons = CRL_REASONS_ALL;
	if (*p >= end || get(p, end, &len, SEQ))
		return 0;
	d_end = *p + len;
	if (*p < d_end && **p == CTXC(0)) {
		if (get(p, d_end, &len, CTXC(0)))
			return 0;
		dp->name.p = *p;
		dp->name.len = len;
		*p += len;
	}
	if (*p < d_end && **p == CTX(1)) {
		if (get(p, d_end, &len, CTX(1)) || len == 0 || len > 3)
			return 0;
		dp->reasons = reason_mask(*p, len);
		*p += len;
	}
	if (*p < d_end && **p == CTXC(2)) {
		if (get(p, d_end, &len, CTXC(2)))
			return 0;
		dp->crl_issuer.p = *p;
		dp->crl_issuer.len = len;
	}
	*p = d_end;
	return 1;
}

/* The certificate's CRLDistributionPoints SEQUENCE OF contents. */
static int cert_dps(const mbedtls_x509_crt *cert, uc **p, const uc **end)
{
	static const uint8_t oid[] = {0x55, 0x1d, X_CRLDP};
	const uint8_t *v;
	size_t len;

	if (!x509ext_find(cert, oid, sizeof(oid), &v, &len))
		return 0;
	*p = (uc *)v;
	if (get(p, v + len, &len, SEQ))
		return 0;
	*end = *p + len;
	return 1;
}

int crl_applies(const struct crl *crl, const mbedtls_x509_crt *cert)
{
	const uc *end;
	uc *p;
	struct dp dp;

	if (dn_equal(crl->issuer.p, crl->issuer.len, cert->issuer_raw.p, cert->issuer_raw.len))
		return 1;
	if (cert_dps(cert, &p, &end))
		while (next_dp(&p, end, &dp))
			if (dp.crl_issuer.len && gn_has_dn(&dp.crl_issuer, crl->issuer.p, crl->issuer.len))
				return 1;
	return 0;
}

unsigned crl_scope(const struct crl *crl, const mbedtls_x509_crt *cert, const char **why)
{
	const struct crl_buf cert_issuer = {cert->issuer_raw.p, cert->issuer_raw.len};
	uint8_t b1[1100], b2[1100];
	struct crl_buf idp_names = {0};
	unsigned mask = 0;
	const uc *end;
	uc *p;
	struct dp dp;
	int have_dps;
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = "the CRL is for another issuer";
	if (crl->unusable) {
		*why = crl->unusable;
		return 0;
	}
	if (crl->base.len) {
		*why = "it is a delta CRL, with no complete CRL under it";
		return 0;
	}
	if (crl->only_attr || (crl->only_user && cert->ca_istrue) || (crl->only_ca && !cert->ca_istrue)) {
		*why = crl->only_attr ? "the CRL covers attribute certificates only"
		       : crl->only_ca ? "the CRL covers CA certificates only"
				      : "the CRL covers end-entity certificates only";
		return 0;
	}
	if (crl->idp_dp.len && dpn_names(&crl->idp_dp, &crl->issuer, b1, sizeof(b1), &idp_names))
		return 0;
	have_dps = cert_dps(cert, &p, &end);
	if (!have_dps) {
		/* The distribution point implied: the issuer's CRL for all reasons. */
		if (!dn_equal(crl->issuer.p, crl->issuer.len, cert_issuer.p, cert_issuer.len))
			return 0;
		if (crl->idp_dp.len) {
			*why = "the CRL is a partition (distribution point) the certificate does not name";
			return 0;
		}
		return crl->reasons;
	}
	while (next_dp(&p, end, &dp)) {
		struct crl_buf dp_names;
		if (dp.crl_issuer.len) {
			if (!gn_has_dn(&dp.crl_issuer, crl->issuer.p, crl->issuer.len))
				continue;
			if (!crl->indirect) {
				*why = "the certificate's cRLIssuer issued the CRL, but it is not an "
				       "indirect CRL";
				continue;
			}
		} else if (!dn_equal(crl->issuer.p, crl->issuer.len, cert_issuer.p, cert_issuer.len)) {
			continue;
		}
		if (crl->idp_dp.len) {
			struct crl_buf rel = dp.crl_issuer.len ? first_dn(&dp.crl_issuer) : cert_issuer;
			int match = dp.name.len ? !dpn_names(&dp.name, &rel, b2, sizeof(b2), &dp_names) &&
							  gn_match(&idp_names, &dp_names)
						: dp.crl_issuer.len && gn_match(&idp_names, &dp.crl_issuer);
			if (!match) {
				*why = "the CRL's distribution point is not one the certificate names";
				continue;
			}
		}
		mask |= crl->reasons & dp.reasons;
	}
	if (!mask && crl->reasons != CRL_REASONS_ALL)
		*why = "the CRL covers none of the certificate's revocation reasons";
	return mask;
}

int crl_delta_fits(const struct crl *complete, const struct crl *delta)
{
	return !delta->unusable && delta->base.len && !complete->base.len && complete->number.len &&
	       dn_equal(complete->issuer.p, complete->issuer.len, delta->issuer.p,
			delta->issuer.len) &&
	       complete->idp_raw.len == delta->idp_raw.len &&
	       !memcmp(complete->idp_raw.p ? complete->idp_raw.p : (const uint8_t *)"",
		       delta->idp_raw.p ? delta->idp_raw.p : (const uint8_t *)"",
		       complete->idp_raw.len) &&
	       crl_number_cmp(&delta->base, &complete->number) <= 0;
}

int crl_lookup(const struct crl *crl, const mbedtls_x509_crt *cert, struct crl_entry *en)
{
	struct crl_iter it;

	crl_iter_init(crl, &it);
	while (crl_iter_next(&it, en)) {
		/* DER INTEGERs are minimal, so equal serials have equal bytes;
		 * stripping "leading zeros" would make 00 FF (255) equal FF (-1). */
		if (en->serial.len != cert->serial.len ||
		    memcmp(en->serial.p, cert->serial.p, en->serial.len))
			continue;
		if (en->cert_issuer.len ? gn_has_dn(&en->cert_issuer, cert->issuer_raw.p,
						     cert->issuer_raw.len)
					: dn_equal(crl->issuer.p, crl->issuer.len, cert->issuer_raw.p,
						   cert->issuer_raw.len))
			return 1;
	}
	return 0;
}

/* ---- configured CRLs ----------------------------------------------------- */

void crl_list_init(struct crl_list *l)
{
	memset(l, 0, sizeof(*l));
}

void crl_list_free(struct crl_list *l)
{
	while (l->head) {
		struct crl_item *it = l->head;
		l->head = it->next;
		sg_free(it);
	}
	l->n = 0;
}

static sg_err add_der(struct crl_list *l, const uint8_t *der, size_t len, struct sg_error *e)
{
	struct crl_item *it, **tail;
	struct crl probe;
	sg_err err = crl_parse(&probe, der, len, e);

	if (err)
		return err;
	len = probe.raw.len; /* the CRL only, not what follows */
	if (l->n >= CRL_LIST_MAX)
		return sg_error_set(e, SG_E_NOMEM, "more than %d CRLs", CRL_LIST_MAX);
	it = sg_calloc(1, sizeof(*it) + len);
	if (!it)
		return sg_error_set(e, SG_E_NOMEM, "no memory for a CRL of %zu bytes", len);
	memcpy(it->der, der, len);
	it->len = len;
	(void)crl_parse(&it->crl, it->der, len, NULL);
	for (tail = &l->head; *tail; tail = &(*tail)->next)
		;
	*tail = it;
	l->n++;
	return SG_OK;
}

sg_err crl_list_add(struct crl_list *l, const uint8_t *buf, size_t len, struct sg_error *e)
{
	static const char begin[] = "-----BEGIN X509 CRL-----", stop[] = "-----END X509 CRL-----";
	char *text;
	size_t off = 0, added = 0;
	sg_err err = SG_OK;

	if (!buf || !len)
		return sg_error_set(e, SG_E_MALFORMED, "an empty CRL");
	if (buf[0] == 0x30)
		return add_der(l, buf, len, e);
	/* PEM: mbedTLS's reader wants a NUL-terminated text. */
	text = sg_calloc(1, len + 1);
	if (!text)
		return sg_error_set(e, SG_E_NOMEM, "no memory for a CRL of %zu bytes", len);
	memcpy(text, buf, len);
	while (off < len && !err) {
		mbedtls_pem_context pem;
		size_t used = 0;
		const uint8_t *der;
		size_t der_len;

		mbedtls_pem_init(&pem);
		if (mbedtls_pem_read_buffer(&pem, begin, stop, (const uc *)text + off, NULL, 0, &used)) {
			mbedtls_pem_free(&pem);
			break;
		}
		der = pem.buf;
		der_len = pem.buflen;
		err = add_der(l, der, der_len, e);
		mbedtls_pem_free(&pem);
		off += used;
		added += !err;
	}
	sg_free(text);
	if (!err && !added)
		err = sg_error_set(e, SG_E_MALFORMED, "not a CRL (neither DER nor PEM)");
	return err;
}
