/* cmd_run.c: `signet run`, the firmware's main loop for a desk phone or a
 * kiosk: the state machine of run_sm.h over the real session
 * (run_session.h), on the HAL loop, until SIGTERM/SIGINT. */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "est_state.h"
#include "linux_phone.h"
#include "run_session.h"
#include "run_sm.h"
#include "sigpipe.h"

static const char run_usage[] =
	"usage: signet run [--config FILE] [--card vcard[:NAME]|pcsc[:READER]]\n"
	"                  [--module PATH] [--token URI] [--user SIP-URI]\n"
	"                  [--registrar sips:HOST[:PORT]] [--ca FILE|DIR]\n"
	"                  [--ui phone|plain] [--pin-fd N] [--verbose]\n"
	"The sign-in loop of a desk phone or kiosk: waits for the card, asks for\n"
	"the PIN (tries left after a wrong one, a warning before the last),\n"
	"checks the certificate, registers and stays registered. Pulling the card\n"
	"unregisters and locks; SIGTERM/SIGINT unregister and exit 0.\n"
	"--ui phone draws a phone's screen (prompt, PIN field, status, soft keys\n"
	"F1 OK, F2 Delete, F3 Clear, F4 Cancel) on the terminal; --ui plain (the\n"
	"default) prints lines. The virtual card counts as pulled while the blob\n"
	"vcard-NAME.removed exists in the state directory.\n"
	"Settings without a flag come from [sip], [certs] and [token].\n";

struct run {
	struct cli *c;
	struct run_session rs;
	struct run_sm sm;
	int phone;
	int sig_pipe[2];
	struct est_state *state; /* [enroll] state_port: the CoAP state resource */
};

/* The CoAP state resource's view of the machine (never the PIN). */
static void run_state_fill(void *arg, struct est_state_info *out)
{
	const struct run *r = arg;
	enum run_state st = r->sm.state;
	int in = st == RUN_REGISTERED || st == RUN_CERT_EXPIRING || st == RUN_NETWORK_LOST;
	char name[32];
	size_t i;

	memset(out, 0, sizeof(*out));
	snprintf(out->user, sizeof(out->user), "%s", in && r->rs.s.user ? r->rs.s.user : "");
	out->cert_not_after = r->sm.not_after;
	snprintf(name, sizeof(name), "%s", run_state_name(st));
	for (i = 0; name[i]; i++)
		name[i] = (char)(name[i] == '_' ? ' ' : (name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32
											: name[i]);
	snprintf(out->registration, sizeof(out->registration), "%s", name);
	if (r->sm.err.code != SG_OK)
		snprintf(out->last_error, sizeof(out->last_error), "%s", sg_err_message(r->sm.err.code));
	else if (r->rs.renew_err.code != SG_OK)
		snprintf(out->last_error, sizeof(out->last_error), "certificate renewal: %.200s",
			 r->rs.renew_err.detail);
	if (in) {
		snprintf(out->registrar, sizeof(out->registrar), "%s", r->rs.s.reg_at);
		snprintf(out->registrar_change, sizeof(out->registrar_change), "%s",
			 r->rs.s.reg_change);
	}
	session_flows_text(&r->rs.s, out->flows, sizeof(out->flows));
}

static void on_transition(enum run_state from, enum run_event ev, enum run_state to, void *arg)
{
	struct run *r = arg;

	session_say(&r->rs.s, "run: %s -> %s (%s)", run_state_name(from), run_state_name(to),
		    run_event_name(ev));
	if (r->state)
		est_state_changed(r->state); /* observers of the state resource */
}

/* No terminal (a service): what the screen would show goes to stdout
 * (the journal), a line per prompt or status. */
static int lines_prompt(void *ctx, const char *text)
{
	session_say(ctx, "screen: %s", text);
	return HAL_OK;
}

static int lines_status(void *ctx, const char *text)
{
	if (text[0])
		session_say(ctx, "status: %s", text);
	return HAL_OK;
}

static int lines_nothing(void *ctx)
{
	(void)ctx;
	return HAL_OK;
}

static int lines_mask(void *ctx, size_t n)
{
	(void)ctx;
	(void)n;
	return HAL_OK;
}

static const struct hal_display_ops lines_ops = {
	.prompt = lines_prompt,
	.mask = lines_mask,
	.status = lines_status,
	.done = lines_nothing,
};

static void on_signal(int sig, void *arg)
{
	struct run *r = arg;

	session_say(&r->rs.s, "%s", sig == SIGINT ? "interrupted" : "terminated");
	run_sm_shutdown(&r->sm);
}

static int interrupted(void *arg)
{
	(void)arg;
	return sigpipe_pending();
}

static int run_parse(struct run *r, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"registrar", required_argument, NULL, 'r'},
		{"ca", required_argument, NULL, 'a'},
		{"ui", required_argument, NULL, 'U'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	while ((opt = cli_next_opt(r->c, argc, argv, "h", longopts)) > 0) {
		switch (opt) {
		case 'r': r->rs.s.registrar = optarg; break;
		case 'a': r->rs.s.ca = optarg; break;
		case 'U':
			if (!strcmp(optarg, "phone"))
				r->phone = 1;
			else if (strcmp(optarg, "plain"))
				return cli_usage_error(r->c, "--ui takes phone or plain, not '%s'",
						       optarg);
			break;
		case 'h':
			fputs(run_usage, stdout);
			return -1;
		default:
			fputs(run_usage, stderr);
			return SG_EXIT_USAGE;
		}
	}
	if (opt < 0)
		return SG_EXIT_USAGE;
	if (optind < argc)
		return cli_usage_error(r->c, "unexpected argument '%s'", argv[optind]);
	return 0;
}

int cmd_run(struct cli *c, int argc, char **argv)
{
	struct run *r = calloc(1, sizeof(*r));
	struct run_sm_cfg cfg;
	struct sg_error e;
	int rc;

	if (!r)
		return SG_EXIT_INTERNAL;
	r->c = c;
	r->sig_pipe[0] = r->sig_pipe[1] = -1;
	session_init(&r->rs.s, c);
	sg_error_init(&e);
	rc = run_parse(r, argc, argv);
	if (rc) {
		rc = rc < 0 ? 0 : rc;
		goto out;
	}
	rc = cli_settle(c);
	if (rc)
		goto out;
	if (r->phone) {
		if (!c->hal.display.ops) {
			rc = cli_usage_error(c, "--ui phone needs a terminal");
			goto out;
		}
		linux_phone_init(&c->hal);
		r->rs.s.quiet = 1; /* the screen is the terminal: no progress lines */
	}
	if (!c->hal.display.ops) {
		c->hal.display.ops = &lines_ops;
		c->hal.display.ctx = &r->rs.s;
	}
	if (session_settle(&r->rs.s, &e)) {
		rc = cli_fail(c, &e);
		goto out;
	}
	if (c->cfg.enroll_state_port) {
		struct est_state_src src = {run_state_fill, r};

		if (est_state_start(&c->hal, c->cfg.enroll_state_addr,
				    (unsigned)c->cfg.enroll_state_port, &src, &r->state, &e)) {
			rc = cli_fail(c, &e);
			goto out;
		}
	}
	run_session_init(&r->rs, &r->sm);
	memset(&cfg, 0, sizeof(cfg));
	cfg.hal = &c->hal;
	cfg.ops = &run_session_ops;
	cfg.session_ctx = &r->rs;
	cfg.user = r->rs.s.user;
	cfg.pin = c->cfg.pin;
	cfg.warn_days = c->cfg.check.warn_days;
	cfg.interrupted = interrupted;
	cfg.on_transition = on_transition;
	cfg.arg = r;
	run_sm_init(&r->sm, &cfg);
	if (sigpipe_open(&c->hal.loop, r->sig_pipe, on_signal, r) ||
	    run_sm_start(&r->sm, &e)) {
		sg_error_set(&e, SG_E_INTERNAL, "cannot start the main loop");
		rc = cli_fail(c, &e);
		goto out;
	}
	/* The loop returns when STOPPED stops it, when a step must run
	 * outside it (run_sm_step), or when it fails. */
	while (hal_loop_run(&c->hal.loop) == HAL_OK && r->sm.state != RUN_STOPPED) {
		if (!run_session_outside_loop(&r->rs))
			run_sm_step(&r->sm);
		else if (r->state)
			est_state_changed(r->state); /* e.g. a renewed certificate */
	}
	rc = r->sm.state == RUN_STOPPED ? 0 : SG_EXIT_INTERNAL;
	run_sm_fini(&r->sm);
out:
	sigpipe_close(&c->hal.loop, r->sig_pipe);
	if (r->state)
		est_state_stop(r->state);
	session_release(&r->rs.s);
	if (r->phone)
		linux_phone_fini(&c->hal);
	free(r);
	return rc;
}
