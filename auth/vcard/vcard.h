/*
 * vcard.h: the virtual smart card: a software PIV card (NIST SP 800-73-4
 * card edge, the part a sign-in needs) that answers APDUs in-process.
 *
 * What it does: PIN and PUK with retry counters (VERIFY, CHANGE REFERENCE
 * DATA, RESET RETRY COUNTER), key generation on the card for slots 9A, 9C,
 * 9D, 9E (RSA-2048, ECC P-256), signing with them (GENERAL AUTHENTICATE),
 * management-key authentication (3DES or AES), the data objects a client
 * reads (CHUID, CCC, discovery, the four certificate objects) and writing
 * the certificate objects (PUT DATA). Command chaining, extended length
 * (offered in the ATR; off in short-APDU mode) and 61xx/GET RESPONSE are
 * supported everywhere.
 *
 * State at rest: one hal_storage blob, written atomically before any answer
 * that depends on it, sealed with AES-256-GCM under a key derived (HKDF-
 * SHA256) from the device key (hal_devkey.h), so that a copied blob opens
 * nowhere else and the PIN cannot be guessed offline from it. PIN and PUK
 * are kept only as salted PBKDF2-HMAC-SHA256 verifiers inside the seal.
 *
 * Several processes may use one card at once (sign-ins, `signet vcard
 * change-pin`, `signet vcard serve`): the state in memory is re-read when
 * the blob changed, before every command that uses it, and every change
 * (a PIN try, new PIN, unblock, key generation, PUT DATA) is a read-check-
 * write under the blob's storage lock (hal_storage.h), waiting at most
 * 10 s for another holder. So N parallel guesses cost N tries, and no
 * process writes an old state over another's change.
 *
 * Ownership: a struct vcard is owned by the caller from vcard_open() to
 * vcard_close(); it keeps the const struct hal * it was opened with, which
 * must outlive it. Strings and buffers passed in are copied or only read
 * during the call. Not thread-safe (the core has one thread).
 *
 * Blocking: vcard_create() and every APDU that changes state write the blob
 * (a file write and fsync on Linux); VERIFY and friends run PBKDF2
 * (milliseconds); GENERATE ASYMMETRIC KEY PAIR for RSA-2048 takes about a
 * second (longer on small boards).
 */
#ifndef VCARD_H
#define VCARD_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "sg_err.h"

/* Management key algorithms (SP 800-78-4 algorithm identifiers). */
#define VCARD_MGMT_3DES 0x03
#define VCARD_MGMT_AES128 0x08
#define VCARD_MGMT_AES192 0x0A
#define VCARD_MGMT_AES256 0x0C

/* Key algorithms the card generates and signs with. */
#define VCARD_ALG_RSA2048 0x07
#define VCARD_ALG_ECCP256 0x11

/* Bounds (see vcard_transmit):
 * VCARD_OBJECT_MAX  value of a data object's 53 tag (a certificate object:
 *                   70 cert, 71 info, FE lrc); more -> 6A84.
 * VCARD_CMD_MAX     data of one command after chaining; more -> 6700.
 *                   Fits a PUT DATA of the largest object.
 * VCARD_RESP_MAX    the longest answer (an object with its 53 header). */
#define VCARD_OBJECT_MAX 3072
#define VCARD_CMD_MAX 4096
#define VCARD_RESP_MAX 4096
/* Tries allowed for the PIN and the PUK (63Cx holds at most 15). */
#define VCARD_TRIES_MAX 15

struct vcard_params {
	const char *pin; /* 6 to 8 bytes (PIV: digits); copied */
	size_t pin_len;
	const char *puk; /* 6 to 8 bytes; copied */
	size_t puk_len;
	int mgmt_alg; /* VCARD_MGMT_*; 0: VCARD_MGMT_3DES */
	/* 24 bytes (3DES, AES192), 16 (AES128), 32 (AES256). NULL: the card
	 * makes a random key of that size; there is no default key. The
	 * well-known key of PIV cards (010203..08 three times) is refused:
	 * anyone could write certificates and make keys with it. */
	const uint8_t *mgmt_key;
	size_t mgmt_key_len;
	int pin_tries; /* 1..VCARD_TRIES_MAX; 0: 3 */
	int puk_tries; /* 1..VCARD_TRIES_MAX; 0: 3 */
	/* With mgmt_key NULL: receives the random key (room for 32 bytes),
	 * so that its maker can manage the card; NULL: nobody ever knows it
	 * (the card can then never get keys or certificates). */
	uint8_t *mgmt_key_out;
};

struct vcard;

/* Creates a new card under the storage blob name `blob`: random CHUID
 * (FASC-N, GUID, expiry ten years on), CCC and discovery object, PIN and
 * PUK with full counters, the management key; no keys, no certificates.
 * Replaces any card stored under that name: the caller asks first (open
 * it) if that matters. Errors: SG_E_PIN_FORMAT (PIN or PUK length),
 * SG_E_INVALID_ARG (management key, tries, blob name), SG_E_IO (storage, device
 * key, RNG or the blob's lock failed), SG_E_NOMEM, SG_E_INTERNAL. */
sg_err vcard_create(const struct hal *hal, const char *blob, const struct vcard_params *p,
		    struct sg_error *e);

/* Removes the card in `blob` under its lock, so that a process using the
 * card cannot write it back afterwards (it answers 6581 from then on).
 * SG_E_NO_CARD when there was none; SG_E_IO (storage or lock);
 * SG_E_INVALID_ARG for a bad blob name. */
sg_err vcard_erase(const struct hal *hal, const char *blob, struct sg_error *e);

/* Reads and unseals the card in `blob`. *out is the caller's until
 * vcard_close(). The card starts powered off (the first vcard_transmit or a
 * reader's connect powers it on). Errors: SG_E_NO_CARD when there is no
 * blob ("no virtual card; create one with signet vcard init") or it does
 * not unseal ("state cannot be unsealed with this device's key (copied from
 * another device, or damaged)"); SG_E_IO when storage or the device key
 * fail; SG_E_INVALID_ARG for a bad blob name; SG_E_NOMEM. */
sg_err vcard_open(const struct hal *hal, const char *blob, struct vcard **out,
		  struct sg_error *e);

/* Wipes every secret and frees the card. NULL is fine. */
void vcard_close(struct vcard *c);

enum vcard_power { VCARD_POWER_OFF, VCARD_POWER_ON, VCARD_RESET };
/* Any of the three clears the volatile state, as a real card's power cycle
 * does: PIN verified, management key authenticated, pending challenges,
 * pending GET RESPONSE data, a command chain in progress. */
void vcard_power(struct vcard *c, enum vcard_power p);

/* Writes the ATR (3B 8F 80 01 80 F9 A0 00 00 03 08 00 00 10 00 73 C0 21
 * C0 9E: T=1, the PIV AID and the card capabilities "command chaining,
 * extended Lc and Le fields" in the historical bytes) into atr. Returns
 * its length (20; 16 in short-APDU mode: 3B 8B ... 10 00 C8, no
 * capabilities), or 0 when cap is too small. Answers at any time, powered
 * or not. */
size_t vcard_atr(const struct vcard *c, uint8_t *atr, size_t cap);

/* Short-APDU mode (on != 0), as many cards are: the ATR does not offer
 * extended length and an extended APDU is answered 6700. For the tests of
 * the clients' fallback (`signet vcard serve --short-apdus`). Off at
 * vcard_open. */
void vcard_set_short_apdus(struct vcard *c, int on);

/* One APDU: cmd[0..cmd_len) -> resp (data then SW1 SW2). Returns the
 * response length, always >= 2 (the status word) and <= cap, for any
 * input; 0 only when resp is NULL or cap < 2 (a caller bug). cap 258 covers
 * every short APDU's answer, 65538 every extended one; an answer longer
 * than Le (absent Le counts as 256 short, 65536 extended) or cap - 2 is
 * cut and the rest fetched with GET RESPONSE after 61xx. A card that is off
 * is powered on first. Status words follow SP 800-73-4 and ISO 7816-4:
 * 6E00 CLA (only 00 and 10), 6D00 INS, 6A86 P1/P2, 6700 length, 6A80 data,
 * 6A82 no such object/key/application, 6982 security status (PIN or
 * management key), 63Cx tries left, 6983 blocked, 6985 conditions of use,
 * 6884 chaining not supported for the command, 6A84 object too large,
 * 6581 the state could not be read, locked or saved (nothing changed; no
 * PIN try spent; why is logged: e.g. the card was erased meanwhile, or
 * another process held the lock for more than 10 s). */
size_t vcard_transmit(struct vcard *c, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
		      size_t cap);

struct vcard_status {
	int pin_tries_left, pin_tries_max, puk_tries_left, puk_tries_max;
	int has_key_9a, has_key_9c;
	int alg_9a, alg_9c;              /* VCARD_ALG_*, 0 when there is no key */
	size_t cert_9a_len, cert_9c_len; /* certificate (tag 70) bytes, 0: none */
};

/* Counters, keys and certificate sizes, for `signet vcard status`, as of
 * the last command (or the open). SG_E_INTERNAL when c or st is NULL. */
sg_err vcard_get_status(const struct vcard *c, struct vcard_status *st);

#endif
