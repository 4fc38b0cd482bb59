/*
 * linux_net.c: TCP and connected-UDP sockets; a handle is the fd.
 *
 * connect() bounds name resolution too: literals are parsed at once, names
 * go through getaddrinfo_a() and gai_suspend(). A lookup that outlives its
 * timeout and cannot be cancelled is parked and freed once it finishes (at
 * the next connect or at fini), because the resolver still writes into it.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "linux_dev.h"

struct net_lookup {
	struct gaicb cb;
	struct addrinfo hints;
	char host[256];
	char port[8];
	struct net_lookup *next; /* parked lookups */
};

struct net_ctx {
	struct net_lookup *parked;
};

static uint64_t net_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int net_left(uint64_t deadline, int timeout_ms)
{
	uint64_t now = net_now_ms();

	if (timeout_ms < 0)
		return -1;
	return now >= deadline ? 0 : (int)(deadline - now);
}

static void net_lookup_free(struct net_lookup *lk)
{
	if (lk->cb.ar_result)
		freeaddrinfo(lk->cb.ar_result);
	free(lk);
}

static void net_reap(struct net_ctx *nc, int wait)
{
	struct net_lookup **pp = &nc->parked;

	while (*pp) {
		struct net_lookup *lk = *pp;
		const struct gaicb *list[1] = {&lk->cb};

		while (wait && gai_error(&lk->cb) == EAI_INPROGRESS)
			(void)gai_suspend(list, 1, NULL);
		if (gai_error(&lk->cb) == EAI_INPROGRESS) {
			pp = &lk->next;
			continue;
		}
		*pp = lk->next;
		net_lookup_free(lk);
	}
}

static int net_gai_err(int e)
{
	switch (e) {
	case EAI_MEMORY:
		return HAL_ENOMEM;
	case EAI_AGAIN:
		return HAL_ETIMEDOUT;
	default:
		return HAL_ENOENT;
	}
}

/* Resolves host by deadline (timeout_ms < 0: no limit); *res is freed by the caller with
 * net_lookup_free (lookups) or freeaddrinfo (literals). */
static int net_resolve(struct net_ctx *nc, const struct addrinfo *hints, const char *host,
		       const char *port, uint64_t deadline, int timeout_ms, struct net_lookup **out,
		       struct addrinfo **res)
{
	struct addrinfo numeric = *hints;
	struct gaicb *list[1];
	struct net_lookup *lk;
	struct timespec ts;
	int e;

	*out = NULL;
	*res = NULL;
	numeric.ai_flags |= AI_NUMERICHOST;
	if (getaddrinfo(host, port, &numeric, res) == 0)
		return HAL_OK;
	lk = calloc(1, sizeof(*lk));
	if (!lk)
		return HAL_ENOMEM;
	if (snprintf(lk->host, sizeof(lk->host), "%s", host) >= (int)sizeof(lk->host)) {
		free(lk);
		return HAL_ENOENT;
	}
	snprintf(lk->port, sizeof(lk->port), "%s", port);
	lk->hints = *hints;
	lk->cb.ar_name = lk->host;
	lk->cb.ar_service = lk->port;
	lk->cb.ar_request = &lk->hints;
	list[0] = &lk->cb;
	if (getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0) {
		free(lk);
		return HAL_ENOMEM;
	}
	while (gai_error(&lk->cb) == EAI_INPROGRESS) {
		int left = net_left(deadline, timeout_ms);

		ts.tv_sec = left / 1000;
		ts.tv_nsec = (long)(left % 1000) * 1000000L;
		e = left == 0 ? EAI_AGAIN
			      : gai_suspend((const struct gaicb *const *)list, 1,
					    timeout_ms < 0 ? NULL : &ts);
		if (e == EAI_AGAIN && gai_error(&lk->cb) == EAI_INPROGRESS) {
			if (gai_cancel(&lk->cb) != EAI_CANCELED) {
				lk->next = nc->parked;
				nc->parked = lk;
			} else {
				net_lookup_free(lk);
			}
			return HAL_ETIMEDOUT;
		}
	}
	e = gai_error(&lk->cb);
	if (e != 0) {
		net_lookup_free(lk);
		return net_gai_err(e);
	}
	*out = lk;
	*res = lk->cb.ar_result;
	return HAL_OK;
}

static int net_errno(int e)
{
	switch (e) {
	case ECONNREFUSED:
	case ENETUNREACH:
	case EHOSTUNREACH:
	case EADDRNOTAVAIL:
	case ECONNABORTED:
		return HAL_EREFUSED;
	case ETIMEDOUT:
		return HAL_ETIMEDOUT;
	case EPIPE:
	case ECONNRESET:
	case ENOTCONN:
		return HAL_ECLOSED;
	case EAGAIN:
	case EINPROGRESS:
		return HAL_EAGAIN;
	case ENOMEM:
	case ENOBUFS:
		return HAL_ENOMEM;
	case EBADF:
	case EINVAL:
	case ENOTSOCK:
		return HAL_EINVAL;
	default:
		return HAL_EIO;
	}
}

/* One address: non-blocking connect, then wait for it within wait_ms. */
static int net_try(const struct addrinfo *ai, int wait_ms, int *fd_out)
{
	struct pollfd pfd;
	socklen_t sl = sizeof(int);
	int fd, r, soerr = 0, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return net_errno(errno);
	if (ai->ai_socktype == SOCK_STREAM)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		goto ok;
	if (errno != EINPROGRESS) {
		r = net_errno(errno);
		goto fail;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	do
		r = poll(&pfd, 1, wait_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		r = HAL_ETIMEDOUT;
		goto fail;
	}
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) {
		r = HAL_EIO;
		goto fail;
	}
	if (soerr != 0) {
		r = net_errno(soerr);
		goto fail;
	}
ok:
	*fd_out = fd;
	return HAL_OK;
fail:
	close(fd);
	return r;
}

static int net_connect(void *ctx, enum hal_net_proto proto, const char *host, uint16_t port,
		       int timeout_ms, int *handle)
{
	struct net_ctx *nc = ctx;
	uint64_t deadline = net_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	struct addrinfo hints, *res = NULL;
	const struct addrinfo *ai;
	struct net_lookup *lk = NULL;
	char portstr[8];
	int r;

	if (!host || !handle || (proto != HAL_NET_TCP && proto != HAL_NET_UDP))
		return HAL_EINVAL;
	*handle = -1;
	net_reap(nc, 0);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = proto == HAL_NET_TCP ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	r = net_resolve(nc, &hints, host, portstr, deadline, timeout_ms, &lk, &res);
	if (r != HAL_OK)
		return r;
	r = HAL_ENOENT;
	for (ai = res; ai; ai = ai->ai_next) {
		r = net_try(ai, net_left(deadline, timeout_ms), handle);
		if (r == HAL_OK || r == HAL_ETIMEDOUT)
			break;
	}
	if (lk)
		net_lookup_free(lk);
	else
		freeaddrinfo(res);
	return r;
}

static int net_send(void *ctx, int handle, const uint8_t *buf, size_t len, size_t *sent)
{
	ssize_t n;

	(void)ctx;
	*sent = 0;
	do
		n = send(handle, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? HAL_EAGAIN : net_errno(errno);
	*sent = (size_t)n;
	return HAL_OK;
}

static int net_recv(void *ctx, int handle, uint8_t *buf, size_t cap, size_t *got)
{
	int type = 0;
	socklen_t sl = sizeof(type);
	ssize_t n;

	(void)ctx;
	*got = 0;
	do
		n = recv(handle, buf, cap, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? HAL_EAGAIN : net_errno(errno);
	/* 0 is the end of a TCP stream, but a valid empty UDP datagram. */
	if (n == 0 && cap > 0 &&
	    (getsockopt(handle, SOL_SOCKET, SO_TYPE, &type, &sl) != 0 || type == SOCK_STREAM))
		return HAL_ECLOSED;
	*got = (size_t)n;
	return HAL_OK;
}

static int net_close(void *ctx, int handle)
{
	(void)ctx;
	if (handle < 0)
		return HAL_EINVAL;
	/* The fd is released even when close reports an error: never retry. */
	return close(handle) == 0 || errno == EINTR ? HAL_OK : HAL_EIO;
}

static int net_local(void *ctx, int handle, char *buf, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	int n;

	(void)ctx;
	if (handle < 0 || getsockname(handle, (struct sockaddr *)&ss, &sl) != 0)
		return HAL_EINVAL;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		n = snprintf(buf, cap, "%s:%u", host, (unsigned)ntohs(a->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		n = snprintf(buf, cap, "[%s]:%u", host, (unsigned)ntohs(a->sin6_port));
	} else {
		return HAL_ENOTSUP;
	}
	return n > 0 && (size_t)n < cap ? HAL_OK : HAL_ENOMEM;
}

/* rtnetlink: the kernel's address notices, on a non-blocking socket. */
static int net_addr_watch(void *ctx, int *handle)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
				 .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	(void)ctx;
	if (fd < 0)
		return HAL_EIO;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return HAL_EIO;
	}
	*handle = fd;
	return HAL_OK;
}

/* One RTM_DELADDR's address (IFA_LOCAL, else IFA_ADDRESS) into gone. */
static int net_addr_gone(const struct nlmsghdr *h, char *gone, size_t cap)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifa));
	const void *addr = NULL;
	char text[INET6_ADDRSTRLEN];

	if (len < 0 || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return 0;
	for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t want = ifa->ifa_family == AF_INET ? 4 : 16;

		if ((a->rta_type == IFA_LOCAL || (a->rta_type == IFA_ADDRESS && !addr)) &&
		    RTA_PAYLOAD(a) == want)
			addr = RTA_DATA(a);
	}
	if (!addr || !inet_ntop(ifa->ifa_family, addr, text, sizeof(text)))
		return 0;
	return snprintf(gone, cap, "%s", text) > 0;
}

static int net_addr_event(void *ctx, int handle, char *gone, size_t cap)
{
	uint32_t buf[2048]; /* 8 KB, aligned for nlmsghdr */
	int r = HAL_EAGAIN;

	(void)ctx;
	if (handle < 0 || !gone || !cap)
		return HAL_EINVAL;
	gone[0] = '\0';
	for (int i = 0; i < 64; i++) { /* drain, bounded */
		ssize_t n = recv(handle, buf, sizeof(buf), MSG_DONTWAIT);
		const unsigned char *p = (const unsigned char *)buf;
		size_t left = n > 0 ? (size_t)n : 0;

		if (n <= 0)
			break;
		/* NLMSG_OK/NLMSG_NEXT by hand: their int length mixes signs */
		while (left >= sizeof(struct nlmsghdr)) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)(const void *)p;
			size_t len = h->nlmsg_len, step = NLMSG_ALIGN(len);

			if (len < sizeof(*h) || len > left)
				break;
			if (h->nlmsg_type == RTM_DELADDR && net_addr_gone(h, gone, cap))
				r = HAL_OK;
			if (step >= left)
				break;
			p += step;
			left -= step;
		}
	}
	return r;
}

static const struct hal_net_ops net_ops = {
	.addr_watch = net_addr_watch,
	.addr_event = net_addr_event,
	.connect = net_connect,
	.send = net_send,
	.recv = net_recv,
	.close = net_close,
	.local = net_local,
};

int linux_net_init(struct hal_net *n)
{
	struct net_ctx *nc = calloc(1, sizeof(*nc));

	if (!nc)
		return HAL_ENOMEM;
	n->ops = &net_ops;
	n->ctx = nc;
	return HAL_OK;
}

void linux_net_fini(struct hal_net *n)
{
	if (!n->ops)
		return;
	net_reap(n->ctx, 1);
	free(n->ctx);
	n->ops = NULL;
	n->ctx = NULL;
}
