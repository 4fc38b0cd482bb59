/*
 * pt_dns.c: the scripted resolver (port_test.h, "dns"). Answers come from
 * the simulated loop after the answer delay, never from inside query().
 */
#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pt_priv.h"

static int pt_dns_type(const char *w)
{
	if (!strcmp(w, "NAPTR"))
		return HAL_DNS_NAPTR;
	if (!strcmp(w, "SRV"))
		return HAL_DNS_SRV;
	if (!strcmp(w, "A"))
		return HAL_DNS_A;
	if (!strcmp(w, "AAAA"))
		return HAL_DNS_AAAA;
	return 0;
}

static int pt_dns_line(struct port_test *pt, char *line)
{
	char *w[9];
	char *save = NULL;
	size_t n = 0;
	struct pt_dns_ent *e;
	int t;

	for (char *tok = strtok_r(line, " \t", &save); tok && n < 9; tok = strtok_r(NULL, " \t", &save))
		w[n++] = tok;
	if (n == 0)
		return 0;
	if (pt->ndns == PT_DNS_MAX || n < 2 || strlen(w[1]) > HAL_DNS_NAME_MAX)
		return -1;
	e = &pt->dns[pt->ndns];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", w[1]);
	t = pt_dns_type(w[0]);
	if (!t) {
		if (n != 2)
			return -1;
		if (!strcmp(w[0], "NXDOMAIN"))
			e->status = HAL_ENOENT;
		else if (!strcmp(w[0], "TIMEOUT"))
			e->status = HAL_ETIMEDOUT;
		else if (!strcmp(w[0], "SERVFAIL"))
			e->status = HAL_EIO;
		else
			return -1;
	} else if (t == HAL_DNS_NAPTR) {
		if (n != 8)
			return -1;
		e->rr.priority = (uint16_t)strtoul(w[2], NULL, 10);
		e->rr.weight = (uint16_t)strtoul(w[3], NULL, 10);
		snprintf(e->rr.flags, sizeof(e->rr.flags), "%s", w[4]);
		snprintf(e->rr.services, sizeof(e->rr.services), "%s", w[5]);
		snprintf(e->rr.target, sizeof(e->rr.target), "%s", w[6]);
		e->rr.ttl = (uint32_t)strtoul(w[7], NULL, 10);
	} else if (t == HAL_DNS_SRV) {
		if (n != 7)
			return -1;
		e->rr.priority = (uint16_t)strtoul(w[2], NULL, 10);
		e->rr.weight = (uint16_t)strtoul(w[3], NULL, 10);
		e->rr.port = (uint16_t)strtoul(w[4], NULL, 10);
		snprintf(e->rr.target, sizeof(e->rr.target), "%s", w[5]);
		e->rr.ttl = (uint32_t)strtoul(w[6], NULL, 10);
	} else {
		if (n != 4)
			return -1;
		snprintf(e->rr.target, sizeof(e->rr.target), "%s", w[2]);
		e->rr.ttl = (uint32_t)strtoul(w[3], NULL, 10);
	}
	e->type = t;
	pt->ndns++;
	return 0;
}

int port_test_dns(struct port_test *pt, const char *script)
{
	char *copy = strdup(script ? script : "");
	char *save = NULL;
	int r = 0;

	if (!copy)
		abort();
	pt->dns_on = 1;
	if (!pt->dns_delay)
		pt->dns_delay = 5;
	for (char *l = strtok_r(copy, "\n", &save); l && r == 0; l = strtok_r(NULL, "\n", &save))
		r = pt_dns_line(pt, l);
	free(copy);
	return r;
}

void port_test_dns_delay(struct port_test *pt, uint32_t ms)
{
	pt->dns_delay = ms;
}

const char *port_test_dns_log(const struct port_test *pt)
{
	return pt->dns_log.s ? pt->dns_log.s : "";
}

const char *port_test_dns_servers(const struct port_test *pt)
{
	return pt->dns_servers;
}

static void pt_dns_answer(void *arg);

static int pt_dns_query(void *ctx, const char *name, enum hal_dns_type type, uint32_t timeout_ms,
			hal_dns_done_h h, void *arg, int *id)
{
	struct port_test *pt = ctx;
	struct pt_dns_q *q = NULL;
	size_t i, len = name ? strlen(name) : 0;
	uint32_t delay;
	int status = HAL_OK;

	if (!pt->dns_on)
		return HAL_ENOTSUP;
	if (!h || !len || len > HAL_DNS_NAME_MAX)
		return HAL_EINVAL;
	for (i = 0; i < PT_DNS_QMAX && !q; i++)
		if (!pt->dnsq[i].used)
			q = &pt->dnsq[i];
	if (!q)
		return HAL_ENOMEM;
	pt_text_add(&pt->dns_log, "%s %s\n", hal_dns_type_name(type), name);
	for (i = 0; i < pt->ndns; i++)
		if (!pt->dns[i].type && !strcasecmp(pt->dns[i].name, name))
			status = pt->dns[i].status;
	delay = status == HAL_ETIMEDOUT ? timeout_ms : pt->dns_delay;
	memset(q, 0, sizeof(*q));
	q->used = 1;
	q->pt = pt;
	q->id = ++pt->dns_next_id;
	q->type = (int)type;
	q->status = status;
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->h = h;
	q->arg = arg;
	if (pt_loop_ops.add_timer(pt, delay, pt_dns_answer, q, &q->timer) != HAL_OK) {
		q->used = 0;
		return HAL_ENOMEM;
	}
	if (id)
		*id = q->id;
	return HAL_OK;
}

static void pt_dns_answer(void *arg)
{
	struct pt_dns_q *q = arg;
	struct port_test *pt = q->pt;
	struct hal_dns_rr rr[HAL_DNS_MAX_RR];
	size_t n = 0;
	int status = q->status;
	hal_dns_done_h h = q->h;
	void *harg = q->arg;

	if (status == HAL_OK) {
		int known = 0;

		for (size_t i = 0; i < pt->ndns; i++) {
			const struct pt_dns_ent *e = &pt->dns[i];

			size_t el = strlen(e->name), ql = strlen(q->name);

			if (!e->type)
				continue;
			/* A name above a known one exists too (no records). */
			if (el > ql && e->name[el - ql - 1] == '.' &&
			    !strcasecmp(e->name + el - ql, q->name))
				known = 1;
			if (strcasecmp(e->name, q->name))
				continue;
			known = 1;
			if (e->type == q->type && n < HAL_DNS_MAX_RR)
				rr[n++] = e->rr;
		}
		if (!known)
			status = HAL_ENOENT;
	}
	q->used = 0;
	h(harg, status, rr, n);
}

static int pt_dns_cancel(void *ctx, int id)
{
	struct port_test *pt = ctx;
	size_t i;

	for (i = 0; i < PT_DNS_QMAX; i++) {
		struct pt_dns_q *q = &pt->dnsq[i];

		if (q->used && q->id == id) {
			pt_loop_ops.cancel_timer(pt, q->timer);
			q->used = 0;
			return HAL_OK;
		}
	}
	return HAL_ENOENT;
}

static int pt_dns_servers(void *ctx, const char *list)
{
	struct port_test *pt = ctx;

	if (list && strlen(list) >= sizeof(pt->dns_servers))
		return HAL_EINVAL;
	snprintf(pt->dns_servers, sizeof(pt->dns_servers), "%s", list ? list : "");
	return pt->dns_on ? HAL_OK : HAL_ENOTSUP;
}

void pt_dns_free(struct port_test *pt)
{
	pt_text_free(&pt->dns_log);
}

const struct hal_dns_ops pt_dns_ops = {
	.query = pt_dns_query,
	.cancel = pt_dns_cancel,
	.servers = pt_dns_servers,
};
