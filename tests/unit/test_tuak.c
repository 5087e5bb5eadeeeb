/*
 * TUAK (TS 35.231) against the official test sets of TS 35.232/35.233, read from
 * tuak.json at run time: TOPc from TOP, then f1, f1*, f2, f3, f4, f5, f5* asked for all
 * at once (one multi-way Keccak pass) and one by one, with 128- and 256-bit K and the
 * sets' output lengths (R-MCIM-C03: the algorithm and its customisation; R-PRC-601,
 * T-03: MILENAGE to TUAK, 128 to 256-bit keys). Beside them, an octet-level model of
 * clause 6 built on the public Keccak-f[1600] (checked first against the official
 * sets) gives the expected outputs for every output length the spec allows and for
 * two Keccak iterations. Parameter validation, and which output fields each function
 * writes. Every path gives the same bytes: the official sets again with the portable
 * Keccak forced, and random credentials, lengths, iteration counts and inputs through
 * the CPU's path against the forced portable one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aka/keccak.h"
#include "mcim/aka.h"
#include "tool/vecfile.h"
#include "vectors_env.h"

struct tk_set {
	uint8_t k[32], top[32], topc[32], rand[16], sqn[6], amf[2];
	size_t k_len;
	struct mcim_tuak_params params;
	uint8_t f1[32], f1star[32], f2[32], f3[32], f4[32], f5[6], f5star[6];
};

static const unsigned all_fns =
    MCIM_AKA_F1 | MCIM_AKA_F1STAR | MCIM_AKA_F2345 | MCIM_AKA_F5STAR;

static uint16_t load_bits(struct vecfile *vf, size_t i, const char *field)
{
	unsigned long v;

	assert_int_equal(vecfile_uint(vf, i, field, 256, &v), MCIM_OK);
	return (uint16_t)v;
}

static void load_set(struct vecfile *vf, size_t i, struct tk_set *s)
{
	unsigned long iters;
	struct mcim_tuak_params *p = &s->params;

	memset(s, 0, sizeof(*s));
	assert_int_equal(vecfile_hex_var(vf, i, "k", s->k, 32, &s->k_len), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "top", s->top, 32), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "topc", s->topc, 32), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "rand", s->rand, 16), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "sqn", s->sqn, 6), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "amf", s->amf, 2), MCIM_OK);
	assert_int_equal(vecfile_uint(vf, i, "keccak_iterations", 255, &iters), MCIM_OK);
	p->keccak_iterations = (uint8_t)iters;
	p->mac_bits = load_bits(vf, i, "mac_len_bits");
	p->res_bits = load_bits(vf, i, "res_len_bits");
	p->ck_bits = load_bits(vf, i, "ck_len_bits");
	p->ik_bits = load_bits(vf, i, "ik_len_bits");
	assert_int_equal(vecfile_hex(vf, i, "f1", s->f1, p->mac_bits / 8u), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "f1star", s->f1star, p->mac_bits / 8u),
			 MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "f2", s->f2, p->res_bits / 8u), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "f3", s->f3, p->ck_bits / 8u), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "f4", s->f4, p->ik_bits / 8u), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "f5", s->f5, 6), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "f5star", s->f5star, 6), MCIM_OK);
}

static size_t open_sets(struct vecfile *vf)
{
	char path[4096];

	assert_int_equal(vecfile_open(vf, vectors_path("tuak.json", path, sizeof(path))),
			 MCIM_OK);
	assert_string_equal(vf->algorithm, "tuak");
	assert_true(vf->nsets >= 4);
	return vf->nsets;
}

static void cred_from(struct mcim_aka_cred *cred, const struct tk_set *s)
{
	memset(cred, 0, sizeof(*cred));
	cred->alg = MCIM_AKA_TUAK;
	cred->k_len = (uint8_t)s->k_len;
	memcpy(cred->k, s->k, s->k_len);
	memcpy(cred->opc, s->topc, 32);
	cred->params.tuak = s->params;
}

static void check_fns(const struct tk_set *s, const struct mcim_aka_keyctx *kc,
		      unsigned fns)
{
	const struct mcim_tuak_params *p = &s->params;
	struct mcim_aka_out out;

	memset(&out, 0xee, sizeof(out));
	assert_int_equal(mcim_aka_compute(kc, fns, s->rand, s->sqn, s->amf, &out),
			 MCIM_OK);
	assert_int_equal(out.mac_len, p->mac_bits / 8);
	assert_int_equal(out.res_len, p->res_bits / 8);
	assert_int_equal(out.ck_len, p->ck_bits / 8);
	assert_int_equal(out.ik_len, p->ik_bits / 8);
	if (fns & MCIM_AKA_F1)
		assert_memory_equal(out.mac_a, s->f1, out.mac_len);
	if (fns & MCIM_AKA_F1STAR)
		assert_memory_equal(out.mac_s, s->f1star, out.mac_len);
	if (fns & MCIM_AKA_F2345) {
		assert_memory_equal(out.res, s->f2, out.res_len);
		assert_memory_equal(out.ck, s->f3, out.ck_len);
		assert_memory_equal(out.ik, s->f4, out.ik_len);
		assert_memory_equal(out.ak, s->f5, 6);
	}
	if (fns & MCIM_AKA_F5STAR)
		assert_memory_equal(out.ak_s, s->f5star, 6);
	mcim_aka_out_wipe(&out);
}

static void official_sets(void **state)
{
	static const unsigned fn_sets[] = {
	    MCIM_AKA_F1 | MCIM_AKA_F1STAR | MCIM_AKA_F2345 | MCIM_AKA_F5STAR,
	    MCIM_AKA_F1,
	    MCIM_AKA_F1STAR,
	    MCIM_AKA_F2345,
	    MCIM_AKA_F5STAR,
	    MCIM_AKA_F1 | MCIM_AKA_F2345,      /* an authentication vector */
	    MCIM_AKA_F1STAR | MCIM_AKA_F5STAR, /* resynchronisation */
	    MCIM_AKA_F1 | MCIM_AKA_F1STAR | MCIM_AKA_F2345,
	};
	struct vecfile vf;
	struct tk_set s;

	(void)state;
	for (size_t i = 0, n = open_sets(&vf); i < n; i++) {
		struct mcim_aka_cred cred;
		struct mcim_aka_keyctx kc;
		uint8_t topc[32];

		load_set(&vf, i, &s);
		assert_int_equal(
		    mcim_tuak_topc(s.k, s.k_len, s.top, s.params.keccak_iterations, topc),
		    MCIM_OK);
		assert_memory_equal(topc, s.topc, 32);
		cred_from(&cred, &s);
		assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_OK);
		assert_ptr_equal(kc.alg, mcim_aka_alg_find(MCIM_AKA_TUAK));
		for (size_t f = 0; f < sizeof(fn_sets) / sizeof(fn_sets[0]); f++)
			check_fns(&s, &kc, fn_sets[f]);
		mcim_aka_keyctx_wipe(&kc);
		mcim_aka_cred_wipe(&cred);
	}
	vecfile_close(&vf);
}

/*
 * The model: INOUT of clause 6 octet by octet. Each field is written last octet
 * first; INSTANCE names the function and lengths; padding 0x1f at 96, 0x80 at 135.
 */
struct model_in {
	const uint8_t *topc, *k, *rand, *sqn, *amf; /* sqn and amf NULL but for f1/f1* */
	size_t k_len;
	uint8_t instance;
	unsigned iterations;
};

static void put_reversed(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[n - 1 - i];
}

static void model_run(const struct model_in *m, uint8_t inout[200])
{
	static const uint8_t algoname[7] = {'T', 'U', 'A', 'K', '1', '.', '0'};

	memset(inout, 0, 200);
	put_reversed(inout, m->topc, 32);
	inout[32] = m->instance;
	put_reversed(inout + 33, algoname, 7);
	if (m->rand != NULL)
		put_reversed(inout + 40, m->rand, 16);
	if (m->amf != NULL)
		put_reversed(inout + 56, m->amf, 2);
	if (m->sqn != NULL)
		put_reversed(inout + 58, m->sqn, 6);
	put_reversed(inout + 64, m->k, m->k_len);
	inout[96] = 0x1f;
	inout[135] = 0x80;
	for (unsigned i = 0; i < m->iterations; i++)
		mcim_tuak_keccak_f1600(inout);
}

static uint8_t model_len_code(unsigned bits)
{
	return bits == 64 ? 0x08 : bits == 128 ? 0x10 : bits == 256 ? 0x20 : 0x00;
}

/* Expected outputs of every function from the model, as compute() reports them. */
static void model_outputs(const struct mcim_aka_cred *cred, const uint8_t rand[16],
			  const uint8_t sqn[6], const uint8_t amf[2],
			  struct mcim_aka_out *exp)
{
	const struct mcim_tuak_params *p = &cred->params.tuak;
	uint8_t k256 = cred->k_len == 32 ? 0x01 : 0x00;
	struct model_in m = {cred->opc, cred->k,     rand, sqn,
			     amf,	cred->k_len, 0,	   p->keccak_iterations};
	uint8_t io[200];

	memset(exp, 0, sizeof(*exp));
	exp->mac_len = (uint8_t)(p->mac_bits / 8);
	exp->res_len = (uint8_t)(p->res_bits / 8);
	exp->ck_len = (uint8_t)(p->ck_bits / 8);
	exp->ik_len = (uint8_t)(p->ik_bits / 8);

	m.instance = (uint8_t)(model_len_code(p->mac_bits) | k256);
	model_run(&m, io);
	put_reversed(exp->mac_a, io, exp->mac_len);
	m.instance |= 0x80;
	model_run(&m, io);
	put_reversed(exp->mac_s, io, exp->mac_len);

	m.sqn = m.amf = NULL;
	m.instance = (uint8_t)(0x40 | model_len_code(p->res_bits) |
			       (p->ck_bits == 256 ? 0x04 : 0) |
			       (p->ik_bits == 256 ? 0x02 : 0) | k256);
	model_run(&m, io);
	put_reversed(exp->res, io, exp->res_len);
	put_reversed(exp->ck, io + 32, exp->ck_len);
	put_reversed(exp->ik, io + 64, exp->ik_len);
	put_reversed(exp->ak, io + 96, 6);
	m.instance = (uint8_t)(0xc0 | k256);
	model_run(&m, io);
	put_reversed(exp->ak_s, io + 96, 6);
}

static void assert_out_equal(const struct mcim_aka_out *a, const struct mcim_aka_out *b)
{
	assert_int_equal(a->mac_len, b->mac_len);
	assert_int_equal(a->res_len, b->res_len);
	assert_int_equal(a->ck_len, b->ck_len);
	assert_int_equal(a->ik_len, b->ik_len);
	assert_memory_equal(a->mac_a, b->mac_a, a->mac_len);
	assert_memory_equal(a->mac_s, b->mac_s, a->mac_len);
	assert_memory_equal(a->res, b->res, a->res_len);
	assert_memory_equal(a->ck, b->ck, a->ck_len);
	assert_memory_equal(a->ik, b->ik, a->ik_len);
	assert_memory_equal(a->ak, b->ak, 6);
	assert_memory_equal(a->ak_s, b->ak_s, 6);
}

/* compute() with all functions at once and one by one, both equal to the model. */
static void check_against_model(const struct mcim_aka_cred *cred, const uint8_t rand[16],
				const uint8_t sqn[6], const uint8_t amf[2])
{
	static const unsigned one[] = {MCIM_AKA_F1, MCIM_AKA_F1STAR, MCIM_AKA_F2345,
				       MCIM_AKA_F5STAR};
	struct mcim_aka_keyctx kc;
	struct mcim_aka_out exp, all, each;

	model_outputs(cred, rand, sqn, amf, &exp);
	assert_int_equal(mcim_aka_prepare(&kc, cred), MCIM_OK);
	memset(&all, 0, sizeof(all));
	memset(&each, 0, sizeof(each));
	assert_int_equal(mcim_aka_compute(&kc, all_fns, rand, sqn, amf, &all), MCIM_OK);
	for (size_t f = 0; f < 4; f++)
		assert_int_equal(mcim_aka_compute(&kc, one[f], rand, sqn, amf, &each),
				 MCIM_OK);
	assert_out_equal(&all, &exp);
	assert_out_equal(&each, &exp);
	mcim_aka_keyctx_wipe(&kc);
}

/* The model reproduces the official sets, so it may stand in where they are silent. */
static void model_matches_official_sets(void **state)
{
	struct vecfile vf;
	struct tk_set s;

	(void)state;
	for (size_t i = 0, n = open_sets(&vf); i < n; i++) {
		struct mcim_aka_cred cred;
		struct mcim_aka_out exp;
		struct model_in m = {s.top, s.k, NULL, NULL, NULL, 0, 0, 1};
		uint8_t io[200], topc[32];

		load_set(&vf, i, &s);
		cred_from(&cred, &s);
		model_outputs(&cred, s.rand, s.sqn, s.amf, &exp);
		assert_memory_equal(exp.mac_a, s.f1, exp.mac_len);
		assert_memory_equal(exp.mac_s, s.f1star, exp.mac_len);
		assert_memory_equal(exp.res, s.f2, exp.res_len);
		assert_memory_equal(exp.ck, s.f3, exp.ck_len);
		assert_memory_equal(exp.ik, s.f4, exp.ik_len);
		assert_memory_equal(exp.ak, s.f5, 6);
		assert_memory_equal(exp.ak_s, s.f5star, 6);
		m.k_len = s.k_len;
		m.instance = s.k_len == 32 ? 0x01 : 0x00;
		m.iterations = s.params.keccak_iterations;
		model_run(&m, io);
		put_reversed(topc, io, 32);
		assert_memory_equal(topc, s.topc, 32);
		mcim_aka_cred_wipe(&cred);
	}
	vecfile_close(&vf);
}

/* Every combination of lengths the spec allows (clause 5.1), with either K length. */
static void all_lengths(void **state)
{
	static const uint16_t macs[] = {64, 128, 256}, ress[] = {32, 64, 128, 256};
	static const uint16_t keys[] = {128, 256};
	struct vecfile vf;
	struct tk_set s;
	struct mcim_aka_cred cred;

	(void)state;
	open_sets(&vf);
	load_set(&vf, 1, &s); /* a 256-bit K */
	vecfile_close(&vf);
	cred_from(&cred, &s);
	for (size_t kl = 0; kl < 2; kl++) {
		cred.k_len = kl == 0 ? 16 : 32;
		for (size_t a = 0; a < 3; a++)
			for (size_t r = 0; r < 4; r++)
				for (size_t c = 0; c < 2; c++)
					for (size_t i = 0; i < 2; i++) {
						struct mcim_tuak_params *p =
						    &cred.params.tuak;

						p->mac_bits = macs[a];
						p->res_bits = ress[r];
						p->ck_bits = keys[c];
						p->ik_bits = keys[i];
						check_against_model(&cred, s.rand, s.sqn,
								    s.amf);
					}
	}
	mcim_aka_cred_wipe(&cred);
}

/*
 * keccak_iterations is an operator parameter: 2 changes every output and TOPc, and
 * the outputs are those of the model (the portable permutation applied twice), so the
 * multi-way pass agrees with it whichever implementation this CPU selects.
 */
static void keccak_iterations(void **state)
{
	struct vecfile vf;
	struct tk_set s;

	(void)state;
	for (size_t i = 0, n = open_sets(&vf); i < n; i++) {
		struct mcim_aka_cred cred;
		struct mcim_aka_keyctx kc;
		struct mcim_aka_out one, two;
		uint8_t topc1[32], topc2[32];

		load_set(&vf, i, &s);
		assert_int_equal(s.params.keccak_iterations, 1);
		cred_from(&cred, &s);
		assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_OK);
		assert_int_equal(
		    mcim_aka_compute(&kc, all_fns, s.rand, s.sqn, s.amf, &one), MCIM_OK);
		cred.params.tuak.keccak_iterations = 2;
		assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_OK);
		assert_int_equal(
		    mcim_aka_compute(&kc, all_fns, s.rand, s.sqn, s.amf, &two), MCIM_OK);
		assert_memory_not_equal(one.mac_a, two.mac_a, one.mac_len);
		assert_memory_not_equal(one.mac_s, two.mac_s, one.mac_len);
		assert_memory_not_equal(one.res, two.res, one.res_len);
		assert_memory_not_equal(one.ck, two.ck, one.ck_len);
		assert_memory_not_equal(one.ik, two.ik, one.ik_len);
		assert_memory_not_equal(one.ak, two.ak, 6);
		assert_memory_not_equal(one.ak_s, two.ak_s, 6);
		check_against_model(&cred, s.rand, s.sqn, s.amf);
		cred.params.tuak.keccak_iterations = 255;
		check_against_model(&cred, s.rand, s.sqn, s.amf);

		assert_int_equal(mcim_tuak_topc(s.k, s.k_len, s.top, 1, topc1), MCIM_OK);
		assert_int_equal(mcim_tuak_topc(s.k, s.k_len, s.top, 2, topc2), MCIM_OK);
		assert_memory_equal(topc1, s.topc, 32);
		assert_memory_not_equal(topc1, topc2, 32);
		mcim_aka_keyctx_wipe(&kc);
		mcim_aka_cred_wipe(&cred);
	}
	vecfile_close(&vf);
}

static void topc_rejects(void **state)
{
	static const size_t bad_k[] = {0, 1, 15, 17, 24, 31, 33, 64};
	uint8_t k[64] = {0}, top[32] = {0}, topc[32];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_k) / sizeof(bad_k[0]); i++) {
		memset(topc, 0xa5, sizeof(topc));
		assert_int_equal(mcim_tuak_topc(k, bad_k[i], top, 1, topc),
				 MCIM_ERR_INVALID_ARG);
		for (size_t j = 0; j < 32; j++)
			assert_int_equal(topc[j], 0xa5);
	}
	assert_int_equal(mcim_tuak_topc(k, 16, top, 0, topc), MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_tuak_topc(k, 32, top, 256, topc), MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_tuak_topc(k, 32, top, 255, topc), MCIM_OK);
}

/* check() through mcim_aka_prepare(): each length the spec does not allow, one by one. */
static void check_rejects(void **state)
{
	static const uint16_t bad_mac[] = {0, 8, 32, 63, 96, 192, 255, 512};
	static const uint16_t bad_res[] = {0, 8, 16, 48, 96, 192, 255, 512};
	static const uint16_t bad_key[] = {0, 64, 127, 129, 192, 255, 257, 512};
	static const uint8_t bad_klen[] = {0, 8, 15, 17, 24, 31, 33, 255};
	struct mcim_aka_cred good, cred;
	struct mcim_aka_keyctx kc;

	(void)state;
	memset(&good, 0, sizeof(good));
	good.alg = MCIM_AKA_TUAK;
	good.k_len = 16;
	mcim_tuak_default_params(&good.params.tuak);
	assert_int_equal(mcim_aka_prepare(&kc, &good), MCIM_OK);
	for (size_t i = 0; i < 8; i++) {
		cred = good;
		cred.params.tuak.mac_bits = bad_mac[i];
		assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_ERR_INVALID_ARG);
		cred = good;
		cred.params.tuak.res_bits = bad_res[i];
		assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_ERR_INVALID_ARG);
		cred = good;
		cred.params.tuak.ck_bits = bad_key[i];
		assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_ERR_INVALID_ARG);
		cred = good;
		cred.params.tuak.ik_bits = bad_key[i];
		assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_ERR_INVALID_ARG);
		cred = good;
		cred.k_len = bad_klen[i];
		assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_ERR_INVALID_ARG);
	}
	cred = good;
	cred.params.tuak.keccak_iterations = 0;
	assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_ERR_INVALID_ARG);
	cred.params.tuak.keccak_iterations = 255;
	assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_OK);
	mcim_aka_keyctx_wipe(&kc);
}

static void defaults_and_lookup(void **state)
{
	struct mcim_tuak_params p;
	const struct mcim_aka_alg *alg;

	(void)state;
	memset(&p, 0xff, sizeof(p));
	mcim_tuak_default_params(&p);
	assert_int_equal(p.keccak_iterations, 1);
	assert_int_equal(p.mac_bits, 64);
	assert_int_equal(p.res_bits, 64);
	assert_int_equal(p.ck_bits, 128);
	assert_int_equal(p.ik_bits, 128);
	alg = mcim_aka_alg_by_name("tuak");
	assert_non_null(alg);
	assert_ptr_equal(alg, mcim_aka_alg_find(MCIM_AKA_TUAK));
	assert_int_equal(alg->id, MCIM_AKA_TUAK);
	assert_string_equal(alg->name, "tuak");
}

static int all_ee(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xee)
			return 0;
	return 1;
}

/*
 * Each function writes its own outputs, only the octets of its lengths, and the four
 * lengths: an AuC asking for MAC-A alone finds RES/CK/IK/AK as they were.
 */
static void untouched_outputs(void **state)
{
	struct vecfile vf;
	struct tk_set s;
	struct mcim_aka_cred cred;
	struct mcim_aka_keyctx kc;
	struct mcim_aka_out out;

	(void)state;
	open_sets(&vf);
	load_set(&vf, 0, &s); /* MAC 64, RES 32, CK and IK 128 */
	vecfile_close(&vf);
	cred_from(&cred, &s);
	assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_OK);

	memset(&out, 0xee, sizeof(out));
	assert_int_equal(mcim_aka_compute(&kc, MCIM_AKA_F1, s.rand, s.sqn, s.amf, &out),
			 MCIM_OK);
	assert_memory_equal(out.mac_a, s.f1, 8);
	assert_true(all_ee(out.mac_a + 8, sizeof(out.mac_a) - 8));
	assert_true(all_ee(out.mac_s, sizeof(out.mac_s)));
	assert_true(all_ee(out.res, sizeof(out.res)));
	assert_true(all_ee(out.ck, sizeof(out.ck)));
	assert_true(all_ee(out.ik, sizeof(out.ik)));
	assert_true(all_ee(out.ak, sizeof(out.ak)));
	assert_true(all_ee(out.ak_s, sizeof(out.ak_s)));
	assert_int_equal(out.mac_len, 8);
	assert_int_equal(out.res_len, 4);
	assert_int_equal(out.ck_len, 16);
	assert_int_equal(out.ik_len, 16);

	memset(&out, 0xee, sizeof(out));
	assert_int_equal(mcim_aka_compute(&kc, MCIM_AKA_F2345, s.rand, NULL, NULL, &out),
			 MCIM_OK);
	assert_memory_equal(out.res, s.f2, 4);
	assert_true(all_ee(out.res + 4, sizeof(out.res) - 4));
	assert_true(all_ee(out.ck + 16, sizeof(out.ck) - 16));
	assert_true(all_ee(out.ik + 16, sizeof(out.ik) - 16));
	assert_true(all_ee(out.mac_a, sizeof(out.mac_a)));
	assert_true(all_ee(out.mac_s, sizeof(out.mac_s)));
	assert_true(all_ee(out.ak_s, sizeof(out.ak_s)));

	memset(&out, 0xee, sizeof(out));
	assert_int_equal(mcim_aka_compute(&kc, MCIM_AKA_F5STAR, s.rand, NULL, NULL, &out),
			 MCIM_OK);
	assert_memory_equal(out.ak_s, s.f5star, 6);
	assert_true(all_ee(out.mac_a, sizeof(out.mac_a)));
	assert_true(all_ee(out.res, sizeof(out.res)));
	assert_true(all_ee(out.ak, sizeof(out.ak)));

	/* No function: only the lengths. */
	memset(&out, 0xee, sizeof(out));
	assert_int_equal(mcim_aka_compute(&kc, 0, s.rand, NULL, NULL, &out), MCIM_OK);
	assert_true(
	    all_ee((const uint8_t *)&out, offsetof(struct mcim_aka_out, mac_len)));
	assert_int_equal(out.mac_len, 8);
	mcim_aka_keyctx_wipe(&kc);
	mcim_aka_cred_wipe(&cred);
}

/* The official sets once more with the portable permutation under every caller. */
static void official_sets_portable(void **state)
{
	aka_keccak_force_portable(1);
	assert_int_equal(aka_keccak_impl_for(2), AKA_KECCAK_PORTABLE);
	official_sets(state);
	aka_keccak_force_portable(0);
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void random_octets(uint8_t *b, size_t n, uint64_t *seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)xorshift(seed);
}

/* compute() and TOPc on this CPU's path and on the forced portable path. */
static void paths_agree_random(void **state)
{
	static const uint16_t macs[] = {64, 128, 256}, ress[] = {32, 64, 128, 256};
	static const uint16_t keys[] = {128, 256};
	static const unsigned fn_sets[] = {
	    MCIM_AKA_F1 | MCIM_AKA_F1STAR | MCIM_AKA_F2345 | MCIM_AKA_F5STAR,
	    MCIM_AKA_F1 | MCIM_AKA_F2345,
	    MCIM_AKA_F1STAR | MCIM_AKA_F5STAR,
	    MCIM_AKA_F1 | MCIM_AKA_F1STAR | MCIM_AKA_F2345,
	    MCIM_AKA_F2345,
	    MCIM_AKA_F1,
	};
	uint64_t seed = 0x5deece66du;

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct mcim_aka_cred cred;
		struct mcim_aka_keyctx kc;
		struct mcim_aka_out cpu, c;
		struct mcim_tuak_params *p = &cred.params.tuak;
		uint8_t rand[16], sqn[6], amf[2], top[32], topc_cpu[32], topc_c[32];
		unsigned fns = fn_sets[round % 6];

		memset(&cred, 0, sizeof(cred));
		cred.alg = MCIM_AKA_TUAK;
		cred.k_len = (uint8_t)(round % 2 ? 32 : 16);
		random_octets(cred.k, sizeof(cred.k), &seed);
		random_octets(cred.opc, sizeof(cred.opc), &seed);
		random_octets(rand, sizeof(rand), &seed);
		random_octets(sqn, sizeof(sqn), &seed);
		random_octets(amf, sizeof(amf), &seed);
		random_octets(top, sizeof(top), &seed);
		p->mac_bits = macs[xorshift(&seed) % 3];
		p->res_bits = ress[xorshift(&seed) % 4];
		p->ck_bits = keys[xorshift(&seed) % 2];
		p->ik_bits = keys[xorshift(&seed) % 2];
		p->keccak_iterations = (uint8_t)(1 + round % 3);
		memset(&cpu, 0, sizeof(cpu));
		memset(&c, 0, sizeof(c));
		assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_OK);
		assert_int_equal(mcim_aka_compute(&kc, fns, rand, sqn, amf, &cpu),
				 MCIM_OK);
		assert_int_equal(mcim_tuak_topc(cred.k, cred.k_len, top,
						p->keccak_iterations, topc_cpu),
				 MCIM_OK);
		aka_keccak_force_portable(1);
		assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_OK);
		assert_int_equal(mcim_aka_compute(&kc, fns, rand, sqn, amf, &c), MCIM_OK);
		assert_int_equal(
		    mcim_tuak_topc(cred.k, cred.k_len, top, p->keccak_iterations, topc_c),
		    MCIM_OK);
		aka_keccak_force_portable(0);
		assert_memory_equal(&cpu, &c, sizeof(cpu));
		assert_memory_equal(topc_cpu, topc_c, sizeof(topc_c));
		mcim_aka_keyctx_wipe(&kc);
		mcim_aka_cred_wipe(&cred);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(official_sets),
	    cmocka_unit_test(official_sets_portable),
	    cmocka_unit_test(paths_agree_random),
	    cmocka_unit_test(model_matches_official_sets),
	    cmocka_unit_test(all_lengths),
	    cmocka_unit_test(keccak_iterations),
	    cmocka_unit_test(topc_rejects),
	    cmocka_unit_test(check_rejects),
	    cmocka_unit_test(defaults_and_lookup),
	    cmocka_unit_test(untouched_outputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
