#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test.sh: 'make run' and 'make check' together; the closing line counts
# every test case and every check: 'N passed, N failed, N skipped'.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=test

start=$(date +%s)
R=$BUILD/results
rm -f "$R/check.json" "$R/tooling.json" "$R/summary.txt"

"$TOP/scripts/deps.sh"

# The tooling first: seconds, no kernel built.  A failure is counted, not
# the end of the run.
set +e
"$TOP/scripts/tooling/tooling-test.sh" "$R/tooling.json"
set -e
[ -f "$R/tooling.json" ] ||
	printf '{"suites": {"tooling": {"tooling-test.sh ran to its end": "fail"}}, "notes": ["tooling-test.sh stopped before it wrote its results: see build/logs/tooling/"]}\n' \
		> "$R/tooling.json"

URN_NO_SUMMARY=1 URN_BISECT=1 "$TOP/scripts/run.sh"

# A failing check is counted in the closing line like a failing test.
set +e
"$TOP/scripts/check.sh"
check_rc=$?
set -e
if [ ! -f "$R/check.json" ]; then
	# A check script that stopped half way is a failed check, counted.
	echo "check.sh stopped (exit $check_rc) before it wrote its results" >&2
	printf '{"suites": {"make check": {"check.sh ran to its end": "fail"}}, "notes": ["check.sh exited %s without results"]}\n' \
		"$check_rc" > "$R/check.json"
fi

step "summary (base: $(cat "$BUILD/base.version"); took $(( ($(date +%s) - start) / 60 )) min)"
"$TOP/scripts/verdict/results.py" summary "$R/base.json,$R/base-vmx.json" \
	"$R/series.json,$R/series-vmx.json" \
	"$R/kunit-x86_64.json" "$R/riscv.json" "$R/check.json" "$R/tooling.json" \
	--expect "$TOP"/scripts/verdict/expected/*.list | tee "$R/summary.txt"
