/*
 * vcard_pin.c: the PIN and the PUK (SP 800-73-4 part 2, 3.2.1 VERIFY,
 * 3.2.2 CHANGE REFERENCE DATA, 3.2.3 RESET RETRY COUNTER).
 *
 * Both are kept as salted PBKDF2-HMAC-SHA256 verifiers of their FF-padded
 * 8-byte form, compared in constant time. A check lowers the retry counter
 * and saves it BEFORE comparing: whatever happens next (a crash, a failed
 * write, a power cut), a guess has been paid for, and an attacker who can
 * make writes fail learns nothing (the answer is 6581 before any
 * comparison). A right guess then restores the counter with a second write.
 *
 * Each command runs under the state's lock from the re-read to the last
 * write (vc_begin .. vc_end): the counter it lowers is the one on
 * storage, not a copy read earlier, so guesses in parallel processes
 * queue up and each pays (one PBKDF2 under the lock: milliseconds).
 */
#include "vcard_priv.h"

#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>

int vc_pad_secret(const char *s, size_t len, uint8_t out[8])
{
	size_t i;

	if (!s || len < 6 || len > VC_PIN_LEN)
		return 0;
	memset(out, 0xFF, VC_PIN_LEN);
	for (i = 0; i < len; i++) {
		if ((uint8_t)s[i] == 0xFF)
			return 0;
		out[i] = (uint8_t)s[i];
	}
	return 1;
}

/* The wire form: 6 to 8 bytes other than FF, then FF up to 8. */
static int vc_padded_ok(const uint8_t *p)
{
	size_t n = 0, i;

	while (n < VC_PIN_LEN && p[n] != 0xFF)
		n++;
	for (i = n; i < VC_PIN_LEN; i++) {
		if (p[i] != 0xFF)
			return 0;
	}
	return n >= 6;
}

static sg_err vc_hash(const struct vcard *c, const uint8_t salt[VC_SALT_LEN],
		      const uint8_t padded[8], uint8_t out[VC_HASH_LEN])
{
	mbedtls_md_context_t md;
	sg_err r = SG_E_INTERNAL;

	mbedtls_md_init(&md);
	if (mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1) == 0 &&
	    mbedtls_pkcs5_pbkdf2_hmac(&md, padded, VC_PIN_LEN, salt, VC_SALT_LEN, c->st.iter,
				      VC_HASH_LEN, out) == 0)
		r = SG_OK;
	mbedtls_md_free(&md);
	return r;
}

sg_err vc_secret_set(const struct vcard *c, struct vc_secret *s, const uint8_t padded[8])
{
	if (hal_rng_fill(&c->hal->rng, s->salt, sizeof(s->salt)) != HAL_OK)
		return SG_E_IO;
	return vc_hash(c, s->salt, padded, s->hash);
}

/* Pays for one guess, then compares; under the lock (vc_begin). SW_OK
 * with the counter back at its maximum; 63Cx / 6983 / 6581 otherwise. */
static uint16_t vc_check(struct vcard *c, struct vc_secret *s, const uint8_t padded[8])
{
	uint8_t h[VC_HASH_LEN];
	int before = s->tries;
	uint16_t sw;

	if (s->tries <= 0)
		return SW_BLOCKED;
	s->tries--;
	if (vc_save(c) != SG_OK) {
		s->tries = before; /* nothing was written, nothing was compared */
		return SW_MEMORY;
	}
	if (vc_hash(c, s->salt, padded, h) != SG_OK) {
		sw = SW_UNKNOWN;
	} else if (!sg_ct_equal(h, s->hash, sizeof(h))) {
		sw = SW_TRIES(s->tries); /* 63C0 on the guess that blocks */
	} else {
		s->tries = s->max;
		sw = SW_OK;
		if (vc_save(c) != SG_OK) {
			s->tries = before - 1; /* as stored: the guess stays paid */
			sw = SW_MEMORY;
		}
	}
	mbedtls_platform_zeroize(h, sizeof(h));
	return sw;
}

static void vc_unverify(struct vcard *c)
{
	c->pin_verified = 0;
	c->pin_fresh = 0;
}

/* 00 20 00 80 [PIN]: verify, or with no data ask the state;
 * 00 20 FF 80: forget the verification (SP 800-73-4 part 2, 3.2.1). */
uint16_t vc_cmd_verify(struct vcard *c, const struct apdu *a, struct vc_out *o)
{
	uint16_t sw;

	(void)o;
	if ((a->p1 != 0x00 && a->p1 != 0xFF) || a->p2 != 0x80)
		return SW_WRONG_P1P2;
	if (a->p1 == 0xFF) {
		if (a->data_len)
			return SW_WRONG_LENGTH;
		vc_unverify(c);
		return SW_OK;
	}
	if (a->data_len == 0) {
		if (vc_refresh(c) != SG_OK)
			return SW_MEMORY;
		if (c->st.pin.tries <= 0)
			return SW_BLOCKED;
		return c->pin_verified ? SW_OK : SW_TRIES(c->st.pin.tries);
	}
	if (a->data_len != VC_PIN_LEN)
		return SW_WRONG_LENGTH;
	if (!vc_padded_ok(a->data))
		return SW_WRONG_DATA; /* cannot be the PIN: no guess spent */
	vc_unverify(c);
	if (vc_begin(c) != SG_OK)
		return SW_MEMORY;
	sw = vc_check(c, &c->st.pin, a->data);
	vc_end(c);
	if (sw == SW_OK) {
		c->pin_verified = 1;
		c->pin_fresh = 1;
	}
	return sw;
}

/* Replaces s's verifier after a successful check; 6581 restores it. */
static uint16_t vc_replace(struct vcard *c, struct vc_secret *s, const uint8_t padded[8],
			   int reset_tries)
{
	struct vc_secret old = *s;
	uint16_t sw = SW_OK;

	if (vc_secret_set(c, s, padded) != SG_OK) {
		sw = SW_UNKNOWN;
	} else {
		if (reset_tries)
			s->tries = s->max;
		if (vc_save(c) != SG_OK)
			sw = SW_MEMORY;
	}
	if (sw != SW_OK)
		*s = old;
	mbedtls_platform_zeroize(&old, sizeof(old));
	return sw;
}

/* 00 24 00 80|81, old || new: a new PIN (80) or PUK (81). */
uint16_t vc_cmd_change_ref(struct vcard *c, const struct apdu *a, struct vc_out *o)
{
	struct vc_secret *s;
	uint16_t sw;

	(void)o;
	if (a->p1 != 0x00 || (a->p2 != 0x80 && a->p2 != 0x81))
		return SW_WRONG_P1P2;
	if (a->data_len != 2 * VC_PIN_LEN)
		return SW_WRONG_LENGTH;
	if (!vc_padded_ok(a->data) || !vc_padded_ok(a->data + VC_PIN_LEN))
		return SW_WRONG_DATA;
	s = a->p2 == 0x80 ? &c->st.pin : &c->st.puk;
	if (s == &c->st.pin)
		vc_unverify(c);
	if (vc_begin(c) != SG_OK)
		return SW_MEMORY;
	sw = vc_check(c, s, a->data);
	if (sw == SW_OK)
		sw = vc_replace(c, s, a->data + VC_PIN_LEN, 0);
	vc_end(c);
	return sw;
}

/* 00 2C 00 80, PUK || new PIN: unblocks the PIN with the PUK. */
uint16_t vc_cmd_reset_retry(struct vcard *c, const struct apdu *a, struct vc_out *o)
{
	uint16_t sw;

	(void)o;
	if (a->p1 != 0x00 || a->p2 != 0x80)
		return SW_WRONG_P1P2;
	if (a->data_len != 2 * VC_PIN_LEN)
		return SW_WRONG_LENGTH;
	if (!vc_padded_ok(a->data) || !vc_padded_ok(a->data + VC_PIN_LEN))
		return SW_WRONG_DATA;
	vc_unverify(c);
	if (vc_begin(c) != SG_OK)
		return SW_MEMORY;
	sw = vc_check(c, &c->st.puk, a->data);
	if (sw == SW_OK)
		sw = vc_replace(c, &c->st.pin, a->data + VC_PIN_LEN, 1);
	vc_end(c);
	return sw;
}
