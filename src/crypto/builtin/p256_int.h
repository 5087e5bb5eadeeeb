/*
 * Internal: the P-256 arithmetic of the builtin backend (no OpenSSL), shared by the
 * files of src/crypto/builtin that implement the P-256 part of mcim/crypto.h.
 *
 * Layers, bottom up:
 * - p256_field.c: integers mod p in 4 little-endian 64-bit limbs, Montgomery form
 *   (a is held as a * 2^256 mod p), always fully reduced below p;
 * - p256_scalar.c: integers mod n (the group order), plain or Montgomery form;
 * - p256_point.c: points in projective coordinates (X:Y:Z), x = X/Z, y = Y/Z, with
 *   the complete formulas of Renes-Costello-Batina 2016, and the scalar
 *   multiplications (k * G on a precomputed table, k * Q by windows);
 * - p256_table.c: multiples of G for the fixed-base multiplication (generated);
 * - p256_rfc6979.c: the deterministic nonce generator of RFC 6979 section 3.2;
 * - p256.c, p256_ecdsa.c: the public functions.
 *
 * Every function that takes a secret (a scalar, a coordinate of a secret multiple)
 * runs in time independent of it: no branch and no memory index depends on it. The
 * exceptions say so ("variable time") and take public data only.
 *
 * Products are computed in unsigned __int128 (GCC and Clang on 64-bit targets); a
 * compiler without it cannot build this backend.
 */
#ifndef MCIM_CRYPTO_BUILTIN_P256_INT_H
#define MCIM_CRYPTO_BUILTIN_P256_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/crypto.h"
#include "mcim/rand.h"

#define CRYPTO_P256_LIMBS 4
#define CRYPTO_P256_BYTES 32

/* ---- The field: integers mod p = 2^256 - 2^224 + 2^192 + 2^96 - 1. ---- */

typedef unsigned __int128 crypto_p256_u128;

/* p in limbs: p0 = 2^64 - 1, p1 = 2^32 - 1, p2 = 0, p3 = 2^64 - 2^32 + 1. */
#define CRYPTO_P256_P0 0xffffffffffffffffu
#define CRYPTO_P256_P1 0x00000000ffffffffu
#define CRYPTO_P256_P3 0xffffffff00000001u

/* 1 in Montgomery form (2^256 mod p) and the curve's b in Montgomery form. */
extern const uint64_t crypto_p256_fe_one[CRYPTO_P256_LIMBS];
extern const uint64_t crypto_p256_fe_b[CRYPTO_P256_LIMBS];

/*
 * The carry and product helpers below are inlined whatever the optimisation level:
 * at -Os (the device profile) GCC 12 calls them instead, which made every operation
 * 2.2 times slower, and inlining them makes the code smaller, not larger.
 */
#define CRYPTO_P256_ALWAYS_INLINE static inline __attribute__((always_inline))

/*
 * Carry chains. On x86-64 the add-with-carry intrinsics: GCC 12 turns the portable
 * form below into flag round trips (an ECDH took 1.6 times as long with it).
 * Elsewhere, and in the tests' portable build (CRYPTO_P256_PORTABLE_CARRIES), carries are
 * comparisons, which compile to flag moves, not branches.
 */
#if defined(__x86_64__) && !defined(CRYPTO_P256_PORTABLE_CARRIES)
#include <x86intrin.h>
/* a + b + *carry; *carry (0 or 1) becomes the carry out. */
CRYPTO_P256_ALWAYS_INLINE uint64_t crypto_p256_adc(uint64_t a, uint64_t b,
						   uint64_t *carry)
{
	unsigned long long s;

	*carry = _addcarry_u64((unsigned char)*carry, a, b, &s);
	return s;
}

/* a - b - *borrow; *borrow (0 or 1) becomes the borrow out. */
CRYPTO_P256_ALWAYS_INLINE uint64_t crypto_p256_sbb(uint64_t a, uint64_t b,
						   uint64_t *borrow)
{
	unsigned long long d;

	*borrow = _subborrow_u64((unsigned char)*borrow, a, b, &d);
	return d;
}
#else
/* a + b + *carry; *carry (0 or 1) becomes the carry out. */
CRYPTO_P256_ALWAYS_INLINE uint64_t crypto_p256_adc(uint64_t a, uint64_t b,
						   uint64_t *carry)
{
	uint64_t s = a + b, c = s < b, t = s + *carry;

	*carry = c | (t < s);
	return t;
}

/* a - b - *borrow; *borrow (0 or 1) becomes the borrow out. */
CRYPTO_P256_ALWAYS_INLINE uint64_t crypto_p256_sbb(uint64_t a, uint64_t b,
						   uint64_t *borrow)
{
	uint64_t d = a - b, w = a < b, e = d - *borrow;

	*borrow = w | (d < *borrow);
	return e;
}
#endif

/* a * b + c + d as (return, *hi): at most (2^64 - 1)^2 + 2 (2^64 - 1) = 2^128 - 1.
 * Only the product is 128-bit: compilers handle 128-bit sums less well. */
CRYPTO_P256_ALWAYS_INLINE uint64_t crypto_p256_mac(uint64_t a, uint64_t b, uint64_t c,
						   uint64_t d, uint64_t *hi)
{
	crypto_p256_u128 t = (crypto_p256_u128)a * b;
	uint64_t lo = (uint64_t)t, h = (uint64_t)(t >> 64);

	lo += c;
	h += lo < c;
	lo += d;
	h += lo < d;
	*hi = h;
	return lo;
}

/* r = hi * 2^256 + (t0, t1, t2, t3) reduced once: the value (below 2p) minus p, plus
 * p back (selected by a mask) when that borrowed. */
static inline void crypto_p256_fe_reduce_once(uint64_t r[CRYPTO_P256_LIMBS], uint64_t t0,
					      uint64_t t1, uint64_t t2, uint64_t t3,
					      uint64_t hi)
{
	uint64_t w = 0, c = 0, d0, d1, d2, d3, mask;

	d0 = crypto_p256_sbb(t0, CRYPTO_P256_P0, &w);
	d1 = crypto_p256_sbb(t1, CRYPTO_P256_P1, &w);
	d2 = crypto_p256_sbb(t2, 0, &w);
	d3 = crypto_p256_sbb(t3, CRYPTO_P256_P3, &w);
	(void)crypto_p256_sbb(hi, 0, &w);
	mask = 0 - w;
	r[0] = crypto_p256_adc(d0, CRYPTO_P256_P0 & mask, &c);
	r[1] = crypto_p256_adc(d1, CRYPTO_P256_P1 & mask, &c);
	r[2] = crypto_p256_adc(d2, 0, &c);
	r[3] = crypto_p256_adc(d3, CRYPTO_P256_P3 & mask, &c);
}

/* The small operations are inline: the point formulas make about 20 of them per
 * addition, and a call would cost as much as the arithmetic. */
static inline void crypto_p256_fe_add(uint64_t r[CRYPTO_P256_LIMBS],
				      const uint64_t a[CRYPTO_P256_LIMBS],
				      const uint64_t b[CRYPTO_P256_LIMBS])
{
	uint64_t c = 0, s0, s1, s2, s3;

	s0 = crypto_p256_adc(a[0], b[0], &c);
	s1 = crypto_p256_adc(a[1], b[1], &c);
	s2 = crypto_p256_adc(a[2], b[2], &c);
	s3 = crypto_p256_adc(a[3], b[3], &c);
	crypto_p256_fe_reduce_once(r, s0, s1, s2, s3, c);
}

static inline void crypto_p256_fe_sub(uint64_t r[CRYPTO_P256_LIMBS],
				      const uint64_t a[CRYPTO_P256_LIMBS],
				      const uint64_t b[CRYPTO_P256_LIMBS])
{
	uint64_t w = 0, c = 0, d0, d1, d2, d3, mask;

	d0 = crypto_p256_sbb(a[0], b[0], &w);
	d1 = crypto_p256_sbb(a[1], b[1], &w);
	d2 = crypto_p256_sbb(a[2], b[2], &w);
	d3 = crypto_p256_sbb(a[3], b[3], &w);
	/* a < b: the difference wrapped around 2^256; adding p brings it back. */
	mask = 0 - w;
	r[0] = crypto_p256_adc(d0, CRYPTO_P256_P0 & mask, &c);
	r[1] = crypto_p256_adc(d1, CRYPTO_P256_P1 & mask, &c);
	r[2] = crypto_p256_adc(d2, 0, &c);
	r[3] = crypto_p256_adc(d3, CRYPTO_P256_P3 & mask, &c);
}

static inline void crypto_p256_fe_neg(uint64_t r[CRYPTO_P256_LIMBS],
				      const uint64_t a[CRYPTO_P256_LIMBS])
{
	static const uint64_t zero[CRYPTO_P256_LIMBS];

	crypto_p256_fe_sub(r, zero, a);
}

/* r = a where mask is all ones, r unchanged where it is 0 (mask: 0 or ~0). */
static inline void crypto_p256_fe_cmov(uint64_t r[CRYPTO_P256_LIMBS],
				       const uint64_t a[CRYPTO_P256_LIMBS], uint64_t mask)
{
	r[0] ^= (r[0] ^ a[0]) & mask;
	r[1] ^= (r[1] ^ a[1]) & mask;
	r[2] ^= (r[2] ^ a[2]) & mask;
	r[3] ^= (r[3] ^ a[3]) & mask;
}

/* All ones when a == 0, else 0. */
static inline uint64_t crypto_p256_fe_is_zero(const uint64_t a[CRYPTO_P256_LIMBS])
{
	uint64_t any = a[0] | a[1] | a[2] | a[3];

	/* any | -any has its top bit set exactly when any != 0. */
	return ((any | (0 - any)) >> 63) - 1;
}

/* Montgomery product a * b / 2^256 mod p: the product of two Montgomery forms. */
void crypto_p256_fe_mul(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS],
			const uint64_t b[CRYPTO_P256_LIMBS]);
void crypto_p256_fe_sqr(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS]);
/* a^(p-2) by a fixed addition chain: the inverse, and 0 for 0. */
void crypto_p256_fe_inv(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS]);
/* 1 when the 32 big-endian octets are a number below p (public data, variable time). */
int crypto_p256_fe_bytes_ok(const uint8_t in[CRYPTO_P256_BYTES]);
/* Big-endian octets (a number below p) to Montgomery form, and back. */
void crypto_p256_fe_from_bytes(uint64_t r[CRYPTO_P256_LIMBS],
			       const uint8_t in[CRYPTO_P256_BYTES]);
void crypto_p256_fe_to_bytes(uint8_t out[CRYPTO_P256_BYTES],
			     const uint64_t a[CRYPTO_P256_LIMBS]);

/* ---- Scalars: integers mod n, the order of G. ---- */

/* Big-endian octets to limbs (any 256-bit number), and back. */
void crypto_p256_sc_from_bytes(uint64_t r[CRYPTO_P256_LIMBS],
			       const uint8_t in[CRYPTO_P256_BYTES]);
void crypto_p256_sc_to_bytes(uint8_t out[CRYPTO_P256_BYTES],
			     const uint64_t a[CRYPTO_P256_LIMBS]);
/* All ones when 1 <= a <= n - 1, else 0. */
uint64_t crypto_p256_sc_in_range(const uint64_t a[CRYPTO_P256_LIMBS]);
/* a mod n for any a < 2^256 (one conditional subtraction: 2^256 < 2n). */
void crypto_p256_sc_reduce(uint64_t r[CRYPTO_P256_LIMBS],
			   const uint64_t a[CRYPTO_P256_LIMBS]);
/* r = n - a for 0 < a < n. */
void crypto_p256_sc_neg(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS]);
/* (a + b) mod n for a, b < n. */
void crypto_p256_sc_add(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS],
			const uint64_t b[CRYPTO_P256_LIMBS]);
/* Montgomery product a * b / 2^256 mod n (a, b < n): with one operand in Montgomery
 * form and the other plain, the result is the plain product. */
void crypto_p256_sc_mul(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS],
			const uint64_t b[CRYPTO_P256_LIMBS]);
/* Plain (below n) to Montgomery form. */
void crypto_p256_sc_to_mont(uint64_t r[CRYPTO_P256_LIMBS],
			    const uint64_t a[CRYPTO_P256_LIMBS]);
/* In Montgomery form: r = a^(n-2), the inverse of a (0 for 0). */
void crypto_p256_sc_inv(uint64_t r[CRYPTO_P256_LIMBS],
			const uint64_t a[CRYPTO_P256_LIMBS]);
/* r = a where mask is all ones (mask: 0 or ~0). */
void crypto_p256_sc_cmov(uint64_t r[CRYPTO_P256_LIMBS],
			 const uint64_t a[CRYPTO_P256_LIMBS], uint64_t mask);

/* ---- Points. ---- */

/* Projective (X:Y:Z) on Y^2 Z = X^3 - 3 X Z^2 + b Z^3; infinity is (0:1:0). */
struct crypto_p256_point {
	uint64_t x[CRYPTO_P256_LIMBS], y[CRYPTO_P256_LIMBS], z[CRYPTO_P256_LIMBS];
};
/* Affine (x, y); cannot hold the point at infinity. */
struct crypto_p256_affine {
	uint64_t x[CRYPTO_P256_LIMBS], y[CRYPTO_P256_LIMBS];
};

/* The fixed-base table (p256_table.c): entry [j][v - 1] is v * 2^(16 j) * G for
 * j = 0..15, v = 1..8, in Montgomery form. */
#define CRYPTO_P256_TABLE_ROWS	  16
#define CRYPTO_P256_TABLE_ENTRIES 8
extern const struct crypto_p256_affine crypto_p256_base_table[CRYPTO_P256_TABLE_ROWS]
							     [CRYPTO_P256_TABLE_ENTRIES];

/* The complete formulas (RCB 2016 Algorithms 4, 5, 6): any inputs, including
 * infinity and equal points; r may alias a or b. */
void crypto_p256_point_add(struct crypto_p256_point *r, const struct crypto_p256_point *a,
			   const struct crypto_p256_point *b);
void crypto_p256_point_add_affine(struct crypto_p256_point *r,
				  const struct crypto_p256_point *a,
				  const struct crypto_p256_affine *b);
void crypto_p256_point_double(struct crypto_p256_point *r,
			      const struct crypto_p256_point *a);

/* r = k * G for k < n; constant time. */
void crypto_p256_mul_base(struct crypto_p256_point *r,
			  const uint64_t k[CRYPTO_P256_LIMBS]);
/* r = k * q for any k < 2^256; constant time. */
void crypto_p256_mul(struct crypto_p256_point *r, const struct crypto_p256_affine *q,
		     const uint64_t k[CRYPTO_P256_LIMBS]);
/* The affine form of p (constant time); 0 when p is the point at infinity (a is then
 * (0, 0)), 1 otherwise. */
int crypto_p256_to_affine(struct crypto_p256_affine *a,
			  const struct crypto_p256_point *p);

/* Decodes 04 || X || Y: MCIM_ERR_INVALID_ARG unless the first octet is 04, X and Y
 * are below p and (X, Y) is on the curve. Public data, variable time. */
mcim_err crypto_p256_point_decode(struct crypto_p256_affine *a,
				  const uint8_t q[MCIM_P256_PUB_LEN]);
void crypto_p256_point_encode(uint8_t q[MCIM_P256_PUB_LEN],
			      const struct crypto_p256_affine *a);

/* ---- RFC 6979 nonces (HMAC_DRBG with SHA-256), with optional extra data. ---- */

struct crypto_p256_rfc6979 {
	uint8_t k[MCIM_SHA256_LEN], v[MCIM_SHA256_LEN]; /* secret */
	int drawn; /* a candidate was handed out: the next one reseeds first */
};

/* Steps a-g of RFC 6979 section 3.2 for the private key x and the digest h1; extra
 * (extra_len octets, may be empty) is the additional data k' of section 3.6, placed
 * after bits2octets(h1). */
void crypto_p256_rfc6979_init(struct crypto_p256_rfc6979 *g,
			      const uint8_t x[CRYPTO_P256_BYTES],
			      const uint8_t h1[MCIM_SHA256_LEN], const uint8_t *extra,
			      size_t extra_len);
/* The next candidate T (step h); the caller keeps it when 1 <= k <= n - 1 and the
 * signature it gives has r and s nonzero, and asks again otherwise. */
void crypto_p256_rfc6979_next(struct crypto_p256_rfc6979 *g,
			      uint8_t t[CRYPTO_P256_BYTES]);
/* Wipes g. */
void crypto_p256_rfc6979_wipe(struct crypto_p256_rfc6979 *g);

/* ---- The ECDSA and key generation cores, with their inputs exposed for tests. ---- */

/* ECDSA over a digest with the RFC 6979 nonce, extra as in crypto_p256_rfc6979_init
 * (mcim_p256_sign passes 32 fresh random octets). MCIM_ERR_INVALID_ARG when d is 0
 * or not below n. */
mcim_err crypto_p256_sign_digest(const struct mcim_p256_priv *priv,
				 const uint8_t digest[MCIM_SHA256_LEN],
				 const uint8_t *extra, size_t extra_len,
				 uint8_t sig[MCIM_P256_SIG_LEN]);

/* Key generation from rng (mcim_p256_keygen passes mcim_rng_system()): candidates
 * of 32 octets until one lies in [1, n - 1]; MCIM_ERR_RANDOM when rng fails or
 * CRYPTO_P256_KEYGEN_TRIES candidates in a row are out of range (a broken generator: a
 * good one misses with probability below 2^-32). */
#define CRYPTO_P256_KEYGEN_TRIES 64
mcim_err crypto_p256_keygen_rng(const struct mcim_rng *rng, struct mcim_p256_priv *priv,
				struct mcim_p256_pub *pub);

#endif
