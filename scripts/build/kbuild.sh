#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kbuild.sh [-a ARCH] SRC OUT ART [FRAGMENT...]
#
# Build a kernel of SRC out of tree in OUT: tinyconfig merged with the
# fragments, checked (an option that did not take is an error), then the
# image and modules.  The one way every script configures and builds a
# kernel (make run, make check, make bench, riscv.sh).
#
# ARCH is x86 (the default), riscv or arm64; x86 starts from
# scripts/build/x86.config and builds bzImage, riscv builds Image, arm64
# vmlinux, each with Debian's cross compiler.  Unless ART is '-' (x86
# only), put what the test bench needs in ART: bzImage, the modules
# (ART/mods) and the UAPI headers (ART/hdr).  The source tree is never
# written to.
#
# All builds share one source path and one OUT (build/src, build/o), so
# that moving between the base, the series and its prefixes rebuilds only
# what differs; ccache (CCACHE_BASEDIR is the project) keeps the rest.

. "$(dirname "$0")/../lib.sh"
STEP_PREFIX=kbuild

arch=x86
if [ "${1:-}" = -a ]; then
	arch=${2:-}
	shift 2
fi
[ $# -ge 3 ] || die "usage: kbuild.sh [-a x86|riscv|arm64] SRC OUT ART [FRAGMENT...]"
case $arch in
x86)	cross= image=bzImage base_fragment=$TOP/scripts/build/x86.config ;;
riscv)	cross=riscv64-linux-gnu- image=Image base_fragment= ;;
arm64)	cross=aarch64-linux-gnu- image=vmlinux base_fragment= ;;
*)	die "kbuild.sh: unknown ARCH '$arch' (x86, riscv or arm64)" ;;
esac
[ -z "$cross" ] || need_cmd "${cross}gcc"
src=$(cd "$1" && pwd)
out=$2
art=$3
shift 3
mkdir -p "$out"
out=$(cd "$out" && pwd)

[ -f "$src/Makefile" ] || die "$src is not a kernel tree"
[ ! -f "$src/.config" ] && [ ! -d "$src/include/config" ] ||
	die "$src has been configured in tree; out-of-tree builds need it clean ('make mrproper' there)"

cc=${cross}gcc
hostcc=gcc
if command -v ccache >/dev/null 2>&1; then
	cc="ccache $cc"
	hostcc="ccache gcc"
fi
kmake() {
	make -s -C "$src" O="$out" -j"$JOBS" ARCH=$arch CROSS_COMPILE=$cross \
		CC="$cc" HOSTCC="$hostcc" "$@"
}
fragments=()
[ -z "$base_fragment" ] || fragments+=("$base_fragment")
fragments+=("$@")
[ ${#fragments[@]} -gt 0 ] || die "kbuild.sh: no config fragment for $arch"

# The configuration depends on the Kconfig files, the fragments, the
# architecture and the compiler (cc-option tests): when none of these
# changed since the configuration in OUT was made, it is made again only
# for nothing (some 25 s each time; the bisect builds many prefixes).
# Otherwise from scratch: kbuild rebuilds only what a changed option
# touches.
config_key=$({ echo "$arch ${cross:-native} $src"; $cc --version | head -1
	cat "${fragments[@]}"
	git -C "$src" rev-parse -q --verify HEAD >/dev/null &&
		git -C "$src" ls-files -s -- '*Kconfig*' 'arch/*/configs/tiny.config' \
			'kernel/configs/tiny*.config' scripts/kconfig ||
		find "$src" -name 'Kconfig*' -type f -print0 | sort -z | xargs -0 sha256sum
	} | sha256sum | cut -c1-32)
if [ -f "$out/.config" ] && [ "$(cat "$out/.urn-config-key" 2>/dev/null)" = "$config_key" ] &&
   [ -z "$(git -C "$src" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	step "configure ${out#$TOP/} ($arch): as it is, no Kconfig input changed"
else
	step "configure ${out#$TOP/} ($arch)"
	rm -f "$out/.urn-config-key"
	kmake tinyconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"${fragments[@]}" >/dev/null
	kmake olddefconfig >/dev/null
	echo "$config_key" > "$out/.urn-config-key"
fi
# A fragment line that did not stick is a config error, not a detail.
missing=$(config_missing "$out/.config" "${fragments[@]}")
# A prefix of the series lacks the options of later patches: bisect builds
# pass URN_LAX_CONFIG=1.
[ -z "$missing" ] || [ -n "${URN_LAX_CONFIG:-}" ] ||
	die "config options that did not take: $(echo $missing)"

# KBUILD_TARGETS (with ART '-'): only these objects or directories, e.g.
# the cross check of make check, not the image.
targets=(${KBUILD_TARGETS:-$image modules})
step "build ${targets[*]}"
{ kmake "${targets[@]}" 2>&1 | sed '/^$/d' >&2; } || die "kernel build failed in ${out#$TOP/}"
[ -z "${KBUILD_TARGETS:-}" ] || [ "$art" = - ] || die "kbuild.sh: KBUILD_TARGETS needs ART '-'"

[ "$art" != - ] || exit 0
[ "$arch" = x86 ] || die "kbuild.sh: ART is for x86 only; pass '-'"
step "install the kernel, modules and UAPI headers in ${art#$TOP/}"
rm -rf "$art"
mkdir -p "$art"
cp "$out/arch/x86/boot/bzImage" "$out/.config" "$art/"
kmake INSTALL_MOD_PATH="$art/mods" modules_install >/dev/null
kmake INSTALL_HDR_PATH="$art/hdr" headers_install >/dev/null
info "kernel: ${art#$TOP/}/bzImage"
