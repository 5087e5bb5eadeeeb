/*
 * The process-wide hook for a memo of verified signatures: a server that checks the
 * same certificate links and signed objects again and again sets one
 * (mcim_p256_set_memo); each backend's mcim_p256_verify asks it before the curve
 * arithmetic and tells it each triple that verified. A device sets none.
 */
#include "crypto/p256_memo.h"

#include <stdatomic.h>

static _Atomic(const struct mcim_p256_memo *) verify_memo;

void mcim_p256_set_memo(const struct mcim_p256_memo *memo)
{
	atomic_store_explicit(&verify_memo, memo, memory_order_release);
}

const struct mcim_p256_memo *crypto_p256_memo(void)
{
	return atomic_load_explicit(&verify_memo, memory_order_acquire);
}

void crypto_p256_memo_key(const struct mcim_p256_pub *pub,
			  const uint8_t digest[MCIM_SHA256_LEN],
			  const uint8_t sig[MCIM_P256_SIG_LEN],
			  uint8_t key[MCIM_SHA256_LEN])
{
	struct mcim_sha256_ctx h;

	mcim_sha256_init(&h);
	mcim_sha256_update(&h, pub->q, sizeof(pub->q));
	mcim_sha256_update(&h, digest, MCIM_SHA256_LEN);
	mcim_sha256_update(&h, sig, MCIM_P256_SIG_LEN);
	mcim_sha256_final(&h, key);
}
