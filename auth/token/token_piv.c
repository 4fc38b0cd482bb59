/* token_piv.c: the PIV backend of the token interface (see token_piv.h). */
#include "token_piv_priv.h"

#include <stdio.h>
#include <string.h>

#include "apdu.h"
#include "certcache.h"
#include "piv.h"
#include "sg_log.h"
#include "sg_hex.h"
#include "sg_mem.h"
#include "sig.h"

/* ---- token operations ----------------------------------------------------- */

sg_err pivt_pin_state(struct token *t, struct token_pin_state *st, struct sg_error *e)
{
	struct pivt *p = (struct pivt *)t;

	return piv_pin_state(p->card, st, e);
}

sg_err pivt_login(struct token *t, const struct pin *pin, struct sg_error *e)
{
	struct pivt *p = (struct pivt *)t;
	sg_err err;

	if (!pin)
		return sg_error_set(e, SG_E_INVALID_ARG, "a PIV card needs the PIN typed here");
	err = piv_verify(p->card, pin->v, pin->len, e);
	if (err == SG_E_PIN_LOCKED && e) {
		char d[sizeof(e->detail)];

		memcpy(d, e->detail, sizeof(d));
		sg_error_set(e, SG_E_PIN_LOCKED, "%s; unblock it with the PUK", d);
	}
	return err;
}

/* Signs with the key in slot ref, of type and bits, called label. */
sg_err pivt_sign_with(struct pivt *p, uint8_t ref, enum token_key_type type, unsigned bits,
			     const char *label, enum token_sig sig, const uint8_t *hash,
			     size_t hash_len, uint8_t *out, size_t *out_len, struct sg_error *e)
{
	uint8_t alg = piv_alg_for(type, bits);

	if (!alg)
		return sg_error_set(e, SG_E_CERT_USAGE, "%s: a %s-%u key has no PIV algorithm",
				    label, type == TOKEN_KEY_EC ? "EC" : "RSA", bits);
	if ((sig == TOKEN_SIG_ECDSA) != (type == TOKEN_KEY_EC))
		return sg_error_set(e, SG_E_CERT_USAGE, "%s: the key does not suit the scheme",
				    label);
	return piv_sign(p->card, &p->hal->rng, alg, ref, sig, hash, hash_len, out, out_len, e);
}

static sg_err pivt_refresh(struct token *t, struct sg_error *e);

sg_err pivt_sign(struct token *t, size_t ci, enum token_sig sig, const uint8_t *hash,
			size_t hash_len, uint8_t *out, size_t *out_len, struct sg_error *e)
{
	struct pivt *p = (struct pivt *)t;
	const struct token_cert *c = &t->certs[ci];
	uint8_t ref = c->id[0];
	sg_err err = pivt_sign_with(p, ref, c->key_type, c->key_bits, c->label, sig, hash,
				    hash_len, out, out_len, e);

	/* The cache is not trusted: the first signature on a card whose
	 * certificates came from it is checked against the certificate's
	 * key. A mismatch (a card with a cloned CHUID, a certificate
	 * replaced under the same CHUID) reads the card again. */
	if (err || !p->cached || p->checked)
		return err;
	if (sig_verify_cert(c->der, c->der_len, sig, hash, hash_len, out, *out_len, NULL) ==
	    SG_OK) {
		p->checked = 1;
		return SG_OK;
	}
	err = pivt_refresh(t, e);
	if (err)
		return err;
	t->certs_reread = 1;
	return sg_error_set(e, SG_E_SIGNATURE, "key %02X does not match its cached certificate",
			    ref);
}

void pivt_logout(struct token *t)
{
	struct pivt *p = (struct pivt *)t;

	if (p->connected)
		piv_unverify(p->card);
}

static void pivt_free_certs(struct token *t)
{
	for (size_t i = 0; i < t->n_certs; i++)
		sg_free(t->certs[i].der);
	t->n_certs = 0;
}

void pivt_close(struct token *t)
{
	struct pivt *p = (struct pivt *)t;

	pivt_free_certs(t);
	/* Reset: the PIN state goes with us, whoever uses the card next. */
	if (p->connected)
		(void)hal_card_disconnect(p->card, 1);
	sg_free(p);
}

static const struct token_ops pivt_ops = {
	.pin_state = pivt_pin_state,
	.login = pivt_login,
	.sign = pivt_sign,
	.logout = pivt_logout,
	.close = pivt_close,
	.refresh = pivt_refresh,
};

/* ---- reading the card ------------------------------------------------------ */

static void pivt_pad(CK_UTF8CHAR *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	memset(dst, ' ', cap);
	memcpy(dst, src, n < cap ? n : cap);
}

/* A pkcs11: URI for the card, as OpenSC's module would name its token. */
static void pivt_uri(struct token_info *ti)
{
	CK_TOKEN_INFO ck;

	memset(&ck, 0, sizeof(ck));
	pivt_pad(ck.label, sizeof(ck.label), ti->label);
	pivt_pad(ck.manufacturerID, sizeof(ck.manufacturerID), ti->manufacturer);
	pivt_pad(ck.model, sizeof(ck.model), ti->model);
	pivt_pad(ck.serialNumber, sizeof(ck.serialNumber), ti->serial);
	p11uri_format_token(ti->uri, sizeof(ti->uri), &ck);
}

void token_piv_set_label(struct token *t, const char *label)
{
	snprintf(t->info.label, sizeof(t->info.label), "%s", label);
	pivt_uri(&t->info);
}

/* Serial from the CHUID: the GUID (34), else the FASC-N (30); label from it. */
static void pivt_info(struct pivt *p, uint8_t *buf, size_t cap)
{
	struct token_info *ti = &p->tok.info;
	const uint8_t *v = NULL;
	size_t len = 0, vl = 0;
	static const uint8_t zero[8];

	snprintf(ti->manufacturer, sizeof(ti->manufacturer), "signet PIV");
	snprintf(ti->model, sizeof(ti->model), "PIV II");
	ti->pin_min = 6;
	ti->pin_max = 8;
	ti->protected_auth_path = 0;
	ti->login_required = 1;
	if (piv_get_object(p->card, PIV_TAG_CHUID, buf, cap, &len, NULL) == SG_OK && len) {
		/* The whole CHUID names the card for the cache: a new CHUID
		 * (re-personalised card) is a card never seen. */
		certcache_key("piv", buf, len, p->ckey);
		p->have_ckey = 1;
		if (ber_tlv_find(buf, len, 0x34, &v, &vl) != SG_OK || !v || vl < 8 ||
		    !memcmp(v, zero, 8))
			if (ber_tlv_find(buf, len, 0x30, &v, &vl) != SG_OK || !v || vl < 8)
				v = NULL;
	}
	if (!p->have_ckey)
		p->cache = 0; /* no CHUID: nothing tells this card apart */
	if (v)
		sg_hex_encode(v, 8, ti->serial, sizeof(ti->serial), 0);
	snprintf(ti->label, sizeof(ti->label), "PIV card%s%s", v ? " " : "", ti->serial);
	pivt_uri(ti);
}

/* certs[ci] as the certificate of PIV slot s: label, URI, handle. */
void pivt_cert_named(struct token_cert *c, const struct piv_slot *s)
{
	snprintf(c->label, sizeof(c->label), "%s", s->label);
	c->handle = s->ref;
	p11uri_format_object(c->uri, sizeof(c->uri), NULL, "cert", (const uint8_t *)c->label,
			     strlen(c->label), c->id, c->id_len);
}

/* der as slot s's certificate, the next token_cert. */
static sg_err pivt_add_cert(struct pivt *p, const struct piv_slot *s, const uint8_t *der,
			    size_t dl, struct sg_error *e)
{
	struct token_cert *c = &p->tok.certs[p->tok.n_certs];

	memset(c, 0, sizeof(*c));
	c->der = sg_calloc(1, dl);
	if (!c->der)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	memcpy(c->der, der, dl);
	c->der_len = dl;
	c->id[0] = s->ref;
	c->id_len = 1;
	c->key_state = TOKEN_KEY_STATE_PRESENT;
	pivt_cert_named(c, s);
	token_cert_describe(c);
	p->tok.n_certs++;
	return SG_OK;
}

/* One slot's certificate into the next token_cert; absent is fine.
 * *seen: 0 unreadable (say why, go on), 1 empty, 2 a certificate. */
static sg_err pivt_load_slot(struct pivt *p, const struct piv_slot *s, uint8_t *buf, size_t cap,
			     int *seen, struct sg_error *e)
{
	const uint8_t *der;
	size_t len = 0, dl;
	struct sg_error e2;
	sg_err err = piv_get_object(p->card, s->obj_tag, buf, cap, &len, e);

	*seen = 0;
	if (err)
		return err;
	*seen = 1;
	if (len == 0)
		return SG_OK;
	sg_error_init(&e2);
	err = piv_object_cert(buf, len, &der, &dl, &e2);
	if (err == SG_E_NO_CERT)
		return SG_OK;
	if (err) {
		/* One unreadable slot must not hide the others: say why, go on. */
		sg_warn(&p->hal->log, "slot %02X: %s", s->ref, e2.detail);
		*seen = 0;
		return SG_OK;
	}
	*seen = 2;
	return pivt_add_cert(p, s, der, dl, e);
}

/* The slots asked for: from the cache where it knows them (use_cache),
 * else from the card; what the card said goes back to the cache. */
static sg_err pivt_slots(struct pivt *p, uint8_t *buf, size_t cap, int use_cache,
			 struct sg_error *e)
{
	struct certcache_ent in[CERTCACHE_ENTS], out[CERTCACHE_ENTS];
	size_t nin = 0, nout = 0;
	uint8_t *cbuf = p->cache == TOKEN_PIV_CACHE_USE && use_cache ? certcache_load(&p->hal->storage, p->ckey, in, &nin)
					      : NULL;
	int dirty = 0;
	sg_err err = SG_OK;

	for (size_t i = 0; i < PIV_N_SLOTS && !err; i++) {
		const struct piv_slot *s = piv_slot_at(i);
		const struct certcache_ent *hit = NULL;
		int seen;

		for (size_t j = 0; j < nin && !hit; j++)
			if (in[j].ref == s->ref)
				hit = &in[j];
		if (hit)
			out[nout++] = *hit; /* kept, asked for or not */
		if (!(p->want & (1u << i)))
			continue;
		if (hit) {
			p->cached = 1;
			if (hit->present)
				err = pivt_add_cert(p, s, hit->der, hit->len, e);
			continue;
		}
		err = pivt_load_slot(p, s, buf, cap, &seen, e);
		if (err || !seen)
			continue;
		out[nout].ref = s->ref;
		out[nout].present = seen == 2;
		out[nout].der = seen == 2 ? p->tok.certs[p->tok.n_certs - 1].der : NULL;
		out[nout].len = seen == 2 ? p->tok.certs[p->tok.n_certs - 1].der_len : 0;
		if (out[nout].len <= CERTCACHE_DER_MAX) {
			nout++;
			dirty = 1;
		}
	}
	if (!err && dirty && p->cache)
		certcache_save(&p->hal->storage, p->ckey, out, nout);
	sg_free(cbuf);
	return err;
}

static sg_err pivt_read(struct pivt *p, struct sg_error *e)
{
	uint8_t *buf = sg_calloc(1, PIV_OBJ_MAX);
	sg_err err;

	if (!buf)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	pivt_info(p, buf, PIV_OBJ_MAX);
	err = pivt_slots(p, buf, PIV_OBJ_MAX, 1, e);
	sg_free(buf);
	return err;
}

/* A signature did not verify with a certificate from the cache: forget
 * the card's entry, read the slots from the card (and cache them anew). */
static sg_err pivt_refresh(struct token *t, struct sg_error *e)
{
	struct pivt *p = (struct pivt *)t;
	uint8_t *buf;
	sg_err err;

	if (!p->cached)
		return sg_error_set(e, SG_E_NO_CERT, "the certificates were read from the card");
	sg_info(&p->hal->log, "cached certificates do not match the card: reading it");
	pivt_cache_forget(p);
	pivt_free_certs(t);
	buf = sg_calloc(1, PIV_OBJ_MAX);
	if (!buf)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	err = pivt_slots(p, buf, PIV_OBJ_MAX, 0, e);
	sg_free(buf);
	return err;
}

void pivt_cache_forget(struct pivt *p)
{
	if (p->have_ckey)
		certcache_drop(&p->hal->storage, p->ckey);
	p->cached = 0;
}

void token_piv_cache_forget(const struct hal *hal, const struct hal_card *card)
{
	uint8_t *buf = sg_calloc(1, PIV_OBJ_MAX);
	size_t len = 0;

	if (buf && piv_get_object(card, PIV_TAG_CHUID, buf, PIV_OBJ_MAX, &len, NULL) == SG_OK &&
	    len) {
		uint8_t key[32];

		certcache_key("piv", buf, len, key);
		certcache_drop(&hal->storage, key);
	}
	sg_free(buf);
}

/* Bit i set when the URI can match slot i's certificate or key. */
static unsigned pivt_want(const struct p11uri *u)
{
	unsigned m = 0;

	for (size_t i = 0; i < PIV_N_SLOTS; i++) {
		const struct piv_slot *s = piv_slot_at(i);
		uint8_t id = s->ref;

		if (!u ||
		    p11uri_match_object(u, CKO_CERTIFICATE, (const uint8_t *)s->label,
					strlen(s->label), &id, 1) ||
		    p11uri_match_object(u, CKO_PRIVATE_KEY, (const uint8_t *)s->label,
					strlen(s->label), &id, 1))
			m |= 1u << i;
	}
	return m;
}

/* ---- finding the card ------------------------------------------------------ */

/* Connects to r and selects PIV; leaves it connected on success. */
static sg_err pivt_try(struct pivt *p, const char *r, struct sg_error *e)
{
	int rc = hal_card_connect(p->card, r);
	sg_err err;

	if (rc == HAL_EREMOVED || rc == HAL_ENOENT)
		return sg_error_set(e, SG_E_NO_CARD, "no card in reader '%s'", r);
	if (rc != HAL_OK)
		return sg_error_set(e, SG_E_TOKEN, "cannot connect to the card in '%s' (HAL error "
				    "%d)", r, rc);
	p->connected = 1;
	err = piv_select(p->card, e);
	if (err) {
		(void)hal_card_disconnect(p->card, 0);
		p->connected = 0;
	}
	return err;
}

static sg_err pivt_find(struct pivt *p, const char *want, struct sg_error *e)
{
	struct hal_reader rd[HAL_CARD_MAX_READERS];
	size_t n = 0, present = 0;
	int rc = hal_card_list(p->card, rd, HAL_CARD_MAX_READERS, &n);
	sg_err err = SG_OK;

	if (rc == HAL_ENOTSUP)
		return sg_error_set(e, SG_E_NO_READER, "this device has no card reader");
	if (rc == HAL_ENOENT || (rc == HAL_OK && n == 0))
		return sg_error_set(e, SG_E_NO_READER, "no card reader (is pcscd running?)");
	if (rc != HAL_OK)
		return sg_error_set(e, SG_E_NO_READER, "cannot list the card readers (HAL error %d)",
				    rc);
	if (want) {
		size_t exact = n, nsub = 0, hit = 0;

		for (size_t i = 0; i < n; i++) {
			if (!strcmp(rd[i].name, want))
				exact = i;
			if (strstr(rd[i].name, want)) {
				nsub++;
				hit = i;
			}
		}
		if (exact < n)
			hit = exact;
		else if (nsub == 0)
			return sg_error_set(e, SG_E_NO_READER, "no reader named '%s' (%zu reader(s))",
					    want, n);
		else if (nsub > 1)
			return sg_error_set(e, SG_E_AMBIGUOUS, "%zu readers' names contain '%s'; give "
					    "the whole name", nsub, want);
		if (!rd[hit].present)
			return sg_error_set(e, SG_E_NO_CARD, "no card in reader '%s'", rd[hit].name);
		return pivt_try(p, rd[hit].name, e);
	}
	for (size_t i = 0; i < n; i++) {
		if (!rd[i].present)
			continue;
		present++;
		err = pivt_try(p, rd[i].name, e);
		if (err == SG_OK || err == SG_E_CARD_REMOVED || err == SG_E_NOMEM)
			return err;
	}
	if (present == 0)
		return sg_error_set(e, SG_E_NO_CARD, "no card in any of %zu reader(s)", n);
	return sg_error_set(e, SG_E_NO_TOKEN, "none of the %zu card(s) present has a PIV "
			    "application", present);
}

sg_err token_piv_open_card(const struct hal *hal, const struct hal_card *card, const char *reader,
			   struct token **out, struct sg_error *e)
{
	return token_piv_open_opts(hal, card, reader, NULL, out, e);
}

sg_err token_piv_open_opts(const struct hal *hal, const struct hal_card *card, const char *reader,
			   const struct token_piv_opts *o, struct token **out, struct sg_error *e)
{
	struct pivt *p = sg_calloc(1, sizeof(*p));
	sg_err err;

	*out = NULL;
	if (!p)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	p->hal = hal;
	p->card = card;
	p->tok.ops = &pivt_ops;
	p->tok.backend = p;
	p->want = pivt_want(o ? o->uri : NULL);
	p->cache = o && o->cert_cache;
	err = pivt_find(p, reader, e);
	if (!err)
		err = pivt_read(p, e);
	if (err) {
		pivt_close(&p->tok);
		return err;
	}
	*out = &p->tok;
	return SG_OK;
}

sg_err token_piv_open(const struct hal *hal, const char *reader, struct token **out,
		      struct sg_error *e)
{
	return token_piv_open_opts(hal, &hal->card, reader, NULL, out, e);
}

void token_piv_filter(struct token *t, const struct p11uri *u)
{
	size_t k = 0;

	if (!u)
		return;
	for (size_t i = 0; i < t->n_certs; i++) {
		struct token_cert *c = &t->certs[i];

		if (!p11uri_match_object(u, CKO_CERTIFICATE, (const uint8_t *)c->label,
					 strlen(c->label), c->id, c->id_len) &&
		    !p11uri_match_object(u, CKO_PRIVATE_KEY, (const uint8_t *)c->label,
					 strlen(c->label), c->id, c->id_len)) {
			sg_free(c->der);
			continue;
		}
		if (k != i)
			t->certs[k] = *c;
		k++;
	}
	t->n_certs = k;
}

uint8_t token_piv_key_ref(const struct token *t, size_t ci)
{
	if (!t || t->ops->close != pivt_close || ci >= t->n_certs ||
	    t->certs[ci].id_len != 1)
		return 0;
	return t->certs[ci].id[0];
}
