#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the test bench's logs into results, and results into the summary.

  results.py parse LOGDIR KSRC OUT.json [PREFIX [paired]]
                                           one VM run -> results; suite
                                           names get PREFIX; without
                                           'paired' (a VM with no base run
                                           beside it) any kernel splat fails
  results.py kunitjson IN OUT PREFIX RC    kunit.py run's JSON -> results
  results.py summary BASE.json[,...] SERIES.json[,...] [EXTRA.json...]
                     [--expect LIST...]    the table, the regressions and the
                                           closing 'N passed, N failed' line

A result file is {"suites": {suite: {case: status}}} with status one of
pass, fail, skip.  Programs are cases of their suite; a program that prints
TAP test points contributes one case per point instead.  Each VM adds a
suite "vm" (booted, modules loaded, reached the end of its test list).

An expect list (scripts/expected/*.list) names, one "suite | case" a line,
the cases that must pass with the series; one that did not run, skipped or
failed fails the run, whatever the base did.
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
    vm = suites.setdefault('vm', {})
    vm['booted and started the tests'] = 'fail'
    vm['reached the end of its test list'] = 'fail'
    if not os.path.exists(path):
        return suites, ['no tests.log: the VM did not start']
    text = open(path, errors='replace').read().splitlines()
    current, out, done, boots = None, [], False, 0
    for line in text:
        line = line.rstrip('\r')
        if line.startswith('URN-BOOT '):
            vm['booted and started the tests'] = 'pass'
            boots += 1
            # A VM that reset (a panic or a triple fault under Bochs, which
            # boots its CD again) ran its list twice: a failure, whatever
            # the second boot did.
            vm['booted once'] = 'pass' if boots == 1 else 'fail'
            if boots == 2:
                notes.append('the VM booted again%s' %
                             (' while %s ran' % current if current else ''))
            if current:
                record(suites, current, None, out, notes)
                current = None
        m = re.match(r'URN-MODULE-(OK|FAILED) (\S+?):?(\s|$)', line)
        if m:
            vm['module %s loaded' % module_name(m.group(2))] = \
                'pass' if m.group(1) == 'OK' else 'fail'

        if line.startswith('URN-BEGIN '):
            current, out = line.split()[1], []
            continue
        if line.startswith('URN-END ') and current:
            rc = int(re.search(r'rc=(\d+)', line).group(1))
            record(suites, current, rc, out, notes)
            current = None
            continue
        if line.startswith('URN-DONE'):
            done = True
            vm['reached the end of its test list'] = 'pass'
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


def module_name(path):
    """/lib/modules/.../kvm-intel.ko -> kvm_intel"""
    return re.sub(r'\.ko$', '', os.path.basename(path)).replace('-', '_')


def suite_of(prog):
    top = prog.split('/')[0]
    return {'kvm': 'kvm selftests'}.get(top, 'selftests/' + top)


def record(suites, prog, rc, out, notes):
    suite = suites.setdefault(suite_of(prog), {})
    name = prog.split('/', 1)[1] if '/' in prog else prog
    if suite_of(prog) == 'kvm selftests':
        # Upstream programs are compared with the base as a whole.  A
        # program that skipped a case did not pass it.
        skipped = [l.strip() for l in out
                   if 'skip' in tap_cases([l]).values()]
        if rc == 0 and skipped:
            suite[name] = 'skip'
            notes.append('%s: %s' % (prog, '; '.join(skipped)))
        elif rc == 0:
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
    # printk replays a message whose console output a later one cut short
    # ("** replaying previous printk message **", then the message again):
    # kunit.py would count the replayed result line twice.
    lines = open(console, errors='replace').read().splitlines(True)
    text, last = [], None
    for i, line in enumerate(lines):
        if '** replaying previous printk message **' in line:
            continue
        if i and '** replaying previous printk message **' in lines[i - 1] and \
                line == last:
            continue
        text.append(line)
        last = line
    # kunit.py changes to the kernel tree: give it an absolute path.
    r = subprocess.run([sys.executable, kunit, 'parse', '--json'],
                       input=''.join(text), capture_output=True, text=True)
    start = r.stdout.find('{')
    if start < 0:
        return None
    try:
        return kunit_suites(json.loads(r.stdout[start:]), 'kunit: ')
    except ValueError:
        return None


def cmd_kunitjson(src, dst, prefix, rc):
    """kunit.py run's --json file and exit status -> a result file."""
    suites, notes = {}, []
    if os.path.exists(src) and os.path.getsize(src):
        try:
            suites = kunit_suites(json.load(open(src)), prefix)
        except ValueError:
            notes.append('%s: unparsable JSON' % src)
    if rc != '0':
        notes.append('%s exited %s' % (prefix.rstrip(': '), rc))
    # kunit.py's own verdict is a case: an empty or unreadable result fails.
    suites[prefix.rstrip(': ')] = {
        'kunit.py run': 'pass' if rc == '0' and suites else 'fail'}
    json.dump({'suites': suites, 'notes': notes}, open(dst, 'w'), indent=1,
              sort_keys=True)


SPLAT = re.compile(r'(WARNING:|BUG:|Oops|possible circular locking|'
                   r'inconsistent lock state|sleeping function called|'
                   r'Kernel panic)')


# user_return_msrs_test makes a user-return MSR load fail on purpose, and
# KVM_BUG_ON() warns in the vendor's prepare_switch_to_guest(): that
# warning, between the two lines the test writes to /dev/kmsg, is expected.
EXPECT_BEGIN = 'user_return_msrs_test: a KVM_BUG_ON() warning is expected'
EXPECT_END = 'user_return_msrs_test: no warning is expected any more'
EXPECTED_SPLAT = re.compile(r'WARNING: \S*arch/x86/kvm/\S+ at '
                            r'(vmx|svm)_prepare_switch_to_guest\+')


def parse_kernel_log(console):
    """The kernel's splats, without time stamps, addresses and pids."""
    if not os.path.exists(console):
        return []
    splats = set()
    expected = False
    for line in open(console, errors='replace'):
        if EXPECT_BEGIN in line:
            expected = True
        elif EXPECT_END in line:
            expected = False
        if not SPLAT.search(line) or (expected and
                                      EXPECTED_SPLAT.search(line)):
            continue
        line = re.sub(r'^\[[ 0-9.]+\]\s*', '', line.strip())
        line = re.sub(r'0x[0-9a-f]+|\b[0-9a-f]{8,}\b', 'X', line)
        line = re.sub(r'\b(pid|PID|CPU):? ?\d+', r'\1 N', line)
        line = re.sub(r'\[\d+\]', '[N]', line)
        splats.add(line)
    return sorted(splats)


def cmd_parse(logdir, ksrc, out, prefix='', mode='alone'):
    console = os.path.join(logdir, 'console.log')
    suites, notes = parse_tests(os.path.join(logdir, 'tests.log'))
    kunit = parse_kunit(console, ksrc)
    if kunit is None:
        suites['kunit'] = {'results at boot parsed': 'fail'}
        notes.append('kunit.py parse could not read the kernel log')
    else:
        suites.update(kunit)
    splats = parse_kernel_log(console)
    root = os.path.join(logdir, 'root/tests')
    missing = os.path.join(root, 'missing')
    if os.path.exists(missing):
        for prog in open(missing).read().split():
            suites.setdefault(suite_of(prog), {})[prog.split('/', 1)[-1]] = 'fail'
            notes.append('%s: not built' % prog)
    # A module the kernel does not have (the series' test module on the
    # base) is skipped here; an expect list says where it must load.
    absent = os.path.join(root, 'absent-modules')
    if os.path.exists(absent):
        for mod in open(absent).read().split():
            suites['vm']['module %s loaded' % module_name(mod)] = 'skip'
    suites = {prefix + n: c for n, c in suites.items()}
    notes = [n if n.startswith(prefix) else prefix + n for n in notes]
    if mode == 'paired':
        # Compared with the base kernel's run on the same VM by 'summary'.
        splats = {prefix + 'kernel log': splats}
    else:
        suites[prefix + 'kernel log'] = {
            'no WARNING, BUG or lockdep splat': 'fail' if splats else 'pass'}
        notes += ['%ssplat: %s' % (prefix, l) for l in splats[:5]]
        splats = {}
    json.dump({'suites': suites, 'notes': notes, 'splats': splats},
              open(out, 'w'), indent=1, sort_keys=True)


def load(path):
    if not path or not os.path.exists(path):
        return {'suites': {}, 'notes': []}
    return json.load(open(path))


def counts(cases):
    c = {'pass': 0, 'fail': 0, 'skip': 0}
    for s in cases.values():
        c[s] += 1
    return c


def fmt(c):
    if c is None:
        return '-'
    return '%d/%d/%d' % (c['pass'], c['fail'], c['skip'])


def merged(paths):
    """Several result files -> one; suites of the same name are merged."""
    res = {'suites': {}, 'notes': [], 'splats': {}}
    for p in paths:
        r = load(p)
        for n, cases in r['suites'].items():
            res['suites'].setdefault(n, {}).update(cases)
        res['notes'] += r.get('notes', [])
        res['splats'].update(r.get('splats') or {})
    return res


def read_expect(paths):
    """The "suite | case" lines of expect lists."""
    want = []
    for p in paths:
        for line in open(p):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if ' | ' not in line:
                raise SystemExit('%s: not "suite | case": %s' % (p, line))
            want.append(tuple(line.split(' | ', 1)))
    return want


def cmd_summary(base_paths, series_paths, extra, expect):
    base = merged(base_paths.split(','))
    series = merged(series_paths.split(',') + extra)
    # The kernel log of each VM: a splat the base kernel does not print
    # there is a failure.
    case = 'no WARNING, BUG or lockdep splat that the base has not'
    for log, lines in series['splats'].items():
        old = set(base['splats'].get(log, []))
        new = sorted(set(lines) - old)
        series['suites'][log] = {case: 'fail' if new else 'pass'}
        if log in base['splats']:
            base['suites'][log] = {case: 'pass'}
        series['notes'] += ['%s: new splat: %s' % (log, l) for l in new[:5]]
        series['notes'] += ['%s: splat the base has too: %s' % (log, l)
                            for l in sorted(set(lines) & old)[:5]]
    names = sorted(set(base['suites']) | set(series['suites']))
    width = max([len(n) for n in names] + [20])
    print('%-*s  %-14s  %-14s' % (width, 'suite (pass/fail/skip)', 'base', 'series'))
    for n in names:
        b = base['suites'].get(n)
        s = series['suites'].get(n)
        print('%-*s  %-14s  %-14s' % (width, n, fmt(counts(b) if b else None),
                                      fmt(counts(s) if s else None)))
    # What must pass with the series, whatever the base did.
    unmet = []
    for n, c in read_expect(expect):
        st = series['suites'].get(n, {}).get(c, 'missing')
        if st != 'pass':
            unmet.append((n, c, st))
    must = set((n, c) for n, c, _ in unmet)
    regress = []
    for n, cases in base['suites'].items():
        for c, st in cases.items():
            if (n, c) in must:
                continue
            if st == 'pass' and series['suites'].get(n, {}).get(c) != 'pass':
                regress.append('%s: %s passes on the base, %s with the series' %
                               (n, c, series['suites'].get(n, {}).get(c, 'missing')))
    for note in series.get('notes', []):
        print('note: ' + note)
    for r in regress:
        print('REGRESSION: ' + r)
    for n, c, st in unmet:
        print('EXPECTED TO PASS: %s | %s: %s' % (n, c, st))
    # A case that fails on the base kernel as well is the emulator's or
    # upstream's, not the series': listed, and left out of the count,
    # unless an expect list names it.
    total = {'pass': 0, 'fail': 0, 'skip': 0}
    known = []
    for n, cases in series['suites'].items():
        for c, st in cases.items():
            if (n, c) in must:
                continue
            if st == 'fail' and base['suites'].get(n, {}).get(c) == 'fail':
                known.append('%s: %s' % (n, c))
                continue
            total[st] += 1
    total['fail'] += len(regress) + len(unmet)
    if known:
        print('failing on the base kernel too, not counted (%d): %s' %
              (len(known), ', '.join(known)))
    print('%d passed, %d failed, %d skipped' % (total['pass'], total['fail'], total['skip']))
    return 1 if total['fail'] else 0


def main(argv):
    if len(argv) in (5, 6, 7) and argv[1] == 'parse':
        cmd_parse(*argv[2:])
        return 0
    if len(argv) == 6 and argv[1] == 'kunitjson':
        cmd_kunitjson(*argv[2:6])
        return 0
    if len(argv) >= 4 and argv[1] == 'summary':
        args, expect = argv[2:], []
        if '--expect' in args:
            i = args.index('--expect')
            args, expect = args[:i], args[i + 1:]
        if len(args) < 2:
            sys.stderr.write(__doc__)
            return 2
        return cmd_summary(args[0], args[1], args[2:], expect)
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
