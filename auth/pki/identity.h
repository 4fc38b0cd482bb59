/*
 * identity.h: does a certificate name this user?
 *
 * The user identity is a SIP URI (sip:alice@example.test), a UPN or an
 * e-mail address (alice@example.test). A SIP URI matches a
 * subjectAltName URI with the same user and host (scheme and host compared
 * without case, the user part exactly, URI parameters ignored, as RFC 3261
 * compares the parts that name an address of record). A bare user@host
 * matches a UPN or rfc822Name without case, or a sip:/sips: URI SAN with
 * that user and host.
 */
#ifndef IDENTITY_H
#define IDENTITY_H

#include "certinfo.h"

/* 1 when one of the certificate's names is the identity. */
int identity_match(const struct certinfo *ci, const char *identity);

/* Writes the names the certificate does carry ("uri:sip:bob@x, upn:bob@x")
 * into buf, for "the certificate names ... instead" messages. */
void identity_names(const struct certinfo *ci, char *buf, size_t len);

#endif
