/*
 * vcard_cli.h: the inside of `signet vcard` (cmd_vcard.c dispatches; one
 * file per purpose):
 *   vcard_cli_mgmt.c   the sealed blob "vcard-NAME.mgmt": the card's
 *                      management key and the public keys gen-key made
 *   vcard_cli_csr.c    a PKCS#10 request signed by the card
 *   vcard_cli_admin.c  init, gen-key, import-cert, export-cert, reset
 *   vcard_cli_pin.c    status, change-pin, unblock; reading secrets
 */
#ifndef VCARD_CLI_H
#define VCARD_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mbedtls/pk.h>

#include "cli.h"
#include "piv.h"
#include "vcard.h"

#define VCLI_PUB_MAX 600 /* SubjectPublicKeyInfo of RSA-2048 is 294 bytes */

struct vcli {
	struct cli *c;
	const char *name;   /* --name (default "default") */
	char blob[64];      /* "vcard-NAME" */
	char mgmt_blob[80]; /* "vcard-NAME.mgmt" */
	struct vcard *card;
	struct hal_card dev;
	/* options */
	int force, yes, der, mgmt_fd;
	const struct piv_slot *slot;
	uint8_t alg;        /* --alg: PIV_ALG_RSA2048 / PIV_ALG_ECCP256 */
	const char *csr, *subject, *san, *out, *file;
};

/* The management blob's contents. */
struct vmgmt {
	uint8_t alg; /* PIV_ALG_AES128/192/256 or 3DES */
	uint8_t key[32];
	size_t key_len;
	struct {
		uint8_t der[VCLI_PUB_MAX]; /* SubjectPublicKeyInfo; len 0: none recorded */
		size_t len;
	} pub[PIV_N_SLOTS];
};

/* Seals and writes / reads and unseals the blob (AES-256-GCM under a key
 * derived from the device key, bound to the blob's name). */
sg_err vmgmt_save(const struct hal *hal, const char *blob, const struct vmgmt *m,
		  struct sg_error *e);
sg_err vmgmt_load(const struct hal *hal, const char *blob, struct vmgmt *m, struct sg_error *e);
void vmgmt_wipe(struct vmgmt *m);
/* Index of a slot in pub[] (0..PIV_N_SLOTS-1). */
size_t vmgmt_slot_index(const struct piv_slot *s);
/* Records pub as the public key of slot s's key (inline: on a board
 * without enrolment, gen-key is its only caller). */
static inline sg_err vmgmt_set_pub(struct vmgmt *m, const struct piv_slot *s,
				   const mbedtls_pk_context *pub, struct sg_error *e)
{
	size_t idx = vmgmt_slot_index(s);
	int n = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)pub, m->pub[idx].der,
					    sizeof(m->pub[idx].der));

	if (n <= 0)
		return sg_error_set(e, SG_E_INTERNAL, "cannot encode the public key");
	memmove(m->pub[idx].der, m->pub[idx].der + sizeof(m->pub[idx].der) - n, (size_t)n);
	m->pub[idx].len = (size_t)n;
	return SG_OK;
}

/* Records pub as slot s's public key in the blob: locked (the storage's
 * lock on the blob, as the card's own state), read again, changed, written,
 * so two processes making keys in different slots keep both records. */
sg_err vmgmt_record_pub(const struct hal *hal, const char *blob, const struct piv_slot *s,
			const mbedtls_pk_context *pub, struct sg_error *e);

/* Opens t, the token of the CLI's virtual card (c->card_arg), for
 * administration (token_piv_admin): the management key comes from the
 * card's sealed blob when needed, and a key made on the card has its
 * public key recorded there, as `signet vcard gen-key` does. */
sg_err vmgmt_token_admin(struct cli *c, struct token *t, struct sg_error *e);

/* A PEM CERTIFICATE REQUEST for subject (mbedTLS's "CN=...,O=..." form)
 * and an optional subjectAltName URI, for the public key pub, signed with
 * SHA-256 by the card's key `ref` (the PIN verified just before).
 * *len: in, capacity of out; out, length (NUL included). */
sg_err vcsr_make(const struct hal_card *card, const struct hal_rng *rng, uint8_t ref,
		 mbedtls_pk_context *pub, const char *subject, const char *san, uint8_t *out,
		 size_t *len, struct sg_error *e);

/* Opens the card (vcard_open), its reader, and selects PIV. */
sg_err vcli_open(struct vcli *v, struct sg_error *e);
void vcli_close(struct vcli *v);

/* Reads n secrets (PIN or PUK, 6 to 8 characters): from --pin-fd, one per
 * line; else typed on the keypad, each with its prompt, and those with
 * confirm[i] set typed twice. On error all are wiped. */
sg_err vcli_secrets(struct vcli *v, size_t n, const char *const prompts[], const int confirm[],
		    struct pin out[], struct sg_error *e);

int vcli_init(struct vcli *v);
int vcli_status(struct vcli *v);
int vcli_change_pin(struct vcli *v);
int vcli_unblock(struct vcli *v);
int vcli_gen_key(struct vcli *v);
int vcli_import_cert(struct vcli *v);
int vcli_export_cert(struct vcli *v);
int vcli_reset(struct vcli *v);

#endif
