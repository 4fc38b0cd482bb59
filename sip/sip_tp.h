/*
 * sip_tp.h: a SIP transport: one connection (TLS, TCP) or one "connected"
 * UDP socket to the registrar, driven by the HAL event loop.
 *
 * The registration client owns a struct sip_tp and sees only this
 * interface, so UDP, TCP and TLS (with the token's key) are
 * interchangeable. Everything is asynchronous: open() starts connecting
 * and returns; the transport reports through the event handler; received
 * messages arrive whole (stream transports frame them by Content-Length,
 * RFC 3261 18.3) through the message handler. A transport never blocks
 * the loop for longer than one non-blocking read or write.
 */
#ifndef SIP_TP_H
#define SIP_TP_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "sg_err.h"

enum sip_tp_kind {
	SIP_TP_UDP,
	SIP_TP_TCP,
	SIP_TP_TLS,
};

enum sip_tp_event {
	SIP_TP_UP,     /* connected (for TLS: handshake done, peer verified) */
	SIP_TP_DOWN,   /* closed or failed; e says why; reopen to try again */
	SIP_TP_PONG,   /* a CRLF keep-alive answer (RFC 5626 4.4.1) arrived */
};

/* A complete SIP message (request or response), msg[0..len). Valid only
 * during the call. */
typedef void (*sip_tp_msg_h)(const uint8_t *msg, size_t len, void *arg);
/* A state change; e is NULL for SIP_TP_UP and SIP_TP_PONG. */
typedef void (*sip_tp_event_h)(enum sip_tp_event ev, const struct sg_error *e, void *arg);

struct sip_tp_ops {
	/* Starts connecting to host:port (name resolution included; bounded
	 * by timeout_ms). Returns at once; SIP_TP_UP or SIP_TP_DOWN follows. */
	sg_err (*open)(void *ctx, const char *host, uint16_t port, int timeout_ms,
		       struct sg_error *e);
	/* Queues one whole message (or a keep-alive "\r\n\r\n"). SG_E_NETWORK
	 * when the transport is down. */
	sg_err (*send)(void *ctx, const uint8_t *buf, size_t len, struct sg_error *e);
	/* Closes the connection (no event is reported for it). */
	void (*close)(void *ctx);
	/* "UDP", "TCP" or "TLS" (for Via), and the local address as
	 * "host:port" once up (for Via sent-by and Contact). */
	const char *(*name)(void *ctx);
	const char *(*local)(void *ctx);
	/* Frees the transport (closes it first). */
	void (*destroy)(void *ctx);
};

struct sip_tp {
	const struct sip_tp_ops *ops;
	void *ctx;
	enum sip_tp_kind kind;
	int reliable;           /* TCP, TLS: no retransmissions (RFC 3261 17.1.2.2) */
	sip_tp_msg_h on_msg;    /* set by the owner before open */
	sip_tp_event_h on_event;
	void *arg;
	/* Set by the owner before open (NULL: none): the RFC 3263 target
	 * (SRV target name) this connection is for. TLS accepts a
	 * certificate naming it instead of the domain only when configured
	 * (sip_tls_conf.accept_target_name), and says so when it refuses. */
	const char *target_name;
};

#endif
