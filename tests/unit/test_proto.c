/*
 * The provisioning protocol's messages (mcim/proto.h), both ends. A test PKI
 * (mcim_fixture.h's CI and SHO parties, plus a DRF, PVA, ICF, a DPF of each SHO, an
 * M2MES CA and two TREs) signs every object. Checked here:
 * - R-NET-S04, R-PRC-105, R-PRC-106, R-TRE-P01..P07: a whole download, M1 to the
 *   receipt, between a simulated TRE side and DPF side using only proto.h: both
 *   derive the same keys, the TRE decrypts the profile, the receipt verifies, the
 *   ephemeral private keys are wiped by the key derivation;
 * - the key schedule and the confirmations against an independent computation
 *   (OpenSSL EVP_PKEY_derive, EVP_KDF HKDF and HMAC, called here directly);
 * - every refusal: a wrong role for each signed object, another operator, an
 *   untrusted root, expired / not-yet-valid objects (and the skew's edges), a
 *   wrong nonce or challenge (replay), objects bound to another TRE, registration,
 *   transaction or SHO (R-PRC-104, R-PRC-205, R-TRE-P03, R-TRE-P04), a
 *   contraindicated or foreign PVA result in M3 (R-PRC-204), a modified M4 (its
 *   ciphertext, aad or txid), a receipt with a wrong confirmation;
 * - every truncation and a bit flip in every octet of each signed message: refused,
 *   never a crash;
 * - the codecs: round trips, unknown / missing / repeated keys, wrong types and
 *   lengths, trailing octets, and the encoders' output bounds and argument checks;
 * - tamper reports (R-TRE-G11, §10): the request's codec and bounds (1..16 reports,
 *   1..4 certificates), the DPF's check of the chain (untrusted, revoked, expired,
 *   wrong role, a TRE id not in the protocol's form) and of every report with the
 *   leaf's key and TRE id (another TRE's key, kid or payload), one bad report
 *   refusing the whole request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/mgmt.h"
#include "mcim/proto.h"
#include "mcim_fixture.h"

#define NOW   ((int64_t)FX_T0 + 3600)
#define SKEW  ((int64_t)MCIM_PROTO_SKEW_DEFAULT)
#define URL_D "https://dpf.example/"
#define URL_P "https://pva.example/"

static struct {
	struct fx_party drf, pva, icf, dpf2, ca, tre, tre2, ca2, tre_foreign;
} px;

static uint8_t tre_id[16], tre2_id[16];

static void tre_issue(struct fx_party *p, const struct fx_party *ca,
		      const struct fx_party *ci, const uint8_t id[16])
{
	(void)ci;
	memset(&p->info, 0, sizeof(p->info));
	p->info.role = MCIM_CERT_ROLE_TRE;
	snprintf(p->info.common_name, sizeof(p->info.common_name), "tre");
	assert_int_equal(mcim_hex_encode(id, 16, p->info.tre_id, sizeof(p->info.tre_id)),
			 MCIM_OK);
	snprintf(p->info.platform_id, sizeof(p->info.platform_id), "imei-1");
	p->info.backend = MCIM_CERT_BACKEND_SOFT;
	p->info.assurance = 2;
	p->info.not_before = FX_T0;
	p->info.not_after = FX_T0 + FX_YEAR;
	assert_int_equal(mcim_p256_keygen(&p->priv, &p->pub), MCIM_OK);
	assert_int_equal(mcim_cert_issue(&p->info, &p->pub, &ca->priv, ca->der, ca->len,
					 mcim_rng_system(), p->der, sizeof(p->der),
					 &p->len),
			 MCIM_OK);
}

static int setup(void **state)
{
	(void)state;
	fx_pki();
	fx_issue(&px.drf, &fxp.ci, MCIM_CERT_ROLE_DRF, "", FX_T0 + FX_YEAR);
	fx_issue(&px.pva, &fxp.ci, MCIM_CERT_ROLE_PVA, "99901", FX_T0 + FX_YEAR);
	fx_issue(&px.icf, &fxp.ci, MCIM_CERT_ROLE_ICF, "99902", FX_T0 + FX_YEAR);
	fx_issue(&px.dpf2, &fxp.ci, MCIM_CERT_ROLE_DPF, FX_SHO2, FX_T0 + FX_YEAR);
	fx_issue(&px.ca, &fxp.ci, MCIM_CERT_ROLE_M2MES_CA, "", FX_T0 + FX_YEAR);
	fx_issue(&px.ca2, &fxp.ci2, MCIM_CERT_ROLE_M2MES_CA, "", FX_T0 + FX_YEAR);
	fx_random(tre_id, sizeof(tre_id));
	fx_random(tre2_id, sizeof(tre2_id));
	tre_issue(&px.tre, &px.ca, &fxp.ci, tre_id);
	tre_issue(&px.tre2, &px.ca, &fxp.ci, tre2_id);
	tre_issue(&px.tre_foreign, &px.ca2, &fxp.ci2, tre_id);
	return 0;
}

/* ---- helpers ---- */

struct sgn {
	struct mcim_iov chain[2];
	struct mcim_proto_signer s;
};

static const struct mcim_proto_signer *signer(struct sgn *g, const struct fx_party *p)
{
	g->chain[0] = (struct mcim_iov){p->der, p->len};
	g->s = (struct mcim_proto_signer){&p->priv, g->chain, 1};
	if (p->info.role == MCIM_CERT_ROLE_TRE) {
		const struct fx_party *ca = p == &px.tre_foreign ? &px.ca2 : &px.ca;

		g->chain[1] = (struct mcim_iov){ca->der, ca->len};
		g->s.n_chain = 2;
	}
	return &g->s;
}

static struct mcim_proto_trust trust_at(int64_t now)
{
	struct mcim_proto_trust t = {fxp.ci.der, fxp.ci.len, NULL, 0, now, SKEW};

	return t;
}

static void make_token(struct mcim_proto_reg_token *t, const uint8_t id[16])
{
	memset(t, 0, sizeof(*t));
	memcpy(t->tre_id, id, 16);
	snprintf(t->sho, sizeof(t->sho), "%s", FX_SHO);
	snprintf(t->dpf_url, sizeof(t->dpf_url), "%s", URL_D);
	snprintf(t->pva_url, sizeof(t->pva_url), "%s", URL_P);
	fx_random(t->reg_id, sizeof(t->reg_id));
	fx_random(t->n_d, sizeof(t->n_d));
	t->iat = NOW;
	t->exp = NOW + 600;
}

static void make_pva(struct mcim_proto_pva_result *r, const uint8_t id[16],
		     enum mcim_ear_status status)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->tre_id, id, 16);
	fx_random(r->n_p, sizeof(r->n_p));
	r->status = status;
	r->n_verdicts = 3;
	snprintf(r->verdicts[0].name, sizeof(r->verdicts[0].name), "modem");
	r->verdicts[0].status = MCIM_EAR_AFFIRMING;
	snprintf(r->verdicts[1].name, sizeof(r->verdicts[1].name), "app");
	r->verdicts[1].status = status;
	snprintf(r->verdicts[2].name, sizeof(r->verdicts[2].name), "bootloader");
	r->verdicts[2].status = MCIM_EAR_AFFIRMING;
	fx_random(r->ev_hash, sizeof(r->ev_hash));
	r->iat = NOW;
	r->exp = NOW + 900;
}

static size_t sign_pva(const struct mcim_proto_pva_result *r, const struct fx_party *by,
		       uint8_t *out, size_t cap)
{
	struct sgn g;
	size_t len = 0;

	assert_int_equal(mcim_proto_pva_result_sign(r, signer(&g, by), out, cap, &len),
			 MCIM_OK);
	return len;
}

/* Everything both sides of one download hold, message by message. */
struct dl {
	struct mcim_proto_reg_token token; /* the TRE's verified copy */
	uint8_t token_buf[MCIM_PROTO_SIGNED_MAX];
	size_t token_len;
	uint8_t pva_buf[MCIM_PROTO_SIGNED_MAX];
	size_t pva_len;
	uint8_t c_t[16];
	uint8_t m1[MCIM_PROTO_MSG_MAX], m2[MCIM_PROTO_MSG_MAX], m3[MCIM_PROTO_MSG_MAX];
	size_t m1_len, m2_len, m3_len;
	struct mcim_proto_m2 m2_dpf; /* what the DPF sent */
	struct mcim_p256_priv e_dpf, e_tre;
	struct mcim_p256_pub p_dpf, p_tre;
	uint8_t th[32], th3[32];
};

static void dl_m1(struct dl *d, const struct fx_party *drf)
{
	struct mcim_proto_m1 m1;
	struct mcim_proto_trust t = trust_at(NOW);
	struct sgn g;

	memset(d, 0, sizeof(*d));
	make_token(&d->token, tre_id);
	assert_int_equal(mcim_proto_reg_token_sign(&d->token, signer(&g, drf),
						   d->token_buf, sizeof(d->token_buf),
						   &d->token_len),
			 MCIM_OK);
	if (drf == &px.drf)
		assert_int_equal(mcim_proto_reg_token_verify(d->token_buf, d->token_len,
							     &t, tre_id, d->token.n_d,
							     NULL, &d->token, NULL),
				 MCIM_OK);
	fx_random(d->c_t, 16);
	memset(&m1, 0, sizeof(m1));
	memcpy(m1.tre_id, tre_id, 16);
	memcpy(m1.c_t, d->c_t, 16);
	m1.token = (struct mcim_proto_span){d->token_buf, d->token_len};
	assert_int_equal(mcim_proto_m1_encode(&m1, d->m1, sizeof(d->m1), &d->m1_len),
			 MCIM_OK);
}

/* The DPF's answer to M1, signed by dpf (for another TRE when id says so). */
static void dl_m2(struct dl *d, const struct fx_party *dpf, const uint8_t id[16])
{
	struct mcim_proto_m1 m1;
	struct mcim_proto_reg_token tok;
	struct mcim_proto_trust t = trust_at(NOW);
	struct sgn g;

	assert_int_equal(mcim_proto_m1_decode(d->m1, d->m1_len, &m1), MCIM_OK);
	assert_int_equal(mcim_proto_reg_token_verify(m1.token.data, m1.token.len, &t,
						     m1.tre_id, NULL, FX_SHO, &tok, NULL),
			 MCIM_OK);
	memset(&d->m2_dpf, 0, sizeof(d->m2_dpf));
	fx_random(d->m2_dpf.txid, 16);
	fx_random(d->m2_dpf.c_d, 16);
	assert_int_equal(mcim_p256_keygen(&d->e_dpf, &d->p_dpf), MCIM_OK);
	d->m2_dpf.epk = d->p_dpf;
	memcpy(d->m2_dpf.c_t, m1.c_t, 16);
	memcpy(d->m2_dpf.tre_id, id, 16);
	memcpy(d->m2_dpf.reg_id, tok.reg_id, 16);
	assert_int_equal(mcim_proto_m2_make(&d->m2_dpf, signer(&g, dpf), d->m2,
					    sizeof(d->m2), &d->m2_len),
			 MCIM_OK);
}

/* The TRE's M3 over the PVA result in pva_buf, signed by tre. */
static void dl_m3(struct dl *d, const struct fx_party *tre, const uint8_t *release,
		  size_t release_len)
{
	struct mcim_proto_m3 m3;
	struct sgn g;

	assert_int_equal(
	    mcim_proto_dl_transcript(d->m1, d->m1_len, d->m2, d->m2_len, NULL, 0, d->th),
	    MCIM_OK);
	assert_int_equal(mcim_p256_keygen(&d->e_tre, &d->p_tre), MCIM_OK);
	memset(&m3, 0, sizeof(m3));
	memcpy(m3.txid, d->m2_dpf.txid, 16);
	m3.epk = d->p_tre;
	m3.pva = (struct mcim_proto_span){d->pva_buf, d->pva_len};
	m3.release = (struct mcim_proto_span){release, release_len};
	memcpy(m3.th, d->th, 32);
	assert_int_equal(
	    mcim_proto_m3_make(&m3, signer(&g, tre), d->m3, sizeof(d->m3), &d->m3_len),
	    MCIM_OK);
	assert_int_equal(mcim_proto_dl_transcript(d->m1, d->m1_len, d->m2, d->m2_len,
						  d->m3, d->m3_len, d->th3),
			 MCIM_OK);
}

static void dl_pva(struct dl *d, enum mcim_ear_status status, const uint8_t id[16],
		   const struct fx_party *by)
{
	struct mcim_proto_pva_result r;

	make_pva(&r, id, status);
	d->pva_len = sign_pva(&r, by, d->pva_buf, sizeof(d->pva_buf));
}

/* ---- the whole download ---- */

static void test_download(void **state)
{
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_proto_dl_keys k_tre, k_dpf;
	struct mcim_proto_m2 m2;
	struct mcim_proto_m3 m3;
	struct mcim_proto_m4 m4;
	struct mcim_proto_pva_result pva;
	struct mcim_proto_receipt rc, got;
	struct mcim_profile prof, inst;
	struct mcim_cert_info cert;
	static uint8_t m4buf[MCIM_PROTO_M4_MAX], rbuf[MCIM_PROTO_MSG_MAX];
	uint8_t ct_tre[32], ct_dpf[32], zero[32] = {0};
	size_t m4_len, r_len;
	struct dl d;
	struct sgn g;

	(void)state;
	dl_m1(&d, &px.drf);
	dl_m2(&d, &fxp.dpf, tre_id);
	/* TRE: the DPF of the token's SHO answered its challenge. */
	assert_int_equal(
	    mcim_proto_m2_verify(d.m2, d.m2_len, &t, &d.token, d.c_t, &m2, &cert),
	    MCIM_OK);
	assert_int_equal(cert.role, MCIM_CERT_ROLE_DPF);
	assert_string_equal(cert.operator_id, FX_SHO);
	assert_memory_equal(m2.txid, d.m2_dpf.txid, 16);
	assert_memory_equal(m2.epk.q, d.p_dpf.q, 65);
	dl_pva(&d, MCIM_EAR_AFFIRMING, tre_id, &px.pva);
	dl_m3(&d, &px.tre, NULL, 0);
	/* DPF: the TRE of the token, over the transcript it holds. */
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre_id,
					      d.th, false, &m3, &pva, &cert),
			 MCIM_OK);
	assert_int_equal(pva.status, MCIM_EAR_AFFIRMING);
	assert_int_equal(pva.n_verdicts, 3);
	assert_memory_equal(m3.epk.q, d.p_tre.q, 65);
	assert_null(m3.release.data);
	assert_int_equal(cert.role, MCIM_CERT_ROLE_TRE);
	/* Both sides derive; the ephemeral private keys are gone. */
	assert_int_equal(mcim_proto_dl_keys_derive(&d.e_tre, &m2.epk, d.th3, &k_tre),
			 MCIM_OK);
	assert_int_equal(mcim_proto_dl_keys_derive(&d.e_dpf, &m3.epk, d.th3, &k_dpf),
			 MCIM_OK);
	assert_memory_equal(&k_tre, &k_dpf, sizeof(k_tre));
	assert_memory_equal(d.e_tre.d, zero, 32);
	assert_memory_equal(d.e_dpf.d, zero, 32);
	assert_memory_not_equal(k_tre.aead, k_tre.confirm, 32);
	/* M4: the package opens on this TRE, to the same profile. */
	fx_profile(&prof, 0x42, FX_SHO);
	assert_int_equal(mcim_proto_m4_seal(&k_dpf, mcim_rng_system(), d.m2_dpf.txid,
					    tre_id, &prof, m4buf, sizeof(m4buf), &m4_len),
			 MCIM_OK);
	assert_false(fx_contains(m4buf, m4_len, prof.cred.k, 16));
	assert_false(fx_contains(m4buf, m4_len, prof.cred.opc, 16));
	assert_int_equal(
	    mcim_proto_m4_open(&k_tre, m4buf, m4_len, m2.txid, tre_id, &inst, ct_tre),
	    MCIM_OK);
	assert_memory_equal(inst.id, prof.id, 16);
	assert_string_equal(inst.imsi, prof.imsi);
	assert_memory_equal(inst.cred.k, prof.cred.k, 16);
	assert_memory_equal(inst.cred.opc, prof.cred.opc, 16);
	assert_memory_equal(inst.mgmt_cert, prof.mgmt_cert, prof.mgmt_cert_len);
	assert_int_equal(mcim_proto_m4_decode(m4buf, m4_len, &m4), MCIM_OK);
	assert_int_equal(mcim_sha256(m4.pkg.data, m4.pkg.len, ct_dpf), MCIM_OK);
	assert_memory_equal(ct_tre, ct_dpf, 32);
	/* R: signed by the TRE, confirmed with the key only the two sides hold. */
	memset(&rc, 0, sizeof(rc));
	memcpy(rc.txid, m2.txid, 16);
	memcpy(rc.mcim_id, inst.id, 16);
	rc.result = MCIM_OK;
	memcpy(rc.ct_hash, ct_tre, 32);
	assert_int_equal(mcim_proto_receipt_make(&rc, &k_tre, signer(&g, &px.tre), rbuf,
						 sizeof(rbuf), &r_len),
			 MCIM_OK);
	assert_int_equal(mcim_proto_receipt_verify(rbuf, r_len, &t, &k_dpf, d.m2_dpf.txid,
						   tre_id, prof.id, ct_dpf, &got, &cert),
			 MCIM_OK);
	assert_int_equal(got.result, MCIM_OK);
	assert_string_equal(cert.tre_id, px.tre.info.tre_id);
	mcim_proto_dl_keys_wipe(&k_tre);
	assert_memory_equal(k_tre.aead, zero, 32);
	mcim_proto_dl_keys_wipe(&k_dpf);
	mcim_profile_wipe(&prof);
	mcim_profile_wipe(&inst);
}

/* A change of subscription: M3 carries the old SHO's release, bound by the TRE's
 * signature; a release added or swapped by the relay is refused. */
static void test_download_release(void **state)
{
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_proto_m3 m3;
	struct mcim_mgmt rel;
	uint8_t rbuf[MCIM_MGMT_SIGNED_MAX], rbuf2[MCIM_MGMT_SIGNED_MAX];
	size_t rlen, rlen2;
	struct mcim_proto_m3 bad;
	static uint8_t out[MCIM_PROTO_MSG_MAX];
	size_t out_len;
	struct dl d;

	(void)state;
	memset(&rel, 0, sizeof(rel));
	memcpy(rel.tre_id, tre_id, 16);
	memset(rel.mcim_id, 7, 16);
	rel.counter = 3;
	rel.cmd = MCIM_MGMT_RELEASE;
	snprintf(rel.u.release.new_sho, sizeof(rel.u.release.new_sho), "%s", FX_SHO);
	rel.u.release.exp = NOW + 3600;
	assert_int_equal(mcim_mgmt_sign(&rel, &fxp.mgmt2.priv, rbuf, sizeof(rbuf), &rlen),
			 MCIM_OK);
	rel.counter = 4;
	assert_int_equal(
	    mcim_mgmt_sign(&rel, &fxp.mgmt2.priv, rbuf2, sizeof(rbuf2), &rlen2), MCIM_OK);
	dl_m1(&d, &px.drf);
	dl_m2(&d, &fxp.dpf, tre_id);
	dl_pva(&d, MCIM_EAR_AFFIRMING, tre_id, &px.pva);
	dl_m3(&d, &px.tre, rbuf, rlen);
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre_id,
					      d.th, false, &m3, NULL, NULL),
			 MCIM_OK);
	assert_int_equal(m3.release.len, rlen);
	assert_memory_equal(m3.release.data, rbuf, rlen);
	/* The relay swaps the release for another one. */
	assert_int_equal(mcim_proto_m3_decode(d.m3, d.m3_len, &bad), MCIM_OK);
	{
		struct mcim_cbor_writer w;
		struct mcim_cbor_reader r;
		struct mcim_cbor_map m;
		const char *k;
		size_t kl;
		const uint8_t *sig;
		size_t sig_len = 0;

		/* Find the signed part to re-wrap it around another release. */
		mcim_cbor_reader_init(&r, d.m3, d.m3_len);
		assert_int_equal(mcim_cbor_map_open(&r, &m), MCIM_OK);
		while (mcim_cbor_map_more(&m)) {
			assert_int_equal(mcim_cbor_map_key_tstr(&r, &m, &k, &kl),
					 MCIM_OK);
			if (kl == 3 && memcmp(k, "sig", 3) == 0)
				assert_int_equal(mcim_cbor_read_bstr(&r, &sig, &sig_len),
						 MCIM_OK);
			else
				assert_int_equal(mcim_cbor_skip(&r), MCIM_OK);
		}
		for (int variant = 0; variant < 2; variant++) {
			mcim_cbor_writer_init(&w, out, sizeof(out));
			mcim_cbor_put_map(&w, variant == 0 ? 5 : 4);
			mcim_cbor_put_cstr(&w, "epk");
			mcim_cbor_put_bstr(&w, bad.epk.q, 65);
			mcim_cbor_put_cstr(&w, "pva");
			mcim_cbor_put_bstr(&w, bad.pva.data, bad.pva.len);
			mcim_cbor_put_cstr(&w, "sig");
			mcim_cbor_put_bstr(&w, sig, sig_len);
			mcim_cbor_put_cstr(&w, "txid");
			mcim_cbor_put_bstr(&w, bad.txid, 16);
			if (variant == 0) {
				mcim_cbor_put_cstr(&w, "release");
				mcim_cbor_put_bstr(&w, rbuf2, rlen2);
			}
			assert_int_equal(mcim_cbor_writer_finish(&w, &out_len), MCIM_OK);
			assert_int_equal(mcim_proto_m3_verify(out, out_len, &t,
							      d.m2_dpf.txid, tre_id, d.th,
							      false, &m3, NULL, NULL),
					 MCIM_ERR_BAD_SIGNATURE);
		}
	}
}

/* ---- the key schedule against OpenSSL, called directly ---- */

static EVP_PKEY *ossl_key(const struct mcim_p256_priv *priv,
			  const struct mcim_p256_pub *pub)
{
	OSSL_PARAM params[4];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn = NULL;
	unsigned char dbuf[32];
	int n = 0;

	params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						       (char *)"prime256v1", 0);
	params[n++] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
							(void *)pub->q, 65);
	if (priv != NULL) {
		bn = BN_bin2bn(priv->d, 32, NULL);
		assert_non_null(bn);
		/* OSSL_PARAM BIGNUMs are native-endian. */
		assert_int_equal(BN_bn2nativepad(bn, dbuf, 32), 32);
		params[n++] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, dbuf, 32);
	}
	params[n] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey,
					   priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
					   params),
			 1);
	EVP_PKEY_CTX_free(ctx);
	BN_clear_free(bn);
	OPENSSL_cleanse(dbuf, sizeof(dbuf));
	return pkey;
}

static void ossl_hkdf(const uint8_t *salt, const uint8_t *ikm, size_t ikm_len,
		      const char *info, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM p[5];

	p[0] =
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	p[1] =
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, 32);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
						 strlen(info));
	p[4] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(kctx, out, out_len, p), 1);
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
}

static void ossl_hmac(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
		      uint8_t out[32])
{
	size_t out_len = 0;

	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len, msg,
				  len, out, 32, &out_len));
	assert_int_equal(out_len, 32);
}

static void test_key_schedule_kat(void **state)
{
	struct mcim_p256_priv a, b, a_copy;
	struct mcim_p256_pub pa, pb;
	struct mcim_proto_dl_keys keys;
	uint8_t th3[32], txid[16], z[64], okm[64], want[32], got[32], msg[64];
	uint8_t kausf[32], rnd[16];
	size_t z_len = sizeof(z);
	EVP_PKEY *ka, *kb;
	EVP_PKEY_CTX *ctx;

	(void)state;
	for (int round = 0; round < 8; round++) {
		assert_int_equal(mcim_p256_keygen(&a, &pa), MCIM_OK);
		assert_int_equal(mcim_p256_keygen(&b, &pb), MCIM_OK);
		fx_random(th3, sizeof(th3));
		fx_random(txid, sizeof(txid));
		/* Expected: OpenSSL's ECDH of a with b's point, its HKDF. */
		ka = ossl_key(&a, &pa);
		kb = ossl_key(NULL, &pb);
		ctx = EVP_PKEY_CTX_new(ka, NULL);
		assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
		assert_int_equal(EVP_PKEY_derive_set_peer(ctx, kb), 1);
		assert_int_equal(EVP_PKEY_derive(ctx, z, &z_len), 1);
		assert_int_equal(z_len, 32);
		EVP_PKEY_CTX_free(ctx);
		EVP_PKEY_free(ka);
		EVP_PKEY_free(kb);
		ossl_hkdf(th3, z, z_len, "mcim/dl/keys", okm, sizeof(okm));
		a_copy = a;
		assert_int_equal(mcim_proto_dl_keys_derive(&a_copy, &pb, th3, &keys),
				 MCIM_OK);
		assert_memory_equal(keys.aead, okm, 32);
		assert_memory_equal(keys.confirm, okm + 32, 32);
		/* The receipt's confirmation. */
		memcpy(msg, "mcim/dl/confirm", 15);
		memcpy(msg + 15, txid, 16);
		ossl_hmac(okm + 32, 32, msg, 31, want);
		assert_int_equal(mcim_proto_dl_confirm(&keys, txid, got), MCIM_OK);
		assert_memory_equal(got, want, 32);
		/* The attach confirmations, both roles. */
		fx_random(kausf, sizeof(kausf));
		fx_random(rnd, sizeof(rnd));
		for (int role = MCIM_PROTO_ATTACH_UE; role <= MCIM_PROTO_ATTACH_HN;
		     role++) {
			memcpy(msg, "mcim/attach/confirm", 19);
			memcpy(msg + 19, role == MCIM_PROTO_ATTACH_UE ? "ue" : "hn", 2);
			memcpy(msg + 21, rnd, 16);
			ossl_hmac(kausf, 32, msg, 37, want);
			assert_int_equal(
			    mcim_proto_attach_kc(kausf, (enum mcim_proto_attach_role)role,
						 rnd, got),
			    MCIM_OK);
			assert_memory_equal(got, want, 32);
			assert_int_equal(
			    mcim_proto_attach_kc_check(
				kausf, (enum mcim_proto_attach_role)role, rnd, want),
			    MCIM_OK);
		}
		/* One role's proof is not the other's (R-PRC-108). */
		assert_int_equal(
		    mcim_proto_attach_kc_check(kausf, MCIM_PROTO_ATTACH_UE, rnd, want),
		    MCIM_ERR_MAC_FAILURE);
		mcim_proto_dl_keys_wipe(&keys);
		mcim_p256_priv_wipe(&a);
		mcim_p256_priv_wipe(&b);
	}
	/* A peer point off the curve: refused, and the private key is wiped anyway. */
	assert_int_equal(mcim_p256_keygen(&a, &pa), MCIM_OK);
	pb.q[64] ^= 1;
	assert_int_equal(mcim_proto_dl_keys_derive(&a, &pb, th3, &keys),
			 MCIM_ERR_INVALID_ARG);
	memset(z, 0, 32);
	assert_memory_equal(a.d, z, 32);
}

/* ---- refusals of each signed object ---- */

static void test_token_refusals(void **state)
{
	struct mcim_proto_reg_token tok, out;
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_cert_info drf_cert;
	uint8_t buf[MCIM_PROTO_SIGNED_MAX], other[16];
	size_t len;
	struct sgn g;

	(void)state;
	make_token(&tok, tre_id);
	/* R-PRC-104: wrong role (a DPF signed it), untrusted root. */
	assert_int_equal(
	    mcim_proto_reg_token_sign(&tok, signer(&g, &fxp.dpf), buf, sizeof(buf), &len),
	    MCIM_OK);
	assert_int_equal(
	    mcim_proto_reg_token_verify(buf, len, &t, tre_id, tok.n_d, NULL, &out, NULL),
	    MCIM_ERR_WRONG_ROLE);
	assert_int_equal(
	    mcim_proto_reg_token_sign(&tok, signer(&g, &fxp.ci2), buf, sizeof(buf), &len),
	    MCIM_OK);
	assert_int_not_equal(
	    mcim_proto_reg_token_verify(buf, len, &t, tre_id, tok.n_d, NULL, &out, NULL),
	    MCIM_OK);
	assert_int_equal(
	    mcim_proto_reg_token_sign(&tok, signer(&g, &px.drf), buf, sizeof(buf), &len),
	    MCIM_OK);
	assert_int_equal(mcim_proto_reg_token_verify(buf, len, &t, tre_id, tok.n_d,
						     FX_SHO, &out, NULL),
			 MCIM_OK);
	/* Freshness with the skew at its edges: iat - skew <= now < exp + skew. */
	t.now = tok.iat - SKEW;
	assert_int_equal(
	    mcim_proto_reg_token_verify(buf, len, &t, tre_id, tok.n_d, NULL, &out, NULL),
	    MCIM_OK);
	t.now = tok.iat - SKEW - 1;
	assert_int_equal(
	    mcim_proto_reg_token_verify(buf, len, &t, tre_id, tok.n_d, NULL, &out, NULL),
	    MCIM_ERR_EXPIRED);
	t.now = tok.exp + SKEW - 1;
	assert_int_equal(
	    mcim_proto_reg_token_verify(buf, len, &t, tre_id, tok.n_d, NULL, &out, NULL),
	    MCIM_OK);
	t.now = tok.exp + SKEW;
	assert_int_equal(
	    mcim_proto_reg_token_verify(buf, len, &t, tre_id, tok.n_d, NULL, &out, NULL),
	    MCIM_ERR_EXPIRED);
	/* The DRF's certificate itself expired. */
	t.now = px.drf.info.not_after + 1;
	assert_int_equal(
	    mcim_proto_reg_token_verify(buf, len, &t, tre_id, tok.n_d, NULL, &out, NULL),
	    MCIM_ERR_EXPIRED);
	t.now = NOW;
	/* Another nonce: an old token replayed. */
	memcpy(other, tok.n_d, 16);
	other[0] ^= 1;
	assert_int_equal(
	    mcim_proto_reg_token_verify(buf, len, &t, tre_id, other, NULL, &out, NULL),
	    MCIM_ERR_REPLAY);
	/* For another TRE, for another SHO's DPF. */
	assert_int_equal(
	    mcim_proto_reg_token_verify(buf, len, &t, tre2_id, tok.n_d, NULL, &out, NULL),
	    MCIM_ERR_DENIED);
	assert_int_equal(
	    mcim_proto_reg_token_verify(buf, len, &t, tre_id, NULL, FX_SHO2, &out, NULL),
	    MCIM_ERR_DENIED);
	/* Revoked DRF. */
	assert_int_equal(mcim_cert_parse(px.drf.der, px.drf.len, &drf_cert, NULL),
			 MCIM_OK);
	t.revoked = &drf_cert.serial;
	t.n_revoked = 1;
	assert_int_equal(
	    mcim_proto_reg_token_verify(buf, len, &t, tre_id, tok.n_d, NULL, &out, NULL),
	    MCIM_ERR_BAD_CERT);
	/* Signing refuses what a verifier would. */
	tok.iat = tok.exp + 1;
	assert_int_equal(
	    mcim_proto_reg_token_sign(&tok, signer(&g, &px.drf), buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	make_token(&tok, tre_id);
	tok.sho[0] = 'x';
	assert_int_equal(
	    mcim_proto_reg_token_sign(&tok, signer(&g, &px.drf), buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	make_token(&tok, tre_id);
	tok.dpf_url[0] = '\0';
	assert_int_equal(
	    mcim_proto_reg_token_sign(&tok, signer(&g, &px.drf), buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	make_token(&tok, tre_id);
	g.s.n_chain = 0;
	assert_int_equal(mcim_proto_reg_token_sign(&tok, &g.s, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
}

static void test_session_refusals(void **state)
{
	struct mcim_proto_session s, out;
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_cert_info cert;
	uint8_t buf[MCIM_PROTO_SIGNED_MAX];
	size_t len;
	struct sgn g;

	(void)state;
	memset(&s, 0, sizeof(s));
	snprintf(s.pcid, sizeof(s.pcid), "pcid-0001");
	s.scope = MCIM_PROTO_SCOPE_DRF | MCIM_PROTO_SCOPE_DPF;
	fx_random(s.sid, 16);
	s.iat = NOW;
	s.exp = NOW + 60;
	assert_int_equal(
	    mcim_proto_session_sign(&s, signer(&g, &px.icf), buf, sizeof(buf), &len),
	    MCIM_OK);
	assert_int_equal(mcim_proto_session_verify(buf, len, &t, "99902",
						   MCIM_PROTO_SCOPE_DPF, &out, &cert),
			 MCIM_OK);
	assert_string_equal(out.pcid, "pcid-0001");
	assert_int_equal(out.scope, s.scope);
	assert_memory_equal(out.sid, s.sid, 16);
	/* T-12: the token names the PCID only; no TRE id appears. */
	assert_false(fx_contains(buf, len, tre_id, 16));
	/* Outside its scope, another ICF operator, expired. */
	assert_int_equal(mcim_proto_session_verify(buf, len, &t, NULL,
						   MCIM_PROTO_SCOPE_PVA, &out, NULL),
			 MCIM_ERR_DENIED);
	assert_int_equal(mcim_proto_session_verify(buf, len, &t, "99903",
						   MCIM_PROTO_SCOPE_DRF, &out, NULL),
			 MCIM_ERR_WRONG_ROLE);
	t.now = s.exp + SKEW;
	assert_int_equal(mcim_proto_session_verify(buf, len, &t, NULL,
						   MCIM_PROTO_SCOPE_DRF, &out, NULL),
			 MCIM_ERR_EXPIRED);
	t.now = NOW;
	/* Signed by a DRF. */
	assert_int_equal(
	    mcim_proto_session_sign(&s, signer(&g, &px.drf), buf, sizeof(buf), &len),
	    MCIM_OK);
	assert_int_equal(mcim_proto_session_verify(buf, len, &t, NULL,
						   MCIM_PROTO_SCOPE_DRF, &out, NULL),
			 MCIM_ERR_WRONG_ROLE);
	/* Scope: empty or unknown bits refused when signing. */
	s.scope = 0;
	assert_int_equal(
	    mcim_proto_session_sign(&s, signer(&g, &px.icf), buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	s.scope = 8;
	assert_int_equal(
	    mcim_proto_session_sign(&s, signer(&g, &px.icf), buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	s.scope = 7;
	s.pcid[0] = '\n';
	assert_int_equal(
	    mcim_proto_session_sign(&s, signer(&g, &px.icf), buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
}

static void test_pva_refusals(void **state)
{
	struct mcim_proto_pva_result r, out;
	struct mcim_proto_trust t = trust_at(NOW);
	uint8_t buf[MCIM_PROTO_SIGNED_MAX], n_p[32];
	size_t len;
	struct sgn g;

	(void)state;
	make_pva(&r, tre_id, MCIM_EAR_CONTRAINDICATED);
	len = sign_pva(&r, &px.pva, buf, sizeof(buf));
	/* A contraindicated result verifies: the device learns why. */
	assert_int_equal(mcim_proto_pva_result_verify(buf, len, &t, "99901", tre_id,
						      r.n_p, &out, NULL),
			 MCIM_OK);
	assert_int_equal(out.status, MCIM_EAR_CONTRAINDICATED);
	/* Sorted by the encoder: "app" < "modem" < "bootloader". */
	assert_string_equal(out.verdicts[0].name, "app");
	assert_int_equal(out.verdicts[0].status, MCIM_EAR_CONTRAINDICATED);
	assert_string_equal(out.verdicts[1].name, "modem");
	assert_string_equal(out.verdicts[2].name, "bootloader");
	assert_memory_equal(out.ev_hash, r.ev_hash, 32);
	/* R-PRC-205: bound to TRE id, nonce and time. */
	assert_int_equal(
	    mcim_proto_pva_result_verify(buf, len, &t, NULL, tre2_id, NULL, &out, NULL),
	    MCIM_ERR_DENIED);
	memcpy(n_p, r.n_p, 32);
	n_p[31] ^= 0x80;
	assert_int_equal(
	    mcim_proto_pva_result_verify(buf, len, &t, NULL, tre_id, n_p, &out, NULL),
	    MCIM_ERR_REPLAY);
	t.now = r.exp + SKEW;
	assert_int_equal(
	    mcim_proto_pva_result_verify(buf, len, &t, NULL, tre_id, NULL, &out, NULL),
	    MCIM_ERR_EXPIRED);
	t.now = NOW;
	assert_int_equal(
	    mcim_proto_pva_result_verify(buf, len, &t, "99999", tre_id, NULL, &out, NULL),
	    MCIM_ERR_WRONG_ROLE);
	/* A DRF is no PVA. */
	len = sign_pva(&r, &px.drf, buf, sizeof(buf));
	assert_int_equal(
	    mcim_proto_pva_result_verify(buf, len, &t, NULL, tre_id, NULL, &out, NULL),
	    MCIM_ERR_WRONG_ROLE);
	/* Verdicts: two for one name, a status that is none, an empty name. */
	r.n_verdicts = 2;
	snprintf(r.verdicts[1].name, sizeof(r.verdicts[1].name), "modem");
	assert_int_equal(
	    mcim_proto_pva_result_sign(&r, signer(&g, &px.pva), buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	make_pva(&r, tre_id, MCIM_EAR_AFFIRMING);
	r.verdicts[2].status = MCIM_EAR_NONE;
	assert_int_equal(
	    mcim_proto_pva_result_sign(&r, signer(&g, &px.pva), buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	make_pva(&r, tre_id, MCIM_EAR_AFFIRMING);
	r.verdicts[2].name[0] = '\0';
	assert_int_equal(
	    mcim_proto_pva_result_sign(&r, signer(&g, &px.pva), buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	make_pva(&r, tre_id, MCIM_EAR_NONE);
	assert_int_equal(
	    mcim_proto_pva_result_sign(&r, signer(&g, &px.pva), buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	make_pva(&r, tre_id, MCIM_EAR_AFFIRMING);
	r.n_verdicts = MCIM_PROTO_VERDICTS_MAX + 1;
	assert_int_equal(
	    mcim_proto_pva_result_sign(&r, signer(&g, &px.pva), buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	/* The most verdicts there can be fit, and come back. */
	r.n_verdicts = MCIM_PROTO_VERDICTS_MAX;
	for (size_t i = 0; i < r.n_verdicts; i++) {
		snprintf(r.verdicts[i].name, sizeof(r.verdicts[i].name),
			 "component-%02zu-%.17s", i, "abcdefghijklmnopq");
		r.verdicts[i].status = MCIM_EAR_WARNING;
	}
	len = sign_pva(&r, &px.pva, buf, sizeof(buf));
	assert_int_equal(
	    mcim_proto_pva_result_verify(buf, len, &t, NULL, tre_id, r.n_p, &out, NULL),
	    MCIM_OK);
	assert_int_equal(out.n_verdicts, MCIM_PROTO_VERDICTS_MAX);
}

static void test_m2_refusals(void **state)
{
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_proto_reg_token tok;
	struct mcim_proto_m2 m2;
	uint8_t c_t[16];
	struct dl d;

	(void)state;
	/* Another operator's DPF (R-TRE-P03: only the SHO the subscriber chose). */
	dl_m1(&d, &px.drf);
	dl_m2(&d, &px.dpf2, tre_id);
	assert_int_equal(
	    mcim_proto_m2_verify(d.m2, d.m2_len, &t, &d.token, d.c_t, &m2, NULL),
	    MCIM_ERR_WRONG_ROLE);
	/* Not a DPF at all. */
	dl_m2(&d, &fxp.mgmt, tre_id);
	assert_int_equal(
	    mcim_proto_m2_verify(d.m2, d.m2_len, &t, &d.token, d.c_t, &m2, NULL),
	    MCIM_ERR_WRONG_ROLE);
	/* An old M2 for an old challenge. */
	dl_m2(&d, &fxp.dpf, tre_id);
	memcpy(c_t, d.c_t, 16);
	c_t[5] ^= 4;
	assert_int_equal(
	    mcim_proto_m2_verify(d.m2, d.m2_len, &t, &d.token, c_t, &m2, NULL),
	    MCIM_ERR_REPLAY);
	/* Bound to another TRE, or to another registration. */
	dl_m2(&d, &fxp.dpf, tre2_id);
	assert_int_equal(
	    mcim_proto_m2_verify(d.m2, d.m2_len, &t, &d.token, d.c_t, &m2, NULL),
	    MCIM_ERR_DENIED);
	dl_m2(&d, &fxp.dpf, tre_id);
	tok = d.token;
	tok.reg_id[0] ^= 1;
	assert_int_equal(mcim_proto_m2_verify(d.m2, d.m2_len, &t, &tok, d.c_t, &m2, NULL),
			 MCIM_ERR_DENIED);
	/* The unsigned copies changed by the relay. */
	{
		struct mcim_cbor_reader r;
		struct mcim_cbor_map m;
		const char *k;
		size_t kl;
		uint8_t copy[MCIM_PROTO_MSG_MAX];
		size_t off[3], n = 0;

		mcim_cbor_reader_init(&r, d.m2, d.m2_len);
		assert_int_equal(mcim_cbor_map_open(&r, &m), MCIM_OK);
		while (mcim_cbor_map_more(&m)) {
			assert_int_equal(mcim_cbor_map_key_tstr(&r, &m, &k, &kl),
					 MCIM_OK);
			if (kl != 3 || memcmp(k, "sig", 3) != 0)
				off[n++] = r.off + 3; /* inside the bstr's content */
			assert_int_equal(mcim_cbor_skip(&r), MCIM_OK);
		}
		assert_int_equal(n, 3);
		for (size_t i = 0; i < n; i++) {
			mcim_err e;

			memcpy(copy, d.m2, d.m2_len);
			copy[off[i]] ^= 0x20;
			e = mcim_proto_m2_verify(copy, d.m2_len, &t, &d.token, d.c_t, &m2,
						 NULL);
			/* epk may fall off the curve (PARSE) or stay on it
			 * (BAD_SIGNATURE) */
			assert_true(e == MCIM_ERR_BAD_SIGNATURE || e == MCIM_ERR_PARSE);
		}
	}
}

static void test_m3_refusals(void **state)
{
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_proto_m3 m3;
	uint8_t th[32], txid[16];
	struct dl d;

	(void)state;
	dl_m1(&d, &px.drf);
	dl_m2(&d, &fxp.dpf, tre_id);
	/* R-PRC-204: a contraindicated platform gets no MCIM; a warning only if the
	 * DPF's policy accepts it. */
	dl_pva(&d, MCIM_EAR_CONTRAINDICATED, tre_id, &px.pva);
	dl_m3(&d, &px.tre, NULL, 0);
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre_id,
					      d.th, true, &m3, NULL, NULL),
			 MCIM_ERR_BAD_BOOT);
	dl_pva(&d, MCIM_EAR_WARNING, tre_id, &px.pva);
	dl_m3(&d, &px.tre, NULL, 0);
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre_id,
					      d.th, false, &m3, NULL, NULL),
			 MCIM_ERR_BAD_BOOT);
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre_id,
					      d.th, true, &m3, NULL, NULL),
			 MCIM_OK);
	/* R-PRC-205: another TRE's result; one signed by a non-PVA; an expired one. */
	dl_pva(&d, MCIM_EAR_AFFIRMING, tre2_id, &px.pva);
	dl_m3(&d, &px.tre, NULL, 0);
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre_id,
					      d.th, false, &m3, NULL, NULL),
			 MCIM_ERR_DENIED);
	dl_pva(&d, MCIM_EAR_AFFIRMING, tre_id, &fxp.dpf);
	dl_m3(&d, &px.tre, NULL, 0);
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre_id,
					      d.th, false, &m3, NULL, NULL),
			 MCIM_ERR_WRONG_ROLE);
	dl_pva(&d, MCIM_EAR_AFFIRMING, tre_id, &px.pva);
	dl_m3(&d, &px.tre, NULL, 0);
	t.now = NOW + 900 + SKEW;
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre_id,
					      d.th, false, &m3, NULL, NULL),
			 MCIM_ERR_EXPIRED);
	t.now = NOW;
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre_id,
					      d.th, false, &m3, NULL, NULL),
			 MCIM_OK);
	/* Another transcript, another transaction, the token's TRE is not the signer. */
	memcpy(th, d.th, 32);
	th[0] ^= 1;
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre_id,
					      th, false, &m3, NULL, NULL),
			 MCIM_ERR_DENIED);
	memcpy(txid, d.m2_dpf.txid, 16);
	txid[15] ^= 1;
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, txid, tre_id, d.th,
					      false, &m3, NULL, NULL),
			 MCIM_ERR_DENIED);
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre2_id,
					      d.th, false, &m3, NULL, NULL),
			 MCIM_ERR_DENIED);
	dl_m3(&d, &px.tre2, NULL, 0);
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre_id,
					      d.th, false, &m3, NULL, NULL),
			 MCIM_ERR_DENIED);
	/* A DPF's key is no TRE's; a TRE of an unknown ecosystem. */
	dl_m3(&d, &fxp.dpf, NULL, 0);
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre_id,
					      d.th, false, &m3, NULL, NULL),
			 MCIM_ERR_WRONG_ROLE);
	dl_m3(&d, &px.tre_foreign, NULL, 0);
	assert_int_equal(mcim_proto_m3_verify(d.m3, d.m3_len, &t, d.m2_dpf.txid, tre_id,
					      d.th, false, &m3, NULL, NULL),
			 MCIM_ERR_BAD_CERT);
}

static void test_m4_refusals(void **state)
{
	struct mcim_proto_dl_keys k, k2;
	struct mcim_profile prof, inst;
	struct mcim_proto_m4 m4;
	static uint8_t buf[MCIM_PROTO_M4_MAX], copy[MCIM_PROTO_M4_MAX];
	uint8_t txid[16], other_tx[16], ct[32], zero[16] = {0};
	struct mcim_cbor_writer w;
	size_t len, pkg_off, clen;

	(void)state;
	fx_random(k.aead, 32);
	fx_random(k.confirm, 32);
	fx_random(k2.aead, 32);
	fx_random(k2.confirm, 32);
	fx_random(txid, 16);
	fx_profile(&prof, 0x11, FX_SHO);
	assert_int_equal(mcim_proto_m4_seal(&k, mcim_rng_system(), txid, tre_id, &prof,
					    buf, sizeof(buf), &len),
			 MCIM_OK);
	assert_int_equal(mcim_proto_m4_open(&k, buf, len, txid, tre_id, &inst, ct),
			 MCIM_OK);
	/* R-TRE-P03: the package opens only on its TRE, under its keys. */
	assert_int_equal(mcim_proto_m4_open(&k, buf, len, txid, tre2_id, &inst, ct),
			 MCIM_ERR_DECRYPT);
	assert_memory_equal(inst.cred.k, zero, 16);
	assert_int_equal(mcim_proto_m4_open(&k2, buf, len, txid, tre_id, &inst, ct),
			 MCIM_ERR_DECRYPT);
	memcpy(other_tx, txid, 16);
	other_tx[3] ^= 1;
	assert_int_equal(mcim_proto_m4_open(&k, buf, len, other_tx, tre_id, &inst, ct),
			 MCIM_ERR_DENIED);
	/* Every octet of the package modified in turn. */
	assert_int_equal(mcim_proto_m4_decode(buf, len, &m4), MCIM_OK);
	pkg_off = (size_t)(m4.pkg.data - buf);
	for (size_t i = 0; i < m4.pkg.len; i++) {
		memcpy(copy, buf, len);
		copy[pkg_off + i] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(
		    mcim_proto_m4_open(&k, copy, len, txid, tre_id, &inst, ct), MCIM_OK);
	}
	/* The announced mcim_id (in the aad) changed: another MCIM's slot. */
	mcim_cbor_writer_init(&w, copy, sizeof(copy));
	mcim_cbor_put_map(&w, 3);
	mcim_cbor_put_cstr(&w, "pkg");
	mcim_cbor_put_bstr(&w, m4.pkg.data, m4.pkg.len);
	mcim_cbor_put_cstr(&w, "txid");
	mcim_cbor_put_bstr(&w, txid, 16);
	mcim_cbor_put_cstr(&w, "mcim_id");
	mcim_cbor_put_bstr(&w, zero, 16);
	assert_int_equal(mcim_cbor_writer_finish(&w, &clen), MCIM_OK);
	assert_int_equal(mcim_proto_m4_open(&k, copy, clen, txid, tre_id, &inst, ct),
			 MCIM_ERR_DECRYPT);
	/* The profile's own id must be the announced one. */
	{
		struct mcim_cbor_writer w2;
		uint8_t pt[MCIM_PROFILE_ENCODED_MAX], pkg[MCIM_PROTO_M4_MAX], aad[48];
		size_t pt_len, pkg_len;

		assert_int_equal(mcim_profile_encode(&prof, pt, sizeof(pt), &pt_len),
				 MCIM_OK);
		memcpy(aad, txid, 16);
		memcpy(aad + 16, tre_id, 16);
		memcpy(aad + 32, zero, 16);
		assert_int_equal(mcim_cose_encrypt0(k.aead, mcim_rng_system(), pt, pt_len,
						    aad, 48, pkg, sizeof(pkg), &pkg_len),
				 MCIM_OK);
		mcim_wipe(pt, sizeof(pt));
		mcim_cbor_writer_init(&w2, copy, sizeof(copy));
		mcim_cbor_put_map(&w2, 3);
		mcim_cbor_put_cstr(&w2, "pkg");
		mcim_cbor_put_bstr(&w2, pkg, pkg_len);
		mcim_cbor_put_cstr(&w2, "txid");
		mcim_cbor_put_bstr(&w2, txid, 16);
		mcim_cbor_put_cstr(&w2, "mcim_id");
		mcim_cbor_put_bstr(&w2, zero, 16);
		assert_int_equal(mcim_cbor_writer_finish(&w2, &clen), MCIM_OK);
		assert_int_equal(
		    mcim_proto_m4_open(&k, copy, clen, txid, tre_id, &inst, ct),
		    MCIM_ERR_DENIED);
		assert_memory_equal(inst.cred.k, zero, 16);
	}
	/* Output bounds and an invalid profile. */
	for (size_t cap = 0; cap < len; cap += 37)
		assert_int_equal(mcim_proto_m4_seal(&k, mcim_rng_system(), txid, tre_id,
						    &prof, copy, cap, &clen),
				 MCIM_ERR_BUFFER_TOO_SMALL);
	prof.imsi[0] = 'x';
	assert_int_equal(mcim_proto_m4_seal(&k, mcim_rng_system(), txid, tre_id, &prof,
					    copy, sizeof(copy), &clen),
			 MCIM_ERR_INVALID_ARG);
	mcim_profile_wipe(&prof);
	mcim_proto_dl_keys_wipe(&k);
	mcim_proto_dl_keys_wipe(&k2);
}

static void test_receipt_refusals(void **state)
{
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_proto_dl_keys k, k2;
	struct mcim_proto_receipt rc, out;
	static uint8_t buf[MCIM_PROTO_MSG_MAX];
	uint8_t other[32];
	size_t len;
	struct sgn g;

	(void)state;
	fx_random(k.aead, 32);
	fx_random(k.confirm, 32);
	k2 = k;
	k2.confirm[0] ^= 1;
	memset(&rc, 0, sizeof(rc));
	fx_random(rc.txid, 16);
	fx_random(rc.mcim_id, 16);
	fx_random(rc.ct_hash, 32);
	rc.result = MCIM_ERR_DECRYPT;
	assert_int_equal(
	    mcim_proto_receipt_make(&rc, &k, signer(&g, &px.tre), buf, sizeof(buf), &len),
	    MCIM_OK);
	assert_int_equal(mcim_proto_receipt_verify(buf, len, &t, &k, rc.txid, tre_id,
						   rc.mcim_id, rc.ct_hash, &out, NULL),
			 MCIM_OK);
	assert_int_equal(out.result, MCIM_ERR_DECRYPT);
	/* A wrong confirmation: the TRE did not derive this session's keys. */
	assert_int_equal(mcim_proto_receipt_verify(buf, len, &t, &k2, rc.txid, tre_id,
						   rc.mcim_id, rc.ct_hash, &out, NULL),
			 MCIM_ERR_MAC_FAILURE);
	/* Another package, MCIM, transaction or TRE. */
	memcpy(other, rc.ct_hash, 32);
	other[0] ^= 1;
	assert_int_equal(mcim_proto_receipt_verify(buf, len, &t, &k, rc.txid, tre_id,
						   rc.mcim_id, other, &out, NULL),
			 MCIM_ERR_DENIED);
	assert_int_equal(mcim_proto_receipt_verify(buf, len, &t, &k, rc.txid, tre_id,
						   other, rc.ct_hash, &out, NULL),
			 MCIM_ERR_DENIED);
	assert_int_equal(mcim_proto_receipt_verify(buf, len, &t, &k, other, tre_id,
						   rc.mcim_id, rc.ct_hash, &out, NULL),
			 MCIM_ERR_DENIED);
	assert_int_equal(mcim_proto_receipt_verify(buf, len, &t, &k, rc.txid, tre2_id,
						   rc.mcim_id, rc.ct_hash, &out, NULL),
			 MCIM_ERR_DENIED);
	/* Signed by a DPF. */
	assert_int_equal(mcim_proto_receipt_make(&rc, &k, signer(&g, &fxp.dpf), buf,
						 sizeof(buf), &len),
			 MCIM_OK);
	assert_int_equal(mcim_proto_receipt_verify(buf, len, &t, &k, rc.txid, tre_id,
						   rc.mcim_id, rc.ct_hash, &out, NULL),
			 MCIM_ERR_WRONG_ROLE);
	/* A result that is no error value. */
	rc.result = MCIM_ERR_COUNT_;
	assert_int_equal(
	    mcim_proto_receipt_make(&rc, &k, signer(&g, &px.tre), buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	mcim_proto_dl_keys_wipe(&k);
	mcim_proto_dl_keys_wipe(&k2);
}

/* ---- every truncation, a bit flip in every octet ---- */

typedef mcim_err (*check_fn)(const uint8_t *buf, size_t len, void *ctx);

static void mangle(const uint8_t *msg, size_t len, check_fn fn, void *ctx)
{
	static uint8_t copy[MCIM_PROTO_MSG_MAX];

	assert_int_equal(fn(msg, len, ctx), MCIM_OK);
	for (size_t n = 0; n < len; n++) {
		memcpy(copy, msg, n);
		assert_int_not_equal(fn(copy, n, ctx), MCIM_OK);
	}
	for (size_t i = 0; i < len; i++) {
		memcpy(copy, msg, len);
		copy[i] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(fn(copy, len, ctx), MCIM_OK);
	}
}

static struct dl md;
static struct mcim_proto_dl_keys mk;
static uint8_t mct[32], mtok[MCIM_PROTO_SIGNED_MAX], msess[MCIM_PROTO_SIGNED_MAX];
static size_t mtok_len, msess_len;
static struct mcim_proto_reg_token mtoken;

static mcim_err chk_token(const uint8_t *b, size_t l, void *c)
{
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_proto_reg_token o;

	(void)c;
	return mcim_proto_reg_token_verify(b, l, &t, tre_id, mtoken.n_d, FX_SHO, &o,
					   NULL);
}

static mcim_err chk_session(const uint8_t *b, size_t l, void *c)
{
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_proto_session o;

	(void)c;
	return mcim_proto_session_verify(b, l, &t, NULL, MCIM_PROTO_SCOPE_PVA, &o, NULL);
}

static mcim_err chk_pva(const uint8_t *b, size_t l, void *c)
{
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_proto_pva_result o;

	(void)c;
	return mcim_proto_pva_result_verify(b, l, &t, NULL, tre_id, NULL, &o, NULL);
}

static mcim_err chk_m2(const uint8_t *b, size_t l, void *c)
{
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_proto_m2 o;

	(void)c;
	return mcim_proto_m2_verify(b, l, &t, &md.token, md.c_t, &o, NULL);
}

static mcim_err chk_m3(const uint8_t *b, size_t l, void *c)
{
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_proto_m3 o;

	(void)c;
	return mcim_proto_m3_verify(b, l, &t, md.m2_dpf.txid, tre_id, md.th, false, &o,
				    NULL, NULL);
}

static mcim_err chk_m4(const uint8_t *b, size_t l, void *c)
{
	struct mcim_profile p;
	uint8_t ct[32];
	mcim_err e;

	(void)c;
	e = mcim_proto_m4_open(&mk, b, l, md.m2_dpf.txid, tre_id, &p, ct);
	mcim_profile_wipe(&p);
	return e;
}

static mcim_err chk_receipt(const uint8_t *b, size_t l, void *c)
{
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_proto_receipt o;
	const uint8_t *mcim_id = c;

	return mcim_proto_receipt_verify(b, l, &t, &mk, md.m2_dpf.txid, tre_id, mcim_id,
					 mct, &o, NULL);
}

static void test_mangled(void **state)
{
	struct mcim_proto_session s;
	struct mcim_proto_receipt rc;
	struct mcim_profile prof;
	struct sgn g;
	static uint8_t m4[MCIM_PROTO_M4_MAX], r[MCIM_PROTO_MSG_MAX];
	size_t m4_len, r_len;

	(void)state;
	make_token(&mtoken, tre_id);
	assert_int_equal(mcim_proto_reg_token_sign(&mtoken, signer(&g, &px.drf), mtok,
						   sizeof(mtok), &mtok_len),
			 MCIM_OK);
	mangle(mtok, mtok_len, chk_token, NULL);
	memset(&s, 0, sizeof(s));
	snprintf(s.pcid, sizeof(s.pcid), "p");
	s.scope = MCIM_PROTO_SCOPE_PVA;
	s.iat = NOW;
	s.exp = NOW + 1;
	assert_int_equal(mcim_proto_session_sign(&s, signer(&g, &px.icf), msess,
						 sizeof(msess), &msess_len),
			 MCIM_OK);
	mangle(msess, msess_len, chk_session, NULL);
	dl_m1(&md, &px.drf);
	dl_m2(&md, &fxp.dpf, tre_id);
	mangle(md.m2, md.m2_len, chk_m2, NULL);
	dl_pva(&md, MCIM_EAR_AFFIRMING, tre_id, &px.pva);
	mangle(md.pva_buf, md.pva_len, chk_pva, NULL);
	dl_m3(&md, &px.tre, NULL, 0);
	mangle(md.m3, md.m3_len, chk_m3, NULL);
	fx_random(mk.aead, 32);
	fx_random(mk.confirm, 32);
	fx_profile(&prof, 0x33, FX_SHO);
	assert_int_equal(mcim_proto_m4_seal(&mk, mcim_rng_system(), md.m2_dpf.txid,
					    tre_id, &prof, m4, sizeof(m4), &m4_len),
			 MCIM_OK);
	mangle(m4, m4_len, chk_m4, NULL);
	memset(&rc, 0, sizeof(rc));
	memcpy(rc.txid, md.m2_dpf.txid, 16);
	memcpy(rc.mcim_id, prof.id, 16);
	fx_random(mct, 32);
	memcpy(rc.ct_hash, mct, 32);
	assert_int_equal(
	    mcim_proto_receipt_make(&rc, &mk, signer(&g, &px.tre), r, sizeof(r), &r_len),
	    MCIM_OK);
	mangle(r, r_len, chk_receipt, prof.id);
	mcim_profile_wipe(&prof);
	mcim_proto_dl_keys_wipe(&mk);
}

/* ---- codecs ---- */

/* Encodes with every capacity below the needed one (BUFFER_TOO_SMALL), then exactly. */
#define BOUNDS(enc, msg, out_len)                                                        \
	do {                                                                             \
		uint8_t b_[MCIM_PROTO_MSG_MAX];                                          \
		size_t l_ = 0;                                                           \
		assert_int_equal(enc(msg, b_, sizeof(b_), &(out_len)), MCIM_OK);         \
		for (size_t c_ = 0; c_ < (out_len); c_++)                                \
			assert_int_equal(enc(msg, b_, c_, &l_),                          \
					 MCIM_ERR_BUFFER_TOO_SMALL);                     \
	} while (0)

static void test_codecs_roundtrip(void **state)
{
	uint8_t buf[MCIM_PROTO_MSG_MAX];
	uint8_t blob[300];
	size_t len;

	(void)state;
	fx_random(blob, sizeof(blob));
	{
		struct mcim_proto_icf_challenge_req a = {"pcid-7"}, b;

		BOUNDS(mcim_proto_icf_challenge_req_encode, &a, len);
		assert_int_equal(
		    mcim_proto_icf_challenge_req_encode(&a, buf, sizeof(buf), &len),
		    MCIM_OK);
		assert_int_equal(mcim_proto_icf_challenge_req_decode(buf, len, &b),
				 MCIM_OK);
		assert_string_equal(b.pcid, "pcid-7");
	}
	{
		struct mcim_proto_icf_challenge a, b;

		memcpy(a.rand, blob, 16);
		memcpy(a.autn, blob + 16, 16);
		BOUNDS(mcim_proto_icf_challenge_encode, &a, len);
		assert_int_equal(
		    mcim_proto_icf_challenge_encode(&a, buf, sizeof(buf), &len), MCIM_OK);
		assert_int_equal(mcim_proto_icf_challenge_decode(buf, len, &b), MCIM_OK);
		assert_memory_equal(&a, &b, sizeof(a));
	}
	{
		struct mcim_proto_icf_attach_req a, b;

		memset(&a, 0, sizeof(a));
		snprintf(a.pcid, sizeof(a.pcid), "pc");
		a.res_len = 8;
		memcpy(a.res, blob, 8);
		BOUNDS(mcim_proto_icf_attach_req_encode, &a, len);
		assert_int_equal(
		    mcim_proto_icf_attach_req_encode(&a, buf, sizeof(buf), &len),
		    MCIM_OK);
		assert_int_equal(mcim_proto_icf_attach_req_decode(buf, len, &b), MCIM_OK);
		assert_false(b.resync);
		assert_int_equal(b.res_len, 8);
		assert_memory_equal(b.res, blob, 8);
		a.resync = true;
		memcpy(a.auts, blob + 8, 14);
		assert_int_equal(
		    mcim_proto_icf_attach_req_encode(&a, buf, sizeof(buf), &len),
		    MCIM_OK);
		assert_int_equal(mcim_proto_icf_attach_req_decode(buf, len, &b), MCIM_OK);
		assert_true(b.resync);
		assert_memory_equal(b.auts, blob + 8, 14);
		a.resync = false;
		a.res_len = 3;
		assert_int_equal(
		    mcim_proto_icf_attach_req_encode(&a, buf, sizeof(buf), &len),
		    MCIM_ERR_INVALID_ARG);
		a.res_len = 17;
		assert_int_equal(
		    mcim_proto_icf_attach_req_encode(&a, buf, sizeof(buf), &len),
		    MCIM_ERR_INVALID_ARG);
	}
	{
		struct mcim_proto_icf_attach_resp a = {{blob, 100}}, b;

		BOUNDS(mcim_proto_icf_attach_resp_encode, &a, len);
		assert_int_equal(
		    mcim_proto_icf_attach_resp_encode(&a, buf, sizeof(buf), &len),
		    MCIM_OK);
		assert_int_equal(mcim_proto_icf_attach_resp_decode(buf, len, &b),
				 MCIM_OK);
		assert_int_equal(b.session.len, 100);
		assert_memory_equal(b.session.data, blob, 100);
		a.session.len = 0;
		assert_int_equal(
		    mcim_proto_icf_attach_resp_encode(&a, buf, sizeof(buf), &len),
		    MCIM_ERR_INVALID_ARG);
	}
	{
		struct mcim_proto_discover_req a, b;

		memcpy(a.tre_id, tre_id, 16);
		memcpy(a.n_d, blob, 16);
		BOUNDS(mcim_proto_discover_req_encode, &a, len);
		assert_int_equal(
		    mcim_proto_discover_req_encode(&a, buf, sizeof(buf), &len), MCIM_OK);
		assert_int_equal(mcim_proto_discover_req_decode(buf, len, &b), MCIM_OK);
		assert_memory_equal(&a, &b, sizeof(a));
	}
	{
		struct mcim_proto_discover_resp a = {{blob, 200}}, b;

		BOUNDS(mcim_proto_discover_resp_encode, &a, len);
		assert_int_equal(
		    mcim_proto_discover_resp_encode(&a, buf, sizeof(buf), &len), MCIM_OK);
		assert_int_equal(mcim_proto_discover_resp_decode(buf, len, &b), MCIM_OK);
		assert_int_equal(b.token.len, 200);
	}
	{
		struct mcim_proto_pva_challenge_req a, b;

		memcpy(a.tre_id, tre_id, 16);
		for (int m = MCIM_EVIDENCE_REMOTE; m <= MCIM_EVIDENCE_SEMI_AUTONOMOUS;
		     m++) {
			a.mode = (enum mcim_evidence_mode)m;
			BOUNDS(mcim_proto_pva_challenge_req_encode, &a, len);
			assert_int_equal(mcim_proto_pva_challenge_req_encode(
					     &a, buf, sizeof(buf), &len),
					 MCIM_OK);
			assert_int_equal(
			    mcim_proto_pva_challenge_req_decode(buf, len, &b), MCIM_OK);
			assert_int_equal(b.mode, m);
		}
		assert_true(fx_contains(buf, len, (const uint8_t *)"semi", 4));
		a.mode = (enum mcim_evidence_mode)0;
		assert_int_equal(
		    mcim_proto_pva_challenge_req_encode(&a, buf, sizeof(buf), &len),
		    MCIM_ERR_INVALID_ARG);
	}
	{
		struct mcim_proto_pva_challenge a, b;

		memcpy(a.n_p, blob, 32);
		a.exp = NOW;
		BOUNDS(mcim_proto_pva_challenge_encode, &a, len);
		assert_int_equal(
		    mcim_proto_pva_challenge_encode(&a, buf, sizeof(buf), &len), MCIM_OK);
		assert_int_equal(mcim_proto_pva_challenge_decode(buf, len, &b), MCIM_OK);
		assert_memory_equal(&a, &b, sizeof(a));
		a.exp = -1;
		assert_int_equal(
		    mcim_proto_pva_challenge_encode(&a, buf, sizeof(buf), &len),
		    MCIM_ERR_INVALID_ARG);
	}
	{
		struct mcim_proto_pva_evidence_req a = {{blob, 300}}, b;
		struct mcim_proto_pva_result_resp c = {{blob, 30}}, d;

		BOUNDS(mcim_proto_pva_evidence_req_encode, &a, len);
		assert_int_equal(
		    mcim_proto_pva_evidence_req_encode(&a, buf, sizeof(buf), &len),
		    MCIM_OK);
		assert_int_equal(mcim_proto_pva_evidence_req_decode(buf, len, &b),
				 MCIM_OK);
		assert_int_equal(b.evidence.len, 300);
		BOUNDS(mcim_proto_pva_result_resp_encode, &c, len);
		assert_int_equal(
		    mcim_proto_pva_result_resp_encode(&c, buf, sizeof(buf), &len),
		    MCIM_OK);
		assert_int_equal(mcim_proto_pva_result_resp_decode(buf, len, &d),
				 MCIM_OK);
		assert_int_equal(d.result.len, 30);
	}
	{
		struct mcim_proto_attach_challenge_req a, b;

		memset(&a, 0, sizeof(a));
		snprintf(a.imsi, sizeof(a.imsi), "001010000000001");
		snprintf(a.snn, sizeof(a.snn), "5G:mnc001.mcc001.3gppnetwork.org");
		BOUNDS(mcim_proto_attach_challenge_req_encode, &a, len);
		assert_int_equal(
		    mcim_proto_attach_challenge_req_encode(&a, buf, sizeof(buf), &len),
		    MCIM_OK);
		assert_int_equal(mcim_proto_attach_challenge_req_decode(buf, len, &b),
				 MCIM_OK);
		assert_memory_equal(&a, &b, sizeof(a));
		a.imsi[3] = 'a';
		assert_int_equal(
		    mcim_proto_attach_challenge_req_encode(&a, buf, sizeof(buf), &len),
		    MCIM_ERR_INVALID_ARG);
	}
	{
		struct mcim_proto_attach_challenge a, b;

		memcpy(a.rand, blob, 16);
		memcpy(a.autn, blob + 16, 16);
		BOUNDS(mcim_proto_attach_challenge_encode, &a, len);
		assert_int_equal(
		    mcim_proto_attach_challenge_encode(&a, buf, sizeof(buf), &len),
		    MCIM_OK);
		assert_int_equal(mcim_proto_attach_challenge_decode(buf, len, &b),
				 MCIM_OK);
		assert_memory_equal(&a, &b, sizeof(a));
		assert_true(fx_contains(buf, len, (const uint8_t *)"5g", 2));
	}
	{
		struct mcim_proto_attach_confirm_req a, b;

		memset(&a, 0, sizeof(a));
		snprintf(a.imsi, sizeof(a.imsi), "00101123");
		memcpy(a.res_star, blob, 16);
		memcpy(a.kc, blob + 16, 32);
		BOUNDS(mcim_proto_attach_confirm_req_encode, &a, len);
		assert_int_equal(
		    mcim_proto_attach_confirm_req_encode(&a, buf, sizeof(buf), &len),
		    MCIM_OK);
		assert_int_equal(mcim_proto_attach_confirm_req_decode(buf, len, &b),
				 MCIM_OK);
		assert_memory_equal(&a, &b, sizeof(a));
		a.resync = true;
		memcpy(a.auts, blob, 14);
		memset(a.res_star, 0, 16);
		memset(a.kc, 0, 32);
		assert_int_equal(
		    mcim_proto_attach_confirm_req_encode(&a, buf, sizeof(buf), &len),
		    MCIM_OK);
		assert_int_equal(mcim_proto_attach_confirm_req_decode(buf, len, &b),
				 MCIM_OK);
		assert_memory_equal(&a, &b, sizeof(a));
	}
	{
		struct mcim_proto_attach_confirm a, b;

		memcpy(a.kc, blob, 32);
		BOUNDS(mcim_proto_attach_confirm_encode, &a, len);
		assert_int_equal(
		    mcim_proto_attach_confirm_encode(&a, buf, sizeof(buf), &len),
		    MCIM_OK);
		assert_int_equal(mcim_proto_attach_confirm_decode(buf, len, &b), MCIM_OK);
		assert_memory_equal(&a, &b, sizeof(a));
	}
	{
		struct mcim_proto_error a = {MCIM_ERR_REPLAY, "token already used"}, b;

		BOUNDS(mcim_proto_error_encode, &a, len);
		assert_int_equal(mcim_proto_error_encode(&a, buf, sizeof(buf), &len),
				 MCIM_OK);
		assert_int_equal(mcim_proto_error_decode(buf, len, &b), MCIM_OK);
		assert_int_equal(b.err, MCIM_ERR_REPLAY);
		assert_string_equal(b.message, "token already used");
		assert_true(fx_contains(buf, len, (const uint8_t *)"REPLAY", 6));
		a.err = MCIM_OK;
		assert_int_equal(mcim_proto_error_encode(&a, buf, sizeof(buf), &len),
				 MCIM_ERR_INVALID_ARG);
	}
}

/* A hand-written map of text keys to values (each value one encoded item). */
struct kv {
	const char *key;
	const uint8_t *val;
	size_t len;
};

static size_t write_map(uint8_t *out, size_t cap, const struct kv *kv, size_t n)
{
	struct mcim_cbor_writer w;
	size_t len = 0;

	mcim_cbor_writer_init(&w, out, cap);
	mcim_cbor_put_map(&w, n);
	for (size_t i = 0; i < n; i++) {
		mcim_cbor_put_cstr(&w, kv[i].key);
		mcim_cbor_put_raw(&w, kv[i].val, kv[i].len);
	}
	assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
	return len;
}

static void test_codecs_strict(void **state)
{
	/* bstr(16), bstr(15), bstr(14), tstr "x", uint 5, true, "5g", "4g" */
	uint8_t b16[17] = {0x50}, b15[16] = {0x4f}, b14[15] = {0x4e};
	const uint8_t tx[] = {0x61, 'x'}, u5[] = {0x05}, tru[] = {0xf5}, fal[] = {0xf4};
	const uint8_t g5[] = {0x62, '5', 'g'}, g4[] = {0x62, '4', 'g'};
	const uint8_t semi[] = {0x64, 's', 'e', 'm', 'i'},
		      bad_mode[] = {0x63, 'x', 'y', 'z'};
	uint8_t buf[512];
	size_t len;
	struct mcim_proto_discover_req dr;
	struct mcim_proto_icf_attach_req ar;
	struct mcim_proto_attach_challenge ac;
	struct mcim_proto_attach_confirm_req cr;
	struct mcim_proto_attach_confirm co;
	struct mcim_proto_pva_challenge_req pr;
	struct mcim_proto_error er;

	(void)state;
	{
		const struct kv ok[] = {{"n_d", b16, 17}, {"tre_id", b16, 17}};
		const struct kv unknown[] = {
		    {"n_d", b16, 17}, {"x", tx, 2}, {"tre_id", b16, 17}};
		const struct kv unknown_end[] = {
		    {"n_d", b16, 17}, {"tre_id", b16, 17}, {"zzzzzzz", tx, 2}};
		const struct kv missing[] = {{"tre_id", b16, 17}};
		const struct kv short_id[] = {{"n_d", b16, 17}, {"tre_id", b15, 16}};
		const struct kv wrong_type[] = {{"n_d", tx, 2}, {"tre_id", b16, 17}};
		const struct kv disorder[] = {{"tre_id", b16, 17}, {"n_d", b16, 17}};
		const struct kv dup[] = {
		    {"n_d", b16, 17}, {"n_d", b16, 17}, {"tre_id", b16, 17}};

		len = write_map(buf, sizeof(buf), ok, 2);
		assert_int_equal(mcim_proto_discover_req_decode(buf, len, &dr), MCIM_OK);
		buf[len] = 0;
		assert_int_equal(mcim_proto_discover_req_decode(buf, len + 1, &dr),
				 MCIM_ERR_PARSE);
		len = write_map(buf, sizeof(buf), unknown, 3);
		assert_int_equal(mcim_proto_discover_req_decode(buf, len, &dr),
				 MCIM_ERR_PARSE);
		len = write_map(buf, sizeof(buf), unknown_end, 3);
		assert_int_equal(mcim_proto_discover_req_decode(buf, len, &dr),
				 MCIM_ERR_PARSE);
		len = write_map(buf, sizeof(buf), missing, 1);
		assert_int_equal(mcim_proto_discover_req_decode(buf, len, &dr),
				 MCIM_ERR_PARSE);
		len = write_map(buf, sizeof(buf), short_id, 2);
		assert_int_equal(mcim_proto_discover_req_decode(buf, len, &dr),
				 MCIM_ERR_PARSE);
		len = write_map(buf, sizeof(buf), wrong_type, 2);
		assert_int_equal(mcim_proto_discover_req_decode(buf, len, &dr),
				 MCIM_ERR_PARSE);
		len = write_map(buf, sizeof(buf), disorder, 2);
		assert_int_equal(mcim_proto_discover_req_decode(buf, len, &dr),
				 MCIM_ERR_PARSE);
		len = write_map(buf, sizeof(buf), dup, 3);
		assert_int_equal(mcim_proto_discover_req_decode(buf, len, &dr),
				 MCIM_ERR_PARSE);
		/* Not a map at all; empty input. */
		assert_int_equal(mcim_proto_discover_req_decode(b16, 17, &dr),
				 MCIM_ERR_PARSE);
		assert_int_equal(mcim_proto_discover_req_decode(NULL, 0, &dr),
				 MCIM_ERR_TRUNCATED);
	}
	{
		/* res or auts, exactly one. */
		const struct kv both[] = {
		    {"res", b16, 17}, {"auts", b14, 15}, {"pcid", tx, 2}};
		const struct kv neither[] = {{"pcid", tx, 2}};
		const struct kv short_res[] = {{"res", b14, 4}, {"pcid", tx, 2}};

		b14[0] = 0x43; /* bstr(3) */
		len = write_map(buf, sizeof(buf), short_res, 2);
		assert_int_equal(mcim_proto_icf_attach_req_decode(buf, len, &ar),
				 MCIM_ERR_PARSE);
		b14[0] = 0x4e;
		len = write_map(buf, sizeof(buf), both, 3);
		assert_int_equal(mcim_proto_icf_attach_req_decode(buf, len, &ar),
				 MCIM_ERR_PARSE);
		len = write_map(buf, sizeof(buf), neither, 1);
		assert_int_equal(mcim_proto_icf_attach_req_decode(buf, len, &ar),
				 MCIM_ERR_PARSE);
	}
	{
		const struct kv kc_only[] = {{"kc", b16, 17}, {"imsi", tx, 2}};
		const struct kv res_only[] = {{"imsi", tx, 2}, {"res_star", b16, 17}};

		len = write_map(buf, sizeof(buf), kc_only, 2);
		assert_int_equal(mcim_proto_attach_confirm_req_decode(buf, len, &cr),
				 MCIM_ERR_PARSE);
		len = write_map(buf, sizeof(buf), res_only, 2);
		assert_int_equal(mcim_proto_attach_confirm_req_decode(buf, len, &cr),
				 MCIM_ERR_PARSE);
	}
	{
		const struct kv ok[] = {
		    {"autn", b16, 17}, {"kind", g5, 3}, {"rand", b16, 17}};
		const struct kv g4k[] = {
		    {"autn", b16, 17}, {"kind", g4, 3}, {"rand", b16, 17}};

		len = write_map(buf, sizeof(buf), ok, 3);
		assert_int_equal(mcim_proto_attach_challenge_decode(buf, len, &ac),
				 MCIM_OK);
		len = write_map(buf, sizeof(buf), g4k, 3);
		assert_int_equal(mcim_proto_attach_challenge_decode(buf, len, &ac),
				 MCIM_ERR_PARSE);
	}
	{
		uint8_t b32[34] = {0x58, 0x20};
		const struct kv ok[] = {{"kc", b32, 34}, {"ok", tru, 1}};
		const struct kv no[] = {{"kc", b32, 34}, {"ok", fal, 1}};
		const struct kv num[] = {{"kc", b32, 34}, {"ok", u5, 1}};

		len = write_map(buf, sizeof(buf), ok, 2);
		assert_int_equal(mcim_proto_attach_confirm_decode(buf, len, &co),
				 MCIM_OK);
		len = write_map(buf, sizeof(buf), no, 2);
		assert_int_equal(mcim_proto_attach_confirm_decode(buf, len, &co),
				 MCIM_ERR_PARSE);
		len = write_map(buf, sizeof(buf), num, 2);
		assert_int_equal(mcim_proto_attach_confirm_decode(buf, len, &co),
				 MCIM_ERR_PARSE);
	}
	{
		const struct kv ok[] = {{"mode", semi, 5}, {"tre_id", b16, 17}};
		const struct kv bad[] = {{"mode", bad_mode, 4}, {"tre_id", b16, 17}};

		len = write_map(buf, sizeof(buf), ok, 2);
		assert_int_equal(mcim_proto_pva_challenge_req_decode(buf, len, &pr),
				 MCIM_OK);
		assert_int_equal(pr.mode, MCIM_EVIDENCE_SEMI_AUTONOMOUS);
		len = write_map(buf, sizeof(buf), bad, 2);
		assert_int_equal(mcim_proto_pva_challenge_req_decode(buf, len, &pr),
				 MCIM_ERR_PARSE);
	}
	{
		const uint8_t ok_name[] = {0x62, 'O', 'K'},
			      nope[] = {0x64, 'N', 'O', 'P', 'E'};
		const uint8_t empty[] = {0x60};
		const struct kv okk[] = {{"error", ok_name, 3}, {"message", empty, 1}};
		const struct kv unk[] = {{"error", nope, 5}, {"message", empty, 1}};

		len = write_map(buf, sizeof(buf), okk, 2);
		assert_int_equal(mcim_proto_error_decode(buf, len, &er), MCIM_ERR_PARSE);
		len = write_map(buf, sizeof(buf), unk, 2);
		assert_int_equal(mcim_proto_error_decode(buf, len, &er), MCIM_ERR_PARSE);
	}
	/* A span above its bound. */
	{
		static uint8_t big[MCIM_PROTO_SIGNED_MAX + 16];
		struct mcim_proto_discover_resp r = {{big, MCIM_PROTO_SIGNED_MAX + 1}};
		struct mcim_cbor_writer w;
		static uint8_t out[MCIM_PROTO_SIGNED_MAX + 64];

		assert_int_equal(
		    mcim_proto_discover_resp_encode(&r, out, sizeof(out), &len),
		    MCIM_ERR_INVALID_ARG);
		mcim_cbor_writer_init(&w, out, sizeof(out));
		mcim_cbor_put_map(&w, 1);
		mcim_cbor_put_cstr(&w, "token");
		mcim_cbor_put_bstr(&w, big, MCIM_PROTO_SIGNED_MAX + 1);
		assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
		assert_int_equal(mcim_proto_discover_resp_decode(out, len, &r),
				 MCIM_ERR_TOO_LARGE);
	}
}

/* ---- tamper reports (§10) ---- */

static size_t tamper_sign(const struct fx_party *by, const uint8_t id[16], uint64_t seq,
			  uint8_t *out, size_t cap)
{
	struct mcim_tamper_report r;
	size_t len = 0;

	memset(&r, 0, sizeof(r));
	memcpy(r.tre_id, id, 16);
	r.seq = seq;
	r.time = (uint64_t)NOW;
	r.reason = MCIM_ERR_BAD_BOOT;
	snprintf(r.detail, sizeof(r.detail), "app: digest-mismatch");
	r.state = MCIM_TRE_BAD_BOOT;
	assert_int_equal(mcim_tamper_sign(&r, &by->priv, out, cap, &len), MCIM_OK);
	return len;
}

static void tamper_req(struct mcim_proto_tamper_req *m, const struct fx_party *tre,
		       const struct fx_party *ca)
{
	memset(m, 0, sizeof(*m));
	m->chain[0] = (struct mcim_proto_span){tre->der, tre->len};
	m->chain[1] = (struct mcim_proto_span){ca->der, ca->len};
	m->n_chain = 2;
}

static void test_tamper_reports(void **state)
{
	static uint8_t rep[3][MCIM_TAMPER_REPORT_MAX], buf[MCIM_PROTO_MSG_MAX];
	static const uint8_t odd_id[16] = {0xab, 0xcd, 0xef, 0xab, 0xcd, 0xef,
					   0xab, 0xcd, 0xef, 0xab, 0xcd, 0xef,
					   0xab, 0xcd, 0xef, 0xab};
	struct mcim_proto_tamper_req m, d;
	struct mcim_proto_trust t = trust_at(NOW);
	struct mcim_tamper_report out[MCIM_PROTO_TAMPER_REPORTS_MAX];
	struct mcim_cert_info cert;
	struct fx_party odd;
	uint8_t id[16], keep[16];
	size_t rl[3], len;

	(void)state;
	rl[0] = tamper_sign(&px.tre, tre_id, 1, rep[0], sizeof(rep[0]));
	rl[1] = tamper_sign(&px.tre, tre_id, 2, rep[1], sizeof(rep[1]));
	tamper_req(&m, &px.tre, &px.ca);
	m.reports[0] = (struct mcim_proto_span){rep[0], rl[0]};
	m.reports[1] = (struct mcim_proto_span){rep[1], rl[1]};
	m.n_reports = 2;
	/* Round trip, then the DPF's check: this TRE, both reports. */
	assert_int_equal(mcim_proto_tamper_req_encode(&m, buf, sizeof(buf), &len),
			 MCIM_OK);
	assert_int_equal(mcim_proto_tamper_req_decode(buf, len, &d), MCIM_OK);
	assert_int_equal(d.n_chain, 2);
	assert_int_equal(d.n_reports, 2);
	assert_memory_equal(d.reports[1].data, rep[1], rl[1]);
	assert_int_equal(mcim_proto_tamper_req_verify(&d, &t, id, out, &cert), MCIM_OK);
	assert_memory_equal(id, tre_id, 16);
	assert_true(out[0].seq == 1 && out[1].seq == 2);
	assert_int_equal(out[1].reason, MCIM_ERR_BAD_BOOT);
	assert_int_equal(cert.role, MCIM_CERT_ROLE_TRE);
	/* The root may follow the chain. */
	m.chain[2] = (struct mcim_proto_span){fxp.ci.der, fxp.ci.len};
	m.n_chain = 3;
	assert_int_equal(mcim_proto_tamper_req_verify(&m, &t, id, out, NULL), MCIM_OK);
	m.n_chain = 2;

	/* Refusals leave the outputs alone. */
	memset(id, 0x77, sizeof(id));
	memcpy(keep, id, sizeof(id));
	/* R-TRE-G11: a report signed by another TRE's key in this TRE's name. */
	rl[2] = tamper_sign(&px.tre2, tre_id, 3, rep[2], sizeof(rep[2]));
	m.reports[1] = (struct mcim_proto_span){rep[2], rl[2]};
	assert_int_equal(mcim_proto_tamper_req_verify(&m, &t, id, out, NULL),
			 MCIM_ERR_BAD_SIGNATURE);
	assert_memory_equal(id, keep, sizeof(id));
	/* This TRE's key, another TRE's kid and payload. */
	rl[2] = tamper_sign(&px.tre, tre2_id, 3, rep[2], sizeof(rep[2]));
	m.reports[1] = (struct mcim_proto_span){rep[2], rl[2]};
	assert_int_equal(mcim_proto_tamper_req_verify(&m, &t, id, out, NULL),
			 MCIM_ERR_DENIED);
	/* Another TRE's genuine report presented with this TRE's chain. */
	rl[2] = tamper_sign(&px.tre2, tre2_id, 3, rep[2], sizeof(rep[2]));
	m.reports[1] = (struct mcim_proto_span){rep[2], rl[2]};
	assert_int_equal(mcim_proto_tamper_req_verify(&m, &t, id, out, NULL),
			 MCIM_ERR_BAD_SIGNATURE);
	/* Garbage as a report. */
	m.reports[1] = (struct mcim_proto_span){rep[2] + 1, rl[2] - 1};
	assert_int_not_equal(mcim_proto_tamper_req_verify(&m, &t, id, out, NULL),
			     MCIM_OK);
	m.n_reports = 1;
	assert_int_equal(mcim_proto_tamper_req_verify(&m, &t, id, out, NULL), MCIM_OK);

	/* The chain: one that leads to another root, a leaf that is no TRE, an
	 * expired TRE certificate, a revoked TRE and a revoked M2MES CA. */
	tamper_req(&d, &px.tre_foreign, &px.ca2);
	d.reports[0] = m.reports[0];
	d.n_reports = 1;
	assert_int_equal(mcim_proto_tamper_req_verify(&d, &t, id, out, NULL),
			 MCIM_ERR_BAD_CERT);
	d.chain[0] = (struct mcim_proto_span){fxp.dpf.der, fxp.dpf.len};
	d.n_chain = 1;
	assert_int_equal(mcim_proto_tamper_req_verify(&d, &t, id, out, NULL),
			 MCIM_ERR_WRONG_ROLE);
	t.now = px.tre.info.not_after + 1;
	assert_int_equal(mcim_proto_tamper_req_verify(&m, &t, id, out, NULL),
			 MCIM_ERR_EXPIRED);
	t = trust_at(NOW);
	assert_int_equal(mcim_cert_parse(px.tre.der, px.tre.len, &cert, NULL), MCIM_OK);
	t.revoked = &cert.serial;
	t.n_revoked = 1;
	assert_int_equal(mcim_proto_tamper_req_verify(&m, &t, id, out, NULL),
			 MCIM_ERR_BAD_CERT);
	assert_int_equal(mcim_cert_parse(px.ca.der, px.ca.len, &cert, NULL), MCIM_OK);
	assert_int_equal(mcim_proto_tamper_req_verify(&m, &t, id, out, NULL),
			 MCIM_ERR_BAD_CERT);
	t = trust_at(NOW);
	/* A TRE certificate whose id is not 32 lowercase hex digits. */
	memset(id, 0x77, sizeof(id));
	tre_issue(&odd, &px.ca, &fxp.ci, odd_id);
	for (char *c = odd.info.tre_id; *c != '\0'; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	assert_int_equal(mcim_cert_issue(&odd.info, &odd.pub, &px.ca.priv, px.ca.der,
					 px.ca.len, mcim_rng_system(), odd.der,
					 sizeof(odd.der), &odd.len),
			 MCIM_OK);
	tamper_req(&d, &odd, &px.ca);
	rl[2] = tamper_sign(&odd, odd_id, 1, rep[2], sizeof(rep[2]));
	d.reports[0] = (struct mcim_proto_span){rep[2], rl[2]};
	d.n_reports = 1;
	assert_int_equal(mcim_proto_tamper_req_verify(&d, &t, id, out, NULL),
			 MCIM_ERR_DENIED);
	assert_memory_equal(id, keep, sizeof(id));
	mcim_p256_priv_wipe(&odd.priv);
}

/* The tamper messages' bounds: 1..16 reports, 1..4 certificates, no empty item,
 * counts up to 16 in all. */
static void test_tamper_codec_strict(void **state)
{
	static uint8_t buf[MCIM_PROTO_MSG_MAX * 2], item[MCIM_TAMPER_REPORT_MAX + 1];
	struct mcim_proto_tamper_req m, d;
	struct mcim_proto_tamper_resp r = {3, 13}, rd;
	struct mcim_cbor_writer w;
	size_t len;

	(void)state;
	memset(item, 0xab, sizeof(item));
	/* Encoder: counts and lengths out of range. */
	memset(&m, 0, sizeof(m));
	assert_int_equal(mcim_proto_tamper_req_encode(&m, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	m.n_chain = 1;
	m.chain[0] = (struct mcim_proto_span){item, 10};
	m.n_reports = MCIM_PROTO_TAMPER_REPORTS_MAX + 1;
	assert_int_equal(mcim_proto_tamper_req_encode(&m, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	m.n_reports = 1;
	m.reports[0] = (struct mcim_proto_span){item, MCIM_TAMPER_REPORT_MAX + 1};
	assert_int_equal(mcim_proto_tamper_req_encode(&m, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	m.reports[0] = (struct mcim_proto_span){item, 0};
	assert_int_equal(mcim_proto_tamper_req_encode(&m, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	m.reports[0] = (struct mcim_proto_span){item, MCIM_TAMPER_REPORT_MAX};
	assert_int_equal(mcim_proto_tamper_req_encode(&m, buf, sizeof(buf), &len),
			 MCIM_OK);
	assert_int_equal(mcim_proto_tamper_req_decode(buf, len, &d), MCIM_OK);
	for (size_t n = 0; n < len; n++)
		assert_int_not_equal(mcim_proto_tamper_req_decode(buf, n, &d), MCIM_OK);

	/* Decoder: written by hand. */
	for (int c = 0; c < 7; c++) {
		size_t chain = c == 0 ? 0 : c == 1 ? MCIM_CERT_CHAIN_MAX + 1 : 1;
		size_t reps = c == 2 ? 0 : c == 3 ? MCIM_PROTO_TAMPER_REPORTS_MAX + 1 : 1;
		mcim_err want =
		    c == 0 || c == 2 || c >= 4 ? MCIM_ERR_PARSE : MCIM_ERR_TOO_LARGE;

		mcim_cbor_writer_init(&w, buf, sizeof(buf));
		mcim_cbor_put_map(&w, c == 6 ? 3 : 2);
		mcim_cbor_put_cstr(&w, "chain");
		mcim_cbor_put_array(&w, chain);
		for (size_t i = 0; i < chain; i++)
			mcim_cbor_put_bstr(&w, item, 10);
		mcim_cbor_put_cstr(&w, "reports");
		if (c == 5) {
			mcim_cbor_put_bstr(&w, item, 10); /* not an array */
		} else {
			mcim_cbor_put_array(&w, reps);
			for (size_t i = 0; i < reps; i++)
				mcim_cbor_put_bstr(&w, item, c == 4 ? 0 : 10);
		}
		if (c == 6) {
			mcim_cbor_put_cstr(&w, "reportsx");
			mcim_cbor_put_uint(&w, 1);
		}
		assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
		assert_int_equal(mcim_proto_tamper_req_decode(buf, len, &d), want);
	}
	/* A report above MCIM_TAMPER_REPORT_MAX. */
	mcim_cbor_writer_init(&w, buf, sizeof(buf));
	mcim_cbor_put_map(&w, 2);
	mcim_cbor_put_cstr(&w, "chain");
	mcim_cbor_put_array(&w, 1);
	mcim_cbor_put_bstr(&w, item, 10);
	mcim_cbor_put_cstr(&w, "reports");
	mcim_cbor_put_array(&w, 1);
	mcim_cbor_put_bstr(&w, item, MCIM_TAMPER_REPORT_MAX + 1);
	assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
	assert_int_equal(mcim_proto_tamper_req_decode(buf, len, &d), MCIM_ERR_TOO_LARGE);

	/* The answer. */
	assert_int_equal(mcim_proto_tamper_resp_encode(&r, buf, sizeof(buf), &len),
			 MCIM_OK);
	assert_int_equal(mcim_proto_tamper_resp_decode(buf, len, &rd), MCIM_OK);
	assert_true(rd.accepted == 3 && rd.duplicates == 13);
	r.accepted = 4;
	assert_int_equal(mcim_proto_tamper_resp_encode(&r, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	for (int c = 0; c < 2; c++) {
		mcim_cbor_writer_init(&w, buf, sizeof(buf));
		mcim_cbor_put_map(&w, 2);
		mcim_cbor_put_cstr(&w, "accepted");
		mcim_cbor_put_uint(&w, c == 0 ? 17 : 9);
		mcim_cbor_put_cstr(&w, "duplicates");
		mcim_cbor_put_uint(&w, c == 0 ? 0 : 8);
		assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
		assert_int_equal(mcim_proto_tamper_resp_decode(buf, len, &rd),
				 c == 0 ? MCIM_ERR_TOO_LARGE : MCIM_ERR_PARSE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_download),
	    cmocka_unit_test(test_download_release),
	    cmocka_unit_test(test_key_schedule_kat),
	    cmocka_unit_test(test_token_refusals),
	    cmocka_unit_test(test_session_refusals),
	    cmocka_unit_test(test_pva_refusals),
	    cmocka_unit_test(test_m2_refusals),
	    cmocka_unit_test(test_m3_refusals),
	    cmocka_unit_test(test_m4_refusals),
	    cmocka_unit_test(test_receipt_refusals),
	    cmocka_unit_test(test_mangled),
	    cmocka_unit_test(test_codecs_roundtrip),
	    cmocka_unit_test(test_codecs_strict),
	    cmocka_unit_test(test_tamper_reports),
	    cmocka_unit_test(test_tamper_codec_strict),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
