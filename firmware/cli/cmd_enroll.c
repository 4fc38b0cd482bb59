/*
 * cmd_enroll.c: `signet enroll` (first enrolment of the token over
 * EST-coaps) and `signet renew` (re-enrolment with the current
 * certificate). The flows are in est.c; this file reads options and
 * secrets and reports.
 *
 * Secrets: with --pin-fd, enroll reads two lines (the token's PIN, then
 * the user's PIN at the service) and renew one (the token's PIN); without
 * it they are typed on the keypad. Never from argv or the environment.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "cli.h"
#include "commands.h"
#include "est.h"
#include "est_msg.h"
#include "certinfo.h"
#include "json.h"
#include "secret_fd.h"
#include "sg_time.h"
#include "sg_mem.h"

static const char enroll_usage[] =
	"usage: signet enroll --server coaps://HOST[:PORT] --user ID [--phone N]\n"
	"                     [--identity URI] [--module PATH] [--token URI] [--card vcard]\n"
	"                     [--pin-fd N] [--config FILE] [--verbose]\n"
	"  Makes an EC P-256 key on the token, has the provisioning service certify it\n"
	"  (EST over CoAP/DTLS) and stores the certificate beside it. The service must\n"
	"  match the pinned CA ([enroll] ca or ca_fingerprint) before any PIN is sent.\n"
	"  --user ID / --phone N  who you are at the service (the phone number instead)\n"
	"  --identity URI         the name to certify (default: [sip] user)\n"
	"  --pin-fd N             two lines: the token's PIN, then your enrolment PIN\n";

static const char renew_usage[] =
	"usage: signet renew [--server coaps://HOST[:PORT]] [--force] [--module PATH]\n"
	"                    [--token URI] [--card vcard[:NAME]] [--pin-fd N]\n"
	"                    [--config FILE] [--verbose]\n"
	"  Renews the sign-in certificate for the same key (a PKCS#11 token or the\n"
	"  virtual card): the token signs the request and the DTLS handshake, which\n"
	"  the current certificate authenticates; the service revokes the old one.\n"
	"  --server: where the service takes re-enrolment (default [enroll] renew_server,\n"
	"  else [enroll] server).\n"
	"  Without --force nothing is done outside the [enroll] renew_days window.\n";

enum { O_SERVER = 0x200, O_PHONE, O_IDENTITY, O_FORCE, O_HELP };

/* n lines from --pin-fd, or n PINs typed on the keypad. */
static sg_err read_secrets(struct cli *c, size_t n, const char *const prompts[],
			   struct pin out[], struct sg_error *e)
{
	struct pin_policy any = c->cfg.pin;
	sg_err err = SG_OK;

	/* The service's PIN follows the service's rules, not the token's. */
	any.min_len = 1;
	any.max_len = PIN_MAX_LEN;
	if (c->pin_fd >= 0)
		return secret_fd_pins(c->pin_fd, n, &c->cfg.pin, &any, out, e);
	memset(out, 0, n * sizeof(*out));
	for (size_t i = 0; i < n && !err; i++)
		err = pin_entry(&c->hal, i ? &any : &c->cfg.pin, prompts[i], &out[i], e);
	if (err)
		for (size_t i = 0; i < n; i++)
			pin_wipe(&out[i]);
	return err;
}

static int report(struct cli *c, const char *what, const uint8_t *der, size_t len)
{
	struct certinfo ci;
	char until[40];

	if (certinfo_parse(der, len, &ci, NULL) != SG_OK)
		return SG_EXIT_INTERNAL;
	sg_time_format(ci.not_after, until, sizeof(until));
	if (c->json) {
		/* Through json.c: the subject is the service's text, any bytes. */
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j);
		json_key(&j, "result");
		json_str(&j, what);
		json_key(&j, "serial");
		json_str(&j, ci.serial);
		json_key(&j, "subject");
		json_str(&j, ci.subject);
		json_key(&j, "not_after");
		json_str(&j, until);
		json_obj_end(&j);
		json_end(&j);
	} else
		printf("%s: certificate %s for %s, valid until %s, stored on the token\n", what,
		       ci.serial, ci.n_names ? ci.names[0].value : ci.subject, until);
	return SG_EXIT_OK;
}

/* renew before the window: nothing done (with --json, a JSON document
 * too, so that a script's parser never meets plain text). */
static void not_due(struct cli *c)
{
	struct json j;

	if (!c->json) {
		printf("renew: not due (more than %d days left); --force renews now\n",
		       c->cfg.enroll_renew_days);
		return;
	}
	json_init(&j, stdout);
	json_obj_begin(&j);
	json_key(&j, "result");
	json_str(&j, "not due");
	json_key(&j, "renew_days");
	json_int(&j, c->cfg.enroll_renew_days);
	json_obj_end(&j);
	json_end(&j);
}

static int run(struct cli *c, int argc, char **argv, int renew)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{"server", required_argument, NULL, O_SERVER},
		{"phone", required_argument, NULL, O_PHONE},
		{"identity", required_argument, NULL, O_IDENTITY},
		{"force", no_argument, NULL, O_FORCE},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	static const char *const prompts[] = {"Token PIN", "Enrolment PIN"};
	struct est_opts o;
	struct pin pins[2];
	struct sg_error e;
	char login[EST_LOGIN_MAX + 8];
	const char *phone = NULL;
	uint8_t *der = NULL;
	size_t len = 0;
	int opt, rc, force = 0;

	memset(&o, 0, sizeof(o));
	memset(pins, 0, sizeof(pins));
	sg_error_init(&e);
	optind = 1;
	while ((opt = cli_next_opt(c, argc, argv, "", opts)) > 0) {
		switch (opt) {
		case O_SERVER: *(renew ? &o.renew_server : &o.server) = optarg; break;
		case O_PHONE: phone = optarg; break;
		case O_IDENTITY: o.identity = optarg; break;
		case O_FORCE: force = 1; break;
		case O_HELP: fputs(renew ? renew_usage : enroll_usage, stdout); return SG_EXIT_OK;
		default: fputs(renew ? renew_usage : enroll_usage, stderr); return SG_EXIT_USAGE;
		}
	}
	if (opt < 0)
		return SG_EXIT_USAGE;
	if (optind != argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	rc = cli_settle(c);
	if (rc)
		return rc;
	est_opts_from_config(&c->cfg, &o);
	if (renew) {
		struct token *t = NULL;
		size_t cert;
		int64_t now = 0;
		struct certinfo ci;

		/* Not due: say so without asking for a PIN. */
		if (!force) {
			if (cli_open_token(c, &t, &e) || cli_select(c, t, &cert, &e) ||
			    certinfo_parse(t->certs[cert].der, t->certs[cert].der_len, &ci, &e)) {
				token_close(t);
				return cli_fail(c, &e);
			}
			token_close(t);
			if (hal_clock_wall(&c->hal.clock, &now) == HAL_OK &&
			    !est_renew_due(ci.not_after, now, c->cfg.enroll_renew_days)) {
				not_due(c);
				return SG_EXIT_OK;
			}
		}
		if (read_secrets(c, 1, prompts, pins, &e))
			goto fail;
		if (est_renew(c, &o, &pins[0], &der, &len, &e)) {
			/* The CLI's words for the one token that cannot take a
			 * certificate (est.c refused it before asking the service). */
			if (e.code == SG_E_INVALID_ARG && c->backend == CONFIG_BACKEND_PCSC)
				sg_error_set(&e, SG_E_INVALID_ARG, "a PIV card in a reader cannot store a "
					     "renewed certificate here (signet does not hold its "
					     "management key): renew it with the card's own tools");
			goto fail;
		}
		rc = report(c, "renewed", der, len);
		goto out;
	}
	if (phone && c->user)
		return cli_usage_error(c, "--user or --phone, not both");
	if (phone)
		snprintf(login, sizeof(login), "tel:%s", phone);
	else if (c->user)
		snprintf(login, sizeof(login), "%s", c->user);
	else
		return cli_usage_error(c, "who are you at the service: --user ID or --phone N");
	o.login = login;
	if (read_secrets(c, 2, prompts, pins, &e))
		goto fail;
	/* The CLI gives no management key to a card in a reader: it could not
	 * make the key (est_enroll would say so after opening the card). */
	if (c->backend == CONFIG_BACKEND_PCSC) {
		sg_error_set(&e, SG_E_INVALID_ARG, "enrolment works on a PKCS#11 token or --card vcard");
		goto fail;
	}
	if (est_enroll(c, &o, &pins[0], &pins[1], &der, &len, &e))
		goto fail;
	rc = report(c, "enrolled", der, len);
	goto out;
fail:
	rc = cli_fail(c, &e);
out:
	pin_wipe(&pins[0]);
	pin_wipe(&pins[1]);
	sg_free(der);
	return rc;
}

int cmd_enroll(struct cli *c, int argc, char **argv)
{
	return run(c, argc, argv, 0);
}

int cmd_renew(struct cli *c, int argc, char **argv)
{
	return run(c, argc, argv, 1);
}
