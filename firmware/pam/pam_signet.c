/*
 * pam_signet.c: pam_signet.so, the desktop two-factor sign-in (card + PIN).
 *
 * The PAM side only: module arguments, the configuration file, the PAM
 * conversation, logging through pam_syslog (facility authpriv) and PAM_USER.
 * The sign-in itself is pamflow.c. Only the pam_sm_* entry points are
 * exported (pam_signet.map); the core stays hidden inside the module.
 *
 * Module arguments (auth and account):
 *   config=PATH      the configuration file (default /etc/signet/signet.conf)
 *   module=PATH      PKCS#11 module (overrides [token] module)
 *   uri=URI          pkcs11: URI of the token/certificate (overrides [token] uri;
 *                    with [token] backend = pcsc or vcard its id picks the PIV slot)
 *   state_dir=PATH   revocation cache and virtual cards (default /var/lib/signet)
 *   device_key=PATH  the device key that seals virtual cards (default
 *                    /etc/signet/device.key); read only, never created
 *   ignore_no_card   no reader, card or token: PAM_IGNORE (fall back to a password)
 *   debug            log every step (level debug)
 * An unknown argument is an error (PAM_SERVICE_ERR), like an unknown setting.
 *
 * Nothing is taken from the environment: a setuid caller (su, sudo) hands
 * the module its user's environment. So every path the device layer would
 * otherwise look up there (state directory, device key; the configuration
 * file is ours) is given explicitly, from the arguments or the defaults.
 */
#define _GNU_SOURCE
#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "board.h"
#include "config.h"
#include "p11uri.h"
#include "pamflow.h"
#include "sg_log.h"
#include "token_piv.h"
#include "vcard.h"
#include "vcard_reader.h"

#define PSN_DATA_CERT "pam_signet_cert"
#define PSN_STATE_DIR "/var/lib/signet"
#define PSN_DEVICE_KEY "/etc/signet/device.key"
/* A terminal path that cannot exist: a PAM module has no terminal of its
 * own (the application talks to the user through the conversation). */
#define PSN_NO_TTY "/dev/null/pam_signet-has-no-terminal"

struct psn_args {
	const char *config, *module, *uri, *state_dir, *device_key;
	int ignore_no_card, debug;
};

/* The module's log device: pam_syslog() (authpriv, "pam_signet(service:auth)"),
 * or standard error with [pam] log = stderr. */
struct psn_log {
	pam_handle_t *pamh;
	int to_stderr;
	enum hal_log_level level;
};

struct psn {
	pam_handle_t *pamh;
	struct hal hal;
	struct hal_log port_log; /* the port's own, restored before fini */
	struct psn_log log;
	struct signet_config cfg;
	struct psn_args args;
	struct p11uri uri;
	int have_uri, hal_up, silent;
	/* [token] backend = vcard: the in-process virtual card and its reader,
	 * which must outlive the token. */
	struct vcard *vcard;
	struct hal_card vcard_dev;
};

/* ---- logging -------------------------------------------------------------- */

static void psn_log_line(struct psn_log *l, enum hal_log_level level, const char *msg)
{
	if (l->to_stderr) {
		char line[1100];
		int n = snprintf(line, sizeof(line), "pam_signet: %s: %s\n", hal_log_level_name(level),
				 msg);

		if (n < 0)
			return;
		if ((size_t)n >= sizeof(line))
			n = (int)sizeof(line) - 1, line[n - 1] = '\n';
		for (int i = 0; i < n - 1; i++)
			if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
				line[i] = '?';
		(void)!write(STDERR_FILENO, line, (size_t)n);
		return;
	}
	pam_syslog(l->pamh, (int)level, "%s", msg);
}

static void psn_log_write(void *ctx, enum hal_log_level level, const char *msg)
{
	struct psn_log *l = ctx;

	if (msg && level <= l->level)
		psn_log_line(l, level, msg);
}

static enum hal_log_level psn_log_level(void *ctx)
{
	return ((struct psn_log *)ctx)->level;
}

static const struct hal_log_ops psn_log_ops = {
	.write = psn_log_write,
	.level = psn_log_level,
};

/* The sign-in record: always written, whatever [log] level says. */
static void psn_record(struct psn *p, enum hal_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void psn_record(struct psn *p, enum hal_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	psn_log_line(&p->log, level, msg);
}

/* ---- the conversation ----------------------------------------------------- */

static int psn_ask(void *arg, const char *prompt, char **answer)
{
	struct psn *p = arg;

	*answer = NULL;
	/* pam_prompt() frees the response array and hands over the string. */
	return pam_prompt(p->pamh, PAM_PROMPT_ECHO_OFF, answer, "%s", prompt) == PAM_SUCCESS &&
			       *answer
		       ? 0
		       : -1;
}

static void psn_say(void *arg, int error, const char *msg)
{
	struct psn *p = arg;

	if (p->silent)
		return;
	pam_prompt(p->pamh, error ? PAM_ERROR_MSG : PAM_TEXT_INFO, NULL, "%s", msg);
}

/* ---- setup ---------------------------------------------------------------- */

static int psn_parse_args(struct psn *p, int argc, const char **argv)
{
	struct psn_args *a = &p->args;

	a->config = SIGNET_DEFAULT_CONFIG;
	a->state_dir = PSN_STATE_DIR;
	a->device_key = PSN_DEVICE_KEY;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];

		if (!strncmp(s, "config=", 7) && s[7])
			a->config = s + 7;
		else if (!strncmp(s, "module=", 7) && s[7])
			a->module = s + 7;
		else if (!strncmp(s, "uri=", 4) && s[4])
			a->uri = s + 4;
		else if (!strncmp(s, "state_dir=", 10) && s[10] == '/')
			a->state_dir = s + 10;
		else if (!strncmp(s, "device_key=", 11) && s[11] == '/')
			a->device_key = s + 11;
		else if (!strcmp(s, "ignore_no_card"))
			a->ignore_no_card = 1;
		else if (!strcmp(s, "debug"))
			a->debug = 1;
		else {
			/* The argument is the administrator's text, not a secret. */
			pam_syslog(p->pamh, LOG_ERR, "unknown module argument '%.80s'", s);
			return PAM_SERVICE_ERR;
		}
	}
	return PAM_SUCCESS;
}

static void psn_fini(struct psn *p)
{
	vcard_close(p->vcard);
	p->vcard = NULL;
	if (p->hal_up) {
		p->hal.log = p->port_log;
		board_close(&p->hal);
		p->hal_up = 0;
	}
}

/* Arguments, the device layer, the configuration and the log. */
static int psn_init(struct psn *p, pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct board_opts bo = {0};
	struct sg_error e;
	const char *uri;
	int rc;

	memset(p, 0, sizeof(*p));
	p->pamh = pamh;
	p->silent = !!(flags & PAM_SILENT);
	p->log.pamh = pamh;
	p->log.level = HAL_LOG_WARN;
	rc = psn_parse_args(p, argc, argv);
	if (rc != PAM_SUCCESS)
		return rc;
	bo.tty_path = PSN_NO_TTY;
	bo.log_ident = "pam_signet";
	/* Both paths given: the port then reads no environment variable. */
	bo.storage_dir = p->args.state_dir;
	bo.devkey_path = p->args.device_key;
	bo.devkey_no_create = 1;
	/* No keypad or display of the board's either, and no environment. */
	bo.headless = 1;
	bo.env = 0;
	if (board_open(&p->hal, &bo) != HAL_OK) {
		pam_syslog(pamh, LOG_ERR, "cannot set up the device layer");
		return PAM_BUF_ERR;
	}
	p->hal_up = 1;
	p->port_log = p->hal.log;
	p->hal.log.ops = &psn_log_ops;
	p->hal.log.ctx = &p->log;

	config_defaults(&p->cfg);
	sg_error_init(&e);
	if (config_load_file(p->args.config, 1, &p->cfg, &e)) {
		pam_syslog(pamh, LOG_ERR, "configuration: %s", e.detail);
		return PAM_SERVICE_ERR;
	}
	p->log.to_stderr = p->cfg.pam_log_stderr;
	p->log.level = p->args.debug ? HAL_LOG_DEBUG : (enum hal_log_level)p->cfg.log_level;

	uri = p->args.uri ? p->args.uri : p->cfg.token_uri[0] ? p->cfg.token_uri : NULL;
	if (uri) {
		if (p11uri_parse(uri, strlen(uri), &p->uri, &e)) {
			sg_err_log(&p->hal.log, "token URI: %s", e.detail);
			return PAM_SERVICE_ERR;
		}
		/* A PIN in a service or configuration file defeats the card's
		 * second factor. */
		if (p11uri_has_pin_value(&p->uri)) {
			sg_err_log(&p->hal.log, "the token URI contains pin-value: refused");
			return PAM_SERVICE_ERR;
		}
		p->have_uri = 1;
	}
	return PAM_SUCCESS;
}

static const char *psn_module(const struct psn *p)
{
	return p->args.module ? p->args.module : p->cfg.module[0] ? p->cfg.module : NULL;
}

/* [token] backend = pcsc or vcard: the PIV backend, as `signet --card`. */
static sg_err psn_open_piv(const struct hal *hal, void *arg, struct token **t, struct sg_error *e)
{
	struct psn *p = arg;
	/* The certificate cache lives in state_dir (root's, files 0600). */
	struct token_piv_opts o = {p->have_uri ? &p->uri : NULL, p->cfg.cert_cache};
	sg_err err;

	if (p->cfg.backend == CONFIG_BACKEND_VCARD) {
		const char *name = p->cfg.vcard_name[0] ? p->cfg.vcard_name : "default";
		char blob[64];

		/* The CLI's naming ("vcard-NAME"); no dot, so never another blob. */
		if (strchr(name, '.') || (size_t)snprintf(blob, sizeof(blob), "vcard-%s", name) >= sizeof(blob))
			return sg_error_set(e, SG_E_CONFIG, "[vcard] name '%s' cannot name a card", name);
		err = vcard_open(hal, blob, &p->vcard, e);
		if (err)
			return err;
		vcard_reader_device(&p->vcard_dev, p->vcard, NULL);
		err = token_piv_open_opts(hal, &p->vcard_dev, NULL, &o, t, e);
		if (err == SG_OK)
			snprintf((*t)->info.label, sizeof((*t)->info.label), "virtual card %.19s", name);
	} else {
		err = token_piv_open_opts(hal, &hal->card, p->cfg.reader[0] ? p->cfg.reader : NULL,
					  &o, t, e);
	}
	if (err == SG_OK && p->have_uri)
		token_piv_filter(*t, &p->uri);
	return err;
}

static void psn_free_data(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* Keeps the checked certificate for the account phase: length, then DER. */
static void psn_keep_cert(struct psn *p, const struct pamflow_result *r)
{
	uint8_t *d = malloc(sizeof(size_t) + r->der_len);

	if (!d)
		return;
	memcpy(d, &r->der_len, sizeof(size_t));
	memcpy(d + sizeof(size_t), r->der, r->der_len);
	if (pam_set_data(p->pamh, PSN_DATA_CERT, d, psn_free_data) != PAM_SUCCESS)
		free(d);
}

/* ---- PAM entry points ----------------------------------------------------- */

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct psn p;
	struct pamflow_opts o;
	struct pamflow_conv conv = {psn_ask, psn_say, NULL};
	struct pamflow_result r;
	const void *item = NULL;
	const char *user;
	int rc = psn_init(&p, pamh, flags, argc, argv);

	memset(&r, 0, sizeof(r));
	if (rc != PAM_SUCCESS)
		goto out;
	conv.arg = &p;
	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS)
		item = NULL;
	user = item && *(const char *)item ? item : NULL;

	memset(&o, 0, sizeof(o));
	o.cfg = &p.cfg;
	o.module = psn_module(&p);
	o.uri = p.have_uri ? &p.uri : NULL;
	o.user = user;
	o.ignore_no_card = p.args.ignore_no_card;
	/* module= on the service line means PKCS#11, whatever the file says. */
	if (p.cfg.backend != CONFIG_BACKEND_PKCS11 && !p.args.module) {
		o.open = psn_open_piv;
		o.open_arg = &p;
	}
	rc = pamflow_authenticate(&p.hal, &o, &conv, &r);

	if (rc == PAM_SUCCESS && user && strcmp(user, r.user)) {
		/* pamflow picks only certificates for the PAM user; never trust that blindly. */
		rc = PAM_USER_UNKNOWN;
	} else if (rc == PAM_SUCCESS && !user) {
		rc = pam_set_item(pamh, PAM_USER, r.user);
	}
	if (rc == PAM_SUCCESS) {
		psn_keep_cert(&p, &r);
		psn_record(&p, HAL_LOG_INFO,
			   "sign-in accepted: user %s, certificate %s, serial %s, token '%s'", r.user,
			   r.subject, r.serial, r.token);
	} else if (rc == PAM_IGNORE) {
		psn_record(&p, HAL_LOG_INFO, "no card (%s): ignored, user %s",
			   sg_err_message(r.e.code), user ? user : "(not known)");
	} else {
		char sum[700];

		psn_record(&p, HAL_LOG_WARN,
			   "sign-in refused: user %s, step %s: %s; certificate %s, serial %s, "
			   "token '%s'; returns %s",
			   user ? user : r.user[0] ? r.user : "(not known)", r.step ? r.step : "-",
			   sg_error_summary(&r.e, sum, sizeof(sum)), r.subject[0] ? r.subject : "-",
			   r.serial[0] ? r.serial : "-", r.token[0] ? r.token : "-",
			   pam_strerror(pamh, rc));
	}
out:
	pamflow_result_free(&r);
	psn_fini(&p);
	return rc;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/* The account phase: when this module signed the user in, the same
 * certificate is checked again (no token, no PIN: chain, time, usage and
 * revocation, answered from the cache or the CRL file when fresh). When
 * another module did (a password), this one has nothing to say. */
PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct psn p;
	struct sg_error e;
	const void *data = NULL;
	size_t len;
	int rc;

	if (pam_get_data(pamh, PSN_DATA_CERT, &data) != PAM_SUCCESS || !data)
		return PAM_IGNORE;
	rc = psn_init(&p, pamh, flags, argc, argv);
	if (rc != PAM_SUCCESS)
		goto out;
	memcpy(&len, data, sizeof(len));
	sg_error_init(&e);
	switch (pamflow_recheck(&p.hal, &p.cfg, (const uint8_t *)data + sizeof(size_t), len, &e)) {
	case SG_OK:
		rc = PAM_SUCCESS;
		break;
	case SG_E_CERT_EXPIRED:
		rc = PAM_ACCT_EXPIRED;
		break;
	case SG_E_CONFIG:
	case SG_E_NOMEM:
	case SG_E_INTERNAL:
		rc = PAM_SERVICE_ERR;
		break;
	default:
		rc = PAM_PERM_DENIED;
	}
	if (rc != PAM_SUCCESS) {
		char sum[700];

		psn_record(&p, HAL_LOG_WARN, "account refused: %s",
			   sg_error_summary(&e, sum, sizeof(sum)));
	}
out:
	psn_fini(&p);
	return rc;
}
