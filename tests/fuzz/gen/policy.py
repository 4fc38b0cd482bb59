#!/usr/bin/env python3
"""Seeds for fuzz_policy (input format: the top of tests/fuzz/fuzz_policy.c):
one input per PKITS 4.8-4.12 case, its path's certificates below the trust
anchor as their extension fields ([3] { Extensions }), with the case's policy
inputs and self-issued certificates; and a few policy lists (bit 4).

    python3 tests/fuzz/gen/policy.py tests/fuzz/corpus/policy
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from der import tbs_ext_field, read_tlv, children  # noqa: E402


def names(der):
    """(issuer, subject) DER of a certificate."""
    tag, vs, l = read_tlv(der, 0)
    tbs = children(der, vs, vs + l)[0]
    kids = children(der, tbs[2], tbs[2] + tbs[3])
    if kids[0][0] == 0xa0:  # version
        kids = kids[1:]
    iss, subj = kids[2], kids[4]
    return der[iss[1]:iss[2] + iss[3]], der[subj[1]:subj[2] + subj[3]]


def main(out):
    os.makedirs(out, exist_ok=True)
    seen = set()
    for line in open('tests/pkits/manifest.tsv'):
        f = line.rstrip('\n').split('\t')
        if not f[0].split('.')[1:2] or f[0].split('.')[1] not in ('8', '9', '10', '11', '12'):
            continue
        flags = (f[6] == 'true') | (f[8] == 'true') << 1 | (f[9] == 'true') << 2
        flags |= (f[5] not in ('-', "''")) << 3
        body, self_issued = b'', 0
        for i, stem in enumerate(f[2].split(',')[1:]):
            der = open('tests/pkits/certs/%s.crt' % stem, 'rb').read()
            iss, subj = names(der)
            if iss == subj:
                self_issued |= 1 << i
            ext = tbs_ext_field(der) or b''
            body += len(ext).to_bytes(2, 'big') + ext
        data = bytes([flags]) + self_issued.to_bytes(2, 'big') + body
        if data in seen:
            continue
        seen.add(data)
        name = 'pkits-%s-%s' % (f[0], f[1].split('(')[-1].rstrip(')').replace(' ', '') if '(' in f[1] else '')
        open(os.path.join(out, name.rstrip('-')), 'wb').write(data)
    lists = [b'2.16.840.1.101.3.2.1.3.13', b'1.2, 1.3 ,2.5.29.32.0', b'1.2..3', b'3.1',
             b'1.2.72057594037927935,0.39']
    for i, t in enumerate(lists):
        open(os.path.join(out, 'list-%d' % i), 'wb').write(b'\x10' + t)


main(sys.argv[1])
