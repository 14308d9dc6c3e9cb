#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# clean.sh: make clean.  Removes what the targets made in build/, but the
# base tree (build/base and its description) and build/tree, which may hold
# commits not yet written back with make sync; and the project's cache of
# base results.  The downloaded base package stays in the cache: a new
# download is the one thing clean would cost the next run.

. "$(dirname "$0")/lib.sh"
STEP_PREFIX=clean

[ -d "$BUILD" ] || exit 0
keep='^(base|base\.commit|base\.version|tree|\.lock|\.lock\.who)$'
for f in "$BUILD"/* "$BUILD"/.[!.]*; do
	[ -e "$f" ] || continue
	n=$(basename "$f")
	[[ $n =~ $keep ]] && continue
	rm -rf "$f"
done
rm -rf "$CACHE/results"
info "kept: build/base (the base tree) and build/tree (your commits, if any)"
