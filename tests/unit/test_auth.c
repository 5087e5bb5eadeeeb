/*
 * The AKA procedure between AuC and USIM (R-NET-S02, R-MCIM-C04, T-10), for every
 * algorithm set linked in: MILENAGE always, TUAK (default and longest outputs) when
 * mcim_aka_alg_find(MCIM_AKA_TUAK) finds it, so the test runs whatever exists and
 * skips nothing. AUTN and AUTS are checked field by field against mcim_aka_compute
 * (the assembly is under test, not the algorithm); round trips, replays, resync from
 * a stale or a lost HE state, every modified AUTN field (MAC failure, no state
 * change), batches equal to singles for the same RANDs, all-or-nothing batches,
 * 5G HE vectors against the mcim/kdf.h functions and the UE's own derivation, the
 * official resync.json sets, and the failure paths of a faulty algorithm set and
 * random source.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "tool/vecfile.h"
#include "vectors_env.h"

/* A deterministic random source; it fails once fail_after fills have been served. */
struct test_rng {
	uint64_t s;
	long fail_after; /* < 0: never */
	struct mcim_rng rng;
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static mcim_err test_fill(void *self, uint8_t *buf, size_t len)
{
	struct test_rng *t = self;

	if (t->fail_after == 0)
		return MCIM_ERR_RANDOM;
	if (t->fail_after > 0)
		t->fail_after--;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)splitmix(&t->s);
	return MCIM_OK;
}

static void rng_init(struct test_rng *t, uint64_t seed)
{
	t->s = seed;
	t->fail_after = -1;
	t->rng.fill = test_fill;
	t->rng.self = t;
}

enum { CRED_MILENAGE, CRED_TUAK, CRED_TUAK_LONG, CRED_COUNT };

/* The credential of kind `which`, or 0 when that algorithm set is not linked in. */
static int make_cred(int which, struct mcim_aka_cred *cred)
{
	memset(cred, 0, sizeof(*cred));
	for (int i = 0; i < 32; i++) {
		cred->k[i] = (uint8_t)(0x11 * i + 3);
		cred->opc[i] = (uint8_t)(0x1d * i + 7);
	}
	if (which == CRED_MILENAGE) {
		cred->alg = MCIM_AKA_MILENAGE;
		cred->k_len = 16;
		mcim_milenage_default_consts(&cred->params.milenage);
		return 1;
	}
	if (mcim_aka_alg_find(MCIM_AKA_TUAK) == NULL)
		return 0;
	cred->alg = MCIM_AKA_TUAK;
	mcim_tuak_default_params(&cred->params.tuak);
	cred->k_len = 16;
	if (which == CRED_TUAK_LONG) {
		cred->k_len = 32;
		cred->params.tuak.mac_bits = 256;
		cred->params.tuak.res_bits = 256;
		cred->params.tuak.ck_bits = 256;
		cred->params.tuak.ik_bits = 256;
	}
	return 1;
}

static const uint8_t amf_eps[2] = {0x80, 0x00}; /* separation bit set (TS 33.401) */

struct fixture {
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_he he;
	struct mcim_sqn_ms ms;
	struct test_rng rng;
};

static void fixture_init(struct fixture *f, const struct mcim_aka_cred *cred)
{
	assert_int_equal(mcim_aka_prepare(&f->kc, cred), MCIM_OK);
	mcim_sqn_cfg_default(&f->cfg);
	assert_int_equal(mcim_sqn_he_init(&f->cfg, &f->he, 0), MCIM_OK);
	mcim_sqn_ms_init(&f->ms);
	rng_init(&f->rng, 12345);
}

/* AUTN = SQN xor AK || AMF || MAC-A, each field from the algorithm directly. */
static void check_vector(const struct fixture *f, const struct mcim_auth_vector *av,
			 const uint8_t amf[2])
{
	struct mcim_aka_out o;
	uint8_t sqnb[6];

	mcim_sqn_to_bytes(av->sqn, sqnb);
	assert_int_equal(mcim_aka_compute(&f->kc, MCIM_AKA_F1 | MCIM_AKA_F2345, av->rand,
					  sqnb, amf, &o),
			 MCIM_OK);
	assert_int_equal(av->autn_len, 8 + o.mac_len);
	for (int i = 0; i < 6; i++)
		assert_int_equal(av->autn[i], sqnb[i] ^ o.ak[i]);
	assert_memory_equal(av->autn + 6, amf, 2);
	assert_memory_equal(av->autn + 8, o.mac_a, o.mac_len);
	assert_int_equal(av->xres_len, o.res_len);
	assert_memory_equal(av->xres, o.res, o.res_len);
	assert_int_equal(av->ck_len, o.ck_len);
	assert_memory_equal(av->ck, o.ck, o.ck_len);
	assert_int_equal(av->ik_len, o.ik_len);
	assert_memory_equal(av->ik, o.ik, o.ik_len);
	mcim_aka_out_wipe(&o);
}

/* AUTS = SQN_MS xor AK* || MAC-S with the dummy AMF 0000 (TS 33.102 6.3.3). */
static void check_auts(const struct fixture *f, const uint8_t rand[16], uint64_t sqn_ms,
		       const struct mcim_auth_usim_out *out)
{
	static const uint8_t dummy[2] = {0, 0};
	struct mcim_aka_out o;
	uint8_t sqnb[6];

	mcim_sqn_to_bytes(sqn_ms, sqnb);
	assert_int_equal(mcim_aka_compute(&f->kc, MCIM_AKA_F1STAR | MCIM_AKA_F5STAR, rand,
					  sqnb, dummy, &o),
			 MCIM_OK);
	assert_int_equal(out->auts_len, 6 + o.mac_len);
	for (int i = 0; i < 6; i++)
		assert_int_equal(out->auts[i], sqnb[i] ^ o.ak_s[i]);
	assert_memory_equal(out->auts + 6, o.mac_s, o.mac_len);
	mcim_aka_out_wipe(&o);
}

static void usim_accepts(struct fixture *f, const struct mcim_auth_vector *av)
{
	struct mcim_auth_usim_out out;

	assert_int_equal(mcim_auth_usim(&f->kc, &f->cfg, &f->ms, av->rand, av->autn,
					av->autn_len, &out),
			 MCIM_OK);
	assert_true(out.sqn == av->sqn);
	assert_int_equal(out.res_len, av->xres_len);
	assert_true(mcim_ct_equal(out.res, av->xres, av->xres_len));
	assert_int_equal(out.ck_len, av->ck_len);
	assert_memory_equal(out.ck, av->ck, av->ck_len);
	assert_int_equal(out.ik_len, av->ik_len);
	assert_memory_equal(out.ik, av->ik, av->ik_len);
	assert_int_equal(out.auts_len, 0);
	mcim_auth_usim_out_wipe(&out);
}

static void round_trips(void **state)
{
	(void)state;
	for (int which = 0; which < CRED_COUNT; which++) {
		struct mcim_aka_cred cred;
		struct fixture f;
		uint64_t high;

		if (!make_cred(which, &cred))
			continue;
		fixture_init(&f, &cred);
		for (int i = 0; i < 100; i++) {
			struct mcim_auth_vector av;

			assert_int_equal(mcim_auth_generate(&f.kc, &f.cfg, &f.he, amf_eps,
							    &f.rng.rng, &av),
					 MCIM_OK);
			assert_true(av.sqn ==
				    ((uint64_t)(i + 1) << 5 | (uint64_t)(i % 32)));
			check_vector(&f, &av, amf_eps);
			usim_accepts(&f, &av);
			mcim_auth_vector_wipe(&av);
		}
		assert_int_equal(mcim_sqn_ms_highest(&f.cfg, &f.ms, &high), MCIM_OK);
		assert_true(high == ((100u << 5) | (99 % 32)));
		mcim_aka_keyctx_wipe(&f.kc);
		mcim_aka_cred_wipe(&cred);
	}
}

/* A replayed AUTN: sync failure with AUTS; the AuC verifies it; its next vector works. */
static void replay_and_resync(void **state)
{
	(void)state;
	for (int which = 0; which < CRED_COUNT; which++) {
		struct mcim_aka_cred cred;
		struct mcim_auth_vector av, next;
		struct mcim_auth_usim_out out;
		struct mcim_sqn_ms before;
		struct mcim_sqn_he he_before;
		struct fixture f;
		uint64_t sqn_ms = 0, high;
		int reset = -1;

		if (!make_cred(which, &cred))
			continue;
		fixture_init(&f, &cred);
		assert_int_equal(
		    mcim_auth_generate(&f.kc, &f.cfg, &f.he, amf_eps, &f.rng.rng, &av),
		    MCIM_OK);
		usim_accepts(&f, &av);
		before = f.ms;
		assert_int_equal(mcim_auth_usim(&f.kc, &f.cfg, &f.ms, av.rand, av.autn,
						av.autn_len, &out),
				 MCIM_ERR_SYNC_FAILURE);
		assert_memory_equal(&f.ms, &before, sizeof(before));
		assert_int_equal(out.res_len, 0);
		assert_int_equal(mcim_sqn_ms_highest(&f.cfg, &f.ms, &high), MCIM_OK);
		check_auts(&f, av.rand, high, &out);

		/* The HE is already ahead of SQN_MS: no reset needed. */
		he_before = f.he;
		assert_int_equal(mcim_auth_resync(&f.kc, &f.cfg, &f.he, av.rand, out.auts,
						  out.auts_len, &sqn_ms, &reset),
				 MCIM_OK);
		assert_true(sqn_ms == high);
		assert_int_equal(reset, 0);
		assert_memory_equal(&f.he, &he_before, sizeof(he_before));
		assert_int_equal(
		    mcim_auth_generate(&f.kc, &f.cfg, &f.he, amf_eps, &f.rng.rng, &next),
		    MCIM_OK);
		usim_accepts(&f, &next);
		mcim_auth_usim_out_wipe(&out);
		mcim_aka_cred_wipe(&cred);
	}
}

/*
 * The AuC lost its SQN state (a subscriber record re-created, free5gc #809): its
 * vectors are stale, the USIM answers AUTS, the AuC resets and then succeeds.
 */
static void resync_after_lost_state(void **state)
{
	(void)state;
	for (int which = 0; which < CRED_COUNT; which++) {
		struct mcim_aka_cred cred;
		struct mcim_auth_vector av;
		struct mcim_auth_usim_out out;
		struct fixture f;
		uint64_t sqn_ms = 0, high;
		int reset = -1;

		if (!make_cred(which, &cred))
			continue;
		fixture_init(&f, &cred);
		for (int i = 0; i < 40; i++) {
			assert_int_equal(mcim_auth_generate(&f.kc, &f.cfg, &f.he, amf_eps,
							    &f.rng.rng, &av),
					 MCIM_OK);
			usim_accepts(&f, &av);
		}
		assert_int_equal(mcim_sqn_he_init(&f.cfg, &f.he, 0), MCIM_OK);
		assert_int_equal(
		    mcim_auth_generate(&f.kc, &f.cfg, &f.he, amf_eps, &f.rng.rng, &av),
		    MCIM_OK);
		assert_int_equal(mcim_auth_usim(&f.kc, &f.cfg, &f.ms, av.rand, av.autn,
						av.autn_len, &out),
				 MCIM_ERR_SYNC_FAILURE);
		assert_int_equal(mcim_auth_resync(&f.kc, &f.cfg, &f.he, av.rand, out.auts,
						  out.auts_len, &sqn_ms, &reset),
				 MCIM_OK);
		assert_int_equal(mcim_sqn_ms_highest(&f.cfg, &f.ms, &high), MCIM_OK);
		assert_true(sqn_ms == high);
		assert_int_equal(reset, 1);
		assert_true(f.he.seq == 40);
		assert_int_equal(
		    mcim_auth_generate(&f.kc, &f.cfg, &f.he, amf_eps, &f.rng.rng, &av),
		    MCIM_OK);
		usim_accepts(&f, &av);
		mcim_auth_usim_out_wipe(&out);
		mcim_aka_cred_wipe(&cred);
	}
}

/* Any changed bit of AUTN (SQN xor AK, AMF, MAC) or of RAND: MAC failure, no change. */
static void modified_autn(void **state)
{
	(void)state;
	for (int which = 0; which < CRED_COUNT; which++) {
		struct mcim_aka_cred cred;
		struct mcim_auth_vector av;
		struct mcim_auth_usim_out out;
		struct mcim_sqn_ms before;
		struct fixture f;
		uint8_t autn[MCIM_AKA_AUTN_MAX], zero[sizeof(out)];

		if (!make_cred(which, &cred))
			continue;
		fixture_init(&f, &cred);
		memset(zero, 0, sizeof(zero));
		assert_int_equal(
		    mcim_auth_generate(&f.kc, &f.cfg, &f.he, amf_eps, &f.rng.rng, &av),
		    MCIM_OK);
		before = f.ms;
		for (size_t i = 0; i < av.autn_len; i++) {
			for (int bit = 0; bit < 8; bit += 7) {
				memcpy(autn, av.autn, av.autn_len);
				autn[i] ^= (uint8_t)(1u << bit);
				memset(&out, 0x5a, sizeof(out));
				assert_int_equal(mcim_auth_usim(&f.kc, &f.cfg, &f.ms,
								av.rand, autn,
								av.autn_len, &out),
						 MCIM_ERR_MAC_FAILURE);
				assert_memory_equal(&f.ms, &before, sizeof(before));
				assert_memory_equal(&out, zero, sizeof(out));
			}
		}
		av.rand[15] ^= 1;
		assert_int_equal(mcim_auth_usim(&f.kc, &f.cfg, &f.ms, av.rand, av.autn,
						av.autn_len, &out),
				 MCIM_ERR_MAC_FAILURE);
		av.rand[15] ^= 1;
		/* AUTN of the wrong length for this set's MAC. */
		assert_int_equal(mcim_auth_usim(&f.kc, &f.cfg, &f.ms, av.rand, av.autn,
						av.autn_len - 1u, &out),
				 MCIM_ERR_INVALID_ARG);
		assert_int_equal(
		    mcim_auth_usim(&f.kc, &f.cfg, &f.ms, av.rand, av.autn, 0, &out),
		    MCIM_ERR_INVALID_ARG);
		assert_memory_equal(&f.ms, &before, sizeof(before));
		usim_accepts(&f, &av); /* the genuine one still works */
		mcim_aka_cred_wipe(&cred);
	}
}

static void modified_auts(void **state)
{
	struct mcim_aka_cred cred;
	struct mcim_auth_vector av;
	struct mcim_auth_usim_out out;
	struct mcim_sqn_he before;
	struct fixture f;
	uint64_t sqn_ms = 77;
	int reset = 7;

	(void)state;
	make_cred(CRED_MILENAGE, &cred);
	fixture_init(&f, &cred);
	assert_int_equal(
	    mcim_auth_generate(&f.kc, &f.cfg, &f.he, amf_eps, &f.rng.rng, &av), MCIM_OK);
	usim_accepts(&f, &av);
	assert_int_equal(
	    mcim_auth_usim(&f.kc, &f.cfg, &f.ms, av.rand, av.autn, av.autn_len, &out),
	    MCIM_ERR_SYNC_FAILURE);
	assert_int_equal(mcim_sqn_he_init(&f.cfg, &f.he, 0), MCIM_OK);
	before = f.he;
	for (size_t i = 0; i < out.auts_len; i++) {
		out.auts[i] ^= 0x10;
		assert_int_equal(mcim_auth_resync(&f.kc, &f.cfg, &f.he, av.rand, out.auts,
						  out.auts_len, &sqn_ms, &reset),
				 MCIM_ERR_MAC_FAILURE);
		out.auts[i] ^= 0x10;
		assert_memory_equal(&f.he, &before, sizeof(before));
	}
	assert_int_equal(mcim_auth_resync(&f.kc, &f.cfg, &f.he, av.rand, out.auts,
					  out.auts_len - 1u, &sqn_ms, &reset),
			 MCIM_ERR_INVALID_ARG);
	assert_true(sqn_ms == 77 && reset == 7);
	/* A bad configuration is refused before anything is computed. */
	f.cfg.delta = 0;
	assert_int_equal(mcim_auth_resync(&f.kc, &f.cfg, &f.he, av.rand, out.auts,
					  out.auts_len, NULL, NULL),
			 MCIM_ERR_INVALID_ARG);
	f.cfg.delta = 1;
	assert_int_equal(mcim_auth_resync(&f.kc, &f.cfg, &f.he, av.rand, out.auts,
					  out.auts_len, NULL, NULL),
			 MCIM_OK);
	assert_true(f.he.seq == 1);
	mcim_auth_usim_out_wipe(&out);
}

/* n vectors at once equal n single calls fed the same random octets. */
static void batch_equals_singles(void **state)
{
	(void)state;
	for (int which = 0; which < CRED_COUNT; which++) {
		struct mcim_aka_cred cred;
		struct mcim_auth_vector batch[12], single;
		struct mcim_auth_5g_vector b5[12], s5;
		struct fixture a, b;
		static const char snn[] = "5G:mnc001.mcc001.3gppnetwork.org";

		if (!make_cred(which, &cred))
			continue;
		fixture_init(&a, &cred);
		fixture_init(&b, &cred);
		assert_int_equal(mcim_auth_generate_n(&a.kc, &a.cfg, &a.he, amf_eps,
						      &a.rng.rng, batch, 12),
				 MCIM_OK);
		for (int i = 0; i < 12; i++) {
			assert_int_equal(mcim_auth_generate(&b.kc, &b.cfg, &b.he, amf_eps,
							    &b.rng.rng, &single),
					 MCIM_OK);
			assert_memory_equal(&single, &batch[i], sizeof(single));
		}
		assert_memory_equal(&a.he, &b.he, sizeof(a.he));

		assert_int_equal(mcim_auth_generate_5g_n(&a.kc, &a.cfg, &a.he, amf_eps,
							 &a.rng.rng, snn, 32, b5, 12),
				 MCIM_OK);
		for (int i = 0; i < 12; i++) {
			assert_int_equal(mcim_auth_generate_5g(&b.kc, &b.cfg, &b.he,
							       amf_eps, &b.rng.rng, snn,
							       32, &s5),
					 MCIM_OK);
			assert_memory_equal(&s5, &b5[i], sizeof(s5));
		}
		assert_memory_equal(&a.he, &b.he, sizeof(a.he));
		/* Each vector its own RAND and SQN. */
		for (int i = 1; i < 12; i++) {
			assert_memory_not_equal(batch[i].rand, batch[i - 1].rand, 16);
			assert_true(batch[i].sqn > batch[i - 1].sqn);
		}
		assert_int_equal(mcim_auth_generate_n(&a.kc, &a.cfg, &a.he, amf_eps,
						      &a.rng.rng, NULL, 0),
				 MCIM_OK);
		assert_memory_equal(&a.he, &b.he, sizeof(a.he));
		mcim_aka_cred_wipe(&cred);
	}
}

/* A batch that cannot be completed hands out nothing and leaves the HE as it was. */
static void batch_all_or_nothing(void **state)
{
	struct mcim_aka_cred cred;
	struct mcim_auth_vector avs[5], zero[5];
	struct mcim_auth_5g_vector av5[5], zero5[5];
	struct mcim_sqn_he before;
	struct fixture f;

	(void)state;
	make_cred(CRED_MILENAGE, &cred);
	fixture_init(&f, &cred);
	memset(zero, 0, sizeof(zero));
	memset(zero5, 0, sizeof(zero5));
	before = f.he;
	f.rng.fail_after = 3;
	assert_int_equal(
	    mcim_auth_generate_n(&f.kc, &f.cfg, &f.he, amf_eps, &f.rng.rng, avs, 5),
	    MCIM_ERR_RANDOM);
	assert_memory_equal(&f.he, &before, sizeof(before));
	assert_memory_equal(avs, zero, sizeof(avs));
	f.rng.fail_after = 2;
	assert_int_equal(mcim_auth_generate_5g_n(&f.kc, &f.cfg, &f.he, amf_eps,
						 &f.rng.rng, "5G:x", 4, av5, 5),
			 MCIM_ERR_RANDOM);
	assert_memory_equal(&f.he, &before, sizeof(before));
	assert_memory_equal(av5, zero5, sizeof(av5));

	/* Three SEQ values left: a batch of five is refused whole. */
	f.rng.fail_after = -1;
	assert_int_equal(mcim_sqn_he_init(&f.cfg, &f.he, mcim_sqn_seq_max(&f.cfg) - 3),
			 MCIM_OK);
	before = f.he;
	assert_int_equal(
	    mcim_auth_generate_n(&f.kc, &f.cfg, &f.he, amf_eps, &f.rng.rng, avs, 5),
	    MCIM_ERR_SQN_EXHAUSTED);
	assert_memory_equal(&f.he, &before, sizeof(before));
	assert_int_equal(
	    mcim_auth_generate_n(&f.kc, &f.cfg, &f.he, amf_eps, &f.rng.rng, avs, 3),
	    MCIM_OK);
	assert_int_equal(
	    mcim_auth_generate(&f.kc, &f.cfg, &f.he, amf_eps, &f.rng.rng, avs),
	    MCIM_ERR_SQN_EXHAUSTED);

	/* A corrupted HE record or configuration. */
	f.he.next_ind = 200;
	assert_int_equal(
	    mcim_auth_generate(&f.kc, &f.cfg, &f.he, amf_eps, &f.rng.rng, avs),
	    MCIM_ERR_INVALID_ARG);
	f.he.next_ind = 0;
	f.cfg.ind_bits = 9;
	assert_int_equal(mcim_auth_generate_5g(&f.kc, &f.cfg, &f.he, amf_eps, &f.rng.rng,
					       "5G:x", 4, av5),
			 MCIM_ERR_INVALID_ARG);
}

/* The 5G HE vector against mcim/kdf.h, and against what the UE derives itself. */
static void vectors_5g(void **state)
{
	static const char snn[] = "5G:mnc093.mcc208.3gppnetwork.org";
	const size_t snn_len = sizeof(snn) - 1;

	(void)state;
	for (int which = 0; which < CRED_COUNT; which++) {
		struct mcim_aka_cred cred;
		struct mcim_auth_5g_vector av;
		struct mcim_auth_usim_out out;
		struct mcim_aka_out o;
		struct fixture f;
		uint8_t got[32], sqnb[6];

		if (!make_cred(which, &cred))
			continue;
		fixture_init(&f, &cred);
		for (int i = 0; i < 5; i++) {
			assert_int_equal(mcim_auth_generate_5g(&f.kc, &f.cfg, &f.he,
							       amf_eps, &f.rng.rng, snn,
							       snn_len, &av),
					 MCIM_OK);
			mcim_sqn_to_bytes(av.sqn, sqnb);
			assert_int_equal(mcim_aka_compute(&f.kc,
							  MCIM_AKA_F1 | MCIM_AKA_F2345,
							  av.rand, sqnb, amf_eps, &o),
					 MCIM_OK);
			assert_int_equal(av.autn_len, 8 + o.mac_len);
			assert_memory_equal(av.autn + 8, o.mac_a, o.mac_len);
			assert_int_equal(mcim_kdf_res_star(o.ck, o.ck_len, o.ik, o.ik_len,
							   snn, snn_len, av.rand, o.res,
							   o.res_len, got),
					 MCIM_OK);
			assert_memory_equal(av.xres_star, got, 16);
			assert_int_equal(mcim_kdf_kausf(o.ck, o.ck_len, o.ik, o.ik_len,
							snn, snn_len, av.autn, got),
					 MCIM_OK);
			assert_memory_equal(av.kausf, got, 32);
			assert_int_equal(mcim_kdf_hxres_star(av.rand, av.xres_star, got),
					 MCIM_OK);
			assert_memory_equal(av.hxres_star, got, 16);

			/* The UE: USIM answer, then RES* and KAUSF from it. */
			assert_int_equal(mcim_auth_usim(&f.kc, &f.cfg, &f.ms, av.rand,
							av.autn, av.autn_len, &out),
					 MCIM_OK);
			assert_int_equal(mcim_kdf_res_star(
					     out.ck, out.ck_len, out.ik, out.ik_len, snn,
					     snn_len, av.rand, out.res, out.res_len, got),
					 MCIM_OK);
			assert_memory_equal(got, av.xres_star, 16);
			assert_int_equal(mcim_kdf_kausf(out.ck, out.ck_len, out.ik,
							out.ik_len, snn, snn_len, av.autn,
							got),
					 MCIM_OK);
			assert_memory_equal(got, av.kausf, 32);
			mcim_auth_usim_out_wipe(&out);
			mcim_aka_out_wipe(&o);
			mcim_auth_5g_vector_wipe(&av);
		}
		assert_int_equal(mcim_auth_generate_5g(&f.kc, &f.cfg, &f.he, amf_eps,
						       &f.rng.rng, snn, 0, &av),
				 MCIM_ERR_INVALID_ARG);
		assert_int_equal(mcim_auth_generate_5g(&f.kc, &f.cfg, &f.he, amf_eps,
						       &f.rng.rng, NULL, 3, &av),
				 MCIM_ERR_INVALID_ARG);
		assert_true(f.he.seq == 5);
		mcim_aka_cred_wipe(&cred);
	}
}

/* resync.json: from k, opc, rand and auts the AuC accepts MAC-S and finds sqn_ms. */
static void resync_json(void **state)
{
	char path[4096];
	struct vecfile vf;

	(void)state;
	assert_int_equal(
	    vecfile_open(&vf, vectors_path("resync.json", path, sizeof(path))), MCIM_OK);
	assert_string_equal(vf.algorithm, "milenage-resync");
	assert_true(vf.nsets >= 1);
	for (size_t s = 0; s < vf.nsets; s++) {
		uint8_t rand[16], auts[MCIM_AKA_AUTS_MAX], amf[2], want[6];
		struct mcim_aka_cred cred;
		struct mcim_sqn_cfg cfg;
		struct mcim_sqn_he he;
		struct mcim_aka_keyctx kc;
		uint64_t sqn_ms = 0;
		size_t auts_len;
		int reset = -1;

		memset(&cred, 0, sizeof(cred));
		cred.alg = MCIM_AKA_MILENAGE;
		cred.k_len = 16;
		mcim_milenage_default_consts(&cred.params.milenage);
		assert_int_equal(vecfile_hex(&vf, s, "k", cred.k, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, s, "opc", cred.opc, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, s, "rand", rand, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, s, "amf", amf, 2), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, s, "sqn_ms", want, 6), MCIM_OK);
		assert_int_equal(
		    vecfile_hex_var(&vf, s, "auts", auts, sizeof(auts), &auts_len),
		    MCIM_OK);
		/* MAC-S is always over the dummy AMF (6.3.3); the files say so too. */
		assert_true(amf[0] == 0 && amf[1] == 0);
		assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_OK);
		mcim_sqn_cfg_default(&cfg);
		assert_int_equal(mcim_sqn_he_init(&cfg, &he, 0), MCIM_OK);
		assert_int_equal(mcim_auth_resync(&kc, &cfg, &he, rand, auts, auts_len,
						  &sqn_ms, &reset),
				 MCIM_OK);
		assert_true(sqn_ms == mcim_sqn_from_bytes(want));
		/* SEQ_HE 0 is behind or level with any SQN_MS: reset to its SEQ. */
		assert_int_equal(reset, mcim_sqn_seq(&cfg, sqn_ms) > 0);
		assert_true(he.seq == mcim_sqn_seq(&cfg, sqn_ms));
		auts[auts_len - 1] ^= 0x80;
		assert_int_equal(mcim_auth_resync(&kc, &cfg, &he, rand, auts, auts_len,
						  &sqn_ms, &reset),
				 MCIM_ERR_MAC_FAILURE);
		mcim_aka_keyctx_wipe(&kc);
		mcim_aka_cred_wipe(&cred);
	}
	vecfile_close(&vf);
}

/* ---- an algorithm set that fails or misreports, to reach the error paths ---- */

static int fake_calls, fake_fail_at; /* fail the fake_fail_at-th call (1-based) */
static uint8_t fake_mac_len;

static mcim_err fake_check(const struct mcim_aka_cred *cred)
{
	(void)cred;
	return MCIM_OK;
}

static void fake_prepare(struct mcim_aka_keyctx *kc, const struct mcim_aka_cred *cred)
{
	(void)kc;
	(void)cred;
}

static mcim_err fake_compute(const struct mcim_aka_keyctx *kc, unsigned fns,
			     const uint8_t rand[16], const uint8_t sqn[6],
			     const uint8_t amf[2], struct mcim_aka_out *out)
{
	(void)kc;
	(void)fns;
	(void)rand;
	(void)sqn;
	(void)amf;
	memset(out, 0, sizeof(*out));
	out->mac_len = fake_mac_len;
	out->res_len = 8;
	out->ck_len = 16;
	out->ik_len = 16;
	return ++fake_calls == fake_fail_at ? MCIM_ERR_CRYPTO : MCIM_OK;
}

static const struct mcim_aka_alg fake_alg = {
    .id = 99,
    .name = "fake",
    .check = fake_check,
    .prepare = fake_prepare,
    .compute = fake_compute,
};

static void faulty_algorithm(void **state)
{
	static const uint8_t lens[] = {7, 33};
	uint8_t rand[16] = {0}, autn[MCIM_AKA_AUTN_MAX] = {0};
	struct mcim_auth_vector av;
	struct mcim_auth_5g_vector av5;
	struct mcim_auth_usim_out out;
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_he he, he0;
	struct mcim_sqn_ms ms, ms0;
	struct test_rng rng;

	(void)state;
	memset(&kc, 0, sizeof(kc));
	kc.alg = &fake_alg;
	mcim_sqn_cfg_default(&cfg);
	assert_int_equal(mcim_sqn_he_init(&cfg, &he, 0), MCIM_OK);
	mcim_sqn_ms_init(&ms);
	he0 = he;
	ms0 = ms;
	rng_init(&rng, 1);

	/* Each computation in turn fails: generation (f1..f5), the USIM's f2..f5, its
	 * f1, its AUTS (f1*, f5*), and the AuC's f5* and f1* in resynchronisation. */
	fake_mac_len = 8;
	fake_calls = 0;
	fake_fail_at = 1;
	assert_int_equal(mcim_auth_generate(&kc, &cfg, &he, amf_eps, &rng.rng, &av),
			 MCIM_ERR_CRYPTO);
	fake_calls = 0;
	assert_int_equal(
	    mcim_auth_generate_5g(&kc, &cfg, &he, amf_eps, &rng.rng, "5G:x", 4, &av5),
	    MCIM_ERR_CRYPTO);
	for (int at = 1; at <= 3; at++) {
		fake_calls = 0;
		fake_fail_at = at;
		memset(&out, 0x5a, sizeof(out));
		assert_int_equal(mcim_auth_usim(&kc, &cfg, &ms, rand, autn, 16, &out),
				 MCIM_ERR_CRYPTO);
		assert_int_equal(out.auts_len, 0);
	}
	for (int at = 1; at <= 2; at++) {
		fake_calls = 0;
		fake_fail_at = at;
		assert_int_equal(
		    mcim_auth_resync(&kc, &cfg, &he, rand, autn, 14, NULL, NULL),
		    MCIM_ERR_CRYPTO);
	}
	assert_memory_equal(&he, &he0, sizeof(he));
	assert_memory_equal(&ms, &ms0, sizeof(ms));
	fake_fail_at = 0;

	/* MAC lengths outside 8..32 octets are the set's bug, reported as internal. */
	for (size_t i = 0; i < sizeof(lens); i++) {
		fake_mac_len = lens[i];
		assert_int_equal(
		    mcim_auth_generate(&kc, &cfg, &he, amf_eps, &rng.rng, &av),
		    MCIM_ERR_INTERNAL);
		assert_int_equal(mcim_auth_usim(&kc, &cfg, &ms, rand, autn, 16, &out),
				 MCIM_ERR_INTERNAL);
		assert_int_equal(
		    mcim_auth_resync(&kc, &cfg, &he, rand, autn, 14, NULL, NULL),
		    MCIM_ERR_INTERNAL);
	}
	assert_memory_equal(&he, &he0, sizeof(he));

	/* All-zero outputs: an AUTN of zeros carries the right MAC and SQN 0, which is
	 * never fresh, so the answer is an AUTS. */
	fake_mac_len = 8;
	assert_int_equal(mcim_auth_usim(&kc, &cfg, &ms, rand, autn, 16, &out),
			 MCIM_ERR_SYNC_FAILURE);
	assert_int_equal(out.auts_len, 14);
	ms.seq[40] = 1; /* a slot beyond 2^5 in use: corrupted state */
	assert_int_equal(mcim_auth_usim(&kc, &cfg, &ms, rand, autn, 16, &out),
			 MCIM_ERR_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trips),
	    cmocka_unit_test(replay_and_resync),
	    cmocka_unit_test(resync_after_lost_state),
	    cmocka_unit_test(modified_autn),
	    cmocka_unit_test(modified_auts),
	    cmocka_unit_test(batch_equals_singles),
	    cmocka_unit_test(batch_all_or_nothing),
	    cmocka_unit_test(vectors_5g),
	    cmocka_unit_test(resync_json),
	    cmocka_unit_test(faulty_algorithm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
