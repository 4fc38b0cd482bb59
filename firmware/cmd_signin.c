/* cmd_signin.c: `signet signin`: PIN, token, certificate checks, mutual
 * TLS with the card's key, SIP REGISTER; stays registered until a signal
 * or the card leaves (or, with --once, unregisters right away). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "certcheck.h"
#include "cli.h"
#include "commands.h"
#include "sip_msg.h"
#include "sip_reg.h"
#include "sip_tls.h"
#include "sip_transports.h"
#include "token_pk.h"

static const char signin_usage[] =
	"usage: signet signin [--user SIP-URI] [--registrar sips:HOST[:PORT]]\n"
	"                     [--module PATH] [--token URI] [--card vcard|pcsc]\n"
	"                     [--ca FILE|DIR] [--untrusted FILE] [--crl FILE]\n"
	"                     [--revocation POLICY] [--pin-fd N] [--expires SECONDS]\n"
	"                     [--once] [--config FILE] [--verbose]\n"
	"Signs in: checks the card's certificate (chain, validity, usage, identity,\n"
	"revocation), asks for the PIN, logs in to the token, connects to the\n"
	"registrar over TLS with the card's key as the client key, and REGISTERs.\n"
	"Stays registered (refreshing) until SIGINT/SIGTERM or the card is removed,\n"
	"then unregisters. --once registers, unregisters and exits 0.\n"
	"Settings without a flag come from [sip] and [certs] in the configuration.\n";

#define PRESENCE_POLL_MS 1000

struct signin {
	struct cli *c;
	struct token *t;
	size_t ci;
	const char *user, *registrar, *ca, *untrusted, *crl, *revocation;
	int once, expires;
	/* Material that must outlive the TLS transport. */
	mbedtls_x509_crt anchors, chain, pool;
	mbedtls_x509_crl crls;
	mbedtls_pk_context key;
	struct sip_tp *tp;
	struct sip_reg *reg;
	char host[256];
	uint16_t port;
	enum sip_tp_kind kind;
	int presence_timer;
	int sig_pipe[2];
	int done, exit_code, stopping;
	int failed;            /* err holds why */
	int quiet;             /* testauth: steps only with --verbose */
	uint64_t registered_ms;/* since start, when the 200 OK came (0: not yet) */
	struct sg_error err;
};

/* Every step is printed (not only with --verbose), with its time. */
static void say(struct signin *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct signin *s, const char *fmt, ...)
{
	va_list ap;
	uint64_t ms = hal_clock_mono_ms(&s->c->hal.clock) - s->c->t0;

	if (s->quiet && !s->c->verbose)
		return;
	printf("[%6llu ms] ", (unsigned long long)ms);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int signin_parse(struct signin *s, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"registrar", required_argument, NULL, 'r'},
		{"ca", required_argument, NULL, 'a'},
		{"untrusted", required_argument, NULL, 'u'},
		{"crl", required_argument, NULL, 'l'},
		{"revocation", required_argument, NULL, 'R'},
		{"expires", required_argument, NULL, 'x'},
		{"once", no_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int r = cli_common_opt(s->c, opt, optarg);
		if (r < 0)
			return SG_EXIT_USAGE;
		if (r)
			continue;
		switch (opt) {
		case 'r': s->registrar = optarg; break;
		case 'a': s->ca = optarg; break;
		case 'u': s->untrusted = optarg; break;
		case 'l': s->crl = optarg; break;
		case 'R': s->revocation = optarg; break;
		case 'x': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 60 || v > 86400)
				return cli_usage_error(s->c, "--expires must be 60..86400 seconds");
			s->expires = (int)v;
			break;
		}
		case 'o': s->once = 1; break;
		case 'h':
			fputs(signin_usage, stdout);
			return -1;
		default:
			fputs(signin_usage, stderr);
			return SG_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(s->c, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* "sips:host[:port]", "sip:host[:port][;transport=tcp|udp|tls]", or empty:
 * sips: and the AoR's domain. */
static sg_err parse_registrar(struct signin *s, struct sg_error *e)
{
	const char *reg = s->registrar;
	struct sip_uri ru, au;
	struct sip_str v;
	char buf[300];

	if (sip_uri_parse((struct sip_str){s->user, strlen(s->user)}, &au, e))
		return sg_error_set(e, SG_E_CONFIG, "the user %s is not a SIP URI: %s", s->user,
				    e ? e->detail : "");
	if (!reg || !*reg) {
		if (sip_str_copy(au.host, s->host, sizeof(s->host)))
			return sg_error_set(e, SG_E_CONFIG, "the user's domain is too long");
		s->kind = SIP_TP_TLS;
		s->port = 5061;
		return SG_OK;
	}
	snprintf(buf, sizeof(buf), "%s", reg);
	if (sip_uri_parse((struct sip_str){buf, strlen(buf)}, &ru, e) ||
	    sip_str_copy(ru.host, s->host, sizeof(s->host)))
		return sg_error_set(e, SG_E_CONFIG,
				    "the registrar must be sips:HOST[:PORT] or sip:HOST[:PORT]");
	s->kind = ru.sips ? SIP_TP_TLS : SIP_TP_UDP;
	if (!ru.sips && sip_param(ru.params, ';', "transport", &v)) {
		if (sip_str_ieq(v, "tcp"))
			s->kind = SIP_TP_TCP;
		else if (sip_str_ieq(v, "tls"))
			s->kind = SIP_TP_TLS;
		else if (!sip_str_ieq(v, "udp"))
			return sg_error_set(e, SG_E_CONFIG, "transport must be udp, tcp or tls");
	}
	s->port = ru.port ? ru.port : s->kind == SIP_TP_TLS ? 5061 : 5060;
	return SG_OK;
}

static const char *pick(const char *flag, const char *conf)
{
	return flag ? flag : conf && conf[0] ? conf : NULL;
}

static sg_err load_trust(struct signin *s, struct sg_error *e)
{
	struct cli *c = s->c;
	const char *ca = pick(s->ca, c->cfg.ca), *un = pick(s->untrusted, c->cfg.untrusted),
		   *crl = pick(s->crl, c->cfg.crl);

	if (!ca)
		return sg_error_set(e, SG_E_CONFIG,
				    "no trust anchors: give --ca FILE|DIR or set [certs] ca");
	if ((mbedtls_x509_crt_parse_path(&s->anchors, ca) < 0 &&
	     mbedtls_x509_crt_parse_file(&s->anchors, ca) < 0) ||
	    !s->anchors.raw.p)
		return sg_error_set(e, SG_E_CONFIG, "no certificate could be read from %s", ca);
	if (un && mbedtls_x509_crt_parse_file(&s->pool, un) < 0)
		return sg_error_set(e, SG_E_CONFIG, "no certificate could be read from %s", un);
	if (crl && mbedtls_x509_crl_parse_file(&s->crls, crl) != 0)
		return sg_error_set(e, SG_E_CONFIG, "%s is not a readable CRL", crl);
	return SG_OK;
}

/* The certificate checks before any PIN: an expired or revoked card must
 * not cost the user a PIN try. */
static sg_err check_cert(struct signin *s, struct sg_error *e)
{
	struct cli *c = s->c;
	struct certcheck_policy pol;
	struct certcheck_input in;
	struct certcheck_report rep;
	const struct token_cert *tc = &s->t->certs[s->ci];

	config_apply_check(&c->cfg);
	pol = c->cfg.check;
	if (s->revocation && revoke_policy_methods(&pol.revoke, s->revocation, e))
		return SG_E_USAGE;
	for (size_t i = 0; i < s->t->n_certs; i++)
		if (s->t->certs[i].is_ca)
			mbedtls_x509_crt_parse_der(&s->pool, s->t->certs[i].der, s->t->certs[i].der_len);
	memset(&in, 0, sizeof(in));
	in.der = tc->der;
	in.der_len = tc->der_len;
	in.anchors = &s->anchors;
	in.intermediates = s->pool.raw.p ? &s->pool : NULL;
	in.crls = s->crls.raw.p ? &s->crls : NULL;
	in.identity = s->user;
	sg_err err = certcheck_run(&c->hal, &pol, &in, &rep, e);
	for (int i = 0; i < CERTCHECK__STEPS; i++)
		if (c->verbose || rep.steps[i].verdict == CERTCHECK_WARN)
			say(s, "  %-10s %-4s %s", certcheck_step_name(i),
			    certcheck_verdict_name(rep.steps[i].verdict), rep.steps[i].text);
	return err;
}

/* Our certificate, then the intermediates, for the TLS Certificate message. */
static sg_err build_chain(struct signin *s, struct sg_error *e)
{
	const struct token_cert *tc = &s->t->certs[s->ci];

	if (mbedtls_x509_crt_parse_der(&s->chain, tc->der, tc->der_len))
		return sg_error_set(e, SG_E_CERT_PARSE, "the certificate cannot be read");
	for (const mbedtls_x509_crt *x = &s->pool; x && x->raw.p; x = x->next)
		mbedtls_x509_crt_parse_der(&s->chain, x->raw.p, x->raw.len);
	return token_pk_setup(&s->key, s->t, s->ci, e);
}

static sg_err make_transport(struct signin *s, struct sg_error *e)
{
	struct cli *c = s->c;
	const char *sip_ca = c->cfg.sip_ca[0] ? c->cfg.sip_ca : NULL;

	if (s->kind == SIP_TP_UDP)
		return sip_tp_udp_new(&c->hal, &s->tp, e);
	if (s->kind == SIP_TP_TCP)
		return sip_tp_tcp_new(&c->hal, &s->tp, e);
	static mbedtls_x509_crt reg_anchors; /* [sip] ca when set */
	mbedtls_x509_crt_init(&reg_anchors);
	if (sip_ca && mbedtls_x509_crt_parse_path(&reg_anchors, sip_ca) < 0 &&
	    mbedtls_x509_crt_parse_file(&reg_anchors, sip_ca) < 0)
		return sg_error_set(e, SG_E_CONFIG, "no certificate could be read from %s", sip_ca);
	struct sip_tls_conf tc = {
		.anchors = sip_ca ? &reg_anchors : &s->anchors,
		.client_chain = &s->chain,
		.client_key = &s->key,
		.server_name = s->host,
	};
	return sip_tp_tls_new(&c->hal, &tc, &s->tp, e);
}

static void finish(struct signin *s, int exit_code)
{
	s->done = 1;
	s->exit_code = exit_code;
	hal_loop_stop(&s->c->hal.loop);
}

static void stop_registration(struct signin *s, const char *why)
{
	if (s->stopping)
		return;
	s->stopping = 1;
	say(s, "%s: unregistering", why);
	if (sip_reg_stop(s->reg, 5000, NULL) != SG_OK)
		finish(s, s->exit_code);
}

static void on_state(const struct sip_reg_info *info, void *arg)
{
	struct signin *s = arg;

	switch (info->state) {
	case SIP_REG_REGISTERING:
		say(s, "REGISTER sent to %s:%u", s->host, s->port);
		break;
	case SIP_REG_REGISTERED:
		if (!s->registered_ms)
			s->registered_ms = hal_clock_mono_ms(&s->c->hal.clock) - s->c->t0;
		say(s, "registered as %s (expires in %u s)", s->user, info->expires);
		if (s->once)
			stop_registration(s, "--once");
		break;
	case SIP_REG_FAILED:
		if (info->err)
			s->err = *info->err;
		if (info->will_retry && !s->once) {
			say(s, "registration failed (%s); retrying in %u s",
			    info->err ? info->err->detail : "?", (unsigned)(info->retry_ms / 1000));
			break;
		}
		say(s, "registration failed: %s", info->err ? info->err->detail : "?");
		if (!info->err)
			sg_error_set(&s->err, SG_E_INTERNAL, "registration failed");
		s->failed = 1;
		finish(s, sg_err_exit(s->err.code));
		break;
	case SIP_REG_UNREGISTERED:
		say(s, "unregistered%s%s", info->err ? ": " : "", info->err ? info->err->detail : "");
		finish(s, s->exit_code);
		break;
	}
}

/* The card left: unregister and exit 3 (no card). */
static void presence_poll(void *arg)
{
	struct signin *s = arg;
	struct token_pin_state st;
	struct sg_error e;

	s->presence_timer = -1;
	sg_error_init(&e);
	if (token_pin_state(s->t, &st, &e) == SG_E_CARD_REMOVED || e.code == SG_E_NO_TOKEN) {
		sg_error_set(&s->err, SG_E_CARD_REMOVED, "the card was removed");
		s->exit_code = SG_EXIT_NO_TOKEN;
		stop_registration(s, "card removed");
		return;
	}
	hal_loop_add_timer(&s->c->hal.loop, PRESENCE_POLL_MS, presence_poll, s, &s->presence_timer);
}

static int sig_fd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	if (sig_fd >= 0 && write(sig_fd, &b, 1) < 0) {
		/* nothing to do: the loop will see the pipe or not */
	}
	errno = saved;
}

static void on_sig_pipe(int handle, int events, void *arg)
{
	struct signin *s = arg;
	unsigned char b;

	(void)events;
	if (read(handle, &b, 1) == 1)
		stop_registration(s, b == SIGINT ? "interrupted" : "terminated");
}

static int install_signals(struct signin *s)
{
	struct sigaction sa;

	if (pipe2(s->sig_pipe, O_CLOEXEC | O_NONBLOCK))
		return -1;
	sig_fd = s->sig_pipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return hal_loop_watch(&s->c->hal.loop, s->sig_pipe[0], HAL_LOOP_READ, on_sig_pipe, s);
}

static sg_err start_registration(struct signin *s, struct sg_error *e)
{
	struct cli *c = s->c;
	struct sip_reg_cfg rc = {
		.registrar_host = s->host,
		.registrar_port = s->port,
		.tp = s->tp,
		.aor = s->user,
		.expires = (uint32_t)s->expires,
		.instance = c->cfg.sip_instance[0] ? c->cfg.sip_instance : NULL,
		.reg_id = (uint32_t)c->cfg.sip_reg_id,
		.outbound = c->cfg.sip_outbound,
		.user_agent = "signet/" SIGNET_VERSION,
		.auth_user = c->cfg.sip_auth_user[0] ? c->cfg.sip_auth_user : NULL,
		.password = c->cfg.sip_password[0] ? c->cfg.sip_password : NULL,
		.password_len = strlen(c->cfg.sip_password),
		.on_state = on_state,
		.arg = s,
		.retry_base_s = (uint32_t)c->cfg.sip_retry_base,
	};
	sg_err err = sip_reg_new(&s->reg, &c->hal, &rc, e);

	if (!err)
		err = sip_reg_start(s->reg, e);
	return err;
}

static void signin_release(struct signin *s)
{
	if (s->reg)
		sip_reg_free(s->reg);
	if (s->tp)
		s->tp->ops->destroy(s->tp->ctx);
	token_pk_free(&s->key);
	mbedtls_x509_crt_free(&s->anchors);
	mbedtls_x509_crt_free(&s->chain);
	mbedtls_x509_crt_free(&s->pool);
	mbedtls_x509_crl_free(&s->crls);
	token_close(s->t);
	if (s->sig_pipe[0] > 0) {
		sig_fd = -1;
		close(s->sig_pipe[0]);
		close(s->sig_pipe[1]);
	}
	/* The Digest password lives in the configuration: wipe it. */
	mbedtls_platform_zeroize(s->c->cfg.sip_password, sizeof(s->c->cfg.sip_password));
}

static void signin_init(struct signin *s, struct cli *c)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->presence_timer = -1;
	mbedtls_x509_crt_init(&s->anchors);
	mbedtls_x509_crt_init(&s->chain);
	mbedtls_x509_crt_init(&s->pool);
	mbedtls_x509_crl_init(&s->crls);
	mbedtls_pk_init(&s->key);
	sg_error_init(&s->err);
}

/* The sign-in itself, after the options: returns the exit code; on
 * failure s->failed is set and s->err says why. */
static int signin_flow(struct signin *s)
{
	struct cli *c = s->c;
	struct sg_error *e = &s->err;

	s->user = c->user ? c->user : c->cfg.sip_user[0] ? c->cfg.sip_user : NULL;
	s->registrar = s->registrar ? s->registrar : c->cfg.sip_registrar;
	s->expires = s->expires ? s->expires : c->cfg.sip_expires;
	if (!s->user) {
		sg_error_set(e, SG_E_USAGE, "who signs in? give --user sip:NAME@DOMAIN or set [sip] user");
		goto fail;
	}
	c->user = s->user; /* the certificate must name this user */
	if (parse_registrar(s, e) || load_trust(s, e) || cli_open_token(c, &s->t, e) ||
	    cli_select(c, s->t, &s->ci, e))
		goto fail;
	say(s, "token '%s': certificate '%s' for %s", s->t->info.label, s->t->certs[s->ci].label,
	    s->user);
	if (check_cert(s, e))
		goto fail;
	say(s, "certificate checks passed");
	if (cli_login(c, s->t, e))
		goto fail;
	say(s, "PIN accepted, logged in to the token");
	if (build_chain(s, e) || make_transport(s, e) || install_signals(s) ||
	    start_registration(s, e))
		goto fail;
	say(s, "connecting to %s:%u over %s", s->host, s->port,
	    s->kind == SIP_TP_TLS ? "TLS" : s->kind == SIP_TP_TCP ? "TCP" : "UDP");
	hal_loop_add_timer(&c->hal.loop, PRESENCE_POLL_MS, presence_poll, s, &s->presence_timer);
	while (!s->done)
		if (hal_loop_run(&c->hal.loop) != HAL_OK && !s->done)
			break;
	if (s->presence_timer >= 0)
		hal_loop_cancel_timer(&c->hal.loop, s->presence_timer);
	hal_loop_watch(&c->hal.loop, s->sig_pipe[0], 0, NULL, NULL);
	if (s->exit_code == SG_EXIT_NO_TOKEN && s->err.code == SG_E_CARD_REMOVED)
		s->failed = 1;
	return s->exit_code;
fail:
	s->failed = 1;
	return sg_err_exit(e->code);
}

int cmd_signin(struct cli *c, int argc, char **argv)
{
	struct signin s;
	int rc;

	signin_init(&s, c);
	rc = signin_parse(&s, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_settle(c);
	if (rc)
		return rc;
	rc = signin_flow(&s);
	if (s.failed)
		rc = cli_fail(c, &s.err);
	signin_release(&s);
	return rc;
}

/* ---- signet testauth ------------------------------------------------------ */

static const char testauth_usage[] =
	"usage: signet testauth --target HOST[:PORT] --user SIP-URI [--module PATH]\n"
	"                       [--token URI] [--card vcard|pcsc] [--ca FILE|DIR]\n"
	"                       [--pin-fd N] [--config FILE] [--verbose]\n"
	"A full sign-in and sign-out against the registrar at HOST (TLS, port 5061\n"
	"by default), reported as Target, Result (Success or Failure), Latency,\n"
	"Error and Diagnosis; --verbose also shows each step. Exit 0 only on Success;\n"
	"otherwise the exit code of the failure (signet --help).\n";

int cmd_testauth(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"target", required_argument, NULL, 't'},
		{"ca", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char target[300] = "";
	struct signin s;
	int opt, rc;

	signin_init(&s, c);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int r = cli_common_opt(c, opt, optarg);
		if (r < 0)
			return SG_EXIT_USAGE;
		if (r)
			continue;
		switch (opt) {
		case 't':
			/* HOST[:PORT] or a whole sips:/sip: URI. */
			snprintf(target, sizeof(target), "%s%s",
				 strncmp(optarg, "sip:", 4) && strncmp(optarg, "sips:", 5) ? "sips:" : "",
				 optarg);
			break;
		case 'a':
			s.ca = optarg;
			break;
		case 'h':
			fputs(testauth_usage, stdout);
			return 0;
		default:
			fputs(testauth_usage, stderr);
			return SG_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (!target[0])
		return cli_usage_error(c, "--target HOST[:PORT] is required");
	rc = cli_settle(c);
	if (rc)
		return rc;
	s.registrar = target;
	s.once = 1;
	s.quiet = 1;
	rc = signin_flow(&s);
	uint64_t latency = s.registered_ms ? s.registered_ms
					   : hal_clock_mono_ms(&c->hal.clock) - c->t0;
	printf("Target:    %s\n", target);
	printf("Result:    %s\n", s.failed ? "Failure" : "Success");
	printf("Latency:   %llu ms%s\n", (unsigned long long)latency,
	       s.registered_ms ? " (start to registered)" : "");
	if (s.failed) {
		char line[sizeof(s.err.detail) + 128];
		printf("Error:     %s\n", sg_error_summary(&s.err, line, sizeof(line)));
		printf("Diagnosis: %s\n", sg_err_diagnosis(s.err.code));
	} else {
		printf("Error:     none\n");
		printf("Diagnosis: %s can sign in with this card\n", s.user);
	}
	signin_release(&s);
	return s.failed ? rc : 0;
}
