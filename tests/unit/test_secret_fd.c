/* test_secret_fd.c: the one reader of secrets from a descriptor
 * (firmware/signin/secret_fd.c): one line per call with the rest left in
 * the pipe, the line end stripped, an over-long line refused at its bound,
 * end of input and read errors told apart and naming the fd, EINTR
 * retried, the caller's buffer wiped on every error. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "secret_fd.h"

struct fx {
	int p[2];
};

static int fx_setup(void **state)
{
	static struct fx fx;

	if (pipe(fx.p))
		return -1;
	*state = &fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	close(fx->p[0]);
	if (fx->p[1] >= 0)
		close(fx->p[1]);
	return 0;
}

static void put(struct fx *fx, const char *s)
{
	assert_int_equal(write(fx->p[1], s, strlen(s)), (ssize_t)strlen(s));
}

static void eof(struct fx *fx)
{
	close(fx->p[1]);
	fx->p[1] = -1;
}

/* What is still in the pipe (after closing its write end). */
static void rest_is(struct fx *fx, const char *want)
{
	char b[64];
	ssize_t n;

	eof(fx);
	n = read(fx->p[0], b, sizeof(b));
	assert_true(n >= 0);
	assert_int_equal((size_t)n, strlen(want));
	assert_memory_equal(b, want, (size_t)n);
}

static int all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void test_one_line_per_call(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[16];
	size_t len;
	struct sg_error e;

	sg_error_init(&e);
	put(fx, "1234\n56\r\n\na\rb\n");
	assert_int_equal(secret_fd_line(fx->p[0], NULL, buf, sizeof(buf), &len, &e), SG_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "1234", 4);
	assert_int_equal(secret_fd_line(fx->p[0], NULL, buf, sizeof(buf), &len, &e), SG_OK);
	assert_int_equal(len, 2); /* "\r\n" is the line end */
	assert_memory_equal(buf, "56", 2);
	assert_int_equal(secret_fd_line(fx->p[0], NULL, buf, sizeof(buf), &len, &e), SG_OK);
	assert_int_equal(len, 0); /* an empty line */
	assert_int_equal(secret_fd_line(fx->p[0], NULL, buf, sizeof(buf), &len, &e), SG_OK);
	assert_int_equal(len, 3); /* a "\r" inside the line stays */
	assert_memory_equal(buf, "a\rb", 3);
	/* The last line may lack its "\n"; then the end of the input. */
	put(fx, "99");
	eof(fx);
	assert_int_equal(secret_fd_line(fx->p[0], NULL, buf, sizeof(buf), &len, &e), SG_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(buf, "99", 2);
	assert_int_equal(secret_fd_line(fx->p[0], NULL, buf, sizeof(buf), &len, &e),
			 SG_E_PIN_CANCELLED);
	assert_int_equal(len, 0);
	assert_non_null(strstr(e.detail, "no more lines on fd"));
}

static void test_rest_stays_in_the_pipe(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[16];
	size_t len;

	put(fx, "111111\n222222\n");
	assert_int_equal(secret_fd_line(fx->p[0], NULL, buf, sizeof(buf), &len, NULL), SG_OK);
	assert_int_equal(len, 6);
	rest_is(fx, "222222\n");
}

static void test_too_long_refused_at_the_bound(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[4];
	size_t len = 99;
	struct sg_error e;

	sg_error_init(&e);
	put(fx, "123456789\n");
	assert_int_equal(secret_fd_line(fx->p[0], NULL, buf, sizeof(buf), &len, &e),
			 SG_E_PIN_FORMAT);
	assert_int_equal(len, 0);
	assert_true(all_zero(buf, sizeof(buf))); /* wiped */
	assert_null(strstr(e.detail, "1234"));   /* never the secret */
	assert_non_null(strstr(e.detail, "longer than 4 bytes"));
	/* cap + 1 bytes read, not one more. */
	rest_is(fx, "6789\n");
}

static void test_exact_length_with_crlf(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[4];
	size_t len;

	put(fx, "1234\r\n5678\n");
	assert_int_equal(secret_fd_line(fx->p[0], NULL, buf, sizeof(buf), &len, NULL), SG_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "1234", 4);
	rest_is(fx, "5678\n");
}

static void test_read_error_names_the_fd(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[8];
	size_t len;
	struct sg_error e;
	char want[32];

	sg_error_init(&e);
	memset(buf, 0x55, sizeof(buf));
	/* The write end cannot be read: EBADF. */
	assert_int_equal(secret_fd_line(fx->p[1], "the PIN", buf, sizeof(buf), &len, &e), SG_E_IO);
	snprintf(want, sizeof(want), "cannot read the PIN from fd %d: ", fx->p[1]);
	assert_non_null(strstr(e.detail, want));
	assert_true(all_zero(buf, sizeof(buf)));
	assert_int_equal(secret_fd_line(fx->p[1], NULL, buf, sizeof(buf), &len, &e), SG_E_IO);
	snprintf(want, sizeof(want), "cannot read from fd %d: ", fx->p[1]);
	assert_non_null(strstr(e.detail, want));
}

/* A signal arrives while the reader waits (no SA_RESTART: read fails with
 * EINTR); its handler writes the line the reader then gets. */
static int intr_fd = -1;
static volatile sig_atomic_t intr_seen;

static void on_alarm(int sig)
{
	(void)sig;
	intr_seen = 1;
	(void)!write(intr_fd, "4242\n", 5);
}

static void test_eintr_retried(void **state)
{
	struct fx *fx = *state;
	struct sigaction sa, old;
	struct itimerval it = {{0, 0}, {0, 50000}};
	uint8_t buf[8];
	size_t len;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* sa_flags 0: no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	intr_fd = fx->p[1];
	intr_seen = 0;
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	assert_int_equal(secret_fd_line(fx->p[0], NULL, buf, sizeof(buf), &len, NULL), SG_OK);
	sigaction(SIGALRM, &old, NULL);
	assert_true(intr_seen);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "4242", 4);
}

static void test_pin_lines(void **state)
{
	struct fx *fx = *state;
	struct pin_policy pol;
	struct pin p[2];
	struct sg_error e;

	pin_policy_default(&pol);
	sg_error_init(&e);
	/* A line longer than any PIN: what pin_check says of a long PIN. */
	for (int i = 0; i < PIN_MAX_LEN + 5; i++)
		put(fx, "1");
	put(fx, "\n");
	assert_int_equal(secret_fd_pin(fx->p[0], NULL, &pol, &p[0], &e), SG_E_PIN_FORMAT);
	assert_non_null(strstr(e.detail, "the PIN must have at most"));
	assert_int_equal(p[0].len, 0);
	assert_true(all_zero((const uint8_t *)p[0].v, sizeof(p[0].v)));
	/* Drain the rest of that line. */
	{
		uint8_t junk[PIN_MAX_LEN + 8];
		size_t len;

		assert_int_equal(secret_fd_line(fx->p[0], NULL, junk, sizeof(junk), &len, NULL),
				 SG_OK);
	}
	/* Two lines wanted, one given: the first is wiped again. */
	put(fx, "123456\n");
	eof(fx);
	assert_int_equal(secret_fd_pins(fx->p[0], 2, &pol, &pol, p, &e), SG_E_PIN_FORMAT);
	assert_non_null(strstr(e.detail, "gave 1 line(s); 2 needed"));
	assert_int_equal(p[0].len, 0);
	assert_true(all_zero((const uint8_t *)p[0].v, sizeof(p[0].v)));
}

static void test_pin_lines_ok(void **state)
{
	struct fx *fx = *state;
	struct pin_policy pol, any;
	struct pin p[2];

	pin_policy_default(&pol);
	any = pol;
	any.min_len = 1;
	any.max_len = PIN_MAX_LEN;
	put(fx, "123456\r\n7\n");
	assert_int_equal(secret_fd_pins(fx->p[0], 2, &pol, &any, p, NULL), SG_OK);
	assert_string_equal(p[0].v, "123456");
	assert_int_equal(p[1].len, 1);
	pin_wipe(&p[0]);
	pin_wipe(&p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_line_per_call, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rest_stays_in_the_pipe, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_too_long_refused_at_the_bound, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_exact_length_with_crlf, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_read_error_names_the_fd, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_eintr_retried, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pin_lines, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pin_lines_ok, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests_name("secret_fd", tests, NULL, NULL);
}
