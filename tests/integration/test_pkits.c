/*
 * test_pkits.c: NIST PKITS 1.0.1 (tests/pkits, public domain) through
 * certcheck: path validation with the suite's CRLs as the only revocation
 * source, at the current time (the suite's certificates run 2010-2030).
 *
 * Every case of the manifest runs, with its RFC 5280 6.1.1 inputs
 * (initial-policy-set, initial-explicit-policy, initial-policy-mapping-
 * inhibit, initial-any-policy-inhibit) as the [certs] policy settings, and
 * its user-constrained-policy-set, where the suite gives one, compared with
 * the validated path's. For the required sections (all of them, 4.1-4.16) every
 * case must give the expected verdict unless it is listed below with the
 * reason it cannot; a listed case must really fail, so the list stays
 * honest.
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

#include <mbedtls/asn1.h>

#include "certcheck.h"
#include "itest.h"
#include "path.h"
#include "port_linux.h"

/* Cases whose verdict differs from the suite's, and why. */
static const struct known {
	const char *number;
	const char *why;
} known[] = {
#define DSA "DSA signatures: mbedTLS has no DSA (and no sign-in uses it)"
	{"4.1.4", DSA},
	{"4.1.5", DSA},
	{NULL, NULL},
};

static const char *required[] = {"4.1.", "4.2.", "4.3.", "4.4.", "4.5.", "4.6.",
				 "4.7.", "4.8.", "4.9.", "4.10.", "4.11.", "4.12.",
				 "4.13.", "4.14.", "4.15.", "4.16."};

struct row {
	char number[16];
	char name[160];
	char certs[1024];
	char crls[1024];
	int valid;
	/* RFC 5280 6.1.1 inputs ("-": the default) and the expected
	 * user-constrained-policy-set ("-": not given) */
	char initial_set[256], user_set[256];
	int explicit_policy, inhibit_mapping, inhibit_any;
};

static struct hal hal;

static const char *known_why(const char *number)
{
	for (size_t i = 0; known[i].number; i++)
		if (!strcmp(known[i].number, number))
			return known[i].why;
	return NULL;
}

static int is_required(const char *number)
{
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!strncmp(number, required[i], strlen(required[i])))
			return 1;
	return 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* The manifest's policy names as OIDs: "NIST-test-policy-1,anyPolicy" ->
 * "2.16.840.1.101.3.2.1.48.1, 2.5.29.32.0" ("-" and "''": ""). */
static void nist_set(const char *in, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	if (!strcmp(in, "-") || !strcmp(in, "''"))
		return;
	for (const char *p = in; *p && o < len;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		if (n == 9 && !strncmp(p, "anyPolicy", 9))
			o += (size_t)snprintf(out + o, len - o, "%s2.5.29.32.0", o ? ", " : "");
		else if (n > 17 && !strncmp(p, "NIST-test-policy-", 17))
			o += (size_t)snprintf(out + o, len - o, "%s2.16.840.1.101.3.2.1.48.%.*s",
					      o ? ", " : "", (int)(n - 17), p + 17);
		p += n + (c != NULL);
	}
}

/* One certificate file, parsed as the validator wants (path.h); one that
 * mbedTLS cannot parse is kept raw when u is given. */
static int load_crt(mbedtls_x509_crt *chain, struct path_unread *u, const char *file)
{
	size_t len = 0;
	uint8_t *der = slurp(file, &len);
	int rc;

	assert_non_null(der);
	rc = path_parse_der(chain, u, der, len);
	free(der);
	return rc;
}

/* Runs one case; returns 1 (valid), 0 (invalid) and why in *text. */
static int run_case(const struct row *r, char *text, size_t len)
{
	mbedtls_x509_crt anchors, inter;
	struct path_unread unread = {0};
	struct crl_list crls;
	struct certcheck_policy pol;
	struct certcheck_input in;
	struct certcheck_report rep;
	char list[1024], path[1200], *save = NULL;
	uint8_t *leaf = NULL;
	size_t leaf_len = 0, idx = 0;
	int valid;

	mbedtls_x509_crt_init(&anchors);
	mbedtls_x509_crt_init(&inter);
	crl_list_init(&crls);
	snprintf(list, sizeof(list), "%s", r->certs);
	size_t count = 1;
	for (const char *p = list; *p; p++)
		count += *p == ',';
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save), idx++) {
		snprintf(path, sizeof(path), "%s/tests/pkits/certs/%s.crt", itest_top(), tok);
		if (idx == 0) {
			assert_int_equal(load_crt(&anchors, NULL, path), 0);
		} else if (idx + 1 < count) {
			/* may be unparseable: that is the test */
			(void)load_crt(&inter, &unread, path);
		} else {
			leaf = slurp(path, &leaf_len);
			assert_non_null(leaf);
		}
	}
	snprintf(list, sizeof(list), "%s", r->crls);
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint8_t *der;
		size_t der_len = 0;

		snprintf(path, sizeof(path), "%s/tests/pkits/crls/%s.crl", itest_top(), tok);
		der = slurp(path, &der_len);
		assert_non_null(der);
		assert_int_equal(crl_list_add(&crls, der, der_len, NULL), SG_OK);
		free(der);
	}
	certcheck_policy_default(&pol);
	revoke_policy_methods(&pol.revoke, "crl", NULL);
	pol.revoke.fetch_crl = 0;
	pol.revoke.use_cache = 0;
	pol.skew_s = 0;
	pol.rsa_min_bits = 1024;
	nist_set(r->initial_set, pol.policy.policies, sizeof(pol.policy.policies));
	pol.policy.require_explicit = r->explicit_policy;
	pol.policy.inhibit_mapping = r->inhibit_mapping;
	pol.policy.inhibit_any = r->inhibit_any;
	memset(&in, 0, sizeof(in));
	in.der = leaf;
	in.der_len = leaf_len;
	in.anchors = &anchors;
	in.intermediates = inter.raw.p ? &inter : NULL;
	in.unread = &unread;
	in.crls = &crls;
	certcheck_run(&hal, &pol, &in, &rep, NULL);
	/* Path validation only: usage and identity are the sign-in's own rules. */
	valid = rep.steps[CERTCHECK_CHAIN].verdict == CERTCHECK_PASS &&
		rep.steps[CERTCHECK_TIME].verdict != CERTCHECK_FAIL &&
		rep.steps[CERTCHECK_REVOCATION].verdict != CERTCHECK_FAIL;
	text[0] = '\0';
	for (int s = 0; s < CERTCHECK__STEPS; s++)
		if (rep.steps[s].verdict == CERTCHECK_FAIL)
			snprintf(text, len, "%s: %s", certcheck_step_name(s), rep.steps[s].text);
	/* The user-constrained policy set, where the suite gives it. */
	if (valid && strcmp(r->user_set, "-")) {
		char want[512], got[POL_SET_TEXT + 16];

		nist_set(r->user_set, want, sizeof(want));
		snprintf(got, sizeof(got), "%s", rep.pol.user_any ? "2.5.29.32.0" : rep.pol.user);
		if (strcmp(got, want)) {
			snprintf(text, len, "user-constrained policy set [%.300s], expected [%.300s]", got,
				 want);
			valid = !r->valid;
		}
	}
	free(leaf);
	path_unread_free(&unread);
	mbedtls_x509_crt_free(&anchors);
	mbedtls_x509_crt_free(&inter);
	crl_list_free(&crls);
	return valid;
}

static int parse_row(char *line, struct row *r)
{
	char *f[10];
	int n = 0;

	for (char *p = line; n < 10; n++) {
		f[n] = p;
		p = strchr(p, '\t');
		if (!p) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	if (n < 10)
		return 0;
	f[9][strcspn(f[9], "\r\n")] = '\0';
	snprintf(r->number, sizeof(r->number), "%s", f[0]);
	snprintf(r->name, sizeof(r->name), "%s", f[1]);
	snprintf(r->certs, sizeof(r->certs), "%s", f[2]);
	snprintf(r->crls, sizeof(r->crls), "%s", f[3]);
	r->valid = !strcmp(f[4], "valid");
	snprintf(r->initial_set, sizeof(r->initial_set), "%s", f[5]);
	r->explicit_policy = !strcmp(f[6], "true");
	snprintf(r->user_set, sizeof(r->user_set), "%s", f[7]);
	r->inhibit_mapping = !strcmp(f[8], "true");
	r->inhibit_any = !strcmp(f[9], "true");
	return 1;
}

struct section_stat {
	char name[8];
	int ok, total, false_accepts;
};

static void tally(struct section_stat *st, size_t *n, const char *number, int ok, int false_accept)
{
	char sec[8];
	const char *dot = strchr(number + 2, '.');
	size_t len = dot ? (size_t)(dot - number) : strlen(number);

	snprintf(sec, sizeof(sec), "%.*s", (int)len, number);
	size_t i = 0;
	while (i < *n && strcmp(st[i].name, sec))
		i++;
	if (i == *n) {
		memset(&st[i], 0, sizeof(st[i]));
		snprintf(st[i].name, sizeof(st[i].name), "%s", sec);
		(*n)++;
	}
	st[i].ok += ok;
	st[i].total++;
	st[i].false_accepts += false_accept;
}

static void test_pkits(void **state)
{
	struct section_stat st[32];
	size_t n_st = 0;
	char path[600], line[4096], text[700];
	int req_ok = 0, req_total = 0, other_ok = 0, other_total = 0, mismatched_required = 0;
	int now_passes = 0;
	(void)state;

	snprintf(path, sizeof(path), "%s/tests/pkits/manifest.tsv", itest_top());
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f)) {
		struct row r;
		if (!parse_row(line, &r))
			continue;
		int got = run_case(&r, text, sizeof(text));
		int ok = got == r.valid;
		const char *why = known_why(r.number);
		tally(st, &n_st, r.number, ok, got && !r.valid);
		if (is_required(r.number)) {
			req_total++;
			req_ok += ok;
			if (!ok && !why) {
				mismatched_required++;
				print_message("FAIL %s %s: expected %s, got %s (%s)\n", r.number, r.name,
					      r.valid ? "valid" : "invalid", got ? "valid" : "invalid", text);
			}
			if (!ok && why)
				print_message("known %s %s: got %s (%s)\n", r.number, r.name,
					      got ? "valid" : "invalid", text);
			if (ok && why) {
				now_passes++;
				print_message("NOW PASSES %s %s (remove it from the known list)\n",
					      r.number, r.name);
			}
		} else {
			other_total++;
			other_ok += ok;
			if (!ok)
				print_message("other %s %s: expected %s, got %s (%s)\n", r.number, r.name,
					      r.valid ? "valid" : "invalid", got ? "valid" : "invalid", text);
		}
	}
	fclose(f);
	for (size_t i = 0; i < n_st; i++)
		print_message("PKITS %-5s %3d/%-3d as expected, %d invalid accepted%s\n", st[i].name,
			      st[i].ok, st[i].total, st[i].false_accepts,
			      "");
	print_message("PKITS required sections: %d/%d as expected; other sections: %d/%d\n", req_ok,
		      req_total, other_ok, other_total);
	assert_int_equal(mismatched_required, 0);
	assert_int_equal(now_passes, 0);
}

static int setup(void **state)
{
	struct port_linux_opts po = {.log_ident = "pkits", .log_level = HAL_LOG_ERR,
				     .tty_path = "/nonexistent"};
	(void)state;
	return port_linux_init(&hal, &po);
}

static int teardown(void **state)
{
	(void)state;
	port_linux_fini(&hal);
	return 0;
}

/* The unique-identifier workaround (path_parse_der parses a copy with the
 * tags mbedTLS 2.28 expects) must not loosen the signature check: 4.3.6's
 * end entity with one bit of its issuerUniqueID flipped, or its signature
 * flipped, is refused (its CA signed other bytes). */
static void test_uid_signature_still_checked(void **state)
{
	char path[1200];
	mbedtls_x509_crt anchors, inter, leaf;
	uint8_t *der;
	size_t len = 0;

	(void)state;
	for (int what = 0; what < 3; what++) {
		struct path_in in;
		struct path_out *out = calloc(1, sizeof(*out));
		struct sg_error e;

		assert_non_null(out);
		mbedtls_x509_crt_init(&anchors);
		mbedtls_x509_crt_init(&inter);
		mbedtls_x509_crt_init(&leaf);
		snprintf(path, sizeof(path), "%s/tests/pkits/certs/TrustAnchorRootCertificate.crt",
			 itest_top());
		assert_int_equal(load_crt(&anchors, NULL, path), 0);
		snprintf(path, sizeof(path), "%s/tests/pkits/certs/UIDCACert.crt", itest_top());
		assert_int_equal(load_crt(&inter, NULL, path), 0);
		snprintf(path, sizeof(path), "%s/tests/pkits/certs/ValidNameUIDsTest6EE.crt",
			 itest_top());
		der = slurp(path, &len);
		assert_non_null(der);
		if (what == 1) {
			/* the last byte of the issuerUniqueID's bits */
			unsigned char *p = der + 4, *end = der + len;
			size_t l;

			assert_int_equal(mbedtls_asn1_get_tag(&p, end, &l, 0x30), 0);
			for (int i = 0; i < 8 && *p != 0x81; i++) {
				unsigned char tag = *p;

				assert_int_equal(mbedtls_asn1_get_tag(&p, end, &l, tag), 0);
				p += l;
			}
			assert_int_equal(*p, 0x81);
			assert_int_equal(mbedtls_asn1_get_tag(&p, end, &l, 0x81), 0);
			p[l - 1] ^= 1;
		} else if (what == 2) {
			der[len - 1] ^= 1; /* the signature */
		}
		assert_int_equal(path_parse_der(&leaf, NULL, der, len), 0);
		memset(&in, 0, sizeof(in));
		in.target = &leaf;
		in.anchors = &anchors;
		in.pool[0] = &inter;
		in.now = 1893456000; /* 2030-01-01: within the suite's validity */
		sg_error_init(&e);
		assert_int_equal(path_build(&in, out, &e), what ? SG_E_CERT_UNTRUSTED : SG_OK);
		if (what)
			print_message("refused: %s\n", out->why);
		free(out);
		free(der);
		mbedtls_x509_crt_free(&leaf);
		mbedtls_x509_crt_free(&inter);
		mbedtls_x509_crt_free(&anchors);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_pkits),
					   cmocka_unit_test(test_uid_signature_still_checked)};
	return cmocka_run_group_tests_name("pkits", tests, setup, teardown);
}
