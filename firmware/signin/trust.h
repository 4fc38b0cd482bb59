/*
 * trust.h: loading what certificate checks trust (anchors, intermediates,
 * CRLs) from files, the one way every command and the PAM module do it.
 */
#ifndef TRUST_H
#define TRUST_H

#include <mbedtls/x509_crt.h>

#include "crl.h"
#include "path.h"
#include "sg_err.h"
#include "token.h"

/* Adds the certificates of a PEM/DER file, or of every file in a
 * directory, to chain, parsed as the path validation wants them
 * (path_parse_der: critical name constraints and policies kept).
 * SG_E_CONFIG "<what> <path>: no certificate could be read (why)" when
 * none was added (why: the file's error, "not PEM or DER certificates",
 * or mbedTLS's reason); what names the flag or setting. For trust
 * anchors. */
sg_err trust_load_certs(mbedtls_x509_crt *chain, const char *path, const char *what,
			struct sg_error *e);

/* The same for intermediates: a certificate mbedTLS cannot parse is no
 * configuration error; it is kept raw in u (u NULL: skipped), where the
 * path validation finds it and fails a path through it with mbedTLS's
 * reason. SG_E_CONFIG only when the file cannot be read or holds no
 * PEM or DER certificate at all. */
sg_err trust_load_pool(mbedtls_x509_crt *pool, struct path_unread *u, const char *path,
		       const char *what, struct sg_error *e);

/* The certificate to check and its helpers from one file: the first
 * certificate's DER (malloc'd into *der, parsed or not: the checks say
 * what is wrong with it), the others into pool / u as trust_load_pool. */
sg_err trust_load_subject(const char *path, const char *what, uint8_t **der, size_t *len,
			  mbedtls_x509_crt *pool, struct path_unread *u, struct sg_error *e);

/* Adds the CRLs of a PEM/DER file (signet's reader, crl.h: a CRL with a
 * critical issuingDistributionPoint, a delta CRL, loads). SG_E_CONFIG
 * "<what> <path>: not a readable CRL (why)". */
sg_err trust_load_crl(struct crl_list *crls, const char *path, const char *what,
		      struct sg_error *e);

/* The CA certificates a token carries join the intermediates (t NULL: none). */
void trust_add_token_cas(mbedtls_x509_crt *pool, const struct token *t);

#endif
