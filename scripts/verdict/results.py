#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the test bench's logs into results, and results into verdicts.

  results.py parse LOGDIR KSRC OUT.json [PREFIX [paired]]
        one VM run (LOGDIR/tests.log, console.log) -> a result file; suite
        names get PREFIX; without 'paired' (no base run beside it) any
        kernel splat fails
  results.py kunitjson IN OUT PREFIX RC [KERNEL_LOG]
        kunit.py run's JSON (and the kernel log it saved) -> a result file
  results.py write SUITE OUT.json PREFIX < TSV
        the cases of a scripted check, "name<TAB>status<TAB>why" a line,
        -> a result file; exit status 1 if one failed
  results.py fail OUT.json SUITE CASE WHY
        a result file with one failed case: a step that stopped early
  results.py summary BASE.json[,...] SERIES.json[,...] [EXTRA.json...]
        [--expect LIST...] [--known LIST] [--skips LIST] [--context NAME]
        [--json OUT]
        the table, every verdict, and the closing 'N passed, N failed,
        N skipped' line; exit status 1 if anything failed
  results.py complete RESULT.json
        exit status 0 if a VM's run is complete (what the base cache keeps)
  results.py report RESULTS_DIR RESULTS.md
        RESULTS.md from the summary, the step times and make bench's table
  results.py times TIMES.tsv
        the table of the steps' wall times (lib.sh's 'timed')

A result file is {"suites": {suite: {case: status}}, "signatures": {suite:
{case: signature}}, "notes": [...], "splats": {log: [line, ...]},
"counters": {name: n}}, status one of pass, fail, skip.

The verdict rules (summary):
- A case of the series that fails counts as failed, unless the base kernel
  failed the same case on the same VM *the same way* (the same signature:
  assertion file:line and message, or splat line) and the known-failure
  list names that suite, case and signature with a reason.  A failure the
  base shares that is not listed, or listed with another signature, fails.
- A case that passes on the base and not with the series is a REGRESSION.
- A case that an expect list names must pass, whatever the base did.
- A skipped case must be listed in the expected-skip list with a reason;
  an unlisted skip fails.
- A kernel splat of the series counts as a failure unless the base printed
  the same line on the same VM and the known-failure list names it.
"""

import fnmatch
import hashlib
import json
import os
import re
import subprocess
import sys

TAP = re.compile(r'^\s*(not ok|ok)\s+(\d+)\s*(?:-\s*)?([^#]*?)\s*(#\s*(\w+).*)?$')
KSFT_SKIP = 4
KILLED = 137

SPLAT = re.compile(r'(WARNING:|BUG:|Oops|possible circular locking|'
                   r'inconsistent lock state|sleeping function called|'
                   r'Kernel panic|rcu: INFO: |detected stalls? on CPU|'
                   r'self-detected stall|INFO: task .* blocked for more than|'
                   r'hard LOCKUP|Invalid wait context)')

# user_return_msrs_test: HLTs its guest stepped over (emulator lost STI's
# interrupt shadow), see the test.
STEP_OVER = re.compile(r'^# (\d+) timer interrupts? between STI and HLT')


def tap_cases(lines):
    """TAP test points -> {case: status}; "not ok # SKIP" is a failure."""
    cases = {}
    for line in lines:
        m = TAP.match(line)
        if not m or line.startswith(' '):
            continue
        ok, num, desc, comment, directive = m.groups()
        name = desc.strip()
        if not name and directive and directive.upper() == 'SKIP':
            # "ok 2 # SKIP name: why", as ksft_test_result_skip() prints.
            w = re.match(r'#\s*SKIP\s+([^:]+?):\s', comment, re.I)
            name = w.group(1) if w else ''
        name = name or 'case %s' % num
        if ok == 'not ok':
            status = 'fail'
        elif directive and directive.upper() == 'SKIP':
            status = 'skip'
        else:
            status = 'pass'
        while name in cases:
            name += "'"
        cases[name] = status
    return cases


def normalize(text):
    """What varies from run to run: numbers of processes, times."""
    text = re.sub(r'\b(pid|tid|PID|CPU)[=:]? ?\d+', r'\1 N', text)
    text = re.sub(r'\[\d+\]', '[N]', text)
    return ' '.join(text.split())


def assertion(out):
    """The signature of a selftest's failure: 'file:line: expr :: message'."""
    for i, line in enumerate(out):
        if 'Test Assertion Failure' not in line:
            continue
        where = out[i + 1].strip() if i + 1 < len(out) else '?'
        msg = []
        for l in out[i + 2:]:
            s = l.strip()
            # The process line and the backtrace (with or without
            # addr2line) are no part of the failure.
            if not s or s.startswith('pid=') or 'addr2line' in s or \
                    re.match(r'^(\d+\s+)?(0x[0-9a-f]+:|\(inlined by\) )|^\?\?|^[\w./-]+:\d+$', s):
                continue
            if s.startswith('URN-') or TAP.match(s):
                break
            msg.append(s)
        return normalize('%s :: %s' % (where, ' '.join(msg[:2])))
    return None


def tap_failure(out, case):
    """The signature of a failed TAP case: its line and the diagnostic before."""
    prev = ''
    for line in out:
        m = TAP.match(line)
        if m and m.group(1) == 'not ok' and (m.group(3).strip() == case or
                                             'case %s' % m.group(2) == case):
            return normalize('%s :: %s' % (prev, line.strip()))
        if line.startswith('#'):
            prev = line.strip()
    return normalize(case)


def rc_text(rc):
    if rc is None:
        return 'stopped with the VM'
    if rc == KILLED:
        return 'timed out'
    if 128 < rc <= 128 + 64:
        return 'killed by signal %d' % (rc - 128)
    return 'exit status %d' % rc


def suite_of(prog):
    top = prog.split('/')[0]
    return {'kvm': 'kvm selftests'}.get(top, 'selftests/' + top)


def record(res, prog, rc, out):
    """One program's output -> cases (and signatures) of its suite."""
    suites, sigs, notes = res['suites'], res['signatures'], res['notes']
    sname = suite_of(prog)
    suite = suites.setdefault(sname, {})
    ssig = sigs.setdefault(sname, {})
    name = prog.split('/', 1)[1] if '/' in prog else prog
    cases = tap_cases(out)
    for line in out:
        m = STEP_OVER.match(line.strip())
        if m:
            res['counters']['hlt step-overs'] = \
                res['counters'].get('hlt step-overs', 0) + int(m.group(1))
    for case, status in cases.items():
        suite['%s: %s' % (name, case)] = status
        if status == 'fail':
            ssig['%s: %s' % (name, case)] = tap_failure(out, case)
    if rc != 0 and rc != KSFT_SKIP and ('fail' not in cases.values() or
                                        rc in (None, KILLED)):
        suite['%s: exit status' % name] = 'fail'
        ssig['%s: exit status' % name] = assertion(out) or rc_text(rc)
        notes.append('%s: %s' % (prog, rc_text(rc)))
    # A program without test points is one case: it passed, skipped or
    # failed (above: its exit status, with its assertion as signature).
    if not cases and rc == KSFT_SKIP:
        suite[name] = 'skip'
        notes.append('%s: skipped: %s' % (prog, ' '.join(
            l.strip() for l in out[-3:])[:200]))
    elif not cases and rc == 0:
        suite[name] = 'pass'


def new_result():
    return {'suites': {}, 'signatures': {}, 'notes': [], 'splats': {},
            'counters': {}}


def parse_tests(path, res):
    """tests.log -> the programs' cases, and the VM's own suite."""
    vm = res['suites'].setdefault('vm', {})
    vm['booted and started the tests'] = 'fail'
    vm['booted once'] = 'fail'
    vm['reached the end of its test list'] = 'fail'
    if not os.path.exists(path):
        res['notes'].append('no tests.log: the VM did not start')
        return
    current, out, done, boots, cut = None, [], False, 0, set()
    for line in open(path, errors='replace').read().splitlines():
        line = line.rstrip('\r')
        if line.startswith('URN-BOOT '):
            boots += 1
            vm['booted and started the tests'] = 'pass'
            # A VM that reset (a panic, or a triple fault under Bochs, which
            # boots its CD again) ran its list twice: a failure, whatever
            # the second boot did.
            vm['booted once'] = 'pass' if boots == 1 else 'fail'
            if boots == 2:
                res['notes'].append('the VM booted again%s' % (
                    ' while %s ran' % current if current else ''))
            if current:
                record(res, current, None, out)
                cut.add(current)
                current = None
        m = re.match(r'URN-MODULE-(OK|FAILED) (\S+?):?(\s|$)', line)
        if m:
            vm['module %s loaded' % module_name(m.group(2))] = \
                'pass' if m.group(1) == 'OK' else 'fail'
            if m.group(1) == 'FAILED':
                res['notes'].append(line)
        if line.startswith('URN-BEGIN '):
            current, out = line.split()[1], []
            continue
        if line.startswith('URN-END ') and current:
            rc = int(re.search(r'rc=(\d+)', line).group(1))
            if current not in cut:
                record(res, current, rc, out)
            current = None
            continue
        if line.startswith('URN-DONE'):
            done = True
            vm['reached the end of its test list'] = 'pass'
        if current:
            out.append(line)
    if current:
        res['notes'].append('%s: the VM stopped while it ran' % current)
        record(res, current, None, out)
    if not done:
        res['notes'].append('the VM did not reach the end of its test list')


def module_name(path):
    """/lib/modules/.../kvm-intel.ko -> kvm_intel"""
    return re.sub(r'\.ko$', '', os.path.basename(path)).replace('-', '_')


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


def console_lines(console):
    """The kernel log, without the lines printk replays."""
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
    return text


def parse_kunit(console, ksrc):
    kunit = os.path.join(ksrc, 'tools/testing/kunit/kunit.py')
    if not os.path.exists(console):
        return {}
    r = subprocess.run([sys.executable, kunit, 'parse', '--json'],
                       input=''.join(console_lines(console)),
                       capture_output=True, text=True)
    start = r.stdout.find('{')
    if start < 0:
        return None
    try:
        return kunit_suites(json.loads(r.stdout[start:]), 'kunit: ')
    except ValueError:
        return None


def splat_line(line):
    """A splat without time stamps, addresses and pids."""
    line = re.sub(r'^\[[ 0-9.]+\]\s*', '', line.strip())
    line = re.sub(r'0x[0-9a-f]+|\b[0-9a-f]{8,}\b', 'X', line)
    line = re.sub(r'\b(pid|PID|CPU)[#:]? ?\d+', r'\1 N', line)
    line = re.sub(r'\[\d+\]', '[N]', line)
    line = re.sub(r'\b\d+ jiffies\b|\b\d+ seconds\b', 'N', line)
    return line


def parse_kernel_log(console):
    """The kernel's splats.  None is expected: no test makes the kernel
    warn on purpose (a failed MSR load kills the VM without a warning)."""
    if not os.path.exists(console):
        return []
    return sorted({splat_line(line) for line in console_lines(console)
                   if SPLAT.search(line)})


def cmd_parse(logdir, ksrc, out, prefix='', mode='alone'):
    console = os.path.join(logdir, 'console.log')
    res = new_result()
    parse_tests(os.path.join(logdir, 'tests.log'), res)
    kunit = parse_kunit(console, ksrc)
    if kunit is None:
        res['suites']['kunit'] = {'results at boot parsed': 'fail'}
        res['notes'].append('kunit.py parse could not read the kernel log')
    else:
        res['suites'].update(kunit)
    splats = parse_kernel_log(console)
    root = os.path.join(logdir, 'root/tests')
    missing = os.path.join(root, 'missing')
    if os.path.exists(missing):
        for prog in open(missing).read().split():
            res['suites'].setdefault(suite_of(prog), {})[prog.split('/', 1)[-1]] = 'fail'
            res['notes'].append('%s: not built' % prog)
    # A module the kernel does not have (the series' test module on the
    # base) is skipped here; an expect list says where it must load.
    absent = os.path.join(root, 'absent-modules')
    if os.path.exists(absent):
        for mod in open(absent).read().split():
            res['suites']['vm']['module %s loaded' % module_name(mod)] = 'skip'
    res = prefixed(res, prefix)
    if mode == 'paired':
        # Compared with the base kernel's run on the same VM by 'summary'.
        res['splats'] = {prefix + 'kernel log': splats}
    else:
        add_splat_cases(res, prefix + 'kernel log', splats)
    dump(res, out)


def prefixed(res, prefix):
    return {
        'suites': {prefix + n: c for n, c in res['suites'].items()},
        'signatures': {prefix + n: c for n, c in res['signatures'].items()},
        'notes': [n if n.startswith(prefix) else prefix + n for n in res['notes']],
        'splats': res['splats'], 'counters': res['counters'],
    }


def add_splat_cases(res, log, splats):
    """A kernel log with no base beside it: any splat fails."""
    res['suites'][log] = {'no WARNING, BUG or lockdep splat':
                          'fail' if splats else 'pass'}
    if splats:
        res['signatures'][log] = {'no WARNING, BUG or lockdep splat': splats[0]}
    res['notes'] += ['%s: splat: %s' % (log, l) for l in splats[:5]]


def dump(res, out):
    json.dump(res, open(out, 'w'), indent=1, sort_keys=True)


def cmd_kunitjson(src, dst, prefix, rc, kernel_log=None):
    """kunit.py run's --json file and exit status -> a result file."""
    res = new_result()
    if os.path.exists(src) and os.path.getsize(src):
        try:
            res['suites'] = kunit_suites(json.load(open(src)), prefix)
        except ValueError:
            res['notes'].append('%s: unparsable JSON' % src)
    if rc != '0':
        res['notes'].append('%s exited %s' % (prefix.rstrip(': '), rc))
    # kunit.py's own verdict is a case: an empty or unreadable result fails.
    res['suites'][prefix.rstrip(': ')] = {
        'kunit.py run': 'pass' if rc == '0' and res['suites'] else 'fail'}
    # Every case may pass while the kernel splats: that fails too.
    if kernel_log:
        splats = parse_kernel_log(kernel_log) if os.path.exists(kernel_log) \
            else ['no kernel log: %s' % kernel_log]
        add_splat_cases(res, prefix + 'kernel log', splats)
    dump(res, dst)


def cmd_write(suite, out, prefix):
    """The one writer of scripted checks' results (lib.sh's record)."""
    res = new_result()
    cases = res['suites'].setdefault(suite, {})
    for line in sys.stdin:
        name, status, why = line.rstrip('\n').split('\t', 2)
        if status not in ('pass', 'fail', 'skip'):
            raise SystemExit('%s: status %r is not pass, fail or skip' % (name, status))
        cases[name] = status
        if status != 'pass':
            res['notes'].append('%s %s: %s' % (prefix, name, why))
            res['signatures'].setdefault(suite, {})[name] = why
    dump(res, out)
    return 1 if 'fail' in cases.values() else 0


def cmd_fail(out, suite, case, why):
    res = new_result()
    res['suites'][suite] = {case: 'fail'}
    res['notes'].append('%s: %s' % (suite, why))
    dump(res, out)


def load(path):
    res = new_result()
    if path and os.path.exists(path):
        res.update(json.load(open(path)))
    return res


def merged(paths):
    """Several result files -> one; suites of the same name are merged."""
    res = new_result()
    for p in paths:
        if not p:
            continue
        r = load(p)
        for n, cases in r['suites'].items():
            res['suites'].setdefault(n, {}).update(cases)
        for n, sigs in r.get('signatures', {}).items():
            res['signatures'].setdefault(n, {}).update(sigs)
        res['notes'] += r.get('notes', [])
        res['splats'].update(r.get('splats') or {})
        for n, v in (r.get('counters') or {}).items():
            key = '%s (%s)' % (n, os.path.basename(p))
            res['counters'][key] = res['counters'].get(key, 0) + v
    return res


def read_list(paths, fields, context=None):
    """The lines of lists, split on ' | ' into FIELDS fields.  A line may
    start with '[CONTEXT] ': it applies in that context only."""
    rows = []
    for p in paths:
        for no, line in enumerate(open(p), 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            m = re.match(r'^\[([\w-]+)\]\s+(.*)$', line)
            if m:
                if m.group(1) != context:
                    continue
                line = m.group(2)
            parts = line.split(' | ')
            if len(parts) != fields:
                raise SystemExit('%s:%d: not %d fields separated by " | ": %s' %
                                 (p, no, fields, line))
            rows.append(tuple(p.strip() for p in parts))
    return rows


def matches(rows, suite, case, sig=None):
    """The first row whose suite, case (a glob) and signature match."""
    for row in rows:
        if row[0] == suite and fnmatch.fnmatchcase(case, row[1]) and \
                (sig is None or fnmatch.fnmatchcase(sig or '', row[2])):
            return row
    return None


def counts(cases):
    c = {'pass': 0, 'fail': 0, 'skip': 0}
    for s in cases.values():
        c[s] += 1
    return c


def fmt(c):
    if c is None:
        return '-'
    return '%d/%d/%d' % (c['pass'], c['fail'], c['skip'])


def verdicts(base, series, expect, known, skips):
    """Every case of the series, judged: {(suite, case): (verdict, why)},
    verdict one of pass, fail, skip, known."""
    out = {}
    must = set(expect)
    for n, cases in series['suites'].items():
        for c, st in cases.items():
            sig = series['signatures'].get(n, {}).get(c)
            bst = base['suites'].get(n, {}).get(c)
            bsig = base['signatures'].get(n, {}).get(c)
            if st == 'pass':
                out[(n, c)] = ('pass', '')
            elif st == 'skip':
                row = matches(skips, n, c)
                if (n, c) in must:
                    out[(n, c)] = ('fail', 'skipped; the expect list says it must pass')
                elif row:
                    out[(n, c)] = ('skip', row[2])
                else:
                    out[(n, c)] = ('fail', 'skipped, and no expected-skip line names it')
            elif (n, c) in must:
                out[(n, c)] = ('fail', 'failed (%s); the expect list says it must pass' % sig)
            elif bst != 'fail':
                out[(n, c)] = ('fail', 'failed (%s)%s' % (
                    sig, '; passes on the base' if bst == 'pass' else ''))
            elif bsig != sig:
                out[(n, c)] = ('fail', 'fails on the base too, but another way: '
                               'base "%s", series "%s"' % (bsig, sig))
            elif not matches(known, n, c, sig):
                out[(n, c)] = ('fail', 'fails the same way on the base ("%s"), '
                               'but the known-failure list does not name it' % sig)
            else:
                out[(n, c)] = ('known', matches(known, n, c, sig)[3])
    for n, c in expect:
        if (n, c) not in out:
            out[(n, c)] = ('fail', 'did not run; the expect list says it must pass')
    # The kernel log of each VM: a splat of the series must be the base's
    # too, and listed.
    for log, lines in series['splats'].items():
        old = set(base['splats'].get(log, []))
        for l in lines:
            row = matches(known, log, 'splat', l)
            if l in old and row:
                out[(log, l)] = ('known', row[3])
            elif l in old:
                out[(log, l)] = ('fail', 'a splat the base prints too, but the '
                                 'known-failure list does not name it')
            else:
                out[(log, l)] = ('fail', 'a splat the base does not print')
        new = [l for l in lines if l not in old]
        out[(log, 'no WARNING, BUG or lockdep splat that the base has not')] = \
            ('fail', '%d splat(s) the base does not print' % len(new)) if new \
            else ('pass', '')
    return out


def cmd_summary(base_paths, series_paths, extra, expect, known, skips,
                context, json_out):
    base = merged(base_paths.split(','))
    series = merged(series_paths.split(',') + extra)
    want = [(r[0], r[1]) for r in read_list(expect, 2, context)]
    known_rows = read_list(known, 4, context)
    skip_rows = read_list(skips, 3, context)
    v = verdicts(base, series, want, known_rows, skip_rows)
    # The table: each suite's pass/fail/skip on both kernels.
    names = sorted(set(base['suites']) | set(series['suites']))
    width = max([len(n) for n in names] + [20])
    print('%-*s  %-14s  %-14s' % (width, 'suite (pass/fail/skip)', 'base', 'series'))
    for n in names:
        b = base['suites'].get(n)
        s = series['suites'].get(n)
        print('%-*s  %-14s  %-14s' % (width, n, fmt(counts(b) if b else None),
                                      fmt(counts(s) if s else None)))
    for note in series['notes']:
        print('note: ' + note)
    for n, c in counts_of(base):
        print('counter: base %s: %s' % (n, c))
    for n, c in counts_of(series):
        print('counter: series %s: %s' % (n, c))
    # Regressions: passes on the base, not with the series.
    regress = []
    for n, cases in base['suites'].items():
        for c, st in cases.items():
            if st == 'pass' and series['suites'].get(n, {}).get(c) is None:
                regress.append((n, c))
                v[(n, c)] = ('fail', 'passes on the base, did not run with the series')
    total = {'pass': 0, 'fail': 0, 'skip': 0, 'known': 0}
    for (n, c), (verdict, why) in sorted(v.items()):
        total[verdict] += 1
        if verdict == 'fail':
            print('FAILED: %s | %s: %s' % (n, c, why))
    for kind, title in (('known', 'known failures, the same on the base'),
                        ('skip', 'expected skips')):
        lines = ['%s | %s (%s)' % (n, c, why)
                 for (n, c), (verdict, why) in sorted(v.items()) if verdict == kind]
        if lines:
            print('%s (%d):' % (title, len(lines)))
            for l in lines:
                print('  ' + l)
    for r in known_rows:
        # A splat's verdict is keyed by its line, matched by the signature.
        if not any(n == r[0] and verdict == 'known' and
                   (fnmatch.fnmatchcase(c, r[2]) if r[1] == 'splat'
                    else fnmatch.fnmatchcase(c, r[1]))
                   for (n, c), (verdict, _) in v.items()):
            print('note: a known failure did not occur (remove it from the list?): '
                  '%s | %s' % (r[0], r[1]))
    line = '%d passed, %d failed, %d skipped, %d known failures' % (
        total['pass'], total['fail'], total['skip'], total['known'])
    print(line)
    if json_out:
        json.dump({'verdicts': [[n, c, verdict, why] for (n, c), (verdict, why)
                                in sorted(v.items())],
                   'totals': total, 'line': line,
                   'table': [[n, fmt(counts(base['suites'][n])) if n in base['suites'] else '-',
                              fmt(counts(series['suites'][n])) if n in series['suites'] else '-']
                             for n in names],
                   'counters': {'base': base['counters'], 'series': series['counters']}},
                  open(json_out, 'w'), indent=1)
    return 1 if total['fail'] else 0


def counts_of(res):
    return sorted(res['counters'].items())


def cmd_times(path):
    """lib.sh's timed lines 'name<TAB>start<TAB>end<TAB>rc' -> a table."""
    rows = []
    for line in open(path):
        name, start, end, rc = line.rstrip('\n').split('\t')
        rows.append((int(start), int(end), name, rc))
    if not rows:
        return 0
    t0 = min(r[0] for r in rows)
    print('%-44s %7s %7s %s' % ('step', 'start', 'minutes', 'exit'))
    for start, end, name, rc in sorted(rows):
        print('%-44s %7.1f %7.1f %s' % (name, (start - t0) / 60.0,
                                        (end - start) / 60.0, rc))
    print('%-44s %7s %7.1f' % ('all', '', (max(r[1] for r in rows) - t0) / 60.0))
    return 0


def cmd_complete(path):
    """Exit status 0 if a VM's results are of a complete run: it booted
    once, reached the end of its list, and no test timed out or stopped
    with the VM.  Only such a run of the base goes into the cache."""
    res = load(path)
    if not any(n.endswith('vm') for n in res['suites']):
        return 1
    for n, cases in res['suites'].items():
        if n.endswith('vm') and (cases.get('reached the end of its test list') != 'pass'
                                 or cases.get('booted once') != 'pass'):
            return 1
    for sigs in res['signatures'].values():
        if any(s in ('timed out', 'stopped with the VM') for s in sigs.values()):
            return 1
    return 0


def git(*args):
    r = subprocess.run(['git'] + list(args), capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else ''


def cmd_report(rdir, out):
    """RESULTS.md from what make test and make bench left in RDIR.  It
    replaces OUT only if git has OUT as it is (or OUT does not exist): a
    hand edit is never overwritten."""
    top = os.path.dirname(os.path.abspath(out))
    head = git('-C', top, 'rev-parse', '--short=12', 'HEAD') or '?'
    dirty = git('-C', top, 'status', '--porcelain', '--untracked-files=no',
                '--', '.', ':(exclude)RESULTS.md')
    lines = ['# Results', '',
             'Written by `make test` and `make bench` (scripts/verdict/results.py '
             'report); do not edit.', '']
    version = os.path.join(os.path.dirname(rdir), 'base.version')
    lines.append('- Project commit: %s%s' % (head, ' with uncommitted changes' if dirty else ''))
    if os.path.exists(version):
        lines.append('- Base: %s' % open(version).read().strip())
    summary = os.path.join(rdir, 'summary.json')
    if os.path.exists(summary):
        sj = json.load(open(summary))
        lines += ['- make test: **%s**' % sj['line'], '',
                  '## Suites (pass/fail/skip)', '',
                  '| suite | base | series |', '|---|---|---|']
        lines += ['| %s | %s | %s |' % tuple(r) for r in sj['table']]
        for title, kind in (('Failures', 'fail'), ('Known failures, the same on '
                                                   'the base', 'known'),
                            ('Expected skips', 'skip')):
            rows = [v for v in sj['verdicts'] if v[2] == kind]
            if rows:
                lines += ['', '## %s' % title, '']
                lines += ['- %s | %s: %s' % (n, c, why) for n, c, _, why in rows]
        counters = sj.get('counters', {})
        if any(counters.values()):
            lines += ['', '## Counters', '']
            for kernel in ('base', 'series'):
                for n, v in sorted(counters.get(kernel, {}).items()):
                    lines.append('- %s: %s: %s' % (kernel, n, v))
    for name, title in (('times.txt', 'Wall time by step (minutes)'),
                        ('bench.txt', 'make bench')):
        path = os.path.join(rdir, name)
        if os.path.exists(path):
            lines += ['', '## %s' % title, '', '```'] + \
                open(path).read().rstrip('\n').split('\n') + ['```']
    text = '\n'.join(lines) + '\n'
    built = os.path.join(rdir, 'RESULTS.md')
    # What this tool wrote last time, and what git has: either may be
    # replaced; anything else is somebody's edit.
    last = os.path.join(os.path.dirname(rdir), '.results-md.sha256')
    if os.path.exists(out):
        have = hashlib.sha256(open(out, 'rb').read()).hexdigest()
        ours = open(last).read().strip() if os.path.exists(last) else None
        in_git = not git('-C', top, 'status', '--porcelain', '--',
                         os.path.basename(out)) and \
            git('-C', top, 'ls-files', os.path.basename(out))
        if have != ours and not in_git:
            open(built, 'w').write(text)
            print('note: %s has changes that neither git nor this tool made: '
                  'not replaced; the new one is %s' % (out, built))
            return 0
    open(built, 'w').write(text)
    open(out, 'w').write(text)
    open(last, 'w').write(hashlib.sha256(text.encode()).hexdigest() + '\n')
    return 0


def main(argv):
    args = argv[1:]
    if not args:
        sys.stderr.write(__doc__)
        return 2
    cmd, args = args[0], args[1:]
    if cmd == 'parse' and 3 <= len(args) <= 5:
        cmd_parse(*args)
        return 0
    if cmd == 'kunitjson' and 4 <= len(args) <= 5:
        cmd_kunitjson(*args)
        return 0
    if cmd == 'write' and len(args) == 3:
        return cmd_write(*args)
    if cmd == 'fail' and len(args) == 4:
        cmd_fail(*args)
        return 0
    if cmd == 'report' and len(args) == 2:
        return cmd_report(*args)
    if cmd == 'complete' and len(args) == 1:
        return cmd_complete(args[0])
    if cmd == 'times' and len(args) == 1:
        return cmd_times(args[0])
    if cmd == 'summary':
        opts = {'--expect': [], '--known': [], '--skips': [], '--context': [None],
                '--json': [None]}
        pos, cur = [], None
        for a in args:
            if a in opts:
                cur = a
                if a in ('--context', '--json'):
                    opts[a] = []
            elif cur:
                opts[cur].append(a)
            else:
                pos.append(a)
        if len(pos) < 2:
            sys.stderr.write(__doc__)
            return 2
        return cmd_summary(pos[0], pos[1], pos[2:], opts['--expect'],
                           opts['--known'], opts['--skips'],
                           (opts['--context'] or [None])[0],
                           (opts['--json'] or [None])[0])
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
