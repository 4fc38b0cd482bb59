import sys, datetime, os
sys.path.insert(0, '/tmp/gen')
from der import tbs_ext_field
from cryptography import x509
from cryptography.x509.oid import NameOID, AuthorityInformationAccessOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
out = sys.argv[1]
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'x509ext fuzz')])
def cert(exts):
    b = x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()) \
        .serial_number(0x1234).not_valid_before(datetime.datetime(2025,1,1)).not_valid_after(datetime.datetime(2035,1,1))
    for e, crit in exts:
        b = b.add_extension(e, crit)
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
U = x509.UniformResourceIdentifier
def aia(*pairs):
    return x509.AuthorityInformationAccess([x509.AccessDescription(m, U(u)) for m, u in pairs])
O, C = AuthorityInformationAccessOID.OCSP, AuthorityInformationAccessOID.CA_ISSUERS
def dp(*names, reasons=None, crl_issuer=None, relative=None):
    if relative:
        return x509.DistributionPoint(None, relative, reasons, crl_issuer)
    return x509.DistributionPoint(list(names) if names else None, None, reasons, crl_issuer)
cases = {
 'aia-ocsp-ca': [(aia((O, 'http://ocsp.example.test/'), (C, 'http://ca.example.test/ca.crt')), False)],
 'aia-many': [(aia(*[(O, 'http://o%d.test:80%02d/path?q=%d' % (i, i, i)) for i in range(6)] + [(C, 'ldap://ldap.test/cn=ca')]), False)],
 'aia-ipv6-port': [(aia((O, 'http://[2001:db8::1]:8080/ocsp'), (C, 'http://[::1]/x%20y.crt')), True)],
 'crldp-one': [(x509.CRLDistributionPoints([dp(U('http://crl.example.test/ca.crl'))]), False)],
 'crldp-many': [(x509.CRLDistributionPoints([dp(U('ldap://l.test/cn=x?certificateRevocationList'), U('http://a.test/a.crl')), dp(U('http://b.test:8081/b.crl'), x509.DNSName('b.test')), dp(x509.DirectoryName(name)), dp(U('HTTP://UPPER.test/U.CRL'))]), False)],
 'crldp-relative-issuer': [(x509.CRLDistributionPoints([dp(relative=x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME, 'rel')])), dp(U('http://c.test/c.crl'), reasons=frozenset([x509.ReasonFlags.key_compromise]), crl_issuer=[x509.DirectoryName(name)])]), False)],
 'both-critical': [(aia((O, 'http://127.0.0.1:2560')), False), (x509.CRLDistributionPoints([dp(U('http://127.0.0.1:8000/crl.der'))]), True), (x509.BasicConstraints(False, None), True), (x509.KeyUsage(True, False, False, False, False, False, False, False, False), True)],
 'long-url': [(aia((O, 'http://long.test/' + 'a' * 480)), False), (x509.CRLDistributionPoints([dp(U('http://long.test/' + 'b' * 600))]), False)],
 'https-and-userinfo': [(aia((O, 'https://s.test/'), (O, 'http://user:pw@h.test/'), (O, 'http://h.test:0/'), (O, 'http://h.test:99999/'), (O, 'http://h.test/%zz')), False)],
 'none': [(x509.BasicConstraints(True, 0), True)],
}
os.makedirs(out, exist_ok=True)
for k, exts in cases.items():
    der = cert(exts)
    open(os.path.join(out, 'cert-' + k), 'wb').write(b'\x00' + der)
    f = tbs_ext_field(der)
    if f:
        open(os.path.join(out, 'exts-' + k), 'wb').write(b'\x01' + f)
for i, u in enumerate(['http://crl.example.test/ca.crl', 'http://[::1]:8080/ocsp?x=1', 'http://h.test:65535', 'http://h.test:65536/', 'http://h..test/', 'HTTP://H.TEST?q', 'http://-h.test/', 'http://h.test/%4', 'http://[fe80::1%25eth0]/', 'https://x/', 'http://a@b/', 'http://' + 'h' * 256 + '/', 'http://h.test/' + 'p' * 1020, 'http://1.2.3.4:80/ok%20']):
    open(os.path.join(out, 'url-%02d' % i), 'wb').write(b'\x02' + u.encode())
