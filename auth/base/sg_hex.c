/* sg_hex.c: the hex codec (see sg_hex.h). */
#include "sg_hex.h"

int sg_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sg_hex_decode(const char *s, size_t slen, uint8_t *out, size_t n)
{
	if (slen != 2 * n || (n && !s))
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = sg_hex_digit((unsigned char)s[2 * i]);
		int lo = sg_hex_digit((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void sg_hex_encode(const uint8_t *b, size_t n, char *out, size_t cap, int upper)
{
	const char *hx = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t o = 0;

	if (!cap)
		return;
	for (size_t i = 0; i < n && o + 2 < cap; i++) {
		out[o++] = hx[b[i] >> 4];
		out[o++] = hx[b[i] & 15];
	}
	out[o] = '\0';
}
