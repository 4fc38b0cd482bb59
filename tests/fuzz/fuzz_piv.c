/*
 * fuzz_piv.c: the PIV client (auth/piv/piv.c, piv_sign.c, piv_admin.c,
 * token_piv.c) against a hostile card. A card is as real an attacker as a
 * server: whatever a reader hands back, the client must refuse with an
 * error, never read past it, never loop on it, never leak.
 *
 * The card sits behind the HAL card interface and answers every APDU with
 * the next answer of the input, whatever was asked: GET RESPONSE chains
 * (61xx), wrong-length retries (6Cxx), 53/7E object wrappers, 70/71
 * certificate objects, the CHUID's 30/34, 7C dynamic authentication
 * templates and 7F49 public keys are all whatever the fuzzer makes them.
 *
 * Input: byte 0 picks the flow, the rest is the card's answers, each a
 * 2-byte big-endian length (up to 1023) and that many bytes.
 *   bits 0-1  readers: one with the card; an empty one, then the card; two
 *             with cards, whose reader tells the card's ATR (the next
 *             answer, taken when the client first asks after a connect:
 *             one that offers extended length lets the client send
 *             extended APDUs); listing fails;
 *   bit 2     open a reader by (part of) its name, else the first PIV card;
 *   bits 3-5  after the sign-in flow (token open, PIN state, login, a
 *             signature with each certificate, logout, close), SELECT and:
 *             nothing, management-key authentication, GENERATE P-256 in 9D,
 *             GENERATE RSA-2048 in 9A, PUT DATA of a certificate (these
 *             three after the management key), CHANGE REFERENCE DATA, RESET
 *             RETRY COUNTER, GET DATA of the CHUID and the PIN state;
 *   bit 6     RSA signatures with PSS (salt from the RNG) instead of v1.5;
 *   bit 7     when the answers run out, the card is removed (else the
 *             reader fails).
 *
 * Seeds: tests/fuzz/gen/piv_record.c plays the flows against the virtual
 * card (certificates in 9A and 9C) and writes down its answers.
 *
 * Checked: the token's certificates, labels and URIs are within bounds; a
 * signature fits its buffer; errors carry a detail; the client sends only
 * short APDUs, but for GET DATA and GENERAL AUTHENTICATE in extended form
 * when the ATR offers it, and only when connected; nothing stays
 * allocated.
 */
#define _GNU_SOURCE

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/pk.h>

#include "apdu.h"
#include "hal.h"
#include "p11uri.h"
#include "piv.h"
#include "pin.h"
#include "port_test.h"
#include "sg_mem.h"
#include "token.h"
#include "token_piv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

/* What the flows send: the management key, a certificate for PUT DATA. */
static const uint8_t fz_mgmt_key[24] = {8, 7, 6, 5, 4, 3, 2, 1, 8, 7, 6, 5,
					4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1};
static const uint8_t fz_der[] = {0x30, 0x03, 0x02, 0x01, 0x07};

static const char *const fz_readers[] = {"Hostile Reader 00", "Hostile Reader 01"};

/* ---- the flows (also played against the virtual card by piv_record.c) --- */

static void check_token(const struct token *t)
{
	CHECK(t->n_certs <= PIV_N_SLOTS);
	CHECK(memchr(t->info.label, '\0', sizeof(t->info.label)));
	CHECK(memchr(t->info.serial, '\0', sizeof(t->info.serial)));
	CHECK(memchr(t->info.uri, '\0', sizeof(t->info.uri)));
	for (size_t i = 0; i < t->n_certs; i++) {
		const struct token_cert *c = &t->certs[i];

		CHECK(c->der && c->der_len > 0 && c->der_len <= PIV_OBJ_MAX);
		CHECK(memchr(c->label, '\0', sizeof(c->label)) && c->id_len == 1);
		CHECK(piv_slot_of(c->id[0]) && token_piv_key_ref(t, i) == c->id[0]);
		CHECK(memchr(c->uri, '\0', sizeof(c->uri)));
	}
}

static void check_err(sg_err rc, const struct sg_error *e)
{
	if (rc != SG_OK)
		CHECK(e->code == rc && e->detail[0] && memchr(e->detail, '\0', sizeof(e->detail)));
}

/* Opens the token and does what a sign-in does with it. */
static void flow_signin(const struct hal *hal, const struct hal_card *card, uint8_t flags)
{
	static const uint8_t hash[32] = {0x5a, 1, 2, 3};
	struct token_pin_state st;
	struct pin_policy pol;
	struct token *t = NULL;
	struct sg_error e;
	struct pin pin;
	size_t ci;
	sg_err rc;

	sg_error_init(&e);
	rc = token_piv_open_card(hal, card, flags & 4 ? "Hostile" : NULL, &t, &e);
	check_err(rc, &e);
	if (rc != SG_OK) {
		CHECK(t == NULL);
		return;
	}
	check_token(t);
	(void)token_select(t, &ci, &e);
	sg_error_init(&e);
	check_err(token_pin_state(t, &st, &e), &e);
	pin_policy_default(&pol);
	sg_error_init(&e);
	if (pin_from_buffer(&pol, (const uint8_t *)"123456", 6, &pin, NULL) == SG_OK) {
		rc = token_login(t, &pol, &pin, &e);
		check_err(rc, &e);
	}
	for (size_t i = 0; i < t->n_certs; i++) {
		uint8_t sig[512];
		size_t sl = sizeof(sig);

		sg_error_init(&e);
		rc = token_sign(t, i, token_sig_for(&t->certs[i], flags & 0x40), hash, sizeof(hash),
				sig, &sl, &e);
		check_err(rc, &e);
		if (rc == SG_OK)
			CHECK(sl > 0 && sl <= sizeof(sig));
	}
	token_logout(t);
	token_close(t);
}

/* The administrative commands `signet vcard` sends to a card. */
static void flow_admin(const struct hal_card *card, unsigned op)
{
	struct token_pin_state st;
	mbedtls_pk_context pub;
	uint8_t obj[PIV_OBJ_MAX];
	size_t len = 0;
	struct sg_error e;
	sg_err rc = SG_OK;

	if (op == 0 || hal_card_connect(card, fz_readers[0]) != HAL_OK)
		return;
	sg_error_init(&e);
	mbedtls_pk_init(&pub);
	rc = piv_select(card, &e);
	/* Key generation and PUT DATA need the management key first. */
	if (rc == SG_OK && op >= 2 && op <= 4)
		rc = piv_mgmt_auth(card, PIV_ALG_3DES, fz_mgmt_key, sizeof(fz_mgmt_key), &e);
	if (rc != SG_OK)
		op = 0;
	switch (op) {
	case 0:
		break;
	case 1:
		rc = piv_mgmt_auth(card, PIV_ALG_3DES, fz_mgmt_key, sizeof(fz_mgmt_key), &e);
		break;
	case 2:
		rc = piv_generate(card, PIV_KEY_KEYMGMT, PIV_ALG_ECCP256, &pub, &e);
		if (rc == SG_OK)
			CHECK(mbedtls_pk_get_type(&pub) == MBEDTLS_PK_ECKEY);
		break;
	case 3:
		rc = piv_generate(card, PIV_KEY_AUTH, PIV_ALG_RSA2048, &pub, &e);
		if (rc == SG_OK)
			CHECK(mbedtls_pk_get_type(&pub) == MBEDTLS_PK_RSA);
		break;
	case 4:
		rc = piv_put_cert(card, PIV_KEY_SIGN, fz_der, sizeof(fz_der), &e);
		break;
	case 5:
		rc = piv_change_ref(card, PIV_REF_PIN, "123456", 6, "654321", 6, &e);
		break;
	case 6:
		rc = piv_unblock(card, "12345678", 8, "123456", 6, &e);
		break;
	default:
		rc = piv_get_object(card, PIV_TAG_CHUID, obj, sizeof(obj), &len, &e);
		if (rc == SG_OK)
			CHECK(len <= sizeof(obj));
		check_err(rc, &e);
		sg_error_init(&e);
		rc = piv_pin_state(card, &st, &e);
		if (rc == SG_OK)
			CHECK(st.tries_left == SG_TRIES_UNKNOWN || (st.tries_left >= 0 && st.tries_left <= 15));
		break;
	}
	check_err(rc, &e);
	mbedtls_pk_free(&pub);
	(void)hal_card_disconnect(card, 1);
}

static void piv_flows(const struct hal *hal, const struct hal_card *card, uint8_t flags)
{
	flow_signin(hal, card, flags);
	flow_admin(card, (flags >> 3) & 7);
}

/* ---- the hostile card -------------------------------------------------- */

struct fz_card_script {
	uint8_t flags;
	const uint8_t *d;
	size_t n, off;
	int connected;
	int caps_read; /* the ATR taken since the connect */
	uint8_t atr[HAL_CARD_ATR_MAX];
	size_t atr_len;
};

static int hc_list(void *ctx, struct hal_reader *r, size_t max, size_t *n)
{
	struct fz_card_script *s = ctx;
	unsigned layout = s->flags & 3;

	*n = 0;
	if (layout == 3)
		return HAL_EIO;
	for (size_t i = 0; i < 2 && i < max; i++) {
		if (layout == 0 && i == 1)
			break;
		memset(&r[i], 0, sizeof(r[i]));
		r[i].name = fz_readers[i];
		r[i].present = !(layout == 1 && i == 0);
		(*n)++;
	}
	return HAL_OK;
}

static int hc_wait(void *ctx, struct hal_reader *r, size_t n, int timeout_ms)
{
	(void)ctx;
	(void)r;
	(void)n;
	(void)timeout_ms;
	return HAL_ETIMEDOUT;
}

static int hc_connect(void *ctx, const char *reader)
{
	struct fz_card_script *s = ctx;

	CHECK(reader != NULL);
	s->connected = 1;
	s->caps_read = 0;
	return HAL_OK;
}

/* Layout 2: the next answer is the ATR (cut to HAL_CARD_ATR_MAX). */
static int hc_caps(void *ctx, struct hal_card_caps *c)
{
	struct fz_card_script *s = ctx;

	if ((s->flags & 3) != 2)
		return HAL_ENOTSUP;
	CHECK(c != NULL);
	memset(c, 0, sizeof(*c));
	if (!s->connected)
		return HAL_EREMOVED;
	if (!s->caps_read) {
		s->caps_read = 1;
		s->atr_len = 0;
		if (s->n - s->off >= 2) {
			size_t len = ((size_t)s->d[s->off] << 8 | s->d[s->off + 1]) & 0x3FF;

			s->off += 2;
			if (len > s->n - s->off)
				len = s->n - s->off;
			s->atr_len = len > sizeof(s->atr) ? sizeof(s->atr) : len;
			memcpy(s->atr, s->d + s->off, s->atr_len);
			s->off += len;
		}
	}
	memcpy(c->atr, s->atr, s->atr_len);
	c->atr_len = s->atr_len;
	return HAL_OK;
}

static int hc_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
		       size_t *resp_len)
{
	struct fz_card_script *s = ctx;
	size_t len;

	/* What the client may send: a short APDU (chained when longer), or
	 * an extended GET DATA or GENERAL AUTHENTICATE when the ATR offers. */
	CHECK(s->connected && cmd && cmd_len >= 4);
	if (cmd_len >= 7 && cmd[4] == 0x00)
		CHECK((s->flags & 3) == 2 && s->caps_read && apdu_atr_ext(s->atr, s->atr_len) &&
		      (cmd[1] == 0xCB || cmd[1] == 0x87) && cmd_len <= 4 + 3 + 65535 + 2);
	else
		CHECK(cmd_len <= 5 + 255 + 1);
	CHECK(resp && resp_len && *resp_len >= 2);
	if (s->n - s->off < 2)
		return s->flags & 0x80 ? HAL_EREMOVED : HAL_EIO;
	len = ((size_t)s->d[s->off] << 8 | s->d[s->off + 1]) & 0x3FF;
	s->off += 2;
	if (len > s->n - s->off)
		len = s->n - s->off;
	if (len > *resp_len)
		len = *resp_len; /* the reader's buffer is all a card can fill */
	memcpy(resp, s->d + s->off, len);
	s->off += len;
	*resp_len = len;
	return HAL_OK;
}

static int hc_disconnect(void *ctx, int reset)
{
	struct fz_card_script *s = ctx;

	(void)reset;
	s->connected = 0;
	return HAL_OK;
}

static const struct hal_card_ops hc_ops = {
	.list = hc_list,
	.wait = hc_wait,
	.connect = hc_connect,
	.transmit = hc_transmit,
	.disconnect = hc_disconnect,
	.caps = hc_caps,
};

#ifndef FZ_PIV_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct port_test *pt;
	static struct hal hal;
	struct fz_card_script s;
	struct hal_card card;
	size_t before;

	if (!pt) {
		pt = port_test_new();
		if (!pt)
			abort();
		port_test_hal(pt, &hal);
		port_test_log_level(pt, HAL_LOG_ERR);
	}
	if (size < 1)
		return 0;
	port_test_rng_seed(pt, 1);
	port_test_log_clear(pt);
	before = sg_mem_current();
	memset(&s, 0, sizeof(s));
	s.flags = data[0];
	s.d = data + 1;
	s.n = size - 1;
	card.ops = &hc_ops;
	card.ctx = &s;
	piv_flows(&hal, &card, s.flags);
	CHECK(sg_mem_current() == before);
	return 0;
}
#endif
