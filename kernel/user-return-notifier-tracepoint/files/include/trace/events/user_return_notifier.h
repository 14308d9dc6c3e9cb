/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM user_return_notifier

#if !defined(_TRACE_USER_RETURN_NOTIFIER_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_USER_RETURN_NOTIFIER_H

#include <linux/tracepoint.h>
#include <linux/user-return-notifier.h>

/**
 * user_return_notifier_fire - a user-return notifier is about to be called
 * @urn: the notifier
 *
 * Fires on the notifier's CPU, with interrupts disabled, just before
 * @urn->on_user_return(@urn).
 */
TRACE_EVENT(user_return_notifier_fire,
	    TP_PROTO(struct user_return_notifier *urn),
	    TP_ARGS(urn),
	    TP_STRUCT__entry(__field(void *, urn)
			     __field(void *, func)),
	    TP_fast_assign(__entry->urn = urn;
			   __entry->func = urn->on_user_return;),
	    TP_printk("urn=%p func=%ps", __entry->urn, __entry->func)
);

#endif /* _TRACE_USER_RETURN_NOTIFIER_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
