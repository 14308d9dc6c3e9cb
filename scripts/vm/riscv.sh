#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# riscv.sh SRC OUT.json
#
# The second architecture: build the riscv64 kernel of SRC (a tree with the
# series) out of tree in build/o-riscv, from tinyconfig and
# scripts/build/riscv.config, with the user-return notifier KUnit suite built
# in and the test module as a module; build the notifier selftest
# statically for riscv64; boot QEMU's virt machine (TCG, two harts) with an
# initramfs of the module, the selftest and scripts/vm/urn-init.c as /init.
# The KUnit suite runs at boot, then the selftest.  Results, with suites
# named "riscv: ...", go to OUT.json; logs to build/logs/riscv/.

. "$(dirname "$0")/../lib.sh"
STEP_PREFIX=riscv

[ $# -eq 2 ] || die "usage: riscv.sh SRC OUT.json"
src=$(cd "$1" && pwd)
json=$2
out=$BUILD/o-riscv
art=$BUILD/k-riscv
stout=$BUILD/st-riscv
logdir=$BUILD/logs/riscv
fragment=$TOP/scripts/build/riscv.config
cross=riscv64-linux-gnu-
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
need_cmd qemu-system-riscv64 ${cross}gcc cpio
[ -f "$src/Makefile" ] || die "$src is not a kernel tree"

step "configure and build ${out#$TOP/}"
"$TOP/scripts/build/kbuild.sh" -a riscv "$src" "$out" - "$fragment" ||
	die "riscv kernel build failed in ${out#$TOP/}"
rm -rf "$art"
mkdir -p "$art"
make -s -C "$src" O="$out" ARCH=riscv CROSS_COMPILE=$cross \
	INSTALL_HDR_PATH="$art/hdr" headers_install >/dev/null

step "build the notifier selftest and /init for riscv64"
mkdir -p "$stout"
make -s -C "$src/tools/testing/selftests/user_return_notifier" ARCH=riscv \
	CROSS_COMPILE=$cross CC="${cross}gcc -static" OUTPUT="$stout" \
	KHDR_INCLUDES="-isystem $art/hdr/include" >"$stout/build.log" 2>&1 ||
	{ tail -30 "$stout/build.log" >&2; die "building the riscv64 selftest failed"; }
${cross}gcc -static -O2 -Wall -o "$stout/init" "$TOP/scripts/vm/urn-init.c" ||
	die "building scripts/vm/urn-init.c for riscv64 failed"

step "make the initramfs"
root=$logdir/root
rm -rf "$logdir"
mkdir -p "$root"/{proc,sys,dev,tmp,modules,tests/user_return_notifier}
cp "$stout/init" "$root/init"
cp "$out/lib/test_user_return_notifier.ko" "$root/modules/"
echo /modules/test_user_return_notifier.ko > "$root/tests/modules"
cp "$stout/user_return_notifier_test" "$root/tests/user_return_notifier/"
printf "%s\n" "repeat=2 user_return_notifier/user_return_notifier_test" \
	"load user_return_notifier/user_return_notifier_test" > "$root/tests/list"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$logdir/initramfs.cpio"

step "boot QEMU virt (riscv64, TCG, two harts)"
set +e
timeout -s KILL 600 qemu-system-riscv64 -machine virt -smp 2 -m 2G -bios default \
	-nographic -no-reboot -monitor none -serial "file:$logdir/console.log" \
	-device virtio-serial-device -chardev "file,id=tests,path=$logdir/tests.log" \
	-device virtconsole,chardev=tests \
	-kernel "$out/arch/riscv/boot/Image" -initrd "$logdir/initramfs.cpio" \
	-append "console=ttyS0 earlycon loglevel=7 panic=-1 oops=panic rdinit=/init urn_timeout=$TEST_TIMEOUT" \
	</dev/null >"$logdir/qemu.log" 2>&1
rc=$?
set -e
grep -q '^URN-DONE' "$logdir/tests.log" 2>/dev/null ||
	info "the riscv VM did not finish (qemu exit $rc); see ${logdir#$TOP/}/console.log"
"$TOP/scripts/verdict/results.py" parse "$logdir" "$src" "$json" "riscv: "
