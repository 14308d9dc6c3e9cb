// SPDX-License-Identifier: GPL-2.0
/*
 * urn-insn-count: a QEMU TCG plugin that counts, per guest function, the
 * instructions executed inside it and its entries, for make bench.
 *
 *   -plugin liburn-insn-count.so,map=RANGES[,out=COUNTS][,mark=ADDR[:HEX]]...
 *
 * RANGES: lines "START END NAME" (hex guest virtual addresses, END
 * exclusive), e.g. kernel functions from System.map; ranges of the same
 * NAME share one counter (a function and its .cold part).  Only the
 * instructions inside a range are counted: a function's callees are not,
 * unless they are ranges of their own.
 *
 * mark=ADDR[:HEX]: each execution of the instruction at ADDR (whose bytes
 * are HEX, if given: the same address in another program is no mark) takes
 * a snapshot of all the counters.  make bench marks the RDTSC instructions
 * that open and close a timed loop of its test program, so that the
 * difference of two snapshots is what that loop executed.  Snapshots sum
 * the vCPUs' counters: exact when the vCPUs do not run in parallel (one
 * vCPU, or -icount, which runs them in turn).
 *
 * At exit, COUNTS (default stderr) gets one line "total NAME INSNS ENTRIES"
 * per NAME, then, for the Kth snapshot (from 0), one line per NAME
 * "mark K ADDR NAME INSNS ENTRIES", with the counts up to that instant.
 *
 * Each counted instruction gets a call to a helper that bumps a counter of
 * the vCPU's own row, so counts are exact with MTTCG too.  A counted
 * instruction that faults is counted again when it is restarted.
 *
 * The API: QEMU 7.2's, plugin API version 1, as Debian 12's
 * qemu-system-x86 exports it; qemu-plugin-7.2.h declares what is used of
 * it (Debian packages no qemu-plugin.h).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin-7.2.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_MARKS	8
#define MAX_MARK_BYTES	16

struct range {
	uint64_t start, end;
	size_t ctr;			/* one counter per distinct name */
	char *name;
};

struct counter {
	uint64_t insns, entries;
};

struct mark {
	uint64_t addr;
	unsigned char bytes[MAX_MARK_BYTES];
	size_t len;			/* 0: any instruction at addr */
	uint64_t others;		/* translations of other bytes there */
};

static struct range *ranges;
static size_t nr_ranges, nr_ctrs;
static char **ctr_name;
static struct counter *ctrs;	/* nr_vcpus rows of stride counters */
static size_t stride;		/* row length, padded to 64 bytes */
static unsigned int nr_vcpus;
static const char *out_path;

static struct mark marks[MAX_MARKS];
static size_t nr_marks;
static struct counter *snaps;	/* nr_snaps rows of nr_ctrs counters */
static size_t *snap_mark;	/* the mark of each snapshot */
static size_t nr_snaps, snaps_cap;

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct range *)a)->name,
		      ((const struct range *)b)->name);
}

static int cmp_start(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int load_map(const char *path)
{
	char line[1024], name[512];
	unsigned long long s, e;
	size_t i, j, cap = 0, dropped = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' ||
		    sscanf(line, "%llx %llx %511s", &s, &e, name) != 3 || e <= s)
			continue;
		if (nr_ranges == cap) {
			cap = cap ? 2 * cap : 64;
			ranges = realloc(ranges, cap * sizeof(*ranges));
			if (!ranges)
				abort();
		}
		ranges[nr_ranges].start = s;
		ranges[nr_ranges].end = e;
		ranges[nr_ranges].name = strdup(name);
		if (!ranges[nr_ranges].name)
			abort();
		nr_ranges++;
	}
	fclose(f);
	if (!nr_ranges) {
		fprintf(stderr, "urn: no ranges in %s\n", path);
		return -1;
	}

	/* Ranges with the same name share a counter. */
	qsort(ranges, nr_ranges, sizeof(*ranges), cmp_name);
	ctr_name = calloc(nr_ranges, sizeof(*ctr_name));
	if (!ctr_name)
		abort();
	for (i = 0; i < nr_ranges; i++) {
		if (i && strcmp(ranges[i].name, ranges[i - 1].name))
			nr_ctrs++;
		ranges[i].ctr = nr_ctrs;
		ctr_name[nr_ctrs] = ranges[i].name;
	}
	nr_ctrs++;

	/* Sort by address for the lookup; drop overlapping ranges. */
	qsort(ranges, nr_ranges, sizeof(*ranges), cmp_start);
	for (i = j = 0; i < nr_ranges; i++) {
		if (j && ranges[i].start < ranges[j - 1].end)
			dropped++;
		else
			ranges[j++] = ranges[i];
	}
	nr_ranges = j;
	if (dropped)
		fprintf(stderr, "urn: %zu overlapping ranges ignored\n", dropped);
	return 0;
}

/* "ADDR" or "ADDR:HEX", both in hex. */
static int parse_mark(const char *arg)
{
	struct mark *m = &marks[nr_marks];
	const char *p;
	char *end;
	unsigned int byte;

	if (nr_marks == MAX_MARKS) {
		fprintf(stderr, "urn: at most %d marks\n", MAX_MARKS);
		return -1;
	}
	m->addr = strtoull(arg, &end, 16);
	if (end == arg || (*end && *end != ':'))
		goto bad;
	for (p = *end ? end + 1 : end; *p; p += 2) {
		if (m->len == MAX_MARK_BYTES || !isxdigit((unsigned char)p[0]) ||
		    !isxdigit((unsigned char)p[1]) || sscanf(p, "%2x", &byte) != 1)
			goto bad;
		m->bytes[m->len++] = byte;
	}
	if (*end && !m->len)
		goto bad;
	nr_marks++;
	return 0;
bad:
	fprintf(stderr, "urn: mark=%s: ADDR or ADDR:HEXBYTES expected\n", arg);
	return -1;
}

static int cmp_pc(const void *key, const void *elem)
{
	uint64_t pc = *(const uint64_t *)key;
	const struct range *r = elem;

	return pc < r->start ? -1 : pc >= r->end;
}

/*
 * udata is vCPU 0's counter, with bit 0 set for the first instruction of
 * a range; each vCPU bumps its own row, so no atomics are needed.
 */
static void insn_exec(unsigned int vcpu, void *udata)
{
	uintptr_t p = (uintptr_t)udata;
	struct counter *c = (struct counter *)(p & ~(uintptr_t)1);

	if (vcpu < nr_vcpus) {
		c[vcpu * stride].insns++;
		c[vcpu * stride].entries += p & 1;
	}
}

/* udata is the mark's index: append the sums of all rows. */
static void mark_exec(unsigned int vcpu, void *udata)
{
	struct counter *row;
	size_t k, v;

	if (nr_snaps == snaps_cap) {
		snaps_cap = snaps_cap ? 2 * snaps_cap : 256;
		snaps = realloc(snaps, snaps_cap * nr_ctrs * sizeof(*snaps));
		snap_mark = realloc(snap_mark, snaps_cap * sizeof(*snap_mark));
		if (!snaps || !snap_mark)
			abort();
	}
	snap_mark[nr_snaps] = (uintptr_t)udata;
	row = &snaps[nr_snaps++ * nr_ctrs];
	for (k = 0; k < nr_ctrs; k++) {
		row[k].insns = 0;
		row[k].entries = 0;
		for (v = 0; v < nr_vcpus; v++) {
			row[k].insns += ctrs[v * stride + k].insns;
			row[k].entries += ctrs[v * stride + k].entries;
		}
	}
}

static void mark_insn(struct qemu_plugin_insn *insn, uint64_t pc)
{
	size_t i;

	for (i = 0; i < nr_marks; i++) {
		struct mark *m = &marks[i];

		if (m->addr != pc)
			continue;
		if (m->len && (qemu_plugin_insn_size(insn) != m->len ||
			       memcmp(qemu_plugin_insn_data(insn), m->bytes,
				      m->len))) {
			m->others++;
			continue;
		}
		qemu_plugin_register_vcpu_insn_exec_cb(insn, mark_exec,
						       QEMU_PLUGIN_CB_NO_REGS,
						       (void *)(uintptr_t)i);
	}
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t pc = qemu_plugin_insn_vaddr(insn);
		const struct range *r = bsearch(&pc, ranges, nr_ranges,
						sizeof(*ranges), cmp_pc);

		if (nr_marks)
			mark_insn(insn, pc);
		if (!r)
			continue;
		qemu_plugin_register_vcpu_insn_exec_cb(insn, insn_exec,
				QEMU_PLUGIN_CB_NO_REGS,
				(void *)((uintptr_t)&ctrs[r->ctr] | (pc == r->start)));
	}
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	FILE *f = out_path ? fopen(out_path, "w") : stderr;
	const struct counter *row;
	size_t k, v, s;

	if (!f) {
		perror(out_path);
		return;
	}
	for (k = 0; k < nr_ctrs; k++) {
		uint64_t insns = 0, entries = 0;

		for (v = 0; v < nr_vcpus; v++) {
			insns += ctrs[v * stride + k].insns;
			entries += ctrs[v * stride + k].entries;
		}
		fprintf(f, "total %s %" PRIu64 " %" PRIu64 "\n",
			ctr_name[k], insns, entries);
	}
	for (s = 0; s < nr_snaps; s++) {
		row = &snaps[s * nr_ctrs];
		for (k = 0; k < nr_ctrs; k++)
			fprintf(f, "mark %zu %" PRIx64 " %s %" PRIu64 " %" PRIu64 "\n",
				s, marks[snap_mark[s]].addr, ctr_name[k],
				row[k].insns, row[k].entries);
	}
	if (f != stderr)
		fclose(f);
	for (k = 0; k < nr_marks; k++) {
		if (marks[k].others)
			fprintf(stderr, "urn: mark %" PRIx64 ": %" PRIu64 " translations of other bytes there, not marks\n",
				marks[k].addr, marks[k].others);
	}
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const struct qemu_info *info,
					   int argc, char **argv)
{
	const char *map = NULL;
	size_t size;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "map=", 4)) {
			map = argv[i] + 4;
		} else if (!strncmp(argv[i], "out=", 4)) {
			out_path = argv[i] + 4;
		} else if (!strncmp(argv[i], "mark=", 5)) {
			if (parse_mark(argv[i] + 5))
				return -1;
		} else {
			fprintf(stderr, "urn: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	if (!map) {
		fprintf(stderr, "urn: map=RANGES is required\n");
		return -1;
	}
	if (load_map(map))
		return -1;

	nr_vcpus = info->system_emulation ? info->system.max_vcpus : 64;
	if (!nr_vcpus)
		nr_vcpus = 1;
	stride = (nr_ctrs + 3) & ~(size_t)3;	/* 4 counters per 64 bytes */
	size = nr_vcpus * stride * sizeof(*ctrs);
	ctrs = aligned_alloc(64, size);
	if (!ctrs) {
		perror("urn");
		return -1;
	}
	memset(ctrs, 0, size);

	fprintf(stderr, "urn: %s, API %d..%d, %zu ranges, %zu names, %zu marks, %u vCPUs\n",
		info->target_name, info->version.min, info->version.cur,
		nr_ranges, nr_ctrs, nr_marks, nr_vcpus);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
