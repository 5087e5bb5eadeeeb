/*
 * The 3GPP KDF and the keys built on it (R-NET-S02: both sides derive the same keys).
 * The generic KDF runs every set of kdf.json (read at run time), and is checked once
 * more against HMAC-SHA-256 over an S string assembled octet by octet. KASME, RES*,
 * KAUSF, KSEAF are checked against the generic KDF with FC and parameters written
 * out here from TS 33.401 A.2 and TS 33.501 A.2/A.4/A.6; HXRES* against SHA-256
 * (A.5) from mcim/crypto.h. PLMN identities and serving network names are written
 * out by hand from TS 24.008 10.5.1.13 and TS 23.003/24.501, 2- and 3-digit MNCs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mcim/kdf.h"
#include "tool/vecfile.h"
#include "vectors_env.h"

static void kdf_json(void **state)
{
	char path[4096], name[64];
	struct vecfile vf;

	(void)state;
	assert_int_equal(vecfile_open(&vf, vectors_path("kdf.json", path, sizeof(path))),
			 MCIM_OK);
	assert_string_equal(vf.algorithm, "kdf");
	assert_true(vf.nsets >= 1);
	for (size_t s = 0; s < vf.nsets; s++) {
		uint8_t fc, key[256], pbuf[MCIM_KDF_PARAMS_MAX][512], want[32], out[32];
		struct mcim_iov p[MCIM_KDF_PARAMS_MAX];
		size_t key_len, fc_len, want_len, np;

		vecfile_set_name(&vf, s, name, sizeof(name));
		assert_int_equal(vecfile_hex_var(&vf, s, "fc", &fc, 1, &fc_len), MCIM_OK);
		assert_int_equal(
		    vecfile_hex_var(&vf, s, "key", key, sizeof(key), &key_len), MCIM_OK);
		assert_int_equal(
		    vecfile_hex_var(&vf, s, "out", want, sizeof(want), &want_len),
		    MCIM_OK);
		assert_int_equal(vecfile_hex_item(&vf, s, "p", 0, NULL, 0, NULL, &np),
				 MCIM_OK);
		assert_true(np <= MCIM_KDF_PARAMS_MAX);
		for (size_t i = 0; i < np; i++) {
			size_t len;
			assert_int_equal(vecfile_hex_item(&vf, s, "p", i, pbuf[i],
							  sizeof(pbuf[i]), &len, &np),
					 MCIM_OK);
			p[i] = (struct mcim_iov){pbuf[i], len};
		}
		assert_int_equal(mcim_kdf(key, key_len, fc, p, np, out), MCIM_OK);
		/* A shorter "out" is the last octets of the KDF's output. */
		if (memcmp(out + 32 - want_len, want, want_len) != 0)
			fail_msg("kdf.json set %s: output differs", name);

		/* KASME sets go through the dedicated function too (CK, IK halves). */
		if (fc == MCIM_FC_KASME && np == 2 && p[0].len == 3 && p[1].len == 6 &&
		    key_len == 32 && want_len == 32) {
			assert_int_equal(
			    mcim_kdf_kasme(key, 16, key + 16, 16, pbuf[0], pbuf[1], out),
			    MCIM_OK);
			assert_memory_equal(out, want, 32);
		}
	}
	vecfile_close(&vf);
}

/* S = FC || P0 || L0 || P1 || L1 assembled by hand, fed to plain HMAC-SHA-256. */
static void kdf_framing(void **state)
{
	static const uint8_t key[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	static const uint8_t p0[3] = {0xaa, 0xbb, 0xcc}, p1[300] = {0x5a};
	uint8_t s[1 + 3 + 2 + 300 + 2 + 2], want[32], out[32];
	struct mcim_iov whole = {s, 0}, params[3] = {{p0, 3}, {p1, 300}, {NULL, 0}};
	size_t n = 0;

	(void)state;
	s[n++] = 0x42;
	memcpy(s + n, p0, 3);
	n += 3;
	s[n++] = 0x00;
	s[n++] = 0x03;
	memcpy(s + n, p1, 300);
	n += 300;
	s[n++] = 0x01; /* 300 = 0x012c */
	s[n++] = 0x2c;
	s[n++] = 0x00; /* an empty P2: L2 = 0 */
	s[n++] = 0x00;
	whole.len = n;
	assert_int_equal(mcim_hmac_sha256(key, sizeof(key), &whole, 1, want), MCIM_OK);
	assert_int_equal(mcim_kdf(key, sizeof(key), 0x42, params, 3, out), MCIM_OK);
	assert_memory_equal(out, want, 32);

	/* No parameters at all: S = FC. */
	whole.len = 1;
	assert_int_equal(mcim_hmac_sha256(key, sizeof(key), &whole, 1, want), MCIM_OK);
	assert_int_equal(mcim_kdf(key, sizeof(key), 0x42, NULL, 0, out), MCIM_OK);
	assert_memory_equal(out, want, 32);
}

static void kdf_limits(void **state)
{
	static uint8_t big[MCIM_KDF_PARAM_MAX + 1];
	struct mcim_iov p[MCIM_KDF_PARAMS_MAX + 1];
	uint8_t out[32], before[32];

	(void)state;
	for (size_t i = 0; i <= MCIM_KDF_PARAMS_MAX; i++)
		p[i] = (struct mcim_iov){big, 1};
	memset(out, 0xee, sizeof(out));
	memcpy(before, out, sizeof(out));
	assert_int_equal(mcim_kdf(big, 16, 1, p, MCIM_KDF_PARAMS_MAX + 1, out),
			 MCIM_ERR_INVALID_ARG);
	p[1].len = MCIM_KDF_PARAM_MAX + 1;
	assert_int_equal(mcim_kdf(big, 16, 1, p, 2, out), MCIM_ERR_INVALID_ARG);
	assert_memory_equal(out, before, 32);
	assert_int_equal(mcim_kdf(big, 16, 1, p, MCIM_KDF_PARAMS_MAX, out),
			 MCIM_ERR_INVALID_ARG);
	p[1].len = MCIM_KDF_PARAM_MAX;
	assert_int_equal(mcim_kdf(big, 16, 1, p, MCIM_KDF_PARAMS_MAX, out), MCIM_OK);
}

struct plmn_case {
	const char *mcc, *mnc;
	uint8_t plmn[3];
	const char *snn;
};

/* TS 24.008 10.5.1.13: octet 1 = MCC digit 2 | MCC digit 1, octet 2 = MNC digit 3
 * (F when the MNC has 2 digits) | MCC digit 3, octet 3 = MNC digit 2 | MNC digit 1. */
static const struct plmn_case plmn_cases[] = {
    {"001", "01", {0x00, 0xf1, 0x10}, "5G:mnc001.mcc001.3gppnetwork.org"},
    {"208", "93", {0x02, 0xf8, 0x39}, "5G:mnc093.mcc208.3gppnetwork.org"},
    {"262", "01", {0x62, 0xf2, 0x10}, "5G:mnc001.mcc262.3gppnetwork.org"},
    {"310", "410", {0x13, 0x00, 0x14}, "5G:mnc410.mcc310.3gppnetwork.org"},
    {"999", "070", {0x99, 0x09, 0x70}, "5G:mnc070.mcc999.3gppnetwork.org"},
    {"405", "854", {0x04, 0x45, 0x58}, "5G:mnc854.mcc405.3gppnetwork.org"},
};

static void plmn_and_snn(void **state)
{
	static const char *const bad[][2] = {
	    {"", "01"},	    {"20", "01"},  {"2080", "01"},  {"2a8", "01"},
	    {"208", ""},    {"208", "1"},  {"208", "1234"}, {"208", "9x"},
	    {"208", " 93"}, {"-08", "93"}, {"208", "93 "},  {"２08", "93"},
	};
	uint8_t plmn[3];
	char snn[MCIM_SNN_PLMN_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(plmn_cases) / sizeof(plmn_cases[0]); i++) {
		const struct plmn_case *c = &plmn_cases[i];
		assert_int_equal(mcim_plmn_encode(c->mcc, c->mnc, plmn), MCIM_OK);
		assert_memory_equal(plmn, c->plmn, 3);
		assert_int_equal(mcim_snn_build(c->mcc, c->mnc, snn), MCIM_OK);
		assert_string_equal(snn, c->snn);
		assert_int_equal(strlen(snn), MCIM_SNN_PLMN_LEN);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(plmn, 0x77, sizeof(plmn));
		memset(snn, 'z', sizeof(snn));
		assert_int_equal(mcim_plmn_encode(bad[i][0], bad[i][1], plmn),
				 MCIM_ERR_INVALID_ARG);
		assert_int_equal(mcim_snn_build(bad[i][0], bad[i][1], snn),
				 MCIM_ERR_INVALID_ARG);
		assert_true(plmn[0] == 0x77 && snn[0] == 'z');
	}
}

/* CK||IK as one buffer, the way the clauses define the key. */
static size_t ckik(uint8_t key[64], const uint8_t *ck, size_t ck_len, const uint8_t *ik,
		   size_t ik_len)
{
	memcpy(key, ck, ck_len);
	memcpy(key + ck_len, ik, ik_len);
	return ck_len + ik_len;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 37 * i);
}

static void keys_5g_and_eps(void **state)
{
	static const size_t lens[][2] = {{16, 16}, {32, 32}, {16, 32}, {32, 16}};
	static const char snn[] = "5G:mnc093.mcc208.3gppnetwork.org";
	const size_t snn_len = sizeof(snn) - 1;
	uint8_t ck[32], ik[32], rand[16], res[32], sqn_ak[6],
	    plmn[3] = {0x02, 0xf8, 0x39};

	(void)state;
	fill(ck, 32, 1);
	fill(ik, 32, 2);
	fill(rand, 16, 3);
	fill(res, 32, 4);
	fill(sqn_ak, 6, 5);
	for (size_t t = 0; t < sizeof(lens) / sizeof(lens[0]); t++) {
		uint8_t key[64], full[32], got[32], kausf[32];
		size_t key_len = ckik(key, ck, lens[t][0], ik, lens[t][1]);
		struct mcim_iov p[3];

		/* TS 33.401 A.2: FC 0x10, P0 = PLMN identity, P1 = SQN xor AK. */
		p[0] = (struct mcim_iov){plmn, 3};
		p[1] = (struct mcim_iov){sqn_ak, 6};
		assert_int_equal(mcim_kdf(key, key_len, 0x10, p, 2, full), MCIM_OK);
		assert_int_equal(
		    mcim_kdf_kasme(ck, lens[t][0], ik, lens[t][1], plmn, sqn_ak, got),
		    MCIM_OK);
		assert_memory_equal(got, full, 32);

		/* TS 33.501 A.4: FC 0x6B, P0 = SNN, P1 = RAND, P2 = RES; 128 LSBs. */
		for (size_t res_len = 4; res_len <= 32; res_len += 4) {
			p[0] = (struct mcim_iov){snn, snn_len};
			p[1] = (struct mcim_iov){rand, 16};
			p[2] = (struct mcim_iov){res, res_len};
			assert_int_equal(mcim_kdf(key, key_len, 0x6b, p, 3, full),
					 MCIM_OK);
			assert_int_equal(mcim_kdf_res_star(ck, lens[t][0], ik, lens[t][1],
							   snn, snn_len, rand, res,
							   res_len, got),
					 MCIM_OK);
			assert_memory_equal(got, full + 16, 16);
		}

		/* A.2: FC 0x6A, P0 = SNN, P1 = SQN xor AK. */
		p[0] = (struct mcim_iov){snn, snn_len};
		p[1] = (struct mcim_iov){sqn_ak, 6};
		assert_int_equal(mcim_kdf(key, key_len, 0x6a, p, 2, full), MCIM_OK);
		assert_int_equal(mcim_kdf_kausf(ck, lens[t][0], ik, lens[t][1], snn,
						snn_len, sqn_ak, kausf),
				 MCIM_OK);
		assert_memory_equal(kausf, full, 32);

		/* A.6: key KAUSF, FC 0x6C, P0 = SNN. */
		assert_int_equal(mcim_kdf(kausf, 32, 0x6c, p, 1, full), MCIM_OK);
		assert_int_equal(mcim_kdf_kseaf(kausf, snn, snn_len, got), MCIM_OK);
		assert_memory_equal(got, full, 32);
	}
}

static void hxres_star(void **state)
{
	uint8_t rand[16], xres_star[16], s[32], d[32], got[16];

	(void)state;
	fill(rand, 16, 9);
	fill(xres_star, 16, 10);
	/* TS 33.501 A.5: the 128 LSBs of SHA-256(RAND || XRES*). */
	memcpy(s, rand, 16);
	memcpy(s + 16, xres_star, 16);
	assert_int_equal(mcim_sha256(s, sizeof(s), d), MCIM_OK);
	assert_int_equal(mcim_kdf_hxres_star(rand, xres_star, got), MCIM_OK);
	assert_memory_equal(got, d + 16, 16);
}

static void bad_inputs(void **state)
{
	static const char snn[] = "5G:mnc001.mcc001.3gppnetwork.org";
	static char long_snn[MCIM_SNN_MAX + 1];
	uint8_t k[32] = {0}, r[32] = {0}, out[32], before[32];

	(void)state;
	memset(long_snn, 'a', sizeof(long_snn));
	memset(out, 0x3c, sizeof(out));
	memcpy(before, out, sizeof(out));
	assert_int_equal(mcim_kdf_kasme(k, 20, k, 16, r, r, out), MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_kdf_kasme(k, 16, k, 0, r, r, out), MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_kdf_res_star(k, 16, k, 16, snn, 0, r, r, 8, out),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_kdf_res_star(k, 16, k, 16, NULL, 5, r, r, 8, out),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(
	    mcim_kdf_res_star(k, 16, k, 16, long_snn, sizeof(long_snn), r, r, 8, out),
	    MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_kdf_res_star(k, 16, k, 16, snn, 32, r, r, 3, out),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_kdf_res_star(k, 16, k, 16, snn, 32, r, r, 33, out),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_kdf_res_star(k, 24, k, 16, snn, 32, r, r, 8, out),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_kdf_kausf(k, 16, k, 17, snn, 32, r, out),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_kdf_kausf(k, 16, k, 16, snn, 0, r, out),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_kdf_kseaf(k, long_snn, sizeof(long_snn), out),
			 MCIM_ERR_INVALID_ARG);
	assert_memory_equal(out, before, 32);
	/* The longest name allowed is accepted. */
	assert_int_equal(mcim_kdf_kseaf(k, long_snn, MCIM_SNN_MAX, out), MCIM_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(kdf_json),	       cmocka_unit_test(kdf_framing),
	    cmocka_unit_test(kdf_limits),      cmocka_unit_test(plmn_and_snn),
	    cmocka_unit_test(keys_5g_and_eps), cmocka_unit_test(hxres_star),
	    cmocka_unit_test(bad_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
