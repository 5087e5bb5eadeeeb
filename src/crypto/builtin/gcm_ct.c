/*
 * The portable, constant-time implementation of AES-256-GCM's halves (gcm_int.h).
 *
 * AES: the bitsliced AES of aes_ct.c, four counter blocks per pass.
 *
 * GHASH: a block read big-endian is a 128-bit integer whose most significant bit is
 * the coefficient of x^0 (GCM's bit order is reflected). The carry-less product of
 * two such integers, shifted left by one bit, is the reflected 256-bit product of the
 * polynomials; its reduction modulo x^128 + x^7 + x^2 + x + 1 folds the low half
 * into the high half with shifts (S. Gueron, M. Kounavis, "Intel Carry-Less
 * Multiplication Instruction and its Usage for Computing the GCM Mode", 2010,
 * algorithm 4). Without a carry-less multiply instruction, a 32x32-bit carry-less
 * product is four integer products of operands masked to every fourth bit: the
 * partial sums at each position count at most 8 terms, so they never carry into the
 * next position of the same class, and the masks keep each class's bits. Three such
 * products make a 64x64 one and three of those the 128x128 one (Karatsuba). Integer
 * multiplication is constant time on the CPUs this targets (x86-64, ARMv8; not on
 * some microcontroller cores, where a 32-bit multiply may exit early).
 */
#include <string.h>

#include "crypto/builtin/gcm_int.h"
#include "mcim/bytes.h"

static uint64_t load_be64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static void store_be64(uint8_t *b, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		b[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t clmul32(uint32_t x, uint32_t y)
{
	const uint64_t m0 = 0x11111111u, m1 = 0x22222222u, m2 = 0x44444444u,
		       m3 = 0x88888888u;
	uint64_t x0 = x & m0, x1 = x & m1, x2 = x & m2, x3 = x & m3;
	uint64_t y0 = y & m0, y1 = y & m1, y2 = y & m2, y3 = y & m3;
	uint64_t z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
	uint64_t z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
	uint64_t z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
	uint64_t z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);

	return (z0 & 0x1111111111111111u) | (z1 & 0x2222222222222222u) |
	       (z2 & 0x4444444444444444u) | (z3 & 0x8888888888888888u);
}

/* r[1]:r[0] = x * y carry-less. */
static void clmul64(uint64_t r[2], uint64_t x, uint64_t y)
{
	uint32_t xl = (uint32_t)x, xh = (uint32_t)(x >> 32);
	uint32_t yl = (uint32_t)y, yh = (uint32_t)(y >> 32);
	uint64_t lo = clmul32(xl, yl), hi = clmul32(xh, yh);
	uint64_t mid = clmul32(xl ^ xh, yl ^ yh) ^ lo ^ hi;

	r[0] = lo ^ (mid << 32);
	r[1] = hi ^ (mid >> 32);
}

/* y = y * h in GF(2^128), both as (high, low) 64-bit halves of the reflected form. */
static void gf_mul(uint64_t y[2], const uint64_t h[2])
{
	uint64_t lo[2], hi[2], mid[2], x0, x1, x2, x3, d;

	clmul64(lo, y[1], h[1]);
	clmul64(hi, y[0], h[0]);
	clmul64(mid, y[0] ^ y[1], h[0] ^ h[1]);
	mid[0] ^= lo[0] ^ hi[0];
	mid[1] ^= lo[1] ^ hi[1];
	/* The 256-bit product x3:x2:x1:x0, shifted left by one. */
	x0 = lo[0];
	x1 = lo[1] ^ mid[0];
	x2 = hi[0] ^ mid[1];
	x3 = hi[1];
	x3 = x3 << 1 | x2 >> 63;
	x2 = x2 << 1 | x1 >> 63;
	x1 = x1 << 1 | x0 >> 63;
	x0 <<= 1;
	/* Reduction: the terms of x0 that the right shifts below would lose come back
	 * through x1 first. */
	d = x1 ^ (x0 << 63) ^ (x0 << 62) ^ (x0 << 57);
	y[0] = x3 ^ d ^ (d >> 1) ^ (d >> 2) ^ (d >> 7);
	y[1] = x2 ^ x0 ^ (x0 >> 1 | d << 63) ^ (x0 >> 2 | d << 62) ^ (x0 >> 7 | d << 57);
}

static void ct_block(const struct crypto_gcm *g, const uint8_t in[16], uint8_t out[16])
{
	crypto_aes_ct_encrypt(&g->aes.ct, in, out, 1);
}

static void ct_init(struct crypto_gcm *g, const uint8_t key[32])
{
	static const uint8_t zero[16];

	crypto_aes_ct_init(&g->aes.ct, key, 32);
	ct_block(g, zero, g->h[0]);
}

static void ct_ctr(const struct crypto_gcm *g, uint8_t ctr[16], const uint8_t *in,
		   uint8_t *out, size_t len)
{
	uint8_t ks[CRYPTO_AES_CT_BLOCKS][16];
	uint32_t c = crypto_gcm_ctr_get(ctr);

	while (len != 0) {
		size_t blocks = (len + 15) / 16, n;

		if (blocks > CRYPTO_AES_CT_BLOCKS)
			blocks = CRYPTO_AES_CT_BLOCKS;
		for (size_t i = 0; i < blocks; i++) {
			memcpy(ks[i], ctr, 12);
			crypto_gcm_ctr_set(ks[i], c++);
		}
		crypto_aes_ct_encrypt(&g->aes.ct, ks[0], ks[0], blocks);
		n = len < 16 * blocks ? len : 16 * blocks;
		for (size_t i = 0; i < n; i++)
			out[i] = in[i] ^ ks[i / 16][i % 16];
		in += n;
		out += n;
		len -= n;
	}
	crypto_gcm_ctr_set(ctr, c);
	mcim_wipe(ks, sizeof(ks));
}

static void ct_ghash(const struct crypto_gcm *g, uint8_t y[16], const uint8_t *blocks,
		     size_t n)
{
	uint64_t h[2] = {load_be64(g->h[0]), load_be64(g->h[0] + 8)};
	uint64_t v[2] = {load_be64(y), load_be64(y + 8)};

	for (; n > 0; n--, blocks += 16) {
		v[0] ^= load_be64(blocks);
		v[1] ^= load_be64(blocks + 8);
		gf_mul(v, h);
	}
	store_be64(y, v[0]);
	store_be64(y + 8, v[1]);
	mcim_wipe(h, sizeof(h));
	mcim_wipe(v, sizeof(v));
}

const struct crypto_gcm_impl crypto_gcm_ct = {ct_init, ct_block, ct_ctr, ct_ghash};
