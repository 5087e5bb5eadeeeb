/*
 * Tamper reports at the DPF (docs/protocol.md §10; R-TRE-G11, R-PRC-602, R-PRC-305):
 * the agent brings the TRE's signed reports with its certificate chain, and every
 * SHO of this daemon that knows the TRE (holds a live MCIM order or an active
 * registration for it) records each report it has not recorded yet and mirrors the
 * MCIM's tamper policy on the network side: the TRE suspends or wipes its copy,
 * the SHO suspends or closes the AuC record and moves the order the same way, so
 * that a device which reported tampering cannot attach with that MCIM whatever its
 * normal world does afterwards.
 *
 *   POST /dpf/v1/tamper-reports {"chain", "reports"} -> {"accepted", "duplicates"}
 *
 * No ICF session is asked for (a tampered device may have none): the chain must lead
 * to the CI root with a TRE leaf under the revocation list, and each report must be
 * signed by that leaf's key for its TRE id (mcim_proto_tamper_req_verify). A report
 * is recorded once per (SHO, TRE id, seq), the store's unique key: a replayed report
 * is a duplicate and changes nothing. Everything one request changes, in every SHO,
 * is one store transaction with its audit records (TAMPER_REPORTED, MCIM_STATE); a
 * refusal changes nothing.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/bytes.h"
#include "net/api_operator.h"
#include "net/sho_int.h"

#define ACTOR_REPORT "tre"    /* the TRE says so, under its own signature */
#define ACTOR_POLICY "tamper" /* the SHO's mirror of the MCIM's tamper policy */

struct tamper_work {
	struct mcim_proto_tamper_req req;
	struct mcim_tamper_report rep[MCIM_PROTO_TAMPER_REPORTS_MAX];
	uint8_t tre_id[NET_TRE_ID_LEN];
	bool recorded[MCIM_PROTO_TAMPER_REPORTS_MAX]; /* by at least one SHO */
	struct net_tamper_report row;
	struct net_mcim_order o;
	struct net_auc_record r;
	struct sho_state ss;
	struct mcim_profile p; /* secret */
};

static const char *policy_name(enum mcim_tamper_response t)
{
	return t == MCIM_TAMPER_SUSPEND ? "suspend"
	       : t == MCIM_TAMPER_WIPE	? "wipe"
					: "none";
}

/* The AuC record of w->o moved to state (a challenge in flight dies with it; a
 * closed record keeps no command for the device either). */
static mcim_err auc_set(struct net_store *st, const struct sho_tenant *t,
			struct tamper_work *w, int state, int64_t now)
{
	mcim_err err = net_store_auc_get(st, t->id, w->o.imsi, &w->r);

	if (err == MCIM_OK)
		err = sho_state_get(t, &w->r, &w->ss);
	if (err != MCIM_OK || w->r.state == state || w->r.state == NET_AUC_DELETED)
		return err;
	w->r.state = state;
	w->ss.pending = false;
	if (state == NET_AUC_DELETED)
		w->ss.n_cmds = 0;
	err = sho_state_put(t, &w->ss, &w->r);
	if (err == MCIM_OK)
		err = net_store_auc_update(st, &w->r, now);
	return err;
}

/* The MCIM's tamper policy (on_tamper), from the profile this SHO issued. */
static mcim_err read_policy(struct net_store *st, const struct sho_tenant *t,
			    struct tamper_work *w, enum mcim_tamper_response *policy)
{
	mcim_err err = ccif_profile(st, t, &w->o, &w->p);

	*policy = w->p.policy.on_tamper;
	mcim_profile_wipe(&w->p);
	return err;
}

/*
 * The policy applied to the order w->o and its AuC record: suspend an installed or
 * activated MCIM (the network cannot know whether the TRE's copy was activated
 * meanwhile, so it closes the door for both), wipe any live one for good, or record
 * only.
 */
static mcim_err apply_policy(struct net_store *st, const struct sho_tenant *t,
			     struct tamper_work *w, enum mcim_tamper_response policy,
			     int64_t now)
{
	mcim_err err;

	switch (policy) {
	case MCIM_TAMPER_SUSPEND:
		if (w->o.state != NET_MCIM_INSTALLED && w->o.state != NET_MCIM_ACTIVATED)
			return MCIM_OK;
		err = auc_set(st, t, w, NET_AUC_SUSPENDED, now);
		if (err == MCIM_OK)
			err = sho_order_move(st, t, &w->o, w->o.state, NET_MCIM_SUSPENDED,
					     ACTOR_POLICY, now);
		return err;
	case MCIM_TAMPER_WIPE:
		err = auc_set(st, t, w, NET_AUC_DELETED, now);
		if (err == MCIM_OK)
			err = sho_order_move(st, t, &w->o, w->o.state, NET_MCIM_DELETED,
					     ACTOR_POLICY, now);
		return err;
	default:
		return MCIM_OK;
	}
}

/* One audit record per report recorded: about the MCIM (with its policy) when the
 * SHO holds one, else about the TRE (registered, not provisioned yet). */
static mcim_err audit_report(struct net_store *st, const struct sho_tenant *t,
			     const struct tamper_work *w, bool has_order,
			     enum mcim_tamper_response policy,
			     const struct mcim_tamper_report *rep, int64_t now)
{
	char tre_hex[2 * NET_TRE_ID_LEN + 1];

	if (has_order)
		return sho_audit(st, t, now, ACTOR_REPORT, NET_AUDIT_TAMPER_REPORTED,
				 w->o.mcim_id, "seq %llu: %s (TRE %s), policy %s: %s",
				 (unsigned long long)rep->seq, mcim_err_name(rep->reason),
				 mcim_tre_state_name(rep->state), policy_name(policy),
				 rep->detail);
	net_api_hex(w->tre_id, NET_TRE_ID_LEN, tre_hex);
	return net_api_audit(st, t->id, now, ACTOR_REPORT, NET_AUDIT_TAMPER_REPORTED,
			     MCIM_OK, tre_hex, "seq %llu: %s (TRE %s), no MCIM: %s",
			     (unsigned long long)rep->seq, mcim_err_name(rep->reason),
			     mcim_tre_state_name(rep->state), rep->detail);
}

/* What SHO t does with the reports: *knows when it knows the TRE at all. */
static mcim_err tenant_reports(struct net_store *st, const struct sho_tenant *t,
			       struct tamper_work *w, int64_t now, bool *knows)
{
	struct net_registration reg;
	enum mcim_tamper_response policy = MCIM_TAMPER_NONE;
	bool has_order, fresh = false;
	mcim_err err = net_store_order_find(st, t->id, w->tre_id, &w->o);

	has_order = err == MCIM_OK;
	if (has_order)
		err = read_policy(st, t, w, &policy);
	else if (err == MCIM_ERR_NOT_FOUND)
		err = net_store_registration_find(st, t->id, w->tre_id, &reg);
	*knows = err == MCIM_OK;
	if (err == MCIM_ERR_NOT_FOUND)
		return MCIM_OK;
	for (size_t i = 0; err == MCIM_OK && i < w->req.n_reports; i++) {
		const struct mcim_tamper_report *rep = &w->rep[i];

		memset(&w->row, 0, sizeof(w->row));
		w->row.tenant = t->id;
		memcpy(w->row.tre_id, w->tre_id, NET_TRE_ID_LEN);
		w->row.seq = (int64_t)rep->seq;
		w->row.reported = (int64_t)rep->time;
		w->row.received = now;
		w->row.reason = (int)rep->reason;
		w->row.report_len = w->req.reports[i].len;
		memcpy(w->row.report, w->req.reports[i].data, w->req.reports[i].len);
		err = net_store_tamper_put(st, &w->row);
		if (err == MCIM_ERR_EXISTS) {
			err = MCIM_OK; /* recorded before: a replay changes nothing */
			continue;
		}
		if (err == MCIM_OK)
			err = audit_report(st, t, w, has_order, policy, rep, now);
		if (err == MCIM_OK)
			fresh = w->recorded[i] = true;
	}
	if (err == MCIM_OK && fresh && has_order)
		err = apply_policy(st, t, w, policy, now);
	return err;
}

static mcim_err tamper_locked(struct net_sho *s, struct net_store *st,
			      struct tamper_work *w, struct mcim_proto_tamper_resp *out)
{
	struct mcim_proto_trust trust;
	int64_t now = sho_now(s);
	bool known = false;
	mcim_err err;

	sho_trust(s, now, &trust);
	err = mcim_proto_tamper_req_verify(&w->req, &trust, w->tre_id, w->rep, NULL);
	if (err == MCIM_OK)
		err = net_store_begin(st);
	for (size_t i = 0; err == MCIM_OK && i < s->n; i++) {
		bool knows;

		err = tenant_reports(st, &s->t[i], w, now, &knows);
		known = known || knows;
	}
	if (err == MCIM_OK && !known)
		err = MCIM_ERR_NOT_FOUND;
	if (err == MCIM_OK)
		err = net_store_commit(st);
	if (err != MCIM_OK)
		return err;
	out->accepted = out->duplicates = 0;
	for (size_t i = 0; i < w->req.n_reports; i++) {
		if (w->recorded[i])
			out->accepted++;
		else
			out->duplicates++;
	}
	return MCIM_OK;
}

mcim_err net_dpf_tamper(struct net_sho *s, const uint8_t *req, size_t len,
			struct net_sho_buf *resp)
{
	struct mcim_proto_tamper_resp out = {0, 0};
	struct net_store *st = NULL;
	struct tamper_work *w;
	uint8_t body[64];
	size_t body_len = 0;
	mcim_err err;

	assert(s != NULL && (req != NULL || len == 0) && resp != NULL);
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return MCIM_ERR_NOMEM;
	err = mcim_proto_tamper_req_decode(req, len, &w->req);
	if (err == MCIM_OK)
		err = sho_store_get(s, &st);
	if (err == MCIM_OK)
		err = tamper_locked(s, st, w, &out);
	if (err == MCIM_OK)
		err = mcim_proto_tamper_resp_encode(&out, body, sizeof(body), &body_len);
	if (err == MCIM_OK)
		err = sho_resp(resp, body, body_len);
	sho_store_put(s, st);
	sho_state_wipe(&w->ss);
	mcim_wipe(w, sizeof(*w));
	free(w);
	return err;
}
