// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test the MSRs that KVM switches lazily, i.e. loads with the guest's value
 * on entry and restores only when the CPU returns to host user mode: TSC_AUX
 * on every vendor, and on VMX also STAR, LSTAR and SYSCALL_MASK (while the
 * guest is in long mode with EFER.SCE set) and EFER (where the CPU cannot
 * load it on VM entry and exit).  On SVM the SYSCALL MSRs are switched by
 * VMLOAD/VMSAVE and EFER by VMRUN.
 *
 * The guest, in long mode with EFER.SCE set, loads values of its own into
 * those MSRs and CSTAR, some equal to the host's, some not, some hostile
 * (LSTAR pointing nowhere, STAR with bogus selectors, TSC_AUX 0xdeadbeef),
 * and after every kind of exit checks that it still reads them back; one
 * scenario clears EFER.SCE as well.  The host checks that
 * KVM_GET_MSRS returns them, and, right after KVM_RUN returns and before any
 * other system call, that RDTSCP (and RDPID) return this CPU's own TSC_AUX,
 * that the vDSO's getcpu agrees and that a system call works.  The host's
 * values are read through the msr driver (/dev/cpu/N/msr).
 *
 * It also counts, per MSR, every write to those MSRs on any CPU with the
 * msr:write_msr tracepoint, by this task ("own") and by any other ("other"),
 * and asserts:
 *  - every write stores the guest's value or the host's, and another task
 *    only ever restores the host's;
 *  - no write at all when the guest's values are the host's;
 *  - own writes: two per differing MSR per round trip to user space (load
 *    and restore), so HLT/wake cycles that stay in the kernel add none;
 *    each restore another task made adds one (the reload) or takes one
 *    away (the restore it made); exactly that many, within those bounds,
 *    for the MSRs that the vendor always switches lazily, at most that
 *    many for EFER;
 *  - other writes: no more than the loads they undo, nor than the vCPU
 *    task's context switches (another task restores a value only on a CPU
 *    this task left), and none at all with -q (no other user task runs);
 *  - the user-return MSR layer's counters, where the kernel has the layer,
 *    count exactly the writes the tracepoint saw;
 *  - for EFER, exactly that many too where KVM switches it through the
 *    user-return MSRs (VMX without the load-EFER controls and without
 *    EPT; its own test point says whether it did), at most elsewhere;
 *  - in the HLT scenarios, one HLT exit per timer tick: a tick taken
 *    between STI and HLT fails the test, unless -H says that the emulator
 *    is known to lose STI's interrupt shadow (then at most a quarter).
 *
 * RDPID, where the CPU has it, is checked with RDTSCP after every exit; its
 * own test point says whether it ran.
 *
 * Then, where the kernel lets user-return MSR loads fail on demand
 * (CONFIG_FAIL_USER_RETURN_MSR), it makes the load before the first entry
 * fail and checks that KVM kills the VM instead of entering the guest.
 * Last, on VMX, it checks that KVM refuses a SYSCALL_MASK with reserved
 * bits where the value is stored, whether the MSR is loaded or not.
 *
 * With -b, the test instead prints, per scenario, the MSR writes and the TSC
 * ticks per iteration, for the benchmark (run it with one CPU under QEMU's
 * -icount, where the TSC counts executed instructions).
 */
#include <fcntl.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/auxvec.h>
#include <linux/elf.h>

#include "apic.h"
#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "vmx.h"

#define NR_VCPUS		3
#define NR_RUNS			50
/* Timed runs: many timer ticks, so that each adds little noise. */
#define NR_BENCH_RUNS		2000
#define NR_HALTS		20
#define TIMER_VECTOR		0xec
/* 1 ms at KVM's default 1 GHz APIC bus: longer than halt polling. */
#define TIMER_COUNT		1000000
#define APIC_TDCR_DIV_1		0xb
/* Seconds one round trip may take: 20 HLTs of 1 ms, under emulation. */
#define RUN_LIMIT		20

#define TRACEFS			"/sys/kernel/tracing"
#define WRITE_MSR_EVENT		TRACEFS "/events/msr/write_msr"

#define FAIL_URM		"/sys/kernel/debug/fail_user_return_msr"
#define FAILED_LOAD		"a failed MSR load stops the VM, without a warning"
#define RDPID_CASE		"rdpid_returns_own_tsc_aux"
#define EFER_CASE		"efer_switched_lazily"
#define SFMASK_CASE		"syscall_mask_bits_63_32_refused"
/* Reserved in SYSCALL_MASK (IA32_FMASK), like all of bits 63:32. */
#define SFMASK_RESERVED		BIT_ULL(32)
/* Linux's own value: TF, DF, IF, IOPL, AC and NT, among others. */
#define SFMASK_VALID		0x47700ull

/* The counters of the x86 user-return MSR layer, where the kernel has it. */
#define URM_STATS		"/sys/kernel/debug/x86/user_return_msrs"

#define HOSTILE_TSC_AUX		0xdeadbeefull
#define HOSTILE_LSTAR		0xffff8badc0de0000ull	/* Not mapped. */
#define HOSTILE_CSTAR		0xffff8badc0de1000ull
/* SYSRET and SYSCALL selectors that index nothing, a bogus 32-bit EIP. */
#define HOSTILE_STAR		0xfff3ffebdeadbeefull

struct msr_set {
	u64 tsc_aux;
	u64 star;
	u64 lstar;
	u64 cstar;	/* Never switched lazily: checked, not counted. */
	u64 sfmask;
	u64 efer;	/* Only EFER.SCE is switched by the guest. */
};

enum profile { EQUAL, MIXED, HOSTILE, HOSTILE_NO_SCE };

/* Guest values, indexed by the vCPU's argument. */
static struct msr_set guest_vals[NR_VCPUS];
static u64 guest_nr_halts;
static u64 guest_halts;		/* guest_halt() calls */
static u64 guest_ticks;
static u64 guest_shadow_ticks;	/* Timer interrupts taken at the HLT */

/* Host values that do not depend on the CPU; TSC_AUX is per CPU. */
static struct msr_set host_vals;
static bool host_has_rdpid;
static bool bench_mode;
/* -H: the emulator loses STI's interrupt shadow across VM entry. */
static bool shadow_lost;
/* -q: no other user task runs on the machine meanwhile. */
static bool quiet;
/*
 * VMX without the VM-entry/exit controls that load EFER, and without EPT:
 * KVM switches EFER through the user-return MSRs, and its writes are
 * counted exactly, as the others'.  Elsewhere EFER's count is a bound.
 */
static bool efer_lazily;
static long efer_writes;	/* The vCPU task's, in every scenario. */
static bool event_enabled_here;
static long (*vdso_getcpu)(unsigned int *cpu, unsigned int *node, void *unused);
static int nr_cpus;
static int cpus[2];
static u64 host_aux[2];	/* The host's TSC_AUX on cpus[]. */

/* The MSRs this vendor switches through the user-return layer. */
static const u32 amd_uret_msrs[] = { MSR_TSC_AUX };
static const u32 intel_uret_msrs[] = {
	MSR_TSC_AUX, MSR_STAR, MSR_LSTAR, MSR_SYSCALL_MASK, MSR_EFER,
};

static const u32 *uret_msrs;
static int nr_uret_msrs;

static u32 rdpid_aux(void)
{
	u64 val;

	asm volatile("rdpid %0" : "=r"(val));
	return val;
}

static void guest_timer_handler(struct ex_regs *regs)
{
	/*
	 * STI holds interrupts off until the next instruction has run, so the
	 * timer wakes safe_halt()'s HLT and returns after it.  An emulator
	 * that loses that shadow (QEMU's SVM did across VMRUN until June 2024)
	 * makes the interrupt come before the HLT, which would then wait for
	 * a timer that has already fired.  Step over the HLT, as the CPU
	 * would have woken from it, and count it: the host fails the test
	 * unless told (-H) that the emulator is known to do that.
	 */
	if (READ_ONCE(*(u8 *)regs->rip) == 0xf4) {
		WRITE_ONCE(guest_shadow_ticks, guest_shadow_ticks + 1);
		regs->rip++;
	}
	WRITE_ONCE(guest_ticks, guest_ticks + 1);
	x2apic_write_reg(APIC_EOI, 0);
}

/* Sleep in HLT until the APIC timer fires, without leaving the kernel. */
static void guest_halt(void)
{
	u64 ticks = READ_ONCE(guest_ticks);

	WRITE_ONCE(guest_halts, guest_halts + 1);
	x2apic_write_reg(APIC_TDCR, APIC_TDCR_DIV_1);
	x2apic_write_reg(APIC_LVTT, APIC_LVT_TIMER_ONESHOT | TIMER_VECTOR);
	x2apic_write_reg(APIC_TMICT, TIMER_COUNT);
	while (READ_ONCE(guest_ticks) == ticks) {
		safe_halt();
		cli();
	}
}

static void guest_check(const struct msr_set *v)
{
	u32 aux;

	GUEST_ASSERT_EQ(rdmsr(MSR_TSC_AUX), v->tsc_aux);
	rdtscp(&aux);
	GUEST_ASSERT_EQ(aux, v->tsc_aux);
	if (this_cpu_has(X86_FEATURE_RDPID))
		GUEST_ASSERT_EQ(rdpid_aux(), v->tsc_aux);
	GUEST_ASSERT_EQ(rdmsr(MSR_STAR), v->star);
	GUEST_ASSERT_EQ(rdmsr(MSR_LSTAR), v->lstar);
	GUEST_ASSERT_EQ(rdmsr(MSR_CSTAR), v->cstar);
	GUEST_ASSERT_EQ(rdmsr(MSR_SYSCALL_MASK), v->sfmask);
	GUEST_ASSERT_EQ(rdmsr(MSR_EFER) & EFER_SCE, v->efer & EFER_SCE);
}

static void guest_code(u64 idx)
{
	const struct msr_set *v = &guest_vals[idx];
	u64 i;

	x2apic_enable();
	wrmsr(MSR_TSC_AUX, v->tsc_aux);
	wrmsr(MSR_STAR, v->star);
	wrmsr(MSR_LSTAR, v->lstar);
	wrmsr(MSR_CSTAR, v->cstar);
	wrmsr(MSR_SYSCALL_MASK, v->sfmask);
	wrmsr(MSR_EFER, (rdmsr(MSR_EFER) & ~EFER_SCE) | (v->efer & EFER_SCE));

	for (;;) {
		guest_check(v);
		for (i = 0; i < READ_ONCE(guest_nr_halts); i++)
			guest_halt();
		guest_check(v);
		GUEST_SYNC(idx);
	}
}

/* Where the vDSO is mapped, from the auxiliary vector. */
static unsigned long vdso_base(void)
{
	unsigned long entry[2], base = 0;
	int fd = open("/proc/self/auxv", O_RDONLY);

	if (fd < 0)
		return 0;
	while (!base && read(fd, entry, sizeof(entry)) == sizeof(entry))
		if (entry[0] == AT_SYSINFO_EHDR)
			base = entry[1];
	close(fd);
	return base;
}

/*
 * The vDSO's getcpu, to call it directly: glibc's sched_getcpu() may read
 * the rseq area instead.  With RDPID, the vDSO reads TSC_AUX.
 */
static void find_vdso_getcpu(void)
{
	unsigned long base = vdso_base();
	struct elf64_hdr *eh = (void *)base;
	struct elf64_phdr *ph;
	struct elf64_shdr *sh;
	unsigned long load = base;
	int i, j;

	if (!base)
		return;
	ph = (void *)(base + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD) {
			load = base + ph[i].p_offset - ph[i].p_vaddr;
			break;
		}
	}
	sh = (void *)(base + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		struct elf64_sym *sym = (void *)(base + sh[i].sh_offset);
		const char *names;

		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		names = (void *)(base + sh[sh[i].sh_link].sh_offset);
		for (j = 0; j < sh[i].sh_size / sizeof(*sym); j++) {
			if (!strcmp(names + sym[j].st_name, "__vdso_getcpu")) {
				vdso_getcpu = (void *)(load + sym[j].st_value);
				return;
			}
		}
	}
}

/* Linux's TSC_AUX: (node << 12) | cpu, see setup_getcpu(). */
static u64 host_tsc_aux(void)
{
	unsigned int cpu, node;

	TEST_ASSERT(!syscall(SYS_getcpu, &cpu, &node, NULL), "getcpu failed");
	return ((u64)node << 12) | cpu;
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set),
		    "sched_setaffinity(%d) failed", cpu);
}

/* Voluntary and involuntary context switches of this thread so far. */
static long context_switches(void)
{
	struct rusage ru;

	TEST_ASSERT(!getrusage(RUSAGE_THREAD, &ru), "getrusage failed");
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

static bool read_host_msr(int cpu, u32 msr, u64 *val)
{
	char path[64];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	r = pread(fd, val, sizeof(*val), msr);
	close(fd);
	return r == sizeof(*val);
}

/*
 * The host's SYSCALL MSRs and EFER, from the msr driver: without them,
 * "values equal to the host's" would be a guess (LSTAR moves with KASLR).
 */
static void probe_host_vals(void)
{
	struct msr_set other;

	TEST_ASSERT(read_host_msr(cpus[0], MSR_STAR, &host_vals.star) &&
		    read_host_msr(cpus[0], MSR_LSTAR, &host_vals.lstar) &&
		    read_host_msr(cpus[0], MSR_CSTAR, &host_vals.cstar) &&
		    read_host_msr(cpus[0], MSR_SYSCALL_MASK, &host_vals.sfmask) &&
		    read_host_msr(cpus[0], MSR_EFER, &host_vals.efer),
		    "Reading the host's MSRs through /dev/cpu/%d/msr failed: this test needs the msr driver (CONFIG_X86_MSR)",
		    cpus[0]);
	TEST_ASSERT(read_host_msr(cpus[0], MSR_TSC_AUX, &host_aux[0]) &&
		    read_host_msr(cpus[1], MSR_TSC_AUX, &host_aux[1]),
		    "Reading TSC_AUX through /dev/cpu/N/msr failed");
	/* The write checks take these to be the same on every CPU. */
	TEST_ASSERT(read_host_msr(cpus[1], MSR_STAR, &other.star) &&
		    read_host_msr(cpus[1], MSR_LSTAR, &other.lstar) &&
		    read_host_msr(cpus[1], MSR_SYSCALL_MASK, &other.sfmask) &&
		    read_host_msr(cpus[1], MSR_EFER, &other.efer),
		    "Reading /dev/cpu/%d/msr failed", cpus[1]);
	TEST_ASSERT(other.star == host_vals.star && other.lstar == host_vals.lstar &&
		    other.sfmask == host_vals.sfmask && other.efer == host_vals.efer,
		    "The host's SYSCALL MSRs or EFER differ between CPUs %d and %d",
		    cpus[0], cpus[1]);
}

static struct msr_set profile_vals(enum profile p)
{
	struct msr_set v = host_vals;

	v.tsc_aux = host_tsc_aux();
	switch (p) {
	case EQUAL:
		break;
	case MIXED:
		v.tsc_aux ^= 0x5a5a00;
		v.lstar = 0xffffffff81c00000ull;
		break;
	case HOSTILE:
	case HOSTILE_NO_SCE:
		v.tsc_aux = HOSTILE_TSC_AUX;
		v.star = HOSTILE_STAR;
		v.lstar = HOSTILE_LSTAR;
		v.cstar = HOSTILE_CSTAR;
		v.sfmask = 0;
		/* Without SCE, VMX does not load the SYSCALL MSRs at all. */
		if (p == HOSTILE_NO_SCE)
			v.efer &= ~EFER_SCE;
		break;
	default:
		TEST_FAIL("bad profile %d", p);
	}
	return v;
}

/* The value of MSR in V; for EFER, only what the guest switches (SCE). */
static u64 msr_val(const struct msr_set *v, u32 msr)
{
	switch (msr) {
	case MSR_TSC_AUX:
		return v->tsc_aux;
	case MSR_STAR:
		return v->star;
	case MSR_LSTAR:
		return v->lstar;
	case MSR_SYSCALL_MASK:
		return v->sfmask;
	case MSR_EFER:
		return v->efer & EFER_SCE;
	}
	TEST_FAIL("MSR 0x%x not tracked", msr);
	return 0;
}

static int uret_index(u32 msr)
{
	int i;

	for (i = 0; i < nr_uret_msrs; i++)
		if (uret_msrs[i] == msr)
			return i;
	return -1;
}

struct result;
static void count_needed(struct result *res, const struct msr_set *g);

static bool write_file(const char *path, const char *val, int flags)
{
	int fd = open(path, O_WRONLY | flags);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok;
}

static void require_write_msr_event(void)
{
	__TEST_REQUIRE(!access(WRITE_MSR_EVENT "/enable", W_OK),
		       "No %s: the writes are counted with the msr:write_msr tracepoint (mount tracefs on %s, CONFIG_TRACING)",
		       WRITE_MSR_EVENT, TRACEFS);
}

/*
 * Does KVM switch EFER through the user-return MSRs here?  Only on VMX, if
 * the CPU cannot load EFER on VM entry and EPT is off (with EPT, KVM
 * switches it atomically whenever the guest's NX differs from the host's).
 */
static void probe_efer_lazily(void)
{
	char ept = 'Y';
	u64 ctls;
	int fd;

	if (!host_cpu_is_intel)
		return;
	if (!read_host_msr(cpus[0], MSR_IA32_VMX_TRUE_ENTRY_CTLS, &ctls) &&
	    !read_host_msr(cpus[0], MSR_IA32_VMX_ENTRY_CTLS, &ctls))
		return;
	if ((ctls >> 32) & VM_ENTRY_LOAD_IA32_EFER)
		return;
	fd = open("/sys/module/kvm_intel/parameters/ept", O_RDONLY);
	if (fd >= 0) {
		if (read(fd, &ept, 1) != 1)
			ept = 'Y';
		close(fd);
	}
	efer_lazily = ept == 'N';
}

/* The host's values come from the msr driver. */
static void require_msr_driver(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpus[0]);
	__TEST_REQUIRE(!access(path, R_OK),
		       "No %s: the host's MSRs are read through the msr driver (CONFIG_X86_MSR, as root)",
		       path);
}

/*
 * Enabling the event patches kernel text: do it once, not per window, and
 * leave it as it was found.  (Under QEMU TCG with two CPUs, enabling and
 * disabling it over and over has been seen to end in an int3 oops.)
 */
static void write_msr_event_on(void)
{
	char filter[256];
	char state = '0';
	int fd, i, n = 0;

	if (event_enabled_here)
		return;
	for (i = 0; i < nr_uret_msrs; i++)
		n += snprintf(filter + n, sizeof(filter) - n, "%smsr == 0x%x",
			      i ? " || " : "", uret_msrs[i]);
	TEST_ASSERT(write_file(WRITE_MSR_EVENT "/filter", filter, 0),
		    "setting the write_msr filter failed");

	fd = open(WRITE_MSR_EVENT "/enable", O_RDONLY);
	TEST_ASSERT(fd >= 0 && read(fd, &state, 1) == 1,
		    "reading the state of msr:write_msr failed");
	close(fd);
	if (state == '1')
		return;
	TEST_ASSERT(write_file(WRITE_MSR_EVENT "/enable", "1", 0),
		    "enabling msr:write_msr failed");
	event_enabled_here = true;
}

static void write_msr_event_off(void)
{
	if (!event_enabled_here)
		return;
	TEST_ASSERT(write_file(WRITE_MSR_EVENT "/enable", "0", 0),
		    "disabling msr:write_msr failed");
	write_file(WRITE_MSR_EVENT "/filter", "0", 0);
	event_enabled_here = false;
}

/* Start counting writes to the switched MSRs, on all CPUs. */
static void count_writes_start(void)
{
	write_msr_event_on();
	TEST_ASSERT(write_file(TRACEFS "/trace", "", O_TRUNC),
		    "clearing the trace buffer failed");
}

/* The pid and CPU of the "comm-pid [cpu]" columns of a trace line. */
static pid_t trace_line_pid(const char *line, int *cpu)
{
	const char *p = strchr(line, '[');

	if (!p)
		return -1;
	*cpu = atoi(p + 1);
	while (p > line && p[-1] == ' ')
		p--;
	while (p > line && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return atoi(p);
}

static const char *msr_name(u32 msr)
{
	switch (msr) {
	case MSR_TSC_AUX:
		return "TSC_AUX";
	case MSR_STAR:
		return "STAR";
	case MSR_LSTAR:
		return "LSTAR";
	case MSR_SYSCALL_MASK:
		return "SYSCALL_MASK";
	case MSR_EFER:
		return "EFER";
	}
	return "?";
}

/* Writes to one MSR in a window, on any CPU. */
struct msr_writes {
	long own;	/* By this task: loads of the guest's value, restores. */
	long other;	/* By other tasks: restores of the host's value. */
	long loads;	/* Of the guest's value, by this task. */
	long bad;	/* Values that are neither the guest's nor the host's. */
};

/*
 * The host's value of MSR on CPU, as a restore writes it; ~0 on a CPU the
 * test does not use, where nothing is to be restored.
 */
static u64 host_msr_val(u32 msr, int cpu)
{
	int i;

	if (msr == MSR_EFER)
		return host_vals.efer;
	if (msr != MSR_TSC_AUX)
		return msr_val(&host_vals, msr);
	for (i = 0; i < 2; i++)
		if (cpu == cpus[i])
			return host_aux[i];
	return ~0ull;
}

/*
 * Read the trace: per MSR, every write on any CPU, by this task or another.
 * Another task's return to user mode on a CPU with the guest's values
 * loaded restores the host's, and then the vCPU reloads the guest's: both
 * are needed, and allowed for, but only as restores of the host's value.
 */
static void count_writes_stop(const struct msr_set *guest, int nr_guest,
			      struct msr_writes *w)
{
	unsigned long in_buf = 0, written = 0;
	pid_t pid = getpid();
	char line[512];
	FILE *f;

	memset(w, 0, sizeof(*w) * nr_uret_msrs);
	f = fopen(TRACEFS "/trace", "r");
	TEST_ASSERT(f, "opening the trace failed");
	while (fgets(line, sizeof(line), f)) {
		const char *ev = strstr(line, " write_msr: ");
		bool is_guest = false, is_host;
		unsigned long long val;
		unsigned int msr;
		int cpu = -1, i, g;
		pid_t who;

		if (sscanf(line, "# entries-in-buffer/entries-written: %lu/%lu",
			   &in_buf, &written) == 2)
			continue;
		if (!ev)
			continue;
		TEST_ASSERT(sscanf(ev, " write_msr: %x, value %llx", &msr, &val) == 2,
			    "unreadable trace line: %s", line);
		i = uret_index(msr);
		if (i < 0)
			continue;
		who = trace_line_pid(line, &cpu);
		for (g = 0; g < nr_guest; g++) {
			if (msr == MSR_EFER)
				is_guest |= (val & EFER_SCE) == msr_val(&guest[g], msr);
			else
				is_guest |= val == msr_val(&guest[g], msr);
		}
		is_host = val == host_msr_val(msr, cpu);
		if (who == pid) {
			w[i].own++;
			if (is_guest && !is_host)
				w[i].loads++;
			else if (!is_host)
				w[i].bad++;
		} else {
			w[i].other++;
			if (!is_host)
				w[i].bad++;
		}
		if (!is_host && (who != pid || !is_guest))
			ksft_print_msg("CPU %d, pid %d (this task %d) wrote 0x%llx to %s\n",
				       cpu, who, pid, val, msr_name(msr));
	}
	fclose(f);
	TEST_ASSERT(in_buf == written,
		    "the trace kept %lu of %lu events: writes went uncounted",
		    in_buf, written);
}

struct urm_counts {
	long writes;		/* Loads, restores and writes that faulted. */
	long mismatches;	/* Found by the layer's debug check. */
};

/*
 * Sum the layer's per-CPU counters of the MSRs counted here.  False if the
 * kernel has no such layer (the base), no debugfs, or counts writes and
 * restores not at all (without CONFIG_X86_USER_RETURN_MSRS_DEBUG).
 */
static bool read_urm_counts(struct urm_counts *c)
{
	char line[256], name[16], writes[24], skipped[24], restores[24];
	unsigned long faults, mismatches;
	bool counted = true;
	unsigned int slot, refs;
	FILE *f = fopen(URM_STATS, "r");
	int cpu, i;

	if (!f)
		return false;
	memset(c, 0, sizeof(*c));
	while (fgets(line, sizeof(line), f)) {
		/* Writes, skips and restores: numbers, or "-" where not counted. */
		if (sscanf(line, "%15s %u %u %d %23s %23s %23s %lu %lu", name,
			   &slot, &refs, &cpu, writes, skipped, restores,
			   &faults, &mismatches) != 9)
			continue;
		for (i = 0; i < nr_uret_msrs; i++) {
			if (strcmp(name, msr_name(uret_msrs[i])))
				continue;
			if (!strcmp(writes, "-"))
				counted = false;
			/* The tracepoint sees the writes that fault too. */
			c->writes += strtoul(writes, NULL, 10) +
				     strtoul(restores, NULL, 10) + faults;
			c->mismatches += mismatches;
		}
	}
	fclose(f);
	return counted;
}

/*
 * Right after KVM_RUN returns, before any other system call: the TSC_AUX
 * seen by RDTSCP and RDPID must be this CPU's own, and only then is the
 * getcpu system call (which needs the host's SYSCALL MSRs) made.
 */
static void check_host_user_state(void)
{
	u32 aux, pid = 0;
	unsigned int cpu, node;
	unsigned int vdso_cpu;
	u64 want;

	rdtscp(&aux);
	if (host_has_rdpid)
		pid = rdpid_aux();
	if (vdso_getcpu)
		vdso_getcpu(&vdso_cpu, NULL, NULL);
	else
		vdso_cpu = sched_getcpu();
	TEST_ASSERT(!syscall(SYS_getcpu, &cpu, &node, NULL), "getcpu failed");
	want = ((u64)node << 12) | cpu;

	TEST_ASSERT(aux == want,
		    "RDTSCP in host user mode: TSC_AUX 0x%x, this CPU's is 0x%lx",
		    aux, want);
	TEST_ASSERT(!host_has_rdpid || pid == want,
		    "RDPID in host user mode: 0x%x, this CPU's TSC_AUX is 0x%lx",
		    pid, want);
	TEST_ASSERT(vdso_cpu == cpu, "vDSO getcpu %u, getcpu syscall %u",
		    vdso_cpu, cpu);
}

static void check_get_msrs(struct kvm_vcpu *vcpu, const struct msr_set *v)
{
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_TSC_AUX), v->tsc_aux);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_STAR), v->star);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_LSTAR), v->lstar);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_CSTAR), v->cstar);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_SYSCALL_MASK), v->sfmask);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_EFER) & EFER_SCE,
		       v->efer & EFER_SCE);
}

/* Requires a GUEST_SYNC() and returns its argument. */
static u64 handle_ucall(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("Unexpected ucall %lu", uc.cmd);
	}
	return uc.args[1];
}

static void on_alarm(int sig)
{
}

/*
 * A round trip that does not end within RUN_LIMIT seconds (a lost wake-up
 * of a halted vCPU, say) fails with the vCPU's state instead of hanging:
 * the alarm makes KVM_RUN return -EINTR.
 */
static bool apic_vector_set(const u32 *reg, u32 base, u8 vector)
{
	return reg[(base + vector / 32 * 0x10) / 4] & BIT(vector % 32);
}

static void report_stuck_vcpu(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic_state lapic;
	const u32 *reg = (const u32 *)lapic.regs;
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	int r;

	vcpu_regs_get(vcpu, &regs);
	vcpu_mp_state_get(vcpu, &mp);
	vcpu_ioctl(vcpu, KVM_GET_LAPIC, &lapic);
	sync_global_from_guest(vcpu->vm, guest_ticks);
	sync_global_from_guest(vcpu->vm, guest_halts);
	sync_global_from_guest(vcpu->vm, guest_shadow_ticks);
	ksft_print_msg("vCPU %u: rip 0x%llx, mp_state %u\n",
		       vcpu->id, regs.rip, mp.mp_state);
	ksft_print_msg("vCPU %u: %lu halts begun, %lu timer ticks, %lu of them at the HLT\n",
		       vcpu->id, guest_halts, guest_ticks, guest_shadow_ticks);
	ksft_print_msg("vCPU %u: %lu HLT exits, %lu wake-ups, %lu polls, %lu IRQ window exits\n",
		       vcpu->id, vcpu_get_stat(vcpu, halt_exits),
		       vcpu_get_stat(vcpu, halt_wakeup),
		       vcpu_get_stat(vcpu, halt_attempted_poll),
		       vcpu_get_stat(vcpu, irq_window_exits));
	/* Did the timer expire, and is its interrupt pending or in service? */
	ksft_print_msg("vCPU %u: APIC timer LVTT 0x%x, initial count %u, current count %u\n",
		       vcpu->id, reg[APIC_LVTT / 4], reg[APIC_TMICT / 4],
		       reg[APIC_TMCCT / 4]);
	ksft_print_msg("vCPU %u: vector 0x%x %s in IRR, %s in ISR\n",
		       vcpu->id, TIMER_VECTOR,
		       apic_vector_set(reg, APIC_IRR, TIMER_VECTOR) ? "set" : "clear",
		       apic_vector_set(reg, APIC_ISR, TIMER_VECTOR) ? "set" : "clear");
	/*
	 * A wake-up that was lost while the timer's interrupt is pending ends
	 * with the next KVM_RUN.  A timer that never fired does not, nor does
	 * a halt whose tick the guest took before its HLT (as many ticks as
	 * halts begun).
	 */
	alarm(5);
	r = __vcpu_run(vcpu);
	alarm(0);
	sync_global_from_guest(vcpu->vm, guest_ticks);
	ksft_print_msg("vCPU %u: another KVM_RUN %s, %lu timer ticks in the guest\n",
		       vcpu->id, r && errno == EINTR ? "did not return within 5 s either" :
		       "returned", guest_ticks);
	TEST_FAIL("KVM_RUN did not return within %d s", RUN_LIMIT);
}

/* One round trip: KVM_RUN up to the guest's next GUEST_SYNC. */
static void run_and_check(struct kvm_vcpu *vcpu, const struct msr_set *v)
{
	int r;

	alarm(RUN_LIMIT);
	r = __vcpu_run(vcpu);
	alarm(0);
	check_host_user_state();
	if (r && errno == EINTR)
		report_stuck_vcpu(vcpu);
	TEST_ASSERT(!r, KVM_IOCTL_ERROR(KVM_RUN, r));
	handle_ucall(vcpu);
	check_get_msrs(vcpu, v);
}

enum between { NOTHING, YIELD, SLEEP, MIGRATE };

struct scenario {
	const char *name;
	int nr_vcpus;
	enum profile profiles[NR_VCPUS];
	u64 nr_halts;
	int nr_runs;
	enum between between;
	bool bench;	/* Also a row of the benchmark. */
};

static const struct scenario scenarios[] = {
	{ "exit to user space, values equal to the host's", 1, { EQUAL },
	  0, NR_RUNS, NOTHING, true },
	{ "exit to user space, some values equal, some not", 1, { MIXED },
	  0, NR_RUNS, NOTHING, true },
	{ "exit to user space, hostile values", 1, { HOSTILE },
	  0, NR_RUNS, NOTHING, true },
	{ "sched_yield() between runs", 1, { HOSTILE },
	  0, NR_RUNS, YIELD, true },
	{ "vCPU thread sleeping between runs", 1, { HOSTILE },
	  0, 10, SLEEP, false },
	{ "guest HLT with APIC timer, no exit to user space", 1, { HOSTILE },
	  NR_HALTS, 2, NOTHING, true },
	{ "guest HLT with APIC timer, values equal to the host's", 1, { EQUAL },
	  NR_HALTS, 2, NOTHING, false },
	{ "migration to another CPU between runs", 1, { HOSTILE },
	  0, NR_RUNS, MIGRATE, false },
	{ "three vCPUs run by one task", NR_VCPUS, { EQUAL, MIXED, HOSTILE },
	  0, NR_RUNS, NOTHING, true },
	{ "exit to user space, hostile values, EFER.SCE clear", 1,
	  { HOSTILE_NO_SCE }, 0, NR_RUNS, NOTHING, false },
};

struct result {
	struct msr_writes w[ARRAY_SIZE(intel_uret_msrs)];
	long writes;	/* All of w[], own and other. */
	long other;	/* Of those, made by other tasks. */
	long switches;	/* Context switches of the vCPU task meanwhile. */
	struct urm_counts layer;	/* .writes -1: no layer counters */
	long max_writes[ARRAY_SIZE(intel_uret_msrs)];	/* Own, per MSR. */
	long max_total;
	u64 ticks;
	int iters;
};

/*
 * Does the vendor load the guest's value of MSR on entry, for a guest in
 * long mode with EFER G?  VMX loads the SYSCALL MSRs only while EFER.SCE
 * is set; EFER itself goes through the user-return MSRs only on CPUs that
 * cannot load it on VM entry and exit, so for EFER this is an upper bound.
 */
static bool switched_lazily(u32 msr, const struct msr_set *g)
{
	switch (msr) {
	case MSR_STAR:
	case MSR_LSTAR:
	case MSR_SYSCALL_MASK:
		return g->efer & EFER_SCE;
	default:
		return true;
	}
}

/*
 * What one round trip to user space on the CPU the task runs on needs:
 * for each MSR the vendor switches lazily and whose guest value differs
 * from the host's, two writes (load the guest's, restore the host's).
 */
static void count_needed(struct result *res, const struct msr_set *g)
{
	struct msr_set h = host_vals;
	int i;

	h.tsc_aux = host_tsc_aux();
	for (i = 0; i < nr_uret_msrs; i++) {
		if (switched_lazily(uret_msrs[i], g) &&
		    msr_val(g, uret_msrs[i]) != msr_val(&h, uret_msrs[i])) {
			res->max_writes[i] += 2;
			res->max_total += 2;
		}
	}
}

static struct result run_scenario(const struct scenario *s, int nr_runs,
				  bool timed)
{
	struct kvm_vcpu *vcpus[NR_VCPUS];
	struct msr_set vals[NR_VCPUS];
	struct result res = { .writes = -1, .layer.writes = -1 };
	struct urm_counts before;
	bool layer;
	struct kvm_vm *vm;
	u64 start;
	int i, j, run;

	pin_to(cpus[0]);
	for (i = 0; i < s->nr_vcpus; i++) {
		vals[i] = profile_vals(s->profiles[i]);
		guest_vals[i] = vals[i];
	}

	vm = vm_create_with_vcpus(s->nr_vcpus, guest_code, vcpus);
	vm_install_exception_handler(vm, TIMER_VECTOR, guest_timer_handler);
	for (i = 0; i < s->nr_vcpus; i++)
		vcpu_args_set(vcpus[i], 1, i);
	sync_global_to_guest(vm, guest_vals);
	guest_nr_halts = s->nr_halts;
	sync_global_to_guest(vm, guest_nr_halts);

	/* The guest loads its values; the window starts after this run. */
	for (i = 0; i < s->nr_vcpus; i++)
		run_and_check(vcpus[i], &vals[i]);

	if (!timed)
		count_writes_start();
	layer = !timed && read_urm_counts(&before);
	res.switches = context_switches();
	start = rdtsc();
	for (run = 0; run < nr_runs; run++) {
		int cpu = cpus[run % 2];

		switch (s->between) {
		case YIELD:
			sched_yield();
			break;
		case SLEEP:
			usleep(1000);
			break;
		case MIGRATE:
			pin_to(cpu);
			break;
		case NOTHING:
			break;
		}
		for (i = 0; i < s->nr_vcpus; i++) {
			if (!timed) {
				count_needed(&res, &vals[i]);
				run_and_check(vcpus[i], &vals[i]);
			} else {
				/* Checked above: only count the exit. */
				TEST_ASSERT_EQ(__vcpu_run(vcpus[i]), 0);
				TEST_ASSERT_EQ(vcpus[i]->run->exit_reason,
					       KVM_EXIT_IO);
			}
		}
	}
	res.ticks = rdtsc() - start;
	res.switches = context_switches() - res.switches;
	if (layer) {
		TEST_ASSERT(read_urm_counts(&res.layer), "%s vanished", URM_STATS);
		res.layer.writes -= before.writes;
		res.layer.mismatches -= before.mismatches;
	}
	if (!timed) {
		count_writes_stop(vals, s->nr_vcpus, res.w);
		res.writes = 0;
		res.other = 0;
		for (j = 0; j < nr_uret_msrs; j++) {
			res.writes += res.w[j].own + res.w[j].other;
			res.other += res.w[j].other;
		}
	}
	res.iters = nr_runs * s->nr_vcpus;

	/*
	 * Make sure the guest really halted, once per timer tick, but for
	 * the HLTs that the timer handler stepped over.
	 */
	if (s->nr_halts && !timed) {
		u64 exits = vcpu_get_stat(vcpus[0], halt_exits);
		u64 want = s->nr_halts * (nr_runs + 1);

		sync_global_from_guest(vm, guest_shadow_ticks);
		ksft_print_msg("%lu HLT exits, %lu wake-ups from sleep\n",
			       exits, vcpu_get_stat(vcpus[0], halt_wakeup));
		if (guest_shadow_ticks)
			ksft_print_msg("%lu timer interrupts between STI and HLT: %s\n",
				       guest_shadow_ticks,
				       "the emulator lost STI's shadow, those HLTs were stepped over");
		TEST_ASSERT(shadow_lost || !guest_shadow_ticks,
			    "%lu timer interrupts between STI and HLT: STI's interrupt shadow was lost (-H if the emulator is known to lose it)",
			    guest_shadow_ticks);
		/* A floor that stepping over every HLT cannot reach. */
		TEST_ASSERT(guest_shadow_ticks * 4 <= want,
			    "%lu of %lu HLTs stepped over: more than a quarter",
			    guest_shadow_ticks, want);
		want -= guest_shadow_ticks;
		TEST_ASSERT(exits >= want, "%lu HLT exits, expected %lu",
			    exits, want);
	}

	kvm_vm_free(vm);
	return res;
}

static void test_scenario(const struct scenario *s)
{
	struct result res;
	int i;

	if (s->between == MIGRATE && nr_cpus < 2) {
		ksft_test_result_skip("%s: needs two CPUs\n", s->name);
		return;
	}

	res = run_scenario(s, s->nr_runs, false);
	ksft_print_msg("%ld writes in %d runs (%ld by others, %ld switches), at most %ld needed\n",
		       res.writes, res.iters, res.other, res.switches, res.max_total);
	for (i = 0; i < nr_uret_msrs; i++) {
		const struct msr_writes *w = &res.w[i];
		const char *name = msr_name(uret_msrs[i]);

		ksft_print_msg("  %-12s own %ld (%ld loads), other %ld, needed %ld\n",
			       name, w->own, w->loads, w->other, res.max_writes[i]);
		TEST_ASSERT(!w->bad,
			    "%s: %ld writes to %s of neither the guest's value nor the host's, or by another task of the guest's",
			    s->name, w->bad, name);
		/*
		 * Another task's restore costs this task one write more (it
		 * reloads the guest's value before the next entry) or one less
		 * (it finds the host's value back when it returns to user
		 * mode): with none (-q), the count is exact.
		 */
		TEST_ASSERT(w->own <= res.max_writes[i] + w->other,
			    "%s: %ld writes to %s by the vCPU task, at most %ld needed (%ld restores by other tasks)",
			    s->name, w->own, name, res.max_writes[i], w->other);
		/* A load or restore that did not happen is a bug too. */
		TEST_ASSERT((uret_msrs[i] == MSR_EFER && !efer_lazily) ||
			    w->own + w->other >= res.max_writes[i],
			    "%s: %ld writes to %s by the vCPU task, %ld needed (%ld restores by other tasks)",
			    s->name, w->own, name, res.max_writes[i], w->other);
		TEST_ASSERT(w->other <= w->loads,
			    "%s: other tasks wrote %s %ld times, after %ld loads of the guest's value",
			    s->name, name, w->other, w->loads);
		/*
		 * Another task restores the host's value only where it returns
		 * to user mode on a CPU that this task left with the guest's
		 * value loaded: once per context switch at most, and never on
		 * a quiet machine (-q).
		 */
		TEST_ASSERT(w->other <= res.switches,
			    "%s: other tasks wrote %s %ld times, in %ld context switches of the vCPU task",
			    s->name, name, w->other, res.switches);
		TEST_ASSERT(!quiet || !w->other,
			    "%s: other tasks wrote %s %ld times on a quiet machine (-q)",
			    s->name, name, w->other);
		TEST_ASSERT(res.max_writes[i] || !(w->own + w->other),
			    "%s: %ld writes to %s, whose guest value is the host's",
			    s->name, w->own + w->other, name);
		if (uret_msrs[i] == MSR_EFER)
			efer_writes += w->own;
	}
	if (res.layer.writes >= 0) {
		ksft_print_msg("user-return MSR layer: %ld writes and restores, %ld mismatches\n",
			       res.layer.writes, res.layer.mismatches);
		TEST_ASSERT(res.layer.writes == res.writes,
			    "%s: the layer counted %ld MSR writes, the tracepoint %ld",
			    s->name, res.layer.writes, res.writes);
		TEST_ASSERT(!res.layer.mismatches,
			    "%s: the layer found %ld MSRs not holding the value it cached",
			    s->name, res.layer.mismatches);
	}
	ksft_test_result_pass("%s\n", s->name);
}

static void guest_done(void)
{
	GUEST_DONE();
}

/* TAINT_WARN: the kernel printed a WARNING since boot. */
#define TAINT_WARN		BIT(9)

static unsigned long read_tainted(void)
{
	char buf[32] = "";
	int fd = open("/proc/sys/kernel/tainted", O_RDONLY);

	TEST_ASSERT(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0,
		    "reading /proc/sys/kernel/tainted failed");
	close(fd);
	return strtoul(buf, NULL, 10);
}

static void fail_urm_set(const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), FAIL_URM "/%s", file);
	TEST_ASSERT(write_file(path, val, 0), "writing %s to %s failed",
		    val, path);
}

/*
 * If loading a guest value fails before entry, KVM must not enter the
 * guest, which would run with the host's value, and must not warn: the
 * value is the guest's or the VMM's (KVM checks each value when it is
 * stored, but a CPU may still refuse one).  Make one load fail, in this
 * task only, with the layer's fault injection
 * (CONFIG_FAIL_USER_RETURN_MSR), and check that KVM_RUN kills
 * the VM instead of running the guest, and that the kernel did not warn
 * (the W taint, when it was not set before).
 *
 * Not with fail_function and a kprobe: on x86-64 kernels before "x86/ftrace:
 * Always call the ftrace_ops callback, never jump to it", a kprobe on ftrace
 * registered a second time in a boot crashes the kernel where
 * kprobe_ftrace_handler() sits at an odd address, i.e. the second run of
 * this test would.  The fault attribute is set up anew by each run and
 * left disarmed (times 0).
 */
static void test_failed_load(void)
{
	const char *make_it_fail = "/proc/thread-self/make-it-fail";
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	unsigned long tainted;
	char times[16] = "";
	int fd, r, err;

	if (access(FAIL_URM "/times", W_OK)) {
		ksft_test_result_skip("%s: no %s (CONFIG_FAIL_USER_RETURN_MSR)\n",
				      FAILED_LOAD, FAIL_URM);
		return;
	}
	vm = vm_create_with_one_vcpu(&vcpu, guest_done);
	/* A value that the first entry must load on any CPU. */
	vcpu_set_msr(vcpu, MSR_TSC_AUX, HOSTILE_TSC_AUX);

	/* Once, in tasks with make-it-fail set, logged. */
	fail_urm_set("task-filter", "Y");
	fail_urm_set("verbose", "1");
	fail_urm_set("interval", "1");
	fail_urm_set("space", "0");
	fail_urm_set("times", "1");
	fail_urm_set("probability", "100");
	tainted = read_tainted();
	if (tainted & TAINT_WARN)
		ksft_print_msg("W taint set before: only the kernel log can tell\n");
	TEST_ASSERT(write_file(make_it_fail, "1", 0), "writing 1 to %s failed",
		    make_it_fail);

	r = __vcpu_run(vcpu);
	err = errno;

	write_file(make_it_fail, "0", 0);
	fd = open(FAIL_URM "/times", O_RDONLY);
	TEST_ASSERT(fd >= 0 && read(fd, times, sizeof(times) - 1) > 0,
		    "reading %s/times failed", FAIL_URM);
	close(fd);
	fail_urm_set("probability", "0");
	fail_urm_set("times", "0");

	check_host_user_state();
	TEST_ASSERT(!atoi(times),
		    "the load before the first entry did not fail (%s/times: %s)",
		    FAIL_URM, times);
	TEST_ASSERT(r,
		    "KVM_RUN entered the guest after user_return_msr_set() failed (exit reason %s)",
		    exit_reason_str(vcpu->run->exit_reason));
	TEST_ASSERT(err == EIO, "KVM_RUN failed with errno %d, not EIO", err);
	TEST_ASSERT((tainted & TAINT_WARN) || !(read_tainted() & TAINT_WARN),
		    "the kernel warned when the load failed (see its log)");
	/* The VM is dead: KVM refuses to run it again. */
	r = __vcpu_run(vcpu);
	TEST_ASSERT(r && errno == EIO,
		    "KVM_RUN of the dead VM: %d (errno %d), not EIO", r, errno);
	kvm_vm_free(vm);
	ksft_test_result_pass("%s\n", FAILED_LOAD);
}

/*
 * Bits 63:32 of SYSCALL_MASK are reserved: WRMSR faults on them.  VMX loads
 * the MSR only while the guest is in long mode with EFER.SCE set, so KVM
 * must refuse the bits where the value is stored: KVM_SET_MSRS fails while
 * the MSR is not loaded (EFER.SCE clear, as at vCPU creation), and the
 * guest's WRMSR takes a #GP with EFER.SCE clear as with it set.  A value
 * stored unchecked would reach the load at a later entry, too late for a
 * #GP.  A valid value is taken each time.  On SVM, VMLOAD and VMSAVE switch
 * the MSR.
 */
static void guest_sfmask_code(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~EFER_SCE);
	GUEST_ASSERT(!wrmsr_safe(MSR_SYSCALL_MASK, SFMASK_VALID));
	GUEST_SYNC(wrmsr_safe(MSR_SYSCALL_MASK, SFMASK_RESERVED));
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	GUEST_ASSERT(!wrmsr_safe(MSR_SYSCALL_MASK, SFMASK_VALID));
	GUEST_SYNC(wrmsr_safe(MSR_SYSCALL_MASK, SFMASK_RESERVED));
	GUEST_DONE();
}

static void test_sfmask_reserved(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	bool set_msrs;
	u64 vector[2];
	int i;

	if (!this_cpu_has(X86_FEATURE_VMX)) {
		ksft_test_result_skip("%s: no VMX; SVM switches SYSCALL_MASK in VMLOAD/VMSAVE\n",
				      SFMASK_CASE);
		return;
	}
	vm = vm_create_with_one_vcpu(&vcpu, guest_sfmask_code);
	/* Before the first entry: EFER.SCE is clear, the MSR not loaded. */
	vcpu_set_msr(vcpu, MSR_SYSCALL_MASK, SFMASK_VALID);
	set_msrs = _vcpu_set_msr(vcpu, MSR_SYSCALL_MASK, SFMASK_RESERVED);
	for (i = 0; i < 2; i++) {
		vcpu_run(vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		vector[i] = handle_ucall(vcpu);
	}
	vcpu_run(vcpu);
	TEST_ASSERT_EQ(get_ucall(vcpu, NULL), UCALL_DONE);
	/* All three, so that a kernel without the check shows each way in. */
	TEST_ASSERT(!set_msrs && vector[0] == GP_VECTOR && vector[1] == GP_VECTOR,
		    "SYSCALL_MASK 0x%llx (bit 32 reserved), refused with an error or #GP: by KVM_SET_MSRS with EFER.SCE clear: %s, by the guest's WRMSR with EFER.SCE clear: %s (vector %lu), with EFER.SCE set: %s (vector %lu)",
		    SFMASK_RESERVED, set_msrs ? "no" : "yes",
		    vector[0] == GP_VECTOR ? "yes" : "no", vector[0],
		    vector[1] == GP_VECTOR ? "yes" : "no", vector[1]);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_SYSCALL_MASK), SFMASK_VALID);
	kvm_vm_free(vm);
	ksft_test_result_pass("%s\n", SFMASK_CASE);
}

/*
 * One line per scenario: the writes (with the tracepoint on) and, in a
 * second pass with it off and NR_BENCH_RUNS runs, the TSC ticks per
 * iteration.  Under QEMU's -icount with one CPU these are instruction
 * counts, hence repeatable.  Not for a scenario whose guest halts: with
 * "sleep=off" the clock jumps to the timer's deadline, so its ticks would
 * count the timer's period, not work (ticks=-1).
 */
static void bench_scenario(const struct scenario *s)
{
	struct result w = run_scenario(s, s->nr_runs, false);
	struct result t = { .iters = w.iters };
	long ticks = -1;

	/* Time it without the tracepoint (one CPU: patching is safe). */
	write_msr_event_off();
	if (!s->nr_halts) {
		t = run_scenario(s, NR_BENCH_RUNS, true);
		ticks = t.ticks;
	}

	printf("bench: scenario=\"%s\" iters=%d writes=%ld foreign=%ld ",
	       s->name, w.iters, w.writes, w.other);
	printf("min_writes=%ld ticks_iters=%d ticks=%ld\n",
	       w.max_total, t.iters, ticks);
}

static void init_cpus(void)
{
	cpu_set_t set;
	int cpu;

	TEST_ASSERT(!sched_getaffinity(0, sizeof(set), &set),
		    "sched_getaffinity failed");
	for (cpu = 0; cpu < CPU_SETSIZE && nr_cpus < 2; cpu++)
		if (CPU_ISSET(cpu, &set))
			cpus[nr_cpus++] = cpu;
	if (nr_cpus < 2)
		cpus[1] = cpus[0];
}

int main(int argc, char *argv[])
{
	int i, opt, only = -1;

	while ((opt = getopt(argc, argv, "bHqs:h")) != -1) {
		switch (opt) {
		case 'b':
			bench_mode = true;
			break;
		case 'H':
			shadow_lost = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 's':
			only = atoi_non_negative("Scenario", optarg);
			TEST_ASSERT(only < ARRAY_SIZE(scenarios),
				    "Scenario %d: there are %zu", only,
				    ARRAY_SIZE(scenarios));
			break;
		default:
			printf("usage: %s [-b] [-H] [-q] [-s N]\n", argv[0]);
			printf("  -b: print MSR writes and TSC ticks per scenario\n");
			printf("  -H: the emulator loses STI's interrupt shadow across VM entry\n");
			printf("      (QEMU before 9.1 on SVM): a timer interrupt taken before\n");
			printf("      the HLT that STI shadows is counted, not a failure\n");
			printf("  -q: no other user task runs meanwhile:\n");
			printf("      other tasks make no write\n");
			printf("  -s: run scenario N only (0 to %zu)\n",
			       ARRAY_SIZE(scenarios) - 1);
			exit(opt == 'h' ? 0 : KSFT_FAIL);
		}
	}

	TEST_REQUIRE(this_cpu_has(X86_FEATURE_RDTSCP));
	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_RDTSCP));
	TEST_REQUIRE(host_cpu_is_amd || host_cpu_is_intel);
	/* No SA_RESTART: the alarm interrupts KVM_RUN. */
	TEST_ASSERT(!sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm }, NULL),
		    "sigaction(SIGALRM) failed");

	if (host_cpu_is_amd) {
		uret_msrs = amd_uret_msrs;
		nr_uret_msrs = ARRAY_SIZE(amd_uret_msrs);
	} else {
		uret_msrs = intel_uret_msrs;
		nr_uret_msrs = ARRAY_SIZE(intel_uret_msrs);
	}
	host_has_rdpid = this_cpu_has(X86_FEATURE_RDPID);
	find_vdso_getcpu();
	init_cpus();
	require_msr_driver();
	require_write_msr_event();
	probe_host_vals();
	probe_efer_lazily();

	if (bench_mode) {
		for (i = 0; i < ARRAY_SIZE(scenarios); i++)
			if (scenarios[i].bench)
				bench_scenario(&scenarios[i]);
		return 0;
	}

	ksft_print_header();
	ksft_set_plan(only < 0 ? ARRAY_SIZE(scenarios) + 4 : 1);
	if (efer_lazily)
		ksft_print_msg("EFER is a user-return MSR (no load-EFER VM controls, no EPT)\n");
	if (!vdso_getcpu)
		ksft_print_msg("no vDSO getcpu: sched_getcpu() instead\n");
	for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
		if (only < 0 || i == only)
			test_scenario(&scenarios[i]);
	}
	write_msr_event_off();
	if (only < 0) {
		/* Checked after every exit of every scenario above. */
		if (host_has_rdpid)
			ksft_test_result_pass("%s\n", RDPID_CASE);
		else
			ksft_test_result_skip("%s: no RDPID in CPUID\n", RDPID_CASE);
		/* The scenarios counted EFER's writes exactly: were there any? */
		if (efer_lazily)
			ksft_test_result(efer_writes > 0, "%s\n", EFER_CASE);
		else
			ksft_test_result_skip("%s: KVM loads EFER on VM entry and exit here\n",
					      EFER_CASE);
		test_failed_load();
		test_sfmask_reserved();
	}
	ksft_finished();
}
