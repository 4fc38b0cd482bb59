/* fuzz_certinfo.c: certificate summaries (certinfo_parse) and the
 * signature helpers must survive any input: no crash, no read past the
 * end, printable output only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "certinfo.h"
#include "sig.h"

static void check_printable(const char *s, size_t cap)
{
	const char *end = memchr(s, '\0', cap);
	if (!end)
		__builtin_trap();
	size_t n = (size_t)(end - s);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct certinfo ci;
	uint8_t der[160];
	size_t der_len = sizeof(der);

	if (certinfo_parse(data, size, &ci, NULL) == SG_OK) {
		check_printable(ci.subject, sizeof(ci.subject));
		check_printable(ci.issuer, sizeof(ci.issuer));
		check_printable(ci.serial, sizeof(ci.serial));
		if (ci.n_names > CERTINFO_MAX_NAMES)
			__builtin_trap();
		for (size_t i = 0; i < ci.n_names; i++)
			check_printable(ci.names[i].value, sizeof(ci.names[i].value));
	}
	/* The same bytes as a token's raw ECDSA answer. */
	if (sig_ecdsa_raw_to_der(data, size, der, &der_len) == SG_OK && der[0] != 0x30)
		__builtin_trap();
	return 0;
}
