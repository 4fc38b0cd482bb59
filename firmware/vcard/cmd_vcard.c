/* cmd_vcard.c: `signet vcard ...`: make, fill, inspect and wipe the virtual
 * smart card; `serve` hands it to pcscd (vcard_serve.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "vcard_cli.h"

#if defined(__has_include)
#if __has_include("vcard_serve.h")
#include "vcard_serve.h"
#define HAVE_VCARD_SERVE 1
#endif
#endif

static const char vcard_usage[] =
	"usage: signet vcard <command> [--name N] [options]\n"
	"The virtual smart card: a PIV card in software, its state sealed with this\n"
	"device's key (default card name: default; [vcard] name).\n"
	"\n"
	"  init [--pin-fd N] [--mgmt-key-fd N] [--force]\n"
	"        create the card: PIN and PUK (6-8 characters; typed twice each, or two\n"
	"        lines on fd N), a random AES-128 management key kept sealed on this\n"
	"        device (or 32/48/64 hex digits from --mgmt-key-fd)\n"
	"  status [--json]\n"
	"        tries left for PIN and PUK; keys and certificates per slot\n"
	"  change-pin [--pin-fd N]     current PIN, then the new one\n"
	"  unblock [--pin-fd N]        the PUK, then a new PIN\n"
	"  gen-key --slot 9a|9c|9d|9e --alg rsa2048|p256\n"
	"          [--csr FILE --subject \"CN=...\" [--san URI] [--pin-fd N]]\n"
	"        generate a key on the card; print its public key (PEM), or write a\n"
	"        certificate request signed by the card (needs the PIN but for 9e)\n"
	"  import-cert --slot S FILE [--force]\n"
	"        store a certificate (PEM or DER) for the slot's key; it must match\n"
	"        the key gen-key made (--force: import unchecked)\n"
	"  export-cert --slot S [--out FILE] [--der]\n"
	"  reset [--yes]               erase the card, its keys and certificates\n"
	"  serve [...]                 the card in pcscd's vpcd reader ('serve --help')\n"
	"\n"
	"PINs and PUKs never come from argv or the environment.\n";

enum {
	VO_NAME = 0x200,
	VO_FORCE,
	VO_YES,
	VO_SLOT,
	VO_ALG,
	VO_CSR,
	VO_SUBJECT,
	VO_SAN,
	VO_OUT,
	VO_DER,
	VO_MGMT_FD,
};

struct vsub {
	const char *name;
	int (*run)(struct vcli *v);
	int file_arg; /* takes one FILE argument */
};

static const struct vsub vsubs[] = {
	{"init", vcli_init, 0},
	{"status", vcli_status, 0},
	{"change-pin", vcli_change_pin, 0},
	{"unblock", vcli_unblock, 0},
	{"gen-key", vcli_gen_key, 0},
	{"import-cert", vcli_import_cert, 1},
	{"export-cert", vcli_export_cert, 0},
	{"reset", vcli_reset, 0},
};

static int parse_fd(struct cli *c, const char *opt, const char *arg, int *out)
{
	char *end;
	long fd;

	errno = 0;
	fd = strtol(arg, &end, 10);
	if (errno || *end || end == arg || fd < 0 || fd > 65535)
		return cli_usage_error(c, "%s needs a file descriptor number, not '%s'", opt, arg);
	*out = (int)fd;
	return 0;
}

static int vcard_opt(struct vcli *v, int opt, const char *arg)
{
	struct cli *c = v->c;

	switch (opt) {
	case VO_NAME:
		v->name = arg;
		return 0;
	case VO_FORCE:
		v->force = 1;
		return 0;
	case VO_YES:
		v->yes = 1;
		return 0;
	case VO_SLOT:
		v->slot = piv_slot_parse(arg);
		if (!v->slot)
			return cli_usage_error(c, "--slot takes 9a, 9c, 9d or 9e, not '%s'", arg);
		return 0;
	case VO_ALG:
		if (!strcmp(arg, "rsa2048"))
			v->alg = PIV_ALG_RSA2048;
		else if (!strcmp(arg, "p256") || !strcmp(arg, "eccp256"))
			v->alg = PIV_ALG_ECCP256;
		else
			return cli_usage_error(c, "--alg takes rsa2048 or p256, not '%s'", arg);
		return 0;
	case VO_CSR:
		v->csr = arg;
		return 0;
	case VO_SUBJECT:
		v->subject = arg;
		return 0;
	case VO_SAN:
		v->san = arg;
		return 0;
	case VO_OUT:
		v->out = arg;
		return 0;
	case VO_DER:
		v->der = 1;
		return 0;
	case VO_MGMT_FD:
		return parse_fd(c, "--mgmt-key-fd", arg, &v->mgmt_fd);
	}
	fputs(vcard_usage, stderr);
	return SG_EXIT_USAGE;
}

static int vcard_parse(struct vcli *v, const struct vsub *sub, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"name", required_argument, NULL, VO_NAME},
		{"force", no_argument, NULL, VO_FORCE},
		{"yes", no_argument, NULL, VO_YES},
		{"slot", required_argument, NULL, VO_SLOT},
		{"alg", required_argument, NULL, VO_ALG},
		{"csr", required_argument, NULL, VO_CSR},
		{"subject", required_argument, NULL, VO_SUBJECT},
		{"san", required_argument, NULL, VO_SAN},
		{"out", required_argument, NULL, VO_OUT},
		{"der", no_argument, NULL, VO_DER},
		{"mgmt-key-fd", required_argument, NULL, VO_MGMT_FD},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	while ((opt = cli_next_opt(v->c, argc, argv, "h", longopts)) > 0) {
		int rc;

		if (opt == 'h') {
			fputs(vcard_usage, stdout);
			return -1;
		}
		rc = vcard_opt(v, opt, optarg);
		if (rc)
			return rc;
	}
	if (opt < 0)
		return SG_EXIT_USAGE;
	if (sub->file_arg) {
		if (optind + 1 != argc)
			return cli_usage_error(v->c, "%s needs one FILE", sub->name);
		v->file = argv[optind];
	} else if (optind < argc) {
		return cli_usage_error(v->c, "unexpected argument '%s'", argv[optind]);
	}
	if (v->c->opt_module || v->c->opt_card || v->c->opt_token)
		return cli_usage_error(v->c, "--module, --card and --token do not apply here; "
				       "--name picks the virtual card");
	if ((sub->run == vcli_gen_key || sub->run == vcli_import_cert ||
	     sub->run == vcli_export_cert) && !v->slot)
		return cli_usage_error(v->c, "%s needs --slot 9a|9c|9d|9e", sub->name);
	if (v->mgmt_fd >= 0 && v->mgmt_fd == v->c->pin_fd)
		return cli_usage_error(v->c, "--pin-fd and --mgmt-key-fd must differ");
	return 0;
}

int cmd_vcard(struct cli *c, int argc, char **argv)
{
	struct vcli v;
	struct sg_error e;
	const struct vsub *sub = NULL;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(vcard_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? SG_EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "serve")) {
#ifdef HAVE_VCARD_SERVE
		return vcard_serve_main(c, argc - 1, argv + 1);
#else
		return cli_usage_error(c, "this build has no 'signet vcard serve'");
#endif
	}
	for (size_t i = 0; i < sizeof(vsubs) / sizeof(vsubs[0]); i++)
		if (!strcmp(argv[1], vsubs[i].name))
			sub = &vsubs[i];
	if (!sub)
		return cli_usage_error(c, "unknown vcard command '%s'", argv[1]);
	memset(&v, 0, sizeof(v));
	v.c = c;
	v.mgmt_fd = -1;
	rc = vcard_parse(&v, sub, argc - 1, argv + 1);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_settle(c);
	if (rc)
		return rc;
	if (!v.name)
		v.name = c->cfg.vcard_name[0] ? c->cfg.vcard_name : "default";
	sg_error_init(&e);
	if (cli_vcard_blob(v.name, v.blob, sizeof(v.blob), &e))
		return cli_fail(c, &e);
	snprintf(v.mgmt_blob, sizeof(v.mgmt_blob), "%s.mgmt", v.blob);
	return sub->run(&v);
}
