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

# Nothing of the user's environment steers a build: every make call names
# its ARCH (and CROSS_COMPILE where it cross-compiles) itself.
unset ARCH SUBARCH CROSS_COMPILE LLVM LLVM_IAS KBUILD_OUTPUT KCONFIG_CONFIG \
	KCFLAGS KCPPFLAGS KAFLAGS KBUILD_EXTRA_SYMBOLS INSTALL_MOD_PATH \
	INSTALL_HDR_PATH O W C V
# Nor the user's git configuration: git calls that commit, apply, format
# or compare (diff.orderFile, format.signOff, ...) give the same result
# for everyone.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
# And no automatic gc: git runs it in the background, where it would hold
# the lock below (fd 9) after the target ended.
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=gc.auto GIT_CONFIG_VALUE_0=0

# A build/ or cache that another user made (a run as root, typically) is
# theirs: say so, instead of failing half way on a permission.
for d in "$BUILD" "$CACHE"; do
	if [ -e "$d" ] && [ "$(id -u)" != 0 ] && [ "$(stat -c %u "$d")" != "$(id -u)" ]; then
		printf 'error: %s belongs to %s, not to you (%s): a run as that user made it.  Run as %s, or take it back: sudo chown -R %s: %s\n' \
			"$d" "$(stat -c %U "$d")" "$(id -un)" "$(stat -c %U "$d")" "$(id -un)" "$d" >&2
		exit 1
	fi
done

# One target at a time in a build/: they share build/src, build/o and the
# results.  The first script of a make target takes the lock (fd 9, held
# by everything it starts); the scripts it runs inherit URN_LOCKED.  A
# second target waits for the first, and says so.
urn_lock() {
	[ -z "${URN_LOCKED:-}" ] || return 0
	mkdir -p "$BUILD"
	exec 9>>"$BUILD/.lock"
	if ! flock -n 9; then
		printf 'waiting: another target runs in %s (%s)\n' "$BUILD" \
			"$(cat "$BUILD/.lock.who" 2>/dev/null || echo '?')" >&2
		flock 9
	fi
	echo "pid $$: $(basename "$0") $*, since $(date '+%F %T')" > "$BUILD/.lock.who"
	export URN_LOCKED=$$
}
urn_lock "$@"

step_no=0
step() {
	step_no=$((step_no + 1))
	printf '==> [%s %d] %s\n' "${STEP_PREFIX:-step}" "$step_no" "$*" >&2
}

info() { printf '    %s\n' "$*" >&2; }

# timed NAME CMD...: run CMD and add a line "NAME<TAB>start<TAB>end<TAB>exit
# status" (seconds since the epoch) to build/results/times.tsv, for the
# table of steps that make test prints ('results.py times').
timed() {
	local name=$1 t0 rc=0
	shift
	t0=$(date +%s)
	"$@" || rc=$?
	mkdir -p "$BUILD/results"
	printf '%s\t%s\t%s\t%s\n' "$name" "$t0" "$(date +%s)" "$rc" \
		>> "$BUILD/results/times.tsv"
	return "$rc"
}

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

# series_dirs: the patch directories that series.conf lists, in order.
series_dirs() {
	[ -f "$TOP/series.conf" ] || die "series.conf is missing"
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' -e '/^version:/d' -e '/^previous:/d' "$TOP/series.conf"
}

# series_version: the version series.conf gives the series (1 if none).
series_version() {
	local v
	v=$(sed -n 's/^version:[[:space:]]*\([0-9]*\)[[:space:]]*$/\1/p' "$TOP/series.conf")
	echo "${v:-1}"
}

# series_previous: the commit series.conf names as the previous version's
# (empty if none).
series_previous() {
	sed -n 's/^previous:[[:space:]]*\([0-9a-f]*\)[[:space:]]*$/\1/p' "$TOP/series.conf"
}

# generated_tree DIR COMMIT [FROM]: make DIR a clone of the base (or of
# FROM, a tree made from it, for its commits) checked out at COMMIT, with
# nothing else in it.  DIR is a tree the project made (it holds
# .urn-generated) or does not exist: anything else is not touched.
generated_tree() {
	local dir=$1 commit=$2 from=${3:-$BUILD/base}
	if [ -d "$dir/.git" ]; then
		[ -f "$dir/.urn-generated" ] ||
			die "$dir is not a tree that the project made; it will not touch it"
		# A failed am of an earlier run is what it left; start anew.
		if [ -d "$dir/.git/rebase-apply" ]; then git -C "$dir" am --abort; fi
	else
		[ ! -e "$dir" ] || die "$dir exists and is not a git tree; it will not touch it"
		# The base's objects by reference, and none of its refs: from a
		# KSRC tree with all of Linux's history, only what the base
		# commit needs is ever copied (make tree's repack).
		git init -q "$dir"
		touch "$dir/.urn-generated"
		echo /.urn-generated >> "$dir/.git/info/exclude"
	fi
	# Anew each time: FROM may be another tree than when DIR was made.
	(cd "$from" && cd "$(git rev-parse --git-common-dir)/objects" && pwd -P) \
		> "$dir/.git/objects/info/alternates"
	git -C "$dir" checkout -q -f --detach "$commit"
	git -C "$dir" clean -q -f -d -x -e /.urn-generated
}

# git in a kernel tree, with an identity so that commits work anywhere.
# debian_deb SUITE PKG DIR: print the path of the newest PKG .deb in DIR
# (a cache); if there is none, download PKG from Debian's SUITE into DIR
# first, with apt-get and a sources entry of our own (in $CACHE/apt/SUITE)
# on the Debian mirror that this machine's apt sources already use.  Says
# why on stderr, on a last line "error: WHY" (a sentence), and returns 1
# when it cannot.
debian_deb() {
	local suite=$1 pkg=$2 dir=$3 deb uri apt keyring aptopts
	mkdir -p "$dir" || return 1
	deb=$(ls "$dir"/"${pkg}"_*_all.deb 2>/dev/null | sort -V | tail -1 || true)
	if [ -n "$deb" ]; then
		echo "$deb"
		return 0
	fi
	# The mirror this machine already uses, not one we name.
	uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -m1 /debian || true)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $2 ~ /debian\/?$/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
	if [ -z "$uri" ]; then
		echo "error: no Debian mirror in the apt sources of this machine." >&2
		return 1
	fi
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	if [ ! -r "$keyring" ]; then
		echo "error: $keyring is missing: install debian-archive-keyring." >&2
		return 1
	fi
	apt=$CACHE/apt/$suite
	mkdir -p "$apt/parts" "$apt/lists/partial" "$apt/cache/archives/partial" || return 1
	cat > "$apt/parts/urn.sources" <<EOS
Types: deb
URIs: $uri
Suites: $suite
Components: main
Signed-By: $keyring
EOS
	aptopts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/parts"
		 -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
		 -o APT::Sandbox::User=root)
	if ! apt-get -q "${aptopts[@]}" update >&2; then
		echo "error: apt-get update for $suite failed: no network?" >&2
		return 1
	fi
	if ! (cd "$dir" && apt-get -q "${aptopts[@]}" download "$pkg" >&2); then
		echo "error: apt-get download $pkg from $suite failed." >&2
		return 1
	fi
	deb=$(ls "$dir"/"${pkg}"_*_all.deb 2>/dev/null | sort -V | tail -1 || true)
	if [ -z "$deb" ]; then
		echo "error: apt-get download left no ${pkg}_*_all.deb in $dir." >&2
		return 1
	fi
	echo "$deb"
}

kgit() {
	git -c user.name="urn-series" -c user.email="urn-series@localhost" \
	    -c advice.detachedHead=false -c core.autocrlf=false "$@"
}

# am_series TREE DIR: apply the patches that DIR/series lists to TREE's
# HEAD with git am, as a maintainer would (--whitespace=error-all).  On
# failure, say which patch stopped, its subject and the files it touches,
# leave TREE where git stopped, and return 1.
am_series() {
	local tree=$1 dir=$2 pl files
	[ -f "$dir/series" ] || { printf 'error: %s/series is missing\n' "$dir" >&2; return 1; }
	mapfile -t pl < <(sed "s|^|$dir/|" "$dir/series")
	if kgit -C "$tree" am -q --whitespace=error-all "${pl[@]}" >&2; then
		return 0
	fi
	files=$(git -C "$tree" am --show-current-patch=diff 2>/dev/null |
		sed -n 's|^diff --git a/\([^ ]*\).*|\1|p' | tr '\n' ' ')
	printf 'error: git am stopped at patch %s of %s (%s); files: %s\n' \
		"$(cat "$tree/.git/rebase-apply/next" 2>/dev/null || echo ?)" "${#pl[@]}" \
		"$(sed -n 's/^Subject: //p' "$tree/.git/rebase-apply/msg-clean" 2>/dev/null)" \
		"$files" >&2
	return 1
}

# config_missing CONFIG FRAGMENT...: the "CONFIG_X=y" and "=m" lines of the
# fragments, merged in order, that CONFIG does not have.  A later fragment
# overrides an earlier one, "# CONFIG_X is not set" too.
config_missing() {
	local config=$1
	shift
	cat "$@" |
	sed -n -e 's/^\(CONFIG_[A-Z0-9_]*\)=\([ym]\)$/\1 \2/p' \
	       -e 's/^\(CONFIG_[A-Z0-9_]*\)=.*$/\1 -/p' \
	       -e 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1 -/p' |
	awk '{ v[$1] = $2; if (!($1 in seen)) { seen[$1] = 1; o[n++] = $1 } }
	     END { for (i = 0; i < n; i++) if (v[o[i]] != "-") print o[i] "=" v[o[i]] }' |
	while read -r l; do grep -qx -- "$l" "$config" || echo "$l"; done
}

# The cases of a scripted check (make check, the tooling test): record
# NAME pass|fail|skip WHY prints one line and keeps the result;
# write_results SUITE OUT.json PREFIX writes them in results.py's format,
# with WHY as the note of every case that did not pass, and fails if any
# case failed.
declare -A URN_RES URN_WHY
URN_ORDER=()
record() {
	URN_ORDER+=("$1")
	URN_RES[$1]=$2
	URN_WHY[$1]=$3
	printf '%-12s %-4s %s\n' "$1" "$(tr a-z A-Z <<< "${2:0:4}")" "$3"
}

write_results() {
	local n
	for n in "${URN_ORDER[@]}"; do
		printf '%s\t%s\t%s\n' "$n" "${URN_RES[$n]}" "${URN_WHY[$n]}"
	done | "$TOP/scripts/verdict/results.py" write "$1" "$2" "$3"
}
