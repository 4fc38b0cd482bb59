/*
 * vcard_cli_mgmt.c: the blob "vcard-NAME.mgmt" beside the card's own:
 * the card's management key (which `signet vcard gen-key` and
 * `import-cert` need) and the public key of each slot that gen-key made
 * (the card edge cannot read a public key back, and import-cert checks a
 * certificate against it).
 *
 * Sealed like the card's state (vcard_state.c), under its own key:
 *
 *   "SGVM" 01 | nonce (12) | AES-256-GCM(contents) | tag (16)
 *
 * key = HKDF-SHA256(ikm = device key, salt = "signet-vcard-mgmt-v1",
 * info = blob name), AAD = the magic and the blob name. So the management
 * key is exactly as safe as the card's private keys, which are sealed
 * under the same device key: whoever can read both the state directory and
 * the device key has everything either way; whoever has a copied state
 * directory alone has nothing.
 *
 * Contents: alg (1), key length (1), key, then per slot a 2-byte length
 * and the SubjectPublicKeyInfo DER.
 */
#include "vcard_cli.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "sg_mem.h"
#include "token_piv.h"

#define VM_MAGIC "SGVM\x01"
#define VM_MAGIC_LEN 5
#define VM_NONCE 12
#define VM_TAG 16
#define VM_SALT "signet-vcard-mgmt-v1"
#define VM_PLAIN_MAX (2 + 32 + PIV_N_SLOTS * (2 + VCLI_PUB_MAX))
#define VM_SEALED_MAX (VM_MAGIC_LEN + VM_NONCE + VM_PLAIN_MAX + VM_TAG)

size_t vmgmt_slot_index(const struct piv_slot *s)
{
	for (size_t i = 0; i < PIV_N_SLOTS; i++)
		if (piv_slot_at(i) == s)
			return i;
	return 0;
}

/* ---- the card's token, administered (vmgmt_token_admin) ------------------- */

static sg_err vm_blob_of(struct cli *c, char *mblob, size_t cap, struct sg_error *e)
{
	char blob[64];
	sg_err err = cli_vcard_blob(c->card_arg, blob, sizeof(blob), e);

	if (!err)
		snprintf(mblob, cap, "%s.mgmt", blob);
	return err;
}

/* The card's management record: its blob name in mblob, its contents in m
 * (zeroed first: vmgmt_wipe is safe on every path). */
static sg_err vm_load(struct cli *c, char *mblob, size_t cap, struct vmgmt *m,
		      struct sg_error *e)
{
	sg_err err;

	memset(m, 0, sizeof(*m));
	err = vm_blob_of(c, mblob, cap, e);
	return err ? err : vmgmt_load(&c->hal, mblob, m, e);
}

static sg_err vm_admin_key(void *arg, uint8_t *alg, uint8_t key[32], size_t *len,
			   struct sg_error *e)
{
	char mblob[80];
	struct vmgmt m;
	sg_err err = vm_load(arg, mblob, sizeof(mblob), &m, e);

	if (!err) {
		*alg = m.alg;
		*len = m.key_len;
		memcpy(key, m.key, m.key_len);
	}
	vmgmt_wipe(&m);
	return err;
}

/* How long a writer of the blob waits for another (as the card's state). */
#define VM_LOCK_WAIT_MS 10000u

sg_err vmgmt_record_pub(const struct hal *hal, const char *blob, const struct piv_slot *s,
			const mbedtls_pk_context *pub, struct sg_error *e)
{
	struct vmgmt m;
	int h = -1, hr = hal_storage_lock(&hal->storage, blob, VM_LOCK_WAIT_MS, &h);
	sg_err err;

	if (hr != HAL_OK)
		return sg_error_set(e, SG_E_IO, "the management blob %s: %s", blob,
				    hr == HAL_ETIMEDOUT ? "another process holds its lock"
							: "cannot lock it");
	memset(&m, 0, sizeof(m));
	err = vmgmt_load(hal, blob, &m, e);
	if (!err)
		err = vmgmt_set_pub(&m, s, pub, e);
	if (!err)
		err = vmgmt_save(hal, blob, &m, e);
	vmgmt_wipe(&m);
	(void)hal_storage_unlock(&hal->storage, h);
	return err;
}

static sg_err vm_admin_key_made(void *arg, uint8_t ref, const mbedtls_pk_context *pub,
				struct sg_error *e)
{
	struct cli *c = arg;
	char mblob[80];
	sg_err err = vm_blob_of(c, mblob, sizeof(mblob), e);

	return err ? err : vmgmt_record_pub(&c->hal, mblob, piv_slot_of(ref), pub, e);
}

sg_err vmgmt_token_admin(struct cli *c, struct token *t, struct sg_error *e)
{
	const struct token_piv_admin a = {vm_admin_key, vm_admin_key_made, c};

	return token_piv_admin(t, &a, e);
}

void vmgmt_wipe(struct vmgmt *m)
{
	mbedtls_platform_zeroize(m, sizeof(*m));
}

static sg_err vm_key(const struct hal *hal, const char *blob, uint8_t key[32], struct sg_error *e)
{
	uint8_t dk[HAL_DEVKEY_LEN];
	sg_err err = SG_OK;

	if (hal_devkey_get(&hal->devkey, dk) != HAL_OK)
		err = sg_error_set(e, SG_E_IO, "the device key is not available (hal_devkey)");
	else if (mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
			      (const uint8_t *)VM_SALT, strlen(VM_SALT), dk, sizeof(dk),
			      (const uint8_t *)blob, strlen(blob), key, 32) != 0)
		err = sg_error_set(e, SG_E_INTERNAL, "HKDF failed");
	mbedtls_platform_zeroize(dk, sizeof(dk));
	return err;
}

static size_t vm_aad(const char *blob, uint8_t *aad, size_t cap)
{
	size_t bl = strlen(blob);

	if (VM_MAGIC_LEN + bl > cap)
		return 0;
	memcpy(aad, VM_MAGIC, VM_MAGIC_LEN);
	memcpy(aad + VM_MAGIC_LEN, blob, bl);
	return VM_MAGIC_LEN + bl;
}

sg_err vmgmt_save(const struct hal *hal, const char *blob, const struct vmgmt *m,
		  struct sg_error *e)
{
	uint8_t *buf = sg_calloc(1, VM_SEALED_MAX), *plain = sg_calloc(1, VM_PLAIN_MAX);
	uint8_t key[32], aad[VM_MAGIC_LEN + HAL_STORAGE_NAME_MAX + 1];
	size_t n = 0, al = vm_aad(blob, aad, sizeof(aad));
	mbedtls_gcm_context g;
	sg_err err = SG_OK;

	mbedtls_gcm_init(&g);
	if (!buf || !plain) {
		err = sg_error_set(e, SG_E_NOMEM, NULL);
		goto out;
	}
	if (!al || m->key_len > 32) {
		err = sg_error_set(e, SG_E_INTERNAL, "management blob name or key");
		goto out;
	}
	plain[n++] = m->alg;
	plain[n++] = (uint8_t)m->key_len;
	memcpy(plain + n, m->key, m->key_len);
	n += m->key_len;
	for (size_t i = 0; i < PIV_N_SLOTS; i++) {
		size_t pl = m->pub[i].len > VCLI_PUB_MAX ? 0 : m->pub[i].len;

		plain[n++] = (uint8_t)(pl >> 8);
		plain[n++] = (uint8_t)pl;
		memcpy(plain + n, m->pub[i].der, pl);
		n += pl;
	}
	err = vm_key(hal, blob, key, e);
	if (err)
		goto out;
	memcpy(buf, VM_MAGIC, VM_MAGIC_LEN);
	if (hal_rng_fill(&hal->rng, buf + VM_MAGIC_LEN, VM_NONCE) != HAL_OK) {
		err = sg_error_set(e, SG_E_IO, "no random numbers from the device");
		goto out;
	}
	if (mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 256) != 0 ||
	    mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, n, buf + VM_MAGIC_LEN, VM_NONCE, aad,
				      al, plain, buf + VM_MAGIC_LEN + VM_NONCE, VM_TAG,
				      buf + VM_MAGIC_LEN + VM_NONCE + n) != 0) {
		err = sg_error_set(e, SG_E_INTERNAL, "sealing failed");
		goto out;
	}
	if (hal_storage_write(&hal->storage, blob, buf, VM_MAGIC_LEN + VM_NONCE + n + VM_TAG) !=
	    HAL_OK)
		err = sg_error_set(e, SG_E_IO, "cannot write the storage blob %s", blob);
out:
	mbedtls_gcm_free(&g);
	mbedtls_platform_zeroize(key, sizeof(key));
	sg_free_secret(plain, VM_PLAIN_MAX);
	sg_free(buf);
	return err;
}

sg_err vmgmt_load(const struct hal *hal, const char *blob, struct vmgmt *m, struct sg_error *e)
{
	uint8_t *buf = sg_calloc(1, VM_SEALED_MAX), *plain = sg_calloc(1, VM_PLAIN_MAX);
	uint8_t key[32], aad[VM_MAGIC_LEN + HAL_STORAGE_NAME_MAX + 1];
	size_t len = VM_SEALED_MAX, n, off = 0, al = vm_aad(blob, aad, sizeof(aad));
	mbedtls_gcm_context g;
	sg_err err = SG_OK;
	int rc;

	memset(m, 0, sizeof(*m));
	mbedtls_gcm_init(&g);
	if (!buf || !plain) {
		err = sg_error_set(e, SG_E_NOMEM, NULL);
		goto out;
	}
	rc = hal_storage_read(&hal->storage, blob, buf, &len);
	if (rc == HAL_ENOENT) {
		err = sg_error_set(e, SG_E_NO_CARD, "no management key stored for this card (%s); "
				   "give it with --mgmt-key-fd", blob);
		goto out;
	}
	if (rc != HAL_OK || !al) {
		err = sg_error_set(e, SG_E_IO, "cannot read the storage blob %s", blob);
		goto out;
	}
	if (len < VM_MAGIC_LEN + VM_NONCE + VM_TAG + 2 || memcmp(buf, VM_MAGIC, VM_MAGIC_LEN))
		goto bad;
	n = len - VM_MAGIC_LEN - VM_NONCE - VM_TAG;
	err = vm_key(hal, blob, key, e);
	if (err)
		goto out;
	if (mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 256) != 0 ||
	    mbedtls_gcm_auth_decrypt(&g, n, buf + VM_MAGIC_LEN, VM_NONCE, aad, al,
				     buf + VM_MAGIC_LEN + VM_NONCE + n, VM_TAG,
				     buf + VM_MAGIC_LEN + VM_NONCE, plain) != 0)
		goto bad;
	/* Written by vmgmt_save, so well-formed; checked all the same. */
	m->alg = plain[off++];
	m->key_len = plain[off++];
	if (m->key_len > 32 || off + m->key_len > n)
		goto bad;
	memcpy(m->key, plain + off, m->key_len);
	off += m->key_len;
	for (size_t i = 0; i < PIV_N_SLOTS; i++) {
		if (off + 2 > n)
			goto bad;
		m->pub[i].len = (size_t)plain[off] << 8 | plain[off + 1];
		off += 2;
		if (m->pub[i].len > VCLI_PUB_MAX || off + m->pub[i].len > n)
			goto bad;
		memcpy(m->pub[i].der, plain + off, m->pub[i].len);
		off += m->pub[i].len;
	}
	goto out;
bad:
	vmgmt_wipe(m);
	err = sg_error_set(e, SG_E_NO_CARD, "the management blob %s cannot be unsealed with this "
			   "device's key (copied from another device, or damaged)", blob);
out:
	mbedtls_gcm_free(&g);
	mbedtls_platform_zeroize(key, sizeof(key));
	sg_free_secret(plain, VM_PLAIN_MAX);
	sg_free(buf);
	return err;
}
