/*
 * P-256 keys and ECDH for the builtin backend (mcim/crypto.h without OpenSSL): key
 * generation, the public key of a private one, public-key checks, and the shared
 * secret. The arithmetic is in p256_field.c, p256_scalar.c and p256_point.c;
 * signatures are in p256_ecdsa.c.
 *
 * A private scalar is checked against [1, n - 1] without a branch on its value (only
 * on the verdict), then multiplied in constant time. The projective result of a
 * secret multiplication is wiped once converted: its Z coordinate leaks bits of the
 * scalar to whoever sees it (Naccache, Smart and Stern, "Projective coordinates
 * leak", EUROCRYPT 2004). Every scalar and shared secret held here is wiped, on
 * error paths too.
 */
#include <string.h>

#include "core/check.h"
#include "crypto/builtin/p256_int.h"
#include "mcim/bytes.h"

void mcim_p256_priv_wipe(struct mcim_p256_priv *priv)
{
	MCIM_ASSERT(priv != NULL);
	mcim_wipe(priv, sizeof(*priv));
}

/* pub = d * G for d in [1, n - 1], which is never the point at infinity. */
static void base_pub(const uint64_t d[CRYPTO_P256_LIMBS], struct mcim_p256_pub *pub)
{
	struct crypto_p256_point q;
	struct crypto_p256_affine a;

	crypto_p256_mul_base(&q, d);
	(void)crypto_p256_to_affine(&a, &q);
	crypto_p256_point_encode(pub->q, &a);
	mcim_wipe(&q, sizeof(q));
}

/* The builtin signature works on the scalar itself: nothing to keep imported. */
void mcim_p256_keep_signing_keys(bool on)
{
	(void)on;
}

mcim_err mcim_p256_pub_from_priv(const struct mcim_p256_priv *priv,
				 struct mcim_p256_pub *pub)
{
	uint64_t d[CRYPTO_P256_LIMBS];
	mcim_err err = MCIM_ERR_INVALID_ARG;

	MCIM_ASSERT(priv != NULL && pub != NULL);
	crypto_p256_sc_from_bytes(d, priv->d);
	if (crypto_p256_sc_in_range(d) != 0) {
		base_pub(d, pub);
		err = MCIM_OK;
	}
	mcim_wipe(d, sizeof(d));
	return err;
}

mcim_err crypto_p256_keygen_rng(const struct mcim_rng *rng, struct mcim_p256_priv *priv,
				struct mcim_p256_pub *pub)
{
	struct mcim_p256_priv key;
	uint64_t d[CRYPTO_P256_LIMBS];
	mcim_err err = MCIM_ERR_RANDOM;

	MCIM_ASSERT(rng != NULL && priv != NULL && pub != NULL);
	/* Rejection sampling (FIPS 186-5 A.4.2): a uniform 256-bit candidate is kept
	 * when it lies in [1, n - 1], so d is uniform there. Only the verdict on each
	 * candidate is branched on; a rejected one is discarded. */
	for (int i = 0; i < CRYPTO_P256_KEYGEN_TRIES; i++) {
		err = mcim_rng_fill(rng, key.d, sizeof(key.d));
		if (err != MCIM_OK)
			break;
		crypto_p256_sc_from_bytes(d, key.d);
		if (crypto_p256_sc_in_range(d) != 0) {
			base_pub(d, pub);
			*priv = key;
			break;
		}
		err = MCIM_ERR_RANDOM;
	}
	mcim_p256_priv_wipe(&key);
	mcim_wipe(d, sizeof(d));
	return err;
}

mcim_err mcim_p256_keygen(struct mcim_p256_priv *priv, struct mcim_p256_pub *pub)
{
	return crypto_p256_keygen_rng(mcim_rng_system(), priv, pub);
}

mcim_err mcim_p256_pub_check(const struct mcim_p256_pub *pub)
{
	struct crypto_p256_affine q;

	MCIM_ASSERT(pub != NULL);
	return crypto_p256_point_decode(&q, pub->q);
}

mcim_err mcim_p256_ecdh(const struct mcim_p256_priv *priv,
			const struct mcim_p256_pub *peer, uint8_t z[MCIM_P256_ECDH_LEN])
{
	uint64_t d[CRYPTO_P256_LIMBS];
	struct crypto_p256_affine q, shared;
	struct crypto_p256_point sp;
	uint8_t out[MCIM_P256_ECDH_LEN];
	mcim_err err = MCIM_ERR_INVALID_ARG;

	MCIM_ASSERT(priv != NULL && peer != NULL && z != NULL);
	crypto_p256_sc_from_bytes(d, priv->d);
	if (crypto_p256_sc_in_range(d) != 0 &&
	    crypto_p256_point_decode(&q, peer->q) == MCIM_OK) {
		crypto_p256_mul(&sp, &q, d);
		/* SP 800-56A 5.7.1.2: an error if d * Q is the point at infinity. With a
		 * point of the curve (prime order n) and d in [1, n - 1] only a fault in
		 * the computation gets here. */
		if (crypto_p256_to_affine(&shared, &sp)) {
			crypto_p256_fe_to_bytes(out, shared.x);
			memcpy(z, out, sizeof(out));
			err = MCIM_OK;
		}
	}
	mcim_wipe(d, sizeof(d));
	mcim_wipe(&sp, sizeof(sp));
	mcim_wipe(&shared, sizeof(shared));
	mcim_wipe(out, sizeof(out));
	return err;
}
