/*
 * sip_tls_resume.h: the TLS session cache of one TLS transport (sip_tls.c
 * only): TLS 1.2 session resumption (RFC 5077 tickets where the registrar
 * issues them, else the session ID), in memory only.
 *
 * One entry per target: the key is "host|port|server name", so each
 * registrar address (and each flow, which has its own transport) has its
 * own session. An entry is offered for at most the configured lifetime
 * after the full handshake that made it (less when the server's ticket
 * lifetime is shorter) and is wiped (mbedtls_ssl_session_free, which
 * zeroizes the master secret) when it expires, when it is dropped, and
 * with the transport (the sign-in session: card pulled, PIN locked, sign
 * out).
 *
 * Built only with SIGNET_TLS_RESUME (FEATURE_TLS_RESUME=1, every board
 * today): the session structure holds a time_t, so the mbedTLS linked must
 * have signet's (Debian's armhf binary package keeps it at 32 bits; the
 * armhf desk phone links its own build: doc/boards.md). Without it
 * sip_tls_resume.c is not built and the inline stubs below answer "off"
 * (and compile the callers' resumption code out).
 */
#ifndef SIP_TLS_RESUME_H
#define SIP_TLS_RESUME_H

#include <stdint.h>

#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#ifndef SIGNET_TLS_RESUME
#define SIGNET_TLS_RESUME 1
#endif

struct tls_resume;

#if SIGNET_TLS_RESUME

/* A cache whose entries live lifetime_s seconds; NULL when lifetime_s is
 * 0, when memory runs out, or when the build has no resumption. */
struct tls_resume *tls_resume_new(uint32_t lifetime_s);

/* Wipes and frees every entry; r may be NULL. */
void tls_resume_free(struct tls_resume *r);

/* Before the handshake on ssl (set up, not started): offers key's session
 * when it has one younger than its lifetime at now_ms (an older one is
 * wiped). Returns 1 when a session was offered, else 0. */
int tls_resume_offer(struct tls_resume *r, mbedtls_ssl_context *ssl, const char *key,
		     uint64_t now_ms);

/* The issuer kept with key's session (the end entity's issuer on the path
 * validated by the full handshake; its raw.p is NULL when the server's
 * certificate was itself an anchor), or NULL without an entry. */
const mbedtls_x509_crt *tls_resume_issuer(const struct tls_resume *r, const char *key);

/* After a handshake on ssl that the caller accepted: keeps its session
 * under key. A full handshake starts the lifetime at now_ms and keeps a
 * copy of issuer (may be NULL); a resumed one keeps the entry's start and
 * issuer (the server may have sent a new ticket). */
void tls_resume_keep(struct tls_resume *r, const mbedtls_ssl_context *ssl, const char *key,
		     const mbedtls_x509_crt *issuer, int resumed, uint64_t now_ms);

/* Wipes key's entry, or every entry with key NULL. */
void tls_resume_drop(struct tls_resume *r, const char *key);

#else /* no resumption: every connection a full handshake */

static inline struct tls_resume *tls_resume_new(uint32_t lifetime_s)
{
	(void)lifetime_s;
	return (struct tls_resume *)0;
}

static inline void tls_resume_free(struct tls_resume *r)
{
	(void)r;
}

static inline int tls_resume_offer(struct tls_resume *r, mbedtls_ssl_context *ssl,
				   const char *key, uint64_t now_ms)
{
	(void)r, (void)ssl, (void)key, (void)now_ms;
	return 0;
}

static inline const mbedtls_x509_crt *tls_resume_issuer(const struct tls_resume *r,
							const char *key)
{
	(void)r, (void)key;
	return (const mbedtls_x509_crt *)0;
}

static inline void tls_resume_keep(struct tls_resume *r, const mbedtls_ssl_context *ssl,
				   const char *key, const mbedtls_x509_crt *issuer, int resumed,
				   uint64_t now_ms)
{
	(void)r, (void)ssl, (void)key, (void)issuer, (void)resumed, (void)now_ms;
}

static inline void tls_resume_drop(struct tls_resume *r, const char *key)
{
	(void)r, (void)key;
}

#endif

#endif
