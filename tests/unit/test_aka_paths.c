/*
 * The fast paths of the AKA code agree with the portable ones (R-MCIM-C03 customised
 * constants included): MILENAGE's AES-NI kernel (key schedule, TEMP and the five OUTi
 * blocks in one function, rotations on SSE registers) against the same functions with
 * AES through OpenSSL's EVP, forced with crypto_aes128_force_portable(); the AuC's
 * vectors and 5G HE vectors with both AES and SHA-256 on their fast paths against
 * both forced portable. The official MILENAGE sets (milenage.json, read at run time)
 * pass on both paths, and the 5G derivations match OpenSSL's HMAC over the TS 33.501
 * Annex A strings assembled here octet by octet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/aes128.h"
#include "crypto/sha256_int.h"
#include "mcim/aka.h"
#include "mcim/auth.h"
#include "mcim/kdf.h"
#include "tool/vecfile.h"
#include "vectors_env.h"

#define ALL_FNS (MCIM_AKA_F1 | MCIM_AKA_F1STAR | MCIM_AKA_F2345 | MCIM_AKA_F5STAR)

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void fill(uint64_t *s, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)splitmix(s);
}

/* A deterministic random source, so two runs draw the same RANDs. */
struct test_rng {
	uint64_t s;
	struct mcim_rng rng;
};

static mcim_err test_fill(void *self, uint8_t *buf, size_t len)
{
	struct test_rng *t = self;

	fill(&t->s, buf, len);
	return MCIM_OK;
}

static void rng_init(struct test_rng *t, uint64_t seed)
{
	t->s = seed;
	t->rng.fill = test_fill;
	t->rng.self = t;
}

/* kc prepared from cred with AES on the EVP path (portable != 0) or the CPU's. */
static void prepare_on(struct mcim_aka_keyctx *kc, const struct mcim_aka_cred *cred,
		       int portable)
{
	crypto_aes128_force_portable(portable);
	assert_int_equal(mcim_aka_prepare(kc, cred), MCIM_OK);
	crypto_aes128_force_portable(0);
}

/* The outputs fns asks for, and the lengths, are equal. */
static void outputs_equal(const struct mcim_aka_out *a, const struct mcim_aka_out *b,
			  unsigned fns)
{
	assert_int_equal(a->mac_len, b->mac_len);
	assert_int_equal(a->res_len, b->res_len);
	assert_int_equal(a->ck_len, b->ck_len);
	assert_int_equal(a->ik_len, b->ik_len);
	if (fns & MCIM_AKA_F1)
		assert_memory_equal(a->mac_a, b->mac_a, a->mac_len);
	if (fns & MCIM_AKA_F1STAR)
		assert_memory_equal(a->mac_s, b->mac_s, a->mac_len);
	if (fns & MCIM_AKA_F2345) {
		assert_memory_equal(a->res, b->res, a->res_len);
		assert_memory_equal(a->ck, b->ck, a->ck_len);
		assert_memory_equal(a->ik, b->ik, a->ik_len);
		assert_memory_equal(a->ak, b->ak, MCIM_AKA_AK_LEN);
	}
	if (fns & MCIM_AKA_F5STAR)
		assert_memory_equal(a->ak_s, b->ak_s, MCIM_AKA_AK_LEN);
}

/* TS 35.207 / 35.208 sets on the portable path and on the CPU's (test_milenage runs
 * them on the CPU's path only). */
static void official_sets_both_paths(void **state)
{
	char path[4096], name[64];
	struct vecfile vf;

	(void)state;
	assert_int_equal(
	    vecfile_open(&vf, vectors_path("milenage.json", path, sizeof(path))),
	    MCIM_OK);
	assert_string_equal(vf.algorithm, "milenage");
	for (size_t i = 0; i < vf.nsets; i++) {
		uint8_t rand[16], sqn[6], amf[2], f1[8], f1s[8], f2[8], f3[16], f4[16],
		    f5[6], f5s[6];
		struct mcim_aka_cred cred;

		vecfile_set_name(&vf, i, name, sizeof(name));
		memset(&cred, 0, sizeof(cred));
		cred.alg = MCIM_AKA_MILENAGE;
		cred.k_len = 16;
		mcim_milenage_default_consts(&cred.params.milenage);
		assert_int_equal(vecfile_hex(&vf, i, "k", cred.k, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "opc", cred.opc, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "rand", rand, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "sqn", sqn, 6), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "amf", amf, 2), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f1", f1, 8), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f1star", f1s, 8), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f2", f2, 8), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f3", f3, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f4", f4, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f5", f5, 6), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f5star", f5s, 6), MCIM_OK);
		for (int portable = 0; portable < 2; portable++) {
			struct mcim_aka_keyctx kc;
			struct mcim_aka_out o;

			prepare_on(&kc, &cred, portable);
			assert_int_equal(
			    mcim_aka_compute(&kc, ALL_FNS, rand, sqn, amf, &o), MCIM_OK);
			if (memcmp(o.mac_a, f1, 8) != 0 || memcmp(o.mac_s, f1s, 8) != 0 ||
			    memcmp(o.res, f2, 8) != 0 || memcmp(o.ck, f3, 16) != 0 ||
			    memcmp(o.ik, f4, 16) != 0 || memcmp(o.ak, f5, 6) != 0 ||
			    memcmp(o.ak_s, f5s, 6) != 0)
				fail_msg("%s differs (portable %d)", name, portable);
			mcim_aka_out_wipe(&o);
			mcim_aka_keyctx_wipe(&kc);
		}
	}
	vecfile_close(&vf);
}

/*
 * Random K, OPc, r1..r5 (the edges 0, 1, 63, 64, 65, 127 and any other value), c1..c5,
 * RAND, SQN and AMF: every subset of functions gives the same outputs on both paths,
 * and each function's output does not depend on which others were asked for.
 */
static void random_credentials(void **state)
{
	static const uint8_t edges[] = {0, 1, 7, 8, 63, 64, 65, 120, 127};
	uint64_t s = 42;

	(void)state;
	for (int round = 0; round < 400; round++) {
		struct mcim_aka_cred cred;
		struct mcim_aka_keyctx fast, slow;
		uint8_t rand[16], sqn[6], amf[2];
		struct mcim_aka_out all;

		memset(&cred, 0, sizeof(cred));
		cred.alg = MCIM_AKA_MILENAGE;
		cred.k_len = 16;
		fill(&s, cred.k, 16);
		fill(&s, cred.opc, 16);
		for (int i = 0; i < 5; i++) {
			uint64_t pick = splitmix(&s);
			cred.params.milenage.r[i] = round < 100
							? edges[pick % sizeof(edges)]
							: (uint8_t)(pick % 128);
			fill(&s, cred.params.milenage.c[i], 16);
		}
		fill(&s, rand, 16);
		fill(&s, sqn, 6);
		fill(&s, amf, 2);
		prepare_on(&fast, &cred, 0);
		prepare_on(&slow, &cred, 1);
		assert_int_equal(mcim_aka_compute(&fast, ALL_FNS, rand, sqn, amf, &all),
				 MCIM_OK);
		for (unsigned fns = 1; fns <= ALL_FNS; fns++) {
			struct mcim_aka_out a, b;
			int need_sqn = (fns & (MCIM_AKA_F1 | MCIM_AKA_F1STAR)) != 0;

			assert_int_equal(mcim_aka_compute(&fast, fns, rand,
							  need_sqn ? sqn : NULL,
							  need_sqn ? amf : NULL, &a),
					 MCIM_OK);
			assert_int_equal(mcim_aka_compute(&slow, fns, rand,
							  need_sqn ? sqn : NULL,
							  need_sqn ? amf : NULL, &b),
					 MCIM_OK);
			outputs_equal(&a, &b, fns);
			outputs_equal(&a, &all, fns);
		}
		mcim_aka_keyctx_wipe(&fast);
		mcim_aka_keyctx_wipe(&slow);
	}
}

struct auc {
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_he he;
	struct test_rng rng;
};

static void auc_init(struct auc *a, const struct mcim_aka_cred *cred, int portable)
{
	prepare_on(&a->kc, cred, portable);
	mcim_sqn_cfg_default(&a->cfg);
	assert_int_equal(mcim_sqn_he_init(&a->cfg, &a->he, 1000), MCIM_OK);
	rng_init(&a->rng, 7);
}

static void cred_default(struct mcim_aka_cred *cred, enum mcim_aka_alg_id alg)
{
	uint64_t s = 99;

	memset(cred, 0, sizeof(*cred));
	cred->alg = alg;
	cred->k_len = 16;
	fill(&s, cred->k, 32);
	fill(&s, cred->opc, 32);
	if (alg == MCIM_AKA_MILENAGE)
		mcim_milenage_default_consts(&cred->params.milenage);
	else
		mcim_tuak_default_params(&cred->params.tuak);
}

/* Whole AuC batches (EPS and 5G), fast paths against AES and SHA-256 forced onto the
 * portable code: the same vectors to the last octet, padding included. */
static void auc_vectors_both_paths(void **state)
{
	static const char snn[] = "5G:mnc001.mcc001.3gppnetwork.org";
	static const uint8_t amf[2] = {0x80, 0x00};
	static const enum mcim_aka_alg_id algs[] = {MCIM_AKA_MILENAGE, MCIM_AKA_TUAK};

	(void)state;
	for (size_t k = 0; k < sizeof(algs) / sizeof(algs[0]); k++) {
		struct mcim_auth_vector va[20], vb[20];
		struct mcim_auth_5g_vector ga[20], gb[20];
		struct mcim_aka_cred cred;
		struct auc a, b;

		cred_default(&cred, algs[k]);
		auc_init(&a, &cred, 0);
		auc_init(&b, &cred, 1);
		assert_int_equal(
		    mcim_auth_generate_n(&a.kc, &a.cfg, &a.he, amf, &a.rng.rng, va, 20),
		    MCIM_OK);
		assert_int_equal(mcim_auth_generate_5g_n(&a.kc, &a.cfg, &a.he, amf,
							 &a.rng.rng, snn, strlen(snn), ga,
							 20),
				 MCIM_OK);
		crypto_sha256_force_portable(1);
		assert_int_equal(
		    mcim_auth_generate_n(&b.kc, &b.cfg, &b.he, amf, &b.rng.rng, vb, 20),
		    MCIM_OK);
		assert_int_equal(mcim_auth_generate_5g_n(&b.kc, &b.cfg, &b.he, amf,
							 &b.rng.rng, snn, strlen(snn), gb,
							 20),
				 MCIM_OK);
		crypto_sha256_force_portable(0);
		assert_memory_equal(va, vb, sizeof(va));
		assert_memory_equal(ga, gb, sizeof(ga));
		assert_memory_equal(&a.he, &b.he, sizeof(a.he));
		mcim_aka_keyctx_wipe(&a.kc);
		mcim_aka_keyctx_wipe(&b.kc);
		mcim_aka_cred_wipe(&cred);
	}
}

static void hmac_ref(const uint8_t *key, size_t klen, const uint8_t *s, size_t len,
		     uint8_t out[32])
{
	unsigned n = 0;

	assert_non_null(HMAC(EVP_sha256(), key, (int)klen, s, len, out, &n));
	assert_int_equal(n, 32);
}

/*
 * 5G HE vectors against TS 33.501 Annex A written out here and hashed by OpenSSL:
 * XRES* (A.4), KAUSF (A.2), HXRES* (A.5), with CK, IK and RES from
 * mcim_aka_compute() for the vector's RAND and SQN. SNNs of several lengths put the
 * KDF inputs on both sides of the SHA-256 block boundaries.
 */
static void vectors_5g_against_openssl(void **state)
{
	static const uint8_t amf[2] = {0x80, 0x00};
	static const enum mcim_aka_alg_id algs[] = {MCIM_AKA_MILENAGE, MCIM_AKA_TUAK};
	char snn[MCIM_SNN_MAX + 1];

	(void)state;
	memset(snn, 'x', sizeof(snn));
	for (size_t k = 0; k < sizeof(algs) / sizeof(algs[0]); k++) {
		for (size_t snn_len = 1; snn_len <= 120; snn_len += 3) {
			struct mcim_aka_cred cred;
			struct mcim_auth_5g_vector v;
			struct mcim_aka_out o;
			uint8_t sqnb[6], key[64], s[256], mac[32], d[32];
			size_t klen, len = 0;
			unsigned dn = 0;
			struct auc a;

			cred_default(&cred, algs[k]);
			auc_init(&a, &cred, 0);
			assert_int_equal(mcim_auth_generate_5g(&a.kc, &a.cfg, &a.he, amf,
							       &a.rng.rng, snn, snn_len,
							       &v),
					 MCIM_OK);
			mcim_sqn_to_bytes(v.sqn, sqnb);
			assert_int_equal(mcim_aka_compute(&a.kc,
							  MCIM_AKA_F1 | MCIM_AKA_F2345,
							  v.rand, sqnb, amf, &o),
					 MCIM_OK);
			memcpy(key, o.ck, o.ck_len);
			memcpy(key + o.ck_len, o.ik, o.ik_len);
			klen = (size_t)o.ck_len + o.ik_len;

			s[len++] = MCIM_FC_RES_STAR;
			memcpy(s + len, snn, snn_len);
			len += snn_len;
			s[len++] = (uint8_t)(snn_len >> 8);
			s[len++] = (uint8_t)snn_len;
			memcpy(s + len, v.rand, 16);
			len += 16;
			s[len++] = 0;
			s[len++] = 16;
			memcpy(s + len, o.res, o.res_len);
			len += o.res_len;
			s[len++] = 0;
			s[len++] = o.res_len;
			hmac_ref(key, klen, s, len, mac);
			assert_memory_equal(v.xres_star, mac + 16, 16);

			len = 0;
			s[len++] = MCIM_FC_KAUSF;
			memcpy(s + len, snn, snn_len);
			len += snn_len;
			s[len++] = (uint8_t)(snn_len >> 8);
			s[len++] = (uint8_t)snn_len;
			for (int i = 0; i < 6; i++)
				s[len++] = sqnb[i] ^ o.ak[i];
			s[len++] = 0;
			s[len++] = 6;
			hmac_ref(key, klen, s, len, mac);
			assert_memory_equal(v.kausf, mac, 32);

			memcpy(s, v.rand, 16);
			memcpy(s + 16, v.xres_star, 16);
			assert_int_equal(EVP_Digest(s, 32, d, &dn, EVP_sha256(), NULL),
					 1);
			assert_memory_equal(v.hxres_star, d + 16, 16);

			mcim_aka_out_wipe(&o);
			mcim_aka_keyctx_wipe(&a.kc);
			mcim_aka_cred_wipe(&cred);
		}
	}
}

/* The switch itself: forcing selects the EVP path for new keys, and only for them. */
static void aes_force_switch(void **state)
{
	static const uint8_t key[16] = {1};
	struct crypto_aes128 a, b;
	int hw = crypto_aes128_hw();

	(void)state;
	crypto_aes128_init(&a, key);
	crypto_aes128_force_portable(1);
	assert_int_equal(crypto_aes128_hw(), 0);
	crypto_aes128_init(&b, key);
	assert_int_equal(b.use_aesni, 0);
	assert_int_equal(a.use_aesni, hw);
	crypto_aes128_force_portable(0);
	assert_int_equal(crypto_aes128_hw(), hw);
	crypto_aes128_wipe(&a);
	crypto_aes128_wipe(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(official_sets_both_paths),
	    cmocka_unit_test(random_credentials),
	    cmocka_unit_test(auc_vectors_both_paths),
	    cmocka_unit_test(vectors_5g_against_openssl),
	    cmocka_unit_test(aes_force_switch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
