#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kunit.sh TREE ARCH OUT.json [OBJ]
#
# Run the KUnit suites that the series adds with the kernel's own
# tools/testing/kunit/kunit.py in TREE, with README.md's command for ARCH
# as it is typed there (kunit-readme.py reads it), and write their results
# to OUT.json (results.py's format).  That command must name every
# .kunitconfig the series adds (for a non-x86 ARCH, those outside
# arch/x86).  Added to it: where to build, the jobs, a timeout, the JSON
# output and kbuild.sh's compilers (ccache).
#
# OBJ, when given, holds a kernel of TREE's HEAD that kbuild.sh built
# (make run's series kernel, which runs the same suites at boot in every
# VM): if its .config has every option the command asks for, kunit.py
# runs there and builds nothing again (kunit-adopt.py checks, and names
# what is missing); one build serves both.  Without OBJ, kunit.py
# configures and builds in build/kunit-ARCH.

. "$(dirname "$0")/../lib.sh"
STEP_PREFIX=kunit

[ $# -eq 3 ] || [ $# -eq 4 ] || die "usage: kunit.sh TREE ARCH OUT.json [OBJ]"
tree=$(cd "$1" && pwd)
arch=$2
out=$3
obj=${4:-}
base=$(cat "$BUILD/base.commit")

mapfile -t configs < <(git -C "$tree" diff --name-only "$base" HEAD |
	grep '/\.kunitconfig$' | { [ "$arch" = x86_64 ] && cat || grep -v '^arch/x86/'; } || true)
if [ ${#configs[@]} -eq 0 ]; then
	info "the series adds no KUnit suite for $arch"
	echo '{"suites": {}, "notes": []}' > "$out"
	exit 0
fi

readme=$(python3 "$TOP/scripts/vm/kunit-readme.py" "$TOP/README.md" "$arch") ||
	die "README.md shows no kunit.py command for $arch"
mapfile -t args <<< "$readme"
kunitconfigs=()
for a in "${args[@]}"; do
	case $a in --kunitconfig=*) kunitconfigs+=("${a#--kunitconfig=}") ;; esac
done
for c in "${configs[@]}"; do
	printf '%s\n' "${kunitconfigs[@]}" | grep -qxF -e "${c%/.kunitconfig}" -e "$c" ||
		die "README.md's kunit.py command for $arch does not name ${c%/.kunitconfig}, which the series adds"
done

case "$arch" in
x86_64)	cc=gcc ;;
riscv)	cc=riscv64-linux-gnu-gcc ;;
*)	die "no set-up for KUnit on $arch" ;;
esac
# kbuild.sh's compilers, so that the commands OBJ was built with stay the
# same and nothing is compiled again.
hostcc=gcc
if command -v ccache >/dev/null 2>&1; then
	cc="ccache $cc"
	hostcc="ccache gcc"
fi
args+=(--jobs="$JOBS" --timeout=600 --make_options="CC=$cc" --make_options="HOSTCC=$hostcc")
if [ -n "$obj" ]; then
	obj=$(cd "$obj" && pwd)
	[ -f "$obj/.config" ] || die "${obj#$TOP/} holds no configured kernel"
	! printf '%s\n' "${args[@]}" | grep -q '^--kconfig_add' ||
		die "kunit-adopt.py takes the kunitconfigs only: README.md's $arch command adds options"
	python3 "$TOP/scripts/vm/kunit-adopt.py" "$tree" "$obj" "$arch" "${kunitconfigs[@]}" ||
		die "the kernel in ${obj#$TOP/} lacks options that README.md's kunit.py command asks for"
else
	obj=$BUILD/kunit-$arch
fi
args+=(--build_dir="$obj")

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
# On adopted objects kunit.py must keep their .config: had it configured
# anew (the command changed in a way kunit-adopt.py does not know), it
# would have rebuilt make run's series kernel with another configuration.
if [ -n "${4:-}" ] && grep -qE '^(Regenerating|Generating) \.config' "$log"; then
	rc=1
	echo "kunit.py configured ${obj#$TOP/} anew instead of running on the series kernel as it was built" >> "$log"
	info "kunit.py configured ${obj#$TOP/} anew: the kunit.py run counts as failed (build/logs/kunit-$arch.log)"
fi
grep -E '^\[[0-9:]+\] (Testing complete|=+ (PASSED|FAILED|SKIPPED))' "$log" | sed 's/^/    /' >&2 || true
# Every case may pass while the kernel splats: kunit.py keeps the kernel's
# log in its build directory, and a splat there fails the run.
"$TOP/scripts/verdict/results.py" kunitjson "$out.kunit" "$out" "kunit.py $arch: " "$rc" \
	"$obj/test.log"
