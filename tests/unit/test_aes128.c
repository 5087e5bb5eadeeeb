/*
 * The AES-128 used by MILENAGE: the FIPS-197 appendix C.1 example on both paths
 * (AES instructions and OpenSSL EVP), and the two paths agreeing on every batch size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/aes128.h"

static void fips197_example(void **state)
{
	static const uint8_t key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
					0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
	static const uint8_t pt[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				       0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
	static const uint8_t ct[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
				       0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
	struct crypto_aes128 aes;
	uint8_t out[16];

	(void)state;
	crypto_aes128_init(&aes, key);
	assert_int_equal(crypto_aes128_encrypt(&aes, pt, out, 1), 0);
	assert_memory_equal(out, ct, 16);
	aes.use_aesni = 0;
	assert_int_equal(crypto_aes128_encrypt(&aes, pt, out, 1), 0);
	assert_memory_equal(out, ct, 16);
	crypto_aes128_wipe(&aes);
}

static void paths_agree(void **state)
{
	uint8_t key[16], in[16 * CRYPTO_AES128_BLOCKS_MAX];
	uint8_t a[sizeof(in)], b[sizeof(in)];
	struct crypto_aes128 hw, sw;

	(void)state;
	for (int round = 0; round < 64; round++) {
		for (size_t i = 0; i < sizeof(key); i++)
			key[i] = (uint8_t)(round * 31 + (int)i * 7);
		for (size_t i = 0; i < sizeof(in); i++)
			in[i] = (uint8_t)(round + (int)i * 13);
		crypto_aes128_init(&hw, key);
		crypto_aes128_init(&sw, key);
		sw.use_aesni = 0;
		for (size_t n = 1; n <= CRYPTO_AES128_BLOCKS_MAX; n++) {
			assert_int_equal(crypto_aes128_encrypt(&hw, in, a, n), 0);
			assert_int_equal(crypto_aes128_encrypt(&sw, in, b, n), 0);
			assert_memory_equal(a, b, 16 * n);
		}
		/* In place gives the same. */
		memcpy(b, in, sizeof(in));
		assert_int_equal(
		    crypto_aes128_encrypt(&hw, b, b, CRYPTO_AES128_BLOCKS_MAX), 0);
		assert_memory_equal(a, b, sizeof(in));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fips197_example),
	    cmocka_unit_test(paths_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
