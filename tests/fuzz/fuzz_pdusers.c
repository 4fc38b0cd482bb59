/*
 * fuzz_pdusers.c: signet-provisiond's user table and wrong-PIN counts
 * (tools/provisiond/pd_users.c: pd_users_parse, pd_attempts_parse and the
 * hex of the PBKDF2 verifiers), then what the service does with a login:
 * find the user by id or tel:NUMBER, check an identity, check a PIN.
 *
 * Input: bytes 0-1 are the length of the users text (big-endian), then
 * the users text, then the attempts text.
 *
 * Checked: a refused table names its line; an accepted one holds at most
 * PD_MAX_USERS users whose ids, phones, salts, hashes and identities fit
 * their fields; every user is found by its id (the first of that id) and
 * by its phone, allows its own identities; a PIN check runs on its
 * verifier (only when its iteration count is small: a table may ask for
 * billions, which is the administrator's business).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tools/provisiond/pd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

static struct pd pd;

static void check_user(struct pd_user *u)
{
	struct pd_user *f;

	CHECK(memchr(u->id, '\0', sizeof(u->id)) && u->id[0] && !strchr(u->id, ':'));
	CHECK(memchr(u->phone, '\0', sizeof(u->phone)) && u->phone[0]);
	CHECK(u->iter >= 1 && u->n_idents <= PD_MAX_IDS);
	for (size_t k = 0; k < u->n_idents; k++) {
		CHECK(memchr(u->idents[k], '\0', sizeof(u->idents[k])) && u->idents[k][0]);
		CHECK(pd_user_allows(u, u->idents[k]));
	}
	f = pd_user_find(&pd, u->id);
	CHECK(f && !strcmp(f->id, u->id) && f <= u);
	if (strcmp(u->phone, "-")) {
		char tel[40];

		snprintf(tel, sizeof(tel), "tel:%s", u->phone);
		f = pd_user_find(&pd, tel);
		CHECK(f && !strcmp(f->phone, u->phone) && f <= u);
	}
	if (u->iter <= 64)
		(void)pd_pin_ok(u, "123456", 6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_error e;
	size_t ul;

	if (size < 2)
		return 0;
	ul = (size_t)data[0] << 8 | data[1];
	data += 2;
	size -= 2;
	if (ul > size)
		ul = size;
	memset(pd.users, 0, sizeof(pd.users));
	pd.n_users = 0;
	sg_error_init(&e);
	if (pd_users_parse(&pd, (const char *)data, ul, &e) != SG_OK) {
		CHECK(e.code == SG_E_CONFIG && e.detail[0] && pd.n_users == 0);
		return 0;
	}
	CHECK(pd.n_users <= PD_MAX_USERS);
	pd_attempts_parse(&pd, (const char *)data + ul, size - ul);
	for (size_t i = 0; i < pd.n_users; i++)
		check_user(&pd.users[i]);
	CHECK(pd_user_find(&pd, "tel:-") == NULL); /* "-" is no phone */
	return 0;
}
