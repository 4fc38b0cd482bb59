/* fuzz_ocsp.c: libFuzzer harness for the OCSP response parser and checker.
 *
 * Any input is parsed; what parses is checked against fixed
 * certificate/issuer pairs (EC and RSA CAs; a good and a revoked user
 * under the EC CA) at a fixed time, with and without the nonce the seed
 * corpus was made with, so that the signature, responder, CertID, time and
 * nonce paths all run on mutated responses.
 *
 * The certificates and the seeds in tests/fuzz/corpus/ocsp/ come from one
 * throwaway openssl PKI (CN=EC CA / RSA CA, users 0x2001 and 0x1001, a
 * revoked user 0x2002, a delegated responder 0x3001, one without
 * OCSPSigning, one from another CA), answered offline by `openssl ocsp
 * -index ... -reqin` to requests built by ocsp_request_build with the
 * nonce below. FUZZ_NOW is an hour after they were made: most seeds are
 * current then, and their certificates valid.
 *
 * Speed: the signature checks (the CA's, a delegated responder's and its
 * certificate's) go through tests/fuzz/fz_verify.c, which remembers
 * mbedTLS's answers: a mutated response is checked six times against the
 * same keys, and mostly with the same signature bytes. That took the
 * harness from ~1,300 to ~39,000 executions a second, the answers being
 * mbedTLS's own.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "ocsp.h"

#define FUZZ_NOW 1795532000 /* 2026-11-24T14:53:20Z */

static const uint8_t fuzz_nonce[16] = {'s', 'i', 'g', 'n', 'e', 't', ' ', 'f',
				       'u', 'z', 'z', ' ', '0', '0', '0', '1'};

static const char ca_ec_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBsjCCAVegAwIBAgIUWOO5PkKgdhB7aqSJ2Y0LF9oc7YwwCgYIKoZIzj0EAwIw\n"
	"JjEUMBIGA1UECgwLc2lnbmV0IGZ1enoxDjAMBgNVBAMMBUVDIENBMB4XDTI2MTEy\n"
	"NDEzNTExM1oXDTM2MTEyMTEzNTExM1owJjEUMBIGA1UECgwLc2lnbmV0IGZ1enox\n"
	"DjAMBgNVBAMMBUVDIENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE0UxykhQA\n"
	"7zV7xD/HsG/i23wQaEIakPj/CieOzWwGVushR0mv+DPeDkfAKYLBPvzNknJqheYP\n"
	"jcBe0eUfj4tm56NjMGEwHQYDVR0OBBYEFKIyH/u0U184dmAxwTvnN6C2Ow5RMB8G\n"
	"A1UdIwQYMBaAFKIyH/u0U184dmAxwTvnN6C2Ow5RMA8GA1UdEwEB/wQFMAMBAf8w\n"
	"DgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0kAMEYCIQC45mJHYDjbt/f5SayY\n"
	"p6ktsb9PA9HTno7qHU/TGRv20AIhAIqzL1P6LJhQVO7ErjrPGFWy7jCRybTHhtv0\n"
	"Bspe7lDx\n"
	"-----END CERTIFICATE-----\n"
	;

static const char user_ec_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBpjCCAUugAwIBAgICIAEwCgYIKoZIzj0EAwIwJjEUMBIGA1UECgwLc2lnbmV0\n"
	"IGZ1enoxDjAMBgNVBAMMBUVDIENBMB4XDTI2MTEyNDEzNTExNFoXDTM2MTEyMTEz\n"
	"NTExNFowKDEUMBIGA1UECgwLc2lnbmV0IGZ1enoxEDAOBgNVBAMMB3VzZXItZWMw\n"
	"WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT3jOPA5B4GCc/yVSiv50VV/kFdJtcr\n"
	"uDFnaFz148/IvEKuXFFQfRG2cWyF+Xua7yMo6YPOqVG2d8Tn8udWA76Wo2cwZTAO\n"
	"BgNVHQ8BAf8EBAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHQYDVR0OBBYEFCxB\n"
	"3bmu4JZ80MEuF7JKR+DGso/xMB8GA1UdIwQYMBaAFKIyH/u0U184dmAxwTvnN6C2\n"
	"Ow5RMAoGCCqGSM49BAMCA0kAMEYCIQDUBQgogq8+xzisHMJ9TY4kjew23/SqfyqQ\n"
	"yqNIviFZjQIhAOlg8SUQD2sP5dE0OX5VUiBXVxSyz2TWTKgPLa7Gzxdi\n"
	"-----END CERTIFICATE-----\n"
	;

static const char ca_rsa_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDPzCCAiegAwIBAgIUCqSj1OZODpybPJXFGDgHryIYEZkwDQYJKoZIhvcNAQEL\n"
	"BQAwJzEUMBIGA1UECgwLc2lnbmV0IGZ1enoxDzANBgNVBAMMBlJTQSBDQTAeFw0y\n"
	"NjExMjQxMzUxMTRaFw0zNjExMjExMzUxMTRaMCcxFDASBgNVBAoMC3NpZ25ldCBm\n"
	"dXp6MQ8wDQYDVQQDDAZSU0EgQ0EwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK\n"
	"AoIBAQCrc4QsJIMDRtj5g0hVBoPYTez8e3+XOA4oxMskSvMAzUI+AZT0B8Se4J6l\n"
	"Pr+fB6SOK/wGQymzgfaoEoFx4zyWN0DG4AChB/NT9mf9hqL+8RckMOqNsIqasQ4M\n"
	"GhnaY1ZYsRokxmDjIQo+1Vfa6MfxcrTu/aUANFSnKGlHB4W133P/IBMhVCDxGjA+\n"
	"ksVTXr7CgP9NFMbHXHDv9kwJ2HScU3efK7N2jNBCj6v+HLJTOD1uKjSY62QAMhbm\n"
	"MOI97qiCz4MJD3i4voHZc+CjfBWNC95OugqBJ6SbByN1SirCpT4KMY+TiyACZwUV\n"
	"wWjJB+RFNQlCXZM+gpVfRcFkw6JnAgMBAAGjYzBhMB0GA1UdDgQWBBQArPMJUmg9\n"
	"eBNT4R+nhEkrHjJGjjAfBgNVHSMEGDAWgBQArPMJUmg9eBNT4R+nhEkrHjJGjjAP\n"
	"BgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjANBgkqhkiG9w0BAQsFAAOC\n"
	"AQEAI/8xJ8N53KtWq8HbLpaH13Zc1oAzK55C8kTJkXGjH95Uj57+D4p6qgFGhOA+\n"
	"0ddsTjvof94H6Ui2qbrnry3N8nEENvx88igUYFTEzvXEnyqG0yZmYHD6Pv8btuA1\n"
	"MMPYncokYs2tjVocC0lKe6jwguflccHBDpTe0qP75SVHxoVh4/r3rWfsdT0egkwM\n"
	"vqOaPQAcigrjKOX07ASbX+UhW+kzsi5vqs+fuHrTWxUoPwbsas7Y9YwddEAcf7QG\n"
	"UyUaxR6Jkbkoalg7sbfth19ORPgCJbZQCuv3ERTYw/03YR1lf3DKZ/584cHQSDST\n"
	"aU7CZsUl/b5R2D17xB1S5G3Fzg==\n"
	"-----END CERTIFICATE-----\n"
	;

static const char user_rsa_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIICaDCCAVCgAwIBAgICEAEwDQYJKoZIhvcNAQELBQAwJzEUMBIGA1UECgwLc2ln\n"
	"bmV0IGZ1enoxDzANBgNVBAMMBlJTQSBDQTAeFw0yNjExMjQxMzUxMTRaFw0zNjEx\n"
	"MjExMzUxMTRaMCkxFDASBgNVBAoMC3NpZ25ldCBmdXp6MREwDwYDVQQDDAh1c2Vy\n"
	"LXJzYTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABAZTFQspGx/9RUGVrZpxE3gM\n"
	"i/oKM1H5PqRpSSYcvvj4U7yLfJE38jh4kzDRTXE0L5IL756vyB1y8dOVn9Ze5yej\n"
	"ZzBlMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEFBQcDAjAdBgNVHQ4E\n"
	"FgQUdR6sbHn96Rf25gcluKHkJuWNdFMwHwYDVR0jBBgwFoAUAKzzCVJoPXgTU+Ef\n"
	"p4RJKx4yRo4wDQYJKoZIhvcNAQELBQADggEBADMTRkHgnDyPXygPEld8NmlAzAVf\n"
	"MSVKl+lkuwymwUHizNbrAjqqmfO8/JUAzE0uLVr2kXojkobJfioQS1GcHGEjUIYI\n"
	"+DfDiLB7qxyhNrzEoHAbnlPwZ6R9xapAwNnIURm3F53S4/buoNMvjmN7cz/RiqHZ\n"
	"WTK/Jt0uI+G7vBqzsemfDz93U+yreXf0LbLxHFm9BRTLva7p16RV5r7Zh7La0Ixv\n"
	"G5LJc1OtmSbjg++hr2yT13gjCtBSuqSx+1a9GQZEGNkBiy232YIMfQaPCnr5eOBB\n"
	"HinKA4jjlj5lxyvmV0RApr+TbL8M5YGhytvdENg1ZiYHL5PMbZ6KS/TlGy4=\n"
	"-----END CERTIFICATE-----\n"
	;

static const char user_rev_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBpzCCAUygAwIBAgICIAIwCgYIKoZIzj0EAwIwJjEUMBIGA1UECgwLc2lnbmV0\n"
	"IGZ1enoxDjAMBgNVBAMMBUVDIENBMB4XDTI2MTEyNDEzNTExNFoXDTM2MTEyMTEz\n"
	"NTExNFowKTEUMBIGA1UECgwLc2lnbmV0IGZ1enoxETAPBgNVBAMMCHVzZXItcmV2\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmAQhY9N20/5ToQ8JLNb6RlLKHPbm\n"
	"ydviG4rNRu8qxoxWTYumc7mO5ooAZ8i8TKdrFh17Hyrmmo6kbobn/HsqaKNnMGUw\n"
	"DgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMCMB0GA1UdDgQWBBQ7\n"
	"kdcWpezo+u4/ru3X++ARjYF5sjAfBgNVHSMEGDAWgBSiMh/7tFNfOHZgMcE75zeg\n"
	"tjsOUTAKBggqhkjOPQQDAgNJADBGAiEApmWPCwMSP4A/VoK2wqF1hZCaMpR1SGtn\n"
	"f2/2Bzo/71ICIQCQoIHAfVQYa+wmuhNdCx3y3gomwNVmse2JfDM/FMgjEQ==\n"
	"-----END CERTIFICATE-----\n"
	;

struct pair {
	const char *cert_pem, *issuer_pem;
	mbedtls_x509_crt cert, issuer;
};

static struct pair pairs[] = {
	{user_ec_pem, ca_ec_pem, {0}, {0}},
	{user_rsa_pem, ca_rsa_pem, {0}, {0}},
	{user_rev_pem, ca_ec_pem, {0}, {0}}, /* revoked (keyCompromise) */
};
#define N_PAIRS (sizeof(pairs) / sizeof(pairs[0]))

static void load(mbedtls_x509_crt *c, const char *pem)
{
	mbedtls_x509_crt_init(c);
	/* the length counts the NUL: mbedTLS wants it for PEM */
	if (mbedtls_x509_crt_parse(c, (const unsigned char *)pem, strlen(pem) + 1))
		abort();
}

static void setup(void)
{
	static int ready;

	if (ready)
		return;
	for (size_t i = 0; i < N_PAIRS; i++) {
		load(&pairs[i].cert, pairs[i].cert_pem);
		load(&pairs[i].issuer, pairs[i].issuer_pem);
	}
	ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ocsp_response r;
	struct ocsp_result res;
	struct sg_error e;

	setup();
	if (ocsp_response_parse(data, size, &r, &e) != SG_OK)
		return 0;
	for (size_t i = 0; i < r.n_single; i++)
		(void)ocsp_reason_name(r.single[i].revocation_reason);
	for (size_t i = 0; i < N_PAIRS; i++) {
		const mbedtls_x509_crt *c = &pairs[i].cert, *is = &pairs[i].issuer;

		if (ocsp_response_check(&r, c, is, NULL, 0, 0, FUZZ_NOW, 300, 3600, &res, &e) ==
		    SG_OK)
			(void)ocsp_reason_name(res.revocation_reason);
		(void)ocsp_response_check(&r, c, is, fuzz_nonce, sizeof(fuzz_nonce), 1, FUZZ_NOW, 300,
					  3600, &res, &e);
	}
	return 0;
}
