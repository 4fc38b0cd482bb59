/* cmd_signin.c: `signet signin`: PIN, token, certificate checks, mutual
 * TLS with the card's key, SIP REGISTER; stays registered until a signal
 * or the card leaves (or, with --once, unregisters right away). */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "session.h"
#include "sigpipe.h"

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
	struct session ss;
	struct cli *c;
	int once;
	int presence_timer;
	int sig_pipe[2];
	int done, exit_code;
	int failed;            /* err holds why */
	struct sg_error err;
};

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

	while ((opt = cli_next_opt(s->c, argc, argv, "h", longopts)) > 0) {
		switch (opt) {
		case 'r': s->ss.registrar = optarg; break;
		case 'a': s->ss.ca = optarg; break;
		case 'u': s->ss.untrusted = optarg; break;
		case 'l': s->ss.crl = optarg; break;
		case 'R': s->ss.revocation = optarg; break;
		case 'x': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 60 || v > 86400)
				return cli_usage_error(s->c, "--expires must be 60..86400 seconds");
			s->ss.expires = (int)v;
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
	if (opt < 0)
		return SG_EXIT_USAGE;
	if (optind < argc)
		return cli_usage_error(s->c, "unexpected argument '%s'", argv[optind]);
	return 0;
}

static void finish(struct signin *s, int exit_code)
{
	s->done = 1;
	s->exit_code = exit_code;
	hal_loop_stop(&s->c->hal.loop);
}

static void stop_registration(struct signin *s, const char *why)
{
	if (session_stop(&s->ss, why, 5000))
		finish(s, s->exit_code);
}

static void on_event(enum session_event ev, const struct sip_reg_info *info, void *arg)
{
	struct signin *s = arg;

	switch (ev) {
	case SESSION_REGISTERED:
		if (s->once)
			stop_registration(s, "--once");
		break;
	case SESSION_RETRYING:
	case SESSION_FAILED:
		/* --once does not wait for a retry; nor does a registrar that DNS
		 * cannot find (NXDOMAIN, no record, no answer: exit 9) */
		if (ev == SESSION_RETRYING && !s->once && !info->resolution) {
			if (info->err)
				s->err = *info->err;
			session_say(&s->ss, "registration failed (%s); retrying in %u s",
				    info->err ? info->err->detail : "?",
				    (unsigned)(info->retry_ms / 1000));
			break;
		}
		if (info->err)
			s->err = *info->err;
		session_say(&s->ss, "registration failed: %s", info->err ? info->err->detail : "?");
		if (!info->err)
			sg_error_set(&s->err, SG_E_INTERNAL, "registration failed");
		s->failed = 1;
		finish(s, cli_err_exit(s->err.code));
		break;
	case SESSION_UNREGISTERED:
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
	if (token_pin_state(s->ss.t, &st, &e) == SG_E_CARD_REMOVED || e.code == SG_E_NO_TOKEN) {
		sg_error_set(&s->err, SG_E_CARD_REMOVED, "the card was removed");
		s->exit_code = SG_EXIT_NO_TOKEN;
		stop_registration(s, "card removed");
		return;
	}
	hal_loop_add_timer(&s->c->hal.loop, PRESENCE_POLL_MS, presence_poll, s, &s->presence_timer);
}

static void on_signal_byte(int sig, void *arg)
{
	struct signin *s = arg;

	stop_registration(s, sig == SIGINT ? "interrupted" : "terminated");
}

static void signin_release(struct signin *s)
{
	session_release(&s->ss);
	sigpipe_close(&s->c->hal.loop, s->sig_pipe);
}

static void signin_init(struct signin *s, struct cli *c)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->presence_timer = -1;
	s->sig_pipe[0] = s->sig_pipe[1] = -1;
	session_init(&s->ss, c);
	s->ss.on_event = on_event;
	s->ss.arg = s;
	sg_error_init(&s->err);
}

/* The sign-in itself, after the options: returns the exit code; on
 * failure s->failed is set and s->err says why. */
static int signin_flow(struct signin *s)
{
	struct cli *c = s->c;
	struct sg_error *e = &s->err;

	if (session_settle(&s->ss, e) || session_open(&s->ss, e))
		goto fail;
	if (session_check(&s->ss, e))
		goto fail;
	session_say(&s->ss, "certificate checks passed");
	if (session_login(&s->ss, e))
		goto fail;
	session_say(&s->ss, "PIN accepted, logged in to the token");
	if (sigpipe_open(&c->hal.loop, s->sig_pipe, on_signal_byte, s) || session_connect(&s->ss, e))
		goto fail;
	hal_loop_add_timer(&c->hal.loop, PRESENCE_POLL_MS, presence_poll, s, &s->presence_timer);
	while (!s->done) {
		int lrc = hal_loop_run(&c->hal.loop);

		if (session_outside_loop(&s->ss))
			continue; /* the loop was left for work that runs the loop itself */
		if (lrc != HAL_OK && !s->done)
			break;
	}
	if (s->presence_timer >= 0)
		hal_loop_cancel_timer(&c->hal.loop, s->presence_timer);
	if (s->exit_code == SG_EXIT_NO_TOKEN && s->err.code == SG_E_CARD_REMOVED)
		s->failed = 1;
	return s->exit_code;
fail:
	s->failed = 1;
	return cli_err_exit(e->code);
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
	while ((opt = cli_next_opt(c, argc, argv, "h", longopts)) > 0) {
		switch (opt) {
		case 't':
			/* HOST[:PORT] or a whole sips:/sip: URI. */
			snprintf(target, sizeof(target), "%s%s",
				 strncmp(optarg, "sip:", 4) && strncmp(optarg, "sips:", 5) ? "sips:" : "",
				 optarg);
			break;
		case 'a':
			s.ss.ca = optarg;
			break;
		case 'h':
			fputs(testauth_usage, stdout);
			return 0;
		default:
			fputs(testauth_usage, stderr);
			return SG_EXIT_USAGE;
		}
	}
	if (opt < 0)
		return SG_EXIT_USAGE;
	if (optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (!target[0])
		return cli_usage_error(c, "--target HOST[:PORT] is required");
	rc = cli_settle(c);
	if (rc)
		return rc;
	s.ss.registrar = target;
	s.once = 1;
	s.ss.quiet = 1;
	rc = signin_flow(&s);
	uint64_t latency = s.ss.registered_ms ? s.ss.registered_ms
					   : hal_clock_mono_ms(&c->hal.clock) - c->t0;
	printf("Target:    %s\n", target);
	printf("Result:    %s\n", s.failed ? "Failure" : "Success");
	printf("Latency:   %llu ms%s\n", (unsigned long long)latency,
	       s.ss.registered_ms ? " (start to registered)" : "");
	if (s.failed) {
		char line[sizeof(s.err.detail) + 128];
		printf("Error:     %s\n", cli_error_summary(&s.err, line, sizeof(line)));
		printf("Diagnosis: %s\n", cli_err_diagnosis(s.err.code));
	} else {
		printf("Error:     none\n");
		printf("Diagnosis: %s can sign in with this card\n", s.ss.user);
	}
	if (s.ss.reg_warning[0])
		printf("Warning:   %s\n", s.ss.reg_warning);
	signin_release(&s);
	return s.failed ? rc : 0;
}
