/*
 * est_state.h: the device state as a CoAP resource, for `signet run`:
 * GET coap://ADDR:PORT/state answers a JSON object (Content-Format 50)
 *
 *   {"user":"sip:alice@example.org","cert_not_after":"2027-01-01T00:00:00Z",
 *    "registration":"registered","last_error":""}
 *
 * (with [sip] flows = 2 also "flows":"1 registered 127.0.0.1:5061
 * (a.example.org); 2 failed ...": each flow's state and target)
 *
 * and the resource is observable (RFC 7641): `coap-client -s 10 URI` gets
 * a notification each time est_state_changed() is called.
 *
 * Plain CoAP (no DTLS): bind it to the loopback address (the default) or
 * to a management network; the state holds no secret, but names the user.
 * It runs on the HAL's event loop: libcoap's descriptor is watched there
 * and a timer drives its retransmissions. Not thread-safe.
 */
#ifndef EST_STATE_H
#define EST_STATE_H

#include <stdint.h>

#include "hal.h"
#include "sg_err.h"

#define EST_STATE_PATH "state"

struct est_state_info {
	char user[256];          /* signed-in identity, "" when nobody */
	int64_t cert_not_after;  /* the certificate's expiry; 0 when unknown */
	char registration[32];   /* "registered", "unregistered", "failed", ... */
	char last_error[256];    /* "" when none; never a secret */
	char registrar[300];     /* "NAME:PORT" in use ("": none yet) */
	char registrar_change[700]; /* why that one: "chosen by RFC 3263", a failover's
				  * or a failback's reason */
	char flows[300];         /* [sip] flows = 2: "1 registered HOST:PORT (NAME); 2 ..."
				  * (the key "flows" is left out when "") */
};

/* Fills *out with the current state (called on each GET / notification). */
typedef void (*est_state_get_h)(void *arg, struct est_state_info *out);

struct est_state_src {
	est_state_get_h get;
	void *arg;
};

struct est_state;

/* Serves the resource on addr (NULL: 127.0.0.1) and UDP port (1-65535).
 * src is copied.
 * SG_E_NETWORK when the port cannot be bound. */
sg_err est_state_start(const struct hal *hal, const char *addr, unsigned port,
		       const struct est_state_src *src, struct est_state **out,
		       struct sg_error *e);
/* The UDP port it listens on. */
unsigned est_state_port(const struct est_state *s);
/* The state changed: observers are notified. */
void est_state_changed(struct est_state *s);
/* Stops serving and frees s (NULL is fine). */
void est_state_stop(struct est_state *s);

/* The JSON text of info into buf (NUL-terminated); returns its length. */
size_t est_state_json(const struct est_state_info *info, char *buf, size_t cap);

#endif
