/*
 * fz_verify.c: mbedtls_pk_verify_ext with a memory, for harnesses whose
 * inputs are mostly signed objects (OCSP responses, CRLs). Linked into a
 * harness, this definition takes the calls of the code under test (and of
 * libmbedx509) in place of libmbedcrypto's; the real one does the math.
 *
 * Why: a public-key verification (ECDSA above all) costs a millisecond
 * under the sanitizers, and a mutated response is verified again and again
 * against the same key with the same signature bytes. The answers are
 * exactly mbedTLS's:
 *   - the same (key, algorithm, hash, signature) again: the answer given
 *     the first time;
 *   - a signature that verified for one hash, offered for another: it
 *     fails. A signature (RSA PKCS#1 v1.5 or PSS, ECDSA) verifies for one
 *     hash of a message under one key; another would be a forgery or a
 *     hash collision, which no fuzzer finds.
 * Everything else goes to mbedTLS. The tables are direct-mapped and
 * forget on collision (only speed depends on them).
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

typedef int (*fz_verify_fn)(mbedtls_pk_type_t, const void *, mbedtls_pk_context *,
			    mbedtls_md_type_t, const unsigned char *, size_t, const unsigned char *,
			    size_t);

#define FZ_EXACT_BITS 15
#define FZ_VALID_BITS 12

struct fz_exact {
	uint8_t key[32]; /* of algorithm, key, signature and hash */
	int used, ret;
};

struct fz_valid {
	uint8_t key[32]; /* of algorithm, key and signature */
	int used;
	uint8_t hash[MBEDTLS_MD_MAX_SIZE];
	size_t hash_len;
};

static struct fz_exact fz_exact[1u << FZ_EXACT_BITS];
static struct fz_valid fz_valid[1u << FZ_VALID_BITS];

/* SHA-256 of what identifies a verification; hash NULL leaves it out. 0
 * when the key cannot be written (then nothing is remembered). */
static int fz_id(mbedtls_pk_type_t type, const void *options, mbedtls_pk_context *ctx,
		 mbedtls_md_type_t md, const unsigned char *hash, size_t hash_len,
		 const unsigned char *sig, size_t sig_len, uint8_t out[32])
{
	unsigned char pub[2048];
	int n = mbedtls_pk_write_pubkey_der(ctx, pub, sizeof(pub));
	mbedtls_sha256_context h;
	uint32_t head[4];

	if (n <= 0)
		return 0;
	head[0] = (uint32_t)type;
	head[1] = (uint32_t)md;
	head[2] = (uint32_t)sig_len;
	head[3] = (uint32_t)hash_len;
	mbedtls_sha256_init(&h);
	mbedtls_sha256_starts_ret(&h, 0);
	mbedtls_sha256_update_ret(&h, (const uint8_t *)head, sizeof(head));
	if (type == MBEDTLS_PK_RSASSA_PSS && options)
		mbedtls_sha256_update_ret(&h, options, sizeof(mbedtls_pk_rsassa_pss_options));
	mbedtls_sha256_update_ret(&h, pub + sizeof(pub) - (size_t)n, (size_t)n);
	mbedtls_sha256_update_ret(&h, sig, sig_len);
	if (hash)
		mbedtls_sha256_update_ret(&h, hash, hash_len);
	mbedtls_sha256_finish_ret(&h, out);
	mbedtls_sha256_free(&h);
	return 1;
}

static size_t fz_slot(const uint8_t id[32], unsigned bits)
{
	return ((size_t)id[0] | (size_t)id[1] << 8 | (size_t)id[2] << 16) & ((1u << bits) - 1);
}

int mbedtls_pk_verify_ext(mbedtls_pk_type_t type, const void *options, mbedtls_pk_context *ctx,
			  mbedtls_md_type_t md_alg, const unsigned char *hash, size_t hash_len,
			  const unsigned char *sig, size_t sig_len)
{
	static fz_verify_fn real;
	uint8_t exact_id[32], valid_id[32];
	struct fz_exact *x;
	struct fz_valid *v;
	int ret;

	if (!real) {
		real = (fz_verify_fn)(uintptr_t)dlsym(RTLD_NEXT, "mbedtls_pk_verify_ext");
		if (!real)
			abort();
	}
	if (!ctx || !sig || hash_len > MBEDTLS_MD_MAX_SIZE || (hash_len && !hash) ||
	    !fz_id(type, options, ctx, md_alg, NULL, hash_len, sig, sig_len, valid_id) ||
	    !fz_id(type, options, ctx, md_alg, hash, hash_len, sig, sig_len, exact_id))
		return real(type, options, ctx, md_alg, hash, hash_len, sig, sig_len);
	v = &fz_valid[fz_slot(valid_id, FZ_VALID_BITS)];
	if (v->used && !memcmp(v->key, valid_id, 32)) {
		if (v->hash_len == hash_len && !memcmp(v->hash, hash, hash_len))
			return 0;
		return mbedtls_pk_can_do(ctx, MBEDTLS_PK_RSA) ? MBEDTLS_ERR_RSA_VERIFY_FAILED
							      : MBEDTLS_ERR_ECP_VERIFY_FAILED;
	}
	x = &fz_exact[fz_slot(exact_id, FZ_EXACT_BITS)];
	if (x->used && !memcmp(x->key, exact_id, 32))
		return x->ret;
	ret = real(type, options, ctx, md_alg, hash, hash_len, sig, sig_len);
	memcpy(x->key, exact_id, 32);
	x->used = 1;
	x->ret = ret;
	if (ret == 0) {
		memcpy(v->key, valid_id, 32);
		v->used = 1;
		memcpy(v->hash, hash, hash_len);
		v->hash_len = hash_len;
	}
	return ret;
}
