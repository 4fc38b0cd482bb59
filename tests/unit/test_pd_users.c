/*
 * test_pd_users.c: signet-provisiond's user table (tools/provisiond/
 * pd_users.c) written by pd_user_add and read back by pd_users_load from
 * a scratch directory, and its text parsers on their own.
 */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tools/provisiond/pd.h"

static struct pd pd;

static int setup(void **state)
{
	(void)state;
	memset(&pd, 0, sizeof(pd));
	strcpy(pd.dir, "/tmp/signet-pdusers-XXXXXX");
	if (!mkdtemp(pd.dir))
		return -1;
	mbedtls_entropy_init(&pd.entropy);
	mbedtls_ctr_drbg_init(&pd.drbg);
	return mbedtls_ctr_drbg_seed(&pd.drbg, mbedtls_entropy_func, &pd.entropy, NULL, 0);
}

static int teardown(void **state)
{
	char path[600];

	(void)state;
	unlink(pd_path(&pd, "users", path, sizeof(path)));
	unlink(pd_path(&pd, "attempts", path, sizeof(path)));
	rmdir(pd.dir);
	mbedtls_ctr_drbg_free(&pd.drbg);
	mbedtls_entropy_free(&pd.entropy);
	return 0;
}

/* A user with 1000 bytes of identities (what adduser allows) makes a line
 * of about 1200 bytes. The loader read lines of at most 1023: the rest of
 * the line came back as a line of its own, and the whole table was
 * refused ("ID PHONE VERIFIER IDENTITIES"), the service down. */
static void test_long_line_round_trip(void **state)
{
	char idents[1001];
	struct sg_error e;
	size_t n = 0;
	int i;

	(void)state;
	for (i = 0; n + 40 < sizeof(idents); i++)
		n += (size_t)snprintf(idents + n, sizeof(idents) - n, "%ssip:user%03d@example.test",
				      i ? "," : "", i);
	while (n < 1000)
		idents[n++] = 'x';
	idents[n] = '\0';
	sg_error_init(&e);
	assert_int_equal(pd_user_add(&pd, "alice", "+15550100", idents, 1, "123456", 6, &e), SG_OK);
	assert_int_equal(pd_user_add(&pd, "bob", "-", "sip:bob@example.test", 1, "654321", 6, &e),
			 SG_OK);
	assert_int_equal(pd_users_load(&pd, &e), SG_OK);
	assert_int_equal(pd.n_users, 2);
	assert_string_equal(pd.users[0].id, "alice");
	assert_int_equal(pd.users[0].n_idents, PD_MAX_IDS);
	assert_string_equal(pd.users[0].idents[0], "sip:user000@example.test");
	assert_non_null(pd_user_find(&pd, "tel:+15550100"));
	assert_true(pd_pin_ok(pd_user_find(&pd, "alice"), "123456", 6));
	assert_true(pd_pin_ok(pd_user_find(&pd, "bob"), "654321", 6));
}

static void test_parse_text(void **state)
{
	static const char ver[] = "pbkdf2-sha256$1$000102030405060708090a0b0c0d0e0f$"
				  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char text[4096], big[3000];
	struct sg_error e;

	(void)state;
	snprintf(text, sizeof(text),
		 "# comment\n\n\t# indented comment\r\n carol\t+1\t%s\tsip:c@x,sip:c2@x\r\n"
		 "dave - %s sip:d@x", ver, ver);
	sg_error_init(&e);
	assert_int_equal(pd_users_parse(&pd, text, strlen(text), &e), SG_OK);
	assert_int_equal(pd.n_users, 2);
	assert_string_equal(pd.users[0].idents[1], "sip:c2@x");
	assert_string_equal(pd.users[1].idents[0], "sip:d@x");
	pd_attempts_parse(&pd, "carol 2\r\nnobody 9\ndave 1", 24);
	assert_int_equal(pd.users[0].failures, 2);
	assert_int_equal(pd.users[1].failures, 1);

	/* A line longer than any adduser writes is refused by its number,
	 * never read as two. */
	memset(big, 'y', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	snprintf(text, sizeof(text), "carol - %s sip:c@x\n%s\n", ver, big);
	assert_int_equal(pd_users_parse(&pd, text, strlen(text), &e), SG_E_CONFIG);
	assert_non_null(strstr(e.detail, "line 2"));
	assert_int_equal(pd.n_users, 0);
	/* ... and the attempts file skips such a line. */
	snprintf(text, sizeof(text), "carol - %s sip:c@x\n", ver);
	assert_int_equal(pd_users_parse(&pd, text, strlen(text), &e), SG_OK);
	snprintf(text, sizeof(text), "%s\ncarol 3\n", big);
	pd_attempts_parse(&pd, text, strlen(text));
	assert_int_equal(pd.users[0].failures, 3);
}

/* Numbers in the files are digits in range: an iteration count that would
 * hang every PIN check, or a count read through a sign or a base prefix,
 * refuses the line (users) or skips it (attempts). */
static void test_numbers(void **state)
{
	static const char salt_hash[] = "000102030405060708090a0b0c0d0e0f$"
					"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	static const char *const bad_iter[] = {"0", "-5", "+600000", " 600000", "0x10",
					       "100000001", "4294967295", "99999999999", ""};
	char text[512];
	struct sg_error e;
	size_t i;

	(void)state;
	sg_error_init(&e);
	for (i = 0; i < sizeof(bad_iter) / sizeof(bad_iter[0]); i++) {
		snprintf(text, sizeof(text), "carol - pbkdf2-sha256$%s$%s sip:c@x\n", bad_iter[i],
			 salt_hash);
		if (pd_users_parse(&pd, text, strlen(text), &e) != SG_E_CONFIG)
			fail_msg("iteration count '%s' accepted", bad_iter[i]);
	}
	snprintf(text, sizeof(text), "carol - pbkdf2-sha256$100000000$%s sip:c@x\n", salt_hash);
	assert_int_equal(pd_users_parse(&pd, text, strlen(text), &e), SG_OK);
	assert_int_equal(pd.users[0].iter, 100000000u);
	pd_attempts_parse(&pd, "carol -1\n", 9);
	assert_int_equal(pd.users[0].failures, 0);
	pd_attempts_parse(&pd, "carol 4294967295\ncarol +2\ncarol 0x3\n", 36);
	assert_int_equal(pd.users[0].failures, 0);
	pd_attempts_parse(&pd, "carol 2\n", 8);
	assert_int_equal(pd.users[0].failures, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_long_line_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
