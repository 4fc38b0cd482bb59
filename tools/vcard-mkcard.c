/*
 * vcard-mkcard.c: a virtual card ready for tests and benchmarks, made at
 * the APDU level (the way any PIV management tool would make it):
 *   - vcard_create() with the PIN and PUK read from standard input (two
 *     lines: a test card's secrets, never argv) and a random AES-128
 *     management key made by the card (there is no default key);
 *   - management-key authentication, GENERATE ASYMMETRIC KEY PAIR for
 *     RSA-2048 in 9A and ECC P-256 in 9C;
 *   - certificates for both keys (subject CN=<cn>, subjectAltName
 *     sip:<cn>@example.test, clientAuth) issued by a fresh test CA
 *     (P-256), written with PUT DATA.
 * Files written to OUTDIR: ca.pem, cert-9a.der, cert-9c.der,
 * mgmt-key.hex (0600: the management key as one line of hex, the form
 * `signet vcard ... --mgmt-key-fd` reads, for tests that manage the card)
 * and ca.key (0600: the test CA's key, PEM, for tests that sign CRLs).
 *
 * usage: vcard-mkcard NAME OUTDIR [CN]   (blob "vcard-NAME" in the Linux
 *        port's state directory: $SIGNET_STATE_DIR, $SIGNET_DEVICE_KEY)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/aes.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include "board.h"
#include "vcard.h"

#define RESP_CAP 65538

static uint8_t resp[RESP_CAP];

static uint16_t sw_of(const uint8_t *r, size_t n)
{
	return n >= 2 ? (uint16_t)(r[n - 2] << 8 | r[n - 1]) : 0;
}

/* One command; 61xx answers are fetched with GET RESPONSE into out. */
static uint16_t tx(struct vcard *card, const uint8_t *cmd, size_t len, uint8_t *out, size_t cap,
		   size_t *out_len)
{
	static const uint8_t get_resp[5] = {0x00, 0xC0, 0x00, 0x00, 0x00};
	size_t n = vcard_transmit(card, cmd, len, resp, sizeof(resp)), have = 0;
	uint16_t sw = sw_of(resp, n);

	for (;;) {
		if (out && have + n - 2 <= cap) {
			memcpy(out + have, resp, n - 2);
			have += n - 2;
		}
		if ((sw & 0xFF00) != 0x6100)
			break;
		n = vcard_transmit(card, get_resp, sizeof(get_resp), resp, sizeof(resp));
		sw = sw_of(resp, n);
	}
	if (out_len)
		*out_len = have;
	return sw;
}

/* An extended-length APDU (the card takes them; keeps this tool simple). */
static uint16_t tx_ext(struct vcard *card, uint8_t ins, uint8_t p1, uint8_t p2,
		       const uint8_t *data, size_t dl, uint8_t *out, size_t cap, size_t *out_len)
{
	static uint8_t cmd[VCARD_CMD_MAX + 16];
	size_t n = 0;

	if (dl > VCARD_CMD_MAX)
		return 0;
	cmd[n++] = 0x00;
	cmd[n++] = ins;
	cmd[n++] = p1;
	cmd[n++] = p2;
	cmd[n++] = 0x00;
	cmd[n++] = (uint8_t)(dl >> 8);
	cmd[n++] = (uint8_t)dl;
	memcpy(cmd + n, data, dl);
	n += dl;
	cmd[n++] = 0x00;
	cmd[n++] = 0x00;
	return tx(card, cmd, n, out, cap, out_len);
}

/* Single authentication with the card's AES-128 management key. */
static int mgmt_auth(struct vcard *card, const uint8_t key[16])
{
	uint8_t d[20] = {0x7C, 0x02, 0x81, 0x00}, out[32];
	mbedtls_aes_context aes;
	size_t n;
	int r;

	if (tx_ext(card, 0x87, VCARD_MGMT_AES128, 0x9B, d, 4, out, sizeof(out), &n) != 0x9000 ||
	    n != 20 || out[2] != 0x81 || out[3] != 16)
		return -1;
	d[1] = 0x12, d[2] = 0x82, d[3] = 0x10;
	mbedtls_aes_init(&aes);
	r = mbedtls_aes_setkey_enc(&aes, key, 128) ||
	    mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, out + 4, d + 4);
	mbedtls_aes_free(&aes);
	return !r && tx_ext(card, 0x87, VCARD_MGMT_AES128, 0x9B, d, 20, NULL, 0, NULL) == 0x9000
		       ? 0
		       : -1;
}

/* text as DIR/name in a file only its owner reads. */
static int write_secret(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* The key as `--mgmt-key-fd` reads it. */
static int write_key(const char *dir, const uint8_t key[16])
{
	char hex[34];
	int r;

	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	hex[32] = '\n';
	hex[33] = '\0';
	r = write_secret(dir, "mgmt-key.hex", hex);
	mbedtls_platform_zeroize(hex, sizeof(hex));
	return r;
}

/* The test CA's key as ca.key (PEM), for tests that sign CRLs with openssl. */
static int write_ca_key(const char *dir, mbedtls_pk_context *key)
{
	unsigned char pem[1024];
	int r = mbedtls_pk_write_key_pem(key, pem, sizeof(pem)) ||
		write_secret(dir, "ca.key", (const char *)pem);

	mbedtls_platform_zeroize(pem, sizeof(pem));
	return r;
}

/* GENERATE in slot ref; the public key into pk. */
static int generate(struct vcard *card, uint8_t ref, uint8_t alg, mbedtls_pk_context *pk)
{
	uint8_t d[5] = {0xAC, 0x03, 0x80, 0x01, alg}, out[512];
	size_t n;

	if (tx_ext(card, 0x47, 0x00, ref, d, sizeof(d), out, sizeof(out), &n) != 0x9000)
		return -1;
	if (alg == VCARD_ALG_RSA2048) {
		/* 7F49 82 0109 { 81 82 0100 n, 82 03 e } */
		if (n != 270 || memcmp(out, "\x7F\x49\x82\x01\x09\x81\x82\x01\x00", 9) ||
		    out[265] != 0x82 || out[266] != 3)
			return -1;
		return mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) ||
		       mbedtls_rsa_import_raw(mbedtls_pk_rsa(*pk), out + 9, 256, NULL, 0, NULL, 0,
					      NULL, 0, out + 267, 3) ||
		       mbedtls_rsa_complete(mbedtls_pk_rsa(*pk));
	}
	/* 7F49 43 { 86 41 04 x y } */
	if (n != 70 || memcmp(out, "\x7F\x49\x43\x86\x41\x04", 6))
		return -1;
	return mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) ||
	       mbedtls_ecp_group_load(&mbedtls_pk_ec(*pk)->grp, MBEDTLS_ECP_DP_SECP256R1) ||
	       mbedtls_ecp_point_read_binary(&mbedtls_pk_ec(*pk)->grp, &mbedtls_pk_ec(*pk)->Q,
					     out + 5, 65);
}

struct ca {
	mbedtls_pk_context key;
	char name[128];
};

/* A certificate for subject_key signed by issuer; DER at *der. */
static int issue(const struct hal *hal, mbedtls_pk_context *subject_key, const char *subject,
		 const struct ca *ca, int is_ca, int serial, const char *cn, uint8_t *buf,
		 size_t cap, const uint8_t **der, size_t *der_len)
{
	mbedtls_x509write_cert w;
	mbedtls_mpi sn;
	int r, n;

	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&sn);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, subject_key);
	mbedtls_x509write_crt_set_issuer_key(&w, (mbedtls_pk_context *)&ca->key);
	r = mbedtls_mpi_lset(&sn, serial) || mbedtls_x509write_crt_set_serial(&w, &sn) ||
	    mbedtls_x509write_crt_set_subject_name(&w, subject) ||
	    mbedtls_x509write_crt_set_issuer_name(&w, ca->name) ||
	    mbedtls_x509write_crt_set_validity(&w, "20240101000000", "20491231235959") ||
	    mbedtls_x509write_crt_set_basic_constraints(&w, is_ca, -1) ||
	    mbedtls_x509write_crt_set_key_usage(
		    &w, is_ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN
			      : MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
	if (!r && !is_ca) {
		static const uint8_t eku[] = {0x30, 0x0A, 0x06, 0x08, 0x2B, 0x06,
					      0x01, 0x05, 0x05, 0x07, 0x03, 0x02};
		char san_uri[96];
		uint8_t san[128];
		size_t ul;

		snprintf(san_uri, sizeof(san_uri), "sip:%s@example.test", cn);
		ul = strlen(san_uri);
		/* SEQUENCE { [6] uniformResourceIdentifier } */
		san[0] = 0x30, san[1] = (uint8_t)(ul + 2), san[2] = 0x86, san[3] = (uint8_t)ul;
		memcpy(san + 4, san_uri, ul);
		r = mbedtls_x509write_crt_set_extension(&w, MBEDTLS_OID_SUBJECT_ALT_NAME,
							MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
							san, ul + 4) ||
		    mbedtls_x509write_crt_set_extension(&w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
							MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE),
							0, eku, sizeof(eku));
	}
	n = r ? -1 : mbedtls_x509write_crt_der(&w, buf, cap, hal_rng_mbedtls, (void *)&hal->rng);
	mbedtls_x509write_crt_free(&w);
	mbedtls_mpi_free(&sn);
	if (n <= 0)
		return -1;
	*der = buf + cap - (size_t)n;
	*der_len = (size_t)n;
	return 0;
}

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[1024];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* PUT DATA of a certificate object: 5C 03 <tag> 53 { 70 cert, 71 00, FE 00 } */
static int put_cert(struct vcard *card, uint32_t tag, const uint8_t *der, size_t len)
{
	static uint8_t d[VCARD_CMD_MAX];
	size_t inner = 4 + len + 3 + 2, n = 0;

	if (len > 2000)
		return -1;
	d[n++] = 0x5C, d[n++] = 0x03;
	d[n++] = (uint8_t)(tag >> 16), d[n++] = (uint8_t)(tag >> 8), d[n++] = (uint8_t)tag;
	d[n++] = 0x53, d[n++] = 0x82, d[n++] = (uint8_t)(inner >> 8), d[n++] = (uint8_t)inner;
	d[n++] = 0x70, d[n++] = 0x82, d[n++] = (uint8_t)(len >> 8), d[n++] = (uint8_t)len;
	memcpy(d + n, der, len);
	n += len;
	d[n++] = 0x71, d[n++] = 0x01, d[n++] = 0x00;
	d[n++] = 0xFE, d[n++] = 0x00;
	return tx_ext(card, 0xDB, 0x3F, 0xFF, d, n, NULL, 0, NULL) == 0x9000 ? 0 : -1;
}

/* Reads "PIN\nPUK\n" from stdin; each 6 to 8 characters. */
static int read_secrets(char pin[16], char puk[16])
{
	char buf[64];
	size_t n = fread(buf, 1, sizeof(buf) - 1, stdin), a, b;
	int r = -1;

	buf[n] = '\0';
	a = strcspn(buf, "\n");
	b = a < n ? strcspn(buf + a + 1, "\n") : 0;
	if (a >= 1 && a < 16 && b >= 1 && b < 16) {
		memcpy(pin, buf, a);
		pin[a] = '\0';
		memcpy(puk, buf + a + 1, b);
		puk[b] = '\0';
		r = 0;
	}
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return r;
}

int main(int argc, char **argv)
{
	struct board_opts bo = {.log_ident = "vcard-mkcard", .log_level = HAL_LOG_WARN,
				.tty_path = "/nonexistent", .headless = 1};
	static uint8_t buf_ca[2048], buf_a[2048], buf_c[2048];
	char blob[80], pin[16], puk[16], subj[160];
	uint8_t mkey[32];
	const uint8_t *der;
	size_t dl;
	struct ca ca;
	mbedtls_pk_context ka, kc;
	struct vcard_params p;
	struct vcard *card = NULL;
	struct sg_error e;
	struct hal hal;
	const char *cn = argc > 3 ? argv[3] : "alice";
	int rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: vcard-mkcard NAME OUTDIR [CN]  (PIN, PUK: lines on stdin)\n");
		return 2;
	}
	if (read_secrets(pin, puk)) {
		fprintf(stderr, "vcard-mkcard: give the PIN and the PUK as two lines on stdin\n");
		return 2;
	}
	mbedtls_pk_init(&ca.key);
	mbedtls_pk_init(&ka);
	mbedtls_pk_init(&kc);
	sg_error_init(&e);
	snprintf(blob, sizeof(blob), "vcard-%s", argv[1]);
	memset(&p, 0, sizeof(p));
	p.pin = pin, p.pin_len = strlen(pin), p.puk = puk, p.puk_len = strlen(puk);
	p.mgmt_alg = VCARD_MGMT_AES128;
	p.mgmt_key_out = mkey; /* no key given: the card makes a random one */
	if (board_open(&hal, &bo) != HAL_OK)
		return 1;
	if (vcard_create(&hal, blob, &p, &e) || vcard_open(&hal, blob, &card, &e)) {
		fprintf(stderr, "vcard-mkcard: %s: %s\n", sg_err_message(e.code), e.detail);
		goto out;
	}
	snprintf(ca.name, sizeof(ca.name), "CN=signet vcard test CA,O=signet tests");
	if (write_key(argv[2], mkey)) {
		fprintf(stderr, "vcard-mkcard: cannot write %s/mgmt-key.hex\n", argv[2]);
		goto out;
	}
	if (mgmt_auth(card, mkey) || generate(card, 0x9A, VCARD_ALG_RSA2048, &ka) ||
	    generate(card, 0x9C, VCARD_ALG_ECCP256, &kc)) {
		fprintf(stderr, "vcard-mkcard: management key or GENERATE failed\n");
		goto out;
	}
	if (mbedtls_pk_setup(&ca.key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(ca.key), hal_rng_mbedtls,
				(void *)&hal.rng)) {
		fprintf(stderr, "vcard-mkcard: cannot make the CA key\n");
		goto out;
	}
	if (issue(&hal, &ca.key, ca.name, &ca, 1, 1, cn, buf_ca, sizeof(buf_ca), &der, &dl)) {
		fprintf(stderr, "vcard-mkcard: cannot make the CA certificate\n");
		goto out;
	}
	{
		unsigned char pem[4096];
		size_t olen = 0;
		static const char head[] = "-----BEGIN CERTIFICATE-----\n",
				  foot[] = "-----END CERTIFICATE-----\n";

		if (mbedtls_pem_write_buffer(head, foot, der, dl, pem, sizeof(pem), &olen) ||
		    write_file(argv[2], "ca.pem", pem, strlen((char *)pem)) ||
		    write_ca_key(argv[2], &ca.key)) {
			fprintf(stderr, "vcard-mkcard: cannot write %s/ca.pem or ca.key\n", argv[2]);
			goto out;
		}
	}
	snprintf(subj, sizeof(subj), "CN=%s,O=signet tests", cn);
	if (issue(&hal, &ka, subj, &ca, 0, 2, cn, buf_a, sizeof(buf_a), &der, &dl) ||
	    put_cert(card, 0x5FC105, der, dl) || write_file(argv[2], "cert-9a.der", der, dl) ||
	    issue(&hal, &kc, subj, &ca, 0, 3, cn, buf_c, sizeof(buf_c), &der, &dl) ||
	    put_cert(card, 0x5FC10A, der, dl) || write_file(argv[2], "cert-9c.der", der, dl)) {
		fprintf(stderr, "vcard-mkcard: cannot issue or store the certificates\n");
		goto out;
	}
	printf("vcard-mkcard: card '%s': RSA-2048 in 9A, P-256 in 9C, certificates for %s\n",
	       argv[1], cn);
	rc = 0;
out:
	mbedtls_platform_zeroize(pin, sizeof(pin));
	mbedtls_platform_zeroize(puk, sizeof(puk));
	mbedtls_platform_zeroize(mkey, sizeof(mkey));
	vcard_close(card);
	mbedtls_pk_free(&ca.key);
	mbedtls_pk_free(&ka);
	mbedtls_pk_free(&kc);
	board_close(&hal);
	return rc;
}
