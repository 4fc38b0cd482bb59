/*
 * test_tls_resume.c: TLS session resumption ([sip] tls_resume) of `signet
 * run` against a real Kamailio, with the virtual card served through the
 * real PC/SC stack (`signet vcard serve --verbose` -> vsmartcard-vpcd ->
 * pcscd), so that every card signature is a GENERAL AUTHENTICATE APDU
 * (00 87) in the served card's log: counted, not timed.
 *
 * Between signet and Kamailio runs tcp_forward.py (this folder): killing
 * it drops the TLS connection while Kamailio keeps running, as a network
 * loss would.
 *  - connection dropped while registered: signet re-registers over a
 *    resumed session ("TLS session resumed") with no card signature, and
 *    Kamailio still sees the client certificate's identity (its script
 *    refuses a REGISTER whose certificate does not name the user and logs
 *    the identity of every one it accepts);
 *  - Kamailio restarted (new ticket keys, empty session cache): a full
 *    handshake, one signature;
 *  - card pulled and put back: the next sign-in is a full handshake;
 *  - tls_resume = 0: every reconnect a full handshake with a signature.
 * The bounds of a kept session (each attacked: a reconnect on either side
 * of the bound, counted in signatures):
 *  - our own certificate's checks: [certs] revocation = crl with a CRL
 *    file of the card's CA (vcard-mkcard's ca.key, `openssl ca -gencrl
 *    -crlsec`) due in CRL_S seconds: a reconnect before its nextUpdate is
 *    resumed, one after it is a full handshake with a card signature;
 *  - the registrar's certificate revoked in between ([sip]
 *    check_revocation = yes, regca's CRL over HTTP, tools/regpki; the
 *    first CRL due in a few seconds, so that the cached answer is not
 *    used past its nextUpdate): the reconnect is refused ("is revoked"),
 *    nothing reaches Kamailio, and with the CRL fixed back the next
 *    connection is a full handshake (the kept session was wiped);
 *  - the lifetime: tls_resume = 15, a reconnect at once is resumed, one
 *    more than 15 s after the full handshake is not.
 * The waits are bounded; what is asserted is counts and log lines.
 *
 * Isolation as in test_vcard_pcsc.c: a mount namespace of its own with a
 * tmpfs on /run/pcscd (needs root: without it every case is skipped), vpcd
 * on a free port pair, servers on free loopback ports.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest.h"

#define PIN "123456"
#define PUK "12345678"
/* GENERAL AUTHENTICATE: one per card signature (a chained one ends with
 * CLA 00, its earlier parts have CLA 10) */
#define GA "APDU 00 87"
#define RESUMED "TLS connected (TLS session resumed: "
#define FULL "TLS connected (full handshake: "
/* each state change is logged twice (log and screen): the n-th
 * registration is line 2n */
#define REG "-> REGISTERED"
#define KAM_ID "REGISTER over TLS with the client certificate of sip:alice@example.test"
#define REVOKED "the registrar's certificate is revoked"
/* the card CRL's lifetime: room for a sign-in and a reconnect before it */
#define CRL_S 20

static struct {
	int ready;
	int vport, kport, kudp, fport, hport;
	int pcscd, serve, kam, fwd, run, http;
	int serves; /* serve logs: serve1.log, serve2.log, ... */
	char dir[512], kdir[600], reg[600];
} g;

/* GENERAL AUTHENTICATE APDUs over every serve log so far. */
static int signatures(void)
{
	char name[32];
	int n = 0;

	for (int i = 1; i <= g.serves; i++) {
		snprintf(name, sizeof(name), "serve%d", i);
		n += itest_log_count(name, GA);
	}
	return n;
}

/* Serves the card (again) and waits until pcscd shows it. */
static int serve_card(void)
{
	char name[32];

	snprintf(name, sizeof(name), "serve%d", ++g.serves);
	g.serve = itest_vcard_serve(name, "alice", g.vport, "--verbose");
	return g.serve < 0 ? -1 : 0;
}

static int start_forwarder(void)
{
	int n = itest_log_count("fwd", "listening");

	g.fwd = itest_spawn("fwd", "exec python3 '%s/tests/integration/tcp_forward.py' %d %d",
			    itest_top(), g.fport, g.kport);
	return itest_wait_count("fwd", "listening", n + 1, 20);
}

static int start_kamailio(void)
{
	g.kam = itest_spawn("kamailio",
			    "exec %s/tools/kamailio-run '%s' start --udp %d --tcp %d --tls %d "
			    "--client-ca '%s/card/ca.pem' --server-cert '%s/reg-good.pem' "
			    "--server-key '%s/reg-good.key'",
			    itest_top(), g.kdir, g.kudp, g.kudp, g.kport, g.dir, g.reg, g.reg);
	return itest_sh("%s/tools/kamailio-run '%s' wait", itest_top(), g.kdir);
}

/* A `signet run` configuration: resume < 0 leaves tls_resume out; certs
 * and sip: more lines for [certs] and [sip] (each ending in \n). */
static int write_conf(const char *name, int resume, const char *certs, const char *sip)
{
	char path[700];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", g.dir, name);
	if (!(f = fopen(path, "w")))
		return -1;
	fprintf(f, "[token]\nbackend = pcsc\nuri = pkcs11:id=%%9a\n[certs]\nca = %s/card/ca.pem\n%s"
		"[sip]\nuser = sip:alice@example.test\nregistrar = sips:127.0.0.1:%d\n"
		"ca = %s/regca.crt\nretry_base = 1\n%s",
		g.dir, certs, g.fport, g.reg, sip);
	if (resume >= 0)
		fprintf(f, "tls_resume = %d\n", resume);
	return fclose(f) ? -1 : 0;
}

/* The card CA's CRL (nothing revoked) as card.crl, due in secs seconds;
 * returns a time at or after its nextUpdate, or -1. */
static time_t card_crl(int secs)
{
	if (itest_sh("cd '%s' && mkdir -p cardca && : >cardca/index.txt && echo 1000 "
		     ">cardca/crlnumber && printf '[ca]\\ndefault_ca = d\\n[d]\\ndatabase = "
		     "%%s/cardca/index.txt\\ncrlnumber = %%s/cardca/crlnumber\\ndefault_md = "
		     "sha256\\n' \"$PWD\" \"$PWD\" >cardca/ca.cnf && openssl ca -config cardca/ca.cnf "
		     "-gencrl -cert card/ca.pem -keyfile card/ca.key -crlsec %d -out card.crl.tmp "
		     ">cardca.log 2>&1 && mv card.crl.tmp card.crl",
		     g.dir, secs))
		return -1;
	return time(NULL) + secs + 1;
}

/* regca's CRL for the HTTP server, due in secs seconds: reg-good
 * revoked (revoked 1) or not (the index as tools/regpki left it).
 * Returns a time at or after its nextUpdate, or -1. */
static time_t reg_crl(int revoked, int secs)
{
	const char *ca = "-config regca/ca.cnf -cert regca.crt -keyfile regca.key";

	if (itest_sh("cd '%s' && cp regca/index.good regca/index.txt && %s%s%s"
		     "openssl ca %s -gencrl -crlsec %d -out www/next.pem >>crl.log 2>&1 && "
		     "openssl crl -in www/next.pem -outform DER -out www/next.der && "
		     "mv www/next.der www/reg.crl",
		     g.reg, revoked ? "openssl ca " : "", revoked ? ca : "",
		     revoked ? " -revoke reg-good.pem >>crl.log 2>&1 && " : "", ca, secs))
		return -1;
	return time(NULL) + secs + 1;
}

/* Until time(NULL) >= t (a bounded wait, not an assertion). */
static void wait_until(time_t t)
{
	for (int i = 0; i < 1200 && time(NULL) < t; i++)
		itest_nap_ms(100);
}

static int group_setup(void **state)
{
	char path[700];

	(void)state;
	memset(&g, 0, sizeof(g));
	snprintf(g.dir, sizeof(g.dir), "%s", itest_scratch());
	if (itest_pcscd_namespace(0) != 0)
		return 0;
	snprintf(path, sizeof(path), "%s/state", g.dir);
	setenv("SIGNET_STATE_DIR", path, 1);
	snprintf(path, sizeof(path), "%s/device.key", g.dir);
	setenv("SIGNET_DEVICE_KEY", path, 1);
	if (itest_sh("mkdir -p '%s/card' && printf '" PIN "\\n" PUK "\\n' | "
		     "'%s/tools/vcard-mkcard' alice '%s/card' alice >'%s/mkcard.log' 2>&1",
		     g.dir, getenv("SIGNET_BUILD"), g.dir, g.dir))
		return -1;
	g.vport = itest_vpcd_port_pair();
	if (g.vport < 0 || (g.pcscd = itest_pcscd_start(g.vport)) < 0 || serve_card())
		return -1;
	snprintf(g.kdir, sizeof(g.kdir), "%s/kam", g.dir);
	g.kport = itest_free_port();
	g.kudp = itest_free_port();
	g.fport = itest_free_port();
	g.hport = itest_free_port();
	/* the registrar's certificate (reg-good) from tools/regpki: its CRL
	 * over HTTP (its OCSP responder is never asked: [sip] revocation = crl) */
	snprintf(g.reg, sizeof(g.reg), "%s/reg", g.dir);
	if (itest_sh("%s/tools/regpki '%s' %d %d >'%s/regpki.log' 2>&1 && "
		     "cp '%s/regca/index.txt' '%s/regca/index.good'",
		     itest_top(), g.reg, g.hport, itest_free_port(), g.dir, g.reg, g.reg))
		return -1;
	g.http = itest_spawn("http", "exec python3 -m http.server --bind 127.0.0.1 %d "
			     "--directory '%s/www'", g.hport, g.reg);
	if (itest_wait_port(g.hport) || start_kamailio() || start_forwarder())
		return -1;
	if (write_conf("resume.conf", -1, "revocation = none\n", "check_revocation = no\n") ||
	    write_conf("off.conf", 0, "revocation = none\n", "check_revocation = no\n") ||
	    write_conf("short.conf", 15, "revocation = none\n", "check_revocation = no\n") ||
	    /* skew 0: a cached CRL counts until its nextUpdate, not 300 s more */
	    write_conf("rev.conf", -1, "revocation = none\nskew = 0\n",
		       "check_revocation = yes\nrevocation = crl\non_unavailable = hard\n"))
		return -1;
	{
		char lines[700];

		snprintf(lines, sizeof(lines), "revocation = crl\ncrl = %s/card.crl\n", g.dir);
		if (write_conf("crl.conf", -1, lines, "check_revocation = no\n"))
			return -1;
	}
	g.ready = 1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (g.run > 0)
		itest_stop(g.run);
	if (g.fwd > 0)
		itest_stop(g.fwd);
	if (g.http > 0)
		itest_stop(g.http);
	if (g.kam > 0)
		itest_stop(g.kam);
	if (g.serve > 0)
		itest_stop(g.serve);
	if (g.pcscd > 0)
		itest_stop(g.pcscd);
	return 0;
}

static int test_teardown(void **state)
{
	(void)state;
	if (g.run > 0)
		itest_stop(g.run);
	g.run = 0;
	return 0;
}

/* `signet run --verbose` with conf, logging to name.log; PINs for three
 * sign-ins on fd 3. Waits for the first registration. */
static void start_run(const char *name, const char *conf)
{
	g.run = itest_spawn(name, "exec %s run --verbose --config '%s/%s' --pin-fd 3 3<<EOF\n" PIN
			    "\n" PIN "\n" PIN "\nEOF",
			    itest_signet(), g.dir, conf);
	assert_int_equal(itest_wait_count(name, REG, 2, 30), 0);
}

/* The forwarder killed while registered: a re-registration over a resumed
 * session, no card signature, the identity at Kamailio; then Kamailio
 * restarted: a full handshake with one signature. */
static void test_reconnect_resumes(void **state)
{
	int sig0, id0;

	(void)state;
	if (!g.ready)
		skip();
	start_run("run1", "resume.conf");
	assert_int_equal(itest_log_count("run1", FULL), 1);
	sig0 = signatures();
	assert_int_equal(sig0, 1);
	id0 = itest_log_count("kamailio", KAM_ID);
	assert_true(id0 >= 1);

	/* the network goes, Kamailio stays */
	itest_stop(g.fwd);
	assert_int_equal(start_forwarder(), 0);
	assert_int_equal(itest_wait_count("run1", REG, 4, 30), 0);
	assert_int_equal(itest_log_count("run1", RESUMED), 1);
	assert_int_equal(itest_log_count("run1", FULL), 1);
	assert_int_equal(signatures(), sig0); /* no card signature */
	assert_int_equal(itest_wait_count("kamailio", KAM_ID, id0 + 1, 10), 0);

	/* and once more: the session stays resumable */
	itest_stop(g.fwd);
	assert_int_equal(start_forwarder(), 0);
	assert_int_equal(itest_wait_count("run1", REG, 6, 30), 0);
	assert_int_equal(itest_log_count("run1", RESUMED), 2);
	assert_int_equal(signatures(), sig0);

	/* Kamailio restarted: its ticket keys and session cache are new */
	assert_int_equal(itest_sh("%s/tools/kamailio-run '%s' stop", itest_top(), g.kdir), 0);
	itest_stop(g.kam);
	assert_int_equal(start_kamailio(), 0);
	itest_stop(g.fwd); /* the old connection goes at once */
	assert_int_equal(start_forwarder(), 0);
	assert_int_equal(itest_wait_count("run1", REG, 8, 40), 0);
	assert_int_equal(itest_log_count("run1", FULL), 2);
	assert_int_equal(itest_log_count("run1", RESUMED), 2);
	assert_int_equal(signatures(), sig0 + 1);
}

/* The card pulled and put back: the next sign-in is a full handshake
 * (the sessions went with the signed-in session). */
static void test_card_pulled_full_handshake(void **state)
{
	int sig0;

	(void)state;
	if (!g.ready)
		skip();
	start_run("run2", "resume.conf");
	sig0 = signatures();
	itest_stop(g.serve); /* the card goes */
	g.serve = 0;
	assert_int_equal(itest_wait_count("run2", "-> LOCKED", 1, 30), 0);
	assert_int_equal(serve_card(), 0);
	assert_int_equal(itest_wait_count("run2", REG, 4, 40), 0);
	assert_int_equal(itest_log_count("run2", FULL), 2);
	assert_int_equal(itest_log_count("run2", RESUMED), 0);
	assert_int_equal(signatures(), sig0 + 1);
}

/* tls_resume = 0: a reconnect is a full handshake with a signature. */
static void test_resume_off(void **state)
{
	int sig0;

	(void)state;
	if (!g.ready)
		skip();
	start_run("run3", "off.conf");
	sig0 = signatures();
	itest_stop(g.fwd);
	assert_int_equal(start_forwarder(), 0);
	assert_int_equal(itest_wait_count("run3", REG, 4, 30), 0);
	assert_int_equal(itest_log_count("run3", FULL), 2);
	assert_int_equal(itest_log_count("run3", RESUMED), 0);
	assert_int_equal(signatures(), sig0 + 1);
}

/* The forwarder killed and started again: the connection is lost. */
static void drop_connection(void)
{
	itest_stop(g.fwd);
	assert_int_equal(start_forwarder(), 0);
}

/* Our own certificate's checks bound a kept session: with a CRL file due
 * in CRL_S seconds, a reconnect before its nextUpdate is resumed (no
 * signature), one after it is a full handshake (one signature), although
 * the stale CRL is still within the revocation grace: the registrar does
 * not check a resumed session again, so none outlives our checks. */
static void test_bound_own_crl(void **state)
{
	time_t due;
	int sig0, id0;

	(void)state;
	if (!g.ready)
		skip();
	due = card_crl(CRL_S);
	assert_true(due > 0);
	start_run("run4", "crl.conf");
	assert_int_equal(itest_log_count("run4", FULL), 1);
	sig0 = signatures();

	id0 = itest_log_count("kamailio", KAM_ID);
	drop_connection(); /* before nextUpdate */
	assert_int_equal(itest_wait_count("run4", REG, 4, 30), 0);
	assert_int_equal(itest_log_count("run4", RESUMED), 1);
	assert_int_equal(signatures(), sig0);
	/* Kamailio still sees the identity on the resumed session */
	assert_int_equal(itest_wait_count("kamailio", KAM_ID, id0 + 1, 10), 0);

	wait_until(due);
	drop_connection(); /* after nextUpdate */
	assert_int_equal(itest_wait_count("run4", REG, 6, 30), 0);
	assert_int_equal(itest_log_count("run4", RESUMED), 1);
	assert_int_equal(itest_log_count("run4", FULL), 2);
	assert_int_equal(signatures(), sig0 + 1);
}

/* The registrar's certificate revoked after the first sign-in: the
 * reconnect (resumed or not) is refused as revoked and nothing reaches
 * Kamailio; the kept session is wiped, so once the CRL is fixed back the
 * next registration runs over a full handshake. */
static void test_registrar_revoked(void **state)
{
	time_t due;
	int id0, sig0;

	(void)state;
	if (!g.ready)
		skip();
	due = reg_crl(0, 6); /* cached by signet until its nextUpdate */
	assert_true(due > 0);
	start_run("run5", "rev.conf");
	assert_int_equal(itest_log_count("run5", FULL), 1);
	assert_true(itest_log_count("run5", "the registrar's certificate is not revoked") >= 1);
	sig0 = signatures();
	id0 = itest_log_count("kamailio", KAM_ID);

	/* revoked now, in place; due after the reconnect (a stale fetched CRL
	 * would not count, and the stale cached one would answer in grace) */
	assert_true(reg_crl(1, 20) > 0);
	wait_until(due); /* the first CRL is stale: fetched again */
	drop_connection();
	assert_int_equal(itest_wait_count("run5", REVOKED, 1, 30), 0);
	assert_int_equal(itest_log_count("run5", REG), 2);
	assert_int_equal(itest_log_count("kamailio", KAM_ID), id0);

	/* fixed back: once the cached revoked CRL is due, a full handshake */
	assert_true(reg_crl(0, 600) > 0);
	assert_int_equal(itest_wait_count("run5", REG, 4, 90), 0);
	assert_int_equal(itest_log_count("run5", RESUMED), 0);
	assert_int_equal(itest_log_count("run5", FULL), 2);
	assert_true(signatures() > sig0);
	assert_int_equal(itest_wait_count("kamailio", KAM_ID, id0 + 1, 10), 0);
}

/* tls_resume = 15: a reconnect at once is resumed (15 s leaves room for
 * a slow machine: the reconnect takes 1-2 s here); one more than 15 s
 * after the full handshake is a full handshake with a signature. */
static void test_lifetime(void **state)
{
	time_t t;
	int sig0, id0;

	(void)state;
	if (!g.ready)
		skip();
	start_run("run6", "short.conf");
	t = time(NULL); /* after the full handshake */
	sig0 = signatures();
	id0 = itest_log_count("kamailio", KAM_ID);
	drop_connection();
	assert_int_equal(itest_wait_count("run6", REG, 4, 30), 0);
	assert_int_equal(itest_log_count("run6", RESUMED), 1);
	assert_int_equal(signatures(), sig0);
	/* Kamailio still sees the identity on the resumed session */
	assert_int_equal(itest_wait_count("kamailio", KAM_ID, id0 + 1, 10), 0);

	wait_until(t + 16);
	drop_connection();
	assert_int_equal(itest_wait_count("run6", REG, 6, 30), 0);
	assert_int_equal(itest_log_count("run6", RESUMED), 1);
	assert_int_equal(itest_log_count("run6", FULL), 2);
	assert_int_equal(signatures(), sig0 + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_reconnect_resumes, test_teardown),
		cmocka_unit_test_teardown(test_card_pulled_full_handshake, test_teardown),
		cmocka_unit_test_teardown(test_resume_off, test_teardown),
		cmocka_unit_test_teardown(test_bound_own_crl, test_teardown),
		cmocka_unit_test_teardown(test_registrar_revoked, test_teardown),
		cmocka_unit_test_teardown(test_lifetime, test_teardown),
	};

	return cmocka_run_group_tests_name("tls_resume", tests, group_setup, group_teardown);
}
