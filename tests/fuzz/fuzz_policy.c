/*
 * fuzz_policy.c: RFC 5280 certificate policy processing (auth/pki/policy.c):
 * the four extension parsers (certificatePolicies, policyMappings,
 * policyConstraints, inhibitAnyPolicy) and the valid policy tree over a
 * path of fuzzed extension sets.
 *
 * Input:
 *   byte 0   bits 0-2: initial-explicit-policy, initial-policy-mapping-
 *            inhibit, initial-any-policy-inhibit; bit 3: initial policy set
 *            {NIST-test-policy-1, -2} (else any-policy); bit 4: the rest is
 *            a policy list for the configuration's check (pol_set_check and
 *            pol_init), not a path;
 *   byte 1-2 the self-issued certificates (bit i: certificate i + 1);
 *   then     up to POL_MAX_DEPTH certificates, each a 2-byte big-endian
 *            length and that many bytes of extension list (crt->v3_ext),
 *            each copied to a buffer of exactly its length.
 *
 * Checked: pol_cert/pol_finish return the documented codes with a detail;
 * an error sticks (pol_finish repeats it); on success the result's sets
 * are NUL-terminated, their counts agree with the text, and the user set
 * is empty or within the authority set when the initial set is any.
 */
#define _GNU_SOURCE

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

static size_t count_items(const char *s)
{
	size_t n = *s ? 1 : 0;

	for (; *s; s++)
		n += *s == ',';
	return n;
}

static void policy_list(const uint8_t *d, size_t n)
{
	struct pol_params pp;
	struct pol_state st;
	struct sg_error e;
	sg_err rc;

	memset(&pp, 0, sizeof(pp));
	if (n >= sizeof(pp.policies))
		n = sizeof(pp.policies) - 1;
	memcpy(pp.policies, d, n);
	pp.policies[n] = '\0';
	sg_error_init(&e);
	rc = pol_set_check(pp.policies, &e);
	CHECK(rc == SG_OK || (rc == SG_E_CONFIG && e.detail[0]));
	/* pol_init refuses exactly what the check refuses. */
	CHECK(pol_init(&st, &pp, 1, &e) == rc);
	pol_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pol_params pp;
	struct pol_state st;
	struct pol_result r;
	struct sg_error e;
	const uint8_t *p, *end = data + size;
	size_t lens[POL_MAX_DEPTH];
	const uint8_t *certs[POL_MAX_DEPTH];
	int n = 0, self;
	sg_err rc;

	if (size < 3)
		return 0;
	if (data[0] & 0x10) {
		policy_list(data + 1, size - 1);
		return 0;
	}
	memset(&pp, 0, sizeof(pp));
	pp.require_explicit = data[0] & 1;
	pp.inhibit_mapping = data[0] >> 1 & 1;
	pp.inhibit_any = data[0] >> 2 & 1;
	if (data[0] & 8)
		memcpy(pp.policies, "2.16.840.1.101.3.2.1.48.1,2.16.840.1.101.3.2.1.48.2", 52);
	self = data[1] << 8 | data[2];
	for (p = data + 3; n < POL_MAX_DEPTH && end - p >= 2; n++) {
		size_t len = (size_t)(p[0] << 8 | p[1]);

		p += 2;
		if (len > (size_t)(end - p))
			len = (size_t)(end - p);
		certs[n] = p;
		lens[n] = len;
		p += len;
	}
	if (!n)
		return 0;
	sg_error_init(&e);
	rc = pol_init(&st, &pp, n, &e);
	CHECK(rc == SG_OK);
	for (int i = 0; !rc && i < n; i++) {
		uint8_t *copy = malloc(lens[i] ? lens[i] : 1);

		CHECK(copy);
		memcpy(copy, certs[i], lens[i]);
		rc = pol_cert_ext(&st, copy, lens[i], self >> i & 1, "CN=fuzz", &e);
		free(copy);
		CHECK(rc == SG_OK || rc == SG_E_CERT_UNTRUSTED || rc == SG_E_CERT_PARSE);
		CHECK(rc == SG_OK || e.detail[0]);
	}
	memset(&r, 0x5a, sizeof(r));
	sg_err fin = pol_finish(&st, &r, &e);

	if (rc) {
		CHECK(fin == rc);
	} else {
		CHECK(fin == SG_OK || fin == SG_E_CERT_UNTRUSTED);
		CHECK(memchr(r.user, '\0', sizeof(r.user)) && memchr(r.auth, '\0', sizeof(r.auth)));
		CHECK(memchr(r.why, '\0', sizeof(r.why)));
		CHECK(r.n_auth <= POL_MAX_OIDS && r.n_user <= r.n_auth + POL_MAX_INITIAL);
		CHECK(!r.n_user || count_items(r.user) == r.n_user || strstr(r.user, "..."));
		CHECK(!r.n_auth || count_items(r.auth) == r.n_auth || strstr(r.auth, "..."));
		if (!(data[0] & 8)) {
			CHECK(r.user_any == r.auth_any && r.n_user == r.n_auth);
			CHECK(!strcmp(r.user, r.auth));
		} else {
			CHECK(!r.user_any && r.n_user <= 2);
		}
		if (!r.n_user && !r.user_any)
			CHECK(r.why[0]);
		if (fin)
			CHECK(!r.n_user && !r.user_any && e.detail[0]);
		/* A second finish says the same. */
		CHECK(pol_finish(&st, &r, &e) == fin);
	}
	pol_free(&st);
	return 0;
}
