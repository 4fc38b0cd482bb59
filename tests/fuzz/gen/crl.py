# Throwaway PKI and CRLs for fuzz_crl: an EC CA and an RSA CA, users with a
# CRL distribution point, CRLs built by hand (DER) so that every field can
# be present, absent or odd, signed by the CAs' keys.
import sys, os, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, padding
out = sys.argv[1]  # the corpus directory
pki = sys.argv[2]  # the certificates, for embed.py
os.makedirs(out, exist_ok=True)
def L(n):
    if n < 0x80: return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(b)]) + b
def T(tag, *v):
    c = b''.join(v)
    return bytes([tag]) + L(len(c)) + c
SEQ = lambda *v: T(0x30, *v)
def INT(n):
    b = n.to_bytes((n.bit_length() + 8) // 8 or 1, 'big')
    return T(0x02, b)
def OID(s):
    p = [int(x) for x in s.split('.')]
    b = bytes([40 * p[0] + p[1]])
    for x in p[2:]:
        e = [x & 0x7f]; x >>= 7
        while x: e.append(0x80 | (x & 0x7f)); x >>= 7
        b += bytes(reversed(e))
    return T(0x06, b)
def UTC(d): return T(0x17, d.strftime('%y%m%d%H%M%SZ').encode())
def GEN(d): return T(0x18, d.strftime('%Y%m%d%H%M%SZ').encode())
ENUM = lambda n: T(0x0a, bytes([n]))
OCT = lambda v: T(0x04, v)
BOOL = lambda b: T(0x01, b'\xff' if b else b'\x00')
def ext(oid, val, crit=False):
    return SEQ(OID(oid), BOOL(True) if crit else b'', OCT(val))
NOW = datetime.datetime(2026, 6, 1)
ec_key = ec.generate_private_key(ec.SECP256R1())
rsa_key = rsa.generate_private_key(65537, 2048)
other = ec.generate_private_key(ec.SECP256R1())
def name(cn): return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'signet fuzz'), x509.NameAttribute(NameOID.COMMON_NAME, cn)])
def mk(subject, issuer, pub, key, serial, ca, dp=None, ku=None):
    b = x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(pub).serial_number(serial) \
        .not_valid_before(datetime.datetime(2025, 1, 1)).not_valid_after(datetime.datetime(2035, 1, 1))
    b = b.add_extension(x509.BasicConstraints(ca, None), True)
    if ku: b = b.add_extension(ku, True)
    if dp: b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint([x509.UniformResourceIdentifier(dp)], None, None, None)]), False)
    return b.sign(key, hashes.SHA256())
ca_ku = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
ec_ca = mk(name('EC CA'), name('EC CA'), ec_key.public_key(), ec_key, 1, True, ku=ca_ku)
rsa_ca = mk(name('RSA CA'), name('RSA CA'), rsa_key.public_key(), rsa_key, 2, True, ku=ca_ku)
u1k = ec.generate_private_key(ec.SECP256R1())
user = mk(name('user'), name('EC CA'), u1k.public_key(), ec_key, 0x1001, False, 'http://crl.test/ec.crl')
user_rev = mk(name('user-rev'), name('EC CA'), u1k.public_key(), ec_key, 0x1002, False, 'http://crl.test/ec.crl')
user_rsa = mk(name('user-rsa'), name('RSA CA'), u1k.public_key(), rsa_key, 0x80, False, 'http://crl.test/rsa.crl')
pem = lambda c: c.public_bytes(serialization.Encoding.PEM).decode()
with open(pki, 'w') as f:
    for n, c in [('ca_ec', ec_ca), ('ca_rsa', rsa_ca), ('user', user), ('user_rev', user_rev), ('user_rsa', user_rsa)]:
        f.write('== %s\n%s' % (n, pem(c)))
ecdsa = SEQ(OID('1.2.840.10045.4.3.2'))
rsasha = SEQ(OID('1.2.840.113549.1.1.11'), T(0x05, b''))
def issuer_der(c): return c.subject.public_bytes()
def entry(serial, when, exts=None):
    return SEQ(INT(serial), UTC(when), SEQ(*exts) if exts else b'')
def reason(n, crit=False): return ext('2.5.29.21', ENUM(n), crit)
def inval(d): return ext('2.5.29.24', GEN(d))
def crl(issuer, entries, this=NOW - datetime.timedelta(days=1), nxt=NOW + datetime.timedelta(days=7),
        crlexts=None, key=ec_key, alg=ecdsa, v2=True):
    tbs = SEQ(INT(1) if v2 else b'', alg, issuer_der(issuer), UTC(this), UTC(nxt) if nxt else b'',
              SEQ(*entries) if entries else b'', T(0xa0, SEQ(*crlexts)) if crlexts else b'')
    if isinstance(key, rsa.RSAPrivateKey):
        sig = key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    else:
        sig = key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    return SEQ(tbs, alg, T(0x03, b'\x00' + sig))
aki = lambda k: ext('2.5.29.35', SEQ(T(0x80, x509.SubjectKeyIdentifier.from_public_key(k.public_key()).digest)))
num = lambda n: ext('2.5.29.20', INT(n))
D = datetime.timedelta
seeds = {
 'empty': crl(ec_ca, [], crlexts=[aki(ec_key), num(1)]),
 'revoked-keycompromise': crl(ec_ca, [entry(0x0fff, NOW - D(days=30)), entry(0x1002, NOW - D(days=2), [reason(1), inval(NOW - D(days=3))]), entry(0x1003, NOW - D(days=2))], crlexts=[aki(ec_key), num(7)]),
 'revoked-noreason': crl(ec_ca, [entry(0x1002, NOW - D(days=2))]),
 'remove-from-crl': crl(ec_ca, [entry(0x1002, NOW - D(days=2), [reason(8)]), entry(0x1001, NOW - D(days=1), [reason(6)])], crlexts=[ext('2.5.29.27', INT(3), True)]),
 'no-next-update': crl(ec_ca, [entry(0x1002, NOW - D(days=2), [reason(4)])], nxt=None),
 'stale': crl(ec_ca, [entry(0x1002, NOW - D(days=20), [reason(1)])], this=NOW - D(days=10), nxt=NOW - D(hours=2)),
 'future': crl(ec_ca, [], this=NOW + D(days=2), nxt=NOW + D(days=9)),
 'crit-entry-ext': crl(ec_ca, [entry(0x1002, NOW - D(days=2), [ext('2.5.29.29', SEQ(T(0xa4, issuer_der(rsa_ca))), True), reason(2, True)])]),
 'unknown-exts': crl(ec_ca, [entry(0x1002, NOW - D(days=2), [ext('1.2.3.4', b'\x05\x00'), reason(10)])], crlexts=[ext('2.5.29.28', SEQ(T(0xa0, T(0xa0, T(0x86, b'http://crl.test/ec.crl')))), True), ext('1.2.3.5', b'')]),
 'many-entries': crl(ec_ca, [entry(0x2000 + i, NOW - D(days=i % 30 + 1), [reason(i % 11)] if i % 3 else None) for i in range(120)] + [entry(0x1002, NOW - D(days=1), [reason(5)])]),
 'v1-generalized': crl(ec_ca, [entry(0x1002, NOW - D(days=2))], v2=False),
 'rsa': crl(rsa_ca, [entry(0x80, NOW - D(days=2), [reason(3)])], key=rsa_key, alg=rsasha),
 'wrong-key': crl(ec_ca, [entry(0x1002, NOW - D(days=2), [reason(1)])], key=other),
 'other-issuer': crl(rsa_ca, [entry(0x1002, NOW - D(days=2))]),
 'remove-from-crl-noncrit': crl(ec_ca, [entry(0x1002, NOW - D(days=2), [reason(8)]), entry(0x1001, NOW - D(days=1), [reason(6)])], crlexts=[ext('2.5.29.27', INT(3))]),
 'unknown-exts-noncrit': crl(ec_ca, [entry(0x1002, NOW - D(days=2), [ext('1.2.3.4', b'\x05\x00'), reason(10)])], crlexts=[ext('2.5.29.28', SEQ(T(0xa0, T(0xa0, T(0x86, b'http://crl.test/ec.crl'))))), ext('1.2.3.5', b'')]),
 'serial-neg-and-zero': crl(ec_ca, [SEQ(T(0x02, b'\x00\x80'), UTC(NOW - D(days=2))), SEQ(T(0x02, b'\xff'), UTC(NOW - D(days=2))), SEQ(INT(0x1002), UTC(NOW - D(days=2)), SEQ(reason(1), reason(2)))]),
}
# byte 0: mode (see fuzz_crl.c); the same CRL through the three ways in
for k, der in seeds.items():
    for mode, tag in [(0x00, 'check'), (0x01, 'cache'), (0x02, 'http'), (0x0b, 'cache-http-late')]:
        if tag != 'check' and k not in ('empty', 'revoked-keycompromise', 'stale', 'no-next-update', 'rsa', 'many-entries'):
            continue
        sel = mode | (0x20 if k == 'rsa' else 0) | (0x10 if k not in ('empty', 'future') else 0)
        open(os.path.join(out, '%s-%s' % (tag, k)), 'wb').write(bytes([sel]) + der)
print('FUZZ_NOW', int(NOW.replace(tzinfo=datetime.timezone.utc).timestamp()))
