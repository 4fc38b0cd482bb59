/* main.c: `signet`, one binary with subcommands (like git). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli.h"
#include "commands.h"

static const char usage[] =
	"usage: signet <command> [options]\n"
	"\n"
	"Commands:\n"
	"  certs    list the certificates on the token (subject, names, validity, key)\n"
	"  sign     sign a challenge with the token's key; --verify checks it too\n"
	"  verify   check a certificate: chain, validity, usage, identity, revocation\n"
	"  vcard    the virtual smart card: init, status, change-pin, unblock, gen-key,\n"
	"           import-cert, export-cert, reset, serve ('signet vcard --help')\n"
	"  signin   sign in: PIN, certificate checks, mutual TLS, SIP REGISTER\n"
	"  testauth test a sign-in and sign-out against a registrar, with a diagnosis\n"
	"  run      the phone/kiosk main loop: card, PIN, sign-in, stay registered,\n"
	"           lock when the card is pulled (--ui phone: a phone's screen)\n"
	"  enroll   get a certificate from the provisioning service (EST over CoAP):\n"
	"           key made on the token, PIN checked by the service\n"
	"  renew    renew the sign-in certificate with the provisioning service\n"
	"\n"
	"Options every command takes:\n"
	"  --module PATH   PKCS#11 module (default: [token] module, else " SIGNET_DEFAULT_P11_MODULE ")\n"
	"  --token URI     pkcs11: URI (RFC 7512) choosing token, certificate and key\n"
	"                  (with --card: the slot, e.g. pkcs11:id=%9a)\n"
	"  --card vcard[:NAME] | pcsc[:READER]\n"
	"                  a PIV card instead of a PKCS#11 module: the in-process virtual\n"
	"                  card NAME (default: default), or a card in a PC/SC reader spoken\n"
	"                  to directly (default: the first PIV card); [token] backend\n"
	"  --pin-fd N      read the PIN (one line) from file descriptor N instead of the\n"
	"                  terminal; the PIN is never taken from argv or the environment\n"
	"  --json          machine-readable output\n"
	"  --config FILE   configuration file (default " SIGNET_DEFAULT_CONFIG ", or $SIGNET_CONFIG)\n"
	"  --verbose       each step on standard error, with its time\n"
	"\n"
	"Exit codes (the same for every command):\n"
	"  0  success\n"
	"  1  internal error\n"
	"  2  usage or configuration error\n"
	"  3  no reader, card, token or module\n"
	"  4  wrong PIN (tries remain; how many is said when the token tells)\n"
	"  5  PIN locked or blocked\n"
	"  6  certificate not acceptable (untrusted, expired, not yet valid, wrong usage,\n"
	"     identity mismatch)\n"
	"  7  certificate revoked\n"
	"  8  revocation status unavailable under a hard-fail policy\n"
	"  9  network or server unreachable\n"
	"  10 server refused (e.g. a SIP 403)\n"
	"  11 PIN entry cancelled or timed out\n"
	"\n"
	"'signet <command> --help' describes a command; 'signet --help-config' lists\n"
	"the settings of the configuration file.\n";

struct command {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
};

static const struct command commands[] = {
	{"certs", cmd_certs},
	{"sign", cmd_sign},
	{"verify", cmd_verify},
	{"vcard", cmd_vcard},
	{"signin", cmd_signin},
	{"testauth", cmd_testauth},
	{"run", cmd_run},
	{"enroll", cmd_enroll},
	{"renew", cmd_renew},
};

/* A PIN typed into this process must not end up in a core file. */
static void no_core_dumps(void)
{
	struct rlimit rl = {0, 0};

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
	char prog[64];
	struct cli c;
	int rc;

	no_core_dumps();
	if (argc < 2) {
		fputs(usage, stderr);
		return SG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--help-config")) {
		config_print_help(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("signet %s (board %s)\n", SIGNET_VERSION, SIGNET_BOARD);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		snprintf(prog, sizeof(prog), "signet %s", commands[i].name);
		rc = cli_init(&c, prog);
		if (rc)
			return rc;
		rc = commands[i].run(&c, argc - 1, argv + 1);
		cli_fini(&c);
		return rc;
	}
	fprintf(stderr, "signet: unknown command '%s'\n", argv[1]);
	fputs(usage, stderr);
	return SG_EXIT_USAGE;
}
