/*
 * The MCIM profile (include/mcim/profile.h): validation, the key check value, and
 * the strict CBOR codec the CCIF encodes with and the TRE decodes with. The decoder
 * reads every key in the one order the format allows (an unknown, missing or
 * repeated key is a parse error), copies strings into the fixed-size structure, and
 * only then runs the same semantic check as the encoder, so both ends agree on what
 * a valid MCIM is. Everything secret passes through a local profile or key context
 * that is wiped on every path.
 */
#include "mcim/profile.h"

#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"
#include "mcim/cert.h"
#include "mcim/crypto.h"

#define KCV_LABEL "mcim/profile/kcv"

/* Keys of the profile map and its inner maps (see the header). */
enum {
	P_FORMAT = 0,
	P_ID,
	P_VERSION,
	P_IMSI,
	P_SHO,
	P_ALG,
	P_KCV,
	P_AMF,
	P_SQN,
	P_PLMN,
	P_POLICY,
	P_CERT,
	P_COUNT
};
enum { A_ID = 0, A_K, A_OPC, A_R, A_C, A_TOPC, A_MAC, A_RES, A_CK, A_IK, A_ITER };
enum { S_IND = 0, S_DELTA, S_AGE, S_INIT, S_COUNT };
enum { L_OPER = 0, L_FORBIDDEN, L_EHPLMN, L_COUNT };
enum { Y_ALLOWED = 0, Y_LOCK, Y_SHARE, Y_TAMPER, Y_MAXMAC, Y_AUTO, Y_COUNT };

void mcim_profile_wipe(struct mcim_profile *p)
{
	MCIM_ASSERT(p != NULL);
	mcim_wipe(p, sizeof(*p));
}

void mcim_policy_default(struct mcim_policy *policy)
{
	MCIM_ASSERT(policy != NULL);
	memset(policy, 0, sizeof(*policy));
	policy->allowed = MCIM_POLICY_ALLOW_ALL;
	policy->on_tamper = MCIM_TAMPER_SUSPEND;
	policy->max_mac_failures = 3;
}

mcim_err mcim_policy_check(const struct mcim_policy *policy)
{
	MCIM_ASSERT(policy != NULL);
	if ((policy->allowed & ~(uint32_t)MCIM_POLICY_ALLOW_ALL) != 0)
		return MCIM_ERR_INVALID_ARG;
	if (policy->lock_until < 0)
		return MCIM_ERR_INVALID_ARG;
	switch (policy->on_tamper) {
	case MCIM_TAMPER_NONE:
	case MCIM_TAMPER_SUSPEND:
	case MCIM_TAMPER_WIPE:
		return MCIM_OK;
	}
	return MCIM_ERR_INVALID_ARG;
}

void mcim_policy_write(struct mcim_cbor_writer *w, const struct mcim_policy *policy)
{
	MCIM_ASSERT(w != NULL && policy != NULL);
	mcim_cbor_put_map(w, Y_COUNT);
	mcim_cbor_put_uint(w, Y_ALLOWED);
	mcim_cbor_put_uint(w, policy->allowed);
	mcim_cbor_put_uint(w, Y_LOCK);
	mcim_cbor_put_int(w, policy->lock_until);
	mcim_cbor_put_uint(w, Y_SHARE);
	mcim_cbor_put_bool(w, policy->share_functions);
	mcim_cbor_put_uint(w, Y_TAMPER);
	mcim_cbor_put_uint(w, (uint64_t)policy->on_tamper);
	mcim_cbor_put_uint(w, Y_MAXMAC);
	mcim_cbor_put_uint(w, policy->max_mac_failures);
	mcim_cbor_put_uint(w, Y_AUTO);
	mcim_cbor_put_bool(w, policy->auto_activate);
}

/* ---- decoding helpers ---- */

/* Opens a map that must hold exactly pairs pairs. */
static mcim_err open_map(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
			 size_t pairs)
{
	struct mcim_cbor_reader save = *r;
	mcim_err err = mcim_cbor_map_open(r, m);

	if (err == MCIM_OK && m->left != pairs) {
		*r = save;
		err = MCIM_ERR_PARSE;
	}
	return err;
}

/* The next key, which must be want: any other is unknown or out of place. */
static mcim_err key(struct mcim_cbor_reader *r, struct mcim_cbor_map *m, int64_t want)
{
	int64_t k;
	mcim_err err;

	if (!mcim_cbor_map_more(m))
		return MCIM_ERR_PARSE;
	err = mcim_cbor_map_key_int(r, m, &k);
	if (err == MCIM_OK && k != want)
		err = MCIM_ERR_PARSE;
	return err;
}

static mcim_err read_u64_max(struct mcim_cbor_reader *r, uint64_t max, uint64_t *v)
{
	mcim_err err = mcim_cbor_read_uint(r, v);

	if (err == MCIM_OK && *v > max)
		err = MCIM_ERR_INVALID_ARG;
	return err;
}

static mcim_err read_fixed(struct mcim_cbor_reader *r, uint8_t *out, size_t len)
{
	const uint8_t *d;
	size_t n;
	mcim_err err = mcim_cbor_read_bstr(r, &d, &n);

	if (err != MCIM_OK)
		return err;
	if (n != len)
		return MCIM_ERR_INVALID_ARG;
	memcpy(out, d, len);
	return MCIM_OK;
}

/* A text string of at most max characters, copied NUL-terminated. */
static mcim_err read_text(struct mcim_cbor_reader *r, char *out, size_t max)
{
	const char *s;
	size_t n;
	mcim_err err = mcim_cbor_read_tstr(r, &s, &n);

	if (err != MCIM_OK)
		return err;
	if (n > max)
		return MCIM_ERR_TOO_LARGE;
	memcpy(out, s, n);
	out[n] = '\0';
	return MCIM_OK;
}

mcim_err mcim_policy_read(struct mcim_cbor_reader *r, struct mcim_policy *policy)
{
	struct mcim_cbor_reader save = *r;
	struct mcim_cbor_map m;
	struct mcim_policy p;
	uint64_t v;
	mcim_err err;

	MCIM_ASSERT(r != NULL && policy != NULL);
	memset(&p, 0, sizeof(p));
	err = open_map(r, &m, Y_COUNT);
	if (err == MCIM_OK)
		err = key(r, &m, Y_ALLOWED);
	if (err == MCIM_OK)
		err = read_u64_max(r, UINT32_MAX, &v);
	if (err == MCIM_OK) {
		p.allowed = (uint32_t)v;
		err = key(r, &m, Y_LOCK);
	}
	if (err == MCIM_OK)
		err = mcim_cbor_read_int(r, &p.lock_until);
	if (err == MCIM_OK)
		err = key(r, &m, Y_SHARE);
	if (err == MCIM_OK)
		err = mcim_cbor_read_bool(r, &p.share_functions);
	if (err == MCIM_OK)
		err = key(r, &m, Y_TAMPER);
	if (err == MCIM_OK)
		err = read_u64_max(r, MCIM_TAMPER_WIPE, &v);
	if (err == MCIM_OK) {
		p.on_tamper = (enum mcim_tamper_response)v;
		err = key(r, &m, Y_MAXMAC);
	}
	if (err == MCIM_OK)
		err = read_u64_max(r, UINT16_MAX, &v);
	if (err == MCIM_OK) {
		p.max_mac_failures = (uint16_t)v;
		err = key(r, &m, Y_AUTO);
	}
	if (err == MCIM_OK)
		err = mcim_cbor_read_bool(r, &p.auto_activate);
	if (err == MCIM_OK)
		err = mcim_policy_check(&p);
	if (err != MCIM_OK) {
		*r = save;
		return err;
	}
	*policy = p;
	return MCIM_OK;
}

/* ---- validation ---- */

static int all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int operator_ok(const char *id)
{
	return all_digits(id, 5, MCIM_PROFILE_OPERATOR_MAX);
}

mcim_err mcim_profile_kcv(const struct mcim_aka_cred *cred,
			  uint8_t kcv[MCIM_PROFILE_KCV_LEN])
{
	static const uint8_t zero[MCIM_AKA_RAND_LEN];
	struct mcim_aka_keyctx kc;
	struct mcim_aka_out o;
	uint8_t h[MCIM_SHA256_LEN];
	mcim_err err;

	MCIM_ASSERT(cred != NULL && kcv != NULL);
	memset(&o, 0, sizeof(o));
	err = mcim_aka_prepare(&kc, cred);
	if (err == MCIM_OK)
		err = mcim_aka_compute(&kc, MCIM_AKA_F1 | MCIM_AKA_F2345, zero, zero,
				       zero, &o);
	if (err == MCIM_OK) {
		const struct mcim_iov parts[5] = {{KCV_LABEL, sizeof(KCV_LABEL) - 1},
						  {o.mac_a, o.mac_len},
						  {o.res, o.res_len},
						  {o.ck, o.ck_len},
						  {o.ik, o.ik_len}};
		err = mcim_sha256_v(parts, 5, h);
	}
	if (err == MCIM_OK)
		memcpy(kcv, h, MCIM_PROFILE_KCV_LEN);
	mcim_wipe(h, sizeof(h));
	mcim_aka_out_wipe(&o);
	mcim_aka_keyctx_wipe(&kc);
	return err;
}

mcim_err mcim_profile_set_op(struct mcim_profile *p, const uint8_t *op, size_t op_len)
{
	MCIM_ASSERT(p != NULL && op != NULL);
	switch (p->cred.alg) {
	case MCIM_AKA_MILENAGE:
		if (op_len != 16 || p->cred.k_len != 16)
			return MCIM_ERR_INVALID_ARG;
		return mcim_milenage_opc(p->cred.k, op, p->cred.opc);
	case MCIM_AKA_TUAK:
		if (op_len != 32)
			return MCIM_ERR_INVALID_ARG;
		return mcim_tuak_topc(p->cred.k, p->cred.k_len, op,
				      p->cred.params.tuak.keccak_iterations, p->cred.opc);
	}
	return MCIM_ERR_INVALID_ARG;
}

static mcim_err cred_check(const struct mcim_profile *p)
{
	const struct mcim_aka_alg *alg = mcim_aka_alg_find(p->cred.alg);
	uint8_t kcv[MCIM_PROFILE_KCV_LEN];
	mcim_err err;
	int same;

	if (alg == NULL || alg->check(&p->cred) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	err = mcim_profile_kcv(&p->cred, kcv);
	if (err != MCIM_OK)
		return err;
	same = mcim_ct_equal(kcv, p->kcv, sizeof(kcv));
	mcim_wipe(kcv, sizeof(kcv));
	return same ? MCIM_OK : MCIM_ERR_INVALID_ARG;
}

static mcim_err plmn_check(const struct mcim_plmn_list *l)
{
	if (l->n > MCIM_PROFILE_PLMN_MAX)
		return MCIM_ERR_INVALID_ARG;
	for (size_t i = 0; i < l->n; i++)
		if (!operator_ok(l->id[i]))
			return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

static mcim_err cert_check(const struct mcim_profile *p)
{
	struct mcim_cert_info ci;

	if (p->mgmt_cert_len == 0 || p->mgmt_cert_len > MCIM_PROFILE_CERT_MAX)
		return MCIM_ERR_INVALID_ARG;
	if (mcim_cert_parse(p->mgmt_cert, p->mgmt_cert_len, &ci, NULL) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	if (ci.role != MCIM_CERT_ROLE_SHO_MGMT || strcmp(ci.operator_id, p->sho) != 0)
		return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

mcim_err mcim_profile_check(const struct mcim_profile *p)
{
	struct mcim_sqn_ms ms;
	mcim_err err;

	MCIM_ASSERT(p != NULL);
	if (p->version == 0 || !operator_ok(p->sho) ||
	    !all_digits(p->imsi, MCIM_PROFILE_IMSI_MIN, MCIM_PROFILE_IMSI_MAX))
		return MCIM_ERR_INVALID_ARG;
	/* R-MCIM-C01: the IMSI is the SHO's: it starts with its MCC+MNC. */
	if (strncmp(p->imsi, p->sho, strlen(p->sho)) != 0)
		return MCIM_ERR_INVALID_ARG;
	if (mcim_sqn_cfg_check(&p->sqn) != MCIM_OK || p->sqn_init > MCIM_SQN_MAX ||
	    mcim_sqn_ms_init_at(&p->sqn, &ms, p->sqn_init) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	if (plmn_check(&p->plmn_oper) != MCIM_OK ||
	    plmn_check(&p->plmn_forbidden) != MCIM_OK ||
	    plmn_check(&p->plmn_ehplmn) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	if (mcim_policy_check(&p->policy) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	err = cert_check(p);
	if (err == MCIM_OK)
		err = cred_check(p);
	return err;
}

/* ---- encoding ---- */

static void put_alg(struct mcim_cbor_writer *w, const struct mcim_aka_cred *c)
{
	if (c->alg == MCIM_AKA_MILENAGE) {
		const struct mcim_milenage_consts *mc = &c->params.milenage;

		mcim_cbor_put_map(w, 5);
		mcim_cbor_put_uint(w, A_ID);
		mcim_cbor_put_uint(w, MCIM_AKA_MILENAGE);
		mcim_cbor_put_uint(w, A_K);
		mcim_cbor_put_bstr(w, c->k, c->k_len);
		mcim_cbor_put_uint(w, A_OPC);
		mcim_cbor_put_bstr(w, c->opc, 16);
		mcim_cbor_put_uint(w, A_R);
		mcim_cbor_put_array(w, 5);
		for (int i = 0; i < 5; i++)
			mcim_cbor_put_uint(w, mc->r[i]);
		mcim_cbor_put_uint(w, A_C);
		mcim_cbor_put_array(w, 5);
		for (int i = 0; i < 5; i++)
			mcim_cbor_put_bstr(w, mc->c[i], 16);
	} else {
		const struct mcim_tuak_params *tp = &c->params.tuak;

		mcim_cbor_put_map(w, 8);
		mcim_cbor_put_uint(w, A_ID);
		mcim_cbor_put_uint(w, MCIM_AKA_TUAK);
		mcim_cbor_put_uint(w, A_K);
		mcim_cbor_put_bstr(w, c->k, c->k_len);
		mcim_cbor_put_uint(w, A_TOPC);
		mcim_cbor_put_bstr(w, c->opc, 32);
		mcim_cbor_put_uint(w, A_MAC);
		mcim_cbor_put_uint(w, tp->mac_bits);
		mcim_cbor_put_uint(w, A_RES);
		mcim_cbor_put_uint(w, tp->res_bits);
		mcim_cbor_put_uint(w, A_CK);
		mcim_cbor_put_uint(w, tp->ck_bits);
		mcim_cbor_put_uint(w, A_IK);
		mcim_cbor_put_uint(w, tp->ik_bits);
		mcim_cbor_put_uint(w, A_ITER);
		mcim_cbor_put_uint(w, tp->keccak_iterations);
	}
}

static void put_plmns(struct mcim_cbor_writer *w, const struct mcim_plmn_list *l)
{
	mcim_cbor_put_array(w, l->n);
	for (size_t i = 0; i < l->n; i++)
		mcim_cbor_put_cstr(w, l->id[i]);
}

mcim_err mcim_profile_encode(const struct mcim_profile *p, uint8_t *out, size_t cap,
			     size_t *len)
{
	struct mcim_cbor_writer w;
	mcim_err err;

	MCIM_ASSERT(p != NULL && len != NULL && (out != NULL || cap == 0));
	err = mcim_profile_check(p);
	if (err != MCIM_OK)
		return err;
	mcim_cbor_writer_init(&w, out, cap);
	mcim_cbor_put_map(&w, P_COUNT);
	mcim_cbor_put_uint(&w, P_FORMAT);
	mcim_cbor_put_uint(&w, MCIM_PROFILE_FORMAT);
	mcim_cbor_put_uint(&w, P_ID);
	mcim_cbor_put_bstr(&w, p->id, sizeof(p->id));
	mcim_cbor_put_uint(&w, P_VERSION);
	mcim_cbor_put_uint(&w, p->version);
	mcim_cbor_put_uint(&w, P_IMSI);
	mcim_cbor_put_cstr(&w, p->imsi);
	mcim_cbor_put_uint(&w, P_SHO);
	mcim_cbor_put_cstr(&w, p->sho);
	mcim_cbor_put_uint(&w, P_ALG);
	put_alg(&w, &p->cred);
	mcim_cbor_put_uint(&w, P_KCV);
	mcim_cbor_put_bstr(&w, p->kcv, sizeof(p->kcv));
	mcim_cbor_put_uint(&w, P_AMF);
	mcim_cbor_put_bstr(&w, p->amf, sizeof(p->amf));
	mcim_cbor_put_uint(&w, P_SQN);
	mcim_cbor_put_map(&w, S_COUNT);
	mcim_cbor_put_uint(&w, S_IND);
	mcim_cbor_put_uint(&w, p->sqn.ind_bits);
	mcim_cbor_put_uint(&w, S_DELTA);
	mcim_cbor_put_uint(&w, p->sqn.delta);
	mcim_cbor_put_uint(&w, S_AGE);
	mcim_cbor_put_uint(&w, p->sqn.age_limit);
	mcim_cbor_put_uint(&w, S_INIT);
	mcim_cbor_put_uint(&w, p->sqn_init);
	mcim_cbor_put_uint(&w, P_PLMN);
	mcim_cbor_put_map(&w, L_COUNT);
	mcim_cbor_put_uint(&w, L_OPER);
	put_plmns(&w, &p->plmn_oper);
	mcim_cbor_put_uint(&w, L_FORBIDDEN);
	put_plmns(&w, &p->plmn_forbidden);
	mcim_cbor_put_uint(&w, L_EHPLMN);
	put_plmns(&w, &p->plmn_ehplmn);
	mcim_cbor_put_uint(&w, P_POLICY);
	mcim_policy_write(&w, &p->policy);
	mcim_cbor_put_uint(&w, P_CERT);
	mcim_cbor_put_bstr(&w, p->mgmt_cert, p->mgmt_cert_len);
	err = mcim_cbor_writer_finish(&w, len);
	if (err != MCIM_OK)
		mcim_wipe(out, cap);
	return err;
}

/* ---- decoding ---- */

static mcim_err read_r(struct mcim_cbor_reader *r, struct mcim_milenage_consts *mc)
{
	size_t n;
	uint64_t v;
	mcim_err err = mcim_cbor_read_array(r, &n);

	if (err == MCIM_OK && n != 5)
		err = MCIM_ERR_PARSE;
	for (size_t i = 0; i < 5 && err == MCIM_OK; i++) {
		err = read_u64_max(r, 127, &v);
		if (err == MCIM_OK)
			mc->r[i] = (uint8_t)v;
	}
	return err;
}

static mcim_err read_c(struct mcim_cbor_reader *r, struct mcim_milenage_consts *mc)
{
	size_t n;
	mcim_err err = mcim_cbor_read_array(r, &n);

	if (err == MCIM_OK && n != 5)
		err = MCIM_ERR_PARSE;
	for (size_t i = 0; i < 5 && err == MCIM_OK; i++)
		err = read_fixed(r, mc->c[i], 16);
	return err;
}

static mcim_err read_k(struct mcim_cbor_reader *r, struct mcim_aka_cred *c)
{
	const uint8_t *d;
	size_t n;
	mcim_err err = mcim_cbor_read_bstr(r, &d, &n);

	if (err != MCIM_OK)
		return err;
	if (n != 16 && n != 32)
		return MCIM_ERR_INVALID_ARG;
	memcpy(c->k, d, n);
	c->k_len = (uint8_t)n;
	return MCIM_OK;
}

/* TUAK's lengths and iterations, keys A_MAC..A_ITER. */
static mcim_err read_tuak(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
			  struct mcim_tuak_params *tp)
{
	uint16_t *bits[4] = {&tp->mac_bits, &tp->res_bits, &tp->ck_bits, &tp->ik_bits};
	uint64_t v;
	mcim_err err = MCIM_OK;

	for (int i = 0; i < 4 && err == MCIM_OK; i++) {
		err = key(r, m, A_MAC + i);
		if (err == MCIM_OK)
			err = read_u64_max(r, 256, &v);
		if (err == MCIM_OK)
			*bits[i] = (uint16_t)v;
	}
	if (err == MCIM_OK)
		err = key(r, m, A_ITER);
	if (err == MCIM_OK)
		err = read_u64_max(r, 255, &v);
	if (err == MCIM_OK)
		tp->keccak_iterations = (uint8_t)v;
	return err;
}

static mcim_err read_alg(struct mcim_cbor_reader *r, struct mcim_aka_cred *c)
{
	struct mcim_cbor_map m;
	uint64_t id;
	mcim_err err = mcim_cbor_map_open(r, &m);

	if (err == MCIM_OK)
		err = key(r, &m, A_ID);
	if (err == MCIM_OK)
		err = mcim_cbor_read_uint(r, &id);
	if (err != MCIM_OK)
		return err;
	if (id == MCIM_AKA_MILENAGE) {
		if (m.left != 4)
			return MCIM_ERR_PARSE;
		c->alg = MCIM_AKA_MILENAGE;
		err = key(r, &m, A_K);
		if (err == MCIM_OK)
			err = read_k(r, c);
		if (err == MCIM_OK)
			err = key(r, &m, A_OPC);
		if (err == MCIM_OK)
			err = read_fixed(r, c->opc, 16);
		if (err == MCIM_OK)
			err = key(r, &m, A_R);
		if (err == MCIM_OK)
			err = read_r(r, &c->params.milenage);
		if (err == MCIM_OK)
			err = key(r, &m, A_C);
		if (err == MCIM_OK)
			err = read_c(r, &c->params.milenage);
		return err;
	}
	if (id == MCIM_AKA_TUAK) {
		if (m.left != 7)
			return MCIM_ERR_PARSE;
		c->alg = MCIM_AKA_TUAK;
		err = key(r, &m, A_K);
		if (err == MCIM_OK)
			err = read_k(r, c);
		if (err == MCIM_OK)
			err = key(r, &m, A_TOPC);
		if (err == MCIM_OK)
			err = read_fixed(r, c->opc, 32);
		if (err == MCIM_OK)
			err = read_tuak(r, &m, &c->params.tuak);
		return err;
	}
	return MCIM_ERR_UNSUPPORTED;
}

static mcim_err read_sqn(struct mcim_cbor_reader *r, struct mcim_profile *p)
{
	struct mcim_cbor_map m;
	uint64_t v;
	mcim_err err = open_map(r, &m, S_COUNT);

	if (err == MCIM_OK)
		err = key(r, &m, S_IND);
	if (err == MCIM_OK)
		err = read_u64_max(r, MCIM_SQN_IND_BITS_MAX, &v);
	if (err == MCIM_OK) {
		p->sqn.ind_bits = (uint8_t)v;
		err = key(r, &m, S_DELTA);
	}
	if (err == MCIM_OK)
		err = read_u64_max(r, MCIM_SQN_MAX, &p->sqn.delta);
	if (err == MCIM_OK)
		err = key(r, &m, S_AGE);
	if (err == MCIM_OK)
		err = read_u64_max(r, MCIM_SQN_MAX, &p->sqn.age_limit);
	if (err == MCIM_OK)
		err = key(r, &m, S_INIT);
	if (err == MCIM_OK)
		err = read_u64_max(r, MCIM_SQN_MAX, &p->sqn_init);
	return err;
}

static mcim_err read_plmn_list(struct mcim_cbor_reader *r, struct mcim_plmn_list *l)
{
	size_t n;
	mcim_err err = mcim_cbor_read_array(r, &n);

	if (err == MCIM_OK && n > MCIM_PROFILE_PLMN_MAX)
		err = MCIM_ERR_TOO_LARGE;
	for (size_t i = 0; i < n && err == MCIM_OK; i++)
		err = read_text(r, l->id[i], MCIM_PROFILE_OPERATOR_MAX);
	if (err == MCIM_OK)
		l->n = (uint8_t)n;
	return err;
}

static mcim_err read_plmns(struct mcim_cbor_reader *r, struct mcim_profile *p)
{
	struct mcim_plmn_list *lists[L_COUNT] = {&p->plmn_oper, &p->plmn_forbidden,
						 &p->plmn_ehplmn};
	struct mcim_cbor_map m;
	mcim_err err = open_map(r, &m, L_COUNT);

	for (int i = 0; i < L_COUNT && err == MCIM_OK; i++) {
		err = key(r, &m, i);
		if (err == MCIM_OK)
			err = read_plmn_list(r, lists[i]);
	}
	return err;
}

static mcim_err read_cert(struct mcim_cbor_reader *r, struct mcim_profile *p)
{
	const uint8_t *d;
	size_t n;
	mcim_err err = mcim_cbor_read_bstr(r, &d, &n);

	if (err != MCIM_OK)
		return err;
	if (n > MCIM_PROFILE_CERT_MAX)
		return MCIM_ERR_TOO_LARGE;
	memcpy(p->mgmt_cert, d, n);
	p->mgmt_cert_len = n;
	return MCIM_OK;
}

/* Everything up to the algorithm map. */
static mcim_err read_head(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
			  struct mcim_profile *p)
{
	uint64_t v;
	mcim_err err = key(r, m, P_FORMAT);

	if (err == MCIM_OK)
		err = mcim_cbor_read_uint(r, &v);
	if (err == MCIM_OK && v != MCIM_PROFILE_FORMAT)
		err = MCIM_ERR_UNSUPPORTED;
	if (err == MCIM_OK)
		err = key(r, m, P_ID);
	if (err == MCIM_OK)
		err = read_fixed(r, p->id, sizeof(p->id));
	if (err == MCIM_OK)
		err = key(r, m, P_VERSION);
	if (err == MCIM_OK)
		err = read_u64_max(r, UINT32_MAX, &v);
	if (err == MCIM_OK) {
		p->version = (uint32_t)v;
		err = key(r, m, P_IMSI);
	}
	if (err == MCIM_OK)
		err = read_text(r, p->imsi, MCIM_PROFILE_IMSI_MAX);
	if (err == MCIM_OK)
		err = key(r, m, P_SHO);
	if (err == MCIM_OK)
		err = read_text(r, p->sho, MCIM_PROFILE_OPERATOR_MAX);
	return err;
}

static mcim_err read_profile(struct mcim_cbor_reader *r, struct mcim_profile *p)
{
	struct mcim_cbor_map m;
	mcim_err err = open_map(r, &m, P_COUNT);

	if (err == MCIM_OK)
		err = read_head(r, &m, p);
	if (err == MCIM_OK)
		err = key(r, &m, P_ALG);
	if (err == MCIM_OK)
		err = read_alg(r, &p->cred);
	if (err == MCIM_OK)
		err = key(r, &m, P_KCV);
	if (err == MCIM_OK)
		err = read_fixed(r, p->kcv, sizeof(p->kcv));
	if (err == MCIM_OK)
		err = key(r, &m, P_AMF);
	if (err == MCIM_OK)
		err = read_fixed(r, p->amf, sizeof(p->amf));
	if (err == MCIM_OK)
		err = key(r, &m, P_SQN);
	if (err == MCIM_OK)
		err = read_sqn(r, p);
	if (err == MCIM_OK)
		err = key(r, &m, P_PLMN);
	if (err == MCIM_OK)
		err = read_plmns(r, p);
	if (err == MCIM_OK)
		err = key(r, &m, P_POLICY);
	if (err == MCIM_OK)
		err = mcim_policy_read(r, &p->policy);
	if (err == MCIM_OK)
		err = key(r, &m, P_CERT);
	if (err == MCIM_OK)
		err = read_cert(r, p);
	return err;
}

mcim_err mcim_profile_decode(const uint8_t *buf, size_t len, struct mcim_profile *out)
{
	struct mcim_cbor_reader r;
	mcim_err err;

	MCIM_ASSERT(out != NULL && (buf != NULL || len == 0));
	memset(out, 0, sizeof(*out));
	mcim_cbor_reader_init(&r, buf, len);
	err = read_profile(&r, out);
	if (err == MCIM_OK && mcim_cbor_remaining(&r) != 0)
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK)
		err = mcim_profile_check(out);
	if (err != MCIM_OK)
		mcim_profile_wipe(out);
	return err;
}
