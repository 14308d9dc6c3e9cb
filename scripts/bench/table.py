#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""table.py KERNEL=TESTS.LOG...: make bench's table for one emulator.

Reads the "bench:" lines that user_return_msrs_test -b prints in each run
of each boot (KERNEL is base or series) and prints, per scenario, the MSR
writes per iteration (base, series, the minimum correctness needs), the
TSC ticks per iteration (base, series, series/base) and the spread of the
ticks over all runs and boots.
"""
import re
import sys
from collections import defaultdict

LINE = re.compile(r'^bench: scenario="([^"]*)" iters=(\d+) writes=(-?\d+) '
                  r'foreign=(-?\d+) min_writes=(\d+) ticks_iters=(\d+) '
                  r'ticks=(-?\d+)')
writes = defaultdict(set)       # (kernel, scenario) -> writes per iteration
minimum = {}
foreign = defaultdict(int)      # kernel -> writes by other tasks, all runs
ticks = defaultdict(list)       # (kernel, scenario) -> ticks per iteration
order = []
for arg in sys.argv[1:]:
    kernel, path = arg.split('=', 1)
    for line in open(path, errors='replace'):
        m = LINE.match(line)
        if not m:
            continue
        sc = m.group(1)
        iters, w, fw, mw, ti, t = (int(m.group(i)) for i in range(2, 8))
        if sc not in order:
            order.append(sc)
        # A restore by another task (busybox's timeout waking up) and
        # the reload after it are not the scenario's: leave them out.
        writes[kernel, sc].add((w - 2 * fw) / iters if w >= 0 else None)
        foreign[kernel] += fw
        minimum[sc] = mw / iters
        if t >= 0:
            ticks[kernel, sc].append(t / ti)

def fmt_w(s):
    if not s or None in s:
        return 'n/a'
    return '/'.join('%.2f' % w for w in sorted(s))

def median(v):
    v = sorted(v)
    return v[len(v) // 2]

def spread(v):
    return 100.0 * (max(v) - min(v)) / median(v) if v else 0.0

head = ('scenario', 'writes/it base', 'series', 'min', 'ticks/it base',
        'series', 'ratio', 'spread %')
rows = []
worst = 0.0
for sc in order:
    tb, ts = ticks['base', sc], ticks['series', sc]
    mb = median(tb) if tb else None
    ms = median(ts) if ts else None
    if tb and ts:
        worst = max(worst, spread(tb), spread(ts))
    rows.append((sc, fmt_w(writes['base', sc]), fmt_w(writes['series', sc]),
                 '%.2f' % minimum[sc],
                 '%.1f' % mb if mb else 'n/a', '%.1f' % ms if ms else 'n/a',
                 '%.3f' % (ms / mb) if mb and ms else 'n/a',
                 '%.2f/%.2f' % (spread(tb), spread(ts)) if tb and ts
                 else 'n/a'))
wid = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
for r in [head] + rows:
    print('  '.join(c.ljust(wid[i]) if i == 0 else c.rjust(wid[i])
                    for i, c in enumerate(r)))
print()
print('ticks/it: median TSC ticks per iteration, which count executed')
print('  instructions (one CPU); n/a where the guest halts: the clock jumps')
print('  to its timer then;')
print('spread %%: (max-min)/median over all runs and boots (base/series);'
      ' largest %.2f%%.' % worst)
print('writes/it: msr:write_msr events on the switched MSRs per iteration,')
print('  less 2 per write made by another task (base %d, series %d in all);'
      % (foreign['base'], foreign['series']))
print('min: what correctness needs (2 per differing MSR per round trip to'
      ' user space).')
print('Not shown: real cycles (a WRMSR costs hundreds of cycles on hardware),'
      ' migration (one CPU).')
print()
