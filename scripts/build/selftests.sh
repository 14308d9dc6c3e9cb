#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests.sh SRC OUT
#
# Build, statically linked, the KVM selftests of SRC and the selftests the
# series adds, against SRC's own UAPI headers (headers_install, which needs
# no configured kernel), so that the build does not wait for a kernel.
# Binaries go to OUT/<dir>/...; ftracetest and its cases are copied, as
# the scripts they are.  The source tree is not written to.

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

# Directories under tools/testing/selftests that are built: KVM, and ours
# where the tree has them.
dirs="kvm"
for d in user_return_notifier; do
	[ -d "$src/tools/testing/selftests/$d" ] && dirs="$dirs $d"
done

for d in $dirs; do
	step "build selftests/$d"
	mkdir -p "$out/$d"
	make -s -C "$src/tools/testing/selftests/$d" -j"$JOBS" ARCH=x86_64 \
		CC="$cc" OUTPUT="$out/$d" \
		KHDR_INCLUDES="-isystem $out/hdr/include" >"$out/$d.log" 2>&1 ||
		{ tail -30 "$out/$d.log" >&2; die "building selftests/$d failed (log: ${out#$TOP/}/$d.log)"; }
done

# Test scripts are not built; the series' own go next to the binaries.
for f in kvm/x86/user_return_msrs_reload_test.sh; do
	[ ! -f "$src/tools/testing/selftests/$f" ] ||
		install -m 755 "$src/tools/testing/selftests/$f" "$out/$f"
done
rm -rf "$out/ftrace"
cp -r "$src/tools/testing/selftests/ftrace" "$out/ftrace"
