#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check-first.py CHECK.json: the tooling test's check-first verdict.

make check before make run: the checks that read make run's objects
(sparse, W=1, bisect, nodebug) skip and say they need make run; every other check
that ran passed.  Exit status 0 if so.
"""

import json
import sys

c = json.load(open(sys.argv[1]))
res, notes = c['suites']['make check'], ' '.join(c['notes'])
need = ('sparse', 'W=1', 'bisect', 'nodebug')
ok = all(res.get(k) == 'skip' for k in need) and \
    all(v == 'pass' for k, v in res.items() if k not in need) and \
    notes.count('make run') >= len(need)
sys.exit(0 if ok else 1)
