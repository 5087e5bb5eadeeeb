/*
 * The provisioning benchmark's witness of the public-key operations mcimd does
 * (tests/net/test_prov_bench.c, docs/bench.md): a library the benchmark preloads into
 * the daemon (LD_PRELOAD), never linked into a product. It stands between the daemon
 * and OpenSSL at the calls that src/crypto/p256.c makes for each P-256 operation,
 * counts them and passes them on unchanged:
 *   EVP_PKEY_sign with an output buffer   one ECDSA signature (mcim_p256_sign)
 *   EVP_PKEY_verify                       one ECDSA verification (mcim_p256_verify,
 *                                         mcim_p256_verifier_verify; certificate links
 *                                         and COSE signatures alike)
 *   EC_POINT_mul of the generator only    one key generation (mcim_p256_keygen,
 *                                         mcim_p256_pub_from_priv)
 *   EC_POINT_mul of a point only          one ECDH (mcim_p256_ecdh)
 * The scalar multiplications OpenSSL makes inside a signature or a verification are
 * not counted (a per-thread depth). The counts live in a file the benchmark names in
 * MCIM_OPCOUNT_FILE, mapped shared, so that the benchmark reads them while the daemon
 * runs; without that variable the library only passes calls on.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "prov_bench_opcount.h"

typedef int (*sign_fn)(EVP_PKEY_CTX *, unsigned char *, size_t *, const unsigned char *,
		       size_t);
typedef int (*verify_fn)(EVP_PKEY_CTX *, const unsigned char *, size_t,
			 const unsigned char *, size_t);
typedef int (*mul_fn)(const EC_GROUP *, EC_POINT *, const BIGNUM *, const EC_POINT *,
		      const BIGNUM *, BN_CTX *);

static _Atomic uint64_t *counts;
static _Thread_local unsigned depth;
/* OpenSSL's own functions (the next definitions after this library's), found
 * before the daemon starts a thread. */
static sign_fn real_sign;
static verify_fn real_verify;
static mul_fn real_mul;

__attribute__((constructor)) static void opcount_init(void)
{
	const char *path = getenv(OPCOUNT_ENV);
	void *p;
	int fd;

	/* NULL in a process without OpenSSL (a shell on the way to the daemon),
	 * which then never calls these. */
	real_sign = (sign_fn)dlsym(RTLD_NEXT, "EVP_PKEY_sign");
	real_verify = (verify_fn)dlsym(RTLD_NEXT, "EVP_PKEY_verify");
	real_mul = (mul_fn)dlsym(RTLD_NEXT, "EC_POINT_mul");
	if (path == NULL || (fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return;
	p = mmap(NULL, OPCOUNT_FILE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p != MAP_FAILED)
		counts = p;
}

static void count(enum opcount_kind k)
{
	if (counts != NULL && depth == 0)
		atomic_fetch_add_explicit(&counts[k], 1, memory_order_relaxed);
}

int EVP_PKEY_sign(EVP_PKEY_CTX *ctx, unsigned char *sig, size_t *siglen,
		  const unsigned char *tbs, size_t tbslen)
{
	int rc;

	if (sig != NULL) /* NULL: a question about the size */
		count(OPCOUNT_SIGN);
	depth++;
	rc = real_sign(ctx, sig, siglen, tbs, tbslen);
	depth--;
	return rc;
}

int EVP_PKEY_verify(EVP_PKEY_CTX *ctx, const unsigned char *sig, size_t siglen,
		    const unsigned char *tbs, size_t tbslen)
{
	int rc;

	count(OPCOUNT_VERIFY);
	depth++;
	rc = real_verify(ctx, sig, siglen, tbs, tbslen);
	depth--;
	return rc;
}

int EC_POINT_mul(const EC_GROUP *group, EC_POINT *r, const BIGNUM *n, const EC_POINT *q,
		 const BIGNUM *m, BN_CTX *ctx)
{
	int rc;

	if (n != NULL && q == NULL)
		count(OPCOUNT_KEYGEN);
	else if (n == NULL && q != NULL && m != NULL)
		count(OPCOUNT_ECDH);
	depth++;
	rc = real_mul(group, r, n, q, m, ctx);
	depth--;
	return rc;
}
