/* test_crlread.c: signet's CRL reader (auth/pki/crl.c) on CRLs built here
 * byte by byte and signed with a fresh key: issuingDistributionPoint
 * variants matched against certificates' distribution points, indirect
 * entries (certificateIssuer carried to the entries after it), delta
 * CRLs on a base that is missing, older or of another scope, unknown
 * critical extensions, repeated extensions, v1 with extensions; a real
 * CRL (PKITS) cut at every length; the configured-CRL list from PEM. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "crl.h"

/* ---- DER, built forwards ------------------------------------------------- */

struct b {
	uint8_t d[3000];
	size_t n;
};

static void put(struct b *o, const void *p, size_t n)
{
	assert_true(o->n + n <= sizeof(o->d));
	if (n)
		memcpy(o->d + o->n, p, n);
	o->n += n;
}

static void tlv(struct b *o, uint8_t tag, const void *p, size_t n)
{
	uint8_t h[4];
	size_t k = 0;

	h[k++] = tag;
	if (n < 128) {
		h[k++] = (uint8_t)n;
	} else if (n < 256) {
		h[k++] = 0x81;
		h[k++] = (uint8_t)n;
	} else {
		h[k++] = 0x82;
		h[k++] = (uint8_t)(n >> 8);
		h[k++] = (uint8_t)n;
	}
	put(o, h, k);
	put(o, p, n);
}

static void wrap(struct b *o, uint8_t tag)
{
	static struct b t;

	t = *o;
	o->n = 0;
	tlv(o, tag, t.d, t.n);
}

/* Extension 2.5.29.<last> into o. */
static void ext(struct b *o, uint8_t last, int crit, const struct b *val)
{
	struct b x = {{0}, 0};
	uint8_t oid[] = {0x55, 0x1d, last}, t = 0xff;

	tlv(&x, 0x06, oid, 3);
	if (crit)
		tlv(&x, 0x01, &t, 1);
	tlv(&x, 0x04, val->d, val->n);
	tlv(o, 0x30, x.d, x.n);
}

static void uri(struct b *o, const char *u)
{
	tlv(o, 0x86, u, strlen(u));
}

static void dirname(struct b *o, const mbedtls_x509_buf *name)
{
	tlv(o, 0xa4, name->p, name->len);
}

/* ---- a small PKI ----------------------------------------------------------- */

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_pk_context key;
static mbedtls_x509_crt ca1, ca2, ee_uri, ee_other, ee_ind, sub_ca, ee_nodp;

static void mk_crt(mbedtls_x509_crt *out, const char *subj, const char *iss, int serial, int is_ca,
		   const struct b *crldp)
{
	mbedtls_x509write_cert w;
	mbedtls_mpi s;
	uint8_t buf[2048];
	int n;

	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&s);
	assert_int_equal(mbedtls_mpi_lset(&s, serial), 0);
	mbedtls_x509write_crt_set_subject_key(&w, &key);
	mbedtls_x509write_crt_set_issuer_key(&w, &key);
	assert_int_equal(mbedtls_x509write_crt_set_subject_name(&w, subj), 0);
	assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&w, iss), 0);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	assert_int_equal(mbedtls_x509write_crt_set_serial(&w, &s), 0);
	assert_int_equal(mbedtls_x509write_crt_set_validity(&w, "20240101000000", "20340101000000"),
			 0);
	assert_int_equal(mbedtls_x509write_crt_set_basic_constraints(&w, is_ca, -1), 0);
	if (crldp)
		assert_int_equal(mbedtls_x509write_crt_set_extension(&w, "\x55\x1d\x1f", 3, 0,
								     crldp->d, crldp->n),
				 0);
	n = mbedtls_x509write_crt_der(&w, buf, sizeof(buf), mbedtls_ctr_drbg_random, &drbg);
	assert_true(n > 0);
	mbedtls_x509_crt_init(out);
	assert_int_equal(mbedtls_x509_crt_parse_der(out, buf + sizeof(buf) - n, (size_t)n), 0);
	mbedtls_x509write_crt_free(&w);
	mbedtls_mpi_free(&s);
}

/* CRLDistributionPoints with one point: a URI fullName and/or a cRLIssuer. */
static void crldp(struct b *o, const char *u, const mbedtls_x509_buf *crl_issuer)
{
	struct b dp = {{0}, 0}, x = {{0}, 0};

	o->n = 0;
	if (u) {
		uri(&x, u);
		wrap(&x, 0xa0); /* fullName */
		wrap(&x, 0xa0); /* distributionPoint */
		put(&dp, x.d, x.n);
	}
	if (crl_issuer) {
		x.n = 0;
		dirname(&x, crl_issuer);
		wrap(&x, 0xa2);
		put(&dp, x.d, x.n);
	}
	tlv(o, 0x30, dp.d, dp.n);
	wrap(o, 0x30);
}

static int group_setup(void **state)
{
	struct b dp;
	(void)state;

	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_pk_init(&key);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) ||
	    mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key),
				mbedtls_ctr_drbg_random, &drbg))
		return -1;
	mk_crt(&ca1, "O=t,CN=CA1", "O=t,CN=Root", 1, 1, NULL);
	mk_crt(&ca2, "O=t,CN=CA2", "O=t,CN=Root", 2, 1, NULL);
	crldp(&dp, "http://crl.test/a", NULL);
	mk_crt(&ee_uri, "O=t,CN=ee uri", "O=t,CN=CA1", 5, 0, &dp);
	mk_crt(&sub_ca, "O=t,CN=sub", "O=t,CN=CA1", 6, 1, &dp);
	crldp(&dp, "http://crl.test/b", NULL);
	mk_crt(&ee_other, "O=t,CN=ee other", "O=T,CN=ca1 ", 5, 0, &dp); /* case differs */
	crldp(&dp, NULL, &ca1.subject_raw);
	mk_crt(&ee_ind, "O=t,CN=ee ind", "O=t,CN=CA2", 9, 0, &dp);
	mk_crt(&ee_nodp, "O=t,CN=ee nodp", "O=t,CN=CA1", 7, 0, NULL);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	mbedtls_x509_crt_free(&ca1);
	mbedtls_x509_crt_free(&ca2);
	mbedtls_x509_crt_free(&ee_uri);
	mbedtls_x509_crt_free(&ee_other);
	mbedtls_x509_crt_free(&ee_ind);
	mbedtls_x509_crt_free(&sub_ca);
	mbedtls_x509_crt_free(&ee_nodp);
	mbedtls_pk_free(&key);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return 0;
}

/* ---- CRLs ------------------------------------------------------------------ */

/* An entry: serial, revoked 2025-01-01, extensions (content; n 0: none). */
static void entry(struct b *o, uint8_t serial, const struct b *exts)
{
	struct b e = {{0}, 0};

	tlv(&e, 0x02, &serial, 1);
	tlv(&e, 0x17, "250101000000Z", 13);
	if (exts && exts->n)
		tlv(&e, 0x30, exts->d, exts->n);
	tlv(o, 0x30, e.d, e.n);
}

static void reason_ext(struct b *o, uint8_t reason)
{
	struct b v = {{0}, 0};

	tlv(&v, 0x0a, &reason, 1);
	ext(o, 21, 0, &v);
}

static void number_ext(struct b *o, uint8_t last, uint8_t n)
{
	struct b v = {{0}, 0};

	tlv(&v, 0x02, &n, 1);
	ext(o, last, last == 27, &v);
}

/* A signed v2 CRL from issuer (a Name) into out; returns its length. */
static size_t mk_crl(uint8_t *out, size_t cap, const mbedtls_x509_buf *issuer,
		     const struct b *entries, const struct b *exts, int version)
{
	static const uint8_t alg[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
				      0xce, 0x3d, 0x04, 0x03, 0x02}; /* ecdsa-with-SHA256 */
	static struct b tbs, crl;
	uint8_t hash[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE + 1];
	size_t sig_len;
	uint8_t v = 1;

	tbs.n = 0;
	if (version == 2)
		tlv(&tbs, 0x02, &v, 1);
	put(&tbs, alg, sizeof(alg));
	put(&tbs, issuer->p, issuer->len);
	tlv(&tbs, 0x17, "250101000000Z", 13);
	tlv(&tbs, 0x17, "350101000000Z", 13);
	if (entries && entries->n)
		tlv(&tbs, 0x30, entries->d, entries->n);
	if (exts && exts->n) {
		struct b x = {{0}, 0};
		tlv(&x, 0x30, exts->d, exts->n);
		tlv(&tbs, 0xa0, x.d, x.n);
	}
	wrap(&tbs, 0x30);
	mbedtls_sha256_ret(tbs.d, tbs.n, hash, 0);
	assert_int_equal(mbedtls_pk_sign(&key, MBEDTLS_MD_SHA256, hash, 32, sig + 1, &sig_len,
					 mbedtls_ctr_drbg_random, &drbg),
			 0);
	sig[0] = 0;
	crl = tbs;
	put(&crl, alg, sizeof(alg));
	tlv(&crl, 0x03, sig, sig_len + 1);
	wrap(&crl, 0x30);
	assert_true(crl.n <= cap);
	memcpy(out, crl.d, crl.n);
	return crl.n;
}

/* IDP: a URI fullName (NULL: none), then the flags [1] [2] [4], reasons [3]
 * (0: none). */
static void idp_ext(struct b *o, const char *u, int user, int ca, uint16_t reasons, int indirect)
{
	struct b v = {{0}, 0}, x = {{0}, 0};
	uint8_t t = 0xff;

	if (u) {
		uri(&x, u);
		wrap(&x, 0xa0);
		wrap(&x, 0xa0);
		put(&v, x.d, x.n);
	}
	if (user)
		tlv(&v, 0x81, &t, 1);
	if (ca)
		tlv(&v, 0x82, &t, 1);
	if (reasons) {
		uint8_t r[3] = {0, (uint8_t)(reasons >> 8), (uint8_t)reasons};
		tlv(&v, 0x83, r, reasons & 0xff ? 3 : 2);
	}
	if (indirect)
		tlv(&v, 0x84, &t, 1);
	wrap(&v, 0x30);
	ext(o, 28, 1, &v);
}

static uint8_t der[4000], der2[4000];

static void test_plain_and_signature(void **state)
{
	struct b en = {{0}, 0}, ex = {{0}, 0}, x = {{0}, 0};
	struct crl crl;
	struct crl_entry e;
	size_t n;
	(void)state;

	reason_ext(&x, 1);
	entry(&en, 5, &x);
	entry(&en, 7, NULL);
	number_ext(&ex, 20, 3);
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, &en, &ex, 2);
	assert_int_equal(crl_parse(&crl, der, n, NULL), SG_OK);
	assert_null(crl.unusable);
	assert_int_equal(crl.n_entries, 2);
	assert_int_equal(crl.number.len, 1);
	assert_int_equal(crl.number.p[0], 3);
	assert_int_equal(crl_verify(&crl, &ca1, NULL), SG_OK);
	/* the same key, but CA1 only: no issuer check here, the signature holds */
	assert_int_equal(crl_scope(&crl, &ee_uri, NULL), CRL_REASONS_ALL);
	assert_int_equal(crl_scope(&crl, &ee_nodp, NULL), CRL_REASONS_ALL);
	/* RFC 5280 7.1: the certificate spells its issuer in other case */
	assert_int_equal(crl_scope(&crl, &ee_other, NULL), CRL_REASONS_ALL);
	assert_int_equal(crl_scope(&crl, &ee_ind, NULL), 0); /* CA2's, not indirect */
	assert_true(crl_lookup(&crl, &ee_uri, &e));
	assert_int_equal(e.reason, 1);
	assert_true(crl_lookup(&crl, &ee_nodp, &e));
	assert_int_equal(e.reason, -1);
	assert_false(crl_lookup(&crl, &ee_ind, &e)); /* serial 9, and CA2's */
	/* one bit of the TBS flipped: the signature fails */
	der[40] ^= 1;
	assert_int_equal(crl_parse(&crl, der, n, NULL), SG_OK);
	assert_int_equal(crl_verify(&crl, &ca1, NULL), SG_E_REVOCATION_UNAVAILABLE);
}

static void test_idp(void **state)
{
	static const struct {
		const char *name;
		const char *uri;
		int user, ca;
		uint16_t reasons; /* ReasonFlags bytes as written: 0x6000 key+CA compromise */
		const mbedtls_x509_crt *cert;
		unsigned want;
	} cases[] = {
		{"same URI", "http://crl.test/a", 0, 0, 0, &ee_uri, CRL_REASONS_ALL},
		{"other URI", "http://crl.test/b", 0, 0, 0, &ee_uri, 0},
		{"a partition, the certificate names none", "http://crl.test/a", 0, 0, 0, &ee_nodp, 0},
		{"no name, users only, an end entity", NULL, 1, 0, 0, &ee_uri, CRL_REASONS_ALL},
		{"users only, a CA", NULL, 1, 0, 0, &sub_ca, 0},
		{"CAs only, an end entity", NULL, 0, 1, 0, &ee_uri, 0},
		{"CAs only, a CA", "http://crl.test/a", 0, 1, 0, &sub_ca, CRL_REASONS_ALL},
		{"some reasons", "http://crl.test/a", 0, 0, 0x6000, &ee_uri, 0x6},
		{"some reasons, two bytes", NULL, 0, 0, 0x0080, &ee_uri, 0x100},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct b ex = {{0}, 0};
		struct crl crl;
		const char *why = NULL;
		size_t n;

		print_message("idp: %s\n", cases[i].name);
		idp_ext(&ex, cases[i].uri, cases[i].user, cases[i].ca, cases[i].reasons, 0);
		n = mk_crl(der, sizeof(der), &ca1.subject_raw, NULL, &ex, 2);
		assert_int_equal(crl_parse(&crl, der, n, NULL), SG_OK);
		assert_true(crl.has_idp);
		assert_int_equal(crl_scope(&crl, cases[i].cert, &why), cases[i].want);
		if (!cases[i].want)
			assert_non_null(why);
	}
}

/* Indirect: entries belong to the CRL's issuer until a certificateIssuer
 * names another, and to that one until the next. */
static void test_indirect(void **state)
{
	struct b en = {{0}, 0}, ex = {{0}, 0}, x = {{0}, 0}, v = {{0}, 0};
	struct crl crl;
	struct crl_entry e;
	size_t n;
	(void)state;

	entry(&en, 5, NULL); /* CA1's serial 5 */
	dirname(&v, &ca2.subject_raw);
	wrap(&v, 0x30);
	ext(&x, 29, 1, &v);
	entry(&en, 8, &x);   /* CA2's serial 8 */
	entry(&en, 9, NULL); /* still CA2's: serial 9 */
	idp_ext(&ex, NULL, 0, 0, 0, 1);
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, &en, &ex, 2);
	assert_int_equal(crl_parse(&crl, der, n, NULL), SG_OK);
	assert_null(crl.unusable);
	assert_true(crl.indirect);
	/* ee_ind (CA2's, serial 9) names CA1 as cRLIssuer: in scope, revoked */
	assert_int_equal(crl_scope(&crl, &ee_ind, NULL), CRL_REASONS_ALL);
	assert_true(crl_applies(&crl, &ee_ind));
	assert_true(crl_lookup(&crl, &ee_ind, &e));
	assert_int_equal(e.cert_issuer.len > 0, 1);
	/* CA1's serial 5 */
	assert_true(crl_lookup(&crl, &ee_uri, &e));
	assert_int_equal(e.cert_issuer.len, 0);
	/* Not indirect: the cRLIssuer's CRL does not count for ee_ind. */
	ex.n = 0;
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, &en, &ex, 2);
	assert_int_equal(crl_parse(&crl, der, n, NULL), SG_OK);
	assert_int_equal(crl_scope(&crl, &ee_ind, NULL), 0);
}

static void test_delta(void **state)
{
	struct b ex = {{0}, 0}, dx = {{0}, 0};
	struct crl complete, delta, other;
	size_t n, m;
	(void)state;

	number_ext(&ex, 20, 10);
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, NULL, &ex, 2);
	assert_int_equal(crl_parse(&complete, der, n, NULL), SG_OK);
	number_ext(&dx, 20, 12);
	number_ext(&dx, 27, 10); /* base 10: fits */
	m = mk_crl(der2, sizeof(der2), &ca1.subject_raw, NULL, &dx, 2);
	assert_int_equal(crl_parse(&delta, der2, m, NULL), SG_OK);
	assert_null(delta.unusable);
	assert_true(crl_delta_fits(&complete, &delta));
	assert_false(crl_delta_fits(&delta, &complete));
	assert_false(crl_delta_fits(&delta, &delta));
	/* a delta alone covers nothing */
	assert_int_equal(crl_scope(&delta, &ee_uri, NULL), 0);

	/* a delta on a base newer than the complete CRL we have: no */
	dx.n = 0;
	number_ext(&dx, 20, 12);
	number_ext(&dx, 27, 11);
	m = mk_crl(der2, sizeof(der2), &ca1.subject_raw, NULL, &dx, 2);
	assert_int_equal(crl_parse(&delta, der2, m, NULL), SG_OK);
	assert_false(crl_delta_fits(&complete, &delta));

	/* another scope (the complete CRL is a partition, the delta not): no */
	ex.n = 0;
	number_ext(&ex, 20, 10);
	idp_ext(&ex, "http://crl.test/a", 0, 0, 0, 0);
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, NULL, &ex, 2);
	assert_int_equal(crl_parse(&other, der, n, NULL), SG_OK);
	dx.n = 0;
	number_ext(&dx, 20, 12);
	number_ext(&dx, 27, 9);
	m = mk_crl(der2, sizeof(der2), &ca1.subject_raw, NULL, &dx, 2);
	assert_int_equal(crl_parse(&delta, der2, m, NULL), SG_OK);
	assert_false(crl_delta_fits(&other, &delta));

	/* another issuer: no */
	m = mk_crl(der2, sizeof(der2), &ca2.subject_raw, NULL, &dx, 2);
	assert_int_equal(crl_parse(&delta, der2, m, NULL), SG_OK);
	ex.n = 0;
	number_ext(&ex, 20, 10);
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, NULL, &ex, 2);
	assert_int_equal(crl_parse(&complete, der, n, NULL), SG_OK);
	assert_false(crl_delta_fits(&complete, &delta));

	/* a complete CRL without a cRLNumber takes no delta */
	ex.n = 0;
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, NULL, &ex, 2);
	assert_int_equal(crl_parse(&complete, der, n, NULL), SG_OK);
	m = mk_crl(der2, sizeof(der2), &ca1.subject_raw, NULL, &dx, 2);
	assert_int_equal(crl_parse(&delta, der2, m, NULL), SG_OK);
	assert_false(crl_delta_fits(&complete, &delta));

	/* a delta without its own cRLNumber is unusable */
	dx.n = 0;
	number_ext(&dx, 27, 9);
	m = mk_crl(der2, sizeof(der2), &ca1.subject_raw, NULL, &dx, 2);
	assert_int_equal(crl_parse(&delta, der2, m, NULL), SG_OK);
	assert_non_null(delta.unusable);
}

static void test_extensions(void **state)
{
	struct b en = {{0}, 0}, ex = {{0}, 0}, x = {{0}, 0}, v = {{0}, 0};
	struct crl crl;
	size_t n;
	(void)state;

	tlv(&v, 0x05, NULL, 0);
	/* unknown, not critical: fine */
	ext(&ex, 60, 0, &v);
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, NULL, &ex, 2);
	assert_int_equal(crl_parse(&crl, der, n, NULL), SG_OK);
	assert_null(crl.unusable);
	/* unknown and critical: read, but unusable */
	ex.n = 0;
	ext(&ex, 60, 1, &v);
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, NULL, &ex, 2);
	assert_int_equal(crl_parse(&crl, der, n, NULL), SG_OK);
	assert_non_null(strstr(crl.unusable, "unknown critical CRL extension"));
	assert_int_equal(crl_scope(&crl, &ee_uri, NULL), 0);
	/* unknown critical entry extension */
	ext(&x, 60, 1, &v);
	entry(&en, 5, &x);
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, &en, NULL, 2);
	assert_int_equal(crl_parse(&crl, der, n, NULL), SG_OK);
	assert_non_null(strstr(crl.unusable, "entry extension"));
	/* the same extension twice: malformed */
	ex.n = 0;
	number_ext(&ex, 20, 1);
	number_ext(&ex, 20, 2);
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, NULL, &ex, 2);
	assert_int_equal(crl_parse(&crl, der, n, NULL), SG_E_MALFORMED);
	/* extensions in a v1 CRL: malformed */
	ex.n = 0;
	number_ext(&ex, 20, 1);
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, NULL, &ex, 1);
	assert_int_equal(crl_parse(&crl, der, n, NULL), SG_E_MALFORMED);
	/* a v1 CRL without: fine */
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, NULL, NULL, 1);
	assert_int_equal(crl_parse(&crl, der, n, NULL), SG_OK);
	assert_int_equal(crl.version, 1);
	/* a reasonCode out of range: malformed */
	x.n = 0;
	en.n = 0;
	reason_ext(&x, 7);
	entry(&en, 5, &x);
	n = mk_crl(der, sizeof(der), &ca1.subject_raw, &en, NULL, 2);
	assert_int_equal(crl_parse(&crl, der, n, NULL), SG_E_MALFORMED);
}

static uint8_t *slurp(const char *name, size_t *len)
{
	const char *top = getenv("SIGNET_TOP");
	char path[600];
	FILE *f;
	uint8_t *buf = malloc(1 << 16);

	snprintf(path, sizeof(path), "%s/tests/pkits/crls/%s", top ? top : ".", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

/* Every prefix of a real CRL (with IDP, entries and extensions) is refused
 * as malformed, read only within its length (ASan: each prefix copied to
 * a buffer of exactly that size). */
static void test_truncated(void **state)
{
	static const char *files[] = {"indirectCRLCA5CRL.crl", "onlySomeReasonsCA1compromiseCRL.crl",
				      "deltaCRLCA1deltaCRL.crl", "distributionPoint2CACRL.crl"};
	(void)state;

	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t len;
		uint8_t *full = slurp(files[f], &len);
		struct crl crl;

		assert_int_equal(crl_parse(&crl, full, len, NULL), SG_OK);
		for (size_t i = 0; i < len; i++) {
			uint8_t *cut = malloc(i ? i : 1);
			memcpy(cut, full, i);
			assert_int_equal(crl_parse(&crl, cut, i, NULL), SG_E_MALFORMED);
			free(cut);
		}
		free(full);
	}
}

/* The configured list: DER, PEM with two CRLs, garbage. */
static void test_list(void **state)
{
	struct crl_list l;
	struct sg_error e;
	char pem[8000];
	size_t len, o = 0, b64;
	uint8_t *a = slurp("GoodCACRL.crl", &len);
	(void)state;

	for (int k = 0; k < 2; k++) {
		o += (size_t)snprintf(pem + o, sizeof(pem) - o, "-----BEGIN X509 CRL-----\n");
		assert_int_equal(mbedtls_base64_encode((uint8_t *)pem + o, sizeof(pem) - o, &b64, a,
						       len),
				 0);
		o += b64;
		o += (size_t)snprintf(pem + o, sizeof(pem) - o, "\n-----END X509 CRL-----\n");
	}
	crl_list_init(&l);
	assert_int_equal(crl_list_add(&l, (uint8_t *)pem, o, NULL), SG_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(crl_list_add(&l, a, len, NULL), SG_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.head->next->next->crl.raw.len, len);
	sg_error_init(&e);
	assert_int_equal(crl_list_add(&l, (const uint8_t *)"hello", 5, &e), SG_E_MALFORMED);
	assert_int_equal(l.n, 3);
	crl_list_free(&l);
	assert_null(l.head);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_signature),
		cmocka_unit_test(test_idp),
		cmocka_unit_test(test_indirect),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_list),
	};
	return cmocka_run_group_tests_name("crlread", tests, group_setup, group_teardown);
}
