/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tests drive the kernel through test_user_return_notifier.  Under the
 * kselftest runner nobody loads it first: load it, as root, if its control
 * file is not there.
 */
#ifndef URN_SELFTEST_TEST_MODULE_H
#define URN_SELFTEST_TEST_MODULE_H

#include <sys/wait.h>
#include <unistd.h>

/* 0 if @control is there, or modprobe made it appear. */
static int load_test_module(const char *control)
{
	int status;
	pid_t pid;

	if (!access(control, F_OK))
		return 0;
	pid = fork();
	if (!pid) {
		execlp("modprobe", "modprobe", "-q", "test_user_return_notifier",
		       (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return access(control, F_OK);
}

#endif
