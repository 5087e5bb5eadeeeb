/*
 * P-256 points for the builtin backend: the group law, scalar multiplication and the
 * uncompressed encoding.
 *
 * Points are projective (X:Y:Z) on Y^2 Z = X^3 - 3 X Z^2 + b Z^3, added by the
 * complete formulas of Renes, Costello and Batina ("Complete addition formulas for
 * prime order elliptic curves", EUROCRYPT 2016, Algorithms 4, 5 and 6, the a = -3
 * versions): one sequence of field operations gives the right sum for every pair of
 * points, equal points, opposite points and the point at infinity (0:1:0) included.
 * So no step of a multiplication branches on which case it met, and none needs a
 * special case to be correct.
 *
 * Scalar multiplications (constant time in the scalar):
 * - k * Q (ECDH, verification): signed 5-bit windows (Booth recoding, digits -16..16)
 *   over a table of Q..16Q; each window costs 5 doublings and one addition of an
 *   entry read by scanning the whole table with masks, then negated by a mask;
 * - k * G (key generation, signing, u1 * G of verification): signed 4-bit windows
 *   over the precomputed affine table v * 2^(16 j) * G (p256_table.c). The 64
 *   digits are split into four interleaved sets of 16 (digit 4j + b goes with row
 *   j): the sum for each b costs 16 mixed additions, and 12 doublings join the four:
 *   k * G in 64 additions and 12 doublings. The recoding needs bit 255 clear; a k
 *   with it set is replaced by n - k and the result negated, both by masks.
 *
 * The arrays that hold a secret for a whole multiplication (the accumulated point,
 * the table entry read for a digit, the recoded scalar) are wiped on the way out.
 */
#include <string.h>

#include "crypto/builtin/p256_int.h"
#include "mcim/bytes.h"

/* Window widths of the two multiplications, and their number of windows: the
 * signed recoding of a w-bit window needs one bit above the scalar to be zero. */
#define VAR_W	    5
#define VAR_WINDOWS 52 /* 5 * 52 = 260 > 256 */
#define VAR_TABLE   16 /* Q .. 2^(VAR_W - 1) Q */
#define BASE_W	    4
#define BASE_SETS   4 /* digits per row of the fixed-base table */

void crypto_p256_point_add(struct crypto_p256_point *r, const struct crypto_p256_point *a,
			   const struct crypto_p256_point *b)
{
	uint64_t t0[CRYPTO_P256_LIMBS], t1[CRYPTO_P256_LIMBS], t2[CRYPTO_P256_LIMBS],
	    t3[CRYPTO_P256_LIMBS], t4[CRYPTO_P256_LIMBS], x3[CRYPTO_P256_LIMBS],
	    y3[CRYPTO_P256_LIMBS], z3[CRYPTO_P256_LIMBS];

	/* RCB 2016, Algorithm 4 (a = -3): 12M + 2 multiplications by b. */
	crypto_p256_fe_mul(t0, a->x, b->x);
	crypto_p256_fe_mul(t1, a->y, b->y);
	crypto_p256_fe_mul(t2, a->z, b->z);
	crypto_p256_fe_add(t3, a->x, a->y);
	crypto_p256_fe_add(t4, b->x, b->y);
	crypto_p256_fe_mul(t3, t3, t4);
	crypto_p256_fe_add(t4, t0, t1);
	crypto_p256_fe_sub(t3, t3, t4);
	crypto_p256_fe_add(t4, a->y, a->z);
	crypto_p256_fe_add(x3, b->y, b->z);
	crypto_p256_fe_mul(t4, t4, x3);
	crypto_p256_fe_add(x3, t1, t2);
	crypto_p256_fe_sub(t4, t4, x3);
	crypto_p256_fe_add(x3, a->x, a->z);
	crypto_p256_fe_add(y3, b->x, b->z);
	crypto_p256_fe_mul(x3, x3, y3);
	crypto_p256_fe_add(y3, t0, t2);
	crypto_p256_fe_sub(y3, x3, y3);
	crypto_p256_fe_mul(z3, crypto_p256_fe_b, t2);
	crypto_p256_fe_sub(x3, y3, z3);
	crypto_p256_fe_add(z3, x3, x3);
	crypto_p256_fe_add(x3, x3, z3);
	crypto_p256_fe_sub(z3, t1, x3);
	crypto_p256_fe_add(x3, t1, x3);
	crypto_p256_fe_mul(y3, crypto_p256_fe_b, y3);
	crypto_p256_fe_add(t1, t2, t2);
	crypto_p256_fe_add(t2, t1, t2);
	crypto_p256_fe_sub(y3, y3, t2);
	crypto_p256_fe_sub(y3, y3, t0);
	crypto_p256_fe_add(t1, y3, y3);
	crypto_p256_fe_add(y3, t1, y3);
	crypto_p256_fe_add(t1, t0, t0);
	crypto_p256_fe_add(t0, t1, t0);
	crypto_p256_fe_sub(t0, t0, t2);
	crypto_p256_fe_mul(t1, t4, y3);
	crypto_p256_fe_mul(t2, t0, y3);
	crypto_p256_fe_mul(y3, x3, z3);
	crypto_p256_fe_add(y3, y3, t2);
	crypto_p256_fe_mul(x3, t3, x3);
	crypto_p256_fe_sub(x3, x3, t1);
	crypto_p256_fe_mul(z3, t4, z3);
	crypto_p256_fe_mul(t1, t3, t0);
	crypto_p256_fe_add(z3, z3, t1);
	memcpy(r->x, x3, sizeof(x3));
	memcpy(r->y, y3, sizeof(y3));
	memcpy(r->z, z3, sizeof(z3));
}

void crypto_p256_point_add_affine(struct crypto_p256_point *r,
				  const struct crypto_p256_point *a,
				  const struct crypto_p256_affine *b)
{
	uint64_t t0[CRYPTO_P256_LIMBS], t1[CRYPTO_P256_LIMBS], t2[CRYPTO_P256_LIMBS],
	    t3[CRYPTO_P256_LIMBS], t4[CRYPTO_P256_LIMBS], x3[CRYPTO_P256_LIMBS],
	    y3[CRYPTO_P256_LIMBS], z3[CRYPTO_P256_LIMBS];

	/* RCB 2016, Algorithm 5 (a = -3, b given with Z = 1): 11M + 2 by b. Complete
	 * for every a, as long as b is a point (affine b cannot be infinity). */
	crypto_p256_fe_mul(t0, a->x, b->x);
	crypto_p256_fe_mul(t1, a->y, b->y);
	crypto_p256_fe_add(t3, b->x, b->y);
	crypto_p256_fe_add(t4, a->x, a->y);
	crypto_p256_fe_mul(t3, t3, t4);
	crypto_p256_fe_add(t4, t0, t1);
	crypto_p256_fe_sub(t3, t3, t4);
	crypto_p256_fe_mul(t4, b->y, a->z);
	crypto_p256_fe_add(t4, t4, a->y);
	crypto_p256_fe_mul(y3, b->x, a->z);
	crypto_p256_fe_add(y3, y3, a->x);
	crypto_p256_fe_mul(z3, crypto_p256_fe_b, a->z);
	crypto_p256_fe_sub(x3, y3, z3);
	crypto_p256_fe_add(z3, x3, x3);
	crypto_p256_fe_add(x3, x3, z3);
	crypto_p256_fe_sub(z3, t1, x3);
	crypto_p256_fe_add(x3, t1, x3);
	crypto_p256_fe_mul(y3, crypto_p256_fe_b, y3);
	crypto_p256_fe_add(t1, a->z, a->z);
	crypto_p256_fe_add(t2, t1, a->z);
	crypto_p256_fe_sub(y3, y3, t2);
	crypto_p256_fe_sub(y3, y3, t0);
	crypto_p256_fe_add(t1, y3, y3);
	crypto_p256_fe_add(y3, t1, y3);
	crypto_p256_fe_add(t1, t0, t0);
	crypto_p256_fe_add(t0, t1, t0);
	crypto_p256_fe_sub(t0, t0, t2);
	crypto_p256_fe_mul(t1, t4, y3);
	crypto_p256_fe_mul(t2, t0, y3);
	crypto_p256_fe_mul(y3, x3, z3);
	crypto_p256_fe_add(y3, y3, t2);
	crypto_p256_fe_mul(x3, t3, x3);
	crypto_p256_fe_sub(x3, x3, t1);
	crypto_p256_fe_mul(z3, t4, z3);
	crypto_p256_fe_mul(t1, t3, t0);
	crypto_p256_fe_add(z3, z3, t1);
	memcpy(r->x, x3, sizeof(x3));
	memcpy(r->y, y3, sizeof(y3));
	memcpy(r->z, z3, sizeof(z3));
}

void crypto_p256_point_double(struct crypto_p256_point *r,
			      const struct crypto_p256_point *a)
{
	uint64_t t0[CRYPTO_P256_LIMBS], t1[CRYPTO_P256_LIMBS], t2[CRYPTO_P256_LIMBS],
	    t3[CRYPTO_P256_LIMBS], x3[CRYPTO_P256_LIMBS], y3[CRYPTO_P256_LIMBS],
	    z3[CRYPTO_P256_LIMBS];

	/* RCB 2016, Algorithm 6 (a = -3): 8M + 3S + 2 multiplications by b. */
	crypto_p256_fe_sqr(t0, a->x);
	crypto_p256_fe_sqr(t1, a->y);
	crypto_p256_fe_sqr(t2, a->z);
	crypto_p256_fe_mul(t3, a->x, a->y);
	crypto_p256_fe_add(t3, t3, t3);
	crypto_p256_fe_mul(z3, a->x, a->z);
	crypto_p256_fe_add(z3, z3, z3);
	crypto_p256_fe_mul(y3, crypto_p256_fe_b, t2);
	crypto_p256_fe_sub(y3, y3, z3);
	crypto_p256_fe_add(x3, y3, y3);
	crypto_p256_fe_add(y3, x3, y3);
	crypto_p256_fe_sub(x3, t1, y3);
	crypto_p256_fe_add(y3, t1, y3);
	crypto_p256_fe_mul(y3, x3, y3);
	crypto_p256_fe_mul(x3, x3, t3);
	crypto_p256_fe_add(t3, t2, t2);
	crypto_p256_fe_add(t2, t2, t3);
	crypto_p256_fe_mul(z3, crypto_p256_fe_b, z3);
	crypto_p256_fe_sub(z3, z3, t2);
	crypto_p256_fe_sub(z3, z3, t0);
	crypto_p256_fe_add(t3, z3, z3);
	crypto_p256_fe_add(z3, z3, t3);
	crypto_p256_fe_add(t3, t0, t0);
	crypto_p256_fe_add(t0, t3, t0);
	crypto_p256_fe_sub(t0, t0, t2);
	crypto_p256_fe_mul(t0, t0, z3);
	crypto_p256_fe_add(y3, y3, t0);
	crypto_p256_fe_mul(t0, a->y, a->z);
	crypto_p256_fe_add(t0, t0, t0);
	crypto_p256_fe_mul(z3, t0, z3);
	crypto_p256_fe_sub(x3, x3, z3);
	crypto_p256_fe_mul(z3, t0, t1);
	crypto_p256_fe_add(z3, z3, z3);
	crypto_p256_fe_add(z3, z3, z3);
	memcpy(r->x, x3, sizeof(x3));
	memcpy(r->y, y3, sizeof(y3));
	memcpy(r->z, z3, sizeof(z3));
}

static void point_set_infinity(struct crypto_p256_point *r)
{
	memset(r->x, 0, sizeof(r->x));
	memcpy(r->y, crypto_p256_fe_one, sizeof(r->y));
	memset(r->z, 0, sizeof(r->z));
}

/* All ones when a == b, else 0, without a branch. */
static uint64_t eq_mask(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ b;

	return ((x | (0 - x)) >> 63) - 1;
}

/*
 * The signed digit of the w-bit window of k that starts at bit pos (Booth
 * recoding): d = k[pos .. pos+w-2] + k[pos-1] - 2^(w-1) k[pos+w-1], in
 * [-2^(w-1), 2^(w-1)]; bits outside 0..255 count as 0. Returns |d| and sets *neg to
 * all ones when d < 0 (or d = 0 with the top bit set, which negates nothing). The
 * positions are public; the bits are read and combined with arithmetic only.
 */
static uint64_t booth_digit(const uint64_t k[CRYPTO_P256_LIMBS], int pos, unsigned w,
			    uint64_t *neg)
{
	uint64_t v = 0, u, top;

	for (unsigned j = 0; j <= w; j++) {
		int bit = pos - 1 + (int)j;

		if (bit >= 0 && bit < 64 * CRYPTO_P256_LIMBS)
			v |= ((k[bit / 64] >> (bit % 64)) & 1) << j;
	}
	/* v = k[pos-1] + 2 k[pos..pos+w-1]; u = (v + 1) / 2 is d + 2^w top. */
	top = v >> w;
	u = (v + 1) >> 1;
	*neg = 0 - top;
	return u + ((((uint64_t)1 << w) - 2 * u) & *neg);
}

/* r = the entry of magnitude mag (1..VAR_TABLE; 0 gives infinity) negated when neg,
 * reading every entry. */
static void select_point(struct crypto_p256_point *r,
			 const struct crypto_p256_point table[VAR_TABLE], uint64_t mag,
			 uint64_t neg)
{
	uint64_t ny[CRYPTO_P256_LIMBS];

	point_set_infinity(r);
	for (unsigned i = 0; i < VAR_TABLE; i++) {
		uint64_t m = eq_mask(mag, i + 1);

		crypto_p256_fe_cmov(r->x, table[i].x, m);
		crypto_p256_fe_cmov(r->y, table[i].y, m);
		crypto_p256_fe_cmov(r->z, table[i].z, m);
	}
	crypto_p256_fe_neg(ny, r->y);
	crypto_p256_fe_cmov(r->y, ny, neg);
}

void crypto_p256_mul(struct crypto_p256_point *r, const struct crypto_p256_affine *q,
		     const uint64_t k[CRYPTO_P256_LIMBS])
{
	struct crypto_p256_point table[VAR_TABLE], acc, sel;
	uint64_t mag, neg;

	/* table[i] = (i + 1) q: even multiples by doubling, odd ones by adding q. */
	memcpy(table[0].x, q->x, sizeof(q->x));
	memcpy(table[0].y, q->y, sizeof(q->y));
	memcpy(table[0].z, crypto_p256_fe_one, sizeof(table[0].z));
	for (unsigned i = 1; i < VAR_TABLE; i++) {
		if ((i + 1) % 2 == 0)
			crypto_p256_point_double(&table[i], &table[(i + 1) / 2 - 1]);
		else
			crypto_p256_point_add_affine(&table[i], &table[i - 1], q);
	}

	mag = booth_digit(k, VAR_W * (VAR_WINDOWS - 1), VAR_W, &neg);
	select_point(&acc, table, mag, neg);
	for (int w = VAR_WINDOWS - 2; w >= 0; w--) {
		for (int i = 0; i < VAR_W; i++)
			crypto_p256_point_double(&acc, &acc);
		mag = booth_digit(k, VAR_W * w, VAR_W, &neg);
		select_point(&sel, table, mag, neg);
		crypto_p256_point_add(&acc, &acc, &sel);
	}
	*r = acc;
	mcim_wipe(table, sizeof(table));
	mcim_wipe(&acc, sizeof(acc));
	mcim_wipe(&sel, sizeof(sel));
}

/* r = the row's entry of magnitude mag (1..8) negated when neg, reading every
 * entry; mag = 0 leaves (0, 0), which the caller discards. */
static void select_affine(struct crypto_p256_affine *r,
			  const struct crypto_p256_affine row[CRYPTO_P256_TABLE_ENTRIES],
			  uint64_t mag, uint64_t neg)
{
	uint64_t ny[CRYPTO_P256_LIMBS];

	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < CRYPTO_P256_TABLE_ENTRIES; i++) {
		uint64_t m = eq_mask(mag, i + 1);

		crypto_p256_fe_cmov(r->x, row[i].x, m);
		crypto_p256_fe_cmov(r->y, row[i].y, m);
	}
	crypto_p256_fe_neg(ny, r->y);
	crypto_p256_fe_cmov(r->y, ny, neg);
}

void crypto_p256_mul_base(struct crypto_p256_point *r,
			  const uint64_t k[CRYPTO_P256_LIMBS])
{
	struct crypto_p256_point acc, sum;
	struct crypto_p256_affine sel;
	uint64_t kk[CRYPTO_P256_LIMBS], nk[CRYPTO_P256_LIMBS], flip,
	    ny[CRYPTO_P256_LIMBS];

	/* k * G = -((n - k) * G), and n - k < 2^255 when k >= 2^255. */
	flip = 0 - (k[3] >> 63);
	memcpy(kk, k, sizeof(kk));
	crypto_p256_sc_neg(nk, k);
	crypto_p256_sc_cmov(kk, nk, flip);

	point_set_infinity(&acc);
	for (int b = BASE_SETS - 1; b >= 0; b--) {
		if (b != BASE_SETS - 1)
			for (int i = 0; i < BASE_W; i++)
				crypto_p256_point_double(&acc, &acc);
		for (int j = 0; j < CRYPTO_P256_TABLE_ROWS; j++) {
			uint64_t neg, mag = booth_digit(kk, BASE_W * (BASE_SETS * j + b),
							BASE_W, &neg);

			select_affine(&sel, crypto_p256_base_table[j], mag, neg);
			crypto_p256_point_add_affine(&sum, &acc, &sel);
			/* A zero digit adds nothing: keep acc. */
			crypto_p256_fe_cmov(acc.x, sum.x, ~eq_mask(mag, 0));
			crypto_p256_fe_cmov(acc.y, sum.y, ~eq_mask(mag, 0));
			crypto_p256_fe_cmov(acc.z, sum.z, ~eq_mask(mag, 0));
		}
	}
	crypto_p256_fe_neg(ny, acc.y);
	crypto_p256_fe_cmov(acc.y, ny, flip);
	*r = acc;
	mcim_wipe(&acc, sizeof(acc));
	mcim_wipe(&sum, sizeof(sum));
	mcim_wipe(&sel, sizeof(sel));
	mcim_wipe(kk, sizeof(kk));
	mcim_wipe(nk, sizeof(nk));
}

int crypto_p256_to_affine(struct crypto_p256_affine *a, const struct crypto_p256_point *p)
{
	uint64_t zinv[CRYPTO_P256_LIMBS];

	crypto_p256_fe_inv(zinv, p->z);
	crypto_p256_fe_mul(a->x, p->x, zinv);
	crypto_p256_fe_mul(a->y, p->y, zinv);
	mcim_wipe(zinv, sizeof(zinv));
	return (int)(~crypto_p256_fe_is_zero(p->z) & 1);
}

mcim_err crypto_p256_point_decode(struct crypto_p256_affine *a,
				  const uint8_t q[MCIM_P256_PUB_LEN])
{
	uint64_t x[CRYPTO_P256_LIMBS], y[CRYPTO_P256_LIMBS], lhs[CRYPTO_P256_LIMBS],
	    rhs[CRYPTO_P256_LIMBS], three[CRYPTO_P256_LIMBS];

	if (q[0] != 0x04 || !crypto_p256_fe_bytes_ok(q + 1) ||
	    !crypto_p256_fe_bytes_ok(q + 1 + CRYPTO_P256_BYTES))
		return MCIM_ERR_INVALID_ARG;
	crypto_p256_fe_from_bytes(x, q + 1);
	crypto_p256_fe_from_bytes(y, q + 1 + CRYPTO_P256_BYTES);
	/* y^2 = (x^2 - 3) x + b; both sides fully reduced, so equal limbs. */
	crypto_p256_fe_add(three, crypto_p256_fe_one, crypto_p256_fe_one);
	crypto_p256_fe_add(three, three, crypto_p256_fe_one);
	crypto_p256_fe_sqr(lhs, y);
	crypto_p256_fe_sqr(rhs, x);
	crypto_p256_fe_sub(rhs, rhs, three);
	crypto_p256_fe_mul(rhs, rhs, x);
	crypto_p256_fe_add(rhs, rhs, crypto_p256_fe_b);
	if (memcmp(lhs, rhs, sizeof(lhs)) != 0)
		return MCIM_ERR_INVALID_ARG;
	memcpy(a->x, x, sizeof(x));
	memcpy(a->y, y, sizeof(y));
	return MCIM_OK;
}

void crypto_p256_point_encode(uint8_t q[MCIM_P256_PUB_LEN],
			      const struct crypto_p256_affine *a)
{
	q[0] = 0x04;
	crypto_p256_fe_to_bytes(q + 1, a->x);
	crypto_p256_fe_to_bytes(q + 1 + CRYPTO_P256_BYTES, a->y);
}
