/*
 * Internal: SHA-256 (FIPS 180-4) written here, for the hot paths that hash a few
 * blocks per call (the 3GPP KDFs of every 5G vector) where OpenSSL's EVP dispatch and
 * context copies cost more than the hashing. The compression function has two
 * implementations behind one entry point: the x86 SHA extensions (sha256_ni.c), chosen
 * at run time when the CPU has them, and portable C (sha256_block.c). Both are
 * constant time: no table lookup or branch depends on the data.
 *
 * A struct crypto_sha256 is a streaming context the caller owns (no allocation);
 * it holds secrets when it hashes keys, and crypto_sha256_final() wipes it.
 */
#ifndef MCIM_CRYPTO_SHA256_INT_H
#define MCIM_CRYPTO_SHA256_INT_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA256_BLOCK 64

struct crypto_sha256 {
	uint32_t h[8];
	uint64_t total; /* octets absorbed so far, buffered ones included */
	uint8_t buf[CRYPTO_SHA256_BLOCK];
};

/* The initial hash value H(0) of FIPS 180-4 5.3.3. */
extern const uint32_t crypto_sha256_iv[8];

void crypto_sha256_init(struct crypto_sha256 *s);
/* Continues from a chaining value h after `blocks` whole blocks (a keyed HMAC state). */
void crypto_sha256_resume(struct crypto_sha256 *s, const uint32_t h[8], uint64_t blocks);
void crypto_sha256_update(struct crypto_sha256 *s, const void *data, size_t len);
/* Writes the digest and wipes s. */
void crypto_sha256_final(struct crypto_sha256 *s, uint8_t out[32]);

/* Runs the compression function over n whole blocks, on the chosen implementation. */
void crypto_sha256_blocks(uint32_t h[8], const uint8_t *blocks, size_t n);

/*
 * One block for each of two independent hashes (ha with a, hb with b): on the SHA
 * instructions the two run interleaved at about the cost of one.
 */
void crypto_sha256_x2(uint32_t ha[8], const uint8_t a[64], uint32_t hb[8],
		      const uint8_t b[64]);

/* The portable implementation, always available. */
void crypto_sha256_blocks_c(uint32_t h[8], const uint8_t *blocks, size_t n);

#if defined(__x86_64__) || defined(__i386__)
/* The SHA-extensions implementation: call only when crypto_sha256_ni_cpu() says so. */
void crypto_sha256_blocks_ni(uint32_t h[8], const uint8_t *blocks, size_t n);
void crypto_sha256_x2_ni(uint32_t ha[8], const uint8_t a[64], uint32_t hb[8],
			 const uint8_t b[64]);
/* 1 when the CPU has the SHA extensions and SSSE3/SSE4.1 (asked once per process). */
int crypto_sha256_ni_cpu(void);
#endif

/* 1 when crypto_sha256_blocks() runs on the SHA instructions. */
int crypto_sha256_hw(void);

/*
 * For tests that compare the implementations through every caller: nonzero makes
 * crypto_sha256_blocks() use the portable code from now on (process-wide), zero
 * restores the CPU's choice.
 */
void crypto_sha256_force_portable(int on);

#endif
