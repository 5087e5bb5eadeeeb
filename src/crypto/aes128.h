/*
 * Internal: AES-128 block encryption for the AKA algorithm sets, with the key
 * schedule expanded once per key. On x86 CPUs with AES-NI the rounds run on the AES
 * instructions (constant time, several blocks in flight at once); elsewhere the
 * blocks go through the crypto backend's portable AES, constant time too: OpenSSL's
 * EVP interface (src/crypto/ossl) or the bitsliced AES of src/crypto/builtin. The
 * choice is made as a key is expanded, from the CPU's feature flags. MILENAGE's vector
 * kernel (src/aka/milenage.c) runs its own AES-NI rounds on round_keys.
 */
#ifndef MCIM_CRYPTO_AES128_H
#define MCIM_CRYPTO_AES128_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"

#define CRYPTO_AES128_BLOCKS_MAX 8

/* An expanded key. Secret: wipe it with crypto_aes128_wipe(). round_keys is set
 * only when use_aesni is 1. */
struct crypto_aes128 {
	_Alignas(16) uint8_t round_keys[11 * 16];
	uint8_t key[16]; /* kept for the portable path */
	uint8_t use_aesni;
};

void crypto_aes128_init(struct crypto_aes128 *aes, const uint8_t key[16]);

/*
 * Encrypts n (1..CRYPTO_AES128_BLOCKS_MAX) independent 16-octet blocks from in to out
 * (which may be the same buffer). Fails only on the OpenSSL backend's portable path
 * (MCIM_ERR_CRYPTO).
 */
mcim_err crypto_aes128_encrypt(const struct crypto_aes128 *aes, const uint8_t *in,
			       uint8_t *out, size_t n);

void crypto_aes128_wipe(struct crypto_aes128 *aes);

/* 1 when crypto_aes128_init() chooses the AES instructions (and round_keys is the
 * schedule in the layout of the AES-NI instructions: round i at octets 16i..16i+15). */
int crypto_aes128_hw(void);

/*
 * For tests that compare the paths through every caller (MILENAGE key contexts, AuC
 * vectors): nonzero makes crypto_aes128_init() choose the portable path from now on
 * (process-wide), zero restores the CPU's choice. Expanded keys keep their path.
 */
void crypto_aes128_force_portable(int on);

/*
 * The backend's portable path: n (1..CRYPTO_AES128_BLOCKS_MAX) blocks under key,
 * without the AES instructions. One file per backend: ossl/aes128_portable.c,
 * builtin/aes128_portable.c.
 */
mcim_err crypto_aes128_portable(const uint8_t key[16], const uint8_t *in, uint8_t *out,
				size_t n);

#endif
