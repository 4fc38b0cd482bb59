/* itest.c: see itest.h. Built into each integration test program. */
#define _GNU_SOURCE
#include "itest.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
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
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

const char *itest_top(void)
{
	const char *t = getenv("SIGNET_TOP");
	return t ? t : ".";
}

const char *itest_signet(void)
{
	const char *b = getenv("SIGNET_BIN");
	return b ? b : "build/linux-desktop/signet";
}

const char *itest_scratch(void)
{
	static char dir[256];

	if (dir[0])
		return dir;
	const char *s = getenv("SIGNET_SCRATCH");
	if (s) {
		snprintf(dir, sizeof(dir), "%s", s);
	} else {
		snprintf(dir, sizeof(dir), "/tmp/signet-itest.XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	return dir;
}

int itest_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int itest_signet_run(const char *pin, char *out, size_t cap, const char *fmt, ...)
{
	char args[4096], cmd[4200], outfile[300];
	int pfd[2], st;
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "exec %s %s", itest_signet(), args);
	snprintf(outfile, sizeof(outfile), "%s/signet.out", itest_scratch());
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		int o = open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		close(pfd[1]);
		dup2(pfd[0], 3);
		if (pfd[0] != 3)
			close(pfd[0]);
		dup2(o, 1);
		dup2(o, 2);
		close(o);
		/* No terminal: the PIN comes from fd 3 or not at all. */
		setsid();
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[0]);
	if (pin) {
		ssize_t w = write(pfd[1], pin, strlen(pin));
		(void)w;
	}
	close(pfd[1]);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	out[0] = '\0';
	FILE *f = fopen(outfile, "r");
	if (f) {
		size_t n = fread(out, 1, cap - 1, f);
		out[n] = '\0';
		fclose(f);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *itest_mktoken(const char *name, const char *label, const char *pin, const char *specs)
{
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/%s", itest_scratch(), name);
	if (itest_sh("%s/tools/mktoken '%s' '%s' '%s' %s", itest_top(), dir, label, pin, specs))
		return NULL;
	return strdup(dir);
}

long itest_slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	buf[0] = '\0';
	if (!f)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	return (long)n;
}

int itest_read_file(const char *path, char *buf, size_t cap)
{
	return itest_slurp(path, buf, cap) < 0 ? -1 : 0;
}

int itest_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

int itest_sh_out(char *out, size_t cap, const char *fmt, ...)
{
	char cmd[4096], path[700];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/sh.out", itest_scratch());
	rc = itest_sh("cd '%s' && (%s) >'%s' 2>&1", itest_scratch(), cmd, path);
	if (out)
		itest_slurp(path, out, cap);
	return rc;
}

/* A port free now on 127.0.0.1 and not handed out before by this process:
 * a test takes several before it starts its servers, and a kernel may hand
 * the port it just freed to the next bind(0). */
int itest_free_port(void)
{
	static int given[256];
	static size_t n_given;

	for (int tries = 0; tries < 64; tries++) {
		struct sockaddr_in a = {.sin_family = AF_INET};
		socklen_t len = sizeof(a);
		int s = socket(AF_INET, SOCK_STREAM, 0), port = -1, seen = 0;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    getsockname(s, (struct sockaddr *)&a, &len) == 0)
			port = ntohs(a.sin_port);
		if (s >= 0)
			close(s);
		if (port < 0)
			return -1;
		for (size_t i = 0; i < n_given; i++)
			seen |= given[i] == port;
		if (seen)
			continue;
		if (n_given < sizeof(given) / sizeof(given[0]))
			given[n_given++] = port;
		return port;
	}
	return -1;
}

/* port free on every address of this host (what vpcd binds). */
static int port_free_any(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int s = socket(AF_INET, SOCK_STREAM, 0), ok;

	a.sin_addr.s_addr = htonl(INADDR_ANY);
	ok = s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (s >= 0)
		close(s);
	return ok;
}

int itest_vpcd_port_pair(void)
{
	for (int i = 0; i < 50; i++) {
		int p = itest_free_port();

		if (p > 0 && p < 65535 && port_free_any(p) && port_free_any(p + 1))
			return p;
	}
	return -1;
}

int itest_pcscd_namespace(int also)
{
	if (geteuid() != 0) {
		print_message("needs root for a private mount namespace for pcscd\n");
		return -1;
	}
	if (unshare(CLONE_NEWNS | also) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		print_message("unshare/mount: %s\n", strerror(errno));
		return -1;
	}
	/* a new network namespace has lo down */
	if ((also & CLONE_NEWNET) && itest_sh("ip link set lo up") != 0) {
		print_message("ip link set lo up failed\n");
		return -1;
	}
	if ((mkdir("/run/pcscd", 0755) != 0 && errno != EEXIST) ||
	    mount("tmpfs", "/run/pcscd", "tmpfs", 0, "mode=0755") != 0) {
		print_message("tmpfs on /run/pcscd: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int itest_pcscd_start(int vpcd_port)
{
	const char *comm = "/run/pcscd/pcscd.comm";
	struct stat st;
	int pid;

	if (itest_sh("mkdir -p '%s/conf' && printf 'FRIENDLYNAME \"Virtual PCD\"\\n"
		     "DEVICENAME /dev/null:%d\\nLIBPATH "
		     "/usr/lib/pcsc/drivers/serial/libifdvpcd.so\\nCHANNELID %d\\n' "
		     ">'%s/conf/vpcd'",
		     itest_scratch(), vpcd_port, vpcd_port, itest_scratch()))
		return -1;
	/* a socket left by a pcscd stopped before must not count as started */
	unlink(comm);
	pid = itest_spawn_tied("pcscd", "exec pcscd -f -c '%s/conf'", itest_scratch());
	for (int i = 0; i < 400 && stat(comm, &st) != 0; i++)
		itest_nap_ms(50);
	if (stat(comm, &st) != 0) {
		print_message("pcscd did not start (log in %s/pcscd.log)\n", itest_scratch());
		return -1;
	}
	return pid;
}

int itest_vcard_serve(const char *log, const char *card, int vpcd_port, const char *more)
{
	/* a log used before holds earlier connections: wait for one more */
	int n = itest_log_count(log, "connected to vpcd");
	int pid = itest_spawn_tied(log, "exec '%s' vcard serve --name %s --port %d %s", itest_signet(),
				   card, vpcd_port, more);

	if (pid < 0 || itest_wait_count(log, "connected to vpcd", n + 1, 20)) {
		print_message("signet vcard serve did not connect (log in %s/%s.log)\n",
			      itest_scratch(), log);
		return -1;
	}
	return pid;
}

int itest_wait_reader_shows(const char *cmd, const char *text)
{
	static char out[16384];

	for (int i = 0; i < 200; i++) {
		if (itest_sh_out(out, sizeof(out), "%s", cmd) == 0 && strstr(out, text))
			return 0;
		itest_nap_ms(100);
	}
	return -1;
}

int itest_cert_cache_path(const char *state_dir, char *path, size_t cap)
{
	DIR *d = opendir(state_dir);
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d)) && strncmp(de->d_name, "certs-", 6))
		;
	if (de)
		snprintf(path, cap, "%s/%s", state_dir, de->d_name);
	closedir(d);
	return de ? 0 : -1;
}

int itest_forge_cert_cache(const char *path, int slot, const char *cert)
{
	static uint8_t der[8192];
	uint8_t hdr[38];
	FILE *f = fopen(path, "rb");
	long dl = 0;
	int ok;

	if (!f || fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	if (cert && (dl = itest_slurp(cert, (char *)der, sizeof(der))) <= 0)
		return -1;
	hdr[5] = 1; /* one entry */
	f = fopen(path, "wb");
	if (!f)
		return -1;
	/* an entry: slot, present, length (2 bytes, big-endian), DER */
	ok = fwrite(hdr, 1, sizeof(hdr), f) == sizeof(hdr) &&
	     fwrite((const uint8_t[]){(uint8_t)slot, dl != 0, (uint8_t)(dl >> 8), (uint8_t)dl}, 1, 4,
		    f) == 4 &&
	     fwrite(der, 1, (size_t)dl, f) == (size_t)dl;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Every process itest_spawn started and nobody stopped yet: a case that
 * fails (fail_msg, a failed assert) leaves before its own itest_stop or
 * waitpid, so what is still running at exit is stopped here. */
#define ITEST_MAX_SPAWNED 64
static int spawned[ITEST_MAX_SPAWNED];

static void stop_spawned(void)
{
	for (int i = 0; i < ITEST_MAX_SPAWNED; i++)
		/* Only a child of ours that is still running (0): one that
		 * was reaped already (-1) may have had its pid reused. */
		if (spawned[i] > 0 && waitpid(spawned[i], NULL, WNOHANG) == 0)
			itest_stop(spawned[i]);
}

static void remember_spawned(int pid)
{
	static int registered;

	if (!registered) {
		atexit(stop_spawned);
		registered = 1;
	}
	for (int i = 0; i < ITEST_MAX_SPAWNED; i++)
		if (spawned[i] <= 0) {
			spawned[i] = pid;
			return;
		}
}

static int vspawn(int tied, const char *name, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static int vspawn(int tied, const char *name, const char *fmt, va_list ap)
{
	char cmd[4096], log[600];
	pid_t pid;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	snprintf(log, sizeof(log), "%s/%s.log", itest_scratch(), name);
	pid = fork();
	if (pid == 0) {
		int o = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		/* atexit does not run when this program is killed: a tied
		 * child (pcscd in a test's own namespace) goes with it anyway. */
		if (tied)
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(o, 1);
		dup2(o, 2);
		close(o);
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		remember_spawned((int)pid);
	return (int)pid;
}

int itest_spawn(const char *name, const char *fmt, ...)
{
	va_list ap;
	int pid;

	va_start(ap, fmt);
	pid = vspawn(0, name, fmt, ap);
	va_end(ap);
	return pid;
}

int itest_spawn_tied(const char *name, const char *fmt, ...)
{
	va_list ap;
	int pid;

	va_start(ap, fmt);
	pid = vspawn(1, name, fmt, ap);
	va_end(ap);
	return pid;
}

void itest_nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

int itest_wait_port(int port)
{
	for (int i = 0; i < 200; i++) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
		int s = socket(AF_INET, SOCK_STREAM, 0);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		int ok = s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
		if (s >= 0)
			close(s);
		if (ok)
			return 0;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return -1;
}

void itest_stop(int pid)
{
	if (pid <= 0)
		return;
	for (int i = 0; i < ITEST_MAX_SPAWNED; i++)
		if (spawned[i] == pid)
			spawned[i] = 0;
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int itest_log_count(const char *name, const char *text)
{
	char path[700], line[4096];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.log", itest_scratch(), name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, text) != NULL;
	fclose(f);
	return n;
}

int itest_log_has(const char *name, const char *text)
{
	return itest_log_count(name, text) > 0;
}

int itest_wait_count(const char *name, const char *text, int n, int seconds)
{
	for (int i = 0; i < seconds * 10; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};

		if (itest_log_count(name, text) >= n)
			return 0;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "waited %d s for %d x '%s' in %s.log\n", seconds, n, text, name);
	return -1;
}

int itest_state_json(int port, char *out, size_t cap)
{
	char path[700];

	if (itest_sh("coap-client-gnutls -m get -B 5 coap://127.0.0.1:%d/state > '%s/state.json' "
		     "2>&1",
		     port, itest_scratch()))
		return -1;
	snprintf(path, sizeof(path), "%s/state.json", itest_scratch());
	if (itest_read_file(path, out, cap))
		return -1;
	fprintf(stderr, "state: %s\n", out);
	return 0;
}

int itest_wait_log(const char *name, const char *text)
{
	char path[600], buf[8192];

	snprintf(path, sizeof(path), "%s/%s.log", itest_scratch(), name);
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = '\0';
		if (strstr(buf, text))
			return 0;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return -1;
}

static char run_out[16384];

int itest_run(const char *pin, int want, const char *fmt, ...)
{
	char args[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	rc = itest_signet_run(pin, run_out, sizeof(run_out), "%s", args);
	if (rc != want)
		fail_msg("signet %s: exit %d, wanted %d; output:\n%s", args, rc, want, run_out);
	return rc;
}

void itest_expect_out(const char *text)
{
	if (!strstr(run_out, text))
		fail_msg("output lacks \"%s\":\n%s", text, run_out);
}
