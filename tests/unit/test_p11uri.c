/* test_p11uri.c: PKCS#11 URIs (auth/token/p11uri.c), table-driven: URIs in,
 * fields or an error out; matching against hand-built PKCS#11 structures;
 * formatting round trips; and a differential run against p11-kit's parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <p11-kit/uri.h>

#include "p11uri.h"

/* A literal with its exact length, so that embedded NULs count. */
#define B(lit) {lit, sizeof(lit) - 1}
#define T(lit) lit, sizeof(lit) - 1

/* Stands for a PIN: no error detail may ever contain it. */
#define SECRET "s3cr3t"

struct bytes {
	const char *p; /* NULL: the attribute must be absent */
	size_t n;
};

/* Parses from an exact-size heap copy, so that AddressSanitizer catches
 * any read past len. */
static sg_err parse_exact(const char *s, size_t len, struct p11uri *u, struct sg_error *e)
{
	char *copy = malloc(len ? len : 1);
	sg_err rc;

	assert_non_null(copy);
	if (len)
		memcpy(copy, s, len);
	sg_error_init(e);
	rc = p11uri_parse(copy, len, u, e);
	free(copy);
	return rc;
}

/* ---- valid URIs ----------------------------------------------------------- */

struct ok_case {
	const char *name;
	const char *in;
	size_t len;
	int unrecognized;
	struct bytes token, manufacturer, model, serial, lib_manuf, lib_desc, lib_version,
	    slot_desc, slot_manuf, slot_id, object, id, type, pin_source, pin_value, module_name,
	    module_path;
};

static const struct ok_case ok_cases[] = {
	/* RFC 7512 section 7 examples. */
	{"rfc: empty", T("pkcs11:"), .unrecognized = 0},
	{"rfc: public key", T("pkcs11:object=my-pubkey;type=public"), .object = B("my-pubkey"),
	 .type = B("public")},
	{"rfc: private key with pin-source",
	 T("pkcs11:object=my-key;type=private?pin-source=file:/etc/token"), .object = B("my-key"),
	 .type = B("private"), .pin_source = B("file:/etc/token")},
	{"rfc: full certificate",
	 T("pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;"
	   "manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;"
	   "id=%69%95%3E%5C%F4%BD%EC%91;serial=?pin-source=file:/etc/token_pin"),
	 .token = B("The Software PKCS#11 Softtoken"), .manufacturer = B("Snake Oil, Inc."),
	 .model = B("1.0"), .object = B("my-certificate"), .type = B("cert"),
	 .id = B("\x69\x95\x3e\x5c\xf4\xbd\xec\x91"), .serial = B(""),
	 .pin_source = B("file:/etc/token_pin")},
	{"rfc: module-name", T("pkcs11:object=my-sign-key;type=private?module-name=mypkcs11"),
	 .object = B("my-sign-key"), .type = B("private"), .module_name = B("mypkcs11")},
	{"rfc: module-path",
	 T("pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1"),
	 .object = B("my-sign-key"), .type = B("private"),
	 .module_path = B("/mnt/libmypkcs11.so.1")},
	{"rfc: pin-value",
	 T("pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc."
	   "?pin-value=the-pin"),
	 .token = B("Software PKCS#11 softtoken"), .manufacturer = B("Snake Oil, Inc."),
	 .pin_value = B("the-pin")},
	{"rfc: slot-description", T("pkcs11:slot-description=Sun%20Metaslot"),
	 .slot_desc = B("Sun Metaslot")},
	{"rfc: library",
	 T("pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;"
	   "library-description=Soft%20Token%20Library;library-version=1.23"),
	 .lib_manuf = B("Snake Oil, Inc."), .lib_desc = B("Soft Token Library"),
	 .lib_version = B("1.23")},
	{"rfc: '%' and ';' in a value",
	 T("pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;"
	   "type=cert"),
	 .token = B("A name with a substring %;"), .object = B("my-certificate"),
	 .type = B("cert")},
	/* The RFC's UTF-8 example has a 34-byte token label, too long for
	 * CK_TOKEN_INFO (it is among the invalid URIs); a shorter one: */
	{"UTF-8 in a value", T("pkcs11:token=small%20A%20with%20acute:%20%C3%A1;type=cert"),
	 .token = B("small A with acute: \xc3\xa1"), .type = B("cert")},
	/* The RFC's vendor example names "vendor-aaa" without the "x-" this
	 * project reserves for vendors: an attribute we cannot honour, so the
	 * URI parses but matches nothing. */
	{"rfc: vendor attributes",
	 T("pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a"
	   "?pin-source=file:/etc/token_pin&vendor-bbb=value-b"),
	 .unrecognized = 1, .token = B("my-token"), .object = B("my-certificate"),
	 .type = B("cert"), .pin_source = B("file:/etc/token_pin")},
	{"rfc: slot-id", T("pkcs11:slot-description=x;slot-manufacturer=y;slot-id=10"),
	 .slot_desc = B("x"), .slot_manuf = B("y"), .slot_id = B("10")},

	/* Scheme, names and types in any case. */
	{"scheme case", T("PKCS11:token=a"), .token = B("a")},
	{"name case", T("pkcs11:TOKEN=a;Serial=b?PIN-VALUE=1234"), .token = B("a"),
	 .serial = B("b"), .pin_value = B("1234")},
	{"type case", T("pkcs11:type=Secret-Key"), .type = B("secret-key")},
	{"type data", T("pkcs11:type=data"), .type = B("data")},

	/* Percent-encoding. */
	{"lower-case hex", T("pkcs11:id=%ab%CD%eF"), .id = B("\xab\xcd\xef")},
	{"id from literal characters", T("pkcs11:id=ab%01"), .id = B("ab\x01")},
	{"empty id", T("pkcs11:id="), .id = B("")},
	{"object with %00", T("pkcs11:object=a%00b"), .object = B("a\0b")},
	{"path admits & = : @ ! $ ' ( ) * + , [ ] ~",
	 T("pkcs11:object=a&b=c:d@e!f$g'h(i)j*k+l,m[n]o~p.q_r-s"),
	 .object = B("a&b=c:d@e!f$g'h(i)j*k+l,m[n]o~p.q_r-s")},
	{"query admits / ? |", T("pkcs11:?pin-source=|/usr/bin/pin?x"),
	 .pin_source = B("|/usr/bin/pin?x")},
	{"encoded separators", T("pkcs11:token=a%3Bb%3Fc%26d"), .token = B("a;b?c&d")},
	{"empty values", T("pkcs11:token=;object="), .token = B(""), .object = B("")},

	/* Numbers. */
	{"library-version major only", T("pkcs11:library-version=3"), .lib_version = B("3.0")},
	{"library-version limits", T("pkcs11:library-version=255.0"),
	 .lib_version = B("255.0")},
	{"library-version leading zeros", T("pkcs11:library-version=007.010"),
	 .lib_version = B("7.10")},
	{"slot-id 0", T("pkcs11:slot-id=0"), .slot_id = B("0")},
	{"slot-id max", T("pkcs11:slot-id=4294967295"), .slot_id = B("4294967295")},

	/* Unknown and vendor attributes. */
	{"unknown path attribute", T("pkcs11:token=a;color=blue"), .unrecognized = 1,
	 .token = B("a")},
	{"p11-kit's objecttype is unknown here", T("pkcs11:objecttype=cert"),
	 .unrecognized = 1},
	{"vendor path attribute", T("pkcs11:x-foo=1;token=a"), .token = B("a")},
	{"vendor path attributes, two names", T("pkcs11:x-a=1;x-b=1"), .unrecognized = 0},
	{"unknown query attributes repeat", T("pkcs11:?x-a=1&x-a=2&color=blue&color=red"), .unrecognized = 0},
	{"query name used in the path is unknown", T("pkcs11:module-name=x"),
	 .unrecognized = 1},
	{"path name used in the query is ignored", T("pkcs11:?token=a"), .unrecognized = 0},
	{"pin-value in the path (old drafts)", T("pkcs11:token=a;pin-value=1234"),
	 .token = B("a"), .pin_value = B("1234")},
	{"only a query", T("pkcs11:?module-name=softhsm2"), .module_name = B("softhsm2")},
	{"relative-looking pin-source is fine", T("pkcs11:?pin-source=pinfile"),
	 .pin_source = B("pinfile")},
	{"windows module-path", T("pkcs11:?module-path=C:%5Cp11.dll"),
	 .module_path = B("C:\\p11.dll")},

	/* Never past len: what follows is not part of the input. */
	{"len stops early", "pkcs11:token=ab;serial=zz", 14, .token = B("a")},
};

/* Formats the numeric fields as the expectations write them. */
static void expect_field(const char *what, const struct p11uri *u, enum p11uri_attr a,
			 const struct bytes *want, const void *got, size_t got_n)
{
	int present = (u->present & P11URI_BIT(a)) != 0;

	if (!want->p) {
		if (present)
			fail_msg("%s: unexpected attribute", what);
		return;
	}
	if (!present)
		fail_msg("%s: attribute missing", what);
	if (got_n != want->n || memcmp(got, want->p, want->n))
		fail_msg("%s: value differs (%zu bytes, want %zu)", what, got_n, want->n);
}

static void check_ok_case(const struct ok_case *c, const struct p11uri *u)
{
	char ver[16], slot[24];
	const char *type = p11uri_type_name(u->type);

	snprintf(ver, sizeof(ver), "%u.%u", u->lib_version.major, u->lib_version.minor);
	snprintf(slot, sizeof(slot), "%lu", (unsigned long)u->slot_id);
	assert_int_equal(u->unrecognized, c->unrecognized);
#define EXPECT_BUF(a, want, f) expect_field(#f, u, a, &c->want, u->f, u->f##_len)
#define EXPECT_STR(a, want, s) expect_field(#want, u, a, &c->want, s, strlen(s))
	EXPECT_BUF(P11URI_TOKEN, token, token);
	EXPECT_BUF(P11URI_MANUFACTURER, manufacturer, manufacturer);
	EXPECT_BUF(P11URI_MODEL, model, model);
	EXPECT_BUF(P11URI_SERIAL, serial, serial);
	EXPECT_BUF(P11URI_LIB_MANUFACTURER, lib_manuf, lib_manufacturer);
	EXPECT_BUF(P11URI_LIB_DESCRIPTION, lib_desc, lib_description);
	EXPECT_STR(P11URI_LIB_VERSION, lib_version, ver);
	EXPECT_BUF(P11URI_SLOT_DESCRIPTION, slot_desc, slot_description);
	EXPECT_BUF(P11URI_SLOT_MANUFACTURER, slot_manuf, slot_manufacturer);
	EXPECT_STR(P11URI_SLOT_ID, slot_id, slot);
	EXPECT_BUF(P11URI_OBJECT, object, object);
	EXPECT_BUF(P11URI_ID, id, id);
	EXPECT_STR(P11URI_TYPE, type, type ? type : "?");
	EXPECT_STR(P11URI_PIN_SOURCE, pin_source, u->pin_source);
	EXPECT_STR(P11URI_PIN_VALUE, pin_value, u->pin_value);
	EXPECT_STR(P11URI_MODULE_NAME, module_name, u->module_name);
	EXPECT_STR(P11URI_MODULE_PATH, module_path, u->module_path);
#undef EXPECT_BUF
#undef EXPECT_STR
	assert_int_equal(p11uri_has_pin_value(u), c->pin_value.p != NULL);
}

static void test_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct p11uri u;
		struct sg_error e;

		print_message("  valid: %s\n", c->name);
		if (parse_exact(c->in, c->len, &u, &e) != SG_OK)
			fail_msg("%s: %s", c->name, e.detail);
		check_ok_case(c, &u);
	}
}

/* ---- invalid URIs --------------------------------------------------------- */

struct err_case {
	const char *name;
	const char *in;
	size_t len;
	size_t offset;      /* expected "offset N" in the detail */
	const char *detail; /* expected somewhere in the detail */
};

static const struct err_case err_cases[] = {
	{"empty input", T(""), 0, "starts with \"pkcs11:\""},
	{"no colon", T("pkcs11"), 0, "starts with"},
	{"other scheme", T("http:token=a"), 0, "starts with"},
	{"attribute without '='", T("pkcs11:token"), 7, "without '='"},
	{"attribute without a name", T("pkcs11:=a"), 7, "without a name"},
	{"empty attribute", T("pkcs11:token=a;;object=b"), 15, "empty attribute"},
	{"trailing ';'", T("pkcs11:token=a;"), 15, "empty attribute"},
	{"leading ';'", T("pkcs11:;token=a"), 7, "empty attribute"},
	{"'?' without a query", T("pkcs11:?"), 8, "empty attribute"},
	{"trailing '&'", T("pkcs11:?pin-source=x&"), 21, "empty attribute"},
	{"bad name character", T("pkcs11:to.ken=a"), 9, "attribute name"},
	{"truncated escape", T("pkcs11:token=a%4"), 14, "two hex digits"},
	{"escape at the end", T("pkcs11:token=a%"), 14, "two hex digits"},
	{"non-hex escape", T("pkcs11:token=%zz"), 13, "two hex digits"},
	{"half-hex escape", T("pkcs11:token=%4g"), 13, "two hex digits"},
	{"escape cut by len", "pkcs11:token=%41", 15, 13, "two hex digits"},
	{"space", T("pkcs11:token=a b"), 14, "0x20 must be percent-encoded"},
	{"raw NUL", T("pkcs11:token=a\0b"), 14, "0x00 must be"},
	{"'/' in the path", T("pkcs11:object=a/b"), 15, "0x2F"},
	{"'|' in the path", T("pkcs11:object=a|b"), 15, "0x7C"},
	{"'&' in the query", T("pkcs11:?pin-source=a&b"), 21, "without '='"},
	{"raw high byte", T("pkcs11:token=\xc3\xa1"), 13, "0xC3"},
	{"duplicate token", T("pkcs11:token=a;token=b"), 15, "token at offset 15: attribute given twice"},
	{"duplicate in any case", T("pkcs11:token=a;TOKEN=a"), 15, "given twice"},
	{"duplicate unknown", T("pkcs11:color=a;token=b;Color=a"), 23, "given twice"},
	{"duplicate vendor", T("pkcs11:x-foo=1;x-foo=2"), 15, "given twice"},
	{"duplicate query", T("pkcs11:?module-name=a&module-name=b"), 22, "given twice"},
	{"pin-value in path and query", T("pkcs11:pin-value=1?pin-value=1"), 19, "given twice"},
	{"rfc: UTF-8 example, 34 bytes",
	 T("pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;"
	   "object=my-certificate;type=cert"),
	 13, "token at offset 13: value longer than 32 bytes"},
	{"unknown type", T("pkcs11:type=certificate"), 12, "type must be"},
	{"p11-kit's secretkey", T("pkcs11:type=secretkey"), 12, "type must be"},
	{"encoded type", T("pkcs11:type=%63ert"), 12, "type must be"},
	{"empty type", T("pkcs11:type="), 12, "type must be"},
	{"empty slot-id", T("pkcs11:slot-id="), 15, "decimal number"},
	{"slot-id with a letter", T("pkcs11:slot-id=1a"), 16, "decimal number"},
	{"negative slot-id", T("pkcs11:slot-id=-1"), 15, "decimal number"},
	{"encoded slot-id", T("pkcs11:slot-id=%31"), 15, "decimal number"},
	{"slot-id overflow", T("pkcs11:slot-id=99999999999999999999999"), 15, "larger than"},
	{"empty library-version", T("pkcs11:library-version="), 23, "decimal number"},
	{"library-version with no minor", T("pkcs11:library-version=1."), 25, "decimal number"},
	{"library-version with no major", T("pkcs11:library-version=.1"), 23, "decimal number"},
	{"library-version 256", T("pkcs11:library-version=256"), 23, "larger than 255"},
	{"library-version minor 256", T("pkcs11:library-version=1.256"), 25, "larger than 255"},
	{"library-version three parts", T("pkcs11:library-version=1.2.3"), 26, "decimal number"},
	{"pin-source with pin-value", T("pkcs11:?pin-source=a&pin-value=" SECRET), 7,
	 "exclude each other"},
	{"relative module-path", T("pkcs11:?module-path=lib.so"), 20, "absolute path"},
	{"module-path with %00", T("pkcs11:?module-path=/x.so%00/evil"), 20, "%00"},
	{"pin-value with %00", T("pkcs11:?pin-value=" SECRET "%00"), 18, "%00"},
	{"pin-value with a space", T("pkcs11:?pin-value=" SECRET " x"), 24, "0x20"},
	{"pin-value with a bad escape", T("pkcs11:?pin-value=" SECRET "%x"), 24, "two hex"},
	{"pin without a name", T("pkcs11:" SECRET), 7, "without '='"},
	{"pin as a bad name", T("pkcs11:" SECRET "!=1"), 13, "attribute name"},
	{"pin twice", T("pkcs11:?pin-value=" SECRET "&pin-value=" SECRET), 25, "given twice"},
};

static void test_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		static const struct p11uri zero;
		char at[32];
		struct p11uri u;
		struct sg_error e;

		print_message("  invalid: %s\n", c->name);
		if (parse_exact(c->in, c->len, &u, &e) != SG_E_MALFORMED)
			fail_msg("%s: accepted", c->name);
		assert_int_equal(e.code, SG_E_MALFORMED);
		snprintf(at, sizeof(at), "offset %zu", c->offset);
		if (!strstr(e.detail, at) || !strstr(e.detail, c->detail))
			fail_msg("%s: detail \"%s\", want \"%s\" and \"%s\"", c->name, e.detail, at,
				 c->detail);
		if (strstr(e.detail, SECRET))
			fail_msg("%s: the detail shows the PIN", c->name);
		/* Nothing of a failed parse is left behind, a PIN least of all. */
		assert_memory_equal(&u, &zero, sizeof(u));
	}
}

/* ---- limits --------------------------------------------------------------- */

/* "pkcs11:name=prefix" followed by n copies of unit. */
static size_t build(char *buf, size_t cap, const char *name, const char *prefix,
		    const char *unit, size_t n)
{
	size_t len = (size_t)snprintf(buf, cap, "pkcs11:%s=%s", name, prefix);

	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s", unit);
	assert_true(len < cap);
	return len;
}

struct limit {
	const char *name; /* with a leading "?" for the query */
	size_t max;
	const char *unit; /* one byte of value, literal or encoded */
	const char *prefix; /* to make module-path absolute */
};

static const struct limit limits[] = {
	{"token", P11URI_TOKEN_MAX, "a", ""},
	{"token", P11URI_TOKEN_MAX, "%41", ""},
	{"manufacturer", P11URI_MANUFACTURER_MAX, "m", ""},
	{"model", P11URI_MODEL_MAX, "m", ""},
	{"serial", P11URI_SERIAL_MAX, "9", ""},
	{"library-manufacturer", P11URI_LIB_MANUF_MAX, "m", ""},
	{"library-description", P11URI_LIB_DESC_MAX, "d", ""},
	{"slot-description", P11URI_SLOT_DESC_MAX, "d", ""},
	{"slot-manufacturer", P11URI_SLOT_MANUF_MAX, "m", ""},
	{"object", P11URI_OBJECT_MAX, "%00", ""},
	{"id", P11URI_ID_MAX, "%FF", ""},
	{"?pin-value", P11URI_PIN_VALUE_MAX, "1", ""},
	{"?pin-source", P11URI_PATH_MAX, "p", ""},
	{"?module-name", P11URI_PATH_MAX, "n", ""},
	{"?module-path", P11URI_PATH_MAX - 1, "p", "/"},
};

static void test_limits(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		const struct limit *l = &limits[i];
		char buf[1024];
		struct p11uri u;
		struct sg_error e;

		print_message("  limit: %s (%zu bytes as %s)\n", l->name, l->max, l->unit);
		/* At the limit: accepted. One more byte: refused, naming it. */
		size_t len = build(buf, sizeof(buf), l->name, l->prefix, l->unit, l->max);
		if (parse_exact(buf, len, &u, &e))
			fail_msg("%s at the limit: %s", l->name, e.detail);
		len = build(buf, sizeof(buf), l->name, l->prefix, l->unit, l->max + 1);
		assert_int_equal(parse_exact(buf, len, &u, &e), SG_E_MALFORMED);
		assert_non_null(strstr(e.detail, "value longer than"));
		assert_non_null(strstr(e.detail, l->name[0] == '?' ? l->name + 1 : l->name));
	}
}

static void test_max_len(void **state)
{
	static char buf[P11URI_MAX_LEN + 2];
	struct p11uri u;
	struct sg_error e;

	(void)state;
	/* Vendor query attributes are ignored, so length is the only limit. */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "pkcs11:?x-pad=", 14);
	assert_int_equal(parse_exact(buf, P11URI_MAX_LEN, &u, &e), SG_OK);
	assert_int_equal(parse_exact(buf, P11URI_MAX_LEN + 1, &u, &e), SG_E_MALFORMED);
	assert_non_null(strstr(e.detail, "longer than 8192"));
	/* NULL with no length is just an empty input. */
	sg_error_init(&e);
	assert_int_equal(p11uri_parse(NULL, 0, &u, &e), SG_E_MALFORMED);
}

static void test_wipe(void **state)
{
	static const struct p11uri zero;
	struct p11uri u;
	struct sg_error e;

	(void)state;
	assert_int_equal(parse_exact(T("pkcs11:token=a?pin-value=1234"), &u, &e), SG_OK);
	assert_true(p11uri_has_pin_value(&u));
	p11uri_wipe(&u);
	assert_memory_equal(&u, &zero, sizeof(u));
	assert_false(p11uri_has_pin_value(&u));
}

/* ---- matching ------------------------------------------------------------- */

/* Copies s into a blank-padded PKCS#11 field. */
static void pad(unsigned char *field, size_t size, const char *s)
{
	size_t n = strlen(s);

	assert_true(n <= size);
	memset(field, ' ', size);
	memcpy(field, s, n);
}

static void make_token(CK_TOKEN_INFO *t, const char *label, const char *manuf, const char *model,
		       const char *serial)
{
	memset(t, 0, sizeof(*t));
	pad(t->label, sizeof(t->label), label);
	pad(t->manufacturerID, sizeof(t->manufacturerID), manuf);
	pad(t->model, sizeof(t->model), model);
	pad(t->serialNumber, sizeof(t->serialNumber), serial);
}

struct token_match {
	const char *uri;
	int want;
};

static const struct token_match token_matches[] = {
	{"pkcs11:", 1},
	{"pkcs11:token=Alice", 1},
	{"pkcs11:token=alice", 0}, /* values are case-sensitive */
	{"pkcs11:token=Alice%20", 1}, /* padding is not part of the value */
	{"pkcs11:token=Alic", 0},
	{"pkcs11:token=", 0},
	{"pkcs11:token=Alice;serial=0042", 1},
	{"pkcs11:token=Alice;serial=0043", 0},
	{"pkcs11:manufacturer=OpenSC%20Project;model=PKCS%2315%20emulated", 1},
	{"pkcs11:model=PKCS%2315", 0},
	{"pkcs11:token=Alice;x-vendor=1", 1},   /* vendor attributes are ignored */
	{"pkcs11:token=Alice;color=blue", 0},   /* unknown ones match nothing */
	{"pkcs11:object=other;type=cert", 1},   /* object attributes are not token's */
	{"pkcs11:token=Alice?pin-value=1", 1},
};

static void test_match_token(void **state)
{
	CK_TOKEN_INFO t;

	(void)state;
	make_token(&t, "Alice", "OpenSC Project", "PKCS#15 emulated", "0042");
	for (size_t i = 0; i < sizeof(token_matches) / sizeof(token_matches[0]); i++) {
		struct p11uri u;
		struct sg_error e;

		assert_int_equal(parse_exact(token_matches[i].uri, strlen(token_matches[i].uri),
					     &u, &e),
				 SG_OK);
		if (p11uri_match_token(&u, &t) != token_matches[i].want)
			fail_msg("%s: match %d", token_matches[i].uri, !token_matches[i].want);
	}
	/* A module that pads with NULs instead of blanks. */
	struct p11uri u;
	struct sg_error e;
	memset(t.label, 0, sizeof(t.label));
	memcpy(t.label, "Alice", 5);
	assert_int_equal(parse_exact(T("pkcs11:token=Alice"), &u, &e), SG_OK);
	assert_true(p11uri_match_token(&u, &t));
	/* A blank label matches only "token=". */
	pad(t.label, sizeof(t.label), "");
	assert_false(p11uri_match_token(&u, &t));
	assert_int_equal(parse_exact(T("pkcs11:token="), &u, &e), SG_OK);
	assert_true(p11uri_match_token(&u, &t));
	/* A full-width label, no padding at all. */
	pad(t.label, sizeof(t.label), "0123456789abcdef0123456789ABCDEF");
	assert_int_equal(parse_exact(T("pkcs11:token=0123456789abcdef0123456789ABCDEF"), &u, &e),
			 SG_OK);
	assert_true(p11uri_match_token(&u, &t));
}

struct object_match {
	const char *uri;
	size_t uri_len;
	CK_OBJECT_CLASS cls;
	struct bytes label, id;
	int want;
};

static const struct object_match object_matches[] = {
	{T("pkcs11:"), CKO_CERTIFICATE, B("x"), B("\x01"), 1},
	{T("pkcs11:type=cert"), CKO_CERTIFICATE, B("x"), B("\x01"), 1},
	{T("pkcs11:type=private"), CKO_CERTIFICATE, B("x"), B("\x01"), 0},
	{T("pkcs11:type=private"), CKO_PRIVATE_KEY, B("x"), B("\x01"), 1},
	{T("pkcs11:type=public"), CKO_PUBLIC_KEY, B(""), B(""), 1},
	{T("pkcs11:type=secret-key"), CKO_SECRET_KEY, B(""), B(""), 1},
	{T("pkcs11:type=data"), CKO_DATA, B(""), B(""), 1},
	{T("pkcs11:type=data"), CKO_CERTIFICATE, B(""), B(""), 0},
	{T("pkcs11:id=%01"), CKO_CERTIFICATE, B("x"), B("\x01"), 1},
	{T("pkcs11:id=%01"), CKO_CERTIFICATE, B("x"), B("\x01\x02"), 0},
	{T("pkcs11:id=%01%02"), CKO_CERTIFICATE, B("x"), B("\x01"), 0},
	{T("pkcs11:id="), CKO_CERTIFICATE, B("x"), B(""), 1},
	{T("pkcs11:id="), CKO_CERTIFICATE, B("x"), B("\x00"), 0},
	{T("pkcs11:object=Cert%20Auth"), CKO_CERTIFICATE, B("Cert Auth"), B(""), 1},
	{T("pkcs11:object=Cert%20Auth"), CKO_CERTIFICATE, B("Cert Auth "), B(""), 0},
	{T("pkcs11:object=a%00b"), CKO_CERTIFICATE, B("a\0b"), B(""), 1},
	{T("pkcs11:object=a%00b"), CKO_CERTIFICATE, B("a"), B(""), 0},
	{T("pkcs11:object=a;id=%00"), CKO_CERTIFICATE, B("a"), B("\0"), 1},
	{T("pkcs11:object=a;foo=1"), CKO_CERTIFICATE, B("a"), B(""), 0},
	{T("pkcs11:object=a;x-foo=1"), CKO_CERTIFICATE, B("a"), B(""), 1},
};

static void test_match_object(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(object_matches) / sizeof(object_matches[0]); i++) {
		const struct object_match *m = &object_matches[i];
		struct p11uri u;
		struct sg_error e;

		assert_int_equal(parse_exact(m->uri, m->uri_len, &u, &e), SG_OK);
		if (p11uri_match_object(&u, m->cls, (const unsigned char *)m->label.p, m->label.n,
					(const unsigned char *)m->id.p, m->id.n) != m->want)
			fail_msg("case %zu (%s): match %d", i, m->uri, !m->want);
	}
}

static void test_match_slot_and_library(void **state)
{
	CK_SLOT_INFO si;
	CK_INFO li;
	struct p11uri u;
	struct sg_error e;

	(void)state;
	memset(&si, 0, sizeof(si));
	pad(si.slotDescription, sizeof(si.slotDescription), "Virtual PCD 00 00");
	pad(si.manufacturerID, sizeof(si.manufacturerID), "OpenSC Project");
	memset(&li, 0, sizeof(li));
	pad(li.libraryDescription, sizeof(li.libraryDescription), "OpenSC smartcard framework");
	pad(li.manufacturerID, sizeof(li.manufacturerID), "OpenSC Project");
	li.libraryVersion.major = 0;
	li.libraryVersion.minor = 23;

	assert_int_equal(parse_exact(T("pkcs11:slot-id=3;slot-description=Virtual%20PCD%2000%2000"),
				     &u, &e),
			 SG_OK);
	assert_true(p11uri_match_slot(&u, 3, &si));
	assert_false(p11uri_match_slot(&u, 4, &si));
	assert_true(p11uri_match_library(&u, &li)); /* no library attributes */
	assert_int_equal(parse_exact(T("pkcs11:slot-manufacturer=OpenSC"), &u, &e), SG_OK);
	assert_false(p11uri_match_slot(&u, 0, &si));

	assert_int_equal(parse_exact(T("pkcs11:library-manufacturer=OpenSC%20Project;"
				       "library-version=0.23"),
				     &u, &e),
			 SG_OK);
	assert_true(p11uri_match_library(&u, &li));
	assert_true(p11uri_match_slot(&u, 7, &si));
	assert_int_equal(parse_exact(T("pkcs11:library-version=0"), &u, &e), SG_OK);
	assert_false(p11uri_match_library(&u, &li)); /* "0" is 0.0 */
	li.libraryVersion.minor = 0;
	assert_true(p11uri_match_library(&u, &li));
	assert_int_equal(parse_exact(T("pkcs11:library-description=OpenSC%20smartcard%20framework"),
				     &u, &e),
			 SG_OK);
	assert_true(p11uri_match_library(&u, &li));

	/* An unrecognised attribute: nothing matches, at any level. */
	CK_TOKEN_INFO t;
	make_token(&t, "a", "b", "c", "d");
	assert_int_equal(parse_exact(T("pkcs11:future-attribute=1"), &u, &e), SG_OK);
	assert_false(p11uri_match_library(&u, &li));
	assert_false(p11uri_match_slot(&u, 0, &si));
	assert_false(p11uri_match_token(&u, &t));
	assert_false(p11uri_match_object(&u, CKO_CERTIFICATE, NULL, 0, NULL, 0));
}

/* ---- formatting ----------------------------------------------------------- */

static void test_format_token(void **state)
{
	CK_TOKEN_INFO t;
	char buf[512];

	(void)state;
	make_token(&t, "Alice's card; #1", "OpenSC Project", "PKCS#15 emulated", "0042");
	size_t n = p11uri_format_token(buf, sizeof(buf), &t);
	assert_string_equal(buf, "pkcs11:model=PKCS%2315%20emulated;manufacturer=OpenSC%20Project;"
				 "serial=0042;token=Alice's%20card%3B%20%231");
	assert_int_equal(n, strlen(buf));

	/* Every byte value, 32 at a time, survives format then parse. */
	for (unsigned base = 0; base < 256; base += 32) {
		struct p11uri u;
		struct sg_error e;

		make_token(&t, "", "m", "", "s");
		for (unsigned i = 0; i < 32; i++)
			t.label[i] = (unsigned char)(base + i);
		t.label[31] = 'z'; /* so that no trailing blank or NUL is trimmed */
		n = p11uri_format_token(buf, sizeof(buf), &t);
		assert_true(n < sizeof(buf));
		assert_int_equal(parse_exact(buf, n, &u, &e), SG_OK);
		assert_int_equal(u.token_len, 32);
		assert_memory_equal(u.token, t.label, 32);
		assert_true(p11uri_match_token(&u, &t));
	}
}

static void test_format_object(void **state)
{
	static const unsigned char label[] = "my key;?&=%/|\0end";
	unsigned char id[P11URI_ID_MAX];
	CK_TOKEN_INFO t;
	char buf[1024];
	struct p11uri u;
	struct sg_error e;

	(void)state;
	for (size_t i = 0; i < sizeof(id); i++)
		id[i] = (unsigned char)(i * 37 + 11);
	make_token(&t, "Alice", "SoftHSM project", "SoftHSM v2", "1f2e");
	size_t n = p11uri_format_object(buf, sizeof(buf), &t, "cert", label, sizeof(label) - 1, id,
					sizeof(id));
	assert_int_equal(n, strlen(buf));
	assert_int_equal(parse_exact(buf, n, &u, &e), SG_OK);
	assert_true(p11uri_match_token(&u, &t));
	assert_true(p11uri_match_object(&u, CKO_CERTIFICATE, label, sizeof(label) - 1, id,
					sizeof(id)));
	assert_false(p11uri_match_object(&u, CKO_PRIVATE_KEY, label, sizeof(label) - 1, id,
					 sizeof(id)));

	/* id always as %XX, even when the bytes are letters. */
	n = p11uri_format_object(buf, sizeof(buf), NULL, NULL, NULL, 0,
				 (const unsigned char *)"AB", 2);
	assert_string_equal(buf, "pkcs11:id=%41%42");
	assert_int_equal(n, 16);
	size_t n2 = p11uri_format_object(buf, sizeof(buf), NULL, p11uri_type_name(CKO_PRIVATE_KEY),
					 (const unsigned char *)"k", 1, NULL, 0);
	assert_string_equal(buf, "pkcs11:object=k;type=private");
	assert_int_equal(n2, strlen(buf));
	assert_null(p11uri_type_name(CKO_VENDOR_DEFINED));
}

/* Every buffer size cuts cleanly and reports the full length. */
static void test_format_truncation(void **state)
{
	CK_TOKEN_INFO t;
	char full[256], small[256];

	(void)state;
	make_token(&t, "Alice", "m", "x", "1");
	size_t need = p11uri_format_object(full, sizeof(full), &t, "cert",
					   (const unsigned char *)"lbl", 3,
					   (const unsigned char *)"\x01", 1);
	assert_int_equal(need, strlen(full));
	for (size_t cap = 0; cap <= need + 1; cap++) {
		memset(small, '#', sizeof(small));
		size_t got = p11uri_format_object(cap ? small : NULL, cap, &t, "cert",
						  (const unsigned char *)"lbl", 3,
						  (const unsigned char *)"\x01", 1);
		assert_int_equal(got, need);
		if (!cap)
			continue;
		size_t kept = cap - 1 < need ? cap - 1 : need;
		assert_int_equal(strlen(small), kept);
		assert_memory_equal(small, full, kept);
		assert_int_equal(small[cap], '#'); /* nothing written past cap */
	}
	assert_int_equal(p11uri_format_token(NULL, 0, &t), strlen("pkcs11:model=x;manufacturer=m;"
								  "serial=1;token=Alice"));
}

/* parse(format(parse(x))) == parse(x), field by field, pin-value aside. */
static void test_format_roundtrip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct p11uri a, b;
		struct sg_error e;
		char buf[2048];

		assert_int_equal(parse_exact(c->in, c->len, &a, &e), SG_OK);
		size_t n = p11uri_format(buf, sizeof(buf), &a);
		assert_true(n < sizeof(buf));
		assert_null(strstr(buf, "pin-value"));
		if (parse_exact(buf, n, &b, &e) != SG_OK)
			fail_msg("%s: \"%s\": %s", c->name, buf, e.detail);
		/* What the formatter cannot carry. */
		a.present &= ~P11URI_BIT(P11URI_PIN_VALUE);
		memset(a.pin_value, 0, sizeof(a.pin_value));
		a.unrecognized = 0;
		if (memcmp(&a, &b, sizeof(a)))
			fail_msg("%s: \"%s\" parses differently", c->name, buf);
	}
}

/* ---- differential: p11-kit ------------------------------------------------ */

enum ours { O_OK, O_UNREC, O_ERR };
enum kit { K_OK, K_UNREC, K_ERR };

struct diff_case {
	const char *in;
	enum ours ours;
	enum kit kit;
	int fields_differ; /* both parse but read different fields (see why) */
	const char *why;   /* the intended difference, when there is one */
};

static const struct diff_case diff_cases[] = {
	/* Agreement. */
	{"pkcs11:", O_OK, K_OK, 0, NULL},
	{"pkcs11:object=my-pubkey;type=public", O_OK, K_OK, 0, NULL},
	{"pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;"
	 "model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial="
	 "?pin-source=file:/etc/token_pin",
	 O_OK, K_OK, 0, NULL},
	{"pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert",
	 O_OK, K_OK, 0, NULL},
	{"pkcs11:token=small%20A%20with%20acute:%20%C3%A1;type=cert", O_OK, K_OK, 0, NULL},
	{"pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a"
	 "?pin-source=file:/etc/token_pin&vendor-bbb=value-b",
	 O_UNREC, K_UNREC, 0, NULL},
	{"pkcs11:serial=0042;id=%ab%CD", O_OK, K_OK, 0, NULL},
	{"pkcs11:object=a%00b;type=private", O_OK, K_OK, 0, NULL},
	{"pkcs11:type=secret-key", O_OK, K_OK, 0, NULL},
	{"pkcs11:type=data;id=", O_OK, K_OK, 0, NULL},
	{"pkcs11:token=a;future=1", O_UNREC, K_UNREC, 0, NULL},
	{"pkcs11:token=a;pin-value=1234", O_OK, K_OK, 0, NULL},
	{"pkcs11:slot-id=5;slot-description=x", O_OK, K_OK, 0, NULL},
	{"pkcs11:library-version=1.23", O_OK, K_OK, 0, NULL},
	{"pkcs11:?module-path=/usr/lib/softhsm/libsofthsm2.so&x-a=1&x-a=2", O_OK, K_OK, 0, NULL},
	{"pkcs11:token=%4", O_ERR, K_ERR, 0, NULL},
	{"pkcs11:token=%zz", O_ERR, K_ERR, 0, NULL},
	{"pkcs11:token", O_ERR, K_ERR, 0, NULL},
	{"pkcs11:=a", O_ERR, K_ERR, 0, NULL},
	{"http:token=a", O_ERR, K_ERR, 0, NULL},
	{"pkcs11:library-version=1.", O_ERR, K_ERR, 0, NULL},
	{"pkcs11:library-version=x", O_ERR, K_ERR, 0, NULL},
	{"pkcs11:slot-id=x", O_ERR, K_ERR, 0, NULL},
	{"pkcs11:?pin-source", O_ERR, K_ERR, 0, NULL},
	/* Intended differences. */
	{"pkcs11:x-vendor=1;token=a", O_OK, K_UNREC, 0,
	 "vendor x- path attributes are ignored here; p11-kit treats them as unknown"},
	{"PKCS11:token=a", O_OK, K_OK, 0, NULL}, /* p11-kit 0.24 folds the scheme's case too */
	{"pkcs11:Token=a", O_OK, K_UNREC, 1,
	 "attribute names are ABNF literals, case-insensitive (RFC 5234 2.3); p11-kit "
	 "compares them exactly"},
	{"pkcs11:token=a;token=b", O_ERR, K_OK, 0,
	 "a duplicate path attribute is refused (RFC 7512 2.3 MUST NOT); p11-kit keeps the last"},
	{"pkcs11:?module-name=a&module-name=b", O_ERR, K_OK, 0,
	 "a duplicate standard query attribute is refused; p11-kit keeps the last"},
	{"pkcs11:type=certificate", O_ERR, K_UNREC, 0,
	 "an unknown type is malformed here; p11-kit marks the URI unrecognised"},
	{"pkcs11:type=secretkey", O_ERR, K_OK, 0,
	 "p11-kit also accepts the pre-RFC spelling secretkey"},
	{"pkcs11:objecttype=cert", O_UNREC, K_OK, 1,
	 "p11-kit also accepts the pre-RFC names objecttype and object-type"},
	{"pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;"
	 "object=my-certificate;type=cert",
	 O_ERR, K_UNREC, 0,
	 "RFC 7512's own UTF-8 example: its 34-byte label cannot be a CK_TOKEN_INFO label; "
	 "malformed here, unrecognised (matches nothing) in p11-kit"},
	{"pkcs11:token=0123456789abcdef0123456789abcdefX", O_ERR, K_UNREC, 0,
	 "a value longer than its PKCS#11 field is malformed here; p11-kit marks the URI "
	 "unrecognised"},
	{"pkcs11:slot-id=", O_ERR, K_OK, 0, "p11-kit reads an empty slot-id as 0"},
	{"pkcs11:library-version=255", O_OK, K_ERR, 0,
	 "255 is a valid CK_BYTE; p11-kit reserves it as its \"any version\" marker"},
	{"pkcs11:token=a%20b c", O_ERR, K_OK, 1,
	 "white space must be encoded (RFC 3986); p11-kit strips it"},
	{"pkcs11:object=a/b", O_ERR, K_OK, 0,
	 "'/' is not a pk11-pchar; p11-kit takes any byte as itself"},
	{"pkcs11:token=a;", O_ERR, K_OK, 0, "an empty attribute is not in the RFC's grammar"},
	{"pkcs11:?", O_ERR, K_OK, 0, "an empty query is not in the RFC's grammar"},
	{"pkcs11:?pin-source=a&pin-value=b", O_ERR, K_OK, 0,
	 "RFC 7512 2.4: a URI with both should be refused"},
	{"pkcs11:?module-path=libx.so", O_ERR, K_OK, 0,
	 "RFC 7512 2.4: a relative module-path should be refused"},
	{"pkcs11:?pin-value=1%002", O_ERR, K_OK, 0,
	 "query values are C strings; p11-kit cuts them at the NUL"},
};

static void compare_padded(const char *what, const struct p11uri *u, enum p11uri_attr a,
			   const unsigned char *ours, size_t ours_n, const unsigned char *kit,
			   size_t kit_n)
{
	int kit_has = kit[0] != 0; /* p11-kit's "absent": a field of zeros */

	if (kit_has != ((u->present & P11URI_BIT(a)) != 0))
		fail_msg("%s: presence differs", what);
	while (kit_n && kit[kit_n - 1] == ' ')
		kit_n--;
	if (kit_has && (ours_n != kit_n || memcmp(ours, kit, kit_n)))
		fail_msg("%s: value differs", what);
}

static void compare_attr(const char *what, const struct p11uri *u, enum p11uri_attr a,
			 const void *ours, size_t ours_n, P11KitUri *k, CK_ATTRIBUTE_TYPE type)
{
	CK_ATTRIBUTE *attr = p11_kit_uri_get_attribute(k, type);

	if ((attr != NULL) != ((u->present & P11URI_BIT(a)) != 0))
		fail_msg("%s: presence differs", what);
	if (attr && (attr->ulValueLen != ours_n || (ours_n && memcmp(attr->pValue, ours, ours_n))))
		fail_msg("%s: value differs", what);
}

static void compare_with_kit(const struct p11uri *u, P11KitUri *k)
{
	CK_TOKEN_INFO *t = p11_kit_uri_get_token_info(k);

	compare_padded("token", u, P11URI_TOKEN, u->token, u->token_len, t->label,
		       sizeof(t->label));
	compare_padded("serial", u, P11URI_SERIAL, u->serial, u->serial_len, t->serialNumber,
		       sizeof(t->serialNumber));
	compare_padded("manufacturer", u, P11URI_MANUFACTURER, u->manufacturer,
		       u->manufacturer_len, t->manufacturerID, sizeof(t->manufacturerID));
	compare_padded("model", u, P11URI_MODEL, u->model, u->model_len, t->model,
		       sizeof(t->model));
	compare_attr("object", u, P11URI_OBJECT, u->object, u->object_len, k, CKA_LABEL);
	compare_attr("id", u, P11URI_ID, u->id, u->id_len, k, CKA_ID);
	compare_attr("type", u, P11URI_TYPE, &u->type, sizeof(u->type), k, CKA_CLASS);
	if (p11_kit_uri_get_pin_value(k) &&
	    strcmp(p11_kit_uri_get_pin_value(k), u->pin_value) != 0)
		fail_msg("pin-value differs");
	if (p11_kit_uri_get_module_path(k) &&
	    strcmp(p11_kit_uri_get_module_path(k), u->module_path) != 0)
		fail_msg("module-path differs");
	if ((u->present & P11URI_BIT(P11URI_SLOT_ID)) &&
	    p11_kit_uri_get_slot_id(k) != u->slot_id)
		fail_msg("slot-id differs");
}

static void test_differential_p11kit(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(diff_cases) / sizeof(diff_cases[0]); i++) {
		const struct diff_case *c = &diff_cases[i];
		P11KitUri *k = p11_kit_uri_new();
		struct p11uri u;
		struct sg_error e;
		enum ours ours;
		enum kit kit;

		assert_non_null(k);
		print_message("  p11-kit: %s%s%s\n", c->in, c->why ? " -- " : "",
			      c->why ? c->why : "");
		if (parse_exact(c->in, strlen(c->in), &u, &e) != SG_OK)
			ours = O_ERR;
		else
			ours = u.unrecognized ? O_UNREC : O_OK;
		if (p11_kit_uri_parse(c->in, P11_KIT_URI_FOR_ANY, k) != P11_KIT_URI_OK)
			kit = K_ERR;
		else
			kit = p11_kit_uri_any_unrecognized(k) ? K_UNREC : K_OK;
		if (ours != c->ours)
			fail_msg("%s: ours %d, want %d (%s)", c->in, ours, c->ours, e.detail);
		if (kit != c->kit)
			fail_msg("%s: p11-kit %d, want %d", c->in, kit, c->kit);
		/* Agreement on accept/reject is the rule; a row that differs must
		 * say why. */
		if (((ours == O_ERR) != (kit == K_ERR) || (ours == O_UNREC) != (kit == K_UNREC)) &&
		    !c->why)
			fail_msg("%s: undocumented difference", c->in);
		if (ours != O_ERR && kit != K_ERR && !c->fields_differ)
			compare_with_kit(&u, k);
		p11_kit_uri_free(k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_max_len),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_match_token),
		cmocka_unit_test(test_match_object),
		cmocka_unit_test(test_match_slot_and_library),
		cmocka_unit_test(test_format_token),
		cmocka_unit_test(test_format_object),
		cmocka_unit_test(test_format_truncation),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_differential_p11kit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
