/*
 * Initial connectivity (docs/protocol.md §2, mcim/proto.h): the AKA exchange of the
 * PCID with the ICF and the session token Sign_ICF that lets a device reach the
 * DRF, PVA and DPF. The token names only the PCID, never the TRE id (T-12).
 */
#include <string.h>

#include "core/check.h"
#include "proto_int.h"

static const char *const scope_names[] = {"drf", "pva", "dpf"};
#define SCOPE_N	  (sizeof(scope_names) / sizeof(scope_names[0]))
#define SCOPE_ALL ((1u << SCOPE_N) - 1)

/* ---- challenge ---- */

static size_t chal_req_fields(struct proto_field *f,
			      struct mcim_proto_icf_challenge_req *m)
{
	f[0] = (struct proto_field){.key = "pcid",
				    .type = PF_TSTR,
				    .p = m->pcid,
				    .min = 1,
				    .max = MCIM_PROTO_PCID_MAX};
	return 1;
}

mcim_err mcim_proto_icf_challenge_req_encode(const struct mcim_proto_icf_challenge_req *m,
					     uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_icf_challenge_req tmp = *m;
	struct proto_field f[1];

	return proto_encode(f, chal_req_fields(f, &tmp), out, cap, len);
}

mcim_err mcim_proto_icf_challenge_req_decode(const uint8_t *buf, size_t len,
					     struct mcim_proto_icf_challenge_req *out)
{
	struct mcim_proto_icf_challenge_req tmp;
	struct proto_field f[1];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, chal_req_fields(f, &tmp));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

static size_t chal_fields(struct proto_field *f, struct mcim_proto_icf_challenge *m)
{
	f[0] = (struct proto_field){
	    .key = "autn", .type = PF_BSTR, .p = m->autn, .max = MCIM_PROTO_AUTN_LEN};
	f[1] = (struct proto_field){
	    .key = "rand", .type = PF_BSTR, .p = m->rand, .max = MCIM_PROTO_RAND_LEN};
	return 2;
}

mcim_err mcim_proto_icf_challenge_encode(const struct mcim_proto_icf_challenge *m,
					 uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_icf_challenge tmp = *m;
	struct proto_field f[2];

	return proto_encode(f, chal_fields(f, &tmp), out, cap, len);
}

mcim_err mcim_proto_icf_challenge_decode(const uint8_t *buf, size_t len,
					 struct mcim_proto_icf_challenge *out)
{
	struct mcim_proto_icf_challenge tmp;
	struct proto_field f[2];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, chal_fields(f, &tmp));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

/* ---- attach ---- */

static size_t attach_req_fields(struct proto_field *f,
				struct mcim_proto_icf_attach_req *m, bool *has_res,
				bool *has_auts)
{
	f[0] = (struct proto_field){.key = "res",
				    .type = PF_BSTR_VAR,
				    .p = m->res,
				    .min = 4,
				    .max = MCIM_PROTO_RES_MAX,
				    .len = &m->res_len,
				    .present = has_res};
	f[1] = (struct proto_field){.key = "auts",
				    .type = PF_BSTR,
				    .p = m->auts,
				    .max = MCIM_PROTO_AUTS_LEN,
				    .present = has_auts};
	f[2] = (struct proto_field){.key = "pcid",
				    .type = PF_TSTR,
				    .p = m->pcid,
				    .min = 1,
				    .max = MCIM_PROTO_PCID_MAX};
	return 3;
}

mcim_err mcim_proto_icf_attach_req_encode(const struct mcim_proto_icf_attach_req *m,
					  uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_icf_attach_req tmp = *m;
	bool has_res = !m->resync, has_auts = m->resync;
	struct proto_field f[3];

	return proto_encode(f, attach_req_fields(f, &tmp, &has_res, &has_auts), out, cap,
			    len);
}

mcim_err mcim_proto_icf_attach_req_decode(const uint8_t *buf, size_t len,
					  struct mcim_proto_icf_attach_req *out)
{
	struct mcim_proto_icf_attach_req tmp;
	struct proto_field f[3];
	bool has_res, has_auts;
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, attach_req_fields(f, &tmp, &has_res, &has_auts));
	if (err != MCIM_OK)
		return err;
	if (has_res == has_auts)
		return MCIM_ERR_PARSE;
	tmp.resync = has_auts;
	*out = tmp;
	return MCIM_OK;
}

static size_t attach_resp_fields(struct proto_field *f,
				 struct mcim_proto_icf_attach_resp *m)
{
	f[0] = (struct proto_field){.key = "session",
				    .type = PF_SPAN,
				    .p = &m->session,
				    .min = 1,
				    .max = MCIM_PROTO_SIGNED_MAX};
	return 1;
}

mcim_err mcim_proto_icf_attach_resp_encode(const struct mcim_proto_icf_attach_resp *m,
					   uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_icf_attach_resp tmp = *m;
	struct proto_field f[1];

	return proto_encode(f, attach_resp_fields(f, &tmp), out, cap, len);
}

mcim_err mcim_proto_icf_attach_resp_decode(const uint8_t *buf, size_t len,
					   struct mcim_proto_icf_attach_resp *out)
{
	struct mcim_proto_icf_attach_resp tmp;
	struct proto_field f[1];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, attach_resp_fields(f, &tmp));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

/* ---- the session token ---- */

static mcim_err scope_enc(struct mcim_cbor_writer *w, const void *p)
{
	uint32_t scope = *(const uint32_t *)p;
	size_t n = 0;

	if (scope == 0 || (scope & ~SCOPE_ALL) != 0)
		return MCIM_ERR_INVALID_ARG;
	for (size_t i = 0; i < SCOPE_N; i++)
		n += (scope >> i) & 1u;
	mcim_cbor_put_array(w, n);
	for (size_t i = 0; i < SCOPE_N; i++)
		if (scope & (1u << i))
			mcim_cbor_put_cstr(w, scope_names[i]);
	return MCIM_OK;
}

/* The names in the order of their bits, each at most once, at least one. */
static mcim_err scope_dec(struct mcim_cbor_reader *r, void *p)
{
	size_t n, next = 0, len;
	uint32_t scope = 0;
	const char *s;
	mcim_err err;

	err = mcim_cbor_read_array(r, &n);
	if (err != MCIM_OK)
		return err;
	if (n == 0 || n > SCOPE_N)
		return MCIM_ERR_PARSE;
	for (size_t i = 0; i < n; i++) {
		err = mcim_cbor_read_tstr(r, &s, &len);
		if (err != MCIM_OK)
			return err;
		while (next < SCOPE_N && !(strlen(scope_names[next]) == len &&
					   memcmp(scope_names[next], s, len) == 0))
			next++;
		if (next == SCOPE_N)
			return MCIM_ERR_PARSE;
		scope |= 1u << next++;
	}
	*(uint32_t *)p = scope;
	return MCIM_OK;
}

static size_t session_fields(struct proto_field *f, struct mcim_proto_session *s)
{
	f[0] = (struct proto_field){
	    .key = "ctx", .type = PF_CONST, .str = MCIM_PROTO_CTX_SESSION};
	f[1] = (struct proto_field){.key = "exp", .type = PF_TIME, .p = &s->exp};
	f[2] = (struct proto_field){.key = "iat", .type = PF_TIME, .p = &s->iat};
	f[3] = (struct proto_field){
	    .key = "sid", .type = PF_BSTR, .p = s->sid, .max = MCIM_PROTO_SID_LEN};
	f[4] = (struct proto_field){.key = "pcid",
				    .type = PF_TSTR,
				    .p = s->pcid,
				    .min = 1,
				    .max = MCIM_PROTO_PCID_MAX};
	f[5] = (struct proto_field){.key = "scope",
				    .type = PF_CUSTOM,
				    .p = &s->scope,
				    .enc = scope_enc,
				    .dec = scope_dec};
	return 6;
}

mcim_err mcim_proto_session_sign(const struct mcim_proto_session *s,
				 const struct mcim_proto_signer *signer, uint8_t *out,
				 size_t cap, size_t *len)
{
	struct mcim_proto_session tmp = *s;
	struct proto_field f[6];

	if (s->iat > s->exp)
		return MCIM_ERR_INVALID_ARG;
	return proto_sign_fields(f, session_fields(f, &tmp), signer, out, cap, len);
}

mcim_err mcim_proto_session_verify(const uint8_t *buf, size_t len,
				   const struct mcim_proto_trust *trust,
				   const char *icf_operator, uint32_t need,
				   struct mcim_proto_session *out,
				   struct mcim_cert_info *signer_cert)
{
	struct mcim_proto_session tmp;
	struct mcim_cert_info leaf;
	struct proto_field f[6];
	mcim_err err;

	MCIM_ASSERT(out != NULL && need != 0 && (need & (need - 1)) == 0 &&
		    (need & ~SCOPE_ALL) == 0);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_verify_fields(buf, len, trust, MCIM_CERT_ROLE_ICF, icf_operator, f,
				  session_fields(f, &tmp), &leaf);
	if (err != MCIM_OK)
		return err;
	if (tmp.iat > tmp.exp)
		return MCIM_ERR_PARSE;
	err = proto_fresh(trust, tmp.iat, tmp.exp);
	if (err != MCIM_OK)
		return err;
	if ((tmp.scope & need) == 0)
		return MCIM_ERR_DENIED;
	*out = tmp;
	if (signer_cert != NULL)
		*signer_cert = leaf;
	return MCIM_OK;
}
