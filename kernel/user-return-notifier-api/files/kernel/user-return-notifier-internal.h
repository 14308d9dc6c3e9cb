/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kernel/user-return-notifier.c shows its KUnit suite only
 * (kernel/tests/user_return_notifier_kunit.c).
 */
#ifndef _KERNEL_USER_RETURN_NOTIFIER_INTERNAL_H
#define _KERNEL_USER_RETURN_NOTIFIER_INTERNAL_H

#include <kunit/visibility.h>

#if IS_ENABLED(CONFIG_KUNIT)
struct hlist_head;

struct hlist_head *user_return_notifier_list(void);
bool user_return_notifier_enabled(void);
int user_return_notifier_cpu_offline(unsigned int cpu);
#endif

#endif /* _KERNEL_USER_RETURN_NOTIFIER_INTERNAL_H */
