/*
 * test_token_pk.c: mbedTLS pk contexts whose private key is on a real
 * SoftHSM2 token (tools/mktoken: RSA-2048 "alice" id 01, EC P-256 "bob"
 * id 02): signatures made through the token verify with the
 * certificate's public key; digests the token path must refuse are
 * refused with a reason; the public half works (bit length, verify,
 * public key and CSR writing); the RSA_ALT path signs too.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "itest.h"
#include "port_linux.h"
#include "token_p11.h"
#include "token_pk.h"

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"
#define PIN "123456"

static char *dir;
static struct hal hal;

static int group_setup(void **state)
{
	struct port_linux_opts po = {.log_ident = "test", .log_level = HAL_LOG_ERR,
				     .tty_path = "/nonexistent-tty"};
	char conf[600];

	(void)state;
	dir = itest_mktoken("tpk", "signet-tpk", PIN, "rsa:alice:01 ec:bob:02");
	if (!dir)
		return -1;
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", dir);
	setenv("SOFTHSM2_CONF", conf, 1);
	return port_linux_init(&hal, &po) == HAL_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	port_linux_fini(&hal);
	free(dir);
	return 0;
}

/* Opens the token (logged in when login is set) and finds label. */
static struct token *open_token(int login, const char *label, size_t *idx)
{
	struct token *t = NULL;
	struct sg_error e;
	struct pin_policy pol;
	struct pin pin;

	sg_error_init(&e);
	assert_int_equal(token_p11_open(&hal, SOFTHSM, NULL, &t, &e), SG_OK);
	if (login) {
		pin_policy_default(&pol);
		memset(&pin, 0, sizeof(pin));
		pin.len = strlen(PIN);
		memcpy(pin.v, PIN, pin.len);
		assert_int_equal(token_login(t, &pol, &pin, &e), SG_OK);
	}
	for (size_t i = 0; i < t->n_certs; i++)
		if (!strcmp(t->certs[i].label, label))
			*idx = i;
	assert_true(*idx < t->n_certs);
	return t;
}

static void hash_of(mbedtls_md_type_t md, const char *text, uint8_t *out)
{
	assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(md), (const uint8_t *)text,
				    strlen(text), out),
			 0);
}

struct sign_case {
	const char *label;
	int rsa_alt;
	mbedtls_md_type_t md;
	int ok;               /* 1: signs and verifies; 0: refused */
	const char *why;      /* words in token_pk_error() when refused */
};

static const struct sign_case sign_cases[] = {
	{"alice", 0, MBEDTLS_MD_SHA256, 1, NULL},
	{"alice", 0, MBEDTLS_MD_SHA384, 1, NULL},
	{"alice", 0, MBEDTLS_MD_SHA512, 0, "SHA-256 or SHA-384"},
	{"alice", 0, MBEDTLS_MD_SHA1, 0, "SHA-256 or SHA-384"},
	{"alice", 1, MBEDTLS_MD_SHA256, 1, NULL},
	{"alice", 1, MBEDTLS_MD_SHA384, 1, NULL},
	{"alice", 1, MBEDTLS_MD_SHA512, 0, "SHA-256 or SHA-384"},
	{"bob", 0, MBEDTLS_MD_SHA256, 1, NULL},
	{"bob", 0, MBEDTLS_MD_SHA384, 1, NULL},
	{"bob", 0, MBEDTLS_MD_SHA512, 0, "SHA-256 or SHA-384"},
};

static void test_sign_verify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sign_cases) / sizeof(sign_cases[0]); i++) {
		const struct sign_case *c = &sign_cases[i];
		size_t idx = (size_t)-1, sig_len = 0;
		struct token *t = open_token(1, c->label, &idx);
		mbedtls_pk_context pk;
		mbedtls_x509_crt crt;
		uint8_t hash[64], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
		size_t hlen = mbedtls_md_get_size(mbedtls_md_info_from_type(c->md));
		struct sg_error e;
		int r;

		print_message("case %zu: %s%s md %d\n", i, c->label, c->rsa_alt ? " (RSA_ALT)" : "",
			      (int)c->md);
		sg_error_init(&e);
		mbedtls_pk_init(&pk);
		mbedtls_x509_crt_init(&crt);
		assert_int_equal(mbedtls_x509_crt_parse_der(&crt, t->certs[idx].der,
							    t->certs[idx].der_len),
				 0);
		assert_int_equal(c->rsa_alt ? token_pk_setup_rsa_alt(&pk, t, idx, &e)
					    : token_pk_setup(&pk, t, idx, &e),
				 SG_OK);
		assert_true(token_pk_is_token_key(&pk));
		hash_of(c->md, "signet token_pk test", hash);
		r = mbedtls_pk_sign(&pk, c->md, hash, hlen, sig, &sig_len, NULL, NULL);
		if (c->ok) {
			assert_int_equal(r, 0);
			assert_int_equal(token_pk_error(&pk, &e), SG_OK);
			/* with the certificate's key, and with the token key's public half */
			assert_int_equal(mbedtls_pk_verify(&crt.pk, c->md, hash, hlen, sig, sig_len), 0);
			/* RSA_ALT has no public operations at all */
			if (c->rsa_alt)
				assert_int_not_equal(
					mbedtls_pk_verify(&pk, c->md, hash, hlen, sig, sig_len), 0);
			else
				assert_int_equal(mbedtls_pk_verify(&pk, c->md, hash, hlen, sig, sig_len),
						 0);
			hash[0] ^= 1;
			assert_int_not_equal(mbedtls_pk_verify(&crt.pk, c->md, hash, hlen, sig, sig_len),
					     0);
		} else {
			assert_int_equal(r, MBEDTLS_ERR_PK_BAD_INPUT_DATA);
			assert_int_not_equal(token_pk_error(&pk, &e), SG_OK);
			assert_non_null(strstr(e.detail, c->why));
		}
		token_pk_free(&pk);
		assert_false(token_pk_is_token_key(&pk));
		mbedtls_x509_crt_free(&crt);
		token_close(t);
	}
}

/* The MD5+SHA-1 form of TLS 1.0/1.1 comes as MD_NONE with 36 bytes. */
static void test_refuses_raw_digest(void **state)
{
	static const char *labels[] = {"alice", "bob"};
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		size_t idx = (size_t)-1, sig_len = 0;
		struct token *t = open_token(1, labels[i], &idx);
		mbedtls_pk_context pk;
		uint8_t raw[36] = {1}, sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
		struct sg_error e;

		sg_error_init(&e);
		mbedtls_pk_init(&pk);
		assert_int_equal(token_pk_setup(&pk, t, idx, &e), SG_OK);
		assert_int_not_equal(
			mbedtls_pk_sign(&pk, MBEDTLS_MD_NONE, raw, sizeof(raw), sig, &sig_len, NULL, NULL),
			0);
		assert_int_not_equal(token_pk_error(&pk, &e), SG_OK);
		assert_non_null(strstr(e.detail, "TLS 1.2 is required"));
		token_pk_free(&pk);
		token_close(t);
	}
}

/* Not logged in: the token refuses, and token_pk_error says what it said. */
static void test_token_failure_reported(void **state)
{
	size_t idx = (size_t)-1, sig_len = 0;
	struct token *t = open_token(0, "bob", &idx);
	mbedtls_pk_context pk;
	uint8_t hash[32] = {0}, sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	struct sg_error e;

	(void)state;
	sg_error_init(&e);
	mbedtls_pk_init(&pk);
	assert_int_equal(token_pk_setup(&pk, t, idx, &e), SG_OK);
	assert_int_equal(
		mbedtls_pk_sign(&pk, MBEDTLS_MD_SHA256, hash, 32, sig, &sig_len, NULL, NULL),
		MBEDTLS_ERR_PK_HW_ACCEL_FAILED);
	assert_int_not_equal(token_pk_error(&pk, &e), SG_OK);
	assert_true(e.detail[0] != 0);
	token_pk_free(&pk);
	token_close(t);
}

/* The public half: type, bit length, can_do, and public key writing (the
 * table path; RSA_ALT cannot write). */
static void test_public_half(void **state)
{
	static const struct {
		const char *label;
		mbedtls_pk_type_t type;
		size_t bits;
	} cases[] = {{"alice", MBEDTLS_PK_RSA, 2048}, {"bob", MBEDTLS_PK_ECKEY, 256}};
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		size_t idx = (size_t)-1;
		struct token *t = open_token(0, cases[i].label, &idx);
		mbedtls_pk_context pk;
		mbedtls_x509_crt crt;
		uint8_t der[1024];
		int n;
		struct sg_error e;

		sg_error_init(&e);
		mbedtls_pk_init(&pk);
		mbedtls_x509_crt_init(&crt);
		assert_int_equal(mbedtls_x509_crt_parse_der(&crt, t->certs[idx].der,
							    t->certs[idx].der_len),
				 0);
		assert_int_equal(token_pk_setup(&pk, t, idx, &e), SG_OK);
		assert_int_equal(mbedtls_pk_get_type(&pk), cases[i].type);
		assert_int_equal(mbedtls_pk_get_bitlen(&pk), cases[i].bits);
		assert_false(mbedtls_pk_can_do(&pk, MBEDTLS_PK_ECKEY_DH));
		n = mbedtls_pk_write_pubkey_der(&pk, der, sizeof(der));
		assert_true(n > 0);
		assert_int_equal((size_t)n, crt.pk_raw.len);
		assert_memory_equal(der + sizeof(der) - (size_t)n, crt.pk_raw.p, (size_t)n);
		/* a second setup on a set-up context is a bug, not a leak */
		assert_int_equal(token_pk_setup(&pk, t, idx, &e), SG_E_INTERNAL);
		token_pk_free(&pk);
		mbedtls_x509_crt_free(&crt);
		token_close(t);
	}
}

/* A CSR signed on the token (what EST enrolment will do) parses and its
 * signature verifies with the public key it carries. */
static void test_csr(void **state)
{
	static const char *labels[] = {"alice", "bob"};
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		size_t idx = (size_t)-1;
		struct token *t = open_token(1, labels[i], &idx);
		mbedtls_pk_context pk;
		mbedtls_x509write_csr w;
		mbedtls_x509_csr csr;
		uint8_t der[2048], hash[32];
		int n;
		struct sg_error e;

		sg_error_init(&e);
		mbedtls_pk_init(&pk);
		mbedtls_x509write_csr_init(&w);
		mbedtls_x509_csr_init(&csr);
		assert_int_equal(token_pk_setup(&pk, t, idx, &e), SG_OK);
		mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA256);
		assert_int_equal(mbedtls_x509write_csr_set_subject_name(&w, "CN=renew,O=signet test"),
				 0);
		mbedtls_x509write_csr_set_key(&w, &pk);
		n = mbedtls_x509write_csr_der(&w, der, sizeof(der), hal_rng_mbedtls, (void *)&hal.rng);
		assert_true(n > 0);
		assert_int_equal(mbedtls_x509_csr_parse_der(&csr, der + sizeof(der) - (size_t)n,
							    (size_t)n),
				 0);
		hash_of(MBEDTLS_MD_SHA256, "", hash); /* keep the helper honest */
		assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(csr.sig_md), csr.cri.p,
					    csr.cri.len, hash),
				 0);
		assert_int_equal(mbedtls_pk_verify(&csr.pk, csr.sig_md, hash, 32, csr.sig.p,
						   csr.sig.len),
				 0);
		mbedtls_x509_csr_free(&csr);
		mbedtls_x509write_csr_free(&w);
		token_pk_free(&pk);
		token_close(t);
	}
}

static void test_bad_arguments(void **state)
{
	size_t idx = (size_t)-1;
	struct token *t = open_token(0, "alice", &idx);
	mbedtls_pk_context pk;
	struct sg_error e;

	(void)state;
	sg_error_init(&e);
	mbedtls_pk_init(&pk);
	assert_int_equal(token_pk_setup(&pk, t, t->n_certs, &e), SG_E_INTERNAL);
	assert_int_equal(token_pk_setup(NULL, t, idx, &e), SG_E_INTERNAL);
	assert_int_equal(token_pk_setup(&pk, NULL, idx, &e), SG_E_INTERNAL);
	assert_int_equal(token_pk_error(&pk, &e), SG_OK);
	assert_false(token_pk_is_token_key(&pk));
	token_pk_free(&pk);
	token_pk_free(NULL);
	token_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_refuses_raw_digest),
		cmocka_unit_test(test_token_failure_reported),
		cmocka_unit_test(test_public_half),
		cmocka_unit_test(test_csr),
		cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
