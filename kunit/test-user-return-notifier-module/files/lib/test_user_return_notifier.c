// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test module for user-return notifiers, driven from user space.
 *
 * KUnit cases run in kernel threads, which never return to user mode, so
 * they cannot show when a notifier fires on the real exit to user mode.
 * This module lets tools/testing/selftests/user_return_notifier/ arm
 * notifiers from a system call, optionally sleep, migrate or hold the CPU
 * before returning, and read back for each notifier how often, on which
 * CPU, in which task and in which order it fired.
 *
 * The interface is an ioctl on /sys/kernel/debug/test_user_return_notifier/
 * control, described in lib/test_user_return_notifier_uapi.h.  Every arm
 * takes a fresh slot out of a fixed table, so that the records stay for the
 * driver to check; URN_TEST_IOC_RESET recycles the table.  The callback
 * unregisters its notifier, as real users do: a slot that fires twice, on
 * a CPU other than the one it was armed on, or never, is a bug in the core.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/irqflags.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <linux/user-return-notifier.h>
#include <linux/vmalloc.h>

#include "test_user_return_notifier_uapi.h"

#define URN_TEST_SLOTS		(128 * 1024)
#define URN_TEST_MAX_US		(10 * USEC_PER_SEC)

/**
 * struct urn_test_slot - one armed notifier and what happened to it
 * @urn: the notifier
 * @rec: the record user space reads; the fire_* fields and the IRQS_OFF and
 *	 IN_ARM flags are written by the callback only
 * @fires: number of callback runs, incremented after @rec is written
 * @arm_done: the arming ioctl has finished its steps
 * @arm_flags: URN_TEST_ARM_* of the arming call
 * @work: the task work of URN_TEST_ARM_TASK_WORK
 * @work_done: @work ran, set after @rec.work_seq is written
 */
struct urn_test_slot {
	struct user_return_notifier urn;
	struct urn_test_record rec;
	atomic_t fires;
	bool arm_done;
	u32 arm_flags;
	struct callback_head work;
	bool work_done;
};

static struct urn_test_slot *urn_test_slots;
/* Held for read by every ioctl but RESET, which takes it for write. */
static DECLARE_RWSEM(urn_test_sem);
static atomic_t urn_test_used;
static atomic_t urn_test_pending;
/* Task works queued by callbacks that have not run yet. */
static atomic_t urn_test_works;
static atomic64_t urn_test_fires;
static atomic64_t urn_test_seq;
static struct dentry *urn_test_dir;

/*
 * URN_TEST_ARM_TASK_WORK: runs in the arming task, queued by the callback.
 * The exit to user mode that fired the callback must run it before it
 * returns; if it does not, it runs at the task's next exit.  The task holds
 * the control file open, and with it this module, until then.
 */
static void urn_test_task_work(struct callback_head *work)
{
	struct urn_test_slot *slot = container_of(work, struct urn_test_slot, work);

	slot->rec.work_seq = atomic64_inc_return(&urn_test_seq);
	/* Pairs with the acquire in the dump. */
	smp_store_release(&slot->work_done, true);
	atomic_dec(&urn_test_works);
}

/*
 * Runs with interrupts disabled after the exit work: it takes no lock, as
 * the notifier contract asks.  Waiters poll the slot (URN_TEST_ARM_HOLD)
 * instead of being woken.  Work that it raises (URN_TEST_ARM_TASK_WORK)
 * must be done before the return.
 */
static void urn_test_on_user_return(struct user_return_notifier *urn)
{
	struct urn_test_slot *slot = container_of(urn, struct urn_test_slot, urn);
	u32 flags = slot->rec.flags & ~(URN_TEST_REC_IRQS_OFF | URN_TEST_REC_IN_ARM |
					URN_TEST_REC_KTHREAD);

	/* A second run must be recorded, not turned into a misuse warning. */
	if (user_return_notifier_registered(urn))
		user_return_notifier_unregister(urn);

	if (irqs_disabled())
		flags |= URN_TEST_REC_IRQS_OFF;
	if (!READ_ONCE(slot->arm_done))
		flags |= URN_TEST_REC_IN_ARM;
	if (current->flags & PF_KTHREAD)
		flags |= URN_TEST_REC_KTHREAD;
	if ((slot->arm_flags & URN_TEST_ARM_TASK_WORK) &&
	    !(flags & URN_TEST_REC_WORK_QUEUED) &&
	    task_pid_nr(current) == slot->rec.arm_pid) {
		init_task_work(&slot->work, urn_test_task_work);
		atomic_inc(&urn_test_works);
		if (!task_work_add(current, &slot->work, TWA_RESUME))
			flags |= URN_TEST_REC_WORK_QUEUED;
		else
			atomic_dec(&urn_test_works);
	}
	slot->rec.flags = flags;
	slot->rec.fire_cpu = raw_smp_processor_id();
	slot->rec.fire_pid = task_pid_nr(current);
	slot->rec.fire_seq = atomic64_inc_return(&urn_test_seq);
	atomic64_inc(&urn_test_fires);

	/* Fully ordered: pairs with atomic_read() + smp_rmb() in the dump. */
	if (atomic_inc_return(&slot->fires) == 1)
		atomic_dec(&urn_test_pending);
}

/*
 * URN_TEST_ARM_HOLD: stay on the CPU, runnable, until the slot fired, a
 * signal is pending or @us passed.  Only a task that preempts this one runs
 * here meanwhile.
 */
static long urn_test_hold(struct urn_test_slot *slot, u32 us)
{
	u64 end = ktime_get_ns() + (u64)us * NSEC_PER_USEC;

	while (!atomic_read(&slot->fires)) {
		if (signal_pending(current))
			return -EINTR;
		if (ktime_get_ns() > end)
			return -ETIMEDOUT;
		cond_resched();
		cpu_relax();
	}
	return 0;
}

static long urn_test_arm(struct urn_test_arm __user *uarg)
{
	struct urn_test_slot *slot;
	struct urn_test_arm arg;
	unsigned int idx;
	long ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~URN_TEST_ARM_ALL) || arg.pad || arg.us > URN_TEST_MAX_US)
		return -EINVAL;
	if ((arg.flags & URN_TEST_ARM_MIGRATE) &&
	    (arg.cpu < 0 || arg.cpu >= nr_cpu_ids || !cpu_online(arg.cpu)))
		return -EINVAL;

	idx = atomic_fetch_add_unless(&urn_test_used, 1, URN_TEST_SLOTS);
	if (idx >= URN_TEST_SLOTS)
		return -ENOSPC;
	slot = &urn_test_slots[idx];
	user_return_notifier_init(&slot->urn, urn_test_on_user_return);
	slot->arm_flags = arg.flags;
	atomic_inc(&urn_test_pending);

	/* The notifier list is per CPU and changes with interrupts disabled. */
	local_irq_disable();
	slot->rec.arm_cpu = smp_processor_id();
	slot->rec.arm_pid = task_pid_nr(current);
	slot->rec.arm_seq = atomic64_inc_return(&urn_test_seq);
	slot->rec.flags = URN_TEST_REC_ARMED;
	ret = user_return_notifier_register(&slot->urn);
	local_irq_enable();
	if (ret) {
		/* On no list: nothing will fire it, nothing waits for it. */
		slot->rec.flags = 0;
		WRITE_ONCE(slot->arm_done, true);
		atomic_dec(&urn_test_pending);
		return ret;
	}

	/* Tell user space the slot before any step that may block. */
	arg.slot = idx;
	arg.arm_cpu = slot->rec.arm_cpu;
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		ret = -EFAULT;

	if (arg.flags & URN_TEST_ARM_SLEEP)
		fsleep(arg.us);
	if (!ret && (arg.flags & URN_TEST_ARM_MIGRATE))
		ret = set_cpus_allowed_ptr(current, cpumask_of(arg.cpu));
	/* -EINTR, not a restart: a restarted call would arm a second slot. */
	if (!ret && (arg.flags & URN_TEST_ARM_HOLD))
		ret = urn_test_hold(slot, arg.us);

	WRITE_ONCE(slot->arm_done, true);
	return ret;
}

static long urn_test_dump(struct urn_test_dump __user *uarg)
{
	struct urn_test_record __user *urec;
	struct urn_test_dump arg;
	unsigned int i, used;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;

	used = atomic_read(&urn_test_used);
	urec = u64_to_user_ptr(arg.records);
	for (i = 0; i < arg.count && arg.first + i < used; i++) {
		struct urn_test_slot *slot = &urn_test_slots[arg.first + i];
		struct urn_test_record rec;
		unsigned int fires;
		bool work_done;

		/* Pairs with the release in urn_test_task_work(). */
		work_done = smp_load_acquire(&slot->work_done);
		fires = atomic_read(&slot->fires);
		/* Pairs with the fully ordered atomic_inc_return() in the callback. */
		smp_rmb();
		rec = slot->rec;
		rec.fire_count = fires;
		if (work_done)
			rec.flags |= URN_TEST_REC_WORK_DONE;
		if (READ_ONCE(slot->arm_done))
			rec.flags |= URN_TEST_REC_ARM_DONE;
		if (copy_to_user(&urec[i], &rec, sizeof(rec)))
			return -EFAULT;
	}

	if (put_user(i, &uarg->count))
		return -EFAULT;
	return 0;
}

static long urn_test_stats(struct urn_test_stats __user *uarg)
{
	struct urn_test_stats stats = {
		.slots = URN_TEST_SLOTS,
		.used = atomic_read(&urn_test_used),
		.pending = atomic_read(&urn_test_pending),
		.fires = atomic64_read(&urn_test_fires),
	};

	return copy_to_user(uarg, &stats, sizeof(stats)) ? -EFAULT : 0;
}

/* Called with urn_test_sem held for write: no ioctl arms or reads a slot. */
static long urn_test_reset(void)
{
	/*
	 * A pending notifier is still on a CPU's list, a pending task work on
	 * a task's: its slot must stay.
	 */
	if (atomic_read(&urn_test_pending) || atomic_read(&urn_test_works))
		return -EBUSY;

	memset(urn_test_slots, 0, sizeof(*urn_test_slots) * atomic_read(&urn_test_used));
	atomic_set(&urn_test_used, 0);
	atomic64_set(&urn_test_fires, 0);
	return 0;
}

static long urn_test_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	long ret;

	if (cmd == URN_TEST_IOC_RESET) {
		down_write(&urn_test_sem);
		ret = urn_test_reset();
		up_write(&urn_test_sem);
		return ret;
	}

	down_read(&urn_test_sem);
	switch (cmd) {
	case URN_TEST_IOC_ARM:
		ret = urn_test_arm(uarg);
		break;
	case URN_TEST_IOC_DUMP:
		ret = urn_test_dump(uarg);
		break;
	case URN_TEST_IOC_STATS:
		ret = urn_test_stats(uarg);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	up_read(&urn_test_sem);
	return ret;
}

static const struct file_operations urn_test_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= urn_test_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static int __init urn_test_init(void)
{
	urn_test_slots = vzalloc(sizeof(*urn_test_slots) * URN_TEST_SLOTS);
	if (!urn_test_slots)
		return -ENOMEM;

	user_return_notifier_enable();

	urn_test_dir = debugfs_create_dir("test_user_return_notifier", NULL);
	debugfs_create_file("control", 0600, urn_test_dir, NULL, &urn_test_fops);
	return 0;
}

/* Runs on the slot's CPU with interrupts disabled, like the callback. */
static void urn_test_cancel(void *info)
{
	struct urn_test_slot *slot = info;

	if (user_return_notifier_registered(&slot->urn))
		user_return_notifier_unregister(&slot->urn);
}

static void __exit urn_test_exit(void)
{
	unsigned int i, used;
	bool leak = false;

	/* Waits for ioctls in flight, so no slot is being armed below. */
	debugfs_remove_recursive(urn_test_dir);

	used = atomic_read(&urn_test_used);
	for (i = 0; i < used; i++) {
		struct urn_test_slot *slot = &urn_test_slots[i];

		/* The core fires the notifiers of a CPU that goes offline. */
		if (!atomic_read(&slot->fires) &&
		    smp_call_function_single(slot->rec.arm_cpu, urn_test_cancel, slot, 1))
			leak = true;
	}

	/* Never free a notifier that may still be on a CPU's list. */
	if (WARN(leak, "notifiers pending on offline CPUs, leaking the slots\n"))
		return;
	vfree(urn_test_slots);
}

module_init(urn_test_init);
module_exit(urn_test_exit);

MODULE_DESCRIPTION("Test module for user-return notifiers");
MODULE_LICENSE("GPL");
