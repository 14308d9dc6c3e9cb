#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tooling-test.sh [OUT.json]: the project's own scripts, fed bad input.
#
# Runs in a scratch copy of the project (the files git tracks, as they are
# in the work tree) with a build/ of its own, a private cache, and a small
# base: the base tree's Makefile and the files the series edits, in a git
# tree given as KSRC.  No kernel is built or booted.  Each case checks the
# message and that nothing was lost: the area folders, patches/ and
# build/tree (its commits and files) are compared before and after.
#
#   dirty-tree      make tree and make sync refuse a build/tree with
#                   uncommitted changes
#   unsynced        make tree refuses to replace a build/tree holding a
#                   reworded commit not written back, and names it
#   roundtrip       make tree; rebase -i: reword one commit, drop one (its
#                   directory out of series.conf, removed after the sync),
#                   reorder two, split one (its new directory in
#                   series.conf); make sync; make patches: the patches
#                   apply with git am and give build/tree's tree, with the
#                   new subject, order and split
#   pulled          make sync refuses when the area folders changed since
#                   make tree (a git pull)
#   hand-edit       make patches refuses to overwrite a hand-edited patches/
#   wrong-ksrc      a KSRC that is not 7.3, or not a git tree, is refused
#   no-network      the first run without network ends with a message
#                   naming KSRC, and leaves no half-made base
#   lock            a second target waits for the first, and says so
#   root-owned      a build/ that root made, used by another user, is refused
#                   with how to take it back (run as root only)
#   arch            an exported ARCH/CROSS_COMPILE does not reach the scripts
#   gitconfig       diff.orderFile and format.signOff in the user's git
#                   config leave patches/ byte-identical
#   check-first     make check before make run (the real base as KSRC):
#                   the build checks skip saying they need make run, the
#                   rest pass
#
# Results in results.py's format in OUT.json (default build/results/tooling.json).

. "$(dirname "$0")/../lib.sh"
STEP_PREFIX=tooling

out_json=${1:-$BUILD/results/tooling.json}
mkdir -p "$(dirname "$out_json")"
"$TOP/scripts/series/base.sh"
base=$(cat "$BUILD/base.commit")

W=$(mktemp -d "${TMPDIR:-/tmp}/urn-tooling.XXXXXX")
trap 'rm -rf "$W"' EXIT
LOG=$BUILD/logs/tooling
rm -rf "$LOG"
mkdir -p "$LOG"

result() {	# case pass|fail why
	record "$@" >&2
	[ "$2" != fail ] || echo "$1: $3" >> "$LOG/failures"
}

step "a small base: the Makefile and the files the series edits"
mini=$W/base
mkdir -p "$mini"
files=$(cat "$TOP"/*/*/edits.diff | sed -n 's|^--- a/||p' | sort -u)
# shellcheck disable=SC2086
files=$(git -C "$BUILD/base" ls-tree -r --name-only "$base" -- Makefile $files)
# shellcheck disable=SC2086
git -C "$BUILD/base" archive "$base" -- $files | tar -x -C "$mini"
(cd "$mini" && git init -q -b base && git add -A -f &&
	git -c user.name=t -c user.email=t@t commit -q -m "small base")

# The scratch project: what git tracks, as it is now.
scratch_copy() {	# scratch_copy DIR: DIR holds a git tree of the project
	mkdir -p "$1"
	(cd "$TOP" && git ls-files -z | xargs -0 -I{} cp --parents -a {} "$1/")
	(cd "$1" && git init -q -b main && git add -A &&
		git -c user.name=t -c user.email=t@t commit -q -m "scratch copy")
}
P=$W/proj
scratch_copy "$P"

# run NAME CMD...: CMD in the scratch project, its own lock and cache,
# output in the log; the exit status is kept.
run() {
	local name=$1
	shift
	(cd "$P" && env -u URN_LOCKED BUILD="$P/build" KSRC="$mini" URN_CACHE="$W/cache" \
		URN_AUTHOR="urn-series <urn-series@example.org>" "$@") >> "$LOG/$name.log" 2>&1
}

# What may not be lost: area folders, patches/, build/tree's refs and files.
snapshot() {
	(cd "$P" && { git ls-files -z | xargs -0 sha256sum
		      find patches -type f | sort | xargs sha256sum
		      if [ -d build/tree/.git ]; then
			      git -C build/tree for-each-ref
			      git -C build/tree status --porcelain
			      git -C build/tree diff
		      fi; } 2>/dev/null | sha256sum)
}

tree_git() { git -C "$P/build/tree" -c user.name=t -c user.email=t@t "$@"; }

step "build/tree of the scratch project"
if ! run setup make tree; then
	result setup fail "make tree failed in the scratch project (build/logs/tooling/setup.log)"
fi

# dirty-tree
if [ -d "$P/build/tree/.git" ]; then
	echo "/* local change */" >> "$P/build/tree/Makefile"
	before=$(snapshot)
	run dirty-tree make tree && r1=0 || r1=$?
	run dirty-tree make sync && r2=0 || r2=$?
	if [ "$r1" -ne 0 ] && [ "$r2" -ne 0 ] && [ "$before" = "$(snapshot)" ] &&
	   [ "$(grep -c 'uncommitted changes' "$LOG/dirty-tree.log")" -ge 2 ]; then
		result dirty-tree pass "make tree and make sync refuse, nothing changed"
	else
		result dirty-tree fail "make tree rc=$r1, make sync rc=$r2, see build/logs/tooling/dirty-tree.log"
	fi
	tree_git checkout -q -- Makefile
fi

# unsynced: reword the last commit, then make tree.
if [ -d "$P/build/tree/.git" ]; then
	msg=$(tree_git log -1 --format=%B)
	tree_git commit -q --amend -m "$(sed '1s/$/ (reworded)/' <<< "$msg")"
	before=$(snapshot)
	run unsynced make tree && r=0 || r=$?
	n=$(tree_git rev-list --count urn-base..HEAD)
	if [ "$r" -ne 0 ] && [ "$before" = "$(snapshot)" ] &&
	   grep -q "from its commit $n: .*(reworded)" "$LOG/unsynced.log"; then
		result unsynced pass "make tree refuses and names commit $n, build/tree kept"
	else
		result unsynced fail "make tree rc=$r, see build/logs/tooling/unsynced.log"
	fi
	tree_git commit -q --amend -m "$msg"
fi

# roundtrip: reword, reorder, split; sync; patches; git am gives the same tree.
if [ -d "$P/build/tree/.git" ]; then
	mapfile -t c < <(tree_git rev-list --reverse urn-base..HEAD)
	n=${#c[@]}
	# Reword commit 1; drop the riscv patch (no later patch touches its
	# file); swap the last two; split the last one's first file into a
	# commit of its own, with a new directory.
	last=${c[$((n - 1))]}
	prev=${c[$((n - 2))]}
	split_file=$(tree_git diff --name-only "$last^" "$last" | head -1)
	newdir=selftests/tooling-test-split
	drop=$(tree_git log --format=%H --grep='^riscv: ' urn-base..HEAD | head -1)
	dropdir=$(tree_git log -1 --format='%(trailers:key=Urn-Dir,valueonly)' "$drop" | sed '/^$/d')
	ok=1
	# A subshell: the loop's exit leaves it, not the test.
	(
		tree_git checkout -q --detach "${c[0]}^" &&
		tree_git cherry-pick "${c[0]}" >/dev/null &&
		tree_git commit -q --amend -m "$(tree_git log -1 --format=%B | sed '1s/.*/& (reworded in the round trip)/')" &&
		[ -n "$dropdir" ] &&
		for ((i = 1; i < n - 2; i++)); do
			[ "${c[$i]}" != "$drop" ] || continue
			tree_git cherry-pick "${c[$i]}" >/dev/null || exit 1
		done &&
		tree_git cherry-pick --no-commit "$last" &&
		tree_git restore --staged -- "$split_file" &&
		tree_git commit -q -C "$last" &&
		tree_git add -f -- "$split_file" &&
		tree_git commit -q -m "selftests: the split-off file

Signed-off-by: urn-series <urn-series@example.org>
Urn-Dir: $newdir" &&
		tree_git cherry-pick "$prev" >/dev/null &&
		tree_git branch -q -f urn HEAD && tree_git checkout -q urn
	) >> "$LOG/roundtrip.log" 2>&1 || ok=
	if [ -n "$ok" ]; then
		want_tree=$(tree_git rev-parse HEAD^{tree})
		want_subjects=$(tree_git log --reverse --format=%s urn-base..HEAD)
		# As the README says: the new directory goes into series.conf and
		# the dropped one out of it, committed, before sync; the dropped
		# directory is removed after.
		echo "$newdir" >> "$P/series.conf"
		sed -i "\|^$dropdir\$|d" "$P/series.conf"
		mkdir -p "$P/$newdir"
		(cd "$P" && git add series.conf && git -c user.name=t -c user.email=t@t commit -q -m "new patch directory, one dropped")
		if run roundtrip make sync; then
			(cd "$P" && git rm -q -r "$dropdir" && git add -A &&
			 git -c user.name=t -c user.email=t@t commit -q -m synced)
			[ ! -e "$P/$dropdir" ] && ! grep -qxF "$dropdir" "$P/series.conf" ||
				{ echo "$dropdir still there" >> "$LOG/roundtrip.log"; ok=; }
			# Each commit went into the directory its trailer names.
			misplaced=$(for x in $(tree_git rev-list urn-base..HEAD); do
				d=$(tree_git log -1 --format='%(trailers:key=Urn-Dir,valueonly)' "$x" | sed '/^$/d')
				[ "$(head -1 "$P/$d/message")" = "$(tree_git log -1 --format=%s "$x")" ] || echo "$d"
			done)
			[ -z "$misplaced" ] || { echo "misplaced: $misplaced" >> "$LOG/roundtrip.log"; ok=; }
			if run roundtrip make patches; then
				am=$W/am
				git clone -q --shared "$mini" "$am"
				if am_series "$am" "$P/patches" >> "$LOG/roundtrip.log" 2>&1 &&
				   [ "$(git -C "$am" rev-parse HEAD^{tree})" = "$want_tree" ] &&
				   [ "$(git -C "$am" log --reverse --format=%s "HEAD~$(grep -c . "$P/patches/series")..HEAD")" = "$want_subjects" ] &&
				   [ -n "$ok" ]; then
					result roundtrip pass "reword, drop, reorder and split survive make sync (each commit in its own directory) and make patches (git am gives build/tree's tree and subjects)"
				else
					result roundtrip fail "a commit in the wrong directory, or patches/ does not give build/tree's tree or subjects (build/logs/tooling/roundtrip.log)"
				fi
			else
				result roundtrip fail "make patches failed after the sync (build/logs/tooling/roundtrip.log)"
			fi
		else
			result roundtrip fail "make sync failed (build/logs/tooling/roundtrip.log)"
		fi
	else
		result roundtrip fail "could not rewrite build/tree with git (build/logs/tooling/roundtrip.log)"
	fi
fi

# pulled: the area folders change (as with git pull) after make tree.
if [ -d "$P/build/tree/.git" ]; then
	run pulled make tree || true
	d=$(sed -n '/^[^#]*\//{p;q}' "$P/series.conf")
	echo "pulled change" >> "$P/$d/message"
	(cd "$P" && git add -A && git -c user.name=t -c user.email=t@t commit -q -m "pulled")
	before=$(snapshot)
	run pulled make sync && r=0 || r=$?
	if [ "$r" -ne 0 ] && [ "$before" = "$(snapshot)" ] && grep -q "changed since 'make tree'" "$LOG/pulled.log"; then
		result pulled pass "make sync refuses to overwrite folders changed since make tree"
	else
		result pulled fail "make sync rc=$r (build/logs/tooling/pulled.log)"
	fi
	(cd "$P" && git -c user.name=t -c user.email=t@t revert --no-edit HEAD >/dev/null) || true
fi

# hand-edit: a hand edit in patches/ survives make patches.
echo "hand edit" >> "$P/patches/series"
before=$(snapshot)
run hand-edit make patches && r=0 || r=$?
if [ "$r" -ne 0 ] && [ "$before" = "$(snapshot)" ] && grep -q "neither git nor 'make patches' made" "$LOG/hand-edit.log"; then
	result hand-edit pass "make patches refuses, patches/ kept"
else
	result hand-edit fail "make patches rc=$r (build/logs/tooling/hand-edit.log)"
fi
(cd "$P" && git checkout -q -- patches)

# wrong-ksrc: not 7.3; not a git tree.
bad=$W/bad-ksrc
mkdir -p "$bad"
printf 'VERSION = 6\nPATCHLEVEL = 1\n' > "$bad/Makefile"
(cd "$P" && env -u URN_LOCKED BUILD="$W/build-bad" KSRC="$bad" scripts/series/base.sh) > "$LOG/wrong-ksrc.log" 2>&1 && r1=0 || r1=$?
(cd "$bad" && git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -q -m x)
(cd "$P" && env -u URN_LOCKED BUILD="$W/build-bad" KSRC="$bad" scripts/series/base.sh) >> "$LOG/wrong-ksrc.log" 2>&1 && r2=0 || r2=$?
if [ "$r1" -ne 0 ] && [ "$r2" -ne 0 ] && grep -q "not a git tree" "$LOG/wrong-ksrc.log" &&
   grep -q "not $BASE_VERSION" "$LOG/wrong-ksrc.log" && [ ! -e "$W/build-bad/base" ]; then
	result wrong-ksrc pass "refused: not a git tree; not $BASE_VERSION"
else
	result wrong-ksrc fail "base.sh rc=$r1/$r2 (build/logs/tooling/wrong-ksrc.log)"
fi

# no-network: apt-get fails as it does offline; no KSRC, an empty cache.
mkdir -p "$W/offline"
printf '#!/bin/sh\necho "E: Failed to fetch (simulated: no network)" >&2\nexit 100\n' > "$W/offline/apt-get"
chmod +x "$W/offline/apt-get"
(cd "$P" && env -u URN_LOCKED -u KSRC PATH="$W/offline:$PATH" BUILD="$W/build-offline" \
	URN_CACHE="$W/cache-offline" scripts/series/base.sh) > "$LOG/no-network.log" 2>&1 && r=0 || r=$?
if [ "$r" -ne 0 ] && grep -q "no network? set KSRC" "$LOG/no-network.log" &&
   [ ! -e "$W/build-offline/base" ] && [ ! -e "$W/build-offline/base.tmp" ]; then
	result no-network pass "ends with a message naming KSRC, no half-made base"
else
	result no-network fail "base.sh rc=$r (build/logs/tooling/no-network.log)"
fi

# lock: a second target while the first holds build/.lock.
mkdir -p "$P/build"
(exec 9>>"$P/build/.lock"; flock 9; echo "pid $$: test holder" > "$P/build/.lock.who"; sleep 4) &
holder=$!
sleep 1
start=$(date +%s)
run lock scripts/series/tree.sh sync || true
waited=$(( $(date +%s) - start ))
wait "$holder" || true
if grep -q "waiting: another target runs" "$LOG/lock.log" && [ "$waited" -ge 2 ]; then
	result lock pass "the second target waited ${waited}s and said so"
else
	result lock fail "no wait or no message (${waited}s; build/logs/tooling/lock.log)"
fi

# root-owned: a build/ made by root, used by another user (as root only).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$W" "$P"
	mkdir -p "$W/build-root"
	(cd "$P" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		env -u URN_LOCKED HOME=/nonexistent BUILD="$W/build-root" URN_CACHE="$W/cache-nobody" \
		scripts/series/series.sh build "$W/build-root/x") > "$LOG/root-owned.log" 2>&1 && r=0 || r=$?
	if [ "$r" -ne 0 ] && grep -q "belongs to root, not to you" "$LOG/root-owned.log" &&
	   [ ! -e "$W/build-root/x" ]; then
		result root-owned pass "a build/ made by root is refused with how to take it back"
	else
		result root-owned fail "rc=$r (build/logs/tooling/root-owned.log)"
	fi
else
	result root-owned skip "needs root and setpriv to make a build/ of another user"
fi

# check-first: make check before any make run, against the real base
# (read-only, as KSRC): the checks that need make run's objects skip and
# say so, the others pass, and make check succeeds.  checkpatch and the
# arm64 build are left out (URN_CHECKS): make check runs them anyway.  In a
# copy of its own: the cases above leave theirs changed (hand-edit).
scratch_copy "$W/proj-check"
(cd "$W/proj-check" && env -u URN_LOCKED BUILD="$W/build-check" KSRC="$BUILD/base" URN_CACHE="$W/cache" \
	URN_IN_TEST=1 URN_CHECKS="patches git-am kernel-doc maintainers sparse W=1 bisect nodebug" \
	scripts/check.sh) > "$LOG/check-first.log" 2>&1 && r=0 || r=$?
cj=$W/build-check/results/check.json
if [ "$r" -eq 0 ] && [ -f "$cj" ] && python3 "$TOP/scripts/tooling/check-first.py" "$cj"; then
	result check-first pass "make check before make run: the build checks skip saying they need make run, the rest pass (KSRC base)"
else
	result check-first fail "check.sh rc=$r (build/logs/tooling/check-first.log)"
fi

# arch: the user's ARCH and CROSS_COMPILE do not reach the scripts.
got=$(cd "$P" && env -u URN_LOCKED BUILD="$P/build" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- LLVM=1 \
	bash -c '. scripts/lib.sh; echo "${ARCH:-unset} ${CROSS_COMPILE:-unset} ${LLVM:-unset}"' 2>&1)
if [ "$got" = "unset unset unset" ] && grep -q '^arch=x86$' "$TOP/scripts/build/kbuild.sh" &&
   grep -q 'ARCH=\$arch CROSS_COMPILE=\$cross' "$TOP/scripts/build/kbuild.sh"; then
	result arch pass "lib.sh clears ARCH, CROSS_COMPILE and LLVM; kbuild.sh names ARCH and CROSS_COMPILE (x86 by default)"
else
	result arch fail "the scripts saw '$got'"
fi

# gitconfig: a user's diff.orderFile and format.signOff change nothing.
run gitconfig scripts/series/series.sh patches "$W/p-clean" || true
home=$W/home
mkdir -p "$home"
printf 'MAINTAINERS\n*.c\n' > "$home/order"
printf '[diff]\n\torderFile = %s\n[format]\n\tsignOff = true\n\tnumbered = true\n[user]\n\tname = Someone Else\n\temail = else@example.org\n' \
	"$home/order" > "$home/.gitconfig"
HOME=$home XDG_CONFIG_HOME=$home run gitconfig scripts/series/series.sh patches "$W/p-user" || true
if [ -f "$W/p-clean/series" ] && diff -r "$W/p-clean" "$W/p-user" >> "$LOG/gitconfig.log" 2>&1; then
	result gitconfig pass "patches byte-identical with diff.orderFile and format.signOff set"
else
	result gitconfig fail "the patches differ (build/logs/tooling/gitconfig.log)"
fi

write_results tooling "$out_json" tooling
