/*
 * fz_net.h: the other end of the network for harnesses, behind hal_net,
 * hal_loop and hal_clock: what the peer sends comes from the fuzz input,
 * time jumps from timer to timer, nothing touches a socket.
 *
 * The loop is level-triggered like poll(): a watched handle is readable
 * while the peer's bytes wait or the peer has closed, and writable while
 * it is open. recv() hands the peer's bytes out in pieces of 1..64 bytes
 * (seeded), so every split point of a stream gets tried; send() takes
 * pieces too and now and then says HAL_EAGAIN once. A UDP handle gets one
 * datagram per recv().
 *
 * A callback that keeps getting dispatched without anything moving (no
 * byte read or written, no timer) is a busy loop a real device would spin
 * in: the loop traps.
 *
 * Not thread-safe; one struct fz_net per harness.
 */
#ifndef FZ_NET_H
#define FZ_NET_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"

#define FZ_MAX_CONN 8
#define FZ_MAX_TIMERS 64
#define FZ_MAX_WATCH 16
#define FZ_MAX_DGRAMS 32

struct fz_net;

/* The client connected handle h (proto, host, port). Return HAL_OK to
 * accept, or the HAL error connect() should report. */
typedef int (*fz_connect_h)(struct fz_net *n, int h, void *arg);
/* The client sent p[0..len) on h (what send() accepted). */
typedef void (*fz_send_h)(struct fz_net *n, int h, const uint8_t *p, size_t len, void *arg);

struct fz_conn {
	int used;
	enum hal_net_proto proto;
	char host[256];
	uint16_t port;
	uint8_t *in; /* the peer's bytes not read yet: in[off..len) */
	size_t len, off, cap;
	size_t dgram[FZ_MAX_DGRAMS]; /* UDP: lengths of the queued datagrams */
	size_t ndgram;
	int peer_closed; /* after the queued bytes, recv says HAL_ECLOSED */
	int again_said;  /* send said HAL_EAGAIN last time */
};

struct fz_timer {
	int id;
	uint64_t due;
	hal_loop_timer_h h;
	void *arg;
};

struct fz_watch {
	int h, events;
	hal_loop_ready_h cb;
	void *arg;
};

struct fz_net {
	uint64_t mono;
	int64_t wall0; /* the wall clock at mono 0 */
	uint32_t rnd;
	struct fz_conn conn[FZ_MAX_CONN];
	struct fz_timer timers[FZ_MAX_TIMERS]; /* in due order, ties in order added */
	size_t ntimers;
	int next_id;
	struct fz_watch watch[FZ_MAX_WATCH];
	size_t nwatch, rr;
	int stop, running;
	unsigned long idle; /* dispatches since something moved */
	fz_connect_h on_connect;
	fz_send_h on_send;
	void *arg;
	const char *local; /* what hal_net_local() says; NULL: HAL_ENOTSUP */
};

/* A fresh network at mono 1000 ms, wall 2026-01-01; seed picks the piece
 * sizes. on_connect NULL accepts every connect. */
void fz_net_init(struct fz_net *n, uint32_t seed, fz_connect_h on_connect, fz_send_h on_send,
		 void *arg);
/* Frees the connections' buffers. */
void fz_net_free(struct fz_net *n);
/* Sets hal->net, hal->loop and hal->clock (the rest is the caller's). */
void fz_net_hal(struct fz_net *n, struct hal *hal);

/* The peer sends p[0..len) on h (one datagram on UDP). */
void fz_net_push(struct fz_net *n, int h, const uint8_t *p, size_t len);
/* The peer closes h once its queued bytes are read. */
void fz_net_peer_close(struct fz_net *n, int h);

/* Runs the loop until stopped, out of work or ms have passed: HAL_OK when
 * stopped or nothing is left, HAL_ETIMEDOUT when the time ran out (or only
 * watches that will never be ready are left). */
int fz_net_run_for(struct fz_net *n, uint64_t ms);

/* What is still registered: a client that closed everything leaves 0. */
size_t fz_net_timers(const struct fz_net *n);
size_t fz_net_watches(const struct fz_net *n);
size_t fz_net_open(const struct fz_net *n);

#endif
