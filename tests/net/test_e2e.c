/*
 * The real mcimd end to end (issue 4), on the fixture of e2e_env.h: the binary
 * started with a temporary config over a PKI made by `mcim pki init` and a fresh
 * SQLite file, every role in one daemon plus a second daemon (pva, dpf, auc) on the
 * same database. The
 * operators work through the REST API only: the VNO imports PCIDs, the SHO
 * batch-registers TRE ids (NDJSON stream), the PVA publishes reference values, the
 * SHO orders a TUAK MCIM for one device and activates. The devices are simulated with
 * mcim/proto.h, mcim/evidence.h and a TRE identity from the M2MES CA, and each uses
 * only the URLs the DRF's token gives it:
 *   ICF attach (PCID AKA) -> session; DRF discover -> registration token; PVA
 *   challenge + evidence -> signed result; DPF M1..receipt -> MCIM; SHO activate ->
 *   management command pulled and acknowledged; AuC attach with key confirmation.
 * Refusals through the same daemons: no session (401), another tenant's token (403),
 * a device whose firmware was modified (contraindicated by the PVA, 422 BAD_BOOT at
 * the DPF, registration unchanged), a replayed M3, a second discover after the
 * download (404), the batch's duplicate line (EXISTS). R-NET-F01..F02, R-NET-R07,
 * R-PRC-101..108, T-05.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "e2e_env.h"

#define N_DEV 3 /* devices in the batch */

static struct e2e_daemon d_all, d_pva;

static int setup(void **state)
{
	(void)state;
	if (e2e_pki_init("mcim-e2e") != 0)
		return -1;
	e2e_write_config();
	e2e_daemon_start(&d_all, "drf,pva,dpf,auc,icf", "all");
	e2e_daemon_start(&d_pva, "pva,dpf,auc", "second");
	return e2e_store_open();
}

static int teardown(void **state)
{
	(void)state;
	e2e_down();
	return 0;
}

/* The SHO's batch (NDJSON, streamed): every device, then a duplicate line. */
static void batch_register(struct e2e_dev *devs, size_t n)
{
	char body[4096], url[128];
	size_t off = 0;
	struct reply r;

	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(body + off, sizeof(body) - off,
					"{\"tre_id\":\"%s\",\"sho\":\"sho1\"}\n",
					devs[i].tre_hex);
	off += (size_t)snprintf(body + off, sizeof(body) - off,
				"{\"tre_id\":\"%s\",\"sho\":\"%s\"}\n", devs[0].tre_hex,
				ENV_SHO1);
	set_base(d_all.base);
	snprintf(url, sizeof(url), "/v1/tenants/sho1/registrations:batch");
	env_http("POST", url, "application/x-ndjson", ENV_TOKEN_SHO1, body, off, &r);
	assert_int_equal(r.status, 200);
	assert_true(
	    env_contains(r.body, r.len,
			 (const uint8_t *)"{\"summary\":{\"lines\":4,\"registered\":3,"
					  "\"refused\":1}}",
			 strlen("{\"summary\":{\"lines\":4,\"registered\":3,"
				"\"refused\":1}}")));
	assert_true(env_contains(r.body, r.len, (const uint8_t *)"\"result\":\"EXISTS\"",
				 strlen("\"result\":\"EXISTS\"")));
	reply_free(&r);
	/* Another SHO's token on sho1's path. */
	env_http("POST", url, "application/x-ndjson", ENV_TOKEN_SHO2, body, off, &r);
	assert_int_equal(r.status, 403);
	reply_free(&r);
}

/* ---- the test ---- */

static void provisioning_end_to_end(void **state)
{
	static struct e2e_dev devs[N_DEV];
	static struct dl x, y;
	struct mcim_sqn_ms ms;
	uint8_t cmds[4][256];
	size_t lens[4];
	char st[32], path[160], order[128];
	json_t *doc = NULL;
	mcim_err err;
	struct reply r;

	(void)state;
	set_base(d_all.base);
	assert_int_equal(op(d_all.base, "GET", "/healthz", NULL, NULL, NULL), 200);
	for (unsigned i = 0; i < N_DEV; i++)
		e2e_dev_new(&devs[i], i, i == 2);
	import_pcids(d_all.base, devs, N_DEV);
	batch_register(devs, N_DEV);
	/* Published through the first daemon, appraised by the second (shared store). */
	publish_reference_values(d_all.base);
	assert_int_equal(op(d_pva.base, "GET", "/v1/tenants/pva/reference-values",
			    E2E_TOK_PVA, NULL, &doc),
			 200);
	assert_int_equal(json_array_size(json_object_get(doc, "reference_values")), 1);
	json_decref(doc);
	/* Device 1 gets a TUAK MCIM: the SHO orders it before the download. */
	snprintf(order, sizeof(order), "{\"tre_id\":\"%s\",\"algorithm\":\"tuak\"}",
		 devs[1].tre_hex);
	assert_int_equal(
	    op(d_all.base, "POST", "/v1/tenants/sho1/mcims", ENV_TOKEN_SHO1, order, NULL),
	    201);

	/* Without an ICF session the DRF answers nobody. */
	assert_int_equal(drf_discover(&devs[0], d_all.base, NULL), 401);

	for (unsigned i = 0; i < 2; i++) {
		struct e2e_dev *e = &devs[i];
		struct dl *dl = i == 0 ? &x : &y;

		icf_attach(e, d_all.base);
		assert_int_equal(drf_discover(e, d_all.base, e->session), 200);
		assert_string_equal(e->d.tok.sho, ENV_SHO1);
		/* Device 0 validates at the URL the DRF gave; device 1 at the second
		 * daemon (same database, reference values published to the first). */
		pva_validate(e, i == 0 ? e->d.tok.pva_url : d_pva.base);
		assert_int_equal(e->pva_status, MCIM_EAR_AFFIRMING);

		memset(dl, 0, sizeof(*dl));
		memcpy(env.session, e->session, sizeof(env.session));
		set_base(i == 0 ? e->d.tok.dpf_url : d_pva.base);
		assert_int_equal(
		    dl_m1(dl, &e->d, e->d.token, e->d.token_len, e->d.tre_id, &err), 200);
		dl_m3_make(dl, &e->d, e->pva, e->pva_len);
		assert_int_equal(dl_m3_post(dl, &e->d, &err), 200);
		/* The same M3 again is refused. */
		assert_int_not_equal(dl_m3_post(dl, &e->d, &err), 200);
		dl_receipt_make(dl, &e->d, MCIM_OK, &dl->keys);
		assert_int_equal(dl_receipt_post(dl, &err), 200);
		assert_string_equal(reg_state(d_all.base, e, st, sizeof(st)),
				    "provisioned");
		/* Provisioned: the DRF no longer answers for it. */
		assert_int_equal(drf_discover(e, d_all.base, e->session), 404);

		/* The SHO activates; the device pulls the signed command and answers. */
		assert_int_equal(
		    env_action("sho1", ENV_TOKEN_SHO1, dl->profile.id, "activate"), 200);
		set_base(d_all.base);
		assert_int_equal(dev_pull(&e->d, cmds, lens, 4), 1);
		assert_int_equal(
		    dev_result(&e->d, dl->profile.id, 1, MCIM_OK, "activated", &err),
		    200);
		hex_of(dl->profile.id, 16, order);
		snprintf(path, sizeof(path), "/v1/tenants/sho1/mcims/%s", order);
		assert_int_equal(op(d_all.base, "GET", path, ENV_TOKEN_SHO1, NULL, &doc),
				 200);
		assert_string_equal(json_string_value(json_object_get(doc, "state")),
				    "activated");
		json_decref(doc);
		/* Another SHO sees nothing of it. */
		snprintf(path, sizeof(path), "/v1/tenants/sho2/mcims/%s", order);
		assert_int_equal(op(d_all.base, "GET", path, ENV_TOKEN_SHO2, NULL, NULL),
				 404);

		e2e_usim_init(&dl->profile, &ms);
		auc_attach(&dl->profile, &ms, i == 0 ? d_all.base : d_pva.base);
	}
	assert_int_equal(x.profile.cred.alg, MCIM_AKA_MILENAGE);
	assert_int_equal(y.profile.cred.alg, MCIM_AKA_TUAK);

	/* Device 2 runs modified firmware: a contraindicated result, which the DPF
	 * refuses with BAD_BOOT, its registration untouched. */
	icf_attach(&devs[2], d_all.base);
	assert_int_equal(drf_discover(&devs[2], d_all.base, devs[2].session), 200);
	pva_validate(&devs[2], devs[2].d.tok.pva_url);
	assert_int_equal(devs[2].pva_status, MCIM_EAR_CONTRAINDICATED);
	memset(&x, 0, sizeof(x));
	memcpy(env.session, devs[2].session, sizeof(env.session));
	set_base(devs[2].d.tok.dpf_url);
	assert_int_equal(dl_m1(&x, &devs[2].d, devs[2].d.token, devs[2].d.token_len,
			       devs[2].d.tre_id, &err),
			 200);
	dl_m3_make(&x, &devs[2].d, devs[2].pva, devs[2].pva_len);
	assert_int_equal(dl_m3_post(&x, &devs[2].d, &err), 422);
	assert_int_equal(err, MCIM_ERR_BAD_BOOT);
	assert_string_equal(reg_state(d_all.base, &devs[2], st, sizeof(st)),
			    "registered");

	/* The metrics saw it all. */
	set_base(d_all.base);
	env_http("GET", "/metrics", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(env_contains(r.body, r.len,
				 (const uint8_t *)"route=\"/drf/v1/discover\"",
				 strlen("route=\"/drf/v1/discover\"")));
	reply_free(&r);

	dl_wipe(&x);
	dl_wipe(&y);
	for (unsigned i = 0; i < N_DEV; i++)
		e2e_dev_free(&devs[i]);
	e2e_daemon_stop(&d_pva);
	e2e_daemon_stop(&d_all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(provisioning_end_to_end),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
