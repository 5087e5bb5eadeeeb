/*
 * The AuC's attach (docs/protocol.md §7) end to end after a real download: the
 * device runs the USIM side with the installed profile (mcim_auth_usim), both
 * sides derive KAUSF and prove it to each other (key confirmation), for MILENAGE
 * and TUAK subscribers (R-NET-S02, R-PRC-108, R-NET-F01); resynchronisation from
 * AUTS; wrong answers; records not live (before the receipt, suspended, deleted:
 * R-MCIM-L07); and SQNs from two threads and two daemons on one IMSI, all distinct.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>

#include "mcim/auth.h"
#include "mcim/kdf.h"
#include "mcim/mgmt.h"
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

/* The USIM of an installed profile. */
struct usim {
	char imsi[16];
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_ms ms;
};

static void usim_from(struct usim *u, const struct mcim_profile *p)
{
	snprintf(u->imsi, sizeof(u->imsi), "%s", p->imsi);
	assert_int_equal(mcim_aka_prepare(&u->kc, &p->cred), MCIM_OK);
	u->cfg = p->sqn;
	assert_int_equal(mcim_sqn_ms_init_at(&u->cfg, &u->ms, p->sqn_init), MCIM_OK);
}

static long challenge(const char *imsi, struct mcim_proto_attach_challenge *ch,
		      mcim_err *err)
{
	struct mcim_proto_attach_challenge_req m;
	uint8_t buf[128];
	size_t len = 0;
	struct reply r;
	long status;

	memset(&m, 0, sizeof(m));
	snprintf(m.imsi, sizeof(m.imsi), "%s", imsi);
	snprintf(m.snn, sizeof(m.snn), "%s", ENV_SNN);
	assert_int_equal(
	    mcim_proto_attach_challenge_req_encode(&m, buf, sizeof(buf), &len), MCIM_OK);
	env_post("/auc/v1/challenge", buf, len, &r);
	status = r.status;
	*err = MCIM_OK;
	if (status == 200)
		assert_int_equal(mcim_proto_attach_challenge_decode(r.body, r.len, ch),
				 MCIM_OK);
	else
		*err = env_err(&r);
	reply_free(&r);
	return status;
}

static long confirm(const struct mcim_proto_attach_confirm_req *m, struct reply *r)
{
	uint8_t buf[128];
	size_t len = 0;

	assert_int_equal(mcim_proto_attach_confirm_req_encode(m, buf, sizeof(buf), &len),
			 MCIM_OK);
	env_post("/auc/v1/confirm", buf, len, r);
	return r->status;
}

/* The USIM's answer to ch: RES* and KAUSF (MCIM_OK), or AUTS. */
static mcim_err usim_answer(struct usim *u, const struct mcim_proto_attach_challenge *ch,
			    uint8_t res_star[16], uint8_t kausf[32], uint8_t auts[14])
{
	struct mcim_auth_usim_out o;
	mcim_err err = mcim_auth_usim(&u->kc, &u->cfg, &u->ms, ch->rand, ch->autn,
				      sizeof(ch->autn), &o);

	if (err == MCIM_ERR_SYNC_FAILURE) {
		assert_int_equal(o.auts_len, 14);
		memcpy(auts, o.auts, 14);
	} else if (err == MCIM_OK) {
		assert_int_equal(mcim_kdf_res_star(o.ck, o.ck_len, o.ik, o.ik_len,
						   ENV_SNN, strlen(ENV_SNN), ch->rand,
						   o.res, o.res_len, res_star),
				 MCIM_OK);
		assert_int_equal(mcim_kdf_kausf(o.ck, o.ck_len, o.ik, o.ik_len, ENV_SNN,
						strlen(ENV_SNN), ch->autn, kausf),
				 MCIM_OK);
	}
	mcim_auth_usim_out_wipe(&o);
	return err;
}

/* A whole attach with key confirmation both ways. */
static void attach(struct usim *u)
{
	struct mcim_proto_attach_challenge ch;
	struct mcim_proto_attach_confirm_req m;
	struct mcim_proto_attach_confirm c;
	uint8_t kausf[32], auts[14];
	struct reply r;
	mcim_err err;

	assert_int_equal(challenge(u->imsi, &ch, &err), 200);
	memset(&m, 0, sizeof(m));
	snprintf(m.imsi, sizeof(m.imsi), "%s", u->imsi);
	assert_int_equal(usim_answer(u, &ch, m.res_star, kausf, auts), MCIM_OK);
	assert_int_equal(mcim_proto_attach_kc(kausf, MCIM_PROTO_ATTACH_UE, ch.rand, m.kc),
			 MCIM_OK);
	assert_int_equal(confirm(&m, &r), 200);
	assert_int_equal(mcim_proto_attach_confirm_decode(r.body, r.len, &c), MCIM_OK);
	/* The network proves the same KAUSF. */
	assert_int_equal(
	    mcim_proto_attach_kc_check(kausf, MCIM_PROTO_ATTACH_HN, ch.rand, c.kc),
	    MCIM_OK);
	reply_free(&r);
	/* The challenge was single use. */
	assert_int_equal(confirm(&m, &r), 409);
	assert_int_equal(env_err(&r), MCIM_ERR_STATE);
	reply_free(&r);
	mcim_wipe(kausf, sizeof(kausf));
}

static void provision(struct dev *d, struct dl *x, int64_t tenant, const char *plmn,
		      const char *alg, const char *token, const char *tname)
{
	char body[128], hex[33], path[96];
	struct reply r;

	dev_new(d);
	dev_register(d, tenant, plmn, env_now() + 600);
	if (alg != NULL) {
		assert_int_equal(mcim_hex_encode(d->tre_id, 16, hex, sizeof(hex)),
				 MCIM_OK);
		snprintf(body, sizeof(body),
			 "{\"tre_id\": \"%s\", \"algorithm\": \"%s\"}", hex, alg);
		snprintf(path, sizeof(path), "/v1/tenants/%s/mcims", tname);
		env_op("POST", path, token, body, &r);
		assert_int_equal(r.status, 201);
		reply_free(&r);
	}
	dl_full(x, d);
}

/* R-NET-S02, R-PRC-108: MILENAGE (the DPF's default) and TUAK (ordered). */
static void test_attach_milenage_tuak(void **state)
{
	struct dev d, e;
	struct dl x, y;
	struct usim u, v;

	(void)state;
	provision(&d, &x, env.sho1, ENV_SHO1, NULL, NULL, NULL);
	assert_int_equal(x.profile.cred.alg, MCIM_AKA_MILENAGE);
	usim_from(&u, &x.profile);
	attach(&u);
	attach(&u);

	provision(&e, &y, env.sho2, ENV_SHO2, "tuak", ENV_TOKEN_SHO2, "sho2");
	assert_int_equal(y.profile.cred.alg, MCIM_AKA_TUAK);
	usim_from(&v, &y.profile);
	attach(&v);
	mcim_aka_keyctx_wipe(&u.kc);
	mcim_aka_keyctx_wipe(&v.kc);
	dl_wipe(&x);
	dl_wipe(&y);
}

/* Wrong RES*, wrong key confirmation, unknown IMSI, an answer without a challenge. */
static void test_wrong_answers(void **state)
{
	struct dev d;
	struct dl x;
	struct usim u;
	struct mcim_proto_attach_challenge ch;
	struct mcim_proto_attach_confirm_req m;
	uint8_t kausf[32], auts[14];
	struct reply r;
	mcim_err err;

	(void)state;
	provision(&d, &x, env.sho1, ENV_SHO1, NULL, NULL, NULL);
	usim_from(&u, &x.profile);
	memset(&m, 0, sizeof(m));
	snprintf(m.imsi, sizeof(m.imsi), "%s", u.imsi);
	assert_int_equal(confirm(&m, &r), 409); /* no challenge yet */
	assert_int_equal(env_err(&r), MCIM_ERR_STATE);
	reply_free(&r);

	assert_int_equal(challenge(u.imsi, &ch, &err), 200);
	assert_int_equal(usim_answer(&u, &ch, m.res_star, kausf, auts), MCIM_OK);
	assert_int_equal(mcim_proto_attach_kc(kausf, MCIM_PROTO_ATTACH_UE, ch.rand, m.kc),
			 MCIM_OK);
	m.res_star[0] ^= 1;
	assert_int_equal(confirm(&m, &r), 422);
	assert_int_equal(env_err(&r), MCIM_ERR_MAC_FAILURE);
	reply_free(&r);
	m.res_star[0] ^= 1;
	m.kc[31] ^= 1;
	assert_int_equal(confirm(&m, &r), 422);
	assert_int_equal(env_err(&r), MCIM_ERR_MAC_FAILURE);
	reply_free(&r);
	/* The network's own proof is not accepted as the device's. */
	assert_int_equal(mcim_proto_attach_kc(kausf, MCIM_PROTO_ATTACH_HN, ch.rand, m.kc),
			 MCIM_OK);
	assert_int_equal(confirm(&m, &r), 422);
	reply_free(&r);
	/* Refusals consumed nothing: the right answer still passes. */
	assert_int_equal(mcim_proto_attach_kc(kausf, MCIM_PROTO_ATTACH_UE, ch.rand, m.kc),
			 MCIM_OK);
	assert_int_equal(confirm(&m, &r), 200);
	reply_free(&r);

	/* An answer after the challenge's expiry (300 s), seen by a daemon whose clock
	 * is there already. */
	{
		struct net_sho *later = env_second(NET_SHO_CHALLENGE_TTL + 30);
		struct net_sho_buf out = {NULL, 0};
		uint8_t buf[128];
		size_t len = 0;

		assert_int_equal(challenge(u.imsi, &ch, &err), 200);
		assert_int_equal(usim_answer(&u, &ch, m.res_star, kausf, auts), MCIM_OK);
		assert_int_equal(
		    mcim_proto_attach_kc(kausf, MCIM_PROTO_ATTACH_UE, ch.rand, m.kc),
		    MCIM_OK);
		assert_int_equal(
		    mcim_proto_attach_confirm_req_encode(&m, buf, sizeof(buf), &len),
		    MCIM_OK);
		assert_int_equal(net_auc_confirm(later, buf, len, &out),
				 MCIM_ERR_EXPIRED);
		net_sho_free(later);
		assert_int_equal(confirm(&m, &r), 200);
		reply_free(&r);
	}

	assert_int_equal(challenge("001019999999999", &ch, &err), 404);
	assert_int_equal(err, MCIM_ERR_NOT_FOUND);
	mcim_aka_keyctx_wipe(&u.kc);
	dl_wipe(&x);
}

/* A USIM ahead of the AuC (e.g. a restored database): AUTS, resynchronisation, and
 * the new challenge is accepted. A forged AUTS is refused. */
static void test_resync(void **state)
{
	struct dev d;
	struct dl x;
	struct usim u;
	struct mcim_proto_attach_challenge ch;
	struct mcim_proto_attach_confirm_req m;
	uint8_t kausf[32], auts[14];
	uint64_t ahead;
	struct reply r;
	mcim_err err;

	(void)state;
	provision(&d, &x, env.sho2, ENV_SHO2, "milenage", ENV_TOKEN_SHO2, "sho2");
	usim_from(&u, &x.profile);
	/* Every IND slot has seen SEQ 5000: the AuC's SEQ 1 is stale in any slot. */
	for (unsigned ind = 0; ind < (1u << u.cfg.ind_bits); ind++) {
		assert_int_equal(mcim_sqn_make(&u.cfg, 5000, ind, &ahead), MCIM_OK);
		assert_int_equal(mcim_sqn_ms_accept(&u.cfg, &u.ms, ahead), MCIM_OK);
	}

	assert_int_equal(challenge(u.imsi, &ch, &err), 200);
	assert_int_equal(usim_answer(&u, &ch, m.res_star, kausf, auts),
			 MCIM_ERR_SYNC_FAILURE);
	memset(&m, 0, sizeof(m));
	snprintf(m.imsi, sizeof(m.imsi), "%s", u.imsi);
	m.resync = true;
	memcpy(m.auts, auts, sizeof(auts));
	m.auts[13] ^= 1;
	assert_int_equal(confirm(&m, &r), 422);
	assert_int_equal(env_err(&r), MCIM_ERR_MAC_FAILURE);
	reply_free(&r);
	m.auts[13] ^= 1;
	assert_int_equal(confirm(&m, &r), 200);
	assert_int_equal(mcim_proto_attach_challenge_decode(r.body, r.len, &ch), MCIM_OK);
	reply_free(&r);
	memset(&m, 0, sizeof(m));
	snprintf(m.imsi, sizeof(m.imsi), "%s", u.imsi);
	assert_int_equal(usim_answer(&u, &ch, m.res_star, kausf, auts), MCIM_OK);
	assert_int_equal(mcim_proto_attach_kc(kausf, MCIM_PROTO_ATTACH_UE, ch.rand, m.kc),
			 MCIM_OK);
	assert_int_equal(confirm(&m, &r), 200);
	reply_free(&r);
	attach(&u);
	mcim_aka_keyctx_wipe(&u.kc);
	dl_wipe(&x);
}

/* Not live before the receipt; suspended (after activation) refused, resumed
 * accepted; deleted refused for good (R-MCIM-L07). */
static void test_record_states(void **state)
{
	struct dev d;
	struct dl x;
	struct usim u;
	struct mcim_proto_attach_challenge ch;
	uint8_t cmds[4][256];
	size_t lens[4];
	struct mcim_mgmt cmd;
	struct mcim_p256_pub mgmt_pub;
	const struct tool_pki_entity *mgmt;
	char hex[33], body[96], trail[2048];
	struct reply r;
	mcim_err err;

	(void)state;
	dev_new(&d);
	dev_register(&d, env.sho1, ENV_SHO1, env_now() + 600);
	assert_int_equal(mcim_hex_encode(d.tre_id, 16, hex, sizeof(hex)), MCIM_OK);
	snprintf(body, sizeof(body), "{\"tre_id\": \"%s\"}", hex);
	env_op("POST", "/v1/tenants/sho1/mcims", ENV_TOKEN_SHO1, body, &r);
	assert_int_equal(r.status, 201);
	{
		json_t *doc = json_loadb((const char *)r.body, r.len, 0, NULL);

		assert_non_null(doc);
		snprintf(u.imsi, sizeof(u.imsi), "%s",
			 json_string_value(json_object_get(doc, "imsi")));
		json_decref(doc);
	}
	reply_free(&r);
	assert_int_equal(challenge(u.imsi, &ch, &err), 403); /* not installed yet */
	assert_int_equal(err, MCIM_ERR_DENIED);

	dl_full(&x, &d);
	usim_from(&u, &x.profile);
	attach(&u);

	assert_int_equal(env_action("sho1", ENV_TOKEN_SHO1, x.profile.id, "activate"),
			 200);
	assert_int_equal(dev_pull(&d, cmds, lens, 4), 1);
	mgmt = tool_pki_find_role(&env.pki, MCIM_CERT_ROLE_SHO_MGMT, ENV_SHO1);
	assert_non_null(mgmt);
	mgmt_pub = mgmt->pub;
	assert_int_equal(mcim_mgmt_verify(cmds[0], lens[0], &mgmt_pub, &cmd), MCIM_OK);
	assert_int_equal(cmd.cmd, MCIM_MGMT_ACTIVATE);
	assert_int_equal(
	    dev_result(&d, x.profile.id, cmd.counter, MCIM_OK, "activated", &err), 200);
	attach(&u);

	assert_int_equal(env_action("sho1", ENV_TOKEN_SHO1, x.profile.id, "suspend"),
			 200);
	assert_int_equal(challenge(u.imsi, &ch, &err), 403);
	assert_int_equal(err, MCIM_ERR_DENIED);
	assert_int_equal(dev_pull(&d, cmds, lens, 4), 1);
	assert_int_equal(mcim_mgmt_verify(cmds[0], lens[0], &mgmt_pub, &cmd), MCIM_OK);
	assert_int_equal(cmd.cmd, MCIM_MGMT_SUSPEND);
	assert_int_equal(
	    dev_result(&d, x.profile.id, cmd.counter, MCIM_OK, "suspended", &err), 200);
	assert_int_equal(env_action("sho1", ENV_TOKEN_SHO1, x.profile.id, "resume"), 200);
	attach(&u);

	assert_int_equal(env_action("sho1", ENV_TOKEN_SHO1, x.profile.id, "delete"), 200);
	assert_int_equal(challenge(u.imsi, &ch, &err), 403);
	assert_int_equal(err, MCIM_ERR_DENIED);
	/* Deleted is final: resume is no longer possible. */
	assert_int_equal(env_action("sho1", ENV_TOKEN_SHO1, x.profile.id, "resume"), 409);
	/* R-SEED-07, T-18: the MCIM's whole life in the SHO's audit trail; the refused
	 * resume left nothing. */
	env_audit_of(env.sho1, x.profile.id, trail, sizeof(trail));
	assert_non_null(strstr(trail, "MCIM_ORDERED api:sho1: "));
	assert_non_null(strstr(trail, "MCIM_STATE dpf: created -> packaged\n"
				      "MCIM_STATE dpf: packaged -> installed\n"
				      "MGMT_QUEUED api:sho1: activate, counter 1\n"
				      "MCIM_STATE tre: installed -> activated\n"
				      "MGMT_DONE tre: counter 1, TRE state activated\n"
				      "MGMT_QUEUED api:sho1: suspend, counter 2\n"
				      "MCIM_STATE tre: activated -> suspended\n"
				      "MGMT_DONE tre: counter 2, TRE state suspended\n"
				      "MGMT_QUEUED api:sho1: resume, counter 3\n"
				      "MGMT_QUEUED api:sho1: delete, counter 4\n"));
	assert_null(strstr(trail, "counter 5"));
	assert_int_equal(challenge(u.imsi, &ch, &err), 403);
	mcim_aka_keyctx_wipe(&u.kc);
	dl_wipe(&x);
}

/* ---- SQNs under concurrency ---- */

#define PER_THREAD 25

struct racer {
	char imsi[16];
	struct net_sho *direct; /* a second daemon's context; NULL: over HTTP */
	const struct mcim_aka_keyctx *kc;
	uint64_t sqn[PER_THREAD];
};

static void *race(void *arg)
{
	struct racer *rc = arg;
	struct mcim_proto_attach_challenge_req m;
	struct mcim_proto_attach_challenge ch;
	struct mcim_aka_out o;
	uint8_t buf[128], sqn[6];
	size_t len = 0;

	memset(&m, 0, sizeof(m));
	snprintf(m.imsi, sizeof(m.imsi), "%s", rc->imsi);
	snprintf(m.snn, sizeof(m.snn), "%s", ENV_SNN);
	if (mcim_proto_attach_challenge_req_encode(&m, buf, sizeof(buf), &len) != MCIM_OK)
		return NULL;
	for (int i = 0; i < PER_THREAD; i++) {
		rc->sqn[i] = UINT64_MAX;
		if (rc->direct != NULL) {
			struct net_sho_buf out = {NULL, 0};

			if (net_auc_challenge(rc->direct, buf, len, &out) == MCIM_OK &&
			    mcim_proto_attach_challenge_decode(out.data, out.len, &ch) ==
				MCIM_OK)
				rc->sqn[i] = 0;
			net_sho_buf_free(&out);
		} else {
			struct reply r;

			env_post("/auc/v1/challenge", buf, len, &r);
			if (r.status == 200 && mcim_proto_attach_challenge_decode(
						   r.body, r.len, &ch) == MCIM_OK)
				rc->sqn[i] = 0;
			reply_free(&r);
		}
		if (rc->sqn[i] == UINT64_MAX)
			continue;
		if (mcim_aka_compute(rc->kc, MCIM_AKA_F2345, ch.rand, NULL, NULL, &o) !=
		    MCIM_OK)
			continue;
		for (int k = 0; k < 6; k++)
			sqn[k] = ch.autn[k] ^ o.ak[k];
		rc->sqn[i] = mcim_sqn_from_bytes(sqn);
		mcim_aka_out_wipe(&o);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Two threads over HTTP and one through a second daemon context on the same
 * database, all on one IMSI: every SQN is issued once. */
static void test_concurrent_sqn(void **state)
{
	struct dev d;
	struct dl x;
	struct usim u;
	struct racer rc[3];
	pthread_t th[3];
	struct net_sho *second;
	uint64_t all[3 * PER_THREAD];

	(void)state;
	provision(&d, &x, env.sho1, ENV_SHO1, NULL, NULL, NULL);
	usim_from(&u, &x.profile);
	second = env_second(0);
	for (int i = 0; i < 3; i++) {
		memset(&rc[i], 0, sizeof(rc[i]));
		snprintf(rc[i].imsi, sizeof(rc[i].imsi), "%s", u.imsi);
		rc[i].kc = &u.kc;
		rc[i].direct = i == 2 ? second : NULL;
		assert_int_equal(pthread_create(&th[i], NULL, race, &rc[i]), 0);
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < 3; i++)
		memcpy(all + i * PER_THREAD, rc[i].sqn, sizeof(rc[i].sqn));
	qsort(all, 3 * PER_THREAD, sizeof(all[0]), cmp_u64);
	for (size_t i = 0; i < 3 * PER_THREAD; i++) {
		assert_true(all[i] != UINT64_MAX);
		if (i > 0)
			assert_true(all[i] != all[i - 1]);
	}
	/* The device still attaches after all that. */
	attach(&u);
	net_sho_free(second);
	mcim_aka_keyctx_wipe(&u.kc);
	dl_wipe(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_attach_milenage_tuak),
	    cmocka_unit_test(test_wrong_answers),
	    cmocka_unit_test(test_resync),
	    cmocka_unit_test(test_record_states),
	    cmocka_unit_test(test_concurrent_sqn),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
