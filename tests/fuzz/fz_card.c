/* fz_card.c: the harnesses' virtual card (fz_card.h). */
#define _GNU_SOURCE

#include "fz_card.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/des.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include "vcard_priv.h"

#define FZ_CHECK(cond)                                                          \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "fz_card: set-up failed: %s\n", #cond); \
			__builtin_trap();                                       \
		}                                                               \
	} while (0)

#define FZ_CARD_SEED UINT64_C(0x5eedcafe)

/* A key of its own: a card refuses the well-known 01..08 key. */
const uint8_t fz_card_mgmt_key[24] = {8, 7, 6, 5, 4, 3, 2, 1, 8, 7, 6, 5,
				      4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1};

/* Throwaway test keys, made with openssl for this file. */
static const char fz_rsa_pem[] =
	"-----BEGIN RSA PRIVATE KEY-----\n"
	"MIIEpAIBAAKCAQEAwx73wsHYgT97ibbT4bTEneYI5L41Vo0WQcsVtPJ1IcxzhMCG\n"
	"MB02hHx2EglJ4QFNeBZVu5IWw2ilQTgvaFcR2Tai2ZxGenKLHPFg2RXpA3/8yhCd\n"
	"iAbYDg41GaRkhvizw4zAV+Rb7cS9dny5wZOW1KbiI+cfK83sqtj8MoopHG4fT6Bb\n"
	"Ygc5GVnvTE7VGyXBgwBg5z082B03I6zoUSO6vsUBx2s3xZahI4kRzejfz//OAous\n"
	"LiC7Zyib1Vvx80y5WNugGwX2KLNN0IHgIucfomCvVMBCjsLHqwdERx+9zKHVovtc\n"
	"V+0SSJ6qregnNyQczyQ7Eh+5nTxGg/3z841dVQIDAQABAoIBABx97qbmoHigblKE\n"
	"kHmyaE2Nns8sGTogvaxw0nl1jXYYgTvUKHlpIqIDp0gTSXxM24+auf0lpCOiVGiV\n"
	"eD1lDXWpnUESfqt4WL5VXujZjV4rTRytLXEEstLmmd67MHS8Z0o5njKXZXcZq02H\n"
	"K/wg0uhi0BMht4hcIwrVnDS9vlVosSUTnVE6tNQFqmTGCvgMKHpsY5x7i5Kka+Pi\n"
	"6+EYgeKQiW+tIfdoNNR0r8POK/3aux3E/MzHDxB6VHkTVqHVRYCS01sW05K5aQjh\n"
	"/yk5BUUJ+aPj+jMOx2PSPHLn4vYLhwYtOOELadQBYtUhnebJKR58BQhJirSd4v9t\n"
	"wylV9zcCgYEA7VG6o6lGzQMrXlfuXTpufV0ZQl+z3jINmKo3WtCQlfpfe3+pS8iw\n"
	"V69tUJ0GlAKjYY25LnseUoxfRNrn+eseJ+VHcXjZUa54R+B72BMAFd05yObwJS6U\n"
	"YwjjsmHDdr839amCYzJcW9U7iNhGupHHJ/UfePRNqHxTagK1pGEIgRMCgYEA0nrk\n"
	"X8GPmJyQeMBTeWwmkP3mkMNPtiUxqbXfME+o3sR7vtWlXtq9HHjqCFNoUFKGT8Zs\n"
	"LA2r4TI97NoQG3japYlYXEpUO9KjQB8an7lVEGlghVYZiL9rOcRgYon1JxCXvv+v\n"
	"fV5Sj4/Sba5m6AOU++M9SoBWSXqrUXf1E/byXPcCgYEAz6Ejw7CESzWsqdwQpexL\n"
	"Ys8jHFkSyyHLl3fE+mVjOnRVOX2VpsIs1mqbH15itPgh7WXLUIlTHDHH4DwNnTBB\n"
	"r/H/MZ3jtH0KqwgSEhd9iaOFvOmfzUgVdxf97sFt++SMlxf5BcS33XiPn8hpCS4l\n"
	"qiXhpTdJAlHTwPoh5XEnuZUCgYBTj1pO8acybSWl6qS5FciR01rPqdphc46t03hR\n"
	"0641EkgWUPcgGzLstMwklghZqwmLbjjPnHXaJ3oSJ9gxL9+NzGL58MBUJ6GL+U02\n"
	"j/tHUq5xAOeONIA7JM0nEaHz6lB0EUn4OZQJTo254X0VKybggSx6AU1ASqTs6PSx\n"
	"Al7hrQKBgQCF0OEAJXtOHbPRK+0cJ2zlXTtYx9IW96f7DHLyBmdgsJNZcw2OSd6C\n"
	"4AVaY2KJeD4XGhygpDAkF2OnLgdEx1AbzNz8oPyFF1E6pPMq87XFgjLOBHOv0nGe\n"
	"btqrXZmbZvv7LwSRhH24aeK8ITxIVVBu8lhSHI5Bf7O5ADrZhHby4Q==\n"
	"-----END RSA PRIVATE KEY-----\n";

static const char fz_ec_pem[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"MHcCAQEEIAh4Y2vJfcdZe4k9PIKg1B5QEFrFpuVdryoT9nwTQdLooAoGCCqGSM49\n"
	"AwEHoUQDQgAED90NXeINcsO9nDJ9e49Hvt01w0EWT9dA2aQflUFRrCnGMWhk9b4b\n"
	"5DtQn7ZdoX8j5H++AA5LflHkoWKixF0rKQ==\n"
	"-----END EC PRIVATE KEY-----\n";

static mbedtls_pk_context fz_rsa, fz_ec;
static unsigned char fz_ec_sig[MBEDTLS_ECDSA_MAX_LEN];
static size_t fz_ec_sig_len;

typedef int (*fz_ecdsa_write_fn)(mbedtls_ecdsa_context *, mbedtls_md_type_t,
				 const unsigned char *, size_t, unsigned char *, size_t *,
				 int (*)(void *, unsigned char *, size_t), void *);

static int fz_rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x5a, len);
	return 0;
}

static void fz_keys(void)
{
	static const unsigned char h[32] = {1, 2, 3};
	fz_ecdsa_write_fn real =
		(fz_ecdsa_write_fn)(uintptr_t)dlsym(RTLD_NEXT, "mbedtls_ecdsa_write_signature");

	mbedtls_pk_init(&fz_rsa);
	mbedtls_pk_init(&fz_ec);
	FZ_CHECK(mbedtls_pk_parse_key(&fz_rsa, (const unsigned char *)fz_rsa_pem,
				      sizeof(fz_rsa_pem), NULL, 0) == 0);
	FZ_CHECK(mbedtls_pk_parse_key(&fz_ec, (const unsigned char *)fz_ec_pem, sizeof(fz_ec_pem),
				      NULL, 0) == 0);
	/* The one signature every ECDSA "signing" hands out, made for real. */
	FZ_CHECK(real != NULL);
	FZ_CHECK(real(mbedtls_pk_ec(fz_ec), MBEDTLS_MD_SHA256, h, sizeof(h), fz_ec_sig,
		      &fz_ec_sig_len, fz_rng, NULL) == 0);
}

/* ---- the slow math, precomputed ------------------------------------------ */

int mbedtls_rsa_gen_key(mbedtls_rsa_context *ctx, int (*f_rng)(void *, unsigned char *, size_t),
			void *p_rng, unsigned int nbits, int exponent)
{
	(void)f_rng;
	(void)p_rng;
	if (nbits != 2048 || exponent != 65537)
		return MBEDTLS_ERR_RSA_BAD_INPUT_DATA;
	return mbedtls_rsa_copy(ctx, mbedtls_pk_rsa(fz_rsa));
}

int mbedtls_ecp_gen_key(mbedtls_ecp_group_id grp_id, mbedtls_ecp_keypair *key,
			int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
	const mbedtls_ecp_keypair *k = mbedtls_pk_ec(fz_ec);
	int r;

	(void)f_rng;
	(void)p_rng;
	if (grp_id != MBEDTLS_ECP_DP_SECP256R1)
		return MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE;
	r = mbedtls_ecp_group_load(&key->grp, grp_id);
	if (r == 0)
		r = mbedtls_mpi_copy(&key->d, &k->d);
	if (r == 0)
		r = mbedtls_ecp_copy(&key->Q, &k->Q);
	return r;
}

int mbedtls_ecdsa_write_signature(mbedtls_ecdsa_context *ctx, mbedtls_md_type_t md_alg,
				  const unsigned char *hash, size_t hlen, unsigned char *sig,
				  size_t *slen, int (*f_rng)(void *, unsigned char *, size_t),
				  void *p_rng)
{
	(void)ctx;
	(void)md_alg;
	(void)hash;
	(void)hlen;
	(void)f_rng;
	(void)p_rng;
	memcpy(sig, fz_ec_sig, fz_ec_sig_len);
	*slen = fz_ec_sig_len;
	return 0;
}

int mbedtls_rsa_private(mbedtls_rsa_context *ctx, int (*f_rng)(void *, unsigned char *, size_t),
			void *p_rng, const unsigned char *input, unsigned char *output)
{
	mbedtls_mpi t;
	int r;

	(void)f_rng;
	(void)p_rng;
	/* As mbedTLS: the block must be below the modulus. */
	mbedtls_mpi_init(&t);
	r = mbedtls_mpi_read_binary(&t, input, ctx->len);
	if (r == 0 && mbedtls_mpi_cmp_mpi(&t, &ctx->N) >= 0)
		r = MBEDTLS_ERR_MPI_BAD_INPUT_DATA;
	mbedtls_mpi_free(&t);
	if (r != 0)
		return MBEDTLS_ERR_RSA_PRIVATE_FAILED + r;
	memset(output, 0x5a, ctx->len);
	return 0;
}

/* ---- the card ---------------------------------------------------------------- */

static size_t fz_apdu(struct vcard *c, const uint8_t *cmd, size_t n, uint8_t *resp, size_t cap)
{
	return vcard_transmit(c, cmd, n, resp, cap);
}

int fz_card_mgmt_auth(struct vcard *c)
{
	static const uint8_t start[] = {0x00, 0x87, 0x03, 0x9B, 0x04, 0x7C, 0x02, 0x81, 0x00};
	uint8_t resp[64], cmd[5 + 12] = {0x00, 0x87, 0x03, 0x9B, 12, 0x7C, 0x0A, 0x82, 0x08};
	mbedtls_des3_context des;
	size_t n = fz_apdu(c, start, sizeof(start), resp, sizeof(resp));
	int ok;

	/* 7C 0A 81 08 <challenge> 90 00 */
	if (n != 14 || resp[0] != 0x7C || resp[2] != 0x81 || resp[12] != 0x90)
		return 0;
	mbedtls_des3_init(&des);
	ok = mbedtls_des3_set3key_enc(&des, fz_card_mgmt_key) == 0 &&
	     mbedtls_des3_crypt_ecb(&des, resp + 4, cmd + 9) == 0;
	mbedtls_des3_free(&des);
	n = fz_apdu(c, cmd, sizeof(cmd), resp, sizeof(resp));
	return ok && n == 2 && resp[0] == 0x90 && resp[1] == 0x00;
}

/* A key in a slot: 00 47 00 slot AC 03 80 01 alg. */
static void fz_generate(struct vcard *c, uint8_t slot, uint8_t alg)
{
	uint8_t cmd[] = {0x00, 0x47, 0x00, slot, 0x05, 0xAC, 0x03, 0x80, 0x01, alg, 0x00};
	uint8_t resp[600];
	size_t n;

	FZ_CHECK(fz_card_mgmt_auth(c));
	n = fz_apdu(c, cmd, sizeof(cmd), resp, sizeof(resp));
	FZ_CHECK(n >= 2 && (resp[n - 2] == 0x90 || resp[n - 2] == 0x61)); /* 61: more to fetch */
}

/* PUT DATA 5FC105: 53 { 70 <a small DER> 71 00 FE 00 }. */
static void fz_put_cert(struct vcard *c)
{
	static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	uint8_t cmd[64] = {0x00, 0xDB, 0x3F, 0xFF, 0};
	uint8_t resp[16];
	size_t n = 5;

	cmd[n++] = 0x5C;
	cmd[n++] = 3;
	cmd[n++] = 0x5F;
	cmd[n++] = 0xC1;
	cmd[n++] = 0x05;
	cmd[n++] = 0x53;
	cmd[n++] = (uint8_t)(2 + sizeof(der) + 5);
	cmd[n++] = 0x70;
	cmd[n++] = (uint8_t)sizeof(der);
	memcpy(cmd + n, der, sizeof(der));
	n += sizeof(der);
	cmd[n++] = 0x71;
	cmd[n++] = 1;
	cmd[n++] = 0;
	cmd[n++] = 0xFE;
	cmd[n++] = 0;
	cmd[4] = (uint8_t)(n - 5);
	FZ_CHECK(fz_card_mgmt_auth(c));
	FZ_CHECK(fz_apdu(c, cmd, n, resp, sizeof(resp)) == 2 && resp[0] == 0x90);
}

static void fz_setup(struct fz_card *fc)
{
	struct vcard_params p = {"123456", 6, "12345678", 8, VCARD_MGMT_3DES,
				 fz_card_mgmt_key, sizeof(fz_card_mgmt_key), 0, 0, NULL};
	uint8_t pad[8];
	struct vcard *c = NULL;

	fz_keys();
	fc->pt = port_test_new();
	FZ_CHECK(fc->pt);
	port_test_hal(fc->pt, &fc->hal);
	port_test_log_level(fc->pt, HAL_LOG_ERR); /* the log would only grow */
	FZ_CHECK(vcard_create(&fc->hal, FZ_CARD_BLOB, &p, NULL) == SG_OK);
	FZ_CHECK(vcard_open(&fc->hal, FZ_CARD_BLOB, &c, NULL) == SG_OK);
	/* One PBKDF2 iteration: the same code, a thousandth of the cost. */
	FZ_CHECK(vc_begin(c) == SG_OK);
	c->st.iter = 1;
	FZ_CHECK(vc_pad_secret("123456", 6, pad) && vc_secret_set(c, &c->st.pin, pad) == SG_OK);
	FZ_CHECK(vc_pad_secret("12345678", 8, pad) && vc_secret_set(c, &c->st.puk, pad) == SG_OK);
	FZ_CHECK(vc_save(c) == SG_OK);
	vc_end(c);
	fz_generate(c, 0x9C, VCARD_ALG_ECCP256);
	fz_put_cert(c);
	vcard_close(c);
	fc->blob_len = 65536;
	fc->blob = malloc(fc->blob_len);
	FZ_CHECK(fc->blob);
	FZ_CHECK(hal_storage_read(&fc->hal.storage, FZ_CARD_BLOB, fc->blob, &fc->blob_len) ==
		 HAL_OK);
	fc->writes = port_test_storage_writes(fc->pt);
}

struct fz_card *fz_card_get(void)
{
	static struct fz_card fc;

	if (!fc.pt)
		fz_setup(&fc);
	return &fc;
}

struct vcard *fz_card_open(struct fz_card *fc)
{
	struct vcard *c = NULL;

	port_test_rng_seed(fc->pt, FZ_CARD_SEED);
	port_test_log_clear(fc->pt);
	/* The state goes back only when an input wrote it. */
	if (port_test_storage_writes(fc->pt) != fc->writes) {
		FZ_CHECK(hal_storage_write(&fc->hal.storage, FZ_CARD_BLOB, fc->blob,
					   fc->blob_len) == HAL_OK);
		fc->writes = port_test_storage_writes(fc->pt);
	}
	FZ_CHECK(vcard_open(&fc->hal, FZ_CARD_BLOB, &c, NULL) == SG_OK);
	return c;
}
