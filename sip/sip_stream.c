/*
 * sip_stream.c: SIP message framing on byte streams.
 */
#include <string.h>

#include "sg_mem.h"
#include "sip_msg.h"
#include "sip_stream.h"

#define STREAM_MIN_CAP 4096
/* Content-Length: up to 999999999 (sip_msg.c check_body has the same bound). */
#define STREAM_CL_DIGITS 9

void sip_stream_init(struct sip_stream *s, size_t max_msg, sip_tp_msg_h on_msg,
		     sip_stream_pong_h on_pong, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->max = max_msg ? max_msg : SIP_STREAM_MAX_DEFAULT;
	s->on_msg = on_msg;
	s->on_pong = on_pong;
	s->arg = arg;
}

void sip_stream_reset(struct sip_stream *s)
{
	s->len = 0;
	s->scan = 0;
	s->failed = 0;
	s->gen++;
}

void sip_stream_free(struct sip_stream *s)
{
	sg_free(s->buf);
	s->buf = NULL;
	s->cap = s->len = s->scan = 0;
}

static int grow(struct sip_stream *s, size_t need)
{
	size_t ncap = s->cap ? s->cap : STREAM_MIN_CAP;
	uint8_t *nb;

	if (need <= s->cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if (ncap > s->max)
		ncap = s->max;
	nb = sg_calloc(1, ncap);
	if (!nb)
		return -1;
	if (s->len)
		memcpy(nb, s->buf, s->len);
	sg_free(s->buf);
	s->buf = nb;
	s->cap = ncap;
	return 0;
}

static void consume(struct sip_stream *s, size_t k)
{
	memmove(s->buf, s->buf + k, s->len - k);
	s->len -= k;
	s->scan = 0;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_cl_name(const uint8_t *p, size_t n)
{
	static const char full[] = "content-length";
	size_t i;

	if (n == 1)
		return lower(p[0]) == 'l';
	if (n != sizeof(full) - 1)
		return 0;
	for (i = 0; i < n; i++)
		if (lower(p[i]) != full[i])
			return 0;
	return 1;
}

/* Content-Length from the head h[0..n) (which ends with CRLFCRLF). */
static sg_err head_length(const uint8_t *h, size_t n, size_t *cl, struct sg_error *e)
{
	size_t i = 0, seen = 0;

	*cl = 0;
	while (i < n) {
		size_t ls = i, ne;

		while (i + 1 < n && !(h[i] == '\r' && h[i + 1] == '\n'))
			i++;
		/* h[ls..i) is one physical line */
		for (ne = ls; ne < i && h[ne] != ':' && h[ne] != ' ' && h[ne] != '\t'; ne++)
			;
		if (ne > ls && is_cl_name(h + ls, ne - ls)) {
			size_t k = ne;

			while (k < i && (h[k] == ' ' || h[k] == '\t'))
				k++;
			if (k < i && h[k] == ':') {
				size_t v = 0, digits = 0;

				for (k++; k < i && (h[k] == ' ' || h[k] == '\t'); k++)
					;
				/* At most STREAM_CL_DIGITS digits (leading zeros
				 * count), as sip_msg.c's parser: the framer and
				 * the parser must agree on every length, and
				 * the value always fits a 32-bit size_t. */
				for (; k < i && h[k] >= '0' && h[k] <= '9'; k++, digits++)
					if (digits < STREAM_CL_DIGITS)
						v = v * 10 + (size_t)(h[k] - '0');
				while (k < i && (h[k] == ' ' || h[k] == '\t'))
					k++;
				if (!digits || k != i)
					return sg_error_set(e, SG_E_MALFORMED,
							    "SIP stream: Content-Length is not a "
							    "number");
				if (digits > STREAM_CL_DIGITS)
					return sg_error_set(e, SG_E_MALFORMED,
							    "SIP stream: Content-Length is not a "
							    "number below 10^9");
				if (seen && v != *cl)
					return sg_error_set(e, SG_E_MALFORMED,
							    "SIP stream: Content-Length headers "
							    "disagree");
				*cl = v;
				seen = 1;
			}
		}
		i += 2;
	}
	return SG_OK;
}

/* Delivers what is complete. 1: the handler reset the stream. */
static int drain(struct sip_stream *s, sg_err *err, struct sg_error *e)
{
	for (;;) {
		unsigned gen = s->gen;
		size_t i = 0, pos, cl, total;

		while (i + 1 < s->len && s->buf[i] == '\r' && s->buf[i + 1] == '\n')
			i += 2;
		if (i) {
			consume(s, i);
			if (s->on_pong)
				s->on_pong(s->arg);
			if (gen != s->gen)
				return 1;
			continue;
		}
		if (s->len < 4)
			return 0;
		for (pos = s->scan; pos + 4 <= s->len; pos++)
			if (s->buf[pos] == '\r' && !memcmp(s->buf + pos, "\r\n\r\n", 4))
				break;
		if (pos + 4 > s->len) {
			s->scan = s->len - 3;
			return 0;
		}
		s->scan = pos;
		*err = head_length(s->buf, pos + 4, &cl, e);
		if (*err)
			return 0;
		if (cl > s->max || pos + 4 + cl > s->max) {
			*err = sg_error_set(e, SG_E_MALFORMED,
					    "SIP stream: a message of %zu bytes (Content-Length "
					    "%zu) exceeds the %zu-byte limit", pos + 4 + cl, cl,
					    s->max);
			return 0;
		}
		total = pos + 4 + cl;
		if (s->len < total)
			return 0;
		if (s->on_msg)
			s->on_msg(s->buf, total, s->arg);
		if (gen != s->gen)
			return 1;
		consume(s, total);
	}
}

sg_err sip_stream_feed(struct sip_stream *s, const uint8_t *data, size_t n, struct sg_error *e)
{
	sg_err err = SG_OK;

	if (s->failed)
		return sg_error_set(e, SG_E_MALFORMED, "SIP stream: already failed");
	while (n > 0) {
		size_t take = n, room = s->max - s->len;

		if (take > room)
			take = room;
		if (take == 0) {
			err = sg_error_set(e, SG_E_MALFORMED,
					   "SIP stream: no complete message within %zu bytes",
					   s->max);
			break;
		}
		if (grow(s, s->len + take)) {
			err = sg_error_set(e, SG_E_NOMEM, "SIP stream: out of memory");
			break;
		}
		memcpy(s->buf + s->len, data, take);
		s->len += take;
		data += take;
		n -= take;
		if (drain(s, &err, e))
			return SG_OK;
		if (err)
			break;
	}
	if (err)
		s->failed = 1;
	return err;
}
