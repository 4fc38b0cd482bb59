/* dn.c: X.509 names decoded once (display and RFC 5280 7.1 comparison). */
#include "dn.h"

#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>

#define CONS_SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define CONS_SET (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET)
#define DN_MAX_AVAS 16 /* attributes in one RDN: more is not a name we compare */

/* ---- code points --------------------------------------------------------- */

/* A directory string read one code point at a time. */
struct cps {
	int tag;
	const uint8_t *p;
	size_t n, i;
};

static int is_string_tag(int tag)
{
	switch (tag) {
	case MBEDTLS_ASN1_UTF8_STRING:
	case MBEDTLS_ASN1_PRINTABLE_STRING:
	case MBEDTLS_ASN1_IA5_STRING:
	case MBEDTLS_ASN1_T61_STRING:
	case MBEDTLS_ASN1_BMP_STRING:
	case MBEDTLS_ASN1_UNIVERSAL_STRING:
	case 18: /* NumericString */
	case 26: /* VisibleString */
		return 1;
	}
	return 0;
}

/* 1 with *cp, 0 at the end, -1 on an invalid encoding. */
static int cp_next(struct cps *s, uint32_t *cp)
{
	const uint8_t *p = s->p + s->i;
	size_t left = s->n - s->i, k = 1;
	uint32_t c;

	if (!left)
		return 0;
	c = p[0];
	switch (s->tag) {
	case MBEDTLS_ASN1_T61_STRING: /* taken as Latin-1 */
		break;
	case MBEDTLS_ASN1_UTF8_STRING:
		if (c >= 0x80) {
			uint32_t min;
			if (c >= 0xC2 && c <= 0xDF)
				k = 2, c &= 0x1F, min = 0x80;
			else if (c >= 0xE0 && c <= 0xEF)
				k = 3, c &= 0x0F, min = 0x800;
			else if (c >= 0xF0 && c <= 0xF4)
				k = 4, c &= 0x07, min = 0x10000;
			else
				return -1;
			if (left < k)
				return -1;
			for (size_t j = 1; j < k; j++) {
				if ((p[j] & 0xC0) != 0x80)
					return -1;
				c = (c << 6) | (p[j] & 0x3F);
			}
			if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
				return -1;
		}
		break;
	case MBEDTLS_ASN1_BMP_STRING:
		if (left < 2)
			return -1;
		k = 2;
		c = (uint32_t)p[0] << 8 | p[1];
		if (c >= 0xDC00 && c <= 0xDFFF)
			return -1;
		if (c >= 0xD800 && c <= 0xDBFF) {
			uint32_t lo;
			if (left < 4)
				return -1;
			lo = (uint32_t)p[2] << 8 | p[3];
			if (lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			k = 4;
			c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
		}
		break;
	case MBEDTLS_ASN1_UNIVERSAL_STRING:
		if (left < 4)
			return -1;
		k = 4;
		c = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return -1;
		break;
	default: /* the ASCII types */
		if (c >= 0x80)
			return -1;
	}
	s->i += k;
	*cp = c;
	return 1;
}

/* 1 when the whole value decodes. */
static int valid(int tag, const uint8_t *p, size_t n)
{
	struct cps s = {tag, p, n, 0};
	uint32_t c;
	int rc;

	if (!is_string_tag(tag))
		return 0;
	while ((rc = cp_next(&s, &c)) > 0)
		;
	return rc == 0;
}

static size_t utf8_put(uint8_t *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (uint8_t)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (uint8_t)(0xC0 | c >> 6);
		o[1] = (uint8_t)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (uint8_t)(0xE0 | c >> 12);
		o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (uint8_t)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (uint8_t)(0xF0 | c >> 18);
	o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (uint8_t)(0x80 | (c & 0x3F));
	return 4;
}

int dn_decode(int tag, const uint8_t *p, size_t n, char *out, size_t cap)
{
	struct cps s = {tag, p, n, 0};
	size_t o = 0;
	uint32_t c;
	int rc;

	if (!is_string_tag(tag))
		return DN_E_TYPE;
	if (!valid(tag, p, n))
		return DN_E_ENCODING;
	while ((rc = cp_next(&s, &c)) > 0) {
		uint8_t u[4];
		size_t k = utf8_put(u, c);
		if (o + k >= cap)
			return DN_E_SPACE;
		memcpy(out + o, u, k);
		o += k;
	}
	if (o >= cap || o > 0x7fffffff)
		return DN_E_SPACE;
	out[o] = '\0';
	return (int)o;
}

/* ---- formatting ---------------------------------------------------------- */

struct out {
	char *buf;
	size_t cap, len, w; /* w: bytes written; len: bytes the whole text needs */
	int cut;
};

/* Appends k bytes as one unit: all of them or (once cut) none. */
static void put(struct out *o, const void *s, size_t k)
{
	if (!o->cut && o->w + k < o->cap) {
		memcpy(o->buf + o->w, s, k);
		o->w += k;
	} else {
		o->cut = 1;
	}
	o->len += k;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static int special(uint32_t c)
{
	return c && c < 0x80 && strchr(",=+<>#;\"\\", (int)c);
}

static void put_cp(struct out *o, uint32_t c)
{
	uint8_t u[4];

	if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
		static const char hex[] = "0123456789abcdef";
		char x[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
		put(o, x, 4);
		return;
	}
	if (special(c)) {
		u[0] = '\\';
		u[1] = (uint8_t)c;
		put(o, u, 2);
		return;
	}
	put(o, u, utf8_put(u, c));
}

size_t dn_format(char *buf, size_t cap, const mbedtls_x509_name *dn)
{
	struct out o = {buf, cap, 0, 0, 0};
	int merged = 0;

	for (const mbedtls_x509_name *nm = dn; nm; nm = nm->next) {
		const char *sn = NULL;
		struct cps s;
		uint32_t c;

		if (!nm->oid.p)
			continue;
		if (nm != dn)
			puts_(&o, merged ? " + " : ", ");
		if (mbedtls_oid_get_attr_short_name(&nm->oid, &sn) || !sn)
			sn = "??";
		puts_(&o, sn);
		puts_(&o, "=");
		s = (struct cps){nm->val.tag, nm->val.p, nm->val.p ? nm->val.len : 0, 0};
		if (valid(s.tag, s.p, s.n)) {
			while (cp_next(&s, &c) > 0)
				put_cp(&o, c);
		} else {
			/* as mbedTLS writes it */
			for (size_t i = 0; i < s.n; i++) {
				uint8_t b = s.p[i];
				if (special(b))
					put(&o, "\\", 1);
				if (b < 32 || b >= 127)
					b = '?';
				put(&o, &b, 1);
			}
		}
		merged = nm->next_merged;
	}
	if (cap)
		buf[o.w] = '\0';
	return o.len;
}

/* ---- comparison ---------------------------------------------------------- */

static uint32_t fold(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
	    (c >= 0x391 && c <= 0x3AB && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40F)
		return c + 0x50;
	if (c == 0x178)
		return 0xFF;
	if (c >= 0x100 && c <= 0x17E && c != 0x130 && c != 0x138) {
		int odd_upper = (c >= 0x139 && c <= 0x148) || c >= 0x179;
		if ((c & 1) == (uint32_t)odd_upper)
			return c + 1;
	}
	return c;
}

static int is_space(uint32_t c)
{
	return c == 0x20 || (c >= 9 && c <= 13) || c == 0xA0;
}

/* A value read with insignificant spaces removed and case folded. */
struct norm {
	struct cps s;
	int started, pending, held;
	uint32_t next;
};

static int norm_next(struct norm *r, uint32_t *out)
{
	uint32_t c;

	if (r->held) {
		r->held = 0;
		*out = r->next;
		return 1;
	}
	for (;;) {
		int rc = cp_next(&r->s, &c);
		if (rc <= 0)
			return rc; /* trailing spaces dropped */
		if (is_space(c)) {
			r->pending = r->started;
			continue;
		}
		r->started = 1;
		c = fold(c);
		if (r->pending) {
			r->pending = 0;
			r->held = 1;
			r->next = c;
			c = 0x20;
		}
		*out = c;
		return 1;
	}
}

struct ava {
	const uint8_t *oid, *val;
	size_t oid_len, val_len;
	int tag;
};

static int value_equal(const struct ava *a, const struct ava *b)
{
	if (valid(a->tag, a->val, a->val_len) && valid(b->tag, b->val, b->val_len)) {
		struct norm x = {{a->tag, a->val, a->val_len, 0}, 0, 0, 0, 0};
		struct norm y = {{b->tag, b->val, b->val_len, 0}, 0, 0, 0, 0};
		uint32_t cx = 0, cy = 0;
		int rx;

		do {
			rx = norm_next(&x, &cx);
			int ry = norm_next(&y, &cy);
			if (rx != ry || (rx > 0 && cx != cy))
				return 0;
		} while (rx > 0);
		return 1;
	}
	return a->tag == b->tag && a->val_len == b->val_len &&
	       !memcmp(a->val, b->val, a->val_len);
}

/* Reads one AttributeTypeAndValue. 0 on success. */
static int ava_get(unsigned char **p, const unsigned char *end, struct ava *a)
{
	unsigned char *q;
	size_t len;

	if (mbedtls_asn1_get_tag(p, end, &len, CONS_SEQ))
		return -1;
	q = *p;
	end = q + len;
	*p = q + len;
	if (mbedtls_asn1_get_tag(&q, end, &len, MBEDTLS_ASN1_OID))
		return -1;
	a->oid = q;
	a->oid_len = len;
	q += len;
	if (end - q < 1)
		return -1;
	a->tag = *q++;
	if (mbedtls_asn1_get_len(&q, end, &len) || q + len != end)
		return -1;
	a->val = q;
	a->val_len = len;
	return 0;
}

/* Reads the AVAs of one RDN (a SET) into a[]; returns their count or -1. */
static int rdn_get(unsigned char **p, const unsigned char *end, struct ava *a)
{
	unsigned char *set_end;
	size_t len;
	int n = 0;

	if (mbedtls_asn1_get_tag(p, end, &len, CONS_SET) || !len)
		return -1;
	set_end = *p + len;
	while (*p < set_end) {
		if (n == DN_MAX_AVAS || ava_get(p, set_end, &a[n]))
			return -1;
		n++;
	}
	return n;
}

static int rdn_equal(const struct ava *a, int na, const struct ava *b, int nb)
{
	if (na != nb)
		return 0;
	for (int i = 0; i < na; i++) {
		int found = 0;
		for (int j = 0; j < nb && !found; j++)
			found = a[i].oid_len == b[j].oid_len &&
				!memcmp(a[i].oid, b[j].oid, a[i].oid_len) && value_equal(&a[i], &b[j]);
		if (!found)
			return 0;
	}
	return 1;
}

/* Opens a Name: *end is set to the end of its RDNs. 0 on success. */
static int name_open(unsigned char **p, unsigned char **end, size_t n)
{
	size_t len;

	*end = *p + n;
	if (mbedtls_asn1_get_tag(p, *end, &len, CONS_SEQ) || *p + len != *end)
		return -1;
	return 0;
}

/* prefix: 1 for dn_is_within (b may be shorter), 0 for dn_equal. */
static int compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, int prefix)
{
	unsigned char *p = (unsigned char *)a, *q = (unsigned char *)b, *pe, *qe;
	struct ava x[DN_MAX_AVAS], y[DN_MAX_AVAS];

	if (!a || !b || name_open(&p, &pe, alen) || name_open(&q, &qe, blen))
		return 0;
	while (q < qe) {
		int nx, ny;
		if (p >= pe)
			return 0;
		nx = rdn_get(&p, pe, x);
		ny = rdn_get(&q, qe, y);
		if (nx < 0 || ny < 0 || !rdn_equal(x, nx, y, ny))
			return 0;
	}
	if (prefix) {
		/* the rest of the name must still be well formed */
		while (p < pe)
			if (rdn_get(&p, pe, x) < 0)
				return 0;
		return 1;
	}
	return p == pe;
}

int dn_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return compare(a, alen, b, blen, 0);
}

int dn_is_within(const uint8_t *name, size_t nlen, const uint8_t *base, size_t blen)
{
	return compare(name, nlen, base, blen, 1);
}

int dn_is_empty(const uint8_t *p, size_t n)
{
	unsigned char *q = (unsigned char *)p, *end;

	return p && name_open(&q, &end, n) == 0 && q == end;
}
