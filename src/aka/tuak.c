/*
 * TUAK (3GPP TS 35.231): TOPc, f1, f1*, f2, f3, f4, f5 and f5* on Keccak-f[1600].
 *
 * Every function builds the same 200-octet INOUT string (clause 6): TOPc, an INSTANCE
 * octet naming the function and its output lengths, ALGONAME "TUAK1.0", RAND, AMF and
 * SQN (f1 and f1* only, else zero), K, then the padding octets 0x1f at 96 and 0x80 at
 * 135; it applies Keccak-f[1600] keccak_iterations times and reads its outputs from
 * the front of the result. TUAK writes each field with its octets in reverse order and
 * reads its outputs the same way.
 *
 * The key context holds the lanes that only depend on the subscriber (TOPc and K) and
 * the ALGONAME/INSTANCE lane of each function; compute() writes lanes 0..11 of both
 * ways of a pass from them, RAND and SQN/AMF, each once, in straight-line code, and
 * aka_keccak_tuak_x2() supplies the padding lanes. The functions asked for in one call
 * are independent permutations and run two at a time: an authentication vector (f1
 * and f2345) or a resynchronisation (f1* and f5*) costs one vector pass on CPUs with
 * AVX2 or AVX-512.
 */
#include <string.h>

#include "aka_int.h"
#include "core/check.h"
#include "core/endian.h"
#include "keccak.h"
#include "mcim/bytes.h"

/* Where the fields start in INOUT, in lanes of 8 octets (clause 6). */
enum {
	LANE_TOPC = 0,
	LANE_NAME = 4, /* INSTANCE, ALGONAME */
	LANE_RAND = 5,
	LANE_SQN_AMF = 7,
	LANE_K = 8,
	/* Outputs: MAC or RES from lane 0, CK from 4, IK from 8, AK from 12. */
	LANE_MAC_RES = 0,
	LANE_CK = 4,
	LANE_IK = 8,
	LANE_AK = 12,
};

/* The functions, in the order of their ways in one pass. */
enum { FN_F1, FN_F1STAR, FN_F2345, FN_F5STAR, FN_COUNT };

static const unsigned fn_mask[FN_COUNT] = {
    MCIM_AKA_F1,
    MCIM_AKA_F1STAR,
    MCIM_AKA_F2345,
    MCIM_AKA_F5STAR,
};

/* SQN and AMF are input to f1 and f1* only (a mask for the SQN/AMF lane). */
static const uint64_t fn_sqn_amf[FN_COUNT] = {~(uint64_t)0, ~(uint64_t)0, 0, 0};

/* INSTANCE (clause 6): bit 0x01 for a 256-bit K; 0x02, 0x04 for 256-bit IK, CK. */
#define INST_F1	    0x00
#define INST_F1STAR 0x80
#define INST_F2345  0x40
#define INST_F5STAR 0xc0
#define INST_K256   0x01
#define INST_IK256  0x02
#define INST_CK256  0x04

/* ALGONAME "TUAK1.0" as a big-endian number. */
#define ALGONAME_BE                                                                      \
	((uint64_t)'T' << 48 | (uint64_t)'U' << 40 | (uint64_t)'A' << 32 |               \
	 (uint64_t)'K' << 24 | (uint64_t)'1' << 16 | (uint64_t)'.' << 8 | (uint64_t)'0')

struct tuak_state {
	uint64_t topc[4];	      /* lanes 0..3 */
	uint64_t k[4];		      /* lanes 8..11: K, zero past a 128-bit K */
	uint64_t name_lane[FN_COUNT]; /* ALGONAME and INSTANCE of each function */
	uint8_t mac_len, res_len, ck_len, ik_len;
	uint8_t iterations;
};

_Static_assert(AKA_KECCAK_WAYS == 2, "a pass runs two functions");
_Static_assert(LANE_K + 4 == AKA_TUAK_SET_LANES, "K ends where the padding starts");
_Static_assert(sizeof(struct tuak_state) <= MCIM_AKA_KEYCTX_STATE_MAX,
	       "TUAK state must fit the key context");

void mcim_tuak_default_params(struct mcim_tuak_params *params)
{
	MCIM_ASSERT(params != NULL);
	memset(params, 0, sizeof(*params));
	params->mac_bits = 64;
	params->res_bits = 64;
	params->ck_bits = 128;
	params->ik_bits = 128;
	params->keccak_iterations = 1;
}

/*
 * Big-endian lanes written as one expression, which compilers turn into a byte swap;
 * the loops of core/endian.h stay loops here, at a cost comparable to the rest of
 * prepare().
 */
static inline uint64_t be64(const uint8_t b[8])
{
	return (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 | (uint64_t)b[2] << 40 |
	       (uint64_t)b[3] << 32 | (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 |
	       (uint64_t)b[6] << 8 | b[7];
}

static inline void put_be64(uint8_t b[8], uint64_t v)
{
	b[0] = (uint8_t)(v >> 56);
	b[1] = (uint8_t)(v >> 48);
	b[2] = (uint8_t)(v >> 40);
	b[3] = (uint8_t)(v >> 32);
	b[4] = (uint8_t)(v >> 24);
	b[5] = (uint8_t)(v >> 16);
	b[6] = (uint8_t)(v >> 8);
	b[7] = (uint8_t)v;
}

/*
 * TUAK writes a field into INOUT last octet first, and lane i holds INOUT[8i..8i+8)
 * least significant first: so a field of n octets (a multiple of 8) placed at lane l
 * puts the big-endian value of its octets n-8-8j..n-1-8j in lane l + j.
 */
static void put_field(uint64_t *lanes, size_t lane, const uint8_t *f, size_t n)
{
	for (size_t j = 0; j < n / 8; j++)
		lanes[lane + j] = be64(f + n - 8 - 8 * j);
}

/*
 * The inverse, from way w of st, for a field of n = 8, 16 or 32 octets; a field shorter
 * than a lane (a 32-bit RES, AK) is the low end of its lane: put_low().
 */
static inline void get_field(uint8_t *f, size_t n, const struct aka_keccak_x2 *st,
			     unsigned w, size_t lane)
{
	for (size_t j = 0; j < n / 8; j++)
		put_be64(f + n - 8 - 8 * j, st->lane[lane + j][w]);
}

static void put_low(uint8_t *f, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++)
		f[n - 1 - i] = (uint8_t)(v >> (8 * i));
}

/* INOUT[32] is INSTANCE and INOUT[33..40) ALGONAME reversed: in lane 4, the
 * big-endian value of ALGONAME || INSTANCE. */
static uint64_t name_lane(uint8_t instance)
{
	return ALGONAME_BE << 8 | instance;
}

/* The subscriber's lanes: TOPc (or TOP), and K (a 128-bit K leaves lanes 10, 11 zero). */
static void key_lanes(uint64_t topc_lanes[4], uint64_t k_lanes[4], const uint8_t topc[32],
		      const uint8_t *k, size_t k_len)
{
	put_field(topc_lanes, 0, topc, 32);
	put_field(k_lanes, 0, k, k_len);
	if (k_len == 16)
		k_lanes[2] = k_lanes[3] = 0;
}

static void set_lane(struct aka_keccak_x2 *st, size_t i, uint64_t way0, uint64_t way1)
{
	st->lane[i][0] = way0;
	st->lane[i][1] = way1;
}

/*
 * INOUT of two functions into the ways of st up to the padding, which
 * aka_keccak_tuak_x2() supplies: TOPc, each one's name lane, RAND, SQN/AMF (zero but
 * for f1 and f1*), K.
 */
static void load_pass(struct aka_keccak_x2 *st, const uint64_t topc[4],
		      const uint64_t k[4], const uint64_t name[2], uint64_t rand_lo,
		      uint64_t rand_hi, const uint64_t sqn_amf[2])
{
	for (size_t i = 0; i < 4; i++)
		set_lane(st, LANE_TOPC + i, topc[i], topc[i]);
	set_lane(st, LANE_NAME, name[0], name[1]);
	set_lane(st, LANE_RAND, rand_lo, rand_lo);
	set_lane(st, LANE_RAND + 1, rand_hi, rand_hi);
	set_lane(st, LANE_SQN_AMF, sqn_amf[0], sqn_amf[1]);
	for (size_t i = 0; i < 4; i++)
		set_lane(st, LANE_K + i, k[i], k[i]);
}

/*
 * The INSTANCE length field (bits 0x08..0x20) for a MAC or RES length: 0x08, 0x10, 0x20
 * for 64, 128, 256 bits, 0 for a 32-bit RES; that is the length in octets, masked.
 */
static uint8_t len_code(unsigned bits)
{
	return (uint8_t)((bits / 8) & 0x38);
}

static int iterations_ok(unsigned iterations)
{
	return iterations >= 1 && iterations <= 255;
}

mcim_err mcim_tuak_topc(const uint8_t *k, size_t k_len, const uint8_t top[32],
			unsigned keccak_iterations, uint8_t topc[32])
{
	uint64_t top_lanes[4], k_lanes[4], name[2];
	static const uint64_t no_sqn_amf[2] = {0, 0};
	struct aka_keccak_x2 st;

	MCIM_ASSERT(k != NULL && top != NULL && topc != NULL);
	if ((k_len != 16 && k_len != 32) || !iterations_ok(keccak_iterations))
		return MCIM_ERR_INVALID_ARG;
	/* TOP takes TOPc's place; RAND, AMF and SQN are zero (clause 6.1). */
	key_lanes(top_lanes, k_lanes, top, k, k_len);
	name[0] = name[1] = name_lane(k_len == 32 ? INST_K256 : 0);
	load_pass(&st, top_lanes, k_lanes, name, 0, 0, no_sqn_amf);
	aka_keccak_tuak_x2(&st, 1, keccak_iterations);
	get_field(topc, 32, &st, 0, LANE_TOPC);
	mcim_wipe(top_lanes, sizeof(top_lanes));
	mcim_wipe(k_lanes, sizeof(k_lanes));
	mcim_wipe(&st, sizeof(st));
	return MCIM_OK;
}

/* bits is a power of two in lo..hi. */
static int bits_in(unsigned bits, unsigned lo, unsigned hi)
{
	return bits >= lo && bits <= hi && (bits & (bits - 1)) == 0;
}

static mcim_err tuak_check(const struct mcim_aka_cred *cred)
{
	const struct mcim_tuak_params *p = &cred->params.tuak;

	if (cred->k_len != 16 && cred->k_len != 32)
		return MCIM_ERR_INVALID_ARG;
	if (!bits_in(p->mac_bits, 64, 256) || !bits_in(p->res_bits, 32, 256) ||
	    !bits_in(p->ck_bits, 128, 256) || !bits_in(p->ik_bits, 128, 256))
		return MCIM_ERR_INVALID_ARG;
	return iterations_ok(p->keccak_iterations) ? MCIM_OK : MCIM_ERR_INVALID_ARG;
}

static void tuak_prepare(struct mcim_aka_keyctx *kc, const struct mcim_aka_cred *cred)
{
	struct tuak_state *st = (struct tuak_state *)kc->state;
	const struct mcim_tuak_params *p = &cred->params.tuak;
	uint8_t k256 = cred->k_len == 32 ? INST_K256 : 0;
	uint8_t mac = len_code(p->mac_bits);
	uint8_t f2345 = (uint8_t)(INST_F2345 | len_code(p->res_bits) |
				  (p->ck_bits == 256 ? INST_CK256 : 0) |
				  (p->ik_bits == 256 ? INST_IK256 : 0));

	key_lanes(st->topc, st->k, cred->opc, cred->k, cred->k_len);
	st->name_lane[FN_F1] = name_lane((uint8_t)(INST_F1 | mac | k256));
	st->name_lane[FN_F1STAR] = name_lane((uint8_t)(INST_F1STAR | mac | k256));
	st->name_lane[FN_F2345] = name_lane((uint8_t)(f2345 | k256));
	st->name_lane[FN_F5STAR] = name_lane((uint8_t)(INST_F5STAR | k256));
	st->mac_len = (uint8_t)(p->mac_bits / 8);
	st->res_len = (uint8_t)(p->res_bits / 8);
	st->ck_len = (uint8_t)(p->ck_bits / 8);
	st->ik_len = (uint8_t)(p->ik_bits / 8);
	st->iterations = p->keccak_iterations;
}

/* The outputs of function f from way w of st. */
static void get_outputs(struct mcim_aka_out *out, const struct tuak_state *ts, int f,
			const struct aka_keccak_x2 *st, unsigned w)
{
	switch (f) {
	case FN_F1:
		get_field(out->mac_a, ts->mac_len, st, w, LANE_MAC_RES);
		break;
	case FN_F1STAR:
		get_field(out->mac_s, ts->mac_len, st, w, LANE_MAC_RES);
		break;
	case FN_F2345:
		if (ts->res_len < 8)
			put_low(out->res, ts->res_len, st->lane[LANE_MAC_RES][w]);
		else
			get_field(out->res, ts->res_len, st, w, LANE_MAC_RES);
		get_field(out->ck, ts->ck_len, st, w, LANE_CK);
		get_field(out->ik, ts->ik_len, st, w, LANE_IK);
		mcim_store_be48(out->ak, st->lane[LANE_AK][w]);
		break;
	default:
		mcim_store_be48(out->ak_s, st->lane[LANE_AK][w]);
		break;
	}
}

static mcim_err tuak_compute(const struct mcim_aka_keyctx *kc, unsigned fns,
			     const uint8_t rand[16], const uint8_t sqn[6],
			     const uint8_t amf[2], struct mcim_aka_out *out)
{
	const struct tuak_state *ts = (const struct tuak_state *)kc->state;
	struct aka_keccak_x2 st;
	uint64_t rand_lo = be64(rand + 8), rand_hi = be64(rand);
	/* AMF then SQN, each reversed: the big-endian value of SQN || AMF. */
	uint64_t sqn_amf = (fns & (MCIM_AKA_F1 | MCIM_AKA_F1STAR))
			       ? mcim_load_be48(sqn) << 16 | mcim_load_be16(amf)
			       : 0;
	int fn[FN_COUNT];
	unsigned n = 0;

	for (int f = 0; f < FN_COUNT; f++)
		if (fns & fn_mask[f])
			fn[n++] = f;
	out->mac_len = ts->mac_len;
	out->res_len = ts->res_len;
	out->ck_len = ts->ck_len;
	out->ik_len = ts->ik_len;
	for (unsigned i = 0; i < n; i += AKA_KECCAK_WAYS) {
		unsigned ways = n - i < AKA_KECCAK_WAYS ? n - i : AKA_KECCAK_WAYS;
		/* With one function, way 1 repeats it: the pass reads both. */
		int f0 = fn[i], f1 = fn[i + ways - 1];
		const uint64_t name[AKA_KECCAK_WAYS] = {ts->name_lane[f0],
							ts->name_lane[f1]};
		const uint64_t sa[AKA_KECCAK_WAYS] = {sqn_amf & fn_sqn_amf[f0],
						      sqn_amf & fn_sqn_amf[f1]};

		load_pass(&st, ts->topc, ts->k, name, rand_lo, rand_hi, sa);
		aka_keccak_tuak_x2(&st, ways, ts->iterations);
		get_outputs(out, ts, f0, &st, 0);
		if (ways > 1)
			get_outputs(out, ts, f1, &st, 1);
	}
	mcim_wipe(&st, sizeof(st));
	return MCIM_OK;
}

const struct mcim_aka_alg aka_tuak = {
    .id = MCIM_AKA_TUAK,
    .name = "tuak",
    .check = tuak_check,
    .prepare = tuak_prepare,
    .compute = tuak_compute,
};
