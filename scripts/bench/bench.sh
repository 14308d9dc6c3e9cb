#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh: the cost of the user-return MSRs, base kernel against the series.
#
# Boots the base kernel and the patched one with ONE CPU on two emulators
# whose TSC advances with executed instructions, so that a cost in TSC
# ticks is repeatable (wall-clock time under emulation means nothing):
#   SVM  QEMU TCG, "-icount shift=0,sleep=off", KVM on emulated AMD SVM;
#   VMX  Bochs (Intel Haswell, "clock: sync=none"), KVM on emulated VMX,
#        where STAR, LSTAR, SYSCALL_MASK and TSC_AUX are switched lazily.
# In each boot, "user_return_msrs_test -b" runs BENCH_REPEAT times; each run
# prints, per scenario, the MSR writes counted with the msr:write_msr
# tracepoint, the minimum correctness needs, and the TSC ticks of the timed
# pass (tracepoint off).  Prints one table per emulator: writes per
# iteration (base, series, minimum), ticks per iteration (base, series,
# series/base) and the measure's repeatability (largest spread, over all
# runs and boots of a kernel, of the ticks per iteration, in %).
#
# What it does not show: real cycles (a WRMSR costs hundreds of cycles on
# hardware; the write counts stand for them), and migration (one CPU).
# BENCH_EMUS (default "qemu bochs") chooses the emulators.
#
# On SVM it also counts where the instructions are spent: QEMU runs the
# TCG plugin scripts/bench/urn-insn-count.c (built here with gcc; Debian's
# QEMU 7.2 exports the plugin API), which counts the instructions executed
# inside the user-return path's own functions: those that
# scripts/bench/path-symbols.txt lists for each kernel, with a reason each,
# at their System.map addresses (path_ranges.py; the bench kernels have KVM
# built in, see x86-bench.config, and boot with nokaslr).  Per round trip,
# without boot or setup: the plugin takes a snapshot of its counters each
# time the test executes one of the RDTSC instructions of run_scenario()
# (found in the test binary with objdump, its bytes checked), which open
# and close the loop of round trips that each pass of a scenario times;
# table.py divides the difference of the two snapshots by the loop's
# round trips (KVM_RUN calls), as it does the ticks.  It uses the timed
# pass (tracepoint off, 2000 runs); for the scenario whose guest halts,
# which has none, the traced one.  The plugin changes no guest instruction,
# so the ticks are those of a run without it.  Bochs has no plugin API: on
# VMX the table has the totals only.
#
# Both kernels are built here, from build/src into build/o-bench, with one
# configuration: scripts/build/x86.config and scripts/build/x86-bench.config, which
# turns off the debugging (lockdep, KUnit) that the test kernels carry, so
# that what is timed is what a production kernel runs.  The selftests are
# built from the patched tree (the same binary runs on both kernels).
# BENCH_BOOTS (default 2) boots per kernel, BENCH_REPEAT (default 3) runs
# per boot.  Logs: build/logs/bench-<emulator>-{base,series}-<boot>/, with
# the plugin's counts in path-counts.txt.

. "$(dirname "$0")/../lib.sh"
STEP_PREFIX=bench

BENCH_BOOTS=${BENCH_BOOTS:-2}
BENCH_EMUS=${BENCH_EMUS:-qemu bochs}
BENCH_REPEAT=${BENCH_REPEAT:-3}
FRAGMENT=$TOP/scripts/build/x86-bench.config
TEST=kvm/user_return_msrs_test
OUT=$BUILD/o-bench
STOUT=$BUILD/st-bench
src=$BUILD/src

step "check the Debian packages and the base"
"$TOP/scripts/deps.sh" bench
"$TOP/scripts/series/base.sh"
need_cmd python3 qemu-system-x86_64
base=$(cat "$BUILD/base.commit")

step "build the series and format it"
"$TOP/scripts/series/series.sh" patches "$BUILD/out/patches"

# The options the fragment turns off must be off.
check_config() {
	local l
	for l in $(sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1/p' "$FRAGMENT"); do
		! grep -q "^$l=" "$1/.config" ||
			die "$l is still set in ${1#$TOP/}/.config: scripts/build/x86-bench.config did not take"
	done
}

step "build the base kernel"
generated_tree "$src" "$base"
"$TOP/scripts/build/kbuild.sh" "$src" "$OUT" "$BUILD/k-bench-base" "$FRAGMENT"
check_config "$BUILD/k-bench-base"
cp "$OUT/System.map" "$BUILD/k-bench-base/"

step "apply the series and build the patched kernel"
am_series "$src" "$BUILD/out/patches" ||
	die "the series does not apply to the base (build/src shows where)"
"$TOP/scripts/build/kbuild.sh" "$src" "$OUT" "$BUILD/k-bench-series" "$FRAGMENT"
check_config "$BUILD/k-bench-series"
cp "$OUT/System.map" "$BUILD/k-bench-series/"
"$TOP/scripts/build/selftests.sh" "$src" "$STOUT"
[ -x "$STOUT/install/$TEST" ] || die "${STOUT#$TOP/}/install/$TEST was not built"

# The path's counters, for the QEMU boots.
if [[ " $BENCH_EMUS " = *" qemu "* ]]; then
	step "build the instruction-counting plugin and check that QEMU loads it"
	need_cmd gcc objdump
	plugdir=$BUILD/bench-plugin
	plugin=$plugdir/liburn-insn-count.so
	mkdir -p "$plugdir"
	[[ "$BUILD" != *[[:space:],]* ]] ||
		die "$BUILD: QEMU's -plugin option takes no path with a space or comma"
	gcc -shared -fPIC -O2 -Wall -o "$plugin" "$TOP/scripts/bench/urn-insn-count.c" ||
		die "building scripts/bench/urn-insn-count.c failed"
	echo "0 1 probe" > "$plugdir/probe-ranges.txt"
	rm -f "$plugdir/probe-counts.txt"
	echo quit | qemu-system-x86_64 -M none -display none -nodefaults -monitor stdio \
		-plugin "$plugin,map=$plugdir/probe-ranges.txt,out=$plugdir/probe-counts.txt" \
		>"$plugdir/probe.log" 2>&1 && [ -s "$plugdir/probe-counts.txt" ] ||
		die "qemu-system-x86_64 does not load the TCG plugin (built without --enable-plugins?): $(grep -ao 'qemu-system-x86_64: .*\|urn: .*' "$plugdir/probe.log" | head -2) (${plugdir#$TOP/}/probe.log)"
	for kernel in base series; do
		"$TOP/scripts/bench/path_ranges.py" "$TOP/scripts/bench/path-symbols.txt" \
			"$kernel" "$BUILD/k-bench-$kernel/System.map" > "$BUILD/k-bench-$kernel/path-ranges.txt"
	done
	# The RDTSCs (0f 31) of run_scenario(), where each pass of a scenario
	# reads the TSC before and after its loop of round trips.
	marks=$(objdump -d "$STOUT/install/$TEST" |
		awk '/^[0-9a-f]+ <run_scenario[.>]/ { f = 1; next } /^[0-9a-f]+ </ { f = 0 }
		     f && $2 == "0f" && $3 == "31" && $4 == "rdtsc" { sub(":", "", $1); printf ",mark=%s:0f31", $1 }')
	n=$(awk -F mark= '{ print NF - 1 }' <<< "$marks")
	[ "$n" -ge 2 ] && [ "$n" -le 8 ] ||
		die "$n RDTSC instructions found in run_scenario() of ${STOUT#$TOP/}/install/$TEST: 2 to 8 expected"
fi

mkdir -p "$BUILD/logs" "$BUILD/results"
rm -f "$BUILD/results/bench.txt"
for emu in $BENCH_EMUS; do
case $emu in
qemu) title="SVM: QEMU TCG, -icount shift=0,sleep=off, KVM nested on emulated AMD SVM"
      vm_env=(EMU=qemu QEMU_SMP=1); qemu_args="-icount shift=0,sleep=off" ;;
bochs) title="VMX: Bochs, Intel Haswell, clock: sync=none, KVM nested on emulated VMX"
      vm_env=(EMU=bochs BOCHS_SMP=1) ;;
*) die "BENCH_EMUS: qemu or bochs, not $emu" ;;
esac
list=$BUILD/logs/bench-$emu.list
# No module line: KVM is built in (x86-bench.config), kvm_amd or
# kvm_intel comes up at boot on its vendor's CPU.
for _ in $(seq "$BENCH_REPEAT"); do echo "$TEST -b"; done > "$list"

logs=()
for kernel in base series; do
	kart=$BUILD/k-bench-$kernel
	for boot in $(seq "$BENCH_BOOTS"); do
		step "$emu: boot $kernel ($boot of $BENCH_BOOTS), one CPU"
		log=$BUILD/logs/bench-$emu-$kernel-$boot
		mkdir -p "$log"
		boot_env=("${vm_env[@]}")
		rm -f "$log/path-counts.txt"
		# nokaslr: the kernel runs at its System.map addresses.
		[ "$emu" != qemu ] ||
			boot_env+=("QEMU_ARGS=$qemu_args -plugin $plugin,map=$kart/path-ranges.txt,out=$log/path-counts.txt$marks"
				   "KERNEL_ARGS=nokaslr${KERNEL_ARGS:+ $KERNEL_ARGS}")
		env "${boot_env[@]}" TEST_TIMEOUT=900 \
			"$TOP/scripts/vm/vmrun.sh" "$kart" "$STOUT/install" "$log" "$list"
		grep -q '^URN-DONE' "$log/tests.log" ||
			die "the $kernel VM did not finish: see ${log#$TOP/}/"
		n=$(grep -c "^URN-END $TEST rc=0 " "$log/tests.log" || true)
		[ "$n" -eq "$BENCH_REPEAT" ] ||
			die "$n of $BENCH_REPEAT benchmark runs passed: see ${log#$TOP/}/tests.log"
		if [ "$emu" = qemu ]; then
			[ -s "$log/path-counts.txt" ] ||
				die "the plugin wrote no counts: see ${log#$TOP/}/qemu.log"
			logs+=("$kernel=$log/tests.log=$log/path-counts.txt")
		else
			logs+=("$kernel=$log/tests.log")
		fi
	done
done

step "the table: $emu"
echo "$title" | tee -a "$BUILD/results/bench.txt"
"$TOP/scripts/bench/table.py" "${logs[@]}" | tee -a "$BUILD/results/bench.txt"
done

# The tables go into RESULTS.md with the last make test's results.
"$TOP/scripts/verdict/results.py" report "$BUILD/results" "$TOP/RESULTS.md"
