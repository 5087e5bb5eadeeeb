/*
 * Speed of the builtin P-256 (src/crypto/builtin) against OpenSSL on this machine:
 * key generation, signing, verification (with a raw key and with a verifier), ECDH
 * and the public key of a private one, in microseconds per operation, with the ratio
 * builtin / OpenSSL. OpenSSL is measured at its best: keys imported once, contexts
 * prepared once, so only the operation itself is timed (on x86-64 this is its
 * assembly nistz256 code). Each figure is the best of 3 runs. Not run by ctest:
 *   build/tests/p256_builtin_bench [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "mcim/crypto.h"

#define RUNS 3

static const uint8_t msg[32] = "benchmark message, 32 octets...";

/* The state every timed operation reads. */
struct bench {
	struct mcim_p256_priv priv, peer_priv;
	struct mcim_p256_pub pub, peer_pub;
	struct mcim_p256_verifier verifier;
	uint8_t sig[MCIM_P256_SIG_LEN];
	EVP_PKEY *ossl_priv, *ossl_peer;
	EVP_PKEY_CTX *ossl_sign, *ossl_verify, *ossl_derive, *ossl_keygen;
	unsigned char der[80];
	size_t der_len;
	EC_GROUP *group;
};

static void die(const char *what)
{
	fprintf(stderr, "p256_builtin_bench: %s failed\n", what);
	exit(1);
}

static void check(int ok, const char *what)
{
	if (!ok)
		die(what);
}

static void op_builtin_keygen(struct bench *b)
{
	struct mcim_p256_priv d;
	struct mcim_p256_pub q;

	(void)b;
	check(mcim_p256_keygen(&d, &q) == MCIM_OK, "keygen");
	mcim_p256_priv_wipe(&d);
}

static void op_builtin_pub(struct bench *b)
{
	struct mcim_p256_pub q;

	check(mcim_p256_pub_from_priv(&b->priv, &q) == MCIM_OK, "pub_from_priv");
}

static void op_builtin_sign(struct bench *b)
{
	uint8_t sig[MCIM_P256_SIG_LEN];

	check(mcim_p256_sign(&b->priv, msg, sizeof(msg), sig) == MCIM_OK, "sign");
}

static void op_builtin_verify(struct bench *b)
{
	check(mcim_p256_verify(&b->pub, msg, sizeof(msg), b->sig) == MCIM_OK, "verify");
}

static void op_builtin_verifier(struct bench *b)
{
	check(mcim_p256_verifier_verify(&b->verifier, msg, sizeof(msg), b->sig) ==
		  MCIM_OK,
	      "verifier_verify");
}

static void op_builtin_ecdh(struct bench *b)
{
	uint8_t z[MCIM_P256_ECDH_LEN];

	check(mcim_p256_ecdh(&b->priv, &b->peer_pub, z) == MCIM_OK, "ecdh");
}

static void op_ossl_keygen(struct bench *b)
{
	EVP_PKEY *pkey = NULL;

	check(EVP_PKEY_generate(b->ossl_keygen, &pkey) == 1, "EVP_PKEY_generate");
	EVP_PKEY_free(pkey);
}

static void op_ossl_pub(struct bench *b)
{
	EC_POINT *pt = EC_POINT_new(b->group);
	BIGNUM *d = BN_bin2bn(b->priv.d, 32, NULL);
	uint8_t q[65];

	check(pt != NULL && d != NULL, "EC_POINT_new");
	BN_set_flags(d, BN_FLG_CONSTTIME);
	check(EC_POINT_mul(b->group, pt, d, NULL, NULL, NULL) == 1 &&
		  EC_POINT_point2oct(b->group, pt, POINT_CONVERSION_UNCOMPRESSED, q,
				     sizeof(q), NULL) == sizeof(q),
	      "EC_POINT_mul");
	BN_clear_free(d);
	EC_POINT_free(pt);
}

static void op_ossl_sign(struct bench *b)
{
	unsigned char digest[32], der[80];
	size_t len = sizeof(der);

	check(EVP_Digest(msg, sizeof(msg), digest, NULL, EVP_sha256(), NULL) == 1,
	      "EVP_Digest");
	check(EVP_PKEY_sign(b->ossl_sign, der, &len, digest, sizeof(digest)) == 1,
	      "EVP_PKEY_sign");
}

static void op_ossl_verify(struct bench *b)
{
	unsigned char digest[32];

	check(EVP_Digest(msg, sizeof(msg), digest, NULL, EVP_sha256(), NULL) == 1,
	      "EVP_Digest");
	check(EVP_PKEY_verify(b->ossl_verify, b->der, b->der_len, digest,
			      sizeof(digest)) == 1,
	      "EVP_PKEY_verify");
}

static void op_ossl_ecdh(struct bench *b)
{
	unsigned char z[32];
	size_t len = sizeof(z);

	check(EVP_PKEY_derive(b->ossl_derive, z, &len) == 1, "EVP_PKEY_derive");
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Microseconds per call of op, best of RUNS runs of n calls. */
static double measure(void (*op)(struct bench *), struct bench *b, int n)
{
	double best = 0;

	for (int r = 0; r < RUNS; r++) {
		double t0 = now_us(), t;

		for (int i = 0; i < n; i++)
			op(b);
		t = (now_us() - t0) / n;
		if (r == 0 || t < best)
			best = t;
	}
	return best;
}

/* An OpenSSL key pair holding d. */
static EVP_PKEY *ossl_import(const struct mcim_p256_priv *priv,
			     const struct mcim_p256_pub *pub)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;
	uint8_t native[32];
	OSSL_PARAM params[4];

	/* OSSL_PARAM integers are in the host's byte order (little-endian here). */
	for (int i = 0; i < 32; i++)
		native[i] = priv->d[31 - i];
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)"prime256v1", 0);
	params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, native, 32);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						      (void *)pub->q, sizeof(pub->q));
	params[3] = OSSL_PARAM_construct_end();
	check(ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
		  EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) == 1,
	      "EVP_PKEY_fromdata");
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static void setup(struct bench *b)
{
	unsigned char digest[32];

	check(mcim_p256_keygen(&b->priv, &b->pub) == MCIM_OK, "keygen");
	check(mcim_p256_keygen(&b->peer_priv, &b->peer_pub) == MCIM_OK, "keygen");
	check(mcim_p256_sign(&b->priv, msg, sizeof(msg), b->sig) == MCIM_OK, "sign");
	check(mcim_p256_verifier_init(&b->verifier, &b->pub) == MCIM_OK, "verifier");
	b->group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	b->ossl_priv = ossl_import(&b->priv, &b->pub);
	b->ossl_peer = ossl_import(&b->peer_priv, &b->peer_pub);
	b->ossl_sign = EVP_PKEY_CTX_new(b->ossl_priv, NULL);
	b->ossl_verify = EVP_PKEY_CTX_new(b->ossl_priv, NULL);
	b->ossl_derive = EVP_PKEY_CTX_new(b->ossl_priv, NULL);
	b->ossl_keygen = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	check(b->group != NULL && b->ossl_sign != NULL && b->ossl_verify != NULL &&
		  b->ossl_derive != NULL && b->ossl_keygen != NULL,
	      "OpenSSL contexts");
	check(EVP_PKEY_sign_init(b->ossl_sign) == 1 &&
		  EVP_PKEY_verify_init(b->ossl_verify) == 1 &&
		  EVP_PKEY_derive_init(b->ossl_derive) == 1 &&
		  EVP_PKEY_derive_set_peer(b->ossl_derive, b->ossl_peer) == 1 &&
		  EVP_PKEY_keygen_init(b->ossl_keygen) == 1 &&
		  EVP_PKEY_CTX_set_group_name(b->ossl_keygen, "P-256") == 1,
	      "OpenSSL init");
	check(EVP_Digest(msg, sizeof(msg), digest, NULL, EVP_sha256(), NULL) == 1,
	      "EVP_Digest");
	b->der_len = sizeof(b->der);
	check(EVP_PKEY_sign(b->ossl_sign, b->der, &b->der_len, digest, sizeof(digest)) ==
		  1,
	      "EVP_PKEY_sign");
}

static void teardown(struct bench *b)
{
	mcim_p256_verifier_free(&b->verifier);
	mcim_p256_priv_wipe(&b->priv);
	mcim_p256_priv_wipe(&b->peer_priv);
	EVP_PKEY_CTX_free(b->ossl_sign);
	EVP_PKEY_CTX_free(b->ossl_verify);
	EVP_PKEY_CTX_free(b->ossl_derive);
	EVP_PKEY_CTX_free(b->ossl_keygen);
	EVP_PKEY_free(b->ossl_priv);
	EVP_PKEY_free(b->ossl_peer);
	EC_GROUP_free(b->group);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*builtin)(struct bench *), (*ossl)(struct bench *);
	} rows[] = {
	    {"keygen", op_builtin_keygen, op_ossl_keygen},
	    {"pub_from_priv (d*G)", op_builtin_pub, op_ossl_pub},
	    {"sign", op_builtin_sign, op_ossl_sign},
	    {"verify", op_builtin_verify, op_ossl_verify},
	    {"verifier_verify", op_builtin_verifier, op_ossl_verify},
	    {"ecdh", op_builtin_ecdh, op_ossl_ecdh},
	};
	struct bench b;
	int n = argc > 1 ? atoi(argv[1]) : 2000;

	if (n <= 0) {
		fprintf(stderr, "usage: p256_builtin_bench [iterations]\n");
		return 2;
	}
	memset(&b, 0, sizeof(b));
	setup(&b);
	printf("P-256, %d operations per run, best of %d runs (us per operation)\n", n,
	       RUNS);
	printf("%-22s %10s %10s %8s\n", "operation", "builtin", "OpenSSL", "ratio");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		double tb = measure(rows[i].builtin, &b, n);
		double to = measure(rows[i].ossl, &b, n);

		printf("%-22s %10.1f %10.1f %8.2f\n", rows[i].name, tb, to, tb / to);
	}
	teardown(&b);
	return 0;
}
