/*
 * token.h: the one token interface: where the private key lives.
 *
 * A token holds certificates and private keys. The core lists the
 * certificates, picks the one to sign in with, logs in with the PIN, signs
 * hashes, logs out and closes. Backends: PKCS#11 (token_p11.h) and the
 * PIV card edge (token_piv.h: a card in a reader, or the virtual card).
 * The private key never leaves the token.
 *
 * Optional operations, for enrolment: making a key pair on the token and
 * storing a certificate for it. A backend offers them only once it has
 * been opened for administration (a PKCS#11 token's read-write session,
 * token_p11_admin(); a PIV card's management key, token_piv_admin());
 * without them the wrappers say "token '...' cannot generate keys" /
 * "... cannot store certificates" (SG_E_INVALID_ARG) and change nothing.
 *
 * Ownership: a struct token is created by a backend's open function and
 * released with token_close(). Certificates listed in token->certs (DER
 * and metadata) stay valid until then. Nothing here blocks longer than the
 * token takes to answer; a card pulled mid-operation gives
 * SG_E_CARD_REMOVED, never a hang.
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#include "pin.h"
#include "sg_err.h"

#define TOKEN_MAX_CERTS 32
#define TOKEN_ID_MAX 64
#define TOKEN_LABEL_MAX 128
#define TOKEN_URI_MAX 512

enum token_key_type {
	TOKEN_KEY_UNKNOWN = 0,
	TOKEN_KEY_RSA,
	TOKEN_KEY_EC,
};

/* What a private key for a certificate is known to be. */
enum token_key_state {
	TOKEN_KEY_STATE_UNKNOWN = 0, /* keys are hidden until login */
	TOKEN_KEY_STATE_PRESENT,
	TOKEN_KEY_STATE_ABSENT,
};

enum token_sig {
	TOKEN_SIG_RSA_PKCS1, /* RSASSA-PKCS1-v1_5 */
	TOKEN_SIG_RSA_PSS,   /* RSASSA-PSS, MGF1 with the same hash, salt = hash length */
	TOKEN_SIG_ECDSA,     /* ECDSA; the signature comes back DER-encoded */
};

struct token_cert {
	char label[TOKEN_LABEL_MAX + 1];
	uint8_t id[TOKEN_ID_MAX];
	size_t id_len;
	uint8_t *der; /* the certificate, DER */
	size_t der_len;
	enum token_key_type key_type; /* from the certificate's public key */
	unsigned key_bits;
	int is_ca;                    /* basicConstraints cA: not a sign-in certificate */
	enum token_key_state key_state;
	char uri[TOKEN_URI_MAX];      /* a PKCS#11 URI that picks exactly this one */
	unsigned long handle;         /* backend's object handle */
};

/* PIN state as the token reports it before or after a login attempt. */
struct token_pin_state {
	int count_low;  /* a wrong PIN was entered since the last good one */
	int final_try;  /* the next wrong PIN locks */
	int locked;
	int tries_left; /* SG_TRIES_UNKNOWN when the token does not say */
};

struct token_info {
	char label[33];
	char manufacturer[33];
	char model[17];
	char serial[17];
	char uri[TOKEN_URI_MAX]; /* pkcs11: URI of the token */
	int protected_auth_path; /* PIN is typed on the reader's own PIN pad */
	unsigned pin_min, pin_max; /* the token's limits; 0 when not said */
	int login_required;
};

/* A private key on the token, by what names it there: the CKA_ID (or,
 * without one, the CKA_LABEL) of a PKCS#11 key; the key reference of a PIV
 * key (id[0]: 0x9A, 0x9C, ...). type and bits: what the key is. */
struct token_key {
	uint8_t id[TOKEN_ID_MAX];
	size_t id_len;
	char label[TOKEN_LABEL_MAX + 1];
	enum token_key_type type;
	unsigned bits;
};

/* Key pairs a token can be asked to make. */
enum token_keygen {
	TOKEN_KEYGEN_EC_P256,
	TOKEN_KEYGEN_RSA_2048,
};

struct token;

struct token_ops {
	sg_err (*pin_state)(struct token *t, struct token_pin_state *st, struct sg_error *e);
	/* pin NULL: the reader's protected authentication path. */
	sg_err (*login)(struct token *t, const struct pin *pin, struct sg_error *e);
	sg_err (*sign)(struct token *t, size_t cert, enum token_sig sig, const uint8_t *hash,
		       size_t hash_len, uint8_t *out, size_t *out_len, struct sg_error *e);
	void (*logout)(struct token *t);
	void (*close)(struct token *t);
	/* Optional (NULL: the token cannot; see token_generate_key and
	 * friends for what each must do). */
	sg_err (*generate_key)(struct token *t, enum token_keygen alg, struct token_key *k,
			       mbedtls_pk_context *pub, struct sg_error *e);
	void (*delete_key)(struct token *t, const struct token_key *k);
	sg_err (*store_cert)(struct token *t, const struct token_key *k, const uint8_t *der,
			     size_t len, struct sg_error *e);
	sg_err (*sign_key)(struct token *t, const struct token_key *k, enum token_sig sig,
			   const uint8_t *hash, size_t hash_len, uint8_t *out, size_t *out_len,
			   struct sg_error *e);
	/* Optional: see token_refresh_certs. */
	sg_err (*refresh)(struct token *t, struct sg_error *e);
};

struct token {
	const struct token_ops *ops;
	struct token_info info;
	struct token_cert certs[TOKEN_MAX_CERTS];
	size_t n_certs;
	int logged_in;
	/* Set by token_sign when a signature did not verify with a
	 * certificate from the cache: the certificates were read from the
	 * token again (t->certs replaced) and token_sign gave
	 * SG_E_SIGNATURE, the token's signature still in its out. The caller
	 * may select again, and keep that signature if the certificate it
	 * picks verifies it, or sign once more. */
	int certs_reread;
	void *backend;
};

/* Reads the PIN state flags (before a login: to warn of a final try, or
 * to refuse a locked token without using a try). */
sg_err token_pin_state(struct token *t, struct token_pin_state *st, struct sg_error *e);

/* token_pin_state, and SG_E_PIN_LOCKED when the token reports its user
 * PIN locked: a front end refuses such a token before asking for a PIN
 * (the user could only lose). */
sg_err token_pin_usable(struct token *t, struct token_pin_state *st, struct sg_error *e);

/* Logs in as the user. The PIN is checked against the policy narrowed to
 * the token's limits first (a malformed PIN never costs a try), then
 * given to the token, then wiped (always, on every path).
 * pin NULL uses the protected authentication path when the token has one.
 * Errors: SG_E_PIN_FORMAT, SG_E_PIN_INCORRECT (e->tries_left,
 * e->final_try), SG_E_PIN_LOCKED, SG_E_CARD_REMOVED, SG_E_TOKEN. */
sg_err token_login(struct token *t, const struct pin_policy *policy, struct pin *pin,
		   struct sg_error *e);

/* Signs a SHA-256 (32 bytes) or SHA-384 (48 bytes) hash with the private
 * key that belongs to certs[cert]. *out_len: in, the capacity of out (512
 * is always enough); out, the signature's length. Requires a login unless
 * the token needs none. */
sg_err token_sign(struct token *t, size_t cert, enum token_sig sig, const uint8_t *hash,
		  size_t hash_len, uint8_t *out, size_t *out_len, struct sg_error *e);

/* ---- optional operations (enrolment) ---------------------------------- */

/* The key that belongs to certs[cert] (its id, label and key type). */
void token_cert_key(const struct token *t, size_t cert, struct token_key *k);

/* SG_OK when the token can make key pairs / store certificates now;
 * otherwise SG_E_INVALID_ARG "token '<label>' cannot generate keys" / "...
 * cannot store certificates". Nothing is sent to the token. */
sg_err token_can_generate(const struct token *t, struct sg_error *e);
sg_err token_can_store(const struct token *t, struct sg_error *e);

/* Makes a key pair of kind alg on the token (logged in), the private key
 * sensitive and never extractable. k in: the label (PKCS#11) and the id
 * or key reference wanted (id_len 0: the backend picks: a fresh random
 * CKA_ID; the PIV Authentication key 9A); out: the id, type and bits.
 * pub (mbedtls_pk_init'ed by the caller) receives the public key. On a
 * PIV card the slot's old key is replaced, and its certificate, which
 * belonged to that key, is deleted (and leaves t->certs). */
sg_err token_generate_key(struct token *t, enum token_keygen alg, struct token_key *k,
			  mbedtls_pk_context *pub, struct sg_error *e);

/* token_sign() with key k, which token_generate_key made (it has no
 * certificate yet: e.g. for the request that asks for one). */
sg_err token_sign_key(struct token *t, const struct token_key *k, enum token_sig sig,
		      const uint8_t *hash, size_t hash_len, uint8_t *out, size_t *out_len,
		      struct sg_error *e);

/* Removes a key pair token_generate_key made (an enrolment that failed
 * leaves no orphan key); a token that cannot remove keys keeps it. */
void token_delete_key(struct token *t, const struct token_key *k);

/* Stores der as the certificate of key k, replacing the certificates the
 * key had (the new one is written first: a failure leaves the old one),
 * and updates t->certs (the entry of the same id takes the new DER, or a
 * new entry is added). */
sg_err token_store_cert(struct token *t, const struct token_key *k, const uint8_t *der,
			size_t len, struct sg_error *e);

/* For backends: key_type, key_bits and is_ca of c from its DER. */
void token_cert_describe(struct token_cert *c);

/* For backends: puts der into t->certs as key k's certificate (replacing
 * the entry with k's id, else added); *ci receives its index. */
sg_err token_cert_put(struct token *t, const struct token_key *k, const uint8_t *der, size_t len,
		      size_t *ci, struct sg_error *e);

/* When some of t->certs came from the certificate cache (certcache.h)
 * rather than from the token: forgets that cache entry and reads the
 * certificates from the token again (t->certs is replaced: select again),
 * SG_OK. Called when a signature made on the token does not verify with
 * the certificate's key. SG_E_NO_CERT when nothing came from a cache
 * (nothing changes: the failure is the token's). */
sg_err token_refresh_certs(struct token *t, struct sg_error *e);

void token_logout(struct token *t);
/* Logs out if needed and releases everything (NULL is fine). */
void token_close(struct token *t);

/* The signature scheme that suits the certificate's key: ECDSA for EC,
 * PKCS#1 v1.5 for RSA unless pss is set. */
enum token_sig token_sig_for(const struct token_cert *c, int pss);

/* Picks the certificate to sign in with. A certificate qualifies when it
 * is not a CA certificate and its key is present or not yet known.
 * Exactly one must qualify: none is SG_E_NO_CERT, several is
 * SG_E_AMBIGUOUS with the candidates' URIs in the detail. */
sg_err token_select(const struct token *t, size_t *cert, struct sg_error *e);

/* A further condition on candidates (e.g. "names this user"). */
typedef int (*token_cert_filter)(const struct token_cert *c, void *arg);

/* token_select() among the certificates that also pass filter(c, arg).
 * When certificates qualify but none passes: SG_E_CERT_IDENTITY. */
sg_err token_select_where(const struct token *t, token_cert_filter filter, void *arg,
			  size_t *cert, struct sg_error *e);

#endif
