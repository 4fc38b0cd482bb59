/* policy.c: RFC 5280 6.1 certificate policy processing (policy.h). */
#include "policy.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509.h>

#include "dn.h"
#include "sg_mem.h"

#define CONS_SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define ANY 0xff     /* anyPolicy, as a policy index */
#define LIVE 1       /* node flags */
#define ANY_PARENT 2 /* the node's parent is the anyPolicy node above */
#define MAPPED 4     /* 6.1.4 (b)(1): its expected set comes from mappings */
#define NAME_MAX_ 120

/* 2.5.29.32.0, and the four extensions (2.5.29.x: 55 1d x). */
static const uint8_t oid_any[] = {0x55, 0x1d, 0x20, 0x00};
enum { EXT_CP, EXT_PM, EXT_PC, EXT_IAP, EXT__N };
static const uint8_t ext_id[EXT__N] = {0x20, 0x21, 0x24, 0x36};
static const char *const ext_name[EXT__N] = {"certificatePolicies", "policyMappings",
					     "policyConstraints", "inhibitAnyPolicy"};

struct pol_node {
	uint64_t parents; /* policies (bits) of the nodes one depth up */
	uint8_t pol;      /* policy index */
	uint8_t flags;
};

struct pol_level {
	uint16_t first, count; /* its nodes in ctx->nodes */
	uint8_t any;           /* it has the anyPolicy node */
};

/* Who set a counter to its value, for diagnoses. */
enum { BY_EXPLICIT, BY_MAPPING, BY_ANY, BY__N };

struct pol_ctx {
	int n, i; /* path length, certificates done */
	int explicit_policy, policy_mapping, inhibit_any;
	int null_tree;
	int overflow; /* a node was refused at the cap */
	sg_err failed;
	char fail_detail[sizeof(((struct sg_error *)0)->detail)];
	int initial_any;
	uint64_t initial; /* the user-initial-policy-set */
	uint64_t exp[POL_MAX_OIDS]; /* per policy: the nodes of depth i expecting it */
	size_t n_oids;
	uint8_t oid_len[POL_MAX_OIDS];
	uint8_t oid[POL_MAX_OIDS][POL_OID_MAX];
	struct pol_level lv[POL_MAX_DEPTH + 1];
	size_t n_nodes;
	struct pol_node nodes[POL_MAX_NODES];
	char by[BY__N][NAME_MAX_ + 1];
	char null_why[256];
};

/* One certificate's policy extensions, read. */
struct cert_ext {
	int have[EXT__N];
	size_t n_pol, n_map;
	int has_any;                    /* certificatePolicies names anyPolicy */
	uint8_t pol[POL_MAX_ENTRIES];   /* its other policies */
	uint8_t map[POL_MAX_ENTRIES][2];/* issuerDomainPolicy, subjectDomainPolicy */
	int require_explicit, inhibit_mapping, inhibit_any; /* -1: absent */
};

static sg_err fail(struct pol_ctx *c, struct sg_error *e, sg_err code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static sg_err fail(struct pol_ctx *c, struct sg_error *e, sg_err code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->fail_detail, sizeof(c->fail_detail), fmt, ap);
	va_end(ap);
	c->failed = code;
	return sg_error_set(e, code, "%s", c->fail_detail);
}

/* ---- policies by index ------------------------------------------------ */

/* The index of an OID (added when new); ANY for anyPolicy; -1 when the
 * table is full or the OID does not fit. */
static int intern(struct pol_ctx *c, const unsigned char *p, size_t len)
{
	if (len == sizeof(oid_any) && !memcmp(p, oid_any, len))
		return ANY;
	for (size_t i = 0; i < c->n_oids; i++)
		if (c->oid_len[i] == len && !memcmp(c->oid[i], p, len))
			return (int)i;
	if (len == 0 || len > POL_OID_MAX || c->n_oids >= POL_MAX_OIDS)
		return -1;
	memcpy(c->oid[c->n_oids], p, len);
	c->oid_len[c->n_oids] = (uint8_t)len;
	return (int)c->n_oids++;
}

static const char *oid_text(const struct pol_ctx *c, int pol, char *buf, size_t len)
{
	mbedtls_asn1_buf b;

	if (pol == ANY)
		return "anyPolicy";
	b.tag = MBEDTLS_ASN1_OID;
	b.p = (unsigned char *)c->oid[pol];
	b.len = c->oid_len[pol];
	if (mbedtls_oid_get_numeric_string(buf, len, &b) < 0)
		snprintf(buf, len, "?");
	return buf;
}

/* Appends the policies of mask to buf as "a, b" (", ..." when full). */
static size_t mask_text(const struct pol_ctx *c, uint64_t mask, char *buf, size_t len)
{
	size_t n = 0, o = 0;
	char t[160];

	buf[0] = '\0';
	for (int i = 0; i < (int)c->n_oids; i++) {
		if (!(mask >> i & 1))
			continue;
		oid_text(c, i, t, sizeof(t));
		if (o + strlen(t) + 7 < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", n ? ", " : "", t);
		else if (o + 6 < len && (o < 5 || strcmp(buf + o - 5, ", ...")))
			o += (size_t)snprintf(buf + o, len - o, ", ...");
		n++;
	}
	return n;
}

/* ---- dotted text to DER ------------------------------------------------ */

/* One OID of text[0..len) into der (cap bytes). Returns its length, or 0
 * when it is not dotted decimal with two arcs or more (first 0..2, second
 * below 40 unless the first is 2, no leading zeros, arcs below 2^56). */
static size_t oid_from_text(const char *t, size_t len, uint8_t *der, size_t cap)
{
	size_t o = 0, arc_no = 0, i = 0;
	uint64_t first = 0;

	while (i < len) {
		uint64_t v = 0;
		size_t start = i;

		while (i < len && t[i] >= '0' && t[i] <= '9') {
			v = v * 10 + (uint64_t)(t[i++] - '0');
			if (v >> 56)
				return 0;
		}
		if (i == start || (t[start] == '0' && i - start > 1))
			return 0;
		if (i < len && (t[i] != '.' || i + 1 == len))
			return 0;
		i++;
		if (arc_no++ == 0) {
			if (v > 2)
				return 0;
			first = v;
			continue;
		}
		if (arc_no == 2) {
			if (first < 2 && v > 39)
				return 0;
			v += first * 40;
		}
		uint8_t tmp[9];
		size_t k = 0;

		do {
			tmp[k++] = (uint8_t)(v & 0x7f);
			v >>= 7;
		} while (v);
		if (o + k > cap)
			return 0;
		while (k) {
			k--;
			der[o++] = (uint8_t)(tmp[k] | (k ? 0x80 : 0));
		}
	}
	return arc_no >= 2 ? o : 0;
}

/* Walks a policy list: calls fn for each OID (DER). Returns SG_OK or
 * SG_E_CONFIG naming the bad entry. */
static sg_err set_walk(const char *list, struct pol_ctx *c, struct sg_error *e)
{
	size_t count = 0;
	const char *p = list;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return SG_OK;
	for (;;) {
		const char *s = p, *end;
		uint8_t der[POL_OID_MAX];
		size_t n;

		while (*p && *p != ',')
			p++;
		end = p;
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		n = oid_from_text(s, (size_t)(end - s), der, sizeof(der));
		if (!n)
			return sg_error_set(e, SG_E_CONFIG,
					    "'%.*s' is not a policy OID (dotted decimal, e.g. "
					    "2.16.840.1.101.3.2.1.3.13, at most %d bytes encoded)",
					    (int)((end - s) > 80 ? 80 : end - s), s, POL_OID_MAX);
		if (++count > POL_MAX_INITIAL)
			return sg_error_set(e, SG_E_CONFIG, "more than %d policies", POL_MAX_INITIAL);
		if (c) {
			int k = intern(c, der, n);

			if (k == ANY)
				c->initial_any = 1;
			else if (k >= 0)
				c->initial |= (uint64_t)1 << k;
		}
		if (!*p)
			return SG_OK;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
	}
}

sg_err pol_set_check(const char *list, struct sg_error *e)
{
	return set_walk(list, NULL, e);
}

/* ---- reading the extensions ---------------------------------------------- */

static int ext_index(const unsigned char *oid, size_t len)
{
	if (len == 3 && oid[0] == 0x55 && oid[1] == 0x1d)
		for (int k = 0; k < EXT__N; k++)
			if (oid[2] == ext_id[k])
				return k;
	return -1;
}

int pol_ext_known(const mbedtls_x509_buf *oid)
{
	return oid && ext_index(oid->p, oid->len) >= 0;
}

int pol_ext_cb(void *ctx, mbedtls_x509_crt const *crt, mbedtls_x509_buf const *oid,
	       int critical, const unsigned char *p, const unsigned char *end)
{
	(void)ctx;
	(void)crt;
	(void)p;
	(void)end;
	if (pol_ext_known(oid) || !critical)
		return 0;
	return MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE;
}

/* SkipCerts ::= INTEGER (0..MAX), DER, under the tag already read (len
 * bytes at p). Returns the value (large ones as INT_MAX), -1 if bad. */
static int skip_certs(const unsigned char *p, size_t len)
{
	long v = 0;

	if (len == 0 || (p[0] & 0x80) || (len > 1 && p[0] == 0 && !(p[1] & 0x80)))
		return -1;
	for (size_t i = 0; i < len; i++)
		v = v > (INT_MAX >> 8) ? INT_MAX : (v << 8 | p[i]);
	return (int)(v > INT_MAX ? INT_MAX : v);
}

/* An OID at *p: interned into *out. 1: malformed, 2: a cap. */
static int get_pol(struct pol_ctx *c, unsigned char **p, const unsigned char *end, uint8_t *out)
{
	size_t len;
	int k;

	if (mbedtls_asn1_get_tag(p, end, &len, MBEDTLS_ASN1_OID) || len == 0)
		return 1;
	k = intern(c, *p, len);
	*p += len;
	if (k < 0)
		return 2;
	*out = (uint8_t)k;
	return 0;
}

/* certificatePolicies ::= SEQUENCE SIZE (1..MAX) OF PolicyInformation;
 * PolicyInformation ::= SEQUENCE { policyIdentifier, policyQualifiers
 * SEQUENCE OF ... OPTIONAL } (the qualifiers are skipped). */
static int read_cp(struct pol_ctx *c, unsigned char *p, const unsigned char *end,
		   struct cert_ext *x)
{
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ) || p + len != end || !len)
		return 1;
	while (p < end) {
		unsigned char *pi_end;
		uint8_t k;
		int r;

		if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ))
			return 1;
		pi_end = p + len;
		if ((r = get_pol(c, &p, pi_end, &k)))
			return r;
		if (p < pi_end && (mbedtls_asn1_get_tag(&p, pi_end, &len, CONS_SEQ) ||
				   p + len != pi_end || !len))
			return 1;
		p = pi_end;
		if (k == ANY) {
			x->has_any = 1;
			continue;
		}
		if (x->n_pol >= POL_MAX_ENTRIES)
			return 2;
		x->pol[x->n_pol++] = k;
	}
	return 0;
}

/* PolicyMappings ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE {
 *     issuerDomainPolicy, subjectDomainPolicy } */
static int read_pm(struct pol_ctx *c, unsigned char *p, const unsigned char *end,
		   struct cert_ext *x)
{
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ) || p + len != end || !len)
		return 1;
	while (p < end) {
		unsigned char *m_end;
		int r;

		if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ))
			return 1;
		m_end = p + len;
		if (x->n_map >= POL_MAX_ENTRIES)
			return 2;
		if ((r = get_pol(c, &p, m_end, &x->map[x->n_map][0])) ||
		    (r = get_pol(c, &p, m_end, &x->map[x->n_map][1])))
			return r;
		if (p != m_end)
			return 1;
		x->n_map++;
	}
	return 0;
}

/* PolicyConstraints ::= SEQUENCE { requireExplicitPolicy [0] SkipCerts
 * OPTIONAL, inhibitPolicyMapping [1] SkipCerts OPTIONAL } (not empty) */
static int read_pc(unsigned char *p, const unsigned char *end, struct cert_ext *x)
{
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ) || p + len != end || !len)
		return 1;
	if (*p == MBEDTLS_ASN1_CONTEXT_SPECIFIC) { /* [0] */
		p++;
		if (mbedtls_asn1_get_len(&p, end, &len) ||
		    (x->require_explicit = skip_certs(p, len)) < 0)
			return 1;
		p += len;
	}
	if (p < end && *p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 1)) {
		p++;
		if (mbedtls_asn1_get_len(&p, end, &len) ||
		    (x->inhibit_mapping = skip_certs(p, len)) < 0)
			return 1;
		p += len;
	}
	return p != end;
}

/* InhibitAnyPolicy ::= SkipCerts */
static int read_iap(unsigned char *p, const unsigned char *end, struct cert_ext *x)
{
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_INTEGER) || p + len != end)
		return 1;
	return (x->inhibit_any = skip_certs(p, len)) < 0;
}

/* Reads the policy extensions of one Extensions list. 0, 1: malformed
 * (*which: the extension, or -1: the list), 2: a cap. */
static int read_exts(struct pol_ctx *c, const unsigned char *ext, size_t ext_len,
		     struct cert_ext *x, int *which)
{
	unsigned char *p = (unsigned char *)ext, *end;
	size_t len;

	memset(x, 0, sizeof(*x));
	x->require_explicit = x->inhibit_mapping = x->inhibit_any = -1;
	*which = -1;
	if (!ext || !ext_len)
		return 0;
	end = p + ext_len;
	/* crt->v3_ext is the SEQUENCE OF; accept the [3] EXPLICIT around it too. */
	if (*p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 3)) {
		if (mbedtls_asn1_get_tag(&p, end, &len, *p) || p + len != end)
			return 1;
	}
	if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ) || p + len != end)
		return 1;
	while (p < end) {
		unsigned char *x_end;
		int k, critical = 0;

		if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ))
			return 1;
		x_end = p + len;
		if (mbedtls_asn1_get_tag(&p, x_end, &len, MBEDTLS_ASN1_OID))
			return 1;
		k = ext_index(p, len);
		p += len;
		if (p < x_end && *p == MBEDTLS_ASN1_BOOLEAN &&
		    mbedtls_asn1_get_bool(&p, x_end, &critical))
			return 1;
		if (mbedtls_asn1_get_tag(&p, x_end, &len, MBEDTLS_ASN1_OCTET_STRING) ||
		    p + len != x_end)
			return 1;
		if (k >= 0) {
			int r;

			*which = k;
			if (x->have[k]++)
				return 1; /* RFC 5280 4.2: one instance of an extension */
			if (k == EXT_CP)
				r = read_cp(c, p, x_end, x);
			else if (k == EXT_PM)
				r = read_pm(c, p, x_end, x);
			else if (k == EXT_PC)
				r = read_pc(p, x_end, x);
			else
				r = read_iap(p, x_end, x);
			if (r)
				return r;
			*which = -1;
		}
		p = x_end;
	}
	return 0;
}

/* ---- the tree ---------------------------------------------------------- */

static struct pol_node *find(struct pol_ctx *c, int depth, int pol)
{
	struct pol_level *l = &c->lv[depth];

	for (uint16_t k = 0; k < l->count; k++) {
		struct pol_node *nd = &c->nodes[l->first + k];

		if (nd->pol == pol && (nd->flags & LIVE))
			return nd;
	}
	return NULL;
}

/* Adds a node at depth c->i (the level being built). NULL at the cap. */
static struct pol_node *add(struct pol_ctx *c, int pol, uint64_t parents, uint8_t flags)
{
	struct pol_node *nd;

	if (c->n_nodes >= POL_MAX_NODES) {
		c->overflow = 1;
		return NULL;
	}
	nd = &c->nodes[c->n_nodes++];
	nd->pol = (uint8_t)pol;
	nd->parents = parents;
	nd->flags = (uint8_t)(LIVE | flags);
	c->lv[c->i].count++;
	return nd;
}

/* 1 when depth d has no node left (the tree is then NULL). */
static int level_empty(const struct pol_ctx *c, int d)
{
	if (c->lv[d].any)
		return 0;
	for (uint16_t k = 0; k < c->lv[d].count; k++)
		if (c->nodes[c->lv[d].first + k].flags & LIVE)
			return 0;
	return 1;
}

/* Deletes the nodes above depth d that have no child, up to the root
 * (6.1.3 (d)(3), 6.1.4 (b)(2)(ii)). */
static void prune(struct pol_ctx *c, int d)
{
	for (; d > 0; d--) {
		const struct pol_level *below = &c->lv[d];
		struct pol_level *l = &c->lv[d - 1];
		uint64_t has_child = 0;
		int any_child = below->any;

		for (uint16_t k = 0; k < below->count; k++) {
			const struct pol_node *nd = &c->nodes[below->first + k];

			if (!(nd->flags & LIVE))
				continue;
			has_child |= nd->parents;
			any_child |= nd->flags & ANY_PARENT;
		}
		for (uint16_t k = 0; k < l->count; k++) {
			struct pol_node *nd = &c->nodes[l->first + k];

			if (!(has_child >> nd->pol & 1))
				nd->flags &= (uint8_t)~LIVE;
		}
		l->any = l->any && any_child;
	}
}

static void set_null(struct pol_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_null(struct pol_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->null_tree)
		return;
	c->null_tree = 1;
	va_start(ap, fmt);
	vsnprintf(c->null_why, sizeof(c->null_why), fmt, ap);
	va_end(ap);
}

/* 6.1.3 (d): the nodes of depth i from certificate i's policies. */
static void add_level(struct pol_ctx *c, const struct cert_ext *x, int self_issued,
		      const char *name)
{
	const struct pol_level *up = &c->lv[c->i - 1];
	struct pol_level *l = &c->lv[c->i];
	uint64_t present = 0;

	l->first = (uint16_t)c->n_nodes;
	for (size_t k = 0; k < x->n_pol; k++) {
		int pol = x->pol[k];

		if (present >> pol & 1)
			continue; /* repeated in the extension */
		if (c->exp[pol]) {
			if (!add(c, pol, c->exp[pol], 0))
				return;
		} else if (up->any) {
			if (!add(c, pol, 0, ANY_PARENT))
				return;
		} else {
			continue;
		}
		present |= (uint64_t)1 << pol;
	}
	if (x->has_any && (c->inhibit_any > 0 || (c->i < c->n && self_issued))) {
		for (int pol = 0; pol < (int)c->n_oids; pol++)
			if (c->exp[pol] && !(present >> pol & 1)) {
				if (!add(c, pol, c->exp[pol], 0))
					return;
				present |= (uint64_t)1 << pol;
			}
		l->any = up->any;
	}
	prune(c, c->i);
	if (level_empty(c, c->i)) {
		char by[NAME_MAX_ + 40];

		snprintf(by, sizeof(by), " (anyPolicy inhibited by %s)", c->by[BY_ANY]);
		set_null(c, "none of the policies of %s is valid under its issuers'%s", name,
			 x->has_any && c->inhibit_any <= 0 ? by : "");
	}
}

/* 6.1.4 (b): policy mappings of certificate i, then the expected policy
 * sets of depth i for certificate i + 1 (ctx->exp). */
static void map_level(struct pol_ctx *c, const struct cert_ext *x, const char *name)
{
	struct pol_level *l = &c->lv[c->i];

	memset(c->exp, 0, sizeof(c->exp));
	if (c->null_tree)
		return;
	for (size_t k = 0; k < x->n_map; k++) {
		struct pol_node *nd = find(c, c->i, x->map[k][0]);

		if (c->policy_mapping <= 0) {
			if (nd)
				nd->flags &= (uint8_t)~LIVE;
			continue;
		}
		if (!nd && l->any && !(nd = add(c, x->map[k][0], 0, ANY_PARENT)))
			return;
		if (nd)
			nd->flags |= MAPPED;
	}
	if (c->policy_mapping <= 0 && x->n_map) {
		prune(c, c->i);
		if (level_empty(c, c->i))
			set_null(c, "policy mapping is inhibited (by %s) and %s maps its policies",
				 c->by[BY_MAPPING], name);
	}
	for (uint16_t k = 0; k < l->count; k++) {
		const struct pol_node *nd = &c->nodes[l->first + k];

		if ((nd->flags & (LIVE | MAPPED)) == LIVE)
			c->exp[nd->pol] |= (uint64_t)1 << nd->pol;
	}
	for (size_t k = 0; k < x->n_map; k++) {
		const struct pol_node *nd = find(c, c->i, x->map[k][0]);

		if (nd && (nd->flags & MAPPED))
			c->exp[x->map[k][1]] |= (uint64_t)1 << nd->pol;
	}
}

static void lower(int *counter, int value, char *by, const char *name)
{
	if (value >= 0 && value < *counter) {
		*counter = value;
		snprintf(by, NAME_MAX_ + 1, "%s", name);
	}
}

/* ---- the interface ---------------------------------------------------------- */

sg_err pol_init(struct pol_state *st, const struct pol_params *params, int n,
		struct sg_error *e)
{
	static const struct pol_params none;
	const struct pol_params *pp = params ? params : &none;
	struct pol_ctx *c;
	sg_err rc;

	st->ctx = NULL;
	if (n < 1 || n > POL_MAX_DEPTH)
		return sg_error_set(e, SG_E_CERT_UNTRUSTED,
				    "a path of %d certificates is beyond the policy check's %d", n,
				    POL_MAX_DEPTH);
	c = sg_calloc(1, sizeof(*c));
	if (!c)
		return sg_error_set(e, SG_E_NOMEM, "no memory for the policy tree");
	st->ctx = c;
	c->n = n;
	c->explicit_policy = pp->require_explicit ? 0 : n + 1;
	c->policy_mapping = pp->inhibit_mapping ? 0 : n + 1;
	c->inhibit_any = pp->inhibit_any ? 0 : n + 1;
	for (int k = 0; k < BY__N; k++)
		snprintf(c->by[k], sizeof(c->by[k]), "the configuration");
	c->lv[0].any = 1; /* 6.1.2 (a): the root, anyPolicy */
	rc = set_walk(pp->policies, c, e);
	if (rc)
		return rc;
	if (!c->initial)
		c->initial_any = 1;
	return SG_OK;
}

sg_err pol_cert_ext(struct pol_state *st, const unsigned char *ext, size_t ext_len,
		    int self_issued, const char *name, struct sg_error *e)
{
	struct pol_ctx *c = st ? st->ctx : NULL;
	struct cert_ext x;
	int which, r;

	if (!c)
		return sg_error_set(e, SG_E_INTERNAL, "policy check not started");
	if (c->failed)
		return sg_error_set(e, c->failed, "%s", c->fail_detail);
	if (c->i >= c->n)
		return fail(c, e, SG_E_INTERNAL, "policy check: more than the %d certificates announced",
			    c->n);
	r = read_exts(c, ext, ext_len, &x, &which);
	if (r == 2)
		return fail(c, e, SG_E_CERT_UNTRUSTED,
			    "the certificate policies of this path exceed %d distinct policies "
			    "(%d per extension, %d bytes each) at %s",
			    POL_MAX_OIDS, POL_MAX_ENTRIES, POL_OID_MAX, name);
	if (r)
		return fail(c, e, SG_E_CERT_PARSE, "%s: its %s is malformed", name,
			    which >= 0 ? ext_name[which] : "extension list");
	c->i++;
	/* 6.1.3 (d), (e) */
	if (!c->null_tree && !x.have[EXT_CP])
		set_null(c, "%s has no certificatePolicies", name);
	else if (!c->null_tree)
		add_level(c, &x, self_issued, name);
	/* 6.1.3 (f) */
	if (!c->overflow && c->explicit_policy <= 0 && c->null_tree)
		return fail(c, e, SG_E_CERT_UNTRUSTED,
			    "explicit policy required by %s and no valid policy remains at %s: %s",
			    c->by[BY_EXPLICIT], name, c->null_why);
	if (c->i < c->n) {
		/* 6.1.4 (a) */
		for (size_t k = 0; k < x.n_map; k++)
			if (x.map[k][0] == ANY || x.map[k][1] == ANY)
				return fail(c, e, SG_E_CERT_UNTRUSTED,
					    "%s maps %s anyPolicy in its policyMappings, which RFC "
					    "5280 forbids", name, x.map[k][0] == ANY ? "from" : "to");
		/* 6.1.4 (b) */
		map_level(c, &x, name);
		/* (h): a self-issued certificate does not count. */
		if (!self_issued) {
			c->explicit_policy -= c->explicit_policy > 0;
			c->policy_mapping -= c->policy_mapping > 0;
			c->inhibit_any -= c->inhibit_any > 0;
		}
		/* (i), (j) */
		lower(&c->explicit_policy, x.require_explicit, c->by[BY_EXPLICIT], name);
		lower(&c->policy_mapping, x.inhibit_mapping, c->by[BY_MAPPING], name);
		lower(&c->inhibit_any, x.inhibit_any, c->by[BY_ANY], name);
	} else {
		/* 6.1.5 (a), (b) */
		c->explicit_policy -= c->explicit_policy > 0;
		lower(&c->explicit_policy, x.require_explicit == 0 ? 0 : -1, c->by[BY_EXPLICIT],
		      name);
	}
	if (c->overflow)
		return fail(c, e, SG_E_CERT_UNTRUSTED,
			    "the certificate policies of this path exceed %d nodes (at %s)",
			    POL_MAX_NODES, name);
	return SG_OK;
}

sg_err pol_cert(struct pol_state *st, const mbedtls_x509_crt *crt, int self_issued,
		struct sg_error *e)
{
	char name[NAME_MAX_ + 1];

	if (!crt)
		return sg_error_set(e, SG_E_INTERNAL, "policy check: no certificate");
	dn_format(name, sizeof(name), &crt->subject); /* UTF-8, controls as \xNN (dn.h) */
	return pol_cert_ext(st, crt->v3_ext.p, crt->v3_ext.len, self_issued, name, e);
}

sg_err pol_finish(struct pol_state *st, struct pol_result *res, struct sg_error *e)
{
	struct pol_ctx *c = st ? st->ctx : NULL;
	uint64_t auth = 0;

	memset(res, 0, sizeof(*res));
	if (!c)
		return sg_error_set(e, SG_E_INTERNAL, "policy check not started");
	if (c->failed)
		return sg_error_set(e, c->failed, "%s", c->fail_detail);
	if (c->i != c->n)
		return fail(c, e, SG_E_INTERNAL, "policy check: %d of %d certificates given", c->i,
			    c->n);
	/* 6.1.5 (g): every live node reaches depth n (pruning), so the
	 * authority-constrained set is the live nodes under anyPolicy ones
	 * (valid_policy_node_set), plus anyPolicy when it reaches depth n. */
	if (!c->null_tree) {
		for (size_t k = 0; k < c->n_nodes; k++)
			if ((c->nodes[k].flags & (LIVE | ANY_PARENT)) == (LIVE | ANY_PARENT))
				auth |= (uint64_t)1 << c->nodes[k].pol;
		res->auth_any = c->lv[c->n].any;
	}
	res->n_auth = mask_text(c, auth, res->auth, sizeof(res->auth));
	if (res->auth_any && !res->n_auth)
		snprintf(res->auth, sizeof(res->auth), "anyPolicy");
	if (c->initial_any) {
		res->user_any = res->auth_any;
		res->n_user = res->n_auth;
		memcpy(res->user, res->auth, sizeof(res->user));
	} else {
		res->n_user = mask_text(c, res->auth_any ? c->initial : (auth & c->initial),
					res->user, sizeof(res->user));
	}
	if (!res->n_user && !res->user_any) {
		if (c->null_tree)
			snprintf(res->why, sizeof(res->why), "%s", c->null_why);
		else {
			char set[POL_SET_TEXT];

			mask_text(c, c->initial, set, sizeof(set));
			snprintf(res->why, sizeof(res->why),
				 "the path's policies (%.120s) are none of the acceptable ones (%.120s)",
				 res->auth, set);
		}
		if (c->explicit_policy <= 0)
			return fail(c, e, SG_E_CERT_UNTRUSTED,
				    "explicit policy required by %s and no valid policy remains: %s",
				    c->by[BY_EXPLICIT], res->why);
	}
	return SG_OK;
}

void pol_free(struct pol_state *st)
{
	if (st && st->ctx) {
		sg_free(st->ctx);
		st->ctx = NULL;
	}
}

const char *pol_result_line(const struct pol_result *res, char *buf, size_t len)
{
	if (res->user_any)
		snprintf(buf, len, "any policy");
	else if (res->n_user)
		snprintf(buf, len, "%s", res->user);
	else
		snprintf(buf, len, "none: %s", res->why);
	return buf;
}
