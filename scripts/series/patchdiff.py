#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""patchdiff.py [--other-base] A B: compare two directories of patches.

Without --other-base, byte for byte.  With it (B was formatted on another
base tree than A, e.g. a KSRC tree), the lines that name the base are left
out: the blob ids of 'index' lines, the cover letter's 'base-commit:' and
the base's description (Linux X.Y.Z (...)).  Prints the differences, one
'file: line' each, and exits 1 if there are any.
"""

import difflib
import os
import re
import sys

BASE = re.compile(r'Linux [0-9][0-9.a-z-]* \((Debian [^)]*|KSRC at [0-9a-f]+)\)')


def lines(path, other_base):
    out = []
    text = open(path, errors='replace').read()
    if other_base:
        # The range-diff against the previous version needs its tag and a
        # base its patches apply to.
        text = text.split('\nRange-diff against v')[0]
    for line in text.split('\n'):
        if other_base:
            if re.match(r'^index [0-9a-f]+\.\.[0-9a-f]+', line) or \
                    line.startswith('base-commit: '):
                continue
            line = BASE.sub('<base>', line)
        out.append(line)
    # base-commit: comes after a blank line of its own.
    while other_base and out and out[-1] == '':
        out.pop()
    return out


def main(argv):
    args = argv[1:]
    other = args[:1] == ['--other-base']
    if other:
        args = args[1:]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    a, b = args
    names = sorted(set(os.listdir(a)) | set(os.listdir(b)))
    bad = 0
    for n in names:
        pa, pb = os.path.join(a, n), os.path.join(b, n)
        if not os.path.exists(pa) or not os.path.exists(pb):
            print('%s: only in %s' % (n, a if os.path.exists(pa) else b))
            bad += 1
            continue
        la, lb = lines(pa, other), lines(pb, other)
        if la != lb:
            bad += 1
            for d in list(difflib.unified_diff(la, lb, n, n, lineterm='', n=0))[:8]:
                print('%s: %s' % (n, d))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
