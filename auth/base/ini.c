/* ini.c: strict, allocation-free parser of signet's configuration format. */
#include "ini.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

/* A piece of the input: never NUL-terminated, never read past n. */
struct span {
	const char *p;
	size_t n;
};

struct ini_ctx {
	ini_entry_h h;
	void *arg;
	struct sg_error *e;
	unsigned line;
	char section[INI_MAX_NAME + 1];
	char key[INI_MAX_NAME + 1]; /* "" until the line's key is known */
	char value[INI_MAX_VALUE + 1];
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static struct span trim(struct span s)
{
	while (s.n > 0 && is_blank(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

static struct span span_from(struct span s, size_t off)
{
	struct span r = {s.p + off, s.n - off};

	return r;
}

/* Records "line N: [section] key: <msg>" (the part in brackets only once
 * the key is known). Callers format names and counts, never a value. */
static sg_err ini_fail(struct ini_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static sg_err ini_fail(struct ini_ctx *c, const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!c->key[0])
		return sg_error_set(c->e, SG_E_CONFIG, "line %u: %s", c->line, msg);
	if (!c->section[0])
		return sg_error_set(c->e, SG_E_CONFIG, "line %u: %s: %s", c->line, c->key, msg);
	return sg_error_set(c->e, SG_E_CONFIG, "line %u: [%s] %s: %s", c->line, c->section,
			    c->key, msg);
}

/* NUL and control bytes are refused up front: they are never meant in a
 * text file, and a lone CR (old Mac line ends) would otherwise glue lines
 * together silently. */
static sg_err check_bytes(struct ini_ctx *c, struct span s)
{
	if (memchr(s.p, '\0', s.n))
		return ini_fail(c, "NUL byte in file (is this a text file?)");
	for (size_t i = 0; i < s.n; i++) {
		unsigned char b = (unsigned char)s.p[i];

		if ((b < 0x20 && b != '\t') || b == 0x7f)
			return ini_fail(c, "control character 0x%02x (only tab is allowed)", b);
	}
	if (s.n > INI_MAX_LINE)
		return ini_fail(c, "line too long (more than %d bytes)", INI_MAX_LINE);
	return SG_OK;
}

/* Copies a section or key name into out (INI_MAX_NAME + 1 bytes). The
 * name itself is not quoted in errors: a malformed one may be a value
 * typed on the wrong line. */
static sg_err parse_name(struct ini_ctx *c, struct span s, char *out, const char *what)
{
	if (s.n == 0)
		return ini_fail(c, "empty %s name", what);
	if (s.n > INI_MAX_NAME)
		return ini_fail(c, "%s name longer than %d characters", what, INI_MAX_NAME);
	for (size_t i = 0; i < s.n; i++)
		if (!is_name_char(s.p[i]))
			return ini_fail(c, "%s name may only contain A-Z a-z 0-9 _ . -", what);
	memcpy(out, s.p, s.n);
	out[s.n] = '\0';
	return SG_OK;
}

/* "[name]", already trimmed; s.p[0] == '['. */
static sg_err parse_section(struct ini_ctx *c, struct span s)
{
	const char *close = memchr(s.p, ']', s.n);

	if (!close)
		return ini_fail(c, "unterminated section header (missing ']')");
	size_t inner = (size_t)(close - s.p);
	struct span name = {s.p + 1, inner - 1};

	if (trim(span_from(s, inner + 1)).n)
		return ini_fail(c, "unexpected text after the section header "
				   "(comments go on a line of their own)");
	return parse_name(c, trim(name), c->section, "section");
}

/* A quoted value; s.p[0] == '"'. Only \" and \\ are escapes, so that a
 * Windows-style path in quotes is an error rather than a surprise. */
static sg_err parse_quoted(struct ini_ctx *c, struct span s)
{
	size_t o = 0;

	for (size_t i = 1; i < s.n; i++) {
		char ch = s.p[i];

		if (ch == '"') {
			if (trim(span_from(s, i + 1)).n)
				return ini_fail(c, "unexpected text after the closing quote");
			c->value[o] = '\0';
			return SG_OK;
		}
		if (ch == '\\') {
			if (++i == s.n)
				break;
			ch = s.p[i];
			if (ch != '"' && ch != '\\')
				return ini_fail(c, "bad escape in quoted value "
						   "(only \\\" and \\\\ are allowed)");
		}
		if (o == INI_MAX_VALUE)
			return ini_fail(c, "value longer than %d bytes", INI_MAX_VALUE);
		c->value[o++] = ch;
	}
	return ini_fail(c, "unterminated quote (missing closing '\"')");
}

/* An unquoted value, already trimmed. A '#' or ';' after a blank is
 * refused: it is almost surely a comment the user expects to be dropped. */
static sg_err parse_plain(struct ini_ctx *c, struct span s)
{
	for (size_t i = 1; i < s.n; i++)
		if ((s.p[i] == '#' || s.p[i] == ';') && is_blank(s.p[i - 1]))
			return ini_fail(c, "'%c' after a value: comments go on a line of "
					   "their own (or quote the value)",
					s.p[i]);
	if (s.n > INI_MAX_VALUE)
		return ini_fail(c, "value longer than %d bytes", INI_MAX_VALUE);
	memcpy(c->value, s.p, s.n);
	c->value[s.n] = '\0';
	return SG_OK;
}

/* "key = value", already trimmed and not a comment or header. */
static sg_err parse_entry(struct ini_ctx *c, struct span s)
{
	const char *eq = memchr(s.p, '=', s.n);

	if (!eq)
		return ini_fail(c, "missing '=' (expected key = value)");
	size_t at = (size_t)(eq - s.p);
	struct span key = {s.p, at};
	sg_err rc = parse_name(c, trim(key), c->key, "key");

	if (rc) {
		c->key[0] = '\0';
		return rc;
	}
	struct span val = trim(span_from(s, at + 1));

	rc = val.n && val.p[0] == '"' ? parse_quoted(c, val) : parse_plain(c, val);
	if (rc || !c->h)
		return rc;
	return c->h(c->section, c->key, c->value, c->line, c->arg, c->e);
}

static sg_err parse_line(struct ini_ctx *c, struct span raw)
{
	sg_err rc = check_bytes(c, raw);

	if (rc)
		return rc;
	struct span s = trim(raw);

	c->key[0] = '\0';
	if (s.n == 0 || s.p[0] == '#' || s.p[0] == ';')
		return SG_OK;
	if (s.p[0] == '[')
		return parse_section(c, s);
	return parse_entry(c, s);
}

/* Splits buf into lines (\n or \r\n; the last may lack one). */
static sg_err parse_lines(struct ini_ctx *c, const char *buf, size_t len)
{
	static const char bom[] = "\xEF\xBB\xBF";
	size_t pos = 0;

	if (len >= 3 && memcmp(buf, bom, 3) == 0)
		pos = 3;
	while (pos < len) {
		struct span line = {buf + pos, len - pos};
		const char *nl = memchr(line.p, '\n', line.n);

		if (nl)
			line.n = (size_t)(nl - line.p);
		pos += line.n + (nl ? 1 : 0);
		if (line.n > 0 && line.p[line.n - 1] == '\r')
			line.n--;
		c->line++;
		sg_err rc = parse_line(c, line);

		if (rc)
			return rc;
	}
	return SG_OK;
}

sg_err ini_parse(const char *buf, size_t len, ini_entry_h h, void *arg, struct sg_error *e)
{
	struct ini_ctx c;

	if (!buf && len)
		return sg_error_set(e, SG_E_INTERNAL, "ini_parse: no buffer");
	memset(&c, 0, sizeof(c));
	c.h = h;
	c.arg = arg;
	c.e = e;
	sg_err rc = parse_lines(&c, buf, len);

	/* The last value may have been a secret: leave no copy on the stack. */
	mbedtls_platform_zeroize(&c, sizeof(c));
	return rc;
}
