# Seeds for fuzz_names (see fuzz_names.c for the input format):
#   python3 tests/fuzz/gen/names.py tests/fuzz/corpus/names
# Names (mode 0) and name pairs (2) from PKITS 4.3's certificates, values
# of each directory-string type (1), and the NameConstraints of PKITS
# 4.13's CAs with the end-entity certificate of a case under each (3).
import os, sys
sys.path.insert(0, os.path.dirname(__file__))
from der import read_tlv, children

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
certs = 'tests/pkits/certs/'
def load(n): return open(certs + n + '.crt', 'rb').read()
def tbs(der):
    tag, vs, l = read_tlv(der, 0)
    t = children(der, vs, vs + l)[0]
    k = children(der, t[2], t[2] + t[3])
    if k[0][0] == 0xa0: k = k[1:]
    full = lambda x: der[x[1]:x[2] + x[3]]
    return full(k[2]), full(k[4]), k  # issuer, subject, fields
def ext(der, oid):
    _, _, k = tbs(der)
    for tag, s, v, l in k:
        if tag != 0xa3: continue
        seq = children(der, v, v + l)[0]
        for _, es, ev, el in children(der, seq[2], seq[2] + seq[3]):
            parts = children(der, ev, ev + el)
            if der[parts[0][2]:parts[0][2] + parts[0][3]] == oid:
                o = parts[-1]
                return der[o[2]:o[2] + o[3]]
def w(name, b): open(os.path.join(out, name), 'wb').write(b)
def l2(b): return len(b).to_bytes(2, 'big')

rows = [r.split('\t') for r in open('tests/pkits/manifest.tsv').read().splitlines()[1:]]
for r in rows:
    if r[0].startswith('4.3.'):
        c = r[2].split(',')
        ca, ee = load(c[1]), load(c[2])
        iss, sub, _ = tbs(ee)
        _, casub, _ = tbs(ca)
        w('name-' + r[0], b'\0' + sub)
        w('pair-' + r[0], b'\2' + l2(iss) + iss + casub)
seen = set()
for r in rows:
    if r[0].startswith('4.13.'):
        c = r[2].split(',')
        for ca in c[1:-1]:
            v = ext(load(ca), bytes([0x55, 0x1d, 0x1e]))
            if v and ca not in seen:
                seen.add(ca)
                w('nc-' + r[0], b'\3' + l2(v) + v + load(c[-1]))
for tag, v, n in [(12, 'J\u00fcrgen M\u00fcller'.encode(), 'utf8'), (19, b'Alice', 'printable'),
                  (22, b'a@b.test', 'ia5'), (20, b'J\xfcrgen', 't61'),
                  (30, 'J\u00fc\U0001F600'.encode('utf-16-be'), 'bmp'),
                  (28, 'M\u20ac'.encode('utf-32-be'), 'universal'),
                  (30, b'\xd8\x00\x00A', 'bmp-lone-surrogate'), (12, b'\xc0\x80', 'utf8-overlong')]:
    w('value-' + n, bytes([1, tag]) + v)
