/*
 * hal_card.h: smart-card readers: list them, wait for a card to come or go,
 * exchange APDUs.
 *
 * On Linux this is pcsc-lite; on a phone board it can be a reader driver or
 * the in-process virtual card. Readers are named by UTF-8 strings that stay
 * valid until the next hal_card_list() call.
 *
 * Blocking: hal_card_wait() blocks for at most timeout_ms; hal_card_transmit()
 * blocks for one APDU round trip.
 */
#ifndef HAL_CARD_H
#define HAL_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "hal_err.h"

#define HAL_CARD_MAX_READERS 8
#define HAL_CARD_ATR_MAX 33

struct hal_reader {
	const char *name;
	int present; /* a card is in the reader */
	uint8_t atr[HAL_CARD_ATR_MAX];
	size_t atr_len;
};

/* What the connected card and its reader carry (the caps operation). */
struct hal_card_caps {
	uint8_t atr[HAL_CARD_ATR_MAX]; /* the connected card's ATR */
	size_t atr_len;                /* 0: not known */
	/* The longest APDU the reader passes, command or answer (bytes, the
	 * answer's status word included): 0 when the reader sets no limit of
	 * its own or does not say; HAL_CARD_SHORT_MAX or less: short APDUs
	 * only (ISO 7816-4 extended Lc/Le fields do not get through). */
	size_t max_apdu;
};
/* A short case-4 command: header, Lc, 255 bytes, Le. */
#define HAL_CARD_SHORT_MAX 261

struct hal_card_ops {
	/* Fills up to max readers; *n is how many. HAL_ENOENT: no reader
	 * (or no reader service). */
	int (*list)(void *ctx, struct hal_reader *readers, size_t max, size_t *n);
	/* Waits until any reader's card state differs from readers[0..n)
	 * (insert or removal) or timeout_ms passes (HAL_ETIMEDOUT). On return
	 * the array holds the new state. */
	int (*wait)(void *ctx, struct hal_reader *readers, size_t n, int timeout_ms);
	/* Connects to the card in the named reader (exclusive is a hint). */
	int (*connect)(void *ctx, const char *reader);
	/* One APDU: cmd -> resp (*resp_len in: capacity, out: length, SW
	 * included). HAL_EREMOVED when the card went away. */
	int (*transmit)(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
			size_t *resp_len);
	/* Leaves the card (reset 0: leave, 1: reset). */
	int (*disconnect)(void *ctx, int reset);
	/* Optional (a caller without it sends short APDUs only): the
	 * connected card's ATR and what the reader carries. When an extended
	 * APDU failed in the reader (transmit gave an error other than
	 * HAL_EREMOVED for a command over HAL_CARD_SHORT_MAX bytes or an
	 * answer buffer over 258), max_apdu says HAL_CARD_SHORT_MAX until the
	 * next connect: the caller goes back to short APDUs for the rest of
	 * the session. HAL_EREMOVED when not connected. */
	int (*caps)(void *ctx, struct hal_card_caps *out);
};

struct hal_card {
	const struct hal_card_ops *ops;
	void *ctx;
};

static inline int hal_card_list(const struct hal_card *c, struct hal_reader *r, size_t max,
				size_t *n)
{
	return HAL_CALL(c, list, r, max, n);
}

static inline int hal_card_wait(const struct hal_card *c, struct hal_reader *r, size_t n,
				int timeout_ms)
{
	return HAL_CALL(c, wait, r, n, timeout_ms);
}

static inline int hal_card_connect(const struct hal_card *c, const char *reader)
{
	return HAL_CALL(c, connect, reader);
}

static inline int hal_card_transmit(const struct hal_card *c, const uint8_t *cmd,
				    size_t cmd_len, uint8_t *resp, size_t *resp_len)
{
	return HAL_CALL(c, transmit, cmd, cmd_len, resp, resp_len);
}

static inline int hal_card_disconnect(const struct hal_card *c, int reset)
{
	return HAL_CALL(c, disconnect, reset);
}

static inline int hal_card_caps(const struct hal_card *c, struct hal_card_caps *out)
{
	return HAL_CALL(c, caps, out);
}

#endif
