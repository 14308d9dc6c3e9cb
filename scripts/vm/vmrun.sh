#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vmrun.sh KART STOUT LOGDIR TESTLIST
#
# Boot the kernel that kbuild.sh put in KART with an initramfs of busybox,
# the kernel's modules, the selftests built in STOUT and
# scripts/vm/urn-init.c as /init.  KUnit suites built into the kernel run at
# boot; then /init loads the modules and runs each test of TESTLIST under a
# timeout.  The kernel console goes to LOGDIR/console.log, the tests'
# output to LOGDIR/tests.log.
#
# EMU chooses the machine:
#   qemu   (default) QEMU TCG, -cpu max: KVM runs nested on emulated SVM.
#          QEMU_SMP (default 2) and QEMU_ARGS (e.g. "-icount shift=0,sleep=off")
#          change it.
#   bochs  Bochs with an Intel Haswell CPU (BOCHS_CPU, with BOCHS_CPUID
#          the options of a bx_generic one), BOCHS_SMP (default 2) CPUs:
#          KVM runs nested on emulated VMX.  Its clock runs on executed
#          instructions (clock: sync=none), BOCHS_IPS of them a second.
#
# TESTLIST lines: "<dir>/<path of binary> [args]" relative to STOUT, or a
# line "module <name>" to load a module before the tests.

. "$(dirname "$0")/../lib.sh"
STEP_PREFIX=vm

[ $# -eq 4 ] || die "usage: vmrun.sh KART STOUT LOGDIR TESTLIST"
kart=$(cd "$1" && pwd)
stout=$(cd "$2" && pwd)
logdir=$3
list=$4
TEST_TIMEOUT=${TEST_TIMEOUT:-60}
EMU=${EMU:-qemu}
case "$EMU" in
qemu) need_cmd qemu-system-x86_64 cpio busybox gcc ;;
bochs) need_cmd bochs genisoimage cpio busybox gcc ;;
*) die "EMU=$EMU: qemu or bochs" ;;
esac
# The whole VM's limit, tests included; not reaching URN-DONE is a failure.
VM_TIMEOUT=${VM_TIMEOUT:-$([ "$EMU" = bochs ] && echo 3000 || echo 2400)}

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
gcc -static -O2 -Wall -o "$root/init" "$TOP/scripts/vm/urn-init.c" ||
	die "building scripts/vm/urn-init.c failed"
: > "$root/tests/list"
: > "$root/tests/modules"
moddir=$(echo "$root"/lib/modules/*)
# mod_paths NAME: the module's file and those it needs, needed ones first,
# as paths in the VM; nothing if the kernel has no such module.
mod_paths() {
	local f deps d
	f=$(awk -F: -v m="$1" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko$/, "", n);
		gsub(/-/, "_", n); if (n == m) print }' "$moddir/modules.dep" | head -1)
	[ -n "$f" ] || return 0
	deps=${f#*:}
	for d in $deps; do mod_paths "$(basename "$d" .ko | tr - _)"; done
	echo "${moddir#$root}/${f%%:*}"
}
# STI's interrupt shadow: QEMU lost it across VMRUN until 9.1 ("target/i386:
# fix INHIBIT_IRQ/TF/RF handling for VMRUN", June 2024); the KVM test
# allows for it only where told (-H).
shadow_lost=
if [ "$EMU" = qemu ]; then
	qv=$(qemu-system-x86_64 --version | sed -n 's/.*version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p' | head -1)
	read -r qmaj qmin <<< "${qv:-0 0}"
	[ "$qmaj" -gt 9 ] || { [ "$qmaj" -eq 9 ] && [ "$qmin" -ge 1 ]; } || shadow_lost=-H
fi
while read -r t args; do
	args=${args//@SHADOW_LOST@/$shadow_lost}
	pre=
	# Prefixes that urn-init.c reads: load, limit=N, repeat=N.  URN_ONCE:
	# each test once, repeat=N dropped (the base kernel's runs, which show
	# what the series changes, not what a run leaves behind).
	while [[ "$t" = load || "$t" =~ ^(limit|repeat)=[1-9][0-9]*$ ]]; do
		[[ -n "${URN_ONCE:-}" && "$t" = repeat=* ]] || pre+="$t "
		read -r t args <<< "$args"
	done
	case "$t" in
	''|'#'*) continue ;;
	module)
		p=$(mod_paths "$(echo "$args" | tr - _)")
		if [ -z "$p" ]; then
			echo "$args" >> "$root/tests/absent-modules"
		else
			echo "$p" | awk '!seen[$0]++' >> "$root/tests/modules"
		fi
		continue ;;
	esac
	if [ -x "$stout/$t" ]; then
		mkdir -p "$root/tests/$(dirname "$t")"
		case $t in
		# ftracetest runs the test cases of its own folder.
		ftrace/*) cp -r "$stout/ftrace/." "$root/tests/ftrace/" ;;
		# The kselftest runner, its library and list, and for each
		# "-t COLLECTION:TEST" the test and its collection's settings.
		run_kselftest.sh)
			cp -r "$stout/run_kselftest.sh" "$stout/kselftest" "$stout/kselftest-list.txt" "$root/tests/"
			for a in $args; do
				[[ $a = *:* ]] || continue
				mkdir -p "$root/tests/${a%%:*}"
				cp "$stout/${a%%:*}/${a#*:}" "$root/tests/${a%%:*}/"
				[ ! -f "$stout/${a%%:*}/settings" ] || cp "$stout/${a%%:*}/settings" "$root/tests/${a%%:*}/"
			done ;;
		*) cp "$stout/$t" "$root/tests/$t" ;;
		esac
		echo "$pre$t${args:+ $args}" >> "$root/tests/list"
	else
		echo "$t" >> "$root/tests/missing"
	fi
done < "$list"
awk '!seen[$0]++' "$root/tests/modules" > "$root/tests/modules.new"
mv "$root/tests/modules.new" "$root/tests/modules"
# Without their debug information the selftests (static, -g) take half the
# room, and the VM unpacks its initramfs in half the time (Bochs: 19 s).
find "$root/tests" -type f -perm -u+x -exec sh -c \
	'for f; do head -c4 "$f" | grep -q ELF && strip --strip-debug "$f"; done' sh {} +
(cd "$root" && find . | cpio -o -H newc --quiet) > "$logdir/initramfs.cpio"

cmdline="console=ttyS0 panic=-1 oops=panic rdinit=/init loglevel=7 urn_timeout=$TEST_TIMEOUT urn_out=/dev/ttyS1"
step "boot ${kart#$TOP/} under $EMU and run $(wc -l < "$root/tests/list") tests"
rm -f "$logdir/console.log" "$logdir/tests.log"
set +e
if [ "$EMU" = qemu ]; then
	timeout -s KILL "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp "${QEMU_SMP:-2}" -m 4G ${QEMU_ARGS:-} \
		-nographic -no-reboot -monitor none \
		-serial "file:$logdir/console.log" -serial "file:$logdir/tests.log" \
		-kernel "$kimg" -initrd "$logdir/initramfs.cpio" \
		-append "$cmdline ${KERNEL_ARGS:-}" \
		</dev/null >"$logdir/qemu.log" 2>&1
else
	# A CD image that isolinux boots: Bochs has no -kernel.
	iso=$logdir/iso
	rm -rf "$iso"
	mkdir -p "$iso/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso/isolinux/"
	cp "$kimg" "$iso/bzImage"
	# Not compressed: isolinux reads the larger file faster than the
	# emulated CPU inflates the smaller one (to the first test: 83 s
	# instead of 105 s with gzip -1, Haswell, 24 MB).
	cp "$logdir/initramfs.cpio" "$iso/initrd"
	printf 'default urn\nprompt 0\nlabel urn\n  kernel /bzImage\n  append initrd=/initrd %s urn_end=bochs %s\n' \
		"$cmdline reboot=t clearcpuid=aperfmperf" "${KERNEL_ARGS:-}" > "$iso/isolinux/isolinux.cfg"
	genisoimage -quiet -o "$logdir/boot.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table -J -R "$iso" ||
		die "genisoimage failed"
	cat > "$logdir/bochsrc" <<EOB
cpu: model=${BOCHS_CPU:-corei7_haswell_4770}, count=${BOCHS_SMP:-2}, ips=${BOCHS_IPS:-40000000}, reset_on_triple_fault=0
${BOCHS_CPUID:+cpuid: $BOCHS_CPUID}
memory: guest=1024, host=1024
clock: sync=none, time0=local
pci: enabled=1, chipset=i440fx
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path="$logdir/boot.iso", status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev="$logdir/console.log"
com2: enabled=1, mode=file, dev="$logdir/tests.log"
display_library: rfb, options="timeout=0"
mouse: enabled=0
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
log: "$logdir/bochs.log"
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
EOB
	# Bochs' Haswell advertises APERF/MPERF without the MSRs: each tick's
	# frequency sampling faults (and Bochs logs it); clearcpuid drops the
	# feature, which saves some 5% of the VM's time.
	# Bochs has no -no-reboot: the kernel reboots by triple fault
	# (reboot=t, after a panic too: panic=-1), and a triple fault, which
	# Bochs would take for a reset and boot the CD again, is a Bochs
	# panic instead (reset_on_triple_fault=0), which ends it (panic:
	# action=fatal).  /init ends a run that completes through the
	# shutdown port.
	# Debian's Bochs starts in its debugger: 'c' lets it run.
	echo c > "$logdir/bochs.rc"
	timeout -s KILL "$VM_TIMEOUT" bochs -q -f "$logdir/bochsrc" -rc "$logdir/bochs.rc" \
		</dev/null >"$logdir/bochs.out" 2>&1
fi
rc=$?
set -e
grep -q '^URN-DONE' "$logdir/tests.log" 2>/dev/null ||
	info "the VM did not finish ($EMU exit $rc); the results say which test was running"
