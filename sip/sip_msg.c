/*
 * sip_msg.c: the SIP message parser: start line, header index, body.
 * Header values are parsed on demand in sip_hdr.c.
 */
#include <string.h>

#include "sip_msg.h"

struct hdr_name {
	const char *full;
	char compact; /* 0: none */
	enum sip_hdr_id id;
};

/* RFC 3261 7.3.3 and the IANA compact forms of headers we care about;
 * other compact forms map to SIP_HDR_OTHER. */
static const struct hdr_name hdr_names[] = {
	{"Via", 'v', SIP_HDR_VIA},
	{"From", 'f', SIP_HDR_FROM},
	{"To", 't', SIP_HDR_TO},
	{"Call-ID", 'i', SIP_HDR_CALL_ID},
	{"CSeq", 0, SIP_HDR_CSEQ},
	{"Contact", 'm', SIP_HDR_CONTACT},
	{"Expires", 0, SIP_HDR_EXPIRES},
	{"Min-Expires", 0, SIP_HDR_MIN_EXPIRES},
	{"WWW-Authenticate", 0, SIP_HDR_WWW_AUTHENTICATE},
	{"Proxy-Authenticate", 0, SIP_HDR_PROXY_AUTHENTICATE},
	{"Authorization", 0, SIP_HDR_AUTHORIZATION},
	{"Proxy-Authorization", 0, SIP_HDR_PROXY_AUTHORIZATION},
	{"Retry-After", 0, SIP_HDR_RETRY_AFTER},
	{"Require", 0, SIP_HDR_REQUIRE},
	{"Supported", 'k', SIP_HDR_SUPPORTED},
	{"Unsupported", 0, SIP_HDR_UNSUPPORTED},
	{"Flow-Timer", 0, SIP_HDR_FLOW_TIMER},
	{"Content-Length", 'l', SIP_HDR_CONTENT_LENGTH},
	{"Content-Type", 'c', SIP_HDR_CONTENT_TYPE},
	{"Max-Forwards", 0, SIP_HDR_MAX_FORWARDS},
	{"User-Agent", 0, SIP_HDR_USER_AGENT},
	{"Path", 0, SIP_HDR_PATH},
};

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int ieq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++)
		if (!b[i] || lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return b[alen] == '\0';
}

enum sip_hdr_id sip_hdr_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(hdr_names) / sizeof(hdr_names[0]); i++) {
		if (len == 1 && hdr_names[i].compact &&
		    lower((unsigned char)name[0]) == hdr_names[i].compact)
			return hdr_names[i].id;
		if (ieq(name, len, hdr_names[i].full))
			return hdr_names[i].id;
	}
	return SIP_HDR_OTHER;
}

/* RFC 3261 25.1 token characters. */
static int is_token(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-.!%*_+`'~", c) != NULL);
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Finds the end of the line starting at p: the offset of its CR (which
 * is followed by LF). -1: no CRLF before end; -2: a bare CR or LF; -3: a
 * NUL byte. */
static long line_end(const char *p, size_t n, size_t from)
{
	size_t i;

	for (i = from; i < n; i++) {
		if (p[i] == '\0')
			return -3;
		if (p[i] == '\n')
			return -2;
		if (p[i] == '\r') {
			if (i + 1 >= n)
				return -1;
			return p[i + 1] == '\n' ? (long)i : -2;
		}
	}
	return -1;
}

static sg_err line_error(struct sg_error *e, long r, unsigned line)
{
	if (r == -3)
		return sg_error_set(e, SG_E_MALFORMED, "SIP message: NUL byte on line %u", line);
	if (r == -2)
		return sg_error_set(e, SG_E_MALFORMED,
				    "SIP message: bare CR or LF on line %u (lines end with CRLF)",
				    line);
	return sg_error_set(e, SG_E_MALFORMED,
			    "SIP message: the head ends without an empty line (missing CRLF) "
			    "after line %u", line);
}

static int is_version(const char *p, size_t n)
{
	return n == 7 && ieq(p, 7, "SIP/2.0");
}

static sg_err parse_start(struct sip_msg *m, const char *p, size_t n, struct sg_error *e)
{
	const char *sp1 = memchr(p, ' ', n), *sp2;
	size_t i;

	if (!sp1)
		return sg_error_set(e, SG_E_MALFORMED,
				    "SIP message: start line has no space (not SIP?)");
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - p));
	if (is_version(p, (size_t)(sp1 - p))) {
		const char *code = sp1 + 1;
		size_t clen = sp2 ? (size_t)(sp2 - code) : n - (size_t)(code - p);

		if (clen != 3 || !is_digit(code[0]) || !is_digit(code[1]) || !is_digit(code[2]) ||
		    code[0] < '1' || code[0] > '6')
			return sg_error_set(e, SG_E_MALFORMED,
					    "SIP message: status line has no status code 100..699");
		m->status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
		m->reason.p = sp2 ? sp2 + 1 : p + n;
		m->reason.len = sp2 ? n - (size_t)(sp2 + 1 - p) : 0;
		for (i = 0; i < m->reason.len; i++)
			if ((unsigned char)m->reason.p[i] < 0x20 && m->reason.p[i] != '\t')
				return sg_error_set(e, SG_E_MALFORMED,
						    "SIP message: control character in the reason");
		return SG_OK;
	}
	if ((size_t)(sp1 - p) > 4 && ieq(p, 4, "SIP/"))
		return sg_error_set(e, SG_E_MALFORMED,
				    "SIP message: status line with a version other than SIP/2.0");
	m->is_request = 1;
	m->method.p = p;
	m->method.len = (size_t)(sp1 - p);
	for (i = 0; i < m->method.len; i++)
		if (!is_token((unsigned char)p[i]))
			return sg_error_set(e, SG_E_MALFORMED,
					    "SIP message: start line is neither a request nor a "
					    "status line");
	if (!sp2 || sp2 == sp1 + 1 || !is_version(sp2 + 1, n - (size_t)(sp2 + 1 - p)))
		return sg_error_set(e, SG_E_MALFORMED,
				    "SIP message: request line is not \"METHOD URI SIP/2.0\"");
	m->uri.p = sp1 + 1;
	m->uri.len = (size_t)(sp2 - sp1 - 1);
	for (i = 0; i < m->uri.len; i++)
		if ((unsigned char)m->uri.p[i] <= 0x20 || m->uri.p[i] == 0x7f)
			return sg_error_set(e, SG_E_MALFORMED,
					    "SIP message: white space or control character in the "
					    "Request-URI");
	return SG_OK;
}

static int is_lws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One header field p[0..n) (folded lines included). */
static sg_err parse_header(struct sip_msg *m, const char *p, size_t n, unsigned line,
			   struct sg_error *e)
{
	struct sip_hdr *h;
	size_t i = 0, nl;

	while (i < n && is_token((unsigned char)p[i]))
		i++;
	nl = i;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (nl == 0 || i >= n || p[i] != ':') {
		if (nl == 0)
			return sg_error_set(e, SG_E_MALFORMED,
					    "SIP message: line %u is not a header (no name)", line);
		return sg_error_set(e, SG_E_MALFORMED,
				    "SIP message: header \"%.*s\" on line %u has no colon",
				    (int)(nl > 40 ? 40 : nl), p, line);
	}
	if (m->nhdrs >= SIP_MSG_MAX_HDRS)
		return sg_error_set(e, SG_E_MALFORMED,
				    "SIP message: more than %d header fields (line %u)",
				    SIP_MSG_MAX_HDRS, line);
	h = &m->hdrs[m->nhdrs++];
	h->name.p = p;
	h->name.len = nl;
	h->id = sip_hdr_lookup(p, nl);
	i++;
	while (i < n && is_lws((unsigned char)p[i]))
		i++;
	while (n > i && is_lws((unsigned char)p[n - 1]))
		n--;
	h->value.p = p + i;
	h->value.len = n - i;
	return SG_OK;
}

static const char *hdr_display(enum sip_hdr_id id)
{
	size_t i;

	for (i = 0; i < sizeof(hdr_names) / sizeof(hdr_names[0]); i++)
		if (hdr_names[i].id == id)
			return hdr_names[i].full;
	return "?";
}

static sg_err check_mandatory(const struct sip_msg *m, struct sg_error *e)
{
	static const enum sip_hdr_id once[] = {SIP_HDR_FROM, SIP_HDR_TO, SIP_HDR_CALL_ID,
					       SIP_HDR_CSEQ};
	size_t i;

	for (i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
		size_t c = sip_msg_hdr_count(m, once[i]);

		if (c == 0)
			return sg_error_set(e, SG_E_MALFORMED, "SIP message: no %s header",
					    hdr_display(once[i]));
		if (c > 1)
			return sg_error_set(e, SG_E_MALFORMED,
					    "SIP message: %s header appears %zu times",
					    hdr_display(once[i]), c);
	}
	if (!sip_msg_hdr(m, SIP_HDR_VIA))
		return sg_error_set(e, SG_E_MALFORMED, "SIP message: no Via header");
	return SG_OK;
}

static sg_err check_body(struct sip_msg *m, const uint8_t *body, size_t avail,
			 struct sg_error *e)
{
	size_t i, seen = 0;
	uint32_t cl = 0;

	for (i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		uint32_t v = 0;
		size_t k;

		if (h->id != SIP_HDR_CONTENT_LENGTH)
			continue;
		if (h->value.len == 0 || h->value.len > 9)
			return sg_error_set(e, SG_E_MALFORMED,
					    "SIP message: Content-Length is not a number below "
					    "10^9");
		for (k = 0; k < h->value.len; k++) {
			if (!is_digit((unsigned char)h->value.p[k]))
				return sg_error_set(e, SG_E_MALFORMED,
						    "SIP message: Content-Length is not a number");
			v = v * 10 + (uint32_t)(h->value.p[k] - '0');
		}
		if (seen && v != cl)
			return sg_error_set(e, SG_E_MALFORMED,
					    "SIP message: Content-Length headers disagree (%u, %u)",
					    (unsigned)cl, (unsigned)v);
		cl = v;
		seen = 1;
	}
	m->body = body;
	if (!seen) {
		m->body_len = avail;
		return SG_OK;
	}
	if (cl > avail)
		return sg_error_set(e, SG_E_MALFORMED,
				    "SIP message: Content-Length %u but only %zu bytes of body",
				    (unsigned)cl, avail);
	m->body_len = cl;
	return SG_OK;
}

sg_err sip_msg_parse(struct sip_msg *m, const uint8_t *buf, size_t len, struct sg_error *e)
{
	const char *p = (const char *)buf;
	size_t off = 0;
	unsigned line = 1;
	long r;
	sg_err err;

	memset(m, 0, sizeof(*m));
	if (!buf)
		len = 0;
	/* RFC 3261 7.5: ignore empty lines before the start line. */
	while (off + 1 < len && p[off] == '\r' && p[off + 1] == '\n')
		off += 2;
	if (off >= len)
		return sg_error_set(e, SG_E_MALFORMED, "SIP message: empty");
	r = line_end(p, len, off);
	if (r < 0)
		return line_error(e, r, line);
	err = parse_start(m, p + off, (size_t)r - off, e);
	if (err)
		return err;
	off = (size_t)r + 2;
	for (;;) {
		size_t start = off;
		unsigned first = ++line;

		r = line_end(p, len, off);
		if (r < 0)
			return line_error(e, r, line);
		if ((size_t)r == start) { /* the empty line */
			off += 2;
			break;
		}
		if (p[start] == ' ' || p[start] == '\t')
			return sg_error_set(e, SG_E_MALFORMED,
					    "SIP message: line %u continues a header that is not "
					    "there", line);
		/* Folded continuation lines belong to this header. */
		while ((size_t)r + 2 < len && (p[r + 2] == ' ' || p[r + 2] == '\t')) {
			line++;
			r = line_end(p, len, (size_t)r + 2);
			if (r < 0)
				return line_error(e, r, line);
		}
		err = parse_header(m, p + start, (size_t)r - start, first, e);
		if (err)
			return err;
		off = (size_t)r + 2;
	}
	err = check_mandatory(m, e);
	if (!err)
		err = check_body(m, buf + off, len - off, e);
	if (!err) {
		uint32_t n;
		struct sip_str method;

		err = sip_msg_cseq(m, &n, &method, e);
		if (!err && m->is_request && !(method.len == m->method.len &&
					       memcmp(method.p, m->method.p, method.len) == 0))
			err = sg_error_set(e, SG_E_MALFORMED,
					   "SIP message: CSeq method differs from the request's");
	}
	if (err)
		return err;
	m->len = off + m->body_len;
	return SG_OK;
}

const struct sip_hdr *sip_msg_hdr(const struct sip_msg *m, enum sip_hdr_id id)
{
	size_t i;

	for (i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == id)
			return &m->hdrs[i];
	return NULL;
}

size_t sip_msg_hdr_count(const struct sip_msg *m, enum sip_hdr_id id)
{
	size_t i, n = 0;

	for (i = 0; i < m->nhdrs; i++)
		n += m->hdrs[i].id == id;
	return n;
}
