/*
 * linux_dev.h: the Linux port's devices, one file each (private to
 * ports/linux; the core sees only struct hal).
 *
 * Each device has an init that fills its struct hal_<dev> (ops + ctx) and a
 * fini that releases what init took and clears the struct. A fini on a
 * device whose ops are NULL does nothing.
 */
#ifndef LINUX_DEV_H
#define LINUX_DEV_H

#include "hal.h"

/* Terminal shared by keypad and display (linux_tty.c). */
struct linux_tty {
	int fd;
	unsigned char in[64]; /* key bytes read but not yet decoded */
	size_t in_len;
	char prompt[256];     /* the prompt on screen, redrawn by mask/status */
	int prompt_active;
	size_t mask;          /* mask characters on screen */
};
/* Opens path (NULL: /dev/tty). HAL_ENOENT when there is no terminal,
 * HAL_ENOMEM. */
int linux_tty_open(const char *path, struct linux_tty **out);
/* Raw mode on (type-ahead dropped) or off (the user's settings back).
 * Raw mode is also undone by close, at exit and on SIGINT/SIGTERM/SIGHUP. */
void linux_tty_set_raw(struct linux_tty *tty, int on);
/* Restores the terminal, wipes the key buffer and closes it. */
void linux_tty_close(struct linux_tty *tty);
/* Writes all of buf (retries short writes and EINTR). */
int linux_tty_write(struct linux_tty *tty, const char *buf, size_t len);

void linux_keypad_init(struct hal_keypad *kp, struct linux_tty *tty);
void linux_display_init(struct hal_display *d, struct linux_tty *tty);

int linux_card_init(struct hal_card *c, const struct hal_log *log);
void linux_card_fini(struct hal_card *c);

void linux_clock_init(struct hal_clock *c);

void linux_rng_init(struct hal_rng *r);

/* dir NULL: the default described in port_linux.h. HAL_ENOENT when no
 * directory can be chosen (no HOME), HAL_ENOMEM. */
/* The user's home directory ($HOME when absolute, else the password
 * database), or NULL (linux_paths.c). */
const char *linux_home_dir(void);

int linux_storage_init(struct hal_storage *s, const char *dir);
void linux_storage_fini(struct hal_storage *s);

int linux_net_init(struct hal_net *n);
void linux_net_fini(struct hal_net *n);

int linux_loop_init(struct hal_loop *l);
void linux_loop_fini(struct hal_loop *l);

int linux_log_init(struct hal_log *l, const char *ident, int use_syslog,
		   enum hal_log_level level);
void linux_log_fini(struct hal_log *l);

/* The resolver on c-ares, on loop (linux_dns.c); a board without c-ares
 * (FEATURE_DNS=0) links off/linux_dns_off.c, which leaves it unset. */
int linux_dns_init(struct hal_dns *d, const struct hal_loop *loop);
void linux_dns_fini(struct hal_dns *d);

int linux_p11_init(struct hal_p11 *p);
void linux_p11_fini(struct hal_p11 *p);

/* path NULL: $SIGNET_DEVICE_KEY (secure_getenv, as every variable the
 * port reads: ignored in a set-user-ID caller), else /etc/signet/device.key (root), else
 * $XDG_CONFIG_HOME/signet/device.key or ~/.config/signet/device.key.
 * HAL_ENOENT when no path can be chosen (no HOME), HAL_ENOMEM. */
int linux_devkey_init(struct hal_devkey *d, const char *path);
/* linux_devkey_init, and create 0: a missing key file is HAL_ENOENT, never
 * made (pam_signet: the key is the one `signet vcard init` made). */
int linux_devkey_open(struct hal_devkey *d, const char *path, int create);
void linux_devkey_fini(struct hal_devkey *d);

#endif
