/*
 * sg_hex.h: the core's one hex codec (fingerprints, serial numbers, keys
 * from a descriptor, Digest responses, JSON key IDs, provisiond's files).
 * Strict: a digit is 0-9, a-f or A-F, nothing else (no sign, space or
 * "0x"; a caller that allows a prefix or separators strips them itself).
 */
#ifndef SG_HEX_H
#define SG_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of the hex digit c (0-15), -1 when c is not one. */
int sg_hex_digit(int c);

/* Decodes exactly n bytes from the slen hex digits at s: 0, or -1 when
 * slen is not 2 * n or any character is not a hex digit (out[] is then
 * partly written: a caller decoding a secret wipes it). */
int sg_hex_decode(const char *s, size_t slen, uint8_t *out, size_t n);

/* Writes the n bytes at b as 2 * n digits (a-f, or A-F when upper) and a
 * NUL into out[0..cap); with too small a cap as many whole bytes as fit. */
void sg_hex_encode(const uint8_t *b, size_t n, char *out, size_t cap, int upper);

#endif
