/*
 * Internal: AES-128 and AES-256 encryption (FIPS-197) in constant time without the
 * AES instructions, for the builtin backend's portable paths (AES-256-GCM on CPUs
 * without AES-NI, MILENAGE's AES-128 likewise). Bitsliced: four blocks are
 * transposed into eight 64-bit words, word i holding bit i of all 64 octets, and
 * SubBytes is a Boolean circuit over those words, so no table is indexed and no
 * branch taken by a secret. Up to four blocks cost one pass.
 *
 * A struct crypto_aes_ct is an expanded key the caller owns (secret: wipe it with
 * crypto_aes_ct_wipe). Not thread-safe per structure; a structure is read-only once
 * initialised.
 */
#ifndef MCIM_CRYPTO_BUILTIN_AES_CT_H
#define MCIM_CRYPTO_BUILTIN_AES_CT_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_AES_CT_BLOCKS 4 /* blocks per pass */

struct crypto_aes_ct {
	uint64_t rk[15][8]; /* round keys, bitsliced and repeated for the four blocks */
	unsigned rounds;    /* 10 (AES-128) or 14 (AES-256) */
};

/* key_len is 16 or 32 (asserted). */
void crypto_aes_ct_init(struct crypto_aes_ct *c, const uint8_t *key, size_t key_len);

/* Encrypts n (1..CRYPTO_AES_CT_BLOCKS) consecutive 16-octet blocks of in to out, which
 * may be the same buffer. */
void crypto_aes_ct_encrypt(const struct crypto_aes_ct *c, const uint8_t *in, uint8_t *out,
			   size_t n);

void crypto_aes_ct_wipe(struct crypto_aes_ct *c);

#endif
