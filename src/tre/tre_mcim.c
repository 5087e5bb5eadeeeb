/*
 * The commands that touch MCIMs: AKA (the active MCIM through the registry, or the
 * PCID kept by the core), the SHO's management commands, and installing an MCIM
 * package. Each state change is one transaction with its audit record; secrets (K,
 * OPc, the package's plaintext, the ECDH secret) live in local structures or the
 * scratch area and are wiped before the command returns.
 *
 * install is the interim download format, to be replaced by the session protocol of
 * issue 4 (protocol-sketch.md M1..R) without changing the registry below it:
 *   package = COSE_Sign1 by a DPF (x5chain: the DPF's chain to the CI root) over
 *   {1: "mcim/dl/pkg", 2: TRE id (bstr 16), 3: ephemeral P-256 public key of the DPF
 *    (bstr 65), 4: COSE_Encrypt0 of the encoded profile (mcim/profile.h)}
 *   key = HKDF-SHA-256(salt = SHA-256(ephemeral key || TRE key-agreement key),
 *                      IKM = ECDH(TRE key-agreement key, ephemeral key),
 *                      info = "mcim/dl/pkg/key" || TRE id), 32 octets,
 *   Encrypt0's external_aad = TRE id.
 * The profile's SHO must be the DPF certificate's operator. A second install of the
 * same MCIM id and version answers with a fresh receipt for it (idempotent retry).
 * receipt = COSE_Sign1 by the TRE (x5chain) over {1: "mcim/dl/receipt", 2: TRE id,
 * 3: MCIM id, 4: version, 5: "installed", 6: SHA-256 of the Encrypt0}.
 */
#include "tre/tre_int.h"

#include <stdio.h>
#include <string.h>

#include "core/endian.h"
#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "mcim/cose.h"
#include "mcim/profile.h"
#include "mcim/sqn.h"

#define PCID_LEN     (48 + 8 * 32)
#define PKG_KEY_INFO "mcim/dl/pkg/key"
#define RESULT_PCID  "pcid"

/* ---- AKA ---- */

static mcim_err aka_kind(const struct tre_arg *kind, enum tre_aka_kind *out)
{
	if (!kind->present || (kind->len == 2 && memcmp(kind->data, "3g", 2) == 0))
		*out = TRE_AKA_3G;
	else if (kind->len == 3 && memcmp(kind->data, "eps", 3) == 0)
		*out = TRE_AKA_EPS;
	else if (kind->len == 2 && memcmp(kind->data, "5g", 2) == 0)
		*out = TRE_AKA_5G;
	else
		return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

/* The PCID's AKA (3G only: the ICF needs RES, CK and IK). */
static mcim_err pcid_aka(struct tre_int *t, const struct tre_args *a,
			 struct mcim_cbor_writer *w)
{
	uint8_t rec[PCID_LEN];
	struct mcim_aka_cred cred = {0};
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_ms ms;
	struct mcim_auth_usim_out out;
	struct tre_counters c;
	struct tre_ev ev = {.type = TRE_EV_PCID_AKA};
	size_t len;
	mcim_err err, aka;

	if (a->v[2].present && !(a->v[2].len == 2 && memcmp(a->v[2].data, "3g", 2) == 0))
		return MCIM_ERR_UNSUPPORTED;
	err = tre_store_get(&t->st, TRE_KEY_PCID, strlen(TRE_KEY_PCID), rec, sizeof(rec),
			    &len);
	if (err != MCIM_OK)
		return err;
	if (len != sizeof(rec)) {
		mcim_wipe(rec, sizeof(rec));
		return MCIM_ERR_TAMPERED;
	}
	mcim_sqn_cfg_default(&cfg);
	mcim_sqn_ms_init(&ms);
	for (size_t i = 0; i < 32; i++)
		ms.seq[i] = mcim_load_be64(rec + 48 + 8 * i);
	cred.alg = MCIM_AKA_MILENAGE;
	cred.k_len = 16;
	memcpy(cred.k, rec + 16, 16);
	memcpy(cred.opc, rec + 32, 16);
	mcim_milenage_default_consts(&cred.params.milenage);
	err = mcim_aka_prepare(&kc, &cred);
	mcim_aka_cred_wipe(&cred);
	if (err != MCIM_OK) {
		mcim_wipe(rec, sizeof(rec));
		return err;
	}
	aka =
	    mcim_auth_usim(&kc, &cfg, &ms, a->v[0].data, a->v[1].data, a->v[1].len, &out);
	mcim_aka_keyctx_wipe(&kc);
	if (aka != MCIM_OK && aka != MCIM_ERR_MAC_FAILURE &&
	    aka != MCIM_ERR_SYNC_FAILURE) {
		mcim_wipe(rec, sizeof(rec));
		mcim_auth_usim_out_wipe(&out);
		return aka;
	}
	/* Success moves the SQN state, a MAC failure the failure count: both persist
	 * before the answer leaves. A sync failure changes nothing. */
	if (aka != MCIM_ERR_SYNC_FAILURE) {
		err = tre_tx_begin(t);
		if (err == MCIM_OK) {
			if (aka == MCIM_OK) {
				for (size_t i = 0; i < 32; i++)
					mcim_store_be64(rec + 48 + 8 * i, ms.seq[i]);
				err =
				    tre_store_put(&t->st, TRE_KEY_PCID,
						  strlen(TRE_KEY_PCID), rec, sizeof(rec));
			} else {
				tre_counters_get(t, &c);
				c.failed_auths++;
				err = tre_counters_put(t, &c);
			}
			if (err != MCIM_OK)
				tre_tx_abort(t);
		}
		if (err == MCIM_OK) {
			ev.outcome = aka;
			ev.detail = aka == MCIM_OK ? "pcid 3g" : "pcid 3g: MAC failure";
			err = tre_tx_commit(t, &ev);
		}
	}
	mcim_wipe(rec, sizeof(rec));
	if (err != MCIM_OK) {
		mcim_auth_usim_out_wipe(&out);
		return err;
	}
	if (aka == MCIM_OK) {
		mcim_cbor_put_map(w, 4);
		mcim_cbor_put_key_bstr(w, "ck", out.ck, out.ck_len);
		mcim_cbor_put_key_bstr(w, "ik", out.ik, out.ik_len);
		mcim_cbor_put_key_bstr(w, "res", out.res, out.res_len);
		mcim_cbor_put_key_cstr(w, "mcim", RESULT_PCID);
	} else if (aka == MCIM_ERR_SYNC_FAILURE) {
		mcim_cbor_put_map(w, 2);
		mcim_cbor_put_key_bstr(w, "auts", out.auts, out.auts_len);
		mcim_cbor_put_key_cstr(w, "mcim", RESULT_PCID);
	}
	mcim_auth_usim_out_wipe(&out);
	return aka;
}

static void aka_result(struct mcim_cbor_writer *w, enum tre_aka_kind kind,
		       const struct tre_aka_result *r, mcim_err err)
{
	if (err == MCIM_ERR_SYNC_FAILURE) {
		mcim_cbor_put_map(w, 2);
		mcim_cbor_put_key_bstr(w, "auts", r->auts, r->auts_len);
		mcim_cbor_put_key_bstr(w, "mcim", r->mcim_id, sizeof(r->mcim_id));
		return;
	}
	if (err == MCIM_ERR_MAC_FAILURE) {
		mcim_cbor_put_map(w, 2);
		mcim_cbor_put_key_bstr(w, "mcim", r->mcim_id, sizeof(r->mcim_id));
		mcim_cbor_put_key_uint(w, "mac_failures", r->mac_failures);
		return;
	}
	switch (kind) {
	case TRE_AKA_3G:
		mcim_cbor_put_map(w, 4);
		mcim_cbor_put_key_bstr(w, "ck", r->ck, r->ck_len);
		mcim_cbor_put_key_bstr(w, "ik", r->ik, r->ik_len);
		mcim_cbor_put_key_bstr(w, "res", r->res, r->res_len);
		mcim_cbor_put_key_bstr(w, "mcim", r->mcim_id, sizeof(r->mcim_id));
		break;
	case TRE_AKA_EPS:
		mcim_cbor_put_map(w, 3);
		mcim_cbor_put_key_bstr(w, "res", r->res, r->res_len);
		mcim_cbor_put_key_bstr(w, "mcim", r->mcim_id, sizeof(r->mcim_id));
		mcim_cbor_put_key_bstr(w, "kasme", r->kasme, sizeof(r->kasme));
		break;
	case TRE_AKA_5G:
		mcim_cbor_put_map(w, 3);
		mcim_cbor_put_key_bstr(w, "mcim", r->mcim_id, sizeof(r->mcim_id));
		mcim_cbor_put_key_bstr(w, "kausf", r->kausf, sizeof(r->kausf));
		mcim_cbor_put_key_bstr(w, "res_star", r->res_star, sizeof(r->res_star));
		break;
	}
}

mcim_err tre_cmd_aka(struct tre_int *t, const struct tre_args *a,
		     struct mcim_cbor_writer *w)
{
	struct tre_aka_req req = {0};
	struct tre_aka_result r;
	struct tre_mcim_change changes[TRE_MCIM_MAX];
	struct tre_counters c;
	size_t n;
	char detail[96];
	struct tre_ev ev = {.type = TRE_EV_AKA, .detail = detail};
	mcim_err err, aka;

	if (a->v[5].present) {
		if (memcmp(a->v[5].data, "usim", 4) == 0)
			return tre_uicc_aka(t, a, w);
		if (memcmp(a->v[5].data, RESULT_PCID, 4) != 0)
			return MCIM_ERR_INVALID_ARG;
		return pcid_aka(t, a, w);
	}
	err = aka_kind(&a->v[2], &req.kind);
	if (err != MCIM_OK)
		return err;
	if ((req.kind == TRE_AKA_EPS) != a->v[3].present ||
	    (req.kind == TRE_AKA_5G) != a->v[4].present)
		return MCIM_ERR_INVALID_ARG;
	memcpy(req.rand, a->v[0].data, sizeof(req.rand));
	memcpy(req.autn, a->v[1].data, a->v[1].len);
	req.autn_len = a->v[1].len;
	if (a->v[3].present)
		memcpy(req.plmn, a->v[3].data, sizeof(req.plmn));
	if (a->v[4].present) {
		memcpy(req.snn, a->v[4].data, a->v[4].len);
		req.snn_len = a->v[4].len;
	}

	err = tre_tx_begin(t);
	if (err != MCIM_OK)
		return err;
	memset(&r, 0, sizeof(r));
	aka = tre_registry_aka(&t->st, t->tre_id, &req, &r);
	if (!r.changed || (aka != MCIM_OK && aka != MCIM_ERR_SYNC_FAILURE &&
			   aka != MCIM_ERR_MAC_FAILURE)) {
		tre_tx_abort(t);
		if (aka == MCIM_OK || aka == MCIM_ERR_SYNC_FAILURE)
			aka_result(w, req.kind, &r, aka);
		tre_aka_result_wipe(&r);
		return aka;
	}
	err = MCIM_OK;
	if (aka == MCIM_ERR_MAC_FAILURE) {
		tre_counters_get(t, &c);
		c.failed_auths++;
		if (r.tamper)
			c.tampers++;
		err = tre_counters_put(t, &c);
		if (err == MCIM_OK && r.tamper)
			err = tre_registry_on_tamper(&t->st, t->tre_id, r.mcim_id,
						     changes, &n);
	}
	if (err != MCIM_OK) {
		tre_tx_abort(t);
		tre_aka_result_wipe(&r);
		return err;
	}
	ev.outcome = aka;
	ev.subject = r.mcim_id;
	ev.subject_len = sizeof(r.mcim_id);
	if (aka == MCIM_ERR_MAC_FAILURE)
		snprintf(detail, sizeof(detail), "MAC failure %u%s",
			 (unsigned)r.mac_failures,
			 r.tamper ? ": tamper policy applied" : "");
	else
		snprintf(detail, sizeof(detail), "%s",
			 req.kind == TRE_AKA_3G	   ? "3g"
			 : req.kind == TRE_AKA_EPS ? "eps"
						   : "5g");
	err = tre_tx_commit(t, &ev);
	if (err != MCIM_OK) {
		tre_aka_result_wipe(&r);
		return err;
	}
	if (r.tamper)
		(void)tre_tamper_report(t, MCIM_ERR_MAC_FAILURE,
					"repeated MAC failures of an MCIM");
	aka_result(w, req.kind, &r, aka);
	tre_aka_result_wipe(&r);
	return aka;
}

/* ---- mgmt ---- */

static uint16_t mgmt_event(const struct tre_mgmt_result *r)
{
	switch (r->cmd.cmd) {
	case MCIM_MGMT_DELETE:
		return MCIM_AUDIT_EV_MCIM_DELETED;
	case MCIM_MGMT_RELEASE:
		return TRE_EV_RELEASE;
	case MCIM_MGMT_SET_POLICY:
		return MCIM_AUDIT_EV_POLICY_CHANGED;
	default:
		return MCIM_AUDIT_EV_MCIM_STATE_CHANGED;
	}
}

mcim_err tre_cmd_mgmt(struct tre_int *t, const struct tre_args *a,
		      struct mcim_cbor_writer *w)
{
	struct tre_mgmt_result r;
	char detail[160];
	struct tre_ev ev = {.detail = detail};
	const char *name;
	mcim_err err;

	err = tre_tx_begin(t);
	if (err != MCIM_OK)
		return err;
	memset(&r, 0, sizeof(r));
	err = tre_registry_mgmt(&t->st, t->tre_id, a->v[0].data, a->v[0].len,
				(time_t)tre_now(t), &r);
	name = r.parsed ? mcim_mgmt_cmd_name(r.cmd.cmd) : NULL;
	if (name == NULL)
		name = "unparsed";
	if (r.parsed) {
		ev.subject = r.cmd.mcim_id;
		ev.subject_len = sizeof(r.cmd.mcim_id);
	}
	if (err != MCIM_OK) {
		tre_tx_abort(t);
		/* Refused, recorded with what the command claims (unauthenticated). */
		ev.type = MCIM_AUDIT_EV_COMMAND_REFUSED;
		ev.outcome = err;
		snprintf(detail, sizeof(detail), "mgmt %s refused: %s", name,
			 mcim_err_name(err));
		tre_audit(t, &ev);
		return err;
	}
	ev.type = mgmt_event(&r);
	if (r.n_changes > 0) {
		int off =
		    snprintf(detail, sizeof(detail), "%s by %s, counter %llu: %s -> %s",
			     name, r.info.sho, (unsigned long long)r.cmd.counter,
			     tre_mcim_state_name(r.changes[0].from),
			     tre_mcim_state_name(r.changes[0].to));

		if (r.n_changes > 1 && off > 0 && (size_t)off < sizeof(detail))
			snprintf(detail + off, sizeof(detail) - (size_t)off,
				 "; swapped out another: %s -> %s",
				 tre_mcim_state_name(r.changes[1].from),
				 tre_mcim_state_name(r.changes[1].to));
	} else {
		snprintf(detail, sizeof(detail), "%s by %s, counter %llu", name,
			 r.info.sho, (unsigned long long)r.cmd.counter);
	}
	err = tre_tx_commit(t, &ev);
	if (err != MCIM_OK)
		return err;
	mcim_cbor_put_map(w, 4);
	mcim_cbor_put_key_bstr(w, "id", r.info.id, sizeof(r.info.id));
	mcim_cbor_put_key_cstr(w, "state", tre_mcim_state_name(r.info.state));
	mcim_cbor_put_key_cstr(w, "command", name);
	mcim_cbor_put_key_uint(w, "counter", r.cmd.counter);
	return MCIM_OK;
}

/* ---- install ---- */

struct pkg {
	const uint8_t *epk, *ct;
	size_t ct_len;
};

static mcim_err pkg_decode(const uint8_t *buf, size_t len, const uint8_t tre_id[16],
			   struct pkg *p)
{
	struct mcim_cbor_reader r;
	struct mcim_cbor_map m;
	const char *ctx;
	const uint8_t *id;
	size_t ctx_len, id_len, epk_len;
	int64_t key;
	mcim_err err;

	mcim_cbor_reader_init(&r, buf, len);
	err = mcim_cbor_map_open(&r, &m);
	if (err != MCIM_OK)
		return err;
	if (m.left != 4)
		return MCIM_ERR_PARSE;
	for (int64_t want = 1; want <= 4; want++) {
		err = mcim_cbor_map_key_int(&r, &m, &key);
		if (err != MCIM_OK)
			return err;
		if (key != want)
			return MCIM_ERR_PARSE;
		switch (want) {
		case 1:
			err = mcim_cbor_read_tstr(&r, &ctx, &ctx_len);
			if (err == MCIM_OK &&
			    (ctx_len != strlen(TRE_PKG_CONTEXT) ||
			     memcmp(ctx, TRE_PKG_CONTEXT, ctx_len) != 0))
				err = MCIM_ERR_PARSE;
			break;
		case 2:
			err = mcim_cbor_read_bstr(&r, &id, &id_len);
			if (err == MCIM_OK && id_len != TRE_ID_LEN)
				err = MCIM_ERR_PARSE;
			break;
		case 3:
			err = mcim_cbor_read_bstr(&r, &p->epk, &epk_len);
			if (err == MCIM_OK && epk_len != MCIM_P256_PUB_LEN)
				err = MCIM_ERR_PARSE;
			break;
		default:
			err = mcim_cbor_read_bstr(&r, &p->ct, &p->ct_len);
			break;
		}
		if (err != MCIM_OK)
			return err;
	}
	if (mcim_cbor_remaining(&r) != 0)
		return MCIM_ERR_PARSE;
	/* A package made for another TRE (R-TRE-P03). */
	if (memcmp(id, tre_id, TRE_ID_LEN) != 0)
		return MCIM_ERR_DENIED;
	return MCIM_OK;
}

/* The package's key: see the file comment. */
static mcim_err pkg_key(struct tre_int *t, const uint8_t *epk, uint8_t key[32])
{
	struct mcim_p256_pub peer;
	uint8_t z[MCIM_P256_ECDH_LEN], salt[MCIM_SHA256_LEN];
	uint8_t info[sizeof(PKG_KEY_INFO) - 1 + TRE_ID_LEN];
	struct mcim_iov parts[2] = {{epk, MCIM_P256_PUB_LEN},
				    {t->ka_pub.q, MCIM_P256_PUB_LEN}};
	mcim_err err;

	memcpy(peer.q, epk, sizeof(peer.q));
	err = mcim_p256_ecdh(&t->ka_priv, &peer, z);
	if (err != MCIM_OK)
		return err == MCIM_ERR_INVALID_ARG ? MCIM_ERR_PARSE : err;
	memcpy(info, PKG_KEY_INFO, sizeof(PKG_KEY_INFO) - 1);
	memcpy(info + sizeof(PKG_KEY_INFO) - 1, t->tre_id, TRE_ID_LEN);
	err = mcim_sha256_v(parts, 2, salt);
	if (err == MCIM_OK)
		err = mcim_hkdf_sha256(salt, sizeof(salt), z, sizeof(z), info,
				       sizeof(info), key, 32);
	mcim_wipe(z, sizeof(z));
	return err;
}

static mcim_err receipt(struct tre_int *t, const struct tre_mcim_info *info,
			const uint8_t ct_hash[32], uint8_t *out, size_t cap, size_t *len)
{
	uint8_t payload[256];
	struct mcim_cbor_writer w;
	size_t plen;
	mcim_err err;

	mcim_cbor_writer_init(&w, payload, sizeof(payload));
	mcim_cbor_put_map(&w, 6);
	mcim_cbor_put_uint(&w, 1);
	mcim_cbor_put_cstr(&w, TRE_RECEIPT_CONTEXT);
	mcim_cbor_put_uint(&w, 2);
	mcim_cbor_put_bstr(&w, t->tre_id, TRE_ID_LEN);
	mcim_cbor_put_uint(&w, 3);
	mcim_cbor_put_bstr(&w, info->id, sizeof(info->id));
	mcim_cbor_put_uint(&w, 4);
	mcim_cbor_put_uint(&w, info->version);
	mcim_cbor_put_uint(&w, 5);
	mcim_cbor_put_key_uint(&w, "installed", 6);
	mcim_cbor_put_bstr(&w, ct_hash, 32);
	err = mcim_cbor_writer_finish(&w, &plen);
	if (err != MCIM_OK)
		return err;
	return tre_sign(t, payload, plen, out, cap, len);
}

/* Verifies the DPF's signature and chain; *op receives its operator id. */
static mcim_err pkg_verify(struct tre_int *t, const uint8_t *buf, size_t len,
			   const uint8_t *ci, size_t ci_len, struct mcim_cose_sign1 *msg,
			   char op[MCIM_CERT_OPERATOR_MAX + 1])
{
	struct mcim_cert_info info;
	struct mcim_cert_policy pol = {.role = MCIM_CERT_ROLE_DPF,
				       .now = (time_t)tre_now(t)};
	mcim_err err;

	err = mcim_cose_sign1_verify_x5chain(buf, len, ci, ci_len, &pol, msg, &info);
	if (err != MCIM_OK)
		return err;
	memcpy(op, info.operator_id, sizeof(info.operator_id));
	return MCIM_OK;
}

mcim_err tre_cmd_install(struct tre_int *t, const struct tre_args *a,
			 struct mcim_cbor_writer *w)
{
	/* Scratch: CI root, then the plaintext profile, then the receipt. */
	uint8_t *ci = t->scratch, *pt = t->scratch + MCIM_CERT_MAX_LEN;
	uint8_t *rc = pt + MCIM_PROFILE_ENCODED_MAX;
	size_t ci_len, pt_len = 0, rc_len;
	struct mcim_cose_sign1 msg;
	struct pkg pkg;
	char op[MCIM_CERT_OPERATOR_MAX + 1];
	uint8_t key[32], ct_hash[32];
	struct mcim_profile prof;
	struct tre_mcim_info info;
	struct tre_mcim_change ch[2];
	size_t n_ch;
	bool existed = false;
	char detail[96];
	struct tre_ev ev = {.type = MCIM_AUDIT_EV_MCIM_INSTALLED, .detail = detail};
	mcim_err err;

	err = tre_store_get(&t->st, TRE_KEY_CI, strlen(TRE_KEY_CI), ci, MCIM_CERT_MAX_LEN,
			    &ci_len);
	if (err != MCIM_OK)
		return err;
	err = pkg_verify(t, a->v[0].data, a->v[0].len, ci, ci_len, &msg, op);
	if (err == MCIM_OK)
		err = pkg_decode(msg.payload, msg.payload_len, t->tre_id, &pkg);
	if (err == MCIM_OK)
		err = pkg_key(t, pkg.epk, key);
	if (err != MCIM_OK)
		return err;
	err = mcim_cose_decrypt0(key, pkg.ct, pkg.ct_len, t->tre_id, TRE_ID_LEN, pt,
				 MCIM_PROFILE_ENCODED_MAX, &pt_len);
	mcim_wipe(key, sizeof(key));
	if (err == MCIM_ERR_BUFFER_TOO_SMALL)
		err = MCIM_ERR_TOO_LARGE;
	if (err == MCIM_OK)
		err = mcim_sha256(pkg.ct, pkg.ct_len, ct_hash);
	if (err == MCIM_OK)
		err = mcim_profile_decode(pt, pt_len, &prof);
	mcim_wipe(pt, MCIM_PROFILE_ENCODED_MAX);
	if (err != MCIM_OK)
		return err;
	if (strcmp(prof.sho, op) != 0) {
		mcim_profile_wipe(&prof);
		return MCIM_ERR_WRONG_ROLE; /* a DPF delivering another operator's MCIM */
	}

	err = tre_tx_begin(t);
	if (err != MCIM_OK) {
		mcim_profile_wipe(&prof);
		return err;
	}
	err = tre_registry_install(&t->st, t->tre_id, ci, ci_len, &prof,
				   (time_t)tre_now(t), &info);
	if (err == MCIM_OK && prof.policy.auto_activate &&
	    tre_registry_transition(&t->st, t->tre_id, prof.id, TRE_OP_ACTIVATE,
				    TRE_ACTOR_POLICY, 0, (time_t)tre_now(t), ch, &n_ch,
				    &info) != MCIM_OK)
		(void)tre_registry_get(&t->st, t->tre_id, prof.id, &info);
	if (err == MCIM_ERR_EXISTS && info.version == prof.version) {
		existed = true;
		err = MCIM_OK;
	}
	mcim_profile_wipe(&prof);
	if (err != MCIM_OK || existed) {
		tre_tx_abort(t);
		if (err != MCIM_OK)
			return err;
	} else {
		ev.subject = info.id;
		ev.subject_len = sizeof(info.id);
		snprintf(detail, sizeof(detail), "version %u from %s, %s",
			 (unsigned)info.version, info.sho,
			 tre_mcim_state_name(info.state));
		err = tre_tx_commit(t, &ev);
		if (err != MCIM_OK)
			return err;
	}
	err = receipt(t, &info, ct_hash, rc, TRE_SCRATCH - (size_t)(rc - t->scratch),
		      &rc_len);
	if (err != MCIM_OK)
		return err;
	mcim_cbor_put_map(w, 5);
	mcim_cbor_put_key_bstr(w, "id", info.id, sizeof(info.id));
	mcim_cbor_put_key_cstr(w, "state", tre_mcim_state_name(info.state));
	mcim_cbor_put_key_bool(w, "existed", existed);
	mcim_cbor_put_key_bstr(w, "receipt", rc, rc_len);
	mcim_cbor_put_key_uint(w, "version", info.version);
	return MCIM_OK;
}
