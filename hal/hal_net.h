/*
 * hal_net.h: sockets.
 *
 * A connection is an integer handle >= 0 owned by the caller until
 * hal_net_close(). Connections are non-blocking once open: send/recv return
 * HAL_EAGAIN instead of waiting, and the event loop (hal_loop.h) tells when
 * a handle is readable or writable. Only connect may block, for at most
 * timeout_ms (name resolution included).
 */
#ifndef HAL_NET_H
#define HAL_NET_H

#include <stddef.h>
#include <stdint.h>

#include "hal_err.h"

enum hal_net_proto {
	HAL_NET_TCP,
	HAL_NET_UDP, /* "connected" UDP: send/recv go to/from host:port only */
};

struct hal_net_ops {
	/* Resolves host (a name or an IPv4/IPv6 literal) and connects.
	 * HAL_ENOENT: the name does not resolve; HAL_EREFUSED: refused or
	 * unreachable; HAL_ETIMEDOUT. */
	int (*connect)(void *ctx, enum hal_net_proto proto, const char *host, uint16_t port,
		       int timeout_ms, int *handle);
	/* Sends up to len bytes; *sent says how many. HAL_EAGAIN: try later. */
	int (*send)(void *ctx, int handle, const uint8_t *buf, size_t len, size_t *sent);
	/* Receives up to cap bytes; *got says how many. HAL_ECLOSED: the peer
	 * closed (TCP); HAL_EAGAIN: nothing yet. */
	int (*recv)(void *ctx, int handle, uint8_t *buf, size_t cap, size_t *got);
	int (*close)(void *ctx, int handle);
	/* Optional: the local address of a connected handle as "host:port"
	 * ("[v6]:port" for IPv6) into buf; HAL_ENOMEM when cap is short. */
	int (*local)(void *ctx, int handle, char *buf, size_t cap);
	/* Optional: a handle (closed with close) that the loop watches for
	 * HAL_LOOP_READ: readable when a local address was added or removed
	 * (Linux: rtnetlink RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR). */
	int (*addr_watch)(void *ctx, int *handle);
	/* Optional: drains addr_watch's handle. HAL_OK: an address went away,
	 * the last one (text, no port) in gone (cap bytes); HAL_EAGAIN: none
	 * went away (added ones only, or nothing). */
	int (*addr_event)(void *ctx, int handle, char *gone, size_t cap);
};

struct hal_net {
	const struct hal_net_ops *ops;
	void *ctx;
};

static inline int hal_net_connect(const struct hal_net *n, enum hal_net_proto proto,
				  const char *host, uint16_t port, int timeout_ms, int *handle)
{
	return HAL_CALL(n, connect, proto, host, port, timeout_ms, handle);
}

static inline int hal_net_send(const struct hal_net *n, int h, const uint8_t *buf, size_t len,
			       size_t *sent)
{
	return HAL_CALL(n, send, h, buf, len, sent);
}

static inline int hal_net_recv(const struct hal_net *n, int h, uint8_t *buf, size_t cap,
			       size_t *got)
{
	return HAL_CALL(n, recv, h, buf, cap, got);
}

static inline int hal_net_close(const struct hal_net *n, int h)
{
	return HAL_CALL(n, close, h);
}

static inline int hal_net_local(const struct hal_net *n, int h, char *buf, size_t cap)
{
	return HAL_CALL(n, local, h, buf, cap);
}

static inline int hal_net_addr_watch(const struct hal_net *n, int *handle)
{
	return HAL_CALL(n, addr_watch, handle);
}

static inline int hal_net_addr_event(const struct hal_net *n, int h, char *gone, size_t cap)
{
	return HAL_CALL(n, addr_event, h, gone, cap);
}

#endif
