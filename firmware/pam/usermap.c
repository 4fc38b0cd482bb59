/* usermap.c: certificate -> local user name (see usermap.h). */
#define _GNU_SOURCE
#include "usermap.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "certinfo.h"
#include "dn.h"
#include "identity.h"

const char *usermap_method_name(enum usermap_method m)
{
	static const char *const names[] = {
		[USERMAP_UPN] = "upn", [USERMAP_EMAIL] = "email", [USERMAP_SIP] = "sip",
		[USERMAP_CN] = "cn",   [USERMAP_FILE] = "file",
	};
	if ((unsigned)m < sizeof(names) / sizeof(names[0]))
		return names[m];
	return "?";
}

int usermap_name_ok(const char *s, size_t len)
{
	if (!len || len > USERMAP_NAME_MAX || s[0] == '-')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	/* "." and ".." are no accounts, and would be paths. */
	return !(len <= 2 && s[0] == '.' && (len == 1 || s[1] == '.'));
}

int usermap_local_exists(const char *user)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	return getpwnam_r(user, &pw, buf, sizeof(buf), &res) == 0 && res != NULL;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int host_is(const char *host, size_t len, const char *domain)
{
	if (!domain || !domain[0])
		return 1;
	if (strlen(domain) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (lower((unsigned char)host[i]) != lower((unsigned char)domain[i]))
			return 0;
	return 1;
}

/* The subject's one common name (UTF-8, NUL-terminated, printable only);
 * "" when it has none, several, one that does not decode, or an
 * unprintable one. */
static sg_err subject_cn(const uint8_t *der, size_t len, char *cn, size_t cap, struct sg_error *e)
{
	mbedtls_x509_crt crt;
	int found = 0;

	cn[0] = '\0';
	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_der(&crt, der, len) != 0) {
		mbedtls_x509_crt_free(&crt);
		return sg_error_set(e, SG_E_CERT_PARSE, "the certificate cannot be read");
	}
	for (const mbedtls_x509_name *n = &crt.subject; n && n->oid.p; n = n->next) {
		if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid))
			continue;
		/* Decoded once, as every name is shown (a BMPString CN maps too);
		 * a NUL inside would cut the name short. */
		int got = found++ ? -1 : dn_decode(n->val.tag, n->val.p, n->val.len, cn, cap);

		if (got < 0 || (size_t)got != strlen(cn)) {
			cn[0] = '\0';
			break;
		}
	}
	mbedtls_x509_crt_free(&crt);
	for (const char *p = cn; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			cn[0] = '\0';
			break;
		}
	return SG_OK;
}

/* Keeps the candidate: the first usable one, or the one equal to want. */
static void offer(const char *name, size_t len, const char *want, char *out, int *have)
{
	if (!usermap_name_ok(name, len))
		return;
	if (*have == 2)
		return; /* already have the wanted one */
	int is_want = want && strlen(want) == len && !memcmp(want, name, len);

	if (*have && !is_want)
		return;
	memcpy(out, name, len);
	out[len] = '\0';
	*have = is_want ? 2 : 1;
}

/* upn / email / sip: local or user part of the names of one type. */
static void from_names(const struct usermap *m, const struct certinfo *ci, const char *want,
		       char *out, int *have)
{
	enum certinfo_name_type type = m->method == USERMAP_UPN	    ? CERTINFO_NAME_UPN
				       : m->method == USERMAP_EMAIL ? CERTINFO_NAME_EMAIL
								    : CERTINFO_NAME_URI;

	for (size_t i = 0; i < ci->n_names; i++) {
		const char *v = ci->names[i].value;

		if (ci->names[i].type != type)
			continue;
		if (type == CERTINFO_NAME_URI) {
			if (!strncmp(v, "sip:", 4))
				v += 4;
			else if (!strncmp(v, "sips:", 5))
				v += 5;
			else
				continue;
		}
		const char *at = strchr(v, '@');

		if (!at)
			continue;
		const char *host = at + 1;
		size_t hlen = type == CERTINFO_NAME_URI ? strcspn(host, ";?>") : strlen(host);

		if (host_is(host, hlen, m->domain))
			offer(v, (size_t)(at - v), want, out, have);
	}
}

int usermap_identity_match(const struct certinfo *ci, const char *cn, const char *identity)
{
	if (!strncmp(identity, "cn:", 3))
		return cn && cn[0] && !strcmp(cn, identity + 3);
	return identity_match(ci, identity);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Reads the mapping file; refuses one that others may write (whoever can
 * edit it can sign in as anyone). */
static sg_err read_map(const char *path, char **buf, size_t *len, struct sg_error *e)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	sg_err err = SG_OK;

	*buf = NULL;
	if (!f)
		return sg_error_set(e, SG_E_IO, "mapping file %s: cannot open: %s", path,
				    strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		err = sg_error_set(e, SG_E_CONFIG, "mapping file %s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		err = sg_error_set(e, SG_E_CONFIG,
				   "mapping file %s: writable by group or others; chmod go-w it", path);
		goto out;
	}
	*buf = calloc(1, USERMAP_MAX_FILE + 2);
	if (!*buf) {
		err = sg_error_set(e, SG_E_NOMEM, "mapping file %s: no memory", path);
		goto out;
	}
	*len = fread(*buf, 1, USERMAP_MAX_FILE + 1, f);
	if (ferror(f))
		err = sg_error_set(e, SG_E_IO, "mapping file %s: cannot read", path);
	else if (*len > USERMAP_MAX_FILE)
		err = sg_error_set(e, SG_E_CONFIG, "mapping file %s: larger than %d KiB", path,
				   USERMAP_MAX_FILE / 1024);
out:
	fclose(f);
	if (err) {
		free(*buf);
		*buf = NULL;
	}
	return err;
}

/* Walks the file's lines; every line is checked, so that a typo is an
 * error now rather than when that user first signs in. */
static sg_err from_file(const struct usermap *m, const struct certinfo *ci, const char *cn,
			const char *want, char *out, int *have, struct sg_error *e)
{
	char *buf = NULL;
	size_t len = 0;
	unsigned line = 0;
	sg_err err;

	if (!m->file || !m->file[0])
		return sg_error_set(e, SG_E_CONFIG, "[pam] map = file needs [pam] map_file");
	err = read_map(m->file, &buf, &len, e);
	if (err)
		return err;
	for (char *p = buf, *end = buf + len; p < end && !err;) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		char *next = eol ? eol + 1 : end;

		int has_nul = memchr(p, '\0', (size_t)((eol ? eol : end) - p)) != NULL;

		line++;
		if (eol)
			*eol = '\0';
		else
			*end = '\0'; /* buf has room for it */
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#') {
			p = next;
			continue;
		}
		char *id = p;
		size_t idlen = 0, ulen = 0;

		while (id[idlen] && !is_blank(id[idlen]))
			idlen++;
		char *user = id + idlen;

		while (is_blank(*user))
			*user++ = '\0';
		while (user[ulen] && !is_blank(user[ulen]))
			ulen++;
		char *rest = user + ulen;

		while (is_blank(*rest))
			rest++;
		if (has_nul || !ulen || *rest || !usermap_name_ok(user, ulen)) {
			err = sg_error_set(e, SG_E_CONFIG,
					   "mapping file %s line %u: want 'IDENTITY USER' with a "
					   "user name of [A-Za-z0-9._-]",
					   m->file, line);
			break;
		}
		id[idlen] = '\0';
		if (usermap_identity_match(ci, cn, id))
			offer(user, ulen, want, out, have);
		p = next;
	}
	free(buf);
	return err;
}

sg_err usermap_map(const struct usermap *m, const uint8_t *der, size_t der_len, const char *want,
		   char out[USERMAP_NAME_MAX + 1], struct sg_error *e)
{
	struct certinfo ci;
	char cn[USERMAP_NAME_MAX * 4];
	int have = 0;
	sg_err err;

	out[0] = '\0';
	err = certinfo_parse(der, der_len, &ci, e);
	if (!err)
		err = subject_cn(der, der_len, cn, sizeof(cn), e);
	if (err)
		return err;
	switch (m->method) {
	case USERMAP_UPN:
	case USERMAP_EMAIL:
	case USERMAP_SIP:
		from_names(m, &ci, want, out, &have);
		break;
	case USERMAP_CN:
		offer(cn, strlen(cn), want, out, &have);
		break;
	case USERMAP_FILE:
		err = from_file(m, &ci, cn, want, out, &have, e);
		if (err)
			return err;
		break;
	default:
		return sg_error_set(e, SG_E_CONFIG, "unknown mapping method %d", (int)m->method);
	}
	if (!have) {
		char names[300];

		identity_names(&ci, names, sizeof(names));
		return sg_error_set(e, SG_E_CERT_IDENTITY,
				    "the certificate maps to no user name by %s%s%s (it names: %s)",
				    usermap_method_name(m->method),
				    m->domain && m->domain[0] && m->method != USERMAP_CN &&
						    m->method != USERMAP_FILE
					    ? " in domain "
					    : "",
				    m->domain && m->method != USERMAP_CN && m->method != USERMAP_FILE
					    ? m->domain
					    : "",
				    names[0] ? names : "nothing usable");
	}
	return SG_OK;
}
