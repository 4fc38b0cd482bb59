/*
 * sip_tls_resume.c: the in-memory TLS session cache of sip_tls_resume.h.
 */
#include "sip_tls_resume.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "sg_mem.h"

/* Targets per transport: a flow walks at most a few (failover). */
#define RESUME_SLOTS 4
#define RESUME_KEY_MAX 520

struct resume_slot {
	int used;
	char key[RESUME_KEY_MAX];
	uint64_t start_ms;  /* the full handshake */
	uint64_t life_ms;
	mbedtls_ssl_session s;
	mbedtls_x509_crt issuer;
};

struct tls_resume {
	uint64_t life_ms;
	struct resume_slot slot[RESUME_SLOTS];
};

struct tls_resume *tls_resume_new(uint32_t lifetime_s)
{
	struct tls_resume *r;

	if (!lifetime_s || !(r = sg_calloc(1, sizeof(*r))))
		return NULL;
	r->life_ms = (uint64_t)lifetime_s * 1000u;
	for (int i = 0; i < RESUME_SLOTS; i++) {
		mbedtls_ssl_session_init(&r->slot[i].s);
		mbedtls_x509_crt_init(&r->slot[i].issuer);
	}
	return r;
}

static void slot_wipe(struct resume_slot *sl)
{
	mbedtls_ssl_session_free(&sl->s); /* zeroizes the master secret */
	mbedtls_x509_crt_free(&sl->issuer);
	mbedtls_platform_zeroize(sl, sizeof(*sl));
	mbedtls_ssl_session_init(&sl->s);
	mbedtls_x509_crt_init(&sl->issuer);
}

void tls_resume_free(struct tls_resume *r)
{
	if (!r)
		return;
	for (int i = 0; i < RESUME_SLOTS; i++)
		slot_wipe(&r->slot[i]);
	sg_free(r);
}

static struct resume_slot *slot_find(const struct tls_resume *r, const char *key)
{
	if (!r || !key || strlen(key) >= RESUME_KEY_MAX)
		return NULL;
	for (int i = 0; i < RESUME_SLOTS; i++)
		if (r->slot[i].used && strcmp(r->slot[i].key, key) == 0)
			return (struct resume_slot *)&r->slot[i];
	return NULL;
}

int tls_resume_offer(struct tls_resume *r, mbedtls_ssl_context *ssl, const char *key,
		     uint64_t now_ms)
{
	struct resume_slot *sl = slot_find(r, key);

	if (!sl)
		return 0;
	if (now_ms < sl->start_ms || now_ms - sl->start_ms >= sl->life_ms ||
	    mbedtls_ssl_set_session(ssl, &sl->s) != 0) {
		slot_wipe(sl);
		return 0;
	}
	return 1;
}

const mbedtls_x509_crt *tls_resume_issuer(const struct tls_resume *r, const char *key)
{
	const struct resume_slot *sl = slot_find(r, key);

	return sl ? &sl->issuer : NULL;
}

void tls_resume_keep(struct tls_resume *r, const mbedtls_ssl_context *ssl, const char *key,
		     const mbedtls_x509_crt *issuer, int resumed, uint64_t now_ms)
{
	struct resume_slot *sl = slot_find(r, key);
	mbedtls_ssl_session s;

	if (!r || !key || strlen(key) >= RESUME_KEY_MAX)
		return;
	if (resumed && !sl)
		return; /* dropped meanwhile: not kept again */
	mbedtls_ssl_session_init(&s);
	if (mbedtls_ssl_get_session(ssl, &s) != 0) {
		mbedtls_ssl_session_free(&s);
		if (sl)
			slot_wipe(sl);
		return;
	}
	if (sl && resumed) { /* the same session, perhaps a new ticket */
		mbedtls_ssl_session_free(&sl->s);
		sl->s = s; /* the pointers move with it */
		mbedtls_platform_zeroize(&s, sizeof(s));
		return;
	}
	if (!sl) { /* a free slot, else the oldest */
		sl = &r->slot[0];
		for (int i = 0; i < RESUME_SLOTS && sl->used; i++)
			if (!r->slot[i].used || r->slot[i].start_ms < sl->start_ms)
				sl = &r->slot[i];
	}
	slot_wipe(sl);
	sl->s = s;
	mbedtls_platform_zeroize(&s, sizeof(s));
	if (issuer && issuer->raw.p &&
	    mbedtls_x509_crt_parse_der(&sl->issuer, issuer->raw.p, issuer->raw.len) != 0) {
		slot_wipe(sl); /* no issuer to re-check with: no resumption */
		return;
	}
	memcpy(sl->key, key, strlen(key) + 1);
	sl->start_ms = now_ms;
	sl->life_ms = r->life_ms;
	if (sl->s.ticket_len && sl->s.ticket_lifetime &&
	    (uint64_t)sl->s.ticket_lifetime * 1000u < sl->life_ms)
		sl->life_ms = (uint64_t)sl->s.ticket_lifetime * 1000u;
	sl->used = 1;
}

void tls_resume_drop(struct tls_resume *r, const char *key)
{
	if (!r)
		return;
	if (key) {
		struct resume_slot *sl = slot_find(r, key);

		if (sl)
			slot_wipe(sl);
		return;
	}
	for (int i = 0; i < RESUME_SLOTS; i++)
		slot_wipe(&r->slot[i]);
}
