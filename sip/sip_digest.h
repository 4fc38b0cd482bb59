/*
 * sip_digest.h: HTTP Digest authentication for SIP (RFC 3261 22.4,
 * RFC 2617, RFC 7616; RFC 8760 for SHA-256 in SIP): MD5 and SHA-256, with
 * qop=auth (nc counting, a cnonce from the HAL's RNG) or without qop (the
 * RFC 2069 form) when the challenge offers none.
 *
 * Secrets: the password comes from the caller for each computation and is
 * never copied here; the intermediate HA1 is wiped before returning.
 * Nothing secret goes into an error detail.
 */
#ifndef SIP_DIGEST_H
#define SIP_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "sg_err.h"
#include "sip_msg.h"

enum sip_digest_alg {
	SIP_DIGEST_MD5,
	SIP_DIGEST_SHA256,
};

#define SIP_DIGEST_HEX_MAX 65 /* 64 hex digits of SHA-256 and a NUL */

/* The client's state for one challenge (one realm and nonce). */
struct sip_digest {
	enum sip_digest_alg alg;
	int qop_auth;          /* the challenge offered qop=auth: send qop, nc, cnonce */
	int proxy;             /* answer with Proxy-Authorization (a 407) */
	uint32_t nc;           /* requests sent with this nonce */
	char realm[128];
	char nonce[256];
	char opaque[256];      /* "" when the challenge had none */
	int has_opaque;
};

/* Whether this library can answer the challenge: scheme Digest,
 * algorithm absent/MD5/SHA-256 (any case; "-sess" variants are not
 * supported), qop absent or offering "auth". Returns 1/0. */
int sip_digest_supported(const struct sip_challenge *c);

/* Takes a challenge into d (proxy: it came in Proxy-Authenticate). When
 * the realm and nonce are those d already holds, nc keeps counting; else
 * nc restarts. SG_E_REFUSED when it is not supported (the detail says
 * which algorithm or qop), SG_E_MALFORMED when a value does not fit. */
sg_err sip_digest_take(struct sip_digest *d, const struct sip_challenge *c, int proxy,
		       struct sg_error *e);

/* The response value (lower-case hex) for the given inputs, RFC 7616
 * 3.4.1: with qop "auth": H(HA1:nonce:nc:cnonce:qop:HA2), without qop
 * (qop NULL): H(HA1:nonce:HA2); HA1 = H(user:realm:password),
 * HA2 = H(method:uri). out needs SIP_DIGEST_HEX_MAX bytes. */
sg_err sip_digest_compute(enum sip_digest_alg alg, const char *user, const char *realm,
			  const uint8_t *pw, size_t pw_len, const char *method, const char *uri,
			  const char *nonce, const char *nc, const char *cnonce, const char *qop,
			  char out[SIP_DIGEST_HEX_MAX], struct sg_error *e);

/* Writes the Authorization (or Proxy-Authorization) header value
 * ("Digest username=..., response=...") for one request: counts nc up,
 * draws a cnonce from rng. SG_E_NOMEM when cap is too small,
 * SG_E_INTERNAL when the RNG fails, SG_E_CONFIG when the user name holds
 * a quote, backslash or line break. */
sg_err sip_digest_header(struct sip_digest *d, const struct hal_rng *rng, const char *user,
			 const uint8_t *pw, size_t pw_len, const char *method, const char *uri,
			 char *out, size_t cap, struct sg_error *e);

/* Compares two NUL-terminated strings in time that depends only on their
 * lengths (for response values, e.g. rspauth). 1 when equal. */
int sip_digest_equal(const char *a, const char *b);

/* The algorithm's name as sent ("MD5", "SHA-256"). */
const char *sip_digest_alg_name(enum sip_digest_alg alg);

#endif
