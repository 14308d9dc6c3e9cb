#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# loongarch.sh: build the series for loongarch64 ('make loongarch').
#
# Debian 12 has no loongarch64 cross compiler; Debian 13 (trixie) has one,
# but it needs trixie's C library.  So this makes a minimal trixie root
# with debootstrap, from the Debian mirror that this machine's apt uses,
# in the machine's cache (~/.cache/urn-series/trixie-loongarch, made once),
# and builds build/src (the series, as 'make run' left it) inside it with
# tinyconfig and scripts/urn-cross.config into build/o-loongarch.  It needs
# root (debootstrap, chroot, bind mounts).  Not part of 'make test': it
# costs a root file system and a cold kernel build.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=loongarch

src=$BUILD/src
out=$BUILD/o-loongarch
root=$CACHE/trixie-loongarch
[ "$(id -u)" = 0 ] || die "needs root: debootstrap, chroot and bind mounts"
[ -d "$src/.git" ] || die "no build/src: run 'make run' first"
git -C "$src" log --format=%s -1 | grep -q . || die "build/src has no commits"
need_cmd debootstrap chroot mount

if [ ! -f "$root/.urn-ready" ]; then
	step "make a trixie root with the loongarch64 cross compiler in ${root#$HOME/}"
	uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -m1 /debian || true)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $2 ~ /debian\/?$/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
	[ -n "$uri" ] || die "no Debian mirror found in the apt sources of this machine"
	rm -rf "$root"
	debootstrap --variant=minbase \
		--include=make,gcc,libc6-dev,bc,flex,bison,perl,gcc-loongarch64-linux-gnu \
		trixie "$root" "$uri" > "$CACHE/trixie-loongarch.log" 2>&1 ||
		die "debootstrap failed: see ${CACHE#$HOME/}/trixie-loongarch.log"
	touch "$root/.urn-ready"
fi

step "build build/src for loongarch (tinyconfig + scripts/urn-cross.config)"
mkdir -p "$out" "$root/src" "$root/out" "$root/frag"
cleanup() {
	umount "$root/src" "$root/out" "$root/frag" "$root/proc" "$root/dev" 2>/dev/null || true
}
trap cleanup EXIT
mount --bind "$src" "$root/src"
mount --bind "$out" "$root/out"
mount --bind "$TOP/scripts" "$root/frag"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
lmake() {
	chroot "$root" make -s -C /src O=/out ARCH=loongarch \
		CROSS_COMPILE=loongarch64-linux-gnu- -j"$JOBS" "$@"
}
lmake tinyconfig >/dev/null
chroot "$root" /src/scripts/kconfig/merge_config.sh -m -O /out /out/.config \
	/frag/urn-cross.config >/dev/null
lmake olddefconfig >/dev/null
missing=$(config_missing "$out/.config" "$TOP/scripts/urn-cross.config")
[ -z "$missing" ] || die "loongarch config options that did not take: $(echo $missing)"
lmake vmlinux modules 2>&1 | sed '/^$/d' >&2 || die "the loongarch build failed"
info "loongarch: the base and $(git -C "$src" rev-list --count "$(cat "$BUILD/base.commit")..HEAD") patches build; vmlinux in ${out#$TOP/}"
