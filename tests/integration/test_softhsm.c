/*
 * test_softhsm.c: the token layer and the signet CLI against a real
 * SoftHSM2 token made by tools/mktoken (RSA-2048 "alice" id 01, EC P-256
 * "bob" id 02, certificates from a test CA made with openssl).
 * Faults a SoftHSM2 cannot produce (a pulled card, a locked PIN) are
 * injected behind the HAL's PKCS#11 loader (ports/test/fault_p11).
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

#include "fault_p11.h"
#include "cli_err.h"
#include "itest.h"
#include "port_linux.h"
#include "sig.h"
#include "token_p11.h"

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"
#define PIN "123456"

static char *dir_one, *dir_two, *dir_empty, *dir_exp;
static struct hal hal;
static struct hal_p11 real_p11;

static void use_store(const char *dir)
{
	char conf[600];
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", dir);
	setenv("SOFTHSM2_CONF", conf, 1);
}

static int group_setup(void **state)
{
	struct port_linux_opts po = {.log_ident = "test", .log_level = HAL_LOG_ERR};
	(void)state;
	dir_one = itest_mktoken("one", "signet-test", PIN, "rsa:alice:01 ec:bob:02");
	dir_two = itest_mktoken("two", "first", PIN, "ec:carol:01");
	if (!dir_one || !dir_two ||
	    itest_sh("%s/tools/mktoken '%s' second %s ec:dave:01", itest_top(), dir_two, PIN))
		return -1;
	dir_empty = itest_mktoken("empty", "unused", PIN, "");
	dir_exp = itest_mktoken("exp", "expired", PIN, "expired-rsa:old:03 ec:fresh:04");
	if (!dir_exp)
		return -1;
	/* An empty store: the token directory without the token. */
	if (!dir_empty || itest_sh("rm -rf '%s/tokens' && mkdir '%s/tokens'", dir_empty, dir_empty))
		return -1;
	po.tty_path = "/nonexistent-tty"; /* tests never prompt */
	if (port_linux_init(&hal, &po))
		return -1;
	real_p11 = hal.p11;
	fault_p11_device(&hal.p11, &real_p11);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	hal.p11 = real_p11;
	port_linux_fini(&hal);
	free(dir_one);
	free(dir_two);
	free(dir_empty);
	free(dir_exp);
	return 0;
}

static int test_setup(void **state)
{
	(void)state;
	for (int f = 0; f < FAULT_P11__COUNT; f++)
		fault_p11_arm(f, CKR_OK, 0);
	use_store(dir_one);
	return 0;
}

/* Opens the test token with a URI string (NULL: no URI). */
static sg_err open_uri(const char *uri_s, struct token **t, struct sg_error *e)
{
	struct p11uri uri;

	sg_error_init(e);
	if (uri_s && p11uri_parse(uri_s, strlen(uri_s), &uri, e))
		return e->code;
	return token_p11_open(&hal, SOFTHSM, uri_s ? &uri : NULL, t, e);
}

static const struct token_cert *find_label(const struct token *t, const char *label)
{
	for (size_t i = 0; i < t->n_certs; i++)
		if (!strcmp(t->certs[i].label, label))
			return &t->certs[i];
	return NULL;
}

static void set_pin(struct pin *p, const char *s)
{
	memset(p, 0, sizeof(*p));
	p->len = strlen(s);
	memcpy(p->v, s, p->len);
}

static void login_ok(struct token *t)
{
	struct pin_policy pol;
	struct pin pin;
	struct sg_error e;

	pin_policy_default(&pol);
	set_pin(&pin, PIN);
	sg_error_init(&e);
	assert_int_equal(token_login(t, &pol, &pin, &e), SG_OK);
}

/* ---- the token layer ---------------------------------------------------- */

static void test_lists_certificates(void **state)
{
	struct token *t;
	struct sg_error e;
	(void)state;

	assert_int_equal(open_uri(NULL, &t, &e), SG_OK);
	assert_int_equal(t->n_certs, 2);
	assert_string_equal(t->info.label, "signet-test");
	const struct token_cert *a = find_label(t, "alice"), *b = find_label(t, "bob");
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->key_type, TOKEN_KEY_RSA);
	assert_int_equal(a->key_bits, 2048);
	assert_int_equal(b->key_type, TOKEN_KEY_EC);
	assert_int_equal(b->key_bits, 256);
	assert_int_equal(a->id_len, 1);
	assert_int_equal(a->id[0], 1);
	/* SoftHSM2 keeps private keys private until login. */
	assert_int_equal(a->key_state, TOKEN_KEY_STATE_UNKNOWN);
	assert_non_null(strstr(a->uri, "token=signet-test"));
	assert_non_null(strstr(a->uri, "id=%01"));
	token_close(t);
}

static void test_two_certs_are_ambiguous(void **state)
{
	struct token *t;
	struct sg_error e;
	size_t ci;
	(void)state;

	assert_int_equal(open_uri(NULL, &t, &e), SG_OK);
	assert_int_equal(token_select(t, &ci, &e), SG_E_AMBIGUOUS);
	assert_non_null(strstr(e.detail, "id=%01"));
	assert_non_null(strstr(e.detail, "id=%02"));
	token_close(t);
}

static const struct sign_case {
	const char *uri;
	int pss;
	enum token_sig want;
} sign_cases[] = {
	{"pkcs11:token=signet-test;id=%01", 0, TOKEN_SIG_RSA_PKCS1},
	{"pkcs11:token=signet-test;id=%01", 1, TOKEN_SIG_RSA_PSS},
	{"pkcs11:token=signet-test;object=bob", 0, TOKEN_SIG_ECDSA},
	{"pkcs11:object=bob;type=cert", 1, TOKEN_SIG_ECDSA}, /* pss means nothing for EC */
};

static void test_sign_and_verify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sign_cases) / sizeof(sign_cases[0]); i++) {
		const struct sign_case *c = &sign_cases[i];
		uint8_t hash[32], sig[SIG_MAX];
		size_t sig_len = sizeof(sig), ci;
		struct token *t;
		struct sg_error e;

		print_message("case %zu: %s pss=%d\n", i, c->uri, c->pss);
		assert_int_equal(open_uri(c->uri, &t, &e), SG_OK);
		assert_int_equal(token_select(t, &ci, &e), SG_OK);
		enum token_sig kind = token_sig_for(&t->certs[ci], c->pss);
		assert_int_equal(kind, c->want);
		login_ok(t);
		sig_sha256((const uint8_t *)"challenge", 9, hash);
		assert_int_equal(token_sign(t, ci, kind, hash, 32, sig, &sig_len, &e), SG_OK);
		assert_int_equal(sig_verify_cert(t->certs[ci].der, t->certs[ci].der_len, kind, hash,
						 32, sig, sig_len, &e),
				 SG_OK);
		/* A signature over another challenge must not verify. */
		hash[0] ^= 1;
		assert_int_equal(sig_verify_cert(t->certs[ci].der, t->certs[ci].der_len, kind, hash,
						 32, sig, sig_len, &e),
				 SG_E_SIGNATURE);
		/* Signed again, and after a logout and a new login (the next
		 * sign-in of `signet run` on the same token): the backend keeps
		 * the key's handle between signatures, and a module drops
		 * private handles at logout. */
		sig_len = sizeof(sig);
		assert_int_equal(token_sign(t, ci, kind, hash, 32, sig, &sig_len, &e), SG_OK);
		token_logout(t);
		login_ok(t);
		sig_len = sizeof(sig);
		assert_int_equal(token_sign(t, ci, kind, hash, 32, sig, &sig_len, &e), SG_OK);
		assert_int_equal(sig_verify_cert(t->certs[ci].der, t->certs[ci].der_len, kind, hash,
						 32, sig, sig_len, &e),
				 SG_OK);
		token_close(t);
	}
}

static void test_wrong_pin_then_right_pin(void **state)
{
	struct token_pin_state st;
	struct pin_policy pol;
	struct token *t;
	struct sg_error e;
	struct pin pin;
	(void)state;

	pin_policy_default(&pol);
	assert_int_equal(open_uri("pkcs11:token=signet-test", &t, &e), SG_OK);
	set_pin(&pin, "654321");
	assert_int_equal(token_login(t, &pol, &pin, &e), SG_E_PIN_INCORRECT);
	/* The PIN buffer is wiped whatever happened. */
	for (size_t i = 0; i < sizeof(pin.v); i++)
		assert_int_equal(pin.v[i], 0);
	assert_int_equal(pin.len, 0);
	assert_int_equal(token_pin_state(t, &st, &e), SG_OK);
	assert_true(st.count_low);
	assert_false(st.locked);
	login_ok(t);
	token_close(t);
}

static void test_malformed_pin_costs_no_try(void **state)
{
	static const char *bad[] = {"12", "123456789", "12a456", ""};
	struct pin_policy pol;
	struct token *t;
	struct sg_error e;
	struct pin pin;
	(void)state;

	pin_policy_default(&pol);
	assert_int_equal(open_uri("pkcs11:token=signet-test", &t, &e), SG_OK);
	unsigned before = fault_p11_calls(FAULT_P11_LOGIN);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_pin(&pin, bad[i]);
		assert_int_equal(token_login(t, &pol, &pin, &e), SG_E_PIN_FORMAT);
		assert_int_equal(pin.len, 0);
	}
	assert_int_equal(fault_p11_calls(FAULT_P11_LOGIN), before);
	token_close(t);
}

static void test_locked_pin_is_reported(void **state)
{
	struct pin_policy pol;
	struct token *t;
	struct sg_error e;
	struct pin pin;
	(void)state;

	pin_policy_default(&pol);
	assert_int_equal(open_uri("pkcs11:token=signet-test", &t, &e), SG_OK);
	fault_p11_arm(FAULT_P11_LOGIN, CKR_PIN_LOCKED, 0);
	set_pin(&pin, PIN);
	assert_int_equal(token_login(t, &pol, &pin, &e), SG_E_PIN_LOCKED);
	assert_int_equal(cli_err_exit(e.code), SG_EXIT_PIN_LOCKED);
	token_close(t);
}

static const struct removal_case {
	enum fault_p11_fn fn;
	CK_RV rv;
} removal_cases[] = {
	{FAULT_P11_SIGN, CKR_DEVICE_REMOVED},
	{FAULT_P11_SIGN_INIT, CKR_TOKEN_NOT_PRESENT},
	{FAULT_P11_FIND_INIT, CKR_SESSION_HANDLE_INVALID},
	{FAULT_P11_LOGIN, CKR_DEVICE_REMOVED},
};

static void test_card_removed_mid_operation(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(removal_cases) / sizeof(removal_cases[0]); i++) {
		const struct removal_case *c = &removal_cases[i];
		struct pin_policy pol;
		struct token *t;
		struct sg_error e;
		struct pin pin;
		sg_err err;

		pin_policy_default(&pol);
		assert_int_equal(open_uri("pkcs11:token=signet-test;id=%02", &t, &e), SG_OK);
		fault_p11_arm(c->fn, c->rv, 0);
		set_pin(&pin, PIN);
		err = token_login(t, &pol, &pin, &e);
		if (err == SG_OK) {
			uint8_t hash[32] = {0}, sig[SIG_MAX];
			size_t sig_len = sizeof(sig);
			err = token_sign(t, 0, TOKEN_SIG_ECDSA, hash, 32, sig, &sig_len, &e);
		}
		assert_int_equal(err, SG_E_CARD_REMOVED);
		assert_int_equal(cli_err_exit(err), SG_EXIT_NO_TOKEN);
		assert_non_null(strstr(e.detail, token_p11_rv_name(c->rv)));
		fault_p11_arm(c->fn, CKR_OK, 0);
		token_close(t);
	}
}

static void test_several_tokens_are_ambiguous(void **state)
{
	struct token *t;
	struct sg_error e;
	(void)state;

	use_store(dir_two);
	assert_int_equal(open_uri(NULL, &t, &e), SG_E_AMBIGUOUS);
	assert_non_null(strstr(e.detail, "token=first"));
	assert_non_null(strstr(e.detail, "token=second"));
	assert_int_equal(open_uri("pkcs11:token=second", &t, &e), SG_OK);
	assert_string_equal(t->certs[0].label, "dave");
	token_close(t);
}

static void test_no_matching_token(void **state)
{
	struct token *t;
	struct sg_error e;
	(void)state;

	assert_int_equal(open_uri("pkcs11:token=nope", &t, &e), SG_E_NO_TOKEN);
	use_store(dir_empty);
	assert_int_equal(open_uri(NULL, &t, &e), SG_E_NO_CARD);
	assert_int_equal(cli_err_exit(e.code), SG_EXIT_NO_TOKEN);
}

static void test_missing_module(void **state)
{
	struct token *t;
	struct sg_error e;
	(void)state;

	sg_error_init(&e);
	assert_int_equal(token_p11_open(&hal, "/nonexistent/module.so", NULL, &t, &e),
			 SG_E_NO_MODULE);
	assert_non_null(strstr(e.detail, "/nonexistent/module.so"));
	assert_null(t);
}

/* ---- the CLI ------------------------------------------------------------ */

static char out[65536];

#define SIGNET(pin, fmt, ...) \
	itest_signet_run(pin, out, sizeof(out), fmt " --module " SOFTHSM, ##__VA_ARGS__)

static void test_cli_certs(void **state)
{
	(void)state;
	assert_int_equal(SIGNET(NULL, "certs"), 0);
	assert_non_null(strstr(out, "Certificate 1 of 2"));
	assert_non_null(strstr(out, "sip:alice@example.test"));
	assert_non_null(strstr(out, "RSA 2048 bits"));
	assert_non_null(strstr(out, "EC 256 bits"));
	assert_non_null(strstr(out, "CN=signet test CA"));
	assert_non_null(strstr(out, "expires in 36"));

	assert_int_equal(SIGNET(NULL, "certs --json"), 0);
	assert_non_null(strstr(out, "\"label\":\"alice\""));
	assert_non_null(strstr(out, "{\"type\":\"upn\",\"value\":\"bob@example.test\"}"));
	assert_non_null(strstr(out, "\"key_bits\":256"));

	assert_int_equal(SIGNET(NULL, "certs --expires-before 2000-01-01"), 0);
	assert_non_null(strstr(out, "No certificates match the filters"));
	assert_int_equal(SIGNET(NULL, "certs --issued-after 2000-01-01 --token 'pkcs11:id=%%02'"), 0);
	assert_non_null(strstr(out, "Certificate 1 of 1: bob"));
	assert_int_equal(SIGNET(NULL, "certs --issued-after 2999-01-01"), 0);
	assert_non_null(strstr(out, "No certificates match"));
	assert_int_equal(SIGNET(NULL, "certs --expires-before yesterday"), SG_EXIT_USAGE);
}

static void test_cli_sign_verify(void **state)
{
	(void)state;
	assert_int_equal(SIGNET(PIN "\n", "sign --verify --token 'pkcs11:id=%%01' --pin-fd 3"), 0);
	assert_string_equal(out, "verified\n");
	assert_int_equal(SIGNET(PIN "\n", "sign --verify --pss --token 'pkcs11:id=%%01' --pin-fd 3 --json"), 0);
	assert_non_null(strstr(out, "\"algorithm\":\"rsa-pss-sha256\""));
	assert_non_null(strstr(out, "\"verified\":true"));
	assert_int_equal(SIGNET(PIN, "sign --verify --token 'pkcs11:object=bob' --pin-fd 3"), 0);
	assert_string_equal(out, "verified\n");
	/* The identity picks one of several certificates. */
	assert_int_equal(SIGNET(PIN, "sign --verify --user sip:bob@example.test --pin-fd 3 --json"), 0);
	assert_non_null(strstr(out, "\"algorithm\":\"ecdsa-sha256\""));
	assert_non_null(strstr(out, "object=bob"));
	assert_int_equal(SIGNET(PIN, "sign --verify --user ALICE@example.test --pin-fd 3 --json"), 0);
	assert_non_null(strstr(out, "object=alice"));
	assert_int_equal(SIGNET(NULL, "certs --user bob@example.test"), 0);
	assert_non_null(strstr(out, "Certificate 1 of 1: bob"));
}

/* The signature of `signet sign` verifies with openssl, an outside check. */
static void test_cli_sign_checked_by_openssl(void **state)
{
	static const char *ids[] = {"alice", "bob"};
	const char *s = itest_scratch();
	(void)state;

	assert_int_equal(itest_sh("head -c 1000 /dev/urandom > '%s/challenge'", s), 0);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(SIGNET(PIN, "sign --token 'pkcs11:object=%s' --pin-fd 3 --in '%s/challenge' --out '%s/sig'",
					ids[i], s, s),
				 0);
		assert_int_equal(itest_sh("openssl x509 -in '%s/one/pki/%s.crt' -pubkey -noout > '%s/pub.pem' && "
					  "openssl dgst -sha256 -verify '%s/pub.pem' -signature '%s/sig' '%s/challenge' >/dev/null",
					  s, ids[i], s, s, s, s),
				 0);
		/* Another challenge must fail openssl's check. */
		assert_int_equal(itest_sh("echo x >> '%s/challenge' && openssl dgst -sha256 -verify '%s/pub.pem' "
					  "-signature '%s/sig' '%s/challenge' >/dev/null 2>&1",
					  s, s, s, s),
				 1);
	}
}

static const struct cli_error_case {
	const char *pin;
	const char *args;
	int exit_code;
	const char *says;
} cli_error_cases[] = {
	{"654321\n", "sign --verify --token 'pkcs11:id=%01' --pin-fd 3", 4, "wrong PIN"},
	{"12\n", "sign --verify --token 'pkcs11:id=%01' --pin-fd 3", 2, "at least 4 digits"},
	{"", "sign --verify --token 'pkcs11:id=%01' --pin-fd 3", 2, "no PIN given"},
	{PIN, "sign --verify --pin-fd 3", 2, "id=%01"},
	{PIN, "sign --verify --token 'pkcs11:id=%01?pin-value=123456' --pin-fd 3", 2, "pin-value"},
	{PIN, "sign --verify --token 'pkcs11:token=missing' --pin-fd 3", 3, "none matches"},
	{PIN, "sign --verify --token 'pkcs11:id=%zz' --pin-fd 3", 2, "PKCS#11 URI"},
	{PIN, "sign --verify --pin-fd x", 2, "--pin-fd"},
	{PIN, "sign --bogus", 2, "usage"},
	{PIN, "sign --verify --user sip:carol@example.test --pin-fd 3", 6, "[uri:sip:bob@example.test"},
	{NULL, "certs extra", 2, "unexpected argument"},
	{NULL, "frobnicate", 2, "unknown command"},
	{NULL, "sign --verify --token 'pkcs11:id=%01'", 2, "--pin-fd"},
};

static void test_cli_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cli_error_cases) / sizeof(cli_error_cases[0]); i++) {
		const struct cli_error_case *c = &cli_error_cases[i];
		int rc = itest_signet_run(c->pin, out, sizeof(out), "%s --module " SOFTHSM, c->args);
		print_message("case %zu: signet %s -> %d: %s", i, c->args, rc, out);
		assert_int_equal(rc, c->exit_code);
		assert_non_null(strstr(out, c->says));
		/* No error message ever shows the PIN. */
		assert_null(strstr(out, "123456"));
	}
}

static void test_cli_missing_module(void **state)
{
	(void)state;
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out), "certs --module /nonexistent/p11.so"),
			 SG_EXIT_NO_TOKEN);
	assert_non_null(strstr(out, "/nonexistent/p11.so"));
	assert_non_null(strstr(out, "cannot be loaded"));
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out), "certs --module /nonexistent/p11.so --json"),
			 SG_EXIT_NO_TOKEN);
	assert_non_null(strstr(out, "\"error\":\"no_module\""));
	assert_non_null(strstr(out, "\"exit_code\":3"));
}

/* signet verify takes the certificate from the token, with the token's
 * and the configuration's trust settings. */
static void test_cli_verify_token_cert(void **state)
{
	(void)state;
	assert_int_equal(SIGNET(NULL, "verify --token 'pkcs11:object=bob' --ca '%s/pki/ca.crt' "
				      "--identity sip:bob@example.test --revocation none",
				dir_one),
			 0);
	assert_non_null(strstr(out, "Certificate: O=signet test, CN=bob"));
	assert_non_null(strstr(out, "acceptable"));
	assert_int_equal(SIGNET(NULL, "verify --token 'pkcs11:object=bob' --ca '%s/pki/ca.crt' "
				      "--identity sip:alice@example.test --revocation none",
				dir_one),
			 6);
	/* The testpki certificates name no OCSP responder or CRL: hard-fail. */
	assert_int_equal(SIGNET(NULL, "verify --token 'pkcs11:object=alice' --ca '%s/pki/ca.crt'",
				dir_one),
			 8);
}

/* certs --check: each certificate's status as a sign-in would see it. */
static void test_cli_certs_check(void **state)
{
	(void)state;
	assert_int_equal(SIGNET(NULL, "certs --check --ca '%s/pki/ca.crt' --revocation none", dir_one), 0);
	assert_non_null(strstr(out, "Status:      valid, expires in 36"));
	assert_int_equal(SIGNET(NULL, "certs --check"), 0);
	assert_non_null(strstr(out, "no trust anchors"));
	use_store(dir_exp);
	assert_int_equal(SIGNET(NULL, "certs --check --ca '%s/pki/ca.crt' --revocation none --json", dir_exp), 0);
	assert_non_null(strstr(out, "\"status\":\"expired\""));
	assert_non_null(strstr(out, "\"status\":\"valid\""));
	assert_int_equal(SIGNET(NULL, "certs --check --ca '%s/pki/ca.crt'", dir_exp), 0);
	assert_non_null(strstr(out, "revocation status unknown"));
}

/* Settings come from the configuration file; flags override them. */
static void test_cli_config(void **state)
{
	const char *s = itest_scratch();
	(void)state;

	assert_int_equal(itest_sh("printf '[token]\\nmodule = %s\\nuri = pkcs11:object=bob\\n"
				  "[pin]\\nmin_length = 6\\n' > '%s/ok.conf'", SOFTHSM, s), 0);
	assert_int_equal(itest_signet_run(PIN, out, sizeof(out), "sign --verify --pin-fd 3 --config '%s/ok.conf'", s), 0);
	assert_string_equal(out, "verified\n");
	/* The PIN policy of the file applies: 4 digits are too few now. */
	assert_int_equal(itest_signet_run("1234", out, sizeof(out), "sign --verify --pin-fd 3 --config '%s/ok.conf'", s),
			 SG_EXIT_USAGE);
	assert_non_null(strstr(out, "at least 6 digits"));
	/* --token beats the file's uri. */
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out), "certs --config '%s/ok.conf' --token 'pkcs11:object=alice'", s), 0);
	assert_non_null(strstr(out, "Certificate 1 of 1: alice"));
	/* $SIGNET_CONFIG is the default file. */
	setenv("SIGNET_CONFIG", "/nonexistent/signet.conf", 1);
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out), "certs"), SG_EXIT_USAGE);
	unsetenv("SIGNET_CONFIG");
	assert_non_null(strstr(out, "/nonexistent/signet.conf"));

	assert_int_equal(itest_sh("printf '[pin]\\nmin_length = 4\\nmin_length = 5\\n' > '%s/dup.conf'", s), 0);
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out), "certs --config '%s/dup.conf'", s), SG_EXIT_USAGE);
	assert_non_null(strstr(out, "line 3"));
	assert_int_equal(itest_signet_run(NULL, out, sizeof(out), "certs --config '%s/missing.conf'", s), SG_EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lists_certificates, test_setup),
		cmocka_unit_test_setup(test_two_certs_are_ambiguous, test_setup),
		cmocka_unit_test_setup(test_sign_and_verify, test_setup),
		cmocka_unit_test_setup(test_wrong_pin_then_right_pin, test_setup),
		cmocka_unit_test_setup(test_malformed_pin_costs_no_try, test_setup),
		cmocka_unit_test_setup(test_locked_pin_is_reported, test_setup),
		cmocka_unit_test_setup(test_card_removed_mid_operation, test_setup),
		cmocka_unit_test_setup(test_several_tokens_are_ambiguous, test_setup),
		cmocka_unit_test_setup(test_no_matching_token, test_setup),
		cmocka_unit_test_setup(test_missing_module, test_setup),
		cmocka_unit_test_setup(test_cli_certs, test_setup),
		cmocka_unit_test_setup(test_cli_sign_verify, test_setup),
		cmocka_unit_test_setup(test_cli_sign_checked_by_openssl, test_setup),
		cmocka_unit_test_setup(test_cli_errors, test_setup),
		cmocka_unit_test_setup(test_cli_missing_module, test_setup),
		cmocka_unit_test_setup(test_cli_config, test_setup),
		cmocka_unit_test_setup(test_cli_verify_token_cert, test_setup),
		cmocka_unit_test_setup(test_cli_certs_check, test_setup),
	};
	return cmocka_run_group_tests_name("softhsm", tests, group_setup, group_teardown);
}
