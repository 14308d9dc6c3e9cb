/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM user_return_msr

#if !defined(_USER_RETURN_MSR_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _USER_RETURN_MSR_TRACE_H

#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(user_return_msr,
		    TP_PROTO(unsigned int slot, u32 msr, u64 value, int err),
		    TP_ARGS(slot, msr, value, err),
		    TP_STRUCT__entry(__field(unsigned int, slot)
				     __field(u32, msr)
				     __field(u64, value)
				     __field(int, err)),
		    TP_fast_assign(__entry->slot = slot;
				   __entry->msr = msr;
				   __entry->value = value;
				   __entry->err = err;),
		    TP_printk("slot %u msr %#x value %#llx err %d",
			      __entry->slot, __entry->msr, __entry->value,
			      __entry->err)
);

/* A user's value is loaded by user_return_msr_set(). */
DEFINE_EVENT(user_return_msr, user_return_msr_write,
	     TP_PROTO(unsigned int slot, u32 msr, u64 value, int err),
	     TP_ARGS(slot, msr, value, err)
);

/* The host value is written back, at user return or on demand. */
DEFINE_EVENT(user_return_msr, user_return_msr_restore,
	     TP_PROTO(unsigned int slot, u32 msr, u64 value, int err),
	     TP_ARGS(slot, msr, value, err)
);

#endif /* _USER_RETURN_MSR_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE user_return_msr_trace

/* This part must be outside protection */
#include <trace/define_trace.h>
