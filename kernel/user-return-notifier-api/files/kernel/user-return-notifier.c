// SPDX-License-Identifier: GPL-2.0-only
/*
 * User-return notifiers: call back before a CPU next returns to user mode.
 *
 * Each CPU has a list of notifiers.  Registering one, or arming the list
 * again with user_return_notifier_arm(), flags the current task with
 * TIF_USER_RETURN_NOTIFY; the scheduler hands the flag on to the next task
 * on the CPU (propagate_user_return_notify()), and the generic exit to user
 * mode calls fire_user_return_notifiers() with interrupts disabled as its
 * last step, which clears the flag and calls every notifier of the list.
 * A notifier stays registered until it is unregistered, so a user that
 * needs a callback on many returns, such as KVM on every exit to user space
 * after a guest ran, registers once and then only arms.  A CPU that goes
 * offline fires its notifiers from its hotplug thread instead.
 *
 * Each function works on the list of the CPU it runs on and is called
 * with interrupts disabled: the caller stays on that CPU, and neither a task
 * nor an IPI that changes the list can see it half updated.  The exit to
 * user mode and the users' own paths run with interrupts disabled anyway,
 * so this costs them nothing.  Not NMI safe.
 */

#include <linux/cpuhotplug.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/user-return-notifier.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#define CREATE_TRACE_POINTS
#include <trace/events/user_return_notifier.h>

EXPORT_TRACEPOINT_SYMBOL_GPL(user_return_notifier_fire);

static DEFINE_PER_CPU(struct hlist_head, return_notifier_list);

/*
 * The notifier list of this CPU.  A KUnit case redirects it to a list of
 * its own (kunit_activate_static_stub()), for its own thread only, so that
 * the notifiers that other users keep registered on the CPU, such as the
 * x86 user-return MSR layer's, do not change what it checks.  Without
 * KUnit this is this_cpu_ptr(); with it, one static branch more.
 */
VISIBLE_IF_KUNIT struct hlist_head *user_return_notifier_list(void)
{
	KUNIT_STATIC_STUB_REDIRECT(user_return_notifier_list);
	return this_cpu_ptr(&return_notifier_list);
}
EXPORT_SYMBOL_IF_KUNIT(user_return_notifier_list);

/* Enables the context-switch hand-over of TIF_USER_RETURN_NOTIFY. */
DEFINE_STATIC_KEY_FALSE(user_return_notifier_key);
EXPORT_SYMBOL_IF_KUNIT(user_return_notifier_key);

/**
 * user_return_notifier_enable - make ready for user-return notifiers
 *
 * Turns on the hand-over of TIF_USER_RETURN_NOTIFY at context switch.  Until
 * the first call user-return notifiers cost nothing there.  Stays on.
 *
 * Context: Process context, may sleep, not under cpus_read_lock().  Call it
 * before the first user_return_notifier_register().
 */
void user_return_notifier_enable(void)
{
	static_branch_enable(&user_return_notifier_key);
}
EXPORT_SYMBOL_GPL(user_return_notifier_enable);

/**
 * user_return_notifier_register - call @urn before this CPU returns to user
 * @urn: notifier with ->on_user_return set, not registered
 *
 * Add @urn to this CPU's notifiers and arm them, so that the next return to
 * user mode on this CPU, by whichever task, calls @urn->on_user_return().
 * @urn stays registered until it is unregistered, which may be done from the
 * callback, and is called again on each return to user mode after the
 * notifiers of this CPU are armed again (user_return_notifier_arm()).
 * Notifiers are called most recently registered first.
 *
 * Registering a registered notifier is a bug: it warns and changes nothing.
 *
 * Context: Interrupts disabled.
 */
void user_return_notifier_register(struct user_return_notifier *urn)
{
	lockdep_assert_irqs_disabled();
	/* A patched jump, where static_key_enabled() would be a call. */
	WARN_ON_ONCE(!static_branch_unlikely(&user_return_notifier_key));

	if (WARN_ON_ONCE(user_return_notifier_registered(urn)))
		return;
	hlist_add_head(&urn->link, user_return_notifier_list());
	user_return_notifier_arm();
}
EXPORT_SYMBOL_GPL(user_return_notifier_register);

/**
 * user_return_notifier_unregister - stop calling @urn
 * @urn: notifier registered on this CPU
 *
 * Remove @urn from this CPU's notifiers; with the last one gone, clear the
 * current task's flag (it is the one that holds it for this CPU).  Safe from
 * @urn->on_user_return() itself, not for another notifier.
 *
 * Unregistering a notifier that is not registered is a bug: it warns and
 * changes nothing.
 *
 * Context: Interrupts disabled, on the CPU @urn was registered on.
 */
void user_return_notifier_unregister(struct user_return_notifier *urn)
{
	lockdep_assert_irqs_disabled();

	if (WARN_ON_ONCE(!user_return_notifier_registered(urn)))
		return;
	hlist_del_init(&urn->link);
	if (hlist_empty(user_return_notifier_list()))
		clear_thread_flag(TIF_USER_RETURN_NOTIFY);
}
EXPORT_SYMBOL_GPL(user_return_notifier_unregister);

/* Out of line, so that the exit to user mode does not pay for its registers. */
static noinline void urn_trace_fire(struct user_return_notifier *urn)
{
	trace_user_return_notifier_fire(urn);
}

/**
 * fire_user_return_notifiers - call this CPU's user-return notifiers
 *
 * Disarm the notifiers of this CPU and call each of them.  The generic
 * exit to user mode calls this when TIF_USER_RETURN_NOTIFY is set, and so
 * does the CPU-offline path.
 *
 * Context: Interrupts disabled.
 */
void fire_user_return_notifiers(void)
{
	struct user_return_notifier *urn;
	struct hlist_node *next;

	lockdep_assert_irqs_disabled();

	/* First: a callback may arm again, for the next return. */
	clear_thread_flag(TIF_USER_RETURN_NOTIFY);
	/* _safe: the callback may unregister @urn. */
	hlist_for_each_entry_safe(urn, next, user_return_notifier_list(), link) {
		if (trace_user_return_notifier_fire_enabled())
			urn_trace_fire(urn);
		urn->on_user_return(urn);
	}
}
EXPORT_SYMBOL_GPL(fire_user_return_notifiers);

/*
 * A CPU that goes offline may not return to user mode for a long time: call
 * its pending notifiers now, on that CPU, so that they are not lost.
 */
VISIBLE_IF_KUNIT int user_return_notifier_cpu_offline(unsigned int cpu)
{
	guard(irqsave)();
	fire_user_return_notifiers();
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(user_return_notifier_cpu_offline);

static int __init user_return_notifier_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN,
					"user-return-notifier:offline", NULL,
					user_return_notifier_cpu_offline);
	return ret < 0 ? ret : 0;
}
core_initcall(user_return_notifier_init);
