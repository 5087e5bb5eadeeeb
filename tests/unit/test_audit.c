/*
 * The audit log (R-TRE-G09, T-18: "audit chain verified"): the byte layout against
 * docs/audit.md, rebuilt here by hand; append, reopen and verify; every kind of damage
 * reported at the right record with the right kind (each byte of several records
 * changed, each record deleted, records swapped and duplicated, the file cut at every
 * offset, checkpoints forged or re-signed by another key, a rewritten chain); anchors;
 * a fault injected into every I/O call of an append and of an open, with the log
 * after reopening always whole (record present or absent, never half); bounds.
 *
 * The test knows the format from the doc only: it finds records by their length
 * field, and where it plays the attacker it recomputes chain hashes itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mcim/audit.h"
#include "mcim/crypto.h"

#define MAX_RECS 128

static const char tag_genesis[] = "openmcim-audit-v1-genesis";
static const char tag_record[] = "openmcim-audit-v1-record";
static const char tag_checkpoint[] = "openmcim-audit-v1-checkpoint";

static struct mcim_p256_priv owner_priv, other_priv;
static struct mcim_p256_pub owner_pub, other_pub;
static uint8_t log_id[MCIM_AUDIT_LOG_ID_LEN];
static char dir[256];
static char path[512];

/* ---- helpers: signer, files, the layout as the doc gives it ---- */

struct tsigner {
	const struct mcim_p256_priv *priv;
	mcim_err fail;
	unsigned calls;
};

static mcim_err tsign(void *ctx, const uint8_t *msg, size_t len,
		      uint8_t sig[MCIM_P256_SIG_LEN])
{
	struct tsigner *t = ctx;

	t->calls++;
	if (t->fail != MCIM_OK)
		return t->fail;
	return mcim_p256_sign(t->priv, msg, len, sig);
}

static struct tsigner owner_ts;
static struct mcim_audit_signer owner_signer;

static struct mcim_audit_config config(uint32_t every, const struct mcim_audit_io *io)
{
	struct mcim_audit_config cfg = {
	    .log_id = log_id,
	    .checkpoint_every = every,
	    .io = io,
	    .signer = &owner_signer,
	};
	return cfg;
}

static uint8_t *read_all(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void write_all(const char *p, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint64_t be64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static void put_be64(uint8_t *b, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		b[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* Where each record starts and how long it is, from the length fields alone. */
struct layout {
	size_t n;
	size_t off[MAX_RECS + 1];
	size_t len[MAX_RECS + 1]; /* index 1..n */
	uint16_t type[MAX_RECS + 1];
};

static void find_records(const uint8_t *buf, size_t size, struct layout *l)
{
	size_t off = MCIM_AUDIT_HEADER_LEN;

	l->n = 0;
	while (off < size) {
		size_t len = be16(buf + off);

		assert_true(len >= MCIM_AUDIT_RECORD_MIN && off + len <= size);
		l->n++;
		assert_true(l->n <= MAX_RECS);
		l->off[l->n] = off;
		l->len[l->n] = len;
		l->type[l->n] = be16(buf + off + 6);
		off += len;
	}
}

/* SHA-256(tag || prev || record without its two hashes), as docs/audit.md says. */
static void chain_hash(const uint8_t *rec, size_t len, const uint8_t prev[32],
		       uint8_t out[32])
{
	const struct mcim_iov parts[] = {
	    {tag_record, sizeof(tag_record) - 1},
	    {prev, 32},
	    {rec, len - 64},
	};

	assert_int_equal(mcim_sha256_v(parts, 3, out), MCIM_OK);
}

/* The attacker's move: recompute prev and hash of records from..to (inclusive). */
static void relink(uint8_t *buf, const struct layout *l, size_t from, size_t to)
{
	for (size_t i = from; i <= to; i++) {
		uint8_t *rec = buf + l->off[i];
		size_t len = l->len[i];

		if (i > 1)
			memcpy(rec + len - 64, buf + l->off[i - 1] + l->len[i - 1] - 32,
			       32);
		chain_hash(rec, len, rec + len - 64, rec + len - 32);
	}
}

static unsigned last_checkpoint_upto(const struct layout *l, size_t n)
{
	unsigned cp = 0;

	for (size_t i = 1; i <= n; i++)
		if (l->type[i] == MCIM_AUDIT_EV_CHECKPOINT)
			cp = (unsigned)i;
	return cp;
}

/* Event i of the standard workload: sizes and types vary with i. */
struct event_buf {
	struct mcim_audit_event_in ev;
	uint8_t subject[MCIM_AUDIT_SUBJECT_MAX];
	uint8_t detail[MCIM_AUDIT_DETAIL_MAX];
};

static void make_event(unsigned i, struct event_buf *e)
{
	static const uint16_t types[] = {
	    MCIM_AUDIT_EV_MCIM_INSTALLED,  MCIM_AUDIT_EV_MCIM_STATE_CHANGED,
	    MCIM_AUDIT_EV_COMMAND_REFUSED, MCIM_AUDIT_EV_BOOT,
	    MCIM_AUDIT_EV_TRE_BASE + 3,
	};
	int n;

	memset(e, 0, sizeof(*e));
	e->ev.type = types[i % 5];
	e->ev.time = 1700000000u + i;
	e->ev.outcome = i % 3 == 0 ? MCIM_ERR_DENIED : MCIM_OK;
	n = i % 5 == 4 ? 0
		       : snprintf((char *)e->subject, sizeof(e->subject), "mcim-%u", i);
	e->ev.subject = e->subject;
	e->ev.subject_len = (size_t)n;
	e->ev.detail_len = (i * 7) % 41;
	for (size_t j = 0; j < e->ev.detail_len; j++)
		e->detail[j] = (uint8_t)(i + j);
	e->ev.detail = e->detail;
}

static void append_events(struct mcim_audit_writer *w, unsigned first, unsigned count)
{
	for (unsigned i = first; i < first + count; i++) {
		struct event_buf e;
		uint64_t seq;

		make_event(i, &e);
		assert_int_equal(mcim_audit_append(w, &e.ev, &seq), MCIM_OK);
		assert_true(seq > 0);
	}
}

/* A fresh log at path with events 0..n-1, checkpoint every `every`. */
static void build_log(unsigned n, uint32_t every, struct mcim_audit_head *head)
{
	struct mcim_audit_config cfg = config(every, NULL);
	struct mcim_audit_writer w;

	unlink(path);
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
	append_events(&w, 0, n);
	if (head != NULL)
		mcim_audit_head(&w, head);
	mcim_audit_close(&w);
}

static mcim_err verify(const uint8_t *buf, size_t len,
		       const struct mcim_audit_head *anchor,
		       struct mcim_audit_report *rep)
{
	return mcim_audit_verify_buf(buf, len, &owner_pub, anchor, rep);
}

static void check_break(mcim_err err, const struct mcim_audit_report *rep,
			enum mcim_audit_break brk, uint64_t index)
{
	assert_int_equal(err, MCIM_ERR_TAMPERED);
	if (rep->brk != brk || rep->index != index)
		fail_msg("expected %s at %llu, got %s at %llu",
			 mcim_audit_break_name(brk), (unsigned long long)index,
			 mcim_audit_break_name(rep->brk), (unsigned long long)rep->index);
	assert_int_equal(rep->records, index > 0 ? index - 1 : 0);
}

static void expect_break(const uint8_t *buf, size_t len, enum mcim_audit_break brk,
			 uint64_t index)
{
	struct mcim_audit_report rep;

	check_break(verify(buf, len, NULL, &rep), &rep, brk, index);
}

/*
 * The verification of a log whose first octets were already fed to `at`: a copy of
 * that state takes the rest. This is the computation mcim_audit_verify_buf does (a
 * verifier's result does not depend on how its input is split: append_reopen_verify),
 * without re-checking the same checkpoint signatures thousands of times, which would
 * make the test take minutes under valgrind.
 */
static mcim_err verify_rest(const struct mcim_audit_verifier *at, const uint8_t *rest,
			    size_t rest_len, struct mcim_audit_report *rep)
{
	struct mcim_audit_verifier v = *at;

	mcim_audit_verify_update(&v, rest, rest_len);
	return mcim_audit_verify_final(&v, rep);
}

/* ---- a fault-injecting back end over the POSIX one ---- */

enum fault_mode { FAULT_FAIL, FAULT_TORN };

struct fault_io {
	struct mcim_audit_io io;
	const struct mcim_audit_io *real;
	int armed;
	unsigned calls, fail_at;
	enum fault_mode mode;
	size_t partial;	  /* FAULT_TORN: octets a failing write still writes */
	size_t max_write; /* 0, or the most any write call accepts */
	int fired;
};

static int hit(struct fault_io *f)
{
	if (!f->armed)
		return 0;
	f->calls++;
	if (f->calls == f->fail_at) {
		f->fired = 1;
		return 1;
	}
	return 0;
}

static mcim_err f_open(void *ctx, const char *p, int writable, int *h)
{
	struct fault_io *f = ctx;

	if (hit(f))
		return MCIM_ERR_IO;
	return f->real->open(f->real->ctx, p, writable, h);
}

static mcim_err f_read(void *ctx, int h, uint64_t off, uint8_t *buf, size_t len,
		       size_t *got)
{
	struct fault_io *f = ctx;

	if (hit(f))
		return MCIM_ERR_IO;
	return f->real->read(f->real->ctx, h, off, buf, len, got);
}

static mcim_err f_write(void *ctx, int h, const uint8_t *buf, size_t len, size_t *written)
{
	struct fault_io *f = ctx;

	if (hit(f)) {
		if (f->mode == FAULT_TORN && f->partial > 0) {
			size_t n = 0;

			assert_true(f->partial < len);
			assert_int_equal(
			    f->real->write(f->real->ctx, h, buf, f->partial, &n),
			    MCIM_OK);
			assert_int_equal(n, f->partial);
		}
		return MCIM_ERR_IO;
	}
	if (f->max_write > 0 && len > f->max_write)
		len = f->max_write;
	return f->real->write(f->real->ctx, h, buf, len, written);
}

static mcim_err f_sync(void *ctx, int h)
{
	struct fault_io *f = ctx;

	if (hit(f))
		return MCIM_ERR_IO;
	return f->real->sync(f->real->ctx, h);
}

static mcim_err f_truncate(void *ctx, int h, uint64_t len)
{
	struct fault_io *f = ctx;

	if (hit(f))
		return MCIM_ERR_IO;
	return f->real->truncate(f->real->ctx, h, len);
}

static void f_close(void *ctx, int h)
{
	struct fault_io *f = ctx;

	f->real->close(f->real->ctx, h);
}

static void fault_init(struct fault_io *f)
{
	memset(f, 0, sizeof(*f));
	f->real = mcim_audit_io_posix();
	f->io.open = f_open;
	f->io.read = f_read;
	f->io.write = f_write;
	f->io.sync = f_sync;
	f->io.truncate = f_truncate;
	f->io.close = f_close;
	f->io.ctx = f;
}

static void fault_arm(struct fault_io *f, unsigned at, enum fault_mode mode,
		      size_t partial)
{
	f->armed = 1;
	f->calls = 0;
	f->fail_at = at;
	f->mode = mode;
	f->partial = partial;
	f->fired = 0;
}

/* ---- a visitor that keeps what it is shown ---- */

struct seen {
	size_t n;
	uint64_t seq[MAX_RECS];
	uint16_t type[MAX_RECS];
	uint64_t time[MAX_RECS];
	uint16_t outcome[MAX_RECS];
	size_t subject_len[MAX_RECS], detail_len[MAX_RECS];
	uint8_t subject[MAX_RECS][MCIM_AUDIT_SUBJECT_MAX];
	uint8_t detail[MAX_RECS][MCIM_AUDIT_DETAIL_MAX];
};

static void visit(void *ctx, const struct mcim_audit_record *r)
{
	struct seen *s = ctx;

	assert_true(s->n < MAX_RECS);
	s->seq[s->n] = r->seq;
	s->type[s->n] = r->type;
	s->time[s->n] = r->time;
	s->outcome[s->n] = r->outcome;
	s->subject_len[s->n] = r->subject_len;
	s->detail_len[s->n] = r->detail_len;
	memcpy(s->subject[s->n], r->subject, r->subject_len);
	memcpy(s->detail[s->n], r->detail, r->detail_len);
	s->n++;
}

static void assert_event_seen(const struct seen *s, size_t k, unsigned i)
{
	struct event_buf e;

	make_event(i, &e);
	assert_int_equal(s->type[k], e.ev.type);
	assert_int_equal(s->time[k], e.ev.time);
	assert_int_equal(s->outcome[k], e.ev.outcome);
	assert_int_equal(s->subject_len[k], e.ev.subject_len);
	assert_memory_equal(s->subject[k], e.subject, e.ev.subject_len);
	assert_int_equal(s->detail_len[k], e.ev.detail_len);
	if (e.ev.detail_len > 0)
		assert_memory_equal(s->detail[k], e.detail, e.ev.detail_len);
}

/* Verifies the file at path, visiting, and checks that the events are 0.. in order. */
static void verify_file_events(const struct mcim_audit_head *anchor,
			       struct mcim_audit_report *rep, unsigned *events)
{
	static struct seen s;
	struct mcim_audit_verifier v;
	uint8_t *buf;
	size_t len;

	memset(&s, 0, sizeof(s));
	buf = read_all(path, &len);
	mcim_audit_verify_init(&v, &owner_pub, anchor, visit, &s);
	mcim_audit_verify_update(&v, buf, len);
	assert_int_equal(mcim_audit_verify_final(&v, rep), MCIM_OK);
	free(buf);
	*events = 0;
	for (size_t k = 0; k < s.n; k++) {
		assert_int_equal(s.seq[k], k + 1);
		if (s.type[k] != MCIM_AUDIT_EV_CHECKPOINT)
			assert_event_seen(&s, k, (*events)++);
	}
}

/* ---- tests ---- */

static void names(void **state)
{
	(void)state;
	assert_string_equal(mcim_audit_event_name(MCIM_AUDIT_EV_MCIM_INSTALLED),
			    "MCIM_INSTALLED");
	assert_string_equal(mcim_audit_event_name(MCIM_AUDIT_EV_CHECKPOINT),
			    "CHECKPOINT");
	assert_string_equal(mcim_audit_event_name(MCIM_AUDIT_EV_AKA_FAILURE),
			    "AKA_FAILURE");
	assert_null(mcim_audit_event_name(0));
	assert_null(mcim_audit_event_name(MCIM_AUDIT_EV_TRE_BASE));
	for (int b = MCIM_AUDIT_INTACT; b <= MCIM_AUDIT_ANCHOR_MISMATCH; b++) {
		assert_string_not_equal(mcim_audit_break_name((enum mcim_audit_break)b),
					"UNKNOWN");
		for (int c = 0; c < b; c++)
			assert_string_not_equal(
			    mcim_audit_break_name((enum mcim_audit_break)b),
			    mcim_audit_break_name((enum mcim_audit_break)c));
	}
	assert_string_equal(mcim_audit_break_name(MCIM_AUDIT_TRUNCATED), "TRUNCATED");
	assert_string_equal(mcim_audit_break_name((enum mcim_audit_break)99), "UNKNOWN");
}

/*
 * The bytes on disk are the ones docs/audit.md describes, built here field by field;
 * the hashes and the checkpoint signature are checked with the crypto primitives.
 */
static void layout_matches_doc(void **state)
{
	static const uint8_t subject[] = {'m', 'c', 'i', 'm', '-', '1'};
	static const uint8_t detail[] = {0x01, 0x02};
	struct mcim_audit_event_in ev = {
	    .type = MCIM_AUDIT_EV_MCIM_INSTALLED,
	    .time = 0x65000000,
	    .outcome = MCIM_ERR_DENIED,
	    .subject = subject,
	    .subject_len = sizeof(subject),
	    .detail = detail,
	    .detail_len = sizeof(detail),
	};
	static const uint8_t fields[] = {
	    0x00, 0x62,				      /* record length 98 = 90 + 6 + 2 */
	    0x01,				      /* version */
	    0x06,				      /* subject length */
	    0x00, 0x02,				      /* detail length */
	    0x00, 0x20,				      /* MCIM_INSTALLED */
	    0x00, 23,				      /* outcome MCIM_ERR_DENIED */
	    0,	  0,	0,   0,	  0,	0,   0,	   1, /* seq */
	    0,	  0,	0,   0,	  0x65, 0,   0,	   0, /* time */
	    'm',  'c',	'i', 'm', '-',	'1', 0x01, 0x02,
	};
	struct mcim_audit_config cfg = config(0, NULL);
	struct mcim_audit_writer w;
	struct mcim_audit_head head;
	struct mcim_audit_report rep;
	uint8_t header[MCIM_AUDIT_HEADER_LEN], h0[32], h1[32], h2[32], msg[108];
	uint8_t *buf, *cp;
	size_t len;
	uint64_t seq;

	(void)state;
	unlink(path);
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
	mcim_audit_head(&w, &head);
	assert_int_equal(head.seq, 0);
	assert_int_equal(mcim_audit_append(&w, &ev, &seq), MCIM_OK);
	assert_int_equal(seq, 1);
	assert_int_equal(mcim_audit_checkpoint(&w, 0x65000010, &seq), MCIM_OK);
	assert_int_equal(seq, 2);
	mcim_audit_head(&w, &head);
	mcim_audit_close(&w);

	buf = read_all(path, &len);
	assert_int_equal(len, MCIM_AUDIT_HEADER_LEN + 98 + 90 + 96);
	memcpy(header, "MCIMAUDL\x00\x01\x00\x00", 12);
	memcpy(header + 12, log_id, 32);
	assert_memory_equal(buf, header, sizeof(header));
	{
		const struct mcim_iov g[] = {{tag_genesis, sizeof(tag_genesis) - 1},
					     {header, sizeof(header)}};
		assert_int_equal(mcim_sha256_v(g, 2, h0), MCIM_OK);
	}
	assert_memory_equal(buf + 44, fields, sizeof(fields));
	assert_memory_equal(buf + 44 + 34, h0, 32); /* prev = genesis */
	chain_hash(buf + 44, 98, h0, h1);
	assert_memory_equal(buf + 44 + 66, h1, 32);

	cp = buf + 44 + 98;
	assert_int_equal(be16(cp), 186);
	assert_int_equal(cp[2], 1);
	assert_int_equal(cp[3], 0);
	assert_int_equal(be16(cp + 4), 96);
	assert_int_equal(be16(cp + 6), MCIM_AUDIT_EV_CHECKPOINT);
	assert_int_equal(be16(cp + 8), 0);
	assert_int_equal(be64(cp + 10), 2);
	assert_int_equal(be64(cp + 18), 0x65000010);
	assert_memory_equal(cp + 26, h1, 32); /* the head it covers */
	/* The signed message: tag || log id || head seq || head hash || time. */
	memcpy(msg, tag_checkpoint, 28);
	memcpy(msg + 28, log_id, 32);
	put_be64(msg + 60, 1);
	memcpy(msg + 68, h1, 32);
	put_be64(msg + 100, 0x65000010);
	assert_int_equal(mcim_p256_verify(&owner_pub, msg, sizeof(msg), cp + 58),
			 MCIM_OK);
	assert_memory_equal(cp + 122, h1, 32);
	chain_hash(cp, 186, h1, h2);
	assert_memory_equal(cp + 154, h2, 32);
	assert_int_equal(head.seq, 2);
	assert_memory_equal(head.hash, h2, 32);

	assert_int_equal(verify(buf, len, &head, &rep), MCIM_OK);
	assert_int_equal(rep.records, 2);
	assert_memory_equal(rep.log_id, log_id, 32);
	free(buf);
}

/* R-TRE-G09: records survive close and reopen; the verifier sees them all, in order. */
static void append_reopen_verify(void **state)
{
	struct mcim_audit_config cfg = config(8, NULL);
	struct mcim_audit_writer w;
	struct mcim_audit_head head, head2;
	struct mcim_audit_report rep, rep2;
	struct mcim_audit_verifier v;
	uint8_t *buf;
	size_t len;
	unsigned events;

	(void)state;
	build_log(30, 8, &head);
	/* 30 events, a checkpoint after every 8: seq 9, 18, 27. */
	assert_int_equal(head.seq, 33);
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
	assert_int_equal(mcim_audit_torn_octets(&w), 0);
	mcim_audit_head(&w, &head2);
	assert_int_equal(head2.seq, head.seq);
	assert_memory_equal(head2.hash, head.hash, 32);
	append_events(&w, 30, 20);
	mcim_audit_head(&w, &head);
	mcim_audit_close(&w);
	/* The count since the last checkpoint carried over the reopen: 36, 45, 54. */
	assert_int_equal(head.seq, 56);

	verify_file_events(&head, &rep, &events);
	assert_int_equal(events, 50);
	assert_int_equal(rep.brk, MCIM_AUDIT_INTACT);
	assert_int_equal(rep.records, 56);
	assert_int_equal(rep.checkpoints, 6);
	assert_int_equal(rep.last_checkpoint, 54);
	assert_int_equal(rep.anchored, 54);
	assert_int_equal(rep.unanchored, 2);
	assert_int_equal(rep.head.seq, 56);
	assert_memory_equal(rep.head.hash, head.hash, 32);

	/* The same through the file reader, and fed one octet at a time. */
	assert_int_equal(mcim_audit_verify_file(path, NULL, &owner_pub, &head, &rep2),
			 MCIM_OK);
	assert_memory_equal(&rep2, &rep, sizeof(rep));
	buf = read_all(path, &len);
	mcim_audit_verify_init(&v, &owner_pub, &head, NULL, NULL);
	for (size_t i = 0; i < len; i++)
		mcim_audit_verify_update(&v, buf + i, 1);
	assert_int_equal(mcim_audit_verify_final(&v, &rep2), MCIM_OK);
	assert_memory_equal(&rep2, &rep, sizeof(rep));
	free(buf);
	unlink(path);
}

/* Every byte of the header and of several records, changed: the right record, MODIFIED.
 */
static void modify_every_byte(void **state)
{
	static const uint8_t flips[] = {0x01, 0x80};
	struct layout l;
	uint8_t *buf;
	size_t len;

	(void)state;
	build_log(50, 8, NULL);
	buf = read_all(path, &len);
	find_records(buf, len, &l);
	assert_int_equal(l.n, 56);
	assert_int_equal(l.type[9], MCIM_AUDIT_EV_CHECKPOINT);
	for (size_t j = 0; j < MCIM_AUDIT_HEADER_LEN; j++) {
		buf[j] ^= 0x01;
		/* The log id is not checked by itself: record 1 no longer links to it. */
		expect_break(buf, len, j < 12 ? MCIM_AUDIT_BAD_HEADER : MCIM_AUDIT_CHAIN,
			     j < 12 ? 0 : 1);
		buf[j] ^= 0x01;
	}
	static const size_t targets[] = {1, 9, 30, 54, 56};
	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		size_t k = targets[t];
		struct mcim_audit_verifier pre;
		struct mcim_audit_report rep;

		mcim_audit_verify_init(&pre, &owner_pub, NULL, NULL, NULL);
		mcim_audit_verify_update(&pre, buf, l.off[k]);
		for (size_t j = 0; j < l.len[k]; j++)
			for (size_t f = 0; f < sizeof(flips); f++) {
				buf[l.off[k] + j] ^= flips[f];
				check_break(verify_rest(&pre, buf + l.off[k],
							len - l.off[k], &rep),
					    &rep, MCIM_AUDIT_MODIFIED, k);
				assert_int_equal(rep.offset, l.off[k]);
				if (j == l.len[k] / 2)
					expect_break(buf, len, MCIM_AUDIT_MODIFIED, k);
				buf[l.off[k] + j] ^= flips[f];
			}
	}
	free(buf);
	unlink(path);
}

/* Deleting any one record: SEQUENCE there; the last one only an anchor catches. */
static void delete_each_record(void **state)
{
	struct mcim_audit_head head;
	struct mcim_audit_report rep;
	struct layout l;
	uint8_t *buf, *cut;
	size_t len;

	(void)state;
	build_log(50, 8, &head);
	buf = read_all(path, &len);
	find_records(buf, len, &l);
	cut = malloc(len);
	assert_non_null(cut);
	for (size_t k = 1; k <= l.n; k++) {
		size_t n = l.off[k];

		memcpy(cut, buf, n);
		memcpy(cut + n, buf + n + l.len[k], len - n - l.len[k]);
		n = len - l.len[k];
		if (k < l.n) {
			expect_break(cut, n, MCIM_AUDIT_SEQUENCE, k);
			assert_int_equal(verify(cut, n, NULL, &rep), MCIM_ERR_TAMPERED);
			assert_int_equal(rep.found_seq, k + 1);
			assert_int_equal(rep.offset, l.off[k]);
			continue;
		}
		assert_int_equal(verify(cut, n, NULL, &rep), MCIM_OK);
		assert_int_equal(rep.records, l.n - 1);
		assert_int_equal(rep.unanchored, 1);
		assert_int_equal(verify(cut, n, &head, &rep), MCIM_ERR_TAMPERED);
		assert_int_equal(rep.brk, MCIM_AUDIT_BEHIND_ANCHOR);
		assert_int_equal(rep.index, l.n);
	}
	free(cut);
	free(buf);
	unlink(path);
}

static void swap_records(uint8_t *dst, const uint8_t *src, size_t len,
			 const struct layout *l, size_t a, size_t b)
{
	size_t p = 0;

	for (size_t i = 1; i <= l->n; i++) {
		size_t k = i == a ? b : i == b ? a : i;

		memcpy(dst + p, src + l->off[k], l->len[k]);
		p += l->len[k];
	}
	assert_int_equal(p, len - MCIM_AUDIT_HEADER_LEN);
}

/* Records swapped (next to each other or not) or repeated: SEQUENCE at the first. */
static void swap_and_duplicate(void **state)
{
	static const size_t pairs[][2] = {{1, 2},   {8, 9},  {20, 21},
					  {55, 56}, {3, 40}, {1, 56}};
	struct mcim_audit_report rep;
	struct layout l;
	uint8_t *buf, *out;
	size_t len;

	(void)state;
	build_log(50, 8, NULL);
	buf = read_all(path, &len);
	find_records(buf, len, &l);
	out = malloc(len + MCIM_AUDIT_RECORD_MAX);
	assert_non_null(out);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		size_t a = pairs[i][0], b = pairs[i][1];

		memcpy(out, buf, MCIM_AUDIT_HEADER_LEN);
		swap_records(out + MCIM_AUDIT_HEADER_LEN, buf, len, &l, a, b);
		expect_break(out, len, MCIM_AUDIT_SEQUENCE, a);
		assert_int_equal(verify(out, len, NULL, &rep), MCIM_ERR_TAMPERED);
		assert_int_equal(rep.found_seq, b);
	}
	/* Record 20 repeated right after itself. */
	{
		size_t end20 = l.off[20] + l.len[20];

		memcpy(out, buf, end20);
		memcpy(out + end20, buf + l.off[20], l.len[20]);
		memcpy(out + end20 + l.len[20], buf + end20, len - end20);
		expect_break(out, len + l.len[20], MCIM_AUDIT_SEQUENCE, 21);
		assert_int_equal(verify(out, len + l.len[20], NULL, &rep),
				 MCIM_ERR_TAMPERED);
		assert_int_equal(rep.found_seq, 20);
	}
	free(out);
	free(buf);
	unlink(path);
}

/*
 * The file cut at every offset: inside the header or a record it is TRUNCATED there;
 * at a record boundary it verifies, with the records after the last checkpoint counted
 * as unanchored, and only the anchor shows that records are missing.
 */
static void truncate_every_offset(void **state)
{
	struct mcim_audit_verifier run;
	struct mcim_audit_head head;
	struct mcim_audit_report rep, rep2;
	mcim_err err;
	struct layout l;
	uint8_t *buf;
	size_t len, k = 0;

	(void)state;
	build_log(50, 8, &head);
	buf = read_all(path, &len);
	find_records(buf, len, &l);
	/* One verifier is fed the log an octet at a time; the log cut at t is what a
	 * copy of it holding t octets says at its end (see verify_rest). At every record
	 * boundary and at one offset inside each record, mcim_audit_verify_buf too. */
	mcim_audit_verify_init(&run, &owner_pub, NULL, NULL, NULL);
	for (size_t t = 0; t <= len; t++) {
		int spot;

		/* k: records wholly before t */
		while (k < l.n && l.off[k + 1] + l.len[k + 1] <= t)
			k++;
		spot = k < l.n && t == l.off[k + 1] + 30;
		err = verify_rest(&run, NULL, 0, &rep);
		if (t < len)
			mcim_audit_verify_update(&run, buf + t, 1);
		if (t < MCIM_AUDIT_HEADER_LEN) {
			check_break(err, &rep, MCIM_AUDIT_TRUNCATED, 0);
			assert_int_equal(rep.offset, 0);
			continue;
		}
		if (k < l.n && t > l.off[k + 1]) {
			check_break(err, &rep, MCIM_AUDIT_TRUNCATED, k + 1);
			assert_int_equal(rep.offset, l.off[k + 1]);
			if (spot)
				expect_break(buf, t, MCIM_AUDIT_TRUNCATED, k + 1);
			continue;
		}
		assert_int_equal(err, MCIM_OK);
		assert_int_equal(rep.records, k);
		assert_int_equal(rep.last_checkpoint, last_checkpoint_upto(&l, k));
		assert_int_equal(rep.unanchored, k - last_checkpoint_upto(&l, k));
		assert_int_equal(verify(buf, t, NULL, &rep2), MCIM_OK);
		assert_memory_equal(&rep2, &rep, sizeof(rep));
		if (k < l.n) {
			assert_int_equal(verify(buf, t, &head, &rep), MCIM_ERR_TAMPERED);
			assert_int_equal(rep.brk, MCIM_AUDIT_BEHIND_ANCHOR);
			assert_int_equal(rep.index, k + 1);
		} else {
			assert_int_equal(verify(buf, t, &head, &rep), MCIM_OK);
		}
	}
	free(buf);
	unlink(path);
}

/*
 * Checkpoints: a log signed by another key fails at its first checkpoint; a chain
 * rewritten with fresh hashes is caught at the next checkpoint (T-18) or, after the
 * last one, by the anchor only; a malformed checkpoint is refused.
 */
static void forged_checkpoints(void **state)
{
	struct tsigner other_ts = {.priv = &other_priv};
	struct mcim_audit_signer other_signer = {
	    .sign = tsign, .ctx = &other_ts, .pub = other_pub};
	struct mcim_audit_config cfg = config(8, NULL);
	struct mcim_audit_writer w;
	struct mcim_audit_head head;
	struct mcim_audit_report rep;
	struct layout l;
	uint8_t *buf, *copy;
	size_t len;

	(void)state;
	/* The whole log written and signed by someone else. */
	unlink(path);
	cfg.signer = &other_signer;
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
	append_events(&w, 0, 20);
	mcim_audit_close(&w);
	buf = read_all(path, &len);
	expect_break(buf, len, MCIM_AUDIT_BAD_CHECKPOINT, 9);
	assert_int_equal(mcim_audit_verify_buf(buf, len, &other_pub, NULL, &rep),
			 MCIM_OK);
	free(buf);

	/* The owner's log, its second checkpoint replaced by one the other key signed
	 * over the right head, and the chain relinked around it. */
	build_log(50, 8, &head);
	buf = read_all(path, &len);
	find_records(buf, len, &l);
	copy = malloc(len);
	assert_non_null(copy);
	{
		uint8_t *cp = buf + l.off[18];
		uint8_t msg[108];

		memcpy(copy, buf, len);
		memcpy(msg, tag_checkpoint, 28);
		memcpy(msg + 28, log_id, 32);
		put_be64(msg + 60, 17);
		memcpy(msg + 68, cp + 26, 32);
		memcpy(msg + 100, cp + 18, 8);
		assert_int_equal(mcim_p256_sign(&other_priv, msg, sizeof(msg), cp + 58),
				 MCIM_OK);
		relink(buf, &l, 18, l.n);
		expect_break(buf, len, MCIM_AUDIT_BAD_CHECKPOINT, 18);
		memcpy(buf, copy, len);
	}

	/* Record 12 edited and its own hash recomputed: the next record does not link. */
	buf[l.off[12] + 20] ^= 0x40; /* its time */
	relink(buf, &l, 12, 12);
	expect_break(buf, len, MCIM_AUDIT_CHAIN, 13);
	/* ... relinked up to the checkpoint: the checkpoint covers another head. */
	relink(buf, &l, 12, l.n);
	expect_break(buf, len, MCIM_AUDIT_CHECKPOINT_MISMATCH, 18);
	/* ... and the checkpoint's head field changed to match: signature fails. */
	memcpy(buf + l.off[18] + 26, buf + l.off[17] + l.len[17] - 32, 32);
	relink(buf, &l, 18, l.n);
	expect_break(buf, len, MCIM_AUDIT_BAD_CHECKPOINT, 18);
	memcpy(buf, copy, len);

	/* Edited after the last checkpoint and relinked: nothing but the anchor sees it.
	 */
	buf[l.off[55] + 20] ^= 0x40;
	relink(buf, &l, 55, l.n);
	assert_int_equal(verify(buf, len, NULL, &rep), MCIM_OK);
	assert_int_equal(rep.unanchored, 2);
	assert_int_equal(verify(buf, len, &head, &rep), MCIM_ERR_TAMPERED);
	assert_int_equal(rep.brk, MCIM_AUDIT_ANCHOR_MISMATCH);
	assert_int_equal(rep.index, 56);
	memcpy(buf, copy, len);

	/* A checkpoint with a subject, with a short detail, with an error outcome (each
	 * with consistent lengths and a relinked chain, so only the checkpoint rule is
	 * left to object). */
	for (int m = 0; m < 3; m++) {
		uint8_t *cp = buf + l.off[9];
		size_t n = len;

		if (m == 0) {
			cp[3] = 1; /* one octet moves from the detail to the subject */
			cp[5] = 95;
		} else if (m == 1) {
			cp[1] = 185;
			cp[5] = 95;
			memmove(cp + 121, cp + 122, len - l.off[9] - 122);
			n--;
			find_records(buf, n, &l);
		} else {
			cp[9] = 1;
		}
		relink(buf, &l, 9, l.n);
		expect_break(buf, n, MCIM_AUDIT_BAD_CHECKPOINT, 9);
		memcpy(buf, copy, len);
		find_records(buf, len, &l);
	}
	free(copy);
	free(buf);
	unlink(path);
}

/* Anchors (the head the TRE keeps in its sealed store). */
static void anchors(void **state)
{
	struct mcim_audit_config cfg = config(8, NULL);
	struct mcim_audit_writer w;
	struct mcim_audit_head a0, a20, head, bad;
	struct mcim_audit_report rep;
	uint8_t *buf;
	size_t len;

	(void)state;
	unlink(path);
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
	mcim_audit_head(&w, &a0);
	append_events(&w, 0, 18); /* seq 20 after two checkpoints */
	mcim_audit_head(&w, &a20);
	assert_int_equal(a20.seq, 20);
	append_events(&w, 18, 10);
	mcim_audit_head(&w, &head);
	mcim_audit_close(&w);
	buf = read_all(path, &len);
	assert_int_equal(verify(buf, len, &a0, &rep), MCIM_OK);
	assert_int_equal(verify(buf, len, &a20, &rep), MCIM_OK);
	assert_int_equal(verify(buf, len, &head, &rep), MCIM_OK);
	bad = a20;
	bad.hash[31] ^= 1;
	assert_int_equal(verify(buf, len, &bad, &rep), MCIM_ERR_TAMPERED);
	assert_int_equal(rep.brk, MCIM_AUDIT_ANCHOR_MISMATCH);
	assert_int_equal(rep.index, 20);
	assert_int_equal(rep.records, 19);
	bad = a0;
	bad.hash[0] ^= 1;
	assert_int_equal(verify(buf, len, &bad, &rep), MCIM_ERR_TAMPERED);
	assert_int_equal(rep.brk, MCIM_AUDIT_ANCHOR_MISMATCH);
	assert_int_equal(rep.index, 0);
	/* A head from the future: the log is behind it. */
	bad = head;
	bad.seq++;
	assert_int_equal(verify(buf, len, &bad, &rep), MCIM_ERR_TAMPERED);
	assert_int_equal(rep.brk, MCIM_AUDIT_BEHIND_ANCHOR);
	assert_int_equal(rep.index, head.seq + 1);
	assert_int_equal(rep.offset, len);
	free(buf);
	unlink(path);
}

/*
 * A fault in each I/O call of an append, here the 8th append, which is followed by a
 * checkpoint: write, sync, checkpoint write, checkpoint sync. After it the writer
 * refuses to go on; reopened, the log verifies and holds the record wholly or not at
 * all, and the checkpoint that was due is written by the next append.
 */
static void fault_each_append_call(void **state)
{
	struct fault_io f;
	struct mcim_audit_config cfg;
	struct mcim_audit_writer w;
	struct mcim_audit_report rep;
	struct mcim_audit_head head;
	struct event_buf e;
	uint8_t *base;
	size_t base_len;
	unsigned events;

	(void)state;
	build_log(7, 8, NULL);
	base = read_all(path, &base_len);
	fault_init(&f);
	cfg = config(8, &f.io);
	make_event(7, &e);
	for (unsigned k = 1;; k++) {
		uint64_t seq = 99;
		mcim_err err;

		write_all(path, base, base_len);
		f.armed = 0;
		assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
		fault_arm(&f, k, FAULT_FAIL, 0);
		err = mcim_audit_append(&w, &e.ev, &seq);
		if (!f.fired) {
			assert_int_equal(err, MCIM_OK);
			assert_int_equal(k, 5);
			mcim_audit_close(&w);
			break;
		}
		assert_int_equal(err, MCIM_ERR_IO);
		assert_int_equal(seq, k <= 2 ? 0 : 8);
		/* Sticky until reopened. */
		assert_int_equal(mcim_audit_append(&w, &e.ev, &seq), MCIM_ERR_IO);
		assert_int_equal(seq, 0);
		assert_int_equal(mcim_audit_checkpoint(&w, 1, &seq), MCIM_ERR_IO);
		mcim_audit_close(&w);

		f.armed = 0;
		assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
		assert_int_equal(mcim_audit_torn_octets(&w), 0);
		mcim_audit_head(&w, &head);
		/* A failed write wrote nothing; a failed sync left the data in place. */
		assert_int_equal(head.seq, k == 1 ? 7 : k <= 3 ? 8 : 9);
		verify_file_events(NULL, &rep, &events);
		assert_int_equal(events, k == 1 ? 7 : 8);
		/* The next append completes what was due. */
		append_events(&w, events, 1);
		mcim_audit_head(&w, &head);
		assert_int_equal(head.seq, k == 1 ? 9 : 10);
		mcim_audit_close(&w);
		verify_file_events(NULL, &rep, &events);
		assert_int_equal(rep.checkpoints, 1);
		assert_int_equal(rep.last_checkpoint, k == 2 || k == 3 ? 10 : 9);
	}
	free(base);
	unlink(path);
}

/*
 * Power lost in the middle of a write: every prefix of the record (and of the
 * checkpoint after it) left on disk. Reopening truncates exactly that prefix.
 */
static void torn_write_every_length(void **state)
{
	struct fault_io f;
	struct mcim_audit_config cfg;
	struct mcim_audit_writer w;
	struct mcim_audit_report rep;
	struct mcim_audit_head head;
	struct event_buf e;
	uint8_t *base;
	size_t base_len, rec_len;
	unsigned events;

	(void)state;
	build_log(7, 8, NULL);
	base = read_all(path, &base_len);
	fault_init(&f);
	cfg = config(8, &f.io);
	make_event(7, &e);
	rec_len = MCIM_AUDIT_RECORD_MIN + e.ev.subject_len + e.ev.detail_len;
	for (unsigned call = 1; call <= 3; call += 2) {
		size_t full = call == 1 ? rec_len : MCIM_AUDIT_RECORD_MIN + 96;

		for (size_t p = 0; p < full; p++) {
			uint64_t seq;

			write_all(path, base, base_len);
			f.armed = 0;
			assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
			fault_arm(&f, call, FAULT_TORN, p);
			assert_int_equal(mcim_audit_append(&w, &e.ev, &seq), MCIM_ERR_IO);
			assert_true(f.fired);
			mcim_audit_close(&w);
			/* A verifier looking now sees the torn record. */
			if (p > 0) {
				uint8_t *buf;
				size_t len;

				buf = read_all(path, &len);
				expect_break(buf, len, MCIM_AUDIT_TRUNCATED,
					     call == 1 ? 8 : 9);
				free(buf);
			}
			f.armed = 0;
			assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
			assert_int_equal(mcim_audit_torn_octets(&w), p);
			mcim_audit_head(&w, &head);
			assert_int_equal(head.seq, call == 1 ? 7 : 8);
			mcim_audit_close(&w);
			verify_file_events(NULL, &rep, &events);
			assert_int_equal(events, call == 1 ? 7 : 8);
		}
	}
	free(base);
	unlink(path);
}

/* A back end that takes at most a few octets per write call still gets whole records. */
static void short_writes(void **state)
{
	struct fault_io f;
	struct mcim_audit_config cfg;
	struct mcim_audit_writer w;
	struct mcim_audit_report rep;
	unsigned events;

	(void)state;
	unlink(path);
	fault_init(&f);
	f.max_write = 7;
	cfg = config(4, &f.io);
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
	append_events(&w, 0, 10);
	mcim_audit_close(&w);
	verify_file_events(NULL, &rep, &events);
	assert_int_equal(events, 10);
	assert_int_equal(rep.checkpoints, 2);
	unlink(path);
}

/* A back end whose write reports no progress (or too much) is an I/O error. */
static mcim_err zero_write(void *ctx, int h, const uint8_t *buf, size_t len,
			   size_t *written)
{
	(void)ctx;
	(void)h;
	(void)buf;
	*written = len == 0 ? 0 : len == MCIM_AUDIT_HEADER_LEN ? len : 0;
	return MCIM_OK;
}

static mcim_err over_write(void *ctx, int h, const uint8_t *buf, size_t len,
			   size_t *written)
{
	(void)ctx;
	(void)h;
	(void)buf;
	*written = len + (len != MCIM_AUDIT_HEADER_LEN);
	return MCIM_OK;
}

static void broken_backend(void **state)
{
	struct mcim_audit_io io = *mcim_audit_io_posix();
	struct mcim_audit_config cfg = config(0, &io);
	struct mcim_audit_writer w;
	struct event_buf e;

	(void)state;
	make_event(1, &e);
	for (int m = 0; m < 2; m++) {
		unlink(path);
		io.write = m == 0 ? zero_write : over_write;
		assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
		assert_int_equal(mcim_audit_append(&w, &e.ev, NULL), MCIM_ERR_IO);
		mcim_audit_close(&w);
	}
	unlink(path);
}

/*
 * Faults while opening: of a new file (open, read, header write, header sync) and of a
 * file with a torn tail (open, read, truncate, sync). Each fails cleanly; the next
 * open finishes the job.
 */
static void fault_each_open_call(void **state)
{
	struct fault_io f;
	struct mcim_audit_config cfg;
	struct mcim_audit_writer w;
	struct mcim_audit_report rep;
	uint8_t *base;
	size_t base_len;
	unsigned events;

	(void)state;
	build_log(5, 0, NULL);
	base = read_all(path, &base_len);
	fault_init(&f);
	cfg = config(0, &f.io);
	for (int torn = 0; torn < 2; torn++) {
		for (unsigned k = 1;; k++) {
			mcim_err err;

			if (torn)
				write_all(path, base, base_len - 5);
			else
				unlink(path);
			fault_arm(&f, k, FAULT_FAIL, 0);
			err = mcim_audit_open(&w, path, &cfg);
			if (!f.fired) {
				assert_int_equal(err, MCIM_OK);
				assert_int_equal(k, 5);
				mcim_audit_close(&w);
				break;
			}
			assert_int_equal(err, MCIM_ERR_IO);
			f.armed = 0;
			assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
			mcim_audit_close(&w);
			verify_file_events(NULL, &rep, &events);
			assert_int_equal(events, torn ? 4 : 0);
		}
	}
	/* The verifier's own reads fail too. */
	fault_arm(&f, 2, FAULT_FAIL, 0);
	assert_int_equal(mcim_audit_verify_file(path, &f.io, &owner_pub, NULL, &rep),
			 MCIM_ERR_IO);
	free(base);
	unlink(path);
}

/* What open refuses, leaving the file as it was. */
static void open_refuses(void **state)
{
	struct mcim_audit_config cfg = config(0, NULL);
	struct mcim_audit_writer w, w2;
	struct mcim_audit_report rep;
	uint8_t other_id[MCIM_AUDIT_LOG_ID_LEN];
	struct layout l;
	uint8_t *buf, *after;
	size_t len, len2;

	(void)state;
	build_log(10, 4, NULL);
	buf = read_all(path, &len);
	find_records(buf, len, &l);

	/* A second writer on the same file. */
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
	assert_int_equal(mcim_audit_open(&w2, path, &cfg), MCIM_ERR_LOCKED);
	mcim_audit_close(&w2);
	mcim_audit_close(&w);

	/* Another log id. */
	memcpy(other_id, log_id, sizeof(other_id));
	other_id[5] ^= 1;
	cfg.log_id = other_id;
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_ERR_FOREIGN_STORE);
	cfg.log_id = log_id;

	/* Not a log, or a version it does not know. */
	buf[0] = 'X';
	write_all(path, buf, len);
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_ERR_PARSE);
	buf[0] = 'M';
	buf[9] = 2;
	write_all(path, buf, len);
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_ERR_PARSE);
	buf[9] = 1;

	/* Damage that no interrupted append makes, even at the very end: a whole last
	 * record with a changed octet, garbage after the last record, a middle record
	 * changed. None is cut away. */
	for (int m = 0; m < 3; m++) {
		size_t n = len;
		uint8_t *mod = malloc(len + MCIM_AUDIT_RECORD_FIXED);

		assert_non_null(mod);
		memcpy(mod, buf, len);
		if (m == 0) {
			mod[len - 40] ^= 1;
		} else if (m == 1) {
			memset(mod + len, 0, MCIM_AUDIT_RECORD_FIXED);
			n += MCIM_AUDIT_RECORD_FIXED;
		} else {
			mod[l.off[3] + 30] ^= 1;
		}
		write_all(path, mod, n);
		assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_ERR_TAMPERED);
		after = read_all(path, &len2);
		assert_int_equal(len2, n);
		assert_memory_equal(after, mod, n);
		free(after);
		free(mod);
	}

	/* A file shorter than a header holds no record: it is started again. */
	write_all(path, buf, 10);
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
	assert_int_equal(mcim_audit_torn_octets(&w), 10);
	mcim_audit_close(&w);
	after = read_all(path, &len2);
	assert_int_equal(len2, MCIM_AUDIT_HEADER_LEN);
	assert_memory_equal(after, buf, MCIM_AUDIT_HEADER_LEN);
	free(after);

	/* A path the back end cannot take, a directory that is not there. */
	{
		static char long_path[5000];

		memset(long_path, 'a', sizeof(long_path) - 1);
		assert_int_equal(mcim_audit_open(&w, long_path, &cfg),
				 MCIM_ERR_TOO_LARGE);
	}
	assert_int_equal(mcim_audit_open(&w, "/nonexistent-dir/x/audit.log", &cfg),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(mcim_audit_verify_file("/nonexistent-dir/x/audit.log", NULL,
						&owner_pub, NULL, &rep),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(mcim_audit_open(&w, dir, &cfg), MCIM_ERR_IO);
	free(buf);
	unlink(path);
}

/* Bounds: an event over a limit is refused and nothing reaches the file. */
static void bounds(void **state)
{
	struct mcim_audit_config cfg = config(0, NULL);
	struct mcim_audit_writer w;
	struct mcim_audit_head before, after;
	struct mcim_audit_report rep;
	struct event_buf e;
	uint8_t big[MCIM_AUDIT_DETAIL_MAX + 1] = {0};
	uint8_t *buf;
	size_t len, len0;
	uint64_t seq;

	(void)state;
	build_log(3, 0, NULL);
	free(read_all(path, &len0));
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
	mcim_audit_head(&w, &before);
	make_event(1, &e);

	e.ev.detail = big;
	e.ev.detail_len = MCIM_AUDIT_DETAIL_MAX + 1;
	assert_int_equal(mcim_audit_append(&w, &e.ev, &seq), MCIM_ERR_TOO_LARGE);
	assert_int_equal(seq, 0);
	e.ev.detail_len = 0;
	e.ev.subject = big;
	e.ev.subject_len = MCIM_AUDIT_SUBJECT_MAX + 1;
	assert_int_equal(mcim_audit_append(&w, &e.ev, &seq), MCIM_ERR_TOO_LARGE);
	e.ev.subject_len = 0;
	e.ev.type = 0;
	assert_int_equal(mcim_audit_append(&w, &e.ev, &seq), MCIM_ERR_INVALID_ARG);
	e.ev.type = MCIM_AUDIT_EV_MAX + 1;
	assert_int_equal(mcim_audit_append(&w, &e.ev, &seq), MCIM_ERR_INVALID_ARG);
	e.ev.type = MCIM_AUDIT_EV_CHECKPOINT;
	assert_int_equal(mcim_audit_append(&w, &e.ev, &seq), MCIM_ERR_INVALID_ARG);
	e.ev.type = MCIM_AUDIT_EV_TAMPER;
	e.ev.outcome = MCIM_ERR_COUNT_;
	assert_int_equal(mcim_audit_append(&w, &e.ev, &seq), MCIM_ERR_INVALID_ARG);
	mcim_audit_head(&w, &after);
	assert_memory_equal(&after, &before, sizeof(after));
	free(read_all(path, &len));
	assert_int_equal(len, len0);

	/* Exactly at the limits: accepted. */
	e.ev.outcome = MCIM_ERR_INTERNAL;
	e.ev.type = MCIM_AUDIT_EV_MAX;
	e.ev.subject_len = MCIM_AUDIT_SUBJECT_MAX;
	e.ev.detail = big;
	e.ev.detail_len = MCIM_AUDIT_DETAIL_MAX;
	assert_int_equal(mcim_audit_append(&w, &e.ev, &seq), MCIM_OK);
	assert_int_equal(seq, 4);
	free(read_all(path, &len));
	assert_int_equal(len, len0 + MCIM_AUDIT_RECORD_MAX);

	/* The sequence space is the last bound (reached here by setting the state). */
	w.head.seq = UINT64_MAX;
	assert_int_equal(mcim_audit_append(&w, &e.ev, &seq), MCIM_ERR_FULL);
	assert_int_equal(mcim_audit_checkpoint(&w, 1, &seq), MCIM_ERR_FULL);
	mcim_audit_close(&w);
	buf = read_all(path, &len);
	assert_int_equal(verify(buf, len, NULL, &rep), MCIM_OK);
	assert_int_equal(rep.records, 4);
	free(buf);
	unlink(path);
}

/*
 * The signer: its failure leaves the record written and the checkpoint due; a
 * signature by the wrong key is caught before it reaches the log.
 */
static void signer_failures(void **state)
{
	struct tsigner wrong_ts = {.priv = &other_priv};
	struct mcim_audit_signer wrong = {
	    .sign = tsign, .ctx = &wrong_ts, .pub = owner_pub};
	struct mcim_audit_config cfg = config(3, NULL);
	struct mcim_audit_writer w;
	struct mcim_audit_head head;
	struct mcim_audit_report rep;
	unsigned events;
	uint64_t seq;
	struct event_buf e;

	(void)state;
	unlink(path);
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
	append_events(&w, 0, 2);
	owner_ts.fail = MCIM_ERR_LOCKED;
	make_event(2, &e);
	assert_int_equal(mcim_audit_append(&w, &e.ev, &seq), MCIM_ERR_LOCKED);
	assert_int_equal(seq, 3);
	assert_int_equal(mcim_audit_checkpoint(&w, 5, &seq), MCIM_ERR_LOCKED);
	assert_int_equal(seq, 0);
	owner_ts.fail = MCIM_OK;
	append_events(&w, 3, 1); /* seq 4, then the checkpoint still due: seq 5 */
	mcim_audit_head(&w, &head);
	assert_int_equal(head.seq, 5);
	mcim_audit_close(&w);

	cfg.signer = &wrong;
	assert_int_equal(mcim_audit_open(&w, path, &cfg), MCIM_OK);
	assert_int_equal(mcim_audit_checkpoint(&w, 9, &seq), MCIM_ERR_BAD_SIGNATURE);
	mcim_audit_head(&w, &head);
	assert_int_equal(head.seq, 5);
	mcim_audit_close(&w);

	verify_file_events(NULL, &rep, &events);
	assert_int_equal(events, 4);
	assert_int_equal(rep.checkpoints, 1);
	assert_int_equal(rep.last_checkpoint, 5);
	assert_int_equal(rep.unanchored, 0);
	unlink(path);
}

/* An empty file and an empty buffer are not logs; a log with only a header is one. */
static void empty_inputs(void **state)
{
	struct mcim_audit_report rep;
	uint8_t *buf;
	size_t len;

	(void)state;
	expect_break(NULL, 0, MCIM_AUDIT_TRUNCATED, 0);
	write_all(path, (const uint8_t *)"", 0);
	assert_int_equal(mcim_audit_verify_file(path, NULL, &owner_pub, NULL, &rep),
			 MCIM_ERR_TAMPERED);
	assert_int_equal(rep.brk, MCIM_AUDIT_TRUNCATED);
	build_log(0, 8, NULL);
	buf = read_all(path, &len);
	assert_int_equal(len, MCIM_AUDIT_HEADER_LEN);
	assert_int_equal(verify(buf, len, NULL, &rep), MCIM_OK);
	assert_int_equal(rep.records, 0);
	assert_int_equal(rep.head.seq, 0);
	free(buf);
	unlink(path);
}

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	if (mcim_p256_keygen(&owner_priv, &owner_pub) != MCIM_OK ||
	    mcim_p256_keygen(&other_priv, &other_pub) != MCIM_OK)
		return -1;
	for (size_t i = 0; i < sizeof(log_id); i++)
		log_id[i] = (uint8_t)(0xa0 + i);
	snprintf(dir, sizeof(dir), "%s/mcim-audit-XXXXXX", tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	owner_ts.priv = &owner_priv;
	owner_signer.sign = tsign;
	owner_signer.ctx = &owner_ts;
	owner_signer.pub = owner_pub;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	mcim_p256_priv_wipe(&owner_priv);
	mcim_p256_priv_wipe(&other_priv);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(names),
	    cmocka_unit_test(layout_matches_doc),
	    cmocka_unit_test(append_reopen_verify),
	    cmocka_unit_test(modify_every_byte),
	    cmocka_unit_test(delete_each_record),
	    cmocka_unit_test(swap_and_duplicate),
	    cmocka_unit_test(truncate_every_offset),
	    cmocka_unit_test(forged_checkpoints),
	    cmocka_unit_test(anchors),
	    cmocka_unit_test(fault_each_append_call),
	    cmocka_unit_test(torn_write_every_length),
	    cmocka_unit_test(short_writes),
	    cmocka_unit_test(broken_backend),
	    cmocka_unit_test(fault_each_open_call),
	    cmocka_unit_test(open_refuses),
	    cmocka_unit_test(bounds),
	    cmocka_unit_test(signer_failures),
	    cmocka_unit_test(empty_inputs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
