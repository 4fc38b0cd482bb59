/*
 * fuzz_apdu.c: libFuzzer harness for the virtual card's APDU front end
 * (auth/vcard*.c, auth/piv/apdu.c).
 *
 * The card is tests/fuzz/fz_card.c's: PIN 123456, PUK 12345678, the 3DES
 * management key 08..01 x3, P-256 in 9C, RSA-2048 in 9A, made once per
 * process. Every input starts from it as made (its sealed state put back,
 * the RNG reseeded), so a PIN blocked by one input stays usable for the
 * next and a crash reproduces from its input alone.
 *
 * Input: byte 0 picks the response buffer (0..253: 2 to 300 bytes, so the
 * 61xx path runs from every command; 255: 65538, the extended maximum;
 * 254: 65538 with the card in short-APDU mode, where every extended APDU
 * must be refused with 6700). Each APDU is also read as an ATR by
 * apdu_atr_ext (the client's reading of a card's historical bytes).
 * The rest is APDUs, each prefixed by a length byte. A length of 0 is a
 * power reset between APDUs instead; a length of 1 followed by 'M' has the
 * harness authenticate with the management key (the card's challenge
 * answered), so key generation and PUT DATA are in reach of mutations.
 * The first MAX_APDUS of these count.
 *
 * Checked: no crash or sanitizer report; every answer is 2..cap bytes; in
 * short-APDU mode an extended APDU gets exactly 6700; the counters the card
 * reports afterwards are within their bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "fz_card.h"
#include "hal.h"
#include "vcard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

/* APDUs (resets, 'M') taken from one input. Every counter of the card
 * stays below 16; writing the largest object takes 13 chained APDUs and
 * reading it back 12 GET RESPONSEs; so 32 reach all the card does, and
 * more would only add state writes (an input of hundreds of VERIFYs costs
 * milliseconds): with 64 the harness ran a third slower. */
#define MAX_APDUS 32

static uint8_t resp[65538];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_card *fc = fz_card_get();
	struct vcard_status st;
	struct vcard *c;
	size_t off = 1, cap;

	if (size < 1)
		return 0;
	cap = data[0] >= 0xFE ? sizeof(resp) : 2 + (size_t)data[0] * 298 / 254;
	c = fz_card_open(fc);
	vcard_set_short_apdus(c, data[0] == 0xFE);
	for (unsigned k = 0; off < size && k < MAX_APDUS; k++) {
		size_t n = data[off++], r;

		if (n == 0) {
			vcard_power(c, VCARD_RESET);
			continue;
		}
		if (n > size - off)
			n = size - off;
		if (n == 1 && data[off] == 'M') {
			(void)fz_card_mgmt_auth(c);
			off++;
			continue;
		}
		r = vcard_transmit(c, data + off, n, resp, cap);
		CHECK(r >= 2 && r <= cap);
		CHECK(apdu_atr_ext(data + off, n) <= 1);
		if (data[0] == 0xFE && n >= 7 && data[off + 4] == 0x00)
			CHECK(r == 2 && resp[0] == 0x67 && resp[1] == 0x00);
		off += n;
	}
	CHECK(vcard_get_status(c, &st) == SG_OK);
	CHECK(st.pin_tries_left >= 0 && st.pin_tries_left <= st.pin_tries_max &&
	      st.pin_tries_max <= VCARD_TRIES_MAX);
	CHECK(st.puk_tries_left >= 0 && st.puk_tries_left <= st.puk_tries_max &&
	      st.puk_tries_max <= VCARD_TRIES_MAX);
	vcard_close(c);
	return 0;
}
