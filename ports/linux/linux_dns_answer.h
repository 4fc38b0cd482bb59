/*
 * linux_dns_answer.h: the resolver's answer reader, apart from the device
 * so that a fuzzer can feed it any bytes (tests/fuzz/fuzz_dns.c).
 */
#ifndef LINUX_DNS_ANSWER_H
#define LINUX_DNS_ANSWER_H

#include <stddef.h>

#include "hal.h"

/* Reads the answer abuf (alen bytes) to a query of type (enum
 * hal_dns_type) into out[HAL_DNS_MAX_RR], *n records. HAL_OK (n may be 0),
 * HAL_ENOMEM, HAL_EIO for an answer that cannot be read. */
int linux_dns_answer(int type, const unsigned char *abuf, int alen, struct hal_dns_rr *out,
		     size_t *n);

#endif
