# SPDX-License-Identifier: GPL-2.0
#
# The user-return notifier series: see README.md.
#
#   make test     make check + make run + the tooling's own tests; ends with
#                 'N passed, N failed, N skipped, N known failures'
#   make run      build the series onto the base, boot it, run every test
#   make check    the series' own checks (checkpatch, kernel-doc, git am, ...)
#   make patches  regenerate patches/ from the area folders
#   make tree     build/tree: a kernel work tree with the series as commits
#   make sync     write the commits of build/tree back to the area folders
#   make base     only prepare the base tree (KSRC=... for your own)
#   make bench    MSR writes and instructions per round trip, base vs series
#   make deps     install what the targets need (as root, Debian/Ubuntu)
#   make clean    remove build/ but the base tree, and the project's cache

SHELL := /bin/bash
.PHONY: all run test check patches tree sync base deps bench clean help

all: help

help:
	@sed -n 's/^#   //p' Makefile

deps:
	scripts/deps.sh --install test

base:
	scripts/deps.sh base
	scripts/series/base.sh

patches:
	scripts/deps.sh patches
	scripts/series/series.sh patches

tree:
	scripts/deps.sh tree
	scripts/series/tree.sh make

sync:
	scripts/deps.sh sync
	scripts/series/tree.sh sync

run:
	scripts/run.sh

check:
	scripts/check.sh

test:
	scripts/test.sh

bench:
	scripts/bench/bench.sh

# Everything the targets made but the base tree (build/base, a download
# and a commit away) and build/tree (your commits, until make sync); and
# the per-machine cache of base results (not ccache's, which is shared).
clean:
	scripts/clean.sh
