/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-return notifiers: run a callback on a CPU before it next returns to
 * user mode, e.g. to restore MSRs that only user mode consumes.
 *
 * A notifier belongs to the CPU it was registered on, not to a task, and
 * stays registered until it is unregistered.  The TIF_USER_RETURN_NOTIFY
 * flag that makes the exit to user mode call fire_user_return_notifiers()
 * arms the notifiers of a CPU for its next return to user mode; it follows
 * the CPU: the context switch hands it from the outgoing task to the
 * incoming one.
 */
#ifndef _LINUX_USER_RETURN_NOTIFIER_H
#define _LINUX_USER_RETURN_NOTIFIER_H

#include <linux/types.h>

/**
 * struct user_return_notifier - callback run before a return to user mode
 * @on_user_return: called on the CPU the notifier was registered on, with
 *		    interrupts disabled; may unregister @urn (only @urn)
 * @link: private to the core; all zero while not registered
 */
struct user_return_notifier {
	void (*on_user_return)(struct user_return_notifier *urn);
	struct hlist_node link;
};

#ifdef CONFIG_USER_RETURN_NOTIFIER

#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/sched.h>

DECLARE_STATIC_KEY_FALSE(user_return_notifier_key);

void user_return_notifier_enable(void);
void user_return_notifier_register(struct user_return_notifier *urn);
void user_return_notifier_unregister(struct user_return_notifier *urn);
void fire_user_return_notifiers(void);

#if IS_ENABLED(CONFIG_KUNIT)
int user_return_notifier_cpu_offline(unsigned int cpu);
struct hlist_head *user_return_notifier_list(void);
#endif

/**
 * user_return_notifier_arm - call this CPU's notifiers at its next return
 *
 * Make the next return to user mode on this CPU, by whichever task, call
 * the notifiers registered on it, as registering one does.  For a user that
 * keeps its notifier registered and needs it called again: one bit in the
 * current task's flags, cheap enough for every entry into a guest.
 *
 * Context: On the CPU whose notifiers to arm, with preemption or interrupts
 * disabled.
 */
static inline void user_return_notifier_arm(void)
{
	set_thread_flag(TIF_USER_RETURN_NOTIFY);
}

/**
 * user_return_notifier_registered - is @urn registered?
 * @urn: the notifier, all zero or previously unregistered if never used
 *
 * Lets the owner of @urn skip a registration, instead of keeping its own
 * flag next to the notifier.
 *
 * Context: On the CPU @urn was registered on, with preemption disabled or
 * in that CPU's hotplug thread; otherwise the answer may be stale.
 * Return: true if @urn is registered, false if not.
 */
static inline bool
user_return_notifier_registered(const struct user_return_notifier *urn)
{
	return !hlist_unhashed(&urn->link);
}

/*
 * Hand TIF_USER_RETURN_NOTIFY from @prev to @next: the pending notifiers
 * belong to the CPU, so whichever task next returns to user mode on it
 * must fire them.  Called by the scheduler with interrupts disabled.
 */
static __always_inline void
propagate_user_return_notify(struct task_struct *prev, struct task_struct *next)
{
	if (static_branch_unlikely(&user_return_notifier_key) &&
	    unlikely(test_tsk_thread_flag(prev, TIF_USER_RETURN_NOTIFY))) {
		clear_tsk_thread_flag(prev, TIF_USER_RETURN_NOTIFY);
		set_tsk_thread_flag(next, TIF_USER_RETURN_NOTIFY);
	}
}

/* A new task does not own its parent's CPU: never inherit the flag. */
static inline void clear_user_return_notifier(struct task_struct *p)
{
	clear_tsk_thread_flag(p, TIF_USER_RETURN_NOTIFY);
}

#else /* !CONFIG_USER_RETURN_NOTIFIER */

struct task_struct;

static inline void user_return_notifier_enable(void) {}
static inline void user_return_notifier_register(struct user_return_notifier *urn) {}
static inline void user_return_notifier_unregister(struct user_return_notifier *urn) {}
static inline void user_return_notifier_arm(void) {}
static inline void fire_user_return_notifiers(void) {}

static inline bool
user_return_notifier_registered(const struct user_return_notifier *urn)
{
	return false;
}

static inline void propagate_user_return_notify(struct task_struct *prev,
						struct task_struct *next) {}
static inline void clear_user_return_notifier(struct task_struct *p) {}

#endif /* CONFIG_USER_RETURN_NOTIFIER */

#endif /* _LINUX_USER_RETURN_NOTIFIER_H */
