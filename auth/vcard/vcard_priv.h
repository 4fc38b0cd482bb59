/*
 * vcard_priv.h: the inside of struct vcard, shared by vcard*.c only (the
 * rest of the core sees vcard.h). One file per purpose:
 *   vcard.c          APDU dispatch, chaining, GET RESPONSE, SELECT, power
 *   vcard_pin.c      VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER
 *   vcard_keys.c     GENERATE ASYMMETRIC KEY PAIR, GENERAL AUTHENTICATE
 *   vcard_objects.c  GET DATA, PUT DATA, the objects a new card gets
 *   vcard_state.c    serialisation, sealing, create/open/save
 *   vcard_reader.c   the card behind a struct hal_card
 */
#ifndef VCARD_PRIV_H
#define VCARD_PRIV_H

#include <mbedtls/pk.h>

#include "apdu.h"
#include "sg_mem.h"
#include "vcard.h"

/* Status words (ISO 7816-4 5.1.3, SP 800-73-4 part 2 table 6). */
#define SW_OK 0x9000
#define SW_MORE(n) (0x6100 | ((n) > 0xFF ? 0 : (n)))
#define SW_TRIES(n) (0x63C0 | ((n) & 0x0F))
#define SW_MEMORY 0x6581
#define SW_WRONG_LENGTH 0x6700
#define SW_CHAIN_UNSUPPORTED 0x6884
#define SW_SECURITY 0x6982
#define SW_BLOCKED 0x6983
#define SW_CONDITIONS 0x6985
#define SW_WRONG_DATA 0x6A80
#define SW_NOT_FOUND 0x6A82
#define SW_NO_SPACE 0x6A84
#define SW_WRONG_P1P2 0x6A86
#define SW_INS 0x6D00
#define SW_CLA 0x6E00
#define SW_UNKNOWN 0x6F00

#define VC_PIN_LEN 8 /* PIN and PUK travel FF-padded to 8 bytes */
#define VC_SALT_LEN 16
#define VC_HASH_LEN 32
#define VC_PBKDF2_ITER 4096 /* per guess: milliseconds; stored per card */
#define VC_CHAL_MAX 16      /* one cipher block (AES) */

enum vc_key_slot { VC_KEY_9A, VC_KEY_9C, VC_KEY_9D, VC_KEY_9E, VC_KEY_COUNT };

enum vc_obj_id {
	VC_OBJ_CHUID,
	VC_OBJ_CCC,
	VC_OBJ_CERT_9A,
	VC_OBJ_CERT_9C,
	VC_OBJ_CERT_9D,
	VC_OBJ_CERT_9E,
	VC_OBJ_DISCOVERY,
	VC_OBJ_COUNT
};

/* A PIN or PUK: PBKDF2-HMAC-SHA256(padded 8 bytes, salt, iter). */
struct vc_secret {
	uint8_t salt[VC_SALT_LEN];
	uint8_t hash[VC_HASH_LEN];
	int tries, max;
};

struct vc_key {
	int alg; /* VCARD_ALG_*, 0: empty slot */
	mbedtls_pk_context pk;
};

struct vc_obj {
	uint8_t *data; /* value of the 53 (or 7E) tag, sg_calloc'ed; NULL: absent */
	size_t len;
};

enum vc_mgmt_pending { VC_MGMT_NONE, VC_MGMT_SINGLE, VC_MGMT_MUTUAL };

/* What the blob holds (vcard_state.c writes and reads all of it). */
struct vc_state {
	uint32_t iter;
	struct vc_secret pin, puk;
	int mgmt_alg;
	uint8_t mgmt_key[32];
	size_t mgmt_key_len;
	struct vc_key keys[VC_KEY_COUNT];
	struct vc_obj objs[VC_OBJ_COUNT];
};

struct vcard {
	const struct hal *hal;
	char blob[HAL_STORAGE_NAME_MAX + 1];
	/* persistent: a copy of the blob, refreshed (vc_refresh, vc_begin)
	 * before each command that uses it, since other processes change it */
	struct vc_state st;
	uint8_t seen[32]; /* nonce, tag and length of the sealed blob st came
			   * from / went to (vc_digest) */
	size_t seen_len;  /* ... and its length: the next re-read's buffer */
	int locked, lock_h; /* vc_begin .. vc_end */
	/* volatile: cleared by vcard_power() */
	int powered;
	int short_apdus;    /* vcard_set_short_apdus: no extended Lc/Le */
	int pin_verified;   /* VERIFY succeeded since power on */
	int pin_fresh;      /* ... and no 9C signature used it yet */
	int mgmt_authed;
	enum vc_mgmt_pending mgmt_pending;
	uint8_t mgmt_chal[VC_CHAL_MAX]; /* single: challenge; mutual: witness */
	uint8_t *rbuf;       /* VCARD_RESP_MAX: the answer being handed out */
	size_t rlen, roff;   /* pending bytes are rbuf[roff..rlen) */
	uint8_t *chain;      /* VCARD_CMD_MAX: data of the chain so far */
	size_t chain_len;
	int chain_active;
	uint8_t chain_ins, chain_p1, chain_p2;
	/* vcard_reader.c */
	char reader_name[64];
	int reader_connected;
};

/* Where a command writes its answer's data (rbuf, VCARD_RESP_MAX). */
struct vc_out {
	uint8_t *buf;
	size_t cap, len;
};

/* Commands: return the status word; data (if any) in o. */
uint16_t vc_cmd_verify(struct vcard *c, const struct apdu *a, struct vc_out *o);
uint16_t vc_cmd_change_ref(struct vcard *c, const struct apdu *a, struct vc_out *o);
uint16_t vc_cmd_reset_retry(struct vcard *c, const struct apdu *a, struct vc_out *o);
uint16_t vc_cmd_generate(struct vcard *c, const struct apdu *a, struct vc_out *o);
uint16_t vc_cmd_general_auth(struct vcard *c, const struct apdu *a, struct vc_out *o);
uint16_t vc_cmd_get_data(struct vcard *c, const struct apdu *a, struct vc_out *o);
uint16_t vc_cmd_put_data(struct vcard *c, const struct apdu *a, struct vc_out *o);

/* vcard_pin.c: a verifier for an FF-padded 8-byte secret (fresh salt). */
sg_err vc_secret_set(const struct vcard *c, struct vc_secret *s, const uint8_t padded[8]);
/* FF-pads s[0..len) into out[8]; 0 when len is not 6..8. */
int vc_pad_secret(const char *s, size_t len, uint8_t out[8]);

/* vcard_objects.c */
/* Fills CHUID, CCC and discovery object of a new card. */
sg_err vc_objects_init(struct vcard *c);
/* Index for a key reference (9A...) or -1. */
int vc_key_slot(uint8_t ref);
/* The certificate object of a key slot. */
enum vc_obj_id vc_cert_obj(enum vc_key_slot k);
/* Length of the certificate (tag 70) in an object, 0 when none. */
size_t vc_obj_cert_len(const struct vc_obj *o);

/* vcard_state.c */
/* Another process may change the blob at any time (a PIN try, change-pin,
 * unblock, import-cert, a new card under the same name). So:
 *  - a command that only reads the state (GET DATA, a signature, the
 *    management key's challenge) calls vc_refresh() first;
 *  - a command that changes it runs vc_begin() .. vc_save() .. vc_end():
 *    the blob's lock is taken (bounded wait), the state re-read under it,
 *    checked, changed and written before the lock goes. vc_end() is
 *    called on every path after a successful vc_begin().
 * Either re-reads only when the sealed bytes differ from the last ones
 * seen (every write seals with a fresh nonce). When the PIN's verifier or
 * the management key changed under the card, the session's PIN
 * verification or management authentication is dropped: it was for
 * secrets that are no longer the card's.
 * Errors (logged): SG_E_NO_CARD, the blob is gone or no longer unseals
 * (erased); SG_E_IO, storage or the lock failed (another process held it
 * too long); SG_E_NOMEM. The command then answers 6581, nothing done. */
sg_err vc_refresh(struct vcard *c);
sg_err vc_begin(struct vcard *c);
void vc_end(struct vcard *c);
/* Serialises, seals and writes the whole state; only under the lock
 * (SG_E_INTERNAL without). SG_E_IO when the device key, RNG or storage
 * failed (the caller rolls its change back). */
sg_err vc_save(struct vcard *c);
/* A zeroed card with its buffers (volatile part reset). */
struct vcard *vc_alloc(const struct hal *hal, const char *blob);
void vc_free_obj(struct vc_obj *o);

/* mbedTLS RNG callback parameters for the card's hal_rng. */
#define VC_RNG(c) hal_rng_mbedtls, (void *)&(c)->hal->rng

#endif
