/* config.c: signet's settings, one table row per setting. */
#include "firmware/signin/config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "hal_log.h"
#include "ini.h"
#include "policy.h"
#include "sg_mem.h"
#include "usermap.h"

/* The Makefile passes the board's FEATURE_TLS_RESUME; other builds (the
 * fuzz harnesses) get sip_tls_resume.h's default, resumption on. */
#ifndef SIGNET_TLS_RESUME
#define SIGNET_TLS_RESUME 1
#endif

enum cfg_type {
	CFG_STRING, /* char[size]; "" allowed */
	CFG_BOOL,   /* int 0/1 from yes/no, true/false, on/off, 1/0 */
	CFG_INT,    /* int in [min, max], stored times scale */
	CFG_UINT,   /* unsigned in [min, max] */
	CFG_ENUM,   /* int from a word list */
	CFG_OIDS,   /* char[size]: dotted OIDs separated by commas; "" allowed */
	CFG__TYPES
};

struct cfg_word {
	const char *name;
	int value;
};

struct cfg_setting {
	const char *section;
	const char *key;
	enum cfg_type type;
	size_t offset;                /* of the field in struct signet_config */
	size_t size;                  /* CFG_STRING: the buffer's size */
	long min, max;                /* CFG_INT, CFG_UINT: range as written in the file */
	long scale;                   /* CFG_INT: field = value * scale (file in s, field in ms) */
	const struct cfg_word *words; /* CFG_ENUM: ends with {NULL, 0} */
	const char *arg;              /* CFG_STRING: placeholder in the help ("PATH") */
	const char *help;
};

#define FIELD(f) .offset = offsetof(struct signet_config, f)
#define STRING(f) FIELD(f), .size = sizeof(((struct signet_config *)0)->f)

static const struct cfg_word log_levels[] = {
	{"error", HAL_LOG_ERR},
	{"warning", HAL_LOG_WARN},
	{"info", HAL_LOG_INFO},
	{"debug", HAL_LOG_DEBUG},
	{NULL, 0},
};

static const struct cfg_word backend_words[] = {
	{"pkcs11", CONFIG_BACKEND_PKCS11},
	{"vcard", CONFIG_BACKEND_VCARD},
	{"pcsc", CONFIG_BACKEND_PCSC},
	{NULL, 0},
};

static const struct cfg_word revocation_words[] = {
	{"ocsp,crl", CONFIG_REVOCATION_OCSP_CRL},
	{"crl,ocsp", CONFIG_REVOCATION_CRL_OCSP},
	{"ocsp", CONFIG_REVOCATION_OCSP},
	{"crl", CONFIG_REVOCATION_CRL},
	{"none", CONFIG_REVOCATION_NONE},
	{NULL, 0},
};

static const struct cfg_word pam_map_words[] = {
	{"upn", USERMAP_UPN},   {"email", USERMAP_EMAIL}, {"sip", USERMAP_SIP},
	{"cn", USERMAP_CN},     {"file", USERMAP_FILE},   {NULL, 0},
};

static const struct cfg_word pam_log_words[] = {
	{"syslog", 0},
	{"stderr", 1},
	{NULL, 0},
};

static const struct cfg_word scope_words[] = {
	{"chain", CERTCHECK_SCOPE_CHAIN},
	{"leaf", CERTCHECK_SCOPE_LEAF},
	{NULL, 0},
};

static const struct cfg_word on_fail_words[] = {
	{"hard", REVOKE_FAIL_HARD},
	{"soft", REVOKE_FAIL_SOFT},
	{NULL, 0},
};

/* Every setting signet reads. Add a row (and a field) for a new one. */
static const struct cfg_setting settings[] = {
	{"token", "module", CFG_STRING, STRING(module), .arg = "PATH",
	 .help = "PKCS#11 module to load; empty: the board's default"},
	{"token", "uri", CFG_STRING, STRING(token_uri), .arg = "URI",
	 .help = "pkcs11: URI (RFC 7512) choosing the token, certificate and key; "
		 "empty: any token"},
	{"token", "backend", CFG_ENUM, FIELD(backend), .words = backend_words,
	 .help = "where the key is: pkcs11 (a module, see module), vcard (the in-process virtual "
		 "card, see [vcard] name) or pcsc (a PIV card in a PC/SC reader, without OpenSC)"},
	{"token", "reader", CFG_STRING, STRING(reader), .arg = "NAME",
	 .help = "backend pcsc: the reader (its name or part of it); empty: the first reader "
		 "holding a PIV card"},
	{"token", "cert_cache", CFG_BOOL, FIELD(cert_cache),
	 .help = "backends pcsc and vcard: keep a card's certificates in the state directory "
		 "(keyed by its CHUID): a known card is not read again"},
	{"vcard", "name", CFG_STRING, STRING(vcard_name), .arg = "NAME",
	 .help = "backend vcard: which virtual card (signet vcard init --name); empty: default"},
	{"pin", "min_length", CFG_UINT, FIELD(pin.min_len), .min = 1, .max = PIN_MAX_LEN,
	 .help = "fewest characters a PIN may have"},
	{"pin", "max_length", CFG_UINT, FIELD(pin.max_len), .min = 1, .max = PIN_MAX_LEN,
	 .help = "most characters a PIN may have (at least min_length)"},
	{"pin", "digits_only", CFG_BOOL, FIELD(pin.digits_only),
	 .help = "accept only the digits 0-9 (PIV cards and phone keypads need this)"},
	{"pin", "timeout", CFG_INT, FIELD(pin.timeout_ms), .min = 0, .max = 3600, .scale = 1000,
	 .help = "seconds without a key press before PIN entry gives up; 0: wait for ever"},
	{"log", "level", CFG_ENUM, FIELD(log_level), .words = log_levels,
	 .help = "least important messages that are logged"},
	{"log", "syslog", CFG_BOOL, FIELD(log_syslog),
	 .help = "also send messages to the system log"},
	{"certs", "ca", CFG_STRING, STRING(ca), .arg = "PATH",
	 .help = "trust anchors: a file of PEM/DER certificates or a directory of them"},
	{"certs", "untrusted", CFG_STRING, STRING(untrusted), .arg = "PATH",
	 .help = "intermediate CA certificates (they must chain to a trust anchor)"},
	{"certs", "crl", CFG_STRING, STRING(crl), .arg = "PATH",
	 .help = "CRLs to use before any distribution point (PEM or DER file)"},
	{"certs", "revocation", CFG_ENUM, FIELD(revocation), .words = revocation_words,
	 .help = "where to look for revocation, in order"},
	{"certs", "on_unavailable", CFG_ENUM, FIELD(check.revoke.on_fail), .words = on_fail_words,
	 .help = "no trustworthy revocation answer: hard refuses the sign-in, soft lets it "
		 "through with a warning"},
	{"certs", "grace", CFG_INT, FIELD(check.revoke.grace_s), .min = 0, .max = 30 * 86400,
	 .scale = 1,
	 .help = "seconds a cached answer past its nextUpdate still counts when no fresh one "
		 "can be had; 0: never"},
	{"certs", "revocation_scope", CFG_ENUM, FIELD(check.revocation_scope), .words = scope_words,
	 .help = "which certificates revocation is checked for: chain (every one below the "
		 "trust anchor) or leaf (the end-entity certificate only)"},
	{"certs", "ocsp_url", CFG_STRING, STRING(ocsp_url), .arg = "URL",
	 .help = "OCSP responder to ask instead of the one the certificate names"},
	{"certs", "ocsp_require_nonce", CFG_BOOL, FIELD(check.revoke.ocsp_require_nonce),
	 .help = "refuse OCSP answers that do not echo the request's nonce; no: accept them "
		 "within their validity window (pre-signed answers, Microsoft AD CS); an echoed "
		 "nonce must match either way"},
	{"certs", "ocsp_max_age", CFG_INT, FIELD(check.revoke.ocsp_max_age_s), .min = 60,
	 .max = 30 * 86400, .scale = 1,
	 .help = "seconds an OCSP answer without nextUpdate counts after its thisUpdate"},
	{"certs", "crl_max_age", CFG_INT, FIELD(check.revoke.crl_max_age_s), .min = 60,
	 .max = 366 * 86400, .scale = 1,
	 .help = "seconds a CRL without nextUpdate counts after its thisUpdate"},
	{"certs", "timeout", CFG_INT, FIELD(check.revoke.timeout_ms), .min = 1, .max = 120,
	 .scale = 1000, .help = "seconds each OCSP or CRL exchange may take"},
	{"certs", "skew", CFG_INT, FIELD(check.skew_s), .min = 0, .max = 86400, .scale = 1,
	 .help = "seconds of clock difference tolerated on validity and revocation times"},
	{"certs", "warn_days", CFG_INT, FIELD(check.warn_days), .min = 0, .max = 365, .scale = 1,
	 .help = "warn this many days before the certificate expires"},
	{"certs", "eku_client_auth", CFG_BOOL, FIELD(check.allow_client_auth),
	 .help = "accept extended key usage clientAuth"},
	{"certs", "eku_smartcard_logon", CFG_BOOL, FIELD(check.allow_smartcard_logon),
	 .help = "accept extended key usage smart-card logon (1.3.6.1.4.1.311.20.2.2)"},
	{"certs", "require_eku", CFG_BOOL, FIELD(check.require_eku),
	 .help = "refuse a certificate that has no extended key usage"},
	{"certs", "cn_fallback", CFG_BOOL, FIELD(check.cn_fallback),
	 .help = "let the subject CN name the user when no subjectAltName does"},
	{"certs", "aia_fetch", CFG_BOOL, FIELD(check.aia_fetch),
	 .help = "fetch missing intermediate certificates from the AIA caIssuers URL"},
	{"certs", "cache", CFG_BOOL, FIELD(check.revoke.use_cache),
	 .help = "keep OCSP answers and CRLs until their nextUpdate"},
	{"certs", "policies", CFG_OIDS, STRING(check.policy.policies), .arg = "OID[,OID...]",
	 .help = "the acceptable certificate policies (RFC 5280's user-initial-policy-set), "
		 "e.g. 2.16.840.1.101.3.2.1.3.13 for PIV Authentication; empty: any policy"},
	{"certs", "require_explicit_policy", CFG_BOOL, FIELD(check.policy.require_explicit),
	 .help = "the path must carry one of the acceptable policies (initial-explicit-policy); "
		 "no: only when a CA's policyConstraints requires it"},
	{"certs", "inhibit_policy_mapping", CFG_BOOL, FIELD(check.policy.inhibit_mapping),
	 .help = "ignore the CAs' policyMappings (initial-policy-mapping-inhibit)"},
	{"certs", "inhibit_any_policy", CFG_BOOL, FIELD(check.policy.inhibit_any),
	 .help = "a CA's anyPolicy does not stand for the acceptable policies "
		 "(initial-any-policy-inhibit)"},
	{"sip", "registrar", CFG_STRING, STRING(sip_registrar), .arg = "URI",
	 .help = "the registrar: sips:host[:port] or sip:host[:port];transport=tls (TLS, port "
		 "5061 by default); sip:host[:port][;transport=udp|tcp] only with "
		 "insecure_transport; empty: sips: and the user's domain"},
	{"sip", "user", CFG_STRING, STRING(sip_user), .arg = "SIP-URI",
	 .help = "the address of record to register, e.g. sip:alice@example.org; the "
		 "certificate must name it"},
	{"sip", "ca", CFG_STRING, STRING(sip_ca), .arg = "PATH",
	 .help = "trust anchors for the registrar's certificate; empty: [certs] ca"},
	{"sip", "expires", CFG_INT, FIELD(sip_expires), .min = 60, .max = 86400, .scale = 1,
	 .help = "registration lifetime asked for, in seconds"},
	{"sip", "outbound", CFG_BOOL, FIELD(sip_outbound),
	 .help = "ask for RFC 5626 outbound (keep-alives when the registrar requires it)"},
	{"sip", "instance", CFG_STRING, STRING(sip_instance), .arg = "URN",
	 .help = "+sip.instance of this device (urn:uuid:...); empty: none"},
	{"sip", "reg_id", CFG_INT, FIELD(sip_reg_id), .min = 0, .max = 65535, .scale = 1,
	 .help = "RFC 5626 reg-id (with instance); 0: none"},
	{"sip", "flows", CFG_INT, FIELD(sip_flows), .min = 1, .max = 2, .scale = 1,
	 .help = "RFC 5626 flows: 2 keeps two registrations (reg-id 1 and 2, two TLS "
		 "connections, to two targets when DNS gives two) and needs outbound and "
		 "instance (reg_id is then ignored); 1: one"},
	{"sip", "auth_user", CFG_STRING, STRING(sip_auth_user), .arg = "NAME",
	 .help = "Digest user name when the registrar also asks for a password; empty: "
		 "the user part of the address of record"},
	{"sip", "password", CFG_STRING, STRING(sip_password), .arg = "SECRET",
	 .help = "Digest password (keep this file readable by signet only)"},
	{"sip", "check_revocation", CFG_BOOL, FIELD(sip_check_revocation),
	 .help = "check the registrar's certificate for revocation (OCSP/CRL from its AIA "
		 "and distribution points, with [sip] revocation and on_unavailable) before "
		 "REGISTER is sent"},
	{"sip", "revocation", CFG_ENUM, FIELD(sip_revocation), .words = revocation_words,
	 .help = "where to look for the registrar certificate's revocation, in order "
		 "(independent of [certs] revocation)"},
	{"sip", "on_unavailable", CFG_ENUM, FIELD(sip_on_unavailable), .words = on_fail_words,
	 .help = "no trustworthy answer for the registrar's certificate: soft warns and "
		 "registers, hard refuses (exit 8); a revoked certificate is always refused "
		 "(exit 7)"},
	{"sip", "insecure_transport", CFG_BOOL, FIELD(sip_insecure_transport),
	 .help = "allow a registrar over plain UDP or TCP (sip:HOST, transport=udp|tcp): no "
		 "TLS, no registrar authentication, REGISTER in clear; for labs only"},
	{"sip", "dns", CFG_STRING, STRING(sip_dns), .arg = "ADDR[:PORT][,...]",
	 .help = "DNS servers for finding the registrar (NAPTR, SRV, A/AAAA), instead of "
		 "the system's; IPv6 as [ADDR]:PORT; empty: the system's"},
	{"sip", "accept_target_name", CFG_BOOL, FIELD(sip_accept_target_name),
	 .help = "also accept a registrar certificate that names the SRV target found in "
		 "DNS rather than the domain (RFC 5922 wants the domain)"},
	{"sip", "tls_resume", CFG_INT, FIELD(sip_tls_resume), .min = 0, .max = 7 * 86400,
	 .scale = 1,
	 .help = "seconds a TLS session may be resumed after its full handshake (a "
		 "reconnect without a card signature, while the card stays signed in); 0: off"},
	{"sip", "retry_base", CFG_INT, FIELD(sip_retry_base), .min = 1, .max = 3600, .scale = 1,
	 .help = "seconds before the first retry after a failure; it doubles (with "
		 "jitter) up to 30 minutes"},
	{"enroll", "server", CFG_STRING, STRING(enroll_server), .arg = "coaps://HOST[:PORT]",
	 .help = "the EST-coaps provisioning service (signet enroll, signet renew)"},
	{"enroll", "renew_server", CFG_STRING, STRING(enroll_renew_server),
	 .arg = "coaps://HOST[:PORT]", .help = "where the service takes re-enrolment (/sren), "
	 "when not at server (the default)"},
	{"enroll", "ca", CFG_STRING, STRING(enroll_ca), .arg = "FILE",
	 .help = "the service's CA, pinned: its /crts and DTLS certificate must chain to it "
		 "before any PIN is sent"},
	{"enroll", "ca_fingerprint", CFG_STRING, STRING(enroll_fingerprint), .arg = "SHA256",
	 .help = "instead of ca: the SHA-256 fingerprint of the service's CA certificate"},
	{"enroll", "renew_days", CFG_INT, FIELD(enroll_renew_days), .min = 1, .max = 3650,
	 .scale = 1, .help = "signet run renews the certificate this many days before it expires"},
	{"enroll", "renew_retry", CFG_INT, FIELD(enroll_renew_retry), .min = 10, .max = 604800,
	 .scale = 1, .help = "seconds signet run waits after a renewal attempt before the next "
	 "(a failed one, or a window longer than the certificate's life)"},
	{"enroll", "state_port", CFG_INT, FIELD(enroll_state_port), .min = 0, .max = 65535,
	 .scale = 1, .help = "UDP port of the CoAP device state resource of signet run (0: off)"},
	{"enroll", "state_address", CFG_STRING, STRING(enroll_state_addr), .arg = "IP",
	 .help = "address the state resource listens on"},
	{"pam", "map", CFG_ENUM, FIELD(pam_map), .words = pam_map_words,
	 .help = "how pam_signet finds the local user of a certificate: the local part of "
		 "its UPN or e-mail name, the user part of its SIP URI, its subject CN, or "
		 "map_file"},
	{"pam", "map_file", CFG_STRING, STRING(pam_map_file), .arg = "PATH",
	 .help = "for map = file: lines 'IDENTITY USER' (IDENTITY: sip:user@host, "
		 "user@host or cn:NAME); must not be writable by group or others"},
	{"pam", "map_domain", CFG_STRING, STRING(pam_map_domain), .arg = "DOMAIN",
	 .help = "for map = upn, email or sip: use only names in this domain; empty: any"},
	{"pam", "prompt", CFG_STRING, STRING(pam_prompt), .arg = "TEXT",
	 .help = "the PIN prompt ({token} is replaced by the token label); "
		 "empty: \"PIN for {token}: \""},
	{"pam", "log", CFG_ENUM, FIELD(pam_log_stderr), .words = pam_log_words,
	 .help = "where pam_signet logs: the system log (authpriv) or standard error"},
};

#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

/* ---- values ------------------------------------------------------------ */

static const struct cfg_word bool_words[] = {
	{"yes", 1}, {"no", 0}, {"true", 1}, {"false", 0},
	{"on", 1},  {"off", 0}, {"1", 1},   {"0", 0},
	{NULL, 0},
};

static void *field(const struct cfg_setting *s, struct signet_config *c)
{
	return (char *)c + s->offset;
}

static const void *cfield(const struct cfg_setting *s, const struct signet_config *c)
{
	return (const char *)c + s->offset;
}

/* ASCII-only case folding: "Yes" and "DEBUG" are plainly meant, and the
 * locale must not change what a configuration means. */
static int word_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;

		if (x != *b)
			return 0;
		if (!x)
			return 1;
	}
}

static const struct cfg_word *word_find(const struct cfg_word *w, const char *v)
{
	for (; w->name; w++)
		if (word_eq(v, w->name))
			return w;
	return NULL;
}

/* Decimal only, optional '-'; no spaces, '+' or 0x. Saturates instead of
 * overflowing so that a huge number is reported as out of range. */
static int parse_long(const char *v, long *out)
{
	int neg = *v == '-';
	long n = 0;

	v += neg;
	if (!*v)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		if (n < (LONG_MAX - 9) / 10)
			n = n * 10 + (*v - '0');
	}
	*out = neg ? -n : n;
	return 0;
}

/* "error, warning, info, debug" into buf. */
static const char *word_list(const struct cfg_word *w, const char *sep, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (; w->name && o < len; w++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? sep : "", w->name);
	return buf;
}

/* ---- applying one value -------------------------------------------------- */

typedef sg_err (*cfg_apply_fn)(const struct cfg_setting *s, const char *v,
			       struct signet_config *c, unsigned line, struct sg_error *e);

static sg_err apply_string(const struct cfg_setting *s, const char *v, struct signet_config *c,
			   unsigned line, struct sg_error *e)
{
	size_t n = strlen(v);

	if (n >= s->size)
		return sg_error_set(e, SG_E_CONFIG, "line %u: [%s] %s is too long (at most %zu bytes)",
				    line, s->section, s->key, s->size - 1);
	memcpy(field(s, c), v, n + 1);
	return SG_OK;
}

static sg_err apply_bool(const struct cfg_setting *s, const char *v, struct signet_config *c,
			 unsigned line, struct sg_error *e)
{
	const struct cfg_word *w = word_find(bool_words, v);

	if (!w)
		return sg_error_set(e, SG_E_CONFIG,
				    "line %u: [%s] %s must be yes or no (or true/false, on/off, 1/0)",
				    line, s->section, s->key);
	*(int *)field(s, c) = w->value;
	return SG_OK;
}

static sg_err number(const struct cfg_setting *s, const char *v, long *n, unsigned line,
		     struct sg_error *e)
{
	if (parse_long(v, n) || *n < s->min || *n > s->max)
		return sg_error_set(e, SG_E_CONFIG, "line %u: [%s] %s must be %ld..%ld", line,
				    s->section, s->key, s->min, s->max);
	return SG_OK;
}

static sg_err apply_int(const struct cfg_setting *s, const char *v, struct signet_config *c,
			unsigned line, struct sg_error *e)
{
	long n;
	sg_err rc = number(s, v, &n, line, e);

	if (!rc)
		*(int *)field(s, c) = (int)(n * (s->scale ? s->scale : 1));
	return rc;
}

static sg_err apply_uint(const struct cfg_setting *s, const char *v, struct signet_config *c,
			 unsigned line, struct sg_error *e)
{
	long n;
	sg_err rc = number(s, v, &n, line, e);

	if (!rc)
		*(unsigned *)field(s, c) = (unsigned)n;
	return rc;
}

static sg_err apply_enum(const struct cfg_setting *s, const char *v, struct signet_config *c,
			 unsigned line, struct sg_error *e)
{
	const struct cfg_word *w = word_find(s->words, v);

	if (!w) {
		char list[128];

		return sg_error_set(e, SG_E_CONFIG, "line %u: [%s] %s must be one of %s", line,
				    s->section, s->key, word_list(s->words, ", ", list, sizeof(list)));
	}
	*(int *)field(s, c) = w->value;
	return SG_OK;
}

/* A policy list: a string whose every OID must parse (policy.h). */
static sg_err apply_oids(const struct cfg_setting *s, const char *v, struct signet_config *c,
			 unsigned line, struct sg_error *e)
{
	struct sg_error why;

	if (pol_set_check(v, &why))
		return sg_error_set(e, SG_E_CONFIG, "line %u: [%s] %s: %s", line, s->section,
				    s->key, why.detail);
	return apply_string(s, v, c, line, e);
}

static const cfg_apply_fn apply_fns[CFG__TYPES] = {
	[CFG_STRING] = apply_string, [CFG_BOOL] = apply_bool, [CFG_INT] = apply_int,
	[CFG_UINT] = apply_uint,     [CFG_ENUM] = apply_enum, [CFG_OIDS] = apply_oids,
};

/* ---- parsing a file ------------------------------------------------------ */

struct cfg_parse {
	struct signet_config c;   /* the result, copied out only on success */
	unsigned seen[N_SETTINGS]; /* line each setting was set at; 0: not set */
};

static const struct cfg_setting *setting_find(const char *section, const char *key)
{
	for (size_t i = 0; i < N_SETTINGS; i++)
		if (!strcmp(settings[i].section, section) && !strcmp(settings[i].key, key))
			return &settings[i];
	return NULL;
}

/* Names reaching here passed ini.c's name check, so they are safe to echo. */
static sg_err unknown(const char *section, const char *key, unsigned line, struct sg_error *e)
{
	if (!section[0])
		return sg_error_set(e, SG_E_CONFIG,
				    "line %u: " CONFIG_UNKNOWN "%s outside any [section]", line,
				    key);
	return sg_error_set(e, SG_E_CONFIG, "line %u: " CONFIG_UNKNOWN "[%s] %s", line, section,
			    key);
}

static sg_err on_entry(const char *section, const char *key, const char *value, unsigned line,
		       void *arg, struct sg_error *e)
{
	struct cfg_parse *p = arg;
	const struct cfg_setting *s = setting_find(section, key);

	if (!s)
		return unknown(section, key, line, e);
	size_t i = (size_t)(s - settings);

	/* A repeated key usually means a pasted block or a merge gone wrong;
	 * letting the last one win would hide which value is in force. */
	if (p->seen[i])
		return sg_error_set(e, SG_E_CONFIG, "line %u: [%s] %s set twice, first at line %u",
				    line, s->section, s->key, p->seen[i]);
	p->seen[i] = line;
	return apply_fns[s->type](s, value, &p->c, line, e);
}

static const char *where(const struct cfg_parse *p, const char *key, char *buf, size_t len)
{
	unsigned line = p->seen[setting_find("pin", key) - settings];

	if (line)
		snprintf(buf, len, "line %u", line);
	else
		snprintf(buf, len, "not set in this file");
	return buf;
}

/* Checks that need more than one setting. Rows cannot express these. */
static sg_err check_whole(const struct cfg_parse *p, struct sg_error *e)
{
	const struct pin_policy *pp = &p->c.pin;

	if (pp->min_len > pp->max_len) {
		char a[32], b[32];

		return sg_error_set(e, SG_E_CONFIG,
				    "[pin] min_length (%u, %s) is more than max_length (%u, %s)",
				    pp->min_len, where(p, "min_length", a, sizeof(a)), pp->max_len,
				    where(p, "max_length", b, sizeof(b)));
	}
	return pin_policy_check(pp, e);
}

sg_err config_parse(const char *buf, size_t len, struct signet_config *c, struct sg_error *e)
{
	struct cfg_parse p;

	memset(&p, 0, sizeof(p));
	p.c = *c;
	sg_err rc = ini_parse(buf, len, on_entry, &p, e);

	if (!rc)
		rc = check_whole(&p, e);
	if (!rc)
		*c = p.c;
	return rc;
}

void config_defaults(struct signet_config *c)
{
	memset(c, 0, sizeof(*c));
	pin_policy_default(&c->pin);
	c->log_level = HAL_LOG_WARN;
	c->log_syslog = 0;
	c->cert_cache = 1;
	certcheck_policy_default(&c->check);
	c->revocation = CONFIG_REVOCATION_OCSP_CRL;
	c->sip_expires = 600;
	c->sip_retry_base = 30;
	c->sip_flows = 1;
	/* TLS session resumption: 8 hours where the board has it. */
	c->sip_tls_resume = SIGNET_TLS_RESUME ? 28800 : 0;
	/* The registrar's certificate: checked by default, soft-fail (as
	 * Schannel treats server certificates), its own sources. */
	c->sip_check_revocation = 1;
	c->sip_revocation = CONFIG_REVOCATION_OCSP_CRL;
	c->sip_on_unavailable = REVOKE_FAIL_SOFT;
	c->enroll_renew_days = 30;
	c->enroll_renew_retry = 3600;
	snprintf(c->enroll_state_addr, sizeof(c->enroll_state_addr), "127.0.0.1");
}

const char *config_revocation_name(int r)
{
	for (const struct cfg_word *w = revocation_words; w->name; w++)
		if (w->value == r)
			return w->name;
	return "?";
}

void config_apply_check(struct signet_config *c)
{
	revoke_policy_methods(&c->check.revoke, config_revocation_name(c->revocation), NULL);
	c->check.revoke.ocsp_url = c->ocsp_url[0] ? c->ocsp_url : NULL;
	/* [certs] skew covers revocation times too, as its help says. */
	c->check.revoke.skew_s = c->check.skew_s;
}

/* ---- files --------------------------------------------------------------- */

/* Puts "path: " in front of the detail, so that the user knows which of
 * several files (system, user, --config) is wrong. */
static sg_err with_path(sg_err rc, const char *path, struct sg_error *e)
{
	char detail[sizeof(e->detail)];

	if (!e || !rc)
		return rc;
	memcpy(detail, e->detail, sizeof(detail));
	return sg_error_set(e, rc, "%s: %s", path, detail);
}

/* Reads at most CONFIG_MAX_FILE bytes into buf (CONFIG_MAX_FILE + 1 bytes,
 * the extra one to notice a bigger file). */
static sg_err read_all(FILE *f, const char *path, char *buf, size_t *n, struct sg_error *e)
{
	*n = fread(buf, 1, CONFIG_MAX_FILE + 1, f);
	if (ferror(f))
		return sg_error_set(e, SG_E_IO, "%s: cannot read: %s", path, strerror(errno));
	if (*n > CONFIG_MAX_FILE)
		return sg_error_set(e, SG_E_CONFIG, "%s: larger than %d KiB; is this the right file?",
				    path, CONFIG_MAX_FILE / 1024);
	return SG_OK;
}

sg_err config_load_file(const char *path, int must_exist, struct signet_config *c,
			struct sg_error *e)
{
	FILE *f = fopen(path, "rb");

	if (!f) {
		if (errno == ENOENT && !must_exist)
			return SG_OK;
		return sg_error_set(e, SG_E_IO, "%s: cannot open: %s", path, strerror(errno));
	}
	char *buf = sg_calloc(1, CONFIG_MAX_FILE + 1);

	if (!buf) {
		fclose(f);
		return sg_error_set(e, SG_E_NOMEM, "%s: no memory to read it", path);
	}
	size_t n = 0;
	sg_err rc = read_all(f, path, buf, &n, e);

	fclose(f);
	if (!rc)
		rc = with_path(config_parse(buf, n, c, e), path, e);
	sg_free_secret(buf, CONFIG_MAX_FILE + 1);
	return rc;
}

/* ---- help ---------------------------------------------------------------- */

/* The value placeholder shown after "key = ". */
static const char *arg_text(const struct cfg_setting *s, char *buf, size_t len)
{
	switch (s->type) {
	case CFG_STRING:
	case CFG_OIDS:
		return s->arg ? s->arg : "TEXT";
	case CFG_BOOL:
		return "yes|no";
	case CFG_INT:
	case CFG_UINT:
		snprintf(buf, len, "%ld..%ld", s->min, s->max);
		return buf;
	case CFG_ENUM:
		return word_list(s->words, "|", buf, len);
	default:
		return "?";
	}
}

static const char *default_text(const struct cfg_setting *s, const struct signet_config *d,
				char *buf, size_t len)
{
	const void *v = cfield(s, d);
	const struct cfg_word *w;

	switch (s->type) {
	case CFG_STRING:
	case CFG_OIDS:
		snprintf(buf, len, "\"%s\"", (const char *)v);
		break;
	case CFG_BOOL:
		snprintf(buf, len, "%s", *(const int *)v ? "yes" : "no");
		break;
	case CFG_INT:
		snprintf(buf, len, "%ld", *(const int *)v / (s->scale ? s->scale : 1));
		break;
	case CFG_UINT:
		snprintf(buf, len, "%u", *(const unsigned *)v);
		break;
	case CFG_ENUM:
		for (w = s->words; w->name && w->value != *(const int *)v; w++)
			;
		snprintf(buf, len, "%s", w->name ? w->name : "?");
		break;
	default:
		snprintf(buf, len, "?");
	}
	return buf;
}

void config_print_help(FILE *f)
{
	struct signet_config d;
	const char *section = NULL;
	char arg[128], def[300];

	config_defaults(&d);
	fprintf(f, "signet configuration file: [section] headers, then key = value lines.\n"
		   "Comments are lines starting with # or ;. A value may be \"quoted\" (with\n"
		   "\\\" and \\\\) to keep spaces or a #. Unknown or repeated settings are errors.\n");
	for (size_t i = 0; i < N_SETTINGS; i++) {
		const struct cfg_setting *s = &settings[i];

		if (!section || strcmp(section, s->section)) {
			section = s->section;
			fprintf(f, "\n[%s]\n", section);
		}
		fprintf(f, "  %s = %s\n      %s (default: %s)\n", s->key,
			arg_text(s, arg, sizeof(arg)), s->help,
			default_text(s, &d, def, sizeof(def)));
	}
}
