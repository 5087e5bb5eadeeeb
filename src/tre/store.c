/*
 * The sealed store: one file holding every TRE object, encrypted and authenticated
 * with AES-256-GCM under a key the backend derives from the device root key and the
 * TRE id, changed only by whole-image transactions. Freshness comes from two backend
 * counters: "reserved" moves before an image is sealed, so no generation number is
 * ever sealed twice, and "committed" moves once that image is durable, so older images
 * are refused. docs/tre-store.md has the byte layout and the crash analysis.
 *
 * Objects are kept encoded and sorted by key in a fixed buffer (the plaintext image),
 * so a transaction is a copy of that buffer edited in place, and a commit seals it as
 * it is. No allocation.
 */
#include "tre/store.h"

#include <string.h>

#include "core/check.h"
#include "core/endian.h"
#include "mcim/bytes.h"

#define STORE_MAGIC	"MCIMSTOR"
#define STORE_VERSION	1
#define STORE_KEY_LABEL "mcim/tre/store"
#define OFF_VERSION	8
#define OFF_TRE_ID	10
#define OFF_GEN		(OFF_TRE_ID + TRE_ID_LEN)
#define OFF_NONCE	(OFF_GEN + 8)
#define OFF_LEN		(OFF_NONCE + MCIM_AEAD_NONCE_LEN)
#define OFF_CHECK	(OFF_LEN + 4)
#define CHECK_LEN	16
#define ENTRY_OVERHEAD	3 /* key length (1), value length (2) */

_Static_assert(OFF_CHECK + CHECK_LEN == TRE_STORE_HEADER_LEN, "header layout");
_Static_assert(TRE_STORE_KEY_MAX <= 255 && TRE_STORE_VALUE_MAX <= 65535,
	       "lengths fit their fields");

static void store_be32(uint8_t b[4], uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static uint32_t load_be32(const uint8_t b[4])
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int key_cmp(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	int c = memcmp(a, b, a_len < b_len ? a_len : b_len);

	if (c != 0)
		return c;
	return (a_len > b_len) - (a_len < b_len);
}

/* Well-formed: entries within bounds, ending exactly at len, keys strictly ascending. */
static int image_valid(const uint8_t *img, size_t len)
{
	const uint8_t *prev = NULL;
	size_t prev_len = 0, off = 0;

	while (off < len) {
		size_t key_len = img[off], value_len;

		if (key_len == 0 || key_len > TRE_STORE_KEY_MAX ||
		    len - off < ENTRY_OVERHEAD + key_len)
			return 0;
		value_len = mcim_load_be16(img + off + 1 + key_len);
		if (value_len > TRE_STORE_VALUE_MAX ||
		    len - off - ENTRY_OVERHEAD - key_len < value_len)
			return 0;
		if (prev != NULL && key_cmp(prev, prev_len, img + off + 1, key_len) >= 0)
			return 0;
		prev = img + off + 1;
		prev_len = key_len;
		off += ENTRY_OVERHEAD + key_len + value_len;
	}
	return 1;
}

/*
 * In a valid image: 1 and the entry's offset and length when key is there, else 0
 * and the offset where it would be inserted.
 */
static int image_find(const uint8_t *img, size_t len, const uint8_t *key, size_t key_len,
		      size_t *pos, size_t *entry_len)
{
	size_t off = 0;

	while (off < len) {
		size_t klen = img[off];
		size_t elen =
		    ENTRY_OVERHEAD + klen + mcim_load_be16(img + off + 1 + klen);
		int c = key_cmp(img + off + 1, klen, key, key_len);

		if (c == 0) {
			*pos = off;
			*entry_len = elen;
			return 1;
		}
		if (c > 0)
			break;
		off += elen;
	}
	*pos = off;
	*entry_len = 0;
	return 0;
}

/* The header check tells a damaged header from an intact one of another device. */
static mcim_err header_check(const uint8_t *h, uint8_t out[CHECK_LEN])
{
	uint8_t digest[MCIM_SHA256_LEN];
	mcim_err err = mcim_sha256(h, OFF_CHECK, digest);

	if (err == MCIM_OK)
		memcpy(out, digest, CHECK_LEN);
	return err;
}

static mcim_err store_key(struct tre_backend *be, const uint8_t id[TRE_ID_LEN],
			  uint8_t key[TRE_KEY_LEN])
{
	return tre_derive_key(be, STORE_KEY_LABEL, id, TRE_ID_LEN, key);
}

/* Seals work as generation gen into st->file. */
static mcim_err seal(struct tre_store *st, uint64_t gen, size_t *file_len)
{
	uint8_t *h = st->file;
	uint8_t key[TRE_KEY_LEN];
	mcim_err err;

	memcpy(h, STORE_MAGIC, OFF_VERSION);
	mcim_store_be16(h + OFF_VERSION, STORE_VERSION);
	tre_backend_id(st->be, h + OFF_TRE_ID);
	mcim_store_be64(h + OFF_GEN, gen);
	/* Random nonces: unique without trusting the counters (docs/tre-store.md). */
	err = tre_random(st->be, h + OFF_NONCE, MCIM_AEAD_NONCE_LEN);
	if (err != MCIM_OK)
		return err;
	store_be32(h + OFF_LEN, (uint32_t)st->work_len);
	err = header_check(h, h + OFF_CHECK);
	if (err != MCIM_OK)
		return err;
	err = store_key(st->be, h + OFF_TRE_ID, key);
	if (err == MCIM_OK)
		err = mcim_aead_seal(key, h + OFF_NONCE, h, TRE_STORE_HEADER_LEN,
				     st->work, st->work_len, h + TRE_STORE_HEADER_LEN);
	mcim_wipe(key, sizeof(key));
	*file_len = TRE_STORE_HEADER_LEN + st->work_len + MCIM_AEAD_TAG_LEN;
	return err;
}

/* Checks and decrypts st->file (file_len octets) into st->image. */
static mcim_err unseal(struct tre_store *st, size_t file_len, uint64_t *gen)
{
	const uint8_t *h = st->file;
	uint8_t id[TRE_ID_LEN], check[CHECK_LEN], key[TRE_KEY_LEN];
	size_t img_len;
	mcim_err err;

	if (file_len < TRE_STORE_HEADER_LEN + MCIM_AEAD_TAG_LEN ||
	    memcmp(h, STORE_MAGIC, OFF_VERSION) != 0 ||
	    mcim_load_be16(h + OFF_VERSION) != STORE_VERSION)
		return MCIM_ERR_TAMPERED;
	err = header_check(h, check);
	if (err != MCIM_OK)
		return err;
	if (!mcim_ct_equal(check, h + OFF_CHECK, CHECK_LEN))
		return MCIM_ERR_TAMPERED;
	img_len = load_be32(h + OFF_LEN);
	if (img_len > TRE_STORE_IMAGE_MAX ||
	    file_len != TRE_STORE_HEADER_LEN + img_len + MCIM_AEAD_TAG_LEN)
		return MCIM_ERR_TAMPERED;
	/* An intact header naming another TRE: a store copied from another device. */
	tre_backend_id(st->be, id);
	if (memcmp(id, h + OFF_TRE_ID, TRE_ID_LEN) != 0)
		return MCIM_ERR_FOREIGN_STORE;

	err = store_key(st->be, id, key);
	if (err == MCIM_OK)
		err = mcim_aead_open(key, h + OFF_NONCE, h, TRE_STORE_HEADER_LEN,
				     h + TRE_STORE_HEADER_LEN,
				     img_len + MCIM_AEAD_TAG_LEN, st->image);
	mcim_wipe(key, sizeof(key));
	if (err == MCIM_ERR_DECRYPT)
		return MCIM_ERR_TAMPERED;
	if (err != MCIM_OK)
		return err;
	/* Authentic but malformed: only a key compromise or a bug writes that. */
	if (!image_valid(st->image, img_len)) {
		mcim_wipe(st->image, img_len);
		return MCIM_ERR_TAMPERED;
	}
	st->image_len = img_len;
	*gen = mcim_load_be64(h + OFF_GEN);
	return MCIM_OK;
}

static mcim_err read_counters(struct tre_backend *be, uint64_t *committed,
			      uint64_t *reserved)
{
	mcim_err err = tre_counter_read(be, TRE_COUNTER_STORE_COMMITTED, committed);

	if (err == MCIM_OK)
		err = tre_counter_read(be, TRE_COUNTER_STORE_RESERVED, reserved);
	if (err == MCIM_OK && *committed > *reserved)
		err = MCIM_ERR_TAMPERED;
	return err;
}

/*
 * Writes st->work as a new generation after `reserved`: reserve, seal, write,
 * confirm. *landing is set once the image may have reached the disk, after which a
 * failure leaves the outcome to the next open.
 */
static mcim_err write_generation(struct tre_store *st, uint64_t reserved, uint64_t *gen,
				 int *landing)
{
	uint64_t g;
	size_t file_len = 0;
	mcim_err err;

	*landing = 0;
	if (reserved == UINT64_MAX)
		return MCIM_ERR_FULL;
	g = reserved + 1;
	err = tre_counter_advance(st->be, TRE_COUNTER_STORE_RESERVED, g);
	if (err == MCIM_OK)
		err = seal(st, g, &file_len);
	if (err != MCIM_OK)
		return err;
	*landing = 1;
	err = tre_blob_write(st->be, TRE_STORE_BLOB, st->file, file_len);
	if (err == MCIM_OK)
		err = tre_counter_advance(st->be, TRE_COUNTER_STORE_COMMITTED, g);
	if (err == MCIM_OK)
		*gen = g;
	return err;
}

/* Leaves the committed state in place; plaintext of the transaction is wiped. */
static void drop_work(struct tre_store *st)
{
	mcim_wipe(st->work, st->work_len);
	st->work_len = 0;
}

static void make_broken(struct tre_store *st)
{
	drop_work(st);
	mcim_wipe(st->image, st->image_len);
	st->image_len = 0;
	st->state = TRE_STORE_BROKEN;
}

mcim_err tre_store_create(struct tre_store *st, struct tre_backend *be)
{
	uint64_t committed = 0, reserved = 0, gen = 0;
	size_t len;
	int landing;
	mcim_err err;

	MCIM_ASSERT(st != NULL && be != NULL);
	mcim_wipe(st, sizeof(*st));
	st->be = be;
	(void)tre_blob_tidy(be, TRE_STORE_BLOB);
	err = tre_blob_read(be, TRE_STORE_BLOB, st->file, sizeof(st->file), &len);
	if (err == MCIM_OK || err == MCIM_ERR_TOO_LARGE)
		err = MCIM_ERR_EXISTS;
	else if (err == MCIM_ERR_NOT_FOUND)
		err = read_counters(be, &committed, &reserved);
	if (err == MCIM_OK)
		err = write_generation(st, reserved, &gen, &landing);
	if (err != MCIM_OK) {
		tre_store_close(st);
		return err;
	}
	st->generation = gen;
	st->state = TRE_STORE_OPEN;
	return MCIM_OK;
}

/*
 * Which image the counters allow: the committed one; or the one a commit cut short
 * after its write (generation == reserved), which is finished here: written again so
 * that it is durable before the counter makes the previous one invalid.
 */
static mcim_err check_freshness(struct tre_store *st, uint64_t gen, size_t file_len)
{
	uint64_t committed, reserved;
	mcim_err err = read_counters(st->be, &committed, &reserved);

	if (err != MCIM_OK)
		return err;
	if (gen == committed)
		return MCIM_OK;
	if (gen < committed)
		return MCIM_ERR_ROLLBACK;
	/* Above committed but not the last reservation: an image of an abandoned
	 * attempt, or counters rolled back under the store. */
	if (gen != reserved)
		return MCIM_ERR_TAMPERED;
	err = tre_blob_write(st->be, TRE_STORE_BLOB, st->file, file_len);
	if (err == MCIM_OK)
		err = tre_counter_advance(st->be, TRE_COUNTER_STORE_COMMITTED, gen);
	return err;
}

mcim_err tre_store_open(struct tre_store *st, struct tre_backend *be)
{
	uint64_t committed, reserved, gen = 0;
	size_t len = 0;
	mcim_err err;

	MCIM_ASSERT(st != NULL && be != NULL);
	mcim_wipe(st, sizeof(*st));
	st->be = be;
	/* A temp file of an interrupted write is never read; failing to remove it
	 * must not keep the TRE from opening. */
	(void)tre_blob_tidy(be, TRE_STORE_BLOB);
	err = tre_blob_read(be, TRE_STORE_BLOB, st->file, sizeof(st->file), &len);
	if (err == MCIM_ERR_NOT_FOUND) {
		/* Never committed, or deleted after a commit. */
		err = read_counters(be, &committed, &reserved);
		if (err == MCIM_OK)
			err = committed == 0 ? MCIM_ERR_NOT_FOUND : MCIM_ERR_TAMPERED;
	} else if (err == MCIM_ERR_TOO_LARGE) {
		err = MCIM_ERR_TAMPERED;
	}
	if (err == MCIM_OK)
		err = unseal(st, len, &gen);
	if (err == MCIM_OK)
		err = check_freshness(st, gen, len);
	if (err != MCIM_OK) {
		tre_store_close(st);
		return err;
	}
	st->generation = gen;
	st->state = TRE_STORE_OPEN;
	return MCIM_OK;
}

void tre_store_close(struct tre_store *st)
{
	MCIM_ASSERT(st != NULL);
	mcim_wipe(st, sizeof(*st));
}

uint64_t tre_store_generation(const struct tre_store *st)
{
	MCIM_ASSERT(st != NULL);
	return st->generation;
}

/* The objects a reader sees, or NULL when the store cannot be read. */
static const uint8_t *view(const struct tre_store *st, size_t *len)
{
	if (st->state == TRE_STORE_TX) {
		*len = st->work_len;
		return st->work;
	}
	if (st->state == TRE_STORE_OPEN) {
		*len = st->image_len;
		return st->image;
	}
	return NULL;
}

mcim_err tre_store_get(const struct tre_store *st, const void *key, size_t key_len,
		       uint8_t *out, size_t cap, size_t *out_len)
{
	const uint8_t *img;
	size_t img_len = 0, pos, elen, vlen;

	MCIM_ASSERT(st != NULL && key != NULL && out_len != NULL &&
		    (out != NULL || cap == 0));
	img = view(st, &img_len);
	if (img == NULL)
		return MCIM_ERR_STATE;
	if (key_len == 0 || key_len > TRE_STORE_KEY_MAX)
		return MCIM_ERR_INVALID_ARG;
	if (!image_find(img, img_len, key, key_len, &pos, &elen))
		return MCIM_ERR_NOT_FOUND;
	vlen = elen - ENTRY_OVERHEAD - key_len;
	*out_len = vlen;
	if (vlen > cap)
		return MCIM_ERR_BUFFER_TOO_SMALL;
	if (vlen > 0)
		memcpy(out, img + pos + ENTRY_OVERHEAD + key_len, vlen);
	return MCIM_OK;
}

mcim_err tre_store_key_at(const struct tre_store *st, size_t index, uint8_t *key,
			  size_t cap, size_t *key_len)
{
	const uint8_t *img;
	size_t img_len = 0, off = 0;

	MCIM_ASSERT(st != NULL && key_len != NULL && (key != NULL || cap == 0));
	img = view(st, &img_len);
	if (img == NULL)
		return MCIM_ERR_STATE;
	while (off < img_len) {
		size_t klen = img[off];

		if (index == 0) {
			*key_len = klen;
			if (klen > cap)
				return MCIM_ERR_BUFFER_TOO_SMALL;
			memcpy(key, img + off + 1, klen);
			return MCIM_OK;
		}
		index--;
		off += ENTRY_OVERHEAD + klen + mcim_load_be16(img + off + 1 + klen);
	}
	return MCIM_ERR_NOT_FOUND;
}

mcim_err tre_store_begin(struct tre_store *st)
{
	MCIM_ASSERT(st != NULL);
	if (st->state != TRE_STORE_OPEN)
		return MCIM_ERR_STATE;
	memcpy(st->work, st->image, st->image_len);
	st->work_len = st->image_len;
	st->state = TRE_STORE_TX;
	return MCIM_OK;
}

mcim_err tre_store_put(struct tre_store *st, const void *key, size_t key_len,
		       const void *value, size_t value_len)
{
	size_t pos, old_len, new_len, tail;
	uint8_t *e;

	MCIM_ASSERT(st != NULL && key != NULL && (value != NULL || value_len == 0));
	if (st->state != TRE_STORE_TX)
		return MCIM_ERR_STATE;
	if (key_len == 0 || key_len > TRE_STORE_KEY_MAX)
		return MCIM_ERR_INVALID_ARG;
	if (value_len > TRE_STORE_VALUE_MAX)
		return MCIM_ERR_TOO_LARGE;
	(void)image_find(st->work, st->work_len, key, key_len, &pos, &old_len);
	new_len = ENTRY_OVERHEAD + key_len + value_len;
	if (st->work_len - old_len + new_len > TRE_STORE_IMAGE_MAX)
		return MCIM_ERR_FULL;
	tail = st->work_len - pos - old_len;
	memmove(st->work + pos + new_len, st->work + pos + old_len, tail);
	e = st->work + pos;
	e[0] = (uint8_t)key_len;
	memcpy(e + 1, key, key_len);
	mcim_store_be16(e + 1 + key_len, (uint16_t)value_len);
	if (value_len > 0)
		memcpy(e + ENTRY_OVERHEAD + key_len, value, value_len);
	if (new_len < old_len)
		mcim_wipe(st->work + st->work_len - (old_len - new_len),
			  old_len - new_len);
	st->work_len = st->work_len - old_len + new_len;
	return MCIM_OK;
}

mcim_err tre_store_delete(struct tre_store *st, const void *key, size_t key_len)
{
	size_t pos, elen;

	MCIM_ASSERT(st != NULL && key != NULL);
	if (st->state != TRE_STORE_TX)
		return MCIM_ERR_STATE;
	if (key_len == 0 || key_len > TRE_STORE_KEY_MAX)
		return MCIM_ERR_INVALID_ARG;
	if (!image_find(st->work, st->work_len, key, key_len, &pos, &elen))
		return MCIM_ERR_NOT_FOUND;
	memmove(st->work + pos, st->work + pos + elen, st->work_len - pos - elen);
	mcim_wipe(st->work + st->work_len - elen, elen);
	st->work_len -= elen;
	return MCIM_OK;
}

mcim_err tre_store_commit(struct tre_store *st)
{
	uint64_t committed, reserved, gen = 0;
	int landing = 0;
	mcim_err err;

	MCIM_ASSERT(st != NULL);
	if (st->state != TRE_STORE_TX)
		return MCIM_ERR_STATE;
	err = read_counters(st->be, &committed, &reserved);
	/* A counter that moved under this handle: its view is not the store any more. */
	if (err == MCIM_OK && committed != st->generation)
		err = MCIM_ERR_TAMPERED;
	if (err == MCIM_OK)
		err = write_generation(st, reserved, &gen, &landing);
	if (err != MCIM_OK) {
		/* Tampering: reopen to learn what the store holds. */
		if (landing || err == MCIM_ERR_TAMPERED) {
			make_broken(st);
		} else {
			drop_work(st);
			st->state = TRE_STORE_OPEN;
		}
		return err;
	}
	memcpy(st->image, st->work, st->work_len);
	if (st->work_len < st->image_len)
		mcim_wipe(st->image + st->work_len, st->image_len - st->work_len);
	st->image_len = st->work_len;
	drop_work(st);
	st->generation = gen;
	st->state = TRE_STORE_OPEN;
	return MCIM_OK;
}

void tre_store_abort(struct tre_store *st)
{
	MCIM_ASSERT(st != NULL);
	if (st->state != TRE_STORE_TX)
		return;
	drop_work(st);
	st->state = TRE_STORE_OPEN;
}
