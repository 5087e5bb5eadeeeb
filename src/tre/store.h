/*
 * tre/store.h: the TRE's sealed store, a small key-value store of TRE objects (MCIMs,
 * SQN state, policy, registry) that everything else in the TRE keeps its state in.
 *
 * - Objects: a key of 1..TRE_STORE_KEY_MAX octets, a value of 0..TRE_STORE_VALUE_MAX
 *   octets; all objects together encode to at most TRE_STORE_IMAGE_MAX octets.
 * - Changes only through transactions: begin, put/delete any number of objects,
 *   commit. The commit is all-or-nothing across crashes: after a crash at any point
 *   the store reopens in the state before or the state after, never a mix.
 * - Sealed to this device: one file (blob TRE_STORE_BLOB) encrypted and authenticated
 *   with AES-256-GCM under a key the backend derives from the device root key with
 *   the TRE id as context; a header in clear (authenticated) names the TRE id and the
 *   generation.
 * - Rollback-protected with two backend counters; a commit reports MCIM_OK only once
 *   the new state is durable and the counter that makes older states invalid has
 *   moved.
 * Integrity failures have their own errors so that the TRE can raise a tamper event:
 *   MCIM_ERR_FOREIGN_STORE  an intact store of another TRE id;
 *   MCIM_ERR_TAMPERED       anything that does not authenticate under this device's
 *                           key, a malformed file, a store deleted after a commit,
 *                           counters inconsistent with the store;
 *   MCIM_ERR_ROLLBACK       an authentic but older state than the counter allows.
 * docs/tre-store.md gives the format, the commit protocol and the threats.
 *
 * Memory: struct tre_store holds the plaintext image, a working copy for the open
 * transaction and the sealed file (about 96 KiB); the caller owns it (static storage
 * on a device), no allocation. Plaintext is wiped by abort, commit and close and on
 * every error path. One thread at a time; one struct tre_store per store.
 * NULL is a caller bug (asserted) except for a value pointer with length 0.
 *
 * States: closed -> (open|create) -> open <-> (begin .. commit|abort) -> close.
 * A commit that fails after the new image started to reach the disk leaves the
 * outcome to the next open: the store then refuses everything (MCIM_ERR_STATE) until
 * tre_store_open() is called again, which finds the state before or after.
 */
#ifndef MCIM_TRE_STORE_H
#define MCIM_TRE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/crypto.h"
#include "mcim/err.h"
#include "tre/backend.h"

#define TRE_STORE_KEY_MAX    48
#define TRE_STORE_VALUE_MAX  4096
#define TRE_STORE_IMAGE_MAX  32768 /* encoded objects: 3 + key + value octets each */
#define TRE_STORE_HEADER_LEN 66
#define TRE_STORE_FILE_MAX                                                               \
	(TRE_STORE_HEADER_LEN + TRE_STORE_IMAGE_MAX + MCIM_AEAD_TAG_LEN)
#define TRE_STORE_BLOB "store"

enum tre_store_state {
	TRE_STORE_CLOSED = 0,
	TRE_STORE_OPEN,
	TRE_STORE_TX,	  /* a transaction is open */
	TRE_STORE_BROKEN, /* a commit's outcome is unknown: reopen */
};

struct tre_store {
	struct tre_backend *be;
	enum tre_store_state state;
	uint64_t generation; /* of the committed image */
	size_t image_len, work_len;
	uint8_t image[TRE_STORE_IMAGE_MAX]; /* committed objects, plaintext: secret */
	uint8_t work[TRE_STORE_IMAGE_MAX];  /* the open transaction's objects: secret */
	uint8_t file[TRE_STORE_FILE_MAX];   /* the sealed file being read or written */
};

/*
 * Creates an empty store on be, where none exists (MCIM_ERR_EXISTS when the blob is
 * there, whatever it holds), and leaves st open on it. Also the way back after the
 * store was found deleted (MCIM_ERR_TAMPERED from open), if the TRE's policy wipes.
 * On error st is closed; a create cut short is finished or redone by open/create.
 */
mcim_err tre_store_create(struct tre_store *st, struct tre_backend *be);

/*
 * Opens the store on be (st may hold anything; it is wiped first). Removes a temp file
 * left by a crash; finishes a commit that was cut short after its image reached the
 * disk. Errors: MCIM_ERR_NOT_FOUND (no store was ever committed on this device),
 * MCIM_ERR_FOREIGN_STORE, MCIM_ERR_TAMPERED, MCIM_ERR_ROLLBACK, and the backend's
 * I/O and crypto errors. On error st is closed.
 */
mcim_err tre_store_open(struct tre_store *st, struct tre_backend *be);

/* Wipes st (an open transaction is dropped). Never fails; st may be closed already. */
void tre_store_close(struct tre_store *st);

/* The generation of the committed state: it grows with every commit. */
uint64_t tre_store_generation(const struct tre_store *st);

/*
 * Copies the value of key into out. Reads the committed state, or inside a
 * transaction the state that transaction has built so far. *out_len is the value's
 * length, also on MCIM_ERR_BUFFER_TOO_SMALL (out untouched). Errors:
 * MCIM_ERR_NOT_FOUND, MCIM_ERR_INVALID_ARG (key length), MCIM_ERR_STATE (closed or
 * broken).
 */
mcim_err tre_store_get(const struct tre_store *st, const void *key, size_t key_len,
		       uint8_t *out, size_t cap, size_t *out_len);

/*
 * The index-th key (0-based) in key order (octet-wise, a prefix first), for listing.
 * Same view and errors as tre_store_get; MCIM_ERR_NOT_FOUND past the last key.
 */
mcim_err tre_store_key_at(const struct tre_store *st, size_t index, uint8_t *key,
			  size_t cap, size_t *key_len);

/* Starts a transaction. MCIM_ERR_STATE when one is open or the store is not open. */
mcim_err tre_store_begin(struct tre_store *st);

/*
 * Inside a transaction, sets key to value (insert or replace). A refused put changes
 * nothing. Errors: MCIM_ERR_INVALID_ARG (key length 0 or above TRE_STORE_KEY_MAX),
 * MCIM_ERR_TOO_LARGE (value above TRE_STORE_VALUE_MAX), MCIM_ERR_FULL (the image would
 * exceed TRE_STORE_IMAGE_MAX), MCIM_ERR_STATE (no transaction).
 */
mcim_err tre_store_put(struct tre_store *st, const void *key, size_t key_len,
		       const void *value, size_t value_len);

/* Inside a transaction, removes key. MCIM_ERR_NOT_FOUND when absent (no change). */
mcim_err tre_store_delete(struct tre_store *st, const void *key, size_t key_len);

/*
 * Seals the transaction's state, writes it and advances the counters; ends the
 * transaction either way. MCIM_OK: the new state is durable and older ones are
 * refused. An error before the image is written (counters, random, crypto, a
 * generation counter at its end: MCIM_ERR_FULL) leaves the store open in the state
 * before. An error while writing or confirming leaves it broken (see above), and so
 * does MCIM_ERR_TAMPERED: counters that moved under this handle (another handle,
 * tampering) or fail their own check.
 */
mcim_err tre_store_commit(struct tre_store *st);

/* Drops the open transaction, if any. */
void tre_store_abort(struct tre_store *st);

#endif
