/*
 * The agent's side of `mcim tre serve`: connect to the TRE's socket, send one framed
 * request, read one framed response (framing in mcim/tre.h). Blocking, no timeouts of
 * its own: the server drops a stalled client, which ends the call with an error here.
 */
#include "mcim/tre.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/check.h"

mcim_err mcim_tre_client_connect(struct mcim_tre_client *c, const char *path)
{
	struct sockaddr_un sa;
	int fd;

	MCIM_ASSERT(c != NULL && path != NULL);
	c->fd = -1;
	if (strlen(path) == 0 || strlen(path) >= sizeof(sa.sun_path))
		return MCIM_ERR_INVALID_ARG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return MCIM_ERR_IO;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(fd);
		return e == ENOENT || e == ECONNREFUSED ? MCIM_ERR_NOT_FOUND
							: MCIM_ERR_IO;
	}
	c->fd = fd;
	return MCIM_OK;
}

static mcim_err send_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MCIM_ERR_IO;
		buf += n;
		len -= (size_t)n;
	}
	return MCIM_OK;
}

static mcim_err recv_all(int fd, uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return MCIM_ERR_TRUNCATED;
		if (n < 0)
			return MCIM_ERR_IO;
		buf += n;
		len -= (size_t)n;
	}
	return MCIM_OK;
}

mcim_err mcim_tre_client_call(struct mcim_tre_client *c, const uint8_t *req,
			      size_t req_len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	uint8_t hdr[4];
	size_t len;
	mcim_err err;

	MCIM_ASSERT(c != NULL && req != NULL && resp != NULL && resp_len != NULL);
	if (c->fd < 0)
		return MCIM_ERR_STATE;
	if (req_len == 0 || req_len > MCIM_TRE_MSG_MAX)
		return MCIM_ERR_TOO_LARGE;
	hdr[0] = (uint8_t)(req_len >> 24);
	hdr[1] = (uint8_t)(req_len >> 16);
	hdr[2] = (uint8_t)(req_len >> 8);
	hdr[3] = (uint8_t)req_len;
	err = send_all(c->fd, hdr, 4);
	if (err == MCIM_OK)
		err = send_all(c->fd, req, req_len);
	if (err == MCIM_OK)
		err = recv_all(c->fd, hdr, 4);
	if (err != MCIM_OK)
		return err;
	len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (len == 0 || len > MCIM_TRE_MSG_MAX)
		return MCIM_ERR_PARSE;
	if (len > cap) {
		mcim_tre_client_close(c);
		return MCIM_ERR_BUFFER_TOO_SMALL;
	}
	err = recv_all(c->fd, resp, len);
	if (err != MCIM_OK)
		return err;
	*resp_len = len;
	return MCIM_OK;
}

void mcim_tre_client_close(struct mcim_tre_client *c)
{
	MCIM_ASSERT(c != NULL);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
