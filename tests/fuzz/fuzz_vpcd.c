/*
 * fuzz_vpcd.c: the card side of the vpcd link (auth/vcard/vpcd.c): the
 * length framing and control bytes that come from the socket, on the
 * link's own reading and writing code (read_some, flush, link_lost), with
 * the virtual card of tests/fuzz/fz_card.c behind it.
 *
 * The network is tests/fuzz/fz_net.c: the link dials, the "vpcd" end
 * sends the input (handed out in pieces of 1..64 bytes, so a length
 * prefix or a message can be split anywhere) and then closes; the link's
 * answers are taken in pieces too, with a full socket now and then. The
 * link runs in once mode, so the loop ends when vpcd closes.
 *
 * Input: byte 0 seeds the piece sizes; the rest is what vpcd sends: 2-byte
 * big-endian lengths and messages (1 byte: control; more: an APDU).
 *
 * Checked against a model of the protocol read from the same bytes: one
 * answer per whole message that wants one, in order: the ATR for control
 * 4; nothing for 0, 1, 2, other control bytes and empty messages; 6700
 * for a message longer than VPCD_MSG_MAX (read whole and dropped); the
 * card's answer (2..VPCD_RESP_MAX bytes) for an APDU; nothing for a
 * message cut by the close. And the link leaves no timer, watch,
 * connection or memory behind.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/vcard/vpcd.h"
#include "fz_card.h"
#include "fz_net.h"
#include "sg_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

struct peer {
	const uint8_t *in;
	size_t in_len;
	uint8_t *out; /* what the link sent */
	size_t out_len, out_cap;
	int dials;
};

static int on_connect(struct fz_net *n, int h, void *arg)
{
	struct peer *p = arg;

	CHECK(n->conn[h].proto == HAL_NET_TCP && n->conn[h].port == VPCD_PORT_DEFAULT);
	if (p->dials++)
		return HAL_EREFUSED; /* once mode: never dialled again */
	fz_net_push(n, h, p->in, p->in_len);
	fz_net_peer_close(n, h);
	return HAL_OK;
}

static void on_send(struct fz_net *n, int h, const uint8_t *buf, size_t len, void *arg)
{
	struct peer *p = arg;

	(void)n;
	(void)h;
	if (p->out_len + len > p->out_cap) {
		size_t cap = (p->out_len + len) * 2;
		uint8_t *b = realloc(p->out, cap);

		CHECK(b);
		p->out = b;
		p->out_cap = cap;
	}
	memcpy(p->out + p->out_len, buf, len);
	p->out_len += len;
}

/* Takes the next frame of out; its payload length, or -1 at the end. */
static long next_answer(const struct peer *p, size_t *off)
{
	size_t len;

	if (*off == p->out_len)
		return -1;
	CHECK(p->out_len - *off >= 2);
	len = (size_t)p->out[*off] << 8 | p->out[*off + 1];
	CHECK(p->out_len - *off - 2 >= len);
	*off += 2 + len;
	return (long)len;
}

/* The model: walks the input's frames and the link's answers together. */
static void check_answers(const struct peer *p)
{
	size_t in = 0, out = 0;

	while (p->in_len - in >= 2) {
		size_t want = (size_t)p->in[in] << 8 | p->in[in + 1];
		long got;

		in += 2;
		if (p->in_len - in < want)
			break; /* cut by the close: no answer */
		if (want == 0 || (want == 1 && p->in[in] != VPCD_CTRL_ATR)) {
			in += want;
			continue;
		}
		got = next_answer(p, &out);
		if (want == 1)
			CHECK(got >= 2); /* an ATR */
		else if (want > VPCD_MSG_MAX)
			CHECK(got == 2 && p->out[out - 2] == 0x67 && p->out[out - 1] == 0x00);
		else
			CHECK(got >= 2 && got <= VPCD_RESP_MAX);
		in += want;
	}
	CHECK(next_answer(p, &out) == -1); /* nothing more than that */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_card *fc = fz_card_get();
	struct vpcd_config cfg;
	struct vpcd *v = NULL;
	struct vcard *card;
	struct fz_net net;
	struct peer p;
	struct hal hal;
	struct sg_error e;
	size_t before;

	if (size < 1)
		return 0;
	card = fz_card_open(fc);
	before = sg_mem_current();
	memset(&p, 0, sizeof(p));
	p.in = data + 1;
	p.in_len = size - 1;
	hal = fc->hal;
	fz_net_init(&net, data[0], on_connect, on_send, &p);
	fz_net_hal(&net, &hal);
	memset(&cfg, 0, sizeof(cfg));
	cfg.once = 1;
	sg_error_init(&e);
	CHECK(vpcd_start(&hal, card, &cfg, &v, &e) == SG_OK);
	/* Once mode stops the loop when vpcd closes; a day is a bound. */
	CHECK(fz_net_run_for(&net, 86400u * 1000u) == HAL_OK);
	CHECK(vpcd_result(v, &e) == SG_OK && p.dials == 1);
	vpcd_free(v);
	check_answers(&p);
	CHECK(fz_net_timers(&net) == 0 && fz_net_watches(&net) == 0 && fz_net_open(&net) == 0);
	fz_net_free(&net);
	free(p.out);
	CHECK(sg_mem_current() == before);
	vcard_close(card);
	return 0;
}
