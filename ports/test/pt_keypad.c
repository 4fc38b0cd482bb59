/*
 * pt_keypad.c: keys from a script (see port_test_keys in port_test.h).
 * Reading never blocks; time passes on the test clock instead.
 */
#define _GNU_SOURCE

#include <stdlib.h>
#include <string.h>

#include "pt_priv.h"

void port_test_keys(struct port_test *pt, const char *script)
{
	size_t n = strlen(script);

	if (pt->nkeys + n > pt->keys_cap) {
		size_t cap = (pt->nkeys + n) * 2;
		char *k = malloc(cap);

		if (!k)
			abort();
		if (pt->keys) {
			memcpy(k, pt->keys, pt->nkeys);
			explicit_bzero(pt->keys, pt->keys_cap); /* test PINs too */
			free(pt->keys);
		}
		pt->keys = k;
		pt->keys_cap = cap;
	}
	memcpy(pt->keys + pt->nkeys, script, n);
	pt->nkeys += n;
}

void port_test_key_delay(struct port_test *pt, uint32_t ms)
{
	pt->key_delay = ms;
}

void port_test_keys_eof(struct port_test *pt)
{
	pt->keys_eof = 1;
}

size_t port_test_keys_left(const struct port_test *pt)
{
	return pt->nkeys - pt->key_pos;
}

void pt_keypad_free(struct port_test *pt)
{
	if (pt->keys)
		explicit_bzero(pt->keys, pt->keys_cap);
	free(pt->keys);
	pt->keys = NULL;
}

static int pt_timeout(struct port_test *pt, int timeout_ms)
{
	if (timeout_ms > 0)
		port_test_clock_advance(pt, (uint64_t)timeout_ms);
	return HAL_ETIMEDOUT;
}

static int pt_read(void *ctx, int timeout_ms, struct hal_key *key)
{
	struct port_test *pt = ctx;
	uint64_t need;
	char c;

	if (pt_fault_hit(pt, PORT_TEST_FAULT_KEYPAD_IO))
		return HAL_EIO;
	if (pt->key_pos >= pt->nkeys)
		return pt->keys_eof ? HAL_ECLOSED : pt_timeout(pt, timeout_ms);
	c = pt->keys[pt->key_pos];
	if (c == '~') {
		pt->key_pos++;
		pt->key_waited = 0;
		return pt_timeout(pt, timeout_ms);
	}
	need = pt->key_waited >= pt->key_delay ? 0 : pt->key_delay - pt->key_waited;
	if (timeout_ms >= 0 && need > (uint64_t)timeout_ms) {
		/* The user is slower than the read: it times out first. */
		pt->key_waited += (uint64_t)timeout_ms;
		return pt_timeout(pt, timeout_ms);
	}
	port_test_clock_advance(pt, need);
	pt->key_waited = 0;
	pt->keys[pt->key_pos++] = 0; /* consumed keys are not kept */
	switch (c) {
	case '\n':
		key->kind = HAL_KEY_ENTER;
		break;
	case '\b':
		key->kind = HAL_KEY_BACKSPACE;
		break;
	case '\x15':
		key->kind = HAL_KEY_CLEAR;
		break;
	case '\x1b':
		key->kind = HAL_KEY_CANCEL;
		break;
	default:
		key->kind = HAL_KEY_CHAR;
		key->ch = c;
		return HAL_OK;
	}
	key->ch = 0;
	return HAL_OK;
}

const struct hal_keypad_ops pt_keypad_ops = {
	.read = pt_read,
};
