/*
 * AKA inside the TRE (tre_registry_aka, tre/registry.h; R-TRE-G06): the USIM side of
 * TS 33.102 6.3 for the ACTIVATED MCIM only (R-MCIM-L02, L03), through mcim/auth.h.
 * The credential is decoded from the store into a local profile, turned into a key
 * context, and both are wiped before returning; what leaves is what the MCIM's policy
 * allows for the kind asked: RES/CK/IK, or RES and KASME, or RES* and KAUSF. The SQN
 * state and the MAC failure count go back to the store in the caller's transaction,
 * so the next AKA (after a suspend and resume too) continues where this one ended.
 */
#include <string.h>

#include "core/check.h"
#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "tre/registry.h"
#include "tre/registry_int.h"

void tre_aka_result_wipe(struct tre_aka_result *res)
{
	MCIM_ASSERT(res != NULL);
	mcim_wipe(res, sizeof(*res));
}

static uint32_t kind_bit(enum tre_aka_kind kind)
{
	switch (kind) {
	case TRE_AKA_3G:
		return MCIM_POLICY_ALLOW_AKA_3G;
	case TRE_AKA_EPS:
		return MCIM_POLICY_ALLOW_AKA_EPS;
	case TRE_AKA_5G:
		return MCIM_POLICY_ALLOW_AKA_5G;
	}
	return 0;
}

static mcim_err check_req(const struct tre_aka_req *req)
{
	if (kind_bit(req->kind) == 0 || req->autn_len > MCIM_AKA_AUTN_MAX)
		return MCIM_ERR_INVALID_ARG;
	if (req->kind == TRE_AKA_5G && (req->snn_len == 0 || req->snn_len > MCIM_SNN_MAX))
		return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

/* RES* and KAUSF (TS 33.501 A.4, A.2) for the serving network name. */
static mcim_err derive_5g(const struct tre_aka_req *req,
			  const struct mcim_auth_usim_out *u, struct tre_aka_result *res)
{
	mcim_err err =
	    mcim_kdf_res_star(u->ck, u->ck_len, u->ik, u->ik_len, req->snn, req->snn_len,
			      req->rand, u->res, u->res_len, res->res_star);

	if (err == MCIM_OK)
		err = mcim_kdf_kausf(u->ck, u->ck_len, u->ik, u->ik_len, req->snn,
				     req->snn_len, req->autn, res->kausf);
	return err;
}

/* The outputs of req->kind from the USIM's answer (RES itself is copied by the
 * caller for 3G and EPS; 5G gives RES* instead). */
static mcim_err outputs(const struct tre_aka_req *req, const struct mcim_auth_usim_out *u,
			struct tre_aka_result *res)
{
	switch (req->kind) {
	case TRE_AKA_3G:
		memcpy(res->res, u->res, u->res_len);
		res->res_len = u->res_len;
		memcpy(res->ck, u->ck, u->ck_len);
		memcpy(res->ik, u->ik, u->ik_len);
		res->ck_len = u->ck_len;
		res->ik_len = u->ik_len;
		return MCIM_OK;
	case TRE_AKA_EPS:
		memcpy(res->res, u->res, u->res_len);
		res->res_len = u->res_len;
		return mcim_kdf_kasme(u->ck, u->ck_len, u->ik, u->ik_len, req->plmn,
				      req->autn, res->kasme);
	case TRE_AKA_5G:
		return derive_5g(req, u, res);
	}
	return MCIM_ERR_INVALID_ARG;
}

/* Runs the USIM with o's credential; o->ms and o->mac_failures follow the outcome. */
static mcim_err usim(struct reg_obj *o, const struct mcim_profile *p,
		     const struct tre_aka_req *req, struct tre_aka_result *res)
{
	struct mcim_aka_keyctx kc;
	struct mcim_auth_usim_out u;
	mcim_err err;

	memset(&u, 0, sizeof(u));
	err = mcim_aka_prepare(&kc, &p->cred);
	if (err == MCIM_OK)
		err = mcim_auth_usim(&kc, &p->sqn, &o->ms, req->rand, req->autn,
				     req->autn_len, &u);
	if (err == MCIM_OK)
		err = outputs(req, &u, res);
	else if (err == MCIM_ERR_SYNC_FAILURE) {
		memcpy(res->auts, u.auts, u.auts_len);
		res->auts_len = u.auts_len;
	}
	mcim_auth_usim_out_wipe(&u);
	mcim_aka_keyctx_wipe(&kc);
	return err;
}

/* Wipes every output but the ones an error return carries. */
static void keep_error_fields(struct tre_aka_result *res, mcim_err err)
{
	mcim_wipe(res->res, sizeof(res->res));
	mcim_wipe(res->ck, sizeof(res->ck));
	mcim_wipe(res->ik, sizeof(res->ik));
	mcim_wipe(res->kasme, sizeof(res->kasme));
	mcim_wipe(res->res_star, sizeof(res->res_star));
	mcim_wipe(res->kausf, sizeof(res->kausf));
	res->res_len = res->ck_len = res->ik_len = 0;
	if (err != MCIM_ERR_SYNC_FAILURE) {
		mcim_wipe(res->auts, sizeof(res->auts));
		res->auts_len = 0;
	}
}

mcim_err tre_registry_aka(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			  const struct tre_aka_req *req, struct tre_aka_result *res)
{
	struct mcim_profile p;
	struct reg_obj o;
	struct tre_mcim_info active;
	uint32_t before;
	mcim_err err, serr = MCIM_OK;

	MCIM_ASSERT(st != NULL && tre_id != NULL && req != NULL && res != NULL);
	memset(res, 0, sizeof(*res));
	memset(&o, 0, sizeof(o));
	memset(&p, 0, sizeof(p));
	err = check_req(req);
	if (err == MCIM_OK)
		err = tre_registry_active(st, tre_id, &active);
	if (err == MCIM_OK) {
		memcpy(res->mcim_id, active.id, sizeof(res->mcim_id));
		err = reg_load(st, tre_id, active.id, &o);
	}
	if (err == MCIM_OK)
		err = reg_profile(&o, &p);
	/* R-TRE-G06: the policy decides what may leave the TRE. */
	if (err == MCIM_OK && (o.policy.allowed & kind_bit(req->kind)) == 0)
		err = MCIM_ERR_POLICY;
	if (err != MCIM_OK)
		goto done;
	before = o.mac_failures;
	err = usim(&o, &p, req, res);
	if (err == MCIM_OK || err == MCIM_ERR_SYNC_FAILURE) {
		o.mac_failures = 0;
		res->changed = err == MCIM_OK || before != 0;
	} else if (err == MCIM_ERR_MAC_FAILURE) {
		if (o.mac_failures < UINT32_MAX)
			o.mac_failures++;
		res->changed = true;
		res->tamper = o.policy.max_mac_failures != 0 &&
			      o.mac_failures >= o.policy.max_mac_failures;
	}
	res->mac_failures = o.mac_failures;
	if (res->changed)
		serr = reg_save(st, &o);
	if (serr != MCIM_OK) {
		err = serr;
		res->changed = false;
		res->tamper = false;
	}
done:
	if (err != MCIM_OK)
		keep_error_fields(res, err);
	mcim_profile_wipe(&p);
	reg_obj_wipe(&o);
	return err;
}
