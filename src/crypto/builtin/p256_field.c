/*
 * Arithmetic mod p = 2^256 - 2^224 + 2^192 + 2^96 - 1, the P-256 field, for the
 * builtin backend. Elements are 4 little-endian 64-bit limbs in Montgomery form
 * (a * 2^256 mod p), always fully reduced below p, so equality is equality of limbs.
 *
 * Montgomery reduction is cheap for this p: p = -1 mod 2^64, so the factor that
 * clears the low limb is the low limb itself (m = t0), and m * p, seen from the next
 * limb up, is m * 2^32 + m * (2^64 - 2^32 + 1) * 2^128: one 64x64 product per limb
 * of reduction instead of four. Products use unsigned __int128.
 *
 * Everything here runs in time independent of the values: carries are arithmetic,
 * the final subtractions select by masks, inversion is a fixed addition chain.
 * crypto_p256_fe_bytes_ok alone is variable time (it checks public encodings).
 */
#include <string.h>

#include "crypto/builtin/p256_int.h"
#include "mcim/bytes.h"

/* 2^512 mod p: multiplying by it enters Montgomery form. */
static const uint64_t fe_r2[CRYPTO_P256_LIMBS] = {0x0000000000000003, 0xfffffffbffffffff,
						  0xfffffffffffffffe, 0x00000004fffffffd};

const uint64_t crypto_p256_fe_one[CRYPTO_P256_LIMBS] = {
    0x0000000000000001, 0xffffffff00000000, 0xffffffffffffffff, 0x00000000fffffffe};
/* b = 5ac635d8 aa3a93e7 b3ebbd55 769886bc 651d06b0 cc53b0f6 3bce3c3e 27d2604b (FIPS
 * 186-4 D.1.2.3) times 2^256 mod p. */
const uint64_t crypto_p256_fe_b[CRYPTO_P256_LIMBS] = {
    0xd89cdf6229c4bddf, 0xacf005cd78843090, 0xe5a220abf7212ed6, 0xdc30061d04874834};

/*
 * One step of Montgomery reduction on the 5-limb window (t0 .. t4) of a larger sum:
 * adds m * p with m = t0, which clears t0, and returns the carry out of t4 (it
 * belongs to the limb above). Because t0 + m * p0 = m * 2^64 and m * p1 = m * 2^32
 * - m, limb 1 receives exactly m * 2^32; limb 2 nothing (p2 = 0); limb 3 m * p3.
 */
CRYPTO_P256_ALWAYS_INLINE uint64_t reduce_step(uint64_t *t0, uint64_t *t1, uint64_t *t2,
					       uint64_t *t3, uint64_t *t4)
{
	uint64_t m = *t0, lo = m << 32, hi = m >> 32, c;

	*t1 += lo;
	hi += *t1 < lo;
	*t2 += hi;
	c = *t2 < hi;
	*t3 = crypto_p256_mac(m, CRYPTO_P256_P3, *t3, c, &c);
	*t4 += c;
	*t0 = 0;
	return *t4 < c;
}

/*
 * Montgomery multiplication, operand scanning with the reduction interleaved
 * (CIOS): for each limb of a, add a_i * b to the 5-limb accumulator, then one
 * reduction step, then shift down a limb. The accumulator stays below 2p * 2^64, so
 * one bit above the 5 limbs suffices, and the result below 2p needs one conditional
 * subtraction. Straight-line code on locals: the compiler keeps them in registers.
 */
void crypto_p256_fe_mul(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS],
			const uint64_t b[CRYPTO_P256_LIMBS])
{
	uint64_t b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
	uint64_t t0, t1, t2, t3, t4, t5, c;

	t0 = crypto_p256_mac(a[0], b0, 0, 0, &c);
	t1 = crypto_p256_mac(a[0], b1, 0, c, &c);
	t2 = crypto_p256_mac(a[0], b2, 0, c, &c);
	t3 = crypto_p256_mac(a[0], b3, 0, c, &c);
	t4 = c;
	t5 = reduce_step(&t0, &t1, &t2, &t3, &t4);

	for (int i = 1; i < CRYPTO_P256_LIMBS; i++) {
		uint64_t ai = a[i], u0, u1, u2, u3, u4, w = 0;

		/* Shift down a limb while adding a_i * b. */
		u0 = crypto_p256_mac(ai, b0, t1, 0, &c);
		u1 = crypto_p256_mac(ai, b1, t2, c, &c);
		u2 = crypto_p256_mac(ai, b2, t3, c, &c);
		u3 = crypto_p256_mac(ai, b3, t4, c, &c);
		u4 = crypto_p256_adc(t5, c, &w);
		t5 = reduce_step(&u0, &u1, &u2, &u3, &u4) + w;
		t1 = u1;
		t2 = u2;
		t3 = u3;
		t4 = u4;
	}
	crypto_p256_fe_reduce_once(r, t1, t2, t3, t4, t5);
}

/* The cross products a_i a_j (i < j) once, doubled, plus the squares a_i^2 (10
 * multiplications instead of 16), then four reduction steps. */
void crypto_p256_fe_sqr(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS])
{
	uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
	uint64_t t0, t1, t2, t3, t4, t5, t6, t7, c, h, top;

	t1 = crypto_p256_mac(a0, a1, 0, 0, &c);
	t2 = crypto_p256_mac(a0, a2, 0, c, &c);
	t3 = crypto_p256_mac(a0, a3, 0, c, &t4);
	t3 = crypto_p256_mac(a1, a2, t3, 0, &c);
	t4 = crypto_p256_mac(a1, a3, t4, c, &t5);
	t5 = crypto_p256_mac(a2, a3, t5, 0, &t6);

	t7 = t6 >> 63;
	t6 = t6 << 1 | t5 >> 63;
	t5 = t5 << 1 | t4 >> 63;
	t4 = t4 << 1 | t3 >> 63;
	t3 = t3 << 1 | t2 >> 63;
	t2 = t2 << 1 | t1 >> 63;
	t1 <<= 1;

	t0 = crypto_p256_mac(a0, a0, 0, 0, &h);
	c = 0;
	t1 = crypto_p256_adc(t1, h, &c);
	t2 = crypto_p256_mac(a1, a1, t2, c, &h);
	c = 0;
	t3 = crypto_p256_adc(t3, h, &c);
	t4 = crypto_p256_mac(a2, a2, t4, c, &h);
	c = 0;
	t5 = crypto_p256_adc(t5, h, &c);
	t6 = crypto_p256_mac(a3, a3, t6, c, &h);
	t7 += h;

	/* Each step's carry out of its window's top limb goes into the limb above. */
	c = 0;
	top = reduce_step(&t0, &t1, &t2, &t3, &t4);
	t5 = crypto_p256_adc(t5, top, &c);
	top = reduce_step(&t1, &t2, &t3, &t4, &t5);
	t6 = crypto_p256_adc(t6, top + c, &c);
	top = reduce_step(&t2, &t3, &t4, &t5, &t6);
	t7 = crypto_p256_adc(t7, top + c, &c);
	top = reduce_step(&t3, &t4, &t5, &t6, &t7);
	crypto_p256_fe_reduce_once(r, t4, t5, t6, t7, top + c);
}

/* r = a^(2^n). */
static void sqr_n(uint64_t r[CRYPTO_P256_LIMBS], const uint64_t a[CRYPTO_P256_LIMBS],
		  int n)
{
	crypto_p256_fe_sqr(r, a);
	for (int i = 1; i < n; i++)
		crypto_p256_fe_sqr(r, r);
}

/*
 * p - 2 in binary, from the top: 32 ones, 31 zeros, a one, 96 zeros, 94 ones, 0, 1.
 * With x_k = a^(2^k - 1) (k ones), built by x_2k = x_k^(2^k) * x_k, the chain shifts
 * the accumulated exponent left and multiplies the next run of ones in: 255
 * squarings and 13 multiplications, the same sequence for every input.
 */
void crypto_p256_fe_inv(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS])
{
	uint64_t x2[CRYPTO_P256_LIMBS], x4[CRYPTO_P256_LIMBS], x8[CRYPTO_P256_LIMBS],
	    x16[CRYPTO_P256_LIMBS], x32[CRYPTO_P256_LIMBS], t[CRYPTO_P256_LIMBS];

	sqr_n(t, a, 1);
	crypto_p256_fe_mul(x2, t, a);
	sqr_n(t, x2, 2);
	crypto_p256_fe_mul(x4, t, x2);
	sqr_n(t, x4, 4);
	crypto_p256_fe_mul(x8, t, x4);
	sqr_n(t, x8, 8);
	crypto_p256_fe_mul(x16, t, x8);
	sqr_n(t, x16, 16);
	crypto_p256_fe_mul(x32, t, x16);

	/* 32 ones, then 31 zeros and a one. */
	sqr_n(t, x32, 32);
	crypto_p256_fe_mul(t, t, a);
	/* 96 zeros, then 94 ones = 32 + 32 + 16 + 8 + 4 + 2. */
	sqr_n(t, t, 96 + 32);
	crypto_p256_fe_mul(t, t, x32);
	sqr_n(t, t, 32);
	crypto_p256_fe_mul(t, t, x32);
	sqr_n(t, t, 16);
	crypto_p256_fe_mul(t, t, x16);
	sqr_n(t, t, 8);
	crypto_p256_fe_mul(t, t, x8);
	sqr_n(t, t, 4);
	crypto_p256_fe_mul(t, t, x4);
	sqr_n(t, t, 2);
	crypto_p256_fe_mul(t, t, x2);
	/* Then 0, 1. */
	sqr_n(t, t, 2);
	crypto_p256_fe_mul(r, t, a);
}

static void limbs_from_bytes(uint64_t r[CRYPTO_P256_LIMBS],
			     const uint8_t in[CRYPTO_P256_BYTES])
{
	for (int i = 0; i < CRYPTO_P256_LIMBS; i++) {
		uint64_t v = 0;

		for (int j = 0; j < 8; j++)
			v = v << 8 | in[CRYPTO_P256_BYTES - 8 - 8 * i + j];
		r[i] = v;
	}
}

static void limbs_to_bytes(uint8_t out[CRYPTO_P256_BYTES],
			   const uint64_t a[CRYPTO_P256_LIMBS])
{
	for (int i = 0; i < CRYPTO_P256_LIMBS; i++)
		for (int j = 0; j < 8; j++)
			out[CRYPTO_P256_BYTES - 1 - 8 * i - j] =
			    (uint8_t)(a[i] >> (8 * j));
}

int crypto_p256_fe_bytes_ok(const uint8_t in[CRYPTO_P256_BYTES])
{
	static const uint64_t fe_p[CRYPTO_P256_LIMBS] = {CRYPTO_P256_P0, CRYPTO_P256_P1,
							 0, CRYPTO_P256_P3};
	uint8_t p[CRYPTO_P256_BYTES];

	limbs_to_bytes(p, fe_p);
	return memcmp(in, p, sizeof(p)) < 0;
}

void crypto_p256_fe_from_bytes(uint64_t r[CRYPTO_P256_LIMBS],
			       const uint8_t in[CRYPTO_P256_BYTES])
{
	uint64_t a[CRYPTO_P256_LIMBS];

	limbs_from_bytes(a, in);
	crypto_p256_fe_mul(r, a, fe_r2);
}

void crypto_p256_fe_to_bytes(uint8_t out[CRYPTO_P256_BYTES],
			     const uint64_t a[CRYPTO_P256_LIMBS])
{
	static const uint64_t one[CRYPTO_P256_LIMBS] = {1, 0, 0, 0};
	uint64_t r[CRYPTO_P256_LIMBS];

	/* a * 2^256 times 1, divided by 2^256. */
	crypto_p256_fe_mul(r, a, one);
	limbs_to_bytes(out, r);
	/* The coordinate may be a shared secret (ECDH). */
	mcim_wipe(r, sizeof(r));
}
