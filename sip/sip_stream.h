/*
 * sip_stream.h: framing SIP messages on a stream transport (TCP, TLS):
 * RFC 3261 18.3 (the head ends at the empty line, the body is
 * Content-Length bytes) and RFC 5626 4.4.1 (CRLFs between messages are
 * keep-alive pings/pongs).
 *
 * The transport feeds whatever it received; complete messages go to the
 * message handler one at a time, a run of CRLFs between messages counts
 * as one pong. Memory is bounded: the buffer grows (from 4 KiB) up to
 * max_msg, and a message (head + body) longer than that is a framing
 * error, after which the connection must be closed (the stream cannot be
 * resynchronised). A head without Content-Length counts as having none
 * (a body-less message), as the RFC requires it on streams.
 */
#ifndef SIP_STREAM_H
#define SIP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "sg_err.h"
#include "sip_tp.h"

#define SIP_STREAM_MAX_DEFAULT 65536

typedef void (*sip_stream_pong_h)(void *arg);

struct sip_stream {
	uint8_t *buf;        /* sg_calloc'ed, grows up to max */
	size_t cap, len, max;
	size_t scan;         /* where the search for the empty line resumes */
	unsigned gen;        /* bumped by reset: feed stops when a handler resets */
	int failed;          /* a framing error happened; feed refuses until reset */
	sip_tp_msg_h on_msg;
	sip_stream_pong_h on_pong;
	void *arg;
};

/* max_msg 0: SIP_STREAM_MAX_DEFAULT. Allocates nothing yet. */
void sip_stream_init(struct sip_stream *s, size_t max_msg, sip_tp_msg_h on_msg,
		     sip_stream_pong_h on_pong, void *arg);
/* Forgets buffered bytes (a new connection); keeps the buffer. May be
 * called from a handler: the feed in progress then returns SG_OK at once. */
void sip_stream_reset(struct sip_stream *s);
/* Frees the buffer. Not from a handler. */
void sip_stream_free(struct sip_stream *s);

/* Takes n received bytes and calls the handlers for what they complete.
 * SG_E_MALFORMED (message too long, bad Content-Length) or SG_E_NOMEM:
 * close the connection. Handlers may call sip_stream_reset(), not free. */
sg_err sip_stream_feed(struct sip_stream *s, const uint8_t *data, size_t n, struct sg_error *e);

#endif
