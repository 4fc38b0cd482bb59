/*
 * mbedtls_trim.c: linked only where mbedTLS is linked statically
 * (MBEDTLS_STATIC=1: the phone and kiosk boards).
 *
 * Debian builds mbedTLS with MBEDTLS_SELF_TEST, so x509.c.o (which signet
 * needs) carries mbedtls_x509_self_test(), whose references to the test
 * certificates pull certs.c.o out of libmbedx509.a: about 55 KB of test
 * keys and certificates in the binary. signet never runs mbedTLS's self
 * tests; these four definitions satisfy the references, so the linker
 * leaves certs.c.o out. (Were the self test ever run, it would fail
 * cleanly on empty certificates.)
 */
#include <stddef.h>

#include <mbedtls/certs.h>

const char *mbedtls_test_ca_crt = "";
const size_t mbedtls_test_ca_crt_len = 0;
const char *mbedtls_test_cli_crt = "";
const size_t mbedtls_test_cli_crt_len = 0;
