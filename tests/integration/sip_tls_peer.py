#!/usr/bin/env python3
"""A TLS peer for test_sip_tls: python3's ssl (OpenSSL), one connection.

sip_tls_peer.py MODE PORT CERT KEY CA

Requires a client certificate that chains to CA, prints "peer: SUBJECT"
after the handshake, then by MODE:
  sip       answers a CRLF-CRLF ping with CRLF (RFC 5626 pong) and any
            message with a 200 OK written in three pieces (framing test)
  bad-cl    sends a response whose Content-Length is not a number
  too-long  sends 100 KiB without an empty line
  binary    sends random bytes (well-formed TLS records, not SIP)
  close     closes at once after the handshake
  p256      as sip, with ECDHE on P-256 only (a registrar without X25519)
The port is bound before "listening" is printed.
"""
import os
import socket
import ssl
import sys

mode, port, cert, key, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
if mode == "p256":
    ctx.set_ecdh_curve("prime256v1")

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
print("listening", flush=True)

OK = (b"SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS x.invalid;branch=z9hG4bK1\r\n"
      b"Call-ID: peer\r\nCSeq: 1 REGISTER\r\nContent-Length: 4\r\n\r\nbody")

while True:
    raw, _ = srv.accept()
    try:
        conn = ctx.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError) as ex:
        print("handshake failed:", ex, flush=True)
        continue
    subject = dict(x[0] for x in conn.getpeercert()["subject"])
    print("peer:", subject.get("commonName"), flush=True)
    if mode == "bad-cl":
        conn.sendall(b"SIP/2.0 200 OK\r\nCall-ID: x\r\nContent-Length: lots\r\n\r\n")
    elif mode == "too-long":
        conn.sendall(b"SIP/2.0 200 OK\r\nX: " + b"a" * 100000)
    elif mode == "binary":
        conn.sendall(os.urandom(70000))
    elif mode == "close":
        conn.close()
        continue
    else:
        buf = b""
        while True:
            try:
                data = conn.recv(65536)
            except (ssl.SSLError, OSError):
                break
            if not data:
                break
            buf += data
            while True:
                if buf.startswith(b"\r\n\r\n"):
                    buf = buf[4:]
                    print("ping", flush=True)
                    conn.sendall(b"\r\n")
                    continue
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                buf = buf[end + 4:]
                print("message", flush=True)
                for part in (OK[:10], OK[10:60], OK[60:]):
                    conn.sendall(part)
    try:
        conn.recv(1)  # wait for the client to go
    except (ssl.SSLError, OSError):
        pass
    conn.close()
