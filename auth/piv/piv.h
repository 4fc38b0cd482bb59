/*
 * piv.h: a PIV client (NIST SP 800-73-4 card edge, the part a sign-in and a
 * card administrator need) over the HAL card interface: the APDU transport
 * (61xx + GET RESPONSE, 6Cxx, command chaining, extended length), the
 * application, its data objects, the PIN, signing, and the administrative
 * commands that need the management key. Used by the PIV token backend (token_piv.h) and by
 * `signet vcard`; it works the same with a real card through pcsc-lite and
 * with the in-process virtual card (vcard_reader.h).
 *
 * Every function takes a connected struct hal_card (hal_card_connect done)
 * and blocks for the APDU round trips it needs. A card that goes away gives
 * SG_E_CARD_REMOVED. Answers are parsed with bounds (apdu.h's BER-TLV): a
 * hostile card gets an error, never a read past its answer.
 *
 * Secrets: PINs, PUKs and management keys pass through here only inside
 * the APDU buffer, which is wiped after every command; nothing is kept.
 */
#ifndef PIV_H
#define PIV_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#include "hal.h"
#include "sg_err.h"
#include "token.h"

/* Largest data object value read (a certificate object with its 53). */
#define PIV_OBJ_MAX 8192

/* Key references (SP 800-73-4 part 1, table 4b). */
#define PIV_KEY_AUTH 0x9A     /* PIV Authentication: PIN once per session */
#define PIV_KEY_SIGN 0x9C     /* Digital Signature: PIN right before each signature */
#define PIV_KEY_KEYMGMT 0x9D  /* Key Management */
#define PIV_KEY_CARDAUTH 0x9E /* Card Authentication: no PIN */
#define PIV_KEY_MGMT 0x9B     /* the card management key */

/* Algorithm identifiers (SP 800-78-4 table 6-2). */
#define PIV_ALG_3DES 0x03
#define PIV_ALG_AES128 0x08
#define PIV_ALG_AES192 0x0A
#define PIV_ALG_AES256 0x0C
#define PIV_ALG_RSA1024 0x06
#define PIV_ALG_RSA2048 0x07
#define PIV_ALG_RSA3072 0x05
#define PIV_ALG_ECCP256 0x11
#define PIV_ALG_ECCP384 0x14

/* The PIN (80) and the PUK (81) as references of VERIFY and friends. */
#define PIV_REF_PIN 0x80
#define PIV_REF_PUK 0x81

#define PIV_TAG_CHUID 0x5FC102

/* The four key slots that have a certificate object. */
struct piv_slot {
	uint8_t ref;      /* 9A, 9C, 9D, 9E */
	uint32_t obj_tag; /* its certificate object (5FC105, ...) */
	const char *label;/* "PIV AUTH key" (OpenSC's names) */
	const char *name; /* "PIV Authentication" (SP 800-73-4's) */
};
#define PIV_N_SLOTS 4
/* Slot i (0..PIV_N_SLOTS-1), in the order 9A 9C 9D 9E. */
const struct piv_slot *piv_slot_at(size_t i);
/* The slot of a key reference; NULL when it has none. */
const struct piv_slot *piv_slot_of(uint8_t ref);
/* "9a", "9A", "0x9a" -> the slot; NULL otherwise. */
const struct piv_slot *piv_slot_parse(const char *s);

/* The PIV algorithm for a key, 0 when PIV has none (RSA 1024/2048/3072,
 * EC P-256/P-384). */
uint8_t piv_alg_for(enum token_key_type type, unsigned bits);

/* One command: CLA 00 INS P1 P2, data (sent in parts of 255 bytes with CLA
 * 10 when longer), Le 00. Gathers the whole answer over 61xx (GET
 * RESPONSE) and resends once with the Le a 6Cxx asks for. GET DATA and
 * GENERAL AUTHENTICATE with more than 255 bytes of data (at most 512) or
 * room for more than 256 in out go as one extended-length APDU (Le: what
 * out holds) when the card's ATR offers them (apdu_atr_ext) and the
 * reader carries them (hal_card_caps); a reader that fails it or a card
 * that answers 6700 gets the command again in short APDUs. out may be NULL
 * when no data is expected (*out_len then 0 in and out; data is dropped).
 * *sw is the final status word; a status other than 9000 is not an error
 * here (the caller maps it). Errors: SG_E_CARD_REMOVED; SG_E_TOKEN when the
 * reader fails, the answer is malformed or longer than *out_len. */
sg_err piv_cmd(const struct hal_card *card, uint8_t ins, uint8_t p1, uint8_t p2,
	       const uint8_t *data, size_t dlen, uint8_t *out, size_t *out_len, uint16_t *sw,
	       struct sg_error *e);

/* SELECT of the PIV application. SG_E_NO_TOKEN when the card has none. */
sg_err piv_select(const struct hal_card *card, struct sg_error *e);

/* GET DATA: the value inside the object's 53 (or 7E) wrapper into out
 * (cap bytes). An object the card does not have: SG_OK with *len 0. */
sg_err piv_get_object(const struct hal_card *card, uint32_t tag, uint8_t *out, size_t cap,
		      size_t *len, struct sg_error *e);

/* The certificate (tag 70) inside a certificate object's value. A
 * compressed one (71 with bit 0 set) is refused with SG_E_TOKEN; none:
 * SG_E_NO_CERT. *der points into obj. */
sg_err piv_object_cert(const uint8_t *obj, size_t len, const uint8_t **der, size_t *der_len,
		       struct sg_error *e);

/* The PIN's state without spending a try (VERIFY with no data):
 * tries_left from 63Cx, final_try at 1, count_low below 3 (PIV does not
 * tell the maximum), locked on 6983 or 63C0. A card that answers 9000
 * (already verified) gives tries_left SG_TRIES_UNKNOWN. */
sg_err piv_pin_state(const struct hal_card *card, struct token_pin_state *st, struct sg_error *e);

/* VERIFY of the PIN (FF-padded to 8 bytes; 6 to 8 characters).
 * SG_E_PIN_INCORRECT with e->tries_left (and e->final_try at 1),
 * SG_E_PIN_LOCKED, SG_E_PIN_FORMAT (6A80, or a length PIV cannot carry). */
sg_err piv_verify(const struct hal_card *card, const char *pin, size_t len, struct sg_error *e);

/* VERIFY P1=FF: the card forgets the PIN (errors ignored). */
void piv_unverify(const struct hal_card *card);

/* CHANGE REFERENCE DATA of the PIN (ref 80) or the PUK (81): old, then new.
 * RESET RETRY COUNTER: the PUK, then the new PIN. Errors as piv_verify
 * (a wrong PUK is SG_E_PIN_INCORRECT with "PUK" in the detail). */
sg_err piv_change_ref(const struct hal_card *card, uint8_t ref, const char *old, size_t old_len,
		      const char *nw, size_t new_len, struct sg_error *e);
sg_err piv_unblock(const struct hal_card *card, const char *puk, size_t puk_len,
		   const char *pin, size_t pin_len, struct sg_error *e);

/* GENERAL AUTHENTICATE with a private key: in (a padded RSA block, or the
 * hash cut to the curve's size) -> the card's answer (raw RSA result, or
 * DER ECDSA signature). *out_len: in, capacity; out, length. 6982 says the
 * PIN is needed (for 9C: right before this signature): SG_E_TOKEN. */
sg_err piv_general_auth(const struct hal_card *card, uint8_t alg, uint8_t key,
			const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len,
			struct sg_error *e);

/* Signs a SHA-256 or SHA-384 hash with key `key` (PIV algorithm alg): RSA
 * PKCS#1 v1.5 (DigestInfo padded here) or PSS (EMSA-PSS encoded here,
 * salt = hash length, random from rng), ECDSA (hash cut to the field; the
 * card answers DER). *out_len: in, capacity (SIG_MAX is enough). */
sg_err piv_sign(const struct hal_card *card, const struct hal_rng *rng, uint8_t alg, uint8_t key,
		enum token_sig sig, const uint8_t *hash, size_t hash_len, uint8_t *out,
		size_t *out_len, struct sg_error *e);

/* ---- administration (piv_admin.c) -------------------------------------- */

/* Authenticates to the card with the management key (challenge-response,
 * the card checks us). alg: PIV_ALG_3DES or AES. SG_E_TOKEN when the card
 * refuses the key ("wrong management key"). */
sg_err piv_mgmt_auth(const struct hal_card *card, uint8_t alg, const uint8_t *key, size_t key_len,
		     struct sg_error *e);

/* GENERATE ASYMMETRIC KEY PAIR in slot key (alg RSA2048 or ECCP256; needs
 * the management key). *pub receives the public key (mbedtls_pk_init'ed by
 * the caller; freed by the caller). A public key the card answers that is
 * not a valid key of that algorithm and size (an RSA modulus of other
 * than 2048 bits; a point not on P-256) is SG_E_TOKEN. */
sg_err piv_generate(const struct hal_card *card, uint8_t key, uint8_t alg, mbedtls_pk_context *pub,
		    struct sg_error *e);

/* PUT DATA of an object (value without its 53 wrapper); an empty value
 * deletes it. Needs the management key. */
sg_err piv_put_object(const struct hal_card *card, uint32_t tag, const uint8_t *val, size_t len,
		      struct sg_error *e);

/* PUT DATA of a certificate object 53{70 der, 71 00, FE 00} for the slot. */
sg_err piv_put_cert(const struct hal_card *card, uint8_t key, const uint8_t *der, size_t len,
		    struct sg_error *e);

/* The card's answer for a status word other than 9000, as an error:
 * "<what>: <meaning> (SW xxxx)". */
sg_err piv_sw_error(uint16_t sw, const char *what, struct sg_error *e);

#endif
