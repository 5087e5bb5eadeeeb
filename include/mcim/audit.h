/*
 * mcim/audit.h: the audit log kept by the TRE and by every network function
 * (R-TRE-G09, T-18): an append-only file of records, each chained to the one before by
 * SHA-256, with checkpoints signed by the log owner's P-256 key. Anyone holding the
 * owner's public key can verify a log offline and learn where it breaks if records
 * were edited, reordered, dropped or truncated. docs/audit.md gives the byte layout.
 *
 * Three parts:
 * - the writer (struct mcim_audit_writer): opens or creates a log, repairs a tail torn
 *   by a crash (by truncation only), appends records and checkpoints. It keeps O(1)
 *   state (last sequence number and chain hash) and never rereads the file to append.
 *   Signing goes through a caller-supplied callback (struct mcim_audit_signer): this
 *   module never holds a private key.
 * - the verifier: a pure function of the bytes of a log, the owner's public key and an
 *   optional anchor (a head the owner kept in sealed storage). It can be fed in pieces
 *   (init/update/final, no I/O of its own) or given a buffer or a file.
 * - storage through struct mcim_audit_io, a table of functions with a POSIX default,
 *   so that tests (and devices with odd storage) replace it.
 *
 * Record contents: subject and detail are stored in the clear and read by whoever
 * verifies the log. They must never carry secrets (keys, K, OPc, RES, PINs, session
 * data); an MCIM id, a state name, a counter, a reason code are what belongs there.
 *
 * Conventions: no allocation; bounds are the named constants below; (pointer, length)
 * pairs may be NULL only with length 0; a NULL where the contract asks for an object
 * is a caller bug (assert). Time is seconds supplied by the caller: nothing here reads
 * a clock. A writer is not thread-safe and must be the only writer of its file (the
 * POSIX back end enforces this with an exclusive lock); verifier functions are
 * reentrant.
 */
#ifndef MCIM_AUDIT_H
#define MCIM_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/crypto.h"
#include "mcim/err.h"

#define MCIM_AUDIT_VERSION	1
#define MCIM_AUDIT_LOG_ID_LEN	32 /* chosen by the owner, e.g. SHA-256 of its identity */
#define MCIM_AUDIT_HASH_LEN	MCIM_SHA256_LEN
#define MCIM_AUDIT_SUBJECT_MAX	64
#define MCIM_AUDIT_DETAIL_MAX	256
#define MCIM_AUDIT_HEADER_LEN	44 /* file header: magic, version, flags, log id */
#define MCIM_AUDIT_RECORD_FIXED 26 /* record fields before subject and detail */
/* Smallest and largest record: fixed fields, subject, detail, previous hash, hash. */
#define MCIM_AUDIT_RECORD_MIN (MCIM_AUDIT_RECORD_FIXED + 2 * MCIM_AUDIT_HASH_LEN)
#define MCIM_AUDIT_RECORD_MAX                                                            \
	(MCIM_AUDIT_RECORD_MIN + MCIM_AUDIT_SUBJECT_MAX + MCIM_AUDIT_DETAIL_MAX)
/* The detail of a checkpoint record: the chain head it covers, then the signature. */
#define MCIM_AUDIT_CHECKPOINT_DETAIL_LEN (MCIM_AUDIT_HASH_LEN + MCIM_P256_SIG_LEN)
/* Octets read at a time when a file is scanned (writer open, file verification). */
#define MCIM_AUDIT_IO_CHUNK 4096

/*
 * Event types. The codes are stored in logs and never change meaning. Codes below
 * MCIM_AUDIT_EV_MODULE_BASE are defined here; a module defines its own codes in its
 * range (the TRE from MCIM_AUDIT_EV_TRE_BASE, network functions from
 * MCIM_AUDIT_EV_NET_BASE) and names them itself. 0 and codes above MCIM_AUDIT_EV_MAX
 * are never valid.
 */
enum mcim_audit_event {
	MCIM_AUDIT_EV_CHECKPOINT = 0x0001,   /* written by this module only */
	MCIM_AUDIT_EV_LOG_REPAIRED = 0x0002, /* a torn tail was truncated at open */
	MCIM_AUDIT_EV_BOOT = 0x0010,
	MCIM_AUDIT_EV_TAMPER = 0x0011,
	MCIM_AUDIT_EV_POLICY_CHANGED = 0x0012,
	MCIM_AUDIT_EV_MCIM_INSTALLED = 0x0020,
	MCIM_AUDIT_EV_MCIM_STATE_CHANGED = 0x0021,
	MCIM_AUDIT_EV_MCIM_DELETED = 0x0022,
	MCIM_AUDIT_EV_COMMAND_REFUSED = 0x0023,
	MCIM_AUDIT_EV_AKA_FAILURE = 0x0024,
	MCIM_AUDIT_EV_MODULE_BASE = 0x1000,
	MCIM_AUDIT_EV_TRE_BASE = 0x1000,
	MCIM_AUDIT_EV_NET_BASE = 0x2000,
	MCIM_AUDIT_EV_MAX = 0x7fff,
};

/* The short name of a code defined above ("MCIM_INSTALLED"), or NULL for any other. */
const char *mcim_audit_event_name(uint16_t type);

/* One event to append. subject and detail: see the note on secrets above. */
struct mcim_audit_event_in {
	uint16_t type;		/* 1..MCIM_AUDIT_EV_MAX, not MCIM_AUDIT_EV_CHECKPOINT */
	uint64_t time;		/* seconds, from the caller's clock */
	mcim_err outcome;	/* the result of the transaction recorded */
	const uint8_t *subject; /* e.g. the MCIM id; up to MCIM_AUDIT_SUBJECT_MAX */
	size_t subject_len;
	const uint8_t *detail; /* up to MCIM_AUDIT_DETAIL_MAX */
	size_t detail_len;
};

/* A position in a log: the last record's sequence number and chain hash h_seq.
 * seq 0 is the empty log, whose hash is the genesis hash of the file header. */
struct mcim_audit_head {
	uint64_t seq;
	uint8_t hash[MCIM_AUDIT_HASH_LEN];
};

/*
 * Storage. Files are named by path and designated by an int handle the back end
 * chooses. Each function returns MCIM_OK or an error (MCIM_ERR_IO unless said).
 * - open: writable != 0: open for reading and appending (every write goes to the
 *   end), creating the file when absent, and take exclusive ownership
 *   (MCIM_ERR_LOCKED when another writer holds it); writable == 0: read only, the
 *   file must exist (MCIM_ERR_NOT_FOUND), no lock.
 * - read: up to len octets from offset off; *got < len only at the end of the file.
 * - write: appends up to len octets; *written may be less than len (the caller
 *   writes the rest); an error means nothing more can be written.
 * - sync: what was written or truncated is durable when it returns MCIM_OK.
 * - truncate: cuts the file to len octets.
 * - close: releases the handle (and the lock); cannot fail.
 */
struct mcim_audit_io {
	mcim_err (*open)(void *ctx, const char *path, int writable, int *h);
	mcim_err (*read)(void *ctx, int h, uint64_t off, uint8_t *buf, size_t len,
			 size_t *got);
	mcim_err (*write)(void *ctx, int h, const uint8_t *buf, size_t len,
			  size_t *written);
	mcim_err (*sync)(void *ctx, int h);
	mcim_err (*truncate)(void *ctx, int h, uint64_t len);
	void (*close)(void *ctx, int h);
	void *ctx;
};

/*
 * The POSIX back end: open(2) with O_APPEND (and fsync(2) of the directory when it
 * creates the file), an exclusive flock(2) for writers, pread(2), write(2),
 * fdatasync(2), ftruncate(2). Never NULL; stateless, so shared by every writer.
 */
const struct mcim_audit_io *mcim_audit_io_posix(void);

/*
 * The log owner's signing service. sign() produces an ECDSA P-256 signature (r||s)
 * over SHA-256(msg) with the owner's private key, wherever that key lives; pub is the
 * matching public key, with which the writer checks each signature before writing it,
 * so that a wrong key or a faulty signature never reaches the log.
 */
struct mcim_audit_signer {
	mcim_err (*sign)(void *ctx, const uint8_t *msg, size_t msg_len,
			 uint8_t sig[MCIM_P256_SIG_LEN]);
	void *ctx;
	struct mcim_p256_pub pub;
};

struct mcim_audit_config {
	const uint8_t
	    *log_id; /* MCIM_AUDIT_LOG_ID_LEN octets; must match an existing log */
	uint32_t checkpoint_every; /* a checkpoint after this many records; 0: on demand
				      only */
	const struct mcim_audit_io *io; /* NULL: mcim_audit_io_posix() */
	const struct mcim_audit_signer
	    *signer; /* copied; its ctx must outlive the writer */
};

/* A writer. Owned by the caller; fields are private to audit.c. */
struct mcim_audit_writer {
	const struct mcim_audit_io *io;
	struct mcim_audit_signer signer;
	int h;
	uint8_t log_id[MCIM_AUDIT_LOG_ID_LEN];
	struct mcim_audit_head head;
	uint64_t last_checkpoint; /* seq of the last checkpoint record, 0 if none */
	uint32_t checkpoint_every;
	uint64_t torn;	 /* octets truncated at open */
	mcim_err failed; /* sticky: set by an I/O failure while appending */
};

/*
 * Opens the log at path, creating it (file header only) when it is absent or shorter
 * than a header. An existing log is scanned once: its structure and chain are checked
 * (signatures are not: that is the verifier's work) and a tail torn by an interrupted
 * append, i.e. a proper prefix of a record, is truncated away and the truncation made
 * durable; mcim_audit_torn_octets() says how much, and the caller should record a
 * MCIM_AUDIT_EV_LOG_REPAIRED event. Nothing else is ever changed in an existing file.
 * A checkpoint that fell due before a crash is written by the next append.
 * On error w is closed and no complete record has been changed. Errors:
 * MCIM_ERR_PARSE (not a log of a supported version), MCIM_ERR_FOREIGN_STORE (another
 * log id), MCIM_ERR_TAMPERED (any damage other than a torn tail, file untouched:
 * verify the log to locate it), MCIM_ERR_LOCKED, MCIM_ERR_NOT_FOUND (no such
 * directory), MCIM_ERR_TOO_LARGE (a path the POSIX back end cannot handle), I/O
 * errors from the back end (a repair or creation it interrupted is redone by the next
 * open).
 */
mcim_err mcim_audit_open(struct mcim_audit_writer *w, const char *path,
			 const struct mcim_audit_config *cfg);

/*
 * Appends one record: written with as many write calls as the back end needs, then
 * synced. When checkpoint_every records have been appended since the last checkpoint,
 * a checkpoint (stamped with ev->time) follows in its own write and sync.
 * *seq_out (may be NULL) receives the record's sequence number once the record is
 * durable, else 0. Returns MCIM_OK when the record and any checkpoint that fell due
 * are durable. Errors, with nothing written: MCIM_ERR_INVALID_ARG (type 0, above
 * MCIM_AUDIT_EV_MAX or CHECKPOINT; outcome not an mcim_err value), MCIM_ERR_TOO_LARGE
 * (subject or detail over its bound), MCIM_ERR_FULL (sequence numbers exhausted).
 * If the checkpoint fails after the record is durable, *seq_out is set, its error is
 * returned (see mcim_audit_checkpoint) and it stays due for the next append.
 * An I/O error leaves the end of the file unknown: the writer then refuses every call
 * with that error until it is closed and opened again, which repairs the tail; the
 * record is then either wholly present or absent (mcim_audit_head tells).
 */
mcim_err mcim_audit_append(struct mcim_audit_writer *w,
			   const struct mcim_audit_event_in *ev, uint64_t *seq_out);

/*
 * Appends a checkpoint now: the signer signs (log id, head seq, head hash, time), the
 * signature is checked with signer->pub, and the record is written and synced.
 * Errors: the signer's own error, or MCIM_ERR_BAD_SIGNATURE when its signature does not
 * verify (both with nothing written, the writer still usable); I/O errors as in
 * mcim_audit_append; MCIM_ERR_FULL.
 */
mcim_err mcim_audit_checkpoint(struct mcim_audit_writer *w, uint64_t time,
			       uint64_t *seq_out);

/* The last durable record's (seq, hash), to anchor in sealed storage. */
void mcim_audit_head(const struct mcim_audit_writer *w, struct mcim_audit_head *head);

/* Octets of torn tail that mcim_audit_open truncated (0 when none). */
uint64_t mcim_audit_torn_octets(const struct mcim_audit_writer *w);

/* Releases the file. Safe on a writer that failed to open or is already closed. */
void mcim_audit_close(struct mcim_audit_writer *w);

/*
 * Verification. A log breaks at the first record (counted from 1; 0 is the file
 * header) that fails one check, in this order: it is complete; its fields are well
 * formed and its own hash matches its content; its sequence number is the next one;
 * it links to the hash of the record before; a checkpoint's signature verifies and
 * it commits to the chain head before it; the anchor, if given, matches. Nothing
 * after the first break is trusted, so nothing after it is counted.
 */
enum mcim_audit_break {
	MCIM_AUDIT_INTACT = 0, /* no break */
	MCIM_AUDIT_BAD_HEADER =
	    1,			 /* the file header is not a log header of this version */
	MCIM_AUDIT_MODIFIED = 2, /* the record's content does not match its own hash */
	MCIM_AUDIT_SEQUENCE =
	    3, /* an intact record out of place: reordered, missing, duplicated */
	MCIM_AUDIT_CHAIN =
	    4, /* an intact record that does not follow the one before:
		* that one or this one was replaced (header, for record 1) */
	MCIM_AUDIT_BAD_CHECKPOINT =
	    5, /* malformed checkpoint or signature not by the owner */
	MCIM_AUDIT_CHECKPOINT_MISMATCH = 6, /* signed, but for another chain head: records
					     * before it were rewritten */
	MCIM_AUDIT_TRUNCATED = 7, /* the log ends inside this record (or the header) */
	MCIM_AUDIT_BEHIND_ANCHOR = 8,	/* ends before the anchored record: truncated */
	MCIM_AUDIT_ANCHOR_MISMATCH = 9, /* the anchored record's hash differs */
};

/* "MODIFIED", ...; "UNKNOWN" out of range. */
const char *mcim_audit_break_name(enum mcim_audit_break brk);

struct mcim_audit_report {
	enum mcim_audit_break brk;
	uint64_t index;	 /* the record where the log breaks (expected seq); 0 if header */
	uint64_t offset; /* its offset in the file */
	uint64_t found_seq; /* for MCIM_AUDIT_SEQUENCE: the seq found at index */
	uint64_t records;   /* records verified before the break (checkpoints included) */
	uint64_t checkpoints;	  /* checkpoints verified among them */
	uint64_t last_checkpoint; /* seq of the last verified checkpoint, 0 if none */
	uint64_t
	    anchored; /* records covered by a verified checkpoint (= last_checkpoint) */
	uint64_t
	    unanchored; /* records after it: intact, but only an anchor protects them */
	struct mcim_audit_head head; /* the last verified record (seq 0: none) */
	uint8_t log_id[MCIM_AUDIT_LOG_ID_LEN]; /* from the header (zero if unreadable) */
};

/* A verified record, as handed to a visitor; pointers valid during the call only. */
struct mcim_audit_record {
	uint64_t seq;
	uint64_t time;
	uint16_t type;
	uint16_t outcome;
	const uint8_t *subject;
	size_t subject_len;
	const uint8_t *detail;
	size_t detail_len;
	uint8_t hash[MCIM_AUDIT_HASH_LEN]; /* h_seq */
};

/* An incremental verifier. Owned by the caller; fields are private to audit.c. */
struct mcim_audit_verifier {
	struct mcim_p256_pub pub;
	int check_signatures;
	int has_anchor;
	struct mcim_audit_head anchor;
	void (*visit)(void *ctx, const struct mcim_audit_record *rec);
	void *visit_ctx;
	int stage;
	size_t fill, need;
	uint64_t off; /* file offset of buf[0] */
	uint8_t buf[MCIM_AUDIT_RECORD_MAX];
	uint8_t prev[MCIM_AUDIT_HASH_LEN]; /* computed h of the last verified record */
	int done;
	mcim_err err; /* a failure of the hash function, not of the log */
	struct mcim_audit_report rep;
};

/*
 * Starts a verification against the owner's public key pub and, when anchor is not
 * NULL, a head the owner kept: the log must reach anchor->seq with anchor->hash there.
 * visit (may be NULL) is called with each record that passes every check, in order.
 */
void mcim_audit_verify_init(struct mcim_audit_verifier *v,
			    const struct mcim_p256_pub *pub,
			    const struct mcim_audit_head *anchor,
			    void (*visit)(void *ctx, const struct mcim_audit_record *rec),
			    void *visit_ctx);
/* Feeds the next len octets of the log, in any split. Input after a break is ignored. */
void mcim_audit_verify_update(struct mcim_audit_verifier *v, const uint8_t *data,
			      size_t len);
/* Ends the input and fills rep. MCIM_OK when rep->brk is MCIM_AUDIT_INTACT (records may
 * still be unanchored: see rep->unanchored), else MCIM_ERR_TAMPERED. */
mcim_err mcim_audit_verify_final(struct mcim_audit_verifier *v,
				 struct mcim_audit_report *rep)
    __attribute__((warn_unused_result));

/* The three steps above over a whole log in memory, without a visitor. */
mcim_err
mcim_audit_verify_buf(const uint8_t *buf, size_t len, const struct mcim_p256_pub *pub,
		      const struct mcim_audit_head *anchor, struct mcim_audit_report *rep)
    __attribute__((warn_unused_result));

/*
 * The same over the file at path, read (never written) through io (NULL: POSIX) in
 * MCIM_AUDIT_IO_CHUNK pieces. Returns as mcim_audit_verify_final, or the back end's
 * error (MCIM_ERR_NOT_FOUND, MCIM_ERR_IO), rep then undefined.
 */
mcim_err mcim_audit_verify_file(const char *path, const struct mcim_audit_io *io,
				const struct mcim_p256_pub *pub,
				const struct mcim_audit_head *anchor,
				struct mcim_audit_report *rep)
    __attribute__((warn_unused_result));

#endif
