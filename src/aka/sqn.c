/*
 * Sequence-number management of TS 33.102 Annex C: SQN = SEQ || IND, the HE's
 * counter SEQ_HE with a cyclic IND, the USIM's array SEQ_MS(0..a-1) with the delta and
 * age-limit checks, and the HE's reset from SQN_MS. Every operation validates the
 * configuration and the state it is handed before using them, because both come
 * from storage (a subscriber database, a sealed store) and a corrupted value must not
 * turn into a wrapped counter. All comparisons are written so that no unsigned
 * subtraction can go below zero and no addition can pass 2^48.
 */
#include "mcim/sqn.h"

#include <string.h>

#include "core/check.h"
#include "core/endian.h"

void mcim_sqn_cfg_default(struct mcim_sqn_cfg *cfg)
{
	MCIM_ASSERT(cfg != NULL);
	memset(cfg, 0, sizeof(*cfg));
	cfg->ind_bits = MCIM_SQN_DEFAULT_IND_BITS;
	cfg->delta = MCIM_SQN_DEFAULT_DELTA;
	cfg->age_limit = 0;
}

uint64_t mcim_sqn_seq_max(const struct mcim_sqn_cfg *cfg)
{
	MCIM_ASSERT(cfg != NULL && cfg->ind_bits <= MCIM_SQN_IND_BITS_MAX);
	return MCIM_SQN_MAX >> cfg->ind_bits;
}

mcim_err mcim_sqn_cfg_check(const struct mcim_sqn_cfg *cfg)
{
	uint64_t seq_max;

	MCIM_ASSERT(cfg != NULL);
	if (cfg->ind_bits > MCIM_SQN_IND_BITS_MAX)
		return MCIM_ERR_INVALID_ARG;
	seq_max = mcim_sqn_seq_max(cfg);
	if (cfg->delta == 0 || cfg->delta > seq_max || cfg->age_limit > seq_max)
		return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

static unsigned slots(const struct mcim_sqn_cfg *cfg)
{
	return 1u << cfg->ind_bits;
}

mcim_err mcim_sqn_make(const struct mcim_sqn_cfg *cfg, uint64_t seq, unsigned ind,
		       uint64_t *sqn)
{
	MCIM_ASSERT(sqn != NULL);
	if (mcim_sqn_cfg_check(cfg) != MCIM_OK || seq > mcim_sqn_seq_max(cfg) ||
	    ind >= slots(cfg))
		return MCIM_ERR_INVALID_ARG;
	*sqn = seq << cfg->ind_bits | ind;
	return MCIM_OK;
}

uint64_t mcim_sqn_seq(const struct mcim_sqn_cfg *cfg, uint64_t sqn)
{
	MCIM_ASSERT(cfg != NULL && cfg->ind_bits <= MCIM_SQN_IND_BITS_MAX);
	return (sqn & MCIM_SQN_MAX) >> cfg->ind_bits;
}

unsigned mcim_sqn_ind(const struct mcim_sqn_cfg *cfg, uint64_t sqn)
{
	MCIM_ASSERT(cfg != NULL && cfg->ind_bits <= MCIM_SQN_IND_BITS_MAX);
	return (unsigned)(sqn & (slots(cfg) - 1u));
}

void mcim_sqn_to_bytes(uint64_t sqn, uint8_t out[6])
{
	MCIM_ASSERT(out != NULL && sqn <= MCIM_SQN_MAX);
	mcim_store_be48(out, sqn);
}

uint64_t mcim_sqn_from_bytes(const uint8_t in[6])
{
	MCIM_ASSERT(in != NULL);
	return mcim_load_be48(in);
}

/* ---- home environment ---- */

static mcim_err he_valid(const struct mcim_sqn_cfg *cfg, const struct mcim_sqn_he *he)
{
	if (mcim_sqn_cfg_check(cfg) != MCIM_OK || he->seq > mcim_sqn_seq_max(cfg) ||
	    he->next_ind >= slots(cfg))
		return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

mcim_err mcim_sqn_he_init(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			  uint64_t seq)
{
	MCIM_ASSERT(cfg != NULL && he != NULL);
	if (mcim_sqn_cfg_check(cfg) != MCIM_OK || seq > mcim_sqn_seq_max(cfg))
		return MCIM_ERR_INVALID_ARG;
	memset(he, 0, sizeof(*he));
	he->seq = seq;
	he->next_ind = 0;
	return MCIM_OK;
}

mcim_err mcim_sqn_he_next_n(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			    size_t n, uint64_t *sqns)
{
	unsigned ind;
	mcim_err err;

	MCIM_ASSERT(cfg != NULL && he != NULL && (sqns != NULL || n == 0));
	err = he_valid(cfg, he);
	if (err != MCIM_OK)
		return err;
	/* Written as a subtraction: seq + n could pass 2^64 for a huge n. */
	if (n > mcim_sqn_seq_max(cfg) - he->seq)
		return MCIM_ERR_SQN_EXHAUSTED;
	ind = he->next_ind;
	for (size_t i = 0; i < n; i++) {
		sqns[i] = (he->seq + i + 1) << cfg->ind_bits | ind;
		ind = (ind + 1) & (slots(cfg) - 1u);
	}
	he->seq += n;
	he->next_ind = (uint8_t)ind;
	return MCIM_OK;
}

mcim_err mcim_sqn_he_next(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			  uint64_t *sqn)
{
	MCIM_ASSERT(sqn != NULL);
	return mcim_sqn_he_next_n(cfg, he, 1, sqn);
}

mcim_err mcim_sqn_he_next_ind(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			      unsigned ind, uint64_t *sqn)
{
	mcim_err err;

	MCIM_ASSERT(cfg != NULL && he != NULL && sqn != NULL);
	err = he_valid(cfg, he);
	if (err != MCIM_OK)
		return err;
	if (ind >= slots(cfg))
		return MCIM_ERR_INVALID_ARG;
	if (he->seq == mcim_sqn_seq_max(cfg))
		return MCIM_ERR_SQN_EXHAUSTED;
	he->seq++;
	*sqn = he->seq << cfg->ind_bits | ind;
	return MCIM_OK;
}

mcim_err mcim_sqn_he_resync(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			    uint64_t sqn_ms, int *reset)
{
	uint64_t seq_ms;
	int accepted;
	mcim_err err;

	MCIM_ASSERT(cfg != NULL && he != NULL);
	err = he_valid(cfg, he);
	if (err != MCIM_OK)
		return err;
	if (sqn_ms > MCIM_SQN_MAX)
		return MCIM_ERR_INVALID_ARG;
	seq_ms = mcim_sqn_seq(cfg, sqn_ms);
	/*
	 * The next SQN carries SEQ_HE + 1. Whatever its IND, the USIM takes it when it is
	 * above SEQ_MS (so above every SEQ_MS(i), and no age limit applies) and at most
	 * delta above. An exhausted HE issues nothing, so it is never "accepted".
	 */
	accepted = he->seq >= seq_ms && he->seq < mcim_sqn_seq_max(cfg) &&
		   he->seq - seq_ms < cfg->delta;
	if (!accepted)
		he->seq = seq_ms;
	if (reset != NULL)
		*reset = !accepted;
	return MCIM_OK;
}

/* ---- mobile side ---- */

static mcim_err ms_valid(const struct mcim_sqn_cfg *cfg, const struct mcim_sqn_ms *ms)
{
	uint64_t seq_max;

	if (mcim_sqn_cfg_check(cfg) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	seq_max = mcim_sqn_seq_max(cfg);
	for (unsigned i = 0; i < MCIM_SQN_IND_SLOTS_MAX; i++)
		if (ms->seq[i] > (i < slots(cfg) ? seq_max : 0))
			return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

/* SQN_MS of a valid state. */
static uint64_t ms_highest(const struct mcim_sqn_cfg *cfg, const struct mcim_sqn_ms *ms)
{
	uint64_t best = 0;

	for (unsigned i = 0; i < slots(cfg); i++) {
		uint64_t sqn = ms->seq[i] << cfg->ind_bits | i;
		if (ms->seq[i] != 0 && sqn > best)
			best = sqn;
	}
	return best;
}

void mcim_sqn_ms_init(struct mcim_sqn_ms *ms)
{
	MCIM_ASSERT(ms != NULL);
	memset(ms, 0, sizeof(*ms));
}

mcim_err mcim_sqn_ms_init_at(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_ms *ms,
			     uint64_t sqn)
{
	MCIM_ASSERT(cfg != NULL && ms != NULL);
	if (mcim_sqn_cfg_check(cfg) != MCIM_OK || sqn > MCIM_SQN_MAX)
		return MCIM_ERR_INVALID_ARG;
	memset(ms, 0, sizeof(*ms));
	ms->seq[mcim_sqn_ind(cfg, sqn)] = mcim_sqn_seq(cfg, sqn);
	return MCIM_OK;
}

/* The freshness decision of a valid state (C.2.2, C.2.3). */
static int ms_fresh(const struct mcim_sqn_cfg *cfg, const struct mcim_sqn_ms *ms,
		    uint64_t sqn)
{
	uint64_t seq = mcim_sqn_seq(cfg, sqn);
	uint64_t seq_ms = mcim_sqn_seq(cfg, ms_highest(cfg, ms));

	if (cfg->age_limit != 0 && seq < seq_ms && seq_ms - seq >= cfg->age_limit)
		return 0;
	if (seq > seq_ms && seq - seq_ms > cfg->delta)
		return 0;
	return seq > ms->seq[mcim_sqn_ind(cfg, sqn)];
}

mcim_err mcim_sqn_ms_check(const struct mcim_sqn_cfg *cfg, const struct mcim_sqn_ms *ms,
			   uint64_t sqn)
{
	mcim_err err;

	MCIM_ASSERT(cfg != NULL && ms != NULL);
	err = ms_valid(cfg, ms);
	if (err != MCIM_OK)
		return err;
	if (sqn > MCIM_SQN_MAX)
		return MCIM_ERR_INVALID_ARG;
	return ms_fresh(cfg, ms, sqn) ? MCIM_OK : MCIM_ERR_SYNC_FAILURE;
}

mcim_err mcim_sqn_ms_accept(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_ms *ms,
			    uint64_t sqn)
{
	mcim_err err = mcim_sqn_ms_check(cfg, ms, sqn);

	if (err == MCIM_OK)
		ms->seq[mcim_sqn_ind(cfg, sqn)] = mcim_sqn_seq(cfg, sqn);
	return err;
}

mcim_err mcim_sqn_ms_highest(const struct mcim_sqn_cfg *cfg, const struct mcim_sqn_ms *ms,
			     uint64_t *sqn_ms)
{
	mcim_err err;

	MCIM_ASSERT(cfg != NULL && ms != NULL && sqn_ms != NULL);
	err = ms_valid(cfg, ms);
	if (err != MCIM_OK)
		return err;
	*sqn_ms = ms_highest(cfg, ms);
	return MCIM_OK;
}
