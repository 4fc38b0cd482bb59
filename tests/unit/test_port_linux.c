/*
 * test_port_linux.c: the Linux port against the real thing: files in a
 * temporary directory, sockets on loopback, SoftHSM2 for dlopen, and a
 * pseudo-terminal standing in for the user's terminal.
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
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hal.h"
#include "port_linux.h"

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"

struct fx {
	char dir[64];
	char state[96];
	struct hal hal;
};

static int fx_setup(void **state)
{
	static struct fx fx;
	struct port_linux_opts o;

	memset(&fx, 0, sizeof(fx));
	strcpy(fx.dir, "/tmp/signet-port-XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	/* A directory the port must create itself. */
	snprintf(fx.state, sizeof(fx.state), "%s/sub/state", fx.dir);
	memset(&o, 0, sizeof(o));
	o.storage_dir = fx.state;
	o.tty_path = "/nonexistent/tty";
	o.log_ident = "test";
	if (port_linux_init(&fx.hal, &o) != HAL_OK)
		return -1;
	*state = &fx;
	return 0;
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	const struct dirent *e;
	char sub[512];

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	port_linux_fini(&fx->hal);
	rm_tree(fx->dir);
	return 0;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	const struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* ---- paths given, environment ignored, device key read only ---------- */

/* What pam_signet does: both paths given and devkey_no_create. The
 * environment names other places; nothing is made there, and a missing
 * key is HAL_ENOENT, never created. */
static void test_explicit_paths_no_create(void **state)
{
	struct fx *fx = *state;
	struct port_linux_opts o;
	struct hal h;
	uint8_t key[HAL_DEVKEY_LEN];
	char env[128], dk[128], st[128];

	snprintf(env, sizeof(env), "%s/env", fx->dir);
	snprintf(dk, sizeof(dk), "%s/keys/device.key", fx->dir);
	snprintf(st, sizeof(st), "%s/state2", fx->dir);
	setenv("SIGNET_DEVICE_KEY", env, 1);
	setenv("SIGNET_STATE_DIR", env, 1);
	setenv("XDG_STATE_HOME", env, 1);
	setenv("XDG_CONFIG_HOME", env, 1);
	memset(&o, 0, sizeof(o));
	o.storage_dir = st;
	o.devkey_path = dk;
	o.devkey_no_create = 1;
	o.tty_path = "/nonexistent/tty";
	o.log_ident = "test";
	assert_int_equal(port_linux_init(&h, &o), HAL_OK);
	assert_non_null(h.devkey.ops);
	assert_int_equal(hal_devkey_get(&h.devkey, key), HAL_ENOENT);
	assert_int_equal(hal_storage_write(&h.storage, "blob", (const uint8_t *)"x", 1), HAL_OK);
	port_linux_fini(&h);
	unsetenv("SIGNET_DEVICE_KEY");
	unsetenv("SIGNET_STATE_DIR");
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(access(env, F_OK), -1);
	assert_int_equal(access(dk, F_OK), -1);
	snprintf(env, sizeof(env), "%s/keys", fx->dir);
	assert_int_equal(access(env, F_OK), -1);
	assert_int_equal(count_entries(st), 1);
}

/* ---- storage --------------------------------------------------------- */

static void test_storage_roundtrip(void **state)
{
	struct fx *fx = *state;
	const struct hal_storage *s = &fx->hal.storage;
	uint8_t buf[16];
	size_t len = sizeof(buf);
	char path[160];
	struct stat st;

	assert_non_null(s->ops);
	assert_null(fx->hal.keypad.ops); /* no terminal there */
	assert_null(fx->hal.display.ops);
	assert_int_equal(hal_storage_read(s, "blob", buf, &len), HAL_ENOENT);
	assert_int_equal(hal_storage_remove(s, "blob"), HAL_ENOENT);
	assert_int_equal(hal_storage_write(s, "blob", (const uint8_t *)"first", 5), HAL_OK);
	assert_int_equal(stat(fx->state, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/blob", fx->state);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(hal_storage_write(s, "blob", (const uint8_t *)"second!", 7), HAL_OK);
	assert_int_equal(hal_storage_read(s, "blob", buf, &len), HAL_OK);
	assert_int_equal(len, 7);
	assert_memory_equal(buf, "second!", 7);
	len = 3;
	assert_int_equal(hal_storage_read(s, "blob", buf, &len), HAL_ENOMEM);
	assert_int_equal(len, 7);
	/* Nothing but the blob itself: no temporary files left behind. */
	assert_int_equal(count_entries(fx->state), 1);
	assert_int_equal(hal_storage_write(s, "empty", NULL, 0), HAL_OK);
	len = sizeof(buf);
	assert_int_equal(hal_storage_read(s, "empty", buf, &len), HAL_OK);
	assert_int_equal(len, 0);
	assert_int_equal(hal_storage_remove(s, "blob"), HAL_OK);
	assert_int_equal(hal_storage_remove(s, "empty"), HAL_OK);
	len = sizeof(buf);
	assert_int_equal(hal_storage_read(s, "blob", buf, &len), HAL_ENOENT);
	assert_int_equal(count_entries(fx->state), 0);
}

static void test_storage_names(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *name;
		int rc;
	} cases[] = {
		{"vcard.state", HAL_OK},
		{"A-b_c.1", HAL_OK},
		{"0123456789012345678901234567890123456789012345678901234567890123", HAL_OK},
		{"01234567890123456789012345678901234567890123456789012345678901234",
		 HAL_EINVAL},
		{"", HAL_EINVAL},
		{".hidden", HAL_EINVAL},
		{"..", HAL_EINVAL},
		{"a/b", HAL_EINVAL},
		{"../escape", HAL_EINVAL},
		{"sp ace", HAL_EINVAL},
		{"nl\n", HAL_EINVAL},
		{"caf\xc3\xa9", HAL_EINVAL},
	};
	uint8_t buf[4];
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *n = cases[i].name;

		assert_int_equal(hal_storage_write(&fx->hal.storage, n, buf, 1), cases[i].rc);
		len = sizeof(buf);
		assert_int_equal(hal_storage_read(&fx->hal.storage, n, buf, &len), cases[i].rc);
		assert_int_equal(hal_storage_remove(&fx->hal.storage, n), cases[i].rc);
	}
	assert_int_equal(count_entries(fx->dir), 1); /* only sub/ */
}

/* The blob lock: exclusive across descriptors and processes, bounded
 * wait, kept across the blob's atomic replacement, dropped when its
 * holder dies, never following a planted symlink or FIFO. */
static void test_storage_lock(void **state)
{
	struct fx *fx = *state;
	const struct hal_storage *s = &fx->hal.storage;
	char path[256];
	struct stat st;
	int h = -1, h2 = -1, p[2], rc;
	pid_t pid;
	char b;

	assert_int_equal(hal_storage_lock(s, "card", 0, &h), HAL_OK);
	assert_true(h >= 0);
	snprintf(path, sizeof(path), "%s/.card.lock", fx->state);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	/* held: another lock waits, then gives up */
	assert_int_equal(hal_storage_lock(s, "card", 50, &h2), HAL_ETIMEDOUT);
	/* other blobs have locks of their own */
	assert_int_equal(hal_storage_lock(s, "card.mgmt", 0, &h2), HAL_OK);
	assert_int_equal(hal_storage_unlock(s, h2), HAL_OK);
	/* replacing the blob keeps the lock where it was */
	assert_int_equal(hal_storage_write(s, "card", (const uint8_t *)"x", 1), HAL_OK);
	assert_int_equal(hal_storage_lock(s, "card", 0, &h2), HAL_ETIMEDOUT);
	/* another process cannot have it either */
	pid = fork();
	if (pid == 0) {
		int hc;

		_exit(hal_storage_lock(s, "card", 50, &hc) == HAL_ETIMEDOUT ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &rc, 0), pid);
	assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	assert_int_equal(hal_storage_unlock(s, h), HAL_OK);
	assert_int_equal(hal_storage_lock(s, "card", 0, &h), HAL_OK);
	assert_int_equal(hal_storage_unlock(s, h), HAL_OK);
	/* a holder killed while holding it lets it go */
	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		int hc;

		if (hal_storage_lock(s, "card", 0, &hc) != HAL_OK)
			_exit(1);
		(void)!write(p[1], "L", 1);
		pause();
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(read(p[0], &b, 1), 1);
	assert_int_equal(hal_storage_lock(s, "card", 50, &h), HAL_ETIMEDOUT);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &rc, 0), pid);
	assert_int_equal(hal_storage_lock(s, "card", 5000, &h), HAL_OK);
	assert_int_equal(hal_storage_unlock(s, h), HAL_OK);
	close(p[0]);
	close(p[1]);
	/* planted: a symlink is not followed, a FIFO does not hang */
	snprintf(path, sizeof(path), "%s/.sym.lock", fx->state);
	assert_int_equal(symlink("/tmp/signet-lock-target-never", path), 0);
	assert_int_equal(hal_storage_lock(s, "sym", 0, &h), HAL_EIO);
	assert_int_equal(lstat("/tmp/signet-lock-target-never", &st), -1);
	snprintf(path, sizeof(path), "%s/.fifo.lock", fx->state);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(hal_storage_lock(s, "fifo", 0, &h), HAL_EIO);
	/* names as for blobs */
	assert_int_equal(hal_storage_lock(s, "../x", 0, &h), HAL_EINVAL);
	assert_int_equal(hal_storage_lock(s, ".hidden", 0, &h), HAL_EINVAL);
	assert_int_equal(hal_storage_lock(s, "card", 0, NULL), HAL_EINVAL);
}

/* ---- rng, clock ------------------------------------------------------ */

static void test_rng(void **state)
{
	struct fx *fx = *state;
	uint8_t a[64], b[64], zero[64] = {0};
	size_t big = 1u << 20;
	uint8_t *p = malloc(big);

	assert_non_null(p);
	assert_int_equal(hal_rng_fill(&fx->hal.rng, a, sizeof(a)), HAL_OK);
	assert_int_equal(hal_rng_fill(&fx->hal.rng, b, sizeof(b)), HAL_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_int_equal(hal_rng_fill(&fx->hal.rng, p, big), HAL_OK);
	assert_memory_not_equal(p + big - 64, zero, 64);
	assert_int_equal(hal_rng_fill(&fx->hal.rng, a, 0), HAL_OK);
	free(p);
}

static void test_clock(void **state)
{
	struct fx *fx = *state;
	const struct timespec ts = {0, 20 * 1000 * 1000};
	uint64_t t0, t1;
	int64_t wall = 0;

	t0 = hal_clock_mono_ms(&fx->hal.clock);
	nanosleep(&ts, NULL);
	t1 = hal_clock_mono_ms(&fx->hal.clock);
	assert_true(t1 >= t0 + 19);
	assert_true(t1 < t0 + 5000);
	/* This machine's clock is set: the wall clock is known and recent. */
	assert_int_equal(hal_clock_wall(&fx->hal.clock, &wall), HAL_OK);
	assert_true(wall >= 1577836800);
	assert_true(wall - (int64_t)time(NULL) <= 1 && (int64_t)time(NULL) - wall <= 1);
}

/* ---- loop ------------------------------------------------------------ */

static struct {
	const struct hal_loop *l;
	char order[8];
	size_t n;
	int victim;
} lp;

static void on_timer(void *arg)
{
	lp.order[lp.n++] = *(const char *)arg;
}

static void on_timer_cancel(void *arg)
{
	on_timer(arg);
	assert_int_equal(hal_loop_cancel_timer(lp.l, lp.victim), HAL_OK);
}

static void test_loop_timers(void **state)
{
	struct fx *fx = *state;
	static const char a = 'a', b = 'b', c = 'c', d = 'd';
	const struct hal_loop *l = &fx->hal.loop;
	uint64_t t0 = hal_clock_mono_ms(&fx->hal.clock);
	int id;

	memset(&lp, 0, sizeof(lp));
	lp.l = l;
	assert_int_equal(hal_loop_add_timer(l, 60, on_timer, (void *)&c, NULL), HAL_OK);
	assert_int_equal(hal_loop_add_timer(l, 20, on_timer_cancel, (void *)&a, NULL), HAL_OK);
	assert_int_equal(hal_loop_add_timer(l, 40, on_timer, (void *)&b, &lp.victim), HAL_OK);
	assert_int_equal(hal_loop_add_timer(l, 30, on_timer, (void *)&d, &id), HAL_OK);
	assert_int_equal(hal_loop_cancel_timer(l, id), HAL_OK);
	assert_int_equal(hal_loop_cancel_timer(l, id), HAL_ENOENT);
	assert_int_equal(hal_loop_run(l), HAL_OK);
	assert_string_equal(lp.order, "ac"); /* b cancelled by a, d before the run */
	assert_true(hal_clock_mono_ms(&fx->hal.clock) >= t0 + 60);
}

static void on_pipe(int handle, int events, void *arg)
{
	const struct hal_loop *l = arg;
	char c;

	assert_true(events & HAL_LOOP_READ);
	assert_int_equal(read(handle, &c, 1), 1);
	lp.order[lp.n++] = c;
	assert_int_equal(hal_loop_watch(l, handle, 0, NULL, NULL), HAL_OK);
}

static void on_write_pipe(void *arg)
{
	assert_int_equal(write(*(const int *)arg, "p", 1), 1);
}

static void test_loop_watch(void **state)
{
	struct fx *fx = *state;
	const struct hal_loop *l = &fx->hal.loop;
	int p[2];

	memset(&lp, 0, sizeof(lp));
	assert_int_equal(pipe(p), 0);
	assert_int_equal(hal_loop_watch(l, p[0], HAL_LOOP_READ, on_pipe, (void *)l), HAL_OK);
	assert_int_equal(hal_loop_add_timer(l, 10, on_write_pipe, &p[1], NULL), HAL_OK);
	/* The watch removes itself, so run() ends when nothing is left. */
	assert_int_equal(hal_loop_run(l), HAL_OK);
	assert_string_equal(lp.order, "p");
	close(p[0]);
	close(p[1]);
}

/* ---- net ------------------------------------------------------------- */

static int listener(int type, uint16_t *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void wait_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	assert_int_equal(poll(&p, 1, 2000), 1);
}

static void test_net_tcp(void **state)
{
	struct fx *fx = *state;
	const struct hal_net *n = &fx->hal.net;
	static const char *hosts[] = {"127.0.0.1", "localhost"};
	uint16_t port;
	int lfd = listener(SOCK_STREAM, &port);
	size_t i;

	for (i = 0; i < 2; i++) {
		uint8_t buf[16];
		size_t got = 0, sent = 0;
		int h = -1, peer;

		assert_int_equal(hal_net_connect(n, HAL_NET_TCP, hosts[i], port, 2000, &h),
				 HAL_OK);
		assert_true(h >= 0);
		peer = accept(lfd, NULL, NULL);
		assert_true(peer >= 0);
		assert_int_equal(hal_net_recv(n, h, buf, sizeof(buf), &got), HAL_EAGAIN);
		assert_int_equal(hal_net_send(n, h, (const uint8_t *)"ping", 4, &sent), HAL_OK);
		assert_int_equal(sent, 4);
		wait_readable(peer);
		assert_int_equal(read(peer, buf, sizeof(buf)), 4);
		assert_memory_equal(buf, "ping", 4);
		assert_int_equal(write(peer, "pong", 4), 4);
		wait_readable(h);
		assert_int_equal(hal_net_recv(n, h, buf, sizeof(buf), &got), HAL_OK);
		assert_int_equal(got, 4);
		assert_memory_equal(buf, "pong", 4);
		close(peer);
		wait_readable(h);
		assert_int_equal(hal_net_recv(n, h, buf, sizeof(buf), &got), HAL_ECLOSED);
		assert_int_equal(hal_net_close(n, h), HAL_OK);
	}
	close(lfd);
}

static void test_net_refused(void **state)
{
	struct fx *fx = *state;
	uint16_t port;
	int h = -1;

	close(listener(SOCK_STREAM, &port)); /* a port nobody listens on */
	assert_int_equal(hal_net_connect(&fx->hal.net, HAL_NET_TCP, "127.0.0.1", port, 2000, &h),
			 HAL_EREFUSED);
	assert_int_equal(h, -1);
	assert_int_equal(hal_net_connect(&fx->hal.net, HAL_NET_TCP, NULL, port, 2000, &h),
			 HAL_EINVAL);
}

static void test_net_udp(void **state)
{
	struct fx *fx = *state;
	const struct hal_net *n = &fx->hal.net;
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	uint8_t buf[16];
	size_t sent, got;
	uint16_t port;
	int sfd = listener(SOCK_DGRAM, &port), h = -1;

	assert_int_equal(hal_net_connect(n, HAL_NET_UDP, "127.0.0.1", port, 1000, &h), HAL_OK);
	assert_int_equal(hal_net_send(n, h, (const uint8_t *)"REGISTER", 8, &sent), HAL_OK);
	wait_readable(sfd);
	assert_int_equal(recvfrom(sfd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 8);
	assert_int_equal(sendto(sfd, "200", 3, 0, (struct sockaddr *)&from, fl), 3);
	wait_readable(h);
	assert_int_equal(hal_net_recv(n, h, buf, sizeof(buf), &got), HAL_OK);
	assert_int_equal(got, 3);
	assert_memory_equal(buf, "200", 3);
	assert_int_equal(hal_net_close(n, h), HAL_OK);
	close(sfd);
}

/* ---- p11 ------------------------------------------------------------- */

static void test_p11(void **state)
{
	struct fx *fx = *state;
	const struct hal_p11 *p = &fx->hal.p11;
	void *fl = NULL, *dl = NULL;

	if (!p->ops) { /* a board built without module loading (FEATURE_P11=0) */
		assert_int_equal(hal_p11_load(p, "/nonexistent/module.so", &fl, &dl), HAL_ENOTSUP);
		skip();
		return;
	}
	assert_int_equal(hal_p11_load(p, "/nonexistent/module.so", &fl, &dl), HAL_ENOENT);
	assert_null(fl);
	assert_non_null(strstr(hal_p11_error(p), "/nonexistent/module.so"));
	assert_int_equal(hal_p11_load(p, "libm.so.6", &fl, &dl), HAL_ENOENT);
	assert_string_equal(hal_p11_error(p), "no C_GetFunctionList");
	/* Under qemu (a board's tests) the host's SoftHSM2 is of the wrong
	 * architecture. */
	if (access(SOFTHSM, R_OK) != 0 || getenv("SIGNET_EMULATED")) {
		skip();
		return;
	}
	assert_int_equal(hal_p11_load(p, SOFTHSM, &fl, &dl), HAL_OK);
	assert_non_null(fl);
	assert_non_null(dl);
	assert_string_equal(hal_p11_error(p), "");
	hal_p11_unload(p, dl);
}

/* ---- card (pcscd may or may not run here) ---------------------------- */

static void test_card_list(void **state)
{
	struct fx *fx = *state;
	struct hal_reader r[HAL_CARD_MAX_READERS];
	size_t n = 99;
	int rc;

	if (!fx->hal.card.ops) { /* a board without a reader (FEATURE_PCSC=0) */
		assert_int_equal(hal_card_list(&fx->hal.card, r, HAL_CARD_MAX_READERS, &n),
				 HAL_ENOTSUP);
		skip();
		return;
	}
	rc = hal_card_list(&fx->hal.card, r, HAL_CARD_MAX_READERS, &n);

	assert_true(rc == HAL_OK || rc == HAL_ENOENT);
	if (rc == HAL_ENOENT)
		assert_int_equal(n, 0);
	assert_int_equal(hal_card_transmit(&fx->hal.card, (const uint8_t *)"", 0, NULL, NULL),
			 HAL_EREMOVED); /* not connected */
}

/* ---- terminal keypad and display --------------------------------------- */

struct tty_fx {
	int master;
	struct hal hal;
};

static int tty_setup(void **state)
{
	static struct tty_fx t;
	struct port_linux_opts o;

	memset(&t, 0, sizeof(t));
	t.master = posix_openpt(O_RDWR | O_NOCTTY);
	if (t.master < 0 || grantpt(t.master) || unlockpt(t.master))
		return -1;
	memset(&o, 0, sizeof(o));
	o.tty_path = ptsname(t.master);
	o.storage_dir = "/nonexistent/never-written";
	if (port_linux_init(&t.hal, &o) != HAL_OK || !t.hal.keypad.ops)
		return -1;
	*state = &t;
	return 0;
}

static int tty_teardown(void **state)
{
	struct tty_fx *t = *state;

	port_linux_fini(&t->hal);
	if (t->master >= 0)
		close(t->master);
	return 0;
}

static void type(struct tty_fx *t, const char *s)
{
	assert_int_equal(write(t->master, s, strlen(s)), (ssize_t)strlen(s));
}

/* Everything the port wrote to the terminal so far. */
static ssize_t read_all(int master, char *out, size_t cap)
{
	struct pollfd p = {.fd = master, .events = POLLIN};
	size_t len = 0;

	while (len < cap - 1 && poll(&p, 1, 100) == 1) {
		ssize_t n = read(master, out + len, cap - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	return (ssize_t)len;
}

struct key_case {
	const char *typed;
	int rc;
	enum hal_key_kind kind;
	char ch;
};

static void test_tty_keys(void **state)
{
	struct tty_fx *t = *state;
	static const struct key_case cases[] = {
		{"12\x7f" "3\r", HAL_OK, HAL_KEY_CHAR, '1'},
		{"", HAL_OK, HAL_KEY_CHAR, '2'},
		{"", HAL_OK, HAL_KEY_BACKSPACE, 0},
		{"", HAL_OK, HAL_KEY_CHAR, '3'},
		{"", HAL_OK, HAL_KEY_ENTER, 0},
		{"", HAL_ETIMEDOUT, 0, 0},
		{"\x1b[A" "5", HAL_OK, HAL_KEY_CHAR, '5'}, /* arrow swallowed */
		{"\x1b[1;5C\x1b[3~" "6", HAL_OK, HAL_KEY_CHAR, '6'},
		{"\x1bOP", HAL_OK, HAL_KEY_SOFT, '1'},
		{"\x1bOS", HAL_OK, HAL_KEY_SOFT, '4'},
		{"\x1b[12~", HAL_OK, HAL_KEY_SOFT, '2'},
		{"\x1b[[C", HAL_OK, HAL_KEY_SOFT, '3'},
		{"\x1b", HAL_OK, HAL_KEY_CANCEL, 0}, /* Esc alone, after the wait */
		{"\x03", HAL_OK, HAL_KEY_CANCEL, 0},
		{"\x04", HAL_OK, HAL_KEY_CANCEL, 0},
		{"\x15", HAL_OK, HAL_KEY_CLEAR, 0},
		{"\x08", HAL_OK, HAL_KEY_BACKSPACE, 0},
		{"\n", HAL_OK, HAL_KEY_ENTER, 0},
		{"\r\n", HAL_OK, HAL_KEY_ENTER, 0}, /* one Enter */
		{"", HAL_ETIMEDOUT, 0, 0},
		{"\t\x01" "a", HAL_OK, HAL_KEY_CHAR, 'a'}, /* other controls ignored */
	};
	struct termios tio;
	size_t i;

	/* The terminal stays as it was until a prompt needs it raw. */
	assert_int_equal(tcgetattr(t->master, &tio), 0);
	assert_true(tio.c_lflag & ECHO);
	assert_int_equal(hal_display_prompt(&t->hal.display, "PIN"), HAL_OK);
	assert_int_equal(tcgetattr(t->master, &tio), 0);
	assert_false(tio.c_lflag & (ECHO | ICANON | ISIG));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hal_key k = {HAL_KEY_CHAR, 0};
		int rc;

		type(t, cases[i].typed);
		rc = hal_keypad_read(&t->hal.keypad, 200, &k);
		assert_int_equal(rc, cases[i].rc);
		if (rc != HAL_OK)
			continue;
		assert_int_equal(k.kind, cases[i].kind);
		if (k.kind == HAL_KEY_CHAR || k.kind == HAL_KEY_SOFT)
			assert_int_equal(k.ch, cases[i].ch);
	}
}

static void test_tty_display(void **state)
{
	struct tty_fx *t = *state;
	const struct hal_display *d = &t->hal.display;
	struct hal_key k;
	char out[1024];
	ssize_t n;
	size_t i;

	struct termios tio;

	type(t, "99"); /* typed before the prompt: dropped, never read as PIN */
	usleep(50 * 1000);
	(void)read_all(t->master, out, sizeof(out)); /* the cooked terminal's own echo */
	assert_int_equal(hal_display_prompt(d, "Enter PIN"), HAL_OK);
	type(t, "1234\r");
	for (i = 1; i <= 4; i++) {
		assert_int_equal(hal_keypad_read(&t->hal.keypad, 500, &k), HAL_OK);
		assert_int_equal(hal_display_mask(d, i), HAL_OK);
	}
	assert_int_equal(hal_keypad_read(&t->hal.keypad, 500, &k), HAL_OK);
	assert_int_equal(k.kind, HAL_KEY_ENTER);
	assert_int_equal(hal_display_status(d, "wrong PIN\x1b[H"), HAL_OK);
	assert_int_equal(hal_display_done(d), HAL_OK);
	/* The prompt is over: the user's terminal settings are back. */
	assert_int_equal(tcgetattr(t->master, &tio), 0);
	assert_true(tio.c_lflag & ECHO);
	n = read_all(t->master, out, sizeof(out));
	assert_non_null(strstr(out, "Enter PIN: ****"));
	assert_non_null(strstr(out, "wrong PIN?[H")); /* escapes from the core defused */
	for (i = 0; i < (size_t)n; i++)
		assert_false(out[i] >= '0' && out[i] <= '9'); /* never a typed digit */
}

static void test_tty_restore_and_eof(void **state)
{
	struct tty_fx *t = *state;
	struct termios tio;
	struct hal_key k;
	int fd = open(ptsname(t->master), O_RDWR | O_NOCTTY);

	assert_true(fd >= 0);
	port_linux_fini(&t->hal);
	assert_int_equal(tcgetattr(fd, &tio), 0);
	assert_true(tio.c_lflag & ECHO); /* the original settings are back */
	assert_true(tio.c_lflag & ICANON);
	close(fd);
	/* Again, then hang up the terminal: the keypad reports it closed. */
	{
		struct port_linux_opts o;

		memset(&o, 0, sizeof(o));
		o.tty_path = ptsname(t->master);
		o.storage_dir = "/nonexistent/never-written";
		assert_int_equal(port_linux_init(&t->hal, &o), HAL_OK);
	}
	assert_non_null(t->hal.keypad.ops);
	close(t->master);
	t->master = -1;
	assert_int_equal(hal_keypad_read(&t->hal.keypad, 500, &k), HAL_ECLOSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_explicit_paths_no_create, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_storage_roundtrip, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_storage_names, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_storage_lock, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rng, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_clock, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_loop_timers, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_loop_watch, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_net_tcp, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_net_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_net_udp, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_p11, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_card_list, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tty_keys, tty_setup, tty_teardown),
		cmocka_unit_test_setup_teardown(test_tty_display, tty_setup, tty_teardown),
		cmocka_unit_test_setup_teardown(test_tty_restore_and_eof, tty_setup, tty_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
