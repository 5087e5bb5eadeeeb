/*
 * SHO management commands inside the TRE (tre_registry_mgmt, tre/registry.h): the
 * command is parsed unauthenticated only to find the MCIM it names; it is then
 * verified with that MCIM's own management key (R-MCIM-C05), so a command signed by
 * any other key, another SHO's included, fails the signature (R-TRE-M07). Binding to
 * this TRE and the per-MCIM counter (R-MCIM-L04) come next, then the command itself:
 * lifecycle operations through reg_transition() with actor SHO, release and
 * set_policy here. The counter is written in the same put as the change, so a
 * refused command leaves no trace in the store.
 */
#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"
#include "mcim/cert.h"
#include "tre/registry.h"
#include "tre/registry_int.h"

/* The management key of o's profile, still within its validity at now. */
static mcim_err mgmt_key(const struct reg_obj *o, time_t now, struct mcim_p256_pub *pub)
{
	struct mcim_profile p;
	struct mcim_cert_info ci;
	mcim_err err = reg_profile(o, &p);

	if (err == MCIM_OK &&
	    mcim_cert_parse(p.mgmt_cert, p.mgmt_cert_len, &ci, pub) != MCIM_OK)
		err = MCIM_ERR_TAMPERED;
	if (err == MCIM_OK &&
	    (ci.role != MCIM_CERT_ROLE_SHO_MGMT || strcmp(ci.operator_id, o->sho) != 0))
		err = MCIM_ERR_TAMPERED;
	if (err == MCIM_OK && (now < ci.not_before || now > ci.not_after))
		err = MCIM_ERR_EXPIRED;
	mcim_profile_wipe(&p);
	return err;
}

static enum tre_mcim_op op_of(enum mcim_mgmt_cmd cmd)
{
	switch (cmd) {
	case MCIM_MGMT_ACTIVATE:
		return TRE_OP_ACTIVATE;
	case MCIM_MGMT_SUSPEND:
		return TRE_OP_SUSPEND;
	case MCIM_MGMT_RESUME:
		return TRE_OP_RESUME;
	default:
		return TRE_OP_DELETE;
	}
}

/* R-PRC-302: the owner's consent to a change of subscription, under its policy. */
static mcim_err release(struct tre_store *st, struct reg_obj *o,
			const struct mcim_mgmt *c, time_t now)
{
	if ((o->policy.allowed & MCIM_POLICY_ALLOW_RELEASE) == 0 ||
	    (int64_t)now < o->policy.lock_until)
		return MCIM_ERR_POLICY;
	if (c->u.release.exp <= (int64_t)now)
		return MCIM_ERR_EXPIRED;
	if (strcmp(c->u.release.new_sho, o->sho) == 0)
		return MCIM_ERR_INVALID_ARG;
	o->released = true;
	memcpy(o->release_to, c->u.release.new_sho, sizeof(o->release_to));
	o->release_exp = c->u.release.exp;
	return reg_save(st, o);
}

static mcim_err apply(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
		      struct reg_obj *o, const struct mcim_mgmt *c, time_t now,
		      struct tre_mgmt_result *res)
{
	unsigned flags;

	o->counter = c->counter;
	switch (c->cmd) {
	case MCIM_MGMT_RELEASE:
		return release(st, o, c, now);
	case MCIM_MGMT_SET_POLICY:
		o->policy = c->u.policy;
		return reg_save(st, o);
	case MCIM_MGMT_ACTIVATE:
	case MCIM_MGMT_SUSPEND:
	case MCIM_MGMT_RESUME:
	case MCIM_MGMT_DELETE:
		break;
	}
	flags = c->cmd == MCIM_MGMT_ACTIVATE && c->u.swap ? TRE_TRANSITION_SWAP : 0;
	return reg_transition(st, tre_id, o, op_of(c->cmd), TRE_ACTOR_SHO, flags, now,
			      res->changes, &res->n_changes);
}

mcim_err tre_registry_mgmt(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			   const uint8_t *cmd, size_t len, time_t now,
			   struct tre_mgmt_result *res)
{
	struct mcim_p256_pub pub;
	struct mcim_mgmt c;
	struct reg_obj o;
	mcim_err err;

	MCIM_ASSERT(st != NULL && tre_id != NULL && res != NULL &&
		    (cmd != NULL || len == 0));
	memset(res, 0, sizeof(*res));
	memset(&o, 0, sizeof(o));
	err = mcim_mgmt_peek(cmd, len, &res->cmd);
	if (err != MCIM_OK)
		return err;
	res->parsed = true;
	err = reg_load(st, tre_id, res->cmd.mcim_id, &o);
	if (err == MCIM_OK && o.state == TRE_MCIM_DELETED)
		err = MCIM_ERR_STATE;
	if (err == MCIM_OK)
		err = mgmt_key(&o, now, &pub);
	if (err == MCIM_OK)
		err = mcim_mgmt_verify(cmd, len, &pub, &c);
	if (err == MCIM_OK && memcmp(c.tre_id, tre_id, TRE_ID_LEN) != 0)
		err = MCIM_ERR_DENIED;
	/* R-MCIM-L04: single use, in order. */
	if (err == MCIM_OK && c.counter <= o.counter)
		err = MCIM_ERR_REPLAY;
	if (err == MCIM_OK)
		err = apply(st, tre_id, &o, &c, now, res);
	if (err == MCIM_OK)
		err = reg_info_of(&o, &res->info);
	reg_obj_wipe(&o);
	return err;
}
