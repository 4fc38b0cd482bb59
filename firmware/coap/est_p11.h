/*
 * est_p11.h: what enrolment needs from a PKCS#11 token beyond signing in:
 * a read-write session to make a key pair on the token (C_GenerateKeyPair),
 * sign a request with it, and store the issued certificate beside it
 * (C_CreateObject). The private key is made sensitive and not extractable:
 * it never leaves the token.
 *
 * The module is loaded through the HAL like token_p11.h does; a module
 * already initialised by an open token is shared, not finalised here.
 */
#ifndef EST_P11_H
#define EST_P11_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#include "hal.h"
#include "p11uri.h"
#include "pin.h"
#include "sg_err.h"
#include "token.h"

#define EST_P11_ID_LEN 8

struct est_p11;

/* Loads module (NULL: the board's default), picks the one token the URI
 * matches (NULL: the only token), opens a read-write session and logs in
 * with pin (wiped by the caller); pin NULL: this process is logged in to
 * the token already (an open token of token_p11.h; PKCS#11 logins hold
 * for every session of the application), no login and no logout here. Errors as token_p11_open() and
 * token_login() (SG_E_PIN_INCORRECT, SG_E_PIN_LOCKED). */
sg_err est_p11_open(const struct hal *hal, const char *module, const struct p11uri *uri,
		    const struct pin *pin, struct est_p11 **out, struct sg_error *e);

/* Makes an EC P-256 key pair on the token, labelled label, with a fresh
 * random CKA_ID (id[EST_P11_ID_LEN] out), and its public key in pub
 * (initialised, not set up). The key becomes the one est_p11_sign uses. */
sg_err est_p11_genkey(struct est_p11 *p, const char *label, uint8_t id[EST_P11_ID_LEN],
		      mbedtls_pk_context *pub, struct sg_error *e);

/* Destroys the key pair est_p11_genkey made (an enrolment that failed
 * leaves no orphan key behind). */
void est_p11_drop_key(struct est_p11 *p);

/* Picks the existing private key with CKA_ID id as the one to sign with. */
sg_err est_p11_use_key(struct est_p11 *p, const uint8_t *id, size_t id_len, struct sg_error *e);

/* A csr_sign_h (csr.h) signing with the current key: arg is the est_p11. */
sg_err est_p11_sign(void *arg, enum token_sig kind, const uint8_t hash[32], uint8_t *sig,
		    size_t *sig_len, struct sg_error *e);

/* Stores a DER certificate with CKA_ID id and label, replacing the
 * certificates that had that id. */
sg_err est_p11_store_cert(struct est_p11 *p, const uint8_t *id, size_t id_len, const char *label,
			  const uint8_t *der, size_t len, struct sg_error *e);

/* The token's pkcs11: URI (token attributes only), for libcoap. */
const char *est_p11_token_uri(const struct est_p11 *p);

/* Logs out, closes and unloads. NULL is fine. */
void est_p11_close(struct est_p11 *p);

#endif
