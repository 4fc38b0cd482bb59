/* cmd_certs.c: `signet certs`: every certificate on the token. */
#define _GNU_SOURCE
#include <getopt.h>
#include <string.h>

#include "certinfo.h"
#include "cli.h"
#include "commands.h"
#include "json.h"
#include "sg_time.h"

static const char certs_usage[] =
	"usage: signet certs [--module PATH] [--token URI] [--user ID]\n"
	"                    [--expires-before DATE] [--issued-after DATE] [--json]\n"
	"                    [--config FILE] [--verbose]\n"
	"Lists every certificate on the token: subject, names, issuer, serial,\n"
	"validity, key. DATE is YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC). --user\n"
	"keeps the certificates that name ID (a SIP URI, UPN or e-mail address).\n";

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
			    const struct certinfo *ci)
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
	json_obj_end(j);
}

int cmd_certs(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"expires-before", required_argument, NULL, 'e'},
		{"issued-after", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int64_t expires_before = INT64_MAX, issued_after = INT64_MIN, now = INT64_MIN;
	struct token *t = NULL;
	struct sg_error e;
	struct json j;
	int opt, rc = 0;

	sg_error_init(&e);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int r = cli_common_opt(c, opt, optarg);
		if (r < 0)
			return SG_EXIT_USAGE;
		if (r)
			continue;
		switch (opt) {
		case 'e':
			if (sg_time_parse(optarg, &expires_before, &e))
				return cli_usage_error(c, "--expires-before: %s", e.detail);
			break;
		case 'i':
			if (sg_time_parse(optarg, &issued_after, &e))
				return cli_usage_error(c, "--issued-after: %s", e.detail);
			break;
		case 'h':
			fputs(certs_usage, stdout);
			return 0;
		default:
			fputs(certs_usage, stderr);
			return SG_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	rc = cli_settle(c);
	if (rc)
		return rc;
	if (cli_open_token(c, &t, &e))
		return cli_fail(c, &e);
	if (hal_clock_wall(&c->hal.clock, &now) != HAL_OK)
		now = INT64_MIN;

	size_t shown = 0, total = 0;
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
	for (size_t i = 0; i < t->n_certs; i++) {
		const struct token_cert *tc = &t->certs[i];
		if (certinfo_parse(tc->der, tc->der_len, ci, &e)) {
			fprintf(stderr, "%s: certificate '%s' cannot be read: %s\n", c->prog,
				tc->label, e.detail);
			continue;
		}
		if (ci->not_after >= expires_before || ci->not_before <= issued_after ||
		    !cli_cert_for_user(tc, c))
			continue;
		total++;
	}
	for (size_t i = 0; i < t->n_certs; i++) {
		const struct token_cert *tc = &t->certs[i];
		if (certinfo_parse(tc->der, tc->der_len, ci, NULL))
			continue;
		if (ci->not_after >= expires_before || ci->not_before <= issued_after ||
		    !cli_cert_for_user(tc, c))
			continue;
		if (c->json)
			print_json_cert(&j, tc, ci);
		else
			print_text(tc, ci, now, ++shown, total);
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
	token_close(t);
	return 0;
}
