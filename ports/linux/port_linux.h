/*
 * port_linux.h: the Linux desktop port: fills a struct hal with real
 * implementations (terminal keypad and display, pcsc-lite, getrandom,
 * clock_gettime, files with fsync + rename, poll loop, syslog/stderr,
 * dlopen).
 */
#ifndef PORT_LINUX_H
#define PORT_LINUX_H

#include "hal.h"

struct port_linux_opts {
	/* Directory for hal_storage blobs; NULL: $SIGNET_STATE_DIR, else
	 * $XDG_STATE_HOME/signet, else ~/.local/state/signet (root:
	 * /var/lib/signet). Created 0700 on first write. */
	const char *storage_dir;
	/* The device key file; NULL: $SIGNET_DEVICE_KEY, else
	 * /etc/signet/device.key (root), else $XDG_CONFIG_HOME/signet/device.key
	 * or ~/.config/signet/device.key (linux_dev.h). Every variable the port
	 * reads goes through secure_getenv (none in a set-user-ID caller); a
	 * caller that must read none at all (pam_signet) gives both paths. */
	const char *devkey_path;
	/* 1: a missing device key is an error, never created (pam_signet). */
	int devkey_no_create;
	/* Terminal for keypad and display; NULL: /dev/tty. When there is no
	 * terminal the keypad and display are left unset (HAL_ENOTSUP). */
	const char *tty_path;
	/* Program name for log lines and syslog. */
	const char *log_ident;
	/* 1: log to syslog (a daemon); 0: log to stderr. */
	int log_syslog;
	/* Highest level written (HAL_LOG_WARN by default when 0). */
	enum hal_log_level log_level;
};

/* Fills every device of *hal. Returns HAL_OK, or HAL_ENOMEM. Devices that
 * are not available (no terminal) are left with ops == NULL. */
int port_linux_init(struct hal *hal, const struct port_linux_opts *opts);
/* Switches logging to syslog or stderr at another level (after the
 * configuration file has been read). */
int port_linux_set_log(struct hal *hal, const char *ident, int use_syslog,
		       enum hal_log_level level);
/* Releases what port_linux_init took (restores the terminal). */
void port_linux_fini(struct hal *hal);

#endif
