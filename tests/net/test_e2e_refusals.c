/*
 * Every refusal of the device-facing download path (issue 4), against the real mcimd
 * (e2e_env.h: the binary with every role, a PKI made by `mcim pki init`, a fresh
 * SQLite file) on loopback: ICF connectivity, the ICF session that the DRF, the PVA
 * and the DPF require, DRF discovery, PVA validation, the DPF's M1, M3 and receipt,
 * and the bodies of every device route. Each test drives a device (simulated with
 * mcim/proto.h, a TRE identity from the M2MES CA) to the step under test, sends one
 * wrong message and checks the documented answer (docs/protocol.md §1, docs/mcimd.md,
 * docs/pva.md, docs/sho.md: HTTP status and CBOR error name) and that the daemon's
 * SQLite file, read by a connection of its own, holds the same rows before and after.
 * Where a step is then redone with the right message and succeeds, the refusal
 * provably left nothing half-done. Forgeries come from a second PKI nobody trusts;
 * a revoked TRE is on the PKI's revocation list before the daemon starts; stale
 * objects are signed with the genuine keys and past times (the daemon has no test
 * clock). R-PRC-101..106, R-PRC-205, R-NET-S03/S04, T-01..T-05.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "e2e_env.h"

/* PCIDs imported for the ICF tests; the first earns the session all devices use. */
#define N_PCIDS 4

static struct e2e_dev pcids[N_PCIDS];
static struct dev revoked; /* registered, its certificate revoked */

static int setup(void **state)
{
	(void)state;
	if (e2e_pki_init("mcim-refusals") != 0)
		return -1;
	dev_new(&revoked);
	assert_int_equal(tool_pki_revoke_cert(&env.pki, revoked.cert, revoked.cert_len,
					      "a stolen TRE"),
			 MCIM_OK);
	e2e_refusals_up(pcids, N_PCIDS);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < N_PCIDS; i++)
		e2e_dev_free(&pcids[i]);
	mcim_p256_priv_wipe(&revoked.key);
	e2e_refusals_down();
	return 0;
}

/* M1 for e with token (len octets) claiming tre_id. */
static size_t m1_body(const struct dl *x, const uint8_t *token, size_t len,
		      const uint8_t tre_id[16], uint8_t *out, size_t cap)
{
	struct mcim_proto_m1 m1;
	size_t n = 0;

	memset(&m1, 0, sizeof(m1));
	memcpy(m1.tre_id, tre_id, 16);
	m1.token = (struct mcim_proto_span){token, len};
	memcpy(m1.c_t, x->c_t, 16);
	assert_int_equal(mcim_proto_m1_encode(&m1, out, cap, &n), MCIM_OK);
	return n;
}

/* ---- ICF (§2; docs/pva.md "AKA") ---- */

/* A wrong RES: 403 DENIED, no session; the pending challenge is used up (the one
 * change docs/pva.md allows), so the right RES to it is DENIED afterwards. */
static void icf_wrong_res_is_denied_and_uses_up_the_challenge(void **state)
{
	struct e2e_dev *e = &pcids[1];
	struct mcim_proto_icf_challenge ch;
	struct e2e_snapshot a, b;
	uint8_t good[160], bad[160];
	size_t len = 0;
	struct reply r;

	(void)state;
	icf_challenge(e, e2e_d.base, &ch);
	icf_answer(e, &ch, good, sizeof(good), &len);
	{
		struct mcim_proto_icf_attach_req m;

		assert_int_equal(mcim_proto_icf_attach_req_decode(good, len, &m),
				 MCIM_OK);
		m.res[0] ^= 0x01;
		assert_int_equal(
		    mcim_proto_icf_attach_req_encode(&m, bad, sizeof(bad), &len),
		    MCIM_OK);
	}
	e2e_snapshot_take(&a);
	dev_http(e2e_d.base, "/icf/v1/attach", bad, len, NULL, &r);
	e2e_refused(&r, 403, MCIM_ERR_DENIED);
	reply_free(&r);
	e2e_snapshot_take(&b);
	e2e_snapshot_same(&a, &b, "auc_subscriber");
	assert_int_equal(e2e_snapshot_diff(&a, &b, "auc_subscriber"), 2);
	e2e_snapshot_free(&a);
	e2e_snapshot_free(&b);
	refused("/icf/v1/attach", good, len, NULL, 403, MCIM_ERR_DENIED);
	icf_attach(e, e2e_d.base);
}

/* An answer with no challenge pending, and one for a PCID never imported: the same
 * 403 DENIED, nothing written. */
static void icf_attach_without_challenge_or_pcid_is_denied(void **state)
{
	struct e2e_dev *e = &pcids[2], stranger;
	struct mcim_proto_icf_challenge ch;
	uint8_t body[160];
	size_t len = 0;

	(void)state;
	memset(&ch, 0, sizeof(ch));
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), ch.rand, 16), MCIM_OK);
	e2e_dev_new(&stranger, 999, 0);
	{
		struct mcim_proto_icf_attach_req a;

		memset(&a, 0, sizeof(a));
		snprintf(a.pcid, sizeof(a.pcid), "%s", e->pcid);
		a.res_len = 8;
		assert_int_equal(
		    mcim_proto_icf_attach_req_encode(&a, body, sizeof(body), &len),
		    MCIM_OK);
		refused("/icf/v1/attach", body, len, NULL, 403, MCIM_ERR_DENIED);
		snprintf(a.pcid, sizeof(a.pcid), "%s", stranger.pcid);
		assert_int_equal(
		    mcim_proto_icf_attach_req_encode(&a, body, sizeof(body), &len),
		    MCIM_OK);
		refused("/icf/v1/attach", body, len, NULL, 403, MCIM_ERR_DENIED);
	}
	/* The challenge of an unknown PCID (T-12): a decoy, 200 like any challenge,
	 * with the ICF's AMF in its AUTN, nothing written; its answer is DENIED. */
	{
		struct mcim_proto_icf_challenge_req q;
		struct mcim_proto_icf_attach_req a;
		struct e2e_snapshot s0, s1;
		struct reply r;

		memset(&q, 0, sizeof(q));
		snprintf(q.pcid, sizeof(q.pcid), "%s", stranger.pcid);
		assert_int_equal(
		    mcim_proto_icf_challenge_req_encode(&q, body, sizeof(body), &len),
		    MCIM_OK);
		e2e_snapshot_take(&s0);
		dev_http(e2e_d.base, "/icf/v1/challenge", body, len, NULL, &r);
		assert_int_equal(r.status, 200);
		assert_int_equal(mcim_proto_icf_challenge_decode(r.body, r.len, &ch),
				 MCIM_OK);
		assert_int_equal(ch.autn[6], 0);
		assert_int_equal(ch.autn[7], 0);
		reply_free(&r);
		e2e_snapshot_take(&s1);
		e2e_snapshot_same(&s0, &s1, NULL);
		e2e_snapshot_free(&s0);
		e2e_snapshot_free(&s1);
		memset(&a, 0, sizeof(a));
		snprintf(a.pcid, sizeof(a.pcid), "%s", stranger.pcid);
		a.res_len = 8;
		assert_int_equal(
		    mcim_proto_icf_attach_req_encode(&a, body, sizeof(body), &len),
		    MCIM_OK);
		refused("/icf/v1/attach", body, len, NULL, 403, MCIM_ERR_DENIED);
	}
	e2e_dev_free(&stranger);
}

/* The attach that earned a session, sent again: DENIED (the challenge is single
 * use), nothing written. */
static void icf_replayed_attach_is_denied(void **state)
{
	struct e2e_dev *e = &pcids[3];
	struct mcim_proto_icf_challenge ch;
	uint8_t body[160];
	size_t len = 0;

	(void)state;
	icf_challenge(e, e2e_d.base, &ch);
	icf_answer(e, &ch, body, sizeof(body), &len);
	accepted("/icf/v1/attach", body, len, NULL);
	refused("/icf/v1/attach", body, len, NULL, 403, MCIM_ERR_DENIED);
}

/* A forged AUTS (MAC-S wrong): DENIED; the challenge is used up as for a wrong RES
 * and SEQ_HE not moved, so a fresh challenge still works. */
static void icf_forged_auts_is_denied(void **state)
{
	struct e2e_dev *e = &pcids[2];
	struct mcim_proto_icf_challenge ch;
	struct mcim_proto_icf_attach_req a;
	struct e2e_snapshot s0, s1;
	uint8_t body[160];
	size_t len = 0;
	struct reply r;

	(void)state;
	icf_challenge(e, e2e_d.base, &ch);
	memset(&a, 0, sizeof(a));
	snprintf(a.pcid, sizeof(a.pcid), "%s", e->pcid);
	a.resync = 1;
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), a.auts, sizeof(a.auts)),
			 MCIM_OK);
	assert_int_equal(mcim_proto_icf_attach_req_encode(&a, body, sizeof(body), &len),
			 MCIM_OK);
	e2e_snapshot_take(&s0);
	dev_http(e2e_d.base, "/icf/v1/attach", body, len, NULL, &r);
	e2e_refused(&r, 403, MCIM_ERR_DENIED);
	reply_free(&r);
	e2e_snapshot_take(&s1);
	e2e_snapshot_same(&s0, &s1, "auc_subscriber");
	e2e_snapshot_free(&s0);
	e2e_snapshot_free(&s1);
	icf_attach(e, e2e_d.base);
}

/* ---- the ICF session at the DRF, the PVA and the DPF (§2: 401 DENIED) ---- */

/* A valid request of a route whose body length is known only once it is made. */
struct route_msg {
	const char *path;
	const uint8_t *body;
	size_t *len;
};

enum bad_session { S_NONE, S_FORGED, S_EXPIRED, S_SCOPE, S_MODIFIED, S_SCHEME };

/* Sends a valid request of each of the six session routes with the bad session:
 * 401 DENIED each time, nothing written; then the same requests with the right
 * session succeed. */
static void session_refusals(enum bad_session kind)
{
	static struct e2e_dev a, b, c;
	static struct dl xb, xc;
	static uint8_t disc[96], chal[128], ev[MCIM_PROTO_MSG_MAX];
	char hdr[sizeof(env.session)];
	const int64_t now = env_now();
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	size_t disc_len = 0, chal_len = 0, ev_len = 0;
	struct route_msg routes[6];

	/* a: discover and PVA; b: M1 and M3; c: the receipt. */
	fresh(&a);
	{
		struct mcim_proto_discover_req q;
		struct mcim_proto_pva_challenge_req pq = {.mode = MCIM_EVIDENCE_REMOTE};

		memcpy(q.tre_id, a.d.tre_id, 16);
		memset(q.n_d, 7, sizeof(q.n_d));
		assert_int_equal(
		    mcim_proto_discover_req_encode(&q, disc, sizeof(disc), &disc_len),
		    MCIM_OK);
		memcpy(pq.tre_id, a.d.tre_id, 16);
		assert_int_equal(mcim_proto_pva_challenge_req_encode(
				     &pq, chal, sizeof(chal), &chal_len),
				 MCIM_OK);
	}
	pva_nonce(&a, e2e_d.base, n_p);
	pva_evidence_body(&a, &a.d, n_p, ev, sizeof(ev), &ev_len);
	at_m3(&b, &xb);
	dl_m3_make(&xb, &b.d, b.pva, b.pva_len);
	at_receipt(&c, &xc);
	routes[0] = (struct route_msg){"/drf/v1/discover", disc, &disc_len};
	routes[1] = (struct route_msg){"/pva/v1/challenge", chal, &chal_len};
	routes[2] = (struct route_msg){"/pva/v1/evidence", ev, &ev_len};
	routes[3] = (struct route_msg){"/dpf/v1/m1", xb.m1, &xb.m1_len};
	routes[4] = (struct route_msg){"/dpf/v1/m3", xb.m3, &xb.m3_len};
	routes[5] = (struct route_msg){"/dpf/v1/receipt", xc.receipt, &xc.receipt_len};

	switch (kind) {
	case S_NONE:
		break;
	case S_FORGED: /* a VNO ICF key of a CA the daemon does not trust */
		e2e_session_make(&env.rogue, now, now + 1800, 7, 0, hdr, sizeof(hdr));
		break;
	case S_EXPIRED: /* the genuine ICF key, past its time and the skew (60 s) */
		e2e_session_make(&env.pki, now - 3600, now - 1800, 7, 0, hdr,
				 sizeof(hdr));
		break;
	case S_SCOPE: /* below, per route */
		break;
	case S_MODIFIED: /* one bit of the ICF's signature flipped */
		e2e_session_make(&env.pki, now, now + 1800, 7, 1, hdr, sizeof(hdr));
		break;
	case S_SCHEME: /* the operator API's scheme instead of MCIM-Session */
		snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", ENV_TOKEN_SHO1);
		break;
	}
	for (size_t i = 0; i < 6 && kind != S_SCOPE; i++)
		refused(routes[i].path, routes[i].body, *routes[i].len,
			kind == S_NONE ? NULL : hdr, 401, MCIM_ERR_DENIED);
	/* The scope bits one by one: a session for the other two only. */
	if (kind == S_SCOPE) {
		static const uint32_t scope_of[6] = {
		    MCIM_PROTO_SCOPE_DRF, MCIM_PROTO_SCOPE_PVA, MCIM_PROTO_SCOPE_PVA,
		    MCIM_PROTO_SCOPE_DPF, MCIM_PROTO_SCOPE_DPF, MCIM_PROTO_SCOPE_DPF};

		for (size_t i = 0; i < 6; i++) {
			e2e_session_make(&env.pki, now, now + 1800, 7u & ~scope_of[i], 0,
					 hdr, sizeof(hdr));
			refused(routes[i].path, routes[i].body, *routes[i].len, hdr, 401,
				MCIM_ERR_DENIED);
		}
	}
	for (size_t i = 0; i < 6; i++)
		accepted(routes[i].path, routes[i].body, *routes[i].len, e2e_session);
	dl_wipe(&xb);
	dl_wipe(&xc);
	e2e_dev_free(&a);
	e2e_dev_free(&b);
	e2e_dev_free(&c);
}

static void session_missing_is_401(void **state)
{
	(void)state;
	session_refusals(S_NONE);
}

static void session_signed_by_another_ca_is_401(void **state)
{
	(void)state;
	session_refusals(S_FORGED);
}

static void session_expired_is_401(void **state)
{
	(void)state;
	session_refusals(S_EXPIRED);
}

static void session_of_another_scope_is_401(void **state)
{
	(void)state;
	session_refusals(S_SCOPE);
}

static void session_modified_is_401(void **state)
{
	(void)state;
	session_refusals(S_MODIFIED);
}

static void session_of_another_scheme_is_401(void **state)
{
	(void)state;
	session_refusals(S_SCHEME);
}

/* ---- DRF (§3) ---- */

/* Never registered, and released: one answer, 404 NOT_FOUND, no token issued. */
static void discover_unknown_or_released_tre_is_404(void **state)
{
	struct e2e_dev e;
	struct mcim_proto_discover_req q;
	uint8_t body[96];
	char path[96];
	size_t len = 0;

	(void)state;
	e2e_dev_new(&e, e2e_n_devs++, 0);
	memcpy(q.tre_id, e.d.tre_id, 16);
	memset(q.n_d, 1, sizeof(q.n_d));
	assert_int_equal(mcim_proto_discover_req_encode(&q, body, sizeof(body), &len),
			 MCIM_OK);
	refused("/drf/v1/discover", body, len, e2e_session, 404, MCIM_ERR_NOT_FOUND);
	e2e_register(e2e_d.base, "sho1", ENV_TOKEN_SHO1, ENV_SHO1, e.tre_hex);
	snprintf(path, sizeof(path), "/v1/tenants/sho1/registrations/%s", e.tre_hex);
	assert_int_equal(op(e2e_d.base, "DELETE", path, ENV_TOKEN_SHO1, NULL, NULL), 200);
	refused("/drf/v1/discover", body, len, e2e_session, 404, MCIM_ERR_NOT_FOUND);
	e2e_dev_free(&e);
}

/* ---- PVA (§4; docs/pva.md) ---- */

/* A mode the policy does not allow (the config allows remote and semi): 403 POLICY
 * at the challenge, no nonce stored. */
static void pva_mode_not_allowed_is_403_policy(void **state)
{
	struct e2e_dev e;
	struct mcim_proto_pva_challenge_req q = {.mode = MCIM_EVIDENCE_AUTONOMOUS};
	uint8_t body[128];
	size_t len = 0;

	(void)state;
	fresh(&e);
	memcpy(q.tre_id, e.d.tre_id, 16);
	assert_int_equal(
	    mcim_proto_pva_challenge_req_encode(&q, body, sizeof(body), &len), MCIM_OK);
	refused("/pva/v1/challenge", body, len, e2e_session, 403, MCIM_ERR_POLICY);
	e2e_dev_free(&e);
}

/* Evidence over a nonce the PVA never issued: 403 DENIED (R-PRC-205). */
static void pva_nonce_never_issued_is_403(void **state)
{
	static uint8_t body[MCIM_PROTO_MSG_MAX];
	struct e2e_dev e;
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	size_t len = 0;

	(void)state;
	fresh(&e);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), n_p, sizeof(n_p)), MCIM_OK);
	pva_evidence_body(&e, &e.d, n_p, body, sizeof(body), &len);
	refused("/pva/v1/evidence", body, len, e2e_session, 403, MCIM_ERR_DENIED);
	e2e_dev_free(&e);
}

/* Evidence of TRE b over the nonce issued to TRE a: 403 DENIED, a's nonce
 * untouched (a then uses it). */
static void pva_nonce_of_another_tre_is_403(void **state)
{
	static uint8_t body[MCIM_PROTO_MSG_MAX];
	struct e2e_dev a, b;
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	size_t len = 0;

	(void)state;
	fresh(&a);
	fresh(&b);
	pva_nonce(&a, e2e_d.base, n_p);
	pva_evidence_body(&b, &b.d, n_p, body, sizeof(body), &len);
	refused("/pva/v1/evidence", body, len, e2e_session, 403, MCIM_ERR_DENIED);
	pva_evidence_body(&a, &a.d, n_p, body, sizeof(body), &len);
	accepted("/pva/v1/evidence", body, len, e2e_session);
	e2e_dev_free(&a);
	e2e_dev_free(&b);
}

/* The same evidence twice: the second is 409 REPLAY, no second result. */
static void pva_replayed_evidence_is_409(void **state)
{
	static uint8_t body[MCIM_PROTO_MSG_MAX];
	struct e2e_dev e;
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	size_t len = 0;

	(void)state;
	fresh(&e);
	pva_nonce(&e, e2e_d.base, n_p);
	pva_evidence_body(&e, &e.d, n_p, body, sizeof(body), &len);
	accepted("/pva/v1/evidence", body, len, e2e_session);
	refused("/pva/v1/evidence", body, len, e2e_session, 409, MCIM_ERR_REPLAY);
	e2e_dev_free(&e);
}

/* Wrong devices at the PVA, each over a's genuine nonce, which stays usable: a
 * signature by another TRE (its certificate names b, the payload a): 403
 * DENIED, as anything bound to another TRE (docs/protocol.md §1);
 * a certificate for a's TRE id from an M2MES CA that does not chain to the CI root:
 * 422 BAD_CERT; one bit of the signed evidence flipped: 422 BAD_SIGNATURE. */
static void pva_evidence_of_wrong_devices_is_refused(void **state)
{
	static uint8_t body[MCIM_PROTO_MSG_MAX];
	static struct dev rogue;
	struct e2e_dev a, b;
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	size_t len = 0;

	(void)state;
	fresh(&a);
	fresh(&b);
	pva_nonce(&a, e2e_d.base, n_p);
	pva_evidence_body(&a, &b.d, n_p, body, sizeof(body), &len);
	refused("/pva/v1/evidence", body, len, e2e_session, 403, MCIM_ERR_DENIED);
	e2e_dev_issued(&rogue, &env.rogue, a.d.tre_id);
	pva_evidence_body(&a, &rogue, n_p, body, sizeof(body), &len);
	refused("/pva/v1/evidence", body, len, e2e_session, 422, MCIM_ERR_BAD_CERT);
	pva_evidence_body(&a, &a.d, n_p, body, sizeof(body), &len);
	e2e_flip(body, len, e2e_manifest.components[1].digest, 32);
	refused("/pva/v1/evidence", body, len, e2e_session, 422, MCIM_ERR_BAD_SIGNATURE);
	pva_evidence_body(&a, &a.d, n_p, body, sizeof(body), &len);
	accepted("/pva/v1/evidence", body, len, e2e_session);
	mcim_p256_priv_wipe(&rogue.key);
	e2e_dev_free(&a);
	e2e_dev_free(&b);
}

/* A TRE whose certificate is on the revocation list: 422 BAD_CERT, its nonce
 * untouched. */
static void pva_evidence_of_revoked_tre_is_422(void **state)
{
	static uint8_t body[MCIM_PROTO_MSG_MAX];
	struct e2e_dev e;
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	size_t len = 0;

	(void)state;
	e2e_dev_new(&e, e2e_n_devs++, 0);
	mcim_p256_priv_wipe(&e.d.key);
	e.d = revoked;
	hex_of(e.d.tre_id, 16, e.tre_hex);
	e.d.chain[0] = (struct mcim_iov){e.d.cert, e.d.cert_len};
	memcpy(e.session, e2e_session, sizeof(e.session));
	pva_nonce(&e, e2e_d.base, n_p);
	pva_evidence_body(&e, &e.d, n_p, body, sizeof(body), &len);
	refused("/pva/v1/evidence", body, len, e2e_session, 422, MCIM_ERR_BAD_CERT);
	e2e_dev_free(&e);
}

/* ---- DPF M1 (§5; docs/sho.md) ---- */

/* Registration tokens that are not the DRF's, not this TRE's, stale or garbage. */
static void m1_bad_tokens_are_refused(void **state)
{
	static struct dev other;
	static uint8_t body[MCIM_PROTO_MSG_MAX], tok[MCIM_PROTO_SIGNED_MAX];
	struct e2e_dev a, b;
	struct dl x;
	const int64_t now = env_now();
	size_t len, tl;
	mcim_err err;

	(void)state;
	at_m3(&a, &x); /* a's token is good: M1 with it works */
	fresh(&b);
	assert_int_equal(drf_discover(&b, e2e_d.base, e2e_session), 200);
	/* signed by a DRF of another CA: 422 BAD_CERT */
	other = a.d;
	e2e_token_make(&env.rogue, &other, e2e_d.base, now, now + 600);
	len = m1_body(&x, other.token, other.token_len, a.d.tre_id, body, sizeof(body));
	refused("/dpf/v1/m1", body, len, e2e_session, 422, MCIM_ERR_BAD_CERT);
	/* a's token, one bit of its signature flipped: 422 BAD_SIGNATURE */
	memcpy(tok, a.d.token, a.d.token_len);
	tl = a.d.token_len;
	tok[tl - 1] ^= 0x01;
	len = m1_body(&x, tok, tl, a.d.tre_id, body, sizeof(body));
	refused("/dpf/v1/m1", body, len, e2e_session, 422, MCIM_ERR_BAD_SIGNATURE);
	/* a's token presented for b: 403 DENIED */
	len = m1_body(&x, a.d.token, a.d.token_len, b.d.tre_id, body, sizeof(body));
	refused("/dpf/v1/m1", body, len, e2e_session, 403, MCIM_ERR_DENIED);
	/* the genuine DRF key, past its time: 410 EXPIRED */
	e2e_token_make(&env.pki, &other, e2e_d.base, now - 7200, now - 3600);
	len = m1_body(&x, other.token, other.token_len, a.d.tre_id, body, sizeof(body));
	refused("/dpf/v1/m1", body, len, e2e_session, 410, MCIM_ERR_EXPIRED);
	/* the genuine DRF key, a reg_id the DRF never issued: 403 DENIED */
	e2e_token_make(&env.pki, &other, e2e_d.base, now, now + 600);
	len = m1_body(&x, other.token, other.token_len, a.d.tre_id, body, sizeof(body));
	refused("/dpf/v1/m1", body, len, e2e_session, 403, MCIM_ERR_DENIED);
	/* no COSE at all: 400 */
	memset(tok, 0x5a, 64);
	len = m1_body(&x, tok, 64, a.d.tre_id, body, sizeof(body));
	refused("/dpf/v1/m1", body, len, e2e_session, 400, MCIM_ERR_PARSE);
	/* and the good one still works */
	set_base(e2e_d.base);
	memcpy(env.session, e2e_session, sizeof(env.session));
	assert_int_equal(dl_m1(&x, &a.d, a.d.token, a.d.token_len, a.d.tre_id, &err),
			 200);
	dl_wipe(&x);
	e2e_dev_free(&a);
	e2e_dev_free(&b);
}

/* A token used by a finished download: 409 REPLAY. */
static void m1_with_a_used_token_is_409(void **state)
{
	static uint8_t body[MCIM_PROTO_MSG_MAX];
	struct e2e_dev e;
	struct dl x;
	size_t len;

	(void)state;
	provisioned(&e, &x);
	len = m1_body(&x, e.d.token, e.d.token_len, e.d.tre_id, body, sizeof(body));
	refused("/dpf/v1/m1", body, len, e2e_session, 409, MCIM_ERR_REPLAY);
	dl_wipe(&x);
	e2e_dev_free(&e);
}

/* ---- DPF M3 ---- */

/* M3 for a transaction no M1 opened (this SHO's txid prefix, the rest random):
 * 404 NOT_FOUND. */
static void m3_before_m1_is_404(void **state)
{
	struct e2e_dev e;
	struct dl x;

	(void)state;
	at_m3(&e, &x);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), x.m2v.txid + 4, 12), MCIM_OK);
	dl_m3_make(&x, &e.d, e.pva, e.pva_len);
	refused("/dpf/v1/m3", x.m3, x.m3_len, e2e_session, 404, MCIM_ERR_NOT_FOUND);
	dl_wipe(&x);
	e2e_dev_free(&e);
}

/* The accepted M3 again: 409 REPLAY, no second package. */
static void m3_replayed_is_409(void **state)
{
	struct e2e_dev e;
	struct dl x;

	(void)state;
	at_receipt(&e, &x);
	refused("/dpf/v1/m3", x.m3, x.m3_len, e2e_session, 409, MCIM_ERR_REPLAY);
	dl_wipe(&x);
	e2e_dev_free(&e);
}

/* M3 with one bit of its signed transcript hash flipped: 422 BAD_SIGNATURE; the
 * transaction stays pending and the genuine M3 is then accepted. */
static void m3_modified_is_422_and_changes_nothing(void **state)
{
	struct e2e_dev e;
	struct dl x;
	uint8_t th[32], m3[MCIM_PROTO_MSG_MAX];
	mcim_err err;

	(void)state;
	at_m3(&e, &x);
	dl_m3_make(&x, &e.d, e.pva, e.pva_len);
	assert_int_equal(
	    mcim_proto_dl_transcript(x.m1, x.m1_len, x.m2, x.m2_len, NULL, 0, th),
	    MCIM_OK);
	memcpy(m3, x.m3, x.m3_len);
	e2e_flip(m3, x.m3_len, th, sizeof(th));
	refused("/dpf/v1/m3", m3, x.m3_len, e2e_session, 422, MCIM_ERR_BAD_SIGNATURE);
	set_base(e2e_d.base);
	assert_int_equal(dl_m3_post(&x, &e.d, &err), 200);
	dl_wipe(&x);
	e2e_dev_free(&e);
}

/* Wrong devices at M3: signed by another (registered, genuine) TRE: 403 DENIED; by
 * a certificate for this TRE id that does not chain to the CI root: 422 BAD_CERT;
 * an M3 over another transaction's M1 and M2: 403 DENIED. */
static void m3_of_wrong_devices_is_refused(void **state)
{
	static struct dev rogue;
	struct e2e_dev a, b;
	struct dl x, y;
	mcim_err err;

	(void)state;
	at_m3(&a, &x);
	fresh(&b);
	dl_m3_make(&x, &b.d, a.pva, a.pva_len);
	refused("/dpf/v1/m3", x.m3, x.m3_len, e2e_session, 403, MCIM_ERR_DENIED);
	e2e_dev_issued(&rogue, &env.rogue, a.d.tre_id);
	dl_m3_make(&x, &rogue, a.pva, a.pva_len);
	refused("/dpf/v1/m3", x.m3, x.m3_len, e2e_session, 422, MCIM_ERR_BAD_CERT);
	/* a second transaction y; x's txid with y's transcript */
	memset(&y, 0, sizeof(y));
	assert_int_equal(dl_m1(&y, &a.d, a.d.token, a.d.token_len, a.d.tre_id, &err),
			 200);
	memcpy(y.m2v.txid, x.m2v.txid, 16);
	dl_m3_make(&y, &a.d, a.pva, a.pva_len);
	refused("/dpf/v1/m3", y.m3, y.m3_len, e2e_session, 403, MCIM_ERR_DENIED);
	dl_m3_make(&x, &a.d, a.pva, a.pva_len);
	assert_int_equal(dl_m3_post(&x, &a.d, &err), 200);
	mcim_p256_priv_wipe(&rogue.key);
	dl_wipe(&x);
	dl_wipe(&y);
	e2e_dev_free(&a);
	e2e_dev_free(&b);
}

/* A registered TRE whose certificate is revoked gets M2 (M1 carries no TRE
 * signature) but its M3 is 422 BAD_CERT, even with a valid PVA result. */
static void m3_of_revoked_tre_is_422(void **state)
{
	static struct dev r;
	static uint8_t pva[MCIM_PROTO_SIGNED_MAX];
	char hex[33];
	struct dl x;
	size_t pva_len = 0;
	mcim_err err;

	(void)state;
	r = revoked;
	r.chain[0] = (struct mcim_iov){r.cert, r.cert_len};
	hex_of(r.tre_id, 16, hex);
	e2e_register(e2e_d.base, "sho1", ENV_TOKEN_SHO1, ENV_SHO1, hex);
	{
		struct e2e_dev e;

		e2e_dev_new(&e, e2e_n_devs++, 0);
		mcim_p256_priv_wipe(&e.d.key);
		e.d = r;
		memcpy(e.session, e2e_session, sizeof(e.session));
		assert_int_equal(drf_discover(&e, e2e_d.base, e2e_session), 200);
		r.tok = e.d.tok;
		memcpy(r.token, e.d.token, e.d.token_len);
		r.token_len = e.d.token_len;
		e2e_dev_free(&e);
	}
	memset(&x, 0, sizeof(x));
	set_base(e2e_d.base);
	memcpy(env.session, e2e_session, sizeof(env.session));
	assert_int_equal(dl_m1(&x, &r, r.token, r.token_len, r.tre_id, &err), 200);
	dev_pva(&r, &env.pki, MCIM_EAR_AFFIRMING, env_now(), env_now() + 600, pva,
		sizeof(pva), &pva_len);
	dl_m3_make(&x, &r, pva, pva_len);
	refused("/dpf/v1/m3", x.m3, x.m3_len, e2e_session, 422, MCIM_ERR_BAD_CERT);
	dl_wipe(&x);
}

/* PVA results the DPF refuses in M3 (signed by the TRE as it should be): stale
 * (the genuine PVA key, past its time): 410 EXPIRED; by a PVA of another CA: 422
 * BAD_CERT; for another TRE: 403 DENIED; one bit of the PVA's signature flipped:
 * 422 BAD_SIGNATURE; warning and contraindicated: 422 BAD_BOOT. The genuine
 * result is then accepted. */
static void m3_with_bad_pva_results_is_refused(void **state)
{
	static uint8_t pva[MCIM_PROTO_SIGNED_MAX];
	struct e2e_dev e, other;
	struct dl x;
	const int64_t now = env_now();
	size_t n = 0;
	mcim_err err;

	(void)state;
	at_m3(&e, &x);
	fresh(&other);
	dev_pva(&e.d, &env.pki, MCIM_EAR_AFFIRMING, now - 3600, now - 3000, pva,
		sizeof(pva), &n);
	dl_m3_make(&x, &e.d, pva, n);
	refused("/dpf/v1/m3", x.m3, x.m3_len, e2e_session, 410, MCIM_ERR_EXPIRED);
	dev_pva(&e.d, &env.rogue, MCIM_EAR_AFFIRMING, now, now + 600, pva, sizeof(pva),
		&n);
	dl_m3_make(&x, &e.d, pva, n);
	refused("/dpf/v1/m3", x.m3, x.m3_len, e2e_session, 422, MCIM_ERR_BAD_CERT);
	dev_pva(&other.d, &env.pki, MCIM_EAR_AFFIRMING, now, now + 600, pva, sizeof(pva),
		&n);
	dl_m3_make(&x, &e.d, pva, n);
	refused("/dpf/v1/m3", x.m3, x.m3_len, e2e_session, 403, MCIM_ERR_DENIED);
	memcpy(pva, e.pva, e.pva_len);
	pva[e.pva_len - 1] ^= 0x01;
	dl_m3_make(&x, &e.d, pva, e.pva_len);
	refused("/dpf/v1/m3", x.m3, x.m3_len, e2e_session, 422, MCIM_ERR_BAD_SIGNATURE);
	dev_pva(&e.d, &env.pki, MCIM_EAR_WARNING, now, now + 600, pva, sizeof(pva), &n);
	dl_m3_make(&x, &e.d, pva, n);
	refused("/dpf/v1/m3", x.m3, x.m3_len, e2e_session, 422, MCIM_ERR_BAD_BOOT);
	dev_pva(&e.d, &env.pki, MCIM_EAR_CONTRAINDICATED, now, now + 600, pva,
		sizeof(pva), &n);
	dl_m3_make(&x, &e.d, pva, n);
	refused("/dpf/v1/m3", x.m3, x.m3_len, e2e_session, 422, MCIM_ERR_BAD_BOOT);
	dl_m3_make(&x, &e.d, e.pva, e.pva_len);
	set_base(e2e_d.base);
	assert_int_equal(dl_m3_post(&x, &e.d, &err), 200);
	dl_wipe(&x);
	e2e_dev_free(&e);
	e2e_dev_free(&other);
}

/* ---- DPF receipt ---- */

/* A receipt for a transaction whose M3 has not come: 409 STATE; for a txid never
 * issued: 404 NOT_FOUND. */
static void receipt_before_m3_is_409(void **state)
{
	struct e2e_dev e;
	struct dl x;

	(void)state;
	at_m3(&e, &x);
	dl_receipt_make(&x, &e.d, MCIM_OK, &x.keys);
	refused("/dpf/v1/receipt", x.receipt, x.receipt_len, e2e_session, 409,
		MCIM_ERR_STATE);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), x.m2v.txid + 4, 12), MCIM_OK);
	dl_receipt_make(&x, &e.d, MCIM_OK, &x.keys);
	refused("/dpf/v1/receipt", x.receipt, x.receipt_len, e2e_session, 404,
		MCIM_ERR_NOT_FOUND);
	dl_wipe(&x);
	e2e_dev_free(&e);
}

/* The accepted receipt again: 409 REPLAY. */
static void receipt_replayed_is_409(void **state)
{
	struct e2e_dev e;
	struct dl x;

	(void)state;
	provisioned(&e, &x);
	refused("/dpf/v1/receipt", x.receipt, x.receipt_len, e2e_session, 409,
		MCIM_ERR_REPLAY);
	dl_wipe(&x);
	e2e_dev_free(&e);
}

/* Receipts the DPF refuses, the transaction left delivered: a key confirmation
 * under other keys: 422 MAC_FAILURE; one bit of the signed H(pkg) flipped: 422
 * BAD_SIGNATURE; signed by another TRE: 403 DENIED; a wrong H(pkg) signed: 403
 * DENIED. The genuine receipt then provisions. */
static void receipt_modified_or_foreign_is_refused(void **state)
{
	struct e2e_dev e, other;
	struct mcim_proto_dl_keys wrong;
	struct dl x;
	char st[32];

	(void)state;
	at_receipt(&e, &x);
	fresh(&other);
	assert_int_equal(
	    mcim_rng_fill(mcim_rng_system(), (uint8_t *)&wrong, sizeof(wrong)), MCIM_OK);
	dl_receipt_make(&x, &e.d, MCIM_OK, &wrong);
	refused("/dpf/v1/receipt", x.receipt, x.receipt_len, e2e_session, 422,
		MCIM_ERR_MAC_FAILURE);
	dl_receipt_make(&x, &e.d, MCIM_OK, &x.keys);
	e2e_flip(x.receipt, x.receipt_len, x.ct_hash, 32);
	refused("/dpf/v1/receipt", x.receipt, x.receipt_len, e2e_session, 422,
		MCIM_ERR_BAD_SIGNATURE);
	dl_receipt_make(&x, &other.d, MCIM_OK, &x.keys);
	refused("/dpf/v1/receipt", x.receipt, x.receipt_len, e2e_session, 403,
		MCIM_ERR_DENIED);
	x.ct_hash[0] ^= 0x01;
	dl_receipt_make(&x, &e.d, MCIM_OK, &x.keys);
	x.ct_hash[0] ^= 0x01;
	refused("/dpf/v1/receipt", x.receipt, x.receipt_len, e2e_session, 403,
		MCIM_ERR_DENIED);
	assert_string_equal(reg_state(e2e_d.base, &e, st, sizeof(st)), "registered");
	dl_receipt_make(&x, &e.d, MCIM_OK, &x.keys);
	accepted("/dpf/v1/receipt", x.receipt, x.receipt_len, e2e_session);
	assert_string_equal(reg_state(e2e_d.base, &e, st, sizeof(st)), "provisioned");
	mcim_proto_dl_keys_wipe(&wrong);
	dl_wipe(&x);
	e2e_dev_free(&e);
	e2e_dev_free(&other);
}

/* ---- bodies of every device route ---- */

static const char *const device_routes[] = {
    "/icf/v1/challenge", "/icf/v1/attach",
    "/drf/v1/discover",	 "/pva/v1/challenge",
    "/pva/v1/evidence",	 "/dpf/v1/m1",
    "/dpf/v1/m3",	 "/dpf/v1/receipt",
    "/dpf/v1/commands",	 "/dpf/v1/command-results",
    "/auc/v1/challenge", "/auc/v1/confirm",
};

#define N_DEVICE_ROUTES (sizeof(device_routes) / sizeof(device_routes[0]))

/* A request with an arbitrary content type; its reply. */
static void post_typed(const char *path, const char *type, const void *body, size_t len,
		       struct reply *r)
{
	e2e_post(e2e_d.base, path, type, body, len, e2e_session, r);
}

/* JSON, text and CBOR sequences on CBOR routes: 415 UNSUPPORTED, in CBOR. */
static void bodies_of_another_type_are_415(void **state)
{
	static const char *const types[] = {"application/json", "text/plain",
					    "application/cbor-seq"};
	struct e2e_snapshot a, b;
	struct reply r;

	(void)state;
	e2e_snapshot_take(&a);
	for (size_t i = 0; i < N_DEVICE_ROUTES; i++)
		for (size_t t = 0; t < 3; t++) {
			post_typed(device_routes[i], types[t], "{}", 2, &r);
			e2e_refused(&r, 415, MCIM_ERR_UNSUPPORTED);
			reply_free(&r);
		}
	e2e_snapshot_take(&b);
	e2e_snapshot_same(&a, &b, NULL);
	e2e_snapshot_free(&a);
	e2e_snapshot_free(&b);
}

/* A body over the protocol's largest message: 413 TOO_LARGE. */
static void bodies_over_the_limit_are_413(void **state)
{
	static uint8_t big[MCIM_PROTO_MSG_MAX + 1];
	struct e2e_snapshot a, b;
	struct reply r;

	(void)state;
	memset(big, 0xa0, sizeof(big));
	e2e_snapshot_take(&a);
	for (size_t i = 0; i < N_DEVICE_ROUTES; i++) {
		post_typed(device_routes[i], "application/cbor", big, sizeof(big), &r);
		e2e_refused(&r, 413, MCIM_ERR_TOO_LARGE);
		reply_free(&r);
	}
	e2e_snapshot_take(&b);
	e2e_snapshot_same(&a, &b, NULL);
	e2e_snapshot_free(&a);
	e2e_snapshot_free(&b);
}

/* Each route's own valid message cut in half, and an empty body: 400 (TRUNCATED,
 * PARSE), with a valid session where one is needed. */
static void bodies_truncated_or_empty_are_400(void **state)
{
	static uint8_t msgs[N_DEVICE_ROUTES][MCIM_PROTO_MSG_MAX];
	static size_t lens[N_DEVICE_ROUTES];
	struct e2e_snapshot a, b;
	struct e2e_dev e;
	struct dl x;
	struct reply r;

	(void)state;
	at_receipt(&e, &x);
	{
		struct mcim_proto_icf_challenge_req q;
		struct mcim_proto_icf_attach_req at;
		struct mcim_proto_discover_req dq;
		struct mcim_proto_pva_challenge_req pq = {.mode = MCIM_EVIDENCE_REMOTE};
		struct mcim_proto_attach_challenge_req aq;
		struct mcim_proto_attach_confirm_req ac;
		uint8_t n_p[MCIM_PROTO_N_P_LEN] = {0};

		memset(&q, 0, sizeof(q));
		snprintf(q.pcid, sizeof(q.pcid), "%s", pcids[0].pcid);
		assert_int_equal(mcim_proto_icf_challenge_req_encode(
				     &q, msgs[0], sizeof(msgs[0]), &lens[0]),
				 MCIM_OK);
		memset(&at, 0, sizeof(at));
		snprintf(at.pcid, sizeof(at.pcid), "%s", pcids[0].pcid);
		at.res_len = 8;
		assert_int_equal(mcim_proto_icf_attach_req_encode(
				     &at, msgs[1], sizeof(msgs[1]), &lens[1]),
				 MCIM_OK);
		memcpy(dq.tre_id, e.d.tre_id, 16);
		memcpy(dq.n_d, e.n_d, 16);
		assert_int_equal(mcim_proto_discover_req_encode(
				     &dq, msgs[2], sizeof(msgs[2]), &lens[2]),
				 MCIM_OK);
		memcpy(pq.tre_id, e.d.tre_id, 16);
		assert_int_equal(mcim_proto_pva_challenge_req_encode(
				     &pq, msgs[3], sizeof(msgs[3]), &lens[3]),
				 MCIM_OK);
		pva_evidence_body(&e, &e.d, n_p, msgs[4], sizeof(msgs[4]), &lens[4]);
		memcpy(msgs[5], x.m1, x.m1_len);
		lens[5] = x.m1_len;
		memcpy(msgs[6], x.m3, x.m3_len);
		lens[6] = x.m3_len;
		memcpy(msgs[7], x.receipt, x.receipt_len);
		lens[7] = x.receipt_len;
		/* {"tre_id": h'..'} and {"result": h'..'} */
		msgs[8][0] = 0xa1;
		msgs[8][1] = 0x66;
		memcpy(msgs[8] + 2, "tre_id", 6);
		msgs[8][8] = 0x50;
		memcpy(msgs[8] + 9, e.d.tre_id, 16);
		lens[8] = 25;
		msgs[9][0] = 0xa1;
		msgs[9][1] = 0x66;
		memcpy(msgs[9] + 2, "result", 6);
		msgs[9][8] = 0x58;
		msgs[9][9] = 64;
		memset(msgs[9] + 10, 0x11, 64);
		lens[9] = 74;
		memset(&aq, 0, sizeof(aq));
		snprintf(aq.imsi, sizeof(aq.imsi), "%s", "001011234567890");
		snprintf(aq.snn, sizeof(aq.snn), "%s", ENV_SNN);
		assert_int_equal(mcim_proto_attach_challenge_req_encode(
				     &aq, msgs[10], sizeof(msgs[10]), &lens[10]),
				 MCIM_OK);
		memset(&ac, 0, sizeof(ac));
		snprintf(ac.imsi, sizeof(ac.imsi), "%s", "001011234567890");
		assert_int_equal(mcim_proto_attach_confirm_req_encode(
				     &ac, msgs[11], sizeof(msgs[11]), &lens[11]),
				 MCIM_OK);
	}
	e2e_snapshot_take(&a);
	for (size_t i = 0; i < N_DEVICE_ROUTES; i++) {
		mcim_err err;

		post_typed(device_routes[i], "application/cbor", msgs[i], lens[i] / 2,
			   &r);
		err = env_err(&r);
		if (r.status != 400 ||
		    (err != MCIM_ERR_TRUNCATED && err != MCIM_ERR_PARSE))
			fail_msg("%s cut: %ld %s", device_routes[i], r.status,
				 mcim_err_name(err));
		reply_free(&r);
		post_typed(device_routes[i], "application/cbor", "", 0, &r);
		err = env_err(&r);
		if (r.status != 400 ||
		    (err != MCIM_ERR_TRUNCATED && err != MCIM_ERR_PARSE))
			fail_msg("%s empty: %ld %s", device_routes[i], r.status,
				 mcim_err_name(err));
		reply_free(&r);
	}
	e2e_snapshot_take(&b);
	e2e_snapshot_same(&a, &b, NULL);
	e2e_snapshot_free(&a);
	e2e_snapshot_free(&b);
	dl_wipe(&x);
	e2e_dev_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(icf_wrong_res_is_denied_and_uses_up_the_challenge),
	    cmocka_unit_test(icf_attach_without_challenge_or_pcid_is_denied),
	    cmocka_unit_test(icf_replayed_attach_is_denied),
	    cmocka_unit_test(icf_forged_auts_is_denied),
	    cmocka_unit_test(session_missing_is_401),
	    cmocka_unit_test(session_signed_by_another_ca_is_401),
	    cmocka_unit_test(session_expired_is_401),
	    cmocka_unit_test(session_of_another_scope_is_401),
	    cmocka_unit_test(session_modified_is_401),
	    cmocka_unit_test(session_of_another_scheme_is_401),
	    cmocka_unit_test(discover_unknown_or_released_tre_is_404),
	    cmocka_unit_test(pva_mode_not_allowed_is_403_policy),
	    cmocka_unit_test(pva_nonce_never_issued_is_403),
	    cmocka_unit_test(pva_nonce_of_another_tre_is_403),
	    cmocka_unit_test(pva_replayed_evidence_is_409),
	    cmocka_unit_test(pva_evidence_of_wrong_devices_is_refused),
	    cmocka_unit_test(pva_evidence_of_revoked_tre_is_422),
	    cmocka_unit_test(m1_bad_tokens_are_refused),
	    cmocka_unit_test(m1_with_a_used_token_is_409),
	    cmocka_unit_test(m3_before_m1_is_404),
	    cmocka_unit_test(m3_replayed_is_409),
	    cmocka_unit_test(m3_modified_is_422_and_changes_nothing),
	    cmocka_unit_test(m3_of_wrong_devices_is_refused),
	    cmocka_unit_test(m3_of_revoked_tre_is_422),
	    cmocka_unit_test(m3_with_bad_pva_results_is_refused),
	    cmocka_unit_test(receipt_before_m3_is_409),
	    cmocka_unit_test(receipt_replayed_is_409),
	    cmocka_unit_test(receipt_modified_or_foreign_is_refused),
	    cmocka_unit_test(bodies_of_another_type_are_415),
	    cmocka_unit_test(bodies_over_the_limit_are_413),
	    cmocka_unit_test(bodies_truncated_or_empty_are_400),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
