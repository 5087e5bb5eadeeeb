/*
 * Tamper reports (docs/protocol.md §10, mcim/proto.h): the agent's delivery of the
 * TRE's signed reports to the SHO's DPF, with the TRE's certificate chain beside
 * them since a report carries none, and the DPF's answer; and the DPF's check: the
 * chain to the CI root first (is this a TRE of the ecosystem, and which one?), then
 * every report with that certificate's key and TRE id (mcim/tamper.h).
 *
 * The request needs no ICF session: a tampered device may have none, and nothing
 * in it is taken on the agent's word.
 */
#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"
#include "proto_int.h"

/* A CBOR array of 1..cap byte strings of 1..item_max octets, as spans. */
struct span_list {
	struct mcim_proto_span *v;
	size_t *n;
	size_t cap, item_max;
};

static mcim_err enc_spans(struct mcim_cbor_writer *w, const void *p)
{
	const struct span_list *l = p;

	if (*l->n == 0 || *l->n > l->cap)
		return MCIM_ERR_INVALID_ARG;
	mcim_cbor_put_array(w, *l->n);
	for (size_t i = 0; i < *l->n; i++) {
		if (l->v[i].data == NULL || l->v[i].len == 0 || l->v[i].len > l->item_max)
			return MCIM_ERR_INVALID_ARG;
		mcim_cbor_put_bstr(w, l->v[i].data, l->v[i].len);
	}
	return MCIM_OK;
}

static mcim_err dec_spans(struct mcim_cbor_reader *r, void *p)
{
	const struct span_list *l = p;
	size_t n;
	mcim_err err = mcim_cbor_read_array(r, &n);

	if (err != MCIM_OK)
		return err;
	if (n == 0)
		return MCIM_ERR_PARSE;
	if (n > l->cap)
		return MCIM_ERR_TOO_LARGE;
	for (size_t i = 0; i < n; i++) {
		err = mcim_cbor_read_bstr(r, &l->v[i].data, &l->v[i].len);
		if (err != MCIM_OK)
			return err;
		if (l->v[i].len == 0)
			return MCIM_ERR_PARSE;
		if (l->v[i].len > l->item_max)
			return MCIM_ERR_TOO_LARGE;
	}
	*l->n = n;
	return MCIM_OK;
}

static size_t req_fields(struct proto_field *f, struct mcim_proto_tamper_req *m,
			 struct span_list lists[2])
{
	lists[0] = (struct span_list){m->chain, &m->n_chain, MCIM_CERT_CHAIN_MAX,
				      MCIM_CERT_MAX_LEN};
	lists[1] =
	    (struct span_list){m->reports, &m->n_reports, MCIM_PROTO_TAMPER_REPORTS_MAX,
			       MCIM_TAMPER_REPORT_MAX};
	f[0] = (struct proto_field){.key = "chain",
				    .type = PF_CUSTOM,
				    .p = &lists[0],
				    .enc = enc_spans,
				    .dec = dec_spans};
	f[1] = (struct proto_field){.key = "reports",
				    .type = PF_CUSTOM,
				    .p = &lists[1],
				    .enc = enc_spans,
				    .dec = dec_spans};
	return 2;
}

mcim_err mcim_proto_tamper_req_encode(const struct mcim_proto_tamper_req *m, uint8_t *out,
				      size_t cap, size_t *len)
{
	struct mcim_proto_tamper_req tmp;
	struct span_list lists[2];
	struct proto_field f[2];

	MCIM_ASSERT(m != NULL);
	tmp = *m;
	return proto_encode(f, req_fields(f, &tmp, lists), out, cap, len);
}

mcim_err mcim_proto_tamper_req_decode(const uint8_t *buf, size_t len,
				      struct mcim_proto_tamper_req *out)
{
	struct mcim_proto_tamper_req tmp;
	struct span_list lists[2];
	struct proto_field f[2];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, req_fields(f, &tmp, lists));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

/* A count of reports: 0..MCIM_PROTO_TAMPER_REPORTS_MAX. */
static mcim_err enc_count(struct mcim_cbor_writer *w, const void *p)
{
	uint32_t v = *(const uint32_t *)p;

	if (v > MCIM_PROTO_TAMPER_REPORTS_MAX)
		return MCIM_ERR_INVALID_ARG;
	mcim_cbor_put_uint(w, v);
	return MCIM_OK;
}

static mcim_err dec_count(struct mcim_cbor_reader *r, void *p)
{
	uint64_t v;
	mcim_err err = mcim_cbor_read_uint(r, &v);

	if (err != MCIM_OK)
		return err;
	if (v > MCIM_PROTO_TAMPER_REPORTS_MAX)
		return MCIM_ERR_TOO_LARGE;
	*(uint32_t *)p = (uint32_t)v;
	return MCIM_OK;
}

static size_t resp_fields(struct proto_field *f, struct mcim_proto_tamper_resp *m)
{
	f[0] = (struct proto_field){.key = "accepted",
				    .type = PF_CUSTOM,
				    .p = &m->accepted,
				    .enc = enc_count,
				    .dec = dec_count};
	f[1] = (struct proto_field){.key = "duplicates",
				    .type = PF_CUSTOM,
				    .p = &m->duplicates,
				    .enc = enc_count,
				    .dec = dec_count};
	return 2;
}

mcim_err mcim_proto_tamper_resp_encode(const struct mcim_proto_tamper_resp *m,
				       uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_tamper_resp tmp;
	struct proto_field f[2];

	MCIM_ASSERT(m != NULL);
	tmp = *m;
	if ((uint64_t)tmp.accepted + tmp.duplicates > MCIM_PROTO_TAMPER_REPORTS_MAX)
		return MCIM_ERR_INVALID_ARG;
	return proto_encode(f, resp_fields(f, &tmp), out, cap, len);
}

mcim_err mcim_proto_tamper_resp_decode(const uint8_t *buf, size_t len,
				       struct mcim_proto_tamper_resp *out)
{
	struct mcim_proto_tamper_resp tmp;
	struct proto_field f[2];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, resp_fields(f, &tmp));
	if (err == MCIM_OK &&
	    (uint64_t)tmp.accepted + tmp.duplicates > MCIM_PROTO_TAMPER_REPORTS_MAX)
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

/* ---- the DPF's check ---- */

/* The chain to the root (a trailing copy of the root is not an intermediate). */
static mcim_err chain_verify(const struct mcim_proto_tamper_req *m,
			     const struct mcim_proto_trust *trust,
			     struct mcim_cert_info *leaf, struct mcim_p256_pub *pub)
{
	struct mcim_iov inter[MCIM_CERT_CHAIN_MAX];
	struct mcim_cert_policy policy = {0};
	size_t n = m->n_chain - 1;

	if (n > 0 && m->chain[n].len == trust->ci_root_len &&
	    memcmp(m->chain[n].data, trust->ci_root, trust->ci_root_len) == 0)
		n--;
	for (size_t i = 0; i < n; i++)
		inter[i] = (struct mcim_iov){m->chain[i + 1].data, m->chain[i + 1].len};
	policy.role = MCIM_CERT_ROLE_TRE;
	policy.now = (time_t)trust->now;
	policy.revoked = trust->revoked;
	policy.n_revoked = trust->n_revoked;
	return mcim_cert_verify_chain(m->chain[0].data, m->chain[0].len, inter, n,
				      trust->ci_root, trust->ci_root_len, &policy, leaf,
				      pub);
}

mcim_err mcim_proto_tamper_req_verify(const struct mcim_proto_tamper_req *m,
				      const struct mcim_proto_trust *trust,
				      uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN],
				      struct mcim_tamper_report *reports,
				      struct mcim_cert_info *tre_cert)
{
	struct mcim_tamper_report tmp[MCIM_PROTO_TAMPER_REPORTS_MAX];
	uint8_t id[MCIM_PROTO_TRE_ID_LEN];
	struct mcim_cert_info leaf;
	struct mcim_p256_pub pub;
	mcim_err err;

	MCIM_ASSERT(m != NULL && trust != NULL && trust->ci_root != NULL &&
		    tre_id != NULL && reports != NULL);
	if (m->n_chain == 0 || m->n_chain > MCIM_CERT_CHAIN_MAX || m->n_reports == 0 ||
	    m->n_reports > MCIM_PROTO_TAMPER_REPORTS_MAX)
		return MCIM_ERR_INVALID_ARG;
	err = chain_verify(m, trust, &leaf, &pub);
	if (err != MCIM_OK)
		return err;
	if (strlen(leaf.tre_id) != 2 * MCIM_PROTO_TRE_ID_LEN ||
	    mcim_hex_decode_exact(leaf.tre_id, strlen(leaf.tre_id), id, sizeof(id)) !=
		MCIM_OK ||
	    !proto_cert_is_tre(&leaf, id))
		return MCIM_ERR_DENIED;
	for (size_t i = 0; i < m->n_reports; i++) {
		err = mcim_tamper_verify(m->reports[i].data, m->reports[i].len, &pub, id,
					 &tmp[i]);
		if (err != MCIM_OK)
			return err;
	}
	memcpy(tre_id, id, sizeof(id));
	memcpy(reports, tmp, m->n_reports * sizeof(tmp[0]));
	if (tre_cert != NULL)
		*tre_cert = leaf;
	return MCIM_OK;
}
