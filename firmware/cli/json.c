/* json.c: see json.h. */
#include "json.h"
#include "sg_hex.h"

#include <inttypes.h>
#include <string.h>

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = 1;
	j->pending_key = 0;
}

/* Writes the separator a new value or key needs at this level. */
static void json_sep(struct json *j)
{
	if (j->pending_key) {
		j->pending_key = 0;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = 0;
}

static void json_open(struct json *j, char c)
{
	json_sep(j);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = 1;
}

static void json_close(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_obj_begin(struct json *j)
{
	json_open(j, '{');
}

void json_obj_end(struct json *j)
{
	json_close(j, '}');
}

void json_arr_begin(struct json *j)
{
	json_open(j, '[');
}

void json_arr_end(struct json *j)
{
	json_close(j, ']');
}

/* The bytes at s[0..n) that make one UTF-8 character (RFC 3629; Unicode
 * table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
 * Returns how many bytes were taken: the whole character (*ok = 1), or
 * the maximal subpart of an ill-formed one (*ok = 0, at least one byte),
 * which is replaced by one U+FFFD, as Unicode recommends and as Python's
 * and browsers' decoders do. s[0] >= 0x80. */
static size_t utf8_take(const unsigned char *s, size_t n, int *ok)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0; /* overlong below U+0800 */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates U+D800..U+DFFF */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90; /* overlong below U+10000 */
		else if (c == 0xF4)
			hi = 0x8F; /* above U+10FFFF */
	} else {
		*ok = 0; /* a continuation byte alone, C0, C1, F5..FF */
		return 1;
	}
	for (i = 1; i < len && i < n; i++) {
		unsigned char b = s[i];

		if (i == 1 ? b < lo || b > hi : b < 0x80 || b > 0xBF)
			break;
	}
	*ok = i == len;
	return i;
}

/* A JSON string that is always valid UTF-8, whatever the bytes: quote and
 * backslash escaped, control bytes and DEL as six-character escapes,
 * well-formed UTF-8 as it is, anything else as U+FFFD (certificates carry names in any encoding;
 * a Latin-1 byte in a subjectAltName must not make the whole output
 * unreadable to a JSON parser). */
static void json_raw_str(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	fputc('"', f);
	while (i < n) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, f);
			i++;
		} else {
			int ok;
			size_t k = utf8_take(p + i, n - i, &ok);

			if (ok)
				fwrite(p + i, 1, k, f);
			else
				fputs("\\ufffd", f);
			i += k;
		}
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_raw_str(j->f, key, strlen(key));
	fputc(':', j->f);
	j->pending_key = 1;
}

void json_strn(struct json *j, const char *s, size_t n)
{
	json_sep(j);
	json_raw_str(j->f, s, n);
}

void json_str(struct json *j, const char *s)
{
	json_strn(j, s, strlen(s));
}

void json_int(struct json *j, int64_t v)
{
	json_sep(j);
	fprintf(j->f, "%" PRId64, v);
}

void json_bool(struct json *j, int v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	json_sep(j);
	fputs("null", j->f);
}

void json_hex(struct json *j, const uint8_t *b, size_t n)
{
	json_sep(j);
	fputc('"', j->f);
	for (size_t i = 0; i < n; i++) {
		char h[3];

		sg_hex_encode(&b[i], 1, h, sizeof(h), 0);
		fputs(h, j->f);
	}
	fputc('"', j->f);
}

void json_end(struct json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}
