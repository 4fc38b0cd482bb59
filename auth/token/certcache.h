/*
 * certcache.h: certificates read from a card, kept in the state directory
 * (hal_storage) so that a sign-in on a known card reads only what tells
 * the card apart (its CHUID) instead of every certificate object.
 *
 * One blob per card, named "certs-" + 32 hex digits of its key. The key is
 * SHA-256 over a kind ("piv", "p11") and the card's identity: for a PIV
 * card the whole CHUID object (its GUID/FASC-N and everything else in it,
 * so a re-personalised card with a new CHUID is read again). An entry per
 * slot (its key reference) holds the certificate, or says the slot is
 * empty; a slot without an entry is read from the card.
 *
 * Nothing here is trusted for security: the certificate's public key is
 * what every signature made on the card is checked against, so a wrong
 * entry fails that check; the caller then drops the blob and reads the
 * card again (token_refresh_certs). A blob that does not parse (bad magic
 * or version, another key, truncated, trailing bytes, too big) is ignored.
 *
 * Blob (version 1): "SGCC" 01 n key[32], then n entries: ref(1)
 * present(1: 0 empty, 1 certificate) len(2, big-endian; 0 when empty)
 * der[len]. At most CERTCACHE_ENTS entries of at most CERTCACHE_DER_MAX
 * bytes, distinct refs.
 */
#ifndef CERTCACHE_H
#define CERTCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "hal_storage.h"
#include "sg_err.h"

#define CERTCACHE_ENTS 8
#define CERTCACHE_DER_MAX 4096
#define CERTCACHE_HDR 38
#define CERTCACHE_MAX (CERTCACHE_HDR + CERTCACHE_ENTS * (4 + CERTCACHE_DER_MAX))
#define CERTCACHE_NAME_LEN 38 /* "certs-" + 32 hex */

struct certcache_ent {
	uint8_t ref;        /* the slot's key reference (PIV 9A ...) */
	uint8_t present;    /* 0: the slot is empty */
	const uint8_t *der; /* the certificate (points into the caller's buffer) */
	size_t len;
};

/* key = SHA-256(kind || 00 || id). */
void certcache_key(const char *kind, const uint8_t *id, size_t len, uint8_t key[32]);

/* The blob name of key: "certs-<32 hex>" (name: CERTCACHE_NAME_LEN + 1). */
void certcache_name(const uint8_t key[32], char name[CERTCACHE_NAME_LEN + 1]);

/* Parses a blob made for key; ents[] point into buf. SG_E_MALFORMED when
 * it is anything but a well-formed version-1 blob for this key. */
sg_err certcache_parse(const uint8_t *buf, size_t len, const uint8_t key[32],
		       struct certcache_ent ents[CERTCACHE_ENTS], size_t *n);

/* The blob of n entries; its length, 0 when it does not fit cap or an
 * entry is out of bounds (too many, too long). */
size_t certcache_format(const uint8_t key[32], const struct certcache_ent *ents, size_t n,
			uint8_t *buf, size_t cap);

/* Reads and parses key's blob: the buffer the entries point into (the
 * caller sg_free()s it), or NULL when there is none usable (no storage,
 * no blob, malformed). */
uint8_t *certcache_load(const struct hal_storage *s, const uint8_t key[32],
			struct certcache_ent ents[CERTCACHE_ENTS], size_t *n);

/* Writes key's blob (best effort: a cache that cannot be written only
 * costs reading the card next time). */
void certcache_save(const struct hal_storage *s, const uint8_t key[32],
		    const struct certcache_ent *ents, size_t n);

/* Removes key's blob. */
void certcache_drop(const struct hal_storage *s, const uint8_t key[32]);

#endif
