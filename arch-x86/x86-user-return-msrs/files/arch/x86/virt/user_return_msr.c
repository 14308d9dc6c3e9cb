// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lazily restored user-return MSRs.
 *
 * Some MSRs hold a host value that only user mode consumes: the SYSCALL
 * MSRs, TSC_AUX (RDTSCP/RDPID), ...  A user of this layer, KVM, loads its own
 * value into such an MSR and lets the kernel run with it; the host value is
 * written back by a user-return notifier when the CPU next returns to user
 * mode.  Switching between two vCPUs, or into the guest again after an exit
 * handled in the kernel, then costs no MSR write at all.
 *
 * An MSR is registered into one of USER_RETURN_MSR_MAX_SLOTS slots by
 * user_return_msr_add() and given back by user_return_msr_remove(); slots are
 * reference counted by MSR, so several users, or one module loaded many
 * times, share one slot.  Each CPU keeps, per slot, the host value and the
 * value the hardware holds now, and the mask of the slots that hold another
 * value than the host's: the notifier restores those, and only those.  The
 * host value is read when a CPU comes online (through this layer's own
 * CPU-hotplug state, after the bring-up code has set the host values) or,
 * for a slot added later, the first time the slot is used on that CPU.
 *
 * A write (urm_write()) runs with interrupts enabled, so that
 * user_return_msr_restore_host() may run from an interrupt (an IPI that
 * disables virtualization) that hits it on the same CPU: such interrupts
 * only write host values back and clear dirty bits.  The rest of the
 * per-CPU state changes with interrupts disabled.  The counters are plain
 * per-CPU increments: one that such an interrupt races with may be lost.
 * Only the debug option keeps those of the common paths (writes, restores,
 * writes skipped).
 *
 * The write and the restore at return to user mode, the paths that a guest
 * entry and a return to user mode pay for, call nothing but in tail calls,
 * so that they need no stack frame: they write with urm_fast_wrmsr() and
 * leave tracepoints and faults to slow paths out of line.
 * Every other access to an MSR goes through user_return_msr_rdmsr() and
 * user_return_msr_wrmsr(), which KUnit replaces with fakes in debug
 * kernels; while it does, the fast paths are not taken.
 */

#define pr_fmt(fmt) "user_return_msr: " fmt

#include <linux/bitops.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/kvm_types.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>
#include <linux/user-return-notifier.h>

#include <kunit/visibility.h>

#include <asm/msr.h>
#include <asm/user_return_msr.h>

#define CREATE_TRACE_POINTS
#include "user_return_msr_trace.h"

/*
 * KVM is the layer's user: as hw.c's, its API is built in with KVM and
 * exported to KVM's modules only.  The test module of the user-return
 * notifiers and the layer's KUnit suite use it too, where they are modules.
 */
#if IS_MODULE(CONFIG_TEST_USER_RETURN_NOTIFIER) || \
	IS_MODULE(CONFIG_X86_USER_RETURN_MSR_KUNIT_TEST)
#define EXPORT_SYMBOL_FOR_KVM_AND_TESTS(sym)				\
	EXPORT_SYMBOL_FOR_MODULES(sym, "kvm,kvm-amd,kvm-intel,"		\
				  "test_user_return_notifier,"		\
				  "user_return_msr_kunit")
#else
#define EXPORT_SYMBOL_FOR_KVM_AND_TESTS(sym)	EXPORT_SYMBOL_FOR_KVM(sym)
#endif

static_assert(USER_RETURN_MSR_MAX_SLOTS <= BITS_PER_LONG);

/*
 * One slot on one CPU: the host value and the value loaded now, in one
 * cache line.
 */
struct urm_slot {
	u64 host;
	u64 curr;
} __aligned(16);

struct urm_cpu {
	struct user_return_notifier urn;
	/* Slots whose host value has been read on this CPU. */
	unsigned long valid;
	/* Slots that hold another value than the host's; the notifier is armed. */
	unsigned long dirty;
	/*
	 * Packed after the masks, as in KVM's own code: the common case of
	 * user_return_msr_set() reads these cache lines and no others, and
	 * stores nothing.
	 */
	struct urm_slot slots[USER_RETURN_MSR_MAX_SLOTS];
	/* Updated by the paths that write an MSR, away from the above. */
	struct user_return_msr_stats stats[USER_RETURN_MSR_MAX_SLOTS]
		____cacheline_aligned;
};

static void urm_on_user_return(struct user_return_notifier *urn);

static DEFINE_PER_CPU(struct urm_cpu, urm_cpus) = {
	.urn.on_user_return = urm_on_user_return,
};

/*
 * urm_lock serializes add and remove, which are the only writers of
 * urm_msrs[], urm_refs[] and urm_active.  A slot's MSR is written before
 * the slot's bit is published in urm_active with release semantics, so a
 * lockless reader that sees the bit with acquire semantics sees the MSR.
 */
static DEFINE_MUTEX(urm_lock);
static u32 urm_msrs[USER_RETURN_MSR_MAX_SLOTS];
static unsigned int urm_refs[USER_RETURN_MSR_MAX_SLOTS];
static unsigned long urm_active;
static bool urm_ready;

/*
 * What the KUnit suite reaches: only in debug kernels, which it depends on,
 * so that a production kernel with KUnit exports no MSR access.
 */
#if IS_ENABLED(CONFIG_X86_USER_RETURN_MSRS_DEBUG)
#define URM_KUNIT_VISIBLE		VISIBLE_IF_KUNIT
#else
#define URM_KUNIT_VISIBLE		static
#endif

#if IS_ENABLED(CONFIG_KUNIT) && IS_ENABLED(CONFIG_X86_USER_RETURN_MSRS_DEBUG)
/* The KUnit suite's fake MSRs, or NULL: user_return_msr_set_fake(). */
static const struct user_return_msr_fake *urm_fake;

/*
 * Make every MSR access of the layer but the fast paths' go to @fake (NULL:
 * to the hardware again), on all CPUs.  The accessors run with preemption
 * or interrupts disabled: after it, none still uses the previous fake.
 * Debug kernels only.
 */
VISIBLE_IF_KUNIT void user_return_msr_set_fake(const struct user_return_msr_fake *fake)
{
	WRITE_ONCE(urm_fake, fake);
	synchronize_rcu();
}
EXPORT_SYMBOL_IF_KUNIT(user_return_msr_set_fake);

static __always_inline const struct user_return_msr_fake *urm_fake_get(void)
{
	return READ_ONCE(urm_fake);
}
#else
static __always_inline const struct user_return_msr_fake *urm_fake_get(void)
{
	return NULL;
}
#endif

/*
 * The MSR accessors of every path but the fast ones below.  The KUnit suite
 * replaces them with fakes in debug kernels: a plain load of a pointer, no
 * lock, so that they may run in any context the layer runs in.
 */
static int user_return_msr_rdmsr(u32 msr, u64 *val)
{
	const struct user_return_msr_fake *fake = urm_fake_get();

	if (fake)
		return fake->read(msr, val);
	return rdmsrq_safe(msr, val);
}

static int user_return_msr_wrmsr(u32 msr, u64 val)
{
	const struct user_return_msr_fake *fake = urm_fake_get();

	if (fake)
		return fake->write(msr, val);
	return wrmsrq_safe(msr, val);
}

/*
 * The write of the fast paths, the write and the restore at return to user
 * mode: wrmsrq_safe() without its msr:write_msr tracepoint, which they fire
 * themselves, out of line, so that they need no stack frame.  A
 * paravirtualized kernel (PARAVIRT_XXL) writes through wrmsrq_safe(), which
 * fires it.
 */
#ifdef CONFIG_PARAVIRT_XXL
#define URM_FAST_WRMSR_TRACED	true

static __always_inline int urm_fast_wrmsr(u32 msr, u64 val)
{
	return wrmsrq_safe(msr, val);
}
#else
#define URM_FAST_WRMSR_TRACED	false

static __always_inline int urm_fast_wrmsr(u32 msr, u64 val)
{
	int err;

	asm volatile("1: wrmsr ; xor %[err],%[err]\n"
		     "2:\n\t"
		     _ASM_EXTABLE_TYPE_REG(1b, 2b, EX_TYPE_WRMSR_SAFE, %[err])
		     : [err] "=a" (err)
		     : "c" (msr), "0" ((u32)val), "d" ((u32)(val >> 32))
		     : "memory");
	return err;
}
#endif

/*
 * Whether a write or a restore takes its slow path, with the accessors
 * above: while the KUnit suite fakes them (debug kernels only).  A load,
 * or nothing.
 */
static __always_inline bool urm_slow(void)
{
	return urm_fake_get();
}

/* Counters that only the debug option keeps: the fast paths store nothing. */
static __always_inline void urm_count(u64 *counter)
{
	if (IS_ENABLED(CONFIG_X86_USER_RETURN_MSRS_DEBUG))
		(*counter)++;
}

static bool urm_slot_active(unsigned int slot)
{
	unsigned long active;

	if (slot >= USER_RETURN_MSR_MAX_SLOTS)
		return false;

	/* Pairs with the release in user_return_msr_add(). */
	active = smp_load_acquire(&urm_active);
	return active & BIT(slot);
}

/*
 * Read the host value of @slot on this CPU, unless already done.  The first
 * valid slot on a CPU registers the notifier, which stays registered as long
 * as a slot is valid there, so that a write only has to arm it.
 * user_return_msr_add() enabled the notifiers, so registering fails only on
 * a bug.  Interrupts disabled.
 */
static __always_inline int urm_snapshot(struct urm_cpu *c, unsigned int slot)
{
	u64 val;
	int err;

	if (c->valid & BIT(slot))
		return 0;

	err = user_return_msr_rdmsr(urm_msrs[slot], &val);
	if (err)
		return err;

	if (!c->valid && WARN_ON_ONCE(user_return_notifier_register(&c->urn)))
		return -EIO;

	c->slots[slot].host = val;
	c->slots[slot].curr = val;
	c->valid |= BIT(slot);
	return 0;
}

/*
 * The tracepoints and the fault handling are out of line: in the paths
 * that the return to user mode times, only the slot's state and the MSR
 * write's own tracepoint remain.
 */
static noinline void urm_trace_restore(struct urm_cpu *c, unsigned int slot,
				       int err)
{
	trace_user_return_msr_restore(slot, urm_msrs[slot], c->slots[slot].host,
				      err);
}

static noinline void urm_trace_write(unsigned int slot, u64 value, int err)
{
	trace_user_return_msr_write(slot, urm_msrs[slot], value, err);
}

/*
 * A restore that faults is a bug: the slot stays dirty and the notifier is
 * armed again, so that the next return to user mode tries again.
 */
static void urm_restore_fault(struct urm_cpu *c, unsigned int slot, int err)
{
	urm_trace_restore(c, slot, err);
	WARN_ONCE(1, "restoring MSR %#x to %#llx faulted\n", urm_msrs[slot],
		  c->slots[slot].host);
	c->stats[slot].faults++;
	__set_bit(slot, &c->dirty);
	user_return_notifier_arm();
}

/*
 * Write back the host value of every dirty slot, and return the mask of
 * those whose write faulted.  @slow: through the accessors, with the
 * tracepoints; otherwise with urm_fast_wrmsr(), untraced.
 */
static __always_inline unsigned long urm_restore_dirty(struct urm_cpu *c,
						       bool slow)
{
	unsigned long dirty = c->dirty, faulted = 0;

	c->dirty = 0;
	/* Usually one bit: shorter than for_each_set_bit(). */
	while (dirty) {
		unsigned int slot = __ffs(dirty);
		struct urm_slot *s = &c->slots[slot];
		int err;

		dirty &= dirty - 1;
		if (slow)
			err = user_return_msr_wrmsr(urm_msrs[slot], s->host);
		else
			err = urm_fast_wrmsr(urm_msrs[slot], s->host);
		if (unlikely(err)) {
			faulted |= BIT(slot);
			continue;
		}
		s->curr = s->host;
		urm_count(&c->stats[slot].restores);
		if (slow && trace_user_return_msr_restore_enabled())
			urm_trace_restore(c, slot, 0);
	}
	return faulted;
}

static void urm_check(struct urm_cpu *c);

/* The end of a restore with faults, or with the debug check. */
static noinline void urm_restore_end(struct urm_cpu *c, unsigned long faulted)
{
	unsigned int slot;

	for_each_set_bit(slot, &faulted, USER_RETURN_MSR_MAX_SLOTS)
		urm_restore_fault(c, slot, -EIO);

	/*
	 * Not from an interrupt: it may have hit a write between its WRMSR
	 * and its store to ->curr, a disagreement that is no bug.
	 */
	if (IS_ENABLED(CONFIG_X86_USER_RETURN_MSRS_DEBUG) && !in_hardirq())
		urm_check(c);
}

/* The restore with the tracepoints on, or urm_slow(). */
static noinline void urm_restore_slow(struct urm_cpu *c)
{
	urm_restore_end(c, urm_restore_dirty(c, true));
}

/*
 * Write back the host value of every dirty slot.  Runs at return to user
 * mode, and from user_return_msr_restore_host(), with interrupts disabled
 * in both cases.  The notifier stays registered: the next write only arms
 * it again.  The common case calls nothing, so it needs no stack frame:
 * every call is a tail call.
 */
static void urm_on_user_return(struct user_return_notifier *urn)
{
	struct urm_cpu *c = container_of(urn, struct urm_cpu, urn);
	unsigned long faulted;

	lockdep_assert_irqs_disabled();

	if (unlikely(urm_slow() || tracepoint_enabled(write_msr) ||
		     trace_user_return_msr_restore_enabled())) {
		urm_restore_slow(c);
		return;
	}

	faulted = urm_restore_dirty(c, false);
	if (unlikely(faulted) || IS_ENABLED(CONFIG_X86_USER_RETURN_MSRS_DEBUG))
		urm_restore_end(c, faulted);
}

/*
 * Write the host value of @slot back, if it is dirty, and clear its dirty
 * bit; for user_return_msr_remove()'s IPI.
 */
static void urm_restore_slot(struct urm_cpu *c, unsigned int slot)
{
	int err;

	if (!(c->dirty & BIT(slot)))
		return;
	__clear_bit(slot, &c->dirty);
	err = user_return_msr_wrmsr(urm_msrs[slot], c->slots[slot].host);
	if (unlikely(err)) {
		urm_restore_fault(c, slot, err);
		__clear_bit(slot, &c->dirty);
		return;
	}
	c->slots[slot].curr = c->slots[slot].host;
	urm_count(&c->stats[slot].restores);
	if (trace_user_return_msr_restore_enabled())
		urm_trace_restore(c, slot, 0);
}

/*
 * Read every slot back and compare it with the cache; count and warn once
 * about each disagreement.
 */
static void urm_check(struct urm_cpu *c)
{
	unsigned long valid = c->valid;
	unsigned int slot;
	u64 hw;

	for_each_set_bit(slot, &valid, USER_RETURN_MSR_MAX_SLOTS) {
		if (user_return_msr_rdmsr(urm_msrs[slot], &hw))
			continue;
		if (hw == c->slots[slot].curr)
			continue;
		c->stats[slot].mismatches++;
		WARN_ONCE(1, "MSR %#x holds %#llx, cached %#llx\n",
			  urm_msrs[slot], hw, c->slots[slot].curr);
	}
}

static int urm_probe(u32 msr)
{
	u64 val;
	int err;

	preempt_disable();
	err = user_return_msr_rdmsr(msr, &val);
	if (!err)
		err = user_return_msr_wrmsr(msr, val);
	preempt_enable();
	return err;
}

static int __urm_find(u32 msr)
{
	/* Pairs with the release in user_return_msr_add(). */
	unsigned long active = smp_load_acquire(&urm_active);
	unsigned int slot;

	/* A short walk of the active slots. */
	for (slot = 0; active; slot++, active >>= 1) {
		if ((active & 1) && READ_ONCE(urm_msrs[slot]) == msr)
			return slot;
	}
	return -ENOENT;
}

/**
 * user_return_msr_add() - Register an MSR as a user-return MSR
 * @msr: the MSR
 *
 * Probe that @msr can be read and written back on this CPU and give it a
 * slot.  If @msr already has a slot, take another reference to that slot.
 * Each successful call must be paired with user_return_msr_remove().
 *
 * -EIO means that this CPU does not have @msr: a caller may go on without
 * switching it.  Every other error means that the layer cannot do what it
 * is asked, and the caller fails (KVM: its vendor module does not load).
 *
 * Context: Process context; may sleep.
 * Return: the slot (>= 0), -EIO if @msr faults, -ENOSPC if all slots are
 * taken, -ENODEV if the layer failed to initialize.
 */
int user_return_msr_add(u32 msr)
{
	int slot;

	/* Lets the context switch hand the notifier flag over; may sleep. */
	user_return_notifier_enable();

	mutex_lock(&urm_lock);
	if (!urm_ready) {
		slot = -ENODEV;
		goto out;
	}

	slot = __urm_find(msr);
	if (slot >= 0) {
		urm_refs[slot]++;
		goto out;
	}

	slot = find_first_zero_bit(&urm_active, USER_RETURN_MSR_MAX_SLOTS);
	if (slot >= USER_RETURN_MSR_MAX_SLOTS) {
		slot = -ENOSPC;
		goto out;
	}

	if (urm_probe(msr)) {
		slot = -EIO;
		goto out;
	}

	/*
	 * No CPU has state for a free slot (see urm_release_slot()), so each
	 * CPU reads the host value when it first uses the slot.
	 */
	WRITE_ONCE(urm_msrs[slot], msr);
	urm_refs[slot] = 1;
	/* Publish the MSR before the slot; pairs with the acquires. */
	smp_store_release(&urm_active, urm_active | BIT(slot));
out:
	mutex_unlock(&urm_lock);
	return slot;
}
EXPORT_SYMBOL_FOR_KVM_AND_TESTS(user_return_msr_add);

/* IPI callback: forget @info's slot on this CPU, restoring it if needed. */
static void urm_release_slot(void *info)
{
	struct urm_cpu *c = this_cpu_ptr(&urm_cpus);
	unsigned int slot = (unsigned long)info;

	urm_restore_slot(c, slot);
	c->valid &= ~BIT(slot);

	/* No slot left on this CPU (KVM unloaded): drop the notifier too. */
	if (!c->valid && user_return_notifier_registered(&c->urn))
		user_return_notifier_unregister(&c->urn);
}

/**
 * user_return_msr_remove() - Give back a slot taken by user_return_msr_add()
 * @slot: the slot
 *
 * Drop a reference to @slot.  When the last one goes, write the host value
 * back on every CPU that still holds another value, forget the slot's
 * per-CPU state and counters, and free the slot.  The caller must have
 * stopped using @slot on all CPUs.
 *
 * Context: Process context; may sleep.  Must not be called with the CPU
 * hotplug lock held.
 */
void user_return_msr_remove(unsigned int slot)
{
	int cpu;

	might_sleep();

	cpus_read_lock();
	mutex_lock(&urm_lock);
	if (WARN_ON_ONCE(!urm_slot_active(slot)))
		goto out;

	if (--urm_refs[slot])
		goto out;

	/* From now on user_return_msr_set() rejects the slot. */
	smp_store_release(&urm_active, urm_active & ~BIT(slot));
	on_each_cpu(urm_release_slot, (void *)(unsigned long)slot, 1);

	/* Offline CPUs forgot all slots when they went down. */
	for_each_possible_cpu(cpu)
		memset(&per_cpu_ptr(&urm_cpus, cpu)->stats[slot], 0,
		       sizeof(struct user_return_msr_stats));
	WRITE_ONCE(urm_msrs[slot], 0);
out:
	mutex_unlock(&urm_lock);
	cpus_read_unlock();
}
EXPORT_SYMBOL_FOR_KVM_AND_TESTS(user_return_msr_remove);

/**
 * user_return_msr_find() - Look up the slot of an MSR
 * @msr: the MSR
 *
 * Context: Any context.
 * Return: the slot of @msr, or -ENOENT if @msr has no slot.
 */
int user_return_msr_find(u32 msr)
{
	return __urm_find(msr);
}
EXPORT_SYMBOL_FOR_KVM_AND_TESTS(user_return_msr_find);

/*
 * A write that was not needed.  Counted only with the debug option: the
 * common case would otherwise store to a cache line it only reads.
 */
static __always_inline void urm_count_skip(struct urm_cpu *c, unsigned int slot)
{
	urm_count(&c->stats[slot].skipped);
}

/* @value with the bits outside @mask taken from the host value. */
static __always_inline u64 urm_merge(const struct urm_slot *s, u64 value,
				     u64 mask)
{
	return (value & mask) | (s->host & ~mask);
}

/* A load that faulted: the hardware and the cache keep their value. */
static noinline int urm_write_fault(struct urm_cpu *c, unsigned int slot,
				    int err)
{
	c->stats[slot].faults++;
	return err;
}

/*
 * The rest of urm_write() once the MSR of @slot was written with @value,
 * or faulted (@err).
 *
 * Interrupts stay enabled.  The interrupts that touch the slots (the IPIs
 * of user_return_msr_restore_host() and of user_return_msr_remove()) only
 * write host values back and clear dirty bits, and the slot's bit is set
 * once the MSR holds @value: such an interrupt before that leaves the slot
 * for the notifier that this write arms, one after it restores the slot.
 * One that restores the slot between the WRMSR and the store to ->curr
 * leaves ->curr at @value while the MSR holds the host value, until the
 * next return to user mode; user_return_msr_restore_host() says so.  KVM's
 * own code took these interrupts with interrupts enabled too.
 *
 * The notifier's flag follows the CPU, from task to task at each context
 * switch, until the notifier has run, which clears every dirty bit: while
 * some slot is dirty it is armed already, and only the write that dirties
 * the first slot arms it.
 */
static __always_inline int urm_write_done(struct urm_cpu *c, unsigned int slot,
					  u64 value, int err)
{
	struct urm_slot *s = &c->slots[slot];
	unsigned long dirty;

	if (unlikely(err))
		return urm_write_fault(c, slot, err);
	s->curr = value;
	urm_count(&c->stats[slot].writes);
	if (unlikely(value == s->host)) {
		__clear_bit(slot, &c->dirty);
		return 0;
	}
	dirty = READ_ONCE(c->dirty);
	__set_bit(slot, &c->dirty);
	if (!dirty)
		user_return_notifier_arm();
	return 0;
}

/* urm_write() through the accessors, for urm_slow(). */
static noinline int urm_write_slow(struct urm_cpu *c, unsigned int slot,
				   u64 value)
{
	int err;

	err = user_return_msr_wrmsr(urm_msrs[slot], value);
	if (trace_user_return_msr_write_enabled())
		urm_trace_write(slot, value, err);
	return urm_write_done(c, slot, value, err);
}

/* The rest of urm_write() with a tracepoint on: fire it first. */
static noinline int urm_write_traced(struct urm_cpu *c, unsigned int slot,
				     u64 value, int err)
{
	if (!URM_FAST_WRMSR_TRACED)
		do_trace_write_msr(urm_msrs[slot], value, err);
	if (trace_user_return_msr_write_enabled())
		urm_trace_write(slot, value, err);
	return urm_write_done(c, slot, value, err);
}

/*
 * Load @value, which differs from what @slot holds on this CPU, and arm the
 * notifier; see urm_write_done().  It calls nothing but in tail calls, so
 * that user_return_msr_set() needs no stack frame.
 */
static __always_inline int urm_write(struct urm_cpu *c, unsigned int slot,
				     u64 value)
{
	int err;

	if (unlikely(urm_slow()))
		return urm_write_slow(c, slot, value);

	err = urm_fast_wrmsr(urm_msrs[slot], value);
	if (tracepoint_enabled(write_msr) || trace_user_return_msr_write_enabled())
		return urm_write_traced(c, slot, value, err);
	return urm_write_done(c, slot, value, err);
}

/* user_return_msr_set() of a slot that is not valid on this CPU yet. */
static noinline int urm_set_first(struct urm_cpu *c, unsigned int slot,
				  u64 value, u64 mask)
{
	unsigned long flags;
	int err;

	if (WARN_ON_ONCE(slot >= USER_RETURN_MSR_MAX_SLOTS) ||
	    WARN_ON_ONCE(!urm_slot_active(slot)))
		return -EINVAL;

	local_irq_save(flags);
	err = urm_snapshot(c, slot);
	local_irq_restore(flags);
	if (err)
		return err;

	value = urm_merge(&c->slots[slot], value, mask);
	if (value == c->slots[slot].curr) {
		urm_count_skip(c, slot);
		return 0;
	}
	return urm_write(c, slot, value);
}

/**
 * user_return_msr_set() - Load a value into a user-return MSR
 * @slot: the slot, from user_return_msr_add()
 * @value: the value to load
 * @mask: the bits of @value to load; the other bits keep the host value
 *
 * Write the MSR of @slot on this CPU if the resulting value differs from
 * what the hardware holds, and arm the user-return notifier that writes the
 * host value back.  If the write faults, the hardware and the cache keep
 * their previous value.
 *
 * Context: Preemption disabled.
 * Return: 0 on success, -EINVAL for a bad slot, -EIO if the MSR faulted.
 */
int user_return_msr_set(unsigned int slot, u64 value, u64 mask)
{
	struct urm_cpu *c = this_cpu_ptr(&urm_cpus);

	lockdep_assert_preemption_disabled();

	/* A valid slot is an active one: removal invalidates it first. */
	if (unlikely(slot >= USER_RETURN_MSR_MAX_SLOTS ||
		     !(c->valid & BIT(slot))))
		return urm_set_first(c, slot, value, mask);

	/*
	 * Only read the cache, so interrupts can stay enabled in the common
	 * case, entering a guest again whose value is loaded already.  The
	 * host value never changes while the slot is valid; an interrupt
	 * that restores it here (an IPI) leaves cache and hardware in
	 * agreement and only makes this comparison stale, which is harmless
	 * on a CPU that runs no guest any more.
	 */
	value = urm_merge(&c->slots[slot], value, mask);
	if (likely(value == c->slots[slot].curr)) {
		urm_count_skip(c, slot);
		return 0;
	}
	return urm_write(c, slot, value);
}
EXPORT_SYMBOL_FOR_KVM_AND_TESTS(user_return_msr_set);

/**
 * user_return_msr_get() - Read the value a user-return MSR holds
 * @slot: the slot, from user_return_msr_add()
 * @value: where to store the value
 *
 * Store the value that the MSR of @slot holds on this CPU, from the cache,
 * into @value.  Every MSR value is valid, so errors are returned apart and
 * leave @value unchanged.
 *
 * Context: Preemption disabled.
 * Return: 0 on success, -EINVAL for a bad slot, -EIO if reading the host
 * value faulted.
 */
int user_return_msr_get(unsigned int slot, u64 *value)
{
	unsigned long flags;
	struct urm_cpu *c;
	int err;

	lockdep_assert_preemption_disabled();

	if (WARN_ON_ONCE(!urm_slot_active(slot)))
		return -EINVAL;

	c = this_cpu_ptr(&urm_cpus);
	local_irq_save(flags);
	err = urm_snapshot(c, slot);
	if (!err)
		*value = c->slots[slot].curr;
	local_irq_restore(flags);
	return err;
}
EXPORT_SYMBOL_FOR_KVM_AND_TESTS(user_return_msr_get);

/**
 * user_return_msr_restore_host() - Write back all host values now
 *
 * Write the host value back into every MSR of this CPU that holds another
 * value, as a return to user mode would.
 * For the paths that disable virtualization: CPU offline, suspend and
 * module unload, and KVM's IPI outside a reboot.
 *
 * From an interrupt that hit user_return_msr_set() on this CPU, the host
 * values are safe, not the caller's: if the interrupted call goes on to
 * write its value, it leaves the notifier armed (the interrupt does not
 * disarm it), so the host value is back before the CPU returns to user
 * mode; if it had already found its
 * value loaded, it returns 0 although the value is gone; if it was writing
 * it, the cache may say until the next return to user mode that the value
 * is loaded.  A caller that disables virtualization from an interrupt must
 * not rely on the values loaded before it.
 *
 * Context: Any context that cannot migrate: interrupts or preemption
 * disabled, or a per-CPU thread such as the CPU-hotplug thread.
 */
void user_return_msr_restore_host(void)
{
	struct urm_cpu *c = this_cpu_ptr(&urm_cpus);
	unsigned long flags;

	local_irq_save(flags);
	urm_on_user_return(&c->urn);
	local_irq_restore(flags);
}
EXPORT_SYMBOL_FOR_KVM_AND_TESTS(user_return_msr_restore_host);

/*
 * CPU-hotplug callback, run on @cpu once it is online, after the bring-up
 * code has set the host values: read the host value of every slot.
 */
URM_KUNIT_VISIBLE int user_return_msr_cpu_online(unsigned int cpu)
{
	struct urm_cpu *c = this_cpu_ptr(&urm_cpus);
	unsigned long flags, active;
	unsigned int slot;

	/* Pairs with the release in user_return_msr_add(). */
	active = smp_load_acquire(&urm_active);

	local_irq_save(flags);
	/*
	 * Going offline wrote the host values back.  A slot still loaded here
	 * would have its value read as the host's, for good: restore first.
	 */
	if (WARN_ON_ONCE(c->dirty))
		urm_on_user_return(&c->urn);
	if (user_return_notifier_registered(&c->urn))
		user_return_notifier_unregister(&c->urn);
	c->valid = 0;
	c->dirty = 0;
	for_each_set_bit(slot, &active, USER_RETURN_MSR_MAX_SLOTS) {
		if (urm_snapshot(c, slot))
			pr_warn_once("CPU%u cannot read MSR %#x\n",
				     cpu, urm_msrs[slot]);
	}
	local_irq_restore(flags);
	return 0;
}

#if IS_ENABLED(CONFIG_X86_USER_RETURN_MSRS_DEBUG)
EXPORT_SYMBOL_IF_KUNIT(user_return_msr_cpu_online);
#endif

/*
 * The boot CPU stays online across suspend to RAM, and its resume path
 * does not write every host value back: TSC_AUX, for one, is written only
 * when a CPU is brought up.
 * Read the host values again, as for a CPU that comes online.  Runs on the
 * boot CPU, with interrupts disabled, before the other CPUs come back.
 */
URM_KUNIT_VISIBLE void user_return_msr_resume(void *data)
{
	user_return_msr_cpu_online(smp_processor_id());
}

#if IS_ENABLED(CONFIG_X86_USER_RETURN_MSRS_DEBUG)
EXPORT_SYMBOL_IF_KUNIT(user_return_msr_resume);
#endif

static const struct syscore_ops urm_syscore_ops = {
	.resume = user_return_msr_resume,
};

static struct syscore urm_syscore = {
	.ops = &urm_syscore_ops,
};

static int urm_cpu_offline(unsigned int cpu)
{
	struct urm_cpu *c = this_cpu_ptr(&urm_cpus);
	unsigned long flags;

	user_return_msr_restore_host();

	/* Nothing is known of a CPU that comes back: start anew. */
	local_irq_save(flags);
	if (user_return_notifier_registered(&c->urn))
		user_return_notifier_unregister(&c->urn);
	c->valid = 0;
	c->dirty = 0;
	local_irq_restore(flags);
	return 0;
}

#if IS_ENABLED(CONFIG_KUNIT) && IS_ENABLED(CONFIG_X86_USER_RETURN_MSRS_DEBUG)
VISIBLE_IF_KUNIT struct user_return_notifier *user_return_msr_notifier(void)
{
	return &this_cpu_ptr(&urm_cpus)->urn;
}
EXPORT_SYMBOL_IF_KUNIT(user_return_msr_notifier);

/* The slots that a return to user mode on this CPU would restore. */
VISIBLE_IF_KUNIT unsigned long user_return_msr_dirty(void)
{
	return this_cpu_ptr(&urm_cpus)->dirty;
}
EXPORT_SYMBOL_IF_KUNIT(user_return_msr_dirty);

VISIBLE_IF_KUNIT void user_return_msr_read_stats(unsigned int slot,
						 struct user_return_msr_stats *stats)
{
	*stats = this_cpu_ptr(&urm_cpus)->stats[slot];
}
EXPORT_SYMBOL_IF_KUNIT(user_return_msr_read_stats);
#endif

#ifdef CONFIG_DEBUG_FS
static const struct {
	u32 msr;
	const char *name;
} urm_names[] = {
	{ MSR_EFER,		"EFER" },
	{ MSR_STAR,		"STAR" },
	{ MSR_LSTAR,		"LSTAR" },
	{ MSR_CSTAR,		"CSTAR" },
	{ MSR_SYSCALL_MASK,	"SYSCALL_MASK" },
	{ MSR_TSC_AUX,		"TSC_AUX" },
	{ MSR_IA32_TSX_CTRL,	"TSX_CTRL" },
};

static void urm_show_slot(struct seq_file *m, unsigned int slot)
{
	char name[16], writes[24], skipped[24], restores[24];
	int cpu, i;

	snprintf(name, sizeof(name), "%#x", urm_msrs[slot]);
	for (i = 0; i < ARRAY_SIZE(urm_names); i++) {
		if (urm_names[i].msr == urm_msrs[slot])
			strscpy(name, urm_names[i].name);
	}

	for_each_possible_cpu(cpu) {
		struct user_return_msr_stats s;

		/* The CPU may be counting right now; a stale copy is fine. */
		s = data_race(per_cpu_ptr(&urm_cpus, cpu)->stats[slot]);
		/* "-": not counted, see urm_count(). */
		if (IS_ENABLED(CONFIG_X86_USER_RETURN_MSRS_DEBUG)) {
			snprintf(writes, sizeof(writes), "%llu", s.writes);
			snprintf(skipped, sizeof(skipped), "%llu", s.skipped);
			snprintf(restores, sizeof(restores), "%llu", s.restores);
		} else {
			strscpy(writes, "-");
			strscpy(skipped, "-");
			strscpy(restores, "-");
		}
		seq_printf(m, "%-12s %4u %4u %4d %12s %12s %12s %8llu %10llu\n",
			   name, slot, urm_refs[slot], cpu, writes, skipped,
			   restores, s.faults, s.mismatches);
	}
}

static int urm_stats_show(struct seq_file *m, void *unused)
{
	unsigned long active;
	unsigned int slot;

	seq_printf(m, "%-12s %4s %4s %4s %12s %12s %12s %8s %10s\n",
		   "msr", "slot", "refs", "cpu", "writes", "skipped",
		   "restores", "faults", "mismatches");

	mutex_lock(&urm_lock);
	active = urm_active;
	for_each_set_bit(slot, &active, USER_RETURN_MSR_MAX_SLOTS)
		urm_show_slot(m, slot);
	mutex_unlock(&urm_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(urm_stats);

static void __init urm_debugfs_init(void)
{
	debugfs_create_file("user_return_msrs", 0400, arch_debugfs_dir, NULL,
			    &urm_stats_fops);
}
#else
static inline void urm_debugfs_init(void) { }
#endif

static int __init urm_init(void)
{
	int ret;

	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "x86/user_return_msr:online",
				user_return_msr_cpu_online, urm_cpu_offline);
	if (ret < 0) {
		pr_err("cannot register CPU hotplug state: %d\n", ret);
		return ret;
	}

	register_syscore(&urm_syscore);

	mutex_lock(&urm_lock);
	urm_ready = true;
	mutex_unlock(&urm_lock);

	urm_debugfs_init();
	return 0;
}
subsys_initcall(urm_init);
