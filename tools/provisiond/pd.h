/*
 * pd.h: signet-provisiond, a small EST-coaps provisioning service for
 * tests and labs (doc/enrolment.md). One directory holds its state:
 *
 *   ca.crt, ca.key          the CA that issues (PEM)
 *   server.crt, server.key  the service's DTLS identity, issued by the CA
 *                           (server.crt may hold the chain)
 *   users                   the user table: ID PHONE VERIFIER IDENTITIES
 *   attempts                wrong-PIN counts per user (persisted)
 *   index.txt               every issued certificate, `openssl ca` format,
 *                           so `openssl ocsp -index` can answer for them
 *   crl.pem                 the CRL, made again on every revocation
 *   issued.log              one line per issuance and revocation
 *
 * The directory is 0700 and every file in it 0600, written without
 * following symbolic links (pd_files.c).
 *
 * Single-threaded: one request at a time (a PIN check costs a slow KDF by
 * design).
 */
#ifndef PD_H
#define PD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "sg_err.h"

#define PD_MAX_USERS 256
#define PD_MAX_IDS 4
#define PD_ID_MAX 64
#define PD_SALT_LEN 16
#define PD_HASH_LEN 32
#define PD_DEFAULT_ITER 600000
/* What a users file may hold (--iterations takes 1000..PD_ITER_MAX): a
 * larger count would make every PIN check of that user hang the service. */
#define PD_ITER_MAX 100000000u
/* Wrong-PIN counts an attempts file may hold (a lock needs a handful). */
#define PD_FAILURES_MAX 1000000u
/* Wrong-PIN counts for logins that name no user (pd_users.c). */
#define PD_UNKNOWN_SLOTS 4096
/* A line of users or attempts, its '\n' included: what pd_user_add writes
 * at most (id 64, phone 31, verifier 122, identities 1000) fits. */
#define PD_LINE_MAX 1400
#define PD_FILE_MAX (1024 * 1024) /* users, attempts */

struct pd_user {
	char id[PD_ID_MAX + 1];
	char phone[32];          /* "-": none */
	unsigned iter;
	uint8_t salt[PD_SALT_LEN];
	uint8_t hash[PD_HASH_LEN];
	char idents[PD_MAX_IDS][257];
	size_t n_idents;
	unsigned failures;       /* from the attempts file */
};

struct pd {
	char dir[512];
	unsigned max_tries;
	unsigned days;
	struct pd_user users[PD_MAX_USERS];
	size_t n_users;
	/* A login that names no user gets the answers and the work of a user
	 * with a wrong PIN: this verifier (random, matches nothing) and a
	 * count in unknown_failures[], chosen by a keyed hash of the login. */
	struct pd_user dummy;
	unsigned unknown_failures[PD_UNKNOWN_SLOTS];
	uint8_t unknown_key[32];
	mbedtls_x509_crt ca;
	mbedtls_pk_context ca_key;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

/* pd_files.c */
/* Checks the directory before anything is read or written: made 0700 when
 * create and missing; refused when not a directory, not the service
 * user's, or open to group or others. The service's files in it are made
 * 0600 when more open (with a note on stderr). */
sg_err pd_dir_prepare(const struct pd *pd, int create, struct sg_error *e);
/* dir/name for appending: created 0600, never through a symbolic link.
 * NULL (errno set) on failure. */
FILE *pd_open_append(const struct pd *pd, const char *name);
/* Replaces dir/name with text atomically: a mkstemp() file (0600) in the
 * directory, fsync, rename. */
sg_err pd_replace(const struct pd *pd, const char *name, const char *text, size_t len,
		  struct sg_error *e);

/* pd_users.c */
sg_err pd_users_load(struct pd *pd, struct sg_error *e);
/* The users file's text (users, one per line; '#' comments) into pd, as
 * pd_users_load does with the file; SG_E_CONFIG naming the line. */
sg_err pd_users_parse(struct pd *pd, const char *buf, size_t len, struct sg_error *e);
/* The attempts file's text ("ID FAILURES" lines) onto pd's users. */
void pd_attempts_parse(struct pd *pd, const char *buf, size_t len);
/* The user a login names: an id, or tel:NUMBER. NULL when none. */
struct pd_user *pd_user_find(struct pd *pd, const char *login);
/* Checks pin against the verifier in constant time; 1 when it matches. */
int pd_pin_ok(const struct pd_user *u, const char *pin, size_t len);
/* Sets up the stand-in for unknown logins (after pd_users_load, with the
 * DRBG seeded): a random verifier with the iteration count most users
 * have, and a random key for the counts. */
sg_err pd_unknown_init(struct pd *pd, struct sg_error *e);
/* The wrong-PIN count a login is held to: its user's, or, when it names
 * none (*u NULL), its slot among the unknown logins' counts (kept in
 * memory only, never in the attempts file). */
unsigned *pd_failures(struct pd *pd, const char *login, struct pd_user **u);
/* A PIN check for a login: against its user's verifier, or, with u NULL,
 * the same work against the stand-in's, always 0. */
int pd_login_pin_ok(const struct pd *pd, const struct pd_user *u, const char *pin, size_t len);
/* Writes the attempts file again (atomically). */
sg_err pd_attempts_save(const struct pd *pd, struct sg_error *e);
/* Appends a user: PBKDF2-HMAC-SHA256 verifier with a fresh salt. */
sg_err pd_user_add(struct pd *pd, const char *id, const char *phone, const char *idents,
		   unsigned iter, const char *pin, size_t pin_len, struct sg_error *e);
/* 1 when the user may have a certificate naming uri. */
int pd_user_allows(const struct pd_user *u, const char *uri);

/* pd_ca.c */
sg_err pd_ca_load(struct pd *pd, struct sg_error *e);
/* Issues a certificate for pub naming id (CN) and uri (SAN), logs it and
 * records it in index.txt. der: sg_calloc'd. */
sg_err pd_issue(struct pd *pd, mbedtls_pk_context *pub, const char *id, const char *uri,
		const char *how, uint8_t **der, size_t *len, struct sg_error *e);
/* Marks serial (hex) revoked in index.txt, with reason ("superseded",
 * "keyCompromise", ...), and makes the CRL again. */
sg_err pd_revoke(struct pd *pd, const char *serial_hex, const char *reason, struct sg_error *e);
/* Makes crl.pem from index.txt. */
sg_err pd_crl_write(struct pd *pd, struct sg_error *e);
/* 1 when index.txt says serial (hex) is revoked. */
int pd_is_revoked(const struct pd *pd, const char *serial_hex);
/* The hex serial of a certificate, as index.txt writes it. */
void pd_serial_hex(const mbedtls_x509_crt *crt, char *out, size_t cap);
void pd_log(const struct pd *pd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* dir/name into buf. */
const char *pd_path(const struct pd *pd, const char *name, char *buf, size_t cap);

/* pd_coap.c */
/* Serves /crts, /sen and /sren on port (and port2 too when not 0) until
 * SIGTERM. Returns an exit code. */
int pd_serve(struct pd *pd, const char *addr, unsigned port, unsigned port2);

#endif
