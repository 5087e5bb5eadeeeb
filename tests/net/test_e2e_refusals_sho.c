/*
 * The refusals after the download, against the real mcimd (e2e_env.h) on loopback:
 * management (the SHO's commands and the TRE's signed results, §6), attach at the
 * AuC with key confirmation (§7), and tenant isolation of the operator API
 * (docs/api.md: another tenant's path 403, another tenant's object through one's
 * own path 404). Each refusal is checked for its documented status and error and
 * for an unchanged SQLite file. Last, a real TRE (libmcim's soft backend, made by
 * tool_device_init) driven by the device agent: a package whose ciphertext was
 * modified, another SHO's activation, and an attach before activation are refused
 * and leave the TRE's MCIMs as they were (its mcim-list), after which the genuine
 * steps succeed. R-MCIM-L02, R-MCIM-L04, R-PRC-106..108, R-NET-F02, T-05.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "e2e_env.h"
#include "m2me/agent.h"
#include "tool/device.h"

static struct e2e_dev pcid;

static int setup(void **state)
{
	(void)state;
	if (e2e_pki_init("mcim-refusals-sho") != 0)
		return -1;
	e2e_refusals_up(&pcid, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	e2e_dev_free(&pcid);
	e2e_refusals_down();
	return 0;
}

/* ---- helpers ---- */

/* An operator API call refused with status and error name, the database unchanged. */
static void op_refused(const char *method, const char *path, const char *token,
		       const char *json, long status, const char *err)
{
	struct e2e_snapshot a, b;
	json_t *doc = NULL;
	long got;

	e2e_snapshot_take(&a);
	got = op(e2e_d.base, method, path, token, json, &doc);
	if (got != status)
		fail_msg("%s %s: HTTP %ld, expected %ld", method, path, got, status);
	assert_non_null(doc);
	if (strcmp(json_string_value(json_object_get(doc, "error")), err) != 0)
		fail_msg("%s %s: %s, expected %s", method, path,
			 json_string_value(json_object_get(doc, "error")), err);
	json_decref(doc);
	e2e_snapshot_take(&b);
	e2e_snapshot_same(&a, &b, NULL);
	e2e_snapshot_free(&a);
	e2e_snapshot_free(&b);
}

/* An MCIM order's state through sho1's API. */
static void mcim_state(const uint8_t id[16], char *out, size_t cap)
{
	char hex[33], path[128];
	json_t *doc = NULL;

	hex_of(id, 16, hex);
	snprintf(path, sizeof(path), "/v1/tenants/sho1/mcims/%s", hex);
	assert_int_equal(op(e2e_d.base, "GET", path, ENV_TOKEN_SHO1, NULL, &doc), 200);
	snprintf(out, cap, "%s", json_string_value(json_object_get(doc, "state")));
	json_decref(doc);
}

/* A provisioned device whose MCIM the SHO activated and the TRE reported
 * activated. */
static void activated(struct e2e_dev *e, struct dl *x)
{
	uint8_t cmds[4][256];
	size_t lens[4];
	char st[16];
	mcim_err err;

	provisioned(e, x);
	assert_int_equal(env_action("sho1", ENV_TOKEN_SHO1, x->profile.id, "activate"),
			 200);
	set_base(e2e_d.base);
	assert_int_equal(dev_pull(&e->d, cmds, lens, 4), 1);
	assert_int_equal(dev_result(&e->d, x->profile.id, 1, MCIM_OK, "activated", &err),
			 200);
	mcim_state(x->profile.id, st, sizeof(st));
	assert_string_equal(st, "activated");
}

/* ---- management (§6) ---- */

/* sho2 on sho1's MCIM: through its own path 404 NOT_FOUND (as for an absent id),
 * through sho1's path 403 DENIED, for reading and for every command; nothing is
 * queued, so the device pulls nothing. */
static void mgmt_commands_on_another_shos_mcim_are_refused(void **state)
{
	static const char *const actions[] = {"activate", "suspend", "resume", "delete"};
	struct e2e_dev e;
	struct dl x;
	uint8_t cmds[4][256];
	size_t lens[4];
	char hex[33], path[160];

	(void)state;
	provisioned(&e, &x);
	hex_of(x.profile.id, 16, hex);
	snprintf(path, sizeof(path), "/v1/tenants/sho2/mcims/%s", hex);
	op_refused("GET", path, ENV_TOKEN_SHO2, NULL, 404, "NOT_FOUND");
	snprintf(path, sizeof(path), "/v1/tenants/sho1/mcims/%s", hex);
	op_refused("GET", path, ENV_TOKEN_SHO2, NULL, 403, "DENIED");
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/v1/tenants/sho2/mcims/%s:%s", hex,
			 actions[i]);
		op_refused("POST", path, ENV_TOKEN_SHO2, NULL, 404, "NOT_FOUND");
		snprintf(path, sizeof(path), "/v1/tenants/sho1/mcims/%s:%s", hex,
			 actions[i]);
		op_refused("POST", path, ENV_TOKEN_SHO2, NULL, 403, "DENIED");
	}
	set_base(e2e_d.base);
	assert_int_equal(dev_pull(&e.d, cmds, lens, 4), 0);
	dl_wipe(&x);
	e2e_dev_free(&e);
}

/* Commands the order's state forbids (docs/sho.md): activate before the TRE's
 * receipt, suspend and resume of an installed MCIM: 409 STATE, nothing queued. */
static void mgmt_commands_out_of_order_are_409(void **state)
{
	struct e2e_dev e;
	struct dl x;
	char hex[33], path[160];

	(void)state;
	at_receipt(&e, &x); /* packaged: M4 sent, no receipt yet */
	hex_of(x.profile.id, 16, hex);
	snprintf(path, sizeof(path), "/v1/tenants/sho1/mcims/%s:activate", hex);
	op_refused("POST", path, ENV_TOKEN_SHO1, NULL, 409, "STATE");
	accepted("/dpf/v1/receipt", x.receipt, x.receipt_len, e2e_session);
	snprintf(path, sizeof(path), "/v1/tenants/sho1/mcims/%s:suspend", hex);
	op_refused("POST", path, ENV_TOKEN_SHO1, NULL, 409, "STATE");
	snprintf(path, sizeof(path), "/v1/tenants/sho1/mcims/%s:resume", hex);
	op_refused("POST", path, ENV_TOKEN_SHO1, NULL, 409, "STATE");
	dl_wipe(&x);
	e2e_dev_free(&e);
}

/* TRE results the DPF refuses, the command still queued: signed by another TRE:
 * 403 DENIED; by a TRE certificate that does not chain to the CI root: 422
 * BAD_CERT; one bit of the signed MCIM id flipped: 422 BAD_SIGNATURE; a counter
 * that was never queued: 409 REPLAY. The genuine result is then taken, and sent
 * again is 409 REPLAY. */
static void mgmt_results_forged_modified_or_replayed_are_refused(void **state)
{
	static uint8_t body[MCIM_PROTO_SIGNED_MAX + 32];
	static struct dev rogue;
	struct e2e_dev e, other;
	struct dl x;
	uint8_t cmds[4][256];
	size_t lens[4], len = 0;
	char st[16];

	(void)state;
	provisioned(&e, &x);
	fresh(&other);
	assert_int_equal(env_action("sho1", ENV_TOKEN_SHO1, x.profile.id, "activate"),
			 200);
	dev_result_body(&other.d, x.profile.id, 1, MCIM_OK, "activated", body, &len);
	refused("/dpf/v1/command-results", body, len, NULL, 403, MCIM_ERR_DENIED);
	e2e_dev_issued(&rogue, &env.rogue, e.d.tre_id);
	dev_result_body(&rogue, x.profile.id, 1, MCIM_OK, "activated", body, &len);
	refused("/dpf/v1/command-results", body, len, NULL, 422, MCIM_ERR_BAD_CERT);
	dev_result_body(&e.d, x.profile.id, 1, MCIM_OK, "activated", body, &len);
	e2e_flip(body, len, x.profile.id, 16);
	refused("/dpf/v1/command-results", body, len, NULL, 422, MCIM_ERR_BAD_SIGNATURE);
	dev_result_body(&e.d, x.profile.id, 7, MCIM_OK, "activated", body, &len);
	refused("/dpf/v1/command-results", body, len, NULL, 409, MCIM_ERR_REPLAY);
	set_base(e2e_d.base);
	assert_int_equal(dev_pull(&e.d, cmds, lens, 4), 1);
	mcim_state(x.profile.id, st, sizeof(st));
	assert_string_equal(st, "installed");
	dev_result_body(&e.d, x.profile.id, 1, MCIM_OK, "activated", body, &len);
	accepted("/dpf/v1/command-results", body, len, NULL);
	refused("/dpf/v1/command-results", body, len, NULL, 409, MCIM_ERR_REPLAY);
	mcim_state(x.profile.id, st, sizeof(st));
	assert_string_equal(st, "activated");
	mcim_p256_priv_wipe(&rogue.key);
	dl_wipe(&x);
	e2e_dev_free(&e);
	e2e_dev_free(&other);
}

/* ---- attach (§7; docs/sho.md "AuC") ---- */

/* Before the receipt the AuC record is not live: 403 DENIED; an IMSI nobody has:
 * 404 NOT_FOUND. Neither advances an SQN. */
static void attach_before_receipt_or_unknown_is_refused(void **state)
{
	struct mcim_proto_attach_challenge_req q;
	struct e2e_dev e;
	struct dl x;
	uint8_t buf[160];
	size_t len = 0;

	(void)state;
	at_receipt(&e, &x);
	memset(&q, 0, sizeof(q));
	snprintf(q.imsi, sizeof(q.imsi), "%s", x.profile.imsi);
	snprintf(q.snn, sizeof(q.snn), "%s", ENV_SNN);
	assert_int_equal(
	    mcim_proto_attach_challenge_req_encode(&q, buf, sizeof(buf), &len), MCIM_OK);
	refused("/auc/v1/challenge", buf, len, NULL, 403, MCIM_ERR_DENIED);
	snprintf(q.imsi, sizeof(q.imsi), "%s9999999999", ENV_SHO1);
	assert_int_equal(
	    mcim_proto_attach_challenge_req_encode(&q, buf, sizeof(buf), &len), MCIM_OK);
	refused("/auc/v1/challenge", buf, len, NULL, 404, MCIM_ERR_NOT_FOUND);
	dl_wipe(&x);
	e2e_dev_free(&e);
}

/* Confirmations the AuC refuses, its pending challenge left as it was: none
 * pending: 409 STATE; a wrong RES*: 422 MAC_FAILURE; a wrong key confirmation: 422
 * MAC_FAILURE; a forged AUTS: 422 MAC_FAILURE. The right answer then attaches, and
 * sent again is 409 STATE (the challenge is used up). */
static void attach_confirmations_modified_or_replayed_are_refused(void **state)
{
	struct mcim_proto_attach_challenge ch;
	struct mcim_proto_attach_confirm_req m, bad;
	struct mcim_proto_attach_confirm cf;
	struct mcim_sqn_ms ms;
	struct e2e_dev e;
	struct dl x;
	uint8_t kausf[32], buf[160];
	size_t len = 0;
	mcim_err err;

	(void)state;
	activated(&e, &x);
	memset(&bad, 0, sizeof(bad));
	snprintf(bad.imsi, sizeof(bad.imsi), "%s", x.profile.imsi);
	assert_int_equal(
	    mcim_proto_attach_confirm_req_encode(&bad, buf, sizeof(buf), &len), MCIM_OK);
	refused("/auc/v1/confirm", buf, len, NULL, 409, MCIM_ERR_STATE);
	e2e_usim_init(&x.profile, &ms);
	assert_int_equal(auc_challenge(&x.profile, e2e_d.base, &ch, &err), 200);
	auc_answer(&x.profile, &ms, &ch, &m, kausf);
	bad = m;
	bad.res_star[3] ^= 0x01;
	assert_int_equal(
	    mcim_proto_attach_confirm_req_encode(&bad, buf, sizeof(buf), &len), MCIM_OK);
	refused("/auc/v1/confirm", buf, len, NULL, 422, MCIM_ERR_MAC_FAILURE);
	bad = m;
	bad.kc[0] ^= 0x01;
	assert_int_equal(
	    mcim_proto_attach_confirm_req_encode(&bad, buf, sizeof(buf), &len), MCIM_OK);
	refused("/auc/v1/confirm", buf, len, NULL, 422, MCIM_ERR_MAC_FAILURE);
	memset(&bad, 0, sizeof(bad));
	snprintf(bad.imsi, sizeof(bad.imsi), "%s", x.profile.imsi);
	bad.resync = true;
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), bad.auts, sizeof(bad.auts)),
			 MCIM_OK);
	assert_int_equal(
	    mcim_proto_attach_confirm_req_encode(&bad, buf, sizeof(buf), &len), MCIM_OK);
	refused("/auc/v1/confirm", buf, len, NULL, 422, MCIM_ERR_MAC_FAILURE);
	assert_int_equal(auc_confirm(&m, e2e_d.base, &cf, &err), 200);
	assert_int_equal(
	    mcim_proto_attach_kc_check(kausf, MCIM_PROTO_ATTACH_HN, ch.rand, cf.kc),
	    MCIM_OK);
	assert_int_equal(mcim_proto_attach_confirm_req_encode(&m, buf, sizeof(buf), &len),
			 MCIM_OK);
	refused("/auc/v1/confirm", buf, len, NULL, 409, MCIM_ERR_STATE);
	mcim_wipe(kausf, sizeof(kausf));
	mcim_wipe(&m, sizeof(m));
	dl_wipe(&x);
	e2e_dev_free(&e);
}

/* Suspended by the SHO, then deleted: the record no longer authenticates (403
 * DENIED), whatever the device holds. */
static void attach_suspended_or_deleted_is_403(void **state)
{
	struct mcim_proto_attach_challenge ch;
	struct mcim_proto_attach_challenge_req q;
	struct mcim_sqn_ms ms;
	struct e2e_dev e;
	struct dl x;
	uint8_t buf[160];
	size_t len = 0;
	mcim_err err;

	(void)state;
	activated(&e, &x);
	e2e_usim_init(&x.profile, &ms);
	auc_attach(&x.profile, &ms, e2e_d.base);
	memset(&q, 0, sizeof(q));
	snprintf(q.imsi, sizeof(q.imsi), "%s", x.profile.imsi);
	snprintf(q.snn, sizeof(q.snn), "%s", ENV_SNN);
	assert_int_equal(
	    mcim_proto_attach_challenge_req_encode(&q, buf, sizeof(buf), &len), MCIM_OK);
	assert_int_equal(env_action("sho1", ENV_TOKEN_SHO1, x.profile.id, "suspend"),
			 200);
	refused("/auc/v1/challenge", buf, len, NULL, 403, MCIM_ERR_DENIED);
	assert_int_equal(env_action("sho1", ENV_TOKEN_SHO1, x.profile.id, "delete"), 200);
	refused("/auc/v1/challenge", buf, len, NULL, 403, MCIM_ERR_DENIED);
	assert_int_equal(auc_challenge(&x.profile, e2e_d.base, &ch, &err), 403);
	dl_wipe(&x);
	e2e_dev_free(&e);
}

/* ---- the operator API across tenants (docs/api.md) ---- */

/* Tokens of sho2, the VNO and the PVA on sho1's paths, reading and writing every
 * resource: 403 DENIED; no token and an unknown one: 401 DENIED. */
static void operator_api_on_another_tenants_path_is_403(void **state)
{
	static const char *const tokens[] = {ENV_TOKEN_SHO2, E2E_TOK_VNO, E2E_TOK_PVA,
					     E2E_TOK_RO};
	struct e2e_dev e;
	struct dl x;
	char hex[33], mid[33], reg[160], mc[160], act[160], body[160];
	json_t *doc = NULL;
	int64_t sub;

	(void)state;
	provisioned(&e, &x);
	assert_int_equal(op(e2e_d.base, "POST", "/v1/tenants/sho1/subscribers",
			    ENV_TOKEN_SHO1, "{\"ref\":\"acct-iso\"}", &doc),
			 201);
	sub = (int64_t)json_integer_value(json_object_get(doc, "id"));
	json_decref(doc);
	hex_of(e.d.tre_id, 16, hex);
	hex_of(x.profile.id, 16, mid);
	snprintf(reg, sizeof(reg), "/v1/tenants/sho1/registrations/%s", hex);
	snprintf(mc, sizeof(mc), "/v1/tenants/sho1/mcims/%s", mid);
	snprintf(act, sizeof(act), "/v1/tenants/sho1/mcims/%s:activate", mid);
	snprintf(body, sizeof(body), "{\"tre_id\":\"%s\",\"sho\":\"%s\"}", hex, ENV_SHO1);
	for (size_t t = 0; t < sizeof(tokens) / sizeof(tokens[0]); t++) {
		const char *k = tokens[t];
		char sp[96];

		snprintf(sp, sizeof(sp), "/v1/tenants/sho1/subscribers/%lld",
			 (long long)sub);
		op_refused("GET", "/v1/tenants/sho1", k, NULL, 403, "DENIED");
		op_refused("GET", "/v1/tenants/sho1/subscribers", k, NULL, 403, "DENIED");
		op_refused("GET", sp, k, NULL, 403, "DENIED");
		op_refused("POST", "/v1/tenants/sho1/subscribers", k,
			   "{\"ref\":\"acct-x\"}", 403, "DENIED");
		op_refused("GET", "/v1/tenants/sho1/registrations", k, NULL, 403,
			   "DENIED");
		op_refused("GET", reg, k, NULL, 403, "DENIED");
		op_refused("DELETE", reg, k, NULL, 403, "DENIED");
		op_refused("POST", "/v1/tenants/sho1/registrations", k, body, 403,
			   "DENIED");
		op_refused("GET", "/v1/tenants/sho1/audit", k, NULL, 403, "DENIED");
		op_refused("GET", "/v1/tenants/sho1/mcims", k, NULL, 403, "DENIED");
		op_refused("GET", mc, k, NULL, 403, "DENIED");
		op_refused("POST", act, k, NULL, 403, "DENIED");
		op_refused("POST", "/v1/tenants/sho1/mcims", k, body, 403, "DENIED");
	}
	{
		struct e2e_snapshot a, b;
		struct reply r;

		e2e_snapshot_take(&a);
		set_base(e2e_d.base);
		env_http("POST", "/v1/tenants/sho1/registrations:batch",
			 "application/x-ndjson", ENV_TOKEN_SHO2, body, strlen(body), &r);
		assert_int_equal(r.status, 403);
		reply_free(&r);
		e2e_snapshot_take(&b);
		e2e_snapshot_same(&a, &b, NULL);
		e2e_snapshot_free(&a);
		e2e_snapshot_free(&b);
	}
	op_refused("GET", reg, NULL, NULL, 401, "DENIED");
	op_refused("POST", act, NULL, NULL, 401, "DENIED");
	op_refused("GET", reg, "not-a-known-token", NULL, 401, "DENIED");
	op_refused("DELETE", reg, "not-a-known-token", NULL, 401, "DENIED");
	dl_wipe(&x);
	e2e_dev_free(&e);
}

/* sho2 through its own paths at sho1's objects: answered as absent, 404
 * NOT_FOUND (registration, subscriber, MCIM; reading, releasing, ordering,
 * linking); a registration naming sho1 as its SHO: 403 DENIED; sho1's TRE id:
 * 409 EXISTS (one active registration per TRE id in the system, docs/api.md).
 * sho2's lists show none of it. Kinds that hold no registrations: 403 WRONG_ROLE. */
static void operator_api_other_tenants_objects_are_404(void **state)
{
	struct e2e_dev e, f;
	struct dl x;
	char hex[33], mid[33], path[160], body[200];
	json_t *doc = NULL;
	int64_t sub;

	(void)state;
	provisioned(&e, &x);
	e2e_dev_new(&f, e2e_n_devs++, 0);
	assert_int_equal(op(e2e_d.base, "POST", "/v1/tenants/sho1/subscribers",
			    ENV_TOKEN_SHO1, "{\"ref\":\"acct-own\"}", &doc),
			 201);
	sub = (int64_t)json_integer_value(json_object_get(doc, "id"));
	json_decref(doc);
	hex_of(e.d.tre_id, 16, hex);
	hex_of(x.profile.id, 16, mid);
	snprintf(path, sizeof(path), "/v1/tenants/sho2/registrations/%s", hex);
	op_refused("GET", path, ENV_TOKEN_SHO2, NULL, 404, "NOT_FOUND");
	op_refused("DELETE", path, ENV_TOKEN_SHO2, NULL, 404, "NOT_FOUND");
	snprintf(path, sizeof(path), "/v1/tenants/sho2/subscribers/%lld", (long long)sub);
	op_refused("GET", path, ENV_TOKEN_SHO2, NULL, 404, "NOT_FOUND");
	snprintf(path, sizeof(path), "/v1/tenants/sho2/mcims/%s", mid);
	op_refused("GET", path, ENV_TOKEN_SHO2, NULL, 404, "NOT_FOUND");
	snprintf(body, sizeof(body), "{\"tre_id\":\"%s\"}", hex);
	op_refused("POST", "/v1/tenants/sho2/mcims", ENV_TOKEN_SHO2, body, 404,
		   "NOT_FOUND");
	snprintf(body, sizeof(body),
		 "{\"tre_id\":\"%s\",\"sho\":\"%s\",\"subscriber\":%lld}", f.tre_hex,
		 ENV_SHO2, (long long)sub);
	op_refused("POST", "/v1/tenants/sho2/registrations", ENV_TOKEN_SHO2, body, 404,
		   "NOT_FOUND");
	snprintf(body, sizeof(body),
		 "{\"tre_id\":\"%s\",\"sho\":\"%s\",\"subscription\":\"acct-own\"}",
		 f.tre_hex, ENV_SHO2);
	op_refused("POST", "/v1/tenants/sho2/registrations", ENV_TOKEN_SHO2, body, 404,
		   "NOT_FOUND");
	snprintf(body, sizeof(body), "{\"tre_id\":\"%s\",\"sho\":\"%s\"}", f.tre_hex,
		 ENV_SHO1);
	op_refused("POST", "/v1/tenants/sho2/registrations", ENV_TOKEN_SHO2, body, 403,
		   "DENIED");
	snprintf(body, sizeof(body), "{\"tre_id\":\"%s\",\"sho\":\"%s\"}", hex, ENV_SHO2);
	op_refused("POST", "/v1/tenants/sho2/registrations", ENV_TOKEN_SHO2, body, 409,
		   "EXISTS");
	op_refused("POST", "/v1/tenants/vno/registrations", E2E_TOK_VNO, body, 403,
		   "WRONG_ROLE");
	op_refused("GET", "/v1/tenants/pva/registrations", E2E_TOK_PVA, NULL, 403,
		   "WRONG_ROLE");
	snprintf(path, sizeof(path), "/v1/tenants/pva/registrations/%s", hex);
	op_refused("GET", path, E2E_TOK_PVA, NULL, 403, "WRONG_ROLE");
	snprintf(path, sizeof(path), "/v1/tenants/vno/registrations/%s", hex);
	op_refused("DELETE", path, E2E_TOK_VNO, NULL, 403, "WRONG_ROLE");
	{
		static const char *const lists[] = {
		    "/v1/tenants/sho2/registrations", "/v1/tenants/sho2/subscribers",
		    "/v1/tenants/sho2/mcims", "/v1/tenants/sho2/audit"};
		for (size_t i = 0; i < 4; i++) {
			char *text;

			assert_int_equal(
			    op(e2e_d.base, "GET", lists[i], ENV_TOKEN_SHO2, NULL, &doc),
			    200);
			text = json_dumps(doc, JSON_COMPACT);
			assert_null(strstr(text, hex));
			assert_null(strstr(text, mid));
			assert_null(strstr(text, "acct-own"));
			free(text);
			json_decref(doc);
		}
	}
	dl_wipe(&x);
	e2e_dev_free(&e);
	e2e_dev_free(&f);
}

/* An operator request with its own content type refused with status and error
 * name, the database unchanged. */
static void typed_refused(const char *path, const char *type, const char *body,
			  size_t len, long status, const char *err)
{
	struct e2e_snapshot a, b;
	struct reply r;
	json_t *doc;

	e2e_snapshot_take(&a);
	set_base(e2e_d.base);
	env_http("POST", path, type, ENV_TOKEN_SHO1, body, len, &r);
	if (r.status != status)
		fail_msg("%s (%s): HTTP %ld, expected %ld", path, type, r.status, status);
	doc = json_loadb((const char *)r.body, r.len, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "error")), err);
	json_decref(doc);
	reply_free(&r);
	e2e_snapshot_take(&b);
	e2e_snapshot_same(&a, &b, NULL);
	e2e_snapshot_free(&a);
	e2e_snapshot_free(&b);
}

/* Operator bodies (docs/api.md "Bodies"): another media type 415 UNSUPPORTED, not
 * JSON 400 PARSE, an unknown key 400 INVALID_ARG, a body cut short 400 PARSE, one
 * over limits.max_body_bytes 413 TOO_LARGE; nothing registered or ordered. */
static void operator_bodies_malformed_are_refused(void **state)
{
	static const char *const paths[] = {"/v1/tenants/sho1/registrations",
					    "/v1/tenants/sho1/subscribers",
					    "/v1/tenants/sho1/mcims"};
	static char big[(1 << 20) + 16];
	char ok[128], hex[33];
	uint8_t id[16];

	(void)state;
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), id, 16), MCIM_OK);
	hex_of(id, 16, hex);
	snprintf(ok, sizeof(ok), "{\"tre_id\":\"%s\",\"sho\":\"%s\"}", hex, ENV_SHO1);
	memset(big, ' ', sizeof(big));
	for (size_t i = 0; i < 3; i++) {
		typed_refused(paths[i], "application/cbor", ok, strlen(ok), 415,
			      "UNSUPPORTED");
		typed_refused(paths[i], "text/plain", ok, strlen(ok), 415, "UNSUPPORTED");
		typed_refused(paths[i], "application/json", "{\"tre_id\":", 10, 400,
			      "PARSE");
		typed_refused(paths[i], "application/json", ok, strlen(ok) / 2, 400,
			      "PARSE");
		typed_refused(paths[i], "application/json", "{\"colour\":\"red\"}",
			      strlen("{\"colour\":\"red\"}"), 400, "INVALID_ARG");
		typed_refused(paths[i], "application/json", big, sizeof(big), 413,
			      "TOO_LARGE");
	}
	typed_refused("/v1/tenants/sho1/registrations:batch", "application/json", ok,
		      strlen(ok), 415, "UNSUPPORTED");
}

/* ---- a real TRE ---- */

/* One TRE command through the agent: its status; the result copied to out (may be
 * NULL). */
static mcim_err tre_run(struct m2me *a, const char *cmd, const struct tool_tre_arg *args,
			size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
	static uint8_t req[MCIM_TRE_MSG_MAX];
	const uint8_t *res = NULL;
	size_t len = 0, rl = 0;
	mcim_err st;

	assert_int_equal(tool_tre_request(cmd, args, n, req, sizeof(req), &len), MCIM_OK);
	st = m2me_tre(a, req, len, &res, &rl);
	if (out != NULL) {
		assert_true(res != NULL && rl <= cap);
		memcpy(out, res, rl);
		*out_len = rl;
	}
	return st;
}

/* The TRE's MCIMs (mcim-list) equal what was read before. */
static void tre_mcims_same(struct m2me *a, const uint8_t *before, size_t len)
{
	static uint8_t now[MCIM_TRE_MSG_MAX];
	size_t n = 0;

	assert_int_equal(tre_run(a, "mcim-list", NULL, 0, now, sizeof(now), &n), MCIM_OK);
	assert_int_equal(n, len);
	assert_memory_equal(now, before, len);
}

/* A device made by the factory tools, its PCID imported, its firmware's manifest
 * published, registered with sho1, its TRE opened linked under the agent. */
static void real_device(const char *dir, struct tool_device *dev, struct mcim_tre *tre,
			struct m2me *a)
{
	static uint8_t man[MCIM_MANIFEST_MAX_LEN];
	struct tool_device_opts o = {0};
	struct tool_device_made made;
	struct m2me_config cfg = {0};
	char err[TOOL_DEVICE_ERR_MAX], path[400], hex[33], body[256];
	json_t *j, *p, *doc = NULL;
	size_t len;

	o.pki_dir = env.pki_dir;
	o.backend = MCIM_CERT_BACKEND_SOFT;
	o.now = time(NULL);
	assert_int_equal(tool_device_init(dir, &o, &made, err), MCIM_OK);
	snprintf(path, sizeof(path), "%s/%s", dir, TOOL_DEVICE_FACTORY);
	j = json_load_file(path, 0, NULL);
	p = json_object_get(j, "pcid");
	snprintf(body, sizeof(body), "[{\"pcid\":\"%s\",\"k\":\"%s\",\"opc\":\"%s\"}]",
		 json_string_value(json_object_get(p, "imsi")),
		 json_string_value(json_object_get(p, "k")),
		 json_string_value(json_object_get(p, "opc")));
	json_decref(j);
	assert_int_equal(
	    op(e2e_d.base, "POST", "/v1/tenants/vno/pcids", E2E_TOK_VNO, body, &doc),
	    200);
	assert_int_equal(json_integer_value(json_object_get(doc, "imported")), 1);
	json_decref(doc);
	snprintf(path, sizeof(path), "%s/%s", dir, TOOL_DEVICE_MANIFEST);
	len = file_read(path, man, sizeof(man));
	assert_true(len > 0);
	assert_int_equal(e2e_publish_manifest(e2e_d.base, man, len), 201);
	hex_of(made.tre_id, 16, hex);
	e2e_register(e2e_d.base, "sho1", ENV_TOKEN_SHO1, ENV_SHO1, hex);
	assert_int_equal(tool_device_load(dir, dev, err), MCIM_OK);
	assert_int_equal(mcim_tre_open(tre, &dev->cfg), MCIM_OK);
	assert_int_equal(mcim_tre_state(tre, NULL), MCIM_TRE_READY);
	cfg.icf_url = e2e_d.base;
	cfg.drf_url = e2e_d.base;
	assert_int_equal(m2me_init(a, &cfg, tre, NULL), MCIM_OK);
}

/* The download by hand up to M4, whose ciphertext then loses one bit: the TRE
 * refuses it (DECRYPT) and installs nothing. */
static void real_tre_refuses_a_modified_package(struct m2me *a)
{
	static uint8_t m3[MCIM_PROTO_MSG_MAX], m4[MCIM_PROTO_M4_MAX],
	    res[MCIM_TRE_MSG_MAX];
	static uint8_t list[MCIM_TRE_MSG_MAX];
	struct mcim_proto_m4 v;
	struct reply r;
	const uint8_t *m3p;
	size_t m3_len = 0, m4_len, res_len = 0, list_len = 0;

	assert_int_equal(tre_run(a, "mcim-list", NULL, 0, list, sizeof(list), &list_len),
			 MCIM_OK);
	e2e_post(a->dpf_url, "/dpf/v1/m1", "application/cbor", a->m1, a->m1_len,
		 a->session_hdr, &r);
	assert_int_equal(r.status, 200);
	{
		const struct tool_tre_arg args[3] = {
		    {"m1", TOOL_ARG_BSTR, a->m1, a->m1_len, 0},
		    {"m2", TOOL_ARG_BSTR, r.body, r.len, 0},
		    {"pva", TOOL_ARG_BSTR, a->pva, a->pva_len, 0},
		};

		assert_int_equal(tre_run(a, "dl-m3", args, 3, res, sizeof(res), &res_len),
				 MCIM_OK);
	}
	reply_free(&r);
	assert_int_equal(tool_cbor_get_bstr(res, res_len, "m3", &m3p, &m3_len), MCIM_OK);
	memcpy(m3, m3p, m3_len);
	e2e_post(a->dpf_url, "/dpf/v1/m3", "application/cbor", m3, m3_len, a->session_hdr,
		 &r);
	assert_int_equal(r.status, 200);
	assert_true(r.len <= sizeof(m4));
	memcpy(m4, r.body, r.len);
	m4_len = r.len;
	reply_free(&r);
	assert_int_equal(mcim_proto_m4_decode(m4, m4_len, &v), MCIM_OK);
	m4[(size_t)(v.pkg.data - m4) + v.pkg.len - 1] ^= 0x01; /* the AEAD tag */
	{
		const struct tool_tre_arg arg = {"m4", TOOL_ARG_BSTR, m4, m4_len, 0};

		assert_int_equal(tre_run(a, "dl-install", &arg, 1, NULL, 0, NULL),
				 MCIM_ERR_DECRYPT);
	}
	tre_mcims_same(a, list, list_len);
}

/* A real TRE through the agent: the modified package refused by the TRE, a fresh
 * download then installs; sho2's activation of sho1's MCIM refused (404/403) and
 * nothing to pull; an attach before activation refused by the TRE (R-MCIM-L02:
 * the AuC answers a challenge for a receipted MCIM, the TRE does not answer it);
 * the TRE's MCIMs unchanged through all of it; then sho1 activates and the attach
 * with both key confirmations succeeds. */
static void real_tre_is_unchanged_by_refusals(void **state)
{
	static struct tool_device dev;
	static struct mcim_tre tre;
	static struct m2me a;
	static uint8_t list[MCIM_TRE_MSG_MAX], buf[160];
	struct mcim_proto_attach_challenge_req q;
	struct mcim_proto_attach_challenge ch;
	char dir[320], hex[33], path[160];
	size_t list_len = 0, n = 0, len = 0;
	json_t *doc = NULL;
	struct reply r;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/real-device", env.dir);
	real_device(dir, &dev, &tre, &a);
	assert_int_equal(m2me_connect(&a), MCIM_OK);
	assert_int_equal(m2me_discover(&a), MCIM_OK);
	assert_int_equal(m2me_validate(&a), MCIM_OK);
	real_tre_refuses_a_modified_package(&a);
	assert_int_equal(m2me_discover(&a), MCIM_OK);
	assert_int_equal(m2me_download(&a), MCIM_OK);
	assert_string_equal(a.mcim_state, "installed");
	assert_int_equal(tre_run(&a, "mcim-list", NULL, 0, list, sizeof(list), &list_len),
			 MCIM_OK);

	hex_of(a.mcim_id, 16, hex);
	snprintf(path, sizeof(path), "/v1/tenants/sho2/mcims/%s:activate", hex);
	op_refused("POST", path, ENV_TOKEN_SHO2, NULL, 404, "NOT_FOUND");
	snprintf(path, sizeof(path), "/v1/tenants/sho1/mcims/%s:activate", hex);
	op_refused("POST", path, ENV_TOKEN_SHO2, NULL, 403, "DENIED");
	assert_int_equal(m2me_mgmt_pull(&a, &n), MCIM_OK);
	assert_int_equal(n, 0);
	tre_mcims_same(&a, list, list_len);

	snprintf(path, sizeof(path), "/v1/tenants/sho1/mcims/%s", hex);
	assert_int_equal(op(e2e_d.base, "GET", path, ENV_TOKEN_SHO1, NULL, &doc), 200);
	memset(&q, 0, sizeof(q));
	snprintf(q.imsi, sizeof(q.imsi), "%s",
		 json_string_value(json_object_get(doc, "imsi")));
	json_decref(doc);
	snprintf(q.snn, sizeof(q.snn), "%s", ENV_SNN);
	assert_int_equal(
	    mcim_proto_attach_challenge_req_encode(&q, buf, sizeof(buf), &len), MCIM_OK);
	dev_http(e2e_d.base, "/auc/v1/challenge", buf, len, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(mcim_proto_attach_challenge_decode(r.body, r.len, &ch), MCIM_OK);
	reply_free(&r);
	{
		const struct tool_tre_arg args[3] = {
		    {"autn", TOOL_ARG_BSTR, ch.autn, sizeof(ch.autn), 0},
		    {"rand", TOOL_ARG_BSTR, ch.rand, sizeof(ch.rand), 0},
		    {"snn", TOOL_ARG_TSTR, ENV_SNN, 0, 0},
		};

		assert_int_not_equal(tre_run(&a, "attach", args, 3, NULL, 0, NULL),
				     MCIM_OK);
	}
	tre_mcims_same(&a, list, list_len);

	assert_int_equal(env_action("sho1", ENV_TOKEN_SHO1, a.mcim_id, "activate"), 200);
	assert_int_equal(m2me_mgmt_pull(&a, &n), MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(m2me_attach(&a, ENV_SNN), MCIM_OK);
	m2me_free(&a);
	mcim_tre_close(&tre);
	mcim_wipe(&dev, sizeof(dev));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mgmt_commands_on_another_shos_mcim_are_refused),
	    cmocka_unit_test(mgmt_commands_out_of_order_are_409),
	    cmocka_unit_test(mgmt_results_forged_modified_or_replayed_are_refused),
	    cmocka_unit_test(attach_before_receipt_or_unknown_is_refused),
	    cmocka_unit_test(attach_confirmations_modified_or_replayed_are_refused),
	    cmocka_unit_test(attach_suspended_or_deleted_is_403),
	    cmocka_unit_test(operator_api_on_another_tenants_path_is_403),
	    cmocka_unit_test(operator_api_other_tenants_objects_are_404),
	    cmocka_unit_test(operator_bodies_malformed_are_refused),
	    cmocka_unit_test(real_tre_is_unchanged_by_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
