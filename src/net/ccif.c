/*
 * The CCIF (R-NET-F01, R-PRC-105): creates an MCIM for a registered TRE (IMSI of
 * the tenant's PLMN, fresh K, OPc or TOPc from the operator's OP/TOP, AMF, SQN
 * parameters, policy, the SHO's management certificate), enters it in the AuC
 * (sealed; not live until the TRE's receipt) and leaves the profile, sealed, in the
 * MCIM order where the DPF packages it for the TRE. Also the operator API over the
 * MCIMs: list, state, and the management commands it queues (Sign_SHO with the
 * MCIM's next counter) for the device to pull.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/bytes.h"
#include "mcim/mgmt.h"
#include "mcim/rand.h"
#include "net/api_operator.h"
#include "net/sho_int.h"

#define IMSI_TRIES  32
#define LIST_MAX    100
#define PACKAGE_CAP (MCIM_PROFILE_ENCODED_MAX + SHO_SEAL_OVERHEAD)

static const char *const auc_state_names[] = {NULL, "active", "suspended", "closed"};

/* A random MSIN filling the IMSI to 15 digits (the bias of a 64-bit value modulo
 * 10^10 is below 2^-30, irrelevant for an identifier). */
static mcim_err imsi_pick(const char *plmn, char imsi[NET_STORE_IMSI_MAX + 1])
{
	size_t digits = NET_STORE_IMSI_MAX - strlen(plmn);
	uint64_t v = 0, mod = 1;
	uint8_t r[8];
	mcim_err err = mcim_rng_fill(mcim_rng_system(), r, sizeof(r));

	if (err != MCIM_OK)
		return err;
	for (size_t i = 0; i < 8; i++)
		v = (v << 8) | r[i];
	for (size_t i = 0; i < digits; i++)
		mod *= 10;
	snprintf(imsi, NET_STORE_IMSI_MAX + 1, "%s%0*llu", plmn, (int)digits,
		 (unsigned long long)(v % mod));
	return MCIM_OK;
}

static mcim_err profile_make(const struct sho_tenant *t, enum mcim_aka_alg_id alg,
			     const struct mcim_policy *policy, struct mcim_profile *p)
{
	uint8_t op[32];
	mcim_err err;

	memset(p, 0, sizeof(*p));
	err = mcim_rng_fill(mcim_rng_system(), p->id, sizeof(p->id));
	p->version = 1;
	snprintf(p->sho, sizeof(p->sho), "%s", t->plmn);
	p->cred.alg = alg;
	p->cred.k_len = alg == MCIM_AKA_TUAK ? 32 : 16;
	if (err == MCIM_OK)
		err = mcim_rng_fill(mcim_rng_system(), p->cred.k, p->cred.k_len);
	if (alg == MCIM_AKA_TUAK)
		mcim_tuak_default_params(&p->cred.params.tuak);
	else
		mcim_milenage_default_consts(&p->cred.params.milenage);
	/* The operator's OP (MILENAGE) or TOP (TUAK) is a per-SHO secret derived
	 * from its KEK: it never leaves the CCIF, only OPc/TOPc does. */
	memcpy(op, t->keys[SHO_KEY_OP], sizeof(op));
	if (err == MCIM_OK)
		err = mcim_profile_set_op(p, op, alg == MCIM_AKA_TUAK ? 32 : 16);
	mcim_wipe(op, sizeof(op));
	if (err == MCIM_OK)
		err = mcim_profile_kcv(&p->cred, p->kcv);
	p->amf[0] = 0x80; /* the separation bit (TS 33.401 6.1.2) */
	mcim_sqn_cfg_default(&p->sqn);
	p->plmn_oper.n = 1;
	snprintf(p->plmn_oper.id[0], sizeof(p->plmn_oper.id[0]), "%s", t->plmn);
	if (policy != NULL)
		p->policy = *policy;
	else
		mcim_policy_default(&p->policy);
	if (t->mgmt_cert_len > sizeof(p->mgmt_cert))
		err = MCIM_ERR_TOO_LARGE;
	else {
		memcpy(p->mgmt_cert, t->mgmt_cert, t->mgmt_cert_len);
		p->mgmt_cert_len = t->mgmt_cert_len;
	}
	return err;
}

/* The AuC record of p, with an IMSI not yet taken in this tenant. */
static mcim_err auc_enter(struct net_store *st, const struct sho_tenant *t,
			  struct mcim_profile *p, int64_t now)
{
	struct net_auc_record *r = calloc(1, sizeof(*r));
	struct sho_cred c;
	struct sho_state ss;
	mcim_err err = MCIM_ERR_EXISTS;

	if (r == NULL)
		return MCIM_ERR_NOMEM;
	memset(&c, 0, sizeof(c));
	memset(&ss, 0, sizeof(ss));
	c.cred = p->cred;
	memcpy(c.amf, p->amf, sizeof(c.amf));
	c.sqn = p->sqn;
	err = mcim_sqn_he_init(&p->sqn, &ss.he, mcim_sqn_seq(&p->sqn, p->sqn_init));
	for (int i = 0; err == MCIM_OK && i < IMSI_TRIES; i++) {
		memset(r, 0, sizeof(*r));
		r->tenant = t->id;
		err = imsi_pick(t->plmn, r->imsi);
		memcpy(r->mcim_id, p->id, sizeof(r->mcim_id));
		r->algorithm = (uint32_t)p->cred.alg;
		r->state = NET_AUC_SUSPENDED; /* live at the receipt */
		r->created = r->updated = now;
		if (err == MCIM_OK)
			err = sho_cred_put(t, &c, r);
		if (err == MCIM_OK)
			err = sho_state_put(t, &ss, r);
		if (err == MCIM_OK)
			err = net_store_auc_create(st, r);
		if (err == MCIM_OK)
			snprintf(p->imsi, sizeof(p->imsi), "%s", r->imsi);
		if (err != MCIM_ERR_EXISTS)
			break;
		err = MCIM_OK;
		if (i == IMSI_TRIES - 1)
			err = MCIM_ERR_FULL;
	}
	sho_cred_wipe(&c);
	sho_state_wipe(&ss);
	mcim_wipe(r, sizeof(*r));
	free(r);
	return err;
}

mcim_err ccif_create(struct net_store *st, const struct sho_tenant *t,
		     const struct net_registration *reg, enum mcim_aka_alg_id alg,
		     const struct mcim_policy *policy, const char *actor, int64_t now,
		     struct net_mcim_order *order)
{
	struct mcim_profile p;
	uint8_t enc[MCIM_PROFILE_ENCODED_MAX], pkg[PACKAGE_CAP];
	size_t enc_len = 0, pkg_len = 0;
	mcim_err err;

	err = profile_make(t, alg, policy, &p);
	if (err == MCIM_OK)
		err = auc_enter(st, t, &p, now);
	if (err == MCIM_OK)
		err = mcim_profile_encode(&p, enc, sizeof(enc), &enc_len);
	if (err == MCIM_OK)
		err = sho_seal(t, SHO_KEY_PACKAGE, p.id, sizeof(p.id), enc, enc_len, pkg,
			       sizeof(pkg), &pkg_len);
	mcim_wipe(enc, sizeof(enc));
	if (err == MCIM_OK) {
		memset(order, 0, sizeof(*order));
		memcpy(order->mcim_id, p.id, sizeof(order->mcim_id));
		order->tenant = t->id;
		order->registration = reg->id;
		memcpy(order->tre_id, reg->tre_id, sizeof(order->tre_id));
		snprintf(order->imsi, sizeof(order->imsi), "%s", p.imsi);
		order->version = p.version;
		order->state = NET_MCIM_CREATED;
		order->created = order->updated = now;
		err = net_store_order_create(st, order, pkg, pkg_len);
	}
	if (err == MCIM_OK)
		err = sho_audit(st, t, now, actor, NET_AUDIT_MCIM_ORDERED, order->mcim_id,
				"registration %lld, IMSI %s, %s", (long long)reg->id,
				order->imsi, alg == MCIM_AKA_TUAK ? "tuak" : "milenage");
	mcim_profile_wipe(&p);
	return err;
}

mcim_err ccif_profile(struct net_store *st, const struct sho_tenant *t,
		      const struct net_mcim_order *o, struct mcim_profile *p)
{
	uint8_t pkg[PACKAGE_CAP], enc[MCIM_PROFILE_ENCODED_MAX];
	size_t pkg_len = 0, enc_len = 0;
	mcim_err err;

	err = net_store_order_package(st, t->id, o->mcim_id, pkg, sizeof(pkg), &pkg_len);
	if (err == MCIM_ERR_BUFFER_TOO_SMALL)
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK)
		err = sho_open(t, SHO_KEY_PACKAGE, o->mcim_id, sizeof(o->mcim_id), pkg,
			       pkg_len, enc, sizeof(enc), &enc_len);
	if (err == MCIM_OK)
		err = mcim_profile_decode(enc, enc_len, p);
	mcim_wipe(enc, sizeof(enc));
	return err;
}

mcim_err ccif_policy_confirmed(struct net_store *st, const struct sho_tenant *t,
			       const struct net_mcim_order *o,
			       const struct mcim_policy *policy, int64_t now)
{
	struct mcim_profile p;
	uint8_t enc[MCIM_PROFILE_ENCODED_MAX], pkg[PACKAGE_CAP];
	size_t enc_len = 0, pkg_len = 0;
	mcim_err err = ccif_profile(st, t, o, &p);

	if (err == MCIM_OK) {
		p.policy = *policy;
		err = mcim_profile_encode(&p, enc, sizeof(enc), &enc_len);
	}
	if (err == MCIM_OK)
		err = sho_seal(t, SHO_KEY_PACKAGE, p.id, sizeof(p.id), enc, enc_len, pkg,
			       sizeof(pkg), &pkg_len);
	if (err == MCIM_OK)
		err = net_store_order_set_state(st, t->id, o->mcim_id, (int)o->state,
						(int)o->state, pkg, pkg_len, now);
	mcim_wipe(enc, sizeof(enc));
	mcim_profile_wipe(&p);
	return err;
}

/* ---- operator API ---- */

static json_t *hex_json(const uint8_t *b, size_t n)
{
	char hex[2 * 32 + 1];

	if (mcim_hex_encode(b, n, hex, sizeof(hex)) != MCIM_OK)
		return NULL;
	return json_string(hex);
}

/* The MCIM's view: the order and, if readable, its AuC record. */
static mcim_err view(struct net_store *st, const struct sho_tenant *t,
		     const struct net_mcim_order *o, json_t **out)
{
	struct net_auc_record *r = calloc(1, sizeof(*r));
	struct mcim_profile *p = calloc(1, sizeof(*p));
	struct sho_state ss;
	const char *alg = "?", *auc = "?";
	json_t *policy = NULL;
	int pending = 0;
	mcim_err err;

	if (r == NULL || p == NULL) {
		free(r);
		free(p);
		return MCIM_ERR_NOMEM;
	}
	err = net_store_auc_get(st, t->id, o->imsi, r);
	if (err == MCIM_OK) {
		const struct mcim_aka_alg *a = mcim_aka_alg_find(r->algorithm);

		alg = a != NULL ? a->name : "?";
		if (r->state >= NET_AUC_ACTIVE && r->state <= NET_AUC_DELETED)
			auc = auc_state_names[r->state];
		err = sho_state_get(t, r, &ss);
		if (err == MCIM_OK)
			pending = ss.n_cmds;
		sho_state_wipe(&ss);
	}
	free(r);
	/* The policy as the network knows it: issued, or last confirmed by the TRE. */
	if (err == MCIM_OK)
		err = ccif_profile(st, t, o, p);
	if (err == MCIM_OK && (policy = ccif_policy_to_json(&p->policy)) == NULL)
		err = MCIM_ERR_NOMEM;
	mcim_profile_wipe(p);
	free(p);
	if (err != MCIM_OK)
		return err;
	*out = json_pack(
	    "{s:o,s:o,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:i,s:o}", "mcim_id",
	    hex_json(o->mcim_id, sizeof(o->mcim_id)), "tre_id",
	    hex_json(o->tre_id, sizeof(o->tre_id)), "imsi", o->imsi, "algorithm", alg,
	    "state",
	    sho_order_state_name(o->state) != NULL ? sho_order_state_name(o->state) : "?",
	    "auc_state", auc, "version", (json_int_t)o->version, "created",
	    (json_int_t)o->created, "updated", (json_int_t)o->updated, "pending_commands",
	    pending, "policy", policy);
	return *out != NULL ? MCIM_OK : MCIM_ERR_NOMEM;
}

static mcim_err tenant_of(struct net_sho *s, const char *name,
			  const struct sho_tenant **t, struct net_jerr *e)
{
	*t = sho_tenant_by_name(s, name);
	if (*t == NULL) {
		net_jerr_set(e, "", "this tenant is not an SHO served here");
		return MCIM_ERR_NOT_FOUND;
	}
	return MCIM_OK;
}

static mcim_err id_param(const char *text, const char *what, size_t n, uint8_t *out,
			 struct net_jerr *e)
{
	if (strlen(text) != 2 * n ||
	    mcim_hex_decode_exact(text, 2 * n, out, n) != MCIM_OK)
		return net_jerr_set(e, "", "%s: must be %zu hex digits", what, 2 * n);
	return MCIM_OK;
}

/* The audit actor of an operator API call: the tenant whose token was accepted. */
static const char *api_actor(const struct sho_tenant *t, char out[NET_STORE_NAME_MAX + 1])
{
	snprintf(out, NET_STORE_NAME_MAX + 1, "api:%.*s", NET_STORE_NAME_MAX - 4,
		 t->name);
	return out;
}

mcim_err net_ccif_order(struct net_sho *s, const char *tenant, const json_t *body,
			json_t **out, struct net_jerr *e)
{
	static const char *const allowed[] = {"tre_id", "algorithm", "policy", NULL};
	const struct sho_tenant *t;
	const char *tre_hex = NULL, *alg_name = "milenage";
	struct net_registration reg;
	struct net_mcim_order o;
	struct net_store *st = NULL;
	struct mcim_policy policy;
	const json_t *pj;
	uint8_t tre_id[NET_TRE_ID_LEN];
	char actor[NET_STORE_NAME_MAX + 1];
	enum mcim_aka_alg_id alg;
	mcim_err err;

	assert(s != NULL && tenant != NULL && body != NULL && out != NULL && e != NULL);
	mcim_policy_default(&policy);
	err = tenant_of(s, tenant, &t, e);
	if (err == MCIM_OK)
		err = net_json_object(body, "", allowed, e);
	if (err == MCIM_OK)
		err = net_json_str(body, "", "tre_id", 1, 32, 32, &tre_hex, e);
	if (err == MCIM_OK)
		err = net_json_str(body, "", "algorithm", 0, 1, 16, &alg_name, e);
	if (err == MCIM_OK)
		err = id_param(tre_hex, "tre_id", sizeof(tre_id), tre_id, e);
	if (err == MCIM_OK && (pj = json_object_get(body, "policy")) != NULL)
		err = ccif_policy_from_json(pj, "policy", &policy, e);
	if (err != MCIM_OK)
		return err;
	if (strcmp(alg_name, "milenage") == 0)
		alg = MCIM_AKA_MILENAGE;
	else if (strcmp(alg_name, "tuak") == 0)
		alg = MCIM_AKA_TUAK;
	else
		return net_jerr_set(e, "algorithm", "must be \"milenage\" or \"tuak\"");
	err = sho_store_get(s, &st);
	if (err == MCIM_OK)
		err = net_store_begin(st);
	if (err == MCIM_OK)
		err = net_store_registration_find(st, t->id, tre_id, &reg);
	if (err == MCIM_OK && reg.state != NET_REG_REGISTERED)
		err = MCIM_ERR_STATE;
	if (err == MCIM_OK)
		err = ccif_create(st, t, &reg, alg, &policy, api_actor(t, actor),
				  sho_now(s), &o);
	if (err == MCIM_OK)
		err = net_store_commit(st);
	if (err == MCIM_OK)
		err = view(st, t, &o, out);
	if (err == MCIM_ERR_NOT_FOUND)
		net_jerr_set(e, "", "no active registration of this TRE id");
	else if (err == MCIM_ERR_EXISTS)
		net_jerr_set(e, "", "this TRE id already has a live MCIM");
	else if (err == MCIM_ERR_STATE)
		net_jerr_set(e, "", "this TRE id is already provisioned");
	sho_store_put(s, st);
	return err;
}

mcim_err net_ccif_list(struct net_sho *s, const char *tenant, const char *state,
		       const char *after, json_t **out, struct net_jerr *e)
{
	const struct sho_tenant *t;
	struct net_mcim_order *o = NULL;
	struct net_store *st = NULL;
	json_t *arr = NULL, *v;
	int want = 0;
	long long from = 0;
	size_t n = 0;
	char *end;
	mcim_err err;

	assert(s != NULL && tenant != NULL && out != NULL && e != NULL);
	err = tenant_of(s, tenant, &t, e);
	if (err != MCIM_OK)
		return err;
	if (state != NULL) {
		want = sho_order_state_parse(state);
		if (want == 0)
			return net_jerr_set(e, "state", "unknown state");
	}
	if (after != NULL) {
		from = strtoll(after, &end, 10);
		if (*after == '\0' || *end != '\0' || from < 0)
			return net_jerr_set(e, "after", "must be a non-negative integer");
	}
	o = calloc(LIST_MAX, sizeof(*o));
	arr = json_array();
	if (o == NULL || arr == NULL)
		err = MCIM_ERR_NOMEM;
	if (err == MCIM_OK)
		err = sho_store_get(s, &st);
	if (err == MCIM_OK)
		err = net_store_order_list(st, t->id, want, from, o, LIST_MAX, &n);
	for (size_t i = 0; err == MCIM_OK && i < n; i++) {
		err = view(st, t, &o[i], &v);
		if (err == MCIM_OK && json_array_append_new(arr, v) != 0)
			err = MCIM_ERR_NOMEM;
	}
	if (err == MCIM_OK) {
		*out = json_pack("{s:O,s:o}", "mcims", arr, "next",
				 n == LIST_MAX ? json_integer(o[n - 1].id) : json_null());
		if (*out == NULL)
			err = MCIM_ERR_NOMEM;
	}
	json_decref(arr);
	free(o);
	sho_store_put(s, st);
	return err;
}

mcim_err net_ccif_get(struct net_sho *s, const char *tenant, const char *mcim_id,
		      json_t **out, struct net_jerr *e)
{
	const struct sho_tenant *t;
	struct net_mcim_order o;
	struct net_store *st = NULL;
	uint8_t id[NET_MCIM_ID_LEN];
	mcim_err err;

	assert(s != NULL && tenant != NULL && mcim_id != NULL && out != NULL &&
	       e != NULL);
	err = tenant_of(s, tenant, &t, e);
	if (err == MCIM_OK)
		err = id_param(mcim_id, "mcim_id", sizeof(id), id, e);
	if (err == MCIM_OK)
		err = sho_store_get(s, &st);
	if (err == MCIM_OK)
		err = net_store_order_get(st, t->id, id, &o);
	if (err == MCIM_OK)
		err = view(st, t, &o, out);
	if (err == MCIM_ERR_NOT_FOUND)
		net_jerr_set(e, "", "no such MCIM");
	sho_store_put(s, st);
	return err;
}

/* What a command needs: the order states it applies to, and the AuC state it sets
 * at once (0: unchanged). The first four are the actions of POST .../{id}:{action}. */
static const struct {
	const char *name;
	enum mcim_mgmt_cmd cmd;
	unsigned from; /* bits of enum net_mcim_state */
	int auc;
} actions[] = {
    {"activate", MCIM_MGMT_ACTIVATE, 1u << NET_MCIM_INSTALLED, 0},
    {"suspend", MCIM_MGMT_SUSPEND, 1u << NET_MCIM_ACTIVATED, NET_AUC_SUSPENDED},
    {"resume", MCIM_MGMT_RESUME, 1u << NET_MCIM_SUSPENDED, NET_AUC_ACTIVE},
    {"delete", MCIM_MGMT_DELETE,
     (1u << NET_MCIM_INSTALLED) | (1u << NET_MCIM_ACTIVATED) | (1u << NET_MCIM_SUSPENDED),
     NET_AUC_DELETED},
    {"set_policy", MCIM_MGMT_SET_POLICY,
     (1u << NET_MCIM_INSTALLED) | (1u << NET_MCIM_ACTIVATED) | (1u << NET_MCIM_SUSPENDED),
     0},
};
#define ACTIONS_N	  (sizeof(actions) / sizeof(actions[0]))
#define ACTION_SET_POLICY (ACTIONS_N - 1)

/* Signs command a (with its policy for set_policy) for the MCIM's TRE with the next
 * counter and queues it, in st's transaction. */
static mcim_err queue(const struct sho_tenant *t, struct net_store *st,
		      const struct net_mcim_order *o, size_t a,
		      const struct mcim_policy *policy, const char *actor, int64_t now)
{
	struct net_auc_record *r = calloc(1, sizeof(*r));
	struct sho_state ss;
	struct mcim_mgmt cmd;
	struct sho_cmd *c;
	size_t len = 0;
	mcim_err err;

	if (r == NULL)
		return MCIM_ERR_NOMEM;
	err = net_store_auc_get(st, t->id, o->imsi, r);
	if (err == MCIM_OK)
		err = sho_state_get(t, r, &ss);
	if (err == MCIM_OK && r->state == NET_AUC_DELETED)
		err = MCIM_ERR_STATE;
	if (err == MCIM_OK && ss.n_cmds >= NET_SHO_QUEUE_MAX)
		err = MCIM_ERR_FULL;
	if (err == MCIM_OK) {
		memset(&cmd, 0, sizeof(cmd));
		memcpy(cmd.tre_id, o->tre_id, sizeof(cmd.tre_id));
		memcpy(cmd.mcim_id, o->mcim_id, sizeof(cmd.mcim_id));
		cmd.counter = ss.counter + 1;
		cmd.cmd = actions[a].cmd;
		if (policy != NULL)
			cmd.u.policy = *policy;
		c = &ss.cmds[ss.n_cmds];
		err = mcim_mgmt_sign(&cmd, &t->mgmt_key, c->signed_cmd,
				     sizeof(c->signed_cmd), &len);
		if (err == MCIM_OK) {
			c->counter = cmd.counter;
			c->cmd = (uint8_t)cmd.cmd;
			c->len = (uint16_t)len;
			ss.counter = cmd.counter;
			ss.n_cmds++;
		}
	}
	if (err == MCIM_OK && actions[a].auc != 0) {
		r->state = actions[a].auc;
		ss.pending = false; /* a challenge in flight dies with the change */
	}
	if (err == MCIM_OK)
		err = sho_state_put(t, &ss, r);
	if (err == MCIM_OK)
		err = net_store_auc_update(st, r, now);
	if (err == MCIM_OK)
		err = sho_audit(st, t, now, actor, NET_AUDIT_MGMT_QUEUED, o->mcim_id,
				"%s, counter %llu", actions[a].name,
				(unsigned long long)cmd.counter);
	sho_state_wipe(&ss);
	mcim_wipe(r, sizeof(*r));
	free(r);
	return err;
}

/* Queues command a for the tenant's MCIM mcim_id (hex) and answers its view. */
static mcim_err command(struct net_sho *s, const char *tenant, const char *mcim_id,
			size_t a, const struct mcim_policy *policy, json_t **out,
			struct net_jerr *e)
{
	const struct sho_tenant *t;
	struct net_mcim_order o;
	struct net_store *st = NULL;
	uint8_t id[NET_MCIM_ID_LEN];
	char actor[NET_STORE_NAME_MAX + 1];
	mcim_err err;

	err = tenant_of(s, tenant, &t, e);
	if (err == MCIM_OK)
		err = id_param(mcim_id, "mcim_id", sizeof(id), id, e);
	if (err == MCIM_OK)
		err = sho_store_get(s, &st);
	if (err == MCIM_OK)
		err = net_store_begin(st);
	if (err == MCIM_OK)
		err = net_store_order_get(st, t->id, id, &o);
	if (err == MCIM_OK && !(actions[a].from & (1u << o.state)))
		err = MCIM_ERR_STATE;
	if (err == MCIM_OK)
		err = queue(t, st, &o, a, policy, api_actor(t, actor), sho_now(s));
	if (err == MCIM_OK)
		err = net_store_commit(st);
	if (err == MCIM_OK)
		err = view(st, t, &o, out);
	if (err == MCIM_ERR_NOT_FOUND)
		net_jerr_set(e, "", "no such MCIM");
	else if (err == MCIM_ERR_STATE)
		net_jerr_set(e, "", "%s is not possible in the MCIM's state",
			     actions[a].name);
	else if (err == MCIM_ERR_FULL)
		net_jerr_set(e, "", "%d commands already wait for the device",
			     NET_SHO_QUEUE_MAX);
	sho_store_put(s, st);
	return err;
}

mcim_err net_ccif_action(struct net_sho *s, const char *tenant, const char *mcim_id,
			 const char *action, json_t **out, struct net_jerr *e)
{
	size_t a;

	assert(s != NULL && tenant != NULL && mcim_id != NULL && action != NULL &&
	       out != NULL && e != NULL);
	for (a = 0; a < ACTION_SET_POLICY; a++)
		if (strcmp(action, actions[a].name) == 0)
			break;
	if (a == ACTION_SET_POLICY)
		return net_jerr_set(e, "",
				    "unknown action: activate, suspend, resume or "
				    "delete");
	return command(s, tenant, mcim_id, a, NULL, out, e);
}

mcim_err net_ccif_set_policy(struct net_sho *s, const char *tenant, const char *mcim_id,
			     const json_t *body, json_t **out, struct net_jerr *e)
{
	struct mcim_policy policy;
	mcim_err err;

	assert(s != NULL && tenant != NULL && mcim_id != NULL && body != NULL &&
	       out != NULL && e != NULL);
	err = ccif_policy_from_json(body, "", &policy, e);
	if (err != MCIM_OK)
		return err;
	return command(s, tenant, mcim_id, ACTION_SET_POLICY, &policy, out, e);
}
