/*
 * test_enroll.c: enrolment and renewal over EST-coaps against the reference
 * service (signet-provisiond) on loopback, as a device does it: SoftHSM2
 * and the virtual card, the service checked against the pinned CA before
 * any PIN leaves, wrong PINs counted and locking, renewal through /sren
 * (the token key in the DTLS handshake), the superseded certificate
 * refused at sign-in afterwards (signet verify with the service's CRL:
 * exit 7), the virtual card renewed, `signet run` renewing by itself while
 * signed in to a real Kamailio (and keeping the sign-in when the service
 * is unreachable), and the device state resource read and observed by
 * coap-client.
 *
 * The cases run in order on one service and one token. PINs go on fd 3.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <netdb.h>
#include <sys/socket.h>

#include "est_state.h"
#include "hal.h"
#include "itest.h"
#include "port_linux.h"

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"
#define TOKEN_PIN "11112222"
#define ALICE_PIN "123456"
#define BOB_PIN "987654"
#define MAX_TRIES 3

static char pki[512], svc[512], conf[512], badconf[512], fpconf[512], vconf[512];
static int pd_pid = -1, port;
/* Where "localhost" (the name in the service's certificate and in the
 * configurations) takes signet first: 127.0.0.1, or ::1 on a system whose
 * /etc/hosts gives localhost both (Debian's default). The service listens
 * there, and coap-client is pointed there (lo_url: "[::1]" for IPv6). */
static char lo[64], lo_url[70];
static char kam[600];
static int kam_pid = -1, kam_tls;

static const char *provisiond(void)
{
	static char p[600];

	snprintf(p, sizeof(p), "%s", itest_signet());
	*strrchr(p, '/') = 0;
	strcat(p, "/signet-provisiond");
	return p;
}

static int start_kamailio(void);

static int write_conf(const char *path, const char *ca_line)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "[token]\nmodule = " SOFTHSM "\n[enroll]\nserver = coaps://localhost:%d\n"
		"%s\n[sip]\nuser = sip:alice@example.test\nregistrar = sips:127.0.0.1:%d\n"
		"ca = %s/server-ca.crt\n"
		"[certs]\nca = %s/ca.crt\ncrl = %s/crl.pem\nrevocation = crl\n",
		port, ca_line, kam_tls, kam, svc, svc);
	return fclose(f);
}

static int group_setup(void **st)
{
	const char *dir;
	char line[700];

	(void)st;
	snprintf(pki, sizeof(pki), "%s/pki", itest_scratch());
	snprintf(svc, sizeof(svc), "%s/svc", itest_scratch());
	setenv("SIGNET_STATE_DIR", itest_scratch(), 1);
	setenv("SIGNET_DEVICE_KEY", "", 1);
	{
		char dk[600];

		snprintf(dk, sizeof(dk), "%s/device.key", itest_scratch());
		setenv("SIGNET_DEVICE_KEY", dk, 1);
	}
	/* The service's CA and DTLS identity (localhost), and a stranger CA. */
	if (itest_sh("set -e; mkdir -p '%1$s'; mkdir -m 700 '%2$s'; cd '%1$s'; "
		     "for n in ca other; do openssl ecparam -name prime256v1 -genkey -noout "
		     "-out $n.key; openssl req -x509 -new -key $n.key -subj /CN=EST-$n -days 30 "
		     "-addext basicConstraints=critical,CA:TRUE "
		     "-addext keyUsage=critical,keyCertSign,cRLSign -out $n.crt; done; "
		     "openssl ecparam -name prime256v1 -genkey -noout -out server.key; "
		     "openssl req -new -key server.key -subj /CN=localhost -out server.csr; "
		     "printf 'subjectAltName=DNS:localhost\\nextendedKeyUsage=serverAuth\\n' >s.ext; "
		     "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
		     "-days 30 -extfile s.ext -out server.crt 2>/dev/null; "
		     "cp ca.crt ca.key server.crt server.key '%2$s/'",
		     pki, svc))
		return -1;
	if (itest_sh("printf '%%s\\n' %s | '%s' adduser --dir '%s' --id alice --phone 1001 "
		     "--identity sip:alice@example.test --iterations 20000 >/dev/null && "
		     "printf '%%s\\n' %s | '%s' adduser --dir '%s' --id bob --phone 1002 "
		     "--identity sip:bob@example.test --iterations 20000 >/dev/null && "
		     "printf '%%s\n' %s | '%s' adduser --dir '%s' --id carol "
		     "--identity sip:carol@example.test --iterations 20000 >/dev/null",
		     ALICE_PIN, provisiond(), svc, BOB_PIN, provisiond(), svc, BOB_PIN, provisiond(),
		     svc))
		return -1;
	{
		struct addrinfo hints, *res = NULL;

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_DGRAM;
		if (getaddrinfo("localhost", NULL, &hints, &res) != 0 || !res ||
		    getnameinfo(res->ai_addr, res->ai_addrlen, lo, sizeof(lo), NULL, 0,
				NI_NUMERICHOST) != 0) {
			if (res)
				freeaddrinfo(res);
			return -1;
		}
		snprintf(lo_url, sizeof(lo_url), res->ai_family == AF_INET6 ? "[%s]" : "%s", lo);
		freeaddrinfo(res);
	}
	port = itest_free_port();
	pd_pid = itest_spawn("provisiond", "'%s' serve --dir '%s' --listen '%s' --port %d "
			     "--max-tries %d", provisiond(), svc, lo, port, MAX_TRIES);
	if (pd_pid < 0 || itest_wait_log("provisiond", "re-enrolment"))
		return -1;
	if (start_kamailio())
		return -1;
	dir = itest_mktoken("hsm", "dev", TOKEN_PIN, "");
	if (!dir)
		return -1;
	snprintf(line, sizeof(line), "%s/softhsm2.conf", dir);
	setenv("SOFTHSM2_CONF", line, 1);
	snprintf(conf, sizeof(conf), "%s/signet.conf", itest_scratch());
	snprintf(badconf, sizeof(badconf), "%s/bad.conf", itest_scratch());
	snprintf(fpconf, sizeof(fpconf), "%s/fp.conf", itest_scratch());
	snprintf(vconf, sizeof(vconf), "%s/vcard.conf", itest_scratch());
	snprintf(line, sizeof(line), "ca = %s/ca.crt", pki);
	if (write_conf(conf, line) || write_conf(vconf, line))
		return -1;
	snprintf(line, sizeof(line), "ca = %s/other.crt", pki);
	if (write_conf(badconf, line))
		return -1;
	return write_conf(fpconf, "ca_fingerprint = 00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
			  "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff");
}

static int group_teardown(void **st)
{
	(void)st;
	if (pd_pid > 0)
		itest_stop(pd_pid);
	if (kam_pid > 0)
		itest_stop(kam_pid);
	return 0;
}

/* The service's log has a line with text. */
static int svc_log_has(const char *text)
{
	return itest_sh("grep -q '%s' '%s/issued.log' 2>/dev/null", text, svc) == 0;
}

/* A service that does not match the pin: refused before any PIN leaves
 * (the service never sees a request, so nothing is counted). */
static void test_pin_mismatch(void **st)
{
	(void)st;
	itest_run(TOKEN_PIN "\n" ALICE_PIN "\n", 6, "enroll --config %s --user alice --pin-fd 3", badconf);
	itest_expect_out("pinned CA");
	itest_run(TOKEN_PIN "\n" ALICE_PIN "\n", 6, "enroll --config %s --user alice --pin-fd 3", fpconf);
	itest_expect_out("fingerprint");
	assert_false(svc_log_has("via=sen"));
	/* No key was left behind on the token either. */
	assert_int_equal(itest_sh("pkcs11-tool --module " SOFTHSM " --login --pin " TOKEN_PIN
				  " --list-objects --type privkey 2>/dev/null | grep -q 'Private Key'"),
			 1);
}

/* A server URL that is not coaps://HOST[:PORT] is a usage error (exit 2)
 * before anything is sent: a port is digits only (" 80", "+80", "-0" and
 * 0 are refused, as are a path and a missing ']'). */
static void test_bad_server_url(void **st)
{
	static const struct {
		const char *url, *says;
	} bad[] = {
		{"coaps://127.0.0.1: 5684", "port must be 1 to 65535"},
		{"coaps://127.0.0.1:+5684", "port must be 1 to 65535"},
		{"coaps://127.0.0.1:-0", "port must be 1 to 65535"},
		{"coaps://127.0.0.1:0", "port must be 1 to 65535"},
		{"coaps://127.0.0.1:65536", "port must be 1 to 65535"},
		{"coaps://127.0.0.1:", "port must be 1 to 65535"},
		{"coaps://127.0.0.1/est", "without a path"},
		{"coaps://[::1", "needs its ']'"},
		{"coap://127.0.0.1", "must be coaps://HOST[:PORT]"},
	};

	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		itest_run(TOKEN_PIN "\n" ALICE_PIN "\n", 2,
			  "enroll --config %s --user alice --server '%s' --pin-fd 3", conf, bad[i].url);
		itest_expect_out(bad[i].says);
	}
	assert_false(svc_log_has("via=sen"));
}

/* Wrong PINs are counted per user; the account locks after MAX_TRIES. */
static void test_wrong_pin_and_lock(void **st)
{
	(void)st;
	itest_run(TOKEN_PIN "\n" "000000\n", 4, "enroll --config %s --user bob --identity "
	    "sip:bob@example.test --pin-fd 3", conf);
	itest_expect_out("2 tries left");
	assert_int_equal(itest_sh("grep -q '^bob 1$' '%s/attempts'", svc), 0);
	itest_run(TOKEN_PIN "\n" "000001\n", 4, "enroll --config %s --phone 1002 --identity "
	    "sip:bob@example.test --pin-fd 3", conf);
	itest_expect_out("1 try left");
	itest_run(TOKEN_PIN "\n" "000002\n", 5, "enroll --config %s --user bob --identity "
	    "sip:bob@example.test --pin-fd 3", conf);
	itest_expect_out("locked");
	/* Locked: even the right PIN is refused, and the count persists. */
	itest_run(TOKEN_PIN "\n" BOB_PIN "\n", 5, "enroll --config %s --user bob --identity "
	    "sip:bob@example.test --pin-fd 3", conf);
	assert_int_equal(itest_sh("grep -q '^bob 3$' '%s/attempts'", svc), 0);
	assert_false(svc_log_has("issued.*user=bob"));
}

/* SoftHSM2: key made on the token, certificate for it naming alice,
 * stored beside it; a sign-in check of it passes. */
static void test_enroll_softhsm(void **st)
{
	(void)st;
	itest_run(TOKEN_PIN "\n" ALICE_PIN "\n", 0, "enroll --config %s --user alice --pin-fd 3", conf);
	itest_expect_out("enrolled");
	itest_expect_out("sip:alice@example.test");
	assert_true(svc_log_has("issued.*user=alice.*via=sen"));
	itest_run(NULL, 0, "certs --config %s", conf);
	itest_expect_out("uri: sip:alice@example.test");
	itest_expect_out("EC 256 bits");
	/* The key signs and the certificate verifies it: they belong together. */
	itest_run(TOKEN_PIN "\n", 0, "sign --config %s --verify --pin-fd 3", conf);
	assert_int_equal(itest_sh("pkcs11-tool --module " SOFTHSM " --read-object --type cert "
				  "--label signet -o '%s/old.der' >/dev/null 2>&1",
				  itest_scratch()),
			 0);
	itest_run(NULL, 0, "verify --config %s --cert %s/old.der --identity sip:alice@example.test",
	    conf, itest_scratch());
	/* From a new device to a signed-in user: a real sign-in with it. */
	itest_run(TOKEN_PIN "\n", 0, "signin --config %s --once --pin-fd 3", conf);
	itest_expect_out("registered");
}

/* Renewal through /sren: authenticated by the current certificate; the
 * old one is revoked (superseded) and refused afterwards. */
static void test_renew_and_revoked(void **st)
{
	(void)st;
	itest_run(TOKEN_PIN "\n", 0, "renew --config %s --pin-fd 3", conf);
	itest_expect_out("not due");
	itest_run(TOKEN_PIN "\n", 0, "renew --config %s --force --pin-fd 3", conf);
	itest_expect_out("renewed");
	assert_true(svc_log_has("issued.*user=alice.*via=sren"));
	assert_true(svc_log_has("revoked.*superseded"));
	assert_int_equal(itest_sh("grep -q '^R' '%s/index.txt'", svc), 0);
	itest_run(NULL, 7, "verify --config %s --cert %s/old.der", conf, itest_scratch());
	/* The service's index.txt is what `openssl ocsp` answers from: the
	 * superseded certificate is revoked over OCSP too. */
	{
		int op = itest_free_port();
		int opid = itest_spawn("estocsp", "exec openssl ocsp -index '%s/index.txt' -port %d "
				       "-rsigner '%s/ca.crt' -rkey '%s/ca.key' -CA '%s/ca.crt' "
				       "-nmin 60", svc, op, svc, svc, svc);

		assert_int_equal(itest_wait_log("estocsp", "waiting for OCSP client connections"), 0);
		itest_run(NULL, 7, "verify --config %s --cert %s/old.der --revocation ocsp --ocsp-url "
		    "http://127.0.0.1:%d/ --no-cache", conf, itest_scratch(), op);
		itest_expect_out("OCSP");
		itest_stop(opid);
	}
	/* The new certificate is on the token and acceptable. */
	assert_int_equal(itest_sh("pkcs11-tool --module " SOFTHSM " --read-object --type cert "
				  "--label signet -o '%s/new.der' >/dev/null 2>&1 && "
				  "! cmp -s '%s/new.der' '%s/old.der'",
				  itest_scratch(), itest_scratch(), itest_scratch()),
			 0);
	itest_run(NULL, 0, "verify --config %s --cert %s/new.der", conf, itest_scratch());
	/* An administrator revokes it: refused at sign-in too. */
	assert_int_equal(itest_sh("serial=$(openssl x509 -inform DER -in '%s/new.der' -noout "
				  "-serial | cut -d= -f2) && '%s' revoke --dir '%s' "
				  "--reason keyCompromise $serial >/dev/null",
				  itest_scratch(), provisiond(), svc),
			 0);
	itest_run(NULL, 7, "verify --config %s --cert %s/new.der", conf, itest_scratch());
	/* and at sign-in, before any PIN is asked for. */
	itest_run(TOKEN_PIN "\n", 7, "signin --config %s --once --pin-fd 3", conf);
	itest_expect_out("revoked");
	/* A revoked certificate cannot renew itself. */
	itest_run(TOKEN_PIN "\n", 10, "renew --config %s --force --pin-fd 3", conf);
}

/* scratch/<name>: what --json printed, read by python3's json module (as
 * strict UTF-8); its "result" is want. */
static void json_result(const char *name, const char *want)
{
	assert_int_equal(itest_sh("python3 -c 'import json, sys\n"
				  "d = json.load(open(sys.argv[1], encoding=\"utf-8\"))\n"
				  "assert d[\"result\"] == sys.argv[2], d' '%s/%s' '%s'",
				  itest_scratch(), name, want),
			 0);
}

/* The virtual card: key generated on the card, request signed by it,
 * certificate stored in slot 9A. --json: JSON that a parser takes. */
static void test_enroll_vcard(void **st)
{
	char out[4096];

	(void)st;
	itest_run("123456\n12345678\n", 0, "vcard init --pin-fd 3");
	assert_int_equal(itest_signet_run("123456\n" ALICE_PIN "\n", out, sizeof(out),
					  "enroll --config %s --card vcard --user alice --pin-fd 3 "
					  "--json >%s/enroll.json", vconf, itest_scratch()),
			 0);
	json_result("enroll.json", "enrolled");
	itest_run(NULL, 0, "certs --config %s --card vcard", vconf);
	itest_expect_out("uri: sip:alice@example.test");
	itest_run("123456\n", 0, "sign --config %s --card vcard --verify --pin-fd 3", vconf);
}

/* One port takes first enrolment and re-enrolment: the service asks for a
 * client certificate without requiring one, so /sren sees none from a
 * client that has none, and refuses one it did not issue. */
static void test_sren_needs_our_certificate(void **st)
{
	(void)st;
	assert_int_equal(itest_sh("cd '%s' && openssl req -x509 -new -key other.key -subj "
				  "/CN=alice -days 30 -out stranger.crt && openssl req -new -key "
				  "other.key -subj /CN=alice -outform DER -out other.csr && "
				  "coap-client-gnutls -m post -t 286 "
				  "-f other.csr coaps://%s:%d/.well-known/est/sren "
				  ">'%s/sren-none.out' 2>&1 && coap-client-gnutls -m post -t 286 "
				  "-f other.csr -c stranger.crt -j other.key "
				  "coaps://%s:%d/.well-known/est/sren >'%s/sren-other.out' 2>&1",
				  pki, lo_url, port, itest_scratch(), lo_url, port, itest_scratch()),
			 0);
	assert_int_equal(itest_sh("grep -q '4.01 no client certificate' '%s/sren-none.out' && "
				  "grep -q '4.01 the client certificate is not one of ours' "
				  "'%s/sren-other.out'",
				  itest_scratch(), itest_scratch()),
			 0);
	assert_false(svc_log_has("issued.*via=sren"));
}

/* The virtual card renews too: the card signs the request and the DTLS
 * handshake; the new certificate goes into slot 9A. */
static void test_renew_vcard(void **st)
{
	char out[4096];

	(void)st;
	itest_run(NULL, 0, "vcard export-cert --slot 9a --der --out %s/vold.der", itest_scratch());
	assert_int_equal(itest_signet_run("123456\n", out, sizeof(out),
					  "renew --config %s --card vcard --json --pin-fd 3 "
					  ">%s/notdue.json", vconf, itest_scratch()),
			 0);
	json_result("notdue.json", "not due");
	assert_int_equal(itest_signet_run("123456\n", out, sizeof(out),
					  "renew --config %s --card vcard --force --json --pin-fd 3 "
					  ">%s/renew.json", vconf, itest_scratch()),
			 0);
	json_result("renew.json", "renewed");
	itest_run(NULL, 0, "vcard export-cert --slot 9a --der --out %s/vnew.der", itest_scratch());
	assert_int_equal(itest_sh("! cmp -s '%s/vold.der' '%s/vnew.der'", itest_scratch(),
				  itest_scratch()),
			 0);
	itest_run(NULL, 7, "verify --config %s --cert %s/vold.der", vconf, itest_scratch());
	itest_run(NULL, 0, "verify --config %s --cert %s/vnew.der", vconf, itest_scratch());
	itest_run("123456\n", 0, "sign --config %s --card vcard --verify --pin-fd 3", vconf);
}

/* An RSA key renews too (PKCS#1 or PSS in the DTLS handshake, as GnuTLS
 * and the service agree): carol's RSA-2048 key in slot 9D of the virtual
 * card, her first certificate issued by the service's CA by hand. */
static void test_renew_rsa(void **st)
{
	(void)st;
	itest_run("123456\n", 0, "vcard gen-key --slot 9d --alg rsa2048 --csr %s/carol.csr "
	    "--subject CN=carol --san sip:carol@example.test --pin-fd 3", itest_scratch());
	assert_int_equal(itest_sh("cd '%s' && openssl x509 -req -in carol.csr -CA '%s/ca.crt' "
				  "-CAkey '%s/ca.key' -CAcreateserial -days 30 -copy_extensions copy "
				  "-out carol.crt 2>/dev/null",
				  itest_scratch(), svc, svc),
			 0);
	itest_run(NULL, 0, "vcard import-cert --slot 9d %s/carol.crt", itest_scratch());
	itest_run("123456\n", 0, "renew --config %s --card vcard --token pkcs11:id=%%9d --force "
	    "--pin-fd 3", vconf);
	itest_expect_out("renewed");
	itest_expect_out("sip:carol@example.test");
	assert_true(svc_log_has("issued.*user=carol.*via=sren"));
	itest_run(NULL, 0, "vcard export-cert --slot 9d --der --out %s/carol-new.der", itest_scratch());
	assert_int_equal(itest_sh("openssl x509 -inform DER -in '%s/carol-new.der' -noout -text | "
				  "grep -q 'rsaEncryption'",
				  itest_scratch()),
			 0);
}

/* ---- signet run renews by itself ---------------------------------------------- */

static int lines(const char *file, const char *text)
{
	char cmd[1400], buf[32] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "grep -c '%s' '%s' 2>/dev/null", text, file);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(buf, sizeof(buf), p))
		buf[0] = 0;
	pclose(p);
	return atoi(buf);
}

/* Waits (20 s at most) for the n-th line with text in scratch/NAME.log. */
static int wait_lines(const char *name, const char *text, int n)
{
	char f[700];

	snprintf(f, sizeof(f), "%s/%s.log", itest_scratch(), name);
	for (int i = 0; i < 200; i++) {
		if (lines(f, text) >= n)
			return 0;
		usleep(100 * 1000);
	}
	return -1;
}

static int write_run_conf(const char *path, const char *renew_server, int state_port)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "[token]\nbackend = vcard\nuri = pkcs11:id=%%9a\n"
		"[enroll]\nserver = coaps://localhost:%d\nrenew_server = %s\nca = %s/ca.crt\n"
		"renew_days = 3650\nrenew_retry = 3600\nstate_port = %d\n"
		"[sip]\nuser = sip:alice@example.test\nregistrar = sips:127.0.0.1:%d\n"
		"ca = %s/server-ca.crt\nretry_base = 1\n"
		"[certs]\nca = %s/ca.crt\ncrl = %s/crl.pem\nrevocation = crl\n",
		port, renew_server, pki, state_port, kam_tls, kam, svc, svc);
	return fclose(f);
}

static int stop_run(int pid)
{
	int status = -1;

	kill(pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		usleep(100 * 1000);
	}
	itest_stop(pid);
	return -1;
}

static int bound(void)
{
	return itest_sh("%s/tools/kamailio-run '%s' lookup alice | grep -q Contact", itest_top(),
			kam) == 0;
}

/* A registrar that takes the service's certificates. */
static int start_kamailio(void)
{
	int udp = itest_free_port();

	snprintf(kam, sizeof(kam), "%s/kam", itest_scratch());
	kam_tls = itest_free_port();
	kam_pid = itest_spawn("kamailio", "exec %s/tools/kamailio-run '%s' start --udp %d "
			      "--tcp %d --tls %d --client-ca '%s/ca.crt'",
			      itest_top(), kam, udp, udp, kam_tls, svc);
	return itest_sh("%s/tools/kamailio-run '%s' wait", itest_top(), kam);
}

/* Signed in with a certificate inside the renewal window: signet run
 * renews it with the token session it signed in with (no second PIN: fd
 * 3 holds one), stays registered, uses the new certificate on the next
 * sign-in and does not renew again within renew_retry. */
static void test_run_renews(void **st)
{
	char rconf[600], rs[300], log[700];
	int pid, before;

	(void)st;
	snprintf(rconf, sizeof(rconf), "%s/run.conf", itest_scratch());
	snprintf(rs, sizeof(rs), "coaps://localhost:%d", port);
	assert_int_equal(write_run_conf(rconf, rs, 0), 0);
	snprintf(log, sizeof(log), "%s/issued.log", svc);
	before = lines(log, "via=sren");
	itest_run(NULL, 0, "vcard export-cert --slot 9a --der --out %s/rold.der", itest_scratch());
	/* One PIN per sign-in: two sign-ins, two PINs; none for the renewal. */
	pid = itest_spawn("runrenew", "exec %s run --config '%s' --pin-fd 3 3<<EOF\n123456\n"
			  "123456\nEOF",
			  itest_signet(), rconf);
	if (wait_lines("runrenew", "certificate renewed, valid until", 1))
		fail_msg("no renewal; see %s/runrenew.log", itest_scratch());
	assert_int_equal(lines(log, "via=sren"), before + 1);
	assert_int_equal(wait_lines("runrenew", "run: CONNECTING -> REGISTERED", 1), 0);
	assert_true(bound());
	/* Pulled and back: the card's new certificate signs in, and the
	 * window does not start another renewal before renew_retry. */
	assert_int_equal(itest_sh("touch '%s/vcard-default.removed'", itest_scratch()), 0);
	assert_int_equal(wait_lines("runrenew", "UNREGISTERING -> LOCKED", 1), 0);
	assert_int_equal(itest_sh("rm '%s/vcard-default.removed'", itest_scratch()), 0);
	assert_int_equal(wait_lines("runrenew", "run: CONNECTING -> REGISTERED", 2), 0);
	assert_true(bound());
	assert_int_equal(stop_run(pid), 0);
	assert_int_equal(lines(log, "via=sren"), before + 1);
	/* The new certificate is on the card; the old one is revoked. */
	itest_run(NULL, 0, "vcard export-cert --slot 9a --der --out %s/rnew.der", itest_scratch());
	assert_int_equal(itest_sh("! cmp -s '%s/rold.der' '%s/rnew.der'", itest_scratch(),
				  itest_scratch()),
			 0);
	itest_run(NULL, 7, "verify --config %s --cert %s/rold.der", vconf, itest_scratch());
	itest_run(NULL, 0, "verify --config %s --cert %s/rnew.der", vconf, itest_scratch());
}

/* The service is unreachable: the failure is reported, the sign-in stays. */
static void test_run_renewal_fails(void **st)
{
	char rconf[600], rs[300];
	int pid, sport = itest_free_port();

	(void)st;
	snprintf(rconf, sizeof(rconf), "%s/run-down.conf", itest_scratch());
	snprintf(rs, sizeof(rs), "coaps://localhost:%d", itest_free_port());
	assert_int_equal(write_run_conf(rconf, rs, sport), 0);
	pid = itest_spawn("rundown", "exec %s run --config '%s' --pin-fd 3 3<<EOF\n123456\nEOF",
			  itest_signet(), rconf);
	if (wait_lines("rundown", "certificate renewal failed", 1))
		fail_msg("no renewal failure; see %s/rundown.log", itest_scratch());
	assert_int_equal(wait_lines("rundown", "next try in 3600 s", 1), 0);
	assert_int_equal(wait_lines("rundown", "run: CONNECTING -> REGISTERED", 1), 0);
	assert_true(bound());
	/* The state resource says so, for whoever watches the device. */
	assert_int_equal(itest_sh("coap-client-gnutls -m get -B 5 coap://127.0.0.1:%d/state "
				  ">'%s/rundown-state.out' 2>&1 && grep -q "
				  "'\"registration\":\"registered\".*\"last_error\":\"certificate "
				  "renewal: ' '%s/rundown-state.out'",
				  sport, itest_scratch(), itest_scratch()),
			 0);
	assert_int_equal(stop_run(pid), 0);
	assert_false(bound());
}

/* A service that swallows every datagram: the renewal waits for it, and
 * pulling the card ends the wait at once (not after the request's 5 s):
 * the renewal says it was interrupted, then the sign-out follows. */
static void test_run_renewal_interrupted(void **st)
{
	char rconf[600], rs[300], marker[700];
	int pid, hole = itest_free_port(), hole_pid;

	(void)st;
	hole_pid = itest_spawn("blackhole", "exec python3 -c 'import socket, time; "
			       "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
			       "s.bind((\"127.0.0.1\", %d)); print(\"bound\", flush=True); "
			       "time.sleep(120)'", hole);
	assert_int_equal(itest_wait_log("blackhole", "bound"), 0);
	snprintf(rconf, sizeof(rconf), "%s/run-hole.conf", itest_scratch());
	snprintf(rs, sizeof(rs), "coaps://127.0.0.1:%d", hole);
	assert_int_equal(write_run_conf(rconf, rs, 0), 0);
	snprintf(marker, sizeof(marker), "%s/vcard-default.removed", itest_scratch());
	pid = itest_spawn("runhole", "exec %s run --config '%s' --pin-fd 3 3<<EOF\n123456\nEOF",
			  itest_signet(), rconf);
	assert_int_equal(wait_lines("runhole", "renewing", 1), 0);
	assert_int_equal(itest_sh("touch '%s'", marker), 0);
	if (wait_lines("runhole", "certificate renewal failed: .*interrupted", 1))
		fail_msg("the renewal was not interrupted; see %s/runhole.log", itest_scratch());
	assert_int_equal(wait_lines("runhole", "UNREGISTERING -> LOCKED", 1), 0);
	assert_false(bound());
	assert_int_equal(stop_run(pid), 0);
	assert_int_equal(itest_sh("rm -f '%s'", marker), 0);
	itest_stop(hole_pid);
}

/* ---- the device state resource, served from a small driver ---------------- */

struct driver {
	struct hal hal;
	struct est_state *st;
	int gets, pid, changed, timer;
	const char *reg;
};

static void state_get(void *arg, struct est_state_info *info)
{
	struct driver *d = arg;

	d->gets++;
	snprintf(info->user, sizeof(info->user), "sip:alice@example.test");
	info->cert_not_after = 1893456000; /* 2030-01-01 */
	snprintf(info->registration, sizeof(info->registration), "%s", d->reg);
}

/* Polls the coap-client child; after its first GET the state changes
 * once (an observer is told); the loop ends when the child does. */
static void tick(void *arg)
{
	struct driver *d = arg;
	int status;

	if (d->gets > 0 && !d->changed) {
		d->changed = 1;
		d->reg = "registered";
		est_state_changed(d->st);
	}
	if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
		hal_loop_stop(&d->hal.loop);
		return;
	}
	hal_loop_add_timer(&d->hal.loop, 100, tick, d, &d->timer);
}

static void serve_until_done(const char *coap_args, const char *outname)
{
	struct port_linux_opts po;
	struct driver d;
	struct est_state_src src;
	struct sg_error e;
	int sport = itest_free_port();
	char outp[600];

	memset(&d, 0, sizeof(d));
	memset(&po, 0, sizeof(po));
	po.log_ident = "test_enroll";
	d.reg = "unregistered";
	assert_int_equal(port_linux_init(&d.hal, &po), HAL_OK);
	src.get = state_get;
	src.arg = &d;
	sg_error_init(&e);
	if (est_state_start(&d.hal, "127.0.0.1", (unsigned)sport, &src, &d.st, &e))
		fail_msg("est_state_start: %s", e.detail);
	snprintf(outp, sizeof(outp), "%s/%s", itest_scratch(), outname);
	d.pid = fork();
	if (d.pid == 0) {
		char cmd[800];

		snprintf(cmd, sizeof(cmd), "exec coap-client-gnutls %s coap://127.0.0.1:%d/state "
			 ">'%s' 2>&1", coap_args, sport, outp);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	hal_loop_add_timer(&d.hal.loop, 100, tick, &d, &d.timer);
	hal_loop_run(&d.hal.loop);
	est_state_stop(d.st);
	port_linux_fini(&d.hal);
	assert_true(d.gets >= 1);
}

static void test_state_get(void **st)
{
	(void)st;
	serve_until_done("-m get -B 10", "state-get.out");
	assert_int_equal(itest_sh("grep -q '\"user\":\"sip:alice@example.test\"' '%s/state-get.out' "
				  "&& grep -q '\"cert_not_after\":\"2030-01-01T00:00:00Z\"' "
				  "'%s/state-get.out'",
				  itest_scratch(), itest_scratch()),
			 0);
}

static void test_state_observe(void **st)
{
	(void)st;
	/* Observe for 3 s: the first answer, then the notification. */
	serve_until_done("-m get -s 3", "state-obs.out");
	assert_int_equal(itest_sh("grep -q '\"registration\":\"unregistered\"' '%s/state-obs.out' "
				  "&& grep -q '\"registration\":\"registered\"' '%s/state-obs.out'",
				  itest_scratch(), itest_scratch()),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_mismatch),
		cmocka_unit_test(test_bad_server_url),
		cmocka_unit_test(test_wrong_pin_and_lock),
		cmocka_unit_test(test_sren_needs_our_certificate),
		cmocka_unit_test(test_enroll_softhsm),
		cmocka_unit_test(test_renew_and_revoked),
		cmocka_unit_test(test_enroll_vcard),
		cmocka_unit_test(test_renew_vcard),
		cmocka_unit_test(test_renew_rsa),
		cmocka_unit_test(test_run_renews),
		cmocka_unit_test(test_run_renewal_fails),
		cmocka_unit_test(test_run_renewal_interrupted),
		cmocka_unit_test(test_state_get),
		cmocka_unit_test(test_state_observe),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
