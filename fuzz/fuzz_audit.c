/*
 * libFuzzer target for the audit log verifier (mcim/audit.h): arbitrary input is a
 * log verified against a fixed owner key, whole (mcim_audit_verify_buf) and fed in
 * pieces to the incremental verifier with a visitor. Invariants, checked on every
 * input:
 * - the result is MCIM_OK exactly when the report says INTACT, else TAMPERED;
 * - the report is consistent: a known break, the break's record is the header (0)
 *   or the one after the last verified, which is the count of verified records
 *   (sequence numbers run from 1 without a gap), checkpoints and the anchored part
 *   within them, the break's offset within the input;
 * - how the input is split does not matter: the incremental verifier reports the
 *   same, and its visitor sees exactly the verified records, in order;
 * - anchors: an intact log verifies against its own head; a head it has not reached
 *   is BEHIND_ANCHOR, and its head with another hash is ANCHOR_MISMATCH.
 * With MCIM_FUZZ_WRITE_SEEDS=DIR in the environment it writes logs made with the
 * fixed key (with and without checkpoints, a torn tail) to DIR and exits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcim/audit.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond,         \
				__FILE__, __LINE__);                                     \
			abort();                                                         \
		}                                                                        \
	} while (0)

/* Not a secret: fixed so that the seeds' checkpoints verify. */
static const struct mcim_p256_priv owner_key = {{
    0x1d, 0x94, 0x6b, 0x20, 0xc7, 0x58, 0xe3, 0x0f, 0xa2, 0x39, 0x7e,
    0x45, 0xd0, 0x16, 0x8b, 0xf9, 0x63, 0x2a, 0xbe, 0x07, 0x71, 0xcc,
    0x5e, 0x93, 0x38, 0xe1, 0x04, 0xaf, 0x57, 0x6d, 0x82, 0x1b,
}};
static struct mcim_p256_pub owner_pub;

struct seen {
	uint64_t n;
	uint64_t last_seq;
	int in_order;
};

static void visit(void *ctx, const struct mcim_audit_record *rec)
{
	struct seen *s = ctx;

	if (rec->seq != s->last_seq + 1)
		s->in_order = 0;
	s->last_seq = rec->seq;
	s->n++;
}

static void check_report(mcim_err err, const struct mcim_audit_report *r, size_t size)
{
	CHECK(err == MCIM_OK || err == MCIM_ERR_TAMPERED);
	CHECK((err == MCIM_OK) == (r->brk == MCIM_AUDIT_INTACT));
	CHECK(r->brk <= MCIM_AUDIT_ANCHOR_MISMATCH);
	CHECK(r->records == r->head.seq);
	CHECK(r->checkpoints <= r->records);
	CHECK(r->last_checkpoint <= r->head.seq);
	CHECK(r->anchored == r->last_checkpoint);
	CHECK(r->anchored + r->unanchored == r->records);
	if (r->brk != MCIM_AUDIT_INTACT) {
		CHECK(r->index == 0 || r->index == r->head.seq + 1);
		CHECK(r->offset <= size);
	}
	if (r->brk == MCIM_AUDIT_BAD_HEADER)
		CHECK(r->index == 0 && r->records == 0);
}

static int same_report(const struct mcim_audit_report *a,
		       const struct mcim_audit_report *b)
{
	return a->brk == b->brk && a->index == b->index && a->offset == b->offset &&
	       a->found_seq == b->found_seq && a->records == b->records &&
	       a->checkpoints == b->checkpoints &&
	       a->last_checkpoint == b->last_checkpoint && a->anchored == b->anchored &&
	       a->unanchored == b->unanchored && a->head.seq == b->head.seq &&
	       memcmp(a->head.hash, b->head.hash, sizeof(a->head.hash)) == 0 &&
	       memcmp(a->log_id, b->log_id, sizeof(a->log_id)) == 0;
}

/* The split points depend on the input, so the fuzzer explores them too. */
static void check_pieces(const uint8_t *data, size_t size,
			 const struct mcim_audit_report *whole, mcim_err whole_err)
{
	struct mcim_audit_verifier v;
	struct mcim_audit_report rep;
	struct seen s = {0, 0, 1};
	size_t off = 0, step = size > 0 ? 1u + data[size - 1] % 97u : 1;

	mcim_audit_verify_init(&v, &owner_pub, NULL, visit, &s);
	while (off < size) {
		size_t n = size - off < step ? size - off : step;

		mcim_audit_verify_update(&v, data + off, n);
		off += n;
		step = step * 3 % 211 + 1;
	}
	CHECK(mcim_audit_verify_final(&v, &rep) == whole_err);
	CHECK(same_report(&rep, whole));
	CHECK(s.n == rep.records && s.in_order && s.last_seq == rep.head.seq);
}

static void check_anchors(const uint8_t *data, size_t size,
			  const struct mcim_audit_report *whole)
{
	struct mcim_audit_report rep;
	struct mcim_audit_head anchor = whole->head;

	CHECK(mcim_audit_verify_buf(data, size, &owner_pub, &anchor, &rep) == MCIM_OK);
	CHECK(same_report(&rep, whole));
	anchor.seq = whole->head.seq + 1;
	CHECK(mcim_audit_verify_buf(data, size, &owner_pub, &anchor, &rep) ==
	      MCIM_ERR_TAMPERED);
	CHECK(rep.brk == MCIM_AUDIT_BEHIND_ANCHOR);
	anchor = whole->head;
	anchor.hash[0] ^= 0x80;
	CHECK(mcim_audit_verify_buf(data, size, &owner_pub, &anchor, &rep) ==
	      MCIM_ERR_TAMPERED);
	CHECK(rep.brk == MCIM_AUDIT_ANCHOR_MISMATCH);
	CHECK(rep.records == (whole->head.seq > 0 ? whole->head.seq - 1 : 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcim_audit_report rep;
	mcim_err err;

	err = mcim_audit_verify_buf(data, size, &owner_pub, NULL, &rep);
	check_report(err, &rep, size);
	check_pieces(data, size, &rep, err);
	if (err == MCIM_OK)
		check_anchors(data, size, &rep);
	return 0;
}

/* ---- seed corpus: real logs, written by the writer into DIR ---- */

static mcim_err owner_sign(void *ctx, const uint8_t *msg, size_t len,
			   uint8_t sig[MCIM_P256_SIG_LEN])
{
	(void)ctx;
	return mcim_p256_sign(&owner_key, msg, len, sig);
}

/* A log of records events, a checkpoint every checkpoint_every of them and, when
 * seal, one at the end; then torn octets cut off its end. */
static void write_log(const char *dir, const char *name, unsigned records,
		      uint32_t checkpoint_every, int seal, size_t torn)
{
	static const uint8_t subject[] = "mcim-0001";
	static const char *const details[] = {"installed", "activated v2",
					      "policy: suspend on tamper", ""};
	uint8_t log_id[MCIM_AUDIT_LOG_ID_LEN];
	struct mcim_audit_signer signer = {owner_sign, NULL, owner_pub};
	struct mcim_audit_config cfg = {log_id, checkpoint_every, NULL, &signer};
	struct mcim_audit_writer w;
	char path[4096];

	memset(log_id, 0x4c, sizeof(log_id));
	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	unlink(path);
	if (mcim_audit_open(&w, path, &cfg) != MCIM_OK)
		abort();
	for (unsigned i = 0; i < records; i++) {
		const char *d = details[i % 4];
		struct mcim_audit_event_in ev = {
		    (uint16_t)(MCIM_AUDIT_EV_BOOT + i % 3),
		    1767225600u + i,
		    i % 5 == 4 ? MCIM_ERR_DENIED : MCIM_OK,
		    subject,
		    i % 2 ? sizeof(subject) - 1 : 0,
		    (const uint8_t *)d,
		    strlen(d),
		};

		if (mcim_audit_append(&w, &ev, NULL) != MCIM_OK)
			abort();
	}
	if (seal && mcim_audit_checkpoint(&w, 1767229200u, NULL) != MCIM_OK)
		abort();
	mcim_audit_close(&w);
	if (torn > 0) {
		FILE *f = fopen(path, "rb");
		uint8_t buf[1 << 16];
		size_t n;

		if (f == NULL)
			abort();
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (n <= torn)
			abort();
		f = fopen(path, "wb");
		if (f == NULL || fwrite(buf, 1, n - torn, f) != n - torn ||
		    fclose(f) != 0)
			abort();
	}
}

static void write_seeds(const char *dir)
{
	write_log(dir, "empty", 0, 0, 0, 0);
	write_log(dir, "one", 1, 0, 1, 0);
	write_log(dir, "checkpoints", 9, 4, 0, 0);
	write_log(dir, "unanchored", 6, 0, 0, 0);
	write_log(dir, "torn", 5, 2, 0, 7);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("MCIM_FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	if (mcim_p256_pub_from_priv(&owner_key, &owner_pub) != MCIM_OK)
		abort();
	if (dir != NULL) {
		write_seeds(dir);
		exit(0);
	}
	return 0;
}
