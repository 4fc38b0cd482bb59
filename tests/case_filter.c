/*
 * tests/case_filter.c: one case of a test program (`make check T=<test>
 * CASE=<pattern>`). Linked into every unit and integration test program:
 * before main() runs, it hands SIGNET_TEST_CASE (set by make check, passed
 * on by tests/run-tests) to cmocka's filter, so that only the cases whose
 * names match run (cmocka's matching: `*` any characters, `?` one). Unset or
 * empty, as in make test: every case runs. The installed cmocka (1.1.5)
 * reads no such variable itself, and the programs call
 * cmocka_run_group_tests() unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

__attribute__((constructor)) static void case_filter(void)
{
	const char *pattern = getenv("SIGNET_TEST_CASE");

	if (pattern == NULL || pattern[0] == '\0')
		return;
	cmocka_set_test_filter(pattern);
	/* run-tests reads the output through a pipe to see that a case ran:
	 * line by line, so that it shows as it comes. */
	setvbuf(stdout, NULL, _IOLBF, 0);
}
