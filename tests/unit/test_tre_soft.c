/*
 * The `soft` TRE backend on real files in a temp directory: manufacture (files 0600 in
 * a 0700 hw dir, once only), key derivation against an independent HKDF (OpenSSL's
 * EVP_KDF) over the root key read from its file, monotonic counters (refusals, MAC,
 * rollback of the file), atomic blobs, and fault injection at every file operation of
 * each write path (R-TRE-G02 secure storage; R-TRE-N01: what `soft` stands for).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "mcim/bytes.h"
#include "tre/soft/soft.h"

#include "tre_fault.h"

/* ---- a random generator that can be made to fail ---- */

static int rng_broken;

static mcim_err test_rng_fill(void *self, uint8_t *buf, size_t len)
{
	(void)self;
	if (rng_broken)
		return MCIM_ERR_RANDOM;
	return mcim_rng_fill(mcim_rng_system(), buf, len);
}

static const struct mcim_rng test_rng = {test_rng_fill, NULL};

/* ---- fixture: one manufactured device ---- */

struct dev {
	char base[256], hw[300], store[300];
	uint8_t id[TRE_ID_LEN];
	struct tre_soft soft;
	struct tre_backend *be;
};

static void dev_path(const struct dev *d, char *out, size_t cap, const char *dir,
		     const char *name)
{
	snprintf(out, cap, "%s/%s", dir == NULL ? d->hw : dir, name);
}

static void dev_setup(struct dev *d, uint8_t id_byte)
{
	const char *tmp = getenv("TMPDIR");

	memset(d, 0, sizeof(*d));
	snprintf(d->base, sizeof(d->base), "%s/mcim-soft-XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(d->base));
	snprintf(d->hw, sizeof(d->hw), "%s/hw", d->base);
	snprintf(d->store, sizeof(d->store), "%s/store", d->base);
	assert_int_equal(mkdir(d->store, 0700), 0);
	memset(d->id, id_byte, sizeof(d->id));
	memset(&fault, 0, sizeof(fault));
	rng_broken = 0;
	assert_int_equal(tre_soft_manufacture(d->hw, d->id, NULL, NULL), MCIM_OK);
	assert_int_equal(
	    tre_soft_open(&d->soft, d->hw, d->store, &test_rng, &tre_fault_io), MCIM_OK);
	d->be = &d->soft.base;
}

static void dev_teardown(struct dev *d)
{
	if (d->soft.base.ops != NULL)
		tre_backend_close(d->be);
	rm_tree(d->base);
}

static void dev_reopen(struct dev *d)
{
	tre_backend_close(d->be);
	assert_int_equal(
	    tre_soft_open(&d->soft, d->hw, d->store, &test_rng, &tre_fault_io), MCIM_OK);
}

/* ---- tests ---- */

/* Manufacture writes the "fuses" once, 0600 files in a 0700 directory (R-TRE-G03). */
static void manufacture_files(void **state)
{
	struct dev d;
	struct stat sb;
	char p[400];
	uint8_t id[TRE_ID_LEN], other[TRE_ID_LEN];
	struct tre_soft s;

	(void)state;
	dev_setup(&d, 0x11);
	assert_int_equal(stat(d.hw, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	dev_path(&d, p, sizeof(p), NULL, "root");
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, 8 + TRE_ID_LEN + TRE_KEY_LEN);
	dev_path(&d, p, sizeof(p), NULL, "counters");
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, 8 + 8 * TRE_COUNTERS + 32);

	/* A device is manufactured once; the fuses keep their first key. */
	memset(other, 0x22, sizeof(other));
	assert_int_equal(tre_soft_manufacture(d.hw, other, NULL, NULL), MCIM_ERR_EXISTS);
	dev_reopen(&d);
	tre_backend_id(d.be, id);
	assert_memory_equal(id, d.id, TRE_ID_LEN);
	assert_string_equal(d.be->ops->name, "soft");

	/* Close wipes the key held in memory. */
	tre_backend_close(d.be);
	for (size_t i = 0; i < TRE_KEY_LEN; i++)
		assert_int_equal(d.soft.root_key[i], 0);
	assert_null(d.soft.base.ops);

	/* An oversized root file is also "already manufactured". */
	dev_path(&d, p, sizeof(p), NULL, "root");
	{
		uint8_t big[200];
		memset(big, 1, sizeof(big));
		file_write(p, big, sizeof(big));
	}
	assert_int_equal(tre_soft_manufacture(d.hw, other, NULL, NULL), MCIM_ERR_EXISTS);
	assert_int_equal(tre_soft_open(&s, d.hw, d.store, NULL, NULL), MCIM_ERR_TAMPERED);
	rm_tree(d.base);
}

static void open_errors(void **state)
{
	struct dev d;
	struct tre_soft s;
	char p[400], longdir[TRE_SOFT_DIR_MAX + 2];
	uint8_t root[56];

	(void)state;
	dev_setup(&d, 0x12);
	memset(longdir, 'a', sizeof(longdir) - 1);
	longdir[sizeof(longdir) - 1] = '\0';
	assert_int_equal(tre_soft_open(&s, longdir, d.store, NULL, NULL),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(tre_soft_open(&s, d.hw, longdir, NULL, NULL),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(tre_soft_open(&s, "", d.store, NULL, NULL),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(tre_soft_manufacture(longdir, d.id, NULL, NULL),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(tre_soft_open(&s, d.store, d.store, NULL, NULL),
			 MCIM_ERR_NOT_FOUND);

	/* Damaged fuses: wrong length, wrong magic. */
	dev_path(&d, p, sizeof(p), NULL, "root");
	assert_int_equal(file_read(p, root, sizeof(root)), sizeof(root));
	file_write(p, root, sizeof(root) - 1);
	assert_int_equal(tre_soft_open(&s, d.hw, d.store, NULL, NULL), MCIM_ERR_TAMPERED);
	root[0] ^= 1;
	file_write(p, root, sizeof(root));
	assert_int_equal(tre_soft_open(&s, d.hw, d.store, NULL, NULL), MCIM_ERR_TAMPERED);
	for (size_t i = 0; i < sizeof(s); i++)
		assert_int_equal(((const uint8_t *)&s)[i], 0);

	/* I/O errors while reading the root key, and on mkdir at manufacture. */
	root[0] ^= 1;
	file_write(p, root, sizeof(root));
	fault_arm(1, 0, EIO);
	assert_int_equal(tre_soft_open(&s, d.hw, d.store, NULL, &tre_fault_io),
			 MCIM_ERR_IO);
	fault_arm(2, 0, EIO); /* the read */
	assert_int_equal(tre_soft_open(&s, d.hw, d.store, NULL, &tre_fault_io),
			 MCIM_ERR_IO);
	fault_disarm();
	{
		char sub[300];
		snprintf(sub, sizeof(sub), "%s/other", d.base);
		fault_arm(1, 0, EACCES);
		assert_int_equal(tre_soft_manufacture(sub, d.id, NULL, &tre_fault_io),
				 MCIM_ERR_IO);
		fault_disarm();
		/* A failing generator leaves no device behind. */
		rng_broken = 1;
		assert_int_equal(tre_soft_manufacture(sub, d.id, &test_rng, NULL),
				 MCIM_ERR_RANDOM);
		rng_broken = 0;
		snprintf(p, sizeof(p), "%s/root", sub);
		assert_false(file_exists(p));
	}
	dev_teardown(&d);
}

static void hkdf_ref(const uint8_t key[32], const uint8_t *info, size_t info_len,
		     uint8_t out[32])
{
	static const char salt[] = "openmcim tre soft v1";
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[5];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	params[1] =
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, 32);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
						      sizeof(salt) - 1);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
						      info_len);
	params[4] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(ctx, out, 32, params), 1);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
}

/*
 * derive_key is HKDF-SHA-256(salt "openmcim tre soft v1", root key, label || 0 ||
 * context), checked against OpenSSL's own HKDF; labels and contexts separate keys, and
 * another device gives other keys (R-TRE-M08).
 */
static void derive_key(void **state)
{
	struct dev d, e;
	char p[400];
	uint8_t root[56], k1[32], k2[32], want[32], info[128];
	uint8_t ctx[TRE_CONTEXT_MAX + 1];
	char label[TRE_LABEL_MAX + 2];

	(void)state;
	dev_setup(&d, 0x13);
	dev_path(&d, p, sizeof(p), NULL, "root");
	assert_int_equal(file_read(p, root, sizeof(root)), sizeof(root));

	memcpy(info, "mcim/tre/store", 14);
	info[14] = 0;
	memcpy(info + 15, d.id, TRE_ID_LEN);
	hkdf_ref(root + 8 + TRE_ID_LEN, info, 15 + TRE_ID_LEN, want);
	assert_int_equal(tre_derive_key(d.be, "mcim/tre/store", d.id, TRE_ID_LEN, k1),
			 MCIM_OK);
	assert_memory_equal(k1, want, 32);

	/* The NUL between label and context keeps ("ab", "c") apart from ("a", "bc"). */
	assert_int_equal(tre_derive_key(d.be, "ab", (const uint8_t *)"c", 1, k1),
			 MCIM_OK);
	assert_int_equal(tre_derive_key(d.be, "a", (const uint8_t *)"bc", 2, k2),
			 MCIM_OK);
	assert_memory_not_equal(k1, k2, 32);
	assert_int_equal(tre_derive_key(d.be, "x", NULL, 0, k1), MCIM_OK);
	hkdf_ref(root + 8 + TRE_ID_LEN, (const uint8_t *)"x", 2, want);
	assert_memory_equal(k1, want, 32);

	/* Bounds. */
	memset(label, 'l', sizeof(label) - 1);
	label[sizeof(label) - 1] = '\0';
	memset(ctx, 7, sizeof(ctx));
	assert_int_equal(tre_derive_key(d.be, label, NULL, 0, k1), MCIM_ERR_INVALID_ARG);
	label[TRE_LABEL_MAX] = '\0';
	assert_int_equal(tre_derive_key(d.be, label, ctx, TRE_CONTEXT_MAX, k1), MCIM_OK);
	assert_int_equal(tre_derive_key(d.be, label, ctx, TRE_CONTEXT_MAX + 1, k1),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(tre_derive_key(d.be, "", NULL, 0, k1), MCIM_ERR_INVALID_ARG);

	/* Same label and context on another device: another key. */
	dev_setup(&e, 0x13);
	assert_int_equal(tre_derive_key(d.be, "mcim/tre/store", d.id, TRE_ID_LEN, k1),
			 MCIM_OK);
	assert_int_equal(tre_derive_key(e.be, "mcim/tre/store", d.id, TRE_ID_LEN, k2),
			 MCIM_OK);
	assert_memory_not_equal(k1, k2, 32);
	dev_teardown(&e);
	dev_teardown(&d);
}

/* Counters only move up and survive a reopen; refusals change nothing. */
static void counters(void **state)
{
	struct dev d;
	uint64_t v;

	(void)state;
	dev_setup(&d, 0x14);
	for (int c = 0; c < TRE_COUNTERS; c++) {
		assert_int_equal(tre_counter_read(d.be, (enum tre_counter)c, &v),
				 MCIM_OK);
		assert_int_equal(v, 0);
	}
	assert_int_equal(tre_counter_advance(d.be, TRE_COUNTER_STORE_RESERVED, 5),
			 MCIM_OK);
	assert_int_equal(tre_counter_advance(d.be, TRE_COUNTER_STORE_RESERVED, 5),
			 MCIM_ERR_ROLLBACK);
	assert_int_equal(tre_counter_advance(d.be, TRE_COUNTER_STORE_RESERVED, 4),
			 MCIM_ERR_ROLLBACK);
	assert_int_equal(tre_counter_advance(d.be, TRE_COUNTER_STORE_COMMITTED, 0),
			 MCIM_ERR_ROLLBACK);
	assert_int_equal(tre_counter_advance(d.be, TRE_COUNTER_STORE_COMMITTED, 3),
			 MCIM_OK);
	dev_reopen(&d);
	assert_int_equal(tre_counter_read(d.be, TRE_COUNTER_STORE_RESERVED, &v), MCIM_OK);
	assert_int_equal(v, 5);
	assert_int_equal(tre_counter_read(d.be, TRE_COUNTER_STORE_COMMITTED, &v),
			 MCIM_OK);
	assert_int_equal(v, 3);
	assert_int_equal(
	    tre_counter_advance(d.be, TRE_COUNTER_STORE_RESERVED, UINT64_MAX), MCIM_OK);
	assert_int_equal(tre_counter_read(d.be, TRE_COUNTER_STORE_RESERVED, &v), MCIM_OK);
	assert_true(v == UINT64_MAX);
	dev_teardown(&d);
}

/*
 * The counter file stands for RPMB: an edited, truncated, missing, oversized or
 * foreign counter file is TAMPERED. A replayed copy of this device's own file is not
 * detectable here (docs/tre-store.md; the store detects it, test_tre_store).
 */
static void counter_file_integrity(void **state)
{
	struct dev d, e;
	char p[400], q[400];
	uint8_t good[64], bad[64], big[100];
	size_t n;
	uint64_t v;

	(void)state;
	dev_setup(&d, 0x15);
	dev_setup(&e, 0x16);
	assert_int_equal(tre_counter_advance(d.be, TRE_COUNTER_STORE_RESERVED, 9),
			 MCIM_OK);
	dev_path(&d, p, sizeof(p), NULL, "counters");
	n = file_read(p, good, sizeof(good));
	assert_int_equal(n, 56);
	for (size_t bit = 0; bit < n * 8; bit++) {
		memcpy(bad, good, n);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		file_write(p, bad, n);
		assert_int_equal(tre_counter_read(d.be, TRE_COUNTER_STORE_RESERVED, &v),
				 MCIM_ERR_TAMPERED);
		assert_int_equal(
		    tre_counter_advance(d.be, TRE_COUNTER_STORE_RESERVED, 100),
		    MCIM_ERR_TAMPERED);
	}
	file_write(p, good, n - 1);
	assert_int_equal(tre_counter_read(d.be, TRE_COUNTER_STORE_COMMITTED, &v),
			 MCIM_ERR_TAMPERED);
	memset(big, 0, sizeof(big));
	file_write(p, big, sizeof(big));
	assert_int_equal(tre_counter_read(d.be, TRE_COUNTER_STORE_COMMITTED, &v),
			 MCIM_ERR_TAMPERED);
	/* Another device's counter file (valid there) does not verify here. */
	dev_path(&e, q, sizeof(q), NULL, "counters");
	memcpy(bad, good, n);
	n = file_read(q, bad, sizeof(bad));
	file_write(p, bad, n);
	assert_int_equal(tre_counter_read(d.be, TRE_COUNTER_STORE_COMMITTED, &v),
			 MCIM_ERR_TAMPERED);
	unlink(p);
	assert_int_equal(tre_counter_read(d.be, TRE_COUNTER_STORE_COMMITTED, &v),
			 MCIM_ERR_TAMPERED);
	/* Restored: readable again, and the value is the one written. */
	file_write(p, good, 56);
	assert_int_equal(tre_counter_read(d.be, TRE_COUNTER_STORE_RESERVED, &v), MCIM_OK);
	assert_int_equal(v, 9);
	dev_teardown(&e);
	dev_teardown(&d);
}

static void blobs(void **state)
{
	struct dev d;
	uint8_t buf[64], data[40];
	size_t len = 99;
	char p[400];
	struct stat sb;
	static const char *const bad_names[] = {
	    "", "a.tmp", "../x", ".", "Store", "a/b", "123456789012345678901234567890123",
	};

	(void)state;
	dev_setup(&d, 0x17);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	assert_int_equal(tre_blob_read(d.be, "blob", buf, sizeof(buf), &len),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(tre_blob_write(d.be, "blob", data, sizeof(data)), MCIM_OK);
	assert_int_equal(tre_blob_read(d.be, "blob", buf, sizeof(buf), &len), MCIM_OK);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(buf, data, sizeof(data));
	dev_path(&d, p, sizeof(p), d.store, "blob");
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* Exactly cap fits; one octet more does not. */
	assert_int_equal(tre_blob_read(d.be, "blob", buf, sizeof(data), &len), MCIM_OK);
	assert_int_equal(tre_blob_read(d.be, "blob", buf, sizeof(data) - 1, &len),
			 MCIM_ERR_TOO_LARGE);
	/* Replace with an empty blob. */
	assert_int_equal(tre_blob_write(d.be, "blob", NULL, 0), MCIM_OK);
	assert_int_equal(tre_blob_read(d.be, "blob", buf, sizeof(buf), &len), MCIM_OK);
	assert_int_equal(len, 0);
	assert_int_equal(tre_blob_write(d.be, "a-b_9", data, 3), MCIM_OK);

	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		assert_int_equal(tre_blob_write(d.be, bad_names[i], data, 1),
				 MCIM_ERR_INVALID_ARG);
		assert_int_equal(
		    tre_blob_read(d.be, bad_names[i], buf, sizeof(buf), &len),
		    MCIM_ERR_INVALID_ARG);
		assert_int_equal(tre_blob_tidy(d.be, bad_names[i]), MCIM_ERR_INVALID_ARG);
	}

	/* A temp file left by a crash is removed by tidy; no temp is fine too. */
	dev_path(&d, p, sizeof(p), d.store, "blob.tmp");
	file_write(p, data, 5);
	assert_int_equal(tre_blob_tidy(d.be, "blob"), MCIM_OK);
	assert_false(file_exists(p));
	assert_int_equal(tre_blob_tidy(d.be, "blob"), MCIM_OK);
	file_write(p, data, 5);
	fault_arm(1, 0, EIO);
	assert_int_equal(tre_blob_tidy(d.be, "blob"), MCIM_ERR_IO);
	fault_disarm();
	dev_teardown(&d);
}

/* Short writes and interrupted calls are carried on, not reported. */
static void short_and_interrupted_io(void **state)
{
	struct dev d;
	uint8_t data[100], buf[128];
	size_t len;
	uint64_t v;

	(void)state;
	dev_setup(&d, 0x18);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	fault.max_write = 7;
	fault.eintr = 3;
	assert_int_equal(tre_blob_write(d.be, "blob", data, sizeof(data)), MCIM_OK);
	assert_int_equal(tre_blob_read(d.be, "blob", buf, sizeof(buf), &len), MCIM_OK);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(buf, data, sizeof(data));
	assert_int_equal(tre_counter_advance(d.be, TRE_COUNTER_STORE_COMMITTED, 2),
			 MCIM_OK);
	assert_int_equal(tre_counter_read(d.be, TRE_COUNTER_STORE_COMMITTED, &v),
			 MCIM_OK);
	assert_int_equal(v, 2);
	assert_int_equal(fault.eintr, 0);
	fault.max_write = 0;
	dev_teardown(&d);
}

static void random_and_id(void **state)
{
	struct dev d;
	uint8_t a[32], b[32];

	(void)state;
	dev_setup(&d, 0x19);
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(tre_random(d.be, a, sizeof(a)), MCIM_OK);
	assert_int_equal(tre_random(d.be, b, sizeof(b)), MCIM_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	rng_broken = 1;
	assert_int_equal(tre_random(d.be, a, sizeof(a)), MCIM_ERR_RANDOM);
	rng_broken = 0;
	dev_teardown(&d);
}

/*
 * Every file operation of a blob write fails in turn, once (EIO, ENOSPC) and from
 * there on (a dead disk): the call reports it (ENOSPC as FULL) and the blob holds
 * exactly the old or the new content. Some failures leave the new content in place
 * (after the rename); a failed close of a read-only directory is not an error.
 */
static void blob_write_faults(void **state)
{
	static const int errs[] = {EIO, ENOSPC};
	struct dev d;
	uint8_t old[50], new[70], buf[128];
	size_t len;
	unsigned long n;
	int saw_old = 0, saw_new = 0;

	(void)state;
	dev_setup(&d, 0x1a);
	memset(old, 0xaa, sizeof(old));
	memset(new, 0xbb, sizeof(new));
	fault.calls = 0;
	assert_int_equal(tre_blob_write(d.be, "blob", old, sizeof(old)), MCIM_OK);
	n = fault.calls;
	assert_true(n >= 8); /* open write fsync close rename open fsync close */
	for (int sticky = 0; sticky <= 1; sticky++) {
		for (size_t e = 0; e < 2; e++) {
			for (unsigned long k = 1; k <= n; k++) {
				mcim_err err;

				assert_int_equal(
				    tre_blob_write(d.be, "blob", old, sizeof(old)),
				    MCIM_OK);
				fault_arm(k, sticky, errs[e]);
				err = tre_blob_write(d.be, "blob", new, sizeof(new));
				fault_disarm();
				assert_true(fault.failed >= 1);
				if (err != MCIM_OK)
					assert_int_equal(err, errs[e] == ENOSPC
								  ? MCIM_ERR_FULL
								  : MCIM_ERR_IO);
				assert_int_equal(tre_blob_tidy(d.be, "blob"), MCIM_OK);
				assert_int_equal(
				    tre_blob_read(d.be, "blob", buf, sizeof(buf), &len),
				    MCIM_OK);
				if (len == sizeof(old)) {
					assert_memory_equal(buf, old, sizeof(old));
					assert_int_not_equal(err, MCIM_OK);
					saw_old = 1;
				} else {
					assert_int_equal(len, sizeof(new));
					assert_memory_equal(buf, new, sizeof(new));
					saw_new = 1;
				}
			}
		}
	}
	assert_true(saw_old && saw_new);
	dev_teardown(&d);
}

/* The same for a counter update: the value is the old or the new one, never lost. */
static void counter_faults(void **state)
{
	struct dev d;
	unsigned long n;
	uint64_t v, want = 1;

	(void)state;
	dev_setup(&d, 0x1b);
	fault.calls = 0;
	assert_int_equal(tre_counter_advance(d.be, TRE_COUNTER_STORE_RESERVED, want),
			 MCIM_OK);
	n = fault.calls;
	for (int sticky = 0; sticky <= 1; sticky++) {
		for (unsigned long k = 1; k <= n; k++) {
			mcim_err err;

			fault_arm(k, sticky, EIO);
			err = tre_counter_advance(d.be, TRE_COUNTER_STORE_RESERVED,
						  want + 1);
			fault_disarm();
			assert_true(err == MCIM_OK || err == MCIM_ERR_IO);
			dev_reopen(&d);
			assert_int_equal(
			    tre_counter_read(d.be, TRE_COUNTER_STORE_RESERVED, &v),
			    MCIM_OK);
			assert_true(v == want || v == want + 1);
			if (err == MCIM_OK)
				assert_true(v == want + 1);
			want = v;
		}
	}
	dev_teardown(&d);
}

/*
 * Manufacture cut at every file operation: either it reports the failure and can be
 * run again, or the device is complete (root key written last) and opens with its
 * counters at 0.
 */
static void manufacture_faults(void **state)
{
	struct dev d;
	char hw[300], p[400];
	unsigned long n;
	struct tre_soft s;
	uint64_t v;

	(void)state;
	dev_setup(&d, 0x1c);
	snprintf(hw, sizeof(hw), "%s/hw2", d.base);
	fault.calls = 0;
	assert_int_equal(tre_soft_manufacture(hw, d.id, NULL, &tre_fault_io), MCIM_OK);
	n = fault.calls;
	for (int sticky = 0; sticky <= 1; sticky++) {
		for (unsigned long k = 1; k <= n; k++) {
			mcim_err err;

			rm_tree(hw);
			fault_arm(k, sticky, EIO);
			err = tre_soft_manufacture(hw, d.id, NULL, &tre_fault_io);
			fault_disarm();
			if (err != MCIM_OK) {
				err = tre_soft_manufacture(hw, d.id, NULL, NULL);
				assert_true(err == MCIM_OK || err == MCIM_ERR_EXISTS);
			}
			snprintf(p, sizeof(p), "%s/root.tmp", hw);
			assert_false(file_exists(p));
			assert_int_equal(tre_soft_open(&s, hw, d.store, NULL, NULL),
					 MCIM_OK);
			assert_int_equal(
			    tre_counter_read(&s.base, TRE_COUNTER_STORE_COMMITTED, &v),
			    MCIM_OK);
			assert_int_equal(v, 0);
			tre_backend_close(&s.base);
		}
	}
	dev_teardown(&d);
}

/* A counter temp file left by a crash is removed at open; a read error is reported. */
static void leftovers_and_read_errors(void **state)
{
	struct dev d;
	char p[400];
	uint8_t junk[10] = {0};
	uint8_t buf[16];
	size_t len;
	uint64_t v;

	(void)state;
	dev_setup(&d, 0x1d);
	dev_path(&d, p, sizeof(p), NULL, "counters.tmp");
	file_write(p, junk, sizeof(junk));
	dev_reopen(&d);
	assert_false(file_exists(p));
	assert_int_equal(tre_blob_write(d.be, "blob", junk, sizeof(junk)), MCIM_OK);
	fault_arm(2, 0, EIO); /* open succeeds, the read fails */
	assert_int_equal(tre_blob_read(d.be, "blob", buf, sizeof(buf), &len),
			 MCIM_ERR_IO);
	fault_arm(2, 0, EIO);
	assert_int_equal(tre_counter_read(d.be, TRE_COUNTER_STORE_COMMITTED, &v),
			 MCIM_ERR_IO);
	fault_arm(1, 0, EACCES);
	assert_int_equal(tre_blob_read(d.be, "blob", buf, sizeof(buf), &len),
			 MCIM_ERR_IO);
	fault_disarm();
	dev_teardown(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(manufacture_files),
	    cmocka_unit_test(open_errors),
	    cmocka_unit_test(derive_key),
	    cmocka_unit_test(counters),
	    cmocka_unit_test(counter_file_integrity),
	    cmocka_unit_test(blobs),
	    cmocka_unit_test(short_and_interrupted_io),
	    cmocka_unit_test(random_and_id),
	    cmocka_unit_test(blob_write_faults),
	    cmocka_unit_test(counter_faults),
	    cmocka_unit_test(manufacture_faults),
	    cmocka_unit_test(leftovers_and_read_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
