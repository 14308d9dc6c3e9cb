#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kbuild.sh SRC OUT ART [FRAGMENT...]
#
# Build the test kernel of SRC out of tree in OUT: tinyconfig merged
# with scripts/urn.config (and any extra fragments), bzImage and modules.
# Unless ART is '-', put what the test bench needs in ART: bzImage, the
# modules (ART/mods) and the UAPI headers (ART/hdr).  The source tree is
# never written to.
#
# All builds share one source path and one OUT (build/src, build/o), so
# that moving between the base, the series and its prefixes rebuilds only
# what differs; ccache (CCACHE_BASEDIR is the project) keeps the rest.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=kbuild

[ $# -ge 3 ] || die "usage: kbuild.sh SRC OUT ART [FRAGMENT...]"
src=$(cd "$1" && pwd)
out=$2
art=$3
shift 3
mkdir -p "$out"
out=$(cd "$out" && pwd)

[ -f "$src/Makefile" ] || die "$src is not a kernel tree"
[ ! -f "$src/.config" ] && [ ! -d "$src/include/config" ] ||
	die "$src has been configured in tree; out-of-tree builds need it clean ('make mrproper' there)"

cc=gcc
command -v ccache >/dev/null 2>&1 && cc="ccache gcc"
kmake() {
	make -s -C "$src" O="$out" -j"$JOBS" ARCH=x86 CC="$cc" HOSTCC="$cc" "$@"
}

step "configure ${out#$TOP/}"
# Always from scratch: kbuild rebuilds only what a changed option touches.
kmake tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
	"$TOP/scripts/urn.config" "$@" >/dev/null
kmake olddefconfig >/dev/null
# A fragment line that did not stick is a config error, not a detail.
missing=$(config_missing "$out/.config" "$TOP/scripts/urn.config" "$@")
# A prefix of the series lacks the options of later patches: bisect builds
# pass URN_LAX_CONFIG=1.
[ -z "$missing" ] || [ -n "${URN_LAX_CONFIG:-}" ] ||
	die "config options that did not take: $(echo $missing)"

step "build bzImage and modules"
{ kmake bzImage modules 2>&1 | sed '/^$/d' >&2; } || die "kernel build failed in ${out#$TOP/}"

[ "$art" != - ] || exit 0
step "install the kernel, modules and UAPI headers in ${art#$TOP/}"
rm -rf "$art"
mkdir -p "$art"
cp "$out/arch/x86/boot/bzImage" "$out/.config" "$art/"
kmake INSTALL_MOD_PATH="$art/mods" modules_install >/dev/null
kmake INSTALL_HDR_PATH="$art/hdr" headers_install >/dev/null
info "kernel: ${art#$TOP/}/bzImage"
