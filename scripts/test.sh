#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test.sh: 'make run' and 'make check' together, after the tooling's own
# test; the closing line counts every test case and every check:
# 'N passed, N failed, N skipped, N known failures'.  The steps' wall
# times go to build/results/times.txt, the summary to
# build/results/summary.txt, and both into RESULTS.md.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=test

R=$BUILD/results
V=$TOP/scripts/verdict
mkdir -p "$R"
rm -f "$R"/{check,tooling,verdict}.json "$R"/summary.* "$R/times.tsv"

timed deps "$TOP/scripts/deps.sh" test

# The tooling first: no kernel is built.  A failure is counted, not the
# end of the run.
timed "tooling test" "$TOP/scripts/tooling/tooling-test.sh" "$R/tooling.json" ||
	[ -f "$R/tooling.json" ] ||
	"$V/results.py" fail "$R/tooling.json" tooling "tooling-test.sh ran to its end" \
		"tooling-test.sh stopped before it wrote its results: see build/logs/tooling/"
# results.py's own tests, on the committed sample logs.
timed "verdict tests" "$V/tests/run.sh" "$R/verdict.json" ||
	[ -f "$R/verdict.json" ] ||
	"$V/results.py" fail "$R/verdict.json" verdict "the tests of results.py ran" \
		"scripts/verdict/tests/run.sh stopped before it wrote its results"

URN_NO_SUMMARY=1 URN_BISECT=1 timed "make run" "$TOP/scripts/run.sh"

# A failing check is counted in the closing line like a failing test.
check_rc=0
URN_IN_TEST=1 timed "make check" "$TOP/scripts/check.sh" || check_rc=$?
[ -f "$R/check.json" ] ||
	"$V/results.py" fail "$R/check.json" "make check" "check.sh ran to its end" \
		"check.sh exited $check_rc without results"

step "summary (base: $(cat "$BUILD/base.version"))"
"$V/results.py" times "$R/times.tsv" | tee "$R/times.txt"
set +e
"$V/results.py" summary "$R/base.json,$R/base-vmx.json" \
	"$R/series.json,$R/series-vmx.json" \
	"$R/series-vmx-efer.json" "$R/kunit-x86_64.json" "$R/riscv.json" "$R/check.json" \
	"$R/tooling.json" "$R/verdict.json" \
	--expect "$V"/expected/{svm,vmx,vmx-efer,riscv,kunit-x86_64,tooling,check,verdict}.list \
	--known "$V/known-failures.list" --skips "$V/expected-skips.list" \
	--context test --json "$R/summary.json" | tee "$R/summary.txt"
rc=${PIPESTATUS[0]}
set -e
"$V/results.py" report "$R" "$TOP/RESULTS.md" || true
exit "$rc"
