/* cmd_certs.c: `signet certs`: every certificate on the token. */
#define _GNU_SOURCE
#include <getopt.h>
#include <string.h>

#include "certcheck.h"
#include "certinfo.h"
#include "cli.h"
#include "commands.h"
#include "json.h"
#include "sg_time.h"
#include "trust.h"

static const char certs_usage[] =
	"usage: signet certs [--module PATH] [--token URI] [--user ID]\n"
	"                    [--expires-before DATE] [--issued-after DATE] [--json]\n"
	"                    [--check [--ca FILE|DIR] [--untrusted FILE] [--crl FILE]\n"
	"                     [--revocation POLICY]] [--config FILE] [--verbose]\n"
	"Lists every certificate on the token: subject, names, issuer, serial,\n"
	"validity, key. DATE is YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC). --user\n"
	"keeps the certificates that name ID (a SIP URI, UPN or e-mail address).\n"
	"--check adds each certificate's status as a sign-in would see it (valid and\n"
	"days left, expired, not yet valid, revoked, untrusted, not for sign-in),\n"
	"with the trust settings of [certs] or --ca/--untrusted/--crl/--revocation.\n";

static const char *key_state_text(enum token_key_state s)
{
	switch (s) {
	case TOKEN_KEY_STATE_PRESENT:
		return "private key present";
	case TOKEN_KEY_STATE_ABSENT:
		return "no private key";
	case TOKEN_KEY_STATE_UNKNOWN:
		break;
	}
	return "private key hidden until login";
}

/* --check: the trust settings and their loaded material. */
struct check_ctx {
	int on;
	const char *ca, *untrusted, *crl, *revocation;
	mbedtls_x509_crt anchors, pool;
	struct crl_list crls;
	struct certcheck_policy pol;
	int have_anchors;
};

struct cert_status {
	const char *word; /* "valid", "expired", ... */
	char text[640];   /* the word and the check's detail */
};

static int check_prepare(struct cli *c, struct check_ctx *k, const struct token *t)
{
	const char *ca = k->ca ? k->ca : c->cfg.ca[0] ? c->cfg.ca : NULL;
	const char *un = k->untrusted ? k->untrusted : c->cfg.untrusted[0] ? c->cfg.untrusted : NULL;
	const char *crl = k->crl ? k->crl : c->cfg.crl[0] ? c->cfg.crl : NULL;
	struct sg_error e;

	mbedtls_x509_crt_init(&k->anchors);
	mbedtls_x509_crt_init(&k->pool);
	crl_list_init(&k->crls);
	config_apply_check(&c->cfg);
	k->pol = c->cfg.check;
	sg_error_init(&e);
	if (k->revocation && revoke_policy_methods(&k->pol.revoke, k->revocation, &e))
		return cli_usage_error(c, "--revocation: %s", e.detail);
	if (ca && trust_load_certs(&k->anchors, ca, "--ca", &e))
		return cli_usage_error(c, "%s", e.detail);
	k->have_anchors = ca != NULL;
	if (un && trust_load_pool(&k->pool, NULL, un, "--untrusted", &e))
		return cli_usage_error(c, "%s", e.detail);
	if (crl && trust_load_crl(&k->crls, crl, "--crl", &e))
		return cli_usage_error(c, "%s", e.detail);
	trust_add_token_cas(&k->pool, t);
	return 0;
}

static void check_release(struct check_ctx *k)
{
	mbedtls_x509_crt_free(&k->anchors);
	mbedtls_x509_crt_free(&k->pool);
	crl_list_free(&k->crls);
}

static void check_cert(struct cli *c, struct check_ctx *k, const struct token_cert *tc,
		       struct cert_status *st)
{
	static const struct {
		sg_err err;
		const char *word;
	} words[] = {
		{SG_E_CERT_EXPIRED, "expired"},
		{SG_E_CERT_NOT_YET_VALID, "not yet valid"},
		{SG_E_REVOKED, "revoked"},
		{SG_E_CERT_UNTRUSTED, "untrusted"},
		{SG_E_CERT_USAGE, "not for sign-in"},
		{SG_E_CERT_IDENTITY, "does not name the user"},
		{SG_E_REVOCATION_UNAVAILABLE, "revocation status unknown"},
		{SG_E_TIME_UNKNOWN, "time unknown"},
		{SG_E_CERT_PARSE, "unreadable"},
	};
	struct certcheck_input in;
	struct certcheck_report rep;
	struct sg_error e;

	memset(st, 0, sizeof(*st));
	if (tc->is_ca) {
		st->word = "CA certificate";
		snprintf(st->text, sizeof(st->text), "CA certificate (an intermediate, not for sign-in)");
		return;
	}
	if (!k->have_anchors) {
		st->word = "untrusted";
		snprintf(st->text, sizeof(st->text),
			 "untrusted: no trust anchors (give --ca or set [certs] ca)");
		return;
	}
	memset(&in, 0, sizeof(in));
	in.der = tc->der;
	in.der_len = tc->der_len;
	in.anchors = &k->anchors;
	in.intermediates = k->pool.raw.p ? &k->pool : NULL;
	in.crls = &k->crls;
	in.identity = c->user;
	sg_error_init(&e);
	if (certcheck_run(&c->hal, &k->pol, &in, &rep, &e) == SG_OK) {
		st->word = "valid";
		snprintf(st->text, sizeof(st->text), "valid, expires in %d day%s%s", rep.days_left,
			 rep.days_left == 1 ? "" : "s", rep.expiry_warning ? " (renew it soon)" : "");
		return;
	}
	st->word = "not acceptable";
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (words[i].err == rep.result)
			st->word = words[i].word;
	snprintf(st->text, sizeof(st->text), "%s: %s", st->word, e.detail);
}

static void print_text(const struct token_cert *tc, const struct certinfo *ci, int64_t now,
		       size_t idx, size_t total)
{
	char nb[24], na[24];

	printf("Certificate %zu of %zu: %s\n", idx, total, tc->label[0] ? tc->label : "(no label)");
	printf("  URI:         %s\n", tc->uri);
	printf("  Subject:     %s\n", ci->subject);
	for (size_t i = 0; i < ci->n_names; i++)
		printf("  %-12s %s: %s\n", i == 0 ? "Names:" : "",
		       certinfo_name_label(ci->names[i].type), ci->names[i].value);
	printf("  Issuer:      %s\n", ci->issuer);
	printf("  Serial:      %s\n", ci->serial);
	printf("  Not before:  %s\n", sg_time_format(ci->not_before, nb, sizeof(nb)));
	printf("  Not after:   %s", sg_time_format(ci->not_after, na, sizeof(na)));
	if (now != INT64_MIN) {
		int64_t days = (ci->not_after - now) / 86400;
		if (ci->not_after < now)
			printf(" (expired)");
		else if (ci->not_before > now)
			printf(" (not valid yet)");
		else
			printf(" (expires in %lld day%s)", (long long)days, days == 1 ? "" : "s");
	}
	printf("\n  Key:         %s %u bits, %s%s\n", ci->key_type, ci->key_bits,
	       key_state_text(tc->key_state), ci->is_ca ? " (CA certificate)" : "");
}

static void print_json_cert(struct json *j, const struct token_cert *tc,
			    const struct certinfo *ci, const struct cert_status *st)
{
	char t[24];

	json_obj_begin(j);
	json_key(j, "label");
	json_str(j, tc->label);
	json_key(j, "id");
	json_hex(j, tc->id, tc->id_len);
	json_key(j, "uri");
	json_str(j, tc->uri);
	json_key(j, "subject");
	json_str(j, ci->subject);
	json_key(j, "names");
	json_arr_begin(j);
	for (size_t i = 0; i < ci->n_names; i++) {
		json_obj_begin(j);
		json_key(j, "type");
		json_str(j, certinfo_name_label(ci->names[i].type));
		json_key(j, "value");
		json_str(j, ci->names[i].value);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "issuer");
	json_str(j, ci->issuer);
	json_key(j, "serial");
	json_str(j, ci->serial);
	json_key(j, "not_before");
	json_str(j, sg_time_format(ci->not_before, t, sizeof(t)));
	json_key(j, "not_after");
	json_str(j, sg_time_format(ci->not_after, t, sizeof(t)));
	json_key(j, "key_type");
	json_str(j, ci->key_type);
	json_key(j, "key_bits");
	json_int(j, ci->key_bits);
	json_key(j, "private_key");
	json_str(j, tc->key_state == TOKEN_KEY_STATE_PRESENT  ? "present"
		    : tc->key_state == TOKEN_KEY_STATE_ABSENT ? "absent"
							      : "unknown");
	json_key(j, "ca");
	json_bool(j, ci->is_ca);
	if (st) {
		json_key(j, "status");
		json_str(j, st->word);
		json_key(j, "status_detail");
		json_str(j, st->text);
	}
	json_obj_end(j);
}

/* The certificates that pass the filters (--expires-before,
 * --issued-after, --user), as indices into t->certs in the token's order;
 * each one that cannot be read is said on stderr and left out. */
static size_t certs_filter(struct cli *c, const struct token *t, int64_t expires_before,
			   int64_t issued_after, size_t keep[TOKEN_MAX_CERTS], struct sg_error *e)
{
	struct certinfo ci;
	size_t n = 0;

	for (size_t i = 0; i < t->n_certs; i++) {
		const struct token_cert *tc = &t->certs[i];

		if (certinfo_parse(tc->der, tc->der_len, &ci, e)) {
			fprintf(stderr, "%s: certificate '%s' cannot be read: %s\n", c->prog,
				tc->label, e->detail);
			continue;
		}
		if (ci.not_after >= expires_before || ci.not_before <= issued_after ||
		    !cli_cert_for_user(tc, c))
			continue;
		keep[n++] = i;
	}
	return n;
}

int cmd_certs(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"expires-before", required_argument, NULL, 'e'},
		{"issued-after", required_argument, NULL, 'i'},
		{"check", no_argument, NULL, 'C'},
		{"ca", required_argument, NULL, 'a'},
		{"untrusted", required_argument, NULL, 'u'},
		{"crl", required_argument, NULL, 'r'},
		{"revocation", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int64_t expires_before = INT64_MAX, issued_after = INT64_MIN, now = INT64_MIN;
	struct token *t = NULL;
	struct check_ctx k;
	struct sg_error e;
	struct json j;
	int opt, rc = 0;

	memset(&k, 0, sizeof(k));

	sg_error_init(&e);
	while ((opt = cli_next_opt(c, argc, argv, "h", longopts)) > 0) {
		switch (opt) {
		case 'e':
			if (sg_time_parse(optarg, &expires_before, &e))
				return cli_usage_error(c, "--expires-before: %s", e.detail);
			break;
		case 'i':
			if (sg_time_parse(optarg, &issued_after, &e))
				return cli_usage_error(c, "--issued-after: %s", e.detail);
			break;
		case 'C':
			k.on = 1;
			break;
		case 'a':
			k.ca = optarg;
			break;
		case 'u':
			k.untrusted = optarg;
			break;
		case 'r':
			k.crl = optarg;
			break;
		case 'R':
			k.revocation = optarg;
			break;
		case 'h':
			fputs(certs_usage, stdout);
			return 0;
		default:
			fputs(certs_usage, stderr);
			return SG_EXIT_USAGE;
		}
	}
	if (opt < 0)
		return SG_EXIT_USAGE;
	if (optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	rc = cli_settle(c);
	if (rc)
		return rc;
	c->cert_renew = 1; /* a listing shows what the card holds, and caches it */
	if (cli_open_token(c, &t, &e))
		return cli_fail(c, &e);
	if (hal_clock_wall(&c->hal.clock, &now) != HAL_OK)
		now = INT64_MIN;
	if (k.on) {
		rc = check_prepare(c, &k, t);
		if (rc) {
			check_release(&k);
			token_close(t);
			return rc;
		}
	}

	size_t total, keep[TOKEN_MAX_CERTS];
	struct certinfo ci[1];
	if (c->json) {
		json_init(&j, stdout);
		json_obj_begin(&j);
		json_key(&j, "token");
		json_obj_begin(&j);
		json_key(&j, "label");
		json_str(&j, t->info.label);
		json_key(&j, "manufacturer");
		json_str(&j, t->info.manufacturer);
		json_key(&j, "model");
		json_str(&j, t->info.model);
		json_key(&j, "serial");
		json_str(&j, t->info.serial);
		json_key(&j, "uri");
		json_str(&j, t->info.uri);
		json_obj_end(&j);
		json_key(&j, "certificates");
		json_arr_begin(&j);
	} else {
		printf("Token: %s (%s %s, serial %s)\n       %s\n", t->info.label,
		       t->info.manufacturer, t->info.model, t->info.serial, t->info.uri);
	}
	total = certs_filter(c, t, expires_before, issued_after, keep, &e);
	for (size_t i = 0; i < total; i++) {
		const struct token_cert *tc = &t->certs[keep[i]];
		/* It was read by certs_filter() and reads the same again. */
		(void)certinfo_parse(tc->der, tc->der_len, ci, NULL);
		struct cert_status st = {0};
		if (k.on)
			check_cert(c, &k, tc, &st);
		if (c->json) {
			print_json_cert(&j, tc, ci, k.on ? &st : NULL);
		} else {
			print_text(tc, ci, now, i + 1, total);
			if (k.on)
				printf("  Status:      %s\n", st.text);
		}
	}
	if (c->json) {
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (total == 0) {
		printf("No certificates%s.\n", expires_before != INT64_MAX ||
							issued_after != INT64_MIN || c->user
						    ? " match the filters"
						    : "");
	}
	if (k.on)
		check_release(&k);
	token_close(t);
	return 0;
}
