/*
 * The MCIM registry inside the TRE (tre/registry.h): the lifecycle table, the stored
 * object and its codec, installation, local and policy transitions, listing and the
 * tamper response. Management commands (registry_mgmt.c) and AKA (registry_aka.c)
 * build on the same object and on reg_transition(), so every state change of every
 * path is decided by tre_lifecycle_next() and written by one routine.
 *
 * Each MCIM is one sealed-store object (deterministic CBOR map, integer keys):
 *   0 format (1)  1 tre_id  2 id  3 version  4 sho  5 state  6 counter
 *   7 mac_failures  8 release: null | [new_sho, exp]  9 deleted_gen
 *  10 policy  11 profile (encoded, secret)  12 [SEQ_MS(0) .. SEQ_MS(2^ind_bits - 1)]
 * A tombstone (DELETED) stops after key 9: the secrets are gone from the store image
 * when the transaction that deletes them commits.
 */
#include "tre/registry.h"

#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/cert.h"
#include "tre/registry_int.h"

#define OBJ_FORMAT 1

enum {
	O_FORMAT = 0,
	O_TRE,
	O_ID,
	O_VERSION,
	O_SHO,
	O_STATE,
	O_COUNTER,
	O_MACF,
	O_RELEASE,
	O_DELGEN,
	O_POLICY,
	O_PROFILE,
	O_SQN,
	O_LIVE_COUNT,
	O_TOMB_COUNT = O_POLICY
};

/* ---- names and the table ---- */

const char *tre_mcim_state_name(enum tre_mcim_state state)
{
	switch (state) {
	case TRE_MCIM_INSTALLED:
		return "installed";
	case TRE_MCIM_ACTIVATED:
		return "activated";
	case TRE_MCIM_SUSPENDED:
		return "suspended";
	case TRE_MCIM_DELETED:
		return "deleted";
	}
	return NULL;
}

const char *tre_mcim_op_name(enum tre_mcim_op op)
{
	switch (op) {
	case TRE_OP_ACTIVATE:
		return "activate";
	case TRE_OP_SUSPEND:
		return "suspend";
	case TRE_OP_RESUME:
		return "resume";
	case TRE_OP_DELETE:
		return "delete";
	}
	return NULL;
}

const char *tre_actor_name(enum tre_actor actor)
{
	switch (actor) {
	case TRE_ACTOR_SHO:
		return "sho";
	case TRE_ACTOR_POLICY:
		return "policy";
	case TRE_ACTOR_AGENT:
		return "agent";
	case TRE_ACTOR_MAINTENANCE:
		return "maintenance";
	}
	return NULL;
}

#define ACT(a) (1u << (a))

/* requirements.md 3.1. from: the states the op applies to; actors: who may ask. */
static const struct {
	unsigned from;
	enum tre_mcim_state to;
	unsigned actors;
} lifecycle[] = {
    [TRE_OP_ACTIVATE] = {ACT(TRE_MCIM_INSTALLED), TRE_MCIM_ACTIVATED,
			 ACT(TRE_ACTOR_SHO) | ACT(TRE_ACTOR_POLICY)},
    [TRE_OP_SUSPEND] = {ACT(TRE_MCIM_ACTIVATED), TRE_MCIM_SUSPENDED,
			ACT(TRE_ACTOR_SHO) | ACT(TRE_ACTOR_POLICY)},
    [TRE_OP_RESUME] = {ACT(TRE_MCIM_SUSPENDED), TRE_MCIM_ACTIVATED, ACT(TRE_ACTOR_SHO)},
    [TRE_OP_DELETE] = {ACT(TRE_MCIM_INSTALLED) | ACT(TRE_MCIM_ACTIVATED) |
			   ACT(TRE_MCIM_SUSPENDED),
		       TRE_MCIM_DELETED, ACT(TRE_ACTOR_SHO) | ACT(TRE_ACTOR_POLICY)},
};

mcim_err tre_lifecycle_next(enum tre_mcim_state from, enum tre_mcim_op op,
			    enum tre_actor actor, enum tre_mcim_state *to)
{
	MCIM_ASSERT(to != NULL);
	if (tre_mcim_state_name(from) == NULL || tre_mcim_op_name(op) == NULL ||
	    tre_actor_name(actor) == NULL)
		return MCIM_ERR_INVALID_ARG;
	if ((lifecycle[op].actors & ACT(actor)) == 0)
		return MCIM_ERR_DENIED;
	if ((lifecycle[op].from & ACT(from)) == 0)
		return MCIM_ERR_STATE;
	*to = lifecycle[op].to;
	return MCIM_OK;
}

/* ---- the stored object ---- */

void reg_obj_wipe(struct reg_obj *o)
{
	MCIM_ASSERT(o != NULL);
	mcim_wipe(o, sizeof(*o));
}

void reg_key(const uint8_t id[MCIM_PROFILE_ID_LEN], char key[REG_KEY_LEN])
{
	static const char hex[] = "0123456789abcdef";
	size_t p = sizeof(TRE_MCIM_KEY_PREFIX) - 1;

	memcpy(key, TRE_MCIM_KEY_PREFIX, p);
	for (size_t i = 0; i < MCIM_PROFILE_ID_LEN; i++) {
		key[p++] = hex[id[i] >> 4];
		key[p++] = hex[id[i] & 15];
	}
}

static void encode_obj(struct mcim_cbor_writer *w, const struct reg_obj *o)
{
	int live = o->state != TRE_MCIM_DELETED;

	mcim_cbor_put_map(w, live ? O_LIVE_COUNT : O_TOMB_COUNT);
	mcim_cbor_put_uint(w, O_FORMAT);
	mcim_cbor_put_uint(w, OBJ_FORMAT);
	mcim_cbor_put_uint(w, O_TRE);
	mcim_cbor_put_bstr(w, o->tre_id, sizeof(o->tre_id));
	mcim_cbor_put_uint(w, O_ID);
	mcim_cbor_put_bstr(w, o->id, sizeof(o->id));
	mcim_cbor_put_uint(w, O_VERSION);
	mcim_cbor_put_uint(w, o->version);
	mcim_cbor_put_uint(w, O_SHO);
	mcim_cbor_put_cstr(w, o->sho);
	mcim_cbor_put_uint(w, O_STATE);
	mcim_cbor_put_uint(w, (uint64_t)o->state);
	mcim_cbor_put_uint(w, O_COUNTER);
	mcim_cbor_put_uint(w, o->counter);
	mcim_cbor_put_uint(w, O_MACF);
	mcim_cbor_put_uint(w, o->mac_failures);
	mcim_cbor_put_uint(w, O_RELEASE);
	if (o->released) {
		mcim_cbor_put_array(w, 2);
		mcim_cbor_put_cstr(w, o->release_to);
		mcim_cbor_put_int(w, o->release_exp);
	} else {
		mcim_cbor_put_null(w);
	}
	mcim_cbor_put_uint(w, O_DELGEN);
	mcim_cbor_put_uint(w, o->deleted_gen);
	if (!live)
		return;
	mcim_cbor_put_uint(w, O_POLICY);
	mcim_policy_write(w, &o->policy);
	mcim_cbor_put_uint(w, O_PROFILE);
	mcim_cbor_put_bstr(w, o->profile, o->profile_len);
	mcim_cbor_put_uint(w, O_SQN);
	mcim_cbor_put_array(w, o->ms_slots);
	for (size_t i = 0; i < o->ms_slots; i++)
		mcim_cbor_put_uint(w, o->ms.seq[i]);
}

mcim_err reg_save(struct tre_store *st, const struct reg_obj *o)
{
	uint8_t buf[TRE_STORE_VALUE_MAX];
	struct mcim_cbor_writer w;
	char key[REG_KEY_LEN];
	size_t len;
	mcim_err err;

	MCIM_ASSERT(st != NULL && o != NULL);
	mcim_cbor_writer_init(&w, buf, sizeof(buf));
	encode_obj(&w, o);
	err = mcim_cbor_writer_finish(&w, &len);
	if (err == MCIM_OK) {
		reg_key(o->id, key);
		err = tre_store_put(st, key, sizeof(key), buf, len);
	} else {
		err = MCIM_ERR_INTERNAL;
	}
	mcim_wipe(buf, sizeof(buf));
	return err;
}

/* Decoding: any deviation is MCIM_ERR_TAMPERED for the caller (the store only holds
 * what reg_save wrote, so a bad object means a bad store or a bug). */
static int next_key(struct mcim_cbor_reader *r, struct mcim_cbor_map *m, int64_t want)
{
	int64_t k;

	return mcim_cbor_map_more(m) && mcim_cbor_map_key_int(r, m, &k) == MCIM_OK &&
	       k == want;
}

static int read_u(struct mcim_cbor_reader *r, uint64_t max, uint64_t *v)
{
	return mcim_cbor_read_uint(r, v) == MCIM_OK && *v <= max;
}

static int read_b(struct mcim_cbor_reader *r, uint8_t *out, size_t len)
{
	const uint8_t *d;
	size_t n;

	if (mcim_cbor_read_bstr(r, &d, &n) != MCIM_OK || n != len)
		return 0;
	memcpy(out, d, n);
	return 1;
}

static int read_s(struct mcim_cbor_reader *r, char *out, size_t max)
{
	const char *s;
	size_t n;

	if (mcim_cbor_read_tstr(r, &s, &n) != MCIM_OK || n > max)
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

static int decode_release(struct mcim_cbor_reader *r, struct reg_obj *o)
{
	enum mcim_cbor_type t;
	size_t n;

	if (mcim_cbor_peek(r, &t) != MCIM_OK)
		return 0;
	if (t == MCIM_CBOR_NULL)
		return mcim_cbor_read_null(r) == MCIM_OK;
	o->released = true;
	return mcim_cbor_read_array(r, &n) == MCIM_OK && n == 2 &&
	       read_s(r, o->release_to, MCIM_PROFILE_OPERATOR_MAX) &&
	       mcim_cbor_read_int(r, &o->release_exp) == MCIM_OK;
}

static int decode_head(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
		       struct reg_obj *o)
{
	uint64_t v;

	if (!next_key(r, m, O_FORMAT) || !read_u(r, OBJ_FORMAT, &v) || v != OBJ_FORMAT)
		return 0;
	if (!next_key(r, m, O_TRE) || !read_b(r, o->tre_id, sizeof(o->tre_id)))
		return 0;
	if (!next_key(r, m, O_ID) || !read_b(r, o->id, sizeof(o->id)))
		return 0;
	if (!next_key(r, m, O_VERSION) || !read_u(r, UINT32_MAX, &v) || v == 0)
		return 0;
	o->version = (uint32_t)v;
	if (!next_key(r, m, O_SHO) || !read_s(r, o->sho, MCIM_PROFILE_OPERATOR_MAX))
		return 0;
	if (!next_key(r, m, O_STATE) || !read_u(r, TRE_MCIM_DELETED, &v) || v == 0)
		return 0;
	o->state = (enum tre_mcim_state)v;
	if (!next_key(r, m, O_COUNTER) || !read_u(r, UINT64_MAX, &o->counter))
		return 0;
	if (!next_key(r, m, O_MACF) || !read_u(r, UINT32_MAX, &v))
		return 0;
	o->mac_failures = (uint32_t)v;
	if (!next_key(r, m, O_RELEASE) || !decode_release(r, o))
		return 0;
	return next_key(r, m, O_DELGEN) && read_u(r, UINT64_MAX, &o->deleted_gen);
}

static int decode_live(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
		       struct reg_obj *o)
{
	const uint8_t *d;
	size_t n;

	if (!next_key(r, m, O_POLICY) || mcim_policy_read(r, &o->policy) != MCIM_OK)
		return 0;
	if (!next_key(r, m, O_PROFILE) || mcim_cbor_read_bstr(r, &d, &n) != MCIM_OK ||
	    n > sizeof(o->profile))
		return 0;
	memcpy(o->profile, d, n);
	o->profile_len = n;
	if (!next_key(r, m, O_SQN) || mcim_cbor_read_array(r, &n) != MCIM_OK ||
	    n > MCIM_SQN_IND_SLOTS_MAX || (n & (n - 1)) != 0)
		return 0;
	o->ms_slots = n;
	for (size_t i = 0; i < n; i++)
		if (!read_u(r, MCIM_SQN_MAX, &o->ms.seq[i]))
			return 0;
	return 1;
}

static int decode_obj(const uint8_t *buf, size_t len, struct reg_obj *o)
{
	struct mcim_cbor_reader r;
	struct mcim_cbor_map m;

	memset(o, 0, sizeof(*o));
	mcim_cbor_reader_init(&r, buf, len);
	if (mcim_cbor_map_open(&r, &m) != MCIM_OK || !decode_head(&r, &m, o))
		return 0;
	if (o->state == TRE_MCIM_DELETED) {
		if (m.left != 0 || o->deleted_gen == 0)
			return 0;
	} else if (m.left != O_LIVE_COUNT - O_TOMB_COUNT || o->deleted_gen != 0 ||
		   !decode_live(&r, &m, o)) {
		return 0;
	}
	return mcim_cbor_remaining(&r) == 0;
}

/* Reads and decodes the object under key; the key must be the id's. */
static mcim_err load_key(const struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			 const char key[REG_KEY_LEN], struct reg_obj *o)
{
	uint8_t buf[TRE_STORE_VALUE_MAX];
	char want[REG_KEY_LEN];
	size_t len;
	mcim_err err;

	err = tre_store_get(st, key, REG_KEY_LEN, buf, sizeof(buf), &len);
	if (err == MCIM_ERR_BUFFER_TOO_SMALL)
		err = MCIM_ERR_TAMPERED;
	if (err == MCIM_OK) {
		if (!decode_obj(buf, len, o))
			err = MCIM_ERR_TAMPERED;
		else
			reg_key(o->id, want);
	}
	/* R-TRE-M08: an object is this TRE's and sits under its own id's key. */
	if (err == MCIM_OK && (memcmp(want, key, REG_KEY_LEN) != 0 ||
			       memcmp(o->tre_id, tre_id, TRE_ID_LEN) != 0))
		err = MCIM_ERR_TAMPERED;
	if (err != MCIM_OK)
		reg_obj_wipe(o);
	mcim_wipe(buf, sizeof(buf));
	return err;
}

mcim_err reg_load(const struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
		  const uint8_t id[MCIM_PROFILE_ID_LEN], struct reg_obj *o)
{
	char key[REG_KEY_LEN];

	MCIM_ASSERT(st != NULL && tre_id != NULL && id != NULL && o != NULL);
	reg_key(id, key);
	return load_key(st, tre_id, key, o);
}

mcim_err reg_profile(const struct reg_obj *o, struct mcim_profile *p)
{
	MCIM_ASSERT(o != NULL && p != NULL);
	if (o->state == TRE_MCIM_DELETED ||
	    mcim_profile_decode(o->profile, o->profile_len, p) != MCIM_OK)
		return MCIM_ERR_TAMPERED;
	if (memcmp(p->id, o->id, sizeof(p->id)) != 0 || p->version != o->version ||
	    strcmp(p->sho, o->sho) != 0 || o->ms_slots != (1u << p->sqn.ind_bits)) {
		mcim_profile_wipe(p);
		return MCIM_ERR_TAMPERED;
	}
	return MCIM_OK;
}

void reg_info(const struct reg_obj *o, const struct mcim_profile *p,
	      struct tre_mcim_info *info)
{
	memset(info, 0, sizeof(*info));
	memcpy(info->id, o->id, sizeof(info->id));
	info->version = o->version;
	memcpy(info->sho, o->sho, sizeof(info->sho));
	info->state = o->state;
	info->mgmt_counter = o->counter;
	info->mac_failures = o->mac_failures;
	info->released = o->released;
	memcpy(info->release_to, o->release_to, sizeof(info->release_to));
	info->release_exp = o->release_exp;
	if (p == NULL)
		return;
	info->policy = o->policy;
	memcpy(info->imsi, p->imsi, sizeof(info->imsi));
	info->alg = p->cred.alg;
	info->plmn_oper = p->plmn_oper;
	info->plmn_forbidden = p->plmn_forbidden;
	info->plmn_ehplmn = p->plmn_ehplmn;
}

mcim_err reg_info_of(const struct reg_obj *o, struct tre_mcim_info *info)
{
	struct mcim_profile p;
	mcim_err err;

	if (o->state == TRE_MCIM_DELETED) {
		reg_info(o, NULL, info);
		return MCIM_OK;
	}
	err = reg_profile(o, &p);
	if (err == MCIM_OK)
		reg_info(o, &p, info);
	mcim_profile_wipe(&p);
	return err;
}

/* Every object under "m/", decoded; a key there that is no object's is tampering. */
mcim_err reg_scan(const struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
		  struct reg_entry e[REG_ENTRIES_MAX], size_t *n)
{
	const size_t plen = sizeof(TRE_MCIM_KEY_PREFIX) - 1;
	struct reg_obj o;
	uint8_t key[TRE_STORE_KEY_MAX];
	size_t klen, count = 0;
	mcim_err err = MCIM_OK;

	MCIM_ASSERT(st != NULL && tre_id != NULL && e != NULL && n != NULL);
	for (size_t i = 0; err == MCIM_OK; i++) {
		err = tre_store_key_at(st, i, key, sizeof(key), &klen);
		if (err == MCIM_ERR_NOT_FOUND) {
			err = MCIM_OK;
			break;
		}
		if (err != MCIM_OK || klen < plen ||
		    memcmp(key, TRE_MCIM_KEY_PREFIX, plen) != 0)
			continue;
		if (klen != REG_KEY_LEN || count == REG_ENTRIES_MAX) {
			err = MCIM_ERR_TAMPERED;
			break;
		}
		err = load_key(st, tre_id, (const char *)key, &o);
		if (err == MCIM_OK) {
			memcpy(e[count].id, o.id, sizeof(o.id));
			e[count].state = o.state;
			e[count].deleted_gen = o.deleted_gen;
			count++;
		}
	}
	reg_obj_wipe(&o);
	if (err == MCIM_OK)
		*n = count;
	return err;
}

/* ---- transitions ---- */

static mcim_err find_active(const struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			    const uint8_t *except, uint8_t id[MCIM_PROFILE_ID_LEN])
{
	struct reg_entry e[REG_ENTRIES_MAX];
	size_t n;
	mcim_err err = reg_scan(st, tre_id, e, &n);

	if (err != MCIM_OK)
		return err;
	for (size_t i = 0; i < n; i++)
		if (e[i].state == TRE_MCIM_ACTIVATED &&
		    (except == NULL ||
		     memcmp(e[i].id, except, MCIM_PROFILE_ID_LEN) != 0)) {
			memcpy(id, e[i].id, MCIM_PROFILE_ID_LEN);
			return MCIM_OK;
		}
	return MCIM_ERR_NOT_FOUND;
}

static uint32_t allow_bit(enum tre_mcim_op op)
{
	switch (op) {
	case TRE_OP_ACTIVATE:
		return MCIM_POLICY_ALLOW_ACTIVATE;
	case TRE_OP_SUSPEND:
		return MCIM_POLICY_ALLOW_SUSPEND;
	case TRE_OP_RESUME:
		return MCIM_POLICY_ALLOW_RESUME;
	case TRE_OP_DELETE:
		return MCIM_POLICY_ALLOW_DELETE;
	}
	return 0;
}

/* R-TRE-M05: the MCIM's policy on top of the table. */
static mcim_err policy_allows(const struct reg_obj *o, enum tre_mcim_op op,
			      enum tre_actor actor)
{
	if (actor == TRE_ACTOR_POLICY) {
		if (op == TRE_OP_ACTIVATE && !o->policy.auto_activate)
			return MCIM_ERR_POLICY;
		/* Suspend and delete by POLICY are the tamper response the policy set. */
		if (op != TRE_OP_ACTIVATE)
			return MCIM_OK;
	}
	return (o->policy.allowed & allow_bit(op)) != 0 ? MCIM_OK : MCIM_ERR_POLICY;
}

/* R-PRC-302: displacing another SHO's MCIM needs that SHO's release for ours. */
static mcim_err swap_consent(const struct reg_obj *old, const struct reg_obj *neu,
			     time_t now)
{
	if (strcmp(old->sho, neu->sho) == 0)
		return MCIM_OK;
	if (!old->released || strcmp(old->release_to, neu->sho) != 0)
		return MCIM_ERR_DENIED;
	return (int64_t)now <= old->release_exp ? MCIM_OK : MCIM_ERR_EXPIRED;
}

/* Keeps at most TRE_MCIM_TOMBSTONES tombstones once o (a new one) is written. */
static mcim_err evict_tombstone(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
				const struct reg_obj *o, int *evict,
				uint8_t victim[MCIM_PROFILE_ID_LEN])
{
	struct reg_entry e[REG_ENTRIES_MAX];
	size_t n, tombs = 0, oldest = 0;
	mcim_err err = reg_scan(st, tre_id, e, &n);

	*evict = 0;
	if (err != MCIM_OK)
		return err;
	for (size_t i = 0; i < n; i++) {
		if (e[i].state != TRE_MCIM_DELETED ||
		    memcmp(e[i].id, o->id, sizeof(o->id)) == 0)
			continue;
		if (tombs == 0 || e[i].deleted_gen < e[oldest].deleted_gen)
			oldest = i;
		tombs++;
	}
	if (tombs + 1 > TRE_MCIM_TOMBSTONES) {
		*evict = 1;
		memcpy(victim, e[oldest].id, MCIM_PROFILE_ID_LEN);
	}
	return MCIM_OK;
}

static void make_tombstone(struct tre_store *st, struct reg_obj *o)
{
	mcim_wipe(&o->policy, sizeof(o->policy));
	mcim_wipe(o->profile, sizeof(o->profile));
	mcim_wipe(&o->ms, sizeof(o->ms));
	o->profile_len = 0;
	o->ms_slots = 0;
	o->released = false;
	mcim_wipe(o->release_to, sizeof(o->release_to));
	o->release_exp = 0;
	o->mac_failures = 0;
	o->deleted_gen = tre_store_generation(st) + 1;
}

mcim_err reg_transition(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			struct reg_obj *o, enum tre_mcim_op op, enum tre_actor actor,
			unsigned flags, time_t now, struct tre_mcim_change changes[2],
			size_t *n_changes)
{
	struct reg_obj old;
	enum tre_mcim_state to, old_to = TRE_MCIM_SUSPENDED;
	uint8_t other[MCIM_PROFILE_ID_LEN], victim[MCIM_PROFILE_ID_LEN];
	int swap = 0, evict = 0;
	mcim_err err;

	MCIM_ASSERT(st != NULL && tre_id != NULL && o != NULL && changes != NULL &&
		    n_changes != NULL);
	memset(&old, 0, sizeof(old));
	err = tre_lifecycle_next(o->state, op, actor, &to);
	if (err == MCIM_OK)
		err = policy_allows(o, op, actor);
	if (err == MCIM_OK && to == TRE_MCIM_ACTIVATED) {
		/* R-MCIM-L05: at most one ACTIVATED MCIM. */
		err = find_active(st, tre_id, o->id, other);
		if (err == MCIM_ERR_NOT_FOUND) {
			err = MCIM_OK;
		} else if (err == MCIM_OK) {
			swap = 1;
			if ((flags & TRE_TRANSITION_SWAP) == 0)
				err = MCIM_ERR_STATE;
		}
	}
	if (err == MCIM_OK && swap)
		err = reg_load(st, tre_id, other, &old);
	if (err == MCIM_OK && swap)
		err = tre_lifecycle_next(old.state, TRE_OP_SUSPEND, TRE_ACTOR_POLICY,
					 &old_to);
	if (err == MCIM_OK && swap)
		err = swap_consent(&old, o, now);
	if (err == MCIM_OK && to == TRE_MCIM_DELETED)
		err = evict_tombstone(st, tre_id, o, &evict, victim);
	if (err != MCIM_OK)
		goto done;

	changes[0].from = o->state;
	changes[0].to = to;
	memcpy(changes[0].id, o->id, sizeof(o->id));
	*n_changes = 1;
	o->state = to;
	if (to == TRE_MCIM_DELETED)
		make_tombstone(st, o);
	err = reg_save(st, o);
	if (err == MCIM_OK && swap) {
		changes[1].from = old.state;
		changes[1].to = old_to;
		memcpy(changes[1].id, old.id, sizeof(old.id));
		*n_changes = 2;
		old.state = old_to;
		err = reg_save(st, &old);
	}
	if (err == MCIM_OK && evict) {
		char key[REG_KEY_LEN];

		reg_key(victim, key);
		err = tre_store_delete(st, key, sizeof(key));
	}
done:
	reg_obj_wipe(&old);
	return err;
}

mcim_err tre_registry_transition(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
				 const uint8_t id[MCIM_PROFILE_ID_LEN],
				 enum tre_mcim_op op, enum tre_actor actor,
				 unsigned flags, time_t now,
				 struct tre_mcim_change changes[2], size_t *n_changes,
				 struct tre_mcim_info *info)
{
	struct reg_obj o;
	mcim_err err;

	MCIM_ASSERT(st != NULL && tre_id != NULL && id != NULL && changes != NULL &&
		    n_changes != NULL);
	err = reg_load(st, tre_id, id, &o);
	if (err == MCIM_OK)
		err = reg_transition(st, tre_id, &o, op, actor, flags, now, changes,
				     n_changes);
	if (err == MCIM_OK && info != NULL)
		err = reg_info_of(&o, info);
	reg_obj_wipe(&o);
	return err;
}

/* ---- installation ---- */

static mcim_err check_cert(const uint8_t *ci_root, size_t ci_root_len,
			   const struct mcim_profile *p, time_t now)
{
	struct mcim_cert_policy pol;

	memset(&pol, 0, sizeof(pol));
	pol.role = MCIM_CERT_ROLE_SHO_MGMT;
	pol.operator_id = p->sho;
	pol.now = now;
	return mcim_cert_verify_chain(p->mgmt_cert, p->mgmt_cert_len, NULL, 0, ci_root,
				      ci_root_len, &pol, NULL, NULL);
}

static mcim_err count_live(const struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			   size_t *live)
{
	struct reg_entry e[REG_ENTRIES_MAX];
	size_t n;
	mcim_err err = reg_scan(st, tre_id, e, &n);

	*live = 0;
	for (size_t i = 0; err == MCIM_OK && i < n; i++)
		if (e[i].state != TRE_MCIM_DELETED)
			(*live)++;
	return err;
}

/* A fresh object for p; counter carries on from a tombstone of the same id. */
static mcim_err build_obj(const uint8_t tre_id[TRE_ID_LEN], const struct mcim_profile *p,
			  uint64_t counter, struct reg_obj *o)
{
	mcim_err err;

	memset(o, 0, sizeof(*o));
	memcpy(o->tre_id, tre_id, TRE_ID_LEN);
	memcpy(o->id, p->id, sizeof(o->id));
	o->version = p->version;
	memcpy(o->sho, p->sho, sizeof(o->sho));
	o->state = TRE_MCIM_INSTALLED;
	o->counter = counter;
	o->policy = p->policy;
	o->ms_slots = 1u << p->sqn.ind_bits;
	err = mcim_sqn_ms_init_at(&p->sqn, &o->ms, p->sqn_init);
	if (err == MCIM_OK)
		err = mcim_profile_encode(p, o->profile, sizeof(o->profile),
					  &o->profile_len);
	return err == MCIM_OK ? MCIM_OK : MCIM_ERR_INTERNAL;
}

mcim_err tre_registry_install(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			      const uint8_t *ci_root, size_t ci_root_len,
			      const struct mcim_profile *p, time_t now,
			      struct tre_mcim_info *info)
{
	struct reg_obj o;
	uint64_t counter = 0;
	size_t live;
	mcim_err err;

	MCIM_ASSERT(st != NULL && tre_id != NULL && ci_root != NULL && p != NULL &&
		    info != NULL);
	err = mcim_profile_check(p);
	if (err != MCIM_OK)
		return err;
	err = reg_load(st, tre_id, p->id, &o);
	if (err == MCIM_OK && o.state != TRE_MCIM_DELETED) {
		/* Idempotent: a retried download answers with what is installed. */
		err = reg_info_of(&o, info);
		reg_obj_wipe(&o);
		return err == MCIM_OK ? MCIM_ERR_EXISTS : err;
	}
	if (err == MCIM_OK) {
		counter = o.counter;
		err = p->version <= o.version ? MCIM_ERR_REPLAY : MCIM_OK;
	} else if (err == MCIM_ERR_NOT_FOUND) {
		err = MCIM_OK;
	}
	reg_obj_wipe(&o);
	if (err == MCIM_OK)
		err = check_cert(ci_root, ci_root_len, p, now);
	if (err == MCIM_OK)
		err = count_live(st, tre_id, &live);
	if (err == MCIM_OK && live >= TRE_MCIM_MAX)
		err = MCIM_ERR_FULL;
	if (err == MCIM_OK)
		err = build_obj(tre_id, p, counter, &o);
	if (err == MCIM_OK)
		err = reg_save(st, &o);
	if (err == MCIM_OK)
		reg_info(&o, p, info);
	reg_obj_wipe(&o);
	return err;
}

/* ---- reading ---- */

mcim_err tre_registry_get(const struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			  const uint8_t id[MCIM_PROFILE_ID_LEN],
			  struct tre_mcim_info *info)
{
	struct reg_obj o;
	mcim_err err;

	MCIM_ASSERT(info != NULL);
	err = reg_load(st, tre_id, id, &o);
	if (err == MCIM_OK)
		err = reg_info_of(&o, info);
	reg_obj_wipe(&o);
	return err;
}

mcim_err tre_registry_list(const struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			   struct tre_mcim_info *infos, size_t cap, size_t *n)
{
	struct reg_entry e[REG_ENTRIES_MAX];
	size_t count;
	mcim_err err;

	MCIM_ASSERT(n != NULL && (infos != NULL || cap == 0));
	err = reg_scan(st, tre_id, e, &count);
	for (size_t i = 0; err == MCIM_OK && i < count && i < cap; i++)
		err = tre_registry_get(st, tre_id, e[i].id, &infos[i]);
	if (err == MCIM_OK)
		*n = count;
	return err;
}

mcim_err tre_registry_active(const struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			     struct tre_mcim_info *info)
{
	uint8_t id[MCIM_PROFILE_ID_LEN];
	mcim_err err;

	MCIM_ASSERT(st != NULL && tre_id != NULL && info != NULL);
	err = find_active(st, tre_id, NULL, id);
	if (err == MCIM_OK)
		err = tre_registry_get(st, tre_id, id, info);
	return err;
}

/* ---- tamper ---- */

mcim_err tre_registry_on_tamper(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
				const uint8_t *only_id,
				struct tre_mcim_change changes[TRE_MCIM_MAX],
				size_t *n_changes)
{
	struct reg_entry e[REG_ENTRIES_MAX];
	struct reg_obj o;
	size_t n, done = 0;
	mcim_err err;

	MCIM_ASSERT(st != NULL && tre_id != NULL && changes != NULL && n_changes != NULL);
	memset(&o, 0, sizeof(o));
	err = reg_scan(st, tre_id, e, &n);
	for (size_t i = 0; err == MCIM_OK && i < n; i++) {
		struct tre_mcim_change ch[2];
		size_t nch;
		enum tre_mcim_op op;

		if (e[i].state == TRE_MCIM_DELETED ||
		    (only_id != NULL &&
		     memcmp(e[i].id, only_id, MCIM_PROFILE_ID_LEN) != 0))
			continue;
		err = reg_load(st, tre_id, e[i].id, &o);
		if (err != MCIM_OK)
			break;
		if (o.policy.on_tamper == MCIM_TAMPER_WIPE)
			op = TRE_OP_DELETE;
		else if (o.policy.on_tamper == MCIM_TAMPER_SUSPEND &&
			 o.state == TRE_MCIM_ACTIVATED)
			op = TRE_OP_SUSPEND;
		else
			continue;
		err =
		    reg_transition(st, tre_id, &o, op, TRE_ACTOR_POLICY, 0, 0, ch, &nch);
		if (err == MCIM_OK && done < TRE_MCIM_MAX)
			changes[done++] = ch[0];
	}
	reg_obj_wipe(&o);
	if (err == MCIM_OK)
		*n_changes = done;
	return err;
}
