/*
 * test_tpm_token.c: the TPM-backed virtual smart card. A tpm2-pkcs11 token
 * on a software TPM (swtpm), made by tools/mktpmtoken with an RSA-2048 key
 * "alice" (tpm2_ptool --id 01: CKA_ID "01" as text, pkcs11:id=%30%31) and
 * an EC P-256 key "bob" (id "02"), both generated inside the TPM and
 * certified by the test CA. signet reaches it through the ordinary PKCS#11
 * backend (auth/token/token_p11.c); the module talks to swtpm directly.
 *
 * The PIN lockout is the TPM's own dictionary-attack protection, set up by
 * mktpmtoken with explicit parameters (max tries $SIGNET_TPM_MAX_TRIES,
 * recovery time one day, so no try comes back during the run). The TPM's
 * failure counter is global and a good PIN does not reset it: tests that
 * use wrong PINs clear it again with the lockout authorisation.
 *
 * What tpm2-pkcs11 1.9 does, asserted here: a wrong PIN is
 * CKR_PIN_INCORRECT (also the one that reaches the limit), every login
 * after that is CKR_PIN_LOCKED (the right PIN too) until
 * `tpm2_dictionarylockout --clear-lockout`; C_GetTokenInfo never shows
 * CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED, so signet learns of the
 * lockout only from C_Login and cannot say how many tries are left.
 *
 * swtpm serves one connection at a time: a token opened here is closed
 * before signet or a tpm2 tool runs.
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
#include <time.h>

#include <cmocka.h>

#include "cli_err.h"
#include "itest.h"
#include "port_linux.h"
#include "sig.h"
#include "token_p11.h"

#define PIN "123456"
#define WRONG_PIN "654321"
#define LABEL "signet-tpm"

static char tpm_dir[512];
static char module[512];
static char lockout_auth[128];
static int max_tries;
static int swtpm_pid;
static struct hal hal;
static char out[65536];

/* ---- the TPM ------------------------------------------------------------ */

/* Sets every KEY=VALUE line of DIR/env as an environment variable and
 * keeps the ones the test needs. */
static int load_env(const char *dir)
{
	char path[600], line[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/env", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');
		line[strcspn(line, "\n")] = '\0';
		if (!eq)
			continue;
		*eq = '\0';
		setenv(line, eq + 1, 1);
		if (!strcmp(line, "SIGNET_TPM_PID"))
			swtpm_pid = atoi(eq + 1);
		else if (!strcmp(line, "SIGNET_TPM_MODULE"))
			snprintf(module, sizeof(module), "%s", eq + 1);
		else if (!strcmp(line, "SIGNET_TPM_LOCKOUT_AUTH"))
			snprintf(lockout_auth, sizeof(lockout_auth), "%s", eq + 1);
		else if (!strcmp(line, "SIGNET_TPM_MAX_TRIES"))
			max_tries = atoi(eq + 1);
	}
	fclose(f);
	return swtpm_pid > 0 && module[0] && lockout_auth[0] && max_tries > 0 ? 0 : -1;
}

/* Stops swtpm: orderly through mktpmtoken, then by its pid if it is still
 * a swtpm (a pid never taken from anything but the env file). */
static void stop_tpm(void)
{
	char comm[64] = "", path[64];
	FILE *f;

	if (tpm_dir[0])
		itest_sh("%s/tools/mktpmtoken --stop '%s'", itest_top(), tpm_dir);
	if (swtpm_pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", swtpm_pid);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	if (!strncmp(comm, "swtpm", 5))
		kill(swtpm_pid, SIGKILL);
	swtpm_pid = 0;
}

/* The TPM's dictionary-attack failure counter, read with tpm2_getcap (an
 * outside view of what the wrong PINs did); -1 when unreadable. */
static int lockout_counter(void)
{
	char line[256];
	unsigned v;
	int n = -1;
	FILE *p = popen("tpm2_getcap properties-variable 2>/dev/null", "r");

	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, " TPM2_PT_LOCKOUT_COUNTER: 0x%x", &v) == 1)
			n = (int)v;
	pclose(p);
	return n;
}

/* Clears the lockout with the lockout authorisation. A refused attempt
 * blocks the lockout hierarchy for its recovery time (1 s): retry within a
 * generous bound. */
static int clear_lockout(void)
{
	for (int i = 0; i < 40; i++) {
		if (itest_sh("tpm2_dictionarylockout --clear-lockout --auth='%s' >/dev/null 2>&1",
			     lockout_auth) == 0)
			return 0;
		struct timespec ts = {0, 500 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return -1;
}

static int group_setup(void **state)
{
	struct port_linux_opts po = {.log_ident = "test", .log_level = HAL_LOG_ERR};
	(void)state;

	snprintf(tpm_dir, sizeof(tpm_dir), "%s/tpm", itest_scratch());
	/* The TSS logs every refused PIN to stderr (tpm2-pkcs11's own ERROR
	 * lines cannot be turned off: they show in this test's output). */
	setenv("TSS2_LOG", "all+none", 1);
	if (itest_sh("%s/tools/mktpmtoken '%s' " LABEL " " PIN " rsa:alice:01 ec:bob:02",
		     itest_top(), tpm_dir) ||
	    load_env(tpm_dir))
		goto fail;
	po.tty_path = "/nonexistent-tty"; /* tests never prompt */
	if (port_linux_init(&hal, &po))
		goto fail;
	return 0;
fail:
	/* cmocka skips the group teardown when the setup fails. */
	load_env(tpm_dir);
	stop_tpm();
	return -1;
}

static int group_teardown(void **state)
{
	(void)state;
	port_linux_fini(&hal);
	stop_tpm();
	return 0;
}

/* Every test starts with the failure counter at zero. */
static int test_setup(void **state)
{
	(void)state;
	if (lockout_counter() != 0 && clear_lockout())
		return -1;
	return lockout_counter() == 0 ? 0 : -1;
}

/* ---- the token layer ---------------------------------------------------- */

static sg_err open_uri(const char *uri_s, struct token **t, struct sg_error *e)
{
	struct p11uri uri;

	sg_error_init(e);
	if (uri_s && p11uri_parse(uri_s, strlen(uri_s), &uri, e))
		return e->code;
	return token_p11_open(&hal, module, uri_s ? &uri : NULL, t, e);
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

static sg_err login(struct token *t, const char *pin_s, struct sg_error *e)
{
	struct pin_policy pol;
	struct pin pin;

	pin_policy_default(&pol);
	set_pin(&pin, pin_s);
	sg_error_init(e);
	return token_login(t, &pol, &pin, e);
}

static void test_lists_certificates(void **state)
{
	struct token *t;
	struct sg_error e;
	(void)state;

	assert_int_equal(open_uri(NULL, &t, &e), SG_OK);
	assert_string_equal(t->info.label, LABEL);
	assert_true(t->info.login_required);
	assert_false(t->info.protected_auth_path);
	assert_int_equal(t->n_certs, 2);
	const struct token_cert *a = find_label(t, "alice"), *b = find_label(t, "bob");
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->key_type, TOKEN_KEY_RSA);
	assert_int_equal(a->key_bits, 2048);
	assert_int_equal(b->key_type, TOKEN_KEY_EC);
	assert_int_equal(b->key_bits, 256);
	/* tpm2_ptool --id 01 is the text "01". */
	assert_int_equal(a->id_len, 2);
	assert_memory_equal(a->id, "01", 2);
	assert_memory_equal(b->id, "02", 2);
	assert_non_null(strstr(a->uri, "token=" LABEL));
	assert_non_null(strstr(a->uri, "id=%30%31"));
	/* tpm2-pkcs11 hides private keys until login, like SoftHSM2. */
	assert_int_equal(a->key_state, TOKEN_KEY_STATE_UNKNOWN);
	assert_int_equal(b->key_state, TOKEN_KEY_STATE_UNKNOWN);
	token_close(t);
}

static const struct sign_case {
	const char *uri;
	int pss;
	enum token_sig want;
} sign_cases[] = {
	{"pkcs11:token=" LABEL ";id=%30%31", 0, TOKEN_SIG_RSA_PKCS1},
	{"pkcs11:token=" LABEL ";id=%30%31", 1, TOKEN_SIG_RSA_PSS},
	{"pkcs11:token=" LABEL ";object=bob", 0, TOKEN_SIG_ECDSA},
	{"pkcs11:id=%30%32;type=cert", 0, TOKEN_SIG_ECDSA},
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
		assert_int_equal(login(t, PIN, &e), SG_OK);
		sig_sha256((const uint8_t *)"challenge", 9, hash);
		assert_int_equal(token_sign(t, ci, kind, hash, 32, sig, &sig_len, &e), SG_OK);
		assert_int_equal(sig_verify_cert(t->certs[ci].der, t->certs[ci].der_len, kind, hash,
						 32, sig, sig_len, &e),
				 SG_OK);
		hash[0] ^= 1;
		assert_int_equal(sig_verify_cert(t->certs[ci].der, t->certs[ci].der_len, kind, hash,
						 32, sig, sig_len, &e),
				 SG_E_SIGNATURE);
		token_close(t);
	}
}

/* A wrong PIN is the TPM's: it counts in the dictionary-attack counter, and
 * the token's flags say nothing about it. */
static void test_wrong_pin_state(void **state)
{
	struct token_pin_state st;
	struct token *t;
	struct sg_error e;
	(void)state;

	assert_int_equal(open_uri("pkcs11:token=" LABEL, &t, &e), SG_OK);
	assert_int_equal(login(t, WRONG_PIN, &e), SG_E_PIN_INCORRECT);
	assert_int_equal(e.tries_left, SG_TRIES_UNKNOWN);
	assert_false(e.final_try);
	assert_null(strstr(e.detail, WRONG_PIN));
	assert_int_equal(token_pin_state(t, &st, &e), SG_OK);
	assert_false(st.count_low);
	assert_false(st.final_try);
	assert_false(st.locked);
	assert_int_equal(st.tries_left, SG_TRIES_UNKNOWN);
	/* The right PIN still works below the limit... */
	assert_int_equal(login(t, PIN, &e), SG_OK);
	token_close(t);
	/* ...and does not reset the TPM's counter. */
	assert_int_equal(lockout_counter(), 1);
}

/* A PIN that the policy rejects never reaches the TPM. */
static void test_malformed_pin_costs_no_try(void **state)
{
	static const char *bad[] = {"12", "123456789", "12a456", ""};
	struct token *t;
	struct sg_error e;
	(void)state;

	assert_int_equal(open_uri("pkcs11:token=" LABEL, &t, &e), SG_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(login(t, bad[i], &e), SG_E_PIN_FORMAT);
	token_close(t);
	assert_int_equal(lockout_counter(), 0);
}

/* The token layer in lockout: C_Login says CKR_PIN_LOCKED, the flags
 * still say nothing. */
static void test_locked_token_layer(void **state)
{
	struct token_pin_state st;
	struct token *t;
	struct sg_error e;
	(void)state;

	assert_int_equal(open_uri("pkcs11:token=" LABEL, &t, &e), SG_OK);
	for (int i = 0; i < max_tries; i++)
		assert_int_equal(login(t, WRONG_PIN, &e), SG_E_PIN_INCORRECT);
	assert_int_equal(login(t, PIN, &e), SG_E_PIN_LOCKED);
	assert_non_null(strstr(e.detail, "CKR_PIN_LOCKED"));
	assert_int_equal(cli_err_exit(e.code), SG_EXIT_PIN_LOCKED);
	assert_int_equal(token_pin_state(t, &st, &e), SG_OK);
	assert_false(st.locked);
	token_close(t);
	assert_int_equal(lockout_counter(), max_tries);
	assert_int_equal(clear_lockout(), 0);
	assert_int_equal(open_uri("pkcs11:token=" LABEL, &t, &e), SG_OK);
	assert_int_equal(login(t, PIN, &e), SG_OK);
	token_close(t);
}

/* ---- the CLI ------------------------------------------------------------ */

#define SIGNET(pin, fmt, ...) \
	itest_signet_run(pin, out, sizeof(out), fmt " --module '%s'", ##__VA_ARGS__, module)

static void test_cli_certs(void **state)
{
	(void)state;
	assert_int_equal(SIGNET(NULL, "certs --token 'pkcs11:token=" LABEL "'"), 0);
	assert_non_null(strstr(out, "Token: " LABEL));
	assert_non_null(strstr(out, "Certificate 1 of 2"));
	assert_non_null(strstr(out, "Certificate 2 of 2"));
	assert_non_null(strstr(out, "sip:alice@example.test"));
	assert_non_null(strstr(out, "sip:bob@example.test"));
	assert_non_null(strstr(out, "RSA 2048 bits"));
	assert_non_null(strstr(out, "EC 256 bits"));
	assert_non_null(strstr(out, "id=%30%31"));
	assert_non_null(strstr(out, "CN=signet test CA"));
	/* The certificates check out against the CA that made them. */
	assert_int_equal(SIGNET(NULL, "certs --check --ca '%s/pki/ca.crt' --revocation none", tpm_dir), 0);
	assert_non_null(strstr(out, "Status:      valid"));
	assert_null(strstr(out, "untrusted"));
}

static const struct cli_sign_case {
	const char *token;
	const char *extra;
	const char *algorithm;
} cli_sign_cases[] = {
	{"pkcs11:token=" LABEL ";id=%30%31", "", "rsa-pkcs1-sha256"},
	{"pkcs11:token=" LABEL ";id=%30%31", "--pss", "rsa-pss-sha256"},
	{"pkcs11:token=" LABEL ";object=alice", "", "rsa-pkcs1-sha256"},
	{"pkcs11:token=" LABEL ";id=%30%32", "", "ecdsa-sha256"},
	{"pkcs11:object=bob", "", "ecdsa-sha256"},
};

static void test_cli_sign_verify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cli_sign_cases) / sizeof(cli_sign_cases[0]); i++) {
		const struct cli_sign_case *c = &cli_sign_cases[i];

		print_message("case %zu: %s %s\n", i, c->token, c->extra);
		assert_int_equal(SIGNET(PIN "\n", "sign --verify --token '%s' %s --pin-fd 3", c->token, c->extra), 0);
		assert_string_equal(out, "verified\n");
		assert_int_equal(SIGNET(PIN, "sign --verify --token '%s' %s --pin-fd 3 --json", c->token, c->extra), 0);
		assert_non_null(strstr(out, c->algorithm));
		assert_non_null(strstr(out, "\"verified\":true"));
	}
	/* The identity picks the key. */
	assert_int_equal(SIGNET(PIN, "sign --verify --user sip:bob@example.test --pin-fd 3 --json"), 0);
	assert_non_null(strstr(out, "object=bob"));
	assert_int_equal(lockout_counter(), 0);
}

/* A signature made in the TPM verifies with openssl against the certificate. */
static void test_cli_sign_checked_by_openssl(void **state)
{
	static const char *names[] = {"alice", "bob"};
	const char *s = itest_scratch();
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(itest_sh("head -c 1000 /dev/urandom > '%s/challenge'", s), 0);
		assert_int_equal(SIGNET(PIN, "sign --token 'pkcs11:object=%s' --pin-fd 3 --in '%s/challenge' --out '%s/sig'",
					names[i], s, s),
				 0);
		assert_int_equal(itest_sh("openssl x509 -in '%s/pki/%s.crt' -pubkey -noout > '%s/pub.pem' && "
					  "openssl dgst -sha256 -verify '%s/pub.pem' -signature '%s/sig' '%s/challenge' >/dev/null",
					  tpm_dir, names[i], s, s, s, s),
				 0);
		assert_int_equal(itest_sh("echo x >> '%s/challenge' && openssl dgst -sha256 -verify '%s/pub.pem' "
					  "-signature '%s/sig' '%s/challenge' >/dev/null 2>&1",
					  s, s, s, s),
				 1);
	}
}

static void test_cli_wrong_pin(void **state)
{
	(void)state;
	assert_int_equal(SIGNET(WRONG_PIN, "sign --verify --token 'pkcs11:object=bob' --pin-fd 3"),
			 SG_EXIT_PIN_INCORRECT);
	assert_non_null(strstr(out, "wrong PIN"));
	assert_null(strstr(out, WRONG_PIN));
	assert_int_equal(lockout_counter(), 1);
	/* Too short: refused before the TPM sees it. */
	assert_int_equal(SIGNET("12", "sign --verify --token 'pkcs11:object=bob' --pin-fd 3"), SG_EXIT_USAGE);
	assert_int_equal(lockout_counter(), 1);
	assert_int_equal(SIGNET(PIN, "sign --verify --token 'pkcs11:object=bob' --pin-fd 3"), 0);
	assert_string_equal(out, "verified\n");
}

/* The TPM's lockout through signet: max_tries wrong PINs are "wrong PIN"
 * (exit 4), then the TPM refuses every PIN (exit 5), the right one too,
 * until the lockout is cleared with the lockout authorisation. */
static void test_cli_lockout(void **state)
{
	(void)state;
	for (int i = 0; i < max_tries; i++) {
		assert_int_equal(SIGNET(WRONG_PIN, "sign --verify --token 'pkcs11:object=alice' --pin-fd 3"),
				 SG_EXIT_PIN_INCORRECT);
		assert_int_equal(lockout_counter(), i + 1);
	}
	assert_int_equal(SIGNET(WRONG_PIN, "sign --verify --token 'pkcs11:object=alice' --pin-fd 3"),
			 SG_EXIT_PIN_LOCKED);
	assert_non_null(strstr(out, "the PIN is locked"));
	assert_int_equal(SIGNET(PIN, "sign --verify --token 'pkcs11:object=alice' --pin-fd 3 --json"),
			 SG_EXIT_PIN_LOCKED);
	assert_non_null(strstr(out, "\"error\":\"pin_locked\""));
	assert_non_null(strstr(out, "\"exit_code\":5"));
	/* The whole TPM is locked, not one key. */
	assert_int_equal(SIGNET(PIN, "sign --verify --token 'pkcs11:object=bob' --pin-fd 3"), SG_EXIT_PIN_LOCKED);
	/* Listing certificates needs no PIN and still works. */
	assert_int_equal(SIGNET(NULL, "certs --token 'pkcs11:token=" LABEL "'"), 0);
	assert_non_null(strstr(out, "Certificate 2 of 2"));
	/* Clearing needs the lockout authorisation: without it the TPM says no. */
	assert_int_not_equal(itest_sh("tpm2_dictionarylockout --clear-lockout >/dev/null 2>&1"), 0);
	assert_int_equal(SIGNET(PIN, "sign --verify --token 'pkcs11:object=alice' --pin-fd 3"), SG_EXIT_PIN_LOCKED);
	assert_int_equal(clear_lockout(), 0);
	assert_int_equal(lockout_counter(), 0);
	assert_int_equal(SIGNET(PIN, "sign --verify --token 'pkcs11:object=alice' --pin-fd 3"), 0);
	assert_string_equal(out, "verified\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lists_certificates, test_setup),
		cmocka_unit_test_setup(test_sign_and_verify, test_setup),
		cmocka_unit_test_setup(test_wrong_pin_state, test_setup),
		cmocka_unit_test_setup(test_malformed_pin_costs_no_try, test_setup),
		cmocka_unit_test_setup(test_locked_token_layer, test_setup),
		cmocka_unit_test_setup(test_cli_certs, test_setup),
		cmocka_unit_test_setup(test_cli_sign_verify, test_setup),
		cmocka_unit_test_setup(test_cli_sign_checked_by_openssl, test_setup),
		cmocka_unit_test_setup(test_cli_wrong_pin, test_setup),
		cmocka_unit_test_setup(test_cli_lockout, test_setup),
	};
	return cmocka_run_group_tests_name("tpm_token", tests, group_setup, group_teardown);
}
