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
# Both kernels are built here, from build/src into build/o-bench, with one
# configuration: scripts/build/x86.config and scripts/build/x86-bench.config, which
# turns off the debugging (lockdep, KUnit) that the test kernels carry, so
# that what is timed is what a production kernel runs.  The selftests are
# built from the patched tree (the same binary runs on both kernels).
# BENCH_BOOTS (default 2) boots per kernel, BENCH_REPEAT (default 3) runs
# per boot.  Logs: build/logs/bench-{base,series}-<boot>/.

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

step "apply the series and build the patched kernel"
am_series "$src" "$BUILD/out/patches" ||
	die "the series does not apply to the base (build/src shows where)"
"$TOP/scripts/build/kbuild.sh" "$src" "$OUT" "$BUILD/k-bench-series" "$FRAGMENT"
check_config "$BUILD/k-bench-series"
"$TOP/scripts/build/selftests.sh" "$src" "$STOUT"
[ -x "$STOUT/install/$TEST" ] || die "${STOUT#$TOP/}/install/$TEST was not built"

mkdir -p "$BUILD/logs" "$BUILD/results"
rm -f "$BUILD/results/bench.txt"
for emu in $BENCH_EMUS; do
case $emu in
qemu) title="SVM: QEMU TCG, -icount shift=0,sleep=off, KVM nested on emulated AMD SVM"
      module=kvm_amd; vm_env=(EMU=qemu QEMU_SMP=1 "QEMU_ARGS=-icount shift=0,sleep=off") ;;
bochs) title="VMX: Bochs, Intel Haswell, clock: sync=none, KVM nested on emulated VMX"
      module=kvm_intel; vm_env=(EMU=bochs BOCHS_SMP=1) ;;
*) die "BENCH_EMUS: qemu or bochs, not $emu" ;;
esac
list=$BUILD/logs/bench-$emu.list
{
	echo "module $module"
	for _ in $(seq "$BENCH_REPEAT"); do echo "$TEST -b"; done
} > "$list"

logs=()
for kernel in base series; do
	kart=$BUILD/k-bench-$kernel
	for boot in $(seq "$BENCH_BOOTS"); do
		step "$emu: boot $kernel ($boot of $BENCH_BOOTS), one CPU"
		log=$BUILD/logs/bench-$emu-$kernel-$boot
		mkdir -p "$log"
		env "${vm_env[@]}" TEST_TIMEOUT=900 \
			"$TOP/scripts/vm/vmrun.sh" "$kart" "$STOUT/install" "$log" "$list"
		grep -q '^URN-DONE' "$log/tests.log" ||
			die "the $kernel VM did not finish: see ${log#$TOP/}/"
		n=$(grep -c "^URN-END $TEST rc=0 " "$log/tests.log" || true)
		[ "$n" -eq "$BENCH_REPEAT" ] ||
			die "$n of $BENCH_REPEAT benchmark runs passed: see ${log#$TOP/}/tests.log"
		logs+=("$kernel=$log/tests.log")
	done
done

step "the table: $emu"
echo "$title" | tee -a "$BUILD/results/bench.txt"
"$TOP/scripts/bench/table.py" "${logs[@]}" | tee -a "$BUILD/results/bench.txt"
done

# The tables go into RESULTS.md with the last make test's results.
"$TOP/scripts/verdict/results.py" report "$BUILD/results" "$TOP/RESULTS.md"
