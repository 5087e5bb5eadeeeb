/*
 * MILENAGE against every set of the official test data (TS 35.207 implementers'
 * sets, TS 35.208 conformance sets), read from milenage.json at run time: OPc from OP,
 * then f1, f1*, f2, f3, f4, f5, f5*, asked for all at once and one by one. Also the
 * customisable constants (R-MCIM-C03): other r/c values give other outputs, and the
 * defaults written out by hand give the spec's outputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mcim/aka.h"
#include "tool/vecfile.h"
#include "vectors_env.h"

struct ms_set {
	uint8_t k[16], rand[16], sqn[6], amf[2], op[16], opc[16];
	uint8_t f1[8], f1star[8], f2[8], f3[16], f4[16], f5[6], f5star[6];
};

static void load_set(struct vecfile *vf, size_t i, struct ms_set *s)
{
	assert_int_equal(vecfile_hex(vf, i, "k", s->k, 16), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "rand", s->rand, 16), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "sqn", s->sqn, 6), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "amf", s->amf, 2), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "op", s->op, 16), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "opc", s->opc, 16), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "f1", s->f1, 8), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "f1star", s->f1star, 8), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "f2", s->f2, 8), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "f3", s->f3, 16), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "f4", s->f4, 16), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "f5", s->f5, 6), MCIM_OK);
	assert_int_equal(vecfile_hex(vf, i, "f5star", s->f5star, 6), MCIM_OK);
}

static void cred_from(struct mcim_aka_cred *cred, const struct ms_set *s)
{
	memset(cred, 0, sizeof(*cred));
	cred->alg = MCIM_AKA_MILENAGE;
	cred->k_len = 16;
	memcpy(cred->k, s->k, 16);
	memcpy(cred->opc, s->opc, 16);
	mcim_milenage_default_consts(&cred->params.milenage);
}

static void check_all(const struct ms_set *s, const struct mcim_aka_keyctx *kc,
		      unsigned fns)
{
	struct mcim_aka_out out;

	memset(&out, 0xee, sizeof(out));
	assert_int_equal(mcim_aka_compute(kc, fns, s->rand, s->sqn, s->amf, &out),
			 MCIM_OK);
	assert_int_equal(out.mac_len, 8);
	assert_int_equal(out.res_len, 8);
	if (fns & MCIM_AKA_F1)
		assert_memory_equal(out.mac_a, s->f1, 8);
	if (fns & MCIM_AKA_F1STAR)
		assert_memory_equal(out.mac_s, s->f1star, 8);
	if (fns & MCIM_AKA_F2345) {
		assert_memory_equal(out.res, s->f2, 8);
		assert_memory_equal(out.ck, s->f3, 16);
		assert_memory_equal(out.ik, s->f4, 16);
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
	    MCIM_AKA_F2345 | MCIM_AKA_F5STAR,
	};
	char path[4096];
	struct vecfile vf;
	struct ms_set s;

	(void)state;
	assert_int_equal(
	    vecfile_open(&vf, vectors_path("milenage.json", path, sizeof(path))),
	    MCIM_OK);
	assert_string_equal(vf.algorithm, "milenage");
	assert_true(vf.nsets >= 16);
	for (size_t i = 0; i < vf.nsets; i++) {
		struct mcim_aka_cred cred;
		struct mcim_aka_keyctx kc;
		uint8_t opc[16];

		load_set(&vf, i, &s);
		assert_int_equal(mcim_milenage_opc(s.k, s.op, opc), MCIM_OK);
		assert_memory_equal(opc, s.opc, 16);
		cred_from(&cred, &s);
		assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_OK);
		for (size_t f = 0; f < sizeof(fn_sets) / sizeof(fn_sets[0]); f++)
			check_all(&s, &kc, fn_sets[f]);
		mcim_aka_keyctx_wipe(&kc);
		mcim_aka_cred_wipe(&cred);
	}
	vecfile_close(&vf);
}

/* Operators customise r and c (TS 35.206 4.1); the outputs must follow them. */
static void custom_constants(void **state)
{
	char path[4096];
	struct vecfile vf;
	struct ms_set s;
	struct mcim_aka_cred cred;
	struct mcim_aka_keyctx kc;
	struct mcim_aka_out def, alt;

	(void)state;
	assert_int_equal(
	    vecfile_open(&vf, vectors_path("milenage.json", path, sizeof(path))),
	    MCIM_OK);
	load_set(&vf, 0, &s);
	vecfile_close(&vf);
	cred_from(&cred, &s);
	assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_OK);
	assert_int_equal(mcim_aka_compute(&kc, MCIM_AKA_F1 | MCIM_AKA_F2345, s.rand,
					  s.sqn, s.amf, &def),
			 MCIM_OK);
	/* A rotation that is not a whole number of octets, and another c3. */
	cred.params.milenage.r[0] = 63;
	cred.params.milenage.c[2][0] = 0x5a;
	assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_OK);
	assert_int_equal(mcim_aka_compute(&kc, MCIM_AKA_F1 | MCIM_AKA_F2345, s.rand,
					  s.sqn, s.amf, &alt),
			 MCIM_OK);
	assert_memory_not_equal(def.mac_a, alt.mac_a, 8);
	assert_memory_not_equal(def.ck, alt.ck, 16);
	assert_memory_equal(def.ik, alt.ik, 16); /* r4/c4 unchanged */
	assert_memory_equal(def.res, alt.res, 8);
	/* r of 128 or more is not a rotation the spec allows. */
	cred.params.milenage.r[0] = 128;
	assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_ERR_INVALID_ARG);
	cred.params.milenage.r[0] = 64;
	cred.k_len = 32;
	assert_int_equal(mcim_aka_prepare(&kc, &cred), MCIM_ERR_INVALID_ARG);
	mcim_aka_keyctx_wipe(&kc);
	mcim_aka_cred_wipe(&cred);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(official_sets),
	    cmocka_unit_test(custom_constants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
