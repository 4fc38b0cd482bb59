/*
 * pd_ca.c: the CA of signet-provisiond: issuing, the `openssl ca` index
 * (so that `openssl ocsp -index` answers for what was issued), revocation,
 * and the CRL, made from the index with mbedTLS's ASN.1 writer (mbedTLS
 * has no CRL writer).
 */
#define _GNU_SOURCE
#include "pd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "sg_mem.h"
#include "sg_hex.h"

#define CRT_MAX 4096
#define CRL_MAX 65536
#define INDEX_MAX (1024 * 1024)
#define CRL_DAYS 7

void pd_log(const struct pd *pd, const char *fmt, ...)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	FILE *f = pd_open_append(pd, "issued.log");

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "signet-provisiond: %s ", ts);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (!f)
		return;
	fprintf(f, "%s ", ts);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

sg_err pd_ca_load(struct pd *pd, struct sg_error *e)
{
	char path[600];
	int r;

	r = mbedtls_x509_crt_parse_file(&pd->ca, pd_path(pd, "ca.crt", path, sizeof(path)));
	if (r != 0)
		return sg_error_set(e, SG_E_CONFIG, "%s: not a certificate (-0x%04x)", path,
				    (unsigned)-r);
	r = mbedtls_pk_parse_keyfile(&pd->ca_key, pd_path(pd, "ca.key", path, sizeof(path)), NULL);
	if (r != 0)
		return sg_error_set(e, SG_E_CONFIG, "%s: not a key (-0x%04x)", path, (unsigned)-r);
	if (mbedtls_pk_check_pair(&pd->ca.pk, &pd->ca_key) != 0)
		return sg_error_set(e, SG_E_CONFIG, "ca.key is not the key of ca.crt");
	return SG_OK;
}

void pd_serial_hex(const mbedtls_x509_crt *crt, char *out, size_t cap)
{
	size_t o = 0, i = 0;

	/* index.txt: upper case, no leading zero bytes, at least one byte. */
	while (i + 1 < crt->serial.len && crt->serial.p[i] == 0)
		i++;
	for (; i < crt->serial.len && o + 3 <= cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%02X", crt->serial.p[i]);
	if (cap)
		out[o < cap ? o : cap - 1] = 0;
}

static void ts_x509(time_t t, char *out) /* YYYYMMDDHHMMSS for mbedTLS's writer */
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y%m%d%H%M%S", &tm);
}

static void ts_index(time_t t, char *out) /* YYMMDDHHMMSSZ, as openssl ca writes */
{
	struct tm tm;

	char full[20];

	gmtime_r(&t, &tm);
	strftime(full, sizeof(full), "%Y%m%d%H%M%SZ", &tm);
	memcpy(out, full + 2, 14); /* UTCTime: two-digit year (RFC 5280 until 2049) */
}

/* SEQUENCE { [6] uri } */
static int san_der(const char *uri, uint8_t *buf, size_t cap, uint8_t **start)
{
	uint8_t *p = buf + cap;
	size_t len = 0, ul = strlen(uri);
	int r;

	if ((r = mbedtls_asn1_write_raw_buffer(&p, buf, (const uint8_t *)uri, ul)) < 0)
		return r;
	len += (size_t)r;
	if ((r = mbedtls_asn1_write_len(&p, buf, ul)) < 0)
		return r;
	len += (size_t)r;
	if ((r = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6)) < 0)
		return r;
	len += (size_t)r;
	if ((r = mbedtls_asn1_write_len(&p, buf, len)) < 0)
		return r;
	len += (size_t)r;
	if ((r = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) < 0)
		return r;
	len += (size_t)r;
	*start = p;
	return (int)len;
}

static sg_err index_append(const struct pd *pd, const char *line, struct sg_error *e)
{
	FILE *f = pd_open_append(pd, "index.txt");

	if (!f || fputs(line, f) < 0) {
		sg_error_set(e, SG_E_IO, "%s/index.txt: %s", pd->dir, strerror(errno));
		if (f)
			fclose(f);
		return SG_E_IO;
	}
	if (fclose(f) != 0)
		return sg_error_set(e, SG_E_IO, "%s/index.txt: %s", pd->dir, strerror(errno));
	return SG_OK;
}

sg_err pd_issue(struct pd *pd, mbedtls_pk_context *pub, const char *id, const char *uri,
		const char *how, uint8_t **der, size_t *len, struct sg_error *e)
{
	static const uint8_t eku_client[] = {0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01,
					     0x05, 0x05, 0x07, 0x03, 0x02};
	mbedtls_x509write_cert w;
	mbedtls_mpi serial;
	mbedtls_x509_crt crt;
	uint8_t sn[16], buf[CRT_MAX], san[600], *sp = NULL;
	char issuer[512], subject[PD_ID_MAX + 8], nb[16], na[16], line[1024], hex[64];
	time_t now = time(NULL), end = now + (time_t)pd->days * 86400;
	sg_err err = SG_OK;
	int n, sl;

	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	mbedtls_x509_crt_init(&crt);
	*der = NULL;
	if (mbedtls_ctr_drbg_random(&pd->drbg, sn, sizeof(sn)) != 0) {
		err = sg_error_set(e, SG_E_INTERNAL, "no random serial");
		goto out;
	}
	sn[0] = (uint8_t)((sn[0] & 0x7f) | 0x10); /* positive, 16 bytes */
	if (mbedtls_x509_dn_gets(issuer, sizeof(issuer), &pd->ca.subject) < 0) {
		err = sg_error_set(e, SG_E_INTERNAL, "the CA's name");
		goto out;
	}
	snprintf(subject, sizeof(subject), "CN=%s", id);
	ts_x509(now - 300, nb); /* a little slack for devices' clocks */
	ts_x509(end, na);
	sl = san_der(uri, san, sizeof(san), &sp);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, pub);
	mbedtls_x509write_crt_set_issuer_key(&w, &pd->ca_key);
	if (sl < 0 || mbedtls_mpi_read_binary(&serial, sn, sizeof(sn)) ||
	    mbedtls_x509write_crt_set_serial(&w, &serial) ||
	    mbedtls_x509write_crt_set_subject_name(&w, subject) ||
	    mbedtls_x509write_crt_set_issuer_name(&w, issuer) ||
	    mbedtls_x509write_crt_set_validity(&w, nb, na) ||
	    mbedtls_x509write_crt_set_basic_constraints(&w, 0, -1) ||
	    mbedtls_x509write_crt_set_key_usage(&w, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) ||
	    mbedtls_x509write_crt_set_extension(&w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
						MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0,
						eku_client, sizeof(eku_client)) ||
	    mbedtls_x509write_crt_set_extension(&w, MBEDTLS_OID_SUBJECT_ALT_NAME,
						MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, sp,
						(size_t)sl) ||
	    mbedtls_x509write_crt_set_subject_key_identifier(&w) ||
	    mbedtls_x509write_crt_set_authority_key_identifier(&w)) {
		err = sg_error_set(e, SG_E_INTERNAL, "the certificate cannot be put together");
		goto out;
	}
	n = mbedtls_x509write_crt_der(&w, buf, sizeof(buf), mbedtls_ctr_drbg_random, &pd->drbg);
	if (n <= 0 || mbedtls_x509_crt_parse_der(&crt, buf + sizeof(buf) - n, (size_t)n) != 0) {
		err = sg_error_set(e, SG_E_INTERNAL, "the certificate cannot be signed (-0x%04x)",
				   (unsigned)-n);
		goto out;
	}
	pd_serial_hex(&crt, hex, sizeof(hex));
	ts_index(end, na);
	snprintf(line, sizeof(line), "V\t%s\t\t%s\tunknown\t/CN=%s\n", na, hex, id);
	err = index_append(pd, line, e);
	if (err)
		goto out;
	*der = sg_calloc(1, (size_t)n);
	if (!*der) {
		err = sg_error_set(e, SG_E_NOMEM, NULL);
		goto out;
	}
	memcpy(*der, buf + sizeof(buf) - n, (size_t)n);
	*len = (size_t)n;
	pd_log(pd, "issued serial=%s user=%s identity=%s via=%s days=%u", hex, id, uri, how,
	       pd->days);
out:
	mbedtls_x509_crt_free(&crt);
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&w);
	return err;
}

static char *read_index(const struct pd *pd, struct sg_error *e)
{
	char path[600];
	FILE *f = fopen(pd_path(pd, "index.txt", path, sizeof(path)), "r");
	char *buf = calloc(1, INDEX_MAX + 1);
	size_t n = 0;

	if (!buf) {
		if (f)
			fclose(f);
		sg_error_set(e, SG_E_NOMEM, NULL);
		return NULL;
	}
	if (f) {
		n = fread(buf, 1, INDEX_MAX, f);
		fclose(f);
	}
	buf[n] = 0;
	return buf;
}

/* Splits an index line into its 6 tab-separated fields (in place). */
static int index_fields(char *line, char *f[6])
{
	int i = 0;

	f[i++] = line;
	for (char *p = line; *p && i < 6; p++)
		if (*p == '\t') {
			*p = 0;
			f[i++] = p + 1;
		}
	return i == 6 ? 0 : -1;
}

int pd_is_revoked(const struct pd *pd, const char *serial_hex)
{
	char *idx = read_index(pd, NULL), *save = NULL;
	int rev = 0;

	if (!idx)
		return 1; /* cannot tell: refuse */
	for (char *l = strtok_r(idx, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f[6];

		if (!index_fields(l, f) && !strcasecmp(f[3], serial_hex) && f[0][0] == 'R')
			rev = 1;
	}
	free(idx);
	return rev;
}

sg_err pd_revoke(struct pd *pd, const char *serial_hex, const char *reason, struct sg_error *e)
{
	char *idx = read_index(pd, e), *out = NULL, *save = NULL, ts[16];
	size_t o = 0;
	int found = 0;
	sg_err err = SG_OK;

	if (!idx)
		return SG_E_NOMEM;
	out = calloc(1, INDEX_MAX + 4096);
	if (!out) {
		free(idx);
		return sg_error_set(e, SG_E_NOMEM, NULL);
	}
	ts_index(time(NULL), ts);
	for (char *l = strtok_r(idx, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *fl[6];

		if (index_fields(l, fl))
			continue;
		if (!strcasecmp(fl[3], serial_hex) && fl[0][0] == 'V') {
			found = 1;
			o += (size_t)snprintf(out + o, INDEX_MAX + 4096 - o, "R\t%s\t%s,%s\t%s\t%s\t%s\n",
					      fl[1], ts, reason, fl[3], fl[4], fl[5]);
		} else {
			o += (size_t)snprintf(out + o, INDEX_MAX + 4096 - o, "%s\t%s\t%s\t%s\t%s\t%s\n",
					      fl[0], fl[1], fl[2], fl[3], fl[4], fl[5]);
		}
	}
	if (!found) {
		err = sg_error_set(e, SG_E_INVALID_ARG, "no valid certificate with serial %s", serial_hex);
		goto out;
	}
	err = pd_replace(pd, "index.txt", out, strlen(out), e);
	if (err)
		goto out;
	pd_log(pd, "revoked serial=%s reason=%s", serial_hex, reason);
	err = pd_crl_write(pd, e);
out:
	free(idx);
	free(out);
	return err;
}

static const struct {
	const char *name;
	int code;
} reasons[] = {
	{"unspecified", 0}, {"keyCompromise", 1}, {"CACompromise", 2}, {"affiliationChanged", 3},
	{"superseded", 4},  {"cessationOfOperation", 5}, {"certificateHold", 6},
};

static int reason_code(const char *s)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (!strcmp(reasons[i].name, s))
			return reasons[i].code;
	return 0;
}

/* YYMMDDHHMMSSZ from the index back to a UTCTime (it is one). */
#define W(x)                            \
	do {                            \
		int r_ = (x);           \
		if (r_ < 0)             \
			goto too_big;   \
		len += (size_t)r_;      \
	} while (0)

static int write_utc(uint8_t **p, uint8_t *start, const char *ts)
{
	size_t len = 0;

	W(mbedtls_asn1_write_raw_buffer(p, start, (const uint8_t *)ts, 13));
	W(mbedtls_asn1_write_len(p, start, 13));
	W(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_UTC_TIME));
	return (int)len;
too_big:
	return -1;
}

/* A serial number: an even number of hex digits, nothing else (sscanf's
 * "%2x" took "+f" and " f" too). */
static int hexbytes(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s) / 2;

	if (n == 0 || n > cap || sg_hex_decode(s, strlen(s), out, n))
		return -1;
	return (int)n;
}

/* One revokedCertificates entry for an "R" line. */
static int write_entry(uint8_t **p, uint8_t *start, char *f[6])
{
	uint8_t sn[64], reason;
	char when[16], *comma = strchr(f[2], ',');
	size_t len = 0, el = 0;
	int n = hexbytes(f[3], sn, sizeof(sn));

	if (n < 0 || strlen(f[2]) < 13)
		return 0; /* a line openssl would not have written: skipped */
	memcpy(when, f[2], 13);
	when[13] = 0;
	reason = (uint8_t)(comma ? reason_code(comma + 1) : 0);
	/* crlEntryExtensions { reasonCode ENUMERATED } */
	W(mbedtls_asn1_write_raw_buffer(p, start, &reason, 1));
	W(mbedtls_asn1_write_len(p, start, 1));
	W(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_ENUMERATED));
	W(mbedtls_asn1_write_len(p, start, 3));
	W(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_OCTET_STRING));
	W(mbedtls_asn1_write_oid(p, start, "\x55\x1d\x15", 3));
	el = len;
	W(mbedtls_asn1_write_len(p, start, el));
	W(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	el = len;
	W(mbedtls_asn1_write_len(p, start, el));
	W(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	W(write_utc(p, start, when));
	/* The serial as a positive INTEGER from its bytes. */
	W(mbedtls_asn1_write_raw_buffer(p, start, sn, (size_t)n));
	if (sn[0] & 0x80) {
		uint8_t z = 0;

		W(mbedtls_asn1_write_raw_buffer(p, start, &z, 1));
		n++;
	}
	W(mbedtls_asn1_write_len(p, start, (size_t)n));
	W(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_INTEGER));
	W(mbedtls_asn1_write_len(p, start, len));
	W(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	return (int)len;
too_big:
	return -1;
}

sg_err pd_crl_write(struct pd *pd, struct sg_error *e)
{
	uint8_t *buf = NULL, *p, *tbs, hash[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE], *pem = NULL;
	char *idx = read_index(pd, e), *save = NULL, ts[16];
	size_t len = 0, rl = 0, sl = 0, tl, alen, olen = 0;
	const char *oid;
	size_t oid_len;
	int ec = mbedtls_pk_get_type(&pd->ca_key) == MBEDTLS_PK_ECKEY;
	sg_err err = SG_OK;
	time_t now = time(NULL);

	if (!idx)
		return SG_E_NOMEM;
	buf = calloc(1, CRL_MAX);
	pem = calloc(1, CRL_MAX * 2);
	if (!buf || !pem) {
		err = sg_error_set(e, SG_E_NOMEM, NULL);
		goto out;
	}
	p = buf + CRL_MAX;
	if (mbedtls_oid_get_oid_by_sig_alg(ec ? MBEDTLS_PK_ECDSA : MBEDTLS_PK_RSA, MBEDTLS_MD_SHA256,
					   &oid, &oid_len) != 0)
		goto too_big;
	/* crlExtensions [0] { SEQUENCE { cRLNumber: the time, always larger } } */
	{
		size_t xl = 0;
		int r;

		if ((r = mbedtls_asn1_write_int(&p, buf, (int)(now & 0x7fffffff))) < 0)
			goto too_big;
		xl += (size_t)r;
		if ((r = mbedtls_asn1_write_len(&p, buf, xl)) < 0)
			goto too_big;
		xl += (size_t)r;
		if ((r = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_OCTET_STRING)) < 0)
			goto too_big;
		xl += (size_t)r;
		if ((r = mbedtls_asn1_write_oid(&p, buf, "\x55\x1d\x14", 3)) < 0)
			goto too_big;
		xl += (size_t)r;
		for (int k = 0; k < 2; k++) {
			if ((r = mbedtls_asn1_write_len(&p, buf, xl)) < 0)
				goto too_big;
			xl += (size_t)r;
			if ((r = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED |
									   MBEDTLS_ASN1_SEQUENCE)) < 0)
				goto too_big;
			xl += (size_t)r;
		}
		if ((r = mbedtls_asn1_write_len(&p, buf, xl)) < 0)
			goto too_big;
		xl += (size_t)r;
		if ((r = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC |
								   MBEDTLS_ASN1_CONSTRUCTED)) < 0)
			goto too_big;
		xl += (size_t)r;
		len += xl;
	}
	/* revokedCertificates, when there are any (written last to first). */
	{
		char *lines[4096];
		size_t nl = 0;

		for (char *l = strtok_r(idx, "\n", &save); l && nl < 4096; l = strtok_r(NULL, "\n", &save))
			lines[nl++] = l;
		while (nl-- > 0) {
			char *fl[6];
			int r;

			if (index_fields(lines[nl], fl) || fl[0][0] != 'R')
				continue;
			r = write_entry(&p, buf, fl);
			if (r < 0)
				goto too_big;
			rl += (size_t)r;
		}
		if (rl) {
			size_t before = rl;

			W(mbedtls_asn1_write_len(&p, buf, before));
			W(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
			len += before;
		}
	}
	ts_index(now + CRL_DAYS * 86400, ts);
	W(write_utc(&p, buf, ts));
	ts_index(now - 60, ts);
	W(write_utc(&p, buf, ts));
	W(mbedtls_asn1_write_raw_buffer(&p, buf, pd->ca.subject_raw.p, pd->ca.subject_raw.len));
	alen = 0;
	if (!ec) {
		W(mbedtls_asn1_write_null(&p, buf));
		alen += 2;
	}
	{
		int r = mbedtls_asn1_write_oid(&p, buf, oid, oid_len);

		if (r < 0)
			goto too_big;
		alen += (size_t)r;
		len += (size_t)r;
	}
	W(mbedtls_asn1_write_len(&p, buf, alen));
	W(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	W(mbedtls_asn1_write_int(&p, buf, 1)); /* v2 */
	W(mbedtls_asn1_write_len(&p, buf, len));
	W(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	tbs = p;
	tl = len;
	mbedtls_sha256_ret(tbs, tl, hash, 0);
	if (mbedtls_pk_sign(&pd->ca_key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, &sl,
			    mbedtls_ctr_drbg_random, &pd->drbg) != 0) {
		err = sg_error_set(e, SG_E_INTERNAL, "the CA cannot sign the CRL");
		goto out;
	}
	/* SEQUENCE { tbs, algorithm, BIT STRING sig }: move tbs aside and
	 * write the whole again from the end. */
	{
		uint8_t *t = malloc(tl);
		size_t ol = 0;
		int r;

		if (!t) {
			err = sg_error_set(e, SG_E_NOMEM, NULL);
			goto out;
		}
		memcpy(t, tbs, tl);
		p = buf + CRL_MAX;
		len = 0;
		if ((r = mbedtls_asn1_write_bitstring(&p, buf, sig, sl * 8)) < 0)
			goto free_t;
		ol += (size_t)r;
		{
			size_t al = 0;

			/* RFC 5758: no parameters for ECDSA; RFC 4055: NULL for RSA. */
			if (!ec) {
				if ((r = mbedtls_asn1_write_null(&p, buf)) < 0)
					goto free_t;
				al += (size_t)r;
			}
			if ((r = mbedtls_asn1_write_oid(&p, buf, oid, oid_len)) < 0)
				goto free_t;
			al += (size_t)r;
			if ((r = mbedtls_asn1_write_len(&p, buf, al)) < 0)
				goto free_t;
			al += (size_t)r;
			if ((r = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED |
								   MBEDTLS_ASN1_SEQUENCE)) < 0)
				goto free_t;
			r += (int)al;
		}
		ol += (size_t)r;
		if ((r = mbedtls_asn1_write_raw_buffer(&p, buf, t, tl)) < 0)
			goto free_t;
		ol += (size_t)r;
		if ((r = mbedtls_asn1_write_len(&p, buf, ol)) < 0)
			goto free_t;
		ol += (size_t)r;
		if ((r = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED |
							   MBEDTLS_ASN1_SEQUENCE)) < 0)
			goto free_t;
		ol += (size_t)r;
		free(t);
		len = ol;
		goto written;
free_t:
		free(t);
		goto too_big;
	}
written:
	if (mbedtls_pem_write_buffer("-----BEGIN X509 CRL-----\n", "-----END X509 CRL-----\n", p, len,
				     pem, CRL_MAX * 2, &olen) != 0)
		goto too_big;
	err = pd_replace(pd, "crl.pem", (const char *)pem, strlen((const char *)pem), e);
	goto out;
too_big:
	err = sg_error_set(e, SG_E_INTERNAL, "the CRL does not fit in %d bytes", CRL_MAX);
out:
	free(idx);
	free(buf);
	free(pem);
	return err;
}
