/* identity.c: matching a user identity against certificate names. */
#include "identity.h"

#include <stdio.h>
#include <string.h>

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int eq_nocase(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return 0;
	for (size_t i = 0; i < an; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* Splits "[scheme:]user@host[;params][?headers]" into user and host.
 * Returns 0 when there is no '@'. */
static int split_addr(const char *s, const char **user, size_t *ulen, const char **host,
		      size_t *hlen)
{
	const char *at = strchr(s, '@');
	if (!at || at == s)
		return 0;
	*user = s;
	*ulen = (size_t)(at - s);
	*host = at + 1;
	*hlen = strcspn(*host, ";?>");
	return *hlen > 0;
}

/* Strips "sip:" or "sips:" (any case); returns NULL for other schemes. */
static const char *sip_rest(const char *uri)
{
	/* eq_nocase stops at the first difference, so at uri's NUL at the latest. */
	if (eq_nocase(uri, 4, "sip:", 4))
		return uri + 4;
	if (eq_nocase(uri, 5, "sips:", 5))
		return uri + 5;
	return NULL;
}

static int addr_equal(const char *a, const char *b, int user_nocase)
{
	const char *au, *ah, *bu, *bh;
	size_t aul, ahl, bul, bhl;

	if (!split_addr(a, &au, &aul, &ah, &ahl) || !split_addr(b, &bu, &bul, &bh, &bhl))
		return 0;
	if (!eq_nocase(ah, ahl, bh, bhl))
		return 0;
	if (user_nocase)
		return eq_nocase(au, aul, bu, bul);
	return aul == bul && !memcmp(au, bu, aul);
}

int identity_match(const struct certinfo *ci, const char *identity)
{
	const char *want_sip = sip_rest(identity);

	for (size_t i = 0; i < ci->n_names; i++) {
		const struct certinfo_name *n = &ci->names[i];
		const char *have_sip = n->type == CERTINFO_NAME_URI ? sip_rest(n->value) : NULL;

		if (want_sip) {
			if (have_sip && addr_equal(want_sip, have_sip, 0))
				return 1;
			continue;
		}
		if (have_sip && addr_equal(identity, have_sip, 0))
			return 1;
		if ((n->type == CERTINFO_NAME_UPN || n->type == CERTINFO_NAME_EMAIL) &&
		    strcspn(n->value, ";?") == strlen(n->value) && addr_equal(identity, n->value, 1))
			return 1;
	}
	return 0;
}

void identity_names(const struct certinfo *ci, char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < ci->n_names && used + 1 < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s:%s", i ? ", " : "",
				 certinfo_name_label(ci->names[i].type), ci->names[i].value);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (!ci->n_names)
		snprintf(buf, len, "no user names (subject %s)", ci->subject);
}
