/*
 * vcard_reader.h: the virtual card behind the HAL card interface, as if
 * it sat in a reader of its own, so that the core (the PIV client, the
 * sign-in) uses it exactly like a real card -- with no pcscd.
 *
 * The reader always holds the card: list() shows one reader with the card
 * present and its ATR; wait() answers HAL_ETIMEDOUT at once when the
 * caller already knows that (the card never leaves, so there is nothing to
 * wait for; a caller's loop must not spin on it). connect() powers the card
 * on when it is off; transmit() is vcard_transmit();
 * disconnect(1) resets the card (PIN state cleared), disconnect(0) leaves
 * it as it is (as SCARD_LEAVE_CARD does).
 *
 * Ownership: dev->ctx is the card itself; card must outlive every use of
 * dev. The reader name is copied (cut to 63 bytes); NULL gives
 * "signet virtual card 00".
 */
#ifndef VCARD_READER_H
#define VCARD_READER_H

#include "hal_card.h"
#include "vcard.h"

void vcard_reader_device(struct hal_card *dev, struct vcard *card, const char *reader_name);

#endif
