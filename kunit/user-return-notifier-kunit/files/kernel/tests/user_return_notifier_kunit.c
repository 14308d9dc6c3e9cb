// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for user-return notifiers (kernel/user-return-notifier.c).
 *
 * The cases run in kthreads, which never return to user mode, so they fire
 * the notifiers themselves, as the exit to user mode does, and call the
 * context-switch hand-over and the work of the CPU-offline callback
 * directly as well as through a real context switch and remove_cpu().
 *
 * Each case keeps interrupts disabled while it has a notifier registered,
 * as the API requires, so that the notifier stays on the CPU the case
 * checks, and checks the results after interrupts are enabled again.
 *
 * Each case works on notifier lists of its own, one per CPU: it registers,
 * unregisters and fires through the core's functions that take the list as
 * an argument (kernel/user-return-notifier-internal.h), which the API calls
 * with the CPU's real list, and keeps aside the flag it may have been
 * handed for that real list: notifiers that other users keep registered,
 * such as the x86 user-return MSR layer's in a kernel with KVM built in,
 * neither show in its checks nor lose a return to them.  The CPU-offline
 * case through remove_cpu() and the other user's notifier use the real list,
 * through the API.
 *
 * Not covered here: the real exit to user mode (see the test module and its
 * kselftest), and NMI context.
 */

#include <kunit/test-bug.h>
#include <kunit/test.h>
#include <kunit/visibility.h>

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/smp.h>
#include <linux/user-return-notifier.h>
#include <linux/workqueue.h>
#include <linux/string.h>
#include <trace/events/user_return_notifier.h>

#include "../user-return-notifier-internal.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

#define URN_LOG_MAX	8

/* The order in which the notifiers of a case were called. */
struct urn_log {
	int id[URN_LOG_MAX];
	unsigned int len;
};

struct urn_probe {
	struct user_return_notifier urn;
	struct urn_log *log;
	int id;
	unsigned int calls;
	int cpu;
	bool irqs_were_disabled;
	bool unregister_self;
	struct user_return_notifier *register_other;
	int register_ret;
	/* On the CPU's real list, through the API, not on the case's list. */
	bool real_list;
};

/* The case's own notifier list of this CPU; test->priv holds one per CPU. */
static struct hlist_head *urn_case_list(void)
{
	struct hlist_head *lists = kunit_get_current_test()->priv;

	return &lists[smp_processor_id()];
}

/* Is the hand-over on?  The API asks its static key, so does a case. */
static bool urn_enabled(void)
{
	return static_key_enabled(&user_return_notifier_key);
}

/*
 * Register, unregister and fire on the case's list of this CPU, as the API
 * does on the real one.  The case's thread only (urn_case_list()).
 */
static int urn_register(struct user_return_notifier *urn)
{
	return __user_return_notifier_register(urn, urn_case_list(),
					       urn_enabled());
}

static void urn_unregister(struct user_return_notifier *urn)
{
	__user_return_notifier_unregister(urn, urn_case_list());
}

static void urn_fire(void)
{
	__fire_user_return_notifiers(urn_case_list());
}

static void urn_probe_fn(struct user_return_notifier *urn)
{
	struct urn_probe *p = container_of(urn, struct urn_probe, urn);

	p->calls++;
	p->cpu = smp_processor_id();
	p->irqs_were_disabled = irqs_disabled();
	if (p->log && p->log->len < URN_LOG_MAX)
		p->log->id[p->log->len++] = p->id;
	if (p->unregister_self) {
		if (p->real_list)
			user_return_notifier_unregister(urn);
		else
			urn_unregister(urn);
	}
	if (p->register_other) {
		if (p->real_list)
			p->register_ret = user_return_notifier_register(p->register_other);
		else
			p->register_ret = urn_register(p->register_other);
	}
}

#define URN_PROBE(_id, _log) {					\
	.urn = { .on_user_return = urn_probe_fn },		\
	.log = (_log),						\
	.id = (_id),						\
	.cpu = -1,						\
}

static bool urn_flag(void)
{
	return test_thread_flag(TIF_USER_RETURN_NOTIFY);
}

static int urn_case_init(struct kunit *test)
{
	test->priv = kunit_kcalloc(test, nr_cpu_ids, sizeof(struct hlist_head),
				   GFP_KERNEL);
	if (!test->priv)
		return -ENOMEM;
	return 0;
}

/*
 * Pin the case to this CPU, with interrupts disabled, and keep aside the
 * flag the task may hold for the CPU's real list (a context switch hands
 * it over): the case's checks then see only its own notifiers, and
 * urn_unpin() gives the flag back, so that the real notifiers still fire.
 */
static bool urn_pin(void)
{
	local_irq_disable();
	return test_and_clear_thread_flag(TIF_USER_RETURN_NOTIFY);
}

static void urn_unpin(bool real_flag)
{
	if (real_flag)
		set_thread_flag(TIF_USER_RETURN_NOTIFY);
	local_irq_enable();
}

/* Registering flags the task, unregistering the last notifier clears it. */
static void urn_test_register_unregister(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	bool real_flag, flag_reg, flag_unreg;

	real_flag = urn_pin();
	urn_register(&a.urn);
	/* After: @a is on this CPU's list and the task is flagged. */
	flag_reg = urn_flag();
	urn_unregister(&a.urn);
	/* After: the list is empty again and the flag is gone. */
	flag_unreg = urn_flag();
	urn_unpin(real_flag);

	KUNIT_EXPECT_TRUE(test, flag_reg);
	KUNIT_EXPECT_FALSE(test, flag_unreg);
	KUNIT_EXPECT_EQ(test, a.calls, 0);
}

/*
 * A registered notifier is called, on its CPU with IRQs off, by each
 * fire_user_return_notifiers() until unregistered.
 */
static void urn_test_fire(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	unsigned int calls_registered, calls_after;
	int cpu;
	bool real_flag;

	real_flag = urn_pin();
	cpu = smp_processor_id();
	/* Nothing registered: nothing to call. */
	urn_fire();
	urn_register(&a.urn);
	urn_fire();
	urn_fire();
	/*
	 * Still registered, so each direct fire calls it (the exit to user
	 * mode fires only when armed, see urn_test_arm()).
	 */
	calls_registered = a.calls;
	urn_unregister(&a.urn);
	urn_fire();
	calls_after = a.calls;
	urn_unpin(real_flag);

	KUNIT_EXPECT_EQ(test, calls_registered, 2);
	KUNIT_EXPECT_EQ(test, calls_after, 2);
	KUNIT_EXPECT_EQ(test, a.cpu, cpu);
	KUNIT_EXPECT_TRUE(test, a.irqs_were_disabled);
}

/* user_return_notifier_registered() follows register and unregister. */
static void urn_test_registered(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	bool zeroed, reg, unreg, rereg;
	bool real_flag;

	real_flag = urn_pin();
	/* Before: a zeroed notifier reads as not registered. */
	zeroed = user_return_notifier_registered(&a.urn);
	urn_register(&a.urn);
	reg = user_return_notifier_registered(&a.urn);
	urn_unregister(&a.urn);
	unreg = user_return_notifier_registered(&a.urn);
	/* An unregistered notifier can be registered again. */
	urn_register(&a.urn);
	rereg = user_return_notifier_registered(&a.urn);
	urn_unregister(&a.urn);
	urn_unpin(real_flag);

	KUNIT_EXPECT_FALSE(test, zeroed);
	KUNIT_EXPECT_TRUE(test, reg);
	KUNIT_EXPECT_FALSE(test, unreg);
	KUNIT_EXPECT_TRUE(test, rereg);
	KUNIT_EXPECT_FALSE(test, user_return_notifier_registered(&a.urn));
}

/*
 * Several notifiers: the flag stays while one is registered and armed; a
 * fire calls each registered one once and disarms them.
 */
static void urn_test_several(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	struct urn_probe b = URN_PROBE(2, NULL);
	struct urn_probe c = URN_PROBE(3, NULL);
	bool real_flag, flag_two_left, flag_fired, a_reg, c_reg;

	real_flag = urn_pin();
	urn_register(&a.urn);
	urn_register(&b.urn);
	urn_register(&c.urn);
	urn_unregister(&b.urn);
	flag_two_left = urn_flag();
	urn_fire();
	flag_fired = urn_flag();
	a_reg = user_return_notifier_registered(&a.urn);
	c_reg = user_return_notifier_registered(&c.urn);
	urn_unregister(&a.urn);
	urn_unregister(&c.urn);
	urn_unpin(real_flag);

	KUNIT_EXPECT_EQ(test, a.calls, 1);
	KUNIT_EXPECT_EQ(test, b.calls, 0);
	KUNIT_EXPECT_EQ(test, c.calls, 1);
	KUNIT_EXPECT_TRUE(test, a_reg);
	KUNIT_EXPECT_TRUE(test, c_reg);
	KUNIT_EXPECT_TRUE(test, flag_two_left);
	KUNIT_EXPECT_FALSE(test, flag_fired);
}

/*
 * A notifier stays registered after it is called; arming calls it again at
 * the next return.
 */
static void urn_test_arm(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	unsigned int calls_fired, calls_armed;
	bool real_flag, flag_fired, flag_armed;

	real_flag = urn_pin();
	urn_register(&a.urn);
	urn_fire();
	calls_fired = a.calls;
	flag_fired = urn_flag();
	user_return_notifier_arm();
	flag_armed = urn_flag();
	urn_fire();
	calls_armed = a.calls;
	urn_unregister(&a.urn);
	urn_unpin(real_flag);

	KUNIT_EXPECT_EQ(test, calls_fired, 1);
	KUNIT_EXPECT_EQ(test, calls_armed, 2);
	KUNIT_EXPECT_FALSE(test, flag_fired);
	KUNIT_EXPECT_TRUE(test, flag_armed);
}

/* Notifiers are called most recently registered first. */
static void urn_test_order(struct kunit *test)
{
	struct urn_log log = {};
	struct urn_probe a = URN_PROBE(1, &log);
	struct urn_probe b = URN_PROBE(2, &log);
	struct urn_probe c = URN_PROBE(3, &log);
	bool real_flag;

	real_flag = urn_pin();
	urn_register(&a.urn);
	urn_register(&b.urn);
	urn_register(&c.urn);
	urn_fire();
	urn_unregister(&a.urn);
	urn_unregister(&b.urn);
	urn_unregister(&c.urn);
	urn_unpin(real_flag);

	KUNIT_ASSERT_EQ(test, log.len, 3);
	KUNIT_EXPECT_EQ(test, log.id[0], 3);
	KUNIT_EXPECT_EQ(test, log.id[1], 2);
	KUNIT_EXPECT_EQ(test, log.id[2], 1);
}

/* A notifier that unregisters itself from its callback. */
static void urn_test_unregister_in_callback(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	bool real_flag, flag_after;

	a.unregister_self = true;
	real_flag = urn_pin();
	urn_register(&a.urn);
	urn_fire();
	/* After: @a is gone and so is the flag; firing again calls nothing. */
	flag_after = urn_flag();
	urn_fire();
	urn_unpin(real_flag);

	KUNIT_EXPECT_EQ(test, a.calls, 1);
	KUNIT_EXPECT_FALSE(test, user_return_notifier_registered(&a.urn));
	KUNIT_EXPECT_FALSE(test, flag_after);
}

/* The middle notifier unregisters itself: the others are still called. */
static void urn_test_unregister_in_callback_middle(struct kunit *test)
{
	struct urn_log log = {};
	struct urn_probe a = URN_PROBE(1, &log);
	struct urn_probe b = URN_PROBE(2, &log);
	struct urn_probe c = URN_PROBE(3, &log);
	bool a_reg, b_reg, c_reg;
	bool real_flag;

	b.unregister_self = true;
	real_flag = urn_pin();
	urn_register(&a.urn);
	urn_register(&b.urn);
	urn_register(&c.urn);
	urn_fire();
	a_reg = user_return_notifier_registered(&a.urn);
	b_reg = user_return_notifier_registered(&b.urn);
	c_reg = user_return_notifier_registered(&c.urn);
	/* Second round: only @c and @a are left. */
	urn_fire();
	urn_unregister(&a.urn);
	urn_unregister(&c.urn);
	urn_unpin(real_flag);

	KUNIT_EXPECT_TRUE(test, a_reg);
	KUNIT_EXPECT_FALSE(test, b_reg);
	KUNIT_EXPECT_TRUE(test, c_reg);
	KUNIT_EXPECT_EQ(test, a.calls, 2);
	KUNIT_EXPECT_EQ(test, b.calls, 1);
	KUNIT_EXPECT_EQ(test, c.calls, 2);
	KUNIT_ASSERT_EQ(test, log.len, 5);
	KUNIT_EXPECT_EQ(test, log.id[0], 3);
	KUNIT_EXPECT_EQ(test, log.id[1], 2);
	KUNIT_EXPECT_EQ(test, log.id[2], 1);
	KUNIT_EXPECT_EQ(test, log.id[3], 3);
	KUNIT_EXPECT_EQ(test, log.id[4], 1);
}

/* A notifier registered from a callback waits for the next return. */
static void urn_test_register_in_callback(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	struct urn_probe b = URN_PROBE(2, NULL);
	unsigned int b_calls_first;
	bool real_flag;

	a.unregister_self = true;
	a.register_other = &b.urn;
	real_flag = urn_pin();
	urn_register(&a.urn);
	urn_fire();
	b_calls_first = b.calls;
	urn_fire();
	urn_unregister(&b.urn);
	urn_unpin(real_flag);

	KUNIT_EXPECT_EQ(test, a.register_ret, 0);
	KUNIT_EXPECT_EQ(test, a.calls, 1);
	KUNIT_EXPECT_EQ(test, b_calls_first, 0);
	KUNIT_EXPECT_EQ(test, b.calls, 1);
	KUNIT_EXPECT_FALSE(test, user_return_notifier_registered(&b.urn));
}

/*
 * Registering a registered notifier warns and leaves the list alone: @a is
 * still called exactly once per fire (no loop in the list) and one
 * unregister removes it.
 */
static void urn_test_double_register(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	struct urn_probe b = URN_PROBE(2, NULL);
	bool real_flag = false, flag_after = true;

	kunit_warning_suppress(test) {
		real_flag = urn_pin();
		urn_register(&b.urn);
		urn_register(&a.urn);
		urn_register(&a.urn);
		urn_fire();
		urn_unregister(&a.urn);
		urn_unregister(&b.urn);
		flag_after = urn_flag();
		urn_unpin(real_flag);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
	}

	KUNIT_EXPECT_EQ(test, a.calls, 1);
	KUNIT_EXPECT_EQ(test, b.calls, 1);
	KUNIT_EXPECT_FALSE(test, user_return_notifier_registered(&a.urn));
	KUNIT_EXPECT_FALSE(test, user_return_notifier_registered(&b.urn));
	KUNIT_EXPECT_FALSE(test, flag_after);
}

/*
 * Unregistering a notifier that is not registered warns and changes
 * nothing: the registered one is still called and still holds the flag.
 */
static void urn_test_unregister_unregistered(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	struct urn_probe b = URN_PROBE(2, NULL);
	bool real_flag = false, flag_stray = false, a_reg = true;

	kunit_warning_suppress(test) {
		real_flag = urn_pin();
		urn_register(&b.urn);
		urn_unregister(&a.urn);
		flag_stray = urn_flag();
		a_reg = user_return_notifier_registered(&a.urn);
		urn_fire();
		urn_unregister(&b.urn);
		/* Twice: the second one is the stray one. */
		urn_unregister(&b.urn);
		urn_unpin(real_flag);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 2);
	}

	KUNIT_EXPECT_FALSE(test, a_reg);
	KUNIT_EXPECT_EQ(test, a.calls, 0);
	KUNIT_EXPECT_EQ(test, b.calls, 1);
	KUNIT_EXPECT_TRUE(test, flag_stray);
}

/*
 * Before user_return_notifier_enable() a pending notifier would not follow
 * its CPU to the next task: registration fails, warns and changes nothing.
 * The case registers with the hand-over seen as off, whatever other users
 * enabled.
 */
static void urn_test_register_before_enable(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	bool real_flag = false, flag = true, reg = true;
	int ret = 0;

	kunit_warning_suppress(test) {
		real_flag = urn_pin();
		ret = __user_return_notifier_register(&a.urn, urn_case_list(),
						      false);
		flag = urn_flag();
		reg = user_return_notifier_registered(&a.urn);
		urn_fire();
		urn_unpin(real_flag);
	}

	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_FALSE(test, flag);
	KUNIT_EXPECT_FALSE(test, reg);
	KUNIT_EXPECT_EQ(test, a.calls, 0);
}

/*
 * A notifier in memory that was not zeroed looks registered: registering
 * it fails, where the caller sees it, until user_return_notifier_init().
 */
static void urn_test_init_dirty_memory(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	bool real_flag = false;
	int ret_dirty = 0, ret_init;

	memset(&a.urn.link, 0xa5, sizeof(a.urn.link));
	kunit_warning_suppress(test) {
		real_flag = urn_pin();
		ret_dirty = urn_register(&a.urn);
		urn_unpin(real_flag);
	}

	user_return_notifier_init(&a.urn, urn_probe_fn);
	a.unregister_self = true;
	real_flag = urn_pin();
	ret_init = urn_register(&a.urn);
	urn_fire();
	urn_unpin(real_flag);

	KUNIT_EXPECT_EQ(test, ret_dirty, -EBUSY);
	KUNIT_EXPECT_EQ(test, ret_init, 0);
	KUNIT_EXPECT_EQ(test, a.calls, 1);
	KUNIT_EXPECT_FALSE(test, user_return_notifier_registered(&a.urn));
}

static int urn_idle_thread(void *data)
{
	return 0;
}

/* The hand-over moves the flag to the next task, and only if it is set. */
static void urn_test_propagate(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	struct task_struct *t;
	bool real_flag, none_moved, mine, theirs, mine_back, theirs_back;

	/* Created, never woken: a task that is not running anywhere. */
	t = kthread_create(urn_idle_thread, NULL, "urn_kunit_idle");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);

	real_flag = urn_pin();
	propagate_user_return_notify(current, t);
	none_moved = test_tsk_thread_flag(t, TIF_USER_RETURN_NOTIFY);
	urn_register(&a.urn);
	/* As if switching from current to @t ... */
	propagate_user_return_notify(current, t);
	mine = urn_flag();
	theirs = test_tsk_thread_flag(t, TIF_USER_RETURN_NOTIFY);
	/* ... and back. */
	propagate_user_return_notify(t, current);
	mine_back = urn_flag();
	theirs_back = test_tsk_thread_flag(t, TIF_USER_RETURN_NOTIFY);
	urn_unregister(&a.urn);
	urn_unpin(real_flag);

	kthread_stop(t);

	KUNIT_EXPECT_FALSE(test, none_moved);
	KUNIT_EXPECT_FALSE(test, mine);
	KUNIT_EXPECT_TRUE(test, theirs);
	KUNIT_EXPECT_TRUE(test, mine_back);
	KUNIT_EXPECT_FALSE(test, theirs_back);
}

struct urn_switch {
	struct urn_probe probe;
	struct completion registered;
	struct completion go;
	bool real_flag;
	bool flag_after_sleep;
	bool flag_after_unregister;
};

static int urn_switch_thread(void *data)
{
	struct urn_switch *sw = data;

	sw->real_flag = urn_pin();
	urn_register(&sw->probe.urn);
	urn_unpin(sw->real_flag);
	complete(&sw->registered);

	/* Sleep: the context switch hands the flag to the next task. */
	wait_for_completion(&sw->go);

	/* Running on the CPU again: the flag came back with it. */
	local_irq_disable();
	sw->flag_after_sleep = urn_flag();
	urn_unregister(&sw->probe.urn);
	sw->flag_after_unregister = urn_flag();
	/*
	 * The flag may have stood for the CPU's real list too: give it back.
	 * A fire too many costs the real notifiers nothing, one too few would.
	 */
	urn_unpin(sw->flag_after_sleep);
	return 0;
}

/*
 * A real context switch: a thread bound to a CPU registers a notifier and
 * sleeps.  While it is off the CPU it does not hold the flag; the task
 * running there does.
 */
static void urn_test_context_switch(struct kunit *test)
{
	struct urn_switch sw = { .probe = URN_PROBE(1, NULL) };
	struct task_struct *t;
	bool flag_asleep, same_cpu, flag_on_me = false;
	unsigned long timeout;
	int cpu = raw_smp_processor_id();

	init_completion(&sw.registered);
	init_completion(&sw.go);
	t = kthread_create(urn_switch_thread, &sw, "urn_kunit_switch");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	get_task_struct(t);
	/* Its notifier goes on the case's list too (see urn_case_list()). */
	t->kunit_test = test;
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&sw.registered);

	/* Wait until @t has been switched out in wait_for_completion(). */
	timeout = jiffies + 10 * HZ;
	while ((task_is_running(t) || READ_ONCE(t->on_cpu)) &&
	       time_before(jiffies, timeout))
		usleep_range(100, 1000);
	flag_asleep = test_tsk_thread_flag(t, TIF_USER_RETURN_NOTIFY);

	local_irq_disable();
	same_cpu = smp_processor_id() == cpu;
	if (same_cpu)
		flag_on_me = urn_flag();
	local_irq_enable();

	complete(&sw.go);
	kthread_stop(t);
	put_task_struct(t);

	KUNIT_EXPECT_FALSE(test, flag_asleep);
	if (same_cpu)
		KUNIT_EXPECT_TRUE(test, flag_on_me);
	KUNIT_EXPECT_TRUE(test, sw.flag_after_sleep);
	KUNIT_EXPECT_FALSE(test, sw.flag_after_unregister);
}

/*
 * The CPU-dying callback's work fires what is pending on its CPU, and
 * unlinks the notifiers that stay registered.
 */
static void urn_test_offline_callback(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	struct urn_probe b = URN_PROBE(2, NULL);
	bool real_flag, flag_after, empty_after;
	int cpu;

	a.unregister_self = true;
	real_flag = urn_pin();
	cpu = smp_processor_id();
	urn_register(&a.urn);
	urn_register(&b.urn);
	__user_return_notifier_cpu_dying(cpu, urn_case_list());
	flag_after = urn_flag();
	empty_after = hlist_empty(urn_case_list());
	urn_unpin(real_flag);

	KUNIT_EXPECT_EQ(test, a.calls, 1);
	KUNIT_EXPECT_EQ(test, a.cpu, cpu);
	KUNIT_EXPECT_EQ(test, b.calls, 1);
	KUNIT_EXPECT_FALSE(test, user_return_notifier_registered(&a.urn));
	KUNIT_EXPECT_FALSE(test, user_return_notifier_registered(&b.urn));
	KUNIT_EXPECT_TRUE(test, empty_after);
	KUNIT_EXPECT_FALSE(test, flag_after);
}

/*
 * A notifier that stays registered but was already called is not called
 * again when its CPU goes offline (once per arm), and is unlinked all the
 * same.  Only the CPU going down fires and unlinks its notifiers.
 */
static void urn_test_offline_not_armed(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	unsigned int calls_fired = 0, calls_offline = 0;
	bool unlinked = false, kept = false, real_flag = false;
	int cpu, other = nr_cpu_ids;

	/* Outside the pinned section: it allocates. */
	kunit_warning_suppress(test) {
		real_flag = urn_pin();
		cpu = smp_processor_id();
		other = cpumask_any_but(cpu_online_mask, cpu);
		urn_register(&a.urn);
		urn_fire();
		calls_fired = a.calls;
		__user_return_notifier_cpu_dying(cpu, urn_case_list());
		calls_offline = a.calls;
		unlinked = !user_return_notifier_registered(&a.urn) &&
			   hlist_empty(urn_case_list());
		if (other < nr_cpu_ids) {
			/* Armed: another CPU's dying must leave this list alone. */
			urn_register(&a.urn);
			__user_return_notifier_cpu_dying(other, urn_case_list());
			kept = user_return_notifier_registered(&a.urn);
			urn_fire();
			urn_unregister(&a.urn);
		}
		urn_unpin(real_flag);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, other < nr_cpu_ids ? 1 : 0);
	}

	KUNIT_EXPECT_EQ(test, calls_fired, 1);
	KUNIT_EXPECT_EQ(test, calls_offline, 1);
	KUNIT_EXPECT_TRUE(test, unlinked);
	if (other < nr_cpu_ids)
		KUNIT_EXPECT_TRUE(test, kept);
	KUNIT_EXPECT_EQ(test, a.calls, other < nr_cpu_ids ? 2 : 1);
}

/* On the real list of the CPU it runs on, through the API. */
static long urn_register_here(void *data)
{
	struct urn_probe *p = data;
	int ret;

	local_irq_disable();
	ret = user_return_notifier_register(&p->urn);
	local_irq_enable();
	return ret;
}

static long urn_unregister_here(void *data)
{
	struct urn_probe *p = data;

	local_irq_disable();
	if (user_return_notifier_registered(&p->urn))
		user_return_notifier_unregister(&p->urn);
	local_irq_enable();
	return 0;
}

/*
 * Another user's notifier on the CPU's real list, as the x86 MSR layer
 * keeps one with KVM built in, does not show in a case: the case's fire
 * does not call it, and unregistering the case's last notifier clears the
 * flag.
 */
static void urn_test_other_user(struct kunit *test)
{
	struct urn_probe other = URN_PROBE(9, NULL);
	struct urn_probe a = URN_PROBE(1, NULL);
	unsigned int other_before, other_after;
	bool real_flag, flag_reg, flag_unreg;
	int cpu;

	migrate_disable();
	cpu = smp_processor_id();
	/* A worker registers on the real list, through the API. */
	other.real_list = true;
	if (work_on_cpu(cpu, urn_register_here, &other)) {
		migrate_enable();
		KUNIT_FAIL_AND_ABORT(test, "registering on the real list failed");
	}

	real_flag = urn_pin();
	other_before = other.calls;
	urn_register(&a.urn);
	flag_reg = urn_flag();
	urn_fire();
	other_after = other.calls;
	urn_unregister(&a.urn);
	flag_unreg = urn_flag();
	urn_unpin(real_flag);

	work_on_cpu(cpu, urn_unregister_here, &other);
	migrate_enable();

	KUNIT_EXPECT_TRUE(test, flag_reg);
	KUNIT_EXPECT_FALSE(test, flag_unreg);
	KUNIT_EXPECT_EQ(test, a.calls, 1);
	KUNIT_EXPECT_EQ(test, other_after, other_before);
	KUNIT_EXPECT_FALSE(test, user_return_notifier_registered(&other.urn));
}

/*
 * A notifier pending on a CPU that goes offline is fired there, not lost,
 * and unlinked: it does not unregister itself, and nothing on another CPU
 * could.
 */
static void urn_test_offline_remove_cpu(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	int cpu, ret;

	cpu = cpumask_last(cpu_online_mask);
	if (num_online_cpus() < 2 || cpu == 0)
		kunit_skip(test, "needs a second online CPU");

	a.real_list = true;
	KUNIT_ASSERT_EQ(test, work_on_cpu(cpu, urn_register_here, &a), 0);
	ret = remove_cpu(cpu);
	if (ret) {
		work_on_cpu(cpu, urn_unregister_here, &a);
		kunit_skip(test, "cannot offline CPU %d: %d", cpu, ret);
	}

	KUNIT_EXPECT_EQ(test, a.calls, 1);
	KUNIT_EXPECT_EQ(test, a.cpu, cpu);
	KUNIT_EXPECT_FALSE(test, user_return_notifier_registered(&a.urn));
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
}

static void urn_trace_probe(void *data, struct user_return_notifier *urn)
{
	struct user_return_notifier **seen = data;

	*seen = urn;
}

/* The user_return_notifier_fire tracepoint names the notifier it calls. */
static void urn_test_tracepoint(struct kunit *test)
{
	struct urn_probe a = URN_PROBE(1, NULL);
	struct user_return_notifier *seen = NULL;
	int ret;
	bool real_flag;

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "tracepoints are not enabled");
	ret = register_trace_user_return_notifier_fire(urn_trace_probe, &seen);
	KUNIT_ASSERT_EQ(test, ret, 0);

	a.unregister_self = true;
	real_flag = urn_pin();
	urn_register(&a.urn);
	urn_fire();
	urn_unpin(real_flag);

	unregister_trace_user_return_notifier_fire(urn_trace_probe, &seen);
	tracepoint_synchronize_unregister();

	KUNIT_EXPECT_EQ(test, a.calls, 1);
	KUNIT_EXPECT_PTR_EQ(test, seen, &a.urn);
}

static int urn_suite_init(struct kunit_suite *suite)
{
	user_return_notifier_enable();
	return 0;
}

static struct kunit_case user_return_notifier_cases[] = {
	KUNIT_CASE(urn_test_register_unregister),
	KUNIT_CASE(urn_test_fire),
	KUNIT_CASE(urn_test_registered),
	KUNIT_CASE(urn_test_several),
	KUNIT_CASE(urn_test_arm),
	KUNIT_CASE(urn_test_order),
	KUNIT_CASE(urn_test_unregister_in_callback),
	KUNIT_CASE(urn_test_unregister_in_callback_middle),
	KUNIT_CASE(urn_test_register_in_callback),
	KUNIT_CASE(urn_test_double_register),
	KUNIT_CASE(urn_test_unregister_unregistered),
	KUNIT_CASE(urn_test_register_before_enable),
	KUNIT_CASE(urn_test_init_dirty_memory),
	KUNIT_CASE(urn_test_propagate),
	KUNIT_CASE(urn_test_context_switch),
	KUNIT_CASE(urn_test_offline_callback),
	KUNIT_CASE(urn_test_offline_not_armed),
	KUNIT_CASE(urn_test_other_user),
	KUNIT_CASE_SLOW(urn_test_offline_remove_cpu),
	KUNIT_CASE(urn_test_tracepoint),
	{}
};

static struct kunit_suite user_return_notifier_suite = {
	.name = "user_return_notifier",
	.suite_init = urn_suite_init,
	.init = urn_case_init,
	.test_cases = user_return_notifier_cases,
};

kunit_test_suite(user_return_notifier_suite);

MODULE_DESCRIPTION("KUnit tests for user-return notifiers");
MODULE_LICENSE("GPL");
