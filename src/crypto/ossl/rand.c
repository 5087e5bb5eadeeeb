/*
 * The operating system's randomness through OpenSSL (crypto_rand_os, rand_int.h):
 * RAND_bytes, OpenSSL's DRBG, which the kernel seeds and which reseeds itself after
 * a fork. It takes int lengths, so long requests go in pieces.
 */
#include "crypto/rand_int.h"

#include <limits.h>

#include <openssl/err.h>
#include <openssl/rand.h>

mcim_err crypto_rand_os(uint8_t *buf, size_t len)
{
	while (len != 0) {
		int n = len < INT_MAX ? (int)len : INT_MAX;

		if (RAND_bytes(buf, n) != 1) {
			ERR_clear_error();
			return MCIM_ERR_RANDOM;
		}
		buf += n;
		len -= (size_t)n;
	}
	return MCIM_OK;
}
