/*
 * token_pk.c: mbedTLS pk contexts whose private operations go to a token
 * (token_pk.h). Two ways in: a copied key-method table (2.28 only, RSA
 * and EC, public key writing keeps working) and RSA_ALT (any 2.x, RSA).
 */
#include "token_pk.h"

#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/rsa.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "sg_mem.h"
#include "sig.h"

/* The key-method table layout is known for 2.28 only: anything else takes
 * the RSA_ALT path (or refuses an EC key). */
#if defined(__has_include)
#if __has_include(<mbedtls/pk_internal.h>) && MBEDTLS_VERSION_NUMBER >= 0x021C0000 && \
	MBEDTLS_VERSION_NUMBER < 0x021D0000
#define TPK_TABLE 1
#include <mbedtls/pk_internal.h>
#endif
#endif
#ifndef TPK_TABLE
#define TPK_TABLE 0
#endif

/* State behind a token key. For the table path the native context comes
 * first: mbedTLS's own verify/bitlen/write functions cast pk_ctx to it. */
struct tpk_key {
	union {
		mbedtls_rsa_context rsa;
		mbedtls_ecp_keypair ec;
	} pub;
	enum token_key_type type;
	struct token *t;
	size_t cert;
	size_t rsa_len;        /* RSA modulus bytes (RSA_ALT path) */
	void *alt_ctx;         /* RSA_ALT path: mbedTLS's context, our lookup key */
	struct tpk_key *next;  /* RSA_ALT path: the registry below */
	struct sg_error last;
};

/* RSA_ALT keys: mbedTLS owns the alt context and never frees our state,
 * so token_pk_free/token_pk_error find it here by that context. The core
 * is single-threaded (DESIGN.md). */
static struct tpk_key *tpk_alt_keys;

/* ---- signing through the token ------------------------------------------ */

/* The digest length mbedTLS hands us must be the md's; we take SHA-256 and
 * SHA-384 only (TLS 1.2 CertificateVerify, CSRs, the token interface). */
static int tpk_check_md(struct tpk_key *k, mbedtls_md_type_t md, size_t hash_len)
{
	const mbedtls_md_info_t *mi = mbedtls_md_info_from_type(md);

	if (md == MBEDTLS_MD_NONE) {
		sg_error_set(&k->last, SG_E_TOKEN,
			     "refused to sign %zu bytes without a digest algorithm (TLS 1.0/1.1 "
			     "MD5+SHA-1 or raw data; TLS 1.2 is required)",
			     hash_len);
		return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
	}
	if (md != MBEDTLS_MD_SHA256 && md != MBEDTLS_MD_SHA384) {
		sg_error_set(&k->last, SG_E_TOKEN,
			     "the token key signs SHA-256 or SHA-384 digests only, not %s",
			     mi ? mbedtls_md_get_name(mi) : "this digest");
		return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
	}
	if (!mi || mbedtls_md_get_size(mi) != hash_len) {
		sg_error_set(&k->last, SG_E_INTERNAL, "a %zu-byte digest given as %s", hash_len,
			     mi ? mbedtls_md_get_name(mi) : "?");
		return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
	}
	return 0;
}

/* Signs on the token into sig (cap bytes); 0 or an mbedTLS error. */
static int tpk_sign(struct tpk_key *k, mbedtls_md_type_t md, const unsigned char *hash,
		    size_t hash_len, unsigned char *sig, size_t cap, size_t *sig_len)
{
	uint8_t buf[SIG_MAX];
	size_t len = sizeof(buf);
	enum token_sig kind = k->type == TOKEN_KEY_EC ? TOKEN_SIG_ECDSA : TOKEN_SIG_RSA_PKCS1;
	int r;

	sg_error_init(&k->last);
	r = tpk_check_md(k, md, hash_len);
	if (r)
		return r;
	if (token_sign(k->t, k->cert, kind, hash, hash_len, buf, &len, &k->last) != SG_OK)
		return MBEDTLS_ERR_PK_HW_ACCEL_FAILED;
	if (len > cap) {
		sg_error_set(&k->last, SG_E_TOKEN, "the token returned a %zu-byte signature", len);
		return MBEDTLS_ERR_PK_HW_ACCEL_FAILED;
	}
	memcpy(sig, buf, len);
	*sig_len = len;
	return 0;
}

/* ---- the RSA_ALT path --------------------------------------------------- */

static int tpk_alt_sign(void *ctx, int (*f_rng)(void *, unsigned char *, size_t), void *p_rng,
			int mode, mbedtls_md_type_t md_alg, unsigned int hashlen,
			const unsigned char *hash, unsigned char *sig)
{
	struct tpk_key *k = ctx;
	size_t len = 0;
	int r;

	(void)f_rng;
	(void)p_rng;
	if (mode != MBEDTLS_RSA_PRIVATE)
		return MBEDTLS_ERR_RSA_BAD_INPUT_DATA;
	/* mbedTLS passes 0 with an md meaning "the md's size". */
	if (hashlen == 0 && md_alg != MBEDTLS_MD_NONE) {
		const mbedtls_md_info_t *mi = mbedtls_md_info_from_type(md_alg);

		hashlen = mi ? mbedtls_md_get_size(mi) : 0;
	}
	r = tpk_sign(k, md_alg, hash, hashlen, sig, k->rsa_len, &len);
	if (r == 0 && len != k->rsa_len) {
		sg_error_set(&k->last, SG_E_TOKEN, "the token returned %zu bytes for a %zu-byte key",
			     len, k->rsa_len);
		return MBEDTLS_ERR_PK_HW_ACCEL_FAILED;
	}
	return r;
}

static size_t tpk_alt_len(void *ctx)
{
	return ((const struct tpk_key *)ctx)->rsa_len;
}

static struct tpk_key **tpk_alt_find(const void *alt_ctx)
{
	struct tpk_key **pp;

	for (pp = &tpk_alt_keys; *pp; pp = &(*pp)->next)
		if (alt_ctx && (*pp)->alt_ctx == alt_ctx)
			return pp;
	return NULL;
}

/* ---- the table path ----------------------------------------------------- */

#if TPK_TABLE
static mbedtls_pk_info_t tpk_rsa_info, tpk_ec_info;
static int tpk_tables_ready; /* 1 ready, -1 unusable */

static struct tpk_key *tpk_alloc(enum token_key_type type)
{
	struct tpk_key *k = sg_calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->type = type;
	if (type == TOKEN_KEY_RSA)
		mbedtls_rsa_init(&k->pub.rsa, MBEDTLS_RSA_PKCS_V15, 0);
	else
		mbedtls_ecp_keypair_init(&k->pub.ec);
	return k;
}

static void *tpk_rsa_alloc(void)
{
	return tpk_alloc(TOKEN_KEY_RSA);
}

static void *tpk_ec_alloc(void)
{
	return tpk_alloc(TOKEN_KEY_EC);
}

static void tpk_table_free(void *ctx)
{
	struct tpk_key *k = ctx;

	if (!k)
		return;
	if (k->type == TOKEN_KEY_RSA)
		mbedtls_rsa_free(&k->pub.rsa);
	else
		mbedtls_ecp_keypair_free(&k->pub.ec);
	sg_free(k);
}

static int tpk_table_sign(void *ctx, mbedtls_md_type_t md_alg, const unsigned char *hash,
			  size_t hash_len, unsigned char *sig, size_t *sig_len,
			  int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
	struct tpk_key *k = ctx;
	/* 2.28's pk_sign gives no capacity: callers provide
	 * MBEDTLS_PK_SIGNATURE_MAX_SIZE, and an RSA signature is the
	 * modulus' length. */
	size_t cap = k->type == TOKEN_KEY_RSA ? mbedtls_rsa_get_len(&k->pub.rsa)
					      : MBEDTLS_PK_SIGNATURE_MAX_SIZE;
	size_t len = 0;
	int r;

	(void)f_rng;
	(void)p_rng;
	r = tpk_sign(k, md_alg, hash, hash_len, sig, cap, &len);
	if (r == 0 && k->type == TOKEN_KEY_RSA && len != cap) {
		sg_error_set(&k->last, SG_E_TOKEN, "the token returned %zu bytes for a %zu-byte key",
			     len, cap);
		return MBEDTLS_ERR_PK_HW_ACCEL_FAILED;
	}
	if (r == 0)
		*sig_len = len;
	return r;
}

/* mbedtls_pk_check_pair() hands us two contexts of our own table: the
 * pair matches when the public halves do. */
static int tpk_check_pair(const void *pub, const void *prv)
{
	const struct tpk_key *a = pub, *b = prv;

	if (a->type != b->type)
		return MBEDTLS_ERR_PK_TYPE_MISMATCH;
	if (a->type == TOKEN_KEY_RSA)
		return mbedtls_rsa_check_pubkey(&a->pub.rsa) == 0 &&
				       mbedtls_mpi_cmp_mpi(&a->pub.rsa.N, &b->pub.rsa.N) == 0 &&
				       mbedtls_mpi_cmp_mpi(&a->pub.rsa.E, &b->pub.rsa.E) == 0
			       ? 0
			       : MBEDTLS_ERR_RSA_KEY_CHECK_FAILED;
	return a->pub.ec.grp.id == b->pub.ec.grp.id &&
			       mbedtls_ecp_point_cmp(&a->pub.ec.Q, &b->pub.ec.Q) == 0
		       ? 0
		       : MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
}

/* A token EC key does ECDSA only: static ECDH would need the private
 * scalar here. */
static int tpk_ec_can_do(mbedtls_pk_type_t type)
{
	return type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECDSA;
}

static void tpk_patch(mbedtls_pk_info_t *info, void *(*alloc)(void))
{
	info->sign_func = tpk_table_sign;
	info->decrypt_func = NULL; /* the token signs; it never decrypts for us */
	info->check_pair_func = tpk_check_pair;
	info->ctx_alloc_func = alloc;
	info->ctx_free_func = tpk_table_free;
#if defined(MBEDTLS_ECDSA_C) && defined(MBEDTLS_ECP_RESTARTABLE)
	info->sign_rs_func = NULL;
#endif
}

/* Copies mbedTLS's tables once, after checking that the library we run
 * with is the one whose header we compiled against. */
static int tpk_tables(void)
{
	const mbedtls_pk_info_t *rsa = mbedtls_pk_info_from_type(MBEDTLS_PK_RSA);
	const mbedtls_pk_info_t *ec = mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY);

	if (tpk_tables_ready)
		return tpk_tables_ready > 0;
	tpk_tables_ready = -1;
	if ((mbedtls_version_get_number() & 0xFFFF0000u) != 0x021C0000u || !rsa || !ec ||
	    rsa->type != MBEDTLS_PK_RSA || ec->type != MBEDTLS_PK_ECKEY || !rsa->name ||
	    strcmp(rsa->name, "RSA") != 0 || !ec->name || strcmp(ec->name, "EC") != 0 ||
	    !rsa->ctx_alloc_func || !ec->ctx_alloc_func || !ec->sign_func)
		return 0;
	tpk_rsa_info = *rsa;
	tpk_patch(&tpk_rsa_info, tpk_rsa_alloc);
	tpk_ec_info = *ec;
	tpk_patch(&tpk_ec_info, tpk_ec_alloc);
	tpk_ec_info.can_do = tpk_ec_can_do;
	tpk_tables_ready = 1;
	return 1;
}

static struct tpk_key *tpk_table_key(const mbedtls_pk_context *pk)
{
	if (pk && pk->pk_ctx && (pk->pk_info == &tpk_rsa_info || pk->pk_info == &tpk_ec_info))
		return pk->pk_ctx;
	return NULL;
}

/* Fills the native public half from the certificate's key. */
static sg_err tpk_table_setup(mbedtls_pk_context *pk, struct token *t, size_t cert,
			      const mbedtls_pk_context *cpk, struct sg_error *e)
{
	mbedtls_pk_context tmp;
	struct tpk_key *k;
	int is_rsa = mbedtls_pk_get_type(cpk) == MBEDTLS_PK_RSA;
	int r;

	mbedtls_pk_init(&tmp);
	r = mbedtls_pk_setup(&tmp, is_rsa ? &tpk_rsa_info : &tpk_ec_info);
	if (r) {
		mbedtls_pk_free(&tmp);
		return sg_error_set(e, r == MBEDTLS_ERR_PK_ALLOC_FAILED ? SG_E_NOMEM : SG_E_INTERNAL,
				    "cannot set up the token key (mbedTLS -0x%04x)", (unsigned)-r);
	}
	k = tmp.pk_ctx;
	k->t = t;
	k->cert = cert;
	if (is_rsa)
		r = mbedtls_rsa_copy(&k->pub.rsa, mbedtls_pk_rsa(*cpk));
	else if ((r = mbedtls_ecp_group_copy(&k->pub.ec.grp, &mbedtls_pk_ec(*cpk)->grp)) == 0)
		r = mbedtls_ecp_copy(&k->pub.ec.Q, &mbedtls_pk_ec(*cpk)->Q);
	if (r) {
		mbedtls_pk_free(&tmp);
		return sg_error_set(e, SG_E_NOMEM, "cannot copy the certificate's public key");
	}
	*pk = tmp;
	return SG_OK;
}
#endif /* TPK_TABLE */

/* ---- setup -------------------------------------------------------------- */

static sg_err tpk_args(const mbedtls_pk_context *pk, const struct token *t, size_t cert,
		       mbedtls_x509_crt *crt, struct sg_error *e)
{
	int r;

	if (!pk || !t || cert >= t->n_certs)
		return sg_error_set(e, SG_E_INTERNAL, "token_pk: bad arguments");
	if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_NONE)
		return sg_error_set(e, SG_E_INTERNAL, "token_pk: context already set up");
	r = mbedtls_x509_crt_parse_der(crt, t->certs[cert].der, t->certs[cert].der_len);
	if (r)
		return sg_error_set(e, SG_E_CERT_PARSE,
				    "cannot read certificate '%s' (mbedTLS -0x%04x)",
				    t->certs[cert].label, (unsigned)-r);
	return SG_OK;
}

static sg_err tpk_alt_setup(mbedtls_pk_context *pk, struct token *t, size_t cert,
			    const mbedtls_pk_context *cpk, struct sg_error *e)
{
	struct tpk_key *k;
	int r;

	if (mbedtls_pk_get_type(cpk) != MBEDTLS_PK_RSA)
		return sg_error_set(e, SG_E_TOKEN,
				    "certificate '%s' has a %s key: this mbedTLS build (%s) can use "
				    "only RSA keys held on a token",
				    t->certs[cert].label, mbedtls_pk_get_name(cpk),
				    MBEDTLS_VERSION_STRING);
	k = sg_calloc(1, sizeof(*k));
	if (!k)
		return sg_error_set(e, SG_E_NOMEM, "out of memory for the token key");
	k->type = TOKEN_KEY_RSA;
	k->t = t;
	k->cert = cert;
	k->rsa_len = mbedtls_rsa_get_len(mbedtls_pk_rsa(*cpk));
	r = mbedtls_pk_setup_rsa_alt(pk, k, NULL, tpk_alt_sign, tpk_alt_len);
	if (r) {
		sg_free(k);
		return sg_error_set(e, r == MBEDTLS_ERR_PK_ALLOC_FAILED ? SG_E_NOMEM : SG_E_INTERNAL,
				    "cannot set up the token key (mbedTLS -0x%04x)", (unsigned)-r);
	}
	k->alt_ctx = pk->pk_ctx;
	k->next = tpk_alt_keys;
	tpk_alt_keys = k;
	return SG_OK;
}

sg_err token_pk_setup_rsa_alt(mbedtls_pk_context *pk, struct token *t, size_t cert,
			      struct sg_error *e)
{
	mbedtls_x509_crt crt;
	sg_err err;

	mbedtls_x509_crt_init(&crt);
	err = tpk_args(pk, t, cert, &crt, e);
	if (!err)
		err = tpk_alt_setup(pk, t, cert, &crt.pk, e);
	mbedtls_x509_crt_free(&crt);
	return err;
}

sg_err token_pk_setup(mbedtls_pk_context *pk, struct token *t, size_t cert,
		      struct sg_error *e)
{
	mbedtls_x509_crt crt;
	mbedtls_pk_type_t type;
	sg_err err;

	mbedtls_x509_crt_init(&crt);
	err = tpk_args(pk, t, cert, &crt, e);
	if (err)
		goto out;
	type = mbedtls_pk_get_type(&crt.pk);
	if (type != MBEDTLS_PK_RSA && type != MBEDTLS_PK_ECKEY) {
		err = sg_error_set(e, SG_E_TOKEN, "certificate '%s' has a %s key, not RSA or EC",
				   t->certs[cert].label, mbedtls_pk_get_name(&crt.pk));
		goto out;
	}
#if TPK_TABLE
	if (tpk_tables()) {
		err = tpk_table_setup(pk, t, cert, &crt.pk, e);
		goto out;
	}
#endif
	err = tpk_alt_setup(pk, t, cert, &crt.pk, e);
out:
	mbedtls_x509_crt_free(&crt);
	return err;
}

/* ---- queries and release ------------------------------------------------ */

static struct tpk_key *tpk_find(const mbedtls_pk_context *pk)
{
	struct tpk_key **pp;

	if (!pk || !pk->pk_ctx)
		return NULL;
#if TPK_TABLE
	if (tpk_table_key(pk))
		return tpk_table_key(pk);
#endif
	if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA_ALT)
		return NULL;
	pp = tpk_alt_find(pk->pk_ctx);
	return pp ? *pp : NULL;
}

int token_pk_is_token_key(const mbedtls_pk_context *pk)
{
	return tpk_find(pk) != NULL;
}

sg_err token_pk_error(const mbedtls_pk_context *pk, struct sg_error *e)
{
	const struct tpk_key *k = tpk_find(pk);

	if (!k || k->last.code == SG_OK)
		return SG_OK;
	if (e)
		*e = k->last;
	return k->last.code;
}

void token_pk_free(mbedtls_pk_context *pk)
{
	struct tpk_key **pp;

	if (!pk)
		return;
	if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA_ALT && (pp = tpk_alt_find(pk->pk_ctx))) {
		struct tpk_key *k = *pp;

		*pp = k->next;
		sg_free(k);
	}
	mbedtls_pk_free(pk);
	mbedtls_pk_init(pk);
}
