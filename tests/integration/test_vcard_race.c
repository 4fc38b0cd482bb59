/*
 * test_vcard_race.c: the virtual card's PIN limit against guesses made in
 * parallel, as an attacker with a shell would make them: N `signet sign
 * --card vcard:race --pin-fd 3` processes started together, each with its
 * own pipe. Every process opens the card and then waits for its PIN on the
 * pipe; only when all of them wait (read(2) on the pipe, seen in
 * /proc/PID/wchan) do the PINs go out, so all N hold the card open at
 * once -- the case where a card that counts on a copy read at open lets
 * each process guess as if it were alone (3*N guesses).
 *
 * What each process says tells what the card did with its PIN:
 *   exit 0                        right PIN, compared and accepted
 *   exit 4 "wrong PIN: N tries"   wrong PIN, compared (N left after it)
 *   exit 5 "wrong PIN, and"       wrong PIN, compared, and it blocked the PIN
 *   exit 5 otherwise              refused as blocked, never compared
 * Also: a holder of the card's lock that never lets go makes a change
 * fail after the bounded wait with a clear message, spending nothing; and
 * keys made at once in two slots are both recorded in the management blob.
 *
 * All state lives in the scratch directory (SIGNET_STATE_DIR,
 * SIGNET_DEVICE_KEY); PINs go on pipes, never in argv.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest.h"

#define PIN "123456"
#define PUK "12345678"
#define BAD "999999"
#define MAXN 16

static char state[512];

struct outcome {
	int rc;
	int compared; /* the card compared this PIN */
	int left;     /* tries left after a wrong compared PIN (0: it blocked) */
	char out[2048];
};

static int group_setup(void **st)
{
	char dk[600];

	(void)st;
	signal(SIGPIPE, SIG_IGN); /* a process refused early closes its pipe */
	snprintf(state, sizeof(state), "%s/state", itest_scratch());
	snprintf(dk, sizeof(dk), "%s/device.key", itest_scratch());
	setenv("SIGNET_STATE_DIR", state, 1);
	setenv("SIGNET_DEVICE_KEY", dk, 1);
	setenv("SIGNET_CONFIG", "/dev/null", 1);
	return itest_sh("printf '%s\\n%s\\n' | '%s/tools/vcard-mkcard' race '%s' >'%s/mkcard.log' "
			"2>&1",
			PIN, PUK, getenv("SIGNET_BUILD") ? getenv("SIGNET_BUILD")
							 : "build/linux-desktop",
			itest_scratch(), itest_scratch());
}

/* 1 when pid waits in read(2) on a pipe or has exited already. */
static int waiting_or_gone(pid_t pid)
{
	char path[64], buf[128] = "";
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	n = fread(buf, 1, sizeof(buf) - 1, f) > 0;
	fclose(f);
	if (n && strstr(buf, ") Z "))
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	n = (int)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, "pipe_read") != NULL; /* pipe_read, anon_pipe_read */
}

/* Reads what the card did with the PIN from a process's exit and words. */
static void classify(struct outcome *o)
{
	const char *w = strstr(o->out, "wrong PIN: ");

	o->compared = 0;
	o->left = -1;
	if (o->rc == 0) {
		o->compared = 1;
	} else if (o->rc == 4 && w) {
		o->compared = 1;
		o->left = atoi(w + strlen("wrong PIN: "));
	} else if (o->rc == 5 && strstr(o->out, "wrong PIN, and")) {
		o->compared = 1;
		o->left = 0;
	} else if (o->rc != 5) {
		fail_msg("unexpected exit %d: %s", o->rc, o->out);
	}
}

/* Starts one `signet sign` per PIN, all waiting for their PIN on a pipe,
 * then gives every one its PIN and collects what each said. */
static void race(const char *const pins[], int n, struct outcome *res)
{
	pid_t pid[MAXN];
	int wfd[MAXN], all = 0;
	char cmd[1024];

	assert_true(n <= MAXN);
	snprintf(cmd, sizeof(cmd),
		 "exec '%s' sign --verify --card vcard:race --token 'pkcs11:id=%%9a' --pin-fd 3",
		 itest_signet());
	for (int i = 0; i < n; i++) {
		char path[600];
		int p[2];

		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		snprintf(path, sizeof(path), "%s/race-%d.out", itest_scratch(), i);
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			int o = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

			if (o < 0 || dup2(o, 1) < 0 || dup2(o, 2) < 0)
				_exit(126);
			if (p[0] == 3)
				fcntl(3, F_SETFD, 0);
			else if (dup2(p[0], 3) < 0)
				_exit(126);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		close(p[0]);
		wfd[i] = p[1];
	}
	/* The barrier: every process has the card open and waits for its PIN
	 * (bounded: without it the assertions below hold all the same). */
	for (int t = 0; t < 1000 && !all; t++) {
		all = 1;
		for (int i = 0; i < n && all; i++)
			all = waiting_or_gone(pid[i]);
		if (!all)
			itest_nap_ms(20);
	}
	if (!all)
		print_message("note: not all %d processes were waiting at once\n", n);
	for (int i = 0; i < n; i++) {
		char line[32];
		int l = snprintf(line, sizeof(line), "%s\n", pins[i]);

		(void)!write(wfd[i], line, (size_t)l);
		close(wfd[i]);
	}
	for (int i = 0; i < n; i++) {
		char path[600];
		int st = 0;
		FILE *f;
		size_t got;

		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		res[i].rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		snprintf(path, sizeof(path), "%s/race-%d.out", itest_scratch(), i);
		f = fopen(path, "r");
		assert_non_null(f);
		got = fread(res[i].out, 1, sizeof(res[i].out) - 1, f);
		res[i].out[got] = '\0';
		fclose(f);
		classify(&res[i]);
		print_message("  %s -> exit %d%s%s", !strcmp(pins[i], PIN) ? "right" : "wrong",
			      res[i].rc, res[i].compared ? ", compared" : ", not compared",
			      res[i].left >= 0 ? "" : "\n");
		if (res[i].left >= 0)
			print_message(", %d left\n", res[i].left);
	}
}

/* Counts wrong PINs the card compared, and those that left `left`. */
static int wrong_compared(const char *const pins[], const struct outcome *r, int n, int left)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += strcmp(pins[i], PIN) && r[i].compared && (left < 0 || r[i].left == left);
	return c;
}

static void expect_tries_left(int left)
{
	char want[64];

	itest_run(NULL, 0, "vcard status --name race");
	snprintf(want, sizeof(want), "PIN: %d of 3 tries left", left);
	itest_expect_out(want);
}

/* Back to 3 of 3 with the right PIN set (the PUK unblocks a blocked PIN). */
static void restore(void)
{
	itest_run(PUK "\n" PIN "\n", 0, "vcard unblock --name race --pin-fd 3");
	expect_tries_left(3);
}

/* Two wrong PINs at once cost two tries. */
static void test_two_wrong_at_once(void **st)
{
	static const char *const pins[] = {BAD, BAD};
	struct outcome r[2];

	(void)st;
	race(pins, 2, r);
	assert_int_equal(wrong_compared(pins, r, 2, -1), 2);
	assert_int_equal(wrong_compared(pins, r, 2, 2), 1);
	assert_int_equal(wrong_compared(pins, r, 2, 1), 1);
	expect_tries_left(1);
	restore();
}

/* Six wrong PINs at once: three are compared, the third blocks the PIN,
 * three are refused unseen; then even the right PIN is refused (exit 5). */
static void test_six_wrong_at_once(void **st)
{
	static const char *const pins[] = {BAD, BAD, BAD, BAD, BAD, BAD};
	struct outcome r[6];

	(void)st;
	race(pins, 6, r);
	assert_int_equal(wrong_compared(pins, r, 6, -1), 3);
	assert_int_equal(wrong_compared(pins, r, 6, 2), 1);
	assert_int_equal(wrong_compared(pins, r, 6, 1), 1);
	assert_int_equal(wrong_compared(pins, r, 6, 0), 1);
	for (int i = 0; i < 6; i++)
		assert_int_equal(r[i].rc, r[i].compared && r[i].left > 0 ? 4 : 5);
	expect_tries_left(0);
	itest_run(PIN "\n", 5, "sign --verify --card vcard:race --token 'pkcs11:id=%%9a' --pin-fd 3");
	restore();
}

/* Nine wrong and the right one at once. The right one resets the counter
 * if it comes before the third wrong one; either way no more than three
 * wrong PINs are compared without a right one between, every compared
 * wrong PIN costs a try, and the card ends blocked. */
static void test_nine_wrong_one_right(void **st)
{
	static const char *const pins[] = {BAD, BAD, BAD, BAD, PIN, BAD, BAD, BAD, BAD, BAD};
	struct outcome r[10];
	int w, right = 4;

	(void)st;
	race(pins, 10, r);
	w = wrong_compared(pins, r, 10, -1);
	/* exactly one wrong PIN blocked it; the rest were refused unseen */
	assert_int_equal(wrong_compared(pins, r, 10, 0), 1);
	if (r[right].rc == 0) {
		/* before it: at most two wrong (the third would have blocked);
		 * after it: three, the counter back at 3 */
		assert_in_range(w, 3, 5);
		assert_int_equal(wrong_compared(pins, r, 10, 2), 1 + (w >= 4));
		assert_int_equal(wrong_compared(pins, r, 10, 1), 1 + (w >= 5));
	} else {
		assert_int_equal(r[right].rc, 5);
		assert_false(r[right].compared);
		assert_int_equal(w, 3);
		assert_int_equal(wrong_compared(pins, r, 10, 2), 1);
		assert_int_equal(wrong_compared(pins, r, 10, 1), 1);
	}
	expect_tries_left(0);
	restore();
}

/* A process that holds the card's lock and never lets it go (here
 * flock(1), as a stuck signet would): a sign-in gives up after the
 * bounded wait, says why, spends no try; once the holder is gone all
 * works. */
static void test_stuck_lock_holder(void **st)
{
	char lock[600], marker[600];
	int holder;

	(void)st;
	snprintf(lock, sizeof(lock), "%s/.vcard-race.lock", state);
	snprintf(marker, sizeof(marker), "%s/held", itest_scratch());
	/* The lock on fd 9 of a shell that then becomes `sleep`: stopping
	 * that one process lets the lock go. */
	holder = itest_spawn("holder", "sh -c 'exec 9>>\"%s\" && flock -x 9 && touch \"%s\" && "
			     "exec sleep 120'", lock, marker);
	for (int i = 0; i < 400 && access(marker, F_OK) != 0; i++)
		itest_nap_ms(50);
	assert_int_equal(access(marker, F_OK), 0);
	itest_run(BAD "\n", 1, "sign --verify --card vcard:race --token 'pkcs11:id=%%9a' --pin-fd 3");
	itest_expect_out("another process has held its lock for more than 10 s");
	itest_expect_out("nothing changed");
	itest_stop(holder);
	expect_tries_left(3);
	itest_run(PIN "\n", 0, "sign --verify --card vcard:race --token 'pkcs11:id=%%9a' --pin-fd 3");
}

/* Keys made at once in 9D and 9E by two processes: each records its
 * public key in the card's management blob (what import-cert checks a
 * certificate against and status reports). A read-modify-write without
 * the blob's lock lets the later writer drop the other's record. */
static void test_keys_made_at_once_are_both_recorded(void **st)
{
	char out[4096];

	(void)st;
	/* A fresh card each round: its blob starts with no record, so a
	 * record lost in any round shows. */
	for (int round = 0; round < 4; round++) {
		int a, b, sa, sb;

		itest_run(PIN "\n" PUK "\n", 0, "vcard init --name gk%d --pin-fd 3", round);
		a = itest_spawn("genkey-9d", "exec '%s' vcard gen-key --name gk%d --slot 9d --alg p256",
				itest_signet(), round);
		b = itest_spawn("genkey-9e", "exec '%s' vcard gen-key --name gk%d --slot 9e --alg p256",
				itest_signet(), round);
		assert_int_equal(waitpid(a, &sa, 0), a);
		assert_int_equal(waitpid(b, &sb, 0), b);
		assert_true(WIFEXITED(sa) && WEXITSTATUS(sa) == 0);
		assert_true(WIFEXITED(sb) && WEXITSTATUS(sb) == 0);
		assert_int_equal(
			itest_signet_run(NULL, out, sizeof(out), "vcard status --name gk%d", round), 0);
		assert_non_null(strstr(out, "slot 9d (Key Management): key present"));
		assert_non_null(strstr(out, "slot 9e (Card Authentication): key present"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_wrong_at_once),
		cmocka_unit_test(test_six_wrong_at_once),
		cmocka_unit_test(test_nine_wrong_one_right),
		cmocka_unit_test(test_stuck_lock_holder),
		cmocka_unit_test(test_keys_made_at_once_are_both_recorded),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
