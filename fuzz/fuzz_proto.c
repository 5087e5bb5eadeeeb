/*
 * libFuzzer target for the provisioning protocol's messages (mcim/proto.h): every
 * input goes to every decoder and every verify function, under a fixed test PKI
 * (CI -> DRF, PVA, ICF, DPF of 00101, M2MES CA -> TRE; fixed keys made at start-up),
 * fixed expectations (TRE id, nonces, transaction, transcript) and fixed download
 * keys; a tamper request that decodes goes through the DPF's check of its chain
 * and reports. Invariants, checked on every input:
 * - errors are only the documented ones, and outputs are untouched on error;
 * - a decoded message is canonical: encoding it again gives the input octet for
 *   octet;
 * - what verifies carries the bindings the verifier asked for.
 * With MCIM_FUZZ_WRITE_SEEDS=DIR in the environment it writes one valid message of
 * each kind to DIR and exits (scripts/fuzz.sh uses this).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/bytes.h"
#include "mcim/proto.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond,         \
				__FILE__, __LINE__);                                     \
			abort();                                                         \
		}                                                                        \
	} while (0)

#define T0  ((int64_t)1767225600)
#define NOW (T0 + 86400)

enum { P_CI, P_DRF, P_PVA, P_ICF, P_DPF, P_CA, P_TRE, P_N };

struct party {
	struct mcim_p256_priv key;
	uint8_t der[MCIM_CERT_MAX_LEN];
	size_t len;
};

static struct party pki[P_N];
static const uint8_t tre_id[16] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
				   1,	 2,    3,    4,	   5,	 6,    7,    8};
static const uint8_t n_d[16] = {0xd0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t c_t[16] = {0xc7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t txid[16] = {0x7d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t reg_id[16] = {0x4e, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
static const uint8_t mcim_id[16] = {0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
				    0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42};
static uint8_t n_p[32], th[32], ct_hash[32];
static struct mcim_proto_dl_keys keys;
static struct mcim_proto_reg_token token;
static struct mcim_proto_trust trust;
static uint8_t again[MCIM_PROTO_MSG_MAX];

static mcim_err counter_fill(void *self, uint8_t *buf, size_t len)
{
	unsigned *n = self;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(++*n);
	return MCIM_OK;
}

static int all(const void *p, size_t n, uint8_t v)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return 0;
	return 1;
}

#define PARSE_ERR(e)                                                                     \
	((e) == MCIM_ERR_TRUNCATED || (e) == MCIM_ERR_PARSE || (e) == MCIM_ERR_TOO_LARGE)
#define VERIFY_ERR(e)                                                                    \
	(PARSE_ERR(e) || (e) == MCIM_ERR_UNSUPPORTED || (e) == MCIM_ERR_BAD_CERT ||      \
	 (e) == MCIM_ERR_EXPIRED || (e) == MCIM_ERR_WRONG_ROLE ||                        \
	 (e) == MCIM_ERR_BAD_SIGNATURE || (e) == MCIM_ERR_REPLAY ||                      \
	 (e) == MCIM_ERR_DENIED)

/* Decodes into a poisoned struct; on success re-encodes and compares. */
#define ROUNDTRIP(type, dec, enc)                                                        \
	do {                                                                             \
		static type m_;                                                          \
		size_t l_;                                                               \
		mcim_err e_;                                                             \
		memset(&m_, 0xa5, sizeof(m_));                                           \
		e_ = dec(data, size, &m_);                                               \
		CHECK(e_ == MCIM_OK || PARSE_ERR(e_));                                   \
		if (e_ != MCIM_OK) {                                                     \
			CHECK(all(&m_, sizeof(m_), 0xa5));                               \
		} else {                                                                 \
			CHECK(enc(&m_, again, sizeof(again), &l_) == MCIM_OK);           \
			CHECK(l_ == size && memcmp(again, data, size) == 0);             \
		}                                                                        \
	} while (0)

static void plain(const uint8_t *data, size_t size)
{
	ROUNDTRIP(struct mcim_proto_icf_challenge_req,
		  mcim_proto_icf_challenge_req_decode,
		  mcim_proto_icf_challenge_req_encode);
	ROUNDTRIP(struct mcim_proto_icf_challenge, mcim_proto_icf_challenge_decode,
		  mcim_proto_icf_challenge_encode);
	ROUNDTRIP(struct mcim_proto_icf_attach_req, mcim_proto_icf_attach_req_decode,
		  mcim_proto_icf_attach_req_encode);
	ROUNDTRIP(struct mcim_proto_icf_attach_resp, mcim_proto_icf_attach_resp_decode,
		  mcim_proto_icf_attach_resp_encode);
	ROUNDTRIP(struct mcim_proto_discover_req, mcim_proto_discover_req_decode,
		  mcim_proto_discover_req_encode);
	ROUNDTRIP(struct mcim_proto_discover_resp, mcim_proto_discover_resp_decode,
		  mcim_proto_discover_resp_encode);
	ROUNDTRIP(struct mcim_proto_pva_challenge_req,
		  mcim_proto_pva_challenge_req_decode,
		  mcim_proto_pva_challenge_req_encode);
	ROUNDTRIP(struct mcim_proto_pva_challenge, mcim_proto_pva_challenge_decode,
		  mcim_proto_pva_challenge_encode);
	ROUNDTRIP(struct mcim_proto_pva_evidence_req, mcim_proto_pva_evidence_req_decode,
		  mcim_proto_pva_evidence_req_encode);
	ROUNDTRIP(struct mcim_proto_pva_result_resp, mcim_proto_pva_result_resp_decode,
		  mcim_proto_pva_result_resp_encode);
	ROUNDTRIP(struct mcim_proto_m1, mcim_proto_m1_decode, mcim_proto_m1_encode);
	ROUNDTRIP(struct mcim_proto_attach_challenge_req,
		  mcim_proto_attach_challenge_req_decode,
		  mcim_proto_attach_challenge_req_encode);
	ROUNDTRIP(struct mcim_proto_attach_challenge, mcim_proto_attach_challenge_decode,
		  mcim_proto_attach_challenge_encode);
	ROUNDTRIP(struct mcim_proto_attach_confirm_req,
		  mcim_proto_attach_confirm_req_decode,
		  mcim_proto_attach_confirm_req_encode);
	ROUNDTRIP(struct mcim_proto_attach_confirm, mcim_proto_attach_confirm_decode,
		  mcim_proto_attach_confirm_encode);
	ROUNDTRIP(struct mcim_proto_error, mcim_proto_error_decode,
		  mcim_proto_error_encode);
	ROUNDTRIP(struct mcim_proto_tamper_req, mcim_proto_tamper_req_decode,
		  mcim_proto_tamper_req_encode);
	ROUNDTRIP(struct mcim_proto_tamper_resp, mcim_proto_tamper_resp_decode,
		  mcim_proto_tamper_resp_encode);
}

/* A tamper request that decodes goes through the DPF's check too. */
static void tamper(const uint8_t *data, size_t size)
{
	static struct mcim_proto_tamper_req m;
	static struct mcim_tamper_report out[MCIM_PROTO_TAMPER_REPORTS_MAX];
	uint8_t id[16];
	mcim_err e;

	if (mcim_proto_tamper_req_decode(data, size, &m) != MCIM_OK)
		return;
	memset(id, 0xa5, sizeof(id));
	memset(out, 0xa5, sizeof(out));
	e = mcim_proto_tamper_req_verify(&m, &trust, id, out, NULL);
	CHECK(VERIFY_ERR(e) || e == MCIM_OK);
	if (e != MCIM_OK) {
		CHECK(all(id, sizeof(id), 0xa5) && all(out, sizeof(out), 0xa5));
		return;
	}
	CHECK(memcmp(id, tre_id, 16) == 0);
	for (size_t i = 0; i < m.n_reports; i++)
		CHECK(memcmp(out[i].tre_id, tre_id, 16) == 0 && out[i].seq >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mcim_proto_session s;
	static struct mcim_proto_reg_token t;
	static struct mcim_proto_pva_result r;
	static struct mcim_proto_m2 m2;
	static struct mcim_proto_m3 m3;
	static struct mcim_proto_m4 m4;
	static struct mcim_proto_receipt rc;
	static struct mcim_profile prof;
	struct mcim_proto_span span;
	uint8_t id[16], h[32];
	mcim_err e;

	plain(data, size);
	tamper(data, size);

	memset(&m3, 0xa5, sizeof(m3));
	e = mcim_proto_m3_decode(data, size, &m3);
	CHECK(e == MCIM_OK || PARSE_ERR(e));
	memset(&m4, 0xa5, sizeof(m4));
	e = mcim_proto_m4_decode(data, size, &m4);
	CHECK(e == MCIM_OK || PARSE_ERR(e));
	e = mcim_proto_receipt_decode(data, size, id, &span);
	CHECK(e == MCIM_OK || PARSE_ERR(e));

	memset(&s, 0xa5, sizeof(s));
	e = mcim_proto_session_verify(data, size, &trust, NULL, MCIM_PROTO_SCOPE_DPF, &s,
				      NULL);
	CHECK(VERIFY_ERR(e) || e == MCIM_OK);
	CHECK(e == MCIM_OK ? (s.scope & MCIM_PROTO_SCOPE_DPF) != 0
			   : all(&s, sizeof(s), 0xa5));

	memset(&t, 0xa5, sizeof(t));
	e = mcim_proto_reg_token_verify(data, size, &trust, tre_id, n_d, NULL, &t, NULL);
	CHECK(VERIFY_ERR(e) || e == MCIM_OK);
	CHECK(e == MCIM_OK
		  ? memcmp(t.tre_id, tre_id, 16) == 0 && memcmp(t.n_d, n_d, 16) == 0
		  : all(&t, sizeof(t), 0xa5));

	memset(&r, 0xa5, sizeof(r));
	e = mcim_proto_pva_result_verify(data, size, &trust, NULL, tre_id, n_p, &r, NULL);
	CHECK(VERIFY_ERR(e) || e == MCIM_OK);
	CHECK(e == MCIM_OK ? memcmp(r.tre_id, tre_id, 16) == 0 &&
				 r.n_verdicts <= MCIM_PROTO_VERDICTS_MAX
			   : all(&r, sizeof(r), 0xa5));

	memset(&m2, 0xa5, sizeof(m2));
	e = mcim_proto_m2_verify(data, size, &trust, &token, c_t, &m2, NULL);
	CHECK(VERIFY_ERR(e) || e == MCIM_OK);
	CHECK(e == MCIM_OK
		  ? memcmp(m2.c_t, c_t, 16) == 0 && memcmp(m2.tre_id, tre_id, 16) == 0
		  : all(&m2, sizeof(m2), 0xa5));

	memset(&m3, 0xa5, sizeof(m3));
	e = mcim_proto_m3_verify(data, size, &trust, txid, tre_id, th, false, &m3, NULL,
				 NULL);
	CHECK(VERIFY_ERR(e) || e == MCIM_ERR_BAD_BOOT || e == MCIM_OK);
	CHECK(e == MCIM_OK ? memcmp(m3.txid, txid, 16) == 0 : all(&m3, sizeof(m3), 0xa5));

	e = mcim_proto_m4_open(&keys, data, size, txid, tre_id, &prof, h);
	CHECK(e == MCIM_OK || PARSE_ERR(e) || e == MCIM_ERR_DENIED ||
	      e == MCIM_ERR_DECRYPT || e == MCIM_ERR_UNSUPPORTED ||
	      e == MCIM_ERR_INVALID_ARG);
	if (e != MCIM_OK)
		CHECK(all(&prof, sizeof(prof), 0));
	mcim_profile_wipe(&prof);

	memset(&rc, 0xa5, sizeof(rc));
	e = mcim_proto_receipt_verify(data, size, &trust, &keys, txid, tre_id, mcim_id,
				      ct_hash, &rc, NULL);
	CHECK(VERIFY_ERR(e) || e == MCIM_ERR_MAC_FAILURE || e == MCIM_OK);
	CHECK(e == MCIM_OK ? memcmp(rc.txid, txid, 16) == 0 : all(&rc, sizeof(rc), 0xa5));
	return 0;
}

/* ---- set-up and seed corpus ---- */

static void make_party(int i, enum mcim_cert_role role, const char *op, int issuer,
		       const struct mcim_rng *rng)
{
	struct mcim_cert_info info;
	struct mcim_p256_pub pub;

	memset(&pki[i].key, 0, sizeof(pki[i].key));
	pki[i].key.d[0] = 0x1f;
	pki[i].key.d[31] = (uint8_t)(0x40 + i);
	memset(&info, 0, sizeof(info));
	info.role = role;
	snprintf(info.common_name, sizeof(info.common_name), "fuzz %d", i);
	snprintf(info.operator_id, sizeof(info.operator_id), "%s", op);
	if (role == MCIM_CERT_ROLE_TRE) {
		if (mcim_hex_encode(tre_id, 16, info.tre_id, sizeof(info.tre_id)) !=
		    MCIM_OK)
			abort();
		snprintf(info.platform_id, sizeof(info.platform_id), "490154203237518");
		info.backend = MCIM_CERT_BACKEND_SOFT;
		info.assurance = 1;
	}
	info.not_before = (time_t)T0;
	info.not_after = (time_t)(T0 + 3650 * 86400);
	if (mcim_p256_pub_from_priv(&pki[i].key, &pub) != MCIM_OK ||
	    mcim_cert_issue(&info, &pub, &pki[issuer].key,
			    i == issuer ? NULL : pki[issuer].der,
			    i == issuer ? 0 : pki[issuer].len, rng, pki[i].der,
			    sizeof(pki[i].der), &pki[i].len) != MCIM_OK)
		abort();
}

static void make_pki(void)
{
	unsigned counter = 0;
	const struct mcim_rng rng = {counter_fill, &counter};

	make_party(P_CI, MCIM_CERT_ROLE_CI, "", P_CI, &rng);
	make_party(P_DRF, MCIM_CERT_ROLE_DRF, "", P_CI, &rng);
	make_party(P_PVA, MCIM_CERT_ROLE_PVA, "", P_CI, &rng);
	make_party(P_ICF, MCIM_CERT_ROLE_ICF, "00199", P_CI, &rng);
	make_party(P_DPF, MCIM_CERT_ROLE_DPF, "00101", P_CI, &rng);
	make_party(P_CA, MCIM_CERT_ROLE_M2MES_CA, "", P_CI, &rng);
	make_party(P_TRE, MCIM_CERT_ROLE_TRE, "", P_CA, &rng);
	for (size_t i = 0; i < sizeof(n_p); i++) {
		n_p[i] = (uint8_t)(0x90 + i);
		th[i] = (uint8_t)(0x70 + i);
		ct_hash[i] = (uint8_t)(0x30 + i);
		keys.aead[i] = (uint8_t)(0xa0 + i);
		keys.confirm[i] = (uint8_t)(0xc0 + i);
	}
	memset(&token, 0, sizeof(token));
	memcpy(token.tre_id, tre_id, 16);
	strcpy(token.sho, "00101");
	strcpy(token.dpf_url, "https://dpf.example/");
	strcpy(token.pva_url, "https://pva.example/");
	memcpy(token.reg_id, reg_id, 16);
	memcpy(token.n_d, n_d, 16);
	token.iat = NOW;
	token.exp = NOW + 600;
	trust = (struct mcim_proto_trust){pki[P_CI].der, pki[P_CI].len,		 NULL, 0,
					  NOW,		 MCIM_PROTO_SKEW_DEFAULT};
}

static void write_seed(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

#define OK(x)                                                                            \
	do {                                                                             \
		if ((x) != MCIM_OK)                                                      \
			abort();                                                         \
	} while (0)

static void signer(struct mcim_proto_signer *s, struct mcim_iov chain[2], int who)
{
	chain[0] = (struct mcim_iov){pki[who].der, pki[who].len};
	chain[1] = (struct mcim_iov){pki[P_CA].der, pki[P_CA].len};
	*s = (struct mcim_proto_signer){&pki[who].key, chain, who == P_TRE ? 2 : 1};
}

static void write_seeds(const char *dir)
{
	static uint8_t buf[MCIM_PROTO_MSG_MAX], tok[MCIM_PROTO_SIGNED_MAX],
	    pva[MCIM_PROTO_SIGNED_MAX];
	unsigned counter = 0;
	const struct mcim_rng rng = {counter_fill, &counter};
	struct mcim_proto_signer s;
	struct mcim_iov chain[2];
	struct mcim_proto_session ses = {"pcid-1", 7, {1}, NOW, NOW + 60};
	struct mcim_proto_pva_result r;
	struct mcim_proto_m1 m1;
	struct mcim_proto_m2 m2;
	struct mcim_proto_m3 m3;
	struct mcim_proto_receipt rc;
	struct mcim_proto_error er = {MCIM_ERR_DENIED, "no session"};
	struct mcim_profile prof;
	struct mcim_p256_priv e;
	size_t len, tok_len, pva_len;

	signer(&s, chain, P_ICF);
	OK(mcim_proto_session_sign(&ses, &s, buf, sizeof(buf), &len));
	write_seed(dir, "session", buf, len);
	signer(&s, chain, P_DRF);
	OK(mcim_proto_reg_token_sign(&token, &s, tok, sizeof(tok), &tok_len));
	write_seed(dir, "token", tok, tok_len);
	memset(&r, 0, sizeof(r));
	memcpy(r.tre_id, tre_id, 16);
	memcpy(r.n_p, n_p, 32);
	r.status = MCIM_EAR_AFFIRMING;
	r.n_verdicts = 1;
	strcpy(r.verdicts[0].name, "app");
	r.verdicts[0].status = MCIM_EAR_AFFIRMING;
	r.iat = NOW;
	r.exp = NOW + 600;
	signer(&s, chain, P_PVA);
	OK(mcim_proto_pva_result_sign(&r, &s, pva, sizeof(pva), &pva_len));
	write_seed(dir, "pva", pva, pva_len);
	memset(&m1, 0, sizeof(m1));
	memcpy(m1.tre_id, tre_id, 16);
	memcpy(m1.c_t, c_t, 16);
	m1.token = (struct mcim_proto_span){tok, tok_len};
	OK(mcim_proto_m1_encode(&m1, buf, sizeof(buf), &len));
	write_seed(dir, "m1", buf, len);
	memset(&m2, 0, sizeof(m2));
	memcpy(m2.txid, txid, 16);
	memcpy(m2.c_t, c_t, 16);
	memcpy(m2.tre_id, tre_id, 16);
	memcpy(m2.reg_id, reg_id, 16);
	OK(mcim_p256_keygen(&e, &m2.epk));
	mcim_p256_priv_wipe(&e);
	signer(&s, chain, P_DPF);
	OK(mcim_proto_m2_make(&m2, &s, buf, sizeof(buf), &len));
	write_seed(dir, "m2", buf, len);
	memset(&m3, 0, sizeof(m3));
	memcpy(m3.txid, txid, 16);
	m3.epk = m2.epk;
	m3.pva = (struct mcim_proto_span){pva, pva_len};
	memcpy(m3.th, th, 32);
	signer(&s, chain, P_TRE);
	OK(mcim_proto_m3_make(&m3, &s, buf, sizeof(buf), &len));
	write_seed(dir, "m3", buf, len);
	memset(&rc, 0, sizeof(rc));
	memcpy(rc.txid, txid, 16);
	memcpy(rc.mcim_id, mcim_id, 16);
	memcpy(rc.ct_hash, ct_hash, 32);
	OK(mcim_proto_receipt_make(&rc, &keys, &s, buf, sizeof(buf), &len));
	write_seed(dir, "receipt", buf, len);
	OK(mcim_proto_error_encode(&er, buf, sizeof(buf), &len));
	write_seed(dir, "error", buf, len);
	/* A profile the package can carry: the decoder checks it fully. */
	memset(&prof, 0, sizeof(prof));
	memcpy(prof.id, mcim_id, 16);
	prof.version = 1;
	strcpy(prof.imsi, "001010000000042");
	strcpy(prof.sho, "00101");
	prof.cred.alg = MCIM_AKA_MILENAGE;
	prof.cred.k_len = 16;
	memset(prof.cred.k, 0x11, 16);
	mcim_milenage_default_consts(&prof.cred.params.milenage);
	memset(prof.cred.opc, 0x22, 16);
	OK(mcim_profile_kcv(&prof.cred, prof.kcv));
	prof.amf[0] = 0x80;
	mcim_sqn_cfg_default(&prof.sqn);
	mcim_policy_default(&prof.policy);
	{
		struct mcim_cert_info info;
		struct mcim_p256_pub pub;
		struct mcim_p256_priv k = {{0x1f, [31] = 0x77}};

		memset(&info, 0, sizeof(info));
		info.role = MCIM_CERT_ROLE_SHO_MGMT;
		strcpy(info.common_name, "fuzz mgmt");
		strcpy(info.operator_id, "00101");
		info.not_before = (time_t)T0;
		info.not_after = (time_t)(T0 + 86400 * 365);
		OK(mcim_p256_pub_from_priv(&k, &pub));
		OK(mcim_cert_issue(&info, &pub, &pki[P_CI].key, pki[P_CI].der,
				   pki[P_CI].len, &rng, prof.mgmt_cert,
				   sizeof(prof.mgmt_cert), &prof.mgmt_cert_len));
	}
	OK(mcim_proto_m4_seal(&keys, &rng, txid, tre_id, &prof, buf, sizeof(buf), &len));
	mcim_profile_wipe(&prof);
	write_seed(dir, "m4", buf, len);
	{
		static uint8_t rep[2][MCIM_TAMPER_REPORT_MAX];
		struct mcim_tamper_report tr;
		struct mcim_proto_tamper_req tq;
		struct mcim_proto_tamper_resp ta = {1, 1};
		size_t rl[2];

		memset(&tr, 0, sizeof(tr));
		memcpy(tr.tre_id, tre_id, 16);
		tr.time = (uint64_t)NOW;
		tr.reason = MCIM_ERR_BAD_BOOT;
		tr.state = MCIM_TRE_BAD_BOOT;
		strcpy(tr.detail, "app: digest-mismatch");
		for (int i = 0; i < 2; i++) {
			tr.seq = (uint64_t)i + 1;
			OK(mcim_tamper_sign(&tr, &pki[P_TRE].key, rep[i], sizeof(rep[i]),
					    &rl[i]));
		}
		memset(&tq, 0, sizeof(tq));
		tq.chain[0] = (struct mcim_proto_span){pki[P_TRE].der, pki[P_TRE].len};
		tq.chain[1] = (struct mcim_proto_span){pki[P_CA].der, pki[P_CA].len};
		tq.n_chain = 2;
		tq.reports[0] = (struct mcim_proto_span){rep[0], rl[0]};
		tq.reports[1] = (struct mcim_proto_span){rep[1], rl[1]};
		tq.n_reports = 2;
		OK(mcim_proto_tamper_req_encode(&tq, buf, sizeof(buf), &len));
		write_seed(dir, "tamper", buf, len);
		OK(mcim_proto_tamper_resp_encode(&ta, buf, sizeof(buf), &len));
		write_seed(dir, "tamper-resp", buf, len);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("MCIM_FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	make_pki();
	if (dir != NULL) {
		write_seeds(dir);
		exit(0);
	}
	return 0;
}
