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
 * The key context holds the lanes that only depend on the subscriber (TOPc, K,
 * padding) and the ALGONAME/INSTANCE lane of each function, so compute() only places
 * RAND, SQN and AMF. The functions asked for in one call are independent
 * permutations and run two at a time through aka_keccak_f1600_x2(): an authentication
 * vector (f1 and f2345) or a resynchronisation (f1* and f5*) costs one vector pass on
 * CPUs with AVX2 or AVX-512. Both here and in prepare(), lanes are written one by one
 * rather than cleared in bulk: a 200-octet memset compiles to `rep stos`, whose
 * start-up alone cost more than the rest of prepare().
 */
#include <assert.h>
#include <string.h>

#include "aka_int.h"
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
	LANE_PAD_START = 12,
	LANE_PAD_END = 16,
	/* Outputs: MAC or RES from lane 0, CK from 4, IK from 8, AK from 12. */
	LANE_MAC_RES = 0,
	LANE_CK = 4,
	LANE_IK = 8,
	LANE_AK = 12,
};

/* Padding: 0x1f at INOUT[96], 0x80 at INOUT[135], the last octet of lane 16. */
#define PAD_START ((uint64_t)0x1f)
#define PAD_END	  ((uint64_t)0x80 << 56)

/* The functions, in the order of their ways in one pass. */
enum { FN_F1, FN_F1STAR, FN_F2345, FN_F5STAR, FN_COUNT };

static const unsigned fn_mask[FN_COUNT] = {
    MCIM_AKA_F1,
    MCIM_AKA_F1STAR,
    MCIM_AKA_F2345,
    MCIM_AKA_F5STAR,
};

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
	uint64_t base[AKA_KECCAK_LANES]; /* TOPc, K and padding; the rest zero */
	uint64_t name_lane[FN_COUNT];	 /* ALGONAME and INSTANCE of each function */
	uint8_t mac_len, res_len, ck_len, ik_len;
	uint8_t iterations;
};

_Static_assert(sizeof(struct tuak_state) <= MCIM_AKA_KEYCTX_STATE_MAX,
	       "TUAK state must fit the key context");

void mcim_tuak_default_params(struct mcim_tuak_params *params)
{
	assert(params != NULL);
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
static uint64_t be64(const uint8_t b[8])
{
	return (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 | (uint64_t)b[2] << 40 |
	       (uint64_t)b[3] << 32 | (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 |
	       (uint64_t)b[6] << 8 | b[7];
}

static void put_be64(uint8_t b[8], uint64_t v)
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
 * The inverse, from way w of st. A field shorter than a lane (a 32-bit RES, AK) is
 * the low end of its lane.
 */
static void get_field(uint8_t *f, size_t n, const struct aka_keccak_x2 *st, unsigned w,
		      size_t lane)
{
	if (n < 8) {
		uint64_t v = st->lane[lane][w];

		for (size_t i = 0; i < n; i++)
			f[n - 1 - i] = (uint8_t)(v >> (8 * i));
		return;
	}
	for (size_t j = 0; j < n / 8; j++)
		put_be64(f + n - 8 - 8 * j, st->lane[lane + j][w]);
}

/* INOUT[32] is INSTANCE and INOUT[33..40) ALGONAME reversed: in lane 4, the
 * big-endian value of ALGONAME || INSTANCE. */
static uint64_t name_lane(uint8_t instance)
{
	return ALGONAME_BE << 8 | instance;
}

/* The subscriber's lanes: TOPc, K (a 128-bit K leaves INOUT[80..96) zero), padding;
 * the name, RAND and SQN/AMF lanes zero. */
static void base_lanes(uint64_t base[AKA_KECCAK_LANES], const uint8_t topc[32],
		       const uint8_t *k, size_t k_len)
{
	put_field(base, LANE_TOPC, topc, 32);
	for (size_t i = LANE_NAME; i < LANE_K; i++)
		base[i] = 0;
	put_field(base, LANE_K, k, k_len);
	for (size_t i = LANE_K + k_len / 8; i < LANE_PAD_START; i++)
		base[i] = 0;
	base[LANE_PAD_START] = PAD_START;
	for (size_t i = LANE_PAD_START + 1; i < LANE_PAD_END; i++)
		base[i] = 0;
	base[LANE_PAD_END] = PAD_END;
	for (size_t i = LANE_PAD_END + 1; i < AKA_KECCAK_LANES; i++)
		base[i] = 0;
}

/* Both ways of st = base with RAND in place (the same for every function). */
static void load_ways(struct aka_keccak_x2 *st, const uint64_t base[AKA_KECCAK_LANES],
		      uint64_t rand_lo, uint64_t rand_hi)
{
	for (size_t i = 0; i < AKA_KECCAK_LANES; i++)
		for (unsigned w = 0; w < AKA_KECCAK_WAYS; w++)
			st->lane[i][w] = base[i];
	for (unsigned w = 0; w < AKA_KECCAK_WAYS; w++) {
		st->lane[LANE_RAND][w] = rand_lo;
		st->lane[LANE_RAND + 1][w] = rand_hi;
	}
}

/* The INSTANCE length field (bits 0x08..0x20) for a MAC or RES length. */
static uint8_t len_code(unsigned bits)
{
	switch (bits) {
	case 64:
		return 0x08;
	case 128:
		return 0x10;
	case 256:
		return 0x20;
	default:
		return 0x00; /* 32 bits, RES only */
	}
}

static int iterations_ok(unsigned iterations)
{
	return iterations >= 1 && iterations <= 255;
}

mcim_err mcim_tuak_topc(const uint8_t *k, size_t k_len, const uint8_t top[32],
			unsigned keccak_iterations, uint8_t topc[32])
{
	uint64_t in[AKA_KECCAK_LANES];
	struct aka_keccak_x2 st;

	assert(k != NULL && top != NULL && topc != NULL);
	if ((k_len != 16 && k_len != 32) || !iterations_ok(keccak_iterations))
		return MCIM_ERR_INVALID_ARG;
	/* TOP takes TOPc's place; RAND, AMF and SQN are zero (clause 6.1). */
	base_lanes(in, top, k, k_len);
	load_ways(&st, in, 0, 0);
	st.lane[LANE_NAME][0] = name_lane(k_len == 32 ? INST_K256 : 0);
	aka_keccak_f1600_x2(&st, 1, keccak_iterations);
	get_field(topc, 32, &st, 0, LANE_TOPC);
	mcim_wipe(in, sizeof(in));
	mcim_wipe(&st, sizeof(st));
	return MCIM_OK;
}

static int bits_in(unsigned bits, unsigned lo, unsigned hi)
{
	for (unsigned b = lo; b <= hi; b *= 2)
		if (bits == b)
			return 1;
	return 0;
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

	base_lanes(st->base, cred->opc, cred->k, cred->k_len);
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
		get_field(out->res, ts->res_len, st, w, LANE_MAC_RES);
		get_field(out->ck, ts->ck_len, st, w, LANE_CK);
		get_field(out->ik, ts->ik_len, st, w, LANE_IK);
		get_field(out->ak, MCIM_AKA_AK_LEN, st, w, LANE_AK);
		break;
	default:
		get_field(out->ak_s, MCIM_AKA_AK_LEN, st, w, LANE_AK);
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

		load_ways(&st, ts->base, rand_lo, rand_hi);
		for (unsigned w = 0; w < ways; w++) {
			st.lane[LANE_NAME][w] = ts->name_lane[fn[i + w]];
			if (fn[i + w] == FN_F1 || fn[i + w] == FN_F1STAR)
				st.lane[LANE_SQN_AMF][w] = sqn_amf;
		}
		aka_keccak_f1600_x2(&st, ways, ts->iterations);
		for (unsigned w = 0; w < ways; w++)
			get_outputs(out, ts, fn[i + w], &st, w);
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
