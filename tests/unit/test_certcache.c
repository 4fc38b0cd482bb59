/*
 * test_certcache.c: the certificate cache's blob (auth/token/certcache.c):
 * keys and names, the round trip, every malformed form refused (bad magic
 * or version, another card's key, truncated anywhere, trailing bytes, too
 * many or too long entries, an empty slot with data, a slot twice), and
 * load/save/drop through the test port's storage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "certcache.h"
#include "hal.h"
#include "port_test.h"
#include "sg_mem.h"

static const uint8_t cert_a[] = {0x30, 0x03, 0x02, 0x01, 0x01};
static const uint8_t cert_b[] = {0x30, 0x04, 0x02, 0x02, 0x01, 0x02};

static size_t sample(uint8_t key[32], uint8_t *buf, size_t cap)
{
	struct certcache_ent e[3] = {
		{0x9A, 1, cert_a, sizeof(cert_a)},
		{0x9C, 0, NULL, 0},
		{0x9E, 1, cert_b, sizeof(cert_b)},
	};

	certcache_key("piv", (const uint8_t *)"chuid-1", 7, key);
	return certcache_format(key, e, 3, buf, cap);
}

static void test_key_and_name(void **state)
{
	uint8_t k1[32], k2[32], k3[32];
	char name[CERTCACHE_NAME_LEN + 1];

	(void)state;
	certcache_key("piv", (const uint8_t *)"chuid-1", 7, k1);
	certcache_key("piv", (const uint8_t *)"chuid-2", 7, k2);
	certcache_key("p11", (const uint8_t *)"chuid-1", 7, k3);
	assert_memory_not_equal(k1, k2, 32); /* another CHUID: another card */
	assert_memory_not_equal(k1, k3, 32); /* the kind is part of the key */
	certcache_name(k1, name);
	assert_int_equal(strlen(name), CERTCACHE_NAME_LEN);
	assert_memory_equal(name, "certs-", 6);
	assert_true(hal_storage_name_ok(name));
}

static void test_roundtrip(void **state)
{
	uint8_t key[32], buf[256], again[256];
	struct certcache_ent e[CERTCACHE_ENTS];
	size_t len = sample(key, buf, sizeof(buf)), n;

	(void)state;
	assert_int_equal(len, CERTCACHE_HDR + 3 * 4 + sizeof(cert_a) + sizeof(cert_b));
	assert_int_equal(certcache_parse(buf, len, key, e, &n), SG_OK);
	assert_int_equal(n, 3);
	assert_int_equal(e[0].ref, 0x9A);
	assert_true(e[0].present);
	assert_int_equal(e[0].len, sizeof(cert_a));
	assert_memory_equal(e[0].der, cert_a, sizeof(cert_a));
	assert_int_equal(e[1].ref, 0x9C);
	assert_false(e[1].present);
	assert_int_equal(e[1].len, 0);
	assert_memory_equal(e[2].der, cert_b, sizeof(cert_b));
	assert_int_equal(certcache_format(key, e, n, again, sizeof(again)), len);
	assert_memory_equal(again, buf, len);
	/* Too small a buffer: nothing. */
	assert_int_equal(certcache_format(key, e, n, again, len - 1), 0);
}

static void test_malformed(void **state)
{
	uint8_t key[32], other[32], buf[256], bad[256];
	struct certcache_ent e[CERTCACHE_ENTS];
	size_t len = sample(key, buf, sizeof(buf)), n;

	(void)state;
	/* Every truncation, and one byte too many. */
	for (size_t l = 0; l < len; l++) {
		memcpy(bad, buf, l);
		assert_int_equal(certcache_parse(bad, l, key, e, &n), SG_E_MALFORMED);
		assert_int_equal(n, 0);
	}
	memcpy(bad, buf, len);
	bad[len] = 0;
	assert_int_equal(certcache_parse(bad, len + 1, key, e, &n), SG_E_MALFORMED);
	/* Another card's key. */
	certcache_key("piv", (const uint8_t *)"chuid-2", 7, other);
	assert_int_equal(certcache_parse(buf, len, other, e, &n), SG_E_MALFORMED);
	/* Magic, version, count. */
	static const size_t at[] = {0, 4, 5};
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		memcpy(bad, buf, len);
		bad[at[i]] ^= 0x40;
		assert_int_equal(certcache_parse(bad, len, key, e, &n), SG_E_MALFORMED);
	}
	/* An empty slot with a length; a certificate of length 0 (the next
	 * entry's header moved up); a flag that is neither 0 nor 1. */
	size_t e1 = CERTCACHE_HDR + 4 + sizeof(cert_a);
	memcpy(bad, buf, len);
	bad[e1 + 3] = 1;
	assert_int_equal(certcache_parse(bad, len, key, e, &n), SG_E_MALFORMED);
	memcpy(bad, buf, len);
	bad[e1 + 1] = 2;
	assert_int_equal(certcache_parse(bad, len, key, e, &n), SG_E_MALFORMED);
	memcpy(bad, buf, len);
	bad[CERTCACHE_HDR + 2] = 0;
	bad[CERTCACHE_HDR + 3] = 0;
	assert_int_equal(certcache_parse(bad, len, key, e, &n), SG_E_MALFORMED);
	/* The same slot twice. */
	memcpy(bad, buf, len);
	bad[e1] = 0x9A;
	assert_int_equal(certcache_parse(bad, len, key, e, &n), SG_E_MALFORMED);
	/* A length past the end, and one over the limit. */
	memcpy(bad, buf, len);
	bad[CERTCACHE_HDR + 2] = 0x7F;
	assert_int_equal(certcache_parse(bad, len, key, e, &n), SG_E_MALFORMED);
	assert_int_equal(certcache_parse(NULL, 0, key, e, &n), SG_E_MALFORMED);
}

static void test_bounds(void **state)
{
	static uint8_t der[CERTCACHE_DER_MAX + 1];
	uint8_t key[32], *buf = malloc(CERTCACHE_MAX + 16);
	struct certcache_ent e[CERTCACHE_ENTS + 1], got[CERTCACHE_ENTS];
	size_t len, n;

	(void)state;
	assert_non_null(buf);
	certcache_key("piv", (const uint8_t *)"x", 1, key);
	for (size_t i = 0; i <= CERTCACHE_ENTS; i++)
		e[i] = (struct certcache_ent){(uint8_t)i, 1, der, CERTCACHE_DER_MAX};
	/* The largest blob there can be parses; one entry more is refused. */
	len = certcache_format(key, e, CERTCACHE_ENTS, buf, CERTCACHE_MAX);
	assert_int_equal(len, CERTCACHE_MAX);
	assert_int_equal(certcache_parse(buf, len, key, got, &n), SG_OK);
	assert_int_equal(n, CERTCACHE_ENTS);
	assert_int_equal(certcache_format(key, e, CERTCACHE_ENTS + 1, buf, CERTCACHE_MAX + 16), 0);
	buf[5] = CERTCACHE_ENTS + 1;
	assert_int_equal(certcache_parse(buf, len, key, got, &n), SG_E_MALFORMED);
	/* A certificate over the limit is never written. */
	e[0].len = CERTCACHE_DER_MAX + 1;
	assert_int_equal(certcache_format(key, e, 1, buf, CERTCACHE_MAX), 0);
	free(buf);
}

static void test_storage(void **state)
{
	struct port_test *pt = port_test_new();
	struct hal hal;
	uint8_t key[32], buf[256], *got;
	struct certcache_ent e[CERTCACHE_ENTS];
	char name[CERTCACHE_NAME_LEN + 1];
	size_t len, n;

	(void)state;
	assert_non_null(pt);
	port_test_hal(pt, &hal);
	len = sample(key, buf, sizeof(buf));
	assert_null(certcache_load(&hal.storage, key, e, &n));
	assert_int_equal(n, 0);
	assert_int_equal(certcache_parse(buf, len, key, e, &n), SG_OK);
	certcache_save(&hal.storage, key, e, n);
	got = certcache_load(&hal.storage, key, e, &n);
	assert_non_null(got);
	assert_int_equal(n, 3);
	assert_memory_equal(e[2].der, cert_b, sizeof(cert_b));
	sg_free(got);
	/* A damaged blob is no blob. */
	certcache_name(key, name);
	buf[len - 1] ^= 1;
	assert_int_equal(hal_storage_write(&hal.storage, name, buf, len - 1), HAL_OK);
	assert_null(certcache_load(&hal.storage, key, e, &n));
	/* A card with no entries yet; then dropped: gone. */
	certcache_save(&hal.storage, key, e, 0);
	got = certcache_load(&hal.storage, key, e, &n);
	assert_non_null(got);
	assert_int_equal(n, 0);
	sg_free(got);
	certcache_drop(&hal.storage, key);
	assert_int_equal(hal_storage_read(&hal.storage, name, buf, &len), HAL_ENOENT);
	/* No storage: nothing, and no crash. */
	memset(&hal.storage, 0, sizeof(hal.storage));
	assert_null(certcache_load(&hal.storage, key, e, &n));
	certcache_save(&hal.storage, key, e, 0);
	certcache_drop(&hal.storage, key);
	port_test_free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_and_name), cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_malformed),    cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_storage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
