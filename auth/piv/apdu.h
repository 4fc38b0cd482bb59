/*
 * apdu.h: ISO/IEC 7816-4 command APDUs and the BER-TLV subset that smart
 * card applications use (SP 800-73-4 part 2, section 2.3), shared by the
 * virtual card (vcard*.c) and the PIV client.
 *
 * Every function takes (pointer, length) and never reads outside it.
 * Pointers handed back point into the caller's buffer (nothing is copied
 * or allocated) and live as long as it does.
 */
#ifndef APDU_H
#define APDU_H

#include <stddef.h>
#include <stdint.h>

#include "sg_err.h"

/* Largest command: extended case 4 (4 header + 3 Lc + 65535 data + 2 Le). */
#define APDU_MAX_CMD (4 + 3 + 65535 + 2)

struct apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data; /* into the parsed buffer; NULL when data_len is 0 */
	size_t data_len;     /* Nc: 0..65535 */
	size_t le;           /* Ne: 0 when there is no Le field; the 00 forms
			      * mean 256 (short) and 65536 (extended) */
	int extended;        /* 1: extended length fields (Lc and/or Le) */
};

/* Parses one command APDU: case 1 (header only), 2 (Le), 3 (Lc data) or 4
 * (Lc data Le), short or extended length. SG_E_MALFORMED when buf is
 * shorter than a header, when Lc does not match the length, for a short
 * Lc of 0, an extended Lc of 0000, or a mix of short and extended fields. */
sg_err apdu_parse(const uint8_t *buf, size_t len, struct apdu *out);

/* 1 when the ATR's historical bytes say the card takes extended Lc and Le
 * fields (ISO 7816-4 8.1.1.2.7: the card capabilities, compact-TLV tag 7,
 * third software function byte, bit 7); 0 otherwise and for any ATR that
 * does not parse (a card that says nothing gets short APDUs). */
int apdu_atr_ext(const uint8_t *atr, size_t len);

/* ---- BER-TLV -------------------------------------------------------------
 * Tags of 1 to 3 bytes, kept as their bytes in big-endian order (5F C1 05
 * is 0x5FC105, 7F 49 is 0x7F49). Lengths in the definite forms 00-7F,
 * 81 xx and 82 xx xx (so a value is at most 65535 bytes); 80 (indefinite)
 * and 83+ are refused. */

/* Reads the TLV at the start of buf: its tag, value (into buf) and the
 * total bytes it takes (tag + length + value). SG_E_MALFORMED when it is
 * cut short or badly encoded. */
sg_err ber_tlv_next(const uint8_t *buf, size_t len, uint32_t *tag, const uint8_t **val,
		    size_t *val_len, size_t *consumed);

/* Finds the first TLV with tag among the consecutive TLVs of buf (one
 * level: no descent into constructed values). Absent: SG_OK with *val NULL
 * and *val_len 0 (so a caller tells "missing" from "garbled").
 * SG_E_MALFORMED when buf does not parse up to the match. */
sg_err ber_tlv_find(const uint8_t *buf, size_t len, uint32_t tag, const uint8_t **val,
		    size_t *val_len);

/* Bytes that tag + length take for a value of val_len bytes (2 to 6);
 * 0 when val_len > 65535. */
size_t ber_tlv_hdr_len(uint32_t tag, size_t val_len);

/* Writes tag and length for a value of val_len bytes at out (capacity cap).
 * Returns the bytes written, or 0 when it does not fit, val_len > 65535 or
 * the tag is 0 or longer than 3 bytes. The value is the caller's to write
 * right after. */
size_t ber_tlv_put_hdr(uint8_t *out, size_t cap, uint32_t tag, size_t val_len);

#endif
