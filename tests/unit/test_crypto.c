/*
 * The primitives of mcim/crypto.h against published known answers, read at run time
 * from the JSON files of tests/data: SHA-256 (NIST CAVS short messages, FIPS 180-2
 * examples), HKDF-SHA-256 (RFC 5869 A.1-A.3), AES-256-GCM (McGrew-Viega test cases
 * 13-16), P-256 key pairs (RFC 6979 A.2.5, NIST CAVS CDH), ECDSA P-256/SHA-256 (RFC 6979
 * A.2.5 "sample" and "test"), ECDH (NIST CAVS CDH P-256 COUNT 0 and 1). Beside them
 * the properties the protocols rely on (R-SEED-03: integrity and authentication of
 * origin; R-MCIM-C02 / T-05: K and OPc confidential end to end): every tampering of
 * an AEAD message or an ECDSA signature is refused, with the output untouched;
 * invalid scalars and points are refused everywhere; round trips; first use from
 * several threads at once; and every OpenSSL allocation made to fail in turn, so
 * that each failure path runs: an error comes back, outputs stay untouched, nothing
 * leaks (valgrind and LeakSanitizer watch the runs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <pthread.h>

#include "mcim/bytes.h"
#include "mcim/crypto.h"
#include "mcim/rand.h"
#include "tool/vecfile.h"

#define DATA_MAX 1024
#define GCM_MAX	 64

/* ---- Test data. ---- */

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

static void hex(struct vecfile *vf, size_t set, const char *field, uint8_t *out,
		size_t len)
{
	if (vecfile_hex(vf, set, field, out, len) != MCIM_OK)
		fail_msg("%s", vf->err);
}

/* A hex field that may be empty; returns its length. */
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

static unsigned long uint_field(struct vecfile *vf, size_t set, const char *field,
				unsigned long max)
{
	unsigned long v = 0;

	if (vecfile_uint(vf, set, field, max, &v) != MCIM_OK)
		fail_msg("%s", vf->err);
	return v;
}

static void fill_random(void *buf, size_t len)
{
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), buf, len), MCIM_OK);
}

struct p256_domain {
	uint8_t p[32], n[32], gx[32], gy[32];
};

static void load_domain(struct p256_domain *dom)
{
	struct vecfile vf;

	open_data(&vf, "p256_domain.json", "p256-domain");
	hex(&vf, 0, "p", dom->p, 32);
	hex(&vf, 0, "n", dom->n, 32);
	hex(&vf, 0, "gx", dom->gx, 32);
	hex(&vf, 0, "gy", dom->gy, 32);
	vecfile_close(&vf);
}

/* out = a - b (32-octet big-endian; a >= b). */
static void sub256(const uint8_t a[32], const uint8_t b[32], uint8_t out[32])
{
	int borrow = 0;

	for (int i = 31; i >= 0; i--) {
		int d = a[i] - b[i] - borrow;

		borrow = d < 0;
		out[i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
}

/* out = a + small (32-octet big-endian, no overflow). */
static void add_small(const uint8_t a[32], unsigned small, uint8_t out[32])
{
	unsigned carry = small;

	for (int i = 31; i >= 0; i--) {
		unsigned s = a[i] + carry;

		out[i] = (uint8_t)s;
		carry = s >> 8;
	}
}

/* ---- Allocation failures, injected the way SQLite's tests do: OpenSSL allocates
 * through these, and a test makes the n-th allocation and every later one fail. ---- */

static long allocs_left = -1; /* -1: none fails */
static long allocs_refused;

static int refuse_alloc(void)
{
	if (allocs_left < 0)
		return 0;
	if (allocs_left == 0) {
		allocs_refused++;
		return 1;
	}
	allocs_left--;
	return 0;
}

static void *t_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return refuse_alloc() ? NULL : malloc(n);
}

static void *t_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return refuse_alloc() ? NULL : realloc(p, n);
}

static void t_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/* Runs op with allocations failing from the n-th on, n = 0, 1, ..., until op needs no
 * more than n; op checks its own outputs (correct on success, untouched on error).
 * The run in which nothing was refused must succeed. */
static void under_oom(const char *what, mcim_err (*op)(void))
{
	for (long n = 0; n < 100000; n++) {
		mcim_err err;

		allocs_refused = 0;
		allocs_left = n;
		err = op();
		allocs_left = -1;
		if (allocs_refused == 0) {
			if (err != MCIM_OK)
				fail_msg("%s: %s with no allocation refused", what,
					 mcim_err_name(err));
			return;
		}
	}
	fail_msg("%s: never completes", what);
}

/* ---- First use from several threads (the one-time initialisation races). ---- */

static void *worker(void *arg)
{
	uint8_t key[32] = {1}, nonce[12] = {2}, pt[100], ct[116], back[100], sig[64];
	uint8_t okm[42], md[32], z[32];
	struct mcim_p256_priv a, b;
	struct mcim_p256_pub pa, pb;
	long bad = 0;

	(void)arg;
	memset(pt, 0x5a, sizeof(pt));
	for (int i = 0; i < 20; i++) {
		bad += mcim_sha256(pt, sizeof(pt), md) != MCIM_OK;
		bad += mcim_hkdf_sha256(md, 32, key, 32, pt, 10, okm, sizeof(okm)) !=
		       MCIM_OK;
		bad += mcim_aead_seal(key, nonce, md, 32, pt, sizeof(pt), ct) != MCIM_OK;
		bad +=
		    mcim_aead_open(key, nonce, md, 32, ct, sizeof(ct), back) != MCIM_OK;
		bad += memcmp(back, pt, sizeof(pt)) != 0;
		bad += mcim_p256_keygen(&a, &pa) != MCIM_OK;
		bad += mcim_p256_keygen(&b, &pb) != MCIM_OK;
		bad += mcim_p256_sign(&a, pt, sizeof(pt), sig) != MCIM_OK;
		bad += mcim_p256_verify(&pa, pt, sizeof(pt), sig) != MCIM_OK;
		bad += mcim_p256_ecdh(&a, &pb, z) != MCIM_OK;
	}
	mcim_p256_priv_wipe(&a);
	mcim_p256_priv_wipe(&b);
	return (void *)bad;
}

/* Runs first in this program, so that several threads trigger the one-time fetch of
 * the algorithms together ("All functions are thread-safe"). */
static void concurrent_first_use(void **state)
{
	pthread_t t[4];

	(void)state;
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, NULL), 0);
	for (size_t i = 0; i < 4; i++) {
		void *bad;

		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
}

/* ---- SHA-256. ---- */

static void sha256_known_answers(void **state)
{
	struct vecfile vf;

	(void)state;
	open_data(&vf, "sha256.json", "sha256");
	for (size_t i = 0; i < vf.nsets; i++) {
		uint8_t msg[DATA_MAX], md[32], got[32];
		size_t len = hex_var(&vf, i, "msg", msg, sizeof(msg));
		unsigned long repeat = 1;

		hex(&vf, i, "md", md, 32);
		if (vecfile_has(&vf, i, "repeat"))
			repeat = uint_field(&vf, i, "repeat", 10000000);
		if (repeat == 1) {
			assert_int_equal(mcim_sha256(msg, len, got), MCIM_OK);
			assert_memory_equal(got, md, 32);
			/* The same message in two and three parts, cut everywhere. */
			for (size_t cut = 0; cut <= len; cut++) {
				struct mcim_iov two[2] = {{msg, cut},
							  {msg + cut, len - cut}};
				struct mcim_iov three[3] = {
				    {msg, cut / 2},
				    {msg + cut / 2, cut - cut / 2},
				    {msg + cut, len - cut}};

				memset(got, 0, 32);
				assert_int_equal(mcim_sha256_v(two, 2, got), MCIM_OK);
				assert_memory_equal(got, md, 32);
				memset(got, 0, 32);
				assert_int_equal(mcim_sha256_v(three, 3, got), MCIM_OK);
				assert_memory_equal(got, md, 32);
			}
			/* Streaming, in pieces of every size from one octet up; final
			 * wipes the context. */
			for (size_t step = 1; step <= 129 && step <= len + 1; step++) {
				struct mcim_sha256_ctx ctx;
				struct mcim_sha256_ctx zero;

				memset(&zero, 0, sizeof(zero));
				mcim_sha256_init(&ctx);
				for (size_t at = 0; at < len; at += step)
					mcim_sha256_update(&ctx, msg + at,
							   len - at < step ? len - at
									   : step);
				memset(got, 0, 32);
				mcim_sha256_final(&ctx, got);
				assert_memory_equal(got, md, 32);
				assert_memory_equal(&ctx, &zero, sizeof(ctx));
			}
		} else {
			/* A long message: one buffer, and as many parts as repetitions.
			 */
			size_t total = len * repeat;
			uint8_t *big = malloc(total);
			struct mcim_iov *parts = malloc(repeat * sizeof(*parts));

			assert_non_null(big);
			assert_non_null(parts);
			for (size_t r = 0; r < repeat; r++) {
				memcpy(big + r * len, msg, len);
				parts[r].data = msg;
				parts[r].len = len;
			}
			assert_int_equal(mcim_sha256(big, total, got), MCIM_OK);
			assert_memory_equal(got, md, 32);
			memset(got, 0, 32);
			assert_int_equal(mcim_sha256_v(parts, repeat, got), MCIM_OK);
			assert_memory_equal(got, md, 32);
			free(parts);
			free(big);
		}
	}
	vecfile_close(&vf);
}

/* No parts, and parts that are empty, hash as the empty message (CAVS Len = 0). */
static void sha256_empty(void **state)
{
	struct vecfile vf;
	uint8_t md[32], got[32];
	struct mcim_iov empty[2] = {{NULL, 0}, {NULL, 0}};

	(void)state;
	open_data(&vf, "sha256.json", "sha256");
	assert_int_equal(hex_var(&vf, 0, "msg", got, sizeof(got)), 0);
	hex(&vf, 0, "md", md, 32);
	vecfile_close(&vf);
	assert_int_equal(mcim_sha256(NULL, 0, got), MCIM_OK);
	assert_memory_equal(got, md, 32);
	memset(got, 0, 32);
	assert_int_equal(mcim_sha256_v(NULL, 0, got), MCIM_OK);
	assert_memory_equal(got, md, 32);
	memset(got, 0, 32);
	assert_int_equal(mcim_sha256_v(empty, 2, got), MCIM_OK);
	assert_memory_equal(got, md, 32);
}

/* ---- HKDF-SHA-256. ---- */

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
		size_t len = uint_field(&vf, i, "len", DATA_MAX);

		hex(&vf, i, "okm", okm, len);
		memset(out, 0xee, sizeof(out));
		assert_int_equal(mcim_hkdf_sha256(salt_len ? salt : NULL, salt_len,
						  ikm_len ? ikm : NULL, ikm_len,
						  info_len ? info : NULL, info_len, out,
						  len),
				 MCIM_OK);
		assert_memory_equal(out, okm, len);
		assert_int_equal(out[len], 0xee); /* nothing past out_len */
	}
	vecfile_close(&vf);
}

/* 1..255*32 octets: longer outputs extend shorter ones (T(1) || T(2) || ...). */
static void hkdf_lengths(void **state)
{
	struct vecfile vf;
	uint8_t ikm[DATA_MAX], salt[DATA_MAX], info[DATA_MAX], okm[DATA_MAX];
	size_t ikm_len, salt_len, info_len, len;
	uint8_t *big = malloc(8161);

	(void)state;
	assert_non_null(big);
	open_data(&vf, "hkdf_sha256.json", "hkdf-sha256");
	ikm_len = hex_var(&vf, 1, "ikm", ikm, sizeof(ikm));
	salt_len = hex_var(&vf, 1, "salt", salt, sizeof(salt));
	info_len = hex_var(&vf, 1, "info", info, sizeof(info));
	len = uint_field(&vf, 1, "len", DATA_MAX);
	hex(&vf, 1, "okm", okm, len);
	vecfile_close(&vf);
	assert_int_equal(
	    mcim_hkdf_sha256(salt, salt_len, ikm, ikm_len, info, info_len, big, 8160),
	    MCIM_OK);
	assert_memory_equal(big, okm, len);
	memset(big, 0xee, 8161);
	assert_int_equal(
	    mcim_hkdf_sha256(salt, salt_len, ikm, ikm_len, info, info_len, big, 8161),
	    MCIM_ERR_INVALID_ARG);
	assert_int_equal(
	    mcim_hkdf_sha256(salt, salt_len, ikm, ikm_len, info, info_len, big, 0),
	    MCIM_ERR_INVALID_ARG);
	assert_int_equal(big[0], 0xee);
	assert_int_equal(
	    mcim_hkdf_sha256(salt, salt_len, ikm, ikm_len, info, info_len, big, 1),
	    MCIM_OK);
	assert_int_equal(big[0], okm[0]);
	assert_int_equal(big[1], 0xee);
	free(big);
}

/* ---- AES-256-GCM. ---- */

struct gcm_case {
	uint8_t key[32], nonce[12], aad[GCM_MAX], pt[GCM_MAX], ct[GCM_MAX + 16];
	size_t aad_len, pt_len;
};

static void load_gcm(struct vecfile *vf, size_t i, struct gcm_case *c)
{
	hex(vf, i, "key", c->key, 32);
	hex(vf, i, "nonce", c->nonce, 12);
	c->aad_len = hex_var(vf, i, "aad", c->aad, sizeof(c->aad));
	c->pt_len = hex_var(vf, i, "pt", c->pt, sizeof(c->pt));
	assert_int_equal(hex_var(vf, i, "ct", c->ct, GCM_MAX), c->pt_len);
	hex(vf, i, "tag", c->ct + c->pt_len, 16);
}

static void gcm_known_answers(void **state)
{
	struct vecfile vf;

	(void)state;
	open_data(&vf, "aes256gcm.json", "aes-256-gcm");
	for (size_t i = 0; i < vf.nsets; i++) {
		struct gcm_case c;
		uint8_t ct[GCM_MAX + 17], pt[GCM_MAX + 1];

		load_gcm(&vf, i, &c);
		memset(ct, 0xee, sizeof(ct));
		assert_int_equal(
		    mcim_aead_seal(c.key, c.nonce, c.aad, c.aad_len, c.pt, c.pt_len, ct),
		    MCIM_OK);
		assert_memory_equal(ct, c.ct, c.pt_len + 16);
		assert_int_equal(ct[c.pt_len + 16], 0xee);
		memset(pt, 0xee, sizeof(pt));
		assert_int_equal(mcim_aead_open(c.key, c.nonce, c.aad, c.aad_len, c.ct,
						c.pt_len + 16, pt),
				 MCIM_OK);
		if (c.pt_len != 0)
			assert_memory_equal(pt, c.pt, c.pt_len);
		assert_int_equal(pt[c.pt_len], 0xee);
	}
	vecfile_close(&vf);
}

/* open must fail with MCIM_ERR_DECRYPT and leave pt exactly as it was. */
static void expect_refused(const uint8_t key[32], const uint8_t nonce[12],
			   const uint8_t *aad, size_t aad_len, const uint8_t *ct,
			   size_t ct_len, mcim_err want)
{
	uint8_t pt[4096];

	assert_true(ct_len <= sizeof(pt) + 16);
	memset(pt, 0xa5, sizeof(pt));
	assert_int_equal(mcim_aead_open(key, nonce, aad, aad_len, ct, ct_len, pt), want);
	for (size_t i = 0; i < sizeof(pt); i++)
		if (pt[i] != 0xa5)
			fail_msg("plaintext octet %zu written by a failed open", i);
}

/* R-SEED-03 (integrity), R-MCIM-C02: any change to what was sealed is refused. */
static void gcm_tamper(void **state)
{
	struct vecfile vf;
	struct gcm_case c;
	uint8_t buf[GCM_MAX + 17], key[32], nonce[12], aad[GCM_MAX + 1];
	size_t ct_len;

	(void)state;
	open_data(&vf, "aes256gcm.json", "aes-256-gcm");
	load_gcm(&vf, 3, &c); /* case 16: AAD and a partial last block */
	vecfile_close(&vf);
	assert_true(c.aad_len > 0 && c.pt_len % 16 != 0);
	ct_len = c.pt_len + 16;
	/* Every bit of ciphertext and tag. */
	for (size_t bit = 0; bit < 8 * ct_len; bit++) {
		memcpy(buf, c.ct, ct_len);
		buf[bit / 8] ^= (uint8_t)(1u << bit % 8);
		expect_refused(c.key, c.nonce, c.aad, c.aad_len, buf, ct_len,
			       MCIM_ERR_DECRYPT);
	}
	for (size_t bit = 0; bit < 8 * sizeof(nonce); bit++) {
		memcpy(nonce, c.nonce, sizeof(nonce));
		nonce[bit / 8] ^= (uint8_t)(1u << bit % 8);
		expect_refused(c.key, nonce, c.aad, c.aad_len, c.ct, ct_len,
			       MCIM_ERR_DECRYPT);
	}
	for (size_t bit = 0; bit < 8 * c.aad_len; bit++) {
		memcpy(aad, c.aad, c.aad_len);
		aad[bit / 8] ^= (uint8_t)(1u << bit % 8);
		expect_refused(c.key, c.nonce, aad, c.aad_len, c.ct, ct_len,
			       MCIM_ERR_DECRYPT);
	}
	for (size_t bit = 0; bit < 8 * sizeof(key); bit += 7) {
		memcpy(key, c.key, sizeof(key));
		key[bit / 8] ^= (uint8_t)(1u << bit % 8);
		expect_refused(key, c.nonce, c.aad, c.aad_len, c.ct, ct_len,
			       MCIM_ERR_DECRYPT);
	}
	/* AAD left out, shortened, lengthened. */
	expect_refused(c.key, c.nonce, NULL, 0, c.ct, ct_len, MCIM_ERR_DECRYPT);
	expect_refused(c.key, c.nonce, c.aad, c.aad_len - 1, c.ct, ct_len,
		       MCIM_ERR_DECRYPT);
	memcpy(aad, c.aad, c.aad_len);
	aad[c.aad_len] = 0;
	expect_refused(c.key, c.nonce, aad, c.aad_len + 1, c.ct, ct_len,
		       MCIM_ERR_DECRYPT);
	/* Truncated: shorter than a tag, or missing ciphertext octets. */
	for (size_t len = 0; len < 16; len++)
		expect_refused(c.key, c.nonce, c.aad, c.aad_len, c.ct, len,
			       MCIM_ERR_TRUNCATED);
	for (size_t len = 16; len < ct_len; len++)
		expect_refused(c.key, c.nonce, c.aad, c.aad_len, c.ct, len,
			       MCIM_ERR_DECRYPT);
	/* An octet appended. */
	memcpy(buf, c.ct, ct_len);
	buf[ct_len] = 0;
	expect_refused(c.key, c.nonce, c.aad, c.aad_len, buf, ct_len + 1,
		       MCIM_ERR_DECRYPT);
}

/* Messages of every size around the 16-octet block and the 1024-octet scratch buffer of
 * the tag-checking pass. */
static void gcm_round_trip(void **state)
{
	static const size_t sizes[] = {0, 1, 15, 16, 17, 1023, 1024, 1025, 2049, 4000};
	uint8_t key[32], nonce[12], aad[40];
	uint8_t *pt = malloc(4000), *ct = malloc(4016 + 1), *back = malloc(4000 + 1);

	(void)state;
	assert_true(pt != NULL && ct != NULL && back != NULL);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];

		fill_random(key, sizeof(key));
		fill_random(nonce, sizeof(nonce));
		fill_random(aad, sizeof(aad));
		fill_random(pt, 4000);
		ct[n + 16] = 0xee;
		assert_int_equal(
		    mcim_aead_seal(key, nonce, aad, k % 2 ? sizeof(aad) : 0, pt, n, ct),
		    MCIM_OK);
		assert_int_equal(ct[n + 16], 0xee);
		back[n] = 0xee;
		assert_int_equal(mcim_aead_open(key, nonce, aad, k % 2 ? sizeof(aad) : 0,
						ct, n + 16, n ? back : NULL),
				 MCIM_OK);
		if (n != 0)
			assert_memory_equal(back, pt, n);
		assert_int_equal(back[n], 0xee);
		/* The last ciphertext octet changed: refused after the whole first pass.
		 */
		if (n != 0) {
			ct[n - 1] ^= 0x01;
			expect_refused(key, nonce, aad, k % 2 ? sizeof(aad) : 0, ct,
				       n + 16, MCIM_ERR_DECRYPT);
		}
	}
	free(pt);
	free(ct);
	free(back);
}

/* ---- P-256 keys. ---- */

static void p256_known_keys(void **state)
{
	struct p256_domain dom;
	struct vecfile vf;
	struct mcim_p256_priv d;
	struct mcim_p256_pub pub, got;

	(void)state;
	load_domain(&dom);
	/* d = 1 gives the base point. */
	memset(&d, 0, sizeof(d));
	d.d[31] = 1;
	assert_int_equal(mcim_p256_pub_from_priv(&d, &got), MCIM_OK);
	assert_int_equal(got.q[0], 0x04);
	assert_memory_equal(got.q + 1, dom.gx, 32);
	assert_memory_equal(got.q + 33, dom.gy, 32);
	/* d = n - 1 gives -G: same x, y = p - gy. */
	sub256(dom.n, d.d, d.d);
	assert_int_equal(mcim_p256_pub_from_priv(&d, &got), MCIM_OK);
	assert_memory_equal(got.q + 1, dom.gx, 32);
	sub256(dom.p, dom.gy, pub.q + 33);
	assert_memory_equal(got.q + 33, pub.q + 33, 32);
	open_data(&vf, "p256_keys.json", "p256-keys");
	for (size_t i = 0; i < vf.nsets; i++) {
		hex(&vf, i, "d", d.d, 32);
		hex(&vf, i, "pub", pub.q, 65);
		memset(&got, 0, sizeof(got));
		assert_int_equal(mcim_p256_pub_from_priv(&d, &got), MCIM_OK);
		assert_memory_equal(got.q, pub.q, 65);
		assert_int_equal(mcim_p256_pub_check(&pub), MCIM_OK);
	}
	vecfile_close(&vf);
	mcim_p256_priv_wipe(&d);
	for (size_t i = 0; i < sizeof(d.d); i++)
		assert_int_equal(d.d[i], 0);
}

static void p256_keygen(void **state)
{
	struct mcim_p256_priv priv[64];
	struct mcim_p256_pub pub[64], again;

	(void)state;
	for (size_t i = 0; i < 64; i++) {
		assert_int_equal(mcim_p256_keygen(&priv[i], &pub[i]), MCIM_OK);
		assert_int_equal(mcim_p256_pub_check(&pub[i]), MCIM_OK);
		assert_int_equal(mcim_p256_pub_from_priv(&priv[i], &again), MCIM_OK);
		assert_memory_equal(again.q, pub[i].q, 65);
		for (size_t j = 0; j < i; j++)
			assert_memory_not_equal(priv[i].d, priv[j].d, 32);
	}
	for (size_t i = 0; i < 64; i++)
		mcim_p256_priv_wipe(&priv[i]);
}

/* Scalars 0, n, n + 1 and 2^256 - 1 are no private keys; n - 1 is the largest one. */
static void p256_invalid_scalars(void **state)
{
	struct p256_domain dom;
	struct mcim_p256_priv bad[4], good;
	struct mcim_p256_pub pub, out;
	uint8_t sig[64], z[32];

	(void)state;
	load_domain(&dom);
	memset(bad, 0, sizeof(bad));
	memcpy(bad[1].d, dom.n, 32);
	add_small(dom.n, 1, bad[2].d);
	memset(bad[3].d, 0xff, 32);
	assert_int_equal(mcim_p256_keygen(&good, &pub), MCIM_OK);
	for (size_t i = 0; i < 4; i++) {
		memset(&out, 0xee, sizeof(out));
		memset(sig, 0xee, sizeof(sig));
		memset(z, 0xee, sizeof(z));
		assert_int_equal(mcim_p256_pub_from_priv(&bad[i], &out),
				 MCIM_ERR_INVALID_ARG);
		assert_int_equal(mcim_p256_sign(&bad[i], z, 1, sig),
				 MCIM_ERR_INVALID_ARG);
		assert_int_equal(mcim_p256_ecdh(&bad[i], &pub, z), MCIM_ERR_INVALID_ARG);
		assert_int_equal(out.q[0], 0xee);
		assert_int_equal(sig[0], 0xee);
		assert_int_equal(z[0], 0xee);
	}
	sub256(dom.n, (const uint8_t[32]){[31] = 1}, good.d);
	assert_int_equal(mcim_p256_sign(&good, z, 1, sig), MCIM_OK);
	assert_int_equal(mcim_p256_pub_from_priv(&good, &out), MCIM_OK);
	assert_int_equal(mcim_p256_verify(&out, z, 1, sig), MCIM_OK);
	mcim_p256_priv_wipe(&good);
}

/* Points that are not on the curve, or not encoded as 04 || X || Y with X, Y < p. */
static void p256_invalid_points(void **state)
{
	struct p256_domain dom;
	struct mcim_p256_priv priv;
	struct mcim_p256_pub good, bad[8];
	struct mcim_p256_verifier v;
	uint8_t sig[64], z[32];
	const uint8_t msg[] = "m";

	(void)state;
	load_domain(&dom);
	assert_int_equal(mcim_p256_keygen(&priv, &good), MCIM_OK);
	assert_int_equal(mcim_p256_sign(&priv, msg, sizeof(msg), sig), MCIM_OK);
	memset(bad, 0,
	       sizeof(bad)); /* bad[0]: all zero, the usual stand-in for infinity */
	for (size_t i = 1; i < 8; i++)
		bad[i] = good;
	bad[1].q[0] = 0x02; /* a compressed-point prefix on 65 octets */
	bad[2].q[0] = 0x00;
	bad[3].q[0] = 0x06;   /* hybrid form */
	bad[4].q[64] ^= 0x01; /* y changed: off the curve */
	memcpy(bad[5].q + 1, dom.p, 32);
	memcpy(bad[6].q + 33, dom.p, 32);
	bad[7].q[0] = 0x04; /* the base point's x with y = 0 */
	memcpy(bad[7].q + 1, dom.gx, 32);
	memset(bad[7].q + 33, 0, 32);
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(mcim_p256_pub_check(&bad[i]), MCIM_ERR_INVALID_ARG);
		memset(z, 0xee, sizeof(z));
		assert_int_equal(mcim_p256_ecdh(&priv, &bad[i], z), MCIM_ERR_INVALID_ARG);
		assert_int_equal(z[0], 0xee);
		assert_int_equal(mcim_p256_verify(&bad[i], msg, sizeof(msg), sig),
				 MCIM_ERR_BAD_SIGNATURE);
		v.pkey = (void *)&v;
		assert_int_equal(mcim_p256_verifier_init(&v, &bad[i]),
				 MCIM_ERR_INVALID_ARG);
		assert_null(v.pkey);
		mcim_p256_verifier_free(&v);
	}
	assert_int_equal(mcim_p256_verify(&good, msg, sizeof(msg), sig), MCIM_OK);
	mcim_p256_priv_wipe(&priv);
}

/* ---- ECDSA. ---- */

struct ecdsa_case {
	struct mcim_p256_pub pub;
	uint8_t msg[DATA_MAX], sig[64];
	size_t msg_len;
};

static void load_ecdsa(struct vecfile *vf, size_t i, struct ecdsa_case *c)
{
	hex(vf, i, "pub", c->pub.q, 65);
	c->msg_len = hex_var(vf, i, "msg", c->msg, sizeof(c->msg));
	hex(vf, i, "r", c->sig, 32);
	hex(vf, i, "s", c->sig + 32, 32);
}

/* R-SEED-03 (authentication of origin): the published signatures verify; any bit
 * changed in the signature, the message or the key does not. */
static void ecdsa_known_signatures(void **state)
{
	struct vecfile vf;

	(void)state;
	open_data(&vf, "ecdsa_p256.json", "ecdsa-p256-sha256");
	for (size_t i = 0; i < vf.nsets; i++) {
		struct ecdsa_case c;
		struct mcim_p256_verifier v;
		struct mcim_p256_pub pub;
		uint8_t sig[64], msg[DATA_MAX];

		load_ecdsa(&vf, i, &c);
		assert_int_equal(mcim_p256_verify(&c.pub, c.msg, c.msg_len, c.sig),
				 MCIM_OK);
		assert_int_equal(mcim_p256_verifier_init(&v, &c.pub), MCIM_OK);
		assert_int_equal(mcim_p256_verifier_verify(&v, c.msg, c.msg_len, c.sig),
				 MCIM_OK);
		for (size_t bit = 0; bit < 8 * sizeof(sig); bit++) {
			memcpy(sig, c.sig, sizeof(sig));
			sig[bit / 8] ^= (uint8_t)(1u << bit % 8);
			assert_int_equal(mcim_p256_verify(&c.pub, c.msg, c.msg_len, sig),
					 MCIM_ERR_BAD_SIGNATURE);
			assert_int_equal(
			    mcim_p256_verifier_verify(&v, c.msg, c.msg_len, sig),
			    MCIM_ERR_BAD_SIGNATURE);
		}
		for (size_t bit = 0; bit < 8 * c.msg_len; bit++) {
			memcpy(msg, c.msg, c.msg_len);
			msg[bit / 8] ^= (uint8_t)(1u << bit % 8);
			assert_int_equal(
			    mcim_p256_verifier_verify(&v, msg, c.msg_len, c.sig),
			    MCIM_ERR_BAD_SIGNATURE);
		}
		assert_int_equal(
		    mcim_p256_verifier_verify(&v, c.msg, c.msg_len - 1, c.sig),
		    MCIM_ERR_BAD_SIGNATURE);
		for (size_t bit = 0; bit < 8 * sizeof(pub.q); bit++) {
			pub = c.pub;
			pub.q[bit / 8] ^= (uint8_t)(1u << bit % 8);
			assert_int_equal(mcim_p256_verify(&pub, c.msg, c.msg_len, c.sig),
					 MCIM_ERR_BAD_SIGNATURE);
		}
		mcim_p256_verifier_free(&v);
		assert_null(v.pkey);
		mcim_p256_verifier_free(&v);
	}
	vecfile_close(&vf);
}

/* r and s must lie in [1, n-1]: 0, n and 2^256 - 1 are refused in either place. (r, n -
 * s) is the other valid signature of the same message: ECDSA is malleable, so replay
 * detection must never key on signature octets. */
static void ecdsa_signature_range(void **state)
{
	struct p256_domain dom;
	struct vecfile vf;
	struct ecdsa_case c;
	uint8_t sig[64];

	(void)state;
	load_domain(&dom);
	open_data(&vf, "ecdsa_p256.json", "ecdsa-p256-sha256");
	load_ecdsa(&vf, 0, &c);
	vecfile_close(&vf);
	for (size_t half = 0; half < 2; half++) {
		uint8_t *x = sig + 32 * half;

		memcpy(sig, c.sig, 64);
		memset(x, 0, 32);
		assert_int_equal(mcim_p256_verify(&c.pub, c.msg, c.msg_len, sig),
				 MCIM_ERR_BAD_SIGNATURE);
		memcpy(x, dom.n, 32);
		assert_int_equal(mcim_p256_verify(&c.pub, c.msg, c.msg_len, sig),
				 MCIM_ERR_BAD_SIGNATURE);
		memcpy(sig, c.sig, 64);
		memset(x, 0xff, 32);
		assert_int_equal(mcim_p256_verify(&c.pub, c.msg, c.msg_len, sig),
				 MCIM_ERR_BAD_SIGNATURE);
	}
	memcpy(sig, c.sig, 32);
	sub256(dom.n, c.sig + 32, sig + 32);
	assert_int_equal(mcim_p256_verify(&c.pub, c.msg, c.msg_len, sig), MCIM_OK);
}

static void ecdsa_round_trip(void **state)
{
	struct mcim_p256_priv a, b;
	struct mcim_p256_pub pa, pb;
	struct mcim_p256_verifier va;
	uint8_t msg[300], sig[64], sig2[64];

	(void)state;
	assert_int_equal(mcim_p256_keygen(&a, &pa), MCIM_OK);
	assert_int_equal(mcim_p256_keygen(&b, &pb), MCIM_OK);
	assert_int_equal(mcim_p256_verifier_init(&va, &pa), MCIM_OK);
	for (size_t len = 0; len <= sizeof(msg); len += 37) {
		fill_random(msg, sizeof(msg));
		assert_int_equal(mcim_p256_sign(&a, len ? msg : NULL, len, sig), MCIM_OK);
		assert_int_equal(mcim_p256_verify(&pa, len ? msg : NULL, len, sig),
				 MCIM_OK);
		assert_int_equal(
		    mcim_p256_verifier_verify(&va, len ? msg : NULL, len, sig), MCIM_OK);
		assert_int_equal(mcim_p256_verify(&pb, msg, len, sig),
				 MCIM_ERR_BAD_SIGNATURE);
		/* Signatures are randomised: a second one differs and verifies too. */
		assert_int_equal(mcim_p256_sign(&a, msg, len, sig2), MCIM_OK);
		assert_memory_not_equal(sig, sig2, 64);
		assert_int_equal(mcim_p256_verify(&pa, msg, len, sig2), MCIM_OK);
	}
	mcim_p256_verifier_free(&va);
	mcim_p256_priv_wipe(&a);
	mcim_p256_priv_wipe(&b);
}

/* ---- ECDH. ---- */

static void ecdh_known_answers(void **state)
{
	struct vecfile vf;

	(void)state;
	open_data(&vf, "ecdh_p256.json", "ecdh-p256");
	for (size_t i = 0; i < vf.nsets; i++) {
		struct mcim_p256_priv d;
		struct mcim_p256_pub peer;
		uint8_t z[32], got[32];

		hex(&vf, i, "d", d.d, 32);
		hex(&vf, i, "peer", peer.q, 65);
		hex(&vf, i, "z", z, 32);
		assert_int_equal(mcim_p256_ecdh(&d, &peer, got), MCIM_OK);
		assert_memory_equal(got, z, 32);
		mcim_p256_priv_wipe(&d);
	}
	vecfile_close(&vf);
}

static void ecdh_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < 16; i++) {
		struct mcim_p256_priv a, b;
		struct mcim_p256_pub pa, pb;
		uint8_t zab[32], zba[32];

		assert_int_equal(mcim_p256_keygen(&a, &pa), MCIM_OK);
		assert_int_equal(mcim_p256_keygen(&b, &pb), MCIM_OK);
		assert_int_equal(mcim_p256_ecdh(&a, &pb, zab), MCIM_OK);
		assert_int_equal(mcim_p256_ecdh(&b, &pa, zba), MCIM_OK);
		assert_memory_equal(zab, zba, 32);
		assert_int_equal(mcim_p256_ecdh(&a, &pa, zba),
				 MCIM_OK); /* with oneself */
		assert_memory_not_equal(zab, zba, 32);
		mcim_p256_priv_wipe(&a);
		mcim_p256_priv_wipe(&b);
		mcim_wipe(zab, sizeof(zab));
		mcim_wipe(zba, sizeof(zba));
	}
}

/* ---- Every primitive with OpenSSL's allocations failing. ---- */

static struct {
	struct mcim_p256_priv a, b;
	struct mcim_p256_pub pa, pb, off_curve;
	struct mcim_p256_verifier va;
	uint8_t msg[40], sig[64], bad_sig[64], z[32], md[32], okm[64];
	uint8_t key[32], nonce[12], pt[100], ct[116], bad_ct[116];
} oom;

static int all_octets(const void *p, size_t len, uint8_t v)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != v)
			return 0;
	return 1;
}

static mcim_err oom_sha256(void)
{
	uint8_t md[32];
	mcim_err err;

	memset(md, 0xee, sizeof(md));
	err = mcim_sha256(oom.msg, sizeof(oom.msg), md);
	assert_true(err == MCIM_OK ? memcmp(md, oom.md, 32) == 0
				   : all_octets(md, 32, 0xee));
	return err;
}

static mcim_err oom_hkdf(void)
{
	uint8_t okm[64];
	mcim_err err;

	memset(okm, 0xee, sizeof(okm));
	err = mcim_hkdf_sha256(oom.md, 32, oom.key, 32, oom.msg, 10, okm, sizeof(okm));
	assert_true(err == MCIM_OK ? memcmp(okm, oom.okm, 64) == 0
				   : all_octets(okm, 64, 0xee) || all_octets(okm, 64, 0));
	return err;
}

static mcim_err oom_seal(void)
{
	uint8_t ct[116];
	mcim_err err;

	memset(ct, 0xee, sizeof(ct));
	err = mcim_aead_seal(oom.key, oom.nonce, oom.msg, 8, oom.pt, sizeof(oom.pt), ct);
	assert_true(err == MCIM_OK ? memcmp(ct, oom.ct, sizeof(ct)) == 0
				   : all_octets(ct, sizeof(ct), 0xee) ||
					 all_octets(ct, sizeof(ct), 0));
	return err;
}

static mcim_err oom_open(void)
{
	uint8_t pt[100];
	mcim_err err;

	memset(pt, 0xee, sizeof(pt));
	err = mcim_aead_open(oom.key, oom.nonce, oom.msg, 8, oom.ct, sizeof(oom.ct), pt);
	assert_true(err == MCIM_OK ? memcmp(pt, oom.pt, sizeof(pt)) == 0
				   : all_octets(pt, sizeof(pt), 0xee));
	assert_int_not_equal(err, MCIM_ERR_DECRYPT);
	return err;
}

/* A forged message is never opened, whatever fails. */
static mcim_err oom_open_forged(void)
{
	uint8_t pt[100];
	mcim_err err;

	memset(pt, 0xee, sizeof(pt));
	err = mcim_aead_open(oom.key, oom.nonce, oom.msg, 8, oom.bad_ct,
			     sizeof(oom.bad_ct), pt);
	assert_int_not_equal(err, MCIM_OK);
	assert_true(all_octets(pt, sizeof(pt), 0xee));
	return allocs_refused ? err : MCIM_OK;
}

static mcim_err oom_keygen(void)
{
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub, check;
	mcim_err err;

	memset(&priv, 0xee, sizeof(priv));
	memset(&pub, 0xee, sizeof(pub));
	err = mcim_p256_keygen(&priv, &pub);
	if (err == MCIM_OK) {
		long left = allocs_left;

		allocs_left = -1;
		assert_int_equal(mcim_p256_pub_from_priv(&priv, &check), MCIM_OK);
		assert_memory_equal(check.q, pub.q, 65);
		allocs_left = left;
	} else {
		assert_true(all_octets(&priv, sizeof(priv), 0xee));
		assert_true(all_octets(&pub, sizeof(pub), 0xee));
	}
	mcim_p256_priv_wipe(&priv);
	return err;
}

static mcim_err oom_pub_from_priv(void)
{
	struct mcim_p256_pub pub;
	mcim_err err;

	memset(&pub, 0xee, sizeof(pub));
	err = mcim_p256_pub_from_priv(&oom.a, &pub);
	assert_true(err == MCIM_OK ? memcmp(pub.q, oom.pa.q, 65) == 0
				   : all_octets(&pub, sizeof(pub), 0xee));
	return err;
}

static mcim_err oom_pub_check(void)
{
	return mcim_p256_pub_check(&oom.pa);
}

/* A point off the curve is never accepted, whatever fails. */
static mcim_err oom_pub_check_off_curve(void)
{
	uint8_t z[32];

	assert_int_not_equal(mcim_p256_pub_check(&oom.off_curve), MCIM_OK);
	assert_int_not_equal(mcim_p256_ecdh(&oom.a, &oom.off_curve, z), MCIM_OK);
	return allocs_refused ? MCIM_ERR_NOMEM : MCIM_OK;
}

static mcim_err oom_sign(void)
{
	uint8_t sig[64];
	mcim_err err;

	memset(sig, 0xee, sizeof(sig));
	err = mcim_p256_sign(&oom.a, oom.msg, sizeof(oom.msg), sig);
	if (err == MCIM_OK) {
		long left = allocs_left;

		allocs_left = -1;
		assert_int_equal(mcim_p256_verify(&oom.pa, oom.msg, sizeof(oom.msg), sig),
				 MCIM_OK);
		allocs_left = left;
	} else {
		assert_true(all_octets(sig, sizeof(sig), 0xee));
	}
	return err;
}

static mcim_err oom_verify(void)
{
	return mcim_p256_verify(&oom.pa, oom.msg, sizeof(oom.msg), oom.sig);
}

/* A wrong signature never verifies, whatever fails. */
static mcim_err oom_verify_forged(void)
{
	assert_int_not_equal(
	    mcim_p256_verify(&oom.pa, oom.msg, sizeof(oom.msg), oom.bad_sig), MCIM_OK);
	assert_int_not_equal(
	    mcim_p256_verifier_verify(&oom.va, oom.msg, sizeof(oom.msg), oom.bad_sig),
	    MCIM_OK);
	return allocs_refused ? MCIM_ERR_NOMEM : MCIM_OK;
}

static mcim_err oom_verifier(void)
{
	struct mcim_p256_verifier v;
	mcim_err err = mcim_p256_verifier_init(&v, &oom.pa);

	if (err != MCIM_OK) {
		assert_null(v.pkey);
		return err;
	}
	err = mcim_p256_verifier_verify(&v, oom.msg, sizeof(oom.msg), oom.sig);
	mcim_p256_verifier_free(&v);
	return err;
}

static mcim_err oom_ecdh(void)
{
	uint8_t z[32];
	mcim_err err;

	memset(z, 0xee, sizeof(z));
	err = mcim_p256_ecdh(&oom.a, &oom.pb, z);
	assert_true(err == MCIM_OK ? memcmp(z, oom.z, 32) == 0 : all_octets(z, 32, 0xee));
	return err;
}

static void allocation_failures(void **state)
{
	(void)state;
	fill_random(&oom, sizeof(oom));
	assert_int_equal(mcim_p256_keygen(&oom.a, &oom.pa), MCIM_OK);
	assert_int_equal(mcim_p256_keygen(&oom.b, &oom.pb), MCIM_OK);
	oom.off_curve = oom.pa;
	oom.off_curve.q[64] ^= 1;
	assert_int_equal(mcim_p256_verifier_init(&oom.va, &oom.pa), MCIM_OK);
	assert_int_equal(mcim_sha256(oom.msg, sizeof(oom.msg), oom.md), MCIM_OK);
	assert_int_equal(
	    mcim_hkdf_sha256(oom.md, 32, oom.key, 32, oom.msg, 10, oom.okm, 64), MCIM_OK);
	assert_int_equal(mcim_aead_seal(oom.key, oom.nonce, oom.msg, 8, oom.pt,
					sizeof(oom.pt), oom.ct),
			 MCIM_OK);
	memcpy(oom.bad_ct, oom.ct, sizeof(oom.ct));
	oom.bad_ct[0] ^= 1;
	assert_int_equal(mcim_p256_sign(&oom.a, oom.msg, sizeof(oom.msg), oom.sig),
			 MCIM_OK);
	memcpy(oom.bad_sig, oom.sig, sizeof(oom.sig));
	oom.bad_sig[63] ^= 1;
	assert_int_equal(mcim_p256_ecdh(&oom.a, &oom.pb, oom.z), MCIM_OK);
	under_oom("sha256", oom_sha256);
	under_oom("hkdf", oom_hkdf);
	under_oom("seal", oom_seal);
	under_oom("open", oom_open);
	under_oom("open forged", oom_open_forged);
	under_oom("keygen", oom_keygen);
	under_oom("pub_from_priv", oom_pub_from_priv);
	under_oom("pub_check", oom_pub_check);
	under_oom("pub_check off the curve", oom_pub_check_off_curve);
	under_oom("sign", oom_sign);
	under_oom("verify", oom_verify);
	under_oom("verify forged", oom_verify_forged);
	under_oom("verifier", oom_verifier);
	under_oom("ecdh", oom_ecdh);
	mcim_p256_verifier_free(&oom.va);
	mcim_p256_priv_wipe(&oom.a);
	mcim_p256_priv_wipe(&oom.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(concurrent_first_use),
	    cmocka_unit_test(sha256_known_answers),
	    cmocka_unit_test(sha256_empty),
	    cmocka_unit_test(hkdf_known_answers),
	    cmocka_unit_test(hkdf_lengths),
	    cmocka_unit_test(gcm_known_answers),
	    cmocka_unit_test(gcm_tamper),
	    cmocka_unit_test(gcm_round_trip),
	    cmocka_unit_test(p256_known_keys),
	    cmocka_unit_test(p256_keygen),
	    cmocka_unit_test(p256_invalid_scalars),
	    cmocka_unit_test(p256_invalid_points),
	    cmocka_unit_test(ecdsa_known_signatures),
	    cmocka_unit_test(ecdsa_signature_range),
	    cmocka_unit_test(ecdsa_round_trip),
	    cmocka_unit_test(ecdh_known_answers),
	    cmocka_unit_test(ecdh_round_trip),
	    cmocka_unit_test(allocation_failures),
	};
	/* Before OpenSSL allocates anything. */
	if (CRYPTO_set_mem_functions(t_malloc, t_realloc, t_free) != 1) {
		fprintf(stderr, "cannot install the allocation hooks\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
