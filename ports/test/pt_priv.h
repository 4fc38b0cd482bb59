/*
 * pt_priv.h: the layout of struct port_test, shared by the test port's
 * files (one per device). Not for tests: they use port_test.h.
 */
#ifndef PT_PRIV_H
#define PT_PRIV_H

#include "port_test.h"

#define PT_MAX_WATCH 32
#define PT_MAX_READY 32
#define PT_NAME_MAX HAL_STORAGE_NAME_MAX

/* A growing text (transcript, log); aborts when memory runs out. */
struct pt_text {
	char *s;
	size_t len, cap;
};
void pt_text_add(struct pt_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pt_text_free(struct pt_text *t);

struct pt_blob {
	int used;
	char name[PT_NAME_MAX + 1];
	uint8_t *data;
	size_t len;
};

/* A blob lock: taken by a lock() call (the code under test), or held by
 * "another process" (port_test_storage_hold). */
struct pt_lock {
	int taken, held;
	char name[PT_NAME_MAX + 1];
};

struct pt_timer {
	int id;
	uint64_t due;
	hal_loop_timer_h h;
	void *arg;
	struct pt_timer *next;
};

struct pt_watch {
	int fd, events;
	hal_loop_ready_h h;
	void *arg;
};

struct pt_ready {
	int fd, events;
};

#define PT_DNS_MAX 64
#define PT_DNS_QMAX 16

/* One line of the DNS script: a record (type != 0), or a name's fate
 * (type 0, status HAL_ENOENT / HAL_ETIMEDOUT / HAL_EIO). */
struct pt_dns_ent {
	int type;
	int status;
	char name[HAL_DNS_NAME_MAX + 1];
	struct hal_dns_rr rr;
};

struct port_test;
struct pt_dns_q {
	struct port_test *pt;
	int used, id, timer, type, status;
	char name[HAL_DNS_NAME_MAX + 1];
	hal_dns_done_h h;
	void *arg;
};

struct port_test {
	/* keypad */
	char *keys;
	size_t nkeys, keys_cap, key_pos;
	uint32_t key_delay;
	uint64_t key_waited; /* time already spent on keys[key_pos] */
	int keys_eof;
	/* display */
	struct pt_text transcript;
	size_t mask_max;
	/* clock */
	uint64_t mono;
	int64_t wall_base;  /* wall clock at mono == wall_mono */
	uint64_t wall_mono;
	int wall_known;
	/* rng */
	uint64_t rng_ctr;
	/* storage */
	struct pt_blob blobs[PORT_TEST_MAX_BLOBS];
	unsigned writes;
	struct pt_lock locks[PORT_TEST_MAX_BLOBS];
	unsigned lock_calls;
	/* devkey */
	uint8_t devkey[32];
	/* log */
	struct pt_text log;
	enum hal_log_level log_level;
	/* loop */
	struct pt_timer *timers; /* sorted by due, ties in order added */
	int next_timer_id;
	struct pt_watch watches[PT_MAX_WATCH];
	size_t nwatch;
	struct pt_ready ready[PT_MAX_READY];
	size_t nready;
	int stop, running;
	/* dns */
	int dns_on;
	struct pt_dns_ent dns[PT_DNS_MAX];
	size_t ndns;
	struct pt_dns_q dnsq[PT_DNS_QMAX];
	int dns_next_id;
	uint32_t dns_delay;
	struct pt_text dns_log;
	char dns_servers[128];
	/* faults: -1 disarmed, else calls left before the failing one */
	int fault[PORT_TEST_FAULT_COUNT_];
};

/* 1 when the armed fault f fires on this call. */
int pt_fault_hit(struct port_test *pt, enum port_test_fault f);

extern const struct hal_keypad_ops pt_keypad_ops;
extern const struct hal_display_ops pt_display_ops;
extern const struct hal_clock_ops pt_clock_ops;
extern const struct hal_rng_ops pt_rng_ops;
extern const struct hal_storage_ops pt_storage_ops;
extern const struct hal_log_ops pt_log_ops;
extern const struct hal_loop_ops pt_loop_ops;
extern const struct hal_devkey_ops pt_devkey_ops;
extern const struct hal_dns_ops pt_dns_ops;

void pt_keypad_free(struct port_test *pt);
void pt_storage_free(struct port_test *pt);
void pt_loop_free(struct port_test *pt);
void pt_dns_free(struct port_test *pt);

#endif
