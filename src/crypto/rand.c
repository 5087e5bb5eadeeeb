/*
 * The default random generator: the backend's source (crypto_rand_os, rand_int.h)
 * read in blocks into a per-thread pool. Challenges such as RAND are drawn by the
 * million on the AuC; one call to the source per 16 octets would cost more than the
 * MILENAGE computation itself (getrandom(2) of 16 octets: about 1.5 us measured).
 * Octets are consumed once and the pool is wiped as it is used, so no value is
 * handed out twice.
 *
 * After fork() the child has a copy of its parent's pool and must not hand out the
 * same octets. The pool remembers the fork generation it was filled in; a
 * pthread_atfork handler moves the generation on in every child, and a pool of an
 * older generation is wiped and refilled. Comparing getpid() on every draw would do
 * the same at the price of a system call (1.1 us measured: as much as a 5G vector);
 * should the handler not be registered, every draw goes to the source directly.
 */
#include "mcim/rand.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "core/check.h"
#include "crypto/rand_int.h"
#include "mcim/bytes.h"

/* An AuC draws a RAND per vector, 32 at once for a batch: 4 KiB per thread keeps the
 * source's per-call cost off them (1 KiB cost a quarter of the batch rate). A device
 * draws a few nonces per session and counts its memory: the builtin backend, the
 * devices' one, keeps 256 octets. */
#ifdef MCIM_CRYPTO_BUILTIN
#define RAND_POOL_SIZE 256
#else
#define RAND_POOL_SIZE 4096
#endif
/* Longer requests bypass the pool: they would empty most of it at once. */
#define RAND_DIRECT_MIN (RAND_POOL_SIZE / 4 + 1)

struct rand_pool {
	uint8_t buf[RAND_POOL_SIZE];
	size_t pos;	   /* octets of buf already handed out */
	unsigned long gen; /* fork generation buf was filled in; 0: never filled */
};

static _Thread_local struct rand_pool pool;
static atomic_ulong fork_gen = 1;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static int fork_watched;

static void on_fork_child(void)
{
	atomic_fetch_add_explicit(&fork_gen, 1, memory_order_relaxed);
}

static void watch_forks(void)
{
	fork_watched = pthread_atfork(NULL, NULL, on_fork_child) == 0;
}

static mcim_err pool_refill(unsigned long gen)
{
	mcim_err err = crypto_rand_os(pool.buf, sizeof(pool.buf));

	if (err != MCIM_OK) {
		mcim_wipe(&pool, sizeof(pool));
		return err;
	}
	pool.pos = 0;
	pool.gen = gen;
	return MCIM_OK;
}

static mcim_err system_fill(void *self, uint8_t *buf, size_t len)
{
	unsigned long gen;

	(void)self;
	if (len == 0)
		return MCIM_OK; /* buf may be NULL: nothing to copy */
	pthread_once(&fork_once, watch_forks);
	if (len >= RAND_DIRECT_MIN || !fork_watched)
		return crypto_rand_os(buf, len);
	gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
	if (pool.gen != gen || RAND_POOL_SIZE - pool.pos < len) {
		mcim_err err = pool_refill(gen);

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
	MCIM_ASSERT(rng != NULL && rng->fill != NULL);
	MCIM_ASSERT(buf != NULL || len == 0);
	return rng->fill(rng->self, buf, len);
}
