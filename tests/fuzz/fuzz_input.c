/* fuzz_input.c: the small parsers of user input: a PIN from --pin-fd,
 * dates for --expires-before, identities for --user. None may crash, read
 * past its input or keep a malformed PIN. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "identity.h"
#include "pin.h"
#include "sg_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pin_policy pol;
	struct pin pin;
	char s[300];
	int64_t t;

	pin_policy_default(&pol);
	if (size && (data[0] & 1)) {
		pol.digits_only = 0;
		pol.max_len = PIN_MAX_LEN;
	}
	if (pin_from_buffer(&pol, data, size, &pin, NULL) == SG_OK) {
		if (pin.len < pol.min_len || pin.len > pol.max_len || pin.v[pin.len] != '\0')
			__builtin_trap();
	} else if (pin.len != 0) {
		__builtin_trap(); /* a refused PIN is wiped */
	}
	pin_wipe(&pin);

	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	memcpy(s, data, n);
	s[n] = '\0';
	if (sg_time_parse(s, &t, NULL) == SG_OK) {
		char back[32];
		int64_t t2;
		if (sg_time_parse(sg_time_format(t, back, sizeof(back)), &t2, NULL) != SG_OK ||
		    t2 != t)
			__builtin_trap();
	}

	/* The input as both the identity and the certificate's names. */
	struct certinfo ci;
	memset(&ci, 0, sizeof(ci));
	size_t vn = strlen(s);
	if (vn >= sizeof(ci.names[0].value))
		vn = sizeof(ci.names[0].value) - 1;
	for (size_t i = 0; i < 4; i++) {
		ci.names[i].type = (enum certinfo_name_type)i;
		memcpy(ci.names[i].value, s, vn);
	}
	ci.n_names = 4;
	(void)identity_match(&ci, s);
	char names[64];
	identity_names(&ci, names, sizeof(names));
	if (!memchr(names, '\0', sizeof(names)))
		__builtin_trap();
	return 0;
}
