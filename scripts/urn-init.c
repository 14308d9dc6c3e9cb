// SPDX-License-Identifier: GPL-2.0
/*
 * urn-init.c: /init of the test VMs that have no busybox (riscv64, built
 * statically by scripts/riscv.sh).  It does what vmrun.sh's shell init does
 * on x86: mount the kernel's file systems, load the modules listed in
 * /tests/modules, run each test of /tests/list under a time limit with its
 * output on /dev/hvc0 (a virtio console; the kernel's stays on the serial
 * console), between the URN-BEGIN and URN-END lines that results.py reads,
 * and end the VM.  The time limit in seconds comes from
 * "urn_timeout=" on the kernel command line (default 60).
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
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#define MAX_ARGS	16

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
		if (fd >= 0)
			close(fd);
	}
	if (f)
		fclose(f);
}

static void on_alarm(int sig)
{
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
		char *prog = strdup(argv[0]);

		dir = dirname(strdup(argv[0]));
		setpgid(0, 0);
		if (null >= 0)
			dup2(null, 0);
		if (chdir("/tests") || chdir(dir))
			_exit(127);
		execv(basename(prog), argv);
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

int main(void)
{
	const char *t = getenv("urn_timeout");
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

	/* The virtio console's port shows up a little after boot. */
	for (i = 0, fd = -1; i < 50 && fd < 0; i++) {
		fd = open("/dev/hvc0", O_RDWR | O_NOCTTY);
		if (fd < 0)
			usleep(100 * 1000);
	}
	if (fd < 0) {
		fprintf(stderr, "urn-init: no /dev/hvc0 (%s): tests on the console\n",
			strerror(errno));
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
		double start = uptime();
		int rc;

		if (sscanf(line, "%511s", name) != 1)
			continue;
		printf("URN-BEGIN %s\n", name);
		fflush(stdout);
		rc = run(line, timeout);
		printf("URN-END %s rc=%d start=%.2f end=%.2f\n", name, rc, start, uptime());
	}
	printf("URN-DONE\n");
	fflush(stdout);
	sync();
	/* QEMU runs with -no-reboot: a reboot ends the VM. */
	reboot(RB_AUTOBOOT);
	return 0;
}
