/*
 * The MCIM registry inside the TRE (tre/registry.h) on the real sealed store of the
 * soft backend in a temp directory: the full lifecycle matrix, every state x op x
 * actor, allowed and refused, a refusal changing nothing (R-MCIM-L01, R-TRE-M03);
 * installation and its refusals (R-MCIM-C01, C05, C08, R-TRE-M08); one ACTIVATED
 * MCIM and the make-before-break swap with the owner's release (R-MCIM-L05, L06,
 * R-PRC-302); policies (R-TRE-M05); SHO commands, another SHO's, replayed, for
 * another TRE, tampered (R-MCIM-L04, R-TRE-M07); AKA through the TRE against the AuC
 * of mcim/auth.h with the official MILENAGE and TUAK data and random credentials
 * (R-TRE-G06, R-MCIM-L02, L03, C03, C04), MAC failures counted to a tamper event
 * (R-TRE-G11), resynchronisation; deletion wiping K from the store (R-MCIM-L07); the
 * tamper response of each policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "mcim/kdf.h"
#include "mcim/mgmt.h"
#include "tool/vecfile.h"
#include "tre/registry.h"
#include "tre/soft/soft.h"
#include "tre/store.h"
#include "vectors_env.h"

#include "mcim_fixture.h"
#include "tre_fault.h"

#define NOW (FX_T0 + 1000)

struct dev {
	char base[256], hw[300], dir[300], file[320];
	uint8_t id[TRE_ID_LEN];
	struct tre_soft soft;
	struct tre_store st;
	uint64_t counter[256]; /* next management counter per id byte */
};

static int setup(void **state)
{
	(void)state;
	fx_pki();
	return 0;
}

static struct dev *dev_new(void)
{
	struct dev *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	tre_test_mkdtemp(d->base, sizeof(d->base), "mcim-reg");
	snprintf(d->hw, sizeof(d->hw), "%s/hw", d->base);
	snprintf(d->dir, sizeof(d->dir), "%s/store", d->base);
	snprintf(d->file, sizeof(d->file), "%s/store", d->dir);
	assert_int_equal(mkdir(d->dir, 0700), 0);
	memset(d->id, 0x5a, sizeof(d->id));
	assert_int_equal(tre_soft_manufacture(d->hw, d->id, NULL, NULL), MCIM_OK);
	assert_int_equal(tre_soft_open(&d->soft, d->hw, d->dir, NULL, NULL), MCIM_OK);
	assert_int_equal(tre_store_create(&d->st, &d->soft.base), MCIM_OK);
	return d;
}

static void dev_free(struct dev *d)
{
	tre_store_close(&d->st);
	tre_backend_close(&d->soft.base);
	rm_tree(d->base);
	free(d);
}

/* In a transaction, nothing put yet by the call that just returned. */
static void assert_untouched(const struct dev *d)
{
	assert_int_equal(d->st.work_len, d->st.image_len);
	assert_memory_equal(d->st.work, d->st.image, d->st.image_len);
}

static mcim_err install_at(struct dev *d, const struct mcim_profile *p, time_t now,
			   struct tre_mcim_info *info)
{
	uint64_t gen = tre_store_generation(&d->st);
	mcim_err err;

	assert_int_equal(tre_store_begin(&d->st), MCIM_OK);
	err = tre_registry_install(&d->st, d->id, fxp.ci.der, fxp.ci.len, p, now, info);
	if (err == MCIM_OK) {
		assert_int_equal(tre_store_commit(&d->st), MCIM_OK);
	} else {
		assert_untouched(d);
		tre_store_abort(&d->st);
		assert_int_equal(tre_store_generation(&d->st), gen);
	}
	return err;
}

static mcim_err install(struct dev *d, const struct mcim_profile *p)
{
	struct tre_mcim_info info;

	return install_at(d, p, NOW, &info);
}

static mcim_err transition(struct dev *d, uint8_t idb, enum tre_mcim_op op,
			   enum tre_actor actor, unsigned flags, size_t *n_changes)
{
	uint8_t id[MCIM_PROFILE_ID_LEN];
	struct tre_mcim_change ch[2];
	struct tre_mcim_info info;
	size_t n = 0;
	mcim_err err;

	memset(id, idb, sizeof(id));
	assert_int_equal(tre_store_begin(&d->st), MCIM_OK);
	err = tre_registry_transition(&d->st, d->id, id, op, actor, flags, NOW, ch, &n,
				      &info);
	if (err == MCIM_OK) {
		assert_int_equal(tre_store_commit(&d->st), MCIM_OK);
		assert_memory_equal(ch[0].id, id, sizeof(id));
		assert_int_equal(ch[0].to, info.state);
	} else {
		assert_untouched(d);
		tre_store_abort(&d->st);
	}
	if (n_changes != NULL)
		*n_changes = n;
	return err;
}

static enum tre_mcim_state state_of(struct dev *d, uint8_t idb)
{
	uint8_t id[MCIM_PROFILE_ID_LEN];
	struct tre_mcim_info info;

	memset(id, idb, sizeof(id));
	assert_int_equal(tre_registry_get(&d->st, d->id, id, &info), MCIM_OK);
	return info.state;
}

/* Signs cmd with key and applies it; commits on success. */
static mcim_err mgmt_raw(struct dev *d, const uint8_t *buf, size_t len, time_t now,
			 struct tre_mgmt_result *res)
{
	uint64_t gen = tre_store_generation(&d->st);
	mcim_err err;

	assert_int_equal(tre_store_begin(&d->st), MCIM_OK);
	err = tre_registry_mgmt(&d->st, d->id, buf, len, now, res);
	if (err == MCIM_OK) {
		assert_int_equal(tre_store_commit(&d->st), MCIM_OK);
	} else {
		assert_untouched(d);
		tre_store_abort(&d->st);
		assert_int_equal(tre_store_generation(&d->st), gen);
	}
	return err;
}

static void cmd_for(struct dev *d, struct mcim_mgmt *c, uint8_t idb,
		    enum mcim_mgmt_cmd cmd)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->tre_id, d->id, sizeof(c->tre_id));
	memset(c->mcim_id, idb, sizeof(c->mcim_id));
	c->counter = ++d->counter[idb];
	c->cmd = cmd;
}

static mcim_err mgmt_signed(struct dev *d, const struct mcim_mgmt *c,
			    const struct fx_party *key, time_t now)
{
	uint8_t buf[MCIM_MGMT_SIGNED_MAX];
	struct tre_mgmt_result res;
	size_t len;

	assert_int_equal(mcim_mgmt_sign(c, &key->priv, buf, sizeof(buf), &len), MCIM_OK);
	return mgmt_raw(d, buf, len, now, &res);
}

static mcim_err mgmt(struct dev *d, uint8_t idb, enum mcim_mgmt_cmd cmd)
{
	struct mcim_mgmt c;

	cmd_for(d, &c, idb, cmd);
	return mgmt_signed(d, &c, &fxp.mgmt, NOW);
}

/* ---- the lifecycle table ---- */

static const struct {
	enum tre_mcim_state from;
	enum tre_mcim_op op;
	enum tre_actor actor;
	enum tre_mcim_state to;
} allowed[] = {
    {TRE_MCIM_INSTALLED, TRE_OP_ACTIVATE, TRE_ACTOR_SHO, TRE_MCIM_ACTIVATED},
    {TRE_MCIM_INSTALLED, TRE_OP_ACTIVATE, TRE_ACTOR_POLICY, TRE_MCIM_ACTIVATED},
    {TRE_MCIM_ACTIVATED, TRE_OP_SUSPEND, TRE_ACTOR_SHO, TRE_MCIM_SUSPENDED},
    {TRE_MCIM_ACTIVATED, TRE_OP_SUSPEND, TRE_ACTOR_POLICY, TRE_MCIM_SUSPENDED},
    {TRE_MCIM_SUSPENDED, TRE_OP_RESUME, TRE_ACTOR_SHO, TRE_MCIM_ACTIVATED},
    {TRE_MCIM_INSTALLED, TRE_OP_DELETE, TRE_ACTOR_SHO, TRE_MCIM_DELETED},
    {TRE_MCIM_INSTALLED, TRE_OP_DELETE, TRE_ACTOR_POLICY, TRE_MCIM_DELETED},
    {TRE_MCIM_ACTIVATED, TRE_OP_DELETE, TRE_ACTOR_SHO, TRE_MCIM_DELETED},
    {TRE_MCIM_ACTIVATED, TRE_OP_DELETE, TRE_ACTOR_POLICY, TRE_MCIM_DELETED},
    {TRE_MCIM_SUSPENDED, TRE_OP_DELETE, TRE_ACTOR_SHO, TRE_MCIM_DELETED},
    {TRE_MCIM_SUSPENDED, TRE_OP_DELETE, TRE_ACTOR_POLICY, TRE_MCIM_DELETED},
};

/* The expected outcome of one cell, from the list above and requirements.md 3.1. */
static mcim_err expected(enum tre_mcim_state from, enum tre_mcim_op op,
			 enum tre_actor actor, enum tre_mcim_state *to)
{
	int actor_ever = 0;

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		if (allowed[i].op != op || allowed[i].actor != actor)
			continue;
		actor_ever = 1;
		if (allowed[i].from == from) {
			*to = allowed[i].to;
			return MCIM_OK;
		}
	}
	return actor_ever ? MCIM_ERR_STATE : MCIM_ERR_DENIED;
}

/* R-MCIM-L01: the pure table, every cell and out-of-range values. */
static void lifecycle_table(void **state)
{
	enum tre_mcim_state to, want_to;
	int ok = 0;

	(void)state;
	for (int s = TRE_MCIM_INSTALLED; s <= TRE_MCIM_DELETED; s++)
		for (int op = TRE_OP_ACTIVATE; op <= TRE_OP_DELETE; op++)
			for (int a = TRE_ACTOR_SHO; a <= TRE_ACTOR_MAINTENANCE; a++) {
				mcim_err want =
				    expected((enum tre_mcim_state)s, (enum tre_mcim_op)op,
					     (enum tre_actor)a, &want_to);
				to = (enum tre_mcim_state)0;
				assert_int_equal(
				    tre_lifecycle_next((enum tre_mcim_state)s,
						       (enum tre_mcim_op)op,
						       (enum tre_actor)a, &to),
				    want);
				if (want == MCIM_OK) {
					assert_int_equal(to, want_to);
					ok++;
				} else {
					assert_int_equal(to, 0);
				}
			}
	assert_int_equal(ok, 11);
	assert_int_equal(
	    tre_lifecycle_next((enum tre_mcim_state)0, TRE_OP_DELETE, TRE_ACTOR_SHO, &to),
	    MCIM_ERR_INVALID_ARG);
	assert_int_equal(tre_lifecycle_next(TRE_MCIM_ACTIVATED, (enum tre_mcim_op)5,
					    TRE_ACTOR_SHO, &to),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(tre_lifecycle_next(TRE_MCIM_ACTIVATED, TRE_OP_SUSPEND,
					    (enum tre_actor)0, &to),
			 MCIM_ERR_INVALID_ARG);
	assert_string_equal(tre_mcim_state_name(TRE_MCIM_SUSPENDED), "suspended");
	assert_null(tre_mcim_state_name((enum tre_mcim_state)9));
	assert_string_equal(tre_mcim_op_name(TRE_OP_RESUME), "resume");
	assert_null(tre_mcim_op_name((enum tre_mcim_op)0));
	assert_string_equal(tre_actor_name(TRE_ACTOR_MAINTENANCE), "maintenance");
	assert_null(tre_actor_name((enum tre_actor)5));
}

/* Brings MCIM idb of a fresh profile to state s. */
static void bring_to(struct dev *d, uint8_t idb, enum tre_mcim_state s)
{
	struct mcim_profile p;

	fx_profile(&p, idb, FX_SHO);
	p.policy.auto_activate = true;
	assert_int_equal(install(d, &p), MCIM_OK);
	mcim_profile_wipe(&p);
	if (s == TRE_MCIM_ACTIVATED || s == TRE_MCIM_SUSPENDED)
		assert_int_equal(
		    transition(d, idb, TRE_OP_ACTIVATE, TRE_ACTOR_SHO, 0, NULL), MCIM_OK);
	if (s == TRE_MCIM_SUSPENDED)
		assert_int_equal(
		    transition(d, idb, TRE_OP_SUSPEND, TRE_ACTOR_SHO, 0, NULL), MCIM_OK);
	if (s == TRE_MCIM_DELETED)
		assert_int_equal(
		    transition(d, idb, TRE_OP_DELETE, TRE_ACTOR_SHO, 0, NULL), MCIM_OK);
	assert_int_equal(state_of(d, idb), s);
}

/* R-MCIM-L01, R-TRE-M03: the whole matrix through the registry and the sealed store;
 * a refused cell leaves the store image and generation exactly as they were. */
static void transition_matrix(void **state)
{
	int cells = 0;

	(void)state;
	for (int s = TRE_MCIM_INSTALLED; s <= TRE_MCIM_DELETED; s++)
		for (int op = TRE_OP_ACTIVATE; op <= TRE_OP_DELETE; op++)
			for (int a = TRE_ACTOR_SHO; a <= TRE_ACTOR_MAINTENANCE; a++) {
				struct dev *d = dev_new();
				enum tre_mcim_state want_to = (enum tre_mcim_state)0;
				mcim_err want =
				    expected((enum tre_mcim_state)s, (enum tre_mcim_op)op,
					     (enum tre_actor)a, &want_to);
				uint64_t gen;

				bring_to(d, 7, (enum tre_mcim_state)s);
				gen = tre_store_generation(&d->st);
				assert_int_equal(transition(d, 7, (enum tre_mcim_op)op,
							    (enum tre_actor)a, 0, NULL),
						 want);
				if (want == MCIM_OK) {
					assert_int_equal(state_of(d, 7), want_to);
					assert_int_equal(tre_store_generation(&d->st),
							 gen + 1);
				} else {
					assert_int_equal(state_of(d, 7), s);
					assert_int_equal(tre_store_generation(&d->st),
							 gen);
				}
				dev_free(d);
				cells++;
			}
	assert_int_equal(cells, 64);
}

/* ---- installation ---- */

/* R-MCIM-C08, R-MCIM-L08, R-TRE-M04: installed as INSTALLED, listed, idempotent. */
static void install_good(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct tre_mcim_info info, list[4];
	size_t n;

	(void)state;
	fx_profile(&p, 1, FX_SHO);
	assert_int_equal(install_at(d, &p, NOW, &info), MCIM_OK);
	assert_int_equal(info.state, TRE_MCIM_INSTALLED);
	assert_string_equal(info.imsi, p.imsi);
	assert_string_equal(info.sho, FX_SHO);
	assert_int_equal(info.alg, MCIM_AKA_MILENAGE);
	assert_int_equal(info.version, 1);
	assert_int_equal(info.mgmt_counter, 0);
	/* R-MCIM-C07: the PLMN lists come with the registry's view. */
	assert_int_equal(info.plmn_oper.n, 2);
	assert_string_equal(info.plmn_oper.id[1], "00102");
	assert_string_equal(info.plmn_forbidden.id[0], "99999");
	/* The same id and version again: EXISTS with the same answer (retry). */
	memset(&info, 0, sizeof(info));
	assert_int_equal(install_at(d, &p, NOW, &info), MCIM_ERR_EXISTS);
	assert_int_equal(info.state, TRE_MCIM_INSTALLED);
	assert_string_equal(info.imsi, p.imsi);
	/* Another version of a live MCIM is not an install either. */
	p.version = 2;
	assert_int_equal(install_at(d, &p, NOW, &info), MCIM_ERR_EXISTS);
	fx_profile(&p, 2, FX_SHO2);
	assert_int_equal(install(d, &p), MCIM_OK);
	assert_int_equal(tre_registry_list(&d->st, d->id, list, 4, &n), MCIM_OK);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id[0], 1);
	assert_string_equal(list[1].sho, FX_SHO2);
	assert_int_equal(tre_registry_list(&d->st, d->id, list, 1, &n), MCIM_OK);
	assert_int_equal(n, 2);
	assert_int_equal(tre_registry_active(&d->st, d->id, &info), MCIM_ERR_NOT_FOUND);
	/* Survives reopening the store. */
	tre_store_close(&d->st);
	assert_int_equal(tre_store_open(&d->st, &d->soft.base), MCIM_OK);
	assert_int_equal(state_of(d, 2), TRE_MCIM_INSTALLED);
	mcim_profile_wipe(&p);
	dev_free(d);
}

static void install_bad(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct tre_mcim_info info;
	uint8_t other_tre[TRE_ID_LEN], id[MCIM_PROFILE_ID_LEN];

	(void)state;
	/* R-MCIM-C05: a management certificate under another CI. */
	fx_profile(&p, 1, FX_SHO);
	memcpy(p.mgmt_cert, fxp.foreign.der, fxp.foreign.len);
	p.mgmt_cert_len = fxp.foreign.len;
	assert_int_equal(install(d, &p), MCIM_ERR_BAD_CERT);
	/* Expired, and not yet valid. */
	memcpy(p.mgmt_cert, fxp.shortmgmt.der, fxp.shortmgmt.len);
	p.mgmt_cert_len = fxp.shortmgmt.len;
	assert_int_equal(install_at(d, &p, FX_T0 + 2 * 24 * 3600, &info),
			 MCIM_ERR_EXPIRED);
	assert_int_equal(install_at(d, &p, FX_T0 - 1, &info), MCIM_ERR_EXPIRED);
	/* The wrong role, another operator's certificate, an IMSI of another SHO. */
	fx_profile(&p, 1, FX_SHO);
	memcpy(p.mgmt_cert, fxp.dpf.der, fxp.dpf.len);
	p.mgmt_cert_len = fxp.dpf.len;
	assert_int_equal(install(d, &p), MCIM_ERR_INVALID_ARG);
	fx_profile(&p, 1, FX_SHO);
	memcpy(p.mgmt_cert, fxp.mgmt2.der, fxp.mgmt2.len);
	p.mgmt_cert_len = fxp.mgmt2.len;
	assert_int_equal(install(d, &p), MCIM_ERR_INVALID_ARG);
	fx_profile(&p, 1, FX_SHO);
	strcpy(p.imsi, "310410000000001");
	assert_int_equal(install(d, &p), MCIM_ERR_INVALID_ARG);
	/* Full: TRE_MCIM_MAX live MCIMs. */
	for (int i = 0; i < TRE_MCIM_MAX; i++) {
		fx_profile(&p, (uint8_t)(10 + i), FX_SHO);
		assert_int_equal(install(d, &p), MCIM_OK);
	}
	fx_profile(&p, 30, FX_SHO);
	assert_int_equal(install(d, &p), MCIM_ERR_FULL);
	/* Delete one: room again; the deleted id and version cannot come back. */
	assert_int_equal(mgmt(d, 10, MCIM_MGMT_DELETE), MCIM_OK);
	fx_profile(&p, 10, FX_SHO);
	assert_int_equal(install(d, &p), MCIM_ERR_REPLAY);
	/* A newer version of it may, and the management counter carries on, so the
	 * old version's commands stay replays. */
	p.version = 2;
	assert_int_equal(install_at(d, &p, NOW, &info), MCIM_OK);
	assert_int_equal(info.version, 2);
	assert_int_equal(info.mgmt_counter, 1);
	/* R-TRE-M08: the objects are bound to this TRE id. */
	memset(other_tre, 0x77, sizeof(other_tre));
	memset(id, 11, sizeof(id));
	assert_int_equal(tre_registry_get(&d->st, other_tre, id, &info),
			 MCIM_ERR_TAMPERED);
	assert_int_equal(tre_registry_list(&d->st, other_tre, &info, 1, &(size_t){0}),
			 MCIM_ERR_TAMPERED);
	memset(id, 99, sizeof(id));
	assert_int_equal(tre_registry_get(&d->st, d->id, id, &info), MCIM_ERR_NOT_FOUND);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* Objects the registry did not write: found, not trusted. */
static void foreign_objects(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct tre_mcim_info info;
	uint8_t buf[TRE_STORE_VALUE_MAX];
	size_t n, len;
	char key[40];

	(void)state;
	fx_profile(&p, 1, FX_SHO);
	assert_int_equal(install(d, &p), MCIM_OK);
	/* The object of id 1 moved under the key of id 2. */
	strcpy(key, "m/");
	for (int i = 0; i < 16; i++)
		memcpy(key + 2 + 2 * i, "01", 2);
	assert_int_equal(tre_store_get(&d->st, key, 34, buf, sizeof(buf), &len), MCIM_OK);
	for (int i = 0; i < 16; i++)
		memcpy(key + 2 + 2 * i, "02", 2);
	assert_int_equal(tre_store_begin(&d->st), MCIM_OK);
	assert_int_equal(tre_store_put(&d->st, key, 34, buf, len), MCIM_OK);
	assert_int_equal(tre_store_commit(&d->st), MCIM_OK);
	assert_int_equal(tre_registry_list(&d->st, d->id, &info, 1, &n),
			 MCIM_ERR_TAMPERED);
	/* Garbage under an object key, and a key of the wrong length. */
	assert_int_equal(tre_store_begin(&d->st), MCIM_OK);
	assert_int_equal(tre_store_put(&d->st, key, 34, "\xa0", 1), MCIM_OK);
	assert_int_equal(tre_store_commit(&d->st), MCIM_OK);
	assert_int_equal(tre_registry_list(&d->st, d->id, &info, 1, &n),
			 MCIM_ERR_TAMPERED);
	assert_int_equal(tre_store_begin(&d->st), MCIM_OK);
	assert_int_equal(tre_store_delete(&d->st, key, 34), MCIM_OK);
	assert_int_equal(tre_store_put(&d->st, "m/x", 3, "", 0), MCIM_OK);
	assert_int_equal(tre_store_commit(&d->st), MCIM_OK);
	assert_int_equal(tre_registry_list(&d->st, d->id, &info, 1, &n),
			 MCIM_ERR_TAMPERED);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* ---- one active MCIM, swap, policy ---- */

/* R-MCIM-L05, L06, R-PRC-302. */
static void one_active_and_swap(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct mcim_mgmt c;
	struct tre_mcim_info info;
	size_t n;

	(void)state;
	for (uint8_t i = 1; i <= 2; i++) {
		fx_profile(&p, i, FX_SHO);
		assert_int_equal(install(d, &p), MCIM_OK);
	}
	fx_profile(&p, 3, FX_SHO2);
	assert_int_equal(install(d, &p), MCIM_OK);
	assert_int_equal(mgmt(d, 1, MCIM_MGMT_ACTIVATE), MCIM_OK);
	/* A second activation without swap: refused, by command and locally. */
	assert_int_equal(mgmt(d, 2, MCIM_MGMT_ACTIVATE), MCIM_ERR_STATE);
	assert_int_equal(transition(d, 2, TRE_OP_ACTIVATE, TRE_ACTOR_SHO, 0, NULL),
			 MCIM_ERR_STATE);
	/* With swap, same SHO: make-before-break in one commit. */
	cmd_for(d, &c, 2, MCIM_MGMT_ACTIVATE);
	c.u.swap = true;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW), MCIM_OK);
	assert_int_equal(state_of(d, 2), TRE_MCIM_ACTIVATED);
	assert_int_equal(state_of(d, 1), TRE_MCIM_SUSPENDED);
	assert_int_equal(tre_registry_active(&d->st, d->id, &info), MCIM_OK);
	assert_int_equal(info.id[0], 2);
	/* Resuming the old one would make two: refused unless swapped. */
	assert_int_equal(mgmt(d, 1, MCIM_MGMT_RESUME), MCIM_ERR_STATE);
	assert_int_equal(
	    transition(d, 1, TRE_OP_RESUME, TRE_ACTOR_SHO, TRE_TRANSITION_SWAP, &n),
	    MCIM_OK);
	assert_int_equal(n, 2);
	assert_int_equal(state_of(d, 2), TRE_MCIM_SUSPENDED);
	/* Another SHO's MCIM displacing ours needs our release for that SHO. */
	cmd_for(d, &c, 3, MCIM_MGMT_ACTIVATE);
	c.u.swap = true;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt2, NOW), MCIM_ERR_DENIED);
	cmd_for(d, &c, 1, MCIM_MGMT_RELEASE);
	strcpy(c.u.release.new_sho, "00102");
	c.u.release.exp = NOW + 100;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW), MCIM_OK);
	cmd_for(d, &c, 3, MCIM_MGMT_ACTIVATE);
	c.u.swap = true;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt2, NOW), MCIM_ERR_DENIED);
	cmd_for(d, &c, 1, MCIM_MGMT_RELEASE);
	strcpy(c.u.release.new_sho, FX_SHO2);
	c.u.release.exp = NOW + 100;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW), MCIM_OK);
	assert_int_equal(tre_registry_get(&d->st, d->id,
					  (uint8_t[16]){1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
							1, 1, 1, 1, 1},
					  &info),
			 MCIM_OK);
	assert_true(info.released);
	assert_string_equal(info.release_to, FX_SHO2);
	cmd_for(d, &c, 3, MCIM_MGMT_ACTIVATE);
	c.u.swap = true;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt2, NOW + 101), MCIM_ERR_EXPIRED);
	cmd_for(d, &c, 3, MCIM_MGMT_ACTIVATE);
	c.u.swap = true;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt2, NOW + 100), MCIM_OK);
	assert_int_equal(state_of(d, 3), TRE_MCIM_ACTIVATED);
	assert_int_equal(state_of(d, 1), TRE_MCIM_SUSPENDED);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* R-TRE-M05, R-MCIM-C06: the MCIM's policy over the table. */
static void policy_enforced(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct mcim_mgmt c;

	(void)state;
	fx_profile(&p, 1, FX_SHO);
	p.policy.allowed = MCIM_POLICY_ALLOW_ACTIVATE;
	assert_int_equal(install(d, &p), MCIM_OK);
	/* No auto-activation in this policy. */
	assert_int_equal(transition(d, 1, TRE_OP_ACTIVATE, TRE_ACTOR_POLICY, 0, NULL),
			 MCIM_ERR_POLICY);
	assert_int_equal(mgmt(d, 1, MCIM_MGMT_ACTIVATE), MCIM_OK);
	assert_int_equal(mgmt(d, 1, MCIM_MGMT_SUSPEND), MCIM_ERR_POLICY);
	assert_int_equal(mgmt(d, 1, MCIM_MGMT_DELETE), MCIM_ERR_POLICY);
	cmd_for(d, &c, 1, MCIM_MGMT_RELEASE);
	strcpy(c.u.release.new_sho, FX_SHO2);
	c.u.release.exp = NOW + 10;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW), MCIM_ERR_POLICY);
	/* The TRE's own protection is not blocked by allowed. */
	assert_int_equal(transition(d, 1, TRE_OP_SUSPEND, TRE_ACTOR_POLICY, 0, NULL),
			 MCIM_OK);
	/* set_policy always reaches the owner's MCIM; lock until NOW + 50. */
	cmd_for(d, &c, 1, MCIM_MGMT_SET_POLICY);
	mcim_policy_default(&c.u.policy);
	c.u.policy.lock_until = NOW + 50;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW), MCIM_OK);
	/* R-PRC-302: the contract lock holds the release back until its date. */
	cmd_for(d, &c, 1, MCIM_MGMT_RELEASE);
	strcpy(c.u.release.new_sho, FX_SHO2);
	c.u.release.exp = NOW + 100;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW + 49), MCIM_ERR_POLICY);
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW + 50), MCIM_OK);
	/* A release already expired, and one to the owner itself. */
	cmd_for(d, &c, 1, MCIM_MGMT_RELEASE);
	strcpy(c.u.release.new_sho, FX_SHO2);
	c.u.release.exp = NOW + 60;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW + 60), MCIM_ERR_EXPIRED);
	cmd_for(d, &c, 1, MCIM_MGMT_RELEASE);
	strcpy(c.u.release.new_sho, FX_SHO);
	c.u.release.exp = NOW + 100;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW + 60), MCIM_ERR_INVALID_ARG);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* ---- management commands ---- */

/* R-MCIM-L04, R-TRE-M07, R-SEED-03. */
static void mgmt_refused(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct mcim_mgmt c;
	struct tre_mgmt_result res;
	uint8_t buf[MCIM_MGMT_SIGNED_MAX];
	size_t len;

	(void)state;
	fx_profile(&p, 1, FX_SHO);
	assert_int_equal(install(d, &p), MCIM_OK);
	fx_profile(&p, 2, FX_SHO2);
	assert_int_equal(install(d, &p), MCIM_OK);
	/* Another SHO's key on our MCIM. */
	cmd_for(d, &c, 1, MCIM_MGMT_DELETE);
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt2, NOW), MCIM_ERR_BAD_SIGNATURE);
	/* For another TRE. */
	cmd_for(d, &c, 1, MCIM_MGMT_ACTIVATE);
	c.tre_id[0] ^= 1;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW), MCIM_ERR_DENIED);
	/* A good one, then replayed as it was, then an older counter. */
	cmd_for(d, &c, 1, MCIM_MGMT_ACTIVATE);
	c.counter = 10;
	assert_int_equal(mcim_mgmt_sign(&c, &fxp.mgmt.priv, buf, sizeof(buf), &len),
			 MCIM_OK);
	assert_int_equal(mgmt_raw(d, buf, len, NOW, &res), MCIM_OK);
	assert_true(res.parsed);
	assert_int_equal(res.n_changes, 1);
	assert_int_equal(res.changes[0].from, TRE_MCIM_INSTALLED);
	assert_int_equal(res.changes[0].to, TRE_MCIM_ACTIVATED);
	assert_int_equal(res.info.mgmt_counter, 10);
	assert_int_equal(mgmt_raw(d, buf, len, NOW, &res), MCIM_ERR_REPLAY);
	cmd_for(d, &c, 1, MCIM_MGMT_SUSPEND);
	c.counter = 9;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW), MCIM_ERR_REPLAY);
	/* A refused command does not use up its counter. */
	cmd_for(d, &c, 1, MCIM_MGMT_RESUME);
	c.counter = 11;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW), MCIM_ERR_STATE);
	cmd_for(d, &c, 1, MCIM_MGMT_SUSPEND);
	c.counter = 11;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW), MCIM_OK);
	/* Every flipped bit of a signed command is refused, nothing changes. */
	cmd_for(d, &c, 1, MCIM_MGMT_DELETE);
	c.counter = 20;
	assert_int_equal(mcim_mgmt_sign(&c, &fxp.mgmt.priv, buf, sizeof(buf), &len),
			 MCIM_OK);
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x04;
		assert_int_not_equal(mgmt_raw(d, buf, len, NOW, &res), MCIM_OK);
		buf[i] ^= 0x04;
	}
	/* The management certificate must still be valid. */
	assert_int_equal(mgmt_raw(d, buf, len, FX_T0 + 3 * FX_YEAR, &res),
			 MCIM_ERR_EXPIRED);
	/* An MCIM that is not there, and one that is deleted. */
	cmd_for(d, &c, 9, MCIM_MGMT_DELETE);
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW), MCIM_ERR_NOT_FOUND);
	assert_int_equal(mgmt_raw(d, buf, len, NOW, &res), MCIM_OK);
	assert_int_equal(res.changes[0].to, TRE_MCIM_DELETED);
	cmd_for(d, &c, 1, MCIM_MGMT_DELETE);
	c.counter = 30;
	assert_int_equal(mgmt_signed(d, &c, &fxp.mgmt, NOW), MCIM_ERR_STATE);
	/* Not a command at all. */
	assert_int_equal(mgmt_raw(d, buf, 3, NOW, &res), MCIM_ERR_TRUNCATED);
	assert_false(res.parsed);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* ---- AKA ---- */

struct auc {
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_he he;
	uint8_t amf[2];
};

static void auc_from(struct auc *a, const struct mcim_profile *p)
{
	assert_int_equal(mcim_aka_prepare(&a->kc, &p->cred), MCIM_OK);
	a->cfg = p->sqn;
	assert_int_equal(mcim_sqn_he_init(&a->cfg, &a->he, 0), MCIM_OK);
	memcpy(a->amf, p->amf, 2);
}

static void req_from(struct tre_aka_req *r, enum tre_aka_kind kind, const uint8_t *rand,
		     const uint8_t *autn, size_t autn_len)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	memcpy(r->rand, rand, MCIM_AKA_RAND_LEN);
	memcpy(r->autn, autn, autn_len);
	r->autn_len = autn_len;
}

/* One AKA in a transaction, committed when it put something. */
static mcim_err aka(struct dev *d, const struct tre_aka_req *r,
		    struct tre_aka_result *res)
{
	uint64_t gen = tre_store_generation(&d->st);
	mcim_err err;

	assert_int_equal(tre_store_begin(&d->st), MCIM_OK);
	err = tre_registry_aka(&d->st, d->id, r, res);
	if (res->changed) {
		assert_int_equal(tre_store_commit(&d->st), MCIM_OK);
	} else {
		assert_untouched(d);
		tre_store_abort(&d->st);
		assert_int_equal(tre_store_generation(&d->st), gen);
	}
	return err;
}

static mcim_err aka_3g(struct dev *d, struct auc *a, struct mcim_auth_vector *av,
		       struct tre_aka_result *res)
{
	struct tre_aka_req r;

	assert_int_equal(
	    mcim_auth_generate(&a->kc, &a->cfg, &a->he, a->amf, mcim_rng_system(), av),
	    MCIM_OK);
	req_from(&r, TRE_AKA_3G, av->rand, av->autn, av->autn_len);
	return aka(d, &r, res);
}

static void assert_aka_ok(struct dev *d, struct auc *a)
{
	struct mcim_auth_vector av;
	struct tre_aka_result res;

	assert_int_equal(aka_3g(d, a, &av, &res), MCIM_OK);
	assert_int_equal(res.res_len, av.xres_len);
	assert_memory_equal(res.res, av.xres, av.xres_len);
	assert_memory_equal(res.ck, av.ck, av.ck_len);
	assert_memory_equal(res.ik, av.ik, av.ik_len);
	assert_int_equal(res.mac_failures, 0);
}

/* An installed and activated MCIM from p, with p's id byte. */
static void live(struct dev *d, const struct mcim_profile *p)
{
	assert_int_equal(install(d, p), MCIM_OK);
	assert_int_equal(mgmt(d, p->id[0], MCIM_MGMT_ACTIVATE), MCIM_OK);
}

/* R-MCIM-C03, R-TRE-G06: the official MILENAGE sets through the TRE: AUTN assembled
 * from the set (SQN xor f5 || AMF || f1), answered with f2, f3, f4; the same AUTN
 * again is a replay, answered with AUTS whose concealed SQN is the set's SQN. */
static void aka_official_milenage(void **state)
{
	struct dev *d = dev_new();
	char path[512];
	struct vecfile vf;
	struct mcim_profile p;
	struct tre_aka_req r;
	struct tre_aka_result res;
	uint8_t rand[16], sqn[6], amf[2], f1[8], f2[8], f3[16], f4[16], f5[6], f5s[6];
	uint8_t autn[16];

	(void)state;
	assert_int_equal(
	    vecfile_open(&vf, vectors_path("milenage.json", path, sizeof(path))),
	    MCIM_OK);
	for (size_t i = 0; i < vf.nsets; i++) {
		uint8_t idb = (uint8_t)(100 + i);

		fx_profile(&p, idb, FX_SHO);
		assert_int_equal(vecfile_hex(&vf, i, "k", p.cred.k, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "opc", p.cred.opc, 16), MCIM_OK);
		assert_int_equal(mcim_profile_kcv(&p.cred, p.kcv), MCIM_OK);
		/* Any official SQN is fresh for a new USIM state. */
		p.sqn.delta = mcim_sqn_seq_max(&p.sqn);
		assert_int_equal(vecfile_hex(&vf, i, "rand", rand, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "sqn", sqn, 6), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "amf", amf, 2), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f1", f1, 8), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f2", f2, 8), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f3", f3, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f4", f4, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f5", f5, 6), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f5star", f5s, 6), MCIM_OK);
		for (int j = 0; j < 6; j++)
			autn[j] = sqn[j] ^ f5[j];
		memcpy(autn + 6, amf, 2);
		memcpy(autn + 8, f1, 8);
		live(d, &p);
		req_from(&r, TRE_AKA_3G, rand, autn, sizeof(autn));
		assert_int_equal(aka(d, &r, &res), MCIM_OK);
		assert_int_equal(res.res_len, 8);
		assert_memory_equal(res.res, f2, 8);
		assert_int_equal(res.ck_len, 16);
		assert_memory_equal(res.ck, f3, 16);
		assert_memory_equal(res.ik, f4, 16);
		assert_memory_equal(res.mcim_id, p.id, sizeof(p.id));
		assert_int_equal(aka(d, &r, &res), MCIM_ERR_SYNC_FAILURE);
		assert_int_equal(res.auts_len, 14);
		for (int j = 0; j < 6; j++)
			assert_int_equal(res.auts[j] ^ f5s[j], sqn[j]);
		assert_int_equal(res.res_len, 0);
		/* Sixteen sets, eight live MCIMs at most: delete as we go (tombstones).
		 */
		assert_int_equal(mgmt(d, idb, MCIM_MGMT_DELETE), MCIM_OK);
	}
	vecfile_close(&vf);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* R-MCIM-C03: the official TUAK sets (128/256-bit K, every output length). */
static void aka_official_tuak(void **state)
{
	struct dev *d = dev_new();
	char path[512];
	struct vecfile vf;
	struct mcim_profile p;
	struct tre_aka_req r;
	struct tre_aka_result res;
	uint8_t rand[16], sqn[6], amf[2], f1[32], f2[32], f3[32], f4[32], f5[6];
	uint8_t autn[40];
	size_t klen, l1, l2, l3, l4;
	unsigned long v;

	(void)state;
	assert_int_equal(vecfile_open(&vf, vectors_path("tuak.json", path, sizeof(path))),
			 MCIM_OK);
	for (size_t i = 0; i < vf.nsets; i++) {
		struct mcim_tuak_params *tp = &p.cred.params.tuak;

		fx_profile(&p, (uint8_t)(40 + i), FX_SHO);
		memset(&p.cred, 0, sizeof(p.cred));
		p.cred.alg = MCIM_AKA_TUAK;
		assert_int_equal(vecfile_hex_var(&vf, i, "k", p.cred.k, 32, &klen),
				 MCIM_OK);
		p.cred.k_len = (uint8_t)klen;
		assert_int_equal(vecfile_hex(&vf, i, "topc", p.cred.opc, 32), MCIM_OK);
		assert_int_equal(vecfile_uint(&vf, i, "keccak_iterations", 255, &v),
				 MCIM_OK);
		tp->keccak_iterations = (uint8_t)v;
		assert_int_equal(vecfile_uint(&vf, i, "mac_len_bits", 256, &v), MCIM_OK);
		tp->mac_bits = (uint16_t)v;
		assert_int_equal(vecfile_uint(&vf, i, "res_len_bits", 256, &v), MCIM_OK);
		tp->res_bits = (uint16_t)v;
		assert_int_equal(vecfile_uint(&vf, i, "ck_len_bits", 256, &v), MCIM_OK);
		tp->ck_bits = (uint16_t)v;
		assert_int_equal(vecfile_uint(&vf, i, "ik_len_bits", 256, &v), MCIM_OK);
		tp->ik_bits = (uint16_t)v;
		assert_int_equal(mcim_profile_kcv(&p.cred, p.kcv), MCIM_OK);
		p.sqn.delta = mcim_sqn_seq_max(&p.sqn);
		assert_int_equal(vecfile_hex(&vf, i, "rand", rand, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "sqn", sqn, 6), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "amf", amf, 2), MCIM_OK);
		assert_int_equal(vecfile_hex_var(&vf, i, "f1", f1, 32, &l1), MCIM_OK);
		assert_int_equal(vecfile_hex_var(&vf, i, "f2", f2, 32, &l2), MCIM_OK);
		assert_int_equal(vecfile_hex_var(&vf, i, "f3", f3, 32, &l3), MCIM_OK);
		assert_int_equal(vecfile_hex_var(&vf, i, "f4", f4, 32, &l4), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f5", f5, 6), MCIM_OK);
		for (int j = 0; j < 6; j++)
			autn[j] = sqn[j] ^ f5[j];
		memcpy(autn + 6, amf, 2);
		memcpy(autn + 8, f1, l1);
		live(d, &p);
		req_from(&r, TRE_AKA_3G, rand, autn, 8 + l1);
		assert_int_equal(aka(d, &r, &res), MCIM_OK);
		assert_int_equal(res.res_len, l2);
		assert_memory_equal(res.res, f2, l2);
		assert_int_equal(res.ck_len, l3);
		assert_memory_equal(res.ck, f3, l3);
		assert_int_equal(res.ik_len, l4);
		assert_memory_equal(res.ik, f4, l4);
		assert_int_equal(mgmt(d, p.id[0], MCIM_MGMT_DELETE), MCIM_OK);
	}
	vecfile_close(&vf);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* R-TRE-G06: random credentials against the AuC, 3G, EPS and 5G outputs. */
static void aka_random_kinds(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct auc a;
	struct mcim_auth_vector av;
	struct mcim_auth_5g_vector av5;
	struct tre_aka_req r;
	struct tre_aka_result res;
	uint8_t plmn[3], kasme[MCIM_KASME_LEN];
	char snn[MCIM_SNN_PLMN_LEN + 1];

	(void)state;
	fx_profile(&p, 1, FX_SHO);
	live(d, &p);
	auc_from(&a, &p);
	for (int i = 0; i < 5; i++)
		assert_aka_ok(d, &a);
	/* EPS: RES and KASME for the SN id. */
	assert_int_equal(mcim_plmn_encode("001", "01", plmn), MCIM_OK);
	assert_int_equal(
	    mcim_auth_generate(&a.kc, &a.cfg, &a.he, a.amf, mcim_rng_system(), &av),
	    MCIM_OK);
	req_from(&r, TRE_AKA_EPS, av.rand, av.autn, av.autn_len);
	memcpy(r.plmn, plmn, 3);
	assert_int_equal(aka(d, &r, &res), MCIM_OK);
	assert_memory_equal(res.res, av.xres, av.xres_len);
	assert_int_equal(res.ck_len, 0);
	assert_int_equal(
	    mcim_kdf_kasme(av.ck, av.ck_len, av.ik, av.ik_len, plmn, av.autn, kasme),
	    MCIM_OK);
	assert_memory_equal(res.kasme, kasme, sizeof(kasme));
	/* 5G: RES* and KAUSF for the serving network name. */
	assert_int_equal(mcim_snn_build("001", "01", snn), MCIM_OK);
	assert_int_equal(mcim_auth_generate_5g(&a.kc, &a.cfg, &a.he, a.amf,
					       mcim_rng_system(), snn, strlen(snn), &av5),
			 MCIM_OK);
	req_from(&r, TRE_AKA_5G, av5.rand, av5.autn, av5.autn_len);
	memcpy(r.snn, snn, strlen(snn));
	r.snn_len = strlen(snn);
	assert_int_equal(aka(d, &r, &res), MCIM_OK);
	assert_memory_equal(res.res_star, av5.xres_star, MCIM_RES_STAR_LEN);
	assert_memory_equal(res.kausf, av5.kausf, MCIM_KAUSF_LEN);
	assert_int_equal(res.res_len, 0);
	assert_int_equal(res.ck_len, 0);
	/* Malformed requests: nothing changes. */
	req_from(&r, TRE_AKA_5G, av5.rand, av5.autn, av5.autn_len);
	assert_int_equal(aka(d, &r, &res), MCIM_ERR_INVALID_ARG);
	req_from(&r, (enum tre_aka_kind)4, av5.rand, av5.autn, av5.autn_len);
	assert_int_equal(aka(d, &r, &res), MCIM_ERR_INVALID_ARG);
	req_from(&r, TRE_AKA_3G, av5.rand, av5.autn, av5.autn_len - 1);
	assert_int_equal(aka(d, &r, &res), MCIM_ERR_INVALID_ARG);
	r.autn_len = MCIM_AKA_AUTN_MAX + 1;
	assert_int_equal(aka(d, &r, &res), MCIM_ERR_INVALID_ARG);
	mcim_aka_keyctx_wipe(&a.kc);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* R-TRE-G06: "derived keys only": CK and IK never leave, EPS and 5G still work. */
static void aka_derived_only(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct auc a;
	struct mcim_auth_vector av;
	struct tre_aka_req r;
	struct tre_aka_result res;

	(void)state;
	fx_profile(&p, 1, FX_SHO);
	p.policy.allowed &= ~(uint32_t)MCIM_POLICY_ALLOW_AKA_3G;
	live(d, &p);
	auc_from(&a, &p);
	assert_int_equal(aka_3g(d, &a, &av, &res), MCIM_ERR_POLICY);
	assert_int_equal(res.ck_len, 0);
	req_from(&r, TRE_AKA_EPS, av.rand, av.autn, av.autn_len);
	assert_int_equal(aka(d, &r, &res), MCIM_OK);
	assert_int_equal(res.ck_len, 0);
	assert_memory_equal(res.res, av.xres, av.xres_len);
	mcim_aka_keyctx_wipe(&a.kc);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* R-MCIM-L02: installed, not activated: no AKA. R-MCIM-L03: suspended, none either;
 * resumed, AKA continues with no resynchronisation, across a store reopen too. */
static void aka_lifecycle(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct auc a;
	struct mcim_auth_vector av;
	struct tre_aka_result res;

	(void)state;
	fx_profile(&p, 1, FX_SHO);
	assert_int_equal(install(d, &p), MCIM_OK);
	auc_from(&a, &p);
	assert_int_equal(aka_3g(d, &a, &av, &res), MCIM_ERR_NOT_FOUND);
	assert_int_equal(mgmt(d, 1, MCIM_MGMT_ACTIVATE), MCIM_OK);
	assert_aka_ok(d, &a);
	assert_aka_ok(d, &a);
	assert_int_equal(mgmt(d, 1, MCIM_MGMT_SUSPEND), MCIM_OK);
	assert_int_equal(aka_3g(d, &a, &av, &res), MCIM_ERR_NOT_FOUND);
	assert_int_equal(aka_3g(d, &a, &av, &res), MCIM_ERR_NOT_FOUND);
	assert_int_equal(mgmt(d, 1, MCIM_MGMT_RESUME), MCIM_OK);
	assert_aka_ok(d, &a);
	tre_store_close(&d->st);
	assert_int_equal(tre_store_open(&d->st, &d->soft.base), MCIM_OK);
	assert_aka_ok(d, &a);
	/* The SQN state persisted: the last vector again is a replay. */
	{
		struct mcim_auth_vector last;
		struct tre_aka_req r;

		assert_int_equal(mcim_auth_generate(&a.kc, &a.cfg, &a.he, a.amf,
						    mcim_rng_system(), &last),
				 MCIM_OK);
		req_from(&r, TRE_AKA_3G, last.rand, last.autn, last.autn_len);
		assert_int_equal(aka(d, &r, &res), MCIM_OK);
		assert_int_equal(aka(d, &r, &res), MCIM_ERR_SYNC_FAILURE);
		assert_false(res.changed);
	}
	mcim_aka_keyctx_wipe(&a.kc);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* R-MCIM-C04: a USIM ahead of its AuC: AUTS, resynchronisation at the AuC
 * (mcim_auth_resync), then AKA works. */
static void aka_resync(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct auc a;
	struct mcim_auth_vector av;
	struct tre_aka_result res;
	uint64_t sqn_ms;
	int reset;

	(void)state;
	fx_profile(&p, 1, FX_SHO);
	/* With an age limit, the AuC's SQNs far behind SQN_MS are stale in every slot. */
	p.sqn.age_limit = 100;
	assert_int_equal(mcim_sqn_make(&p.sqn, 5000, 3, &p.sqn_init), MCIM_OK);
	live(d, &p);
	auc_from(&a, &p);
	assert_int_equal(aka_3g(d, &a, &av, &res), MCIM_ERR_SYNC_FAILURE);
	assert_int_equal(res.auts_len, 14);
	assert_false(res.changed);
	assert_int_equal(mcim_auth_resync(&a.kc, &a.cfg, &a.he, av.rand, res.auts,
					  res.auts_len, &sqn_ms, &reset),
			 MCIM_OK);
	assert_int_equal(sqn_ms, p.sqn_init);
	assert_int_equal(reset, 1);
	assert_aka_ok(d, &a);
	mcim_aka_keyctx_wipe(&a.kc);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* R-TRE-G11: consecutive MAC failures counted per MCIM, reset by a good AUTN, and the
 * policy's maximum reported as tamper; the tamper response then suspends it. */
static void aka_mac_failures(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct auc a;
	struct mcim_auth_vector av;
	struct tre_aka_req r;
	struct tre_aka_result res;
	struct tre_mcim_change ch[TRE_MCIM_MAX];
	struct tre_mcim_info info;
	size_t n;

	(void)state;
	fx_profile(&p, 1, FX_SHO);
	p.policy.max_mac_failures = 3;
	live(d, &p);
	auc_from(&a, &p);
	for (uint32_t round = 0; round < 2; round++) {
		for (uint32_t i = 1; i <= (round == 0 ? 2u : 3u); i++) {
			assert_int_equal(mcim_auth_generate(&a.kc, &a.cfg, &a.he, a.amf,
							    mcim_rng_system(), &av),
					 MCIM_OK);
			av.autn[av.autn_len - 1] ^= 1;
			req_from(&r, TRE_AKA_3G, av.rand, av.autn, av.autn_len);
			assert_int_equal(aka(d, &r, &res), MCIM_ERR_MAC_FAILURE);
			assert_true(res.changed);
			assert_int_equal(res.mac_failures, i);
			assert_int_equal(res.tamper, i == 3);
			assert_int_equal(res.res_len, 0);
			assert_int_equal(res.auts_len, 0);
		}
		if (round == 0)
			assert_aka_ok(d, &a); /* resets the count */
	}
	assert_int_equal(tre_registry_active(&d->st, d->id, &info), MCIM_OK);
	assert_int_equal(info.mac_failures, 3);
	assert_int_equal(tre_store_begin(&d->st), MCIM_OK);
	assert_int_equal(tre_registry_on_tamper(&d->st, d->id, p.id, ch, &n), MCIM_OK);
	assert_int_equal(tre_store_commit(&d->st), MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].to, TRE_MCIM_SUSPENDED);
	assert_int_equal(aka_3g(d, &a, &av, &res), MCIM_ERR_NOT_FOUND);
	mcim_aka_keyctx_wipe(&a.kc);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* ---- deletion and tamper ---- */

static int store_holds(struct dev *d, const uint8_t *k, size_t n)
{
	static uint8_t file[TRE_STORE_FILE_MAX];
	size_t len = file_read(d->file, file, sizeof(file));

	return fx_contains(d->st.image, sizeof(d->st.image), k, n) ||
	       fx_contains(d->st.work, sizeof(d->st.work), k, n) ||
	       fx_contains(file, len, k, n);
}

/* R-MCIM-L07: a deleted MCIM's K is nowhere in the store, plaintext or sealed. */
static void delete_wipes(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct tre_mcim_info info;
	uint8_t id[MCIM_PROFILE_ID_LEN];

	(void)state;
	fx_profile(&p, 1, FX_SHO);
	live(d, &p);
	/* The search works: K is in the plaintext image while the MCIM lives. */
	assert_true(store_holds(d, p.cred.k, 16));
	assert_int_equal(mgmt(d, 1, MCIM_MGMT_DELETE), MCIM_OK);
	assert_false(store_holds(d, p.cred.k, 16));
	assert_false(store_holds(d, p.cred.opc, 16));
	tre_store_close(&d->st);
	assert_int_equal(tre_store_open(&d->st, &d->soft.base), MCIM_OK);
	assert_false(store_holds(d, p.cred.k, 16));
	memset(id, 1, sizeof(id));
	assert_int_equal(tre_registry_get(&d->st, d->id, id, &info), MCIM_OK);
	assert_int_equal(info.state, TRE_MCIM_DELETED);
	assert_string_equal(info.imsi, "");
	assert_int_equal(info.version, 1);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* More deletions than tombstones: the oldest tombstone goes, the newest stay. */
static void tombstones_bounded(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct tre_mcim_info list[TRE_MCIM_TOMBSTONES + 2];
	size_t n;

	(void)state;
	for (int i = 0; i < TRE_MCIM_TOMBSTONES + 2; i++) {
		fx_profile(&p, (uint8_t)(i + 1), FX_SHO);
		assert_int_equal(install(d, &p), MCIM_OK);
		assert_int_equal(mgmt(d, p.id[0], MCIM_MGMT_DELETE), MCIM_OK);
	}
	assert_int_equal(
	    tre_registry_list(&d->st, d->id, list, TRE_MCIM_TOMBSTONES + 2, &n), MCIM_OK);
	assert_int_equal(n, TRE_MCIM_TOMBSTONES);
	assert_int_equal(list[0].id[0], 3);
	fx_profile(&p, TRE_MCIM_TOMBSTONES + 2, FX_SHO);
	assert_int_equal(install(d, &p), MCIM_ERR_REPLAY);
	mcim_profile_wipe(&p);
	dev_free(d);
}

/* Each MCIM's own response to a tamper event (R-PRC-602). */
static void tamper_responses(void **state)
{
	struct dev *d = dev_new();
	struct mcim_profile p;
	struct tre_mcim_change ch[TRE_MCIM_MAX];
	size_t n;
	uint8_t k3[16];

	(void)state;
	fx_profile(&p, 1, FX_SHO);
	p.policy.on_tamper = MCIM_TAMPER_NONE;
	live(d, &p);
	fx_profile(&p, 2, FX_SHO);
	p.policy.on_tamper = MCIM_TAMPER_SUSPEND; /* installed: nothing to suspend */
	assert_int_equal(install(d, &p), MCIM_OK);
	fx_profile(&p, 3, FX_SHO2);
	p.policy.on_tamper = MCIM_TAMPER_WIPE;
	memcpy(k3, p.cred.k, 16);
	assert_int_equal(install(d, &p), MCIM_OK);
	assert_int_equal(tre_store_begin(&d->st), MCIM_OK);
	assert_int_equal(tre_registry_on_tamper(&d->st, d->id, NULL, ch, &n), MCIM_OK);
	assert_int_equal(tre_store_commit(&d->st), MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].id[0], 3);
	assert_int_equal(ch[0].to, TRE_MCIM_DELETED);
	assert_int_equal(state_of(d, 1), TRE_MCIM_ACTIVATED);
	assert_int_equal(state_of(d, 2), TRE_MCIM_INSTALLED);
	assert_false(store_holds(d, k3, 16));
	/* Now the activated one with suspend. */
	assert_int_equal(transition(d, 1, TRE_OP_DELETE, TRE_ACTOR_SHO, 0, NULL),
			 MCIM_OK);
	assert_int_equal(transition(d, 2, TRE_OP_ACTIVATE, TRE_ACTOR_SHO, 0, NULL),
			 MCIM_OK);
	assert_int_equal(tre_store_begin(&d->st), MCIM_OK);
	assert_int_equal(tre_registry_on_tamper(&d->st, d->id, NULL, ch, &n), MCIM_OK);
	assert_int_equal(tre_store_commit(&d->st), MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].from, TRE_MCIM_ACTIVATED);
	assert_int_equal(ch[0].to, TRE_MCIM_SUSPENDED);
	mcim_profile_wipe(&p);
	dev_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lifecycle_table),
	    cmocka_unit_test(transition_matrix),
	    cmocka_unit_test(install_good),
	    cmocka_unit_test(install_bad),
	    cmocka_unit_test(foreign_objects),
	    cmocka_unit_test(one_active_and_swap),
	    cmocka_unit_test(policy_enforced),
	    cmocka_unit_test(mgmt_refused),
	    cmocka_unit_test(aka_official_milenage),
	    cmocka_unit_test(aka_official_tuak),
	    cmocka_unit_test(aka_random_kinds),
	    cmocka_unit_test(aka_derived_only),
	    cmocka_unit_test(aka_lifecycle),
	    cmocka_unit_test(aka_resync),
	    cmocka_unit_test(aka_mac_failures),
	    cmocka_unit_test(delete_wipes),
	    cmocka_unit_test(tombstones_bounded),
	    cmocka_unit_test(tamper_responses),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
