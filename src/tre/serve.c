/*
 * The TRE as its own process: mcim_tre_call behind a Unix stream socket, so that the
 * normal-world agent reaches the TRE only through its command interface and holds
 * none of its secrets or files (the socket is 0600 and the TRE's files belong to the
 * serving user). Framing: a 4-octet big-endian length, 1..MCIM_TRE_MSG_MAX, then the
 * message; one response per request, one client at a time. A client that sends a bad
 * length or stalls (MSG_STALL_MS inside a message, IDLE_MS between messages) is
 * dropped; a signal that sets *stop ends the loop within POLL_MS.
 */
#include "mcim/tre.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/check.h"
#include "mcim/bytes.h"

#define POLL_MS	     250
#define MSG_STALL_MS 5000
#define IDLE_MS	     30000

static void be32_put(uint8_t b[4], uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static uint32_t be32_get(const uint8_t b[4])
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

mcim_err mcim_tre_server_bind(struct mcim_tre_server *srv, const char *path)
{
	struct sockaddr_un sa;
	struct stat sb;
	mode_t old;
	int fd, rc;

	MCIM_ASSERT(srv != NULL && path != NULL);
	srv->listen_fd = -1;
	if (strlen(path) == 0 || strlen(path) >= sizeof(sa.sun_path) ||
	    strlen(path) > MCIM_TRE_PATH_MAX)
		return MCIM_ERR_INVALID_ARG;
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode))
			return MCIM_ERR_EXISTS;
		if (unlink(path) != 0)
			return MCIM_ERR_IO;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return MCIM_ERR_IO;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	/* The socket file is created 0600 from the start: no window with wider rights. */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, 4) != 0) {
		close(fd);
		if (rc == 0)
			unlink(path);
		return MCIM_ERR_IO;
	}
	srv->listen_fd = fd;
	memcpy(srv->path, path, strlen(path) + 1);
	return MCIM_OK;
}

void mcim_tre_server_close(struct mcim_tre_server *srv)
{
	MCIM_ASSERT(srv != NULL);
	if (srv->listen_fd >= 0) {
		close(srv->listen_fd);
		unlink(srv->path);
	}
	srv->listen_fd = -1;
	mcim_wipe(srv->req, sizeof(srv->req));
	mcim_wipe(srv->resp, sizeof(srv->resp));
}

/* Waits until fd is readable: 1 ready, 0 timed out (limit_ms) or stopped, -1 error. */
static int wait_readable(int fd, int limit_ms, volatile sig_atomic_t *stop)
{
	int waited = 0;

	while (!*stop && waited < limit_ms) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int rc = poll(&p, 1, POLL_MS);

		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
		waited += POLL_MS;
	}
	return 0;
}

/* Reads exactly len octets: 1 done, 0 the peer closed before the first octet, -1 not. */
static int read_full(int fd, uint8_t *buf, size_t len, int first_ms,
		     volatile sig_atomic_t *stop)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;

		if (wait_readable(fd, got == 0 ? first_ms : MSG_STALL_MS, stop) != 1)
			return -1;
		n = recv(fd, buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && got == 0)
			return 0;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 1;
}

static int write_full(int fd, const uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, buf + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* One client until it leaves, misbehaves or the server stops. */
static void serve_client(struct mcim_tre_server *srv, struct mcim_tre *tre, int fd,
			 volatile sig_atomic_t *stop)
{
	while (!*stop) {
		uint8_t hdr[4];
		size_t len, resp_len;
		int rc = read_full(fd, hdr, 4, IDLE_MS, stop);

		if (rc != 1)
			return;
		len = be32_get(hdr);
		if (len == 0 || len > MCIM_TRE_MSG_MAX)
			return;
		if (read_full(fd, srv->req, len, MSG_STALL_MS, stop) != 1)
			return;
		if (mcim_tre_call(tre, srv->req, len, srv->resp, sizeof(srv->resp),
				  &resp_len) != MCIM_OK)
			return;
		mcim_wipe(srv->req, len);
		be32_put(hdr, (uint32_t)resp_len);
		rc = write_full(fd, hdr, 4);
		if (rc == 0)
			rc = write_full(fd, srv->resp, resp_len);
		/* Responses may hold RES/CK/IK: not kept once sent. */
		mcim_wipe(srv->resp, resp_len);
		if (rc != 0)
			return;
	}
}

mcim_err mcim_tre_serve(struct mcim_tre_server *srv, struct mcim_tre *tre,
			volatile sig_atomic_t *stop)
{
	mcim_err err = MCIM_OK;

	MCIM_ASSERT(srv != NULL && tre != NULL && stop != NULL && srv->listen_fd >= 0);
	while (!*stop) {
		int rc = wait_readable(srv->listen_fd, POLL_MS, stop);
		int fd;

		if (rc < 0) {
			err = MCIM_ERR_IO;
			break;
		}
		if (rc == 0)
			continue;
		fd = accept(srv->listen_fd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN)
				continue;
			err = MCIM_ERR_IO;
			break;
		}
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		serve_client(srv, tre, fd, stop);
		close(fd);
	}
	mcim_tre_server_close(srv);
	return err;
}
