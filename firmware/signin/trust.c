/* trust.c: see trust.h. */
#define _GNU_SOURCE
#include "trust.h"

#include <errno.h>
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

sg_err trust_load_crl(mbedtls_x509_crl *crls, const char *path, const char *what,
		      struct sg_error *e)
{
	if (mbedtls_x509_crl_parse_file(crls, path) != 0)
		return sg_error_set(e, SG_E_CONFIG, "%s %s: not a readable CRL", what, path);
	return SG_OK;
}

void trust_add_token_cas(mbedtls_x509_crt *pool, const struct token *t)
{
	for (size_t i = 0; t && i < t->n_certs; i++)
		if (t->certs[i].is_ca)
			mbedtls_x509_crt_parse_der(pool, t->certs[i].der, t->certs[i].der_len);
}
