/*
 * sip_tls.h: SIP over TLS (sips:, RFC 3261 26.2) as a struct sip_tp.
 *
 * An mbedTLS TLS 1.2 client (minimum and maximum 1.2: mbedTLS 2.28 has no
 * usable 1.3) over a hal_net TCP connection, driven by hal_loop readiness:
 * the handshake and every read and write are non-blocking. The client
 * certificate's private key is normally a token key (token_pk.h), so
 * CertificateVerify is signed on the token.
 *
 * The registrar's certificate is verified against conf->anchors with
 * mbedTLS (chain, signatures, validity against the system clock, which is
 * the clock the TLS stack has) and its name against conf->server_name: a
 * DNS name through mbedtls_ssl_set_hostname (subjectAltName dNSName, or
 * the CN without SANs; also sent as SNI), an IPv4/IPv6 literal against the
 * certificate's subjectAltName iPAddress entries (which mbedTLS 2.28 does
 * not do; no SNI is sent for an IP, RFC 6066 3). Revocation is not
 * checked here: plug the certificate checks in through verify_extra.
 *
 * Received bytes are framed into whole messages by Content-Length
 * (sip_stream.h); a CRLF keep-alive answer is reported as SIP_TP_PONG.
 *
 * Session resumption (conf->resume_s > 0, builds with SIGNET_TLS_RESUME):
 * a reconnect to the same target (host, port and server name) within
 * resume_s seconds of the full handshake offers the session kept in
 * memory (a ticket where the registrar issued one, else the session ID;
 * sip_tls_resume.h). A resumed handshake takes one round trip and no
 * CertificateVerify, so no card signature; the registrar keeps our
 * certificate in its session and still sees it. The server sends no
 * certificate then; what is checked instead: the registrar certificate
 * kept in the session is validated again against conf->anchors with the
 * issuer kept from the full handshake (path, validity at this time, an
 * IP literal), and verify_extra runs on it exactly as after a full
 * handshake (the certificate checks answer a fresh revocation answer
 * from their cache, and fetch one otherwise). A refusal there, a resumed
 * handshake that fails other than by a lost connection (an alert, a bad
 * record) and sip_tp_tls_forget() wipe the kept session; the
 * cache goes with the transport (the sign-in: card pulled, PIN locked,
 * sign-out). A registrar that declines the session gets a full handshake
 * on the same connection.
 *
 * Errors reported with SIP_TP_DOWN (the detail names what failed):
 *   SG_E_NETWORK         connect failure, timeout, connection lost, a TLS
 *                        protocol failure, a server without TLS 1.2, a
 *                        peer that sends data that is not TLS or not SIP
 *   SG_E_CERT_UNTRUSTED  "the registrar's certificate ...": not trusted,
 *                        expired, not valid yet, wrong host name
 *                        (expected X, the certificate names Y)
 *   SG_E_REFUSED         the registrar refused our client certificate
 *                        (its alert is named: unknown_ca,
 *                        bad_certificate, ...)
 *   SG_E_MALFORMED       a message the framer cannot frame
 *   token errors         (SG_E_CARD_REMOVED, SG_E_TOKEN, ...) when the
 *                        token failed to sign CertificateVerify
 */
#ifndef SIP_TLS_H
#define SIP_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "hal.h"
#include "sg_err.h"
#include "sip_tp.h"

/* The extra check of the registrar's certificate (revocation by the
 * certificate checks, pinning, ...). Called once per connection after the
 * handshake and the built-in checks have passed, before SIP_TP_UP, with
 * the chain the server sent (its certificate first) and issuer: the
 * certificate whose key mbedTLS verified peer's signature with (a trust
 * anchor, or an intermediate that itself chained to one), or NULL when
 * peer is itself a configured trust anchor. Take the issuer from here,
 * never by name from the server's chain: a server can append any
 * certificate (say, one with its CA's name and a key of its own, which
 * mbedTLS does not use for the chain). The hook answers with
 * sip_tp_tls_verified(): from inside the hook, or later from another
 * loop callback when the check needs the network (the hook runs inside a
 * loop callback, so it must not run the loop itself, e.g. through a
 * blocking http_fetch). Until the answer the transport is not up; the
 * open timeout still runs. peer and issuer stay valid until the answer. */
typedef void (*sip_tls_verify_h)(struct sip_tp *tp, const mbedtls_x509_crt *peer,
				 const mbedtls_x509_crt *issuer, void *arg);

struct sip_tls_conf {
	/* Trust anchors for the registrar's certificate (required). */
	const mbedtls_x509_crt *anchors;
	/* Our certificate first, then intermediates to send; NULL for no
	 * client certificate. */
	const mbedtls_x509_crt *client_chain;
	/* Its private key (token_pk_setup()); NULL with client_chain NULL. */
	mbedtls_pk_context *client_key;
	/* The name the registrar's certificate must carry: a DNS name or an
	 * IPv4/IPv6 literal ("[...]" allowed). NULL: the host given to open. */
	const char *server_name;
	/* RFC 5922: the certificate must name server_name (the domain). 1:
	 * a certificate naming tp->target_name (the SRV target, dNSName
	 * SAN, exact, no wildcard) is accepted too ([sip]
	 * accept_target_name); 0: refused with a diagnosis saying so. */
	int accept_target_name;
	/* Optional extra check (see above); NULL: none. */
	sip_tls_verify_h verify_extra;
	void *verify_arg;
	/* Session resumption lifetime in seconds ([sip] tls_resume); 0: off
	 * (always off in a build without SIGNET_TLS_RESUME). */
	uint32_t resume_s;
	/* Unix seconds from which no kept session is offered (and all are
	 * wiped): until when our own certificate's checks hold (its notAfter,
	 * the revocation answer's nextUpdate), so that a resumed session,
	 * which the registrar does not re-check, never outlives them. 0: no
	 * bound beyond resume_s. sip_tp_tls_resume_until() changes it. */
	int64_t resume_until;
};

/* Creates a TLS transport. conf is copied, but the certificates and the
 * key it points to are the caller's and must outlive the transport; hal
 * too. *out is released with out->ops->destroy(out->ctx).
 * Errors: SG_E_INTERNAL (missing anchors, key without chain), SG_E_NOMEM,
 * SG_E_TOKEN (the TLS library refuses the key for the certificate).
 *
 * open() connects (hal_net_connect may block for up to timeout_ms, name
 * resolution included) and returns SG_OK; the handshake then runs on the
 * loop and SIP_TP_UP or SIP_TP_DOWN follows from a loop callback, never
 * from inside open(). timeout_ms bounds connect, handshake and the
 * verify_extra answer together. open() fails at once only when the
 * transport is already open or memory runs out (no event follows then).
 * send() queues (up to 256 KiB) and writes as the socket allows. The
 * handlers may call close(), open() or destroy() on the transport. */
sg_err sip_tp_tls_new(const struct hal *hal, const struct sip_tls_conf *conf,
		      struct sip_tp **out, struct sg_error *e);

/* The verify_extra answer: e NULL or e->code SG_OK accepts the
 * registrar's certificate (SIP_TP_UP follows), anything else refuses it
 * (SIP_TP_DOWN with e). Ignored when no answer is awaited. */
void sip_tp_tls_verified(struct sip_tp *tp, const struct sg_error *e);

/* What the connection negotiated, for --verbose: "TLSv1.2, <suite>, key
 * exchange <group>" (group "none" without ECDHE; no group on a resumed
 * session, which exchanges no key); NULL when tp is not a TLS
 * transport or not up. Valid until the next call or the connection's end. */
const char *sip_tp_tls_params(struct sip_tp *tp);

/* For the connection that is up (or being verified): 1 when its
 * handshake resumed a kept session, 0 for a full handshake; -1 when tp is
 * not a TLS transport or has no finished handshake. */
int sip_tp_tls_resumed(const struct sip_tp *tp);

/* Wipes every session tp keeps (a later check refused the certificate or
 * the card): the next connection is a full handshake. Any tp is fine. */
void sip_tp_tls_forget(struct sip_tp *tp);

/* A new conf->resume_until for tp (our certificate checked again or
 * renewed); kept sessions made before are wiped when renewed is 1 (another
 * certificate: a session resumed would still speak for the old one). */
void sip_tp_tls_resume_until(struct sip_tp *tp, int64_t until, int renewed);

/* Parses an IPv4 (dotted quad) or IPv6 (RFC 4291 text, "::" and a dotted
 * IPv4 tail allowed, optionally in brackets) literal into out. Returns 4
 * or 16, or 0 when s is not an IP literal (a host name). */
int sip_tls_ip_literal(const char *s, uint8_t out[16]);

/* 1 when crt has a subjectAltName iPAddress entry equal to ip (4 or 16
 * bytes), else 0. */
int sip_tls_cert_has_ip(const mbedtls_x509_crt *crt, const uint8_t *ip, size_t len);

#endif
