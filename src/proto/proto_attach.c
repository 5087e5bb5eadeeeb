/*
 * Attach (docs/protocol.md §7, mcim/proto.h): the messages between the device and
 * its SHO's AuC for 5G AKA with an installed MCIM: the challenge request (IMSI and
 * serving network name), the challenge, the device's answer (RES* with its key
 * confirmation, or AUTS to resynchronise) and the AuC's own confirmation. The key
 * confirmation values themselves are computed in proto_keys.c.
 */
#include <string.h>

#include "core/check.h"
#include "proto_int.h"

static const char *const kind_names[] = {"5g"};

static size_t chal_req_fields(struct proto_field *f,
			      struct mcim_proto_attach_challenge_req *m)
{
	f[0] = (struct proto_field){
	    .key = "snn", .type = PF_TSTR, .p = m->snn, .min = 1, .max = MCIM_SNN_MAX};
	f[1] = (struct proto_field){.key = "imsi",
				    .type = PF_DIGITS,
				    .p = m->imsi,
				    .min = MCIM_PROFILE_IMSI_MIN,
				    .max = MCIM_PROTO_IMSI_MAX};
	return 2;
}

mcim_err
mcim_proto_attach_challenge_req_encode(const struct mcim_proto_attach_challenge_req *m,
				       uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_attach_challenge_req tmp = *m;
	struct proto_field f[2];

	return proto_encode(f, chal_req_fields(f, &tmp), out, cap, len);
}

mcim_err
mcim_proto_attach_challenge_req_decode(const uint8_t *buf, size_t len,
				       struct mcim_proto_attach_challenge_req *out)
{
	struct mcim_proto_attach_challenge_req tmp;
	struct proto_field f[2];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, chal_req_fields(f, &tmp));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

static size_t chal_fields(struct proto_field *f, struct mcim_proto_attach_challenge *m,
			  unsigned *kind)
{
	f[0] = (struct proto_field){
	    .key = "autn", .type = PF_BSTR, .p = m->autn, .max = MCIM_PROTO_AUTN_LEN};
	f[1] = (struct proto_field){
	    .key = "kind", .type = PF_NAME, .p = kind, .names = kind_names, .max = 1};
	f[2] = (struct proto_field){
	    .key = "rand", .type = PF_BSTR, .p = m->rand, .max = MCIM_PROTO_RAND_LEN};
	return 3;
}

mcim_err mcim_proto_attach_challenge_encode(const struct mcim_proto_attach_challenge *m,
					    uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_attach_challenge tmp = *m;
	unsigned kind = 0;
	struct proto_field f[3];

	return proto_encode(f, chal_fields(f, &tmp, &kind), out, cap, len);
}

mcim_err mcim_proto_attach_challenge_decode(const uint8_t *buf, size_t len,
					    struct mcim_proto_attach_challenge *out)
{
	struct mcim_proto_attach_challenge tmp;
	unsigned kind = 0;
	struct proto_field f[3];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, chal_fields(f, &tmp, &kind));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

static size_t confirm_req_fields(struct proto_field *f,
				 struct mcim_proto_attach_confirm_req *m, bool *has_res,
				 bool *has_auts)
{
	f[0] = (struct proto_field){.key = "kc",
				    .type = PF_BSTR,
				    .p = m->kc,
				    .max = MCIM_PROTO_KC_LEN,
				    .present = has_res};
	f[1] = (struct proto_field){.key = "auts",
				    .type = PF_BSTR,
				    .p = m->auts,
				    .max = MCIM_PROTO_AUTS_LEN,
				    .present = has_auts};
	f[2] = (struct proto_field){.key = "imsi",
				    .type = PF_DIGITS,
				    .p = m->imsi,
				    .min = MCIM_PROFILE_IMSI_MIN,
				    .max = MCIM_PROTO_IMSI_MAX};
	f[3] = (struct proto_field){.key = "res_star",
				    .type = PF_BSTR,
				    .p = m->res_star,
				    .max = MCIM_RES_STAR_LEN,
				    .present = has_res};
	return 4;
}

mcim_err
mcim_proto_attach_confirm_req_encode(const struct mcim_proto_attach_confirm_req *m,
				     uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_attach_confirm_req tmp = *m;
	bool has_res = !m->resync, has_auts = m->resync;
	struct proto_field f[4];

	return proto_encode(f, confirm_req_fields(f, &tmp, &has_res, &has_auts), out, cap,
			    len);
}

mcim_err mcim_proto_attach_confirm_req_decode(const uint8_t *buf, size_t len,
					      struct mcim_proto_attach_confirm_req *out)
{
	struct mcim_proto_attach_confirm_req tmp;
	bool has_res, has_auts, has_kc;
	struct proto_field f[4];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	confirm_req_fields(f, &tmp, &has_res, &has_auts);
	/* kc and res_star come together: give kc its own flag to compare. */
	f[0].present = &has_kc;
	err = proto_decode(buf, len, f, 4);
	if (err != MCIM_OK)
		return err;
	if (has_kc != has_res || has_res == has_auts)
		return MCIM_ERR_PARSE;
	tmp.resync = has_auts;
	*out = tmp;
	return MCIM_OK;
}

static size_t confirm_fields(struct proto_field *f, struct mcim_proto_attach_confirm *m)
{
	f[0] = (struct proto_field){
	    .key = "kc", .type = PF_BSTR, .p = m->kc, .max = MCIM_PROTO_KC_LEN};
	f[1] = (struct proto_field){.key = "ok", .type = PF_TRUE};
	return 2;
}

mcim_err mcim_proto_attach_confirm_encode(const struct mcim_proto_attach_confirm *m,
					  uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_attach_confirm tmp = *m;
	struct proto_field f[2];

	return proto_encode(f, confirm_fields(f, &tmp), out, cap, len);
}

mcim_err mcim_proto_attach_confirm_decode(const uint8_t *buf, size_t len,
					  struct mcim_proto_attach_confirm *out)
{
	struct mcim_proto_attach_confirm tmp;
	struct proto_field f[2];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, confirm_fields(f, &tmp));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}
