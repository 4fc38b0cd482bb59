/*
 * port_test.h: a simulated device for tests (keys from a script, a display
 * that records what it draws, a clock that moves only when told, blobs in
 * memory, a deterministic loop, injected faults).
 *
 * Nothing here blocks or reads the real clock, so a test runs the same way
 * every time. Strings returned point into the port_test and stay valid
 * until the next call that changes them or port_test_free().
 */
#ifndef PORT_TEST_H
#define PORT_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"

struct port_test;

/* NULL when out of memory. The clocks start at mono 1000 ms and wall
 * PORT_TEST_WALL_DEFAULT; the key delay is 100 ms. */
struct port_test *port_test_new(void);
void port_test_free(struct port_test *pt);
/* Fills keypad, display, clock, rng, storage, log, loop and devkey; card,
 * net and p11 are left unset (HAL_ENOTSUP). */
void port_test_hal(struct port_test *pt, struct hal *hal);

#define PORT_TEST_WALL_DEFAULT INT64_C(1735689600) /* 2025-01-01T00:00:00Z */

/* --- keypad ---------------------------------------------------------- */
/* Appends key events: a char is HAL_KEY_CHAR except '\n' ENTER, '\b'
 * BACKSPACE, '\x15' CLEAR, '\x1b' CANCEL and '~' "no key": that read times
 * out (HAL_ETIMEDOUT, the clock advances by the read's timeout). After the
 * script every read returns HAL_ETIMEDOUT at once (after advancing the
 * clock by its timeout), or HAL_ECLOSED after port_test_keys_eof().
 * A key takes the key delay: a read advances the clock by it; when the
 * delay is longer than the read's timeout the read times out instead and
 * the key stays for the next read (with the rest of its delay). */
void port_test_keys(struct port_test *pt, const char *script);
/* Each key "takes" ms (default 100). */
void port_test_key_delay(struct port_test *pt, uint32_t ms);
/* Reads after the end of the script return HAL_ECLOSED. */
void port_test_keys_eof(struct port_test *pt);
/* Keys of the script not read yet. */
size_t port_test_keys_left(const struct port_test *pt);

/* --- display --------------------------------------------------------- */
/* What was drawn, one line per call: "prompt: <text>", "mask: <n>",
 * "status: <text>", "done". */
const char *port_test_transcript(const struct port_test *pt);
/* The largest n passed to mask(). */
size_t port_test_mask_max(const struct port_test *pt);
/* Empties the transcript (and mask_max). */
void port_test_transcript_clear(struct port_test *pt);

/* --- clock ----------------------------------------------------------- */
void port_test_clock_set_mono(struct port_test *pt, uint64_t ms);
/* Moves the monotonic clock (and the wall clock with it) forward. */
void port_test_clock_advance(struct port_test *pt, uint64_t ms);
/* The wall clock reads unix_s now and moves with the monotonic clock. */
void port_test_clock_set_wall(struct port_test *pt, int64_t unix_s);
/* hal_clock_wall() returns HAL_ENOENT until the next set_wall. */
void port_test_clock_set_wall_unknown(struct port_test *pt);
uint64_t port_test_clock_mono(const struct port_test *pt);

/* --- rng --------------------------------------------------------------
 * NOT RANDOM: a counter-based stream (splitmix64 of a counter), the same
 * bytes in every run. For tests only. */
/* Restarts the stream at seed. */
void port_test_rng_seed(struct port_test *pt, uint64_t seed);

/* --- storage ---------------------------------------------------------
 * Up to PORT_TEST_MAX_BLOBS blobs in memory, copied in and out; names are
 * checked like the Linux port's ([A-Za-z0-9._-], 1..64, no leading dot). */
#define PORT_TEST_MAX_BLOBS 32
size_t port_test_storage_count(const struct port_test *pt);
/* Successful writes so far. */
unsigned port_test_storage_writes(const struct port_test *pt);
/* Locks: a lock() on a name that is locked (by an earlier lock() not yet
 * unlocked -- two cards on one port_test are two processes -- or held
 * with port_test_storage_hold) waits: the clock advances by the timeout
 * and the call returns HAL_ETIMEDOUT (nobody else can run meanwhile). */
/* "Another process" holds name's lock (held 1) or lets it go (0). */
void port_test_storage_hold(struct port_test *pt, const char *name, int held);
/* Locks taken by lock() and not released yet (holds not counted). */
size_t port_test_storage_locked(const struct port_test *pt);
/* lock() calls so far that got the lock. */
unsigned port_test_storage_lock_calls(const struct port_test *pt);

/* --- devkey ----------------------------------------------------------
 * A fixed key (bytes 0x00..0x1f) until set: a test that "moves the state
 * to another device" sets another one. */
void port_test_devkey_set(struct port_test *pt, const uint8_t key[32]);

/* --- log ------------------------------------------------------------- */
/* Everything logged, "level: msg\n" per line (level: error, warning, info,
 * debug). */
const char *port_test_log(const struct port_test *pt);
void port_test_log_clear(struct port_test *pt);
/* The level hal_log reports (default HAL_LOG_DEBUG: everything). */
void port_test_log_level(struct port_test *pt, enum hal_log_level level);

/* --- loop ------------------------------------------------------------
 * Simulated: run() jumps the test clock to each timer's due time and fires
 * timers in due order (ties in the order added). Handles are never ready by
 * themselves: port_test_loop_ready() makes one ready once. run() returns
 * HAL_OK when stop() was called or no timer or watch remains, and
 * HAL_ETIMEDOUT when only watches remain and none is ready (the real loop
 * would wait forever). */
void port_test_loop_ready(struct port_test *pt, int handle, int events);
/* Like run(), but the clock may not pass now + ms: timers due by then
 * fire, the clock ends at now + ms (unless stopped earlier), and the
 * result is HAL_ETIMEDOUT when timers or watches are still left. */
int port_test_loop_run_for(struct port_test *pt, uint64_t ms);
size_t port_test_loop_timers(const struct port_test *pt);

/* --- dns -------------------------------------------------------------
 * A scripted resolver. Until port_test_dns() is called every query says
 * HAL_ENOTSUP (a board without a resolver). The script has one line per
 * record or fate (fields separated by spaces):
 *   NAPTR name order pref flags services replacement ttl
 *   SRV name priority weight port target ttl
 *   A name address ttl          AAAA name address ttl
 *   NXDOMAIN name    TIMEOUT name    SERVFAIL name
 * A query gets the records of its name and type (at most HAL_DNS_MAX_RR,
 * in script order) after the answer delay (default 5 ms); a name the
 * script knows but without that type answers no records; a name it does
 * not know is NXDOMAIN; TIMEOUT answers HAL_ETIMEDOUT once the query's
 * timeout has passed, SERVFAIL HAL_EIO. Returns 0, or -1 (and loads
 * nothing more) at a line it cannot read. Adds to what was loaded. */
int port_test_dns(struct port_test *pt, const char *script);
void port_test_dns_delay(struct port_test *pt, uint32_t ms);
/* The queries asked so far, "TYPE name\n" each. */
const char *port_test_dns_log(const struct port_test *pt);
/* The last list given to hal_dns_servers ("" for none). */
const char *port_test_dns_servers(const struct port_test *pt);

/* --- faults ---------------------------------------------------------- */
enum port_test_fault {
	PORT_TEST_FAULT_RNG,           /* fill fails with HAL_EIO */
	PORT_TEST_FAULT_STORAGE_WRITE, /* write fails with HAL_EIO, old blob kept */
	PORT_TEST_FAULT_STORAGE_READ,  /* read fails with HAL_EIO */
	PORT_TEST_FAULT_KEYPAD_IO,     /* read fails with HAL_EIO */
	PORT_TEST_FAULT_DEVKEY,        /* devkey get fails with HAL_EIO */
	PORT_TEST_FAULT_COUNT_
};
/* Arms a one-shot fault: the next after_n calls of that operation succeed
 * and the one after fails (after_n 0: the very next call). after_n < 0
 * disarms it. */
void port_test_fault(struct port_test *pt, enum port_test_fault f, int after_n);

#endif
