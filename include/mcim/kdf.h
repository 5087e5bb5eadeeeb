/*
 * mcim/kdf.h: the 3GPP key derivation function and the keys AKA feeds into it.
 *
 * The generic KDF (TS 33.220 B.2) is HMAC-SHA-256(Key, S) with
 * S = FC || P0 || L0 || P1 || L1 || ..., each Li the 2-octet big-endian length of Pi.
 * On it: KASME (TS 33.401 A.2), RES* and XRES* (TS 33.501 A.4), KAUSF (A.2), KSEAF
 * (A.6); HXRES* (A.5) is a plain SHA-256. CK||IK is the key of KASME, RES* and KAUSF;
 * CK and IK are 16 or 32 octets each (MILENAGE 16, TUAK 16 or 32), passed with the
 * lengths that mcim_aka_out or the USIM result give.
 *
 * Network identities: the PLMN identity (3 octets, TS 24.008 10.5.1.13) and the 5G
 * serving network name "5G:mnc<MNC>.mcc<MCC>.3gppnetwork.org" (TS 24.501 9.12.1,
 * TS 23.003 28.2: the MNC always written with 3 digits, a 2-digit MNC with a leading
 * zero) are built from MCC and MNC text: MCC exactly 3 decimal digits, MNC 2 or 3;
 * anything else is MCIM_ERR_INVALID_ARG. A serving network name given to a KDF is
 * octets (snn, snn_len), 1..MCIM_SNN_MAX, used as they are.
 *
 * Conventions: outputs are written only on success; the library wipes its
 * intermediate values; callers wipe the keys they receive. NULL is allowed only with
 * a zero length. All functions are thread-safe.
 */
#ifndef MCIM_KDF_H
#define MCIM_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/crypto.h"
#include "mcim/err.h"

#define MCIM_KDF_OUT_LEN    32	  /* the KDF's output: all of HMAC-SHA-256 */
#define MCIM_KDF_PARAMS_MAX 16	  /* P0..P15 */
#define MCIM_KDF_PARAM_MAX  65535 /* Li is 2 octets */
#define MCIM_PLMN_LEN	    3
#define MCIM_SNN_MAX	    255
#define MCIM_SNN_PLMN_LEN   32 /* strlen("5G:mnc001.mcc001.3gppnetwork.org") */
#define MCIM_KASME_LEN	    32
#define MCIM_RES_STAR_LEN   16
#define MCIM_HXRES_STAR_LEN 16
#define MCIM_KAUSF_LEN	    32
#define MCIM_KSEAF_LEN	    32

/* The KDF's FC values used here. */
enum {
	MCIM_FC_KASME = 0x10,	 /* TS 33.401 A.2 */
	MCIM_FC_KAUSF = 0x6A,	 /* TS 33.501 A.2 */
	MCIM_FC_RES_STAR = 0x6B, /* TS 33.501 A.4 */
	MCIM_FC_KSEAF = 0x6C,	 /* TS 33.501 A.6 */
};

/*
 * The generic KDF: out = HMAC-SHA-256(key, fc || P0 || L0 || ... ) with n parameters
 * (0..MCIM_KDF_PARAMS_MAX, each 0..MCIM_KDF_PARAM_MAX octets). key_len may be any
 * length HMAC accepts, including 0. MCIM_ERR_INVALID_ARG for too many or too long
 * parameters.
 */
mcim_err mcim_kdf(const uint8_t *key, size_t key_len, uint8_t fc,
		  const struct mcim_iov *params, size_t n, uint8_t out[MCIM_KDF_OUT_LEN]);

/* The PLMN identity of MCC and MNC (NUL-terminated decimal text). */
mcim_err mcim_plmn_encode(const char *mcc, const char *mnc, uint8_t out[MCIM_PLMN_LEN]);

/* The serving network name of MCC and MNC, written NUL-terminated to out. */
mcim_err mcim_snn_build(const char *mcc, const char *mnc,
			char out[MCIM_SNN_PLMN_LEN + 1]);

/* KASME = KDF(CK||IK, 0x10, P0 = PLMN identity, P1 = SQN xor AK). */
mcim_err mcim_kdf_kasme(const uint8_t *ck, size_t ck_len, const uint8_t *ik,
			size_t ik_len, const uint8_t plmn[MCIM_PLMN_LEN],
			const uint8_t sqn_xor_ak[6], uint8_t kasme[MCIM_KASME_LEN]);

/* RES* (UE) or XRES* (HE): the 128 least significant bits of
 * KDF(CK||IK, 0x6B, P0 = SNN, P1 = RAND, P2 = RES or XRES), res_len 4..32 (the clause
 * lists 4..16 octets; TUAK's 256-bit RES is taken as it is). */
mcim_err mcim_kdf_res_star(const uint8_t *ck, size_t ck_len, const uint8_t *ik,
			   size_t ik_len, const char *snn, size_t snn_len,
			   const uint8_t rand[16], const uint8_t *res, size_t res_len,
			   uint8_t res_star[MCIM_RES_STAR_LEN]);

/* KAUSF = KDF(CK||IK, 0x6A, P0 = SNN, P1 = SQN xor AK). */
mcim_err mcim_kdf_kausf(const uint8_t *ck, size_t ck_len, const uint8_t *ik,
			size_t ik_len, const char *snn, size_t snn_len,
			const uint8_t sqn_xor_ak[6], uint8_t kausf[MCIM_KAUSF_LEN]);

/* KSEAF = KDF(KAUSF, 0x6C, P0 = SNN). */
mcim_err mcim_kdf_kseaf(const uint8_t kausf[MCIM_KAUSF_LEN], const char *snn,
			size_t snn_len, uint8_t kseaf[MCIM_KSEAF_LEN]);

/* HXRES* = the 128 least significant bits of SHA-256(RAND || XRES*). */
mcim_err mcim_kdf_hxres_star(const uint8_t rand[16],
			     const uint8_t xres_star[MCIM_RES_STAR_LEN],
			     uint8_t hxres_star[MCIM_HXRES_STAR_LEN]);

#endif
