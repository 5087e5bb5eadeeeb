/*
 * Tamper reports (R-TRE-G11, R-PRC-602): each tamper event becomes a COSE_Sign1 signed
 * by the TRE's identity key, queued for the agent to relay to the SHO and the PVA.
 * The queue is a backend blob beside the sealed store, not an object in it: a report
 * must be made precisely when the store cannot be read. Its integrity comes from the
 * signatures; what an attacker at the flash can do is delete reports, which is why
 * the tamper count also lives in the sealed store and in the attestation evidence.
 *
 * The report's format and signature are mcim/tamper.h's, the one codec the DPF
 * verifies with: TRE id, sequence number, time, reason, detail and TRE state, signed
 * with the identity key, kid = TRE id, no x5chain (the certificate may be what
 * cannot be read).
 *
 * Queue blob: "MCIMTAMQ" || next sequence (8, BE) || count (2, BE) || entries, each
 * sequence (8) || length (2) || report. At most TRE_TAMPER_QUEUE entries: a new
 * report beyond that drops the oldest (the sequence numbers show the gap).
 */
#include "tre/tre_int.h"

#include <stdio.h>
#include <string.h>

#include "core/endian.h"
#include "mcim/bytes.h"
#include "mcim/tamper.h"

#define Q_MAGIC	   "MCIMTAMQ"
#define Q_HEADER   18
#define Q_ENTRY	   10
#define REPORT_MAX MCIM_TAMPER_REPORT_MAX

struct queue {
	size_t len; /* octets of t->tamper_q in use */
	uint64_t next;
	size_t n;
};

static mcim_err q_load(struct tre_int *t, struct queue *q)
{
	size_t len, off;
	mcim_err err;

	err =
	    tre_blob_read(t->be, TRE_TAMPER_BLOB, t->tamper_q, sizeof(t->tamper_q), &len);
	if (err == MCIM_ERR_NOT_FOUND) {
		memcpy(t->tamper_q, Q_MAGIC, 8);
		mcim_store_be64(t->tamper_q + 8, 1);
		mcim_store_be16(t->tamper_q + 16, 0);
		q->len = Q_HEADER;
		q->next = 1;
		q->n = 0;
		return MCIM_OK;
	}
	if (err != MCIM_OK)
		return err;
	if (len < Q_HEADER || memcmp(t->tamper_q, Q_MAGIC, 8) != 0)
		return MCIM_ERR_TAMPERED;
	q->next = mcim_load_be64(t->tamper_q + 8);
	q->n = mcim_load_be16(t->tamper_q + 16);
	off = Q_HEADER;
	for (size_t i = 0; i < q->n; i++) {
		size_t rlen;

		if (len - off < Q_ENTRY)
			return MCIM_ERR_TAMPERED;
		rlen = mcim_load_be16(t->tamper_q + off + 8);
		if (len - off - Q_ENTRY < rlen)
			return MCIM_ERR_TAMPERED;
		off += Q_ENTRY + rlen;
	}
	if (off != len)
		return MCIM_ERR_TAMPERED;
	q->len = len;
	return MCIM_OK;
}

/* Removes the first k entries. */
static void q_drop(struct tre_int *t, struct queue *q, size_t k)
{
	size_t off = Q_HEADER;

	for (size_t i = 0; i < k; i++)
		off += Q_ENTRY + mcim_load_be16(t->tamper_q + off + 8);
	memmove(t->tamper_q + Q_HEADER, t->tamper_q + off, q->len - off);
	q->len -= off - Q_HEADER;
	q->n -= k;
}

static mcim_err q_save(struct tre_int *t, struct queue *q)
{
	mcim_store_be64(t->tamper_q + 8, q->next);
	mcim_store_be16(t->tamper_q + 16, (uint16_t)q->n);
	return tre_blob_write(t->be, TRE_TAMPER_BLOB, t->tamper_q, q->len);
}

/* The report of reason and detail (a detail's unprintable characters become '?': a
 * report must never fail for the text that explains it). */
static void report_fill(const struct tre_int *t, const struct queue *q, mcim_err reason,
			const char *detail, struct mcim_tamper_report *r)
{
	size_t n = strnlen(detail, MCIM_TAMPER_DETAIL_MAX);

	memset(r, 0, sizeof(*r));
	memcpy(r->tre_id, t->tre_id, TRE_ID_LEN);
	r->seq = q->next;
	r->time = tre_now(t);
	if (r->time > MCIM_TAMPER_TIME_MAX)
		r->time = MCIM_TAMPER_TIME_MAX;
	r->reason = reason;
	for (size_t i = 0; i < n; i++)
		r->detail[i] = detail[i] >= 0x20 && detail[i] <= 0x7e ? detail[i] : '?';
	r->state = t->state;
}

mcim_err tre_tamper_report(struct tre_int *t, mcim_err reason, const char *detail)
{
	uint8_t report[REPORT_MAX];
	struct mcim_tamper_report r;
	struct queue q;
	size_t rlen;
	mcim_err err;

	err = q_load(t, &q);
	if (err == MCIM_ERR_TAMPERED) {
		/* A damaged queue cannot be trusted to hold anything; a fresh one keeps
		 * the new report (which says what happened). */
		err = MCIM_OK;
		memcpy(t->tamper_q, Q_MAGIC, 8);
		q.len = Q_HEADER;
		q.next = 1;
		q.n = 0;
	}
	if (err != MCIM_OK)
		return err;
	report_fill(t, &q, reason, detail, &r);
	err = mcim_tamper_sign(&r, &t->id_priv, report, sizeof(report), &rlen);
	if (err != MCIM_OK)
		return err;
	while (q.n >= TRE_TAMPER_QUEUE ||
	       (q.n > 0 && q.len + Q_ENTRY + rlen > sizeof(t->tamper_q)))
		q_drop(t, &q, 1);
	mcim_store_be64(t->tamper_q + q.len, q.next);
	mcim_store_be16(t->tamper_q + q.len + 8, (uint16_t)rlen);
	memcpy(t->tamper_q + q.len + Q_ENTRY, report, rlen);
	q.len += Q_ENTRY + rlen;
	q.n++;
	q.next++;
	return q_save(t, &q);
}

mcim_err tre_tamper_count(struct tre_int *t, size_t *n, uint64_t *next_seq)
{
	struct queue q;
	mcim_err err = q_load(t, &q);

	if (err != MCIM_OK)
		return err;
	*n = q.n;
	*next_seq = q.next;
	return MCIM_OK;
}

mcim_err tre_tamper_list(struct tre_int *t, struct mcim_cbor_writer *w)
{
	struct queue q;
	size_t off = Q_HEADER;
	mcim_err err = q_load(t, &q);

	if (err != MCIM_OK)
		return err;
	mcim_cbor_put_map(w, 2);
	mcim_cbor_put_key_uint(w, "next", q.next);
	mcim_cbor_put_cstr(w, "reports");
	mcim_cbor_put_array(w, q.n);
	for (size_t i = 0; i < q.n; i++) {
		size_t rlen = mcim_load_be16(t->tamper_q + off + 8);

		mcim_cbor_put_map(w, 2);
		mcim_cbor_put_key_uint(w, "seq", mcim_load_be64(t->tamper_q + off));
		mcim_cbor_put_key_bstr(w, "report", t->tamper_q + off + Q_ENTRY, rlen);
		off += Q_ENTRY + rlen;
	}
	return MCIM_OK;
}

mcim_err tre_tamper_ack(struct tre_int *t, uint64_t seq, size_t *n_dropped)
{
	struct queue q;
	size_t k = 0, off = Q_HEADER;
	mcim_err err = q_load(t, &q);

	if (err != MCIM_OK)
		return err;
	while (k < q.n && mcim_load_be64(t->tamper_q + off) <= seq) {
		off += Q_ENTRY + mcim_load_be16(t->tamper_q + off + 8);
		k++;
	}
	*n_dropped = k;
	if (k == 0)
		return MCIM_OK;
	q_drop(t, &q, k);
	return q_save(t, &q);
}
