/*
 * certinfo.h: what a person needs to know about a certificate: subject,
 * the identities it names (subjectAltName URI, UPN, e-mail, DNS), issuer,
 * serial, validity, key type and size.
 *
 * All strings are printable: bytes below 0x20, 0x7f and invalid
 * sequences from the certificate are shown as \xNN, so that a hostile
 * certificate cannot send escape sequences to a terminal or break a log
 * line.
 */
#ifndef CERTINFO_H
#define CERTINFO_H

#include <stddef.h>
#include <stdint.h>

#include "sg_err.h"

#define CERTINFO_MAX_NAMES 8

enum certinfo_name_type {
	CERTINFO_NAME_URI,   /* uniformResourceIdentifier: sip:alice@example.test */
	CERTINFO_NAME_UPN,   /* otherName 1.3.6.1.4.1.311.20.2.3 */
	CERTINFO_NAME_EMAIL, /* rfc822Name */
	CERTINFO_NAME_DNS,   /* dNSName */
};

struct certinfo_name {
	enum certinfo_name_type type;
	char value[256];
};

struct certinfo {
	char subject[256];
	char issuer[256];
	char serial[100]; /* hex, colon-separated as openssl prints it */
	int64_t not_before, not_after; /* seconds since the epoch, UTC */
	char key_type[8];              /* "RSA", "EC" */
	unsigned key_bits;
	int is_ca;
	struct certinfo_name names[CERTINFO_MAX_NAMES];
	size_t n_names;
};

/* Parses a DER certificate. SG_E_CERT_PARSE with mbedTLS's reason when it
 * cannot be read. Never reads past der + len. */
sg_err certinfo_parse(const uint8_t *der, size_t len, struct certinfo *ci, struct sg_error *e);

/* "uri", "upn", "email", "dns". */
const char *certinfo_name_label(enum certinfo_name_type t);

#endif
