/*
 * Bitsliced AES encryption (aes_ct.h). Four blocks, 64 octets, are held as eight
 * 64-bit words q[0..7]: bit i of every octet goes to q[i], at position
 * 16 * row + 4 * column + block (row and column of the octet in the AES state). Then:
 * - SubBytes is the AES S-box as a circuit of 113 XOR/XNOR/AND gates, computed on all
 *   64 octets at once: the straight-line program SLP_AES_113 of J. Boyar, R. Peralta
 *   and C. Calik (Circuit Minimization Team; J. Cryptology 26(2), 2013), its inputs
 *   U0..U7 the octet's bits from the most significant down;
 * - ShiftRows rotates each row's 16 positions (4 columns of 4 blocks) within its word;
 * - MixColumns combines each row with the next ones, which are the same word rotated
 *   by 16, 32 and 48 bits; doubling in GF(2^8) moves words, no bit of data chooses
 *   anything;
 * - AddRoundKey XORs the round key, expanded once and stored in the same layout.
 * Entering and leaving the layout is an 8x8 bit transpose (three rounds of masked
 * swaps) after the octets are placed so that the transpose lands them right.
 */
#include "crypto/builtin/aes_ct.h"

#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"

/* The AES S-box on every octet position of q (q[i] holding bit i). */
static void sub_bytes(uint64_t q[8])
{
	/* Top linear transform. */
	uint64_t u0 = q[7], u1 = q[6], u2 = q[5], u3 = q[4];
	uint64_t u4 = q[3], u5 = q[2], u6 = q[1], u7 = q[0];
	uint64_t y14 = u3 ^ u5, y13 = u0 ^ u6, y9 = u0 ^ u3, y8 = u0 ^ u5;
	uint64_t t0 = u1 ^ u2, y1 = t0 ^ u7, y4 = y1 ^ u3, y12 = y13 ^ y14;
	uint64_t y2 = y1 ^ u0, y5 = y1 ^ u6, y3 = y5 ^ y8, t1 = u4 ^ y12;
	uint64_t y15 = t1 ^ u5, y20 = t1 ^ u1, y6 = y15 ^ u7, y10 = y15 ^ t0;
	uint64_t y11 = y20 ^ y9, y7 = u7 ^ y11, y17 = y10 ^ y11, y19 = y10 ^ y8;
	uint64_t y16 = t0 ^ y11, y21 = y13 ^ y16, y18 = u0 ^ y16;

	/* Shared non-linear middle: the inversion in GF(2^8). */
	uint64_t t2 = y12 & y15, t3 = y3 & y6, t4 = t3 ^ t2, t5 = y4 & u7;
	uint64_t t6 = t5 ^ t2, t7 = y13 & y16, t8 = y5 & y1, t9 = t8 ^ t7;
	uint64_t t10 = y2 & y7, t11 = t10 ^ t7, t12 = y9 & y11, t13 = y14 & y17;
	uint64_t t14 = t13 ^ t12, t15 = y8 & y10, t16 = t15 ^ t12, t17 = t4 ^ y20;
	uint64_t t18 = t6 ^ t16, t19 = t9 ^ t14, t20 = t11 ^ t16, t21 = t17 ^ t14;
	uint64_t t22 = t18 ^ y19, t23 = t19 ^ y21, t24 = t20 ^ y18, t25 = t21 ^ t22;
	uint64_t t26 = t21 & t23, t27 = t24 ^ t26, t28 = t25 & t27, t29 = t28 ^ t22;
	uint64_t t30 = t23 ^ t24, t31 = t22 ^ t26, t32 = t31 & t30, t33 = t32 ^ t24;
	uint64_t t34 = t23 ^ t33, t35 = t27 ^ t33, t36 = t24 & t35, t37 = t36 ^ t34;
	uint64_t t38 = t27 ^ t36, t39 = t29 & t38, t40 = t25 ^ t39, t41 = t40 ^ t37;
	uint64_t t42 = t29 ^ t33, t43 = t29 ^ t40, t44 = t33 ^ t37, t45 = t42 ^ t41;
	uint64_t z0 = t44 & y15, z1 = t37 & y6, z2 = t33 & u7, z3 = t43 & y16;
	uint64_t z4 = t40 & y1, z5 = t29 & y7, z6 = t42 & y11, z7 = t45 & y17;
	uint64_t z8 = t41 & y10, z9 = t44 & y12, z10 = t37 & y3, z11 = t33 & y4;
	uint64_t z12 = t43 & y13, z13 = t40 & y5, z14 = t29 & y2, z15 = t42 & y9;
	uint64_t z16 = t45 & y14, z17 = t41 & y8;

	/* Bottom linear transform, with the affine constant 0x63 as four XNORs. */
	uint64_t tc1 = z15 ^ z16, tc2 = z10 ^ tc1, tc3 = z9 ^ tc2, tc4 = z0 ^ z2;
	uint64_t tc5 = z1 ^ z0, tc6 = z3 ^ z4, tc7 = z12 ^ tc4, tc8 = z7 ^ tc6;
	uint64_t tc9 = z8 ^ tc7, tc10 = tc8 ^ tc9, tc11 = tc6 ^ tc5, tc12 = z3 ^ z5;
	uint64_t tc13 = z13 ^ tc1, tc14 = tc4 ^ tc12, s3 = tc3 ^ tc11, tc16 = z6 ^ tc8;
	uint64_t tc17 = z14 ^ tc10, tc18 = tc13 ^ tc14, s7 = ~(z12 ^ tc18);
	uint64_t tc20 = z15 ^ tc16, tc21 = tc2 ^ z11, s0 = tc3 ^ tc16;
	uint64_t s6 = ~(tc10 ^ tc18), s4 = tc14 ^ s3, s1 = ~(s3 ^ tc16);
	uint64_t tc26 = tc17 ^ tc20, s2 = ~(tc26 ^ z17), s5 = tc21 ^ tc17;

	q[7] = s0;
	q[6] = s1;
	q[5] = s2;
	q[4] = s3;
	q[3] = s4;
	q[2] = s5;
	q[1] = s6;
	q[0] = s7;
}

/* Swaps the bits of a selected by mask << n with those of b selected by mask. */
#define SWAP_BITS(a, b, mask, n)                                                         \
	do {                                                                             \
		uint64_t t_ = (((a) >> (n)) ^ (b)) & (mask);                             \
		(b) ^= t_;                                                               \
		(a) ^= t_ << (n);                                                        \
	} while (0)

/*
 * Transposes, for each octet position b of the words, the 8x8 bit matrix whose rows
 * are q[0..7] and whose columns are the bits of octet b: afterwards bit j of octet b
 * of q[i] is what bit i of octet b of q[j] was. Its own inverse.
 */
static void transpose(uint64_t q[8])
{
	for (int i = 0; i < 8; i += 2)
		SWAP_BITS(q[i], q[i + 1], 0x5555555555555555u, 1);
	for (int i = 0; i < 8; i++)
		if ((i & 2) == 0)
			SWAP_BITS(q[i], q[i + 2], 0x3333333333333333u, 2);
	for (int i = 0; i < 4; i++)
		SWAP_BITS(q[i], q[i + 4], 0x0f0f0f0f0f0f0f0fu, 4);
}

/*
 * Octet (row r, column c) of block k lands at position 16r + 4c + k of every word:
 * before the transpose it goes to word 4(c mod 2) + k as its octet 2r + c / 2, which
 * the transpose turns into bit 8(2r + c / 2) + 4(c mod 2) + k of each q[i].
 */
static void load(uint64_t q[8], const uint8_t blocks[4][16])
{
	memset(q, 0, 8 * sizeof(q[0]));
	for (unsigned k = 0; k < 4; k++)
		for (unsigned c = 0; c < 4; c++)
			for (unsigned r = 0; r < 4; r++)
				q[4 * (c & 1) + k] |= (uint64_t)blocks[k][4 * c + r]
						      << (8 * (2 * r + c / 2));
	transpose(q);
}

static void store(uint8_t blocks[4][16], uint64_t q[8])
{
	transpose(q);
	for (unsigned k = 0; k < 4; k++)
		for (unsigned c = 0; c < 4; c++)
			for (unsigned r = 0; r < 4; r++)
				blocks[k][4 * c + r] = (uint8_t)(q[4 * (c & 1) + k] >>
								 (8 * (2 * r + c / 2)));
}

/* Row r (bits 16r..16r+15) rotated by r columns: column c takes column c + r. */
static uint64_t shift_rows1(uint64_t x)
{
	return (x & 0x000000000000ffffu) | ((x & 0x00000000fff00000u) >> 4) |
	       ((x & 0x00000000000f0000u) << 12) | ((x & 0x0000ff0000000000u) >> 8) |
	       ((x & 0x000000ff00000000u) << 8) | ((x & 0xf000000000000000u) >> 12) |
	       ((x & 0x0fff000000000000u) << 4);
}

static void shift_rows(uint64_t q[8])
{
	for (int i = 0; i < 8; i++)
		q[i] = shift_rows1(q[i]);
}

/* Row r takes row r + n/16 (mod 4), for every column and block at once. */
static uint64_t rows(uint64_t x, unsigned n)
{
	return (x >> n) | (x << (64 - n));
}

/* s'[r] = 2 s[r] + 3 s[r+1] + s[r+2] + s[r+3] = 2 (s[r] + s[r+1]) + s[r+1] + s[r+2] +
 * s[r+3]; doubling is x times the polynomial, reduced by x^8 = x^4 + x^3 + x + 1. */
static void mix_columns(uint64_t q[8])
{
	uint64_t t[8], rest[8];

	for (int i = 0; i < 8; i++) {
		uint64_t next = rows(q[i], 16);

		t[i] = q[i] ^ next;
		rest[i] = next ^ rows(q[i], 32) ^ rows(q[i], 48);
	}
	q[0] = t[7] ^ rest[0];
	q[1] = t[0] ^ t[7] ^ rest[1];
	q[2] = t[1] ^ rest[2];
	q[3] = t[2] ^ t[7] ^ rest[3];
	q[4] = t[3] ^ t[7] ^ rest[4];
	q[5] = t[4] ^ rest[5];
	q[6] = t[5] ^ rest[6];
	q[7] = t[6] ^ rest[7];
}

static void add_round_key(uint64_t q[8], const uint64_t rk[8])
{
	for (int i = 0; i < 8; i++)
		q[i] ^= rk[i];
}

/* SubWord of the key schedule: the same circuit on four octets. */
static void sub_word(uint8_t w[4])
{
	uint64_t q[8] = {0};

	for (unsigned i = 0; i < 8; i++)
		for (unsigned j = 0; j < 4; j++)
			q[i] |= (uint64_t)((w[j] >> i) & 1) << j;
	sub_bytes(q);
	for (unsigned j = 0; j < 4; j++) {
		uint8_t b = 0;

		for (unsigned i = 0; i < 8; i++)
			b |= (uint8_t)(((q[i] >> j) & 1) << i);
		w[j] = b;
	}
	mcim_wipe(q, sizeof(q));
}

void crypto_aes_ct_init(struct crypto_aes_ct *c, const uint8_t *key, size_t key_len)
{
	static const uint8_t rcon[8] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80};
	uint8_t w[15 * 16], blocks[4][16];
	size_t nk = key_len / 4, total;

	MCIM_ASSERT(c != NULL && key != NULL && (key_len == 16 || key_len == 32));
	c->rounds = key_len == 16 ? 10 : 14;
	total = 4 * (c->rounds + 1);
	/* FIPS-197 5.2, on words of four octets. */
	memcpy(w, key, key_len);
	for (size_t i = nk; i < total; i++) {
		uint8_t t[4];

		memcpy(t, w + 4 * (i - 1), 4);
		if (i % nk == 0) {
			uint8_t r = t[0];

			t[0] = t[1];
			t[1] = t[2];
			t[2] = t[3];
			t[3] = r;
			sub_word(t);
			/* AES-128's last two constants wrap past 0x80: 0x1b, 0x36. */
			t[0] ^= i / nk <= 8 ? rcon[i / nk - 1]
					    : (uint8_t)(0x1b << (i / nk - 9));
		} else if (nk > 6 && i % nk == 4) {
			sub_word(t);
		}
		for (size_t j = 0; j < 4; j++)
			w[4 * i + j] = w[4 * (i - nk) + j] ^ t[j];
		mcim_wipe(t, sizeof(t));
	}
	for (unsigned r = 0; r <= c->rounds; r++) {
		for (unsigned k = 0; k < 4; k++)
			memcpy(blocks[k], w + 16 * r, 16);
		load(c->rk[r], (const uint8_t(*)[16])blocks);
	}
	mcim_wipe(w, sizeof(w));
	mcim_wipe(blocks, sizeof(blocks));
}

void crypto_aes_ct_encrypt(const struct crypto_aes_ct *c, const uint8_t *in, uint8_t *out,
			   size_t n)
{
	uint8_t blocks[4][16] = {{0}};
	uint64_t q[8];

	MCIM_ASSERT(c != NULL && in != NULL && out != NULL);
	MCIM_ASSERT(n >= 1 && n <= CRYPTO_AES_CT_BLOCKS);
	memcpy(blocks, in, 16 * n);
	load(q, (const uint8_t(*)[16])blocks);
	add_round_key(q, c->rk[0]);
	for (unsigned r = 1; r < c->rounds; r++) {
		sub_bytes(q);
		shift_rows(q);
		mix_columns(q);
		add_round_key(q, c->rk[r]);
	}
	sub_bytes(q);
	shift_rows(q);
	add_round_key(q, c->rk[c->rounds]);
	store(blocks, q);
	memcpy(out, blocks, 16 * n);
	mcim_wipe(blocks, sizeof(blocks));
	mcim_wipe(q, sizeof(q));
}

void crypto_aes_ct_wipe(struct crypto_aes_ct *c)
{
	mcim_wipe(c, sizeof(*c));
}
