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
#include "sg_hex.h"
#include "sg_mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>

/* s as a decimal number in [lo, hi]: digits only (no sign, space or
 * base prefix, which strtoul would take), 0 when it is one. */
static int decimal(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 10)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
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
	if (!f[3] || strcmp(f[0], "pbkdf2-sha256") || decimal(f[1], 1, PD_ITER_MAX, &u->iter) ||
	    sg_hex_decode(f[2], strlen(f[2]), u->salt, PD_SALT_LEN) ||
	    sg_hex_decode(f[3], strlen(f[3]), u->hash, PD_HASH_LEN))
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
		char id[PD_ID_MAX + 1], num[16];
		unsigned n;

		if (r > 0 && sscanf(line, "%64s %15s", id, num) == 2 &&
		    !decimal(num, 0, PD_FAILURES_MAX, &n))
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
	int ok;

	if (kdf(u->salt, u->iter, pin, len, h) != 0)
		return 0;
	ok = sg_ct_equal(h, u->hash, PD_HASH_LEN);
	mbedtls_platform_zeroize(h, sizeof(h));
	return ok;
}

sg_err pd_unknown_init(struct pd *pd, struct sg_error *e)
{
	unsigned best = PD_DEFAULT_ITER, best_n = 0;

	/* The count most users have (the larger on a tie): an unknown login
	 * then costs what a typical user's PIN check costs. */
	for (size_t i = 0; i < pd->n_users; i++) {
		unsigned it = pd->users[i].iter, n = 0;

		for (size_t k = 0; k < pd->n_users; k++)
			n += pd->users[k].iter == it;
		if (n > best_n || (n == best_n && it > best)) {
			best = it;
			best_n = n;
		}
	}
	memset(&pd->dummy, 0, sizeof(pd->dummy));
	memset(pd->unknown_failures, 0, sizeof(pd->unknown_failures));
	pd->dummy.iter = best;
	if (mbedtls_ctr_drbg_random(&pd->drbg, pd->dummy.salt, sizeof(pd->dummy.salt)) != 0 ||
	    mbedtls_ctr_drbg_random(&pd->drbg, pd->dummy.hash, sizeof(pd->dummy.hash)) != 0 ||
	    mbedtls_ctr_drbg_random(&pd->drbg, pd->unknown_key, sizeof(pd->unknown_key)) != 0)
		return sg_error_set(e, SG_E_INTERNAL, "no random numbers");
	return SG_OK;
}

unsigned *pd_failures(struct pd *pd, const char *login, struct pd_user **u)
{
	uint8_t mac[32];
	uint32_t slot;

	*u = pd_user_find(pd, login);
	if (*u)
		return &(*u)->failures;
	/* Keyed, so that nobody can pick logins that share a count. Two
	 * unknown logins may still share one: they then look like a user
	 * with wrong PINs pending, which is no answer either. */
	if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), pd->unknown_key,
			    sizeof(pd->unknown_key), (const unsigned char *)login, strlen(login),
			    mac) != 0)
		memset(mac, 0, sizeof(mac));
	slot = (uint32_t)mac[0] << 24 | (uint32_t)mac[1] << 16 | (uint32_t)mac[2] << 8 | mac[3];
	return &pd->unknown_failures[slot % PD_UNKNOWN_SLOTS];
}

int pd_login_pin_ok(const struct pd *pd, const struct pd_user *u, const char *pin, size_t len)
{
	int ok = pd_pin_ok(u ? u : &pd->dummy, pin, len);

	return u ? ok : 0;
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
	err = pd_replace(pd, "attempts", buf, off, e);
	free(buf);
	return err;
}

sg_err pd_user_add(struct pd *pd, const char *id, const char *phone, const char *idents,
		   unsigned iter, const char *pin, size_t pin_len, struct sg_error *e)
{
	uint8_t salt[PD_SALT_LEN], hash[PD_HASH_LEN];
	char line[PD_LINE_MAX], sh[2 * PD_SALT_LEN + 1], hh[2 * PD_HASH_LEN + 1];
	sg_err err;
	FILE *f;

	if (!*id || strlen(id) > PD_ID_MAX || strpbrk(id, ": \t\n") || strpbrk(phone, " \t\n") ||
	    strlen(phone) >= 32 || strpbrk(idents, " \t\n") || strlen(idents) > 1000)
		return sg_error_set(e, SG_E_INVALID_ARG, "bad --id, --phone or --identity");
	if (pd_user_find(pd, id))
		return sg_error_set(e, SG_E_INVALID_ARG, "user %s exists", id);
	if (mbedtls_ctr_drbg_random(&pd->drbg, salt, sizeof(salt)) != 0 ||
	    kdf(salt, iter, pin, pin_len, hash) != 0)
		return sg_error_set(e, SG_E_INTERNAL, "the KDF failed");
	sg_hex_encode(salt, sizeof(salt), sh, sizeof(sh), 0);
	sg_hex_encode(hash, sizeof(hash), hh, sizeof(hh), 0);
	snprintf(line, sizeof(line), "%s %s pbkdf2-sha256$%u$%s$%s %s\n", id, phone, iter, sh, hh,
		 idents);
	mbedtls_platform_zeroize(hash, sizeof(hash));
	mbedtls_platform_zeroize(hh, sizeof(hh));
	err = SG_OK;
	f = pd_open_append(pd, "users");
	if (!f || fputs(line, f) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0)
		err = sg_error_set(e, SG_E_IO, "%s/users: %s", pd->dir, strerror(errno));
	if (f && fclose(f) != 0 && !err)
		err = sg_error_set(e, SG_E_IO, "%s/users: %s", pd->dir, strerror(errno));
	/* The verifier is an offline guessing target: no copy left behind. */
	mbedtls_platform_zeroize(line, sizeof(line));
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
