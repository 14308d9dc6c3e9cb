#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Unload and reload KVM's vendor module while guests come and go, and check
# that the x86 user-return MSR layer gets every slot back and that no
# warning is logged.  Each round runs a guest that loads hostile values into
# the user-return MSRs (user_return_msrs_test -s 2), tries to unload the
# module while the guest holds it (which must fail and leave the guest
# passing), then unloads and reloads it.
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

skip() {
	echo "# SKIP: $*"
	exit $KSFT_SKIP
}

fail() {
	echo "# FAIL: $*"
	[ -f "$log" ] && sed 's/^/#   /' "$log"
	rm -f "$log"
	exit $KSFT_FAIL
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

# Slots in use and their references; the per-CPU counters may change.
slots() {
	awk 'NR > 1 { print $1, $2, $3 }' "$stats" | sort -u
}

warnings() {
	dmesg | grep -c -E 'WARNING:|BUG:|general protection|Oops'
}

# Wait up to 10 s for the guest to hold the vendor module.
wait_busy() {
	i=0
	while [ "$(cat "/sys/module/$vendor/refcnt")" = 0 ]; do
		kill -0 "$1" 2>/dev/null || return 1
		i=$((i + 1))
		[ $i -le 200 ] || return 1
		sleep 0.05
	done
}

before=$(slots)
warn_before=$(warnings)
echo "# $vendor, $rounds rounds; slots before:"
echo "$before" | sed 's/^/#   /'

r=1
while [ $r -le "$rounds" ]; do
	"$test" -s 2 > "$log" 2>&1 &
	guest=$!
	wait_busy $guest || { wait $guest; fail "round $r: the guest never held $vendor"; }
	if modprobe -r "$vendor" 2>/dev/null; then
		wait $guest
		fail "round $r: $vendor was unloaded under a running guest"
	fi
	wait $guest || fail "round $r: the guest failed"
	modprobe -r "$vendor" || fail "round $r: cannot unload $vendor"
	grep -q "^$vendor " /proc/modules && fail "round $r: $vendor still loaded"
	modprobe "$vendor" || fail "round $r: cannot load $vendor again"
	r=$((r + 1))
done
rm -f "$log"

after=$(slots)
[ "$before" = "$after" ] || {
	echo "# slots after:"
	echo "$after" | sed 's/^/#   /'
	fail "the slots of the user-return MSR layer changed"
}
warn_after=$(warnings)
[ "$warn_after" = "$warn_before" ] || {
	dmesg | grep -E -A5 'WARNING:|BUG:|general protection|Oops' | tail -40 | sed 's/^/#   /'
	fail "$((warn_after - warn_before)) new warnings in the kernel log"
}
echo "# $rounds rounds: guests passed, slots unchanged, no warning"
exit $KSFT_PASS
