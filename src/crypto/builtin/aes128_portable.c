/*
 * AES-128 without the AES instructions for the builtin backend (aes128.h): the
 * bitsliced constant-time AES of aes_ct.c, four blocks per pass. The key is expanded
 * on each call, as the OpenSSL backend's EVP path does: MILENAGE takes this path
 * only on CPUs without AES-NI (or when a test forces it), a few blocks per
 * authentication.
 */
#include "crypto/aes128.h"

#include "core/check.h"
#include "crypto/builtin/aes_ct.h"

mcim_err crypto_aes128_portable(const uint8_t key[16], const uint8_t *in, uint8_t *out,
				size_t n)
{
	struct crypto_aes_ct c;

	MCIM_ASSERT(n >= 1 && n <= CRYPTO_AES128_BLOCKS_MAX);
	crypto_aes_ct_init(&c, key, 16);
	while (n != 0) {
		size_t k = n < CRYPTO_AES_CT_BLOCKS ? n : CRYPTO_AES_CT_BLOCKS;

		crypto_aes_ct_encrypt(&c, in, out, k);
		in += 16 * k;
		out += 16 * k;
		n -= k;
	}
	crypto_aes_ct_wipe(&c);
	return MCIM_OK;
}
