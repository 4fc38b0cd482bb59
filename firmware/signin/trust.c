/* trust.c: see trust.h. */
#define _GNU_SOURCE
#include "trust.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static size_t count(const mbedtls_x509_crt *chain)
{
	size_t n = 0;

	for (; chain && chain->raw.p; chain = chain->next)
		n++;
	return n;
}

sg_err trust_load_certs(mbedtls_x509_crt *chain, const char *path, const char *what,
			struct sg_error *e)
{
	struct stat st;
	size_t before = count(chain);
	int dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	int rc = dir ? mbedtls_x509_crt_parse_path(chain, path)
		     : mbedtls_x509_crt_parse_file(chain, path);

	if (rc < 0 || count(chain) == before)
		return sg_error_set(e, SG_E_CONFIG, "%s %s: no certificate could be read (%s)", what,
				    path,
				    rc == MBEDTLS_ERR_PK_FILE_IO_ERROR ||
						    rc == MBEDTLS_ERR_X509_FILE_IO_ERROR
					    ? strerror(errno ? errno : ENOENT)
					    : "not PEM or DER certificates");
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
			mbedtls_x509_crt_parse_der(pool, t->certs[i].der, t->certs[i].der_len);
}
