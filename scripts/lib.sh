# SPDX-License-Identifier: GPL-2.0
# Common helpers for the project's scripts.  Source this, do not run it.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
BASE_VERSION=7.3
BASE_PKG=linux-source-$BASE_VERSION
BASE_SUITE=trixie-backports
BASE_TAG=urn-base
# Per-machine cache shared by all clones (base packages, base results).
CACHE=${URN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/urn-series}
JOBS=${JOBS:-$(nproc)}
# ccache: paths inside the project are hashed relative to it, so that every
# clone of the project on a machine shares its objects.
export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1

step_no=0
step() {
	step_no=$((step_no + 1))
	printf '==> [%s %d] %s\n' "${STEP_PREFIX:-step}" "$step_no" "$*" >&2
}

info() { printf '    %s\n' "$*" >&2; }

die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

need_cmd() {
	local c missing=()
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || missing+=("$c")
	done
	[ ${#missing[@]} -eq 0 ] || die "missing commands: ${missing[*]} (run 'make deps' as root)"
}

# git in a kernel tree, with an identity so that commits work anywhere.
kgit() {
	git -c user.name="urn-series" -c user.email="urn-series@localhost" \
	    -c advice.detachedHead=false -c core.autocrlf=false "$@"
}
