/*
 * est_plugin.c: est_coap.h and est_state.h in signet, through the
 * signet-coap.so plugin loaded on first use (est_plugin.h).
 */
#define _GNU_SOURCE
#include "est_plugin.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PLUGIN_NAME "signet-coap.so"

static const struct est_coap_api *api;
static char why[2 * PATH_MAX + 200];

static const struct est_coap_api *try_load(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const struct est_coap_api *a;

	if (!h) {
		snprintf(why, sizeof(why), "%s", dlerror());
		return NULL;
	}
	a = dlsym(h, "signet_coap_api");
	if (!a || a->version != EST_COAP_API_VERSION) {
		snprintf(why, sizeof(why), "%s: not a signet %d CoAP plugin", path,
			 EST_COAP_API_VERSION);
		dlclose(h);
		return NULL;
	}
	return a; /* stays loaded for the life of the process */
}

static const struct est_coap_api *load(void)
{
	char exe[PATH_MAX], path[PATH_MAX + 64];
	const char *env = secure_getenv("SIGNET_COAP_PLUGIN"); /* none when set-user-ID */
	ssize_t n;
	char *slash;

	if (api)
		return api;
	if (env && *env)
		return api = try_load(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		snprintf(why, sizeof(why), "cannot find the signet binary's directory");
		return NULL;
	}
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	snprintf(path, sizeof(path), "%s/" PLUGIN_NAME, exe);
	if (access(path, F_OK) == 0)
		return api = try_load(path);
	snprintf(path, sizeof(path), "%s/../lib/signet/" PLUGIN_NAME, exe);
	if (access(path, F_OK) == 0)
		return api = try_load(path);
	snprintf(why, sizeof(why), "no %s beside the signet binary or in ../lib/signet from it",
		 PLUGIN_NAME);
	return NULL;
}

static sg_err no_plugin(struct sg_error *e)
{
	/* An installation problem, not a bug: say where it belongs. */
	return sg_error_set(e, SG_E_IO, "the CoAP plugin (enrolment, the state resource) cannot "
			    "be loaded: %s; `make install` puts it in PREFIX/lib/signet", why);
}

sg_err est_url_parse(const char *url, char *host, size_t host_cap, uint16_t *port,
		     struct sg_error *e)
{
	return load() ? api->url_parse(url, host, host_cap, port, e) : no_plugin(e);
}

sg_err est_conn_open(const struct est_conn_cfg *cfg, struct est_conn **out, struct sg_error *e)
{
	*out = NULL;
	return load() ? api->conn_open(cfg, out, e) : no_plugin(e);
}

/* The rest needs what only a loaded plugin hands out (a connection, a
 * response, a state resource): api is set. */
sg_err est_conn_request(struct est_conn *c, const char *path, const uint8_t *body, size_t len,
			unsigned cf, struct est_resp *r, struct sg_error *e)
{
	return api->conn_request(c, path, body, len, cf, r, e);
}

void est_resp_free(struct est_resp *r)
{
	if (api)
		api->resp_free(r);
}

sg_err est_conn_peer_chain(struct est_conn *c, mbedtls_x509_crt *chain, struct sg_error *e)
{
	return api->conn_peer_chain(c, chain, e);
}

void est_conn_close(struct est_conn *c)
{
	if (c && api)
		api->conn_close(c);
}

sg_err est_state_start(const struct hal *hal, const char *addr, unsigned port,
		       const struct est_state_src *src, struct est_state **out,
		       struct sg_error *e)
{
	*out = NULL;
	return load() ? api->state_start(hal, addr, port, src, out, e) : no_plugin(e);
}

unsigned est_state_port(const struct est_state *s)
{
	return s && api ? api->state_port(s) : 0;
}

void est_state_changed(struct est_state *s)
{
	if (s && api)
		api->state_changed(s);
}

void est_state_stop(struct est_state *s)
{
	if (s && api)
		api->state_stop(s);
}

size_t est_state_json(const struct est_state_info *info, char *buf, size_t cap)
{
	if (load())
		return api->state_json(info, buf, cap);
	if (cap)
		buf[0] = 0;
	return 0;
}
