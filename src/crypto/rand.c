/*
 * The default random generator: OpenSSL's RAND_bytes (seeded from the operating
 * system) read in blocks into a per-thread buffer. Challenges such as RAND are drawn
 * by the million on the AuC; one RAND_bytes call per 16 octets would cost more than
 * the MILENAGE computation itself. Octets are consumed once and the buffer is wiped
 * as it is used, so no value is handed out twice.
 */
#include "mcim/rand.h"

#include <assert.h>
#include <string.h>

#include <openssl/rand.h>

#include "mcim/bytes.h"

#define RAND_POOL_SIZE 4096

struct rand_pool {
	uint8_t buf[RAND_POOL_SIZE];
	size_t pos; /* octets of buf already handed out */
	int filled;
};

static _Thread_local struct rand_pool pool;

static mcim_err pool_refill(void)
{
	if (RAND_bytes(pool.buf, (int)sizeof(pool.buf)) != 1)
		return MCIM_ERR_RANDOM;
	pool.pos = 0;
	pool.filled = 1;
	return MCIM_OK;
}

static mcim_err system_fill(void *self, uint8_t *buf, size_t len)
{
	(void)self;
	if (len > RAND_POOL_SIZE / 4)
		return RAND_bytes(buf, (int)len) == 1 ? MCIM_OK : MCIM_ERR_RANDOM;
	if (!pool.filled || RAND_POOL_SIZE - pool.pos < len) {
		mcim_err err = pool_refill();
		if (err != MCIM_OK)
			return err;
	}
	memcpy(buf, pool.buf + pool.pos, len);
	mcim_wipe(pool.buf + pool.pos, len);
	pool.pos += len;
	return MCIM_OK;
}

static const struct mcim_rng system_rng = {system_fill, NULL};

const struct mcim_rng *mcim_rng_system(void)
{
	return &system_rng;
}

mcim_err mcim_rng_fill(const struct mcim_rng *rng, uint8_t *buf, size_t len)
{
	assert(rng != NULL && rng->fill != NULL);
	assert(buf != NULL || len == 0);
	return rng->fill(rng->self, buf, len);
}
