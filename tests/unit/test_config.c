/* test_config.c: signet's settings, table-driven: text in, settings or an
 * error (with its line) out; loading files; the help listing. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, mkdtemp, fileno */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/signin/config.h"
#include "hal_log.h"

#define T(lit) lit, sizeof(lit) - 1
#define SECRET "s3cr3t" /* no error detail may contain it */

/* The whole configuration a case expects. */
struct want {
	const char *module, *uri;
	unsigned min, max;
	int digits, timeout_ms, level, syslog;
};

/* The defaults (pin_policy_default, warning, no syslog), for readability. */
#define DEF_MODULE ""
#define DEF_URI ""
#define DEF_PIN 4, 8, 1, 30000
#define DEF_LOG HAL_LOG_WARN, 0

struct ok_case {
	const char *name;
	const char *in;
	size_t len;
	struct want want;
};

struct err_case {
	const char *name;
	const char *in;
	size_t len;
	const char *detail; /* the whole expected detail */
};

static const struct ok_case ok_cases[] = {
	{"empty", T(""), {DEF_MODULE, DEF_URI, DEF_PIN, DEF_LOG}},
	{"comments only", T("# signet\n; nothing set\n"), {DEF_MODULE, DEF_URI, DEF_PIN, DEF_LOG}},
	{"everything",
	 T("[token]\nmodule = /usr/lib/softhsm/libsofthsm2.so\n"
	   "uri = pkcs11:token=signet;object=sign\n"
	   "[pin]\nmin_length = 6\nmax_length = 12\ndigits_only = no\ntimeout = 10\n"
	   "[log]\nlevel = debug\nsyslog = yes\n"),
	 {"/usr/lib/softhsm/libsofthsm2.so", "pkcs11:token=signet;object=sign", 6, 12, 0, 10000,
	  HAL_LOG_DEBUG, 1}},
	{"CRLF, no final newline", T("[log]\r\nlevel = info\r\nsyslog = on"),
	 {DEF_MODULE, DEF_URI, DEF_PIN, HAL_LOG_INFO, 1}},
	{"quoted module path", T("[token]\nmodule = \" /opt/my#card/p11.so\"\n"),
	 {" /opt/my#card/p11.so", DEF_URI, DEF_PIN, DEF_LOG}},
	{"empty module: board default", T("[token]\nmodule =\n"), {"", DEF_URI, DEF_PIN, DEF_LOG}},
	{"timeout 0: wait for ever", T("[pin]\ntimeout = 0\n"), {DEF_MODULE, DEF_URI, 4, 8, 1, 0, DEF_LOG}},
	{"timeout at its maximum", T("[pin]\ntimeout = 3600\n"),
	 {DEF_MODULE, DEF_URI, 4, 8, 1, 3600000, DEF_LOG}},
	{"length range edges", T("[pin]\nmin_length = 1\nmax_length = 64\n"),
	 {DEF_MODULE, DEF_URI, 1, 64, 1, 30000, DEF_LOG}},
	{"min equal to max", T("[pin]\nmin_length = 8\n"), {DEF_MODULE, DEF_URI, 8, 8, 1, 30000, DEF_LOG}},
	{"max below the default min needs min too", T("[pin]\nmax_length = 3\nmin_length = 2\n"),
	 {DEF_MODULE, DEF_URI, 2, 3, 1, 30000, DEF_LOG}},
	{"leading zeros", T("[pin]\nmin_length = 006\n"), {DEF_MODULE, DEF_URI, 6, 8, 1, 30000, DEF_LOG}},
	{"bool true/false", T("[pin]\ndigits_only = false\n[log]\nsyslog = true\n"),
	 {DEF_MODULE, DEF_URI, 4, 8, 0, 30000, HAL_LOG_WARN, 1}},
	{"bool 1/0", T("[pin]\ndigits_only = 0\n[log]\nsyslog = 1\n"),
	 {DEF_MODULE, DEF_URI, 4, 8, 0, 30000, HAL_LOG_WARN, 1}},
	{"bool off, any case", T("[pin]\ndigits_only = OFF\n[log]\nsyslog = Yes\n"),
	 {DEF_MODULE, DEF_URI, 4, 8, 0, 30000, HAL_LOG_WARN, 1}},
	{"level error", T("[log]\nlevel = error\n"), {DEF_MODULE, DEF_URI, DEF_PIN, HAL_LOG_ERR, 0}},
	{"level warning", T("[log]\nlevel = warning\n"), {DEF_MODULE, DEF_URI, DEF_PIN, HAL_LOG_WARN, 0}},
	{"level any case", T("[log]\nlevel = DEBUG\n"), {DEF_MODULE, DEF_URI, DEF_PIN, HAL_LOG_DEBUG, 0}},
	{"sections may repeat", T("[log]\nlevel = info\n[pin]\nmin_length = 5\n[log]\nsyslog = yes\n"),
	 {DEF_MODULE, DEF_URI, 5, 8, 1, 30000, HAL_LOG_INFO, 1}},
};

static const struct err_case err_cases[] = {
	{"unknown key", T("[pin]\nminlength = 4\n"),
	 "line 2: unknown setting [pin] minlength"},
	{"unknown section", T("[tokens]\nmodule = x\n"),
	 "line 2: unknown setting [tokens] module"},
	{"key outside any section", T("level = debug\n"),
	 "line 1: unknown setting level outside any [section]"},
	{"section names are case-sensitive", T("[PIN]\nmin_length = 4\n"),
	 "line 2: unknown setting [PIN] min_length"},
	{"duplicate", T("[pin]\nmin_length = 4\n# again\nmin_length = 6\n"),
	 "line 4: [pin] min_length set twice, first at line 2"},
	{"duplicate across repeated sections", T("[log]\nlevel = info\n[pin]\n[log]\nlevel = info\n"),
	 "line 5: [log] level set twice, first at line 2"},
	{"int below range", T("[pin]\nmin_length = 0\n"), "line 2: [pin] min_length must be 1..64"},
	{"int above range", T("[pin]\nmax_length = 65\n"), "line 2: [pin] max_length must be 1..64"},
	{"int negative", T("[pin]\ntimeout = -1\n"), "line 2: [pin] timeout must be 0..3600"},
	{"int huge", T("[pin]\ntimeout = 99999999999999999999999999\n"),
	 "line 2: [pin] timeout must be 0..3600"},
	{"int above range by one", T("[pin]\ntimeout = 3601\n"), "line 2: [pin] timeout must be 0..3600"},
	{"int not a number", T("[pin]\nmin_length = four\n"), "line 2: [pin] min_length must be 1..64"},
	{"int with a sign", T("[pin]\nmin_length = +4\n"), "line 2: [pin] min_length must be 1..64"},
	{"int hex", T("[pin]\nmin_length = 0x4\n"), "line 2: [pin] min_length must be 1..64"},
	{"int with a unit", T("[pin]\ntimeout = 30s\n"), "line 2: [pin] timeout must be 0..3600"},
	{"int empty", T("[pin]\nmin_length =\n"), "line 2: [pin] min_length must be 1..64"},
	{"int lone minus", T("[pin]\nmin_length = -\n"), "line 2: [pin] min_length must be 1..64"},
	{"int inline comment", T("[pin]\nmin_length = 4 # four\n"),
	 "line 2: [pin] min_length: '#' after a value: comments go on a line of their own "
	 "(or quote the value)"},
	{"bool bad", T("[log]\nsyslog = " SECRET "\n"),
	 "line 2: [log] syslog must be yes or no (or true/false, on/off, 1/0)"},
	{"bool empty", T("[pin]\ndigits_only =\n"),
	 "line 2: [pin] digits_only must be yes or no (or true/false, on/off, 1/0)"},
	{"bool prefix", T("[pin]\ndigits_only = ye\n"),
	 "line 2: [pin] digits_only must be yes or no (or true/false, on/off, 1/0)"},
	{"enum bad", T("[log]\nlevel = " SECRET "\n"),
	 "line 2: [log] level must be one of error, warning, info, debug"},
	{"enum abbreviation", T("[log]\nlevel = warn\n"),
	 "line 2: [log] level must be one of error, warning, info, debug"},
	{"min above max", T("[pin]\nmin_length = 9\n"),
	 "[pin] min_length (9, line 2) is more than max_length (8, not set in this file)"},
	{"min above max, both set", T("[pin]\nmax_length = 5\nmin_length = 6\n"),
	 "[pin] min_length (6, line 3) is more than max_length (5, line 2)"},
	{"syntax error comes from the parser", T("[pin]\nmin_length 4\n"),
	 "line 2: missing '=' (expected key = value)"},
	{"NUL byte", T("[pin]\n\0\n"), "line 2: NUL byte in file (is this a text file?)"},
	{"error after good lines", T("[log]\nlevel = info\nsyslog = maybe\n"),
	 "line 3: [log] syslog must be yes or no (or true/false, on/off, 1/0)"},
};

static void check_want(const struct signet_config *c, const struct want *w)
{
	assert_string_equal(c->module, w->module);
	assert_string_equal(c->token_uri, w->uri);
	assert_int_equal(c->pin.min_len, w->min);
	assert_int_equal(c->pin.max_len, w->max);
	assert_int_equal(c->pin.digits_only, w->digits);
	assert_int_equal(c->pin.timeout_ms, w->timeout_ms);
	assert_int_equal(c->log_level, w->level);
	assert_int_equal(c->log_syslog, w->syslog);
}

/* Parses a private copy of exactly len bytes, so ASan sees any over-read. */
static sg_err parse_exact(const char *in, size_t len, struct signet_config *c,
			  struct sg_error *e)
{
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, in, len);
	sg_err rc = config_parse(copy, len, c, e);

	free(copy);
	return rc;
}

static void test_defaults(void **state)
{
	struct signet_config c;
	const struct want w = {DEF_MODULE, DEF_URI, DEF_PIN, DEF_LOG};

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	config_defaults(&c);
	check_want(&c, &w);
	assert_int_equal(pin_policy_check(&c.pin, NULL), SG_OK);
}

static void test_ok_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *k = &ok_cases[i];
		struct signet_config c;
		struct sg_error e;

		print_message("ok: %s\n", k->name);
		config_defaults(&c);
		sg_error_init(&e);
		if (parse_exact(k->in, k->len, &c, &e) != SG_OK)
			fail_msg("%s: %s", k->name, e.detail);
		check_want(&c, &k->want);
	}
}

static void test_err_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *k = &err_cases[i];
		struct signet_config c, before;
		struct sg_error e;

		print_message("error: %s\n", k->name);
		config_defaults(&c);
		before = c;
		sg_error_init(&e);
		assert_int_equal(parse_exact(k->in, k->len, &c, &e), SG_E_CONFIG);
		if (strcmp(e.detail, k->detail) != 0)
			fail_msg("%s: detail \"%s\", want \"%s\"", k->name, e.detail, k->detail);
		assert_null(strstr(e.detail, SECRET));
		/* PAM logs these too: no CLI flag (the CLI adds --help-config). */
		assert_null(strstr(e.detail, "--"));
		/* Nothing of a broken file is applied, not even its good lines. */
		assert_memory_equal(&c, &before, sizeof(c));
	}
}

static void test_string_limits(void **state)
{
	static char buf[2048];
	struct signet_config c;
	struct sg_error e;
	size_t n;

	(void)state;
	config_defaults(&c);
	n = (size_t)snprintf(buf, sizeof(buf), "[token]\nmodule = \"%255s\"\n", "/x");
	assert_int_equal(config_parse(buf, n, &c, &e), SG_OK);
	assert_int_equal(strlen(c.module), sizeof(c.module) - 1);
	n = (size_t)snprintf(buf, sizeof(buf), "[token]\nmodule = \"%256s\"\n", "/x");
	assert_int_equal(config_parse(buf, n, &c, &e), SG_E_CONFIG);
	assert_string_equal(e.detail, "line 2: [token] module is too long (at most 255 bytes)");

	config_defaults(&c);
	n = (size_t)snprintf(buf, sizeof(buf), "[token]\nuri = pkcs11:%504s\n", "x");
	assert_int_equal(config_parse(buf, n, &c, &e), SG_OK);
	assert_int_equal(strlen(c.token_uri), sizeof(c.token_uri) - 1);
	n = (size_t)snprintf(buf, sizeof(buf), "[token]\nuri = pkcs11:%505s\n", "x");
	assert_int_equal(config_parse(buf, n, &c, &e), SG_E_CONFIG);
	assert_string_equal(e.detail, "line 2: [token] uri is too long (at most 511 bytes)");
}

/* A second source (a user's file, then --config) overrides the first;
 * duplicates are only counted within one source. */
static void test_layers(void **state)
{
	struct signet_config c;
	struct sg_error e;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse(T("[pin]\nmin_length = 6\nmax_length = 6\n"), &c, &e), SG_OK);
	assert_int_equal(config_parse(T("[pin]\nmin_length = 5\n"), &c, &e), SG_OK);
	assert_int_equal(c.pin.min_len, 5);
	assert_int_equal(c.pin.max_len, 6);
	/* The earlier max still holds, and the check says where it is not from. */
	assert_int_equal(config_parse(T("[pin]\nmin_length = 7\n"), &c, &e), SG_E_CONFIG);
	assert_string_equal(e.detail,
			    "[pin] min_length (7, line 2) is more than max_length (6, not set in this file)");
	assert_int_equal(c.pin.min_len, 5);
	assert_int_equal(config_parse(T("[pin]\nmin_length = 1\n"), &c, NULL), SG_OK);
	assert_int_equal(config_parse(T("[pin]\nmin_length = 0\n"), &c, NULL), SG_E_CONFIG);
}

/* [certs] revocation_scope, ocsp_require_nonce, ocsp_max_age, crl_max_age:
 * their defaults, values, ranges; skew reaches the revocation policy. */
static void test_revocation_settings(void **state)
{
	struct signet_config c;
	struct sg_error e;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.check.revocation_scope, CERTCHECK_SCOPE_CHAIN);
	assert_int_equal(c.check.revoke.ocsp_require_nonce, 0);
	assert_int_equal(c.check.revoke.ocsp_nonce, 1); /* still sent */
	assert_int_equal(c.check.revoke.ocsp_max_age_s, 86400);
	assert_int_equal(c.check.revoke.crl_max_age_s, 7 * 86400);
	assert_int_equal(config_parse(T("[certs]\nrevocation_scope = leaf\nocsp_require_nonce = yes\n"
					"ocsp_max_age = 3600\ncrl_max_age = 172800\nskew = 60\n"),
				      &c, &e),
			 SG_OK);
	assert_int_equal(c.check.revocation_scope, CERTCHECK_SCOPE_LEAF);
	assert_int_equal(c.check.revoke.ocsp_require_nonce, 1);
	assert_int_equal(c.check.revoke.ocsp_max_age_s, 3600);
	assert_int_equal(c.check.revoke.crl_max_age_s, 172800);
	config_apply_check(&c);
	assert_int_equal(c.check.revoke.skew_s, 60);
	assert_int_equal(config_parse(T("[certs]\nrevocation_scope = end\n"), &c, &e), SG_E_CONFIG);
	assert_string_equal(e.detail, "line 2: [certs] revocation_scope must be one of chain, leaf");
	assert_int_equal(config_parse(T("[certs]\nocsp_max_age = 0\n"), &c, &e), SG_E_CONFIG);
	assert_string_equal(e.detail, "line 2: [certs] ocsp_max_age must be 60..2592000");
	assert_int_equal(config_parse(T("[certs]\ncrl_max_age = 24h\n"), &c, &e), SG_E_CONFIG);
	assert_string_equal(e.detail, "line 2: [certs] crl_max_age must be 60..31622400");
}

/* [certs] policies, require_explicit_policy, inhibit_policy_mapping,
 * inhibit_any_policy: defaults (any policy, nothing required), values
 * carried to certcheck's policy inputs, a malformed OID named with its line. */
static void test_policy_settings(void **state)
{
	struct signet_config c, before;
	struct sg_error e;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.check.policy.policies, "");
	assert_int_equal(c.check.policy.require_explicit, 0);
	assert_int_equal(c.check.policy.inhibit_mapping, 0);
	assert_int_equal(c.check.policy.inhibit_any, 0);
	assert_int_equal(config_parse(T("[certs]\npolicies = 2.16.840.1.101.3.2.1.3.13, "
					"2.16.840.1.101.3.2.1.3.7\nrequire_explicit_policy = yes\n"
					"inhibit_policy_mapping = true\ninhibit_any_policy = on\n"),
				      &c, &e),
			 SG_OK);
	assert_string_equal(c.check.policy.policies,
			    "2.16.840.1.101.3.2.1.3.13, 2.16.840.1.101.3.2.1.3.7");
	assert_int_equal(c.check.policy.require_explicit, 1);
	assert_int_equal(c.check.policy.inhibit_mapping, 1);
	assert_int_equal(c.check.policy.inhibit_any, 1);
	/* Empty again: any policy. */
	assert_int_equal(config_parse(T("[certs]\npolicies =\nrequire_explicit_policy = no\n"), &c,
				      &e),
			 SG_OK);
	assert_string_equal(c.check.policy.policies, "");
	assert_int_equal(c.check.policy.require_explicit, 0);
	before = c;
	assert_int_equal(config_parse(T("[certs]\nca = /etc/ca.pem\npolicies = 2.16.840.1.101.3.2.1.3.13,"
					"2.16.840.1.101..3\n"),
				      &c, &e),
			 SG_E_CONFIG);
	assert_string_equal(e.detail, "line 3: [certs] policies: '2.16.840.1.101..3' is not a "
				      "policy OID (dotted decimal, e.g. 2.16.840.1.101.3.2.1.3.13, at "
				      "most 40 bytes encoded)");
	assert_memory_equal(&c, &before, sizeof(c));
	assert_int_equal(config_parse(T("[certs]\npolicies = PIV\n"), &c, &e), SG_E_CONFIG);
	assert_int_equal(config_parse(T("[certs]\npolicies = 1.2,1.3,\n"), &c, &e), SG_E_CONFIG);
	assert_int_equal(config_parse(T("[certs]\nrequire_explicit_policy = maybe\n"), &c, &e),
			 SG_E_CONFIG);
	assert_string_equal(e.detail, "line 2: [certs] require_explicit_policy must be yes or no "
				      "(or true/false, on/off, 1/0)");
	assert_int_equal(config_parse(T("[certs]\ninhibit_any_policy = yes\ninhibit_any_policy = no\n"),
				      &c, &e),
			 SG_E_CONFIG);
	assert_string_equal(e.detail, "line 3: [certs] inhibit_any_policy set twice, first at line 2");
}

/* ---- files --------------------------------------------------------------- */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/signet-cfg-XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char p[128];
	static const char *const names[] = {"good.conf", "bad.conf", "big.conf", "max.conf"};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
		remove(p);
	}
	return rmdir(tmpdir);
}

static const char *write_file(const char *name, const char *data, size_t len)
{
	static char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return p;
}

static void test_load_missing(void **state)
{
	struct signet_config c, before;
	struct sg_error e;
	char p[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/missing.conf", tmpdir);
	config_defaults(&c);
	before = c;
	sg_error_init(&e);
	assert_int_equal(config_load_file(p, 0, &c, &e), SG_OK);
	assert_memory_equal(&c, &before, sizeof(c));
	assert_int_equal(config_load_file(p, 1, &c, &e), SG_E_IO);
	assert_non_null(strstr(e.detail, "missing.conf: cannot open: "));
	/* A directory is there but is not a file: never silently "missing". */
	assert_int_equal(config_load_file(tmpdir, 0, &c, &e), SG_E_IO);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_load_file(void **state)
{
	struct signet_config c;
	struct sg_error e;
	const char *p;

	(void)state;
	config_defaults(&c);
	sg_error_init(&e);
	p = write_file("good.conf", T("[pin]\r\nmin_length = 6\r\n[log]\r\nlevel = info"));
	assert_int_equal(config_load_file(p, 1, &c, &e), SG_OK);
	assert_int_equal(c.pin.min_len, 6);
	assert_int_equal(c.log_level, HAL_LOG_INFO);

	p = write_file("bad.conf", T("[pin]\nmax_length = " SECRET "\n"));
	assert_int_equal(config_load_file(p, 0, &c, &e), SG_E_CONFIG);
	assert_non_null(strstr(e.detail, "/bad.conf: line 2: [pin] max_length must be 1..64"));
	assert_null(strstr(e.detail, SECRET));
	assert_int_equal(c.pin.max_len, 8);
}

static void test_load_size_limit(void **state)
{
	static char big[CONFIG_MAX_FILE + 1];
	struct signet_config c;
	struct sg_error e;
	const char *p;

	(void)state;
	/* Exactly CONFIG_MAX_FILE bytes of comment lines, then one byte more. */
	memset(big, '#', sizeof(big));
	for (size_t i = 99; i < sizeof(big); i += 100)
		big[i] = '\n';
	config_defaults(&c);
	p = write_file("max.conf", big, CONFIG_MAX_FILE);
	assert_int_equal(config_load_file(p, 1, &c, &e), SG_OK);
	p = write_file("big.conf", big, CONFIG_MAX_FILE + 1);
	assert_int_equal(config_load_file(p, 1, &c, &e), SG_E_CONFIG);
	assert_non_null(strstr(e.detail, "big.conf: larger than 64 KiB"));
}

static void test_help(void **state)
{
	static char out[32768];
	FILE *f = tmpfile();
	size_t n;

	(void)state;
	assert_non_null(f);
	config_print_help(f);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	fclose(f);
	out[n] = '\0';
	static const char *const want[] = {
		"[token]\n  module = PATH\n",
		"  uri = URI\n",
		"[pin]\n  min_length = 1..64\n",
		"fewest characters a PIN may have (default: 4)",
		"  max_length = 1..64\n",
		"  digits_only = yes|no\n",
		"(default: yes)",
		"  timeout = 0..3600\n",
		"wait for ever (default: 30)",
		"[log]\n  level = error|warning|info|debug\n",
		"(default: warning)",
		"  syslog = yes|no\n",
		"  policies = OID[,OID...]\n",
		"empty: any policy (default: \"\")",
		"  require_explicit_policy = yes|no\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(out, want[i]))
			fail_msg("help lacks \"%s\":\n%s", want[i], out);
}

/* The registrar's revocation settings: checked by default with their own
 * policy (ocsp,crl, soft), which [certs] does not change. */
static void test_sip_revocation(void **state)
{
	static const char in[] = "[certs]\nrevocation = none\non_unavailable = hard\n"
				 "[sip]\nrevocation = crl\n";
	static const char in2[] = "[sip]\non_unavailable = hard\ninsecure_transport = yes\n"
				  "check_revocation = no\n";
	struct signet_config c;
	struct sg_error e;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.sip_check_revocation, 1);
	assert_int_equal(c.sip_revocation, CONFIG_REVOCATION_OCSP_CRL);
	assert_int_equal(c.sip_on_unavailable, REVOKE_FAIL_SOFT);
	assert_int_equal(c.sip_insecure_transport, 0);
	assert_int_equal(config_parse(in, sizeof(in) - 1, &c, &e), SG_OK);
	assert_int_equal(c.revocation, CONFIG_REVOCATION_NONE);
	assert_int_equal(c.sip_check_revocation, 1);
	assert_int_equal(c.sip_revocation, CONFIG_REVOCATION_CRL);
	assert_int_equal(c.sip_on_unavailable, REVOKE_FAIL_SOFT);
	assert_int_equal(config_parse(in2, sizeof(in2) - 1, &c, &e), SG_OK);
	assert_int_equal(c.sip_on_unavailable, REVOKE_FAIL_HARD);
	assert_int_equal(c.sip_insecure_transport, 1);
	assert_int_equal(c.sip_check_revocation, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_ok_cases),
		cmocka_unit_test(test_err_cases),
		cmocka_unit_test(test_string_limits),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_revocation_settings),
		cmocka_unit_test(test_policy_settings),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_size_limit),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_sip_revocation),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
