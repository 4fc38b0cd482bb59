/* test_names.c: names decoded once (auth/pki/dn.c: the directory-string
 * decoder, the formatter every display uses, RFC 5280 7.1 comparison) and
 * name constraints (auth/pki/nameconstr.c), on crafted names and on NIST
 * PKITS's certificates (tests/pkits: 4.3 name chaining, 4.13 name
 * constraints, and every path's issuer/subject chaining). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/asn1.h>
#include <mbedtls/x509_crt.h>

#include "dn.h"
#include "nameconstr.h"

/* ---- DER building ---------------------------------------------------------- */

struct buf {
	uint8_t b[2048];
	size_t n;
};

/* Wraps what b holds from mark on in a TLV of tag. */
static void wrap(struct buf *b, size_t mark, uint8_t tag)
{
	size_t len = b->n - mark, hl = len < 128 ? 2 : len < 256 ? 3 : 4;

	assert_true(b->n + hl <= sizeof(b->b));
	memmove(b->b + mark + hl, b->b + mark, len);
	b->b[mark] = tag;
	if (hl == 2) {
		b->b[mark + 1] = (uint8_t)len;
	} else if (hl == 3) {
		b->b[mark + 1] = 0x81;
		b->b[mark + 2] = (uint8_t)len;
	} else {
		b->b[mark + 1] = 0x82;
		b->b[mark + 2] = (uint8_t)(len >> 8);
		b->b[mark + 3] = (uint8_t)len;
	}
	b->n += hl;
}

static void raw(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void tlv(struct buf *b, uint8_t tag, const void *p, size_t n)
{
	size_t m = b->n;
	raw(b, p, n);
	wrap(b, m, tag);
}

static const uint8_t OID_CN[] = {0x55, 0x04, 0x03}, OID_O[] = {0x55, 0x04, 0x0a},
		     OID_OU[] = {0x55, 0x04, 0x0b}, OID_C[] = {0x55, 0x04, 0x06},
		     OID_EMAIL[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01},
		     OID_X[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x63}; /* unknown */

struct av {
	const uint8_t *oid;
	size_t oid_len;
	uint8_t tag;
	const char *val;
	size_t len; /* 0: strlen */
	int rdn;    /* AVAs with the same rdn number share a (multi-valued) RDN */
};
#define AV(o, t, v) {o, sizeof(o), t, v, 0, -1}
#define AVN(o, t, v, n) {o, sizeof(o), t, v, n, -1}

/* A Name from n AVAs (one RDN each unless grouped by .rdn). */
static void name(struct buf *b, const struct av *a, size_t n)
{
	size_t top = b->n;

	for (size_t i = 0; i < n;) {
		size_t set = b->n, j = i;
		do {
			size_t seq = b->n;
			tlv(b, MBEDTLS_ASN1_OID, a[j].oid, a[j].oid_len);
			tlv(b, a[j].tag, a[j].val, a[j].len ? a[j].len : strlen(a[j].val));
			wrap(b, seq, 0x30);
			j++;
		} while (j < n && a[j].rdn >= 0 && a[j].rdn == a[i].rdn);
		wrap(b, set, 0x31);
		i = j;
	}
	wrap(b, top, 0x30);
}

/* Parses the Name in b as mbedTLS does for a certificate. */
static mbedtls_x509_name *parse_name(struct buf *b)
{
	mbedtls_x509_name *nm = calloc(1, sizeof(*nm));
	unsigned char *p = b->b, *end = b->b + b->n;
	size_t len;

	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0x30), 0);
	assert_int_equal(mbedtls_x509_get_name(&p, p + len, nm), 0);
	return nm;
}

static void free_name(mbedtls_x509_name *nm)
{
	while (nm) {
		mbedtls_x509_name *next = nm->next;
		free(nm);
		nm = next;
	}
}

static char *fmt_of(const struct av *a, size_t n)
{
	static char out[512];
	struct buf b = {.n = 0};
	mbedtls_x509_name *nm;

	name(&b, a, n);
	nm = parse_name(&b);
	dn_format(out, sizeof(out), nm);
	free_name(nm);
	return out;
}

/* ---- the decoder ------------------------------------------------------------ */

static int dec(int tag, const char *v, size_t n, char *out, size_t cap)
{
	return dn_decode(tag, (const uint8_t *)v, n, out, cap);
}

static void test_decode_types(void **state)
{
	char out[64];
	(void)state;

	assert_int_equal(dec(MBEDTLS_ASN1_UTF8_STRING, "J\xc3\xbcrgen", 7, out, sizeof(out)), 7);
	assert_string_equal(out, "J\xc3\xbcrgen");
	assert_int_equal(dec(MBEDTLS_ASN1_PRINTABLE_STRING, "Hello 1", 7, out, sizeof(out)), 7);
	assert_string_equal(out, "Hello 1");
	assert_int_equal(dec(MBEDTLS_ASN1_IA5_STRING, "a@b.test", 8, out, sizeof(out)), 8);
	assert_string_equal(out, "a@b.test");
	/* T61String taken as Latin-1 */
	assert_int_equal(dec(MBEDTLS_ASN1_T61_STRING, "J\xfcrgen", 6, out, sizeof(out)), 7);
	assert_string_equal(out, "J\xc3\xbcrgen");
	/* BMPString: UTF-16BE, with a surrogate pair (U+1F600) */
	assert_int_equal(dec(MBEDTLS_ASN1_BMP_STRING, "\x00J\x00\xfc\xd8\x3d\xde\x00", 8, out,
			     sizeof(out)),
			 7);
	assert_string_equal(out, "J\xc3\xbc\xf0\x9f\x98\x80");
	/* UniversalString: UCS-4BE */
	assert_int_equal(dec(MBEDTLS_ASN1_UNIVERSAL_STRING, "\x00\x00\x00M\x00\x00\x20\xac", 8,
			     out, sizeof(out)),
			 4);
	assert_string_equal(out, "M\xe2\x82\xac");
	assert_int_equal(dec(MBEDTLS_ASN1_UTF8_STRING, "", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void test_decode_refuses(void **state)
{
	static const struct {
		int tag;
		const char *v;
		size_t n;
	} bad[] = {
		{MBEDTLS_ASN1_UTF8_STRING, "\xc0\x80", 2},         /* overlong NUL */
		{MBEDTLS_ASN1_UTF8_STRING, "\xe0\x80\xaf", 3},     /* overlong '/' */
		{MBEDTLS_ASN1_UTF8_STRING, "\x80", 1},             /* lone continuation */
		{MBEDTLS_ASN1_UTF8_STRING, "a\xc3", 2},            /* cut sequence */
		{MBEDTLS_ASN1_UTF8_STRING, "\xed\xa0\x80", 3},     /* a surrogate */
		{MBEDTLS_ASN1_UTF8_STRING, "\xf4\x90\x80\x80", 4}, /* > U+10FFFF */
		{MBEDTLS_ASN1_UTF8_STRING, "\xff", 1},
		{MBEDTLS_ASN1_BMP_STRING, "\xd8\x00\x00\x41", 4}, /* lone high surrogate */
		{MBEDTLS_ASN1_BMP_STRING, "\xdc\x00", 2},         /* lone low surrogate */
		{MBEDTLS_ASN1_BMP_STRING, "\xd8\x3d", 2},         /* pair cut */
		{MBEDTLS_ASN1_BMP_STRING, "\x00\x41\x00", 3},     /* odd length */
		{MBEDTLS_ASN1_UNIVERSAL_STRING, "\x00\x11\x00\x00", 4},
		{MBEDTLS_ASN1_UNIVERSAL_STRING, "\x00\x00\xd8\x00", 4},
		{MBEDTLS_ASN1_UNIVERSAL_STRING, "\x00\x00\x41", 3},
		{MBEDTLS_ASN1_PRINTABLE_STRING, "Ren\xe9", 4}, /* not ASCII */
		{MBEDTLS_ASN1_IA5_STRING, "\xc3\xa9", 2},
	};
	char out[64];
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (dn_decode(bad[i].tag, (const uint8_t *)bad[i].v, bad[i].n, out, sizeof(out)) !=
		    DN_E_ENCODING)
			fail_msg("case %zu decoded", i);
	}
	assert_int_equal(dec(MBEDTLS_ASN1_BIT_STRING, "\x00\x01", 2, out, sizeof(out)), DN_E_TYPE);
	assert_int_equal(dec(MBEDTLS_ASN1_UTF8_STRING, "J\xc3\xbc", 3, out, 3), DN_E_SPACE);
	assert_int_equal(dec(MBEDTLS_ASN1_UTF8_STRING, "J\xc3\xbc", 3, out, 4), 3);
}

/* ---- the formatter ---------------------------------------------------------- */

static void test_format_utf8(void **state)
{
	(void)state;
	const struct av utf8[] = {AV(OID_O, 0x13, "signet test"),
				  AV(OID_CN, 0x0c, "J\xc3\xbcrgen M\xc3\xbcller")};
	assert_string_equal(fmt_of(utf8, 2), "O=signet test, CN=J\xc3\xbcrgen M\xc3\xbcller");
	const struct av bmp[] = {AVN(OID_CN, 0x1e, "\x00J\x00\xfc\x00r\x00g\x00""e\x00n", 12)};
	assert_string_equal(fmt_of(bmp, 1), "CN=J\xc3\xbcrgen");
	const struct av t61[] = {AV(OID_CN, 0x14, "M\xfcller")};
	assert_string_equal(fmt_of(t61, 1), "CN=M\xc3\xbcller");
	const struct av uni[] = {AVN(OID_CN, 0x1c, "\x00\x01\xf6\x00", 4)};
	assert_string_equal(fmt_of(uni, 1), "CN=\xf0\x9f\x98\x80");
}

static void test_format_escapes(void **state)
{
	(void)state;
	/* control characters as \xNN (C0, DEL, C1), RFC 4514 specials as mbedTLS */
	const struct av ctl[] = {AV(OID_CN, 0x0c, "a\nb\x7f" "c\xc2\x85" "d")};
	assert_string_equal(fmt_of(ctl, 1), "CN=a\\x0ab\\x7fc\\x85d");
	const struct av nul[] = {AVN(OID_CN, 0x0c, "a\0b", 3)};
	assert_string_equal(fmt_of(nul, 1), "CN=a\\x00b");
	const struct av sp[] = {AV(OID_O, 0x0c, "a,b=c+d<e>f#g;h\"i\\j")};
	assert_string_equal(fmt_of(sp, 1), "O=a\\,b\\=c\\+d\\<e\\>f\\#g\\;h\\\"i\\\\j");
	/* an invalid value: written as mbedTLS writes it */
	const struct av badv[] = {AV(OID_CN, 0x0c, "J\xc3 x\xff")};
	assert_string_equal(fmt_of(badv, 1), "CN=J? x?");
	/* unknown attribute type, e-mail, multi-valued RDN */
	const struct av misc[] = {{OID_OU, sizeof(OID_OU), 0x0c, "x", 0, 1},
				  {OID_CN, sizeof(OID_CN), 0x0c, "y", 0, 1},
				  AV(OID_EMAIL, 0x16, "a@b.test"), AV(OID_X, 0x0c, "u1")};
	assert_string_equal(fmt_of(misc, 4), "OU=x + CN=y, emailAddress=a@b.test, ?\?=u1");
}

/* The same text as mbedtls_x509_dn_gets for ASCII names. */
static void test_format_as_mbedtls(void **state)
{
	const struct av a[] = {AV(OID_C, 0x13, "US"), AV(OID_O, 0x13, "Test Certificates 2011"),
			       AV(OID_OU, 0x0c, "a;b, \"c\""), AV(OID_CN, 0x16, "x=y+z"),
			       AV(OID_X, 0x13, "q")};
	struct buf b = {.n = 0};
	char ours[256], theirs[256];
	(void)state;

	name(&b, a, 5);
	mbedtls_x509_name *nm = parse_name(&b);
	assert_true(mbedtls_x509_dn_gets(theirs, sizeof(theirs), nm) > 0);
	assert_int_equal(dn_format(ours, sizeof(ours), nm), strlen(theirs));
	assert_string_equal(ours, theirs);
	free_name(nm);
}

static void test_format_cut(void **state)
{
	const struct av a[] = {AV(OID_CN, 0x0c, "\xc3\xbc\xc3\xbc\xc3\xbc")};
	struct buf b = {.n = 0};
	char out[8];
	(void)state;

	name(&b, a, 1);
	mbedtls_x509_name *nm = parse_name(&b);
	assert_int_equal(dn_format(out, sizeof(out), nm), 9);
	assert_string_equal(out, "CN=\xc3\xbc\xc3\xbc"); /* whole characters only */
	assert_int_equal(dn_format(out, 1, nm), 9);
	assert_string_equal(out, "");
	free_name(nm);
}

/* ---- comparison ------------------------------------------------------------- */

static int eq(const struct av *a, size_t na, const struct av *b, size_t nb)
{
	struct buf x = {.n = 0}, y = {.n = 0};
	name(&x, a, na);
	name(&y, b, nb);
	int r = dn_equal(x.b, x.n, y.b, y.n);
	assert_int_equal(dn_equal(y.b, y.n, x.b, x.n), r);
	return r;
}

static int within(const struct av *a, size_t na, const struct av *b, size_t nb)
{
	struct buf x = {.n = 0}, y = {.n = 0};
	name(&x, a, na);
	name(&y, b, nb);
	return dn_is_within(x.b, x.n, y.b, y.n);
}

static void test_equal(void **state)
{
	(void)state;
	const struct av p[] = {AV(OID_O, 0x13, "Acme Inc"), AV(OID_CN, 0x13, "Alice Example")};
	const struct av u[] = {AV(OID_O, 0x0c, "ACME inc"), AV(OID_CN, 0x0c, "  alice   EXAMPLE ")};
	const struct av t[] = {AV(OID_O, 0x0c, "acme\tinc"), AV(OID_CN, 0x0c, "alice\xc2\xa0" "example")};
	const struct av glued[] = {AV(OID_O, 0x13, "Acme Inc"), AV(OID_CN, 0x13, "AliceExample")};
	const struct av swapped[] = {AV(OID_CN, 0x13, "Alice Example"), AV(OID_O, 0x13, "Acme Inc")};
	const struct av oid[] = {AV(OID_OU, 0x13, "Acme Inc"), AV(OID_CN, 0x13, "Alice Example")};

	assert_true(eq(p, 2, p, 2));
	assert_true(eq(p, 2, u, 2)); /* PrintableString vs UTF8String, case, spaces */
	assert_true(eq(p, 2, t, 2)); /* TAB and NBSP are spaces */
	assert_false(eq(p, 2, glued, 2));
	assert_false(eq(p, 2, swapped, 2)); /* order of RDNs matters */
	assert_false(eq(p, 2, oid, 2));
	assert_false(eq(p, 2, p, 1));
	assert_true(eq(p, 0, p, 0)); /* two empty names */

	/* non-ASCII folding; BMP vs UTF8 vs T61 */
	const struct av de[] = {AV(OID_CN, 0x0c, "J\xc3\xbcrgen \xc5\x81\xc3\x93\xd0\x96")};
	const struct av DE[] = {AVN(OID_CN, 0x1e, "\x00J\x00\xdc\x00R\x00G\x00""E\x00N\x00 \x01\x41\x00\xd3\x04\x16", 20)};
	const struct av de61[] = {AV(OID_CN, 0x14, "J\xfcrgen")};
	const struct av de8[] = {AV(OID_CN, 0x0c, "j\xc3\xbcrgen")};
	assert_true(eq(de, 1, DE, 1));
	assert_true(eq(de61, 1, de8, 1));
	/* multi-valued RDN: the order inside the set does not matter */
	const struct av m1[] = {{OID_OU, sizeof(OID_OU), 0x0c, "x", 0, 1},
				{OID_CN, sizeof(OID_CN), 0x0c, "y", 0, 1}};
	const struct av m2[] = {{OID_CN, sizeof(OID_CN), 0x13, "Y", 0, 1},
				{OID_OU, sizeof(OID_OU), 0x13, "x", 0, 1}};
	const struct av m3[] = {AV(OID_OU, 0x0c, "x"), AV(OID_CN, 0x0c, "y")};
	assert_true(eq(m1, 2, m2, 2));
	assert_false(eq(m1, 2, m3, 2));
	/* an invalid value equals only the same bytes */
	const struct av b1[] = {AV(OID_CN, 0x0c, "a\xff")}, b2[] = {AV(OID_CN, 0x0c, "A\xff")};
	assert_true(eq(b1, 1, b1, 1));
	assert_false(eq(b1, 1, b2, 1));
	/* malformed input */
	struct buf x = {.n = 0};
	name(&x, p, 2);
	assert_false(dn_equal(x.b, x.n - 1, x.b, x.n - 1));
	assert_false(dn_equal(x.b, x.n, NULL, 0));
}

static void test_within(void **state)
{
	(void)state;
	const struct av base[] = {AV(OID_C, 0x13, "US"), AV(OID_O, 0x13, "Acme")};
	const struct av in[] = {AV(OID_C, 0x13, "us"), AV(OID_O, 0x0c, " acme "),
				AV(OID_CN, 0x0c, "x")};
	const struct av out[] = {AV(OID_C, 0x13, "US"), AV(OID_O, 0x13, "Acme2"),
				 AV(OID_CN, 0x0c, "x")};
	assert_true(within(in, 3, base, 2));
	assert_true(within(in, 2, base, 2));
	assert_false(within(base, 1, base, 2)); /* the base is longer */
	assert_false(within(out, 3, base, 2));
	assert_true(within(in, 3, base, 0)); /* an empty base: every name */
}

/* ---- name constraints, crafted --------------------------------------------- */

/* GeneralSubtrees entry: SEQUENCE { base } */
static void subtree(struct buf *b, uint8_t tag, const void *v, size_t n)
{
	size_t m = b->n;
	tlv(b, tag, v, n);
	wrap(b, m, 0x30);
}

struct gn {
	uint8_t tag;
	const char *v;
	size_t n;
};

/* NameConstraints DER from permitted and excluded GeneralNames. */
static void nc_der(struct buf *b, const struct gn *perm, size_t np, const struct gn *excl,
		   size_t ne)
{
	size_t top = b->n, m;
	if (np) {
		m = b->n;
		for (size_t i = 0; i < np; i++)
			subtree(b, perm[i].tag, perm[i].v, perm[i].n ? perm[i].n : strlen(perm[i].v));
		wrap(b, m, 0xa0);
	}
	if (ne) {
		m = b->n;
		for (size_t i = 0; i < ne; i++)
			subtree(b, excl[i].tag, excl[i].v, excl[i].n ? excl[i].n : strlen(excl[i].v));
		wrap(b, m, 0xa1);
	}
	wrap(b, top, 0x30);
}

/* A certificate-shaped stand-in: subject from a Name, SAN from GeneralNames.
 * nc_check reads crt->subject_raw, crt->subject and crt->v3_ext. */
struct fake {
	mbedtls_x509_crt crt;
	struct buf subj, ext;
};

static void fake_make(struct fake *f, const struct av *s, size_t ns, const struct gn *san,
		      size_t nsan)
{
	static const uint8_t oid_san[] = {0x55, 0x1d, 0x11};
	size_t m, ext, oct;

	memset(f, 0, sizeof(*f));
	name(&f->subj, s, ns);
	f->crt.subject_raw.p = f->subj.b;
	f->crt.subject_raw.len = f->subj.n;
	{
		unsigned char *p = f->subj.b, *end = p + f->subj.n;
		size_t len;
		assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0x30), 0);
		if (len)
			assert_int_equal(mbedtls_x509_get_name(&p, p + len, &f->crt.subject), 0);
	}
	if (!nsan)
		return;
	m = f->ext.n;
	ext = f->ext.n;
	tlv(&f->ext, MBEDTLS_ASN1_OID, oid_san, sizeof(oid_san));
	oct = f->ext.n;
	for (size_t i = 0; i < nsan; i++)
		tlv(&f->ext, san[i].tag, san[i].v, san[i].n ? san[i].n : strlen(san[i].v));
	wrap(&f->ext, oct, 0x30);
	wrap(&f->ext, oct, 0x04);
	wrap(&f->ext, ext, 0x30);
	wrap(&f->ext, m, 0x30);
	wrap(&f->ext, m, 0xa3);
	f->crt.v3_ext.p = f->ext.b;
	f->crt.v3_ext.len = f->ext.n;
}

static void fake_free(struct fake *f)
{
	free_name(f->crt.subject.next);
}

static struct nc_state st;

static void add(const struct gn *perm, size_t np, const struct gn *excl, size_t ne, const char *ca)
{
	struct buf b = {.n = 0};
	struct sg_error e;

	sg_error_init(&e);
	nc_der(&b, perm, np, excl, ne);
	assert_int_equal(nc_add_der(&st, b.b, b.n, ca, &e), SG_OK);
}

/* nc_check on a subject and SAN; returns the error's detail ("" when OK). */
static const char *check(const struct av *s, size_t ns, const struct gn *san, size_t nsan)
{
	static struct sg_error e;
	struct fake f;

	sg_error_init(&e);
	fake_make(&f, s, ns, san, nsan);
	sg_err err = nc_check(&st, &f.crt, 0, &e);
	assert_int_equal(err, e.code);
	if (err)
		assert_int_equal(err, SG_E_CERT_UNTRUSTED);
	/* self-issued intermediates are exempt */
	assert_int_equal(nc_check(&st, &f.crt, 1, NULL), SG_OK);
	fake_free(&f);
	return e.detail;
}

#define DNS(v) {0x82, v, 0}
#define MAIL(v) {0x81, v, 0}
#define URI(v) {0x86, v, 0}
#define IP(v, n) {0x87, v, n}

static const struct av nobody[] = {AV(OID_CN, 0x0c, "x")};

static void test_nc_dns(void **state)
{
	(void)state;
	nc_init(&st);
	const struct gn p[] = {DNS("example.test")}, x[] = {DNS("bad.example.test")};
	add(p, 1, x, 1, "CN=CA1");
	const struct gn ok1[] = {DNS("example.test")}, ok2[] = {DNS("www.Example.TEST")},
			no1[] = {DNS("evil.test")}, no2[] = {DNS("notexample.test")},
			no3[] = {DNS("a.bad.example.test")};
	assert_string_equal(check(nobody, 1, ok1, 1), "");
	assert_string_equal(check(nobody, 1, ok2, 1), "");
	assert_string_equal(check(nobody, 1, no1, 1),
			    "the name dNSName evil.test is outside the permitted subtrees of CN=CA1");
	assert_non_null(strstr(check(nobody, 1, no2, 1), "outside the permitted"));
	assert_string_equal(check(nobody, 1, no3, 1),
			    "the name dNSName a.bad.example.test is within the excluded subtrees of CN=CA1");
	/* names of other forms are not constrained by dNSName subtrees */
	const struct gn mail[] = {MAIL("a@elsewhere.test")};
	assert_string_equal(check(nobody, 1, mail, 1), "");
	nc_free(&st);
}

static void test_nc_rfc822(void **state)
{
	(void)state;
	nc_init(&st);
	const struct gn p[] = {MAIL("mail.example.test"), MAIL(".corp.test"), MAIL("boss@big.test")};
	add(p, 3, NULL, 0, "CN=CA1");
	const struct gn ok[] = {MAIL("a@mail.example.test"), MAIL("b@x.corp.test"),
				MAIL("boss@BIG.test")};
	assert_string_equal(check(nobody, 1, ok, 3), "");
	const struct gn no1[] = {MAIL("a@sub.mail.example.test")}, no2[] = {MAIL("a@corp.test")},
			no3[] = {MAIL("Boss@big.test")}, no4[] = {MAIL("no-at-sign")};
	assert_non_null(strstr(check(nobody, 1, no1, 1), "outside"));
	assert_non_null(strstr(check(nobody, 1, no2, 1), "outside"));
	assert_non_null(strstr(check(nobody, 1, no3, 1), "outside")); /* local part exact */
	assert_non_null(strstr(check(nobody, 1, no4, 1), "cannot be checked"));
	/* the subject's emailAddress is an rfc822Name too */
	const struct av s1[] = {AV(OID_CN, 0x0c, "a"), AV(OID_EMAIL, 0x16, "a@evil.test")};
	assert_string_equal(check(s1, 2, NULL, 0),
			    "the name rfc822Name a@evil.test is outside the permitted subtrees of CN=CA1");
	const struct av s2[] = {AV(OID_CN, 0x0c, "a"), AV(OID_EMAIL, 0x16, "a@q.corp.test")};
	assert_string_equal(check(s2, 2, NULL, 0), "");
	nc_free(&st);
}

static void test_nc_uri(void **state)
{
	(void)state;
	nc_init(&st);
	const struct gn p[] = {URI("host.example.test"), URI(".corp.test")};
	add(p, 2, NULL, 0, "CN=CA1");
	const struct gn ok[] = {URI("sip:x@host.example.test"), URI("https://u:p@Host.example.test:8443/a?b"),
				URI("ldap://a.b.corp.test/x")};
	assert_non_null(strstr(check(nobody, 1, ok, 1), "cannot be checked")); /* sip: has no authority */
	assert_string_equal(check(nobody, 1, ok + 1, 2), "");
	const struct gn no1[] = {URI("http://corp.test/")}, no2[] = {URI("http://sub.host.example.test/")};
	assert_non_null(strstr(check(nobody, 1, no1, 1), "outside"));
	assert_non_null(strstr(check(nobody, 1, no2, 1), "outside"));
	nc_free(&st);
}

static void test_nc_ip(void **state)
{
	(void)state;
	nc_init(&st);
	const struct gn p[] = {IP("\xc0\x00\x02\x00\xff\xff\xff\x00", 8),
			       IP("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0"
				  "\xff\xff\xff\xff\0\0\0\0\0\0\0\0\0\0\0\0", 32)};
	const struct gn x[] = {IP("\xc0\x00\x02\x80\xff\xff\xff\x80", 8)};
	add(p, 2, x, 1, "CN=CA1");
	const struct gn ok[] = {IP("\xc0\x00\x02\x05", 4), IP("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1", 16)};
	assert_string_equal(check(nobody, 1, ok, 2), "");
	const struct gn no1[] = {IP("\xc0\x00\x03\x05", 4)}, no2[] = {IP("\xc0\x00\x02\x81", 4)},
			no3[] = {IP("\x20\x01\x0d\xb9\0\0\0\0\0\0\0\0\0\0\0\1", 16)};
	assert_string_equal(check(nobody, 1, no1, 1),
			    "the name iPAddress 192.0.3.5 is outside the permitted subtrees of CN=CA1");
	assert_string_equal(check(nobody, 1, no2, 1),
			    "the name iPAddress 192.0.2.129 is within the excluded subtrees of CN=CA1");
	assert_string_equal(check(nobody, 1, no3, 1),
			    "the name iPAddress 2001:db9:0:0:0:0:0:1 is outside the permitted subtrees of CN=CA1");
	nc_free(&st);
}

static void test_nc_dirname_and_intersection(void **state)
{
	(void)state;
	const struct av acme[] = {AV(OID_C, 0x13, "US"), AV(OID_O, 0x13, "Acme")};
	const struct av acme_eng[] = {AV(OID_C, 0x13, "US"), AV(OID_O, 0x13, "Acme"),
				      AV(OID_OU, 0x13, "Eng")};
	struct buf b1 = {.n = 0}, b2 = {.n = 0};
	name(&b1, acme, 2);
	name(&b2, acme_eng, 3);
	nc_init(&st);
	const struct gn p1[] = {{0xa4, (const char *)b1.b, b1.n}};
	const struct gn p2[] = {{0xa4, (const char *)b2.b, b2.n}, DNS("example.test")};
	add(p1, 1, NULL, 0, "CN=CA1");
	const struct av sales[] = {AV(OID_C, 0x0c, "us"), AV(OID_O, 0x0c, "acme"),
				   AV(OID_OU, 0x0c, "Sales"), AV(OID_CN, 0x0c, "bob")};
	const struct av eng[] = {AV(OID_C, 0x13, "US"), AV(OID_O, 0x13, "Acme"),
				 AV(OID_OU, 0x13, "Eng"), AV(OID_CN, 0x0c, "ann")};
	const struct av other[] = {AV(OID_C, 0x13, "US"), AV(OID_O, 0x13, "Other"),
				   AV(OID_CN, 0x0c, "eve")};
	assert_string_equal(check(sales, 4, NULL, 0), "");
	assert_string_equal(check(other, 3, NULL, 0),
			    "the name directoryName C=US, O=Other, CN=eve is outside the permitted "
			    "subtrees of CN=CA1");
	/* a second CA narrows it: the intersection */
	add(p2, 2, NULL, 0, "CN=CA2");
	assert_string_equal(check(eng, 4, NULL, 0), "");
	assert_string_equal(check(sales, 4, NULL, 0),
			    "the name directoryName C=us, O=acme, OU=Sales, CN=bob is outside the "
			    "permitted subtrees of CN=CA2");
	/* a directoryName in subjectAltName is checked too; an empty subject is not */
	struct buf sb = {.n = 0};
	name(&sb, other, 3);
	const struct gn dir[] = {{0xa4, (const char *)sb.b, sb.n}};
	assert_non_null(strstr(check(nobody, 0, dir, 1), "directoryName (in subjectAltName) is outside"));
	const struct gn dns[] = {DNS("www.example.test")};
	assert_string_equal(check(nobody, 0, dns, 1), "");
	nc_free(&st);
}

static void test_nc_unsupported_forms(void **state)
{
	(void)state;
	nc_init(&st);
	/* otherName constraint: an otherName in the certificate cannot be checked */
	static const char other[] = "\x06\x03\x2a\x03\x04\xa0\x03\x0c\x01x";
	const struct gn p[] = {{0xa0, other, sizeof(other) - 1}};
	add(p, 1, NULL, 0, "CN=CA1");
	const struct gn on[] = {{0xa0, other, sizeof(other) - 1}};
	assert_string_equal(check(nobody, 1, on, 1),
			    "the name otherName (10 bytes) cannot be checked against the name "
			    "constraints of CN=CA1");
	/* forms without a constraint pass */
	const struct gn dns[] = {DNS("a.test"), {0x88, "\x2a\x03", 2}};
	assert_string_equal(check(nobody, 1, dns, 2), "");
	nc_free(&st);
}

static void test_nc_refused_and_caps(void **state)
{
	struct sg_error e;
	struct buf b = {.n = 0};
	(void)state;

	nc_init(&st);
	sg_error_init(&e);
	/* minimum 1 and a maximum: RFC 5280 forbids them */
	static const uint8_t minimum[] = {0x30, 0x0d, 0xa0, 0x0b, 0x30, 0x09, 0x82, 0x04, 'a', '.',
					  't', 'x', 0x80, 0x01, 0x01};
	assert_int_equal(nc_add_der(&st, minimum, sizeof(minimum), "CN=CA1", &e), SG_E_CERT_UNTRUSTED);
	assert_non_null(strstr(e.detail, "minimum"));
	static const uint8_t maximum[] = {0x30, 0x0d, 0xa0, 0x0b, 0x30, 0x09, 0x82, 0x04, 'a', '.',
					  't', 'x', 0x81, 0x01, 0x01};
	assert_int_equal(nc_add_der(&st, maximum, sizeof(maximum), "CN=CA1", &e), SG_E_CERT_UNTRUSTED);
	assert_non_null(strstr(e.detail, "maximum"));
	const struct gn badip[] = {IP("\x01\x02\x03\x04", 4)};
	nc_der(&b, badip, 1, NULL, 0);
	assert_int_equal(nc_add_der(&st, b.b, b.n, "CN=CA1", &e), SG_E_CERT_UNTRUSTED);
	assert_int_equal(nc_add_der(&st, b.b, b.n - 1, "CN=CA1", &e), SG_E_CERT_UNTRUSTED);
	assert_int_equal(st.n, 0);
	/* the subtree cap: a CA over it is refused whole, the state unchanged */
	struct gn many[NC_MAX_SUBTREES + 1];
	for (size_t i = 0; i < NC_MAX_SUBTREES + 1; i++)
		many[i] = (struct gn)DNS("a.test");
	b.n = 0;
	nc_der(&b, many, NC_MAX_SUBTREES - 1, NULL, 0);
	assert_int_equal(nc_add_der(&st, b.b, b.n, "CN=CA1", &e), SG_OK);
	b.n = 0;
	nc_der(&b, many, 2, NULL, 0);
	assert_int_equal(nc_add_der(&st, b.b, b.n, "CN=CA2", &e), SG_E_CERT_UNTRUSTED);
	assert_non_null(strstr(e.detail, "more subtrees than signet keeps"));
	assert_int_equal(st.n, NC_MAX_SUBTREES - 1);
	assert_int_equal(st.n_ca, 1);
	/* the CA cap */
	nc_init(&st);
	b.n = 0;
	nc_der(&b, many, 1, NULL, 0);
	for (int i = 0; i < NC_MAX_CAS; i++)
		assert_int_equal(nc_add_der(&st, b.b, b.n, "CN=CA", &e), SG_OK);
	assert_int_equal(nc_add_der(&st, b.b, b.n, "CN=CA", &e), SG_E_CERT_UNTRUSTED);
	nc_free(&st);
}

/* ---- PKITS ------------------------------------------------------------------- */

static uint8_t *slurp(const char *dir, const char *nm, const char *ext, size_t *len)
{
	char path[512];
	const char *top = getenv("SIGNET_TOP");
	FILE *f;
	uint8_t *buf = malloc(262145);

	snprintf(path, sizeof(path), "%s/tests/pkits/%s/%s%s", top ? top : ".", dir, nm, ext);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	*len = fread(buf, 1, 262144, f);
	buf[*len] = 0; /* the manifest is read as text */
	fclose(f);
	return buf;
}

/* The issuer and subject Names of a certificate, read without mbedTLS's
 * certificate parser (it refuses some PKITS certificates, e.g. UIDs). */
static void tbs_names(const uint8_t *der, size_t n, const uint8_t **iss, size_t *il,
		      const uint8_t **sub, size_t *sl)
{
	unsigned char *p = (unsigned char *)der, *end = p + n, *q;
	size_t len;

	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0x30), 0);
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0x30), 0); /* tbs */
	if (*p == 0xa0) {
		assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0xa0), 0);
		p += len;
	}
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0x02), 0);
	p += len;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0x30), 0);
	p += len;
	q = p;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0x30), 0);
	*iss = q;
	*il = (size_t)(p - q) + len;
	p += len;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0x30), 0); /* validity */
	p += len;
	q = p;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0x30), 0);
	*sub = q;
	*sl = (size_t)(p - q) + len;
}

struct row {
	char number[16], certs[1024];
	int valid;
};

/* Reads the manifest's rows whose number starts with prefix. */
static size_t manifest(const char *prefix, struct row *rows, size_t max)
{
	size_t len, n = 0;
	char *text = (char *)slurp("", "manifest", ".tsv", &len);
	char *save = NULL, *line;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[5] = {0}, *s2 = NULL, *t = line;
		for (int i = 0; i < 5; i++, t = NULL)
			f[i] = strtok_r(t, "\t", &s2);
		if (!f[4] || strncmp(f[0], prefix, strlen(prefix)) || n == max)
			continue;
		snprintf(rows[n].number, sizeof(rows[n].number), "%s", f[0]);
		snprintf(rows[n].certs, sizeof(rows[n].certs), "%s", f[2]);
		rows[n].valid = !strcmp(f[4], "valid");
		n++;
	}
	free(text);
	return n;
}

/* 4.3: each issuer names its CA's subject as RFC 5280 7.1 compares names,
 * while for 4.3.3-5, 10, 11 the bytes differ; 4.3.1 and 4.3.2 do not chain. */
static void test_pkits_name_chaining(void **state)
{
	static struct row rows[16];
	size_t n = manifest("4.3.", rows, 16);
	(void)state;

	assert_int_equal(n, 11);
	for (size_t r = 0; r < n; r++) {
		char *save = NULL, *ca = strtok_r(rows[r].certs, ",", &save);
		char *ca2 = strtok_r(NULL, ",", &save), *ee = strtok_r(NULL, ",", &save);
		size_t la, le, il, sl, il2, sl2;
		const uint8_t *iss, *sub, *iss2, *sub2;
		(void)ca;
		uint8_t *a = slurp("certs", ca2, ".crt", &la), *b = slurp("certs", ee, ".crt", &le);

		tbs_names(a, la, &iss2, &il2, &sub2, &sl2);
		tbs_names(b, le, &iss, &il, &sub, &sl);
		int bytes_equal = il == sl2 && !memcmp(iss, sub2, il);
		int eqv = dn_equal(iss, il, sub2, sl2);
		if (eqv != rows[r].valid)
			fail_msg("PKITS %s: dn_equal(issuer of %s, subject of %s) = %d", rows[r].number,
				 ee, ca2, eqv);
		if (!strcmp(rows[r].number, "4.3.3") || !strcmp(rows[r].number, "4.3.4") ||
		    !strcmp(rows[r].number, "4.3.5") || !strcmp(rows[r].number, "4.3.10") ||
		    !strcmp(rows[r].number, "4.3.11"))
			assert_false(bytes_equal);
		free(a);
		free(b);
	}
}

/* Every valid PKITS path: each certificate's issuer names one listed before
 * it (the one before it, or for a CRL-signing or rolled-over key's
 * certificate an earlier one). */
static void test_pkits_every_path_chains(void **state)
{
	static struct row rows[300];
	size_t n = manifest("4.", rows, 300), pairs = 0;
	(void)state;

	assert_true(n > 200);
	for (size_t r = 0; r < n; r++) {
		char *save = NULL, *nm;
		uint8_t *pd[8];
		size_t pl[8], k = 0;
		if (!rows[r].valid)
			continue;
		for (nm = strtok_r(rows[r].certs, ",", &save); nm; nm = strtok_r(NULL, ",", &save)) {
			size_t l, il, sl, pil, psl;
			const uint8_t *iss, *sub, *piss, *psub;
			uint8_t *d = slurp("certs", nm, ".crt", &l);
			int found = !k;
			tbs_names(d, l, &iss, &il, &sub, &sl);
			for (size_t j = 0; j < k && !found; j++) {
				tbs_names(pd[j], pl[j], &piss, &pil, &psub, &psl);
				found = dn_equal(iss, il, psub, psl);
			}
			if (!found)
				fail_msg("PKITS %s: no certificate before %s names its issuer",
					 rows[r].number, nm);
			pairs += k > 0;
			if (k == 8)
				fail_msg("PKITS %s: path too long for the test", rows[r].number);
			pd[k] = d;
			pl[k++] = l;
		}
		while (k)
			free(pd[--k]);
	}
	print_message("%zu certificates chained in valid paths\n", pairs);
	assert_true(pairs >= 282);
}

/* 4.13: each case's path through nc_check/nc_add, RFC 5280 6.1 order. */
static void test_pkits_name_constraints(void **state)
{
	static struct row rows[48];
	size_t n = manifest("4.13.", rows, 48);
	(void)state;

	assert_int_equal(n, 38);
	for (size_t r = 0; r < n; r++) {
		char *save = NULL, *names[8];
		size_t k = 0;
		mbedtls_x509_crt crt[8];
		struct sg_error e;
		sg_err err = SG_OK;

		for (char *nm = strtok_r(rows[r].certs, ",", &save); nm && k < 8;
		     nm = strtok_r(NULL, ",", &save)) {
			size_t l;
			uint8_t *d = slurp("certs", nm, ".crt", &l);
			mbedtls_x509_crt_init(&crt[k]);
			if (mbedtls_x509_crt_parse_der_with_ext_cb(&crt[k], d, l, 1, nc_crt_ext_cb, NULL))
				fail_msg("PKITS %s: %s does not parse", rows[r].number, nm);
			free(d);
			names[k++] = nm;
		}
		nc_init(&st);
		sg_error_init(&e);
		for (size_t i = 1; i < k && !err; i++) {
			int self = dn_equal(crt[i].subject_raw.p, crt[i].subject_raw.len,
					    crt[i].issuer_raw.p, crt[i].issuer_raw.len);
			err = nc_check(&st, &crt[i], self && i + 1 < k, &e);
			if (!err && i + 1 < k)
				err = nc_add(&st, &crt[i], &e);
		}
		if ((err == SG_OK) != rows[r].valid)
			fail_msg("PKITS %s (%s): expected %s, got %s", rows[r].number, names[k - 1],
				 rows[r].valid ? "valid" : "invalid", err ? e.detail : "valid");
		if (err)
			print_message("PKITS %s: %s\n", rows[r].number, e.detail);
		nc_free(&st);
		for (size_t i = 0; i < k; i++)
			mbedtls_x509_crt_free(&crt[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_types),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_format_utf8),
		cmocka_unit_test(test_format_escapes),
		cmocka_unit_test(test_format_as_mbedtls),
		cmocka_unit_test(test_format_cut),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_within),
		cmocka_unit_test(test_nc_dns),
		cmocka_unit_test(test_nc_rfc822),
		cmocka_unit_test(test_nc_uri),
		cmocka_unit_test(test_nc_ip),
		cmocka_unit_test(test_nc_dirname_and_intersection),
		cmocka_unit_test(test_nc_unsupported_forms),
		cmocka_unit_test(test_nc_refused_and_caps),
		cmocka_unit_test(test_pkits_name_chaining),
		cmocka_unit_test(test_pkits_every_path_chains),
		cmocka_unit_test(test_pkits_name_constraints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
