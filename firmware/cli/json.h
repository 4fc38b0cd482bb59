/*
 * json.h: a minimal streaming JSON writer for --json output (objects,
 * arrays, strings with full escaping, integers, booleans). The caller
 * keeps the nesting right; commas are inserted automatically. Every JSON
 * document signet prints is written with it.
 *
 * The output is always valid UTF-8 and valid JSON, whatever bytes a
 * string holds: control bytes are escaped, and bytes that are not
 * well-formed UTF-8 (a Latin-1 name, overlong forms, surrogates, a
 * truncated sequence, 0xFE/0xFF) become U+FFFD, one per maximal ill-formed
 * subpart (as Python's and WHATWG's decoders count them).
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	int first[JSON_MAX_DEPTH]; /* no member written yet at this level */
	int pending_key;           /* a key was written; the value comes next */
};

void json_init(struct json *j, FILE *f);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t n);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
void json_hex(struct json *j, const uint8_t *b, size_t n);
/* Ends the document with a newline. */
void json_end(struct json *j);

#endif
