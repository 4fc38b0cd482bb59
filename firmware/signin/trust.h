/*
 * trust.h: loading what certificate checks trust (anchors, intermediates,
 * CRLs) from files, the one way every command and the PAM module do it.
 */
#ifndef TRUST_H
#define TRUST_H

#include <mbedtls/x509_crt.h>

#include "crl.h"
#include "sg_err.h"
#include "token.h"

/* Adds the certificates of a PEM/DER file, or of every file in a
 * directory, to chain. SG_E_CONFIG "<what> <path>: no certificate could be
 * read (why)" when none was added; what names the flag or setting. */
sg_err trust_load_certs(mbedtls_x509_crt *chain, const char *path, const char *what,
			struct sg_error *e);

/* Adds the CRLs of a PEM/DER file (signet's reader, crl.h: a CRL with a
 * critical issuingDistributionPoint, a delta CRL, loads). SG_E_CONFIG
 * "<what> <path>: not a readable CRL (why)". */
sg_err trust_load_crl(struct crl_list *crls, const char *path, const char *what,
		      struct sg_error *e);

/* The CA certificates a token carries join the intermediates (t NULL: none). */
void trust_add_token_cas(mbedtls_x509_crt *pool, const struct token *t);

#endif
