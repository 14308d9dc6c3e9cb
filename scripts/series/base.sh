#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare the base tree: Linux 7.3 from Debian's linux-source-7.3 package
# (or the user's own git tree in KSRC), as a git repository in build/base
# with one commit tagged urn-base.  Later runs reuse it.
#
# Prints nothing on stdout; build/base.version holds the base's description.

. "$(dirname "$0")/../lib.sh"
STEP_PREFIX=base

# put FILE CMD...: FILE holds CMD's output, written whole (a temporary file
# renamed), so that a script reading build/base.commit or base.version
# while another base.sh runs never sees it empty or half written.
put() {
	local f=$1
	shift
	"$@" > "$f.tmp.$$"
	mv -f "$f.tmp.$$" "$f"
}

check_version() {	# $1: tree
	local v p
	v=$(sed -n 's/^VERSION = //p' "$1/Makefile" 2>/dev/null | head -1)
	p=$(sed -n 's/^PATCHLEVEL = //p' "$1/Makefile" 2>/dev/null | head -1)
	[ "$v.$p" = "$BASE_VERSION" ] ||
		die "$1 is Linux '${v:-?}.${p:-?}', not $BASE_VERSION: the series is made for $BASE_VERSION"
}

kernel_release() {	# $1: tree
	make -s -C "$1" kernelversion 2>/dev/null
}

mkdir -p "$BUILD"

if [ -n "${KSRC:-}" ]; then
	step "use the kernel tree in KSRC"
	[ -d "$KSRC" ] || die "KSRC=$KSRC is not a directory"
	git -C "$KSRC" rev-parse --verify -q HEAD >/dev/null ||
		die "KSRC=$KSRC is not a git tree with a commit"
	[ "$(git -C "$KSRC" rev-parse --show-toplevel)" = "$(cd "$KSRC" && pwd -P)" ] ||
		die "KSRC=$KSRC is inside a git tree, not the top of one"
	check_version "$KSRC"
	[ -z "$(git -C "$KSRC" status --porcelain --untracked-files=no)" ] ||
		die "KSRC=$KSRC has uncommitted changes; commit or stash them first"
	ksrc=$(cd "$KSRC" && pwd -P)
	if [ -L "$BUILD/base" ] || [ ! -e "$BUILD/base" ]; then
		ln -sfn "$ksrc" "$BUILD/base"
	else
		die "$BUILD/base exists and is not a link to a KSRC tree; remove it to use KSRC"
	fi
	commit=$(git -C "$KSRC" rev-parse HEAD)
	# A tag in the user's tree would be a change to it: note the commit instead.
	put "$BUILD/base.commit" echo "$commit"
	put "$BUILD/base.version" echo "Linux $(kernel_release "$KSRC") (KSRC at $commit)"
	info "base: $(cat "$BUILD/base.version")"
	exit 0
fi

if [ -L "$BUILD/base" ]; then
	info "build/base was a KSRC link; switching back to the Debian base"
	rm "$BUILD/base"
fi

if [ -d "$BUILD/base/.git" ] &&
   git -C "$BUILD/base" rev-parse -q --verify "refs/tags/$BASE_TAG" >/dev/null; then
	step "reuse the base tree in build/base"
	[ -z "$(git -C "$BUILD/base" status --porcelain --untracked-files=no)" ] ||
		die "build/base has changes to tracked files; it must stay pristine (git -C build/base status)"
	put "$BUILD/base.commit" git -C "$BUILD/base" rev-parse "$BASE_TAG^{commit}"
	info "base: $(cat "$BUILD/base.version")"
	exit 0
fi

need_cmd apt-get dpkg-deb tar xz git

step "fetch $BASE_PKG from Debian's $BASE_SUITE suite"
fetchlog=$BUILD/base-fetch.log
if ! deb=$(debian_deb "$BASE_SUITE" "$BASE_PKG" "$CACHE/deb" 2> "$fetchlog"); then
	cat "$fetchlog" >&2
	die "$(sed -n 's/^error: //p' "$fetchlog" | tail -1) set KSRC=/path/to/linux-7.3 instead"
fi
cat "$fetchlog" >&2
debver=$(dpkg-deb -f "$deb" Version)
info "package: $BASE_PKG $debver"

step "unpack it into build/base"
rm -rf "$BUILD/base.tmp"
mkdir -p "$BUILD/base.tmp"
dpkg-deb --fsys-tarfile "$deb" |
	tar -x -O "./usr/src/$BASE_PKG.tar.xz" |
	tar -xJ -C "$BUILD/base.tmp" --strip-components=1
check_version "$BUILD/base.tmp"

step "make it a git tree with one commit, tagged $BASE_TAG"
(
	cd "$BUILD/base.tmp"
	# Fixed identity and dates: the same package gives the same base
	# commit anywhere, whatever the caller exported (series.sh sets the
	# series' author in the environment).
	export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
	export GIT_AUTHOR_NAME=urn-series GIT_AUTHOR_EMAIL=urn-series@localhost
	export GIT_COMMITTER_NAME=urn-series GIT_COMMITTER_EMAIL=urn-series@localhost
	kgit init -q -b base
	# Debian's tarball ignores everything at the top level: force the add.
	kgit add -A -f
	kgit commit -q --no-verify -m "Linux $(kernel_release .) from Debian $BASE_PKG $debver"
	kgit tag "$BASE_TAG"
	kgit gc -q --auto
)
rm -rf "$BUILD/base"
mv "$BUILD/base.tmp" "$BUILD/base"
put "$BUILD/base.version" echo "Linux $(kernel_release "$BUILD/base") (Debian $BASE_PKG $debver)"
put "$BUILD/base.commit" git -C "$BUILD/base" rev-parse "$BASE_TAG^{commit}"
info "base: $(cat "$BUILD/base.version")"
