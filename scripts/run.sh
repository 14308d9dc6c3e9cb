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
# build/results/*.json.  Every kernel is built from build/src into
# build/o; build/k-{base,series} hold what the test VMs boot.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=run

SERIES_FRAGMENT=$TOP/scripts/build/x86-series.config
V=$TOP/scripts/verdict
RESULTS=$BUILD/results
LOGS=$BUILD/logs
mkdir -p "$RESULTS" "$LOGS"

step "check the Debian packages"
"$TOP/scripts/deps.sh" run

step "prepare the base"
"$TOP/scripts/series/base.sh"
base=$(cat "$BUILD/base.commit")

step "build the series and format it"
"$TOP/scripts/series/series.sh" patches "$BUILD/out/patches"

# One source tree for every build: the base, the series, its prefixes.
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
	    "$TOP"/scripts/vm/{svm.list,vmx.list,vmrun.sh,urn-init.c} "$TOP"/scripts/verdict/results.py
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
if [ -f "$base_json" ] && [ -f "$base_vmx_json" ] && [ -z "${URN_NO_BASE_CACHE:-}" ]; then
	base_cached=1
else
	step "build the base kernel"
	at_base
	"$TOP/scripts/build/kbuild.sh" "$src" "$BUILD/o" "$BUILD/k-base"
	git -C "$src" checkout -q --detach "$series"
fi

# Under make test (URN_BISECT=1), on the way to the series, build each
# prefix of it in the same objects: each costs what its patch changes, the
# series then only its last patches, and make check's bisect reads the
# results (build/bisect/) instead of building all the prefixes again.
rm -rf "$BUILD/bisect"
if [ -n "${URN_BISECT:-}" ]; then
	step "build each prefix of the series, for make check's bisect"
	"$TOP/scripts/build/bisect.sh" "$src" "$BUILD/o"
fi

step "build the patched kernel"
"$TOP/scripts/build/kbuild.sh" "$src" "$BUILD/o" "$BUILD/k-series" "$SERIES_FRAGMENT"
if [ -n "${URN_BISECT:-}" ]; then
	echo "$(git -C "$src" rev-list --count "$base..$series") pass built the whole series" \
		>> "$BUILD/bisect/$series"
fi
step "build the selftests of the patched tree"
"$TOP/scripts/build/selftests.sh" "$src" "$BUILD/k-series" "$BUILD/st"

# The VMX VMs (Bochs, one CPU thread each) run in the background, beside
# the QEMU VMs and the builds below; their clock counts instructions, so
# sharing the CPUs does not change what they measure.
rm -f "$RESULTS"/{base,series}{,-vmx}.json
vmx_pids=()
vmx() { # vmx KIND: boot build/k-KIND under Bochs, results in KIND-vmx.json
	mkdir -p "$LOGS/$1-vmx"
	EMU=bochs "$TOP/scripts/vm/vmrun.sh" "$BUILD/k-$1" "$BUILD/st" "$LOGS/$1-vmx" \
		"$TOP/scripts/vm/vmx.list" 2> "$LOGS/$1-vmx/vmrun.log"
	"$TOP/scripts/verdict/results.py" parse "$LOGS/$1-vmx" "$src" "$RESULTS/$1-vmx.json" "vmx: " paired
}
step "start the VMX VMs (Bochs) in the background: logs in build/logs/*-vmx/"
if [ -z "$base_cached" ]; then
	vmx base & vmx_pids+=($!)
fi
vmx series & vmx_pids+=($!)

# Only a complete run goes into the cache: it booted once, reached the end
# of its list, and no test timed out (results.py complete).
cache_base() { # cache_base RESULT.json CACHED.json
	if "$TOP/scripts/verdict/results.py" complete "$1"; then
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
	step "boot the base kernel under QEMU (SVM) and run the tests"
	mkdir -p "$LOGS/base"
	"$TOP/scripts/vm/vmrun.sh" "$BUILD/k-base" "$BUILD/st" "$LOGS/base" "$TOP/scripts/vm/svm.list"
	"$TOP/scripts/verdict/results.py" parse "$LOGS/base" "$src" "$RESULTS/base.json" "" paired
fi

step "boot the patched kernel under QEMU (SVM) and run the tests"
mkdir -p "$LOGS/series"
"$TOP/scripts/vm/vmrun.sh" "$BUILD/k-series" "$BUILD/st" "$LOGS/series" "$TOP/scripts/vm/svm.list"
"$TOP/scripts/verdict/results.py" parse "$LOGS/series" "$src" "$RESULTS/series.json" "" paired

step "the second architecture: riscv64 under QEMU TCG"
rm -f "$RESULTS/riscv.json"
if ! "$TOP/scripts/vm/riscv.sh" "$src" "$RESULTS/riscv.json" || [ ! -f "$RESULTS/riscv.json" ]; then
	# A build that broke is a failed test, counted, not the end of the run.
	"$TOP/scripts/verdict/results.py" fail "$RESULTS/riscv.json" "riscv: riscv.sh" \
		"built, booted and ran the tests" "riscv.sh failed: see build/logs/riscv/"
fi

# kunit.py on x86_64, as a user would run the suites.  On riscv the same
# generic suite already ran at boot of riscv.sh's kernel; 'kunit.sh SRC
# riscv OUT' runs it with kunit.py there too (not in make test: a second
# cold riscv kernel build).
step "KUnit suites with kunit.py on x86_64"
"$TOP/scripts/vm/kunit.sh" "$src" x86_64 "$RESULTS/kunit-x86_64.json"

step "wait for the VMX VMs"
for p in "${vmx_pids[@]}"; do wait "$p" || true; done
kinds=(series)
[ -n "$base_cached" ] || kinds+=(base)
for k in "${kinds[@]}"; do
	[ -f "$RESULTS/$k-vmx.json" ] ||
		"$TOP/scripts/verdict/results.py" fail "$RESULTS/$k-vmx.json" "vmx: vm" \
			"booted and started the tests" "the $k VM did not run: see build/logs/$k-vmx/vmrun.log"
done
if [ -z "$base_cached" ]; then
	cache_base "$RESULTS/base.json" "$base_json"
	cache_base "$RESULTS/base-vmx.json" "$base_vmx_json"
fi

[ -z "${URN_NO_SUMMARY:-}" ] || exit 0
step "summary (base: $(cat "$BUILD/base.version"))"
"$TOP/scripts/verdict/results.py" summary "$RESULTS/base.json,$RESULTS/base-vmx.json" \
	"$RESULTS/series.json,$RESULTS/series-vmx.json" \
	"$RESULTS/kunit-x86_64.json" "$RESULTS/riscv.json" \
	--expect "$V"/expected/{svm,vmx,riscv,kunit-x86_64}.list \
	--known "$V/known-failures.list" --skips "$V/expected-skips.list" \
	--context run --json "$RESULTS/summary.json" | tee "$RESULTS/summary.txt"
