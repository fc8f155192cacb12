#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Generic Netlink fuzzer for the gnvsec family (Python 3 stdlib only).

Sends COUNT messages (default 100000) to the "gnvsec" family of the
network namespace it runs in: random commands including unknown ones,
random, nested, truncated and duplicated attributes, wrong lengths and
types, out-of-range values, truncated Generic Netlink headers, wrong
nlmsg_len, NLM_F_DUMP on every command, and a share of well-formed
TUNNEL_NEW/SET/DEL/BIND/UNBIND and GLOBAL_SET requests on a few tunnel
names so that real state changes happen (devices created and deleted,
configurations published, UDP sockets opened and closed, events sent to a
listener that this tool also runs).

Messages go out in batches (several messages per sendmsg(), each batch
followed by draining every reply with MSG_DONTWAIT); the message stream
depends only on the seed, never on the kernel's answers, so `--seed S`
replays it. The seed is printed first. At the end the tool prints how many
messages it sent, how long it took, how many answers carried each errno,
and counts of the kinds of messages sent.

    nlfuzz.py [--seed S] [--count N] [--batch B] [--jobs J]
              [--max-seconds T] [--print-messages N]

--jobs J forks J workers (seeds S, S+1, ...), each sending its share of
COUNT, so that requests run in parallel on several CPUs. --max-seconds
stops early (the summary then says so: "stopped early"). Exit status 0
when every worker finished and the accounting is consistent, 1 otherwise.
"""

import errno
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlclient as nc  # noqa: E402
from nlclient import A, C  # noqa: E402

NAMES = ["fz0", "fz1", "fz2", "fz3", "fz4"]
REMOTES4 = [bytes([10, 99, 0, i]) for i in (2, 3, 4, 5)]
REMOTES6 = [socket.inet_pton(socket.AF_INET6, "fd99::%d" % i) for i in (2, 3, 4)]
LOCALS4 = [bytes([10, 99, 0, 1]), bytes(4), bytes([10, 99, 0, 77])]
LOCALS6 = [socket.inet_pton(socket.AF_INET6, "fd99::1"), bytes(16)]
# Another port means another UDP socket, and closing one waits for an RCU
# grace period (tens of ms under emulation): mostly the default port.
PORTS = [6081] * 12 + [6082, 4789, 4500]
MTUS = [68, 576, 1280, 1400, 1450, 1500, 9000, 65485, 65486, 65500, 65535]
U32_EDGES = [0, 1, 2, 255, 256, 0xffff, 0x10000, 0xffffff, 0x1000000,
             0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]

HDR4 = struct.Struct("=IHHI")
ERR = struct.Struct("=i")
MAX_ATTR = max(nc.ATTRS.values())
# The mix of well-formed requests, by weight. Creating and deleting a
# netdevice costs the kernel ~100 times what any other request does (sysfs,
# sysctls, RCU grace periods), so NEW and DEL are a small share.
WELLFORMED_CMDS = ([C.TUNNEL_NEW] * 3 + [C.TUNNEL_SET] * 30 +
                   [C.TUNNEL_DEL] * 1 + [C.TUNNEL_BIND] * 10 +
                   [C.TUNNEL_UNBIND] * 6 + [C.GLOBAL_SET] * 4 +
                   [C.TUNNEL_GET] * 6 + [C.GLOBAL_GET] * 3)
ALL_CMDS = sorted(nc.CMDS.values())
SETTABLE = [A.REMOTE4, A.REMOTE6, A.LOCAL4, A.LOCAL6, A.VNI, A.PORT,
            A.CHASSIS, A.MARK, A.MARK_MASK, A.IPSEC, A.ENCAP, A.MTU,
            A.ALLOW_NULL]


class Gen:
    """The message generator: a pure function of the seed."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.rand = self.r.random
        self.kinds = {}
        self.recent = []     # well-framed messages for havoc()
        # prebuilt attributes that wellformed requests use all the time
        self.name_attrs = [nc.nla(A.IFNAME, n.encode() + b"\0") for n in NAMES]
        self.remote4_attrs = [nc.nla(A.REMOTE4, a) for a in REMOTES4]
        self.remote6_attrs = [nc.nla(A.REMOTE6, a) for a in REMOTES6]

    # random.Random's choice() and randint() are slow; these are what the
    # generator calls hundreds of thousands of times
    def pick(self, seq):
        return seq[int(self.rand() * len(seq))]

    def rint(self, lo, hi):
        return lo + int(self.rand() * (hi - lo + 1))

    def sample(self, seq, k):
        out = list(seq)
        for i in range(k):
            j = i + int(self.rand() * (len(out) - i))
            out[i], out[j] = out[j], out[i]
        return out[:k]

    # -- values -----------------------------------------------------------

    def name(self):
        r = self.rand()
        if r < 0.9:
            return self.pick(NAMES)
        if r < 0.95:
            return self.pick(["lo", "d0", "fz%d", "", "fz0 ", "a/b",
                                  "0123456789abcde", ".", ".."])
        return "".join(self.pick("abcdefghijklmnopqrstuvwxyz0123456789-_")
                       for _ in range(self.rint(1, 15)))

    def valid_payload(self, t):
        r = self.r
        if t == A.IFINDEX:
            return struct.pack("=I", self.rint(1, 12))
        if t == A.IFNAME:
            return self.name().encode() + b"\0"
        if t == A.REMOTE4:
            return self.pick(REMOTES4)
        if t == A.REMOTE6:
            return self.pick(REMOTES6)
        if t == A.LOCAL4:
            return self.pick(LOCALS4)
        if t == A.LOCAL6:
            return self.pick(LOCALS6)
        if t == A.VNI:
            return struct.pack("=I", self.pick([self.rint(0, 7),
                                               self.rint(0, 0xffffff)]))
        if t == A.PORT:
            return struct.pack("=H", self.pick(PORTS))
        if t == A.CHASSIS:
            return ("hv-%d" % self.rint(0, 99)).encode()[:63] + b"\0"
        if t == A.MARK:
            return struct.pack("=I", self.pick([self.rint(0, 15) << 16,
                                               r.getrandbits(32), 0]))
        if t == A.MARK_MASK:
            return struct.pack("=I", self.pick([0xffffffff, 0xffff0000,
                                               r.getrandbits(32) | 1]))
        if t == A.IPSEC:
            return struct.pack("=B", self.rint(0, 2))
        if t == A.ENCAP:
            # forced encapsulation opens NAT-T sockets: see PORTS
            return struct.pack("=B", 2 if self.rand() < 0.1 else self.rint(0, 1))
        if t == A.REQID:
            return struct.pack("=I", self.rint(1, 20))
        if t in (A.SPI_OUT, A.SPI_IN):
            return struct.pack("=I", self.rint(256, 4096))
        if t == A.MTU:
            return struct.pack("=I", self.pick(MTUS))
        if t in (A.GLOBAL_IPSEC, A.GLOBAL_ENCAP, A.ALLOW_NULL):
            return struct.pack("=B", self.rint(0, 1))
        if t in (A.IPSEC_REQUIRED, A.IPSEC_STATE):
            return struct.pack("=B", self.rint(0, 3))
        if t == A.CONFIG_ERROR:
            return b"oops\0"
        if t == A.STATS:
            return self.nested_blob(2)
        return self.blob()

    def blob(self, maxlen=24):
        n = self.pick([0, 1, 2, 3, 4, 5, 8, 15, 16, 17, self.rint(0, maxlen)])
        return self.r.randbytes(n)

    def nested_blob(self, depth):
        out = b""
        for _ in range(self.rint(0, 3)):
            t = self.rint(0, 20)
            if depth > 0 and self.rand() < 0.5:
                out += nc.nla(t | nc.NLA_F_NESTED, self.nested_blob(depth - 1))
            else:
                out += nc.nla(t, self.pick([struct.pack("=Q", self.r.getrandbits(64)),
                                                self.blob()]))
        return out

    def mutated(self, t):
        """One attribute of type @t, broken in a random way."""
        r = self.r
        how = self.rint(0, 9)
        good = self.valid_payload(t)
        if how == 0:    # wrong length: cut or extend
            n = len(good)
            return nc.nla(t, (good + self.blob(8))[:self.pick([0, 1, 2, 3, 5, 6, 7, 17, max(0, n - 1), n + 1])])
        if how == 1:    # edge values of the attribute's width
            if len(good) == 1:
                return nc.nla(t, bytes([self.pick([0, 1, 2, 3, 4, 127, 128, 255])]))
            if len(good) == 2:
                return nc.nla(t, struct.pack("=H", self.pick([0, 1, 0xffff, 0x8000])))
            return nc.nla(t, struct.pack("=I", self.pick(U32_EDGES)))
        if how == 2:    # strings without NUL, too long, embedded NUL, empty
            s = self.pick([b"x" * 16, b"x" * 15, b"x" * 63, b"y" * 64, b"",
                          b"gs\0junk", b"\0", b"fz0", b"x" * 200])
            return nc.nla(t, s + self.pick([b"", b"\0"]))
        if how == 3:    # flags in the type field
            return nc.nla(t | self.pick([nc.NLA_F_NESTED, nc.NLA_F_NET_BYTEORDER,
                                        nc.NLA_F_NESTED | nc.NLA_F_NET_BYTEORDER]),
                          good)
        if how == 4:    # nested garbage where a scalar belongs
            return nc.nla(t | nc.NLA_F_NESTED, self.nested_blob(3))
        if how == 5:    # random payload
            return nc.nla(t, self.blob(40))
        if how == 6:    # the attribute twice, differently
            return nc.nla(t, good) + nc.nla(t, self.valid_payload(t))
        if how == 7:    # unknown or reserved type numbers
            return nc.nla(self.pick([0, MAX_ATTR, MAX_ATTR + 1, MAX_ATTR + 2, 31,
                                    64, 200, 0x3fff]), good)
        if how == 8:    # u64 where u32 is expected and so on
            return nc.nla(t, struct.pack("=Q", r.getrandbits(64)))
        return nc.nla(t, good[::-1] if good else b"\xff")

    # -- messages ---------------------------------------------------------

    def count(self, kind):
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def name_attr(self):
        if self.rand() < 0.85:
            return self.pick(self.name_attrs)
        return nc.nla(A.IFINDEX, self.valid_payload(A.IFINDEX))

    def wellformed(self):
        """A correct request that usually changes state: (cmd, attrs, flags)."""
        cmd = self.pick(WELLFORMED_CMDS)
        attrs = b""
        flags = 0
        if cmd == C.TUNNEL_NEW:
            attrs = self.pick(self.name_attrs)
            attrs += self.pick(self.remote4_attrs) if self.rand() < 0.7 \
                else self.pick(self.remote6_attrs)
            for t in self.sample([A.VNI, A.PORT, A.CHASSIS, A.MARK, A.IPSEC,
                                  A.ENCAP, A.MTU], self.rint(0, 4)):
                attrs += nc.nla(t, self.valid_payload(t))
        elif cmd == C.TUNNEL_SET:
            attrs = self.name_attr()
            for t in self.sample(SETTABLE, self.rint(1, 4)):
                if t in (A.LOCAL4, A.LOCAL6, A.REMOTE6) and self.rand() < 0.6:
                    continue    # mostly IPv4, so that SETs succeed
                attrs += nc.nla(t, self.valid_payload(t))
        elif cmd in (C.TUNNEL_DEL, C.TUNNEL_UNBIND):
            attrs = self.name_attr()
        elif cmd == C.TUNNEL_BIND:
            attrs = self.name_attr()
            if self.rand() < 0.5:
                attrs += nc.nla(A.REQID, self.valid_payload(A.REQID))
            else:
                attrs += nc.nla(A.SPI_OUT, self.valid_payload(A.SPI_OUT))
                attrs += nc.nla(A.SPI_IN, self.valid_payload(A.SPI_IN))
        elif cmd == C.GLOBAL_SET:
            for t in self.sample([A.GLOBAL_IPSEC, A.GLOBAL_ENCAP], self.rint(1, 2)):
                attrs += nc.nla(t, self.valid_payload(t))
        elif cmd == C.TUNNEL_GET:
            if self.rand() < 0.4:
                flags = nc.NLM_F_DUMP
            else:
                attrs = self.name_attr()
        return cmd, attrs, flags

    def message(self, family, seq):
        """One message: (bytes, kind, last) where @last means that it must
        end its batch (its nlmsg_len does not frame it exactly). Half are
        built attribute by attribute; the other half are byte-level
        mutations of recent ones (much cheaper to make, and they reach
        combinations that the structured generator never writes)."""
        if len(self.recent) >= 16 and self.rand() < 0.5:
            msg = self.havoc(self.pick(self.recent), seq)
            self.count("havoc")
            return msg, "havoc", False
        msg, kind, last = self.structured(family, seq)
        if not last:
            if len(self.recent) < 64:
                self.recent.append(msg)
            else:
                self.recent[int(self.rand() * 64)] = msg
        return msg, kind, last

    def havoc(self, orig, seq):
        """A copy of @orig with its attribute area damaged at random; the
        header's length and sequence number are fixed up."""
        b = bytearray(orig)
        n = len(b)
        for _ in range(1 + int(self.rand() * 3)):
            how = int(self.rand() * 6)
            pos = 20 + int(self.rand() * max(1, n - 20))
            if how == 0 and pos < n:        # random byte
                b[pos] = int(self.rand() * 256)
            elif how == 1 and pos + 1 < n:  # interesting 16-bit value
                v = self.pick([0, 1, 3, 4, 5, 8, 0x7fff, 0x8000, 0xffff, 0x4000])
                b[pos:pos + 2] = struct.pack("=H", v)
            elif how == 2 and pos + 3 < n:  # interesting 32-bit value
                b[pos:pos + 4] = struct.pack("=I", self.pick(U32_EDGES))
            elif how == 3:                  # cut
                del b[pos:]
            elif how == 4:                  # repeat a slice
                ln = 4 * (1 + int(self.rand() * 4))
                b[pos:pos] = b[pos:pos + ln]
            elif n > 16:                    # another command, mostly known
                b[16] = self.rint(0, 10)
            n = len(b)
        struct.pack_into("=I", b, 0, max(n, 16))
        struct.pack_into("=I", b, 8, seq)
        if n < 16:
            b.extend(bytes(16 - n))
        return bytes(b)

    def structured(self, family, seq):
        flags = nc.NLM_F_REQUEST | nc.NLM_F_ACK
        version = 1 if self.rand() < 0.9 else self.pick([0, 2, 255])
        p = self.rand()
        if p < 0.35:
            kind = "wellformed"
            cmd, attrs, extra = self.wellformed()
            flags |= extra
        elif p < 0.60:
            kind = "mutated-attr"
            cmd, attrs, extra = self.wellformed()
            flags |= extra
            t = self.rint(1, MAX_ATTR)
            attrs = self.pick([attrs + self.mutated(t), self.mutated(t) + attrs])
        elif p < 0.75:
            kind = "random-attrs"
            cmd = self.pick(ALL_CMDS)
            attrs = b""
            for _ in range(self.rint(0, 6)):
                t = self.rint(0, MAX_ATTR + 2)
                attrs += nc.nla(t, self.valid_payload(t)) if self.rand() < 0.6 \
                    else self.mutated(max(t, 1))
        elif p < 0.80:
            kind = "nested"
            cmd = self.pick(ALL_CMDS)
            attrs = self.name_attr() + nc.nla(self.rint(0, MAX_ATTR + 1) | nc.NLA_F_NESTED,
                                              self.nested_blob(4))
        elif p < 0.86:
            kind = "unknown-cmd"
            cmd = self.pick([0, len(ALL_CMDS), len(ALL_CMDS) + 1, 16, 64, 127, 128, 254, 255])
            attrs = self.name_attr()
        elif p < 0.92:
            kind = "truncated-attr"
            cmd = self.pick(ALL_CMDS)
            attrs = self.name_attr() + nc.nla(A.VNI, struct.pack("=I", 5))
            how = self.rint(0, 3)
            if how == 0:    # nla_len beyond the message
                attrs += struct.pack("=HH", self.rint(9, 400), self.rint(1, MAX_ATTR)) + b"\1\2\3\4"
            elif how == 1:  # nla_len below the attribute header
                attrs += struct.pack("=HH", self.rint(0, 3), self.rint(1, MAX_ATTR)) + b"\0" * 4
            elif how == 2:  # a lone partial attribute header
                attrs += b"\x08\x00"
            else:           # unaligned junk after the attributes
                attrs += self.blob(7)
        else:
            kind = "raw-payload"
            cmd = self.rint(0, 255)
            attrs = self.blob(64)

        # flags: NLM_F_DUMP on anything, sometimes odd bits or no REQUEST
        q = self.rand()
        if q < 0.15:
            flags |= nc.NLM_F_DUMP
        elif q < 0.18:
            flags |= self.pick([nc.NLM_F_ROOT, nc.NLM_F_MATCH, nc.NLM_F_ECHO,
                               0x400, 0x800, 0x1000])
        elif q < 0.20:
            flags &= ~nc.NLM_F_REQUEST
        elif q < 0.50:
            # no ACK: only failures answer (and there are fewer datagrams
            # to receive, one syscall each)
            flags &= ~nc.NLM_F_ACK

        payload = nc.GENLHDR.pack(cmd, version, self.pick([0, 0, 0, 0, 0, 1, 0xffff])) + attrs
        msg = nc.nlmsg(family, flags, seq, payload)
        last = False
        z = self.rand()
        if z < 0.03:
            kind = "truncated-genlhdr"
            msg = nc.nlmsg(family, flags, seq, payload[:self.rint(0, 3)])
        elif z < 0.05:
            # nlmsg_len shorter than the message, by less than a header:
            # the kernel parses a cut message and ignores the rest
            kind = "short-nlmsg_len"
            cut = self.rint(1, min(12, max(1, len(attrs))))
            msg = struct.pack("=I", len(msg) - cut) + msg[4:]
            last = True
        elif z < 0.06:
            # nlmsg_len beyond the datagram, or below a header: dropped
            kind = "bad-nlmsg_len"
            bad = self.pick([len(msg) + self.rint(1, 64), self.rint(0, 15), 0xffffffff])
            msg = struct.pack("=I", bad) + msg[4:]
            last = True
        self.count(kind)
        return msg, kind, last


class Worker:
    def __init__(self, seed, count, batch, deadline):
        self.gen = Gen(seed)
        self.seed = seed
        self.count = count
        self.batch = batch
        self.deadline = deadline
        self.errors = {}        # errno name -> answers
        self.replies = 0        # data messages (GET replies, dump parts)
        self.dumps_done = 0
        self.intr = 0
        self.overruns = 0
        self.events = {}
        self.sent = 0
        self.batches = 0
        self.must_answer = set()    # seqs that asked for an ACK
        self.unacked = set()        # seqs that did not
        self.answered = set()
        self.dup_answers = 0
        self.unasked_acks = 0
        self.g = nc.Genl(ext_ack=True, cap_ack=True)
        self.family = self.g.family
        for sock in (self.g.sock,):
            try:
                sock.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)   # SO_RCVBUFFORCE
            except OSError:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        # a listener, so that every change also builds its event
        self.ev = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, nc.NETLINK_GENERIC)
        self.ev.bind((0, 0))
        grp = self.g.mcgrps.get(nc.UAPI["GNVSEC_MCGRP_EVENTS"])
        if grp is None:
            raise OSError(errno.ENOENT, "no events multicast group")
        self.ev.setsockopt(nc.SOL_NETLINK, nc.NETLINK_ADD_MEMBERSHIP, grp)
        try:
            self.ev.setsockopt(socket.SOL_SOCKET, 33, 1 << 20)
        except OSError:
            pass

    def note(self, name):
        self.errors[name] = self.errors.get(name, 0) + 1

    def drain(self, sock, on_msg):
        while True:
            try:
                data = sock.recv(1 << 17, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno == errno.ENOBUFS:
                    self.overruns += 1
                    continue
                raise
            on_msg(data)

    # Replies are parsed by hand: under emulation, building objects for
    # every ACK would cost more than generating the messages.
    def on_reply(self, data):
        off, end = 0, len(data)
        while off + 16 <= end:
            mlen, mtype, mflags, seq = HDR4.unpack_from(data, off)
            if mlen < 16 or off + mlen > end:
                self.note("malformed-reply")
                return
            if mtype == nc.NLMSG_ERROR:
                err = -ERR.unpack_from(data, off + 16)[0]
                self.note(nc.errname(err))
                self.answer(seq, err)
            elif mtype == nc.NLMSG_DONE:
                self.dumps_done += 1
                err = -ERR.unpack_from(data, off + 16)[0] if mlen >= 20 else 0
                self.note("DONE" if not err else "DONE-" + nc.errname(err))
                self.answer(seq, None)
            elif mtype == self.family:
                self.replies += 1
            else:
                self.note("type-%d" % mtype)
            if mflags & nc.NLM_F_DUMP_INTR:
                self.intr += 1
            off += (mlen + 3) & ~3

    def answer(self, seq, err):
        """Accounting: each request is answered at most once, and one that
        asked for an ACK exactly once; success is never acknowledged
        unasked."""
        if seq in self.answered:
            self.dup_answers += 1
        self.answered.add(seq)
        if err == 0 and seq in self.unacked:
            self.unasked_acks += 1

    def on_event(self, data):
        off, end = 0, len(data)
        while off + 20 <= end:
            mlen, mtype, _, _ = HDR4.unpack_from(data, off)
            if mlen < 16 or off + mlen > end:
                return
            if mtype == self.family:
                n = nc.CMD_NAMES.get(data[off + 16], str(data[off + 16]))
                self.events[n] = self.events.get(n, 0) + 1
            off += (mlen + 3) & ~3

    def run(self):
        seq = 1
        stopped = False
        while self.sent < self.count:
            if self.deadline and time.monotonic() > self.deadline:
                stopped = True
                break
            msgs = []
            n = min(self.batch, self.count - self.sent)
            while len(msgs) < n:
                msg, kind, last = self.gen.message(self.family, seq)
                if kind != "bad-nlmsg_len":
                    if HDR4.unpack_from(msg)[2] & nc.NLM_F_ACK:
                        self.must_answer.add(seq)
                    else:
                        self.unacked.add(seq)
                seq += 1
                # the kernel finds the next message at NLMSG_ALIGN(nlmsg_len)
                msgs.append(msg + b"\0" * (-len(msg) % 4))
                if last:
                    break
            data = b"".join(msgs)
            try:
                self.g.sock.send(data)
            except OSError as e:
                self.note("send-" + nc.errname(e.errno))
            self.sent += len(msgs)
            self.batches += 1
            self.drain(self.g.sock, self.on_reply)
            if self.batches % 8 == 0:
                self.drain(self.ev, self.on_event)
        self.drain(self.g.sock, self.on_reply)
        self.drain(self.ev, self.on_event)
        return stopped

    def summary(self):
        return {
            "seed": self.seed, "sent": self.sent, "batches": self.batches,
            "errors": self.errors, "replies": self.replies,
            "dumps_done": self.dumps_done, "intr": self.intr,
            "overruns": self.overruns, "events": self.events,
            "unanswered": len(self.must_answer - self.answered),
            "dup_answers": self.dup_answers,
            "unasked_acks": self.unasked_acks,
            "kinds": self.gen.kinds,
        }


def merge(total, part):
    for k, v in part.items():
        if isinstance(v, dict):
            merge(total.setdefault(k, {}), v)
        elif k != "seed":
            total[k] = total.get(k, 0) + v


def fmt_counts(d):
    return " ".join("%s=%d" % kv for kv in sorted(d.items(), key=lambda kv: -kv[1]))


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=0)
    ap.add_argument("--print-messages", type=int, default=0, metavar="N",
                    help="print the first N messages in hex and exit")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    print("nlfuzz: seed=%d count=%d batch=%d jobs=%d (replay: --seed %d)"
          % (seed, args.count, args.batch, args.jobs, seed), flush=True)

    if args.print_messages:
        gen = Gen(seed)
        for i in range(args.print_messages):
            msg, kind, _ = gen.message(0x1f, i + 1)
            print("%6d %-18s %s" % (i + 1, kind, msg.hex()))
        return 0

    start = time.monotonic()
    deadline = start + args.max_seconds if args.max_seconds else 0
    shares = [args.count // args.jobs + (1 if i < args.count % args.jobs else 0)
              for i in range(args.jobs)]
    pipes = []
    for i in range(args.jobs):
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            rc, out = 0, {}
            try:
                w = Worker(seed + i, shares[i], args.batch, deadline)
                stopped = w.run()
                out = w.summary()
                out["stopped"] = int(stopped)
            except Exception as e:  # reported by the parent
                out = {"exception": "%s: %s" % (type(e).__name__, e)}
                rc = 1
            os.write(wfd, repr(out).encode())
            os._exit(rc)
        os.close(wfd)
        pipes.append((pid, rfd))

    total, ok = {}, True
    import ast
    for pid, rfd in pipes:
        chunks = []
        while True:
            b = os.read(rfd, 1 << 16)
            if not b:
                break
            chunks.append(b)
        os.close(rfd)
        _, status = os.waitpid(pid, 0)
        out = ast.literal_eval(b"".join(chunks).decode() or "{}")
        if "exception" in out or status != 0:
            print("nlfuzz: worker %d failed: %s (status %d)"
                  % (pid, out.get("exception", "?"), status))
            ok = False
            continue
        merge(total, out)
    took = time.monotonic() - start

    sent = total.get("sent", 0)
    print("nlfuzz: sent %d messages in %d batches in %.1f s (%.0f/s)%s"
          % (sent, total.get("batches", 0), took, sent / took if took else 0,
             ", stopped early" if total.get("stopped") else ""))
    print("nlfuzz: answers by errno: %s" % fmt_counts(total.get("errors", {})))
    print("nlfuzz: data replies %d, dumps completed %d, NLM_F_DUMP_INTR %d, "
          "receive overruns %d" % (total.get("replies", 0),
                                   total.get("dumps_done", 0),
                                   total.get("intr", 0),
                                   total.get("overruns", 0)))
    print("nlfuzz: events heard: %s" % fmt_counts(total.get("events", {})))
    print("nlfuzz: kinds sent: %s" % fmt_counts(total.get("kinds", {})))
    print("nlfuzz: accounting: %d requests that asked for an ACK got none, "
          "%d answered twice, %d acknowledged unasked"
          % (total.get("unanswered", 0), total.get("dup_answers", 0),
             total.get("unasked_acks", 0)))
    if sent != args.count and not total.get("stopped"):
        ok = False
    # lost answers are only excusable when the receive queue overflowed
    if not total.get("overruns") and (total.get("unanswered") or
                                      total.get("dup_answers") or
                                      total.get("unasked_acks")):
        ok = False
    print("nlfuzz: seed=%d %s" % (seed, "done" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
