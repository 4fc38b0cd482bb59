/*
 * cli.h: what every `signet` subcommand shares: the HAL, the settings
 * (configuration file, then command-line flags), opening the token, getting
 * the PIN (keypad or --pin-fd, never argv or the environment), timed
 * progress lines for --verbose, and error reporting with exit codes.
 */
#ifndef CLI_H
#define CLI_H

#include <stdint.h>
#include <stdio.h>

#include "cli_err.h"
#include "config.h"
#include "hal.h"
#include "p11uri.h"
#include "sg_err.h"
#include "token.h"

struct cli {
	struct hal hal;
	struct signet_config cfg;
	const char *prog;    /* "signet certs" */
	const char *module;  /* effective PKCS#11 module path (NULL: board default) */
	struct p11uri uri;   /* from --token or [token] uri */
	int have_uri;
	int cert_renew; /* PIV: read the card, not the certificate cache (and renew it) */
	int pin_fd;          /* -1: ask on the keypad */
	int json;
	int verbose;
	const char *user;    /* --user: the identity the certificate must name */
	uint64_t t0;         /* monotonic ms at start, for --verbose steps */
	const char *opt_config, *opt_module, *opt_token; /* as given on the command line */
	/* The PIV backends (--card, [token] backend): */
	const char *opt_card;     /* --card as given */
	int backend;              /* enum config_backend in force after cli_settle() */
	char card_arg[128];       /* vcard: the card's name; pcsc: the reader ("": first) */
	struct vcard *vcard;      /* the open virtual card (backend vcard), closed by cli_fini */
	struct hal_card vcard_dev;/* its reader device */
};

/* Options every token-using subcommand takes; cli_common_opt() handles
 * them inside a subcommand's getopt_long loop. */
enum {
	CLI_OPT_MODULE = 0x100,
	CLI_OPT_TOKEN,
	CLI_OPT_PIN_FD,
	CLI_OPT_JSON,
	CLI_OPT_CONFIG,
	CLI_OPT_VERBOSE,
	CLI_OPT_USER,
	CLI_OPT_CARD,
};

#define CLI_COMMON_LONGOPTS                                        \
	{"module", required_argument, NULL, CLI_OPT_MODULE},       \
	{"token", required_argument, NULL, CLI_OPT_TOKEN},         \
	{"pin-fd", required_argument, NULL, CLI_OPT_PIN_FD},       \
	{"json", no_argument, NULL, CLI_OPT_JSON},                 \
	{"config", required_argument, NULL, CLI_OPT_CONFIG},       \
	{"verbose", no_argument, NULL, CLI_OPT_VERBOSE},          \
	{"user", required_argument, NULL, CLI_OPT_USER},          \
	{"card", required_argument, NULL, CLI_OPT_CARD}

/* Sets up the HAL and defaults. Returns an exit code (0 on success). */
int cli_init(struct cli *c, const char *prog);
void cli_fini(struct cli *c);

/* Handles a common option; returns 1 if it was one, 0 if not, or -1 after
 * printing a usage error. */
int cli_common_opt(struct cli *c, int opt, const char *arg);

/* getopt_long() over a subcommand's options with the common ones
 * (CLI_COMMON_LONGOPTS) handled here: returns the next other option
 * (> 0; '?' for an unknown one), 0 at the end, or -1 after printing the
 * usage error of a bad common option. The loop of every subcommand:
 *     while ((opt = cli_next_opt(c, argc, argv, "h", longopts)) > 0)
 *             switch (opt) { ... }
 *     if (opt < 0)
 *             return SG_EXIT_USAGE; */
struct option;
int cli_next_opt(struct cli *c, int argc, char **argv, const char *shortopts,
		 const struct option *longopts);

/* Loads the configuration (the --config file, or the default one if it
 * exists) and applies --module / --token. Call after option parsing.
 * Returns an exit code (0 on success). */
int cli_settle(struct cli *c);

/* Opens the token the settings pick: the PKCS#11 module's (--module,
 * [token] module), the in-process virtual card (--card vcard[:NAME]) or a
 * PIV card in a PC/SC reader (--card pcsc[:READER]), the latter two with
 * the PIV backend (token_piv.h); a --token URI then picks the slot
 * (id=%9a, object=...). */
sg_err cli_open_token(struct cli *c, struct token **t, struct sg_error *e);

/* Opens t (cli_open_token's) for administration as far as this device
 * can: a PKCS#11 token's read-write session; the virtual card's sealed
 * management key. A PIV card in a reader stays as it is (signet holds no
 * management key for it): it then cannot generate keys or store
 * certificates (token_can_generate, token_can_store). */
sg_err cli_token_admin(struct cli *c, struct token *t, struct sg_error *e);

/* The storage blob of the virtual card called name ("vcard-NAME"): names
 * are 1 to 32 of [A-Za-z0-9_-]. SG_E_INVALID_ARG for another name. */
sg_err cli_vcard_blob(const char *name, char *blob, size_t cap, struct sg_error *e);

/* Picks the sign-in certificate: the one the URI leaves, among those
 * naming --user when given. On an identity mismatch the detail says what
 * the certificates do name. */
sg_err cli_select(struct cli *c, struct token *t, size_t *cert, struct sg_error *e);

/* 1 when --user is unset or the certificate names it. */
int cli_cert_for_user(const struct token_cert *tc, void *cli);

/* Gets the PIN for token t: from --pin-fd, or typed on the keypad (a
 * warning on the display when the next wrong PIN locks the token).
 * Refuses a locked token before asking. */
sg_err cli_get_pin(struct cli *c, struct token *t, struct pin *pin, struct sg_error *e);

/* Logs in to t (PIN from cli_get_pin, or the reader's PIN pad). */
sg_err cli_login(struct cli *c, struct token *t, struct sg_error *e);

/* --verbose: "[   12.3 ms] <step>" on stderr. */
void cli_step(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "signet <cmd>: <message>: <detail>" and the diagnosis on stderr
 * (or a JSON error object on stdout with --json) and returns the exit
 * code for e->code. */
int cli_fail(struct cli *c, const struct sg_error *e);

/* Prints a usage error and returns SG_EXIT_USAGE. */
int cli_usage_error(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
