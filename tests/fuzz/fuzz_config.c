/* fuzz_config.c: libFuzzer harness for the configuration parser (auth/base/ini.c
 * under firmware/signin/config.c). It must never crash, hang or read past the
 * input; after a successful parse the settings must make sense. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "firmware/signin/config.h"
#include "hal_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int level_ok(int level)
{
	return level == HAL_LOG_ERR || level == HAL_LOG_WARN || level == HAL_LOG_INFO ||
	       level == HAL_LOG_DEBUG;
}

/* What every accepted configuration promises to its users. */
static void check_invariants(const struct signet_config *c)
{
	if (c->pin.min_len < 1 || c->pin.min_len > c->pin.max_len ||
	    c->pin.max_len > PIN_MAX_LEN)
		__builtin_trap();
	if (c->pin.digits_only != 0 && c->pin.digits_only != 1)
		__builtin_trap();
	if (c->pin.timeout_ms < 0 || c->pin.timeout_ms > 3600 * 1000 || c->pin.timeout_ms % 1000)
		__builtin_trap();
	if (!level_ok(c->log_level) || (c->log_syslog != 0 && c->log_syslog != 1))
		__builtin_trap();
	if (!memchr(c->module, '\0', sizeof(c->module)) ||
	    !memchr(c->token_uri, '\0', sizeof(c->token_uri)))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct signet_config c, before;
	struct sg_error e;

	config_defaults(&c);
	before = c;
	sg_error_init(&e);
	sg_err rc = config_parse((const char *)data, size, &c, &e);

	if (rc == SG_OK) {
		check_invariants(&c);
		return 0;
	}
	/* A failed parse reports a config error with a detail and changes nothing. */
	if (rc != SG_E_CONFIG || e.code != rc || !e.detail[0] ||
	    !memchr(e.detail, '\0', sizeof(e.detail)) || memcmp(&c, &before, sizeof(c)))
		__builtin_trap();
	return 0;
}
