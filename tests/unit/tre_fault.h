/*
 * Shared by the TRE tests: the plain file helpers of tre_files.h, and fault injection
 * through the soft backend's I/O table: tre_fault_io fails the k-th fallible file call
 * after tre_fault_arm(k, ...), once or from then on (a dead disk), can cut writes short
 * and interrupt calls with EINTR, and lets a test watch renames (on_rename).
 *
 * Include after <cmocka.h>. Everything is static inline so a test that uses only
 * part of it compiles without unused-function warnings.
 */
#ifndef MCIM_TESTS_TRE_FAULT_H
#define MCIM_TESTS_TRE_FAULT_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tre/soft/soft.h"
#include "tre_files.h"

/* ---- fault injection ---- */

enum { K_OPEN, K_READ, K_WRITE, K_FSYNC, K_CLOSE, K_RENAME, K_UNLINK, K_MKDIR, K_KINDS };

struct tre_fault {
	unsigned long calls;	      /* fallible calls made so far */
	unsigned long kinds[K_KINDS]; /* per kind */
	unsigned long fail_at;	      /* 1-based call to fail; 0: none */
	int sticky;		      /* also fail every later call (a dead disk) */
	int err;		      /* errno of the failure */
	unsigned long failed;	      /* calls failed */
	unsigned long last_ctr_open;  /* call number of the last open of the counters */
	size_t max_write;	      /* cut each write to this many octets; 0: no cut */
	int eintr;		      /* bit 0: next read, bit 1: next write -> EINTR */
	/* Called before each rename; returning nonzero makes the rename fail with EIO
	 * without touching the files (power cut after the caller saw the file). */
	int (*on_rename)(const char *from, const char *to);
};

static struct tre_fault fault;

static inline int fault_hit(int kind)
{
	fault.calls++;
	fault.kinds[kind]++;
	if (fault.fail_at != 0 && (fault.calls == fault.fail_at ||
				   (fault.sticky && fault.calls > fault.fail_at))) {
		fault.failed++;
		errno = fault.err;
		return 1;
	}
	return 0;
}

static inline void fault_arm(unsigned long k, int sticky, int err)
{
	fault.fail_at = fault.calls + k;
	fault.sticky = sticky;
	fault.err = err;
	fault.failed = 0;
}

static inline void fault_disarm(void)
{
	fault.fail_at = 0;
	fault.sticky = 0;
}

static inline int f_open(void *self, const char *path, int flags, mode_t mode)
{
	(void)self;
	if (fault_hit(K_OPEN))
		return -1;
	if (ends_with(path, "/counters"))
		fault.last_ctr_open = fault.calls;
	return open(path, flags, mode);
}

static inline ssize_t f_read(void *self, int fd, void *buf, size_t len)
{
	(void)self;
	if (fault.eintr & 1) {
		fault.eintr &= ~1;
		errno = EINTR;
		return -1;
	}
	return fault_hit(K_READ) ? -1 : read(fd, buf, len);
}

static inline ssize_t f_write(void *self, int fd, const void *buf, size_t len)
{
	(void)self;
	if (fault.eintr & 2) {
		fault.eintr &= ~2;
		errno = EINTR;
		return -1;
	}
	if (fault.max_write != 0 && len > fault.max_write)
		len = fault.max_write;
	return fault_hit(K_WRITE) ? -1 : write(fd, buf, len);
}

static inline int f_fsync(void *self, int fd)
{
	(void)self;
	return fault_hit(K_FSYNC) ? -1 : fsync(fd);
}

static inline int f_close(void *self, int fd)
{
	(void)self;
	/* A failed close still releases the descriptor, as on Linux. */
	if (fault_hit(K_CLOSE)) {
		close(fd);
		errno = fault.err;
		return -1;
	}
	return close(fd);
}

static inline int f_rename(void *self, const char *from, const char *to)
{
	(void)self;
	if (fault.on_rename != NULL && fault.on_rename(from, to)) {
		errno = EIO;
		return -1;
	}
	return fault_hit(K_RENAME) ? -1 : rename(from, to);
}

static inline int f_unlink(void *self, const char *path)
{
	(void)self;
	return fault_hit(K_UNLINK) ? -1 : unlink(path);
}

static inline int f_mkdir(void *self, const char *path, mode_t mode)
{
	(void)self;
	return fault_hit(K_MKDIR) ? -1 : mkdir(path, mode);
}

static const struct tre_soft_io tre_fault_io = {
    f_open, f_read, f_write, f_fsync, f_close, f_rename, f_unlink, f_mkdir, NULL,
};

#endif
