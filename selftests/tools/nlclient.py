#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Raw Generic Netlink client for gnvsec's selftests (Python 3 stdlib only).

It crafts gnvsec requests byte by byte, so that tests can send what
gnvsecctl never would (wrong lengths, unknown attributes, read-only ones)
and see exactly what the kernel answers: the errno, the extended ack text,
the attribute the ack's offset points at, a missing attribute, and the
policy the kernel reports for the offending attribute. The names of
commands and attributes come from uapi/linux/gnvsec.h itself.

    nlclient.py req CMD [--dump] [--no-ack] [--changed] ATTR...
        ATTR is NAME=TYPE:VALUE; NAME an attribute name (vni, ifname, ...)
        or number; TYPE one of u8 u16 u32 u64 str (NUL-terminated) raw (no
        NUL) hex ip4 ip6 nest (VALUE: nothing) or len (VALUE: N zero bytes).
        Prints "errno=NAME", "msg=...", "attr=NAME", "miss=NAME",
        "policy=k:v,...", for replies "reply CMD k=v ...", and with
        --changed "changed=yes|no" (state of the namespace before/after).
    nlclient.py expect < CASES
        one request per line, "[--dump] CMD ATTR... => KEY=VALUE...", keys:
        errno (a name: EINVAL, OK), msg (a substring of the extack text),
        attr (the attribute the extack offset points at), miss (the
        missing attribute), policy (a substring of the reported policy),
        changed (yes|no; default "no" for every refused request). Prints
        "ok: CASE" or "FAIL: CASE: what came back"; exits 1 on any FAIL.
    nlclient.py state                   the namespace's tunnels and globals
    nlclient.py new-many PREFIX COUNT REMOTE4 [VNI_BASE]
    nlclient.py del-many PREFIX COUNT
    nlclient.py dump-check PREFIX [--rcvbuf BYTES] [--bufsize BYTES]
                           [--expect REMOTE4 VNI_BASE]
        dumps with a small receive buffer; prints datagrams=, messages=,
        intr=, prefix_unique=, prefix_dups=, and with --expect
        prefix_wrong= (tunnels whose remote or VNI is not new-many's)
    nlclient.py dump-intr [--add NAME REMOTE4 VNI]
        reads the first part of a dump, optionally adds a tunnel from a
        second socket, reads the rest; prints datagrams=, messages=, intr=
    nlclient.py link-new NAME ATTR...
        rtnetlink RTM_NEWLINK of kind gnvsec, ATTR (as for req) inside
        IFLA_INFO_DATA (none: no IFLA_INFO_DATA); prints errno=, msg=, and
        attr= (the IFLA_INFO_DATA attribute the extack offset points at)
    nlclient.py link-info NAME
        rtnetlink RTM_GETLINK: the device's IFLA_INFO_KIND as kind=, then its
        IFLA_INFO_DATA attributes one per line as NAME=VALUE, sorted

Exit status: 0 when the tool did its job (whatever the kernel answered),
1 on a tool error (no family, bad arguments, unparseable reply).
"""

import errno
import os
import re
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11

NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_ECHO = 0x8
NLM_F_DUMP_INTR = 0x10
NLM_F_ROOT = 0x100
NLM_F_MATCH = 0x200
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_CAPPED = 0x100     # in NLMSG_ERROR
NLM_F_ACK_TLVS = 0x200   # in NLMSG_ERROR

NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN = 1, 2, 3, 4

NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLMSGERR_ATTR_POLICY = 4
NLMSGERR_ATTR_MISS_TYPE = 5

NL_POLICY_TYPE_ATTR_NAMES = {
    1: "type", 2: "min_value_s", 3: "max_value_s", 4: "min_value_u",
    5: "max_value_u", 6: "min_length", 7: "max_length",
    8: "policy_idx", 9: "policy_maxtype", 10: "bitfield32_mask",
    11: "pad", 12: "mask",
}
NL_ATTR_TYPE_NAMES = {
    0: "invalid", 1: "flag", 2: "u8", 3: "u16", 4: "u32", 5: "u64",
    6: "s8", 7: "s16", 8: "s32", 9: "s64", 10: "binary", 11: "string",
    12: "nul-string", 13: "nested", 14: "nested-array", 15: "bitfield32",
}

GENL_ID_CTRL = 16
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2

NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000
NLA_TYPE_MASK = 0x3fff

HDR = struct.Struct("=IHHII")    # struct nlmsghdr
GENLHDR = struct.Struct("=BBH")  # struct genlmsghdr
NLA = struct.Struct("=HH")       # struct nlattr


def uapi_path():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "uapi", "linux", "gnvsec.h")


def parse_uapi(path=None):
    """The enums and defines of uapi/linux/gnvsec.h, as {name: value}."""
    text = open(path or uapi_path()).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    consts = {}
    for m in re.finditer(r"#define\s+(\w+)\s+\"([^\"]*)\"", text):
        consts[m.group(1)] = m.group(2)
    for m in re.finditer(r"#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)U?\b", text):
        consts[m.group(1)] = int(m.group(2), 0)
    enums = {}
    for m in re.finditer(r"enum\s+(\w+)\s*\{(.*?)\}", text, flags=re.S):
        val, names = 0, []
        for item in m.group(2).split(","):
            item = item.strip()
            if not item:
                continue
            if "=" in item:
                name, expr = (s.strip() for s in item.split("=", 1))
                # a literal, or "(__GNVSEC_IPSEC_MAX - 1)" (the generated
                # header's MAX entries)
                m2 = re.fullmatch(r"\(?\s*(\w+)\s*-\s*1\s*\)?", expr)
                val = consts[m2.group(1)] - 1 if m2 else int(expr, 0)
            else:
                name = item
            names.append((name, val))
            consts[name] = val
            val += 1
        enums[m.group(1)] = names
    return consts, enums


UAPI, ENUMS = parse_uapi()
CMDS = {n[len("GNVSEC_CMD_"):]: v for n, v in ENUMS["gnvsec_cmd"]
        if not n.startswith("__")}
ATTRS = {n[len("GNVSEC_A_"):]: v for n, v in ENUMS["gnvsec_attr"]
         if not n.startswith("__")}
STATS = {n[len("GNVSEC_STAT_"):]: v for n, v in ENUMS["gnvsec_stat"]
         if not n.startswith("__")}
CMD_NAMES = {v: k for k, v in CMDS.items()}
ATTR_NAMES = {v: k for k, v in ATTRS.items()}
A = type("A", (), dict(ATTRS))   # A.IFNAME, A.VNI, ...
C = type("C", (), dict(CMDS))    # C.TUNNEL_NEW, ...


def errname(e):
    if e == 0:
        return "OK"
    return errno.errorcode.get(e, "E%d" % e)


def nla(atype, payload=b""):
    """One attribute with its padding."""
    data = NLA.pack(NLA.size + len(payload), atype) + payload
    return data + b"\0" * (-len(data) % 4)


def nla_u8(t, v):
    return nla(t, struct.pack("=B", v))


def nla_u16(t, v):
    return nla(t, struct.pack("=H", v))


def nla_u32(t, v):
    return nla(t, struct.pack("=I", v))


def nla_u64(t, v):
    return nla(t, struct.pack("=Q", v))


def nla_str(t, s):
    return nla(t, s.encode() + b"\0")


def nlmsg(mtype, flags, seq, payload, pid=0):
    return HDR.pack(HDR.size + len(payload), mtype, flags, seq, pid) + payload


def genlmsg(family, cmd, flags, seq, attrs=b"", version=1):
    return nlmsg(family, flags, seq, GENLHDR.pack(cmd, version, 0) + attrs)


def parse_attrs(data):
    """[(type, flags, payload)] of a buffer of attributes; stops at junk."""
    out, off = [], 0
    while off + NLA.size <= len(data):
        alen, atype = NLA.unpack_from(data, off)
        if alen < NLA.size or off + alen > len(data):
            break
        out.append((atype & NLA_TYPE_MASK, atype & ~NLA_TYPE_MASK,
                    data[off + NLA.size:off + alen]))
        off += (alen + 3) & ~3
    return out


def attr_at(data, offset, base=0, names=ATTR_NAMES):
    """Name of the attribute starting at @offset in @data (nested too)."""
    off = base
    while off + NLA.size <= len(data):
        alen, atype = NLA.unpack_from(data, off)
        if alen < NLA.size:
            break
        t = atype & NLA_TYPE_MASK
        if off == offset:
            return names.get(t, str(t))
        if off < offset < off + alen:
            inner = attr_at(data, offset, off + NLA.size, {})
            return "%s/%s" % (names.get(t, str(t)), inner)
        off += (alen + 3) & ~3
    return "?@%d" % offset


class Reply:
    """One message received: header fields plus decoded parts."""

    def __init__(self, mtype, flags, seq, pid, payload):
        self.type, self.flags, self.seq, self.pid = mtype, flags, seq, pid
        self.payload = payload
        self.error = None
        self.ext = {}
        if mtype == NLMSG_ERROR:
            self._parse_error()
        elif mtype == NLMSG_DONE and len(payload) >= 4:
            self.error = -struct.unpack_from("=i", payload)[0]
            # a dump's own error: the extack's text after the errno
            if self.flags & NLM_F_ACK_TLVS:
                for t, _, v in parse_attrs(payload[4:]):
                    if t == NLMSGERR_ATTR_MSG:
                        self.ext["msg"] = v.rstrip(b"\0").decode(errors="replace")

    def _parse_error(self):
        p = self.payload
        if len(p) < 4 + HDR.size:
            raise ValueError("short NLMSG_ERROR")
        self.error = -struct.unpack_from("=i", p)[0]
        orig_len = HDR.unpack_from(p, 4)[0]
        off = 4 + (HDR.size if self.flags & NLM_F_CAPPED else orig_len)
        self.orig = p[4:off]
        if self.flags & NLM_F_ACK_TLVS:
            for t, _, v in parse_attrs(p[(off + 3) & ~3:]):
                if t == NLMSGERR_ATTR_MSG:
                    self.ext["msg"] = v.rstrip(b"\0").decode(errors="replace")
                elif t == NLMSGERR_ATTR_OFFS:
                    self.ext["offs"] = struct.unpack("=I", v)[0]
                elif t == NLMSGERR_ATTR_MISS_TYPE:
                    self.ext["miss"] = struct.unpack("=I", v)[0]
                elif t == NLMSGERR_ATTR_POLICY:
                    pol = []
                    for pt, _, pv in parse_attrs(v):
                        name = NL_POLICY_TYPE_ATTR_NAMES.get(pt, str(pt))
                        if len(pv) == 8:
                            val = struct.unpack("=Q", pv)[0]
                        elif len(pv) == 4:
                            val = struct.unpack("=I", pv)[0]
                        else:
                            val = pv.hex()
                        if name == "type":
                            val = NL_ATTR_TYPE_NAMES.get(val, val)
                        pol.append("%s:%s" % (name, val))
                    self.ext["policy"] = ",".join(pol)

    def genl_attrs(self):
        return parse_attrs(self.payload[GENLHDR.size:])

    @property
    def cmd(self):
        return self.payload[0] if self.payload else None


def split_msgs(buf):
    """Messages of one datagram, as Reply objects."""
    out, off = [], 0
    while off + HDR.size <= len(buf):
        mlen, mtype, flags, seq, pid = HDR.unpack_from(buf, off)
        if mlen < HDR.size or off + mlen > len(buf):
            raise ValueError("malformed reply at %d (len %d of %d)"
                             % (off, mlen, len(buf)))
        out.append(Reply(mtype, flags, seq, pid, buf[off + HDR.size:off + mlen]))
        off += (mlen + 3) & ~3
    return out


class Genl:
    """A NETLINK_GENERIC socket with the gnvsec family resolved."""

    def __init__(self, rcvbuf=None, ext_ack=True, cap_ack=False,
                 recv_size=65536):
        # The kernel sizes dump parts by the largest buffer recvmsg() was
        # ever given on the socket (up to 32 KiB): a small @recv_size keeps
        # them small.
        self.recv_size = recv_size
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.bind((0, 0))
        self.portid = self.sock.getsockname()[0]
        if ext_ack:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        if cap_ack:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.seq = 1000
        self.family, self.mcgrps = self.resolve(UAPI["GNVSEC_GENL_NAME"])

    def next_seq(self):
        self.seq += 1
        return self.seq

    def recv(self, bufsize=None, flags=0):
        data, _ = self.sock.recvfrom(bufsize or self.recv_size, flags)
        return data

    def resolve(self, name):
        """CTRL_CMD_GETFAMILY: (family id, {group name: id})."""
        seq = self.next_seq()
        self.sock.send(genlmsg(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                               NLM_F_REQUEST | NLM_F_ACK, seq,
                               nla_str(CTRL_ATTR_FAMILY_NAME, name)))
        fam, groups = None, {}
        for r in self.transact(seq):
            if r.type == NLMSG_ERROR and r.error:
                raise OSError(r.error, "family %s: %s" % (name,
                                                         os.strerror(r.error)))
            if r.type != GENL_ID_CTRL:
                continue
            for t, _, v in r.genl_attrs():
                if t == CTRL_ATTR_FAMILY_ID:
                    fam = struct.unpack_from("=H", v)[0]
                elif t == CTRL_ATTR_MCAST_GROUPS:
                    for _, _, grp in parse_attrs(v):
                        g = dict((gt, gv) for gt, _, gv in parse_attrs(grp))
                        gname = g.get(CTRL_ATTR_MCAST_GRP_NAME, b"").rstrip(b"\0")
                        gid = g.get(CTRL_ATTR_MCAST_GRP_ID)
                        if gid is not None:
                            groups[gname.decode()] = struct.unpack("=I", gid)[0]
        if fam is None:
            raise OSError(errno.ENOENT, "family %s not found" % name)
        return fam, groups

    def transact(self, seq, want_ack=True, bufsize=None):
        """Every message answering @seq up to the ACK/error/DONE (or, without
        an ACK, up to a single reply; a request answered by nothing times
        out after 5 s)."""
        out = []
        self.sock.settimeout(5)
        try:
            while True:
                for r in split_msgs(self.recv(bufsize)):
                    if r.seq != seq or r.pid != self.portid:
                        continue
                    out.append(r)
                    if r.type in (NLMSG_ERROR, NLMSG_DONE):
                        return out
                    if not r.flags & NLM_F_MULTI and not want_ack:
                        return out
        except socket.timeout:
            if not out and want_ack:
                raise OSError(errno.ETIMEDOUT, "no answer to request %d" % seq)
            return out
        finally:
            self.sock.settimeout(None)

    def request(self, cmd, attrs=b"", flags=0, ack=True):
        """Sends one gnvsec request; returns (error, [replies], sent bytes)."""
        seq = self.next_seq()
        flags |= NLM_F_REQUEST | (NLM_F_ACK if ack else 0)
        msg = genlmsg(self.family, cmd, flags, seq, attrs)
        self.sock.send(msg)
        replies = self.transact(seq, ack)
        err = 0
        for r in replies:
            if r.type in (NLMSG_ERROR, NLMSG_DONE) and r.error:
                err = r.error
        return err, replies, msg

    def dump(self, cmd=None, attrs=b""):
        """A complete dump; retried while NLM_F_DUMP_INTR is set."""
        for _ in range(20):
            err, replies, _ = self.request(C.TUNNEL_GET if cmd is None else cmd,
                                           attrs, NLM_F_DUMP, ack=False)
            if err:
                raise OSError(err, "dump: " + os.strerror(err))
            if not any(r.flags & NLM_F_DUMP_INTR for r in replies):
                return [r for r in replies if r.type == self.family]
        raise OSError(errno.EINTR, "dump kept being interrupted")

    def ok(self, cmd, attrs=b""):
        err, replies, msg = self.request(cmd, attrs)
        if err:
            r = replies[-1]
            raise OSError(err, "%s: %s (%s)" % (CMD_NAMES.get(cmd, cmd),
                                                 os.strerror(err),
                                                 r.ext.get("msg", "")))
        return replies


def attr_value(t, v):
    """Readable value of a reply attribute."""
    name = ATTR_NAMES.get(t, str(t))
    if name in ("IFNAME", "CHASSIS", "CONFIG_ERROR"):
        return v.rstrip(b"\0").decode(errors="replace")
    if name in ("REMOTE4", "LOCAL4", "REMOTE6", "LOCAL6"):
        fam = socket.AF_INET if len(v) == 4 else socket.AF_INET6
        return socket.inet_ntop(fam, v)
    if name == "STATS":
        stat_names = {val: k for k, val in STATS.items()}
        return "{" + ",".join("%s:%d" % (stat_names.get(st, st),
                                        struct.unpack("=Q", sv)[0])
                              for st, _, sv in parse_attrs(v)
                              if len(sv) == 8) + "}"
    if len(v) == 1:
        return struct.unpack("=B", v)[0]
    if len(v) == 2:
        return struct.unpack("=H", v)[0]
    if len(v) == 4:
        return struct.unpack("=I", v)[0]
    if len(v) == 8:
        return struct.unpack("=Q", v)[0]
    return v.hex()


def reply_dict(r, skip=("STATS",)):
    return {ATTR_NAMES.get(t, str(t)): attr_value(t, v)
            for t, _, v in r.genl_attrs()
            if ATTR_NAMES.get(t) not in skip}


def state(g):
    """The namespace's configuration as one canonical text (no counters)."""
    lines = []
    for r in g.dump():
        d = reply_dict(r)
        lines.append(" ".join("%s=%s" % kv for kv in sorted(d.items())))
    lines.sort()
    for r in g.ok(C.GLOBAL_GET):
        if r.type == g.family:
            d = reply_dict(r)
            lines.append("global " + " ".join("%s=%s" % kv
                                              for kv in sorted(d.items())))
    return "\n".join(lines)


def build_attr(spec):
    """NAME=TYPE:VALUE into attribute bytes."""
    name, _, tv = spec.partition("=")
    typ, _, val = tv.partition(":")
    atype = ATTRS[name.upper()] if name.upper() in ATTRS else int(name, 0)
    if typ in ("u8", "u16", "u32", "u64"):
        fmt = {"u8": "=B", "u16": "=H", "u32": "=I", "u64": "=Q"}[typ]
        return nla(atype, struct.pack(fmt, int(val, 0)))
    if typ == "str":
        return nla(atype, val.encode() + b"\0")
    if typ == "raw":
        return nla(atype, val.encode())
    if typ == "hex":
        return nla(atype, bytes.fromhex(val))
    if typ == "ip4":
        return nla(atype, socket.inet_pton(socket.AF_INET, val))
    if typ == "ip6":
        return nla(atype, socket.inet_pton(socket.AF_INET6, val))
    if typ == "nest":
        return nla(atype | NLA_F_NESTED, b"")
    if typ == "len":
        return nla(atype, b"\0" * int(val))
    raise ValueError("unknown attribute type %r in %r" % (typ, spec))


def cmd_number(s):
    u = s.upper()
    for cand in (u, "TUNNEL_" + u, "GLOBAL_" + u.replace("GLOBAL-", "")):
        if cand in CMDS:
            return CMDS[cand]
    return int(s, 0)


def do_request(g, args, compare=True):
    """Runs one request given as "req" arguments. Returns a dict of what
    came back (errno, msg, attr, miss, policy, replies and, when
    @compare, changed) and the states before and after."""
    flags, ack = 0, True
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--dump":
            flags |= NLM_F_DUMP
        elif opt == "--no-ack":
            ack = False
        else:
            raise ValueError("unknown option " + opt)
    cmd = cmd_number(args.pop(0))
    attrs = b"".join(build_attr(a) for a in args)
    before = state(g) if compare else None
    err, replies, msg = g.request(cmd, attrs, flags, ack)
    res = {"errno": errname(err)}
    data = []
    for r in replies:
        if r.type == g.family:
            d = reply_dict(r, skip=())
            data.append("%s %s" % (CMD_NAMES.get(r.cmd, r.cmd),
                                   " ".join("%s=%s" % kv for kv in d.items())))
        if r.type not in (NLMSG_ERROR, NLMSG_DONE):
            continue
        if "msg" in r.ext:
            res["msg"] = r.ext["msg"]
        if "offs" in r.ext:
            res["attr"] = attr_at(msg, r.ext["offs"], HDR.size + GENLHDR.size)
        if "miss" in r.ext:
            res["miss"] = ATTR_NAMES.get(r.ext["miss"], str(r.ext["miss"]))
        if "policy" in r.ext:
            res["policy"] = r.ext["policy"]
    after = state(g) if compare else None
    if compare:
        res["changed"] = "no" if before == after else "yes"
    return res, data, (before, after)


def errno_number(name):
    return 0 if name == "OK" else getattr(errno, name)


def main_expect(args):
    import shlex
    g = Genl()
    failed = cases = 0
    for line in sys.stdin:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        cases += 1
        req, sep, exp = line.partition("=>")
        if not sep:
            raise ValueError("no \"=>\" in %r" % line)
        want = dict(kv.split("=", 1) for kv in shlex.split(exp))
        if want.get("errno", "OK") != "OK":
            want.setdefault("changed", "no")
        res, _, (before, after) = do_request(g, shlex.split(req))
        bad = []
        for key, val in want.items():
            got = res.get(key)
            if key == "errno":
                ok = got is not None and errno_number(got) == errno_number(val)
            elif key in ("msg", "policy"):
                ok = got is not None and val in got
            else:
                ok = got == val
            if not ok:
                bad.append("%s: want %r, got %r" % (key, val, got))
        desc = " ".join("%s=%s" % kv for kv in res.items())
        if bad:
            failed += 1
            print("FAIL: %s\n      %s\n      (%s)" % (line, "; ".join(bad), desc))
            if res["changed"] == "yes":
                print("      before:\n        %s\n      after:\n        %s" % (
                    before.replace("\n", "\n        "),
                    after.replace("\n", "\n        ")))
        else:
            print("ok: %s  [%s]" % (req.strip(), desc))
    print("%d cases, %d failed" % (cases, failed))
    return 1 if failed or not cases else 0


def main_req(args):
    changed = "--changed" in args
    if changed:
        args.remove("--changed")
    g = Genl()
    res, data, (before, after) = do_request(g, args, compare=changed)
    for key in ("errno", "msg", "attr", "miss", "policy"):
        if key in res:
            print("%s=%s" % (key, res[key]))
    for line in data:
        print("reply " + line)
    if changed:
        print("changed=%s" % res["changed"])
        if before != after:
            sys.stderr.write("before:\n%s\nafter:\n%s\n" % (before, after))
    return 0


def main_new_many(args):
    prefix, count, remote = args[0], int(args[1]), args[2]
    base = int(args[3]) if len(args) > 3 else 1
    g = Genl()
    for i in range(count):
        g.ok(C.TUNNEL_NEW, nla_str(A.IFNAME, "%s%d" % (prefix, i)) +
             nla(A.REMOTE4, socket.inet_pton(socket.AF_INET, remote)) +
             nla_u32(A.VNI, base + i) + nla_u8(A.IPSEC, 1))
    return 0


def main_del_many(args):
    prefix, count = args[0], int(args[1])
    g = Genl()
    for i in range(count):
        g.ok(C.TUNNEL_DEL, nla_str(A.IFNAME, "%s%d" % (prefix, i)))
    return 0


def read_dump(g, seq, bufsize, first_only=False):
    """Reads a dump's datagrams; returns (datagrams, tunnel msgs, intr, done)."""
    datagrams, msgs, intr = 0, [], False
    while True:
        data, _, flags, _ = g.sock.recvmsg(bufsize)
        if flags & socket.MSG_TRUNC:
            raise ValueError("datagram truncated at %d bytes" % bufsize)
        datagrams += 1
        for r in split_msgs(data):
            if r.seq != seq:
                continue
            if r.flags & NLM_F_DUMP_INTR:
                intr = True
            if r.type == NLMSG_ERROR:
                raise OSError(r.error, "dump failed: " + os.strerror(r.error))
            if r.type == NLMSG_DONE:
                return datagrams, msgs, intr, True
            msgs.append(r)
        if first_only:
            return datagrams, msgs, intr, False


def print_dump_stats(datagrams, msgs, intr, prefix=None, expect=None):
    dicts = [reply_dict(r) for r in msgs]
    names = [d.get("IFNAME") for d in dicts]
    print("datagrams=%d" % datagrams)
    print("messages=%d" % len(msgs))
    print("intr=%d" % int(intr))
    if prefix is not None:
        mine = [n for n in names if n and n.startswith(prefix)]
        print("prefix_unique=%d" % len(set(mine)))
        print("prefix_dups=%d" % (len(mine) - len(set(mine))))
    if prefix and expect:
        # What new-many made: PREFIX<i> has VNI base + i and the remote.
        remote, base = expect
        wrong = [d.get("IFNAME") for d in dicts
                 if d.get("IFNAME", "").startswith(prefix) and
                 (d.get("REMOTE4") != remote or
                  d.get("VNI") != base + int(d["IFNAME"][len(prefix):]))]
        print("prefix_wrong=%d%s" % (len(wrong),
                                     (" (" + " ".join(wrong[:5]) + ")")
                                     if wrong else ""))


def opt_value(args, name, default):
    if name in args:
        i = args.index(name)
        val = args[i + 1]
        del args[i:i + 2]
        return int(val)
    return default


def main_dump_check(args):
    rcvbuf = opt_value(args, "--rcvbuf", 4096)
    bufsize = opt_value(args, "--bufsize", 8192)
    expect = None
    if "--expect" in args:
        i = args.index("--expect")
        expect = (args[i + 1], int(args[i + 2]))
        del args[i:i + 3]
    prefix = args[0] if args else ""
    g = Genl(rcvbuf=rcvbuf, recv_size=bufsize)
    seq = g.next_seq()
    g.sock.send(genlmsg(g.family, C.TUNNEL_GET, NLM_F_REQUEST | NLM_F_DUMP,
                        seq))
    datagrams, msgs, intr, _ = read_dump(g, seq, bufsize)
    print_dump_stats(datagrams, msgs, intr, prefix, expect)
    return 0


def main_dump_intr(args):
    add = None
    if args and args[0] == "--add":
        add = args[1:4]
    g = Genl(rcvbuf=4096, recv_size=8192)
    seq = g.next_seq()
    g.sock.send(genlmsg(g.family, C.TUNNEL_GET, NLM_F_REQUEST | NLM_F_DUMP,
                        seq))
    d1, m1, i1, done = read_dump(g, seq, 8192, first_only=True)
    if done:
        raise ValueError("the dump fit in one datagram: nothing to interrupt")
    if add:
        other = Genl()
        other.ok(C.TUNNEL_NEW, nla_str(A.IFNAME, add[0]) +
                 nla(A.REMOTE4, socket.inet_pton(socket.AF_INET, add[1])) +
                 nla_u32(A.VNI, int(add[2])))
    d2, m2, i2, _ = read_dump(g, seq, 8192)
    print("first_part=%d" % len(m1))
    print_dump_stats(d1 + d2, m1 + m2, i1 or i2)
    return 0


RTM_NEWLINK, RTM_GETLINK = 16, 18
NLM_F_EXCL, NLM_F_CREATE = 0x200, 0x400
IFLA_IFNAME, IFLA_LINKINFO = 3, 18
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFINFOMSG = struct.Struct("=BxHiII")


class Rtnl(Genl):
    """A NETLINK_ROUTE socket, with the extended ack."""

    def __init__(self):  # pylint: disable=super-init-not-called
        self.recv_size = 65536
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  socket.NETLINK_ROUTE)
        self.sock.bind((0, 0))
        self.portid = self.sock.getsockname()[0]
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.seq = 2000

    def link(self, mtype, flags, attrs):
        seq = self.next_seq()
        self.sock.send(nlmsg(mtype, NLM_F_REQUEST | NLM_F_ACK | flags, seq,
                             IFINFOMSG.pack(0, 0, 0, 0, 0) + attrs))
        return self.transact(seq)


def main_link_new(args):
    name, data = args[0], b"".join(build_attr(a) for a in args[1:])
    info = nla_str(IFLA_INFO_KIND, "gnvsec")
    if data:
        info += nla(IFLA_INFO_DATA | NLA_F_NESTED, data)
    head = nla_str(IFLA_IFNAME, name)
    # where the IFLA_INFO_DATA payload starts, from the message's start
    base = (HDR.size + IFINFOMSG.size + len(head) + NLA.size +
            len(nla_str(IFLA_INFO_KIND, "gnvsec")) + NLA.size)
    r = Rtnl().link(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
                    head + nla(IFLA_LINKINFO | NLA_F_NESTED, info))[-1]
    print("errno=%s" % errname(r.error))
    if "msg" in r.ext:
        print("msg=%s" % r.ext["msg"])
    if "offs" in r.ext and data:
        print("attr=%s" % attr_at(data, r.ext["offs"] - base))
    return 0


def main_link_info(args):
    replies = Rtnl().link(RTM_GETLINK, 0, nla_str(IFLA_IFNAME, args[0]))
    for r in replies:
        if r.type == NLMSG_ERROR and r.error:
            raise OSError(r.error, os.strerror(r.error))
        if r.type != RTM_NEWLINK:
            continue
        for t, _, v in parse_attrs(r.payload[IFINFOMSG.size:]):
            if t != IFLA_LINKINFO:
                continue
            for it, _, iv in parse_attrs(v):
                if it == IFLA_INFO_KIND:
                    print("kind=%s" % iv.rstrip(b"\0").decode())
                elif it == IFLA_INFO_DATA:
                    for line in sorted("%s=%s" % (ATTR_NAMES.get(at, at),
                                                  attr_value(at, av))
                                       for at, _, av in parse_attrs(iv)):
                        print(line)
    return 0


def main(argv):
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__.strip())
        return 0
    mode, args = argv[0], list(argv[1:])
    try:
        if mode == "req":
            return main_req(args)
        if mode == "expect":
            return main_expect(args)
        if mode == "state":
            print(state(Genl()))
            return 0
        if mode == "new-many":
            return main_new_many(args)
        if mode == "del-many":
            return main_del_many(args)
        if mode == "dump-check":
            return main_dump_check(args)
        if mode == "dump-intr":
            return main_dump_intr(args)
        if mode == "link-new":
            return main_link_new(args)
        if mode == "link-info":
            return main_link_info(args)
    except (OSError, ValueError, KeyError, IndexError) as e:
        print("nlclient: %s: %s" % (mode, e), file=sys.stderr)
        return 1
    print("nlclient: unknown mode %r" % mode, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
