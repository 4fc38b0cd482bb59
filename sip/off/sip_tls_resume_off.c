/*
 * sip_tls_resume_off.c: no TLS session resumption (FEATURE_TLS_RESUME=0,
 * the armhf desk phone: its mbedTLS keeps a 32-bit time_t inside the
 * session structure). Every connection is a full handshake.
 */
#include "sip_tls_resume.h"

#include <stddef.h>

struct tls_resume *tls_resume_new(uint32_t lifetime_s)
{
	(void)lifetime_s;
	return NULL;
}

void tls_resume_free(struct tls_resume *r)
{
	(void)r;
}

int tls_resume_offer(struct tls_resume *r, mbedtls_ssl_context *ssl, const char *key,
		     uint64_t now_ms)
{
	(void)r, (void)ssl, (void)key, (void)now_ms;
	return 0;
}

const mbedtls_x509_crt *tls_resume_issuer(const struct tls_resume *r, const char *key)
{
	(void)r, (void)key;
	return NULL;
}

void tls_resume_keep(struct tls_resume *r, const mbedtls_ssl_context *ssl, const char *key,
		     const mbedtls_x509_crt *issuer, int resumed, uint64_t now_ms)
{
	(void)r, (void)ssl, (void)key, (void)issuer, (void)resumed, (void)now_ms;
}

void tls_resume_drop(struct tls_resume *r, const char *key)
{
	(void)r, (void)key;
}
