/*
 * test_vpcd.c: the card side of the vpcd link (auth/vcard/vpcd.c) against a
 * fake vpcd that this test runs: a loopback listener in a forked child
 * that plays a script of messages (well-formed, then malformed: empty,
 * unknown control, short, oversized, truncated) and checks each answer.
 * The link runs on the Linux port's real loop and sockets, the card is a
 * real virtual card in a scratch state directory.
 */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hal.h"
#include "port_linux.h"
#include "vcard.h"
#include "vpcd.h"

#define BLOB "vcard-vpcd"
#define ATR_HEX "3B8F800180F9A00000030800001000" "73C021C0" "9E"

struct fx {
	char dir[64];
	struct hal hal;
	struct vcard *card;
};

static struct fx fx;

static int group_setup(void **state)
{
	struct vcard_params p = {"123456", 6, "12345678", 8, 0, NULL, 0, 0, 0, NULL};
	struct port_linux_opts o;
	struct sg_error e;
	char key[96], st[96];

	(void)state;
	strcpy(fx.dir, "/tmp/signet-vpcd-XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	snprintf(key, sizeof(key), "%s/device.key", fx.dir);
	snprintf(st, sizeof(st), "%s/state", fx.dir);
	setenv("SIGNET_DEVICE_KEY", key, 1);
	memset(&o, 0, sizeof(o));
	o.storage_dir = st;
	o.tty_path = "/nonexistent/tty";
	o.log_ident = "test_vpcd";
	o.log_level = HAL_LOG_WARN;
	if (port_linux_init(&fx.hal, &o) != HAL_OK)
		return -1;
	sg_error_init(&e);
	if (vcard_create(&fx.hal, BLOB, &p, &e) || vcard_open(&fx.hal, BLOB, &fx.card, &e))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[96];

	(void)state;
	vcard_close(fx.card);
	port_linux_fini(&fx.hal);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- the fake vpcd (runs in a child; plain code, exit status = failed step) */

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; h[0]; h++) {
		unsigned v;

		if (h[0] == ' ')
			continue;
		if (!h[1] || n >= cap || sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		h++;
	}
	return n;
}

static int write_all(int fd, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, uint8_t *b, size_t n)
{
	while (n) {
		ssize_t r = recv(fd, b, n, 0);

		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One answer: its payload into buf, its length returned, -1 on error. */
static long read_frame(int fd, uint8_t *buf, size_t cap)
{
	uint8_t h[2];
	size_t len;

	if (read_all(fd, h, 2))
		return -1;
	len = (size_t)h[0] << 8 | h[1];
	if (len > cap || read_all(fd, buf, len))
		return -1;
	return (long)len;
}

enum step_kind {
	MSG,   /* framed payload (hex) */
	RAW,   /* bytes as they are (hex), to break the framing */
	BIG,   /* a framed message of `size` zero bytes */
	BIGHDR /* a header claiming `size` bytes, then only a few, then close */
};

struct step {
	const char *name;
	enum step_kind kind;
	const char *hex;
	size_t size;
	const char *want; /* whole answer (hex); "SW:xxxx": only the status word;
			   * "ANY": any answer of >= 2 bytes; NULL: no answer */
};

static const struct step script[] = {
	{"ATR", MSG, "04", 0, ATR_HEX},
	{"power on", MSG, "01", 0, NULL},
	{"SELECT PIV", MSG, "00A4040009A0000003080000100000", 0, "SW:9000"},
	{"VERIFY PIN", MSG, "0020008008313233343536FFFF", 0, "9000"},
	{"PIN verified", MSG, "00200080", 0, "9000"},
	{"power off", MSG, "00", 0, NULL},
	{"ATR while off", MSG, "04", 0, ATR_HEX},
	{"SELECT after power off", MSG, "00A4040009A0000003080000100000", 0, "SW:9000"},
	{"PIN state gone after power off", MSG, "00200080", 0, "63C3"},
	{"VERIFY PIN again", MSG, "0020008008313233343536FFFF", 0, "9000"},
	{"reset", MSG, "02", 0, NULL},
	{"SELECT after reset", MSG, "00A4040009A0000003080000100000", 0, "SW:9000"},
	{"PIN state gone after reset", MSG, "00200080", 0, "63C3"},
	{"empty message (ignored)", RAW, "0000", 0, NULL},
	{"in step after it", MSG, "04", 0, ATR_HEX},
	{"unknown control (ignored)", MSG, "03", 0, NULL},
	{"unknown control FF (ignored)", MSG, "FF", 0, NULL},
	{"in step after them", MSG, "04", 0, ATR_HEX},
	{"2-byte APDU", MSG, "00A4", 0, "ANY"},
	{"3-byte APDU", MSG, "00A404", 0, "ANY"},
	{"unknown INS", MSG, "00EE0000", 0, "6D00"},
	{"bad CLA", MSG, "B0A40400", 0, "6E00"},
	{"longest accepted message", BIG, NULL, VPCD_MSG_MAX, "ANY"},
	{"one byte too long", BIG, NULL, VPCD_MSG_MAX + 1, "6700"},
	{"65535 bytes", BIG, NULL, 65535, "6700"},
	{"in step after them", MSG, "04", 0, ATR_HEX},
	{"truncated, then closed", BIGHDR, "00A4", 16, NULL},
};

static int peer_step(int fd, const struct step *s)
{
	static uint8_t buf[70000], want[600];
	size_t n = 0, wl;
	long got;

	switch (s->kind) {
	case MSG:
		n = unhex(s->hex, buf + 2, sizeof(buf) - 2);
		buf[0] = (uint8_t)(n >> 8), buf[1] = (uint8_t)n;
		n += 2;
		break;
	case RAW:
		n = unhex(s->hex, buf, sizeof(buf));
		break;
	case BIG:
		memset(buf, 0, s->size + 2);
		buf[0] = (uint8_t)(s->size >> 8), buf[1] = (uint8_t)s->size;
		n = s->size + 2;
		break;
	case BIGHDR:
		buf[0] = (uint8_t)(s->size >> 8), buf[1] = (uint8_t)s->size;
		n = 2 + unhex(s->hex, buf + 2, sizeof(buf) - 2);
		break;
	}
	if (write_all(fd, buf, n))
		return -1;
	if (!s->want)
		return 0;
	got = read_frame(fd, buf, sizeof(buf));
	if (got < 2)
		return -1;
	if (!strcmp(s->want, "ANY"))
		return 0;
	if (!strncmp(s->want, "SW:", 3)) {
		wl = unhex(s->want + 3, want, sizeof(want));
		return wl == 2 && !memcmp(buf + got - 2, want, 2) ? 0 : -1;
	}
	wl = unhex(s->want, want, sizeof(want));
	return (size_t)got == wl && !memcmp(buf, want, wl) ? 0 : -1;
}

/* A listener on 127.0.0.1, any port. */
static int listen_any(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t l = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(s >= 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 4), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &l), 0);
	*port = ntohs(a.sin_port);
	return s;
}

static int accept_timed(int ls)
{
	struct timeval tv = {20, 0};
	int fd;

	setsockopt(ls, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	fd = accept(ls, NULL, NULL);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	return fd;
}

/* The child: the whole script on one connection. Exit 0, or the 1-based
 * number of the step that failed (100: no connection). */
static void peer_script(int ls)
{
	int fd = accept_timed(ls);
	size_t i;

	if (fd < 0)
		_exit(100);
	for (i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		if (peer_step(fd, &script[i])) {
			fprintf(stderr, "fake vpcd: step %zu (%s) failed\n", i + 1, script[i].name);
			_exit((int)i + 1);
		}
	}
	close(fd);
	_exit(0);
}

static int child_status(pid_t pid)
{
	int st = 0;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 200;
}

/* A guard: no test may hang the suite. */
static void guard_timer(void *arg)
{
	int *fired = arg;

	*fired = 1;
	hal_loop_stop(&fx.hal.loop);
}

static int reads_hooked;

static void count_reads(int handle, void *arg)
{
	(void)handle;
	(void)arg;
	reads_hooked++;
}

static void test_script(void **state)
{
	struct vpcd_config cfg = {0};
	struct vpcd_stats st;
	struct vpcd *v = NULL;
	struct sg_error e;
	uint16_t port;
	int ls = listen_any(&port), fired = 0, gid;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		peer_script(ls);
	close(ls);
	cfg.port = port;
	cfg.once = 1;
	cfg.give_up_ms = 20000;
	cfg.before_read = count_reads;
	sg_error_init(&e);
	assert_int_equal(vpcd_start(&fx.hal, fx.card, &cfg, &v, &e), SG_OK);
	assert_int_equal(hal_loop_add_timer(&fx.hal.loop, 60000, guard_timer, &fired, &gid), HAL_OK);
	assert_int_equal(hal_loop_run(&fx.hal.loop), HAL_OK);
	hal_loop_cancel_timer(&fx.hal.loop, gid);
	assert_false(fired);
	assert_int_equal(child_status(pid), 0);
	assert_int_equal(vpcd_result(v, &e), SG_OK);
	vpcd_get_stats(v, &st);
	assert_int_equal(st.connects, 1);
	/* 8 well-formed, 2 short, bad INS and CLA, the longest accepted */
	assert_int_equal(st.apdus, 13);
	/* empty, 2 unknown controls, 2 oversized */
	assert_int_equal(st.malformed, 5);
	assert_true(reads_hooked > 0);
	vpcd_free(v);
}

/* vpcd is not there at first: the link keeps dialling, then serves two
 * connections in turn (vpcd restarted), until the test stops it. */
struct redial {
	pid_t pid;
	int status;
	int done;
	struct vpcd *v;
};

static void redial_poll(void *arg)
{
	struct redial *r = arg;
	struct vpcd_stats st;
	int id;

	vpcd_get_stats(r->v, &st);
	if (!r->done && waitpid(r->pid, &r->status, WNOHANG) == r->pid)
		r->done = 1;
	if (r->done && st.connects >= 2) {
		hal_loop_stop(&fx.hal.loop);
		return;
	}
	hal_loop_add_timer(&fx.hal.loop, 20, redial_poll, r, &id);
}

static void test_redial(void **state)
{
	struct vpcd_config cfg = {0};
	struct redial r = {0};
	struct sg_error e;
	uint16_t port;
	int ls = listen_any(&port), fired = 0, gid, id;

	(void)state;
	close(ls); /* nobody listens on port yet */
	r.pid = fork();
	assert_true(r.pid >= 0);
	if (r.pid == 0) {
		struct timespec ts = {0, 300 * 1000 * 1000};
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
		int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

		nanosleep(&ts, NULL);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4))
			_exit(100);
		for (int round = 0; round < 2; round++) {
			int fd = accept_timed(s);

			if (fd < 0 || peer_step(fd, &script[0]))
				_exit(101 + round);
			close(fd);
		}
		_exit(0);
	}
	cfg.port = port;
	cfg.retry_min_ms = 20;
	cfg.retry_max_ms = 80;
	sg_error_init(&e);
	assert_int_equal(vpcd_start(&fx.hal, fx.card, &cfg, &r.v, &e), SG_OK);
	assert_int_equal(hal_loop_add_timer(&fx.hal.loop, 20, redial_poll, &r, &id), HAL_OK);
	assert_int_equal(hal_loop_add_timer(&fx.hal.loop, 60000, guard_timer, &fired, &gid), HAL_OK);
	assert_int_equal(hal_loop_run(&fx.hal.loop), HAL_OK);
	hal_loop_cancel_timer(&fx.hal.loop, gid);
	assert_false(fired);
	assert_true(r.done);
	assert_true(WIFEXITED(r.status));
	assert_int_equal(WEXITSTATUS(r.status), 0);
	assert_int_equal(vpcd_result(r.v, &e), SG_OK);
	vpcd_free(r.v);
}

/* --once with nobody listening: gives up with SG_E_NETWORK. */
static void test_give_up(void **state)
{
	struct vpcd_config cfg = {0};
	struct vpcd *v = NULL;
	struct sg_error e;
	uint16_t port;
	int ls = listen_any(&port), fired = 0, gid;

	(void)state;
	close(ls);
	cfg.port = port;
	cfg.once = 1;
	cfg.retry_min_ms = 10;
	cfg.retry_max_ms = 40;
	cfg.give_up_ms = 300;
	sg_error_init(&e);
	assert_int_equal(vpcd_start(&fx.hal, fx.card, &cfg, &v, &e), SG_OK);
	assert_int_equal(hal_loop_add_timer(&fx.hal.loop, 60000, guard_timer, &fired, &gid), HAL_OK);
	assert_int_equal(hal_loop_run(&fx.hal.loop), HAL_OK);
	hal_loop_cancel_timer(&fx.hal.loop, gid);
	assert_false(fired);
	assert_int_equal(vpcd_result(v, &e), SG_E_NETWORK);
	assert_non_null(strstr(e.detail, "no vpcd at 127.0.0.1:"));
	vpcd_free(v);
}

/* vpcd_handle on its own: the answers and the refusals. */
static void test_handle(void **state)
{
	static uint8_t out[VPCD_RESP_MAX + 2];
	static const uint8_t atr[20] = {0x3B, 0x8F, 0x80, 0x01, 0x80, 0xF9, 0xA0,
					0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10,
					0x00, 0x73, 0xC0, 0x21, 0xC0, 0x9E};
	static const uint8_t atr_short[16] = {0x3B, 0x8B, 0x80, 0x01, 0x80, 0xF9, 0xA0, 0x00,
					      0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0xC8};
	static uint8_t big[VPCD_MSG_MAX + 1];
	struct vpcd_stats st = {0};
	uint8_t m;

	(void)state;
	m = VPCD_CTRL_ATR;
	assert_int_equal(vpcd_handle(fx.card, &m, 1, out, sizeof(out), &st, &fx.hal.log), 22);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 20);
	assert_memory_equal(out + 2, atr, 20);
	/* A short-APDU card: the ATR without its capabilities. */
	vcard_set_short_apdus(fx.card, 1);
	assert_int_equal(vpcd_handle(fx.card, &m, 1, out, sizeof(out), NULL, NULL), 18);
	assert_memory_equal(out + 2, atr_short, 16);
	vcard_set_short_apdus(fx.card, 0);
	assert_int_equal(vpcd_handle(fx.card, NULL, 0, out, sizeof(out), &st, NULL), 0);
	assert_int_equal(vpcd_handle(NULL, &m, 1, out, sizeof(out), &st, NULL), 0);
	assert_int_equal(vpcd_handle(fx.card, &m, 1, out, 10, &st, NULL), 0);
	assert_int_equal(vpcd_handle(fx.card, &m, 1, NULL, sizeof(out), &st, NULL), 0);
	assert_int_equal(vpcd_handle(fx.card, big, sizeof(big), out, sizeof(out), NULL, NULL), 4);
	assert_memory_equal(out, "\x00\x02\x67\x00", 4);
	assert_int_equal(st.controls, 1);
	assert_int_equal(st.malformed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handle),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_redial),
		cmocka_unit_test(test_give_up),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
