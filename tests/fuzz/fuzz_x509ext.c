/*
 * fuzz_x509ext.c: the certificate extensions mbedTLS leaves to signet
 * (auth/pki/x509ext.c: Authority Information Access, CRL Distribution Points)
 * and the URLs they carry into http_url_parse (auth/pki/http.c), as revocation
 * checking uses them.
 *
 * Input: byte 0 picks the way in, the rest is:
 *   0: a DER certificate, parsed by mbedTLS, its extensions read;
 *   1: the extensions field itself ([3] { Extensions }), handed to the
 *      readers as if mbedTLS had found it (no certificate around it, so
 *      every byte reaches them);
 *   2: a URL, as a configured OCSP responder or distribution point.
 *
 * Checked: every URL found is within the URL bounds, has no control byte,
 * space or NUL and was copied from the input; http_url_parse either
 * accepts it with a host, a port and a path starting with '/', or refuses
 * it with a detail and a zeroed result.
 */
#define _GNU_SOURCE

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "http.h"
#include "x509ext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

static void check_url(const char *url)
{
	static const struct http_url zero;
	struct http_url u;
	struct sg_error e;

	sg_error_init(&e);
	if (http_url_parse(url, &u, &e) == SG_OK) {
		CHECK(memchr(u.host, '\0', sizeof(u.host)) && u.host[0]);
		CHECK(memchr(u.path, '\0', sizeof(u.path)) && u.path[0] == '/');
		CHECK(u.port != 0);
		for (const char *p = u.path; *p; p++)
			CHECK((unsigned char)*p > 0x20 && *p != 0x7f);
	} else {
		CHECK(e.code == SG_E_CONFIG && e.detail[0]);
		CHECK(memchr(e.detail, '\0', sizeof(e.detail)));
		CHECK(memcmp(&u, &zero, sizeof(u)) == 0);
	}
}

static void check_urls(const struct x509ext_urls *u, size_t n, const uint8_t *d, size_t size)
{
	CHECK(n == u->n && n <= X509EXT_MAX_URLS);
	for (size_t i = 0; i < n; i++) {
		const char *s = u->url[i];
		size_t len = strnlen(s, sizeof(u->url[i]));

		CHECK(len > 0 && len <= X509EXT_URL_MAX);
		for (size_t k = 0; k < len; k++)
			CHECK((unsigned char)s[k] > 0x20 && s[k] != 0x7f);
		CHECK(memmem(d, size, s, len) != NULL); /* copied, never made up */
		check_url(s);
	}
}

static void read_exts(const mbedtls_x509_crt *crt, const uint8_t *d, size_t size)
{
	struct x509ext_urls u;
	size_t n;

	n = x509ext_aia_urls(crt, X509EXT_AIA_OCSP, &u);
	check_urls(&u, n, d, size);
	n = x509ext_aia_urls(crt, X509EXT_AIA_CA_ISSUERS, &u);
	check_urls(&u, n, d, size);
	n = x509ext_crl_dp_urls(crt, &u);
	check_urls(&u, n, d, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mbedtls_x509_crt crt;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		mbedtls_x509_crt_init(&crt);
		if (mbedtls_x509_crt_parse_der(&crt, data + 1, size - 1) == 0)
			read_exts(&crt, data + 1, size - 1);
		mbedtls_x509_crt_free(&crt);
		break;
	case 1:
		/* Only v3_ext is read by x509ext.c. */
		memset(&crt, 0, sizeof(crt));
		crt.v3_ext.p = (unsigned char *)(uintptr_t)(data + 1);
		crt.v3_ext.len = size - 1;
		read_exts(&crt, data + 1, size - 1);
		break;
	default: {
		char url[X509EXT_URL_MAX + 64];
		size_t n = size - 1 < sizeof(url) - 1 ? size - 1 : sizeof(url) - 1;

		memcpy(url, data + 1, n);
		url[n] = '\0';
		check_url(url);
		break;
	}
	}
	return 0;
}
