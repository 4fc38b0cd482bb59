/* test_cli_err.c: the CLI's exit codes (README.md's table, for every
 * sg_err) and its wording of errors, which is its public output: the
 * names, messages, diagnoses and details that cite its flags, exactly as
 * `signet` has always printed them, while the core's own words cite none
 * (test_err). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli_err.h"
#include "config.h"
#include "pin.h"
#include "token_p11.h"

/* Every code, with its exit code. */
static const struct {
	sg_err code;
	int exit_code;
} exit_table[] = {
	{SG_OK, 0},
	{SG_E_INTERNAL, 1},
	{SG_E_NOMEM, 1},
	{SG_E_INVALID_ARG, 2},
	{SG_E_CONFIG, 2},
	{SG_E_IO, 1},
	{SG_E_NO_MODULE, 3},
	{SG_E_NO_READER, 3},
	{SG_E_NO_CARD, 3},
	{SG_E_NO_TOKEN, 3},
	{SG_E_NO_CERT, 3},
	{SG_E_AMBIGUOUS, 2},
	{SG_E_CARD_REMOVED, 3},
	{SG_E_TOKEN, 1},
	{SG_E_PIN_FORMAT, 2},
	{SG_E_PIN_CANCELLED, 11},
	{SG_E_PIN_TIMEOUT, 11},
	{SG_E_PIN_INCORRECT, 4},
	{SG_E_PIN_LOCKED, 5},
	{SG_E_SIGNATURE, 6},
	{SG_E_CERT_PARSE, 6},
	{SG_E_CERT_UNTRUSTED, 6},
	{SG_E_CERT_EXPIRED, 6},
	{SG_E_CERT_NOT_YET_VALID, 6},
	{SG_E_CERT_USAGE, 6},
	{SG_E_CERT_IDENTITY, 6},
	{SG_E_TIME_UNKNOWN, 6},
	{SG_E_REVOKED, 7},
	{SG_E_REVOCATION_UNAVAILABLE, 8},
	{SG_E_NETWORK, 9},
	{SG_E_REFUSED, 10},
	{SG_E_MALFORMED, 2},
};

static void test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(exit_table) / sizeof(exit_table[0]), SG_E__COUNT);
	for (size_t i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++) {
		assert_int_equal(exit_table[i].code, (sg_err)i); /* every code, in order */
		assert_int_equal(cli_err_exit(exit_table[i].code), exit_table[i].exit_code);
	}
	/* Out of range codes are internal errors, not crashes. */
	assert_int_equal(cli_err_exit((sg_err)9999), SG_EXIT_INTERNAL);
	assert_int_equal(cli_err_exit((sg_err)-1), SG_EXIT_INTERNAL);
}

/* What the CLI says where its words differ from the core's. */
static const struct {
	sg_err code;
	const char *diagnosis;
} cli_diagnoses[] = {
	{SG_E_INTERNAL, "this is a bug in signet or a library; run again with --verbose and report "
			"the output"},
	{SG_E_INVALID_ARG, "see 'signet --help'"},
	{SG_E_CONFIG, "check the configuration file at the path and line named above; "
		      "'signet --help-config' lists the settings"},
	{SG_E_NO_MODULE, "check the module path (--module or [token] module) and that its package "
			 "is installed"},
	{SG_E_NO_TOKEN, "insert the card, or check the token URI (--token) against 'signet certs' "
			"output"},
	{SG_E_AMBIGUOUS, "pick one with --token (a PKCS#11 URI with token=, id= or object=)"},
	{SG_E_TOKEN, "the token may not support this key or mechanism; run with --verbose for the "
		     "PKCS#11 code"},
};

static void test_words(void **state)
{
	(void)state;
	assert_string_equal(cli_err_name(SG_E_INVALID_ARG), "usage");
	assert_string_equal(cli_err_message(SG_E_INVALID_ARG), "invalid command line");
	for (int c = 0; c < SG_E__COUNT; c++) {
		const char *want = sg_err_diagnosis(c);

		for (size_t i = 0; i < sizeof(cli_diagnoses) / sizeof(cli_diagnoses[0]); i++)
			if (cli_diagnoses[i].code == (sg_err)c)
				want = cli_diagnoses[i].diagnosis;
		assert_string_equal(cli_err_diagnosis(c), want);
		if (c != SG_E_INVALID_ARG) {
			assert_string_equal(cli_err_name(c), sg_err_name(c));
			assert_string_equal(cli_err_message(c), sg_err_message(c));
		}
		assert_string_equal(cli_err_check_diagnosis(c, CERTCHECK_ADVICE_NONE), want);
	}
	assert_string_equal(cli_err_check_diagnosis(SG_E_REVOCATION_UNAVAILABLE,
						     CERTCHECK_ADVICE_CRL_OR_OCSP),
			    "configure a CRL of its issuer ([certs] crl, --crl) or an OCSP responder "
			    "([certs] ocsp_url, --ocsp-url)");
	assert_string_equal(cli_err_check_diagnosis(SG_E_REVOCATION_UNAVAILABLE,
						     CERTCHECK_ADVICE_CRL_OR_LEAF),
			    "configure a CRL of its issuer ([certs] crl, --crl), or check the "
			    "end-entity certificate only ([certs] revocation_scope = leaf)");
}

/* The summary line: the core's detail, plus the flag that helps. */
static const struct {
	sg_err code;
	const char *detail; /* as the core or the settings write it */
	const char *want;   /* what signet prints */
} summaries[] = {
	{SG_E_AMBIGUOUS, TOKEN_P11_SEVERAL " pkcs11:token=a pkcs11:token=b",
	 "more than one candidate matches: several tokens match; pick one with --token: "
	 "pkcs11:token=a pkcs11:token=b"},
	{SG_E_INVALID_ARG, PIN_NO_INPUT,
	 "invalid command line: no keypad or terminal to type the PIN on (use --pin-fd)"},
	{SG_E_CONFIG, "/etc/signet.conf: line 2: " CONFIG_UNKNOWN "[pin] minlength",
	 "invalid configuration: /etc/signet.conf: line 2: unknown setting [pin] minlength "
	 "(see signet --help-config)"},
	{SG_E_CONFIG, "line 1: " CONFIG_UNKNOWN "level outside any [section]",
	 "invalid configuration: line 1: unknown setting level outside any [section] "
	 "(see signet --help-config)"},
	{SG_E_INVALID_ARG, "the challenge is larger than 64 bytes",
	 "invalid command line: the challenge is larger than 64 bytes"},
	{SG_E_INVALID_ARG, "", "invalid command line"},
	/* Other details and codes as the core says them. */
	{SG_E_CONFIG, "line 4: [pin] min_length set twice, first at line 2",
	 "invalid configuration: line 4: [pin] min_length set twice, first at line 2"},
	{SG_E_NO_TOKEN, PIN_NO_INPUT, "no token found: " PIN_NO_INPUT},
	{SG_E_NO_MODULE, "/x.so: not found", "the PKCS#11 module cannot be loaded: /x.so: not found"},
	{SG_E_CERT_EXPIRED, "", "the certificate has expired"},
};

static void test_summary(void **state)
{
	struct sg_error e;
	char buf[700], core[700];
	(void)state;

	for (size_t i = 0; i < sizeof(summaries) / sizeof(summaries[0]); i++) {
		sg_error_init(&e);
		sg_error_set(&e, summaries[i].code, "%s", summaries[i].detail);
		assert_string_equal(cli_error_summary(&e, buf, sizeof(buf)), summaries[i].want);
		/* Not the core's own summary, which names no flag. */
		assert_null(strstr(sg_error_summary(&e, core, sizeof(core)), "--"));
	}
	/* PIN failures as the core says them. */
	sg_error_init(&e);
	sg_error_set(&e, SG_E_PIN_INCORRECT, "C_Login");
	e.tries_left = 2;
	assert_string_equal(cli_error_summary(&e, buf, sizeof(buf)), "wrong PIN: 2 tries left");
	/* A detail the core had to cut stays cut where it was. */
	char big[sizeof(e.detail) + 100];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sg_error_set(&e, SG_E_AMBIGUOUS, TOKEN_P11_SEVERAL " %s", big);
	cli_error_summary(&e, buf, sizeof(buf));
	assert_int_equal(strlen(buf), strlen("more than one candidate matches: ") +
					      sizeof(e.detail) - 1);
}

/* A missing virtual card: the CLI names the command that makes it. */
static void test_vcard(void **state)
{
	struct sg_error e;
	(void)state;

	sg_error_init(&e);
	sg_error_set(&e, SG_E_NO_CARD, "no virtual card; create one with signet vcard init");
	assert_int_equal(cli_err_vcard(SG_E_NO_CARD, "alice", &e), SG_E_NO_CARD);
	assert_string_equal(e.detail,
			    "no virtual card 'alice'; create one with signet vcard init --name alice");
	sg_error_set(&e, SG_E_NO_CARD, "the card is unplugged");
	assert_int_equal(cli_err_vcard(SG_E_NO_CARD, "alice", &e), SG_E_NO_CARD);
	assert_string_equal(e.detail, "the card is unplugged");
	assert_int_equal(cli_err_vcard(SG_OK, "alice", &e), SG_OK);
	assert_int_equal(cli_err_vcard(SG_E_NO_CARD, "alice", NULL), SG_E_NO_CARD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_vcard),
	};
	return cmocka_run_group_tests_name("cli_err", tests, NULL, NULL);
}
