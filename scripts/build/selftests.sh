#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests.sh SRC KART OUT
#
# Build, statically linked, the KVM selftests of SRC and the selftests the
# series adds, against the UAPI headers that kbuild.sh installed in KART/hdr.
# Binaries go to OUT/<dir>/...; the source tree is not written to.

. "$(dirname "$0")/../lib.sh"
STEP_PREFIX=selftests

[ $# -eq 3 ] || die "usage: selftests.sh SRC KART OUT"
src=$(cd "$1" && pwd)
kart=$(cd "$2" && pwd)
mkdir -p "$3"
out=$(cd "$3" && pwd)
[ -d "$kart/hdr/include" ] || die "$kart/hdr/include is missing: run kbuild.sh first"

cc="gcc -static"
command -v ccache >/dev/null 2>&1 && cc="ccache gcc -static"

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
		KHDR_INCLUDES="-isystem $kart/hdr/include" >"$out/$d.log" 2>&1 ||
		{ tail -30 "$out/$d.log" >&2; die "building selftests/$d failed (log: ${out#$TOP/}/$d.log)"; }
done

# Test scripts are not built; the series' own go next to the binaries.
for f in kvm/x86/user_return_msrs_reload_test.sh; do
	[ ! -f "$src/tools/testing/selftests/$f" ] ||
		install -m 755 "$src/tools/testing/selftests/$f" "$out/$f"
done
# ftracetest and its test cases are shell scripts (the series adds one):
# copied as they are.
rm -rf "$out/ftrace"
cp -r "$src/tools/testing/selftests/ftrace" "$out/ftrace"
