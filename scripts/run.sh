#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: the main job.  Prepare the base, build the series from the area
# folders, apply it to a clean base with git am, build the test kernels and
# selftests, boot them under QEMU, run every test, print the summary.
#
# The unpatched base is run side by side with the same upstream selftests;
# its results are cached per base version in the machine's cache.
# Results: build/logs/{base,series}/, build/results/*.json.  Every kernel
# is built from build/src into build/o; build/k-{base,series} hold what the
# test VM boots.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=run

SERIES_FRAGMENT=$TOP/scripts/urn-series.config
RESULTS=$BUILD/results
LOGS=$BUILD/logs
mkdir -p "$RESULTS" "$LOGS"

step "check the Debian packages"
"$TOP/scripts/deps.sh"

step "prepare the base"
"$TOP/scripts/base.sh"
base=$(cat "$BUILD/base.commit")

step "build the series and format it"
"$TOP/scripts/series.sh" patches "$BUILD/out/patches"

# One source tree for every build: the base, the series, its prefixes.
src=$BUILD/src
at_base() {
	generated_tree "$src" "$base"
}

step "apply the series with git am onto the base in build/src"
at_base
mapfile -t pl < <(sed "s|^|$BUILD/out/patches/|" "$BUILD/out/patches/series")
if ! kgit -C "$src" am -q --whitespace=error-all "${pl[@]}" >&2; then
	files=$(git -C "$src" am --show-current-patch=diff 2>/dev/null | sed -n 's|^diff --git a/\([^ ]*\).*|\1|p' | tr '\n' ' ')
	die "git am stopped at patch $(cat "$src/.git/rebase-apply/next" 2>/dev/null || echo ?) of ${#pl[@]} ($(sed -n 's/^Subject: //p' "$src/.git/rebase-apply/msg-clean" 2>/dev/null)); files: $files; build/src is left as git left it"
fi
series=$(git -C "$src" rev-parse HEAD)
info "$(git -C "$src" rev-list --count "$base..HEAD") patches applied"

# The selftests are user space: one build, from the patched tree, runs on
# both kernels, so the base column also shows the tests the series adds.
# The base results depend on them, on the bench and on the base.
key=$({ echo "$base"; cat "$TOP"/scripts/{urn.config,tests.list,vmrun.sh,selftests.sh,kbuild.sh,results.py};
	git -C "$src" diff "$base" HEAD -- tools/testing/selftests; } | sha256sum | cut -c1-16)
base_json=$CACHE/results/base-$key.json
base_cached=
if [ -f "$base_json" ] && [ -z "${URN_NO_BASE_CACHE:-}" ]; then
	base_cached=1
else
	step "build the base kernel"
	at_base
	"$TOP/scripts/kbuild.sh" "$src" "$BUILD/o" "$BUILD/k-base"
	git -C "$src" checkout -q --detach "$series"
fi

step "build the patched kernel"
"$TOP/scripts/kbuild.sh" "$src" "$BUILD/o" "$BUILD/k-series" "$SERIES_FRAGMENT"
step "build the selftests of the patched tree"
"$TOP/scripts/selftests.sh" "$src" "$BUILD/k-series" "$BUILD/st"

if [ -n "$base_cached" ]; then
	step "base results: cached for this base, bench and test set"
else
	step "boot the base kernel and run the tests"
	mkdir -p "$LOGS/base"
	"$TOP/scripts/vmrun.sh" "$BUILD/k-base" "$BUILD/st" "$LOGS/base" "$TOP/scripts/tests.list"
	"$TOP/scripts/results.py" parse "$LOGS/base" "$src" "$RESULTS/base.json"
	mkdir -p "$CACHE/results"
	cp "$RESULTS/base.json" "$base_json"
fi
cp "$base_json" "$RESULTS/base.json"

step "boot the patched kernel and run the tests"
mkdir -p "$LOGS/series"
"$TOP/scripts/vmrun.sh" "$BUILD/k-series" "$BUILD/st" "$LOGS/series" "$TOP/scripts/tests.list"
"$TOP/scripts/results.py" parse "$LOGS/series" "$src" "$RESULTS/series.json"

step "the second architecture: riscv64 under QEMU TCG"
rm -f "$RESULTS/riscv.json"
if ! "$TOP/scripts/riscv.sh" "$src" "$RESULTS/riscv.json" || [ ! -f "$RESULTS/riscv.json" ]; then
	# A build that broke is a failed test, counted, not the end of the run.
	printf '{"suites": {"riscv: riscv.sh": {"built, booted and ran the tests": "fail"}}, "notes": ["riscv.sh failed: see build/logs/riscv/"]}\n' \
		> "$RESULTS/riscv.json"
fi

# kunit.py on x86_64, as a user would run the suites.  On riscv the same
# generic suite already ran at boot of riscv.sh's kernel; 'kunit.sh SRC
# riscv OUT' runs it with kunit.py there too (not in make test: a second
# cold riscv kernel build).
step "KUnit suites with kunit.py on x86_64"
"$TOP/scripts/kunit.sh" "$src" x86_64 "$RESULTS/kunit-x86_64.json"

[ -z "${URN_NO_SUMMARY:-}" ] || exit 0
step "summary (base: $(cat "$BUILD/base.version"))"
"$TOP/scripts/results.py" summary "$RESULTS/base.json" "$RESULTS/series.json" \
	"$RESULTS/kunit-x86_64.json" "$RESULTS/riscv.json" | tee "$RESULTS/summary.txt"
