/*
 * pd_main.c: signet-provisiond's command line.
 *
 *   signet-provisiond serve   [--dir DIR] [--listen ADDR] [--port N]
 *                             [--renew-port M] [--max-tries N] [--days N]
 *   signet-provisiond adduser [--dir DIR] --id ID [--phone N]
 *                             --identity URI[,URI...] [--iterations N] [--pin-fd N]
 *   signet-provisiond revoke  [--dir DIR] [--reason R] SERIAL
 *   signet-provisiond crl     [--dir DIR]
 *
 * A PIN is read from --pin-fd (default 0), one line; never from argv.
 * DIR is made 0700 when adduser finds none, refused when others can enter
 * it, and every file the service writes is 0600 (pd_files.c); no core
 * files (PINs and the CA key are in memory).
 */
#define _GNU_SOURCE
#include "pd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "secret_fd.h"
#include "cli_err.h"

static const char usage[] =
	"usage: signet-provisiond serve   [--dir DIR] [--listen ADDR] [--port N] [--renew-port M]\n"
	"                                 [--max-tries N] [--days N]\n"
	"       signet-provisiond adduser [--dir DIR] --id ID [--phone N] --identity URI[,URI]\n"
	"                                 [--iterations N] [--pin-fd N]\n"
	"       signet-provisiond revoke  [--dir DIR] [--reason R] SERIAL\n"
	"       signet-provisiond crl     [--dir DIR]\n"
	"DIR (default .) holds ca.crt, ca.key, server.crt, server.key, users, attempts,\n"
	"index.txt, crl.pem and issued.log (doc/enrolment.md). DIR must be 0700 and the\n"
	"service's own (adduser makes a missing one); its files are kept 0600.\n";

/* PINs, verifiers and the CA key must not end up in a core file, as in
 * signet (firmware/cli/main.c). */
static void no_core_dumps(void)
{
	struct rlimit rl = {0, 0};

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static int fail(const struct sg_error *e)
{
	fprintf(stderr, "signet-provisiond: %s%s%s\n", cli_err_message(e->code),
		e->detail[0] ? ": " : "", e->detail);
	return cli_err_exit(e->code); /* signet's exit codes */
}

static unsigned num(const char *s, unsigned lo, unsigned hi, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || v < lo || v > hi) {
		fprintf(stderr, "signet-provisiond: %s must be %u to %u\n", what, lo, hi);
		exit(2);
	}
	return (unsigned)v;
}

enum { O_DIR = 0x100, O_LISTEN, O_PORT, O_TRIES, O_DAYS, O_ID, O_PHONE, O_IDENT, O_ITER,
       O_PINFD, O_REASON, O_RPORT };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dir", required_argument, NULL, O_DIR},
		{"listen", required_argument, NULL, O_LISTEN},
		{"port", required_argument, NULL, O_PORT},
		{"renew-port", required_argument, NULL, O_RPORT},
		{"max-tries", required_argument, NULL, O_TRIES},
		{"days", required_argument, NULL, O_DAYS},
		{"id", required_argument, NULL, O_ID},
		{"phone", required_argument, NULL, O_PHONE},
		{"identity", required_argument, NULL, O_IDENT},
		{"iterations", required_argument, NULL, O_ITER},
		{"pin-fd", required_argument, NULL, O_PINFD},
		{"reason", required_argument, NULL, O_REASON},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct pd pd; /* large: not on the stack */
	const char *cmd, *listen = "127.0.0.1", *id = NULL, *phone = "-", *idents = NULL;
	const char *reason = "unspecified";
	unsigned port = 5684, renew_port = 0, iter = PD_DEFAULT_ITER;
	int pin_fd = 0, opt, rc = 0;
	sg_err r;
	struct sg_error e;
	char pin[128];
	size_t pin_len = 0;

	no_core_dumps();
	/* Whatever the caller's umask: nothing this service makes is for others. */
	umask(077);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	argv++;
	argc--;
	snprintf(pd.dir, sizeof(pd.dir), ".");
	pd.max_tries = 5;
	pd.days = 365;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case O_DIR: snprintf(pd.dir, sizeof(pd.dir), "%s", optarg); break;
		case O_LISTEN: listen = optarg; break;
		case O_PORT: port = num(optarg, 1, 65535, "--port"); break;
		case O_RPORT: renew_port = num(optarg, 1, 65535, "--renew-port"); break;
		case O_TRIES: pd.max_tries = num(optarg, 1, 100, "--max-tries"); break;
		case O_DAYS: pd.days = num(optarg, 1, 3650, "--days"); break;
		case O_ID: id = optarg; break;
		case O_PHONE: phone = optarg; break;
		case O_IDENT: idents = optarg; break;
		case O_ITER: iter = num(optarg, 1000, 100000000, "--iterations"); break;
		case O_PINFD: pin_fd = (int)num(optarg, 0, 1024, "--pin-fd"); break;
		case O_REASON: reason = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	sg_error_init(&e);
	mbedtls_x509_crt_init(&pd.ca);
	mbedtls_pk_init(&pd.ca_key);
	mbedtls_entropy_init(&pd.entropy);
	mbedtls_ctr_drbg_init(&pd.drbg);
	if (mbedtls_ctr_drbg_seed(&pd.drbg, mbedtls_entropy_func, &pd.entropy,
				  (const unsigned char *)"signet-provisiond", 17) != 0) {
		sg_error_set(&e, SG_E_INTERNAL, "no random numbers");
		goto fail;
	}
	if (pd_dir_prepare(&pd, !strcmp(cmd, "adduser"), &e) || pd_users_load(&pd, &e))
		goto fail;
	if (!strcmp(cmd, "adduser")) {
		if (!id || !idents || optind != argc) {
			fputs(usage, stderr);
			rc = 2;
			goto out;
		}
		r = secret_fd_line(pin_fd, "the PIN", (uint8_t *)pin, sizeof(pin) - 1, &pin_len, &e);
		if (r == SG_E_PIN_FORMAT)
			sg_error_set(&e, SG_E_INVALID_ARG, "the PIN on fd %d is longer than %zu characters",
				     pin_fd, sizeof(pin) - 1);
		else if (r == SG_E_PIN_CANCELLED || (r == SG_OK && !pin_len))
			sg_error_set(&e, SG_E_INVALID_ARG, "no PIN on fd %d", pin_fd);
		if (r != SG_OK || !pin_len)
			goto fail;
		pin[pin_len] = '\0';
		if (pd_user_add(&pd, id, phone, idents, iter, pin, pin_len, &e))
			goto fail;
		printf("user %s added\n", id);
		goto out;
	}
	if (pd_ca_load(&pd, &e))
		goto fail;
	if (!strcmp(cmd, "serve") && optind == argc) {
		if (pd_unknown_init(&pd, &e) || pd_crl_write(&pd, &e))
			goto fail;
		rc = pd_serve(&pd, listen, port, renew_port == port ? 0 : renew_port);
	} else if (!strcmp(cmd, "revoke") && optind + 1 == argc) {
		if (pd_revoke(&pd, argv[optind], reason, &e))
			goto fail;
		printf("revoked %s; %s/crl.pem made again\n", argv[optind], pd.dir);
	} else if (!strcmp(cmd, "crl") && optind == argc) {
		if (pd_crl_write(&pd, &e))
			goto fail;
	} else {
		fputs(usage, stderr);
		rc = 2;
	}
	goto out;
fail:
	rc = fail(&e);
out:
	mbedtls_platform_zeroize(pin, sizeof(pin));
	mbedtls_x509_crt_free(&pd.ca);
	mbedtls_pk_free(&pd.ca_key);
	mbedtls_ctr_drbg_free(&pd.drbg);
	mbedtls_entropy_free(&pd.entropy);
	return rc;
}
