/*
 * vcard_cli_pin.c: `signet vcard status | change-pin | unblock`, opening
 * the card, and reading PINs and PUKs (from --pin-fd or the keypad; never
 * argv or the environment).
 */
#define _GNU_SOURCE
#include "vcard_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "certinfo.h"
#include "json.h"
#include "secret_fd.h"
#include "sg_mem.h"
#include "sg_time.h"
#include "vcard_reader.h"

sg_err vcli_open(struct vcli *v, struct sg_error *e)
{
	sg_err err = cli_err_vcard(vcard_open(&v->c->hal, v->blob, &v->card, e), v->name, e);

	if (err)
		return err;
	vcard_reader_device(&v->dev, v->card, NULL);
	if (hal_card_connect(&v->dev, "signet virtual card 00") != HAL_OK)
		return sg_error_set(e, SG_E_INTERNAL, "the virtual reader did not connect");
	return piv_select(&v->dev, e);
}

void vcli_close(struct vcli *v)
{
	if (v->card)
		(void)hal_card_disconnect(&v->dev, 1);
	vcard_close(v->card);
	v->card = NULL;
}

/* The PIV form: 6 to 8 characters (digits unless [pin] digits_only = no). */
static void vcli_policy(const struct vcli *v, struct pin_policy *p)
{
	*p = v->c->cfg.pin;
	p->min_len = 6;
	p->max_len = 8;
}

static int pin_eq(const struct pin *a, const struct pin *b)
{
	return a->len == b->len && sg_ct_equal(a->v, b->v, sizeof(a->v));
}

sg_err vcli_secrets(struct vcli *v, size_t n, const char *const prompts[], const int confirm[],
		    struct pin out[], struct sg_error *e)
{
	struct pin_policy pol;
	sg_err err = SG_OK;
	size_t i;

	memset(out, 0, n * sizeof(*out));
	vcli_policy(v, &pol);
	if (v->c->pin_fd >= 0)
		return secret_fd_pins(v->c->pin_fd, n, &pol, &pol, out, e);
	for (i = 0; i < n && !err; i++) {
		struct pin again;

		err = pin_entry(&v->c->hal, &pol, prompts[i], &out[i], e);
		if (err == SG_E_INVALID_ARG)
			err = sg_error_set(e, SG_E_INVALID_ARG, "no terminal to type on: give the secrets "
					   "on a file descriptor with --pin-fd N, one per line");
		if (err || !confirm[i])
			continue;
		{
			char p2[96];

			snprintf(p2, sizeof(p2), "%s again", prompts[i]);
			err = pin_entry(&v->c->hal, &pol, p2, &again, e);
		}
		if (!err && !pin_eq(&again, &out[i]))
			err = sg_error_set(e, SG_E_PIN_FORMAT, "the two entries differ (%s)", prompts[i]);
		pin_wipe(&again);
	}
	if (err)
		for (i = 0; i < n; i++)
			pin_wipe(&out[i]);
	return err;
}

/* ---- status -------------------------------------------------------------- */

struct slot_view {
	int has_key;  /* 1 yes, 0 no, -1 unknown */
	const char *alg;
	int has_cert;
	struct certinfo ci;
	int cert_ok;
};

static void slot_view(struct vcli *v, const struct vcard_status *st, const struct vmgmt *m,
		      int have_m, size_t i, uint8_t *buf, struct slot_view *sv)
{
	const struct piv_slot *s = piv_slot_at(i);
	const uint8_t *der;
	size_t len = 0, dl;
	int alg = 0;

	memset(sv, 0, sizeof(*sv));
	sv->has_key = -1;
	if (s->ref == PIV_KEY_AUTH || s->ref == PIV_KEY_SIGN) {
		alg = s->ref == PIV_KEY_AUTH ? st->alg_9a : st->alg_9c;
		sv->has_key = alg != 0;
	} else if (have_m && m->pub[i].len) {
		sv->has_key = 1;
	}
	if (alg == VCARD_ALG_RSA2048)
		sv->alg = "RSA-2048";
	else if (alg == VCARD_ALG_ECCP256)
		sv->alg = "EC P-256";
	if (piv_get_object(&v->dev, s->obj_tag, buf, PIV_OBJ_MAX, &len, NULL) == SG_OK && len &&
	    piv_object_cert(buf, len, &der, &dl, NULL) == SG_OK) {
		sv->has_cert = 1;
		sv->cert_ok = certinfo_parse(der, dl, &sv->ci, NULL) == SG_OK;
	}
}

static void status_json(struct vcli *v, const struct vcard_status *st, struct slot_view *sv)
{
	struct json j;
	char t[40];

	json_init(&j, stdout);
	json_obj_begin(&j);
	json_key(&j, "name");
	json_str(&j, v->name);
	json_key(&j, "pin_tries_left");
	json_int(&j, st->pin_tries_left);
	json_key(&j, "pin_tries_max");
	json_int(&j, st->pin_tries_max);
	json_key(&j, "puk_tries_left");
	json_int(&j, st->puk_tries_left);
	json_key(&j, "puk_tries_max");
	json_int(&j, st->puk_tries_max);
	json_key(&j, "slots");
	json_arr_begin(&j);
	for (size_t i = 0; i < PIV_N_SLOTS; i++) {
		char ref[3];

		snprintf(ref, sizeof(ref), "%02x", piv_slot_at(i)->ref);
		json_obj_begin(&j);
		json_key(&j, "slot");
		json_str(&j, ref);
		json_key(&j, "name");
		json_str(&j, piv_slot_at(i)->name);
		json_key(&j, "key");
		if (sv[i].has_key < 0)
			json_null(&j);
		else
			json_bool(&j, sv[i].has_key);
		json_key(&j, "algorithm");
		if (sv[i].alg)
			json_str(&j, sv[i].alg);
		else
			json_null(&j);
		json_key(&j, "certificate");
		if (!sv[i].has_cert || !sv[i].cert_ok) {
			json_null(&j);
		} else {
			json_obj_begin(&j);
			json_key(&j, "subject");
			json_str(&j, sv[i].ci.subject);
			json_key(&j, "not_after");
			json_str(&j, sg_time_format(sv[i].ci.not_after, t, sizeof(t)));
			json_obj_end(&j);
		}
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

static void status_text(struct vcli *v, const struct vcard_status *st, struct slot_view *sv)
{
	int64_t now = 0;
	char t[40];

	(void)hal_clock_wall(&v->c->hal.clock, &now);
	printf("virtual card '%s'\n", v->name);
	printf("  PIN: %d of %d tries left%s\n", st->pin_tries_left, st->pin_tries_max,
	       st->pin_tries_left == 0 ? " (blocked: signet vcard unblock)" : "");
	printf("  PUK: %d of %d tries left%s\n", st->puk_tries_left, st->puk_tries_max,
	       st->puk_tries_left == 0 ? " (blocked: only signet vcard reset helps)" : "");
	for (size_t i = 0; i < PIV_N_SLOTS; i++) {
		const struct piv_slot *s = piv_slot_at(i);

		printf("  slot %02x (%s): ", s->ref, s->name);
		if (sv[i].has_key > 0)
			printf("key %s", sv[i].alg ? sv[i].alg : "present");
		else if (sv[i].has_key == 0)
			printf("no key");
		else
			printf("no key recorded");
		if (!sv[i].has_cert) {
			printf(", no certificate\n");
		} else if (!sv[i].cert_ok) {
			printf(", a certificate that does not parse\n");
		} else {
			long days = now ? (long)((sv[i].ci.not_after - now) / 86400) : 0;

			printf(", certificate %s, expires %s", sv[i].ci.subject,
			       sg_time_format(sv[i].ci.not_after, t, sizeof(t)));
			if (now && sv[i].ci.not_after < now)
				printf(" (expired)");
			else if (now)
				printf(" (%ld days left)", days);
			printf("\n");
		}
	}
}

int vcli_status(struct vcli *v)
{
	struct slot_view sv[PIV_N_SLOTS];
	struct vcard_status st;
	struct vmgmt m;
	struct sg_error e;
	uint8_t *buf = NULL;
	int have_m, rc = 0;

	sg_error_init(&e);
	if (vcli_open(v, &e))
		goto fail;
	/* Only the public keys are used; the key is wiped right away. */
	have_m = vmgmt_load(&v->c->hal, v->mgmt_blob, &m, NULL) == SG_OK;
	buf = malloc(PIV_OBJ_MAX);
	if (!buf) {
		sg_error_set(&e, SG_E_NOMEM, NULL);
		goto fail;
	}
	vcard_get_status(v->card, &st);
	for (size_t i = 0; i < PIV_N_SLOTS; i++)
		slot_view(v, &st, &m, have_m, i, buf, &sv[i]);
	vmgmt_wipe(&m);
	if (v->c->json)
		status_json(v, &st, sv);
	else
		status_text(v, &st, sv);
	goto out;
fail:
	rc = cli_fail(v->c, &e);
out:
	free(buf);
	vcli_close(v);
	return rc;
}

/* ---- change-pin, unblock --------------------------------------------------- */

int vcli_change_pin(struct vcli *v)
{
	static const char *const prompts[] = {"Current PIN", "New PIN"};
	static const int confirm[] = {0, 1};
	struct pin p[2];
	struct sg_error e;
	int rc = 0;

	memset(p, 0, sizeof(p));
	sg_error_init(&e);
	if (vcli_open(v, &e) || vcli_secrets(v, 2, prompts, confirm, p, &e))
		goto fail;
	if (piv_change_ref(&v->dev, PIV_REF_PIN, p[0].v, p[0].len, p[1].v, p[1].len, &e))
		goto fail;
	printf("PIN of virtual card '%s' changed\n", v->name);
	goto out;
fail:
	if (e.code == SG_E_PIN_LOCKED)
		sg_error_set(&e, SG_E_PIN_LOCKED, "the PIN of virtual card '%s' is blocked; unblock "
			     "it with the PUK: signet vcard unblock --name %s", v->name, v->name);
	rc = cli_fail(v->c, &e);
out:
	pin_wipe(&p[0]);
	pin_wipe(&p[1]);
	vcli_close(v);
	return rc;
}

int vcli_unblock(struct vcli *v)
{
	static const char *const prompts[] = {"PUK", "New PIN"};
	static const int confirm[] = {0, 1};
	struct pin p[2];
	struct sg_error e;
	int rc = 0;

	memset(p, 0, sizeof(p));
	sg_error_init(&e);
	if (vcli_open(v, &e) || vcli_secrets(v, 2, prompts, confirm, p, &e))
		goto fail;
	if (piv_unblock(&v->dev, p[0].v, p[0].len, p[1].v, p[1].len, &e))
		goto fail;
	printf("PIN of virtual card '%s' unblocked and set\n", v->name);
	goto out;
fail:
	if (e.code == SG_E_PIN_LOCKED)
		sg_error_set(&e, SG_E_PIN_LOCKED, "the PUK of virtual card '%s' is blocked too; "
			     "only signet vcard reset (which erases its keys) helps", v->name);
	if (e.code == SG_E_PIN_INCORRECT && !v->c->json) {
		/* The summary would say "wrong PIN": it is the PUK that was wrong. */
		fprintf(stderr, "%s: wrong PUK: %d %s left; the PIN stays blocked until the PUK is "
			"right (no try left: only signet vcard reset helps)\n", v->c->prog,
			e.tries_left, e.tries_left == 1 ? "try" : "tries");
		rc = cli_err_exit(e.code);
		goto out;
	}
	rc = cli_fail(v->c, &e);
out:
	pin_wipe(&p[0]);
	pin_wipe(&p[1]);
	vcli_close(v);
	return rc;
}
