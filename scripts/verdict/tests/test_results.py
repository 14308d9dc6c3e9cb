#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The unit tests of results.py: each verdict rule of its docstring, and
# each hole an audit found in them, on the small sample logs and result
# files in logs/<situation>/ (CRLF line ends, as the VMs write them).
# run.sh runs them and writes their results as the suite "verdict";
# ../expected/verdict.list names every test, so a test that does not run
# fails make test.
#
# No docstrings on the test methods: unittest -v would print them, and
# run.sh reads its lines.

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import warnings
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
VERDICT = os.path.dirname(HERE)
sys.path.insert(0, VERDICT)
import results  # noqa: E402

LOGS = os.path.join(HERE, 'logs')
KNOWN = os.path.join(VERDICT, 'known-failures.list')
SKIPS = os.path.join(VERDICT, 'expected-skips.list')
EXPECTED = os.path.join(VERDICT, 'expected')
NESTED = 'nested_exceptions_test'
# A program that exits non-zero (4 is a skip) without a failed test point:
# the case "PROGRAM: exit status", its signature the assertion.
NESTED_EXIT = NESTED + ': exit status'
NESTED_SIG = ('x86/nested_exceptions_test.c:85: ctrl->exit_info_1 == error_code'
              ' :: 0xc2 != 0x62 (ctrl->exit_info_1 != error_code)')
PAIRED_SPLAT_CASE = 'no WARNING, BUG or lockdep splat that the base has not'
SPLAT_CASE = 'no WARNING, BUG or lockdep splat'

# cmd_parse runs KSRC/tools/testing/kunit/kunit.py on the kernel log; the
# sample logs have no KTAP: a stand-in that reads it and finds no suite.
KUNIT_STUB = '''import json, sys
sys.stdin.read()
print(json.dumps({"name": "", "test_cases": [], "sub_groups": []}))
'''


def log(*parts):
    return os.path.join(LOGS, *parts)


class Case(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        # results.py reads files without closing them: not what is tested.
        warnings.simplefilter('ignore', ResourceWarning)
        self.tmp = tempfile.mkdtemp(prefix='verdict-test.')
        self.addCleanup(shutil.rmtree, self.tmp)
        self.ksrc = os.path.join(self.tmp, 'ksrc')
        kunit = os.path.join(self.ksrc, 'tools', 'testing', 'kunit')
        os.makedirs(kunit)
        with open(os.path.join(kunit, 'kunit.py'), 'w') as f:
            f.write(KUNIT_STUB)
        self.n = 0

    def path(self, name):
        return os.path.join(self.tmp, name)

    def fresh(self, name):
        self.n += 1
        return self.path('%d-%s' % (self.n, name))

    def main(self, *argv, stdin=None):
        """results.py ARGV -> (exit status, stdout)."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.ExitStack() as stack:
            stack.enter_context(contextlib.redirect_stdout(out))
            stack.enter_context(contextlib.redirect_stderr(err))
            if stdin is not None:
                stack.enter_context(mock.patch('sys.stdin', io.StringIO(stdin)))
            try:
                rc = results.main(['results.py'] + [str(a) for a in argv])
            except SystemExit as e:
                rc = e.code
        return rc, out.getvalue()

    def parse(self, situation, prefix='', mode='paired'):
        """results.py parse logs/SITUATION -> (result file, its content)."""
        out = self.fresh(situation + '.json')
        rc, _ = self.main('parse', log(situation), self.ksrc, out, prefix, mode)
        self.assertEqual(rc, 0)
        with open(out) as f:
            return out, json.load(f)

    def summary(self, base, series, *extra, expect=(), known=(), skips=(),
                context=None):
        """results.py summary -> (exit status, stdout, {(suite, case):
        (verdict, why)}, the --json file's content)."""
        js = self.last_summary = self.fresh('summary.json')
        argv = ['summary', base, series] + list(extra)
        for opt, files in (('--expect', expect), ('--known', known),
                           ('--skips', skips)):
            if files:
                argv += [opt] + list(files)
        if context:
            argv += ['--context', context]
        argv += ['--json', js]
        rc, text = self.main(*argv)
        with open(js) as f:
            data = json.load(f)
        v = {(n, c): (verdict, why) for n, c, verdict, why in data['verdicts']}
        return rc, text, v, data

    def write_json(self, name, obj):
        p = self.fresh(name)
        with open(p, 'w') as f:
            json.dump(obj, f)
        return p


class Rules(Case):

    # a. A failure the base shares, with the same signature, that the
    # known-failure list names: known, not counted as failed (here the
    # base ran without addr2line and another pid).  The assertion of a
    # program without test points fails its case "PROGRAM: exit status".
    def test_known_failure_same_signature_on_base_is_known(self):
        base, _ = self.parse('nested-base')
        series, res = self.parse('nested-series')
        self.assertEqual(res['suites']['kvm selftests'],
                         {NESTED_EXIT: 'fail', 'tsc_msrs_test': 'pass'})
        rc, text, v, data = self.summary(base, series, known=[KNOWN], skips=[SKIPS])
        self.assertEqual(v[('kvm selftests', NESTED_EXIT)][0], 'known', text)
        self.assertIn('QEMU', v[('kvm selftests', NESTED_EXIT)][1])   # the list's reason
        self.assertEqual(data['totals']['fail'], 0, text)
        self.assertEqual(data['totals']['known'], 1, text)
        self.assertNotIn('FAILED:', text)
        self.assertEqual(rc, 0, text)
        self.assertRegex(text.splitlines()[-1], r'^\d+ passed, 0 failed, 0 skipped, 1 known failures$')

    # b. The same case fails on the base and with the series, but with
    # another message: failed, even if a known-failure line (a glob)
    # fits both messages.
    def test_failure_with_other_message_than_base_fails(self):
        base, b = self.parse('nested-base')
        series, s = self.parse('nested-other-message')
        self.assertNotEqual(b['signatures']['kvm selftests'][NESTED_EXIT],
                            s['signatures']['kvm selftests'][NESTED_EXIT])
        rc, text, v, _ = self.summary(base, series,
                                      known=[log('nested-other-message', 'known-glob.list')])
        verdict, why = v[('kvm selftests', NESTED_EXIT)]
        self.assertEqual(verdict, 'fail', text)
        self.assertIn('another way', why)
        self.assertIn('0xc3 != 0x62', why)
        self.assertEqual(rc, 1)
        # The glob does fit both: the same message on both sides is known.
        rc, text, v, _ = self.summary(series, series,
                                      known=[log('nested-other-message', 'known-glob.list')])
        self.assertEqual(v[('kvm selftests', NESTED_EXIT)][0], 'known', text)

    # c. Base and series fail the same way, but the known-failure list
    # does not name the failure: failed.
    def test_shared_failure_not_in_known_list_fails(self):
        base, _ = self.parse('nested-base')
        series, _ = self.parse('nested-series')
        for known in ([log('nested-other-message', 'empty.list')], []):
            rc, text, v, data = self.summary(base, series, known=known)
            verdict, why = v[('kvm selftests', NESTED_EXIT)]
            self.assertEqual(verdict, 'fail', text)
            self.assertIn('does not name it', why)
            self.assertEqual(data['totals']['known'], 0)
            self.assertEqual(rc, 1)

    # d. A listed known failure whose signature changed: failed, both when
    # the base changed the same way and when only the series did.
    def test_known_failure_with_changed_signature_fails(self):
        base, _ = self.parse('nested-base')
        other, _ = self.parse('nested-other-message')
        for b in (other, base):
            rc, text, v, data = self.summary(b, other, known=[KNOWN], skips=[SKIPS])
            self.assertEqual(v[('kvm selftests', NESTED_EXIT)][0], 'fail', text)
            self.assertEqual(data['totals']['known'], 0, text)
            self.assertEqual(rc, 1)
            self.assertIn('FAILED: kvm selftests | %s:' % NESTED_EXIT, text)

    # e. A case that passes on the base and fails, or does not run, with
    # the series: a regression, failed.
    def test_regression_pass_on_base_fail_or_missing_with_series(self):
        rc, text, v, data = self.summary(log('regression', 'base.json'),
                                         log('regression', 'series.json'))
        self.assertEqual(v[('kvm selftests', 'tsc_msrs_test')], ('pass', ''))
        verdict, why = v[('kvm selftests', 'cpuid_test')]
        self.assertEqual(verdict, 'fail')
        self.assertIn('passes on the base', why)
        self.assertEqual(v[('kvm selftests', 'hwcr_msr_test')][0], 'fail')
        ftrace = ('selftests/ftrace',
                  'ftracetest: Kprobe on ftrace enabled again calls its handler')
        self.assertEqual(v[ftrace][0], 'fail', text)
        self.assertIn('did not run', v[ftrace][1])
        self.assertEqual(data['totals']['fail'], 3, text)
        self.assertEqual(rc, 1)

    # f. A case an expect list names must pass: skipped (even with an
    # expected-skip line), not run, or failed (even the base's way, and
    # listed as known): failed.
    def test_expected_case_skipped_or_not_run_fails(self):
        d = 'expect'
        rc, text, v, data = self.summary(
            log(d, 'base.json'), log(d, 'series.json'),
            expect=[log(d, 'expect.list')], known=[log(d, 'known.list')],
            skips=[log(d, 'skips.list')])
        s = 'selftests/user_return_notifier'
        self.assertEqual(v[(s, 'user_return_msr_test: rdtscp_restored_on_each_cpu '
                               '(2 cpus, 200 values each)')][0], 'pass')
        verdict, why = v[(s, 'user_return_msr_test: restored_after_sleep')]
        self.assertEqual((verdict, 'skipped' in why), ('fail', True), text)
        verdict, why = v[(s, 'user_return_msr_test: stress_never_sees_a_wrong_value')]
        self.assertEqual((verdict, 'did not run' in why), ('fail', True), text)
        self.assertEqual(v[(s, 'user_return_msr_test: layer_counts_exact')][0], 'fail', text)
        self.assertEqual(data['totals'], {'pass': 1, 'fail': 3, 'skip': 0, 'known': 0})
        self.assertEqual(rc, 1)
        # Without the expect list, the same results are a skip and a
        # known failure.
        rc, text, v, _ = self.summary(log(d, 'base.json'), log(d, 'series.json'),
                                      known=[log(d, 'known.list')],
                                      skips=[log(d, 'skips.list')])
        self.assertEqual(v[(s, 'user_return_msr_test: restored_after_sleep')][0], 'skip')
        self.assertEqual(v[(s, 'user_return_msr_test: layer_counts_exact')][0], 'known')
        self.assertEqual(rc, 0, text)

    # g. A skip that no expected-skip line names fails; one a line names
    # (its case a glob) is a skip.
    def test_unlisted_skip_fails_listed_glob_skip_is_skip(self):
        base, _ = self.parse('nested-base')
        series, res = self.parse('skips')
        s = 'selftests/user_return_notifier'
        rdpid = 'user_return_msr_test: rdpid_restored_on_each_cpu'
        rdpid2 = 'user_return_msr_test#2: rdpid_restored_on_each_cpu'
        sleep = 'user_return_msr_test: restored_after_sleep'
        for c in (rdpid, rdpid2, sleep):
            self.assertEqual(res['suites'][s][c], 'skip')
        rc, text, v, _ = self.summary(base, series, known=[KNOWN], skips=[SKIPS])
        verdict, why = v[(s, rdpid)]
        self.assertEqual(verdict, 'skip', text)
        self.assertIn('RDPID', why)     # the reason of the expected-skip line
        self.assertEqual(v[(s, rdpid2)][0], 'skip')
        verdict, why = v[(s, sleep)]
        self.assertEqual(verdict, 'fail', text)
        self.assertIn('no expected-skip line', why)
        self.assertEqual(rc, 1)
        # A KVM selftest that exits 4 without test points skips its one
        # case "PROGRAM", which the list names.
        r = results.new_result()
        results.record(r, 'kvm/vmx_msrs_test', results.KSFT_SKIP,
                       ['1..0 # SKIP - Requirement not met: kvm_cpu_has(X86_FEATURE_VMX)'])
        self.assertEqual(r['suites']['kvm selftests'], {'vmx_msrs_test': 'skip'})
        p = self.write_json('kvm-skip.json', r)
        rc, text, v, _ = self.summary(p, p, skips=[SKIPS])
        self.assertEqual(v[('kvm selftests', 'vmx_msrs_test')][0], 'skip', text)
        self.assertEqual(rc, 0, text)

    # h. A KVM selftest that prints "not ok N x" fails its case
    # "PROGRAM: x", whatever its exit status (here 0).
    def test_kvm_program_not_ok_with_exit_status_0_fails(self):
        prog = 'userspace_msr_exit_test'
        deny = prog + ': msr_filter_deny'
        out, res = self.parse('kvm-not-ok-exit-0')
        self.assertEqual(res['suites']['kvm selftests'],
                         {prog + ': msr_filter_allow': 'pass', deny: 'fail',
                          prog + ': msr_permission_bitmap': 'pass'})
        self.assertIn('not ok 2 msr_filter_deny',
                      res['signatures']['kvm selftests'][deny])
        rc, text, v, data = self.summary(out, out)
        self.assertEqual(v[('kvm selftests', deny)][0], 'fail', text)
        self.assertEqual(v[('kvm selftests', prog + ': msr_filter_allow')], ('pass', ''))
        self.assertIn('FAILED: kvm selftests | %s:' % deny, text)
        self.assertEqual(rc, 1)

    # i. "not ok N ... # SKIP" is a failure, not a skip; "ok N # SKIP
    # name: why" is a skip of the case "name".
    def test_not_ok_skip_fails_ok_skip_is_named_skip(self):
        self.assertEqual(results.tap_cases(['not ok 3 thing # SKIP why']), {'thing': 'fail'})
        self.assertEqual(results.tap_cases(['not ok 4 # SKIP no second cpu']),
                         {'case 4': 'fail'})
        self.assertEqual(results.tap_cases(['ok 2 # SKIP rdpid_restored_on_each_cpu: '
                                            'no RDPID in CPUID']),
                         {'rdpid_restored_on_each_cpu': 'skip'})
        self.assertEqual(results.tap_cases(['ok 5 # skip']), {'case 5': 'skip'})
        _, res = self.parse('not-ok-skip')
        self.assertEqual(res['suites']['selftests/user_return_notifier'],
                         {'user_return_notifier_test: fires_once_on_arming_cpu (2 cpus)': 'pass',
                          'user_return_notifier_test: fires_after_sleep': 'fail'})
        # The same in a KVM selftest that exits 0: its case fails.
        self.assertEqual(res['suites']['kvm selftests'],
                         {"user_return_msrs_test: exit to user space, values equal "
                          "to the host's": 'pass',
                          'user_return_msrs_test: case 2': 'fail'})

    # j. No warning is expected: a WARNING that KVM's prepare_switch_to_guest
    # prints when a load fails is a splat, whatever the test wrote to the
    # kernel log around it (v2's test framed a KVM_BUG_ON() warning so).
    def test_every_warning_is_a_splat(self):
        warn = ['WARNING: ../src/arch/x86/kvm/svm/svm.c:1462 at '
                'svm_prepare_switch_to_guest+X/X [kvm_amd], CPU N: user_return_msr/181']
        self.assertEqual(results.parse_kernel_log(log('framed-warning', 'console.log')), warn)
        _, res = self.parse('framed-warning', mode='alone')
        self.assertEqual(res['suites']['kernel log'], {SPLAT_CASE: 'fail'})

    # k. An RCU stall and a hung task are splats.
    def test_rcu_stall_and_hung_task_are_splats(self):
        splats = results.parse_kernel_log(log('stalls', 'console.log'))
        self.assertIn('rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:', splats)
        self.assertIn('INFO: task x:1 blocked for more than N.', splats)
        self.assertEqual(len(splats), 2, splats)
        _, res = self.parse('stalls', mode='alone')
        self.assertEqual(res['suites']['kernel log'], {SPLAT_CASE: 'fail'})

    # l. A second URN-BOOT (the VM reset and ran its list again): "vm |
    # booted once" fails, and the test it interrupted stays failed though
    # its second run passed.
    def test_second_boot_fails_booted_once_and_interrupted_test(self):
        out, res = self.parse('booted-twice')
        vm = res['suites']['vm']
        self.assertEqual(vm['booted once'], 'fail')
        self.assertEqual(vm['booted and started the tests'], 'pass')
        kvm = res['suites']['kvm selftests']
        urm = 'user_return_msrs_test'
        self.assertEqual(kvm[urm + ': exit status'], 'fail')
        self.assertEqual(res['signatures']['kvm selftests'][urm + ': exit status'],
                         'stopped with the VM')
        # The first run's test point; not the second run's.
        self.assertEqual(kvm[urm + ": exit to user space, values equal to the host's"], 'pass')
        self.assertNotIn(urm + ': a failed MSR load stops the VM', kvm)
        self.assertNotIn(urm, kvm)
        self.assertEqual(kvm['tsc_msrs_test'], 'pass')
        self.assertTrue(any('booted again while kvm/user_return_msrs_test ran' in n
                            for n in res['notes']), res['notes'])
        rc, text, v, _ = self.summary(out, out)
        self.assertEqual(v[('vm', 'booted once')][0], 'fail')
        self.assertEqual(v[('kvm selftests', urm + ': exit status')][0], 'fail')
        self.assertEqual(rc, 1)

    # m. A splat of the series that the base does not print fails; one
    # both print that the known-failure list names is known; one both
    # print, unlisted, fails.  Time stamps and addresses do not count.
    def test_series_splat_new_or_unlisted_fails_listed_is_known(self):
        base, _ = self.parse('splats-base', 'vmx: ')
        series, res = self.parse('splats-series', 'vmx: ')
        lines = res['splats']['vmx: kernel log']
        self.assertEqual(len(lines), 3, lines)
        rc, text, v, data = self.summary(base, series, known=[KNOWN])
        log_ = 'vmx: kernel log'
        topo = [l for l in lines if 'topology_common' in l][0]
        sleeping = [l for l in lines if 'sleeping function' in l][0]
        new = [l for l in lines if 'kvm_arch_vcpu_ioctl_run' in l][0]
        self.assertEqual(v[(log_, topo)][0], 'known', text)
        self.assertEqual(v[(log_, sleeping)][0], 'fail')
        self.assertIn('does not name it', v[(log_, sleeping)][1])
        self.assertEqual(v[(log_, new)], ('fail', 'a splat the base does not print'))
        self.assertEqual(v[(log_, PAIRED_SPLAT_CASE)][0], 'fail')
        self.assertEqual(rc, 1)
        # The base's log alone against itself: the listed one is known,
        # the unlisted one still fails.
        rc, text, v, _ = self.summary(base, base, known=[KNOWN])
        self.assertEqual(v[(log_, topo)][0], 'known')
        self.assertEqual(v[(log_, sleeping)][0], 'fail')
        self.assertEqual(v[(log_, PAIRED_SPLAT_CASE)][0], 'pass')

    # n. make run alone (its four expect lists, no tooling, check or
    # verdict results, no tooling.list) can end with 0 failed, with the
    # known failure and the known boot warning of the VMX VM and the
    # expected skips of a real run.
    def test_make_run_alone_can_be_green(self):
        lists = [os.path.join(EXPECTED, n + '.list')
                 for n in ('svm', 'vmx', 'riscv', 'kunit-x86_64')]
        files = {k: results.new_result() for k in
                 ('base', 'base-vmx', 'series', 'series-vmx', 'kunit', 'riscv')}
        for n, c in results.read_list(lists, 2, 'run'):
            if c == PAIRED_SPLAT_CASE:
                continue     # a paired kernel log: its splats below
            key = ('series-vmx' if n.startswith('vmx: ') else
                   'riscv' if n.startswith('riscv: ') else
                   'kunit' if n.startswith('kunit.py ') else 'series')
            files[key]['suites'].setdefault(n, {})[c] = 'pass'
        boot = results.parse_kernel_log(log('vmx-boot-warning', 'console.log'))
        self.assertEqual(len(boot), 1)
        for k in ('base', 'series'):
            files[k]['splats'] = {'kernel log': []}
            files[k + '-vmx']['splats'] = {'vmx: kernel log': boot}
            # The known failure of the QEMU VM, the same on both kernels.
            files[k]['suites'].setdefault('kvm selftests', {}).update(
                {'msrs_test: exit status': 'fail', 'tsc_msrs_test': 'pass'})
            files[k]['signatures']['kvm selftests'] = {'msrs_test: exit status': (
                'x86/msrs_test.c:105: val == want :: Wanted 0x56789000 from '
                'RDMSR(0x175), got 0x123456789000')}
            files[k + '-vmx']['suites'].setdefault('vmx: kvm selftests', {})[
                'msrs_test'] = 'pass'
        files['series']['suites']['kvm selftests']['vmx_msrs_test'] = 'skip'
        files['series']['suites']['selftests/user_return_notifier'][
            'user_return_msr_test: rdpid_restored_on_each_cpu'] = 'skip'
        paths = {k: self.write_json(k + '.json', r) for k, r in files.items()}
        rc, text, v, data = self.summary(
            paths['base'] + ',' + paths['base-vmx'],
            paths['series'] + ',' + paths['series-vmx'], paths['kunit'], paths['riscv'],
            expect=lists, known=[KNOWN], skips=[SKIPS], context='run')
        self.assertNotIn('FAILED', text)
        self.assertEqual(v[('kernel log', PAIRED_SPLAT_CASE)], ('pass', ''))
        self.assertEqual(v[('vmx: kernel log', PAIRED_SPLAT_CASE)], ('pass', ''))
        self.assertEqual(data['totals']['known'], 2, text)
        self.assertEqual(data['totals']['skip'], 2, text)
        self.assertRegex(data['line'], r'^\d+ passed, 0 failed, 2 skipped, 2 known failures$')
        self.assertEqual(rc, 0)

    # o. Only a complete run goes into the base cache: not one that did
    # not reach the end of its list, booted twice, or had a test time out
    # (also after a failed TAP case), nor a result file that is missing.
    def test_complete_needs_end_one_boot_no_timeout(self):
        def complete(path):
            return self.main('complete', path)[0]
        good, _ = self.parse('nested-series')
        self.assertEqual(complete(good), 0)
        good_vmx, res = self.parse('nested-series', 'vmx: ')
        self.assertEqual(complete(good_vmx), 0)
        # Each condition alone (in the logs below, a test stopped too).
        for case in ('booted once', 'reached the end of its test list'):
            r = json.loads(json.dumps(res))
            r['suites']['vmx: vm'][case] = 'fail'
            self.assertEqual(complete(self.write_json('vm.json', r)), 1, case)
        for situation in ('cut-off', 'booted-twice', 'timed-out', 'timed-out-after-failure'):
            for prefix in ('', 'vmx: '):
                out, res = self.parse(situation, prefix)
                self.assertEqual(complete(out), 1, (situation, prefix, res))
        out, res = self.parse('timed-out')
        self.assertEqual(res['signatures']['kvm selftests']['xapic_state_test: exit status'],
                         'timed out')
        failed = self.fresh('fail.json')
        self.main('fail', failed, 'vmx: vm', 'booted and started the tests', 'no VM')
        self.assertEqual(complete(failed), 1)
        self.assertEqual(complete(self.path('absent.json')), 1)

    # p. A line "[check-alone] ..." of a list applies with --context
    # check-alone only.
    def test_context_lines_apply_only_in_their_context(self):
        d = 'context'
        check = self.fresh('check.json')
        with open(log(d, 'check.tsv')) as f:
            rc, _ = self.main('write', 'make check', check, 'make check', stdin=f.read())
        self.assertEqual(rc, 0)
        with open(check) as f:
            self.assertEqual(json.load(f)['suites']['make check'],
                             {'shellcheck': 'pass', 'kernel-doc': 'skip'})
        empty = self.write_json('empty.json', results.new_result())
        skips = [log(d, 'skips.list')]
        expect = [log(d, 'expect.list')]
        kd = ('make check', 'kernel-doc')
        self.assertEqual(results.read_list(skips, 3), [])
        self.assertEqual(results.read_list(skips, 3, 'check-alone'),
                         [('make check', 'kernel-doc', 'check.sh alone has no kernel tree')])
        rc, text, v, _ = self.summary(empty, check, skips=skips)
        self.assertEqual(v[kd][0], 'fail', text)
        for context in ('test', 'run', 'check'):
            rc, text, v, _ = self.summary(empty, check, skips=skips, context=context)
            self.assertEqual(v[kd][0], 'fail', (context, text))
        rc, text, v, _ = self.summary(empty, check, skips=skips, context='check-alone')
        self.assertEqual(v[kd], ('skip', 'check.sh alone has no kernel tree'), text)
        self.assertEqual(rc, 0)
        # The expect list's "[test]" line: kernel-doc must pass in make
        # test, not when check.sh runs alone.
        rc, text, v, _ = self.summary(empty, check, expect=expect, skips=skips,
                                      context='check-alone')
        self.assertEqual(v[kd][0], 'skip', text)
        rc, text, v, _ = self.summary(empty, check, expect=expect, skips=skips, context='test')
        self.assertEqual(v[kd][0], 'fail', text)

    # q. A KVM selftest's assertion signature: "file:line: expr ::
    # message", without pid, tid, and the backtrace (addr2line's, or its
    # absence); two runs that differ only there have the same one.
    def test_assertion_signature_keeps_message_drops_pid_and_backtrace(self):
        def program_output(situation):
            with open(log(situation, 'tests.log'), newline='') as f:
                lines = f.read().splitlines()
            i = lines.index('URN-BEGIN kvm/' + NESTED)
            j = lines.index([l for l in lines[i:] if l.startswith('URN-END ')][0])
            return lines[i + 1:j]
        base = results.assertion(program_output('nested-base'))
        series = results.assertion(program_output('nested-series'))
        self.assertEqual(base, NESTED_SIG)
        self.assertEqual(series, NESTED_SIG)
        for noise in ('pid', 'tid', '708', '1711', 'addr2line', 'inlined', '0x0000',
                      '??', 'run_vcpu', 'Interrupted'):
            self.assertNotIn(noise, series)
        other = results.assertion(program_output('nested-other-message'))
        self.assertIn('0xc3 != 0x62', other)
        self.assertNotEqual(other, base)
        # The same through parse, and in a TAP program's exit status case.
        _, res = self.parse('nested-series')
        self.assertEqual(res['signatures']['kvm selftests'][NESTED_EXIT], NESTED_SIG)
        r = results.new_result()
        results.record(r, 'kvm/' + NESTED, 254,
                       ['TAP version 13', '1..2', 'ok 1 first'] +
                       program_output('nested-other-message'))
        self.assertEqual(r['suites']['kvm selftests'],
                         {NESTED + ': first': 'pass', NESTED_EXIT: 'fail'})
        self.assertEqual(r['signatures']['kvm selftests'][NESTED_EXIT], other)
        self.assertIsNone(results.assertion(['ok 1 x', 'URN-END x rc=0']))

    # r. report writes RESULTS.md; it replaces its own last output and
    # what git has, never a hand edit.
    def test_report_replaces_own_output_never_a_hand_edit(self):
        repo = self.path('repo')
        rdir = self.path('build/results')
        os.makedirs(rdir)
        env = {'GIT_CONFIG_GLOBAL': os.devnull, 'GIT_CONFIG_NOSYSTEM': '1',
               'GIT_AUTHOR_NAME': 't', 'GIT_AUTHOR_EMAIL': 't@example.org',
               'GIT_COMMITTER_NAME': 't', 'GIT_COMMITTER_EMAIL': 't@example.org'}
        with mock.patch.dict(os.environ, env):
            def git(*args):
                subprocess.run(['git', '-C', repo] + list(args), check=True,
                               capture_output=True)
            os.makedirs(repo)
            git('init', '-q')
            with open(os.path.join(repo, 'README'), 'w') as f:
                f.write('x\n')
            git('add', 'README')
            git('commit', '-q', '-m', 'init')
            out = os.path.join(repo, 'RESULTS.md')
            with open(self.path('build/base.version'), 'w') as f:
                f.write('Linux 7.3.4\n')

            def report(regression=True):
                # The summary of the regression sample, or of a green run.
                b, s = (log('regression', 'base.json'), log('regression', 'series.json')) \
                    if regression else (log('regression', 'series.json'),) * 2
                self.summary(b, s)
                shutil.copy(self.last_summary, os.path.join(rdir, 'summary.json'))
                return self.main('report', rdir, out)

            def read(p):
                with open(p) as f:
                    return f.read()

            rc, text = report()
            self.assertEqual(rc, 0)
            first = read(out)
            self.assertIn('- make test: **1 passed, 3 failed, 0 skipped, 0 known failures**', first)
            self.assertIn('- Base: Linux 7.3.4', first)
            self.assertIn('## Failures', first)
            self.assertIn('kvm selftests | cpuid_test', first)
            self.assertEqual(read(os.path.join(rdir, 'RESULTS.md')), first)

            # Its own last output (not in git): replaced.
            rc, text = report(regression=False)
            second = read(out)
            self.assertNotEqual(second, first)
            self.assertIn('**1 passed, 1 failed', second)   # cpuid_test, the same way
            self.assertNotIn('not replaced', text)

            # A hand edit: kept; the new one goes to RESULTS_DIR.
            with open(out, 'a') as f:
                f.write('\nA note by hand.\n')
            edited = read(out)
            rc, text = report()
            self.assertEqual(rc, 0)
            self.assertEqual(read(out), edited)
            self.assertIn('not replaced', text)
            self.assertEqual(read(os.path.join(rdir, 'RESULTS.md')), first)
            rc, text = report()
            self.assertEqual(read(out), edited)

            # Committed as it is: git has it, replaced.
            git('add', 'RESULTS.md')
            git('commit', '-q', '-m', 'results')
            rc, text = report(regression=False)
            self.assertIn('**1 passed, 1 failed', read(out))
            self.assertNotIn('A note by hand', read(out))
            self.assertNotIn('not replaced', text)

            # Committed, then edited by hand: kept.
            with open(out, 'a') as f:
                f.write('\nAnother note.\n')
            git('add', 'RESULTS.md')
            git('commit', '-q', '-m', 'results by hand')
            with open(out, 'a') as f:
                f.write('\nAn edit not committed.\n')
            edited = read(out)
            rc, text = report()
            self.assertEqual(read(out), edited)
            self.assertIn('not replaced', text)


class Tools(Case):

    # The table of the steps' wall times.
    def test_times_table(self):
        rc, text = self.main('times', log('times', 'times.tsv'))
        self.assertEqual(rc, 0)
        lines = [l.split() for l in text.splitlines()]
        self.assertEqual(lines[0], ['step', 'start', 'minutes', 'exit'])
        self.assertEqual(lines[1:], [['test', 'deps', '0.0', '0.5', '0'],
                                     ['test', 'tooling', 'test', '0.5', '2.0', '0'],
                                     ['test', 'make', 'run', '2.5', '40.0', '1'],
                                     ['all', '42.5']])

    # A program's exit status above 128 is no signal unless urn-init made
    # it one (128 + a signal number): a KVM selftest's assertion exits 254.
    def test_exit_status_254_is_no_signal(self):
        self.assertEqual(results.rc_text(254), 'exit status 254')
        self.assertEqual(results.rc_text(139), 'killed by signal 11')
        self.assertEqual(results.rc_text(137), 'timed out')
        self.assertEqual(results.rc_text(None), 'stopped with the VM')

    # scripts/verdict/expected/verdict.list names every test here, so that
    # make test fails a test that did not run.
    def test_expect_list_names_every_test(self):
        names = sorted(n for cls in (Rules, Tools) for n in dir(cls)
                       if n.startswith('test_'))
        listed = sorted(c for s, c in results.read_list(
            [os.path.join(EXPECTED, 'verdict.list')], 2) if s == 'verdict')
        self.assertEqual(listed, names)


if __name__ == '__main__':
    unittest.main()
