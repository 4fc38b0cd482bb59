/*
 * fz_card.h: the virtual card the APDU and vpcd harnesses talk to: made
 * once per process, the same at the start of every input, and quick.
 *
 * The card: PIN 123456 (PUK 12345678, 3 tries each) kept with 1 PBKDF2
 * iteration instead of 4096 (the verifier's cost is the card's only
 * deliberate slowness, and a fuzzer that pays it runs at 600 exec/s), the
 * 3DES management key 08..01 three times, a P-256 key in 9C and an
 * RSA-2048 key in 9A with a certificate object.
 *
 * Per input: the sealed state the set-up made goes back into the test
 * port's storage and the RNG back to one seed, then the card is opened
 * from it, so an input's answers (its management challenges too) depend on
 * that input alone.
 *
 * Key generation and signing (mbedtls_rsa_gen_key, mbedtls_ecp_gen_key,
 * mbedtls_ecdsa_write_signature, mbedtls_rsa_private) are replaced in these
 * harnesses by precomputed keys and a signature made once: the card never
 * looks inside a key it made or a signature it gives, so its code runs as
 * always; the math is mbedTLS's and costs milliseconds per call. The RSA
 * private operation still refuses a block that is not below the modulus.
 */
#ifndef FZ_CARD_H
#define FZ_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "port_test.h"
#include "vcard.h"

#define FZ_CARD_BLOB "fuzzcard"

struct fz_card {
	struct port_test *pt;
	struct hal hal;
	uint8_t *blob; /* the sealed state as made */
	size_t blob_len;
	unsigned writes; /* the storage's writes when it last held blob */
};

extern const uint8_t fz_card_mgmt_key[24];

/* The card of this process (made on the first call; traps on failure). */
struct fz_card *fz_card_get(void);
/* Puts the card back as made and opens it. */
struct vcard *fz_card_open(struct fz_card *fc);
/* Single management-key authentication, the card's challenge answered
 * here. 1 when the card accepted it. */
int fz_card_mgmt_auth(struct vcard *c);

#endif
