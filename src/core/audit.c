/*
 * The audit log (include/mcim/audit.h, docs/audit.md): record encoding, the hash
 * chain, signed checkpoints, the append-only writer with its torn-tail repair, the
 * verifier, and the POSIX storage back end. Shared by the TRE and the network
 * functions, so it lives in core and depends only on crypto.h.
 *
 * The record format is a fixed binary layout rather than CBOR: a record's bytes are
 * hashed, so they must have exactly one encoding, which a fixed layout gives without
 * a canonicalisation rule; the maximum size is a compile-time constant, so records
 * are built and parsed in fixed buffers; and a leading length plus bounded fields let
 * a reader tell a torn tail from a damaged record without trusting anything else.
 *
 * The writer and the verifier share one parser: opening a log runs the verifier in a
 * structural mode (chain and framing, no signatures) over the file, and a break of
 * kind TRUNCATED at the end is exactly the torn tail the writer may cut.
 */
#include "mcim/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/check.h"
#include "core/endian.h"

/* Domain tags: each hash or signature input starts with one, and no tag is a prefix
 * of another, so an input of one kind can never be read as another. */
static const char tag_genesis[] = "openmcim-audit-v1-genesis";
static const char tag_record[] = "openmcim-audit-v1-record";
static const char tag_checkpoint[] = "openmcim-audit-v1-checkpoint";
#define TAG_LEN(t) (sizeof(t) - 1)

static const uint8_t header_magic[8] = {'M', 'C', 'I', 'M', 'A', 'U', 'D', 'L'};

/* Field offsets in a record (docs/audit.md). */
#define REC_LEN	    0
#define REC_VERSION 2
#define REC_SUBJLEN 3
#define REC_DETLEN  4
#define REC_TYPE    6
#define REC_OUTCOME 8
#define REC_SEQ	    10
#define REC_TIME    18

/* The message a checkpoint signs: tag, log id, head seq, head hash, time. */
#define CHECKPOINT_MSG_LEN                                                               \
	(TAG_LEN(tag_checkpoint) + MCIM_AUDIT_LOG_ID_LEN + 8 + MCIM_AUDIT_HASH_LEN + 8)

enum { STAGE_HEADER, STAGE_FIXED, STAGE_BODY };

static const struct {
	uint16_t code;
	const char *name;
} event_names[] = {
    {MCIM_AUDIT_EV_CHECKPOINT, "CHECKPOINT"},
    {MCIM_AUDIT_EV_LOG_REPAIRED, "LOG_REPAIRED"},
    {MCIM_AUDIT_EV_BOOT, "BOOT"},
    {MCIM_AUDIT_EV_TAMPER, "TAMPER"},
    {MCIM_AUDIT_EV_POLICY_CHANGED, "POLICY_CHANGED"},
    {MCIM_AUDIT_EV_MCIM_INSTALLED, "MCIM_INSTALLED"},
    {MCIM_AUDIT_EV_MCIM_STATE_CHANGED, "MCIM_STATE_CHANGED"},
    {MCIM_AUDIT_EV_MCIM_DELETED, "MCIM_DELETED"},
    {MCIM_AUDIT_EV_COMMAND_REFUSED, "COMMAND_REFUSED"},
    {MCIM_AUDIT_EV_AKA_FAILURE, "AKA_FAILURE"},
};

const char *mcim_audit_event_name(uint16_t type)
{
	for (size_t i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++)
		if (event_names[i].code == type)
			return event_names[i].name;
	return NULL;
}

static const char *const break_names[] = {
    [MCIM_AUDIT_INTACT] = "INTACT",
    [MCIM_AUDIT_BAD_HEADER] = "BAD_HEADER",
    [MCIM_AUDIT_MODIFIED] = "MODIFIED",
    [MCIM_AUDIT_SEQUENCE] = "SEQUENCE",
    [MCIM_AUDIT_CHAIN] = "CHAIN",
    [MCIM_AUDIT_BAD_CHECKPOINT] = "BAD_CHECKPOINT",
    [MCIM_AUDIT_CHECKPOINT_MISMATCH] = "CHECKPOINT_MISMATCH",
    [MCIM_AUDIT_TRUNCATED] = "TRUNCATED",
    [MCIM_AUDIT_BEHIND_ANCHOR] = "BEHIND_ANCHOR",
    [MCIM_AUDIT_ANCHOR_MISMATCH] = "ANCHOR_MISMATCH",
};

const char *mcim_audit_break_name(enum mcim_audit_break brk)
{
	if ((unsigned)brk >= sizeof(break_names) / sizeof(break_names[0]))
		return "UNKNOWN";
	return break_names[brk];
}

/* ---- encoding, shared by writer and verifier ---- */

static void encode_header(uint8_t out[MCIM_AUDIT_HEADER_LEN],
			  const uint8_t log_id[MCIM_AUDIT_LOG_ID_LEN])
{
	memcpy(out, header_magic, sizeof(header_magic));
	mcim_store_be16(out + 8, MCIM_AUDIT_VERSION);
	mcim_store_be16(out + 10, 0);
	memcpy(out + 12, log_id, MCIM_AUDIT_LOG_ID_LEN);
}

static mcim_err genesis_hash(const uint8_t header[MCIM_AUDIT_HEADER_LEN],
			     uint8_t out[MCIM_AUDIT_HASH_LEN])
{
	const struct mcim_iov parts[] = {
	    {tag_genesis, TAG_LEN(tag_genesis)},
	    {header, MCIM_AUDIT_HEADER_LEN},
	};

	return mcim_sha256_v(parts, 2, out);
}

/* h = SHA-256(tag || prev || the record up to its two hash fields). */
static mcim_err record_hash(const uint8_t *rec, size_t rec_len,
			    const uint8_t prev[MCIM_AUDIT_HASH_LEN],
			    uint8_t out[MCIM_AUDIT_HASH_LEN])
{
	const struct mcim_iov parts[] = {
	    {tag_record, TAG_LEN(tag_record)},
	    {prev, MCIM_AUDIT_HASH_LEN},
	    {rec, rec_len - 2 * MCIM_AUDIT_HASH_LEN},
	};

	return mcim_sha256_v(parts, 3, out);
}

/*
 * Lays out a complete record (fields, prev, hash) in out and returns its length.
 * The event's bounds have been checked by the caller.
 */
static mcim_err encode_record(uint8_t out[MCIM_AUDIT_RECORD_MAX], uint64_t seq,
			      const struct mcim_audit_event_in *ev,
			      const uint8_t prev[MCIM_AUDIT_HASH_LEN], size_t *out_len)
{
	size_t len = MCIM_AUDIT_RECORD_MIN + ev->subject_len + ev->detail_len;
	uint8_t *p = out + MCIM_AUDIT_RECORD_FIXED;

	mcim_store_be16(out + REC_LEN, (uint16_t)len);
	out[REC_VERSION] = MCIM_AUDIT_VERSION;
	out[REC_SUBJLEN] = (uint8_t)ev->subject_len;
	mcim_store_be16(out + REC_DETLEN, (uint16_t)ev->detail_len);
	mcim_store_be16(out + REC_TYPE, ev->type);
	mcim_store_be16(out + REC_OUTCOME, (uint16_t)ev->outcome);
	mcim_store_be64(out + REC_SEQ, seq);
	mcim_store_be64(out + REC_TIME, ev->time);
	if (ev->subject_len > 0)
		memcpy(p, ev->subject, ev->subject_len);
	p += ev->subject_len;
	if (ev->detail_len > 0)
		memcpy(p, ev->detail, ev->detail_len);
	p += ev->detail_len;
	memcpy(p, prev, MCIM_AUDIT_HASH_LEN);
	*out_len = len;
	return record_hash(out, len, prev, p + MCIM_AUDIT_HASH_LEN);
}

static void checkpoint_msg(uint8_t out[CHECKPOINT_MSG_LEN],
			   const uint8_t log_id[MCIM_AUDIT_LOG_ID_LEN], uint64_t head_seq,
			   const uint8_t head[MCIM_AUDIT_HASH_LEN], uint64_t time)
{
	uint8_t *p = out;

	memcpy(p, tag_checkpoint, TAG_LEN(tag_checkpoint));
	p += TAG_LEN(tag_checkpoint);
	memcpy(p, log_id, MCIM_AUDIT_LOG_ID_LEN);
	p += MCIM_AUDIT_LOG_ID_LEN;
	mcim_store_be64(p, head_seq);
	p += 8;
	memcpy(p, head, MCIM_AUDIT_HASH_LEN);
	p += MCIM_AUDIT_HASH_LEN;
	mcim_store_be64(p, time);
}

/* ---- verifier ---- */

static void verifier_start(struct mcim_audit_verifier *v, const struct mcim_p256_pub *pub,
			   const struct mcim_audit_head *anchor,
			   void (*visit)(void *ctx, const struct mcim_audit_record *rec),
			   void *visit_ctx)
{
	memset(v, 0, sizeof(*v));
	if (pub != NULL) {
		v->pub = *pub;
		v->check_signatures = 1;
	}
	if (anchor != NULL) {
		v->anchor = *anchor;
		v->has_anchor = 1;
	}
	v->visit = visit;
	v->visit_ctx = visit_ctx;
	v->stage = STAGE_HEADER;
	v->need = MCIM_AUDIT_HEADER_LEN;
	v->err = MCIM_OK;
}

void mcim_audit_verify_init(struct mcim_audit_verifier *v,
			    const struct mcim_p256_pub *pub,
			    const struct mcim_audit_head *anchor,
			    void (*visit)(void *ctx, const struct mcim_audit_record *rec),
			    void *visit_ctx)
{
	MCIM_ASSERT(v != NULL && pub != NULL);
	verifier_start(v, pub, anchor, visit, visit_ctx);
}

static void set_break(struct mcim_audit_verifier *v, enum mcim_audit_break brk,
		      uint64_t index)
{
	v->rep.brk = brk;
	v->rep.index = index;
	v->rep.offset = v->off;
	v->done = 1;
}

static void set_error(struct mcim_audit_verifier *v, mcim_err err)
{
	v->err = err;
	v->done = 1;
}

static void process_header(struct mcim_audit_verifier *v)
{
	const uint8_t *b = v->buf;
	mcim_err err;

	if (memcmp(b, header_magic, sizeof(header_magic)) != 0 ||
	    mcim_load_be16(b + 8) != MCIM_AUDIT_VERSION || mcim_load_be16(b + 10) != 0) {
		set_break(v, MCIM_AUDIT_BAD_HEADER, 0);
		return;
	}
	memcpy(v->rep.log_id, b + 12, MCIM_AUDIT_LOG_ID_LEN);
	err = genesis_hash(b, v->prev);
	if (err != MCIM_OK) {
		set_error(v, err);
		return;
	}
	v->rep.head.seq = 0;
	memcpy(v->rep.head.hash, v->prev, MCIM_AUDIT_HASH_LEN);
	if (v->has_anchor && v->anchor.seq == 0 &&
	    memcmp(v->anchor.hash, v->prev, MCIM_AUDIT_HASH_LEN) != 0) {
		set_break(v, MCIM_AUDIT_ANCHOR_MISMATCH, 0);
		return;
	}
	v->off = MCIM_AUDIT_HEADER_LEN;
	v->stage = STAGE_FIXED;
	v->need = MCIM_AUDIT_RECORD_FIXED;
}

/* The length fields must agree with each other before anything else is read. */
static void process_fixed(struct mcim_audit_verifier *v)
{
	const uint8_t *b = v->buf;
	size_t subject_len = b[REC_SUBJLEN];
	size_t detail_len = mcim_load_be16(b + REC_DETLEN);

	if (b[REC_VERSION] != MCIM_AUDIT_VERSION ||
	    subject_len > MCIM_AUDIT_SUBJECT_MAX || detail_len > MCIM_AUDIT_DETAIL_MAX ||
	    (size_t)mcim_load_be16(b + REC_LEN) !=
		MCIM_AUDIT_RECORD_MIN + subject_len + detail_len) {
		set_break(v, MCIM_AUDIT_MODIFIED, v->rep.head.seq + 1);
		return;
	}
	v->stage = STAGE_BODY;
	v->need = mcim_load_be16(b + REC_LEN);
}

/* Returns the break kind a checkpoint record gives, INTACT when it is sound. */
static enum mcim_audit_break check_checkpoint(const struct mcim_audit_verifier *v,
					      const struct mcim_audit_record *r)
{
	uint8_t msg[CHECKPOINT_MSG_LEN];

	if (r->subject_len != 0 || r->detail_len != MCIM_AUDIT_CHECKPOINT_DETAIL_LEN ||
	    r->outcome != MCIM_OK)
		return MCIM_AUDIT_BAD_CHECKPOINT;
	if (v->check_signatures) {
		checkpoint_msg(msg, v->rep.log_id, r->seq - 1, r->detail, r->time);
		if (mcim_p256_verify(&v->pub, msg, sizeof(msg),
				     r->detail + MCIM_AUDIT_HASH_LEN) != MCIM_OK)
			return MCIM_AUDIT_BAD_CHECKPOINT;
	}
	if (memcmp(r->detail, v->prev, MCIM_AUDIT_HASH_LEN) != 0)
		return MCIM_AUDIT_CHECKPOINT_MISMATCH;
	return MCIM_AUDIT_INTACT;
}

static void process_record(struct mcim_audit_verifier *v)
{
	const uint8_t *b = v->buf;
	size_t len = v->need;
	const uint8_t *stored_prev = b + len - 2 * MCIM_AUDIT_HASH_LEN;
	const uint8_t *stored_hash = b + len - MCIM_AUDIT_HASH_LEN;
	uint64_t expect = v->rep.head.seq + 1;
	struct mcim_audit_record r;
	uint8_t h[MCIM_AUDIT_HASH_LEN];
	enum mcim_audit_break brk;
	mcim_err err;

	/* Checked against its own stored previous hash first, so that any edit inside
	 * the record is reported here and not as a problem of its position. Chain hashes
	 * are public, so plain comparisons are fine. */
	err = record_hash(b, len, stored_prev, h);
	if (err != MCIM_OK) {
		set_error(v, err);
		return;
	}
	if (memcmp(h, stored_hash, MCIM_AUDIT_HASH_LEN) != 0) {
		set_break(v, MCIM_AUDIT_MODIFIED, expect);
		return;
	}
	r.seq = mcim_load_be64(b + REC_SEQ);
	if (r.seq != expect) {
		v->rep.found_seq = r.seq;
		set_break(v, MCIM_AUDIT_SEQUENCE, expect);
		return;
	}
	if (memcmp(stored_prev, v->prev, MCIM_AUDIT_HASH_LEN) != 0) {
		set_break(v, MCIM_AUDIT_CHAIN, expect);
		return;
	}
	r.time = mcim_load_be64(b + REC_TIME);
	r.type = mcim_load_be16(b + REC_TYPE);
	r.outcome = mcim_load_be16(b + REC_OUTCOME);
	r.subject_len = b[REC_SUBJLEN];
	r.subject = b + MCIM_AUDIT_RECORD_FIXED;
	r.detail_len = mcim_load_be16(b + REC_DETLEN);
	r.detail = r.subject + r.subject_len;
	memcpy(r.hash, h, MCIM_AUDIT_HASH_LEN);
	if (r.type == MCIM_AUDIT_EV_CHECKPOINT) {
		brk = check_checkpoint(v, &r);
		if (brk != MCIM_AUDIT_INTACT) {
			set_break(v, brk, expect);
			return;
		}
	}
	if (v->has_anchor && v->anchor.seq == r.seq &&
	    memcmp(v->anchor.hash, h, MCIM_AUDIT_HASH_LEN) != 0) {
		set_break(v, MCIM_AUDIT_ANCHOR_MISMATCH, expect);
		return;
	}
	if (r.type == MCIM_AUDIT_EV_CHECKPOINT) {
		v->rep.checkpoints++;
		v->rep.last_checkpoint = r.seq;
	}
	v->rep.records++;
	v->rep.head.seq = r.seq;
	memcpy(v->rep.head.hash, h, MCIM_AUDIT_HASH_LEN);
	memcpy(v->prev, h, MCIM_AUDIT_HASH_LEN);
	if (v->visit != NULL)
		v->visit(v->visit_ctx, &r);
	v->off += len;
	v->stage = STAGE_FIXED;
	v->need = MCIM_AUDIT_RECORD_FIXED;
}

void mcim_audit_verify_update(struct mcim_audit_verifier *v, const uint8_t *data,
			      size_t len)
{
	MCIM_ASSERT(v != NULL && (data != NULL || len == 0));
	while (len > 0 && !v->done) {
		size_t take = v->need - v->fill;

		if (take > len)
			take = len;
		memcpy(v->buf + v->fill, data, take);
		v->fill += take;
		data += take;
		len -= take;
		if (v->fill < v->need)
			break;
		switch (v->stage) {
		case STAGE_HEADER:
			process_header(v);
			v->fill = 0;
			break;
		case STAGE_FIXED:
			process_fixed(v);
			break;
		default:
			process_record(v);
			v->fill = 0;
			break;
		}
	}
}

mcim_err mcim_audit_verify_final(struct mcim_audit_verifier *v,
				 struct mcim_audit_report *rep)
{
	MCIM_ASSERT(v != NULL && rep != NULL);
	if (!v->done) {
		if (v->stage == STAGE_HEADER)
			set_break(v, MCIM_AUDIT_TRUNCATED, 0);
		else if (v->fill > 0)
			set_break(v, MCIM_AUDIT_TRUNCATED, v->rep.head.seq + 1);
		else if (v->has_anchor && v->rep.head.seq < v->anchor.seq)
			set_break(v, MCIM_AUDIT_BEHIND_ANCHOR, v->rep.head.seq + 1);
	}
	v->rep.anchored = v->rep.last_checkpoint;
	v->rep.unanchored = v->rep.records - v->rep.last_checkpoint;
	*rep = v->rep;
	if (v->err != MCIM_OK)
		return v->err;
	return rep->brk == MCIM_AUDIT_INTACT ? MCIM_OK : MCIM_ERR_TAMPERED;
}

mcim_err mcim_audit_verify_buf(const uint8_t *buf, size_t len,
			       const struct mcim_p256_pub *pub,
			       const struct mcim_audit_head *anchor,
			       struct mcim_audit_report *rep)
{
	struct mcim_audit_verifier v;

	MCIM_ASSERT(buf != NULL || len == 0);
	mcim_audit_verify_init(&v, pub, anchor, NULL, NULL);
	mcim_audit_verify_update(&v, buf, len);
	return mcim_audit_verify_final(&v, rep);
}

/* Streams the whole file through v; *size receives the octets read. */
static mcim_err feed_file(const struct mcim_audit_io *io, int h,
			  struct mcim_audit_verifier *v, uint64_t *size)
{
	uint8_t chunk[MCIM_AUDIT_IO_CHUNK];
	uint64_t off = 0;

	for (;;) {
		size_t got = 0;
		mcim_err err = io->read(io->ctx, h, off, chunk, sizeof(chunk), &got);

		if (err != MCIM_OK)
			return err;
		if (got > sizeof(chunk))
			return MCIM_ERR_IO;
		mcim_audit_verify_update(v, chunk, got);
		off += got;
		if (got < sizeof(chunk))
			break;
	}
	*size = off;
	return MCIM_OK;
}

mcim_err mcim_audit_verify_file(const char *path, const struct mcim_audit_io *io,
				const struct mcim_p256_pub *pub,
				const struct mcim_audit_head *anchor,
				struct mcim_audit_report *rep)
{
	struct mcim_audit_verifier v;
	uint64_t size;
	mcim_err err;
	int h;

	MCIM_ASSERT(path != NULL && rep != NULL);
	if (io == NULL)
		io = mcim_audit_io_posix();
	mcim_audit_verify_init(&v, pub, anchor, NULL, NULL);
	err = io->open(io->ctx, path, 0, &h);
	if (err != MCIM_OK)
		return err;
	err = feed_file(io, h, &v, &size);
	io->close(io->ctx, h);
	if (err != MCIM_OK)
		return err;
	return mcim_audit_verify_final(&v, rep);
}

/* ---- writer ---- */

static mcim_err write_all(struct mcim_audit_writer *w, const uint8_t *p, size_t len)
{
	while (len > 0) {
		size_t n = 0;
		mcim_err err = w->io->write(w->io->ctx, w->h, p, len, &n);

		if (err != MCIM_OK)
			return err;
		/* A back end that makes no progress would loop forever. */
		if (n == 0 || n > len)
			return MCIM_ERR_IO;
		p += n;
		len -= n;
	}
	return MCIM_OK;
}

/* Writes and syncs; after a failure the end of the file is unknown, so the writer
 * stops until reopened (which repairs the tail). */
static mcim_err write_durable(struct mcim_audit_writer *w, const uint8_t *p, size_t len)
{
	mcim_err err = write_all(w, p, len);

	if (err == MCIM_OK)
		err = w->io->sync(w->io->ctx, w->h);
	if (err != MCIM_OK)
		w->failed = err;
	return err;
}

static mcim_err create_header(struct mcim_audit_writer *w)
{
	uint8_t header[MCIM_AUDIT_HEADER_LEN];
	mcim_err err;

	encode_header(header, w->log_id);
	err = genesis_hash(header, w->head.hash);
	if (err != MCIM_OK)
		return err;
	w->head.seq = 0;
	w->last_checkpoint = 0;
	return write_durable(w, header, sizeof(header));
}

/*
 * Reads the log once and settles the writer's state. Only a torn tail (a break of
 * kind TRUNCATED) is cut; any other break leaves the file untouched.
 */
static mcim_err open_scan(struct mcim_audit_writer *w)
{
	struct mcim_audit_verifier v;
	struct mcim_audit_report rep;
	uint64_t size = 0;
	mcim_err err;

	verifier_start(&v, NULL, NULL, NULL, NULL);
	err = feed_file(w->io, w->h, &v, &size);
	if (err != MCIM_OK)
		return err;
	err = mcim_audit_verify_final(&v, &rep);
	if (err != MCIM_OK && err != MCIM_ERR_TAMPERED)
		return err;
	if (rep.brk == MCIM_AUDIT_BAD_HEADER)
		return MCIM_ERR_PARSE;
	if (rep.brk != MCIM_AUDIT_TRUNCATED || rep.index > 0) {
		if (memcmp(rep.log_id, w->log_id, MCIM_AUDIT_LOG_ID_LEN) != 0)
			return MCIM_ERR_FOREIGN_STORE;
	}
	if (rep.brk != MCIM_AUDIT_INTACT && rep.brk != MCIM_AUDIT_TRUNCATED)
		return MCIM_ERR_TAMPERED;
	if (rep.brk == MCIM_AUDIT_TRUNCATED) {
		if (size > rep.offset) {
			err = w->io->truncate(w->io->ctx, w->h, rep.offset);
			if (err == MCIM_OK)
				err = w->io->sync(w->io->ctx, w->h);
			if (err != MCIM_OK)
				return err;
			w->torn = size - rep.offset;
		}
		if (rep.index == 0)
			return create_header(w);
	}
	w->head = rep.head;
	w->last_checkpoint = rep.last_checkpoint;
	return MCIM_OK;
}

mcim_err mcim_audit_open(struct mcim_audit_writer *w, const char *path,
			 const struct mcim_audit_config *cfg)
{
	mcim_err err;

	MCIM_ASSERT(w != NULL && path != NULL && cfg != NULL && cfg->log_id != NULL);
	MCIM_ASSERT(cfg->signer != NULL && cfg->signer->sign != NULL);
	memset(w, 0, sizeof(*w));
	w->h = -1;
	w->io = cfg->io != NULL ? cfg->io : mcim_audit_io_posix();
	w->signer = *cfg->signer;
	memcpy(w->log_id, cfg->log_id, MCIM_AUDIT_LOG_ID_LEN);
	w->checkpoint_every = cfg->checkpoint_every;
	w->failed = MCIM_OK;
	err = w->io->open(w->io->ctx, path, 1, &w->h);
	if (err != MCIM_OK) {
		w->h = -1;
		return err;
	}
	err = open_scan(w);
	if (err != MCIM_OK)
		mcim_audit_close(w);
	return err;
}

static mcim_err append_record(struct mcim_audit_writer *w,
			      const struct mcim_audit_event_in *ev)
{
	uint8_t rec[MCIM_AUDIT_RECORD_MAX];
	uint8_t h[MCIM_AUDIT_HASH_LEN];
	size_t len;
	mcim_err err;

	if (w->head.seq == UINT64_MAX)
		return MCIM_ERR_FULL;
	err = encode_record(rec, w->head.seq + 1, ev, w->head.hash, &len);
	if (err != MCIM_OK)
		return err;
	memcpy(h, rec + len - MCIM_AUDIT_HASH_LEN, MCIM_AUDIT_HASH_LEN);
	err = write_durable(w, rec, len);
	if (err != MCIM_OK)
		return err;
	w->head.seq++;
	memcpy(w->head.hash, h, MCIM_AUDIT_HASH_LEN);
	return MCIM_OK;
}

mcim_err mcim_audit_checkpoint(struct mcim_audit_writer *w, uint64_t time,
			       uint64_t *seq_out)
{
	uint8_t msg[CHECKPOINT_MSG_LEN];
	uint8_t detail[MCIM_AUDIT_CHECKPOINT_DETAIL_LEN];
	struct mcim_audit_event_in ev = {
	    .type = MCIM_AUDIT_EV_CHECKPOINT,
	    .time = time,
	    .outcome = MCIM_OK,
	    .detail = detail,
	    .detail_len = sizeof(detail),
	};
	mcim_err err;

	MCIM_ASSERT(w != NULL && w->h >= 0);
	if (seq_out != NULL)
		*seq_out = 0;
	if (w->failed != MCIM_OK)
		return w->failed;
	checkpoint_msg(msg, w->log_id, w->head.seq, w->head.hash, time);
	memcpy(detail, w->head.hash, MCIM_AUDIT_HASH_LEN);
	err =
	    w->signer.sign(w->signer.ctx, msg, sizeof(msg), detail + MCIM_AUDIT_HASH_LEN);
	if (err != MCIM_OK)
		return err;
	if (mcim_p256_verify(&w->signer.pub, msg, sizeof(msg),
			     detail + MCIM_AUDIT_HASH_LEN) != MCIM_OK)
		return MCIM_ERR_BAD_SIGNATURE;
	err = append_record(w, &ev);
	if (err != MCIM_OK)
		return err;
	w->last_checkpoint = w->head.seq;
	if (seq_out != NULL)
		*seq_out = w->head.seq;
	return MCIM_OK;
}

mcim_err mcim_audit_append(struct mcim_audit_writer *w,
			   const struct mcim_audit_event_in *ev, uint64_t *seq_out)
{
	mcim_err err;

	MCIM_ASSERT(w != NULL && w->h >= 0 && ev != NULL);
	MCIM_ASSERT(ev->subject != NULL || ev->subject_len == 0);
	MCIM_ASSERT(ev->detail != NULL || ev->detail_len == 0);
	if (seq_out != NULL)
		*seq_out = 0;
	if (w->failed != MCIM_OK)
		return w->failed;
	if (ev->type == 0 || ev->type > MCIM_AUDIT_EV_MAX ||
	    ev->type == MCIM_AUDIT_EV_CHECKPOINT ||
	    (unsigned)ev->outcome >= MCIM_ERR_COUNT_)
		return MCIM_ERR_INVALID_ARG;
	if (ev->subject_len > MCIM_AUDIT_SUBJECT_MAX ||
	    ev->detail_len > MCIM_AUDIT_DETAIL_MAX)
		return MCIM_ERR_TOO_LARGE;
	err = append_record(w, ev);
	if (err != MCIM_OK)
		return err;
	if (seq_out != NULL)
		*seq_out = w->head.seq;
	if (w->checkpoint_every > 0 &&
	    w->head.seq - w->last_checkpoint >= w->checkpoint_every)
		return mcim_audit_checkpoint(w, ev->time, NULL);
	return MCIM_OK;
}

void mcim_audit_head(const struct mcim_audit_writer *w, struct mcim_audit_head *head)
{
	MCIM_ASSERT(w != NULL && head != NULL);
	*head = w->head;
}

uint64_t mcim_audit_torn_octets(const struct mcim_audit_writer *w)
{
	MCIM_ASSERT(w != NULL);
	return w->torn;
}

void mcim_audit_close(struct mcim_audit_writer *w)
{
	MCIM_ASSERT(w != NULL);
	if (w->h >= 0)
		w->io->close(w->io->ctx, w->h);
	w->h = -1;
}

/* ---- POSIX back end ---- */

#define DIR_PATH_MAX 4096

/* A new file's name is durable only once its directory is synced. */
static mcim_err sync_parent_dir(const char *path)
{
	char dir[DIR_PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd, rc;

	if (slash == NULL) {
		memcpy(dir, ".", 2);
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return MCIM_ERR_IO;
	rc = fsync(fd);
	close(fd);
	return rc == 0 ? MCIM_OK : MCIM_ERR_IO;
}

static mcim_err errno_err(void)
{
	return errno == ENOENT ? MCIM_ERR_NOT_FOUND : MCIM_ERR_IO;
}

static mcim_err px_open(void *ctx, const char *path, int writable, int *h)
{
	int fd, created = 1;

	(void)ctx;
	if (!writable) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return errno_err();
		*h = fd;
		return MCIM_OK;
	}
	if (strlen(path) >= DIR_PATH_MAX)
		return MCIM_ERR_TOO_LARGE;
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		created = 0;
		fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	}
	if (fd < 0)
		return errno_err();
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		mcim_err err = errno == EWOULDBLOCK ? MCIM_ERR_LOCKED : MCIM_ERR_IO;

		close(fd);
		return err;
	}
	if (created && sync_parent_dir(path) != MCIM_OK) {
		close(fd);
		return MCIM_ERR_IO;
	}
	*h = fd;
	return MCIM_OK;
}

static mcim_err px_read(void *ctx, int h, uint64_t off, uint8_t *buf, size_t len,
			size_t *got)
{
	size_t done = 0;

	(void)ctx;
	while (done < len) {
		ssize_t n = pread(h, buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return MCIM_ERR_IO;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*got = done;
	return MCIM_OK;
}

static mcim_err px_write(void *ctx, int h, const uint8_t *buf, size_t len,
			 size_t *written)
{
	ssize_t n;

	(void)ctx;
	do
		n = write(h, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return MCIM_ERR_IO;
	*written = (size_t)n;
	return MCIM_OK;
}

static mcim_err px_sync(void *ctx, int h)
{
	(void)ctx;
	return fdatasync(h) == 0 ? MCIM_OK : MCIM_ERR_IO;
}

static mcim_err px_truncate(void *ctx, int h, uint64_t len)
{
	(void)ctx;
	return ftruncate(h, (off_t)len) == 0 ? MCIM_OK : MCIM_ERR_IO;
}

static void px_close(void *ctx, int h)
{
	(void)ctx;
	close(h);
}

static const struct mcim_audit_io posix_io = {
    .open = px_open,
    .read = px_read,
    .write = px_write,
    .sync = px_sync,
    .truncate = px_truncate,
    .close = px_close,
    .ctx = NULL,
};

const struct mcim_audit_io *mcim_audit_io_posix(void)
{
	return &posix_io;
}
