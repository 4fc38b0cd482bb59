/*
 * sip_tls.c: the TLS transport of sip_tls.h: an mbedTLS 2.28 TLS 1.2
 * client on a non-blocking hal_net connection, stepped by hal_loop
 * readiness, with our own iPAddress check and plain-words failures.
 *
 * Re-entrancy: the owner's handlers may close, reopen or destroy the
 * transport. Each connection has a generation number; a loop callback
 * that calls out re-checks it afterwards and stops touching a connection
 * that has gone, and destroy() during a callback is finished by that
 * callback (t->busy).
 */
#include "sip_tls.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_internal.h> /* the handshake's ECDH group, for --verbose */

#include "dn.h"
#include "path.h"
#include "sg_mem.h"
#include "sip_msg.h"
#include "sip_stream.h"
#include "sip_tls_resume.h"
#include "sip_transports.h"
#include "token_pk.h"

#define TLS_QUEUE_MAX (256u * 1024u) /* unsent bytes we accept from send() */
#define TLS_RECV_CHUNK 4096
/* Reads per readiness callback, so a fast sender cannot starve timers. */
#define TLS_RECV_ROUNDS 32
#define TLS_NAMES_MAX 200
#define TLS_RKEY_MAX 520

enum tls_state {
	TLS_CLOSED,
	TLS_HANDSHAKE,
	TLS_VERIFYING, /* waiting for the verify_extra answer */
	TLS_UP,
};

struct tls {
	struct sip_tp tp;
	const struct hal *hal;
	struct sip_tls_conf conf;
	char server_name[256];  /* conf->server_name copied ("" = the open host) */
	mbedtls_ssl_config cfg;
	mbedtls_ecp_group_id groups[MBEDTLS_ECP_DP_MAX + 1]; /* ECDHE, in our order */
	mbedtls_x509_crt no_ca; /* an empty CA chain for mbedTLS (tls_config) */

	/* one connection */
	enum tls_state state;
	unsigned gen;           /* bumped by every open and teardown */
	int busy;               /* inside one of our loop callbacks */
	int destroyed;          /* destroy() came while busy */
	int handle;
	int timer_armed, timer_id;
	int fail_armed, fail_id; /* a failure reported from a timer (open) */
	mbedtls_ssl_context ssl;
	int ssl_ready;
	mbedtls_ecp_group_id group; /* the ECDHE group negotiated, once known */
	char params[120];       /* sip_tp_tls_params() */
	struct sip_stream stream;
	char host[256];         /* as given to open, for messages */
	char local[64];         /* our address once connected, for Via/Contact */
	uint16_t port;
	char expect[256];       /* the name the certificate must carry */
	char alt[256];          /* tp.target_name at open ("" none, or = expect) */
	int alt_named;          /* the certificate names alt (not expect) */
	uint8_t ip[16];         /* expect as an IP literal ... */
	int ip_len;             /* ... 4, 16, or 0 for a DNS name */
	int timeout_ms;
	int last_hal;           /* last hal_net error seen in the bio */
	struct sg_error err;    /* what the DOWN event reports */

	/* what the verify callback saw, for messages */
	uint32_t ee_flags;      /* end entity */
	uint32_t chain_flags;   /* any certificate above it */
	char ee_subject[160];
	char ee_issuer[160];
	char ee_not_after[32];
	char ee_not_before[32];
	char bad_subject[160];  /* the first CA certificate with a problem */
	char names[TLS_NAMES_MAX];
	/* The end entity's issuer on the validated path (path.h), copied:
	 * for verify_extra. */
	mbedtls_x509_crt issuer;
	char path_why[400];     /* why no path validated */

	/* session resumption (sip_tls_resume.h); resume NULL: off */
	struct tls_resume *resume;
	char rkey[SIGNET_TLS_RESUME ? TLS_RKEY_MAX : 1]; /* "host|port|expect" of this connection */
	int offered;            /* a cached session was offered */
	int vrfy_seen;          /* the server sent its certificate (full handshake) */
	int resumed;            /* the handshake resumed the offered session */
	const mbedtls_x509_crt *rpool; /* resumed: the kept issuer for tls_path */

	/* the outbound queue */
	uint8_t *q;
	size_t q_len, q_off, q_cap;
	size_t pend;            /* length of an mbedtls_ssl_write that said WANT_WRITE */
};

static void tls_ready(int handle, int events, void *arg);
static void tls_step(struct tls *t);
static void tls_release(struct tls *t);

/* ---- messages ----------------------------------------------------------- */

#define TLS_SAN_IP (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7)
#define TLS_SAN_DNS (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2)

static void tls_append(char *buf, size_t cap, const char *s, size_t n)
{
	size_t used = strlen(buf);

	if (used + n + 3 >= cap)
		return;
	if (used)
		memcpy(buf + used, ", ", 2), used += 2;
	memcpy(buf + used, s, n);
	buf[used + n] = 0;
}

/* The names the certificate carries: DNS and IP SANs, else the CN. */
static void tls_collect_names(struct tls *t, const mbedtls_x509_crt *crt)
{
	const mbedtls_x509_sequence *s;
	const mbedtls_x509_name *nm;
	char ip[48];

	t->names[0] = 0;
	for (s = &crt->subject_alt_names; s && s->buf.p; s = s->next) {
		if (s->buf.tag == TLS_SAN_DNS) {
			char dns[80];
			size_t n = 0;

			while (n < s->buf.len && n < sizeof(dns) - 1) { /* never print control bytes */
				uint8_t ch = s->buf.p[n];

				dns[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
			}
			tls_append(t->names, sizeof(t->names), dns, n);
		} else if (s->buf.tag == TLS_SAN_IP && s->buf.len == 4) {
			snprintf(ip, sizeof(ip), "IP %u.%u.%u.%u", s->buf.p[0], s->buf.p[1],
				 s->buf.p[2], s->buf.p[3]);
			tls_append(t->names, sizeof(t->names), ip, strlen(ip));
		} else if (s->buf.tag == TLS_SAN_IP && s->buf.len == 16) {
			int o = snprintf(ip, sizeof(ip), "IP ");

			for (int i = 0; i < 16; i += 2)
				o += snprintf(ip + o, sizeof(ip) - (size_t)o, "%s%x", i ? ":" : "",
					      (unsigned)(s->buf.p[i] << 8 | s->buf.p[i + 1]));
			tls_append(t->names, sizeof(t->names), ip, strlen(ip));
		}
	}
	if (t->names[0])
		return;
	for (nm = &crt->subject; nm; nm = nm->next)
		if (nm->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &nm->oid) == 0) {
			char cn[80];
			int n = snprintf(cn, sizeof(cn), "CN %.*s", (int)nm->val.len, nm->val.p);

			tls_append(t->names, sizeof(t->names), cn,
				   n > 0 && (size_t)n < sizeof(cn) ? (size_t)n : strlen(cn));
		}
	if (!t->names[0])
		snprintf(t->names, sizeof(t->names), "no name at all");
}

static void tls_time(char *buf, size_t cap, const mbedtls_x509_time *tm)
{
	snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm->year, tm->mon, tm->day,
		 tm->hour, tm->min, tm->sec);
}

/* The registrar's path (path.h) from its certificate and what it sent
 * with it to the configured anchors. The end entity's issuer on that
 * path (a trust anchor, or a certificate whose own path validated; never
 * a name match over what the server sent) is copied for verify_extra. */
static void tls_path(struct tls *t, const mbedtls_x509_crt *crt, uint32_t *flags)
{
	struct path_out *out = sg_calloc(1, sizeof(*out));
	struct path_in in;
	struct sg_error e;

	mbedtls_x509_crt_free(&t->issuer);
	mbedtls_x509_crt_init(&t->issuer);
	t->path_why[0] = '\0';
	if (!out) {
		snprintf(t->path_why, sizeof(t->path_why), "out of memory");
		*flags |= MBEDTLS_X509_BADCERT_OTHER;
		return;
	}
	memset(&in, 0, sizeof(in));
	in.target = crt;
	in.anchors = t->conf.anchors;
	in.pool[0] = t->resumed ? t->rpool : crt->next;
	in.time_soft = 1; /* mbedTLS's flags say it, in the words below */
	if (hal_clock_wall(&t->hal->clock, &in.now) != HAL_OK)
		in.now = 0;
	sg_error_init(&e);
	if (path_build(&in, out, &e) != SG_OK) {
		snprintf(t->path_why, sizeof(t->path_why), "%.399s", e.detail);
		*flags |= MBEDTLS_X509_BADCERT_NOT_TRUSTED;
	} else if (out->n >= 2 &&
		   path_parse_der(&t->issuer, NULL, out->crt[1]->raw.p, out->crt[1]->raw.len)) {
		*flags |= MBEDTLS_X509_BADCERT_OTHER; /* no copy: refuse */
	} else {
		/* mbedTLS walks no further than what the server sent (it has no
		 * anchors: tls_config): the validity of the path's CA
		 * certificates, by the same clock mbedTLS uses. */
		for (size_t i = 1; i < out->n; i++) {
			uint32_t f = 0;

			if (mbedtls_x509_time_is_past(&out->crt[i]->valid_to))
				f |= MBEDTLS_X509_BADCERT_EXPIRED;
			if (mbedtls_x509_time_is_future(&out->crt[i]->valid_from))
				f |= MBEDTLS_X509_BADCERT_FUTURE;
			if (f && !t->chain_flags)
				dn_format(t->bad_subject, sizeof(t->bad_subject), &out->crt[i]->subject);
			t->chain_flags |= f;
		}
	}
	sg_free(out);
}

/* 1 when crt has a dNSName SAN equal (any case, no wildcard: RFC 5922
 * 7.2) to name. */
static int tls_names_dns(const mbedtls_x509_crt *crt, const char *name)
{
	size_t n = strlen(name);

	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; n && s && s->buf.p;
	     s = s->next)
		if (s->buf.tag == TLS_SAN_DNS &&
		    sip_str_ieq((struct sip_str){(const char *)s->buf.p, s->buf.len}, name))
			return 1;
	return 0;
}

/* mbedTLS calls this for every certificate of the chain it built, top
 * down. Its judgement of the chain is replaced by signet's path
 * validation (path.h, the one validator; mbedTLS still judges validity
 * with the C library's clock, the host name and the handshake): the CA
 * certificates keep only their validity flags, and the end entity gets
 * NOT_TRUSTED when no path validates. */
static int tls_vrfy(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	const uint32_t keep = MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE;
	struct tls *t = p;

	t->vrfy_seen = 1;
	if (depth > 0) {
		*flags &= keep;
		if (*flags && !t->chain_flags)
			dn_format(t->bad_subject, sizeof(t->bad_subject), &crt->subject);
		t->chain_flags |= *flags;
		return 0;
	}
	*flags &= keep | MBEDTLS_X509_BADCERT_CN_MISMATCH | MBEDTLS_X509_BADCERT_KEY_USAGE |
		  MBEDTLS_X509_BADCERT_EXT_KEY_USAGE | MBEDTLS_X509_BADCERT_NS_CERT_TYPE;
	tls_path(t, crt, flags);
	if (t->ip_len && !sip_tls_cert_has_ip(crt, t->ip, (size_t)t->ip_len))
		*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
	dn_format(t->ee_subject, sizeof(t->ee_subject), &crt->subject);
	dn_format(t->ee_issuer, sizeof(t->ee_issuer), &crt->issuer);
	tls_time(t->ee_not_after, sizeof(t->ee_not_after), &crt->valid_to);
	tls_time(t->ee_not_before, sizeof(t->ee_not_before), &crt->valid_from);
	tls_collect_names(t, crt);
	t->alt_named = (*flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) && tls_names_dns(crt, t->alt);
	if (t->alt_named && t->conf.accept_target_name)
		*flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
	t->ee_flags = *flags;
	*flags |= t->chain_flags; /* a CA certificate outside its validity fails too */
	return 0;
}

/* The registrar's certificate failed mbedTLS's verification. */
static void tls_cert_error(struct tls *t)
{
	uint32_t f = t->ee_flags | t->chain_flags;
	struct sg_error *e = &t->err;
	const char *who = "the registrar's certificate";

	if ((f & MBEDTLS_X509_BADCERT_NOT_TRUSTED) && t->path_why[0]) {
		sg_error_set(e, SG_E_CERT_UNTRUSTED, "%s (%s) is not trusted: %s", who, t->ee_subject,
			     t->path_why);
	} else if (f & (MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_MISSING)) {
		sg_error_set(e, SG_E_CERT_UNTRUSTED,
			     "%s (%s) is not trusted: its issuer '%s' does not lead to any of the "
			     "configured trust anchors",
			     who, t->ee_subject, t->ee_issuer);
	} else if (t->ee_flags & MBEDTLS_X509_BADCERT_EXPIRED) {
		sg_error_set(e, SG_E_CERT_UNTRUSTED, "%s (%s) has expired (valid until %s)", who,
			     t->ee_subject, t->ee_not_after);
	} else if (t->ee_flags & MBEDTLS_X509_BADCERT_FUTURE) {
		sg_error_set(e, SG_E_CERT_UNTRUSTED,
			     "%s (%s) is not valid yet (valid from %s; check this device's clock)",
			     who, t->ee_subject, t->ee_not_before);
	} else if (t->chain_flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) {
		sg_error_set(e, SG_E_CERT_UNTRUSTED,
			     "%s chain includes a CA certificate outside its validity (%s)", who,
			     t->bad_subject);
	} else if ((t->ee_flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) && t->alt_named) {
		sg_error_set(e, SG_E_CERT_UNTRUSTED,
			     "%s names the SRV target %s but not the domain %s (RFC 5922: the "
			     "domain is expected; [sip] accept_target_name = yes accepts the "
			     "target's name)",
			     who, t->alt, t->expect);
	} else if (t->ee_flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
		sg_error_set(e, SG_E_CERT_UNTRUSTED,
			     "%s does not match the host name: expected %s%s, the certificate "
			     "names %s",
			     who, t->ip_len ? "IP address " : "", t->expect, t->names);
	} else if (f) {
		char info[200];
		int n = mbedtls_x509_crt_verify_info(info, sizeof(info), "", f);

		for (int i = 0; i < n && info[i]; i++)
			if (info[i] == '\n')
				info[i] = i + 1 < n && info[i + 1] ? ';' : 0;
		sg_error_set(e, SG_E_CERT_UNTRUSTED, "%s (%s) is not acceptable: %s", who,
			     t->ee_subject, n > 0 ? info : "verification failed");
	} else {
		sg_error_set(e, SG_E_CERT_UNTRUSTED, "%s could not be verified", who);
	}
}

struct tls_alert {
	unsigned char code;
	const char *name;
};

static const struct tls_alert tls_alerts[] = {
	{0, "close_notify"},
	{10, "unexpected_message"},
	{20, "bad_record_mac"},
	{22, "record_overflow"},
	{40, "handshake_failure"},
	{41, "no_certificate"},
	{42, "bad_certificate"},
	{43, "unsupported_certificate"},
	{44, "certificate_revoked"},
	{45, "certificate_expired"},
	{46, "certificate_unknown"},
	{47, "illegal_parameter"},
	{48, "unknown_ca"},
	{49, "access_denied"},
	{50, "decode_error"},
	{51, "decrypt_error"},
	{70, "protocol_version"},
	{71, "insufficient_security"},
	{80, "internal_error"},
	{86, "inappropriate_fallback"},
	{90, "user_canceled"},
	{109, "missing_extension"},
	{110, "unsupported_extension"},
	{112, "unrecognized_name"},
	{116, "certificate_required"},
};

static const char *tls_alert_name(unsigned char code)
{
	for (size_t i = 0; i < sizeof(tls_alerts) / sizeof(tls_alerts[0]); i++)
		if (tls_alerts[i].code == code)
			return tls_alerts[i].name;
	return "unknown alert";
}

/* Alerts by which a server says no to the client certificate (or to its
 * CertificateVerify signature: decrypt_error). */
static int tls_alert_about_us(unsigned char code)
{
	switch (code) {
	case 40: case 41: case 42: case 43: case 44: case 45: case 46:
	case 48: case 49: case 51: case 116:
		return 1;
	default:
		return 0;
	}
}

static void tls_alert_error(struct tls *t, unsigned char code)
{
	const char *name = tls_alert_name(code);
	int sent_cert = t->ssl.state > MBEDTLS_SSL_CLIENT_CERTIFICATE;

	if (code == MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION) {
		sg_error_set(&t->err, SG_E_NETWORK,
			     "the registrar %s:%u does not accept TLS 1.2 (alert protocol_version)",
			     t->host, t->port);
	} else if (sent_cert && tls_alert_about_us(code) && t->conf.client_chain) {
		sg_error_set(&t->err, SG_E_REFUSED,
			     "the registrar %s:%u refused our client certificate (TLS alert %s, %u)%s",
			     t->host, t->port, name, code,
			     code == 48 ? ": it does not trust the CA that issued it"
			     : code == 51 ? ": our signature did not verify"
			     : code == 45 ? ": it has expired"
			     : code == 44 ? ": it has been revoked"
					  : "");
	} else if (sent_cert && tls_alert_about_us(code)) {
		sg_error_set(&t->err, SG_E_REFUSED,
			     "the registrar %s:%u wants a client certificate and none is "
			     "configured (TLS alert %s, %u)",
			     t->host, t->port, name, code);
	} else {
		sg_error_set(&t->err, SG_E_NETWORK,
			     "the registrar %s:%u ended the TLS handshake with alert %s (%u)",
			     t->host, t->port, name, code);
	}
}

/* A server that refuses our certificate sends an alert and closes; our
 * next write then meets a reset and mbedTLS never reads the alert. It is
 * still in the socket (plaintext: the server has not switched to the
 * new keys): look for it. Returns the alert code, or -1. */
static int tls_peek_alert(struct tls *t)
{
	uint8_t b[64];
	size_t got = 0;

	if (t->handle < 0 || t->ssl.in_left > 0 ||
	    hal_net_recv(&t->hal->net, t->handle, b, sizeof(b), &got) != HAL_OK || got < 7)
		return -1;
	if (b[0] != MBEDTLS_SSL_MSG_ALERT || b[1] != 3 || b[3] != 0 || b[4] != 2 ||
	    b[5] != MBEDTLS_SSL_ALERT_LEVEL_FATAL)
		return -1;
	return b[6];
}

/* The peer closed (or reset) the connection. A server that asked for a
 * client certificate and hangs up after ours often refused it without
 * an alert (or the alert was lost in the reset): say so. */
static void tls_closed_error(struct tls *t)
{
	int asked = t->state == TLS_HANDSHAKE && t->ssl.client_auth &&
		    t->ssl.state > MBEDTLS_SSL_CLIENT_CERTIFICATE;
	int alert = t->state == TLS_HANDSHAKE ? tls_peek_alert(t) : -1;

	if (alert >= 0)
		tls_alert_error(t, (unsigned char)alert);
	else if (asked && !t->conf.client_chain)
		sg_error_set(&t->err, SG_E_REFUSED,
			     "the registrar %s:%u wants a client certificate and none is "
			     "configured (it closed the connection during the TLS handshake)",
			     t->host, t->port);
	else if (asked)
		sg_error_set(&t->err, SG_E_NETWORK,
			     "the registrar %s:%u closed the connection during the TLS handshake, "
			     "after our client certificate (it may not accept it; see its log)",
			     t->host, t->port);
	else if (t->state == TLS_HANDSHAKE)
		sg_error_set(&t->err, SG_E_NETWORK,
			     "the registrar %s:%u closed the connection during the TLS handshake",
			     t->host, t->port);
	else
		sg_error_set(&t->err, SG_E_NETWORK, "the registrar %s:%u closed the connection",
			     t->host, t->port);
}

/* A failed mbedtls_ssl_* call r, in words; during the handshake or after. */
static void tls_ssl_error(struct tls *t, int r)
{
	char buf[120];
	const char *phase = t->state == TLS_UP ? "on the connection" : "during the TLS handshake";

	switch (r) {
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
		tls_cert_error(t);
		return;
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
		if (t->state == TLS_HANDSHAKE) {
			tls_alert_error(t, t->ssl.in_msg ? t->ssl.in_msg[1] : 255);
			return;
		}
		sg_error_set(&t->err, SG_E_NETWORK, "the registrar %s:%u sent TLS alert %s", t->host,
			     t->port, tls_alert_name(t->ssl.in_msg ? t->ssl.in_msg[1] : 255));
		return;
	case MBEDTLS_ERR_SSL_INVALID_RECORD:
		if (t->state == TLS_HANDSHAKE) {
			sg_error_set(&t->err, SG_E_NETWORK,
				     "%s:%u did not answer with TLS (is this the registrar's TLS "
				     "port?)",
				     t->host, t->port);
			return;
		}
		break;
	case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION:
		sg_error_set(&t->err, SG_E_NETWORK,
			     "the registrar %s:%u does not speak TLS 1.2 (required)", t->host,
			     t->port);
		return;
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
	case MBEDTLS_ERR_SSL_CONN_EOF:
	case MBEDTLS_ERR_NET_CONN_RESET:
		tls_closed_error(t);
		return;
	case MBEDTLS_ERR_NET_SEND_FAILED:
	case MBEDTLS_ERR_NET_RECV_FAILED:
		sg_error_set(&t->err, SG_E_NETWORK, "network error with %s:%u %s (HAL error %d)",
			     t->host, t->port, phase, t->last_hal);
		return;
	case MBEDTLS_ERR_PK_HW_ACCEL_FAILED:
	case MBEDTLS_ERR_PK_BAD_INPUT_DATA:
		if (t->conf.client_key && token_pk_error(t->conf.client_key, &t->err) != SG_OK)
			return; /* the token's own words (card removed, ...) */
		break;
	default:
		break;
	}
	mbedtls_strerror(r, buf, sizeof(buf));
	sg_error_set(&t->err, SG_E_NETWORK, "TLS with %s:%u failed %s: %s (-0x%04x)", t->host,
		     t->port, phase, buf, (unsigned)-r);
}

/* ---- bio over hal_net --------------------------------------------------- */

static int tls_bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls *t = ctx;
	size_t n = 0;
	int r = hal_net_send(&t->hal->net, t->handle, buf, len, &n);

	if (r == HAL_EAGAIN || (r == HAL_OK && n == 0))
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	if (r == HAL_ECLOSED)
		return MBEDTLS_ERR_NET_CONN_RESET;
	if (r != HAL_OK) {
		t->last_hal = r;
		return MBEDTLS_ERR_NET_SEND_FAILED;
	}
	return (int)n;
}

static int tls_bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct tls *t = ctx;
	size_t n = 0;
	int r = hal_net_recv(&t->hal->net, t->handle, buf, len, &n);

	if (r == HAL_EAGAIN || (r == HAL_OK && n == 0))
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (r == HAL_ECLOSED)
		return 0; /* EOF for mbedTLS */
	if (r != HAL_OK) {
		t->last_hal = r;
		return MBEDTLS_ERR_NET_RECV_FAILED;
	}
	return (int)n;
}

/* ---- connection life ---------------------------------------------------- */

static void tls_disarm(struct tls *t)
{
	if (t->timer_armed)
		(void)hal_loop_cancel_timer(&t->hal->loop, t->timer_id);
	t->timer_armed = 0;
	if (t->fail_armed)
		(void)hal_loop_cancel_timer(&t->hal->loop, t->fail_id);
	t->fail_armed = 0;
}

/* Drops the connection without an event. */
static void tls_teardown(struct tls *t, int notify)
{
	tls_disarm(t);
	if (t->ssl_ready) {
		if (notify && t->state == TLS_UP)
			(void)mbedtls_ssl_close_notify(&t->ssl); /* best effort, never waits */
		mbedtls_ssl_free(&t->ssl);
		t->ssl_ready = 0;
	}
	if (t->handle >= 0) {
		(void)hal_loop_watch(&t->hal->loop, t->handle, 0, NULL, NULL);
		(void)hal_net_close(&t->hal->net, t->handle);
		t->handle = -1;
	}
	sip_stream_reset(&t->stream);
	t->q_len = t->q_off = t->pend = 0;
	t->state = TLS_CLOSED;
	t->gen++;
}

/* Ends the connection and reports t->err with SIP_TP_DOWN. */
static void tls_fail(struct tls *t)
{
	struct sg_error e = t->err;

	tls_teardown(t, 0);
	if (t->tp.on_event)
		t->tp.on_event(SIP_TP_DOWN, &e, t->tp.arg);
}

static void tls_deadline(void *arg)
{
	struct tls *t = arg;

	t->timer_armed = 0;
	if (t->state == TLS_VERIFYING)
		sg_error_set(&t->err, SG_E_NETWORK,
			     "the check of the registrar's certificate did not finish within %d ms",
			     t->timeout_ms);
	else
		sg_error_set(&t->err, SG_E_NETWORK,
			     "no TLS connection to %s:%u within %d ms (the handshake did not finish)",
			     t->host, t->port, t->timeout_ms);
	t->busy++;
	tls_fail(t);
	t->busy--;
	if (t->destroyed && !t->busy)
		tls_release(t);
}

static void tls_open_failed(void *arg)
{
	struct tls *t = arg;

	t->fail_armed = 0;
	t->busy++;
	tls_fail(t);
	t->busy--;
	if (t->destroyed && !t->busy)
		tls_release(t);
}

/* Watches for what mbedTLS waits for (reads always: alerts, data). */
static int tls_watch(struct tls *t, int want_write)
{
	int r = hal_loop_watch(&t->hal->loop, t->handle,
			       HAL_LOOP_READ | (want_write ? HAL_LOOP_WRITE : 0), tls_ready, t);

	if (r != HAL_OK) {
		sg_error_set(&t->err, r == HAL_ENOMEM ? SG_E_NOMEM : SG_E_INTERNAL,
			     "the event loop refused the TLS connection (HAL error %d)", r);
		tls_fail(t);
		return -1;
	}
	return 0;
}

static void tls_up(struct tls *t)
{
	if (t->timer_armed)
		(void)hal_loop_cancel_timer(&t->hal->loop, t->timer_id);
	t->timer_armed = 0;
	t->state = TLS_UP;
	tls_resume_keep(t->resume, &t->ssl, t->rkey, t->issuer.raw.p ? &t->issuer : NULL,
			t->resumed, hal_clock_mono_ms(&t->hal->clock));
	if (tls_watch(t, t->q_len > t->q_off))
		return;
	if (t->tp.on_event)
		t->tp.on_event(SIP_TP_UP, NULL, t->tp.arg);
}

void sip_tp_tls_verified(struct sip_tp *tp, const struct sg_error *e)
{
	struct tls *t = tp ? tp->ctx : NULL;
	unsigned gen;

	if (!t || t->state != TLS_VERIFYING)
		return;
	gen = t->gen;
	t->busy++;
	if (e && e->code != SG_OK) {
		t->err = *e;
		tls_resume_drop(t->resume, t->rkey); /* a refused certificate is not resumed */
		tls_fail(t);
	} else {
		tls_up(t);
		if (t->gen == gen && t->state == TLS_UP)
			tls_step(t); /* data that came with the handshake's end */
	}
	t->busy--;
	if (t->destroyed && !t->busy)
		tls_release(t);
}

/* A resumed handshake carries no server certificate: the one verified by
 * the full handshake (kept in the session) is checked again against the
 * anchors at this time with the issuer kept beside it (path, validity),
 * and verify_extra then runs on it as after a full handshake. Returns 0
 * to go on, or -1 after failing the connection (the session is wiped). */
static int tls_resumed_check(struct tls *t)
{
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&t->ssl);
	uint32_t flags = 0;

	t->resumed = 1;
	t->rpool = tls_resume_issuer(t->resume, t->rkey);
	if (t->rpool && !t->rpool->raw.p)
		t->rpool = NULL; /* the server's certificate is an anchor */
	if (peer && mbedtls_x509_time_is_past(&peer->valid_to))
		flags |= MBEDTLS_X509_BADCERT_EXPIRED;
	if (peer && mbedtls_x509_time_is_future(&peer->valid_from))
		flags |= MBEDTLS_X509_BADCERT_FUTURE;
	if (peer)
		(void)tls_vrfy(t, (mbedtls_x509_crt *)peer, 0, &flags);
	if (peer && !flags)
		return 0;
	tls_resume_drop(t->resume, t->rkey);
	if (peer)
		tls_cert_error(t);
	else
		sg_error_set(&t->err, SG_E_CERT_UNTRUSTED,
			     "the resumed TLS session kept no registrar certificate");
	tls_fail(t);
	return -1;
}

static void tls_handshake(struct tls *t)
{
	int r = 0;

	/* mbedtls_ssl_handshake() step by step, so that the ECDHE group is
	 * seen before the handshake's end frees its parameters. */
	while (r == 0 && t->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
		r = mbedtls_ssl_handshake_step(&t->ssl);
		if (t->ssl.handshake && t->ssl.state > MBEDTLS_SSL_SERVER_KEY_EXCHANGE)
#if defined(MBEDTLS_ECDH_LEGACY_CONTEXT)
			t->group = t->ssl.handshake->ecdh_ctx.grp.id;
#else
			t->group = t->ssl.handshake->ecdh_ctx.grp_id;
#endif
	}
	if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) {
		(void)tls_watch(t, r == MBEDTLS_ERR_SSL_WANT_WRITE);
		return;
	}
	if (r != 0) {
		/* Refused (an alert, a bad record): the session goes. A lost
		 * connection says nothing about it: kept for the next try. */
		if (t->offered && r != MBEDTLS_ERR_SSL_CONN_EOF && r != MBEDTLS_ERR_NET_CONN_RESET &&
		    r != MBEDTLS_ERR_NET_SEND_FAILED && r != MBEDTLS_ERR_NET_RECV_FAILED)
			tls_resume_drop(t->resume, t->rkey);
		tls_ssl_error(t, r);
		tls_fail(t);
		return;
	}
	if (SIGNET_TLS_RESUME && t->offered && !t->vrfy_seen && tls_resumed_check(t))
		return;
	if (t->conf.verify_extra) {
		t->state = TLS_VERIFYING;
		if (tls_watch(t, 0))
			return;
		t->conf.verify_extra(&t->tp, mbedtls_ssl_get_peer_cert(&t->ssl),
				     t->issuer.raw.p ? &t->issuer : NULL, t->conf.verify_arg);
		return;
	}
	tls_up(t);
}

/* Feeds what TLS decrypted to the framer: the one place framing happens.
 * Returns 0, or -1 when the connection went away meanwhile. */
static int tls_frame(struct tls *t, const uint8_t *buf, size_t n)
{
	unsigned gen = t->gen;
	struct sg_error e;

	sg_error_init(&e);
	if (sip_stream_feed(&t->stream, buf, n, &e) != SG_OK) {
		if (t->gen != gen)
			return -1;
		t->err = e;
		tls_fail(t);
		return -1;
	}
	return t->gen == gen && t->state == TLS_UP ? 0 : -1;
}

static void tls_on_msg(const uint8_t *msg, size_t len, void *arg)
{
	struct tls *t = arg;

	if (t->tp.on_msg)
		t->tp.on_msg(msg, len, t->tp.arg);
}

static void tls_on_pong(void *arg)
{
	struct tls *t = arg;

	if (t->tp.on_event)
		t->tp.on_event(SIP_TP_PONG, NULL, t->tp.arg);
}

/* Writes queued bytes; 0, or -1 when the connection failed. */
static int tls_flush(struct tls *t)
{
	while (t->q_off < t->q_len) {
		size_t left = t->q_len - t->q_off;
		/* After WANT_WRITE mbedTLS has the record already: it must be
		 * asked again with the same length. */
		size_t chunk = t->pend ? t->pend : left < 16384 ? left : 16384;
		int r = mbedtls_ssl_write(&t->ssl, t->q + t->q_off, chunk);

		if (r == MBEDTLS_ERR_SSL_WANT_WRITE || r == MBEDTLS_ERR_SSL_WANT_READ) {
			t->pend = chunk;
			return tls_watch(t, 1);
		}
		t->pend = 0;
		if (r < 0) {
			tls_ssl_error(t, r);
			tls_fail(t);
			return -1;
		}
		t->q_off += (size_t)r;
	}
	t->q_off = t->q_len = 0;
	return tls_watch(t, 0);
}

/* Reads and frames what has arrived. */
static void tls_read(struct tls *t)
{
	uint8_t buf[TLS_RECV_CHUNK];

	for (int round = 0; round < TLS_RECV_ROUNDS; round++) {
		int r = mbedtls_ssl_read(&t->ssl, buf, sizeof(buf));

		if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
			return;
		if (r == 0)
			r = MBEDTLS_ERR_SSL_CONN_EOF;
		if (r < 0) {
			tls_ssl_error(t, r);
			tls_fail(t);
			return;
		}
		if (tls_frame(t, buf, (size_t)r))
			return;
	}
	/* More may wait inside mbedTLS without the socket being readable:
	 * come back at once through the loop. */
	if (mbedtls_ssl_check_pending(&t->ssl))
		(void)tls_watch(t, 1);
}

static void tls_step(struct tls *t)
{
	unsigned gen = t->gen;

	switch (t->state) {
	case TLS_HANDSHAKE:
		tls_handshake(t);
		if (t->gen == gen && t->state == TLS_UP)
			tls_step(t);
		break;
	case TLS_UP:
		if (t->q_off < t->q_len && tls_flush(t))
			break;
		if (t->gen == gen && t->state == TLS_UP)
			tls_read(t);
		break;
	case TLS_VERIFYING:
	case TLS_CLOSED:
		break;
	}
}

static void tls_ready(int handle, int events, void *arg)
{
	struct tls *t = arg;

	(void)handle;
	(void)events; /* errors and hang-ups show up in send/recv */
	t->busy++;
	tls_step(t);
	t->busy--;
	if (t->destroyed && !t->busy)
		tls_release(t);
}

/* ---- the transport operations ------------------------------------------- */

static int tls_rng(void *p, unsigned char *buf, size_t len)
{
	return hal_rng_mbedtls((void *)&((const struct hal *)p)->rng, buf, len);
}

static sg_err tls_ssl_setup(struct tls *t, struct sg_error *e)
{
	int r;

	mbedtls_ssl_init(&t->ssl);
	t->ssl_ready = 1;
	t->group = MBEDTLS_ECP_DP_NONE;
	r = mbedtls_ssl_setup(&t->ssl, &t->cfg);
	/* A DNS name is checked (and sent as SNI) by mbedTLS; an IP literal
	 * by tls_vrfy, with no SNI. */
	if (r == 0 && !t->ip_len)
		r = mbedtls_ssl_set_hostname(&t->ssl, t->expect);
	if (r)
		return sg_error_set(e, r == MBEDTLS_ERR_SSL_ALLOC_FAILED ? SG_E_NOMEM : SG_E_INTERNAL,
				    "cannot set up TLS (mbedTLS -0x%04x)", (unsigned)-r);
	mbedtls_ssl_set_bio(&t->ssl, t, tls_bio_send, tls_bio_recv, NULL);
	return SG_OK;
}

static sg_err tls_open(void *ctx, const char *host, uint16_t port, int timeout_ms,
		       struct sg_error *e)
{
	struct tls *t = ctx;
	const char *name;
	sg_err err;
	int r;

	if (t->state != TLS_CLOSED || t->fail_armed)
		return sg_error_set(e, SG_E_INTERNAL, "the TLS transport is already open");
	if (!host || !*host || timeout_ms <= 0)
		return sg_error_set(e, SG_E_INTERNAL, "TLS open: missing host or timeout");
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->port = port;
	t->timeout_ms = timeout_ms;
	name = t->server_name[0] ? t->server_name : host;
	snprintf(t->expect, sizeof(t->expect), "%s", name);
	t->ip_len = sip_tls_ip_literal(name, t->ip);
	snprintf(t->alt, sizeof(t->alt), "%s", t->tp.target_name ? t->tp.target_name : "");
	if (sip_str_ieq((struct sip_str){t->alt, strlen(t->alt)}, name))
		t->alt[0] = '\0'; /* the domain itself: nothing else to accept */
	t->alt_named = 0;
	t->offered = t->vrfy_seen = t->resumed = 0;
	t->rpool = NULL;
	t->ee_flags = t->chain_flags = 0;
	t->path_why[0] = '\0';
	t->names[0] = t->ee_subject[0] = t->bad_subject[0] = 0;
	mbedtls_x509_crt_free(&t->issuer);
	mbedtls_x509_crt_init(&t->issuer);
	sg_error_init(&t->err);
	t->gen++;

	r = hal_net_connect(&t->hal->net, HAL_NET_TCP, host, port, timeout_ms, &t->handle);
	if (r != HAL_OK) {
		t->handle = -1;
		sip_tp_net_err(&t->err, r, "TLS connect to", host, port);
		goto report_later;
	}
	err = tls_ssl_setup(t, &t->err);
	if (err)
		goto report_later;
	if (SIGNET_TLS_RESUME)
		snprintf(t->rkey, sizeof(t->rkey), "%s|%u|%s", host, (unsigned)port, t->expect);
	if (t->resume && t->conf.resume_until) {
		int64_t now;

		if (hal_clock_wall(&t->hal->clock, &now) != HAL_OK || now >= t->conf.resume_until)
			tls_resume_drop(t->resume, NULL); /* our certificate's checks are due */
	}
	t->offered = tls_resume_offer(t->resume, &t->ssl, t->rkey,
				      hal_clock_mono_ms(&t->hal->clock));
	/* connect may have used part of the time: the rest is a bound anyway */
	r = hal_loop_add_timer(&t->hal->loop, (uint32_t)timeout_ms, tls_deadline, t, &t->timer_id);
	if (r != HAL_OK) {
		tls_teardown(t, 0);
		return sg_error_set(e, r == HAL_ENOMEM ? SG_E_NOMEM : SG_E_INTERNAL,
				    "the event loop refused a timer (HAL error %d)", r);
	}
	t->timer_armed = 1;
	t->state = TLS_HANDSHAKE;
	r = hal_loop_watch(&t->hal->loop, t->handle, HAL_LOOP_READ | HAL_LOOP_WRITE, tls_ready, t);
	if (r != HAL_OK) {
		tls_teardown(t, 0);
		return sg_error_set(e, r == HAL_ENOMEM ? SG_E_NOMEM : SG_E_INTERNAL,
				    "the event loop refused the connection (HAL error %d)", r);
	}
	return SG_OK;

report_later:
	/* The contract: SIP_TP_DOWN from a loop callback, never from open. */
	if (t->ssl_ready) {
		mbedtls_ssl_free(&t->ssl);
		t->ssl_ready = 0;
	}
	if (t->handle >= 0) {
		(void)hal_net_close(&t->hal->net, t->handle);
		t->handle = -1;
	}
	r = hal_loop_add_timer(&t->hal->loop, 0, tls_open_failed, t, &t->fail_id);
	if (r != HAL_OK)
		return sg_error_set(e, SG_E_INTERNAL, "the event loop refused a timer (HAL error %d)",
				    r);
	t->fail_armed = 1;
	return SG_OK;
}

static sg_err tls_send(void *ctx, const uint8_t *buf, size_t len, struct sg_error *e)
{
	struct tls *t = ctx;

	if (t->state != TLS_UP)
		return sg_error_set(e, SG_E_NETWORK, "the TLS connection to %s:%u is not up",
				    t->host[0] ? t->host : "the registrar", t->port);
	if (len == 0)
		return SG_OK;
	if (len > TLS_QUEUE_MAX - (t->q_len - t->q_off))
		return sg_error_set(e, SG_E_NETWORK,
				    "the TLS connection to %s:%u is not draining (%zu bytes queued)",
				    t->host, t->port, t->q_len - t->q_off);
	if (t->q_off > 0 && !t->pend) { /* compact: keep only what is unsent */
		memmove(t->q, t->q + t->q_off, t->q_len - t->q_off);
		t->q_len -= t->q_off;
		t->q_off = 0;
	}
	if (t->q_len + len > t->q_cap) {
		size_t cap = t->q_cap ? t->q_cap : 2048;
		uint8_t *nq;

		while (cap < t->q_len + len)
			cap *= 2;
		nq = sg_calloc(1, cap);
		if (!nq)
			return sg_error_set(e, SG_E_NOMEM, "out of memory queueing %zu bytes", len);
		if (t->q_len)
			memcpy(nq, t->q, t->q_len);
		sg_free(t->q);
		t->q = nq;
		t->q_cap = cap;
	}
	memcpy(t->q + t->q_len, buf, len);
	t->q_len += len;
	/* Write from the loop, not from here: a failure is then reported
	 * from a callback, and the caller is never re-entered by send. */
	if (hal_loop_watch(&t->hal->loop, t->handle, HAL_LOOP_READ | HAL_LOOP_WRITE, tls_ready, t))
		return sg_error_set(e, SG_E_INTERNAL, "the event loop refused the TLS connection");
	return SG_OK;
}

static void tls_close(void *ctx)
{
	struct tls *t = ctx;

	tls_teardown(t, 1);
}

static const char *tls_name(void *ctx)
{
	(void)ctx;
	return "TLS";
}

static const char *tls_local(void *ctx)
{
	struct tls *t = ctx;

	if (t->handle < 0 ||
	    hal_net_local(&t->hal->net, t->handle, t->local, sizeof(t->local)) != HAL_OK)
		return NULL;
	return t->local;
}

/* The last step of destroy, once no callback of ours is running (the
 * stream may be inside a feed). */
static void tls_release(struct tls *t)
{
	tls_resume_free(t->resume);
	mbedtls_x509_crt_free(&t->issuer);
	mbedtls_ssl_config_free(&t->cfg);
	sip_stream_free(&t->stream);
	sg_free(t->q);
	sg_free(t);
}

static void tls_destroy(void *ctx)
{
	struct tls *t = ctx;

	if (!t)
		return;
	tls_teardown(t, 1);
	if (t->busy)
		t->destroyed = 1; /* the running callback releases it */
	else
		tls_release(t);
}

static const struct sip_tp_ops tls_ops = {
	.open = tls_open,
	.send = tls_send,
	.close = tls_close,
	.name = tls_name,
	.local = tls_local,
	.destroy = tls_destroy,
};

const char *sip_tp_tls_params(struct sip_tp *tp)
{
	struct tls *t = tp && tp->ops == &tls_ops ? tp->ctx : NULL;
	const mbedtls_ecp_curve_info *g;

	if (!t || t->state != TLS_UP || !t->ssl_ready)
		return NULL;
	g = t->group != MBEDTLS_ECP_DP_NONE ? mbedtls_ecp_curve_info_from_grp_id(t->group) : NULL;
	snprintf(t->params, sizeof(t->params), "%s, %s%s%s", mbedtls_ssl_get_version(&t->ssl),
		 mbedtls_ssl_get_ciphersuite(&t->ssl), t->resumed ? "" : ", key exchange ",
		 t->resumed ? "" : g ? g->name : "none");
	return t->params;
}

static sg_err tls_config(struct tls *t, struct sg_error *e)
{
	size_t n;
	int r;

	mbedtls_ssl_config_init(&t->cfg);
	r = mbedtls_ssl_config_defaults(&t->cfg, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT);
	if (r)
		return sg_error_set(e, SG_E_INTERNAL, "cannot set up TLS (mbedTLS -0x%04x)",
				    (unsigned)-r);
	mbedtls_ssl_conf_min_version(&t->cfg, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&t->cfg, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_authmode(&t->cfg, MBEDTLS_SSL_VERIFY_REQUIRED);
	/* ECDHE groups: X25519 and P-256 first (the cheapest, and what
	 * registrars pick), then the rest of mbedTLS's list: the same set. */
	n = 0;
	if (mbedtls_ecp_curve_info_from_grp_id(MBEDTLS_ECP_DP_CURVE25519))
		t->groups[n++] = MBEDTLS_ECP_DP_CURVE25519;
	if (mbedtls_ecp_curve_info_from_grp_id(MBEDTLS_ECP_DP_SECP256R1))
		t->groups[n++] = MBEDTLS_ECP_DP_SECP256R1;
	for (const mbedtls_ecp_group_id *g = mbedtls_ecp_grp_id_list();
	     *g != MBEDTLS_ECP_DP_NONE && n < MBEDTLS_ECP_DP_MAX; g++)
		if (*g != MBEDTLS_ECP_DP_CURVE25519 && *g != MBEDTLS_ECP_DP_SECP256R1)
			t->groups[n++] = *g;
	t->groups[n] = MBEDTLS_ECP_DP_NONE;
	mbedtls_ssl_conf_curves(&t->cfg, t->groups);
	/* The registrar's chain is judged by path.h (tls_vrfy, with
	 * conf.anchors); mbedTLS's own walk to an anchor would only repeat
	 * its signature checks. An empty CA chain (which issues nothing)
	 * keeps mbedTLS to the leaf's own checks and what the server sent. */
	mbedtls_x509_crt_init(&t->no_ca);
	mbedtls_ssl_conf_ca_chain(&t->cfg, &t->no_ca, NULL);
	mbedtls_ssl_conf_verify(&t->cfg, tls_vrfy, t);
	mbedtls_ssl_conf_rng(&t->cfg, tls_rng, (void *)t->hal);
	if (t->conf.client_chain) {
		r = mbedtls_ssl_conf_own_cert(&t->cfg, (mbedtls_x509_crt *)t->conf.client_chain,
					      t->conf.client_key);
		if (r)
			return sg_error_set(e, r == MBEDTLS_ERR_SSL_ALLOC_FAILED ? SG_E_NOMEM : SG_E_TOKEN,
					    "TLS refuses the client key (mbedTLS -0x%04x)",
					    (unsigned)-r);
	}
	return SG_OK;
}

/* [sip] tls_resume: a session cache, and tickets asked for only with one. */
static void tls_resume_config(struct tls *t)
{
	t->resume = tls_resume_new(t->conf.resume_s);
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
	mbedtls_ssl_conf_session_tickets(&t->cfg, t->resume ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
							    : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#endif
}

int sip_tp_tls_resumed(const struct sip_tp *tp)
{
	const struct tls *t = tp && tp->ops == &tls_ops ? tp->ctx : NULL;

	return t && t->state != TLS_CLOSED && t->state != TLS_HANDSHAKE ? t->resumed : -1;
}

void sip_tp_tls_forget(struct sip_tp *tp)
{
	struct tls *t = tp && tp->ops == &tls_ops ? tp->ctx : NULL;

	if (t)
		tls_resume_drop(t->resume, NULL);
}

void sip_tp_tls_resume_until(struct sip_tp *tp, int64_t until, int renewed)
{
	struct tls *t = tp && tp->ops == &tls_ops ? tp->ctx : NULL;

	if (!t)
		return;
	t->conf.resume_until = until;
	if (renewed)
		tls_resume_drop(t->resume, NULL);
}

sg_err sip_tp_tls_new(const struct hal *hal, const struct sip_tls_conf *conf,
		      struct sip_tp **out, struct sg_error *e)
{
	struct tls *t;
	sg_err err;

	if (!hal || !conf || !out || !conf->anchors)
		return sg_error_set(e, SG_E_INTERNAL, "sip_tp_tls_new: missing trust anchors");
	if (!conf->client_chain != !conf->client_key)
		return sg_error_set(e, SG_E_INTERNAL,
				    "sip_tp_tls_new: a client certificate needs its key and back");
	if (conf->server_name && strlen(conf->server_name) >= sizeof(t->server_name))
		return sg_error_set(e, SG_E_INTERNAL, "sip_tp_tls_new: server name too long");
	t = sg_calloc(1, sizeof(*t));
	if (!t)
		return sg_error_set(e, SG_E_NOMEM, "out of memory for the TLS transport");
	t->hal = hal;
	t->conf = *conf;
	if (conf->server_name)
		snprintf(t->server_name, sizeof(t->server_name), "%s", conf->server_name);
	t->conf.server_name = NULL;
	t->handle = -1;
	t->tp.ops = &tls_ops;
	t->tp.ctx = t;
	t->tp.kind = SIP_TP_TLS;
	t->tp.reliable = 1;
	mbedtls_x509_crt_init(&t->issuer);
	sip_stream_init(&t->stream, 0, tls_on_msg, tls_on_pong, t);
	err = tls_config(t, e);
	if (!err)
		tls_resume_config(t);
	if (err) {
		mbedtls_ssl_config_free(&t->cfg);
		sip_stream_free(&t->stream);
		sg_free(t);
		return err;
	}
	*out = &t->tp;
	return SG_OK;
}
