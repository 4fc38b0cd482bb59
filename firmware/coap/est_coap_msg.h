/*
 * est_coap_msg.h: the parts of the EST-coaps connection (est_coap.h) that
 * need no socket: the server's URL (est_url_parse), what is taken out of an
 * answer, and freeing it (est_resp_free).
 * Pure functions on their input, so that the fuzzer reaches them without
 * a DTLS session (tests/fuzz/fuzz_estcoap.c).
 */
#ifndef EST_COAP_MSG_H
#define EST_COAP_MSG_H

#include <coap3/coap.h>

#include "est_coap.h"

#define EST_DEFAULT_PORT 5684

/* An answer to the request in flight, into r (memset by the caller; cf -1
 * when it has no Content-Format): its code (class * 100 + detail), its
 * Content-Format, a copy of its payload. SG_E_MALFORMED with *why set when
 * the payload is over EST_MAX_BODY, SG_E_NOMEM when it cannot be copied
 * (r->body stays NULL either way). */
sg_err est_coap_take(const coap_pdu_t *recv, struct est_resp *r, const char **why);

#endif
