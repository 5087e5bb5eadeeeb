/*
 * The SHA-256 written in src/crypto (sha256_block.c, sha256_ni.c) and the HMAC and
 * 3GPP KDF built on it (hmac.c). Each test runs twice: on the implementation the CPU
 * selects (the SHA instructions where present) and forced onto the portable C code.
 * References: the FIPS 180-4 / NIST CAVS known answers of tests/data/sha256.json,
 * RFC 4231 (tests/data/hmac_sha256.json), and OpenSSL's SHA-256 and HMAC on
 * pseudo-random inputs of every length across the block boundaries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/hmac_int.h"
#include "crypto/sha256_int.h"
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

/* Deterministic pseudo-random octets (splitmix64): reproducible failures. */
static uint64_t prng_state = 0x0123456789abcdefu;

static uint64_t prng(void)
{
	uint64_t z = (prng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static void prng_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)prng();
}

static void openssl_sha256(const uint8_t *m, size_t len, uint8_t out[32])
{
	unsigned n = 0;

	assert_int_equal(EVP_Digest(m, len, out, &n, EVP_sha256(), NULL), 1);
	assert_int_equal(n, 32);
}

static void openssl_hmac(const uint8_t *k, size_t klen, const uint8_t *m, size_t len,
			 uint8_t out[32])
{
	static const uint8_t none[1];
	unsigned n = 0;

	assert_non_null(
	    HMAC(EVP_sha256(), klen ? k : none, (int)klen, len ? m : none, len, out, &n));
	assert_int_equal(n, 32);
}

static void ours(const uint8_t *m, size_t len, uint8_t out[32])
{
	struct crypto_sha256 s;

	crypto_sha256_init(&s);
	crypto_sha256_update(&s, m, len);
	crypto_sha256_final(&s, out);
}

/* Runs body once on the CPU's choice and once forced onto the portable code. */
#define BOTH_PATHS(...)                                                                  \
	do {                                                                             \
		for (int portable_ = 0; portable_ < 2; portable_++) {                    \
			crypto_sha256_force_portable(portable_);                         \
			__VA_ARGS__;                                                     \
		}                                                                        \
		crypto_sha256_force_portable(0);                                         \
	} while (0)

static void known_answers_once(void)
{
	char path[4096], name[64];
	struct vecfile vf;

	assert_int_equal(vecfile_open(&vf, data_path("sha256.json", path, sizeof(path))),
			 MCIM_OK);
	assert_string_equal(vf.algorithm, "sha256");
	for (size_t i = 0; i < vf.nsets; i++) {
		uint8_t msg[512], md[32], got[32];
		size_t len = 0;
		unsigned long repeat = 1;
		struct crypto_sha256 s;

		vecfile_set_name(&vf, i, name, sizeof(name));
		if (vecfile_hex(&vf, i, "msg", msg, 0) != MCIM_OK)
			assert_int_equal(
			    vecfile_hex_var(&vf, i, "msg", msg, sizeof(msg), &len),
			    MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "md", md, 32), MCIM_OK);
		if (vecfile_has(&vf, i, "repeat"))
			assert_int_equal(
			    vecfile_uint(&vf, i, "repeat", 10000000, &repeat), MCIM_OK);
		crypto_sha256_init(&s);
		for (unsigned long r = 0; r < repeat; r++)
			crypto_sha256_update(&s, msg, len);
		crypto_sha256_final(&s, got);
		if (memcmp(got, md, 32) != 0)
			fail_msg("%s differs (hw %d)", name, crypto_sha256_hw());
		/* Cut in two at every position. */
		for (size_t cut = 0; repeat == 1 && cut <= len; cut++) {
			crypto_sha256_init(&s);
			crypto_sha256_update(&s, msg, cut);
			crypto_sha256_update(&s, msg + cut, len - cut);
			crypto_sha256_final(&s, got);
			assert_memory_equal(got, md, 32);
		}
	}
	vecfile_close(&vf);
}

/* FIPS 180-4 / NIST CAVS (sha256.json): whole, cut everywhere, the 1M-octet set. */
static void known_answers(void **state)
{
	(void)state;
	BOTH_PATHS(known_answers_once());
}

/* Every length 0..700 (and a few long ones), in random pieces, against OpenSSL. */
static void against_openssl(void **state)
{
	static uint8_t msg[70000];

	(void)state;
	prng_fill(msg, sizeof(msg));
	BOTH_PATHS({
		for (size_t len = 0; len < sizeof(msg);
		     len = len < 700 ? len + 1 : len * 3) {
			uint8_t want[32], got[32];
			struct crypto_sha256 s;
			size_t off = 0;

			openssl_sha256(msg, len, want);
			ours(msg, len, got);
			assert_memory_equal(got, want, 32);
			crypto_sha256_init(&s);
			while (off < len) {
				size_t take = (size_t)(prng() % 150);

				if (take > len - off)
					take = len - off;
				crypto_sha256_update(&s, msg + off, take);
				off += take;
			}
			crypto_sha256_final(&s, got);
			assert_memory_equal(got, want, 32);
		}
	});
}

/* The two implementations of the compression function agree block by block, for
 * runs of 1..8 blocks, and the paired form equals two single blocks. */
static void implementations_agree(void **state)
{
	uint8_t blocks[8 * 64], b2[64];
	uint32_t h[8], hc[8], ha[8], hb[8], hx[8], hy[8];

	(void)state;
	for (int round = 0; round < 200; round++) {
		prng_fill(blocks, sizeof(blocks));
		prng_fill(b2, sizeof(b2));
		for (int i = 0; i < 8; i++)
			h[i] = (uint32_t)prng();
		for (size_t n = 1; n <= 8; n++) {
			memcpy(hc, h, sizeof(h));
			crypto_sha256_blocks_c(hc, blocks, n);
			memcpy(ha, h, sizeof(h));
			for (size_t i = 0; i < n; i++)
				crypto_sha256_blocks_c(ha, blocks + 64 * i, 1);
			assert_memory_equal(ha, hc, sizeof(h));
			BOTH_PATHS({
				memcpy(ha, h, sizeof(h));
				crypto_sha256_blocks(ha, blocks, n);
				assert_memory_equal(ha, hc, sizeof(h));
			});
#if defined(__x86_64__) || defined(__i386__)
			if (crypto_sha256_ni_cpu()) {
				memcpy(ha, h, sizeof(h));
				crypto_sha256_blocks_ni(ha, blocks, n);
				assert_memory_equal(ha, hc, sizeof(h));
			}
#endif
		}
		memcpy(hx, h, sizeof(h));
		crypto_sha256_blocks_c(hx, blocks, 1);
		memcpy(hy, hc, sizeof(h));
		crypto_sha256_blocks_c(hy, b2, 1);
		BOTH_PATHS({
			memcpy(ha, h, sizeof(h));
			memcpy(hb, hc, sizeof(h));
			crypto_sha256_x2(ha, blocks, hb, b2);
			assert_memory_equal(ha, hx, sizeof(h));
			assert_memory_equal(hb, hy, sizeof(h));
		});
	}
}

/* The choice can be forced onto the portable code and back. */
static void dispatch(void **state)
{
	int hw;

	(void)state;
	hw = crypto_sha256_hw();
#if defined(__x86_64__) || defined(__i386__)
	assert_int_equal(hw, crypto_sha256_ni_cpu());
#else
	assert_int_equal(hw, 0);
#endif
	crypto_sha256_force_portable(1);
	assert_int_equal(crypto_sha256_hw(), 0);
	crypto_sha256_force_portable(0);
	assert_int_equal(crypto_sha256_hw(), hw);
}

static void rfc4231_once(void)
{
	char path[4096], name[64];
	struct vecfile vf;

	assert_int_equal(
	    vecfile_open(&vf, data_path("hmac_sha256.json", path, sizeof(path))),
	    MCIM_OK);
	assert_string_equal(vf.algorithm, "hmac-sha256");
	for (size_t s = 0; s < vf.nsets; s++) {
		uint8_t key[256], data[256], want[32], out[32];
		size_t key_len, data_len, want_len;
		struct mcim_iov m;

		vecfile_set_name(&vf, s, name, sizeof(name));
		assert_int_equal(
		    vecfile_hex_var(&vf, s, "key", key, sizeof(key), &key_len), MCIM_OK);
		assert_int_equal(
		    vecfile_hex_var(&vf, s, "data", data, sizeof(data), &data_len),
		    MCIM_OK);
		assert_int_equal(
		    vecfile_hex_var(&vf, s, "mac", want, sizeof(want), &want_len),
		    MCIM_OK);
		m = (struct mcim_iov){data, data_len};
		assert_int_equal(mcim_hmac_sha256(key, key_len, &m, 1, out), MCIM_OK);
		if (memcmp(out, want, want_len) != 0)
			fail_msg("%s differs (hw %d)", name, crypto_sha256_hw());
	}
	vecfile_close(&vf);
}

/* RFC 4231 on both paths. */
static void hmac_rfc4231(void **state)
{
	(void)state;
	BOTH_PATHS(rfc4231_once());
}

/* Keys and messages of every length across the block size against OpenSSL's HMAC. */
static void hmac_against_openssl(void **state)
{
	uint8_t key[150], msg[200], want[32], out[32];

	(void)state;
	prng_fill(key, sizeof(key));
	prng_fill(msg, sizeof(msg));
	BOTH_PATHS({
		for (size_t kl = 0; kl <= sizeof(key); kl += (kl < 70 ? 1 : 13)) {
			struct mcim_iov kp = {key, kl};
			struct crypto_hmac h;

			assert_int_equal(crypto_hmac_setkey(&h, &kp, 1), MCIM_OK);
			for (size_t ml = 0; ml <= sizeof(msg); ml += (ml < 130 ? 1 : 7)) {
				struct mcim_iov m = {msg, ml};

				openssl_hmac(key, kl, msg, ml, want);
				assert_int_equal(crypto_hmac_mac(&h, &m, 1, out),
						 MCIM_OK);
				assert_memory_equal(out, want, 32);
			}
			crypto_hmac_clear(&h);
		}
	});
}

/* The KDF's S = FC || P0 || L0 || ... assembled by hand, MACed by OpenSSL. */
static void kdf_reference(const uint8_t *key, size_t klen, uint8_t fc,
			  const struct mcim_iov *p, size_t n, uint8_t out[32])
{
	static uint8_t s[16 * (300 + 2) + 1];
	size_t len = 0;

	s[len++] = fc;
	for (size_t i = 0; i < n; i++) {
		memcpy(s + len, p[i].data, p[i].len);
		len += p[i].len;
		s[len++] = (uint8_t)(p[i].len >> 8);
		s[len++] = (uint8_t)p[i].len;
	}
	openssl_hmac(key, klen, s, len, out);
}

/*
 * Two KDFs at once equal each alone and the reference, for parameter lengths that
 * put the framed message on both sides of every block boundary, up to and past the
 * paired path's limit of three blocks (where it falls back to one at a time).
 */
static void kdf_pairs(void **state)
{
	uint8_t key[64], pa[300], pb[300], pc[16];
	uint8_t wa[32], wb[32], oa[32], ob[32];

	(void)state;
	prng_fill(key, sizeof(key));
	prng_fill(pa, sizeof(pa));
	prng_fill(pb, sizeof(pb));
	prng_fill(pc, sizeof(pc));
	BOTH_PATHS({
		for (size_t kl = 16; kl <= 64; kl += 16) {
			struct mcim_iov kp = {key, kl};
			struct crypto_hmac h;

			assert_int_equal(crypto_hmac_setkey(&h, &kp, 1), MCIM_OK);
			for (size_t la = 0; la <= sizeof(pa); la += (la < 200 ? 1 : 50)) {
				size_t lb = (la * 7 + 3) % 250;
				const struct mcim_iov a[2] = {{pa, la}, {pc, 16}};
				const struct mcim_iov b[1] = {{pb, lb}};

				kdf_reference(key, kl, 0x6b, a, 2, wa);
				kdf_reference(key, kl, 0x6a, b, 1, wb);
				assert_int_equal(
				    crypto_hmac_kdf2(&h, 0x6b, a, 2, oa, 0x6a, b, 1, ob),
				    MCIM_OK);
				assert_memory_equal(oa, wa, 32);
				assert_memory_equal(ob, wb, 32);
				assert_int_equal(crypto_hmac_kdf(&h, 0x6b, a, 2, oa),
						 MCIM_OK);
				assert_memory_equal(oa, wa, 32);
				/* No parameters at all, on either side. */
				kdf_reference(key, kl, 0x10, NULL, 0, wb);
				assert_int_equal(crypto_hmac_kdf2(&h, 0x10, NULL, 0, ob,
								  0x6b, a, 2, oa),
						 MCIM_OK);
				assert_memory_equal(ob, wb, 32);
				assert_memory_equal(oa, wa, 32);
			}
			crypto_hmac_clear(&h);
		}
	});
}

/* Plain SHA-256 on a keyed state leaves the key as it was. */
static void plain_keeps_key(void **state)
{
	uint8_t key[32], msg[100], want[32], out[32], before[32];
	struct mcim_iov kp = {key, sizeof(key)}, m = {msg, sizeof(msg)};
	struct crypto_hmac h;

	(void)state;
	prng_fill(key, sizeof(key));
	prng_fill(msg, sizeof(msg));
	BOTH_PATHS({
		assert_int_equal(crypto_hmac_setkey(&h, &kp, 1), MCIM_OK);
		assert_int_equal(crypto_hmac_mac(&h, &m, 1, before), MCIM_OK);
		openssl_sha256(msg, sizeof(msg), want);
		assert_int_equal(crypto_hmac_sha256_plain(&h, &m, 1, out), MCIM_OK);
		assert_memory_equal(out, want, 32);
		assert_int_equal(crypto_hmac_mac(&h, &m, 1, out), MCIM_OK);
		assert_memory_equal(out, before, 32);
		crypto_hmac_clear(&h);
	});
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(known_answers),
	    cmocka_unit_test(against_openssl),
	    cmocka_unit_test(implementations_agree),
	    cmocka_unit_test(dispatch),
	    cmocka_unit_test(hmac_rfc4231),
	    cmocka_unit_test(hmac_against_openssl),
	    cmocka_unit_test(kdf_pairs),
	    cmocka_unit_test(plain_keeps_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
