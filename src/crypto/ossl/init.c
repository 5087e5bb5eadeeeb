/*
 * The set-up behind the OpenSSL backend's primitives (mcim/crypto.h): AES-256-GCM and
 * the P-256 group are fetched from OpenSSL's default provider once per process and
 * released by an OpenSSL exit handler, before OpenSSL tears its providers down.
 * After the first success a call costs one atomic load. A failed attempt (OpenSSL
 * out of memory) is not remembered: the next call tries again, so a transient
 * failure at start-up does not disable the library for the life of the process.
 */
#include "crypto/ossl/crypto_int.h"

#include <pthread.h>
#include <stdatomic.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

static struct crypto_algs algs;
static atomic_int algs_ready;
static pthread_mutex_t algs_lock = PTHREAD_MUTEX_INITIALIZER;
static int exit_handler_set;

static void algs_free(void)
{
	EVP_CIPHER_free(algs.aes256gcm);
	EC_GROUP_free(algs.p256);
	BN_free(algs.p256_order_minus_1);
	EVP_PKEY_free(algs.p256_params);
	algs = (struct crypto_algs){0};
	atomic_store(&algs_ready, 0);
}

static EVP_PKEY *p256_params_new(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
					     (char *)"prime256v1", 0),
	    OSSL_PARAM_construct_end(),
	};

	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEY_PARAMETERS, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static BIGNUM *order_minus_1(const EC_GROUP *group)
{
	BIGNUM *n = BN_dup(EC_GROUP_get0_order(group));

	if (n != NULL && BN_sub_word(n, 1) != 1) {
		BN_free(n);
		n = NULL;
	}
	return n;
}

/* Called with algs_lock held: 1 when every object is there. */
static int algs_load(void)
{
	/* The error strings (some 32 KiB of heap) and the configuration file are not
	 * loaded: the library names its own errors, and a device's crypto set-up must
	 * not depend on a system openssl.cnf. */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS |
				    OPENSSL_INIT_NO_LOAD_CONFIG,
				NULL) != 1)
		return 0;
	algs.aes256gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	algs.p256 = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	if (algs.p256 != NULL)
		algs.p256_order_minus_1 = order_minus_1(algs.p256);
	algs.p256_params = p256_params_new();
	if (!exit_handler_set)
		exit_handler_set = OPENSSL_atexit(algs_free) == 1;
	if (algs.aes256gcm == NULL || algs.p256 == NULL ||
	    algs.p256_order_minus_1 == NULL || algs.p256_params == NULL ||
	    !exit_handler_set) {
		algs_free();
		ERR_clear_error();
		return 0;
	}
	return 1;
}

const struct crypto_algs *crypto_algs(void)
{
	if (atomic_load_explicit(&algs_ready, memory_order_acquire))
		return &algs;
	pthread_mutex_lock(&algs_lock);
	if (!atomic_load_explicit(&algs_ready, memory_order_relaxed) && algs_load())
		atomic_store_explicit(&algs_ready, 1, memory_order_release);
	pthread_mutex_unlock(&algs_lock);
	return atomic_load_explicit(&algs_ready, memory_order_acquire) ? &algs : NULL;
}

mcim_err crypto_ossl_fail(mcim_err err)
{
	ERR_clear_error();
	return err;
}
