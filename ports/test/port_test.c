/*
 * port_test.c: creates the simulated device and hands out its struct hal;
 * faults and the growing texts shared by the other pt_*.c files.
 */
#define _GNU_SOURCE

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_priv.h"

void pt_text_add(struct pt_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->len + (size_t)n + 1) * 2;
		char *s = realloc(t->s, cap);

		if (!s)
			abort(); /* a test that runs out of memory cannot go on */
		t->s = s;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void pt_text_free(struct pt_text *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

int pt_fault_hit(struct port_test *pt, enum port_test_fault f)
{
	if (pt->fault[f] < 0)
		return 0;
	if (pt->fault[f] == 0) {
		pt->fault[f] = -1;
		return 1;
	}
	pt->fault[f]--;
	return 0;
}

void port_test_fault(struct port_test *pt, enum port_test_fault f, int after_n)
{
	if ((int)f < 0 || f >= PORT_TEST_FAULT_COUNT_)
		return;
	pt->fault[f] = after_n < 0 ? -1 : after_n;
}

struct port_test *port_test_new(void)
{
	struct port_test *pt = calloc(1, sizeof(*pt));
	size_t i;

	if (!pt)
		return NULL;
	pt->key_delay = 100;
	pt->mono = 1000;
	pt->wall_base = PORT_TEST_WALL_DEFAULT;
	pt->wall_mono = pt->mono;
	pt->wall_known = 1;
	pt->log_level = HAL_LOG_DEBUG;
	pt->next_timer_id = 1;
	for (i = 0; i < PORT_TEST_FAULT_COUNT_; i++)
		pt->fault[i] = -1;
	for (i = 0; i < sizeof(pt->devkey); i++)
		pt->devkey[i] = (uint8_t)i;
	return pt;
}

void port_test_free(struct port_test *pt)
{
	if (!pt)
		return;
	pt_keypad_free(pt);
	pt_storage_free(pt);
	pt_dns_free(pt);
	pt_loop_free(pt);
	pt_text_free(&pt->transcript);
	pt_text_free(&pt->log);
	free(pt);
}

void port_test_hal(struct port_test *pt, struct hal *hal)
{
	memset(hal, 0, sizeof(*hal));
	hal->keypad.ops = &pt_keypad_ops;
	hal->keypad.ctx = pt;
	hal->display.ops = &pt_display_ops;
	hal->display.ctx = pt;
	hal->clock.ops = &pt_clock_ops;
	hal->clock.ctx = pt;
	hal->rng.ops = &pt_rng_ops;
	hal->rng.ctx = pt;
	hal->storage.ops = &pt_storage_ops;
	hal->storage.ctx = pt;
	hal->log.ops = &pt_log_ops;
	hal->log.ctx = pt;
	hal->loop.ops = &pt_loop_ops;
	hal->loop.ctx = pt;
	hal->devkey.ops = &pt_devkey_ops;
	hal->devkey.ctx = pt;
	hal->dns.ops = &pt_dns_ops;
	hal->dns.ctx = pt;
	/* The mandatory devices (hal.h) are always there. */
	assert(hal_missing(hal) == NULL);
}
