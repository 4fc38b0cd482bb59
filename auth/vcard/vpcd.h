/*
 * vpcd.h: the card side of vsmartcard's vpcd link: a virtual card (vcard.h)
 * dials the vpcd reader driver inside pcscd and answers what it is sent,
 * so that every PC/SC program sees the card in a reader.
 *
 * The protocol (vsmartcard's vpcd.c): every message, both ways, is a
 * 2-byte big-endian length and that many bytes. From vpcd, one byte is a
 * control message (0 power off, 1 power on, 2 reset: no answer; 4 get ATR:
 * answered with the ATR); more is an APDU, answered with the response APDU.
 * vpcd asks for the ATR at any time (every 400 ms as a presence check), so
 * it is answered powered or not. Power off and reset clear the card's PIN
 * state, as a real card's power cycle does.
 *
 * Malformed input never stops the link: an empty message is ignored, an
 * unknown control byte is ignored, a message longer than VPCD_MSG_MAX is
 * read and discarded and answered 6700 (wrong length), which keeps both
 * sides in step. A link that closes mid-message ends that connection.
 *
 * The card side dials; vpcd's "reversed" mode (vpcd dials the card)
 * crashed pcscd (NOTES.md). The link is portable: it needs only hal_net,
 * hal_loop, hal_clock and hal_log, so a phone board can serve its card too.
 *
 * Logging: connects and disconnects at info, each try and each APDU at
 * debug -- an APDU as CLA INS P1 P2, its length, the answer's length and
 * status word, never data (VERIFY carries the PIN).
 *
 * Ownership: the hal, the card and cfg->host must outlive the link. Not
 * thread-safe; everything runs on the hal loop's thread.
 */
#ifndef VPCD_H
#define VPCD_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "sg_err.h"
#include "vcard.h"

/* vpcd's first reader listens here (the second on the next port). */
#define VPCD_PORT_DEFAULT 35963
/* The longest APDU accepted: an extended APDU carrying VCARD_CMD_MAX bytes
 * (header 4, Lc 3, Le 2 or 3). OpenSC sends short APDUs and chains. */
#define VPCD_MSG_MAX (VCARD_CMD_MAX + 10)
/* The longest answer (the card cuts longer ones with 61xx). */
#define VPCD_RESP_MAX (VCARD_RESP_MAX + 2)

/* Control messages (one byte). */
enum vpcd_ctrl {
	VPCD_CTRL_OFF = 0,
	VPCD_CTRL_ON = 1,
	VPCD_CTRL_RESET = 2,
	VPCD_CTRL_ATR = 4,
};

/* A port's hook before each read of the link (Linux: re-arm TCP_QUICKACK,
 * or every APDU waits 40 ms for a delayed ACK). */
typedef void (*vpcd_before_read_h)(int handle, void *arg);

struct vpcd_config {
	const char *host;        /* vpcd's address; NULL: 127.0.0.1 */
	uint16_t port;           /* 0: VPCD_PORT_DEFAULT */
	int once;                /* stop the loop when vpcd closes the link */
	uint32_t retry_min_ms;   /* first wait after a failed dial; 0: 100 */
	uint32_t retry_max_ms;   /* the wait doubles up to this; 0: 5000 */
	uint32_t give_up_ms;     /* stop dialling after this long with no link;
				  * 0: never (a service waiting for pcscd) */
	int connect_timeout_ms;  /* per dial; 0: 2000 */
	vpcd_before_read_h before_read;
	void *arg;
};

struct vpcd_stats {
	unsigned long connects;   /* links made */
	unsigned long apdus;      /* APDUs answered */
	unsigned long controls;   /* control messages handled */
	unsigned long malformed;  /* empty, unknown control or oversized messages */
};

struct vpcd;

/* Sets up the link and schedules the first dial on the hal loop; the
 * caller then runs hal_loop_run(). The loop is stopped (hal_loop_stop)
 * when the link ends for good: vpcd closed it and cfg->once is set, or no
 * link could be made within cfg->give_up_ms. Otherwise a lost link is
 * dialled again with the same backoff. Errors: SG_E_INVALID_ARG (NULL card),
 * SG_E_NOMEM, SG_E_INTERNAL (the loop refused a timer). */
sg_err vpcd_start(const struct hal *hal, struct vcard *card, const struct vpcd_config *cfg,
		  struct vpcd **out, struct sg_error *e);

/* Why the loop was stopped: SG_OK when vpcd closed the link in once mode
 * (or the link is still up: the caller stopped the loop itself),
 * SG_E_NETWORK when vpcd could not be reached in time (detail: where). */
sg_err vpcd_result(const struct vpcd *v, struct sg_error *e);

/* Counters since vpcd_start. */
void vpcd_get_stats(const struct vpcd *v, struct vpcd_stats *st);

/* Closes the link (powering the card off), cancels timers and watches,
 * wipes the buffers and frees. NULL is fine. */
void vpcd_free(struct vpcd *v);

/* One message from vpcd (its payload, without the length) handled by the
 * card: writes the framed answer (length + payload) into out and returns
 * its length, or 0 when the message gets no answer (power on/off, reset,
 * empty or unknown control). cap must be at least VPCD_RESP_MAX + 2.
 * Used by the link; public for tests. st may be NULL. */
size_t vpcd_handle(struct vcard *card, const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
		   struct vpcd_stats *st, const struct hal_log *log);

#endif
