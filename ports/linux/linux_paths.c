/* linux_paths.c: where the Linux port keeps things of the user's. */
#define _GNU_SOURCE

#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "linux_dev.h"

const char *linux_home_dir(void)
{
	/* secure_getenv: in a set-user-ID caller, the password database. */
	const char *home = secure_getenv("HOME");

	if (!home || *home != '/') {
		const struct passwd *pw = getpwuid(geteuid());

		home = pw ? pw->pw_dir : NULL;
	}
	return home;
}
