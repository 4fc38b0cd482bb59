/*
 * http.h: a small, bounded HTTP/1.1 client for CRLs and OCSP, over the HAL
 * network and event loop (no libcurl: boards without it work the same).
 *
 * Plain http:// only: what it carries (CRLs, OCSP responses) is signed,
 * and RFC 5280 / RFC 6960 distribution points are http URLs. One request
 * per connection ("Connection: close"). Bodies: Content-Length, chunked,
 * or until close; a body larger than max_body is refused, never truncated.
 *
 * Blocking: http_fetch() runs the HAL loop until the response is complete,
 * the peer fails or timeout_ms passes (name resolution and connect
 * included). A dead or slow server never holds a sign-in for longer.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "sg_err.h"

#define HTTP_HOST_MAX 255
#define HTTP_PATH_MAX 1024

struct http_url {
	char host[HTTP_HOST_MAX + 1]; /* name or IPv4 / [IPv6] without brackets */
	uint16_t port;                /* 80 when not given */
	char path[HTTP_PATH_MAX + 1]; /* "/" when not given; query kept */
};

struct http_response {
	int status;              /* 200, 404, ... */
	char content_type[128];  /* "" when absent */
	uint8_t *body;           /* sg_calloc'ed; free with http_response_free */
	size_t body_len;
};

/* Parses "http://host[:port][/path]". SG_E_CONFIG for other schemes or a
 * malformed URL (the detail names the problem, not the whole URL). */
sg_err http_url_parse(const char *url, struct http_url *out, struct sg_error *e);

/* GET (body NULL) or POST (body with content_type). Returns SG_OK with
 * *resp filled for any HTTP status (the caller judges it), SG_E_NETWORK
 * (refused, unreachable, name unknown, timed out, closed early: the detail
 * says which and names host:port), SG_E_MALFORMED (not HTTP, a bad chunk,
 * a body over max_body), SG_E_NOMEM. */
sg_err http_fetch(const struct hal *hal, const char *url, const char *content_type,
		  const uint8_t *body, size_t body_len, size_t max_body, int timeout_ms,
		  struct http_response *resp, struct sg_error *e);

void http_response_free(struct http_response *resp);

/* ---- the response parser, exposed for tests and the fuzzer ---------- */

enum http_parse_state {
	HTTP_PARSE_MORE,  /* feed more bytes */
	HTTP_PARSE_DONE,  /* the response is complete */
	HTTP_PARSE_ERROR, /* malformed; see the sg_error */
};

struct http_parser; /* opaque; sized by http_parser_size() */

size_t http_parser_size(void);
/* Prepares p (http_parser_size() bytes from sg_calloc) for one response. */
void http_parser_init(struct http_parser *p, size_t max_body);
/* Feeds bytes as they arrive. */
enum http_parse_state http_parser_feed(struct http_parser *p, const uint8_t *data, size_t len,
				       struct sg_error *e);
/* The peer closed: completes a body delimited by close, or is an error. */
enum http_parse_state http_parser_eof(struct http_parser *p, struct sg_error *e);
/* Moves the finished response out of the parser (the body too). */
void http_parser_take(struct http_parser *p, struct http_response *resp);
/* Frees what the parser holds (not the struct itself). */
void http_parser_release(struct http_parser *p);

#endif
