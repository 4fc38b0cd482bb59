/*
 * test_vcard.c: the virtual PIV card at the APDU level (SP 800-73-4 card
 * edge), its sealed state, the reader around it, and the device key it is
 * sealed under.
 *
 * Cards come from templates made once per program (RSA-2048 generation is
 * slow under ASan): "base" (no keys) and "keys" (RSA-2048 in 9A, P-256 in
 * 9C). Each case writes a template blob into a fresh test port and opens
 * it, so no case sees another's state.
 */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <mbedtls/aes.h>
#include <mbedtls/des.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "apdu.h"
#include "hal.h"
#include "linux_dev.h"
#include "port_test.h"
#include "vcard.h"
#include "vcard_reader.h"

#define BLOB "card"
#define PIN "123456"
#define PUK "12345678"
#define PIN_HEX "313233343536FFFF"
#define PUK_HEX "3132333435363738"
#define BAD_PIN_HEX "393939393939FFFF"
#define NEW_PIN_HEX "3635343332 31FFFF"
#define STATE_MAX 70000
#define RESP_CAP 65538

/* The test cards' management key (any but the well-known one, refused). */
static const uint8_t key_3des[24] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE,
				     0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
				     0x1F, 0x2E, 0x3D, 0x4C, 0x5B, 0x6A, 0x79, 0x88};
/* The PIV default management key: no card may take or have it. */
static const uint8_t key_well_known[24] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
					   5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};

struct tmpl {
	uint8_t *blob;
	size_t len;
};

static struct tmpl t_base, t_keys;
static uint8_t rsa_n[256], rsa_e[3], ec_q[65]; /* public keys the card returned */

struct fx {
	struct port_test *pt;
	int shared; /* a second process on another fx's device: pt not owned */
	struct hal hal;
	struct vcard *card;
	int mgmt_alg;
	const uint8_t *mgmt_key;
	size_t mgmt_key_len;
	uint8_t resp[RESP_CAP];
	size_t rlen;
};

/* ---- helpers --------------------------------------------------------------- */

/* Hex (spaces ignored) into out; "[ ... ]" puts a short Lc before its
 * contents (so tables need no hand-counted lengths). */
static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0, lc_at = 0;
	int in_lc = 0;

	for (; *h; h++) {
		unsigned v;

		if (*h == ' ')
			continue;
		if (*h == '[') {
			assert_true(n < cap);
			lc_at = n++;
			in_lc = 1;
			continue;
		}
		if (*h == ']') {
			assert_true(in_lc && n - lc_at - 1 <= 255);
			out[lc_at] = (uint8_t)(n - lc_at - 1);
			in_lc = 0;
			continue;
		}
		assert_true(n < cap);
		assert_int_equal(sscanf(h, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		h++;
	}
	return n;
}

static uint16_t sw_of(const uint8_t *r, size_t n)
{
	assert_true(n >= 2);
	return (uint16_t)(r[n - 2] << 8 | r[n - 1]);
}

static uint16_t tx_raw(struct fx *fx, const uint8_t *cmd, size_t n)
{
	fx->rlen = vcard_transmit(fx->card, cmd, n, fx->resp, sizeof(fx->resp));
	assert_true(fx->rlen >= 2 && fx->rlen <= sizeof(fx->resp));
	return sw_of(fx->resp, fx->rlen);
}

static uint16_t tx(struct fx *fx, const char *hex)
{
	static uint8_t cmd[8192];

	return tx_raw(fx, cmd, unhex(hex, cmd, sizeof(cmd)));
}

/* An APDU from parts; extended when the data needs it or ext is set;
 * le < 0: no Le. */
static size_t build(uint8_t *out, size_t cap, uint8_t cla, uint8_t ins, uint8_t p1,
		    uint8_t p2, const uint8_t *data, size_t dl, long le, int ext)
{
	size_t n = 0;

	assert_true(cap >= dl + 9);
	out[n++] = cla;
	out[n++] = ins;
	out[n++] = p1;
	out[n++] = p2;
	ext = ext || dl > 255 || le > 256;
	if (dl) {
		if (ext) {
			out[n++] = 0;
			out[n++] = (uint8_t)(dl >> 8);
		}
		out[n++] = (uint8_t)dl;
		memcpy(out + n, data, dl);
		n += dl;
	}
	if (le >= 0) {
		if (ext && !dl)
			out[n++] = 0;
		if (ext)
			out[n++] = (uint8_t)(le >> 8);
		out[n++] = (uint8_t)le;
	}
	return n;
}

static void mgmt_encrypt(int alg, const uint8_t *key, size_t kl, const uint8_t *in, uint8_t *out)
{
	if (alg == VCARD_MGMT_3DES) {
		mbedtls_des3_context d;

		mbedtls_des3_init(&d);
		assert_int_equal(mbedtls_des3_set3key_enc(&d, key), 0);
		assert_int_equal(mbedtls_des3_crypt_ecb(&d, in, out), 0);
		mbedtls_des3_free(&d);
	} else {
		mbedtls_aes_context a;

		mbedtls_aes_init(&a);
		assert_int_equal(mbedtls_aes_setkey_enc(&a, key, (unsigned)kl * 8), 0);
		assert_int_equal(mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_ENCRYPT, in, out), 0);
		mbedtls_aes_free(&a);
	}
}

static void mgmt_decrypt(int alg, const uint8_t *key, size_t kl, const uint8_t *in, uint8_t *out)
{
	if (alg == VCARD_MGMT_3DES) {
		mbedtls_des3_context d;

		mbedtls_des3_init(&d);
		assert_int_equal(mbedtls_des3_set3key_dec(&d, key), 0);
		assert_int_equal(mbedtls_des3_crypt_ecb(&d, in, out), 0);
		mbedtls_des3_free(&d);
	} else {
		mbedtls_aes_context a;

		mbedtls_aes_init(&a);
		assert_int_equal(mbedtls_aes_setkey_dec(&a, key, (unsigned)kl * 8), 0);
		assert_int_equal(mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_DECRYPT, in, out), 0);
		mbedtls_aes_free(&a);
	}
}

/* Single authentication (SP 800-73-4 part 2, appendix A): challenge, then
 * its encryption. Returns the final SW. */
static uint16_t mgmt_single(struct fx *fx, const uint8_t *key)
{
	size_t bs = fx->mgmt_alg == VCARD_MGMT_3DES ? 8 : 16;
	uint8_t cmd[64], d[32];
	uint16_t sw;

	d[0] = 0x7C, d[1] = 0x02, d[2] = 0x81, d[3] = 0x00;
	sw = tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0, 0x87, (uint8_t)fx->mgmt_alg, 0x9B, d, 4, 0, 0));
	assert_int_equal(sw, 0x9000);
	assert_int_equal(fx->rlen, 4 + bs + 2);
	assert_int_equal(fx->resp[0], 0x7C);
	assert_int_equal(fx->resp[2], 0x81);
	assert_int_equal(fx->resp[3], bs);
	d[0] = 0x7C, d[1] = (uint8_t)(bs + 2), d[2] = 0x82, d[3] = (uint8_t)bs;
	mgmt_encrypt(fx->mgmt_alg, key, fx->mgmt_key_len, fx->resp + 4, d + 4);
	return tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0, 0x87, (uint8_t)fx->mgmt_alg, 0x9B, d,
				     4 + bs, -1, 0));
}

/* Mutual authentication: decrypt the card's witness, send it back with our
 * challenge, check the card's encryption of it. */
static uint16_t mgmt_mutual(struct fx *fx, const uint8_t *key)
{
	size_t bs = fx->mgmt_alg == VCARD_MGMT_3DES ? 8 : 16;
	uint8_t cmd[80], d[48], chal[16] = {0}, want[16];
	uint16_t sw;
	size_t i;

	d[0] = 0x7C, d[1] = 0x02, d[2] = 0x80, d[3] = 0x00;
	sw = tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0, 0x87, (uint8_t)fx->mgmt_alg, 0x9B, d, 4, 0, 0));
	assert_int_equal(sw, 0x9000);
	assert_int_equal(fx->rlen, 4 + bs + 2);
	assert_int_equal(fx->resp[2], 0x80);
	d[0] = 0x7C, d[1] = (uint8_t)(2 * bs + 4), d[2] = 0x80, d[3] = (uint8_t)bs;
	mgmt_decrypt(fx->mgmt_alg, key, fx->mgmt_key_len, fx->resp + 4, d + 4);
	for (i = 0; i < bs; i++)
		chal[i] = (uint8_t)(0xA0 + i);
	d[4 + bs] = 0x81, d[5 + bs] = (uint8_t)bs;
	memcpy(d + 6 + bs, chal, bs);
	sw = tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0, 0x87, (uint8_t)fx->mgmt_alg, 0x9B, d,
				   6 + 2 * bs, 0, 0));
	if (sw != 0x9000)
		return sw;
	mgmt_encrypt(fx->mgmt_alg, key, fx->mgmt_key_len, chal, want);
	assert_int_equal(fx->rlen, 4 + bs + 2);
	assert_int_equal(fx->resp[2], 0x82);
	assert_memory_equal(fx->resp + 4, want, bs);
	return sw;
}

static void fx_load(struct fx *fx, const struct tmpl *t)
{
	struct sg_error e;

	assert_int_equal(hal_storage_write(&fx->hal.storage, BLOB, t->blob, t->len), HAL_OK);
	sg_error_init(&e);
	assert_int_equal(vcard_open(&fx->hal, BLOB, &fx->card, &e), SG_OK);
}

static struct fx *fx_new(const struct tmpl *t)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->pt = port_test_new();
	assert_non_null(fx->pt);
	port_test_hal(fx->pt, &fx->hal);
	fx->mgmt_alg = VCARD_MGMT_3DES;
	fx->mgmt_key = key_3des;
	fx->mgmt_key_len = 24;
	if (t)
		fx_load(fx, t);
	return fx;
}

static void fx_free(struct fx *fx)
{
	/* Every command, failed or not, let go of the state's lock. */
	assert_int_equal(port_test_storage_locked(fx->pt), 0);
	vcard_close(fx->card);
	if (!fx->shared)
		port_test_free(fx->pt);
	free(fx);
}

/* Another process using the card of fx (same device, same storage). */
static struct fx *fx_other(struct fx *fx)
{
	struct fx *o = calloc(1, sizeof(*o));
	struct sg_error e;

	assert_non_null(o);
	o->pt = fx->pt;
	o->hal = fx->hal;
	o->shared = 1;
	o->mgmt_alg = fx->mgmt_alg;
	o->mgmt_key = fx->mgmt_key;
	o->mgmt_key_len = fx->mgmt_key_len;
	sg_error_init(&e);
	assert_int_equal(vcard_open(&o->hal, BLOB, &o->card, &e), SG_OK);
	return o;
}

static void fx_reopen(struct fx *fx)
{
	struct sg_error e;

	vcard_close(fx->card);
	fx->card = NULL;
	sg_error_init(&e);
	assert_int_equal(vcard_open(&fx->hal, BLOB, &fx->card, &e), SG_OK);
}

static void verify_pin(struct fx *fx)
{
	assert_int_equal(tx(fx, "00200080 [" PIN_HEX "]"), 0x9000);
}

static void mgmt_auth(struct fx *fx)
{
	assert_int_equal(mgmt_single(fx, fx->mgmt_key), 0x9000);
}

static void read_blob(struct fx *fx, struct tmpl *t)
{
	size_t len = STATE_MAX;

	t->blob = malloc(STATE_MAX);
	assert_non_null(t->blob);
	assert_int_equal(hal_storage_read(&fx->hal.storage, BLOB, t->blob, &len), HAL_OK);
	t->len = len;
}

static void create_card(struct fx *fx)
{
	struct vcard_params p = {PIN, 6, PUK, 8, VCARD_MGMT_3DES, key_3des, 24, 0, 0, NULL};
	struct sg_error e;

	sg_error_init(&e);
	assert_int_equal(vcard_create(&fx->hal, BLOB, &p, &e), SG_OK);
}

/* Templates: once per program. */
static int group_setup(void **state)
{
	struct fx *fx = fx_new(NULL);

	(void)state;
	create_card(fx);
	read_blob(fx, &t_base);
	fx_load(fx, &t_base);
	mgmt_auth(fx);
	/* 7F49 82 0109 { 81 82 0100 n, 82 03 e }: 270 bytes, 256 + 14 */
	assert_int_equal(tx(fx, "0047009A [AC03800107]"), 0x610E);
	assert_int_equal(fx->rlen, 258);
	assert_memory_equal(fx->resp, "\x7F\x49\x82\x01\x09\x81\x82\x01\x00", 9);
	memcpy(rsa_n, fx->resp + 9, 247);
	assert_int_equal(tx(fx, "00C0000000"), 0x9000);
	assert_int_equal(fx->rlen, 14 + 2);
	memcpy(rsa_n + 247, fx->resp, 9);
	assert_memory_equal(fx->resp + 9, "\x82\x03", 2);
	memcpy(rsa_e, fx->resp + 11, 3);
	assert_memory_equal(rsa_e, "\x01\x00\x01", 3);
	assert_int_equal(tx(fx, "0047009C [AC03800111] 00"), 0x9000);
	assert_int_equal(fx->rlen, 5 + 65 + 2);
	assert_memory_equal(fx->resp, "\x7F\x49\x43\x86\x41\x04", 6);
	memcpy(ec_q, fx->resp + 5, 65);
	read_blob(fx, &t_keys);
	fx_free(fx);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(t_base.blob);
	free(t_keys.blob);
	return 0;
}

/* ---- the APDU table ---------------------------------------------------------- */

enum setup {
	S_BASE = 0,
	S_KEYS = 1, /* the template with 9A RSA and 9C EC keys */
	S_PIN = 2,  /* PIN verified first */
	S_MGMT = 4, /* management key authenticated first */
};

struct row {
	const char *name;
	int setup;
	const char *apdu;
	uint16_t sw;
	const char *data; /* expected data, hex; NULL: not checked; a trailing
			   * '*' checks only that prefix */
};

#define SELECT_ANSWER "6111 4F06000010000100 7907 4F05A000000308"
#define CERT_OBJ "5C035FC105 530A 7003 010203 710100 FE00"
#define SIGN_EC_DATA "7C24 8200 8120 000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"

static const struct row rows[] = {
	/* SELECT (SP 800-73-4 part 2, 3.1.1) */
	{"select 9-byte AID", 0, "00A40400 [A00000030800001000] 00", 0x9000, SELECT_ANSWER},
	{"select without Le", 0, "00A40400 [A00000030800001000]", 0x9000, SELECT_ANSWER},
	{"select RID+PIX prefix", 0, "00A40400 [A000000308] 00", 0x9000, SELECT_ANSWER},
	{"select full AID", 0, "00A40400 [A0000003080000100001 00] 00", 0x9000, SELECT_ANSWER},
	{"select no answer (P2 0C)", 0, "00A4040C [A000000308]", 0x9000, ""},
	{"select AID too long", 0, "00A40400 [A000000308000010000100 01]", 0x6A82, ""},
	{"select other application", 0, "00A40400 [A0000000031010] 00", 0x6A82, ""},
	{"select short AID", 0, "00A40400 [A0000003] 00", 0x6A82, ""},
	{"select by file id", 0, "00A40000 [3F00]", 0x6A86, ""},
	{"select bad P2", 0, "00A40401 [A000000308]", 0x6A86, ""},
	{"select no data", 0, "00A40400", 0x6A82, ""},
	/* class and instruction */
	{"CLA B0", 0, "B0A40400 [A000000308]", 0x6E00, ""},
	{"CLA 0C secure messaging", 0, "0CA40400 [A000000308]", 0x6E00, ""},
	{"CLA 80", 0, "80CB3FFF [5C017E]", 0x6E00, ""},
	{"CLA 01 logical channel", 0, "01CB3FFF [5C017E]", 0x6E00, ""},
	{"CLA FF", 0, "FFCA000000", 0x6E00, ""},
	{"INS CA (GET DATA odd)", 0, "00CADF3000", 0x6D00, ""},
	{"INS 84 GET CHALLENGE", 0, "0084000008", 0x6D00, ""},
	{"INS FF", 0, "00FF0000", 0x6D00, ""},
	{"header only 3 bytes", 0, "00A404", 0x6700, ""},
	{"Lc beyond data", 0, "00A40400 05 A000", 0x6700, ""},
	{"GET RESPONSE nothing pending", 0, "00C0000000", 0x6985, ""},
	{"GET RESPONSE bad P1", 0, "00C0010000", 0x6A86, ""},
	{"GET RESPONSE chained", 0, "10C0000000", 0x6884, ""},
	/* GET DATA (3.1.2) */
	{"CHUID", 0, "00CB3FFF [5C035FC102] 00", 0x9000, "533B 3019 D4E7*"},
	{"CCC", 0, "00CB3FFF [5C035FC107] 00", 0x9000, "5333 F015 A000000116FF02*"},
	{"discovery", 0, "00CB3FFF [5C017E] 00", 0x9000,
	 "7E12 4F0BA0000003080000100001 00 5F2F024000"},
	{"cert 9A absent", 0, "00CB3FFF [5C035FC105] 00", 0x6A82, ""},
	{"cert 9C absent", 0, "00CB3FFF [5C035FC10A] 00", 0x6A82, ""},
	{"cert 9D absent", 0, "00CB3FFF [5C035FC10B] 00", 0x6A82, ""},
	{"cert 9E absent", 0, "00CB3FFF [5C035FC101] 00", 0x6A82, ""},
	{"fingerprints: no such object", 0, "00CB3FFF [5C035FC103] 00", 0x6A82, ""},
	{"BIT group template", 0, "00CB3FFF [5C027F61] 00", 0x6A82, ""},
	{"GET DATA bad P1P2", 0, "00CB3FFE [5C017E] 00", 0x6A86, ""},
	{"GET DATA no tag list", 0, "00CB3FFF [5D017E] 00", 0x6A80, ""},
	{"GET DATA trailing byte", 0, "00CB3FFF [5C017E00] 00", 0x6A80, ""},
	{"GET DATA empty tag", 0, "00CB3FFF [5C00] 00", 0x6A80, ""},
	{"GET DATA 4-byte tag", 0, "00CB3FFF [5C045FC10201] 00", 0x6A80, ""},
	{"GET DATA no data", 0, "00CB3FFF00", 0x6A80, ""},
	{"GET DATA extended", 0, "00CB3FFF 000005 5C035FC102 0000", 0x9000, "533B*"},
	/* VERIFY (3.2.1) */
	{"PIN status", 0, "00200080", 0x63C3, ""},
	{"PIN status verified", S_PIN, "00200080", 0x9000, ""},
	{"PIN right", 0, "00200080 [" PIN_HEX "]", 0x9000, ""},
	{"PIN wrong", 0, "00200080 [" BAD_PIN_HEX "]", 0x63C2, ""},
	{"PIN 8 digits wrong", 0, "00200080 [3132333435363738]", 0x63C2, ""},
	{"PIN too short to be one", 0, "00200080 [31323334FFFFFFFF]", 0x6A80, ""},
	{"PIN bytes after padding", 0, "00200080 [31323334FF3536FF]", 0x6A80, ""},
	{"PIN 6 bytes", 0, "00200080 [313233343536]", 0x6700, ""},
	{"PIN 9 bytes", 0, "00200080 [31323334353637FFFF]", 0x6700, ""},
	{"VERIFY P2 81 (PUK)", 0, "00200081 [" PUK_HEX "]", 0x6A86, ""},
	{"VERIFY P1 01", 0, "00200180 [" PIN_HEX "]", 0x6A86, ""},
	{"VERIFY reset", S_PIN, "0020FF80", 0x9000, ""},
	{"VERIFY reset with data", S_PIN, "0020FF80 [" PIN_HEX "]", 0x6700, ""},
	{"VERIFY chained", 0, "10200080 [" PIN_HEX "]", 0x6884, ""},
	/* CHANGE REFERENCE DATA (3.2.2) */
	{"change PIN", 0, "00240080 [" PIN_HEX NEW_PIN_HEX "]", 0x9000, ""},
	{"change PIN wrong old", 0, "00240080 [" BAD_PIN_HEX NEW_PIN_HEX "]", 0x63C2, ""},
	{"change PUK", 0, "00240081 [" PUK_HEX "3837363534333231]", 0x9000, ""},
	{"change PUK wrong old", 0, "00240081 [3837363534333231" PUK_HEX "]", 0x63C2, ""},
	{"change new PIN too short", 0, "00240080 [" PIN_HEX "3132FFFFFFFFFFFF]", 0x6A80, ""},
	{"change 8 bytes", 0, "00240080 [" PIN_HEX "]", 0x6700, ""},
	{"change P2 82", 0, "00240082 [" PIN_HEX NEW_PIN_HEX "]", 0x6A86, ""},
	{"change P1 01", 0, "00240180 [" PIN_HEX NEW_PIN_HEX "]", 0x6A86, ""},
	/* RESET RETRY COUNTER (3.2.3) */
	{"reset retry", 0, "002C0080 [" PUK_HEX NEW_PIN_HEX "]", 0x9000, ""},
	{"reset retry wrong PUK", 0, "002C0080 [3837363534333231" NEW_PIN_HEX "]", 0x63C2, ""},
	{"reset retry P2 81", 0, "002C0081 [" PUK_HEX NEW_PIN_HEX "]", 0x6A86, ""},
	{"reset retry short", 0, "002C0080 [" PUK_HEX "]", 0x6700, ""},
	{"reset retry bad new PIN", 0, "002C0080 [" PUK_HEX "31FFFFFFFFFFFFFF]", 0x6A80, ""},
	/* GENERATE ASYMMETRIC KEY PAIR (3.3.2) */
	{"generate without mgmt key", 0, "0047009C [AC03800111] 00", 0x6982, ""},
	{"generate with PIN only", S_PIN, "0047009C [AC03800111] 00", 0x6982, ""},
	{"generate EC 9D", S_MGMT, "0047009D [AC03800111] 00", 0x9000, "7F4943864104*"},
	{"generate EC 9E with policy", S_MGMT, "0047009E [AC09800111AA0101AB0101] 00", 0x9000,
	 "7F4943*"},
	{"generate RSA-1024", S_MGMT, "0047009A [AC03800106] 00", 0x6A80, ""},
	{"generate P-384", S_MGMT, "0047009A [AC03800114] 00", 0x6A80, ""},
	{"generate no AC", S_MGMT, "0047009A [800111] 00", 0x6A80, ""},
	{"generate no alg", S_MGMT, "0047009A [AC00] 00", 0x6A80, ""},
	{"generate in 9B", S_MGMT, "0047009B [AC03800111] 00", 0x6A86, ""},
	{"generate P1 01", S_MGMT, "0047019A [AC03800111] 00", 0x6A86, ""},
	/* GENERAL AUTHENTICATE: signing (3.2.4) */
	{"sign EC 9C", S_KEYS | S_PIN, "0087119C [" SIGN_EC_DATA "] 00", 0x9000, "7C*"},
	{"sign without PIN", S_KEYS, "0087119C [" SIGN_EC_DATA "] 00", 0x6982, ""},
	{"sign RSA without PIN", S_KEYS, "0087079A [7C05 8200 8101 00] 00", 0x6982, ""},
	{"sign RSA short block", S_KEYS | S_PIN, "0087079A [7C05 8200 8101 00] 00", 0x6A80, ""},
	{"sign alg mismatch", S_KEYS | S_PIN, "0087119A [" SIGN_EC_DATA "] 00", 0x6A86, ""},
	{"sign empty slot 9D", S_KEYS | S_PIN, "0087119D [" SIGN_EC_DATA "] 00", 0x6A82, ""},
	{"sign empty slot 9E", S_KEYS, "0087119E [" SIGN_EC_DATA "] 00", 0x6A82, ""},
	{"sign key 9F", S_KEYS | S_PIN, "0087119F [" SIGN_EC_DATA "] 00", 0x6A86, ""},
	{"sign no 82", S_KEYS | S_PIN, "0087119C [7C03 810100] 00", 0x6A80, ""},
	{"sign no 81", S_KEYS | S_PIN, "0087119C [7C02 8200] 00", 0x6A80, ""},
	{"sign empty 81", S_KEYS | S_PIN, "0087119C [7C04 8200 8100] 00", 0x6A80, ""},
	{"sign not 7C", S_KEYS | S_PIN, "0087119C [7D02 8200] 00", 0x6A80, ""},
	{"sign 7C trailing", S_KEYS | S_PIN, "0087119C [7C05 8200 810100 00] 00", 0x6A80, ""},
	{"sign ECDH not offered", S_KEYS | S_PIN, "0087119C [7C05 8200 850100] 00", 0x6A80, ""},
	/* GENERAL AUTHENTICATE: management key (appendix A) */
	{"mgmt challenge", 0, "0087039B [7C028100] 00", 0x9000, "7C0A8108*"},
	{"mgmt witness", 0, "0087039B [7C028000] 00", 0x9000, "7C0A8008*"},
	{"mgmt wrong alg", 0, "0087089B [7C028100] 00", 0x6A86, ""},
	{"mgmt answer without challenge", 0, "0087039B [7C0A8208 0000000000000000]", 0x6985, ""},
	{"mgmt witness without request", 0,
	 "0087039B [7C14 8008 0000000000000000 8108 0000000000000000] 00", 0x6985, ""},
	{"mgmt empty template", 0, "0087039B [7C00] 00", 0x6A80, ""},
	{"mgmt block too short", 0, "0087039B [7C068204 00000000]", 0x6A80, ""},
	{"mgmt not BER", 0, "0087039B [7C05 8203] 00", 0x6A80, ""},
	/* PUT DATA (3.3.1) */
	{"put cert without mgmt", 0, "00DB3FFF [" CERT_OBJ "]", 0x6982, ""},
	{"put cert without mgmt, PIN", S_PIN, "00DB3FFF [" CERT_OBJ "]", 0x6982, ""},
	{"put cert", S_MGMT, "00DB3FFF [" CERT_OBJ "]", 0x9000, ""},
	{"put CHUID", S_MGMT, "00DB3FFF [5C035FC102 5302 FE00]", 0x9000, ""},
	{"put discovery", S_MGMT, "00DB3FFF [5C017E 5302 4F00]", 0x6A80, ""},
	{"put fingerprints", S_MGMT, "00DB3FFF [5C035FC103 5302 FE00]", 0x6A80, ""},
	{"put no 53", S_MGMT, "00DB3FFF [5C035FC105 5402 FE00]", 0x6A80, ""},
	{"put 53 cut", S_MGMT, "00DB3FFF [5C035FC105 5305 FE00]", 0x6A80, ""},
	{"put trailing", S_MGMT, "00DB3FFF [5C035FC105 5302 FE00 00]", 0x6A80, ""},
	{"put no tag list", S_MGMT, "00DB3FFF [5302 FE00]", 0x6A80, ""},
	{"put bad P1P2", S_MGMT, "00DB3F00 [" CERT_OBJ "]", 0x6A86, ""},
};

static void run_row(const struct row *r)
{
	struct fx *fx = fx_new(r->setup & S_KEYS ? &t_keys : &t_base);
	size_t dl;
	uint16_t sw;

	if (r->setup & S_PIN)
		verify_pin(fx);
	if (r->setup & S_MGMT)
		mgmt_auth(fx);
	sw = tx(fx, r->apdu);
	if (sw != r->sw)
		fail_msg("%s: SW %04X, want %04X", r->name, sw, r->sw);
	dl = fx->rlen - 2;
	if (r->data) {
		size_t n = strlen(r->data), wl;
		int prefix = n && r->data[n - 1] == '*';
		uint8_t want[512];
		char h[512];

		memcpy(h, r->data, n + 1);
		if (prefix)
			h[n - 1] = '\0';
		wl = unhex(h, want, sizeof(want));
		if (prefix ? dl < wl : dl != wl)
			fail_msg("%s: %zu data bytes, want %s%zu", r->name, dl, prefix ? ">= " : "",
				 wl);
		if (memcmp(fx->resp, want, wl) != 0)
			fail_msg("%s: data differs", r->name);
	}
	fx_free(fx);
}

static void test_apdu_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i]);
}

/* ---- answers longer than Le ----------------------------------------------- */

/* OpenSC reads an object twice: Le=08 for its length, then all of it; past
 * 256 bytes through 61xx + GET RESPONSE. Never more than Le at once. */
static void test_get_response(void **state)
{
	struct fx *fx = fx_new(&t_base);
	uint8_t chuid[128], cert[1200], cmd[1300], all[1300];
	size_t cl, n, i, got = 0;
	uint16_t sw;

	(void)state;
	assert_int_equal(tx(fx, "00CB3FFF [5C035FC102] 00"), 0x9000);
	cl = fx->rlen - 2;
	assert_int_equal(cl, 61);
	memcpy(chuid, fx->resp, cl);
	/* Le=08: 8 bytes, 61 35 (53 more) */
	assert_int_equal(tx(fx, "00CB3FFF [5C035FC102] 08"), 0x6135);
	assert_int_equal(fx->rlen, 10);
	assert_memory_equal(fx->resp, chuid, 8);
	/* GET RESPONSE with a smaller Le, then the rest */
	assert_int_equal(tx(fx, "00C0000010"), 0x6125);
	assert_int_equal(fx->rlen, 18);
	assert_memory_equal(fx->resp, chuid + 8, 16);
	assert_int_equal(tx(fx, "00C0000000"), 0x9000);
	assert_int_equal(fx->rlen, 37 + 2);
	assert_memory_equal(fx->resp, chuid + 24, 37);
	assert_int_equal(tx(fx, "00C0000000"), 0x6985); /* all handed out */
	/* another command drops what was pending */
	assert_int_equal(tx(fx, "00CB3FFF [5C035FC102] 08"), 0x6135);
	assert_int_equal(tx(fx, "00A40400 [A000000308] 00"), 0x9000);
	assert_int_equal(tx(fx, "00C0000000"), 0x6985);

	/* a 1000-byte certificate: 256-byte parts with 61 00 / 61 xx */
	mgmt_auth(fx);
	memset(cert, 0xCE, sizeof(cert));
	memcpy(cert, "\x5C\x03\x5F\xC1\x05\x53\x82\x03\xED\x70\x82\x03\xE4", 13);
	memcpy(cert + 13 + 996, "\x71\x01\x00\xFE\x00", 5);
	n = 13 + 996 + 5;
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0, 0xDB, 0x3F, 0xFF, cert, n, -1, 0)),
			 0x9000);
	sw = tx(fx, "00CB3FFF [5C035FC105] 08");
	assert_int_equal(sw, 0x6100); /* 1009 - 8 left: 256 or more */
	assert_memory_equal(fx->resp, "\x53\x82\x03\xED\x70\x82\x03\xE4", 8);
	sw = tx(fx, "00CB3FFF [5C035FC105] 00");
	for (i = 0; i < 10; i++) {
		assert_true(fx->rlen - 2 <= 256);
		memcpy(all + got, fx->resp, fx->rlen - 2);
		got += fx->rlen - 2;
		if (sw == 0x9000)
			break;
		assert_int_equal(sw >> 8, 0x61);
		sw = tx(fx, "00C0000000");
	}
	assert_int_equal(sw, 0x9000);
	assert_int_equal(got, 4 + 1005);
	assert_memory_equal(all + 4, cert + 9, 1005);
	/* status reports the certificate's own length */
	{
		struct vcard_status st;

		assert_int_equal(vcard_get_status(fx->card, &st), SG_OK);
		assert_int_equal(st.cert_9a_len, 996);
		assert_int_equal(st.cert_9c_len, 0);
	}
	/* a small response buffer: cut at cap - 2, the rest by GET RESPONSE */
	{
		uint8_t small[10];
		size_t sl = vcard_transmit(fx->card, (const uint8_t *)"\x00\xCB\x3F\xFF\x05\x5C\x03\x5F\xC1\x02\x00",
					   11, small, sizeof(small));

		assert_int_equal(sl, 10);
		assert_int_equal(sw_of(small, sl), 0x6135);
		assert_memory_equal(small, chuid, 8);
		assert_int_equal(vcard_transmit(fx->card, cmd, 4, small, 1), 0);
	}
	fx_free(fx);
}

/* ---- chaining and extended length --------------------------------------------- */

static void test_chaining(void **state)
{
	struct fx *fx = fx_new(&t_base);
	uint8_t obj[600], cmd[700];
	size_t i;

	(void)state;
	mgmt_auth(fx);
	memcpy(obj, "\x5C\x03\x5F\xC1\x0A\x53\x82\x02\x4F\x70\x82\x02\x46", 13);
	for (i = 13; i < 13 + 582; i++)
		obj[i] = (uint8_t)i;
	memcpy(obj + 595, "\x71\x01\x00\xFE\x00", 5);
	/* 255 + 255 + 90, CLA 10 on all but the last part */
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0x10, 0xDB, 0x3F, 0xFF, obj, 255, -1, 0)),
			 0x9000);
	assert_int_equal(fx->rlen, 2);
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0x10, 0xDB, 0x3F, 0xFF, obj + 255, 255, -1, 0)),
			 0x9000);
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0x00, 0xDB, 0x3F, 0xFF, obj + 510, 90, -1, 0)),
			 0x9000);
	assert_int_equal(tx(fx, "00CB3FFF 000005 5C035FC10A 0000"), 0x9000);
	assert_int_equal(fx->rlen - 2, 4 + 591);
	assert_memory_equal(fx->resp + 4, obj + 9, 591);

	/* a chain broken by another command: it runs alone, the chain is gone */
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0x10, 0xDB, 0x3F, 0xFF, obj, 255, -1, 0)),
			 0x9000);
	assert_int_equal(tx(fx, "00A40400 [A000000308] 00"), 0x9000);
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0x00, 0xDB, 0x3F, 0xFF, obj + 510, 90, -1, 0)),
			 0x6A80);
	/* a chain of another P2 does not mix with this one */
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0x10, 0xDB, 0x3F, 0xFF, obj, 255, -1, 0)),
			 0x9000);
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0x00, 0xDB, 0x3F, 0xFE, obj + 255, 10, -1, 0)),
			 0x6A86);
	/* chaining a command that does not take it */
	assert_int_equal(tx(fx, "10CB3FFF [5C017E]"), 0x6884);
	assert_int_equal(tx(fx, "1047009A [AC03800111]"), 0x6884);
	assert_int_equal(tx(fx, "102C0080 [" PUK_HEX NEW_PIN_HEX "]"), 0x6884);
	/* more than VCARD_CMD_MAX in parts: 6700, and the chain is dropped */
	memset(obj, 0x11, sizeof(obj));
	for (i = 0; i * 255 <= VCARD_CMD_MAX; i++) {
		uint16_t sw = tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0x10, 0xDB, 0x3F, 0xFF, obj, 255, -1, 0));

		if ((i + 1) * 255 <= VCARD_CMD_MAX)
			assert_int_equal(sw, 0x9000);
		else
			assert_int_equal(sw, 0x6700);
	}
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0x00, 0xDB, 0x3F, 0xFF, obj, 5, -1, 0)),
			 0x6A80);
	/* power resets a chain too */
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0x10, 0xDB, 0x3F, 0xFF, (const uint8_t *)"\x5C\x03\x5F\xC1\x0A", 5, -1, 0)),
			 0x9000);
	vcard_power(fx->card, VCARD_RESET);
	mgmt_auth(fx);
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0x00, 0xDB, 0x3F, 0xFF, (const uint8_t *)"\x53\x02\xFE\x00", 4, -1, 0)),
			 0x6A80);
	fx_free(fx);
}

static void test_extended(void **state)
{
	struct fx *fx = fx_new(&t_base);
	static uint8_t big[VCARD_CMD_MAX + 10], cmd[VCARD_CMD_MAX + 20];
	size_t n;

	(void)state;
	mgmt_auth(fx);
	/* the largest object in one extended APDU, read back in one answer */
	n = 9 + VCARD_OBJECT_MAX;
	memset(big, 0xAB, n);
	memcpy(big, "\x5C\x03\x5F\xC1\x0B\x53\x82", 7);
	big[7] = VCARD_OBJECT_MAX >> 8;
	big[8] = VCARD_OBJECT_MAX & 0xFF;
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0, 0xDB, 0x3F, 0xFF, big, n, -1, 1)),
			 0x9000);
	assert_int_equal(tx(fx, "00CB3FFF 000005 5C035FC10B 0000"), 0x9000);
	assert_int_equal(fx->rlen, 4 + VCARD_OBJECT_MAX + 2);
	/* extended Le smaller than the object: Le bytes, then 61xx */
	assert_int_equal(tx(fx, "00CB3FFF 000005 5C035FC10B 0100"), 0x6100);
	assert_int_equal(fx->rlen, 256 + 2);
	/* one byte too many for an object: 6A84 */
	n = 9 + VCARD_OBJECT_MAX + 1;
	big[7] = (VCARD_OBJECT_MAX + 1) >> 8;
	big[8] = (VCARD_OBJECT_MAX + 1) & 0xFF;
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0, 0xDB, 0x3F, 0xFF, big, n, -1, 1)),
			 0x6A84);
	/* more than VCARD_CMD_MAX in one APDU: 6700 */
	assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0, 0xDB, 0x3F, 0xFF, big,
						   VCARD_CMD_MAX + 1, -1, 1)),
			 0x6700);
	/* extended everywhere: SELECT, VERIFY */
	assert_int_equal(tx(fx, "00A40400 000005 A000000308 0000"), 0x9000);
	assert_memory_equal(fx->resp, "\x61\x11\x4F\x06", 4);
	assert_int_equal(tx(fx, "00200080 000008 " PIN_HEX), 0x9000);
	assert_int_equal(tx(fx, "00200080 000008 " PIN_HEX " 0000"), 0x9000);
	/* short-APDU mode: every extended APDU is 6700 (no PIN try spent),
	 * short ones still work */
	vcard_set_short_apdus(fx->card, 1);
	assert_int_equal(tx(fx, "00CB3FFF 000005 5C035FC10B 0000"), 0x6700);
	assert_int_equal(tx(fx, "00CB3FFF 000000"), 0x6700);
	assert_int_equal(tx(fx, "00200080 000008 3939393939393939"), 0x6700);
	assert_int_equal(tx(fx, "00200080"), 0x9000);
	assert_int_equal(tx(fx, "00CB3FFF 05 5C035FC10B 00"), 0x6100);
	vcard_set_short_apdus(fx->card, 0);
	assert_int_equal(tx(fx, "00CB3FFF 000005 5C035FC10B 0000"), 0x9000);
	fx_free(fx);
}

/* ---- PIN and PUK counters ------------------------------------------------------- */

static void expect_tries(struct fx *fx, int pin, int puk)
{
	struct vcard_status st;

	assert_int_equal(vcard_get_status(fx->card, &st), SG_OK);
	assert_int_equal(st.pin_tries_left, pin);
	assert_int_equal(st.puk_tries_left, puk);
	assert_int_equal(st.pin_tries_max, 3);
	assert_int_equal(st.puk_tries_max, 3);
}

static void test_pin_block_and_unblock(void **state)
{
	static const struct {
		const char *apdu;
		uint16_t sw;
		int pin_left, puk_left;
	} steps[] = {
		{"00200080 [" BAD_PIN_HEX "]", 0x63C2, 2, 3},
		{"00200080", 0x63C2, 2, 3},
		{"00200080 [" PIN_HEX "]", 0x9000, 3, 3}, /* a right PIN restores */
		{"00200080 [" BAD_PIN_HEX "]", 0x63C2, 2, 3},
		{"00200080", 0x63C2, 2, 3}, /* the wrong PIN also cleared "verified" */
		{"00200080 [" BAD_PIN_HEX "]", 0x63C1, 1, 3},
		{"00200080 [" BAD_PIN_HEX "]", 0x63C0, 0, 3},
		{"00200080 [" BAD_PIN_HEX "]", 0x6983, 0, 3},
		{"00200080 [" PIN_HEX "]", 0x6983, 0, 3},
		{"00200080", 0x6983, 0, 3},
		{"00240080 [" PIN_HEX NEW_PIN_HEX "]", 0x6983, 0, 3},
		{"002C0080 [3837363534333231" NEW_PIN_HEX "]", 0x63C2, 0, 2},
		{"002C0080 [" PUK_HEX NEW_PIN_HEX "]", 0x9000, 3, 3},
		{"00200080 [" PIN_HEX "]", 0x63C2, 2, 3}, /* the old PIN is gone */
		{"00200080 [" NEW_PIN_HEX "]", 0x9000, 3, 3},
		{"00200080", 0x9000, 3, 3},
		/* PUK to blocked */
		{"002C0080 [3837363534333231" PIN_HEX "]", 0x63C2, 3, 2},
		{"00240081 [3837363534333231" PUK_HEX "]", 0x63C1, 3, 1},
		{"002C0080 [3837363534333231" PIN_HEX "]", 0x63C0, 3, 0},
		{"002C0080 [" PUK_HEX PIN_HEX "]", 0x6983, 3, 0},
		{"00240081 [" PUK_HEX PUK_HEX "]", 0x6983, 3, 0},
	};
	struct fx *fx = fx_new(&t_base);
	size_t i;

	(void)state;
	expect_tries(fx, 3, 3);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		uint16_t sw = tx(fx, steps[i].apdu);

		if (sw != steps[i].sw)
			fail_msg("step %zu: SW %04X, want %04X", i, sw, steps[i].sw);
		expect_tries(fx, steps[i].pin_left, steps[i].puk_left);
	}
	/* counters are on storage, not only in memory */
	fx_reopen(fx);
	expect_tries(fx, 3, 0);
	assert_int_equal(tx(fx, "00200080 [" NEW_PIN_HEX "]"), 0x9000);
	fx_free(fx);
}

static void test_change_pin_and_puk(void **state)
{
	struct fx *fx = fx_new(&t_base);

	(void)state;
	assert_int_equal(tx(fx, "00240080 [" PIN_HEX NEW_PIN_HEX "]"), 0x9000);
	assert_int_equal(tx(fx, "00200080"), 0x63C3); /* changing does not verify */
	assert_int_equal(tx(fx, "00200080 [" PIN_HEX "]"), 0x63C2);
	assert_int_equal(tx(fx, "00200080 [" NEW_PIN_HEX "]"), 0x9000);
	assert_int_equal(tx(fx, "00240081 [" PUK_HEX "3837363534333231]"), 0x9000);
	fx_reopen(fx);
	assert_int_equal(tx(fx, "002C0080 [" PUK_HEX PIN_HEX "]"), 0x63C2);
	assert_int_equal(tx(fx, "002C0080 [3837363534333231" PIN_HEX "]"), 0x9000);
	assert_int_equal(tx(fx, "00200080 [" PIN_HEX "]"), 0x9000);
	fx_free(fx);
}

/* ---- keys and signatures ---------------------------------------------------------- */

static void sha256(const char *msg, uint8_t out[32])
{
	assert_int_equal(mbedtls_sha256_ret((const uint8_t *)msg, strlen(msg), out, 0), 0);
}

/* GENERAL AUTHENTICATE data 7C{82 00, 81 <in>}, sent in one extended APDU
 * or chained short ones; the result (7C{82 r}) copied to out. */
static uint16_t gen_auth(struct fx *fx, uint8_t alg, uint8_t key, const uint8_t *in, size_t il,
			 int chain, uint8_t *out, size_t *ol)
{
	uint8_t d[300], cmd[400], all[600];
	size_t n = 0, got = 0, vl, used;
	const uint8_t *v;
	uint32_t tag;
	uint16_t sw;

	n += ber_tlv_put_hdr(d, sizeof(d), 0x7C, 2 + ber_tlv_hdr_len(0x81, il) + il);
	d[n++] = 0x82;
	d[n++] = 0x00;
	n += ber_tlv_put_hdr(d + n, sizeof(d) - n, 0x81, il);
	memcpy(d + n, in, il);
	n += il;
	if (chain) {
		size_t off;

		for (off = 0; n - off > 255; off += 255)
			assert_int_equal(tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0x10, 0x87, alg, key,
							       d + off, 255, -1, 0)),
					 0x9000);
		sw = tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0, 0x87, alg, key, d + off, n - off, 0, 0));
	} else {
		sw = tx_raw(fx, cmd, build(cmd, sizeof(cmd), 0, 0x87, alg, key, d, n, 0, 1));
	}
	while (sw == 0x9000 || (sw >> 8) == 0x61) {
		memcpy(all + got, fx->resp, fx->rlen - 2);
		got += fx->rlen - 2;
		if (sw == 0x9000)
			break;
		sw = tx(fx, "00C0000000");
	}
	if (sw != 0x9000)
		return sw;
	assert_int_equal(ber_tlv_next(all, got, &tag, &v, &vl, &used), SG_OK);
	assert_int_equal(tag, 0x7C);
	assert_int_equal(used, got);
	assert_int_equal(ber_tlv_next(v, vl, &tag, &v, ol, &used), SG_OK);
	assert_int_equal(tag, 0x82);
	memcpy(out, v, *ol);
	return sw;
}

static void check_ec_sig(const uint8_t q[65], const uint8_t hash[32], const uint8_t *sig,
			 size_t sl)
{
	mbedtls_ecdsa_context ec;

	mbedtls_ecdsa_init(&ec);
	assert_int_equal(mbedtls_ecp_group_load(&ec.grp, MBEDTLS_ECP_DP_SECP256R1), 0);
	assert_int_equal(mbedtls_ecp_point_read_binary(&ec.grp, &ec.Q, q, 65), 0);
	assert_int_equal(mbedtls_ecdsa_read_signature(&ec, hash, 32, sig, sl), 0);
	mbedtls_ecdsa_free(&ec);
}

/* EMSA-PKCS1-v1_5 for SHA-256 (RFC 8017, 9.2), done here as OpenSC does. */
static void pkcs1_pad(const uint8_t hash[32], uint8_t em[256])
{
	static const uint8_t di[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
				     0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
	size_t ps = 256 - 3 - sizeof(di) - 32;

	em[0] = 0x00;
	em[1] = 0x01;
	memset(em + 2, 0xFF, ps);
	em[2 + ps] = 0x00;
	memcpy(em + 3 + ps, di, sizeof(di));
	memcpy(em + 3 + ps + sizeof(di), hash, 32);
}

static void check_rsa_sig(const uint8_t hash[32], const uint8_t *sig, size_t sl)
{
	mbedtls_rsa_context rsa;

	assert_int_equal(sl, 256);
	mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V15, 0);
	assert_int_equal(mbedtls_rsa_import_raw(&rsa, rsa_n, 256, NULL, 0, NULL, 0, NULL, 0, rsa_e, 3), 0);
	assert_int_equal(mbedtls_rsa_complete(&rsa), 0);
	assert_int_equal(mbedtls_rsa_pkcs1_verify(&rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC,
						  MBEDTLS_MD_SHA256, 32, hash, sig),
			 0);
	mbedtls_rsa_free(&rsa);
}

static void test_sign_rsa(void **state)
{
	struct fx *fx = fx_new(&t_keys);
	uint8_t hash[32], em[256], sig[300];
	size_t sl = 0;

	(void)state;
	sha256("sign me", hash);
	pkcs1_pad(hash, em);
	verify_pin(fx);
	/* chained short APDUs (what OpenSC sends) */
	assert_int_equal(gen_auth(fx, 0x07, 0x9A, em, sizeof(em), 1, sig, &sl), 0x9000);
	check_rsa_sig(hash, sig, sl);
	/* one extended APDU; 9A needs no new VERIFY */
	sha256("and me", hash);
	pkcs1_pad(hash, em);
	assert_int_equal(gen_auth(fx, 0x07, 0x9A, em, sizeof(em), 0, sig, &sl), 0x9000);
	check_rsa_sig(hash, sig, sl);
	/* a block not below the modulus */
	memset(em, 0xFF, sizeof(em));
	assert_int_equal(gen_auth(fx, 0x07, 0x9A, em, sizeof(em), 0, sig, &sl), 0x6A80);
	fx_free(fx);
}

static void test_sign_ec_always_auth(void **state)
{
	struct fx *fx = fx_new(&t_keys);
	uint8_t hash[48], sig[100];
	size_t sl = 0;

	(void)state;
	sha256("challenge", hash);
	memset(hash + 32, 0x55, 16);
	verify_pin(fx);
	assert_int_equal(gen_auth(fx, 0x11, 0x9C, hash, 32, 0, sig, &sl), 0x9000);
	check_ec_sig(ec_q, hash, sig, sl);
	/* PIN Always: the verification went with that signature */
	assert_int_equal(gen_auth(fx, 0x11, 0x9C, hash, 32, 0, sig, &sl), 0x6982);
	assert_int_equal(tx(fx, "00200080"), 0x9000); /* but the PIN stays verified */
	assert_int_equal(gen_auth(fx, 0x07, 0x9A, hash, 32, 0, sig, &sl), 0x6A80); /* 9A works on */
	verify_pin(fx);
	/* a longer hash is cut to 32 bytes */
	assert_int_equal(gen_auth(fx, 0x11, 0x9C, hash, 48, 0, sig, &sl), 0x9000);
	check_ec_sig(ec_q, hash, sig, sl);
	fx_free(fx);
}

/* Generate in 9D and 9E, sign, check against what GENERATE returned;
 * 9E (card authentication) needs no PIN. */
static void test_generate_then_sign(void **state)
{
	struct fx *fx = fx_new(&t_base);
	uint8_t q9d[65], q9e[65], hash[32], sig[100];
	size_t sl = 0;
	struct vcard_status st;

	(void)state;
	mgmt_auth(fx);
	assert_int_equal(tx(fx, "0047009D [AC03800111] 00"), 0x9000);
	memcpy(q9d, fx->resp + 5, 65);
	assert_int_equal(tx(fx, "0047009E [AC03800111] 00"), 0x9000);
	memcpy(q9e, fx->resp + 5, 65);
	sha256("door", hash);
	assert_int_equal(gen_auth(fx, 0x11, 0x9E, hash, 32, 0, sig, &sl), 0x9000);
	check_ec_sig(q9e, hash, sig, sl);
	assert_int_equal(gen_auth(fx, 0x11, 0x9D, hash, 32, 0, sig, &sl), 0x6982);
	verify_pin(fx);
	assert_int_equal(gen_auth(fx, 0x11, 0x9D, hash, 32, 0, sig, &sl), 0x9000);
	check_ec_sig(q9d, hash, sig, sl);
	/* regenerating replaces the key */
	assert_int_equal(tx(fx, "0047009D [AC03800111] 00"), 0x9000);
	assert_memory_not_equal(fx->resp + 5, q9d, 65);
	assert_int_equal(vcard_get_status(fx->card, &st), SG_OK);
	assert_int_equal(st.has_key_9a, 0);
	assert_int_equal(st.has_key_9c, 0);
	fx_free(fx);
}

/* ---- management key ------------------------------------------------------------- */

static void test_mgmt_algorithms(void **state)
{
	static const uint8_t k16[16] = "0123456789abcdef", k24[24] = "0123456789abcdefghijklmn",
			     k32[32] = "0123456789abcdefghijklmnopqrstuv";
	static const struct {
		int alg;
		const uint8_t *key;
		size_t kl;
	} algs[] = {
		{VCARD_MGMT_3DES, k24, 24},
		{VCARD_MGMT_AES128, k16, 16},
		{VCARD_MGMT_AES192, k24, 24},
		{VCARD_MGMT_AES256, k32, 32},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		struct vcard_params p = {PIN, 6, PUK, 8, algs[i].alg, algs[i].key, algs[i].kl, 0, 0, NULL};
		struct fx *fx = fx_new(NULL);
		uint8_t wrong[32];
		struct sg_error e;

		sg_error_init(&e);
		assert_int_equal(vcard_create(&fx->hal, BLOB, &p, &e), SG_OK);
		assert_int_equal(vcard_open(&fx->hal, BLOB, &fx->card, &e), SG_OK);
		fx->mgmt_alg = algs[i].alg;
		fx->mgmt_key = algs[i].key;
		fx->mgmt_key_len = algs[i].kl;
		memcpy(wrong, algs[i].key, algs[i].kl);
		wrong[0] ^= 0x80; /* DES ignores bit 0 (parity) */
		assert_int_equal(mgmt_single(fx, wrong), 0x6982);
		assert_int_equal(tx(fx, "00DB3FFF [" CERT_OBJ "]"), 0x6982);
		assert_int_equal(mgmt_single(fx, algs[i].key), 0x9000);
		assert_int_equal(tx(fx, "00DB3FFF [" CERT_OBJ "]"), 0x9000);
		/* a challenge answers once */
		assert_int_equal(tx(fx, algs[i].alg == VCARD_MGMT_3DES
						? "0087039B [7C0A8208 0000000000000000]"
						: "00870000 [7C00]"),
				 algs[i].alg == VCARD_MGMT_3DES ? 0x6985 : 0x6A86);
		vcard_power(fx->card, VCARD_RESET);
		assert_int_equal(tx(fx, "00DB3FFF [" CERT_OBJ "]"), 0x6982);
		assert_int_equal(mgmt_mutual(fx, wrong), 0x6982);
		assert_int_equal(mgmt_mutual(fx, algs[i].key), 0x9000);
		assert_int_equal(tx(fx, "00DB3FFF [" CERT_OBJ "]"), 0x9000);
		/* a failed attempt takes the authentication away */
		assert_int_equal(mgmt_single(fx, wrong), 0x6982);
		assert_int_equal(tx(fx, "00DB3FFF [" CERT_OBJ "]"), 0x6982);
		fx_free(fx);
	}
}

/* ---- persistence and faults --------------------------------------------------------- */

static void test_persistence(void **state)
{
	struct fx *fx = fx_new(&t_keys);
	uint8_t hash[32], sig[100], em[256];
	size_t sl;
	struct vcard_status st;

	(void)state;
	assert_int_equal(tx(fx, "00200080 [" BAD_PIN_HEX "]"), 0x63C2);
	mgmt_auth(fx);
	assert_int_equal(tx(fx, "00DB3FFF [" CERT_OBJ "]"), 0x9000);
	fx_reopen(fx);
	assert_int_equal(vcard_get_status(fx->card, &st), SG_OK);
	assert_int_equal(st.pin_tries_left, 2);
	assert_int_equal(st.has_key_9a, 1);
	assert_int_equal(st.alg_9a, VCARD_ALG_RSA2048);
	assert_int_equal(st.has_key_9c, 1);
	assert_int_equal(st.alg_9c, VCARD_ALG_ECCP256);
	assert_int_equal(st.cert_9a_len, 3);
	/* the volatile state is not kept */
	assert_int_equal(tx(fx, "00200080"), 0x63C2);
	assert_int_equal(tx(fx, "00DB3FFF [5C035FC105 5300]"), 0x6982);
	assert_int_equal(tx(fx, "00CB3FFF [5C035FC105] 00"), 0x9000);
	assert_memory_equal(fx->resp, "\x53\x0A\x70\x03\x01\x02\x03\x71\x01\x00\xFE\x00", 12);
	/* the keys survive: they still match the public keys from GENERATE */
	verify_pin(fx);
	sha256("after reopen", hash);
	assert_int_equal(gen_auth(fx, 0x11, 0x9C, hash, 32, 0, sig, &sl), 0x9000);
	check_ec_sig(ec_q, hash, sig, sl);
	pkcs1_pad(hash, em);
	{
		uint8_t rs[300];

		assert_int_equal(gen_auth(fx, 0x07, 0x9A, em, 256, 0, rs, &sl), 0x9000);
		check_rsa_sig(hash, rs, sl);
	}
	/* an empty 53 deletes the object, for good */
	mgmt_auth(fx);
	assert_int_equal(tx(fx, "00DB3FFF [5C035FC105 5300]"), 0x9000);
	fx_reopen(fx);
	assert_int_equal(tx(fx, "00CB3FFF [5C035FC105] 00"), 0x6A82);
	fx_free(fx);
}

/* The card in memory and on storage agree after a failed write: 6581 and
 * nothing changed (or, for a right PIN whose second write failed, the paid
 * guess stays paid and the PIN is not verified). */
static void test_storage_fault(void **state)
{
	static const struct {
		const char *apdu;
		int after;   /* writes that succeed before the failing one */
		int left;    /* PIN tries left afterwards, memory and storage */
		uint16_t status; /* VERIFY status query afterwards */
	} cases[] = {
		{"00200080 [" PIN_HEX "]", 0, 3, 0x63C3},
		{"00200080 [" BAD_PIN_HEX "]", 0, 3, 0x63C3},
		{"00200080 [" PIN_HEX "]", 1, 2, 0x63C2},
		{"00240080 [" PIN_HEX NEW_PIN_HEX "]", 0, 3, 0x63C3},
		{"002C0080 [" PUK_HEX NEW_PIN_HEX "]", 0, 3, 0x63C3},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx *fx = fx_new(&t_base);
		unsigned w = port_test_storage_writes(fx->pt);

		port_test_fault(fx->pt, PORT_TEST_FAULT_STORAGE_WRITE, cases[i].after);
		assert_int_equal(tx(fx, cases[i].apdu), 0x6581);
		assert_int_equal(port_test_storage_writes(fx->pt), w + (unsigned)cases[i].after);
		expect_tries(fx, cases[i].left, 3);
		assert_int_equal(tx(fx, "00200080"), cases[i].status);
		fx_reopen(fx);
		expect_tries(fx, cases[i].left, 3);
		/* the old PIN still works, whichever command failed */
		assert_int_equal(tx(fx, "00200080 [" PIN_HEX "]"), 0x9000);
		fx_free(fx);
	}
	/* change / reset retry whose second write fails keep the old PIN */
	{
		struct fx *fx = fx_new(&t_base);

		port_test_fault(fx->pt, PORT_TEST_FAULT_STORAGE_WRITE, 2);
		assert_int_equal(tx(fx, "00240080 [" PIN_HEX NEW_PIN_HEX "]"), 0x6581);
		fx_reopen(fx);
		assert_int_equal(tx(fx, "00200080 [" PIN_HEX "]"), 0x9000);
		fx_free(fx);
	}
	/* PUT DATA and GENERATE roll back */
	{
		struct fx *fx = fx_new(&t_keys);
		uint8_t hash[32], sig[100];
		size_t sl;

		mgmt_auth(fx);
		port_test_fault(fx->pt, PORT_TEST_FAULT_STORAGE_WRITE, 0);
		assert_int_equal(tx(fx, "00DB3FFF [" CERT_OBJ "]"), 0x6581);
		assert_int_equal(tx(fx, "00CB3FFF [5C035FC105] 00"), 0x6A82);
		mgmt_auth(fx);
		port_test_fault(fx->pt, PORT_TEST_FAULT_STORAGE_WRITE, 0);
		assert_int_equal(tx(fx, "0047009C [AC03800111] 00"), 0x6581);
		verify_pin(fx);
		sha256("old key", hash);
		assert_int_equal(gen_auth(fx, 0x11, 0x9C, hash, 32, 0, sig, &sl), 0x9000);
		check_ec_sig(ec_q, hash, sig, sl);
		fx_free(fx);
	}
}

/* ---- sealing ----------------------------------------------------------------------- */

static void expect_open_fails(struct fx *fx, const char *blob, sg_err code, const char *detail)
{
	struct vcard *c = (struct vcard *)1;
	struct sg_error e;

	sg_error_init(&e);
	assert_int_equal(vcard_open(&fx->hal, blob, &c, &e), code);
	assert_null(c);
	assert_int_equal(e.code, code);
	if (detail && !strstr(e.detail, detail))
		fail_msg("detail '%s' lacks '%s'", e.detail, detail);
}

static void test_sealing(void **state)
{
	struct fx *fx = fx_new(NULL);
	uint8_t other[32], *b;
	size_t i;

	(void)state;
	expect_open_fails(fx, BLOB, SG_E_NO_CARD, "no virtual card; create one with signet vcard init");
	expect_open_fails(fx, "../x", SG_E_INVALID_ARG, NULL);
	assert_int_equal(hal_storage_write(&fx->hal.storage, BLOB, t_keys.blob, t_keys.len), HAL_OK);
	/* the PIN is nowhere in the clear */
	assert_null(memmem(t_keys.blob, t_keys.len, PIN, 6));
	/* another device */
	memset(other, 0x42, sizeof(other));
	port_test_devkey_set(fx->pt, other);
	expect_open_fails(fx, BLOB, SG_E_NO_CARD,
			  "state cannot be unsealed with this device's key (copied from another "
			  "device, or damaged)");
	for (i = 0; i < 32; i++)
		other[i] = (uint8_t)i;
	port_test_devkey_set(fx->pt, other);
	/* no device key at all */
	port_test_fault(fx->pt, PORT_TEST_FAULT_DEVKEY, 0);
	expect_open_fails(fx, BLOB, SG_E_IO, "device key");
	port_test_fault(fx->pt, PORT_TEST_FAULT_STORAGE_READ, 0);
	expect_open_fails(fx, BLOB, SG_E_IO, NULL);
	/* renamed: the name is bound into the seal */
	assert_int_equal(hal_storage_write(&fx->hal.storage, "card2", t_keys.blob, t_keys.len), HAL_OK);
	expect_open_fails(fx, "card2", SG_E_NO_CARD, "cannot be unsealed");
	/* every single flipped byte, a cut and an extension */
	b = malloc(t_keys.len + 1);
	assert_non_null(b);
	for (i = 0; i < t_keys.len; i++) {
		memcpy(b, t_keys.blob, t_keys.len);
		b[i] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(hal_storage_write(&fx->hal.storage, BLOB, b, t_keys.len), HAL_OK);
		expect_open_fails(fx, BLOB, SG_E_NO_CARD, "cannot be unsealed");
	}
	for (i = 0; i < t_keys.len; i += 97) {
		assert_int_equal(hal_storage_write(&fx->hal.storage, BLOB, t_keys.blob, i), HAL_OK);
		expect_open_fails(fx, BLOB, SG_E_NO_CARD, "cannot be unsealed");
	}
	memcpy(b, t_keys.blob, t_keys.len);
	b[t_keys.len] = 0;
	assert_int_equal(hal_storage_write(&fx->hal.storage, BLOB, b, t_keys.len + 1), HAL_OK);
	expect_open_fails(fx, BLOB, SG_E_NO_CARD, "cannot be unsealed");
	free(b);
	/* the original still opens */
	fx_load(fx, &t_keys);
	fx_free(fx);
}

/* Each write is sealed with a fresh nonce: the same state never gives
 * the same bytes. */
static void test_fresh_nonce(void **state)
{
	struct fx *fx = fx_new(&t_base);
	struct tmpl a, b;

	(void)state;
	assert_int_equal(tx(fx, "00200080 [" PIN_HEX "]"), 0x9000);
	read_blob(fx, &a);
	assert_int_equal(tx(fx, "00200080 [" PIN_HEX "]"), 0x9000);
	read_blob(fx, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_not_equal(a.blob, b.blob, a.len);
	free(a.blob);
	free(b.blob);
	fx_free(fx);
}

static void test_create_errors(void **state)
{
	static const uint8_t k16[16] = {0};
	static const struct {
		struct vcard_params p;
		const char *blob;
		sg_err rc;
	} cases[] = {
		{{PIN, 6, PUK, 8, 0, NULL, 0, 0, 0, NULL}, BLOB, SG_OK}, /* a random 3DES key */
		{{"12345", 5, PUK, 8, 0, NULL, 0, 0, 0, NULL}, BLOB, SG_E_PIN_FORMAT},
		{{"123456789", 9, PUK, 8, 0, NULL, 0, 0, 0, NULL}, BLOB, SG_E_PIN_FORMAT},
		{{PIN, 6, "12345", 5, 0, NULL, 0, 0, 0, NULL}, BLOB, SG_E_PIN_FORMAT},
		{{NULL, 6, PUK, 8, 0, NULL, 0, 0, 0, NULL}, BLOB, SG_E_PIN_FORMAT},
		{{"12\xff" "456", 6, PUK, 8, 0, NULL, 0, 0, 0, NULL}, BLOB, SG_E_PIN_FORMAT},
		{{PIN, 6, PUK, 8, VCARD_MGMT_AES128, NULL, 0, 0, 0, NULL}, BLOB, SG_OK}, /* random */
		{{PIN, 6, PUK, 8, 0, key_well_known, 24, 0, 0, NULL}, BLOB, SG_E_INVALID_ARG},
		{{PIN, 6, PUK, 8, VCARD_MGMT_3DES, key_well_known, 24, 0, 0, NULL}, BLOB, SG_E_INVALID_ARG},
		{{PIN, 6, PUK, 8, VCARD_MGMT_AES192, key_well_known, 24, 0, 0, NULL}, BLOB, SG_E_INVALID_ARG},
		{{PIN, 6, PUK, 8, VCARD_MGMT_AES128, k16, 16, 0, 0, NULL}, BLOB, SG_OK},
		{{PIN, 6, PUK, 8, VCARD_MGMT_AES256, k16, 16, 0, 0, NULL}, BLOB, SG_E_INVALID_ARG},
		{{PIN, 6, PUK, 8, 0x07, k16, 16, 0, 0, NULL}, BLOB, SG_E_INVALID_ARG},
		{{PIN, 6, PUK, 8, 0, NULL, 0, 16, 0, NULL}, BLOB, SG_E_INVALID_ARG},
		{{PIN, 6, PUK, 8, 0, NULL, 0, 0, -1, NULL}, BLOB, SG_E_INVALID_ARG},
		{{PIN, 6, PUK, 8, 0, NULL, 0, 15, 1, NULL}, BLOB, SG_OK},
		{{PIN, 6, PUK, 8, 0, NULL, 0, 0, 0, NULL}, ".hidden", SG_E_INVALID_ARG},
		{{PIN, 6, PUK, 8, 0, NULL, 0, 0, 0, NULL}, "a/b", SG_E_INVALID_ARG},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx *fx = fx_new(NULL);
		struct sg_error e;
		sg_err r;

		sg_error_init(&e);
		r = vcard_create(&fx->hal, cases[i].blob, &cases[i].p, &e);
		if (r != cases[i].rc)
			fail_msg("case %zu: %d, want %d (%s)", i, r, cases[i].rc, e.detail);
		if (r == SG_OK) {
			struct vcard_status st;

			assert_int_equal(vcard_open(&fx->hal, cases[i].blob, &fx->card, &e), SG_OK);
			assert_int_equal(vcard_get_status(fx->card, &st), SG_OK);
			assert_int_equal(st.pin_tries_max, cases[i].p.pin_tries ? cases[i].p.pin_tries : 3);
			assert_int_equal(st.puk_tries_max, cases[i].p.puk_tries ? cases[i].p.puk_tries : 3);
			assert_int_equal(st.has_key_9a + st.has_key_9c, 0);
			if (!cases[i].p.mgmt_key) { /* no default key: the well-known one fails */
				fx->mgmt_alg = cases[i].p.mgmt_alg ? cases[i].p.mgmt_alg : VCARD_MGMT_3DES;
				fx->mgmt_key_len = fx->mgmt_alg == VCARD_MGMT_AES128 ? 16 : 24;
				assert_int_equal(mgmt_single(fx, key_well_known), 0x6982);
				assert_int_equal(tx(fx, "0047009A [AC03800111] 00"), 0x6982);
			}
		} else {
			assert_int_equal(port_test_storage_count(fx->pt), 0);
			assert_true(e.detail[0] != '\0');
			assert_null(strstr(e.detail, "123456"));
		}
		fx_free(fx);
	}
	/* device faults */
	{
		static const enum port_test_fault faults[] = {
			PORT_TEST_FAULT_RNG, PORT_TEST_FAULT_STORAGE_WRITE, PORT_TEST_FAULT_DEVKEY};
		for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
			struct vcard_params p = {PIN, 6, PUK, 8, 0, NULL, 0, 0, 0, NULL};
			struct fx *fx = fx_new(NULL);
			struct sg_error e;

			port_test_fault(fx->pt, faults[i], 0);
			assert_int_equal(vcard_create(&fx->hal, BLOB, &p, &e), SG_E_IO);
			assert_int_equal(port_test_storage_count(fx->pt), 0);
			fx_free(fx);
		}
	}
	/* two cards made on one device differ (CHUID serial) */
	{
		struct fx *fx = fx_new(&t_base);
		uint8_t a[64];

		assert_int_equal(tx(fx, "00CB3FFF [5C035FC102] 00"), 0x9000);
		memcpy(a, fx->resp, 63);
		vcard_close(fx->card);
		fx->card = NULL;
		port_test_rng_seed(fx->pt, 4242); /* the test RNG repeats itself */
		create_card(fx);
		fx_reopen(fx);
		assert_int_equal(tx(fx, "00CB3FFF [5C035FC102] 00"), 0x9000);
		assert_memory_not_equal(fx->resp + 4, a + 4, 25 + 18);
		/* expiry: ten years after the test clock's 2025-01-01 */
		assert_memory_equal(fx->resp + 2 + 27 + 18 + 2, "20350101", 8);
		fx_free(fx);
	}
}

/* ---- power, ATR, reader --------------------------------------------------------------- */

static void test_power(void **state)
{
	static const enum vcard_power pw[] = {VCARD_RESET, VCARD_POWER_OFF, VCARD_POWER_ON};
	uint8_t atr[40];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pw) / sizeof(pw[0]); i++) {
		struct fx *fx = fx_new(&t_keys);

		verify_pin(fx);
		mgmt_auth(fx);
		assert_int_equal(tx(fx, "00CB3FFF [5C035FC102] 08"), 0x6135);
		assert_int_equal(tx(fx, "0087039B [7C028100] 00"), 0x9000); /* challenge pending */
		vcard_power(fx->card, pw[i]);
		assert_int_equal(tx(fx, "00200080"), 0x63C3);
		assert_int_equal(tx(fx, "00DB3FFF [" CERT_OBJ "]"), 0x6982);
		assert_int_equal(tx(fx, "00C0000000"), 0x6985);
		assert_int_equal(tx(fx, "0087039B [7C0A8208 0000000000000000]"), 0x6985);
		fx_free(fx);
	}
	assert_int_equal(vcard_atr(NULL, atr, sizeof(atr)), 20);
	assert_memory_equal(atr, "\x3B\x8F\x80\x01\x80\xF9\xA0\x00\x00\x03\x08\x00\x00\x10\x00"
			    "\x73\xC0\x21\xC0\x9E", 20);
	assert_int_equal(apdu_atr_ext(atr, 20), 1);
	assert_int_equal(vcard_atr(NULL, atr, 19), 0);
	vcard_power(NULL, VCARD_RESET);
	vcard_close(NULL);
	assert_int_equal(vcard_get_status(NULL, NULL), SG_E_INTERNAL);
	assert_int_equal(vcard_transmit(NULL, (const uint8_t *)"\x00\xA4\x04\x00", 4, atr, 2), 2);
	assert_int_equal(sw_of(atr, 2), 0x6F00);
}

static void test_reader(void **state)
{
	struct fx *fx = fx_new(&t_base);
	struct hal_card dev;
	struct hal_reader r[2];
	struct hal_card_caps caps;
	uint8_t resp[300];
	size_t n = 0, rl;

	(void)state;
	vcard_reader_device(&dev, fx->card, "Virtual PIV");
	assert_int_equal(hal_card_list(&dev, r, 2, &n), HAL_OK);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].name, "Virtual PIV");
	assert_int_equal(r[0].present, 1);
	assert_int_equal(r[0].atr_len, 20);
	assert_int_equal(r[0].atr[1], 0x8F);
	/* nothing changes: the card never leaves */
	assert_int_equal(hal_card_wait(&dev, r, 1, 1000), HAL_ETIMEDOUT);
	r[0].present = 0;
	assert_int_equal(hal_card_wait(&dev, r, 1, 1000), HAL_OK);
	assert_int_equal(r[0].present, 1);
	rl = sizeof(resp);
	assert_int_equal(hal_card_transmit(&dev, (const uint8_t *)"\x00\x20\x00\x80", 4, resp, &rl),
			 HAL_EINVAL); /* not connected */
	assert_int_equal(hal_card_caps(&dev, &caps), HAL_EREMOVED);
	assert_int_equal(hal_card_connect(&dev, "Other"), HAL_ENOENT);
	assert_int_equal(hal_card_connect(&dev, "Virtual PIV"), HAL_OK);
	/* what it carries: extended APDUs (the ATR says so), no reader limit */
	assert_int_equal(hal_card_caps(&dev, &caps), HAL_OK);
	assert_int_equal(caps.atr_len, 20);
	assert_int_equal(caps.max_apdu, 0);
	assert_int_equal(apdu_atr_ext(caps.atr, caps.atr_len), 1);
	vcard_set_short_apdus(fx->card, 1);
	assert_int_equal(hal_card_caps(&dev, &caps), HAL_OK);
	assert_int_equal(caps.atr_len, 16);
	assert_int_equal(apdu_atr_ext(caps.atr, caps.atr_len), 0);
	vcard_set_short_apdus(fx->card, 0);
	rl = sizeof(resp);
	assert_int_equal(hal_card_transmit(&dev, (const uint8_t *)"\x00\xA4\x04\x00\x05\xA0\x00\x00\x03\x08\x00",
					   11, resp, &rl),
			 HAL_OK);
	assert_int_equal(rl, 21);
	assert_int_equal(sw_of(resp, rl), 0x9000);
	verify_pin(fx);
	/* leave: the card keeps its state; reset: it does not */
	assert_int_equal(hal_card_disconnect(&dev, 0), HAL_OK);
	assert_int_equal(hal_card_connect(&dev, "Virtual PIV"), HAL_OK);
	rl = sizeof(resp);
	assert_int_equal(hal_card_transmit(&dev, (const uint8_t *)"\x00\x20\x00\x80", 4, resp, &rl), HAL_OK);
	assert_int_equal(sw_of(resp, rl), 0x9000);
	assert_int_equal(hal_card_disconnect(&dev, 1), HAL_OK);
	assert_int_equal(hal_card_connect(&dev, "Virtual PIV"), HAL_OK);
	rl = 1;
	assert_int_equal(hal_card_transmit(&dev, (const uint8_t *)"\x00\x20\x00\x80", 4, resp, &rl), HAL_ENOMEM);
	rl = sizeof(resp);
	assert_int_equal(hal_card_transmit(&dev, (const uint8_t *)"\x00\x20\x00\x80", 4, resp, &rl), HAL_OK);
	assert_int_equal(sw_of(resp, rl), 0x63C3);
	vcard_reader_device(&dev, fx->card, NULL);
	assert_int_equal(hal_card_list(&dev, r, 2, &n), HAL_OK);
	assert_string_equal(r[0].name, "signet virtual card 00");
	fx_free(fx);
}

/* ---- garbage --------------------------------------------------------------------------- */

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A few thousand random APDUs, mostly with a valid class and a known
 * instruction so they get past the first checks: each one gets a status
 * word within the buffer, and the card still works afterwards. */
static void test_garbage(void **state)
{
	static const uint8_t ins[] = {0xA4, 0xCB, 0x20, 0x24, 0x2C, 0x47, 0x87, 0xDB, 0xC0, 0x00};
	struct fx *fx = fx_new(&t_keys);
	uint64_t seed = 0x5eed5eed12345678ULL;
	uint8_t cmd[600], resp[300];
	int i;

	(void)state;
	for (i = 0; i < 4000; i++) {
		uint64_t r = xorshift(&seed);
		size_t n = (size_t)(r % 300), j, cap = 2 + (size_t)((r >> 16) % 298);

		for (j = 0; j < n; j++)
			cmd[j] = (uint8_t)xorshift(&seed);
		if (n >= 2 && (r >> 32) % 4 != 0) {
			cmd[0] = (r >> 40) & 1 ? 0x10 : 0x00;
			cmd[1] = ins[(r >> 41) % sizeof(ins)];
		}
		if (n >= 5 && (r >> 48) % 2)
			cmd[4] = (uint8_t)(n - 5); /* a consistent short Lc */
		if (i % 500 == 0)
			vcard_power(fx->card, VCARD_RESET);
		{
			size_t rl = vcard_transmit(fx->card, cmd, n, resp, cap);

			assert_true(rl >= 2 && rl <= cap);
		}
	}
	vcard_power(fx->card, VCARD_RESET);
	assert_int_equal(tx(fx, "00A40400 [A000000308] 00"), 0x9000);
	fx_free(fx);
}

/* ---- device keys -------------------------------------------------------------------------- */

static void test_devkey_ports(void **state)
{
	char dir[] = "/tmp/signet-devkey-XXXXXX", path[128];
	uint8_t k1[32], k2[32], zero[32] = {0};
	struct hal_devkey dk;
	struct port_test *pt = port_test_new();
	struct hal hal;
	struct stat st;
	FILE *f;

	(void)state;
	/* test port: settable, faultable */
	assert_non_null(pt);
	port_test_hal(pt, &hal);
	assert_int_equal(hal_devkey_get(&hal.devkey, k1), HAL_OK);
	assert_int_equal(k1[31], 31);
	memset(k2, 7, sizeof(k2));
	port_test_devkey_set(pt, k2);
	assert_int_equal(hal_devkey_get(&hal.devkey, k1), HAL_OK);
	assert_memory_equal(k1, k2, 32);
	port_test_fault(pt, PORT_TEST_FAULT_DEVKEY, 0);
	assert_int_equal(hal_devkey_get(&hal.devkey, k1), HAL_EIO);
	port_test_free(pt);
	memset(&dk, 0, sizeof(dk));
	assert_int_equal(hal_devkey_get(&dk, k1), HAL_ENOTSUP);

	/* Linux: a 0600 file made on first use, stable afterwards */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/device.key", dir);
	assert_int_equal(setenv("SIGNET_DEVICE_KEY", path, 1), 0);
	assert_int_equal(linux_devkey_init(&dk, NULL), HAL_OK);
	assert_int_equal(hal_devkey_get(&dk, k1), HAL_OK);
	assert_memory_not_equal(k1, zero, 32);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(hal_devkey_get(&dk, k2), HAL_OK);
	assert_memory_equal(k1, k2, 32);
	linux_devkey_fini(&dk);
	assert_int_equal(linux_devkey_init(&dk, path), HAL_OK);
	assert_int_equal(hal_devkey_get(&dk, k2), HAL_OK);
	assert_memory_equal(k1, k2, 32);
	/* a damaged key file is an error, never replaced */
	f = fopen(path, "ab");
	assert_non_null(f);
	fputc(0, f);
	fclose(f);
	assert_int_equal(hal_devkey_get(&dk, k2), HAL_EIO);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 33);
	linux_devkey_fini(&dk);
	linux_devkey_fini(&dk);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
	unsetenv("SIGNET_DEVICE_KEY");
}

/* ---- no default management key ------------------------------------------------ */

/* A card created without a key gets a random one: two cards differ, the
 * well-known PIV key opens neither, and the key handed out works. */
static void test_mgmt_no_default_key(void **state)
{
	static const struct {
		int alg;
		size_t kl;
	} algs[] = {{0, 24}, {VCARD_MGMT_AES128, 16}, {VCARD_MGMT_AES192, 24}, {VCARD_MGMT_AES256, 32}};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		struct fx *fx = fx_new(NULL);
		uint8_t k1[32], k2[32];
		struct vcard_params p = {PIN, 6, PUK, 8, algs[i].alg, NULL, 0, 0, 0, k1};
		struct sg_error e;

		memset(k1, 0, sizeof(k1));
		memset(k2, 0, sizeof(k2));
		sg_error_init(&e);
		assert_int_equal(vcard_create(&fx->hal, "other", &p, &e), SG_OK);
		p.mgmt_key_out = k2;
		assert_int_equal(vcard_create(&fx->hal, BLOB, &p, &e), SG_OK);
		assert_memory_not_equal(k1, k2, algs[i].kl);
		assert_memory_not_equal(k2, key_well_known, algs[i].kl < 24 ? algs[i].kl : 24);
		assert_int_equal(vcard_open(&fx->hal, BLOB, &fx->card, &e), SG_OK);
		fx->mgmt_alg = algs[i].alg ? algs[i].alg : VCARD_MGMT_3DES;
		fx->mgmt_key_len = algs[i].kl;
		if (algs[i].kl <= 24) {
			assert_int_equal(mgmt_single(fx, key_well_known), 0x6982);
			assert_int_equal(tx(fx, "0047009A [AC03800111] 00"), 0x6982);
			assert_int_equal(mgmt_mutual(fx, key_well_known), 0x6982);
			assert_int_equal(tx(fx, "00DB3FFF [" CERT_OBJ "]"), 0x6982);
		}
		/* the other card's key is not this one's */
		assert_int_equal(mgmt_single(fx, k1), 0x6982);
		assert_int_equal(tx(fx, "00DB3FFF [" CERT_OBJ "]"), 0x6982);
		assert_int_equal(mgmt_single(fx, k2), 0x9000);
		assert_int_equal(tx(fx, "00DB3FFF [" CERT_OBJ "]"), 0x9000);
		fx_free(fx);
	}
}

/* ---- several processes on one card ---------------------------------------------- */

/* Two cards opened on one device's storage are two processes. Each
 * guess is paid on storage, not on a copy read at open: two processes
 * cannot guess three times each. */
static void test_processes_share_tries(void **state)
{
	struct fx *a = fx_new(&t_base), *b = fx_other(a);

	(void)state;
	assert_int_equal(tx(a, "00200080 [" BAD_PIN_HEX "]"), 0x63C2);
	assert_int_equal(tx(b, "00200080 [" BAD_PIN_HEX "]"), 0x63C1);
	assert_int_equal(tx(a, "00200080 [" BAD_PIN_HEX "]"), 0x63C0);
	/* blocked for both: the right PIN is not even compared */
	assert_int_equal(tx(b, "00200080 [" PIN_HEX "]"), 0x6983);
	assert_int_equal(tx(a, "00200080 [" PIN_HEX "]"), 0x6983);
	assert_int_equal(tx(b, "00200080"), 0x6983);
	/* the PUK's counter too */
	assert_int_equal(tx(a, "002C0080 [3837363534333231" PIN_HEX "]"), 0x63C2);
	assert_int_equal(tx(b, "002C0080 [3837363534333231" PIN_HEX "]"), 0x63C1);
	expect_tries(b, 0, 1);
	/* unblocked by one, usable by the other */
	assert_int_equal(tx(a, "002C0080 [" PUK_HEX PIN_HEX "]"), 0x9000);
	assert_int_equal(tx(b, "00200080"), 0x63C3);
	assert_int_equal(tx(b, "00200080 [" PIN_HEX "]"), 0x9000);
	fx_reopen(a);
	expect_tries(a, 3, 3);
	fx_free(b);
	fx_free(a);
}

/* A change made by one process is what the other uses next, and the
 * other's own writes never put its older state back. */
static void test_processes_see_changes(void **state)
{
	struct fx *a = fx_new(&t_keys), *b = fx_other(a);
	uint8_t hash[32], sig[300], q[65];
	size_t sl;

	(void)state;
	sha256("two processes", hash);
	/* a verified session ends when another process changes the PIN */
	verify_pin(a);
	assert_int_equal(tx(b, "00240080 [" PIN_HEX NEW_PIN_HEX "]"), 0x9000);
	assert_int_equal(gen_auth(a, 0x11, 0x9C, hash, 32, 0, sig, &sl), 0x6982);
	assert_int_equal(tx(a, "00200080 [" PIN_HEX "]"), 0x63C2); /* old PIN: gone */
	assert_int_equal(tx(a, "00200080 [" NEW_PIN_HEX "]"), 0x9000);
	/* a wrote its state twice: b's new PIN is still there */
	assert_int_equal(tx(b, "00200080 [" NEW_PIN_HEX "]"), 0x9000);
	/* a certificate put by b is read by a; a's writes keep it */
	mgmt_auth(b);
	assert_int_equal(tx(b, "00DB3FFF [" CERT_OBJ "]"), 0x9000);
	assert_int_equal(tx(a, "00CB3FFF [5C035FC105] 00"), 0x9000);
	assert_memory_equal(a->resp, "\x53\x0A\x70\x03\x01\x02\x03", 7);
	assert_int_equal(tx(a, "00200080 [" BAD_PIN_HEX "]"), 0x63C2);
	fx_reopen(b);
	assert_int_equal(tx(b, "00CB3FFF [5C035FC105] 00"), 0x9000);
	/* unblock by b after a blocked the PIN */
	assert_int_equal(tx(a, "00200080 [" BAD_PIN_HEX "]"), 0x63C1);
	assert_int_equal(tx(a, "00200080 [" BAD_PIN_HEX "]"), 0x63C0);
	assert_int_equal(tx(b, "002C0080 [" PUK_HEX PIN_HEX "]"), 0x9000);
	assert_int_equal(tx(a, "00200080 [" PIN_HEX "]"), 0x9000);
	/* a key generated by b signs for a */
	mgmt_auth(b);
	assert_int_equal(tx(b, "0047009C [AC03800111] 00"), 0x9000);
	memcpy(q, b->resp + 5, 65);
	assert_memory_not_equal(q, ec_q, 65);
	verify_pin(a);
	assert_int_equal(gen_auth(a, 0x11, 0x9C, hash, 32, 0, sig, &sl), 0x9000);
	check_ec_sig(q, hash, sig, sl);
	fx_free(b);
	fx_free(a);
}

/* An erased card stays erased: a process that had it open answers 6581
 * and writes nothing back. */
static void test_erased_under_a_process(void **state)
{
	struct fx *a = fx_new(&t_keys);
	uint8_t hash[32], sig[300];
	struct sg_error e;
	size_t sl;

	(void)state;
	verify_pin(a);
	sg_error_init(&e);
	assert_int_equal(vcard_erase(&a->hal, BLOB, &e), SG_OK);
	assert_int_equal(port_test_storage_count(a->pt), 0);
	assert_int_equal(tx(a, "00200080 [" BAD_PIN_HEX "]"), 0x6581);
	assert_int_equal(tx(a, "00200080 [" PIN_HEX "]"), 0x6581);
	assert_int_equal(tx(a, "00CB3FFF [5C035FC102] 00"), 0x6581);
	sha256("erased", hash);
	assert_int_equal(gen_auth(a, 0x11, 0x9C, hash, 32, 0, sig, &sl), 0x6581);
	assert_int_equal(port_test_storage_count(a->pt), 0);
	assert_int_equal(vcard_erase(&a->hal, BLOB, &e), SG_E_NO_CARD);
	assert_int_equal(vcard_erase(&a->hal, "../x", &e), SG_E_INVALID_ARG);
	/* a card made anew under the name is a new card for the old session */
	create_card(a);
	assert_int_equal(tx(a, "00200080"), 0x63C3);
	fx_free(a);
}

/* A holder that never lets go: the wait ends (10 s), nothing changes, no
 * guess is spent, the log says why; once it lets go all works again. */
static void test_lock_held_elsewhere(void **state)
{
	struct vcard_params p = {PIN, 6, PUK, 8, VCARD_MGMT_3DES, key_3des, 24, 0, 0, NULL};
	struct fx *a = fx_new(&t_base);
	struct sg_error e;
	uint64_t t0;

	(void)state;
	port_test_storage_hold(a->pt, BLOB, 1);
	t0 = port_test_clock_mono(a->pt);
	port_test_log_clear(a->pt);
	assert_int_equal(tx(a, "00200080 [" BAD_PIN_HEX "]"), 0x6581);
	assert_int_equal(port_test_clock_mono(a->pt) - t0, 10000);
	assert_non_null(strstr(port_test_log(a->pt), "another process has held its lock"));
	assert_int_equal(tx(a, "00240080 [" PIN_HEX NEW_PIN_HEX "]"), 0x6581);
	assert_int_equal(tx(a, "002C0080 [" PUK_HEX NEW_PIN_HEX "]"), 0x6581);
	mgmt_auth(a); /* reading needs no lock */
	assert_int_equal(tx(a, "00DB3FFF [" CERT_OBJ "]"), 0x6581);
	assert_int_equal(tx(a, "0047009C [AC03800111] 00"), 0x6581);
	sg_error_init(&e);
	assert_int_equal(vcard_create(&a->hal, BLOB, &p, &e), SG_E_IO);
	assert_int_equal(vcard_erase(&a->hal, BLOB, &e), SG_E_IO);
	assert_int_equal(port_test_storage_locked(a->pt), 0);
	port_test_storage_hold(a->pt, BLOB, 0);
	assert_int_equal(tx(a, "00200080"), 0x63C3); /* nothing was spent */
	assert_int_equal(tx(a, "00200080 [" PIN_HEX "]"), 0x9000);
	assert_int_equal(tx(a, "00CB3FFF [5C035FC105] 00"), 0x6A82);
	fx_free(a);
}

/* Reading takes no lock; every change does. */
static void test_changes_take_the_lock(void **state)
{
	struct fx *a = fx_new(&t_base);
	unsigned locks = port_test_storage_lock_calls(a->pt);

	(void)state;
	assert_int_equal(tx(a, "00CB3FFF [5C035FC102] 00"), 0x9000);
	assert_int_equal(tx(a, "00200080"), 0x63C3);
	assert_int_equal(port_test_storage_lock_calls(a->pt), locks);
	assert_int_equal(tx(a, "00200080 [" BAD_PIN_HEX "]"), 0x63C2);
	assert_int_equal(tx(a, "00240080 [" PIN_HEX NEW_PIN_HEX "]"), 0x9000);
	assert_int_equal(tx(a, "002C0080 [" PUK_HEX PIN_HEX "]"), 0x9000);
	mgmt_auth(a);
	assert_int_equal(tx(a, "00DB3FFF [" CERT_OBJ "]"), 0x9000);
	assert_int_equal(port_test_storage_lock_calls(a->pt), locks + 4);
	fx_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apdu_table),
		cmocka_unit_test(test_get_response),
		cmocka_unit_test(test_chaining),
		cmocka_unit_test(test_extended),
		cmocka_unit_test(test_pin_block_and_unblock),
		cmocka_unit_test(test_change_pin_and_puk),
		cmocka_unit_test(test_sign_rsa),
		cmocka_unit_test(test_sign_ec_always_auth),
		cmocka_unit_test(test_generate_then_sign),
		cmocka_unit_test(test_mgmt_algorithms),
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_storage_fault),
		cmocka_unit_test(test_sealing),
		cmocka_unit_test(test_fresh_nonce),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_power),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_devkey_ports),
		cmocka_unit_test(test_mgmt_no_default_key),
		cmocka_unit_test(test_processes_share_tries),
		cmocka_unit_test(test_processes_see_changes),
		cmocka_unit_test(test_erased_under_a_process),
		cmocka_unit_test(test_lock_held_elsewhere),
		cmocka_unit_test(test_changes_take_the_lock),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
