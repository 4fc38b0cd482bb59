/*
 * emb_wrap.c: how a board's signet gets the overlay without firmware/
 * knowing about boards. The Makefile links signet with
 * -Wl,--wrap=port_linux_init,--wrap=port_linux_fini when the board's
 * PORT_OVERLAY is embedded, so firmware's calls land here; the Linux port
 * is set up as usual (__real_*) and the overlay added with the board's
 * paths. Only signet is linked this way: tests use port_embedded_attach.
 */
#define _GNU_SOURCE

#include <stdlib.h>

#include "port_embedded.h"
#include "port_linux.h"

#ifndef SIGNET_INPUT_DEVICE
#define SIGNET_INPUT_DEVICE "/dev/input/event0"
#endif
#ifndef SIGNET_LCD_DEVICE
#define SIGNET_LCD_DEVICE "/dev/lcd"
#endif
#ifndef SIGNET_DISPLAY
#define SIGNET_DISPLAY "chars:16x2"
#endif

int __real_port_linux_init(struct hal *hal, const struct port_linux_opts *opts);
void __real_port_linux_fini(struct hal *hal);
int __wrap_port_linux_init(struct hal *hal, const struct port_linux_opts *opts);
void __wrap_port_linux_fini(struct hal *hal);

/* One device layer per process (firmware sets up one). */
static struct port_embedded *emb_current;

/* secure_getenv: a set-user-ID caller never opens devices its user names. */
static const char *emb_env(const char *name, const char *dflt)
{
	const char *v = secure_getenv(name);

	return v && *v ? v : dflt;
}

int __wrap_port_linux_init(struct hal *hal, const struct port_linux_opts *opts)
{
	struct port_embedded_opts eo = {
		.input_path = emb_env("SIGNET_INPUT_DEVICE", SIGNET_INPUT_DEVICE),
		.display = emb_env("SIGNET_DISPLAY", SIGNET_DISPLAY),
		.lcd_path = emb_env("SIGNET_LCD_DEVICE", SIGNET_LCD_DEVICE),
		.term_path = opts ? opts->tty_path : NULL,
	};
	int r = __real_port_linux_init(hal, opts);

	if (r != HAL_OK)
		return r;
	r = port_embedded_attach(hal, &eo, &emb_current);
	if (r != HAL_OK)
		__real_port_linux_fini(hal);
	return r;
}

void __wrap_port_linux_fini(struct hal *hal)
{
	port_embedded_detach(hal, emb_current);
	emb_current = NULL;
	__real_port_linux_fini(hal);
}
