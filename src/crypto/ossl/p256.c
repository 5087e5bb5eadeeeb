/*
 * P-256 for openmcim: key generation, ECDSA with SHA-256 (r||s at the interface, DER
 * inside OpenSSL) and ECDH, on OpenSSL 3 without the deprecated EC_KEY interface.
 *
 * Where the time goes (OpenSSL 3.0, measured): importing a raw key through
 * EVP_PKEY_fromdata builds the curve's group from its name on every call (about
 * 15 us, as much as a signature). So:
 * - ECDH, public-key checks and key generation work on EC_POINTs of the group fetched
 *   once (crypto_algs): the same constant-time scalar multiplication OpenSSL's ECDH
 *   runs, without the two key imports (40 us instead of 72 us per ECDH);
 * - a public key for verification is a copy of a parameters-only key with the point
 *   set (7 us instead of 16 us); mcim_p256_verifier keeps it for many verifications;
 * - signing imports the private scalar with EVP_PKEY_fromdata, through a stack buffer
 *   that is wiped; OpenSSL clears its own copies when the key is freed. A server may
 *   have its signing keys kept imported (mcim_p256_keep_signing_keys).
 * A server may set a memo of the signatures that verified (mcim_p256_set_memo): a
 * verification it has made before is answered from the memo, without the curve.
 * Every scalar and shared secret this file holds is wiped, on error paths too.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "core/check.h"
#include "crypto/ossl/crypto_int.h"
#include "crypto/der.h"
#include "crypto/p256_memo.h"
#include "mcim/bytes.h"
#include "mcim/crypto.h"

#define P256_LEN 32
/* DER of an ECDSA-Sig-Value with two 33-octet INTEGERs. */
#define P256_SIG_DER_MAX 72
/* FIPS 186-4 B.4.1: 64 random bits beyond the order's length make the bias of the
 * reduction negligible, with no rejection loop. */
#define P256_KEYGEN_RANDOM (P256_LEN + 8)

/* The group order n and the field prime p, big-endian. */
static const uint8_t p256_n[P256_LEN] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
					 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
					 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
static const uint8_t p256_p[P256_LEN] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
					 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* 1 when 0 < s < n. Private scalars pass through here: no branch on their value. */
static int scalar_in_range(const uint8_t s[P256_LEN])
{
	unsigned borrow = 0, any = 0;

	for (size_t i = P256_LEN; i-- > 0;) {
		unsigned diff = (unsigned)s[i] - p256_n[i] - borrow;

		borrow = (diff >> 8) & 1u;
		any |= s[i];
	}
	/* s - n borrows exactly when s < n. */
	return (int)(borrow & (unsigned)((any + 0xffu) >> 8));
}

/* 1 when x < p (a canonical coordinate). Public data. */
static int coord_below_p(const uint8_t x[P256_LEN])
{
	return memcmp(x, p256_p, P256_LEN) < 0;
}

/* The octet-level checks of an uncompressed point; the curve equation is OpenSSL's. */
static int pub_encoding_ok(const struct mcim_p256_pub *pub)
{
	return pub->q[0] == 0x04 && coord_below_p(pub->q + 1) &&
	       coord_below_p(pub->q + 1 + P256_LEN);
}

/* The point of a pub whose encoding is known to be right, or NULL (not on the curve,
 * or out of memory). oct2point checks the curve equation; 65 octets cannot encode
 * the point at infinity. */
static EC_POINT *point_decode(const struct crypto_algs *algs,
			      const struct mcim_p256_pub *pub, BN_CTX *bn)
{
	EC_POINT *pt = EC_POINT_new(algs->p256);

	if (pt != NULL &&
	    EC_POINT_oct2point(algs->p256, pt, pub->q, sizeof(pub->q), bn) != 1) {
		EC_POINT_free(pt);
		pt = NULL;
	}
	return pt;
}

/* A secret scalar as a BIGNUM flagged for constant-time arithmetic, or NULL. */
static BIGNUM *scalar_bn(const uint8_t d[P256_LEN])
{
	BIGNUM *bn = BN_secure_new();

	if (bn == NULL)
		return NULL;
	BN_set_flags(bn, BN_FLG_CONSTTIME);
	if (BN_bin2bn(d, P256_LEN, bn) == NULL) {
		BN_clear_free(bn);
		return NULL;
	}
	return bn;
}

void mcim_p256_priv_wipe(struct mcim_p256_priv *priv)
{
	MCIM_ASSERT(priv != NULL);
	mcim_wipe(priv, sizeof(*priv));
}

/* pub = d * G for a scalar already known to be in range. */
static mcim_err base_mul(const struct crypto_algs *algs, const BIGNUM *d,
			 struct mcim_p256_pub *pub)
{
	BN_CTX *bn = BN_CTX_secure_new();
	EC_POINT *q = EC_POINT_new(algs->p256);
	mcim_err err = MCIM_OK;

	if (bn == NULL || q == NULL)
		err = MCIM_ERR_NOMEM;
	else if (EC_POINT_mul(algs->p256, q, d, NULL, NULL, bn) != 1 ||
		 EC_POINT_point2oct(algs->p256, q, POINT_CONVERSION_UNCOMPRESSED, pub->q,
				    sizeof(pub->q), bn) != sizeof(pub->q))
		err = MCIM_ERR_CRYPTO;
	EC_POINT_clear_free(q);
	BN_CTX_free(bn);
	return err == MCIM_OK ? MCIM_OK : crypto_ossl_fail(err);
}

mcim_err mcim_p256_pub_from_priv(const struct mcim_p256_priv *priv,
				 struct mcim_p256_pub *pub)
{
	const struct crypto_algs *algs = crypto_algs();
	struct mcim_p256_pub out;
	BIGNUM *d;
	mcim_err err;

	MCIM_ASSERT(priv != NULL && pub != NULL);
	if (!scalar_in_range(priv->d))
		return MCIM_ERR_INVALID_ARG;
	if (algs == NULL)
		return MCIM_ERR_CRYPTO;
	d = scalar_bn(priv->d);
	if (d == NULL)
		return crypto_ossl_fail(MCIM_ERR_NOMEM);
	err = base_mul(algs, d, &out);
	BN_clear_free(d);
	if (err == MCIM_OK)
		*pub = out;
	return err;
}

mcim_err mcim_p256_keygen(struct mcim_p256_priv *priv, struct mcim_p256_pub *pub)
{
	const struct crypto_algs *algs = crypto_algs();
	uint8_t rnd[P256_KEYGEN_RANDOM];
	struct mcim_p256_priv key;
	struct mcim_p256_pub q;
	BIGNUM *c = NULL;
	BN_CTX *bn = NULL;
	mcim_err err = MCIM_OK;

	MCIM_ASSERT(priv != NULL && pub != NULL);
	if (algs == NULL)
		return MCIM_ERR_CRYPTO;
	if (RAND_priv_bytes(rnd, sizeof(rnd)) != 1)
		return crypto_ossl_fail(MCIM_ERR_RANDOM);
	/* d = (c mod (n - 1)) + 1 lies in [1, n - 1]. */
	c = BN_secure_new();
	bn = BN_CTX_secure_new();
	if (c == NULL || bn == NULL) {
		err = MCIM_ERR_NOMEM;
		goto out;
	}
	BN_set_flags(c, BN_FLG_CONSTTIME);
	if (BN_bin2bn(rnd, sizeof(rnd), c) == NULL ||
	    BN_nnmod(c, c, algs->p256_order_minus_1, bn) != 1 || BN_add_word(c, 1) != 1 ||
	    BN_bn2binpad(c, key.d, sizeof(key.d)) != sizeof(key.d)) {
		err = MCIM_ERR_CRYPTO;
		goto out;
	}
	err = base_mul(algs, c, &q);
	if (err == MCIM_OK) {
		*priv = key;
		*pub = q;
	}
out:
	BN_clear_free(c);
	BN_CTX_free(bn);
	mcim_wipe(rnd, sizeof(rnd));
	mcim_p256_priv_wipe(&key);
	return err == MCIM_OK ? MCIM_OK : crypto_ossl_fail(err);
}

mcim_err mcim_p256_pub_check(const struct mcim_p256_pub *pub)
{
	const struct crypto_algs *algs = crypto_algs();
	EC_POINT *pt;

	MCIM_ASSERT(pub != NULL);
	if (!pub_encoding_ok(pub))
		return MCIM_ERR_INVALID_ARG;
	if (algs == NULL)
		return MCIM_ERR_CRYPTO;
	pt = point_decode(algs, pub, NULL);
	if (pt == NULL)
		return crypto_ossl_fail(MCIM_ERR_INVALID_ARG);
	EC_POINT_free(pt);
	return MCIM_OK;
}

mcim_err mcim_p256_ecdh(const struct mcim_p256_priv *priv,
			const struct mcim_p256_pub *peer, uint8_t z[MCIM_P256_ECDH_LEN])
{
	const struct crypto_algs *algs = crypto_algs();
	BN_CTX *bn = NULL;
	EC_POINT *q = NULL, *shared = NULL;
	BIGNUM *d = NULL, *x = NULL;
	uint8_t out[MCIM_P256_ECDH_LEN];
	mcim_err err = MCIM_OK;

	MCIM_ASSERT(priv != NULL && peer != NULL && z != NULL);
	if (!scalar_in_range(priv->d) || !pub_encoding_ok(peer))
		return MCIM_ERR_INVALID_ARG;
	if (algs == NULL)
		return MCIM_ERR_CRYPTO;
	bn = BN_CTX_secure_new();
	if (bn == NULL) {
		err = MCIM_ERR_NOMEM;
		goto out;
	}
	q = point_decode(algs, peer, bn);
	if (q == NULL) {
		err = MCIM_ERR_INVALID_ARG;
		goto out;
	}
	d = scalar_bn(priv->d);
	shared = EC_POINT_new(algs->p256);
	x = BN_secure_new();
	if (d == NULL || shared == NULL || x == NULL) {
		err = MCIM_ERR_NOMEM;
		goto out;
	}
	/* P-256's cofactor is 1: a point on the curve other than infinity times a scalar
	 * in [1, n-1] is never infinity, so the affine X always exists. */
	if (EC_POINT_mul(algs->p256, shared, NULL, q, d, bn) != 1 ||
	    EC_POINT_get_affine_coordinates(algs->p256, shared, x, NULL, bn) != 1 ||
	    BN_bn2binpad(x, out, sizeof(out)) != sizeof(out)) {
		err = MCIM_ERR_CRYPTO;
		goto out;
	}
	memcpy(z, out, sizeof(out));
out:
	mcim_wipe(out, sizeof(out));
	BN_clear_free(x);
	BN_clear_free(d);
	EC_POINT_clear_free(shared);
	EC_POINT_free(q);
	BN_CTX_free(bn);
	return err == MCIM_OK ? MCIM_OK : crypto_ossl_fail(err);
}

/* OSSL_PARAM carries integers in the host's byte order. */
static void scalar_to_native(const uint8_t be[P256_LEN], uint8_t out[P256_LEN])
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	memcpy(out, be, P256_LEN);
#else
	for (size_t i = 0; i < P256_LEN; i++)
		out[i] = be[P256_LEN - 1 - i];
#endif
}

/* An EVP key holding the private scalar (already checked to be in range), or NULL. */
static EVP_PKEY *priv_import(const struct mcim_p256_priv *priv)
{
	uint8_t native[P256_LEN];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[3];

	scalar_to_native(priv->d, native);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)"prime256v1", 0);
	params[1] =
	    OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, native, sizeof(native));
	params[2] = OSSL_PARAM_construct_end();
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	mcim_wipe(native, sizeof(native));
	return pkey;
}

/* The kept signing keys: a copy of each scalar (to find it; cleared when dropped)
 * and OpenSSL's key. A key in use holds its own reference, so dropping one from the
 * table never frees a key another thread signs with. */
static struct {
	pthread_mutex_t lock;
	bool on;
	uint64_t tick;
	struct {
		uint8_t d[P256_LEN];
		EVP_PKEY *pkey;
		uint64_t used;
	} slot[MCIM_P256_KEPT_SIGNERS];
} kept = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void kept_drop(size_t i)
{
	EVP_PKEY_free(kept.slot[i].pkey);
	mcim_wipe(&kept.slot[i], sizeof(kept.slot[i]));
}

void mcim_p256_keep_signing_keys(bool on)
{
	pthread_mutex_lock(&kept.lock);
	kept.on = on;
	for (size_t i = 0; !on && i < MCIM_P256_KEPT_SIGNERS; i++)
		kept_drop(i);
	pthread_mutex_unlock(&kept.lock);
}

size_t crypto_ossl_kept_signers(void)
{
	size_t n = 0;

	pthread_mutex_lock(&kept.lock);
	for (size_t i = 0; i < MCIM_P256_KEPT_SIGNERS; i++)
		n += kept.slot[i].pkey != NULL;
	pthread_mutex_unlock(&kept.lock);
	return n;
}

/* Every slot is compared: the scan does not stop where the key is. */
static EVP_PKEY *kept_find(const struct mcim_p256_priv *priv)
{
	EVP_PKEY *found = NULL;

	for (size_t i = 0; i < MCIM_P256_KEPT_SIGNERS; i++) {
		int same = kept.slot[i].pkey != NULL &&
			   mcim_ct_equal(kept.slot[i].d, priv->d, P256_LEN);

		if (same && found == NULL) {
			found = kept.slot[i].pkey;
			kept.slot[i].used = ++kept.tick;
		}
	}
	return found;
}

static void kept_add(const struct mcim_p256_priv *priv, EVP_PKEY *pkey)
{
	size_t lru = 0;

	if (kept_find(priv) != NULL || EVP_PKEY_up_ref(pkey) != 1)
		return; /* another thread kept it meanwhile, or no reference to give */
	for (size_t i = 1; i < MCIM_P256_KEPT_SIGNERS; i++)
		if (kept.slot[i].used < kept.slot[lru].used)
			lru = i;
	kept_drop(lru);
	memcpy(kept.slot[lru].d, priv->d, P256_LEN);
	kept.slot[lru].pkey = pkey;
	kept.slot[lru].used = ++kept.tick;
}

/* The key to sign with (the caller frees its reference), or NULL. */
static EVP_PKEY *signing_key(const struct mcim_p256_priv *priv)
{
	EVP_PKEY *pkey;

	pthread_mutex_lock(&kept.lock);
	pkey = kept.on ? kept_find(priv) : NULL;
	if (pkey != NULL && EVP_PKEY_up_ref(pkey) != 1)
		pkey = NULL;
	pthread_mutex_unlock(&kept.lock);
	if (pkey != NULL)
		return pkey;
	/* Imported outside the lock: other threads' signatures do not wait for it. */
	pkey = priv_import(priv);
	pthread_mutex_lock(&kept.lock);
	if (pkey != NULL && kept.on)
		kept_add(priv, pkey);
	pthread_mutex_unlock(&kept.lock);
	return pkey;
}

mcim_err mcim_p256_sign(const struct mcim_p256_priv *priv, const uint8_t *msg,
			size_t msg_len, uint8_t sig[MCIM_P256_SIG_LEN])
{
	uint8_t digest[MCIM_SHA256_LEN], der[P256_SIG_DER_MAX], rs[MCIM_P256_SIG_LEN];
	size_t der_len = sizeof(der);
	struct crypto_der view;
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *ctx = NULL;
	mcim_err err;

	MCIM_ASSERT(priv != NULL && sig != NULL);
	MCIM_ASSERT(msg != NULL || msg_len == 0);
	if (!scalar_in_range(priv->d))
		return MCIM_ERR_INVALID_ARG;
	err = mcim_sha256(msg, msg_len, digest);
	if (err != MCIM_OK)
		return err;
	pkey = signing_key(priv);
	if (pkey == NULL)
		return crypto_ossl_fail(MCIM_ERR_CRYPTO);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (ctx == NULL || EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_sign(ctx, der, &der_len, digest, sizeof(digest)) != 1)
		err = MCIM_ERR_CRYPTO;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	if (err != MCIM_OK)
		return crypto_ossl_fail(err);
	view.p = der;
	view.len = der_len;
	if (crypto_der_get_ecdsa_sig(&view, rs) != MCIM_OK || view.len != 0)
		return MCIM_ERR_CRYPTO;
	memcpy(sig, rs, sizeof(rs));
	return MCIM_OK;
}

/* A verification key for pub, or NULL when pub is not a point of the curve. */
static EVP_PKEY *pub_import(const struct crypto_algs *algs,
			    const struct mcim_p256_pub *pub)
{
	EVP_PKEY *pkey;

	if (!pub_encoding_ok(pub))
		return NULL;
	pkey = EVP_PKEY_dup(algs->p256_params);
	/* Setting the point checks the curve equation. */
	if (pkey != NULL &&
	    EVP_PKEY_set1_encoded_public_key(pkey, pub->q, sizeof(pub->q)) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return pkey;
}

/* Only r and s in [1, n-1] are signatures (SEC 1 4.1.4 step 1). */
static int sig_in_range(const uint8_t sig[MCIM_P256_SIG_LEN])
{
	return scalar_in_range(sig) && scalar_in_range(sig + MCIM_P256_SIG_LEN / 2);
}

static mcim_err verify_digest(EVP_PKEY *pkey, const uint8_t digest[MCIM_SHA256_LEN],
			      const uint8_t sig[MCIM_P256_SIG_LEN])
{
	uint8_t der[P256_SIG_DER_MAX];
	struct crypto_der_w w;
	const uint8_t *der_sig;
	size_t der_len;
	EVP_PKEY_CTX *ctx;
	int rc;

	crypto_der_w_init(&w, der, sizeof(der));
	crypto_der_w_ecdsa_sig(&w, sig);
	if (crypto_der_w_done(&w, &der_sig, &der_len) != MCIM_OK)
		return MCIM_ERR_INTERNAL;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (ctx == NULL)
		return crypto_ossl_fail(MCIM_ERR_NOMEM);
	rc = EVP_PKEY_verify_init(ctx);
	if (rc == 1)
		rc = EVP_PKEY_verify(ctx, der_sig, der_len, digest, MCIM_SHA256_LEN);
	EVP_PKEY_CTX_free(ctx);
	if (rc == 1)
		return MCIM_OK;
	/* 0 is a signature that does not verify; below 0 OpenSSL itself failed. */
	return crypto_ossl_fail(rc == 0 ? MCIM_ERR_BAD_SIGNATURE : MCIM_ERR_CRYPTO);
}

static mcim_err verify_with(EVP_PKEY *pkey, const uint8_t *msg, size_t msg_len,
			    const uint8_t sig[MCIM_P256_SIG_LEN])
{
	uint8_t digest[MCIM_SHA256_LEN];
	mcim_err err;

	if (!sig_in_range(sig))
		return MCIM_ERR_BAD_SIGNATURE;
	err = mcim_sha256(msg, msg_len, digest);
	return err == MCIM_OK ? verify_digest(pkey, digest, sig) : err;
}

mcim_err mcim_p256_verify(const struct mcim_p256_pub *pub, const uint8_t *msg,
			  size_t msg_len, const uint8_t sig[MCIM_P256_SIG_LEN])
{
	const struct crypto_algs *algs = crypto_algs();
	const struct mcim_p256_memo *memo = crypto_p256_memo();
	uint8_t digest[MCIM_SHA256_LEN], key[MCIM_SHA256_LEN];
	EVP_PKEY *pkey;
	mcim_err err;

	MCIM_ASSERT(pub != NULL && sig != NULL);
	MCIM_ASSERT(msg != NULL || msg_len == 0);
	if (!sig_in_range(sig))
		return MCIM_ERR_BAD_SIGNATURE;
	err = mcim_sha256(msg, msg_len, digest);
	if (err != MCIM_OK)
		return err;
	if (memo != NULL) {
		crypto_p256_memo_key(pub, digest, sig, key);
		if (memo->seen(memo->arg, key))
			return MCIM_OK;
	}
	if (algs == NULL)
		return MCIM_ERR_CRYPTO;
	pkey = pub_import(algs, pub);
	if (pkey == NULL)
		return crypto_ossl_fail(MCIM_ERR_BAD_SIGNATURE);
	err = verify_digest(pkey, digest, sig);
	EVP_PKEY_free(pkey);
	if (err == MCIM_OK && memo != NULL)
		memo->add(memo->arg, key);
	return err;
}

mcim_err mcim_p256_verifier_init(struct mcim_p256_verifier *v,
				 const struct mcim_p256_pub *pub)
{
	const struct crypto_algs *algs = crypto_algs();

	MCIM_ASSERT(v != NULL && pub != NULL);
	memset(v, 0, sizeof(*v));
	if (algs == NULL)
		return MCIM_ERR_CRYPTO;
	v->pkey = pub_import(algs, pub);
	return v->pkey != NULL ? MCIM_OK : crypto_ossl_fail(MCIM_ERR_INVALID_ARG);
}

mcim_err mcim_p256_verifier_verify(const struct mcim_p256_verifier *v, const uint8_t *msg,
				   size_t msg_len, const uint8_t sig[MCIM_P256_SIG_LEN])
{
	MCIM_ASSERT(v != NULL && v->pkey != NULL && sig != NULL);
	MCIM_ASSERT(msg != NULL || msg_len == 0);
	return verify_with(v->pkey, msg, msg_len, sig);
}

void mcim_p256_verifier_free(struct mcim_p256_verifier *v)
{
	MCIM_ASSERT(v != NULL);
	EVP_PKEY_free(v->pkey);
	v->pkey = NULL;
}
