/*
 * http.c: the bounded HTTP/1.1 client of http.h: URL parsing, the request,
 * an incremental response parser and http_fetch() on the HAL loop.
 *
 * The parser keeps one line buffer (status line, header, chunk size,
 * trailer) inside its own struct, so header bytes never allocate; the body
 * grows geometrically up to max_body, or is allocated once when a
 * Content-Length announces it. Everything a server sends is bounded: a line
 * by LINE_MAX_BYTES, a header section by HEAD_MAX_BYTES, the number of 1xx
 * interim responses by INTERIM_MAX and the body by max_body; the deadline
 * timer bounds the time.
 */
#include "http.h"

#include <stdio.h>
#include <string.h>

#include "sg_mem.h"
#include "sg_hal.h"
#include "sg_hex.h"

#define LINE_MAX_BYTES 8192  /* one line without its CRLF */
#define HEAD_MAX_BYTES 16384 /* one header (or trailer) section, CRLFs included */
#define INTERIM_MAX 16       /* 1xx responses before the final one */
#define BODY_MIN_CAP 1024u   /* first allocation of a body of unknown length */
#define RECV_CHUNK 4096
/* Reads per readiness callback: a fast sender must not keep the loop from
 * firing the deadline timer (or the caller's own timers). */
#define RECV_ROUNDS 16

enum pstate {
	P_STATUS,     /* status line */
	P_HEADERS,    /* header lines up to the empty line */
	P_BODY_LEN,   /* body of Content-Length bytes */
	P_BODY_CLOSE, /* body delimited by the end of the connection */
	P_CHUNK_SIZE, /* chunk-size [; extensions] CRLF */
	P_CHUNK_DATA,
	P_CHUNK_CR, /* the CRLF that must follow chunk data */
	P_CHUNK_LF,
	P_TRAILERS, /* trailer lines after the last chunk */
	P_DONE,
	P_ERROR,
};

struct http_parser {
	size_t max_body;
	enum pstate st;
	sg_err err; /* why P_ERROR, so that a later call reports it again */
	int status;
	unsigned interim; /* 1xx responses skipped so far */
	int have_cl;
	int chunked;
	uint64_t cl;
	uint64_t left;     /* body bytes still expected (Content-Length or chunk) */
	size_t head_bytes; /* bytes of the current header or trailer section */
	size_t line_len;
	char content_type[sizeof(((struct http_response *)0)->content_type)];
	uint8_t *body;
	size_t body_len, body_cap;
	char line[LINE_MAX_BYTES + 2]; /* the line, its CR, a NUL */
};

/* ---- small helpers (no <ctype.h>: its answers depend on the locale) ---- */

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}


static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive comparison of s[0..n) with the C string lit. */
static int eq_ci(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (lit[i] == '\0' || lower((unsigned char)s[i]) != lower((unsigned char)lit[i]))
			return 0;
	}
	return lit[n] == '\0';
}

/* RFC 9110 tchar: what a header name is made of. */
static int is_tchar(int c)
{
	return is_digit(c) || is_alpha(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* ---- URLs -------------------------------------------------------------- */

static sg_err url_check_chars(const char *url, struct sg_error *e)
{
	const unsigned char *s;

	for (s = (const unsigned char *)url; *s; s++) {
		if (*s == ' ')
			return sg_error_set(e, SG_E_CONFIG, "URL contains a space");
		if (*s < 0x20 || *s == 0x7f)
			return sg_error_set(e, SG_E_CONFIG, "URL contains a control character");
		if (*s >= 0x80)
			return sg_error_set(e, SG_E_CONFIG, "URL contains a non-ASCII byte");
		if (*s == '#')
			return sg_error_set(e, SG_E_CONFIG, "URL has a fragment ('#')");
	}
	return SG_OK;
}

/* A DNS name or an IPv4 literal: labels of letters, digits, '-' and '_'. */
static int host_name_ok(const char *h, size_t n)
{
	size_t i, label = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)h[i];

		if (c == '.') {
			/* An empty label is an error; a trailing dot (a rooted
			 * name) is not. */
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_')
			return 0;
		if (++label > 63 || (label == 1 && c == '-'))
			return 0;
	}
	return n > 0;
}

/* Only the characters of an IPv6 literal: a full check is the resolver's,
 * which refuses a bad literal with "cannot resolve". Zone ids ('%') are
 * not accepted. */
static int ipv6_ok(const char *h, size_t n)
{
	size_t i, colons = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)h[i];

		if (c == ':')
			colons++;
		else if (sg_hex_digit(c) < 0 && c != '.')
			return 0;
	}
	return colons >= 2 && n <= 45;
}

static sg_err url_port(const char *s, const char *end, uint16_t *port, struct sg_error *e)
{
	unsigned long v = 0;
	const char *q;

	if (s == end)
		return sg_error_set(e, SG_E_CONFIG, "URL has an empty port");
	for (q = s; q < end; q++) {
		if (!is_digit((unsigned char)*q))
			return sg_error_set(e, SG_E_CONFIG, "URL port is not a number");
		v = v * 10 + (unsigned long)(*q - '0');
		if (v > 65535)
			return sg_error_set(e, SG_E_CONFIG, "URL port is out of range (1-65535)");
	}
	if (v == 0)
		return sg_error_set(e, SG_E_CONFIG, "URL port is out of range (1-65535)");
	*port = (uint16_t)v;
	return SG_OK;
}

/* Splits the authority [s, end) into host and port. */
static sg_err url_authority(const char *s, const char *end, struct http_url *out,
			    struct sg_error *e)
{
	const char *host = s, *host_end, *rest;
	size_t n;

	if (s == end)
		return sg_error_set(e, SG_E_CONFIG, "URL has no host");
	if (memchr(s, '@', (size_t)(end - s)))
		return sg_error_set(e, SG_E_CONFIG, "user names and passwords in URLs are not supported");
	if (*s == '[') {
		const char *close = memchr(s, ']', (size_t)(end - s));

		if (!close)
			return sg_error_set(e, SG_E_CONFIG, "URL has an unterminated [IPv6] address");
		host = s + 1;
		host_end = close;
		rest = close + 1;
		if (rest != end && *rest != ':')
			return sg_error_set(e, SG_E_CONFIG, "URL has characters after the [IPv6] address");
		if (!ipv6_ok(host, (size_t)(host_end - host)))
			return sg_error_set(e, SG_E_CONFIG, "URL has an invalid IPv6 address");
	} else {
		host_end = memchr(s, ':', (size_t)(end - s));
		if (!host_end)
			host_end = end;
		rest = host_end;
		if (host_end - host > HTTP_HOST_MAX)
			return sg_error_set(e, SG_E_CONFIG, "URL host name is longer than %d characters",
					    HTTP_HOST_MAX);
		if (!host_name_ok(host, (size_t)(host_end - host)))
			return sg_error_set(e, SG_E_CONFIG, "URL has an invalid host name");
	}
	n = (size_t)(host_end - host);
	memcpy(out->host, host, n);
	out->host[n] = '\0';
	out->port = 80;
	return rest == end ? SG_OK : url_port(rest + 1, end, &out->port, e);
}

/* The path and query from s (which starts with '/', '?' or is empty). */
static sg_err url_path(const char *s, struct http_url *out, struct sg_error *e)
{
	size_t n = strlen(s), pre = *s == '/' ? 0 : 1;
	const char *q;

	if (n + pre > HTTP_PATH_MAX)
		return sg_error_set(e, SG_E_CONFIG, "URL path is longer than %d characters",
				    HTTP_PATH_MAX);
	for (q = s; *q; q++) {
		if (*q == '%' && (sg_hex_digit((unsigned char)q[1]) < 0 || sg_hex_digit((unsigned char)q[2]) < 0))
			return sg_error_set(e, SG_E_CONFIG, "URL has a bad %%-escape");
	}
	out->path[0] = '/';
	memcpy(out->path + pre, s, n + 1);
	return SG_OK;
}

sg_err http_url_parse(const char *url, struct http_url *out, struct sg_error *e)
{
	static const char scheme[] = "http://";
	const size_t slen = sizeof(scheme) - 1;
	const char *auth, *auth_end;
	sg_err rc;

	if (!out)
		return sg_error_set(e, SG_E_INTERNAL, "http_url_parse: no output");
	memset(out, 0, sizeof(*out));
	if (!url || !*url)
		return sg_error_set(e, SG_E_CONFIG, "empty URL");
	rc = url_check_chars(url, e);
	if (rc != SG_OK)
		return rc;
	if (strlen(url) < slen || !eq_ci(url, slen, scheme)) {
		if (strlen(url) >= slen + 1 && eq_ci(url, slen + 1, "https://"))
			return sg_error_set(e, SG_E_CONFIG,
					    "https URLs are not supported (CRLs and OCSP use http://)");
		return sg_error_set(e, SG_E_CONFIG, "not an http:// URL");
	}
	auth = url + slen;
	auth_end = auth + strcspn(auth, "/?");
	rc = url_authority(auth, auth_end, out, e);
	if (rc == SG_OK)
		rc = url_path(auth_end, out, e);
	if (rc != SG_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- the response parser ------------------------------------------------ */

size_t http_parser_size(void)
{
	return sizeof(struct http_parser);
}

void http_parser_init(struct http_parser *p, size_t max_body)
{
	memset(p, 0, sizeof(*p));
	p->max_body = max_body;
	p->st = P_STATUS;
}

void http_parser_release(struct http_parser *p)
{
	if (!p)
		return;
	sg_free(p->body);
	p->body = NULL;
	p->body_len = p->body_cap = 0;
}

void http_parser_take(struct http_parser *p, struct http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->status = p->status;
	memcpy(resp->content_type, p->content_type, sizeof(resp->content_type));
	resp->body = p->body;
	resp->body_len = p->body_len;
	p->body = NULL;
	p->body_len = p->body_cap = 0;
}

void http_response_free(struct http_response *resp)
{
	if (!resp)
		return;
	sg_free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

/* Records a parse failure: the parser stays in P_ERROR from now on. */
static int fail(struct http_parser *p, struct sg_error *e, sg_err code, const char *msg)
{
	p->st = P_ERROR;
	p->err = code;
	sg_error_set(e, code, "%s", msg);
	return -1;
}

static int fail_too_big(struct http_parser *p, struct sg_error *e)
{
	p->st = P_ERROR;
	p->err = SG_E_MALFORMED;
	sg_error_set(e, SG_E_MALFORMED, "response body larger than %zu bytes", p->max_body);
	return -1;
}

static int body_resize(struct http_parser *p, size_t cap, struct sg_error *e)
{
	uint8_t *nb = sg_calloc(1, cap ? cap : 1);

	if (!nb)
		return fail(p, e, SG_E_NOMEM, "no memory for the response body");
	if (p->body_len)
		memcpy(nb, p->body, p->body_len);
	sg_free(p->body);
	p->body = nb;
	p->body_cap = cap;
	return 0;
}

/* Appends n body bytes, doubling the buffer (never past max_body). */
static int body_append(struct http_parser *p, const uint8_t *d, size_t n, struct sg_error *e)
{
	if (n > p->max_body - p->body_len)
		return fail_too_big(p, e);
	if (n > p->body_cap - p->body_len) {
		size_t want = p->body_len + n, cap = p->body_cap ? p->body_cap : BODY_MIN_CAP;

		while (cap < want && cap <= p->max_body / 2)
			cap *= 2;
		/* want <= max_body, so max_body always fits what is needed. */
		if (cap < want || cap > p->max_body)
			cap = p->max_body;
		if (body_resize(p, cap, e) != 0)
			return -1;
	}
	memcpy(p->body + p->body_len, d, n);
	p->body_len += n;
	return 0;
}

static int parse_status(struct http_parser *p, const char *l, size_t n, struct sg_error *e)
{
	/* "HTTP/1.x NNN[ reason]"; the reason may be empty or missing. */
	if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || !is_digit((unsigned char)l[7]) ||
	    l[8] != ' ' || !is_digit((unsigned char)l[9]) || !is_digit((unsigned char)l[10]) ||
	    !is_digit((unsigned char)l[11]) || (n > 12 && l[12] != ' '))
		return fail(p, e, SG_E_MALFORMED, "not an HTTP/1.x status line");
	p->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if (p->status < 100 || p->status > 599)
		return fail(p, e, SG_E_MALFORMED, "HTTP status code out of range (100-599)");
	p->st = P_HEADERS;
	return 0;
}

static int header_content_length(struct http_parser *p, const char *v, size_t n,
				 struct sg_error *e)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0)
		return fail(p, e, SG_E_MALFORMED, "empty Content-Length");
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)v[i]))
			return fail(p, e, SG_E_MALFORMED, "Content-Length is not a number");
		if (x > (UINT64_MAX - 9) / 10)
			return fail(p, e, SG_E_MALFORMED, "Content-Length is too large");
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (p->have_cl && p->cl != x)
		return fail(p, e, SG_E_MALFORMED, "conflicting Content-Length headers");
	p->have_cl = 1;
	p->cl = x;
	return 0;
}

static int header_transfer_encoding(struct http_parser *p, const char *v, size_t n,
				    struct sg_error *e)
{
	/* Only chunked: this client asks for no other coding and decodes none. */
	if (!eq_ci(v, n, "chunked"))
		return fail(p, e, SG_E_MALFORMED, "unsupported Transfer-Encoding (only chunked)");
	if (p->chunked)
		return fail(p, e, SG_E_MALFORMED, "Transfer-Encoding chunked given twice");
	p->chunked = 1;
	return 0;
}

/* One "name: value" line; headers stays 0 in a trailer section, where
 * fields are checked but not used. */
static int parse_field(struct http_parser *p, char *l, size_t n, int headers, struct sg_error *e)
{
	const char *colon = memchr(l, ':', n);
	const char *v, *end = l + n;
	size_t i, name_len;

	if (l[0] == ' ' || l[0] == '\t')
		return fail(p, e, SG_E_MALFORMED, "obsolete header line folding");
	if (!colon || colon == l)
		return fail(p, e, SG_E_MALFORMED, "malformed header line");
	name_len = (size_t)(colon - l);
	for (i = 0; i < name_len; i++) {
		if (!is_tchar((unsigned char)l[i]))
			return fail(p, e, SG_E_MALFORMED, "malformed header name");
	}
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (!headers)
		return 0;
	if (eq_ci(l, name_len, "content-length"))
		return header_content_length(p, v, (size_t)(end - v), e);
	if (eq_ci(l, name_len, "transfer-encoding"))
		return header_transfer_encoding(p, v, (size_t)(end - v), e);
	if (eq_ci(l, name_len, "content-type")) {
		/* Kept whole when it fits; a longer one keeps its start (the
		 * media type), which is what callers compare. */
		size_t cn = (size_t)(end - v);

		if (cn >= sizeof(p->content_type))
			cn = sizeof(p->content_type) - 1;
		memcpy(p->content_type, v, cn);
		p->content_type[cn] = '\0';
	}
	return 0;
}

/* The empty line after the headers: skip a 1xx, or choose the framing. */
static int end_of_head(struct http_parser *p, struct sg_error *e)
{
	if (p->status < 200) {
		if (p->status == 101)
			return fail(p, e, SG_E_MALFORMED, "unexpected 101 Switching Protocols");
		if (++p->interim > INTERIM_MAX)
			return fail(p, e, SG_E_MALFORMED, "too many 1xx interim responses");
		p->have_cl = p->chunked = 0;
		p->cl = 0;
		p->content_type[0] = '\0';
		p->head_bytes = 0;
		p->st = P_STATUS;
		return 0;
	}
	if (p->status == 204 || p->status == 304) {
		p->st = P_DONE; /* no body, whatever the headers say */
		return 0;
	}
	if (p->chunked && p->have_cl)
		return fail(p, e, SG_E_MALFORMED, "both Content-Length and Transfer-Encoding");
	if (p->chunked) {
		p->st = P_CHUNK_SIZE;
	} else if (p->have_cl) {
		if (p->cl > p->max_body)
			return fail_too_big(p, e);
		p->left = p->cl;
		p->st = p->cl ? P_BODY_LEN : P_DONE;
		/* Known and allowed: one allocation of exactly that size. */
		if (p->cl && body_resize(p, (size_t)p->cl, e) != 0)
			return -1;
	} else {
		p->st = P_BODY_CLOSE;
	}
	return 0;
}

/* chunk-size [ BWS ";" extensions ]: extensions are ignored. */
static int parse_chunk_size(struct http_parser *p, const char *l, size_t n, struct sg_error *e)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n && sg_hex_digit((unsigned char)l[i]) >= 0; i++) {
		if (v > (UINT64_MAX >> 4))
			return fail(p, e, SG_E_MALFORMED, "chunk size is too large");
		v = (v << 4) | (uint64_t)sg_hex_digit((unsigned char)l[i]);
	}
	if (i == 0)
		return fail(p, e, SG_E_MALFORMED, "bad chunk size");
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i < n && l[i] != ';')
		return fail(p, e, SG_E_MALFORMED, "bad chunk size");
	if (v == 0) {
		p->head_bytes = 0;
		p->st = P_TRAILERS;
		return 0;
	}
	if (v > p->max_body - p->body_len)
		return fail_too_big(p, e);
	p->left = v;
	p->st = P_CHUNK_DATA;
	return 0;
}

static int parse_line(struct http_parser *p, struct sg_error *e)
{
	char *l = p->line;
	size_t n = p->line_len;

	p->line_len = 0;
	switch (p->st) {
	case P_STATUS:
		return parse_status(p, l, n, e);
	case P_HEADERS:
		return n == 0 ? end_of_head(p, e) : parse_field(p, l, n, 1, e);
	case P_CHUNK_SIZE:
		return parse_chunk_size(p, l, n, e);
	case P_TRAILERS:
		if (n == 0) {
			p->st = P_DONE;
			return 0;
		}
		return parse_field(p, l, n, 0, e);
	default:
		return fail(p, e, SG_E_INTERNAL, "http parser: line in a body state");
	}
}

/* One byte of a line. Lines end with CRLF; a bare CR or LF, a NUL or
 * another control character (but HTAB) is malformed. */
static int line_byte(struct http_parser *p, uint8_t c, struct sg_error *e)
{
	int head = p->st == P_STATUS || p->st == P_HEADERS || p->st == P_TRAILERS;

	if (head && ++p->head_bytes > HEAD_MAX_BYTES)
		return fail(p, e, SG_E_MALFORMED, "response header larger than 16384 bytes");
	if (p->line_len && p->line[p->line_len - 1] == '\r') {
		if (c != '\n')
			return fail(p, e, SG_E_MALFORMED, "bare CR in the response header");
		p->line[--p->line_len] = '\0';
		return parse_line(p, e);
	}
	if (c == '\n')
		return fail(p, e, SG_E_MALFORMED, "line not ended by CRLF");
	if (c == '\0')
		return fail(p, e, SG_E_MALFORMED, "NUL byte in the response header");
	if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
		return fail(p, e, SG_E_MALFORMED, "control character in the response header");
	if (c != '\r' && p->line_len >= LINE_MAX_BYTES)
		return fail(p, e, SG_E_MALFORMED, "header line longer than 8192 bytes");
	p->line[p->line_len++] = (char)c;
	/* Refuse what is not HTTP at its first bytes rather than after 8 KiB. */
	if (p->st == P_STATUS && p->line_len <= 7 &&
	    p->line[p->line_len - 1] != "HTTP/1."[p->line_len - 1])
		return fail(p, e, SG_E_MALFORMED, "not an HTTP/1.x response");
	return 0;
}

/* Body bytes of a known length (Content-Length or a chunk). */
static size_t body_known(struct http_parser *p, const uint8_t *d, size_t n, struct sg_error *e)
{
	size_t k = p->left < n ? (size_t)p->left : n;

	if (body_append(p, d, k, e) != 0)
		return 0;
	p->left -= k;
	if (p->left == 0)
		p->st = p->st == P_BODY_LEN ? P_DONE : P_CHUNK_CR;
	return k;
}

/* Consumes some of d[0..n) (n > 0); returns how much, 0 only on error. */
static size_t step(struct http_parser *p, const uint8_t *d, size_t n, struct sg_error *e)
{
	switch (p->st) {
	case P_BODY_LEN:
	case P_CHUNK_DATA:
		return body_known(p, d, n, e);
	case P_BODY_CLOSE:
		return body_append(p, d, n, e) == 0 ? n : 0;
	case P_CHUNK_CR:
	case P_CHUNK_LF:
		if (d[0] != (p->st == P_CHUNK_CR ? '\r' : '\n')) {
			fail(p, e, SG_E_MALFORMED, "missing CRLF after chunk data");
			return 0;
		}
		p->st = p->st == P_CHUNK_CR ? P_CHUNK_LF : P_CHUNK_SIZE;
		return 1;
	default:
		return line_byte(p, d[0], e) == 0 ? 1 : 0;
	}
}

static enum http_parse_state parse_result(const struct http_parser *p)
{
	if (p->st == P_DONE)
		return HTTP_PARSE_DONE;
	return p->st == P_ERROR ? HTTP_PARSE_ERROR : HTTP_PARSE_MORE;
}

enum http_parse_state http_parser_feed(struct http_parser *p, const uint8_t *data, size_t len,
				       struct sg_error *e)
{
	size_t i = 0;

	if (p->st == P_ERROR) {
		sg_error_set(e, p->err, "the HTTP response was already refused");
		return HTTP_PARSE_ERROR;
	}
	/* Bytes after a complete response are ignored (Connection: close). */
	while (i < len && p->st != P_DONE && p->st != P_ERROR)
		i += step(p, data + i, len - i, e);
	return parse_result(p);
}

enum http_parse_state http_parser_eof(struct http_parser *p, struct sg_error *e)
{
	if (p->st == P_BODY_CLOSE)
		p->st = P_DONE;
	else if (p->st == P_ERROR)
		sg_error_set(e, p->err, "the HTTP response was already refused");
	else if (p->st != P_DONE)
		fail(p, e, SG_E_NETWORK, "connection closed before the response was complete");
	return parse_result(p);
}

/* ---- the request ---------------------------------------------------------- */

static int ctype_ok(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	}
	return 1;
}

/* "host", "host:port", "[v6]" or "[v6]:port" (always_port: port even when 80). */
static void host_port(const struct http_url *u, int always_port, char *buf, size_t cap)
{
	int v6 = strchr(u->host, ':') != NULL;

	if (always_port || u->port != 80)
		snprintf(buf, cap, "%s%s%s:%u", v6 ? "[" : "", u->host, v6 ? "]" : "",
			 (unsigned)u->port);
	else
		snprintf(buf, cap, "%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "");
}

static sg_err build_request(const struct http_url *u, const char *ctype, const uint8_t *body,
			    size_t body_len, uint8_t **out, size_t *out_len, struct sg_error *e)
{
	static const char fmt[] = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: signet\r\n"
				  "Accept: */*\r\nConnection: close\r\n%s%s%s%s\r\n";
	char host[HTTP_HOST_MAX + 16], clen[48] = "";
	const char *ct1 = "", *ct2 = "", *ct3 = "";
	int n;

	host_port(u, 0, host, sizeof(host));
	if (body) {
		ct1 = "Content-Type: ";
		ct2 = ctype;
		ct3 = "\r\n";
		snprintf(clen, sizeof(clen), "Content-Length: %zu\r\n", body_len);
	}
	n = snprintf(NULL, 0, fmt, body ? "POST" : "GET", u->path, host, ct1, ct2, ct3, clen);
	if (n < 0 || body_len > SIZE_MAX - (size_t)n - 1)
		return sg_error_set(e, SG_E_INTERNAL, "cannot format the HTTP request");
	*out = sg_calloc(1, (size_t)n + 1 + body_len);
	if (!*out)
		return sg_error_set(e, SG_E_NOMEM, "no memory for the HTTP request");
	snprintf((char *)*out, (size_t)n + 1, fmt, body ? "POST" : "GET", u->path, host, ct1, ct2,
		 ct3, clen);
	if (body_len)
		memcpy(*out + n, body, body_len);
	*out_len = (size_t)n + body_len;
	return SG_OK;
}

/* ---- http_fetch on the HAL loop ---------------------------------------- */

struct fetch {
	const struct hal *hal;
	char hostport[HTTP_HOST_MAX + 16]; /* for messages: always with the port */
	int timeout_ms;
	int handle;
	int timer_id;
	int timer_armed;
	int in_run; /* inside our hal_loop_run: finishing must stop the loop */
	int done;
	sg_err rc;
	struct sg_error err;
	uint8_t *req;
	size_t req_len, req_sent;
	struct http_parser *parser;
};

static uint64_t fetch_now(const struct hal *hal)
{
	/* A board without a clock still has the deadline timer. */
	return hal_clock_mono_ms(&hal->clock);
}

static int fetch_left(const struct fetch *f, uint64_t t0)
{
	uint64_t spent = fetch_now(f->hal) - t0;

	return spent >= (uint64_t)f->timeout_ms ? 0 : f->timeout_ms - (int)spent;
}

/* Ends the exchange once: nothing of ours stays registered with the loop. */
static void fetch_finish(struct fetch *f, sg_err rc)
{
	const struct hal_loop *loop = &f->hal->loop;

	if (f->done)
		return;
	f->done = 1;
	f->rc = rc;
	if (f->handle >= 0) {
		(void)hal_loop_watch(loop, f->handle, 0, NULL, NULL);
		(void)hal_net_close(&f->hal->net, f->handle);
		f->handle = -1;
	}
	if (f->timer_armed) {
		(void)hal_loop_cancel_timer(loop, f->timer_id);
		f->timer_armed = 0;
	}
	/* Stop only our own run: a stop outside it would end the caller's
	 * next run at once. */
	if (f->in_run)
		hal_loop_stop(loop);
}

static void fetch_timed_out(struct fetch *f)
{
	sg_error_set(&f->err, SG_E_NETWORK, "no answer from %s within %d ms", f->hostport,
		     f->timeout_ms);
	fetch_finish(f, SG_E_NETWORK);
}

/* Finishes with the error a HAL network code stands for (sg_hal_net_error;
 * a refusal and an early close in the words test_http and users know). */
static void fetch_hal_error(struct fetch *f, int r)
{
	sg_err rc = SG_E_NETWORK;

	if (r == HAL_ETIMEDOUT) {
		fetch_timed_out(f);
		return;
	}
	if (r == HAL_EREFUSED)
		sg_error_set(&f->err, rc, "connection refused by %s", f->hostport);
	else if (r == HAL_ECLOSED)
		sg_error_set(&f->err, rc, "connection closed before the response was complete (%s)",
			     f->hostport);
	else
		rc = sg_hal_net_error(&f->err, r, "%s", f->hostport);
	fetch_finish(f, rc);
}

/* The loop refused to register something: a bug or no memory. */
static void fetch_loop_error(struct fetch *f, int r)
{
	sg_err rc = r == HAL_ENOMEM ? SG_E_NOMEM : SG_E_INTERNAL;

	sg_error_set(&f->err, rc, "the event loop refused the HTTP exchange (HAL error %d)", r);
	fetch_finish(f, rc);
}

static void fetch_deadline(void *arg)
{
	struct fetch *f = arg;

	f->timer_armed = 0; /* the loop has already dropped a timer that fired */
	fetch_timed_out(f);
}

static void fetch_ready(int handle, int events, void *arg);

static void fetch_send(struct fetch *f)
{
	int r;

	while (f->req_sent < f->req_len) {
		size_t n = 0;

		r = hal_net_send(&f->hal->net, f->handle, f->req + f->req_sent,
				 f->req_len - f->req_sent, &n);
		if (r == HAL_EAGAIN || (r == HAL_OK && n == 0))
			return;
		if (r != HAL_OK) {
			fetch_hal_error(f, r);
			return;
		}
		f->req_sent += n;
	}
	r = hal_loop_watch(&f->hal->loop, f->handle, HAL_LOOP_READ, fetch_ready, f);
	if (r != HAL_OK)
		fetch_loop_error(f, r);
}

/* Feeds what the parser made of the last read; 1 when finished. */
static int fetch_parsed(struct fetch *f, enum http_parse_state st)
{
	if (st == HTTP_PARSE_DONE) {
		fetch_finish(f, SG_OK);
		return 1;
	}
	if (st == HTTP_PARSE_ERROR) {
		if (f->err.code == SG_E_NETWORK) /* closed early: name the server */
			sg_error_set(&f->err, SG_E_NETWORK,
				     "connection closed before the response was complete (%s)",
				     f->hostport);
		fetch_finish(f, f->err.code);
		return 1;
	}
	return 0;
}

static void fetch_recv(struct fetch *f)
{
	uint8_t buf[RECV_CHUNK];
	int round;

	for (round = 0; round < RECV_ROUNDS; round++) {
		size_t got = 0;
		int r = hal_net_recv(&f->hal->net, f->handle, buf, sizeof(buf), &got);

		if (r == HAL_EAGAIN || (r == HAL_OK && got == 0))
			return;
		if (r == HAL_ECLOSED) {
			fetch_parsed(f, http_parser_eof(f->parser, &f->err));
			return;
		}
		if (r != HAL_OK) {
			fetch_hal_error(f, r);
			return;
		}
		if (fetch_parsed(f, http_parser_feed(f->parser, buf, got, &f->err)))
			return;
	}
}

static void fetch_ready(int handle, int events, void *arg)
{
	struct fetch *f = arg;

	(void)handle;
	(void)events; /* errors and hang-ups show up in send/recv */
	if (f->done)
		return;
	if (f->req_sent < f->req_len)
		fetch_send(f);
	else
		fetch_recv(f);
}

/* Runs the loop until our exchange is over. Another callback may stop the
 * loop under us: then it runs again, within the deadline. */
static void fetch_run(struct fetch *f, uint64_t t0)
{
	sg_err rc = SG_OK;

	f->in_run = 1;
	while (!f->done) {
		int r = hal_loop_run(&f->hal->loop);

		if (f->done)
			break;
		if (r != HAL_OK) {
			rc = sg_error_set(&f->err, SG_E_INTERNAL,
					  "the event loop failed (HAL error %d; http_fetch cannot "
					  "run from inside a loop callback)",
					  r);
			break;
		}
		if (fetch_left(f, t0) == 0) {
			f->in_run = 0;
			fetch_timed_out(f);
		}
	}
	f->in_run = 0;
	if (!f->done)
		fetch_finish(f, rc);
}

/* Connects, arms the deadline and runs the exchange; f->rc says how it went. */
static void fetch_exchange(struct fetch *f, const struct http_url *u)
{
	uint64_t t0 = fetch_now(f->hal);
	int r, left;

	r = hal_net_connect(&f->hal->net, HAL_NET_TCP, u->host, u->port, f->timeout_ms, &f->handle);
	if (r != HAL_OK) {
		f->handle = -1;
		fetch_hal_error(f, r);
		return;
	}
	left = fetch_left(f, t0);
	if (left == 0) {
		fetch_timed_out(f);
		return;
	}
	r = hal_loop_add_timer(&f->hal->loop, (uint32_t)left, fetch_deadline, f, &f->timer_id);
	if (r != HAL_OK) {
		fetch_loop_error(f, r);
		return;
	}
	f->timer_armed = 1;
	r = hal_loop_watch(&f->hal->loop, f->handle, HAL_LOOP_WRITE, fetch_ready, f);
	if (r != HAL_OK) {
		fetch_loop_error(f, r);
		return;
	}
	fetch_run(f, t0);
}

static sg_err fetch_check_args(const struct hal *hal, const char *url, const char *content_type,
			       int timeout_ms, const struct http_response *resp,
			       struct sg_error *e)
{
	if (!hal || !url || !resp)
		return sg_error_set(e, SG_E_INTERNAL, "http_fetch: missing argument");
	if (timeout_ms <= 0)
		return sg_error_set(e, SG_E_INTERNAL, "http_fetch: timeout must be positive");
	if (content_type && !ctype_ok(content_type))
		return sg_error_set(e, SG_E_INTERNAL, "http_fetch: control character in content type");
	return SG_OK;
}

sg_err http_fetch(const struct hal *hal, const char *url, const char *content_type,
		  const uint8_t *body, size_t body_len, size_t max_body, int timeout_ms,
		  struct http_response *resp, struct sg_error *e)
{
	struct http_url u;
	struct fetch f;
	sg_err rc;

	if (resp)
		memset(resp, 0, sizeof(*resp));
	rc = fetch_check_args(hal, url, content_type, timeout_ms, resp, e);
	if (rc == SG_OK)
		rc = http_url_parse(url, &u, e);
	if (rc != SG_OK)
		return rc;
	memset(&f, 0, sizeof(f));
	f.hal = hal;
	f.handle = -1;
	f.timeout_ms = timeout_ms;
	sg_error_init(&f.err);
	host_port(&u, 1, f.hostport, sizeof(f.hostport));
	rc = build_request(&u, content_type ? content_type : "application/octet-stream", body,
			   body_len, &f.req, &f.req_len, &f.err);
	if (rc != SG_OK)
		goto out;
	f.parser = sg_calloc(1, http_parser_size());
	if (!f.parser) {
		rc = sg_error_set(&f.err, SG_E_NOMEM, "no memory for the HTTP parser");
		goto out;
	}
	http_parser_init(f.parser, max_body);
	fetch_exchange(&f, &u);
	rc = f.rc;
	if (rc == SG_OK)
		http_parser_take(f.parser, resp);
out:
	http_parser_release(f.parser);
	sg_free(f.parser);
	sg_free(f.req);
	if (rc != SG_OK && e)
		*e = f.err;
	return rc;
}
