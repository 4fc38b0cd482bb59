/*
 * test_card_cache.c: the certificate cache for cards (auth/token/
 * certcache.c), counted in APDUs: `signet sign --verify` on the virtual
 * card served through pcscd/vpcd (`vcard serve --verbose` logs one line
 * per APDU) and on the in-process virtual card (`--verbose` logs one
 * "vcard: APDU" line per APDU). Counts are deterministic, so they are
 * asserted as upper bounds:
 *   - first sight of a card: CHUID and the slot the URI names;
 *   - a known card: SELECT + GET DATA CHUID + VERIFY + GENERAL
 *     AUTHENTICATE + logout = 5, P-256 in 9C and RSA-2048 in 9A alike: the
 *     card's ATR offers extended-length APDUs, so the 256-byte GENERAL
 *     AUTHENTICATE and its answer, and a certificate on first sight, take
 *     one APDU each;
 *   - a card that offers only short APDUs (`vcard serve --short-apdus`):
 *     RSA-2048 in 9A takes 7 (the GENERAL AUTHENTICATE chained in two,
 *     its answer fetched with GET RESPONSE), and no extended APDU is sent;
 *   - [token] cert_cache = no: the card is read every time;
 *   - the key and certificate of 9C replaced on the card (same CHUID): the
 *     signature does not verify with the cached certificate, the card is
 *     read again and the sign-in goes through with the new one;
 *   - a cache entry holding another card's certificate (as a card with a
 *     cloned CHUID would meet): the same, never a wrong certificate used.
 * Setup as test_vcard_pcsc.c (root for a private mount namespace; every
 * case is skipped without it).
 */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest.h"

#define PIN "123456"
#define PUK "12345678"

static struct {
	int ready; /* 0: skip every case (reason printed once) */
	int port;
	pid_t pcscd, serve;
	char dir[512];
	char build[512];
} g;

/* `signet vcard import-cert` of a fresh key pair's certificate in 9C
 * (gen-key on the card, a certificate for its public key made by openssl
 * with a throwaway issuer) into DIR/FILE.der. */
static int new_9c(const char *name, const char *dir, const char *file)
{
	static char out[16384];
	char path[1200];
	FILE *f;
	int rc = itest_signet_run(NULL, out, sizeof(out), "vcard gen-key --name %s --slot 9c --alg p256",
				  name);

	snprintf(path, sizeof(path), "%s/%s/%s.pub", g.dir, dir, file);
	f = fopen(path, "w");
	if (rc || !f || fputs(out, f) < 0) {
		print_message("gen-key %s: %d %s\n", name, rc, out);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	if (itest_sh_out(out, sizeof(out),
			 "cd '%s' && openssl ecparam -name prime256v1 -genkey -noout -out '%s.ca' && "
			 "openssl x509 -new -subj '/CN=%s %s' -key '%s.ca' -force_pubkey '%s.pub' -days 30 "
			 "-outform DER -out '%s.der'",
			 dir, file, name, file, file, file, file))
		return -1;
	rc = itest_signet_run(NULL, out, sizeof(out),
			      "vcard import-cert --name %s --slot 9c '%s/%s/%s.der'", name, g.dir, dir,
			      file);
	if (rc)
		print_message("import-cert %s: %d %s\n", name, rc, out);
	return rc;
}

/* A card made as an owner makes one (vcard init, gen-key, import-cert):
 * P-256 in 9C, and RSA-2048 in 9A when rsa; files in DIR (under g.dir). */
static int make_card(const char *name, const char *dir, int rsa)
{
	static char out[16384];
	int rc;

	if (itest_sh_out(out, sizeof(out), "mkdir -p '%s'", dir))
		return -1;
	rc = itest_signet_run(PIN "\n" PUK "\n", out, sizeof(out), "vcard init --name %s --pin-fd 3",
			      name);
	if (rc) {
		print_message("vcard init %s: %d %s\n", name, rc, out);
		return -1;
	}
	if (new_9c(name, dir, "cert-9c"))
		return -1;
	if (!rsa)
		return 0;
	rc = itest_signet_run(PIN "\n", out, sizeof(out),
			      "vcard gen-key --name %s --slot 9a --alg rsa2048 --csr '%s/%s/9a.csr' "
			      "--subject 'CN=%s' --pin-fd 3",
			      name, g.dir, dir, name);
	if (rc || itest_sh_out(out, sizeof(out),
			       "cd '%s' && openssl req -in 9a.csr -pubkey -noout > 9a.pub && "
			       "openssl ecparam -name prime256v1 -genkey -noout -out 9a.ca && "
			       "openssl x509 -new -subj '/CN=%s' -key 9a.ca -force_pubkey 9a.pub -days 30 "
			       "-outform DER -out 9a.der",
			       dir, name)) {
		print_message("9A of %s: %d %s\n", name, rc, out);
		return -1;
	}
	rc = itest_signet_run(NULL, out, sizeof(out), "vcard import-cert --name %s --slot 9a '%s/%s/9a.der'",
			      name, g.dir, dir);
	return rc ? -1 : 0;
}

static int group_setup(void **state)
{
	const char *b = getenv("SIGNET_BUILD");
	char out[4096];

	(void)state;
	memset(&g, 0, sizeof(g));
	snprintf(g.dir, sizeof(g.dir), "%s", itest_scratch());
	snprintf(g.build, sizeof(g.build), "%s", b ? b : "build/linux-desktop");
	if (itest_pcscd_namespace(0) != 0)
		return 0;
	/* The card: a state directory and device key of this test's own. */
	snprintf(out, sizeof(out), "%s/state", g.dir);
	setenv("SIGNET_STATE_DIR", out, 1);
	snprintf(out, sizeof(out), "%s/device.key", g.dir);
	setenv("SIGNET_DEVICE_KEY", out, 1);
	setenv("SIGNET_CONFIG", "/dev/null", 1);
	setenv("PIN", PIN, 1);
	setenv("PUK", PUK, 1);
	/* The served card, "twin" (another key, for the cloned-CHUID case)
	 * and "local" (the in-process cases). */
	if (make_card("test", ".", 1) || make_card("twin", "twin", 0) ||
	    make_card("local", "local", 1))
		return -1;
	g.port = itest_vpcd_port_pair();
	if (g.port < 0 || (g.pcscd = itest_pcscd_start(g.port)) < 0)
		return -1;
	/* --verbose: the APDU log is checked for PIN bytes below. */
	g.serve = itest_vcard_serve("serve", "test", g.port, "--once --verbose");
	if (g.serve < 0)
		return -1;
	(void)itest_wait_reader_shows("opensc-tool --list-readers", "Yes             Virtual PCD");
	g.ready = 1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (g.serve > 0)
		itest_stop(g.serve);
	if (g.pcscd > 0)
		itest_stop(g.pcscd);
	return 0;
}

#define NEED_STACK()              \
	do {                      \
		if (!g.ready)     \
			skip();   \
	} while (0)


/* Lines of a file that contain text. */
static unsigned count_in(const char *path, const char *text)
{
	static char buf[1 << 20];
	unsigned n = 0;

	if (itest_slurp(path, buf, sizeof(buf)) < 0)
		return 0;
	for (const char *p = buf; (p = strstr(p, text)); p += strlen(text))
		n++;
	return n;
}

/* `signet sign --verify` with the PIN on fd 3: its exit status; *apdus:
 * the APDUs it sent (the served card's log, or its own --verbose log for
 * the in-process card). */
static int sign(const char *card, const char *uri, const char *extra, unsigned *apdus)
{
	char log[700], out[16384];
	unsigned before;
	int rc;

	snprintf(log, sizeof(log), "%s/serve.log", g.dir);
	before = count_in(log, "vpcd: APDU");
	rc = itest_signet_run(PIN "\n", out, sizeof(out),
			      "sign --verify --card %s --token '%s' %s --pin-fd 3 --verbose", card, uri,
			      extra);
	if (!strcmp(card, "pcsc")) {
		/* vpcd logs after the answer went out: wait for the last line. */
		unsigned n = count_in(log, "vpcd: APDU"), m;

		for (int i = 0; i < 40; i++, n = m) {
			itest_nap_ms(25);
			m = count_in(log, "vpcd: APDU");
			if (m == n && i > 2)
				break;
		}
		*apdus = n - before;
	} else {
		unsigned n = 0;

		for (const char *p = out; (p = strstr(p, "vcard: APDU")); p += 11)
			n++;
		*apdus = n;
	}
	if (rc != 0 || !strstr(out, "verified"))
		print_message("sign --card %s --token %s: exit %d\n%s\n", card, uri, rc, out);
	return strstr(out, "verified") ? rc : (rc ? rc : -1);
}

/* The one cache file of the card whose certificate is cert (DER file):
 * its name into name; 0, or -1 when none holds it. */
static int cache_file(const char *cert, char *name, size_t cap)
{
	static uint8_t der[8192], blob[40000];
	char path[1200], st[700];
	long dl = -1, bl;
	FILE *f = fopen(cert, "rb");
	DIR *d;
	struct dirent *de;
	int found = -1;

	if (f) {
		dl = (long)fread(der, 1, sizeof(der), f);
		fclose(f);
	}
	snprintf(st, sizeof(st), "%s/state", g.dir);
	d = opendir(st);
	if (dl <= 0 || !d)
		return -1;
	while (found < 0 && (de = readdir(d))) {
		if (strncmp(de->d_name, "certs-", 6))
			continue;
		snprintf(path, sizeof(path), "%s/%s", st, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		bl = (long)fread(blob, 1, sizeof(blob), f);
		fclose(f);
		for (long i = 0; i + dl <= bl && found < 0; i++)
			if (!memcmp(blob + i, der, (size_t)dl)) {
				snprintf(name, cap, "%s", path);
				found = 0;
			}
	}
	closedir(d);
	return found;
}

/* First sight, a known card, the RSA slot, and the cache off. */
static void check_counts(const char *card, const char *rel, int rsa)
{
	char dir[1200];
	char conf[700], cert[1300], name[1300];
	unsigned first, known, n;

	snprintf(dir, sizeof(dir), "%s/%s", g.dir, rel);
	assert_int_equal(sign(card, "pkcs11:id=%9c", "", &first), 0);
	print_message("%s: first sight %u APDUs\n", card, first);
	assert_true(first >= 5 && first <= 6); /* the certificate: one GET DATA */
	assert_int_equal(sign(card, "pkcs11:id=%9c", "", &known), 0);
	print_message("%s: known card %u APDUs\n", card, known);
	assert_true(known <= 5);
	assert_true(known < first);
	snprintf(cert, sizeof(cert), "%s/cert-9c.der", dir);
	assert_int_equal(cache_file(cert, name, sizeof(name)), 0);
	/* 9A (RSA-2048): read once (one GET DATA), then known: its GENERAL
	 * AUTHENTICATE is one extended APDU. */
	if (rsa) {
		assert_int_equal(sign(card, "pkcs11:id=%9a", "", &n), 0);
		print_message("%s: first sight of 9A (RSA-2048): %u APDUs\n", card, n);
		assert_true(n <= 6);
		assert_int_equal(sign(card, "pkcs11:id=%9a", "", &n), 0);
		print_message("%s: known card, RSA-2048 in 9A: %u APDUs\n", card, n);
		assert_true(n <= 5);
	}
	/* [token] cert_cache = no: every slot asked for is read again. */
	snprintf(conf, sizeof(conf), "%s/nocache.conf", g.dir);
	assert_int_equal(itest_sh("printf '[token]\\ncert_cache = no\\n' > '%s'", conf), 0);
	snprintf(cert, sizeof(cert), "--config '%s'", conf);
	assert_int_equal(sign(card, "pkcs11:id=%9c", cert, &n), 0);
	assert_true(n >= first);
}

static void test_pcsc_counts(void **state)
{
	(void)state;
	NEED_STACK();
	check_counts("pcsc", ".", 1);
}

static void test_inproc_counts(void **state)
{
	(void)state;
	NEED_STACK();
	check_counts("vcard:local", "local", 1);
}

/* A new key and certificate in 9C (the CHUID stays): the cached
 * certificate does not verify the card's signature; the card is read
 * again, the sign-in goes through with the new certificate, and the next
 * one is a known card's again. */
static void check_replaced(const char *card, const char *name, const char *rel)
{
	char path[1300], found[1300];
	unsigned n;

	assert_int_equal(sign(card, "pkcs11:id=%9c", "", &n), 0);
	snprintf(path, sizeof(path), "%s/%s/cert-9c.der", g.dir, rel);
	assert_int_equal(cache_file(path, found, sizeof(found)), 0);
	assert_int_equal(itest_sh("cp '%s' '%s/cache.old'", found, g.dir), 0);
	assert_int_equal(new_9c(name, rel, "new9c"), 0);
	/* signet vcard removed the card's cache file; another tool would
	 * not: put it back, as such a tool would leave it. */
	assert_int_not_equal(cache_file(path, path, sizeof(path)), 0);
	assert_int_equal(itest_sh("mv '%s/cache.old' '%s'", g.dir, found), 0);
	assert_int_equal(sign(card, "pkcs11:id=%9c", "", &n), 0);
	print_message("%s: after the 9C key and certificate were replaced: %u APDUs\n", card, n);
	assert_true(n > 5 && n <= 5 + 3);
	snprintf(path, sizeof(path), "%s/%s/new9c.der", g.dir, rel);
	assert_int_equal(cache_file(path, found, sizeof(found)), 0);
	assert_int_equal(sign(card, "pkcs11:id=%9c", "", &n), 0);
	assert_true(n <= 5);
}

static void test_pcsc_replaced(void **state)
{
	(void)state;
	NEED_STACK();
	check_replaced("pcsc", "test", ".");
}

static void test_inproc_replaced(void **state)
{
	(void)state;
	NEED_STACK();
	check_replaced("vcard:local", "local", "local");
}

/* The cache entry of this card's CHUID holds another card's 9C
 * certificate: the signature check fails, the card is read again and the
 * card's own certificate is used. */
static void check_cloned(const char *card, const char *rel)
{
	char mine[1200], other[700], name[1300];
	unsigned n;

	assert_int_equal(sign(card, "pkcs11:id=%9c", "", &n), 0);
	snprintf(mine, sizeof(mine), "%s/%s/new9c.der", g.dir, rel);
	if (cache_file(mine, name, sizeof(name))) {
		snprintf(mine, sizeof(mine), "%s/%s/cert-9c.der", g.dir, rel);
		assert_int_equal(cache_file(mine, name, sizeof(name)), 0);
	}
	snprintf(other, sizeof(other), "%s/twin/cert-9c.der", g.dir);
	assert_int_equal(itest_forge_cert_cache(name, 0x9C, other), 0);
	assert_int_equal(sign(card, "pkcs11:id=%9c", "", &n), 0);
	print_message("%s: cache entry of another card: %u APDUs\n", card, n);
	assert_true(n > 5 && n <= 5 + 6);
	/* The card's own certificate is cached again; the other one is gone. */
	assert_int_equal(cache_file(mine, name, sizeof(name)), 0);
	assert_int_not_equal(cache_file(other, name, sizeof(name)), 0);
	assert_int_equal(sign(card, "pkcs11:id=%9c", "", &n), 0);
	assert_true(n <= 5);
	/* A cache file that says 9C is empty: no certificate to pick, so the
	 * card is read, and it has one. */
	assert_int_equal(itest_forge_cert_cache(name, 0x9C, NULL), 0);
	assert_int_equal(sign(card, "pkcs11:id=%9c", "", &n), 0);
	assert_true(n > 5 && n <= 8);
	assert_int_equal(cache_file(mine, name, sizeof(name)), 0);
}

static void test_pcsc_cloned_chuid(void **state)
{
	(void)state;
	NEED_STACK();
	check_cloned("pcsc", ".");
}

static void test_inproc_cloned_chuid(void **state)
{
	(void)state;
	NEED_STACK();
	check_cloned("vcard:local", "local");
}

/* The served card in short-APDU mode (as many cards are): its ATR does
 * not offer extended length, so signet chains and uses GET RESPONSE, and
 * sends no extended APDU (the card would answer 6700; vpcd logs every
 * APDU's length). Runs last: the served card is put back afterwards. */
static void test_pcsc_short_card(void **state)
{
	char log[700], out[16384];
	unsigned n, big = 0;
	pid_t old = g.serve;

	(void)state;
	NEED_STACK();
	/* pcscd sees the card go and a new one come (the link is dialled
	 * again): wait until the reader shows a card with the short ATR. */
	itest_stop(g.serve);
	g.serve = itest_vcard_serve("serve-short", "test", g.port, "--once --verbose --short-apdus");
	assert_true(g.serve > 0 && g.serve != old);
	assert_int_equal(itest_wait_reader_shows("opensc-tool -r 0 --atr",
						 "3b:8b:80:01:80:f9:a0:00:00:03:08:00:00:10:00:c8"),
			 0);
	snprintf(log, sizeof(log), "%s/serve-short.log", g.dir);
	/* sign() counts the lines of serve.log: point it at this one. */
	assert_int_equal(itest_sh("cd '%s' && mv serve.log serve-long.log && ln -s serve-short.log "
				  "serve.log", g.dir), 0);
	assert_int_equal(sign("pcsc", "pkcs11:id=%9a", "", &n), 0);
	assert_int_equal(sign("pcsc", "pkcs11:id=%9a", "", &n), 0);
	print_message("pcsc, short-APDU card: known card, RSA-2048 in 9A: %u APDUs\n", n);
	assert_true(n > 5 && n <= 7);
	/* No APDU longer than a short one reached the card. */
	if (itest_slurp(log, out, sizeof(out)) > 0)
		for (const char *p = out; (p = strstr(p, " bytes -> ")); p++) {
			const char *q = p;

			while (q > out && q[-1] != ',')
				q--;
			if (strtoul(q + 1, NULL, 10) > 261)
				big++;
		}
	assert_int_equal(big, 0);
	assert_null(strstr(out, "SW 6700"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcsc_counts),
		cmocka_unit_test(test_inproc_counts),
		cmocka_unit_test(test_pcsc_replaced),
		cmocka_unit_test(test_inproc_replaced),
		cmocka_unit_test(test_pcsc_cloned_chuid),
		cmocka_unit_test(test_inproc_cloned_chuid),
		cmocka_unit_test(test_pcsc_short_card),
	};

	return cmocka_run_group_tests_name("card_cache", tests, group_setup, group_teardown);
}
