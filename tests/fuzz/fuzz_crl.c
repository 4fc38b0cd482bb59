/*
 * fuzz_crl.c: CRLs as signet reads them (auth/pki/crl.c) and as revocation
 * checking gets them (auth/pki/revoke.c): from a distribution point over HTTP
 * and from the cache.
 *
 * The certificates come from one throwaway PKI (tests/fuzz/gen/crl.py: an
 * EC CA, an RSA CA, users 0x1001 and 0x1002 under the EC CA and 0x80 under
 * the RSA CA, each with a CRL distribution point); the seeds are CRLs built
 * by hand from it (revoked with and without reasons, removeFromCRL, no
 * nextUpdate, stale, from the future, critical and unknown extensions, 121
 * entries, v1, signed by the RSA CA or a stranger's key), all current at
 * FUZZ_NOW.
 *
 * Input: byte 0 picks, the rest is the CRL (DER):
 *   bits 0-1  the way in: 0 the CRL on its own (crl.h), 1 the cache, 2 HTTP (a 200
 *             whose body it is), 3 both (cached, and fetched when the
 *             cached one does not do);
 *   bits 2-3  when: FUZZ_NOW, just past a week's nextUpdate (within the
 *             24 h grace), two months on, three days before;
 *   bit 4     the certificate: 0x1001 or 0x1002 (revoked in most seeds);
 *   bit 5     the RSA CA and its user instead.
 *
 * Checked: no crash, leak or sanitizer report; crl_lookup finds only an
 * entry with the certificate's serial, inside the CRL; revoke_check's answer is one of its promises (good,
 * revoked with a date, unavailable with what was tried), what it caches
 * is what it fetched, and nothing stays registered on the loop or held in
 * memory.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "crl.h"
#include "fz_net.h"
#include "hal.h"
#include "port_test.h"
#include "revoke.h"
#include "sg_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

#define FUZZ_NOW INT64_C(1780272000) /* 2026-06-01T00:00:00Z */
#define DAY INT64_C(86400)

static const char ca_ec_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBXTCCAQSgAwIBAgIBATAKBggqhkjOPQQDAjAmMRQwEgYDVQQKDAtzaWduZXQg\n"
	"ZnV6ejEOMAwGA1UEAwwFRUMgQ0EwHhcNMjUwMTAxMDAwMDAwWhcNMzUwMTAxMDAw\n"
	"MDAwWjAmMRQwEgYDVQQKDAtzaWduZXQgZnV6ejEOMAwGA1UEAwwFRUMgQ0EwWTAT\n"
	"BgcqhkjOPQIBBggqhkjOPQMBBwNCAASMCBLrbzsLXtkmLHcVsh3gmMGsRHsBNd/G\n"
	"lFnAKCsNiu7t8pezo+HTwhtIT9cszqNyi0yjnCoqx2k82mZgl6zJoyMwITAPBgNV\n"
	"HRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAKBggqhkjOPQQDAgNHADBEAiAD\n"
	"F63f8aKDl1bVk24kgi7/JsMZhEErlElKHqLDPFbF+wIgFnDvpNJ+fBWSd9HU5ZEd\n"
	"1NAmBoeGvnUpVYZAFDXOqP8=\n"
	"-----END CERTIFICATE-----\n";

static const char ca_rsa_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIC7DCCAdSgAwIBAgIBAjANBgkqhkiG9w0BAQsFADAnMRQwEgYDVQQKDAtzaWdu\n"
	"ZXQgZnV6ejEPMA0GA1UEAwwGUlNBIENBMB4XDTI1MDEwMTAwMDAwMFoXDTM1MDEw\n"
	"MTAwMDAwMFowJzEUMBIGA1UECgwLc2lnbmV0IGZ1enoxDzANBgNVBAMMBlJTQSBD\n"
	"QTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAPH34DRRB0EPzP8JkTzP\n"
	"dZV4K9EtsSq3hd2D6A3ZVk9kOD+BlKZaK1GqtRZv1xUPWbwnkDInaUq0v5HzvS2g\n"
	"0kjSuabnzSb8ZlhClWlh0wDyqimTFhS11BQTViV8a1n0gpty+1tatbYvOsrVEoXO\n"
	"cib04SzxcUhMMKy7NHA7G9pJw2KJ1zqDT5M1Dlw89G8La2oEkbanNeXJ6YeXf+LK\n"
	"l5VR9J/xddV8MSoHpamCN9JJUUS4PWuu9Z+ERcczQSxdOT/c0oZboal1Xlrj79QR\n"
	"UT5WLQ5k18Y1dM30VDm3c7pXOXyHUpQZIZJ8d2F2jVhc4tz7gFABv+X/B58aLPHo\n"
	"muMCAwEAAaMjMCEwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwDQYJ\n"
	"KoZIhvcNAQELBQADggEBAMavIFwHyvSzN6p7kypeMjrKGXI+CNsYwNotpUFUzGxG\n"
	"V4/79x5DnChdtYn4ZirllcdOAqScq+8P60afjY40Fk3/EnDpwPvMesdjnQq4RiKF\n"
	"6eZ3y2RILPykwp1+nQUs+ZKue0waoGAteHr3v1eXVrF2uID7gai0gfx13ve4yFNi\n"
	"wXyO/puKb7aSHIDiWvVjLI+Zfpq1VFl84LVKRmEkGW5JxXt+Ax51BrmHtDzjTlAm\n"
	"gQ4I4ZCGqq8dl/mK9P/0jRwUldeq9fFr+gCTCD5ALQUrD0Cn2IkSRLe3fuACMkjs\n"
	"UGeQif7a//jSEc0pAHG2ZLvrHPXxaC1YObVj2n7qi28=\n"
	"-----END CERTIFICATE-----\n";

static const char user_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBcjCCARqgAwIBAgICEAEwCgYIKoZIzj0EAwIwJjEUMBIGA1UECgwLc2lnbmV0\n"
	"IGZ1enoxDjAMBgNVBAMMBUVDIENBMB4XDTI1MDEwMTAwMDAwMFoXDTM1MDEwMTAw\n"
	"MDAwMFowJTEUMBIGA1UECgwLc2lnbmV0IGZ1enoxDTALBgNVBAMMBHVzZXIwWTAT\n"
	"BgcqhkjOPQIBBggqhkjOPQMBBwNCAASUtIyzWWDIMurEfHsmzIyiGXgwSaBk4Gtg\n"
	"u74h5GnxJXtqz252Hc9NMlTC9e8xZV+f1eZFZwkauKhQzCi9O28cozkwNzAMBgNV\n"
	"HRMBAf8EAjAAMCcGA1UdHwQgMB4wHKAaoBiGFmh0dHA6Ly9jcmwudGVzdC9lYy5j\n"
	"cmwwCgYIKoZIzj0EAwIDRgAwQwIgCp0RrArqyvLyQOpPKf35KjNIj+4N9UFXFXGR\n"
	"Kl0fcHUCHxQkTVzBpVKM/tKqN8iwbKnb5cBvv7tQUtRgu6PDli0=\n"
	"-----END CERTIFICATE-----\n";

static const char user_rev_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBeTCCAR6gAwIBAgICEAIwCgYIKoZIzj0EAwIwJjEUMBIGA1UECgwLc2lnbmV0\n"
	"IGZ1enoxDjAMBgNVBAMMBUVDIENBMB4XDTI1MDEwMTAwMDAwMFoXDTM1MDEwMTAw\n"
	"MDAwMFowKTEUMBIGA1UECgwLc2lnbmV0IGZ1enoxETAPBgNVBAMMCHVzZXItcmV2\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAElLSMs1lgyDLqxHx7JsyMohl4MEmg\n"
	"ZOBrYLu+IeRp8SV7as9udh3PTTJUwvXvMWVfn9XmRWcJGrioUMwovTtvHKM5MDcw\n"
	"DAYDVR0TAQH/BAIwADAnBgNVHR8EIDAeMBygGqAYhhZodHRwOi8vY3JsLnRlc3Qv\n"
	"ZWMuY3JsMAoGCCqGSM49BAMCA0kAMEYCIQCu+yNnxqb1uxD68TvtgCcM7GKX1H1v\n"
	"fgEBGikEQfcfngIhAPF5IEOSI5A7VoWEDpno0aeAwtjvMV1iU9ymYIeA3BP9\n"
	"-----END CERTIFICATE-----\n";

static const char user_rsa_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIICOzCCASOgAwIBAgICAIAwDQYJKoZIhvcNAQELBQAwJzEUMBIGA1UECgwLc2ln\n"
	"bmV0IGZ1enoxDzANBgNVBAMMBlJTQSBDQTAeFw0yNTAxMDEwMDAwMDBaFw0zNTAx\n"
	"MDEwMDAwMDBaMCkxFDASBgNVBAoMC3NpZ25ldCBmdXp6MREwDwYDVQQDDAh1c2Vy\n"
	"LXJzYTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABJS0jLNZYMgy6sR8eybMjKIZ\n"
	"eDBJoGTga2C7viHkafEle2rPbnYdz00yVML17zFlX5/V5kVnCRq4qFDMKL07bxyj\n"
	"OjA4MAwGA1UdEwEB/wQCMAAwKAYDVR0fBCEwHzAdoBugGYYXaHR0cDovL2NybC50\n"
	"ZXN0L3JzYS5jcmwwDQYJKoZIhvcNAQELBQADggEBANPSFic/iKUuAcHZLVSnZqCM\n"
	"M9n80hNEzsulv0An9+s4s4xHT4oUsqmsNXNJjLHNk31BvZlU4knxZWpw8+KYq5Bx\n"
	"BT5b9fLq5QlYnu4mZrvTPcb83Onwb8FSqWu9nDFlJnNHYAXaq4npPzp9dL1Ncl8f\n"
	"X/8Rnu2qtzgRygeLSR2muKd3mBsPI4eL5VgxpjTn8SiJWWoCNZFsJh1wGr03OqGS\n"
	"yKu+IeWQBdhzu6VWu1iWb3u5XeMGxzwFfjT6Q2PBrYsezA82ch7dr8twGk7Gh3iJ\n"
	"0uRZVnr3GfRVVPAx1+vJmaF0iuR12SH0hN8HJ0XaYeKCiISAu8MVm5EUSdRoW4w=\n"
	"-----END CERTIFICATE-----\n";

static mbedtls_x509_crt ca_ec, ca_rsa, user, user_rev, user_rsa;
static struct port_test *pt;

static void load(mbedtls_x509_crt *c, const char *pem)
{
	mbedtls_x509_crt_init(c);
	/* the length counts the NUL: mbedTLS wants it for PEM */
	if (mbedtls_x509_crt_parse(c, (const unsigned char *)pem, strlen(pem) + 1))
		abort();
}

static void setup(void)
{
	if (pt)
		return;
	load(&ca_ec, ca_ec_pem);
	load(&ca_rsa, ca_rsa_pem);
	load(&user, user_pem);
	load(&user_rev, user_rev_pem);
	load(&user_rsa, user_rsa_pem);
	pt = port_test_new();
	if (!pt)
		abort();
	port_test_log_level(pt, HAL_LOG_ERR);
}

/* The CRL on its own (crl.h), against what its entries say. */
static void check_direct(const uint8_t *d, size_t n, const mbedtls_x509_crt *cert,
			 const mbedtls_x509_crt *issuer, int64_t now)
{
	struct crl crl;
	struct crl_entry en;
	struct sg_error e;

	if (crl_parse(&crl, d, n, NULL) != SG_OK)
		return;
	int hit = crl_lookup(&crl, cert, &en);
	if (hit) {
		CHECK(en.serial.len == cert->serial.len &&
		      !memcmp(en.serial.p, cert->serial.p, en.serial.len));
		CHECK(en.serial.p >= d && en.serial.p + en.serial.len <= d + n);
		(void)revoke_reason_name(en.reason);
	}
	(void)crl_applies(&crl, cert);
	(void)crl_scope(&crl, cert, NULL);
	(void)crl_expiry(&crl, 3600);
	sg_error_init(&e);
	if (crl_verify(&crl, issuer, &e) != SG_OK)
		CHECK(e.code == SG_E_REVOCATION_UNAVAILABLE && e.detail[0]);
	sg_error_init(&e);
	if (crl_current(&crl, now, 300, CRL_MAX_AGE_DEFAULT, &e) != SG_OK)
		CHECK(e.code == SG_E_REVOCATION_UNAVAILABLE && e.detail[0]);
}

/* ---- revoke_check: the cache serves the input, the network too --------- */

struct ctx {
	const uint8_t *d;
	size_t n;
	int cache, http;
	int fetched;       /* the body went out over HTTP */
	int cached_writes; /* writes to the cache */
};

static struct ctx cx;

static int st_read(void *ctx, const char *name, uint8_t *buf, size_t *len)
{
	(void)ctx;
	CHECK(hal_storage_name_ok(name));
	if (!cx.cache)
		return HAL_ENOENT;
	if (!buf || *len < cx.n) {
		*len = cx.n;
		return HAL_ENOMEM;
	}
	memcpy(buf, cx.d, cx.n);
	*len = cx.n;
	return HAL_OK;
}

static int st_write(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
	(void)ctx;
	CHECK(hal_storage_name_ok(name));
	/* Only an answer fetched now is cached, and as it came. */
	CHECK(cx.fetched && len == cx.n && !memcmp(buf, cx.d, len));
	cx.cached_writes++;
	return HAL_OK;
}

static int st_remove(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return HAL_ENOENT;
}

static const struct hal_storage_ops st_ops = {st_read, st_write, st_remove, NULL, NULL};

static int on_connect(struct fz_net *n, int h, void *arg)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\n"
				   "Content-Length: ";
	char len[32];
	int k;

	(void)arg;
	if (!cx.http)
		return HAL_EREFUSED;
	CHECK(strcmp(n->conn[h].host, "crl.test") == 0);
	k = snprintf(len, sizeof(len), "%zu\r\n\r\n", cx.n);
	fz_net_push(n, h, (const uint8_t *)head, sizeof(head) - 1);
	fz_net_push(n, h, (const uint8_t *)len, (size_t)k);
	fz_net_push(n, h, cx.d, cx.n);
	fz_net_peer_close(n, h);
	cx.fetched = 1;
	return HAL_OK;
}

static void check_revoke(const uint8_t *d, size_t size, unsigned way, uint32_t seed,
			 const mbedtls_x509_crt *cert, const mbedtls_x509_crt *issuer, int64_t now)
{
	struct revoke_policy p;
	struct revoke_result r;
	struct fz_net net;
	struct hal hal;
	struct sg_error e;
	sg_err rc;

	memset(&cx, 0, sizeof(cx));
	cx.d = d;
	cx.n = size;
	cx.cache = way & 1;
	cx.http = (way & 2) != 0;
	port_test_hal(pt, &hal);
	hal.storage.ops = &st_ops;
	hal.storage.ctx = NULL;
	fz_net_init(&net, seed, on_connect, NULL, NULL);
	fz_net_hal(&net, &hal);
	revoke_policy_default(&p);
	CHECK(revoke_policy_methods(&p, "crl", NULL) == SG_OK);
	p.max_crl_bytes = 1u << 20;
	sg_error_init(&e);
	rc = revoke_check(&hal, &p, cert, issuer, NULL, now, &r, &e);
	CHECK(memchr(r.source, '\0', sizeof(r.source)) && memchr(r.trail, '\0', sizeof(r.trail)));
	switch (rc) {
	case SG_OK:
		CHECK(r.status == REVOKE_GOOD);
		break;
	case SG_E_REVOKED:
		CHECK(r.status == REVOKE_REVOKED && e.detail[0]);
		break;
	default:
		CHECK(rc == SG_E_REVOCATION_UNAVAILABLE && r.status == REVOKE_UNAVAILABLE);
		CHECK(e.detail[0]);
		break;
	}
	CHECK(cx.cached_writes <= 1);
	CHECK(fz_net_timers(&net) == 0 && fz_net_watches(&net) == 0 && fz_net_open(&net) == 0);
	fz_net_free(&net);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t when[4] = {FUZZ_NOW, FUZZ_NOW + 7 * DAY + 7200, FUZZ_NOW + 60 * DAY,
					FUZZ_NOW - 3 * DAY};
	const mbedtls_x509_crt *cert, *issuer;
	size_t before;
	int64_t now;
	unsigned way;

	setup();
	if (size < 1)
		return 0;
	before = sg_mem_current();
	way = data[0] & 3;
	now = when[(data[0] >> 2) & 3];
	if (data[0] & 0x20) {
		cert = &user_rsa;
		issuer = &ca_rsa;
	} else {
		cert = data[0] & 0x10 ? &user_rev : &user;
		issuer = &ca_ec;
	}
	if (way == 0)
		check_direct(data + 1, size - 1, cert, issuer, now);
	else
		check_revoke(data + 1, size - 1, way, data[0], cert, issuer, now);
	CHECK(sg_mem_current() == before);
	return 0;
}
