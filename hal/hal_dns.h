/*
 * hal_dns.h: an asynchronous DNS resolver on the event loop (hal_loop.h).
 *
 * The core asks for one record type of one name at a time (NAPTR, SRV, A,
 * AAAA) and gets plain structs back: no DNS wire format reaches the core
 * (the port parses it, or its resolver library does). Every query is
 * bounded in time: the answer, or HAL_ETIMEDOUT, comes within the
 * query's timeout_ms (the port's own retries included).
 *
 * The answer always comes through the loop, never from inside query():
 * the callback may start another query or cancel others. A cancelled
 * query's callback is never called.
 *
 * A/AAAA answers give the address as text (an IPv4 or IPv6 literal,
 * which hal_net_connect takes as a host); a port may also answer them
 * from the system's hosts file.
 */
#ifndef HAL_DNS_H
#define HAL_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "hal_err.h"

enum hal_dns_type {
	HAL_DNS_A = 1,
	HAL_DNS_AAAA = 28,
	HAL_DNS_SRV = 33,
	HAL_DNS_NAPTR = 35,
};

#define HAL_DNS_NAME_MAX 253 /* a domain name as text, without the final dot */
#define HAL_DNS_MAX_RR 8     /* records kept per answer (more are dropped) */

/* One record. SRV: priority, weight, port, target. NAPTR: order in
 * priority, preference in weight, flags, services, replacement in target
 * (regexp NAPTRs are not kept). A/AAAA: the address in target. */
struct hal_dns_rr {
	uint32_t ttl;      /* seconds */
	uint16_t priority;
	uint16_t weight;
	uint16_t port;
	char flags[8];     /* NAPTR: "s", "a", "u", "p" or "" (lowercase) */
	char services[32]; /* NAPTR: "SIPS+D2T" (as received, truncated) */
	char target[HAL_DNS_NAME_MAX + 1];
};

/* The answer to a query: status HAL_OK with n records (n may be 0: the
 * name exists but has no such record), HAL_ENOENT (NXDOMAIN: no such
 * name), HAL_ETIMEDOUT (no server answered in time), HAL_EIO (a server
 * failure or a refusal), HAL_ENOMEM. rr is valid during the call only. */
typedef void (*hal_dns_done_h)(void *arg, int status, const struct hal_dns_rr *rr, size_t n);

struct hal_dns_ops {
	/* Starts a query; *id identifies it for cancel. HAL_EINVAL for an
	 * empty or too long name, HAL_ENOMEM when too many are running. */
	int (*query)(void *ctx, const char *name, enum hal_dns_type type, uint32_t timeout_ms,
		     hal_dns_done_h h, void *arg, int *id);
	int (*cancel)(void *ctx, int id);
	/* Optional: the servers to ask instead of the system's, as
	 * "ADDR[:PORT][,ADDR[:PORT]...]" (IPv6 as "[ADDR]:PORT"); NULL or ""
	 * goes back to the system's. HAL_EINVAL for a list it cannot read. */
	int (*servers)(void *ctx, const char *list);
};

struct hal_dns {
	const struct hal_dns_ops *ops;
	void *ctx;
};

static inline int hal_dns_query(const struct hal_dns *d, const char *name, enum hal_dns_type type,
				uint32_t timeout_ms, hal_dns_done_h h, void *arg, int *id)
{
	return HAL_CALL(d, query, name, type, timeout_ms, h, arg, id);
}

static inline int hal_dns_cancel(const struct hal_dns *d, int id)
{
	return HAL_CALL(d, cancel, id);
}

static inline int hal_dns_servers(const struct hal_dns *d, const char *list)
{
	return HAL_CALL(d, servers, list);
}

/* "A", "AAAA", "SRV", "NAPTR" (for diagnoses). */
static inline const char *hal_dns_type_name(enum hal_dns_type t)
{
	switch (t) {
	case HAL_DNS_A:
		return "A";
	case HAL_DNS_AAAA:
		return "AAAA";
	case HAL_DNS_SRV:
		return "SRV";
	case HAL_DNS_NAPTR:
		return "NAPTR";
	}
	return "?";
}

#endif
