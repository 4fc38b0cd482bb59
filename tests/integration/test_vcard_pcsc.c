/*
 * test_vcard_pcsc.c: the virtual card through the real stack: `signet
 * vcard serve` -> vsmartcard-vpcd -> pcscd -> OpenSC (opensc-tool,
 * pkcs11-tool, pkcs15-tool, opensc-pkcs11.so) and signet itself through
 * opensc-pkcs11.so.
 *
 * Isolation: this program moves into a mount namespace of its own with a
 * tmpfs on /run/pcscd (pcscd's socket path is fixed), so its pcscd is seen
 * by its children only; vpcd listens on a free port pair chosen here
 * (reader.conf DEVICENAME /dev/null:PORT). Needs root (or CAP_SYS_ADMIN):
 * without it every case is skipped. pcscd and the serve process die with
 * this program (PR_SET_PDEATHSIG) whatever happens to it.
 *
 * PINs reach OpenSC's tools through `env:` (never argv) and signet through
 * --pin-fd; the card is a test card made by tools/vcard-mkcard. Other
 * signet processes use the card while it is served (change-pin,
 * import-cert, unblock): the served card sees what they did.
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

#define OPENSC_P11 "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
#define PIN "123456"
#define PUK "12345678"
#define BAD_PIN "999999"
#define NEW_PIN "24681357"
#define PIV_SELECT "00A4040009A00000030800001000"
#define ATR_TEXT "3b:8f:80:01:80:f9:a0:00:00:03:08:00:00:10:00:73:c0:21:c0:9e"

static struct {
	int ready; /* 0: skip every case (reason printed once) */
	int port;
	pid_t pcscd, serve;
	char dir[512];
	char build[512];
} g;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for pid to exit within secs; its exit status, or -1 (still running). */
static int wait_exit(pid_t pid, int secs)
{
	int st;

	for (int i = 0; i < secs * 20; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		itest_nap_ms(50);
	}
	return -1;
}

/* The PIN's tries left (63Cx) or blocked (6983), as opensc-tool prints
 * it. pcscd keeps the card powered for up to a second after the last
 * client, so an earlier login may still count: 00 20 FF 80 forgets it
 * first, or the card would answer 9000 (verified). */
static void pin_status(char *out, size_t cap)
{
	itest_sh_out(out, cap, "opensc-tool -r 0 -s %s -s 0020FF80 -s 00200080", PIV_SELECT);
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
	setenv("BAD", BAD_PIN, 1);
	if (itest_sh_out(out, sizeof(out), "printf '%s\\n%s\\n' | '%s/tools/vcard-mkcard' test '%s'", PIN,
			 PUK, g.build, g.dir)) {
		print_message("vcard-mkcard failed: %s\n", out);
		return -1;
	}
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

static void test_reader_and_atr(void **state)
{
	char out[8192];

	(void)state;
	NEED_STACK();
	assert_int_equal(itest_sh_out(out, sizeof(out), "opensc-tool --list-readers"), 0);
	assert_non_null(strstr(out, "Yes             Virtual PCD 00 00"));
	assert_int_equal(itest_sh_out(out, sizeof(out), "opensc-tool -r 0 --atr"), 0);
	assert_non_null(strstr(out, ATR_TEXT));
	assert_int_equal(itest_sh_out(out, sizeof(out), "opensc-tool -r 0 --name"), 0);
	assert_non_null(strstr(out, "Personal Identity Verification Card"));
	assert_int_equal(itest_sh_out(out, sizeof(out), "pcsc_scan -c -t 3"), 0);
	assert_non_null(strstr(out, "3B 8F 80 01 80 F9 A0 00 00 03 08 00 00 10 00 73 C0 21 C0 9E"));
}

/* Without TCP_QUICKACK each APDU waits for delayed ACKs (measured: 50
 * APDUs in 5.8 s); with it, 200 take well under 0.1 s. 120 in under 5 s
 * holds on any loaded machine and fails on a stalling link (~14 s). */
static void test_no_stall(void **state)
{
	char cmd[8000], out[65536];
	size_t n;
	double t0;

	(void)state;
	NEED_STACK();
	n = (size_t)snprintf(cmd, sizeof(cmd), "opensc-tool -r 0 -s %s", PIV_SELECT);
	for (int i = 0; i < 120 && n < sizeof(cmd) - 40; i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " -s 00CB3FFF055C035FC10200");
	t0 = now_s();
	assert_int_equal(itest_sh_out(out, sizeof(out), "%s", cmd), 0);
	assert_true(now_s() - t0 < 5.0);
	assert_non_null(strstr(out, "SW1=0x90"));
}

static void test_list_objects(void **state)
{
	char out[16384];

	(void)state;
	NEED_STACK();
	assert_int_equal(itest_sh_out(out, sizeof(out), "pkcs11-tool --module %s -O", OPENSC_P11), 0);
	assert_non_null(strstr(out, "Certificate for PIV Authentication"));
	assert_non_null(strstr(out, "Certificate for Digital Signature"));
	assert_non_null(strstr(out, "subject:    DN: CN=alice, O=signet tests"));
	/* Private keys show after login. */
	assert_int_equal(
		itest_sh_out(out, sizeof(out), "pkcs11-tool --module %s --login --pin env:PIN -O", OPENSC_P11),
		0);
	assert_non_null(strstr(out, "Private Key Object; RSA"));
	assert_non_null(strstr(out, "Private Key Object; EC"));
}

struct sign_case {
	const char *id, *mech, *extra, *cert;
};

static const struct sign_case sign_cases[] = {
	{"01", "SHA256-RSA-PKCS", "", "cert-9a.der"},
	{"01", "SHA256-RSA-PKCS-PSS", "--salt-len -1", "cert-9a.der"},
	/* 9C is PIN-always: pkcs11-tool logs in again for the signature. */
	{"02", "ECDSA-SHA256", "--signature-format openssl", "cert-9c.der"},
};

static void test_sign_pkcs11_tool(void **state)
{
	char out[8192];

	(void)state;
	NEED_STACK();
	assert_int_equal(itest_sh_out(out, sizeof(out), "head -c 1000 /dev/urandom >challenge"), 0);
	for (size_t i = 0; i < sizeof(sign_cases) / sizeof(sign_cases[0]); i++) {
		const struct sign_case *c = &sign_cases[i];
		const char *pss = strstr(c->mech, "PSS") ? "-sigopt rsa_padding_mode:pss "
							    "-sigopt rsa_pss_saltlen:-1"
							  : "";

		print_message("sign: id %s %s\n", c->id, c->mech);
		assert_int_equal(itest_sh_out(out, sizeof(out),
					      "pkcs11-tool --module %s --login --pin env:PIN --sign --id %s "
					      "-m %s %s -i challenge -o sig",
					      OPENSC_P11, c->id, c->mech, c->extra),
				 0);
		assert_int_equal(itest_sh_out(out, sizeof(out),
					      "openssl x509 -inform der -in %s -pubkey -noout >pub.pem && "
					      "openssl dgst -sha256 -verify pub.pem %s -signature sig challenge",
					      c->cert, pss),
				 0);
		assert_non_null(strstr(out, "Verified OK"));
	}
}

static void test_signet_through_opensc(void **state)
{
	char out[8192];
	int rc;

	(void)state;
	NEED_STACK();
	rc = itest_signet_run(PIN "\n", out, sizeof(out),
			      "sign --verify --module %s --token 'pkcs11:id=%%01' --pin-fd 3",
			      OPENSC_P11);
	if (rc != 0)
		print_message("%s\n", out);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "verified"));
	/* And a signature made by signet verifies with openssl. */
	assert_int_equal(itest_sh_out(out, sizeof(out), "echo 'sign me' >msg"), 0);
	rc = itest_signet_run(PIN "\n", out, sizeof(out),
			      "sign --module %s --token 'pkcs11:id=%%01' --pin-fd 3 --in %s/msg "
			      "--out %s/signet.sig",
			      OPENSC_P11, g.dir, g.dir);
	assert_int_equal(rc, 0);
	assert_int_equal(itest_sh_out(out, sizeof(out),
				      "openssl x509 -inform der -in cert-9a.der -pubkey -noout >pub.pem && "
				      "openssl dgst -sha256 -verify pub.pem -signature signet.sig msg"),
			 0);
}

/* Wrong PINs count down, the third blocks; the PUK unblocks. */
static void test_pin_counter_block_unblock(void **state)
{
	char out[8192];
	int rc;

	(void)state;
	NEED_STACK();
	pin_status(out, sizeof(out));
	assert_non_null(strstr(out, "SW1=0x63, SW2=0xC3"));
	assert_int_not_equal(
		itest_sh_out(out, sizeof(out), "pkcs11-tool --module %s --login --pin env:BAD -O", OPENSC_P11),
		0);
	assert_non_null(strstr(out, "CKR_PIN_INCORRECT"));
	pin_status(out, sizeof(out));
	assert_non_null(strstr(out, "SW1=0x63, SW2=0xC2"));
	/* signet says wrong PIN (exit 4) through OpenSC too. */
	rc = itest_signet_run(BAD_PIN "\n", out, sizeof(out),
			      "sign --verify --module %s --token 'pkcs11:id=%%01' --pin-fd 3",
			      OPENSC_P11);
	assert_int_equal(rc, 4);
	pin_status(out, sizeof(out));
	assert_non_null(strstr(out, "SW1=0x63, SW2=0xC1"));
	assert_int_equal(itest_sh_out(out, sizeof(out), "pkcs11-tool --module %s -T", OPENSC_P11), 0);
	assert_non_null(strstr(out, "final"));
	assert_int_not_equal(
		itest_sh_out(out, sizeof(out), "pkcs11-tool --module %s --login --pin env:BAD -O", OPENSC_P11),
		0);
	pin_status(out, sizeof(out));
	assert_non_null(strstr(out, "SW1=0x69, SW2=0x83"));
	assert_int_equal(itest_sh_out(out, sizeof(out), "pkcs11-tool --module %s -T", OPENSC_P11), 0);
	assert_non_null(strstr(out, "user PIN locked"));
	/* Blocked: the right PIN is refused too. */
	assert_int_not_equal(
		itest_sh_out(out, sizeof(out), "pkcs11-tool --module %s --login --pin env:PIN -O", OPENSC_P11),
		0);
	assert_non_null(strstr(out, "CKR_PIN_LOCKED"));
	rc = itest_signet_run(PIN "\n", out, sizeof(out),
			      "sign --verify --module %s --token 'pkcs11:id=%%01' --pin-fd 3",
			      OPENSC_P11);
	assert_int_equal(rc, 5);
	/* RESET RETRY COUNTER with the PUK, through OpenSC's PIV driver. */
	assert_int_equal(itest_sh_out(out, sizeof(out), "pkcs15-tool --unblock-pin --puk env:PUK "
				      "--new-pin env:PIN"),
			 0);
	pin_status(out, sizeof(out));
	assert_non_null(strstr(out, "SW1=0x63, SW2=0xC3"));
	assert_int_equal(
		itest_sh_out(out, sizeof(out), "pkcs11-tool --module %s --login --pin env:PIN -O", OPENSC_P11),
		0);
	assert_non_null(strstr(out, "Private Key Object; RSA"));
}

/* The served card and other processes on the same card: `signet vcard
 * serve` holds the card open all along, while change-pin, import-cert and
 * unblock run as processes of their own. The served card answers with
 * what they did, and its own later writes (a PIN try) never put its older
 * state back. */
static void test_serve_sees_other_processes(void **state)
{
	char out[8192], key[128];
	int rc;

	(void)state;
	NEED_STACK();
	setenv("NEWPIN", NEW_PIN, 1);
	/* the served card in use: logged in through pcscd */
	assert_int_equal(
		itest_sh_out(out, sizeof(out), "pkcs11-tool --module %s --login --pin env:PIN -O", OPENSC_P11),
		0);
	/* change-pin elsewhere: the old PIN fails through pcscd, the new works */
	rc = itest_signet_run(PIN "\n" NEW_PIN "\n", out, sizeof(out),
			      "vcard change-pin --name test --pin-fd 3");
	assert_int_equal(rc, 0);
	assert_int_not_equal(
		itest_sh_out(out, sizeof(out), "pkcs11-tool --module %s --login --pin env:PIN -O", OPENSC_P11),
		0);
	assert_non_null(strstr(out, "CKR_PIN_INCORRECT"));
	assert_int_equal(itest_sh_out(out, sizeof(out), "pkcs11-tool --module %s --login --pin env:NEWPIN -O",
				      OPENSC_P11),
			 0);
	/* the served card wrote its counter twice since: the new PIN stays */
	rc = itest_signet_run(PIN "\n", out, sizeof(out),
			      "sign --verify --card vcard:test --token 'pkcs11:id=%%9a' --pin-fd 3");
	assert_int_equal(rc, 4);
	rc = itest_signet_run(NEW_PIN "\n", out, sizeof(out),
			      "sign --verify --card vcard:test --token 'pkcs11:id=%%9a' --pin-fd 3");
	assert_int_equal(rc, 0);
	/* import-cert elsewhere: the served card hands the certificate out */
	snprintf(out, sizeof(out), "%s/mgmt-key.hex", g.dir);
	assert_true(itest_slurp(out, key, sizeof(key)) > 0);
	rc = itest_signet_run(key, out, sizeof(out),
			      "vcard import-cert --name test --slot 9d --force --mgmt-key-fd 3 "
			      "'%s/ca.pem'",
			      g.dir);
	if (rc != 0)
		print_message("%s\n", out);
	assert_int_equal(rc, 0);
	itest_sh_out(out, sizeof(out), "opensc-tool -r 0 -s %s -s 00CB3FFF055C035FC10B00", PIV_SELECT);
	assert_null(strstr(out, "SW1=0x6A, SW2=0x82"));
	assert_non_null(strstr(out, "53 82"));
	/* a wrong PIN through pcscd makes the served card write: the
	 * certificate stays */
	itest_sh_out(out, sizeof(out), "opensc-tool -r 0 -s %s -s 0020008008393939393939FFFF", PIV_SELECT);
	assert_non_null(strstr(out, "SW1=0x63, SW2=0xC2"));
	rc = itest_signet_run(NULL, out, sizeof(out), "vcard export-cert --name test --slot 9d");
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "-----BEGIN CERTIFICATE-----"));
	/* blocked through pcscd, unblocked elsewhere: the served card is
	 * unblocked, with the PIN set then */
	for (int i = 0; i < 2; i++)
		itest_sh_out(out, sizeof(out), "opensc-tool -r 0 -s %s -s 0020008008393939393939FFFF",
			     PIV_SELECT);
	pin_status(out, sizeof(out));
	assert_non_null(strstr(out, "SW1=0x69, SW2=0x83"));
	rc = itest_signet_run(PUK "\n" PIN "\n", out, sizeof(out),
			      "vcard unblock --name test --pin-fd 3");
	assert_int_equal(rc, 0);
	pin_status(out, sizeof(out));
	assert_non_null(strstr(out, "SW1=0x63, SW2=0xC3"));
	assert_int_equal(
		itest_sh_out(out, sizeof(out), "pkcs11-tool --module %s --login --pin env:PIN -O", OPENSC_P11),
		0);
	rc = itest_signet_run(NULL, out, sizeof(out), "vcard status --name test");
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "PIN: 3 of 3 tries left"));
}

/* --verbose logged every APDU's header, and never the PIN or PUK. */
static void test_no_secrets_in_log(void **state)
{
	static char buf[1 << 20];
	char path[700];

	(void)state;
	NEED_STACK();
	snprintf(path, sizeof(path), "%s/serve.log", g.dir);
	assert_true(itest_slurp(path, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "APDU 00 20 00 80"));
	assert_non_null(strstr(buf, "APDU 00 2C 00 80"));
	for (const char *p = buf; *p; p++)
		assert_true(*p == '\n' || (*p >= ' ' && *p < 127));
	assert_null(strstr(buf, "313233343536"));
	assert_null(strstr(buf, "31 32 33 34 35 36"));
	assert_null(strstr(buf, "3132333435363738"));
	assert_null(strstr(buf, PIN));
}

/* pcscd goes: serve --once ends by itself, with exit 0. */
/* A PIV card in a reader: signet holds no management key for it, so
 * enrol and renew refuse (exit 2, the CLI's words) before any service is
 * asked or any PIN is sent (the counter stays where it was). */
static void test_enrol_refused_on_a_reader_card(void **state)
{
	char out[8192];
	int rc;

	(void)state;
	NEED_STACK();
	rc = itest_signet_run(PIN "\n" PIN "\n", out, sizeof(out),
			      "enroll --card pcsc --user alice --server coaps://127.0.0.1:9 --pin-fd 3");
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "enrolment works on a PKCS#11 token or --card vcard"));
	rc = itest_signet_run(PIN "\n", out, sizeof(out),
			      "renew --card pcsc --token 'pkcs11:id=%%9A' --force --server coaps://127.0.0.1:9 "
			      "--pin-fd 3");
	if (rc != 2)
		print_message("%s\n", out);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "a PIV card in a reader cannot store a renewed certificate "
				    "here (signet does not hold its management key): renew it "
				    "with the card's own tools"));
	rc = itest_signet_run(NULL, out, sizeof(out), "vcard status --name test");
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "PIN: 3 of 3 tries left"));
}

static void test_once_ends_with_pcscd(void **state)
{
	(void)state;
	NEED_STACK();
	itest_stop(g.pcscd);
	g.pcscd = 0;
	assert_int_equal(wait_exit(g.serve, 30), 0);
	g.serve = 0;
}

/* Without vpcd, serve keeps dialling; SIGTERM ends it cleanly (exit 0). */
static void test_sigterm_while_waiting(void **state)
{
	pid_t pid;

	(void)state;
	NEED_STACK();
	pid = itest_spawn_tied("serve2", "exec '%s' vcard serve --name test --port %d --verbose",
			       itest_signet(), g.port);
	for (int i = 0; i < 400 && !itest_log_has("serve2", "next in"); i++)
		itest_nap_ms(50);
	assert_true(itest_log_has("serve2", "waiting for vpcd"));
	kill(pid, SIGTERM);
	assert_int_equal(wait_exit(pid, 20), 0);
	assert_true(itest_log_has("serve2", "signal 15"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_and_atr),
		cmocka_unit_test(test_no_stall),
		cmocka_unit_test(test_list_objects),
		cmocka_unit_test(test_sign_pkcs11_tool),
		cmocka_unit_test(test_signet_through_opensc),
		cmocka_unit_test(test_pin_counter_block_unblock),
		cmocka_unit_test(test_serve_sees_other_processes),
		cmocka_unit_test(test_no_secrets_in_log),
		cmocka_unit_test(test_enrol_refused_on_a_reader_card),
		cmocka_unit_test(test_once_ends_with_pcscd),
		cmocka_unit_test(test_sigterm_while_waiting),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
