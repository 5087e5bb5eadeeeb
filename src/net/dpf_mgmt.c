/*
 * The management pull of docs/protocol.md §6 at the DPF: the agent fetches the
 * Sign_SHO commands the CCIF queued for its TRE, relays them, and brings back the
 * TRE's signed results, which update the MCIM's state here.
 *
 *   POST /dpf/v1/commands        {"tre_id": bstr16} -> {"commands": [bstr, ...]}
 *   POST /dpf/v1/command-results {"result": Sign_TRE} -> {"ok": true}
 *   Sign_TRE{"ctx": "mcim/mgmt/result", "state": "installed" / "activated" /
 *            "suspended" / "deleted", "result": mcim_err name, "counter": uint,
 *            "mcim_id": bstr16}, signed by the TRE (role tre, its TRE id = the
 *            MCIM's).
 *
 * The pull is unauthenticated on purpose: the commands are signed for one TRE and
 * counter, and carry no secret. A result removes its command from the queue (and
 * any older one); the TRE's reported state becomes the order's. A result for a
 * counter no longer queued is a replay (MCIM_ERR_REPLAY); nothing changes on any
 * refusal. The messages use the protocol's table codec (src/proto/proto_int.h).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/mgmt.h"
#include "net/api_operator.h"
#include "net/sho_int.h"
#include "proto/proto_int.h"

#define CTX_MGMT_RESULT "mcim/mgmt/result"
#define TRE_STATES	5

/* The TRE's state names (tre/registry.h), index = the order state they mean. */
static const char *const tre_state_names[TRE_STATES] = {
    NULL, "installed", "activated", "suspended", "deleted",
};
static const int order_state[TRE_STATES] = {
    0, NET_MCIM_INSTALLED, NET_MCIM_ACTIVATED, NET_MCIM_SUSPENDED, NET_MCIM_DELETED,
};

static mcim_err dec_uint(struct mcim_cbor_reader *r, void *p)
{
	return mcim_cbor_read_uint(r, p);
}

static mcim_err enc_uint(struct mcim_cbor_writer *w, const void *p)
{
	mcim_cbor_put_uint(w, *(const uint64_t *)p);
	return MCIM_OK;
}

struct mgmt_result {
	unsigned state;
	mcim_err result;
	uint64_t counter;
	uint8_t mcim_id[NET_MCIM_ID_LEN];
};

static size_t result_fields(struct proto_field *f, struct mgmt_result *m)
{
	f[0] =
	    (struct proto_field){.key = "ctx", .type = PF_CONST, .str = CTX_MGMT_RESULT};
	f[1] = (struct proto_field){.key = "state",
				    .type = PF_NAME,
				    .p = &m->state,
				    .max = TRE_STATES,
				    .names = tre_state_names};
	f[2] = (struct proto_field){.key = "result", .type = PF_ERR, .p = &m->result};
	f[3] = (struct proto_field){.key = "counter",
				    .type = PF_CUSTOM,
				    .p = &m->counter,
				    .enc = enc_uint,
				    .dec = dec_uint};
	f[4] = (struct proto_field){
	    .key = "mcim_id", .type = PF_BSTR, .p = m->mcim_id, .max = NET_MCIM_ID_LEN};
	return 5;
}

/* ---- pull ---- */

/* Every served SHO's queued commands for tre_id, read first so that the array's
 * length is known before its items are written. */
static mcim_err commands_of(const struct net_sho *s, struct net_store *st,
			    const uint8_t tre_id[NET_TRE_ID_LEN],
			    struct mcim_cbor_writer *w, struct net_auc_record *r,
			    struct sho_state *ss, struct sho_cmd *cmds)
{
	struct net_mcim_order o;
	size_t total = 0;
	mcim_err err = MCIM_OK;

	for (size_t i = 0; i < s->n && err == MCIM_OK; i++) {
		err = net_store_order_find(st, s->t[i].id, tre_id, &o);
		if (err == MCIM_OK)
			err = net_store_auc_get(st, s->t[i].id, o.imsi, r);
		if (err == MCIM_OK)
			err = sho_state_get(&s->t[i], r, ss);
		for (size_t k = 0; err == MCIM_OK && k < ss->n_cmds; k++)
			cmds[total++] = ss->cmds[k];
		if (err == MCIM_ERR_NOT_FOUND)
			err = MCIM_OK;
	}
	mcim_cbor_put_array(w, total);
	for (size_t k = 0; k < total; k++)
		mcim_cbor_put_bstr(w, cmds[k].signed_cmd, cmds[k].len);
	return err;
}

mcim_err net_dpf_commands(struct net_sho *s, const uint8_t *req, size_t len,
			  struct net_sho_buf *resp)
{
	uint8_t tre_id[NET_TRE_ID_LEN];
	const struct proto_field f[1] = {
	    {.key = "tre_id", .type = PF_BSTR, .p = tre_id, .max = NET_TRE_ID_LEN}};
	size_t cap = 16 + (size_t)s->n * NET_SHO_QUEUE_MAX * 260, out_len = 0;
	struct net_auc_record *r = NULL;
	struct sho_cmd *cmds = NULL;
	struct sho_state ss;
	struct net_store *st = NULL;
	struct mcim_cbor_writer w;
	uint8_t *out = NULL;
	mcim_err err;

	assert(s != NULL && (req != NULL || len == 0) && resp != NULL);
	err = proto_decode(req, len, f, 1);
	if (err != MCIM_OK)
		return err;
	r = calloc(1, sizeof(*r));
	out = malloc(cap);
	cmds = calloc(s->n * NET_SHO_QUEUE_MAX, sizeof(*cmds));
	memset(&ss, 0, sizeof(ss));
	if (r == NULL || out == NULL || cmds == NULL)
		err = MCIM_ERR_NOMEM;
	if (err == MCIM_OK)
		err = sho_store_get(s, &st);
	if (err == MCIM_OK) {
		mcim_cbor_writer_init(&w, out, cap);
		mcim_cbor_put_map(&w, 1);
		mcim_cbor_put_cstr(&w, "commands");
		err = commands_of(s, st, tre_id, &w, r, &ss, cmds);
	}
	if (err == MCIM_OK)
		err = mcim_cbor_writer_finish(&w, &out_len);
	if (err == MCIM_OK)
		err = sho_resp(resp, out, out_len);
	sho_state_wipe(&ss);
	sho_store_put(s, st);
	if (r != NULL)
		mcim_wipe(r, sizeof(*r));
	free(r);
	free(cmds);
	free(out);
	return err;
}

/* ---- results ---- */

struct res_work {
	struct net_mcim_order o;
	struct net_auc_record r;
	struct sho_state ss;
	struct mgmt_result m;
	struct mcim_cert_info leaf;
	struct mcim_mgmt done; /* the command the result answers, when set_policy */
};

static mcim_err result_locked(struct net_sho *s, struct net_store *st,
			      const struct mcim_proto_span *sig, struct res_work *w)
{
	struct proto_field f[PROTO_FIELDS_MAX];
	struct mcim_proto_trust trust;
	const struct sho_tenant *t = NULL;
	int64_t now = sho_now(s);
	size_t n = result_fields(f, &w->m), keep = 0;
	bool found = false, policy_done = false;
	mcim_err err;

	sho_trust(s, now, &trust);
	err = proto_verify_fields(sig->data, sig->len, &trust, MCIM_CERT_ROLE_TRE, NULL,
				  f, n, &w->leaf);
	if (err != MCIM_OK)
		return err;
	err = MCIM_ERR_NOT_FOUND;
	for (size_t i = 0; i < s->n && err == MCIM_ERR_NOT_FOUND; i++) {
		t = &s->t[i];
		err = net_store_order_get(st, t->id, w->m.mcim_id, &w->o);
	}
	if (err == MCIM_OK && !proto_cert_is_tre(&w->leaf, w->o.tre_id))
		err = MCIM_ERR_DENIED;
	if (err == MCIM_OK)
		err = net_store_begin(st);
	if (err == MCIM_OK)
		err = net_store_auc_get(st, t->id, w->o.imsi, &w->r);
	if (err == MCIM_OK)
		err = sho_state_get(t, &w->r, &w->ss);
	for (size_t k = 0; err == MCIM_OK && k < w->ss.n_cmds; k++) {
		const struct sho_cmd *c = &w->ss.cmds[k];

		if (c->counter == w->m.counter) {
			found = true;
			/* The queue is in our own sealed state: what we signed, so
			 * reading it back needs no signature check. */
			policy_done =
			    c->cmd == MCIM_MGMT_SET_POLICY && w->m.result == MCIM_OK &&
			    mcim_mgmt_peek(c->signed_cmd, c->len, &w->done) == MCIM_OK;
		}
		if (w->ss.cmds[k].counter > w->m.counter)
			w->ss.cmds[keep++] = w->ss.cmds[k];
	}
	if (err == MCIM_OK && !found)
		err = MCIM_ERR_REPLAY;
	if (err == MCIM_OK) {
		w->ss.n_cmds = (uint8_t)keep;
		err = sho_state_put(t, &w->ss, &w->r);
	}
	if (err == MCIM_OK)
		err = net_store_auc_update(st, &w->r, now);
	if (err == MCIM_OK && policy_done)
		err = ccif_policy_confirmed(st, t, &w->o, &w->done.u.policy, now);
	if (err == MCIM_OK && order_state[w->m.state] != w->o.state)
		err = sho_order_move(st, t, &w->o, w->o.state, order_state[w->m.state],
				     "tre", now);
	if (err == MCIM_OK)
		err = sho_audit(
		    st, t, now, "tre", NET_AUDIT_MGMT_DONE, w->o.mcim_id,
		    "counter %llu, TRE state %s%s", (unsigned long long)w->m.counter,
		    tre_state_names[w->m.state], policy_done ? ", policy confirmed" : "");
	if (err == MCIM_OK)
		err = net_store_commit(st);
	return err;
}

mcim_err net_dpf_command_result(struct net_sho *s, const uint8_t *req, size_t len,
				struct net_sho_buf *resp)
{
	struct mcim_proto_span sig = {NULL, 0};
	const struct proto_field f[1] = {{.key = "result",
					  .type = PF_SPAN,
					  .p = &sig,
					  .min = 1,
					  .max = MCIM_PROTO_SIGNED_MAX}};
	static const uint8_t ok[] = {0xa1, 0x62, 'o', 'k', 0xf5}; /* {"ok": true} */
	struct net_store *st = NULL;
	struct res_work *w;
	mcim_err err;

	assert(s != NULL && (req != NULL || len == 0) && resp != NULL);
	err = proto_decode(req, len, f, 1);
	if (err != MCIM_OK)
		return err;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return MCIM_ERR_NOMEM;
	err = sho_store_get(s, &st);
	if (err == MCIM_OK)
		err = result_locked(s, st, &sig, w);
	if (err == MCIM_OK)
		err = sho_resp(resp, ok, sizeof(ok));
	sho_store_put(s, st);
	sho_state_wipe(&w->ss);
	mcim_wipe(w, sizeof(*w));
	free(w);
	return err;
}
