/*
 * sip_target.c: RFC 3263 target selection (sip_target.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sg_mem.h"
#include "sip_target.h"

enum phase { P_NAPTR, P_NAPTR_SRV, P_SRV, P_ADDR, P_DONE };

struct sip_target_res {
	const struct hal *hal;
	char domain[HAL_DNS_NAME_MAX + 1];
	uint64_t deadline;
	sip_target_done_h done;
	void *arg;
	enum phase ph;
	int qid, timer, querying;
	enum hal_dns_type qtype;
	char qname[HAL_DNS_NAME_MAX + 1];
	struct hal_dns_rr naptr[HAL_DNS_MAX_RR];
	size_t nnaptr, inaptr;
	struct hal_dns_rr srv[HAL_DNS_MAX_RR];
	size_t nsrv, isrv;
	int aaaa;          /* P_ADDR: the AAAA query of srv[isrv] is next */
	char why[320];     /* the first failure that explains an empty list */
	sg_err err;
	struct sg_error e;
	struct sip_target_list list;
};

static void tr(struct sip_target_res *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tr(struct sip_target_res *r, const char *fmt, ...)
{
	size_t len = strlen(r->list.trace);
	va_list ap;

	if (len + 2 >= sizeof(r->list.trace))
		return;
	va_start(ap, fmt);
	vsnprintf(r->list.trace + len, sizeof(r->list.trace) - len - 1, fmt, ap);
	va_end(ap);
	len = strlen(r->list.trace);
	r->list.trace[len] = '\n';
	r->list.trace[len + 1] = '\0';
}

static int ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'a' && *a <= 'z' ? (char)(*a - 32) : *a;
		char y = *b >= 'a' && *b <= 'z' ? (char)(*b - 32) : *b;

		if (x != y)
			return 0;
	}
	return *a == *b;
}

static uint32_t rnd(const struct hal_rng *rng, uint32_t below)
{
	uint8_t b[8];
	uint64_t v = 0;
	size_t i;

	if (below <= 1 || hal_rng_fill(rng, b, sizeof(b)) != HAL_OK)
		return 0;
	for (i = 0; i < sizeof(b); i++)
		v = v << 8 | b[i];
	return (uint32_t)(v % below);
}

size_t sip_target_order_srv(struct hal_dns_rr *rr, size_t n, const struct hal_rng *rng)
{
	size_t i, j, k = 0, done;

	for (i = 0; i < n; i++)
		if (strcmp(rr[i].target, ".") && rr[i].target[0])
			rr[k++] = rr[i];
	n = k;
	/* Stable sort by priority (insertion: n is small). */
	for (i = 1; i < n; i++) {
		struct hal_dns_rr t = rr[i];

		for (j = i; j > 0 && rr[j - 1].priority > t.priority; j--)
			rr[j] = rr[j - 1];
		rr[j] = t;
	}
	/* Within each priority, RFC 2782's weighted choice, one at a time. */
	for (done = 0; done < n; done++) {
		uint32_t sum = 0, pick, run = 0;
		size_t end = done;

		while (end < n && rr[end].priority == rr[done].priority)
			sum += rr[end++].weight;
		if (sum == 0)
			continue; /* only weight 0 left: in the order found */
		pick = 1 + rnd(rng, sum); /* 1..sum: weight 0 is not picked */
		for (j = done; j < end; j++) {
			run += rr[j].weight;
			if (run >= pick)
				break;
		}
		if (j != done) {
			struct hal_dns_rr t = rr[j];

			memmove(&rr[done + 1], &rr[done], (j - done) * sizeof(*rr));
			rr[done] = t;
		}
	}
	return n;
}

static const char *st_name(int st)
{
	switch (st) {
	case HAL_ENOENT:
		return "no such domain (NXDOMAIN)";
	case HAL_ETIMEDOUT:
		return "the DNS server did not answer";
	case HAL_EIO:
		return "the DNS server failed (SERVFAIL or refused)";
	case HAL_ENOMEM:
		return "out of memory";
	default:
		return "no records";
	}
}

static void on_finish(void *arg)
{
	struct sip_target_res *r = arg;

	r->timer = -1;
	r->done(r->arg, r->err, &r->e, &r->list);
}

static void finish(struct sip_target_res *r, sg_err err)
{
	r->ph = P_DONE;
	r->err = err;
	if (err == SG_OK && r->list.n == 0) {
		r->err = sg_error_set(&r->e, SG_E_NETWORK,
				      "no registrar found for %s: %s", r->domain,
				      r->why[0] ? r->why : "no usable record");
	}
	if (hal_loop_add_timer(&r->hal->loop, 0, on_finish, r, &r->timer) != HAL_OK) {
		r->timer = -1;
		on_finish(r);
	}
}

static void step(struct sip_target_res *r);

static void add_target(struct sip_target_res *r, const char *name, const char *addr,
		       uint16_t port, uint32_t ttl)
{
	struct sip_target *t;

	if (r->list.n == SIP_TARGET_MAX)
		return;
	t = &r->list.t[r->list.n++];
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->addr, sizeof(t->addr), "%s", addr);
	t->port = port;
	t->ttl = ttl;
}

static void note(struct sip_target_res *r, int st)
{
	if (!r->why[0])
		snprintf(r->why, sizeof(r->why), "%s %s: %s", hal_dns_type_name(r->qtype), r->qname,
			 st_name(st));
}

static void on_answer(void *arg, int st, const struct hal_dns_rr *rr, size_t n)
{
	struct sip_target_res *r = arg;
	size_t i;

	r->querying = 0;
	if (st != HAL_OK || n == 0) {
		tr(r, "%s %s: %s", hal_dns_type_name(r->qtype), r->qname, st_name(st));
		if (st != HAL_OK)
			note(r, st);
	}
	if (st == HAL_ETIMEDOUT && r->ph != P_ADDR) {
		/* Nobody answers: asking more would only wait longer. */
		sg_error_set(&r->e, SG_E_NETWORK, "no registrar found for %s: %s %s: %s",
			     r->domain, hal_dns_type_name(r->qtype), r->qname, st_name(st));
		finish(r, SG_E_NETWORK);
		return;
	}
	switch (r->ph) {
	case P_NAPTR:
		if (st == HAL_ENOENT) {
			/* Perhaps a name only the hosts file knows: A/AAAA. */
			r->ph = P_ADDR;
			break;
		}
		for (i = 0; st == HAL_OK && i < n; i++) {
			tr(r, "NAPTR %s: %u %u \"%s\" \"%s\" %s (ttl %u)", r->qname, rr[i].priority,
			   rr[i].weight, rr[i].flags, rr[i].services, rr[i].target, rr[i].ttl);
			if (ieq(rr[i].services, "SIPS+D2T") && ieq(rr[i].flags, "s") &&
			    rr[i].target[0] && r->nnaptr < HAL_DNS_MAX_RR) {
				size_t j = r->nnaptr++;

				while (j > 0 && (r->naptr[j - 1].priority > rr[i].priority ||
						 (r->naptr[j - 1].priority == rr[i].priority &&
						  r->naptr[j - 1].weight > rr[i].weight))) {
					r->naptr[j] = r->naptr[j - 1];
					j--;
				}
				r->naptr[j] = rr[i];
			}
		}
		r->ph = r->nnaptr ? P_NAPTR_SRV : P_SRV;
		break;
	case P_NAPTR_SRV:
	case P_SRV:
		for (i = 0; st == HAL_OK && i < n && r->nsrv < HAL_DNS_MAX_RR; i++) {
			tr(r, "SRV %s: %s:%u (priority %u, weight %u, ttl %u)", r->qname,
			   rr[i].target, rr[i].port, rr[i].priority, rr[i].weight, rr[i].ttl);
			r->srv[r->nsrv] = rr[i];
			if (r->ph == P_NAPTR_SRV && r->naptr[r->inaptr].ttl < rr[i].ttl)
				r->srv[r->nsrv].ttl = r->naptr[r->inaptr].ttl;
			r->nsrv++;
		}
		if (r->nsrv) {
			r->nsrv = sip_target_order_srv(r->srv, r->nsrv, &r->hal->rng);
			if (!r->nsrv) {
				snprintf(r->why, sizeof(r->why),
					 "SRV %s: the service is not offered (target \".\")", r->qname);
				finish(r, SG_OK);
				return;
			}
			r->ph = P_ADDR;
		} else if (r->ph == P_NAPTR_SRV && ++r->inaptr < r->nnaptr) {
			/* the next NAPTR */
		} else {
			r->ph = r->ph == P_NAPTR_SRV ? P_SRV : P_ADDR;
		}
		break;
	case P_ADDR:
		for (i = 0; st == HAL_OK && i < n; i++) {
			const struct hal_dns_rr *s = r->nsrv ? &r->srv[r->isrv] : NULL;
			uint32_t ttl = rr[i].ttl;

			if (s && s->ttl < ttl)
				ttl = s->ttl;
			tr(r, "%s %s: %s (ttl %u)", hal_dns_type_name(r->qtype), r->qname,
			   rr[i].target, rr[i].ttl);
			add_target(r, r->qname, rr[i].target, s ? s->port : SIP_TARGET_PORT, ttl);
		}
		if (!r->aaaa) {
			r->aaaa = 1;
		} else {
			r->aaaa = 0;
			if (!r->nsrv || ++r->isrv >= r->nsrv || r->list.n == SIP_TARGET_MAX) {
				finish(r, SG_OK);
				return;
			}
		}
		break;
	case P_DONE:
		return;
	}
	step(r);
}

static void step(struct sip_target_res *r)
{
	uint64_t now = hal_clock_mono_ms(&r->hal->clock);
	uint32_t left = now < r->deadline ? (uint32_t)(r->deadline - now) : 0;
	const char *name = r->domain;
	int st;

	switch (r->ph) {
	case P_NAPTR:
		r->qtype = HAL_DNS_NAPTR;
		break;
	case P_NAPTR_SRV:
		r->qtype = HAL_DNS_SRV;
		name = r->naptr[r->inaptr].target;
		break;
	case P_SRV:
		r->qtype = HAL_DNS_SRV;
		break;
	case P_ADDR:
		r->qtype = r->aaaa ? HAL_DNS_AAAA : HAL_DNS_A;
		if (r->nsrv)
			name = r->srv[r->isrv].target;
		break;
	case P_DONE:
		return;
	}
	if (r->ph == P_SRV) {
		if (strlen(r->domain) + 11 > HAL_DNS_NAME_MAX) {
			r->ph = P_ADDR;
			step(r);
			return;
		}
		snprintf(r->qname, sizeof(r->qname), "_sips._tcp.%s", r->domain);
	} else {
		snprintf(r->qname, sizeof(r->qname), "%s", name);
	}
	if (!left) {
		sg_error_set(&r->e, SG_E_NETWORK,
			     "no registrar found for %s: the DNS server did not answer in time "
			     "(%s %s not asked)", r->domain, hal_dns_type_name(r->qtype), r->qname);
		finish(r, SG_E_NETWORK);
		return;
	}
	r->querying = 1;
	st = hal_dns_query(&r->hal->dns, r->qname, r->qtype, left, on_answer, r, &r->qid);
	if (st == HAL_OK)
		return;
	r->querying = 0;
	if (st == HAL_ENOTSUP && r->ph == P_NAPTR) {
		tr(r, "no DNS resolver on this device: %s:%u by name", r->domain, SIP_TARGET_PORT);
		add_target(r, r->domain, "", SIP_TARGET_PORT, 0);
		finish(r, SG_OK);
		return;
	}
	sg_error_set(&r->e, SG_E_NETWORK, "no registrar found for %s: %s %s could not be asked (%d)",
		     r->domain, hal_dns_type_name(r->qtype), r->qname, st);
	finish(r, SG_E_NETWORK);
}

/* 1 when s is an IPv4 or IPv6 literal ("[v6]" included). */
static int is_literal(const char *s)
{
	int dots = 0, digits = 0;

	if (strchr(s, ':') || s[0] == '[')
		return 1;
	for (; *s; s++) {
		if (*s == '.')
			dots++;
		else if (*s >= '0' && *s <= '9')
			digits++;
		else
			return 0;
	}
	return dots == 3 && digits >= 4;
}

sg_err sip_target_resolve(struct sip_target_res **out, const struct hal *hal, const char *domain,
			  uint32_t timeout_ms, sip_target_done_h done, void *arg,
			  struct sg_error *e)
{
	struct sip_target_res *r;
	size_t len = domain ? strlen(domain) : 0;

	*out = NULL;
	if (!hal || !done || !len || len > HAL_DNS_NAME_MAX)
		return sg_error_set(e, SG_E_INVALID_ARG, "no domain to resolve");
	r = sg_calloc(1, sizeof(*r));
	if (!r)
		return sg_error_set(e, SG_E_NOMEM, "resolving %s", domain);
	r->hal = hal;
	memcpy(r->domain, domain, len);
	if (len > 1 && r->domain[len - 1] == '.')
		r->domain[len - 1] = '\0';
	r->deadline = hal_clock_mono_ms(&hal->clock) + (timeout_ms ? timeout_ms : 10000);
	r->done = done;
	r->arg = arg;
	r->qid = r->timer = -1;
	sg_error_init(&r->e);
	*out = r;
	if (is_literal(r->domain)) {
		tr(r, "%s is an address: no DNS query", r->domain);
		add_target(r, r->domain, r->domain, SIP_TARGET_PORT, 0);
		finish(r, SG_OK);
	} else {
		step(r);
	}
	return SG_OK;
}

void sip_target_free(struct sip_target_res *r)
{
	if (!r)
		return;
	if (r->querying)
		hal_dns_cancel(&r->hal->dns, r->qid);
	if (r->timer >= 0)
		hal_loop_cancel_timer(&r->hal->loop, r->timer);
	sg_free(r);
}
