#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bisect.sh SRC O
#
# Build every prefix of the series that SRC has checked out, the whole
# series excepted (the caller builds that), in the objects O, one after the
# other, so that each build recompiles what its patch changes; then check
# the whole series out again and build it without the MSR layer's debug
# option only (see below; the caller builds it with).  A patch that changes nothing
# outside tools/, Documentation/ and MAINTAINERS leaves the kernel as the
# prefix before it, and so does one that changes only another
# architecture: its prefix takes that one's result instead of a build that
# would do nothing.
#
# Results: build/bisect/HEAD's commit, a line per prefix "N pass|fail
# built|same-kernel subject"; logs in build/logs/bisect/.  make run runs
# it under make test (URN_BISECT=1), on its way from the base kernel to
# the series', where the prefixes cost only what separates them; make
# check reads the results for the commit it checks, or runs this itself.
# Then the whole series once more, without the MSR layer's debug option
# (x86-nodebug.config), which the test kernels have: only what uses the
# option is compiled again.  Its result: build/bisect/HEAD's commit.nodebug.

. "$(dirname "$0")/../lib.sh"
STEP_PREFIX=bisect

[ $# -eq 2 ] || die "usage: bisect.sh SRC O"
src=$1
O=$2
base=$(cat "$BUILD/base.commit")
head=$(git -C "$src" rev-parse HEAD)
[ "$(git -C "$src" merge-base "$base" "$head")" = "$base" ] ||
	die "${src#$TOP/} does not hold the series on the base $base"

log=$BUILD/logs/bisect
out=$BUILD/bisect
rm -rf "$log" "$out"
mkdir -p "$log" "$out"
n=$(git -C "$src" rev-list --count "$base..$head")
i=0
prev=pass
for c in $(git -C "$src" rev-list --reverse "$base..$head"); do
	i=$((i + 1))
	[ "$i" -lt "$n" ] || break
	subject=$(git -C "$src" log -1 --format=%s "$c")
	if git -C "$src" diff --quiet "$c^" "$c" -- . ':(exclude)tools' \
		':(exclude)Documentation' ':(exclude)MAINTAINERS' \
		':(exclude,glob)arch/[!x]*/**'; then
		info "prefix $i/$n: $subject: the kernel of the prefix before"
		echo "$i $prev same-kernel $subject" >> "$out/$head"
		continue
	fi
	git -C "$src" checkout -q --detach "$c"
	info "prefix $i/$n: $subject"
	# vmlinux linked and the modules: the image would only pack that
	# vmlinux again, at some seconds a prefix.
	if KBUILD_TARGETS="vmlinux modules" URN_LAX_CONFIG=1 "$TOP/scripts/build/kbuild.sh" "$src" "$O" - \
		"$TOP/scripts/build/x86-series.config" > "$log/$i.log" 2>&1; then
		prev=pass
	else
		prev=fail
		info "prefix $i does not build: build/logs/bisect/$i.log"
	fi
	echo "$i $prev built $subject" >> "$out/$head"
done
git -C "$src" checkout -q --detach "$head"
info "the series without CONFIG_X86_USER_RETURN_MSRS_DEBUG"
if KBUILD_TARGETS="vmlinux modules" "$TOP/scripts/build/kbuild.sh" "$src" "$O" - \
	"$TOP/scripts/build/x86-series.config" "$TOP/scripts/build/x86-nodebug.config" \
	> "$log/nodebug.log" 2>&1; then
	echo pass > "$out/$head.nodebug"
else
	echo fail > "$out/$head.nodebug"
	info "the series does not build without the debug option: build/logs/bisect/nodebug.log"
fi
