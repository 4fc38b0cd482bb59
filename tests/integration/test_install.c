/*
 * test_install.c: `make install DESTDIR=<scratch>` as an ordinary user puts
 * every file in place: the binary (and it runs), the PAM module, the
 * example configuration (which signet accepts), the systemd unit for
 * `signet run` (with PREFIX filled in, and systemd-analyze finds nothing
 * wrong in it but the binary missing from the real root), and the man page
 * (groff renders it without warnings); `make uninstall` takes them away.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest.h"

static char dest[600];

static const char *const files[] = {
	"/opt/signet-test/bin/signet",
	"/etc/signet/signet.conf.example",
	"/lib/systemd/system/signet.service",
	"/opt/signet-test/share/man/man1/signet.1",
	"/opt/signet-test/lib/signet/signet-coap.so",
};

static void test_install(void **state)
{
	(void)state;
	snprintf(dest, sizeof(dest), "%s/dest", itest_scratch());
	assert_int_equal(itest_sh("make -s -C '%s' install DESTDIR='%s' PREFIX=/opt/signet-test "
				  "SYSTEMDUNITDIR=/lib/systemd/system >'%s/install.log' 2>&1",
				  itest_top(), dest, itest_scratch()),
			 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (itest_sh("test -s '%s%s'", dest, files[i]))
			fail_msg("%s not installed", files[i]);
	/* The PAM module, in the PAM module directory the Makefile chose. */
	assert_int_equal(itest_sh("find '%s' -path '*/security/pam_signet.so' | grep -q .", dest), 0);
	assert_int_equal(itest_sh("test -x '%s/opt/signet-test/bin/signet' && "
				  "'%s/opt/signet-test/bin/signet' --version | grep -q '^signet '",
				  dest, dest),
			 0);
	/* The unit names the installed binary and the configuration. */
	assert_int_equal(itest_sh("grep -qx 'ExecStart=/opt/signet-test/bin/signet run --config "
				  "/etc/signet/signet.conf' '%s/lib/systemd/system/signet.service'",
				  dest),
			 0);
	assert_int_equal(itest_sh("! grep -q @PREFIX@ '%s/lib/systemd/system/signet.service'", dest),
			 0);
	if (itest_sh("command -v systemd-analyze >/dev/null") == 0)
		assert_int_equal(itest_sh("systemd-analyze verify '%s/lib/systemd/system/signet.service' "
					  "2>&1 | grep -v 'is not executable\\|man signet' | grep ."
					  " >&2; test $? -eq 1",
					  dest),
				 0);
	/* The installed signet finds its CoAP plugin (../lib/signet): the
	 * server's URL is parsed by it (exit 2 with the plugin's message),
	 * instead of "the CoAP plugin cannot be loaded" (exit 1). */
	assert_int_equal(itest_sh("printf '1234\\n5678\\n' | env -u SIGNET_COAP_PLUGIN "
				  "'%s/opt/signet-test/bin/signet' enroll --config "
				  "'%s/etc/signet/signet.conf.example' --server 'coaps://[::1' --user alice "
				  "--identity sip:alice@example.test --card vcard:none --pin-fd 3 3<&0 "
				  ">'%s/plugin.out' 2>&1; test $? -eq 2 && grep -q 'needs its' '%s/plugin.out'",
				  dest, dest, itest_scratch(), itest_scratch()),
			 0);
	/* The example configuration is a valid configuration: signet gets as
	 * far as looking for the card (exit 3), not a configuration error (2). */
	assert_int_equal(itest_sh("'%s/opt/signet-test/bin/signet' certs --config "
				  "'%s/etc/signet/signet.conf.example' --card vcard:no-such-card "
				  ">/dev/null 2>&1; test $? -eq 3",
				  dest, dest),
			 0);
	assert_int_equal(itest_sh("groff -man -ww -z '%s/opt/signet-test/share/man/man1/signet.1' "
				  "2>&1 | grep . >&2; test $? -eq 1",
				  dest),
			 0);
	assert_int_equal(itest_sh("make -s -C '%s' uninstall DESTDIR='%s' PREFIX=/opt/signet-test "
				  "SYSTEMDUNITDIR=/lib/systemd/system >>'%s/install.log' 2>&1",
				  itest_top(), dest, itest_scratch()),
			 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!itest_sh("test -e '%s%s'", dest, files[i]))
			fail_msg("%s left after uninstall", files[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install),
	};
	return cmocka_run_group_tests_name("install", tests, NULL, NULL);
}
