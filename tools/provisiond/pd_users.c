/*
 * pd_users.c: the user table and the wrong-PIN counts of
 * signet-provisiond.
 *
 *   users:     ID PHONE pbkdf2-sha256$ITER$SALT$HASH IDENT[,IDENT...]
 *   attempts:  ID FAILURES
 *
 * The PIN itself is never stored: a slow salted KDF (PBKDF2-HMAC-SHA256,
 * 600000 iterations by default) makes a stolen table costly to guess
 * offline, one user at a time.
 */
#define _GNU_SOURCE
#include "pd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>

static int hexv(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int unhex(const char *s, size_t n, uint8_t *out)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hexv(s[2 * i]), lo = hexv(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void tohex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static int kdf(const uint8_t *salt, unsigned iter, const char *pin, size_t len,
	       uint8_t out[PD_HASH_LEN])
{
	mbedtls_md_context_t md;
	int r;

	mbedtls_md_init(&md);
	r = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1);
	if (r == 0)
		r = mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)pin, len, salt, PD_SALT_LEN,
					      iter, PD_HASH_LEN, out);
	mbedtls_md_free(&md);
	return r;
}

static sg_err parse_user(char *line, struct pd_user *u, struct sg_error *e, unsigned ln)
{
	char *save = NULL, *id = strtok_r(line, " \t", &save), *phone = strtok_r(NULL, " \t", &save);
	char *ver = strtok_r(NULL, " \t", &save), *ids = strtok_r(NULL, " \t\r\n", &save);
	char *f[4], *s2 = NULL;

	if (!id || !phone || !ver || !ids || strlen(id) > PD_ID_MAX || strlen(phone) >= 32 ||
	    strchr(id, ':'))
		return sg_error_set(e, SG_E_CONFIG, "users line %u: ID PHONE VERIFIER IDENTITIES", ln);
	memset(u, 0, sizeof(*u));
	strcpy(u->id, id);
	strcpy(u->phone, phone);
	f[0] = strtok_r(ver, "$", &s2);
	for (int i = 1; i < 4; i++)
		f[i] = strtok_r(NULL, "$", &s2);
	if (!f[3] || strcmp(f[0], "pbkdf2-sha256") || (u->iter = (unsigned)strtoul(f[1], NULL, 10)) < 1 ||
	    unhex(f[2], PD_SALT_LEN, u->salt) || unhex(f[3], PD_HASH_LEN, u->hash))
		return sg_error_set(e, SG_E_CONFIG, "users line %u: the verifier is not "
				    "pbkdf2-sha256$ITER$SALT$HASH", ln);
	for (char *t = strtok_r(ids, ",", &s2); t && u->n_idents < PD_MAX_IDS;
	     t = strtok_r(NULL, ",", &s2)) {
		if (strlen(t) > 256)
			return sg_error_set(e, SG_E_CONFIG, "users line %u: an identity too long", ln);
		strcpy(u->idents[u->n_idents++], t);
	}
	return SG_OK;
}

/* The next line of buf[*off..len) into line (cap bytes), with its '\n'
 * as fgets() would keep it. 0 at the end; -1 (the line skipped) when it
 * does not fit. */
static int next_line(const char *buf, size_t len, size_t *off, char *line, size_t cap)
{
	const char *nl;
	size_t n;

	if (*off >= len)
		return 0;
	nl = memchr(buf + *off, '\n', len - *off);
	n = nl ? (size_t)(nl - (buf + *off)) + 1 : len - *off;
	if (n >= cap) {
		*off += n;
		return -1;
	}
	memcpy(line, buf + *off, n);
	line[n] = '\0';
	*off += n;
	return 1;
}

sg_err pd_users_parse(struct pd *pd, const char *buf, size_t len, struct sg_error *e)
{
	char line[PD_LINE_MAX + 1];
	size_t off = 0;
	unsigned ln = 0;
	sg_err err = SG_OK;
	int r;

	pd->n_users = 0;
	while (!err && (r = next_line(buf, len, &off, line, sizeof(line))) != 0) {
		char *p = line + strspn(line, " \t");

		ln++;
		if (r < 0)
			err = sg_error_set(e, SG_E_CONFIG, "users line %u is longer than %d bytes", ln,
					   PD_LINE_MAX - 1);
		else if (*p == '#' || *p == '\n' || !*p)
			continue;
		else if (pd->n_users == PD_MAX_USERS)
			err = sg_error_set(e, SG_E_CONFIG, "more than %d users", PD_MAX_USERS);
		else if ((err = parse_user(p, &pd->users[pd->n_users], e, ln)) == SG_OK)
			pd->n_users++;
	}
	if (err)
		pd->n_users = 0; /* a table that does not parse is no table */
	return err;
}

void pd_attempts_parse(struct pd *pd, const char *buf, size_t len)
{
	char line[PD_LINE_MAX + 1];
	size_t off = 0;
	int r;

	while ((r = next_line(buf, len, &off, line, sizeof(line))) != 0) {
		char id[PD_ID_MAX + 1];
		unsigned n;

		if (r > 0 && sscanf(line, "%64s %u", id, &n) == 2)
			for (size_t i = 0; i < pd->n_users; i++)
				if (!strcmp(pd->users[i].id, id))
					pd->users[i].failures = n;
	}
}

/* The whole of a file (at most max bytes; NUL-terminated for the
 * parsers' sake); NULL with errno (ENOENT: none, EFBIG: too large). */
static char *read_all(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;

	if (!f)
		return NULL;
	buf = calloc(1, max + 2);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	*len = fread(buf, 1, max + 1, f);
	fclose(f);
	if (*len > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	return buf;
}

sg_err pd_users_load(struct pd *pd, struct sg_error *e)
{
	char path[600], *buf;
	size_t len = 0;
	sg_err err;

	pd->n_users = 0;
	buf = read_all(pd_path(pd, "users", path, sizeof(path)), PD_FILE_MAX, &len);
	if (!buf)
		return errno == ENOENT ? SG_OK : sg_error_set(e, SG_E_IO, "%s: %s", path,
							       strerror(errno));
	err = pd_users_parse(pd, buf, len, e);
	free(buf);
	if (err)
		return err;
	buf = read_all(pd_path(pd, "attempts", path, sizeof(path)), PD_FILE_MAX, &len);
	if (buf)
		pd_attempts_parse(pd, buf, len);
	free(buf);
	return SG_OK;
}

struct pd_user *pd_user_find(struct pd *pd, const char *login)
{
	int tel = !strncmp(login, "tel:", 4);

	for (size_t i = 0; i < pd->n_users; i++) {
		struct pd_user *u = &pd->users[i];

		if (tel ? (strcmp(u->phone, "-") && !strcmp(u->phone, login + 4))
			: !strcmp(u->id, login))
			return u;
	}
	return NULL;
}

int pd_pin_ok(const struct pd_user *u, const char *pin, size_t len)
{
	uint8_t h[PD_HASH_LEN];
	unsigned diff = 0;

	if (kdf(u->salt, u->iter, pin, len, h) != 0)
		return 0;
	for (size_t i = 0; i < PD_HASH_LEN; i++)
		diff |= (unsigned)(h[i] ^ u->hash[i]);
	mbedtls_platform_zeroize(h, sizeof(h));
	return diff == 0;
}

/* Writes dir/name through a temporary file and rename(): never half a file. */
static sg_err write_atomic(const struct pd *pd, const char *name, const char *text, int append,
			   struct sg_error *e)
{
	char path[600], tmp[620];
	FILE *f;

	pd_path(pd, name, path, sizeof(path));
	if (append) {
		f = fopen(path, "a");
		if (!f || fputs(text, f) < 0 || fclose(f) != 0)
			return sg_error_set(e, SG_E_IO, "%s: %s", path, strerror(errno));
		return SG_OK;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return sg_error_set(e, SG_E_IO, "%s: %s", tmp, strerror(errno));
	if (fputs(text, f) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		return sg_error_set(e, SG_E_IO, "%s: %s", tmp, strerror(errno));
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return sg_error_set(e, SG_E_IO, "%s: %s", path, strerror(errno));
	return SG_OK;
}

sg_err pd_attempts_save(const struct pd *pd, struct sg_error *e)
{
	char *buf = calloc(PD_MAX_USERS, PD_ID_MAX + 16);
	size_t off = 0;
	sg_err err;

	if (!buf)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	for (size_t i = 0; i < pd->n_users; i++)
		if (pd->users[i].failures)
			off += (size_t)sprintf(buf + off, "%s %u\n", pd->users[i].id,
					       pd->users[i].failures);
	err = write_atomic(pd, "attempts", buf, 0, e);
	free(buf);
	return err;
}

sg_err pd_user_add(struct pd *pd, const char *id, const char *phone, const char *idents,
		   unsigned iter, const char *pin, size_t pin_len, struct sg_error *e)
{
	uint8_t salt[PD_SALT_LEN], hash[PD_HASH_LEN];
	char line[PD_LINE_MAX], sh[2 * PD_SALT_LEN + 1], hh[2 * PD_HASH_LEN + 1];
	sg_err err;

	if (!*id || strlen(id) > PD_ID_MAX || strpbrk(id, ": \t\n") || strpbrk(phone, " \t\n") ||
	    strlen(phone) >= 32 || strpbrk(idents, " \t\n") || strlen(idents) > 1000)
		return sg_error_set(e, SG_E_USAGE, "bad --id, --phone or --identity");
	if (pd_user_find(pd, id))
		return sg_error_set(e, SG_E_USAGE, "user %s exists", id);
	if (mbedtls_ctr_drbg_random(&pd->drbg, salt, sizeof(salt)) != 0 ||
	    kdf(salt, iter, pin, pin_len, hash) != 0)
		return sg_error_set(e, SG_E_INTERNAL, "the KDF failed");
	tohex(salt, sizeof(salt), sh);
	tohex(hash, sizeof(hash), hh);
	snprintf(line, sizeof(line), "%s %s pbkdf2-sha256$%u$%s$%s %s\n", id, phone, iter, sh, hh,
		 idents);
	err = write_atomic(pd, "users", line, 1, e);
	mbedtls_platform_zeroize(hash, sizeof(hash));
	return err;
}

int pd_user_allows(const struct pd_user *u, const char *uri)
{
	for (size_t i = 0; i < u->n_idents; i++)
		if (!strcmp(u->idents[i], uri))
			return 1;
	return 0;
}

const char *pd_path(const struct pd *pd, const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", pd->dir, name);
	return buf;
}
