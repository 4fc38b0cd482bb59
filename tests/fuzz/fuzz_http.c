/* fuzz_http.c: libFuzzer harness for the HTTP response parser (auth/pki/http.c).
 *
 * Input: byte 0 picks max_body, byte 1 seeds the sizes of the pieces the
 * rest is fed in (so a response split at any point is explored), the rest
 * is what a server sent. The parser must never crash, hang, read past a
 * piece or leak; a finished response must keep its promises (final status,
 * body within max_body); and the outcome must not depend on how the bytes
 * were split: the same input fed whole must give the same result. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http.h"
#include "sg_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                        \
	do {                               \
		if (!(cond))               \
			__builtin_trap();  \
	} while (0)

struct result {
	enum http_parse_state st;
	sg_err err;
	struct http_response resp;
};

/* seed 0: the whole input at once; else pieces of 1..64 bytes. */
static void parse(const uint8_t *d, size_t n, size_t max_body, uint32_t seed, struct result *out)
{
	struct http_parser *p = sg_calloc(1, http_parser_size());
	struct sg_error e;
	size_t off = 0;

	CHECK(p != NULL);
	memset(out, 0, sizeof(*out));
	sg_error_init(&e);
	http_parser_init(p, max_body);
	out->st = HTTP_PARSE_MORE;
	while (off < n && out->st == HTTP_PARSE_MORE) {
		size_t k = n - off;

		if (seed) {
			seed = seed * 1103515245u + 12345u;
			k = 1 + (seed >> 16) % 64;
			if (k > n - off)
				k = n - off;
		}
		out->st = http_parser_feed(p, d + off, k, &e);
		off += k;
	}
	if (out->st == HTTP_PARSE_MORE)
		out->st = http_parser_eof(p, &e);
	CHECK(out->st == HTTP_PARSE_DONE || out->st == HTTP_PARSE_ERROR);
	out->err = e.code;
	if (out->st == HTTP_PARSE_ERROR) {
		CHECK(e.code == SG_E_MALFORMED || e.code == SG_E_NETWORK || e.code == SG_E_NOMEM);
		CHECK(e.detail[0] != '\0');
	} else {
		CHECK(e.code == SG_OK);
		http_parser_take(p, &out->resp);
	}
	http_parser_release(p);
	sg_free(p);
}

static void check_response(const struct http_response *r, size_t max_body)
{
	CHECK(r->status >= 100 && r->status <= 599);
	CHECK(r->status >= 200); /* interim responses are skipped */
	CHECK(r->body_len <= max_body);
	CHECK(r->body_len == 0 || r->body != NULL);
	CHECK(memchr(r->content_type, '\0', sizeof(r->content_type)) != NULL);
	if (r->status == 204 || r->status == 304)
		CHECK(r->body_len == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t max_bodies[8] = {0, 1, 7, 64, 1000, 4096, 65536, 1u << 20};
	struct result split, whole;
	size_t before = sg_mem_current(), max_body;
	uint32_t seed;

	if (size < 2)
		return 0;
	max_body = max_bodies[data[0] & 7];
	seed = data[1] | 0x100u; /* never 0: always really split */
	data += 2;
	size -= 2;

	parse(data, size, max_body, seed, &split);
	parse(data, size, max_body, 0, &whole);
	CHECK(split.st == whole.st && split.err == whole.err);
	if (split.st == HTTP_PARSE_DONE) {
		check_response(&split.resp, max_body);
		CHECK(split.resp.status == whole.resp.status);
		CHECK(split.resp.body_len == whole.resp.body_len);
		CHECK(split.resp.body_len == 0 ||
		      memcmp(split.resp.body, whole.resp.body, split.resp.body_len) == 0);
		CHECK(strcmp(split.resp.content_type, whole.resp.content_type) == 0);
	}
	http_response_free(&split.resp);
	http_response_free(&whole.resp);
	CHECK(sg_mem_current() == before); /* nothing held after release */
	return 0;
}
