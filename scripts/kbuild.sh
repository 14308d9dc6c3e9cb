#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kbuild.sh SRC OUT [EXTRA_CONFIG...]
#
# Build the test kernel of SRC out of tree in OUT: x86_64_defconfig merged
# with scripts/urn.config (and any extra fragments), bzImage and modules,
# modules installed in OUT/mods and UAPI headers in OUT/hdr.  The source
# tree is never written to.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=kbuild

[ $# -ge 2 ] || die "usage: kbuild.sh SRC OUT [FRAGMENT...]"
src=$(cd "$1" && pwd)
out=$2
shift 2
mkdir -p "$out"
out=$(cd "$out" && pwd)

[ -f "$src/Makefile" ] || die "$src is not a kernel tree"
[ ! -f "$src/.config" ] && [ ! -d "$src/include/config" ] ||
	die "$src has been configured in tree; out-of-tree builds need it clean ('make mrproper' there)"

cc=gcc
command -v ccache >/dev/null 2>&1 && cc="ccache gcc"
kmake() {
	make -s -C "$src" O="$out" -j"$JOBS" CC="$cc" HOSTCC="$cc" "$@"
}

step "configure ${out#$TOP/}"
# Always from scratch: kbuild rebuilds only what a changed option touches.
kmake x86_64_defconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
	"$TOP/scripts/urn.config" "$@" >/dev/null
kmake olddefconfig >/dev/null
# A fragment line that did not stick is a config error, not a detail.
missing=$(cat "$TOP/scripts/urn.config" "$@" | grep -E '^CONFIG_[A-Z0-9_]+=[ym]$' |
	while read -r l; do grep -qx -- "$l" "$out/.config" || echo "$l"; done)
# A prefix of the series lacks the options of later patches: bisect builds
# pass URN_LAX_CONFIG=1.
[ -z "$missing" ] || [ -n "${URN_LAX_CONFIG:-}" ] ||
	die "config options that did not take: $(echo $missing)"

step "build bzImage and modules"
{ kmake bzImage modules 2>&1 | sed '/^$/d' >&2; } || die "kernel build failed in ${out#$TOP/}"

step "install modules and UAPI headers"
rm -rf "$out/mods"
kmake INSTALL_MOD_PATH="$out/mods" modules_install >/dev/null
kmake INSTALL_HDR_PATH="$out/hdr" headers_install >/dev/null
info "kernel: ${out#$TOP/}/arch/x86/boot/bzImage"
