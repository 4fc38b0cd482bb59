/* crl.c: one certificate against one CRL. */
#include "crl.h"

#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>

#include "sg_time.h"

/* id-ce-cRLReasons 2.5.29.21 */
static const uint8_t oid_reason[] = {0x55, 0x1d, 0x15};

int64_t crl_time(const mbedtls_x509_time *t)
{
	if (t->year == 0)
		return 0;
	return sg_time_from_utc(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

static int name_eq(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b)
{
	return a->len == b->len && !memcmp(a->p, b->p, a->len);
}

int crl_applies(const mbedtls_x509_crl *crl, const mbedtls_x509_crt *cert,
		const mbedtls_x509_crt *issuer)
{
	/* The certificate may spell its issuer's name differently (case) than
	 * the issuer spells its own subject, which the CRL copies. */
	return name_eq(&crl->issuer_raw, &cert->issuer_raw) ||
	       (issuer && name_eq(&crl->issuer_raw, &issuer->subject_raw));
}

/* DER INTEGERs are minimal, so equal serials have equal bytes; stripping
 * "leading zeros" would make 00 FF (255) equal FF (-1). */
static int serial_eq(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b)
{
	return a->len == b->len && !memcmp(a->p, b->p, a->len);
}

/* The reasonCode entry extension, or -1. mbedTLS 2.28 points entry_ext at
 * the Extensions SEQUENCE but records the length of its contents only, so
 * the SEQUENCE's own header is read against the end of the whole CRL
 * (raw_end), and its length bounds the rest. */
static int entry_reason(const mbedtls_x509_buf *ext, const unsigned char *raw_end)
{
	unsigned char *p = ext->p, *end;
	size_t len;

	if (!p || !ext->len || p >= raw_end)
		return -1;
	if (mbedtls_asn1_get_tag(&p, raw_end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) ||
	    len != ext->len)
		return -1;
	end = p + len;
	while (p < end) {
		unsigned char *e_end;
		int crit = 0, v = -1;

		if (mbedtls_asn1_get_tag(&p, end, &len,
					 MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
			return -1;
		e_end = p + len;
		if (mbedtls_asn1_get_tag(&p, e_end, &len, MBEDTLS_ASN1_OID))
			return -1;
		int match = len == sizeof(oid_reason) && !memcmp(p, oid_reason, len);
		p += len;
		if (p < e_end && *p == MBEDTLS_ASN1_BOOLEAN && mbedtls_asn1_get_bool(&p, e_end, &crit))
			return -1;
		if (match && mbedtls_asn1_get_tag(&p, e_end, &len, MBEDTLS_ASN1_OCTET_STRING) == 0 &&
		    mbedtls_asn1_get_enum(&p, p + len, &v) == 0)
			return v;
		p = e_end;
	}
	return -1;
}

static sg_err crl_signature_ok(const mbedtls_x509_crl *crl, const mbedtls_x509_crt *issuer,
			       struct sg_error *e)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(crl->sig_md);
	unsigned char hash[MBEDTLS_MD_MAX_SIZE];

	if ((issuer->ext_types & MBEDTLS_X509_EXT_KEY_USAGE) &&
	    !(issuer->key_usage & MBEDTLS_X509_KU_CRL_SIGN))
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "the CRL's issuer may not sign CRLs (key usage lacks cRLSign)");
	if (!md || mbedtls_md(md, crl->tbs.p, crl->tbs.len, hash))
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "the CRL's signature algorithm is not supported");
	if (mbedtls_pk_verify_ext(crl->sig_pk, crl->sig_opts, (mbedtls_pk_context *)&issuer->pk,
				  crl->sig_md, hash, mbedtls_md_get_size(md), crl->sig.p,
				  crl->sig.len))
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "the CRL's signature does not verify with the issuer's key");
	return SG_OK;
}

int64_t crl_expiry(const mbedtls_x509_crl *crl, int max_age_s)
{
	int64_t nu = crl_time(&crl->next_update);

	return nu ? nu : crl_time(&crl->this_update) + max_age_s;
}

sg_err crl_check(const mbedtls_x509_crl *crl, const mbedtls_x509_crt *cert,
		 const mbedtls_x509_crt *issuer, int64_t now, int skew_s, struct crl_result *out,
		 struct sg_error *e)
{
	return crl_check_age(crl, cert, issuer, now, skew_s, CRL_MAX_AGE_DEFAULT, out, e);
}

sg_err crl_check_age(const mbedtls_x509_crl *crl, const mbedtls_x509_crt *cert,
		     const mbedtls_x509_crt *issuer, int64_t now, int skew_s, int max_age_s,
		     struct crl_result *out, struct sg_error *e)
{
	sg_err err;

	memset(out, 0, sizeof(*out));
	out->reason = -1;
	if (!crl_applies(crl, cert, issuer))
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "the CRL is for another issuer");
	err = crl_signature_ok(crl, issuer, e);
	if (err)
		return err;
	out->this_update = crl_time(&crl->this_update);
	out->next_update = crl_time(&crl->next_update);
	if (out->this_update > now + skew_s)
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE, "the CRL is not valid yet");
	if (out->next_update && out->next_update < now - skew_s)
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE, "the CRL is out of date");
	/* Without nextUpdate the CRL's age is the only bound: an old CRL
	 * replayed for ever would hide every later revocation. */
	if (!out->next_update && out->this_update + max_age_s < now - skew_s) {
		char t[32];

		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "the CRL is too old (thisUpdate %s, no nextUpdate, at most %d s "
				    "accepted)",
				    sg_time_format(out->this_update, t, sizeof(t)), max_age_s);
	}
	for (const mbedtls_x509_crl_entry *en = &crl->entry; en && en->serial.p; en = en->next) {
		if (!serial_eq(&en->serial, &cert->serial))
			continue;
		int64_t when = crl_time(&en->revocation_date);
		int reason = entry_reason(&en->entry_ext, crl->raw.p + crl->raw.len);
		/* removeFromCRL (8) only appears in delta CRLs: not revoked. */
		if (reason == 8)
			continue;
		out->revoked = 1;
		out->revoked_at = when;
		out->reason = reason;
		break;
	}
	return SG_OK;
}

int crl_entry_reason(const mbedtls_x509_crl *crl, const mbedtls_x509_crl_entry *en)
{
	return entry_reason(&en->entry_ext, crl->raw.p + crl->raw.len);
}
