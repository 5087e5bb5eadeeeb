/*
 * The builtin P-256 (src/crypto/builtin/p256*.c, the backend a device builds without
 * OpenSSL) against published known answers and against OpenSSL, which this program
 * calls directly as the independent reference:
 * - known answers: RFC 6979 A.2.5 (P-256, SHA-256: the key pair, and for "sample"
 *   and "test" the nonce k and the signature r, s of the deterministic variant);
 *   NIST CAVS ECC CDH primitive vectors [P-256] COUNT 0 and 1 (dIUT, QIUT, QCAVS,
 *   ZIUT);
 * - every entry of the fixed-base table equals OpenSSL's multiple of G;
 * - random keys from both sides: public keys equal, the builtin's signatures verify
 *   under OpenSSL and OpenSSL's under the builtin, ECDH agrees both ways;
 * - edges: scalars 1, n - 1, around 2^255 (the sign flip of the fixed-base
 *   recoding) and with extreme window digits; 0, n and above refused; r or s equal
 *   to 0, n or above refused; the malleated (r, n - s) accepted as OpenSSL does;
 *   every bit flipped in message, signature or key refused; points off the curve,
 *   with coordinates >= p, with a first octet other than 04, or the all-zero stand-in
 *   for infinity refused, and a valid point with x = 0 accepted;
 * - the complete formulas on their exceptional inputs (P + P, P + -P, infinity);
 * - field and scalar arithmetic against OpenSSL's BIGNUM on edge and random values;
 * - key generation's rejection sampling, driven by scripted generators.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "crypto/builtin/p256_int.h"
#include "mcim/crypto.h"
#include "mcim/rand.h"

#define RANDOM_KEYS 100

/* FIPS 186-4 D.1.2.3 (Curve P-256): the field prime p, the order n, G. */
static const char hex_p[] =
    "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
static const char hex_n[] =
    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
static const char hex_g[] =
    "04"
    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";

/* RFC 6979 A.2.5: the P-256 key pair (x, U = xG). */
static const char rfc_x[] =
    "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
static const char rfc_u[] =
    "04"
    "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
    "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";

/* RFC 6979 A.2.5, "With SHA-256": the message, the nonce k, the signature (r, s). */
static const struct {
	const char *msg, *k, *r, *s;
} rfc_sigs[] = {
    {"sample", "a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60",
     "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
     "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"},
    {"test", "d16b6ae827f17175e040871a1c7ec3500192c4c92677336ec2537acaee0008e0",
     "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
     "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083"},
};

/* NIST CAVS 14.1, ECC CDH primitive test vectors (KAS_ECC_CDH_PrimitiveTest.txt),
 * [P-256] COUNT = 0 and 1: QCAVS (x || y), dIUT, QIUT (x || y), ZIUT. */
static const struct {
	const char *qcavs, *d, *qiut, *z;
} cavs_cdh[] = {
    {"700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287"
     "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac",
     "7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534",
     "ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230"
     "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141",
     "46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b"},
    {"809f04289c64348c01515eb03d5ce7ac1a8cb9498f5caa50197e58d43a86a7ae"
     "b29d84e811197f25eba8f5194092cb6ff440e26d4421011372461f579271cda3",
     "38f65d6dce47676044d58ce5139582d568f64bb16098d179dbab07741dd5caf5",
     "119f2f047902782ab0c9e27a54aff5eb9b964829ca99c06b02ddba95b0a3f6d0"
     "8f52b726664cac366fc98ac7a012b2682cbd962e5acb544671d41b9445704d1d",
     "057d636096cb80b67a8c038c890e887d1adfa4195e9b3ce241c8a778c59cda67"},
};

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	assert_int_equal(strlen(hex), 2 * len);
	for (size_t i = 0; i < len; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void unhex_pub(const char *xy, struct mcim_p256_pub *pub)
{
	pub->q[0] = 0x04;
	unhex(xy, pub->q + 1, 64);
}

/* ---- OpenSSL as the reference. ---- */

static EC_GROUP *group;

static int setup(void **state)
{
	(void)state;
	group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	return group == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	EC_GROUP_free(group);
	return 0;
}

/* out = the 32-octet big-endian form of bn (bn < 2^256). */
static void bn_out(const BIGNUM *bn, uint8_t out[32])
{
	assert_int_equal(BN_bn2binpad(bn, out, 32), 32);
}

/* OpenSSL's k * G for any 32-octet k, as 04 || X || Y; 0 when it is infinity. */
static int ossl_mul_g(const uint8_t k[32], uint8_t pub[65])
{
	BIGNUM *bn = BN_bin2bn(k, 32, NULL);
	EC_POINT *pt = EC_POINT_new(group);
	int finite;

	assert_non_null(bn);
	assert_non_null(pt);
	assert_int_equal(EC_POINT_mul(group, pt, bn, NULL, NULL, NULL), 1);
	finite = !EC_POINT_is_at_infinity(group, pt);
	if (finite)
		assert_int_equal(EC_POINT_point2oct(group, pt,
						    POINT_CONVERSION_UNCOMPRESSED, pub,
						    65, NULL),
				 65);
	EC_POINT_free(pt);
	BN_free(bn);
	return finite;
}

/* An OpenSSL key: the pair (d, pub), or the public key alone when d is NULL. */
static EVP_PKEY *ossl_key(const uint8_t *d, const struct mcim_p256_pub *pub)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	BIGNUM *bn = d != NULL ? BN_bin2bn(d, 32, NULL) : NULL;
	OSSL_PARAM *params;
	EVP_PKEY *pkey = NULL;

	assert_non_null(bld);
	assert_non_null(ctx);
	assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
							 "prime256v1", 0),
			 1);
	assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
							  pub->q, sizeof(pub->q)),
			 1);
	if (bn != NULL)
		assert_int_equal(
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn), 1);
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_non_null(params);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(
	    EVP_PKEY_fromdata(ctx, &pkey,
			      d != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params),
	    1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_clear_free(bn);
	return pkey;
}

/* A fresh OpenSSL key pair. */
static void ossl_keygen(struct mcim_p256_priv *priv, struct mcim_p256_pub *pub)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	BIGNUM *d = NULL;

	assert_non_null(pkey);
	assert_int_equal(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
	bn_out(d, priv->d);
	assert_true(ossl_mul_g(priv->d, pub->q));
	BN_clear_free(d);
	EVP_PKEY_free(pkey);
}

static void sha256(const void *msg, size_t len, uint8_t digest[32])
{
	assert_int_equal(EVP_Digest(msg, len, digest, NULL, EVP_sha256(), NULL), 1);
}

/* 1 when OpenSSL accepts r || s on the digest under pkey. */
static int ossl_verify(EVP_PKEY *pkey, const uint8_t digest[32], const uint8_t sig[64])
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	unsigned char *der = NULL;
	int der_len, rc;

	assert_non_null(es);
	assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);
	der_len = i2d_ECDSA_SIG(es, &der);
	assert_true(der_len > 0);
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	rc = EVP_PKEY_verify(ctx, der, (size_t)der_len, digest, 32);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	return rc == 1;
}

/* OpenSSL's signature of the digest under pkey, as r || s. */
static void ossl_sign(EVP_PKEY *pkey, const uint8_t digest[32], uint8_t sig[64])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	unsigned char der[80];
	const unsigned char *p = der;
	size_t der_len = sizeof(der);
	const BIGNUM *r, *s;
	ECDSA_SIG *es;

	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, der, &der_len, digest, 32), 1);
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &s);
	bn_out(r, sig);
	bn_out(s, sig + 32);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
}

/* OpenSSL's ECDH: the X coordinate of d * peer. */
static void ossl_ecdh(const struct mcim_p256_priv *priv, const struct mcim_p256_pub *pub,
		      const struct mcim_p256_pub *peer, uint8_t z[32])
{
	EVP_PKEY *mine = ossl_key(priv->d, pub), *theirs = ossl_key(NULL, peer);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(mine, NULL);
	size_t len = 32;

	assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(ctx, theirs), 1);
	assert_int_equal(EVP_PKEY_derive(ctx, z, &len), 1);
	assert_int_equal(len, 32);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(theirs);
	EVP_PKEY_free(mine);
}

/* ---- Known answers. ---- */

/* RFC 6979 A.2.5: the public key of x, the first nonce of the deterministic
 * generator for "sample" and "test", and the signatures (no additional data). */
static void rfc6979_a25_known_answers(void **state)
{
	struct mcim_p256_priv x;
	struct mcim_p256_pub u, out;
	struct crypto_p256_rfc6979 gen;
	uint8_t digest[32], k[32], want_k[32], want_sig[64], sig[64];

	(void)state;
	unhex(rfc_x, x.d, 32);
	unhex(rfc_u, u.q, 65);
	assert_int_equal(mcim_p256_pub_from_priv(&x, &out), MCIM_OK);
	assert_memory_equal(out.q, u.q, 65);
	for (size_t i = 0; i < sizeof(rfc_sigs) / sizeof(rfc_sigs[0]); i++) {
		const char *msg = rfc_sigs[i].msg;

		sha256(msg, strlen(msg), digest);
		unhex(rfc_sigs[i].k, want_k, 32);
		unhex(rfc_sigs[i].r, want_sig, 32);
		unhex(rfc_sigs[i].s, want_sig + 32, 32);
		crypto_p256_rfc6979_init(&gen, x.d, digest, NULL, 0);
		crypto_p256_rfc6979_next(&gen, k);
		crypto_p256_rfc6979_wipe(&gen);
		assert_memory_equal(k, want_k, 32);
		assert_int_equal(crypto_p256_sign_digest(&x, digest, NULL, 0, sig),
				 MCIM_OK);
		assert_memory_equal(sig, want_sig, 64);
		assert_int_equal(
		    mcim_p256_verify(&u, (const uint8_t *)msg, strlen(msg), want_sig),
		    MCIM_OK);
	}
}

/* NIST CAVS ECC CDH [P-256] COUNT 0 and 1: QIUT = dIUT * G, ZIUT = x(dIUT * QCAVS). */
static void cavs_cdh_known_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cavs_cdh) / sizeof(cavs_cdh[0]); i++) {
		struct mcim_p256_priv d;
		struct mcim_p256_pub qcavs, qiut, out;
		uint8_t want_z[32], z[32];

		unhex(cavs_cdh[i].d, d.d, 32);
		unhex_pub(cavs_cdh[i].qcavs, &qcavs);
		unhex_pub(cavs_cdh[i].qiut, &qiut);
		unhex(cavs_cdh[i].z, want_z, 32);
		assert_int_equal(mcim_p256_pub_from_priv(&d, &out), MCIM_OK);
		assert_memory_equal(out.q, qiut.q, 65);
		assert_int_equal(mcim_p256_ecdh(&d, &qcavs, z), MCIM_OK);
		assert_memory_equal(z, want_z, 32);
	}
}

/* Every entry v * 2^(16 j) * G of the fixed-base table equals OpenSSL's. */
static void base_table_matches_openssl(void **state)
{
	(void)state;
	for (int j = 0; j < CRYPTO_P256_TABLE_ROWS; j++)
		for (int v = 1; v <= CRYPTO_P256_TABLE_ENTRIES; v++) {
			uint8_t k[32] = {0}, want[65], got[65];
			int bit = 16 * j;

			/* k = v * 2^(16 j): v < 16 never crosses an octet pair. */
			k[31 - bit / 8] = (uint8_t)(v << (bit % 8));
			assert_true(ossl_mul_g(k, want));
			crypto_p256_point_encode(got, &crypto_p256_base_table[j][v - 1]);
			assert_memory_equal(got, want, 65);
		}
}

/* ---- Against OpenSSL with random and edge keys. ---- */

/* The builtin and OpenSSL agree on everything one key pair does: the public key,
 * signatures both ways (each side verifying the other's), and ECDH with peer both
 * ways (d * peer from each side, and peer's own view). */
static void agree_with_openssl(const struct mcim_p256_priv *priv,
			       const struct mcim_p256_priv *peer_priv)
{
	struct mcim_p256_pub pub, peer, want;
	struct mcim_p256_verifier v;
	uint8_t msg[48], digest[32], sig[64], z[32], z_peer[32], z_ossl[32];
	EVP_PKEY *pkey;

	assert_int_equal(mcim_p256_pub_from_priv(priv, &pub), MCIM_OK);
	assert_true(ossl_mul_g(priv->d, want.q));
	assert_memory_equal(pub.q, want.q, 65);
	assert_int_equal(mcim_p256_pub_check(&pub), MCIM_OK);
	assert_int_equal(mcim_p256_pub_from_priv(peer_priv, &peer), MCIM_OK);

	memcpy(msg, priv->d, 32);
	memcpy(msg + 32, "openmcim p256 ..", 16);
	sha256(msg, sizeof(msg), digest);
	pkey = ossl_key(priv->d, &pub);
	assert_int_equal(mcim_p256_sign(priv, msg, sizeof(msg), sig), MCIM_OK);
	assert_true(ossl_verify(pkey, digest, sig));
	ossl_sign(pkey, digest, sig);
	assert_int_equal(mcim_p256_verify(&pub, msg, sizeof(msg), sig), MCIM_OK);
	assert_int_equal(mcim_p256_verifier_init(&v, &pub), MCIM_OK);
	assert_null(v.pkey);
	assert_int_equal(mcim_p256_verifier_verify(&v, msg, sizeof(msg), sig), MCIM_OK);
	mcim_p256_verifier_free(&v);
	EVP_PKEY_free(pkey);

	assert_int_equal(mcim_p256_ecdh(priv, &peer, z), MCIM_OK);
	assert_int_equal(mcim_p256_ecdh(peer_priv, &pub, z_peer), MCIM_OK);
	ossl_ecdh(priv, &pub, &peer, z_ossl);
	assert_memory_equal(z, z_ossl, 32);
	assert_memory_equal(z_peer, z_ossl, 32);
}

static void random_keys_agree_with_openssl(void **state)
{
	(void)state;
	for (int i = 0; i < RANDOM_KEYS; i++) {
		struct mcim_p256_priv a, b;
		struct mcim_p256_pub pa, pb;

		assert_int_equal(mcim_p256_keygen(&a, &pa), MCIM_OK);
		ossl_keygen(&b, &pb);
		agree_with_openssl(&a, &b);
		agree_with_openssl(&b, &a);
		mcim_p256_priv_wipe(&a);
		mcim_p256_priv_wipe(&b);
	}
}

/* Scalars at the edges of the recodings: 1, small values around the window sizes,
 * n - 1 and below, 2^255 - 1, 2^255, 2^255 + 1 (the fixed-base recoding replaces k
 * by n - k from 2^255 on), and bit patterns whose windows all hold the extreme
 * digits. */
static void edge_scalars_agree_with_openssl(void **state)
{
	static const char *const patterns[] = {
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "5555555555555555555555555555555555555555555555555555555555555555",
	    "8888888888888888888888888888888888888888888888888888888888888888",
	    "7777777777777777777777777777777777777777777777777777777777777777",
	    "8421084210842108421084210842108421084210842108421084210842108421",
	    "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	    "8000000000000000000000000000000000000000000000000000000000000000",
	    "8000000000000000000000000000000000000000000000000000000000000001",
	    "00000000000000000000000000000000ffffffffffffffffffffffffffffffff",
	};
	static const unsigned small[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33};
	BIGNUM *n = NULL, *k = BN_new();
	struct mcim_p256_priv d, peer;
	struct mcim_p256_pub unused;

	(void)state;
	assert_true(BN_hex2bn(&n, hex_n) > 0);
	assert_int_equal(mcim_p256_keygen(&peer, &unused), MCIM_OK);
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		/* small[i] and n - small[i]. */
		memset(d.d, 0, 32);
		d.d[31] = (uint8_t)small[i];
		agree_with_openssl(&d, &peer);
		assert_int_equal(BN_sub(k, n, BN_value_one()), 1);
		assert_int_equal(BN_sub_word(k, small[i] - 1), 1);
		bn_out(k, d.d);
		agree_with_openssl(&d, &peer);
	}
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		unhex(patterns[i], d.d, 32);
		agree_with_openssl(&d, &peer);
	}
	/* (n - 1) / 2 and (n + 1) / 2. */
	assert_int_equal(BN_rshift1(k, n), 1);
	bn_out(k, d.d);
	agree_with_openssl(&d, &peer);
	assert_int_equal(BN_add_word(k, 1), 1);
	bn_out(k, d.d);
	agree_with_openssl(&d, &peer);
	BN_free(k);
	BN_free(n);
}

/* d = 1 gives G; d = n - 1 gives -G = (Gx, p - Gy). */
static void scalar_one_and_n_minus_one(void **state)
{
	struct mcim_p256_priv d;
	struct mcim_p256_pub g, out;
	BIGNUM *n = NULL, *p = NULL, *y = BN_new();

	(void)state;
	unhex(hex_g, g.q, 65);
	memset(d.d, 0, 32);
	d.d[31] = 1;
	assert_int_equal(mcim_p256_pub_from_priv(&d, &out), MCIM_OK);
	assert_memory_equal(out.q, g.q, 65);
	assert_true(BN_hex2bn(&n, hex_n) > 0);
	assert_true(BN_hex2bn(&p, hex_p) > 0);
	assert_int_equal(BN_sub(y, n, BN_value_one()), 1);
	bn_out(y, d.d);
	assert_int_equal(mcim_p256_pub_from_priv(&d, &out), MCIM_OK);
	assert_memory_equal(out.q, g.q, 33);
	assert_non_null(BN_bin2bn(g.q + 33, 32, y));
	assert_int_equal(BN_sub(y, p, y), 1);
	bn_out(y, g.q + 33);
	assert_memory_equal(out.q + 33, g.q + 33, 32);
	BN_free(y);
	BN_free(p);
	BN_free(n);
}

/* 0, n, n + 1 and 2^256 - 1 are not private keys: every function refuses them with
 * MCIM_ERR_INVALID_ARG and writes nothing. */
static void out_of_range_scalars_refused(void **state)
{
	struct mcim_p256_priv bad[4];
	struct mcim_p256_pub g, out;
	uint8_t sig[64], z[32], digest[32] = {1};

	(void)state;
	unhex(hex_g, g.q, 65);
	memset(bad[0].d, 0, 32);
	unhex(hex_n, bad[1].d, 32);
	bad[2] = bad[1];
	bad[2].d[31]++;
	memset(bad[3].d, 0xff, 32);
	for (size_t i = 0; i < 4; i++) {
		memset(out.q, 0xee, sizeof(out.q));
		memset(sig, 0xee, sizeof(sig));
		memset(z, 0xee, sizeof(z));
		assert_int_equal(mcim_p256_pub_from_priv(&bad[i], &out),
				 MCIM_ERR_INVALID_ARG);
		assert_int_equal(mcim_p256_sign(&bad[i], digest, 1, sig),
				 MCIM_ERR_INVALID_ARG);
		assert_int_equal(crypto_p256_sign_digest(&bad[i], digest, NULL, 0, sig),
				 MCIM_ERR_INVALID_ARG);
		assert_int_equal(mcim_p256_ecdh(&bad[i], &g, z), MCIM_ERR_INVALID_ARG);
		assert_int_equal(out.q[0], 0xee);
		assert_int_equal(sig[0], 0xee);
		assert_int_equal(z[0], 0xee);
	}
}

/* ---- Signatures. ---- */

/* r or s equal to 0, n or 2^256 - 1 is refused; (r, n - s), the other valid
 * signature of the same message, is accepted (ECDSA does not require low s), as
 * OpenSSL accepts it; a bit flipped anywhere in the message, the signature or the
 * key is refused. */
static void signature_edges_and_tampering(void **state)
{
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub, key;
	struct mcim_p256_verifier v;
	uint8_t msg[] = "a message of the TRE", digest[32], sig[64], bad[64], n[32];
	BIGNUM *bn_n = NULL, *s = NULL;
	EVP_PKEY *pkey;

	(void)state;
	unhex(hex_n, n, 32);
	assert_int_equal(mcim_p256_keygen(&priv, &pub), MCIM_OK);
	assert_int_equal(mcim_p256_sign(&priv, msg, sizeof(msg), sig), MCIM_OK);
	assert_int_equal(mcim_p256_verifier_init(&v, &pub), MCIM_OK);
	for (int half = 0; half < 2; half++) {
		static const uint8_t zero[32],
		    ones[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
		const uint8_t *vals[] = {zero, n, ones};

		for (size_t i = 0; i < 3; i++) {
			memcpy(bad, sig, 64);
			memcpy(bad + 32 * half, vals[i], 32);
			assert_int_equal(mcim_p256_verify(&pub, msg, sizeof(msg), bad),
					 MCIM_ERR_BAD_SIGNATURE);
			assert_int_equal(
			    mcim_p256_verifier_verify(&v, msg, sizeof(msg), bad),
			    MCIM_ERR_BAD_SIGNATURE);
		}
	}
	/* (r, n - s). */
	assert_true(BN_hex2bn(&bn_n, hex_n) > 0);
	s = BN_bin2bn(sig + 32, 32, NULL);
	assert_int_equal(BN_sub(s, bn_n, s), 1);
	memcpy(bad, sig, 32);
	bn_out(s, bad + 32);
	assert_int_equal(mcim_p256_verify(&pub, msg, sizeof(msg), bad), MCIM_OK);
	sha256(msg, sizeof(msg), digest);
	pkey = ossl_key(NULL, &pub);
	assert_true(ossl_verify(pkey, digest, bad));
	EVP_PKEY_free(pkey);

	for (size_t bit = 0; bit < 8 * sizeof(sig); bit++) {
		memcpy(bad, sig, 64);
		bad[bit / 8] ^= (uint8_t)(1u << bit % 8);
		assert_int_equal(mcim_p256_verifier_verify(&v, msg, sizeof(msg), bad),
				 MCIM_ERR_BAD_SIGNATURE);
	}
	for (size_t bit = 0; bit < 8 * sizeof(msg); bit++) {
		msg[bit / 8] ^= (uint8_t)(1u << bit % 8);
		assert_int_equal(mcim_p256_verifier_verify(&v, msg, sizeof(msg), sig),
				 MCIM_ERR_BAD_SIGNATURE);
		msg[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
	for (size_t bit = 0; bit < 8 * sizeof(key.q); bit++) {
		key = pub;
		key.q[bit / 8] ^= (uint8_t)(1u << bit % 8);
		assert_int_equal(mcim_p256_verify(&key, msg, sizeof(msg), sig),
				 MCIM_ERR_BAD_SIGNATURE);
	}
	assert_int_equal(mcim_p256_verify(&pub, msg, sizeof(msg), sig), MCIM_OK);
	mcim_p256_verifier_free(&v);
	mcim_p256_priv_wipe(&priv);
	BN_free(s);
	BN_free(bn_n);
}

/* mcim_p256_sign is hedged: two signatures of one message differ and both verify;
 * the core is deterministic in (key, digest, extra) and the extra data changes k. */
static void signing_is_hedged(void **state)
{
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub;
	const uint8_t msg[] = "same message", extra[32] = {7};
	uint8_t a[64], b[64], digest[32];
	EVP_PKEY *pkey;

	(void)state;
	assert_int_equal(mcim_p256_keygen(&priv, &pub), MCIM_OK);
	sha256(msg, sizeof(msg), digest);
	pkey = ossl_key(NULL, &pub);
	assert_int_equal(mcim_p256_sign(&priv, msg, sizeof(msg), a), MCIM_OK);
	assert_int_equal(mcim_p256_sign(&priv, msg, sizeof(msg), b), MCIM_OK);
	assert_memory_not_equal(a, b, 64);
	assert_true(ossl_verify(pkey, digest, a));
	assert_true(ossl_verify(pkey, digest, b));
	assert_int_equal(crypto_p256_sign_digest(&priv, digest, extra, sizeof(extra), a),
			 MCIM_OK);
	assert_int_equal(crypto_p256_sign_digest(&priv, digest, extra, sizeof(extra), b),
			 MCIM_OK);
	assert_memory_equal(a, b, 64);
	assert_true(ossl_verify(pkey, digest, a));
	assert_int_equal(crypto_p256_sign_digest(&priv, digest, NULL, 0, b), MCIM_OK);
	assert_memory_not_equal(a, b, 32);
	assert_true(ossl_verify(pkey, digest, b));
	EVP_PKEY_free(pkey);
	mcim_p256_priv_wipe(&priv);
}

/* ---- Points. ---- */

/* Encodings that are not a point: first octet 00 (the all-zero stand-in for
 * infinity, and 00 before a valid point), 02, 03, 06, 07; X or Y equal to p, or
 * p + a valid coordinate (the same residue, not canonical); y changed (off the
 * curve). pub_check, ECDH, verify and verifier_init all refuse them. */
static void malformed_points_refused(void **state)
{
	static const uint8_t prefixes[] = {0x00, 0x02, 0x03, 0x06, 0x07};
	struct mcim_p256_priv priv;
	struct mcim_p256_pub good, bad[12];
	struct mcim_p256_verifier v;
	uint8_t sig[64], z[32], p[32];
	const uint8_t msg[] = "m";
	size_t nbad = 0;

	(void)state;
	unhex(hex_p, p, 32);
	assert_int_equal(mcim_p256_keygen(&priv, &good), MCIM_OK);
	assert_int_equal(mcim_p256_sign(&priv, msg, sizeof(msg), sig), MCIM_OK);
	memset(&bad[nbad++], 0, sizeof(bad[0]));
	for (size_t i = 0; i < sizeof(prefixes); i++) {
		bad[nbad] = good;
		bad[nbad++].q[0] = prefixes[i];
	}
	bad[nbad] = good;
	memcpy(bad[nbad++].q + 1, p, 32);
	bad[nbad] = good;
	memcpy(bad[nbad++].q + 33, p, 32);
	bad[nbad] = good;
	bad[nbad++].q[64] ^= 0x01;
	{
		/* (0, y0) is on the curve (b is a square mod p); (p, y0) is its
		 * non-canonical twin and (0, y0 + 1) is off the curve. */
		static const char y0[] =
		    "66485c780e2f83d72433bd5d84a06bb6541c2af31dae871728bf856a174f93f4";
		struct mcim_p256_pub x0;

		x0.q[0] = 0x04;
		memset(x0.q + 1, 0, 32);
		unhex(y0, x0.q + 33, 32);
		assert_int_equal(mcim_p256_pub_check(&x0), MCIM_OK);
		bad[nbad] = x0;
		memcpy(bad[nbad++].q + 1, p, 32);
		bad[nbad] = x0;
		bad[nbad++].q[64] ^= 0x01;
	}
	assert_true(nbad <= sizeof(bad) / sizeof(bad[0]));
	for (size_t i = 0; i < nbad; i++) {
		assert_int_equal(mcim_p256_pub_check(&bad[i]), MCIM_ERR_INVALID_ARG);
		memset(z, 0xee, sizeof(z));
		assert_int_equal(mcim_p256_ecdh(&priv, &bad[i], z), MCIM_ERR_INVALID_ARG);
		assert_int_equal(z[0], 0xee);
		assert_int_equal(mcim_p256_verify(&bad[i], msg, sizeof(msg), sig),
				 MCIM_ERR_BAD_SIGNATURE);
		memset(&v, 0x55, sizeof(v));
		assert_int_equal(mcim_p256_verifier_init(&v, &bad[i]),
				 MCIM_ERR_INVALID_ARG);
		assert_null(v.pkey);
		mcim_p256_verifier_free(&v);
	}
	assert_int_equal(mcim_p256_verify(&good, msg, sizeof(msg), sig), MCIM_OK);
	mcim_p256_priv_wipe(&priv);
}

/* The points with x = 0, (0, sqrt(b)) and (0, -sqrt(b)), are valid peers: ECDH with
 * them agrees with OpenSSL. So do G and -G. */
static void unusual_valid_peers_agree_with_openssl(void **state)
{
	static const char y0[] =
	    "66485c780e2f83d72433bd5d84a06bb6541c2af31dae871728bf856a174f93f4";
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub, peers[4];
	uint8_t z[32], want[32], p[32];
	BIGNUM *bp = NULL, *y = BN_new();

	(void)state;
	unhex(hex_p, p, 32);
	assert_true(BN_hex2bn(&bp, hex_p) > 0);
	peers[0].q[0] = 0x04;
	memset(peers[0].q + 1, 0, 32);
	unhex(y0, peers[0].q + 33, 32);
	unhex(hex_g, peers[2].q, 65);
	for (int i = 0; i < 4; i += 2) {
		peers[i + 1] = peers[i];
		assert_non_null(BN_bin2bn(peers[i].q + 33, 32, y));
		assert_int_equal(BN_sub(y, bp, y), 1);
		bn_out(y, peers[i + 1].q + 33);
	}
	assert_int_equal(mcim_p256_keygen(&priv, &pub), MCIM_OK);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(mcim_p256_pub_check(&peers[i]), MCIM_OK);
		assert_int_equal(mcim_p256_ecdh(&priv, &peers[i], z), MCIM_OK);
		ossl_ecdh(&priv, &pub, &peers[i], want);
		assert_memory_equal(z, want, 32);
	}
	mcim_p256_priv_wipe(&priv);
	BN_free(y);
	BN_free(bp);
}

/* The complete formulas on the inputs incomplete ones get wrong: P + P (= 2P),
 * P + (-P) (= infinity), infinity + P, P + infinity, 2 * infinity, with P in
 * projective form with Z != 1 and in affine form; and k * Q for k = 0, n, n + 1,
 * 2^256 - 1 (a multiple of the order gives infinity). */
static void complete_formulas_exceptional_cases(void **state)
{
	struct crypto_p256_affine g, two_g, neg_g, out;
	struct crypto_p256_point pg, pneg, inf, r, s;
	uint64_t k[CRYPTO_P256_LIMBS];
	uint8_t enc[65], want[65], kb[32];
	struct mcim_p256_pub gp;

	(void)state;
	unhex(hex_g, gp.q, 65);
	assert_int_equal(crypto_p256_point_decode(&g, gp.q), MCIM_OK);
	/* P = G with Z = 2: (2x : 2y : 2). */
	crypto_p256_fe_add(pg.x, g.x, g.x);
	crypto_p256_fe_add(pg.y, g.y, g.y);
	crypto_p256_fe_add(pg.z, crypto_p256_fe_one, crypto_p256_fe_one);
	pneg = pg;
	crypto_p256_fe_neg(pneg.y, pg.y);
	memcpy(neg_g.x, g.x, sizeof(g.x));
	crypto_p256_fe_neg(neg_g.y, g.y);
	memset(&inf, 0, sizeof(inf));
	memcpy(inf.y, crypto_p256_fe_one, sizeof(inf.y));
	memset(kb, 0, 32);
	kb[31] = 2;
	assert_true(ossl_mul_g(kb, want));

	crypto_p256_point_double(&r, &pg);
	assert_true(crypto_p256_to_affine(&two_g, &r));
	crypto_p256_point_encode(enc, &two_g);
	assert_memory_equal(enc, want, 65);
	crypto_p256_point_add(&r, &pg, &pg);
	assert_true(crypto_p256_to_affine(&out, &r));
	assert_memory_equal(&out, &two_g, sizeof(out));
	crypto_p256_point_add_affine(&r, &pg, &g);
	assert_true(crypto_p256_to_affine(&out, &r));
	assert_memory_equal(&out, &two_g, sizeof(out));

	crypto_p256_point_add(&r, &pg, &pneg);
	assert_false(crypto_p256_to_affine(&out, &r));
	crypto_p256_point_add_affine(&r, &pg, &neg_g);
	assert_false(crypto_p256_to_affine(&out, &r));
	crypto_p256_point_double(&r, &inf);
	assert_false(crypto_p256_to_affine(&out, &r));
	crypto_p256_point_add(&r, &inf, &inf);
	assert_false(crypto_p256_to_affine(&out, &r));

	crypto_p256_point_add(&r, &inf, &pg);
	assert_true(crypto_p256_to_affine(&out, &r));
	assert_memory_equal(&out, &g, sizeof(out));
	crypto_p256_point_add(&s, &pg, &inf);
	assert_true(crypto_p256_to_affine(&out, &s));
	assert_memory_equal(&out, &g, sizeof(out));
	crypto_p256_point_add_affine(&r, &inf, &g);
	assert_true(crypto_p256_to_affine(&out, &r));
	assert_memory_equal(&out, &g, sizeof(out));

	memset(k, 0, sizeof(k));
	crypto_p256_mul(&r, &g, k);
	assert_false(crypto_p256_to_affine(&out, &r));
	crypto_p256_mul_base(&r, k);
	assert_false(crypto_p256_to_affine(&out, &r));
	unhex(hex_n, kb, 32);
	crypto_p256_sc_from_bytes(k, kb);
	crypto_p256_mul(&r, &g, k);
	assert_false(crypto_p256_to_affine(&out, &r));
	k[0]++;
	crypto_p256_mul(&r, &g, k);
	assert_true(crypto_p256_to_affine(&out, &r));
	assert_memory_equal(&out, &g, sizeof(out));
	memset(kb, 0xff, 32);
	crypto_p256_sc_from_bytes(k, kb);
	crypto_p256_mul(&r, &g, k);
	assert_true(crypto_p256_to_affine(&out, &r));
	crypto_p256_point_encode(enc, &out);
	assert_true(ossl_mul_g(kb, want));
	assert_memory_equal(enc, want, 65);
}

/* Inverses mod p and mod n: a * a^-1 = 1 for random a and for p - 1 / n - 1; the
 * inverse of 0 is 0. */
static void field_and_scalar_inverses(void **state)
{
	uint64_t a[CRYPTO_P256_LIMBS], inv[CRYPTO_P256_LIMBS], prod[CRYPTO_P256_LIMBS],
	    zero[CRYPTO_P256_LIMBS] = {0}, one_m[CRYPTO_P256_LIMBS];
	uint8_t bytes[32];

	(void)state;
	for (int i = 0; i < 64; i++) {
		struct mcim_p256_priv d;
		struct mcim_p256_pub unused;

		assert_int_equal(mcim_p256_keygen(&d, &unused), MCIM_OK);
		memcpy(bytes, d.d, 32);
		if (i == 0) {
			unhex(hex_p, bytes, 32);
			bytes[31]--;
		}
		crypto_p256_fe_from_bytes(a, bytes);
		crypto_p256_fe_inv(inv, a);
		crypto_p256_fe_mul(prod, a, inv);
		assert_memory_equal(prod, crypto_p256_fe_one, sizeof(prod));

		if (i == 0) {
			unhex(hex_n, bytes, 32);
			bytes[31]--;
		}
		crypto_p256_sc_from_bytes(a, bytes);
		crypto_p256_sc_reduce(a, a);
		crypto_p256_sc_to_mont(a, a);
		crypto_p256_sc_inv(inv, a);
		crypto_p256_sc_mul(prod, a, inv);
		memset(one_m, 0, sizeof(one_m));
		one_m[0] = 1;
		crypto_p256_sc_to_mont(one_m, one_m);
		assert_memory_equal(prod, one_m, sizeof(prod));
	}
	crypto_p256_fe_inv(inv, zero);
	assert_memory_equal(inv, zero, sizeof(inv));
	crypto_p256_sc_inv(inv, zero);
	assert_memory_equal(inv, zero, sizeof(inv));
}

/* The values the arithmetic tests combine: edges of the carry chains (0, 1, 2,
 * m - 1, m - 2, 2^255, limbs all ones or all zeros) and random ones, all below the
 * modulus m. */
#define ARITH_VALUES 16
static void arith_values(const BIGNUM *m, uint8_t v[ARITH_VALUES][32])
{
	static const char *const fixed[] = {
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    "0000000000000000000000000000000000000000000000000000000000000001",
	    "0000000000000000000000000000000000000000000000000000000000000002",
	    "8000000000000000000000000000000000000000000000000000000000000000",
	    "00000000ffffffffffffffff0000000000000000ffffffffffffffffffffffff",
	    "0000000000000000ffffffffffffffff00000000000000000000000000000000",
	};
	BIGNUM *t = BN_new();
	size_t i = 0;

	assert_non_null(t);
	for (; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		unhex(fixed[i], v[i], 32);
	assert_int_equal(BN_sub(t, m, BN_value_one()), 1);
	bn_out(t, v[i++]);
	assert_int_equal(BN_sub_word(t, 1), 1);
	bn_out(t, v[i++]);
	for (; i < ARITH_VALUES; i++) {
		assert_int_equal(BN_rand_range(t, m), 1);
		bn_out(t, v[i]);
	}
	BN_free(t);
}

/* op(a, b) mod m by OpenSSL's BIGNUM: 0 add, 1 sub, 2 mul. */
static void bn_op(int op, const uint8_t a[32], const uint8_t b[32], const BIGNUM *m,
		  uint8_t out[32])
{
	BIGNUM *x = BN_bin2bn(a, 32, NULL), *y = BN_bin2bn(b, 32, NULL), *r = BN_new();
	BN_CTX *ctx = BN_CTX_new();

	assert_non_null(ctx);
	if (op == 0)
		assert_int_equal(BN_mod_add(r, x, y, m, ctx), 1);
	else if (op == 1)
		assert_int_equal(BN_mod_sub(r, x, y, m, ctx), 1);
	else
		assert_int_equal(BN_mod_mul(r, x, y, m, ctx), 1);
	bn_out(r, out);
	BN_CTX_free(ctx);
	BN_free(r);
	BN_free(y);
	BN_free(x);
}

/* Field add, sub, neg, mul and square, and scalar add and multiplication, on every
 * pair of edge and random values, equal OpenSSL's BIGNUM results. */
static void arithmetic_matches_bignum(void **state)
{
	uint8_t v[ARITH_VALUES][32], want[32], got[32], zero[32] = {0};
	BIGNUM *p = NULL, *n = NULL;

	(void)state;
	assert_true(BN_hex2bn(&p, hex_p) > 0);
	assert_true(BN_hex2bn(&n, hex_n) > 0);
	arith_values(p, v);
	for (int i = 0; i < ARITH_VALUES; i++)
		for (int j = 0; j < ARITH_VALUES; j++) {
			uint64_t a[CRYPTO_P256_LIMBS], b[CRYPTO_P256_LIMBS],
			    r[CRYPTO_P256_LIMBS];

			crypto_p256_fe_from_bytes(a, v[i]);
			crypto_p256_fe_from_bytes(b, v[j]);
			crypto_p256_fe_add(r, a, b);
			crypto_p256_fe_to_bytes(got, r);
			bn_op(0, v[i], v[j], p, want);
			assert_memory_equal(got, want, 32);
			crypto_p256_fe_sub(r, a, b);
			crypto_p256_fe_to_bytes(got, r);
			bn_op(1, v[i], v[j], p, want);
			assert_memory_equal(got, want, 32);
			crypto_p256_fe_mul(r, a, b);
			crypto_p256_fe_to_bytes(got, r);
			bn_op(2, v[i], v[j], p, want);
			assert_memory_equal(got, want, 32);
			if (i == j) {
				crypto_p256_fe_sqr(r, a);
				crypto_p256_fe_to_bytes(got, r);
				assert_memory_equal(got, want, 32);
				crypto_p256_fe_neg(r, a);
				crypto_p256_fe_to_bytes(got, r);
				bn_op(1, zero, v[i], p, want);
				assert_memory_equal(got, want, 32);
			}
		}
	arith_values(n, v);
	for (int i = 0; i < ARITH_VALUES; i++)
		for (int j = 0; j < ARITH_VALUES; j++) {
			uint64_t a[CRYPTO_P256_LIMBS], b[CRYPTO_P256_LIMBS],
			    r[CRYPTO_P256_LIMBS];

			crypto_p256_sc_from_bytes(a, v[i]);
			crypto_p256_sc_from_bytes(b, v[j]);
			crypto_p256_sc_add(r, a, b);
			crypto_p256_sc_to_bytes(got, r);
			bn_op(0, v[i], v[j], n, want);
			assert_memory_equal(got, want, 32);
			/* Montgomery form times plain: the plain product. */
			crypto_p256_sc_to_mont(a, a);
			crypto_p256_sc_mul(r, a, b);
			crypto_p256_sc_to_bytes(got, r);
			bn_op(2, v[i], v[j], n, want);
			assert_memory_equal(got, want, 32);
		}
	BN_free(n);
	BN_free(p);
}

/* ---- Key generation. ---- */

/* A generator that replays a script of 32-octet blocks, then fails. */
struct script {
	const uint8_t (*blocks)[32];
	size_t n, next;
};

static mcim_err script_fill(void *self, uint8_t *buf, size_t len)
{
	struct script *s = self;

	assert_int_equal(len, 32);
	if (s->next == s->n)
		return MCIM_ERR_RANDOM;
	memcpy(buf, s->blocks[s->next++], 32);
	return MCIM_OK;
}

/* Candidates n, 0 and 2^256 - 1 are rejected and the next in [1, n - 1] kept; a
 * generator stuck out of range gives MCIM_ERR_RANDOM after CRYPTO_P256_KEYGEN_TRIES; a
 * failing one gives MCIM_ERR_RANDOM; outputs are written only on success. */
static void keygen_rejection_sampling(void **state)
{
	uint8_t blocks[4][32];
	struct script s = {(const uint8_t(*)[32])blocks, 4, 0};
	struct mcim_rng rng = {script_fill, &s};
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub, want;
	uint8_t stuck[CRYPTO_P256_KEYGEN_TRIES][32];

	(void)state;
	unhex(hex_n, blocks[0], 32);
	memset(blocks[1], 0, 32);
	memset(blocks[2], 0xff, 32);
	unhex(rfc_x, blocks[3], 32);
	unhex(rfc_u, want.q, 65);
	assert_int_equal(crypto_p256_keygen_rng(&rng, &priv, &pub), MCIM_OK);
	assert_int_equal(s.next, 4);
	assert_memory_equal(priv.d, blocks[3], 32);
	assert_memory_equal(pub.q, want.q, 65);

	memset(stuck, 0xff, sizeof(stuck));
	s = (struct script){(const uint8_t(*)[32])stuck, CRYPTO_P256_KEYGEN_TRIES, 0};
	memset(&priv, 0xee, sizeof(priv));
	memset(&pub, 0xee, sizeof(pub));
	assert_int_equal(crypto_p256_keygen_rng(&rng, &priv, &pub), MCIM_ERR_RANDOM);
	assert_int_equal(s.next, CRYPTO_P256_KEYGEN_TRIES);
	assert_int_equal(priv.d[0], 0xee);
	assert_int_equal(pub.q[0], 0xee);

	s = (struct script){(const uint8_t(*)[32])blocks, 0, 0};
	assert_int_equal(crypto_p256_keygen_rng(&rng, &priv, &pub), MCIM_ERR_RANDOM);
	assert_int_equal(priv.d[0], 0xee);
	assert_int_equal(pub.q[0], 0xee);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc6979_a25_known_answers),
	    cmocka_unit_test(cavs_cdh_known_answers),
	    cmocka_unit_test(base_table_matches_openssl),
	    cmocka_unit_test(random_keys_agree_with_openssl),
	    cmocka_unit_test(edge_scalars_agree_with_openssl),
	    cmocka_unit_test(scalar_one_and_n_minus_one),
	    cmocka_unit_test(out_of_range_scalars_refused),
	    cmocka_unit_test(signature_edges_and_tampering),
	    cmocka_unit_test(signing_is_hedged),
	    cmocka_unit_test(malformed_points_refused),
	    cmocka_unit_test(unusual_valid_peers_agree_with_openssl),
	    cmocka_unit_test(complete_formulas_exceptional_cases),
	    cmocka_unit_test(field_and_scalar_inverses),
	    cmocka_unit_test(arithmetic_matches_bignum),
	    cmocka_unit_test(keygen_rejection_sampling),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
