/*
 * File handling shared by the file-backed TRE backends (tre/fileio.h): whole-file
 * reads and atomic, durable replacement, every call through struct tre_soft_io.
 */
#include "tre/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/check.h"

mcim_err tre_file_err(int e)
{
	if (e == ENOSPC || e == EDQUOT)
		return MCIM_ERR_FULL;
	return MCIM_ERR_IO;
}

/* dir/name[suffix]; the bounds on dir and name make it always fit. */
void tre_file_path(char out[TRE_FILE_PATH_MAX], const char *dir, const char *name,
		   const char *suffix)
{
	int n = snprintf(out, TRE_FILE_PATH_MAX, "%s/%s%s", dir, name, suffix);

	MCIM_ASSERT(n > 0 && (size_t)n < TRE_FILE_PATH_MAX);
	(void)n;
}

int tre_file_dir_ok(const char *dir)
{
	size_t len = strnlen(dir, TRE_SOFT_DIR_MAX + 1);

	return len > 0 && len <= TRE_SOFT_DIR_MAX;
}

static mcim_err write_all(const struct tre_soft_io *io, int fd, const uint8_t *data,
			  size_t len)
{
	while (len > 0) {
		ssize_t n = io->write(io->self, fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return tre_file_err(errno);
		if (n == 0)
			return MCIM_ERR_IO;
		data += n;
		len -= (size_t)n;
	}
	return MCIM_OK;
}

/*
 * Reads the whole file at path into buf. Errors of close on a descriptor opened for
 * reading cannot lose data and are ignored.
 */
mcim_err tre_file_read(const struct tre_soft_io *io, const char *path, uint8_t *buf,
		       size_t cap, size_t *len)
{
	size_t got = 0;
	mcim_err err = MCIM_OK;
	int fd = io->open(io->self, path, O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0)
		return errno == ENOENT ? MCIM_ERR_NOT_FOUND : tre_file_err(errno);
	for (;;) {
		uint8_t extra;
		uint8_t *dst = got < cap ? buf + got : &extra;
		size_t want = got < cap ? cap - got : 1;
		ssize_t n = io->read(io->self, fd, dst, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = tre_file_err(errno);
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

/* Makes a rename in dir durable. */
static mcim_err sync_dir(const struct tre_soft_io *io, const char *dir)
{
	mcim_err err = MCIM_OK;
	int fd = io->open(io->self, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

	if (fd < 0)
		return tre_file_err(errno);
	if (io->fsync(io->self, fd) != 0)
		err = tre_file_err(errno);
	(void)io->close(io->self, fd);
	return err;
}

/* Replaces dir/name with data: temp file, fsync, rename, fsync of the directory. */
mcim_err tre_file_write_atomic(const struct tre_soft_io *io, const char *dir,
			       const char *name, const uint8_t *data, size_t len)
{
	char tmp[TRE_FILE_PATH_MAX], final[TRE_FILE_PATH_MAX];
	mcim_err err;
	int fd;

	tre_file_path(tmp, dir, name, TRE_FILE_TMP_SUFFIX);
	tre_file_path(final, dir, name, "");
	fd = io->open(io->self, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return tre_file_err(errno);
	err = write_all(io, fd, data, len);
	if (err == MCIM_OK && io->fsync(io->self, fd) != 0)
		err = tre_file_err(errno);
	/* A failed close after a write may mean lost data: it counts. */
	if (io->close(io->self, fd) != 0 && err == MCIM_OK)
		err = tre_file_err(errno);
	if (err == MCIM_OK && io->rename(io->self, tmp, final) != 0)
		err = tre_file_err(errno);
	if (err != MCIM_OK) {
		/* Tidy up; a leftover is harmless (never read, truncated by the next
		 * write). */
		(void)io->unlink(io->self, tmp);
		return err;
	}
	return sync_dir(io, dir);
}

mcim_err tre_file_remove_tmp(const struct tre_soft_io *io, const char *dir,
			     const char *name)
{
	char tmp[TRE_FILE_PATH_MAX];

	tre_file_path(tmp, dir, name, TRE_FILE_TMP_SUFFIX);
	if (io->unlink(io->self, tmp) != 0 && errno != ENOENT)
		return tre_file_err(errno);
	return MCIM_OK;
}
