/*
 * MILENAGE (3GPP TS 35.206): f1, f1*, f2, f3, f4, f5 and f5* on AES-128, with the
 * operator's r1..r5 and c1..c5. The key context holds the expanded AES key, OPc and
 * the OPc parts of the OUTi inputs, so an AuC serving a subscriber does that work once.
 *
 * With AES-NI, one function makes all five OUTi of a RAND: TEMP = E_K(RAND xor OPc),
 * then the five OUTi blocks interleaved round by round, so their latencies overlap
 * and a vector costs about two AES latencies. The rotations by ri run on SSE
 * registers on the block read as a 128-bit big-endian number. Without AES-NI, the
 * same values go through crypto_aes128_encrypt() (OpenSSL's EVP).
 *
 * The key schedule is made by prepare(), not on the fly in compute(): its dependency
 * chain then overlaps the caller's work between the two (drawing RAND, the SQN), and
 * expanding it inside compute() next to TEMP's rounds measured no faster.
 */
#include <string.h>

#include "aka_int.h"
#include "core/check.h"
#include "crypto/aes128.h"
#include "mcim/bytes.h"

/*
 * A 128-bit block read as a big-endian number, low half first: the layout of an SSE
 * register holding it, so the AES-NI kernel loads these directly.
 */
struct u128 {
	uint64_t lo, hi;
};

struct milenage_state {
	struct crypto_aes128 aes;
	_Alignas(16) uint8_t opc[16];
	/* rot(OPc, ri) xor ci: rotation is linear, so the OPc part of every OUTi input is
	 * fixed per subscriber and computed once here. */
	_Alignas(16) struct u128 opc_rot_c[5];
	uint8_t r[5];
};

_Static_assert(sizeof(struct milenage_state) <= MCIM_AKA_KEYCTX_STATE_MAX,
	       "MILENAGE state must fit the key context");

void mcim_milenage_default_consts(struct mcim_milenage_consts *consts)
{
	static const uint8_t r[5] = {64, 0, 32, 64, 96};

	MCIM_ASSERT(consts != NULL);
	memset(consts, 0, sizeof(*consts));
	memcpy(consts->r, r, sizeof(r));
	/* c1 = 0; c2..c5 have the single bit 1, 2, 4, 8 in the last octet. */
	for (int i = 1; i < 5; i++)
		consts->c[i][15] = (uint8_t)(1u << (i - 1));
}

mcim_err mcim_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16])
{
	struct crypto_aes128 aes;
	uint8_t out[16];
	mcim_err err;

	MCIM_ASSERT(k != NULL && op != NULL && opc != NULL);
	crypto_aes128_init(&aes, k);
	err = crypto_aes128_encrypt(&aes, op, out, 1);
	if (err == MCIM_OK)
		for (int i = 0; i < 16; i++)
			opc[i] = out[i] ^ op[i];
	crypto_aes128_wipe(&aes);
	mcim_wipe(out, sizeof(out));
	return err;
}

static uint64_t load_be64(const uint8_t b[8])
{
	return (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 | (uint64_t)b[2] << 40 |
	       (uint64_t)b[3] << 32 | (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 |
	       (uint64_t)b[6] << 8 | b[7];
}

static void store_be64(uint8_t b[8], uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
}

static struct u128 u128_load(const uint8_t b[16])
{
	struct u128 v = {load_be64(b + 8), load_be64(b)};
	return v;
}

static void u128_store(uint8_t b[16], struct u128 v)
{
	store_be64(b, v.hi);
	store_be64(b + 8, v.lo);
}

static struct u128 u128_xor(struct u128 a, struct u128 b)
{
	struct u128 v = {a.lo ^ b.lo, a.hi ^ b.hi};
	return v;
}

/* x rotated towards the most significant bit by r bits, 0 <= r < 128 (TS 35.206 4.1).
 * r is an operator constant, not a secret: branching on it leaks nothing. */
static struct u128 rot128(struct u128 x, unsigned r)
{
	struct u128 v;

	if (r >= 64) {
		uint64_t t = x.hi;
		x.hi = x.lo;
		x.lo = t;
		r -= 64;
	}
	if (r == 0)
		return x;
	v.hi = x.hi << r | x.lo >> (64 - r);
	v.lo = x.lo << r | x.hi >> (64 - r);
	return v;
}

/* IN1 = SQN || AMF || SQN || AMF as a number; both halves equal. */
static struct u128 in1_value(const uint8_t *sqn, const uint8_t *amf)
{
	uint64_t half = 0;
	struct u128 v;

	if (sqn != NULL)
		for (int i = 0; i < 6; i++)
			half = half << 8 | sqn[i];
	half <<= 16;
	if (amf != NULL)
		half |= (uint64_t)amf[0] << 8 | amf[1];
	v.lo = v.hi = half;
	return v;
}

static mcim_err milenage_check(const struct mcim_aka_cred *cred)
{
	for (int i = 0; i < 5; i++)
		if (cred->params.milenage.r[i] > 127)
			return MCIM_ERR_INVALID_ARG;
	return cred->k_len == 16 ? MCIM_OK : MCIM_ERR_INVALID_ARG;
}

/* Which OUTi (0-based) each function needs. */
enum { OUT1 = 0, OUT2, OUT3, OUT4, OUT5 };

static void set_lengths(struct mcim_aka_out *res)
{
	res->mac_len = 8;
	res->res_len = 8;
	res->ck_len = 16;
	res->ik_len = 16;
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define AESNI __attribute__((target("aes,ssse3")))

/* The octets of a block in reverse order: between AES's octet string and the number
 * the rotations work on. */
#define REVERSE _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

/* rot(x, r) on the number x; xs is x with its halves swapped (rot by 64). */
AESNI static inline __attribute__((always_inline)) __m128i rot_num(__m128i x, __m128i xs,
								   unsigned r)
{
	__m128i u = r >= 64 ? xs : x, v = r >= 64 ? x : xs;
	unsigned s = r & 63;

	/* A shift by 64 gives 0, so s = 0 needs no case of its own. */
	return _mm_or_si128(_mm_sll_epi64(u, _mm_cvtsi32_si128((int)s)),
			    _mm_srl_epi64(v, _mm_cvtsi32_si128((int)(64 - s))));
}

AESNI static void milenage_ni(const struct milenage_state *st, unsigned fns,
			      const uint8_t rand[16], const uint8_t *sqn,
			      const uint8_t *amf, struct mcim_aka_out *res)
{
	const __m128i *rk = (const __m128i *)st->aes.round_keys;
	const __m128i *orc = (const __m128i *)st->opc_rot_c;
	const __m128i reverse = REVERSE;
	__m128i opc = _mm_load_si128((const __m128i *)st->opc);
	__m128i t = _mm_xor_si128(_mm_loadu_si128((const __m128i *)rand), opc);
	struct u128 in1v = in1_value(sqn, amf);
	__m128i in1 = _mm_loadu_si128((const __m128i *)&in1v);
	__m128i b1, b2, b3, b4, b5, tn, tns;

	/* OUT1's input without TEMP: rot(IN1, r1) xor rot(OPc, r1) xor c1, computed
	 * while TEMP's rounds run (IN1's halves are equal, so it is its own swap). */
	in1 = _mm_shuffle_epi8(
	    _mm_xor_si128(rot_num(in1, in1, st->r[OUT1]), _mm_load_si128(orc + OUT1)),
	    reverse);
	t = _mm_xor_si128(t, rk[0]);
	for (int r = 1; r < 10; r++)
		t = _mm_aesenc_si128(t, rk[r]);
	t = _mm_aesenclast_si128(t, rk[10]);

	/* OUTi's input for i >= 2: rot(TEMP xor OPc, ri) xor ci. */
	tn = _mm_shuffle_epi8(t, reverse);
	tns = _mm_shuffle_epi32(tn, 0x4e);
	b1 = _mm_xor_si128(_mm_xor_si128(t, in1), rk[0]);
	b2 = _mm_xor_si128(
	    _mm_shuffle_epi8(_mm_xor_si128(rot_num(tn, tns, st->r[OUT2]), orc[OUT2]),
			     reverse),
	    rk[0]);
	b3 = _mm_xor_si128(
	    _mm_shuffle_epi8(_mm_xor_si128(rot_num(tn, tns, st->r[OUT3]), orc[OUT3]),
			     reverse),
	    rk[0]);
	b4 = _mm_xor_si128(
	    _mm_shuffle_epi8(_mm_xor_si128(rot_num(tn, tns, st->r[OUT4]), orc[OUT4]),
			     reverse),
	    rk[0]);
	b5 = _mm_xor_si128(
	    _mm_shuffle_epi8(_mm_xor_si128(rot_num(tn, tns, st->r[OUT5]), orc[OUT5]),
			     reverse),
	    rk[0]);
	/* All five blocks, whatever fns asks for: interleaved they cost about what one
	 * costs alone, and a branch-free kernel is simpler to trust. */
	for (int r = 1; r < 10; r++) {
		__m128i k = rk[r];
		b1 = _mm_aesenc_si128(b1, k);
		b2 = _mm_aesenc_si128(b2, k);
		b3 = _mm_aesenc_si128(b3, k);
		b4 = _mm_aesenc_si128(b4, k);
		b5 = _mm_aesenc_si128(b5, k);
	}
	b1 = _mm_xor_si128(_mm_aesenclast_si128(b1, rk[10]), opc);
	b2 = _mm_xor_si128(_mm_aesenclast_si128(b2, rk[10]), opc);
	b3 = _mm_xor_si128(_mm_aesenclast_si128(b3, rk[10]), opc);
	b4 = _mm_xor_si128(_mm_aesenclast_si128(b4, rk[10]), opc);
	b5 = _mm_xor_si128(_mm_aesenclast_si128(b5, rk[10]), opc);

	set_lengths(res);
	if (fns & MCIM_AKA_F1)
		_mm_storel_epi64((__m128i *)res->mac_a, b1);
	if (fns & MCIM_AKA_F1STAR)
		_mm_storel_epi64((__m128i *)res->mac_s, _mm_unpackhi_epi64(b1, b1));
	if (fns & MCIM_AKA_F2345) {
		uint64_t ak = (uint64_t)_mm_cvtsi128_si64(b2);

		/* AK is the first six octets of OUT2 (little-endian lane order). */
		for (int i = 0; i < MCIM_AKA_AK_LEN; i++)
			res->ak[i] = (uint8_t)(ak >> (8 * i));
		_mm_storel_epi64((__m128i *)res->res, _mm_unpackhi_epi64(b2, b2));
		_mm_storeu_si128((__m128i *)res->ck, b3);
		_mm_storeu_si128((__m128i *)res->ik, b4);
	}
	if (fns & MCIM_AKA_F5STAR) {
		uint64_t ak = (uint64_t)_mm_cvtsi128_si64(b5);

		for (int i = 0; i < MCIM_AKA_AK_LEN; i++)
			res->ak_s[i] = (uint8_t)(ak >> (8 * i));
	}
}

/* rot(OPc, ri) xor ci for the five OUTi, on SSE registers as in milenage_ni(). */
AESNI static void milenage_prepare_ni(struct milenage_state *st,
				      const struct mcim_milenage_consts *mc)
{
	const __m128i reverse = REVERSE;
	__m128i opcn =
	    _mm_shuffle_epi8(_mm_load_si128((const __m128i *)st->opc), reverse);
	__m128i opcs = _mm_shuffle_epi32(opcn, 0x4e);

	for (int i = 0; i < 5; i++) {
		__m128i c =
		    _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)mc->c[i]), reverse);
		_mm_storeu_si128((__m128i *)&st->opc_rot_c[i],
				 _mm_xor_si128(rot_num(opcn, opcs, mc->r[i]), c));
	}
}
#endif

static void milenage_outputs(const uint8_t out[5][16], unsigned fns,
			     struct mcim_aka_out *res)
{
	set_lengths(res);
	if (fns & MCIM_AKA_F1)
		memcpy(res->mac_a, out[OUT1], 8);
	if (fns & MCIM_AKA_F1STAR)
		memcpy(res->mac_s, out[OUT1] + 8, 8);
	if (fns & MCIM_AKA_F2345) {
		memcpy(res->ak, out[OUT2], 6);
		memcpy(res->res, out[OUT2] + 8, 8);
		memcpy(res->ck, out[OUT3], 16);
		memcpy(res->ik, out[OUT4], 16);
	}
	if (fns & MCIM_AKA_F5STAR)
		memcpy(res->ak_s, out[OUT5], 6);
}

/* The portable path: the same values, AES through crypto_aes128_encrypt() (EVP). */
static mcim_err milenage_portable(const struct milenage_state *st, unsigned fns,
				  const uint8_t rand[16], const uint8_t *sqn,
				  const uint8_t *amf, struct mcim_aka_out *res)
{
	uint8_t temp[16], blocks[5][16], out[5][16];
	struct u128 t, opc = u128_load(st->opc);
	int which[5], n = 0;
	mcim_err err;

	u128_store(temp, u128_xor(u128_load(rand), opc));
	err = crypto_aes128_encrypt(&st->aes, temp, temp, 1);
	if (err != MCIM_OK)
		goto done;
	t = u128_load(temp);

	if (fns & (MCIM_AKA_F1 | MCIM_AKA_F1STAR)) {
		/* OUT1's input: TEMP xor rot(IN1 xor OPc, r1) xor c1. */
		u128_store(blocks[n],
			   u128_xor(t, u128_xor(rot128(in1_value(sqn, amf), st->r[OUT1]),
						st->opc_rot_c[OUT1])));
		which[n++] = OUT1;
	}
	/* OUTi's input for i >= 2: rot(TEMP xor OPc, ri) xor ci. */
	if (fns & MCIM_AKA_F2345)
		for (int i = OUT2; i <= OUT4; i++) {
			u128_store(blocks[n],
				   u128_xor(rot128(t, st->r[i]), st->opc_rot_c[i]));
			which[n++] = i;
		}
	if (fns & MCIM_AKA_F5STAR) {
		u128_store(blocks[n],
			   u128_xor(rot128(t, st->r[OUT5]), st->opc_rot_c[OUT5]));
		which[n++] = OUT5;
	}
	if (n > 0) {
		err = crypto_aes128_encrypt(&st->aes, &blocks[0][0], &blocks[0][0],
					    (size_t)n);
		if (err != MCIM_OK)
			goto done;
	}
	for (int b = 0; b < n; b++)
		u128_store(out[which[b]], u128_xor(u128_load(blocks[b]), opc));
	milenage_outputs((const uint8_t(*)[16])out, fns, res);
done:
	t.hi = t.lo = opc.hi = opc.lo = 0;
	mcim_wipe(&t, sizeof(t));
	mcim_wipe(&opc, sizeof(opc));
	mcim_wipe(temp, sizeof(temp));
	mcim_wipe(blocks, sizeof(blocks));
	mcim_wipe(out, sizeof(out));
	return err;
}

static void milenage_prepare(struct mcim_aka_keyctx *kc, const struct mcim_aka_cred *cred)
{
	struct milenage_state *st = (struct milenage_state *)kc->state;
	const struct mcim_milenage_consts *mc = &cred->params.milenage;
	struct u128 opc;

	crypto_aes128_init(&st->aes, cred->k);
	memcpy(st->opc, cred->opc, 16);
	memcpy(st->r, mc->r, sizeof(st->r));
#if defined(__x86_64__) || defined(__i386__)
	if (st->aes.use_aesni) {
		milenage_prepare_ni(st, mc);
		return;
	}
#endif
	opc = u128_load(cred->opc);
	for (int i = 0; i < 5; i++)
		st->opc_rot_c[i] = u128_xor(rot128(opc, mc->r[i]), u128_load(mc->c[i]));
	opc.lo = opc.hi = 0;
	mcim_wipe(&opc, sizeof(opc));
}

static mcim_err milenage_compute(const struct mcim_aka_keyctx *kc, unsigned fns,
				 const uint8_t rand[16], const uint8_t sqn[6],
				 const uint8_t amf[2], struct mcim_aka_out *res)
{
	const struct milenage_state *st = (const struct milenage_state *)kc->state;

#if defined(__x86_64__) || defined(__i386__)
	if (st->aes.use_aesni) {
		milenage_ni(st, fns, rand, sqn, amf, res);
		return MCIM_OK;
	}
#endif
	return milenage_portable(st, fns, rand, sqn, amf, res);
}

const struct mcim_aka_alg aka_milenage = {
    .id = MCIM_AKA_MILENAGE,
    .name = "milenage",
    .check = milenage_check,
    .prepare = milenage_prepare,
    .compute = milenage_compute,
};
