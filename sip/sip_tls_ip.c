/*
 * sip_tls_ip.c: IP literals and subjectAltName iPAddress matching for the
 * TLS transport (sip_tls.h). mbedTLS 2.28 matches DNS names only, and the
 * core has no inet_pton (no OS headers), so the text forms are parsed
 * here, strictly: anything unusual is a host name, not an address.
 */
#include <string.h>

#include "sg_hex.h"
#include "sip_tls.h"

/* A dotted quad s[0..n) into out[4]; 1 on success. No leading zeros
 * (they would be octal to some parsers). */
static int tls_ipv4(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part > 0) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s[i - digits] == '0'))
			return 0;
		out[part] = (uint8_t)v;
	}
	return i == n;
}

/* RFC 4291 2.2 text s[0..n) into out[16]; 1 on success. */
static int tls_ipv6(const char *s, size_t n, uint8_t out[16])
{
	uint8_t w[16];
	size_t i = 0, o = 0;
	int gap = -1; /* where "::" stands, in bytes */

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (n >= 1 && s[0] == ':') {
		return 0;
	}
	while (i < n) {
		size_t start = i;
		unsigned v = 0;
		int d = 0;

		while (i < n && d < 5 && sg_hex_digit((unsigned char)s[i]) >= 0) {
			v = (v << 4) | (unsigned)sg_hex_digit((unsigned char)s[i]);
			i++;
			d++;
		}
		if (i < n && s[i] == '.') { /* the dotted IPv4 tail */
			if (o + 4 > 16 || !tls_ipv4(s + start, n - start, w + o))
				return 0;
			o += 4;
			break;
		}
		if (d == 0 || d > 4 || o + 2 > 16)
			return 0;
		w[o++] = (uint8_t)(v >> 8);
		w[o++] = (uint8_t)v;
		if (i == n)
			break;
		if (s[i] != ':')
			return 0;
		i++;
		if (i < n && s[i] == ':') {
			if (gap >= 0)
				return 0;
			gap = (int)o;
			i++;
		} else if (i == n) {
			return 0; /* a trailing single ':' */
		}
	}
	if (gap < 0) {
		if (o != 16)
			return 0;
		memcpy(out, w, 16);
		return 1;
	}
	if (o > 14)
		return 0; /* "::" must stand for at least one group */
	memset(out, 0, 16);
	memcpy(out, w, (size_t)gap);
	memcpy(out + 16 - (o - (size_t)gap), w + gap, o - (size_t)gap);
	return 1;
}

int sip_tls_ip_literal(const char *s, uint8_t out[16])
{
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
		return n - 2 <= 45 && tls_ipv6(s + 1, n - 2, out) ? 16 : 0;
	if (n <= 15 && tls_ipv4(s, n, out))
		return 4;
	if (n <= 45 && memchr(s, ':', n) && tls_ipv6(s, n, out))
		return 16;
	return 0;
}

int sip_tls_cert_has_ip(const mbedtls_x509_crt *crt, const uint8_t *ip, size_t len)
{
	const mbedtls_x509_sequence *s;

	/* 2.28 keeps every GeneralName here with its raw tag. */
	for (s = crt ? &crt->subject_alt_names : NULL; s && s->buf.p; s = s->next)
		if (s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && s->buf.len == len && !memcmp(s->buf.p, ip, len))
			return 1;
	return 0;
}

