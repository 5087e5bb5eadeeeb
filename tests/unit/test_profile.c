/*
 * The MCIM profile (mcim/profile.h): round trips with random and official (TS 35.207/
 * 35.208 MILENAGE, TS 35.232 TUAK) credentials, the credential type and key check
 * value against OP/OPc mix-ups (R-MCIM-C03), the IMSI bound to its SHO (R-MCIM-C01),
 * the management certificate (R-MCIM-C05), the policy (R-MCIM-C06), PLMN lists
 * (R-MCIM-C07), SQN parameters (R-MCIM-C04), and a strict decoder: every truncation,
 * trailing data, unknown keys, other versions and algorithms, fields above their
 * bounds, and flipped bits never give a different valid profile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mcim/bytes.h"
#include "mcim/profile.h"
#include "tool/vecfile.h"
#include "vectors_env.h"

#include "mcim_fixture.h"

static int setup(void **state)
{
	(void)state;
	fx_pki();
	return 0;
}

static size_t encode(const struct mcim_profile *p, uint8_t *buf)
{
	size_t len = 0;

	assert_int_equal(mcim_profile_encode(p, buf, MCIM_PROFILE_ENCODED_MAX, &len),
			 MCIM_OK);
	return len;
}

static void round_trip(const struct mcim_profile *p)
{
	uint8_t a[MCIM_PROFILE_ENCODED_MAX], b[MCIM_PROFILE_ENCODED_MAX];
	struct mcim_profile q;
	size_t la = encode(p, a), lb;

	assert_int_equal(mcim_profile_decode(a, la, &q), MCIM_OK);
	assert_memory_equal(&q, p, sizeof(q));
	lb = encode(&q, b);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	mcim_profile_wipe(&q);
}

static void random_round_trip(void **state)
{
	struct mcim_profile p;

	(void)state;
	fx_profile(&p, 1, FX_SHO);
	round_trip(&p);
	fx_profile(&p, 2, FX_SHO2);
	p.sqn.ind_bits = 0;
	p.sqn.age_limit = 1000;
	p.sqn_init = 77;
	p.policy.lock_until = FX_T0 + 100;
	p.policy.share_functions = true;
	p.policy.on_tamper = MCIM_TAMPER_WIPE;
	p.policy.auto_activate = true;
	p.policy.allowed = MCIM_POLICY_ALLOW_AKA_5G;
	p.plmn_ehplmn.n = 1;
	strcpy(p.plmn_ehplmn.id[0], "310411");
	round_trip(&p);
	mcim_profile_wipe(&p);
}

/* R-MCIM-C03: official MILENAGE sets through a profile; OPc derived from OP by
 * mcim_profile_set_op equals the official OPc; OP given as OPc is caught by the KCV
 * the AuC's credential gives. */
static void milenage_official(void **state)
{
	char path[512];
	struct vecfile vf;
	struct mcim_profile p, bad;
	uint8_t op[16], opc[16], kcv_auc[MCIM_PROFILE_KCV_LEN];
	uint8_t buf[MCIM_PROFILE_ENCODED_MAX];
	size_t len;

	(void)state;
	assert_int_equal(
	    vecfile_open(&vf, vectors_path("milenage.json", path, sizeof(path))),
	    MCIM_OK);
	for (size_t i = 0; i < vf.nsets; i++) {
		fx_profile(&p, (uint8_t)i, FX_SHO);
		assert_int_equal(vecfile_hex(&vf, i, "k", p.cred.k, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "op", op, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "opc", opc, 16), MCIM_OK);
		assert_int_equal(mcim_profile_set_op(&p, op, 16), MCIM_OK);
		assert_memory_equal(p.cred.opc, opc, 16);
		/* The AuC holds the official OPc: its KCV is the one the CCIF sends. */
		{
			struct mcim_aka_cred auc = p.cred;
			memcpy(auc.opc, opc, 16);
			assert_int_equal(mcim_profile_kcv(&auc, kcv_auc), MCIM_OK);
			mcim_aka_cred_wipe(&auc);
		}
		memcpy(p.kcv, kcv_auc, sizeof(p.kcv));
		round_trip(&p);
		/* A CCIF that put OP where OPc belongs: the AuC's KCV refuses it. */
		bad = p;
		memcpy(bad.cred.opc, op, 16);
		assert_int_equal(mcim_profile_check(&bad), MCIM_ERR_INVALID_ARG);
		assert_int_equal(mcim_profile_encode(&bad, buf, sizeof(buf), &len),
				 MCIM_ERR_INVALID_ARG);
		mcim_profile_wipe(&bad);
	}
	vecfile_close(&vf);
	mcim_profile_wipe(&p);
}

/* R-MCIM-C03: TUAK sets (128- and 256-bit K, all output lengths) through a profile. */
static void tuak_official(void **state)
{
	char path[512];
	struct vecfile vf;
	struct mcim_profile p;
	uint8_t top[32], topc[32];
	size_t klen;
	unsigned long v;

	(void)state;
	assert_int_equal(vecfile_open(&vf, vectors_path("tuak.json", path, sizeof(path))),
			 MCIM_OK);
	for (size_t i = 0; i < vf.nsets; i++) {
		struct mcim_tuak_params *tp = &p.cred.params.tuak;

		fx_profile(&p, (uint8_t)i, FX_SHO);
		memset(&p.cred, 0, sizeof(p.cred));
		p.cred.alg = MCIM_AKA_TUAK;
		assert_int_equal(vecfile_hex_var(&vf, i, "k", p.cred.k, 32, &klen),
				 MCIM_OK);
		p.cred.k_len = (uint8_t)klen;
		assert_int_equal(vecfile_uint(&vf, i, "keccak_iterations", 255, &v),
				 MCIM_OK);
		tp->keccak_iterations = (uint8_t)v;
		assert_int_equal(vecfile_uint(&vf, i, "mac_len_bits", 256, &v), MCIM_OK);
		tp->mac_bits = (uint16_t)v;
		assert_int_equal(vecfile_uint(&vf, i, "res_len_bits", 256, &v), MCIM_OK);
		tp->res_bits = (uint16_t)v;
		assert_int_equal(vecfile_uint(&vf, i, "ck_len_bits", 256, &v), MCIM_OK);
		tp->ck_bits = (uint16_t)v;
		assert_int_equal(vecfile_uint(&vf, i, "ik_len_bits", 256, &v), MCIM_OK);
		tp->ik_bits = (uint16_t)v;
		assert_int_equal(vecfile_hex(&vf, i, "top", top, 32), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "topc", topc, 32), MCIM_OK);
		assert_int_equal(mcim_profile_set_op(&p, top, 32), MCIM_OK);
		assert_memory_equal(p.cred.opc, topc, 32);
		assert_int_equal(mcim_profile_kcv(&p.cred, p.kcv), MCIM_OK);
		round_trip(&p);
	}
	vecfile_close(&vf);
	mcim_profile_wipe(&p);
}

static void set_op_errors(void **state)
{
	struct mcim_profile p;
	uint8_t op[32] = {0};

	(void)state;
	fx_profile(&p, 1, FX_SHO);
	assert_int_equal(mcim_profile_set_op(&p, op, 32), MCIM_ERR_INVALID_ARG);
	p.cred.alg = MCIM_AKA_TUAK;
	assert_int_equal(mcim_profile_set_op(&p, op, 16), MCIM_ERR_INVALID_ARG);
	p.cred.alg = (enum mcim_aka_alg_id)9;
	assert_int_equal(mcim_profile_set_op(&p, op, 16), MCIM_ERR_INVALID_ARG);
	mcim_profile_wipe(&p);
}

/* Each invalid field: refused by check and by the encoder. */
static void check_refuses(void **state)
{
	struct mcim_profile good, p;
	uint8_t buf[MCIM_PROFILE_ENCODED_MAX];
	size_t len;
	int cases = 0;

	(void)state;
	fx_profile(&good, 3, FX_SHO);
	assert_int_equal(mcim_profile_check(&good), MCIM_OK);
	for (int c = 0;; c++) {
		p = good;
		switch (c) {
		case 0:
			p.version = 0;
			break;
		case 1:
			strcpy(p.sho, "0010");
			break;
		case 2:
			strcpy(p.sho, "00a01");
			break;
		case 3:
			strcpy(p.imsi, "00101");
			break; /* too short */
		case 4:
			strcpy(p.imsi, "0010112345678x");
			break; /* not digits */
		case 5:
			strcpy(p.imsi, "310410123456789");
			break; /* R-MCIM-C01 */
		case 6:
			p.sqn.ind_bits = MCIM_SQN_IND_BITS_MAX + 1;
			break;
		case 7:
			p.sqn.delta = 0;
			break;
		case 8:
			p.sqn_init = MCIM_SQN_MAX + 1;
			break;
		case 9:
			p.plmn_oper.n = MCIM_PROFILE_PLMN_MAX + 1;
			break;
		case 10:
			strcpy(p.plmn_forbidden.id[0], "1234");
			break;
		case 11:
			p.policy.allowed |= 1u << 20;
			break;
		case 12:
			p.policy.on_tamper = (enum mcim_tamper_response)3;
			break;
		case 13:
			p.policy.lock_until = -1;
			break;
		case 14:
			p.mgmt_cert_len = 0;
			break;
		case 15:
			p.mgmt_cert_len = MCIM_PROFILE_CERT_MAX + 1;
			break;
		case 16: /* a dpf certificate: R-MCIM-C05 wants sho-mgmt */
			memcpy(p.mgmt_cert, fxp.dpf.der, fxp.dpf.len);
			p.mgmt_cert_len = fxp.dpf.len;
			break;
		case 17: /* another SHO's management key */
			memcpy(p.mgmt_cert, fxp.mgmt2.der, fxp.mgmt2.len);
			p.mgmt_cert_len = fxp.mgmt2.len;
			break;
		case 18:
			p.mgmt_cert[0] ^= 0xff;
			break;
		case 19:
			p.cred.k_len = 32;
			break; /* MILENAGE takes 16 */
		case 20:
			p.cred.params.milenage.r[2] = 128;
			break;
		case 21:
			p.cred.alg = (enum mcim_aka_alg_id)7;
			break;
		case 22:
			p.kcv[0] ^= 1;
			break;
		case 23:
			p.cred.k[5] ^= 1;
			break; /* K no longer matches the KCV */
		case 24:
			p.cred.params.milenage.c[1][15] ^= 1;
			break;
		default:
			goto out;
		}
		assert_int_equal(mcim_profile_check(&p), MCIM_ERR_INVALID_ARG);
		assert_int_equal(mcim_profile_encode(&p, buf, sizeof(buf), &len),
				 MCIM_ERR_INVALID_ARG);
		cases++;
	}
out:
	assert_int_equal(cases, 25);
	assert_int_equal(mcim_profile_encode(&good, buf, 100, &len),
			 MCIM_ERR_BUFFER_TOO_SMALL);
	/* The partial encoding held K: wiped. */
	assert_false(fx_contains(buf, 100, good.cred.k, 16));
	mcim_profile_wipe(&good);
	mcim_profile_wipe(&p);
}

/* Strict decoding: truncations, trailing octets, a changed version, algorithm, KCV,
 * IMSI, an extra key, a certificate above its bound. */
static void decode_refuses(void **state)
{
	struct mcim_profile p, q;
	uint8_t buf[MCIM_PROFILE_ENCODED_MAX + 1200], mod[sizeof(buf)];
	size_t len, off;

	(void)state;
	fx_profile(&p, 4, FX_SHO);
	len = encode(&p, buf);
	for (size_t n = 0; n < len; n++)
		assert_int_not_equal(mcim_profile_decode(buf, n, &q), MCIM_OK);
	assert_int_equal(mcim_profile_decode(buf, 0, &q), MCIM_ERR_TRUNCATED);
	buf[len] = 0;
	assert_int_equal(mcim_profile_decode(buf, len + 1, &q), MCIM_ERR_PARSE);
	/* q is wiped on error. */
	{
		static const struct mcim_profile zero;
		assert_memory_equal(&q, &zero, sizeof(q));
	}
	/* 0xac: the 12-pair map, then key 0 and format 1. */
	assert_int_equal(buf[0], 0xac);
	assert_int_equal(buf[2], 0x01);
	memcpy(mod, buf, len);
	mod[2] = 0x02;
	assert_int_equal(mcim_profile_decode(mod, len, &q), MCIM_ERR_UNSUPPORTED);
	/* One pair more (key 12 -> 0) than the format has. */
	memcpy(mod, buf, len);
	mod[0] = 0xad;
	mod[len] = 0x0c;
	mod[len + 1] = 0x00;
	assert_int_equal(mcim_profile_decode(mod, len + 2, &q), MCIM_ERR_PARSE);
	/* The algorithm map: key 5, a 5-pair map, key 0, the id. */
	memcpy(mod, buf, len);
	for (off = 0; off + 4 < len; off++)
		if (mod[off] == 0x05 && mod[off + 1] == 0xa5 && mod[off + 2] == 0x00 &&
		    mod[off + 3] == MCIM_AKA_MILENAGE)
			break;
	assert_true(off + 4 < len);
	mod[off + 3] = 0x03;
	assert_int_equal(mcim_profile_decode(mod, len, &q), MCIM_ERR_UNSUPPORTED);
	/* The KCV, flipped. */
	memcpy(mod, buf, len);
	for (off = 0; off + sizeof(p.kcv) <= len; off++)
		if (memcmp(mod + off, p.kcv, sizeof(p.kcv)) == 0)
			break;
	mod[off] ^= 1;
	assert_int_equal(mcim_profile_decode(mod, len, &q), MCIM_ERR_INVALID_ARG);
	/* R-MCIM-C01: an IMSI of another MCC. */
	memcpy(mod, buf, len);
	for (off = 0; off + strlen(p.imsi) <= len; off++)
		if (memcmp(mod + off, p.imsi, strlen(p.imsi)) == 0)
			break;
	mod[off] = '9';
	assert_int_equal(mcim_profile_decode(mod, len, &q), MCIM_ERR_INVALID_ARG);
	/* The certificate is the last item: make it 1025 octets. */
	memcpy(mod, buf, len);
	off = len - p.mgmt_cert_len - 3;
	assert_int_equal(mod[off], 0x59);
	mod[off + 1] = 0x04;
	mod[off + 2] = 0x01;
	memset(mod + off + 3, 0x30, MCIM_PROFILE_CERT_MAX + 1);
	assert_int_equal(
	    mcim_profile_decode(mod, off + 3 + MCIM_PROFILE_CERT_MAX + 1, &q),
	    MCIM_ERR_TOO_LARGE);
	mcim_profile_wipe(&p);
}

/* Any single flipped bit gives an error or a profile that re-encodes to the very
 * octets decoded (one encoding per value). */
static void bit_flips(void **state)
{
	struct mcim_profile p, q;
	uint8_t buf[MCIM_PROFILE_ENCODED_MAX], again[MCIM_PROFILE_ENCODED_MAX];
	size_t len, n;

	(void)state;
	fx_profile(&p, 5, FX_SHO);
	len = encode(&p, buf);
	for (size_t i = 0; i < len - p.mgmt_cert_len; i++) {
		for (int b = 0; b < 8; b++) {
			buf[i] ^= (uint8_t)(1u << b);
			if (mcim_profile_decode(buf, len, &q) == MCIM_OK) {
				assert_int_equal(
				    mcim_profile_encode(&q, again, sizeof(again), &n),
				    MCIM_OK);
				assert_int_equal(n, len);
				assert_memory_equal(again, buf, len);
			}
			buf[i] ^= (uint8_t)(1u << b);
		}
	}
	mcim_profile_wipe(&p);
	mcim_profile_wipe(&q);
}

/* The largest profile (TUAK with a 256-bit K, full PLMN lists, the largest
 * certificate) fits MCIM_PROFILE_ENCODED_MAX. */
static void encoded_bound(void **state)
{
	struct mcim_profile p;
	uint8_t buf[MCIM_PROFILE_ENCODED_MAX];
	size_t len;

	(void)state;
	fx_profile(&p, 6, FX_SHO2);
	memset(&p.cred, 0, sizeof(p.cred));
	p.cred.alg = MCIM_AKA_TUAK;
	p.cred.k_len = 32;
	fx_random(p.cred.k, 32);
	fx_random(p.cred.opc, 32);
	mcim_tuak_default_params(&p.cred.params.tuak);
	p.cred.params.tuak.keccak_iterations = 255;
	p.cred.params.tuak.mac_bits = 256;
	p.cred.params.tuak.res_bits = 256;
	assert_int_equal(mcim_profile_kcv(&p.cred, p.kcv), MCIM_OK);
	p.sqn.delta = MCIM_SQN_MAX >> p.sqn.ind_bits;
	p.sqn.age_limit = p.sqn.delta;
	p.sqn_init = MCIM_SQN_MAX;
	p.policy.lock_until = INT64_MAX;
	p.policy.max_mac_failures = UINT16_MAX;
	p.version = UINT32_MAX;
	strcpy(p.imsi, "310410123456789");
	for (int l = 0; l < 3; l++) {
		struct mcim_plmn_list *pl = l == 0   ? &p.plmn_oper
					    : l == 1 ? &p.plmn_forbidden
						     : &p.plmn_ehplmn;
		pl->n = MCIM_PROFILE_PLMN_MAX;
		for (int i = 0; i < MCIM_PROFILE_PLMN_MAX; i++)
			strcpy(pl->id[i], "310410");
	}
	len = encode(&p, buf);
	/* A certificate of the full MCIM_PROFILE_CERT_MAX adds its extra octets and at
	 * most one octet of bstr head. */
	assert_true(len + (MCIM_PROFILE_CERT_MAX - p.mgmt_cert_len) + 1 <=
		    MCIM_PROFILE_ENCODED_MAX);
	round_trip(&p);
	mcim_profile_wipe(&p);
}

/* R-MCIM-C06: the policy codec alone (the set_policy parameter). */
static void policy_codec(void **state)
{
	struct mcim_policy a, b;
	uint8_t buf[64];
	struct mcim_cbor_writer w;
	struct mcim_cbor_reader r;
	size_t len;

	(void)state;
	mcim_policy_default(&a);
	assert_int_equal(a.allowed, MCIM_POLICY_ALLOW_ALL);
	assert_int_equal(a.on_tamper, MCIM_TAMPER_SUSPEND);
	a.lock_until = 5;
	mcim_cbor_writer_init(&w, buf, sizeof(buf));
	mcim_policy_write(&w, &a);
	assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
	mcim_cbor_reader_init(&r, buf, len);
	assert_int_equal(mcim_policy_read(&r, &b), MCIM_OK);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(mcim_cbor_remaining(&r), 0);
	/* Out of range: on_tamper 3, then allowed with an unknown bit. The cursor stays.
	 */
	a.on_tamper = (enum mcim_tamper_response)3;
	mcim_cbor_writer_init(&w, buf, sizeof(buf));
	mcim_policy_write(&w, &a);
	assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
	mcim_cbor_reader_init(&r, buf, len);
	assert_int_equal(mcim_policy_read(&r, &b), MCIM_ERR_INVALID_ARG);
	assert_int_equal(r.off, 0);
	mcim_policy_default(&a);
	a.allowed = 1u << 9;
	mcim_cbor_writer_init(&w, buf, sizeof(buf));
	mcim_policy_write(&w, &a);
	assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
	mcim_cbor_reader_init(&r, buf, len);
	assert_int_equal(mcim_policy_read(&r, &b), MCIM_ERR_INVALID_ARG);
	/* A map of 5 pairs. */
	buf[0] = 0xa5;
	mcim_cbor_reader_init(&r, buf, len);
	assert_int_equal(mcim_policy_read(&r, &b), MCIM_ERR_PARSE);
}

static void wipe(void **state)
{
	static const struct mcim_profile zero;
	struct mcim_profile p;

	(void)state;
	fx_profile(&p, 7, FX_SHO);
	mcim_profile_wipe(&p);
	assert_memory_equal(&p, &zero, sizeof(p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(random_round_trip), cmocka_unit_test(milenage_official),
	    cmocka_unit_test(tuak_official),	 cmocka_unit_test(set_op_errors),
	    cmocka_unit_test(check_refuses),	 cmocka_unit_test(decode_refuses),
	    cmocka_unit_test(bit_flips),	 cmocka_unit_test(encoded_bound),
	    cmocka_unit_test(policy_codec),	 cmocka_unit_test(wipe),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
