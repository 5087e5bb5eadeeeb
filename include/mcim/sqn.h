/*
 * mcim/sqn.h: sequence numbers for AKA freshness (TS 33.102 Annex C), both ends.
 *
 * An SQN is 48 bits: SEQ || IND, IND being the ind_bits least significant bits. The
 * home environment (HE/AuC) keeps SEQ_HE, the SEQ of the last SQN it issued, and the
 * IND it hands out next (cyclic allocation, C.1.2/C.3); every new SQN takes
 * SEQ = SEQ_HE + 1. The USIM keeps one SEQ_MS(i) per IND value and accepts an SQN
 * only when SEQ > SEQ_MS(IND) (C.2.2 freshness per slot), SEQ - SEQ_MS <= delta
 * (C.2.2 wrap-around protection) and, if an age limit L is set, SEQ_MS - SEQ < L
 * (C.2.3), where SEQ_MS is the SEQ of SQN_MS, the highest SQN accepted anywhere in
 * the array. Anything else is a synchronisation failure carrying SQN_MS, from which
 * the HE resynchronises (6.3.5, C.3.4).
 *
 * SQN values are uint64_t holding 48 bits; mcim_sqn_to_bytes/from_bytes give the
 * 6-octet big-endian wire form. Arithmetic never wraps: when SEQ would pass its
 * maximum, 2^(48 - ind_bits) - 1, the HE returns MCIM_ERR_SQN_EXHAUSTED.
 *
 * States are plain fixed-size structures the caller stores (a database row, the TRE's
 * sealed store). Every operation first checks the configuration and the state it is
 * given (MCIM_ERR_INVALID_ARG when either is out of range, e.g. a corrupted record)
 * and changes the state only on success. NULL pointers are caller bugs (asserts).
 * Functions are reentrant; a state must not be used by two threads at once.
 */
#ifndef MCIM_SQN_H
#define MCIM_SQN_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"

#define MCIM_SQN_BITS	       48
#define MCIM_SQN_MAX	       ((UINT64_C(1) << MCIM_SQN_BITS) - 1)
#define MCIM_SQN_IND_BITS_MAX  6
#define MCIM_SQN_IND_SLOTS_MAX (1u << MCIM_SQN_IND_BITS_MAX)

/* Defaults of mcim_sqn_cfg_default(). */
#define MCIM_SQN_DEFAULT_IND_BITS 5
#define MCIM_SQN_DEFAULT_DELTA	  (UINT64_C(1) << 28)

/* The SQN management parameters both ends must agree on (R-MCIM-C04). */
struct mcim_sqn_cfg {
	uint8_t ind_bits;   /* length of IND, 0..MCIM_SQN_IND_BITS_MAX */
	uint64_t delta;	    /* delta (C.2.2) in SEQ steps, 1..mcim_sqn_seq_max() */
	uint64_t age_limit; /* L (C.2.3) in SEQ steps, 0 = no limit, else <= seq max */
};

/* ind_bits 5, delta 2^28, no age limit. */
void mcim_sqn_cfg_default(struct mcim_sqn_cfg *cfg);

/* MCIM_OK, or MCIM_ERR_INVALID_ARG when a parameter is out of its range. */
mcim_err mcim_sqn_cfg_check(const struct mcim_sqn_cfg *cfg);

/* The largest SEQ, 2^(48 - ind_bits) - 1 (cfg->ind_bits must be in range). */
uint64_t mcim_sqn_seq_max(const struct mcim_sqn_cfg *cfg);

/* SEQ || IND. MCIM_ERR_INVALID_ARG when seq or ind does not fit. */
mcim_err mcim_sqn_make(const struct mcim_sqn_cfg *cfg, uint64_t seq, unsigned ind,
		       uint64_t *sqn);
/* The SEQ and IND parts of a 48-bit SQN. */
uint64_t mcim_sqn_seq(const struct mcim_sqn_cfg *cfg, uint64_t sqn);
unsigned mcim_sqn_ind(const struct mcim_sqn_cfg *cfg, uint64_t sqn);

/* The 6-octet big-endian form (sqn's bits above 48 must be zero). */
void mcim_sqn_to_bytes(uint64_t sqn, uint8_t out[6]);
uint64_t mcim_sqn_from_bytes(const uint8_t in[6]);

/* ---- home environment (AuC) ---- */

struct mcim_sqn_he {
	uint64_t seq;	  /* SEQ_HE: SEQ of the last SQN issued (0: none yet) */
	uint8_t next_ind; /* IND of the next SQN from mcim_sqn_he_next() */
};

/* SEQ_HE = seq (the initial SQN's SEQ, e.g. from the CCIF), next IND 0. */
mcim_err mcim_sqn_he_init(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			  uint64_t seq);

/* A fresh SQN with the next IND of the cyclic allocation; SEQ_HE advances by one. */
mcim_err mcim_sqn_he_next(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			  uint64_t *sqn);

/* A fresh SQN with a given IND (IND allocated per serving node, C.1.2); the cyclic
 * allocation is left as it is. MCIM_ERR_INVALID_ARG when ind >= 2^ind_bits. */
mcim_err mcim_sqn_he_next_ind(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			      unsigned ind, uint64_t *sqn);

/* n fresh SQNs at once, exactly what n calls of mcim_sqn_he_next() would give; all or
 * nothing: on MCIM_ERR_SQN_EXHAUSTED neither he nor sqns is changed. n may be 0. */
mcim_err mcim_sqn_he_next_n(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			    size_t n, uint64_t *sqns);

/*
 * Resynchronisation with the USIM's SQN_MS (from AUTS, already authenticated): when the
 * next SQN the HE would issue would not be accepted by a USIM whose highest SQN is
 * sqn_ms (its SEQ not above SEQ_MS, or more than delta above), SEQ_HE is reset to
 * SEQ_MS and *reset (if not NULL) is 1; otherwise nothing changes and *reset is 0.
 * MCIM_ERR_INVALID_ARG for sqn_ms above 48 bits.
 */
mcim_err mcim_sqn_he_resync(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			    uint64_t sqn_ms, int *reset);

/* ---- mobile side (USIM) ---- */

struct mcim_sqn_ms {
	uint64_t seq[MCIM_SQN_IND_SLOTS_MAX]; /* SEQ_MS(i); slots >= 2^ind_bits stay 0 */
};

/* The initial state: every SEQ_MS(i) zero (C.2.2). */
void mcim_sqn_ms_init(struct mcim_sqn_ms *ms);

/* A state that has accepted sqn and nothing above it (provisioning a USIM whose AuC
 * record starts at sqn). sqn 0 gives the initial state. */
mcim_err mcim_sqn_ms_init_at(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_ms *ms,
			     uint64_t sqn);

/* MCIM_OK when sqn would be accepted now, MCIM_ERR_SYNC_FAILURE when not. No change. */
mcim_err mcim_sqn_ms_check(const struct mcim_sqn_cfg *cfg, const struct mcim_sqn_ms *ms,
			   uint64_t sqn) __attribute__((warn_unused_result));

/* As mcim_sqn_ms_check(), and on MCIM_OK records sqn: SEQ_MS(IND) = SEQ. */
mcim_err mcim_sqn_ms_accept(const struct mcim_sqn_cfg *cfg, struct mcim_sqn_ms *ms,
			    uint64_t sqn) __attribute__((warn_unused_result));

/* SQN_MS: the highest SQN accepted so far (SEQ_MS(i) || i with the largest SEQ, the
 * largest i among equals), 0 when none. MCIM_ERR_INVALID_ARG for a bad state. */
mcim_err mcim_sqn_ms_highest(const struct mcim_sqn_cfg *cfg, const struct mcim_sqn_ms *ms,
			     uint64_t *sqn_ms);

#endif
