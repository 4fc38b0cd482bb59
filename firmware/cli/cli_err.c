/* cli_err.c: exit codes and the CLI's wording of errors (cli_err.h). */
#include "cli_err.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "pin.h"
#include "token_p11.h"

/* The exit code of each sg_err (README.md's table). */
static const unsigned char exits[SG_E__COUNT] = {
	[SG_OK] = SG_EXIT_OK,
	[SG_E_INTERNAL] = SG_EXIT_INTERNAL,
	[SG_E_NOMEM] = SG_EXIT_INTERNAL,
	[SG_E_INVALID_ARG] = SG_EXIT_USAGE,
	[SG_E_CONFIG] = SG_EXIT_USAGE,
	[SG_E_IO] = SG_EXIT_INTERNAL,
	[SG_E_NO_MODULE] = SG_EXIT_NO_TOKEN,
	[SG_E_NO_READER] = SG_EXIT_NO_TOKEN,
	[SG_E_NO_CARD] = SG_EXIT_NO_TOKEN,
	[SG_E_NO_TOKEN] = SG_EXIT_NO_TOKEN,
	[SG_E_NO_CERT] = SG_EXIT_NO_TOKEN,
	[SG_E_AMBIGUOUS] = SG_EXIT_USAGE,
	[SG_E_CARD_REMOVED] = SG_EXIT_NO_TOKEN,
	[SG_E_TOKEN] = SG_EXIT_INTERNAL,
	[SG_E_PIN_FORMAT] = SG_EXIT_USAGE,
	[SG_E_PIN_CANCELLED] = SG_EXIT_CANCELLED,
	[SG_E_PIN_TIMEOUT] = SG_EXIT_CANCELLED,
	[SG_E_PIN_INCORRECT] = SG_EXIT_PIN_INCORRECT,
	[SG_E_PIN_LOCKED] = SG_EXIT_PIN_LOCKED,
	[SG_E_SIGNATURE] = SG_EXIT_CERT,
	[SG_E_CERT_PARSE] = SG_EXIT_CERT,
	[SG_E_CERT_UNTRUSTED] = SG_EXIT_CERT,
	[SG_E_CERT_EXPIRED] = SG_EXIT_CERT,
	[SG_E_CERT_NOT_YET_VALID] = SG_EXIT_CERT,
	[SG_E_CERT_USAGE] = SG_EXIT_CERT,
	[SG_E_CERT_IDENTITY] = SG_EXIT_CERT,
	[SG_E_TIME_UNKNOWN] = SG_EXIT_CERT,
	[SG_E_REVOKED] = SG_EXIT_REVOKED,
	[SG_E_REVOCATION_UNAVAILABLE] = SG_EXIT_REVOCATION,
	[SG_E_NETWORK] = SG_EXIT_NETWORK,
	[SG_E_REFUSED] = SG_EXIT_REFUSED,
	[SG_E_MALFORMED] = SG_EXIT_USAGE,
};

int cli_err_exit(sg_err code)
{
	if ((unsigned)code >= SG_E__COUNT)
		return SG_EXIT_INTERNAL;
	return exits[code];
}

const char *cli_err_name(sg_err code)
{
	return code == SG_E_INVALID_ARG ? "usage" : sg_err_name(code);
}

const char *cli_err_message(sg_err code)
{
	return code == SG_E_INVALID_ARG ? "invalid command line" : sg_err_message(code);
}

const char *cli_err_diagnosis(sg_err code)
{
	switch (code) {
	case SG_E_INTERNAL:
		return "this is a bug in signet or a library; run again with --verbose and report "
		       "the output";
	case SG_E_INVALID_ARG:
		return "see 'signet --help'";
	case SG_E_CONFIG:
		return "check the configuration file at the path and line named above; "
		       "'signet --help-config' lists the settings";
	case SG_E_NO_MODULE:
		return "check the module path (--module or [token] module) and that its package "
		       "is installed";
	case SG_E_NO_TOKEN:
		return "insert the card, or check the token URI (--token) against 'signet certs' "
		       "output";
	case SG_E_AMBIGUOUS:
		return "pick one with --token (a PKCS#11 URI with token=, id= or object=)";
	case SG_E_TOKEN:
		return "the token may not support this key or mechanism; run with --verbose for "
		       "the PKCS#11 code";
	default:
		return sg_err_diagnosis(code);
	}
}

const char *cli_err_check_diagnosis(sg_err code, enum certcheck_advice a)
{
	switch (a) {
	case CERTCHECK_ADVICE_CRL_OR_LEAF:
		return "configure a CRL of its issuer ([certs] crl, --crl), or check the "
		       "end-entity certificate only ([certs] revocation_scope = leaf)";
	case CERTCHECK_ADVICE_CRL_OR_OCSP:
		return "configure a CRL of its issuer ([certs] crl, --crl) or an OCSP responder "
		       "([certs] ocsp_url, --ocsp-url)";
	default:
		return cli_err_diagnosis(code);
	}
}

sg_err cli_err_vcard(sg_err err, const char *name, struct sg_error *e)
{
	if (err == SG_E_NO_CARD && e && !strncmp(e->detail, "no virtual card", 15))
		return sg_error_set(e, err, "no virtual card '%s'; create one with signet vcard "
				    "init --name %s", name, name);
	return err;
}

/* The detail with the flag that helps, where the core's words leave it
 * out, into out (at most len - 1 characters). */
static void cli_detail(const struct sg_error *e, char *out, size_t len)
{
	const char *d = e->detail;
	const int n = (int)sizeof(TOKEN_P11_SEVERAL) - 1;
	int r;

	if (e->code == SG_E_AMBIGUOUS && !strncmp(d, TOKEN_P11_SEVERAL, (size_t)n)) {
		r = snprintf(out, len, "%.*s; pick one with --token:%s", n - 1, d, d + n);
	} else {
		const char *more = "";

		if (e->code == SG_E_INVALID_ARG && !strcmp(d, PIN_NO_INPUT))
			more = " (use --pin-fd)";
		else if (e->code == SG_E_CONFIG && strstr(d, ": " CONFIG_UNKNOWN))
			more = " (see signet --help-config)";
		r = snprintf(out, len, "%s%s", d, more);
	}
	if (r < 0)
		out[0] = '\0';
}

const char *cli_error_summary(const struct sg_error *e, char *buf, size_t len)
{
	size_t used;

	if (e->code == SG_E_PIN_INCORRECT || !buf || !len)
		return sg_error_summary(e, buf, len);
	snprintf(buf, len, e->detail[0] ? "%s: " : "%s", cli_err_message(e->code));
	used = strlen(buf);
	/* The detail is cut where the core would have cut it. */
	len -= used;
	cli_detail(e, buf + used, len < sizeof(e->detail) ? len : sizeof(e->detail));
	return buf;
}
