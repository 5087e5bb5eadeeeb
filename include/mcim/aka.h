/*
 * mcim/aka.h: the 3GPP AKA algorithm sets and the authentication procedure built on
 * them, for both ends: the AuC (authentication vectors, resynchronisation) and the
 * USIM (AUTN verification, RES/CK/IK, AUTS).
 *
 * An algorithm set (MILENAGE, TUAK, ...) is a struct mcim_aka_alg: a name, a check of
 * a credential's parameters, a "prepare" that turns a credential into a key context
 * (e.g. the AES key schedule, computed once per subscriber) and one "compute" that
 * produces any subset of f1, f1*, f2..f5, f5* for one RAND. Callers reach an algorithm
 * only through mcim_aka_alg_find(); adding a third set touches only its own file and
 * the table in src/aka/alg.c.
 *
 * Conventions: every length is in bytes unless the name says bits; fixed-size arrays
 * carry their size in the type; nothing here allocates; all structures that hold
 * secrets (credentials, key contexts, outputs, vectors) have a *_wipe function and the
 * library wipes its own temporaries on every path. Functions are reentrant; a key
 * context may be shared by threads for reading once prepared.
 */
#ifndef MCIM_AKA_H
#define MCIM_AKA_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"
#include "mcim/rand.h"

#define MCIM_AKA_RAND_LEN 16
#define MCIM_AKA_SQN_LEN  6
#define MCIM_AKA_AMF_LEN  2
#define MCIM_AKA_AK_LEN	  6
#define MCIM_AKA_K_MAX	  32 /* K: 16 octets (MILENAGE, TUAK) or 32 (TUAK) */
#define MCIM_AKA_OPC_MAX  32 /* OPc: 16 octets; TOPc: 32 */
#define MCIM_AKA_MAC_MAX  32
#define MCIM_AKA_RES_MAX  32
#define MCIM_AKA_CK_MAX	  32
#define MCIM_AKA_IK_MAX	  32
#define MCIM_AKA_AUTN_MAX (MCIM_AKA_SQN_LEN + MCIM_AKA_AMF_LEN + MCIM_AKA_MAC_MAX)
#define MCIM_AKA_AUTS_MAX (MCIM_AKA_SQN_LEN + MCIM_AKA_MAC_MAX)

/* Stable numbers: they are stored in subscriber records and MCIM packages. */
enum mcim_aka_alg_id {
	MCIM_AKA_MILENAGE = 1,
	MCIM_AKA_TUAK = 2,
};

/* MILENAGE's operator-customisable constants (TS 35.206 4.1): rotations in bits. */
struct mcim_milenage_consts {
	uint8_t r[5];	  /* r1..r5, each 0..127 */
	uint8_t c[5][16]; /* c1..c5 */
};

/* TUAK's parameters (TS 35.231): output lengths in bits and Keccak iterations. */
struct mcim_tuak_params {
	uint16_t mac_bits;	   /* 64, 128 or 256 */
	uint16_t res_bits;	   /* 32, 64, 128 or 256 */
	uint16_t ck_bits;	   /* 128 or 256 */
	uint16_t ik_bits;	   /* 128 or 256 */
	uint8_t keccak_iterations; /* 1..255 */
};

/*
 * A subscriber credential as the USIM and the AuC hold it. Secret: wipe it with
 * mcim_aka_cred_wipe(). OP is never stored: derive OPc/TOPc first.
 */
struct mcim_aka_cred {
	enum mcim_aka_alg_id alg;
	uint8_t k_len; /* 16 or 32 */
	uint8_t k[MCIM_AKA_K_MAX];
	uint8_t opc[MCIM_AKA_OPC_MAX]; /* OPc (16 octets used) or TOPc (32) */
	union {
		struct mcim_milenage_consts milenage;
		struct mcim_tuak_params tuak;
	} params;
};

void mcim_aka_cred_wipe(struct mcim_aka_cred *cred);

/* Fills the TS 35.206 default r1..r5 and c1..c5. */
void mcim_milenage_default_consts(struct mcim_milenage_consts *consts);

/* Fills TUAK's most common parameters: 1 iteration, 64-bit MAC and RES, 128-bit CK/IK. */
void mcim_tuak_default_params(struct mcim_tuak_params *params);

/* OPc = E_K(OP) xor OP (TS 35.206 4.1). */
mcim_err mcim_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16]);

/* TOPc from TOP and K (TS 35.231 6.2), k_len 16 or 32. */
mcim_err mcim_tuak_topc(const uint8_t *k, size_t k_len, const uint8_t top[32],
			unsigned keccak_iterations, uint8_t topc[32]);

/*
 * Keccak-f[1600] on a 200-octet state in the octet order TUAK loads it (TS 35.231
 * Annex; the order of the official Keccak test sets of TS 35.232).
 */
void mcim_tuak_keccak_f1600(uint8_t state[200]);

/* Which functions mcim_aka_compute() evaluates (bitwise or). */
enum {
	MCIM_AKA_F1 = 1u << 0,	   /* MAC-A */
	MCIM_AKA_F1STAR = 1u << 1, /* MAC-S */
	MCIM_AKA_F2345 = 1u << 2,  /* RES, CK, IK, AK */
	MCIM_AKA_F5STAR = 1u << 3, /* AK for resynchronisation */
};

/* Outputs of one computation. Secret (RES, CK, IK): wipe with mcim_aka_out_wipe(). */
struct mcim_aka_out {
	uint8_t mac_a[MCIM_AKA_MAC_MAX];
	uint8_t mac_s[MCIM_AKA_MAC_MAX];
	uint8_t res[MCIM_AKA_RES_MAX];
	uint8_t ck[MCIM_AKA_CK_MAX];
	uint8_t ik[MCIM_AKA_IK_MAX];
	uint8_t ak[MCIM_AKA_AK_LEN];
	uint8_t ak_s[MCIM_AKA_AK_LEN];
	uint8_t mac_len, res_len, ck_len, ik_len;
};

void mcim_aka_out_wipe(struct mcim_aka_out *out);

/* A credential prepared for repeated computation. Secret: mcim_aka_keyctx_wipe(). */
#define MCIM_AKA_KEYCTX_STATE_MAX 320
struct mcim_aka_keyctx {
	const struct mcim_aka_alg *alg;
	_Alignas(16) uint8_t state[MCIM_AKA_KEYCTX_STATE_MAX];
};

void mcim_aka_keyctx_wipe(struct mcim_aka_keyctx *kc);

/*
 * An algorithm set. check() validates a credential's lengths and parameters;
 * prepare() is called only on a checked credential; compute() evaluates the
 * functions named in fns for one RAND (sqn and amf are read only for F1/F1STAR and
 * may be NULL otherwise) and sets the lengths in out.
 */
struct mcim_aka_alg {
	enum mcim_aka_alg_id id;
	const char *name;
	mcim_err (*check)(const struct mcim_aka_cred *cred);
	void (*prepare)(struct mcim_aka_keyctx *kc, const struct mcim_aka_cred *cred);
	mcim_err (*compute)(const struct mcim_aka_keyctx *kc, unsigned fns,
			    const uint8_t rand[MCIM_AKA_RAND_LEN],
			    const uint8_t sqn[MCIM_AKA_SQN_LEN],
			    const uint8_t amf[MCIM_AKA_AMF_LEN],
			    struct mcim_aka_out *out);
};

/* The algorithm set with this id, or NULL. */
const struct mcim_aka_alg *mcim_aka_alg_find(enum mcim_aka_alg_id id);
/* The algorithm set with this name ("milenage", "tuak"), or NULL. */
const struct mcim_aka_alg *mcim_aka_alg_by_name(const char *name);

/* Checks cred and prepares kc from it. MCIM_ERR_UNSUPPORTED for an unknown algorithm. */
mcim_err mcim_aka_prepare(struct mcim_aka_keyctx *kc, const struct mcim_aka_cred *cred);

/* kc->alg->compute(...) */
mcim_err mcim_aka_compute(const struct mcim_aka_keyctx *kc, unsigned fns,
			  const uint8_t rand[MCIM_AKA_RAND_LEN],
			  const uint8_t sqn[MCIM_AKA_SQN_LEN],
			  const uint8_t amf[MCIM_AKA_AMF_LEN], struct mcim_aka_out *out);

#endif
