/* sg_err.c: names, messages and diagnoses for sg_err (no front end's words). */
#include "sg_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A code's row: its name, message and diagnosis, one after the other,
 * each ending in '\0' (one pointer per code rather than three). */
#define ROW(name, message, diagnosis) name "\0" message "\0" diagnosis

static const char *const rows[SG_E__COUNT] = {
	[SG_OK] = ROW("ok", "success", ""),
	[SG_E_INTERNAL] = ROW("internal", "internal error", "this is a bug; see the log"),
	[SG_E_NOMEM] = ROW("nomem", "out of memory", "free memory on the device and try again"),
	[SG_E_INVALID_ARG] = ROW("invalid_arg", "invalid argument", ""),
	[SG_E_CONFIG] = ROW("config", "invalid configuration",
			 "check the configuration file"),
	[SG_E_IO] = ROW("io", "cannot read or write a file",
		     "check that the file exists and its permissions"),
	[SG_E_NO_MODULE] = ROW("no_module", "the PKCS#11 module cannot be loaded",
			    "check [token] module"),
	[SG_E_NO_READER] = ROW("no_reader", "no card reader",
			    "connect a reader and check that pcscd is running"),
	[SG_E_NO_CARD] = ROW("no_card", "no card in the reader", "insert the card"),
	[SG_E_NO_TOKEN] = ROW("no_token", "no token found",
			   "insert the card or check [token] uri"),
	[SG_E_NO_CERT] = ROW("no_cert", "no usable certificate on the token",
			  "the token needs a certificate with a matching private key; "
			  "enrol one or check the token URI"),
	[SG_E_AMBIGUOUS] = ROW("ambiguous", "more than one candidate matches",
			    "narrow [token] uri"),
	[SG_E_CARD_REMOVED] = ROW("card_removed", "the card was removed",
			       "keep the card in the reader until the operation ends, then "
			       "try again"),
	[SG_E_TOKEN] = ROW("token", "the token failed the operation",
			"see the log for the PKCS#11 code"),
	[SG_E_PIN_FORMAT] = ROW("pin_format", "the PIN does not have the required form",
			     "type the PIN again; no try was used"),
	[SG_E_PIN_CANCELLED] = ROW("pin_cancelled", "PIN entry cancelled", ""),
	[SG_E_PIN_TIMEOUT] = ROW("pin_timeout", "no PIN entered in time", "start again"),
	[SG_E_PIN_INCORRECT] = ROW("pin_incorrect", "wrong PIN",
				"type the PIN again carefully; the card locks after too "
				"many wrong PINs"),
	[SG_E_PIN_LOCKED] = ROW("pin_locked", "the PIN is locked",
			     "unblock the card with its PUK or ask the administrator for "
			     "a new card"),
	[SG_E_SIGNATURE] = ROW("signature", "the signature does not verify",
			    "the private key does not belong to the certificate; re-enrol "
			    "the card"),
	[SG_E_CERT_PARSE] = ROW("cert_parse", "the certificate cannot be read",
			     "the certificate on the token is damaged; re-enrol the card"),
	[SG_E_CERT_UNTRUSTED] = ROW("cert_untrusted", "the certificate is not trusted",
				 "check the trust anchors (CA file) and intermediate "
				 "certificates"),
	[SG_E_CERT_EXPIRED] = ROW("cert_expired", "the certificate has expired", "renew it"),
	[SG_E_CERT_NOT_YET_VALID] = ROW("cert_not_yet_valid", "the certificate is not valid yet",
				     "check the device's clock"),
	[SG_E_CERT_USAGE] = ROW("cert_usage", "the certificate is not meant for sign-in",
			     "it needs key usage digitalSignature and extended key usage "
			     "clientAuth or smart-card logon"),
	[SG_E_CERT_IDENTITY] = ROW("cert_identity", "the certificate does not name the user",
				"check the user name against the certificate's "
				"subjectAltName"),
	[SG_E_TIME_UNKNOWN] = ROW("time_unknown", "the device does not know the time yet",
			       "wait for the clock to be set (NTP) and try again"),
	[SG_E_REVOKED] = ROW("revoked", "the certificate has been revoked",
			  "ask the administrator for a new certificate"),
	[SG_E_REVOCATION_UNAVAILABLE] = ROW("revocation_unavailable",
					 "the revocation status cannot be checked",
					 "check the network path to the OCSP responder / CRL "
					 "server (a certificate that names neither needs a CRL of "
					 "its issuer in [certs] crl)"),
	[SG_E_NETWORK] = ROW("network", "the server cannot be reached",
			  "check the network, the server address and port"),
	[SG_E_REFUSED] = ROW("refused", "the server refused", "check the account on the server"),
	[SG_E_MALFORMED] = ROW("malformed", "malformed input", "the input is damaged or not "
			    "in the expected format"),
};

/* Field i of the code's row (0 name, 1 message, 2 diagnosis); an unknown
 * code is an internal error. */
static const char *field(sg_err code, int i)
{
	const char *p = rows[(unsigned)code < SG_E__COUNT && rows[code] ? code : SG_E_INTERNAL];

	while (i-- > 0)
		p += strlen(p) + 1;
	return p;
}

void sg_error_init(struct sg_error *e)
{
	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	e->tries_left = SG_TRIES_UNKNOWN;
}

sg_err sg_error_set(struct sg_error *e, sg_err code, const char *fmt, ...)
{
	if (!e)
		return code;
	e->code = code;
	e->detail[0] = '\0';
	if (fmt) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *sg_err_message(sg_err code)
{
	return field(code, 1);
}

const char *sg_err_diagnosis(sg_err code)
{
	return field(code, 2);
}

const char *sg_err_name(sg_err code)
{
	return field(code, 0);
}

const char *sg_error_summary(const struct sg_error *e, char *buf, size_t len)
{
	if (!buf || !len)
		return buf;
	const char *msg = sg_err_message(e->code);
	if (e->code == SG_E_PIN_INCORRECT && e->tries_left >= 0)
		snprintf(buf, len, "%s: %d %s left%s", msg, e->tries_left,
			 e->tries_left == 1 ? "try" : "tries",
			 e->final_try ? " (the next wrong PIN locks the card)" : "");
	else if (e->code == SG_E_PIN_INCORRECT && e->final_try)
		snprintf(buf, len, "%s: final try left (the next wrong PIN locks the card)", msg);
	else if (e->code == SG_E_PIN_INCORRECT)
		snprintf(buf, len, "%s (the token does not say how many tries are left)", msg);
	else if (e->detail[0])
		snprintf(buf, len, "%s: %s", msg, e->detail);
	else
		snprintf(buf, len, "%s", msg);
	return buf;
}
