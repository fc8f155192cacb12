#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Stand-ins for an IKE daemon's NAT-T socket, for selftests/65-natt.sh.

  ikeport.py daemon 4|6    binds UDP port 4500 on the wildcard address of
                           the family as charon does (IPv6: IPV6_V6ONLY; no
                           SO_REUSEADDR, as strongSwan since 5.9.8), sets
                           UDP_ENCAP_ESPINUDP, prints "bound" and then
                           "got HEX SRC" for each datagram it receives;
                           a failed bind prints "bind: ERROR" and exits 1.
  ikeport.py send ADDR     sends an IKE-like datagram (non-ESP marker: four
                           zero bytes first) to ADDR port 4500.
"""
import socket
import sys

UDP_ENCAP = 100
UDP_ENCAP_ESPINUDP = 2
PORT = 4500
IKE = b"\0\0\0\0" + b"gnvsec-ike-test"


def daemon(fam):
    v6 = fam == "6"
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET,
                      socket.SOCK_DGRAM)
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    try:
        s.bind(("::" if v6 else "0.0.0.0", PORT))
    except OSError as e:
        print("bind:", e.strerror, flush=True)
        sys.exit(1)
    s.setsockopt(socket.IPPROTO_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)
    print("bound", flush=True)
    while True:
        data, addr = s.recvfrom(4096)
        print("got", data.hex(), addr[0], flush=True)


def send(addr):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.sendto(IKE, (addr, PORT))


if __name__ == "__main__":
    if sys.argv[1] == "daemon":
        daemon(sys.argv[2])
    elif sys.argv[1] == "send":
        send(sys.argv[2])
    else:
        sys.exit("usage: ikeport.py daemon 4|6 | send ADDR")
