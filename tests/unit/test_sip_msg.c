/*
 * test_sip_msg.c: the SIP message parser and its accessors
 * (sip/sip_msg.c, sip/sip_hdr.c), the REGISTER builder (sip/sip_build.c)
 * and the stream framer (sip/sip_stream.c).
 *
 * Tables: valid and torture-style messages (RFC 4475 in spirit: compact
 * forms, folding, odd white space, escaped URIs, repeated and multi-value
 * headers) with what each accessor must return; malformed messages with
 * the words the error must contain; the builder's exact bytes; the
 * framer fed whole, byte by byte and in odd splits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sg_mem.h"
#include "sip_msg.h"
#include "sip_stream.h"

#define RAW(s) (const uint8_t *)(s), sizeof(s) - 1

static void assert_str(struct sip_str s, const char *want)
{
	char buf[512];

	assert_int_equal(sip_str_copy(s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void parse_ok(struct sip_msg *m, const uint8_t *p, size_t n)
{
	struct sg_error e;

	sg_error_init(&e);
	if (sip_msg_parse(m, p, n, &e) != SG_OK)
		fail_msg("parse failed: %s", e.detail);
}

/* ---- torture-style valid messages ------------------------------------ */

static const char torture_200[] =
	"\r\n\r\n" /* leading empty lines are ignored */
	"SIP/2.0 200 OK\r\n"
	"v:  SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKabc;received=10.0.0.1;rport=40000\r\n"
	"V: SIP / 2.0 / UDP other.example;branch=z9hG4bKdef\r\n"
	"f: \"Alice \\\"A\\\" <x>\" <sip:alice@example.org>;tag=1234\r\n"
	"t:sip:alice@example.org;tag=xyz\r\n"
	"i: abc@host\r\n"
	"CSeq:   7\r\n  REGISTER\r\n"
	"m: <sip:alice@192.0.2.1:5060;transport=tcp;ob>;expires=300;"
	"+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";reg-id=1,"
	" <sip:other@x>;expires=10\r\n"
	"Contact: sip:third@[2001:db8::1]:5070;expires=20\r\n"
	"EXPIRES: 600\r\n"
	"Require: outbound\r\n"
	"k: path,outbound\r\n"
	"Supported:\tgruu\r\n"
	"Flow-Timer: 90\r\n"
	"X-Odd-Header  :  value with \"quotes, and commas\"  \r\n"
	"l: 0\r\n"
	"\r\n";

static void test_torture_accessors(void **state)
{
	struct sip_msg m;
	struct sip_via v;
	struct sip_addr a;
	struct sip_str s;
	struct sip_contact c[4];
	struct sip_iter it = {0, 0};
	struct sg_error e;
	uint32_t n;

	(void)state;
	sg_error_init(&e);
	parse_ok(&m, RAW(torture_200));
	assert_false(m.is_request);
	assert_int_equal(m.status, 200);
	assert_str(m.reason, "OK");
	assert_int_equal(m.body_len, 0);
	assert_int_equal(m.len, sizeof(torture_200) - 1);

	assert_int_equal(sip_msg_via(&m, &v, &e), SG_OK);
	assert_str(v.transport, "TCP");
	assert_str(v.host, "192.0.2.1");
	assert_int_equal(v.port, 5060);
	assert_str(v.branch, "z9hG4bKabc");
	assert_str(v.received, "10.0.0.1");
	assert_int_equal(v.rport, 40000);
	assert_int_equal(sip_msg_hdr_count(&m, SIP_HDR_VIA), 2);

	assert_int_equal(sip_msg_from(&m, &a, &e), SG_OK);
	assert_str(a.display, "Alice \\\"A\\\" <x>");
	assert_str(a.uri, "sip:alice@example.org");
	assert_str(a.tag, "1234");
	assert_int_equal(sip_msg_to(&m, &a, &e), SG_OK);
	assert_str(a.uri, "sip:alice@example.org");
	assert_str(a.tag, "xyz");
	assert_int_equal(sip_msg_call_id(&m, &s, &e), SG_OK);
	assert_str(s, "abc@host");
	assert_int_equal(sip_msg_cseq(&m, &n, &s, &e), SG_OK);
	assert_int_equal(n, 7);
	assert_str(s, "REGISTER");

	assert_int_equal(sip_msg_contacts(&m, c, 4, &e), 3);
	assert_str(c[0].addr.uri, "sip:alice@192.0.2.1:5060;transport=tcp;ob");
	assert_int_equal(c[0].expires, 300);
	assert_str(c[0].instance, "urn:uuid:00000000-0000-1000-8000-000A95A0E128");
	assert_int_equal(c[0].reg_id, 1);
	assert_str(c[1].addr.uri, "sip:other@x");
	assert_int_equal(c[1].expires, 10);
	assert_int_equal(c[1].reg_id, -1);
	assert_int_equal(c[1].instance.len, 0);
	assert_str(c[2].addr.uri, "sip:third@[2001:db8::1]:5070");
	assert_int_equal(c[2].expires, 20);

	assert_int_equal(sip_msg_uint(&m, SIP_HDR_EXPIRES, &n, &e), SIP_FOUND);
	assert_int_equal(n, 600);
	assert_int_equal(sip_msg_uint(&m, SIP_HDR_FLOW_TIMER, &n, &e), SIP_FOUND);
	assert_int_equal(n, 90);
	assert_int_equal(sip_msg_uint(&m, SIP_HDR_MIN_EXPIRES, &n, &e), SIP_ABSENT);
	assert_int_equal(sip_msg_uint(&m, SIP_HDR_CONTENT_LENGTH, &n, &e), SIP_FOUND);
	assert_int_equal(n, 0);
	assert_true(sip_msg_has_option(&m, SIP_HDR_REQUIRE, "outbound"));
	assert_true(sip_msg_has_option(&m, SIP_HDR_SUPPORTED, "OUTBOUND"));
	assert_true(sip_msg_has_option(&m, SIP_HDR_SUPPORTED, "path"));
	assert_true(sip_msg_has_option(&m, SIP_HDR_SUPPORTED, "gruu"));
	assert_false(sip_msg_has_option(&m, SIP_HDR_REQUIRE, "path"));

	/* values across repeated fields, in order */
	assert_true(sip_msg_next(&m, SIP_HDR_SUPPORTED, &it, &s));
	assert_str(s, "path");
	assert_true(sip_msg_next(&m, SIP_HDR_SUPPORTED, &it, &s));
	assert_str(s, "outbound");
	assert_true(sip_msg_next(&m, SIP_HDR_SUPPORTED, &it, &s));
	assert_str(s, "gruu");
	assert_false(sip_msg_next(&m, SIP_HDR_SUPPORTED, &it, &s));
	/* unknown headers are indexed too */
	assert_str(m.hdrs[13].name, "X-Odd-Header");
	assert_str(m.hdrs[13].value, "value with \"quotes, and commas\"");
	assert_int_equal(m.hdrs[13].id, SIP_HDR_OTHER);
}

static const char challenge_401[] =
	"SIP/2.0 401 Unauthorized\r\n"
	"Via: SIP/2.0/UDP h.invalid;branch=z9hG4bK1;rport\r\n"
	"From: <sip:bob@example.org>;tag=a\r\n"
	"To: <sip:bob@example.org>;tag=b\r\n"
	"Call-ID: c1\r\n"
	"CSeq: 2 REGISTER\r\n"
	"WWW-Authenticate: Digest realm=\"example.org\", nonce=\"n1,with comma\",\r\n"
	"  qop=\"auth,auth-int\", algorithm=SHA-256, opaque=\"op\", stale=TRUE\r\n"
	"WWW-Authenticate: Digest realm=\"example.org\",nonce=n2,algorithm=MD5\r\n"
	"Retry-After: 120 (maintenance);duration=3600\r\n"
	"Min-Expires: 1800\r\n"
	"Content-Length: 5\r\n"
	"\r\n"
	"hello-and-ignored-trailer";

static void test_challenge_and_numbers(void **state)
{
	struct sip_msg m;
	struct sip_challenge c;
	struct sip_via v;
	struct sg_error e;
	uint32_t n;

	(void)state;
	sg_error_init(&e);
	parse_ok(&m, RAW(challenge_401));
	assert_int_equal(m.status, 401);
	assert_int_equal(m.body_len, 5);
	assert_memory_equal(m.body, "hello", 5);
	assert_int_equal(m.len, sizeof(challenge_401) - 1 - strlen("-and-ignored-trailer"));
	assert_int_equal(sip_msg_via(&m, &v, &e), SG_OK);
	assert_int_equal(v.rport, 0);
	assert_int_equal(v.port, 0);
	assert_int_equal(v.received.len, 0);

	assert_int_equal(sip_msg_challenge(&m, SIP_HDR_WWW_AUTHENTICATE, 0, &c, &e), SIP_FOUND);
	assert_str(c.scheme, "Digest");
	assert_str(c.realm, "example.org");
	assert_str(c.nonce, "n1,with comma");
	assert_str(c.qop, "auth,auth-int");
	assert_true(sip_str_list_has(c.qop, "auth"));
	assert_false(sip_str_list_has(c.qop, "auth-conf"));
	assert_str(c.algorithm, "SHA-256");
	assert_str(c.opaque, "op");
	assert_true(c.stale);
	assert_int_equal(sip_msg_challenge(&m, SIP_HDR_WWW_AUTHENTICATE, 1, &c, &e), SIP_FOUND);
	assert_str(c.nonce, "n2");
	assert_str(c.algorithm, "MD5");
	assert_false(c.stale);
	assert_int_equal(c.qop.len, 0);
	assert_int_equal(sip_msg_challenge(&m, SIP_HDR_WWW_AUTHENTICATE, 2, &c, &e), SIP_ABSENT);
	assert_int_equal(sip_msg_challenge(&m, SIP_HDR_PROXY_AUTHENTICATE, 0, &c, &e), SIP_ABSENT);

	assert_int_equal(sip_msg_retry_after(&m, &n, &e), SIP_FOUND);
	assert_int_equal(n, 120);
	assert_int_equal(sip_msg_uint(&m, SIP_HDR_MIN_EXPIRES, &n, &e), SIP_FOUND);
	assert_int_equal(n, 1800);
}

static void test_request(void **state)
{
	static const char req[] = "REGISTER sips:example.org;transport=tls SIP/2.0\r\n"
				  "Via: SIP/2.0/TLS a.invalid;branch=z9hG4bKx\r\n"
				  "Max-Forwards: 70\r\n"
				  "From: <sips:al%20ice@example.org>;tag=1\r\n"
				  "To: <sips:al%20ice@example.org>\r\n"
				  "Call-ID: 1\r\n"
				  "CSeq: 2147483647 REGISTER\r\n"
				  "Content-Type: text/plain\r\n"
				  "Content-Length: 3\r\n\r\nabc";
	struct sip_msg m;
	struct sip_addr a;
	struct sip_uri u;
	struct sg_error e;
	uint32_t n;
	struct sip_str s;

	(void)state;
	sg_error_init(&e);
	parse_ok(&m, RAW(req));
	assert_true(m.is_request);
	assert_str(m.method, "REGISTER");
	assert_str(m.uri, "sips:example.org;transport=tls");
	assert_int_equal(m.body_len, 3);
	assert_int_equal(sip_msg_cseq(&m, &n, &s, &e), SG_OK);
	assert_int_equal(n, 2147483647u);
	assert_int_equal(sip_msg_uint(&m, SIP_HDR_MAX_FORWARDS, &n, &e), SIP_FOUND);
	assert_int_equal(n, 70);
	assert_int_equal(sip_msg_from(&m, &a, &e), SG_OK);
	assert_int_equal(sip_uri_parse(a.uri, &u, &e), SG_OK);
	assert_true(u.sips);
	assert_str(u.user, "al%20ice");
	assert_str(u.host, "example.org");
	assert_int_equal(u.port, 0);
}

struct uri_case {
	const char *in;
	sg_err err;
	int sips;
	const char *user, *host;
	uint16_t port;
	const char *params;
};

static const struct uri_case uri_cases[] = {
	{"sip:example.org", SG_OK, 0, "", "example.org", 0, ""},
	{"SIP:Alice@Example.org:5061;transport=TCP;lr", SG_OK, 0, "Alice", "Example.org", 5061,
	 ";transport=TCP;lr"},
	{"sips:user:pass@host", SG_OK, 1, "user", "host", 0, ""},
	{"sip:[::1]:5060", SG_OK, 0, "", "::1", 5060, ""},
	{"sip:a%40b@h?subject=x", SG_OK, 0, "a%40b", "h", 0, ""},
	{"sip:alice;phone-context=x@h.example;user=phone", SG_OK, 0, "alice;phone-context=x",
	 "h.example", 0, ";user=phone"},
	{"tel:+1234", SG_E_MALFORMED, 0, NULL, NULL, 0, NULL},
	{"sip:", SG_E_MALFORMED, 0, NULL, NULL, 0, NULL},
	{"sip:@host", SG_E_MALFORMED, 0, NULL, NULL, 0, NULL},
	{"sip:host:0", SG_E_MALFORMED, 0, NULL, NULL, 0, NULL},
	{"sip:host:65536", SG_E_MALFORMED, 0, NULL, NULL, 0, NULL},
	{"sip:host:12345678901", SG_E_MALFORMED, 0, NULL, NULL, 0, NULL},
	{"sip:[zz]:1", SG_E_MALFORMED, 0, NULL, NULL, 0, NULL},
	{"sip:[::1", SG_E_MALFORMED, 0, NULL, NULL, 0, NULL},
	{"sip:ho st", SG_E_MALFORMED, 0, NULL, NULL, 0, NULL},
	{"sip:host/x", SG_E_MALFORMED, 0, NULL, NULL, 0, NULL},
};

static void test_uris(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(uri_cases) / sizeof(uri_cases[0]); i++) {
		const struct uri_case *c = &uri_cases[i];
		struct sip_uri u;
		struct sip_str s = {c->in, strlen(c->in)};
		struct sg_error e;

		sg_error_init(&e);
		if (sip_uri_parse(s, &u, &e) != c->err)
			fail_msg("%s: want %d, got %s", c->in, c->err, e.detail);
		if (c->err)
			continue;
		assert_int_equal(u.sips, c->sips);
		assert_str(u.user, c->user);
		assert_str(u.host, c->host);
		assert_int_equal(u.port, c->port);
		assert_str(u.params, c->params);
	}
}

struct addr_case {
	const char *in;
	sg_err err;
	const char *display, *uri, *params, *tag;
};

static const struct addr_case addr_cases[] = {
	{"<sip:a@b>", SG_OK, "", "sip:a@b", "", ""},
	{"  Bob   <sip:b@c;lr> ; tag = x1 ;foo", SG_OK, "Bob", "sip:b@c;lr", "; tag = x1 ;foo", "x1"},
	{"\"a;b<c>\" <sip:x@y>;tag=\"q\"", SG_OK, "a;b<c>", "sip:x@y", ";tag=\"q\"", "q"},
	{"sip:a@b;tag=t;expires=5", SG_OK, "", "sip:a@b", ";tag=t;expires=5", "t"},
	{"<sip:a@b", SG_E_MALFORMED, NULL, NULL, NULL, NULL},
	{"<sip:a@b> junk", SG_E_MALFORMED, NULL, NULL, NULL, NULL},
	{"<>", SG_E_MALFORMED, NULL, NULL, NULL, NULL},
	{"\"unterminated sip:a@b", SG_E_MALFORMED, NULL, NULL, NULL, NULL},
	{"<sip:a @b>", SG_E_MALFORMED, NULL, NULL, NULL, NULL},
};

static void test_addrs(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		const struct addr_case *c = &addr_cases[i];
		struct sip_addr a;
		struct sip_str s = {c->in, strlen(c->in)};
		struct sg_error e;

		sg_error_init(&e);
		if (sip_addr_parse(s, &a, &e) != c->err)
			fail_msg("%s: want %d, got %s", c->in, c->err, e.detail);
		if (c->err)
			continue;
		assert_str(a.display, c->display);
		assert_str(a.uri, c->uri);
		assert_str(a.params, c->params);
		assert_str(a.tag, c->tag);
	}
}

/* ---- malformed -------------------------------------------------------- */

#define HDRS                                                                               \
	"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n" \
	"Call-ID: x\r\nCSeq: 1 REGISTER\r\n"

struct bad_case {
	const char *name;
	const char *raw;
	size_t len;
	const char *detail; /* substring */
};

#define BAD(name, s, d) {name, s, sizeof(s) - 1, d}

static const struct bad_case bad_cases[] = {
	BAD("empty", "", "empty"),
	BAD("only CRLFs", "\r\n\r\n", "empty"),
	BAD("not SIP", "HELLO\r\n\r\n", "no space"),
	BAD("HTTP", "HTTP/1.1 200 OK\r\n" HDRS "\r\n", "neither"),
	BAD("missing CRLF at the end", "SIP/2.0 200 OK\r\n" HDRS, "missing CRLF"),
	BAD("no line end at all", "SIP/2.0 200 OK", "missing CRLF"),
	BAD("bare LF", "SIP/2.0 200 OK\n" HDRS "\r\n", "bare CR or LF on line 1"),
	BAD("bare CR", "SIP/2.0 200 OK\r\nVia: a\rb\r\n\r\n", "bare CR or LF on line 2"),
	BAD("NUL in a header", "SIP/2.0 200 OK\r\nVia: a\0b\r\n\r\n", "NUL byte on line 2"),
	BAD("NUL in the start line", "SIP/2.0 200 O\0K\r\n" HDRS "\r\n", "NUL byte on line 1"),
	BAD("no colon", "SIP/2.0 200 OK\r\n" HDRS "Expires 5\r\n\r\n", "no colon"),
	BAD("no name", "SIP/2.0 200 OK\r\n" HDRS ": 5\r\n\r\n", "no name"),
	BAD("fold at the first header", "SIP/2.0 200 OK\r\n folded: x\r\n" HDRS "\r\n",
	    "continues a header"),
	BAD("status 99", "SIP/2.0 099 Low\r\n" HDRS "\r\n", "status code"),
	BAD("status 700", "SIP/2.0 700 High\r\n" HDRS "\r\n", "status code"),
	BAD("status 2 digits", "SIP/2.0 20 OK\r\n" HDRS "\r\n", "status code"),
	BAD("status letters", "SIP/2.0 2x0 OK\r\n" HDRS "\r\n", "status code"),
	BAD("SIP/3.0", "SIP/3.0 200 OK\r\n" HDRS "\r\n", "other than SIP/2.0"),
	BAD("request without version", "REGISTER sip:a\r\n" HDRS "\r\n", "request line"),
	BAD("request, two spaces", "REGISTER  sip:a SIP/2.0\r\n" HDRS "\r\n", "request line"),
	BAD("request, bad method", "REG<ISTER sip:a SIP/2.0\r\n" HDRS "\r\n", "neither"),
	BAD("control char in reason", "SIP/2.0 200 O\x01K\r\n" HDRS "\r\n", "control character"),
	BAD("no Via", "SIP/2.0 200 OK\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
		      "Call-ID: x\r\nCSeq: 1 REGISTER\r\n\r\n", "no Via"),
	BAD("no Call-ID", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>\r\n"
			  "To: <sip:a@b>\r\nCSeq: 1 REGISTER\r\n\r\n", "no Call-ID"),
	BAD("repeated CSeq", "SIP/2.0 200 OK\r\n" HDRS "CSeq: 2 REGISTER\r\n\r\n",
	    "CSeq header appears 2 times"),
	BAD("two From (compact and full)", "SIP/2.0 200 OK\r\n" HDRS "f: <sip:x@y>\r\n\r\n",
	    "From header appears 2 times"),
	BAD("bad CSeq number", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>\r\n"
			       "To: <sip:a@b>\r\nCall-ID: x\r\nCSeq: abc REGISTER\r\n\r\n",
	    "CSeq header"),
	BAD("CSeq too big", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>\r\n"
			    "To: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 2147483648 REGISTER\r\n\r\n",
	    "below 2^31"),
	BAD("CSeq without method", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>\r\n"
				   "To: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1\r\n\r\n",
	    "CSeq header"),
	BAD("CSeq method differs", "OPTIONS sip:a SIP/2.0\r\n" HDRS "\r\n", "CSeq method"),
	BAD("huge Content-Length", "SIP/2.0 200 OK\r\n" HDRS "Content-Length: 99999999\r\n\r\nab",
	    "Content-Length 99999999 but only 2 bytes"),
	BAD("Content-Length over 10^9", "SIP/2.0 200 OK\r\n" HDRS "l: 18446744073709551617\r\n\r\n",
	    "below 10^9"),
	BAD("Content-Length not a number", "SIP/2.0 200 OK\r\n" HDRS "l: 1a\r\n\r\n",
	    "not a number"),
	BAD("negative Content-Length", "SIP/2.0 200 OK\r\n" HDRS "l: -1\r\n\r\n", "not a number"),
	BAD("Content-Length disagree", "SIP/2.0 200 OK\r\n" HDRS "l: 1\r\nContent-Length: 2\r\n"
				       "\r\nab", "disagree"),
};

static void test_malformed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct sip_msg m;
		struct sg_error e;

		sg_error_init(&e);
		if (sip_msg_parse(&m, (const uint8_t *)c->raw, c->len, &e) != SG_E_MALFORMED)
			fail_msg("%s: parsed", c->name);
		if (!strstr(e.detail, c->detail))
			fail_msg("%s: detail \"%s\" lacks \"%s\"", c->name, e.detail, c->detail);
	}
}

static void test_too_many_headers(void **state)
{
	char buf[8192];
	size_t n = 0;
	int i;
	struct sip_msg m;
	struct sg_error e;

	(void)state;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "SIP/2.0 200 OK\r\n" HDRS);
	for (i = 0; i < SIP_MSG_MAX_HDRS - 5; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-H%d: %d\r\n", i, i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
	parse_ok(&m, (const uint8_t *)buf, n);
	assert_int_equal(m.nhdrs, SIP_MSG_MAX_HDRS);
	n -= 2;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-One-Too-Many: 1\r\n\r\n");
	sg_error_init(&e);
	assert_int_equal(sip_msg_parse(&m, (const uint8_t *)buf, n, &e), SG_E_MALFORMED);
	assert_non_null(strstr(e.detail, "more than 64 header fields"));
}

/* Accessors on headers the parser accepts but whose values are bad. */
struct badval_case {
	const char *extra;
	int which; /* 0 via, 1 contacts, 2 expires, 3 retry-after, 4 challenge, 5 from */
	const char *detail;
};

static const struct badval_case badval_cases[] = {
	{"Expires: soon\r\n", 2, "Expires header: not a number"},
	{"Expires: 4294967296\r\n", 2, "not a number"},
	{"Retry-After: x\r\n", 3, "Retry-After"},
	{"Retry-After: 12x\r\n", 3, "Retry-After"},
	{"Contact: <sip:a@b>;expires=x\r\n", 1, "expires is not a number"},
	{"Contact: <sip:a@b>;reg-id=-1\r\n", 1, "reg-id"},
	{"Contact: <sip:a@b\r\n", 1, "'<' without '>'"},
	{"WWW-Authenticate: Digest realm=\"r\"\r\n", 4, "without a nonce"},
	{"WWW-Authenticate: realm=\"r\"\r\n", 4, "no auth scheme"},
};

static void test_bad_values(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(badval_cases) / sizeof(badval_cases[0]); i++) {
		const struct badval_case *c = &badval_cases[i];
		char buf[1024];
		int n = snprintf(buf, sizeof(buf), "SIP/2.0 200 OK\r\n" HDRS "%s\r\n", c->extra);
		struct sip_msg m;
		struct sip_contact ct[2];
		struct sip_challenge ch;
		struct sg_error e;
		uint32_t v;
		int r = 0;

		parse_ok(&m, (const uint8_t *)buf, (size_t)n);
		sg_error_init(&e);
		switch (c->which) {
		case 1:
			r = sip_msg_contacts(&m, ct, 2, &e);
			break;
		case 2:
			r = sip_msg_uint(&m, SIP_HDR_EXPIRES, &v, &e);
			break;
		case 3:
			r = sip_msg_retry_after(&m, &v, &e);
			break;
		case 4:
			r = sip_msg_challenge(&m, SIP_HDR_WWW_AUTHENTICATE, 0, &ch, &e);
			break;
		}
		if (r != SIP_BAD || !strstr(e.detail, c->detail))
			fail_msg("%s: r=%d detail \"%s\"", c->extra, r, e.detail);
	}
}

static void test_bad_via(void **state)
{
	static const char *vias[] = {"SIP/2.0 h", "SIP/2.0/UDP", "SIP/1.0/UDP h", "SIP/2.0/UDP h:x",
				     "SIP/2.0/UDP h;rport=0", "SIP/2.0/UDP h junk"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vias) / sizeof(vias[0]); i++) {
		char buf[512];
		int n = snprintf(buf, sizeof(buf),
				 "SIP/2.0 200 OK\r\nVia: %s\r\nFrom: <sip:a@b>\r\nTo: <sip:a@b>\r\n"
				 "Call-ID: x\r\nCSeq: 1 REGISTER\r\n\r\n", vias[i]);
		struct sip_msg m;
		struct sip_via v;
		struct sg_error e;

		parse_ok(&m, (const uint8_t *)buf, (size_t)n);
		sg_error_init(&e);
		if (sip_msg_via(&m, &v, &e) != SG_E_MALFORMED || !strstr(e.detail, "Via"))
			fail_msg("%s: accepted (%s)", vias[i], e.detail);
	}
}

static void test_compact_names(void **state)
{
	static const struct {
		const char *name;
		enum sip_hdr_id id;
	} names[] = {
		{"v", SIP_HDR_VIA},          {"F", SIP_HDR_FROM},
		{"t", SIP_HDR_TO},           {"i", SIP_HDR_CALL_ID},
		{"m", SIP_HDR_CONTACT},      {"l", SIP_HDR_CONTENT_LENGTH},
		{"c", SIP_HDR_CONTENT_TYPE}, {"k", SIP_HDR_SUPPORTED},
		{"s", SIP_HDR_OTHER},        {"x", SIP_HDR_OTHER},
		{"cseq", SIP_HDR_CSEQ},      {"www-authenticate", SIP_HDR_WWW_AUTHENTICATE},
		{"Flow-timer", SIP_HDR_FLOW_TIMER}, {"Via2", SIP_HDR_OTHER},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(sip_hdr_lookup(names[i].name, strlen(names[i].name)), names[i].id);
}

/* ---- builder ----------------------------------------------------------- */

static void test_build_register(void **state)
{
	static const char want_full[] =
		"REGISTER sips:example.org SIP/2.0\r\n"
		"Via: SIP/2.0/TLS abc.invalid;branch=z9hG4bK0123;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@example.org>;tag=t1\r\n"
		"To: <sip:alice@example.org>\r\n"
		"Call-ID: cid1\r\n"
		"CSeq: 42 REGISTER\r\n"
		"Contact: <sips:alice@abc.invalid;ob>;+sip.instance=\"<urn:uuid:00000000-0000-"
		"1000-8000-000A95A0E128>\";reg-id=1\r\n"
		"Expires: 600\r\n"
		"Supported: outbound, path\r\n"
		"Authorization: Digest username=\"alice\"\r\n"
		"User-Agent: signet/0.1\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	static const char want_min[] = "REGISTER sip:example.org SIP/2.0\r\n"
				       "Via: SIP/2.0/UDP h:5060;branch=z9hG4bK1;rport\r\n"
				       "Max-Forwards: 70\r\n"
				       "From: <sip:bob@example.org>;tag=t\r\n"
				       "To: <sip:bob@example.org>\r\n"
				       "Call-ID: c\r\n"
				       "CSeq: 1 REGISTER\r\n"
				       "Contact: <sip:bob@h:5060>\r\n"
				       "Expires: 0\r\n"
				       "Content-Length: 0\r\n"
				       "\r\n";
	struct sip_register r = {
		"sips:example.org", "TLS", "abc.invalid", "z9hG4bK0123", "sip:alice@example.org",
		"t1", "cid1", 42, "sips:alice@abc.invalid", "urn:uuid:00000000-0000-1000-8000-000A95A0E128",
		1, 1, 1, 600, "Authorization", "Digest username=\"alice\"", "signet/0.1"};
	struct sip_register r2 = {"sip:example.org", "UDP", "h:5060", "z9hG4bK1",
				  "sip:bob@example.org", "t", "c", 1, "sip:bob@h:5060", NULL, 0, 0,
				  0, 0, NULL, NULL, NULL};
	char buf[1024];
	size_t len = 0;
	struct sg_error e;
	struct sip_msg m;

	(void)state;
	sg_error_init(&e);
	assert_int_equal(sip_build_register(&r, buf, sizeof(buf), &len, &e), SG_OK);
	assert_string_equal(buf, want_full);
	assert_int_equal(len, strlen(want_full));
	parse_ok(&m, (const uint8_t *)buf, len); /* what we build, we parse */
	assert_int_equal(sip_build_register(&r2, buf, sizeof(buf), &len, &e), SG_OK);
	assert_string_equal(buf, want_min);

	/* too small a buffer: refused, never cut */
	assert_int_equal(sip_build_register(&r, buf, strlen(want_full), &len, &e), SG_E_NOMEM);
	assert_string_equal(buf, "");
	assert_int_equal(sip_build_register(&r, buf, strlen(want_full) + 1, &len, &e), SG_OK);
	/* header injection */
	r.user_agent = "x\r\nEvil: 1";
	assert_int_equal(sip_build_register(&r, buf, sizeof(buf), &len, &e), SG_E_CONFIG);
	r.user_agent = NULL;
	r.instance = "a\"b";
	assert_int_equal(sip_build_register(&r, buf, sizeof(buf), &len, &e), SG_E_CONFIG);
	r.instance = NULL;
	r.call_id = NULL;
	assert_int_equal(sip_build_register(&r, buf, sizeof(buf), &len, &e), SG_E_CONFIG);
}

/* ---- stream framer ------------------------------------------------------ */

struct collect {
	char out[4096];
	size_t n;
	int msgs, pongs, reset_after;
	struct sip_stream *s;
};

static void col_msg(const uint8_t *msg, size_t len, void *arg)
{
	struct collect *c = arg;

	c->msgs++;
	c->n += (size_t)snprintf(c->out + c->n, sizeof(c->out) - c->n, "[%.*s]", (int)len,
				 (const char *)msg);
	if (c->reset_after && c->msgs == c->reset_after)
		sip_stream_reset(c->s);
}

static void col_pong(void *arg)
{
	struct collect *c = arg;

	c->pongs++;
	c->n += (size_t)snprintf(c->out + c->n, sizeof(c->out) - c->n, "P");
}

struct stream_case {
	const char *in;
	size_t max;
	sg_err err;
	const char *want; /* what the handlers saw */
};

#define M1 "SIP/2.0 200 OK\r\nl: 3\r\n\r\nabc"
#define M2 "SIP/2.0 100 Trying\r\nX: y\r\n\r\n"

static const struct stream_case stream_cases[] = {
	{M1, 0, SG_OK, "[" M1 "]"},
	{M1 M2, 0, SG_OK, "[" M1 "][" M2 "]"},
	{"\r\n" M1 "\r\n\r\n" M2 "\r\n", 0, SG_OK, "P[" M1 "]P[" M2 "]P"},
	{M2 "SIP/2.0 200", 0, SG_OK, "[" M2 "]"}, /* the rest waits */
	{"SIP/2.0 200 OK\r\nContent-Length: 10\r\n\r\nshort", 0, SG_OK, ""},
	{"SIP/2.0 200 OK\r\ncontent-length :  0  \r\n\r\n", 0, SG_OK,
	 "[SIP/2.0 200 OK\r\ncontent-length :  0  \r\n\r\n]"},
	{"SIP/2.0 200 OK\r\nContent-Length: 1x\r\n\r\n", 0, SG_E_MALFORMED, ""},
	{"SIP/2.0 200 OK\r\nl: 1\r\nl: 2\r\n\r\nab", 0, SG_E_MALFORMED, ""},
	{"SIP/2.0 200 OK\r\nContent-Length: 4294967296000\r\n\r\n", 0, SG_E_MALFORMED, ""},
	/* Ten digits are refused as sip_msg_parse refuses them: 2^32 + 5 read
	 * into a 32-bit size_t was 5 (the framer cut a 5-byte body the parser
	 * then refused, and the next "message" began inside the body), and
	 * ten digits with leading zeros were framed here on any board. */
	{"SIP/2.0 200 OK\r\nContent-Length: 4294967301\r\n\r\nabcde", 0, SG_E_MALFORMED, ""},
	{"SIP/2.0 200 OK\r\nl: 0000000005\r\n\r\nabcde", 0, SG_E_MALFORMED, ""},
	{"SIP/2.0 200 OK\r\nl: 000000005\r\n\r\nabcde", 0, SG_OK,
	 "[SIP/2.0 200 OK\r\nl: 000000005\r\n\r\nabcde]"},
	{"SIP/2.0 200 OK\r\nContent-Length: 100\r\n\r\n", 64, SG_E_MALFORMED, ""},
	{"SIP/2.0 200 OK\r\nX-Long: 0123456789012345678901234567890123456789012345678901234567890"
	 "123456789\r\n\r\n", 64, SG_E_MALFORMED, ""},
	{M1 "junk without end of head", 0, SG_OK, "[" M1 "]"},
};

static void run_stream(const struct stream_case *c, size_t chunk, size_t ci)
{
	struct sip_stream s;
	struct collect col;
	size_t n = strlen(c->in), off = 0;
	sg_err err = SG_OK;
	struct sg_error e;

	memset(&col, 0, sizeof(col));
	sg_error_init(&e);
	sip_stream_init(&s, c->max, col_msg, col_pong, &col);
	while (off < n && !err) {
		size_t k = chunk && chunk < n - off ? chunk : n - off;

		err = sip_stream_feed(&s, (const uint8_t *)c->in + off, k, &e);
		off += k;
	}
	if (err != c->err)
		fail_msg("case %zu chunk %zu: err %d (%s)", ci, chunk, err, e.detail);
	/* pongs can be split by a chunk boundary: compare without them */
	if (!chunk || !strchr(c->want, 'P')) {
		if (strcmp(col.out, c->want))
			fail_msg("case %zu chunk %zu: got %s", ci, chunk, col.out);
	}
	sip_stream_free(&s);
}

static void test_stream(void **state)
{
	static const size_t chunks[] = {0, 1, 2, 3, 5, 7, 64};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(stream_cases) / sizeof(stream_cases[0]); i++)
		for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++)
			run_stream(&stream_cases[i], chunks[k], i);
}

static void test_stream_reset_in_handler(void **state)
{
	struct sip_stream s;
	struct collect col;
	struct sg_error e;
	static const char two[] = M1 M2;

	(void)state;
	memset(&col, 0, sizeof(col));
	col.s = &s;
	col.reset_after = 1;
	sg_error_init(&e);
	sip_stream_init(&s, 0, col_msg, col_pong, &col);
	assert_int_equal(sip_stream_feed(&s, RAW(two), &e), SG_OK);
	assert_int_equal(col.msgs, 1); /* the second one went with the reset */
	assert_int_equal(s.len, 0);
	col.reset_after = 0;
	assert_int_equal(sip_stream_feed(&s, RAW(M2), &e), SG_OK);
	assert_int_equal(col.msgs, 2);
	/* after a framing error the stream refuses until reset */
	assert_int_equal(sip_stream_feed(&s, RAW("SIP/2.0 200 OK\r\nl: x\r\n\r\n"), &e),
			 SG_E_MALFORMED);
	assert_int_equal(sip_stream_feed(&s, RAW(M2), &e), SG_E_MALFORMED);
	sip_stream_reset(&s);
	assert_int_equal(sip_stream_feed(&s, RAW(M2), &e), SG_OK);
	assert_int_equal(col.msgs, 3);
	sip_stream_free(&s);
	assert_int_equal(sg_mem_current(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_torture_accessors),
		cmocka_unit_test(test_challenge_and_numbers),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_uris),
		cmocka_unit_test(test_addrs),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_too_many_headers),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bad_via),
		cmocka_unit_test(test_compact_names),
		cmocka_unit_test(test_build_register),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_stream_reset_in_handler),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
