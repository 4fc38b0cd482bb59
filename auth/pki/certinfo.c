/* certinfo.c: a readable summary of an X.509 certificate (mbedTLS). */
#include "certinfo.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "dn.h"
#include "sg_time.h"

/* GeneralName tags: [0] otherName (constructed), [1] rfc822Name,
 * [2] dNSName, [6] uniformResourceIdentifier; [0] EXPLICIT inside otherName. */
#define TAG_CTX_CONS_0 (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED)
#define TAG_RFC822 (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 1)
#define TAG_DNS (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2)
#define TAG_URI (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6)

/* Microsoft's User Principal Name otherName: 1.3.6.1.4.1.311.20.2.3 */
static const uint8_t oid_upn[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02, 0x03};

/* Copies bytes as printable text: control bytes become \xNN. */
static void printable(char *dst, size_t cap, const uint8_t *src, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		uint8_t c = src[i];
		if (c < 0x20 || c == 0x7f || c == '\\') {
			if (o + 5 > cap)
				break;
			snprintf(dst + o, cap - o, "\\x%02x", c);
			o += 4;
		} else {
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
}

static int64_t x509_time(const mbedtls_x509_time *t)
{
	return sg_time_from_utc(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

/* UPN: otherName content is OID, then [0] EXPLICIT UTF8String. */
static int parse_upn(const uint8_t *p, size_t n, struct certinfo_name *out)
{
	unsigned char *q = (unsigned char *)p, *end = q + n;
	size_t len;

	if (mbedtls_asn1_get_tag(&q, end, &len, MBEDTLS_ASN1_OID))
		return 0;
	if (len != sizeof(oid_upn) || memcmp(q, oid_upn, len))
		return 0;
	q += len;
	if (mbedtls_asn1_get_tag(&q, end, &len, TAG_CTX_CONS_0))
		return 0;
	if (mbedtls_asn1_get_tag(&q, end, &len, MBEDTLS_ASN1_UTF8_STRING))
		return 0;
	out->type = CERTINFO_NAME_UPN;
	printable(out->value, sizeof(out->value), q, len);
	return 1;
}

static void collect_names(const mbedtls_x509_crt *crt, struct certinfo *ci)
{
	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s && s->buf.p;
	     s = s->next) {
		struct certinfo_name *nm = &ci->names[ci->n_names];
		int ok = 1;

		if (ci->n_names >= CERTINFO_MAX_NAMES)
			break;
		switch (s->buf.tag) {
		case TAG_URI:
			nm->type = CERTINFO_NAME_URI;
			break;
		case TAG_RFC822:
			nm->type = CERTINFO_NAME_EMAIL;
			break;
		case TAG_DNS:
			nm->type = CERTINFO_NAME_DNS;
			break;
		case TAG_CTX_CONS_0:
			ok = parse_upn(s->buf.p, s->buf.len, nm);
			if (ok)
				ci->n_names++;
			continue;
		default:
			ok = 0;
		}
		if (!ok)
			continue;
		printable(nm->value, sizeof(nm->value), s->buf.p, s->buf.len);
		ci->n_names++;
	}
}

sg_err certinfo_parse(const uint8_t *der, size_t len, struct certinfo *ci, struct sg_error *e)
{
	mbedtls_x509_crt crt;
	sg_err err = SG_OK;
	char tmp[256];
	int rc;

	memset(ci, 0, sizeof(*ci));
	mbedtls_x509_crt_init(&crt);
	rc = mbedtls_x509_crt_parse_der(&crt, der, len);
	if (rc) {
		mbedtls_strerror(rc, tmp, sizeof(tmp));
		err = sg_error_set(e, SG_E_CERT_PARSE, "%s", tmp);
		goto out;
	}
	dn_format(ci->subject, sizeof(ci->subject), &crt.subject);
	dn_format(ci->issuer, sizeof(ci->issuer), &crt.issuer);
	if (mbedtls_x509_serial_gets(tmp, sizeof(tmp), &crt.serial) >= 0)
		printable(ci->serial, sizeof(ci->serial), (const uint8_t *)tmp, strlen(tmp));
	ci->not_before = x509_time(&crt.valid_from);
	ci->not_after = x509_time(&crt.valid_to);
	mbedtls_pk_type_t t = mbedtls_pk_get_type(&crt.pk);
	snprintf(ci->key_type, sizeof(ci->key_type), "%s",
		 t == MBEDTLS_PK_RSA ? "RSA" : (t == MBEDTLS_PK_ECKEY || t == MBEDTLS_PK_ECDSA) ? "EC"
												  : "other");
	ci->key_bits = (unsigned)mbedtls_pk_get_bitlen(&crt.pk);
	ci->is_ca = crt.ca_istrue;
	collect_names(&crt, ci);
out:
	mbedtls_x509_crt_free(&crt);
	return err;
}

const char *certinfo_name_label(enum certinfo_name_type t)
{
	switch (t) {
	case CERTINFO_NAME_URI:
		return "uri";
	case CERTINFO_NAME_UPN:
		return "upn";
	case CERTINFO_NAME_EMAIL:
		return "email";
	case CERTINFO_NAME_DNS:
		return "dns";
	}
	return "other";
}
