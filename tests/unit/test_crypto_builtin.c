/*
 * The builtin crypto backend (src/crypto/builtin, and the HKDF and random pool both
 * backends share) against published known answers and against OpenSSL, called
 * directly here as an independent implementation:
 * - AES, bitsliced (aes_ct.c): FIPS 197 and SP 800-38A known answers for AES-128 and
 *   AES-256, the block in each of the four positions of a pass; random keys and
 *   blocks against OpenSSL's ECB; MILENAGE's AES-128 forced onto the portable path;
 * - AES-256-GCM on both implementations (AES-NI + PCLMULQDQ when the CPU has them,
 *   and the portable constant-time one, forced): McGrew-Viega test cases 13-16;
 *   every plaintext length 0..300 under several AAD lengths, and longer messages
 *   across open's 256-octet chunks, against OpenSSL's EVP; any bit flipped in
 *   ciphertext, tag, AAD or nonce refused with the plaintext buffer untouched;
 * - HKDF-SHA-256: RFC 5869 A.1-A.3, then salts, keys, infos and output lengths
 *   around the hash's block and output sizes against OpenSSL's HKDF;
 * - mcim_rng_system: a forked child never hands out the octets its parent's pool
 *   holds; no octet handed out twice across threads; requests of every length,
 *   through the pool and around it, and the source past one getrandom call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/aes128.h"
#include "crypto/builtin/aes_ct.h"
#include "crypto/builtin/gcm_int.h"
#include "crypto/rand_int.h"
#include "mcim/crypto.h"
#include "mcim/rand.h"
#include "tool/vecfile.h"

#define DATA_MAX 1024
#define GCM_LONG 4101 /* 16 chunks of open's second pass and a partial one */

/* ---- Test data and the reference. ---- */

static void open_data(struct vecfile *vf, const char *file, const char *algorithm)
{
	static char path[4096];
	const char *dir = getenv("MCIM_SOURCE_DIR");

	if (dir == NULL)
		fail_msg("MCIM_SOURCE_DIR is not set (run the tests through ctest)");
	snprintf(path, sizeof(path), "%s/tests/data/%s", dir, file);
	if (vecfile_open(vf, path) != MCIM_OK)
		fail_msg("%s", vf->err);
	assert_string_equal(vf->algorithm, algorithm);
	assert_true(vf->nsets > 0);
}

/* A hex field of any length (0 when empty). */
static size_t hex_var(struct vecfile *vf, size_t set, const char *field, uint8_t *out,
		      size_t cap)
{
	size_t len = 0;

	if (vecfile_hex(vf, set, field, out, 0) == MCIM_OK)
		return 0;
	if (vecfile_hex_var(vf, set, field, out, cap, &len) != MCIM_OK)
		fail_msg("%s", vf->err);
	return len;
}

/* Deterministic test inputs (xorshift): runs are reproducible. */
static uint64_t prng_state = 0x9e3779b97f4a7c15u;

static void fill(uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		prng_state ^= prng_state << 13;
		prng_state ^= prng_state >> 7;
		prng_state ^= prng_state << 17;
		buf[i] = (uint8_t)(prng_state >> 24);
	}
}

static void ref_ecb(const uint8_t *key, size_t key_len, const uint8_t *in, uint8_t *out,
		    size_t blocks)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0;

	assert_non_null(ctx);
	assert_int_equal(
	    EVP_EncryptInit_ex(ctx, key_len == 16 ? EVP_aes_128_ecb() : EVP_aes_256_ecb(),
			       NULL, key, NULL),
	    1);
	assert_int_equal(EVP_CIPHER_CTX_set_padding(ctx, 0), 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, out, &len, in, (int)(16 * blocks)), 1);
	assert_int_equal(len, (int)(16 * blocks));
	EVP_CIPHER_CTX_free(ctx);
}

/* ct || tag as OpenSSL seals it. */
static void ref_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad,
		     size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *ct)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_EncryptInit_ex2(ctx, EVP_aes_256_gcm(), key, nonce, NULL),
			 1);
	if (aad_len != 0)
		assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &len, aad, (int)aad_len),
				 1);
	if (pt_len != 0)
		assert_int_equal(EVP_EncryptUpdate(ctx, ct, &len, pt, (int)pt_len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, ct + pt_len, &len), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, ct + pt_len),
			 1);
	EVP_CIPHER_CTX_free(ctx);
}

static void ref_hkdf(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
		     size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t *out,
		     size_t out_len)
{
	static const uint8_t empty[1];
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[5];
	size_t n = 0;

	assert_non_null(ctx);
	params[n++] =
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[n++] = OSSL_PARAM_construct_octet_string(
	    OSSL_KDF_PARAM_KEY, (void *)(ikm_len != 0 ? ikm : empty), ikm_len);
	if (salt_len != 0)
		params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
								(void *)salt, salt_len);
	if (info_len != 0)
		params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
								(void *)info, info_len);
	params[n] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(ctx, out, out_len, params), 1);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
}

/* ---- AES, bitsliced. ---- */

/* Each known answer in every position of a four-block pass, and in place. */
static void aes_known_answers(void **state)
{
	struct vecfile vf;

	(void)state;
	open_data(&vf, "aes_fips197.json", "aes-ecb");
	for (size_t i = 0; i < vf.nsets; i++) {
		uint8_t key[32], pt[16], ct[16], blocks[64], out[64];
		size_t key_len = hex_var(&vf, i, "key", key, sizeof(key));
		struct crypto_aes_ct c;

		assert_true(key_len == 16 || key_len == 32);
		assert_int_equal(hex_var(&vf, i, "pt", pt, sizeof(pt)), 16);
		assert_int_equal(hex_var(&vf, i, "ct", ct, sizeof(ct)), 16);
		crypto_aes_ct_init(&c, key, key_len);
		assert_int_equal(c.rounds, key_len == 16 ? 10 : 14);
		for (size_t pos = 0; pos < 4; pos++) {
			fill(blocks, sizeof(blocks));
			memcpy(blocks + 16 * pos, pt, 16);
			crypto_aes_ct_encrypt(&c, blocks, out, pos + 1);
			assert_memory_equal(out + 16 * pos, ct, 16);
			crypto_aes_ct_encrypt(&c, blocks, blocks, 4);
			assert_memory_equal(blocks + 16 * pos, ct, 16);
		}
		crypto_aes_ct_wipe(&c);
	}
	vecfile_close(&vf);
}

static void aes_against_openssl(void **state)
{
	(void)state;
	for (int trial = 0; trial < 400; trial++) {
		size_t key_len = trial % 2 ? 32 : 16, n = (size_t)trial % 4 + 1;
		uint8_t key[32], in[64], out[64], want[64];
		struct crypto_aes_ct c;

		fill(key, sizeof(key));
		fill(in, sizeof(in));
		crypto_aes_ct_init(&c, key, key_len);
		memset(out, 0xee, sizeof(out));
		crypto_aes_ct_encrypt(&c, in, out, n);
		ref_ecb(key, key_len, in, want, n);
		assert_memory_equal(out, want, 16 * n);
		for (size_t i = 16 * n; i < sizeof(out); i++)
			assert_int_equal(out[i], 0xee); /* only n blocks written */
		crypto_aes_ct_wipe(&c);
	}
}

/* MILENAGE's AES-128 (aes128.h) without AES-NI runs on the bitsliced AES here. */
static void aes128_portable_path(void **state)
{
	(void)state;
	crypto_aes128_force_portable(1);
	for (int trial = 0; trial < 100; trial++) {
		size_t n = (size_t)trial % CRYPTO_AES128_BLOCKS_MAX + 1;
		uint8_t key[16], in[16 * CRYPTO_AES128_BLOCKS_MAX],
		    out[16 * CRYPTO_AES128_BLOCKS_MAX],
		    want[16 * CRYPTO_AES128_BLOCKS_MAX];
		struct crypto_aes128 aes;

		fill(key, sizeof(key));
		fill(in, sizeof(in));
		crypto_aes128_init(&aes, key);
		assert_int_equal(aes.use_aesni, 0);
		assert_int_equal(crypto_aes128_encrypt(&aes, in, out, n), MCIM_OK);
		ref_ecb(key, 16, in, want, n);
		assert_memory_equal(out, want, 16 * n);
		assert_int_equal(crypto_aes128_portable(key, in, out, n), MCIM_OK);
		assert_memory_equal(out, want, 16 * n);
		crypto_aes128_wipe(&aes);
	}
	crypto_aes128_force_portable(0);
}

/* ---- AES-256-GCM on each implementation. ---- */

/* Selects the implementation; 0 when the CPU cannot run the one asked for. */
static int use_impl(int hw)
{
	crypto_gcm_force_portable(!hw);
	if (hw && !crypto_gcm_hw()) {
		print_message("no AES-NI/PCLMULQDQ on this CPU: portable path only\n");
		return 0;
	}
	assert_int_equal(crypto_gcm_hw(), hw);
	return 1;
}

static void gcm_known_answers_on(int hw)
{
	struct vecfile vf;

	if (!use_impl(hw))
		return;
	open_data(&vf, "aes256gcm.json", "aes-256-gcm");
	for (size_t i = 0; i < vf.nsets; i++) {
		uint8_t key[32], nonce[12], aad[64], pt[64], want[80], ct[81], back[65];
		size_t aad_len, pt_len;

		assert_int_equal(hex_var(&vf, i, "key", key, sizeof(key)), 32);
		assert_int_equal(hex_var(&vf, i, "nonce", nonce, sizeof(nonce)), 12);
		aad_len = hex_var(&vf, i, "aad", aad, sizeof(aad));
		pt_len = hex_var(&vf, i, "pt", pt, sizeof(pt));
		assert_int_equal(hex_var(&vf, i, "ct", want, 64), pt_len);
		assert_int_equal(hex_var(&vf, i, "tag", want + pt_len, 16), 16);
		memset(ct, 0xee, sizeof(ct));
		assert_int_equal(mcim_aead_seal(key, nonce, aad, aad_len, pt, pt_len, ct),
				 MCIM_OK);
		assert_memory_equal(ct, want, pt_len + 16);
		assert_int_equal(ct[pt_len + 16], 0xee);
		memset(back, 0xee, sizeof(back));
		assert_int_equal(mcim_aead_open(key, nonce, aad, aad_len, want,
						pt_len + 16, pt_len != 0 ? back : NULL),
				 MCIM_OK);
		if (pt_len != 0)
			assert_memory_equal(back, pt, pt_len);
		assert_int_equal(back[pt_len], 0xee);
	}
	vecfile_close(&vf);
	crypto_gcm_force_portable(0);
}

static void gcm_known_answers_hw(void **state)
{
	(void)state;
	gcm_known_answers_on(1);
}

static void gcm_known_answers_portable(void **state)
{
	(void)state;
	gcm_known_answers_on(0);
}

/* One message sealed by both, opened back. */
static void cross_check(size_t pt_len, size_t aad_len)
{
	static uint8_t key[32], nonce[12], aad[100], pt[GCM_LONG], ct[GCM_LONG + 17],
	    want[GCM_LONG + 16], back[GCM_LONG + 1];

	assert_true(pt_len <= GCM_LONG && aad_len <= sizeof(aad));
	fill(key, sizeof(key));
	fill(nonce, sizeof(nonce));
	fill(aad, aad_len);
	fill(pt, pt_len);
	memset(ct, 0xee, pt_len + 17);
	assert_int_equal(mcim_aead_seal(key, nonce, aad, aad_len, pt, pt_len, ct),
			 MCIM_OK);
	ref_seal(key, nonce, aad, aad_len, pt, pt_len, want);
	if (memcmp(ct, want, pt_len + 16) != 0)
		fail_msg("sealed %zu octets under %zu of AAD: not OpenSSL's", pt_len,
			 aad_len);
	assert_int_equal(ct[pt_len + 16], 0xee);
	memset(back, 0xee, pt_len + 1);
	assert_int_equal(mcim_aead_open(key, nonce, aad, aad_len, want, pt_len + 16,
					pt_len != 0 ? back : NULL),
			 MCIM_OK);
	if (pt_len != 0)
		assert_memory_equal(back, pt, pt_len);
	assert_int_equal(back[pt_len], 0xee);
}

static void gcm_against_openssl_on(int hw)
{
	static const size_t aad_lens[] = {0, 1, 13, 16, 17, 32, 77, 100};
	static const size_t longer[] = {511, 512, 1000, 1024, 4096, GCM_LONG};

	if (!use_impl(hw))
		return;
	for (size_t pt_len = 0; pt_len <= 300; pt_len++)
		cross_check(pt_len, aad_lens[pt_len % 8]);
	for (size_t i = 0; i < sizeof(aad_lens) / sizeof(aad_lens[0]); i++)
		for (size_t j = 0; j < sizeof(longer) / sizeof(longer[0]); j++)
			cross_check(longer[j], aad_lens[i]);
	crypto_gcm_force_portable(0);
}

static void gcm_against_openssl_hw(void **state)
{
	(void)state;
	gcm_against_openssl_on(1);
}

static void gcm_against_openssl_portable(void **state)
{
	(void)state;
	gcm_against_openssl_on(0);
}

/* open must fail (MCIM_ERR_DECRYPT, or MCIM_ERR_TRUNCATED below a tag's length) and
 * leave pt exactly as it was. */
static void expect_refused(const uint8_t key[32], const uint8_t nonce[12],
			   const uint8_t *aad, size_t aad_len, const uint8_t *ct,
			   size_t ct_len)
{
	static uint8_t pt[GCM_LONG + 16];

	assert_true(ct_len <= sizeof(pt));
	memset(pt, 0xa5, sizeof(pt));
	assert_int_equal(mcim_aead_open(key, nonce, aad, aad_len, ct, ct_len, pt),
			 ct_len < 16 ? MCIM_ERR_TRUNCATED : MCIM_ERR_DECRYPT);
	for (size_t i = 0; i < sizeof(pt); i++)
		if (pt[i] != 0xa5)
			fail_msg("plaintext octet %zu written by a failed open", i);
}

/* Every bit of ciphertext and tag for short messages, a sample of them for long ones;
 * every bit of the nonce and of a 20-octet AAD. */
static void gcm_tamper_on(int hw)
{
	static const size_t sizes[] = {0, 1, 15, 16, 17, 31, 64, 255, 256, 257, GCM_LONG};
	static uint8_t key[32], nonce[12], aad[20], pt[GCM_LONG], ct[GCM_LONG + 16];

	if (!use_impl(hw))
		return;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k], ct_len = n + 16, step = n <= 64 ? 1 : 61;

		fill(key, sizeof(key));
		fill(nonce, sizeof(nonce));
		fill(aad, sizeof(aad));
		fill(pt, n);
		assert_int_equal(mcim_aead_seal(key, nonce, aad, sizeof(aad), pt, n, ct),
				 MCIM_OK);
		for (size_t bit = 0; bit < 8 * ct_len; bit += step) {
			ct[bit / 8] ^= (uint8_t)(1u << bit % 8);
			expect_refused(key, nonce, aad, sizeof(aad), ct, ct_len);
			ct[bit / 8] ^= (uint8_t)(1u << bit % 8);
		}
		for (size_t bit = 0; bit < 8 * sizeof(nonce); bit++) {
			nonce[bit / 8] ^= (uint8_t)(1u << bit % 8);
			expect_refused(key, nonce, aad, sizeof(aad), ct, ct_len);
			nonce[bit / 8] ^= (uint8_t)(1u << bit % 8);
		}
		for (size_t bit = 0; bit < 8 * sizeof(aad); bit++) {
			aad[bit / 8] ^= (uint8_t)(1u << bit % 8);
			expect_refused(key, nonce, aad, sizeof(aad), ct, ct_len);
			aad[bit / 8] ^= (uint8_t)(1u << bit % 8);
		}
		/* AAD shortened, the tag's last octet missing: refused too. */
		expect_refused(key, nonce, aad, sizeof(aad) - 1, ct, ct_len);
		expect_refused(key, nonce, aad, sizeof(aad), ct, ct_len - 1);
	}
	crypto_gcm_force_portable(0);
}

static void gcm_tamper_hw(void **state)
{
	(void)state;
	gcm_tamper_on(1);
}

static void gcm_tamper_portable(void **state)
{
	(void)state;
	gcm_tamper_on(0);
}

/* ---- HKDF-SHA-256 (the same code in both backends). ---- */

static void hkdf_known_answers(void **state)
{
	struct vecfile vf;

	(void)state;
	open_data(&vf, "hkdf_sha256.json", "hkdf-sha256");
	for (size_t i = 0; i < vf.nsets; i++) {
		uint8_t ikm[DATA_MAX], salt[DATA_MAX], info[DATA_MAX], okm[DATA_MAX];
		uint8_t out[DATA_MAX + 1];
		size_t ikm_len = hex_var(&vf, i, "ikm", ikm, sizeof(ikm));
		size_t salt_len = hex_var(&vf, i, "salt", salt, sizeof(salt));
		size_t info_len = hex_var(&vf, i, "info", info, sizeof(info));
		size_t len = hex_var(&vf, i, "okm", okm, sizeof(okm));

		memset(out, 0xee, sizeof(out));
		assert_int_equal(mcim_hkdf_sha256(salt_len ? salt : NULL, salt_len,
						  ikm_len ? ikm : NULL, ikm_len,
						  info_len ? info : NULL, info_len, out,
						  len),
				 MCIM_OK);
		assert_memory_equal(out, okm, len);
		assert_int_equal(out[len], 0xee);
	}
	vecfile_close(&vf);
}

/* Salts and keys shorter than, as long as and longer than HMAC's 64-octet block;
 * outputs around the 32-octet blocks of the expansion, up to the 8160-octet limit. */
static void hkdf_against_openssl(void **state)
{
	static const size_t salt_lens[] = {0, 1, 32, 64, 65, 100};
	static const size_t ikm_lens[] = {0, 1, 22, 64, 80};
	static const size_t info_lens[] = {0, 1, 10, 200};
	static const size_t out_lens[] = {1, 31, 32, 33, 64, 100, 8160};
	static uint8_t salt[100], ikm[80], info[200], out[8161], want[8160];

	(void)state;
	for (size_t a = 0; a < 6; a++)
		for (size_t b = 0; b < 5; b++)
			for (size_t c = 0; c < 4; c++) {
				size_t n = out_lens[(a + b + c) % 7];

				fill(salt, sizeof(salt));
				fill(ikm, sizeof(ikm));
				fill(info, sizeof(info));
				memset(out, 0xee, sizeof(out));
				assert_int_equal(mcim_hkdf_sha256(salt, salt_lens[a], ikm,
								  ikm_lens[b], info,
								  info_lens[c], out, n),
						 MCIM_OK);
				ref_hkdf(salt, salt_lens[a], ikm, ikm_lens[b], info,
					 info_lens[c], want, n);
				assert_memory_equal(out, want, n);
				assert_int_equal(out[n], 0xee);
			}
	assert_int_equal(mcim_hkdf_sha256(salt, 1, ikm, 1, info, 1, out, 0),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_hkdf_sha256(salt, 1, ikm, 1, info, 1, out, 8161),
			 MCIM_ERR_INVALID_ARG);
}

/* ---- mcim_rng_system. ---- */

static void draw(uint8_t *buf, size_t len)
{
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), buf, len), MCIM_OK);
}

/* After fork the child's pool is its parent's copy: what the child draws next must
 * not be what the parent draws next. */
static void rand_fork(void **state)
{
	uint8_t first[16], parent[64], child[64];
	int fds[2];
	pid_t pid;
	int status;

	(void)state;
	draw(first, sizeof(first)); /* the pool is filled, most of it unused */
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ok =
		    mcim_rng_fill(mcim_rng_system(), child, sizeof(child)) == MCIM_OK &&
		    write(fds[1], child, sizeof(child)) == (ssize_t)sizeof(child);

		_exit(ok ? 0 : 1);
	}
	close(fds[1]);
	draw(parent, sizeof(parent));
	assert_int_equal(read(fds[0], child, sizeof(child)), (ssize_t)sizeof(child));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_memory_not_equal(parent, child, sizeof(child));
	/* The parent goes on drawing from its own pool. */
	draw(child, sizeof(child));
	assert_memory_not_equal(parent, child, sizeof(child));
}

#define THREAD_DRAWS 2000

static void *drawer(void *arg)
{
	uint8_t(*out)[16] = arg;

	for (size_t i = 0; i < THREAD_DRAWS; i++)
		if (mcim_rng_fill(mcim_rng_system(), out[i], 16) != MCIM_OK)
			return arg;
	return NULL;
}

static int cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* Each thread has its own pool: 8000 16-octet draws from four threads, no repeat. */
static void rand_threads(void **state)
{
	static uint8_t got[4 * THREAD_DRAWS][16];
	pthread_t t[4];

	(void)state;
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(
		    pthread_create(&t[i], NULL, drawer, got + i * THREAD_DRAWS), 0);
	for (size_t i = 0; i < 4; i++) {
		void *bad;

		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
	qsort(got, 4 * THREAD_DRAWS, 16, cmp16);
	for (size_t i = 1; i < 4 * THREAD_DRAWS; i++)
		assert_memory_not_equal(got[i - 1], got[i], 16);
}

/* Every length through the pool and past it (long requests go to the source), and
 * the source itself beyond the 32 MiB one getrandom call returns. */
static void rand_lengths(void **state)
{
	const size_t big = (33u << 20) + 5;
	uint8_t a[1100], b[1100];
	uint8_t *huge = malloc(big);

	(void)state;
	assert_non_null(huge);
	for (size_t len = 0; len <= sizeof(a); len += len < 300 ? 1 : 97) {
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		draw(a, len);
		draw(b, len);
		if (len >= 16)
			assert_memory_not_equal(a, b, len);
		for (size_t i = len; i < sizeof(a); i++)
			assert_int_equal(a[i], 0); /* nothing past len */
	}
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), NULL, 0), MCIM_OK);
	memset(huge + big - 64, 0, 64);
	assert_int_equal(crypto_rand_os(huge, big), MCIM_OK);
	memset(a, 0, 64);
	assert_memory_not_equal(huge + big - 64, a, 64);
	free(huge);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(aes_known_answers),
	    cmocka_unit_test(aes_against_openssl),
	    cmocka_unit_test(aes128_portable_path),
	    cmocka_unit_test(gcm_known_answers_hw),
	    cmocka_unit_test(gcm_known_answers_portable),
	    cmocka_unit_test(gcm_against_openssl_hw),
	    cmocka_unit_test(gcm_against_openssl_portable),
	    cmocka_unit_test(gcm_tamper_hw),
	    cmocka_unit_test(gcm_tamper_portable),
	    cmocka_unit_test(hkdf_known_answers),
	    cmocka_unit_test(hkdf_against_openssl),
	    cmocka_unit_test(rand_fork),
	    cmocka_unit_test(rand_threads),
	    cmocka_unit_test(rand_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
