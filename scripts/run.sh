#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: the main job.  Prepare the base, build the series from the area
# folders, apply it to a clean base with git am, build the test kernels and
# selftests, boot them under QEMU (AMD SVM) and Bochs (Intel VMX), run
# every test, print the summary.
#
# The unpatched base is run side by side with the same selftests on both
# VMs; its results are cached in the machine's cache, keyed by everything
# they depend on.  Results: build/logs/{base,series}{,-vmx}/,
# build/results/*.json; the steps' wall times: build/results/times.tsv.
#
# The order keeps both CPUs busy: the selftests build beside the base
# kernel; the Bochs VMs (one CPU each, their clock counting instructions,
# so that sharing the CPUs changes nothing they measure) start as soon as
# their kernel is there and run beside the rest.  Under make test
# (URN_BISECT=1) every prefix of the series is built too, for make check's
# bisect: after the series' kernel, in a copy of the base's objects, where
# ccache has the series' objects already.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=run

SERIES_FRAGMENT=$TOP/scripts/build/x86-series.config
V=$TOP/scripts/verdict
RESULTS=$BUILD/results
LOGS=$BUILD/logs
mkdir -p "$RESULTS" "$LOGS"
# make test keeps its own steps' times in the same file.
[ -n "${URN_NO_SUMMARY:-}" ] || rm -f "$RESULTS/times.tsv"

step "check what the run needs"
"$TOP/scripts/deps.sh" run

step "prepare the base"
"$TOP/scripts/series/base.sh"
base=$(cat "$BUILD/base.commit")

step "build the series and format it"
"$TOP/scripts/series/series.sh" patches "$BUILD/out/patches"

# One source tree for the kernels: the base, the series, its prefixes.
src=$BUILD/src
at_base() {
	generated_tree "$src" "$base"
}

step "apply the series with git am onto the base in build/src"
at_base
am_series "$src" "$BUILD/out/patches" ||
	die "the series does not apply to the base: build/src shows where git am stopped until the next run, which starts it anew; fix the patch directory, not build/src"
series=$(git -C "$src" rev-parse HEAD)
info "$(git -C "$src" rev-list --count "$base..HEAD") patches applied"

# The selftests are user space: one build, from the patched tree, runs on
# both kernels, so the base column also shows the tests the series adds.
# From a checkout of their own, so that they build beside the kernels.
step "build the selftests of the series, in the background"
generated_tree "$BUILD/st-src" "$series" "$src"
rm -rf "$BUILD/st"
timed "selftests" "$TOP/scripts/build/selftests.sh" "$BUILD/st-src" "$BUILD/st" \
	> "$LOGS/selftests.log" 2>&1 &
st_pid=$!

# The base results are cached, keyed by everything they depend on: the
# base, the test kernel's configuration, the test lists, the scripts that
# build, run and read them, the selftests' source and the header they
# share with the test module, the compiler, linker and C library, busybox,
# the emulators and their firmware, and the run's parameters.
firmware() {
	local f
	for f in /usr/share/qemu/bios-256k.bin /usr/share/bochs/BIOS-bochs-latest \
		 /usr/share/bochs/VGABIOS-lgpl-latest /usr/lib/ISOLINUX/isolinux.bin \
		 /usr/lib/syslinux/modules/bios/ldlinux.c32; do
		[ ! -e "$f" ] || sha256sum "$(readlink -f "$f")"
	done
}
key=$({ echo "$base"
	cat "$TOP"/scripts/{run.sh,lib.sh} "$TOP"/scripts/build/{x86.config,selftests.sh,kbuild.sh} \
	    "$TOP"/scripts/vm/{svm.list,vmx.list,vmrun.sh,urn-init.c} "$V/results.py"
	git -C "$src" diff "$base" HEAD -- tools/testing/selftests lib/test_user_return_notifier_uapi.h
	gcc --version | head -1; ld --version | head -1; ldd --version 2>&1 | head -1
	busybox 2>&1 | head -1
	qemu-system-x86_64 --version | head -1; bochs --help 2>&1 | grep -m1 -i bochs || true
	firmware
	env | grep -E '^(TEST_TIMEOUT|VM_TIMEOUT|QEMU_SMP|QEMU_ARGS|KERNEL_ARGS|BOCHS_CPU|BOCHS_IPS|BOCHS_SMP)=' | sort || true
	} | sha256sum | cut -c1-16)
base_json=$CACHE/results/base-$key.json
base_vmx_json=$CACHE/results/base-vmx-$key.json
base_cached=
[ -f "$base_json" ] && [ -f "$base_vmx_json" ] && [ -z "${URN_NO_BASE_CACHE:-}" ] &&
	base_cached=1
# The prefixes are built from the base's objects: the base is built then.
need_base=
[ -n "$base_cached" ] && [ -z "${URN_BISECT:-}" ] || need_base=1

rm -f "$RESULTS"/{base,series}{,-vmx}.json "$RESULTS"/{series-vmx-efer,riscv,kunit-x86_64}.json
rm -rf "$BUILD/bisect"
if [ -n "$need_base" ]; then
	step "build the base kernel"
	at_base
	timed "base kernel" "$TOP/scripts/build/kbuild.sh" "$src" "$BUILD/o" "$BUILD/k-base"
	if [ -n "${URN_BISECT:-}" ]; then
		rm -rf "$BUILD/o-bisect"
		cp -a "$BUILD/o" "$BUILD/o-bisect"
	fi
	git -C "$src" checkout -q --detach "$series"
fi

wait "$st_pid" || { tail -20 "$LOGS/selftests.log" >&2; die "the selftests did not build (build/logs/selftests.log)"; }

# The VMX VMs (Bochs) run in the background, beside everything below.
bg_pids=()
# The base kernel runs each test once (URN_ONCE): its runs show what the
# series changes; the series' repeats look for what a run leaves behind.
once() { [ "$1" != base ] || echo 1; }
vmx() { # vmx KIND: boot build/k-KIND under Bochs, results in KIND-vmx.json
	mkdir -p "$LOGS/$1-vmx"
	URN_ONCE=$(once "$1") EMU=bochs "$TOP/scripts/vm/vmrun.sh" "$BUILD/k-$1" "$BUILD/st/install" "$LOGS/$1-vmx" \
		"$TOP/scripts/vm/vmx.list" 2> "$LOGS/$1-vmx/vmrun.log"
	"$V/results.py" parse "$LOGS/$1-vmx" "$src" "$RESULTS/$1-vmx.json" "vmx: " paired
}
if [ -z "$base_cached" ]; then
	step "start the base kernel's VMX VM (Bochs) in the background: build/logs/base-vmx/"
	timed "VMX VM, base (background)" vmx base &
	bg_pids+=($!)
fi

step "build the patched kernel"
timed "series kernel" "$TOP/scripts/build/kbuild.sh" "$src" "$BUILD/o" "$BUILD/k-series" "$SERIES_FRAGMENT"

# kunit.py on x86_64, with the README's command, on the kernel just built
# (its .config has every option that command asks for): one build for the
# suites at boot of every VM and for kunit.py.  On riscv the same generic
# suite runs at boot of riscv.sh's kernel.
step "KUnit suites with kunit.py on x86_64, in the series kernel's objects"
timed "kunit.py x86_64" "$TOP/scripts/vm/kunit.sh" "$src" x86_64 "$RESULTS/kunit-x86_64.json" "$BUILD/o" ||
	[ -f "$RESULTS/kunit-x86_64.json" ] ||
	"$V/results.py" fail "$RESULTS/kunit-x86_64.json" "kunit.py x86_64: kunit.sh" \
		"README.md's kunit.py command ran on the series kernel" "kunit.sh failed: see build/logs/kunit-x86_64.log"

step "start the patched kernel's VMX VM (Bochs) in the background: build/logs/series-vmx/"
timed "VMX VM, series (background)" vmx series &
bg_pids+=($!)

# The third: Bochs' configurable CPU with VMX level 1, i.e. without the
# VM-entry and VM-exit controls that load EFER (and without EPT), where KVM
# switches EFER through the user-return MSRs too; the series only (see
# scripts/vm/vmx-efer.list).
vmx_efer() {
	mkdir -p "$LOGS/series-vmx-efer"
	EMU=bochs BOCHS_CPU=bx_generic \
		BOCHS_CPUID='vendor_string="GenuineIntel", brand_string="Intel(R) Bochs bx_generic VMX1", family=6, model=15, stepping=11, simd=sse4_2' \
		"$TOP/scripts/vm/vmrun.sh" "$BUILD/k-series" "$BUILD/st/install" \
		"$LOGS/series-vmx-efer" "$TOP/scripts/vm/vmx-efer.list" \
		2> "$LOGS/series-vmx-efer/vmrun.log"
	"$V/results.py" parse "$LOGS/series-vmx-efer" "$src" "$RESULTS/series-vmx-efer.json" "vmx-efer: "
}
step "start the EFER VM (Bochs, VMX without the load-EFER controls) in the background"
timed "VMX VM without load-EFER, series (background)" vmx_efer &
bg_pids+=($!)

svm() { # svm KIND: boot build/k-KIND under QEMU, results in KIND.json
	mkdir -p "$LOGS/$1"
	URN_ONCE=$(once "$1") "$TOP/scripts/vm/vmrun.sh" "$BUILD/k-$1" "$BUILD/st/install" "$LOGS/$1" \
		"$TOP/scripts/vm/svm.list"
	"$V/results.py" parse "$LOGS/$1" "$src" "$RESULTS/$1.json" "" paired
}
if [ -z "$base_cached" ]; then
	step "boot the base kernel under QEMU (SVM) and run the tests"
	timed "SVM VM, base" svm base
fi
step "boot the patched kernel under QEMU (SVM) and run the tests"
timed "SVM VM, series" svm series

# Under make test, each prefix of the series, for make check's bisect: in
# the base's objects, one after the other, each rebuilding what its patch
# changes (from ccache where the series' build made it already).
if [ -n "${URN_BISECT:-}" ]; then
	step "build each prefix of the series, for make check's bisect"
	bisect_rc=0
	timed "bisect prefixes" "$TOP/scripts/build/bisect.sh" "$src" "$BUILD/o-bisect" || bisect_rc=$?
	[ "$bisect_rc" -eq 0 ] || die "bisect.sh failed ($bisect_rc)"
	echo "$(git -C "$src" rev-list --count "$base..$series") pass built the whole series" \
		>> "$BUILD/bisect/$series"
fi

step "the second architecture: riscv64 under QEMU TCG"
timed "riscv64 kernel and VM" "$TOP/scripts/vm/riscv.sh" "$src" "$RESULTS/riscv.json" ||
	[ -f "$RESULTS/riscv.json" ] ||
	# A build that broke is a failed test, counted, not the end of the run.
	"$V/results.py" fail "$RESULTS/riscv.json" "riscv: riscv.sh" \
		"built, booted and ran the tests" "riscv.sh failed: see build/logs/riscv/"

step "wait for the VMX VMs"
for p in "${bg_pids[@]}"; do wait "$p" || true; done
kinds=(series-vmx series-vmx-efer)
[ -n "$base_cached" ] || kinds+=(base-vmx)
for k in "${kinds[@]}"; do
	[ -f "$RESULTS/$k.json" ] ||
		"$V/results.py" fail "$RESULTS/$k.json" "${k#*-}: vm" \
			"booted and started the tests" "the $k VM did not run: see build/logs/$k/vmrun.log"
done

# Only a complete run goes into the cache: it booted once, reached the end
# of its list, and no test timed out (results.py complete).
cache_base() { # cache_base RESULT.json CACHED.json
	if "$V/results.py" complete "$1"; then
		mkdir -p "$CACHE/results"
		cp "$1" "$2"
	else
		info "the base run did not complete: not cached"
	fi
}
if [ -n "$base_cached" ]; then
	step "base results: cached for this base, config, test set and emulators"
	cp "$base_json" "$RESULTS/base.json"
	cp "$base_vmx_json" "$RESULTS/base-vmx.json"
else
	cache_base "$RESULTS/base.json" "$base_json"
	cache_base "$RESULTS/base-vmx.json" "$base_vmx_json"
fi

[ -z "${URN_NO_SUMMARY:-}" ] || exit 0
step "summary (base: $(cat "$BUILD/base.version"))"
"$V/results.py" times "$RESULTS/times.tsv" | tee "$RESULTS/times.txt"
rc=0
"$V/results.py" summary "$RESULTS/base.json,$RESULTS/base-vmx.json" \
	"$RESULTS/series.json,$RESULTS/series-vmx.json" \
	"$RESULTS/series-vmx-efer.json" "$RESULTS/kunit-x86_64.json" "$RESULTS/riscv.json" \
	--expect "$V"/expected/{svm,vmx,vmx-efer,riscv,kunit-x86_64}.list \
	--known "$V/known-failures.list" --skips "$V/expected-skips.list" \
	--context run --json "$RESULTS/summary.json" > "$RESULTS/summary.txt" || rc=$?
cat "$RESULTS/summary.txt"
"$V/results.py" report "$RESULTS" "$TOP/RESULTS.md" || true
exit "$rc"
