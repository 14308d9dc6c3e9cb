#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kunit-readme.py README ARCH

Print the arguments of README's "./tools/testing/kunit/kunit.py run"
command for ARCH (the one with --arch=ARCH), one per line, as a shell
would split them; exit 1 if README has none.  kunit.sh runs the command
as the README types it.
"""
import shlex
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: kunit-readme.py README ARCH')
    readme, arch = sys.argv[1:]
    with open(readme) as f:
        text = f.read().replace('\\\n', ' ')
    for line in text.splitlines():
        if 'kunit.py run' not in line:
            continue
        words = shlex.split(line)
        if words[:2] == ['./tools/testing/kunit/kunit.py', 'run'] and \
           '--arch=' + arch in words:
            print('\n'.join(words[2:]))
            return
    sys.exit('%s has no "./tools/testing/kunit/kunit.py run --arch=%s" command'
             % (readme, arch))


if __name__ == '__main__':
    main()
