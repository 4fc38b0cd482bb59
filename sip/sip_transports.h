/*
 * sip_transports.h: the plain SIP transports over hal_net and hal_loop:
 * "connected" UDP and TCP (framed by sip_stream). TLS lives in
 * sip_tls.h.
 *
 * open() connects within timeout_ms (hal_net_connect may block for that
 * long, name resolution included) and reports SIP_TP_UP or SIP_TP_DOWN
 * from the loop right after, never from inside open(). The caller sets
 * tp->on_msg, on_event and arg before open(). Handlers may call send()
 * and close() on the transport; they must not destroy it.
 *
 * local() returns NULL: hal_net has no way to learn the local address
 * (no getsockname in the HAL); the registration client then uses a
 * ".invalid" sent-by and relies on rport/received (RFC 3581) and the
 * connection (RFC 5626).
 *
 * UDP: one datagram is one message (up to 16 KiB received); a datagram
 * of only CRLFs is ignored; an ICMP "port unreachable" reported by the
 * socket is SIP_TP_DOWN (SG_E_NETWORK). Sending never queues: a datagram
 * the socket cannot take now is dropped (the transaction retransmits).
 * TCP: sends are queued (up to 256 KiB) and written as the socket
 * allows; the peer closing, a reset or a framing error is SIP_TP_DOWN.
 */
#ifndef SIP_TRANSPORTS_H
#define SIP_TRANSPORTS_H

#include "hal.h"
#include "sg_err.h"
#include "sip_tp.h"

#define SIP_UDP_RECV_MAX 16384
#define SIP_TCP_QUEUE_MAX (256u * 1024u)

/* New, closed transports; destroy with tp->ops->destroy(tp->ctx).
 * SG_E_NOMEM. The hal must outlive the transport. */
sg_err sip_tp_udp_new(const struct hal *hal, struct sip_tp **out, struct sg_error *e);
sg_err sip_tp_tcp_new(const struct hal *hal, struct sip_tp **out, struct sg_error *e);

/* Describes a hal_net failure (HAL_E*) on host:port for a SIP_TP_DOWN
 * event: SG_E_NETWORK (SG_E_NOMEM for HAL_ENOMEM) with a detail such as
 * "TCP connect to registrar.example:5061: connection refused". */
sg_err sip_tp_net_err(struct sg_error *e, int hal_err, const char *what, const char *host,
		      uint16_t port);

#endif
