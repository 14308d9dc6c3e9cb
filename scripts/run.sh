#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: the main job.  Prepare the base, build the series from the area
# folders, apply it to a clean base with git am, build the test kernels and
# selftests, boot them under QEMU, run every test, print the summary.
#
# The unpatched base is run side by side with the same upstream selftests;
# its results are cached per base version in the machine's cache.
# Results: build/logs/{base,series}/, build/results/*.json.

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

step "apply it with git am onto a clean base in build/am"
am=$BUILD/am
if [ -d "$am/.git" ]; then
	[ -f "$am/.urn-generated" ] || die "build/am is not a tree this script made"
	# A failed am of an earlier run is what it left; this run starts anew.
	if [ -d "$am/.git/rebase-apply" ]; then git -C "$am" am --abort; fi
	git -C "$am" checkout -q -f --detach "$base"
	git -C "$am" clean -q -f -d -x -e /.urn-generated
else
	git clone -q --shared --no-checkout "$BUILD/base" "$am"
	git -C "$am" checkout -q --detach "$base"
	touch "$am/.urn-generated"
	echo /.urn-generated >> "$am/.git/info/exclude"
fi
mapfile -t pl < <(sed "s|^|$BUILD/out/patches/|" "$BUILD/out/patches/series")
if ! kgit -C "$am" am -q --whitespace=error-all "${pl[@]}" >&2; then
	p=$(git -C "$am" am --show-current-patch=diff 2>/dev/null | sed -n 's|^diff --git a/\([^ ]*\).*|\1|p' | head -3)
	die "git am stopped at $(cat "$am/.git/rebase-apply/next" 2>/dev/null || echo ?) of ${#pl[@]} ($(sed -n 's/^Subject: //p' "$am/.git/rebase-apply/msg-clean" 2>/dev/null || true)); files: $p; build/am is left as git left it"
fi
info "$(git -C "$am" rev-list --count "$base..HEAD") patches applied"

key=$({ echo "$base"; cat "$TOP"/scripts/{urn.config,tests.list,vmrun.sh,selftests.sh,kbuild.sh,results.py}; } | sha256sum | cut -c1-16)
base_json=$CACHE/results/base-$key.json
if [ -f "$base_json" ] && [ -z "${URN_NO_BASE_CACHE:-}" ]; then
	step "base results: cached for this base and test set"
else
	step "build the base kernel (build/o-base)"
	"$TOP/scripts/kbuild.sh" "$BUILD/base" "$BUILD/o-base"
	step "build the base's selftests"
	"$TOP/scripts/selftests.sh" "$BUILD/base" "$BUILD/o-base" "$BUILD/st-base"
	step "boot the base kernel and run the tests"
	mkdir -p "$LOGS/base"
	"$TOP/scripts/vmrun.sh" "$BUILD/o-base" "$BUILD/st-base" "$LOGS/base" "$TOP/scripts/tests.list"
	"$TOP/scripts/results.py" parse "$LOGS/base" "$BUILD/base" "$RESULTS/base.json"
	mkdir -p "$CACHE/results"
	cp "$RESULTS/base.json" "$base_json"
fi
cp "$base_json" "$RESULTS/base.json"

step "build the patched kernel (build/o-series)"
"$TOP/scripts/kbuild.sh" "$am" "$BUILD/o-series" "$SERIES_FRAGMENT"
step "build the patched tree's selftests"
"$TOP/scripts/selftests.sh" "$am" "$BUILD/o-series" "$BUILD/st-series"
step "boot the patched kernel and run the tests"
mkdir -p "$LOGS/series"
"$TOP/scripts/vmrun.sh" "$BUILD/o-series" "$BUILD/st-series" "$LOGS/series" "$TOP/scripts/tests.list"
"$TOP/scripts/results.py" parse "$LOGS/series" "$am" "$RESULTS/series.json"

for arch in x86_64 riscv; do
	step "KUnit suites with kunit.py on $arch"
	"$TOP/scripts/kunit.sh" "$am" "$arch" "$RESULTS/kunit-$arch.json"
done

[ -z "${URN_NO_SUMMARY:-}" ] || exit 0
step "summary (base: $(cat "$BUILD/base.version"))"
"$TOP/scripts/results.py" summary "$RESULTS/base.json" "$RESULTS/series.json" \
	"$RESULTS/kunit-x86_64.json" "$RESULTS/kunit-riscv.json" | tee "$RESULTS/summary.txt"
