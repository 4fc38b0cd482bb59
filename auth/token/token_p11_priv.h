/*
 * token_p11_priv.h: the inside of the PKCS#11 backend, shared by
 * token_p11.c (opening, listing, PIN, signing) and token_p11_admin.c (the
 * optional operations, token_p11_admin: linked only where something opens
 * a token for administration). Not for other files.
 */
#ifndef TOKEN_P11_PRIV_H
#define TOKEN_P11_PRIV_H

#include "token_p11.h"

struct p11 {
	struct token tok; /* first: the struct token * is the struct p11 * */
	const struct hal *hal;
	CK_FUNCTION_LIST_PTR f;
	void *module;
	int finalize;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session;
	int have_session;
	/* Administration (token_p11_admin): a read-write session; the login
	 * of the read-only one holds for it (PKCS#11 logs in the application). */
	CK_SESSION_HANDLE rw;
	int have_rw;
	CK_OBJECT_HANDLE made_priv, made_pub; /* the pair token_generate_key made last */
	CK_TOKEN_INFO ti; /* for the URIs of certificates stored later */
	/* The private key of each certificate, found at its first signature
	 * (0: not looked up yet): later signatures skip C_FindObjects. */
	CK_OBJECT_HANDLE keys[TOKEN_MAX_CERTS];
};

/* Records a failed call in e: "C_Sign: CKR_DEVICE_REMOVED (0x32)". */
sg_err p11_fail(struct sg_error *e, const char *call, CK_RV rv);

/* Finds up to max objects matching tmpl (in the read-only session: token
 * objects are seen from every session). */
CK_RV p11_find(struct p11 *p, CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *out,
	       CK_ULONG max, CK_ULONG *count);

/* Finds the private key with CKA_ID id, or with the label when there is
 * no id (the key of certificate `label`). */
sg_err p11_key_for(struct p11 *p, const uint8_t *id, size_t id_len, const char *label,
		   CK_OBJECT_HANDLE *key, struct sg_error *e);

/* Signs hash with private key `key` (token_sign's contract). */
sg_err p11_sign_with(struct p11 *p, CK_OBJECT_HANDLE key, enum token_sig sig, const uint8_t *hash,
		     size_t hash_len, uint8_t *out, size_t *out_len, struct sg_error *e);

/* The token operations every PKCS#11 token has (token_ops). */
sg_err p11_pin_state(struct token *t, struct token_pin_state *st, struct sg_error *e);
sg_err p11_login(struct token *t, const struct pin *pin, struct sg_error *e);
sg_err p11_sign(struct token *t, size_t ci, enum token_sig sig, const uint8_t *hash,
		size_t hash_len, uint8_t *out, size_t *out_len, struct sg_error *e);
void p11_logout(struct token *t);
void p11_close(struct token *t);

#endif
