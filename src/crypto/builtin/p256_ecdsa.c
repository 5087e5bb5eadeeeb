/*
 * ECDSA with SHA-256 on P-256 for the builtin backend (mcim/crypto.h without
 * OpenSSL): signatures as the 64-octet r || s of COSE ES256.
 *
 * Signing (SEC 1 4.1.3) takes its nonce k from RFC 6979 (HMAC_DRBG keyed with the
 * private key and the digest) hedged with 32 fresh octets from mcim_rng_system() as
 * the section 3.6 additional data: a broken or predictable generator still leaves
 * the RFC's deterministic nonce (no repeated k for two messages), and a working one
 * makes two signatures of the same message differ, which defeats fault attacks
 * that compare them. k * G and the arithmetic mod n run in constant time; a
 * candidate k outside [1, n - 1], or one giving r = 0 or s = 0, is replaced by the
 * generator's next (RFC 6979 3.2 step h.3, SEC 1 4.1.3 step 1).
 *
 * Verification (SEC 1 4.1.4) handles public data only; it reuses the constant-time
 * multiplications (u1 * G on the fixed-base table, u2 * Q by windows) rather than
 * carry a second, variable-time implementation. A verifier keeps the decoded point
 * in its own structure: no allocation, and no curve check per verification.
 */
#include <string.h>

#include "core/check.h"
#include "crypto/builtin/p256_int.h"
#include "crypto/p256_memo.h"
#include "mcim/bytes.h"

/* r, s and their intermediates, wiped together: k and d pass through them. */
struct sign_state {
	uint64_t d[CRYPTO_P256_LIMBS], e[CRYPTO_P256_LIMBS], k[CRYPTO_P256_LIMBS],
	    t[CRYPTO_P256_LIMBS];
	uint64_t r[CRYPTO_P256_LIMBS], s[CRYPTO_P256_LIMBS];
	struct crypto_p256_rfc6979 gen;
	struct crypto_p256_point kg;
	struct crypto_p256_affine a;
	uint8_t octets[CRYPTO_P256_BYTES];
};

/* r = x(k G) mod n and s = k^-1 (e + r d) mod n for a k in [1, n - 1]. */
static void sign_with(struct sign_state *st)
{
	crypto_p256_mul_base(&st->kg, st->k);
	(void)crypto_p256_to_affine(&st->a, &st->kg);
	crypto_p256_fe_to_bytes(st->octets, st->a.x);
	crypto_p256_sc_from_bytes(st->r, st->octets);
	crypto_p256_sc_reduce(st->r, st->r);
	/* A Montgomery-form operand times a plain one gives a plain product. */
	crypto_p256_sc_to_mont(st->t, st->r);
	crypto_p256_sc_mul(st->s, st->t, st->d);
	crypto_p256_sc_add(st->s, st->s, st->e);
	crypto_p256_sc_to_mont(st->t, st->k);
	crypto_p256_sc_inv(st->t, st->t);
	crypto_p256_sc_mul(st->s, st->t, st->s);
}

mcim_err crypto_p256_sign_digest(const struct mcim_p256_priv *priv,
				 const uint8_t digest[MCIM_SHA256_LEN],
				 const uint8_t *extra, size_t extra_len,
				 uint8_t sig[MCIM_P256_SIG_LEN])
{
	struct sign_state st;
	mcim_err err = MCIM_ERR_INVALID_ARG;

	MCIM_ASSERT(priv != NULL && digest != NULL && sig != NULL);
	MCIM_ASSERT(extra != NULL || extra_len == 0);
	crypto_p256_sc_from_bytes(st.d, priv->d);
	if (crypto_p256_sc_in_range(st.d) != 0) {
		/* e = the digest as an integer (bits2int for a 256-bit n), mod n. */
		crypto_p256_sc_from_bytes(st.e, digest);
		crypto_p256_sc_reduce(st.e, st.e);
		crypto_p256_rfc6979_init(&st.gen, priv->d, digest, extra, extra_len);
		for (;;) {
			crypto_p256_rfc6979_next(&st.gen, st.octets);
			crypto_p256_sc_from_bytes(st.k, st.octets);
			if (crypto_p256_sc_in_range(st.k) == 0)
				continue;
			sign_with(&st);
			/* r and s are below n: in range means nonzero. */
			if (crypto_p256_sc_in_range(st.r) != 0 &&
			    crypto_p256_sc_in_range(st.s) != 0)
				break;
		}
		crypto_p256_sc_to_bytes(sig, st.r);
		crypto_p256_sc_to_bytes(sig + CRYPTO_P256_BYTES, st.s);
		err = MCIM_OK;
	}
	mcim_wipe(&st, sizeof(st));
	return err;
}

mcim_err mcim_p256_sign(const struct mcim_p256_priv *priv, const uint8_t *msg,
			size_t msg_len, uint8_t sig[MCIM_P256_SIG_LEN])
{
	uint8_t digest[MCIM_SHA256_LEN], extra[MCIM_SHA256_LEN];
	uint64_t d[CRYPTO_P256_LIMBS];
	mcim_err err;

	MCIM_ASSERT(priv != NULL && sig != NULL);
	MCIM_ASSERT(msg != NULL || msg_len == 0);
	/* A key out of range is refused before any randomness is drawn. */
	crypto_p256_sc_from_bytes(d, priv->d);
	err = crypto_p256_sc_in_range(d) != 0 ? MCIM_OK : MCIM_ERR_INVALID_ARG;
	mcim_wipe(d, sizeof(d));
	if (err != MCIM_OK)
		return err;
	(void)mcim_sha256(msg, msg_len, digest);
	err = mcim_rng_fill(mcim_rng_system(), extra, sizeof(extra));
	if (err == MCIM_OK)
		err = crypto_p256_sign_digest(priv, digest, extra, sizeof(extra), sig);
	mcim_wipe(extra, sizeof(extra));
	return err;
}

/* SEC 1 4.1.4 steps 1-8 against the point q. Public data: variable time is fine. */
static mcim_err verify_point(const struct crypto_p256_affine *q, const uint8_t *msg,
			     size_t msg_len, const uint8_t sig[MCIM_P256_SIG_LEN])
{
	uint64_t r[CRYPTO_P256_LIMBS], s[CRYPTO_P256_LIMBS], e[CRYPTO_P256_LIMBS],
	    w[CRYPTO_P256_LIMBS], u1[CRYPTO_P256_LIMBS], u2[CRYPTO_P256_LIMBS],
	    v[CRYPTO_P256_LIMBS];
	uint8_t digest[MCIM_SHA256_LEN], x[CRYPTO_P256_BYTES];
	struct crypto_p256_point a, b;
	struct crypto_p256_affine sum;

	crypto_p256_sc_from_bytes(r, sig);
	crypto_p256_sc_from_bytes(s, sig + CRYPTO_P256_BYTES);
	if (crypto_p256_sc_in_range(r) == 0 || crypto_p256_sc_in_range(s) == 0)
		return MCIM_ERR_BAD_SIGNATURE;
	(void)mcim_sha256(msg, msg_len, digest);
	crypto_p256_sc_from_bytes(e, digest);
	crypto_p256_sc_reduce(e, e);
	/* w = s^-1 in Montgomery form, so u1 = w e and u2 = w r come out plain. */
	crypto_p256_sc_to_mont(w, s);
	crypto_p256_sc_inv(w, w);
	crypto_p256_sc_mul(u1, w, e);
	crypto_p256_sc_mul(u2, w, r);
	crypto_p256_mul_base(&a, u1);
	crypto_p256_mul(&b, q, u2);
	crypto_p256_point_add(&a, &a, &b);
	if (!crypto_p256_to_affine(&sum, &a))
		return MCIM_ERR_BAD_SIGNATURE;
	crypto_p256_fe_to_bytes(x, sum.x);
	crypto_p256_sc_from_bytes(v, x);
	crypto_p256_sc_reduce(v, v);
	return memcmp(v, r, sizeof(v)) == 0 ? MCIM_OK : MCIM_ERR_BAD_SIGNATURE;
}

mcim_err mcim_p256_verify(const struct mcim_p256_pub *pub, const uint8_t *msg,
			  size_t msg_len, const uint8_t sig[MCIM_P256_SIG_LEN])
{
	const struct mcim_p256_memo *memo = crypto_p256_memo();
	uint8_t digest[MCIM_SHA256_LEN], key[MCIM_SHA256_LEN];
	struct crypto_p256_affine q;
	mcim_err err;

	MCIM_ASSERT(pub != NULL && sig != NULL);
	MCIM_ASSERT(msg != NULL || msg_len == 0);
	if (memo != NULL) {
		uint64_t r[CRYPTO_P256_LIMBS], s[CRYPTO_P256_LIMBS];

		/* Only a signature in range reaches the memo, as in the other backend. */
		crypto_p256_sc_from_bytes(r, sig);
		crypto_p256_sc_from_bytes(s, sig + CRYPTO_P256_BYTES);
		if (crypto_p256_sc_in_range(r) == 0 || crypto_p256_sc_in_range(s) == 0)
			return MCIM_ERR_BAD_SIGNATURE;
		(void)mcim_sha256(msg, msg_len, digest);
		crypto_p256_memo_key(pub, digest, sig, key);
		if (memo->seen(memo->arg, key))
			return MCIM_OK;
	}
	if (crypto_p256_point_decode(&q, pub->q) != MCIM_OK)
		return MCIM_ERR_BAD_SIGNATURE;
	err = verify_point(&q, msg, msg_len, sig);
	if (err == MCIM_OK && memo != NULL)
		memo->add(memo->arg, key);
	return err;
}

/* The verifier keeps x then y of the affine point in q; (0, 0) is no curve point, so
 * all zero marks an empty verifier. */
_Static_assert(sizeof(((struct mcim_p256_verifier *)0)->q) ==
		   sizeof(struct crypto_p256_affine),
	       "mcim_p256_verifier.q holds one affine point");

#ifndef NDEBUG
/* For the asserts. */
static int verifier_empty(const struct mcim_p256_verifier *v)
{
	uint64_t any = 0;

	for (size_t i = 0; i < sizeof(v->q) / sizeof(v->q[0]); i++)
		any |= v->q[i];
	return any == 0;
}
#endif

mcim_err mcim_p256_verifier_init(struct mcim_p256_verifier *v,
				 const struct mcim_p256_pub *pub)
{
	struct crypto_p256_affine q;

	MCIM_ASSERT(v != NULL && pub != NULL);
	memset(v, 0, sizeof(*v));
	if (crypto_p256_point_decode(&q, pub->q) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	memcpy(v->q, q.x, sizeof(q.x));
	memcpy(v->q + CRYPTO_P256_LIMBS, q.y, sizeof(q.y));
	return MCIM_OK;
}

mcim_err mcim_p256_verifier_verify(const struct mcim_p256_verifier *v, const uint8_t *msg,
				   size_t msg_len, const uint8_t sig[MCIM_P256_SIG_LEN])
{
	struct crypto_p256_affine q;

	MCIM_ASSERT(v != NULL && !verifier_empty(v) && sig != NULL);
	MCIM_ASSERT(msg != NULL || msg_len == 0);
	memcpy(q.x, v->q, sizeof(q.x));
	memcpy(q.y, v->q + CRYPTO_P256_LIMBS, sizeof(q.y));
	return verify_point(&q, msg, msg_len, sig);
}

void mcim_p256_verifier_free(struct mcim_p256_verifier *v)
{
	MCIM_ASSERT(v != NULL);
	memset(v, 0, sizeof(*v));
}
