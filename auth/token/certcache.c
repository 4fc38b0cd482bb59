/* certcache.c: the certificate cache of cards (see certcache.h). */
#include "certcache.h"

#include <string.h>

#include <mbedtls/sha256.h>

#include "sg_hex.h"
#include "sg_mem.h"

static const uint8_t cc_magic[5] = {'S', 'G', 'C', 'C', 1};

void certcache_key(const char *kind, const uint8_t *id, size_t len, uint8_t key[32])
{
	mbedtls_sha256_context c;

	mbedtls_sha256_init(&c);
	mbedtls_sha256_starts_ret(&c, 0);
	mbedtls_sha256_update_ret(&c, (const uint8_t *)kind, strlen(kind) + 1);
	mbedtls_sha256_update_ret(&c, id, len);
	mbedtls_sha256_finish_ret(&c, key);
	mbedtls_sha256_free(&c);
}

void certcache_name(const uint8_t key[32], char name[CERTCACHE_NAME_LEN + 1])
{
	memcpy(name, "certs-", 6);
	sg_hex_encode(key, 16, name + 6, CERTCACHE_NAME_LEN + 1 - 6, 0);
}

sg_err certcache_parse(const uint8_t *buf, size_t len, const uint8_t key[32],
		       struct certcache_ent ents[CERTCACHE_ENTS], size_t *n)
{
	size_t off = CERTCACHE_HDR, cnt;

	*n = 0;
	if (!buf || len < CERTCACHE_HDR || len > CERTCACHE_MAX ||
	    memcmp(buf, cc_magic, sizeof(cc_magic)) || buf[5] > CERTCACHE_ENTS ||
	    memcmp(buf + 6, key, 32))
		return SG_E_MALFORMED;
	cnt = buf[5];
	for (size_t i = 0; i < cnt; i++) {
		struct certcache_ent *en = &ents[i];
		size_t l;

		if (len - off < 4)
			return SG_E_MALFORMED;
		en->ref = buf[off];
		en->present = buf[off + 1];
		l = (size_t)buf[off + 2] << 8 | buf[off + 3];
		off += 4;
		if (en->present > 1 || (en->present ? l == 0 : l != 0) || l > CERTCACHE_DER_MAX ||
		    len - off < l)
			return SG_E_MALFORMED;
		for (size_t j = 0; j < i; j++)
			if (ents[j].ref == en->ref)
				return SG_E_MALFORMED;
		en->der = l ? buf + off : NULL;
		en->len = l;
		off += l;
	}
	if (off != len)
		return SG_E_MALFORMED;
	*n = cnt;
	return SG_OK;
}

size_t certcache_format(const uint8_t key[32], const struct certcache_ent *ents, size_t n,
			uint8_t *buf, size_t cap)
{
	size_t off = CERTCACHE_HDR;

	if (n > CERTCACHE_ENTS || cap < CERTCACHE_HDR)
		return 0;
	memcpy(buf, cc_magic, sizeof(cc_magic));
	buf[5] = (uint8_t)n;
	memcpy(buf + 6, key, 32);
	for (size_t i = 0; i < n; i++) {
		size_t l = ents[i].present ? ents[i].len : 0;

		if ((ents[i].present && (l == 0 || !ents[i].der)) || l > CERTCACHE_DER_MAX ||
		    cap - off < 4 + l)
			return 0;
		buf[off] = ents[i].ref;
		buf[off + 1] = ents[i].present ? 1 : 0;
		buf[off + 2] = (uint8_t)(l >> 8);
		buf[off + 3] = (uint8_t)l;
		if (l)
			memcpy(buf + off + 4, ents[i].der, l);
		off += 4 + l;
	}
	return off;
}

uint8_t *certcache_load(const struct hal_storage *s, const uint8_t key[32],
			struct certcache_ent ents[CERTCACHE_ENTS], size_t *n)
{
	char name[CERTCACHE_NAME_LEN + 1];
	uint8_t probe[CERTCACHE_HDR - 1], *buf = NULL; /* a blob fits it only when too short */
	size_t len = sizeof(probe);
	int rc;

	*n = 0;
	if (!s || !s->ops)
		return NULL;
	certcache_name(key, name);
	/* Its size first: the heap holds what the blob needs, no more. */
	rc = hal_storage_read(s, name, probe, &len);
	if (rc == HAL_ENOMEM && len <= CERTCACHE_MAX)
		buf = sg_calloc(1, len);
	if (!buf || hal_storage_read(s, name, buf, &len) != HAL_OK ||
	    certcache_parse(buf, len, key, ents, n) != SG_OK) {
		sg_free(buf);
		*n = 0;
		return NULL;
	}
	return buf;
}

void certcache_save(const struct hal_storage *s, const uint8_t key[32],
		    const struct certcache_ent *ents, size_t n)
{
	char name[CERTCACHE_NAME_LEN + 1];
	size_t cap = CERTCACHE_HDR, len;
	uint8_t *buf;

	if (!s || !s->ops || n > CERTCACHE_ENTS)
		return;
	for (size_t i = 0; i < n; i++)
		cap += 4 + (ents[i].present ? ents[i].len : 0);
	buf = sg_calloc(1, cap);
	if (!buf)
		return;
	len = certcache_format(key, ents, n, buf, cap);
	certcache_name(key, name);
	if (len)
		(void)hal_storage_write(s, name, buf, len);
	sg_free(buf);
}

void certcache_drop(const struct hal_storage *s, const uint8_t key[32])
{
	char name[CERTCACHE_NAME_LEN + 1];

	if (!s || !s->ops)
		return;
	certcache_name(key, name);
	(void)hal_storage_remove(s, name);
}
