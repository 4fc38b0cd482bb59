/*
 * test_apdu.c: command APDU parsing (every ISO 7816-4 case, short and
 * extended, and what must be refused) and the BER-TLV helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apdu.h"

/* Hex with optional spaces into out; returns the length. */
static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*h) {
		unsigned v;

		if (*h == ' ') {
			h++;
			continue;
		}
		assert_true(n < cap);
		assert_int_equal(sscanf(h, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

struct apdu_case {
	const char *name;
	const char *hex;
	sg_err rc;
	size_t data_len, le;
	int extended;
	size_t data_off; /* where the data starts in the buffer */
};

static void test_parse_table(void **state)
{
	static const struct apdu_case cases[] = {
		{"case 1", "00A40400", SG_OK, 0, 0, 0, 0},
		{"case 2S", "00CA000008", SG_OK, 0, 8, 0, 0},
		{"case 2S Le 00 = 256", "00CA000000", SG_OK, 0, 256, 0, 0},
		{"case 3S", "0020008008 3132333435 36FFFF", SG_OK, 8, 0, 0, 5},
		{"case 4S", "00A4040005 A000000308 00", SG_OK, 5, 256, 0, 5},
		{"case 4S Le 10", "00A4040001 A0 10", SG_OK, 1, 16, 0, 5},
		{"case 2E", "00CA0000 00 0100", SG_OK, 0, 256, 1, 0},
		{"case 2E 0000 = 65536", "00CA0000 00 0000", SG_OK, 0, 65536, 1, 0},
		{"case 3E", "00DB3FFF 00 0003 5C0101", SG_OK, 3, 0, 1, 7},
		{"case 4E", "00870700 00 0002 7C00 0000", SG_OK, 2, 65536, 1, 7},
		{"case 4E Le 0102", "00870700 00 0001 AA 0102", SG_OK, 1, 258, 1, 7},
		{"too short", "00A404", SG_E_MALFORMED, 0, 0, 0, 0},
		{"empty", "", SG_E_MALFORMED, 0, 0, 0, 0},
		{"short Lc 00", "00A40400 00 11", SG_E_MALFORMED, 0, 0, 0, 0},
		{"Lc longer than data", "00A4040005 A00000", SG_E_MALFORMED, 0, 0, 0, 0},
		{"Lc shorter than data", "00A4040001 A000 0000", SG_E_MALFORMED, 0, 0, 0, 0},
		{"ext Lc 0000", "00DB3FFF 00 0000 11", SG_E_MALFORMED, 0, 0, 0, 0},
		{"ext Lc short of data", "00DB3FFF 00 0005 1122", SG_E_MALFORMED, 0, 0, 0, 0},
		{"ext Le one byte", "00DB3FFF 00 0001 11 00", SG_E_MALFORMED, 0, 0, 0, 0},
		{"two bytes after header", "00CA0000 0000", SG_E_MALFORMED, 0, 0, 0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[64];
		size_t n = unhex(cases[i].hex, buf, sizeof(buf));
		struct apdu a;
		sg_err r = apdu_parse(buf, n, &a);

		if (r != cases[i].rc)
			fail_msg("%s: rc %d, want %d", cases[i].name, r, cases[i].rc);
		if (r != SG_OK)
			continue;
		assert_int_equal(a.cla, buf[0]);
		assert_int_equal(a.ins, buf[1]);
		assert_int_equal(a.p1, buf[2]);
		assert_int_equal(a.p2, buf[3]);
		if (a.data_len != cases[i].data_len || a.le != cases[i].le ||
		    a.extended != cases[i].extended)
			fail_msg("%s: data %zu le %zu ext %d", cases[i].name, a.data_len, a.le,
				 a.extended);
		if (a.data_len)
			assert_ptr_equal(a.data, buf + cases[i].data_off);
		else
			assert_null(a.data);
	}
}

/* The largest extended APDU parses; one byte more does not. */
static void test_parse_extended_max(void **state)
{
	size_t n = 4 + 3 + 65535 + 2;
	uint8_t *buf = calloc(1, n + 1);
	struct apdu a;

	(void)state;
	assert_non_null(buf);
	buf[1] = 0xDB;
	buf[5] = 0xFF;
	buf[6] = 0xFF;
	assert_int_equal(apdu_parse(buf, n, &a), SG_OK);
	assert_int_equal(a.data_len, 65535);
	assert_int_equal(a.le, 65536);
	assert_int_equal(apdu_parse(buf, n - 2, &a), SG_OK);
	assert_int_equal(a.le, 0);
	assert_int_equal(apdu_parse(buf, n + 1, &a), SG_E_MALFORMED);
	assert_int_equal(apdu_parse(NULL, 4, &a), SG_E_MALFORMED);
	free(buf);
}

struct tlv_case {
	const char *name;
	const char *hex;
	sg_err rc;
	uint32_t tag;
	size_t val_len, consumed;
};

static void test_tlv_next_table(void **state)
{
	static const struct tlv_case cases[] = {
		{"one byte tag", "5301AA", SG_OK, 0x53, 1, 3},
		{"two byte tag", "7F490186FF", SG_OK, 0x7F49, 1, 4},
		{"three byte tag", "5FC10200", SG_OK, 0x5FC102, 0, 4},
		{"81 length", "7081800000", SG_E_MALFORMED, 0, 0, 0}, /* cut short */
		{"82 length", "53820002AABB", SG_OK, 0x53, 2, 6},
		{"trailing bytes ignored", "530111 22", SG_OK, 0x53, 1, 3},
		{"indefinite length", "5380", SG_E_MALFORMED, 0, 0, 0},
		{"83 length", "5383000001AA", SG_E_MALFORMED, 0, 0, 0},
		{"value cut", "5305AABB", SG_E_MALFORMED, 0, 0, 0},
		{"tag cut", "5F", SG_E_MALFORMED, 0, 0, 0},
		{"four byte tag", "5F818181 00", SG_E_MALFORMED, 0, 0, 0},
		{"no length", "53", SG_E_MALFORMED, 0, 0, 0},
		{"padding 00", "0001AA", SG_E_MALFORMED, 0, 0, 0},
		{"padding FF", "FF01AA", SG_E_MALFORMED, 0, 0, 0},
		{"empty", "", SG_E_MALFORMED, 0, 0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[300];
		size_t n = unhex(cases[i].hex, buf, sizeof(buf)), vl = 0, used = 0;
		const uint8_t *v = NULL;
		uint32_t tag = 0;
		sg_err r = ber_tlv_next(buf, n, &tag, &v, &vl, &used);

		if (r != cases[i].rc)
			fail_msg("%s: rc %d", cases[i].name, r);
		if (r != SG_OK)
			continue;
		if (tag != cases[i].tag || vl != cases[i].val_len || used != cases[i].consumed)
			fail_msg("%s: tag %x len %zu used %zu", cases[i].name, tag, vl, used);
		assert_ptr_equal(v + vl, buf + used);
	}
}

static void test_tlv_find(void **state)
{
	uint8_t buf[32];
	size_t n = unhex("8200 8103 010203 7F4900", buf, sizeof(buf)), vl;
	const uint8_t *v;

	(void)state;
	assert_int_equal(ber_tlv_find(buf, n, 0x81, &v, &vl), SG_OK);
	assert_ptr_equal(v, buf + 4);
	assert_int_equal(vl, 3);
	assert_int_equal(ber_tlv_find(buf, n, 0x82, &v, &vl), SG_OK);
	assert_non_null(v);
	assert_int_equal(vl, 0);
	assert_int_equal(ber_tlv_find(buf, n, 0x7F49, &v, &vl), SG_OK);
	assert_non_null(v);
	/* absent: OK with NULL */
	assert_int_equal(ber_tlv_find(buf, n, 0x80, &v, &vl), SG_OK);
	assert_null(v);
	assert_int_equal(vl, 0);
	/* garbage before the match */
	n = unhex("8205 00 8101AA", buf, sizeof(buf));
	assert_int_equal(ber_tlv_find(buf, n, 0x81, &v, &vl), SG_E_MALFORMED);
	assert_int_equal(ber_tlv_find(buf, 0, 0x81, &v, &vl), SG_OK);
	assert_null(v);
}

struct hdr_case {
	uint32_t tag;
	size_t len;
	const char *hex; /* "" : refused */
};

static void test_tlv_put_hdr(void **state)
{
	static const struct hdr_case cases[] = {
		{0x53, 0, "5300"},         {0x53, 0x7F, "537F"},
		{0x53, 0x80, "538180"},    {0x53, 0xFF, "5381FF"},
		{0x53, 0x100, "53820100"}, {0x7F49, 0x109, "7F49820109"},
		{0x5FC105, 3, "5FC10503"}, {0x53, 0x10000, ""},
		{0, 1, ""},                {0x01020304, 1, ""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t want[8], got[8];
		size_t wl = unhex(cases[i].hex, want, sizeof(want));
		size_t gl = ber_tlv_put_hdr(got, sizeof(got), cases[i].tag, cases[i].len);

		assert_int_equal(gl, wl);
		assert_int_equal(ber_tlv_hdr_len(cases[i].tag, cases[i].len), wl);
		assert_memory_equal(got, want, wl);
		if (wl) /* a buffer one byte short takes nothing */
			assert_int_equal(ber_tlv_put_hdr(got, wl - 1, cases[i].tag, cases[i].len), 0);
	}
}

/* The card capabilities in an ATR's historical bytes (ISO 7816-4
 * 8.1.1.2.7): extended Lc and Le fields are bit 7 of the third byte of
 * compact-TLV tag 7. */
static void test_atr_ext(void **state)
{
	static const struct {
		const char *hex;
		int ext;
	} cases[] = {
		/* signet's virtual card, and its short-APDU mode */
		{"3B8F800180F9A00000030800001000 73C021C0 9E", 1},
		{"3B8B800180F9A00000030800001000 C8", 0},
		/* a YubiKey-like ATR: TA1 TB1 TC1 TD1, TD2, TA3 TB3; 80 category */
		{"3BFD1300008131FE158073C021C0 57597562694B657940", 1},
		/* category 00: the last three bytes are the status, not TLV */
		{"3BF81300008131FE15 0073C021C0 009000", 1},
		{"3B88800100 73C021 80 009000", 0},
		/* chaining only (80), no extended length */
		{"3B8F800180F9A00000030800001000 73C02180 00", 0},
		/* capabilities of one byte: no third byte to read */
		{"3B85800180 71C0 0000", 0},
		/* category 10 (DIR data reference) and others carry no TLV here */
		{"3B841073C021C0", 0},
		/* cut short: TD1 promised, historical bytes past the end, a TLV
		 * longer than what is left */
		{"3B80", 0},
		{"3B8F8001 80", 0},
		{"3B85800180 7F", 0},
		{"3B", 0},
		{"", 0},
	};
	uint8_t buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = unhex(cases[i].hex, buf, sizeof(buf));

		if (apdu_atr_ext(buf, n) != cases[i].ext)
			fail_msg("case %zu (%s): expected %d", i, cases[i].hex, cases[i].ext);
	}
	assert_int_equal(apdu_atr_ext(NULL, 20), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),     cmocka_unit_test(test_parse_extended_max),
		cmocka_unit_test(test_tlv_next_table),  cmocka_unit_test(test_tlv_find),
		cmocka_unit_test(test_tlv_put_hdr),     cmocka_unit_test(test_atr_ext),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
