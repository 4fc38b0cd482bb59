#!/usr/bin/env python3
"""tcp_forward.py LISTEN_PORT TARGET_PORT [ADDR]: a TCP forwarder for
test_tls_resume (tests/integration): accepts on ADDR:LISTEN_PORT (default
127.0.0.1) and copies bytes both ways to ADDR:TARGET_PORT. Killing it
drops every connection it carries, as a network loss would, while the
registrar behind it keeps running. Prints "listening" once it accepts."""
import socket
import sys
import threading


def pipe(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    lport, tport = int(sys.argv[1]), int(sys.argv[2])
    addr = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, lport))
    ls.listen(16)
    print("listening", flush=True)
    while True:
        c, _ = ls.accept()
        try:
            u = socket.create_connection((addr, tport), timeout=5)
            u.settimeout(None)
        except OSError:
            c.close()
            continue
        for a, b in ((c, u), (u, c)):
            threading.Thread(target=pipe, args=(a, b), daemon=True).start()


if __name__ == "__main__":
    main()
