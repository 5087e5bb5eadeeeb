/*
 * Discovery and registration (docs/protocol.md §3, mcim/proto.h): the device's
 * request to the DRF and the registration token Sign_DRF, which tells the device
 * its SHO and where its DPF and PVA are, and binds this registration (reg_id) to
 * this TRE for the download. The TRE checks it over its own nonce n_d; the DPF,
 * which never saw n_d, checks the TRE id and that the SHO is its own.
 */
#include <string.h>

#include "core/check.h"
#include "proto_int.h"

static size_t req_fields(struct proto_field *f, struct mcim_proto_discover_req *m)
{
	f[0] = (struct proto_field){
	    .key = "n_d", .type = PF_BSTR, .p = m->n_d, .max = MCIM_PROTO_NONCE_LEN};
	f[1] = (struct proto_field){.key = "tre_id",
				    .type = PF_BSTR,
				    .p = m->tre_id,
				    .max = MCIM_PROTO_TRE_ID_LEN};
	return 2;
}

mcim_err mcim_proto_discover_req_encode(const struct mcim_proto_discover_req *m,
					uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_discover_req tmp = *m;
	struct proto_field f[2];

	return proto_encode(f, req_fields(f, &tmp), out, cap, len);
}

mcim_err mcim_proto_discover_req_decode(const uint8_t *buf, size_t len,
					struct mcim_proto_discover_req *out)
{
	struct mcim_proto_discover_req tmp;
	struct proto_field f[2];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, req_fields(f, &tmp));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

static size_t resp_fields(struct proto_field *f, struct mcim_proto_discover_resp *m)
{
	f[0] = (struct proto_field){.key = "token",
				    .type = PF_SPAN,
				    .p = &m->token,
				    .min = 1,
				    .max = MCIM_PROTO_SIGNED_MAX};
	return 1;
}

mcim_err mcim_proto_discover_resp_encode(const struct mcim_proto_discover_resp *m,
					 uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_discover_resp tmp = *m;
	struct proto_field f[1];

	return proto_encode(f, resp_fields(f, &tmp), out, cap, len);
}

mcim_err mcim_proto_discover_resp_decode(const uint8_t *buf, size_t len,
					 struct mcim_proto_discover_resp *out)
{
	struct mcim_proto_discover_resp tmp;
	struct proto_field f[1];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, resp_fields(f, &tmp));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

static size_t token_fields(struct proto_field *f, struct mcim_proto_reg_token *t)
{
	f[0] = (struct proto_field){
	    .key = "ctx", .type = PF_CONST, .str = MCIM_PROTO_CTX_REG};
	f[1] = (struct proto_field){.key = "exp", .type = PF_TIME, .p = &t->exp};
	f[2] = (struct proto_field){.key = "iat", .type = PF_TIME, .p = &t->iat};
	f[3] = (struct proto_field){
	    .key = "n_d", .type = PF_BSTR, .p = t->n_d, .max = MCIM_PROTO_NONCE_LEN};
	f[4] = (struct proto_field){.key = "sho",
				    .type = PF_DIGITS,
				    .p = t->sho,
				    .min = 5,
				    .max = MCIM_PROTO_OPERATOR_MAX};
	f[5] = (struct proto_field){.key = "reg_id",
				    .type = PF_BSTR,
				    .p = t->reg_id,
				    .max = MCIM_PROTO_REG_ID_LEN};
	f[6] = (struct proto_field){.key = "tre_id",
				    .type = PF_BSTR,
				    .p = t->tre_id,
				    .max = MCIM_PROTO_TRE_ID_LEN};
	f[7] = (struct proto_field){.key = "dpf_url",
				    .type = PF_TSTR,
				    .p = t->dpf_url,
				    .min = 1,
				    .max = MCIM_PROTO_URL_MAX};
	f[8] = (struct proto_field){.key = "pva_url",
				    .type = PF_TSTR,
				    .p = t->pva_url,
				    .min = 1,
				    .max = MCIM_PROTO_URL_MAX};
	return 9;
}

mcim_err mcim_proto_reg_token_sign(const struct mcim_proto_reg_token *t,
				   const struct mcim_proto_signer *signer, uint8_t *out,
				   size_t cap, size_t *len)
{
	struct mcim_proto_reg_token tmp = *t;
	struct proto_field f[9];

	if (t->iat > t->exp)
		return MCIM_ERR_INVALID_ARG;
	return proto_sign_fields(f, token_fields(f, &tmp), signer, out, cap, len);
}

mcim_err mcim_proto_reg_token_verify(const uint8_t *buf, size_t len,
				     const struct mcim_proto_trust *trust,
				     const uint8_t expected_tre_id[MCIM_PROTO_TRE_ID_LEN],
				     const uint8_t *expected_n_d,
				     const char *expected_sho,
				     struct mcim_proto_reg_token *out,
				     struct mcim_cert_info *signer_cert)
{
	struct mcim_proto_reg_token tmp;
	struct mcim_cert_info leaf;
	struct proto_field f[9];
	mcim_err err;

	MCIM_ASSERT(expected_tre_id != NULL && out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_verify_fields(buf, len, trust, MCIM_CERT_ROLE_DRF, NULL, f,
				  token_fields(f, &tmp), &leaf);
	if (err != MCIM_OK)
		return err;
	if (tmp.iat > tmp.exp)
		return MCIM_ERR_PARSE;
	err = proto_fresh(trust, tmp.iat, tmp.exp);
	if (err != MCIM_OK)
		return err;
	if (expected_n_d != NULL &&
	    memcmp(tmp.n_d, expected_n_d, MCIM_PROTO_NONCE_LEN) != 0)
		return MCIM_ERR_REPLAY;
	if (memcmp(tmp.tre_id, expected_tre_id, MCIM_PROTO_TRE_ID_LEN) != 0)
		return MCIM_ERR_DENIED;
	if (expected_sho != NULL && strcmp(tmp.sho, expected_sho) != 0)
		return MCIM_ERR_DENIED;
	*out = tmp;
	if (signer_cert != NULL)
		*signer_cert = leaf;
	return MCIM_OK;
}
