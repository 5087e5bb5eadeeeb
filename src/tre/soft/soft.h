/*
 * tre/soft/soft.h: the `soft` TRE backend, for development and tests.
 *
 * What stands for hardware lives in its own directory, the hw dir, apart from the
 * store directory (normal flash):
 *   root      the device root key and the TRE id, written once at manufacture
 *             (stands for fuses);
 *   counters  the monotonic counters with a MAC under a key derived from the root
 *             key (stands for an RPMB partition).
 * Both files are 0600 in a 0700 directory. Nothing here resists an attacker who is
 * root on the device: such an attacker reads the root key, forges any store and rolls
 * back store and counters together. Real devices use tpm2 or a secure element;
 * docs/tre-store.md says which guarantee comes from what.
 *
 * Every file operation goes through a struct tre_soft_io, so a test can make any one
 * of them fail (fault injection) or return short counts.
 *
 * Ownership: the caller owns struct tre_soft (no allocation) and closes it with
 * tre_backend_close(&soft.base), which wipes the root key. The fields are the
 * backend's own; the caller reads none of them.
 */
#ifndef MCIM_TRE_SOFT_H
#define MCIM_TRE_SOFT_H

#include <stdint.h>
#include <sys/types.h>

#include "mcim/err.h"
#include "mcim/rand.h"
#include "tre/backend.h"

#define TRE_SOFT_DIR_MAX 192 /* characters of a directory path, without the NUL */

/*
 * The file operations, with POSIX semantics (return -1 and set errno on failure);
 * self is passed back to each.
 */
struct tre_soft_io {
	int (*open)(void *self, const char *path, int flags, mode_t mode);
	ssize_t (*read)(void *self, int fd, void *buf, size_t len);
	ssize_t (*write)(void *self, int fd, const void *buf, size_t len);
	int (*fsync)(void *self, int fd);
	int (*close)(void *self, int fd);
	int (*rename)(void *self, const char *from, const char *to);
	int (*unlink)(void *self, const char *path);
	int (*mkdir)(void *self, const char *path, mode_t mode);
	void *self;
};

/* The operating system's calls. Never NULL. */
const struct tre_soft_io *tre_soft_io_posix(void);

struct tre_soft {
	struct tre_backend base; /* first: a struct tre_backend * is this structure */
	const struct tre_soft_io *io;
	const struct mcim_rng *rng;
	char hw_dir[TRE_SOFT_DIR_MAX + 1];
	char store_dir[TRE_SOFT_DIR_MAX + 1];
	uint8_t tre_id[TRE_ID_LEN];
	uint8_t root_key[TRE_KEY_LEN]; /* secret */
};

/*
 * Manufacture: creates hw_dir (0700) if needed, draws a root key from rng and writes
 * the counters (all 0) and then the root key file with tre_id. io and rng may be NULL
 * for the defaults. Errors: MCIM_ERR_EXISTS when hw_dir already holds a root key (a
 * device is manufactured once), MCIM_ERR_INVALID_ARG for a path too long, I/O and
 * random errors.
 */
mcim_err tre_soft_manufacture(const char *hw_dir, const uint8_t tre_id[TRE_ID_LEN],
			      const struct mcim_rng *rng, const struct tre_soft_io *io);

/*
 * Opens the backend on a manufactured hw_dir, with blobs in store_dir (which must
 * exist). Removes a counter update left half-done by a crash. io and rng may be NULL
 * for the defaults. Errors: MCIM_ERR_NOT_FOUND (hw_dir holds no root key),
 * MCIM_ERR_TAMPERED (the root key file is malformed), MCIM_ERR_INVALID_ARG (a path
 * too long), MCIM_ERR_IO. On error s holds no key.
 */
mcim_err tre_soft_open(struct tre_soft *s, const char *hw_dir, const char *store_dir,
		       const struct mcim_rng *rng, const struct tre_soft_io *io);

#endif
