/*
 * test_http.c: the HTTP client (auth/pki/http.c).
 *
 * The response parser runs from a table: every response is fed whole, byte
 * by byte and in random splits, and must come out the same each way. URL
 * parsing is a table too. http_fetch runs over the real Linux port against
 * servers this test starts on loopback: a forked child that plays canned
 * (or broken, or slow) responses, and Python's http.server from Debian.
 */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hal.h"
#include "http.h"
#include "port_linux.h"
#include "sg_mem.h"

/* ---- the parser, table-driven ------------------------------------------ */

#define RAW(s) s, sizeof(s) - 1
#define MORE HTTP_PARSE_MORE
#define DONE HTTP_PARSE_DONE
#define ERR HTTP_PARSE_ERROR

struct pcase {
	const char *name;
	const char *raw;
	size_t raw_len;
	size_t max_body;
	enum http_parse_state want; /* after the input and, if still MORE, the peer closing */
	sg_err want_err;
	int status;
	const char *body; /* NULL: empty */
	size_t body_len;
	const char *ctype;
	const char *detail; /* a substring of the error detail, or NULL */
};

static const struct pcase pcases[] = {
	{"content-length",
	 RAW("HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: 5\r\n\r\n"
	     "hello"),
	 100, DONE, SG_OK, 200, RAW("hello"), "application/pkix-crl", NULL},
	{"content-length zero", RAW("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 100, DONE,
	 SG_OK, 200, NULL, 0, "", NULL},
	{"content-length, bytes after the response ignored",
	 RAW("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 500 junk\r\n"), 100, DONE,
	 SG_OK, 200, RAW("ok"), "", NULL},
	{"header names are case-insensitive, values trimmed",
	 RAW("HTTP/1.1 200 OK\r\ncontent-LENGTH:   3 \t\r\nCONTENT-type:\ttext/plain \r\n\r\n"
	     "abc"),
	 100, DONE, SG_OK, 200, RAW("abc"), "text/plain", NULL},
	{"duplicate equal Content-Length",
	 RAW("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"), 100, DONE,
	 SG_OK, 200, RAW("abc"), "", NULL},
	{"binary body with NUL bytes",
	 RAW("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n\0\x01\0\xff"), 100, DONE, SG_OK, 200,
	 RAW("\0\x01\0\xff"), "", NULL},
	{"status line without a reason", RAW("HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx"), 100,
	 DONE, SG_OK, 200, RAW("x"), "", NULL},
	{"chunked with extensions and trailers",
	 RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: x/y\r\n\r\n"
	     "5;name=value\r\nhello\r\n7 ; a=\"b c\"\r\n, world\r\n0\r\nX-Trailer: 1\r\n"
	     "Another: two\r\n\r\n"),
	 100, DONE, SG_OK, 200, RAW("hello, world"), "x/y", NULL},
	{"chunked, upper-case hex and leading zeros",
	 RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n00A\r\n0123456789\r\n"
	     "0000\r\n\r\n"),
	 100, DONE, SG_OK, 200, RAW("0123456789"), "", NULL},
	{"chunked, no chunks", RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
	 100, DONE, SG_OK, 200, NULL, 0, "", NULL},
	{"until close", RAW("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it"), 100,
	 DONE, SG_OK, 200, RAW("all of it"), "text/plain", NULL},
	{"until close, empty", RAW("HTTP/1.0 200 OK\r\n\r\n"), 100, DONE, SG_OK, 200, NULL, 0, "",
	 NULL},
	{"100 Continue then 200",
	 RAW("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 100,
	 DONE, SG_OK, 200, RAW("ok"), "", NULL},
	{"two interim responses, headers not carried over",
	 RAW("HTTP/1.1 100 Continue\r\nContent-Type: a/b\r\n\r\nHTTP/1.1 102 Processing\r\n"
	     "Content-Length: 99\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz"),
	 100, DONE, SG_OK, 200, RAW("z"), "", NULL},
	{"404 with a body",
	 RAW("HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\n"
	     "not found"),
	 100, DONE, SG_OK, 404, RAW("not found"), "text/html", NULL},
	{"204 ignores Content-Length", RAW("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"),
	 100, DONE, SG_OK, 204, NULL, 0, "", NULL},
	{"304 has no body", RAW("HTTP/1.1 304 Not Modified\r\n\r\n"), 100, DONE, SG_OK, 304, NULL,
	 0, "", NULL},
	{"body of exactly max_body", RAW("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd"), 4,
	 DONE, SG_OK, 200, RAW("abcd"), "", NULL},
	{"oversize body by Content-Length",
	 RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde"), 4, ERR, SG_E_MALFORMED, 0, NULL,
	 0, NULL, "response body larger than 4 bytes"},
	{"oversize body, chunked",
	 RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
	 4, ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, "response body larger than 4 bytes"},
	{"oversize body until close", RAW("HTTP/1.0 200 OK\r\n\r\nabcde"), 4, ERR, SG_E_MALFORMED,
	 0, NULL, 0, NULL, "response body larger than 4 bytes"},
	{"no body allowed at all", RAW("HTTP/1.0 200 OK\r\n\r\nx"), 0, ERR, SG_E_MALFORMED, 0, NULL,
	 0, NULL, "larger than 0 bytes"},
	{"bad status: two digits", RAW("HTTP/1.1 20 OK\r\n\r\n"), 100, ERR, SG_E_MALFORMED, 0, NULL,
	 0, NULL, "status line"},
	{"bad status: HTTP/2", RAW("HTTP/2 200 OK\r\n\r\n"), 100, ERR, SG_E_MALFORMED, 0, NULL, 0,
	 NULL, NULL},
	{"bad status: not HTTP", RAW("ICY 200 OK\r\n\r\n"), 100, ERR, SG_E_MALFORMED, 0, NULL, 0,
	 NULL, "not an HTTP"},
	{"bad status: 600", RAW("HTTP/1.1 600 Nope\r\n\r\n"), 100, ERR, SG_E_MALFORMED, 0, NULL, 0,
	 NULL, "out of range"},
	{"bad status: 099", RAW("HTTP/1.1 099 Nope\r\n\r\n"), 100, ERR, SG_E_MALFORMED, 0, NULL, 0,
	 NULL, "out of range"},
	{"bad status: no space after the code", RAW("HTTP/1.1 200OK\r\n\r\n"), 100, ERR,
	 SG_E_MALFORMED, 0, NULL, 0, NULL, NULL},
	{"101 is not expected", RAW("HTTP/1.1 101 Switching Protocols\r\n\r\n"), 100, ERR,
	 SG_E_MALFORMED, 0, NULL, 0, NULL, "101"},
	{"garbage (a TLS alert)", RAW("\x15\x03\x03\x00\x02\x02\x46"), 100, ERR, SG_E_MALFORMED, 0,
	 NULL, 0, NULL, NULL},
	{"negative Content-Length", RAW("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), 100, ERR,
	 SG_E_MALFORMED, 0, NULL, 0, NULL, "Content-Length"},
	{"huge Content-Length",
	 RAW("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n"), 100, ERR,
	 SG_E_MALFORMED, 0, NULL, 0, NULL, "too large"},
	{"Content-Length over max_body", RAW("HTTP/1.1 200 OK\r\nContent-Length: 18446744\r\n\r\n"),
	 100, ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, "larger than 100 bytes"},
	{"Content-Length list", RAW("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc"), 100, ERR,
	 SG_E_MALFORMED, 0, NULL, 0, NULL, NULL},
	{"empty Content-Length", RAW("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"), 100, ERR,
	 SG_E_MALFORMED, 0, NULL, 0, NULL, NULL},
	{"conflicting Content-Length",
	 RAW("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"), 100, ERR,
	 SG_E_MALFORMED, 0, NULL, 0, NULL, "conflicting"},
	{"Content-Length and chunked",
	 RAW("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "3\r\nabc\r\n0\r\n\r\n"),
	 100, ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, NULL},
	{"gzip transfer coding", RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
	 100, ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, "Transfer-Encoding"},
	{"bad chunk size", RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), 100,
	 ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, "chunk size"},
	{"empty chunk size", RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n"), 100,
	 ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, "chunk size"},
	{"0x chunk size", RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n"), 100,
	 ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, "chunk size"},
	{"negative chunk size", RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n"),
	 100, ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, "chunk size"},
	{"huge chunk size",
	 RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n"), 100,
	 ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, "chunk size"},
	{"missing CRLF after chunk",
	 RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n"), 100,
	 ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, "CRLF after chunk"},
	{"LF only after chunk",
	 RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n"), 100,
	 ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, "CRLF after chunk"},
	{"NUL in a header", RAW("HTTP/1.1 200 OK\r\nX-A: b\0c\r\nContent-Length: 0\r\n\r\n"), 100,
	 ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, "NUL"},
	{"NUL in the status line", RAW("HTTP/1.1 200 O\0K\r\n\r\n"), 100, ERR, SG_E_MALFORMED, 0,
	 NULL, 0, NULL, "NUL"},
	{"bare LF line ends", RAW("HTTP/1.1 200 OK\nContent-Length: 0\n\n"), 100, ERR,
	 SG_E_MALFORMED, 0, NULL, 0, NULL, "CRLF"},
	{"bare CR", RAW("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"), 100, ERR, SG_E_MALFORMED, 0, NULL, 0,
	 NULL, "bare CR"},
	{"obs-fold", RAW("HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\nContent-Length: 0\r\n\r\n"), 100,
	 ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, "folding"},
	{"obs-fold in a trailer",
	 RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n\tb\r\n\r\n"), 100,
	 ERR, SG_E_MALFORMED, 0, NULL, 0, NULL, "folding"},
	{"header without a colon", RAW("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"), 100, ERR,
	 SG_E_MALFORMED, 0, NULL, 0, NULL, NULL},
	{"space before the colon", RAW("HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx"), 100, ERR,
	 SG_E_MALFORMED, 0, NULL, 0, NULL, "header name"},
	{"control character in a header", RAW("HTTP/1.1 200 OK\r\nX: \x01\r\n\r\n"), 100, ERR,
	 SG_E_MALFORMED, 0, NULL, 0, NULL, "control"},
	{"closed before the body ends", RAW("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
	 100, ERR, SG_E_NETWORK, 0, NULL, 0, NULL, "closed before"},
	{"closed in the headers", RAW("HTTP/1.1 200 OK\r\nContent-Le"), 100, ERR, SG_E_NETWORK, 0,
	 NULL, 0, NULL, "closed before"},
	{"closed mid-chunk",
	 RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"), 100, ERR,
	 SG_E_NETWORK, 0, NULL, 0, NULL, "closed before"},
	{"closed before anything", "", 0, 100, ERR, SG_E_NETWORK, 0, NULL, 0, NULL, NULL},
};

/* The outcome of one parse, for comparing ways of feeding. */
struct outcome {
	enum http_parse_state st;
	sg_err err;
	char detail[512];
	struct http_response resp;
};

static uint32_t rng_next(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Feeds raw in pieces: 0 = whole, 1 = byte by byte, other = random split
 * seeded by mode. Then, if the parser still wants more, the peer closes. */
static void parse_with(const char *raw, size_t len, size_t max_body, uint32_t mode,
		       struct outcome *o)
{
	struct http_parser *p = sg_calloc(1, http_parser_size());
	struct sg_error e;
	size_t off = 0;
	uint32_t seed = mode;

	assert_non_null(p);
	memset(o, 0, sizeof(*o));
	sg_error_init(&e);
	http_parser_init(p, max_body);
	o->st = HTTP_PARSE_MORE;
	while (off < len && o->st == HTTP_PARSE_MORE) {
		size_t n = mode == 0 ? len : mode == 1 ? 1 : 1 + rng_next(&seed) % 40;

		if (n > len - off)
			n = len - off;
		o->st = http_parser_feed(p, (const uint8_t *)raw + off, n, &e);
		off += n;
	}
	if (o->st == HTTP_PARSE_MORE)
		o->st = http_parser_eof(p, &e);
	o->err = e.code;
	snprintf(o->detail, sizeof(o->detail), "%s", e.detail);
	if (o->st == HTTP_PARSE_DONE)
		http_parser_take(p, &o->resp);
	http_parser_release(p);
	sg_free(p);
}

static void check_case(const struct pcase *c, const struct outcome *o, uint32_t mode)
{
	if (o->st != c->want || o->err != c->want_err)
		fail_msg("%s (mode %u): state %d err %d (%s), want %d/%d", c->name, mode, o->st,
			 o->err, o->detail, c->want, c->want_err);
	if (c->detail && !strstr(o->detail, c->detail))
		fail_msg("%s: detail '%s' lacks '%s'", c->name, o->detail, c->detail);
	if (o->st == ERR)
		assert_true(o->detail[0] != '\0');
	if (o->st != DONE)
		return;
	assert_int_equal(o->resp.status, c->status);
	assert_string_equal(o->resp.content_type, c->ctype);
	if (o->resp.body_len != c->body_len)
		fail_msg("%s (mode %u): body %zu bytes, want %zu", c->name, mode, o->resp.body_len,
			 c->body_len);
	if (c->body_len)
		assert_memory_equal(o->resp.body, c->body, c->body_len);
}

static void run_case(const struct pcase *c)
{
	uint32_t modes[2 + 20], i;

	modes[0] = 0;
	modes[1] = 1;
	for (i = 2; i < sizeof(modes) / sizeof(modes[0]); i++)
		modes[i] = 1000 + i * 7919u;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct outcome o;

		parse_with(c->raw, c->raw_len, c->max_body, modes[i], &o);
		check_case(c, &o, modes[i]);
		http_response_free(&o.resp);
	}
}

static void test_parser_table(void **state)
{
	size_t i, before = sg_mem_current();

	(void)state;
	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++)
		run_case(&pcases[i]);
	assert_int_equal(sg_mem_current(), before); /* nothing leaked */
}

/* Cases too big to write out: built here, run through the same checks. */
static char *repeat_header(size_t count, size_t value_len, size_t *len)
{
	size_t cap = 64 + count * (value_len + 8) + 64, n = 0, i;
	char *s = malloc(cap);

	assert_non_null(s);
	n += (size_t)sprintf(s, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < count; i++) {
		n += (size_t)sprintf(s + n, "X-%03zu: ", i % 1000);
		memset(s + n, 'v', value_len);
		n += value_len;
		n += (size_t)sprintf(s + n, "\r\n");
	}
	n += (size_t)sprintf(s + n, "Content-Length: 1\r\n\r\nx");
	*len = n;
	return s;
}

static void test_parser_limits(void **state)
{
	struct pcase c = {0};
	size_t len;
	char *raw;

	(void)state;
	c.max_body = 100;
	/* One line of 9000 bytes: over the 8 KiB line limit. */
	raw = repeat_header(1, 9000, &len);
	c.name = "line too long", c.raw = raw, c.raw_len = len, c.want = ERR;
	c.want_err = SG_E_MALFORMED, c.detail = "line longer than 8192";
	run_case(&c);
	free(raw);
	/* Three lines of 6000: each fine, together over 16 KiB. */
	raw = repeat_header(3, 6000, &len);
	c.name = "header too big", c.raw = raw, c.raw_len = len, c.detail = "larger than 16384";
	run_case(&c);
	free(raw);
	/* Just under both limits: accepted. */
	raw = repeat_header(2, 8000, &len);
	c.name = "header just under", c.raw = raw, c.raw_len = len, c.want = DONE;
	c.want_err = SG_OK, c.detail = NULL, c.status = 200, c.body = "x", c.body_len = 1;
	c.ctype = "";
	run_case(&c);
	free(raw);
}

static void test_parser_interim_limit(void **state)
{
	static const char one[] = "HTTP/1.1 100 Continue\r\n\r\n";
	static const char last[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	char raw[64 * sizeof(one)];
	struct pcase c = {0};
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < 17; i++) {
		memcpy(raw + n, one, sizeof(one) - 1);
		n += sizeof(one) - 1;
	}
	memcpy(raw + n, last, sizeof(last) - 1);
	c.name = "17 interim responses", c.raw = raw, c.raw_len = n + sizeof(last) - 1;
	c.max_body = 10, c.want = ERR, c.want_err = SG_E_MALFORMED, c.detail = "interim";
	run_case(&c);
	/* 16 are tolerated. */
	c.raw = raw + sizeof(one) - 1, c.raw_len -= sizeof(one) - 1;
	c.want = DONE, c.want_err = SG_OK, c.status = 200, c.ctype = "", c.detail = NULL;
	run_case(&c);
}

/* A long body of unknown length grows geometrically, not byte by byte,
 * and a failed parser stays failed. */
static void test_parser_growth_and_sticky_error(void **state)
{
	struct http_parser *p = sg_calloc(1, http_parser_size());
	static const char head[] = "HTTP/1.0 200 OK\r\n\r\n";
	uint8_t chunk[1000];
	struct http_response r;
	struct sg_error e;
	size_t i;

	(void)state;
	assert_non_null(p);
	http_parser_init(p, 200000);
	sg_error_init(&e);
	memset(chunk, 'a', sizeof(chunk));
	assert_int_equal(http_parser_feed(p, (const uint8_t *)head, sizeof(head) - 1, &e), MORE);
	for (i = 0; i < 150; i++)
		assert_int_equal(http_parser_feed(p, chunk, sizeof(chunk), &e), MORE);
	/* 150000 bytes held in one buffer of at most twice that (or max_body). */
	assert_true(sg_mem_current() <= http_parser_size() + 200000 + 256);
	assert_int_equal(http_parser_eof(p, &e), DONE);
	http_parser_take(p, &r);
	assert_int_equal(r.body_len, 150000);
	assert_int_equal(r.body[149999], 'a');
	http_response_free(&r);
	assert_null(r.body);

	http_parser_init(p, 10);
	assert_int_equal(http_parser_feed(p, (const uint8_t *)"XTTP", 4, &e), ERR);
	sg_error_init(&e);
	assert_int_equal(http_parser_feed(p, (const uint8_t *)head, sizeof(head) - 1, &e), ERR);
	assert_int_equal(e.code, SG_E_MALFORMED);
	assert_int_equal(http_parser_eof(p, &e), ERR);
	http_parser_release(p);
	sg_free(p);
}

/* ---- URLs ------------------------------------------------------------------ */

struct ucase {
	const char *url;
	sg_err want;
	const char *host;
	uint16_t port;
	const char *path;
};

static const struct ucase ucases[] = {
	{"http://crl.example.com/ca.crl", SG_OK, "crl.example.com", 80, "/ca.crl"},
	{"http://crl.example.com", SG_OK, "crl.example.com", 80, "/"},
	{"HTTP://Example.COM:8080", SG_OK, "Example.COM", 8080, "/"},
	{"http://ocsp.example.com:1/", SG_OK, "ocsp.example.com", 1, "/"},
	{"http://ocsp.example.com:65535/a?b=c&d=%2F", SG_OK, "ocsp.example.com", 65535,
	 "/a?b=c&d=%2F"},
	{"http://host?q=1", SG_OK, "host", 80, "/?q=1"},
	{"http://127.0.0.1:8888/x", SG_OK, "127.0.0.1", 8888, "/x"},
	{"http://[::1]/", SG_OK, "::1", 80, "/"},
	{"http://[2001:db8::a:1]:8080/ocsp", SG_OK, "2001:db8::a:1", 8080, "/ocsp"},
	{"http://[::ffff:192.0.2.1]", SG_OK, "::ffff:192.0.2.1", 80, "/"},
	{"http://under_score.example/", SG_OK, "under_score.example", 80, "/"},
	{"http://rooted.example./", SG_OK, "rooted.example.", 80, "/"},
	{"http://h/MEIwQDA%2BMDwwOjAJBgUrDgMCGgUABBQ=", SG_OK, "h", 80,
	 "/MEIwQDA%2BMDwwOjAJBgUrDgMCGgUABBQ="},
	{"https://crl.example.com/", SG_E_CONFIG, NULL, 0, NULL},
	{"ftp://crl.example.com/", SG_E_CONFIG, NULL, 0, NULL},
	{"crl.example.com/x", SG_E_CONFIG, NULL, 0, NULL},
	{"http:/x", SG_E_CONFIG, NULL, 0, NULL},
	{"", SG_E_CONFIG, NULL, 0, NULL},
	{"http://", SG_E_CONFIG, NULL, 0, NULL},
	{"http:///path", SG_E_CONFIG, NULL, 0, NULL},
	{"http://user:pw@host/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://@host/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://host/a#frag", SG_E_CONFIG, NULL, 0, NULL},
	{"http://host/a b", SG_E_CONFIG, NULL, 0, NULL},
	{"http://host/a\r\nX-Injected: 1", SG_E_CONFIG, NULL, 0, NULL},
	{"http://host/\t", SG_E_CONFIG, NULL, 0, NULL},
	{"http://host/\x7f", SG_E_CONFIG, NULL, 0, NULL},
	{"http://h\xc3\xa9st/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://host:0/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://host:65536/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://host:99999999999999999999/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://host:/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://host:80a/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://host:-1/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://ho$t/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://a..b/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://.a/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://-a/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://[::1/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://[::1]x/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://[fe80::1%25eth0]/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://[]/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://[host]/", SG_E_CONFIG, NULL, 0, NULL},
	{"http://host/%zz", SG_E_CONFIG, NULL, 0, NULL},
	{"http://host/%4", SG_E_CONFIG, NULL, 0, NULL},
};

static void test_url_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ucases) / sizeof(ucases[0]); i++) {
		const struct ucase *c = &ucases[i];
		struct http_url u;
		struct sg_error e;
		sg_err rc;

		sg_error_init(&e);
		memset(&u, 0x55, sizeof(u));
		rc = http_url_parse(c->url, &u, &e);
		if (rc != c->want)
			fail_msg("url '%s': %d (%s), want %d", c->url, rc, e.detail, c->want);
		if (rc != SG_OK) {
			assert_true(e.detail[0] != '\0');
			assert_int_equal(e.code, rc);
			continue;
		}
		assert_string_equal(u.host, c->host);
		assert_int_equal(u.port, c->port);
		assert_string_equal(u.path, c->path);
	}
}

static void test_url_lengths(void **state)
{
	char url[2 * HTTP_PATH_MAX + 64];
	struct http_url u;
	size_t n;

	(void)state;
	/* A 255-character host is fine, 256 is not. */
	n = (size_t)sprintf(url, "http://");
	for (size_t i = 0; i < 4; i++) {
		memset(url + n, 'a', 63);
		n += 63;
		url[n++] = '.';
	}
	n--; /* 4 * 63 + 3 = 255 */
	strcpy(url + n, "/");
	assert_int_equal(http_url_parse(url, &u, NULL), SG_OK);
	assert_int_equal(strlen(u.host), HTTP_HOST_MAX);
	memmove(url + 8, url + 7, strlen(url + 7) + 1);
	url[7] = 'b';
	assert_int_equal(http_url_parse(url, &u, NULL), SG_E_CONFIG);
	/* A 64-character label is not a host name. */
	sprintf(url, "http://%064d/", 0);
	assert_int_equal(http_url_parse(url, &u, NULL), SG_E_CONFIG);
	/* The path: HTTP_PATH_MAX characters fit, one more does not. */
	n = (size_t)sprintf(url, "http://h/");
	memset(url + n, 'p', HTTP_PATH_MAX - 1);
	url[n + HTTP_PATH_MAX - 1] = '\0';
	assert_int_equal(http_url_parse(url, &u, NULL), SG_OK);
	assert_int_equal(strlen(u.path), HTTP_PATH_MAX);
	strcat(url, "p");
	assert_int_equal(http_url_parse(url, &u, NULL), SG_E_CONFIG);
	assert_int_equal(http_url_parse(NULL, &u, NULL), SG_E_CONFIG);
}

/* ---- http_fetch against servers on loopback -------------------------------- */

struct fx {
	struct hal hal;
	pid_t srv;
	int port;
	char dir[64]; /* python http.server's directory, when used */
};

static int fx_setup(void **state)
{
	static struct fx fx;
	struct port_linux_opts o;

	memset(&fx, 0, sizeof(fx));
	memset(&o, 0, sizeof(o));
	o.tty_path = "/nonexistent/tty";
	o.log_ident = "test_http";
	if (port_linux_init(&fx.hal, &o) != HAL_OK)
		return -1;
	fx.srv = -1;
	*state = &fx;
	return 0;
}

static void srv_stop(struct fx *fx)
{
	if (fx->srv > 0) {
		kill(fx->srv, SIGKILL);
		waitpid(fx->srv, NULL, 0);
	}
	fx->srv = -1;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	srv_stop(fx);
	if (fx->dir[0]) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", fx->dir);
	}
	port_linux_fini(&fx->hal);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A listening TCP socket on loopback (v6: ::1), port chosen by the kernel. */
static int listen_any(int v6, int *port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 8) != 0) {
		close(fd);
		return -1;
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			 : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

enum srv_mode {
	SRV_REPLY, /* write the canned reply at once */
	SRV_DRIP,  /* write it 7 bytes at a time, 3 ms apart */
	SRV_SLOW,  /* wait 3 s, then reply */
	SRV_ECHO,  /* reply 200 with the request it received as the body */
};

/* Reads one request (head and Content-Length body) into buf; its length. */
static size_t srv_read_request(int c, char *buf, size_t cap)
{
	size_t n = 0, want = 0;

	while (n < cap - 1) {
		struct pollfd pfd = {c, POLLIN, 0};
		ssize_t r;
		const char *end;

		if (poll(&pfd, 1, 5000) <= 0)
			break;
		r = read(c, buf + n, cap - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end && !want) {
			const char *cl = strstr(buf, "Content-Length: ");

			want = (size_t)(end + 4 - buf) + (cl && cl < end ? strtoul(cl + 16, NULL, 10) : 0);
		}
		if (want && n >= want)
			break;
	}
	return n;
}

static void srv_write(int c, const char *p, size_t n, int drip)
{
	while (n > 0) {
		size_t k = drip && n > 7 ? 7 : n;
		ssize_t w = write(c, p, k);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
		if (drip)
			sleep_ms(3);
	}
}

static void srv_child(int lfd, enum srv_mode mode, const char *reply, size_t reply_len)
{
	for (;;) {
		static char req[65536];
		int c = accept(lfd, NULL, NULL);
		size_t n;

		if (c < 0)
			_exit(1);
		n = srv_read_request(c, req, sizeof(req));
		if (mode == SRV_SLOW)
			sleep_ms(3000);
		if (mode == SRV_ECHO) {
			char head[128];
			int h = snprintf(head, sizeof(head),
					 "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
					 "Content-Length: %zu\r\n\r\n",
					 n);
			srv_write(c, head, (size_t)h, 0);
			srv_write(c, req, n, 0);
		} else {
			srv_write(c, reply, reply_len, mode == SRV_DRIP);
		}
		close(c);
	}
}

/* Starts a server child for any number of connections; 0 or -1. */
static int srv_start(struct fx *fx, int v6, enum srv_mode mode, const char *reply,
		     size_t reply_len)
{
	int lfd = listen_any(v6, &fx->port);

	if (lfd < 0)
		return -1;
	fx->srv = fork();
	if (fx->srv == 0) {
		signal(SIGPIPE, SIG_DFL);
		srv_child(lfd, mode, reply, reply_len);
		_exit(0);
	}
	close(lfd);
	return fx->srv > 0 ? 0 : -1;
}

struct got {
	sg_err rc;
	struct sg_error e;
	struct http_response r;
	uint64_t ms;
};

static void fetch(struct fx *fx, const char *host, const char *path, size_t max_body,
		  int timeout_ms, struct got *g)
{
	char url[512];
	uint64_t t0;

	snprintf(url, sizeof(url), "http://%s:%d%s", host, fx->port, path);
	sg_error_init(&g->e);
	t0 = now_ms();
	g->rc = http_fetch(&fx->hal, url, NULL, NULL, 0, max_body, timeout_ms, &g->r, &g->e);
	g->ms = now_ms() - t0;
}

/* After http_fetch nothing of it is left in the loop: run() returns at
 * once (a forgotten deadline timer would hold it for seconds). */
static void assert_loop_empty(struct fx *fx)
{
	uint64_t t0 = now_ms();

	assert_int_equal(hal_loop_run(&fx->hal.loop), HAL_OK);
	assert_true(now_ms() - t0 < 500);
}

static const char canned_cl[] = "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\n"
				"Content-Length: 11\r\n\r\nhello world";
static const char canned_chunked[] =
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	"6;ext=1\r\nchunk \r\n10\r\n0123456789abcdef\r\n4\r\n end\r\n0\r\nTrailer: t\r\n\r\n";
static const char canned_mid[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b";
static const char canned_garbage[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
static const char canned_big[] = "HTTP/1.0 200 OK\r\n\r\n0123456789012345678901234567890123456789";

struct ncase {
	const char *name;
	enum srv_mode mode;
	const char *reply;
	size_t reply_len;
	size_t max_body;
	sg_err want;
	const char *body; /* on SG_OK */
	const char *detail;
};

static const struct ncase ncases[] = {
	{"content-length", SRV_REPLY, RAW(canned_cl), 100, SG_OK, "hello world", NULL},
	{"content-length dripped", SRV_DRIP, RAW(canned_cl), 100, SG_OK, "hello world", NULL},
	{"chunked dripped", SRV_DRIP, RAW(canned_chunked), 100, SG_OK,
	 "chunk 0123456789abcdef end", NULL},
	{"closes mid-body", SRV_REPLY, RAW(canned_mid), 1000, SG_E_NETWORK, NULL,
	 "connection closed before the response was complete (127.0.0.1:"},
	{"garbage", SRV_REPLY, RAW(canned_garbage), 1000, SG_E_MALFORMED, NULL, "HTTP"},
	{"body over max_body", SRV_REPLY, RAW(canned_big), 39, SG_E_MALFORMED, NULL,
	 "response body larger than 39 bytes"},
	{"closes at once", SRV_REPLY, "", 0, 1000, SG_E_NETWORK, NULL, "closed before"},
};

static void test_fetch_table(void **state)
{
	struct fx *fx = *state;
	size_t i;

	for (i = 0; i < sizeof(ncases) / sizeof(ncases[0]); i++) {
		const struct ncase *c = &ncases[i];
		struct got g;

		assert_int_equal(srv_start(fx, 0, c->mode, c->reply, c->reply_len), 0);
		fetch(fx, "127.0.0.1", "/x", c->max_body, 5000, &g);
		if (g.rc != c->want)
			fail_msg("%s: %d (%s), want %d", c->name, g.rc, g.e.detail, c->want);
		if (c->detail && !strstr(g.e.detail, c->detail))
			fail_msg("%s: detail '%s' lacks '%s'", c->name, g.e.detail, c->detail);
		if (c->body) {
			assert_int_equal(g.r.status, 200);
			assert_int_equal(g.r.body_len, strlen(c->body));
			assert_memory_equal(g.r.body, c->body, g.r.body_len);
		}
		http_response_free(&g.r);
		assert_loop_empty(fx);
		srv_stop(fx);
	}
}

static void test_fetch_request_format(void **state)
{
	struct fx *fx = *state;
	char url[128], want[512];
	static const uint8_t body[] = "\x30\x03\x02\x01\x00";
	struct sg_error e;
	struct http_response r;
	struct got g;

	assert_int_equal(srv_start(fx, 0, SRV_ECHO, NULL, 0), 0);
	fetch(fx, "127.0.0.1", "/crl/ca.crl?x=1", 4096, 5000, &g);
	assert_int_equal(g.rc, SG_OK);
	assert_string_equal(g.r.content_type, "text/plain");
	snprintf(want, sizeof(want),
		 "GET /crl/ca.crl?x=1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: signet\r\n"
		 "Accept: */*\r\nConnection: close\r\n\r\n",
		 fx->port);
	assert_int_equal(g.r.body_len, strlen(want));
	assert_memory_equal(g.r.body, want, strlen(want));
	http_response_free(&g.r);

	/* POST: content type, length and the binary body as given. */
	snprintf(url, sizeof(url), "http://localhost:%d", fx->port);
	sg_error_init(&e);
	assert_int_equal(http_fetch(&fx->hal, url, "application/ocsp-request", body, 5, 4096, 5000,
				    &r, &e),
			 SG_OK);
	snprintf(want, sizeof(want),
		 "POST / HTTP/1.1\r\nHost: localhost:%d\r\nUser-Agent: signet\r\n"
		 "Accept: */*\r\nConnection: close\r\nContent-Type: application/ocsp-request\r\n"
		 "Content-Length: 5\r\n\r\n",
		 fx->port);
	assert_int_equal(r.body_len, strlen(want) + 5);
	assert_memory_equal(r.body, want, strlen(want));
	assert_memory_equal(r.body + strlen(want), body, 5);
	http_response_free(&r);

	/* A header injection through the content type is refused. */
	assert_int_equal(http_fetch(&fx->hal, url, "a/b\r\nX: y", body, 5, 4096, 5000, &r, &e),
			 SG_E_INTERNAL);
	assert_loop_empty(fx);
}

static void test_fetch_ipv6(void **state)
{
	struct fx *fx = *state;
	char want[256];
	struct got g;

	if (srv_start(fx, 1, SRV_ECHO, NULL, 0) != 0) {
		skip(); /* no IPv6 loopback here */
		return;
	}
	fetch(fx, "[::1]", "/", 4096, 5000, &g);
	assert_int_equal(g.rc, SG_OK);
	snprintf(want, sizeof(want), "GET / HTTP/1.1\r\nHost: [::1]:%d\r\n", fx->port);
	assert_true(g.r.body_len > strlen(want));
	assert_memory_equal(g.r.body, want, strlen(want));
	http_response_free(&g.r);
}

static void test_fetch_slow_server(void **state)
{
	struct fx *fx = *state;
	struct got g;

	assert_int_equal(srv_start(fx, 0, SRV_SLOW, RAW(canned_cl)), 0);
	fetch(fx, "127.0.0.1", "/", 100, 300, &g);
	assert_int_equal(g.rc, SG_E_NETWORK);
	assert_non_null(strstr(g.e.detail, "no answer from 127.0.0.1:"));
	assert_non_null(strstr(g.e.detail, "within 300 ms"));
	/* Not before the deadline; well before the server's 3 s (generous
	 * slack for a loaded machine). */
	assert_true(g.ms + 5 >= 300);
	assert_true(g.ms < 300 + 2000);
	assert_loop_empty(fx);
}

static void test_fetch_refused(void **state)
{
	struct fx *fx = *state;
	struct got g;

	close(listen_any(0, &fx->port)); /* a port nobody listens on now */
	fetch(fx, "127.0.0.1", "/", 100, 3000, &g);
	assert_int_equal(g.rc, SG_E_NETWORK);
	assert_non_null(strstr(g.e.detail, "connection refused by 127.0.0.1:"));
	assert_loop_empty(fx);
}

static void test_fetch_unresolvable(void **state)
{
	struct fx *fx = *state;
	struct got g;

	fx->port = 80;
	fetch(fx, "nonexistent.invalid", "/", 100, 5000, &g);
	assert_int_equal(g.rc, SG_E_NETWORK);
	/* "cannot resolve host ..." or, with a resolver that cannot be reached
	 * at all, "no answer from ..." */
	assert_non_null(strstr(g.e.detail, "nonexistent.invalid"));
	assert_true(g.ms < 5000 + 2000);
}

static void test_fetch_bad_args(void **state)
{
	struct fx *fx = *state;
	struct http_response r;
	struct sg_error e;

	sg_error_init(&e);
	assert_int_equal(http_fetch(&fx->hal, "https://x/", NULL, NULL, 0, 10, 1000, &r, &e),
			 SG_E_CONFIG);
	assert_int_equal(http_fetch(&fx->hal, "http://x/", NULL, NULL, 0, 10, 0, &r, &e),
			 SG_E_INTERNAL);
	assert_int_equal(http_fetch(NULL, "http://x/", NULL, NULL, 0, 10, 100, &r, NULL),
			 SG_E_INTERNAL);
	assert_loop_empty(fx);
}

/* The caller's timers share the loop: one that stops the loop mid-fetch
 * does not end the fetch, and one that fires later still fires. */
static int stopper_fired;

static void stopper(void *arg)
{
	const struct hal_loop *l = arg;

	stopper_fired++;
	hal_loop_stop(l);
}

static void test_fetch_shares_the_loop(void **state)
{
	struct fx *fx = *state;
	int later = -1;
	struct got g;

	stopper_fired = 0;
	assert_int_equal(srv_start(fx, 0, SRV_DRIP, RAW(canned_chunked)), 0);
	assert_int_equal(hal_loop_add_timer(&fx->hal.loop, 30, stopper, &fx->hal.loop, NULL), 0);
	assert_int_equal(hal_loop_add_timer(&fx->hal.loop, 60000, stopper, &fx->hal.loop, &later),
			 0);
	fetch(fx, "127.0.0.1", "/", 100, 5000, &g);
	assert_int_equal(g.rc, SG_OK);
	assert_int_equal(stopper_fired, 1); /* the drip takes longer than 30 ms */
	assert_int_equal(g.r.body_len, strlen("chunk 0123456789abcdef end"));
	http_response_free(&g.r);
	/* The caller's 60 s timer is still there, ours is gone. */
	assert_int_equal(hal_loop_cancel_timer(&fx->hal.loop, later), HAL_OK);
	assert_loop_empty(fx);
}

/* http_fetch from inside a loop callback cannot run the loop: it says so,
 * cleans up, and leaves the outer run going (no stray stop). */
struct nested {
	struct fx *fx;
	struct got g;
	int after;
};

static void nested_fetch(void *arg)
{
	struct nested *n = arg;

	fetch(n->fx, "127.0.0.1", "/", 100, 2000, &n->g);
}

static void nested_after(void *arg)
{
	struct nested *n = arg;

	n->after = 1;
}

static void test_fetch_nested(void **state)
{
	struct fx *fx = *state;
	struct nested n;

	memset(&n, 0, sizeof(n));
	n.fx = fx;
	assert_int_equal(srv_start(fx, 0, SRV_REPLY, RAW(canned_cl)), 0);
	assert_int_equal(hal_loop_add_timer(&fx->hal.loop, 0, nested_fetch, &n, NULL), 0);
	assert_int_equal(hal_loop_add_timer(&fx->hal.loop, 50, nested_after, &n, NULL), 0);
	assert_int_equal(hal_loop_run(&fx->hal.loop), HAL_OK);
	assert_int_equal(n.g.rc, SG_E_INTERNAL);
	assert_int_equal(n.after, 1);
	assert_loop_empty(fx);
}

/* ---- against Python's http.server (Debian's python3) ------------------- */

static int wait_port(int port, pid_t child)
{
	int i;

	for (i = 0; i < 200; i++) {
		struct sockaddr_in a;
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((uint16_t)port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(fd);
		if (ok)
			return 0;
		if (waitpid(child, NULL, WNOHANG) == child)
			return -1; /* python3 missing or failed */
		sleep_ms(50);
	}
	return -1;
}

static void test_fetch_python_http_server(void **state)
{
	struct fx *fx = *state;
	char path[128], portstr[16];
	uint8_t data[100000];
	struct got g;
	FILE *f;
	size_t i;

	strcpy(fx->dir, "/tmp/signet-http-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131u + (i >> 8));
	snprintf(path, sizeof(path), "%s/ca.crl", fx->dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, sizeof(data), f), sizeof(data));
	assert_int_equal(fclose(f), 0);

	close(listen_any(0, &fx->port)); /* a free port, most likely still free */
	snprintf(portstr, sizeof(portstr), "%d", fx->port);
	fx->srv = fork();
	assert_true(fx->srv >= 0);
	if (fx->srv == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl("/usr/bin/python3", "python3", "-m", "http.server", "--bind", "127.0.0.1",
		      portstr, "--directory", fx->dir, (char *)NULL);
		execlp("python3", "python3", "-m", "http.server", "--bind", "127.0.0.1", portstr,
		       "--directory", fx->dir, (char *)NULL);
		_exit(127);
	}
	if (wait_port(fx->port, fx->srv) != 0)
		fail_msg("python3 -m http.server did not start (is python3 installed? "
			 "tools/deps test installs it)");

	/* The file, byte for byte; max_body exactly its size. */
	fetch(fx, "127.0.0.1", "/ca.crl", sizeof(data), 10000, &g);
	if (g.rc != SG_OK)
		fail_msg("GET /ca.crl: %s", g.e.detail);
	assert_int_equal(g.r.status, 200);
	assert_int_equal(g.r.body_len, sizeof(data));
	assert_memory_equal(g.r.body, data, sizeof(data));
	http_response_free(&g.r);

	/* One byte less allowed: refused, not truncated. */
	fetch(fx, "127.0.0.1", "/ca.crl", sizeof(data) - 1, 10000, &g);
	assert_int_equal(g.rc, SG_E_MALFORMED);
	assert_null(g.r.body);
	assert_non_null(strstr(g.e.detail, "response body larger than 99999 bytes"));

	/* A missing file: 404 is a response, the caller judges it. */
	fetch(fx, "127.0.0.1", "/missing.crl", 65536, 10000, &g);
	assert_int_equal(g.rc, SG_OK);
	assert_int_equal(g.r.status, 404);
	http_response_free(&g.r);
	assert_loop_empty(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parser_table),
		cmocka_unit_test(test_parser_limits),
		cmocka_unit_test(test_parser_interim_limit),
		cmocka_unit_test(test_parser_growth_and_sticky_error),
		cmocka_unit_test(test_url_table),
		cmocka_unit_test(test_url_lengths),
		cmocka_unit_test_setup_teardown(test_fetch_table, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_request_format, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_ipv6, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_slow_server, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_unresolvable, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_bad_args, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_shares_the_loop, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_nested, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_python_http_server, fx_setup,
						fx_teardown),
	};

	/* The server children write to sockets the client may have closed. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
