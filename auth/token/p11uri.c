/* p11uri.c: PKCS#11 URIs (RFC 7512). The semantics are described in p11uri.h. */
#include "p11uri.h"
#include "sg_hex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

/* ---- the attribute table -------------------------------------------------- */

enum kind {
	K_BYTES,   /* percent-decoded bytes with a length */
	K_CSTR,    /* percent-decoded C string (no NUL inside) */
	K_VERSION, /* major[.minor], decimal, each 0..255 */
	K_SLOT_ID, /* decimal CK_SLOT_ID */
	K_TYPE,    /* an object class name */
};

/* Where an attribute may appear. */
#define IN_PATH 1u
#define IN_QUERY 2u

struct attr_desc {
	const char *name;
	enum p11uri_attr attr;
	unsigned char where;
	unsigned char kind;
	unsigned char format_where; /* the component it is written in */
	size_t off;                 /* of the value in struct p11uri */
	size_t len_off;             /* of its length (K_BYTES) */
	size_t cap;                 /* of the buffer (K_CSTR: with the NUL) */
};

#define FIELD(f) offsetof(struct p11uri, f), sizeof(((struct p11uri *)0)->f)
#define BYTES(n, a, f)                                                                      \
	{                                                                                   \
		n, a, IN_PATH, K_BYTES, IN_PATH, offsetof(struct p11uri, f),                \
		    offsetof(struct p11uri, f##_len), sizeof(((struct p11uri *)0)->f)      \
	}
#define CSTR(n, a, w, f)                                                                    \
	{                                                                                   \
		n, a, w, K_CSTR, IN_QUERY, offsetof(struct p11uri, f), 0,                   \
		    sizeof(((struct p11uri *)0)->f)                                         \
	}
#define OTHER(n, a, k)                                                                      \
	{                                                                                   \
		n, a, IN_PATH, k, IN_PATH, 0, 0, 0                                          \
	}

/* In canonical output order: library, slot, token (p11-kit's and p11tool's
 * order, so that listings look familiar), object, then the query. */
static const struct attr_desc attrs[] = {
	BYTES("library-description", P11URI_LIB_DESCRIPTION, lib_description),
	BYTES("library-manufacturer", P11URI_LIB_MANUFACTURER, lib_manufacturer),
	OTHER("library-version", P11URI_LIB_VERSION, K_VERSION),
	BYTES("slot-description", P11URI_SLOT_DESCRIPTION, slot_description),
	BYTES("slot-manufacturer", P11URI_SLOT_MANUFACTURER, slot_manufacturer),
	OTHER("slot-id", P11URI_SLOT_ID, K_SLOT_ID),
	BYTES("model", P11URI_MODEL, model),
	BYTES("manufacturer", P11URI_MANUFACTURER, manufacturer),
	BYTES("serial", P11URI_SERIAL, serial),
	BYTES("token", P11URI_TOKEN, token),
	BYTES("id", P11URI_ID, id),
	BYTES("object", P11URI_OBJECT, object),
	OTHER("type", P11URI_TYPE, K_TYPE),
	/* Also accepted in the path, as early drafts had them there. */
	CSTR("pin-source", P11URI_PIN_SOURCE, IN_PATH | IN_QUERY, pin_source),
	CSTR("pin-value", P11URI_PIN_VALUE, IN_PATH | IN_QUERY, pin_value),
	CSTR("module-name", P11URI_MODULE_NAME, IN_QUERY, module_name),
	CSTR("module-path", P11URI_MODULE_PATH, IN_QUERY, module_path),
};

#define N_ATTRS (sizeof(attrs) / sizeof(attrs[0]))

struct type_name {
	CK_OBJECT_CLASS cls;
	const char *name;
};

static const struct type_name types[] = {
	{CKO_CERTIFICATE, "cert"},   {CKO_PRIVATE_KEY, "private"}, {CKO_PUBLIC_KEY, "public"},
	{CKO_SECRET_KEY, "secret-key"}, {CKO_DATA, "data"},
};

#define N_TYPES (sizeof(types) / sizeof(types[0]))

/* ---- characters ----------------------------------------------------------- */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* ASCII case-insensitive: the n bytes at s equal the literal lit. */
static int name_eq(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!lit[i] || lower((unsigned char)s[i]) != lit[i])
			return 0;
	return lit[n] == '\0';
}

static int names_eq(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;

	if (an != bn)
		return 0;
	for (i = 0; i < an; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 3986 unreserved. */
static int is_unreserved(int c)
{
	return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 7512 pk11-res-avail: reserved characters both components admit. */
static int is_res_avail(int c)
{
	return c && strchr(":[]@!$'()*+,=", c) != NULL;
}

/* Characters a value may hold unencoded: pk11-pchar (path, where ';' and '?'
 * delimit) or pk11-qchar (query, where '&' delimits), '%' aside. */
static int is_raw_ok(int c, unsigned component)
{
	if (is_unreserved(c) || is_res_avail(c))
		return 1;
	if (component == IN_PATH)
		return c == '&';
	return c == '/' || c == '?' || c == '|';
}

/* pk11-v-attr-nm-char: what attribute names are made of. */
static int is_name_char(int c)
{
	return is_alnum(c) || c == '-' || c == '_';
}


/* ---- parser --------------------------------------------------------------- */

struct parser {
	const char *s;
	size_t len;
	size_t path_start;
	struct p11uri *out;
	struct sg_error *e;
};

/* One "name=value" in the input: offsets into p->s. */
struct seg {
	size_t start, eq, end; /* name is [start, eq), value [eq + 1, end) */
	unsigned component;
	const struct attr_desc *desc; /* NULL when not a standard attribute */
};

static sg_err fail(const struct parser *p, const struct seg *g, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The detail names a standard attribute but never quotes the input: an
 * unknown "name" may be a PIN typed without its "pin-value=". */
static sg_err fail(const struct parser *p, const struct seg *g, size_t at, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (g && g->desc)
		return sg_error_set(p->e, SG_E_MALFORMED, "PKCS#11 URI: %s at offset %zu: %s",
				    g->desc->name, at, what);
	return sg_error_set(p->e, SG_E_MALFORMED, "PKCS#11 URI: offset %zu: %s", at, what);
}

/* Percent-decodes the value of g into dst (cap bytes; dst NULL only checks
 * the syntax) and stores the length in *n. */
static sg_err decode(const struct parser *p, const struct seg *g, unsigned char *dst, size_t cap,
		     size_t *n)
{
	size_t i = g->eq + 1, k = 0;

	while (i < g->end) {
		int c = (unsigned char)p->s[i];

		if (c == '%') {
			int hi = i + 2 < g->end ? sg_hex_digit((unsigned char)p->s[i + 1]) : -1;
			int lo = hi >= 0 ? sg_hex_digit((unsigned char)p->s[i + 2]) : -1;

			if (lo < 0)
				return fail(p, g, i, "'%%' must be followed by two hex digits");
			c = hi << 4 | lo;
			i += 3;
		} else if (!is_raw_ok(c, g->component)) {
			return fail(p, g, i, "character 0x%02X must be percent-encoded", c);
		} else {
			i++;
		}
		if (dst) {
			if (k == cap)
				return fail(p, g, g->eq + 1, "value longer than %zu bytes", cap);
			dst[k] = (unsigned char)c;
		}
		k++;
	}
	*n = k;
	return SG_OK;
}

/* The bare decimal number at [i, end) into *v, at most max. */
static sg_err decimal(const struct parser *p, const struct seg *g, size_t i, size_t end,
		      unsigned long max, unsigned long *v)
{
	unsigned long x = 0;
	size_t start = i;

	if (i == end)
		return fail(p, g, i, "a decimal number is required");
	for (; i < end; i++) {
		unsigned d = (unsigned)((unsigned char)p->s[i] - '0');

		if (d > 9)
			return fail(p, g, i, "a decimal number is required");
		if (x > (max - d) / 10)
			return fail(p, g, start, "number larger than %lu", max);
		x = x * 10 + d;
	}
	*v = x;
	return SG_OK;
}

static sg_err parse_version(const struct parser *p, const struct seg *g)
{
	size_t v = g->eq + 1;
	const char *dot = memchr(p->s + v, '.', g->end - v);
	size_t mend = dot ? (size_t)(dot - p->s) : g->end;
	unsigned long major, minor = 0;
	sg_err rc = decimal(p, g, v, mend, 255, &major);

	if (!rc && dot)
		rc = decimal(p, g, mend + 1, g->end, 255, &minor);
	if (rc)
		return rc;
	p->out->lib_version.major = (CK_BYTE)major;
	p->out->lib_version.minor = (CK_BYTE)minor;
	return SG_OK;
}

static sg_err parse_slot_id(const struct parser *p, const struct seg *g)
{
	unsigned long v;
	sg_err rc = decimal(p, g, g->eq + 1, g->end, (CK_SLOT_ID)-1, &v);

	if (!rc)
		p->out->slot_id = v;
	return rc;
}

static sg_err parse_type(const struct parser *p, const struct seg *g)
{
	size_t i;

	for (i = 0; i < N_TYPES; i++)
		if (name_eq(p->s + g->eq + 1, g->end - g->eq - 1, types[i].name)) {
			p->out->type = types[i].cls;
			return SG_OK;
		}
	return fail(p, g, g->eq + 1, "type must be cert, private, public, secret-key or data");
}

/* A module-path names a file to load: relative, it would depend on the
 * current directory (RFC 7512 2.4 asks consumers to refuse it). */
static int is_absolute(const char *path)
{
	int drive = lower((unsigned char)path[0]);

	if (path[0] == '/' || path[0] == '\\')
		return 1;
	/* "C:\..." or "C:/...", for ports to systems with drive letters. */
	return drive >= 'a' && drive <= 'z' && path[1] == ':' &&
	       (path[2] == '/' || path[2] == '\\');
}

static sg_err parse_cstr(const struct parser *p, const struct seg *g)
{
	char *dst = (char *)p->out + g->desc->off;
	size_t n;
	sg_err rc = decode(p, g, (unsigned char *)dst, g->desc->cap - 1, &n);

	if (rc)
		return rc;
	dst[n] = '\0';
	/* Handed to the OS as a C string: a NUL would cut it short, so that
	 * "x.so%00/../evil" would name a different file than it shows. */
	if (strlen(dst) != n)
		return fail(p, g, g->eq + 1, "%%00 is not allowed here");
	if (g->desc->attr == P11URI_MODULE_PATH && !is_absolute(dst))
		return fail(p, g, g->eq + 1, "module-path must be an absolute path");
	return SG_OK;
}

static sg_err parse_value(const struct parser *p, const struct seg *g)
{
	const struct attr_desc *d = g->desc;

	switch (d->kind) {
	case K_BYTES:
		return decode(p, g, (unsigned char *)p->out + d->off, d->cap,
			      (size_t *)(void *)((unsigned char *)p->out + d->len_off));
	case K_CSTR:
		return parse_cstr(p, g);
	case K_VERSION:
		return parse_version(p, g);
	case K_SLOT_ID:
		return parse_slot_id(p, g);
	default:
		return parse_type(p, g);
	}
}

static const struct attr_desc *find_attr(const char *name, size_t n, unsigned component)
{
	size_t i;

	for (i = 0; i < N_ATTRS; i++)
		if ((attrs[i].where & component) && name_eq(name, n, attrs[i].name))
			return &attrs[i];
	return NULL;
}

/* An unknown path attribute named before offset g->start with g's name?
 * Scans the path again rather than keeping names: no allocation, and the
 * input is bounded by P11URI_MAX_LEN. */
static int seen_before(const struct parser *p, const struct seg *g)
{
	size_t i = p->path_start;

	while (i < g->start) {
		const char *semi = memchr(p->s + i, ';', g->start - i);
		size_t end = semi ? (size_t)(semi - p->s) : g->start;
		const char *eq = memchr(p->s + i, '=', end - i);

		if (eq && names_eq(p->s + i, (size_t)(eq - p->s) - i, p->s + g->start,
				   g->eq - g->start))
			return 1;
		i = end + 1;
	}
	return 0;
}

static sg_err parse_unknown(struct parser *p, const struct seg *g)
{
	size_t n;
	int vendor = g->eq - g->start > 2 && lower((unsigned char)p->s[g->start]) == 'x' &&
		     p->s[g->start + 1] == '-';

	if (g->component == IN_PATH) {
		if (seen_before(p, g))
			return fail(p, g, g->start, "attribute given twice");
		/* Vendor attributes narrow a search only for their vendor; an
		 * attribute we do not know must not widen it: match nothing. */
		if (!vendor)
			p->out->unrecognized = 1;
	}
	return decode(p, g, NULL, 0, &n);
}

/* One "name=value" at [start, end) of the path or the query. */
static sg_err parse_segment(struct parser *p, size_t start, size_t end, unsigned component)
{
	const char *eq = memchr(p->s + start, '=', end - start);
	struct seg g = {start, 0, end, component, NULL};
	size_t i;

	if (start == end)
		return fail(p, NULL, start, "empty attribute");
	if (!eq)
		return fail(p, NULL, start, "attribute without '='");
	g.eq = (size_t)(eq - p->s);
	if (g.eq == start)
		return fail(p, NULL, start, "attribute without a name");
	for (i = start; i < g.eq; i++)
		if (!is_name_char((unsigned char)p->s[i]))
			return fail(p, NULL, i, "bad character in an attribute name");
	g.desc = find_attr(p->s + start, g.eq - start, component);
	if (!g.desc)
		return parse_unknown(p, &g);
	if (p->out->present & P11URI_BIT(g.desc->attr))
		return fail(p, &g, start, "attribute given twice");
	p->out->present |= P11URI_BIT(g.desc->attr);
	return parse_value(p, &g);
}

/* The attributes in [start, end) separated by sep. */
static sg_err parse_list(struct parser *p, size_t start, size_t end, char sep, unsigned component)
{
	for (;;) {
		const char *d = memchr(p->s + start, sep, end - start);
		size_t stop = d ? (size_t)(d - p->s) : end;
		sg_err rc = parse_segment(p, start, stop, component);

		if (rc || !d)
			return rc;
		start = stop + 1;
	}
}

static sg_err parse_all(struct parser *p)
{
	static const char scheme[] = "pkcs11:";
	const size_t sl = sizeof(scheme) - 1;
	const char *q;
	size_t path_end;
	sg_err rc;

	if (p->len > P11URI_MAX_LEN)
		return fail(p, NULL, P11URI_MAX_LEN, "URI longer than %d bytes", P11URI_MAX_LEN);
	if (p->len < sl || !name_eq(p->s, sl, scheme))
		return fail(p, NULL, 0, "a PKCS#11 URI starts with \"pkcs11:\"");
	p->path_start = sl;
	q = memchr(p->s + sl, '?', p->len - sl);
	path_end = q ? (size_t)(q - p->s) : p->len;
	/* An empty path is allowed: "pkcs11:" names everything. */
	if (path_end > sl && (rc = parse_list(p, sl, path_end, ';', IN_PATH)))
		return rc;
	if (q && (rc = parse_list(p, path_end + 1, p->len, '&', IN_QUERY)))
		return rc;
	if ((p->out->present & P11URI_BIT(P11URI_PIN_SOURCE)) &&
	    (p->out->present & P11URI_BIT(P11URI_PIN_VALUE)))
		return fail(p, NULL, path_end, "pin-source and pin-value exclude each other");
	return SG_OK;
}

sg_err p11uri_parse(const char *s, size_t len, struct p11uri *out, struct sg_error *e)
{
	struct parser p;
	sg_err rc;

	memset(out, 0, sizeof(*out));
	if (!s && len)
		return sg_error_set(e, SG_E_INTERNAL, "p11uri_parse: no input");
	p.s = s;
	p.len = len;
	p.path_start = 0;
	p.out = out;
	p.e = e;
	rc = parse_all(&p);
	if (rc)
		p11uri_wipe(out); /* a pin-value may already be in there */
	return rc;
}

int p11uri_has_pin_value(const struct p11uri *u)
{
	return (u->present & P11URI_BIT(P11URI_PIN_VALUE)) != 0;
}

void p11uri_wipe(struct p11uri *u)
{
	mbedtls_platform_zeroize(u, sizeof(*u));
}

/* ---- matching ------------------------------------------------------------- */

/* Length without the padding: PKCS#11 pads with blanks, and some modules
 * with NULs. */
static size_t trimmed(const unsigned char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\0'))
		n--;
	return n;
}

static int padded_eq(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	an = trimmed(a, an);
	bn = trimmed(b, bn);
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static int has(const struct p11uri *u, enum p11uri_attr a)
{
	return (u->present & P11URI_BIT(a)) != 0;
}

/* An absent attribute matches anything. */
#define PADDED_OK(u, a, f, field) \
	(!has(u, a) || padded_eq((u)->f, (u)->f##_len, field, sizeof(field)))

int p11uri_match_library(const struct p11uri *u, const CK_INFO *info)
{
	if (u->unrecognized)
		return 0;
	return PADDED_OK(u, P11URI_LIB_MANUFACTURER, lib_manufacturer, info->manufacturerID) &&
	       PADDED_OK(u, P11URI_LIB_DESCRIPTION, lib_description, info->libraryDescription) &&
	       (!has(u, P11URI_LIB_VERSION) ||
		(u->lib_version.major == info->libraryVersion.major &&
		 u->lib_version.minor == info->libraryVersion.minor));
}

int p11uri_match_slot(const struct p11uri *u, CK_SLOT_ID slot, const CK_SLOT_INFO *info)
{
	if (u->unrecognized)
		return 0;
	return (!has(u, P11URI_SLOT_ID) || u->slot_id == slot) &&
	       PADDED_OK(u, P11URI_SLOT_DESCRIPTION, slot_description, info->slotDescription) &&
	       PADDED_OK(u, P11URI_SLOT_MANUFACTURER, slot_manufacturer, info->manufacturerID);
}

int p11uri_match_token(const struct p11uri *u, const CK_TOKEN_INFO *info)
{
	if (u->unrecognized)
		return 0;
	return PADDED_OK(u, P11URI_TOKEN, token, info->label) &&
	       PADDED_OK(u, P11URI_MANUFACTURER, manufacturer, info->manufacturerID) &&
	       PADDED_OK(u, P11URI_MODEL, model, info->model) &&
	       PADDED_OK(u, P11URI_SERIAL, serial, info->serialNumber);
}

static int bytes_eq(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

int p11uri_match_object(const struct p11uri *u, CK_OBJECT_CLASS cls, const unsigned char *label,
			size_t label_len, const unsigned char *id, size_t id_len)
{
	if (u->unrecognized)
		return 0;
	return (!has(u, P11URI_TYPE) || u->type == cls) &&
	       (!has(u, P11URI_OBJECT) || bytes_eq(u->object, u->object_len, label, label_len)) &&
	       (!has(u, P11URI_ID) || bytes_eq(u->id, u->id_len, id, id_len));
}

const char *p11uri_type_name(CK_OBJECT_CLASS cls)
{
	size_t i;

	for (i = 0; i < N_TYPES; i++)
		if (types[i].cls == cls)
			return types[i].name;
	return NULL;
}

/* ---- formatting ----------------------------------------------------------- */

/* snprintf-style output: counts everything, stores what fits. */
struct writer {
	char *buf;
	size_t cap, n;
	char sep; /* before the next attribute: ':' already written, then ';' */
	unsigned component;
};

static void put(struct writer *w, char c)
{
	if (w->n + 1 < w->cap)
		w->buf[w->n] = c;
	w->n++;
}

static void put_str(struct writer *w, const char *s)
{
	while (*s)
		put(w, *s++);
}

static void put_pct(struct writer *w, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";

	put(w, '%');
	put(w, hex[c >> 4]);
	put(w, hex[c & 15]);
}

static void put_value(struct writer *w, const unsigned char *v, size_t n, int all_pct)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!all_pct && is_raw_ok(v[i], w->component))
			put(w, (char)v[i]);
		else
			put_pct(w, v[i]);
	}
}

/* Starts "name=" in the given component, with its separator. */
static void put_name(struct writer *w, const char *name, unsigned component)
{
	if (component != w->component) {
		w->component = component;
		w->sep = '?';
	}
	if (w->sep)
		put(w, w->sep);
	w->sep = component == IN_PATH ? ';' : '&';
	put_str(w, name);
	put(w, '=');
}

static void put_attr(struct writer *w, const char *name, const unsigned char *v, size_t n,
		     int all_pct)
{
	put_name(w, name, IN_PATH);
	put_value(w, v, n, all_pct);
}

static void writer_start(struct writer *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->n = 0;
	w->sep = 0;
	w->component = IN_PATH;
	put_str(w, "pkcs11:");
}

static size_t writer_end(struct writer *w)
{
	if (w->cap)
		w->buf[w->n < w->cap ? w->n : w->cap - 1] = '\0';
	return w->n;
}

#define PUT_PADDED(w, name, field) put_attr(w, name, field, trimmed(field, sizeof(field)), 0)

static void put_token(struct writer *w, const CK_TOKEN_INFO *info)
{
	PUT_PADDED(w, "model", info->model);
	PUT_PADDED(w, "manufacturer", info->manufacturerID);
	PUT_PADDED(w, "serial", info->serialNumber);
	PUT_PADDED(w, "token", info->label);
}

size_t p11uri_format_token(char *buf, size_t cap, const CK_TOKEN_INFO *info)
{
	struct writer w;

	writer_start(&w, buf, cap);
	put_token(&w, info);
	return writer_end(&w);
}

size_t p11uri_format_object(char *buf, size_t cap, const CK_TOKEN_INFO *info, const char *type,
			    const unsigned char *label, size_t label_len,
			    const unsigned char *id, size_t id_len)
{
	struct writer w;

	writer_start(&w, buf, cap);
	if (info)
		put_token(&w, info);
	if (id)
		put_attr(&w, "id", id, id_len, 1);
	if (label)
		put_attr(&w, "object", label, label_len, 0);
	if (type)
		put_attr(&w, "type", (const unsigned char *)type, strlen(type), 0);
	return writer_end(&w);
}

static void put_ulong(struct writer *w, unsigned long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lu", v);
	put_str(w, num);
}

static void put_desc(struct writer *w, const struct p11uri *u, const struct attr_desc *d)
{
	const unsigned char *base = (const unsigned char *)u;

	put_name(w, d->name, d->format_where);
	switch (d->kind) {
	case K_BYTES:
		put_value(w, base + d->off, *(const size_t *)(const void *)(base + d->len_off),
			  d->attr == P11URI_ID);
		break;
	case K_CSTR:
		put_value(w, base + d->off, strlen((const char *)base + d->off), 0);
		break;
	case K_VERSION:
		put_ulong(w, u->lib_version.major);
		put(w, '.');
		put_ulong(w, u->lib_version.minor);
		break;
	case K_SLOT_ID:
		put_ulong(w, u->slot_id);
		break;
	default:
		put_str(w, p11uri_type_name(u->type) ? p11uri_type_name(u->type) : "");
		break;
	}
}

size_t p11uri_format(char *buf, size_t cap, const struct p11uri *u)
{
	struct writer w;
	size_t i;

	writer_start(&w, buf, cap);
	for (i = 0; i < N_ATTRS; i++) {
		/* A secret is never written out. */
		if (attrs[i].attr == P11URI_PIN_VALUE || !has(u, attrs[i].attr))
			continue;
		put_desc(&w, u, &attrs[i]);
	}
	return writer_end(&w);
}
