/*
 * sip_msg.h: SIP messages (RFC 3261): a parser for requests and responses
 * and a builder for REGISTER requests.
 *
 * The parser never copies and never allocates: sip_msg_parse() fills a
 * struct sip_msg with the start line and an index of up to SIP_MSG_MAX_HDRS
 * header fields, as (pointer, length) slices of the caller's buffer, which
 * must outlive the struct. It never reads past buf[len]. Accessors parse a
 * header's value on demand, into more slices. Slices are not
 * NUL-terminated; quoted values are returned without their quotes (a
 * quoted-pair such as \" is left as it is).
 *
 * Accepted: compact header names (v f t i m l c k s e o r u x a j b d y n),
 * header names in any case, line folding (CRLF followed by SP or HT inside
 * a value; accessors treat it as white space), several values in one
 * header field and repeated header fields (the two are equivalent for list
 * headers: Via, Contact, Require, Supported, ...), leading CRLFs before the
 * start line. Refused with SG_E_MALFORMED and a detail naming the line or
 * header: a bare CR or LF, a NUL byte in the head, a header line without a
 * colon or with an empty/invalid name, a start line that is neither
 * "METHOD URI SIP/2.0" nor "SIP/2.0 NNN reason", a head without the empty
 * line, more than SIP_MSG_MAX_HDRS header fields, a missing or repeated
 * From/To/Call-ID/CSeq, no Via, a bad CSeq, a Content-Length that is not
 * a number, disagrees with another one or exceeds the bytes received.
 */
#ifndef SIP_MSG_H
#define SIP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "sg_err.h"

#define SIP_MSG_MAX_HDRS 64

/* A slice of the message buffer (not NUL-terminated). */
struct sip_str {
	const char *p;
	size_t len;
};

enum sip_hdr_id {
	SIP_HDR_OTHER = 0,
	SIP_HDR_VIA,
	SIP_HDR_FROM,
	SIP_HDR_TO,
	SIP_HDR_CALL_ID,
	SIP_HDR_CSEQ,
	SIP_HDR_CONTACT,
	SIP_HDR_EXPIRES,
	SIP_HDR_MIN_EXPIRES,
	SIP_HDR_WWW_AUTHENTICATE,
	SIP_HDR_PROXY_AUTHENTICATE,
	SIP_HDR_AUTHORIZATION,
	SIP_HDR_PROXY_AUTHORIZATION,
	SIP_HDR_RETRY_AFTER,
	SIP_HDR_REQUIRE,
	SIP_HDR_SUPPORTED,
	SIP_HDR_UNSUPPORTED,
	SIP_HDR_FLOW_TIMER,
	SIP_HDR_CONTENT_LENGTH,
	SIP_HDR_CONTENT_TYPE,
	SIP_HDR_MAX_FORWARDS,
	SIP_HDR_USER_AGENT,
	SIP_HDR_PATH,
	SIP_HDR__COUNT
};

struct sip_hdr {
	enum sip_hdr_id id;
	struct sip_str name;  /* as written ("v", "VIA", ...) */
	struct sip_str value; /* trimmed; may contain folded line breaks */
};

struct sip_msg {
	int is_request;
	struct sip_str method;  /* requests */
	struct sip_str uri;     /* requests: the Request-URI */
	int status;             /* responses: 100..699 */
	struct sip_str reason;  /* responses: may be empty */
	struct sip_hdr hdrs[SIP_MSG_MAX_HDRS];
	size_t nhdrs;
	const uint8_t *body;    /* Content-Length bytes (or the rest when absent) */
	size_t body_len;
	size_t len;             /* bytes of buf this message used (head + body) */
};

/* Parses one whole message buf[0..len) (a datagram, or what the stream
 * framer delivered). Bytes after Content-Length are ignored (RFC 3261
 * 18.3). SG_OK, or SG_E_MALFORMED with a detail. */
sg_err sip_msg_parse(struct sip_msg *m, const uint8_t *buf, size_t len, struct sg_error *e);

/* The header id for a name (full or compact form, any case);
 * SIP_HDR_OTHER when unknown. */
enum sip_hdr_id sip_hdr_lookup(const char *name, size_t len);

/* The first header field with that id, NULL when absent. */
const struct sip_hdr *sip_msg_hdr(const struct sip_msg *m, enum sip_hdr_id id);
/* How many header fields with that id (repeated fields count each). */
size_t sip_msg_hdr_count(const struct sip_msg *m, enum sip_hdr_id id);

/* Walks the comma-separated values of every header field with that id,
 * in order (commas inside quotes or <...> do not split). Start with
 * it = {0}. Returns 1 with *val set, 0 at the end. Empty elements are
 * skipped. Not for headers whose values hold commas of their own
 * (WWW-Authenticate, Date, User-Agent, ...). */
struct sip_iter {
	size_t hdr;
	size_t off;
};
int sip_msg_next(const struct sip_msg *m, enum sip_hdr_id id, struct sip_iter *it,
		 struct sip_str *val);

/* ---- values ---------------------------------------------------------- */

/* Tri-state result of accessors for optional headers. */
enum {
	SIP_BAD = -1,   /* present but malformed: e says which header */
	SIP_ABSENT = 0,
	SIP_FOUND = 1,
};

/* A name-addr or addr-spec with its header parameters (From, To,
 * Contact). */
struct sip_addr {
	struct sip_str display; /* without quotes; may be empty */
	struct sip_str uri;     /* without <> */
	struct sip_str params;  /* ";tag=..;expires=.." (with the first ';'), or empty */
	struct sip_str tag;     /* the tag parameter, empty when none */
};

struct sip_uri {
	int sips;               /* the scheme is sips */
	struct sip_str user;    /* may be empty */
	struct sip_str host;    /* IPv6 without brackets */
	uint16_t port;          /* 0 when not given */
	struct sip_str params;  /* ";transport=tcp;lr" or empty */
};

struct sip_via {
	struct sip_str transport; /* "UDP", "TCP", "TLS", ... */
	struct sip_str host;
	uint16_t port;            /* 0 when not given */
	struct sip_str branch;    /* empty when none */
	struct sip_str received;  /* empty when none */
	int rport;                /* -1: no rport; 0: rport without a value; else the port */
	struct sip_str params;
};

struct sip_contact {
	int star;                 /* "Contact: *" */
	struct sip_addr addr;
	long expires;             /* the expires parameter, -1 when absent */
	struct sip_str instance;  /* +sip.instance without quotes and <>, or empty */
	long reg_id;              /* reg-id, -1 when absent */
};

/* A Digest (or other) challenge: one WWW-/Proxy-Authenticate field. */
struct sip_challenge {
	struct sip_str scheme;    /* "Digest" */
	struct sip_str realm, nonce, opaque, algorithm, qop;
	int stale;                /* stale=true */
};

/* Case-sensitive / case-insensitive comparison with a C string. */
int sip_str_eq(struct sip_str s, const char *c);
int sip_str_ieq(struct sip_str s, const char *c);
/* Copies s into buf (cap > 0) as a C string; returns 0, or -1 when it
 * does not fit (buf then holds "") or holds a NUL byte. */
int sip_str_copy(struct sip_str s, char *buf, size_t cap);
/* Whether the comma-separated list holds tok (any case), e.g. qop. */
int sip_str_list_has(struct sip_str list, const char *tok);

/* Finds parameter name (any case) in ";a=b;c" (Via, Contact, URI params)
 * or, with sep ',', in "a=b, c=\"d\"" (auth params). Returns 1 with *val
 * (empty for a bare name; unquoted), 0 when absent. */
int sip_param(struct sip_str params, char sep, const char *name, struct sip_str *val);

/* Parses "display <uri>;params", "<uri>;params" or "uri;params". */
sg_err sip_addr_parse(struct sip_str v, struct sip_addr *a, struct sg_error *e);
/* Parses sip: and sips: URIs: [user[:password]@]host[:port][;params][?headers]. */
sg_err sip_uri_parse(struct sip_str s, struct sip_uri *u, struct sg_error *e);

/* The mandatory headers (the parser checked they are there). */
sg_err sip_msg_via(const struct sip_msg *m, struct sip_via *v, struct sg_error *e); /* topmost */
sg_err sip_msg_from(const struct sip_msg *m, struct sip_addr *a, struct sg_error *e);
sg_err sip_msg_to(const struct sip_msg *m, struct sip_addr *a, struct sg_error *e);
sg_err sip_msg_call_id(const struct sip_msg *m, struct sip_str *id, struct sg_error *e);
sg_err sip_msg_cseq(const struct sip_msg *m, uint32_t *num, struct sip_str *method,
		    struct sg_error *e);

/* Fills up to max contacts; returns how many there are (may exceed max),
 * or SIP_BAD. */
int sip_msg_contacts(const struct sip_msg *m, struct sip_contact *out, size_t max,
		     struct sg_error *e);
/* A header holding one decimal number: Expires, Min-Expires, Flow-Timer,
 * Content-Length, Max-Forwards (up to 2^32-1). SIP_FOUND/ABSENT/BAD. */
int sip_msg_uint(const struct sip_msg *m, enum sip_hdr_id id, uint32_t *v, struct sg_error *e);
/* Retry-After: delta-seconds [comment] [;duration=..]. SIP_FOUND/ABSENT/BAD. */
int sip_msg_retry_after(const struct sip_msg *m, uint32_t *secs, struct sg_error *e);
/* Whether an option tag is listed in Require, Supported, ... (any case). */
int sip_msg_has_option(const struct sip_msg *m, enum sip_hdr_id id, const char *tag);
/* The idx-th WWW-Authenticate or Proxy-Authenticate field (id says
 * which). SIP_FOUND/ABSENT/BAD. */
int sip_msg_challenge(const struct sip_msg *m, enum sip_hdr_id id, size_t idx,
		      struct sip_challenge *c, struct sg_error *e);

/* ---- building a REGISTER --------------------------------------------- */

struct sip_register {
	const char *request_uri;   /* "sips:example.org" */
	const char *transport;     /* for Via: "UDP", "TCP", "TLS" */
	const char *sent_by;       /* for Via: "host[:port]" */
	const char *branch;        /* "z9hG4bK..." */
	const char *aor;           /* From and To: "sip:alice@example.org" */
	const char *from_tag;
	const char *call_id;
	uint32_t cseq;
	const char *contact_uri;   /* "sip:alice@host:port;transport=tcp" */
	const char *instance;      /* "urn:uuid:..." or NULL */
	uint32_t reg_id;           /* 0: none */
	int outbound;              /* ";ob" in Contact and "outbound" in Supported */
	int path;                  /* "path" in Supported */
	uint32_t expires;
	const char *auth_name;     /* "Authorization" / "Proxy-Authorization", or NULL */
	const char *auth_value;    /* "Digest ..." */
	const char *user_agent;    /* or NULL */
};

/* Writes the request into buf (NUL-terminated); *len its length without
 * the NUL. SG_E_NOMEM when it does not fit in cap, SG_E_CONFIG when a
 * value holds a CR, LF or NUL (or a required one is missing). Nothing
 * here is secret: the Authorization value holds only the digest. */
sg_err sip_build_register(const struct sip_register *r, char *buf, size_t cap, size_t *len,
			  struct sg_error *e);

#endif
