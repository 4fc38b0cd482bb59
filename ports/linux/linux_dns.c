/*
 * linux_dns.c: the resolver device (hal_dns.h) on c-ares, driven by the
 * port's event loop: c-ares tells which sockets to watch (sock_state_cb);
 * while a query is outstanding a DNS_TICK_MS timer lets it retransmit and
 * time out. (c-ares' own "when to wake up" call is not used: it passes a
 * struct timeval, whose time_t is 32 bits in Debian's armhf c-ares and 64
 * bits in signet's armhf build, -D_TIME_BITS=64; that board forbids it,
 * BOARD_ABI_FORBID.)
 *
 * One channel, made at the first query (so commands that never resolve
 * do not read resolv.conf). Each query is a slot: c-ares' answer is
 * parsed into it (c-ares parses the records; the answer section is walked
 * here only for the TTLs SRV and NAPTR replies do not carry in c-ares
 * 1.18), then delivered from a zero-delay timer, so a callback never runs
 * inside query(). A deadline timer answers HAL_ETIMEDOUT when c-ares is
 * not done by the query's timeout; the slot then waits for c-ares' own
 * answer (bounded by its timeouts) and is freed without a callback.
 * A/AAAA are answered from the hosts file first (ares_gethostbyname_file).
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "linux_cares.h"
#include "linux_dev.h"
#include "linux_dns_answer.h"

#define DNS_MAX_SLOTS 16
#define DNS_TRY_MS 1000 /* c-ares' first timeout; it doubles per round */
#define DNS_TRIES 2
#define DNS_TICK_MS 100 /* how often c-ares looks at its timeouts */
#define DNS_HOSTS_TTL 3600

struct dns_ctx;

struct dns_slot {
	struct dns_ctx *dc;
	int id;
	int type;
	int ares_busy;  /* c-ares has not called back yet */
	int delivered;  /* the callback ran, or the query was cancelled */
	int deadline;   /* timer ids, -1 when none */
	int now_timer;
	int status;
	size_t n;
	struct hal_dns_rr rr[HAL_DNS_MAX_RR];
	hal_dns_done_h h;
	void *arg;
};

struct dns_ctx {
	const struct hal_loop *loop;
	ares_channel ch;
	int ch_ok;
	char *servers;
	int timer; /* c-ares' wake-up, -1 when none */
	int next_id;
	struct dns_slot *slot[DNS_MAX_SLOTS];
};

static void dns_reschedule(struct dns_ctx *dc);

static void dns_slot_release(struct dns_slot *s)
{
	struct dns_ctx *dc = s->dc;
	size_t i;

	if (s->ares_busy || !s->delivered)
		return;
	for (i = 0; i < DNS_MAX_SLOTS; i++)
		if (dc->slot[i] == s)
			dc->slot[i] = NULL;
	free(s);
}

static void dns_on_ready(int fd, int events, void *arg)
{
	struct dns_ctx *dc = arg;

	ares_process_fd(dc->ch, (events & (HAL_LOOP_READ | HAL_LOOP_ERROR)) ? fd : ARES_SOCKET_BAD,
			(events & HAL_LOOP_WRITE) ? fd : ARES_SOCKET_BAD);
	dns_reschedule(dc);
}

static void dns_on_timer(void *arg)
{
	struct dns_ctx *dc = arg;

	dc->timer = -1;
	ares_process_fd(dc->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	dns_reschedule(dc);
}

static void dns_reschedule(struct dns_ctx *dc)
{
	size_t i;

	if (dc->timer >= 0)
		hal_loop_cancel_timer(dc->loop, dc->timer);
	dc->timer = -1;
	if (!dc->ch_ok)
		return;
	for (i = 0; i < DNS_MAX_SLOTS; i++)
		if (dc->slot[i] && dc->slot[i]->ares_busy)
			break;
	if (i == DNS_MAX_SLOTS)
		return; /* nothing outstanding: no timer */
	if (hal_loop_add_timer(dc->loop, DNS_TICK_MS, dns_on_timer, dc, &dc->timer) != HAL_OK)
		dc->timer = -1;
}

static void dns_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_ctx *dc = data;
	int ev = (readable ? HAL_LOOP_READ : 0) | (writable ? HAL_LOOP_WRITE : 0);

	hal_loop_watch(dc->loop, (int)fd, ev, ev ? dns_on_ready : NULL, dc);
}

#ifdef LINUX_CARES_DLOPEN
#include <dlfcn.h>

struct linux_cares linux_cares;

int linux_cares_load(void)
{
	static const char *const names[] = {
		"ares_library_init", "ares_init_options", "ares_set_servers_ports_csv",
		"ares_destroy", "ares_process_fd", "ares_query", "ares_gethostbyname_file",
		"ares_free_hostent", "ares_expand_name", "ares_free_string", "ares_free_data",
		"ares_parse_srv_reply", "ares_parse_naptr_reply", "ares_parse_a_reply",
		"ares_parse_aaaa_reply",
	};
	void *fn[sizeof(names) / sizeof(names[0])];
	void *dl;
	size_t i;

	if (linux_cares.dl)
		return 0;
	dl = dlopen("libcares.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!dl)
		return -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fn[i] = dlsym(dl, names[i]);
		if (!fn[i]) {
			dlclose(dl);
			return -1;
		}
	}
	/* In the order of struct linux_cares. */
	i = 0;
	*(void **)&linux_cares.library_init = fn[i++];
	*(void **)&linux_cares.init_options = fn[i++];
	*(void **)&linux_cares.set_servers_ports_csv = fn[i++];
	*(void **)&linux_cares.destroy = fn[i++];
	*(void **)&linux_cares.process_fd = fn[i++];
	*(void **)&linux_cares.query = fn[i++];
	*(void **)&linux_cares.gethostbyname_file = fn[i++];
	*(void **)&linux_cares.free_hostent = fn[i++];
	*(void **)&linux_cares.expand_name = fn[i++];
	*(void **)&linux_cares.free_string = fn[i++];
	*(void **)&linux_cares.free_data = fn[i++];
	*(void **)&linux_cares.parse_srv_reply = fn[i++];
	*(void **)&linux_cares.parse_naptr_reply = fn[i++];
	*(void **)&linux_cares.parse_a_reply = fn[i++];
	*(void **)&linux_cares.parse_aaaa_reply = fn[i++];
	if (linux_cares.library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
		dlclose(dl);
		return -1;
	}
	linux_cares.dl = dl; /* stays loaded for the process */
	return 0;
}
#endif

static int dns_channel(struct dns_ctx *dc)
{
	struct ares_options o;

	if (dc->ch_ok)
		return HAL_OK;
#ifdef LINUX_CARES_DLOPEN
	if (linux_cares_load())
		return HAL_EIO; /* no c-ares on this machine: no resolver */
#endif
	memset(&o, 0, sizeof(o));
	o.sock_state_cb = dns_sock_state;
	o.sock_state_cb_data = dc;
	o.timeout = DNS_TRY_MS;
	o.tries = DNS_TRIES;
	if (ares_init_options(&dc->ch, &o, ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS |
						ARES_OPT_TRIES) != ARES_SUCCESS)
		return HAL_EIO;
	if (dc->servers && ares_set_servers_ports_csv(dc->ch, dc->servers) != ARES_SUCCESS) {
		ares_destroy(dc->ch);
		return HAL_EINVAL;
	}
	dc->ch_ok = 1;
	return HAL_OK;
}

static void dns_deliver(struct dns_slot *s)
{
	struct dns_ctx *dc = s->dc;

	if (s->delivered)
		return;
	s->delivered = 1;
	if (s->deadline >= 0)
		hal_loop_cancel_timer(dc->loop, s->deadline);
	if (s->now_timer >= 0)
		hal_loop_cancel_timer(dc->loop, s->now_timer);
	s->deadline = s->now_timer = -1;
	s->h(s->arg, s->status, s->rr, s->n);
	dns_slot_release(s);
}

static void dns_on_now(void *arg)
{
	struct dns_slot *s = arg;

	s->now_timer = -1;
	dns_deliver(s);
}

static void dns_on_deadline(void *arg)
{
	struct dns_slot *s = arg;

	s->deadline = -1;
	s->status = HAL_ETIMEDOUT;
	s->n = 0;
	dns_deliver(s);
}

static void dns_parse(struct dns_slot *s, const unsigned char *abuf, int alen)
{
	s->status = linux_dns_answer(s->type, abuf, alen, s->rr, &s->n);
}

static void dns_on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_slot *s = arg;

	(void)timeouts;
	s->ares_busy = 0;
	if (s->delivered) {
		dns_slot_release(s);
		return;
	}
	switch (status) {
	case ARES_SUCCESS:
		dns_parse(s, abuf, alen);
		break;
	case ARES_ENODATA:
		s->status = HAL_OK;
		break;
	case ARES_ENOTFOUND:
		s->status = HAL_ENOENT;
		break;
	case ARES_ETIMEOUT:
	case ARES_ECONNREFUSED: /* nobody listening: as good as no answer */
		s->status = HAL_ETIMEDOUT;
		break;
	case ARES_ENOMEM:
		s->status = HAL_ENOMEM;
		break;
	default:
		s->status = HAL_EIO;
		break;
	}
	if (status == ARES_EDESTRUCTION) {
		s->delivered = 1; /* the port is going away: nobody to tell */
		return;
	}
	if (hal_loop_add_timer(s->dc->loop, 0, dns_on_now, s, &s->now_timer) != HAL_OK) {
		s->now_timer = -1;
		dns_deliver(s);
	}
}

/* A/AAAA from the hosts file: 1 when found (answer filled). */
static int dns_hosts(struct dns_ctx *dc, struct dns_slot *s, const char *name)
{
	struct hostent *he = NULL;
	int fam = s->type == HAL_DNS_A ? AF_INET : AF_INET6;
	char **a;

	if (ares_gethostbyname_file(dc->ch, name, fam, &he) != ARES_SUCCESS || !he)
		return 0;
	for (a = he->h_addr_list; a && *a && s->n < HAL_DNS_MAX_RR; a++) {
		struct hal_dns_rr *rr = &s->rr[s->n++];

		inet_ntop(fam, *a, rr->target, sizeof(rr->target));
		rr->ttl = DNS_HOSTS_TTL;
	}
	ares_free_hostent(he);
	s->status = HAL_OK;
	return s->n > 0;
}

static int dns_query(void *ctx, const char *name, enum hal_dns_type type, uint32_t timeout_ms,
		     hal_dns_done_h h, void *arg, int *id)
{
	struct dns_ctx *dc = ctx;
	struct dns_slot *s;
	size_t i, len = name ? strlen(name) : 0;
	int r;

	if (!h || !len || len > HAL_DNS_NAME_MAX ||
	    (type != HAL_DNS_A && type != HAL_DNS_AAAA && type != HAL_DNS_SRV &&
	     type != HAL_DNS_NAPTR))
		return HAL_EINVAL;
	r = dns_channel(dc);
	if (r != HAL_OK)
		return r;
	for (i = 0; i < DNS_MAX_SLOTS && dc->slot[i]; i++)
		;
	if (i == DNS_MAX_SLOTS)
		return HAL_ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		return HAL_ENOMEM;
	s->dc = dc;
	s->id = dc->next_id;
	dc->next_id = dc->next_id >= 0x7fffffff ? 1 : dc->next_id + 1;
	s->type = (int)type;
	s->h = h;
	s->arg = arg;
	s->deadline = s->now_timer = -1;
	if ((type == HAL_DNS_A || type == HAL_DNS_AAAA) && dns_hosts(dc, s, name)) {
		if (hal_loop_add_timer(dc->loop, 0, dns_on_now, s, &s->now_timer) != HAL_OK) {
			free(s);
			return HAL_ENOMEM;
		}
	} else {
		if (hal_loop_add_timer(dc->loop, timeout_ms, dns_on_deadline, s, &s->deadline) !=
		    HAL_OK) {
			free(s);
			return HAL_ENOMEM;
		}
		s->ares_busy = 1;
		dc->slot[i] = s;
		ares_query(dc->ch, name, 1 /* IN */, (int)type, dns_on_answer, s);
		dns_reschedule(dc);
	}
	dc->slot[i] = s;
	if (id)
		*id = s->id;
	return HAL_OK;
}

static int dns_cancel(void *ctx, int id)
{
	struct dns_ctx *dc = ctx;
	size_t i;

	for (i = 0; i < DNS_MAX_SLOTS; i++) {
		struct dns_slot *s = dc->slot[i];

		if (s && s->id == id && !s->delivered) {
			s->delivered = 1;
			if (s->deadline >= 0)
				hal_loop_cancel_timer(dc->loop, s->deadline);
			if (s->now_timer >= 0)
				hal_loop_cancel_timer(dc->loop, s->now_timer);
			s->deadline = s->now_timer = -1;
			dns_slot_release(s);
			return HAL_OK;
		}
	}
	return HAL_ENOENT;
}

static int dns_servers(void *ctx, const char *list)
{
	struct dns_ctx *dc = ctx;
	char *copy = NULL;

	if (list && *list) {
		copy = strdup(list);
		if (!copy)
			return HAL_ENOMEM;
	}
	if (dc->ch_ok) {
		/* The channel was made with the system's servers: start over. */
		size_t i;

		for (i = 0; i < DNS_MAX_SLOTS; i++)
			if (dc->slot[i] && dc->slot[i]->ares_busy) {
				free(copy);
				return HAL_EIO; /* not while queries are running */
			}
		ares_destroy(dc->ch);
		dc->ch_ok = 0;
	}
	free(dc->servers);
	dc->servers = copy;
	if (copy) {
		/* Read the list now, so a bad one is refused here. */
		int r = dns_channel(dc);

		if (r != HAL_OK) {
			free(dc->servers);
			dc->servers = NULL;
			return r;
		}
	}
	return HAL_OK;
}

static const struct hal_dns_ops dns_ops = {
	.query = dns_query,
	.cancel = dns_cancel,
	.servers = dns_servers,
};

int linux_dns_init(struct hal_dns *d, const struct hal_loop *loop)
{
#ifndef LINUX_CARES_DLOPEN
	static int lib_ok;
#endif
	struct dns_ctx *dc;

	memset(d, 0, sizeof(*d));
	if (!loop || !loop->ops)
		return HAL_OK; /* no loop, no resolver */
#ifndef LINUX_CARES_DLOPEN
	if (!lib_ok) {
		if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
			return HAL_OK;
		lib_ok = 1;
	}
#endif
	dc = calloc(1, sizeof(*dc));
	if (!dc)
		return HAL_ENOMEM;
	dc->loop = loop;
	dc->timer = -1;
	dc->next_id = 1;
	d->ops = &dns_ops;
	d->ctx = dc;
	return HAL_OK;
}

void linux_dns_fini(struct hal_dns *d)
{
	struct dns_ctx *dc = d->ctx;
	size_t i;

	if (!d->ops || !dc) {
		memset(d, 0, sizeof(*d));
		return;
	}
	if (dc->timer >= 0)
		hal_loop_cancel_timer(dc->loop, dc->timer);
	for (i = 0; i < DNS_MAX_SLOTS; i++) {
		struct dns_slot *s = dc->slot[i];

		if (!s)
			continue;
		if (s->deadline >= 0)
			hal_loop_cancel_timer(dc->loop, s->deadline);
		if (s->now_timer >= 0)
			hal_loop_cancel_timer(dc->loop, s->now_timer);
		s->delivered = 1;
	}
	if (dc->ch_ok)
		ares_destroy(dc->ch); /* EDESTRUCTION: slots only marked */
	for (i = 0; i < DNS_MAX_SLOTS; i++)
		free(dc->slot[i]);
	free(dc->servers);
	free(dc);
	memset(d, 0, sizeof(*d));
}
