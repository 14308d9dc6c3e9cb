// SPDX-License-Identifier: GPL-2.0
/*
 * urn-init.c: /init of every test VM (vmrun.sh on x86_64 under QEMU or
 * Bochs, riscv.sh on riscv64), built statically.  It mounts the kernel's
 * file systems, loads the modules listed in /tests/modules (paths, in
 * dependency order), runs each test of /tests/list under a time limit with
 * its output on the tests' console (the kernel's stays on the first
 * serial port), between the URN-BEGIN and URN-END lines that results.py
 * reads, and ends the VM.
 *
 * A line "load TEST ARGS" runs TEST beside a competing user-space load on
 * every CPU (see load_start()); its name in the output is TEST@load.  A
 * line "limit=N TEST ARGS" gives TEST N seconds instead of urn_timeout.  A
 * line "repeat=N TEST ARGS" runs TEST N times in a row, so that what one
 * run leaves behind in the kernel meets the next; runs 2 to N are named
 * TEST#2 to TEST#N.  The prefixes may come in any order.
 *
 * Kernel command line parameters (the kernel hands them to init as
 * environment variables):
 *   urn_timeout=N     the time limit of one test in seconds (default 60)
 *   urn_out=DEV       the tests' console (default /dev/hvc0, a virtio console)
 *   urn_end=bochs     end the VM through Bochs' shutdown port 0x8900
 *                     (default: reboot; QEMU runs with -no-reboot)
 *
 * It sleeps in waitpid() while a test runs: a polling init would return to
 * user mode on the tests' CPUs, which is what the notifier tests watch for,
 * and its wake-ups would be MSR writes that the write counts must not see.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#endif

#define MAX_ARGS	16
#define MAX_LOAD	256

static double uptime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void load_modules(void)
{
	char path[256];
	FILE *f = fopen("/tests/modules", "r");

	while (f && fscanf(f, "%255s", path) == 1) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0))
			printf("URN-MODULE-FAILED %s: %s\n", path, strerror(errno));
		else
			printf("URN-MODULE-OK %s\n", path);
		if (fd >= 0)
			close(fd);
	}
	if (f)
		fclose(f);
}

static pid_t load_pids[MAX_LOAD];
static int nr_load;

static void load_fork(int cpu, int syscalls)
{
	cpu_set_t set;
	pid_t pid;

	if (nr_load == MAX_LOAD)
		return;
	pid = fork();
	if (pid)
		goto out;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (;;) {
		if (syscalls)
			syscall(SYS_getppid);
	}
out:
	if (pid > 0)
		load_pids[nr_load++] = pid;
}

/*
 * The competing load: on every online CPU, one SCHED_OTHER task that spins
 * in user space (it returns to user mode from each interrupt) and one that
 * makes system calls without pause.
 */
static void load_start(void)
{
	long cpu, n = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t online;

	if (sched_getaffinity(0, sizeof(online), &online))
		return;
	for (cpu = 0; cpu < n && cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &online))
			continue;
		load_fork(cpu, 0);
		load_fork(cpu, 1);
	}
	printf("URN-LOAD %d tasks\n", nr_load);
}

static void load_stop(void)
{
	while (nr_load) {
		kill(load_pids[--nr_load], SIGKILL);
		waitpid(load_pids[nr_load], NULL, 0);
	}
}

static void on_alarm(int sig)
{
}

/*
 * Mark a test's start and end in the kernel log, so that results.py can
 * tell which test a kernel message came during, and close the window of
 * a warning a test expects even when the test died before closing it.
 */
static void kmsg(const char *what, const char *name)
{
	char line[600];
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	snprintf(line, sizeof(line), "urn-init: %s %s\n", what, name);
	if (write(fd, line, strlen(line)) < 0)
		fprintf(stderr, "urn-init: /dev/kmsg: %s\n", strerror(errno));
	close(fd);
}

static int run(char *line, int timeout)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	char *argv[MAX_ARGS + 1], *dir, *tok;
	int argc = 0, status;
	pid_t pid;

	/* No SA_RESTART: the alarm interrupts waitpid(). */
	sigaction(SIGALRM, &sa, NULL);

	for (tok = strtok(line, " \t\n"); tok && argc < MAX_ARGS; tok = strtok(NULL, " \t\n"))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (!argc)
		return -1;

	pid = fork();
	if (pid < 0)
		return 127;
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);
		char prog[512];

		/*
		 * Run it as "./NAME" from its own directory: the KVM selftests
		 * open their own ELF file through argv[0].
		 */
		snprintf(prog, sizeof(prog), "./%s", basename(strdup(argv[0])));
		dir = dirname(strdup(argv[0]));
		argv[0] = prog;
		setpgid(0, 0);
		if (null >= 0)
			dup2(null, 0);
		if (chdir("/tests") || chdir(dir))
			_exit(127);
		execv(prog, argv);
		_exit(127);
	}

	/*
	 * Sleep in waitpid() until the test ends or the alarm goes off: a
	 * polling /init would return to user mode on the tests' CPUs, which
	 * is just what the notifier tests watch for.
	 */
	alarm(timeout);
	if (waitpid(pid, &status, 0) != pid) {
		int timed_out = errno == EINTR;

		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (timed_out)
			return 137;
	}
	alarm(0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Bochs ends when "Shutdown" is written to its port 0x8900, one byte at a
 * time (iodev/unmapped.cc): the kernel finds no ACPI power-off there.
 * ioperm() needs CONFIG_X86_IOPL_IOPERM.
 */
static void bochs_shutdown(void)
{
#if defined(__x86_64__) || defined(__i386__)
	const char *c;

	if (ioperm(0x8900, 1, 1)) {
		fprintf(stderr, "urn-init: ioperm(0x8900): %s\n", strerror(errno));
		return;
	}
	for (c = "Shutdown"; *c; c++)
		outb(*c, 0x8900);
#endif
}

int main(void)
{
	const char *t = getenv("urn_timeout");
	const char *out = getenv("urn_out");
	const char *end = getenv("urn_end");
	int timeout = t ? atoi(t) : 0;
	char line[512], name[512];
	struct utsname uts;
	FILE *list;
	int fd, i;

	if (timeout <= 0)
		timeout = 60;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sys", "/sys", "sysfs", 0, NULL);
	mount("dev", "/dev", "devtmpfs", 0, NULL);
	mount("tmp", "/tmp", "tmpfs", 0, NULL);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);

	setenv("PATH", "/bin:/sbin", 1);
	/* Where there is a busybox, its commands serve the test scripts. */
	if (!access("/bin/busybox", X_OK) && !fork()) {
		execl("/bin/busybox", "busybox", "--install", "-s", "/bin", NULL);
		_exit(127);
	}
	wait(NULL);

	/* A virtio console's port shows up a little after boot. */
	if (!out)
		out = "/dev/hvc0";
	for (i = 0, fd = -1; i < 50 && fd < 0; i++) {
		fd = open(out, O_RDWR | O_NOCTTY);
		if (fd < 0)
			usleep(100 * 1000);
	}
	if (fd < 0) {
		fprintf(stderr, "urn-init: no %s (%s): tests on the console\n",
			out, strerror(errno));
		fd = open("/dev/console", O_RDWR | O_NOCTTY);
	}
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	uname(&uts);
	printf("URN-BOOT %s cpus=%ld\n", uts.release, sysconf(_SC_NPROCESSORS_ONLN));
	load_modules();

	list = fopen("/tests/list", "r");
	while (list && fgets(line, sizeof(line), list)) {
		int load = 0, limit = timeout, repeat = 1, n, r;
		char *test = line, args[512];

		for (;;) {
			n = 0;
			if (!strncmp(test, "load ", 5)) {
				load = 1;
				test += 5;
			} else if (sscanf(test, "limit=%d %n", &limit, &n) == 1 && n) {
				test += n;
			} else if (sscanf(test, "repeat=%d %n", &repeat, &n) == 1 && n) {
				test += n;
			} else {
				break;
			}
		}
		if (limit <= 0)
			limit = timeout;
		if (sscanf(test, "%480s", name) != 1)
			continue;
		if (load)
			strcat(name, "@load");
		for (r = 1; r <= repeat; r++) {
			double start = uptime();
			char run_name[512];
			int rc;

			if (r > 1)
				snprintf(run_name, sizeof(run_name), "%s#%d", name, r);
			else
				snprintf(run_name, sizeof(run_name), "%s", name);
			/* run() splits its line: give each run a fresh copy. */
			snprintf(args, sizeof(args), "%s", test);
			printf("URN-BEGIN %s\n", run_name);
			fflush(stdout);
			kmsg("begin", run_name);
			if (load)
				load_start();
			rc = run(args, limit);
			load_stop();
			kmsg("end", run_name);
			printf("URN-END %s rc=%d start=%.2f end=%.2f\n", run_name, rc,
			       start, uptime());
		}
	}
	printf("URN-DONE\n");
	fflush(stdout);
	/* Bochs drops what the serial port has not sent yet when it ends. */
	tcdrain(1);
	sync();
	if (end && !strcmp(end, "bochs"))
		bochs_shutdown();
	/* QEMU runs with -no-reboot: a reboot ends the VM. */
	reboot(RB_AUTOBOOT);
	return 0;
}
