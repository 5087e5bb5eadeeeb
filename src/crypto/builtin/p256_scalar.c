/*
 * Arithmetic mod n, the order of the P-256 base point, for ECDSA in the builtin
 * backend: range checks of private keys and signature halves, and the few
 * operations s = k^-1 (e + r d) and u1 = e / s, u2 = r / s need. Scalars are 4
 * little-endian 64-bit limbs. Products are Montgomery products (word-by-word
 * reduction with -n^-1 mod 2^64, on the carry helpers of p256_int.h); inversion is
 * Fermat's a^(n-2) with a fixed 4-bit window over the public exponent. Everything
 * runs in time independent of the values: the nonce k and the private key d pass
 * through here.
 */
#include "crypto/builtin/p256_int.h"
#include "mcim/bytes.h"

/* n = ffffffff 00000000 ffffffff ffffffff bce6faad a7179e84 f3b9cac2 fc632551
 * (FIPS 186-4 D.1.2.3), limbs little-endian. */
static const uint64_t sc_n[CRYPTO_P256_LIMBS] = {0xf3b9cac2fc632551, 0xbce6faada7179e84,
						 0xffffffffffffffff, 0xffffffff00000000};
/* -n^-1 mod 2^64. */
static const uint64_t sc_n0 = 0xccd1c8aaee00bc4f;
/* 2^512 mod n (enters Montgomery form) and 2^256 mod n (1 in Montgomery form). */
static const uint64_t sc_r2[CRYPTO_P256_LIMBS] = {0x83244c95be79eea2, 0x4699799c49bd6fa6,
						  0x2845b2392b6bec59, 0x66e12d94f3d95620};
static const uint64_t sc_one[CRYPTO_P256_LIMBS] = {0x0c46353d039cdaaf, 0x4319055258e8617b,
						   0, 0x00000000ffffffff};
/* n - 2, the inversion exponent. */
static const uint64_t sc_n_minus_2[CRYPTO_P256_LIMBS] = {
    0xf3b9cac2fc63254f, 0xbce6faada7179e84, 0xffffffffffffffff, 0xffffffff00000000};

void crypto_p256_sc_from_bytes(uint64_t r[CRYPTO_P256_LIMBS],
			       const uint8_t in[CRYPTO_P256_BYTES])
{
	for (int i = 0; i < CRYPTO_P256_LIMBS; i++) {
		uint64_t v = 0;

		for (int j = 0; j < 8; j++)
			v = v << 8 | in[CRYPTO_P256_BYTES - 8 - 8 * i + j];
		r[i] = v;
	}
}

void crypto_p256_sc_to_bytes(uint8_t out[CRYPTO_P256_BYTES],
			     const uint64_t a[CRYPTO_P256_LIMBS])
{
	for (int i = 0; i < CRYPTO_P256_LIMBS; i++)
		for (int j = 0; j < 8; j++)
			out[CRYPTO_P256_BYTES - 1 - 8 * i - j] =
			    (uint8_t)(a[i] >> (8 * j));
}

/* r = (hi * 2^256 + t) reduced once: the value (below 2n) minus n, plus n back
 * (selected by a mask) when that borrowed. */
static void sub_n_once(uint64_t r[CRYPTO_P256_LIMBS], const uint64_t t[CRYPTO_P256_LIMBS],
		       uint64_t hi)
{
	uint64_t d[CRYPTO_P256_LIMBS], w = 0, c = 0, mask;

	for (int i = 0; i < CRYPTO_P256_LIMBS; i++)
		d[i] = crypto_p256_sbb(t[i], sc_n[i], &w);
	(void)crypto_p256_sbb(hi, 0, &w);
	mask = 0 - w;
	for (int i = 0; i < CRYPTO_P256_LIMBS; i++)
		r[i] = crypto_p256_adc(d[i], sc_n[i] & mask, &c);
}

uint64_t crypto_p256_sc_in_range(const uint64_t a[CRYPTO_P256_LIMBS])
{
	uint64_t borrow = 0, any = a[0] | a[1] | a[2] | a[3];

	for (int i = 0; i < CRYPTO_P256_LIMBS; i++)
		(void)crypto_p256_sbb(a[i], sc_n[i], &borrow);
	/* a - n borrows exactly when a < n; any | -any has its top bit set when a != 0.
	 */
	return (0 - borrow) & (0 - ((any | (0 - any)) >> 63));
}

void crypto_p256_sc_reduce(uint64_t r[CRYPTO_P256_LIMBS],
			   const uint64_t a[CRYPTO_P256_LIMBS])
{
	sub_n_once(r, a, 0);
}

void crypto_p256_sc_neg(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS])
{
	uint64_t borrow = 0;

	for (int i = 0; i < CRYPTO_P256_LIMBS; i++)
		r[i] = crypto_p256_sbb(sc_n[i], a[i], &borrow);
}

void crypto_p256_sc_add(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS],
			const uint64_t b[CRYPTO_P256_LIMBS])
{
	uint64_t s[CRYPTO_P256_LIMBS], carry = 0;

	for (int i = 0; i < CRYPTO_P256_LIMBS; i++)
		s[i] = crypto_p256_adc(a[i], b[i], &carry);
	sub_n_once(r, s, carry);
}

/* One Montgomery reduction step on the window (t0 .. t4): adds m * n with m chosen
 * so that t0 becomes 0; returns the carry out of t4 (it belongs to the limb above). */
CRYPTO_P256_ALWAYS_INLINE uint64_t reduce_step(uint64_t *t0, uint64_t *t1, uint64_t *t2,
					       uint64_t *t3, uint64_t *t4)
{
	uint64_t m = *t0 * sc_n0, c, w = 0;

	(void)crypto_p256_mac(m, sc_n[0], *t0, 0, &c);
	*t1 = crypto_p256_mac(m, sc_n[1], *t1, c, &c);
	*t2 = crypto_p256_mac(m, sc_n[2], *t2, c, &c);
	*t3 = crypto_p256_mac(m, sc_n[3], *t3, c, &c);
	*t4 = crypto_p256_adc(*t4, c, &w);
	*t0 = 0;
	return w;
}

/* Operand scanning with the reduction interleaved (CIOS), as crypto_p256_fe_mul: the
 * accumulator stays below 2n * 2^64 and the result below 2n. */
void crypto_p256_sc_mul(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS],
			const uint64_t b[CRYPTO_P256_LIMBS])
{
	uint64_t b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
	uint64_t t0, t1, t2, t3, t4, t5, c, acc[CRYPTO_P256_LIMBS];

	t0 = crypto_p256_mac(a[0], b0, 0, 0, &c);
	t1 = crypto_p256_mac(a[0], b1, 0, c, &c);
	t2 = crypto_p256_mac(a[0], b2, 0, c, &c);
	t3 = crypto_p256_mac(a[0], b3, 0, c, &c);
	t4 = c;
	t5 = reduce_step(&t0, &t1, &t2, &t3, &t4);

	for (int i = 1; i < CRYPTO_P256_LIMBS; i++) {
		uint64_t ai = a[i], u0, u1, u2, u3, u4, w = 0;

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
	acc[0] = t1;
	acc[1] = t2;
	acc[2] = t3;
	acc[3] = t4;
	sub_n_once(r, acc, t5);
}

void crypto_p256_sc_to_mont(uint64_t r[CRYPTO_P256_LIMBS],
			    const uint64_t a[CRYPTO_P256_LIMBS])
{
	crypto_p256_sc_mul(r, a, sc_r2);
}

void crypto_p256_sc_inv(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS])
{
	/* pow[i] = a^i in Montgomery form. The exponent n - 2 is public, so the window
	 * values index the table freely. */
	uint64_t pow[16][CRYPTO_P256_LIMBS], acc[CRYPTO_P256_LIMBS];

	for (int i = 0; i < CRYPTO_P256_LIMBS; i++)
		pow[0][i] = sc_one[i];
	for (int i = 1; i < 16; i++)
		crypto_p256_sc_mul(pow[i], pow[i - 1], a);
	for (int i = 0; i < CRYPTO_P256_LIMBS; i++)
		acc[i] = pow[0][i];
	for (int w = 63; w >= 0; w--) {
		unsigned digit = (unsigned)(sc_n_minus_2[w / 16] >> (4 * (w % 16))) & 15u;

		for (int s = 0; s < 4; s++)
			crypto_p256_sc_mul(acc, acc, acc);
		if (digit != 0)
			crypto_p256_sc_mul(acc, acc, pow[digit]);
	}
	for (int i = 0; i < CRYPTO_P256_LIMBS; i++)
		r[i] = acc[i];
	mcim_wipe(pow, sizeof(pow));
	mcim_wipe(acc, sizeof(acc));
}

void crypto_p256_sc_cmov(uint64_t r[CRYPTO_P256_LIMBS],
			 const uint64_t a[CRYPTO_P256_LIMBS], uint64_t mask)
{
	for (int i = 0; i < CRYPTO_P256_LIMBS; i++)
		r[i] ^= (r[i] ^ a[i]) & mask;
}
