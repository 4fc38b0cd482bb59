/*
 * fuzz_path.c: the path builder and validator (auth/pki/path.c) over a
 * pool of fuzzed certificates.
 *
 * Input:
 *   byte 0: flags: 1 time_soft, 2 require_explicit_policy, 4
 *           inhibit_policy_mapping, 8 inhibit_any_policy, 16 the initial
 *           policy set is NIST-test-policy-1 (else any), 32 a second pool
 *           holds the same certificates again, 128 every signature is
 *           taken as valid (so that mutated certificates, whose signatures
 *           no longer verify, still reach basic constraints, name
 *           constraints and policies);
 *   byte 1: anchors: 1 + byte % 3;
 *   then records: a 2-byte big-endian length and a DER certificate, at
 *           most 24: the target, the anchors, then the pool (a pool
 *           certificate mbedTLS cannot parse is kept raw, as --untrusted
 *           keeps it).
 * path_build runs at a fixed time inside PKITS's validity, then
 * path_crl_signer with the first anchor.
 *
 * Checked: a known result code; on success the path starts at the target,
 * ends at an anchor, has no certificate twice and at most PATH_MAX_LEN;
 * on failure a reason; every text NUL-terminated. Time per input is
 * bounded by the builder's caps (PATH_MAX_TRIES candidates, each at most
 * one signature check, PATH_MAX_LEN deep).
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "path.h"
#include "sg_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int mbedtls_pk_verify_ext(mbedtls_pk_type_t type, const void *options, mbedtls_pk_context *ctx,
			  mbedtls_md_type_t md_alg, const unsigned char *hash, size_t hash_len,
			  const unsigned char *sig, size_t sig_len);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

#define MAX_RECORDS 24

static int accept_all;

/* Takes the code under test's calls (see fz_verify.c for the idea). */
int mbedtls_pk_verify_ext(mbedtls_pk_type_t type, const void *options, mbedtls_pk_context *ctx,
			  mbedtls_md_type_t md_alg, const unsigned char *hash, size_t hash_len,
			  const unsigned char *sig, size_t sig_len)
{
	typedef int (*fn)(mbedtls_pk_type_t, const void *, mbedtls_pk_context *,
			  mbedtls_md_type_t, const unsigned char *, size_t, const unsigned char *,
			  size_t);
	static fn real;

	if (accept_all)
		return 0;
	if (!real)
		real = (fn)dlsym(RTLD_NEXT, "mbedtls_pk_verify_ext");
	return real(type, options, ctx, md_alg, hash, hash_len, sig, sig_len);
}

static int in_list(const mbedtls_x509_crt *list, const mbedtls_x509_crt *x)
{
	for (; list && list->raw.p; list = list->next)
		if (list == x)
			return 1;
	return 0;
}

static void texts_ok(const struct path_out *o)
{
	CHECK(memchr(o->why, 0, sizeof(o->why)));
	CHECK(memchr(o->names, 0, sizeof(o->names)));
	CHECK(memchr(o->policy, 0, sizeof(o->policy)));
	CHECK(memchr(o->pol.user, 0, sizeof(o->pol.user)));
}

static void check(const struct path_in *in, const struct path_out *o, sg_err rc,
		  const struct sg_error *e)
{
	texts_ok(o);
	CHECK(o->n <= PATH_MAX_LEN);
	if (rc == SG_OK) {
		CHECK(o->n >= 1 && o->crt[0]->raw.len == in->target->raw.len);
		CHECK(in_list(in->anchors, o->crt[o->n - 1]));
		for (size_t i = 0; i < o->n; i++)
			for (size_t j = i + 1; j < o->n; j++)
				CHECK(o->crt[i] != o->crt[j]);
		CHECK(o->time_ok || in->time_soft);
	} else {
		CHECK(rc == SG_E_CERT_UNTRUSTED || rc == SG_E_CERT_EXPIRED ||
		      rc == SG_E_CERT_NOT_YET_VALID || rc == SG_E_NOMEM);
		CHECK(o->why[0] && e->detail[0]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct path_out out;
	mbedtls_x509_crt target, anchors, pool;
	struct path_unread u = {0};
	struct pol_params pp;
	struct path_in in;
	struct sg_error e;
	size_t off = 2, rec = 0;
	int na;

	if (size < 2)
		return 0;
	accept_all = (data[0] & 128) != 0;
	na = 1 + data[1] % 3;
	mbedtls_x509_crt_init(&target);
	mbedtls_x509_crt_init(&anchors);
	mbedtls_x509_crt_init(&pool);
	while (off + 2 <= size && rec < MAX_RECORDS) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (len > size - off)
			len = size - off;
		if (rec == 0)
			(void)path_parse_der(&target, NULL, data + off, len);
		else if ((int)rec <= na)
			(void)path_parse_der(&anchors, NULL, data + off, len);
		else
			(void)path_parse_der(&pool, &u, data + off, len);
		off += len;
		rec++;
	}
	memset(&pp, 0, sizeof(pp));
	pp.require_explicit = (data[0] & 2) != 0;
	pp.inhibit_mapping = (data[0] & 4) != 0;
	pp.inhibit_any = (data[0] & 8) != 0;
	if (data[0] & 16)
		strcpy(pp.policies, "2.16.840.1.101.3.2.1.48.1");
	memset(&in, 0, sizeof(in));
	in.target = &target;
	in.anchors = &anchors;
	in.pool[0] = &pool;
	in.pool[1] = (data[0] & 32) ? &pool : NULL;
	in.unread = &u;
	in.policy = &pp;
	in.now = sg_time_from_utc(2020, 6, 1, 0, 0, 0);
	in.time_soft = data[0] & 1;
	in.rsa_min_bits = 1024;
	if (target.raw.p && anchors.raw.p) {
		sg_err rc;

		sg_error_init(&e);
		rc = path_build(&in, &out, &e);
		check(&in, &out, rc, &e);
		sg_error_init(&e);
		rc = path_crl_signer(&in, &anchors, &out, &e);
		check(&in, &out, rc, &e);
		if (rc == SG_OK)
			CHECK(out.crt[out.n - 1] == &anchors);
	}
	path_unread_free(&u);
	mbedtls_x509_crt_free(&target);
	mbedtls_x509_crt_free(&anchors);
	mbedtls_x509_crt_free(&pool);
	return 0;
}
