/* test_identity.c: which user identities a certificate's names match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "identity.h"

static void add(struct certinfo *ci, enum certinfo_name_type t, const char *v)
{
	ci->names[ci->n_names].type = t;
	strcpy(ci->names[ci->n_names].value, v);
	ci->n_names++;
}

static const struct {
	const char *identity;
	int want;
} cases[] = {
	{"sip:alice@example.test", 1},
	{"SIP:alice@EXAMPLE.test", 1},          /* scheme and host without case */
	{"sip:Alice@example.test", 0},          /* the user part is exact */
	{"sips:alice@example.test", 1},         /* sips names the same address */
	{"sip:alice@example.test;transport=tls", 1}, /* parameters are not the address */
	{"sip:alice@example.org", 0},
	{"sip:al@example.test", 0},
	{"sip:alice", 0},
	{"alice@example.test", 1},              /* bare: the SIP URI's user@host */
	{"ALICE.UPN@corp.example", 1},          /* UPN without case */
	{"alice.mail@Mail.Example", 1},         /* rfc822Name without case */
	{"bob@example.test", 0},
	{"", 0},
	{"@", 0},
	{"sip:", 0},
	{"tel:+15551234", 0},
};

static void test_match_table(void **state)
{
	struct certinfo ci;
	(void)state;

	memset(&ci, 0, sizeof(ci));
	add(&ci, CERTINFO_NAME_URI, "sip:alice@example.test");
	add(&ci, CERTINFO_NAME_UPN, "alice.upn@corp.example");
	add(&ci, CERTINFO_NAME_EMAIL, "alice.mail@mail.example");
	add(&ci, CERTINFO_NAME_DNS, "phone1.example.test");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %s\n", cases[i].identity);
		assert_int_equal(identity_match(&ci, cases[i].identity), cases[i].want);
	}
	/* A DNS name is a device, never a user. */
	assert_int_equal(identity_match(&ci, "phone1.example.test"), 0);
}

static void test_names(void **state)
{
	struct certinfo ci;
	char buf[100];
	(void)state;

	memset(&ci, 0, sizeof(ci));
	strcpy(ci.subject, "CN=x");
	identity_names(&ci, buf, sizeof(buf));
	assert_string_equal(buf, "no user names (subject CN=x)");
	add(&ci, CERTINFO_NAME_URI, "sip:bob@example.test");
	add(&ci, CERTINFO_NAME_EMAIL, "bob@example.test");
	identity_names(&ci, buf, sizeof(buf));
	assert_string_equal(buf, "uri:sip:bob@example.test, email:bob@example.test");
	identity_names(&ci, buf, 10); /* cut, terminated */
	assert_int_equal(strlen(buf), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("identity", tests, NULL, NULL);
}
