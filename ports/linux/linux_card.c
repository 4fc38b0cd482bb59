/*
 * linux_card.c: smart-card readers through pcsc-lite (pcscd).
 *
 * The PC/SC context is made on first use and made again after pcscd went
 * away (SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED, SCARD_E_INVALID_HANDLE),
 * so the port starts without pcscd and survives its restart: list() tries
 * once more with a new context, no more (the caller's poll paces retries).
 * A card handle does not survive a restart (pcscd powers the card down, so
 * the card forgets its PIN): transmit() then says HAL_EREMOVED, as for
 * SCARD_W_RESET_CARD (another program reset the card), and the caller
 * connects again.
 * wait() watches the readers given plus the "\\?PnP?\Notification"
 * pseudo-reader, so a reader plugged in (or pulled) also ends the wait:
 * the caller lists the readers again after any HAL_OK.
 */
#define _GNU_SOURCE

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <reader.h>
#include <winscard.h>

#include "linux_dev.h"

#ifdef LINUX_PCSC_DLOPEN
/* The board loads libpcsclite on the first card operation (PCSC_DLOPEN in
 * its board.mk), so that a process that never touches a reader (a PKCS#11
 * sign, the PAM module on a token) does not map it at start. Each SCard*
 * name below then goes through the table; the protocol headers are ours
 * (pcsc-lite's g_rgSCardT0Pci/T1Pci hold the same two fields). */
#include <dlfcn.h>

static struct {
	void *dl;
	LONG (*EstablishContext)(DWORD, LPCVOID, LPCVOID, LPSCARDCONTEXT);
	LONG (*ReleaseContext)(SCARDCONTEXT);
	LONG (*ListReaders)(SCARDCONTEXT, LPCSTR, LPSTR, LPDWORD);
	LONG (*GetStatusChange)(SCARDCONTEXT, DWORD, SCARD_READERSTATE *, DWORD);
	LONG (*Connect)(SCARDCONTEXT, LPCSTR, DWORD, DWORD, LPSCARDHANDLE, LPDWORD);
	LONG (*Disconnect)(SCARDHANDLE, DWORD);
	LONG (*Transmit)(SCARDHANDLE, const SCARD_IO_REQUEST *, LPCBYTE, DWORD, SCARD_IO_REQUEST *,
			 LPBYTE, LPDWORD);
	LONG (*Status)(SCARDHANDLE, LPSTR, LPDWORD, LPDWORD, LPDWORD, LPBYTE, LPDWORD);
	LONG (*GetAttrib)(SCARDHANDLE, DWORD, LPBYTE, LPDWORD);
} pcsc;

static const SCARD_IO_REQUEST pcsc_t0 = {SCARD_PROTOCOL_T0, sizeof(SCARD_IO_REQUEST)};
static const SCARD_IO_REQUEST pcsc_t1 = {SCARD_PROTOCOL_T1, sizeof(SCARD_IO_REQUEST)};

/* 0 when the library and all its functions are there; the library stays
 * loaded for the process (pcsc-lite keeps per-process state). */
static int pcsc_load(void)
{
	void *dl;

	if (pcsc.dl)
		return 0;
	dl = dlopen("libpcsclite.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!dl)
		return -1;
	*(void **)&pcsc.EstablishContext = dlsym(dl, "SCardEstablishContext");
	*(void **)&pcsc.ReleaseContext = dlsym(dl, "SCardReleaseContext");
	*(void **)&pcsc.ListReaders = dlsym(dl, "SCardListReaders");
	*(void **)&pcsc.GetStatusChange = dlsym(dl, "SCardGetStatusChange");
	*(void **)&pcsc.Connect = dlsym(dl, "SCardConnect");
	*(void **)&pcsc.Disconnect = dlsym(dl, "SCardDisconnect");
	*(void **)&pcsc.Transmit = dlsym(dl, "SCardTransmit");
	*(void **)&pcsc.Status = dlsym(dl, "SCardStatus");
	*(void **)&pcsc.GetAttrib = dlsym(dl, "SCardGetAttrib");
	if (!pcsc.EstablishContext || !pcsc.ReleaseContext || !pcsc.ListReaders ||
	    !pcsc.GetStatusChange || !pcsc.Connect || !pcsc.Disconnect || !pcsc.Transmit ||
	    !pcsc.Status || !pcsc.GetAttrib) {
		dlclose(dl);
		return -1;
	}
	pcsc.dl = dl;
	return 0;
}

#undef SCARD_PCI_T0
#undef SCARD_PCI_T1
#define SCARD_PCI_T0 (&pcsc_t0)
#define SCARD_PCI_T1 (&pcsc_t1)
#define SCardEstablishContext pcsc.EstablishContext
#define SCardReleaseContext pcsc.ReleaseContext
#define SCardListReaders pcsc.ListReaders
#define SCardGetStatusChange pcsc.GetStatusChange
#define SCardConnect pcsc.Connect
#define SCardDisconnect pcsc.Disconnect
#define SCardTransmit pcsc.Transmit
#define SCardStatus pcsc.Status
#define SCardGetAttrib pcsc.GetAttrib
#endif

#define CARD_PNP "\\\\?PnP?\\Notification"

struct card_ctx {
	SCARDCONTEXT sc;
	int have_sc;
	SCARDHANDLE h;
	int have_h;
	DWORD proto;
	char *names;      /* multi-string from SCardListReaders */
	DWORD pnp_events; /* reader-change counter pcscd gave last time */
	/* this connection's card and reader (read on the first caps call) */
	struct hal_card_caps caps;
	int have_caps;
	int ext_refused; /* an extended APDU failed in the reader */
	const struct hal_log *log;
};

static int card_err(LONG rv)
{
	switch (rv) {
	case SCARD_S_SUCCESS:
		return HAL_OK;
	case SCARD_W_REMOVED_CARD:
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_RESET_CARD: /* another program reset it: our session is gone */
	case SCARD_E_READER_UNAVAILABLE:
		return HAL_EREMOVED;
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
	case SCARD_E_NO_READERS_AVAILABLE:
	case SCARD_E_UNKNOWN_READER:
		return HAL_ENOENT;
	case SCARD_E_TIMEOUT:
		return HAL_ETIMEDOUT;
	case SCARD_E_NO_MEMORY:
	case SCARD_E_INSUFFICIENT_BUFFER:
		return HAL_ENOMEM;
	case SCARD_E_INVALID_PARAMETER:
	case SCARD_E_INVALID_VALUE:
		return HAL_EINVAL;
	default: /* sharing violation, unresponsive card, comm errors */
		return HAL_EIO;
	}
}

/* pcscd gone or restarted: drop the context so the next call makes one. */
static int card_check(struct card_ctx *cc, LONG rv)
{
	if (rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED ||
	    rv == SCARD_E_INVALID_HANDLE) {
		if (cc->have_sc)
			(void)SCardReleaseContext(cc->sc);
		cc->have_sc = 0;
		cc->have_h = 0;
		return HAL_ENOENT;
	}
	return card_err(rv);
}

static int card_context(struct card_ctx *cc)
{
	LONG rv;

	if (cc->have_sc)
		return HAL_OK;
#ifdef LINUX_PCSC_DLOPEN
	/* No pcsc-lite on this machine: as if pcscd were not running. */
	if (pcsc_load())
		return HAL_ENOENT;
#endif
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &cc->sc);
	if (rv != SCARD_S_SUCCESS)
		return card_err(rv);
	cc->have_sc = 1;
	return HAL_OK;
}

static uint64_t card_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void card_fill(struct hal_reader *r, const SCARD_READERSTATE *st)
{
	DWORD ev = st->dwEventState;

	r->present = (ev & SCARD_STATE_PRESENT) &&
		     !(ev & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE));
	r->atr_len = 0;
	if (r->present && st->cbAtr <= HAL_CARD_ATR_MAX) {
		memcpy(r->atr, st->rgbAtr, st->cbAtr);
		r->atr_len = st->cbAtr;
	}
}

static int card_list(void *ctx, struct hal_reader *readers, size_t max, size_t *n)
{
	struct card_ctx *cc = ctx;
	SCARD_READERSTATE st[HAL_CARD_MAX_READERS];
	DWORD len;
	const char *p;
	size_t i, count = 0;
	LONG rv;

	*n = 0;
	/* A context from before a pcscd restart fails once (no service,
	 * invalid handle): made again, one more try, no more. */
	for (int tries = 0;; tries++) {
		int had = cc->have_sc, r = card_context(cc);

		if (r != HAL_OK)
			return r;
		free(cc->names);
		cc->names = NULL;
		len = 0;
		rv = SCardListReaders(cc->sc, NULL, NULL, &len);
		if (rv == SCARD_S_SUCCESS) {
			cc->names = malloc(len ? len : 1);
			if (!cc->names)
				return HAL_ENOMEM;
			rv = SCardListReaders(cc->sc, NULL, cc->names, &len);
		}
		if (rv == SCARD_S_SUCCESS)
			break;
		r = card_check(cc, rv);
		if (tries || !had || cc->have_sc)
			return r;
	}
	if (max > HAL_CARD_MAX_READERS)
		max = HAL_CARD_MAX_READERS;
	memset(st, 0, sizeof(st));
	for (p = cc->names; *p && count < max; p += strlen(p) + 1) {
		st[count].szReader = p;
		st[count].dwCurrentState = SCARD_STATE_UNAWARE;
		count++;
	}
	if (count == 0)
		return HAL_ENOENT;
	rv = SCardGetStatusChange(cc->sc, 0, st, (DWORD)count);
	if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
		return card_check(cc, rv);
	for (i = 0; i < count; i++) {
		readers[i].name = st[i].szReader;
		card_fill(&readers[i], &st[i]);
	}
	*n = count;
	return HAL_OK;
}

static int card_wait(void *ctx, struct hal_reader *readers, size_t n, int timeout_ms)
{
	struct card_ctx *cc = ctx;
	SCARD_READERSTATE st[HAL_CARD_MAX_READERS + 1];
	uint64_t deadline = card_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	size_t i;
	int r;

	if (n > HAL_CARD_MAX_READERS)
		return HAL_EINVAL;
	r = card_context(cc);
	if (r != HAL_OK)
		return r;
	memset(st, 0, sizeof(st));
	for (i = 0; i < n; i++) {
		st[i].szReader = readers[i].name;
		st[i].dwCurrentState = SCARD_STATE_UNAWARE; /* first pass: read the state */
	}
	st[n].szReader = CARD_PNP;
	st[n].dwCurrentState = cc->pnp_events << 16;
	for (;;) {
		DWORD wait = INFINITE;
		int changed = 0;
		LONG rv;

		if (timeout_ms >= 0) {
			uint64_t now = card_now_ms();

			wait = now >= deadline ? 0 : (DWORD)(deadline - now);
		}
		rv = SCardGetStatusChange(cc->sc, wait, st, (DWORD)(n + 1));
		if (rv == SCARD_E_TIMEOUT)
			return HAL_ETIMEDOUT;
		if (rv == SCARD_E_UNKNOWN_READER) /* a reader went away */
			changed = 1;
		else if (rv != SCARD_S_SUCCESS)
			return card_check(cc, rv);
		cc->pnp_events = st[n].dwEventState >> 16;
		if (st[n].dwEventState & SCARD_STATE_CHANGED)
			changed = 1;
		for (i = 0; i < n && !changed; i++) {
			struct hal_reader now = readers[i];

			card_fill(&now, &st[i]);
			changed = now.present != readers[i].present;
		}
		if (changed) {
			for (i = 0; i < n; i++) {
				if (rv == SCARD_E_UNKNOWN_READER) {
					readers[i].present = 0;
					readers[i].atr_len = 0;
				} else {
					card_fill(&readers[i], &st[i]);
				}
			}
			return HAL_OK;
		}
		/* In-use flags and the like changed, not presence: wait on. */
		for (i = 0; i <= n; i++)
			st[i].dwCurrentState = st[i].dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
		if (timeout_ms >= 0 && card_now_ms() >= deadline)
			return HAL_ETIMEDOUT;
	}
}

static int card_disconnect(void *ctx, int reset)
{
	struct card_ctx *cc = ctx;
	LONG rv;

	if (!cc->have_h)
		return HAL_OK;
	cc->have_h = 0;
	rv = SCardDisconnect(cc->h, reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD);
	return rv == SCARD_S_SUCCESS ? HAL_OK : card_check(cc, rv);
}

static int card_connect(void *ctx, const char *reader)
{
	struct card_ctx *cc = ctx;
	LONG rv;
	int r;

	if (!reader)
		return HAL_EINVAL;
	r = card_context(cc);
	if (r != HAL_OK)
		return r;
	(void)card_disconnect(cc, 0);
	rv = SCardConnect(cc->sc, reader, SCARD_SHARE_SHARED,
			  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &cc->h, &cc->proto);
	if (rv != SCARD_S_SUCCESS)
		return card_check(cc, rv);
	cc->have_h = 1;
	cc->have_caps = 0;
	cc->ext_refused = 0;
	return HAL_OK;
}

/* The ATR (SCardStatus) and SCARD_ATTR_MAXINPUT, which a reader driver
 * may give (CCID: its largest message); T=0 carries no extended APDU
 * (ISO 7816-3 12.2.6 would need ENVELOPE), so it counts as short only. */
static int card_caps(void *ctx, struct hal_card_caps *out)
{
	struct card_ctx *cc = ctx;

	if (!out)
		return HAL_EINVAL;
	memset(out, 0, sizeof(*out));
	if (!cc->have_h)
		return HAL_EREMOVED;
	if (!cc->have_caps) {
		BYTE atr[MAX_ATR_SIZE], v[4];
		DWORD al = sizeof(atr), st = 0, pr = 0, vl = sizeof(v);
		LONG rv = SCardStatus(cc->h, NULL, NULL, &st, &pr, atr, &al);

		if (rv != SCARD_S_SUCCESS)
			return card_check(cc, rv);
		memset(&cc->caps, 0, sizeof(cc->caps));
		if (al <= HAL_CARD_ATR_MAX) {
			memcpy(cc->caps.atr, atr, al);
			cc->caps.atr_len = al;
		}
		if (SCardGetAttrib(cc->h, SCARD_ATTR_MAXINPUT, v, &vl) == SCARD_S_SUCCESS &&
		    vl == 4)
			cc->caps.max_apdu = (size_t)v[0] | (size_t)v[1] << 8 | (size_t)v[2] << 16 |
					    (size_t)v[3] << 24;
		if (cc->proto == SCARD_PROTOCOL_T0)
			cc->caps.max_apdu = HAL_CARD_SHORT_MAX;
		cc->have_caps = 1;
	}
	*out = cc->caps;
	if (cc->ext_refused)
		out->max_apdu = HAL_CARD_SHORT_MAX;
	return HAL_OK;
}

static int card_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
			 size_t *resp_len)
{
	struct card_ctx *cc = ctx;
	const SCARD_IO_REQUEST *pci = cc->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	DWORD len;
	LONG rv;

	if (!cc->have_h)
		return HAL_EREMOVED;
	if (!cmd || !resp || !resp_len || cmd_len > 65544)
		return HAL_EINVAL;
	len = (DWORD)*resp_len;
	rv = SCardTransmit(cc->h, pci, cmd, (DWORD)cmd_len, NULL, resp, &len);
	if (rv != SCARD_S_SUCCESS) {
		int r = card_check(cc, rv);

		/* An extended APDU the reader (or its driver) would not carry:
		 * say short only from now on (caps), so the caller sends this
		 * one again and the rest in short form. */
		if (r != HAL_EREMOVED && r != HAL_ENOENT && !cc->ext_refused &&
		    (cmd_len > HAL_CARD_SHORT_MAX || *resp_len > 258)) {
			cc->ext_refused = 1;
			if (cc->log && hal_log_threshold(cc->log) >= HAL_LOG_DEBUG)
				hal_log_write(cc->log, HAL_LOG_DEBUG,
					      "pcsc: the reader refused an extended-length APDU: "
					      "short APDUs (chaining, GET RESPONSE) from now on");
		}
		return r;
	}
	*resp_len = len;
	return HAL_OK;
}

static const struct hal_card_ops card_ops = {
	.list = card_list,
	.wait = card_wait,
	.connect = card_connect,
	.transmit = card_transmit,
	.disconnect = card_disconnect,
	.caps = card_caps,
};

int linux_card_init(struct hal_card *c, const struct hal_log *log)
{
	struct card_ctx *cc = calloc(1, sizeof(*cc));

	if (!cc)
		return HAL_ENOMEM;
	cc->log = log;
	c->ops = &card_ops;
	c->ctx = cc;
	return HAL_OK;
}

void linux_card_fini(struct hal_card *c)
{
	struct card_ctx *cc = c->ctx;

	if (!c->ops)
		return;
	(void)card_disconnect(cc, 0);
	if (cc->have_sc)
		(void)SCardReleaseContext(cc->sc);
	free(cc->names);
	free(cc);
	c->ops = NULL;
	c->ctx = NULL;
}
