/*
 * test_token_piv.c: the PIV token backend (token_piv.c over piv*.c)
 * against the in-process virtual card, through its reader device on the
 * test port: listing, PIN state and login (tries left, blocking,
 * unblocking with the PUK), RSA (PKCS#1 v1.5 and PSS) and ECDSA signatures
 * checked against the card's certificates, 9C's PIN-always rule, a card
 * pulled mid-operation, 6Cxx, compressed and damaged certificate objects.
 *
 * The card is made once per program (RSA-2048 generation is slow under
 * ASan) by the administrative commands of piv_admin.c: 9A RSA-2048 and 9C
 * P-256 generated on the card, certificates for their public keys issued
 * here with mbedTLS by a test CA key made here, written with PUT DATA.
 * Each case loads that state into a fresh test port.
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

#include <mbedtls/ecp.h>
#include <mbedtls/x509_crt.h>

#include "apdu.h"
#include "hal.h"
#include "piv.h"
#include "port_test.h"
#include "sig.h"
#include "certcache.h"
#include "sg_mem.h"
#include "token_piv.h"
#include "token_piv_priv.h"
#include "vcard.h"
#include "vcard_reader.h"

#define BLOB "vcard-test"
#define PIN "123456"
#define PUK "12345678"
#define STATE_MAX 70000

static const uint8_t mgmt_key[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
				     0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

static uint8_t *tmpl;
static size_t tmpl_len;

/* A reader around the virtual card's that can fail like a pulled card
 * and answer 6Cxx once, as some cards do for a wrong Le. */
struct wrap {
	struct hal_card inner;
	int remove_after; /* transmits that still succeed; < 0: never fail */
	int le_trick;     /* next case-2/4 command answered 6Cxx first */
	int short_rsa;    /* GENERATE answered with an RSA-1024 public key */
	int caps;         /* the reader tells the card's ATR (extended APDUs) */
	int ext_refuse;   /* ... but fails extended APDUs, then says short only */
	int atr_lies;     /* the ATR offers extended APDUs, whatever the card */
	int refused;      /* an extended APDU was refused (until a connect) */
	int ext_cut;      /* an extended APDU's answer cut to one byte */
	unsigned sent;
	unsigned ext_sent; /* extended APDUs that reached the card */
};

struct fx {
	struct port_test *pt;
	struct hal hal;
	struct vcard *card;
	struct wrap w;
	struct hal_card dev;
	struct token *t;
	struct sg_error e;
};

static int w_list(void *ctx, struct hal_reader *r, size_t max, size_t *n)
{
	struct wrap *w = ctx;
	return hal_card_list(&w->inner, r, max, n);
}

static int w_connect(void *ctx, const char *reader)
{
	struct wrap *w = ctx;

	w->refused = 0;
	return hal_card_connect(&w->inner, reader);
}

static int w_caps(void *ctx, struct hal_card_caps *c)
{
	static const uint8_t ext_atr[] = {0x3B, 0x8F, 0x80, 0x01, 0x80, 0xF9, 0xA0,
					  0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10,
					  0x00, 0x73, 0xC0, 0x21, 0xC0, 0x9E};
	struct wrap *w = ctx;
	int rc;

	if (!w->caps)
		return HAL_ENOTSUP;
	rc = hal_card_caps(&w->inner, c);
	if (rc == HAL_OK && w->atr_lies) {
		memcpy(c->atr, ext_atr, sizeof(ext_atr));
		c->atr_len = sizeof(ext_atr);
	}
	if (rc == HAL_OK && w->refused)
		c->max_apdu = HAL_CARD_SHORT_MAX;
	return rc;
}

static int w_disconnect(void *ctx, int reset)
{
	struct wrap *w = ctx;
	return hal_card_disconnect(&w->inner, reset);
}

static int w_transmit(void *ctx, const uint8_t *cmd, size_t cl, uint8_t *resp, size_t *rl)
{
	struct wrap *w = ctx;
	size_t cap = *rl;
	int rc;

	w->sent++;
	if (w->remove_after == 0)
		return HAL_EREMOVED;
	if (cl >= 7 && cmd[4] == 0x00) {
		/* Extended: only GET DATA and GENERAL AUTHENTICATE (never a
		 * VERIFY, whose retry could cost a PIN try), only when offered. */
		assert_true(cmd[1] == 0xCB || cmd[1] == 0x87);
		assert_true(w->caps && !w->refused);
		if (w->ext_refuse) {
			w->refused = 1;
			return HAL_EIO;
		}
		w->ext_sent++;
		if (w->ext_cut) {
			rc = hal_card_transmit(&w->inner, cmd, cl, resp, rl);
			*rl = 1;
			return rc;
		}
	}
	if (w->remove_after > 0)
		w->remove_after--;
	if (w->short_rsa && cl > 2 && cmd[1] == 0x47 && cap >= 142) {
		/* 7F49 { 81 <a 1024-bit modulus> 82 010001 } 9000: a valid RSA
		 * key, but not the 2048 bits asked for. */
		static const uint8_t head[] = {0x7F, 0x49, 0x81, 0x88, 0x81, 0x81, 0x80};
		size_t n = sizeof(head);

		memcpy(resp, head, n);
		resp[n++] = 0xC0;
		memset(resp + n, 0x55, 126);
		n += 126;
		resp[n++] = 0x01;
		memcpy(resp + n, "\x82\x03\x01\x00\x01\x90\x00", 7);
		*rl = n + 7;
		return HAL_OK;
	}
	rc = hal_card_transmit(&w->inner, cmd, cl, resp, rl);
	if (rc == HAL_OK && w->le_trick && cl > 5 && cmd[cl - 1] == 0x00 && *rl >= 3 &&
	    *rl < 256 && resp[*rl - 2] == 0x90) {
		/* Say "wrong Le, use this one"; the client must resend. */
		w->le_trick = 0;
		resp[0] = 0x6C;
		resp[1] = (uint8_t)(*rl - 2);
		*rl = 2;
	}
	return rc;
}

static const struct hal_card_ops w_ops = {w_list,       NULL,         w_connect,
					  w_transmit,   w_disconnect, w_caps};

static void fx_open_card(struct fx *fx)
{
	sg_error_init(&fx->e);
	assert_int_equal(vcard_open(&fx->hal, BLOB, &fx->card, &fx->e), SG_OK);
	vcard_reader_device(&fx->w.inner, fx->card, "test reader");
	fx->w.remove_after = -1;
	fx->dev.ops = &w_ops;
	fx->dev.ctx = &fx->w;
}

static struct fx *fx_new(int load)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->pt = port_test_new();
	assert_non_null(fx->pt);
	port_test_hal(fx->pt, &fx->hal);
	if (load) {
		assert_int_equal(hal_storage_write(&fx->hal.storage, BLOB, tmpl, tmpl_len), HAL_OK);
		fx_open_card(fx);
	}
	return fx;
}

static void fx_free(struct fx *fx)
{
	token_close(fx->t);
	vcard_close(fx->card);
	port_test_free(fx->pt);
	free(fx);
}

static void fx_token(struct fx *fx)
{
	sg_error_init(&fx->e);
	assert_int_equal(token_piv_open_card(&fx->hal, &fx->dev, NULL, &fx->t, &fx->e), SG_OK);
}

static sg_err login(struct fx *fx, const char *pin)
{
	struct pin_policy pol;
	struct pin p;

	pin_policy_default(&pol);
	memset(&p, 0, sizeof(p));
	p.len = strlen(pin);
	memcpy(p.v, pin, p.len);
	sg_error_init(&fx->e);
	return token_login(fx->t, &pol, &p, &fx->e);
}

static size_t find_cert(const struct token *t, uint8_t ref)
{
	for (size_t i = 0; i < t->n_certs; i++)
		if (t->certs[i].id_len == 1 && t->certs[i].id[0] == ref)
			return i;
	fail_msg("no certificate for %02X", ref);
	return 0;
}

/* ---- the card, made once -------------------------------------------------- */

/* A certificate for pub, issued by ca (EC P-256), DER into *der. */
static void issue(struct fx *fx, mbedtls_pk_context *ca, mbedtls_pk_context *pub, const char *cn,
		  uint8_t **der, size_t *len)
{
	mbedtls_x509write_cert w;
	mbedtls_mpi serial;
	uint8_t buf[4096];
	char subj[128];
	int n;

	snprintf(subj, sizeof(subj), "O=signet test,CN=%s", cn);
	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	assert_int_equal(mbedtls_mpi_lset(&serial, 4242), 0);
	mbedtls_x509write_crt_set_subject_key(&w, pub);
	mbedtls_x509write_crt_set_issuer_key(&w, ca);
	assert_int_equal(mbedtls_x509write_crt_set_subject_name(&w, subj), 0);
	assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&w, "O=signet test,CN=test CA"), 0);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	assert_int_equal(mbedtls_x509write_crt_set_serial(&w, &serial), 0);
	assert_int_equal(mbedtls_x509write_crt_set_validity(&w, "20240101000000", "20340101000000"),
			 0);
	assert_int_equal(mbedtls_x509write_crt_set_basic_constraints(&w, 0, -1), 0);
	n = mbedtls_x509write_crt_der(&w, buf, sizeof(buf), hal_rng_mbedtls, (void *)&fx->hal.rng);
	assert_true(n > 0);
	*der = malloc((size_t)n);
	assert_non_null(*der);
	memcpy(*der, buf + sizeof(buf) - (size_t)n, (size_t)n);
	*len = (size_t)n;
	mbedtls_x509write_crt_free(&w);
	mbedtls_mpi_free(&serial);
}

static int group_setup(void **state)
{
	struct vcard_params p = {PIN, 6, PUK, 8, VCARD_MGMT_AES128, mgmt_key, 16, 3, 3, NULL};
	struct fx *fx = fx_new(0);
	mbedtls_pk_context ca, pub_rsa, pub_ec;
	uint8_t *der;
	size_t len;

	(void)state;
	sg_error_init(&fx->e);
	assert_int_equal(vcard_create(&fx->hal, BLOB, &p, &fx->e), SG_OK);
	fx_open_card(fx);
	assert_int_equal(hal_card_connect(&fx->dev, "test reader"), HAL_OK);
	assert_int_equal(piv_select(&fx->dev, &fx->e), SG_OK);
	mbedtls_pk_init(&ca);
	mbedtls_pk_init(&pub_rsa);
	mbedtls_pk_init(&pub_ec);
	/* Without the management key nothing can be generated. */
	assert_int_equal(piv_generate(&fx->dev, 0x9A, PIV_ALG_RSA2048, &pub_rsa, &fx->e),
			 SG_E_TOKEN);
	assert_int_equal(piv_mgmt_auth(&fx->dev, PIV_ALG_AES128, (const uint8_t *)"0123456789abcdef",
				       16, &fx->e), SG_E_TOKEN);
	assert_non_null(strstr(fx->e.detail, "wrong key"));
	assert_int_equal(piv_mgmt_auth(&fx->dev, PIV_ALG_AES128, mgmt_key, 16, &fx->e), SG_OK);
	assert_int_equal(piv_generate(&fx->dev, 0x9A, PIV_ALG_RSA2048, &pub_rsa, &fx->e), SG_OK);
	assert_int_equal(piv_generate(&fx->dev, 0x9C, PIV_ALG_ECCP256, &pub_ec, &fx->e), SG_OK);
	assert_int_equal(mbedtls_pk_get_bitlen(&pub_rsa), 2048);
	assert_int_equal(mbedtls_pk_get_bitlen(&pub_ec), 256);
	assert_int_equal(mbedtls_pk_setup(&ca, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
	assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(ca),
					     hal_rng_mbedtls, (void *)&fx->hal.rng), 0);
	issue(fx, &ca, &pub_rsa, "alice", &der, &len);
	assert_int_equal(piv_put_cert(&fx->dev, 0x9A, der, len, &fx->e), SG_OK);
	free(der);
	issue(fx, &ca, &pub_ec, "bob", &der, &len);
	assert_int_equal(piv_put_cert(&fx->dev, 0x9C, der, len, &fx->e), SG_OK);
	free(der);
	mbedtls_pk_free(&ca);
	mbedtls_pk_free(&pub_rsa);
	mbedtls_pk_free(&pub_ec);
	tmpl = malloc(STATE_MAX);
	assert_non_null(tmpl);
	tmpl_len = STATE_MAX;
	assert_int_equal(hal_storage_read(&fx->hal.storage, BLOB, tmpl, &tmpl_len), HAL_OK);
	hal_card_disconnect(&fx->dev, 1);
	fx_free(fx);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(tmpl);
	return 0;
}

/* ---- cases --------------------------------------------------------------- */

static void test_list(void **state)
{
	struct fx *fx = fx_new(1);
	const struct token_cert *a, *s;
	struct token_pin_state st;
	size_t ci;

	(void)state;
	fx_token(fx);
	assert_int_equal(fx->t->n_certs, 2);
	a = &fx->t->certs[find_cert(fx->t, 0x9A)];
	s = &fx->t->certs[find_cert(fx->t, 0x9C)];
	assert_string_equal(a->label, "PIV AUTH key");
	assert_string_equal(s->label, "SIGN key");
	assert_int_equal(a->key_type, TOKEN_KEY_RSA);
	assert_int_equal(a->key_bits, 2048);
	assert_int_equal(s->key_type, TOKEN_KEY_EC);
	assert_int_equal(s->key_bits, 256);
	assert_int_equal(a->key_state, TOKEN_KEY_STATE_PRESENT);
	assert_false(a->is_ca);
	assert_string_equal(a->uri, "pkcs11:id=%9A;object=PIV%20AUTH%20key;type=cert");
	assert_string_equal(fx->t->info.manufacturer, "signet PIV");
	assert_int_equal(fx->t->info.pin_min, 6);
	assert_int_equal(fx->t->info.pin_max, 8);
	assert_false(fx->t->info.protected_auth_path);
	assert_int_equal(strlen(fx->t->info.serial), 16); /* from the CHUID's GUID */
	assert_non_null(strstr(fx->t->info.label, fx->t->info.serial));
	/* Two sign-in candidates: ambiguous until a URI narrows it. */
	assert_int_equal(token_select(fx->t, &ci, &fx->e), SG_E_AMBIGUOUS);
	assert_int_equal(token_pin_state(fx->t, &st, &fx->e), SG_OK);
	assert_int_equal(st.tries_left, 3);
	assert_false(st.locked);
	assert_false(st.final_try);
	fx_free(fx);
}

static void test_filter(void **state)
{
	static const struct {
		const char *uri;
		size_t n;
		uint8_t first;
	} rows[] = {
		{"pkcs11:id=%9c", 1, 0x9C},
		{"pkcs11:id=%9A", 1, 0x9A},
		{"pkcs11:object=SIGN%20key", 1, 0x9C},
		{"pkcs11:type=private;id=%9a", 1, 0x9A},
		{"pkcs11:id=%9d", 0, 0},
		{"pkcs11:", 2, 0x9A},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fx *fx = fx_new(1);
		struct p11uri u;
		size_t ci;

		fx_token(fx);
		assert_int_equal(p11uri_parse(rows[i].uri, strlen(rows[i].uri), &u, &fx->e), SG_OK);
		token_piv_filter(fx->t, &u);
		assert_int_equal(fx->t->n_certs, rows[i].n);
		if (rows[i].n)
			assert_int_equal(fx->t->certs[0].id[0], rows[i].first);
		if (rows[i].n == 1)
			assert_int_equal(token_select(fx->t, &ci, &fx->e), SG_OK);
		fx_free(fx);
	}
}

static void test_login_tries(void **state)
{
	struct fx *fx = fx_new(1);
	struct token_pin_state st;

	(void)state;
	fx_token(fx);
	assert_int_equal(login(fx, "654321"), SG_E_PIN_INCORRECT);
	assert_int_equal(fx->e.tries_left, 2);
	assert_false(fx->e.final_try);
	assert_null(strstr(fx->e.detail, "654321"));
	assert_int_equal(token_pin_state(fx->t, &st, &fx->e), SG_OK);
	assert_int_equal(st.tries_left, 2);
	assert_true(st.count_low);
	assert_int_equal(login(fx, "654321"), SG_E_PIN_INCORRECT);
	assert_int_equal(fx->e.tries_left, 1);
	assert_true(fx->e.final_try);
	assert_int_equal(token_pin_state(fx->t, &st, &fx->e), SG_OK);
	assert_true(st.final_try);
	/* The right PIN restores the counter. */
	assert_int_equal(login(fx, PIN), SG_OK);
	token_logout(fx->t);
	assert_int_equal(token_pin_state(fx->t, &st, &fx->e), SG_OK);
	assert_int_equal(st.tries_left, 3);
	/* A PIN PIV cannot carry never reaches the card: no try spent. */
	assert_int_equal(login(fx, "123"), SG_E_PIN_FORMAT);
	assert_int_equal(login(fx, "123456789"), SG_E_PIN_FORMAT);
	assert_int_equal(token_pin_state(fx->t, &st, &fx->e), SG_OK);
	assert_int_equal(st.tries_left, 3);
	fx_free(fx);
}

static void test_lock_and_unblock(void **state)
{
	struct fx *fx = fx_new(1);
	struct token_pin_state st;

	(void)state;
	fx_token(fx);
	assert_int_equal(login(fx, "000000"), SG_E_PIN_INCORRECT);
	assert_int_equal(login(fx, "000000"), SG_E_PIN_INCORRECT);
	assert_int_equal(login(fx, "000000"), SG_E_PIN_LOCKED);
	assert_non_null(strstr(fx->e.detail, "PUK"));
	assert_int_equal(token_pin_state(fx->t, &st, &fx->e), SG_OK);
	assert_true(st.locked);
	assert_int_equal(st.tries_left, 0);
	assert_int_equal(login(fx, PIN), SG_E_PIN_LOCKED);
	assert_non_null(strstr(fx->e.detail, "unblock it with the PUK"));
	/* Wrong PUK: counted and said. */
	assert_int_equal(piv_unblock(&fx->dev, "87654321", 8, "24680246", 8, &fx->e),
			 SG_E_PIN_INCORRECT);
	assert_int_equal(fx->e.tries_left, 2);
	assert_non_null(strstr(fx->e.detail, "PUK"));
	assert_int_equal(piv_unblock(&fx->dev, PUK, 8, "24680246", 8, &fx->e), SG_OK);
	assert_int_equal(login(fx, PIN), SG_E_PIN_INCORRECT);
	assert_int_equal(login(fx, "24680246"), SG_OK);
	/* change the PIN back with CHANGE REFERENCE DATA */
	assert_int_equal(piv_change_ref(&fx->dev, PIV_REF_PIN, "24680246", 8, PIN, 6, &fx->e),
			 SG_OK);
	assert_int_equal(login(fx, PIN), SG_OK);
	fx_free(fx);
}

static void sign_and_check(struct fx *fx, uint8_t ref, enum token_sig kind, const char *msg)
{
	uint8_t hash[32], sig[SIG_MAX];
	size_t sl = sizeof(sig), ci = find_cert(fx->t, ref);

	sig_sha256((const uint8_t *)msg, strlen(msg), hash);
	sg_error_init(&fx->e);
	assert_int_equal(token_sign(fx->t, ci, kind, hash, sizeof(hash), sig, &sl, &fx->e), SG_OK);
	assert_int_equal(sig_verify_cert(fx->t->certs[ci].der, fx->t->certs[ci].der_len, kind, hash,
					 sizeof(hash), sig, sl, &fx->e),
			 SG_OK);
	/* and not over another message */
	hash[0] ^= 1;
	assert_int_equal(sig_verify_cert(fx->t->certs[ci].der, fx->t->certs[ci].der_len, kind, hash,
					 sizeof(hash), sig, sl, &fx->e),
			 SG_E_SIGNATURE);
}

static void test_sign(void **state)
{
	struct fx *fx = fx_new(1);
	uint8_t hash[48] = {0}, sig[SIG_MAX];
	size_t sl = sizeof(sig), ci;

	(void)state;
	fx_token(fx);
	ci = find_cert(fx->t, 0x9A);
	/* Without the PIN the card refuses. */
	assert_int_equal(token_sign(fx->t, ci, TOKEN_SIG_RSA_PKCS1, hash, 32, sig, &sl, &fx->e),
			 SG_E_TOKEN);
	assert_non_null(strstr(fx->e.detail, "PIN"));
	assert_int_equal(login(fx, PIN), SG_OK);
	sign_and_check(fx, 0x9A, TOKEN_SIG_RSA_PKCS1, "challenge one");
	sign_and_check(fx, 0x9A, TOKEN_SIG_RSA_PSS, "challenge two");
	sign_and_check(fx, 0x9A, TOKEN_SIG_RSA_PSS, "challenge two"); /* fresh salt each time */
	/* SHA-384 too */
	sl = sizeof(sig);
	assert_int_equal(token_sign(fx->t, ci, TOKEN_SIG_RSA_PKCS1, hash, 48, sig, &sl, &fx->e),
			 SG_OK);
	assert_int_equal(sig_verify_cert(fx->t->certs[ci].der, fx->t->certs[ci].der_len,
					 TOKEN_SIG_RSA_PKCS1, hash, 48, sig, sl, &fx->e), SG_OK);
	/* A scheme that does not suit the key is refused before the card. */
	sl = sizeof(sig);
	assert_int_equal(token_sign(fx->t, ci, TOKEN_SIG_ECDSA, hash, 32, sig, &sl, &fx->e),
			 SG_E_CERT_USAGE);
	/* 9C: one login, one signature. */
	assert_int_equal(login(fx, PIN), SG_OK);
	sign_and_check(fx, 0x9C, TOKEN_SIG_ECDSA, "ec one");
	sl = sizeof(sig);
	assert_int_equal(token_sign(fx->t, find_cert(fx->t, 0x9C), TOKEN_SIG_ECDSA, hash, 32, sig,
				    &sl, &fx->e),
			 SG_E_TOKEN);
	assert_non_null(strstr(fx->e.detail, "9C"));
	assert_int_equal(login(fx, PIN), SG_OK);
	sign_and_check(fx, 0x9C, TOKEN_SIG_ECDSA, "ec two");
	/* Logged out: 9A refuses again. */
	token_logout(fx->t);
	sl = sizeof(sig);
	assert_int_equal(token_sign(fx->t, ci, TOKEN_SIG_RSA_PKCS1, hash, 32, sig, &sl, &fx->e),
			 SG_E_TOKEN);
	fx_free(fx);
}

/* APDUs of one RSA-2048 signature with 9A (logged in). */
static unsigned sign_count(struct fx *fx, const char *msg)
{
	unsigned before = fx->w.sent;

	sign_and_check(fx, 0x9A, TOKEN_SIG_RSA_PKCS1, msg);
	return fx->w.sent - before;
}

/* APDUs of opening the token with the certificate cache off (SELECT,
 * CHUID, the four certificate objects). */
static unsigned open_count(struct fx *fx)
{
	struct token_piv_opts off = {NULL, TOKEN_PIV_CACHE_OFF};
	unsigned before;

	token_close(fx->t);
	fx->t = NULL;
	before = fx->w.sent;
	sg_error_init(&fx->e);
	assert_int_equal(token_piv_open_opts(&fx->hal, &fx->dev, NULL, &off, &fx->t, &fx->e),
			 SG_OK);
	assert_int_equal(fx->t->n_certs, 2);
	return fx->w.sent - before;
}

/* Extended length: one APDU for an RSA-2048 signature and for each
 * certificate, when the card offers it (its ATR) and the reader carries
 * it; else, and after the reader failed one, short APDUs as before. */
static void test_extended(void **state)
{
	struct fx *fx = fx_new(1);
	unsigned short_open, n;

	(void)state;
	/* A reader that does not tell: short APDUs (chained + GET RESPONSE). */
	short_open = open_count(fx);
	assert_int_equal(login(fx, PIN), SG_OK);
	assert_int_equal(sign_count(fx, "short"), 3);
	assert_int_equal(fx->w.ext_sent, 0);
	/* It tells: one APDU each. */
	fx->w.caps = 1;
	n = open_count(fx);
	print_message("open: short %u, extended %u APDUs\n", short_open, n);
	assert_int_equal(n, 6); /* SELECT, CHUID, 9A 9C 9D 9E */
	assert_true(n < short_open);
	assert_int_equal(login(fx, PIN), SG_OK);
	assert_int_equal(sign_count(fx, "extended"), 1);
	sign_and_check(fx, 0x9A, TOKEN_SIG_RSA_PSS, "extended pss");
	assert_true(fx->w.ext_sent >= 4);
	/* A short-APDU card (its ATR says nothing): no extended APDU. */
	vcard_set_short_apdus(fx->card, 1);
	n = fx->w.ext_sent;
	assert_int_equal(open_count(fx), short_open);
	assert_int_equal(login(fx, PIN), SG_OK);
	assert_int_equal(sign_count(fx, "short card"), 3);
	assert_int_equal(fx->w.ext_sent, n);
	/* An ATR that offers what the card refuses (6700): the same command
	 * again in short form, the signature made. */
	fx->w.atr_lies = 1;
	assert_int_equal(sign_count(fx, "lying card"), 1 + 3);
	fx->w.atr_lies = 0;
	vcard_set_short_apdus(fx->card, 0);
	/* An answer without a status word: an error, not a fallback. */
	fx->w.ext_cut = 1;
	{
		uint8_t hash[32] = {1}, sig[SIG_MAX];
		size_t sl = sizeof(sig);

		assert_int_equal(token_sign(fx->t, find_cert(fx->t, 0x9A), TOKEN_SIG_RSA_PKCS1,
					    hash, sizeof(hash), sig, &sl, &fx->e),
				 SG_E_TOKEN);
		assert_non_null(strstr(fx->e.detail, "no status word"));
	}
	fx->w.ext_cut = 0;
	/* A reader that fails extended APDUs: that command again in short
	 * form, and short APDUs for the rest of the connection (no PIN try
	 * lost: VERIFY is never extended, the wrapper checks). */
	fx->w.ext_refuse = 1;
	n = open_count(fx);
	assert_int_equal(n, short_open + 1);
	assert_int_equal(login(fx, PIN), SG_OK);
	assert_int_equal(sign_count(fx, "refused"), 3);
	assert_int_equal(fx->w.refused, 1);
	fx_free(fx);
}

static void test_removed(void **state)
{
	(void)state;
	/* Pulled at every point of opening: never a crash, always "removed". */
	for (int after = 0; after < 12; after++) {
		struct fx *fx = fx_new(1);
		sg_err err;

		fx->w.remove_after = after;
		sg_error_init(&fx->e);
		err = token_piv_open_card(&fx->hal, &fx->dev, NULL, &fx->t, &fx->e);
		if (err == SG_OK) {
			assert_true(after > 6);
		} else {
			assert_int_equal(err, SG_E_CARD_REMOVED);
			assert_null(fx->t);
		}
		fx_free(fx);
	}
	/* Pulled before the signature. */
	{
		struct fx *fx = fx_new(1);
		uint8_t hash[32] = {1}, sig[SIG_MAX];
		size_t sl = sizeof(sig);
		struct token_pin_state st;

		fx_token(fx);
		assert_int_equal(login(fx, PIN), SG_OK);
		fx->w.remove_after = 0;
		assert_int_equal(token_sign(fx->t, find_cert(fx->t, 0x9A), TOKEN_SIG_RSA_PKCS1, hash,
					    32, sig, &sl, &fx->e),
				 SG_E_CARD_REMOVED);
		assert_int_equal(token_pin_state(fx->t, &st, &fx->e), SG_E_CARD_REMOVED);
		assert_int_equal(login(fx, PIN), SG_E_CARD_REMOVED);
		fx_free(fx);
	}
}

static void test_wrong_le(void **state)
{
	struct fx *fx = fx_new(1);

	(void)state;
	fx->w.le_trick = 1;
	fx_token(fx);
	assert_false(fx->w.le_trick); /* it was used, and the answer still came */
	assert_int_equal(fx->t->n_certs, 2);
	assert_int_equal(strlen(fx->t->info.serial), 16);
	fx_free(fx);
}

/* Certificate objects a card may hold: compressed, garbled, empty. The
 * slot is skipped (with a warning), the others still listed. */
static void test_odd_objects(void **state)
{
	static const struct {
		const uint8_t *val;
		size_t len;
		size_t n_certs;
		const char *log;
	} rows[] = {
		/* compressed */
		{(const uint8_t *)"\x70\x03\x1f\x8b\x08\x71\x01\x01\xFE\x00", 10, 1,
		 "compressed"},
		/* garbled TLV */
		{(const uint8_t *)"\x70\x83\x00\x00", 4, 1, "does not parse"},
		/* no certificate in it */
		{(const uint8_t *)"\x71\x01\x00\xFE\x00", 5, 1, NULL},
		/* not a certificate */
		{(const uint8_t *)"\x70\x02\x30\x00\x71\x01\x00", 7, 2, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fx *fx = fx_new(1);

		assert_int_equal(hal_card_connect(&fx->dev, "test reader"), HAL_OK);
		assert_int_equal(piv_select(&fx->dev, &fx->e), SG_OK);
		assert_int_equal(piv_mgmt_auth(&fx->dev, PIV_ALG_AES128, mgmt_key, 16, &fx->e), SG_OK);
		assert_int_equal(piv_put_object(&fx->dev, 0x5FC10A, rows[i].val, rows[i].len, &fx->e),
				 SG_OK);
		port_test_log_clear(fx->pt);
		fx_token(fx);
		assert_int_equal(fx->t->n_certs, rows[i].n_certs);
		assert_int_equal(fx->t->certs[0].id[0], 0x9A);
		if (rows[i].log)
			assert_non_null(strstr(port_test_log(fx->pt), rows[i].log));
		if (rows[i].n_certs == 2) /* unparsable: listed, but no key type: not a candidate */
			assert_int_equal(fx->t->certs[1].key_type, TOKEN_KEY_UNKNOWN);
		fx_free(fx);
	}
}

static void test_not_piv(void **state)
{
	struct fx *fx = fx_new(1);

	(void)state;
	/* No reader by that name. */
	assert_int_equal(token_piv_open_card(&fx->hal, &fx->dev, "other", &fx->t, &fx->e),
			 SG_E_NO_READER);
	/* By name, exact or part. */
	assert_int_equal(token_piv_open_card(&fx->hal, &fx->dev, "test", &fx->t, &fx->e), SG_OK);
	token_close(fx->t);
	fx->t = NULL;
	/* A device without readers. */
	assert_int_equal(token_piv_open(&fx->hal, NULL, &fx->t, &fx->e), SG_E_NO_READER);
	fx_free(fx);
}

/* ---- administration: key generation and certificate storage ---------------- */

/* The administration source of the cases: the test card's management key
 * (or a failure), and what key_made was told. */
struct adm {
	int fail;
	uint8_t made_ref;
	unsigned made_bits;
};

static sg_err adm_key(void *arg, uint8_t *alg, uint8_t key[32], size_t *len, struct sg_error *e)
{
	struct adm *a = arg;

	if (a->fail)
		return sg_error_set(e, SG_E_IO, "no management key here");
	*alg = PIV_ALG_AES128;
	memcpy(key, mgmt_key, sizeof(mgmt_key));
	*len = sizeof(mgmt_key);
	return SG_OK;
}

static sg_err adm_made(void *arg, uint8_t ref, const mbedtls_pk_context *pub, struct sg_error *e)
{
	struct adm *a = arg;

	(void)e;
	a->made_ref = ref;
	a->made_bits = (unsigned)mbedtls_pk_get_bitlen(pub);
	return SG_OK;
}

/* Copies of the token's certificates, to see that nothing changed. */
struct snap {
	size_t n;
	uint8_t der[TOKEN_MAX_CERTS][2048];
	size_t len[TOKEN_MAX_CERTS];
};

static void snap_take(const struct token *t, struct snap *s)
{
	s->n = t->n_certs;
	for (size_t i = 0; i < t->n_certs; i++) {
		assert_true(t->certs[i].der_len <= sizeof(s->der[i]));
		memcpy(s->der[i], t->certs[i].der, t->certs[i].der_len);
		s->len[i] = t->certs[i].der_len;
	}
}

static void snap_same(const struct token *t, const struct snap *s)
{
	assert_int_equal(t->n_certs, s->n);
	for (size_t i = 0; i < s->n; i++) {
		assert_int_equal(t->certs[i].der_len, s->len[i]);
		assert_memory_equal(t->certs[i].der, s->der[i], s->len[i]);
	}
}

/* A token whose backend lacks the operations (a PIV card without its
 * management key) says so, naming itself, and loses nothing: neither its
 * list nor the card. */
static void test_cannot_administer(void **state)
{
	struct fx *fx = fx_new(1);
	struct snap *before = calloc(1, sizeof(*before));
	struct token_key k;
	mbedtls_pk_context pub;
	size_t ci;

	(void)state;
	assert_non_null(before);
	mbedtls_pk_init(&pub);
	fx_token(fx);
	assert_int_equal(login(fx, PIN), SG_OK);
	snap_take(fx->t, before);
	assert_int_equal(token_can_generate(fx->t, &fx->e), SG_E_INVALID_ARG);
	assert_non_null(strstr(fx->e.detail, "cannot generate keys"));
	assert_non_null(strstr(fx->e.detail, fx->t->info.label));
	memset(&k, 0, sizeof(k));
	k.id[0] = 0x9C;
	k.id_len = 1;
	sg_error_init(&fx->e);
	assert_int_equal(token_generate_key(fx->t, TOKEN_KEYGEN_EC_P256, &k, &pub, &fx->e),
			 SG_E_INVALID_ARG);
	assert_non_null(strstr(fx->e.detail, "cannot generate keys"));
	assert_int_equal(mbedtls_pk_get_type(&pub), MBEDTLS_PK_NONE);
	ci = find_cert(fx->t, 0x9C);
	token_cert_key(fx->t, ci, &k);
	sg_error_init(&fx->e);
	assert_int_equal(token_store_cert(fx->t, &k, fx->t->certs[find_cert(fx->t, 0x9A)].der,
					  fx->t->certs[find_cert(fx->t, 0x9A)].der_len, &fx->e),
			 SG_E_INVALID_ARG);
	assert_non_null(strstr(fx->e.detail, "cannot store certificates"));
	assert_non_null(strstr(fx->e.detail, fx->t->info.label));
	token_delete_key(fx->t, &k); /* nothing to do, nothing done */
	snap_same(fx->t, before);
	/* The card too: opened again, the same certificates; 9C still signs. */
	token_close(fx->t);
	fx->t = NULL;
	fx_token(fx);
	snap_same(fx->t, before);
	assert_int_equal(login(fx, PIN), SG_OK);
	sign_and_check(fx, 0x9C, TOKEN_SIG_ECDSA, "still mine");
	/* A management key that cannot be had: the same, nothing changed. */
	{
		struct adm a = {1, 0, 0};
		const struct token_piv_admin src = {adm_key, adm_made, &a};

		assert_int_equal(token_piv_admin(fx->t, &src, &fx->e), SG_OK);
		assert_int_equal(token_can_generate(fx->t, &fx->e), SG_OK);
		assert_int_equal(token_generate_key(fx->t, TOKEN_KEYGEN_EC_P256, &k, &pub, &fx->e),
				 SG_E_IO);
		assert_int_equal(a.made_ref, 0);
		snap_same(fx->t, before);
	}
	mbedtls_pk_free(&pub);
	free(before);
	fx_free(fx);
}

/* With the management key: a P-256 key made in 9C (its old certificate
 * goes), the request signed by it before it has a certificate, the new
 * certificate stored and listed, and on the card when opened again. */
static void test_generate_and_store(void **state)
{
	struct fx *fx = fx_new(1);
	struct adm a = {0, 0, 0};
	const struct token_piv_admin src = {adm_key, adm_made, &a};
	mbedtls_pk_context pub, ca;
	struct token_key k;
	uint8_t hash[32] = {1, 2, 3}, sig[SIG_MAX], *der;
	size_t sl = sizeof(sig), len, ci;

	(void)state;
	mbedtls_pk_init(&pub);
	mbedtls_pk_init(&ca);
	fx_token(fx);
	assert_int_equal(fx->t->n_certs, 2);
	assert_int_equal(token_piv_admin(fx->t, &src, &fx->e), SG_OK);
	assert_int_equal(token_can_generate(fx->t, &fx->e), SG_OK);
	assert_int_equal(token_can_store(fx->t, &fx->e), SG_OK);
	assert_int_equal(login(fx, PIN), SG_OK);
	memset(&k, 0, sizeof(k));
	k.id[0] = 0x9C;
	k.id_len = 1;
	assert_int_equal(token_generate_key(fx->t, TOKEN_KEYGEN_EC_P256, &k, &pub, &fx->e), SG_OK);
	assert_int_equal(mbedtls_pk_get_bitlen(&pub), 256);
	assert_int_equal(k.type, TOKEN_KEY_EC);
	assert_int_equal(k.bits, 256);
	assert_int_equal(a.made_ref, 0x9C);
	assert_int_equal(a.made_bits, 256);
	/* The old 9C certificate belonged to the old key: gone. */
	assert_int_equal(fx->t->n_certs, 1);
	assert_int_equal(fx->t->certs[0].id[0], 0x9A);
	/* The new key signs (9C: right after the PIN). */
	assert_int_equal(login(fx, PIN), SG_OK);
	assert_int_equal(token_sign_key(fx->t, &k, TOKEN_SIG_ECDSA, hash, sizeof(hash), sig, &sl,
					&fx->e), SG_OK);
	assert_int_equal(mbedtls_pk_verify(&pub, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sl), 0);
	/* Its certificate, stored. */
	assert_int_equal(mbedtls_pk_setup(&ca, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
	assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(ca),
					     hal_rng_mbedtls, (void *)&fx->hal.rng), 0);
	issue(fx, &ca, &pub, "carol", &der, &len);
	assert_int_equal(token_store_cert(fx->t, &k, der, len, &fx->e), SG_OK);
	assert_int_equal(fx->t->n_certs, 2);
	ci = find_cert(fx->t, 0x9C);
	assert_int_equal(fx->t->certs[ci].der_len, len);
	assert_memory_equal(fx->t->certs[ci].der, der, len);
	assert_string_equal(fx->t->certs[ci].label, "SIGN key");
	assert_string_equal(fx->t->certs[ci].uri, "pkcs11:id=%9C;object=SIGN%20key;type=cert");
	assert_int_equal(fx->t->certs[ci].key_type, TOKEN_KEY_EC);
	/* On the card. */
	token_close(fx->t);
	fx->t = NULL;
	fx_token(fx);
	ci = find_cert(fx->t, 0x9C);
	assert_memory_equal(fx->t->certs[ci].der, der, len);
	assert_int_equal(login(fx, PIN), SG_OK);
	sign_and_check(fx, 0x9C, TOKEN_SIG_ECDSA, "the new key");
	free(der);
	mbedtls_pk_free(&ca);
	mbedtls_pk_free(&pub);
	fx_free(fx);
}

/* piv_generate: an RSA-2048 key asked for, a 1024-bit one answered: refused. */
static void test_generate_short_rsa(void **state)
{
	struct fx *fx = fx_new(1);
	mbedtls_pk_context pub;

	(void)state;
	mbedtls_pk_init(&pub);
	assert_int_equal(hal_card_connect(&fx->dev, "test reader"), HAL_OK);
	assert_int_equal(piv_select(&fx->dev, &fx->e), SG_OK);
	assert_int_equal(piv_mgmt_auth(&fx->dev, PIV_ALG_AES128, mgmt_key, 16, &fx->e), SG_OK);
	fx->w.short_rsa = 1;
	assert_int_equal(piv_generate(&fx->dev, 0x9D, PIV_ALG_RSA2048, &pub, &fx->e), SG_E_TOKEN);
	assert_non_null(strstr(fx->e.detail, "RSA-2048"));
	assert_int_equal(mbedtls_pk_get_type(&pub), MBEDTLS_PK_NONE);
	mbedtls_pk_free(&pub);
	hal_card_disconnect(&fx->dev, 1);
	fx_free(fx);
}

/* ---- the certificate cache ------------------------------------------------ */

/* Opens the card with the cache (uri: NULL or a URI), counting APDUs. */
static unsigned fx_cached(struct fx *fx, const char *uri)
{
	struct p11uri u;
	struct token_piv_opts o = {NULL, TOKEN_PIV_CACHE_USE};
	unsigned before;

	if (uri) {
		assert_int_equal(p11uri_parse(uri, strlen(uri), &u, &fx->e), SG_OK);
		o.uri = &u;
	}
	token_close(fx->t); /* (a logout is an APDU, not the open's) */
	fx->t = NULL;
	before = fx->w.sent;
	sg_error_init(&fx->e);
	assert_int_equal(token_piv_open_opts(&fx->hal, &fx->dev, NULL, &o, &fx->t, &fx->e), SG_OK);
	return fx->w.sent - before;
}

/* The DER of slot ref's certificate, copied. */
static uint8_t *cert_of(struct fx *fx, uint8_t ref, size_t *len)
{
	const struct token_cert *c = &fx->t->certs[find_cert(fx->t, ref)];
	uint8_t *d = malloc(c->der_len);

	assert_non_null(d);
	memcpy(d, c->der, c->der_len);
	*len = c->der_len;
	return d;
}

static void test_cache(void **state)
{
	struct fx *fx = fx_new(1);
	uint8_t *a, *b;
	size_t al, bl;
	unsigned first;

	(void)state;
	/* First sight: CHUID and every slot; then SELECT + CHUID only. */
	first = fx_cached(fx, NULL);
	assert_true(first >= 6);
	assert_int_equal(fx->t->n_certs, 2);
	a = cert_of(fx, 0x9A, &al);
	b = cert_of(fx, 0x9C, &bl);
	assert_int_equal(fx_cached(fx, NULL), 2);
	assert_int_equal(fx->t->n_certs, 2);
	assert_memory_equal(fx->t->certs[find_cert(fx->t, 0x9A)].der, a, al);
	assert_memory_equal(fx->t->certs[find_cert(fx->t, 0x9C)].der, b, bl);
	assert_int_equal(fx_cached(fx, "pkcs11:id=%9c"), 2);
	assert_int_equal(fx->t->n_certs, 1);
	/* Off: the card is read. */
	{
		struct token_piv_opts off = {NULL, TOKEN_PIV_CACHE_OFF};
		unsigned before = fx->w.sent;

		token_close(fx->t);
		assert_int_equal(token_piv_open_opts(&fx->hal, &fx->dev, NULL, &off, &fx->t,
						     &fx->e), SG_OK);
		assert_int_equal(fx->w.sent - before, first);
	}
	free(a);
	free(b);
	fx_free(fx);
}

static void test_cache_slots(void **state)
{
	struct fx *fx = fx_new(1);
	unsigned one, two;

	(void)state;
	/* A URI naming one slot reads that slot only; the others later. */
	one = fx_cached(fx, "pkcs11:id=%9c");
	assert_int_equal(fx->t->n_certs, 1);
	two = fx_cached(fx, NULL);
	assert_int_equal(fx->t->n_certs, 2);
	assert_true(two > 2 && two < one + 4);
	assert_int_equal(fx_cached(fx, NULL), 2);
	assert_int_equal(fx_cached(fx, "pkcs11:id=%9a"), 2);
	fx_free(fx);
}

/* A cache entry that is wrong for this card (a card with a cloned CHUID,
 * a certificate replaced under the same CHUID): the first signature does
 * not verify with it, the card is read again and the retry works. */
static void test_cache_wrong_entry(void **state)
{
	struct fx *fx = fx_new(1);
	struct certcache_ent e[CERTCACHE_ENTS];
	uint8_t *blob, hash[32] = {1}, sig[SIG_MAX], *good;
	size_t n, sl = sizeof(sig), ci, gl;
	struct pivt *p;

	(void)state;
	fx_cached(fx, NULL);
	good = cert_of(fx, 0x9A, &gl);
	p = (struct pivt *)fx->t;
	assert_true(p->have_ckey);
	blob = certcache_load(&fx->hal.storage, p->ckey, e, &n);
	assert_non_null(blob);
	/* Another RSA key in 9A's certificate: a byte of its modulus. */
	for (size_t i = 0; i < n; i++) {
		if (e[i].ref != 0x9A)
			continue;
		uint8_t *d = (uint8_t *)e[i].der;
		size_t k;

		for (k = 0; k + 5 < e[i].len; k++)
			if (!memcmp(d + k, "\x02\x82\x01\x01\x00", 5))
				break;
		assert_true(k + 40 < e[i].len);
		d[k + 30] ^= 0x10;
	}
	certcache_save(&fx->hal.storage, p->ckey, e, n);
	sg_free(blob);
	assert_int_equal(fx_cached(fx, NULL), 2);
	ci = find_cert(fx->t, 0x9A);
	assert_memory_not_equal(fx->t->certs[ci].der, good, gl);
	assert_int_equal(login(fx, PIN), SG_OK);
	assert_int_equal(token_sign(fx->t, ci, TOKEN_SIG_RSA_PKCS1, hash, 32, sig, &sl, &fx->e),
			 SG_E_SIGNATURE);
	assert_true(fx->t->certs_reread);
	/* The card's own certificate now, and it verifies. */
	ci = find_cert(fx->t, 0x9A);
	assert_int_equal(fx->t->certs[ci].der_len, gl);
	assert_memory_equal(fx->t->certs[ci].der, good, gl);
	sign_and_check(fx, 0x9A, TOKEN_SIG_RSA_PKCS1, "after the re-read");
	/* The cache holds it too: the next open is SELECT + CHUID. */
	assert_int_equal(fx_cached(fx, NULL), 2);
	assert_memory_equal(fx->t->certs[find_cert(fx->t, 0x9A)].der, good, gl);
	free(good);
	fx_free(fx);
}

/* A damaged cache file is ignored: the card is read. */
static void test_cache_damaged(void **state)
{
	struct fx *fx = fx_new(1);
	char name[CERTCACHE_NAME_LEN + 1];
	uint8_t junk[100];
	unsigned first;

	(void)state;
	first = fx_cached(fx, NULL);
	certcache_name(((struct pivt *)fx->t)->ckey, name);
	memset(junk, 0xA5, sizeof(junk));
	memcpy(junk, "SGCC\x01\x08", 6);
	assert_int_equal(hal_storage_write(&fx->hal.storage, name, junk, sizeof(junk)), HAL_OK);
	assert_int_equal(fx_cached(fx, NULL), first);
	assert_int_equal(fx->t->n_certs, 2);
	assert_int_equal(fx_cached(fx, NULL), 2);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),        cmocka_unit_test(test_filter),
		cmocka_unit_test(test_login_tries), cmocka_unit_test(test_lock_and_unblock),
		cmocka_unit_test(test_sign),        cmocka_unit_test(test_extended),
		cmocka_unit_test(test_removed),
		cmocka_unit_test(test_wrong_le),    cmocka_unit_test(test_odd_objects),
		cmocka_unit_test(test_not_piv),
		cmocka_unit_test(test_cannot_administer),
		cmocka_unit_test(test_generate_and_store),
		cmocka_unit_test(test_generate_short_rsa),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_cache_slots),
		cmocka_unit_test(test_cache_wrong_entry),
		cmocka_unit_test(test_cache_damaged),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
