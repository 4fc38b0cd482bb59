# Seeds for fuzz_path (see fuzz_path.c for the input format):
#   python3 tests/fuzz/gen/path.py tests/fuzz/corpus/path
# Every PKITS case: the end entity, the trust anchor, the intermediates,
# with the case's policy inputs as flags (initial set NIST-test-policy-1
# only where it is exactly that); and a few variants (the pool twice,
# time_soft, signatures taken as valid).
import os, sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
certs = 'tests/pkits/certs/'
def load(n): return open(certs + n + '.crt', 'rb').read()
def rec(b): return len(b).to_bytes(2, 'big') + b

rows = [r.split('\t') for r in open('tests/pkits/manifest.tsv').read().splitlines()[1:]]
seen = set()
for r in rows:
    c = r[2].split(',')
    flags = (2 if r[6] == 'true' else 0) | (4 if r[8] == 'true' else 0) | \
            (8 if r[9] == 'true' else 0) | (16 if r[5] == 'NIST-test-policy-1' else 0)
    body = rec(load(c[-1])) + rec(load(c[0])) + b''.join(rec(load(x)) for x in c[1:-1])
    name = 'pkits-' + r[0]
    if name in seen:
        name += '-' + str(flags)
    if name in seen:
        continue
    seen.add(name)
    open(os.path.join(out, name), 'wb').write(bytes([flags, 0]) + body)
    if r[0] in ('4.1.1', '4.5.3', '4.13.1', '4.10.1', '4.6.15'):
        for extra, tag in ((32, 'twice'), (1, 'soft'), (128, 'anysig')):
            open(os.path.join(out, name + '-' + tag), 'wb').write(bytes([flags | extra, 0]) + body)
