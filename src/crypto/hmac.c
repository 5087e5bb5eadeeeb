/*
 * HMAC-SHA-256 (RFC 2104) on OpenSSL's SHA-256 through EVP. The key is absorbed
 * once into two contexts (after the ipad and after the opad block); a MAC then copies
 * those into a work context. Of the EVP routes measured on OpenSSL 3.0 this is the
 * fastest: for a 63-octet message about 200 ns, against about 290 ns when the pad
 * blocks are hashed again and 240-490 ns through EVP_MAC (re-keyed or duplicated per
 * use). SHA-256 is fetched from the default provider once per process; each thread
 * keeps one keyed state for the one-shot entry points, freed by a thread-exit
 * destructor, so the only allocation per MAC is the one inside OpenSSL's copy.
 */
#include "crypto/hmac_int.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "mcim/bytes.h"

#define HMAC_BLOCK 64

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md;
}

#ifndef NDEBUG
/* For the asserts: every part with a length has data. */
static int parts_ok(const struct mcim_iov *parts, size_t n)
{
	if (parts == NULL)
		return n == 0;
	for (size_t i = 0; i < n; i++)
		if (parts[i].data == NULL && parts[i].len != 0)
			return 0;
	return 1;
}
#endif

/*
 * Feeds n parts to ctx. Short messages (every KDF input here) are gathered into one
 * buffer first: each EVP_DigestUpdate costs a provider dispatch that is comparable to
 * hashing the few octets it carries.
 */
#define GATHER_MAX 256
static int update_parts(EVP_MD_CTX *ctx, const struct mcim_iov *parts, size_t n)
{
	uint8_t buf[GATHER_MAX];
	size_t total = 0;
	int ok = 1;

	for (size_t i = 0; i < n && total <= GATHER_MAX; i++)
		total += parts[i].len;
	if (total > GATHER_MAX) {
		for (size_t i = 0; i < n && ok; i++)
			if (parts[i].len != 0)
				ok = EVP_DigestUpdate(ctx, parts[i].data, parts[i].len) ==
				     1;
		return ok;
	}
	total = 0;
	for (size_t i = 0; i < n; i++) {
		if (parts[i].len != 0)
			memcpy(buf + total, parts[i].data, parts[i].len);
		total += parts[i].len;
	}
	ok = total == 0 || EVP_DigestUpdate(ctx, buf, total) == 1;
	mcim_wipe(buf, total);
	return ok;
}

void crypto_hmac_free(struct crypto_hmac *h)
{
	assert(h != NULL);
	EVP_MD_CTX_free(h->inner);
	EVP_MD_CTX_free(h->outer);
	EVP_MD_CTX_free(h->work);
	h->inner = h->outer = h->work = NULL;
}

mcim_err crypto_hmac_new(struct crypto_hmac *h)
{
	const EVP_MD *md = sha256();

	assert(h != NULL);
	h->inner = EVP_MD_CTX_new();
	h->outer = EVP_MD_CTX_new();
	h->work = EVP_MD_CTX_new();
	if (h->inner == NULL || h->outer == NULL || h->work == NULL) {
		crypto_hmac_free(h);
		return MCIM_ERR_NOMEM;
	}
	/* Initialised now so that later re-initialisations and copies reuse the
	 * provider's context instead of allocating one. */
	if (md == NULL || EVP_DigestInit_ex2(h->inner, md, NULL) != 1 ||
	    EVP_DigestInit_ex2(h->outer, md, NULL) != 1 ||
	    EVP_DigestInit_ex2(h->work, md, NULL) != 1) {
		crypto_hmac_free(h);
		return MCIM_ERR_CRYPTO;
	}
	return MCIM_OK;
}

static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;
static int thread_key_ok;
static _Thread_local struct crypto_hmac thread_state;

static void thread_state_free(void *p)
{
	crypto_hmac_free(p);
}

static void thread_key_create(void)
{
	thread_key_ok = pthread_key_create(&thread_key, thread_state_free) == 0;
}

struct crypto_hmac *crypto_hmac_thread(void)
{
	if (thread_state.work != NULL)
		return &thread_state;
	pthread_once(&thread_key_once, thread_key_create);
	if (!thread_key_ok || crypto_hmac_new(&thread_state) != MCIM_OK)
		return NULL;
	if (pthread_setspecific(thread_key, &thread_state) != 0) {
		crypto_hmac_free(&thread_state);
		return NULL;
	}
	return &thread_state;
}

mcim_err crypto_hmac_setkey(struct crypto_hmac *h, const struct mcim_iov *key, size_t n)
{
	const EVP_MD *md = sha256();
	uint8_t k[HMAC_BLOCK] = {0}, pad[HMAC_BLOCK];
	size_t total = 0, off = 0;
	mcim_err err = MCIM_ERR_CRYPTO;

	assert(h != NULL && h->work != NULL && parts_ok(key, n));
	for (size_t i = 0; i < n && total <= HMAC_BLOCK; i++)
		total += key[i].len;
	if (total > HMAC_BLOCK) {
		/* RFC 2104: a key longer than a block is replaced by its hash. */
		if (EVP_DigestInit_ex2(h->work, md, NULL) != 1 ||
		    !update_parts(h->work, key, n) ||
		    EVP_DigestFinal_ex(h->work, k, NULL) != 1)
			goto done;
	} else {
		for (size_t i = 0; i < n; i++) {
			if (key[i].len != 0)
				memcpy(k + off, key[i].data, key[i].len);
			off += key[i].len;
		}
	}
	for (size_t i = 0; i < HMAC_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	if (EVP_DigestInit_ex2(h->inner, md, NULL) != 1 ||
	    EVP_DigestUpdate(h->inner, pad, HMAC_BLOCK) != 1)
		goto done;
	for (size_t i = 0; i < HMAC_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	if (EVP_DigestInit_ex2(h->outer, md, NULL) != 1 ||
	    EVP_DigestUpdate(h->outer, pad, HMAC_BLOCK) != 1)
		goto done;
	err = MCIM_OK;
done:
	mcim_wipe(k, sizeof(k));
	mcim_wipe(pad, sizeof(pad));
	return err;
}

mcim_err crypto_hmac_mac(struct crypto_hmac *h, const struct mcim_iov *parts, size_t n,
			 uint8_t out[MCIM_SHA256_LEN])
{
	uint8_t ih[MCIM_SHA256_LEN], oh[MCIM_SHA256_LEN];
	mcim_err err = MCIM_ERR_CRYPTO;

	assert(h != NULL && h->work != NULL && parts_ok(parts, n) && out != NULL);
	if (EVP_MD_CTX_copy_ex(h->work, h->inner) != 1 ||
	    !update_parts(h->work, parts, n) ||
	    EVP_DigestFinal_ex(h->work, ih, NULL) != 1)
		goto done;
	if (EVP_MD_CTX_copy_ex(h->work, h->outer) != 1 ||
	    EVP_DigestUpdate(h->work, ih, sizeof(ih)) != 1 ||
	    EVP_DigestFinal_ex(h->work, oh, NULL) != 1)
		goto done;
	memcpy(out, oh, sizeof(oh));
	err = MCIM_OK;
done:
	mcim_wipe(ih, sizeof(ih));
	mcim_wipe(oh, sizeof(oh));
	return err;
}

mcim_err crypto_hmac_kdf(struct crypto_hmac *h, uint8_t fc, const struct mcim_iov *params,
			 size_t n, uint8_t out[MCIM_SHA256_LEN])
{
	struct mcim_iov parts[1 + 2 * CRYPTO_KDF_PARAMS_MAX];
	uint8_t lens[CRYPTO_KDF_PARAMS_MAX][2];

	assert(n <= CRYPTO_KDF_PARAMS_MAX && parts_ok(params, n));
	parts[0] = (struct mcim_iov){&fc, 1};
	for (size_t i = 0; i < n; i++) {
		assert(params[i].len <= 0xffff);
		lens[i][0] = (uint8_t)(params[i].len >> 8);
		lens[i][1] = (uint8_t)params[i].len;
		parts[1 + 2 * i] = params[i];
		parts[2 + 2 * i] = (struct mcim_iov){lens[i], 2};
	}
	return crypto_hmac_mac(h, parts, 1 + 2 * n, out);
}

mcim_err crypto_hmac_sha256_plain(struct crypto_hmac *h, const struct mcim_iov *parts,
				  size_t n, uint8_t out[MCIM_SHA256_LEN])
{
	uint8_t d[MCIM_SHA256_LEN];
	mcim_err err = MCIM_ERR_CRYPTO;

	assert(h != NULL && h->work != NULL && parts_ok(parts, n) && out != NULL);
	if (EVP_DigestInit_ex2(h->work, sha256(), NULL) == 1 &&
	    update_parts(h->work, parts, n) &&
	    EVP_DigestFinal_ex(h->work, d, NULL) == 1) {
		memcpy(out, d, sizeof(d));
		err = MCIM_OK;
	}
	mcim_wipe(d, sizeof(d));
	return err;
}

void crypto_hmac_clear(struct crypto_hmac *h)
{
	const EVP_MD *md = sha256();

	assert(h != NULL && h->work != NULL);
	/* Re-initialising SHA-256 zeroes its whole context; it cannot fail for a
	 * context that was initialised with the same digest before. */
	(void)EVP_DigestInit_ex2(h->inner, md, NULL);
	(void)EVP_DigestInit_ex2(h->outer, md, NULL);
	(void)EVP_DigestInit_ex2(h->work, md, NULL);
}

mcim_err mcim_hmac_sha256(const uint8_t *key, size_t key_len,
			  const struct mcim_iov *parts, size_t n,
			  uint8_t out[MCIM_SHA256_LEN])
{
	struct mcim_iov k = {key, key_len};
	struct crypto_hmac *h;
	mcim_err err;

	assert((key != NULL || key_len == 0) && parts_ok(parts, n) && out != NULL);
	h = crypto_hmac_thread();
	if (h == NULL)
		return MCIM_ERR_NOMEM;
	err = crypto_hmac_setkey(h, &k, 1);
	if (err == MCIM_OK)
		err = crypto_hmac_mac(h, parts, n, out);
	crypto_hmac_clear(h);
	return err;
}
