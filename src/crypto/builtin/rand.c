/*
 * The operating system's randomness without OpenSSL (crypto_rand_os, rand_int.h):
 * getrandom(2), the kernel's generator, which blocks only until it is seeded once
 * after boot. A call returns at most 32 MiB and may be cut short by a signal, so the
 * request is taken in pieces until it is whole.
 */
#include "crypto/rand_int.h"

#include <errno.h>
#include <sys/random.h>

#define RAND_CALL_MAX (1u << 25)

mcim_err crypto_rand_os(uint8_t *buf, size_t len)
{
	while (len != 0) {
		ssize_t n = getrandom(buf, len < RAND_CALL_MAX ? len : RAND_CALL_MAX, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MCIM_ERR_RANDOM;
		buf += n;
		len -= (size_t)n;
	}
	return MCIM_OK;
}
