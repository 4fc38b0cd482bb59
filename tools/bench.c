/*
 * bench.c: `make bench`. On one token, in one run:
 *   - raw PKCS#11: C_SignInit + C_Sign on a ready DigestInfo / hash, the
 *     cheapest a signature can be through the module;
 *   - signet: token_sign() (and the whole challenge: SHA-256 + token_sign)
 *     through the token layer;
 *   - PIN-to-verified: login, sign a fresh challenge, verify with the
 *     certificate (mbedTLS), logout.
 * Rounds alternate raw and signet batches so that machine noise hits both;
 * the median of the rounds is reported with the ratio signet / raw.
 *
 * usage: bench MODULE TOKEN-URI PIN-FD [ROUNDS] [BATCH]
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
#include "token_p11.h"

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

struct raw {
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
};

/* A second session on the same token, logged in, for the raw calls. */
static int raw_open(struct raw *r, void *fnlist, const struct token *t, size_t ci,
		    const struct pin *pin)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16, found = 0;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;

	r->f = fnlist;
	if (r->f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return -1;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		char label[33];
		if (r->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		memcpy(label, ti.label, 32);
		label[32] = 0;
		for (int k = 31; k >= 0 && label[k] == ' '; k--)
			label[k] = 0;
		if (strcmp(label, t->info.label))
			continue;
		if (r->f->C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL, NULL, &r->s) != CKR_OK)
			return -1;
		CK_RV rv = r->f->C_Login(r->s, CKU_USER, (CK_UTF8CHAR_PTR)pin->v, pin->len);
		if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
			return -1;
		CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)},
				       {CKA_ID, (void *)t->certs[ci].id, t->certs[ci].id_len}};
		if (r->f->C_FindObjectsInit(r->s, tmpl, 2) != CKR_OK)
			return -1;
		r->f->C_FindObjects(r->s, &r->key, 1, &found);
		r->f->C_FindObjectsFinal(r->s);
		return found == 1 ? 0 : -1;
	}
	return -1;
}

static int raw_sign(struct raw *r, enum token_sig kind, const uint8_t *data, size_t len)
{
	CK_MECHANISM m = {kind == TOKEN_SIG_ECDSA ? CKM_ECDSA : CKM_RSA_PKCS, NULL, 0};
	uint8_t sig[SIG_MAX];
	CK_ULONG sl = sizeof(sig);

	if (r->f->C_SignInit(r->s, &m, r->key) != CKR_OK)
		return -1;
	return r->f->C_Sign(r->s, (CK_BYTE_PTR)data, len, sig, &sl) == CKR_OK ? 0 : -1;
}

static int read_pin(int fd, struct pin *pin)
{
	uint8_t buf[80];
	ssize_t n = read(fd, buf, sizeof(buf));
	struct pin_policy pol;

	pin_policy_default(&pol);
	pol.max_len = PIN_MAX_LEN;
	pol.digits_only = 0;
	int rc = n > 0 && pin_from_buffer(&pol, buf, (size_t)n, pin, NULL) == SG_OK ? 0 : -1;
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return rc;
}

int main(int argc, char **argv)
{
	struct board_opts bo = {.log_ident = "bench", .log_level = HAL_LOG_ERR,
				.tty_path = "/nonexistent", .headless = 1};
	struct hal hal;
	struct token *t;
	struct sg_error e;
	struct p11uri uri;
	struct pin pin, pin2;
	struct pin_policy pol;
	struct raw raw;
	void *fl, *mod;
	size_t ci;

	if (argc < 4) {
		fprintf(stderr, "usage: bench MODULE TOKEN-URI PIN-FD [ROUNDS] [BATCH]\n");
		return 2;
	}
	int rounds = argc > 4 ? atoi(argv[4]) : 15, batch = argc > 5 ? atoi(argv[5]) : 100;
	if (rounds < 1 || rounds > 1000 || batch < 1 || batch > 100000)
		return 2;
	double raw_ms[1000], sig_ms[1000], chal_ms[1000], p2v_ms[1000];

	sg_error_init(&e);
	if (board_open(&hal, &bo) || read_pin(atoi(argv[3]), &pin) ||
	    p11uri_parse(argv[2], strlen(argv[2]), &uri, &e) ||
	    token_p11_open(&hal, argv[1], &uri, &t, &e) || token_select(t, &ci, &e)) {
		fprintf(stderr, "bench: cannot open the token: %s\n", e.detail);
		return 1;
	}
	pin_policy_default(&pol);
	pol.max_len = PIN_MAX_LEN;
	pol.digits_only = 0;
	pin2 = pin;
	if (token_login(t, &pol, &pin2, &e) || hal_p11_load(&hal.p11, argv[1], &fl, &mod) ||
	    raw_open(&raw, fl, t, ci, &pin)) {
		fprintf(stderr, "bench: cannot log in: %s\n", e.detail);
		return 1;
	}
	enum token_sig kind = token_sig_for(&t->certs[ci], 0);
	uint8_t challenge[32] = {1, 2, 3}, hash[32], data[80], sig[SIG_MAX];
	size_t dlen = sizeof(data), sl;
	sig_sha256(challenge, sizeof(challenge), hash);
	if (kind == TOKEN_SIG_ECDSA) {
		memcpy(data, hash, 32);
		dlen = 32;
	} else {
		sig_digest_info(hash, 32, data, &dlen);
	}

	for (int r = 0; r < rounds; r++) {
		double t0 = now_ms();
		for (int i = 0; i < batch; i++)
			if (raw_sign(&raw, kind, data, dlen))
				return 1;
		double t1 = now_ms();
		for (int i = 0; i < batch; i++) {
			sl = sizeof(sig);
			if (token_sign(t, ci, kind, hash, 32, sig, &sl, &e))
				return 1;
		}
		double t2 = now_ms();
		for (int i = 0; i < batch; i++) {
			sl = sizeof(sig);
			sig_sha256(challenge, sizeof(challenge), hash);
			if (token_sign(t, ci, kind, hash, 32, sig, &sl, &e))
				return 1;
		}
		double t3 = now_ms();
		raw_ms[r] = (t1 - t0) / batch;
		sig_ms[r] = (t2 - t1) / batch;
		chal_ms[r] = (t3 - t2) / batch;
	}
	token_logout(t);
	for (int r = 0; r < rounds; r++) {
		double t0 = now_ms();
		pin2 = pin;
		uint8_t rnd[32];
		sl = sizeof(sig);
		if (token_login(t, &pol, &pin2, &e) || hal_rng_fill(&hal.rng, rnd, 32) != HAL_OK)
			return 1;
		sig_sha256(rnd, 32, hash);
		if (token_sign(t, ci, kind, hash, 32, sig, &sl, &e) ||
		    sig_verify_cert(t->certs[ci].der, t->certs[ci].der_len, kind, hash, 32, sig, sl,
				    &e))
			return 1;
		token_logout(t);
		p2v_ms[r] = now_ms() - t0;
	}
	pin_wipe(&pin);
	double mr = median(raw_ms, rounds), ms = median(sig_ms, rounds),
	       mc = median(chal_ms, rounds), mp = median(p2v_ms, rounds);
	const char *what = kind == TOKEN_SIG_ECDSA ? "ECDSA P-256" : "RSA-2048 PKCS#1 v1.5";
	printf("%-22s raw C_Sign %.4f ms | signet token_sign %.4f ms (ratio %.3f) | "
	       "challenge (SHA-256 + sign) %.4f ms (ratio %.3f) | PIN-to-verified %.3f ms "
	       "[median of %d rounds x %d]\n",
	       what, mr, ms, ms / mr, mc, mc / mr, mp, rounds, batch);
	raw.f->C_Logout(raw.s);
	raw.f->C_CloseSession(raw.s);
	token_close(t);
	hal_p11_unload(&hal.p11, mod);
	board_close(&hal);
	return 0;
}
