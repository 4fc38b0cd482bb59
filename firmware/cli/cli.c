/* cli.c: shared plumbing of the signet subcommands (see cli.h). */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "certinfo.h"
#include "identity.h"
#include "json.h"
#include "secret_fd.h"
#include "token_p11.h"
#include "token_piv.h"
#include "vcard.h"
#include "vcard_cli.h"
#include "vcard_reader.h"

int cli_init(struct cli *c, const char *prog)
{
	struct board_opts bo = {0};

	memset(c, 0, sizeof(*c));
	c->prog = prog;
	c->pin_fd = -1;
	config_defaults(&c->cfg);
	bo.log_ident = "signet";
	bo.log_level = HAL_LOG_WARN;
	bo.env = 1; /* SIGNET_INPUT_DEVICE etc. may name a board's devices */
	if (board_open(&c->hal, &bo) != HAL_OK) {
		fprintf(stderr, "%s: cannot set up the device layer\n", prog);
		return SG_EXIT_INTERNAL;
	}
	c->t0 = hal_clock_mono_ms(&c->hal.clock);
	return 0;
}

void cli_fini(struct cli *c)
{
	vcard_close(c->vcard);
	c->vcard = NULL;
	board_close(&c->hal);
}

int cli_next_opt(struct cli *c, int argc, char **argv, const char *shortopts,
		 const struct option *longopts)
{
	int opt;

	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		int r = cli_common_opt(c, opt, optarg);

		if (r < 0)
			return -1;
		if (r == 0)
			return opt;
	}
	return 0;
}

int cli_common_opt(struct cli *c, int opt, const char *arg)
{
	char *end;
	long fd;

	switch (opt) {
	case CLI_OPT_MODULE:
		c->opt_module = arg;
		return 1;
	case CLI_OPT_TOKEN:
		c->opt_token = arg;
		return 1;
	case CLI_OPT_CONFIG:
		c->opt_config = arg;
		return 1;
	case CLI_OPT_CARD:
		c->opt_card = arg;
		return 1;
	case CLI_OPT_JSON:
		c->json = 1;
		return 1;
	case CLI_OPT_VERBOSE:
		c->verbose = 1;
		return 1;
	case CLI_OPT_USER:
		if (!*arg) {
			cli_usage_error(c, "--user needs an identity (sip:user@domain, a UPN or e-mail)");
			return -1;
		}
		c->user = arg;
		return 1;
	case CLI_OPT_PIN_FD:
		errno = 0;
		fd = strtol(arg, &end, 10);
		if (errno || *end || end == arg || fd < 0 || fd > 65535) {
			cli_usage_error(c, "--pin-fd needs a file descriptor number, not '%s'", arg);
			return -1;
		}
		c->pin_fd = (int)fd;
		return 1;
	}
	return 0;
}

sg_err cli_vcard_blob(const char *name, char *blob, size_t cap, struct sg_error *e)
{
	size_t n = strlen(name);

	/* No dot: "vcard-NAME.mgmt" and friends must never be another card. */
	if (n == 0 || n > 32 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789_-") != n)
		return sg_error_set(e, SG_E_INVALID_ARG, "a virtual card's name is 1 to 32 letters, digits, "
				    "'_' or '-'");
	if ((size_t)snprintf(blob, cap, "vcard-%s", name) >= cap)
		return sg_error_set(e, SG_E_INTERNAL, "blob name too long");
	return SG_OK;
}

/* --card vcard[:NAME] | pcsc[:READER], else [token] backend. */
static int cli_settle_card(struct cli *c)
{
	const char *arg = NULL;
	struct sg_error e;
	char blob[64];

	sg_error_init(&e);
	c->backend = c->cfg.backend;
	if (c->opt_card && c->opt_module)
		return cli_usage_error(c, "--card and --module pick different tokens: give one");
	if (c->opt_module)
		c->backend = CONFIG_BACKEND_PKCS11;
	if (c->opt_card) {
		size_t kl = strcspn(c->opt_card, ":");

		if (kl == 5 && !strncmp(c->opt_card, "vcard", 5))
			c->backend = CONFIG_BACKEND_VCARD;
		else if (kl == 4 && !strncmp(c->opt_card, "pcsc", 4))
			c->backend = CONFIG_BACKEND_PCSC;
		else
			return cli_usage_error(c, "--card takes vcard[:NAME] or pcsc[:READER], not '%s'",
					       c->opt_card);
		if (c->opt_card[kl] == ':')
			arg = c->opt_card + kl + 1;
	}
	if (!arg && c->backend == CONFIG_BACKEND_VCARD)
		arg = c->cfg.vcard_name[0] ? c->cfg.vcard_name : "default";
	if (!arg && c->backend == CONFIG_BACKEND_PCSC)
		arg = c->cfg.reader;
	snprintf(c->card_arg, sizeof(c->card_arg), "%s", arg ? arg : "");
	if (c->backend == CONFIG_BACKEND_VCARD && cli_vcard_blob(c->card_arg, blob, sizeof(blob), &e))
		return cli_fail(c, &e);
	return 0;
}

int cli_settle(struct cli *c)
{
	struct sg_error e;
	/* secure_getenv: never a file named by the user of a set-user-ID caller. */
	const char *path = c->opt_config ? c->opt_config : secure_getenv("SIGNET_CONFIG");
	const char *uri;

	sg_error_init(&e);
	if (config_load_file(path ? path : SIGNET_DEFAULT_CONFIG, path != NULL, &c->cfg, &e)) {
		e.code = SG_E_CONFIG; /* an unreadable configuration is a configuration error */
		return cli_fail(c, &e);
	}
	board_set_log(&c->hal, "signet", c->cfg.log_syslog,
		      c->verbose ? HAL_LOG_DEBUG : (enum hal_log_level)c->cfg.log_level);
	c->module = c->opt_module ? c->opt_module : c->cfg.module[0] ? c->cfg.module : NULL;
	uri = c->opt_token ? c->opt_token : c->cfg.token_uri[0] ? c->cfg.token_uri : NULL;
	if (uri) {
		if (p11uri_parse(uri, strlen(uri), &c->uri, &e)) {
			e.code = SG_E_INVALID_ARG;
			return cli_fail(c, &e);
		}
		/* A PIN inside a URI on the command line is visible to every
		 * user through ps and /proc. */
		if (c->opt_token && p11uri_has_pin_value(&c->uri))
			return cli_usage_error(c, "the --token URI contains pin-value; pass the PIN "
					       "with --pin-fd or type it");
		c->have_uri = 1;
	}
	return cli_settle_card(c);
}

/* The in-process virtual card, in a reader of its own, with the PIV backend. */
static sg_err cli_open_vcard(struct cli *c, const struct token_piv_opts *o, struct token **t,
			     struct sg_error *e)
{
	char blob[64];
	sg_err err = cli_vcard_blob(c->card_arg, blob, sizeof(blob), e);

	if (err)
		return err;
	cli_step(c, "opening virtual card '%s'", c->card_arg);
	if (!c->vcard) {
		err = cli_err_vcard(vcard_open(&c->hal, blob, &c->vcard, e), c->card_arg, e);
		if (err)
			return err;
		vcard_reader_device(&c->vcard_dev, c->vcard, NULL);
	}
	err = token_piv_open_opts(&c->hal, &c->vcard_dev, NULL, o, t, e);
	if (err == SG_OK) {
		char label[160];

		snprintf(label, sizeof(label), "virtual card %s", c->card_arg);
		token_piv_set_label(*t, label);
	}
	return err;
}

sg_err cli_open_token(struct cli *c, struct token **t, struct sg_error *e)
{
	sg_err err;

	if (c->backend == CONFIG_BACKEND_VCARD || c->backend == CONFIG_BACKEND_PCSC) {
		/* Only the slots the URI can name; a known card's certificates
		 * from the cache ([token] cert_cache). */
		struct token_piv_opts o = {c->have_uri ? &c->uri : NULL,
					   !c->cfg.cert_cache ? TOKEN_PIV_CACHE_OFF
					   : c->cert_renew    ? TOKEN_PIV_CACHE_RENEW
							      : TOKEN_PIV_CACHE_USE};

		if (c->backend == CONFIG_BACKEND_VCARD) {
			err = cli_open_vcard(c, &o, t, e);
		} else {
			cli_step(c, "looking for a PIV card in %s", c->card_arg[0] ? c->card_arg
										     : "any reader");
			err = token_piv_open_opts(&c->hal, &c->hal.card,
						  c->card_arg[0] ? c->card_arg : NULL, &o, t, e);
		}
		if (err == SG_OK && c->have_uri)
			token_piv_filter(*t, &c->uri);
		if (err == SG_OK)
			cli_step(c, "PIV card '%s' open: %zu certificate(s)", (*t)->info.label,
				 (*t)->n_certs);
		return err;
	}
	cli_step(c, "loading PKCS#11 module %s", c->module ? c->module : SIGNET_DEFAULT_P11_MODULE);
	err = token_p11_open(&c->hal, c->module, c->have_uri ? &c->uri : NULL, t, e);
	if (err == SG_OK)
		cli_step(c, "token '%s' open: %zu certificate(s)", (*t)->info.label,
			 (*t)->n_certs);
	return err;
}

sg_err cli_token_admin(struct cli *c, struct token *t, struct sg_error *e)
{
	switch (c->backend) {
	case CONFIG_BACKEND_PKCS11:
		return token_p11_admin(t, e);
	case CONFIG_BACKEND_VCARD:
		return vmgmt_token_admin(c, t, e);
	default:
		return SG_OK; /* a card in a reader: signet holds no management key */
	}
}

int cli_cert_for_user(const struct token_cert *tc, void *arg)
{
	const struct cli *c = arg;
	struct certinfo ci;

	if (!c->user)
		return 1;
	return certinfo_parse(tc->der, tc->der_len, &ci, NULL) == SG_OK &&
	       identity_match(&ci, c->user);
}

sg_err cli_select(struct cli *c, struct token *t, size_t *cert, struct sg_error *e)
{
	sg_err err = token_select_where(t, cli_cert_for_user, c, cert, e);

	/* None from the certificate cache: the card may hold one now. */
	if ((err == SG_E_NO_CERT || err == SG_E_CERT_IDENTITY) && token_refresh_certs(t, NULL) == SG_OK)
		err = token_select_where(t, cli_cert_for_user, c, cert, e);
	if (err == SG_E_CERT_IDENTITY && e) {
		/* Say what the certificates do name, so a typo is obvious. */
		struct certinfo ci;
		char names[200];
		size_t used;

		sg_error_set(e, SG_E_CERT_IDENTITY, "no certificate names %s; they name:", c->user);
		for (size_t i = 0; i < t->n_certs; i++) {
			if (t->certs[i].is_ca || certinfo_parse(t->certs[i].der, t->certs[i].der_len,
								&ci, NULL))
				continue;
			identity_names(&ci, names, sizeof(names));
			used = strlen(e->detail);
			snprintf(e->detail + used, sizeof(e->detail) - used, " [%s]", names);
		}
	}
	return err;
}

/* The PIN from --pin-fd; no line at all is an empty PIN. */
static sg_err pin_from_fd(struct cli *c, struct pin *pin, struct sg_error *e)
{
	sg_err err = secret_fd_pin(c->pin_fd, "the PIN", &c->cfg.pin, pin, e);

	if (err == SG_E_PIN_CANCELLED)
		err = pin_from_buffer(&c->cfg.pin, (const uint8_t *)"", 0, pin, e);
	return err;
}

sg_err cli_get_pin(struct cli *c, struct token *t, struct pin *pin, struct sg_error *e)
{
	struct token_pin_state st;
	struct pin_policy pol = c->cfg.pin;
	char prompt[80];
	sg_err err;

	/* A PIV card's VERIFY with the PIN answers 63Cx / 6983 itself, and a
	 * blocked PIN loses nothing more: with the PIN in hand, no probe. */
	if (c->pin_fd >= 0 &&
	    (c->backend == CONFIG_BACKEND_VCARD || c->backend == CONFIG_BACKEND_PCSC))
		return pin_from_fd(c, pin, e);
	err = token_pin_usable(t, &st, e);
	if (err)
		return err;
	if (c->pin_fd >= 0)
		return pin_from_fd(c, pin, e);
	pin_policy_narrow(&pol, t->info.pin_min, t->info.pin_max);
	if (st.final_try)
		hal_display_status(&c->hal.display,
				   "Final try: a wrong PIN now locks the card");
	else if (st.count_low)
		hal_display_status(&c->hal.display, "A wrong PIN was entered before; few tries left");
	snprintf(prompt, sizeof(prompt), "PIN for %s", t->info.label);
	return pin_entry(&c->hal, &pol, prompt, pin, e);
}

sg_err cli_login(struct cli *c, struct token *t, struct sg_error *e)
{
	struct pin pin;
	sg_err err;

	if (t->info.protected_auth_path && c->pin_fd < 0) {
		hal_display_prompt(&c->hal.display, "Enter the PIN on the reader's PIN pad");
		hal_display_done(&c->hal.display);
		err = token_login(t, &c->cfg.pin, NULL, e);
	} else {
		err = cli_get_pin(c, t, &pin, e);
		if (err == SG_OK)
			err = token_login(t, &c->cfg.pin, &pin, e); /* wipes pin */
	}
	if (err == SG_OK)
		cli_step(c, "logged in to '%s'", t->info.label);
	if (err == SG_E_PIN_LOCKED && c->backend == CONFIG_BACKEND_VCARD && e) {
		/* Say exactly what unblocks it. */
		int now = strstr(e->detail, "blocked it") != NULL;

		sg_error_set(e, SG_E_PIN_LOCKED,
			     "%sthe PIN of virtual card '%s' is blocked; unblock it with the PUK: "
			     "signet vcard unblock --name %s",
			     now ? "wrong PIN, and " : "", c->card_arg, c->card_arg);
	}
	return err;
}

void cli_step(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->verbose)
		return;
	uint64_t ms = hal_clock_mono_ms(&c->hal.clock) - c->t0;
	fprintf(stderr, "[%6llu ms] ", (unsigned long long)ms);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_fail(struct cli *c, const struct sg_error *e)
{
	char line[sizeof(e->detail) + 128];
	const char *diag = cli_err_diagnosis(e->code);

	cli_error_summary(e, line, sizeof(line));
	if (c->json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j);
		json_key(&j, "error");
		json_str(&j, cli_err_name(e->code));
		json_key(&j, "message");
		json_str(&j, line);
		json_key(&j, "diagnosis");
		json_str(&j, diag);
		if (e->code == SG_E_PIN_INCORRECT || e->code == SG_E_PIN_LOCKED) {
			json_key(&j, "tries_left");
			if (e->code == SG_E_PIN_LOCKED)
				json_int(&j, 0);
			else if (e->tries_left >= 0)
				json_int(&j, e->tries_left);
			else
				json_null(&j);
		}
		json_key(&j, "exit_code");
		json_int(&j, cli_err_exit(e->code));
		json_obj_end(&j);
		json_end(&j);
	}
	if (e->code == SG_E_AMBIGUOUS) {
		/* One candidate per line, ready to paste into --token. */
		for (char *p = strstr(line, " pkcs11:"); p; p = strstr(p + 1, " pkcs11:"))
			*p = '\n';
		fprintf(stderr, "%s: %s\n", c->prog, line);
	} else {
		fprintf(stderr, "%s: %s\n", c->prog, line);
	}
	if (c->verbose && e->detail[0] && e->code == SG_E_PIN_INCORRECT)
		fprintf(stderr, "%s: token said: %s\n", c->prog, e->detail);
	if (diag[0])
		fprintf(stderr, "%s: %s\n", c->prog, diag);
	return cli_err_exit(e->code);
}

int cli_usage_error(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s: see 'signet --help'\n", c->prog);
	return SG_EXIT_USAGE;
}
