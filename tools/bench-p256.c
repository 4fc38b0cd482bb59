/*
 * bench-p256.c: `make bench` (tools/run-bench), beside the floor: what one
 * P-256 ECDSA verification costs in mbedTLS on this machine, the way signet
 * does it (a public key parsed from DER, mbedtls_pk_verify on a SHA-256
 * hash, everything made fresh each time). signet sign --verify with an EC
 * key does one (the challenge's signature); pam_signet does one per EC
 * signature it checks (the certificate's, by the test CA's P-256 key, and
 * with an EC key the challenge's too). The floor does none of this.
 *
 * usage: bench-p256 [RUNS]   prints the median in microseconds
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 30;
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context key;
	unsigned char hash[32], sig[MBEDTLS_ECDSA_MAX_LEN], pub[200];
	size_t sig_len = 0;
	double t[1000];
	int ok = 1;

	if (runs < 1 || runs > 1000)
		return 2;
	memset(hash, 0x5a, sizeof(hash));
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_pk_init(&key);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0) ||
	    mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key),
				mbedtls_ctr_drbg_random, &drbg) ||
	    mbedtls_pk_sign(&key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, &sig_len,
			    mbedtls_ctr_drbg_random, &drbg))
		return 1;
	int pub_len = mbedtls_pk_write_pubkey_der(&key, pub, sizeof(pub));
	if (pub_len <= 0)
		return 1;
	for (int i = 0; i < runs; i++) {
		mbedtls_pk_context pk;
		double t0 = now_us();

		mbedtls_pk_init(&pk);
		if (mbedtls_pk_parse_public_key(&pk, pub + sizeof(pub) - pub_len, (size_t)pub_len) ||
		    mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sig_len))
			ok = 0;
		mbedtls_pk_free(&pk);
		t[i] = now_us() - t0;
	}
	mbedtls_pk_free(&key);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
	if (!ok)
		return 1;
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
	printf("%.0f\n", runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2);
	return 0;
}
