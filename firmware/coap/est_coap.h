/*
 * est_coap.h: one DTLS (coaps://) connection to an EST server through
 * libcoap, its GnuTLS variant (doc/enrolment.md: Why GnuTLS), with
 * block-wise transfer on so that requests and certificate chains larger
 * than one datagram pass.
 *
 * The server's certificate is NOT checked by libcoap here: the caller gets
 * the chain the server presented (est_conn_peer_chain) after the first
 * request and checks it against the device's pinned CA and the host name
 * itself (mbedTLS), before anything secret is sent. So the first request
 * on a connection must carry nothing secret (EST: GET /crts).
 *
 * Client certificates: the key stays where it is (a PKCS#11 token, the
 * virtual card, a PIV card): GnuTLS is given an external private key
 * (gnutls_privkey_import_ext4) whose signatures come from the caller's
 * token session, already logged in. So renewal needs no second login, no
 * second PIN and no second loading of a PKCS#11 module, and `signet run`
 * can renew with the session it signs in with.
 *
 * Blocking: each request runs libcoap's I/O until the answer comes or the
 * timeout passes. Not thread-safe; one connection at a time.
 */
#ifndef EST_COAP_H
#define EST_COAP_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "sg_err.h"
#include "token.h"

struct est_conn;

/* A client certificate whose key signs through the caller (the token). */
struct est_client_key {
	const uint8_t *cert;      /* DER; kept until est_conn_close */
	size_t cert_len;
	/* Signs a SHA-256 (32) or SHA-384 (48 bytes) hash; ECDSA signatures
	 * DER-encoded; *sig_len in: capacity, out: length. */
	sg_err (*sign)(void *arg, enum token_sig kind, const uint8_t *hash, size_t hash_len,
		       uint8_t *sig, size_t *sig_len, struct sg_error *e);
	void *arg;
};

struct est_conn_cfg {
	const char *host;
	uint16_t port;            /* 0: 5684 */
	unsigned timeout_ms;      /* per request; 0: 20 s */
	/* Optional: asked every 100 ms while a request waits; 1 gives up
	 * at once (SG_E_NETWORK, "interrupted"): a signal, a card pulled. */
	int (*stop)(void *arg);
	void *stop_arg;
	/* Client authentication (re-enrolment), or NULL: the certificate and
	 * a signing function for its key, which stays on the token (GnuTLS
	 * gets an external key whose signatures come from sign). */
	const struct est_client_key *key;
	int verbose;              /* libcoap's own warnings on stderr */
};

/* Parses "coaps://HOST[:PORT]" (IPv6 in brackets). SG_E_INVALID_ARG otherwise. */
sg_err est_url_parse(const char *url, char *host, size_t host_cap, uint16_t *port,
		     struct sg_error *e);

/* Sets up the context and the session (the handshake runs with the first
 * request). SG_E_NETWORK when the host does not resolve; SG_E_CERT_PARSE
 * when the client certificate cannot be used. */
sg_err est_conn_open(const struct est_conn_cfg *cfg, struct est_conn **out, struct sg_error *e);

struct est_resp {
	unsigned code;      /* 205, 201, 400, 401, ... (class * 100 + detail) */
	int cf;             /* Content-Format, -1 when none */
	uint8_t *body;      /* sg_calloc'd; est_resp_free() */
	size_t len;
};

/* GET (body NULL) or POST (body with Content-Format cf) of path, e.g.
 * ".well-known/est/crts". SG_E_NETWORK: no answer in time or the DTLS
 * handshake failed (detail says which). Any CoAP answer is SG_OK: the
 * caller reads r->code. */
sg_err est_conn_request(struct est_conn *c, const char *path, const uint8_t *body, size_t len,
			unsigned cf, struct est_resp *r, struct sg_error *e);
void est_resp_free(struct est_resp *r);

/* Appends the certificates the server presented in the handshake (its own
 * first) to chain. Call after a request succeeded. */
sg_err est_conn_peer_chain(struct est_conn *c, mbedtls_x509_crt *chain, struct sg_error *e);

/* Ends the session and frees everything (NULL is fine). */
void est_conn_close(struct est_conn *c);

#endif
