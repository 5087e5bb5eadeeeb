/*
 * The TRE's side of the download and attach protocols (src/tre/tre_dl.c) against a
 * network simulated with mcim/proto.h, as the DPF, DRF, PVA and AuC of mcimd build
 * and check the same messages: discovery nonce and registration token, M1..M4 and
 * the receipt (R-PRC-105, R-PRC-106, R-TRE-P01..P07), forged and replayed messages,
 * a package for another transaction or operator, retries that install nothing twice,
 * the SHO's command with its signed result, and the 5G attach whose key
 * confirmation the TRE computes without KAUSF leaving it (R-PRC-108).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tre_fault.h"

#include "tre_core_fixture.h"

#include "mcim/auth.h"
#include "mcim/cose.h"
#include "mcim/proto.h"

#define SNN "5G:mnc001.mcc001.3gppnetwork.org"

/* The network's side of one download. */
struct net {
	struct mcim_proto_reg_token tok;
	uint8_t token[MCIM_PROTO_SIGNED_MAX];
	size_t token_len;
	uint8_t m1[MCIM_TRE_MSG_MAX], m2[MCIM_PROTO_MSG_MAX], m3[MCIM_TRE_MSG_MAX];
	size_t m1_len, m2_len, m3_len;
	uint8_t pva[MCIM_PROTO_SIGNED_MAX];
	size_t pva_len;
	struct mcim_proto_m2 m2v;
	struct mcim_p256_priv eph;
	struct mcim_proto_dl_keys keys;
	uint8_t m4[MCIM_PROTO_M4_MAX];
	size_t m4_len;
	uint8_t r[MCIM_TRE_MSG_MAX];
	size_t r_len;
};

static void trust(struct tf *t, struct mcim_proto_trust *tr)
{
	const uint8_t *root;
	size_t len;

	assert_int_equal(tool_pki_root(&tf_pki_loaded, &root, &len), MCIM_OK);
	memset(tr, 0, sizeof(*tr));
	tr->ci_root = root;
	tr->ci_root_len = len;
	tr->now = (int64_t)t->now;
	tr->skew = MCIM_PROTO_SKEW_DEFAULT;
}

static struct mcim_proto_signer signer(const char *name, struct mcim_p256_priv *key,
				       struct mcim_iov chain[4])
{
	size_t n = 0;

	assert_int_equal(tool_pki_key(&tf_pki_loaded, name, key), MCIM_OK);
	assert_int_equal(tool_pki_chain(&tf_pki_loaded, name, 0, chain, 4, &n), MCIM_OK);
	return (struct mcim_proto_signer){key, chain, n};
}

static void copy_bstr(struct tf *t, const char *key, uint8_t *out, size_t cap,
		      size_t *len)
{
	const uint8_t *d = tf_bstr(t, key, len);

	assert_true(*len <= cap);
	memcpy(out, d, *len);
}

/* dl-discover: the TRE's n_d. */
static void discover(struct tf *t, uint8_t n_d[16])
{
	size_t n;

	assert_int_equal(tf_call(t, "dl-discover", NULL, 0), MCIM_OK);
	copy_bstr(t, "n_d", n_d, 16, &n);
	assert_int_equal(n, 16);
}

/* The DRF's token for this TRE, signed by signer_name, valid until exp. */
static void make_token(struct tf *t, struct net *x, const uint8_t n_d[16],
		       const char *signer_name, const uint8_t *tre_id, int64_t exp)
{
	struct mcim_p256_priv key;
	struct mcim_iov chain[4];
	struct mcim_proto_signer s = signer(signer_name, &key, chain);

	memset(&x->tok, 0, sizeof(x->tok));
	if (tre_id != NULL)
		memcpy(x->tok.tre_id, tre_id, 16);
	else
		tf_identity(t, x->tok.tre_id, NULL, NULL);
	snprintf(x->tok.sho, sizeof(x->tok.sho), "%s", TF_SHO);
	snprintf(x->tok.dpf_url, sizeof(x->tok.dpf_url), "http://dpf.example/");
	snprintf(x->tok.pva_url, sizeof(x->tok.pva_url), "http://pva.example/");
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), x->tok.reg_id, 16), MCIM_OK);
	memcpy(x->tok.n_d, n_d, 16);
	x->tok.iat = exp < (int64_t)t->now ? exp - 600 : (int64_t)t->now;
	x->tok.exp = exp;
	assert_int_equal(mcim_proto_reg_token_sign(&x->tok, &s, x->token,
						   sizeof(x->token), &x->token_len),
			 MCIM_OK);
	mcim_p256_priv_wipe(&key);
}

static mcim_err call_m1(struct tf *t, struct net *x)
{
	const struct tool_tre_arg a = {"token", TOOL_ARG_BSTR, x->token, x->token_len, 0};
	mcim_err e = tf_call(t, "dl-m1", &a, 1);

	if (e == MCIM_OK)
		copy_bstr(t, "m1", x->m1, sizeof(x->m1), &x->m1_len);
	return e;
}

/* The DPF's M2 for x->m1 (signed by dpf, over c_t). */
static void make_m2(struct net *x, const char *dpf, const uint8_t *c_t)
{
	struct mcim_proto_m1 m1;
	struct mcim_p256_priv key;
	struct mcim_iov chain[4];
	struct mcim_proto_signer s = signer(dpf, &key, chain);

	assert_int_equal(mcim_proto_m1_decode(x->m1, x->m1_len, &m1), MCIM_OK);
	memset(&x->m2v, 0, sizeof(x->m2v));
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), x->m2v.txid, 16), MCIM_OK);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), x->m2v.c_d, 16), MCIM_OK);
	assert_int_equal(mcim_p256_keygen(&x->eph, &x->m2v.epk), MCIM_OK);
	memcpy(x->m2v.c_t, c_t != NULL ? c_t : m1.c_t, 16);
	memcpy(x->m2v.tre_id, m1.tre_id, 16);
	memcpy(x->m2v.reg_id, x->tok.reg_id, 16);
	assert_int_equal(
	    mcim_proto_m2_make(&x->m2v, &s, x->m2, sizeof(x->m2), &x->m2_len), MCIM_OK);
	mcim_p256_priv_wipe(&key);
}

/* The PVA's result for tre_id with status, valid until exp. */
static void make_pva(struct tf *t, struct net *x, const uint8_t *tre_id,
		     enum mcim_ear_status status, int64_t exp)
{
	struct mcim_proto_pva_result r;
	struct mcim_p256_priv key;
	struct mcim_iov chain[4];
	struct mcim_proto_signer s = signer("pva", &key, chain);

	memset(&r, 0, sizeof(r));
	if (tre_id != NULL)
		memcpy(r.tre_id, tre_id, 16);
	else
		tf_identity(t, r.tre_id, NULL, NULL);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), r.n_p, sizeof(r.n_p)), MCIM_OK);
	r.status = status;
	r.n_verdicts = 1;
	snprintf(r.verdicts[0].name, sizeof(r.verdicts[0].name), "kernel");
	r.verdicts[0].status = status;
	r.iat = exp < (int64_t)t->now ? exp - 600 : (int64_t)t->now;
	r.exp = exp;
	assert_int_equal(
	    mcim_proto_pva_result_sign(&r, &s, x->pva, sizeof(x->pva), &x->pva_len),
	    MCIM_OK);
	mcim_p256_priv_wipe(&key);
}

static mcim_err call_m3(struct tf *t, struct net *x)
{
	const struct tool_tre_arg a[3] = {
	    {"m1", TOOL_ARG_BSTR, x->m1, x->m1_len, 0},
	    {"m2", TOOL_ARG_BSTR, x->m2, x->m2_len, 0},
	    {"pva", TOOL_ARG_BSTR, x->pva, x->pva_len, 0},
	};
	mcim_err e = tf_call(t, "dl-m3", a, 3);

	if (e == MCIM_OK)
		copy_bstr(t, "m3", x->m3, sizeof(x->m3), &x->m3_len);
	return e;
}

/* The DPF checks M3 as mcimd does and derives its keys. */
static void dpf_m3(struct tf *t, struct net *x)
{
	struct mcim_proto_trust tr;
	struct mcim_proto_m3 m3;
	uint8_t th[32], th3[32];
	uint8_t tre_id[16];

	tf_identity(t, tre_id, NULL, NULL);
	trust(t, &tr);
	assert_int_equal(
	    mcim_proto_dl_transcript(x->m1, x->m1_len, x->m2, x->m2_len, NULL, 0, th),
	    MCIM_OK);
	assert_int_equal(mcim_proto_m3_verify(x->m3, x->m3_len, &tr, x->m2v.txid, tre_id,
					      th, false, &m3, NULL, NULL),
			 MCIM_OK);
	assert_int_equal(mcim_proto_dl_transcript(x->m1, x->m1_len, x->m2, x->m2_len,
						  x->m3, x->m3_len, th3),
			 MCIM_OK);
	assert_int_equal(mcim_proto_dl_keys_derive(&x->eph, &m3.epk, th3, &x->keys),
			 MCIM_OK);
}

static void make_m4(struct tf *t, struct net *x, const struct mcim_profile *p)
{
	uint8_t tre_id[16];

	tf_identity(t, tre_id, NULL, NULL);
	assert_int_equal(mcim_proto_m4_seal(&x->keys, mcim_rng_system(), x->m2v.txid,
					    tre_id, p, x->m4, sizeof(x->m4), &x->m4_len),
			 MCIM_OK);
}

static mcim_err call_install(struct tf *t, struct net *x)
{
	const struct tool_tre_arg a = {"m4", TOOL_ARG_BSTR, x->m4, x->m4_len, 0};
	mcim_err e = tf_call(t, "dl-install", &a, 1);

	x->r_len = 0;
	if (t->r.result != NULL &&
	    tool_cbor_get(t->r.result, t->r.result_len, "receipt", &(const uint8_t *){0},
			  &(size_t){0}) == MCIM_OK)
		copy_bstr(t, "receipt", x->r, sizeof(x->r), &x->r_len);
	return e;
}

/* The DPF's check of the receipt; returns the TRE's outcome in it. */
static mcim_err dpf_receipt(struct tf *t, struct net *x)
{
	struct mcim_proto_trust tr;
	struct mcim_proto_m4 m4;
	struct mcim_proto_span sig;
	struct mcim_proto_receipt r;
	uint8_t txid[16], tre_id[16], h[32];

	tf_identity(t, tre_id, NULL, NULL);
	trust(t, &tr);
	assert_int_equal(mcim_proto_m4_decode(x->m4, x->m4_len, &m4), MCIM_OK);
	assert_int_equal(mcim_sha256(m4.pkg.data, m4.pkg.len, h), MCIM_OK);
	assert_int_equal(mcim_proto_receipt_decode(x->r, x->r_len, txid, &sig), MCIM_OK);
	assert_memory_equal(txid, x->m2v.txid, 16);
	assert_int_equal(mcim_proto_receipt_verify(x->r, x->r_len, &tr, &x->keys,
						   x->m2v.txid, tre_id, m4.mcim_id, h, &r,
						   NULL),
			 MCIM_OK);
	return r.result;
}

/* Discovery to M3, all genuine. */
static void to_m3(struct tf *t, struct net *x)
{
	uint8_t n_d[16];

	discover(t, n_d);
	make_token(t, x, n_d, "ro-drf", NULL, (int64_t)t->now + 600);
	assert_int_equal(call_m1(t, x), MCIM_OK);
	make_m2(x, "sho1-dpf", NULL);
	make_pva(t, x, NULL, MCIM_EAR_AFFIRMING, (int64_t)t->now + 600);
	assert_int_equal(call_m3(t, x), MCIM_OK);
	dpf_m3(t, x);
}

static size_t n_mcims(struct tf *t)
{
	const uint8_t *l;
	size_t ll;
	struct mcim_cbor_reader r;
	size_t n = 0;

	assert_int_equal(tf_call(t, "mcim-list", NULL, 0), MCIM_OK);
	assert_int_equal(tool_cbor_get(t->r.result, t->r.result_len, "mcims", &l, &ll),
			 MCIM_OK);
	mcim_cbor_reader_init(&r, l, ll);
	assert_int_equal(mcim_cbor_read_array(&r, &n), MCIM_OK);
	return n;
}

static struct net *net_new(void)
{
	struct net *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	return x;
}

static void net_free(struct net *x)
{
	mcim_proto_dl_keys_wipe(&x->keys);
	mcim_p256_priv_wipe(&x->eph);
	free(x);
}

/* R-PRC-105: the whole download; the DPF accepts the receipt's confirmation, the
 * MCIM is INSTALLED, each step one audit record. */
static void test_download(void **state)
{
	struct tf *t = tf_new("dl-ok");
	struct net *x = net_new();
	struct mcim_profile p;
	char s[16];
	uint64_t seq0 = tf_audit_seq(t);

	(void)state;
	to_m3(t, x);
	tf_profile(&p, 0x11);
	make_m4(t, x, &p);
	assert_int_equal(call_install(t, x), MCIM_OK);
	tf_str(t, "state", s, sizeof(s));
	assert_string_equal(s, "installed");
	assert_int_equal(dpf_receipt(t, x), MCIM_OK);
	assert_int_equal(n_mcims(t), 1);
	/* discover, M1, M3, install */
	assert_int_equal(tf_audit_seq(t), seq0 + 4);
	mcim_profile_wipe(&p);
	net_free(x);
	tf_free(t);
}

/* The token: only one the TRE asked for (n_d), for itself, by a DRF, fresh. */
static void test_m1_token(void **state)
{
	struct tf *t = tf_new("dl-m1");
	struct net *x = net_new();
	uint8_t n_d[16] = {0}, other[16], tre_id[16];
	uint64_t g;
	char url[64];

	(void)state;
	tf_identity(t, tre_id, NULL, NULL);
	/* No discovery yet. */
	make_token(t, x, n_d, "ro-drf", NULL, (int64_t)t->now + 600);
	assert_int_equal(call_m1(t, x), MCIM_ERR_STATE);
	discover(t, n_d);
	g = tf_generation(t);
	memcpy(other, n_d, 16);
	other[0] ^= 1;
	make_token(t, x, other, "ro-drf", NULL, (int64_t)t->now + 600);
	assert_int_equal(call_m1(t, x), MCIM_ERR_REPLAY);
	memcpy(other, tre_id, 16);
	other[15] ^= 1;
	make_token(t, x, n_d, "ro-drf", other, (int64_t)t->now + 600);
	assert_int_equal(call_m1(t, x), MCIM_ERR_DENIED);
	make_token(t, x, n_d, "sho1-dpf", NULL, (int64_t)t->now + 600);
	assert_int_equal(call_m1(t, x), MCIM_ERR_WRONG_ROLE);
	make_token(t, x, n_d, "ro-drf", NULL, (int64_t)t->now - 3600);
	assert_int_equal(call_m1(t, x), MCIM_ERR_EXPIRED);
	assert_int_equal(tf_generation(t), g); /* refusals change nothing */
	make_token(t, x, n_d, "ro-drf", NULL, (int64_t)t->now + 600);
	assert_int_equal(call_m1(t, x), MCIM_OK);
	tf_str(t, "dpf_url", url, sizeof(url));
	assert_string_equal(url, "http://dpf.example/");
	/* n_d is single use. */
	assert_int_equal(call_m1(t, x), MCIM_ERR_STATE);
	net_free(x);
	tf_free(t);
}

/* M2: forged (another operator's DPF, a changed octet), over another challenge, for
 * another M1, replayed: refused, and the genuine M2 still goes through after. */
static void test_m2_forged_replayed(void **state)
{
	struct tf *t = tf_new("dl-m2");
	struct net *x = net_new();
	uint8_t n_d[16], c_t[16], m1_copy[MCIM_TRE_MSG_MAX];
	size_t m1_len;
	uint64_t g;

	(void)state;
	/* No M1 sent: no challenge to answer. */
	x->m1_len = x->m2_len = x->pva_len = 1;
	assert_int_equal(call_m3(t, x), MCIM_ERR_REPLAY);
	discover(t, n_d);
	make_token(t, x, n_d, "ro-drf", NULL, (int64_t)t->now + 600);
	assert_int_equal(call_m1(t, x), MCIM_OK);
	make_pva(t, x, NULL, MCIM_EAR_AFFIRMING, (int64_t)t->now + 600);
	g = tf_generation(t);

	make_m2(x, "sho2-dpf", NULL);
	assert_int_equal(call_m3(t, x), MCIM_ERR_WRONG_ROLE);
	memset(c_t, 0x5a, 16);
	make_m2(x, "sho1-dpf", c_t);
	assert_int_equal(call_m3(t, x), MCIM_ERR_REPLAY);
	make_m2(x, "sho1-dpf", NULL);
	x->m2[x->m2_len - 20] ^= 0x01;
	assert_int_not_equal(call_m3(t, x), MCIM_OK);
	/* An M1 the TRE did not send. */
	make_m2(x, "sho1-dpf", NULL);
	memcpy(m1_copy, x->m1, x->m1_len);
	m1_len = x->m1_len;
	x->m1[x->m1_len - 1] ^= 0x01;
	assert_int_equal(call_m3(t, x), MCIM_ERR_DENIED);
	memcpy(x->m1, m1_copy, m1_len);
	/* A PVA result for another TRE, and a stale one. */
	make_pva(t, x, c_t, MCIM_EAR_AFFIRMING, (int64_t)t->now + 600);
	assert_int_equal(call_m3(t, x), MCIM_ERR_DENIED);
	make_pva(t, x, NULL, MCIM_EAR_AFFIRMING, (int64_t)t->now - 3600);
	assert_int_equal(call_m3(t, x), MCIM_ERR_EXPIRED);
	assert_int_equal(tf_generation(t), g);

	make_pva(t, x, NULL, MCIM_EAR_AFFIRMING, (int64_t)t->now + 600);
	assert_int_equal(call_m3(t, x), MCIM_OK);
	/* The same M2 again: c_t was consumed. */
	assert_int_equal(call_m3(t, x), MCIM_ERR_REPLAY);
	dpf_m3(t, x);
	net_free(x);
	tf_free(t);
}

static void set_mgmt(struct mcim_profile *p, const char *entity)
{
	const struct tool_pki_entity *m = tool_pki_find(&tf_pki_loaded, entity);

	assert_non_null(m);
	memcpy(p->mgmt_cert, m->der, m->der_len);
	p->mgmt_cert_len = m->der_len;
}

/* M4: before M3, of another transaction, under other keys, another operator's
 * MCIM: refused, nothing installed; a refusal after the keys carries a receipt. */
static void test_wrong_package(void **state)
{
	struct tf *t = tf_new("dl-m4");
	struct net *x = net_new();
	struct mcim_profile p;
	struct mcim_proto_dl_keys good;
	uint8_t txid[16];
	uint64_t g;

	(void)state;
	tf_profile(&p, 0x22);
	assert_int_equal(tf_call(t, "dl-install", NULL, 0), MCIM_ERR_INVALID_ARG);
	x->m4_len = 8;
	memset(x->m4, 0, 8);
	assert_int_equal(call_install(t, x), MCIM_ERR_PARSE);
	/* A well-formed M4 with no download in progress. */
	make_m4(t, x, &p);
	assert_int_equal(call_install(t, x), MCIM_ERR_STATE);
	to_m3(t, x);
	g = tf_generation(t);

	memcpy(txid, x->m2v.txid, 16);
	x->m2v.txid[0] ^= 1;
	make_m4(t, x, &p);
	assert_int_equal(call_install(t, x), MCIM_ERR_DENIED);
	memcpy(x->m2v.txid, txid, 16);

	good = x->keys;
	x->keys.aead[0] ^= 1;
	make_m4(t, x, &p);
	x->keys = good;
	assert_int_equal(call_install(t, x), MCIM_ERR_DECRYPT);
	assert_true(x->r_len > 0);
	assert_int_equal(dpf_receipt(t, x), MCIM_ERR_DECRYPT);

	/* sho2's MCIM, delivered over sho1's transaction. */
	snprintf(p.sho, sizeof(p.sho), "00102");
	memcpy(p.imsi, "00102", 5);
	set_mgmt(&p, "sho2-mgmt");
	make_m4(t, x, &p);
	assert_int_equal(call_install(t, x), MCIM_ERR_WRONG_ROLE);
	assert_int_equal(dpf_receipt(t, x), MCIM_ERR_WRONG_ROLE);
	assert_int_equal(tf_generation(t), g);
	assert_int_equal(n_mcims(t), 0);

	snprintf(p.sho, sizeof(p.sho), "%s", TF_SHO);
	memcpy(p.imsi, TF_SHO, 5);
	set_mgmt(&p, "sho1-mgmt");
	make_m4(t, x, &p);
	assert_int_equal(call_install(t, x), MCIM_OK);
	assert_int_equal(dpf_receipt(t, x), MCIM_OK);
	mcim_proto_dl_keys_wipe(&good);
	mcim_profile_wipe(&p);
	net_free(x);
	tf_free(t);
}

/* R-PRC-106: the same M4 again answers the same receipt octets; a whole new
 * download of the installed MCIM answers a receipt with result OK; one MCIM. */
static void test_retry_idempotent(void **state)
{
	struct tf *t = tf_new("dl-retry");
	struct net *x = net_new(), *y = net_new();
	struct mcim_profile p;
	uint8_t first[MCIM_TRE_MSG_MAX];
	size_t first_len;
	bool existed = false;
	uint64_t g;

	(void)state;
	tf_profile(&p, 0x33);
	to_m3(t, x);
	make_m4(t, x, &p);
	assert_int_equal(call_install(t, x), MCIM_OK);
	memcpy(first, x->r, x->r_len);
	first_len = x->r_len;
	g = tf_generation(t);
	assert_int_equal(call_install(t, x), MCIM_OK);
	assert_int_equal(tool_cbor_get(t->r.result, t->r.result_len, "existed",
				       &(const uint8_t *){0}, &(size_t){0}),
			 MCIM_OK);
	assert_int_equal(x->r_len, first_len);
	assert_memory_equal(x->r, first, first_len);
	assert_int_equal(tf_generation(t), g);

	to_m3(t, y);
	make_m4(t, y, &p);
	assert_int_equal(call_install(t, y), MCIM_OK);
	{
		const uint8_t *e;
		size_t el;
		struct mcim_cbor_reader r;

		assert_int_equal(
		    tool_cbor_get(t->r.result, t->r.result_len, "existed", &e, &el),
		    MCIM_OK);
		mcim_cbor_reader_init(&r, e, el);
		assert_int_equal(mcim_cbor_read_bool(&r, &existed), MCIM_OK);
	}
	assert_true(existed);
	assert_int_equal(dpf_receipt(t, y), MCIM_OK);
	assert_int_equal(n_mcims(t), 1);
	/* The first transaction's M4 belongs to a finished transaction now. */
	assert_int_not_equal(call_install(t, x), MCIM_OK);
	mcim_profile_wipe(&p);
	net_free(x);
	net_free(y);
	tf_free(t);
}

/* The SHO's command relayed, and its signed result as the DPF takes it. */
static void test_mgmt_signed(void **state)
{
	struct tf *t = tf_new("dl-mgmt");
	struct net *x = net_new();
	struct mcim_profile p;
	struct mcim_p256_pub id_pub;
	struct mcim_cose_sign1 msg;
	uint8_t tre_id[16], cmd[MCIM_MGMT_SIGNED_MAX];
	const uint8_t *sig;
	size_t sig_len, cmd_len;
	char s[16];

	(void)state;
	tf_profile(&p, 0x44);
	to_m3(t, x);
	make_m4(t, x, &p);
	assert_int_equal(call_install(t, x), MCIM_OK);
	tf_identity(t, tre_id, &id_pub, NULL);
	cmd_len = tf_mgmt_cmd(t, p.id, 1, MCIM_MGMT_ACTIVATE, cmd, sizeof(cmd));
	{
		const struct tool_tre_arg a = {"command", TOOL_ARG_BSTR, cmd, cmd_len, 0};

		assert_int_equal(tf_call(t, "mgmt-signed", &a, 1), MCIM_OK);
		tf_str(t, "state", s, sizeof(s));
		assert_string_equal(s, "activated");
		sig = tf_bstr(t, "result", &sig_len);
		assert_int_equal(
		    mcim_cose_sign1_verify(sig, sig_len, NULL, 0, &id_pub, &msg),
		    MCIM_OK);
		assert_true(
		    tf_contains(msg.payload, msg.payload_len, "mcim/mgmt/result"));
		assert_true(tf_contains(msg.payload, msg.payload_len, "activated"));
		/* Replayed: the counter was used. */
		assert_int_not_equal(tf_call(t, "mgmt-signed", &a, 1), MCIM_OK);
	}
	mcim_profile_wipe(&p);
	net_free(x);
	tf_free(t);
}

/* An AuC holding the profile's credential. */
struct auc {
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_he he;
};

static mcim_err call_attach(struct tf *t, const struct mcim_auth_5g_vector *av)
{
	const struct tool_tre_arg a[3] = {
	    {"autn", TOOL_ARG_BSTR, av->autn, 16, 0},
	    {"rand", TOOL_ARG_BSTR, av->rand, 16, 0},
	    {"snn", TOOL_ARG_TSTR, SNN, 0, 0},
	};

	return tf_call(t, "attach", a, 3);
}

static mcim_err call_confirm(struct tf *t, const uint8_t kc[32])
{
	const struct tool_tre_arg a = {"kc", TOOL_ARG_BSTR, kc, 32, 0};

	return tf_call(t, "attach-confirm", &a, 1);
}

/* R-PRC-108: RES* and both key confirmations agree; KAUSF never in a response; a
 * wrong network confirmation is MAC_FAILURE; a confirmation is single use. */
static void test_attach(void **state)
{
	struct tf *t = tf_new("dl-attach");
	struct net *x = net_new();
	struct mcim_profile p;
	struct auc auc;
	struct mcim_auth_5g_vector av;
	uint8_t kc[32];
	const uint8_t *d;
	size_t n;

	(void)state;
	tf_profile(&p, 0x55);
	to_m3(t, x);
	make_m4(t, x, &p);
	assert_int_equal(call_install(t, x), MCIM_OK);
	assert_int_equal(call_confirm(t, kc), MCIM_ERR_STATE);
	assert_int_equal(tf_mgmt(t, p.id, 1, MCIM_MGMT_ACTIVATE), MCIM_OK);
	assert_int_equal(mcim_aka_prepare(&auc.kc, &p.cred), MCIM_OK);
	auc.cfg = p.sqn;
	assert_int_equal(mcim_sqn_he_init(&auc.cfg, &auc.he, 0), MCIM_OK);

	assert_int_equal(mcim_auth_generate_5g(&auc.kc, &auc.cfg, &auc.he, p.amf,
					       mcim_rng_system(), SNN, strlen(SNN), &av),
			 MCIM_OK);
	assert_int_equal(call_attach(t, &av), MCIM_OK);
	d = tf_bstr(t, "res_star", &n);
	assert_int_equal(n, 16);
	assert_memory_equal(d, av.xres_star, 16);
	d = tf_bstr(t, "kc", &n);
	assert_int_equal(n, 32);
	assert_int_equal(
	    mcim_proto_attach_kc_check(av.kausf, MCIM_PROTO_ATTACH_UE, av.rand, d),
	    MCIM_OK);
	assert_false(tf_contains(t->resp, t->resp_len, "kausf"));
	assert_int_equal(
	    mcim_proto_attach_kc(av.kausf, MCIM_PROTO_ATTACH_HN, av.rand, kc), MCIM_OK);
	assert_int_equal(call_confirm(t, kc), MCIM_OK);
	assert_int_equal(call_confirm(t, kc), MCIM_ERR_STATE);

	/* A second attach; the network's confirmation is for another RAND. */
	mcim_auth_5g_vector_wipe(&av);
	assert_int_equal(mcim_auth_generate_5g(&auc.kc, &auc.cfg, &auc.he, p.amf,
					       mcim_rng_system(), SNN, strlen(SNN), &av),
			 MCIM_OK);
	assert_int_equal(call_attach(t, &av), MCIM_OK);
	kc[0] ^= 1;
	assert_int_equal(call_confirm(t, kc), MCIM_ERR_MAC_FAILURE);
	assert_int_equal(call_confirm(t, kc), MCIM_ERR_STATE);

	/* The same vector again: the TRE answers AUTS. */
	assert_int_equal(call_attach(t, &av), MCIM_ERR_SYNC_FAILURE);
	(void)tf_bstr(t, "auts", &n);
	assert_int_equal(n, 14);

	mcim_auth_5g_vector_wipe(&av);
	mcim_aka_keyctx_wipe(&auc.kc);
	mcim_profile_wipe(&p);
	net_free(x);
	tf_free(t);
}

/* R-PRC-106 under power cuts: the install's writes fail from the k-th on (a dead
 * disk), the TRE restarts, the same M4 again: exactly one MCIM, a receipt the DPF
 * accepts, whichever side of the commit point the cut fell. */
static void test_install_interrupted(void **state)
{
	unsigned befores = 0, afters = 0;

	(void)state;
	for (unsigned long k = 1;; k++) {
		struct tf *t = tf_new("dl-cut");
		struct net *x = net_new();
		struct mcim_profile p;
		mcim_err e;
		int done;

		tf_profile(&p, 0x66);
		to_m3(t, x);
		make_m4(t, x, &p);
		tf_close(t);
		assert_int_equal(tf_open_io(t, &tre_fault_io), MCIM_OK);
		memset(&fault, 0, sizeof(fault));
		fault_arm(k, 1, EIO);
		e = call_install(t, x);
		done = fault.failed == 0;
		fault_disarm();
		tf_close(t);
		tf_open(t);
		if (done)
			assert_int_equal(e, MCIM_OK);
		else if (n_mcims(t) == 1)
			afters++;
		else
			befores++;
		assert_int_equal(call_install(t, x), MCIM_OK);
		assert_int_equal(dpf_receipt(t, x), MCIM_OK);
		assert_int_equal(n_mcims(t), 1);
		mcim_profile_wipe(&p);
		net_free(x);
		tf_free(t);
		if (done)
			break;
		assert_true(k < 100);
	}
	assert_true(befores > 0);
	assert_true(afters > 0);
}

/* M3 carries a release when one is given (its hash signed: a relay can neither
 * strip nor swap it); attach needs an activated MCIM. */
static void test_release_and_no_mcim(void **state)
{
	struct tf *t = tf_new("dl-rel");
	struct net *x = net_new();
	struct mcim_proto_trust tr;
	struct mcim_proto_m3 m3;
	uint8_t n_d[16], th[32], tre_id[16], rel[64];
	struct mcim_auth_5g_vector av;

	(void)state;
	memset(rel, 0xa5, sizeof(rel));
	discover(t, n_d);
	make_token(t, x, n_d, "ro-drf", NULL, (int64_t)t->now + 600);
	assert_int_equal(call_m1(t, x), MCIM_OK);
	make_m2(x, "sho1-dpf", NULL);
	make_pva(t, x, NULL, MCIM_EAR_AFFIRMING, (int64_t)t->now + 600);
	{
		const struct tool_tre_arg a[4] = {
		    {"m1", TOOL_ARG_BSTR, x->m1, x->m1_len, 0},
		    {"m2", TOOL_ARG_BSTR, x->m2, x->m2_len, 0},
		    {"pva", TOOL_ARG_BSTR, x->pva, x->pva_len, 0},
		    {"release", TOOL_ARG_BSTR, rel, sizeof(rel), 0},
		};

		assert_int_equal(tf_call(t, "dl-m3", a, 4), MCIM_OK);
		copy_bstr(t, "m3", x->m3, sizeof(x->m3), &x->m3_len);
	}
	tf_identity(t, tre_id, NULL, NULL);
	trust(t, &tr);
	assert_int_equal(
	    mcim_proto_dl_transcript(x->m1, x->m1_len, x->m2, x->m2_len, NULL, 0, th),
	    MCIM_OK);
	assert_int_equal(mcim_proto_m3_verify(x->m3, x->m3_len, &tr, x->m2v.txid, tre_id,
					      th, false, &m3, NULL, NULL),
			 MCIM_OK);
	assert_int_equal(m3.release.len, sizeof(rel));
	assert_memory_equal(m3.release.data, rel, sizeof(rel));

	memset(&av, 0, sizeof(av));
	assert_int_equal(call_attach(t, &av), MCIM_ERR_NOT_FOUND);
	net_free(x);
	tf_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_download),
	    cmocka_unit_test(test_m1_token),
	    cmocka_unit_test(test_m2_forged_replayed),
	    cmocka_unit_test(test_wrong_package),
	    cmocka_unit_test(test_retry_idempotent),
	    cmocka_unit_test(test_mgmt_signed),
	    cmocka_unit_test(test_attach),
	    cmocka_unit_test(test_install_interrupted),
	    cmocka_unit_test(test_release_and_no_mcim),
	};

	return cmocka_run_group_tests(tests, tf_setup_pki, tf_teardown_pki);
}
