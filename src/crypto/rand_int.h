/*
 * Internal: the operating system's randomness as the crypto backend reaches it. The
 * pool of mcim_rng_system() (rand.c) is filled from here; each backend has its own
 * file: ossl/rand.c (OpenSSL's RAND_bytes, a DRBG seeded by the kernel) and
 * builtin/rand.c (getrandom(2), the kernel's generator itself).
 */
#ifndef MCIM_CRYPTO_RAND_INT_H
#define MCIM_CRYPTO_RAND_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"

/* Fills all len octets of buf (any length), or returns MCIM_ERR_RANDOM. Thread-safe. */
mcim_err crypto_rand_os(uint8_t *buf, size_t len);

#endif
