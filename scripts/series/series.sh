#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the series from the area folders onto the base, one commit per patch.
#
#   series.sh build DIR     apply the series in a fresh clone of the base at DIR
#   series.sh patches [OUT] build it and git format-patch it into OUT
#                           (default: patches/, refusing to clobber hand edits)
#
# A patch directory <area>/<name>/ listed in series.conf holds:
#   message     the commit message (subject, blank line, body, Signed-off-by)
#   files/      the files the patch creates (never a file of the base), at
#               their kernel paths
#   edits.diff  its edits to other, existing files (git diff format), optional
# The patch's commit is: files/ copied in, then edits.diff applied with
# 'git apply --index', then committed with the message.

. "$(dirname "$0")/../lib.sh"
STEP_PREFIX=series

# The area folders' messages sign with the project's placeholder identity.
# 'series.sh patches' signs and authors the patches as URN_AUTHOR ("Name
# <email>") if set, else as the user's own git identity (user.name and
# user.email), else as the placeholder; 'series.sh build' (make tree, make
# run) keeps the placeholder, so that make sync writes it back unchanged.
# Fixed dates: the same area folders and identity give the same commits.
PLACEHOLDER="urn-series <urn-series@example.org>"
set_identity() {	# set_identity "Name <email>"
	[[ $1 =~ ^([^<>]+)\ \<([^<>@ ]+@[^<> ]+)\>$ ]] ||
		die "identity '$1' is not 'Name <email>' (URN_AUTHOR or git's user.name and user.email)"
	IDENTITY=$1
	export GIT_AUTHOR_NAME=${BASH_REMATCH[1]} GIT_AUTHOR_EMAIL=${BASH_REMATCH[2]}
	export GIT_COMMITTER_NAME=${BASH_REMATCH[1]} GIT_COMMITTER_EMAIL=${BASH_REMATCH[2]}
}
user_identity() {
	local n e
	if [ -n "${URN_AUTHOR:-}" ]; then
		echo "$URN_AUTHOR"
		return
	fi
	# The user's git configuration, which lib.sh hides from other git calls.
	n=$(env -u GIT_CONFIG_GLOBAL -u GIT_CONFIG_NOSYSTEM git -C "$TOP" config user.name || true)
	e=$(env -u GIT_CONFIG_GLOBAL -u GIT_CONFIG_NOSYSTEM git -C "$TOP" config user.email || true)
	if [ -n "$n" ] && [ -n "$e" ]; then
		echo "$n <$e>"
	else
		echo "$PLACEHOLDER"
	fi
}
set_identity "$PLACEHOLDER"
export GIT_AUTHOR_DATE="2026-11-22T00:00:00Z" GIT_COMMITTER_DATE="2026-11-22T00:00:00Z"

check_dirs() {
	local d n=0
	while read -r d; do
		n=$((n + 1))
		[ -d "$TOP/$d" ] || die "series.conf line for '$d': no such directory"
		[ -s "$TOP/$d/message" ] || die "$d/message is missing or empty"
		[ -d "$TOP/$d/files" ] || [ -f "$TOP/$d/edits.diff" ] ||
			die "$d has neither files/ nor edits.diff"
	done < <(series_dirs)
	[ "$n" -gt 0 ] || die "series.conf lists no patch"
}

# apply_one TREE PATCHDIR: one commit in TREE from PATCHDIR.
apply_one() {
	local tree=$1 d=$2 f
	if [ -d "$TOP/$d/files" ]; then
		(cd "$TOP/$d/files" && find . -type f -printf '%P\n') | while read -r f; do
			mkdir -p "$tree/$(dirname "$f")"
			cp "$TOP/$d/files/$f" "$tree/$f"
			git -C "$tree" add -f -- "$f"
		done
	fi
	if [ -f "$TOP/$d/edits.diff" ]; then
		if ! git -C "$tree" apply --index --whitespace=error-all "$TOP/$d/edits.diff"; then
			die "patch $d: $d/edits.diff does not apply (see the file and line git named above); $tree is left as it is"
		fi
	fi
	git -C "$tree" diff --cached --quiet &&
		die "patch $d changes nothing"
	# The placeholder's sign-off becomes the identity's; make tree's
	# commits name their patch directory in a trailer (tree.sh).
	sed "s|^Signed-off-by: $PLACEHOLDER\$|Signed-off-by: $(sed 's/[&|\\]/\\&/g' <<< "$IDENTITY")|" "$TOP/$d/message" |
		if [ -n "${URN_TRAILERS:-}" ]; then
			git -C "$tree" interpret-trailers --trailer "Urn-Dir: $d"
		else
			cat
		fi |
		git -C "$tree" commit -q --no-verify -F - ||
		die "patch $d: commit failed"
}

# build_series DIR: DIR becomes a clone of the base with the series applied.
build_series() {
	local dir=$1 base d
	"$TOP/scripts/series/base.sh"
	base=$(cat "$BUILD/base.commit")
	check_dirs
	generated_tree "$dir" "$base"
	while read -r d; do
		apply_one "$dir" "$d"
	done < <(series_dirs)
	echo "$base"
}

# range_diff TREE BASE COMMIT: git range-diff of COMMIT's patches/ (the series'
# previous version, applied here to BASE) against TREE's series.  Fixed
# dates, and a fixed committer for the previous version, so that the same
# versions and author give the same output in any clone and any run.
range_diff() {
	local tree=$1 base=$2 commit=$3 prev=$BUILD/prev tmp
	generated_tree "$prev" "$base"
	tmp=$(mktemp -d)
	git -C "$TOP" archive "$commit" patches | tar -x -C "$tmp"
	if ! GIT_COMMITTER_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_NAME=urn-series \
	     GIT_COMMITTER_EMAIL=urn-series@localhost \
	     am_series "$prev" "$tmp/patches" >/dev/null 2>&1; then
		rm -rf "$tmp"
		info "$commit's patches do not apply to this base: no range-diff"
		return 1
	fi
	rm -rf "$tmp"
	# Forced: a ref left by an earlier run (another identity) must not stay.
	git -C "$tree" fetch -q "$prev" +HEAD:refs/urn/previous ||
		die "cannot fetch the previous version into $tree"
	git -C "$tree" -c core.abbrev=9 range-diff --no-color -s \
		"$base..refs/urn/previous" "$base..HEAD"
}

# format_series TREE BASE OUT: patches, cover letter and series file in OUT.
format_series() {
	local tree=$1 base=$2 out=$3 cover version prefix=PATCH prev
	rm -rf "$out"
	mkdir -p "$out"
	# base-commit: only for a commit that exists upstream, i.e. of a KSRC
	# tree; the Debian base's commit was made here from a tarball, and b4
	# or a maintainer would look for it in vain.
	local basearg=()
	[ ! -L "$BUILD/base" ] || basearg=(--base="$base")
	# A fixed abbreviation: git's default grows with the object count,
	# which differs between a fresh base and a packed one.
	# The version in the subjects: [PATCH v3 01/18].
	version=$(series_version)
	[ "$version" -le 1 ] || prefix="PATCH v$version"
	git -C "$tree" -c core.abbrev=9 format-patch -q --no-signature --zero-commit \
		--cover-letter --subject-prefix="$prefix" "${basearg[@]}" -o "$out" \
		"$base..HEAD" >/dev/null
	cover=$(ls "$out"/0000-cover-letter.patch)
	"$TOP/scripts/series/cover.py" fill "$cover" "$TOP/cover-letter" "$BUILD/base.version"
	# To: and Cc: for git send-email --to-cover --cc-cover, from
	# get_maintainer.pl on the patched tree, with the roles it gives.
	(cd "$tree" && perl scripts/get_maintainer.pl --no-git --no-git-fallback --no-fixes \
		$(ls "$out"/[0-9]*.patch | grep -v '/0000-') 2>/dev/null) > "$out/recipients" || true
	"$TOP/scripts/series/cover.py" recipients "$cover" "$out/recipients"
	rm -f "$out/recipients"
	# What changed since the previous version, whose patches/ is in the
	# commit series.conf names.
	prev=$(series_previous)
	if [ "$version" -gt 1 ] && [ -n "$prev" ] &&
	   git -C "$TOP" rev-parse -q --verify "$prev^{commit}" >/dev/null &&
	   range_diff "$tree" "$base" "$prev" > "$out/range-diff"; then
		"$TOP/scripts/series/cover.py" rangediff "$cover" "$out/range-diff" "$version"
	fi
	rm -f "$out/range-diff"
	(cd "$out" && ls [0-9]*.patch | grep -v '^0000-' > series)
}

# What patches/ holds now, as one hash.
patches_hash() {
	(cd "$TOP" && { [ ! -d patches ] || find patches -type f | sort | xargs -r sha256sum; } | sha256sum)
}

cmd=${1:-}
case "$cmd" in
build)
	[ $# -eq 2 ] || die "usage: series.sh build DIR"
	build_series "$2" >/dev/null
	;;
patches)
	out=${2:-$TOP/patches}
	set_identity "$(user_identity)"
	info "author and Signed-off-by: $IDENTITY"
	step "apply the series onto the base in build/series"
	base=$(build_series "$BUILD/series")
	step "format it into a fresh directory"
	tmp=$BUILD/patches.new
	format_series "$BUILD/series" "$base" "$tmp"
	if [ "$out" = "$TOP/patches" ]; then
		# patches/ is committed: replace it only when what is there is what
		# git has or what this script wrote last, never a hand edit.
		stamp=$BUILD/patches.stamp
		now=$(patches_hash)
		if [ -n "$(git -C "$TOP" status --porcelain -- patches)" ] &&
		   [ "$now" != "$(cat "$stamp" 2>/dev/null)" ]; then
			die "patches/ has changes that neither git nor 'make patches' made; commit or drop them (git -C $TOP status patches)"
		fi
		step "write patches/"
		rm -rf "$TOP/patches"
		mv "$tmp" "$TOP/patches"
		patches_hash > "$stamp"
	else
		rm -rf "$out"
		mkdir -p "$(dirname "$out")"
		mv "$tmp" "$out"
	fi
	info "$(grep -c . "$out/series") patches in ${out#$TOP/}"
	;;
*)
	die "usage: series.sh build DIR | patches [OUT]"
	;;
esac
