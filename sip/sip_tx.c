/*
 * sip_tx.c: the non-INVITE client transaction, RFC 3261 17.1.2.
 */
#include <stdio.h>
#include <string.h>

#include "sg_mem.h"
#include "sip_tx.h"

struct sip_tx {
	const struct hal *hal;
	struct sip_tp *tp;
	struct sip_tx_timers t;
	sip_tx_resp_h h;
	void *arg;
	enum sip_tx_state st;
	uint8_t req[SIP_TX_MAX_REQ];
	size_t len;
	char branch[128];
	char method[32];
	int te, tf, tk; /* timer ids, -1 when not running */
	uint32_t e_ms;
};

uint32_t sip_tx_next_e(uint32_t cur_ms, uint32_t t2_ms, int proceeding)
{
	if (proceeding || cur_ms >= t2_ms / 2)
		return t2_ms;
	return cur_ms * 2;
}

static void stop_timer(struct sip_tx *tx, int *id)
{
	if (*id >= 0)
		(void)hal_loop_cancel_timer(&tx->hal->loop, *id);
	*id = -1;
}

static void stop_all(struct sip_tx *tx)
{
	stop_timer(tx, &tx->te);
	stop_timer(tx, &tx->tf);
	stop_timer(tx, &tx->tk);
}

void sip_tx_abort(struct sip_tx *tx)
{
	if (!tx)
		return;
	stop_all(tx);
	tx->st = SIP_TX_IDLE;
	tx->branch[0] = '\0';
}

static void fail(struct sip_tx *tx, const struct sg_error *err)
{
	stop_all(tx);
	tx->st = SIP_TX_TERMINATED;
	if (tx->h)
		tx->h(NULL, err, tx->arg);
}

static void timer_e(void *arg);

static void arm_e(struct sip_tx *tx)
{
	if (hal_loop_add_timer(&tx->hal->loop, tx->e_ms, timer_e, tx, &tx->te) != HAL_OK)
		tx->te = -1; /* no retransmissions; timer F still ends it */
}

static void timer_e(void *arg)
{
	struct sip_tx *tx = arg;
	struct sg_error err;

	tx->te = -1;
	sg_error_init(&err);
	if (tx->tp->ops->send(tx->tp->ctx, tx->req, tx->len, &err) != SG_OK) {
		fail(tx, &err);
		return;
	}
	tx->e_ms = sip_tx_next_e(tx->e_ms, tx->t.t2_ms, tx->st == SIP_TX_PROCEEDING);
	arm_e(tx);
}

static void timer_f(void *arg)
{
	struct sip_tx *tx = arg;
	struct sg_error err;

	tx->tf = -1;
	sg_error_init(&err);
	sg_error_set(&err, SG_E_NETWORK, "no final answer to %s within %u ms (timer F)",
		     tx->method, (unsigned)(64u * tx->t.t1_ms));
	fail(tx, &err);
}

static void timer_k(void *arg)
{
	struct sip_tx *tx = arg;

	tx->tk = -1;
	tx->st = SIP_TX_TERMINATED;
}

sg_err sip_tx_new(struct sip_tx **out, const struct hal *hal, struct sip_tp *tp,
		  const struct sip_tx_timers *timers, sip_tx_resp_h h, void *arg,
		  struct sg_error *e)
{
	struct sip_tx *tx = sg_calloc(1, sizeof(*tx));

	*out = NULL;
	if (!tx)
		return sg_error_set(e, SG_E_NOMEM, "SIP transaction: out of memory");
	tx->hal = hal;
	tx->tp = tp;
	tx->h = h;
	tx->arg = arg;
	tx->te = tx->tf = tx->tk = -1;
	tx->t.t1_ms = timers && timers->t1_ms ? timers->t1_ms : SIP_T1_MS;
	tx->t.t2_ms = timers && timers->t2_ms ? timers->t2_ms : SIP_T2_MS;
	tx->t.t4_ms = timers && timers->t4_ms ? timers->t4_ms : SIP_T4_MS;
	*out = tx;
	return SG_OK;
}

void sip_tx_free(struct sip_tx *tx)
{
	if (!tx)
		return;
	stop_all(tx);
	sg_free(tx);
}

sg_err sip_tx_send(struct sip_tx *tx, const uint8_t *req, size_t len, const char *branch,
		   const char *method, struct sg_error *e)
{
	sg_err err;

	sip_tx_abort(tx);
	if (len > sizeof(tx->req))
		return sg_error_set(e, SG_E_NOMEM, "SIP transaction: request of %zu bytes too long",
				    len);
	if (snprintf(tx->branch, sizeof(tx->branch), "%s", branch) >= (int)sizeof(tx->branch) ||
	    snprintf(tx->method, sizeof(tx->method), "%s", method) >= (int)sizeof(tx->method)) {
		tx->branch[0] = '\0';
		return sg_error_set(e, SG_E_INTERNAL, "SIP transaction: branch or method too long");
	}
	memcpy(tx->req, req, len);
	tx->len = len;
	err = tx->tp->ops->send(tx->tp->ctx, tx->req, tx->len, e);
	if (err) {
		tx->branch[0] = '\0';
		return err;
	}
	tx->st = SIP_TX_TRYING;
	if (hal_loop_add_timer(&tx->hal->loop, 64u * tx->t.t1_ms, timer_f, tx, &tx->tf) !=
	    HAL_OK) {
		sip_tx_abort(tx);
		return sg_error_set(e, SG_E_INTERNAL, "SIP transaction: cannot add a loop timer");
	}
	if (!tx->tp->reliable) {
		tx->e_ms = tx->t.t1_ms;
		arm_e(tx);
	}
	return SG_OK;
}

int sip_tx_recv(struct sip_tx *tx, const struct sip_msg *resp)
{
	struct sip_via via;
	struct sip_str method;
	uint32_t cseq;

	if (!tx || resp->is_request || tx->st == SIP_TX_IDLE || !tx->branch[0])
		return 0;
	if (sip_msg_via(resp, &via, NULL) || !sip_str_eq(via.branch, tx->branch) ||
	    sip_msg_cseq(resp, &cseq, &method, NULL) || !sip_str_eq(method, tx->method))
		return 0;
	if (tx->st != SIP_TX_TRYING && tx->st != SIP_TX_PROCEEDING)
		return 1; /* a retransmission: absorbed */
	if (resp->status < 200) {
		tx->st = SIP_TX_PROCEEDING;
		if (tx->h)
			tx->h(resp, NULL, tx->arg);
		return 1;
	}
	stop_all(tx);
	tx->st = SIP_TX_COMPLETED;
	if (tx->tp->reliable ||
	    hal_loop_add_timer(&tx->hal->loop, tx->t.t4_ms, timer_k, tx, &tx->tk) != HAL_OK)
		tx->st = SIP_TX_TERMINATED;
	if (tx->h)
		tx->h(resp, NULL, tx->arg);
	return 1;
}

enum sip_tx_state sip_tx_state(const struct sip_tx *tx)
{
	return tx ? tx->st : SIP_TX_IDLE;
}
