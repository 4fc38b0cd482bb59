/*
 * sg_err.h: the one error type of the core.
 *
 * Functions return sg_err (SG_OK is 0) and, when the caller passes a
 * struct sg_error, fill in the specifics: a detail line (which file, which
 * token, what the token said) and, for PIN failures, the tries left.
 * Every code has a stable name, a short message and a diagnosis (what to
 * check next), all worded for whoever runs signet: they name settings
 * ([token] uri), never a front end's flags or exit codes. The CLI maps the
 * codes to its exit codes and words its own hints (firmware/cli/cli_err.h);
 * PAM and `signet run` word theirs.
 *
 * A detail line never contains a PIN or key material: callers format only
 * names, counts and library codes into it.
 */
#ifndef SG_ERR_H
#define SG_ERR_H

#include <stddef.h>

typedef enum sg_err {
	SG_OK = 0,
	SG_E_INTERNAL,     /* a bug or an unexpected library failure */
	SG_E_NOMEM,
	SG_E_INVALID_ARG,  /* an argument out of range or of the wrong form */
	SG_E_CONFIG,       /* bad configuration file or value */
	SG_E_IO,           /* a file or device could not be read or written */
	SG_E_NO_MODULE,    /* the PKCS#11 module cannot be loaded */
	SG_E_NO_READER,
	SG_E_NO_CARD,
	SG_E_NO_TOKEN,     /* no token matches */
	SG_E_NO_CERT,      /* no certificate (with a private key) matches */
	SG_E_AMBIGUOUS,    /* several tokens/certificates match; detail lists them */
	SG_E_CARD_REMOVED, /* the card went away mid-operation */
	SG_E_TOKEN,        /* the token refused or failed an operation */
	SG_E_PIN_FORMAT,   /* the PIN does not meet the policy (never sent) */
	SG_E_PIN_CANCELLED,
	SG_E_PIN_TIMEOUT,
	SG_E_PIN_INCORRECT,/* tries remain; sg_error.tries_left when known */
	SG_E_PIN_LOCKED,
	SG_E_SIGNATURE,    /* a signature does not verify */
	SG_E_CERT_PARSE,   /* the certificate cannot be parsed */
	SG_E_CERT_UNTRUSTED,
	SG_E_CERT_EXPIRED,
	SG_E_CERT_NOT_YET_VALID,
	SG_E_CERT_USAGE,
	SG_E_CERT_IDENTITY,
	SG_E_TIME_UNKNOWN, /* the device does not know the time yet */
	SG_E_REVOKED,
	SG_E_REVOCATION_UNAVAILABLE,
	SG_E_NETWORK,
	SG_E_REFUSED,      /* the server said no */
	SG_E_MALFORMED,    /* input that does not parse (message, file, APDU) */
	SG_E__COUNT
} sg_err;

#define SG_TRIES_UNKNOWN (-1)

struct sg_error {
	sg_err code;
	int tries_left;     /* PIN failures: tries left, or SG_TRIES_UNKNOWN */
	int final_try;      /* the next wrong PIN locks the token */
	char detail[512];   /* specifics; "" when there are none */
};

/* Clears e (code SG_OK, no detail, tries unknown). */
void sg_error_init(struct sg_error *e);

/* Records code and a printf-style detail in e (when e is not NULL) and
 * returns code, so that `return sg_error_set(e, SG_E_X, "...")` reads well.
 * A detail that does not fit is cut, never overflowed. */
sg_err sg_error_set(struct sg_error *e, sg_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Short message for the code ("wrong PIN"). Never NULL. */
const char *sg_err_message(sg_err code);
/* What to check next ("check the PIN; the token locks after ..."). */
const char *sg_err_diagnosis(sg_err code);
/* Stable lower-case name ("pin_incorrect"), for logs and machine output. */
const char *sg_err_name(sg_err code);

/* Writes a one-line summary ("wrong PIN: 2 tries left") into buf.
 * Returns buf. */
const char *sg_error_summary(const struct sg_error *e, char *buf, size_t len);

#endif
