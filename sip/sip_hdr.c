/*
 * sip_hdr.c: header values of a parsed SIP message, parsed on demand
 * into slices of the message (RFC 3261 section 25 grammar, leniently
 * where it costs nothing: any LWS, folded lines, any case).
 */
#include <string.h>

#include "sip_msg.h"

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_lws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static struct sip_str mkstr(const char *p, size_t len)
{
	struct sip_str s;

	s.p = p;
	s.len = len;
	return s;
}

static struct sip_str trim(struct sip_str s)
{
	while (s.len && is_lws((unsigned char)s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_lws((unsigned char)s.p[s.len - 1]))
		s.len--;
	return s;
}

/* Without surrounding quotes, when it has them. */
static struct sip_str unquote(struct sip_str s)
{
	if (s.len >= 2 && s.p[0] == '"' && s.p[s.len - 1] == '"')
		return mkstr(s.p + 1, s.len - 2);
	return s;
}

int sip_str_eq(struct sip_str s, const char *c)
{
	return strlen(c) == s.len && (s.len == 0 || memcmp(s.p, c, s.len) == 0);
}

int sip_str_ieq(struct sip_str s, const char *c)
{
	size_t i;

	if (strlen(c) != s.len)
		return 0;
	for (i = 0; i < s.len; i++)
		if (lower((unsigned char)s.p[i]) != lower((unsigned char)c[i]))
			return 0;
	return 1;
}

int sip_str_copy(struct sip_str s, char *buf, size_t cap)
{
	if (!cap)
		return -1;
	buf[0] = '\0';
	if (s.len >= cap || (s.len && memchr(s.p, '\0', s.len)))
		return -1;
	if (s.len)
		memcpy(buf, s.p, s.len);
	buf[s.len] = '\0';
	return 0;
}

/* Splits s at the next sep outside quotes and <...>; *rest is what
 * follows the separator (len 0 at the end). */
static struct sip_str split(struct sip_str s, char sep, struct sip_str *rest)
{
	size_t i;
	int q = 0, angle = 0;

	for (i = 0; i < s.len; i++) {
		char c = s.p[i];

		if (q) {
			if (c == '\\' && i + 1 < s.len)
				i++;
			else if (c == '"')
				q = 0;
			continue;
		}
		if (c == '"')
			q = 1;
		else if (c == '<')
			angle = 1;
		else if (c == '>')
			angle = 0;
		else if (c == sep && !angle)
			break;
	}
	if (i < s.len)
		*rest = mkstr(s.p + i + 1, s.len - i - 1);
	else
		*rest = mkstr(s.p + s.len, 0);
	return mkstr(s.p, i);
}

int sip_str_list_has(struct sip_str list, const char *tok)
{
	struct sip_str rest = list;

	while (rest.len) {
		struct sip_str item = trim(split(rest, ',', &rest));

		if (sip_str_ieq(item, tok))
			return 1;
	}
	return 0;
}

int sip_msg_next(const struct sip_msg *m, enum sip_hdr_id id, struct sip_iter *it,
		 struct sip_str *val)
{
	for (; it->hdr < m->nhdrs; it->hdr++, it->off = 0) {
		const struct sip_hdr *h = &m->hdrs[it->hdr];

		if (h->id != id)
			continue;
		while (it->off < h->value.len) {
			struct sip_str rest, item;

			item = split(mkstr(h->value.p + it->off, h->value.len - it->off), ',', &rest);
			it->off = rest.len ? (size_t)(rest.p - h->value.p) : h->value.len;
			item = trim(item);
			if (item.len) {
				*val = item;
				return 1;
			}
		}
	}
	return 0;
}

int sip_param(struct sip_str params, char sep, const char *name, struct sip_str *val)
{
	struct sip_str rest = params;

	while (rest.len) {
		struct sip_str item = trim(split(rest, sep, &rest)), n, v;
		const char *eq = memchr(item.p, '=', item.len);

		if (!item.len)
			continue;
		if (eq) {
			n = trim(mkstr(item.p, (size_t)(eq - item.p)));
			v = trim(mkstr(eq + 1, item.len - (size_t)(eq + 1 - item.p)));
		} else {
			n = item;
			v = mkstr(item.p + item.len, 0);
		}
		if (sip_str_ieq(n, name)) {
			*val = unquote(v);
			return 1;
		}
	}
	return 0;
}

static int to_ulong(struct sip_str s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!s.len || s.len > 10)
		return -1;
	for (i = 0; i < s.len; i++) {
		unsigned long d;

		if (!is_digit((unsigned char)s.p[i]))
			return -1;
		d = (unsigned long)(s.p[i] - '0');
		/* unsigned long is 32 bits on armhf: refuse before it wraps. */
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

sg_err sip_addr_parse(struct sip_str v, struct sip_addr *a, struct sg_error *e)
{
	struct sip_str rest, tag;
	const char *lt = NULL;
	size_t i;
	int q = 0;

	memset(a, 0, sizeof(*a));
	v = trim(v);
	for (i = 0; i < v.len && !lt; i++) {
		if (q) {
			if (v.p[i] == '\\' && i + 1 < v.len)
				i++;
			else if (v.p[i] == '"')
				q = 0;
		} else if (v.p[i] == '"') {
			q = 1;
		} else if (v.p[i] == '<') {
			lt = v.p + i;
		}
	}
	if (lt) {
		const char *gt = memchr(lt, '>', v.len - (size_t)(lt - v.p));

		if (!gt)
			return sg_error_set(e, SG_E_MALFORMED, "SIP address: '<' without '>'");
		a->display = unquote(trim(mkstr(v.p, (size_t)(lt - v.p))));
		a->uri = trim(mkstr(lt + 1, (size_t)(gt - lt - 1)));
		rest = trim(mkstr(gt + 1, v.len - (size_t)(gt + 1 - v.p)));
		if (rest.len && rest.p[0] != ';')
			return sg_error_set(e, SG_E_MALFORMED,
					    "SIP address: junk after '>' (parameters start with ';')");
	} else {
		if (q)
			return sg_error_set(e, SG_E_MALFORMED, "SIP address: unterminated quote");
		/* addr-spec: parameters after the first ';' belong to the header. */
		a->uri = trim(split(v, ';', &rest));
		rest = rest.len ? mkstr(rest.p - 1, rest.len + 1) : rest;
	}
	if (!a->uri.len)
		return sg_error_set(e, SG_E_MALFORMED, "SIP address: empty URI");
	for (i = 0; i < a->uri.len; i++)
		if (is_lws((unsigned char)a->uri.p[i]) || a->uri.p[i] == '\0')
			return sg_error_set(e, SG_E_MALFORMED, "SIP address: white space in the URI");
	a->params = rest;
	if (sip_param(rest, ';', "tag", &tag))
		a->tag = tag;
	else
		a->tag = mkstr(v.p + v.len, 0);
	return SG_OK;
}

static int is_host_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
	       c == '.' || c == '_';
}

/* host[:port] at s; *used how many bytes it took. */
static sg_err parse_hostport(struct sip_str s, struct sip_str *host, uint16_t *port, size_t *used,
			     const char *what, struct sg_error *e)
{
	size_t i = 0;
	unsigned long pv;

	*port = 0;
	if (s.len && s.p[0] == '[') {
		const char *rb = memchr(s.p, ']', s.len);

		if (!rb || rb == s.p + 1)
			return sg_error_set(e, SG_E_MALFORMED, "%s: bad IPv6 reference", what);
		for (i = 1; s.p + i < rb; i++) {
			char c = s.p[i];

			if (!(is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f') || c == ':' ||
			      c == '.'))
				return sg_error_set(e, SG_E_MALFORMED, "%s: bad IPv6 reference",
						    what);
		}
		*host = mkstr(s.p + 1, (size_t)(rb - s.p - 1));
		i = (size_t)(rb - s.p) + 1;
	} else {
		while (i < s.len && is_host_char((unsigned char)s.p[i]))
			i++;
		if (i == 0)
			return sg_error_set(e, SG_E_MALFORMED, "%s: no host", what);
		*host = mkstr(s.p, i);
	}
	if (i < s.len && s.p[i] == ':') {
		size_t st = ++i;

		while (i < s.len && is_digit((unsigned char)s.p[i]))
			i++;
		if (to_ulong(mkstr(s.p + st, i - st), 65535, &pv) || pv == 0)
			return sg_error_set(e, SG_E_MALFORMED, "%s: bad port", what);
		*port = (uint16_t)pv;
	}
	*used = i;
	return SG_OK;
}

sg_err sip_uri_parse(struct sip_str s, struct sip_uri *u, struct sg_error *e)
{
	struct sip_str hp;
	size_t i, used, end;
	const char *at = NULL;
	sg_err err;

	memset(u, 0, sizeof(*u));
	s = trim(s);
	if (s.len >= 4 && sip_str_ieq(mkstr(s.p, 4), "sip:")) {
		i = 4;
	} else if (s.len >= 5 && sip_str_ieq(mkstr(s.p, 5), "sips:")) {
		i = 5;
		u->sips = 1;
	} else {
		return sg_error_set(e, SG_E_MALFORMED, "SIP URI: not a sip: or sips: URI");
	}
	end = s.len;
	for (used = i; used < s.len; used++) {
		if (s.p[used] == '?') {
			end = used;
			break;
		}
		if (s.p[used] == '@')
			at = s.p + used;
		if ((unsigned char)s.p[used] <= 0x20)
			return sg_error_set(e, SG_E_MALFORMED,
					    "SIP URI: white space or control character");
	}
	if (at) {
		const char *colon = memchr(s.p + i, ':', (size_t)(at - s.p) - i);

		u->user = mkstr(s.p + i, (size_t)((colon ? colon : at) - s.p) - i);
		if (!u->user.len)
			return sg_error_set(e, SG_E_MALFORMED, "SIP URI: empty user before '@'");
		i = (size_t)(at - s.p) + 1;
	} else {
		u->user = mkstr(s.p + i, 0);
	}
	hp = mkstr(s.p + i, end - i);
	err = parse_hostport(hp, &u->host, &u->port, &used, "SIP URI", e);
	if (err)
		return err;
	u->params = mkstr(hp.p + used, hp.len - used);
	if (u->params.len && u->params.p[0] != ';')
		return sg_error_set(e, SG_E_MALFORMED, "SIP URI: junk after the host");
	return SG_OK;
}

static const struct sip_hdr *need(const struct sip_msg *m, enum sip_hdr_id id, const char *name,
				  struct sg_error *e)
{
	const struct sip_hdr *h = sip_msg_hdr(m, id);

	if (!h)
		sg_error_set(e, SG_E_MALFORMED, "SIP message: no %s header", name);
	return h;
}

sg_err sip_msg_via(const struct sip_msg *m, struct sip_via *v, struct sg_error *e)
{
	struct sip_iter it = {0, 0};
	struct sip_str val, parts[3], rest, p;
	size_t i, used;
	unsigned long port;
	sg_err err;

	memset(v, 0, sizeof(*v));
	v->rport = -1;
	if (!sip_msg_next(m, SIP_HDR_VIA, &it, &val))
		return sg_error_set(e, SG_E_MALFORMED, "SIP message: no Via header");
	/* sent-protocol = name LWS? "/" LWS? version LWS? "/" LWS? transport */
	rest = val;
	for (i = 0; i < 3; i++) {
		if (i < 2) {
			parts[i] = trim(split(rest, '/', &rest));
		} else {
			size_t k = 0;

			rest = trim(rest);
			while (k < rest.len && !is_lws((unsigned char)rest.p[k]))
				k++;
			parts[i] = mkstr(rest.p, k);
			rest = trim(mkstr(rest.p + k, rest.len - k));
		}
		if (!parts[i].len)
			return sg_error_set(e, SG_E_MALFORMED,
					    "Via: not \"SIP/2.0/TRANSPORT host\"");
	}
	if (!sip_str_ieq(parts[0], "SIP") || !sip_str_eq(parts[1], "2.0"))
		return sg_error_set(e, SG_E_MALFORMED, "Via: protocol is not SIP/2.0");
	v->transport = parts[2];
	err = parse_hostport(rest, &v->host, &v->port, &used, "Via", e);
	if (err)
		return err;
	p = trim(mkstr(rest.p + used, rest.len - used));
	if (p.len && p.p[0] != ';')
		return sg_error_set(e, SG_E_MALFORMED, "Via: junk after the sent-by");
	v->params = p;
	if (!sip_param(p, ';', "branch", &v->branch))
		v->branch = mkstr(p.p + p.len, 0);
	if (!sip_param(p, ';', "received", &v->received))
		v->received = mkstr(p.p + p.len, 0);
	if (sip_param(p, ';', "rport", &val)) {
		if (!val.len)
			v->rport = 0;
		else if (to_ulong(val, 65535, &port) || port == 0)
			return sg_error_set(e, SG_E_MALFORMED, "Via: bad rport");
		else
			v->rport = (int)port;
	}
	return SG_OK;
}

/* "NAME header: " before the detail (copied first: it is the source). */
static sg_err prefix(struct sg_error *e, sg_err err, const char *name)
{
	char d[sizeof(e->detail)];

	if (!e)
		return err;
	memcpy(d, e->detail, sizeof(d));
	d[sizeof(d) - 1] = '\0';
	return sg_error_set(e, err, "%s header: %s", name, d);
}

static sg_err addr_hdr(const struct sip_msg *m, enum sip_hdr_id id, const char *name,
		       struct sip_addr *a, struct sg_error *e)
{
	const struct sip_hdr *h = need(m, id, name, e);
	sg_err err;

	if (!h)
		return SG_E_MALFORMED;
	err = sip_addr_parse(h->value, a, e);
	if (err)
		return prefix(e, err, name);
	return SG_OK;
}

sg_err sip_msg_from(const struct sip_msg *m, struct sip_addr *a, struct sg_error *e)
{
	return addr_hdr(m, SIP_HDR_FROM, "From", a, e);
}

sg_err sip_msg_to(const struct sip_msg *m, struct sip_addr *a, struct sg_error *e)
{
	return addr_hdr(m, SIP_HDR_TO, "To", a, e);
}

sg_err sip_msg_call_id(const struct sip_msg *m, struct sip_str *id, struct sg_error *e)
{
	const struct sip_hdr *h = need(m, SIP_HDR_CALL_ID, "Call-ID", e);
	size_t i;

	if (!h)
		return SG_E_MALFORMED;
	if (!h->value.len)
		return sg_error_set(e, SG_E_MALFORMED, "Call-ID header: empty");
	for (i = 0; i < h->value.len; i++)
		if (is_lws((unsigned char)h->value.p[i]))
			return sg_error_set(e, SG_E_MALFORMED, "Call-ID header: white space");
	*id = h->value;
	return SG_OK;
}

sg_err sip_msg_cseq(const struct sip_msg *m, uint32_t *num, struct sip_str *method,
		    struct sg_error *e)
{
	const struct sip_hdr *h = need(m, SIP_HDR_CSEQ, "CSeq", e);
	struct sip_str v;
	unsigned long n;
	size_t i = 0;

	if (!h)
		return SG_E_MALFORMED;
	v = h->value;
	while (i < v.len && is_digit((unsigned char)v.p[i]))
		i++;
	/* RFC 3261 8.1.1.5: less than 2^31. */
	if (to_ulong(mkstr(v.p, i), 0x7fffffffUL, &n) || i >= v.len ||
	    !is_lws((unsigned char)v.p[i]))
		return sg_error_set(e, SG_E_MALFORMED,
				    "CSeq header: not \"NUMBER METHOD\" (number below 2^31)");
	*method = trim(mkstr(v.p + i, v.len - i));
	for (i = 0; i < method->len; i++)
		if (is_lws((unsigned char)method->p[i]) || (unsigned char)method->p[i] < 0x20)
			break;
	if (!method->len || i != method->len)
		return sg_error_set(e, SG_E_MALFORMED, "CSeq header: bad method");
	*num = (uint32_t)n;
	return SG_OK;
}

static sg_err parse_contact(struct sip_str v, struct sip_contact *c, struct sg_error *e)
{
	struct sip_str p;
	unsigned long n;
	sg_err err;

	memset(c, 0, sizeof(*c));
	c->expires = -1;
	c->reg_id = -1;
	if (sip_str_eq(v, "*")) {
		c->star = 1;
		return SG_OK;
	}
	err = sip_addr_parse(v, &c->addr, e);
	if (err)
		return prefix(e, err, "Contact");
	if (sip_param(c->addr.params, ';', "expires", &p)) {
		if (to_ulong(p, 0xffffffffUL, &n))
			return sg_error_set(e, SG_E_MALFORMED,
					    "Contact header: expires is not a number");
		c->expires = (long)n;
	}
	if (sip_param(c->addr.params, ';', "reg-id", &p)) {
		if (to_ulong(p, 0x7fffffffUL, &n))
			return sg_error_set(e, SG_E_MALFORMED,
					    "Contact header: reg-id is not a number");
		c->reg_id = (long)n;
	}
	if (sip_param(c->addr.params, ';', "+sip.instance", &p)) {
		if (p.len >= 2 && p.p[0] == '<' && p.p[p.len - 1] == '>')
			p = mkstr(p.p + 1, p.len - 2);
		c->instance = p;
	}
	return SG_OK;
}

int sip_msg_contacts(const struct sip_msg *m, struct sip_contact *out, size_t max,
		     struct sg_error *e)
{
	struct sip_iter it = {0, 0};
	struct sip_str v;
	struct sip_contact tmp;
	int n = 0;

	memset(&tmp, 0, sizeof(tmp));
	while (sip_msg_next(m, SIP_HDR_CONTACT, &it, &v)) {
		struct sip_contact *c = (size_t)n < max ? &out[n] : &tmp;

		if (parse_contact(v, c, e))
			return SIP_BAD;
		if (n == 0x7fff)
			return sg_error_set(e, SG_E_MALFORMED, "Contact: too many"), SIP_BAD;
		n++;
	}
	return n;
}

int sip_msg_uint(const struct sip_msg *m, enum sip_hdr_id id, uint32_t *v, struct sg_error *e)
{
	const struct sip_hdr *h = sip_msg_hdr(m, id);
	unsigned long n;

	if (!h)
		return SIP_ABSENT;
	if (to_ulong(h->value, 0xffffffffUL, &n)) {
		sg_error_set(e, SG_E_MALFORMED, "%.*s header: not a number",
			     (int)(h->name.len > 40 ? 40 : h->name.len), h->name.p);
		return SIP_BAD;
	}
	*v = (uint32_t)n;
	return SIP_FOUND;
}

int sip_msg_retry_after(const struct sip_msg *m, uint32_t *secs, struct sg_error *e)
{
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_RETRY_AFTER);
	size_t i = 0;
	unsigned long n;

	if (!h)
		return SIP_ABSENT;
	while (i < h->value.len && is_digit((unsigned char)h->value.p[i]))
		i++;
	if (to_ulong(mkstr(h->value.p, i), 0xffffffffUL, &n) ||
	    (i < h->value.len && !is_lws((unsigned char)h->value.p[i]) && h->value.p[i] != '(' &&
	     h->value.p[i] != ';')) {
		sg_error_set(e, SG_E_MALFORMED, "Retry-After header: not a number of seconds");
		return SIP_BAD;
	}
	*secs = (uint32_t)n;
	return SIP_FOUND;
}

int sip_msg_has_option(const struct sip_msg *m, enum sip_hdr_id id, const char *tag)
{
	struct sip_iter it = {0, 0};
	struct sip_str v;

	while (sip_msg_next(m, id, &it, &v))
		if (sip_str_ieq(v, tag))
			return 1;
	return 0;
}

int sip_msg_challenge(const struct sip_msg *m, enum sip_hdr_id id, size_t idx,
		      struct sip_challenge *c, struct sg_error *e)
{
	const struct sip_hdr *h = NULL;
	struct sip_str v, params, s;
	size_t i, k = 0;
	int has_nonce;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < m->nhdrs && !h; i++)
		if (m->hdrs[i].id == id && k++ == idx)
			h = &m->hdrs[i];
	if (!h)
		return SIP_ABSENT;
	v = h->value;
	for (i = 0; i < v.len && !is_lws((unsigned char)v.p[i]); i++)
		;
	c->scheme = mkstr(v.p, i);
	params = trim(mkstr(v.p + i, v.len - i));
	if (!c->scheme.len || memchr(c->scheme.p, '=', c->scheme.len)) {
		sg_error_set(e, SG_E_MALFORMED, "%.*s header: no auth scheme",
			     (int)(h->name.len > 40 ? 40 : h->name.len), h->name.p);
		return SIP_BAD;
	}
	c->realm = mkstr(params.p + params.len, 0);
	c->nonce = c->opaque = c->algorithm = c->qop = c->realm;
	(void)sip_param(params, ',', "realm", &c->realm);
	has_nonce = sip_param(params, ',', "nonce", &c->nonce);
	(void)sip_param(params, ',', "opaque", &c->opaque);
	(void)sip_param(params, ',', "algorithm", &c->algorithm);
	(void)sip_param(params, ',', "qop", &c->qop);
	if (sip_param(params, ',', "stale", &s))
		c->stale = sip_str_ieq(s, "true");
	if (sip_str_ieq(c->scheme, "Digest") && !has_nonce) {
		sg_error_set(e, SG_E_MALFORMED, "%.*s header: Digest without a nonce",
			     (int)(h->name.len > 40 ? 40 : h->name.len), h->name.p);
		return SIP_BAD;
	}
	return SIP_FOUND;
}
