#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Unload and reload KVM's vendor module while guests come and go, and check
# that the x86 user-return MSR layer gets the module's slots back and that
# no warning is logged.  In each round a guest loads hostile values into the
# user-return MSRs (user_return_msrs_test -s 2) while the script holds
# /dev/kvm open: unloading must fail then, and the guest must pass.  Then
# the module is unloaded, which must leave the layer's slots as they are
# without the module, and loaded again, which must bring back the slots it
# had.
#
# Usage: user_return_msrs_reload_test.sh [ROUNDS]	(default 20; as root)

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

rounds=${1:-20}
dir=$(dirname "$0")
test=$dir/user_return_msrs_test
stats=/sys/kernel/debug/x86/user_return_msrs
log=${TMPDIR:-/tmp}/user_return_msrs_reload.$$
marker="user_return_msrs_reload_test: start $$"

skip() {
	echo "# SKIP: $*"
	exit $KSFT_SKIP
}

fail() {
	echo "# FAIL: $*"
	[ -f "$log" ] && sed 's/^/#   /' "$log"
	exit $KSFT_FAIL
}

loaded() {
	grep -q "^$vendor " /proc/modules
}

# Slots in use and their references; the per-CPU counters may change.
slots() {
	awk 'NR > 1 { print $1, $2, $3 }' "$stats" | sort -u
}

show() {
	echo "# $1:"
	[ -n "$2" ] && echo "$2" | sed 's/^/#   /'
	[ -n "$2" ] || echo "#   (none)"
}

[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$test" ] || skip "$test is missing"
if grep -q '^kvm_amd ' /proc/modules; then
	vendor=kvm_amd
elif grep -q '^kvm_intel ' /proc/modules; then
	vendor=kvm_intel
else
	skip "neither kvm_amd nor kvm_intel is loaded as a module"
fi
[ -r "$stats" ] || skip "no $stats: no x86 user-return MSR layer"

# Whatever happens, leave KVM loaded for the tests that come next.
trap 'rm -f "$log"; loaded || modprobe "$vendor"' EXIT

"$test" -s 2 > "$log" 2>&1
rc=$?
[ $rc = $KSFT_SKIP ] && skip "user_return_msrs_test skips: $(grep -m1 -i skip "$log")"
[ $rc = 0 ] || fail "the guest fails before any reload"

with=$(slots)
modprobe -r "$vendor" || fail "cannot unload $vendor"
without=$(slots)
modprobe "$vendor" || fail "cannot load $vendor"
show "slots with $vendor" "$with"
show "slots without $vendor" "$without"
[ -n "$with" ] || skip "$vendor uses no user-return MSR on this CPU"
[ "$with" != "$without" ] || fail "unloading $vendor gave no slot reference back"
[ "$(slots)" = "$with" ] || fail "reloading $vendor did not bring its slots back"

echo "$marker" > /dev/kmsg
r=1
while [ "$r" -le "$rounds" ]; do
	exec 3< /dev/kvm || fail "round $r: cannot open /dev/kvm"
	"$test" -s 2 > "$log" 2>&1 &
	guest=$!
	if modprobe -r "$vendor" 2>/dev/null; then
		wait $guest
		fail "round $r: $vendor was unloaded while /dev/kvm was open"
	fi
	wait $guest || fail "round $r: the guest failed"
	exec 3<&-
	modprobe -r "$vendor" || fail "round $r: cannot unload $vendor"
	loaded && fail "round $r: $vendor is still loaded"
	[ "$(slots)" = "$without" ] || {
		show "slots without $vendor, round $r" "$(slots)"
		fail "round $r: unloading $vendor left other slots than the first time"
	}
	modprobe "$vendor" || fail "round $r: cannot load $vendor again"
	[ "$(slots)" = "$with" ] || {
		show "slots with $vendor, round $r" "$(slots)"
		fail "round $r: reloading $vendor gave other slots than the first time"
	}
	r=$((r + 1))
done

splats=$(dmesg | sed -n "/$marker/,\$p" |
	grep -E 'WARNING:|BUG:|general protection|Oops|lockdep|circular locking')
[ -z "$splats" ] || {
	echo "$splats" | head -20 | sed 's/^/#   /'
	fail "the kernel logged warnings during the rounds"
}
echo "# $rounds rounds: guests passed, $vendor gave its slots back each time, no warning"
exit $KSFT_PASS
