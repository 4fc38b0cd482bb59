/*
 * est_tlskey.h: a token's key as a GnuTLS client certificate, for the
 * DTLS handshake of EST re-enrolment (est_coap.h).
 *
 * GnuTLS gets an external private key (gnutls_privkey_import_ext4): it
 * asks which signature algorithms the key has (what token_sign can do:
 * ECDSA with SHA-256/384 for P-256 keys; RSA PKCS#1 v1.5 and PSS with
 * SHA-256/384), and hands over the handshake hash to sign (for RSA PKCS#1
 * v1.5 wrapped in a DigestInfo, as GNUTLS_SIGN_RSA_RAW: the hash is taken
 * out of it and the token adds its own). The key never
 * leaves the token and no PIN passes through here: the caller's token
 * session is logged in already.
 */
#ifndef EST_TLSKEY_H
#define EST_TLSKEY_H

#include <gnutls/gnutls.h>

#include "est_coap.h"

struct est_tlskey;

/* Adds the certificate and the external key to the certificate
 * credentials of g_session (a client session whose handshake has not yet
 * met the server's CertificateRequest). *out lives until est_tlskey_free,
 * which must come after the GnuTLS session is gone. */
sg_err est_tlskey_attach(gnutls_session_t g_session, const struct est_client_key *key,
			 struct est_tlskey **out, struct sg_error *e);

/* The last signing failure (so that a failed handshake can say why), or
 * SG_OK. */
const struct sg_error *est_tlskey_error(const struct est_tlskey *k);

void est_tlskey_free(struct est_tlskey *k);

#endif
