/*
 * test_vcard_cli.c: `signet vcard ...` and `signet --card vcard` end to
 * end, as a person or a script runs them: create a card, generate keys on
 * it, have openssl issue certificates from the card-signed requests,
 * import and export them, sign in with them, change the PIN, get it
 * blocked and unblocked, move the state to another "device", erase it.
 *
 * All state lives in the scratch directory (SIGNET_STATE_DIR,
 * SIGNET_DEVICE_KEY); PINs go on fd 3, never in argv. The cases run in
 * order on one card.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "itest.h"

#define PIN "123456"
#define PUK "12345678"
#define NEW_PIN "24681357"

static char state[512], devkey[512], pki[512];

static int group_setup(void **st)
{
	(void)st;
	snprintf(state, sizeof(state), "%s/state", itest_scratch());
	snprintf(devkey, sizeof(devkey), "%s/device.key", itest_scratch());
	snprintf(pki, sizeof(pki), "%s/pki", itest_scratch());
	setenv("SIGNET_STATE_DIR", state, 1);
	setenv("SIGNET_DEVICE_KEY", devkey, 1);
	setenv("SIGNET_CONFIG", "/dev/null", 1);
	if (itest_sh("'%s/tools/testpki' '%s' >/dev/null", itest_top(), pki))
		return -1;
	/* What a CA adds to a sign-in certificate, and to a signing one. */
	if (itest_sh("printf '%%s\\n' 'basicConstraints=critical,CA:FALSE' "
		     "'keyUsage=critical,digitalSignature,nonRepudiation' "
		     "'subjectAltName=email:alice@example.test' >'%s/sign.ext'",
		     pki))
		return -1;
	return itest_sh("printf '%%s\\n' 'basicConstraints=critical,CA:FALSE' "
			"'keyUsage=critical,digitalSignature' 'extendedKeyUsage=clientAuth' "
			"'subjectAltName=URI:sip:alice@example.test' >'%s/user.ext'",
			pki);
}

/* Certificate for a card-signed request, issued by the test CA. */
static void issue(const char *csr, const char *crt, const char *ext)
{
	assert_int_equal(itest_sh("openssl req -in '%s/%s' -noout -verify 2>/dev/null", pki, csr), 0);
	assert_int_equal(itest_sh("cd '%s' && openssl x509 -req -in %s -CA ca.crt -CAkey ca.key "
				  "-CAserial serial -days 365 -sha256 -extfile %s -out %s "
				  "2>/dev/null",
				  pki, csr, ext, crt),
			 0);
}

static void test_init(void **st)
{
	(void)st;
	/* Secrets never come from argv: there is no option for them. */
	itest_run(NULL, 2, "vcard init --pin 123456");
	/* A PIN too short never makes a card. */
	itest_run("123\n" PUK "\n", 2, "vcard init --pin-fd 3");
	itest_run(NULL, 3, "vcard status");
	itest_expect_out("signet vcard init");
	itest_run(PIN "\n" PUK "\n", 0, "vcard init --pin-fd 3");
	itest_expect_out("created");
	/* Not twice without --force. */
	itest_run(PIN "\n" PUK "\n", 2, "vcard init --pin-fd 3");
	itest_expect_out("--force");
	itest_run(NULL, 0, "vcard status");
	itest_expect_out("PIN: 3 of 3 tries left");
	itest_expect_out("PUK: 3 of 3 tries left");
	itest_expect_out("slot 9a (PIV Authentication): no key, no certificate");
	/* The management key is sealed, never printed; no blob is plain. */
	assert_int_equal(itest_sh("test -f '%s/vcard-default' && test -f '%s/vcard-default.mgmt'",
				  state, state),
			 0);
	assert_int_equal(itest_sh("grep -q '%s' '%s'/* ", PIN, state), 1);
}

static void test_gen_and_import(void **st)
{
	(void)st;
	itest_run(NULL, 2, "vcard gen-key --alg p256");                /* no slot */
	itest_run(NULL, 2, "vcard gen-key --slot 9b --alg p256");      /* not a key slot */
	itest_run(NULL, 2, "vcard gen-key --slot 9a --alg ed25519");   /* no such algorithm */
	itest_run(PIN "\n", 0,
	    "vcard gen-key --slot 9a --alg p256 --csr '%s/alice.csr' --subject 'CN=alice,O=signet "
	    "test' --san sip:alice@example.test --pin-fd 3",
	    pki);
	issue("alice.csr", "alice.crt", "user.ext");
	assert_int_equal(itest_sh("openssl req -in '%s/alice.csr' -noout -text | grep -q "
				  "'URI:sip:alice@example.test'",
				  pki),
			 0);
	/* A certificate for another key is refused; the right one goes in. */
	itest_run(NULL, 6, "vcard import-cert --slot 9a '%s/ca.crt'", pki);
	itest_expect_out("not the key in slot 9a");
	itest_run(NULL, 2, "vcard import-cert --slot 9a");
	itest_run(NULL, 0, "vcard import-cert --slot 9a '%s/alice.crt'", pki);
	/* DER out equals what openssl made. */
	itest_run(NULL, 0, "vcard export-cert --slot 9a --der --out '%s/alice.out.der'", pki);
	assert_int_equal(itest_sh("cd '%s' && openssl x509 -in alice.crt -outform DER -out a.der && "
				  "cmp -s a.der alice.out.der",
				  pki),
			 0);
	itest_run(NULL, 0, "vcard export-cert --slot 9a --out '%s/alice.out.pem'", pki);
	assert_int_equal(itest_sh("cd '%s' && openssl x509 -in alice.out.pem -outform DER | cmp -s "
				  "a.der -",
				  pki),
			 0);
	itest_run(NULL, 3, "vcard export-cert --slot 9d");
	/* An RSA key in 9C (its public key printed), then a request for it. */
	itest_run(NULL, 0, "vcard gen-key --slot 9c --alg rsa2048");
	itest_expect_out("-----BEGIN PUBLIC KEY-----");
	itest_run(PIN "\n", 0,
	    "vcard gen-key --slot 9c --alg rsa2048 --csr '%s/sig.csr' --subject CN=alice-sign "
	    "--pin-fd 3",
	    pki);
	issue("sig.csr", "sig.crt", "sign.ext");
	itest_run(NULL, 0, "vcard import-cert --slot 9c '%s/sig.crt'", pki);
	itest_run(NULL, 0, "vcard status");
	itest_expect_out("slot 9a (PIV Authentication): key EC P-256, certificate CN=alice");
	itest_expect_out("slot 9c (Digital Signature): key RSA-2048, certificate CN=alice-sign");
	itest_run(NULL, 0, "vcard status --json");
	itest_expect_out("\"pin_tries_left\":3");
	itest_expect_out("\"subject\":\"CN=alice-sign\"");
}

static void test_sign(void **st)
{
	(void)st;
	itest_run(NULL, 0, "certs --card vcard");
	itest_expect_out("PIV AUTH key");
	itest_expect_out("sip:alice@example.test");
	/* Two keys: the slot is picked by URI. */
	itest_run(PIN "\n", 2, "sign --verify --card vcard --pin-fd 3");
	itest_expect_out("pkcs11:id=%9A");
	itest_run(PIN "\n", 0, "sign --verify --card vcard --token 'pkcs11:id=%%9a' --pin-fd 3");
	itest_expect_out("verified");
	itest_run(PIN "\n", 0, "sign --verify --card vcard:default --token 'pkcs11:id=%%9c' --pin-fd 3");
	itest_run(PIN "\n", 0, "sign --verify --card vcard --user sip:alice@example.test --pin-fd 3");
	itest_run(PIN "\n", 0,
	    "sign --card vcard --token 'pkcs11:id=%%9c' --pss --pin-fd 3 --in /etc/hostname "
	    "--out '%s/sig.bin'",
	    pki);
	assert_int_equal(itest_sh("cd '%s' && openssl x509 -in sig.crt -pubkey -noout >sig.pub && "
				  "openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt "
				  "rsa_pss_saltlen:32 -verify sig.pub -signature sig.bin /etc/hostname "
				  ">/dev/null",
				  pki),
			 0);
	/* The same through the configuration file. */
	assert_int_equal(itest_sh("printf '[token]\\nbackend = vcard\\nuri = pkcs11:id=%%%%9a\\n"
				  "[vcard]\\nname = default\\n' >'%s/signet.conf'",
				  itest_scratch()),
			 0);
	itest_run(PIN "\n", 0, "sign --verify --config '%s/signet.conf' --pin-fd 3", itest_scratch());
	itest_run(NULL, 2, "certs --card vcard --module /nonexistent.so");
	itest_run(NULL, 2, "certs --card floppy");
	itest_run(NULL, 3, "certs --card vcard:nosuchcard");
	itest_expect_out("signet vcard init --name nosuchcard");
}

static void test_change_pin(void **st)
{
	(void)st;
	itest_run("999999\n" NEW_PIN "\n", 4, "vcard change-pin --pin-fd 3");
	itest_expect_out("2 tries left");
	itest_run(PIN "\n" NEW_PIN "\n", 0, "vcard change-pin --pin-fd 3");
	itest_run(PIN "\n", 4, "sign --verify --card vcard --token 'pkcs11:id=%%9a' --pin-fd 3");
	itest_run(NEW_PIN "\n", 0, "sign --verify --card vcard --token 'pkcs11:id=%%9a' --pin-fd 3");
}

static void test_block_and_unblock(void **st)
{
	(void)st;
	itest_run("111111\n", 4, "sign --verify --card vcard --token 'pkcs11:id=%%9a' --pin-fd 3");
	itest_expect_out("2 tries left");
	itest_run("111111\n", 4, "sign --verify --card vcard --token 'pkcs11:id=%%9a' --pin-fd 3");
	itest_expect_out("1 try left");
	itest_run("111111\n", 5, "sign --verify --card vcard --token 'pkcs11:id=%%9a' --pin-fd 3");
	itest_expect_out("signet vcard unblock");
	/* Blocked: even the right PIN is refused, before it is sent. */
	itest_run(NEW_PIN "\n", 5, "sign --verify --card vcard --token 'pkcs11:id=%%9a' --pin-fd 3");
	itest_expect_out("signet vcard unblock");
	itest_run(NULL, 0, "vcard status");
	itest_expect_out("PIN: 0 of 3 tries left");
	itest_run("87654321\n" PIN "\n", 4, "vcard unblock --pin-fd 3");
	itest_expect_out("PUK");
	itest_expect_out("2 tries left");
	itest_run(PUK "\n" PIN "\n", 0, "vcard unblock --pin-fd 3");
	itest_run(PIN "\n", 0, "sign --verify --card vcard --token 'pkcs11:id=%%9a' --pin-fd 3");
	itest_run(NULL, 0, "vcard status");
	itest_expect_out("PIN: 3 of 3 tries left");
	itest_expect_out("PUK: 3 of 3 tries left");
}

static void test_copied(void **st)
{
	char copy[600], other[600];

	(void)st;
	snprintf(copy, sizeof(copy), "%s/copied-state", itest_scratch());
	snprintf(other, sizeof(other), "%s/other-device.key", itest_scratch());
	assert_int_equal(itest_sh("cp -r '%s' '%s'", state, copy), 0);
	setenv("SIGNET_STATE_DIR", copy, 1);
	setenv("SIGNET_DEVICE_KEY", other, 1);
	itest_run(PIN "\n", 3, "sign --verify --card vcard --token 'pkcs11:id=%%9a' --pin-fd 3");
	itest_expect_out("copied from another device");
	itest_run(NULL, 3, "vcard status");
	itest_expect_out("copied from another device");
	itest_run(NULL, 3, "vcard export-cert --slot 9a");
	/* Same device key, copied state: works (a copy on the same device is
	 * the rollback doc/vcard.md warns about). */
	setenv("SIGNET_DEVICE_KEY", devkey, 1);
	itest_run(PIN "\n", 0, "sign --verify --card vcard --token 'pkcs11:id=%%9a' --pin-fd 3");
	setenv("SIGNET_STATE_DIR", state, 1);
}

static void test_reset(void **st)
{
	(void)st;
	itest_run(NULL, 2, "vcard reset");
	itest_expect_out("--yes");
	itest_run(NULL, 0, "vcard status");
	itest_run(NULL, 0, "vcard reset --yes");
	itest_run(NULL, 3, "vcard status");
	itest_run(NULL, 3, "vcard reset --yes");
	itest_run(PIN "\n", 3, "sign --verify --card vcard --pin-fd 3");
	/* A named second card comes and goes on its own. */
	itest_run(PIN "\n" PUK "\n", 0, "vcard init --name lab-2 --pin-fd 3");
	itest_run(NULL, 0, "vcard status --name lab-2");
	itest_run(NULL, 3, "vcard status");
	itest_run(NULL, 2, "vcard status --name ../x");
	itest_run(NULL, 0, "vcard reset --name lab-2 --yes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),        cmocka_unit_test(test_gen_and_import),
		cmocka_unit_test(test_sign),        cmocka_unit_test(test_change_pin),
		cmocka_unit_test(test_block_and_unblock), cmocka_unit_test(test_copied),
		cmocka_unit_test(test_reset),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
