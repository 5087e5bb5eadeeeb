/*
 * Internal: AES-256-GCM (NIST SP 800-38D) for the builtin backend, split as BearSSL
 * splits its code: aead.c is the mode (J0, the GHASH of AAD, ciphertext and lengths,
 * the tag, the two passes of open) and calls one implementation of its two halves,
 * AES-256 in counter mode and the GHASH multiplication, chosen per key:
 * - gcm_ni.c: AES-NI and PCLMULQDQ, when the CPU has them (asked at run time);
 * - gcm_ct.c: portable and constant time: the bitsliced AES of aes_ct.c, and GHASH
 *   with carry-less products computed by integer multiplications on bits spread
 *   four apart (no table, no branch on data).
 *
 * A struct crypto_gcm is an expanded key (secret: the round keys and H); the caller
 * owns it and wipes it with mcim_wipe.
 */
#ifndef MCIM_CRYPTO_BUILTIN_GCM_INT_H
#define MCIM_CRYPTO_BUILTIN_GCM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/builtin/aes_ct.h"

struct crypto_gcm_impl;

struct crypto_gcm {
	union {
		struct crypto_aes_ct ct;
		_Alignas(16) uint8_t ni[15][16]; /* AES-NI round keys */
	} aes;
	/* H and (gcm_ni) H^2..H^4, in the implementation's own representation. */
	_Alignas(16) uint8_t h[4][16];
	const struct crypto_gcm_impl *impl;
};

struct crypto_gcm_impl {
	/* Expands the 32-octet key and computes H = AES_K(0^128). */
	void (*init)(struct crypto_gcm *g, const uint8_t key[32]);
	/* out = AES_K(in) for one block (the tag's mask AES_K(J0)). */
	void (*block)(const struct crypto_gcm *g, const uint8_t in[16], uint8_t out[16]);
	/* out = in XOR the key stream of the counter blocks from ctr on (its last four
	 * octets a big-endian counter, incremented mod 2^32), over len octets (any);
	 * ctr is left at the first block not used. in and out may be the same. */
	void (*ctr)(const struct crypto_gcm *g, uint8_t ctr[16], const uint8_t *in,
		    uint8_t *out, size_t len);
	/* y = (y XOR X) * H in GF(2^128) for each of the n blocks X (GCM's order). */
	void (*ghash)(const struct crypto_gcm *g, uint8_t y[16], const uint8_t *blocks,
		      size_t n);
};

extern const struct crypto_gcm_impl crypto_gcm_ct;
#if defined(__x86_64__) || defined(__i386__)
extern const struct crypto_gcm_impl crypto_gcm_ni;
/* 1 when the CPU has AES-NI, PCLMULQDQ and SSE4.1 (asked once per process). */
int crypto_gcm_ni_cpu(void);
#endif

/* 1 when mcim_aead_seal/open run on gcm_ni. */
int crypto_gcm_hw(void);

/*
 * For tests that compare the implementations: nonzero makes mcim_aead_seal/open use
 * gcm_ct from now on (process-wide), zero restores the CPU's choice.
 */
void crypto_gcm_force_portable(int on);

/* The two halves of a counter block's last four octets, shared by the implementations. */
static inline uint32_t crypto_gcm_ctr_get(const uint8_t ctr[16])
{
	return (uint32_t)ctr[12] << 24 | (uint32_t)ctr[13] << 16 |
	       (uint32_t)ctr[14] << 8 | ctr[15];
}

static inline void crypto_gcm_ctr_set(uint8_t ctr[16], uint32_t v)
{
	ctr[12] = (uint8_t)(v >> 24);
	ctr[13] = (uint8_t)(v >> 16);
	ctr[14] = (uint8_t)(v >> 8);
	ctr[15] = (uint8_t)v;
}

#endif
