/*
 * vcard_cli_admin.c: `signet vcard init | gen-key | import-cert |
 * export-cert | reset`: the commands that make, fill and wipe a card.
 * Everything that needs the management key takes it from the sealed
 * management blob (vcard_cli_mgmt.c) or from --mgmt-key-fd.
 */
#define _GNU_SOURCE
#include "vcard_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "secret_fd.h"
#include "sg_hex.h"
#include "token_piv.h"

#define FILE_MAX 65536

/* ---- management key --------------------------------------------------------- */

/* One line of 32, 48 or 64 hex digits from --mgmt-key-fd: AES-128/192/256. */
static sg_err mgmt_from_fd(int fd, struct vmgmt *m, struct sg_error *e)
{
	char buf[64];
	size_t n = 0;
	sg_err err = secret_fd_line(fd, NULL, (uint8_t *)buf, sizeof(buf), &n, e);

	if (err == SG_E_IO)
		return err;
	if (err || (n != 32 && n != 48 && n != 64)) {
		err = sg_error_set(e, SG_E_INVALID_ARG, "--mgmt-key-fd: one line of 32, 48 or 64 hex digits "
				   "(AES-128, -192, -256)");
		goto out;
	}
	if (sg_hex_decode(buf, n, m->key, n / 2)) {
		err = sg_error_set(e, SG_E_INVALID_ARG, "--mgmt-key-fd: not hex digits");
		goto out;
	}
	m->key_len = n / 2;
	m->alg = n == 32 ? PIV_ALG_AES128 : n == 48 ? PIV_ALG_AES192 : PIV_ALG_AES256;
out:
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return err;
}

/* The stored blob (public keys, and the key unless --mgmt-key-fd gives it). */
static sg_err mgmt_get(struct vcli *v, struct vmgmt *m, struct sg_error *e)
{
	sg_err err = vmgmt_load(&v->c->hal, v->mgmt_blob, m, v->mgmt_fd >= 0 ? NULL : e);

	if (v->mgmt_fd < 0)
		return err;
	if (err) /* no blob: start one with the given key */
		memset(m, 0, sizeof(*m));
	return mgmt_from_fd(v->mgmt_fd, m, e);
}

static sg_err mgmt_auth(struct vcli *v, const struct vmgmt *m, struct sg_error *e)
{
	return piv_mgmt_auth(&v->dev, m->alg, m->key, m->key_len, e);
}

/* ---- files ----------------------------------------------------------------- */

static sg_err write_file(const char *path, const uint8_t *b, size_t n, struct sg_error *e)
{
	int fd = 1, rc = 0;

	if (path && strcmp(path, "-")) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return sg_error_set(e, SG_E_IO, "%s: %s", path, strerror(errno));
	}
	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = -1;
			break;
		}
		b += w;
		n -= (size_t)w;
	}
	if (fd != 1 && close(fd) != 0)
		rc = -1;
	if (rc)
		return sg_error_set(e, SG_E_IO, "cannot write %s: %s", path ? path : "the output",
				    strerror(errno));
	return SG_OK;
}

static sg_err read_file(const char *path, uint8_t **buf, size_t *len, struct sg_error *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	*buf = NULL;
	if (fd < 0)
		return sg_error_set(e, SG_E_IO, "%s: %s", path, strerror(errno));
	*buf = calloc(1, FILE_MAX + 1);
	if (!*buf) {
		close(fd);
		return sg_error_set(e, SG_E_NOMEM, NULL);
	}
	for (;;) {
		ssize_t r = read(fd, *buf + n, FILE_MAX - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == FILE_MAX) {
			close(fd);
			return sg_error_set(e, SG_E_INVALID_ARG, "%s: larger than %d bytes", path, FILE_MAX);
		}
	}
	close(fd);
	(*buf)[n] = 0; /* mbedtls_x509_crt_parse wants PEM NUL-terminated */
	*len = n;
	return SG_OK;
}

/* ---- init ------------------------------------------------------------------- */

int vcli_init(struct vcli *v)
{
	static const char *const prompts[] = {"New PIN", "New PUK"};
	static const int confirm[] = {1, 1};
	struct vcard_params p = {0};
	struct pin s[2];
	struct vmgmt m;
	struct sg_error e;
	uint8_t probe[8];
	size_t pl = sizeof(probe);
	int rc = 0, hrc;

	memset(s, 0, sizeof(s));
	memset(&m, 0, sizeof(m));
	sg_error_init(&e);
	hrc = hal_storage_read(&v->c->hal.storage, v->blob, probe, &pl);
	if ((hrc == HAL_OK || hrc == HAL_ENOMEM) && !v->force) {
		rc = cli_usage_error(v->c, "virtual card '%s' exists; --force replaces it (its keys "
				     "and certificates are lost)", v->name);
		goto out;
	}
	if (v->mgmt_fd >= 0) {
		if (mgmt_from_fd(v->mgmt_fd, &m, &e))
			goto fail;
	} else {
		/* A fresh random AES-128 key that nobody ever sees. */
		m.alg = PIV_ALG_AES128;
		m.key_len = 16;
		if (hal_rng_fill(&v->c->hal.rng, m.key, m.key_len) != HAL_OK) {
			sg_error_set(&e, SG_E_IO, "no random numbers from the device");
			goto fail;
		}
	}
	if (vcli_secrets(v, 2, prompts, confirm, s, &e))
		goto fail;
	/* The management blob first: a card without it could not be filled. */
	if (vmgmt_save(&v->c->hal, v->mgmt_blob, &m, &e))
		goto fail;
	p.pin = s[0].v;
	p.pin_len = s[0].len;
	p.puk = s[1].v;
	p.puk_len = s[1].len;
	p.mgmt_alg = m.alg;
	p.mgmt_key = m.key;
	p.mgmt_key_len = m.key_len;
	if (vcard_create(&v->c->hal, v->blob, &p, &e))
		goto fail;
	printf("virtual card '%s' created: PIN and PUK set (3 tries each), management key sealed "
	       "on this device, no keys yet.\n"
	       "Next: signet vcard gen-key --name %s --slot 9a --alg p256 --csr FILE --subject "
	       "\"CN=...\"\n", v->name, v->name);
	goto out;
fail:
	rc = cli_fail(v->c, &e);
out:
	pin_wipe(&s[0]);
	pin_wipe(&s[1]);
	vmgmt_wipe(&m);
	mbedtls_platform_zeroize(&p, sizeof(p));
	return rc;
}

/* ---- gen-key ----------------------------------------------------------------- */

/* The PIN just before the CSR's signature (9E needs none). */
static sg_err verify_for_sign(struct vcli *v, struct sg_error *e)
{
	static const char *const prompts[] = {"PIN"};
	static const int confirm[] = {0};
	struct pin p;
	sg_err err;

	if (v->slot->ref == PIV_KEY_CARDAUTH)
		return SG_OK;
	err = vcli_secrets(v, 1, prompts, confirm, &p, e);
	if (!err)
		err = piv_verify(&v->dev, p.v, p.len, e);
	pin_wipe(&p);
	return err;
}

int vcli_gen_key(struct vcli *v)
{
	mbedtls_pk_context pub;
	struct vmgmt m;
	struct sg_error e;
	uint8_t out[4096];
	size_t ol = sizeof(out);
	int rc = 0;

	mbedtls_pk_init(&pub);
	memset(&m, 0, sizeof(m));
	sg_error_init(&e);
	if (!v->alg) {
		rc = cli_usage_error(v->c, "gen-key needs --alg rsa2048 or --alg p256");
		goto out;
	}
	if (v->csr && !v->subject) {
		rc = cli_usage_error(v->c, "--csr needs --subject \"CN=...\"");
		goto out;
	}
	if (vcli_open(v, &e) || mgmt_get(v, &m, &e) || mgmt_auth(v, &m, &e))
		goto fail;
	cli_step(v->c, "generating %s key in slot %02x", v->alg == PIV_ALG_RSA2048 ? "RSA-2048"
											: "P-256",
		 v->slot->ref);
	if (piv_generate(&v->dev, v->slot->ref, v->alg, &pub, &e))
		goto fail;
	if (vmgmt_record_pub(&v->c->hal, v->mgmt_blob, v->slot, &pub, &e))
		goto fail;
	/* The old certificate belongs to the old key: it goes with it. */
	if (piv_put_object(&v->dev, v->slot->obj_tag, NULL, 0, &e))
		goto fail;
	token_piv_cache_forget(&v->c->hal, &v->dev);
	if (v->csr) {
		if (verify_for_sign(v, &e) ||
		    vcsr_make(&v->dev, &v->c->hal.rng, v->slot->ref, &pub, v->subject, v->san, out,
			      &ol, &e) ||
		    write_file(v->csr, out, ol ? ol - 1 : 0, &e))
			goto fail;
		printf("key generated in slot %02x; certificate request written to %s\n", v->slot->ref,
		       v->csr);
	} else {
		if (mbedtls_pk_write_pubkey_pem(&pub, out, sizeof(out)) != 0) {
			sg_error_set(&e, SG_E_INTERNAL, "cannot encode the public key");
			goto fail;
		}
		fputs((const char *)out, stdout);
	}
	goto out;
fail:
	rc = cli_fail(v->c, &e);
out:
	vmgmt_wipe(&m);
	mbedtls_pk_free(&pub);
	vcli_close(v);
	return rc;
}

/* ---- certificates ----------------------------------------------------------- */

int vcli_import_cert(struct vcli *v)
{
	mbedtls_x509_crt crt;
	struct vmgmt m;
	struct sg_error e;
	uint8_t *buf = NULL, spki[VCLI_PUB_MAX];
	size_t len = 0, idx = vmgmt_slot_index(v->slot);
	int rc = 0, n;

	mbedtls_x509_crt_init(&crt);
	memset(&m, 0, sizeof(m));
	sg_error_init(&e);
	if (read_file(v->file, &buf, &len, &e))
		goto fail;
	/* PEM wants its NUL counted; DER must not have it. */
	n = mbedtls_x509_crt_parse(&crt, buf,
				   strstr((char *)buf, "-----BEGIN CERTIFICATE-----") ? len + 1 : len);
	if (n != 0) {
		sg_error_set(&e, SG_E_CERT_PARSE, "%s: not a PEM or DER certificate (-0x%04x)",
			     v->file, (unsigned)-n);
		goto fail;
	}
	if (vcli_open(v, &e) || mgmt_get(v, &m, &e))
		goto fail;
	n = mbedtls_pk_write_pubkey_der(&crt.pk, spki, sizeof(spki));
	if (!m.pub[idx].len && !v->force) {
		sg_error_set(&e, SG_E_NO_CERT, "no key made by signet vcard gen-key in slot %02x, so "
			     "the certificate cannot be checked against it (--force imports it "
			     "unchecked)", v->slot->ref);
		goto fail;
	}
	if (m.pub[idx].len && (n <= 0 || (size_t)n != m.pub[idx].len ||
			       memcmp(spki + sizeof(spki) - n, m.pub[idx].der, (size_t)n))) {
		sg_error_set(&e, SG_E_SIGNATURE, "%s: its public key is not the key in slot %02x",
			     v->file, v->slot->ref);
		goto fail;
	}
	if (mgmt_auth(v, &m, &e) || piv_put_cert(&v->dev, v->slot->ref, crt.raw.p, crt.raw.len, &e))
		goto fail;
	token_piv_cache_forget(&v->c->hal, &v->dev);
	printf("certificate imported into slot %02x of virtual card '%s'\n", v->slot->ref, v->name);
	goto out;
fail:
	rc = cli_fail(v->c, &e);
out:
	free(buf);
	vmgmt_wipe(&m);
	mbedtls_x509_crt_free(&crt);
	vcli_close(v);
	return rc;
}

int vcli_export_cert(struct vcli *v)
{
	struct sg_error e;
	uint8_t *buf = malloc(PIV_OBJ_MAX), pem[3 * PIV_OBJ_MAX / 2];
	const uint8_t *der;
	size_t len = 0, dl, pl = 0;
	int rc = 0;

	sg_error_init(&e);
	if (!buf) {
		sg_error_set(&e, SG_E_NOMEM, NULL);
		goto fail;
	}
	if (vcli_open(v, &e) || piv_get_object(&v->dev, v->slot->obj_tag, buf, PIV_OBJ_MAX, &len, &e))
		goto fail;
	if (len == 0) {
		sg_error_set(&e, SG_E_NO_CERT, "slot %02x of virtual card '%s' has no certificate",
			     v->slot->ref, v->name);
		goto fail;
	}
	if (piv_object_cert(buf, len, &der, &dl, &e))
		goto fail;
	if (v->der) {
		if (write_file(v->out, der, dl, &e))
			goto fail;
	} else if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
					    "-----END CERTIFICATE-----\n", der, dl, pem, sizeof(pem),
					    &pl) != 0 ||
		   write_file(v->out, pem, pl - 1, &e)) {
		if (!e.code)
			sg_error_set(&e, SG_E_INTERNAL, "PEM encoding failed");
		goto fail;
	}
	goto out;
fail:
	rc = cli_fail(v->c, &e);
out:
	free(buf);
	vcli_close(v);
	return rc;
}

/* ---- reset ------------------------------------------------------------------ */

int vcli_reset(struct vcli *v)
{
	struct sg_error e;
	sg_err r1;
	int r2;

	sg_error_init(&e);
	if (!v->yes) {
		char answer[16] = "";

		if (!isatty(0))
			return cli_usage_error(v->c, "reset erases virtual card '%s' and its keys; "
					       "confirm with --yes", v->name);
		fprintf(stderr, "Erase virtual card '%s' with its keys and certificates? Type "
			"'yes': ", v->name);
		if (!fgets(answer, sizeof(answer), stdin) || strcmp(answer, "yes\n")) {
			sg_error_set(&e, SG_E_PIN_CANCELLED, "nothing erased");
			return cli_fail(v->c, &e);
		}
	}
	/* Under the card's lock: a `vcard serve` of it never writes it back. */
	r1 = vcard_erase(&v->c->hal, v->blob, NULL);
	r2 = hal_storage_remove(&v->c->hal.storage, v->mgmt_blob);
	if (r1 == SG_E_NO_CARD && r2 == HAL_ENOENT) {
		sg_error_set(&e, SG_E_NO_CARD, "no virtual card '%s'", v->name);
		return cli_fail(v->c, &e);
	}
	if ((r1 != SG_OK && r1 != SG_E_NO_CARD) || (r2 != HAL_OK && r2 != HAL_ENOENT)) {
		sg_error_set(&e, SG_E_IO, "cannot remove the state of virtual card '%s'", v->name);
		return cli_fail(v->c, &e);
	}
	printf("virtual card '%s' erased\n", v->name);
	return 0;
}
