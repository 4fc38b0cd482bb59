/* est_plugin_api.c: what signet-coap.so exports (est_plugin.h). */
#include "est_plugin.h"

__attribute__((visibility("default"))) const struct est_coap_api signet_coap_api = {
	.version = EST_COAP_API_VERSION,
	.url_parse = est_url_parse,
	.conn_open = est_conn_open,
	.conn_request = est_conn_request,
	.resp_free = est_resp_free,
	.conn_peer_chain = est_conn_peer_chain,
	.conn_close = est_conn_close,
	.state_start = est_state_start,
	.state_port = est_state_port,
	.state_changed = est_state_changed,
	.state_stop = est_state_stop,
	.state_json = est_state_json,
};
