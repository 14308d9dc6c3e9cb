#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh: the series' own checks, one line each, with what failed and why.
#
#   patches     patches/ is what 'make patches' writes from the area folders
#   git-am      git am patches/ applies to the pristine base
#   git-am-rc   git am patches/ applies to the release candidate of the
#               base's version that Debian's experimental suite carries
#               (7.3-rc7), downloaded into the cache once
#   checkpatch  scripts/checkpatch.pl --strict: no error, no warning
#   kernel-doc  scripts/kernel-doc -none -Wall: clean on the files the series
#               adds, no new warning on those it changes
#   sparse      make C=2 on the objects the series touches: no new warning
#   W=1         make W=1 on the objects the series touches: no new warning
#   bisect      every prefix of the series builds (KVM_WERROR=y, KVM_*=m)
#   nodebug     the series builds without the MSR layer's debug option
#   cross       the series' changes to generic code build for arm64, an
#               architecture on the generic entry code (GENERIC_IRQ_ENTRY
#               only) that does not opt in to user-return notifiers, and
#               the objects reference no notifier symbol there (x86_64
#               and riscv64, which opt in, are built and booted by make run)
#   maintainers scripts/get_maintainer.pl's output is the one recorded in
#               MAINTAINERS-notes
#
# sparse, W=1 and bisect read the objects that make run built (make test
# runs make run first); alone, without them, they skip and say so.  The
# rest needs no emulator and no earlier target.
#
# Results: build/results/check.json (results.py's format), details in
# build/logs/check/.  Exit status 1 when a check fails.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=check

# URN_CHECKS="name ...": run only these checks (the tooling test's
# check-first case leaves out the slow ones that make check runs anyway).
wants() {
	[ -z "${URN_CHECKS:-}" ] || [[ " $URN_CHECKS " = *" $1 "* ]]
}

LOG=$BUILD/logs/check
RES=$BUILD/results/check.json
V=$TOP/scripts/verdict
mkdir -p "$LOG" "$BUILD/results"
rm -f "$RES"

"$TOP/scripts/deps.sh" check
"$TOP/scripts/series/base.sh"
base=$(cat "$BUILD/base.commit")

step "patches: regenerate the series and compare with patches/"
# As whoever wrote patches/: its author and sign-off are theirs to choose.
author=$("$TOP/scripts/series/cover.py" author \
	"$TOP/patches/$(head -1 "$TOP/patches/series" 2>/dev/null)" 2>/dev/null || true)
URN_AUTHOR=$author "$TOP/scripts/series/series.sh" patches "$BUILD/out/check-patches" 2>"$LOG/series.log" ||
	{ cat "$LOG/series.log" >&2; die "the series does not build from the area folders"; }
# On a KSRC base, patches/ (formatted on the Debian base) differs in the
# lines that name the base: those are left out of the comparison.
other=()
[ -z "${KSRC:-}" ] || other=(--other-base)
if "$TOP/scripts/series/patchdiff.py" "${other[@]}" "$TOP/patches" "$BUILD/out/check-patches" \
	> "$LOG/patches.diff"; then
	record patches pass "patches/ is what 'make patches' writes${other:+ (the lines naming the base aside: KSRC)}"
else
	record patches fail "patches/ differs from the area folders: run 'make patches' (build/logs/check/patches.diff)"
fi

step "git-am: apply patches/ to the pristine base"
tree=$BUILD/check-tree
generated_tree "$tree" "$base"
mapfile -t pl < <(sed "s|^|$TOP/patches/|" "$TOP/patches/series")
if am_series "$tree" "$TOP/patches" 2> "$LOG/git-am.log"; then
	record git-am pass "${#pl[@]} patches apply to $(cat "$BUILD/base.version")"
else
	record git-am fail "$(grep -m1 '^error: git am stopped' "$LOG/git-am.log" || grep -m1 -E 'error|failed' "$LOG/git-am.log")"
	# The later checks read the series as the area folders make it.
	"$TOP/scripts/series/series.sh" build "$tree"
fi
commits=$(git -C "$tree" rev-list --reverse "$base..HEAD")

# rc_tree DEB: build/check-rc holds the kernel tarball of DEB as one commit,
# tagged urn-rc, checked out clean.  Made anew only when DEB's version
# changes.
rc_tree() {
	local deb=$1 rc=$BUILD/check-rc ver
	ver=$(dpkg-deb -f "$deb" Version) || return 1
	if [ "$(cat "$rc/.git/urn-package" 2>/dev/null)" != "$ver" ]; then
		rm -rf "$rc" "$rc.tmp"
		mkdir -p "$rc.tmp"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -O "./usr/src/$BASE_PKG.tar.xz" |
			tar -xJ -C "$rc.tmp" --strip-components=1 || return 1
		(
			cd "$rc.tmp" &&
			kgit init -q -b rc &&
			kgit add -A -f &&
			kgit commit -q --no-verify -m "Linux $(make -s kernelversion) from Debian $BASE_PKG $ver" &&
			kgit tag urn-rc
		) || return 1
		echo "$ver" > "$rc.tmp/.git/urn-package"
		mv "$rc.tmp" "$rc"
	fi
	if [ -d "$rc/.git/rebase-apply" ]; then git -C "$rc" am --abort; fi
	git -C "$rc" checkout -q -f --detach urn-rc &&
	git -C "$rc" clean -q -f -d -x
}

if wants git-am-rc; then
step "git-am-rc: apply patches/ to Debian experimental's $BASE_VERSION release candidate"
if ! deb=$(debian_deb experimental "$BASE_PKG" "$CACHE/deb-experimental" 2> "$LOG/git-am-rc.log"); then
	record git-am-rc fail "cannot fetch $BASE_PKG from Debian's experimental suite: $(grep -m1 '^error' "$LOG/git-am-rc.log")"
elif ! rc_tree "$deb" >> "$LOG/git-am-rc.log" 2>&1; then
	record git-am-rc fail "cannot unpack $(basename "$deb") into build/check-rc (build/logs/check/git-am-rc.log)"
elif ! kversion=$(make -s -C "$BUILD/check-rc" kernelversion 2>/dev/null) ||
     [[ "$kversion" != "$BASE_VERSION".0-rc* ]]; then
	record git-am-rc fail "experimental's $BASE_PKG is Linux ${kversion:-?}, not a $BASE_VERSION release candidate"
elif am_series "$BUILD/check-rc" "$TOP/patches" 2>> "$LOG/git-am-rc.log"; then
	record git-am-rc pass "${#pl[@]} patches apply to Linux $kversion (Debian $BASE_PKG $(dpkg-deb -f "$deb" Version))"
else
	record git-am-rc fail "$(grep -m1 '^error: git am stopped' "$LOG/git-am-rc.log" || grep -m1 -E 'error|failed' "$LOG/git-am-rc.log")"
fi
fi

# uncovered PATCH: true when every file PATCH adds has a maintainer in the
# patched tree's MAINTAINERS (not only the fallback list).
uncovered() {
	local f
	for f in $(sed -n 's|^+++ b/||p' "$1" | sort -u); do
		grep -q "^--- /dev/null" <(sed -n "\|^diff --git a/$f |,/^+++ /p" "$1") || continue
		(cd "$tree" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
			--nol --no-rolestats -f "$f" 2>/dev/null) | grep -q . || return 1
	done
	return 0
}

# verified_ids PATCH: the ids of the upstream commits that PATCH cites, in
# its tags or as 'commit ID ("subject")' in its changelog (over line
# breaks), one a line, each listed with the subject it quotes in
# scripts/series/upstream-commits (the base tarball has no history for
# checkpatch to look them up in).  Fails if a citation's id or subject is
# not listed so.
verified_ids() {
	local id subj
	while IFS=$'\t' read -r id subj; do
		grep -qxF "$id $subj" "$TOP/scripts/series/upstream-commits" || return 1
		echo "$id"
	done < <(sed -nE 's/^[A-Za-z-]+: ([0-9a-f]{12}) \("(.*)"\)$/\1\t\2/p' "$1"
		 sed '/^---$/q' "$1" | tr '\n' ' ' | tr -s ' ' |
			grep -oE 'commit [0-9a-f]{12} \("[^"]*"\)' |
			sed -E 's/^commit ([0-9a-f]{12}) \("(.*)"\)$/\1\t\2/' || true)
}

if wants checkpatch; then
step "checkpatch --strict on every patch"
bad=
: > "$LOG/checkpatch.log"
for p in "${pl[@]}"; do
	# Debian's python3 has ply, which spdxcheck.py needs.
	out=$(cd "$tree" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict --terse --show-types "$p" 2>&1 || true)
	echo "$out" | sed "s|^|$(basename "$p"): |" >> "$LOG/checkpatch.log"
	# "Does MAINTAINERS need updating?" is answered, not ignored: it
	# stands only if a file the patch adds has no maintainer.
	if grep -q ':FILE_PATH_CHANGES:' <<< "$out" && uncovered "$p"; then
		out=$(grep -v ':FILE_PATH_CHANGES:' <<< "$out")
		echo "$(basename "$p"): FILE_PATH_CHANGES answered: MAINTAINERS covers every file it adds" >> "$LOG/checkpatch.log"
	fi
	# Only the warnings about an id cited with its listed subject are
	# answered; any other stands (another form of citation, an id cited
	# without its subject, or beside a listed one).
	if grep -q ':UNKNOWN_COMMIT_ID:' <<< "$out" && ids=$(verified_ids "$p") && [ -n "$ids" ]; then
		out=$(grep -vF -f <(sed "s/.*/:UNKNOWN_COMMIT_ID: Unknown commit id '&'/" <<< "$ids") <<< "$out" || true)
		echo "$(basename "$p"): UNKNOWN_COMMIT_ID answered for $(echo $ids): cited with their subjects as in scripts/series/upstream-commits" >> "$LOG/checkpatch.log"
	fi
	n=$(grep -cE ': (ERROR|WARNING):' <<< "$out" || true)
	[ "$n" -eq 0 ] || bad="$bad $(basename "$p") ($n)"
done
checks=$(grep -c ': CHECK:' "$LOG/checkpatch.log" || true)
if [ -z "$bad" ]; then
	record checkpatch pass "no error or warning in ${#pl[@]} patches; $checks CHECK (build/logs/check/checkpatch.log)"
else
	record checkpatch fail "errors or warnings in:$bad (build/logs/check/checkpatch.log)"
fi
fi

added=$(git -C "$tree" diff --name-only --diff-filter=A "$base" HEAD)
touched_c=$(git -C "$tree" diff --name-only --diff-filter=AM "$base" HEAD -- '*.c' |
	grep -v -e '^tools/' -e '^Documentation/' || true)

step "kernel-doc on the files the series adds or changes"
# Added files must be clean; a changed file may keep the base's warnings,
# not gain any (compared without line numbers).
kdoc() {	# dir file: kernel-doc of the patched tree on DIR/FILE
	(cd "$1" && python3 "$tree/scripts/kernel-doc" -none -Wall "$2" 2>&1) |
		sed -E 's/:[0-9]+([: ])/:\1/' | sort
}
modified=$(git -C "$tree" diff --name-only --diff-filter=M "$base" HEAD -- '*.c' '*.h' |
	grep -v -e '^tools/' -e '^Documentation/' || true)
kd=$(for f in $added; do
	case "$f" in tools/*) continue ;; *.c|*.h) kdoc "$tree" "$f" ;; esac
done
basefiles=$BUILD/out/check-base-files
rm -rf "$basefiles"
for f in $modified; do
	mkdir -p "$basefiles/$(dirname "$f")"
	git -C "$tree" show "$base:$f" > "$basefiles/$f"
	comm -13 <(kdoc "$basefiles" "$f") <(kdoc "$tree" "$f")
done)
echo "$kd" > "$LOG/kernel-doc.log"
if [ -z "$kd" ]; then
	record kernel-doc pass "clean on $(wc -w <<< "$added") added files, no new warning on $(wc -w <<< "$modified") changed ones"
else
	record kernel-doc fail "$(grep -c . <<< "$kd") warnings (build/logs/check/kernel-doc.log)"
fi

# Objects the series touches that the test config builds.
objs_of() {	# out
	local f o
	for f in $touched_c; do
		o=${f%.c}.o
		if [ -f "$1/$o" ]; then echo "$o"; fi
	done
}

# warn_count SRC OUT FLAG OBJS... [VAR=VALUE]: the compiler's and checker's
# warnings on OBJS, one per line, without line numbers, sorted; and make's
# own warnings (a checker that did not run).
warn_count() {
	local src=$1 out=$2 flag=$3
	shift 3
	[ $# -gt 0 ] || return 0
	make -s -C "$src" O="$out" -j"$JOBS" ARCH=x86 "$flag" "$@" 2>&1 |
		grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error)|Makefile:[0-9]+: .*not available' |
		drop_modinfo_noise | sed -E 's/:[0-9]+:[0-9]+:/:/' | sort || true
}

# Debian 12's sparse reports 'bad constant expression' on every MODULE_*() and
# module_param*() line of 7.3 (58 times in the base's objects here): drop
# that one message on those lines, and only there.
drop_modinfo_noise() {
	local line file no
	while IFS= read -r line; do
		if [[ $line =~ ^([^:]+):([0-9]+):[0-9]+:\ error:\ bad\ constant\ expression$ ]]; then
			file=${BASH_REMATCH[1]}
			no=${BASH_REMATCH[2]}
			if sed -n "${no}p" "$file" 2>/dev/null | grep -qE '^(MODULE_[A-Z_]*|module_param[a-z_]*)\('; then
				continue
			fi
		fi
		printf '%s\n' "$line"
	done
}

# sparse, W=1 and bisect build in make run's tree and objects (build/src,
# build/o), so that they rebuild only what differs.
src=$BUILD/src
O=$BUILD/o
have_build=
if [ -d "$src/.git" ] && [ -f "$O/vmlinux" ] &&
   [ "$(git -C "$src" rev-parse HEAD^{tree})" = "$(git -C "$tree" rev-parse HEAD^{tree})" ]; then
	have_build=1
	head=$(git -C "$src" rev-parse HEAD)
fi

step "sparse and W=1 on the objects the series touches"
objs=$([ -z "$have_build" ] || objs_of "$O")
if [ -z "$have_build" ]; then
	record sparse skip "needs the objects of make run (make test runs both)"
	record W=1 skip "needs the objects of make run (make test runs both)"
elif [ -z "$objs" ]; then
	record sparse fail "the series touches no object that the test kernel builds"
	record W=1 fail "the series touches no object that the test kernel builds"
else
	# The same objects at the base, where they exist: only what the
	# series adds counts.
	# Debian 12's sparse (0.6.4) predates __typeof_unqual__, and the
	# kernel then turns C=2 off with a warning: teach it the keyword as
	# __typeof__.  Both sides of the comparison see the same stand-in.
	sparse_cmd="CHECK=sparse -D__typeof_unqual__=__typeof__"
	run_kind() {	# kind objs...
		local kind=$1
		shift
		if [ "$kind" = sparse ]; then
			warn_count "$src" "$O" "C=2" "$@" "$sparse_cmd"
		else
			warn_count "$src" "$O" "W=1" "$@"
		fi
	}
	for kind in sparse W=1; do
		run_kind "$kind" $objs > "$LOG/$kind.series.log"
	done
	git -C "$src" checkout -q --detach "$base"
	base_objs=$(for o in $objs; do if [ -f "$src/${o%.o}.c" ]; then echo "$o"; fi; done)
	for kind in sparse W=1; do
		run_kind "$kind" $base_objs > "$LOG/$kind.base.log"
	done
	git -C "$src" checkout -q --detach "$head"
	for kind in sparse W=1; do
		if grep -q 'not available or not up to date' "$LOG/$kind.series.log"; then
			record "$kind" skip "the checker did not run: $(grep -m1 'not available' "$LOG/$kind.series.log")"
			continue
		fi
		extra=$(comm -23 "$LOG/$kind.series.log" "$LOG/$kind.base.log" | sed '/^$/d')
		if [ -z "$extra" ]; then
			record "$kind" pass "no new warning on $(wc -w <<< "$objs") objects"
		else
			echo "$extra" > "$LOG/$kind.new.log"
			record "$kind" fail "$(grep -c . <<< "$extra") new warnings, first: $(head -1 <<< "$extra")"
		fi
	done
fi

step "maintainers: get_maintainer.pl against MAINTAINERS-notes"
# --no-fixes: the base has no history in which to find the signers of the
# commits that Fixes: tags name (scripts/series/upstream-commits).
gm=$(cd "$tree" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
	--no-rolestats --no-fixes "${pl[@]}" 2>&1 | sort)
echo "$gm" > "$LOG/get_maintainer.log"
recorded=$(sed -n '/^get_maintainer-begin$/,/^get_maintainer-end$/p' "$TOP/MAINTAINERS-notes" 2>/dev/null |
	sed '1d;$d' | sed 's/^\t//' | sort)
if [ -n "$gm" ] && [ "$gm" = "$recorded" ]; then
	record maintainers pass "MAINTAINERS-notes holds get_maintainer.pl's $(grep -c . <<< "$gm") lines"
else
	record maintainers fail "MAINTAINERS-notes does not hold get_maintainer.pl's output (now: build/logs/check/get_maintainer.log)"
fi

step "bisect: every prefix of the series builds"
# make test's make run built the prefixes on its way from the base to the
# series (bisect.sh, URN_BISECT=1), then the series, and wrote each
# result; any other make run removes them.  Without them, build the
# prefixes here in make run's objects, then the series again.
if [ -z "$have_build" ]; then
	record bisect skip "needs the objects of make run (make test builds each prefix on its way)"
else
	n=$(git -C "$src" rev-list --count "$base..$head")
	results=$BUILD/bisect/$head
	if [ -f "$results" ]; then
		info "make run built the $((n - 1)) prefixes before the whole series: build/logs/bisect/"
	else
		"$TOP/scripts/build/bisect.sh" "$src" "$O"
		info "prefix $n/$n: the whole series"
		if "$TOP/scripts/build/kbuild.sh" "$src" "$O" - "$TOP/scripts/build/x86-series.config" \
			> "$BUILD/logs/bisect/$n.log" 2>&1; then
			echo "$n pass built the whole series" >> "$results"
		else
			echo "$n fail built the whole series" >> "$results"
		fi
	fi
	bad=$(awk '$2 != "pass" { printf " %s", $1 }' "$results")
	if [ "$(grep -c . "$results")" -ne "$n" ]; then
		record bisect fail "$(grep -c . "$results") of the $n prefixes have a result (build/bisect/$head)"
	elif [ -n "$bad" ]; then
		record bisect fail "prefixes that do not build:$bad (build/logs/bisect/)"
	else
		record bisect pass "each of the $n prefixes builds (KVM_INTEL=m KVM_AMD=m KVM_WERROR=y; $(grep -c ' same-kernel ' "$results") of them change only tools/, Documentation/, MAINTAINERS or another architecture: not rebuilt for x86)"
	fi
fi

if wants nodebug; then
step "nodebug: the series builds without the MSR layer's debug option"
# The test kernels have CONFIG_X86_USER_RETURN_MSRS_DEBUG; production
# kernels do not, and the layer's fast paths differ with it.  bisect.sh
# builds the series once more without it, after the prefixes.
if [ -z "$have_build" ]; then
	record nodebug skip "needs the objects of make run (make test builds it after the prefixes)"
else
	case $(cat "$BUILD/bisect/$head.nodebug" 2>/dev/null) in
	pass)	record nodebug pass "the series builds without CONFIG_X86_USER_RETURN_MSRS_DEBUG (x86-nodebug.config)" ;;
	fail)	record nodebug fail "the series does not build without CONFIG_X86_USER_RETURN_MSRS_DEBUG (build/logs/bisect/nodebug.log)" ;;
	*)	record nodebug fail "no result of the build without the debug option (build/bisect/$head.nodebug)" ;;
	esac
fi
fi

if wants cross; then
step "cross: the generic changes build for arm64, which does not opt in"
# Not a whole kernel: the objects that the series' generic changes reach
# on arm64 (the scheduler's context switch, the generic entry code and
# arm64's use of it); each must compile, and none may reference a
# notifier symbol where the notifier is not selected, which is what a link
# would find.
out=$BUILD/o-arm64
cross_objs="kernel/sched/core.o kernel/entry/ arch/arm64/kernel/entry-common.o"
info "arm64: tinyconfig + scripts/build/arm64.config in ${out#$TOP/}: $cross_objs"
if ! KBUILD_TARGETS="$cross_objs" "$TOP/scripts/build/kbuild.sh" -a arm64 "$tree" "$out" - \
	"$TOP/scripts/build/arm64.config" > "$LOG/cross-arm64.log" 2>&1; then
	record cross fail "does not build for arm64: $(grep -m1 -E 'error:|Error' "$LOG/cross-arm64.log" || echo see build/logs/check/cross-arm64.log)"
elif grep -q '^CONFIG_USER_RETURN_NOTIFIER=y' "$out/.config"; then
	record cross fail "arm64 has USER_RETURN_NOTIFIER=y: the architecture opted in"
else
	refs=$(find "$out/kernel/sched/core.o" "$out/kernel/entry" \
		"$out/arch/arm64/kernel/entry-common.o" -name '*.o' -print0 |
		xargs -0 aarch64-linux-gnu-nm -u 2>/dev/null |
		grep -E 'user_return_notifier|fire_user_return' | sort -u || true)
	n=$(find "$out/kernel/sched/core.o" "$out/kernel/entry" \
		"$out/arch/arm64/kernel/entry-common.o" -name '*.o' | grep -c .)
	if [ -n "$refs" ]; then
		record cross fail "arm64 objects reference the notifier it does not have: $(echo $refs)"
	else
		record cross pass "$n arm64 objects build without USER_RETURN_NOTIFIER and reference none of it"
	fi
fi
fi

rc=0
write_results "make check" "$RES" check || rc=1
# Alone, make check ends with a verdict of its own; make test counts its
# results with the rest.
if [ -z "${URN_IN_TEST:-}" ]; then
	step "summary"
	"$V/results.py" summary "" "$RES" --expect "$V/expected/check.list" \
		--skips "$V/expected-skips.list" --context check-alone || rc=1
fi
exit "$rc"
