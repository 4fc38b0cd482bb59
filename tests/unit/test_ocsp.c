/* test_ocsp.c: OCSP requests, responses and their checks against the real
 * `openssl ocsp` responder, run offline: the test makes a small PKI with
 * the openssl CLI in a scratch directory, builds requests with
 * ocsp_request_build, has `openssl ocsp -index ... -reqin` answer them,
 * and checks what comes back. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <mbedtls/x509_crt.h>

#include "ocsp.h"
#include "sg_time.h"

#define DAY 86400
#define SKEW 300

/* ---- the scratch PKI ------------------------------------------------- */

/* Two CAs (EC, RSA) and another EC CA; "fake" has the EC CA's name and a
 * key of its own. Users: good (2001), revoked (2002, keyCompromise),
 * unknown (2003, not in the index), RSA (1001). Responders: resp
 * (delegated, OCSPSigning), noeku (clientAuth only), foreign (OCSPSigning
 * but issued by the other CA). */
static const char pki_script[] =
	"set -e\n"
	"ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out \"$1.key\"; }\n"
	"ca() { openssl req -x509 -new -key \"$1.key\" -subj \"/O=signet test/CN=$2\" -days 3650 "
	"-sha256 -out \"$1.crt\" -addext basicConstraints=critical,CA:TRUE "
	"-addext keyUsage=critical,keyCertSign,cRLSign; }\n"
	"issue() { ec \"$1\"; openssl req -new -key \"$1.key\" -subj \"/O=signet test/CN=$1\" "
	"-out \"$1.csr\"; printf '%s\\n' \"$4\" \"$5\" >\"$1.ext\"; openssl x509 -req -in \"$1.csr\" "
	"-CA \"$2.crt\" -CAkey \"$2.key\" -set_serial \"$3\" -days 3650 -sha256 "
	"-extfile \"$1.ext\" -out \"$1.crt\"; }\n"
	"ec ca-ec; ca ca-ec 'OCSP EC CA'\n"
	"openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca-rsa.key\n"
	"ca ca-rsa 'OCSP RSA CA'\n"
	"ec other; ca other 'Other CA'\n"
	"ec fake; ca fake 'OCSP EC CA'\n"
	"u=keyUsage=critical,digitalSignature\n"
	"issue user-ec ca-ec 0x2001 $u extendedKeyUsage=clientAuth\n"
	"issue user-rev ca-ec 0x2002 $u extendedKeyUsage=clientAuth\n"
	"issue user-unk ca-ec 0x2003 $u extendedKeyUsage=clientAuth\n"
	"issue user-rsa ca-rsa 0x1001 $u extendedKeyUsage=clientAuth\n"
	"issue resp ca-ec 0x3001 $u extendedKeyUsage=OCSPSigning\n"
	"issue noeku ca-ec 0x3002 $u extendedKeyUsage=clientAuth\n"
	"issue foreign other 0x3003 $u extendedKeyUsage=OCSPSigning\n"
	"printf 'V\\t351231235959Z\\t\\t2001\\tunknown\\t/O=signet test/CN=user-ec\\n"
	"R\\t351231235959Z\\t240101000000Z,keyCompromise\\t2002\\tunknown\\t"
	"/O=signet test/CN=user-rev\\n' >index-ec.txt\n"
	"printf 'V\\t351231235959Z\\t\\t1001\\tunknown\\t/O=signet test/CN=user-rsa\\n' "
	">index-rsa.txt\n"
	"echo 'unique_subject = no' >index-ec.txt.attr\n"
	"cp index-ec.txt.attr index-rsa.txt.attr\n";

static char dir[512];

static const char *const cert_names[] = {"ca-ec",    "ca-rsa",   "user-ec", "user-rev",
					 "user-unk", "user-rsa", "resp"};
#define N_CERTS (sizeof(cert_names) / sizeof(cert_names[0]))
static mbedtls_x509_crt certs[N_CERTS];

static const uint8_t nonce_a[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t nonce_b[16] = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};

static const mbedtls_x509_crt *crt(const char *name)
{
	for (size_t i = 0; i < N_CERTS; i++)
		if (!strcmp(cert_names[i], name))
			return &certs[i];
	fail_msg("no certificate %s", name);
	return NULL;
}

/* Runs a shell command in the PKI directory; its output goes to log. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int n = snprintf(cmd, sizeof(cmd), "cd '%s' && (", dir);

	va_start(ap, fmt);
	n += vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, ") >>log 2>&1");
	return system(cmd);
}

static void path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static uint8_t *slurp(const char *name, size_t *len)
{
	char p[640];
	FILE *f;
	uint8_t *buf = malloc(65536);

	path(p, sizeof(p), name);
	f = fopen(p, "rb");
	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

static void spit(const char *name, const uint8_t *buf, size_t len)
{
	char p[640];
	FILE *f;

	path(p, sizeof(p), name);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static int group_setup(void **state)
{
	const char *base = getenv("SIGNET_SCRATCH");
	char p[640];
	FILE *f;
	(void)state;

	snprintf(dir, sizeof(dir), "%s/ocsp-pki.XXXXXX", base ? base : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	path(p, sizeof(p), "pki.sh");
	f = fopen(p, "w");
	if (!f)
		return -1;
	fputs(pki_script, f);
	fclose(f);
	if (sh("sh pki.sh")) {
		fprintf(stderr, "test_ocsp: making the test PKI failed; see %s/log\n", dir);
		return -1;
	}
	for (size_t i = 0; i < N_CERTS; i++) {
		mbedtls_x509_crt_init(&certs[i]);
		snprintf(p, sizeof(p), "%s/%s.crt", dir, cert_names[i]);
		if (mbedtls_x509_crt_parse_file(&certs[i], p))
			return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CERTS; i++)
		mbedtls_x509_crt_free(&certs[i]);
	/* The scratch directory goes with SIGNET_SCRATCH; elsewhere, remove it. */
	if (!getenv("SIGNET_SCRATCH"))
		sh("cd / && rm -rf '%s'", dir);
	return 0;
}

/* ---- table-driven responder cases -------------------------------------- */

struct ocsp_case {
	const char *name;
	const char *ca;       /* "ec" or "rsa": ca-X.crt, index-X.txt */
	const char *req_cert; /* asked about (by ocsp_request_build) */
	const char *req_opts; /* or: openssl ocsp options that make the request */
	const char *cert;     /* checked (NULL: req_cert) */
	const char *signer;   /* -rsigner/-rkey */
	const char *opts;     /* more responder options */
	int nonce;            /* the request carries nonce_a */
	int check_nonce;      /* 0: none, 1: nonce_a, 2: nonce_b */
	int require_nonce;
	int64_t now_off;      /* checked at time(NULL) + now_off */
	int max_age;          /* for responses without nextUpdate */
	int flip;             /* flip a byte in the signature */
	sg_err want;
	enum ocsp_cert_status status;
	int delegated;
	const char *detail;   /* part of the error detail expected */
};

#define OK_GOOD SG_OK, OCSP_STATUS_GOOD
#define REFUSED SG_E_REVOCATION_UNAVAILABLE, OCSP_STATUS_GOOD

static const struct ocsp_case cases[] = {
	{"ec CA signs: good", "ec", "user-ec", NULL, NULL, "ca-ec", "-ndays 1", 0, 0, 0, 0, 0, 0,
	 OK_GOOD, 0, NULL},
	{"ec CA signs: revoked", "ec", "user-rev", NULL, NULL, "ca-ec", "-ndays 1", 0, 0, 0, 0, 0, 0,
	 SG_OK, OCSP_STATUS_REVOKED, 0, NULL},
	{"ec CA signs: unknown", "ec", "user-unk", NULL, NULL, "ca-ec", "-ndays 1", 0, 0, 0, 0, 0, 0,
	 SG_OK, OCSP_STATUS_UNKNOWN, 0, NULL},
	{"rsa CA signs: good", "rsa", "user-rsa", NULL, NULL, "ca-rsa", "-ndays 1", 0, 0, 0, 0, 0, 0,
	 OK_GOOD, 0, NULL},
	{"rsa CA signs with PSS", "rsa", "user-rsa", NULL, NULL, "ca-rsa",
	 "-ndays 1 -rsigopt rsa_padding_mode:pss", 0, 0, 0, 0, 0, 0, OK_GOOD, 0, NULL},
	{"rsa CA signs with SHA-1", "rsa", "user-rsa", NULL, NULL, "ca-rsa", "-ndays 1 -rmd sha1",
	 0, 0, 0, 0, 0, 0, OK_GOOD, 0, NULL},
	{"ec CA signs with SHA-384", "ec", "user-ec", NULL, NULL, "ca-ec", "-ndays 1 -rmd sha384",
	 0, 0, 0, 0, 0, 0, OK_GOOD, 0, NULL},
	{"ec CA signs with SHA-512", "ec", "user-ec", NULL, NULL, "ca-ec", "-ndays 1 -rmd sha512",
	 0, 0, 0, 0, 0, 0, OK_GOOD, 0, NULL},
	{"ec CA by key id", "ec", "user-ec", NULL, NULL, "ca-ec", "-ndays 1 -resp_key_id", 0, 0,
	 0, 0, 0, 0, OK_GOOD, 0, NULL},
	{"delegated responder", "ec", "user-ec", NULL, NULL, "resp", "-ndays 1", 0, 0, 0, 0, 0, 0,
	 OK_GOOD, 1, NULL},
	{"delegated responder: revoked", "ec", "user-rev", NULL, NULL, "resp", "-ndays 1", 0, 0, 0,
	 0, 0, 0, SG_OK, OCSP_STATUS_REVOKED, 1, NULL},
	{"delegated responder by key id", "ec", "user-ec", NULL, NULL, "resp",
	 "-ndays 1 -resp_key_id", 0, 0, 0, 0, 0, 0, OK_GOOD, 1, NULL},
	{"delegate without OCSPSigning", "ec", "user-ec", NULL, NULL, "noeku", "-ndays 1", 0, 0, 0,
	 0, 0, 0, REFUSED, 0, "OCSPSigning"},
	{"delegate of another CA", "ec", "user-ec", NULL, NULL, "foreign", "-ndays 1", 0, 0, 0, 0,
	 0, 0, REFUSED, 0, "not issued by"},
	{"delegate's certificate left out", "ec", "user-ec", NULL, NULL, "resp",
	 "-ndays 1 -resp_no_certs", 0, 0, 0, 0, 0, 0, REFUSED, 0, "neither the CA"},
	{"delegate expired", "ec", "user-ec", NULL, NULL, "resp", "", 0, 0, 0, 3660 * DAY,
	 3700 * DAY, 0, REFUSED, 0, "has expired"},
	{"wrong key under the CA's name", "ec", "user-ec", NULL, NULL, "fake",
	 "-ndays 1 -resp_no_certs", 0, 0, 0, 0, 0, 0, REFUSED, 0, "does not verify"},
	{"flipped signature byte (CA)", "ec", "user-ec", NULL, NULL, "ca-ec", "-ndays 1", 0, 0, 0,
	 0, 0, 1, REFUSED, 0, "does not verify"},
	{"flipped signature byte (rsa)", "rsa", "user-rsa", NULL, NULL, "ca-rsa", "-ndays 1", 0, 0,
	 0, 0, 0, 1, REFUSED, 0, "does not verify"},
	{"flipped signature byte (delegate)", "ec", "user-ec", NULL, NULL, "resp", "-ndays 1", 0,
	 0, 0, 0, 0, 1, REFUSED, 0, "does not verify"},
	{"openssl -badsig", "ec", "user-ec", NULL, NULL, "ca-ec", "-ndays 1 -badsig", 0, 0, 0, 0,
	 0, 0, REFUSED, 0, "does not verify"},
	{"nonce echoed", "ec", "user-ec", NULL, NULL, "ca-ec", "-ndays 1", 1, 1, 1, 0, 0, 0,
	 OK_GOOD, 0, NULL},
	{"nonce echoed by delegate", "ec", "user-ec", NULL, NULL, "resp", "-ndays 1", 1, 1, 1, 0,
	 0, 0, OK_GOOD, 1, NULL},
	{"nonce mismatch", "ec", "user-ec", NULL, NULL, "ca-ec", "-ndays 1", 1, 2, 1, 0, 0, 0,
	 REFUSED, 0, "nonce does not match"},
	{"nonce missing, required", "ec", "user-ec", NULL, NULL, "ca-ec", "-ndays 1", 0, 1, 1, 0,
	 0, 0, REFUSED, 0, "did not echo"},
	{"nonce missing, not required", "ec", "user-ec", NULL, NULL, "ca-ec", "-ndays 1", 0, 1, 0,
	 0, 0, 0, OK_GOOD, 0, NULL},
	{"stale (nextUpdate passed)", "ec", "user-ec", NULL, NULL, "ca-ec", "-nmin 1", 0, 0, 0,
	 3600, 0, 0, REFUSED, 0, "stale"},
	{"nextUpdate within skew", "ec", "user-ec", NULL, NULL, "ca-ec", "-nmin 1", 0, 0, 0,
	 60 + SKEW - 30, 0, 0, OK_GOOD, 0, NULL},
	{"thisUpdate in the future", "ec", "user-ec", NULL, NULL, "ca-ec", "-ndays 1", 0, 0, 0,
	 -3600, 0, 0, REFUSED, 0, "future"},
	{"no nextUpdate, within max age", "ec", "user-ec", NULL, NULL, "ca-ec", "", 0, 0, 0, 100,
	 3600, 0, OK_GOOD, 0, NULL},
	{"no nextUpdate, too old", "ec", "user-ec", NULL, NULL, "ca-ec", "", 0, 0, 0, 7200, 3600,
	 0, REFUSED, 0, "too old"},
	{"answer for another serial", "ec", "user-unk", NULL, "user-ec", "ca-ec", "-ndays 1", 0, 0,
	 0, 0, 0, 0, REFUSED, 0, "does not answer"},
	{"answer about another CA's certificate", "rsa", "user-rsa", NULL, "user-ec", "ca-rsa",
	 "-ndays 1", 0, 0, 0, 0, 0, 0, REFUSED, 0, "does not answer"},
	{"SHA-256 CertID", "ec", NULL, "-sha256 -issuer ca-ec.crt -cert user-ec.crt -no_nonce",
	 "user-ec", "ca-ec", "-ndays 1", 0, 0, 0, 0, 0, 0, OK_GOOD, 0, NULL},
	{"10 answers, ours first", "ec", NULL,
	 "-issuer ca-ec.crt -serial 0x2001 -serial 0x3 -serial 0x4 -serial 0x5 -serial 0x6 "
	 "-serial 0x7 -serial 0x8 -serial 0x9 -serial 0xa -serial 0xb -no_nonce",
	 "user-ec", "resp", "-ndays 1", 0, 0, 0, 0, 0, 0, OK_GOOD, 1, NULL},
	{"10 answers, ours beyond OCSP_MAX_SINGLE", "ec", NULL,
	 "-issuer ca-ec.crt -serial 0x3 -serial 0x4 -serial 0x5 -serial 0x6 -serial 0x7 "
	 "-serial 0x8 -serial 0x9 -serial 0xa -serial 0xb -serial 0x2001 -no_nonce",
	 "user-ec", "resp", "-ndays 1", 0, 0, 0, 0, 0, 0, REFUSED, 0, "does not answer"},
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static void make_request(const struct ocsp_case *c, const char *req)
{
	uint8_t buf[1024];
	size_t len;
	char issuer[32];

	if (c->req_opts) {
		assert_int_equal(sh("openssl ocsp %s -reqout %s", c->req_opts, req), 0);
		return;
	}
	snprintf(issuer, sizeof(issuer), "ca-%s", c->ca);
	assert_int_equal(ocsp_request_build(crt(c->req_cert), crt(issuer),
					    c->nonce ? nonce_a : NULL, c->nonce ? 16 : 0, buf,
					    sizeof(buf), &len, NULL),
			 SG_OK);
	spit(req, buf, len);
}

static void test_case(void **state)
{
	const struct ocsp_case *c = *state;
	size_t idx = (size_t)(c - cases), len;
	char req[32], resp[32], issuer[32];
	struct ocsp_response r;
	struct ocsp_result res;
	struct sg_error e;
	uint8_t *der;
	const uint8_t *nonce = c->check_nonce == 1 ? nonce_a : c->check_nonce == 2 ? nonce_b : NULL;

	snprintf(req, sizeof(req), "req-%zu.der", idx);
	snprintf(resp, sizeof(resp), "resp-%zu.der", idx);
	snprintf(issuer, sizeof(issuer), "ca-%s", c->ca);
	make_request(c, req);
	assert_int_equal(sh("openssl ocsp -index index-%s.txt -CA ca-%s.crt -rsigner %s.crt "
			    "-rkey %s.key -reqin %s -respout %s %s",
			    c->ca, c->ca, c->signer, c->signer, req, resp, c->opts),
			 0);
	der = slurp(resp, &len);
	sg_error_init(&e);
	assert_int_equal(ocsp_response_parse(der, len, &r, &e), SG_OK);
	if (c->flip) {
		der[r.signature.p - der + r.signature.len / 2] ^= 0x01;
		assert_int_equal(ocsp_response_parse(der, len, &r, &e), SG_OK);
	}
	sg_err err = ocsp_response_check(&r, crt(c->cert ? c->cert : c->req_cert), crt(issuer),
					 nonce, nonce ? 16 : 0, c->require_nonce,
					 (int64_t)time(NULL) + c->now_off, SKEW,
					 c->max_age ? c->max_age : 3600, &res, &e);
	if (err != c->want)
		fail_msg("%s: got %d (%s), want %d", c->name, err, e.detail, c->want);
	if (c->detail && !strstr(e.detail, c->detail))
		fail_msg("%s: detail '%s' lacks '%s'", c->name, e.detail, c->detail);
	if (err == SG_OK) {
		int64_t now = time(NULL);

		assert_int_equal(res.status, c->status);
		assert_int_equal(res.delegated, c->delegated);
		assert_true(res.this_update <= now && res.this_update > now - 600);
		assert_true(res.produced_at <= now && res.produced_at > now - 600);
		if (c->status == OCSP_STATUS_REVOKED) {
			assert_int_equal(res.revocation_time, sg_time_from_utc(2024, 1, 1, 0, 0, 0));
			assert_int_equal(res.revocation_reason, 1);
			assert_string_equal(ocsp_reason_name(res.revocation_reason),
					    "keyCompromise");
		}
		if (c->nonce) {
			assert_int_equal(r.nonce.len, 16);
			assert_memory_equal(r.nonce.p, nonce_a, 16);
		}
	}
	free(der);
}

/* ---- requests ------------------------------------------------------------ */

/* openssl reads our request, nonce included. */
static void test_request_openssl_reads(void **state)
{
	uint8_t buf[512];
	size_t len, tlen;
	char *txt;
	(void)state;

	assert_int_equal(ocsp_request_build(crt("user-ec"), crt("ca-ec"), nonce_a, 16, buf,
					    sizeof(buf), &len, NULL),
			 SG_OK);
	spit("req-text.der", buf, len);
	assert_int_equal(sh("openssl ocsp -reqin req-text.der -req_text >req.txt"), 0);
	txt = (char *)slurp("req.txt", &tlen);
	txt[tlen < 65535 ? tlen : 65535] = 0;
	assert_non_null(strstr(txt, "Hash Algorithm: sha1"));
	assert_non_null(strstr(txt, "Serial Number: 2001"));
	assert_non_null(strstr(txt, "OCSP Nonce"));
	/* the nonce, wrapped in an OCTET STRING as OpenSSL does */
	assert_non_null(strstr(txt, "04100102030405060708090A0B0C0D0E0F10"));
	free(txt);
}

/* Without a nonce, our request is byte for byte openssl's. */
static void test_request_equals_openssl(void **state)
{
	static const char *const pairs[][2] = {{"user-ec", "ca-ec"}, {"user-rsa", "ca-rsa"}};
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		uint8_t buf[512], *ref;
		size_t len, ref_len;

		assert_int_equal(sh("openssl ocsp -issuer %s.crt -cert %s.crt -no_nonce "
				    "-reqout ref-%zu.der",
				    pairs[i][1], pairs[i][0], i),
				 0);
		char name[32];
		snprintf(name, sizeof(name), "ref-%zu.der", i);
		ref = slurp(name, &ref_len);
		assert_int_equal(ocsp_request_build(crt(pairs[i][0]), crt(pairs[i][1]), NULL, 0, buf,
						    sizeof(buf), &len, NULL),
				 SG_OK);
		assert_int_equal(len, ref_len);
		assert_memory_equal(buf, ref, len);
		free(ref);
	}
}

/* A buffer too small is reported, whatever its size; the exact size fits. */
static void test_request_small_buffer(void **state)
{
	uint8_t buf[512], small[512];
	size_t len, n;
	struct sg_error e;
	(void)state;

	assert_int_equal(ocsp_request_build(crt("user-ec"), crt("ca-ec"), nonce_a, 16, buf,
					    sizeof(buf), &len, NULL),
			 SG_OK);
	for (size_t cap = 0; cap < len; cap++)
		assert_int_equal(ocsp_request_build(crt("user-ec"), crt("ca-ec"), nonce_a, 16, small,
						    cap, &n, &e),
				 SG_E_NOMEM);
	assert_int_equal(ocsp_request_build(crt("user-ec"), crt("ca-ec"), nonce_a, 16, small, len,
					    &n, NULL),
			 SG_OK);
	assert_int_equal(n, len);
	assert_memory_equal(small, buf, len);
	/* a nonce longer than OCSP_NONCE_MAX is a caller's bug */
	assert_int_equal(ocsp_request_build(crt("user-ec"), crt("ca-ec"), buf, OCSP_NONCE_MAX + 1,
					    small, sizeof(small), &n, &e),
			 SG_E_INTERNAL);
}

/* ---- malformed and error responses ---------------------------------------- */

static uint8_t *respond(const char *signer, const char *opts, size_t *len)
{
	uint8_t req[512];
	size_t n;

	assert_int_equal(ocsp_request_build(crt("user-ec"), crt("ca-ec"), nonce_a, 16, req,
					    sizeof(req), &n, NULL),
			 SG_OK);
	spit("req-m.der", req, n);
	assert_int_equal(sh("openssl ocsp -index index-ec.txt -CA ca-ec.crt -rsigner %s.crt "
			    "-rkey %s.key -reqin req-m.der -respout resp-m.der -ndays 1 %s",
			    signer, signer, opts),
			 0);
	return slurp("resp-m.der", len);
}

/* Every truncation, and a trailing byte, is malformed. */
static void test_truncated(void **state)
{
	struct ocsp_response r;
	struct sg_error e;
	size_t len;
	uint8_t *der = respond("resp", "", &len);
	(void)state;

	assert_int_equal(ocsp_response_parse(der, len, &r, NULL), SG_OK);
	assert_int_equal(r.n_certs, 1);
	for (size_t n = 0; n < len; n++) {
		/* a copy of exactly n bytes, so that ASan sees any overread */
		uint8_t *cut = malloc(n ? n : 1);
		memcpy(cut, der, n);
		assert_int_equal(ocsp_response_parse(cut, n, &r, &e), SG_E_MALFORMED);
		free(cut);
	}
	der[len] = 0;
	assert_int_equal(ocsp_response_parse(der, len + 1, &r, &e), SG_E_MALFORMED);
	assert_non_null(strstr(e.detail, "OCSP response"));
	free(der);
}

/* Any single changed bit (CA-signed, no certificates carried: every byte
 * is framing, signed data or signature) makes parse or check fail. */
static void test_every_bit_flip_refused(void **state)
{
	struct ocsp_response r;
	struct ocsp_result res;
	size_t len;
	uint8_t *der = respond("ca-ec", "-resp_no_certs", &len);
	int64_t now = time(NULL);
	(void)state;

	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			der[i] ^= (uint8_t)(1u << bit);
			if (ocsp_response_parse(der, len, &r, NULL) == SG_OK &&
			    ocsp_response_check(&r, crt("user-ec"), crt("ca-ec"), nonce_a, 16, 1,
						now, SKEW, 3600, &res, NULL) == SG_OK)
				fail_msg("byte %zu bit %d flipped and still accepted", i, bit);
			der[i] ^= (uint8_t)(1u << bit);
		}
	free(der);
}

static void test_status_responses(void **state)
{
	static const struct {
		uint8_t der[5];
		sg_err parse;
		const char *detail;
	} rows[] = {
		{{0x30, 0x03, 0x0a, 0x01, 0x01}, SG_OK, "malformedRequest"},
		{{0x30, 0x03, 0x0a, 0x01, 0x02}, SG_OK, "internalError"},
		{{0x30, 0x03, 0x0a, 0x01, 0x03}, SG_OK, "tryLater"},
		{{0x30, 0x03, 0x0a, 0x01, 0x05}, SG_OK, "sigRequired"},
		{{0x30, 0x03, 0x0a, 0x01, 0x06}, SG_OK, "unauthorized"},
		{{0x30, 0x03, 0x0a, 0x01, 0x00}, SG_E_MALFORMED, "responseBytes"},
		{{0x30, 0x03, 0x0a, 0x01, 0x07}, SG_E_MALFORMED, "responseStatus"},
		{{0x30, 0x03, 0x02, 0x01, 0x03}, SG_E_MALFORMED, "responseStatus"},
		{{0x31, 0x03, 0x0a, 0x01, 0x03}, SG_E_MALFORMED, "OCSPResponse"},
		{{0x30, 0x04, 0x0a, 0x01, 0x03}, SG_E_MALFORMED, "OCSPResponse"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ocsp_response r;
		struct ocsp_result res;
		struct sg_error e;

		sg_error_init(&e);
		assert_int_equal(ocsp_response_parse(rows[i].der, 5, &r, &e), rows[i].parse);
		if (rows[i].parse == SG_OK) {
			assert_int_equal(ocsp_response_check(&r, crt("user-ec"), crt("ca-ec"), NULL,
							     0, 0, time(NULL), SKEW, 3600, &res, &e),
					 SG_E_REVOCATION_UNAVAILABLE);
		}
		if (!strstr(e.detail, rows[i].detail))
			fail_msg("row %zu: detail '%s' lacks '%s'", i, e.detail, rows[i].detail);
	}
	assert_int_equal(ocsp_response_parse(NULL, 0, &(struct ocsp_response){0}, NULL),
			 SG_E_MALFORMED);
}

/* ---- hand-built responses: the corners openssl does not write ---------- */

struct der {
	uint8_t b[2048];
	size_t n;
};

static void put_raw(struct der *d, const void *p, size_t n)
{
	assert_true(d->n + n <= sizeof(d->b));
	if (n) /* empty contents may come as NULL */
		memcpy(d->b + d->n, p, n);
	d->n += n;
}

/* Appends tag, DER length and n bytes of contents. */
static void put_tlv(struct der *d, uint8_t tag, const void *c, size_t n)
{
	uint8_t h[4] = {tag};
	size_t hn = 2;

	if (n < 0x80) {
		h[1] = (uint8_t)n;
	} else if (n < 0x100) {
		h[1] = 0x81;
		h[2] = (uint8_t)n;
		hn = 3;
	} else {
		h[1] = 0x82;
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
		hn = 4;
	}
	put_raw(d, h, hn);
	put_raw(d, c, n);
}

static void put_wrap(struct der *d, uint8_t tag, const struct der *in)
{
	put_tlv(d, tag, in->b, in->n);
}

struct shape {
	const char *name;
	int version;     /* -1: absent */
	int by_key;      /* responderID byKey, 2: byKey holding an INTEGER */
	int revoked;     /* 1: revoked without reason, 2: with reason 1 */
	int single_ext;  /* 1: unknown, 2: unknown critical */
	int resp_ext;    /* 1: nonce, 2: raw nonce, 3: two nonces, 4: unknown critical */
	int n_certs;
	sg_err want;
	const char *detail;
};

static void put_ext(struct der *d, const uint8_t *oid, size_t oid_len, int critical,
		    const struct der *value)
{
	struct der x = {0};
	static const uint8_t t[] = {0xff};

	put_tlv(&x, 0x06, oid, oid_len);
	if (critical)
		put_tlv(&x, 0x01, t, 1);
	put_wrap(&x, 0x04, value);
	put_wrap(d, 0x30, &x);
}

static const uint8_t oid_nonce[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02};
static const uint8_t oid_other[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x7f};

static void put_single(struct der *d, const struct shape *sp)
{
	static const uint8_t sha1[] = {0x2b, 0x0e, 0x03, 0x02, 0x1a}, hash[20] = {0};
	static const uint8_t serial[] = {0x20, 0x01}, reason[] = {0x0a, 0x01, 0x01};
	struct der s = {0}, id = {0}, alg = {0}, st = {0}, ext = {0}, exts = {0}, v = {0};

	put_tlv(&alg, 0x06, sha1, sizeof(sha1));
	put_tlv(&alg, 0x05, NULL, 0);
	put_wrap(&id, 0x30, &alg);
	put_tlv(&id, 0x04, hash, 20);
	put_tlv(&id, 0x04, hash, 20);
	put_tlv(&id, 0x02, serial, 2);
	put_wrap(&s, 0x30, &id);
	if (sp->revoked) {
		put_tlv(&st, 0x18, "20240101000000Z", 15);
		if (sp->revoked == 2)
			put_tlv(&st, 0xa0, reason, sizeof(reason));
		put_wrap(&s, 0xa1, &st);
	} else {
		put_tlv(&s, 0x80, NULL, 0);
	}
	put_tlv(&s, 0x18, "20260101000000Z", 15);
	if (sp->single_ext) {
		put_tlv(&v, 0x05, NULL, 0);
		put_ext(&ext, oid_other, sizeof(oid_other), sp->single_ext == 2, &v);
		put_wrap(&exts, 0x30, &ext);
		put_wrap(&s, 0xa1, &exts);
	}
	put_wrap(d, 0x30, &s);
}

static void put_resp_exts(struct der *d, int kind)
{
	struct der ext = {0}, exts = {0}, v = {0}, raw = {0};

	put_tlv(&v, 0x04, "nonce-16-bytes!!", 16);
	put_raw(&raw, "nonce-16-bytes!!", 16);
	if (kind == 1 || kind == 3)
		put_ext(&ext, oid_nonce, sizeof(oid_nonce), 0, &v);
	if (kind == 2 || kind == 3)
		put_ext(&ext, oid_nonce, sizeof(oid_nonce), 0, &raw);
	if (kind == 4)
		put_ext(&ext, oid_other, sizeof(oid_other), 1, &v);
	put_wrap(&exts, 0x30, &ext);
	put_wrap(d, 0xa1, &exts);
}

static void build_response(const struct shape *sp, struct der *out)
{
	static const uint8_t ecdsa_sha256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
	static const uint8_t basic_oid[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01};
	static const uint8_t sig[] = {0x00, 0x01, 0x02}, zero[] = {0x00};
	struct der tbs = {0}, t = {0}, x = {0}, list = {0}, basic = {0}, b = {0}, alg = {0};
	struct der cseq = {0}, cl = {0}, rb = {0}, r = {0}, top = {0};

	if (sp->version >= 0) {
		uint8_t ver[] = {0x02, 0x01, (uint8_t)sp->version};

		put_tlv(&t, 0xa0, ver, sizeof(ver));
	}
	if (sp->by_key == 1)
		put_tlv(&x, 0x04, "twenty-byte-keyhash!", 20);
	else if (sp->by_key == 2)
		put_tlv(&x, 0x02, zero, 1);
	else
		put_tlv(&x, 0x30, NULL, 0); /* an empty Name */
	put_wrap(&t, sp->by_key ? 0xa2 : 0xa1, &x);
	put_tlv(&t, 0x18, "20260101000000Z", 15);
	put_single(&list, sp);
	put_wrap(&t, 0x30, &list);
	if (sp->resp_ext)
		put_resp_exts(&t, sp->resp_ext);
	put_wrap(&tbs, 0x30, &t);

	put_raw(&b, tbs.b, tbs.n);
	put_tlv(&alg, 0x06, ecdsa_sha256, sizeof(ecdsa_sha256));
	put_wrap(&b, 0x30, &alg);
	put_tlv(&b, 0x03, sig, sizeof(sig));
	for (int i = 0; i < sp->n_certs; i++)
		put_tlv(&cl, 0x30, zero, 1); /* framing only: parsed when used */
	if (sp->n_certs) {
		put_wrap(&cseq, 0x30, &cl);
		put_wrap(&b, 0xa0, &cseq);
	}
	put_wrap(&basic, 0x30, &b);

	put_tlv(&rb, 0x06, basic_oid, sizeof(basic_oid));
	put_wrap(&rb, 0x04, &basic);
	put_wrap(&r, 0x30, &rb);
	put_tlv(&top, 0x0a, zero, 1);
	put_wrap(&top, 0xa0, &r);
	out->n = 0;
	put_wrap(out, 0x30, &top);
}

static const struct shape shapes[] = {
	{"plain", -1, 0, 0, 0, 0, 0, SG_OK, NULL},
	{"explicit v1", 0, 0, 0, 0, 0, 0, SG_OK, NULL},
	{"v2", 1, 0, 0, 0, 0, 0, SG_E_MALFORMED, "version"},
	{"by key", -1, 1, 0, 0, 0, 0, SG_OK, NULL},
	{"by key, not an OCTET STRING", -1, 2, 0, 0, 0, 0, SG_E_MALFORMED, "key hash"},
	{"revoked, no reason", -1, 0, 1, 0, 0, 0, SG_OK, NULL},
	{"revoked, reason", -1, 0, 2, 0, 0, 0, SG_OK, NULL},
	{"unknown single extension", -1, 0, 0, 1, 0, 0, SG_OK, NULL},
	{"unknown critical single extension", -1, 0, 0, 2, 0, 0, SG_E_MALFORMED, "critical"},
	{"nonce", -1, 0, 0, 0, 1, 0, SG_OK, NULL},
	{"raw nonce", -1, 0, 0, 0, 2, 0, SG_OK, NULL},
	{"two nonces", -1, 0, 0, 0, 3, 0, SG_E_MALFORMED, "twice"},
	{"unknown critical response extension", -1, 0, 0, 0, 4, 0, SG_E_MALFORMED, "critical"},
	{"six certificates", -1, 0, 0, 0, 0, 6, SG_OK, NULL},
};

static void test_shapes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *sp = &shapes[i];
		struct ocsp_response r;
		struct ocsp_result res;
		struct sg_error e;
		struct der d;
		sg_err err;

		build_response(sp, &d);
		sg_error_init(&e);
		err = ocsp_response_parse(d.b, d.n, &r, &e);
		if (err != sp->want)
			fail_msg("%s: got %d (%s), want %d", sp->name, err, e.detail, sp->want);
		if (sp->detail && !strstr(e.detail, sp->detail))
			fail_msg("%s: detail '%s' lacks '%s'", sp->name, e.detail, sp->detail);
		if (err)
			continue;
		assert_int_equal(r.n_single, 1);
		assert_int_equal(r.single[0].this_update, sg_time_from_utc(2026, 1, 1, 0, 0, 0));
		assert_int_equal(r.single[0].next_update, 0);
		assert_int_equal(r.single[0].status,
				 sp->revoked ? OCSP_STATUS_REVOKED : OCSP_STATUS_GOOD);
		assert_int_equal(r.single[0].revocation_reason, sp->revoked == 2 ? 1 : -1);
		assert_int_equal(r.n_certs, sp->n_certs > OCSP_MAX_CERTS ? OCSP_MAX_CERTS : sp->n_certs);
		assert_int_equal(r.responder_key_hash.len, sp->by_key ? 20 : 0);
		assert_int_equal(r.responder_name.len, sp->by_key ? 0 : 2);
		if (sp->resp_ext) {
			assert_int_equal(r.nonce.len, 16);
			assert_memory_equal(r.nonce.p, "nonce-16-bytes!!", 16);
		}
		/* nobody signed it: the checker says so, whatever the shape */
		assert_int_equal(ocsp_response_check(&r, crt("user-ec"), crt("ca-ec"), NULL, 0, 0,
						     sg_time_from_utc(2026, 1, 1, 0, 0, 0), SKEW,
						     3600, &res, NULL),
				 SG_E_REVOCATION_UNAVAILABLE);
	}
}

static void test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(ocsp_reason_name(-1), "unspecified");
	assert_string_equal(ocsp_reason_name(0), "unspecified");
	assert_string_equal(ocsp_reason_name(1), "keyCompromise");
	assert_string_equal(ocsp_reason_name(4), "superseded");
	assert_string_equal(ocsp_reason_name(6), "certificateHold");
	assert_string_equal(ocsp_reason_name(7), "unknown reason");
	assert_string_equal(ocsp_reason_name(10), "aACompromise");
	assert_string_equal(ocsp_reason_name(11), "unknown reason");
	assert_string_equal(ocsp_reason_name(-5), "unknown reason");
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_request_openssl_reads),
		cmocka_unit_test(test_request_equals_openssl),
		cmocka_unit_test(test_request_small_buffer),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_every_bit_flip_refused),
		cmocka_unit_test(test_status_responses),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_reason_names),
	};
	const size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) + N_CASES];

	/* One named test per table row, so that a failure names its case. */
	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < N_CASES; i++)
		tests[n_fixed + i] = (struct CMUnitTest){
			.name = cases[i].name,
			.test_func = test_case,
			.initial_state = (void *)(uintptr_t)&cases[i],
		};
	return _cmocka_run_group_tests("ocsp", tests, n_fixed + N_CASES, group_setup,
				       group_teardown);
}
