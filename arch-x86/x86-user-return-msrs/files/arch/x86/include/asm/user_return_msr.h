/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_USER_RETURN_MSR_H
#define _ASM_X86_USER_RETURN_MSR_H

#include <linux/errno.h>
#include <linux/types.h>

/*
 * User-return MSRs are MSRs whose host value only matters once the CPU is
 * back in user mode, e.g. the SYSCALL MSRs and TSC_AUX.  A user of the layer
 * (KVM) may load its own value into such an MSR and leave it there while the
 * kernel runs; the host value is written back at the next return to user
 * mode, and only if the value in the hardware differs from it.
 */
#define USER_RETURN_MSR_MAX_SLOTS	16

/**
 * struct user_return_msr_stats - per-CPU counters of one slot
 * @writes: values written by user_return_msr_set(), counted with
 *	CONFIG_X86_USER_RETURN_MSRS_DEBUG only
 * @skipped: user_return_msr_set() calls that found the value already loaded,
 *	counted with CONFIG_X86_USER_RETURN_MSRS_DEBUG only
 * @restores: host values written back, counted with
 *	CONFIG_X86_USER_RETURN_MSRS_DEBUG only
 * @faults: writes that faulted
 * @mismatches: cache/hardware disagreements found by the debug check
 */
struct user_return_msr_stats {
	u64 writes;
	u64 skipped;
	u64 restores;
	u64 faults;
	u64 mismatches;
};

/*
 * Fake MSR accessors for the KUnit suite (user_return_msr_set_fake(), debug
 * kernels only): each returns 0, or -EIO as a faulting access would.
 */
struct user_return_msr_fake {
	int (*read)(u32 msr, u64 *val);
	int (*write)(u32 msr, u64 val);
};

#ifdef CONFIG_X86_USER_RETURN_MSRS

int user_return_msr_add(u32 msr);
void user_return_msr_remove(unsigned int slot);
int user_return_msr_find(u32 msr);
int user_return_msr_set(unsigned int slot, u64 value, u64 mask);
int user_return_msr_get(unsigned int slot, u64 *value);
void user_return_msr_restore_host(void);

#else /* !CONFIG_X86_USER_RETURN_MSRS */

static inline int user_return_msr_add(u32 msr)
{
	return -EOPNOTSUPP;
}

static inline void user_return_msr_remove(unsigned int slot) { }

static inline int user_return_msr_find(u32 msr)
{
	return -ENOENT;
}

static inline int user_return_msr_set(unsigned int slot, u64 value, u64 mask)
{
	return -EINVAL;
}

static inline int user_return_msr_get(unsigned int slot, u64 *value)
{
	return -EINVAL;
}

static inline void user_return_msr_restore_host(void) { }

#endif /* CONFIG_X86_USER_RETURN_MSRS */

#if IS_ENABLED(CONFIG_KUNIT) && IS_ENABLED(CONFIG_X86_USER_RETURN_MSRS_DEBUG)
/* Internals reachable from the KUnit suite only, in debug kernels. */
struct user_return_notifier;

void user_return_msr_set_fake(const struct user_return_msr_fake *fake);
int user_return_msr_cpu_online(unsigned int cpu);
void user_return_msr_resume(void *data);
struct user_return_notifier *user_return_msr_notifier(void);
unsigned long user_return_msr_dirty(void);
void user_return_msr_read_stats(unsigned int slot,
				struct user_return_msr_stats *stats);
#endif

#endif /* _ASM_X86_USER_RETURN_MSR_H */
