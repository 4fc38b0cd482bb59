/*
 * ini.h: the parser of signet's one configuration format (daemon, CLI and
 * PAM module alike).
 *
 *     # a comment (also ';'), on a line of its own
 *     [section]
 *     key = value
 *     key = "  a quoted value keeps its spaces, a # and \" and \\ "
 *     key =
 *
 * Strict on purpose: a configuration that decides who may sign in should
 * fail loudly rather than be half understood. Line ends are \n or \r\n;
 * the last line may lack one; a UTF-8 byte order mark at the start is
 * skipped. Comments stand on lines of their own: an unquoted value that
 * holds a '#' or ';' right after a space or tab ("4  # digits") is an
 * error, not silently a longer value or a dropped comment; quote such a
 * value. ("pkcs11:token=a;object=b" needs no quotes.) Names are [A-Za-z0-9_.-], 1..INI_MAX_NAME bytes and
 * case-sensitive. A key before any section header belongs to section "".
 *
 * Allocation-free: the parser keeps the current section, key and value in
 * fixed buffers on the stack, reads only buf[0..len) and never needs a
 * terminating NUL. A NUL byte inside buf is an error.
 *
 * Errors are SG_E_CONFIG with a detail "line N: ..." that names the
 * section and key but never repeats a value, which could be a secret.
 */
#ifndef INI_H
#define INI_H

#include <stddef.h>

#include "sg_err.h"

#define INI_MAX_LINE 1024  /* bytes in a line, without its line end */
#define INI_MAX_NAME 63    /* bytes in a section or key name */
#define INI_MAX_VALUE 1023 /* bytes in a value, after unquoting */

/* Called once per `key = value`, in file order. The strings are
 * NUL-terminated and valid only during the call; value is unquoted and
 * unescaped. A return other than SG_OK stops the parse and is returned by
 * ini_parse (the handler fills e; line lets it say where). */
typedef sg_err (*ini_entry_h)(const char *section, const char *key, const char *value,
			      unsigned line, void *arg, struct sg_error *e);

/* Parses buf[0..len) and calls h for each entry. Returns SG_OK, SG_E_CONFIG
 * for a syntax error, or whatever h returned. */
sg_err ini_parse(const char *buf, size_t len, ini_entry_h h, void *arg, struct sg_error *e);

#endif
