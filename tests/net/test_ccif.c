/*
 * The CCIF's operator API and the management queue (R-NET-F01, docs/protocol.md
 * §6), end to end on loopback with a real SQLite file: ordering an MCIM for a
 * registered TRE (IMSI of the tenant's PLMN, algorithm per subscriber), listing
 * and reading it, input errors with their messages, tenant isolation (T-05: another
 * tenant's MCIM is "not found", another tenant's path is forbidden), commands
 * queued with increasing counters and signed by the SHO's management key, the
 * bounded queue, and the TRE's signed results: accepted once, from its own TRE only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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

static json_t *reply_json(const struct reply *r)
{
	json_t *doc = json_loadb((const char *)r->body, r->len, 0, NULL);

	assert_non_null(doc);
	return doc;
}

static const char *jstr(const json_t *doc, const char *key)
{
	const char *s = json_string_value(json_object_get(doc, key));

	assert_non_null(s);
	return s;
}

static void order(const char *tenant, const char *token, const uint8_t tre_id[16],
		  const char *extra, struct reply *r)
{
	char hex[33], body[256], path[96];

	assert_int_equal(mcim_hex_encode(tre_id, 16, hex, sizeof(hex)), MCIM_OK);
	snprintf(body, sizeof(body), "{\"tre_id\": \"%s\"%s}", hex, extra);
	snprintf(path, sizeof(path), "/v1/tenants/%s/mcims", tenant);
	env_op("POST", path, token, body, r);
}

/* R-NET-F01: an order makes the credential, the AuC record (not live) and the
 * order; input errors name the field; one live MCIM per TRE. */
static void test_order(void **state)
{
	struct dev d, unknown;
	struct reply r;
	json_t *doc;
	char path[128];

	(void)state;
	dev_new(&d);
	dev_new(&unknown);
	dev_register(&d, env.sho1, ENV_SHO1, env_now() + 600);

	order("sho1", ENV_TOKEN_SHO1, d.tre_id, ", \"algorithm\": \"tuak\"", &r);
	assert_int_equal(r.status, 201);
	doc = reply_json(&r);
	assert_string_equal(jstr(doc, "algorithm"), "tuak");
	assert_string_equal(jstr(doc, "state"), "created");
	assert_string_equal(jstr(doc, "auc_state"), "suspended");
	assert_int_equal(strlen(jstr(doc, "imsi")), 15);
	assert_memory_equal(jstr(doc, "imsi"), ENV_SHO1, 5);
	assert_int_equal(strlen(jstr(doc, "mcim_id")), 32);
	snprintf(path, sizeof(path), "/v1/tenants/sho1/mcims/%s", jstr(doc, "mcim_id"));
	json_decref(doc);
	reply_free(&r);

	env_op("GET", path, ENV_TOKEN_SHO1, NULL, &r);
	assert_int_equal(r.status, 200);
	doc = reply_json(&r);
	assert_string_equal(jstr(doc, "state"), "created");
	json_decref(doc);
	reply_free(&r);

	order("sho1", ENV_TOKEN_SHO1, d.tre_id, "", &r);
	assert_int_equal(r.status, 409);
	assert_non_null(strstr((const char *)r.body, "EXISTS"));
	reply_free(&r);
	order("sho1", ENV_TOKEN_SHO1, unknown.tre_id, "", &r);
	assert_int_equal(r.status, 404);
	reply_free(&r);
	order("sho1", ENV_TOKEN_SHO1, d.tre_id, ", \"algorithm\": \"xor\"", &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr((const char *)r.body, "algorithm"));
	reply_free(&r);
	order("sho1", ENV_TOKEN_SHO1, d.tre_id, ", \"colour\": 1", &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr((const char *)r.body, "colour"));
	reply_free(&r);
	env_op("POST", "/v1/tenants/sho1/mcims", ENV_TOKEN_SHO1,
	       "{\"tre_id\": \"zz00000000000000000000000000000z\"}", &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr((const char *)r.body, "tre_id"));
	reply_free(&r);
	env_op("GET", "/v1/tenants/sho1/mcims/00", ENV_TOKEN_SHO1, NULL, &r);
	assert_int_equal(r.status, 400);
	reply_free(&r);
	env_op("GET", "/v1/tenants/sho1/mcims/00000000000000000000000000000000",
	       ENV_TOKEN_SHO1, NULL, &r);
	assert_int_equal(r.status, 404);
	reply_free(&r);
	mcim_p256_priv_wipe(&d.key);
	mcim_p256_priv_wipe(&unknown.key);
}

/* T-05: no tenant reaches another's MCIMs. */
static void test_tenant_isolation(void **state)
{
	struct dev d;
	struct reply r;
	struct dl x;
	json_t *doc;
	char path[48], other[128];

	(void)state;
	dev_new(&d);
	dev_register(&d, env.sho1, ENV_SHO1, env_now() + 600);
	dl_full(&x, &d);
	assert_int_equal(mcim_hex_encode(x.profile.id, 16, path, sizeof(path)), MCIM_OK);
	snprintf(other, sizeof(other), "/v1/tenants/sho2/mcims/%s", path);

	env_op("GET", "/v1/tenants/sho1/mcims", ENV_TOKEN_SHO2, NULL, &r);
	assert_int_equal(r.status, 403);
	reply_free(&r);
	env_op("GET", other, ENV_TOKEN_SHO2, NULL, &r);
	assert_int_equal(r.status, 404);
	reply_free(&r);
	assert_int_equal(env_action("sho2", ENV_TOKEN_SHO2, x.profile.id, "delete"), 404);
	/* sho2's list does not show it; sho1's does, installed and live. */
	env_op("GET", "/v1/tenants/sho2/mcims", ENV_TOKEN_SHO2, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_null(strstr((const char *)r.body, path));
	reply_free(&r);
	env_op("GET", "/v1/tenants/sho1/mcims?state=installed", ENV_TOKEN_SHO1, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr((const char *)r.body, path));
	doc = reply_json(&r);
	assert_true(json_is_null(json_object_get(doc, "next")));
	json_decref(doc);
	reply_free(&r);
	env_op("GET", "/v1/tenants/sho1/mcims?state=created", ENV_TOKEN_SHO1, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_null(strstr((const char *)r.body, path));
	reply_free(&r);
	env_op("GET", "/v1/tenants/sho1/mcims?state=gone", ENV_TOKEN_SHO1, NULL, &r);
	assert_int_equal(r.status, 400);
	reply_free(&r);
	env_op("GET", "/v1/tenants/sho1/mcims?after=-4", ENV_TOKEN_SHO1, NULL, &r);
	assert_int_equal(r.status, 400);
	reply_free(&r);
	/* Still intact for its owner. */
	assert_int_equal(env_action("sho1", ENV_TOKEN_SHO1, x.profile.id, "activate"),
			 200);
	dl_wipe(&x);
	mcim_p256_priv_wipe(&d.key);
}

/* §6: counters increase, the queue is bounded, results are the TRE's own and
 * single use. */
static void test_queue_and_results(void **state)
{
	struct dev d, other;
	struct dl x;
	uint8_t cmds[4][256];
	size_t lens[4];
	struct mcim_mgmt cmd;
	const struct tool_pki_entity *mgmt;
	struct mcim_p256_pub pub;
	struct reply r;
	json_t *doc;
	char path[128], hex[33];
	mcim_err err;

	(void)state;
	dev_new(&d);
	dev_new(&other);
	dev_register(&d, env.sho2, ENV_SHO2, env_now() + 600);
	order("sho2", ENV_TOKEN_SHO2, d.tre_id, "", &r);
	assert_int_equal(r.status, 201);
	doc = reply_json(&r);
	assert_int_equal(
	    mcim_hex_decode_exact(jstr(doc, "mcim_id"), 32, x.profile.id, 16), MCIM_OK);
	json_decref(doc);
	reply_free(&r);
	/* Not on the device yet. */
	assert_int_equal(env_action("sho2", ENV_TOKEN_SHO2, x.profile.id, "activate"),
			 409);
	assert_int_equal(env_action("sho2", ENV_TOKEN_SHO2, x.profile.id, "explode"),
			 400);
	assert_int_equal(dev_pull(&d, cmds, lens, 4), 0);
	{
		static const uint8_t nobody[16] = {0};

		assert_int_equal(dev_result(&d, nobody, 1, MCIM_OK, "activated", &err),
				 404);
	}

	dl_full(&x, &d);
	for (int i = 0; i < NET_SHO_QUEUE_MAX; i++)
		assert_int_equal(
		    env_action("sho2", ENV_TOKEN_SHO2, x.profile.id, "activate"), 200);
	assert_int_equal(env_action("sho2", ENV_TOKEN_SHO2, x.profile.id, "activate"),
			 507);
	assert_int_equal(dev_pull(&d, cmds, lens, 4), NET_SHO_QUEUE_MAX);
	mgmt = tool_pki_find_role(&env.pki, MCIM_CERT_ROLE_SHO_MGMT, ENV_SHO2);
	assert_non_null(mgmt);
	pub = mgmt->pub;
	for (int i = 0; i < NET_SHO_QUEUE_MAX; i++) {
		assert_int_equal(mcim_mgmt_verify(cmds[i], lens[i], &pub, &cmd), MCIM_OK);
		assert_int_equal(cmd.counter, (uint64_t)i + 1);
		assert_memory_equal(cmd.tre_id, d.tre_id, 16);
		assert_memory_equal(cmd.mcim_id, x.profile.id, 16);
	}

	/* Results: another TRE's, an untrusted TRE, then the right one for counter 2
	 * (which also settles 1), its replay, a counter never issued. */
	assert_int_equal(dev_result(&other, x.profile.id, 2, MCIM_OK, "activated", &err),
			 403);
	assert_int_equal(err, MCIM_ERR_DENIED);
	{
		struct dev rogue = d;
		struct mcim_p256_pub rp;
		struct tool_pki_tre req;
		size_t n = 0;

		assert_int_equal(mcim_hex_encode(d.tre_id, 16, hex, sizeof(hex)),
				 MCIM_OK);
		assert_int_equal(mcim_p256_keygen(&rogue.key, &rp), MCIM_OK);
		memset(&req, 0, sizeof(req));
		req.pub = &rp;
		req.tre_id = hex;
		req.platform_id = "1";
		req.backend = MCIM_CERT_BACKEND_SOFT;
		req.not_before = time(NULL) - 3600;
		assert_int_equal(tool_pki_issue_tre(&env.rogue, &req, rogue.cert,
						    sizeof(rogue.cert), &rogue.cert_len),
				 MCIM_OK);
		rogue.chain[0] = (struct mcim_iov){rogue.cert, rogue.cert_len};
		assert_int_equal(
		    tool_pki_chain(&env.rogue, "m2mes-ca", 0, rogue.chain + 1, 3, &n),
		    MCIM_OK);
		rogue.n_chain = n + 1;
		assert_int_equal(
		    dev_result(&rogue, x.profile.id, 2, MCIM_OK, "activated", &err), 422);
		assert_int_equal(err, MCIM_ERR_BAD_CERT);
		mcim_p256_priv_wipe(&rogue.key);
	}
	assert_int_equal(dev_result(&d, x.profile.id, 2, MCIM_OK, "activated", &err),
			 200);
	assert_int_equal(dev_pull(&d, cmds, lens, 4), 1);
	assert_int_equal(mcim_mgmt_verify(cmds[0], lens[0], &pub, &cmd), MCIM_OK);
	assert_int_equal(cmd.counter, 3);
	assert_int_equal(dev_result(&d, x.profile.id, 2, MCIM_OK, "activated", &err),
			 409);
	assert_int_equal(err, MCIM_ERR_REPLAY);
	assert_int_equal(dev_result(&d, x.profile.id, 9, MCIM_OK, "activated", &err),
			 409);
	/* The TRE refuses counter 3 (already active): recorded, queue empty, state as
	 * the TRE says. */
	assert_int_equal(
	    dev_result(&d, x.profile.id, 3, MCIM_ERR_STATE, "activated", &err), 200);
	assert_int_equal(dev_pull(&d, cmds, lens, 4), 0);

	assert_int_equal(mcim_hex_encode(x.profile.id, 16, hex, sizeof(hex)), MCIM_OK);
	snprintf(path, sizeof(path), "/v1/tenants/sho2/mcims/%s", hex);
	env_op("GET", path, ENV_TOKEN_SHO2, NULL, &r);
	assert_int_equal(r.status, 200);
	doc = reply_json(&r);
	assert_string_equal(jstr(doc, "state"), "activated");
	assert_string_equal(jstr(doc, "auc_state"), "active");
	assert_int_equal(json_integer_value(json_object_get(doc, "pending_commands")), 0);
	json_decref(doc);
	reply_free(&r);

	/* Delete closes the AuC record at once and is pulled like any command. */
	assert_int_equal(env_action("sho2", ENV_TOKEN_SHO2, x.profile.id, "delete"), 200);
	assert_int_equal(dev_pull(&d, cmds, lens, 4), 1);
	assert_int_equal(mcim_mgmt_verify(cmds[0], lens[0], &pub, &cmd), MCIM_OK);
	assert_int_equal(cmd.cmd, MCIM_MGMT_DELETE);
	assert_int_equal(cmd.counter, 4);
	assert_int_equal(dev_result(&d, x.profile.id, 4, MCIM_OK, "deleted", &err), 200);
	env_op("GET", path, ENV_TOKEN_SHO2, NULL, &r);
	doc = reply_json(&r);
	assert_string_equal(jstr(doc, "state"), "deleted");
	assert_string_equal(jstr(doc, "auc_state"), "closed");
	json_decref(doc);
	reply_free(&r);
	dl_wipe(&x);
	mcim_p256_priv_wipe(&d.key);
	mcim_p256_priv_wipe(&other.key);
}

/* The policy of an MCIM view, as compact JSON with sorted keys. */
static char *policy_of(const json_t *doc)
{
	char *text =
	    json_dumps(json_object_get(doc, "policy"), JSON_COMPACT | JSON_SORT_KEYS);

	assert_non_null(text);
	return text;
}

/* GET the tenant's MCIM id: its view (the caller frees it). */
static json_t *mcim_view(const char *tenant, const char *token, const uint8_t id[16])
{
	char hex[33], path[128];
	struct reply r;
	json_t *doc;

	assert_int_equal(mcim_hex_encode(id, 16, hex, sizeof(hex)), MCIM_OK);
	snprintf(path, sizeof(path), "/v1/tenants/%s/mcims/%s", tenant, hex);
	env_op("GET", path, token, NULL, &r);
	assert_int_equal(r.status, 200);
	doc = reply_json(&r);
	reply_free(&r);
	return doc;
}

static long put_policy(const char *tenant, const char *token, const uint8_t id[16],
		       const char *policy, struct reply *r)
{
	char hex[33], path[128];

	assert_int_equal(mcim_hex_encode(id, 16, hex, sizeof(hex)), MCIM_OK);
	snprintf(path, sizeof(path), "/v1/tenants/%s/mcims/%s/policy", tenant, hex);
	env_op("PUT", path, token, policy, r);
	return r->status;
}

#define DEFAULT_POLICY                                                                   \
	"{\"allowed\":[\"activate\",\"suspend\",\"resume\",\"delete\",\"release\","      \
	"\"aka-3g\",\"aka-eps\",\"aka-5g\"],\"auto_activate\":false,\"lock_until\":0,"   \
	"\"max_mac_failures\":3,\"on_tamper\":\"suspend\",\"share_functions\":false}"

/* R-SEED-09, R-PRC-602: the SHO sets the MCIM's policy when it orders it (what
 * it leaves out takes the default); a policy the TRE would refuse is a 400 naming
 * the field, and nothing is ordered. */
static void test_order_policy(void **state)
{
	static const char *const bad[][2] = {
	    {"{\"on_tamper\": \"explode\"}", "policy.on_tamper"},
	    {"{\"allowed\": [\"fly\"]}", "policy.allowed[0]"},
	    {"{\"allowed\": [\"delete\", \"delete\"]}", "policy.allowed[1]"},
	    {"{\"allowed\": \"activate\"}", "policy.allowed"},
	    {"{\"max_mac_failures\": 70000}", "policy.max_mac_failures"},
	    {"{\"lock_until\": -1}", "policy.lock_until"},
	    {"{\"share_functions\": \"yes\"}", "policy.share_functions"},
	    {"{\"colour\": 1}", "policy.colour"},
	    {"[]", "policy"},
	};
	struct dev d, e;
	struct reply r;
	json_t *doc;
	char *text, extra[160];

	(void)state;
	dev_new(&d);
	dev_new(&e);
	dev_register(&d, env.sho1, ENV_SHO1, env_now() + 600);
	dev_register(&e, env.sho1, ENV_SHO1, env_now() + 600);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(extra, sizeof(extra), ", \"policy\": %s", bad[i][0]);
		order("sho1", ENV_TOKEN_SHO1, d.tre_id, extra, &r);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr((const char *)r.body, bad[i][1]));
		reply_free(&r);
	}
	/* Nothing was made: the registration still takes its first order. */
	order("sho1", ENV_TOKEN_SHO1, d.tre_id,
	      ", \"policy\": {\"on_tamper\": \"wipe\", \"allowed\": [\"activate\", "
	      "\"aka-5g\", \"delete\"], \"max_mac_failures\": 5, \"lock_until\": "
	      "1900000000, \"share_functions\": true}",
	      &r);
	assert_int_equal(r.status, 201);
	doc = reply_json(&r);
	text = policy_of(doc);
	assert_string_equal(text, "{\"allowed\":[\"activate\",\"delete\",\"aka-5g\"],"
				  "\"auto_activate\":false,\"lock_until\":1900000000,"
				  "\"max_mac_failures\":5,\"on_tamper\":\"wipe\","
				  "\"share_functions\":true}");
	free(text);
	json_decref(doc);
	reply_free(&r);
	order("sho1", ENV_TOKEN_SHO1, e.tre_id, "", &r);
	assert_int_equal(r.status, 201);
	doc = reply_json(&r);
	text = policy_of(doc);
	assert_string_equal(text, DEFAULT_POLICY);
	free(text);
	json_decref(doc);
	reply_free(&r);
	mcim_p256_priv_wipe(&d.key);
	mcim_p256_priv_wipe(&e.key);
}

/* R-SEED-09, R-SEED-05: PUT .../policy queues a signed set_policy command; the
 * network takes the new policy as the MCIM's only when the TRE's signed result says
 * it applied it; a refused one leaves the policy as it was. */
static void test_set_policy(void **state)
{
	struct dev d;
	struct dl x;
	uint8_t cmds[4][256];
	size_t lens[4];
	struct mcim_mgmt cmd;
	const struct tool_pki_entity *mgmt;
	struct reply r;
	json_t *doc;
	char *text;
	char trail[4096];
	mcim_err err;

	(void)state;
	dev_new(&d);
	dev_register(&d, env.sho2, ENV_SHO2, env_now() + 600);
	order("sho2", ENV_TOKEN_SHO2, d.tre_id, "", &r);
	assert_int_equal(r.status, 201);
	doc = reply_json(&r);
	assert_int_equal(
	    mcim_hex_decode_exact(jstr(doc, "mcim_id"), 32, x.profile.id, 16), MCIM_OK);
	json_decref(doc);
	reply_free(&r);
	/* Not on the device yet. */
	assert_int_equal(put_policy("sho2", ENV_TOKEN_SHO2, x.profile.id,
				    "{\"on_tamper\": \"wipe\"}", &r),
			 409);
	reply_free(&r);
	dl_full(&x, &d);

	/* Bad bodies queue nothing. */
	assert_int_equal(
	    put_policy("sho2", ENV_TOKEN_SHO2, x.profile.id, "{\"on_tamper\": 2}", &r),
	    400);
	assert_non_null(strstr((const char *)r.body, "on_tamper"));
	reply_free(&r);
	assert_int_equal(put_policy("sho2", ENV_TOKEN_SHO2, x.profile.id, "not json", &r),
			 400);
	reply_free(&r);
	assert_int_equal(put_policy("sho1", ENV_TOKEN_SHO1, x.profile.id,
				    "{\"on_tamper\": \"wipe\"}", &r),
			 404);
	reply_free(&r);
	assert_int_equal(dev_pull(&d, cmds, lens, 4), 0);

	assert_int_equal(put_policy("sho2", ENV_TOKEN_SHO2, x.profile.id,
				    "{\"on_tamper\": \"wipe\", \"max_mac_failures\": 0}",
				    &r),
			 200);
	doc = reply_json(&r);
	assert_int_equal(json_integer_value(json_object_get(doc, "pending_commands")), 1);
	text = policy_of(doc); /* not confirmed yet */
	assert_string_equal(text, DEFAULT_POLICY);
	free(text);
	json_decref(doc);
	reply_free(&r);
	assert_int_equal(dev_pull(&d, cmds, lens, 4), 1);
	mgmt = tool_pki_find_role(&env.pki, MCIM_CERT_ROLE_SHO_MGMT, ENV_SHO2);
	assert_non_null(mgmt);
	assert_int_equal(mcim_mgmt_verify(cmds[0], lens[0], &mgmt->pub, &cmd), MCIM_OK);
	assert_int_equal(cmd.cmd, MCIM_MGMT_SET_POLICY);
	assert_int_equal(cmd.counter, 1);
	assert_memory_equal(cmd.tre_id, d.tre_id, 16);
	assert_int_equal(cmd.u.policy.on_tamper, MCIM_TAMPER_WIPE);
	assert_int_equal(cmd.u.policy.max_mac_failures, 0);
	assert_int_equal(cmd.u.policy.allowed, MCIM_POLICY_ALLOW_ALL);
	assert_int_equal(dev_result(&d, x.profile.id, 1, MCIM_OK, "installed", &err),
			 200);
	doc = mcim_view("sho2", ENV_TOKEN_SHO2, x.profile.id);
	text = policy_of(doc);
	assert_non_null(strstr(text, "\"on_tamper\":\"wipe\""));
	assert_non_null(strstr(text, "\"max_mac_failures\":0"));
	assert_string_equal(jstr(doc, "state"), "installed");
	free(text);
	json_decref(doc);

	/* The TRE refuses the next one: the policy stays the confirmed one. */
	assert_int_equal(put_policy("sho2", ENV_TOKEN_SHO2, x.profile.id,
				    "{\"on_tamper\": \"none\"}", &r),
			 200);
	reply_free(&r);
	assert_int_equal(dev_pull(&d, cmds, lens, 4), 1);
	assert_int_equal(
	    dev_result(&d, x.profile.id, 2, MCIM_ERR_POLICY, "installed", &err), 200);
	doc = mcim_view("sho2", ENV_TOKEN_SHO2, x.profile.id);
	text = policy_of(doc);
	assert_non_null(strstr(text, "\"on_tamper\":\"wipe\""));
	free(text);
	json_decref(doc);
	env_audit_of(env.sho2, x.profile.id, trail, sizeof(trail));
	assert_non_null(strstr(trail, "MGMT_QUEUED api:sho2: set_policy, counter 1\n"));
	assert_non_null(strstr(
	    trail, "MGMT_DONE tre: counter 1, TRE state installed, policy confirmed\n"));
	assert_non_null(strstr(trail, "MGMT_DONE tre: counter 2, TRE state installed\n"));
	dl_wipe(&x);
	mcim_p256_priv_wipe(&d.key);
}

/* Malformed pull and result requests. */
static void test_malformed(void **state)
{
	static const uint8_t junk[] = {0xa1, 0x66, 't', 'r', 'e', '_', 'i', 'd', 0x01};
	struct reply r;

	(void)state;
	env_post("/dpf/v1/commands", junk, sizeof(junk), &r);
	assert_int_equal(r.status, 400);
	reply_free(&r);
	env_post("/dpf/v1/command-results", junk, sizeof(junk), &r);
	assert_int_equal(r.status, 400);
	reply_free(&r);
	env_op("POST", "/v1/tenants/sho1/mcims/0011:activate", ENV_TOKEN_SHO1, NULL, &r);
	assert_int_equal(r.status, 400);
	reply_free(&r);
	env_op("POST", "/v1/tenants/sho1/mcims/0011", ENV_TOKEN_SHO1, NULL, &r);
	assert_int_equal(r.status, 400);
	reply_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order),
	    cmocka_unit_test(test_order_policy),
	    cmocka_unit_test(test_set_policy),
	    cmocka_unit_test(test_tenant_isolation),
	    cmocka_unit_test(test_queue_and_results),
	    cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
