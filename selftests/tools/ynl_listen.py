#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The kernel's YNL library, subscribed to a family's multicast group.

    ynl_listen.py YNL_TOOLS SPEC SCHEMA GROUP UNTIL_NTF UNTIL_IFNAME SECONDS

YNL_TOOLS is the kernel's tools/net/ynl. Says "subscribed" on stderr once
it is, then reads notifications as they come until the first UNTIL_NTF
whose ifname is UNTIL_IFNAME (included), and prints them as
`cli.py --subscribe GROUP --output-json` does. cli.py reads only after a
fixed --sleep; this waits for the condition instead. Exit status 1 when
SECONDS pass first (what came is printed all the same).
"""
import json
import select
import sys
import time

tools, spec, schema, group, until, ifname, seconds = sys.argv[1:8]
sys.path.insert(0, tools)
from lib import YnlFamily  # noqa: E402 (the kernel's library, by path)


def encode(obj):
    if isinstance(obj, bytes):
        return obj.hex()
    if isinstance(obj, set):
        return list(obj)
    raise TypeError(type(obj))


def done(queue):
    return any(n["name"] == until and n["msg"].get("ifname") == ifname
               for n in queue)


ynl = YnlFamily(spec, schema)
ynl.ntf_subscribe(group)
print("subscribed", file=sys.stderr, flush=True)
deadline = time.monotonic() + float(seconds)
rc = 0
while True:
    ynl.check_ntf()
    if done(ynl.async_msg_queue):
        break
    left = deadline - time.monotonic()
    if left <= 0:
        print("no %s for %s within %s s" % (until, ifname, seconds),
              file=sys.stderr)
        rc = 1
        break
    select.select([ynl.sock], [], [], min(left, 1.0))
print(json.dumps(ynl.async_msg_queue, default=encode))
sys.exit(rc)
