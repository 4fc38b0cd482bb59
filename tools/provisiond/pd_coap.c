/*
 * pd_coap.c: the EST-coaps resources of signet-provisiond on libcoap's
 * GnuTLS variant (the same one signet links; see doc/enrolment.md).
 *
 *   GET  /.well-known/est/crts  the CA certificate, PKCS#7 certs-only (281)
 *   POST /.well-known/est/sen   first enrolment: a PKCS#10 request (286)
 *        carrying challengePassword "LOGIN:PIN"; answers pkix-cert (287)
 *   POST /.well-known/est/sren  re-enrolment: the client authenticated by
 *        its current certificate in the DTLS handshake; the old
 *        certificate is revoked (superseded) once the new one is issued
 *
 * One DTLS port for all three (RFC 9148): the server asks for a client
 * certificate without requiring one (see ask_client_certs); /sren wants
 * one and checks it here, with mbedTLS, against the CA and the revocation
 * index. --renew-port adds a second port with the same resources, for
 * clients set up for a separate re-enrolment port.
 */
#define _GNU_SOURCE
#include "pd.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <coap3/coap.h>
#include <gnutls/gnutls.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>

#include "certinfo.h"
#include "est_msg.h"
#include "sg_mem.h"

static struct pd *g_pd;
static volatile sig_atomic_t g_quit;

static void on_signal(int sig)
{
	(void)sig;
	g_quit = 1;
}

static void release(coap_session_t *s, void *p)
{
	(void)s;
	sg_free(p);
}

static void answer(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
		   const coap_string_t *q, coap_pdu_t *resp, unsigned code, unsigned cf,
		   uint8_t *data, size_t len)
{
	coap_pdu_set_code(resp, (coap_pdu_code_t)COAP_RESPONSE_CODE(code));
	if (data)
		coap_add_data_large_response(r, s, req, resp, q, (uint16_t)cf, -1, 0, len, data,
					     release, data);
}

/* A diagnostic payload (RFC 7252 5.5.2): a short reason, no secrets. */
static void refuse(coap_pdu_t *resp, unsigned code, const char *why)
{
	coap_pdu_set_code(resp, (coap_pdu_code_t)COAP_RESPONSE_CODE(code));
	coap_add_data(resp, strlen(why), (const uint8_t *)why);
}

static void on_crts(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
		    const coap_string_t *q, coap_pdu_t *resp)
{
	const uint8_t *certs[1] = {g_pd->ca.raw.p};
	size_t lens[1] = {g_pd->ca.raw.len}, len = EST_MAX_BODY;
	uint8_t *buf = sg_calloc(1, len);

	if (!buf || est_pkcs7_write(certs, lens, 1, buf, &len, NULL)) {
		sg_free(buf);
		refuse(resp, 500, "cannot encode the CA certificate");
		return;
	}
	answer(r, s, req, q, resp, 205, EST_CF_PKCS7_CERTS, buf, len);
}

static int request_body(const coap_pdu_t *req, coap_pdu_t *resp, const uint8_t **data,
			size_t *len)
{
	coap_opt_iterator_t it;
	coap_opt_t *cf = coap_check_option(req, COAP_OPTION_CONTENT_FORMAT, &it);
	size_t off = 0, total = 0;

	if (!cf || coap_decode_var_bytes(coap_opt_value(cf), coap_opt_length(cf)) != EST_CF_PKCS10) {
		refuse(resp, 415, "a PKCS#10 request (Content-Format 286) is expected");
		return -1;
	}
	if (!coap_get_data_large(req, len, data, &off, &total) || !*len) {
		refuse(resp, 400, "no request");
		return -1;
	}
	return 0;
}

/* The identity to certify: the request's SAN URI, when the user may have
 * it; without one, the user's first identity. */
static const char *pick_identity(const struct pd_user *u, const struct est_csr_info *ci)
{
	if (ci->san_uri[0])
		return pd_user_allows(u, ci->san_uri) ? ci->san_uri : NULL;
	return u->n_idents ? u->idents[0] : NULL;
}

static void issue_and_answer(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
			     const coap_string_t *q, coap_pdu_t *resp, mbedtls_x509_csr *csr,
			     const struct pd_user *u, const char *ident, const char *how)
{
	struct sg_error e;
	uint8_t *der = NULL;
	size_t len = 0;

	sg_error_init(&e);
	if (pd_issue(g_pd, &csr->pk, u->id, ident, how, &der, &len, &e)) {
		pd_log(g_pd, "refused user=%s via=%s: %s", u->id, how, e.detail);
		refuse(resp, 500, "the certificate cannot be issued");
		return;
	}
	answer(r, s, req, q, resp, 204, EST_CF_PKIX_CERT, der, len);
}

static void on_sen(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
		   const coap_string_t *q, coap_pdu_t *resp)
{
	mbedtls_x509_csr csr;
	struct est_csr_info ci;
	struct sg_error e;
	struct pd_user *u;
	const uint8_t *data;
	const char *ident;
	unsigned *fails;
	size_t len;
	char msg[96];

	mbedtls_x509_csr_init(&csr);
	sg_error_init(&e);
	memset(&ci, 0, sizeof(ci));
	if (request_body(req, resp, &data, &len))
		goto out;
	if (est_csr_parse(data, len, &csr, &ci, &e)) {
		pd_log(g_pd, "refused via=sen: %s", e.detail);
		refuse(resp, 400, "the request does not parse or its signature is wrong");
		goto out;
	}
	if (!ci.has_challenge) {
		refuse(resp, 401, "first enrolment needs LOGIN:PIN in challengePassword");
		goto out;
	}
	/* A login that names nobody is answered as a user with a wrong PIN,
	 * after the same work (pd.h: the stand-in), so the answers do not
	 * tell which logins exist. */
	fails = pd_failures(g_pd, ci.login, &u);
	if (*fails >= g_pd->max_tries) {
		pd_log(g_pd, "refused %s=%s via=sen: locked", u ? "user" : "login",
		       u ? u->id : ci.login);
		refuse(resp, 403, "locked: too many wrong PINs; ask an administrator");
		goto out;
	}
	if (!pd_login_pin_ok(g_pd, u, ci.pin, ci.pin_len) || !u) {
		(*fails)++;
		/* Also for an unknown login: the users' counts, written again
		 * unchanged (the same work; the login gets no entry). */
		(void)pd_attempts_save(g_pd, NULL);
		pd_log(g_pd, "refused %s=%s via=sen: %s (%u of %u)", u ? "user" : "login",
		       u ? u->id : ci.login, u ? "wrong PIN" : "no such user", *fails,
		       g_pd->max_tries);
		if (*fails >= g_pd->max_tries) {
			refuse(resp, 403, "locked: too many wrong PINs; ask an administrator");
		} else {
			unsigned left = g_pd->max_tries - *fails;

			snprintf(msg, sizeof(msg), "wrong PIN; %u %s left", left,
				 left == 1 ? "try" : "tries");
			refuse(resp, 401, msg);
		}
		goto out;
	}
	if (u->failures) {
		u->failures = 0;
		(void)pd_attempts_save(g_pd, NULL);
	}
	ident = pick_identity(u, &ci);
	if (!ident) {
		pd_log(g_pd, "refused user=%s via=sen: identity %s not allowed", u->id, ci.san_uri);
		refuse(resp, 403, "this identity is not allowed for the user");
		goto out;
	}
	issue_and_answer(r, s, req, q, resp, &csr, u, ident, "sen");
out:
	est_csr_info_wipe(&ci);
	mbedtls_x509_csr_free(&csr);
}

/* The certificate the client presented in the DTLS handshake, checked:
 * issued by our CA, valid now, not revoked. *cn: its subject CN. */
static int client_cert(coap_session_t *s, mbedtls_x509_crt *crt, char *cn, size_t cap,
		       const char **why)
{
	coap_tls_library_t lib;
	gnutls_session_t gs = coap_session_get_tls(s, &lib);
	const gnutls_datum_t *peers;
	unsigned n = 0;
	uint32_t flags = 0;
	char hex[64];

	*why = "no client certificate in the DTLS handshake";
	if (!gs || lib != COAP_TLS_LIBRARY_GNUTLS)
		return -1;
	peers = gnutls_certificate_get_peers(gs, &n);
	if (!peers || !n)
		return -1;
	*why = "the client certificate does not parse";
	if (mbedtls_x509_crt_parse_der(crt, peers[0].data, peers[0].size) != 0)
		return -1;
	*why = "the client certificate is not one of ours, or has expired";
	if (mbedtls_x509_crt_verify(crt, &g_pd->ca, NULL, NULL, &flags, NULL, NULL) != 0)
		return -1;
	pd_serial_hex(crt, hex, sizeof(hex));
	*why = "the client certificate is revoked";
	if (pd_is_revoked(g_pd, hex))
		return -1;
	*why = "the client certificate names no user";
	for (const mbedtls_x509_name *nm = &crt->subject; nm; nm = nm->next)
		if (nm->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &nm->oid) == 0 &&
		    nm->val.len < cap) {
			memcpy(cn, nm->val.p, nm->val.len);
			cn[nm->val.len] = 0;
			return 0;
		}
	return -1;
}

static void on_sren(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
		    const coap_string_t *q, coap_pdu_t *resp)
{
	mbedtls_x509_crt old;
	mbedtls_x509_csr csr;
	struct est_csr_info ci;
	struct sg_error e;
	struct pd_user *u;
	const uint8_t *data;
	const char *ident, *why = NULL;
	size_t len;
	char cn[PD_ID_MAX + 1], hex[64];

	mbedtls_x509_crt_init(&old);
	mbedtls_x509_csr_init(&csr);
	sg_error_init(&e);
	memset(&ci, 0, sizeof(ci));
	if (client_cert(s, &old, cn, sizeof(cn), &why)) {
		pd_log(g_pd, "refused via=sren: %s", why);
		refuse(resp, 401, why);
		goto out;
	}
	if (request_body(req, resp, &data, &len))
		goto out;
	if (est_csr_parse(data, len, &csr, &ci, &e)) {
		pd_log(g_pd, "refused user=%s via=sren: %s", cn, e.detail);
		refuse(resp, 400, "the request does not parse or its signature is wrong");
		goto out;
	}
	u = pd_user_find(g_pd, cn);
	if (!u || !strncmp(cn, "tel:", 4)) {
		refuse(resp, 403, "the certificate's user is not (or no longer) in the table");
		goto out;
	}
	ident = pick_identity(u, &ci);
	if (!ident) {
		refuse(resp, 403, "this identity is not allowed for the user");
		goto out;
	}
	pd_serial_hex(&old, hex, sizeof(hex));
	issue_and_answer(r, s, req, q, resp, &csr, u, ident, "sren");
	if (coap_pdu_get_code(resp) == COAP_RESPONSE_CODE(204) &&
	    pd_revoke(g_pd, hex, "superseded", &e))
		pd_log(g_pd, "the old certificate %s could not be revoked: %s", hex, e.detail);
out:
	est_csr_info_wipe(&ci);
	mbedtls_x509_csr_free(&csr);
	mbedtls_x509_crt_free(&old);
}

/* libcoap 4.3.1 (GnuTLS) either requires a client certificate or never
 * asks for one; EST needs both on one port (first enrolment has none,
 * re-enrolment proves itself with one). So each new DTLS session is
 * switched to asking for one without requiring it. Its GnuTLS session is
 * made when the first ClientHello comes (libcoap answers it with a cookie,
 * HelloVerifyRequest) and kept for the handshake proper, which only the
 * second ClientHello starts: the switch happens in between, after each
 * coap_io_process. GnuTLS still checks the client's CertificateVerify
 * (possession of the key); client_cert() checks the chain, validity and
 * revocation for /sren. */
#define PD_WATCH_MAX 256
static coap_session_t *g_watch[PD_WATCH_MAX];

static int on_event(coap_session_t *s, const coap_event_t ev)
{
	size_t i;

	if (ev == COAP_EVENT_SERVER_SESSION_NEW) {
		for (i = 0; i < PD_WATCH_MAX && g_watch[i]; i++)
			;
		if (i < PD_WATCH_MAX)
			g_watch[i] = s;
	} else if (ev == COAP_EVENT_SERVER_SESSION_DEL) {
		for (i = 0; i < PD_WATCH_MAX; i++)
			if (g_watch[i] == s)
				g_watch[i] = NULL;
	}
	return 0;
}

static void ask_client_certs(void)
{
	for (size_t i = 0; i < PD_WATCH_MAX; i++) {
		coap_tls_library_t lib;
		gnutls_session_t gs;

		if (!g_watch[i])
			continue;
		gs = coap_session_get_tls(g_watch[i], &lib);
		if (!gs || lib != COAP_TLS_LIBRARY_GNUTLS)
			continue;
		gnutls_certificate_server_set_request(gs, GNUTLS_CERT_REQUEST);
		g_watch[i] = NULL; /* done: it keeps its GnuTLS session */
	}
}

static void add(coap_context_t *ctx, const char *path, coap_request_t method,
		coap_method_handler_t h)
{
	coap_resource_t *r = coap_resource_init(coap_make_str_const(path), 0);

	coap_register_request_handler(r, method, h);
	coap_add_resource(ctx, r);
}

static int listen_on(coap_context_t *ctx, const char *addr, unsigned port)
{
	coap_address_t a;

	coap_address_init(&a);
	a.addr.sin.sin_family = AF_INET;
	a.addr.sin.sin_port = htons((uint16_t)port);
	a.size = sizeof(a.addr.sin);
	if (inet_pton(AF_INET, addr, &a.addr.sin.sin_addr) != 1) {
		memset(&a, 0, sizeof(a));
		coap_address_init(&a);
		a.addr.sin6.sin6_family = AF_INET6;
		a.addr.sin6.sin6_port = htons((uint16_t)port);
		a.size = sizeof(a.addr.sin6);
		if (inet_pton(AF_INET6, addr, &a.addr.sin6.sin6_addr) != 1) {
			fprintf(stderr, "signet-provisiond: --listen %s: not an IP address\n", addr);
			return -1;
		}
	}
	if (!coap_new_endpoint(ctx, &a, COAP_PROTO_DTLS)) {
		fprintf(stderr, "signet-provisiond: cannot listen on %s port %u\n", addr, port);
		return -1;
	}
	fprintf(stderr, "signet-provisiond: enrolment and re-enrolment on coaps://%s:%u\n", addr,
		port);
	return 0;
}

/* The DTLS context: the service's certificate; client certificates are
 * asked for (ask_client_certs), not required. */
static coap_context_t *context(struct pd *pd, const char *addr, unsigned port, unsigned port2)
{
	static char cert[600], key[600], ca[600];
	coap_context_t *ctx = coap_new_context(NULL);
	coap_dtls_pki_t pki;

	if (!ctx)
		return NULL;
	coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
	memset(&pki, 0, sizeof(pki));
	pki.version = COAP_DTLS_PKI_SETUP_VERSION;
	/* Not required by libcoap (first enrolment has no certificate):
	 * client_cert() checks issuer, validity and revocation for /sren. */
	pki.verify_peer_cert = 0;
	pki.pki_key.key_type = COAP_PKI_KEY_PEM;
	pki.pki_key.key.pem.public_cert = pd_path(pd, "server.crt", cert, sizeof(cert));
	pki.pki_key.key.pem.private_key = pd_path(pd, "server.key", key, sizeof(key));
	pki.pki_key.key.pem.ca_file = pd_path(pd, "ca.crt", ca, sizeof(ca));
	if (!coap_context_set_pki(ctx, &pki)) {
		fprintf(stderr, "signet-provisiond: server.crt / server.key cannot be used\n");
		goto fail;
	}
	if (listen_on(ctx, addr, port) || (port2 && listen_on(ctx, addr, port2)))
		goto fail;
	add(ctx, EST_PATH_CRTS, COAP_REQUEST_GET, on_crts);
	add(ctx, EST_PATH_SEN, COAP_REQUEST_POST, on_sen);
	add(ctx, EST_PATH_SREN, COAP_REQUEST_POST, on_sren);
	coap_register_event_handler(ctx, on_event);
	return ctx;
fail:
	coap_free_context(ctx);
	return NULL;
}

int pd_serve(struct pd *pd, const char *addr, unsigned port, unsigned port2)
{
	coap_context_t *ctx;
	struct pollfd pfd;
	int rc = 1;

	g_pd = pd;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	coap_startup();
	coap_set_log_level(LOG_WARNING);
	coap_dtls_set_log_level(LOG_WARNING);
	ctx = context(pd, addr, port, port2);
	if (!ctx)
		goto out;
	pfd.fd = coap_context_get_coap_fd(ctx);
	pfd.events = POLLIN;
	while (!g_quit) {
		/* libcoap's own timers (retransmissions) run on every pass. */
		if (poll(&pfd, 1, 100) < 0 && !g_quit)
			continue;
		coap_io_process(ctx, COAP_IO_NO_WAIT);
		ask_client_certs();
	}
	rc = 0;
	coap_free_context(ctx);
out:
	coap_cleanup();
	return rc;
}
