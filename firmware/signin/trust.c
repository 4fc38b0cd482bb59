/* trust.c: see trust.h. */
#define _GNU_SOURCE
#include "trust.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/error.h>
#include <mbedtls/pem.h>

#define TRUST_MAX_FILE (4u * 1024u * 1024u) /* bytes of one certificate file */

/* What one load found. */
struct found {
	size_t blocks; /* certificates met (DER, or PEM blocks) */
	size_t parsed;
	int rc;        /* mbedTLS's first error */
	int subject;    /* trust_load_subject: the first certificate is the subject */
	uint8_t *first; /* ... copied here (malloc), the others join the pool */
	size_t first_len;
};

static void one(mbedtls_x509_crt *chain, struct path_unread *u, struct found *f,
		const uint8_t *der, size_t len)
{
	int rc;

	if (f->subject && !f->blocks++) {
		if ((f->first = malloc(len)) != NULL) {
			memcpy(f->first, der, len);
			f->first_len = len;
		}
		return;
	}
	if (!f->subject)
		f->blocks++;
	rc = path_parse_der(chain, u, der, len);
	if (rc == 0)
		f->parsed++;
	else if (rc < 0 && !f->rc)
		f->rc = rc;
	else if (rc == 1 && !f->rc && u && u->n)
		f->rc = u->c[u->n - 1].rc;
}

/* The certificates of one file (PEM blocks, or one DER certificate). */
static int load_file(mbedtls_x509_crt *chain, struct path_unread *u, struct found *f,
		     const char *path)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	size_t len;
	long sz;

	if (!fp)
		return -errno;
	if (fseek(fp, 0, SEEK_END) || (sz = ftell(fp)) < 0 || (size_t)sz > TRUST_MAX_FILE ||
	    fseek(fp, 0, SEEK_SET) || !(buf = malloc((size_t)sz + 1))) {
		fclose(fp);
		return -EFBIG;
	}
	len = fread(buf, 1, (size_t)sz, fp);
	fclose(fp);
	buf[len] = '\0';
	if (strstr((char *)buf, "-----BEGIN CERTIFICATE-----")) {
		for (const unsigned char *p = buf; *p;) {
			mbedtls_pem_context pem;
			size_t used = 0;
			int rc;

			mbedtls_pem_init(&pem);
			rc = mbedtls_pem_read_buffer(&pem, "-----BEGIN CERTIFICATE-----",
						     "-----END CERTIFICATE-----", p, NULL, 0, &used);
			if (!rc)
				one(chain, u, f, pem.buf, pem.buflen);
			mbedtls_pem_free(&pem);
			if (rc == MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT || !used)
				break;
			p += used;
		}
	} else if (len > 1 && buf[0] == 0x30) {
		one(chain, u, f, buf, len);
	}
	free(buf);
	return 0;
}

static int load_path(mbedtls_x509_crt *chain, struct path_unread *u, struct found *f,
		     const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char file[4096];

	if (stat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return load_file(chain, u, f, path);
	if (!(d = opendir(path)))
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (snprintf(file, sizeof(file), "%s/%s", path, de->d_name) >= (int)sizeof(file) ||
		    stat(file, &st) || !S_ISREG(st.st_mode))
			continue;
		(void)load_file(chain, u, f, file);
	}
	closedir(d);
	return 0;
}

static sg_err load(mbedtls_x509_crt *chain, struct path_unread *u, int need_parsed,
		   const char *path, const char *what, struct found *f, struct sg_error *e)
{
	int rc = load_path(chain, u, f, path);

	if (rc < 0)
		return sg_error_set(e, SG_E_CONFIG, "%s %s: no certificate could be read (%s)", what,
				    path, strerror(-rc));
	if (!f->blocks)
		return sg_error_set(e, SG_E_CONFIG, "%s %s: no certificate could be read (%s)", what,
				    path, "not PEM or DER certificates");
	if (need_parsed && !f->parsed) {
		char why[160];

		mbedtls_strerror(f->rc, why, sizeof(why));
		return sg_error_set(e, SG_E_CONFIG, "%s %s: no certificate could be read (%s)", what,
				    path, why);
	}
	return SG_OK;
}

sg_err trust_load_certs(mbedtls_x509_crt *chain, const char *path, const char *what,
			struct sg_error *e)
{
	struct found f = {0};
	sg_err err = load(chain, NULL, 1, path, what, &f, e);

	free(f.first);
	return err;
}

sg_err trust_load_pool(mbedtls_x509_crt *pool, struct path_unread *u, const char *path,
		       const char *what, struct sg_error *e)
{
	struct found f = {0};
	sg_err err = load(pool, u, 0, path, what, &f, e);

	free(f.first);
	return err;
}

sg_err trust_load_subject(const char *path, const char *what, uint8_t **der, size_t *len,
			  mbedtls_x509_crt *pool, struct path_unread *u, struct sg_error *e)
{
	struct found f = {.subject = 1};
	sg_err err = load(pool, u, 0, path, what, &f, e);

	if (!err && !f.first)
		err = sg_error_set(e, SG_E_NOMEM, NULL);
	if (err) {
		free(f.first);
		return err;
	}
	*der = f.first;
	*len = f.first_len;
	return SG_OK;
}

/* A CRL file larger than this is not one a device should hold. */
#define TRUST_CRL_FILE_MAX (64u << 20)

sg_err trust_load_crl(struct crl_list *crls, const char *path, const char *what,
		      struct sg_error *e)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	struct sg_error why;
	long n = -1;
	sg_err err;

	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    (unsigned long)n <= TRUST_CRL_FILE_MAX && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	if (!buf)
		return sg_error_set(e, SG_E_CONFIG, "%s %s: not a readable CRL (%s)", what, path,
				    !f ? strerror(errno ? errno : ENOENT)
				    : n > 0 ? "cannot be read, or larger than 64 MiB"
					    : "empty");
	sg_error_init(&why);
	err = crl_list_add(crls, buf, (size_t)n, &why);
	free(buf);
	if (err)
		return sg_error_set(e, SG_E_CONFIG, "%s %s: not a readable CRL (%s)", what, path,
				    why.detail);
	return SG_OK;
}

void trust_add_token_cas(mbedtls_x509_crt *pool, const struct token *t)
{
	for (size_t i = 0; t && i < t->n_certs; i++)
		if (t->certs[i].is_ca)
			(void)path_parse_der(pool, NULL, t->certs[i].der, t->certs[i].der_len);
}
