// SPDX-License-Identifier: GPL-2.0-only
/*
 * User-space driver of lib/test_user_return_notifier.c.
 *
 * KUnit cannot return to user mode; this test does.  It arms user-return
 * notifiers from a system call through the module's debugfs file, lets the
 * arming task return, sleep, migrate, wait or get a signal, makes other
 * tasks (threads, a forked child, an exec'ed image) return to user mode on
 * the arming CPU, and checks from the module's records that every notifier
 * fired exactly once, on the CPU it was armed on, in a user task, and for
 * each path that the intended task was the one to return first; and that
 * work a callback raises is done before the return.
 *
 * The notifier list is per CPU and TIF_USER_RETURN_NOTIFY follows the CPU:
 * a notifier fires when the next user task returns to user mode on the
 * arming CPU, whichever task that is.  Other tasks run on a real machine,
 * so the cases do not hope for a quiet CPU:
 *  - where any task may return first (sleep, another task, migration), the
 *    check is the CPU-level promise, and the record says which task fired;
 *  - where a path is under test (the arming call's own return, a signal,
 *    fork, exec), the test's tasks run SCHED_FIFO and the arming task holds
 *    its CPU in the kernel (URN_TEST_ARM_HOLD) until the task under test, of
 *    higher priority, returns: no SCHED_OTHER task can return there first.
 *    ptrace holds the forked child and the exec'ing task stopped in the
 *    kernel until the notifier is armed.
 * Those cases need CAP_SYS_NICE for SCHED_FIFO, and skip, saying so,
 * without it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include <lib/test_user_return_notifier_uapi.h>

#include "../kselftest.h"
#include "test_module.h"

#define DEBUGFS			"/sys/kernel/debug"
#define URN_CONTROL		DEBUGFS "/test_user_return_notifier/control"
#define DEBUGFS_MAGIC		0x64626720
#define EXEC_CHILD_ARG		"--exec-child"
#define HOLD_US			(5 * 1000 * 1000)
/* SCHED_FIFO priorities: the holder, and the task under test above it. */
#define PRIO_HOLD		10
#define PRIO_TESTED		20
#define STRESS_SECONDS		3
#define STRESS_THREADS_PER_CPU	4
#define MAX_CPUS		1024

static int urn_fd;
static cpu_set_t all_cpus;
static int cpus[MAX_CPUS];
static int nr_cpus;

static pid_t sys_gettid(void)
{
	return syscall(SYS_gettid);
}

/* A system call that does nothing but enter and return to user mode. */
static void null_syscall(void)
{
	syscall(SYS_getppid);
}

/* Set @pid (0: the calling thread) to SCHED_FIFO at @prio, or back to SCHED_OTHER. */
static int set_prio(pid_t pid, int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	return sched_setscheduler(pid, prio ? SCHED_FIFO : SCHED_OTHER, &sp) ? -errno : 0;
}

/* 0 when the test may use SCHED_FIFO, else why not (-errno). */
static int fifo_err;

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void unpin(void)
{
	sched_setaffinity(0, sizeof(all_cpus), &all_cpus);
}

static int arm(unsigned int flags, unsigned int us, int cpu, struct urn_test_arm *arg)
{
	memset(arg, 0, sizeof(*arg));
	arg->flags = flags;
	arg->us = us;
	arg->cpu = cpu;
	return ioctl(urn_fd, URN_TEST_IOC_ARM, arg) ? -errno : 0;
}

static int read_records(unsigned int first, unsigned int count, struct urn_test_record *rec)
{
	struct urn_test_dump dump = {
		.first = first,
		.count = count,
		.records = (uintptr_t)rec,
	};

	if (ioctl(urn_fd, URN_TEST_IOC_DUMP, &dump))
		return -errno;
	return dump.count;
}

static bool read_record(unsigned int slot, struct urn_test_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	return read_records(slot, 1, rec) == 1;
}

static bool read_stats(struct urn_test_stats *stats)
{
	return !ioctl(urn_fd, URN_TEST_IOC_STATS, stats);
}

/* Make a user task return to user mode on every CPU: fires what is pending. */
static void flush_all_cpus(void)
{
	int i;

	for (i = 0; i < nr_cpus; i++) {
		if (!pin(cpus[i]))
			null_syscall();
	}
	unpin();
}

/* Record a failed check of the current test and carry on. */
static bool check(bool *ok, bool cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return true;
	*ok = false;
	va_start(ap, fmt);
	printf("# FAILED: ");
	vprintf(fmt, ap);
	va_end(ap);
	return false;
}

static void print_record(const char *what, const struct urn_test_record *rec)
{
	ksft_print_msg("%s: armed on cpu %d in pid %d, seq %llu\n",
		       what, rec->arm_cpu, rec->arm_pid, (unsigned long long)rec->arm_seq);
	ksft_print_msg("%s: fired %u times, last on cpu %d in pid %d, seq %llu%s%s%s\n",
		       what, rec->fire_count, rec->fire_cpu, rec->fire_pid,
		       (unsigned long long)rec->fire_seq,
		       rec->flags & URN_TEST_REC_IRQS_OFF ? ", irqs off" : "",
		       rec->flags & URN_TEST_REC_IN_ARM ? ", during the arming call" : "",
		       rec->flags & URN_TEST_REC_KTHREAD ? ", in a kernel thread" : "");
}

/* The checks every fired record must pass: once, on the arming CPU, in a user task. */
static void check_fired_once(bool *ok, const struct urn_test_record *rec, int cpu)
{
	check(ok, rec->flags & URN_TEST_REC_ARMED, "slot not armed\n");
	check(ok, rec->arm_cpu == cpu, "armed on cpu %d, expected %d\n", rec->arm_cpu, cpu);
	check(ok, rec->fire_count == 1, "fired %u times, expected once\n", rec->fire_count);
	check(ok, rec->fire_cpu == rec->arm_cpu, "fired on cpu %d, armed on cpu %d\n",
	      rec->fire_cpu, rec->arm_cpu);
	check(ok, rec->flags & URN_TEST_REC_IRQS_OFF, "fired with interrupts enabled\n");
	check(ok, !(rec->flags & URN_TEST_REC_KTHREAD), "fired in kernel thread %d\n",
	      rec->fire_pid);
	check(ok, rec->fire_seq > rec->arm_seq, "fired (seq %llu) before armed (seq %llu)\n",
	      (unsigned long long)rec->fire_seq, (unsigned long long)rec->arm_seq);
}

/*
 * On @cpu, arm a notifier with @flags from a system call and read its record
 * back right after the return, which is all that separates the two: it must
 * have fired once, on @cpu, in this task, after the arming call.  False if a
 * step failed, with @ok cleared.
 */
static bool arm_here(bool *ok, int cpu, unsigned int flags, struct urn_test_arm *arg,
		     struct urn_test_record *rec)
{
	int ret;

	if (!check(ok, !pin(cpu), "cannot pin to cpu %d: %s\n", cpu, strerror(errno)))
		return false;
	ret = arm(flags, 0, 0, arg);
	if (!check(ok, !ret, "arm: %s\n", strerror(-ret)))
		return false;
	if (!check(ok, read_record(arg->slot, rec), "cannot read slot %u\n", arg->slot))
		return false;
	check_fired_once(ok, rec, cpu);
	check(ok, rec->fire_pid == sys_gettid(),
	      "fired in pid %d, expected the arming task %d\n", rec->fire_pid, sys_gettid());
	check(ok, !(rec->flags & URN_TEST_REC_IN_ARM), "fired during the arming call\n");
	return true;
}

/*
 * Armed from a system call on each CPU in turn, the notifier has fired by the
 * time the arming task is back in user mode, in that task, on that CPU, and
 * further returns to user mode do not fire it again.  The task runs
 * SCHED_FIFO, so that no other user task preempts it between the arm and
 * its return.
 */
static void test_fires_once_on_arming_cpu(void)
{
	struct urn_test_record rec;
	struct urn_test_arm arg;
	bool ok = true;
	int i, j;

	if (fifo_err) {
		ksft_test_result_skip("fires_once_on_arming_cpu: no SCHED_FIFO: %s\n",
				      strerror(-fifo_err));
		return;
	}
	set_prio(0, PRIO_HOLD);
	for (i = 0; i < nr_cpus && ok; i++) {
		if (!arm_here(&ok, cpus[i], 0, &arg, &rec))
			break;
		for (j = 0; j < 100; j++)
			null_syscall();
		sched_yield();
		read_record(arg.slot, &rec);
		check(&ok, rec.fire_count == 1, "fired %u times after 100 more returns\n",
		      rec.fire_count);
		if (!ok)
			print_record("cpu", &rec);
	}
	set_prio(0, 0);
	unpin();
	ksft_test_result(ok, "fires_once_on_arming_cpu (%d cpus)\n", nr_cpus);
}

/*
 * Work that a callback raises is done before the return to user mode.  The
 * notifier fires in the arming task's own return (SCHED_FIFO, as above) and
 * its callback queues a task work on that task, which must have run by the
 * time the task is back in user mode.  An exit that returned without
 * looking at the work flags again would leave it for the end of the next
 * system call, the read of the record, which would not see it.
 */
static void test_work_from_callback_done_before_return(void)
{
	struct urn_test_record rec;
	struct urn_test_arm arg;
	bool ok = true;
	int i;

	if (fifo_err) {
		ksft_test_result_skip("work_from_callback_done_before_return: no SCHED_FIFO: %s\n",
				      strerror(-fifo_err));
		return;
	}
	set_prio(0, PRIO_HOLD);
	for (i = 0; i < nr_cpus && ok; i++) {
		if (!arm_here(&ok, cpus[i], URN_TEST_ARM_TASK_WORK, &arg, &rec))
			break;
		check(&ok, rec.flags & URN_TEST_REC_WORK_QUEUED,
		      "the callback queued no task work\n");
		check(&ok, rec.flags & URN_TEST_REC_WORK_DONE,
		      "the task work had not run when the arming call returned\n");
		if (rec.flags & URN_TEST_REC_WORK_DONE)
			check(&ok, rec.work_seq > rec.fire_seq,
			      "the task work ran (seq %llu) before the callback (seq %llu)\n",
			      (unsigned long long)rec.work_seq,
			      (unsigned long long)rec.fire_seq);
		if (!ok)
			print_record("work", &rec);
	}
	set_prio(0, 0);
	unpin();
	/* Let a task work that was left behind run before the next case. */
	null_syscall();
	ksft_test_result(ok, "work_from_callback_done_before_return (%d cpus)\n", nr_cpus);
}

/*
 * The arming task sleeps in the system call.  The CPU goes idle, which never
 * returns to user mode, so the notifier fires when the task returns; or, on
 * a busy machine, another user task runs there meanwhile and fires it.
 * Either way it fires once, and never in the idle task.
 */
static void test_fires_after_sleep(void)
{
	struct urn_test_record rec;
	struct urn_test_arm arg;
	bool ok = true;
	int ret;

	pin(cpus[0]);
	ret = arm(URN_TEST_ARM_SLEEP, 20000, 0, &arg);
	if (check(&ok, !ret, "arm: %s\n", strerror(-ret)) &&
	    check(&ok, read_record(arg.slot, &rec), "cannot read slot\n")) {
		check_fired_once(&ok, &rec, cpus[0]);
		if (rec.fire_pid == sys_gettid())
			check(&ok, !(rec.flags & URN_TEST_REC_IN_ARM),
			      "fired in the arming task before it returned\n");
		else
			check(&ok, rec.flags & URN_TEST_REC_IN_ARM,
			      "fired in pid %d after the arming task %d returned\n",
			      rec.fire_pid, sys_gettid());
		ksft_print_msg("sleep: fired in %s (pid %d)\n",
			       rec.fire_pid == sys_gettid() ? "the arming task" :
			       "another task, while the arming task slept", rec.fire_pid);
		if (!ok)
			print_record("sleep", &rec);
	}
	unpin();
	ksft_test_result(ok, "fires_after_sleep\n");
}

static int spinner_run, spinner_started;
static pid_t spinner_tid;

static void *spinner(void *arg)
{
	pin(*(int *)arg);
	spinner_tid = sys_gettid();
	__atomic_store_n(&spinner_started, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&spinner_run, __ATOMIC_ACQUIRE))
		;
	return NULL;
}

/*
 * While the arming task sleeps in the system call, another user task is
 * runnable on the CPU: it (or, on a busy machine, any other task there)
 * is the next to return to user mode, so the notifier must fire in it,
 * before the arming task's return.
 */
static void test_fires_in_next_task_on_cpu(void)
{
	struct urn_test_record rec;
	struct urn_test_arm arg;
	pthread_t th;
	bool ok = true;
	int cpu = cpus[0];
	int ret;

	pin(cpu);
	__atomic_store_n(&spinner_run, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&spinner_started, 0, __ATOMIC_RELAXED);
	if (pthread_create(&th, NULL, spinner, &cpu)) {
		ksft_test_result_fail("fires_in_next_task_on_cpu: pthread_create\n");
		return;
	}
	while (!__atomic_load_n(&spinner_started, __ATOMIC_ACQUIRE))
		sched_yield();

	ret = arm(URN_TEST_ARM_SLEEP, 100000, 0, &arg);
	__atomic_store_n(&spinner_run, 0, __ATOMIC_RELEASE);
	pthread_join(th, NULL);

	if (check(&ok, !ret, "arm: %s\n", strerror(-ret)) &&
	    check(&ok, read_record(arg.slot, &rec), "cannot read slot\n")) {
		check_fired_once(&ok, &rec, cpu);
		check(&ok, rec.fire_pid != sys_gettid(),
		      "fired in the arming task, the spinner %d returned first\n", spinner_tid);
		check(&ok, rec.flags & URN_TEST_REC_IN_ARM,
		      "did not fire while the arming task slept\n");
		ksft_print_msg("next task: armed in pid %d, fired in pid %d (spinner %d)\n",
			       rec.arm_pid, rec.fire_pid, spinner_tid);
		if (!ok)
			print_record("other task", &rec);
	}
	unpin();
	ksft_test_result(ok, "fires_in_next_task_on_cpu\n");
}

struct helper {
	int cpu;
	int go[2];
	int done[2];
	unsigned int slot;
	struct urn_test_record seen;
	bool seen_ok;
	pid_t tid;
};

/* Blocked on a pipe, then returns to user mode on its CPU and looks. */
static void *migrate_helper(void *arg)
{
	struct helper *h = arg;
	char c;

	pin(h->cpu);
	h->tid = sys_gettid();
	if (write(h->done[1], "r", 1) != 1 || read(h->go[0], &c, 1) != 1)
		return NULL;
	h->seen_ok = read_record(h->slot, &h->seen);
	if (write(h->done[1], "d", 1) != 1)
		return NULL;
	return NULL;
}

/*
 * The arming task migrates to another CPU inside the system call.  Its
 * return there must not fire the notifier; the next return of a user task on
 * the arming CPU must: a helper thread woken there at the latest.
 */
static void test_fires_on_arming_cpu_after_migration(void)
{
	struct urn_test_record rec;
	struct helper h = { .cpu = cpus[0] };
	struct urn_test_arm arg;
	unsigned int early = 0;
	pthread_t th;
	bool ok = true;
	int ret, now;
	char c;

	if (nr_cpus < 2) {
		ksft_test_result_skip("fires_on_arming_cpu_after_migration: needs 2 cpus\n");
		return;
	}
	if (pipe(h.go) || pipe(h.done) || pthread_create(&th, NULL, migrate_helper, &h)) {
		ksft_test_result_fail("fires_on_arming_cpu_after_migration: setup\n");
		return;
	}
	if (read(h.done[0], &c, 1) != 1)
		ok = false;

	pin(cpus[0]);
	ret = arm(URN_TEST_ARM_MIGRATE, 0, cpus[1], &arg);
	now = sched_getcpu();
	if (check(&ok, !ret, "arm: %s\n", strerror(-ret)) &&
	    check(&ok, read_record(arg.slot, &rec), "cannot read slot\n")) {
		check(&ok, now == cpus[1], "on cpu %d after migrating to %d\n", now, cpus[1]);
		check(&ok, rec.arm_cpu == cpus[0], "armed on cpu %d, not %d\n",
		      rec.arm_cpu, cpus[0]);
		/* Only a user task returning on the arming CPU may have fired it. */
		check(&ok, !rec.fire_count ||
		      (rec.fire_cpu == cpus[0] && rec.fire_pid != sys_gettid()),
		      "fired on cpu %d in pid %d after the migration\n",
		      rec.fire_cpu, rec.fire_pid);
		early = rec.fire_count;
	}

	h.slot = arg.slot;
	if (write(h.go[1], "g", 1) != 1 || read(h.done[0], &c, 1) != 1)
		ok = false;
	pthread_join(th, NULL);

	if (!ret && read_record(arg.slot, &rec)) {
		check_fired_once(&ok, &rec, cpus[0]);
		check(&ok, rec.fire_pid != sys_gettid(), "fired in the migrated task\n");
		check(&ok, h.seen_ok && h.seen.fire_count == 1,
		      "not fired when the helper returned on cpu %d\n", cpus[0]);
		ksft_print_msg("migrate: %s after returning on cpu %d\n",
			       early ? "fired" : "pending", cpus[1]);
		ksft_print_msg("migrate: fired on cpu %d in pid %d (helper %d)\n",
			       rec.fire_cpu, rec.fire_pid, h.tid);
		if (!ok)
			print_record("migrate", &rec);
	}
	close(h.go[0]);
	close(h.go[1]);
	close(h.done[0]);
	close(h.done[1]);
	unpin();
	ksft_test_result(ok, "fires_on_arming_cpu_after_migration\n");
}

static struct urn_test_arm sig_arg;
static struct urn_test_record sig_seen;
static int sig_handled;

static void sig_handler(int sig)
{
	read_record(sig_arg.slot, &sig_seen);
	__atomic_store_n(&sig_handled, 1, __ATOMIC_RELEASE);
}

static void *sig_holder(void *arg)
{
	int *ret = arg;

	set_prio(0, PRIO_HOLD);
	pin(cpus[0]);
	*ret = ioctl(urn_fd, URN_TEST_IOC_ARM, &sig_arg) ? errno : 0;
	return NULL;
}

/*
 * The arming task holds its CPU in the system call, SCHED_FIFO, so nothing
 * returns to user mode there until a signal stops the hold.  The notifier
 * must fire once, in that task, when it returns to user mode into the signal
 * handler, and not again when it returns from the handler.
 */
static void test_fires_on_signal_delivery(void)
{
	struct sigaction sa = { .sa_handler = sig_handler };
	struct urn_test_record rec;
	struct timespec start, now;
	pthread_t th;
	bool ok = true;
	int err = -1;

	if (nr_cpus < 2) {
		ksft_test_result_skip("fires_on_signal_delivery: needs 2 cpus\n");
		return;
	}
	if (fifo_err) {
		ksft_test_result_skip("fires_on_signal_delivery: no SCHED_FIFO: %s\n",
				      strerror(-fifo_err));
		return;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	memset(&sig_arg, 0, sizeof(sig_arg));
	sig_arg.flags = URN_TEST_ARM_HOLD;
	sig_arg.us = HOLD_US;
	sig_arg.slot = UINT32_MAX;
	__atomic_store_n(&sig_handled, 0, __ATOMIC_RELAXED);
	pin(cpus[1]);
	set_prio(0, PRIO_HOLD);
	if (pthread_create(&th, NULL, sig_holder, &err)) {
		ksft_test_result_fail("fires_on_signal_delivery: pthread_create\n");
		return;
	}

	/* Wait until the notifier is armed, then a little: nothing may fire. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (__atomic_load_n(&sig_arg.slot, __ATOMIC_ACQUIRE) == UINT32_MAX &&
		 now.tv_sec - start.tv_sec < 5);
	usleep(50000);
	if (read_record(sig_arg.slot, &rec))
		check(&ok, !rec.fire_count, "fired before the signal, in pid %d\n", rec.fire_pid);
	pthread_kill(th, SIGUSR1);
	pthread_join(th, NULL);

	check(&ok, err == EINTR, "holding arm returned %s, expected EINTR\n", strerror(err));
	check(&ok, __atomic_load_n(&sig_handled, __ATOMIC_ACQUIRE),
	      "signal handler did not run\n");
	check(&ok, sig_seen.fire_count == 1,
	      "fired %u times when the handler ran, expected once\n", sig_seen.fire_count);
	if (check(&ok, read_record(sig_arg.slot, &rec), "cannot read slot\n")) {
		check_fired_once(&ok, &rec, cpus[0]);
		check(&ok, rec.fire_pid == rec.arm_pid, "fired in pid %d, the holder is %d\n",
		      rec.fire_pid, rec.arm_pid);
		check(&ok, !(rec.flags & URN_TEST_REC_IN_ARM), "fired before the call returned\n");
		if (!ok)
			print_record("signal", &rec);
	}
	signal(SIGUSR1, SIG_DFL);
	set_prio(0, 0);
	unpin();
	ksft_test_result(ok, "fires_on_signal_delivery\n");
}

struct holder_thread {
	pthread_t th;
	int cpu;
	int err;
	struct urn_test_arm arg;
};

static void *holder_fn(void *p)
{
	struct holder_thread *w = p;

	set_prio(0, PRIO_HOLD);
	pin(w->cpu);
	w->err = ioctl(urn_fd, URN_TEST_IOC_ARM, &w->arg) ? errno : 0;
	return NULL;
}

/* Arm on @cpu from a SCHED_FIFO thread that holds the CPU until the notifier fires. */
static bool holder_start(struct holder_thread *w, int cpu)
{
	struct timespec start, now;

	memset(w, 0, sizeof(*w));
	w->cpu = cpu;
	w->arg.flags = URN_TEST_ARM_HOLD;
	w->arg.us = HOLD_US;
	w->arg.slot = UINT32_MAX;
	if (pthread_create(&w->th, NULL, holder_fn, w))
		return false;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (__atomic_load_n(&w->arg.slot, __ATOMIC_ACQUIRE) == UINT32_MAX &&
		 now.tv_sec - start.tv_sec < 5);
	/* The holder keeps the CPU: only the task under test may preempt it. */
	usleep(10000);
	return w->arg.slot != UINT32_MAX;
}

/* Wait for a ptrace stop of @pid, passing on signals until @event. */
static bool wait_event_stop(pid_t pid, int event)
{
	int status;

	for (;;) {
		if (waitpid(pid, &status, __WALL) != pid || !WIFSTOPPED(status))
			return false;
		if (status >> 8 == (SIGTRAP | (event << 8)))
			return true;
		if (event == 0 && WSTOPSIG(status) == SIGSTOP)
			return true;
		ptrace(PTRACE_CONT, pid, 0, WSTOPSIG(status));
	}
}

/*
 * The traced task, pinned to cpus[0]: forks a child that exits at once,
 * then execs this program, which exits at once.
 */
static void traced_task(void)
{
	pid_t child;

	if (pin(cpus[0]) || ptrace(PTRACE_TRACEME, 0, 0, 0))
		_exit(2);
	raise(SIGSTOP);
	child = fork();
	if (!child)
		_exit(0);
	waitpid(child, NULL, 0);
	execl("/proc/self/exe", "user_return_notifier_test", EXEC_CHILD_ARG, NULL);
	_exit(3);
}

/*
 * A new child's first return to user mode, through ret_from_fork, and the
 * return of execve() into the new image fire a notifier pending on their
 * CPU.  ptrace holds each task stopped in the kernel on cpus[0] until a
 * holder thread has armed a notifier there; then the task, raised above the
 * holder's priority, is let go and must be the one the notifier fires in.
 */
static void test_fires_across_fork_and_exec(void)
{
	unsigned int fork_slot = UINT32_MAX, exec_slot = UINT32_MAX;
	bool ok = true, fork_ok = true, exec_ok = true;
	pid_t tracee, traced_pid, child = -1;
	struct urn_test_record rec;
	struct holder_thread w;
	unsigned long msg;
	int status;

	if (nr_cpus < 2) {
		ksft_test_result_skip("fires_on_return_from_fork: needs 2 cpus\n");
		ksft_test_result_skip("fires_on_return_from_exec: needs 2 cpus\n");
		return;
	}
	if (fifo_err) {
		ksft_test_result_skip("fires_on_return_from_fork: no SCHED_FIFO: %s\n",
				      strerror(-fifo_err));
		ksft_test_result_skip("fires_on_return_from_exec: no SCHED_FIFO: %s\n",
				      strerror(-fifo_err));
		return;
	}
	pin(cpus[1]);
	set_prio(0, PRIO_HOLD);
	tracee = fork();
	if (!tracee)
		traced_task();
	traced_pid = tracee;
	if (!check(&ok, tracee > 0 && wait_event_stop(tracee, 0), "traced task did not stop\n") ||
	    !check(&ok, !ptrace(PTRACE_SETOPTIONS, tracee, 0,
				PTRACE_O_TRACEFORK | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL),
		   "PTRACE_SETOPTIONS: %s\n", strerror(errno)))
		goto out;

	/* Fork: the parent stops at the fork event, the child before its first return. */
	ptrace(PTRACE_CONT, tracee, 0, 0);
	if (!check(&ok, wait_event_stop(tracee, PTRACE_EVENT_FORK), "no fork event\n"))
		goto out;
	ptrace(PTRACE_GETEVENTMSG, tracee, 0, &msg);
	child = msg;
	if (!check(&ok, wait_event_stop(child, 0), "forked child did not stop\n"))
		goto out;

	check(&fork_ok, !set_prio(child, PRIO_TESTED), "cannot raise the child: %s\n",
	      strerror(errno));
	if (check(&fork_ok, holder_start(&w, cpus[0]), "holder did not arm\n")) {
		fork_slot = w.arg.slot;
		ptrace(PTRACE_CONT, child, 0, 0);
		pthread_join(w.th, NULL);
		check(&fork_ok, !w.err, "no fire before the holder gave up: %s\n", strerror(w.err));
	} else {
		ptrace(PTRACE_CONT, child, 0, 0);
	}
	check(&fork_ok, waitpid(child, &status, __WALL) == child && WIFEXITED(status),
	      "forked child did not exit\n");

	/* Exec: the task stops at the exec event, before it returns in the new image. */
	ptrace(PTRACE_CONT, tracee, 0, 0);
	if (!check(&ok, wait_event_stop(tracee, PTRACE_EVENT_EXEC), "no exec event\n"))
		goto out;
	check(&exec_ok, !set_prio(tracee, PRIO_TESTED), "cannot raise the task: %s\n",
	      strerror(errno));
	if (check(&exec_ok, holder_start(&w, cpus[0]), "holder did not arm\n")) {
		exec_slot = w.arg.slot;
		ptrace(PTRACE_CONT, tracee, 0, 0);
		pthread_join(w.th, NULL);
		check(&exec_ok, !w.err, "no fire before the holder gave up: %s\n", strerror(w.err));
	} else {
		ptrace(PTRACE_CONT, tracee, 0, 0);
	}
	check(&exec_ok, waitpid(tracee, &status, __WALL) == tracee &&
	      WIFEXITED(status) && !WEXITSTATUS(status), "exec'ed image did not exit 0\n");
	tracee = -1;

	/* More returns on every CPU must not fire either notifier again. */
	flush_all_cpus();
	if (fork_slot != UINT32_MAX && read_record(fork_slot, &rec)) {
		check_fired_once(&fork_ok, &rec, cpus[0]);
		check(&fork_ok, rec.fire_pid == child,
		      "fired in pid %d, not in the forked child %d\n", rec.fire_pid, child);
		if (!fork_ok)
			print_record("fork", &rec);
	}
	if (exec_slot != UINT32_MAX && read_record(exec_slot, &rec)) {
		check_fired_once(&exec_ok, &rec, cpus[0]);
		check(&exec_ok, rec.fire_pid == traced_pid,
		      "fired in pid %d, not in the exec'ed task %d\n", rec.fire_pid, traced_pid);
		if (!exec_ok)
			print_record("exec", &rec);
	}
out:
	if (tracee > 0) {
		kill(tracee, SIGKILL);
		waitpid(tracee, NULL, __WALL);
	}
	set_prio(0, 0);
	unpin();
	ksft_test_result(ok && fork_ok, "fires_on_return_from_fork\n");
	ksft_test_result(ok && exec_ok, "fires_on_return_from_exec\n");
}

struct stress_thread {
	pthread_t th;
	unsigned int seed;
	unsigned long arms;
	unsigned long errors;
	bool full;
};

static int stress_stop;

/* Arm as fast as possible, returning, sleeping or migrating. */
static void *stress_fn(void *p)
{
	struct stress_thread *t = p;
	struct urn_test_arm arg;
	int ret;

	while (!__atomic_load_n(&stress_stop, __ATOMIC_RELAXED)) {
		unsigned int op = rand_r(&t->seed) % 8;
		int cpu = cpus[rand_r(&t->seed) % nr_cpus];

		if (op == 0)
			unpin();
		if (op == 1)
			ret = arm(URN_TEST_ARM_SLEEP, 50, 0, &arg);
		else if (op == 2)
			ret = arm(URN_TEST_ARM_SLEEP, 2000, 0, &arg);
		else if (op == 3 || op == 4)
			ret = arm(URN_TEST_ARM_MIGRATE, 0, cpu, &arg);
		else
			ret = arm(0, 0, 0, &arg);
		if (ret == -ENOSPC) {
			t->full = true;
			break;
		}
		if (ret)
			t->errors++;
		else
			t->arms++;
	}
	return NULL;
}

/*
 * Many threads over all CPUs arm notifiers for a bounded time.  Afterwards a
 * task returns to user mode on every CPU, and then every notifier armed must
 * have fired exactly once, on its CPU: the counts are checked slot by slot.
 */
static void test_stress(void)
{
	static struct urn_test_record recs[4096];
	unsigned long arms = 0, errors = 0, fires = 0, other_task = 0;
	unsigned long twice = 0, never = 0, wrong_cpu = 0;
	int nthreads = STRESS_THREADS_PER_CPU * nr_cpus;
	struct stress_thread *threads;
	struct urn_test_stats stats;
	unsigned int first;
	bool ok = true, full = false;
	int i, n;

	flush_all_cpus();
	if (ioctl(urn_fd, URN_TEST_IOC_RESET)) {
		ksft_test_result_fail("stress: reset: %s (a notifier is still pending)\n",
				      strerror(errno));
		return;
	}
	threads = calloc(nthreads, sizeof(*threads));
	if (!threads) {
		ksft_test_result_fail("stress: out of memory\n");
		return;
	}
	__atomic_store_n(&stress_stop, 0, __ATOMIC_RELAXED);
	for (i = 0; i < nthreads; i++) {
		threads[i].seed = i + 1;
		if (pthread_create(&threads[i].th, NULL, stress_fn, &threads[i]))
			ksft_exit_fail_msg("stress: pthread_create\n");
	}
	sleep(STRESS_SECONDS);
	__atomic_store_n(&stress_stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nthreads; i++) {
		pthread_join(threads[i].th, NULL);
		arms += threads[i].arms;
		errors += threads[i].errors;
		full |= threads[i].full;
	}
	free(threads);

	/* Notifiers left on a CPU whose last user task migrated away fire now. */
	flush_all_cpus();
	if (!check(&ok, read_stats(&stats), "stats: %s\n", strerror(errno)))
		goto out;
	check(&ok, !errors, "%lu arms failed\n", errors);
	check(&ok, stats.used == arms, "module armed %u slots, threads counted %lu\n",
	      stats.used, arms);
	check(&ok, !stats.pending, "%u notifiers still pending\n", stats.pending);

	for (first = 0; first < stats.used; first += n) {
		n = read_records(first, 4096, recs);
		if (!check(&ok, n > 0, "cannot read slots from %u\n", first))
			break;
		for (i = 0; i < n; i++) {
			const struct urn_test_record *rec = &recs[i];

			fires += rec->fire_count;
			if (!rec->fire_count)
				never++;
			else if (rec->fire_count > 1)
				twice++;
			if (rec->fire_count && rec->fire_cpu != rec->arm_cpu)
				wrong_cpu++;
			if (rec->fire_pid != rec->arm_pid)
				other_task++;
			if ((rec->fire_count != 1 || rec->fire_cpu != rec->arm_cpu) &&
			    never + twice + wrong_cpu <= 5)
				print_record("stress", rec);
		}
	}
	check(&ok, !never, "%lu notifiers never fired\n", never);
	check(&ok, !twice, "%lu notifiers fired more than once\n", twice);
	check(&ok, !wrong_cpu, "%lu notifiers fired on another cpu\n", wrong_cpu);
	check(&ok, fires == arms, "%lu fires for %lu arms\n", fires, arms);
	check(&ok, stats.fires == arms, "module counted %llu fires for %lu arms\n",
	      (unsigned long long)stats.fires, arms);
	ksft_print_msg("stress: %d threads, %d cpus, %lu arms%s, %lu fired in another task\n",
		       nthreads, nr_cpus, arms, full ? " (all slots used)" : "", other_task);
out:
	ksft_test_result(ok, "stress\n");
}

static void open_control(void)
{
	struct statfs sfs;

	load_test_module(URN_CONTROL);
	urn_fd = open(URN_CONTROL, O_RDWR);
	if (urn_fd >= 0)
		return;
	if (errno == EACCES || errno == EPERM)
		ksft_exit_skip("%s: %s, run as root\n", URN_CONTROL, strerror(errno));
	if (statfs(DEBUGFS, &sfs) || sfs.f_type != DEBUGFS_MAGIC)
		ksft_exit_skip("debugfs is not mounted on %s\n", DEBUGFS);
	/* Not loaded, and modprobe did not load it. */
	ksft_exit_skip("%s: %s: no test_user_return_notifier (CONFIG_TEST_USER_RETURN_NOTIFIER)\n",
		       URN_CONTROL, strerror(errno));
}

int main(int argc, char **argv)
{
	int cpu;

	/* The image test_fires_across_fork_and_exec() execs: just return. */
	if (argc > 1 && !strcmp(argv[1], EXEC_CHILD_ARG))
		return 0;

	ksft_print_header();
	open_control();

	if (sched_getaffinity(0, sizeof(all_cpus), &all_cpus))
		ksft_exit_fail_perror("sched_getaffinity");
	for (cpu = 0; cpu < CPU_SETSIZE && nr_cpus < MAX_CPUS; cpu++) {
		if (CPU_ISSET(cpu, &all_cpus))
			cpus[nr_cpus++] = cpu;
	}
	ksft_print_msg("%d cpus: arming on cpu %d, second cpu %d\n", nr_cpus, cpus[0],
		       nr_cpus > 1 ? cpus[1] : -1);
	fifo_err = set_prio(0, PRIO_HOLD);
	set_prio(0, 0);

	ksft_set_plan(9);
	test_fires_once_on_arming_cpu();
	test_work_from_callback_done_before_return();
	test_fires_after_sleep();
	test_fires_in_next_task_on_cpu();
	test_fires_on_arming_cpu_after_migration();
	test_fires_on_signal_delivery();
	test_fires_across_fork_and_exec();
	test_stress();
	ksft_finished();
}
