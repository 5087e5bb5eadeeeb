/*
 * tre/backend.h: what the TRE needs from hardware, behind one table of operations.
 *
 * Everything above this interface (sealed store, MCIM registry, policy, audit) is
 * written once; a backend supplies the few things only hardware can give:
 *
 *   derive_key       a 32-octet key from the device root key, for a label and a
 *                    context. The root key never leaves the backend.
 *   counter_read     the value of a monotonic counter;
 *   counter_advance  moves it to a higher value; a value lower than or equal to the
 *                    current one is refused (MCIM_ERR_ROLLBACK).
 *   blob_read        named octet strings in the store's directory (normal flash);
 *   blob_write       replaces a blob atomically: after a crash at any point the blob
 *                    holds either its old or its new content, never a mix, and once
 *                    the call returns MCIM_OK the new content is durable;
 *   blob_tidy        removes what an interrupted blob_write left behind;
 *   random           unpredictable octets from the device's generator;
 *   tre_id           the TRE identity fixed at manufacture;
 *   close            wipes what the backend holds in memory.
 *
 * How each backend provides them:
 *
 * | op               | soft (src/tre/soft)       | tpm2 (tpm2-tss) |
 * |------------------|---------------------------|---------------------------------------|
 * | derive_key       | HKDF-SHA-256 with the root| TPM2_HMAC with a keyed-hash object |
 * |                  | key from a file in the hw | created in the TPM at manufacture | |
 * | directory ("fuses")       | (fixedTPM, never exportable), loaded  | | | | from a
 * persistent handle; its policy  | |                  |                           |
 * (PolicyAuthorize over the boot PCRs)  | |                  | | makes it fail in a bad
 * boot state     | | counter_*        | a MACed counter file in   | one NV index of type
 * TPM_NT_COUNTER   | |                  | the hw directory ("RPMB") | per counter:
 * TPM2_NV_Read, and        | |                  |                           |
 * TPM2_NV_Increment until the value is  | |                  | | reached; values are
 * reported relative | |                  |                           | to the value read
 * at manufacture      | |                  |                           | (kept in a
 * write-locked NV index),    | |                  |                           | because a
 * new NV counter starts at    | |                  |                           | the
 * highest value the TPM has seen    | | blob_*           | files in the store dir    |
 * the same files: a TPM has a few kB of | |                  | | NV, the store lives in
 * normal flash   | | random           | the mcim_rng given        | TPM2_GetRandom | |
 * tre_id           | the root key file         | an NV index written and write-locked  |
 * |                  |                           | at manufacture |
 *
 * The `uicc` backend (src/tre/uicc, docs/uicc.md) keeps the root key and the counters
 * in the card (its transactions make each update atomic) and draws random octets from
 * it; the blobs stay in the M2ME's flash, as with soft: a sealed store rewritten at
 * every commit would cost a hundred APDUs and wear the card, and the blob is bound to
 * the card already by the derived key and the counters.
 *
 * Every counter starts at 0 at manufacture and only moves up. Errors: MCIM_ERR_IO and
 * MCIM_ERR_FULL (storage), MCIM_ERR_TAMPERED (the backend's own state fails its
 * integrity check), MCIM_ERR_BAD_BOOT (a backend that binds its keys to the boot
 * state refuses them), MCIM_ERR_RANDOM, MCIM_ERR_CRYPTO.
 *
 * Conventions: a backend is a structure whose first member is struct tre_backend,
 * owned by the caller (no allocation); the tre_* wrappers below call through the
 * table. NULL pointers are caller bugs (asserted) except where a length of 0 allows
 * them. A backend is used by one thread at a time.
 */
#ifndef MCIM_TRE_BACKEND_H
#define MCIM_TRE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"

#define TRE_KEY_LEN	  32 /* derived keys */
#define TRE_ID_LEN	  16 /* TRE identity, assigned by the equipment supplier */
#define TRE_LABEL_MAX	  48 /* derive_key label, characters without the NUL */
#define TRE_CONTEXT_MAX	  64 /* derive_key context, octets */
#define TRE_BLOB_NAME_MAX 32 /* blob names: 1..32 of [a-z0-9_-] */
#define TRE_COUNTERS	  2  /* monotonic counters a backend provides */

/* The counters, by use. The sealed store needs two (see docs/tre-store.md). */
enum tre_counter {
	TRE_COUNTER_STORE_RESERVED = 0, /* advanced before a store image is written */
	TRE_COUNTER_STORE_COMMITTED = 1 /* advanced once that image is durable */
};

struct tre_backend;

struct tre_backend_ops {
	const char *name; /* "soft", "tpm2", "uicc": goes into the TRE certificate */

	/* out = KDF(root key, label, context); label is 1..TRE_LABEL_MAX characters and
	 * context 0..TRE_CONTEXT_MAX octets, else MCIM_ERR_INVALID_ARG. Distinct
	 * (label, context) pairs give independent keys. */
	mcim_err (*derive_key)(struct tre_backend *be, const char *label,
			       const uint8_t *ctx, size_t ctx_len,
			       uint8_t out[TRE_KEY_LEN]);

	mcim_err (*counter_read)(struct tre_backend *be, enum tre_counter ctr,
				 uint64_t *value);
	/* Sets the counter to value (> current, else MCIM_ERR_ROLLBACK and no change);
	 * durable when MCIM_OK is returned. */
	mcim_err (*counter_advance)(struct tre_backend *be, enum tre_counter ctr,
				    uint64_t value);

	/* Reads blob name into buf: MCIM_ERR_NOT_FOUND when it does not exist,
	 * MCIM_ERR_TOO_LARGE when it holds more than cap octets. */
	mcim_err (*blob_read)(struct tre_backend *be, const char *name, uint8_t *buf,
			      size_t cap, size_t *len);
	mcim_err (*blob_write)(struct tre_backend *be, const char *name,
			       const uint8_t *data, size_t len);
	mcim_err (*blob_tidy)(struct tre_backend *be, const char *name);

	mcim_err (*random)(struct tre_backend *be, uint8_t *buf, size_t len);
	void (*tre_id)(struct tre_backend *be, uint8_t out[TRE_ID_LEN]);
	void (*close)(struct tre_backend *be);
};

struct tre_backend {
	const struct tre_backend_ops *ops;
};

static inline mcim_err tre_derive_key(struct tre_backend *be, const char *label,
				      const uint8_t *ctx, size_t ctx_len,
				      uint8_t out[TRE_KEY_LEN])
{
	return be->ops->derive_key(be, label, ctx, ctx_len, out);
}

static inline mcim_err tre_counter_read(struct tre_backend *be, enum tre_counter ctr,
					uint64_t *value)
{
	return be->ops->counter_read(be, ctr, value);
}

static inline mcim_err tre_counter_advance(struct tre_backend *be, enum tre_counter ctr,
					   uint64_t value)
{
	return be->ops->counter_advance(be, ctr, value);
}

static inline mcim_err tre_blob_read(struct tre_backend *be, const char *name,
				     uint8_t *buf, size_t cap, size_t *len)
{
	return be->ops->blob_read(be, name, buf, cap, len);
}

static inline mcim_err tre_blob_write(struct tre_backend *be, const char *name,
				      const uint8_t *data, size_t len)
{
	return be->ops->blob_write(be, name, data, len);
}

static inline mcim_err tre_blob_tidy(struct tre_backend *be, const char *name)
{
	return be->ops->blob_tidy(be, name);
}

static inline mcim_err tre_random(struct tre_backend *be, uint8_t *buf, size_t len)
{
	return be->ops->random(be, buf, len);
}

static inline void tre_backend_id(struct tre_backend *be, uint8_t out[TRE_ID_LEN])
{
	be->ops->tre_id(be, out);
}

static inline void tre_backend_close(struct tre_backend *be)
{
	be->ops->close(be);
}

#endif
