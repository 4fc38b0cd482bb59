/*
 * est_coap.c: an EST-coaps connection on libcoap (GnuTLS variant).
 */
#define _GNU_SOURCE
#include "est_coap.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <coap3/coap.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs11.h>

#include "est_coap_msg.h"
#include "path.h"
#include "est_msg.h"
#include "est_tlskey.h"
#include "sg_mem.h"

struct est_conn {
	coap_context_t *ctx;
	coap_session_t *session;
	int p11_inited;
	unsigned timeout_ms;
	int (*stop)(void *arg);
	void *stop_arg;
	/* the request in flight */
	coap_bin_const_t token;
	uint8_t token_buf[8];
	int done, failed;
	const char *why;
	struct est_resp *resp;
	struct est_tlskey *key; /* the client certificate's key (re-enrolment) */
};

static struct est_conn *conn_of(coap_session_t *s)
{
	return coap_session_get_app_data(s);
}

static coap_response_t on_response(coap_session_t *s, const coap_pdu_t *sent,
				   const coap_pdu_t *recv, const coap_mid_t mid)
{
	struct est_conn *c = conn_of(s);
	coap_bin_const_t tok = coap_pdu_get_token(recv);

	(void)sent;
	(void)mid;
	if (!c || c->done || !coap_binary_equal(&tok, &c->token))
		return COAP_RESPONSE_OK;
	if (est_coap_take(recv, c->resp, &c->why) != SG_OK)
		c->failed = 1;
	c->done = 1;
	return COAP_RESPONSE_OK;
}

static void on_nack(coap_session_t *s, const coap_pdu_t *sent, const coap_nack_reason_t reason,
		    const coap_mid_t mid)
{
	struct est_conn *c = conn_of(s);

	(void)sent;
	(void)mid;
	if (!c || c->done)
		return;
	c->failed = 1;
	c->why = reason == COAP_NACK_TLS_FAILED ? "the DTLS handshake failed"
		 : reason == COAP_NACK_TOO_MANY_RETRIES ? "no answer from the server"
							: "the request was not delivered";
}

static int on_event(coap_session_t *s, const coap_event_t ev)
{
	struct est_conn *c = conn_of(s);

	if (c && !c->done && (ev == COAP_EVENT_DTLS_ERROR || ev == COAP_EVENT_DTLS_CLOSED)) {
		c->failed = 1;
		c->why = ev == COAP_EVENT_DTLS_ERROR ? "the DTLS handshake failed"
						     : "the server closed the DTLS session";
	}
	return 0;
}

static sg_err resolve(const char *host, uint16_t port, coap_address_t *dst, struct sg_error *e)
{
	struct addrinfo hints, *res = NULL;
	char ps[8];
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	snprintf(ps, sizeof(ps), "%u", port);
	r = getaddrinfo(host, ps, &hints, &res);
	if (r != 0 || !res)
		return sg_error_set(e, SG_E_NETWORK, "%s: %s", host, gai_strerror(r));
	coap_address_init(dst);
	memcpy(&dst->addr.sa, res->ai_addr, res->ai_addrlen);
	dst->size = res->ai_addrlen;
	freeaddrinfo(res);
	return SG_OK;
}

sg_err est_conn_open(const struct est_conn_cfg *cfg, struct est_conn **out, struct sg_error *e)
{
	struct est_conn *c = sg_calloc(1, sizeof(*c));
	coap_dtls_pki_t pki;
	coap_address_t dst;
	sg_err err = SG_OK;

	*out = NULL;
	if (!c)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	c->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 20000;
	c->stop = cfg->stop;
	c->stop_arg = cfg->stop_arg;
	coap_startup();
	coap_set_log_level(cfg->verbose ? LOG_WARNING : LOG_EMERG);
	coap_dtls_set_log_level(cfg->verbose ? LOG_WARNING : LOG_EMERG);
	if (!coap_dtls_is_supported()) {
		err = sg_error_set(e, SG_E_INTERNAL, "this libcoap has no DTLS");
		goto out;
	}
	/* GnuTLS would otherwise let p11-kit load every installed module
	 * (the token key comes in as an external key, not through GnuTLS's
	 * own PKCS#11 support). */
	if (gnutls_pkcs11_init(GNUTLS_PKCS11_FLAG_MANUAL, NULL) == 0)
		c->p11_inited = 1;
	err = resolve(cfg->host, cfg->port ? cfg->port : EST_DEFAULT_PORT, &dst, e);
	if (err)
		goto out;
	c->ctx = coap_new_context(NULL);
	if (!c->ctx) {
		err = sg_error_set(e, SG_E_NOMEM, "coap_new_context");
		goto out;
	}
	/* Before any session: a CSR or a chain does not fit in one datagram. */
	coap_context_set_block_mode(c->ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
	coap_register_response_handler(c->ctx, on_response);
	coap_register_nack_handler(c->ctx, on_nack);
	coap_register_event_handler(c->ctx, on_event);

	memset(&pki, 0, sizeof(pki));
	pki.version = COAP_DTLS_PKI_SETUP_VERSION;
	/* The chain is checked by the caller against the pinned CA (mbedTLS),
	 * with the host name, which libcoap 4.3.1 would not check. */
	pki.verify_peer_cert = 0;
	pki.client_sni = (char *)(uintptr_t)cfg->host;
	/* The certificate and key are added to the session's credentials
	 * below, before any answer of the server has been read. */
	pki.pki_key.key_type = COAP_PKI_KEY_PEM_BUF;
	c->session = coap_new_client_session_pki(c->ctx, NULL, &dst, COAP_PROTO_DTLS, &pki);
	if (!c->session) {
		err = sg_error_set(e, SG_E_NETWORK, "no DTLS session to %s", cfg->host);
		goto out;
	}
	coap_session_set_app_data(c->session, c);
	if (cfg->key) {
		/* The ClientHello is out; the server's CertificateRequest is
		 * read by the first request's I/O, after this. */
		coap_tls_library_t lib;
		gnutls_session_t gs = coap_session_get_tls(c->session, &lib);

		if (!gs || lib != COAP_TLS_LIBRARY_GNUTLS) {
			err = sg_error_set(e, SG_E_INTERNAL, "no GnuTLS session");
			goto out;
		}
		err = est_tlskey_attach(gs, cfg->key, &c->key, e);
		if (err)
			goto out;
	}
out:
	if (err) {
		est_conn_close(c);
		return err;
	}
	*out = c;
	return SG_OK;
}

static int add_path(coap_pdu_t *pdu, const char *path)
{
	while (*path) {
		size_t n = strcspn(path, "/");

		if (n && !coap_add_option(pdu, COAP_OPTION_URI_PATH, n, (const uint8_t *)path))
			return -1;
		path += n;
		if (*path == '/')
			path++;
	}
	return 0;
}

sg_err est_conn_request(struct est_conn *c, const char *path, const uint8_t *body, size_t len,
			unsigned cf, struct est_resp *r, struct sg_error *e)
{
	coap_pdu_t *pdu;
	uint8_t cfb[4];
	size_t tl = 0;
	unsigned waited = 0;

	memset(r, 0, sizeof(*r));
	r->cf = -1;
	pdu = coap_new_pdu(COAP_MESSAGE_CON, body ? COAP_REQUEST_CODE_POST : COAP_REQUEST_CODE_GET,
			   c->session);
	if (!pdu)
		return sg_error_set(e, SG_E_NOMEM, "coap_new_pdu");
	coap_session_new_token(c->session, &tl, c->token_buf);
	if (!coap_add_token(pdu, tl, c->token_buf) || add_path(pdu, path) != 0 ||
	    (body && !coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
				      coap_encode_var_safe(cfb, sizeof(cfb), cf), cfb)) ||
	    (body && !coap_add_data_large_request(c->session, pdu, len, body, NULL, NULL))) {
		coap_delete_pdu(pdu);
		return sg_error_set(e, SG_E_INTERNAL, "the request cannot be built");
	}
	c->token.s = c->token_buf;
	c->token.length = tl;
	c->done = c->failed = 0;
	c->why = NULL;
	c->resp = r;
	if (coap_send(c->session, pdu) == COAP_INVALID_MID) {
		c->resp = NULL;
		return sg_error_set(e, SG_E_NETWORK, "the request cannot be sent");
	}
	while (!c->done && !c->failed && waited < c->timeout_ms) {
		int spent = coap_io_process(c->ctx, 100);

		if (spent < 0)
			break;
		waited += spent > 0 ? (unsigned)spent : 1;
		if (!c->done && c->stop && c->stop(c->stop_arg)) {
			c->failed = 1;
			c->why = "interrupted";
		}
	}
	c->resp = NULL;
	if (c->done && !c->failed)
		return SG_OK;
	est_resp_free(r);
	if (c->key && est_tlskey_error(c->key)->code != SG_OK) {
		const struct sg_error *ke = est_tlskey_error(c->key);

		return sg_error_set(e, ke->code, "%s: the token did not sign the handshake: %s",
				    path, ke->detail);
	}
	return sg_error_set(e, SG_E_NETWORK, "%s: %s", path,
			    c->why ? c->why : "no answer in time");
}

sg_err est_conn_peer_chain(struct est_conn *c, mbedtls_x509_crt *chain, struct sg_error *e)
{
	coap_tls_library_t lib;
	gnutls_session_t gs = coap_session_get_tls(c->session, &lib);
	const gnutls_datum_t *peers;
	unsigned n = 0;

	if (!gs || lib != COAP_TLS_LIBRARY_GNUTLS)
		return sg_error_set(e, SG_E_INTERNAL, "no GnuTLS session");
	peers = gnutls_certificate_get_peers(gs, &n);
	if (!peers || n == 0)
		return sg_error_set(e, SG_E_CERT_UNTRUSTED, "the server presented no certificate");
	for (unsigned i = 0; i < n && i < EST_MAX_CERTS; i++)
		if (path_parse_der(chain, NULL, peers[i].data, peers[i].size) != 0)
			return sg_error_set(e, SG_E_CERT_PARSE, "the server's certificate %u does not "
					    "parse", i);
	return SG_OK;
}

void est_conn_close(struct est_conn *c)
{
	if (!c)
		return;
	if (c->session)
		coap_session_set_app_data(c->session, NULL);
	if (c->ctx)
		coap_free_context(c->ctx);
	if (c->p11_inited)
		gnutls_pkcs11_deinit();
	est_tlskey_free(c->key); /* after the GnuTLS session that used it */
	sg_free(c);
}
