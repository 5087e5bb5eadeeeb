/*
 * The SQLite backend's tamper reports (net/store/store.h, docs/store.md): each SHO's
 * record of the reports TREs sent it. "Once per (tenant, TRE id, seq)" is the
 * table's unique key, so two daemons taking the same report at once cannot both
 * record it: the second INSERT fails with MCIM_ERR_EXISTS, which is the replay.
 */
#include "net/store/sqlite_int.h"

#include <string.h>

static mcim_err read_tamper(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct net_tamper_report *r = out;

	memset(r, 0, sizeof(*r));
	return net_sq_cols(s, stmt, "iibiiidv", &r->id, &r->tenant, r->tre_id,
			   sizeof(r->tre_id), &r->seq, &r->reported, &r->received,
			   &r->reason, r->report, sizeof(r->report), &r->report_len);
}

mcim_err net_sq_tamper_put(struct net_store *st, struct net_tamper_report *r)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err = net_sq_q_exec(s, SQ_TAMPER_INSERT, "ibiiidb", r->tenant, r->tre_id,
				     sizeof(r->tre_id), r->seq, r->reported, r->received,
				     r->reason, r->report, r->report_len);

	if (err == MCIM_OK)
		r->id = sqlite3_last_insert_rowid(s->db);
	return err;
}

mcim_err net_sq_tamper_list(struct net_store *st, int64_t tenant, int64_t after,
			    struct net_tamper_report *out, size_t cap, size_t *n)
{
	return net_sq_q_list((struct net_sqlite *)st, SQ_TAMPER_LIST, read_tamper, out,
			     sizeof(*out), cap, n, "iii", tenant, after, (int64_t)cap);
}
