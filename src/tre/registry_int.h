/*
 * tre/registry_int.h: what registry.c, registry_mgmt.c and registry_aka.c share: the
 * stored MCIM object, its codec, the scan of the registry, and the one transition
 * routine that every path (local, SHO command, tamper) goes through.
 */
#ifndef MCIM_TRE_REGISTRY_INT_H
#define MCIM_TRE_REGISTRY_INT_H

#include "tre/registry.h"

/* "m/" + 32 hex digits */
#define REG_KEY_LEN (sizeof(TRE_MCIM_KEY_PREFIX) - 1 + 2 * MCIM_PROFILE_ID_LEN)

/*
 * One MCIM as stored. A live object carries its policy, the encoded profile (secret:
 * K, OPc/TOPc) and the USIM's SQN state; a tombstone (DELETED) only the fields up to
 * deleted_gen. Wipe with reg_obj_wipe().
 */
struct reg_obj {
	uint8_t tre_id[TRE_ID_LEN];
	uint8_t id[MCIM_PROFILE_ID_LEN];
	uint32_t version;
	char sho[MCIM_PROFILE_OPERATOR_MAX + 1];
	enum tre_mcim_state state;
	uint64_t counter;
	uint32_t mac_failures;
	bool released;
	char release_to[MCIM_PROFILE_OPERATOR_MAX + 1];
	int64_t release_exp;
	uint64_t deleted_gen; /* store generation of the deletion; 0 when live */
	struct mcim_policy policy;
	uint8_t profile[MCIM_PROFILE_ENCODED_MAX];
	size_t profile_len;
	struct mcim_sqn_ms ms;
	size_t ms_slots; /* SEQ_MS entries stored: 2^ind_bits */
};

void reg_obj_wipe(struct reg_obj *o);

/* The key of id into key[REG_KEY_LEN]. */
void reg_key(const uint8_t id[MCIM_PROFILE_ID_LEN], char key[REG_KEY_LEN]);

/* Loads the object of id. MCIM_ERR_NOT_FOUND, MCIM_ERR_TAMPERED (does not decode, is
 * stored under another id's key, or bound to another TRE), the store's errors. */
mcim_err reg_load(const struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
		  const uint8_t id[MCIM_PROFILE_ID_LEN], struct reg_obj *o);

/* Encodes and puts o (inside the caller's transaction). */
mcim_err reg_save(struct tre_store *st, const struct reg_obj *o);

/* Decodes the stored profile of a live object (MCIM_ERR_TAMPERED if it does not) and
 * checks that the SQN state matches its parameters. p is the caller's to wipe. */
mcim_err reg_profile(const struct reg_obj *o, struct mcim_profile *p);

/* The info of o; p (may be NULL for a tombstone) gives the profile's fields. */
void reg_info(const struct reg_obj *o, const struct mcim_profile *p,
	      struct tre_mcim_info *info);

/* As reg_info, decoding the profile itself. */
mcim_err reg_info_of(const struct reg_obj *o, struct tre_mcim_info *info);

/* One line of the registry: enough to find the active MCIM, count, evict. */
struct reg_entry {
	uint8_t id[MCIM_PROFILE_ID_LEN];
	enum tre_mcim_state state;
	uint64_t deleted_gen;
};
#define REG_ENTRIES_MAX (TRE_MCIM_MAX + TRE_MCIM_TOMBSTONES + 1)

/* All objects, in key order: up to REG_ENTRIES_MAX into e, *n = how many there are
 * (MCIM_ERR_TAMPERED when more than REG_ENTRIES_MAX). */
mcim_err reg_scan(const struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
		  struct reg_entry e[REG_ENTRIES_MAX], size_t *n);

/*
 * The transition of tre_registry_transition() on an object the caller loaded (and
 * may have changed in memory: the SHO path sets the counter): all checks first, then
 * o is saved with its new state (a tombstone for delete), with the swapped MCIM's
 * change if any. On error nothing is put (except by a failing put: abort).
 */
mcim_err reg_transition(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			struct reg_obj *o, enum tre_mcim_op op, enum tre_actor actor,
			unsigned flags, time_t now, struct tre_mcim_change changes[2],
			size_t *n_changes);

#endif
