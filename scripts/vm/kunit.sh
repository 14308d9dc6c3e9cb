#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kunit.sh TREE ARCH OUT.json
#
# Run the KUnit suites that the series adds (every .kunitconfig it adds;
# for a non-x86 ARCH, those outside arch/x86) with tools/testing/kunit/kunit.py
# in TREE, and write their results to OUT.json (results.py's format).  On
# x86_64 the suites are built in next to KVM and the test module.

. "$(dirname "$0")/../lib.sh"
STEP_PREFIX=kunit

[ $# -eq 3 ] || die "usage: kunit.sh TREE ARCH OUT.json"
tree=$(cd "$1" && pwd)
arch=$2
out=$3
base=$(cat "$BUILD/base.commit")

mapfile -t configs < <(git -C "$tree" diff --name-only "$base" HEAD |
	grep '/\.kunitconfig$' | { [ "$arch" = x86_64 ] && cat || grep -v '^arch/x86/'; } || true)
if [ ${#configs[@]} -eq 0 ]; then
	info "the series adds no KUnit suite for $arch"
	echo '{"suites": {}, "notes": []}' > "$out"
	exit 0
fi

# Two CPUs, so that the CPU-offline cases run instead of skipping.
args=(--arch="$arch" --build_dir="$BUILD/kunit-$arch" --jobs="$JOBS" --timeout=600
      --qemu_args="-smp 2")
for c in "${configs[@]}"; do args+=(--kunitconfig="$c"); done
case "$arch" in
x86_64)
	# As a distribution kernel or --alltests builds them: beside KVM
	# (kvm_amd initializes on QEMU's -cpu max) and the test module, all
	# built in, with the lock and preemption debugging on.
	cc=gcc
	args+=(--qemu_args="-cpu max")
	for o in VIRTUALIZATION KVM KVM_AMD KVM_INTEL DEBUG_FS \
		 TEST_USER_RETURN_NOTIFIER PREEMPT PROVE_LOCKING \
		 DEBUG_ATOMIC_SLEEP DEBUG_PREEMPT; do
		args+=(--kconfig_add "CONFIG_$o=y")
	done ;;
riscv)
	cc=riscv64-linux-gnu-gcc
	args+=(--cross_compile=riscv64-linux-gnu-)
	# kunit.py's riscv configuration has no tracing: without it
	# urn_test_tracepoint skips (README: the same two options).
	for o in FTRACE ENABLE_DEFAULT_TRACERS; do
		args+=(--kconfig_add "CONFIG_$o=y")
	done ;;
*) die "no set-up for KUnit on $arch" ;;
esac
command -v ccache >/dev/null 2>&1 && args+=(--make_options="CC=ccache $cc")

step "kunit.py run --arch=$arch: ${configs[*]}"
# What an earlier run left is never read as this run's result.
rm -f "$out" "$out.kunit"
log=$BUILD/logs/kunit-$arch.log
mkdir -p "$BUILD/logs"
# kunit.py asks QEMU for KVM first (-accel kvm -accel hvf -accel tcg).
# Use it where it boots a kernel; where /dev/kvm is there but does not
# (a nested or restricted host), QEMU would take it and hang: give
# kunit.py a QEMU that leaves KVM out.  Found by booting the test kernel
# of make run once with KVM, not by who runs this.
qemu_path=
if [ "$arch" = x86_64 ]; then
	kvm=no
	probe=$BUILD/k-series/bzImage
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ -f "$probe" ]; then
		(timeout 30 qemu-system-x86_64 -accel kvm -cpu max -m 512 -nographic \
			-no-reboot -monitor none -kernel "$probe" \
			-append "console=ttyS0 panic=-1 rdinit=/nonexistent kunit.enable=0" \
			</dev/null) > "$BUILD/logs/kvm-probe.log" 2>&1 || true
		grep -q 'Kernel panic - not syncing: .*init' "$BUILD/logs/kvm-probe.log" && kvm=yes
	fi
	if [ "$kvm" = no ]; then
		info "QEMU without KVM (TCG): $([ -e /dev/kvm ] || echo 'no /dev/kvm')$([ -e /dev/kvm ] && echo "/dev/kvm did not boot a kernel (build/logs/kvm-probe.log)")"
		bin=$BUILD/kunit-bin
		mkdir -p "$bin"
		cat > "$bin/qemu-system-x86_64" <<EOQ
#!/bin/sh
# kunit.sh: kunit.py's QEMU without '-accel kvm'.
for a in "\$@"; do
	shift
	if [ "\$a" = kvm ] && [ "\$prev" = -accel ]; then
		set -- "\$@" tcg
	else
		set -- "\$@" "\$a"
	fi
	prev=\$a
done
exec $(command -v qemu-system-x86_64) "\$@"
EOQ
		chmod +x "$bin/qemu-system-x86_64"
		qemu_path=$bin:
	else
		info "QEMU with KVM: /dev/kvm boots the test kernel"
	fi
fi
set +e
(cd "$tree" && PATH=$qemu_path$PATH python3 tools/testing/kunit/kunit.py run "${args[@]}" \
	--json="$out.kunit") > "$log" 2>&1
rc=$?
set -e
grep -E '^\[[0-9:]+\] (Testing complete|=+ (PASSED|FAILED|SKIPPED))' "$log" | sed 's/^/    /' >&2 || true
# Every case may pass while the kernel splats: kunit.py keeps the kernel's
# log in its build directory, and a splat there fails the run.
"$TOP/scripts/verdict/results.py" kunitjson "$out.kunit" "$out" "kunit.py $arch: " "$rc" \
	"$BUILD/kunit-$arch/test.log"
