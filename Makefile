# SPDX-License-Identifier: GPL-2.0
#
# The user-return notifier series: see README.md.
#
#   make run      build the series onto the base, boot it, run every test
#   make test     make check + make run, ending with 'N passed, N failed'
#   make check    the series' own checks (checkpatch, sparse, W=1, ...)
#   make patches  regenerate patches/ from the area folders
#   make tree     build/tree: a kernel work tree with the series as commits
#   make sync     write the commits of build/tree back to the area folders
#   make base     only prepare the base tree (KSRC=... for your own)
#   make deps     install the Debian packages the project needs (as root)
#   make bench    MSR writes and instruction cost per round trip, base vs series

SHELL := /bin/bash
.PHONY: all run test check patches tree sync base deps bench clean help

all: help

help:
	@sed -n 's/^#   //p' Makefile

deps:
	scripts/deps.sh

base: deps
	scripts/series/base.sh

patches:
	scripts/series/series.sh patches

tree:
	scripts/series/tree.sh make

sync:
	scripts/series/tree.sh sync

run:
	scripts/run.sh

check: deps
	scripts/check.sh

test:
	scripts/test.sh

bench: deps
	scripts/bench/bench.sh

clean:
	rm -rf build/src build/o build/k-base build/k-series build/st build/series build/out build/logs build/results build/kunit-* build/check-tree build/o-riscv build/k-riscv build/st-riscv build/o-arm64 build/o-bench build/k-bench-* build/st-bench build/bisect
