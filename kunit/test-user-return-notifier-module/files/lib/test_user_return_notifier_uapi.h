/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Interface of the user-return notifier test module
 * (lib/test_user_return_notifier.c), shared with its user-space driver in
 * tools/testing/selftests/user_return_notifier/.
 *
 * The module exposes /sys/kernel/debug/test_user_return_notifier/control.
 * Each URN_TEST_IOC_ARM registers one notifier on the calling CPU and gives
 * it a slot; the notifier's callback unregisters it and records the fire in
 * the slot; URN_TEST_IOC_DUMP reads slots back.
 */
#ifndef _LIB_TEST_USER_RETURN_NOTIFIER_UAPI_H
#define _LIB_TEST_USER_RETURN_NOTIFIER_UAPI_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* After arming, sleep for @us before returning. */
#define URN_TEST_ARM_SLEEP	0x1
/* After arming, move the calling task to @cpu (it stays bound there). */
#define URN_TEST_ARM_MIGRATE	0x2
/*
 * After arming, keep the CPU until the notifier fired, a signal is pending or
 * @us pass: the task stays runnable in the kernel and gives way only to tasks
 * that preempt it.  A SCHED_FIFO caller thus keeps every SCHED_OTHER task
 * from returning to user mode on its CPU, and a task of higher priority woken
 * there is the first to return.
 */
#define URN_TEST_ARM_HOLD	0x4
/*
 * When the notifier fires in the arming task, its callback queues a task
 * work (task_work_add(), TWA_RESUME) on that task, which records when it
 * ran: the exit to user mode must run it before it returns.
 */
#define URN_TEST_ARM_TASK_WORK	0x8
#define URN_TEST_ARM_ALL	(URN_TEST_ARM_SLEEP | URN_TEST_ARM_MIGRATE | \
				 URN_TEST_ARM_HOLD | URN_TEST_ARM_TASK_WORK)

/**
 * struct urn_test_arm - argument of URN_TEST_IOC_ARM
 * @flags: (in) URN_TEST_ARM_* steps to take after arming, in the order
 *	   SLEEP, MIGRATE, HOLD
 * @us: (in) duration of SLEEP and time limit of HOLD in microseconds, at
 *	most 10 seconds
 * @cpu: (in) target CPU of MIGRATE
 * @slot: (out) slot of the notifier, written before any of the steps, so
 *	  that another thread can watch it while this one waits
 * @arm_cpu: (out) CPU the notifier was registered on
 * @pad: must be zero
 */
struct urn_test_arm {
	__u32 flags;
	__u32 us;
	__s32 cpu;
	__u32 slot;
	__s32 arm_cpu;
	__u32 pad;
};

/* The slot was armed since the last reset. */
#define URN_TEST_REC_ARMED	0x1
/* The URN_TEST_IOC_ARM call that armed the slot has finished its steps. */
#define URN_TEST_REC_ARM_DONE	0x2
/* The last fire ran with interrupts disabled. */
#define URN_TEST_REC_IRQS_OFF	0x4
/* The last fire ran before the arming call had finished its steps. */
#define URN_TEST_REC_IN_ARM	0x8
/* The last fire ran in a kernel thread (or the idle task): a bug. */
#define URN_TEST_REC_KTHREAD	0x10
/* URN_TEST_ARM_TASK_WORK: the callback queued the task work. */
#define URN_TEST_REC_WORK_QUEUED	0x20
/* URN_TEST_ARM_TASK_WORK: the task work ran, at @work_seq. */
#define URN_TEST_REC_WORK_DONE	0x40

/**
 * struct urn_test_record - what the module knows about one slot
 * @arm_seq: sequence number taken when the slot was armed
 * @fire_seq: sequence number taken at the last fire (same counter)
 * @arm_cpu: CPU the notifier was registered on
 * @arm_pid: thread ID (init namespace) of the arming task
 * @fire_cpu: CPU of the last fire
 * @fire_pid: thread ID (init namespace) of current at the last fire
 * @fire_count: number of times the callback ran
 * @flags: URN_TEST_REC_*
 * @work_seq: sequence number taken when the task work of
 *	      URN_TEST_ARM_TASK_WORK ran (same counter)
 */
struct urn_test_record {
	__u64 arm_seq;
	__u64 fire_seq;
	__s32 arm_cpu;
	__s32 arm_pid;
	__s32 fire_cpu;
	__s32 fire_pid;
	__u32 fire_count;
	__u32 flags;
	__u64 work_seq;
};

/**
 * struct urn_test_dump - argument of URN_TEST_IOC_DUMP
 * @first: (in) first slot to read
 * @count: (in) room in @records; (out) records copied, fewer when the
 *	   range runs past the slots used since the last reset
 * @records: (in) user pointer to an array of struct urn_test_record
 */
struct urn_test_dump {
	__u32 first;
	__u32 count;
	__u64 records;
};

/**
 * struct urn_test_stats - argument of URN_TEST_IOC_STATS
 * @slots: number of slots; URN_TEST_IOC_ARM fails with ENOSPC beyond it
 * @used: slots armed since the last reset
 * @pending: armed slots that have not fired yet
 * @pad: zero
 * @fires: callback runs since the last reset
 */
struct urn_test_stats {
	__u32 slots;
	__u32 used;
	__u32 pending;
	__u32 pad;
	__u64 fires;
};

#define URN_TEST_IOC_ARM	_IOWR('u', 0x80, struct urn_test_arm)
#define URN_TEST_IOC_DUMP	_IOWR('u', 0x81, struct urn_test_dump)
#define URN_TEST_IOC_STATS	_IOR('u', 0x82, struct urn_test_stats)
/* Forget all slots; fails with EBUSY while a notifier is pending. */
#define URN_TEST_IOC_RESET	_IO('u', 0x83)

#endif /* _LIB_TEST_USER_RETURN_NOTIFIER_UAPI_H */
