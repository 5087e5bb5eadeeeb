/*
 * The TRE as its own process (issue 3 "Shape"; R-TRE-G01): a child process serves
 * a device's TRE on a Unix socket (mode 0600); the parent, holding none of the TRE's
 * state, talks to it with the client: the same answers as linked; a bad frame drops
 * the client but not the server; SIGTERM ends the server cleanly and removes the
 * socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "tre_fault.h"

#include "tre_core_fixture.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static pid_t start_server(struct tf *t, const char *sock)
{
	pid_t pid;

	tf_close(t);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct mcim_tre_server *srv = malloc(sizeof(*srv));
		struct sigaction sa;
		int rc = 1;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		if (srv != NULL && tf_open_io(t, NULL) == MCIM_OK &&
		    mcim_tre_server_bind(srv, sock) == MCIM_OK &&
		    mcim_tre_serve(srv, t->tre, &stop) == MCIM_OK)
			rc = 0;
		/* The child's copies, released so that a leak checker following the
		 * fork sees a clean exit. */
		mcim_tre_close(t->tre);
		free(t->tre);
		free(t);
		free(srv);
		tool_pki_free(&tf_pki_loaded);
		_exit(rc);
	}
	for (int i = 0; i < 200 && !file_exists(sock); i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	assert_true(file_exists(sock));
	return pid;
}

static mcim_err client_call(struct mcim_tre_client *c, struct tf *t, const char *cmd)
{
	size_t len;
	mcim_err e;

	assert_int_equal(tool_tre_request(cmd, NULL, 0, t->req, sizeof(t->req), &len),
			 MCIM_OK);
	e = mcim_tre_client_call(c, t->req, len, t->resp, sizeof(t->resp), &t->resp_len);
	if (e != MCIM_OK)
		return e;
	assert_int_equal(tool_tre_response(t->resp, t->resp_len, &t->r), MCIM_OK);
	return t->r.status;
}

static void serve_over_socket(void **state)
{
	struct tf *t = tf_new("serve");
	char sock[400], st[32];
	struct stat sb;
	struct mcim_tre_client c;
	pid_t pid;
	int status;

	(void)state;
	snprintf(sock, sizeof(sock), "%s/tre.sock", t->dir);
	pid = start_server(t, sock);
	assert_int_equal(stat(sock, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	assert_int_equal(mcim_tre_client_connect(&c, sock), MCIM_OK);
	assert_int_equal(client_call(&c, t, "status"), MCIM_OK);
	tf_str(t, "state", st, sizeof(st));
	assert_string_equal(st, "ready");
	assert_int_equal(client_call(&c, t, "identity"), MCIM_OK);
	assert_int_equal(client_call(&c, t, "reboot"), MCIM_ERR_UNSUPPORTED);
	/* a response larger than the caller's buffer: an error, connection closed */
	{
		size_t len;

		assert_int_equal(
		    tool_tre_request("identity", NULL, 0, t->req, sizeof(t->req), &len),
		    MCIM_OK);
		assert_int_equal(
		    mcim_tre_client_call(&c, t->req, len, t->resp, 16, &t->resp_len),
		    MCIM_ERR_BUFFER_TOO_SMALL);
		assert_int_equal(
		    mcim_tre_client_call(&c, t->req, len, t->resp, 16, &t->resp_len),
		    MCIM_ERR_STATE);
		assert_int_equal(
		    mcim_tre_client_call(&c, t->req, 0, t->resp, 16, &t->resp_len),
		    MCIM_ERR_STATE);
	}
	mcim_tre_client_close(&c);

	/* A frame with a length of 0 and one above the bound: dropped. */
	{
		static const uint8_t zero[4] = {0, 0, 0, 0};
		static const uint8_t huge[4] = {0x7f, 0, 0, 0};
		const uint8_t *frames[2] = {zero, huge};

		for (int i = 0; i < 2; i++) {
			struct sockaddr_un sa = {.sun_family = AF_UNIX};
			int fd = socket(AF_UNIX, SOCK_STREAM, 0);
			uint8_t b;

			memcpy(sa.sun_path, sock, strlen(sock));
			assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)),
					 0);
			assert_int_equal(write(fd, frames[i], 4), 4);
			assert_int_equal(read(fd, &b, 1), 0); /* closed by the server */
			close(fd);
		}
	}
	/* The server is still there for the next client. */
	assert_int_equal(mcim_tre_client_connect(&c, sock), MCIM_OK);
	assert_int_equal(client_call(&c, t, "status"), MCIM_OK);
	mcim_tre_client_close(&c);

	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_false(file_exists(sock));
	assert_int_equal(mcim_tre_client_connect(&c, sock), MCIM_ERR_NOT_FOUND);
	tf_open(t);
	tf_free(t);
}

static void bind_errors(void **state)
{
	struct mcim_tre_server *srv = malloc(sizeof(*srv));
	char path[400], longp[200];
	struct mcim_tre_client c;

	(void)state;
	assert_non_null(srv);
	snprintf(path, sizeof(path), "%s/not-a-socket", tf_root);
	file_write(path, (const uint8_t *)"x", 1);
	assert_int_equal(mcim_tre_server_bind(srv, path), MCIM_ERR_EXISTS);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(mcim_tre_server_bind(srv, longp), MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_tre_client_connect(&c, longp), MCIM_ERR_INVALID_ARG);
	/* a stale socket file is replaced */
	snprintf(path, sizeof(path), "%s/s.sock", tf_root);
	assert_int_equal(mcim_tre_server_bind(srv, path), MCIM_OK);
	close(srv->listen_fd);
	assert_int_equal(mcim_tre_server_bind(srv, path), MCIM_OK);
	mcim_tre_server_close(srv);
	assert_false(file_exists(path));
	free(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(serve_over_socket),
	    cmocka_unit_test(bind_errors),
	};

	return cmocka_run_group_tests(tests, tf_setup_pki, tf_teardown_pki);
}
