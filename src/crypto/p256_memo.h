/*
 * Internal: the memo of verified signatures (mcim_p256_set_memo in mcim/crypto.h),
 * shared by both backends' mcim_p256_verify so that a server gets it whichever
 * backend it is built on.
 */
#ifndef MCIM_CRYPTO_P256_MEMO_H
#define MCIM_CRYPTO_P256_MEMO_H

#include <stdint.h>

#include "mcim/crypto.h"

/* The memo set, or NULL. */
const struct mcim_p256_memo *crypto_p256_memo(void);

/* The memo's key of a triple: SHA-256(pub || digest || sig). */
void crypto_p256_memo_key(const struct mcim_p256_pub *pub,
			  const uint8_t digest[MCIM_SHA256_LEN],
			  const uint8_t sig[MCIM_P256_SIG_LEN],
			  uint8_t key[MCIM_SHA256_LEN]);

#endif
