/*
 * piv_record.c: the seeds of fuzz_piv. Plays fuzz_piv's flows against the
 * virtual card of tests/fuzz/fz_card.c (with alice's RSA certificate in
 * 9A, bob's EC one in 9C and an RSA key generated into 9A) and writes, per
 * flow, the flow byte and the card's answers in fuzz_piv's input format.
 *
 * Built and run by hand once (see tests/fuzz/gen/README):
 *   piv_record OUTDIR tests/data/alice-rsa.der tests/data/bob-ec.der
 */
#define FZ_PIV_NO_MAIN
#include "../fuzz_piv.c"

#include <stdio.h>

#include "fz_card.h"
#include "vcard_reader.h"

struct rec {
	struct hal_card vr; /* the virtual card's own reader */
	uint8_t flags;
	int caps_read;
	uint8_t out[1 << 16];
	size_t len;
};

static int rec_list(void *ctx, struct hal_reader *r, size_t max, size_t *n)
{
	struct rec *rc = ctx;
	struct fz_card_script s = {.flags = rc->flags};

	return hc_list(&s, r, max, n);
}

static int rec_connect(void *ctx, const char *reader)
{
	struct rec *rc = ctx;

	(void)reader;
	rc->caps_read = 0;
	return hal_card_connect(&rc->vr, "signet virtual card 00");
}

static int rec_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
			size_t *resp_len)
{
	struct rec *rc = ctx;
	int r = hal_card_transmit(&rc->vr, cmd, cmd_len, resp, resp_len);

	if (r == HAL_OK && rc->len + 2 + *resp_len <= sizeof(rc->out)) {
		rc->out[rc->len++] = (uint8_t)(*resp_len >> 8);
		rc->out[rc->len++] = (uint8_t)*resp_len;
		memcpy(rc->out + rc->len, resp, *resp_len);
		rc->len += *resp_len;
	}
	return r;
}

/* Layout 2: the reader tells the ATR, written down as the next answer
 * (once per connect, as fuzz_piv's hc_caps reads it). */
static int rec_caps(void *ctx, struct hal_card_caps *c)
{
	struct rec *rc = ctx;
	int r;

	if ((rc->flags & 3) != 2)
		return HAL_ENOTSUP;
	r = hal_card_caps(&rc->vr, c);
	if (r == HAL_OK && !rc->caps_read) {
		rc->caps_read = 1;
		rc->out[rc->len++] = 0;
		rc->out[rc->len++] = (uint8_t)c->atr_len;
		memcpy(rc->out + rc->len, c->atr, c->atr_len);
		rc->len += c->atr_len;
	}
	return r;
}

static int rec_disconnect(void *ctx, int reset)
{
	struct rec *rc = ctx;

	return hal_card_disconnect(&rc->vr, reset);
}

static const struct hal_card_ops rec_ops = {
	.list = rec_list,
	.wait = hc_wait,
	.connect = rec_connect,
	.transmit = rec_transmit,
	.disconnect = rec_disconnect,
	.caps = rec_caps,
};

static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		abort();
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	static const uint8_t flows[] = {0x00, 0x04, 0x01, 0x02, 0x06, 0x03, 0x40, 0x08, 0x10,
					0x18, 0x20, 0x28, 0x30, 0x38, 0x84, 0xC0, 0x3C,
					0x42, 0x1A, 0x3A};
	static uint8_t rsa_der[4096], ec_der[4096];
	size_t rsa_len, ec_len;

	if (argc != 4)
		return 2;
	rsa_len = slurp(argv[2], rsa_der, sizeof(rsa_der));
	ec_len = slurp(argv[3], ec_der, sizeof(ec_der));
	for (size_t i = 0; i < sizeof(flows); i++) {
		struct fz_card *fc = fz_card_get();
		struct vcard *c = fz_card_open(fc);
		static struct rec rc;
		struct hal_card card = {&rec_ops, &rc};
		struct sg_error e;
		mbedtls_pk_context pub;
		char path[512];
		FILE *f;

		memset(&rc, 0, sizeof(rc));
		vcard_reader_device(&rc.vr, c, NULL);
		rc.flags = flows[i];
		/* the card's certificates and an RSA key in 9A, set up unrecorded */
		sg_error_init(&e);
		mbedtls_pk_init(&pub);
		if (hal_card_connect(&rc.vr, "signet virtual card 00") != HAL_OK ||
		    piv_select(&rc.vr, &e) || piv_mgmt_auth(&rc.vr, PIV_ALG_3DES, fz_mgmt_key, 24, &e) ||
		    piv_put_cert(&rc.vr, PIV_KEY_AUTH, rsa_der, rsa_len, &e) ||
		    piv_put_cert(&rc.vr, PIV_KEY_SIGN, ec_der, ec_len, &e) ||
		    piv_mgmt_auth(&rc.vr, PIV_ALG_3DES, fz_mgmt_key, 24, &e) ||
		    piv_generate(&rc.vr, PIV_KEY_AUTH, PIV_ALG_RSA2048, &pub, &e)) {
			fprintf(stderr, "set-up: %s\n", e.detail);
			return 1;
		}
		mbedtls_pk_free(&pub);
		(void)hal_card_disconnect(&rc.vr, 1);
		rc.out[rc.len++] = flows[i];
		piv_flows(&fc->hal, &card, flows[i]);
		snprintf(path, sizeof(path), "%s/flow-%02x", argv[1], flows[i]);
		f = fopen(path, "wb");
		if (!f || fwrite(rc.out, 1, rc.len, f) != rc.len || fclose(f))
			return 1;
		vcard_close(c);
	}
	return 0;
}
