/*
 * board.h: the one entry point of a board (boards/<name>/board.c). The
 * CLI, `signet run`, the PAM module and the tools get their struct hal
 * from board_open and give it back with board_close; which ports fill it
 * and with which device paths is the board's choice, written in its
 * board.c (the paths' defaults in its board.mk). Nothing is chosen by
 * the linker.
 */
#ifndef BOARD_H
#define BOARD_H

#include "hal.h"

struct board_opts {
	/* Directory for hal_storage blobs; NULL: the port's default
	 * ($SIGNET_STATE_DIR, else the user's state directory; port_linux.h). */
	const char *storage_dir;
	/* The device key file; NULL: the port's default ($SIGNET_DEVICE_KEY,
	 * else /etc/signet/device.key or the user's). A caller that must read
	 * no environment variable at all (pam_signet) gives both paths. */
	const char *devkey_path;
	/* 1: a missing device key is an error, never created (pam_signet). */
	int devkey_no_create;
	/* Terminal for the keypad and display; NULL: /dev/tty. */
	const char *tty_path;
	/* Program name for log lines and syslog. */
	const char *log_ident;
	/* 1: log to syslog (a daemon); 0: log to stderr. */
	int log_syslog;
	/* Highest level written (HAL_LOG_WARN by default when 0). */
	enum hal_log_level log_level;
	/* 1: the environment variables SIGNET_INPUT_DEVICE, SIGNET_LCD_DEVICE
	 * and SIGNET_DISPLAY override the board's device paths (read with
	 * secure_getenv: not in a set-user-ID caller). 0: the board's own
	 * paths only (pam_signet takes nothing from the environment). */
	int env;
	/* 1: none of the board's own keypad or display devices are opened
	 * (pam_signet and the tools talk through no keypad). */
	int headless;
};

/* The devices a board puts over its port (from its board.mk, each replaced
 * by its environment variable when opts->env). NULL: the board has none,
 * the port's terminal serves. */
struct board_paths {
	const char *input_device; /* keypad: Linux input events */
	const char *lcd_device;   /* character display: Linux charlcd */
	const char *display;      /* "chars:COLSxROWS", or "terminal" */
};

/* Fills every device of *hal the way this board has them. HAL_OK;
 * HAL_ENOMEM; HAL_EINVAL (a bad display size from the environment, or a
 * port that left a mandatory device unset: hal_missing in hal.h).
 * Devices that cannot be opened are left as the port has them (unset
 * when there is no terminal either). */
int board_open(struct hal *hal, const struct board_opts *opts);
/* Releases what board_open took (restores the terminal). */
void board_close(struct hal *hal);
/* Switches logging to syslog or stderr at another level (after the
 * configuration file has been read). */
int board_set_log(struct hal *hal, const char *ident, int use_syslog, enum hal_log_level level);
/* The device paths board_open would use with these options. */
void board_paths(const struct board_opts *opts, struct board_paths *out);

#endif
