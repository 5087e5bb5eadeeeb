/*
 * The MCIM download (docs/protocol.md §5, mcim/proto.h): M1 (the device's
 * registration token and challenge), M2 (the DPF's signed ephemeral key), M3 (the
 * TRE's signed ephemeral key, bound to the transcript H(M1 || M2) and to the PVA
 * result it carries), M4 (the profile sealed under the session key) and the
 * receipt R. The transcript hashes are over the exact octets of the bodies as
 * sent, which is why the make functions return whole bodies: the caller hashes
 * what it sends and what it receives, never a re-encoding.
 *
 * Where a message repeats a signed field outside the signature for the relay's
 * benefit (txid, c_d, epk), the copy must equal the signed value: a difference is
 * a modified message (MCIM_ERR_BAD_SIGNATURE).
 */
#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"
#include "mcim/mgmt.h"
#include "proto_int.h"

#define AAD_LEN (MCIM_PROTO_TXID_LEN + MCIM_PROTO_TRE_ID_LEN + MCIM_PROTO_MCIM_ID_LEN)

mcim_err mcim_proto_dl_transcript(const uint8_t *m1, size_t m1_len, const uint8_t *m2,
				  size_t m2_len, const uint8_t *m3, size_t m3_len,
				  uint8_t th[MCIM_SHA256_LEN])
{
	const struct mcim_iov parts[3] = {{m1, m1_len}, {m2, m2_len}, {m3, m3_len}};

	MCIM_ASSERT((m1 != NULL || m1_len == 0) && (m2 != NULL || m2_len == 0) &&
		    (m3 != NULL || m3_len == 0) && th != NULL);
	return mcim_sha256_v(parts, 3, th);
}

/* ---- M1 ---- */

static size_t m1_fields(struct proto_field *f, struct mcim_proto_m1 *m)
{
	f[0] = (struct proto_field){
	    .key = "c_t", .type = PF_BSTR, .p = m->c_t, .max = MCIM_PROTO_NONCE_LEN};
	f[1] = (struct proto_field){.key = "token",
				    .type = PF_SPAN,
				    .p = &m->token,
				    .min = 1,
				    .max = MCIM_PROTO_SIGNED_MAX};
	f[2] = (struct proto_field){.key = "tre_id",
				    .type = PF_BSTR,
				    .p = m->tre_id,
				    .max = MCIM_PROTO_TRE_ID_LEN};
	return 3;
}

mcim_err mcim_proto_m1_encode(const struct mcim_proto_m1 *m, uint8_t *out, size_t cap,
			      size_t *len)
{
	struct mcim_proto_m1 tmp = *m;
	struct proto_field f[3];

	return proto_encode(f, m1_fields(f, &tmp), out, cap, len);
}

mcim_err mcim_proto_m1_decode(const uint8_t *buf, size_t len, struct mcim_proto_m1 *out)
{
	struct mcim_proto_m1 tmp;
	struct proto_field f[3];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, m1_fields(f, &tmp));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

/* ---- M2 ---- */

static size_t m2_outer_fields(struct proto_field *f, struct mcim_proto_m2 *m,
			      struct mcim_proto_span *sig)
{
	f[0] = (struct proto_field){
	    .key = "c_d", .type = PF_BSTR, .p = m->c_d, .max = MCIM_PROTO_NONCE_LEN};
	f[1] = (struct proto_field){.key = "epk", .type = PF_PUB, .p = &m->epk};
	f[2] = (struct proto_field){.key = "sig",
				    .type = PF_SPAN,
				    .p = sig,
				    .min = 1,
				    .max = MCIM_PROTO_SIGNED_MAX};
	f[3] = (struct proto_field){
	    .key = "txid", .type = PF_BSTR, .p = m->txid, .max = MCIM_PROTO_TXID_LEN};
	return 4;
}

static size_t m2_signed_fields(struct proto_field *f, struct mcim_proto_m2 *m)
{
	f[0] = (struct proto_field){
	    .key = "c_d", .type = PF_BSTR, .p = m->c_d, .max = MCIM_PROTO_NONCE_LEN};
	f[1] = (struct proto_field){
	    .key = "c_t", .type = PF_BSTR, .p = m->c_t, .max = MCIM_PROTO_NONCE_LEN};
	f[2] = (struct proto_field){
	    .key = "ctx", .type = PF_CONST, .str = MCIM_PROTO_CTX_M2};
	f[3] = (struct proto_field){.key = "epk", .type = PF_PUB, .p = &m->epk};
	f[4] = (struct proto_field){
	    .key = "txid", .type = PF_BSTR, .p = m->txid, .max = MCIM_PROTO_TXID_LEN};
	f[5] = (struct proto_field){.key = "reg_id",
				    .type = PF_BSTR,
				    .p = m->reg_id,
				    .max = MCIM_PROTO_REG_ID_LEN};
	f[6] = (struct proto_field){.key = "tre_id",
				    .type = PF_BSTR,
				    .p = m->tre_id,
				    .max = MCIM_PROTO_TRE_ID_LEN};
	return 7;
}

mcim_err mcim_proto_m2_make(const struct mcim_proto_m2 *m,
			    const struct mcim_proto_signer *signer, uint8_t *out,
			    size_t cap, size_t *len)
{
	uint8_t sig[MCIM_PROTO_SIGNED_MAX];
	struct mcim_proto_span span = {sig, 0};
	struct mcim_proto_m2 tmp = *m;
	struct proto_field f[7];
	mcim_err err;

	err = proto_sign_fields(f, m2_signed_fields(f, &tmp), signer, sig, sizeof(sig),
				&span.len);
	if (err != MCIM_OK)
		return err;
	return proto_encode(f, m2_outer_fields(f, &tmp, &span), out, cap, len);
}

mcim_err mcim_proto_m2_verify(const uint8_t *buf, size_t len,
			      const struct mcim_proto_trust *trust,
			      const struct mcim_proto_reg_token *token,
			      const uint8_t pending_c_t[MCIM_PROTO_NONCE_LEN],
			      struct mcim_proto_m2 *out, struct mcim_cert_info *dpf_cert)
{
	struct mcim_proto_m2 outer, sgn;
	struct mcim_proto_span sig = {NULL, 0};
	struct mcim_cert_info leaf;
	struct proto_field f[7];
	mcim_err err;

	MCIM_ASSERT(token != NULL && pending_c_t != NULL && out != NULL);
	memset(&outer, 0, sizeof(outer));
	memset(&sgn, 0, sizeof(sgn));
	err = proto_decode(buf, len, f, m2_outer_fields(f, &outer, &sig));
	if (err != MCIM_OK)
		return err;
	err = proto_verify_fields(sig.data, sig.len, trust, MCIM_CERT_ROLE_DPF,
				  token->sho, f, m2_signed_fields(f, &sgn), &leaf);
	if (err != MCIM_OK)
		return err;
	if (memcmp(outer.txid, sgn.txid, sizeof(sgn.txid)) != 0 ||
	    memcmp(outer.c_d, sgn.c_d, sizeof(sgn.c_d)) != 0 ||
	    memcmp(outer.epk.q, sgn.epk.q, sizeof(sgn.epk.q)) != 0)
		return MCIM_ERR_BAD_SIGNATURE;
	if (memcmp(sgn.c_t, pending_c_t, MCIM_PROTO_NONCE_LEN) != 0)
		return MCIM_ERR_REPLAY;
	if (memcmp(sgn.tre_id, token->tre_id, MCIM_PROTO_TRE_ID_LEN) != 0 ||
	    memcmp(sgn.reg_id, token->reg_id, MCIM_PROTO_REG_ID_LEN) != 0)
		return MCIM_ERR_DENIED;
	*out = sgn;
	if (dpf_cert != NULL)
		*dpf_cert = leaf;
	return MCIM_OK;
}

/* ---- M3 ---- */

static size_t m3_outer_fields(struct proto_field *f, struct mcim_proto_m3 *m,
			      struct mcim_proto_span *sig, bool *has_release)
{
	f[0] = (struct proto_field){.key = "epk", .type = PF_PUB, .p = &m->epk};
	f[1] = (struct proto_field){.key = "pva",
				    .type = PF_SPAN,
				    .p = &m->pva,
				    .min = 1,
				    .max = MCIM_PROTO_SIGNED_MAX};
	f[2] = (struct proto_field){.key = "sig",
				    .type = PF_SPAN,
				    .p = sig,
				    .min = 1,
				    .max = MCIM_PROTO_SIGNED_MAX};
	f[3] = (struct proto_field){
	    .key = "txid", .type = PF_BSTR, .p = m->txid, .max = MCIM_PROTO_TXID_LEN};
	f[4] = (struct proto_field){.key = "release",
				    .type = PF_SPAN,
				    .p = &m->release,
				    .min = 1,
				    .max = MCIM_MGMT_SIGNED_MAX,
				    .present = has_release};
	return 5;
}

/* The signed part of M3: what the TRE vouches for. */
struct m3_signed {
	uint8_t th[MCIM_SHA256_LEN];
	struct mcim_p256_pub epk;
	uint8_t txid[MCIM_PROTO_TXID_LEN];
	uint8_t pva_hash[MCIM_SHA256_LEN];
	uint8_t rel_hash[MCIM_SHA256_LEN];
};

static size_t m3_signed_fields(struct proto_field *f, struct m3_signed *s,
			       bool *has_release)
{
	f[0] = (struct proto_field){
	    .key = "th", .type = PF_BSTR, .p = s->th, .max = MCIM_SHA256_LEN};
	f[1] = (struct proto_field){
	    .key = "ctx", .type = PF_CONST, .str = MCIM_PROTO_CTX_M3};
	f[2] = (struct proto_field){.key = "epk", .type = PF_PUB, .p = &s->epk};
	f[3] = (struct proto_field){
	    .key = "txid", .type = PF_BSTR, .p = s->txid, .max = MCIM_PROTO_TXID_LEN};
	f[4] = (struct proto_field){
	    .key = "pva_hash", .type = PF_BSTR, .p = s->pva_hash, .max = MCIM_SHA256_LEN};
	f[5] = (struct proto_field){.key = "rel_hash",
				    .type = PF_BSTR,
				    .p = s->rel_hash,
				    .max = MCIM_SHA256_LEN,
				    .present = has_release};
	return 6;
}

mcim_err mcim_proto_m3_make(const struct mcim_proto_m3 *m,
			    const struct mcim_proto_signer *signer, uint8_t *out,
			    size_t cap, size_t *len)
{
	uint8_t sig[MCIM_PROTO_SIGNED_MAX];
	struct mcim_proto_span span = {sig, 0};
	struct mcim_proto_m3 tmp = *m;
	bool has_release = m->release.len > 0;
	struct m3_signed s;
	struct proto_field f[6];
	mcim_err err;

	MCIM_ASSERT(m->pva.data != NULL || m->pva.len == 0);
	MCIM_ASSERT(m->release.data != NULL || m->release.len == 0);
	memset(&s, 0, sizeof(s));
	memcpy(s.th, m->th, sizeof(s.th));
	s.epk = m->epk;
	memcpy(s.txid, m->txid, sizeof(s.txid));
	err = mcim_sha256(m->pva.data, m->pva.len, s.pva_hash);
	if (err == MCIM_OK && has_release)
		err = mcim_sha256(m->release.data, m->release.len, s.rel_hash);
	if (err != MCIM_OK)
		return err;
	err = proto_sign_fields(f, m3_signed_fields(f, &s, &has_release), signer, sig,
				sizeof(sig), &span.len);
	if (err != MCIM_OK)
		return err;
	return proto_encode(f, m3_outer_fields(f, &tmp, &span, &has_release), out, cap,
			    len);
}

static mcim_err m3_decode_outer(const uint8_t *buf, size_t len, struct mcim_proto_m3 *m,
				struct mcim_proto_span *sig)
{
	struct proto_field f[5];
	bool has_release;

	memset(m, 0, sizeof(*m));
	return proto_decode(buf, len, f, m3_outer_fields(f, m, sig, &has_release));
}

mcim_err mcim_proto_m3_decode(const uint8_t *buf, size_t len, struct mcim_proto_m3 *out)
{
	struct mcim_proto_span sig;
	struct mcim_proto_m3 tmp;
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	err = m3_decode_outer(buf, len, &tmp, &sig);
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

/* 1 when the hash of span is h. */
static mcim_err hash_is(const struct mcim_proto_span *span,
			const uint8_t h[MCIM_SHA256_LEN])
{
	uint8_t got[MCIM_SHA256_LEN];
	mcim_err err = mcim_sha256(span->data, span->len, got);

	if (err != MCIM_OK)
		return err;
	return memcmp(got, h, MCIM_SHA256_LEN) == 0 ? MCIM_OK : MCIM_ERR_BAD_SIGNATURE;
}

mcim_err mcim_proto_m3_verify(
    const uint8_t *buf, size_t len, const struct mcim_proto_trust *trust,
    const uint8_t txid[MCIM_PROTO_TXID_LEN], const uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN],
    const uint8_t th[MCIM_SHA256_LEN], bool accept_warning, struct mcim_proto_m3 *out,
    struct mcim_proto_pva_result *pva_out, struct mcim_cert_info *tre_cert)
{
	struct mcim_proto_pva_result pva;
	struct mcim_proto_span sig;
	struct mcim_proto_m3 m;
	struct mcim_cert_info leaf;
	struct m3_signed s;
	struct proto_field f[6];
	bool has_release;
	mcim_err err;

	MCIM_ASSERT(txid != NULL && tre_id != NULL && th != NULL && out != NULL);
	err = m3_decode_outer(buf, len, &m, &sig);
	if (err != MCIM_OK)
		return err;
	if (memcmp(m.txid, txid, MCIM_PROTO_TXID_LEN) != 0)
		return MCIM_ERR_DENIED;
	memset(&s, 0, sizeof(s));
	err = proto_verify_fields(sig.data, sig.len, trust, MCIM_CERT_ROLE_TRE, NULL, f,
				  m3_signed_fields(f, &s, &has_release), &leaf);
	if (err != MCIM_OK)
		return err;
	if (!proto_cert_is_tre(&leaf, tre_id))
		return MCIM_ERR_DENIED;
	if (memcmp(s.txid, m.txid, sizeof(s.txid)) != 0 ||
	    memcmp(s.epk.q, m.epk.q, sizeof(s.epk.q)) != 0 ||
	    has_release != (m.release.len > 0))
		return MCIM_ERR_BAD_SIGNATURE;
	if (memcmp(s.th, th, MCIM_SHA256_LEN) != 0)
		return MCIM_ERR_DENIED;
	err = hash_is(&m.pva, s.pva_hash);
	if (err == MCIM_OK && has_release)
		err = hash_is(&m.release, s.rel_hash);
	if (err != MCIM_OK)
		return err;
	err = mcim_proto_pva_result_verify(m.pva.data, m.pva.len, trust, NULL, tre_id,
					   NULL, &pva, NULL);
	if (err != MCIM_OK)
		return err;
	if (pva.status != MCIM_EAR_AFFIRMING &&
	    !(accept_warning && pva.status == MCIM_EAR_WARNING))
		return MCIM_ERR_BAD_BOOT;
	*out = m;
	if (pva_out != NULL)
		*pva_out = pva;
	if (tre_cert != NULL)
		*tre_cert = leaf;
	return MCIM_OK;
}

/* ---- M4 ---- */

static size_t m4_fields(struct proto_field *f, struct mcim_proto_m4 *m)
{
	f[0] = (struct proto_field){.key = "pkg",
				    .type = PF_SPAN,
				    .p = &m->pkg,
				    .min = 1,
				    .max = MCIM_PROTO_M4_MAX};
	f[1] = (struct proto_field){
	    .key = "txid", .type = PF_BSTR, .p = m->txid, .max = MCIM_PROTO_TXID_LEN};
	f[2] = (struct proto_field){.key = "mcim_id",
				    .type = PF_BSTR,
				    .p = m->mcim_id,
				    .max = MCIM_PROTO_MCIM_ID_LEN};
	return 3;
}

static void m4_aad(uint8_t aad[AAD_LEN], const uint8_t txid[MCIM_PROTO_TXID_LEN],
		   const uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN],
		   const uint8_t mcim_id[MCIM_PROTO_MCIM_ID_LEN])
{
	memcpy(aad, txid, MCIM_PROTO_TXID_LEN);
	memcpy(aad + MCIM_PROTO_TXID_LEN, tre_id, MCIM_PROTO_TRE_ID_LEN);
	memcpy(aad + MCIM_PROTO_TXID_LEN + MCIM_PROTO_TRE_ID_LEN, mcim_id,
	       MCIM_PROTO_MCIM_ID_LEN);
}

mcim_err mcim_proto_m4_seal(const struct mcim_proto_dl_keys *keys,
			    const struct mcim_rng *rng,
			    const uint8_t txid[MCIM_PROTO_TXID_LEN],
			    const uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN],
			    const struct mcim_profile *profile, uint8_t *out, size_t cap,
			    size_t *len)
{
	uint8_t pt[MCIM_PROFILE_ENCODED_MAX];
	uint8_t pkg[MCIM_PROTO_M4_MAX];
	uint8_t aad[AAD_LEN];
	struct mcim_proto_m4 m;
	struct proto_field f[3];
	size_t pt_len;
	mcim_err err;

	MCIM_ASSERT(keys != NULL && rng != NULL && txid != NULL && tre_id != NULL &&
		    profile != NULL);
	memset(&m, 0, sizeof(m));
	memcpy(m.txid, txid, sizeof(m.txid));
	memcpy(m.mcim_id, profile->id, sizeof(m.mcim_id));
	m4_aad(aad, txid, tre_id, profile->id);
	err = mcim_profile_encode(profile, pt, sizeof(pt), &pt_len);
	if (err == MCIM_OK)
		err = mcim_cose_encrypt0(keys->aead, rng, pt, pt_len, aad, sizeof(aad),
					 pkg, sizeof(pkg), &m.pkg.len);
	mcim_wipe(pt, sizeof(pt));
	if (err != MCIM_OK)
		return err;
	m.pkg.data = pkg;
	return proto_encode(f, m4_fields(f, &m), out, cap, len);
}

mcim_err mcim_proto_m4_decode(const uint8_t *buf, size_t len, struct mcim_proto_m4 *out)
{
	struct mcim_proto_m4 tmp;
	struct proto_field f[3];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = proto_decode(buf, len, f, m4_fields(f, &tmp));
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}

mcim_err mcim_proto_m4_open(const struct mcim_proto_dl_keys *keys, const uint8_t *buf,
			    size_t len, const uint8_t txid[MCIM_PROTO_TXID_LEN],
			    const uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN],
			    struct mcim_profile *profile,
			    uint8_t ct_hash[MCIM_SHA256_LEN])
{
	uint8_t pt[MCIM_PROFILE_ENCODED_MAX];
	uint8_t aad[AAD_LEN];
	struct mcim_proto_m4 m;
	size_t pt_len = 0;
	mcim_err err;

	MCIM_ASSERT(keys != NULL && txid != NULL && tre_id != NULL && profile != NULL &&
		    ct_hash != NULL);
	mcim_profile_wipe(profile);
	err = mcim_proto_m4_decode(buf, len, &m);
	if (err != MCIM_OK)
		return err;
	if (memcmp(m.txid, txid, MCIM_PROTO_TXID_LEN) != 0)
		return MCIM_ERR_DENIED;
	m4_aad(aad, txid, tre_id, m.mcim_id);
	err = mcim_cose_decrypt0(keys->aead, m.pkg.data, m.pkg.len, aad, sizeof(aad), pt,
				 sizeof(pt), &pt_len);
	/* A package too large for any profile cannot be one. */
	if (err == MCIM_ERR_BUFFER_TOO_SMALL)
		err = MCIM_ERR_TOO_LARGE;
	if (err == MCIM_OK)
		err = mcim_profile_decode(pt, pt_len, profile);
	mcim_wipe(pt, sizeof(pt));
	if (err == MCIM_OK && memcmp(profile->id, m.mcim_id, MCIM_PROTO_MCIM_ID_LEN) != 0)
		err = MCIM_ERR_DENIED;
	if (err == MCIM_OK)
		err = mcim_sha256(m.pkg.data, m.pkg.len, ct_hash);
	if (err != MCIM_OK)
		mcim_profile_wipe(profile);
	return err;
}

/* ---- the receipt ---- */

static size_t r_outer_fields(struct proto_field *f, uint8_t txid[MCIM_PROTO_TXID_LEN],
			     struct mcim_proto_span *receipt)
{
	f[0] = (struct proto_field){
	    .key = "txid", .type = PF_BSTR, .p = txid, .max = MCIM_PROTO_TXID_LEN};
	f[1] = (struct proto_field){.key = "receipt",
				    .type = PF_SPAN,
				    .p = receipt,
				    .min = 1,
				    .max = MCIM_PROTO_SIGNED_MAX};
	return 2;
}

static size_t r_signed_fields(struct proto_field *f, struct mcim_proto_receipt *r)
{
	f[0] = (struct proto_field){
	    .key = "ctx", .type = PF_CONST, .str = MCIM_PROTO_CTX_RECEIPT};
	f[1] = (struct proto_field){
	    .key = "txid", .type = PF_BSTR, .p = r->txid, .max = MCIM_PROTO_TXID_LEN};
	f[2] = (struct proto_field){.key = "result", .type = PF_ERR, .p = &r->result};
	f[3] = (struct proto_field){
	    .key = "confirm", .type = PF_BSTR, .p = r->confirm, .max = MCIM_SHA256_LEN};
	f[4] = (struct proto_field){
	    .key = "ct_hash", .type = PF_BSTR, .p = r->ct_hash, .max = MCIM_SHA256_LEN};
	f[5] = (struct proto_field){.key = "mcim_id",
				    .type = PF_BSTR,
				    .p = r->mcim_id,
				    .max = MCIM_PROTO_MCIM_ID_LEN};
	return 6;
}

mcim_err mcim_proto_receipt_make(const struct mcim_proto_receipt *r,
				 const struct mcim_proto_dl_keys *keys,
				 const struct mcim_proto_signer *signer, uint8_t *out,
				 size_t cap, size_t *len)
{
	uint8_t sig[MCIM_PROTO_SIGNED_MAX];
	struct mcim_proto_span span = {sig, 0};
	struct mcim_proto_receipt tmp = *r;
	uint8_t txid[MCIM_PROTO_TXID_LEN];
	struct proto_field f[6];
	mcim_err err;

	MCIM_ASSERT(keys != NULL);
	err = mcim_proto_dl_confirm(keys, r->txid, tmp.confirm);
	if (err != MCIM_OK)
		return err;
	err = proto_sign_fields(f, r_signed_fields(f, &tmp), signer, sig, sizeof(sig),
				&span.len);
	if (err != MCIM_OK)
		return err;
	memcpy(txid, r->txid, sizeof(txid));
	return proto_encode(f, r_outer_fields(f, txid, &span), out, cap, len);
}

mcim_err mcim_proto_receipt_decode(const uint8_t *buf, size_t len,
				   uint8_t txid[MCIM_PROTO_TXID_LEN],
				   struct mcim_proto_span *receipt)
{
	struct mcim_proto_span span = {NULL, 0};
	uint8_t id[MCIM_PROTO_TXID_LEN];
	struct proto_field f[2];
	mcim_err err;

	MCIM_ASSERT(txid != NULL && receipt != NULL);
	err = proto_decode(buf, len, f, r_outer_fields(f, id, &span));
	if (err != MCIM_OK)
		return err;
	memcpy(txid, id, sizeof(id));
	*receipt = span;
	return MCIM_OK;
}

mcim_err mcim_proto_receipt_verify(
    const uint8_t *buf, size_t len, const struct mcim_proto_trust *trust,
    const struct mcim_proto_dl_keys *keys, const uint8_t txid[MCIM_PROTO_TXID_LEN],
    const uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN],
    const uint8_t mcim_id[MCIM_PROTO_MCIM_ID_LEN], const uint8_t ct_hash[MCIM_SHA256_LEN],
    struct mcim_proto_receipt *out, struct mcim_cert_info *tre_cert)
{
	uint8_t outer_txid[MCIM_PROTO_TXID_LEN], confirm[MCIM_SHA256_LEN];
	struct mcim_proto_receipt r;
	struct mcim_proto_span span;
	struct mcim_cert_info leaf;
	struct proto_field f[6];
	int ok;
	mcim_err err;

	MCIM_ASSERT(keys != NULL && txid != NULL && tre_id != NULL && mcim_id != NULL &&
		    ct_hash != NULL && out != NULL);
	err = mcim_proto_receipt_decode(buf, len, outer_txid, &span);
	if (err != MCIM_OK)
		return err;
	if (memcmp(outer_txid, txid, MCIM_PROTO_TXID_LEN) != 0)
		return MCIM_ERR_DENIED;
	memset(&r, 0, sizeof(r));
	err = proto_verify_fields(span.data, span.len, trust, MCIM_CERT_ROLE_TRE, NULL, f,
				  r_signed_fields(f, &r), &leaf);
	if (err != MCIM_OK)
		return err;
	if (!proto_cert_is_tre(&leaf, tre_id) ||
	    memcmp(r.txid, txid, MCIM_PROTO_TXID_LEN) != 0 ||
	    memcmp(r.mcim_id, mcim_id, MCIM_PROTO_MCIM_ID_LEN) != 0 ||
	    memcmp(r.ct_hash, ct_hash, MCIM_SHA256_LEN) != 0)
		return MCIM_ERR_DENIED;
	err = mcim_proto_dl_confirm(keys, txid, confirm);
	if (err != MCIM_OK)
		return err;
	ok = mcim_ct_equal(confirm, r.confirm, sizeof(confirm));
	mcim_wipe(confirm, sizeof(confirm));
	if (!ok)
		return MCIM_ERR_MAC_FAILURE;
	*out = r;
	if (tre_cert != NULL)
		*tre_cert = leaf;
	return MCIM_OK;
}
