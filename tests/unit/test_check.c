/*
 * The device code's assertion (core/check.h): a caller's bug stops the process in
 * every build type, and says where. In the device profile (MCIM_COMPACT_ASSERT) the
 * message is "FILE:LINE: assertion failed", without the condition's text; elsewhere
 * the C library's, with it. Run in a child process, which must die of SIGABRT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcim/bytes.h"

/* Runs mcim_wipe(NULL, 4) in a child; its stderr into out. */
static int wipe_null_in_child(char *out, size_t cap)
{
	int fds[2], status = 0;
	pid_t pid;
	ssize_t n;
	size_t len = 0;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		mcim_wipe(NULL, 4);
		_exit(0); /* not reached when the assertion holds */
	}
	close(fds[1]);
	while (len + 1 < cap && (n = read(fds[0], out + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assertion_stops_and_says_where(void **state)
{
	char msg[512];
	int status;

	(void)state;
	status = wipe_null_in_child(msg, sizeof(msg));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(msg, "bytes.c:"));
#ifdef MCIM_COMPACT_ASSERT
	assert_non_null(strstr(msg, ": assertion failed\n"));
	assert_null(strstr(msg, "p != ")); /* no condition text on a device */
#else
	assert_non_null(strstr(msg, "p != "));
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(assertion_stops_and_says_where),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
