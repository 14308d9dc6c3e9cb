#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The way between the area folders and a kernel work tree.
#
#   tree.sh make   build/tree: a clone of the base with the series as
#                  commits on branch 'urn' (refuses to replace a tree that
#                  holds uncommitted changes or commits not written back)
#   tree.sh sync   write the commits of build/tree back into the patch
#                  directories of series.conf, one commit per directory
#                  (refuses when build/tree has uncommitted changes or the
#                  area folders have changes git does not have)

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=tree
TREE=${TREE:-$BUILD/tree}

tree_clean() {
	[ -z "$(git -C "$TREE" status --porcelain)" ]
}

cmd_make() {
	local fresh=$BUILD/tree.new
	step "apply the series from the area folders"
	rm -rf "$fresh"
	"$TOP/scripts/series.sh" build "$fresh"
	if [ -d "$TREE/.git" ]; then
		tree_clean ||
			die "build/tree has uncommitted changes; commit them and run 'make sync', or remove build/tree"
		if [ "$(git -C "$TREE" rev-parse HEAD^{tree})" != "$(git -C "$fresh" rev-parse HEAD^{tree})" ]; then
			die "build/tree has commits that the area folders do not have; run 'make sync' first (or remove build/tree to drop them)"
		fi
		step "build/tree already holds the series; reset it to the fresh commits"
		git -C "$TREE" fetch -q "$fresh" HEAD
		git -C "$TREE" checkout -q -B urn FETCH_HEAD
		rm -rf "$fresh"
	else
		[ ! -e "$TREE" ] || die "$TREE exists and is not a git tree"
		mv "$fresh" "$TREE"
		git -C "$TREE" checkout -q -B urn
		rm -f "$TREE/.urn-generated"
	fi
	git -C "$TREE" tag -f urn-base "$(cat "$BUILD/base.commit")" >/dev/null
	info "build/tree: branch urn, $(git -C "$TREE" rev-list --count urn-base..urn) commits on urn-base"
	info "edit, commit (one commit per patch), then 'make sync' to write them back"
}

cmd_sync() {
	local n dirs commits i c d f owned
	[ -d "$TREE/.git" ] || die "no build/tree: run 'make tree' first"
	tree_clean || die "build/tree has uncommitted changes; commit them first (one commit per patch)"
	mapfile -t dirs < <(series_dirs)
	[ -n "$(git -C "$TOP" status --porcelain -- "${dirs[@]}" series.conf)" ] &&
		die "the patch directories have changes that git does not have; commit them first, sync would overwrite them"
	mapfile -t commits < <(git -C "$TREE" rev-list --reverse urn-base..HEAD)
	n=${#dirs[@]}
	[ "${#commits[@]}" -eq "$n" ] ||
		die "build/tree has ${#commits[@]} commits on urn-base but series.conf lists $n patches; add the new directory to series.conf, or squash, first"
	for ((i = 0; i < n; i++)); do
		c=${commits[$i]}
		d=$TOP/${dirs[$i]}
		mkdir -p "$d"
		step "${dirs[$i]} <- $(git -C "$TREE" log -1 --format=%s "$c")"
		git -C "$TREE" log -1 --format=%B "$c" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > "$d/message"
		# Owned files, kept whole in files/: those the series creates, that
		# is the files already kept whole and those the commit adds, but
		# never a file of the base (its edits go to edits.diff, so that
		# a newer base's changes to it conflict instead of being lost).
		owned=$( { [ -d "$d/files" ] && (cd "$d/files" && find . -type f -printf '%P\n');
			   git -C "$TREE" diff --name-only --diff-filter=A "$c^" "$c"; } | sort -u |
			while read -r f; do
				git -C "$TREE" cat-file -e "urn-base:$f" 2>/dev/null || echo "$f"
			done)
		rm -rf "$d/files"
		for f in $owned; do
			if git -C "$TREE" cat-file -e "$c:$f" 2>/dev/null; then
				mkdir -p "$d/files/$(dirname "$f")"
				git -C "$TREE" show "$c:$f" > "$d/files/$f"
				[ "$(git -C "$TREE" ls-tree "$c" -- "$f" | cut -c1-6)" != 100755 ] ||
					chmod +x "$d/files/$f"
			fi
		done
		excl=()
		for f in $owned; do excl+=(":(exclude)$f"); done
		git -C "$TREE" diff "$c^" "$c" -- . "${excl[@]}" > "$d/edits.diff"
		[ -s "$d/edits.diff" ] || rm -f "$d/edits.diff"
	done
	info "written back; 'make patches' regenerates patches/"
}

case "${1:-}" in
make) cmd_make ;;
sync) cmd_sync ;;
*) die "usage: tree.sh make|sync" ;;
esac
