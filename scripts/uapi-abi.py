#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Prints "NAME VALUE" for every #define and enum entry of a uapi header, as
the C compiler evaluates them (strings quoted), sorted by name:

    scripts/uapi-abi.py uapi/linux/gnvsec.h

Documentation/netlink/gnvsec-abi.txt is this list for the last version of
the header written by hand, before the header was generated from the YNL
spec; `scripts/ynl.sh check` (make gates) fails when one of its lines is
missing from the list of the current header: a name gone or a value
changed. New names only add lines.
"""
import os
import re
import subprocess
import sys
import tempfile


def names(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    out = []
    for m in re.finditer(r"^#define\s+(\w+)\s+\S", text, flags=re.M):
        if not m.group(1).startswith("_UAPI"):
            out.append(m.group(1))
    for m in re.finditer(r"enum\s*\w*\s*\{(.*?)\}", text, flags=re.S):
        for item in m.group(1).split(","):
            item = item.split("=")[0].strip()
            if item:
                out.append(item)
    return out


def main():
    hdr = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "abi.c")
        with open(src, "w") as f:
            f.write('#include <stdio.h>\n#include "%s"\n' % hdr)
            f.write("#define IS_STR(x) _Generic((x), char *: 1, default: 0)\n")
            f.write("int main(void)\n{\n")
            for n in names(open(hdr).read()):
                f.write('\tif (IS_STR(%s))\n\t\tprintf("%s \\"%%s\\"\\n", '
                        "(char *)(unsigned long)(%s));\n" % (n, n, n))
                f.write('\telse\n\t\tprintf("%s %%lld\\n", (long long)(%s));\n'
                        % (n, n))
            f.write("\treturn 0;\n}\n")
        exe = os.path.join(d, "abi")
        subprocess.run(["cc", "-w", "-o", exe, src], check=True)
        out = subprocess.run([exe], check=True, capture_output=True,
                             text=True).stdout
    sys.stdout.write("".join(sorted(out.splitlines(True))))


if __name__ == "__main__":
    main()
