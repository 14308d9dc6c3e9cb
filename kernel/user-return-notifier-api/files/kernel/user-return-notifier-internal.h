/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kernel/user-return-notifier.c shows its KUnit suite only
 * (kernel/tests/user_return_notifier_kunit.c): the functions that do the
 * work of the API on a notifier list given as an argument, so that a case
 * can use lists of its own in place of the CPU's real one.
 */
#ifndef _KERNEL_USER_RETURN_NOTIFIER_INTERNAL_H
#define _KERNEL_USER_RETURN_NOTIFIER_INTERNAL_H

#include <linux/types.h>
#include <kunit/visibility.h>

#if IS_ENABLED(CONFIG_KUNIT)
struct user_return_notifier;

int __user_return_notifier_register(struct user_return_notifier *urn,
				    struct hlist_head *list, bool enabled);
void __user_return_notifier_unregister(struct user_return_notifier *urn,
				       struct hlist_head *list);
void __fire_user_return_notifiers(struct hlist_head *list);
#endif

#endif /* _KERNEL_USER_RETURN_NOTIFIER_INTERNAL_H */
