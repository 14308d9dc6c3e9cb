#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh [--install] [TARGET]
#
# Check that the commands (and a few headers and files) that TARGET needs
# are here, and name what is missing.  TARGET is a make target: tree,
# patches, sync, base, check, run, bench or test (the default: all of
# them).  As root on Debian or Ubuntu (make deps, or any target run as
# root), install the packages that provide what is missing; otherwise name
# them.  On other distributions the names are what to look for in their
# packages.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=deps

install=
if [ "${1:-}" = --install ]; then
	install=1
	shift
fi
target=${1:-test}

# What each target runs: "command" (on PATH), "file:PATH", "header:NAME.h"
# (for the host compiler), "python:MODULE"; each with its Debian package.
series=(git:git python3:python3)
kernel=(gcc:build-essential make:build-essential bc:bc bison:bison flex:flex
	perl:perl depmod:kmod cpio:cpio xz:xz-utils gzip:gzip
	header:libelf.h:libelf-dev header:openssl/opensslv.h:libssl-dev)
vms=(qemu-system-x86_64:qemu-system-x86 busybox:busybox-static
     bochs:bochs file:/usr/share/bochs/BIOS-bochs-latest:bochsbios
     file:/usr/share/bochs/VGABIOS-lgpl-latest:vgabios genisoimage:genisoimage
     file:/usr/lib/ISOLINUX/isolinux.bin:isolinux
     file:/usr/lib/syslinux/modules/bios/ldlinux.c32:syslinux-common
     qemu-system-riscv64:qemu-system-misc riscv64-linux-gnu-gcc:gcc-riscv64-linux-gnu
     file:/usr/riscv64-linux-gnu/include/stdio.h:libc6-dev-riscv64-cross)
checks=(sparse:sparse aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu
	python:ply:python3-ply python:git:python3-git)
# The Debian package of the base tree, unless KSRC names a tree.
debian_base=(apt-get:apt dpkg-deb:dpkg
	     file:/usr/share/keyrings/debian-archive-keyring.gpg:debian-archive-keyring)
base=("${series[@]}" make:build-essential)
[ -n "${KSRC:-}" ] || base+=("${debian_base[@]}")

case $target in
tree|patches|sync) want=("${series[@]}") ;;
base) want=("${base[@]}") ;;
check) want=("${base[@]}" "${kernel[@]}" "${checks[@]}") ;;
run) want=("${base[@]}" "${kernel[@]}" "${vms[@]}") ;;
bench) want=("${base[@]}" "${kernel[@]}" qemu-system-x86_64:qemu-system-x86
	     busybox:busybox-static bochs:bochs) ;;
test) want=("${base[@]}" "${kernel[@]}" "${vms[@]}" "${checks[@]}") ;;
*) die "deps.sh: unknown target '$target' (tree, patches, sync, base, check, run, bench, test)" ;;
esac

have() {	# have KIND:WHAT
	case $1 in
	file:*) [ -e "${1#file:}" ] ;;
	header:*) echo "#include <${1#header:}>" | gcc -E -x c - >/dev/null 2>&1 ;;
	# checkpatch.pl runs the system python3 (check.sh), with its modules.
	python:*) PATH=/usr/bin:$PATH python3 -c "import ${1#python:}" 2>/dev/null ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

missing=() pkgs=()
for w in "${want[@]}"; do
	pkg=${w##*:}
	what=${w%:*}
	have "$what" && continue
	missing+=("$what")
	[[ " ${pkgs[*]} " = *" $pkg "* ]] || pkgs+=("$pkg")
done
[ ${#missing[@]} -gt 0 ] || exit 0

debian=
if command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then
	debian=1
fi
if [ -z "$debian" ] || [ "$(id -u)" -ne 0 ]; then
	[ -z "$install" ] || [ -n "$debian" ] ||
		printf 'make deps installs packages on Debian and Ubuntu only\n' >&2
	msg="'make $target' needs what this machine lacks: ${missing[*]}"
	if [ -n "$debian" ]; then
		msg="$msg; on Debian or Ubuntu: sudo make deps (apt-get install ${pkgs[*]})"
	else
		msg="$msg (Debian's packages: ${pkgs[*]}; install your distribution's equivalents)"
	fi
	die "$msg"
fi
step "install: ${pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2 || die "apt-get update failed: no network?"
apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2 ||
	die "apt-get install ${pkgs[*]} failed"
