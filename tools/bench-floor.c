/*
 * bench-floor.c: the floor for `signet sign --verify` and pam_signet in
 * `make bench` (tools/run-bench): the least a process can do to sign with a
 * token, plain PKCS#11 through dlopen and nothing else (no certificate, no
 * verification, no configuration). Linked with -ldl only, so that its start
 * is not charged with libraries signet needs and it does not.
 *
 *   dlopen MODULE, C_GetFunctionList, C_Initialize, C_GetSlotList +
 *   C_GetTokenInfo (the slot whose token has LABEL), C_OpenSession, C_Login,
 *   C_FindObjects (CKO_PRIVATE_KEY with CKA_ID = ID), C_SignInit + C_Sign on
 *   one SHA-256 digest (RSA: CKM_RSA_PKCS over the DigestInfo; EC: CKM_ECDSA
 *   over the hash), C_Logout, C_Finalize, exit.
 *
 * usage: bench-floor MODULE LABEL ID-HEX rsa|ec PIN-FD
 * Exit 0 when the signature was made, 1 otherwise. Prints nothing.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int main(int argc, char **argv)
{
	/* Any 32 bytes stand for the SHA-256 digest. */
	static const unsigned char rsa_prefix[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
						     0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
						     0x01, 0x05, 0x00, 0x04, 0x20};
	unsigned char id[64], msg[sizeof(rsa_prefix) + 32], sig[1024];
	char pin[64];
	size_t idlen = 0;
	CK_RV (*getlist)(CK_FUNCTION_LIST_PTR_PTR);
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slots[32], slot = 0;
	CK_ULONG nslots = 32, nfound = 0, siglen = sizeof(sig);
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	int found = 0, ok = 0;

	if (argc != 6 || (strcmp(argv[4], "rsa") && strcmp(argv[4], "ec")))
		return 2;
	int rsa = !strcmp(argv[4], "rsa");
	size_t hl = strlen(argv[3]);
	if (hl % 2 || hl / 2 > sizeof(id))
		return 2;
	for (size_t i = 0; i < hl; i += 2) {
		int a = hexval(argv[3][i]), b = hexval(argv[3][i + 1]);
		if (a < 0 || b < 0)
			return 2;
		id[idlen++] = (unsigned char)(a << 4 | b);
	}
	ssize_t n = read(atoi(argv[5]), pin, sizeof(pin) - 1);
	if (n <= 0)
		return 2;
	while (n > 0 && (pin[n - 1] == '\n' || pin[n - 1] == '\r'))
		n--;
	for (size_t i = 0; i < 32; i++)
		msg[sizeof(rsa_prefix) + i] = (unsigned char)(i * 7 + 1);
	memcpy(msg, rsa_prefix, sizeof(rsa_prefix));

	void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return 1;
	*(void **)&getlist = dlsym(h, "C_GetFunctionList");
	if (!getlist || getlist(&f) != CKR_OK || f->C_Initialize(NULL) != CKR_OK)
		return 1;
	if (f->C_GetSlotList(CK_TRUE, slots, &nslots) != CKR_OK)
		goto fin;
	size_t ll = strlen(argv[2]);
	for (CK_ULONG i = 0; i < nslots && !found; i++) {
		CK_TOKEN_INFO ti;
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || ll > sizeof(ti.label))
			continue;
		size_t k = sizeof(ti.label);
		while (k > 0 && ti.label[k - 1] == ' ')
			k--;
		if (k == ll && !memcmp(ti.label, argv[2], ll)) {
			slot = slots[i];
			found = 1;
		}
	}
	if (!found || f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
		goto fin;
	if (f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)n) != CKR_OK)
		goto fin;
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, id, idlen}};
	if (f->C_FindObjectsInit(s, tmpl, 2) != CKR_OK)
		goto out;
	CK_RV rv = f->C_FindObjects(s, &key, 1, &nfound);
	f->C_FindObjectsFinal(s);
	if (rv != CKR_OK || nfound != 1)
		goto out;
	CK_MECHANISM mech = {rsa ? CKM_RSA_PKCS : CKM_ECDSA, NULL, 0};
	CK_BYTE_PTR data = rsa ? msg : msg + sizeof(rsa_prefix);
	CK_ULONG dlen = rsa ? sizeof(msg) : 32;
	if (f->C_SignInit(s, &mech, key) == CKR_OK && f->C_Sign(s, data, dlen, sig, &siglen) == CKR_OK)
		ok = 1;
out:
	f->C_Logout(s);
fin:
	explicit_bzero(pin, sizeof(pin));
	f->C_Finalize(NULL);
	return ok ? 0 : 1;
}
