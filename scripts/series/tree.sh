#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The way between the area folders and a kernel work tree.
#
#   tree.sh make   build/tree: a clone of the base with the series as
#                  commits on branch 'urn', each with an 'Urn-Dir: AREA/NAME'
#                  trailer naming its patch directory
#   tree.sh sync   write the commits of build/tree back into the patch
#                  directories their trailers name, in the commits' order
#
# Nothing is lost:
# - make tree replaces an existing build/tree only when it is clean and
#   holds, commit by commit (message and diff), what the area folders make;
#   otherwise it names the first commit that differs and how to keep it.
# - make sync refuses when build/tree has uncommitted changes, when the
#   patch directories have changes git does not have, when they changed
#   (e.g. with git pull) since build/tree was made from them, or when a
#   commit has no trailer or shares one with another commit.  A reordered
#   series reorders series.conf; a reworded commit rewrites its message.
# build/tree is a clone of its own (no alternates): it survives a later
# run that moves build/base.

. "$(dirname "$0")/../lib.sh"
STEP_PREFIX=tree
TREE=${TREE:-$BUILD/tree}
TRAILER=Urn-Dir

tree_clean() {
	[ -z "$(git -C "$TREE" status --porcelain)" ]
}

# What the patch directories hold, as one hash: every area/name/ with a
# message, listed in series.conf or not.  Not series.conf itself: between
# make tree and make sync a new directory for a split patch goes there, or
# a dropped patch leaves it, and make sync writes series.conf in the
# commits' order anyway; neither is taken for a change that arrived from
# elsewhere.
folders_hash() {
	(cd "$TOP" && find . -mindepth 3 -maxdepth 3 -name message \
		-not -path './build/*' -not -path './patches/*' -printf '%h\n' |
		sort | while read -r d; do
			find "$d" -type f | sort | xargs -r sha256sum
		done | sha256sum | cut -c1-16)
}

# commit_text TREE COMMIT: the commit's message without the trailer, and
# its diff, as make sync would write them back.
commit_text() {
	git -C "$1" log -1 --format=%B "$2" | grep -v "^$TRAILER: "
	git -C "$1" diff "$2^" "$2"
}

# first_difference A B: 'N: subject' of the first commit of urn-base..HEAD
# that differs between trees A and B (message or diff), or nothing.
first_difference() {
	local a b i n
	mapfile -t a < <(git -C "$1" rev-list --reverse urn-base..HEAD)
	mapfile -t b < <(git -C "$2" rev-list --reverse urn-base..HEAD)
	n=${#a[@]}
	[ "${#b[@]}" -gt "$n" ] && n=${#b[@]}
	for ((i = 0; i < n; i++)); do
		if [ -z "${a[$i]:-}" ] || [ -z "${b[$i]:-}" ] ||
		   [ "$(commit_text "$1" "${a[$i]}" | sha256sum)" != "$(commit_text "$2" "${b[$i]}" | sha256sum)" ]; then
			echo "$((i + 1)): $(git -C "$1" log -1 --format=%s "${a[$i]:-HEAD}" 2>/dev/null)"
			return
		fi
	done
}

cmd_make() {
	local fresh=$BUILD/tree.new diff
	step "apply the series from the area folders"
	rm -rf "$fresh"
	URN_TRAILERS=1 "$TOP/scripts/series/series.sh" build "$fresh"
	git -C "$fresh" tag -f urn-base "$(cat "$BUILD/base.commit")" >/dev/null
	if [ -d "$TREE/.git" ]; then
		tree_clean ||
			die "build/tree has uncommitted changes; commit them (one commit per patch) and run 'make sync', or remove build/tree to drop them"
		diff=$(first_difference "$TREE" "$fresh")
		if [ -n "$diff" ]; then
			rm -rf "$fresh"
			die "build/tree differs from the area folders from its commit $diff; run 'make sync' to write build/tree back, or keep it aside (git -C build/tree branch keep-$(date +%Y%m%d)) and remove build/tree to start anew"
		fi
		step "build/tree holds the series, commit by commit: reset it to the fresh commits"
		git -C "$TREE" fetch -q "$fresh" HEAD
		git -C "$TREE" checkout -q -B urn FETCH_HEAD
		rm -rf "$fresh"
	else
		[ ! -e "$TREE" ] || die "$TREE exists and is not a git tree; it will not touch it"
		step "make build/tree a clone of its own"
		# Copy the base's objects in: build/base may be replaced later.
		git -C "$fresh" repack -a -d -q
		rm -f "$fresh/.git/objects/info/alternates"
		mv "$fresh" "$TREE"
		git -C "$TREE" checkout -q -B urn
		rm -f "$TREE/.urn-generated"
	fi
	folders_hash > "$TREE/.git/urn-folders"
	info "build/tree: branch urn, $(git -C "$TREE" rev-list --count urn-base..urn) commits on urn-base"
	info "edit and commit with git (rebase -i: reword, reorder, split); keep each commit's $TRAILER trailer; then 'make sync'"
}

cmd_sync() {
	local dirs commits c d f owned msg
	[ -d "$TREE/.git" ] || die "no build/tree: run 'make tree' first"
	tree_clean || die "build/tree has uncommitted changes; commit them first (one commit per patch)"
	mapfile -t dirs < <(series_dirs)
	[ -n "$(git -C "$TOP" status --porcelain -- "${dirs[@]}" series.conf)" ] &&
		die "the patch directories have changes that git does not have; commit them first, sync would overwrite them"
	[ -f "$TREE/.git/urn-folders" ] ||
		die "build/tree does not say which area folders it was made from; keep your commits aside (git -C build/tree branch keep), remove build/tree and run 'make tree' again"
	[ "$(folders_hash)" = "$(cat "$TREE/.git/urn-folders")" ] ||
		die "the patch directories changed since 'make tree' made build/tree (git pull?); sync would overwrite those changes.  Keep your commits aside (git -C build/tree branch keep), remove build/tree, run 'make tree' and apply them again (git cherry-pick)"
	mapfile -t commits < <(git -C "$TREE" rev-list --reverse urn-base..HEAD)
	[ "${#commits[@]}" -gt 0 ] || die "build/tree has no commit on urn-base"

	# Every commit names one patch directory, each a different one, and
	# every directory of series.conf has its commit.
	declare -A seen=()
	for c in "${commits[@]}"; do
		d=$(git -C "$TREE" log -1 --format="%(trailers:key=$TRAILER,valueonly)" "$c" | sed '/^$/d')
		[ -n "$d" ] ||
			die "commit $(git -C "$TREE" log -1 --format='%h ("%s")' "$c") has no $TRAILER trailer: for a new patch, create its directory, add it to series.conf and add '$TRAILER: area/name' to the message"
		[ "$(wc -l <<< "$d")" -eq 1 ] ||
			die "commit $(git -C "$TREE" log -1 --format='%h ("%s")' "$c") has more than one $TRAILER trailer"
		[ -z "${seen[$d]:-}" ] ||
			die "commits ${seen[$d]} and $(git -C "$TREE" log -1 --format=%h "$c") both say '$TRAILER: $d': a split patch needs a directory of its own (create it, add it to series.conf, change one trailer)"
		printf '%s\n' "${dirs[@]}" | grep -qxF -- "$d" ||
			die "commit $(git -C "$TREE" log -1 --format=%h "$c") names '$d', which series.conf does not list; add it there first"
		seen[$d]=$(git -C "$TREE" log -1 --format=%h "$c")
	done
	for d in "${dirs[@]}"; do
		[ -n "${seen[$d]:-}" ] ||
			die "series.conf lists $d, but no commit in build/tree names it (squashed or dropped?); remove it from series.conf first"
	done

	for c in "${commits[@]}"; do
		d=$(git -C "$TREE" log -1 --format="%(trailers:key=$TRAILER,valueonly)" "$c" | sed '/^$/d')
		msg=$(git -C "$TREE" log -1 --format=%s "$c")
		step "$d <- $msg"
		mkdir -p "$TOP/$d"
		git -C "$TREE" log -1 --format=%B "$c" | grep -v "^$TRAILER: " |
			sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > "$TOP/$d/message"
		# Owned files, kept whole in files/: those the series creates, that
		# is the files already kept whole and those the commit adds, but
		# never a file of the base (its edits go to edits.diff, so that
		# a newer base's changes to it conflict instead of being lost).
		owned=$( { [ -d "$TOP/$d/files" ] && (cd "$TOP/$d/files" && find . -type f -printf '%P\n');
			   git -C "$TREE" diff --name-only --diff-filter=A "$c^" "$c"; } | sort -u |
			while read -r f; do
				git -C "$TREE" cat-file -e "urn-base:$f" 2>/dev/null || echo "$f"
			done)
		rm -rf "$TOP/$d/files"
		for f in $owned; do
			if git -C "$TREE" cat-file -e "$c:$f" 2>/dev/null; then
				mkdir -p "$TOP/$d/files/$(dirname "$f")"
				git -C "$TREE" show "$c:$f" > "$TOP/$d/files/$f"
				[ "$(git -C "$TREE" ls-tree "$c" -- "$f" | cut -c1-6)" != 100755 ] ||
					chmod +x "$TOP/$d/files/$f"
			fi
		done
		excl=()
		for f in $owned; do excl+=(":(exclude)$f"); done
		git -C "$TREE" diff "$c^" "$c" -- . "${excl[@]}" > "$TOP/$d/edits.diff"
		[ -s "$TOP/$d/edits.diff" ] || rm -f "$TOP/$d/edits.diff"
	done

	# series.conf in the commits' order, its comments, version and previous kept.
	{
		grep -E '^(#|version:|previous:)' "$TOP/series.conf" || true
		for c in "${commits[@]}"; do
			git -C "$TREE" log -1 --format="%(trailers:key=$TRAILER,valueonly)" "$c" | sed '/^$/d'
		done
	} > "$TOP/series.conf.new"
	mv "$TOP/series.conf.new" "$TOP/series.conf"
	folders_hash > "$TREE/.git/urn-folders"
	info "written back; 'make patches' regenerates patches/"
}

case "${1:-}" in
make) cmd_make ;;
sync) cmd_sync ;;
*) die "usage: tree.sh make|sync" ;;
esac
