/*
 * sip_tx.h: the non-INVITE client transaction (RFC 3261 17.1.2).
 *
 * Over UDP the request is retransmitted on timer E (T1, doubling up to
 * T2; T2 once a provisional response came) until a final response or
 * timer F (64*T1); after the final response the transaction stays
 * COMPLETED for timer K (T4) to absorb retransmitted responses. Over a
 * reliable transport nothing is retransmitted, only timer F runs, and K
 * is zero. One struct sip_tx is reused for successive requests: send()
 * restarts it (a new request has a new branch).
 *
 * The owner receives messages from the transport, parses them and offers
 * responses to sip_tx_recv(), which takes those whose top Via branch and
 * CSeq method match (RFC 3261 17.1.3).
 */
#ifndef SIP_TX_H
#define SIP_TX_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "sg_err.h"
#include "sip_msg.h"
#include "sip_tp.h"

#define SIP_T1_MS 500u
#define SIP_T2_MS 4000u
#define SIP_T4_MS 5000u
#define SIP_TX_MAX_REQ 8192 /* bytes of one request */

struct sip_tx_timers {
	uint32_t t1_ms, t2_ms, t4_ms; /* 0: the RFC's 500, 4000, 5000 */
};

enum sip_tx_state {
	SIP_TX_IDLE,       /* nothing sent yet, or aborted */
	SIP_TX_TRYING,
	SIP_TX_PROCEEDING, /* a provisional response came */
	SIP_TX_COMPLETED,  /* the final response came; waiting for timer K */
	SIP_TX_TERMINATED,
};

/* A response (resp not NULL: provisional ones too, then the final one)
 * or a failure (resp NULL, e says: timer F expired -> SG_E_NETWORK "no
 * answer", or the transport refused a retransmission). Called at most
 * once with a final response or failure per request. The handler may
 * call sip_tx_send() (a new request) or sip_tx_abort(), not free. */
typedef void (*sip_tx_resp_h)(const struct sip_msg *resp, const struct sg_error *e, void *arg);

struct sip_tx;

/* The transport and hal must outlive the transaction. SG_E_NOMEM. */
sg_err sip_tx_new(struct sip_tx **out, const struct hal *hal, struct sip_tp *tp,
		  const struct sip_tx_timers *timers, sip_tx_resp_h h, void *arg,
		  struct sg_error *e);
void sip_tx_free(struct sip_tx *tx);

/* Sends a request (copied, up to SIP_TX_MAX_REQ bytes) whose top Via has
 * this branch and whose CSeq has this method; aborts the previous one.
 * Returns the transport's error when the first send fails (no handler
 * call then). */
sg_err sip_tx_send(struct sip_tx *tx, const uint8_t *req, size_t len, const char *branch,
		   const char *method, struct sg_error *e);

/* Offers a parsed response. Returns 1 when it belongs to this
 * transaction (it was handled or absorbed), 0 when not. */
int sip_tx_recv(struct sip_tx *tx, const struct sip_msg *resp);

/* Stops timers and forgets the request; no handler call. */
void sip_tx_abort(struct sip_tx *tx);

enum sip_tx_state sip_tx_state(const struct sip_tx *tx);

/* The next timer E interval after cur (RFC 3261 17.1.2.2): min(2*cur, t2),
 * or t2 once proceeding. Exposed for tests. */
uint32_t sip_tx_next_e(uint32_t cur_ms, uint32_t t2_ms, int proceeding);

#endif
