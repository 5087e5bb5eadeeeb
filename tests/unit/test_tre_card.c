/*
 * The TRE on the `uicc` backend (issue 3 item 9; R-SEED-06, T-04, R-TRE-G11): a
 * device manufactured with a card paired to its M2ME is ready; the card's USIM answers
 * AKA through the TRE (3G on the card, EPS and 5G keys derived in the TRE) with what
 * the SHO's AuC expects, including resynchronisation; the card put into another M2ME
 * refuses to open there (DENIED) and records it, and back in its own M2ME that is a
 * tamper event: a signed report and the MCIMs' tamper policy.
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

/* The SHO's AuC for the card's USIM, from the factory export. */
static void usim_auc(struct tf *t, struct mcim_aka_keyctx *kc)
{
	char path[400];
	struct mcim_aka_cred cred = {0};
	json_t *f, *u;
	const char *k, *opc;

	snprintf(path, sizeof(path), "%s/%s", t->dir, TOOL_DEVICE_FACTORY);
	f = json_load_file(path, 0, NULL);
	assert_non_null(f);
	u = json_object_get(f, "usim");
	k = json_string_value(json_object_get(u, "k"));
	opc = json_string_value(json_object_get(u, "opc"));
	cred.alg = MCIM_AKA_MILENAGE;
	cred.k_len = 16;
	mcim_milenage_default_consts(&cred.params.milenage);
	assert_int_equal(mcim_hex_decode_exact(k, strlen(k), cred.k, 16), MCIM_OK);
	assert_int_equal(mcim_hex_decode_exact(opc, strlen(opc), cred.opc, 16), MCIM_OK);
	json_decref(f);
	assert_int_equal(mcim_aka_prepare(kc, &cred), MCIM_OK);
	mcim_aka_cred_wipe(&cred);
}

static mcim_err usim_aka(struct tf *t, const struct mcim_auth_vector *av,
			 const char *kind, const uint8_t *plmn, const char *snn)
{
	struct tool_tre_arg a[5] = {
	    {"rand", TOOL_ARG_BSTR, av->rand, 16, 0},
	    {"autn", TOOL_ARG_BSTR, av->autn, av->autn_len, 0},
	    {"target", TOOL_ARG_TSTR, "usim", 0, 0},
	};
	size_t n = 3;

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

static void card_usim_aka(void **state)
{
	struct tf *t = tf_new_backend("card", MCIM_CERT_BACKEND_UICC);
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_he he;
	struct mcim_auth_vector av;
	const uint8_t amf[2] = {0x80, 0x00};
	uint8_t plmn[3], kasme[MCIM_KASME_LEN];
	const uint8_t *auts;
	size_t auts_len;
	uint64_t sqn_ms;
	int reset;
	char s[32];

	(void)state;
	tf_state(t, s, sizeof(s));
	assert_string_equal(s, "ready");
	tf_str(t, "backend", s, sizeof(s));
	assert_string_equal(s, "uicc");
	usim_auc(t, &kc);
	mcim_sqn_cfg_default(&cfg);
	assert_int_equal(mcim_sqn_he_init(&cfg, &he, 0), MCIM_OK);
	assert_int_equal(mcim_auth_generate(&kc, &cfg, &he, amf, mcim_rng_system(), &av),
			 MCIM_OK);
	assert_int_equal(usim_aka(t, &av, NULL, NULL, NULL), MCIM_OK);
	expect_bstr(t, "res", av.xres, av.xres_len);
	expect_bstr(t, "ck", av.ck, av.ck_len);
	/* the same again: the card's SQN moved on */
	assert_int_equal(usim_aka(t, &av, NULL, NULL, NULL), MCIM_ERR_SYNC_FAILURE);
	auts = tf_bstr(t, "auts", &auts_len);
	assert_int_equal(mcim_sqn_he_init(&cfg, &he, 0), MCIM_OK);
	assert_int_equal(
	    mcim_auth_resync(&kc, &cfg, &he, av.rand, auts, auts_len, &sqn_ms, &reset),
	    MCIM_OK);
	/* EPS, with KASME derived in the TRE */
	assert_int_equal(mcim_auth_generate(&kc, &cfg, &he, amf, mcim_rng_system(), &av),
			 MCIM_OK);
	assert_int_equal(mcim_plmn_encode("001", "01", plmn), MCIM_OK);
	assert_int_equal(
	    mcim_kdf_kasme(av.ck, av.ck_len, av.ik, av.ik_len, plmn, av.autn, kasme),
	    MCIM_OK);
	assert_int_equal(usim_aka(t, &av, "eps", plmn, NULL), MCIM_OK);
	expect_bstr(t, "kasme", kasme, sizeof(kasme));
	/* 5G */
	{
		struct mcim_auth_5g_vector av5;
		struct mcim_auth_vector v = {0};
		const char *snn = "5G:mnc001.mcc001.3gppnetwork.org";

		assert_int_equal(mcim_auth_generate_5g(&kc, &cfg, &he, amf,
						       mcim_rng_system(), snn,
						       strlen(snn), &av5),
				 MCIM_OK);
		memcpy(v.rand, av5.rand, 16);
		memcpy(v.autn, av5.autn, av5.autn_len);
		v.autn_len = av5.autn_len;
		assert_int_equal(usim_aka(t, &v, "5g", NULL, NULL), MCIM_ERR_INVALID_ARG);
		assert_int_equal(usim_aka(t, &v, "5g", NULL, snn), MCIM_OK);
		expect_bstr(t, "res_star", av5.xres_star, sizeof(av5.xres_star));
		expect_bstr(t, "kausf", av5.kausf, sizeof(av5.kausf));
		/* a forged MAC */
		v.autn[v.autn_len - 1] ^= 1;
		assert_int_equal(usim_aka(t, &v, NULL, NULL, NULL), MCIM_ERR_MAC_FAILURE);
		mcim_auth_5g_vector_wipe(&av5);
	}
	mcim_auth_vector_wipe(&av);
	mcim_aka_keyctx_wipe(&kc);
	tf_free(t);
}

/* On the soft backend there is no card. */
static void no_card_on_soft(void **state)
{
	struct tf *t = tf_new("nocard");
	struct mcim_auth_vector av = {0};

	(void)state;
	av.autn_len = 16;
	assert_int_equal(usim_aka(t, &av, NULL, NULL, NULL), MCIM_ERR_NOT_FOUND);
	tf_free(t);
}

static void card_moved(void **state)
{
	struct tf *a = tf_new_backend("card-a", MCIM_CERT_BACKEND_UICC);
	struct tf *b = tf_new_backend("card-b", MCIM_CERT_BACKEND_UICC);
	struct mcim_profile p;
	char ca[400], cb[400], aside[400], s[96];
	json_t *j;

	(void)state;
	tf_profile(&p, 0x51);
	assert_int_equal(tf_install(a, &p), MCIM_OK);
	assert_int_equal(tf_mgmt(a, p.id, 1, MCIM_MGMT_ACTIVATE), MCIM_OK);
	tf_close(a);
	tf_close(b);
	snprintf(ca, sizeof(ca), "%s/card", a->dir);
	snprintf(cb, sizeof(cb), "%s/card", b->dir);
	snprintf(aside, sizeof(aside), "%s/card-own", b->dir);
	assert_int_equal(rename(cb, aside), 0);
	assert_int_equal(rename(ca, cb), 0);
	/* A's card in B: it refuses its keys, B's TRE does not open. */
	assert_int_equal(tf_open_io(b, NULL), MCIM_ERR_DENIED);
	assert_int_equal(rename(cb, ca), 0);
	assert_int_equal(rename(aside, cb), 0);
	/* Back home: the event is reported once, the MCIM suspended by its policy. */
	tf_open(a);
	tf_state(a, s, sizeof(s));
	assert_string_equal(s, "ready");
	assert_int_equal(tf_call(a, "tamper-reports", NULL, 0), MCIM_OK);
	assert_int_equal(tf_uint(a, "next"), 2);
	assert_int_equal(tf_call(a, "mcim-list", NULL, 0), MCIM_OK);
	j = tool_cbor_to_json(a->r.result, a->r.result_len);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(j, "mcims"), 0), "state")),
			    "suspended");
	json_decref(j);
	tf_close(a);
	tf_open(a);
	assert_int_equal(tf_call(a, "tamper-reports", NULL, 0), MCIM_OK);
	assert_int_equal(tf_uint(a, "next"), 2);
	tf_open(b);
	tf_state(b, s, sizeof(s));
	assert_string_equal(s, "ready");
	mcim_profile_wipe(&p);
	tf_free(a);
	tf_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(card_usim_aka),
	    cmocka_unit_test(no_card_on_soft),
	    cmocka_unit_test(card_moved),
	};

	return cmocka_run_group_tests(tests, tf_setup_pki, tf_teardown_pki);
}
