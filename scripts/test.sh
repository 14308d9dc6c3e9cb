#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test.sh: 'make run' and 'make check' together; the closing line counts
# every test case and every check: 'N passed, N failed, N skipped'.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=test

start=$(date +%s)
R=$BUILD/results
rm -f "$R/check.json" "$R/summary.txt"

URN_NO_SUMMARY=1 "$TOP/scripts/run.sh"

# A failing check is counted in the closing line like a failing test.
set +e
"$TOP/scripts/check.sh"
check_rc=$?
set -e
[ -f "$R/check.json" ] ||
	die "scripts/check.sh exited $check_rc without writing its results"

step "summary (base: $(cat "$BUILD/base.version"); took $(( ($(date +%s) - start) / 60 )) min)"
"$TOP/scripts/results.py" summary "$R/base.json" "$R/series.json" \
	"$R/kunit-x86_64.json" "$R/kunit-riscv.json" "$R/check.json" | tee "$R/summary.txt"
