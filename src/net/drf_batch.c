/*
 * The batch registration engine (net/drf_batch.h). Input is cut into lines in a
 * fixed buffer; each line is decoded and checked on its own and becomes a pending
 * entry, either refused already or waiting for the store. When a chunk's worth is
 * pending, the waiting ones go to the store in one transaction with the chunk's
 * audit record, and every entry is reported in line order. Nothing grows with the
 * body: the line buffer, the chunk arrays and one report line.
 */
#include "net/drf_batch.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "net/api_util.h"

#define REPORT_LINE_MAX (NET_JERR_MAX * 2 + 128)

struct pending {
	uint64_t line;
	uint8_t tre_id[NET_TRE_ID_LEN];
	int has_tre;
	mcim_err result; /* MCIM_OK while waiting for the store */
	size_t in;	 /* index in b->in when waiting */
	char *msg;	 /* refused lines: why (owned) */
};

struct drf_batch {
	struct drf_batch_opts o;
	char line[DRF_BATCH_LINE_MAX + 1]; /* room for a "\r" before the "\n" */
	size_t line_len;
	int too_long; /* the current line passed DRF_BATCH_LINE_MAX */
	uint64_t line_no;
	struct pending *pend;
	size_t n_pend;
	struct net_reg_in *in;
	mcim_err *res;
	size_t n_in;
	struct drf_batch_summary sum;
	mcim_err broken; /* emit or memory failure: the batch is dead */
};

mcim_err drf_batch_new(const struct drf_batch_opts *opts, struct drf_batch **out)
{
	struct drf_batch *b;
	size_t chunk;

	assert(opts != NULL && opts->st != NULL && opts->emit != NULL && out != NULL);
	assert(opts->tenant_name != NULL && opts->plmn != NULL && opts->actor != NULL);
	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return MCIM_ERR_NOMEM;
	b->o = *opts;
	chunk = opts->chunk ? opts->chunk : DRF_BATCH_CHUNK;
	b->o.chunk = chunk;
	b->pend = calloc(chunk, sizeof(*b->pend));
	b->in = calloc(chunk, sizeof(*b->in));
	b->res = calloc(chunk, sizeof(*b->res));
	if (b->pend == NULL || b->in == NULL || b->res == NULL) {
		drf_batch_free(b);
		return MCIM_ERR_NOMEM;
	}
	*out = b;
	return MCIM_OK;
}

void drf_batch_free(struct drf_batch *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n_pend; i++)
		free(b->pend[i].msg);
	free(b->pend);
	free(b->in);
	free(b->res);
	free(b);
}

/* Out of memory for the message, the line is still refused, with the error's text. */
static void refuse(struct pending *p, mcim_err err, const char *msg)
{
	p->result = err;
	p->msg = strdup(msg);
}

mcim_err drf_reg_parse(struct net_store *st, int64_t tenant, const char *name,
		       const char *plmn, const json_t *doc, struct net_reg_in *out,
		       int *has_tre, struct net_jerr *e)
{
	static const char *const allowed[] = {"tre_id", "sho", "subscriber",
					      "subscription", NULL};
	const char *sho = NULL, *ref = NULL;
	uint64_t sub = 0;
	struct net_subscriber s;
	mcim_err err;

	*has_tre = 0;
	err = net_json_object(doc, "", allowed, e);
	if (err == MCIM_OK)
		err = net_json_hex(json_object_get(doc, "tre_id"), "tre_id",
				   NET_TRE_ID_LEN, "the TRE id", out->tre_id, e);
	if (err == MCIM_OK) {
		*has_tre = 1;
		err = net_json_str(doc, "", "sho", 1, 1, NET_STORE_NAME_MAX, &sho, e);
	}
	if (err == MCIM_OK)
		err = net_json_uint(doc, "", "subscriber", 0, 1, INT64_MAX, &sub, e);
	if (err == MCIM_OK)
		err = net_json_str(doc, "", "subscription", 0, 1, NET_STORE_NAME_MAX,
				   &ref, e);
	if (err != MCIM_OK)
		return err;
	if (strcmp(sho, name) != 0 && strcmp(sho, plmn) != 0) {
		net_jerr_set(e, "sho", "registrations are for this tenant only");
		return MCIM_ERR_DENIED;
	}
	if (ref != NULL) {
		err = net_store_subscriber_find(st, tenant, ref, &s);
		if (err == MCIM_ERR_NOT_FOUND) {
			net_jerr_set(e, "subscription", "no such account");
			return err;
		}
		if (err != MCIM_OK) {
			net_jerr_set(e, "subscription", "%s", mcim_strerror(err));
			return err;
		}
		if (sub != 0 && (uint64_t)s.id != sub)
			return net_jerr_set(e, "subscriber",
					    "is not the subscription's account");
		sub = (uint64_t)s.id;
	}
	out->subscriber = (int64_t)sub;
	return MCIM_OK;
}

/* Decodes and checks one line into p (refused, or waiting with b->in filled). */
static void take_line(struct drf_batch *b, struct pending *p, const char *text,
		      size_t len)
{
	struct net_jerr e;
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	mcim_err err;

	if (doc == NULL) {
		snprintf(e.msg, sizeof(e.msg), "not valid JSON at column %d",
			 jerr.column);
		refuse(p, MCIM_ERR_PARSE, e.msg);
		return;
	}
	err = drf_reg_parse(b->o.st, b->o.tenant, b->o.tenant_name, b->o.plmn, doc,
			    &b->in[b->n_in], &p->has_tre, &e);
	json_decref(doc);
	if (p->has_tre)
		memcpy(p->tre_id, b->in[b->n_in].tre_id, NET_TRE_ID_LEN);
	if (err != MCIM_OK) {
		refuse(p, err, e.msg);
		return;
	}
	p->in = b->n_in++;
}

static mcim_err emit_pending(struct drf_batch *b, const struct pending *p)
{
	char out[REPORT_LINE_MAX], tre[2 * NET_TRE_ID_LEN + 3];
	int n;

	if (p->has_tre) {
		tre[0] = '"';
		net_api_hex(p->tre_id, NET_TRE_ID_LEN, tre + 1);
		strcpy(tre + 1 + 2 * NET_TRE_ID_LEN, "\"");
	} else {
		strcpy(tre, "null");
	}
	if (p->result == MCIM_OK) {
		n = snprintf(out, sizeof(out),
			     "{\"line\":%" PRIu64 ",\"tre_id\":%s,\"result\":\"OK\"}\n",
			     p->line, tre);
	} else {
		json_t *msg =
		    json_string(p->msg != NULL ? p->msg : mcim_strerror(p->result));
		char *m = msg != NULL ? json_dumps(msg, JSON_ENCODE_ANY) : NULL;
		json_decref(msg);
		if (m == NULL)
			return MCIM_ERR_NOMEM;
		n = snprintf(out, sizeof(out),
			     "{\"line\":%" PRIu64
			     ",\"tre_id\":%s,\"result\":\"%s\",\"message\":%s}\n",
			     p->line, tre, mcim_err_name(p->result), m);
		free(m);
	}
	assert(n > 0 && (size_t)n < sizeof(out));
	return b->o.emit(b->o.emit_arg, out, (size_t)n);
}

/* Writes the waiting lines of the chunk, then reports every pending line. */
static mcim_err flush(struct drf_batch *b)
{
	mcim_err err = b->sum.error, e;
	size_t ok = 0;

	if (b->n_pend == 0)
		return MCIM_OK;
	if (err == MCIM_OK && b->n_in > 0) {
		err = net_store_begin(b->o.st);
		if (err == MCIM_OK)
			err = net_store_register_batch(b->o.st, b->o.tenant, b->in,
						       b->n_in, b->o.now, b->res, NULL);
		for (size_t i = 0; err == MCIM_OK && i < b->n_in; i++)
			ok += b->res[i] == MCIM_OK;
		if (err == MCIM_OK)
			err = net_api_audit(b->o.st, b->o.tenant, b->o.now, b->o.actor,
					    NET_AUDIT_REGISTERED_BATCH, MCIM_OK, "batch",
					    "lines %" PRIu64 "-%" PRIu64
					    ": %zu registered, %zu refused by the store",
					    b->pend[0].line, b->pend[b->n_pend - 1].line,
					    ok, b->n_in - ok);
		if (err == MCIM_OK)
			err = net_store_commit(b->o.st);
		if (err != MCIM_OK) {
			if (b->o.st->in_tx)
				net_store_rollback(b->o.st);
			b->sum.error = err;
		}
	}
	for (size_t i = 0; i < b->n_pend; i++) {
		struct pending *p = &b->pend[i];
		if (p->result == MCIM_OK)
			p->result = err != MCIM_OK ? err : b->res[p->in];
		if (p->result == MCIM_OK)
			b->sum.registered++;
		else
			b->sum.refused++;
		b->sum.lines++;
		e = emit_pending(b, p);
		free(p->msg);
		p->msg = NULL;
		if (e != MCIM_OK) {
			for (size_t j = i + 1; j < b->n_pend; j++)
				free(b->pend[j].msg);
			b->n_pend = 0;
			return e;
		}
	}
	b->n_pend = 0;
	b->n_in = 0;
	return MCIM_OK;
}

/* One complete line (without its end) from the buffer. */
static mcim_err end_line(struct drf_batch *b)
{
	struct pending *p;
	size_t len = b->line_len;

	b->line_no++;
	if (!b->too_long && len > 0 && b->line[len - 1] == '\r')
		len--;
	if (len > DRF_BATCH_LINE_MAX)
		b->too_long = 1;
	if (!b->too_long && len == 0) {
		b->line_len = 0;
		return MCIM_OK;
	}
	p = &b->pend[b->n_pend++];
	memset(p, 0, sizeof(*p));
	p->line = b->line_no;
	if (b->too_long) {
		char msg[64];
		snprintf(msg, sizeof(msg), "line longer than %d octets",
			 DRF_BATCH_LINE_MAX);
		refuse(p, MCIM_ERR_TOO_LARGE, msg);
	} else if (b->sum.error != MCIM_OK) {
		p->result = b->sum.error;
	} else {
		take_line(b, p, b->line, len);
	}
	b->line_len = 0;
	b->too_long = 0;
	return b->n_pend == b->o.chunk ? flush(b) : MCIM_OK;
}

mcim_err drf_batch_feed(struct drf_batch *b, const uint8_t *data, size_t len)
{
	size_t i = 0;

	assert(b != NULL && (data != NULL || len == 0));
	if (b->broken != MCIM_OK)
		return b->broken;
	while (i < len) {
		const uint8_t *nl = memchr(data + i, '\n', len - i);
		size_t take = (nl != NULL ? (size_t)(nl - data) : len) - i;

		if (!b->too_long) {
			if (take > sizeof(b->line) - b->line_len) {
				b->too_long = 1;
			} else {
				memcpy(b->line + b->line_len, data + i, take);
				b->line_len += take;
			}
		}
		i += take;
		if (nl == NULL)
			break;
		i++;
		mcim_err err = end_line(b);
		if (err != MCIM_OK) {
			b->broken = err;
			return err;
		}
	}
	return MCIM_OK;
}

mcim_err drf_batch_finish(struct drf_batch *b, struct drf_batch_summary *sum)
{
	char out[256];
	mcim_err err;
	int n;

	assert(b != NULL && sum != NULL);
	if (b->broken != MCIM_OK)
		return b->broken;
	err = b->line_len > 0 || b->too_long ? end_line(b) : MCIM_OK;
	if (err == MCIM_OK)
		err = flush(b);
	if (err != MCIM_OK) {
		b->broken = err;
		return err;
	}
	n = snprintf(out, sizeof(out),
		     "{\"summary\":{\"lines\":%" PRIu64 ",\"registered\":%" PRIu64
		     ",\"refused\":%" PRIu64 "}%s%s%s}\n",
		     b->sum.lines, b->sum.registered, b->sum.refused,
		     b->sum.error != MCIM_OK ? ",\"error\":\"" : "",
		     b->sum.error != MCIM_OK ? mcim_err_name(b->sum.error) : "",
		     b->sum.error != MCIM_OK ? "\"" : "");
	assert(n > 0 && (size_t)n < sizeof(out));
	err = b->o.emit(b->o.emit_arg, out, (size_t)n);
	if (err != MCIM_OK) {
		b->broken = err;
		return err;
	}
	*sum = b->sum;
	return MCIM_OK;
}
