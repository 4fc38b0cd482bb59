/*
 * itest.h: helpers for integration tests: scratch directories, running
 * tools and the signet binary (with a PIN on a pipe, never in argv),
 * reading files.
 */
#ifndef ITEST_H
#define ITEST_H

#include <stddef.h>

/* The repository root and the built signet ($SIGNET_TOP, $SIGNET_BIN). */
const char *itest_top(void);
const char *itest_signet(void);
/* A scratch directory for this test program ($SIGNET_SCRATCH or mkdtemp). */
const char *itest_scratch(void);

/* Runs a shell command; returns its exit status (or -1). */
int itest_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs `signet ARGS` with the PIN (when not NULL) written to a pipe that
 * the child sees as fd 3, and stdout and stderr captured into out
 * (NUL-terminated, cut at cap). Returns the exit code. */
int itest_signet_run(const char *pin, char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* itest_signet_run into a buffer of its own; the exit code must be want
 * (else the test fails, showing the command and its output). */
int itest_run(const char *pin, int want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The last itest_run's output must contain text. */
void itest_expect_out(const char *text);

/* Makes a SoftHSM2 token with tools/mktoken in scratch/name; returns the
 * directory (static storage per call site is the caller's business: the
 * string is strdup'ed). */
char *itest_mktoken(const char *name, const char *label, const char *pin, const char *specs);

/* The whole of path (at most cap - 1 bytes) into buf, NUL-terminated;
 * -1 (buf "") when it cannot be opened. */
int itest_read_file(const char *path, char *buf, size_t cap);
/* The same, returning the bytes read (binary files too), or -1. */
long itest_slurp(const char *path, char *buf, size_t cap);

/* Writes text to path (created or truncated); 0, or -1. */
int itest_write_file(const char *path, const char *text);

/* Runs a shell command in the scratch directory, its stdout and stderr
 * into out (when not NULL; NUL-terminated, cut at cap); its exit status
 * (or -1). */
int itest_sh_out(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A free TCP port on 127.0.0.1 (bound, read, released: good enough for a
 * test that starts its server right after). */
int itest_free_port(void);

/* A port P such that P and P + 1 are free on every address: vsmartcard's
 * vpcd listens on both (reader.conf DEVICENAME /dev/null:P); -1 when none
 * was found. */
int itest_vpcd_port_pair(void);

/* Starts `sh -c "exec CMD"` in the background (output to
 * scratch/<name>.log); returns its pid. */
int itest_spawn(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* itest_spawn for a child that must die with this program even when it is
 * killed (PR_SET_PDEATHSIG: no atexit runs then), as a pcscd in the
 * test's own mount namespace must. */
int itest_spawn_tied(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Moves this program into a mount namespace of its own (and the ones in
 * also, CLONE_* flags: CLONE_NEWNET brings lo up) with a tmpfs on
 * /run/pcscd, pcscd's fixed socket path: its pcscd is seen by its children
 * only. Needs root (or CAP_SYS_ADMIN): -1 (said why) without it. */
int itest_pcscd_namespace(int also);

/* Starts pcscd (tied) with vsmartcard's vpcd on vpcd_port (and the next
 * port) in scratch/conf, and waits up to 20 s for its socket: its pid, or
 * -1 (said). Inside itest_pcscd_namespace only. */
int itest_pcscd_start(int vpcd_port);

/* Serves the virtual card `card` to vpcd_port (`signet vcard serve`,
 * tied, more: further flags) logging to scratch/<log>.log, and waits up to
 * 20 s until it connected to vpcd: its pid, or -1 (said). */
int itest_vcard_serve(const char *log, const char *card, int vpcd_port, const char *more);

/* pcscd polls its readers: runs cmd (opensc-tool ...) until its output
 * holds text, for up to 20 s; 0, or -1 when it never did. */
int itest_wait_reader_shows(const char *cmd, const char *text);

/* The certificate cache file of a card (certs-*, format 1 of auth/token/certcache.h)
 * in state_dir, the first one found: its path into path; 0, or -1 when
 * there is none. */
int itest_cert_cache_path(const char *state_dir, char *path, size_t cap);

/* Rewrites the cache file at path with its header (the card it is for)
 * kept and one entry: slot (0x9A, 0x9C, ...) holding the DER certificate
 * in file cert, or empty when cert is NULL; 0, or -1. What a card with
 * this card's CHUID but another key would meet. */
int itest_forge_cert_cache(const char *path, int slot, const char *cert);

/* Sleeps ms milliseconds (between the polls of a bounded wait). */
void itest_nap_ms(long ms);

/* Waits up to 20 s until 127.0.0.1:port accepts a connection. */
int itest_wait_port(int port);

/* Lines of scratch/<name>.log (a process started by itest_spawn) that
 * contain text; 0 when there is no such log. */
int itest_log_count(const char *name, const char *text);

/* itest_log_count(name, text) > 0. */
int itest_log_has(const char *name, const char *text);

/* Waits up to seconds for the n-th such line: 0, or -1 (said) when it did
 * not come. */
int itest_wait_count(const char *name, const char *text, int n, int seconds);

/* GETs `signet run`'s state resource (coap://127.0.0.1:port/state, see
 * doc/enrolment.md) into out (printed); 0, or -1 when coap-client failed. */
int itest_state_json(int port, char *out, size_t cap);

/* Waits up to 20 s until scratch/<name>.log contains text (for servers
 * that a bare connect would upset, like `openssl ocsp`). */
int itest_wait_log(const char *name, const char *text);

/* Stops a spawned process (SIGTERM, then SIGKILL) and reaps it. */
void itest_stop(int pid);

#endif
