/*
 * vcard_serve.c: `signet vcard serve` (see vcard_serve.h): options,
 * signals and the Linux side of the vpcd link; the link itself is vpcd.c.
 */
#define _GNU_SOURCE
#include "vcard_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "sg_log.h"
#include "vcard.h"
#include "vpcd.h"

#define SERVE_NAME_DEFAULT "default"
#define SERVE_GIVE_UP_MS 60000u /* --once: no vpcd within a minute is a failure */

static const char serve_usage[] =
	"usage: signet vcard serve [--name N] [--host H] [--port P] [--once] [--verbose]\n"
	"                          [--short-apdus] [--config FILE]\n"
	"Puts the virtual card N (default 'default') into a reader of pcscd through\n"
	"vsmartcard's vpcd driver, so that pcsc_scan, opensc-tool, OpenSC's PKCS#11\n"
	"module and any PC/SC program use it as a PIV card. Dials vpcd at H:P (default\n"
	"127.0.0.1:35963, the port of vpcd's reader.conf: DEVICENAME /dev/null:0x8C7B)\n"
	"and dials again while vpcd is not there. Runs until SIGINT or SIGTERM; --once\n"
	"ends when pcscd closes the link (and gives up after a minute without vpcd).\n"
	"--verbose logs each APDU's header and status word, never its data.\n"
	"--short-apdus: the card does not offer extended-length APDUs (its ATR says\n"
	"nothing of them; it answers one with 6700), as many cards do.\n";

/* SIGINT/SIGTERM -> one byte on a pipe the loop watches: a handler must not
 * touch the loop itself, and a flag alone would race with poll(). */
static volatile sig_atomic_t serve_sig_fd = -1;

static void serve_on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	if (serve_sig_fd >= 0)
		(void)!write(serve_sig_fd, &b, 1);
	errno = saved;
}

struct serve_sig {
	int pipe[2];
	struct sigaction old_int, old_term;
	int installed;
	int got; /* the signal that stopped the loop, 0: none */
	const struct hal_loop *loop;
};

static void serve_sig_ready(int handle, int events, void *arg)
{
	struct serve_sig *s = arg;
	unsigned char b = 0;

	(void)events;
	if (read(handle, &b, 1) == 1)
		s->got = b;
	hal_loop_stop(s->loop);
}

static int serve_sig_install(struct serve_sig *s, const struct hal_loop *loop)
{
	struct sigaction sa;

	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->pipe[0] = s->pipe[1] = -1;
	if (pipe2(s->pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	/* The linux port's loop watches any descriptor (hal_loop.h). */
	if (hal_loop_watch(loop, s->pipe[0], HAL_LOOP_READ, serve_sig_ready, s) != HAL_OK)
		return -1;
	serve_sig_fd = s->pipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = serve_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGINT, &sa, &s->old_int) != 0 || sigaction(SIGTERM, &sa, &s->old_term) != 0)
		return -1;
	s->installed = 1;
	return 0;
}

static void serve_sig_remove(struct serve_sig *s)
{
	if (s->installed) {
		(void)sigaction(SIGINT, &s->old_int, NULL);
		(void)sigaction(SIGTERM, &s->old_term, NULL);
	}
	serve_sig_fd = -1;
	if (s->pipe[0] >= 0) {
		(void)hal_loop_watch(s->loop, s->pipe[0], 0, NULL, NULL);
		close(s->pipe[0]);
	}
	if (s->pipe[1] >= 0)
		close(s->pipe[1]);
}

/* vpcd writes its length and its APDU apart; without a quick ACK of the
 * first write each APDU stalls on delayed ACKs (NOTES.md; measured here:
 * 50 APDUs in 5.8 s without, 200 in 0.06 s with). Linux turns quick-ACK
 * mode off again by itself, so it is re-armed before every read. A
 * linux_net handle is the socket's descriptor. */
static void serve_quickack(int handle, void *arg)
{
	int one = 1;

	(void)arg;
	(void)setsockopt(handle, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

struct serve_opts {
	const char *name, *host;
	uint16_t port;
	int once;
	int short_apdus;
};

static int serve_parse(struct cli *c, int argc, char **argv, struct serve_opts *o)
{
	static const struct option longopts[] = {
		{"name", required_argument, NULL, 'n'},
		{"host", required_argument, NULL, 'H'},
		{"port", required_argument, NULL, 'p'},
		{"once", no_argument, NULL, '1'},
		{"short-apdus", no_argument, NULL, 'S'},
		{"config", required_argument, NULL, CLI_OPT_CONFIG},
		{"verbose", no_argument, NULL, CLI_OPT_VERBOSE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	long v;
	int opt;

	optind = 0; /* glibc: a full restart, whoever parsed before us */
	while ((opt = cli_next_opt(c, argc, argv, "h", longopts)) > 0) {
		switch (opt) {
		case 'n':
			o->name = optarg;
			break;
		case 'H':
			if (!*optarg)
				return cli_usage_error(c, "--host needs a host name or address");
			o->host = optarg;
			break;
		case 'p':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > 65535)
				return cli_usage_error(c, "--port needs a TCP port (1-65535), not '%s'",
						       optarg);
			o->port = (uint16_t)v;
			break;
		case '1':
			o->once = 1;
			break;
		case 'S':
			o->short_apdus = 1;
			break;
		case 'h':
			fputs(serve_usage, stdout);
			return -1;
		default:
			fputs(serve_usage, stderr);
			return SG_EXIT_USAGE;
		}
	}
	if (opt < 0)
		return SG_EXIT_USAGE;
	if (optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	return 0;
}

int vcard_serve_main(struct cli *c, int argc, char **argv)
{
	struct serve_opts o = {SERVE_NAME_DEFAULT, "127.0.0.1", VPCD_PORT_DEFAULT, 0, 0};
	struct vpcd_config vc;
	struct serve_sig sig;
	struct vpcd_stats st;
	struct vcard *card = NULL;
	struct vpcd *link = NULL;
	struct sg_error e;
	char blob[HAL_STORAGE_NAME_MAX + 8];
	int rc;

	memset(&sig, 0, sizeof(sig));
	sig.pipe[0] = sig.pipe[1] = -1;
	sg_error_init(&e);
	rc = serve_parse(c, argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_settle(c);
	if (rc)
		return rc;
	if (snprintf(blob, sizeof(blob), "vcard-%s", o.name) >= (int)sizeof(blob) ||
	    !hal_storage_name_ok(blob))
		return cli_usage_error(c, "--name takes letters, digits, '.', '_' and '-' (at most "
				       "%d), not '%s'", HAL_STORAGE_NAME_MAX - 6, o.name);
	if (vcard_open(&c->hal, blob, &card, &e) != SG_OK) {
		rc = cli_fail(c, &e);
		goto out;
	}
	vcard_set_short_apdus(card, o.short_apdus);
	if (serve_sig_install(&sig, &c->hal.loop) != 0) {
		sg_error_set(&e, SG_E_INTERNAL, "cannot catch SIGINT/SIGTERM: %s", strerror(errno));
		rc = cli_fail(c, &e);
		goto out;
	}
	memset(&vc, 0, sizeof(vc));
	vc.host = o.host;
	vc.port = o.port;
	vc.once = o.once;
	vc.give_up_ms = o.once ? SERVE_GIVE_UP_MS : 0;
	vc.before_read = serve_quickack;
	if (vpcd_start(&c->hal, card, &vc, &link, &e) != SG_OK) {
		rc = cli_fail(c, &e);
		goto out;
	}
	sg_info(&c->hal.log, "serving virtual card '%s' to vpcd at %s:%u", o.name, o.host,
		(unsigned)o.port);
	if (hal_loop_run(&c->hal.loop) != HAL_OK) {
		sg_error_set(&e, SG_E_INTERNAL, "the event loop failed");
		rc = cli_fail(c, &e);
		goto out;
	}
	vpcd_get_stats(link, &st);
	if (sig.got)
		sg_info(&c->hal.log, "signal %d: stopping", sig.got);
	sg_info(&c->hal.log, "served %lu APDUs over %lu links", st.apdus, st.connects);
	rc = 0;
	if (!sig.got && vpcd_result(link, &e) != SG_OK)
		rc = cli_fail(c, &e);
out:
	vpcd_free(link);
	serve_sig_remove(&sig);
	vcard_close(card);
	return rc;
}
