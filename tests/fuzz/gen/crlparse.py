# crlparse.py CORPUS PEMOUT: seeds for fuzz_crlparse from the PKITS CRLs
# (tests/pkits/crls: IDP variants, indirect entries, deltas, unknown
# critical extensions), each behind a selector byte, and the PKITS
# certificates the harness embeds (PEMOUT, for embed.py).
import base64, hashlib, os, sys
top = os.path.join(os.path.dirname(__file__), '..', '..', '..')
certs = [  # name in the harness, PKITS file
    ('anchor', 'TrustAnchorRootCertificate'),
    ('dp5', 'ValiddistributionPointTest5EE'),     # nameRelativeToCRLIssuer
    ('issuer28', 'ValidcRLIssuerTest28EE'),       # cRLIssuer, indirect
    ('ca13', 'onlyContainsCACertsCACert'),       # a CA certificate
    ('delta2', 'ValiddeltaCRLTest2EE'),
    ('reasons19', 'ValidonlySomeReasonsTest19EE'),
]
out, corpus = sys.argv[2], sys.argv[1]
with open(out, 'w') as f:
    for name, fn in certs:
        der = open(os.path.join(top, 'tests/pkits/certs', fn + '.crt'), 'rb').read()
        b = base64.b64encode(der).decode()
        f.write('== %s\n-----BEGIN CERTIFICATE-----\n' % name)
        for i in range(0, len(b), 64):
            f.write(b[i:i + 64] + '\n')
        f.write('-----END CERTIFICATE-----\n')
os.makedirs(corpus, exist_ok=True)
crls = sorted(os.listdir(os.path.join(top, 'tests/pkits/crls')))
for i, fn in enumerate(crls):
    der = open(os.path.join(top, 'tests/pkits/crls', fn), 'rb').read()
    data = bytes([i % 5 + 1]) + der
    open(os.path.join(corpus, hashlib.sha1(data).hexdigest()), 'wb').write(data)
