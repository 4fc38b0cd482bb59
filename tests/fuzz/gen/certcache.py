#!/usr/bin/env python3
"""Seeds for fuzz_certcache: certificate-cache blobs (certcache.h), well
formed (no entry, one certificate, four slots with empty ones) and not
(truncated, a slot twice). Usage: certcache.py OUTDIR"""
import hashlib
import os
import struct
import sys

KEY = hashlib.sha256(b"piv\0seed-chuid").digest()
DER = bytes.fromhex("3082010a") + bytes(range(200))


def blob(ents):
    b = b"SGCC\x01" + bytes([len(ents)]) + KEY
    for ref, present, der in ents:
        b += bytes([ref, present]) + struct.pack(">H", len(der)) + der
    return b


SEEDS = {
    "empty": blob([]),
    "one": blob([(0x9A, 1, DER)]),
    "slots": blob([(0x9A, 1, DER), (0x9C, 0, b""), (0x9D, 0, b""), (0x9E, 1, DER[:50])]),
    "trunc": blob([(0x9A, 1, DER)])[:-7],
    "dup": blob([(0x9A, 0, b""), (0x9A, 0, b"")]),
}

for name, data in SEEDS.items():
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(data)
