/*
 * linux_dns_answer.c: a DNS answer (wire format, as c-ares hands it over)
 * into hal_dns_rr records. c-ares parses the records; the answer section
 * is walked here only for the TTLs that c-ares 1.18 does not give for SRV
 * and NAPTR, every step bounded by the answer's length (fuzz_dns).
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <string.h>

#include "linux_cares.h"
#include "linux_dns_answer.h"

/* Skips a (compressed) name at p; NULL when it does not fit. */
static const unsigned char *dns_skip_name(const unsigned char *p, const unsigned char *abuf,
					  int alen)
{
	char *name = NULL;
	long len = 0;

	if (ares_expand_name(p, abuf, alen, &name, &len) != ARES_SUCCESS)
		return NULL;
	ares_free_string(name);
	if (len <= 0 || len > abuf + alen - p)
		return NULL;
	return p + len;
}

/* The smallest TTL among the answers of type (0 when none can be read). */
static uint32_t dns_min_ttl(const unsigned char *abuf, int alen, int type)
{
	const unsigned char *p = abuf + 12, *end = abuf + alen;
	unsigned qd, an, i;
	uint32_t best = 0;
	int seen = 0;

	if (alen < 12)
		return 0;
	qd = (unsigned)abuf[4] << 8 | abuf[5];
	an = (unsigned)abuf[6] << 8 | abuf[7];
	for (i = 0; i < qd && p; i++) {
		p = dns_skip_name(p, abuf, alen);
		if (p && end - p < 4)
			return 0;
		if (p)
			p += 4;
	}
	for (i = 0; i < an && p; i++) {
		unsigned t, rdlen;
		uint32_t ttl;

		p = dns_skip_name(p, abuf, alen);
		if (!p || end - p < 10)
			break;
		t = (unsigned)p[0] << 8 | p[1];
		ttl = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
		rdlen = (unsigned)p[8] << 8 | p[9];
		p += 10;
		if ((size_t)(end - p) < rdlen)
			break;
		p += rdlen;
		if ((int)t == type && (!seen || ttl < best)) {
			best = ttl & 0x7fffffffu;
			seen = 1;
		}
	}
	return best;
}

static void dns_copy(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

int linux_dns_answer(int type, const unsigned char *abuf, int alen, struct hal_dns_rr *out,
		     size_t *nout)
{
	uint32_t ttl;
	int r = ARES_ENODATA;
	size_t n = 0;

	*nout = 0;
	memset(out, 0, HAL_DNS_MAX_RR * sizeof(*out));
	if (!abuf || alen <= 0)
		return HAL_EIO;
	ttl = dns_min_ttl(abuf, alen, type);
	if (type == HAL_DNS_SRV) {
		struct ares_srv_reply *l = NULL, *it;

		r = ares_parse_srv_reply(abuf, alen, &l);
		for (it = l; r == ARES_SUCCESS && it && n < HAL_DNS_MAX_RR; it = it->next) {
			struct hal_dns_rr *rr = &out[n++];

			rr->priority = it->priority;
			rr->weight = it->weight;
			rr->port = it->port;
			rr->ttl = ttl;
			dns_copy(rr->target, sizeof(rr->target), it->host);
		}
		if (l)
			ares_free_data(l);
	} else if (type == HAL_DNS_NAPTR) {
		struct ares_naptr_reply *l = NULL, *it;

		r = ares_parse_naptr_reply(abuf, alen, &l);
		for (it = l; r == ARES_SUCCESS && it && n < HAL_DNS_MAX_RR; it = it->next) {
			struct hal_dns_rr *rr = &out[n];
			size_t k;

			if (it->regexp && it->regexp[0])
				continue;
			n++;
			rr->priority = it->order;
			rr->weight = it->preference;
			rr->ttl = ttl;
			dns_copy(rr->flags, sizeof(rr->flags), (const char *)it->flags);
			for (k = 0; rr->flags[k]; k++)
				if (rr->flags[k] >= 'A' && rr->flags[k] <= 'Z')
					rr->flags[k] = (char)(rr->flags[k] - 'A' + 'a');
			dns_copy(rr->services, sizeof(rr->services), (const char *)it->service);
			dns_copy(rr->target, sizeof(rr->target), it->replacement);
		}
		if (l)
			ares_free_data(l);
	} else if (type == HAL_DNS_A) {
		struct ares_addrttl a[HAL_DNS_MAX_RR];
		int na = HAL_DNS_MAX_RR, i;

		r = ares_parse_a_reply(abuf, alen, NULL, a, &na);
		for (i = 0; r == ARES_SUCCESS && i < na; i++) {
			struct hal_dns_rr *rr = &out[n++];

			inet_ntop(AF_INET, &a[i].ipaddr, rr->target, sizeof(rr->target));
			rr->ttl = a[i].ttl > 0 ? (uint32_t)a[i].ttl : 0;
		}
	} else {
		struct ares_addr6ttl a[HAL_DNS_MAX_RR];
		int na = HAL_DNS_MAX_RR, i;

		r = ares_parse_aaaa_reply(abuf, alen, NULL, a, &na);
		for (i = 0; r == ARES_SUCCESS && i < na; i++) {
			struct hal_dns_rr *rr = &out[n++];

			inet_ntop(AF_INET6, &a[i].ip6addr, rr->target, sizeof(rr->target));
			rr->ttl = a[i].ttl > 0 ? (uint32_t)a[i].ttl : 0;
		}
	}
	*nout = n;
	if (r == ARES_ENOMEM)
		return HAL_ENOMEM;
	if (r == ARES_SUCCESS || r == ARES_ENODATA)
		return HAL_OK;
	return HAL_EIO; /* an answer c-ares could not read */
}
