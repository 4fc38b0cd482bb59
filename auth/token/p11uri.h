/*
 * p11uri.h: PKCS#11 URIs (RFC 7512): parse, match, format.
 *
 * A URI picks a library, a slot, a token and objects on it, e.g.
 *
 *     pkcs11:token=Alice;id=%01;type=cert
 *
 * Portable core code: no OS headers and no allocation. Every value is held in
 * a fixed buffer of the size PKCS#11 gives the field it is matched against;
 * a longer value cannot match anything and is refused as malformed.
 *
 * Semantics chosen (RFC 7512 and p11-kit compared; tests/unit/test_p11uri.c
 * checks them, including against p11-kit's own parser):
 *   - The scheme and the attribute names are compared without regard to ASCII
 *     case (RFC 3986 3.1; RFC 5234 2.3 makes ABNF literals case-insensitive),
 *     so "PIN-VALUE" is the pin-value attribute and never slips past
 *     p11uri_has_pin_value(). p11-kit (0.24) folds the scheme's case but
 *     compares attribute names exactly.
 *   - A path attribute may appear only once (RFC 7512 2.3 "MUST NOT contain
 *     duplicate attributes ... in the path"); a duplicate is malformed.
 *     p11-kit keeps the last one. Standard query attributes may appear once;
 *     other query attributes may repeat (RFC 7512 2.4 leaves those to the
 *     consumer) and are ignored.
 *   - An unrecognised path attribute (a name RFC 7512 does not define, e.g.
 *     from a newer revision) is syntax-checked and recorded in
 *     `unrecognized`; every p11uri_match_*() then returns 0, so such a URI
 *     selects nothing rather than more than its author meant (RFC 7512 2.5,
 *     p11-kit's "unrecognized" flag). Vendor attributes, named "x-...", are
 *     syntax-checked and ignored: they narrow a search only for the vendor
 *     that defined them (p11-kit would treat them as unrecognised).
 *   - pin-source and pin-value are also accepted in the path, as p11-kit
 *     does for URIs written against early drafts; they are then treated as
 *     the query attributes, so a PIN written there is still detected.
 *   - A URI with both pin-source and pin-value, or a relative module-path,
 *     is malformed (RFC 7512 2.4: the consumer should refuse it).
 *   - Values are percent-decoded with strict %XX (either case of hex digit);
 *     a character the component does not admit unencoded (including white
 *     space, which p11-kit silently strips) is malformed. slot-id and
 *     library-version are bare decimal digits; type is one of cert, private,
 *     public, secret-key, data (any case; p11-kit's "secretkey" is not
 *     accepted). id and object may hold any byte, %00 included; the query
 *     values are C strings handed to the OS, so %00 is refused there.
 *   - An empty path is fine ("pkcs11:" matches everything); an empty
 *     attribute (";;", a trailing ';' or '&', a '?' with nothing after it)
 *     is malformed, as in the RFC's grammar.
 *
 * Error details name the attribute and the byte offset, never a value: the
 * pin-value is a secret, and a URI that fails to parse may have its PIN
 * anywhere.
 */
#ifndef P11URI_H
#define P11URI_H

#include <stddef.h>

#include <p11-kit/pkcs11.h>

#include "sg_err.h"

/* Longest URI text accepted. Every field percent-encoded at its limit fits
 * well within this; the bound keeps the duplicate checks cheap. */
#define P11URI_MAX_LEN 8192

/* Field sizes: those of the PKCS#11 structures the fields are matched
 * against; object, id and the query values are bounded by this project. */
#define P11URI_TOKEN_MAX 32         /* CK_TOKEN_INFO.label */
#define P11URI_MANUFACTURER_MAX 32  /* CK_TOKEN_INFO.manufacturerID */
#define P11URI_MODEL_MAX 16         /* CK_TOKEN_INFO.model */
#define P11URI_SERIAL_MAX 16        /* CK_TOKEN_INFO.serialNumber */
#define P11URI_LIB_MANUF_MAX 32     /* CK_INFO.manufacturerID */
#define P11URI_LIB_DESC_MAX 32      /* CK_INFO.libraryDescription */
#define P11URI_SLOT_DESC_MAX 64     /* CK_SLOT_INFO.slotDescription */
#define P11URI_SLOT_MANUF_MAX 32    /* CK_SLOT_INFO.manufacturerID */
#define P11URI_OBJECT_MAX 128       /* CKA_LABEL */
#define P11URI_ID_MAX 64            /* CKA_ID */
#define P11URI_PIN_VALUE_MAX 64     /* same as PIN_MAX_LEN */
#define P11URI_PATH_MAX 255         /* pin-source, module-name, module-path */

/* Bits of struct p11uri.present, one per attribute. */
enum p11uri_attr {
	P11URI_TOKEN,
	P11URI_MANUFACTURER,
	P11URI_MODEL,
	P11URI_SERIAL,
	P11URI_LIB_MANUFACTURER,
	P11URI_LIB_DESCRIPTION,
	P11URI_LIB_VERSION,
	P11URI_SLOT_DESCRIPTION,
	P11URI_SLOT_MANUFACTURER,
	P11URI_SLOT_ID,
	P11URI_OBJECT,
	P11URI_ID,
	P11URI_TYPE,
	P11URI_PIN_SOURCE,
	P11URI_PIN_VALUE,
	P11URI_MODULE_NAME,
	P11URI_MODULE_PATH,
	P11URI__COUNT
};

#define P11URI_BIT(a) (1u << (a))

/* A parsed URI. Fields are valid only when their bit is set in `present`.
 * Byte fields carry their length (object and id may contain NULs); the
 * query values are NUL-terminated C strings. */
struct p11uri {
	unsigned present;  /* P11URI_BIT(P11URI_...) of each attribute given */
	int unrecognized;  /* an unknown (non-vendor) path attribute: matches nothing */

	unsigned char token[P11URI_TOKEN_MAX];
	size_t token_len;
	unsigned char manufacturer[P11URI_MANUFACTURER_MAX];
	size_t manufacturer_len;
	unsigned char model[P11URI_MODEL_MAX];
	size_t model_len;
	unsigned char serial[P11URI_SERIAL_MAX];
	size_t serial_len;

	unsigned char lib_manufacturer[P11URI_LIB_MANUF_MAX];
	size_t lib_manufacturer_len;
	unsigned char lib_description[P11URI_LIB_DESC_MAX];
	size_t lib_description_len;
	CK_VERSION lib_version; /* minor 0 when the URI gave only the major */

	unsigned char slot_description[P11URI_SLOT_DESC_MAX];
	size_t slot_description_len;
	unsigned char slot_manufacturer[P11URI_SLOT_MANUF_MAX];
	size_t slot_manufacturer_len;
	CK_SLOT_ID slot_id;

	unsigned char object[P11URI_OBJECT_MAX];
	size_t object_len;
	unsigned char id[P11URI_ID_MAX];
	size_t id_len;
	CK_OBJECT_CLASS type;

	char pin_source[P11URI_PATH_MAX + 1];
	char pin_value[P11URI_PIN_VALUE_MAX + 1]; /* a secret: p11uri_wipe() when done */
	char module_name[P11URI_PATH_MAX + 1];
	char module_path[P11URI_PATH_MAX + 1];
};

/* Parses the len bytes at s (not NUL-terminated; never read past len) into
 * *out. On failure returns SG_E_MALFORMED with a detail naming the attribute
 * and the byte offset (never a value), and leaves *out wiped (all zero).
 * s may be NULL when len is 0. */
sg_err p11uri_parse(const char *s, size_t len, struct p11uri *out, struct sg_error *e);

/* 1 when the URI carries a pin-value (in the query or, for old drafts, the
 * path), so that the CLI can refuse a PIN given on the command line. */
int p11uri_has_pin_value(const struct p11uri *u);

/* Clears *u, wiping the pin-value so that it does not linger in memory. */
void p11uri_wipe(struct p11uri *u);

/* Matchers: 1 when every attribute of the URI for that level equals the
 * PKCS#11 structure's, 0 otherwise. An attribute absent from the URI
 * matches anything; a URI with an unrecognised path attribute matches
 * nothing. Blank-padded fields are compared after trimming trailing spaces
 * on both sides, as PKCS#11 pads with blanks. */
/* library-manufacturer, library-description, library-version vs CK_INFO. */
int p11uri_match_library(const struct p11uri *u, const CK_INFO *info);
/* slot-id, slot-description, slot-manufacturer vs the slot. */
int p11uri_match_slot(const struct p11uri *u, CK_SLOT_ID slot, const CK_SLOT_INFO *info);
/* token, manufacturer, model, serial vs CK_TOKEN_INFO. */
int p11uri_match_token(const struct p11uri *u, const CK_TOKEN_INFO *info);
/* type vs CKA_CLASS, object vs CKA_LABEL, id vs CKA_ID; label and id are
 * compared byte for byte (they are not padded). label or id may be NULL
 * when their length is 0. */
int p11uri_match_object(const struct p11uri *u, CK_OBJECT_CLASS cls, const unsigned char *label,
			size_t label_len, const unsigned char *id, size_t id_len);

/* The RFC 7512 name of an object class ("cert", "private", ...), or NULL
 * for a class the URI scheme cannot name. */
const char *p11uri_type_name(CK_OBJECT_CLASS cls);

/* Formatters. Each writes a canonical URI into buf (cap bytes, always
 * NUL-terminated when cap > 0, cut when too small) and returns the length
 * the whole URI needs without the NUL, like snprintf: the output is complete
 * when the result is < cap. Canonical: attributes in a fixed order, padding
 * trimmed, every byte outside RFC 7512's unencoded set (pk11-pchar in the
 * path, pk11-qchar in the query) written as %XX with upper-case hex digits,
 * id always as %XX. Parsing the result gives the same fields back. */

/* "pkcs11:model=..;manufacturer=..;serial=..;token=.." for a token. */
size_t p11uri_format_token(char *buf, size_t cap, const CK_TOKEN_INFO *info);

/* The token's URI (info may be NULL to leave the token out) followed by
 * id, object and type for one object. type is an RFC 7512 type name (see
 * p11uri_type_name()) or NULL to leave it out; label or id NULL leaves that
 * attribute out. */
size_t p11uri_format_object(char *buf, size_t cap, const CK_TOKEN_INFO *info, const char *type,
			    const unsigned char *label, size_t label_len,
			    const unsigned char *id, size_t id_len);

/* Every attribute present in *u, in canonical form, except pin-value (a
 * secret is never written out). Unrecognised and vendor attributes are not
 * kept by the parser, so they are not written either. */
size_t p11uri_format(char *buf, size_t cap, const struct p11uri *u);

#endif
