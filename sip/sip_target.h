/*
 * sip_target.h: RFC 3263 target selection for sips:domain, through the
 * resolver device (hal_dns.h). Pure: no OS header, no DNS wire format.
 *
 *   1. NAPTR domain: the SIPS+D2T records with flag "s", by order then
 *      preference; each replacement is asked for SRV in turn;
 *   2. else (no NAPTR, none usable, or their SRV names empty) SRV
 *      _sips._tcp.<domain>;
 *   3. else A/AAAA of the domain on port 5061.
 * SRV records are ordered by priority, and within a priority by RFC
 * 2782's weighted random choice (a weight-0 record is chosen only once
 * no record of that priority with a positive weight is left); each
 * target's A then AAAA records give the addresses, in that order. TTLs
 * are kept (each target: the smallest TTL on its way).
 *
 * The whole resolution is bounded by timeout_ms (each query gets what is
 * left). A domain that is an IP literal needs no query; a device without
 * a resolver (HAL_ENOTSUP) gets the domain itself on 5061, resolved at
 * connect time by hal_net.
 *
 * Failures (SG_E_NETWORK, the detail naming the query): no such domain
 * (NXDOMAIN), no usable record, a DNS server that does not answer.
 */
#ifndef SIP_TARGET_H
#define SIP_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "sg_err.h"

#define SIP_TARGET_MAX 8
#define SIP_TARGET_PORT 5061
#define SIP_TARGET_TRACE 1024

struct sip_target {
	char name[HAL_DNS_NAME_MAX + 1]; /* the SRV target, or the domain */
	char addr[48];                   /* an IP literal; "" = connect by name */
	uint16_t port;
	uint32_t ttl;                    /* seconds (0: not from DNS) */
};

/* The targets of one attempt, in the order to try them. */
struct sip_target_list {
	struct sip_target t[SIP_TARGET_MAX];
	size_t n;
	/* What was asked and found, one line each ("SRV _sips._tcp.example.org:
	 * a.example.org:5061 (priority 10, weight 60, ttl 300)"). */
	char trace[SIP_TARGET_TRACE];
};

/* The end of a resolution: err SG_OK and the list (valid during the
 * call), or the failure in e. Called from the loop, never from inside
 * sip_target_resolve(); may free the resolution. */
typedef void (*sip_target_done_h)(void *arg, sg_err err, const struct sg_error *e,
				  const struct sip_target_list *l);

struct sip_target_res;

/* Starts resolving domain; done comes through the loop. SG_E_NOMEM,
 * SG_E_INVALID_ARG (an empty or too long domain), SG_E_INTERNAL (the
 * loop refused a timer). */
sg_err sip_target_resolve(struct sip_target_res **out, const struct hal *hal, const char *domain,
			  uint32_t timeout_ms, sip_target_done_h done, void *arg,
			  struct sg_error *e);
/* Stops (no callback afterwards) and frees; NULL is fine. */
void sip_target_free(struct sip_target_res *r);

/* Orders SRV records in place (RFC 2782 as above), with rng for the
 * weighted choice; records whose target is "." are dropped. Returns how
 * many are left. */
size_t sip_target_order_srv(struct hal_dns_rr *rr, size_t n, const struct hal_rng *rng);

#endif
