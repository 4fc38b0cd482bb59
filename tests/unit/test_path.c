/* test_path.c: the path builder and validator (auth/pki/path.c) on
 * certificates made here with mbedTLS's writer (P-256 keys from a fixed
 * seed): a plain chain, backtracking past a first candidate issuer whose
 * key did not sign, loops (A issues B issues A), the attempt cap over
 * many cross-signed candidates, path length with a self-issued
 * certificate, keyCertSign, name constraints, policies, validity
 * preferred and refused, a candidate mbedTLS cannot parse, the target as
 * its own anchor, the CRL signer hook. (PKITS runs through it in
 * test_pkits; the policy and name-constraint modules have their own.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "path.h"
#include "sg_time.h"

#define NKEYS 8

static mbedtls_ctr_drbg_context drbg;
static mbedtls_pk_context keys[NKEYS];

static int fixed_entropy(void *ctx, unsigned char *out, size_t len)
{
	static unsigned char n;
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		out[i] = (unsigned char)(n++ * 31 + 7);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, fixed_entropy, NULL, (const unsigned char *)"test_path", 9))
		return -1;
	for (int i = 0; i < NKEYS; i++) {
		mbedtls_pk_init(&keys[i]);
		if (mbedtls_pk_setup(&keys[i], mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) ||
		    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(keys[i]),
					mbedtls_ctr_drbg_random, &drbg))
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NKEYS; i++)
		mbedtls_pk_free(&keys[i]);
	mbedtls_ctr_drbg_free(&drbg);
	return 0;
}

/* A certificate description. */
struct spec {
	const char *subject, *issuer;
	int key, signer;     /* indexes in keys[] */
	int ca;              /* 1: CA:TRUE */
	int pathlen;         /* -1: none */
	unsigned ku;         /* 0: no keyUsage */
	const char *from, *to; /* validity, default 2020..2040 */
	const uint8_t *nc;   /* NameConstraints value (critical) */
	size_t nc_len;
	const uint8_t *san;  /* subjectAltName value */
	size_t san_len;
	const uint8_t *pol;  /* certificatePolicies value */
	size_t pol_len;
	int no_kid;          /* no key identifiers */
};

/* Positional fields first; .from named so that the others default to 0. */
#define SPEC(...) (&(struct spec){__VA_ARGS__, .from = NULL})

static int serial_no = 1;

/* Adds the certificate to chain (NULL: returned as DER in der/len). */
static void make(mbedtls_x509_crt *chain, const struct spec *s)
{
	mbedtls_x509write_cert w;
	mbedtls_mpi serial;
	unsigned char buf[2048];
	int len;

	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	mbedtls_mpi_lset(&serial, serial_no++);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, &keys[s->key]);
	mbedtls_x509write_crt_set_issuer_key(&w, &keys[s->signer]);
	assert_int_equal(mbedtls_x509write_crt_set_subject_name(&w, s->subject), 0);
	assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&w, s->issuer), 0);
	assert_int_equal(mbedtls_x509write_crt_set_serial(&w, &serial), 0);
	assert_int_equal(mbedtls_x509write_crt_set_validity(&w, s->from ? s->from : "20200101000000",
							    s->to ? s->to : "20400101000000"),
			 0);
	assert_int_equal(mbedtls_x509write_crt_set_basic_constraints(&w, s->ca, s->pathlen), 0);
	if (s->ku)
		assert_int_equal(mbedtls_x509write_crt_set_key_usage(&w, s->ku), 0);
	if (!s->no_kid) {
		assert_int_equal(mbedtls_x509write_crt_set_subject_key_identifier(&w), 0);
		assert_int_equal(mbedtls_x509write_crt_set_authority_key_identifier(&w), 0);
	}
	if (s->nc)
		assert_int_equal(mbedtls_x509write_crt_set_extension(&w, "\x55\x1d\x1e", 3, 1, s->nc,
								     s->nc_len),
				 0);
	if (s->san)
		assert_int_equal(mbedtls_x509write_crt_set_extension(&w, "\x55\x1d\x11", 3, 0, s->san,
								     s->san_len),
				 0);
	if (s->pol)
		assert_int_equal(mbedtls_x509write_crt_set_extension(&w, "\x55\x1d\x20", 3, 0, s->pol,
								     s->pol_len),
				 0);
	len = mbedtls_x509write_crt_der(&w, buf, sizeof(buf), mbedtls_ctr_drbg_random, &drbg);
	assert_true(len > 0);
	assert_int_equal(path_parse_der(chain, NULL, buf + sizeof(buf) - len, (size_t)len), 0);
	mbedtls_x509write_crt_free(&w);
	mbedtls_mpi_free(&serial);
}

static const mbedtls_x509_crt *nth(const mbedtls_x509_crt *c, int i)
{
	while (i-- > 0)
		c = c->next;
	return c;
}

#define CA_KU (MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN)
#define EE_KU MBEDTLS_X509_KU_DIGITAL_SIGNATURE

struct fx {
	mbedtls_x509_crt anchors, pool, leaf;
	struct path_in in;
	struct path_out out;
	struct sg_error e;
};

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	mbedtls_x509_crt_init(&f->anchors);
	mbedtls_x509_crt_init(&f->pool);
	mbedtls_x509_crt_init(&f->leaf);
	f->in.anchors = &f->anchors;
	f->in.pool[0] = &f->pool;
	f->in.target = &f->leaf;
	f->in.now = sg_time_from_utc(2030, 1, 1, 0, 0, 0);
	sg_error_init(&f->e);
	/* the root: key 0 */
	make(&f->anchors, SPEC("CN=Root", "CN=Root", 0, 0, 1, -1, CA_KU));
}

static sg_err fx_run(struct fx *f)
{
	sg_error_init(&f->e);
	return path_build(&f->in, &f->out, &f->e);
}

static void fx_free(struct fx *f)
{
	mbedtls_x509_crt_free(&f->anchors);
	mbedtls_x509_crt_free(&f->pool);
	mbedtls_x509_crt_free(&f->leaf);
}

static void test_chain(void **state)
{
	struct fx f;
	(void)state;

	fx_init(&f);
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 1, 0, 1, -1, CA_KU));
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 1, 0, -1, EE_KU));
	assert_int_equal(fx_run(&f), SG_OK);
	assert_int_equal(f.out.n, 3);
	assert_ptr_equal(f.out.crt[0], &f.leaf);
	assert_ptr_equal(f.out.crt[1], &f.pool);
	assert_ptr_equal(f.out.crt[2], &f.anchors);
	assert_true(f.out.time_ok);
	assert_string_equal(f.out.names, "no constraints");
	/* RFC 5280 7.1: the issuer named in other case and spacing */
	fx_free(&f);
	fx_init(&f);
	make(&f.pool, SPEC("CN=Inter  CA", "CN=Root", 1, 0, 1, -1, CA_KU));
	make(&f.leaf, SPEC("CN=leaf", "CN=inter ca", 2, 1, 0, -1, EE_KU));
	assert_int_equal(fx_run(&f), SG_OK);
	assert_int_equal(f.out.n, 3);
	fx_free(&f);
}

/* Two candidate issuers of the same name: the first (key 3, and no key
 * identifiers to tell them apart) did not sign the leaf; the builder
 * backtracks to the second. */
static void test_backtrack_bad_signature(void **state)
{
	struct fx f;
	(void)state;

	fx_init(&f);
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 3, 0, 1, -1, CA_KU, .no_kid = 1));
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 1, 0, 1, -1, CA_KU, .no_kid = 1));
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 1, 0, -1, EE_KU, .no_kid = 1));
	assert_int_equal(fx_run(&f), SG_OK);
	assert_int_equal(f.out.n, 3);
	assert_ptr_equal(f.out.crt[1], nth(&f.pool, 1));
	/* with only the bad one: refused, and the reason says so */
	fx_free(&f);
	fx_init(&f);
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 3, 0, 1, -1, CA_KU, .no_kid = 1));
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 1, 0, -1, EE_KU, .no_kid = 1));
	assert_int_equal(fx_run(&f), SG_E_CERT_UNTRUSTED);
	assert_non_null(strstr(f.e.detail, "signature does not verify"));
	assert_string_equal(f.e.detail, f.out.why);
	fx_free(&f);
}

/* A first candidate that chains to nothing (its issuer is unknown) and a
 * second that chains to the root: the dead end is left. */
static void test_backtrack_dead_end(void **state)
{
	struct fx f;
	(void)state;

	fx_init(&f);
	make(&f.pool, SPEC("CN=Inter", "CN=Elsewhere", 1, 4, 1, -1, CA_KU));
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 1, 0, 1, -1, CA_KU));
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 1, 0, -1, EE_KU));
	assert_int_equal(fx_run(&f), SG_OK);
	assert_ptr_equal(f.out.crt[1], nth(&f.pool, 1));
	fx_free(&f);
}

/* A issues B issues A: no path, and the search ends; with a way out
 * (B also issued by the root) the path is found. */
static void test_loop(void **state)
{
	struct fx f;
	(void)state;

	fx_init(&f);
	make(&f.pool, SPEC("CN=A", "CN=B", 1, 3, 1, -1, CA_KU));
	make(&f.pool, SPEC("CN=B", "CN=A", 3, 1, 1, -1, CA_KU));
	make(&f.leaf, SPEC("CN=leaf", "CN=A", 2, 1, 0, -1, EE_KU));
	assert_int_equal(fx_run(&f), SG_E_CERT_UNTRUSTED);
	assert_int_equal(f.out.n, 3); /* leaf, A, B: then A again is refused */
	assert_non_null(strstr(f.e.detail, "leads back into the path"));
	fx_free(&f);

	fx_init(&f);
	make(&f.pool, SPEC("CN=A", "CN=B", 1, 3, 1, -1, CA_KU));
	make(&f.pool, SPEC("CN=B", "CN=A", 3, 1, 1, -1, CA_KU));
	make(&f.pool, SPEC("CN=B", "CN=Root", 3, 0, 1, -1, CA_KU));
	make(&f.leaf, SPEC("CN=leaf", "CN=A", 2, 1, 0, -1, EE_KU));
	assert_int_equal(fx_run(&f), SG_OK);
	assert_int_equal(f.out.n, 4);
	assert_ptr_equal(f.out.crt[2], nth(&f.pool, 2));
	fx_free(&f);
}

/* Every one of 4 keys certified under the name CN=M by every other: the
 * paths without an anchor are exponential in number; the attempt cap
 * ends the search with a clear reason. */
static void test_cap(void **state)
{
	struct fx f;
	(void)state;

	fx_init(&f);
	for (int k = 4; k < 8; k++)
		for (int s = 4; s < 8; s++)
			make(&f.pool, SPEC("CN=M", "CN=M", k, s, 1, -1, CA_KU, .no_kid = 1));
	make(&f.leaf, SPEC("CN=leaf", "CN=M", 2, 4, 0, -1, EE_KU, .no_kid = 1));
	assert_int_equal(fx_run(&f), SG_E_CERT_UNTRUSTED);
	assert_non_null(strstr(f.e.detail, "the search stopped"));
	assert_false(f.out.fail & PATH_F_NO_ISSUER);
	/* the same pool with the root certifying one key: found within the cap */
	make(&f.pool, SPEC("CN=M", "CN=Root", 4, 0, 1, -1, CA_KU, .no_kid = 1));
	assert_int_equal(fx_run(&f), SG_OK);
	assert_ptr_equal(f.out.crt[f.out.n - 1], &f.anchors);
	fx_free(&f);

	/* depth: a chain of 11 certificates below the root is too long */
	fx_init(&f);
	char sub[16], iss[16];
	for (int i = 0; i < 11; i++) {
		snprintf(sub, sizeof(sub), "CN=C%d", i);
		snprintf(iss, sizeof(iss), i ? "CN=C%d" : "CN=Root", i - 1);
		make(&f.pool, SPEC(sub, iss, 1 + (i % 2), i ? 1 + ((i - 1) % 2) : 0, 1, -1,
					     CA_KU));
	}
	make(&f.leaf, SPEC("CN=leaf", "CN=C10", 3, 1 + (10 % 2), 0, -1, EE_KU));
	assert_int_equal(fx_run(&f), SG_E_CERT_UNTRUSTED);
	assert_non_null(strstr(f.e.detail, "no trust anchor within 10 certificates"));
	fx_free(&f);
}

static void test_pathlen_self_issued(void **state)
{
	struct fx f;
	(void)state;

	/* pathLen 0 on Inter: a CA below it is refused */
	fx_init(&f);
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 1, 0, 1, 0, CA_KU));
	make(&f.pool, SPEC("CN=Sub", "CN=Inter", 3, 1, 1, -1, CA_KU));
	make(&f.leaf, SPEC("CN=leaf", "CN=Sub", 2, 3, 0, -1, EE_KU));
	assert_int_equal(fx_run(&f), SG_E_CERT_UNTRUSTED);
	assert_non_null(strstr(f.e.detail, "path length constraint"));
	fx_free(&f);
	/* ... but a self-issued one (Inter's new key) does not count */
	fx_init(&f);
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 1, 0, 1, 0, CA_KU));
	make(&f.pool, SPEC("CN=Inter", "CN=Inter", 3, 1, 1, -1, CA_KU));
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 3, 0, -1, EE_KU));
	assert_int_equal(fx_run(&f), SG_OK);
	assert_int_equal(f.out.n, 4);
	fx_free(&f);
}

static void test_ca_and_key_usage(void **state)
{
	struct fx f;
	(void)state;

	fx_init(&f);
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 1, 0, 1, -1, MBEDTLS_X509_KU_CRL_SIGN));
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 1, 0, -1, EE_KU));
	assert_int_equal(fx_run(&f), SG_E_CERT_UNTRUSTED);
	assert_non_null(strstr(f.e.detail, "keyCertSign"));
	fx_free(&f);
	fx_init(&f);
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 1, 0, 0, -1, 0));
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 1, 0, -1, EE_KU));
	assert_int_equal(fx_run(&f), SG_E_CERT_UNTRUSTED);
	assert_non_null(strstr(f.e.detail, "it is not a CA"));
	fx_free(&f);
}

/* NameConstraints: permitted dNSName example.test (critical). */
static const uint8_t nc_example[] = {0x30, 0x12, 0xa0, 0x10, 0x30, 0x0e, 0x82, 0x0c, 'e', 'x',
				     'a', 'm', 'p', 'l', 'e', '.', 't', 'e', 's', 't'};
static const uint8_t san_good[] = {0x30, 0x12, 0x82, 0x10, 'w', 'w', 'w', '.', 'e', 'x',
				   'a', 'm', 'p', 'l', 'e', '.', 't', 'e', 's', 't'};
static const uint8_t san_evil[] = {0x30, 0x0f, 0x82, 0x0d, 'w', 'w', 'w', '.', 'e',
				   'v', 'i', 'l', '.', 't', 'e', 's', 't'};

static void test_name_constraints(void **state)
{
	struct fx f;
	(void)state;

	fx_init(&f);
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 1, 0, 1, -1, CA_KU,
				     .nc = nc_example, .nc_len = sizeof(nc_example)));
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 1, 0, -1, EE_KU,
				     .san = san_good, .san_len = sizeof(san_good)));
	assert_int_equal(fx_run(&f), SG_OK);
	assert_string_equal(f.out.names, "within CN=Inter's constraints");
	mbedtls_x509_crt_free(&f.leaf);
	mbedtls_x509_crt_init(&f.leaf);
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 1, 0, -1, EE_KU,
				     .san = san_evil, .san_len = sizeof(san_evil)));
	assert_int_equal(fx_run(&f), SG_E_CERT_UNTRUSTED);
	assert_true(f.out.fail & PATH_F_NAMES);
	assert_non_null(strstr(f.e.detail, "name constraints: "));
	assert_non_null(strstr(f.e.detail, "www.evil.test"));
	assert_non_null(strstr(f.out.names, "CN=Inter"));
	fx_free(&f);
}

static void test_policies(void **state)
{
	struct fx f;
	struct pol_params pp;
	(void)state;

	/* certificatePolicies { 2.16.840.1.101.3.2.1.48.1 (60 86 48 01 65 03 02 01 30 01) } */
	static const uint8_t pol[] = {0x30, 0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x60, 0x86, 0x48, 0x01,
				      0x65, 0x03, 0x02, 0x01, 0x30, 0x01};
	memset(&pp, 0, sizeof(pp));
	pp.require_explicit = 1;
	fx_init(&f);
	f.in.policy = &pp;
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 1, 0, 1, -1, CA_KU));
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 1, 0, -1, EE_KU));
	assert_int_equal(fx_run(&f), SG_E_CERT_UNTRUSTED);
	assert_true(f.out.fail & PATH_F_POLICY);
	assert_non_null(strstr(f.e.detail, "certificate policies: explicit policy required"));
	fx_free(&f);

	fx_init(&f);
	f.in.policy = &pp;
	snprintf(pp.policies, sizeof(pp.policies), "2.16.840.1.101.3.2.1.48.1");
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 1, 0, 1, -1, CA_KU, .pol = pol,
				     .pol_len = sizeof(pol)));
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 1, 0, -1, EE_KU, .pol = pol,
				     .pol_len = sizeof(pol)));
	assert_int_equal(fx_run(&f), SG_OK);
	assert_string_equal(f.out.pol.user, "2.16.840.1.101.3.2.1.48.1");
	assert_string_equal(f.out.policy, "2.16.840.1.101.3.2.1.48.1");
	/* another policy required: refused */
	snprintf(pp.policies, sizeof(pp.policies), "2.16.840.1.101.3.2.1.48.2");
	assert_int_equal(fx_run(&f), SG_E_CERT_UNTRUSTED);
	fx_free(&f);
}

static void test_validity(void **state)
{
	struct fx f;
	(void)state;

	/* the same CA twice (same name and key): expired, then current */
	fx_init(&f);
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 1, 0, 1, -1, CA_KU,
				     .to = "20250101000000"));
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 1, 0, 1, -1, CA_KU));
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 1, 0, -1, EE_KU));
	f.in.time_soft = 1;
	assert_int_equal(fx_run(&f), SG_OK);
	assert_true(f.out.time_ok);
	assert_ptr_equal(f.out.crt[1], nth(&f.pool, 1));
	fx_free(&f);
	/* only the expired one: time_soft gives it back, time_ok 0 ... */
	fx_init(&f);
	make(&f.pool, SPEC("CN=Inter", "CN=Root", 1, 0, 1, -1, CA_KU,
				     .to = "20250101000000"));
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 1, 0, -1, EE_KU));
	f.in.time_soft = 1;
	assert_int_equal(fx_run(&f), SG_OK);
	assert_false(f.out.time_ok);
	/* ... and without it the path is refused */
	f.in.time_soft = 0;
	assert_int_equal(fx_run(&f), SG_E_CERT_EXPIRED);
	assert_non_null(strstr(f.e.detail, "'CN=Inter' expired on 2025-01-01"));
	fx_free(&f);
}

static void test_unread_and_anchor(void **state)
{
	struct fx f;
	struct path_unread u = {0};
	mbedtls_x509_crt tmp;
	(void)state;

	/* a candidate whose signature algorithm mbedTLS does not know: the
	 * reason names it */
	fx_init(&f);
	mbedtls_x509_crt_init(&tmp);
	make(&tmp, SPEC("CN=Inter", "CN=Root", 1, 0, 1, -1, CA_KU));
	uint8_t der[2048];
	size_t len = tmp.raw.len;
	memcpy(der, tmp.raw.p, len);
	/* the outer signatureAlgorithm's OID: ecdsa-with-SHA256 -> an unknown arc */
	for (size_t i = len - 2; i > 8; i--)
		if (!memcmp(der + i - 8, "\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02", 10)) {
			der[i + 1] = 0x7f;
			break;
		}
	assert_int_equal(path_parse_der(&f.pool, &u, der, len), 1);
	assert_int_equal(u.n, 1);
	make(&f.leaf, SPEC("CN=leaf", "CN=Inter", 2, 1, 0, -1, EE_KU));
	f.in.unread = &u;
	f.in.pool[0] = NULL;
	assert_int_equal(fx_run(&f), SG_E_CERT_UNTRUSTED);
	assert_non_null(strstr(f.e.detail, "was given but cannot be read"));
	path_unread_free(&u);
	assert_int_equal(u.n, 0);
	mbedtls_x509_crt_free(&tmp);
	fx_free(&f);

	/* the target is itself an anchor */
	fx_init(&f);
	f.in.target = &f.anchors;
	assert_int_equal(fx_run(&f), SG_OK);
	assert_int_equal(f.out.n, 1);
	fx_free(&f);
}

static void test_crl_signer(void **state)
{
	struct fx f;
	(void)state;

	fx_init(&f);
	make(&f.leaf, SPEC("CN=CRL signer", "CN=Root", 3, 0, 0, -1,
				     MBEDTLS_X509_KU_CRL_SIGN));
	assert_int_equal(path_crl_signer(&f.in, &f.anchors, &f.out, &f.e), SG_OK);
	assert_int_equal(f.out.n, 2);
	mbedtls_x509_crt_free(&f.leaf);
	mbedtls_x509_crt_init(&f.leaf);
	make(&f.leaf, SPEC("CN=CRL signer", "CN=Root", 3, 0, 0, -1, EE_KU));
	assert_int_equal(path_crl_signer(&f.in, &f.anchors, &f.out, &f.e), SG_E_CERT_UNTRUSTED);
	assert_non_null(strstr(f.e.detail, "cRLSign"));
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_backtrack_bad_signature),
		cmocka_unit_test(test_backtrack_dead_end),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_pathlen_self_issued),
		cmocka_unit_test(test_ca_and_key_usage),
		cmocka_unit_test(test_name_constraints),
		cmocka_unit_test(test_policies),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_unread_and_anchor),
		cmocka_unit_test(test_crl_signer),
	};
	return cmocka_run_group_tests_name("path", tests, setup, teardown);
}
