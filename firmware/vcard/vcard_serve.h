/*
 * vcard_serve.h: `signet vcard serve`: the virtual card (vcard.h) put in a
 * reader of pcscd through vsmartcard's vpcd driver (vpcd.h), so that
 * pcsc_scan, opensc-tool, OpenSC's PKCS#11 module and any PC/SC program
 * see and use it as a real PIV card.
 *
 *   signet vcard serve [--name N] [--host H] [--port P] [--once] [--verbose]
 *                      [--config FILE]
 *
 * Opens the card stored as blob "vcard-N" (default N: "default"), dials
 * vpcd at H:P (default 127.0.0.1:35963, the port in vpcd's reader.conf
 * DEVICENAME /dev/null:0x8C7B), and answers until SIGINT or SIGTERM (exit
 * 0). While vpcd is not there (pcscd not started yet, or restarted) it
 * dials again, waiting 0.1 s doubling to 5 s, each try logged at debug
 * level. --once ends when vpcd closes the link (pcscd stopped: exit 0),
 * and gives up (exit 9) when no vpcd answers within a minute.
 */
#ifndef VCARD_SERVE_H
#define VCARD_SERVE_H

struct cli;

/* argv[0] is the subcommand's own name ("serve"). Returns an exit code
 * (sg_err.h). Call with a cli from cli_init(); settles the configuration
 * itself. */
int vcard_serve_main(struct cli *c, int argc, char **argv);

#endif
