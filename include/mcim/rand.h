/*
 * mcim/rand.h: where randomness comes from.
 *
 * Protocol code never calls a random source directly: it takes a struct mcim_rng, so
 * tests can drive it exactly and devices can plug in their hardware generator.
 * mcim_rng_system() is the default: the operating system's CSPRNG (through OpenSSL's
 * RAND_bytes with the openssl crypto backend, getrandom(2) with the builtin one),
 * buffered per thread so that a 16-octet RAND costs a copy, not a system call; a
 * forked child never hands out octets its parent's buffer held.
 */
#ifndef MCIM_RAND_H
#define MCIM_RAND_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"

struct mcim_rng {
	/* Fills buf with len unpredictable octets; MCIM_ERR_RANDOM when it cannot. */
	mcim_err (*fill)(void *self, uint8_t *buf, size_t len);
	void *self;
};

/* The process-wide default generator (thread-safe). Never NULL. */
const struct mcim_rng *mcim_rng_system(void);

/* rng->fill(rng->self, buf, len) */
mcim_err mcim_rng_fill(const struct mcim_rng *rng, uint8_t *buf, size_t len);

#endif
