/*
 * fuzz_dns: the resolver's answer reader (ports/linux/linux_dns_answer.c)
 * on any bytes. The first byte picks the query type (NAPTR, SRV, A,
 * AAAA); the rest is the answer as a DNS server sent it. Every record
 * must come back NUL-terminated and within HAL_DNS_MAX_RR.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ports/linux/linux_dns_answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = {HAL_DNS_NAPTR, HAL_DNS_SRV, HAL_DNS_A, HAL_DNS_AAAA};
	struct hal_dns_rr rr[HAL_DNS_MAX_RR];
	size_t n = 0, i;

	if (size < 1 || size > 65536)
		return 0;
	memset(rr, 0x5a, sizeof(rr));
	linux_dns_answer(types[data[0] % 4], data + 1, (int)(size - 1), rr, &n);
	if (n > HAL_DNS_MAX_RR)
		__builtin_trap();
	for (i = 0; i < n; i++)
		if (!memchr(rr[i].target, 0, sizeof(rr[i].target)) ||
		    !memchr(rr[i].flags, 0, sizeof(rr[i].flags)) ||
		    !memchr(rr[i].services, 0, sizeof(rr[i].services)))
			__builtin_trap();
	return 0;
}
