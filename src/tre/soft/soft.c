/*
 * The `soft` TRE backend: the device root key and the monotonic counters are files in
 * a directory of their own (the hw dir, standing for fuses and an RPMB partition),
 * blobs are files in the store directory. Every file is replaced the same way:
 * written to "<name>.tmp", fsynced, renamed over "<name>", then the directory is
 * fsynced, so a crash leaves the old or the new file and MCIM_OK means durable. The
 * counter file carries a MAC under a key derived from the root key; that catches an
 * edited or foreign counter file, not a replayed one of this device (nothing stored
 * in files can). All file calls go through struct tre_soft_io for fault injection.
 */
#include "tre/soft/soft.h"
#include "core/check.h"
#include "tre/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/endian.h"
#include "mcim/bytes.h"
#include "mcim/crypto.h"

#define SOFT_ROOT_FILE	  "root"
#define SOFT_COUNTER_FILE "counters"
#define SOFT_MAGIC_LEN	  8
#define SOFT_ROOT_MAGIC	  "MCIMROOT"
#define SOFT_CTR_MAGIC	  "MCIMCTRS"
#define SOFT_ROOT_LEN	  (SOFT_MAGIC_LEN + TRE_ID_LEN + TRE_KEY_LEN)
#define SOFT_CTR_BODY_LEN (SOFT_MAGIC_LEN + 8 * TRE_COUNTERS)
#define SOFT_CTR_LEN	  (SOFT_CTR_BODY_LEN + MCIM_SHA256_LEN)
/* HKDF salt: separates this backend's derivations from any other use of the key. */
#define SOFT_KDF_SALT  "openmcim tre soft v1"
#define SOFT_CTR_LABEL "mcim/soft/counters"

static int posix_open(void *self, const char *path, int flags, mode_t mode)
{
	(void)self;
	return open(path, flags, mode);
}

static ssize_t posix_read(void *self, int fd, void *buf, size_t len)
{
	(void)self;
	return read(fd, buf, len);
}

static ssize_t posix_write(void *self, int fd, const void *buf, size_t len)
{
	(void)self;
	return write(fd, buf, len);
}

static int posix_fsync(void *self, int fd)
{
	(void)self;
	return fsync(fd);
}

static int posix_close(void *self, int fd)
{
	(void)self;
	return close(fd);
}

static int posix_rename(void *self, const char *from, const char *to)
{
	(void)self;
	return rename(from, to);
}

static int posix_unlink(void *self, const char *path)
{
	(void)self;
	return unlink(path);
}

static int posix_mkdir(void *self, const char *path, mode_t mode)
{
	(void)self;
	return mkdir(path, mode);
}

static const struct tre_soft_io posix_io = {
    posix_open,	  posix_read,	posix_write, posix_fsync, posix_close,
    posix_rename, posix_unlink, posix_mkdir, NULL,
};

const struct tre_soft_io *tre_soft_io_posix(void)
{
	return &posix_io;
}

static int blob_name_ok(const char *name)
{
	size_t len = strnlen(name, TRE_BLOB_NAME_MAX + 1);

	if (len == 0 || len > TRE_BLOB_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

static mcim_err root_derive(const uint8_t root[TRE_KEY_LEN], const char *label,
			    const uint8_t *ctx, size_t ctx_len, uint8_t out[TRE_KEY_LEN])
{
	/* label || 0x00 || context: the label holds no NUL, so the split is unambiguous.
	 */
	uint8_t info[TRE_LABEL_MAX + 1 + TRE_CONTEXT_MAX];
	size_t label_len = strnlen(label, TRE_LABEL_MAX + 1);

	if (label_len == 0 || label_len > TRE_LABEL_MAX || ctx_len > TRE_CONTEXT_MAX)
		return MCIM_ERR_INVALID_ARG;
	memcpy(info, label, label_len);
	info[label_len] = 0;
	if (ctx_len > 0)
		memcpy(info + label_len + 1, ctx, ctx_len);
	return mcim_hkdf_sha256((const uint8_t *)SOFT_KDF_SALT, sizeof(SOFT_KDF_SALT) - 1,
				root, TRE_KEY_LEN, info, label_len + 1 + ctx_len, out,
				TRE_KEY_LEN);
}

static mcim_err counters_mac(const uint8_t root[TRE_KEY_LEN],
			     const uint8_t body[SOFT_CTR_BODY_LEN],
			     uint8_t mac[MCIM_SHA256_LEN])
{
	uint8_t key[TRE_KEY_LEN];
	struct mcim_iov part = {body, SOFT_CTR_BODY_LEN};
	mcim_err err = root_derive(root, SOFT_CTR_LABEL, NULL, 0, key);

	if (err == MCIM_OK)
		err = mcim_hmac_sha256(key, sizeof(key), &part, 1, mac);
	mcim_wipe(key, sizeof(key));
	return err;
}

/* The counter file is part of the "hardware": missing or not verifying is tampering. */
static mcim_err counters_load(const struct tre_soft *s, uint64_t vals[TRE_COUNTERS])
{
	char path[TRE_FILE_PATH_MAX];
	uint8_t buf[SOFT_CTR_LEN], mac[MCIM_SHA256_LEN];
	size_t len = 0;
	mcim_err err;

	tre_file_path(path, s->hw_dir, SOFT_COUNTER_FILE, "");
	err = tre_file_read(s->io, path, buf, sizeof(buf), &len);
	if (err == MCIM_ERR_NOT_FOUND || err == MCIM_ERR_TOO_LARGE)
		return MCIM_ERR_TAMPERED;
	if (err != MCIM_OK)
		return err;
	if (len != SOFT_CTR_LEN || memcmp(buf, SOFT_CTR_MAGIC, SOFT_MAGIC_LEN) != 0)
		return MCIM_ERR_TAMPERED;
	err = counters_mac(s->root_key, buf, mac);
	if (err != MCIM_OK)
		return err;
	if (!mcim_ct_equal(mac, buf + SOFT_CTR_BODY_LEN, MCIM_SHA256_LEN))
		return MCIM_ERR_TAMPERED;
	for (size_t i = 0; i < TRE_COUNTERS; i++)
		vals[i] = mcim_load_be64(buf + SOFT_MAGIC_LEN + 8 * i);
	return MCIM_OK;
}

static mcim_err counters_store(const struct tre_soft *s,
			       const uint64_t vals[TRE_COUNTERS])
{
	uint8_t buf[SOFT_CTR_LEN];
	mcim_err err;

	memcpy(buf, SOFT_CTR_MAGIC, SOFT_MAGIC_LEN);
	for (size_t i = 0; i < TRE_COUNTERS; i++)
		mcim_store_be64(buf + SOFT_MAGIC_LEN + 8 * i, vals[i]);
	err = counters_mac(s->root_key, buf, buf + SOFT_CTR_BODY_LEN);
	if (err != MCIM_OK)
		return err;
	return tre_file_write_atomic(s->io, s->hw_dir, SOFT_COUNTER_FILE, buf,
				     sizeof(buf));
}

static struct tre_soft *soft_of(struct tre_backend *be)
{
	MCIM_ASSERT(be != NULL);
	return (struct tre_soft *)be;
}

static mcim_err soft_derive_key(struct tre_backend *be, const char *label,
				const uint8_t *ctx, size_t ctx_len,
				uint8_t out[TRE_KEY_LEN])
{
	MCIM_ASSERT(label != NULL && out != NULL);
	MCIM_ASSERT(ctx != NULL || ctx_len == 0);
	return root_derive(soft_of(be)->root_key, label, ctx, ctx_len, out);
}

static mcim_err soft_counter_read(struct tre_backend *be, enum tre_counter ctr,
				  uint64_t *value)
{
	uint64_t vals[TRE_COUNTERS];
	mcim_err err;

	MCIM_ASSERT((unsigned)ctr < TRE_COUNTERS && value != NULL);
	err = counters_load(soft_of(be), vals);
	if (err == MCIM_OK)
		*value = vals[ctr];
	return err;
}

static mcim_err soft_counter_advance(struct tre_backend *be, enum tre_counter ctr,
				     uint64_t value)
{
	uint64_t vals[TRE_COUNTERS];
	mcim_err err;

	MCIM_ASSERT((unsigned)ctr < TRE_COUNTERS);
	err = counters_load(soft_of(be), vals);
	if (err != MCIM_OK)
		return err;
	if (value <= vals[ctr])
		return MCIM_ERR_ROLLBACK;
	vals[ctr] = value;
	return counters_store(soft_of(be), vals);
}

static mcim_err soft_blob_read(struct tre_backend *be, const char *name, uint8_t *buf,
			       size_t cap, size_t *len)
{
	struct tre_soft *s = soft_of(be);
	char path[TRE_FILE_PATH_MAX];

	MCIM_ASSERT(name != NULL && len != NULL && (buf != NULL || cap == 0));
	if (!blob_name_ok(name))
		return MCIM_ERR_INVALID_ARG;
	tre_file_path(path, s->store_dir, name, "");
	return tre_file_read(s->io, path, buf, cap, len);
}

static mcim_err soft_blob_write(struct tre_backend *be, const char *name,
				const uint8_t *data, size_t len)
{
	struct tre_soft *s = soft_of(be);

	MCIM_ASSERT(name != NULL && (data != NULL || len == 0));
	if (!blob_name_ok(name))
		return MCIM_ERR_INVALID_ARG;
	return tre_file_write_atomic(s->io, s->store_dir, name, data, len);
}

static mcim_err soft_blob_tidy(struct tre_backend *be, const char *name)
{
	struct tre_soft *s = soft_of(be);

	MCIM_ASSERT(name != NULL);
	if (!blob_name_ok(name))
		return MCIM_ERR_INVALID_ARG;
	return tre_file_remove_tmp(s->io, s->store_dir, name);
}

static mcim_err soft_random(struct tre_backend *be, uint8_t *buf, size_t len)
{
	return mcim_rng_fill(soft_of(be)->rng, buf, len);
}

static void soft_tre_id(struct tre_backend *be, uint8_t out[TRE_ID_LEN])
{
	MCIM_ASSERT(out != NULL);
	memcpy(out, soft_of(be)->tre_id, TRE_ID_LEN);
}

static void soft_close(struct tre_backend *be)
{
	mcim_wipe(soft_of(be), sizeof(struct tre_soft));
}

static const struct tre_backend_ops soft_ops = {
    .name = "soft",
    .derive_key = soft_derive_key,
    .counter_read = soft_counter_read,
    .counter_advance = soft_counter_advance,
    .blob_read = soft_blob_read,
    .blob_write = soft_blob_write,
    .blob_tidy = soft_blob_tidy,
    .random = soft_random,
    .tre_id = soft_tre_id,
    .close = soft_close,
};

mcim_err tre_soft_manufacture(const char *hw_dir, const uint8_t tre_id[TRE_ID_LEN],
			      const struct mcim_rng *rng, const struct tre_soft_io *io)
{
	struct tre_soft s;
	uint8_t root[SOFT_ROOT_LEN];
	char path[TRE_FILE_PATH_MAX];
	uint64_t zero[TRE_COUNTERS] = {0};
	size_t len;
	mcim_err err;

	MCIM_ASSERT(hw_dir != NULL && tre_id != NULL);
	if (!tre_file_dir_ok(hw_dir))
		return MCIM_ERR_INVALID_ARG;
	io = io != NULL ? io : &posix_io;
	rng = rng != NULL ? rng : mcim_rng_system();
	if (io->mkdir(io->self, hw_dir, 0700) != 0 && errno != EEXIST)
		return tre_file_err(errno);
	tre_file_path(path, hw_dir, SOFT_ROOT_FILE, "");
	err = tre_file_read(io, path, root, sizeof(root), &len);
	mcim_wipe(root, sizeof(root));
	if (err != MCIM_ERR_NOT_FOUND)
		return err == MCIM_OK || err == MCIM_ERR_TOO_LARGE ? MCIM_ERR_EXISTS
								   : err;

	memset(&s, 0, sizeof(s));
	s.io = io;
	memcpy(s.hw_dir, hw_dir, strlen(hw_dir) + 1);
	err = mcim_rng_fill(rng, s.root_key, TRE_KEY_LEN);
	/* Counters first: a root key file present means a complete device. */
	if (err == MCIM_OK)
		err = counters_store(&s, zero);
	if (err == MCIM_OK) {
		memcpy(root, SOFT_ROOT_MAGIC, SOFT_MAGIC_LEN);
		memcpy(root + SOFT_MAGIC_LEN, tre_id, TRE_ID_LEN);
		memcpy(root + SOFT_MAGIC_LEN + TRE_ID_LEN, s.root_key, TRE_KEY_LEN);
		err =
		    tre_file_write_atomic(io, hw_dir, SOFT_ROOT_FILE, root, sizeof(root));
	}
	mcim_wipe(root, sizeof(root));
	mcim_wipe(&s, sizeof(s));
	return err;
}

mcim_err tre_soft_open(struct tre_soft *s, const char *hw_dir, const char *store_dir,
		       const struct mcim_rng *rng, const struct tre_soft_io *io)
{
	uint8_t root[SOFT_ROOT_LEN];
	char path[TRE_FILE_PATH_MAX];
	size_t len = 0;
	mcim_err err;

	MCIM_ASSERT(s != NULL && hw_dir != NULL && store_dir != NULL);
	memset(s, 0, sizeof(*s));
	if (!tre_file_dir_ok(hw_dir) || !tre_file_dir_ok(store_dir))
		return MCIM_ERR_INVALID_ARG;
	s->io = io != NULL ? io : &posix_io;
	s->rng = rng != NULL ? rng : mcim_rng_system();
	memcpy(s->hw_dir, hw_dir, strlen(hw_dir) + 1);
	memcpy(s->store_dir, store_dir, strlen(store_dir) + 1);

	tre_file_path(path, hw_dir, SOFT_ROOT_FILE, "");
	err = tre_file_read(s->io, path, root, sizeof(root), &len);
	if (err == MCIM_OK &&
	    (len != SOFT_ROOT_LEN || memcmp(root, SOFT_ROOT_MAGIC, SOFT_MAGIC_LEN) != 0))
		err = MCIM_ERR_TAMPERED;
	if (err == MCIM_ERR_TOO_LARGE)
		err = MCIM_ERR_TAMPERED;
	if (err != MCIM_OK) {
		mcim_wipe(root, sizeof(root));
		mcim_wipe(s, sizeof(*s));
		return err;
	}
	memcpy(s->tre_id, root + SOFT_MAGIC_LEN, TRE_ID_LEN);
	memcpy(s->root_key, root + SOFT_MAGIC_LEN + TRE_ID_LEN, TRE_KEY_LEN);
	mcim_wipe(root, sizeof(root));
	/* A counter update cut short leaves its temp file; it is never read. */
	(void)tre_file_remove_tmp(s->io, hw_dir, SOFT_COUNTER_FILE);
	s->base.ops = &soft_ops;
	return MCIM_OK;
}
