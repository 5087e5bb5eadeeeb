/*
 * The DPF's MCIM download (docs/protocol.md §5) end to end: a real server on
 * loopback over a real SQLite file, the TRE simulated with mcim/proto.h. The whole
 * M1..R run and the MCIM decrypting to a valid profile of the SHO (R-NET-F03,
 * R-PRC-105/106); every refusal path with its documented error and, where the
 * store could have changed, proof that it did not (the same transaction still
 * completes afterwards); the retry after a lost M4 giving the same MCIM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_dpf_env.h"

static int setup(void **state)
{
	(void)state;
	env_up();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	env_down();
	return 0;
}

static void expect_order(const struct dev *d, int64_t tenant, int state)
{
	struct net_mcim_order o;

	assert_int_equal(net_store_order_find(env.st, tenant, d->tre_id, &o), MCIM_OK);
	assert_int_equal(o.state, state);
}

static void expect_reg(const struct dev *d, int64_t tenant, int state)
{
	struct net_registration r;

	assert_int_equal(net_store_registration_get(env.st, tenant, d->registration, &r),
			 MCIM_OK);
	assert_int_equal(r.state, state);
}

/* R-NET-F03, R-PRC-105, R-PRC-106: M1..R; the profile is the SHO's, for this TRE
 * only; afterwards the order is INSTALLED, the AuC record live, the registration
 * PROVISIONED and the token used. */
static void test_download(void **state)
{
	struct dev d;
	struct dl x;
	struct net_mcim_order o;
	struct net_auc_record *r = calloc(1, sizeof(*r));
	struct net_reg_token rt;
	char trail[1024], want[512];

	(void)state;
	assert_non_null(r);
	dev_new(&d);
	dev_register(&d, env.sho1, ENV_SHO1, env_now() + 600);
	dl_full(&x, &d);
	assert_string_equal(x.profile.sho, ENV_SHO1);
	assert_int_equal(strlen(x.profile.imsi), 15);
	assert_memory_equal(x.profile.imsi, ENV_SHO1, 5);
	assert_memory_equal(x.profile.id, x.m4v.mcim_id, 16);
	assert_int_equal(x.profile.cred.alg, MCIM_AKA_MILENAGE);
	assert_int_equal(mcim_profile_check(&x.profile), MCIM_OK);

	assert_int_equal(net_store_order_find(env.st, env.sho1, d.tre_id, &o), MCIM_OK);
	assert_memory_equal(o.mcim_id, x.profile.id, 16);
	assert_int_equal(o.state, NET_MCIM_INSTALLED);
	assert_int_equal(net_store_auc_get(env.st, env.sho1, x.profile.imsi, r), MCIM_OK);
	assert_int_equal(r->state, NET_AUC_ACTIVE);
	/* Credentials are sealed at rest: neither K nor OPc is in the record. */
	assert_false(env_contains(r->cred, r->cred_len, x.profile.cred.k, 16));
	assert_false(env_contains(r->cred, r->cred_len, x.profile.cred.opc, 16));
	expect_reg(&d, env.sho1, NET_REG_PROVISIONED);
	assert_int_equal(net_store_regtoken_get(env.st, env.sho1, d.tok.reg_id, &rt),
			 MCIM_OK);
	assert_true(rt.used != 0);
	/* The other SHO sees nothing of it. */
	assert_int_equal(net_store_order_find(env.st, env.sho2, d.tre_id, &o),
			 MCIM_ERR_NOT_FOUND);
	/* R-SEED-07, T-18: each step of the MCIM's life is in the SHO's audit trail, in
	 * order, none in the other SHO's. */
	snprintf(want, sizeof(want),
		 "MCIM_ORDERED dpf: registration %lld, IMSI %s, milenage\n"
		 "MCIM_STATE dpf: created -> packaged\n"
		 "MCIM_STATE dpf: packaged -> installed\n",
		 (long long)d.registration, x.profile.imsi);
	env_audit_of(env.sho1, o.mcim_id, trail, sizeof(trail));
	assert_string_equal(trail, want);
	env_audit_of(env.sho2, o.mcim_id, trail, sizeof(trail));
	assert_string_equal(trail, "");
	dl_wipe(&x);
	free(r);
}

/* Registration token refusals at M1: untrusted signer, unknown to the store, for
 * another TRE, expired, for an SHO not served here, consumed. Nothing is created. */
static void test_m1_token_refusals(void **state)
{
	struct dev d, other, rogue;
	struct dl x;
	mcim_err err;
	struct net_mcim_order o;
	struct mcim_p256_priv key;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	struct mcim_proto_signer signer;
	size_t n = 0;

	(void)state;
	dev_new(&d);
	dev_new(&other);
	dev_register(&d, env.sho1, ENV_SHO1, env_now() + 600);
	dev_register(&other, env.sho1, ENV_SHO1, env_now() + 600);

	/* The token of another TRE in this TRE's M1 (T-13). */
	assert_int_equal(dl_m1(&x, &d, other.token, other.token_len, d.tre_id, &err),
			 403);
	assert_int_equal(err, MCIM_ERR_DENIED);

	/* Signed by a DRF of a PKI nobody trusts. */
	rogue = d;
	assert_int_equal(tool_pki_key(&env.rogue, "ro-drf", &key), MCIM_OK);
	assert_int_equal(tool_pki_chain(&env.rogue, "ro-drf", 0, chain, 4, &n), MCIM_OK);
	signer = (struct mcim_proto_signer){&key, chain, n};
	assert_int_equal(mcim_proto_reg_token_sign(&d.tok, &signer, rogue.token,
						   sizeof(rogue.token), &rogue.token_len),
			 MCIM_OK);
	assert_int_equal(dl_m1(&x, &d, rogue.token, rogue.token_len, d.tre_id, &err),
			 422);
	assert_int_equal(err, MCIM_ERR_BAD_CERT);

	/* Well signed, but never issued by the DRF (no row), expired, or for an SHO
	 * this daemon does not serve. */
	assert_int_equal(tool_pki_key(&env.pki, "ro-drf", &key), MCIM_OK);
	assert_int_equal(tool_pki_chain(&env.pki, "ro-drf", 0, chain, 4, &n), MCIM_OK);
	signer = (struct mcim_proto_signer){&key, chain, n};
	rogue.tok = d.tok;
	rogue.tok.reg_id[0] ^= 1;
	assert_int_equal(mcim_proto_reg_token_sign(&rogue.tok, &signer, rogue.token,
						   sizeof(rogue.token), &rogue.token_len),
			 MCIM_OK);
	assert_int_equal(dl_m1(&x, &d, rogue.token, rogue.token_len, d.tre_id, &err),
			 403);
	assert_int_equal(err, MCIM_ERR_DENIED);
	rogue.tok = d.tok;
	rogue.tok.iat = env_now() - 4000;
	rogue.tok.exp = env_now() - 1000;
	assert_int_equal(mcim_proto_reg_token_sign(&rogue.tok, &signer, rogue.token,
						   sizeof(rogue.token), &rogue.token_len),
			 MCIM_OK);
	assert_int_equal(dl_m1(&x, &d, rogue.token, rogue.token_len, d.tre_id, &err),
			 410);
	assert_int_equal(err, MCIM_ERR_EXPIRED);
	rogue.tok = d.tok;
	snprintf(rogue.tok.sho, sizeof(rogue.tok.sho), "00199");
	assert_int_equal(mcim_proto_reg_token_sign(&rogue.tok, &signer, rogue.token,
						   sizeof(rogue.token), &rogue.token_len),
			 MCIM_OK);
	assert_int_equal(dl_m1(&x, &d, rogue.token, rogue.token_len, d.tre_id, &err),
			 403);
	assert_int_equal(err, MCIM_ERR_DENIED);
	mcim_p256_priv_wipe(&key);

	/* Malformed M1. */
	{
		struct reply r;
		static const uint8_t junk[] = {0xa1, 0x61, 'x', 0x01};

		env_post("/dpf/v1/m1", junk, sizeof(junk), &r);
		assert_int_equal(r.status, 400);
		assert_int_equal(env_err(&r), MCIM_ERR_PARSE);
		reply_free(&r);
	}

	/* Nothing was created for d by all that. */
	assert_int_equal(net_store_order_find(env.st, env.sho1, d.tre_id, &o),
			 MCIM_ERR_NOT_FOUND);
	expect_reg(&d, env.sho1, NET_REG_REGISTERED);

	/* The token still works, once. */
	dl_full(&x, &d);
	dl_wipe(&x);
	assert_int_equal(dl_m1(&x, &d, d.token, d.token_len, d.tre_id, &err), 409);
	assert_int_equal(err, MCIM_ERR_REPLAY);
	dl_wipe(&x);
	mcim_p256_priv_wipe(&d.key);
	mcim_p256_priv_wipe(&other.key);
}

/* PVA result refusals at M3: stale, forged, contraindicated, another TRE's. Each
 * leaves the transaction pending: the same txid completes afterwards. */
static void test_m3_pva_refusals(void **state)
{
	struct dev d, other;
	struct dl x;
	uint8_t pva[MCIM_PROTO_SIGNED_MAX];
	size_t pva_len = 0;
	mcim_err err;
	int64_t now = env_now();

	(void)state;
	dev_new(&d);
	dev_new(&other);
	dev_register(&d, env.sho1, ENV_SHO1, now + 600);
	memset(&x, 0, sizeof(x));
	assert_int_equal(dl_m1(&x, &d, d.token, d.token_len, d.tre_id, &err), 200);

	dev_pva(&d, &env.pki, MCIM_EAR_AFFIRMING, now - 7200, now - 3600, pva,
		sizeof(pva), &pva_len);
	dl_m3_make(&x, &d, pva, pva_len);
	assert_int_equal(dl_m3_post(&x, &d, &err), 410);
	assert_int_equal(err, MCIM_ERR_EXPIRED);

	dev_pva(&d, &env.rogue, MCIM_EAR_AFFIRMING, now, now + 600, pva, sizeof(pva),
		&pva_len);
	dl_m3_make(&x, &d, pva, pva_len);
	assert_int_equal(dl_m3_post(&x, &d, &err), 422);
	assert_int_equal(err, MCIM_ERR_BAD_CERT);

	dev_pva(&d, &env.pki, MCIM_EAR_CONTRAINDICATED, now, now + 600, pva, sizeof(pva),
		&pva_len);
	dl_m3_make(&x, &d, pva, pva_len);
	assert_int_equal(dl_m3_post(&x, &d, &err), 422);
	assert_int_equal(err, MCIM_ERR_BAD_BOOT);

	dev_pva(&other, &env.pki, MCIM_EAR_AFFIRMING, now, now + 600, pva, sizeof(pva),
		&pva_len);
	dl_m3_make(&x, &d, pva, pva_len);
	assert_int_equal(dl_m3_post(&x, &d, &err), 403);
	assert_int_equal(err, MCIM_ERR_DENIED);

	expect_reg(&d, env.sho1, NET_REG_REGISTERED);
	{
		struct net_mcim_order o;

		assert_int_equal(net_store_order_find(env.st, env.sho1, d.tre_id, &o),
				 MCIM_ERR_NOT_FOUND);
	}
	dev_pva(&d, &env.pki, MCIM_EAR_AFFIRMING, now, now + 600, pva, sizeof(pva),
		&pva_len);
	dl_m3_make(&x, &d, pva, pva_len);
	assert_int_equal(dl_m3_post(&x, &d, &err), 200);
	dl_wipe(&x);
	mcim_p256_priv_wipe(&d.key);
	mcim_p256_priv_wipe(&other.key);
}

/* M3 signed by another key than the TRE's certificate, or by another TRE; then a
 * replay of the accepted M3 (txid consumed). */
static void test_m3_signature_and_replay(void **state)
{
	struct dev d, other, forged;
	struct dl x;
	uint8_t pva[MCIM_PROTO_SIGNED_MAX], m3[MCIM_PROTO_MSG_MAX];
	size_t pva_len = 0, m3_len;
	mcim_err err;
	struct reply r;

	(void)state;
	dev_new(&d);
	dev_new(&other);
	dev_register(&d, env.sho1, ENV_SHO1, env_now() + 600);
	memset(&x, 0, sizeof(x));
	assert_int_equal(dl_m1(&x, &d, d.token, d.token_len, d.tre_id, &err), 200);
	dev_pva(&d, &env.pki, MCIM_EAR_AFFIRMING, env_now(), env_now() + 600, pva,
		sizeof(pva), &pva_len);

	forged = d;
	forged.key = other.key; /* d's certificate, another key */
	dl_m3_make(&x, &forged, pva, pva_len);
	assert_int_equal(dl_m3_post(&x, &d, &err), 422);
	assert_int_equal(err, MCIM_ERR_BAD_SIGNATURE);

	dl_m3_make(&x, &other, pva, pva_len); /* another TRE's own chain */
	assert_int_equal(dl_m3_post(&x, &d, &err), 403);
	assert_int_equal(err, MCIM_ERR_DENIED);

	dl_m3_make(&x, &d, pva, pva_len);
	memcpy(m3, x.m3, x.m3_len);
	m3_len = x.m3_len;
	assert_int_equal(dl_m3_post(&x, &d, &err), 200);
	env_post("/dpf/v1/m3", m3, m3_len, &r);
	assert_int_equal(r.status, 409);
	assert_int_equal(env_err(&r), MCIM_ERR_REPLAY);
	reply_free(&r);
	dl_wipe(&x);
	mcim_p256_priv_wipe(&d.key);
	mcim_p256_priv_wipe(&other.key);
}

/* A receipt with a wrong key confirmation changes nothing; the right one installs;
 * its replay is refused. */
static void test_receipt(void **state)
{
	struct dev d;
	struct dl x;
	struct mcim_proto_dl_keys wrong;
	uint8_t pva[MCIM_PROTO_SIGNED_MAX];
	size_t pva_len = 0;
	mcim_err err;

	(void)state;
	dev_new(&d);
	dev_register(&d, env.sho1, ENV_SHO1, env_now() + 600);
	memset(&x, 0, sizeof(x));
	dev_pva(&d, &env.pki, MCIM_EAR_AFFIRMING, env_now(), env_now() + 600, pva,
		sizeof(pva), &pva_len);
	assert_int_equal(dl_m1(&x, &d, d.token, d.token_len, d.tre_id, &err), 200);
	dl_m3_make(&x, &d, pva, pva_len);
	assert_int_equal(dl_m3_post(&x, &d, &err), 200);

	wrong = x.keys;
	wrong.confirm[5] ^= 0x40;
	dl_receipt_make(&x, &d, MCIM_OK, &wrong);
	assert_int_equal(dl_receipt_post(&x, &err), 422);
	assert_int_equal(err, MCIM_ERR_MAC_FAILURE);
	expect_order(&d, env.sho1, NET_MCIM_PACKAGED);
	expect_reg(&d, env.sho1, NET_REG_REGISTERED);

	dl_receipt_make(&x, &d, MCIM_OK, &x.keys);
	assert_int_equal(dl_receipt_post(&x, &err), 200);
	expect_order(&d, env.sho1, NET_MCIM_INSTALLED);
	expect_reg(&d, env.sho1, NET_REG_PROVISIONED);
	assert_int_equal(dl_receipt_post(&x, &err), 409);
	assert_int_equal(err, MCIM_ERR_REPLAY);
	mcim_proto_dl_keys_wipe(&wrong);
	dl_wipe(&x);
	mcim_p256_priv_wipe(&d.key);
}

/* R-PRC-106: M4 lost, the device starts again at M1 with the same token: the same
 * MCIM comes under fresh keys; one order only. A TRE that reports a failed install
 * leaves the registration open. */
static void test_retry_same_mcim(void **state)
{
	struct dev d;
	struct dl x, y;
	uint8_t pva[MCIM_PROTO_SIGNED_MAX];
	size_t pva_len = 0, n = 0;
	struct net_mcim_order orders[4];
	mcim_err err;

	(void)state;
	dev_new(&d);
	dev_register(&d, env.sho2, ENV_SHO2, env_now() + 600);
	dev_pva(&d, &env.pki, MCIM_EAR_AFFIRMING, env_now(), env_now() + 600, pva,
		sizeof(pva), &pva_len);
	memset(&x, 0, sizeof(x));
	assert_int_equal(dl_m1(&x, &d, d.token, d.token_len, d.tre_id, &err), 200);
	dl_m3_make(&x, &d, pva, pva_len);
	assert_int_equal(dl_m3_post(&x, &d, &err), 200); /* the answer is "lost" */

	memset(&y, 0, sizeof(y));
	assert_int_equal(dl_m1(&y, &d, d.token, d.token_len, d.tre_id, &err), 200);
	assert_memory_not_equal(y.m2v.txid, x.m2v.txid, 16);
	dl_m3_make(&y, &d, pva, pva_len);
	assert_int_equal(dl_m3_post(&y, &d, &err), 200);
	assert_memory_equal(y.m4v.mcim_id, x.m4v.mcim_id, 16);
	assert_string_equal(y.profile.imsi, x.profile.imsi);
	assert_memory_equal(y.profile.cred.k, x.profile.cred.k, 16);
	assert_memory_not_equal(y.keys.aead, x.keys.aead, 32);
	assert_int_equal(net_store_order_list(env.st, env.sho2, 0, 0, orders, 4, &n),
			 MCIM_OK);
	{
		size_t mine = 0;

		for (size_t i = 0; i < n; i++)
			mine += memcmp(orders[i].tre_id, d.tre_id, 16) == 0;
		assert_int_equal(mine, 1);
	}

	/* The TRE could not install (its result says so): recorded, nothing else. */
	dl_receipt_make(&y, &d, MCIM_ERR_FULL, &y.keys);
	assert_int_equal(dl_receipt_post(&y, &err), 200);
	expect_order(&d, env.sho2, NET_MCIM_PACKAGED);
	expect_reg(&d, env.sho2, NET_REG_REGISTERED);

	/* The first transaction's receipt (EXISTS: installed already) completes it. */
	dl_receipt_make(&x, &d, MCIM_ERR_EXISTS, &x.keys);
	assert_int_equal(dl_receipt_post(&x, &err), 200);
	expect_order(&d, env.sho2, NET_MCIM_INSTALLED);
	expect_reg(&d, env.sho2, NET_REG_PROVISIONED);
	dl_wipe(&x);
	dl_wipe(&y);
	mcim_p256_priv_wipe(&d.key);
}

/* A transaction past its expiry (10 min) is refused, and so is its receipt's. */
static void test_expired_tx(void **state)
{
	struct dev d;
	struct dl x;
	uint8_t pva[MCIM_PROTO_SIGNED_MAX];
	size_t pva_len = 0;
	struct net_sho *later = env_second(NET_SHO_TX_TTL + 60);
	struct net_sho_buf out = {NULL, 0};
	mcim_err err;

	(void)state;
	dev_new(&d);
	dev_register(&d, env.sho1, ENV_SHO1, env_now() + 7200);
	memset(&x, 0, sizeof(x));
	assert_int_equal(dl_m1(&x, &d, d.token, d.token_len, d.tre_id, &err), 200);
	dev_pva(&d, &env.pki, MCIM_EAR_AFFIRMING, env_now(), env_now() + 7200, pva,
		sizeof(pva), &pva_len);
	dl_m3_make(&x, &d, pva, pva_len);
	assert_int_equal(net_dpf_m3(later, x.m3, x.m3_len, &out), MCIM_ERR_EXPIRED);
	assert_int_equal(dl_m3_post(&x, &d, &err), 200);
	dl_receipt_make(&x, &d, MCIM_OK, &x.keys);
	assert_int_equal(net_dpf_receipt(later, x.receipt, x.receipt_len, &out),
			 MCIM_ERR_EXPIRED);
	assert_null(out.data);
	expect_order(&d, env.sho1, NET_MCIM_PACKAGED);
	assert_int_equal(dl_receipt_post(&x, &err), 200);
	net_sho_free(later);
	dl_wipe(&x);
	mcim_p256_priv_wipe(&d.key);
}

/* §2: the download needs an ICF session that reaches the DPF. */
static void test_session_required(void **state)
{
	struct dev d;
	struct dl x;
	mcim_err err;
	char saved[sizeof(env.session)];

	(void)state;
	dev_new(&d);
	dev_register(&d, env.sho1, ENV_SHO1, env_now() + 600);
	memcpy(saved, env.session, sizeof(saved));
	env.session[0] = '\0';
	assert_int_equal(dl_m1(&x, &d, d.token, d.token_len, d.tre_id, &err), 401);
	assert_int_equal(err, MCIM_ERR_DENIED);
	env_session(MCIM_PROTO_SCOPE_DRF | MCIM_PROTO_SCOPE_PVA);
	assert_int_equal(dl_m1(&x, &d, d.token, d.token_len, d.tre_id, &err), 401);
	assert_int_equal(err, MCIM_ERR_DENIED);
	memcpy(env.session, saved, sizeof(saved));
	dl_full(&x, &d);
	dl_wipe(&x);
	mcim_p256_priv_wipe(&d.key);
}

/* Unknown transactions: an M3 or receipt for a txid nobody issued. */
static void test_unknown_tx(void **state)
{
	struct dev d;
	struct dl x;
	uint8_t pva[MCIM_PROTO_SIGNED_MAX];
	size_t pva_len = 0;
	mcim_err err;

	(void)state;
	dev_new(&d);
	dev_register(&d, env.sho1, ENV_SHO1, env_now() + 600);
	memset(&x, 0, sizeof(x));
	assert_int_equal(dl_m1(&x, &d, d.token, d.token_len, d.tre_id, &err), 200);
	x.m2v.txid[15] ^= 1;
	dev_pva(&d, &env.pki, MCIM_EAR_AFFIRMING, env_now(), env_now() + 600, pva,
		sizeof(pva), &pva_len);
	dl_m3_make(&x, &d, pva, pva_len);
	assert_int_equal(dl_m3_post(&x, &d, &err), 404);
	assert_int_equal(err, MCIM_ERR_NOT_FOUND);
	x.m2v.txid[0] ^= 0x80; /* a tenant that does not exist */
	dl_m3_make(&x, &d, pva, pva_len);
	assert_int_equal(dl_m3_post(&x, &d, &err), 404);
	assert_int_equal(err, MCIM_ERR_NOT_FOUND);
	memset(x.ct_hash, 0, sizeof(x.ct_hash));
	dl_receipt_make(&x, &d, MCIM_OK, &x.keys);
	assert_int_equal(dl_receipt_post(&x, &err), 404);
	assert_int_equal(err, MCIM_ERR_NOT_FOUND);
	dl_wipe(&x);
	mcim_p256_priv_wipe(&d.key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_download),
	    cmocka_unit_test(test_m1_token_refusals),
	    cmocka_unit_test(test_m3_pva_refusals),
	    cmocka_unit_test(test_m3_signature_and_replay),
	    cmocka_unit_test(test_receipt),
	    cmocka_unit_test(test_retry_same_mcim),
	    cmocka_unit_test(test_unknown_tx),
	    cmocka_unit_test(test_session_required),
	    cmocka_unit_test(test_expired_tx),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
