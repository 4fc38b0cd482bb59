/* est_coap_msg.c: the server's URL and the answers of EST-coaps (see
 * est_coap_msg.h). */
#include "est_coap_msg.h"

#include <stdlib.h>
#include <string.h>

#include "est_msg.h"
#include "sg_mem.h"

sg_err est_url_parse(const char *url, char *host, size_t host_cap, uint16_t *port,
		     struct sg_error *e)
{
	const char *h, *end, *p;
	size_t hl;

	*port = EST_DEFAULT_PORT;
	if (!url || strncmp(url, "coaps://", 8) != 0)
		return sg_error_set(e, SG_E_INVALID_ARG, "the server must be coaps://HOST[:PORT]");
	h = url + 8;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return sg_error_set(e, SG_E_INVALID_ARG, "an IPv6 address needs its ']'");
		h++;
		hl = (size_t)(end - h);
		p = end + 1;
	} else {
		end = h + strcspn(h, ":/");
		hl = (size_t)(end - h);
		p = end;
	}
	if (hl == 0 || hl >= host_cap)
		return sg_error_set(e, SG_E_INVALID_ARG, "the server's host name is empty or too long");
	if (*p == ':') {
		unsigned long v = 0;
		const char *q = p + 1;

		/* Digits only: strtol would take " 80", "+80" and "-0". */
		while (*q >= '0' && *q <= '9' && v <= 65535)
			v = v * 10 + (unsigned long)(*q++ - '0');
		if (q == p + 1 || v < 1 || v > 65535 || (*q && strcmp(q, "/")))
			return sg_error_set(e, SG_E_INVALID_ARG, "the server's port must be 1 to 65535");
		*port = (uint16_t)v;
	} else if (*p && strcmp(p, "/")) {
		return sg_error_set(e, SG_E_INVALID_ARG, "the server is coaps://HOST[:PORT], without a path");
	}
	memcpy(host, h, hl);
	host[hl] = 0;
	return SG_OK;
}

sg_err est_coap_take(const coap_pdu_t *recv, struct est_resp *r, const char **why)
{
	coap_opt_iterator_t it;
	coap_opt_t *opt;
	const uint8_t *data = NULL;
	size_t len = 0, off = 0, total = 0;
	coap_pdu_code_t code = coap_pdu_get_code(recv);

	r->code = (unsigned)COAP_RESPONSE_CLASS(code) * 100 + ((unsigned)code & 0x1f);
	opt = coap_check_option(recv, COAP_OPTION_CONTENT_FORMAT, &it);
	r->cf = opt ? (int)coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt)) : -1;
	if (!coap_get_data_large(recv, &len, &data, &off, &total) || !len)
		return SG_OK;
	if (len > EST_MAX_BODY) {
		*why = "the answer is too large";
		return SG_E_MALFORMED;
	}
	r->body = sg_calloc(1, len);
	if (!r->body) {
		*why = "out of memory";
		return SG_E_NOMEM;
	}
	memcpy(r->body, data, len);
	r->len = len;
	return SG_OK;
}

void est_resp_free(struct est_resp *r)
{
	if (!r)
		return;
	sg_free(r->body);
	r->body = NULL;
	r->len = 0;
}
