/* fuzz_sip.c: libFuzzer harness for the SIP message parser, its header
 * accessors (sip/sip_msg.c, sip/sip_hdr.c), the stream framer
 * (sip/sip_stream.c) and what Digest makes of a challenge
 * (sip/sip_digest.c: sip_digest_take, the Authorization it answers with).
 * The registration client's handling of whole responses is fuzz_sipreg.
 *
 * Input: byte 0 seeds the sizes of the chunks the rest is fed to the
 * framer in; the rest is what a peer sent. The whole input is also parsed
 * as one datagram and every accessor is run on the result. Nothing may
 * crash, hang, read outside the input or leak; a parsed message must
 * stay within the bytes given; an error must say what it is. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sg_mem.h"
#include "sip_digest.h"
#include "sip_msg.h"
#include "sip_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                        \
	do {                               \
		if (!(cond))               \
			__builtin_trap();  \
	} while (0)

static int fixed_rng(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0xa5, len);
	return HAL_OK;
}

static const struct hal_rng_ops rng_ops = {fixed_rng};
static const struct hal_rng rng = {&rng_ops, NULL};

/* A line break in a header value is a folded line (CRLF then a blank) or
 * an injected header. */
static void no_injection(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			__builtin_trap();
		if (*s == '\r' && (s[1] != '\n' || (s[2] != ' ' && s[2] != '\t')))
			__builtin_trap();
		if (*s == '\r')
			s++;
	}
}

/* What the registration client does with a challenge: take it, answer it
 * (sip_digest_take, sip_digest_header). A refusal says why; an answer is
 * a header value that fits and injects nothing. */
static void digest(struct sip_digest *d, const struct sip_challenge *ch, int proxy)
{
	static const uint8_t pw[] = "pw";
	char hdr[4096];
	struct sg_error e;
	int supported = sip_digest_supported(ch);
	sg_err rc;

	sg_error_init(&e);
	rc = sip_digest_take(d, ch, proxy, &e);
	if (rc != SG_OK) {
		CHECK((rc == SG_E_REFUSED || rc == SG_E_MALFORMED) && e.detail[0]);
		CHECK(!supported || rc == SG_E_MALFORMED);
		return;
	}
	CHECK(supported);
	CHECK(memchr(d->realm, '\0', sizeof(d->realm)) && memchr(d->nonce, '\0', sizeof(d->nonce)));
	CHECK(memchr(d->opaque, '\0', sizeof(d->opaque)));
	if (sip_digest_header(d, &rng, "alice", pw, 2, "REGISTER", "sip:example.test", hdr,
			      sizeof(hdr), &e) == SG_OK) {
		CHECK(memchr(hdr, '\0', sizeof(hdr)) && !strncmp(hdr, "Digest ", 7));
		no_injection(hdr);
	}
}

static void inside(struct sip_str s, const uint8_t *d, size_t n)
{
	if (s.len)
		CHECK((const uint8_t *)s.p >= d && (const uint8_t *)s.p + s.len <= d + n);
}

static void accessors(const struct sip_msg *m, const uint8_t *d, size_t n)
{
	struct sg_error e;
	struct sip_via v;
	struct sip_addr a;
	struct sip_uri u;
	struct sip_str s;
	struct sip_contact c[4];
	struct sip_challenge ch;
	struct sip_digest dig;
	struct sip_iter it = {0, 0};
	uint32_t x;
	size_t i;
	int k;

	CHECK(m->len <= n);
	CHECK(m->body_len <= n && (m->body_len == 0 || (m->body >= d && m->body + m->body_len <= d + n)));
	CHECK(m->nhdrs <= SIP_MSG_MAX_HDRS);
	CHECK(m->is_request || (m->status >= 100 && m->status <= 699));
	for (i = 0; i < m->nhdrs; i++) {
		inside(m->hdrs[i].name, d, n);
		inside(m->hdrs[i].value, d, n);
	}
	memset(&dig, 0, sizeof(dig));
	sg_error_init(&e);
	if (sip_msg_via(m, &v, &e) == SG_OK) {
		inside(v.host, d, n);
		inside(v.branch, d, n);
	} else {
		CHECK(e.detail[0]);
	}
	if (sip_msg_from(m, &a, &e) == SG_OK) {
		inside(a.uri, d, n);
		if (sip_uri_parse(a.uri, &u, &e) == SG_OK)
			inside(u.host, d, n);
	}
	(void)sip_msg_to(m, &a, &e);
	CHECK(sip_msg_call_id(m, &s, &e) == SG_OK || e.code == SG_E_MALFORMED);
	CHECK(sip_msg_cseq(m, &x, &s, &e) == SG_OK); /* the parser checked it */
	k = sip_msg_contacts(m, c, 4, &e);
	for (i = 0; k > 0 && i < (size_t)k && i < 4; i++) {
		inside(c[i].addr.uri, d, n);
		inside(c[i].instance, d, n);
		if (!c[i].star)
			(void)sip_uri_parse(c[i].addr.uri, &u, &e);
	}
	(void)sip_msg_uint(m, SIP_HDR_EXPIRES, &x, &e);
	(void)sip_msg_uint(m, SIP_HDR_MIN_EXPIRES, &x, &e);
	(void)sip_msg_uint(m, SIP_HDR_FLOW_TIMER, &x, &e);
	(void)sip_msg_retry_after(m, &x, &e);
	(void)sip_msg_has_option(m, SIP_HDR_REQUIRE, "outbound");
	(void)sip_msg_has_option(m, SIP_HDR_SUPPORTED, "path");
	for (i = 0; i < 3; i++) {
		if (sip_msg_challenge(m, SIP_HDR_WWW_AUTHENTICATE, i, &ch, &e) != SIP_FOUND)
			break;
		inside(ch.nonce, d, n);
		inside(ch.realm, d, n);
		(void)sip_str_list_has(ch.qop, "auth");
		digest(&dig, &ch, 0);
	}
	if (sip_msg_challenge(m, SIP_HDR_PROXY_AUTHENTICATE, 0, &ch, &e) == SIP_FOUND)
		digest(&dig, &ch, 1);
	while (sip_msg_next(m, SIP_HDR_VIA, &it, &s))
		inside(s, d, n);
}

struct framed {
	int msgs;
};

static void on_msg(const uint8_t *msg, size_t len, void *arg)
{
	struct framed *f = arg;
	struct sip_msg *m = sg_calloc(1, sizeof(*m));
	struct sg_error e;

	CHECK(m != NULL);
	CHECK(len > 0);
	sg_error_init(&e);
	if (sip_msg_parse(m, msg, len, &e) == SG_OK)
		accessors(m, msg, len);
	else
		CHECK(e.code == SG_E_MALFORMED && e.detail[0]);
	sg_free(m);
	f->msgs++;
}

static void on_pong(void *arg)
{
	(void)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_msg *m;
	struct sip_stream st;
	struct framed f = {0};
	struct sg_error e;
	size_t before = sg_mem_current(), off = 0;
	uint32_t seed;

	if (size < 1)
		return 0;
	seed = data[0] | 0x100u;
	data++;
	size--;

	m = sg_calloc(1, sizeof(*m));
	CHECK(m != NULL);
	sg_error_init(&e);
	if (sip_msg_parse(m, data, size, &e) == SG_OK)
		accessors(m, data, size);
	else
		CHECK(e.code == SG_E_MALFORMED && e.detail[0]);
	sg_free(m);

	/* small limit on odd seeds so the size bound is exercised too */
	sip_stream_init(&st, (seed & 1) ? 512 : 0, on_msg, on_pong, &f);
	while (off < size) {
		size_t k;

		seed = seed * 1103515245u + 12345u;
		k = 1 + (seed >> 16) % 97;
		if (k > size - off)
			k = size - off;
		if (sip_stream_feed(&st, data + off, k, &e) != SG_OK) {
			CHECK(e.code == SG_E_MALFORMED || e.code == SG_E_NOMEM);
			break;
		}
		off += k;
	}
	CHECK(st.len <= st.max);
	sip_stream_free(&st);
	CHECK(sg_mem_current() == before);
	return 0;
}
