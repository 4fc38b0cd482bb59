/*
 * sip_build.c: writes REGISTER requests (RFC 3261 10.2, RFC 5626 5.2 for
 * outbound) into a bounded buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sip_msg.h"

struct out {
	char *buf;
	size_t cap, len;
	int over;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->over = 1;
		return;
	}
	o->len += (size_t)n;
}

/* A value that would break the message (header injection) or is missing. */
static int bad(const char *s, int required)
{
	if (!s)
		return required;
	return strpbrk(s, "\r\n") != NULL;
}

sg_err sip_build_register(const struct sip_register *r, char *buf, size_t cap, size_t *len,
			  struct sg_error *e)
{
	struct out o = {buf, cap, 0, 0};

	if (!cap)
		return sg_error_set(e, SG_E_NOMEM, "REGISTER: no buffer");
	buf[0] = '\0';
	if (bad(r->request_uri, 1) || bad(r->transport, 1) || bad(r->sent_by, 1) ||
	    bad(r->branch, 1) || bad(r->aor, 1) || bad(r->from_tag, 1) || bad(r->call_id, 1) ||
	    bad(r->contact_uri, 1) || bad(r->instance, 0) || bad(r->auth_name, 0) ||
	    bad(r->auth_value, r->auth_name != NULL) || bad(r->user_agent, 0))
		return sg_error_set(e, SG_E_CONFIG,
				    "REGISTER: a value is missing or holds a line break");
	if (strpbrk(r->instance ? r->instance : "", "\"<>"))
		return sg_error_set(e, SG_E_CONFIG, "REGISTER: the instance id holds '\"', '<' or '>'");
	put(&o, "REGISTER %s SIP/2.0\r\n", r->request_uri);
	put(&o, "Via: SIP/2.0/%s %s;branch=%s;rport\r\n", r->transport, r->sent_by, r->branch);
	put(&o, "Max-Forwards: 70\r\n");
	put(&o, "From: <%s>;tag=%s\r\n", r->aor, r->from_tag);
	put(&o, "To: <%s>\r\n", r->aor);
	put(&o, "Call-ID: %s\r\n", r->call_id);
	put(&o, "CSeq: %u REGISTER\r\n", (unsigned)r->cseq);
	put(&o, "Contact: <%s%s>", r->contact_uri, r->outbound ? ";ob" : "");
	if (r->instance)
		put(&o, ";+sip.instance=\"<%s>\"", r->instance);
	if (r->reg_id)
		put(&o, ";reg-id=%u", (unsigned)r->reg_id);
	put(&o, "\r\nExpires: %u\r\n", (unsigned)r->expires);
	if (r->outbound || r->path)
		put(&o, "Supported: %s%s%s\r\n", r->outbound ? "outbound" : "",
		    r->outbound && r->path ? ", " : "", r->path ? "path" : "");
	if (r->auth_name)
		put(&o, "%s: %s\r\n", r->auth_name, r->auth_value);
	if (r->user_agent)
		put(&o, "User-Agent: %s\r\n", r->user_agent);
	put(&o, "Content-Length: 0\r\n\r\n");
	if (o.over) {
		buf[0] = '\0';
		return sg_error_set(e, SG_E_NOMEM, "REGISTER: longer than the %zu-byte buffer", cap);
	}
	*len = o.len;
	return SG_OK;
}
