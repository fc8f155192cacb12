#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A fixed amount of data over one TCP connection (port 5201).

    xfer.py listen ADDR sink|source BYTES
    xfer.py connect ADDR sink|source BYTES

The source sends BYTES and half-closes; the sink reads until the end of
stream and prints what it read. The source then waits for the sink to
close, so both ends finish with the transfer, however slow it is.
"""
import socket
import sys

role, addr, mode, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
if role == "listen":
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 5201))
    s.listen(1)
    print("listening", file=sys.stderr, flush=True)
    c, _ = s.accept()
    s.close()
else:
    c = socket.create_connection((addr, 5201), timeout=110)
c.settimeout(110)
if mode == "sink":
    got = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        got += len(b)
    print(got)
else:
    buf, left = bytes(65536), size
    while left:
        left -= c.send(buf[:min(left, len(buf))])
    c.shutdown(socket.SHUT_WR)
    c.recv(1)  # until the sink has read everything and closed
c.close()
