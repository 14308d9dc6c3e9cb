#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the project needs (as root), or say exactly
# which are missing.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=deps

PKGS="build-essential bc bison flex libelf-dev libssl-dev dwarves kmod cpio
rsync python3 git xz-utils qemu-system-x86 qemu-system-misc busybox-static
sparse ccache gcc-riscv64-linux-gnu libc6-dev-riscv64-cross gcc-aarch64-linux-gnu
debian-archive-keyring file perl
python3-ply python3-git bochs bochsbios vgabios isolinux syslinux-common
genisoimage"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	die "missing Debian packages:$missing (install them: sudo apt-get install$missing)"
fi
step "install:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2 || die "apt-get update failed: no network?"
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2 ||
	die "apt-get install$missing failed"
