#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""table.py KERNEL=TESTS.LOG[=COUNTS]...: make bench's table for one emulator.

Reads the "bench:" lines that user_return_msrs_test -b prints in each run
of each boot (KERNEL is base or series) and prints, per scenario, the MSR
writes per iteration (base, series, the minimum correctness needs), the
TSC ticks per iteration (base, series, series/base) and the spread of the
ticks over all runs and boots.

With COUNTS, the urn-insn-count plugin's output of that boot, it also
prints the instructions executed in the user-return path's own functions
per round trip (base, series, series/base), and a table of them by
function.  The plugin took a snapshot of its counters at each RDTSC of
run_scenario(): two per run_scenario() call, at the start and the end of
its loop of round trips, in the order of the bench lines: for each
scenario the pass with the tracepoint on (ITERS round trips), then, but
for the scenarios whose guest halts, the timed pass (TICKS_ITERS).
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
# (kernel, scenario) -> per window: {function: (insns, calls) per round trip}
path = defaultdict(list)
path_traced = set()             # scenarios counted in the traced pass
order = []


def read_counts(fname):
    """The plugin's snapshots: [{function: (insns, calls)}], in order."""
    snaps = []
    total = 0
    for line in open(fname):
        f = line.split()
        if f and f[0] == 'total':
            total += int(f[2])
        if f and f[0] == 'mark':
            k = int(f[1])
            if k == len(snaps):
                snaps.append({})
            snaps[k][f[3]] = (int(f[4]), int(f[5]))
    if not total:
        sys.exit('table.py: %s: not one instruction of the path counted: are '
                 'its ranges the running kernel\'s addresses?' % fname)
    return snaps


def window(snaps, i, iters):
    a, b = snaps[2 * i], snaps[2 * i + 1]
    return {n: ((b[n][0] - a[n][0]) / iters, (b[n][1] - a[n][1]) / iters)
            for n in a}


for arg in sys.argv[1:]:
    kernel, log, *counts = arg.split('=', 2)
    windows = []                # (scenario, iterations, timed)
    for line in open(log, errors='replace'):
        m = LINE.match(line)
        if not m:
            continue
        sc = m.group(1)
        iters, w, fw, mw, ti, t = (int(m.group(i)) for i in range(2, 8))
        windows.append((sc, iters, False))
        if t >= 0:
            windows.append((sc, ti, True))
        if sc not in order:
            order.append(sc)
        # A restore by another task (busybox's timeout waking up) and
        # the reload after it are not the scenario's: leave them out.
        writes[kernel, sc].add((w - 2 * fw) / iters if w >= 0 else None)
        foreign[kernel] += fw
        minimum[sc] = mw / iters
        if t >= 0:
            ticks[kernel, sc].append(t / ti)
    if not counts:
        continue
    snaps = read_counts(counts[0])
    if len(snaps) != 2 * len(windows):
        sys.exit('table.py: %s has %d snapshots, %s %d passes of run_scenario(): '
                 'not the same runs' % (counts[0], len(snaps), log, len(windows)))
    for i, (sc, iters, timed) in enumerate(windows):
        # The timed pass where there is one: no tracepoint, many more
        # round trips.
        if timed or not any(wt for s2, _, wt in windows if s2 == sc):
            path[kernel, sc].append(window(snaps, i, iters))
            if not timed:
                path_traced.add(sc)

def fmt_w(s):
    if not s or None in s:
        return 'n/a'
    return '/'.join('%.2f' % w for w in sorted(s))

def median(v):
    v = sorted(v)
    return v[len(v) // 2]

def spread(v):
    return 100.0 * (max(v) - min(v)) / median(v) if v else 0.0

def path_total(kernel, sc):
    """Path instructions per round trip of each window, summed."""
    return [sum(i for i, _ in w.values()) for w in path[kernel, sc]]


def fmt_p(v, sc):
    return ('%.1f' % v) + ('*' if sc in path_traced else '')


def print_table(head, rows):
    wid = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print('  '.join(c.ljust(wid[i]) if i == 0 else c.rjust(wid[i])
                        for i, c in enumerate(r)).rstrip())


counted = any(path.values())
head = ('scenario', 'writes/it base', 'series', 'min', 'ticks/it base',
        'series', 'ratio', 'spread %')
if counted:
    head += ('path/rt base', 'series', 'ratio')
rows = []
worst = 0.0
pworst = 0.0
for sc in order:
    tb, ts = ticks['base', sc], ticks['series', sc]
    mb = median(tb) if tb else None
    ms = median(ts) if ts else None
    if tb and ts:
        worst = max(worst, spread(tb), spread(ts))
    row = (sc, fmt_w(writes['base', sc]), fmt_w(writes['series', sc]),
           '%.2f' % minimum[sc],
           '%.1f' % mb if mb else 'n/a', '%.1f' % ms if ms else 'n/a',
           '%.3f' % (ms / mb) if mb and ms else 'n/a',
           '%.2f/%.2f' % (spread(tb), spread(ts)) if tb and ts else 'n/a')
    if counted:
        pb, ps = path_total('base', sc), path_total('series', sc)
        pmb = median(pb) if pb else None
        pms = median(ps) if ps else None
        if pb and ps and pmb and pms:
            pworst = max(pworst, spread(pb), spread(ps))
        row += (fmt_p(pmb, sc) if pb else 'n/a',
                fmt_p(pms, sc) if ps else 'n/a',
                '%.3f' % (pms / pmb) if pmb and pms else 'n/a')
    rows.append(row)
print_table(head, rows)
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
if counted:
    print('path/rt: instructions executed in the user-return path\'s own'
          ' functions')
    print('  (scripts/bench/path-symbols.txt) per round trip to user space,'
          ' counted by')
    print('  the urn-insn-count plugin between the RDTSCs of the timed pass'
          ' (* the traced')
    print('  pass: the guest halts); callees outside those functions, the'
          ' WRMSR\'s')
    print('  tracepoint call for one, are not counted; median over all runs'
          ' and boots,')
    print('  largest spread %.2f%%.' % pworst)
else:
    print('path/rt: not counted here: this emulator has no plugin API; the'
          ' ticks are')
    print('  the whole round trip\'s.')
print('Not shown: real cycles (a WRMSR costs hundreds of cycles on hardware),'
      ' migration (one CPU).')

if counted:
    print()
    print('path/rt by function: instructions (calls) per round trip, median;'
          ' s1, s2...')
    print('  are the scenarios above, in order.')
    head = ('function',) + tuple('s%d' % (i + 1) for i in range(len(order)))
    rows = []
    for kernel in ('base', 'series'):
        names = sorted({n for sc in order for w in path[kernel, sc] for n in w})
        rows.append(('%s:' % kernel,) + ('',) * len(order))
        for n in names:
            cells = []
            for sc in order:
                ws = path[kernel, sc]
                if not ws:
                    cells.append('n/a')
                    continue
                cells.append('%.1f (%.2f)' % (median([w[n][0] for w in ws]),
                                              median([w[n][1] for w in ws])))
            rows.append(('  ' + n,) + tuple(cells))
    print_table(head, rows)
print()
