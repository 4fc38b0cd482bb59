/*
 * cli_err.h: what `signet` makes of the core's errors: the process exit
 * codes (one table for every subcommand: doc/cli.md, "Exit codes") and the
 * CLI's wording, which cites its own flags (--token, --module, --pin-fd,
 * signet --help). The core (sg_err.h) knows neither; PAM and `signet run`
 * word their own messages.
 *
 * The CLI's output is the public contract: its names, messages,
 * diagnoses and details are those the CLI has always printed.
 */
#ifndef CLI_ERR_H
#define CLI_ERR_H

#include <stddef.h>

#include "certcheck.h"
#include "sg_err.h"

/* Process exit codes. */
enum sg_exit {
	SG_EXIT_OK = 0,
	SG_EXIT_INTERNAL = 1,
	SG_EXIT_USAGE = 2,
	SG_EXIT_NO_TOKEN = 3,
	SG_EXIT_PIN_INCORRECT = 4,
	SG_EXIT_PIN_LOCKED = 5,
	SG_EXIT_CERT = 6,
	SG_EXIT_REVOKED = 7,
	SG_EXIT_REVOCATION = 8,
	SG_EXIT_NETWORK = 9,
	SG_EXIT_REFUSED = 10,
	SG_EXIT_CANCELLED = 11, /* the user cancelled or did not answer in time */
};

/* Exit code (enum sg_exit) for the code; SG_EXIT_INTERNAL out of range. */
int cli_err_exit(sg_err code);
/* --json's "error" name ("usage" for SG_E_INVALID_ARG, else sg_err_name). */
const char *cli_err_name(sg_err code);
/* The message ("invalid command line" for SG_E_INVALID_ARG). */
const char *cli_err_message(sg_err code);
/* What to check next, with the flags that do it ("see 'signet --help'"). */
const char *cli_err_diagnosis(sg_err code);
/* signet verify's diagnosis: the advice of a certificate check when it
 * has one (a revocation source to configure), else cli_err_diagnosis. */
const char *cli_err_check_diagnosis(sg_err code, enum certcheck_advice a);
/* err from vcard_open of the card named name: a missing card says which
 * command makes it. Returns err. */
sg_err cli_err_vcard(sg_err err, const char *name, struct sg_error *e);
/* sg_error_summary in the CLI's words: its message, and a detail that
 * says which flag helps (the PIN on --pin-fd, a token picked with
 * --token, the settings in --help-config). Returns buf. */
const char *cli_error_summary(const struct sg_error *e, char *buf, size_t len);

#endif
