/*
 * token_piv.h: the PIV token backend: a PIV card (NIST SP 800-73-4)
 * spoken to with APDUs over the HAL card interface (piv.h), without
 * OpenSC or any PKCS#11 module. Works with a real card through pcsc-lite
 * and with the in-process virtual card (vcard_reader.h).
 *
 * Certificates: the four key slots' certificate objects (9A "PIV AUTH
 * key", 9C "SIGN key", 9D "KEY MAN key", 9E "CARD AUTH key"); a slot's key
 * counts as present when its certificate is there. id is the key reference
 * byte (so a URI's id=%9a picks the slot), uri a pkcs11: URI naming it.
 *
 * PIN: VERIFY, FF-padded to 8 bytes; nothing of it is kept here. Key 9C
 * is "PIN always": the card wants a VERIFY right before every 9C
 * signature, so a caller signing with 9C calls token_login() and then
 * token_sign() each time (the CLI does); a second 9C signature on the same
 * login fails with SG_E_TOKEN saying so.
 *
 * Signing: RSA PKCS#1 v1.5 and PSS (padding built here, PSS salt from
 * hal_rng), ECDSA P-256/P-384 (the card answers DER).
 */
#ifndef TOKEN_PIV_H
#define TOKEN_PIV_H

#include "hal.h"
#include "p11uri.h"
#include "token.h"

/* Opens the PIV card in the reader named `reader` (exact name, else the
 * one reader whose name contains it), or with reader NULL the first reader
 * whose card answers the PIV SELECT, on hal->card. Errors: SG_E_NO_READER
 * (no reader, or none by that name), SG_E_NO_CARD (no card present),
 * SG_E_NO_TOKEN (cards, but none with the PIV application),
 * SG_E_CARD_REMOVED, SG_E_TOKEN, SG_E_NOMEM. */
sg_err token_piv_open(const struct hal *hal, const char *reader, struct token **out,
		      struct sg_error *e);

/* The same on another card interface (the in-process virtual card's
 * reader): card must outlive the token; hal gives the RNG and the log. */
sg_err token_piv_open_card(const struct hal *hal, const struct hal_card *card, const char *reader,
			   struct token **out, struct sg_error *e);

/* How token_piv_open_opts reads the card. */
struct token_piv_opts {
	/* Read only the slots whose certificate or key the URI's object
	 * attributes (id, object, type) can match; NULL: every slot. */
	const struct p11uri *uri;
	/* TOKEN_PIV_CACHE_USE: certificates through the certificate cache
	 * (certcache.h) in hal->storage, keyed by the card's CHUID: a known
	 * card costs SELECT and GET DATA CHUID. TOKEN_PIV_CACHE_RENEW: read
	 * the card, and keep what it said in the cache (a listing). A card
	 * without a CHUID is always read. */
	int cert_cache;
};
#define TOKEN_PIV_CACHE_OFF 0
#define TOKEN_PIV_CACHE_USE 1
#define TOKEN_PIV_CACHE_RENEW 2

/* token_piv_open_card with options (o NULL: every slot, no cache). */
sg_err token_piv_open_opts(const struct hal *hal, const struct hal_card *card, const char *reader,
			   const struct token_piv_opts *o, struct token **out, struct sg_error *e);

/* Forgets the certificate cache's entry of the card in card (connected,
 * PIV selected): its certificates were changed by other means. */
void token_piv_cache_forget(const struct hal *hal, const struct hal_card *card);

/* Sets the token's label (at most 32 bytes kept) and its URI with it. */
void token_piv_set_label(struct token *t, const char *label);

/* Keeps only the certificates whose slot the URI's object attributes (id,
 * object, type) match, e.g. pkcs11:id=%9c. */
void token_piv_filter(struct token *t, const struct p11uri *u);

/* Where the card's management key comes from, for administration. */
struct token_piv_admin {
	/* Fills the management key: *alg (PIV_ALG_3DES, PIV_ALG_AES128/192/
	 * 256), key (32 bytes of room), *len. Wiped right after its use. */
	sg_err (*mgmt_key)(void *arg, uint8_t *alg, uint8_t key[32], size_t *len,
			   struct sg_error *e);
	/* Optional: a key pair was made in slot ref (the PIV card edge cannot
	 * read a public key back: the virtual card's owner records it). */
	sg_err (*key_made)(void *arg, uint8_t ref, const mbedtls_pk_context *pub,
			   struct sg_error *e);
	void *arg; /* must outlive the token */
};

/* Opens token t (this backend's) for administration with the management
 * key from a: token_generate_key (GENERATE ASYMMETRIC KEY PAIR, EC P-256
 * or RSA-2048, in the slot of k's id, 9A when none; the slot's old
 * certificate is deleted) and token_store_cert (PUT DATA of the slot's
 * certificate object). A PIV card cannot delete a key. Without this the
 * token has neither operation (signet holds no management key for a
 * card in a reader). */
sg_err token_piv_admin(struct token *t, const struct token_piv_admin *a, struct sg_error *e);

/* The PIV key reference (0x9A, 0x9C, ...) of certificate ci of a token
 * this backend opened (0 for any other token). */
uint8_t token_piv_key_ref(const struct token *t, size_t ci);

#endif
