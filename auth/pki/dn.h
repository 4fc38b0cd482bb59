/*
 * dn.h: X.509 names decoded once, for display and for comparison.
 *
 * One decoder for the directory-string types an attribute value can take
 * (UTF8String, PrintableString, IA5String, VisibleString, NumericString,
 * T61String read as Latin-1, BMPString as UTF-16BE with surrogate pairs,
 * UniversalString as UCS-4BE), used by the formatter that every display of
 * a name goes through (signet certs, verify, the phone screen, the PAM log,
 * --json) and by the RFC 5280 section 7.1 comparison the path builder and
 * name constraints use. Invalid encodings (bad or overlong UTF-8, lone
 * surrogates, code points above U+10FFFF or in the surrogate range, a
 * non-ASCII byte in an ASCII type, an odd BMPString length) are refused:
 * DN_E_ENCODING from dn_decode, "not equal" from the comparison, and the
 * formatter falls back to mbedTLS's own rendering of that value.
 *
 * Everything takes (pointer, length) and reads nothing outside it.
 */
#ifndef DN_H
#define DN_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509.h>

#define DN_E_ENCODING (-1) /* the value is not a valid string of its type */
#define DN_E_TYPE (-2)     /* not a directory-string type (e.g. BIT STRING) */
#define DN_E_SPACE (-3)    /* out cannot hold the UTF-8 and its NUL */

/*
 * Decodes one attribute value (tag: its ASN.1 universal tag, as in
 * mbedtls_x509_name.val.tag) to UTF-8 in out (cap bytes, NUL-terminated).
 * Returns the UTF-8 length, or DN_E_*. Nothing is escaped here.
 */
int dn_decode(int tag, const uint8_t *p, size_t n, char *out, size_t cap);

/*
 * Formats a name as mbedtls_x509_dn_gets does (attribute short names from
 * mbedTLS, "??" for an unknown type, ", " between RDNs, " + " inside a
 * multi-valued one, RDN order as encoded, ,=+<>#;"\ escaped with a
 * backslash), but with the values decoded to UTF-8: `CN=Jürgen Müller`.
 * Control characters (U+0000-U+001F, U+007F, U+0080-U+009F) are written as
 * \xNN (NN: the code point in hex). A value that is not a valid string of
 * its type is written as mbedTLS writes it (non-ASCII bytes as '?').
 * Writes at most cap - 1 bytes plus a NUL, cutting only between whole
 * characters (cap > 0); returns the length the whole text needs (as
 * snprintf: >= cap means it was cut).
 */
size_t dn_format(char *buf, size_t cap, const mbedtls_x509_name *dn);

/*
 * RFC 5280 7.1 comparison of two DER Names (the Name SEQUENCE, tag
 * included: crt->subject_raw, crt->issuer_raw, a directoryName's content).
 * 1: same number of RDNs, each RDN the same set of attributes (the order
 * inside a multi-valued RDN does not matter, the order of RDNs does), each
 * attribute type the same OID, each value equal after decoding (so a
 * PrintableString and a UTF8String of the same text are equal), with
 * RFC 4518's simplified insignificant-space handling (leading and
 * trailing spaces dropped, inner runs of spaces counting as one; TAB,
 * LF, VT, FF, CR and NBSP count as spaces) and case folding: ASCII,
 * Latin-1, Latin Extended-A, Greek and Cyrillic capitals fold to their
 * small letters; other characters compare as code points (no Unicode
 * normalisation). A value that is not a directory string (or does not
 * decode) is equal only to the same tag and bytes. 0: not equal, or
 * either input is not a well-formed Name.
 */
int dn_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/*
 * directoryName name-constraint matching (RFC 5280 4.2.1.10): 1 when the
 * base's RDNs are, compared as dn_equal compares them, the first RDNs of
 * name (an empty base contains every name). 0 otherwise or when malformed.
 */
int dn_is_within(const uint8_t *name, size_t nlen, const uint8_t *base, size_t blen);

/* 1 when the Name at p (tag included) is a well-formed Name with no RDN. */
int dn_is_empty(const uint8_t *p, size_t n);

#endif
