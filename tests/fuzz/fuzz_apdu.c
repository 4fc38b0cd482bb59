/*
 * fuzz_apdu.c: libFuzzer harness for the virtual card's APDU front end
 * (auth/vcard*.c, auth/apdu.c).
 *
 * Once per process: a card in the test port's memory with the PIN
 * "123456", a fixed 3DES management key of its own and a P-256 key in 9C;
 * its sealed blob is kept. Per input the blob is put back and reopened, so
 * every input starts from the same card (a PIN blocked by one input stays
 * usable for the next, and a crash reproduces from its input alone).
 *
 * Input: byte 0 picks the response buffer (0..254: 2 to 300 bytes, so the
 * 61xx path runs from every command; 255: 65538, the extended maximum).
 * The rest is APDUs, each prefixed by a length byte; a length of 0 is a
 * power reset between APDUs instead.
 *
 * Checked: no crash or sanitizer report; every answer is 2..cap bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/des.h>

#include "hal.h"
#include "port_test.h"
#include "vcard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

#define BLOB "fuzzcard"

static struct port_test *pt;
static struct hal hal;
static uint8_t *blob;
static size_t blob_len;
static uint8_t resp[65538];

static size_t send(struct vcard *c, const char *hex)
{
	uint8_t cmd[64];
	size_t n = 0;

	while (hex[0] && hex[1]) {
		unsigned v = 0, i;

		for (i = 0; i < 2; i++) {
			char ch = hex[i];

			v = v * 16 + (unsigned)(ch <= '9' ? ch - '0' : ch - 'A' + 10);
		}
		cmd[n++] = (uint8_t)v;
		hex += 2;
	}
	return vcard_transmit(c, cmd, n, resp, sizeof(resp));
}

static void setup(void)
{
	/* An explicit key: a card has no default (the well-known one is refused). */
	static const uint8_t k[24] = {8, 7, 6, 5, 4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1};
	struct vcard_params p = {"123456", 6, "12345678", 8, 0, k, 24, 0, 0, NULL};
	struct vcard *c = NULL;
	uint8_t d[12] = {0x7C, 0x0A, 0x82, 0x08};
	size_t n;

	pt = port_test_new();
	CHECK(pt);
	port_test_hal(pt, &hal);
	CHECK(vcard_create(&hal, BLOB, &p, NULL) == SG_OK);
	CHECK(vcard_open(&hal, BLOB, &c, NULL) == SG_OK);
	/* management key: single authentication, by hand */
	n = send(c, "0087039B047C02810000");
	CHECK(n == 14 && resp[12] == 0x90);
	{
		mbedtls_des3_context des;

		mbedtls_des3_init(&des);
		CHECK(mbedtls_des3_set3key_enc(&des, k) == 0);
		CHECK(mbedtls_des3_crypt_ecb(&des, resp + 4, d + 4) == 0);
		mbedtls_des3_free(&des);
	}
	{
		uint8_t cmd[20] = {0x00, 0x87, 0x03, 0x9B, 12};

		memcpy(cmd + 5, d, 12);
		n = vcard_transmit(c, cmd, 17, resp, sizeof(resp));
		CHECK(n == 2 && resp[0] == 0x90);
	}
	n = send(c, "0047009C05AC0380011100");
	CHECK(n == 72 && resp[70] == 0x90);
	vcard_close(c);
	blob_len = 65536;
	blob = malloc(blob_len);
	CHECK(blob);
	CHECK(hal_storage_read(&hal.storage, BLOB, blob, &blob_len) == HAL_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vcard *c = NULL;
	size_t off = 1, cap;

	if (!pt)
		setup();
	if (size < 1)
		return 0;
	cap = data[0] == 0xFF ? sizeof(resp) : 2 + (size_t)data[0] * 298 / 254;
	CHECK(hal_storage_write(&hal.storage, BLOB, blob, blob_len) == HAL_OK);
	CHECK(vcard_open(&hal, BLOB, &c, NULL) == SG_OK);
	while (off < size) {
		size_t n = data[off++], r;

		if (n == 0) {
			vcard_power(c, VCARD_RESET);
			continue;
		}
		if (n > size - off)
			n = size - off;
		r = vcard_transmit(c, data + off, n, resp, cap);
		CHECK(r >= 2 && r <= cap);
		off += n;
	}
	vcard_close(c);
	return 0;
}
