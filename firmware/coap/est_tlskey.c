/* est_tlskey.c: a token's key as a GnuTLS client certificate (est_tlskey.h). */
#include "est_tlskey.h"

#include <string.h>

#include <gnutls/abstract.h>

#include "sg_mem.h"

struct est_tlskey {
	struct est_client_key key;
	int pk;            /* gnutls_pk_algorithm_t of the certificate's key */
	unsigned bits;
	struct sg_error err;
};

/* DigestInfo prefixes (RFC 8017, 9.2 note 1) of the hashes the token signs. */
static const uint8_t di_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
				    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
static const uint8_t di_sha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
				    0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};

/* GNUTLS_SIGN_RSA_RAW hands over a DigestInfo (GnuTLS uses it for TLS 1.2
 * PKCS#1 v1.5 with external keys): the hash inside, if it is one the token
 * signs. */
static int digest_info_hash(const gnutls_datum_t *in, const uint8_t **hash, size_t *len)
{
	if (in->size == sizeof(di_sha256) + 32 && !memcmp(in->data, di_sha256, sizeof(di_sha256)))
		*len = 32;
	else if (in->size == sizeof(di_sha384) + 48 &&
		 !memcmp(in->data, di_sha384, sizeof(di_sha384)))
		*len = 48;
	else
		return 0;
	*hash = in->data + in->size - *len;
	return 1;
}

/* What the token can sign: its hash lengths and the key's scheme. */
static int can_sign(const struct est_tlskey *k, gnutls_sign_algorithm_t algo,
		    enum token_sig *kind)
{
	gnutls_digest_algorithm_t d = gnutls_sign_get_hash_algorithm(algo);
	int pk = (int)gnutls_sign_get_pk_algorithm(algo);

	if (algo == GNUTLS_SIGN_RSA_RAW && k->pk == GNUTLS_PK_RSA) {
		*kind = TOKEN_SIG_RSA_PKCS1; /* the hash comes in a DigestInfo */
		return 1;
	}
	if (d != GNUTLS_DIG_SHA256 && d != GNUTLS_DIG_SHA384)
		return 0;
	if (k->pk == GNUTLS_PK_ECDSA && pk == GNUTLS_PK_ECDSA) {
		*kind = TOKEN_SIG_ECDSA;
		return 1;
	}
	if (k->pk != GNUTLS_PK_RSA)
		return 0;
	if (pk == GNUTLS_PK_RSA) {
		*kind = TOKEN_SIG_RSA_PKCS1;
		return 1;
	}
	/* rsa_pss_rsae_*: PSS with an rsaEncryption key, salt = hash length. */
	if (pk == GNUTLS_PK_RSA_PSS && (algo == GNUTLS_SIGN_RSA_PSS_RSAE_SHA256 ||
					algo == GNUTLS_SIGN_RSA_PSS_RSAE_SHA384)) {
		*kind = TOKEN_SIG_RSA_PSS;
		return 1;
	}
	return 0;
}

static int key_info(gnutls_privkey_t pkey, unsigned int flags, void *userdata)
{
	const struct est_tlskey *k = userdata;
	enum token_sig kind;

	(void)pkey;
	if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO)
		return k->pk;
	if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO_BITS)
		return (int)k->bits;
	if (flags & GNUTLS_PRIVKEY_INFO_HAVE_SIGN_ALGO)
		return can_sign(k, (gnutls_sign_algorithm_t)GNUTLS_FLAGS_TO_SIGN_ALGO(flags), &kind);
	if (flags & GNUTLS_PRIVKEY_INFO_SIGN_ALGO)
		return 0; /* no preference */
	return -1;
}

static int key_sign_hash(gnutls_privkey_t pkey, gnutls_sign_algorithm_t algo, void *userdata,
			 unsigned int flags, const gnutls_datum_t *hash, gnutls_datum_t *sig)
{
	struct est_tlskey *k = userdata;
	enum token_sig kind;
	uint8_t out[512];
	size_t len = sizeof(out);

	(void)pkey;
	(void)flags;
	sig->data = NULL;
	sig->size = 0;
	const uint8_t *h = hash->data;
	size_t hl = hash->size;

	if (!can_sign(k, algo, &kind) ||
	    (algo == GNUTLS_SIGN_RSA_RAW ? !digest_info_hash(hash, &h, &hl)
					 : hl != 32 && hl != 48)) {
		sg_error_set(&k->err, SG_E_TOKEN, "the handshake asked for a signature the token "
			     "cannot make (%s)", gnutls_sign_get_name(algo));
		return GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM;
	}
	if (k->key.sign(k->key.arg, kind, h, hl, out, &len, &k->err) != SG_OK)
		return GNUTLS_E_PK_SIGN_FAILED;
	sig->data = gnutls_malloc(len);
	if (!sig->data)
		return GNUTLS_E_MEMORY_ERROR;
	memcpy(sig->data, out, len);
	sig->size = (unsigned)len;
	return 0;
}

sg_err est_tlskey_attach(gnutls_session_t g_session, const struct est_client_key *key,
			 struct est_tlskey **out, struct sg_error *e)
{
	struct est_tlskey *k = sg_calloc(1, sizeof(*k));
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_pcert_st pcert;
	gnutls_privkey_t pkey = NULL;
	gnutls_datum_t der;
	int have_pcert = 0, r;
	sg_err err;

	*out = NULL;
	if (!k)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	k->key = *key;
	sg_error_init(&k->err);
	der.data = (unsigned char *)(uintptr_t)key->cert;
	der.size = (unsigned)key->cert_len;
	r = gnutls_credentials_get(g_session, GNUTLS_CRD_CERTIFICATE, (void **)&cred);
	if (r < 0 || !cred) {
		err = sg_error_set(e, SG_E_INTERNAL, "the DTLS session has no certificate credentials");
		goto fail;
	}
	r = gnutls_pcert_import_x509_raw(&pcert, &der, GNUTLS_X509_FMT_DER, 0);
	if (r < 0) {
		err = sg_error_set(e, SG_E_CERT_PARSE, "GnuTLS cannot use the certificate: %s",
			     gnutls_strerror(r));
		goto fail;
	}
	have_pcert = 1;
	k->pk = gnutls_pubkey_get_pk_algorithm(pcert.pubkey, &k->bits);
	if (k->pk != GNUTLS_PK_ECDSA && k->pk != GNUTLS_PK_RSA) {
		err = sg_error_set(e, SG_E_CERT_USAGE, "the certificate's key is neither EC nor RSA");
		goto fail;
	}
	r = gnutls_privkey_init(&pkey);
	if (r >= 0)
		r = gnutls_privkey_import_ext4(pkey, k, NULL, key_sign_hash, NULL, NULL, key_info, 0);
	/* From here the credentials own pcert's contents and the key. */
	if (r >= 0)
		r = gnutls_certificate_set_key(cred, NULL, 0, &pcert, 1, pkey);
	if (r < 0) {
		err = sg_error_set(e, SG_E_INTERNAL, "GnuTLS refused the token's key: %s",
			     gnutls_strerror(r));
		goto fail;
	}
	*out = k;
	return SG_OK;
fail:
	if (pkey)
		gnutls_privkey_deinit(pkey);
	if (have_pcert)
		gnutls_pcert_deinit(&pcert);
	sg_free(k);
	return err;
}

const struct sg_error *est_tlskey_error(const struct est_tlskey *k)
{
	return &k->err;
}

void est_tlskey_free(struct est_tlskey *k)
{
	sg_free(k);
}
