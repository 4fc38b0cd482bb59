/*
 * fuzz_estcoap.c: what EST-coaps takes from the server (firmware/
 * est_coap_msg.c, the part of est_coap.c that needs no socket): the
 * answer's code, Content-Format and payload out of a CoAP message, then,
 * as est.c does with a 2.05 or 2.01, the certificates in it
 * (auth/enrol/est_msg.c); and the server's URL (est_url_parse).
 *
 * The CoAP message is parsed by libcoap (the GnuTLS variant signet links,
 * FUZZ_LIBS_estcoap), with the UDP framing a DTLS record carries.
 *
 * Input: byte 0 picks: even, the rest is a CoAP message; odd, a URL.
 *
 * Checked: the code is class * 100 + detail of the message's code; the
 * body is a copy of the payload, never longer than EST_MAX_BODY; a URL
 * either gives a host that fits and was in the URL and a port from 1 to
 * 65535, or is refused with a detail; nothing leaks.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <coap3/coap.h>
#include <mbedtls/x509_crt.h>

#include "firmware/coap/est_coap_msg.h"
#include "auth/enrol/est_msg.h"
#include "sg_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

static void answer(const uint8_t *d, size_t n)
{
	coap_pdu_t *pdu = coap_pdu_init(0, 0, 0, n + 16);
	struct est_resp r;
	const char *why = NULL;
	const uint8_t *payload = NULL;
	size_t plen = 0;
	sg_err rc;

	CHECK(pdu);
	if (!coap_pdu_parse(COAP_PROTO_UDP, d, n, pdu)) {
		coap_delete_pdu(pdu);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.cf = -1;
	rc = est_coap_take(pdu, &r, &why);
	CHECK(r.code == (unsigned)(coap_pdu_get_code(pdu) >> 5) * 100 + (coap_pdu_get_code(pdu) & 31));
	(void)coap_get_data(pdu, &plen, &payload);
	if (rc == SG_OK) {
		CHECK(r.len == plen && r.len <= EST_MAX_BODY);
		CHECK(r.len == 0 || (r.body && !memcmp(r.body, payload, r.len)));
		if (r.code == 205 || r.code == 201) {
			mbedtls_x509_crt chain;

			mbedtls_x509_crt_init(&chain);
			(void)est_certs_parse(r.cf < 0 ? EST_CF_PKCS7_CERTS : (unsigned)r.cf, r.body,
					      r.len, &chain, NULL);
			mbedtls_x509_crt_free(&chain);
		}
	} else {
		CHECK(why && !r.body && plen > EST_MAX_BODY);
	}
	est_resp_free(&r);
	coap_delete_pdu(pdu);
}

static void url(const uint8_t *d, size_t n)
{
	char s[512], host[64];
	uint16_t port = 0;
	struct sg_error e;

	if (n > sizeof(s) - 1)
		n = sizeof(s) - 1;
	memcpy(s, d, n);
	s[n] = '\0';
	sg_error_init(&e);
	if (est_url_parse(s, host, sizeof(host), &port, &e) == SG_OK) {
		CHECK(memchr(host, '\0', sizeof(host)) && host[0] && strstr(s, host));
		CHECK(port >= 1);
	} else {
		CHECK(e.code == SG_E_INVALID_ARG && e.detail[0]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int started;
	size_t before = sg_mem_current();

	if (!started) {
		coap_startup();
		coap_set_log_level(LOG_EMERG);
		started = 1;
	}
	if (size < 1)
		return 0;
	if (data[0] & 1)
		url(data + 1, size - 1);
	else
		answer(data + 1, size - 1);
	CHECK(sg_mem_current() == before);
	return 0;
}
