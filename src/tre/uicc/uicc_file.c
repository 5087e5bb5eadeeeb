/*
 * Files of the emulated card and of the uicc backend's blobs. Every replacement is
 * the soft backend's: "<name>.tmp" written and fsynced, renamed over "<name>", the
 * directory fsynced; so after a crash the old or the new file is there and MCIM_OK
 * means durable. Every call goes through struct tre_soft_io for fault injection.
 * (soft.c keeps its copy static; see the report about sharing one.)
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tre/uicc/uicc_int.h"

int uicc_dir_ok(const char *dir)
{
	size_t len = strnlen(dir, UICC_DIR_MAX + 1);

	return len > 0 && len <= UICC_DIR_MAX;
}

void uicc_path_join(char out[UICC_FILE_PATH_MAX], const char *dir, const char *name,
		    const char *suffix)
{
	int n = snprintf(out, UICC_FILE_PATH_MAX, "%s/%s%s", dir, name, suffix);

	assert(n > 0 && (size_t)n < UICC_FILE_PATH_MAX);
	(void)n;
}

mcim_err uicc_err_from_errno(int e)
{
	if (e == ENOSPC || e == EDQUOT)
		return MCIM_ERR_FULL;
	return MCIM_ERR_IO;
}

/* A failed close of a descriptor only read from cannot lose data: ignored. */
mcim_err uicc_file_read(const struct tre_soft_io *io, const char *path, uint8_t *buf,
			size_t cap, size_t *len)
{
	size_t got = 0;
	mcim_err err = MCIM_OK;
	int fd = io->open(io->self, path, O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0)
		return errno == ENOENT ? MCIM_ERR_NOT_FOUND : uicc_err_from_errno(errno);
	for (;;) {
		uint8_t extra;
		uint8_t *dst = got < cap ? buf + got : &extra;
		size_t want = got < cap ? cap - got : 1;
		ssize_t n = io->read(io->self, fd, dst, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = uicc_err_from_errno(errno);
			break;
		}
		if (n == 0)
			break;
		if (got >= cap) {
			err = MCIM_ERR_TOO_LARGE;
			break;
		}
		got += (size_t)n;
	}
	(void)io->close(io->self, fd);
	if (err == MCIM_OK)
		*len = got;
	return err;
}

static mcim_err write_all(const struct tre_soft_io *io, int fd, const uint8_t *data,
			  size_t len)
{
	while (len > 0) {
		ssize_t n = io->write(io->self, fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return uicc_err_from_errno(errno);
		if (n == 0)
			return MCIM_ERR_IO;
		data += n;
		len -= (size_t)n;
	}
	return MCIM_OK;
}

static mcim_err sync_dir(const struct tre_soft_io *io, const char *dir)
{
	mcim_err err = MCIM_OK;
	int fd = io->open(io->self, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

	if (fd < 0)
		return uicc_err_from_errno(errno);
	if (io->fsync(io->self, fd) != 0)
		err = uicc_err_from_errno(errno);
	(void)io->close(io->self, fd);
	return err;
}

mcim_err uicc_file_write_atomic(const struct tre_soft_io *io, const char *dir,
				const char *name, const uint8_t *data, size_t len)
{
	char tmp[UICC_FILE_PATH_MAX], final[UICC_FILE_PATH_MAX];
	mcim_err err;
	int fd;

	uicc_path_join(tmp, dir, name, UICC_FILE_TMP_SUFFIX);
	uicc_path_join(final, dir, name, "");
	fd = io->open(io->self, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return uicc_err_from_errno(errno);
	err = write_all(io, fd, data, len);
	if (err == MCIM_OK && io->fsync(io->self, fd) != 0)
		err = uicc_err_from_errno(errno);
	/* A failed close after a write may mean lost data: it counts. */
	if (io->close(io->self, fd) != 0 && err == MCIM_OK)
		err = uicc_err_from_errno(errno);
	if (err == MCIM_OK && io->rename(io->self, tmp, final) != 0)
		err = uicc_err_from_errno(errno);
	if (err != MCIM_OK) {
		/* A leftover is harmless: never read, truncated by the next write. */
		(void)io->unlink(io->self, tmp);
		return err;
	}
	return sync_dir(io, dir);
}

mcim_err uicc_file_remove_tmp(const struct tre_soft_io *io, const char *dir,
			      const char *name)
{
	char tmp[UICC_FILE_PATH_MAX];

	uicc_path_join(tmp, dir, name, UICC_FILE_TMP_SUFFIX);
	if (io->unlink(io->self, tmp) != 0 && errno != ENOENT)
		return uicc_err_from_errno(errno);
	return MCIM_OK;
}
