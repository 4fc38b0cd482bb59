#!/usr/bin/env python3
"""Seeds for fuzz_dns: DNS answers as a server sends them (first byte: the
query type, 0 NAPTR, 1 SRV, 2 A, 3 AAAA). Usage: dns.py OUTDIR"""
import os
import struct
import sys


def name(n):
    out = b""
    for label in n.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def answer(qname, qtype, rrs, rcode=0, compress=False):
    hdr = struct.pack(">HHHHHH", 0x1234, 0x8180 | rcode, 1, len(rrs), 0, 0)
    q = name(qname) + struct.pack(">HH", qtype, 1)
    body = b""
    for ttl, rdata in rrs:
        owner = b"\xc0\x0c" if compress else name(qname)
        body += owner + struct.pack(">HHIH", qtype, 1, ttl, len(rdata)) + rdata
    return hdr + q + body


def srv(prio, weight, port, target):
    return struct.pack(">HHH", prio, weight, port) + name(target)


def naptr(order, pref, flags, service, regexp, repl):
    s = lambda b: bytes([len(b)]) + b
    return (struct.pack(">HH", order, pref) + s(flags) + s(service) + s(regexp)
            + name(repl))


seeds = {
    "naptr": (0, answer("example.test", 35, [
        (300, naptr(10, 50, b"s", b"SIPS+D2T", b"", "_sips._tcp.example.test")),
        (60, naptr(20, 50, b"S", b"SIP+D2U", b"", "_sip._udp.example.test")),
        (60, naptr(30, 50, b"u", b"E2U+sip", b"!^.*$!sip:a@b!", "."))], compress=True)),
    "srv": (1, answer("_sips._tcp.example.test", 33, [
        (300, srv(10, 60, 5061, "a.example.test")),
        (120, srv(10, 40, 5061, "b.example.test")),
        (60, srv(20, 0, 5062, "."))])),
    "a": (2, answer("a.example.test", 1, [(300, bytes([127, 0, 0, 2])),
                                          (30, bytes([127, 0, 0, 3]))], compress=True)),
    "aaaa": (3, answer("a.example.test", 28, [(300, bytes(15) + b"\1")])),
    "nxdomain": (1, answer("_sips._tcp.nope.test", 33, [], rcode=3)),
    "truncated": (1, answer("_sips._tcp.example.test", 33,
                            [(300, srv(10, 60, 5061, "a.example.test"))])[:40]),
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for n, (t, data) in seeds.items():
    with open(os.path.join(out, n), "wb") as f:
        f.write(bytes([t]) + data)
