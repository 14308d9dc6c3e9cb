#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vmrun.sh KART STOUT LOGDIR TESTLIST
#
# Boot the kernel that kbuild.sh put in KART under QEMU TCG (-cpu max, so
# KVM runs nested on emulated SVM) with an initramfs of busybox, the kernel's modules and the
# selftests built in STOUT.  KUnit suites built into the kernel run at boot;
# then each test of TESTLIST runs under a timeout.  The kernel console goes to
# LOGDIR/console.log, the tests' output to LOGDIR/tests.log.
#
# TESTLIST lines: "<dir>/<path of binary> [args]" relative to STOUT, or a
# line "module <name>" to load a module before the tests.  QEMU_SMP (default
# 2) and QEMU_ARGS (e.g. "-icount shift=0,sleep=off") change the machine.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=vm

[ $# -eq 4 ] || die "usage: vmrun.sh KART STOUT LOGDIR TESTLIST"
kart=$(cd "$1" && pwd)
stout=$(cd "$2" && pwd)
logdir=$3
list=$4
TEST_TIMEOUT=${TEST_TIMEOUT:-60}
VM_TIMEOUT=${VM_TIMEOUT:-2400}
need_cmd qemu-system-x86_64 cpio busybox

kimg=$kart/bzImage
[ -f "$kimg" ] || die "$kimg is missing: build the kernel first"
busybox=$(command -v busybox)
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	busybox=/bin/busybox
[ -x "$busybox" ] || die "no busybox found: install busybox-static"

step "make the initramfs"
root=$logdir/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,etc,lib/modules,tests}
cp "$busybox" "$root/bin/busybox"
cp -a "$kart/mods/lib/modules/." "$root/lib/modules/"
: > "$root/tests/list"
modules=
while read -r t args; do
	case "$t" in
	''|'#'*) continue ;;
	module) modules="$modules $args" ; continue ;;
	esac
	if [ -x "$stout/$t" ]; then
		mkdir -p "$root/tests/$(dirname "$t")"
		cp "$stout/$t" "$root/tests/$t"
		echo "$t${args:+ $args}" >> "$root/tests/list"
	else
		echo "$t" >> "$root/tests/missing"
	fi
done < "$list"
echo "$modules" > "$root/tests/modules"
cat > "$root/init" <<EOS
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
exec 3>/dev/ttyS1
echo "URN-BOOT \$(uname -r) cpus=\$(grep -c ^processor /proc/cpuinfo)" >&3
for m in \$(cat /tests/modules); do
	modprobe \$m >&3 2>&1 || echo "URN-MODULE-FAILED \$m" >&3
done
while read -r t args; do
	echo "URN-BEGIN \$t" >&3
	start=\$(cut -d' ' -f1 /proc/uptime)
	cd /tests/\$(dirname \$t)
	timeout -s KILL $TEST_TIMEOUT ./\$(basename \$t) \$args >&3 2>&1 </dev/null
	rc=\$?
	cd /
	echo "URN-END \$t rc=\$rc start=\$start end=\$(cut -d' ' -f1 /proc/uptime)" >&3
done < /tests/list
echo "URN-DONE" >&3
dmesg > /tmp/dmesg
# QEMU runs with -no-reboot: a reboot ends the VM.
reboot -f
EOS
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$logdir/initramfs.cpio"

step "boot ${kart#$TOP/} and run $(wc -l < "$root/tests/list") tests"
rm -f "$logdir/console.log" "$logdir/tests.log"
set +e
timeout -s KILL "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp "${QEMU_SMP:-2}" -m 4G ${QEMU_ARGS:-} \
	-nographic -no-reboot -monitor none \
	-serial "file:$logdir/console.log" -serial "file:$logdir/tests.log" \
	-kernel "$kimg" -initrd "$logdir/initramfs.cpio" \
	-append "console=ttyS0 panic=-1 oops=panic rdinit=/init loglevel=7 ${KERNEL_ARGS:-}" \
	</dev/null >"$logdir/qemu.log" 2>&1
rc=$?
set -e
grep -q '^URN-DONE' "$logdir/tests.log" 2>/dev/null ||
	info "the VM did not finish (qemu exit $rc); the results say which test was running"
