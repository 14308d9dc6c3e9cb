// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the x86 user-return MSR layer.
 *
 * The layer's two MSR accessors are replaced with a fake: a few "hardware"
 * registers at MSR numbers nothing else uses, with fault injection and exact
 * read and write counts.  Accesses to other MSRs, i.e. to slots that KVM
 * holds if it is loaded, go to the hardware unchanged.  The layer lets
 * KUnit replace its accessors (user_return_msr_set_fake()) only with
 * CONFIG_X86_USER_RETURN_MSRS_DEBUG; while a case runs, the layer's writes
 * and restores take their slow paths, which use the accessors, on every
 * CPU.  The fast paths are the selftests' to check.
 *
 * The test thread is pinned to one CPU, and every step that can leave a
 * fake value loaded runs with preemption disabled and ends by running the
 * layer's notifier: another task returning to user mode on this CPU must
 * never find a fake MSR to restore.
 *
 * Not covered here: the return to user mode itself (a KUnit thread never
 * gets there, so fire_user_return_notifiers() is called directly), other
 * CPUs, real CPU hotplug (the online callback is called directly), and the
 * restore that user_return_msr_remove() does on a CPU that still has a
 * value loaded, since that value would stay armed while the test sleeps.
 */

#include <kunit/test.h>
#include <kunit/visibility.h>

#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/user-return-notifier.h>

#include <asm/msr.h>
#include <asm/user_return_msr.h>

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

#define FAKE_MSR_BASE	0x4b5f0000u
#define NR_FAKE_MSRS	(USER_RETURN_MSR_MAX_SLOTS + 2)
#define FAKE_MSR(i)	(FAKE_MSR_BASE + (i))

struct urm_fake {
	u64 hw[NR_FAKE_MSRS];
	bool fault_read[NR_FAKE_MSRS];
	bool fault_write[NR_FAKE_MSRS];
	unsigned int reads;
	unsigned int writes;
	/* Whether interrupts were disabled at the last write. */
	bool write_irqs_disabled;
	/* References this test holds, given back by the exit hook. */
	unsigned int refs[NR_FAKE_MSRS];
	int slot[NR_FAKE_MSRS];
};

/*
 * The case that runs: the layer calls the fakes from any CPU and context
 * (an IPI, KVM's slots), so they find it here, not in the current task.
 */
static struct urm_fake *urm_fake_now;

static int fake_rdmsr(u32 msr, u64 *val)
{
	struct urm_fake *f = READ_ONCE(urm_fake_now);
	unsigned int i = msr - FAKE_MSR_BASE;

	if (i >= NR_FAKE_MSRS || !f)
		return rdmsrq_safe(msr, val);

	f->reads++;
	if (f->fault_read[i])
		return -EIO;
	*val = f->hw[i];
	return 0;
}

static int fake_wrmsr(u32 msr, u64 val)
{
	struct urm_fake *f = READ_ONCE(urm_fake_now);
	unsigned int i = msr - FAKE_MSR_BASE;

	if (i >= NR_FAKE_MSRS || !f)
		return wrmsrq_safe(msr, val);

	f->write_irqs_disabled = irqs_disabled();
	if (f->fault_write[i])
		return -EIO;
	f->writes++;
	f->hw[i] = val;
	return 0;
}

static const struct user_return_msr_fake urm_fake_ops = {
	.read = fake_rdmsr,
	.write = fake_wrmsr,
};

/* Give fake MSR @i the value @host and add it to the layer. */
static int add_fake(struct kunit *test, unsigned int i, u64 host)
{
	struct urm_fake *f = test->priv;
	int slot;

	f->hw[i] = host;
	slot = user_return_msr_add(FAKE_MSR(i));
	if (slot >= 0) {
		f->refs[i]++;
		f->slot[i] = slot;
	}
	return slot;
}

static void remove_fake(struct kunit *test, unsigned int i)
{
	struct urm_fake *f = test->priv;

	if (WARN_ON(!f->refs[i]))
		return;
	f->refs[i]--;
	user_return_msr_remove(f->slot[i]);
}

/* Add fake MSR @i, or end the test; reset the access counts. */
static unsigned int add_fake_ok(struct kunit *test, unsigned int i, u64 host)
{
	struct urm_fake *f = test->priv;
	int slot = add_fake(test, i, host);

	KUNIT_ASSERT_GE(test, slot, 0);
	f->reads = 0;
	f->writes = 0;
	return slot;
}

/* Run this CPU's notifiers, as the return to user mode would. */
static void user_return(void)
{
	guard(irqsave)();
	fire_user_return_notifiers();
}

/*
 * A return to user mode would write a host value back: a slot holds another
 * value, and the layer's notifier is registered and armed on this CPU.
 */
static bool armed(void)
{
	return user_return_msr_dirty() &&
	       user_return_notifier_registered(user_return_msr_notifier()) &&
	       test_thread_flag(TIF_USER_RETURN_NOTIFY);
}

static struct user_return_msr_stats stats_of(unsigned int slot)
{
	struct user_return_msr_stats st;

	preempt_disable();
	user_return_msr_read_stats(slot, &st);
	preempt_enable();
	return st;
}

static void add_probes_msr(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	int slot;

	slot = add_fake(test, 0, 0x1234);
	KUNIT_ASSERT_GE(test, slot, 0);
	KUNIT_EXPECT_LT(test, slot, USER_RETURN_MSR_MAX_SLOTS);

	/* One read, and the value written back unchanged. */
	KUNIT_EXPECT_EQ(test, f->reads, 1);
	KUNIT_EXPECT_EQ(test, f->writes, 1);
	KUNIT_EXPECT_EQ(test, f->hw[0], 0x1234);
	KUNIT_EXPECT_EQ(test, user_return_msr_find(FAKE_MSR(0)), slot);
}

static void add_faulting_read_fails(struct kunit *test)
{
	struct urm_fake *f = test->priv;

	f->fault_read[0] = true;
	KUNIT_EXPECT_EQ(test, add_fake(test, 0, 0), -EIO);
	KUNIT_EXPECT_EQ(test, f->writes, 0);
	KUNIT_EXPECT_EQ(test, user_return_msr_find(FAKE_MSR(0)), -ENOENT);
}

static void add_faulting_write_fails(struct kunit *test)
{
	struct urm_fake *f = test->priv;

	f->fault_write[0] = true;
	KUNIT_EXPECT_EQ(test, add_fake(test, 0, 0), -EIO);
	KUNIT_EXPECT_EQ(test, user_return_msr_find(FAKE_MSR(0)), -ENOENT);
}

static void add_twice_shares_slot(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	int slot;

	slot = add_fake_ok(test, 0, 1);

	/* The second reference reuses the slot without probing again. */
	KUNIT_EXPECT_EQ(test, add_fake(test, 0, 1), slot);
	KUNIT_EXPECT_EQ(test, f->reads, 0);

	remove_fake(test, 0);
	KUNIT_EXPECT_EQ(test, user_return_msr_find(FAKE_MSR(0)), slot);
	remove_fake(test, 0);
	KUNIT_EXPECT_EQ(test, user_return_msr_find(FAKE_MSR(0)), -ENOENT);
}

static void find_unknown_msr(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, user_return_msr_find(FAKE_MSR(1)), -ENOENT);
}

static void slots_exhausted_and_given_back(struct kunit *test)
{
	int slot = 0, freed, n = 0;

	/* Fill the slots that are free (KVM may hold some). */
	while (n < NR_FAKE_MSRS - 1) {
		slot = add_fake(test, n, n);
		if (slot < 0)
			break;
		n++;
	}
	KUNIT_EXPECT_EQ(test, slot, -ENOSPC);
	KUNIT_ASSERT_GT(test, n, 0);
	KUNIT_EXPECT_EQ(test, user_return_msr_find(FAKE_MSR(n)), -ENOENT);

	/* One slot given back can be taken again, by another MSR. */
	freed = user_return_msr_find(FAKE_MSR(0));
	remove_fake(test, 0);
	KUNIT_EXPECT_EQ(test, add_fake(test, NR_FAKE_MSRS - 1, 0), freed);
	KUNIT_EXPECT_EQ(test, add_fake(test, 0, 0), -ENOSPC);
}

static void set_reads_host_once(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	unsigned int reads;

	/* A slot added after the CPU came online is read at first use. */
	preempt_disable();
	user_return_msr_set(slot, 0x20, -1ull);
	user_return_msr_set(slot, 0x30, -1ull);
	reads = f->reads;
	user_return();
	preempt_enable();

	KUNIT_EXPECT_EQ(test, reads, 1);
	KUNIT_EXPECT_EQ(test, f->hw[0], 0x10);
}

static void set_writes_only_on_change(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	unsigned int w1, w2, w3;

	preempt_disable();
	user_return_msr_set(slot, 0x20, -1ull);
	w1 = f->writes;
	user_return_msr_set(slot, 0x20, -1ull);
	w2 = f->writes;
	user_return_msr_set(slot, 0x30, -1ull);
	w3 = f->writes;
	user_return();
	preempt_enable();

	KUNIT_EXPECT_EQ(test, w1, 1);
	KUNIT_EXPECT_EQ(test, w2, 1);	/* value already loaded */
	KUNIT_EXPECT_EQ(test, w3, 2);
	KUNIT_EXPECT_EQ(test, f->writes, 3);	/* and one restore */
	KUNIT_EXPECT_EQ(test, stats_of(slot).writes, 2);
	KUNIT_EXPECT_EQ(test, stats_of(slot).skipped, 1);
	KUNIT_EXPECT_EQ(test, stats_of(slot).restores, 1);
}

static void set_host_value_writes_nothing(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	bool was_armed;

	preempt_disable();
	user_return_msr_set(slot, 0x10, -1ull);
	was_armed = armed();
	user_return();
	preempt_enable();

	KUNIT_EXPECT_EQ(test, f->writes, 0);
	KUNIT_EXPECT_FALSE(test, was_armed);
	KUNIT_EXPECT_EQ(test, stats_of(slot).skipped, 1);
}

static void set_mask_keeps_host_bits(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0xff00ff00);
	u64 hw1, hw2;
	unsigned int w2;

	preempt_disable();
	user_return_msr_set(slot, 0x12345678, 0xffff);
	hw1 = f->hw[0];
	/* Only bits outside the mask differ: same result, no write. */
	user_return_msr_set(slot, 0xabcd5678, 0xffff);
	hw2 = f->hw[0];
	w2 = f->writes;
	user_return();
	preempt_enable();

	KUNIT_EXPECT_EQ(test, hw1, 0xff005678);
	KUNIT_EXPECT_EQ(test, hw2, 0xff005678);
	KUNIT_EXPECT_EQ(test, w2, 1);
	KUNIT_EXPECT_EQ(test, f->hw[0], 0xff00ff00);
}

static void set_arms_notifier_on_first_change(struct kunit *test)
{
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	bool before, after_set, after_return;

	preempt_disable();
	user_return();
	before = armed();
	user_return_msr_set(slot, 0x20, -1ull);
	after_set = armed();
	user_return();
	after_return = armed();
	preempt_enable();

	KUNIT_EXPECT_FALSE(test, before);
	KUNIT_EXPECT_TRUE(test, after_set);
	KUNIT_EXPECT_FALSE(test, after_return);
}

/*
 * While a slot holds another value than the host's, the notifier is armed,
 * and its flag follows the CPU from task to task until it runs: a write to
 * a second slot does not arm it again.  Seen by taking the flag away
 * behind the layer's back.
 */
static void set_arms_only_when_first_slot_changes(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int a = add_fake_ok(test, 0, 0x10);
	unsigned int b = add_fake_ok(test, 1, 0x10);
	bool first, second, after_return;

	preempt_disable();
	user_return();
	user_return_msr_set(a, 0x20, -1ull);
	first = test_thread_flag(TIF_USER_RETURN_NOTIFY);
	clear_thread_flag(TIF_USER_RETURN_NOTIFY);
	user_return_msr_set(b, 0x20, -1ull);
	second = test_thread_flag(TIF_USER_RETURN_NOTIFY);
	user_return();
	user_return_msr_set(a, 0x30, -1ull);
	after_return = test_thread_flag(TIF_USER_RETURN_NOTIFY);
	user_return();
	preempt_enable();

	KUNIT_EXPECT_TRUE(test, first);
	KUNIT_EXPECT_FALSE(test, second);
	KUNIT_EXPECT_TRUE(test, after_return);
	KUNIT_EXPECT_EQ(test, f->hw[0], 0x10);
	KUNIT_EXPECT_EQ(test, f->hw[1], 0x10);
}

/*
 * The MSR is written with interrupts enabled; only the first use of a slot
 * on a CPU, which reads the host value and registers the notifier, disables
 * them.
 */
static void set_keeps_interrupts_enabled(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	bool registered, irqs_disabled_in_write;

	preempt_disable();
	user_return_msr_set(slot, 0x20, -1ull);
	user_return();
	registered = user_return_notifier_registered(user_return_msr_notifier());
	f->write_irqs_disabled = true;
	user_return_msr_set(slot, 0x30, -1ull);
	irqs_disabled_in_write = f->write_irqs_disabled;
	user_return();
	preempt_enable();

	KUNIT_EXPECT_TRUE(test, registered);
	KUNIT_EXPECT_FALSE(test, irqs_disabled_in_write);
	KUNIT_EXPECT_EQ(test, f->hw[0], 0x10);
}

/*
 * The notifier is registered when a slot is first used on a CPU and stays
 * registered: after a return to user mode the next write only arms it.
 */
static void notifier_stays_registered(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	bool reg_after_return, flag_after_return, armed_again;
	struct user_return_notifier *urn;

	preempt_disable();
	urn = user_return_msr_notifier();
	user_return_msr_set(slot, 0x20, -1ull);
	user_return();
	reg_after_return = user_return_notifier_registered(urn);
	flag_after_return = test_thread_flag(TIF_USER_RETURN_NOTIFY);
	user_return_msr_set(slot, 0x30, -1ull);
	armed_again = armed();
	user_return();
	preempt_enable();

	KUNIT_EXPECT_TRUE(test, reg_after_return);
	KUNIT_EXPECT_FALSE(test, flag_after_return);
	KUNIT_EXPECT_TRUE(test, armed_again);
	KUNIT_EXPECT_EQ(test, f->writes, 4);	/* two loads, two restores */
	KUNIT_EXPECT_EQ(test, stats_of(slot).restores, 2);
	KUNIT_EXPECT_EQ(test, f->hw[0], 0x10);
}

static void user_return_restores_changed_slots_only(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int a = add_fake_ok(test, 0, 0xa);
	unsigned int b = add_fake_ok(test, 1, 0xb);
	bool still_armed;
	u64 val;

	preempt_disable();
	user_return_msr_get(b, &val);	/* b is known on this CPU, unchanged */
	user_return_msr_set(a, 0x1a, -1ull);
	user_return();
	still_armed = armed();
	preempt_enable();

	KUNIT_EXPECT_EQ(test, f->writes, 2);	/* a loaded, a restored */
	KUNIT_EXPECT_EQ(test, f->hw[0], 0xa);
	KUNIT_EXPECT_EQ(test, f->hw[1], 0xb);
	KUNIT_EXPECT_EQ(test, stats_of(a).restores, 1);
	KUNIT_EXPECT_EQ(test, stats_of(b).restores, 0);
	KUNIT_EXPECT_FALSE(test, still_armed);
}

static void user_return_after_set_back_writes_nothing(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	unsigned int before;

	preempt_disable();
	user_return_msr_set(slot, 0x20, -1ull);
	user_return_msr_set(slot, 0x10, -1ull);
	before = f->writes;
	user_return();
	preempt_enable();

	KUNIT_EXPECT_EQ(test, before, 2);
	KUNIT_EXPECT_EQ(test, f->writes, 2);
	KUNIT_EXPECT_EQ(test, stats_of(slot).restores, 0);
}

static void faulting_write_keeps_cache(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	int err1, err2, err_get;
	u64 cached = 0;
	bool was_armed;

	preempt_disable();
	/* A first write that faults changes nothing and arms nothing. */
	f->fault_write[0] = true;
	err1 = user_return_msr_set(slot, 0x20, -1ull);
	was_armed = armed();
	f->fault_write[0] = false;

	user_return_msr_set(slot, 0x30, -1ull);
	f->fault_write[0] = true;
	err2 = user_return_msr_set(slot, 0x40, -1ull);
	err_get = user_return_msr_get(slot, &cached);
	f->fault_write[0] = false;
	user_return();
	preempt_enable();

	KUNIT_EXPECT_EQ(test, err1, -EIO);
	KUNIT_EXPECT_FALSE(test, was_armed);
	KUNIT_EXPECT_EQ(test, err2, -EIO);
	KUNIT_EXPECT_EQ(test, err_get, 0);
	KUNIT_EXPECT_EQ(test, cached, 0x30);
	KUNIT_EXPECT_EQ(test, f->hw[0], 0x10);
	KUNIT_EXPECT_EQ(test, stats_of(slot).faults, 2);
	KUNIT_EXPECT_EQ(test, stats_of(slot).writes, 1);
}

static void get_returns_loaded_value(struct kunit *test)
{
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	u64 v1 = 0, v2 = 0, v3 = 0;
	int err1, err2, err3;

	preempt_disable();
	err1 = user_return_msr_get(slot, &v1);
	user_return_msr_set(slot, 0x20, -1ull);
	err2 = user_return_msr_get(slot, &v2);
	user_return();
	err3 = user_return_msr_get(slot, &v3);
	preempt_enable();

	KUNIT_EXPECT_EQ(test, err1, 0);
	KUNIT_EXPECT_EQ(test, err2, 0);
	KUNIT_EXPECT_EQ(test, err3, 0);
	KUNIT_EXPECT_EQ(test, v1, 0x10);
	KUNIT_EXPECT_EQ(test, v2, 0x20);
	KUNIT_EXPECT_EQ(test, v3, 0x10);
}

/* A host value that cannot be read is an error, not a value. */
static void get_fault_is_an_error(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	u64 val = 0x5a;
	int err;

	f->fault_read[0] = true;
	preempt_disable();
	err = user_return_msr_get(slot, &val);
	preempt_enable();

	KUNIT_EXPECT_EQ(test, err, -EIO);
	KUNIT_EXPECT_EQ(test, val, 0x5a);
}

static void restore_host_restores_now(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int a = add_fake_ok(test, 0, 0xa);
	unsigned int b = add_fake_ok(test, 1, 0xb);
	unsigned int w1, w2;
	bool was_armed;

	preempt_disable();
	user_return_msr_set(a, 0x1a, -1ull);
	user_return_msr_set(b, 0x1b, -1ull);
	user_return_msr_restore_host();
	w1 = f->writes;
	was_armed = armed();
	/* Nothing left to restore: no write. */
	user_return_msr_restore_host();
	w2 = f->writes;
	preempt_enable();

	KUNIT_EXPECT_EQ(test, w1, 4);
	KUNIT_EXPECT_EQ(test, w2, 4);
	KUNIT_EXPECT_FALSE(test, was_armed);
	KUNIT_EXPECT_EQ(test, f->hw[0], 0xa);
	KUNIT_EXPECT_EQ(test, f->hw[1], 0xb);
}

static void cpu_online_rereads_host(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	unsigned int reads;
	u64 host = 0;

	preempt_disable();
	user_return_msr_set(slot, 0x20, -1ull);
	user_return();

	/* Bring-up code set a new host value while the CPU was offline. */
	f->hw[0] = 0x11;
	f->reads = 0;
	user_return_msr_cpu_online(smp_processor_id());
	reads = f->reads;
	user_return_msr_get(slot, &host);

	user_return_msr_set(slot, 0x20, -1ull);
	user_return();
	preempt_enable();

	KUNIT_EXPECT_EQ(test, reads, 1);
	KUNIT_EXPECT_EQ(test, host, 0x11);
	KUNIT_EXPECT_EQ(test, f->hw[0], 0x11);
}

/*
 * The boot CPU stays online across suspend to RAM: its resume callback
 * reads the host values again, as firmware and the resume path may have
 * left another value in an MSR than the one read at boot (TSC_AUX).
 */
static void resume_rereads_host(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	u64 host = 0;

	preempt_disable();
	user_return_msr_set(slot, 0x20, -1ull);
	user_return();

	f->hw[0] = 0x11;
	local_irq_disable();
	user_return_msr_resume(NULL);
	local_irq_enable();
	user_return_msr_get(slot, &host);

	user_return_msr_set(slot, 0x20, -1ull);
	user_return();
	preempt_enable();

	KUNIT_EXPECT_EQ(test, host, 0x11);
	KUNIT_EXPECT_EQ(test, f->hw[0], 0x11);
}

/*
 * A slot still loaded when the CPU-online callback runs is restored first
 * (and warns), not taken for the host value.
 */
static void cpu_online_restores_loaded_slot(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	u64 loaded = 0;

	kunit_warning_suppress(test) {
		preempt_disable();
		user_return_msr_set(slot, 0x20, -1ull);
		user_return_msr_cpu_online(smp_processor_id());
		user_return_msr_get(slot, &loaded);
		user_return();
		preempt_enable();
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
	}

	KUNIT_EXPECT_EQ(test, loaded, 0x10);
	KUNIT_EXPECT_EQ(test, f->hw[0], 0x10);
}

/*
 * A restore that faults leaves the slot dirty and the notifier armed, so
 * that the next return to user mode tries again.
 */
static void restore_fault_is_retried(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	bool armed_after_fault = false, armed_after_retry = true;

	kunit_warning_suppress(test) {
		preempt_disable();
		user_return_msr_set(slot, 0x20, -1ull);
		f->fault_write[0] = true;
		user_return();
		armed_after_fault = armed();
		f->fault_write[0] = false;
		user_return();
		armed_after_retry = armed();
		preempt_enable();
	}

	KUNIT_EXPECT_TRUE(test, armed_after_fault);
	KUNIT_EXPECT_FALSE(test, armed_after_retry);
	KUNIT_EXPECT_EQ(test, f->hw[0], 0x10);
	KUNIT_EXPECT_EQ(test, stats_of(slot).faults, 1);
}

static void debug_check_catches_mismatch(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int a = add_fake_ok(test, 0, 0xa);
	unsigned int b = add_fake_ok(test, 1, 0xb);
	u64 val;

	kunit_warning_suppress(test) {
		preempt_disable();
		user_return_msr_get(b, &val);
		user_return_msr_set(a, 0x1a, -1ull);
		/* Someone writes b behind the layer's back. */
		f->hw[1] = 0xbad;
		user_return();
		preempt_enable();

		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
	}
	KUNIT_EXPECT_EQ(test, stats_of(a).mismatches, 0);
	KUNIT_EXPECT_EQ(test, stats_of(b).mismatches, 1);
}

static void debug_check_quiet_when_consistent(struct kunit *test)
{
	unsigned int a = add_fake_ok(test, 0, 0xa);

	kunit_warning_suppress(test) {
		preempt_disable();
		user_return_msr_set(a, 0x1a, -1ull);
		user_return();
		preempt_enable();

		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 0);
	}
	KUNIT_EXPECT_EQ(test, stats_of(a).mismatches, 0);
}

static void bad_slot_is_rejected(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	int err_max, err_freed, err_get;
	u64 val = 0x5a;

	remove_fake(test, 0);

	kunit_warning_suppress(test) {
		preempt_disable();
		err_max = user_return_msr_set(USER_RETURN_MSR_MAX_SLOTS, 1, -1ull);
		err_freed = user_return_msr_set(slot, 1, -1ull);
		err_get = user_return_msr_get(UINT_MAX, &val);
		preempt_enable();
		user_return_msr_remove(USER_RETURN_MSR_MAX_SLOTS);

		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 4);
	}
	KUNIT_EXPECT_EQ(test, err_max, -EINVAL);
	KUNIT_EXPECT_EQ(test, err_freed, -EINVAL);
	KUNIT_EXPECT_EQ(test, err_get, -EINVAL);
	KUNIT_EXPECT_EQ(test, val, 0x5a);	/* untouched */
	KUNIT_EXPECT_EQ(test, f->writes, 0);
}

static void readd_starts_fresh(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int slot = add_fake_ok(test, 0, 0x10);
	unsigned int reads;

	preempt_disable();
	user_return_msr_set(slot, 0x20, -1ull);
	user_return();
	preempt_enable();
	remove_fake(test, 0);

	/* A new host value; the slot's old state must not be reused. */
	slot = add_fake_ok(test, 0, 0x11);
	preempt_disable();
	user_return_msr_set(slot, 0x20, -1ull);
	reads = f->reads;
	user_return();
	preempt_enable();

	KUNIT_EXPECT_EQ(test, reads, 1);
	KUNIT_EXPECT_EQ(test, f->hw[0], 0x11);
	KUNIT_EXPECT_EQ(test, stats_of(slot).writes, 1);
	KUNIT_EXPECT_EQ(test, stats_of(slot).restores, 1);
}

static int urm_test_init(struct kunit *test)
{
	struct urm_fake *f;
	int ret;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	test->priv = f;

	/* Per-CPU state: keep the whole case on one CPU. */
	ret = set_cpus_allowed_ptr(current, cpumask_of(raw_smp_processor_id()));
	if (ret)
		return ret;

	WRITE_ONCE(urm_fake_now, f);
	user_return_msr_set_fake(&urm_fake_ops);
	return 0;
}

static void urm_test_exit(struct kunit *test)
{
	struct urm_fake *f = test->priv;
	unsigned int i;

	for (i = 0; i < NR_FAKE_MSRS; i++) {
		while (f->refs[i])
			remove_fake(test, i);
	}
	user_return_msr_set_fake(NULL);
	WRITE_ONCE(urm_fake_now, NULL);
}

static struct kunit_case urm_test_cases[] = {
	KUNIT_CASE(add_probes_msr),
	KUNIT_CASE(add_faulting_read_fails),
	KUNIT_CASE(add_faulting_write_fails),
	KUNIT_CASE(add_twice_shares_slot),
	KUNIT_CASE(find_unknown_msr),
	KUNIT_CASE(slots_exhausted_and_given_back),
	KUNIT_CASE(set_reads_host_once),
	KUNIT_CASE(set_writes_only_on_change),
	KUNIT_CASE(set_host_value_writes_nothing),
	KUNIT_CASE(set_mask_keeps_host_bits),
	KUNIT_CASE(set_arms_notifier_on_first_change),
	KUNIT_CASE(set_arms_only_when_first_slot_changes),
	KUNIT_CASE(set_keeps_interrupts_enabled),
	KUNIT_CASE(notifier_stays_registered),
	KUNIT_CASE(user_return_restores_changed_slots_only),
	KUNIT_CASE(user_return_after_set_back_writes_nothing),
	KUNIT_CASE(faulting_write_keeps_cache),
	KUNIT_CASE(get_returns_loaded_value),
	KUNIT_CASE(get_fault_is_an_error),
	KUNIT_CASE(restore_host_restores_now),
	KUNIT_CASE(cpu_online_rereads_host),
	KUNIT_CASE(cpu_online_restores_loaded_slot),
	KUNIT_CASE(resume_rereads_host),
	KUNIT_CASE(restore_fault_is_retried),
	KUNIT_CASE(debug_check_catches_mismatch),
	KUNIT_CASE(debug_check_quiet_when_consistent),
	KUNIT_CASE(bad_slot_is_rejected),
	KUNIT_CASE(readd_starts_fresh),
	{}
};

static struct kunit_suite urm_test_suite = {
	.name = "x86_user_return_msr",
	.init = urm_test_init,
	.exit = urm_test_exit,
	.test_cases = urm_test_cases,
};

kunit_test_suite(urm_test_suite);

MODULE_DESCRIPTION("KUnit tests for the x86 user-return MSR layer");
MODULE_LICENSE("GPL");
