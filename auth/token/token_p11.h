/*
 * token_p11.h: the PKCS#11 token backend.
 *
 * Loads a module through the HAL (dlopen on Linux), finds the one token
 * that the URI picks (RFC 7512; no URI: the only token present) and lists
 * its X.509 certificates. Works with any module: OpenSC, SoftHSM2,
 * tpm2-pkcs11, ykcs11.
 */
#ifndef TOKEN_P11_H
#define TOKEN_P11_H

#include <p11-kit/pkcs11.h>

#include "hal.h"
#include "p11uri.h"
#include "token.h"

/* How the detail of SG_E_AMBIGUOUS starts; the tokens' URIs follow, each
 * after a space (a front end may say how to pick one). */
#define TOKEN_P11_SEVERAL "several tokens match:"

/* Opens the token. module NULL: the board's default module. uri NULL:
 * any token. Errors: SG_E_NO_MODULE (with the loader's message),
 * SG_E_NO_READER (the module has no slots), SG_E_NO_CARD (slots but no
 * token), SG_E_NO_TOKEN (none matches the URI), SG_E_AMBIGUOUS (several
 * tokens match: their URIs are in the detail), SG_E_TOKEN. */
sg_err token_p11_open(const struct hal *hal, const char *module, const struct p11uri *uri,
		      struct token **out, struct sg_error *e);

/* Opens token t (token_p11_open's) for administration: a read-write
 * session beside the read-only one (the login holds for both), and the
 * optional operations: token_generate_key (EC P-256, CKM_EC_KEY_PAIR_GEN;
 * the private key sensitive, not extractable; a fresh random CKA_ID),
 * token_delete_key (the pair just made) and token_store_cert
 * (C_CreateObject with the key's CKA_ID and label, then the key's old
 * certificates destroyed). Again on an administered token: SG_OK. */
sg_err token_p11_admin(struct token *t, struct sg_error *e);

/* The sg_err that a PKCS#11 return value means. */
sg_err token_p11_err(CK_RV rv);
/* The CKR_ name of a return value ("CKR_PIN_INCORRECT"), for details. */
const char *token_p11_rv_name(CK_RV rv);

#endif
