#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests.sh SRC OUT
#
# Build, statically linked, the KVM selftests of SRC and the selftests the
# series adds, against SRC's own UAPI headers (headers_install, which needs
# no configured kernel), so that the build does not wait for a kernel.
# The installed tree (what the VMs run) is OUT/install; the objects are in
# OUT/build.  The source tree is not written to.

. "$(dirname "$0")/../lib.sh"
STEP_PREFIX=selftests

[ $# -eq 2 ] || die "usage: selftests.sh SRC OUT"
src=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)

cc="gcc -static"
command -v ccache >/dev/null 2>&1 && cc="ccache gcc -static"

step "install the UAPI headers of ${src#$TOP/}"
rm -rf "$out/hdr"
make -s -C "$src" O="$out/hdr-o" ARCH=x86 INSTALL_HDR_PATH="$out/hdr" \
	headers_install >/dev/null || die "headers_install failed in ${src#$TOP/}"

# As a kernel developer installs them (make -C tools/testing/selftests
# TARGETS=... install): KVM's, the ftrace tests (the series adds a case)
# and ours, with run_kselftest.sh and kselftest-list.txt, so that the VMs
# can run them with the standard runner too.  KVM's install puts the x86
# tests at the top of kvm/.
targets="kvm ftrace"
for d in user_return_notifier; do
	[ -d "$src/tools/testing/selftests/$d" ] && targets="$targets $d"
done
step "build and install selftests: $targets"
rm -rf "$out/install"
make -C "$src/tools/testing/selftests" -j"$JOBS" ARCH=x86_64 TARGETS="$targets" \
	CC="$cc" KHDR_INCLUDES="-isystem $out/hdr/include" O="$out/build" \
	INSTALL_PATH="$out/install" install > "$out/build.log" 2>&1 ||
	{ tail -30 "$out/build.log" >&2; die "building the selftests failed (log: ${out#$TOP/}/build.log)"; }
