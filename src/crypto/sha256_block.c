/*
 * SHA-256 (FIPS 180-4) in portable C, the streaming layer over the compression
 * function, and the run-time choice between this code and the SHA instructions of
 * sha256_ni.c. The choice is made on first use and kept in one atomic variable, which
 * tests may override to drive every caller through the portable code.
 */
#include "crypto/sha256_int.h"

#include <stdatomic.h>
#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"

const uint32_t crypto_sha256_iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

static const uint32_t k256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static uint32_t ror(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static uint32_t load_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void store_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

void crypto_sha256_blocks_c(uint32_t h[8], const uint8_t *blocks, size_t n)
{
	uint32_t w[16];

	for (; n > 0; n--, blocks += CRYPTO_SHA256_BLOCK) {
		uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
		uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];

		for (int t = 0; t < 64; t++) {
			uint32_t wt, t1, t2;

			/* The schedule kept as a ring of 16 words (FIPS 180-4 6.2.2). */
			if (t < 16) {
				wt = load_be32(blocks + 4 * t);
			} else {
				uint32_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
				wt = w[t & 15] + (ror(w15, 7) ^ ror(w15, 18) ^ w15 >> 3) +
				     w[(t - 7) & 15] +
				     (ror(w2, 17) ^ ror(w2, 19) ^ w2 >> 10);
			}
			w[t & 15] = wt;
			t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
			     ((e & f) ^ (~e & g)) + k256[t] + wt;
			t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
			     ((a & b) ^ (a & c) ^ (b & c));
			hh = g;
			g = f;
			f = e;
			e = d + t1;
			d = c;
			c = b;
			b = a;
			a = t1 + t2;
		}
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
		h[4] += e;
		h[5] += f;
		h[6] += g;
		h[7] += hh;
	}
	mcim_wipe(w, sizeof(w));
}

/* 0: not chosen yet; 1: portable; 2: SHA instructions. */
static atomic_int impl;
static atomic_int forced;

static int impl_choose(void)
{
	int i = atomic_load_explicit(&impl, memory_order_relaxed);

	if (i == 0) {
#if defined(__x86_64__) || defined(__i386__)
		i = crypto_sha256_ni_cpu() ? 2 : 1;
#else
		i = 1;
#endif
		atomic_store_explicit(&impl, i, memory_order_relaxed);
	}
	return i;
}

int crypto_sha256_hw(void)
{
	return impl_choose() == 2 && !atomic_load_explicit(&forced, memory_order_relaxed);
}

void crypto_sha256_force_portable(int on)
{
	atomic_store(&forced, on != 0);
}

void crypto_sha256_blocks(uint32_t h[8], const uint8_t *blocks, size_t n)
{
#if defined(__x86_64__) || defined(__i386__)
	if (crypto_sha256_hw()) {
		crypto_sha256_blocks_ni(h, blocks, n);
		return;
	}
#endif
	crypto_sha256_blocks_c(h, blocks, n);
}

void crypto_sha256_x2(uint32_t ha[8], const uint8_t a[64], uint32_t hb[8],
		      const uint8_t b[64])
{
#if defined(__x86_64__) || defined(__i386__)
	if (crypto_sha256_hw()) {
		crypto_sha256_x2_ni(ha, a, hb, b);
		return;
	}
#endif
	crypto_sha256_blocks_c(ha, a, 1);
	crypto_sha256_blocks_c(hb, b, 1);
}

void crypto_sha256_init(struct crypto_sha256 *s)
{
	crypto_sha256_resume(s, crypto_sha256_iv, 0);
}

void crypto_sha256_resume(struct crypto_sha256 *s, const uint32_t h[8], uint64_t blocks)
{
	MCIM_ASSERT(s != NULL && h != NULL);
	memcpy(s->h, h, sizeof(s->h));
	s->total = blocks * CRYPTO_SHA256_BLOCK;
}

void crypto_sha256_update(struct crypto_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t fill = (size_t)(s->total % CRYPTO_SHA256_BLOCK);

	MCIM_ASSERT(s != NULL && (data != NULL || len == 0));
	if (len == 0)
		return; /* data may be NULL: no memcpy from it, even of 0 octets */
	s->total += len;
	if (fill != 0) {
		size_t take = CRYPTO_SHA256_BLOCK - fill;

		if (len < take) {
			memcpy(s->buf + fill, p, len);
			return;
		}
		memcpy(s->buf + fill, p, take);
		crypto_sha256_blocks(s->h, s->buf, 1);
		p += take;
		len -= take;
	}
	if (len >= CRYPTO_SHA256_BLOCK) {
		size_t whole = len / CRYPTO_SHA256_BLOCK;

		crypto_sha256_blocks(s->h, p, whole);
		p += whole * CRYPTO_SHA256_BLOCK;
		len -= whole * CRYPTO_SHA256_BLOCK;
	}
	if (len != 0)
		memcpy(s->buf, p, len);
}

void crypto_sha256_final(struct crypto_sha256 *s, uint8_t out[32])
{
	size_t fill = (size_t)(s->total % CRYPTO_SHA256_BLOCK);
	uint64_t bits = s->total * 8;

	MCIM_ASSERT(s != NULL && out != NULL);
	/* FIPS 180-4 5.1.1: 0x80, zeros, and the length in bits in the last 8 octets. */
	s->buf[fill++] = 0x80;
	if (fill > CRYPTO_SHA256_BLOCK - 8) {
		memset(s->buf + fill, 0, CRYPTO_SHA256_BLOCK - fill);
		crypto_sha256_blocks(s->h, s->buf, 1);
		fill = 0;
	}
	memset(s->buf + fill, 0, CRYPTO_SHA256_BLOCK - 8 - fill);
	store_be32(s->buf + 56, (uint32_t)(bits >> 32));
	store_be32(s->buf + 60, (uint32_t)bits);
	crypto_sha256_blocks(s->h, s->buf, 1);
	for (int i = 0; i < 8; i++)
		store_be32(out + 4 * i, s->h[i]);
	mcim_wipe(s, sizeof(*s));
}
