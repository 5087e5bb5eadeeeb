/*
 * mcim/auth.h: the AKA procedure (TS 33.102 6.3) on top of any algorithm set.
 *
 * AuC: authentication vectors (RAND, XRES, CK, IK, AUTN) one at a time or in a batch,
 * 5G home-environment vectors (RAND, AUTN, XRES*, HXRES*, KAUSF; TS 33.501 6.1.3.2),
 * and resynchronisation from AUTS. USIM: verification of AUTN and the answer, either
 * RES/CK/IK or, for a stale SQN, AUTS.
 *
 *   AUTN = SQN xor AK || AMF || MAC-A        (6 + 2 + mac_len octets)
 *   AUTS = SQN_MS xor AK* || MAC-S           (6 + mac_len octets; MAC-S over the
 *                                              dummy AMF 0000, TS 33.102 6.3.3)
 *
 * Algorithm sets are reached only through mcim_aka_compute() on a prepared key
 * context, so MAC, RES, CK and IK have the lengths the set gives (MAC 8..32, RES
 * 4..32, CK/IK 16 or 32 octets); AUTN/AUTS lengths follow. SQN state and parameters
 * are those of mcim/sqn.h. RAND always comes from the caller's struct mcim_rng.
 *
 * State: the HE state advances only when vectors are handed out (all of a batch or
 * none); the USIM's state changes only when it accepts. On failure outputs are zeroed,
 * except AUTS on MCIM_ERR_SYNC_FAILURE. Vectors and results hold secrets: wipe them
 * (mcim_auth_vector_wipe...). NULL pointers are caller bugs (asserts). Reentrant; a
 * key context may be shared between threads, an SQN state may not.
 */
#ifndef MCIM_AUTH_H
#define MCIM_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/aka.h"
#include "mcim/err.h"
#include "mcim/kdf.h"
#include "mcim/rand.h"
#include "mcim/sqn.h"

/* An authentication vector (quintet). Secret. */
struct mcim_auth_vector {
	uint8_t rand[MCIM_AKA_RAND_LEN];
	uint8_t autn[MCIM_AKA_AUTN_MAX];
	uint8_t xres[MCIM_AKA_RES_MAX];
	uint8_t ck[MCIM_AKA_CK_MAX];
	uint8_t ik[MCIM_AKA_IK_MAX];
	uint64_t sqn; /* the SQN inside AUTN, in clear (SQN xor AK is autn[0..5]) */
	uint8_t autn_len, xres_len, ck_len, ik_len;
};

void mcim_auth_vector_wipe(struct mcim_auth_vector *av);

/*
 * One vector: SQN from he (mcim_sqn_he_next), RAND from rng, then f1..f5. On success he
 * has advanced. Errors: MCIM_ERR_INVALID_ARG (bad cfg or he), MCIM_ERR_SQN_EXHAUSTED,
 * MCIM_ERR_RANDOM, errors of the algorithm set; he unchanged on all of them.
 */
mcim_err mcim_auth_generate(const struct mcim_aka_keyctx *kc,
			    const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			    const uint8_t amf[MCIM_AKA_AMF_LEN],
			    const struct mcim_rng *rng, struct mcim_auth_vector *av);

/* n vectors into avs[0..n-1], each with its own SQN and RAND (drawn in order), equal to
 * n calls of mcim_auth_generate(); he advances only if all n succeed. */
mcim_err mcim_auth_generate_n(const struct mcim_aka_keyctx *kc,
			      const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			      const uint8_t amf[MCIM_AKA_AMF_LEN],
			      const struct mcim_rng *rng, struct mcim_auth_vector *avs,
			      size_t n);

/* A 5G home-environment vector (5G HE AV) for one serving network name. Secret. */
struct mcim_auth_5g_vector {
	uint8_t rand[MCIM_AKA_RAND_LEN];
	uint8_t autn[MCIM_AKA_AUTN_MAX];
	uint8_t xres_star[MCIM_RES_STAR_LEN];
	uint8_t hxres_star[MCIM_HXRES_STAR_LEN];
	uint8_t kausf[MCIM_KAUSF_LEN];
	uint64_t sqn;
	uint8_t autn_len;
};

void mcim_auth_5g_vector_wipe(struct mcim_auth_5g_vector *av);

/* As mcim_auth_generate, then XRES*, HXRES* and KAUSF for snn (1..MCIM_SNN_MAX octets,
 * e.g. from mcim_snn_build). */
mcim_err mcim_auth_generate_5g(const struct mcim_aka_keyctx *kc,
			       const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			       const uint8_t amf[MCIM_AKA_AMF_LEN],
			       const struct mcim_rng *rng, const char *snn,
			       size_t snn_len, struct mcim_auth_5g_vector *av);

/* n 5G vectors, as mcim_auth_generate_n. */
mcim_err mcim_auth_generate_5g_n(const struct mcim_aka_keyctx *kc,
				 const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
				 const uint8_t amf[MCIM_AKA_AMF_LEN],
				 const struct mcim_rng *rng, const char *snn,
				 size_t snn_len, struct mcim_auth_5g_vector *avs,
				 size_t n);

/* What the USIM answers. Secret. */
struct mcim_auth_usim_out {
	uint8_t res[MCIM_AKA_RES_MAX];
	uint8_t ck[MCIM_AKA_CK_MAX];
	uint8_t ik[MCIM_AKA_IK_MAX];
	uint8_t auts[MCIM_AKA_AUTS_MAX];
	uint64_t sqn; /* the SQN accepted */
	uint8_t res_len, ck_len, ik_len, auts_len;
};

void mcim_auth_usim_out_wipe(struct mcim_auth_usim_out *out);

/*
 * The USIM's side: recovers SQN = (SQN xor AK) xor AK, checks MAC-A in constant time,
 * then freshness against ms (mcim_sqn_ms_accept). Returns
 *  - MCIM_OK: res/ck/ik and sqn set, ms has accepted SQN;
 *  - MCIM_ERR_MAC_FAILURE: MAC-A does not verify; ms unchanged;
 *  - MCIM_ERR_SYNC_FAILURE: SQN not acceptable; auts set from SQN_MS; ms unchanged;
 *  - MCIM_ERR_INVALID_ARG: autn_len is not 8 + the set's MAC length, or bad cfg/ms;
 *  - errors of the algorithm set.
 * The AMF is not interpreted here (the separation bit is the ME's check).
 */
mcim_err mcim_auth_usim(const struct mcim_aka_keyctx *kc, const struct mcim_sqn_cfg *cfg,
			struct mcim_sqn_ms *ms, const uint8_t rand[MCIM_AKA_RAND_LEN],
			const uint8_t *autn, size_t autn_len,
			struct mcim_auth_usim_out *out)
    __attribute__((warn_unused_result));

/*
 * The AuC's side of resynchronisation (TS 33.102 6.3.5): recovers SQN_MS with f5*,
 * checks MAC-S with f1* (dummy AMF 0000) in constant time, then mcim_sqn_he_resync().
 * *sqn_ms (if not NULL) receives SQN_MS and *reset (if not NULL) whether SEQ_HE was
 * reset. MCIM_ERR_MAC_FAILURE (he unchanged) when MAC-S does not verify,
 * MCIM_ERR_INVALID_ARG when auts_len is not 6 + the set's MAC length.
 */
mcim_err mcim_auth_resync(const struct mcim_aka_keyctx *kc,
			  const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			  const uint8_t rand[MCIM_AKA_RAND_LEN], const uint8_t *auts,
			  size_t auts_len, uint64_t *sqn_ms, int *reset)
    __attribute__((warn_unused_result));

#endif
