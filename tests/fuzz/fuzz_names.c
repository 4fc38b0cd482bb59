/*
 * fuzz_names.c: names decoded once (auth/pki/dn.c) and name constraints
 * (auth/pki/nameconstr.c).
 *
 * Input: byte 0 picks the way in, the rest is:
 *   0: a DER Name: parsed by mbedTLS and formatted (dn_format) into a
 *      large and a small buffer; compared with itself (dn_equal,
 *      dn_is_within) and checked empty or not;
 *   1: a tag byte and an attribute value: dn_decode;
 *   2: two DER Names (a 2-byte big-endian length, the first, the
 *      second): dn_equal both ways, dn_is_within;
 *   3: a NameConstraints value and a certificate (a 2-byte length, the
 *      extension's value, the DER certificate parsed with nc_crt_ext_cb):
 *      nc_add_der, nc_check (leaf and self-issued), then nc_add of the
 *      certificate's own constraints and nc_check again.
 *
 * Checked: formatted text is NUL-terminated, valid UTF-8 with no control
 * byte, the same in the small buffer up to a whole character; a
 * decoded value is valid UTF-8 of the length returned; dn_equal is
 * symmetric and implies dn_is_within both ways; a well-formed name equals
 * itself; errors from nc_* are certificate errors with a detail.
 */
#define _GNU_SOURCE

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/platform.h>
#include <mbedtls/x509_crt.h>

#include "dn.h"
#include "nameconstr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

/* 1 when s[0..n) is valid UTF-8 (as dn_decode reads it). */
static int utf8_ok(const char *s, size_t n)
{
	char tmp[1];
	return n == 0 || dn_decode(MBEDTLS_ASN1_UTF8_STRING, (const uint8_t *)s, n, tmp, 0) != DN_E_ENCODING;
}

static void free_name(mbedtls_x509_name *nm)
{
	while (nm) {
		mbedtls_x509_name *next = nm->next;
		mbedtls_free(nm);
		nm = next;
	}
}

static void one_name(const uint8_t *d, size_t n)
{
	unsigned char *p = (unsigned char *)d, *end = p + n;
	mbedtls_x509_name nm;
	static char big[8192], small[24];
	size_t len, need, k;

	if (dn_equal(d, n, d, n)) {
		CHECK(dn_is_within(d, n, d, n));
		CHECK(dn_is_within(d, n, (const uint8_t *)"\x30\x00", 2));
	}
	(void)dn_is_empty(d, n);
	memset(&nm, 0, sizeof(nm));
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) ||
	    mbedtls_x509_get_name(&p, p + len, &nm)) {
		free_name(nm.next);
		return;
	}
	need = dn_format(big, sizeof(big), &nm);
	k = strlen(big);
	CHECK(need >= sizeof(big) || k == need);
	CHECK(utf8_ok(big, k));
	for (size_t i = 0; i < k; i++)
		CHECK((unsigned char)big[i] >= 0x20 && big[i] != 0x7f);
	CHECK(dn_format(small, sizeof(small), &nm) == need);
	k = strlen(small);
	CHECK(k < sizeof(small) && !memcmp(small, big, k) && utf8_ok(small, k));
	free_name(nm.next);
}

static void names_pair(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int e = dn_equal(a, an, b, bn);

	CHECK(e == dn_equal(b, bn, a, an));
	if (e) {
		CHECK(dn_is_within(a, an, b, bn));
		CHECK(dn_is_within(b, bn, a, an));
	}
}

static void constraints(const uint8_t *nc, size_t ncn, const uint8_t *der, size_t n)
{
	static struct nc_state st;
	struct sg_error e;
	mbedtls_x509_crt crt;
	sg_err err;

	nc_init(&st);
	sg_error_init(&e);
	err = nc_add_der(&st, nc, ncn, "CN=fuzz", &e);
	CHECK(err == SG_OK || (err == SG_E_CERT_UNTRUSTED && e.detail[0]));
	CHECK(st.n <= NC_MAX_SUBTREES && st.used <= NC_MAX_BYTES && st.n_ca <= NC_MAX_CAS);
	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_der_with_ext_cb(&crt, der, n, 1, nc_crt_ext_cb, NULL) == 0) {
		sg_error_init(&e);
		err = nc_check(&st, &crt, 0, &e);
		CHECK(err == SG_OK || (err == SG_E_CERT_UNTRUSTED && e.detail[0]));
		CHECK(nc_check(&st, &crt, 1, NULL) == SG_OK);
		sg_error_init(&e);
		err = nc_add(&st, &crt, &e);
		CHECK(err == SG_OK || (err == SG_E_CERT_UNTRUSTED && e.detail[0]));
		sg_error_init(&e);
		err = nc_check(&st, &crt, 0, &e);
		CHECK(err == SG_OK || (err == SG_E_CERT_UNTRUSTED && e.detail[0]));
	}
	mbedtls_x509_crt_free(&crt);
	nc_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t l;

	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		one_name(data + 1, size - 1);
		break;
	case 1:
		if (size >= 2) {
			static char out[1024];
			int r = dn_decode(data[1], data + 2, size - 2, out, sizeof(out));
			CHECK(r >= DN_E_SPACE);
			if (r >= 0)
				CHECK(strlen(out) <= (size_t)r && utf8_ok(out, (size_t)r));
		}
		break;
	case 2:
	case 3:
		if (size < 3)
			return 0;
		l = (size_t)data[1] << 8 | data[2];
		if (l > size - 3)
			return 0;
		if ((data[0] & 3) == 2)
			names_pair(data + 3, l, data + 3 + l, size - 3 - l);
		else
			constraints(data + 3, l, data + 3 + l, size - 3 - l);
		break;
	}
	return 0;
}
