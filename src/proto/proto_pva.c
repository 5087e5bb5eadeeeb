/*
 * Platform validation (docs/protocol.md §4, mcim/proto.h): the device's challenge
 * request, the PVA's nonce n_p, the evidence request around mcim/evidence.h's
 * signed object, and the PVA's signed validation result Sign_PVA, which binds the
 * verdict to the TRE id, the nonce and the hash of the evidence it judged.
 *
 * The verdicts travel as a map keyed by component name; the encoder sorts them in
 * the deterministic key order itself (an insertion sort over at most
 * MCIM_PROTO_VERDICTS_MAX indices), so callers can pass an appraisal as it is.
 */
#include <string.h>

#include "core/check.h"
#include "proto_int.h"

static const char *const mode_names[] = {
    [MCIM_EVIDENCE_REMOTE] = "remote",
    [MCIM_EVIDENCE_AUTONOMOUS] = "autonomous",
    [MCIM_EVIDENCE_SEMI_AUTONOMOUS] = "semi",
};
#define MODE_N	 (sizeof(mode_names) / sizeof(mode_names[0]))
#define STATUS_N (sizeof(proto_status_names) / sizeof(proto_status_names[0]))

/* ---- challenge ---- */

static size_t chal_req_fields(struct proto_field *f,
			      struct mcim_proto_pva_challenge_req *m, unsigned *mode)
{
	f[0] = (struct proto_field){.key = "mode",
				    .type = PF_NAME,
				    .p = mode,
				    .names = mode_names,
				    .max = MODE_N};
	f[1] = (struct proto_field){.key = "tre_id",
				    .type = PF_BSTR,
				    .p = m->tre_id,
				    .max = MCIM_PROTO_TRE_ID_LEN};
	return 2;
}

mcim_err mcim_proto_pva_challenge_req_encode(const struct mcim_proto_pva_challenge_req *m,
					     uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_pva_challenge_req tmp = *m;
	unsigned mode = (unsigned)m->mode;
	struct proto_field f[2];

	return proto_encode(f, chal_req_fields(f, &tmp, &mode), out, cap, len);
}

mcim_err mcim_proto_pva_challenge_req_decode(const uint8_t *buf, size_t len,
					     struct mcim_proto_pva_challenge_req *out)
{
	struct mcim_proto_pva_challenge_req tmp;
	struct proto_field f[2];
	unsigned mode = 0;
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, chal_req_fields(f, &tmp, &mode));
	if (err != MCIM_OK)
		return err;
	tmp.mode = (enum mcim_evidence_mode)mode;
	*out = tmp;
	return MCIM_OK;
}

static size_t chal_fields(struct proto_field *f, struct mcim_proto_pva_challenge *m)
{
	f[0] = (struct proto_field){.key = "exp", .type = PF_TIME, .p = &m->exp};
	f[1] = (struct proto_field){
	    .key = "n_p", .type = PF_BSTR, .p = m->n_p, .max = MCIM_PROTO_N_P_LEN};
	return 2;
}

mcim_err mcim_proto_pva_challenge_encode(const struct mcim_proto_pva_challenge *m,
					 uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_pva_challenge tmp = *m;
	struct proto_field f[2];

	return proto_encode(f, chal_fields(f, &tmp), out, cap, len);
}

mcim_err mcim_proto_pva_challenge_decode(const uint8_t *buf, size_t len,
					 struct mcim_proto_pva_challenge *out)
{
	struct mcim_proto_pva_challenge tmp;
	struct proto_field f[2];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, chal_fields(f, &tmp));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

/* ---- evidence and result envelopes ---- */

static size_t ev_fields(struct proto_field *f, struct mcim_proto_pva_evidence_req *m)
{
	f[0] = (struct proto_field){.key = "evidence",
				    .type = PF_SPAN,
				    .p = &m->evidence,
				    .min = 1,
				    .max = MCIM_EVIDENCE_MAX_LEN};
	return 1;
}

mcim_err mcim_proto_pva_evidence_req_encode(const struct mcim_proto_pva_evidence_req *m,
					    uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_pva_evidence_req tmp = *m;
	struct proto_field f[1];

	return proto_encode(f, ev_fields(f, &tmp), out, cap, len);
}

mcim_err mcim_proto_pva_evidence_req_decode(const uint8_t *buf, size_t len,
					    struct mcim_proto_pva_evidence_req *out)
{
	struct mcim_proto_pva_evidence_req tmp;
	struct proto_field f[1];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, ev_fields(f, &tmp));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

static size_t res_fields(struct proto_field *f, struct mcim_proto_pva_result_resp *m)
{
	f[0] = (struct proto_field){.key = "result",
				    .type = PF_SPAN,
				    .p = &m->result,
				    .min = 1,
				    .max = MCIM_PROTO_SIGNED_MAX};
	return 1;
}

mcim_err mcim_proto_pva_result_resp_encode(const struct mcim_proto_pva_result_resp *m,
					   uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_pva_result_resp tmp = *m;
	struct proto_field f[1];

	return proto_encode(f, res_fields(f, &tmp), out, cap, len);
}

mcim_err mcim_proto_pva_result_resp_decode(const uint8_t *buf, size_t len,
					   struct mcim_proto_pva_result_resp *out)
{
	struct mcim_proto_pva_result_resp tmp;
	struct proto_field f[1];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, res_fields(f, &tmp));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

/* ---- the signed result ---- */

static bool name_ok(const char *s, size_t len)
{
	if (len == 0 || len > MCIM_MANIFEST_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

static bool status_ok(unsigned v)
{
	return v < STATUS_N && proto_status_names[v] != NULL;
}

/* <0, 0, >0 as verdict a's name sorts before, with, after b's (deterministic key
 * order: length first). */
static int name_cmp(const struct mcim_proto_verdict *a,
		    const struct mcim_proto_verdict *b)
{
	size_t la = strlen(a->name), lb = strlen(b->name);

	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(a->name, b->name, la);
}

static mcim_err verdicts_enc(struct mcim_cbor_writer *w, const void *p)
{
	const struct mcim_proto_pva_result *r = p;
	uint8_t order[MCIM_PROTO_VERDICTS_MAX];

	if (r->n_verdicts > MCIM_PROTO_VERDICTS_MAX)
		return MCIM_ERR_INVALID_ARG;
	for (size_t i = 0; i < r->n_verdicts; i++) {
		const struct mcim_proto_verdict *v = &r->verdicts[i];
		size_t j = i;

		if (memchr(v->name, '\0', sizeof(v->name)) == NULL ||
		    !name_ok(v->name, strlen(v->name)) || !status_ok((unsigned)v->status))
			return MCIM_ERR_INVALID_ARG;
		for (; j > 0 && name_cmp(&r->verdicts[order[j - 1]], v) > 0; j--)
			order[j] = order[j - 1];
		if (j > 0 && name_cmp(&r->verdicts[order[j - 1]], v) == 0)
			return MCIM_ERR_INVALID_ARG; /* two verdicts for one name */
		order[j] = (uint8_t)i;
	}
	mcim_cbor_put_map(w, r->n_verdicts);
	for (size_t i = 0; i < r->n_verdicts; i++) {
		const struct mcim_proto_verdict *v = &r->verdicts[order[i]];

		mcim_cbor_put_cstr(w, v->name);
		mcim_cbor_put_cstr(w, proto_status_names[v->status]);
	}
	return MCIM_OK;
}

static mcim_err verdicts_dec(struct mcim_cbor_reader *r, void *p)
{
	struct mcim_proto_pva_result *res = p;
	struct mcim_cbor_map m;
	const char *s;
	size_t len, n = 0;
	mcim_err err;

	err = mcim_cbor_map_open(r, &m);
	if (err != MCIM_OK)
		return err;
	if (m.left > MCIM_PROTO_VERDICTS_MAX)
		return MCIM_ERR_TOO_LARGE;
	while (mcim_cbor_map_more(&m)) {
		struct mcim_proto_verdict *v = &res->verdicts[n];
		unsigned st;

		err = mcim_cbor_map_key_tstr(r, &m, &s, &len);
		if (err != MCIM_OK)
			return err;
		if (!name_ok(s, len))
			return MCIM_ERR_PARSE;
		memcpy(v->name, s, len);
		v->name[len] = '\0';
		err = mcim_cbor_read_tstr(r, &s, &len);
		if (err != MCIM_OK)
			return err;
		for (st = 0; st < STATUS_N; st++)
			if (status_ok(st) && strlen(proto_status_names[st]) == len &&
			    memcmp(proto_status_names[st], s, len) == 0)
				break;
		if (st == STATUS_N)
			return MCIM_ERR_PARSE;
		v->status = (enum mcim_ear_status)st;
		n++;
	}
	res->n_verdicts = n;
	return MCIM_OK;
}

static size_t result_fields(struct proto_field *f, struct mcim_proto_pva_result *r,
			    unsigned *status)
{
	f[0] = (struct proto_field){
	    .key = "ctx", .type = PF_CONST, .str = MCIM_PROTO_CTX_PVA};
	f[1] = (struct proto_field){.key = "exp", .type = PF_TIME, .p = &r->exp};
	f[2] = (struct proto_field){.key = "iat", .type = PF_TIME, .p = &r->iat};
	f[3] = (struct proto_field){
	    .key = "n_p", .type = PF_BSTR, .p = r->n_p, .max = MCIM_PROTO_N_P_LEN};
	f[4] = (struct proto_field){.key = "status",
				    .type = PF_NAME,
				    .p = status,
				    .names = proto_status_names,
				    .max = STATUS_N};
	f[5] = (struct proto_field){.key = "tre_id",
				    .type = PF_BSTR,
				    .p = r->tre_id,
				    .max = MCIM_PROTO_TRE_ID_LEN};
	f[6] = (struct proto_field){
	    .key = "ev_hash", .type = PF_BSTR, .p = r->ev_hash, .max = MCIM_SHA256_LEN};
	f[7] = (struct proto_field){.key = "verdicts",
				    .type = PF_CUSTOM,
				    .p = r,
				    .enc = verdicts_enc,
				    .dec = verdicts_dec};
	return 8;
}

mcim_err mcim_proto_pva_result_sign(const struct mcim_proto_pva_result *r,
				    const struct mcim_proto_signer *signer, uint8_t *out,
				    size_t cap, size_t *len)
{
	struct mcim_proto_pva_result tmp = *r;
	unsigned status = (unsigned)r->status;
	struct proto_field f[8];

	if (r->iat > r->exp)
		return MCIM_ERR_INVALID_ARG;
	return proto_sign_fields(f, result_fields(f, &tmp, &status), signer, out, cap,
				 len);
}

mcim_err mcim_proto_pva_result_verify(
    const uint8_t *buf, size_t len, const struct mcim_proto_trust *trust,
    const char *pva_operator, const uint8_t expected_tre_id[MCIM_PROTO_TRE_ID_LEN],
    const uint8_t *expected_n_p, struct mcim_proto_pva_result *out,
    struct mcim_cert_info *signer_cert)
{
	struct mcim_proto_pva_result tmp;
	struct mcim_cert_info leaf;
	struct proto_field f[8];
	unsigned status = 0;
	mcim_err err;

	MCIM_ASSERT(expected_tre_id != NULL && out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_verify_fields(buf, len, trust, MCIM_CERT_ROLE_PVA, pva_operator, f,
				  result_fields(f, &tmp, &status), &leaf);
	if (err != MCIM_OK)
		return err;
	tmp.status = (enum mcim_ear_status)status;
	if (tmp.iat > tmp.exp)
		return MCIM_ERR_PARSE;
	err = proto_fresh(trust, tmp.iat, tmp.exp);
	if (err != MCIM_OK)
		return err;
	if (expected_n_p != NULL &&
	    memcmp(tmp.n_p, expected_n_p, MCIM_PROTO_N_P_LEN) != 0)
		return MCIM_ERR_REPLAY;
	if (memcmp(tmp.tre_id, expected_tre_id, MCIM_PROTO_TRE_ID_LEN) != 0)
		return MCIM_ERR_DENIED;
	*out = tmp;
	if (signer_cert != NULL)
		*signer_cert = leaf;
	return MCIM_OK;
}
