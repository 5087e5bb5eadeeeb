/*
 * HMAC-SHA-256: the RFC 4231 known answers (tests/data/hmac_sha256.json, read at run
 * time), through the public one-shot and through the internal keyed state (key
 * split in parts, one key reused for several messages, re-keyed, cleared). Then a
 * sweep of key and message lengths across the block boundaries against RFC 2104
 * written out on mcim_sha256_v(), messages cut into parts at every position, plain
 * SHA-256 on the same state, and one state per thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "crypto/hmac_int.h"
#include "mcim/crypto.h"
#include "tool/vecfile.h"

static const char *data_path(const char *file, char *buf, size_t cap)
{
	const char *dir = getenv("MCIM_SOURCE_DIR");

	if (dir == NULL) {
		fprintf(stderr,
			"MCIM_SOURCE_DIR is not set (run the tests through ctest)\n");
		exit(1);
	}
	snprintf(buf, cap, "%s/tests/data/%s", dir, file);
	return buf;
}

/*
 * The reference for lengths the RFC does not cover: RFC 2104 written out on SHA-256
 * (mcim_sha256_v): H((K0 xor opad) || H((K0 xor ipad) || m)), K0 the key padded to 64
 * octets, or its hash padded when it is longer.
 */
static void reference(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
		      uint8_t out[32])
{
	uint8_t k0[64] = {0}, ipad[64], opad[64], inner[32];
	struct mcim_iov kp = {key, key_len}, in[2] = {{ipad, 64}, {msg, len}},
			outer[2] = {{opad, 64}, {inner, 32}};

	if (key_len > 64)
		assert_int_equal(mcim_sha256_v(&kp, 1, k0), MCIM_OK);
	else if (key_len > 0)
		memcpy(k0, key, key_len);
	for (int i = 0; i < 64; i++) {
		ipad[i] = k0[i] ^ 0x36;
		opad[i] = k0[i] ^ 0x5c;
	}
	assert_int_equal(mcim_sha256_v(in, 2, inner), MCIM_OK);
	assert_int_equal(mcim_sha256_v(outer, 2, out), MCIM_OK);
}

static void rfc4231(void **state)
{
	char path[4096], name[64];
	struct vecfile vf;
	struct crypto_hmac h;

	(void)state;
	assert_int_equal(crypto_hmac_new(&h), MCIM_OK);
	assert_int_equal(
	    vecfile_open(&vf, data_path("hmac_sha256.json", path, sizeof(path))),
	    MCIM_OK);
	assert_string_equal(vf.algorithm, "hmac-sha256");
	assert_int_equal(vf.nsets, 7);
	for (size_t s = 0; s < vf.nsets; s++) {
		uint8_t key[256], data[256], want[32], out[32];
		size_t key_len, data_len, want_len;
		struct mcim_iov msg, kparts[2], mparts[3];

		vecfile_set_name(&vf, s, name, sizeof(name));
		assert_int_equal(
		    vecfile_hex_var(&vf, s, "key", key, sizeof(key), &key_len), MCIM_OK);
		assert_int_equal(
		    vecfile_hex_var(&vf, s, "data", data, sizeof(data), &data_len),
		    MCIM_OK);
		assert_int_equal(
		    vecfile_hex_var(&vf, s, "mac", want, sizeof(want), &want_len),
		    MCIM_OK);
		msg = (struct mcim_iov){data, data_len};
		assert_int_equal(mcim_hmac_sha256(key, key_len, &msg, 1, out), MCIM_OK);
		if (memcmp(out, want, want_len) != 0)
			fail_msg("%s: one-shot differs", name);

		/* Keyed state, key and message each cut in pieces. */
		kparts[0] = (struct mcim_iov){key, key_len / 3};
		kparts[1] = (struct mcim_iov){key + key_len / 3, key_len - key_len / 3};
		mparts[0] = (struct mcim_iov){data, 1};
		mparts[1] = (struct mcim_iov){NULL, 0};
		mparts[2] = (struct mcim_iov){data + 1, data_len - 1};
		assert_int_equal(crypto_hmac_setkey(&h, kparts, 2), MCIM_OK);
		for (int again = 0; again < 3; again++) {
			memset(out, 0, sizeof(out));
			assert_int_equal(crypto_hmac_mac(&h, mparts, 3, out), MCIM_OK);
			if (memcmp(out, want, want_len) != 0)
				fail_msg("%s: keyed state differs (use %d)", name, again);
		}
		crypto_hmac_clear(&h);
	}
	vecfile_close(&vf);
	crypto_hmac_free(&h);
	crypto_hmac_free(&h); /* freeing twice is harmless: the pointers are NULL */
}

/* Lengths around the 64-octet block: the key hashed or padded, one or more blocks. */
static void lengths_against_openssl(void **state)
{
	static const size_t key_lens[] = {0, 1, 16, 32, 63, 64, 65, 100, 200};
	uint8_t key[200], msg[300], want[32], out[32];
	struct crypto_hmac h;

	(void)state;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 13 + 5);
	assert_int_equal(crypto_hmac_new(&h), MCIM_OK);
	for (size_t k = 0; k < sizeof(key_lens) / sizeof(key_lens[0]); k++) {
		struct mcim_iov kp = {key, key_lens[k]};

		assert_int_equal(crypto_hmac_setkey(&h, &kp, 1), MCIM_OK);
		for (size_t len = 0; len <= sizeof(msg); len += (len < 140 ? 1 : 37)) {
			struct mcim_iov m = {msg, len};

			reference(key, key_lens[k], msg, len, want);
			assert_int_equal(mcim_hmac_sha256(key_lens[k] ? key : NULL,
							  key_lens[k], len ? &m : NULL,
							  len ? 1 : 0, out),
					 MCIM_OK);
			assert_memory_equal(out, want, 32);
			assert_int_equal(crypto_hmac_mac(&h, &m, 1, out), MCIM_OK);
			assert_memory_equal(out, want, 32);
		}
	}
	crypto_hmac_free(&h);
}

/* A message cut at every position, and into single octets, gives the same MAC. */
static void parts(void **state)
{
	uint8_t key[32], msg[150], want[32], out[32];
	struct mcim_iov ones[150];

	(void)state;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(255 - i);
	memset(key, 0x42, sizeof(key));
	reference(key, sizeof(key), msg, sizeof(msg), want);
	for (size_t cut = 0; cut <= sizeof(msg); cut++) {
		struct mcim_iov two[2] = {{msg, cut}, {msg + cut, sizeof(msg) - cut}};
		assert_int_equal(mcim_hmac_sha256(key, sizeof(key), two, 2, out),
				 MCIM_OK);
		assert_memory_equal(out, want, 32);
	}
	for (size_t i = 0; i < sizeof(msg); i++)
		ones[i] = (struct mcim_iov){msg + i, 1};
	assert_int_equal(mcim_hmac_sha256(key, sizeof(key), ones, 150, out), MCIM_OK);
	assert_memory_equal(out, want, 32);
}

/* The state's plain SHA-256 (used for HXRES*) leaves the key usable. */
static void plain_sha256(void **state)
{
	static const uint8_t key[16] = {9};
	uint8_t msg[100], want[32], out[32], mac_before[32];
	struct mcim_iov kp = {key, sizeof(key)}, m = {msg, sizeof(msg)};
	struct crypto_hmac *h;

	(void)state;
	memset(msg, 0x61, sizeof(msg));
	h = crypto_hmac_thread();
	assert_non_null(h);
	assert_ptr_equal(crypto_hmac_thread(), h);
	assert_int_equal(crypto_hmac_setkey(h, &kp, 1), MCIM_OK);
	assert_int_equal(crypto_hmac_mac(h, &m, 1, mac_before), MCIM_OK);
	assert_int_equal(mcim_sha256(msg, sizeof(msg), want), MCIM_OK);
	assert_int_equal(crypto_hmac_sha256_plain(h, &m, 1, out), MCIM_OK);
	assert_memory_equal(out, want, 32);
	assert_int_equal(crypto_hmac_mac(h, &m, 1, out), MCIM_OK);
	assert_memory_equal(out, mac_before, 32);
	crypto_hmac_clear(h);
}

/* Each thread gets its own state (freed when the thread ends: valgrind checks it). */
static void *thread_main(void *arg)
{
	struct crypto_hmac **where = arg;
	static const uint8_t key[3] = {'k', 'e', 'y'};
	uint8_t msg[64] = {0}, want[32], out[32];
	struct mcim_iov m = {msg, sizeof(msg)};

	*where = crypto_hmac_thread();
	for (int i = 0; i < 200; i++) {
		msg[0] = (uint8_t)i;
		if (mcim_hmac_sha256(key, sizeof(key), &m, 1, out) != MCIM_OK)
			return NULL;
		reference(key, sizeof(key), msg, sizeof(msg), want);
		if (memcmp(out, want, 32) != 0)
			return NULL;
	}
	return arg;
}

static void per_thread(void **state)
{
	pthread_t t[2];
	struct crypto_hmac *seen[2] = {NULL, NULL};
	void *ret[2];

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_main, &seen[i]), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], &ret[i]), 0);
		assert_ptr_equal(ret[i], &seen[i]);
	}
	assert_non_null(seen[0]);
	assert_non_null(seen[1]);
	assert_ptr_not_equal(seen[0], seen[1]);
	assert_ptr_not_equal(seen[0], crypto_hmac_thread());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc4231),	  cmocka_unit_test(lengths_against_openssl),
	    cmocka_unit_test(parts),	  cmocka_unit_test(plain_sha256),
	    cmocka_unit_test(per_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
