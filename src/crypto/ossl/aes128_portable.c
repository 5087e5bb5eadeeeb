/*
 * AES-128 without the AES instructions for the OpenSSL backend (aes128.h): the
 * blocks go through OpenSSL's EVP interface in ECB mode, whose portable AES is
 * constant time. A context per call: MILENAGE takes this path only on CPUs without
 * AES-NI, or when a test forces it.
 */
#include "crypto/aes128.h"

#include <openssl/err.h>
#include <openssl/evp.h>

mcim_err crypto_aes128_portable(const uint8_t key[16], const uint8_t *in, uint8_t *out,
				size_t n)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0;
	int ok;

	if (ctx == NULL)
		return MCIM_ERR_CRYPTO;
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     EVP_EncryptUpdate(ctx, out, &len, in, (int)(16 * n)) == 1 &&
	     (size_t)len == 16 * n;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		ERR_clear_error();
	return ok ? MCIM_OK : MCIM_ERR_CRYPTO;
}
