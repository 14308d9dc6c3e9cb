// SPDX-License-Identifier: GPL-2.0-only
/*
 * Check the x86 user-return MSR layer on the real exit to user mode.
 *
 * lib/test_user_return_notifier.c loads a value of ours into TSC_AUX
 * through the layer (URN_TEST_IOC_SET_MSR) and reads the MSR back from the
 * hardware before the system call returns, so we know the wrong value was
 * really there.  The layer must write the host value back before any user
 * task runs on that CPU again: RDTSCP and RDPID must always return the
 * CPU's own TSC_AUX, (node << 12) | cpu as the getcpu system call gives
 * them, and never a value of ours.  This holds after a sleep, after the
 * task migrated away from the CPU it loaded the value on (both CPUs must
 * be right), and in a stress run of pinned and migrating threads, after
 * which the layer's counters must account for every value loaded: written,
 * or skipped because the MSR already held it.  The counters are per slot:
 * the count is exact only while no KVM guest (another user of the slot)
 * runs, which the test checks in /sys/kernel/debug/kvm, and the skips are
 * counted only with CONFIG_X86_USER_RETURN_MSRS_DEBUG.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <lib/test_user_return_notifier_uapi.h>

#include "../kselftest.h"
#include "test_module.h"

#define URN_CONTROL		"/sys/kernel/debug/test_user_return_notifier/control"
#define URM_STATS		"/sys/kernel/debug/x86/user_return_msrs"
#define KVM_DEBUGFS		"/sys/kernel/debug/kvm"
#define MAX_CPUS		1024
#define ROUNDS_PER_CPU		200
#define SLEEP_US		2000
#define STRESS_SECONDS		3
#define STRESS_PINNED_PER_CPU	2
#define STRESS_MIGRATING	4
/* Never a TSC_AUX of Linux's: that would need node 0xdead0 or more. */
#define POISON			0xdead0000u

static int urn_fd;
static cpu_set_t all_cpus;
static int cpus[MAX_CPUS];
static uint32_t own_aux[MAX_CPUS];	/* Indexed by CPU number. */
static int nr_cpus;
static bool have_rdpid;

static uint32_t rdtscp_aux(void)
{
	uint32_t lo, hi, aux;

	asm volatile("rdtscp" : "=a" (lo), "=d" (hi), "=c" (aux));
	return aux;
}

static uint32_t rdpid_aux(void)
{
	uint32_t aux;

	/* rdpid %eax (%rax on x86_64), spelled out for old assemblers. */
	asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a" (aux));
	return aux;
}

/* What TSC_AUX holds on this CPU, by the getcpu system call (not the vDSO). */
static uint32_t getcpu_aux(int *cpu)
{
	unsigned int c, node;

	if (syscall(SYS_getcpu, &c, &node, NULL))
		ksft_exit_fail_perror("getcpu");
	if (cpu)
		*cpu = c;
	return node << 12 | c;
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void unpin(void)
{
	sched_setaffinity(0, sizeof(all_cpus), &all_cpus);
}

static int set_tsc_aux(uint32_t value, unsigned int flags, unsigned int us, int cpu,
		       struct urn_test_msr *arg)
{
	memset(arg, 0, sizeof(*arg));
	arg->msr = URN_TEST_MSR_TSC_AUX;
	arg->value = value;
	arg->flags = flags;
	arg->us = us;
	arg->cpu = cpu;
	return ioctl(urn_fd, URN_TEST_IOC_SET_MSR, arg) ? -errno : 0;
}

/* A value a user task may see: the TSC_AUX of one of our CPUs. */
static bool is_own_aux(uint32_t aux)
{
	int i;

	for (i = 0; i < nr_cpus; i++) {
		if (own_aux[cpus[i]] == aux)
			return true;
	}
	return false;
}

/* Make a user task return to user mode on every CPU: restores what is left. */
static void flush_all_cpus(void)
{
	int i;

	for (i = 0; i < nr_cpus; i++) {
		if (!pin(cpus[i]))
			syscall(SYS_getppid);
	}
	unpin();
}

/*
 * Load a value of ours on @cpu (pinned there) and check what the hardware
 * held in the kernel and what RDTSCP or RDPID returns once back.
 */
static bool check_once(int cpu, bool use_rdpid, uint32_t value)
{
	struct urn_test_msr arg;
	uint32_t aux;
	int err;

	err = set_tsc_aux(value, 0, 0, 0, &arg);
	aux = use_rdpid ? rdpid_aux() : rdtscp_aux();
	if (err) {
		ksft_print_msg("cpu %d: URN_TEST_IOC_SET_MSR: %s\n", cpu, strerror(-err));
		return false;
	}
	if (arg.set_cpu != cpu || arg.hw != value) {
		ksft_print_msg("cpu %d: loaded on cpu %d, hardware held %#llx, not %#x\n",
			       cpu, arg.set_cpu, (unsigned long long)arg.hw, value);
		return false;
	}
	if (aux != own_aux[cpu]) {
		ksft_print_msg("cpu %d: %s returned %#x in user mode, expected %#x\n",
			       cpu, use_rdpid ? "RDPID" : "RDTSCP", aux, own_aux[cpu]);
		return false;
	}
	return true;
}

static void test_restored_on_each_cpu(bool use_rdpid)
{
	const char *name = use_rdpid ? "rdpid_restored_on_each_cpu" :
				       "rdtscp_restored_on_each_cpu";
	bool ok = true;
	int i, round;

	if (use_rdpid && !have_rdpid) {
		ksft_test_result_skip("%s: no RDPID in CPUID\n", name);
		return;
	}
	for (i = 0; i < nr_cpus && ok; i++) {
		if (pin(cpus[i])) {
			ksft_print_msg("cannot pin to cpu %d\n", cpus[i]);
			ok = false;
			break;
		}
		for (round = 0; round < ROUNDS_PER_CPU && ok; round++)
			ok = check_once(cpus[i], use_rdpid, POISON | round);
	}
	unpin();
	ksft_test_result(ok, "%s (%d cpus, %d values each)\n", name, nr_cpus,
			 ROUNDS_PER_CPU);
}

static void test_restored_after_sleep(void)
{
	struct urn_test_msr arg;
	uint32_t aux;
	bool ok = true;
	int err, cpu;

	if (pin(cpus[0]))
		ksft_exit_fail_perror("sched_setaffinity");
	err = set_tsc_aux(POISON | 0x51, URN_TEST_ARM_SLEEP, SLEEP_US, 0, &arg);
	aux = rdtscp_aux();
	getcpu_aux(&cpu);
	unpin();
	if (err) {
		ksft_print_msg("URN_TEST_IOC_SET_MSR: %s\n", strerror(-err));
		ok = false;
	} else if (arg.hw != (POISON | 0x51) || aux != own_aux[cpu]) {
		ksft_print_msg("sleep: hardware held %#llx\n", (unsigned long long)arg.hw);
		ksft_print_msg("sleep: RDTSCP %#x on cpu %d, expected %#x\n", aux, cpu,
			       own_aux[cpu]);
		ok = false;
	}
	ksft_test_result(ok, "restored_after_sleep\n");
}

/*
 * Load the value on cpus[0], migrate to cpus[1] in the same system call and
 * return there; then go back to cpus[0].  The value stays on cpus[0] until
 * a user task returns there, which must see the host value.
 */
static void test_restored_after_migration(void)
{
	struct urn_test_msr arg;
	uint32_t aux_b, aux_a;
	bool ok = true;
	int err, cpu_b, cpu_a;

	if (nr_cpus < 2) {
		ksft_test_result_skip("restored_on_both_cpus_after_migration: needs 2 cpus\n");
		return;
	}
	if (pin(cpus[0]))
		ksft_exit_fail_perror("sched_setaffinity");
	err = set_tsc_aux(POISON | 0x3a, URN_TEST_ARM_MIGRATE, 0, cpus[1], &arg);
	aux_b = rdtscp_aux();
	getcpu_aux(&cpu_b);
	if (pin(cpus[0]))
		ksft_exit_fail_perror("sched_setaffinity");
	aux_a = rdtscp_aux();
	getcpu_aux(&cpu_a);
	unpin();

	if (err) {
		ksft_print_msg("URN_TEST_IOC_SET_MSR: %s\n", strerror(-err));
		ok = false;
	} else {
		ksft_print_msg("loaded on cpu %d, hardware %#llx\n", arg.set_cpu,
			       (unsigned long long)arg.hw);
		ksft_print_msg("returned on cpu %d: %#x, back on cpu %d: %#x\n",
			       cpu_b, aux_b, cpu_a, aux_a);
		ok = arg.set_cpu == cpus[0] && arg.hw == (POISON | 0x3a) &&
		     cpu_b == cpus[1] && aux_b == own_aux[cpu_b] &&
		     cpu_a == cpus[0] && aux_a == own_aux[cpu_a];
	}
	ksft_test_result(ok, "restored_on_both_cpus_after_migration\n");
}

struct stress_thread {
	pthread_t thread;
	int cpu;		/* -1: migrates */
	unsigned int seed;
	unsigned long sets;
	unsigned long wrong;
	unsigned long errors;
};

static int stress_stop;

static void *stress_fn(void *p)
{
	struct stress_thread *t = p;
	struct urn_test_msr arg;
	uint32_t aux, aux2;

	if (t->cpu >= 0 && pin(t->cpu)) {
		t->errors++;
		return NULL;
	}
	while (!__atomic_load_n(&stress_stop, __ATOMIC_RELAXED)) {
		uint32_t value = POISON | (rand_r(&t->seed) & 0xffff);
		unsigned int flags = 0;
		int target = 0;

		if (t->cpu < 0) {
			switch (rand_r(&t->seed) % 3) {
			case 0:
				flags = URN_TEST_ARM_MIGRATE;
				target = cpus[rand_r(&t->seed) % nr_cpus];
				break;
			case 1:
				flags = URN_TEST_ARM_SLEEP;
				break;
			}
		}
		if (set_tsc_aux(value, flags, 50, target, &arg)) {
			t->errors++;
			break;
		}
		aux = rdtscp_aux();
		aux2 = have_rdpid ? rdpid_aux() : aux;
		t->sets++;
		if (arg.hw != value ||
		    (t->cpu >= 0 ? aux != own_aux[t->cpu] || aux2 != aux :
				   !is_own_aux(aux) || !is_own_aux(aux2))) {
			if (!t->wrong)
				ksft_print_msg("cpu %d: hw %#llx for %#x; RDTSCP %#x, RDPID %#x\n",
					       t->cpu, (unsigned long long)arg.hw, value,
					       aux, aux2);
			t->wrong++;
		}
	}
	return NULL;
}

struct layer_counts {
	unsigned int refs;
	unsigned long long writes;	/* if counted */
	unsigned long long skipped;	/* if counted */
	unsigned long long restores;	/* if counted */
	bool counted;
};

/* Sums of the TSC_AUX counters of all CPUs, from debugfs. */
static bool read_layer_counts(struct layer_counts *c)
{
	char line[256], name[32], w[24], s[24], r[24];
	unsigned int slot, refs;
	bool found = false;
	FILE *f;
	int cpu;

	f = fopen(URM_STATS, "r");
	if (!f)
		return false;
	memset(c, 0, sizeof(*c));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %u %u %d %23s %23s %23s", name, &slot, &refs,
			   &cpu, w, s, r) != 7 || strcmp(name, "TSC_AUX"))
			continue;
		c->refs = refs;
		/* "-": the kernel counts them with its debug option only. */
		c->counted = strcmp(w, "-");
		c->writes += strtoull(w, NULL, 10);
		c->skipped += strtoull(s, NULL, 10);
		c->restores += strtoull(r, NULL, 10);
		found = true;
	}
	fclose(f);
	return found;
}

/* KVM names a directory in its debugfs "<pid>-<fd>" for each VM. */
static int nr_kvm_vms(void)
{
	DIR *d = opendir(KVM_DEBUGFS);
	struct dirent *e;
	int pid, fd, n = 0;

	while (d && (e = readdir(d))) {
		if (sscanf(e->d_name, "%d-%d", &pid, &fd) == 2)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static void test_stress(void)
{
	int nr = nr_cpus * STRESS_PINNED_PER_CPU + STRESS_MIGRATING;
	struct layer_counts c0, c1;
	unsigned long long writes, skipped, restores;
	bool exact, counts_ok;
	int vms;
	unsigned long sets = 0, wrong = 0, errors = 0;
	struct stress_thread *t;
	bool counted, ok;
	int i;

	t = calloc(nr, sizeof(*t));
	if (!t)
		ksft_exit_fail_msg("out of memory\n");

	flush_all_cpus();
	counted = read_layer_counts(&c0);
	vms = nr_kvm_vms();
	stress_stop = 0;
	for (i = 0; i < nr; i++) {
		t[i].cpu = i < nr_cpus * STRESS_PINNED_PER_CPU ?
			   cpus[i % nr_cpus] : -1;
		t[i].seed = i + 1;
		if (pthread_create(&t[i].thread, NULL, stress_fn, &t[i]))
			ksft_exit_fail_msg("pthread_create\n");
	}
	sleep(STRESS_SECONDS);
	__atomic_store_n(&stress_stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nr; i++) {
		pthread_join(t[i].thread, NULL);
		sets += t[i].sets;
		wrong += t[i].wrong;
		errors += t[i].errors;
	}
	free(t);
	/* Every CPU that still holds a value of ours restores it now. */
	flush_all_cpus();
	counted = counted && read_layer_counts(&c1);
	vms += nr_kvm_vms();

	ksft_print_msg("stress: %d threads on %d cpus for %d s\n", nr, nr_cpus,
		       STRESS_SECONDS);
	ksft_print_msg("stress: %lu values loaded, %lu wrong reads, %lu errors\n",
		       sets, wrong, errors);
	ok = sets && !wrong && !errors;
	ksft_test_result(ok, "stress_never_sees_a_wrong_value\n");

	if (!counted) {
		ksft_test_result_fail("layer_counts: no TSC_AUX in %s\n", URM_STATS);
		return;
	}
	if (!c1.counted) {
		ksft_test_result_skip("layer_counts: needs X86_USER_RETURN_MSRS_DEBUG\n");
		return;
	}
	/*
	 * Each load is written, or skipped when the MSR holds the value
	 * already (another thread's, not yet restored because that thread
	 * was preempted before its return).  Each restore undoes at least
	 * one write, and every CPU is back at the host value now.  A guest
	 * that ran meanwhile counts on the same slot.
	 */
	writes = c1.writes - c0.writes;
	skipped = c1.skipped - c0.skipped;
	restores = c1.restores - c0.restores;
	exact = c1.refs == 1 || !vms;
	ksft_print_msg("layer: %llu writes, %llu skipped, %llu restores for %lu values\n",
		       writes, skipped, restores, sets);
	if (!exact)
		ksft_print_msg("layer: %d KVM guests share the slot: not an exact count\n",
			       vms);
	if (exact)
		counts_ok = writes + skipped == sets;
	else
		counts_ok = writes + skipped >= sets;
	ksft_test_result(counts_ok && restores && restores <= writes,
			 "layer_counts_%s\n", exact ? "exact" : "at_least");
}

int main(int argc, char **argv)
{
	unsigned int eax, ebx, ecx, edx;
	struct urn_test_msr arg;
	int i, cpu, err;

	ksft_print_header();

	if (!__get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) || !(edx & (1u << 27)))
		ksft_exit_skip("no RDTSCP in CPUID\n");
	have_rdpid = __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 22));

	load_test_module(URN_CONTROL);
	urn_fd = open(URN_CONTROL, O_RDWR);
	if (urn_fd < 0)
		ksft_exit_skip("%s: %s: no test_user_return_notifier (root, module)\n",
			       URN_CONTROL, strerror(errno));
	err = set_tsc_aux(getcpu_aux(NULL), 0, 0, 0, &arg);
	if (err == -ENOTTY)
		ksft_exit_skip("no URN_TEST_IOC_SET_MSR: no user-return MSR layer\n");
	if (err)
		ksft_exit_fail_msg("URN_TEST_IOC_SET_MSR: %s\n", strerror(-err));

	if (sched_getaffinity(0, sizeof(all_cpus), &all_cpus))
		ksft_exit_fail_perror("sched_getaffinity");
	for (i = 0; i < CPU_SETSIZE && nr_cpus < MAX_CPUS; i++) {
		if (!CPU_ISSET(i, &all_cpus) || i >= MAX_CPUS || pin(i))
			continue;
		own_aux[i] = getcpu_aux(&cpu);
		if (cpu == i)
			cpus[nr_cpus++] = i;
	}
	unpin();
	if (!nr_cpus)
		ksft_exit_fail_msg("cannot run on any cpu\n");
	ksft_print_msg("%d cpus, RDPID %s, TSC_AUX of cpu %d is %#x\n", nr_cpus,
		       have_rdpid ? "present" : "absent (its checks skip)", cpus[0],
		       own_aux[cpus[0]]);

	ksft_set_plan(6);
	test_restored_on_each_cpu(false);
	test_restored_on_each_cpu(true);
	test_restored_after_sleep();
	test_restored_after_migration();
	test_stress();
	ksft_finished();
}
