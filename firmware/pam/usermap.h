/*
 * usermap.h: which local account does a sign-in certificate belong to?
 *
 * Methods ([pam] map):
 *   upn    the local part of a UPN subjectAltName (alice@example.test -> alice)
 *   email  the local part of an rfc822Name subjectAltName
 *   sip    the user part of a sip:/sips: URI subjectAltName
 *   cn     the subject's common name, as it is
 *   file   a mapping file of "IDENTITY USER" lines (see usermap_file_line)
 * With a domain set ([pam] map_domain), upn/email/sip only use names whose
 * host is that domain (compared without case): a certificate from the
 * same CA for alice@elsewhere must not open alice's account here.
 *
 * A mapped name is used only when it looks like a user name
 * ([A-Za-z0-9._-], not starting with '-', at most USERMAP_NAME_MAX bytes),
 * so a certificate can never smuggle a path, a space or an escape sequence
 * into a log line or a getpwnam() call. Whether the account exists is the
 * caller's question (usermap_local_exists).
 *
 * Blocking: the file method reads the file on every call (it is small and
 * read once per sign-in); nothing else touches the system.
 */
#ifndef USERMAP_H
#define USERMAP_H

#include <stddef.h>
#include <stdint.h>

#include "sg_err.h"

#define USERMAP_NAME_MAX 64
#define USERMAP_MAX_FILE (256 * 1024) /* a bigger mapping file is refused */

enum usermap_method {
	USERMAP_UPN = 0, /* the default */
	USERMAP_EMAIL,
	USERMAP_SIP,
	USERMAP_CN,
	USERMAP_FILE,
};

struct usermap {
	enum usermap_method method;
	const char *file;   /* USERMAP_FILE: the mapping file's path */
	const char *domain; /* NULL or "": any domain */
};

/* Maps the DER certificate to a local user name (written to
 * out[USERMAP_NAME_MAX + 1]). When want is not NULL and the certificate
 * maps to several names (several UPNs, several file lines), the one equal
 * to want is preferred; otherwise the first. Does not check that the
 * account exists.
 * Errors: SG_E_CERT_IDENTITY (the certificate maps to no usable name; the
 * detail says what it names), SG_E_CERT_PARSE, SG_E_CONFIG (no mapping
 * file set, or a malformed line: the detail names the line), SG_E_IO (the
 * file cannot be read). */
sg_err usermap_map(const struct usermap *m, const uint8_t *der, size_t der_len, const char *want,
		   char out[USERMAP_NAME_MAX + 1], struct sg_error *e);

/* One line of a mapping file, already split at the first run of blanks:
 * IDENTITY is one of
 *   sip:user@host / sips:user@host   a SIP URI subjectAltName (identity.h)
 *   user@host                        a UPN or e-mail (or SIP user@host)
 *   cn:NAME                          the subject common name, exactly
 * and USER the local account. Returns 1 when the certificate (names from
 * certinfo, cn the subject CN or NULL) matches IDENTITY. Exposed for tests. */
struct certinfo;
int usermap_identity_match(const struct certinfo *ci, const char *cn, const char *identity);

/* 1 when s is a usable user name (see above). */
int usermap_name_ok(const char *s, size_t len);

/* 1 when the local account exists (getpwnam_r); 0 when it does not or the
 * account database cannot be read. */
int usermap_local_exists(const char *user);

/* The method's name ("upn", ...) for logs; NULL-safe. */
const char *usermap_method_name(enum usermap_method m);

#endif
