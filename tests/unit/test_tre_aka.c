/*
 * AKA through the TRE's command interface against the AuC of mcim/auth.h
 * (R-TRE-G06: K and OPc stay inside, the normal world sees RES/CK/IK or derived
 * keys): an MCIM installed from a DPF package and activated by its SHO's signed
 * command answers 3G, EPS and 5G challenges with what the AuC expects; a stale
 * challenge gets AUTS, which the AuC resynchronises from; repeated MAC failures are
 * a tamper event that applies the MCIM's policy (R-PRC-602, R-TRE-G11); the PCID
 * answers the ICF's challenges with the credential of the factory export.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "mcim/auth.h"
#include "mcim/kdf.h"
#include "tre_fault.h"

#include "tre_core_fixture.h"

struct auc {
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_he he;
	uint8_t amf[2];
};

static void auc_init(struct auc *a, const struct mcim_aka_cred *cred,
		     const struct mcim_sqn_cfg *cfg, const uint8_t amf[2])
{
	assert_int_equal(mcim_aka_prepare(&a->kc, cred), MCIM_OK);
	a->cfg = *cfg;
	assert_int_equal(mcim_sqn_he_init(&a->cfg, &a->he, 0), MCIM_OK);
	memcpy(a->amf, amf, 2);
}

static mcim_err tre_aka(struct tf *t, const struct mcim_auth_vector *av, const char *kind,
			const uint8_t *plmn, const char *snn)
{
	struct tool_tre_arg a[4] = {
	    {"rand", TOOL_ARG_BSTR, av->rand, 16, 0},
	    {"autn", TOOL_ARG_BSTR, av->autn, av->autn_len, 0},
	};
	size_t n = 2;

	if (kind != NULL)
		a[n++] = (struct tool_tre_arg){"kind", TOOL_ARG_TSTR, kind, 0, 0};
	if (plmn != NULL)
		a[n++] = (struct tool_tre_arg){"plmn", TOOL_ARG_BSTR, plmn, 3, 0};
	if (snn != NULL)
		a[n++] = (struct tool_tre_arg){"snn", TOOL_ARG_TSTR, snn, 0, 0};
	return tf_call(t, "aka", a, n);
}

static void expect_bstr(struct tf *t, const char *key, const uint8_t *want, size_t len)
{
	size_t n;
	const uint8_t *got = tf_bstr(t, key, &n);

	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
}

/* Installs p and has its SHO activate it. */
static void live(struct tf *t, const struct mcim_profile *p)
{
	assert_int_equal(tf_install(t, p), MCIM_OK);
	assert_int_equal(tf_mgmt(t, p->id, 1, MCIM_MGMT_ACTIVATE), MCIM_OK);
}

static void aka_3g_eps_5g(void **state)
{
	struct tf *t = tf_new("aka");
	struct mcim_profile p;
	struct auc auc;
	struct mcim_auth_vector av;
	struct mcim_auth_5g_vector av5;
	uint8_t plmn[3], kasme[MCIM_KASME_LEN];
	const char *snn = "5G:mnc001.mcc001.3gppnetwork.org";

	(void)state;
	tf_profile(&p, 0x21);
	auc_init(&auc, &p.cred, &p.sqn, p.amf);
	/* No MCIM active yet: nothing answers (R-MCIM-L02). */
	assert_int_equal(mcim_auth_generate(&auc.kc, &auc.cfg, &auc.he, auc.amf,
					    mcim_rng_system(), &av),
			 MCIM_OK);
	assert_int_equal(tre_aka(t, &av, NULL, NULL, NULL), MCIM_ERR_NOT_FOUND);
	live(t, &p);

	/* 3G: RES = XRES, CK, IK */
	assert_int_equal(tre_aka(t, &av, "3g", NULL, NULL), MCIM_OK);
	expect_bstr(t, "res", av.xres, av.xres_len);
	expect_bstr(t, "ck", av.ck, av.ck_len);
	expect_bstr(t, "ik", av.ik, av.ik_len);
	expect_bstr(t, "mcim", p.id, 16);

	/* EPS: RES and KASME for the serving network */
	assert_int_equal(mcim_plmn_encode("001", "01", plmn), MCIM_OK);
	assert_int_equal(mcim_auth_generate(&auc.kc, &auc.cfg, &auc.he, auc.amf,
					    mcim_rng_system(), &av),
			 MCIM_OK);
	assert_int_equal(
	    mcim_kdf_kasme(av.ck, av.ck_len, av.ik, av.ik_len, plmn, av.autn, kasme),
	    MCIM_OK);
	assert_int_equal(tre_aka(t, &av, "eps", NULL, NULL), MCIM_ERR_INVALID_ARG);
	assert_int_equal(tre_aka(t, &av, "eps", plmn, NULL), MCIM_OK);
	expect_bstr(t, "res", av.xres, av.xres_len);
	expect_bstr(t, "kasme", kasme, sizeof(kasme));
	assert_int_equal(tool_cbor_get(t->r.result, t->r.result_len, "ck",
				       &(const uint8_t *){0}, &(size_t){0}),
			 MCIM_ERR_NOT_FOUND);

	/* 5G: RES* and KAUSF */
	assert_int_equal(mcim_auth_generate_5g(&auc.kc, &auc.cfg, &auc.he, auc.amf,
					       mcim_rng_system(), snn, strlen(snn), &av5),
			 MCIM_OK);
	{
		struct mcim_auth_vector v = {0};

		memcpy(v.rand, av5.rand, 16);
		memcpy(v.autn, av5.autn, av5.autn_len);
		v.autn_len = av5.autn_len;
		assert_int_equal(tre_aka(t, &v, "5g", NULL, snn), MCIM_OK);
	}
	expect_bstr(t, "res_star", av5.xres_star, sizeof(av5.xres_star));
	expect_bstr(t, "kausf", av5.kausf, sizeof(av5.kausf));
	{
		struct mcim_auth_vector v = av;

		assert_int_equal(tre_aka(t, &v, "4g", NULL, NULL), MCIM_ERR_INVALID_ARG);
	}
	mcim_auth_vector_wipe(&av);
	mcim_auth_5g_vector_wipe(&av5);
	mcim_profile_wipe(&p);
	tf_free(t);
}

/* A replayed challenge gets AUTS; the AuC resynchronises and the next one works;
 * the SQN state survives a restart of the TRE. */
static void aka_resync(void **state)
{
	struct tf *t = tf_new("resync");
	struct mcim_profile p;
	struct auc auc;
	struct mcim_auth_vector av, old;
	const uint8_t *auts;
	size_t auts_len;
	uint64_t sqn_ms;
	int reset;

	(void)state;
	tf_profile(&p, 0x22);
	auc_init(&auc, &p.cred, &p.sqn, p.amf);
	live(t, &p);
	assert_int_equal(mcim_auth_generate(&auc.kc, &auc.cfg, &auc.he, auc.amf,
					    mcim_rng_system(), &old),
			 MCIM_OK);
	assert_int_equal(tre_aka(t, &old, NULL, NULL, NULL), MCIM_OK);
	tf_close(t);
	tf_open(t);
	/* The same challenge again: not fresh. */
	assert_int_equal(tre_aka(t, &old, NULL, NULL, NULL), MCIM_ERR_SYNC_FAILURE);
	auts = tf_bstr(t, "auts", &auts_len);
	/* An AuC that lost its state (restarted at SEQ 0) resynchronises. */
	assert_int_equal(mcim_sqn_he_init(&auc.cfg, &auc.he, 0), MCIM_OK);
	assert_int_equal(mcim_auth_resync(&auc.kc, &auc.cfg, &auc.he, old.rand, auts,
					  auts_len, &sqn_ms, &reset),
			 MCIM_OK);
	assert_int_equal(sqn_ms, old.sqn);
	assert_int_equal(mcim_auth_generate(&auc.kc, &auc.cfg, &auc.he, auc.amf,
					    mcim_rng_system(), &av),
			 MCIM_OK);
	assert_int_equal(tre_aka(t, &av, NULL, NULL, NULL), MCIM_OK);
	expect_bstr(t, "res", av.xres, av.xres_len);
	mcim_auth_vector_wipe(&av);
	mcim_auth_vector_wipe(&old);
	mcim_profile_wipe(&p);
	tf_free(t);
}

/* R-TRE-G11, R-PRC-602: MAC failures counted; at the policy's maximum the MCIM is
 * suspended, a signed tamper report is queued and the tamper count grows. */
static void aka_mac_failures_are_tamper(void **state)
{
	struct tf *t = tf_new("macfail");
	struct mcim_profile p;
	struct auc auc;
	struct mcim_auth_vector av;
	char st[32];

	(void)state;
	tf_profile(&p, 0x23);
	auc_init(&auc, &p.cred, &p.sqn, p.amf);
	live(t, &p);
	assert_int_equal(mcim_auth_generate(&auc.kc, &auc.cfg, &auc.he, auc.amf,
					    mcim_rng_system(), &av),
			 MCIM_OK);
	av.autn[av.autn_len - 1] ^= 1; /* a forged MAC-A */
	for (unsigned i = 1; i <= p.policy.max_mac_failures; i++) {
		assert_int_equal(tre_aka(t, &av, NULL, NULL, NULL), MCIM_ERR_MAC_FAILURE);
		assert_int_equal(tf_uint(t, "mac_failures"), i);
	}
	assert_int_equal(tf_call(t, "mcim-list", NULL, 0), MCIM_OK);
	{
		json_t *j = tool_cbor_to_json(t->r.result, t->r.result_len);

		assert_non_null(j);
		snprintf(st, sizeof(st), "%s",
			 json_string_value(json_object_get(
			     json_array_get(json_object_get(j, "mcims"), 0), "state")));
		json_decref(j);
	}
	assert_string_equal(st, "suspended");
	assert_int_equal(tf_call(t, "tamper-reports", NULL, 0), MCIM_OK);
	assert_int_equal(tf_uint(t, "next"), 2);
	/* the counters say so too */
	{
		const uint8_t *c;
		size_t cl;
		uint64_t v;

		assert_int_equal(tf_call(t, "status", NULL, 0), MCIM_OK);
		assert_int_equal(
		    tool_cbor_get(t->r.result, t->r.result_len, "counters", &c, &cl),
		    MCIM_OK);
		assert_int_equal(tool_cbor_get_uint(c, cl, "tampers", &v), MCIM_OK);
		assert_int_equal(v, 1);
		assert_int_equal(tool_cbor_get_uint(c, cl, "failed_auths", &v), MCIM_OK);
		assert_int_equal(v, p.policy.max_mac_failures);
	}
	/* suspended: no AKA */
	av.autn[av.autn_len - 1] ^= 1;
	assert_int_equal(tre_aka(t, &av, NULL, NULL, NULL), MCIM_ERR_NOT_FOUND);
	mcim_auth_vector_wipe(&av);
	mcim_profile_wipe(&p);
	tf_free(t);
}

/* The PCID: the ICF's AuC holds K/OPc from the factory export (R-PRC-101). */
static void aka_pcid(void **state)
{
	struct tf *t = tf_new("pcid");
	char path[400];
	json_t *f;
	struct mcim_aka_cred cred = {0};
	struct mcim_sqn_cfg cfg;
	struct auc auc;
	struct mcim_auth_vector av;
	const uint8_t amf[2] = {0x80, 0x00};
	struct tool_tre_arg a[4];

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", t->dir, TOOL_DEVICE_FACTORY);
	f = json_load_file(path, 0, NULL);
	assert_non_null(f);
	cred.alg = MCIM_AKA_MILENAGE;
	cred.k_len = 16;
	mcim_milenage_default_consts(&cred.params.milenage);
	{
		json_t *pc = json_object_get(f, "pcid");
		const char *k = json_string_value(json_object_get(pc, "k"));
		const char *opc = json_string_value(json_object_get(pc, "opc"));

		assert_int_equal(mcim_hex_decode_exact(k, strlen(k), cred.k, 16),
				 MCIM_OK);
		assert_int_equal(mcim_hex_decode_exact(opc, strlen(opc), cred.opc, 16),
				 MCIM_OK);
	}
	json_decref(f);
	mcim_sqn_cfg_default(&cfg);
	auc_init(&auc, &cred, &cfg, amf);
	mcim_aka_cred_wipe(&cred);
	assert_int_equal(mcim_auth_generate(&auc.kc, &auc.cfg, &auc.he, auc.amf,
					    mcim_rng_system(), &av),
			 MCIM_OK);
	a[0] = (struct tool_tre_arg){"rand", TOOL_ARG_BSTR, av.rand, 16, 0};
	a[1] = (struct tool_tre_arg){"autn", TOOL_ARG_BSTR, av.autn, av.autn_len, 0};
	a[2] = (struct tool_tre_arg){"target", TOOL_ARG_TSTR, "pcid", 0, 0};
	a[3] = (struct tool_tre_arg){"kind", TOOL_ARG_TSTR, "5g", 0, 0};
	assert_int_equal(tf_call(t, "aka", a, 4), MCIM_ERR_UNSUPPORTED);
	assert_int_equal(tf_call(t, "aka", a, 3), MCIM_OK);
	expect_bstr(t, "res", av.xres, av.xres_len);
	expect_bstr(t, "ck", av.ck, av.ck_len);
	/* replayed: AUTS, nothing changes */
	assert_int_equal(tf_call(t, "aka", a, 3), MCIM_ERR_SYNC_FAILURE);
	/* a forged MAC: counted */
	av.autn[av.autn_len - 1] ^= 1;
	assert_int_equal(tf_call(t, "aka", a, 3), MCIM_ERR_MAC_FAILURE);
	a[2].data = "pcix";
	assert_int_equal(tf_call(t, "aka", a, 3), MCIM_ERR_INVALID_ARG);
	mcim_auth_vector_wipe(&av);
	mcim_aka_keyctx_wipe(&auc.kc);
	tf_free(t);
}

/* Install: idempotent retry with a receipt, a package for another TRE refused
 * (R-TRE-P03), the receipt signed by the TRE (R-TRE-P07). */
static void install_package(void **state)
{
	struct tf *a = tf_new("inst-a"), *b = tf_new("inst-b");
	struct mcim_profile p;
	uint8_t *pkg = malloc(MCIM_TRE_MSG_MAX);
	size_t len, rlen;
	const uint8_t *rc;
	struct mcim_p256_pub id_pub;
	uint8_t tre_id[16];
	struct mcim_cose_sign1 msg;

	(void)state;
	assert_non_null(pkg);
	tf_profile(&p, 0x24);
	len = tf_package(a, &p, "sho1-dpf", pkg, MCIM_TRE_MSG_MAX);
	{
		const struct tool_tre_arg arg = {"package", TOOL_ARG_BSTR, pkg, len, 0};
		json_t *j;

		assert_int_equal(tf_call(b, "install", &arg, 1), MCIM_ERR_DENIED);
		assert_int_equal(tf_call(a, "install", &arg, 1), MCIM_OK);
		j = tool_cbor_to_json(a->r.result, a->r.result_len);
		assert_true(json_is_false(json_object_get(j, "existed")));
		json_decref(j);
		tf_identity(a, tre_id, &id_pub, NULL);
		assert_int_equal(tf_call(a, "install", &arg, 1), MCIM_OK);
		j = tool_cbor_to_json(a->r.result, a->r.result_len);
		assert_true(json_is_true(json_object_get(j, "existed")));
		json_decref(j);
		rc = tf_bstr(a, "receipt", &rlen);
		assert_int_equal(mcim_cose_sign1_verify(rc, rlen, NULL, 0, &id_pub, &msg),
				 MCIM_OK);
		assert_true(tf_contains(msg.payload, msg.payload_len, "mcim/dl/receipt"));
	}
	free(pkg);
	mcim_profile_wipe(&p);
	tf_free(a);
	tf_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(aka_3g_eps_5g),
	    cmocka_unit_test(aka_resync),
	    cmocka_unit_test(aka_mac_failures_are_tamper),
	    cmocka_unit_test(aka_pcid),
	    cmocka_unit_test(install_package),
	};

	return cmocka_run_group_tests(tests, tf_setup_pki, tf_teardown_pki);
}
