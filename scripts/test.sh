#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test.sh: 'make check' and 'make run' together; the closing line counts
# every test case and every check: 'N passed, N failed, N skipped'.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=test

"$TOP/scripts/deps.sh"
mkdir -p "$BUILD/results"
rm -f "$BUILD/results/check.json"
start=$(date +%s)

# A failing check is counted, and the run still goes on to test the series.
set +e
"$TOP/scripts/check.sh"
check_rc=$?
set -e
[ -f "$BUILD/results/check.json" ] ||
	die "scripts/check.sh exited $check_rc without writing its results"

URN_EXTRA_RESULTS="$BUILD/results/check.json" "$TOP/scripts/run.sh"
info "make test took $(( ($(date +%s) - start) / 60 )) min"
