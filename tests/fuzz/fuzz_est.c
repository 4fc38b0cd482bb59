/* fuzz_est.c: what EST over CoAP parses from the network must survive any
 * input: the certificate responses (application/pkix-cert and PKCS#7
 * certs-only), the PKCS#10 requests the service reads (attributes,
 * challengePassword, subjectAltName), a pinned fingerprint. The first byte
 * picks the parser; the rest is the CoAP payload. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/enrol/est_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
	case 1: {
		mbedtls_x509_crt chain;

		mbedtls_x509_crt_init(&chain);
		(void)est_certs_parse(data[0] % 2 ? EST_CF_PKCS7_CERTS : EST_CF_PKIX_CERT, data + 1,
				      size - 1, &chain, NULL);
		mbedtls_x509_crt_free(&chain);
		break;
	}
	case 2: {
		mbedtls_x509_csr csr;
		struct est_csr_info ci;

		mbedtls_x509_csr_init(&csr);
		if (est_csr_parse(data + 1, size - 1, &csr, &ci, NULL) == SG_OK) {
			if (strlen(ci.login) > EST_LOGIN_MAX || strlen(ci.san_uri) > EST_SAN_MAX ||
			    ci.pin_len >= sizeof(ci.pin))
				__builtin_trap();
		}
		est_csr_info_wipe(&ci);
		mbedtls_x509_csr_free(&csr);
		break;
	}
	default: {
		char s[200];
		uint8_t fp[32];
		size_t n = size - 1 < sizeof(s) - 1 ? size - 1 : sizeof(s) - 1;

		memcpy(s, data + 1, n);
		s[n] = 0;
		(void)est_fingerprint_parse(s, fp, NULL);
		break;
	}
	}
	return 0;
}
