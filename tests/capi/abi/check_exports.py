#!/usr/bin/env python3
"""Checks the shared library's dynamic symbol table against the C API (docs/abi.md).

Fails when `nm -D --defined-only` lists anything but sg_* functions in the version node and the
version node itself (a C++ symbol or a std:: instantiation leaking into the ABI), when an sg_
symbol is not versioned, and when a function declared SG_API in safeguard.h is not exported
(or an exported one is not declared).
"""
import argparse
import re
import subprocess
import sys


def declared_functions(header_path):
    with open(header_path, encoding="utf-8") as header:
        text = header.read()
    return set(re.findall(r"\bSG_API\b[^;(]*?\b(sg_\w+)\s*\(", text))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nm", required=True)
    parser.add_argument("--library", required=True)
    parser.add_argument("--header", required=True)
    parser.add_argument("--version-node", required=True)
    args = parser.parse_args()

    listing = subprocess.run([args.nm, "-D", "--defined-only", args.library], check=True,
                             capture_output=True, text=True).stdout
    problems = []
    exported = set()
    for line in listing.splitlines():
        fields = line.split()
        if not fields:
            continue
        symbol = fields[-1]
        name, _, version = symbol.partition("@")
        version = version.lstrip("@")
        # GNU nm lists the version node as "SAFEGUARD_0", llvm-nm as "SAFEGUARD_0@@SAFEGUARD_0".
        if name == args.version_node:
            continue
        if not name.startswith("sg_"):
            problems.append("exports a symbol outside the C API: " + symbol)
        elif version != args.version_node:
            problems.append("%s is not in version node %s" % (symbol, args.version_node))
        else:
            exported.add(name)
    declared = declared_functions(args.header)
    for name in sorted(declared - exported):
        problems.append("declared in safeguard.h but not exported: " + name)
    for name in sorted(exported - declared):
        problems.append("exported but not declared SG_API in safeguard.h: " + name)
    if problems:
        print("\n".join(problems))
        print("%d problem(s) in the exports of %s" % (len(problems), args.library))
        return 1
    print("%s exports %d sg_ functions in %s and nothing else" %
          (args.library, len(exported), args.version_node))
    return 0


if __name__ == "__main__":
    sys.exit(main())
