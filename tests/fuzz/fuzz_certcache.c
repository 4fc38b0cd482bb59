/* fuzz_certcache.c: libFuzzer harness for the certificate cache's blob
 * parser (auth/token/certcache.c). It must never crash or read past the
 * input; what it accepts is canonical: formatting the entries gives the
 * input back, byte for byte. The key is taken from the input itself (bytes
 * 6..37), so the fuzzer reaches the entries; a fixed key must refuse what
 * was not made for it. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "certcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                        \
	do {                               \
		if (!(cond))               \
			__builtin_trap();  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[CERTCACHE_MAX];
	struct certcache_ent e[CERTCACHE_ENTS];
	uint8_t key[32], fixed[32];
	size_t n = 99;

	memset(key, 0, sizeof(key));
	if (size >= CERTCACHE_HDR)
		memcpy(key, data + 6, 32);
	if (certcache_parse(data, size, key, e, &n) != SG_OK) {
		CHECK(n == 0);
		return 0;
	}
	CHECK(n <= CERTCACHE_ENTS);
	for (size_t i = 0; i < n; i++) {
		CHECK(e[i].present <= 1 && e[i].len <= CERTCACHE_DER_MAX);
		CHECK(e[i].present ? e[i].der >= data && e[i].der + e[i].len <= data + size
				   : e[i].len == 0);
	}
	CHECK(certcache_format(key, e, n, out, sizeof(out)) == size);
	CHECK(memcmp(out, data, size) == 0);
	certcache_key("piv", data, size, fixed);
	if (memcmp(fixed, key, 32))
		CHECK(certcache_parse(data, size, fixed, e, &n) == SG_E_MALFORMED);
	return 0;
}
