/* fuzz_p11uri.c: libFuzzer harness for the PKCS#11 URI parser (auth/token/p11uri.c).
 * It must never crash, hang or read past the input. What it parses must
 * survive a round trip: format, parse again, same fields. And a URI built
 * from a token's or an object's own attributes must match them. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "p11uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                        \
	do {                               \
		if (!(cond))               \
			__builtin_trap();  \
	} while (0)

static int cstr_ok(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

/* What every accepted URI promises its users. */
static void check_fields(const struct p11uri *u)
{
	CHECK(u->token_len <= sizeof(u->token) && u->manufacturer_len <= sizeof(u->manufacturer));
	CHECK(u->model_len <= sizeof(u->model) && u->serial_len <= sizeof(u->serial));
	CHECK(u->object_len <= sizeof(u->object) && u->id_len <= sizeof(u->id));
	CHECK(u->lib_manufacturer_len <= sizeof(u->lib_manufacturer));
	CHECK(u->lib_description_len <= sizeof(u->lib_description));
	CHECK(u->slot_description_len <= sizeof(u->slot_description));
	CHECK(u->slot_manufacturer_len <= sizeof(u->slot_manufacturer));
	CHECK(cstr_ok(u->pin_source, sizeof(u->pin_source)) &&
	      cstr_ok(u->pin_value, sizeof(u->pin_value)));
	CHECK(cstr_ok(u->module_name, sizeof(u->module_name)) &&
	      cstr_ok(u->module_path, sizeof(u->module_path)));
	CHECK(u->present < P11URI_BIT(P11URI__COUNT));
	CHECK(!(u->present & P11URI_BIT(P11URI_TYPE)) || p11uri_type_name(u->type));
	CHECK(p11uri_has_pin_value(u) == !!(u->present & P11URI_BIT(P11URI_PIN_VALUE)));
}

/* parse(format(u)) == u, but for what the formatter never writes. */
static void check_roundtrip(const struct p11uri *u)
{
	static char buf[4 * P11URI_MAX_LEN];
	struct p11uri want = *u, again;
	struct sg_error e;
	size_t n = p11uri_format(buf, sizeof(buf), u);

	CHECK(n < sizeof(buf) && strlen(buf) == n);
	sg_error_init(&e);
	CHECK(p11uri_parse(buf, n, &again, &e) == SG_OK);
	want.present &= ~P11URI_BIT(P11URI_PIN_VALUE);
	memset(want.pin_value, 0, sizeof(want.pin_value));
	want.unrecognized = 0;
	CHECK(memcmp(&want, &again, sizeof(want)) == 0);
	/* Cut output: same length reported, a NUL-terminated prefix. */
	char small[16];
	size_t cap = n % sizeof(small);
	CHECK(p11uri_format(small, cap, u) == n);
	CHECK(cap == 0 || (strlen(small) == (cap - 1 < n ? cap - 1 : n) &&
			   memcmp(small, buf, strlen(small)) == 0));
}

static void fill(unsigned char *field, size_t size, const unsigned char *v, size_t n)
{
	memset(field, ' ', size);
	memcpy(field, v, n);
}

/* A token whose info is the URI's own values matches it; and the canonical
 * URI of that token, or of an object on it, matches it back. */
static void check_self_match(const struct p11uri *u)
{
	static char buf[2048];
	CK_TOKEN_INFO t;
	struct p11uri again;
	struct sg_error e;

	memset(&t, 0, sizeof(t));
	fill(t.label, sizeof(t.label), u->token, u->token_len);
	fill(t.manufacturerID, sizeof(t.manufacturerID), u->manufacturer, u->manufacturer_len);
	fill(t.model, sizeof(t.model), u->model, u->model_len);
	fill(t.serialNumber, sizeof(t.serialNumber), u->serial, u->serial_len);
	CHECK(p11uri_match_token(u, &t) == !u->unrecognized);

	size_t n = p11uri_format_object(buf, sizeof(buf), &t, p11uri_type_name(u->type), u->object,
					u->object_len, u->id, u->id_len);
	CHECK(n < sizeof(buf));
	sg_error_init(&e);
	CHECK(p11uri_parse(buf, n, &again, &e) == SG_OK);
	CHECK(p11uri_match_token(&again, &t));
	CHECK(p11uri_match_object(&again, u->type, u->object, u->object_len, u->id, u->id_len));
	CHECK(p11uri_match_object(u, u->type, u->object, u->object_len, u->id, u->id_len) ==
	      !u->unrecognized);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct p11uri zero;
	struct p11uri u;
	struct sg_error e;

	sg_error_init(&e);
	sg_err rc = p11uri_parse((const char *)data, size, &u, &e);
	if (rc != SG_OK) {
		/* Refused as malformed, said why, and left nothing behind. */
		CHECK(rc == SG_E_MALFORMED && e.code == rc && e.detail[0]);
		CHECK(memchr(e.detail, '\0', sizeof(e.detail)) != NULL);
		CHECK(memcmp(&u, &zero, sizeof(u)) == 0);
		return 0;
	}
	check_fields(&u);
	check_roundtrip(&u);
	check_self_match(&u);
	p11uri_wipe(&u);
	return 0;
}
