/*
 * port_linux.c: puts the Linux devices (linux_*.c) into a struct hal.
 */
#define _GNU_SOURCE

#include <string.h>

#include "linux_dev.h"
#include "port_linux.h"

int port_linux_init(struct hal *hal, const struct port_linux_opts *opts)
{
	static const struct port_linux_opts defaults;
	struct linux_tty *tty = NULL;
	int r;

	if (!hal)
		return HAL_EINVAL;
	if (!opts)
		opts = &defaults;
	memset(hal, 0, sizeof(*hal));
	linux_clock_init(&hal->clock);
	linux_rng_init(&hal->rng);
	r = linux_log_init(&hal->log, opts->log_ident, opts->log_syslog, opts->log_level);
	if (r == HAL_OK)
		r = linux_loop_init(&hal->loop);
	if (r == HAL_OK)
		r = linux_net_init(&hal->net);
	if (r == HAL_OK)
		r = linux_dns_init(&hal->dns, &hal->loop);
	if (r == HAL_OK)
		r = linux_card_init(&hal->card, &hal->log);
	if (r == HAL_OK)
		r = linux_p11_init(&hal->p11);
	/* No state directory (no HOME): storage stays unset, not an error. */
	if (r == HAL_OK && linux_storage_init(&hal->storage, opts->storage_dir) == HAL_ENOMEM)
		r = HAL_ENOMEM;
	/* No place for a device key (no HOME): devkey stays unset. */
	if (r == HAL_OK && linux_devkey_open(&hal->devkey, opts->devkey_path,
					     !opts->devkey_no_create) == HAL_ENOMEM)
		r = HAL_ENOMEM;
	if (r == HAL_OK) {
		/* No terminal (a daemon): keypad and display stay unset. */
		int tr = linux_tty_open(opts->tty_path, &tty);

		if (tr == HAL_ENOMEM) {
			r = HAL_ENOMEM;
		} else if (tr == HAL_OK) {
			linux_keypad_init(&hal->keypad, tty);
			linux_display_init(&hal->display, tty);
		}
	}
	if (r != HAL_OK) {
		port_linux_fini(hal);
		return HAL_ENOMEM;
	}
	return HAL_OK;
}

void port_linux_fini(struct hal *hal)
{
	if (!hal)
		return;
	if (hal->keypad.ops)
		linux_tty_close(hal->keypad.ctx);
	linux_p11_fini(&hal->p11);
	linux_card_fini(&hal->card);
	linux_net_fini(&hal->net);
	linux_dns_fini(&hal->dns);
	linux_loop_fini(&hal->loop);
	linux_storage_fini(&hal->storage);
	linux_devkey_fini(&hal->devkey);
	linux_log_fini(&hal->log);
	memset(hal, 0, sizeof(*hal));
}

int port_linux_set_log(struct hal *hal, const char *ident, int use_syslog,
		       enum hal_log_level level)
{
	linux_log_fini(&hal->log);
	return linux_log_init(&hal->log, ident, use_syslog, level);
}
