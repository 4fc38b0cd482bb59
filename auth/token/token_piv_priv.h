/*
 * token_piv_priv.h: the inside of the PIV backend, shared by token_piv.c
 * (finding the card, listing, PIN, signing) and token_piv_admin.c (the
 * optional operations, token_piv_admin: linked only where something opens
 * a card for administration). Not for other files.
 */
#ifndef TOKEN_PIV_PRIV_H
#define TOKEN_PIV_PRIV_H

#include "piv.h"
#include "token_piv.h"

struct pivt {
	struct token tok; /* first: the struct token * is the struct pivt * */
	const struct hal *hal;
	const struct hal_card *card;
	int connected;
	struct token_piv_admin admin; /* token_piv_admin's; mgmt_key NULL: none */
	unsigned want;      /* bit i: read slot piv_slot_at(i) */
	int cache;          /* the certificate cache is on and the card has a CHUID */
	int cached;         /* some of tok.certs came from the cache */
	int checked;        /* a signature verified with a cached certificate */
	int have_ckey;      /* the card has a CHUID: ckey is its cache key */
	uint8_t ckey[32];   /* the card's cache key (certcache_key of its CHUID) */
};

/* The card's certificates changed (written here): its cache entry goes. */
void pivt_cache_forget(struct pivt *p);

/* Signs with the key in slot ref, of type and bits, called label
 * (token_sign's contract). */
sg_err pivt_sign_with(struct pivt *p, uint8_t ref, enum token_key_type type, unsigned bits,
		      const char *label, enum token_sig sig, const uint8_t *hash, size_t hash_len,
		      uint8_t *out, size_t *out_len, struct sg_error *e);

/* c as the certificate of slot s: label, URI, handle. */
void pivt_cert_named(struct token_cert *c, const struct piv_slot *s);

/* The token operations every PIV token has (token_ops). */
sg_err pivt_pin_state(struct token *t, struct token_pin_state *st, struct sg_error *e);
sg_err pivt_login(struct token *t, const struct pin *pin, struct sg_error *e);
sg_err pivt_sign(struct token *t, size_t ci, enum token_sig sig, const uint8_t *hash,
		 size_t hash_len, uint8_t *out, size_t *out_len, struct sg_error *e);
void pivt_logout(struct token *t);
void pivt_close(struct token *t);

#endif
