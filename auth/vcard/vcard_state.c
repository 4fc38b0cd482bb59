/*
 * vcard_state.c: the virtual card at rest: create, open, save.
 *
 * The state is serialised into a flat TLV list (one byte tags below, the
 * BER length forms of apdu.h) and the whole of it is sealed:
 *
 *   "SGVC" 01 | nonce (12) | AES-256-GCM(state) | tag (16)
 *
 * under key = HKDF-SHA256(ikm = device key, salt = "signet-vcard-v1",
 * info = "state seal"), AAD = "signet-vcard-v1" || blob name (a blob
 * renamed to another card's name does not open either). The nonce is
 * fresh from hal_rng for every write. A blob that fails any check --
 * header, tag, TLV layout, ranges, key parsing -- is "cannot be unsealed":
 * the card never runs on a state it did not write itself.
 *
 * Other processes share the blob (a sign-in, `signet vcard change-pin`,
 * `signet vcard serve`), so the copy in memory is only a cache: it is
 * checked against the blob before each command that uses it, and every
 * change is read-check-write under the blob's storage lock (vc_begin,
 * vc_save, vc_end). Without that, N processes guessing at once each
 * decremented a counter of their own and wrote it back: 3*N guesses.
 */
#include "vcard_priv.h"

#include <string.h>

#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "sg_log.h"
#include "sg_mem.h"

#define VC_STATE_MAX 32768 /* serialised: 4 RSA keys + 7 full objects fit */
#define VC_MAGIC "SGVC\x01"
#define VC_MAGIC_LEN 5
#define VC_NONCE_LEN 12
#define VC_TAG_LEN 16
#define VC_SEALED_MAX (VC_MAGIC_LEN + VC_NONCE_LEN + VC_STATE_MAX + VC_TAG_LEN)
#define VC_LABEL "signet-vcard-v1"
#define VC_VERSION 1
#define VC_ITER_MAX 1000000
#define VC_KEY_DER_MAX 1700 /* RSA-2048 private key DER is about 1190 */
/* How long a change waits for another process's change to end. A holder
 * does one or two PBKDF2 runs and writes (milliseconds; key generation
 * runs outside the lock), so ten parallel sign-ins wait well under a
 * second; only a stuck holder reaches this. */
#define VC_LOCK_WAIT_MS 10000u

/* Field tags of the serialised state. */
enum {
	F_VERSION = 0x01,
	F_ITER = 0x02,
	F_PIN = 0x10, /* salt || hash; +1 tries, +2 max */
	F_PUK = 0x18,
	F_MGMT_ALG = 0x20,
	F_MGMT_KEY = 0x21,
	F_KEY = 0x30, /* + slot: private key DER */
	F_OBJ = 0x40, /* + object id: its value */
};

static const char msg_missing[] = "no virtual card; create one with signet vcard init";
static const char msg_unseal[] =
	"state cannot be unsealed with this device's key (copied from another device, or damaged)";

/* ---- allocation ------------------------------------------------------------ */

static void vc_state_init(struct vc_state *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < VC_KEY_COUNT; i++)
		mbedtls_pk_init(&s->keys[i].pk);
}

static void vc_state_free(struct vc_state *s)
{
	size_t i;

	for (i = 0; i < VC_KEY_COUNT; i++)
		mbedtls_pk_free(&s->keys[i].pk);
	for (i = 0; i < VC_OBJ_COUNT; i++)
		vc_free_obj(&s->objs[i]);
	mbedtls_platform_zeroize(s, sizeof(*s));
}

struct vcard *vc_alloc(const struct hal *hal, const char *blob)
{
	struct vcard *c = sg_calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->hal = hal;
	memcpy(c->blob, blob, strlen(blob) + 1); /* checked: hal_storage_name_ok */
	vc_state_init(&c->st);
	c->rbuf = sg_calloc(1, VCARD_RESP_MAX);
	c->chain = sg_calloc(1, VCARD_CMD_MAX);
	if (!c->rbuf || !c->chain) {
		vcard_close(c);
		return NULL;
	}
	return c;
}

void vcard_close(struct vcard *c)
{
	if (!c)
		return;
	vc_end(c); /* never leave a lock behind */
	vc_state_free(&c->st);
	sg_free_secret(c->rbuf, VCARD_RESP_MAX);
	sg_free_secret(c->chain, VCARD_CMD_MAX);
	sg_free_secret(c, sizeof(*c));
}

/* ---- serialisation --------------------------------------------------------- */

struct vc_w {
	uint8_t *buf;
	size_t cap, len;
	int err;
};

static void w_put(struct vc_w *w, uint8_t tag, const uint8_t *v, size_t vl)
{
	size_t n;

	if (w->err)
		return;
	n = ber_tlv_put_hdr(w->buf + w->len, w->cap - w->len, tag, vl);
	if (!n || vl > w->cap - w->len - n) {
		w->err = 1;
		return;
	}
	memcpy(w->buf + w->len + n, v, vl);
	w->len += n + vl;
}

static void w_u8(struct vc_w *w, uint8_t tag, int v)
{
	uint8_t b = (uint8_t)v;

	w_put(w, tag, &b, 1);
}

static void w_secret(struct vc_w *w, uint8_t tag, const struct vc_secret *s)
{
	uint8_t v[VC_SALT_LEN + VC_HASH_LEN];

	memcpy(v, s->salt, VC_SALT_LEN);
	memcpy(v + VC_SALT_LEN, s->hash, VC_HASH_LEN);
	w_put(w, tag, v, sizeof(v));
	w_u8(w, (uint8_t)(tag + 1), s->tries);
	w_u8(w, (uint8_t)(tag + 2), s->max);
	mbedtls_platform_zeroize(v, sizeof(v));
}

/* mbedtls_pk_write_key_der writes at the end of its buffer. */
static void w_key(struct vc_w *w, uint8_t tag, mbedtls_pk_context *pk)
{
	uint8_t der[VC_KEY_DER_MAX];
	int n = mbedtls_pk_write_key_der(pk, der, sizeof(der));

	if (n <= 0)
		w->err = 1;
	else
		w_put(w, tag, der + sizeof(der) - (size_t)n, (size_t)n);
	mbedtls_platform_zeroize(der, sizeof(der));
}

static int vc_serialise(struct vc_state *s, uint8_t *buf, size_t cap, size_t *len)
{
	struct vc_w w = {buf, cap, 0, 0};
	uint8_t it[4] = {(uint8_t)(s->iter >> 24), (uint8_t)(s->iter >> 16),
			 (uint8_t)(s->iter >> 8), (uint8_t)s->iter};
	size_t i;

	w_u8(&w, F_VERSION, VC_VERSION);
	w_put(&w, F_ITER, it, sizeof(it));
	w_secret(&w, F_PIN, &s->pin);
	w_secret(&w, F_PUK, &s->puk);
	w_u8(&w, F_MGMT_ALG, s->mgmt_alg);
	w_put(&w, F_MGMT_KEY, s->mgmt_key, s->mgmt_key_len);
	for (i = 0; i < VC_KEY_COUNT; i++) {
		if (s->keys[i].alg)
			w_key(&w, (uint8_t)(F_KEY + i), &s->keys[i].pk);
	}
	for (i = 0; i < VC_OBJ_COUNT; i++) {
		if (s->objs[i].data)
			w_put(&w, (uint8_t)(F_OBJ + i), s->objs[i].data, s->objs[i].len);
	}
	*len = w.len;
	return w.err ? -1 : 0;
}

/* ---- parsing ---------------------------------------------------------------- */

static size_t vc_mgmt_key_len(int alg)
{
	switch (alg) {
	case VCARD_MGMT_3DES:
	case VCARD_MGMT_AES192:
		return 24;
	case VCARD_MGMT_AES128:
		return 16;
	case VCARD_MGMT_AES256:
		return 32;
	default:
		return 0;
	}
}

/* The algorithm of a parsed key, 0 when it is not one the card makes. */
static int vc_key_alg(const mbedtls_pk_context *pk)
{
	if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA && mbedtls_pk_get_bitlen(pk) == 2048)
		return VCARD_ALG_RSA2048;
	if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY &&
	    mbedtls_pk_ec(*pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1)
		return VCARD_ALG_ECCP256;
	return 0;
}

static int p_key(struct vc_state *s, size_t slot, const uint8_t *v, size_t vl)
{
	struct vc_key *k = &s->keys[slot];

	if (k->alg || mbedtls_pk_parse_key(&k->pk, v, vl, NULL, 0) != 0)
		return -1;
	k->alg = vc_key_alg(&k->pk);
	return k->alg ? 0 : -1;
}

static int p_obj(struct vc_state *s, size_t id, const uint8_t *v, size_t vl)
{
	struct vc_obj *o = &s->objs[id];

	if (o->data || vl == 0 || vl > VCARD_OBJECT_MAX)
		return -1;
	o->data = sg_calloc(1, vl);
	if (!o->data)
		return -1;
	memcpy(o->data, v, vl);
	o->len = vl;
	return 0;
}

static int p_secret(struct vc_secret *s, unsigned field, const uint8_t *v, size_t vl)
{
	if (field == 0 && vl == VC_SALT_LEN + VC_HASH_LEN) {
		memcpy(s->salt, v, VC_SALT_LEN);
		memcpy(s->hash, v + VC_SALT_LEN, VC_HASH_LEN);
		return 0;
	}
	if (field == 1 && vl == 1) {
		s->tries = v[0];
		return 0;
	}
	if (field == 2 && vl == 1) {
		s->max = v[0];
		return 0;
	}
	return -1;
}

/* One field; the bit it sets in *seen guards against repeats. */
static int p_field(struct vc_state *s, uint32_t tag, const uint8_t *v, size_t vl,
		   uint32_t *seen)
{
	uint32_t bit;

	if (tag >= F_KEY && tag < F_KEY + VC_KEY_COUNT)
		return p_key(s, tag - F_KEY, v, vl);
	if (tag >= F_OBJ && tag < F_OBJ + VC_OBJ_COUNT)
		return p_obj(s, tag - F_OBJ, v, vl);
	bit = tag == F_VERSION ? 1u : tag == F_ITER ? 2u : tag == F_MGMT_ALG ? 4u
	      : tag == F_MGMT_KEY ? 8u : tag >= F_PIN && tag < F_PIN + 3 ? 16u << (tag - F_PIN)
	      : tag >= F_PUK && tag < F_PUK + 3 ? 128u << (tag - F_PUK) : 0;
	if (!bit || (*seen & bit))
		return -1; /* unknown fields are refused: only this code writes them */
	*seen |= bit;
	if (tag == F_VERSION)
		return vl == 1 && v[0] == VC_VERSION ? 0 : -1;
	if (tag == F_ITER && vl == 4) {
		s->iter = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
		return 0;
	}
	if (tag == F_MGMT_ALG && vl == 1) {
		s->mgmt_alg = v[0];
		return 0;
	}
	if (tag == F_MGMT_KEY && vl <= sizeof(s->mgmt_key)) {
		memcpy(s->mgmt_key, v, vl);
		s->mgmt_key_len = vl;
		return 0;
	}
	if (tag >= F_PIN && tag < F_PIN + 3)
		return p_secret(&s->pin, tag - F_PIN, v, vl);
	if (tag >= F_PUK && tag < F_PUK + 3)
		return p_secret(&s->puk, tag - F_PUK, v, vl);
	return -1;
}

static int secret_ok(const struct vc_secret *s)
{
	return s->max >= 1 && s->max <= VCARD_TRIES_MAX && s->tries >= 0 && s->tries <= s->max;
}

static int vc_parse(struct vc_state *s, const uint8_t *buf, size_t len)
{
	uint32_t seen = 0;
	size_t off = 0;

	while (off < len) {
		const uint8_t *v;
		size_t vl, used;
		uint32_t tag;

		if (ber_tlv_next(buf + off, len - off, &tag, &v, &vl, &used) != SG_OK ||
		    p_field(s, tag, v, vl, &seen) != 0)
			return -1;
		off += used;
	}
	if (seen != 0x3FF || s->iter < 1 || s->iter > VC_ITER_MAX)
		return -1;
	if (!secret_ok(&s->pin) || !secret_ok(&s->puk))
		return -1;
	return vc_mgmt_key_len(s->mgmt_alg) == s->mgmt_key_len && s->mgmt_key_len ? 0 : -1;
}

/* ---- sealing ------------------------------------------------------------- */

static sg_err vc_seal_key(const struct hal *hal, uint8_t key[32])
{
	static const char info[] = "state seal";
	uint8_t dk[HAL_DEVKEY_LEN];
	sg_err r = SG_E_IO;

	if (hal_devkey_get(&hal->devkey, dk) == HAL_OK)
		r = mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
				 (const uint8_t *)VC_LABEL, strlen(VC_LABEL), dk, sizeof(dk),
				 (const uint8_t *)info, strlen(info), key, 32) == 0
			    ? SG_OK
			    : SG_E_INTERNAL;
	mbedtls_platform_zeroize(dk, sizeof(dk));
	return r;
}

static size_t vc_aad(const char *blob, uint8_t *aad, size_t cap)
{
	size_t a = strlen(VC_LABEL), b = strlen(blob);

	if (a + b > cap)
		return 0;
	memcpy(aad, VC_LABEL, a);
	memcpy(aad + a, blob, b);
	return a + b;
}

/* in/out may not overlap. *out_len: the sealed length. */
static sg_err vc_seal(const struct vcard *c, const uint8_t *in, size_t len, uint8_t *out,
		      size_t *out_len)
{
	uint8_t key[32], aad[sizeof(VC_LABEL) + HAL_STORAGE_NAME_MAX];
	size_t al = vc_aad(c->blob, aad, sizeof(aad));
	uint8_t *nonce = out + VC_MAGIC_LEN, *ct = nonce + VC_NONCE_LEN;
	mbedtls_gcm_context g;
	sg_err r;

	mbedtls_gcm_init(&g);
	memcpy(out, VC_MAGIC, VC_MAGIC_LEN);
	r = vc_seal_key(c->hal, key);
	if (r == SG_OK && hal_rng_fill(&c->hal->rng, nonce, VC_NONCE_LEN) != HAL_OK)
		r = SG_E_IO;
	if (r == SG_OK && (mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 256) != 0 ||
			   mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, len, nonce,
						     VC_NONCE_LEN, aad, al, in, ct, VC_TAG_LEN,
						     ct + len) != 0))
		r = SG_E_INTERNAL;
	mbedtls_gcm_free(&g);
	mbedtls_platform_zeroize(key, sizeof(key));
	*out_len = VC_MAGIC_LEN + VC_NONCE_LEN + len + VC_TAG_LEN;
	return r;
}

/* SG_E_NO_CARD when the seal does not open; SG_E_IO without a device key. */
static sg_err vc_unseal(const struct hal *hal, const char *blob, const uint8_t *in, size_t len,
			uint8_t *out, size_t *out_len)
{
	uint8_t key[32], aad[sizeof(VC_LABEL) + HAL_STORAGE_NAME_MAX];
	size_t al = vc_aad(blob, aad, sizeof(aad)), n;
	const uint8_t *nonce = in + VC_MAGIC_LEN, *ct = nonce + VC_NONCE_LEN;
	mbedtls_gcm_context g;
	sg_err r;

	if (len < VC_MAGIC_LEN + VC_NONCE_LEN + VC_TAG_LEN || memcmp(in, VC_MAGIC, VC_MAGIC_LEN))
		return SG_E_NO_CARD;
	n = len - VC_MAGIC_LEN - VC_NONCE_LEN - VC_TAG_LEN;
	mbedtls_gcm_init(&g);
	r = vc_seal_key(hal, key);
	if (r == SG_OK && (mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 256) != 0 ||
			   mbedtls_gcm_auth_decrypt(&g, n, nonce, VC_NONCE_LEN, aad, al, ct + n,
						    VC_TAG_LEN, ct, out) != 0))
		r = SG_E_NO_CARD;
	mbedtls_gcm_free(&g);
	mbedtls_platform_zeroize(key, sizeof(key));
	*out_len = n;
	return r;
}

/* ---- lock, save, load -------------------------------------------------------- */

static sg_err vc_lock_blob(const struct hal *hal, const char *blob, int *h)
{
	int hr = hal_storage_lock(&hal->storage, blob, VC_LOCK_WAIT_MS, h);

	if (hr == HAL_OK)
		return SG_OK;
	if (hr == HAL_ETIMEDOUT)
		sg_err_log(&hal->log, "virtual card state '%s': another process has held its lock "
			   "for more than %u s, so nothing was done (is a signet process stuck?)",
			   blob, VC_LOCK_WAIT_MS / 1000);
	else
		sg_err_log(&hal->log, "virtual card state '%s': cannot lock it (%s)", blob,
			   hr == HAL_ENOTSUP ? "this device's storage has no lock" : "storage error");
	return SG_E_IO;
}

static void vc_unlock(struct vcard *c)
{
	if (!c->locked)
		return;
	(void)hal_storage_unlock(&c->hal->storage, c->lock_h);
	c->locked = 0;
	c->lock_h = -1;
}

static sg_err vc_lock(struct vcard *c)
{
	sg_err r;

	if (c->locked)
		return SG_E_INTERNAL; /* not reentrant: a bug */
	r = vc_lock_blob(c->hal, c->blob, &c->lock_h);
	c->locked = r == SG_OK;
	return r;
}

/* What tells one sealed blob from another: its nonce (fresh from the rng
 * at every write), its GCM tag and its length. A writer never repeats a
 * nonce, and two different states sealed under one nonce still differ in
 * their tags. Bytes changed by someone without the key, nonce and tag
 * left alone, would not unseal: the card keeps the state it has, as it
 * would after refusing them. Cheaper than hashing the blob before every
 * command (the card re-reads it each time). */
static void vc_digest(const uint8_t *sealed, size_t len, uint8_t out[32])
{
	memset(out, 0, 32);
	if (len >= VC_MAGIC_LEN + VC_NONCE_LEN + VC_TAG_LEN) {
		memcpy(out, sealed + VC_MAGIC_LEN, VC_NONCE_LEN);
		memcpy(out + VC_NONCE_LEN, sealed + len - VC_TAG_LEN, VC_TAG_LEN);
	}
	out[28] = (uint8_t)(len >> 24);
	out[29] = (uint8_t)(len >> 16);
	out[30] = (uint8_t)(len >> 8);
	out[31] = (uint8_t)len;
}

/* What vc_serialise can write for this card, at most: a field's header
 * takes up to 4 bytes, a key's DER up to VC_KEY_DER_MAX. Buffers of this
 * size instead of VC_STATE_MAX keep a state write to a few KiB of heap
 * (zeroed and wiped) rather than 64 KiB. */
static size_t vc_state_bound(const struct vc_state *st)
{
	size_t n = 64 + 2 * (3 * 4 + VC_SALT_LEN + VC_HASH_LEN + 2) + 4 + sizeof(st->mgmt_key), i;

	for (i = 0; i < VC_KEY_COUNT; i++)
		if (st->keys[i].alg)
			n += 4 + VC_KEY_DER_MAX;
	for (i = 0; i < VC_OBJ_COUNT; i++)
		if (st->objs[i].data)
			n += 4 + st->objs[i].len;
	return n < VC_STATE_MAX ? n : VC_STATE_MAX;
}

sg_err vc_save(struct vcard *c)
{
	size_t cap = vc_state_bound(&c->st), pl = 0, sl = 0;
	uint8_t *plain = NULL, *sealed = NULL;
	sg_err r = SG_E_INTERNAL;

	if (!c->locked)
		return r; /* a write without the lock could undo another process's */
	r = SG_E_NOMEM;
	plain = sg_calloc(1, cap);
	if (!plain)
		goto out;
	r = SG_E_INTERNAL;
	if (vc_serialise(&c->st, plain, cap, &pl) != 0)
		goto out;
	r = SG_E_NOMEM;
	sealed = sg_calloc(1, VC_MAGIC_LEN + VC_NONCE_LEN + pl + VC_TAG_LEN);
	if (!sealed)
		goto out;
	r = vc_seal(c, plain, pl, sealed, &sl);
	if (r == SG_OK && hal_storage_write(&c->hal->storage, c->blob, sealed, sl) != HAL_OK)
		r = SG_E_IO;
	if (r == SG_OK) {
		vc_digest(sealed, sl, c->seen); /* our own write needs no re-read */
		c->seen_len = sl;
	}
out:
	sg_free_secret(plain, cap);
	sg_free(sealed);
	return r;
}

/* The error of a failed hal_storage_read of the card's blob. */
static sg_err vc_read_err(int hr, const char *blob, struct sg_error *e)
{
	switch (hr) {
	case HAL_OK:
		return SG_OK;
	case HAL_ENOENT:
		return sg_error_set(e, SG_E_NO_CARD, "%s", msg_missing);
	case HAL_ENOMEM: /* larger than any state this code writes */
		return sg_error_set(e, SG_E_NO_CARD, "%s: %s", blob, msg_unseal);
	case HAL_ENOTSUP:
		return sg_error_set(e, SG_E_IO, "this device has no storage for the virtual card");
	default:
		return sg_error_set(e, SG_E_IO, "cannot read the virtual card's state '%s'", blob);
	}
}

/* Makes fresh the card's state. A session's PIN verification is for the
 * PIN it was checked against, and a management authentication for the
 * key: when another process changed either (change-pin, unblock, a new
 * card under this name), they go, as they would on a card that was
 * changed under its reader. */
static void vc_adopt(struct vcard *c, struct vc_state *fresh)
{
	const struct vc_secret *o = &c->st.pin, *n = &fresh->pin;

	if (!sg_ct_equal(o->salt, n->salt, VC_SALT_LEN) || !sg_ct_equal(o->hash, n->hash, VC_HASH_LEN)) {
		c->pin_verified = 0;
		c->pin_fresh = 0;
	}
	if (c->st.mgmt_alg != fresh->mgmt_alg || c->st.mgmt_key_len != fresh->mgmt_key_len ||
	    !sg_ct_equal(c->st.mgmt_key, fresh->mgmt_key, sizeof(c->st.mgmt_key))) {
		c->mgmt_authed = 0;
		c->mgmt_pending = VC_MGMT_NONE;
		mbedtls_platform_zeroize(c->mgmt_chal, sizeof(c->mgmt_chal));
	}
	vc_state_free(&c->st);
	c->st = *fresh; /* the keys and objects move over */
	vc_state_init(fresh);
}

/* Reads the blob; unseals and adopts it unless it is the one last seen
 * (c->st.iter is 0 until a first load). */
static sg_err vc_load(struct vcard *c, struct sg_error *e)
{
	/* The card re-reads its blob before each command, a signature in a
	 * TLS handshake included: a buffer of the size last seen (the blob
	 * rarely changes), made exact when the storage says it grew, keeps
	 * that from adding VC_SEALED_MAX to the peak heap. */
	size_t cap = c->seen_len ? c->seen_len : VC_SEALED_MAX, sl = cap, pl = 0;
	uint8_t *sealed = sg_calloc(1, cap), *plain = NULL;
	uint8_t digest[32];
	struct vc_state fresh;
	sg_err r = SG_E_NOMEM;
	int hr;

	vc_state_init(&fresh);
	if (!sealed)
		goto out;
	hr = hal_storage_read(&c->hal->storage, c->blob, sealed, &sl);
	if (hr == HAL_ENOMEM && sl > cap && sl <= VC_SEALED_MAX) {
		/* it grew: once more with its size */
		sg_free(sealed);
		cap = sl;
		sealed = sg_calloc(1, cap);
		if (!sealed)
			goto out;
		hr = hal_storage_read(&c->hal->storage, c->blob, sealed, &sl);
	}
	if (hr != HAL_OK) {
		r = vc_read_err(hr, c->blob, e);
		goto out;
	}
	r = SG_OK;
	c->seen_len = sl;
	vc_digest(sealed, sl, digest);
	if (c->st.iter && memcmp(digest, c->seen, sizeof(digest)) == 0)
		goto out; /* unchanged since we last read or wrote it */
	/* The plain state is smaller than the blob it came in. */
	r = SG_E_NOMEM;
	plain = sg_calloc(1, sl ? sl : 1);
	if (!plain)
		goto out;
	r = vc_unseal(c->hal, c->blob, sealed, sl, plain, &pl);
	if (r == SG_E_IO) {
		sg_error_set(e, r, "the device key is not available (hal_devkey)");
		goto out;
	}
	if (r != SG_OK || vc_parse(&fresh, plain, pl) != 0) {
		r = sg_error_set(e, SG_E_NO_CARD, "%s: %s", c->blob, msg_unseal);
		goto out;
	}
	vc_adopt(c, &fresh);
	memcpy(c->seen, digest, sizeof(digest));
out:
	if (r == SG_E_NOMEM)
		sg_error_set(e, r, "out of memory opening the virtual card");
	vc_state_free(&fresh);
	sg_free_secret(plain, sl ? sl : 1);
	sg_free(sealed);
	return r;
}

sg_err vc_refresh(struct vcard *c)
{
	struct sg_error e;
	sg_err r;

	sg_error_init(&e);
	r = vc_load(c, &e);
	if (r != SG_OK)
		sg_warn(&c->hal->log, "virtual card: %s", e.detail);
	return r;
}

sg_err vc_begin(struct vcard *c)
{
	sg_err r = vc_lock(c);

	if (r == SG_OK) {
		r = vc_refresh(c);
		if (r != SG_OK)
			vc_unlock(c);
	}
	return r;
}

void vc_end(struct vcard *c)
{
	vc_unlock(c);
}

/* ---- open / create / erase -------------------------------------------------- */

sg_err vcard_open(const struct hal *hal, const char *blob, struct vcard **out,
		  struct sg_error *e)
{
	struct vcard *c = NULL;
	sg_err r;

	if (out)
		*out = NULL;
	if (!hal || !out || !hal_storage_name_ok(blob))
		return sg_error_set(e, SG_E_INVALID_ARG, "bad virtual card name");
	c = vc_alloc(hal, blob);
	if (!c)
		return sg_error_set(e, SG_E_NOMEM, "out of memory opening the virtual card");
	r = vc_load(c, e); /* a write is atomic: reading needs no lock */
	if (r != SG_OK) {
		vcard_close(c);
		return r;
	}
	*out = c;
	return SG_OK;
}

/* PIV cards ship with this 3DES key (SP 800-73 test cards, YubiKeys as
 * 3DES or AES-192): it is public, so a card made with it can be written
 * by anyone. Kept only to refuse it. */
static const uint8_t vc_well_known_key[24] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
					      5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};

static sg_err vc_params_check(const struct vcard_params *p, struct sg_error *e)
{
	int alg = p->mgmt_alg ? p->mgmt_alg : VCARD_MGMT_3DES;

	if (!p->pin || p->pin_len < 6 || p->pin_len > 8 || !p->puk || p->puk_len < 6 ||
	    p->puk_len > 8)
		return sg_error_set(e, SG_E_PIN_FORMAT, "the PIN and the PUK take 6 to 8 characters");
	if (!vc_mgmt_key_len(alg))
		return sg_error_set(e, SG_E_INVALID_ARG, "unknown management key algorithm %d", alg);
	if (p->mgmt_key && p->mgmt_key_len != vc_mgmt_key_len(alg))
		return sg_error_set(e, SG_E_INVALID_ARG, "the management key must be %zu bytes",
				    vc_mgmt_key_len(alg));
	if (p->mgmt_key && p->mgmt_key_len == sizeof(vc_well_known_key) &&
	    sg_ct_equal(p->mgmt_key, vc_well_known_key, sizeof(vc_well_known_key)))
		return sg_error_set(e, SG_E_INVALID_ARG, "the well-known default PIV management key "
				    "(0102..08) is refused: anyone could manage the card");
	if (p->pin_tries < 0 || p->pin_tries > VCARD_TRIES_MAX || p->puk_tries < 0 ||
	    p->puk_tries > VCARD_TRIES_MAX)
		return sg_error_set(e, SG_E_INVALID_ARG, "tries must be 1 to %d", VCARD_TRIES_MAX);
	return SG_OK;
}

static sg_err vc_init_secrets(struct vcard *c, const struct vcard_params *p)
{
	uint8_t pin[VC_PIN_LEN], puk[VC_PIN_LEN];
	sg_err r = SG_E_PIN_FORMAT;

	if (vc_pad_secret(p->pin, p->pin_len, pin) && vc_pad_secret(p->puk, p->puk_len, puk)) {
		r = vc_secret_set(c, &c->st.pin, pin);
		if (r == SG_OK)
			r = vc_secret_set(c, &c->st.puk, puk);
	}
	c->st.pin.max = c->st.pin.tries = p->pin_tries ? p->pin_tries : 3;
	c->st.puk.max = c->st.puk.tries = p->puk_tries ? p->puk_tries : 3;
	mbedtls_platform_zeroize(pin, sizeof(pin));
	mbedtls_platform_zeroize(puk, sizeof(puk));
	return r;
}

/* The caller's key, or a random one (handed out through mgmt_key_out). */
static sg_err vc_init_mgmt(struct vcard *c, const struct vcard_params *p)
{
	c->st.mgmt_alg = p->mgmt_alg ? p->mgmt_alg : VCARD_MGMT_3DES;
	c->st.mgmt_key_len = vc_mgmt_key_len(c->st.mgmt_alg);
	if (p->mgmt_key) {
		memcpy(c->st.mgmt_key, p->mgmt_key, c->st.mgmt_key_len);
	} else if (hal_rng_fill(&c->hal->rng, c->st.mgmt_key, c->st.mgmt_key_len) != HAL_OK) {
		return SG_E_IO;
	} else if (p->mgmt_key_out) {
		memcpy(p->mgmt_key_out, c->st.mgmt_key, c->st.mgmt_key_len);
	}
	return SG_OK;
}

sg_err vcard_create(const struct hal *hal, const char *blob, const struct vcard_params *p,
		    struct sg_error *e)
{
	struct vcard *c;
	sg_err r;

	if (!hal || !p || !hal_storage_name_ok(blob))
		return sg_error_set(e, SG_E_INVALID_ARG, "bad virtual card name");
	r = vc_params_check(p, e);
	if (r != SG_OK)
		return r;
	c = vc_alloc(hal, blob);
	if (!c)
		return sg_error_set(e, SG_E_NOMEM, "out of memory creating the virtual card");
	c->st.iter = VC_PBKDF2_ITER;
	r = vc_init_mgmt(c, p);
	if (r == SG_OK)
		r = vc_init_secrets(c, p);
	if (r == SG_OK)
		r = vc_objects_init(c);
	/* Under the lock: a card served by another process re-reads it whole
	 * and never writes its old state over the new one. */
	if (r == SG_OK)
		r = vc_lock(c);
	if (r == SG_OK)
		r = vc_save(c);
	vcard_close(c); /* unlocks */
	if (r == SG_E_PIN_FORMAT)
		return sg_error_set(e, r, "the PIN and the PUK cannot contain the byte FF");
	if (r != SG_OK)
		return sg_error_set(e, r, "cannot create the virtual card '%s' (random source, "
				    "device key or storage failed)", blob);
	return SG_OK;
}

sg_err vcard_erase(const struct hal *hal, const char *blob, struct sg_error *e)
{
	int h = -1, hr;

	if (!hal || !hal_storage_name_ok(blob))
		return sg_error_set(e, SG_E_INVALID_ARG, "bad virtual card name");
	if (vc_lock_blob(hal, blob, &h) != SG_OK)
		return sg_error_set(e, SG_E_IO, "cannot lock the virtual card's state '%s'", blob);
	hr = hal_storage_remove(&hal->storage, blob);
	(void)hal_storage_unlock(&hal->storage, h);
	if (hr == HAL_ENOENT)
		return sg_error_set(e, SG_E_NO_CARD, "%s", msg_missing);
	if (hr != HAL_OK)
		return sg_error_set(e, SG_E_IO, "cannot remove the virtual card's state '%s'", blob);
	return SG_OK;
}
