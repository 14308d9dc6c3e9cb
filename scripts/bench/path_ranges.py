#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""path_ranges.py LIST KERNEL SYSTEM.MAP: the plugin's ranges of the path.

Prints, for each symbol that LIST (scripts/bench/path-symbols.txt) counts
for KERNEL (base or series), one line "START END NAME" per part of it in
SYSTEM.MAP (hex, END exclusive: the next text symbol's address), NAME the
symbol without its .constprop/.isra/.part/.cold suffixes, so that the
plugin adds the parts up.  Fails, saying why, if a symbol that must be
there is not, or if a text symbol that LIST watches is not listed.
"""
import re
import sys

SUFFIX = re.compile(r'(\.(constprop|isra|part|cold|lto_priv)(\.\d+)?)+$')


def die(msg):
    sys.stderr.write('path_ranges.py: %s\n' % msg)
    sys.exit(1)


def main(argv):
    if len(argv) != 4:
        die('usage: path_ranges.py LIST KERNEL SYSTEM.MAP')
    listfile, kernel, sysmap = argv[1:]
    roles, watch, skip_re = {}, [], []
    for n, line in enumerate(open(listfile), 1):
        f = line.split(None, 3)
        if not f or f[0].startswith('#'):
            continue
        if len(f) < 3 or f[0] not in ('base', 'series', 'both'):
            die('%s:%d: KERNEL ROLE NAME WHY expected' % (listfile, n))
        if f[0] not in (kernel, 'both'):
            continue
        if f[1] == 'watch':
            watch.append(re.compile(f[2]))
        elif f[1] == 'skip-re':
            skip_re.append(re.compile(f[2]))
        elif f[1] in ('count', 'count?', 'skip'):
            roles[f[2]] = f[1]
        else:
            die('%s:%d: unknown role %s' % (listfile, n, f[1]))

    syms = []
    for line in open(sysmap):
        f = line.split()
        if len(f) >= 3 and f[1] in 'tTwW' and int(f[0], 16):
            syms.append((int(f[0], 16), f[2]))
    syms.sort()
    found, unlisted, out = set(), [], []
    for i, (addr, name) in enumerate(syms):
        base = SUFFIX.sub('', name)
        if not any(w.search(base) for w in watch) and base not in roles:
            continue
        role = roles.get(base)
        if role is None:
            if not any(r.search(base) for r in skip_re):
                unlisted.append(name)
            continue
        found.add(base)
        if role == 'skip':
            continue
        end = next((a for a, _ in syms[i + 1:] if a > addr), None)
        if end is None:
            die('%s is the last text symbol of %s: no end' % (name, sysmap))
        out.append('%x %x %s' % (addr, end, base))
    if unlisted:
        die('%s: text symbols that %s does not list (count or skip them): %s'
            % (sysmap, listfile, ' '.join(unlisted)))
    missing = [s for s, r in roles.items() if r == 'count' and s not in found]
    if missing:
        die('%s lacks the path\'s %s (inlined? renamed?): fix %s'
            % (sysmap, ' '.join(missing), listfile))
    print('# %s: the user-return path\'s functions, from %s' % (kernel, listfile))
    print('\n'.join(out))


if __name__ == '__main__':
    main(sys.argv)
