/*
 * tre/fileio.h: the file handling every file-backed TRE backend shares (soft, and the
 * uicc backend with its emulated card): whole-file reads and atomic replacement
 * ("<name>.tmp" written and fsynced, renamed over "<name>", the directory fsynced),
 * so after a crash the old or the new file is there and MCIM_OK means durable. Every
 * call goes through struct tre_soft_io, so tests can inject a fault at any step.
 * Internal to src/tre; no allocation.
 */
#ifndef MCIM_TRE_FILEIO_H
#define MCIM_TRE_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"
#include "tre/backend.h"
#include "tre/soft/soft.h"

#define TRE_FILE_TMP_SUFFIX ".tmp"
/* dir (1..TRE_SOFT_DIR_MAX characters) / name (1..TRE_BLOB_NAME_MAX) [.tmp] NUL */
#define TRE_FILE_PATH_MAX                                                                \
	(TRE_SOFT_DIR_MAX + 1 + TRE_BLOB_NAME_MAX + sizeof(TRE_FILE_TMP_SUFFIX))

/* MCIM_ERR_FULL for a full disk or quota, else MCIM_ERR_IO. */
mcim_err tre_file_err(int e);

/* 1 when dir is 1..TRE_SOFT_DIR_MAX characters. */
int tre_file_dir_ok(const char *dir);

/* dir/name suffix; the bounds on dir and name make it always fit (asserted). */
void tre_file_path(char out[TRE_FILE_PATH_MAX], const char *dir, const char *name,
		   const char *suffix);

/* The whole file at path: MCIM_ERR_NOT_FOUND, MCIM_ERR_TOO_LARGE above cap, I/O. */
mcim_err tre_file_read(const struct tre_soft_io *io, const char *path, uint8_t *buf,
		       size_t cap, size_t *len);

/* Replaces dir/name with data atomically and durably (see above). */
mcim_err tre_file_write_atomic(const struct tre_soft_io *io, const char *dir,
			       const char *name, const uint8_t *data, size_t len);

/* Removes what an interrupted tre_file_write_atomic left of dir/name. */
mcim_err tre_file_remove_tmp(const struct tre_soft_io *io, const char *dir,
			     const char *name);

#endif
