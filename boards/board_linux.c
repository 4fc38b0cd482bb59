/*
 * board_linux.c: the Linux port under a board (see board_linux.h).
 */
#include "board_linux.h"

#include "port_linux.h"

int board_linux_open(struct hal *hal, const struct board_opts *opts)
{
	static const struct board_opts defaults;
	struct port_linux_opts po = {0};
	int r;

	if (!opts)
		opts = &defaults;
	po.storage_dir = opts->storage_dir;
	po.devkey_path = opts->devkey_path;
	po.devkey_no_create = opts->devkey_no_create;
	po.tty_path = opts->tty_path;
	po.log_ident = opts->log_ident;
	po.log_syslog = opts->log_syslog;
	po.log_level = opts->log_level;
	r = port_linux_init(hal, &po);
	/* The mandatory devices (hal.h): refused here, once, for every board
	 * on this port, rather than met missing later. */
	if (r == HAL_OK && hal_missing(hal)) {
		port_linux_fini(hal);
		r = HAL_EINVAL;
	}
	return r;
}

void board_linux_close(struct hal *hal)
{
	port_linux_fini(hal);
}

int board_set_log(struct hal *hal, const char *ident, int use_syslog, enum hal_log_level level)
{
	return port_linux_set_log(hal, ident, use_syslog, level);
}
