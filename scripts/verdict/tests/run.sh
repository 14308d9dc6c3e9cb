#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh OUT.json: the unit tests of results.py (test_results.py, on the
# sample logs of logs/), run with python3 -m unittest -v; their results go
# to OUT.json in results.py's format, as the suite "verdict", one case a
# test method (../expected/verdict.list names them all).  Exit status 1 if
# a test failed or unittest did not run to its end.

set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1

if [ $# -ne 1 ]; then
	echo "usage: $0 OUT.json" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$1
log=$(mktemp)
trap 'rm -f "$log"' EXIT

rc=0
(cd "$here" && python3 -m unittest -v test_results) > "$log" 2>&1 || rc=$?
cat "$log"

# unittest -v: "test_x (test_results.Class.test_x) ... ok" as each test
# ends (other output may come between the name and the verdict), then a
# "FAIL: test_x (...)" or "ERROR: test_x (...)" block for each that did
# not pass, its last line the exception.  A test that did not start has
# no line: the expect list fails it.
python3 - "$log" <<'EOF' | python3 "$here/../results.py" write verdict "$out" verdict || rc=1
import re
import sys

text = open(sys.argv[1], errors='replace').read()
lines = text.splitlines()
order, status, why = [], {}, {}
for line in lines:
    m = re.match(r'^(test_\w+) \(', line)
    if m and m.group(1) not in status:
        order.append(m.group(1))
        status[m.group(1)] = 'pass'
    m = re.match(r'^(test_\w+) \(.*\) \.\.\. skipped (.*)$', line)
    if m:
        status[m.group(1)] = 'skip'
        why[m.group(1)] = 'skipped: ' + m.group(2)
for i, line in enumerate(lines):
    m = re.match(r'^(FAIL|ERROR): (test_\w+) \(', line)
    if not m:
        continue
    name = m.group(2)
    if name not in status:
        order.append(name)
    status[name] = 'fail'
    block = []
    for l in lines[i + 1:]:
        if l.startswith('=' * 70) or l.startswith('-' * 70) and block:
            break
        if l.strip() and not l.startswith('-' * 70):
            block.append(l.strip())
    exc = [l for l in block if re.match(r'^[\w.]+(Error|Exception)\b', l)]
    why[name] = '%s: %s' % (m.group(1), (exc or block or ['see the unittest output'])[0][:300])
for name in order:
    print('%s\t%s\t%s' % (name, status[name], why.get(name, '').replace('\t', ' ')))
EOF

exit "$rc"
