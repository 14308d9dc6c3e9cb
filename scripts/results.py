#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the test bench's logs into results, and results into the summary.

  results.py parse LOGDIR KSRC OUT.json [PREFIX]
                                           one VM run -> results; with
                                           PREFIX (a VM with no base run
                                           beside it), suite names get the
                                           prefix and any kernel splat fails
  results.py kunitjson IN OUT PREFIX RC    kunit.py run's JSON -> results
  results.py merge OUT.json IN.json...     several result files -> one
  results.py summary BASE.json SERIES.json [EXTRA.json...]
                                           the table, the regressions and the
                                           closing 'N passed, N failed' line

A result file is {"suites": {suite: {case: status}}} with status one of
pass, fail, skip.  Programs are cases of their suite; a program that prints
TAP test points contributes one case per point instead.
"""

import json
import os
import re
import subprocess
import sys

TAP = re.compile(r'^\s*(not ok|ok)\s+(\d+)\s*(?:-\s*)?([^#]*?)\s*(#\s*(\w+).*)?$')
KSFT_SKIP = 4
KILLED = 137


def tap_cases(lines):
    cases = {}
    for line in lines:
        m = TAP.match(line)
        if not m or line.startswith(' '):
            continue
        ok, num, desc, _, directive = m.groups()
        name = desc.strip() or 'case %s' % num
        if directive and directive.upper() == 'SKIP':
            status = 'skip'
        elif ok == 'ok':
            status = 'pass'
        else:
            status = 'fail'
        while name in cases:
            name += "'"
        cases[name] = status
    return cases


def parse_tests(path):
    """Programs of tests.log -> {suite: {case: status}}, plus notes."""
    suites, notes = {}, []
    if not os.path.exists(path):
        return suites, ['no tests.log: the VM did not start']
    text = open(path, errors='replace').read().splitlines()
    current, out, done = None, [], False
    listed = []
    for line in text:
        if line.startswith('URN-BEGIN '):
            current, out = line.split()[1], []
            listed.append(current)
            continue
        if line.startswith('URN-END ') and current:
            rc = int(re.search(r'rc=(\d+)', line).group(1))
            record(suites, current, rc, out, notes)
            current = None
            continue
        if line.startswith('URN-DONE'):
            done = True
        if line.startswith('URN-MODULE-FAILED'):
            notes.append(line)
        if current:
            out.append(line)
    if current:
        notes.append('%s: the VM stopped while it ran' % current)
        record(suites, current, None, out, notes)
    if not done:
        notes.append('the VM did not reach the end of the test list')
    return suites, notes


def suite_of(prog):
    top = prog.split('/')[0]
    return {'kvm': 'kvm selftests'}.get(top, 'selftests/' + top)


def record(suites, prog, rc, out, notes):
    suite = suites.setdefault(suite_of(prog), {})
    name = prog.split('/', 1)[1] if '/' in prog else prog
    if suite_of(prog) == 'kvm selftests':
        # Upstream programs are compared with the base as a whole.
        if rc == 0:
            suite[name] = 'pass'
        elif rc == KSFT_SKIP:
            suite[name] = 'skip'
        else:
            suite[name] = 'fail'
            notes.append('%s: %s' % (prog, 'timed out' if rc == KILLED else
                                      'exit status %s' % rc))
        return
    cases = tap_cases(out)
    for case, status in cases.items():
        suite['%s: %s' % (name, case)] = status
    if rc != 0 and rc != KSFT_SKIP and 'fail' not in cases.values():
        suite['%s: exit status' % name] = 'fail'
        notes.append('%s: %s' % (prog, 'timed out' if rc == KILLED else
                                  'exit status %s' % rc))
    if not cases and rc == KSFT_SKIP:
        suite['%s' % name] = 'skip'


def kunit_suites(data, prefix):
    """kunit.py's JSON -> {prefix + suite: {case: status}}."""
    suites = {}

    def walk(group, suite):
        for case in group.get('test_cases', []):
            suites.setdefault(prefix + suite, {})[case['name']] = \
                {'PASS': 'pass', 'SKIP': 'skip'}.get(case.get('status'), 'fail')
        for sub in group.get('sub_groups', []):
            # A parameterised case is a group inside its suite.
            walk(sub, suite if suite else sub.get('name', '?'))

    walk(data, '')
    return suites


def parse_kunit(console, ksrc):
    kunit = os.path.join(ksrc, 'tools/testing/kunit/kunit.py')
    if not os.path.exists(console):
        return {}
    r = subprocess.run([sys.executable, kunit, 'parse', '--json', '--', console],
                       capture_output=True, text=True)
    start = r.stdout.find('{')
    if start < 0:
        return {}
    return kunit_suites(json.loads(r.stdout[start:]), 'kunit: ')


def cmd_kunitjson(src, dst, prefix, rc):
    """kunit.py run's --json file and exit status -> a result file."""
    suites, notes = {}, []
    if os.path.exists(src) and os.path.getsize(src):
        suites = kunit_suites(json.load(open(src)), prefix)
    if rc != '0':
        notes.append('%s exited %s' % (prefix.rstrip(': '), rc))
        if not suites:
            suites[prefix.rstrip(': ')] = {'kunit.py run': 'fail'}
    json.dump({'suites': suites, 'notes': notes}, open(dst, 'w'), indent=1,
              sort_keys=True)


SPLAT = re.compile(r'(WARNING:|BUG:|Oops|possible circular locking|'
                   r'inconsistent lock state|sleeping function called|'
                   r'Kernel panic)')


def parse_kernel_log(console):
    """The kernel's splats, without time stamps, addresses and pids."""
    if not os.path.exists(console):
        return []
    splats = set()
    for line in open(console, errors='replace'):
        if not SPLAT.search(line):
            continue
        line = re.sub(r'^\[[ 0-9.]+\]\s*', '', line.strip())
        line = re.sub(r'0x[0-9a-f]+|\b[0-9a-f]{8,}\b', 'X', line)
        line = re.sub(r'\b(pid|PID|CPU):? ?\d+', r'\1 N', line)
        line = re.sub(r'\[\d+\]', '[N]', line)
        splats.add(line)
    return sorted(splats)


def cmd_parse(logdir, ksrc, out, prefix=''):
    console = os.path.join(logdir, 'console.log')
    suites, notes = parse_tests(os.path.join(logdir, 'tests.log'))
    suites.update(parse_kunit(console, ksrc))
    splats = parse_kernel_log(console)
    missing = os.path.join(logdir, 'root/tests/missing')
    if os.path.exists(missing):
        for prog in open(missing).read().split():
            suites.setdefault(suite_of(prog), {})[prog.split('/', 1)[-1]] = 'fail'
            notes.append('%s: not built' % prog)
    if prefix:
        suites = {prefix + n: c for n, c in suites.items()}
        suites[prefix + 'kernel log'] = {
            'no WARNING, BUG or lockdep splat': 'fail' if splats else 'pass'}
        notes += ['%ssplat: %s' % (prefix, l) for l in splats[:5]]
        notes = [n if n.startswith(prefix) else prefix + n for n in notes]
        splats = []
    json.dump({'suites': suites, 'notes': notes, 'splats': splats},
              open(out, 'w'), indent=1, sort_keys=True)


def load(path):
    if not path or not os.path.exists(path):
        return {'suites': {}, 'notes': []}
    return json.load(open(path))


def cmd_merge(out, paths):
    res = {'suites': {}, 'notes': []}
    for p in paths:
        r = load(p)
        for s, cases in r['suites'].items():
            res['suites'].setdefault(s, {}).update(cases)
        res['notes'] += r.get('notes', [])
    json.dump(res, open(out, 'w'), indent=1, sort_keys=True)


def counts(cases):
    c = {'pass': 0, 'fail': 0, 'skip': 0}
    for s in cases.values():
        c[s] += 1
    return c


def fmt(c):
    if c is None:
        return '-'
    return '%d/%d/%d' % (c['pass'], c['fail'], c['skip'])


def cmd_summary(base_path, series_path, extra):
    base, series = load(base_path), load(series_path)
    for p in extra:
        r = load(p)
        for s, cases in r['suites'].items():
            series['suites'].setdefault(s, {}).update(cases)
        series['notes'] += r.get('notes', [])
    # The kernel log: a splat the base kernel does not print is a failure.
    if 'splats' in series:
        new = sorted(set(series['splats']) - set(base.get('splats', [])))
        series['suites']['kernel log'] = {
            'no WARNING, BUG or lockdep splat that the base has not':
            'fail' if new else 'pass'}
        base['suites']['kernel log'] = {
            'no WARNING, BUG or lockdep splat that the base has not':
            'pass'}
        series['notes'] += ['kernel: new splat: ' + l for l in new[:5]]
        series['notes'] += ['kernel: splat the base has too: ' + l for l in
                            sorted(set(series['splats']) & set(base.get('splats', [])))[:5]]
    names = sorted(set(base['suites']) | set(series['suites']))
    width = max([len(n) for n in names] + [20])
    print('%-*s  %-14s  %-14s' % (width, 'suite (pass/fail/skip)', 'base', 'series'))
    for n in names:
        b = base['suites'].get(n)
        s = series['suites'].get(n)
        print('%-*s  %-14s  %-14s' % (width, n, fmt(counts(b) if b else None),
                                      fmt(counts(s) if s else None)))
    regress = []
    for n, cases in base['suites'].items():
        if n == 'kernel log':
            continue
        for case, st in cases.items():
            if st == 'pass' and series['suites'].get(n, {}).get(case) != 'pass':
                regress.append('%s: %s passes on the base, %s with the series' %
                               (n, case, series['suites'].get(n, {}).get(case, 'missing')))
    for note in series.get('notes', []):
        print('note: ' + note)
    for r in regress:
        print('REGRESSION: ' + r)
    # A case that fails on the base kernel as well is the emulator's or
    # upstream's, not the series': listed, and left out of the count.
    total = {'pass': 0, 'fail': 0, 'skip': 0}
    known = []
    for n, cases in series['suites'].items():
        for case, st in cases.items():
            if st == 'fail' and base['suites'].get(n, {}).get(case) == 'fail':
                known.append('%s: %s' % (n, case))
                continue
            total[st] += 1
    total['fail'] += len(regress)
    if known:
        print('failing on the base kernel too, not counted (%d): %s' %
              (len(known), ', '.join(known)))
    print('%d passed, %d failed, %d skipped' % (total['pass'], total['fail'], total['skip']))
    return 1 if total['fail'] else 0


def main(argv):
    if len(argv) in (5, 6) and argv[1] == 'parse':
        cmd_parse(*argv[2:])
        return 0
    if len(argv) == 6 and argv[1] == 'kunitjson':
        cmd_kunitjson(*argv[2:6])
        return 0
    if len(argv) >= 3 and argv[1] == 'merge':
        cmd_merge(argv[2], argv[3:])
        return 0
    if len(argv) >= 4 and argv[1] == 'summary':
        return cmd_summary(argv[2], argv[3], argv[4:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
