/*
 * board_linux.h: what every board on the Linux port (ports/linux) shares:
 * the port set up from the board's options. A board's board.c calls these
 * and adds its own devices (see armhf-deskphone/board.c).
 */
#ifndef BOARD_LINUX_H
#define BOARD_LINUX_H

#include "board.h"

/* port_linux_init with the options that concern the port. */
int board_linux_open(struct hal *hal, const struct board_opts *opts);
/* port_linux_fini. */
void board_linux_close(struct hal *hal);

#endif
