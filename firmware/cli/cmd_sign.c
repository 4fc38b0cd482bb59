/* cmd_sign.c: `signet sign`: the token's key signs a challenge. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "sig.h"

static const char sign_usage[] =
	"usage: signet sign [--module PATH] [--token URI] [--user ID] [--in FILE|-]\n"
	"                   [--out FILE] [--pss] [--pin-fd N] [--json] [--config FILE]\n"
	"                   [--verbose]\n"
	"       signet sign --verify [...]\n"
	"Signs the challenge (SHA-256 of the input; standard input by default) with the\n"
	"private key of the sign-in certificate and writes the signature (raw bytes;\n"
	"hex inside --json). RSA keys sign with PKCS#1 v1.5, or PSS with --pss; EC\n"
	"keys with ECDSA (DER). --verify signs a fresh random challenge, verifies the\n"
	"signature with the certificate's public key and prints 'verified'.\n"
	"--user ID picks the certificate that names ID (sip:alice@example.test, or a\n"
	"UPN / e-mail address) when the token holds several.\n"
	"The PIN is typed on the terminal, or read (one line) from file descriptor N.\n";

#define SIGN_MAX_INPUT (16u << 20) /* a challenge, not a disk image */

/* Hashes all of fd (a challenge file or stdin). */
static sg_err hash_fd(int fd, uint8_t hash[32], struct sg_error *e)
{
	mbedtls_sha256_context ctx;
	uint8_t buf[4096];
	size_t total = 0;
	sg_err err = SG_OK;

	mbedtls_sha256_init(&ctx);
	mbedtls_sha256_starts_ret(&ctx, 0);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = sg_error_set(e, SG_E_IO, "cannot read the challenge: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > SIGN_MAX_INPUT) {
			err = sg_error_set(e, SG_E_INVALID_ARG, "the challenge is larger than %u bytes",
					   SIGN_MAX_INPUT);
			break;
		}
		mbedtls_sha256_update_ret(&ctx, buf, (size_t)n);
	}
	mbedtls_sha256_finish_ret(&ctx, hash);
	mbedtls_sha256_free(&ctx);
	return err;
}

static int write_all(int fd, const uint8_t *b, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char *sig_name(enum token_sig s)
{
	switch (s) {
	case TOKEN_SIG_RSA_PKCS1:
		return "rsa-pkcs1-sha256";
	case TOKEN_SIG_RSA_PSS:
		return "rsa-pss-sha256";
	case TOKEN_SIG_ECDSA:
		return "ecdsa-sha256";
	}
	return "?";
}

struct sign_opts {
	const char *in, *out;
	int verify, pss;
};

static int sign_parse(struct cli *c, int argc, char **argv, struct sign_opts *o)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"in", required_argument, NULL, 'i'},
		{"out", required_argument, NULL, 'o'},
		{"verify", no_argument, NULL, 'V'},
		{"pss", no_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	while ((opt = cli_next_opt(c, argc, argv, "h", longopts)) > 0) {
		switch (opt) {
		case 'i':
			o->in = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'V':
			o->verify = 1;
			break;
		case 'p':
			o->pss = 1;
			break;
		case 'h':
			fputs(sign_usage, stdout);
			return -1;
		default:
			fputs(sign_usage, stderr);
			return SG_EXIT_USAGE;
		}
	}
	if (opt < 0)
		return SG_EXIT_USAGE;
	if (optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (o->verify && (o->in || o->out))
		return cli_usage_error(c, "--verify makes its own challenge: drop --in/--out");
	if (c->pin_fd == 0 && !o->verify && (!o->in || !strcmp(o->in, "-")))
		return cli_usage_error(c, "--pin-fd 0 and a challenge on standard input clash; "
				       "use --in FILE");
	return 0;
}

/* Gets the challenge's hash: the input's, or a fresh random one. */
static sg_err sign_challenge(struct cli *c, const struct sign_opts *o, uint8_t hash[32],
			     struct sg_error *e)
{
	sg_err err;
	int fd = 0;

	if (o->verify) {
		uint8_t rnd[32];

		if (hal_rng_fill(&c->hal.rng, rnd, sizeof(rnd)) != HAL_OK)
			return sg_error_set(e, SG_E_INTERNAL, "no random numbers from the device");
		sig_sha256(rnd, sizeof(rnd), hash);
		cli_step(c, "fresh random challenge of %zu bytes", sizeof(rnd));
		return SG_OK;
	}
	if (o->in && strcmp(o->in, "-")) {
		fd = open(o->in, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return sg_error_set(e, SG_E_IO, "%s: %s", o->in, strerror(errno));
	}
	err = hash_fd(fd, hash, e);
	if (fd > 0)
		close(fd);
	return err;
}

static sg_err sign_output(struct cli *c, const struct sign_opts *o, const struct token_cert *tc,
			  enum token_sig kind, const uint8_t *sig, size_t sig_len,
			  struct sg_error *e)
{
	int fd = 1;

	if (c->json) {
		struct json j;
		json_init(&j, stdout);
		json_obj_begin(&j);
		json_key(&j, "certificate");
		json_str(&j, tc->uri);
		json_key(&j, "algorithm");
		json_str(&j, sig_name(kind));
		if (o->verify) {
			json_key(&j, "verified");
			json_bool(&j, 1);
		} else {
			json_key(&j, "signature");
			json_hex(&j, sig, sig_len);
		}
		json_obj_end(&j);
		json_end(&j);
		return SG_OK;
	}
	if (o->verify) {
		printf("verified\n");
		return SG_OK;
	}
	if (o->out && strcmp(o->out, "-")) {
		fd = open(o->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return sg_error_set(e, SG_E_IO, "%s: %s", o->out, strerror(errno));
	}
	int rc = write_all(fd, sig, sig_len);
	if (fd != 1 && close(fd) != 0)
		rc = -1;
	if (rc)
		return sg_error_set(e, SG_E_IO, "cannot write the signature: %s", strerror(errno));
	return SG_OK;
}

int cmd_sign(struct cli *c, int argc, char **argv)
{
	struct sign_opts o = {0};
	struct token *t = NULL;
	struct sg_error e;
	uint8_t hash[32], sig[SIG_MAX];
	size_t sig_len = sizeof(sig), ci;
	enum token_sig kind;
	int rc = sign_parse(c, argc, argv, &o);

	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_settle(c);
	if (rc)
		return rc;
	sg_error_init(&e);
	if (cli_open_token(c, &t, &e) || cli_select(c, t, &ci, &e))
		goto fail;
	kind = token_sig_for(&t->certs[ci], o.pss);
	cli_step(c, "certificate '%s' (%s %u bits)%s%s", t->certs[ci].label,
		 t->certs[ci].key_type == TOKEN_KEY_EC ? "EC" : "RSA", t->certs[ci].key_bits,
		 c->user ? " names " : "", c->user ? c->user : "");
	if (sign_challenge(c, &o, hash, &e) || cli_login(c, t, &e))
		goto fail;
	if (token_sign(t, ci, kind, hash, sizeof(hash), sig, &sig_len, &e)) {
		/* A cached certificate the card's key did not match: the card
		 * was read again; pick from what it holds and sign once more. */
		if (e.code != SG_E_SIGNATURE || !t->certs_reread || cli_select(c, t, &ci, &e))
			goto fail;
		kind = token_sig_for(&t->certs[ci], o.pss);
		/* The card's signature stands if the certificate picked now
		 * verifies it (a PIN-always key would refuse a second one). */
		if (sig_verify_cert(t->certs[ci].der, t->certs[ci].der_len, kind, hash, sizeof(hash),
				    sig, sig_len, NULL)) {
			sig_len = sizeof(sig);
			if (token_sign(t, ci, kind, hash, sizeof(hash), sig, &sig_len, &e))
				goto fail;
		}
	}
	cli_step(c, "signed (%s, %zu bytes)", sig_name(kind), sig_len);
	if (o.verify) {
		if (sig_verify_cert(t->certs[ci].der, t->certs[ci].der_len, kind, hash, sizeof(hash),
				    sig, sig_len, &e))
			goto fail;
		cli_step(c, "signature verified with the certificate's public key");
	}
	token_logout(t);
	cli_step(c, "logged out");
	if (sign_output(c, &o, &t->certs[ci], kind, sig, sig_len, &e))
		goto fail;
	token_close(t);
	return 0;
fail:
	rc = cli_fail(c, &e);
	token_close(t);
	return rc;
}
