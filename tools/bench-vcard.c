/*
 * bench-vcard.c: `make bench`, the virtual card in-process. On the card
 * "vcard-NAME" (made by vcard-mkcard: RSA-2048 in 9A, P-256 in 9C):
 *   - raw: vcard_transmit() of GENERAL AUTHENTICATE on a ready block (RSA:
 *     the padded 256 bytes; EC: the hash), after one VERIFY (9A) or with a
 *     VERIFY before each signature (9C is PIN-always);
 *   - signet: token_sign() through the PIV backend (token_piv) over the
 *     in-process reader (vcard_reader), the path `signet` takes with no
 *     pcscd; for 9C a token_login() before each signature, as the CLI does.
 * Rounds alternate raw and signet batches; medians are printed with the
 * ratio signet / raw. The PIN comes on fd PIN-FD (a test card's PIN).
 *
 * usage: bench-vcard NAME PIN-FD [ROUNDS] [BATCH]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "board.h"
#include "sig.h"
#include "token_piv.h"
#include "vcard.h"
#include "vcard_reader.h"

static uint8_t resp[VCARD_RESP_MAX + 2];

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint16_t tx(struct vcard *card, const uint8_t *cmd, size_t len)
{
	size_t n = vcard_transmit(card, cmd, len, resp, sizeof(resp));

	return n >= 2 ? (uint16_t)(resp[n - 2] << 8 | resp[n - 1]) : 0;
}

static int verify(struct vcard *card, const char *pin, size_t len)
{
	uint8_t cmd[13] = {0x00, 0x20, 0x00, 0x80, 0x08};
	int ok;

	memset(cmd + 5, 0xFF, 8);
	memcpy(cmd + 5, pin, len);
	ok = tx(card, cmd, sizeof(cmd)) == 0x9000;
	mbedtls_platform_zeroize(cmd, sizeof(cmd));
	return ok ? 0 : -1;
}

/* GENERAL AUTHENTICATE 7C{82 00, 81 <in>} with short-APDU chaining. */
static int gen_auth(struct vcard *card, uint8_t alg, uint8_t ref, const uint8_t *in, size_t il)
{
	uint8_t data[300], cmd[300];
	size_t n = 0, off = 0;

	size_t inner = 2 + (il > 127 ? 4 : 2) + il;

	data[n++] = 0x7C;
	if (inner > 127)
		data[n++] = 0x82, data[n++] = (uint8_t)(inner >> 8), data[n++] = (uint8_t)inner;
	else
		data[n++] = (uint8_t)inner;
	data[n++] = 0x82, data[n++] = 0x00, data[n++] = 0x81;
	if (il > 127)
		data[n++] = 0x82, data[n++] = (uint8_t)(il >> 8), data[n++] = (uint8_t)il;
	else
		data[n++] = (uint8_t)il;
	memcpy(data + n, in, il);
	n += il;
	while (off < n) {
		size_t chunk = n - off > 255 ? 255 : n - off;
		uint16_t sw;

		cmd[0] = off + chunk < n ? 0x10 : 0x00;
		cmd[1] = 0x87, cmd[2] = alg, cmd[3] = ref, cmd[4] = (uint8_t)chunk;
		memcpy(cmd + 5, data + off, chunk);
		cmd[5 + chunk] = 0x00;
		sw = tx(card, cmd, chunk + 6);
		off += chunk;
		if (off < n ? sw != 0x9000 : (sw != 0x9000 && (sw & 0xFF00) != 0x6100))
			return -1;
	}
	return 0;
}

static int read_pin(int fd, char *pin, size_t cap, size_t *len)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	size_t l;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	l = strcspn(buf, "\r\n");
	if (l < 6 || l > 8 || l >= cap)
		return -1;
	memcpy(pin, buf, l);
	*len = l;
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return 0;
}

struct slot {
	const char *what;
	uint8_t ref, alg;
	int always; /* PIN-always: a VERIFY / login before each signature */
};

int main(int argc, char **argv)
{
	static const struct slot slots[] = {
		{"RSA-2048 PKCS#1 v1.5", 0x9A, VCARD_ALG_RSA2048, 0},
		{"ECDSA P-256", 0x9C, VCARD_ALG_ECCP256, 1},
	};
	struct board_opts bo = {.log_ident = "bench-vcard", .log_level = HAL_LOG_ERR,
				.tty_path = "/nonexistent", .headless = 1};
	struct hal hal;
	struct hal_card reader;
	struct vcard *card = NULL;
	struct token *t = NULL;
	struct sg_error e;
	struct pin_policy pol;
	char blob[80], pin[16];
	size_t pin_len;
	uint8_t hash[32], block[256], sig[SIG_MAX];
	double raw_ms[1000], sig_ms[1000];
	int rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: bench-vcard NAME PIN-FD [ROUNDS] [BATCH]\n");
		return 2;
	}
	int rounds = argc > 3 ? atoi(argv[3]) : 15, batch = argc > 4 ? atoi(argv[4]) : 20;
	if (rounds < 1 || rounds > 1000 || batch < 1 || batch > 100000)
		return 2;
	if (read_pin(atoi(argv[2]), pin, sizeof(pin), &pin_len))
		return 2;
	snprintf(blob, sizeof(blob), "vcard-%s", argv[1]);
	sg_error_init(&e);
	pin_policy_default(&pol);
	pol.digits_only = 0;
	if (board_open(&hal, &bo) != HAL_OK)
		return 1;
	if (vcard_open(&hal, blob, &card, &e)) {
		fprintf(stderr, "bench-vcard: %s\n", e.detail);
		goto out;
	}
	vcard_reader_device(&reader, card, NULL);
	if (token_piv_open_card(&hal, &reader, NULL, &t, &e)) {
		fprintf(stderr, "bench-vcard: PIV token: %s\n", e.detail);
		goto out;
	}
	memset(hash, 0x5A, sizeof(hash));
	memset(block, 0xFF, sizeof(block)); /* a well-formed PKCS#1 type 1 block */
	block[0] = 0x00, block[1] = 0x01, block[200] = 0x00;
	memset(block + 201, 0x33, sizeof(block) - 201);
	for (size_t s = 0; s < sizeof(slots) / sizeof(slots[0]); s++) {
		const struct slot *sl = &slots[s];
		size_t ci = t->n_certs;
		enum token_sig kind;

		for (size_t i = 0; i < t->n_certs; i++)
			if (t->certs[i].id_len == 1 && t->certs[i].id[0] == sl->ref)
				ci = i;
		if (ci == t->n_certs) {
			fprintf(stderr, "bench-vcard: no certificate for key %02X\n", sl->ref);
			goto out;
		}
		kind = token_sig_for(&t->certs[ci], 0);
		for (int r = 0; r < rounds; r++) {
			double t0 = now_ms(), t1, t2;

			if (!sl->always && verify(card, pin, pin_len))
				goto out;
			for (int i = 0; i < batch; i++) {
				if ((sl->always && verify(card, pin, pin_len)) ||
				    gen_auth(card, sl->alg, sl->ref, sl->always ? hash : block,
					     sl->always ? sizeof(hash) : sizeof(block))) {
					fprintf(stderr, "bench-vcard: raw sign failed (%02X)\n", sl->ref);
					goto out;
				}
			}
			t1 = now_ms();
			for (int i = 0; i < batch; i++) {
				size_t slen = sizeof(sig);
				struct pin p;

				if (sl->always || i == 0) {
					if (pin_from_buffer(&pol, (const uint8_t *)pin, pin_len, &p, &e) ||
					    token_login(t, &pol, &p, &e))
						goto fail;
				}
				if (token_sign(t, ci, kind, hash, sizeof(hash), sig, &slen, &e))
					goto fail;
			}
			t2 = now_ms();
			token_logout(t);
			raw_ms[r] = (t1 - t0) / batch;
			sig_ms[r] = (t2 - t1) / batch;
		}
		{
			double mr = median(raw_ms, rounds), ms = median(sig_ms, rounds);

			printf("%-22s in-process: vcard GENERAL AUTHENTICATE%s %.3f ms | signet "
			       "token_piv over vcard_reader%s %.3f ms (ratio %.3f) [median of %d "
			       "rounds x %d]\n",
			       sl->what, sl->always ? " + VERIFY" : "", mr,
			       sl->always ? " (login + sign)" : "", ms, ms / mr, rounds, batch);
		}
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "bench-vcard: signet sign failed: %s\n", e.detail);
out:
	mbedtls_platform_zeroize(pin, sizeof(pin));
	token_close(t);
	vcard_close(card);
	board_close(&hal);
	return rc;
}
