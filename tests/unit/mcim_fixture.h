/*
 * Shared by the profile, management and registry tests: a test PKI (a CI root, the
 * management keys of two SHOs, certificates that must be refused) and MCIM profiles
 * with random credentials. Include after <cmocka.h>; everything is static so a test
 * that uses part of it compiles without warnings.
 */
#ifndef MCIM_TESTS_MCIM_FIXTURE_H
#define MCIM_TESTS_MCIM_FIXTURE_H

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mcim/cert.h"
#include "mcim/crypto.h"
#include "mcim/profile.h"
#include "mcim/rand.h"

#define FX_T0	((time_t)1700000000)
#define FX_YEAR ((time_t)365 * 24 * 3600)
#define FX_SHO	"00101"
#define FX_SHO2 "310410"

struct fx_party {
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub;
	struct mcim_cert_info info;
	uint8_t der[1024];
	size_t len;
};

static struct {
	struct fx_party ci, ci2;   /* the trusted root, and one nobody trusts */
	struct fx_party mgmt;	   /* sho-mgmt of FX_SHO */
	struct fx_party mgmt2;	   /* sho-mgmt of FX_SHO2 */
	struct fx_party dpf;	   /* dpf of FX_SHO: the wrong role */
	struct fx_party foreign;   /* sho-mgmt of FX_SHO under ci2 */
	struct fx_party shortmgmt; /* sho-mgmt of FX_SHO valid one day */
} fxp;

static inline void fx_issue(struct fx_party *p, const struct fx_party *issuer,
			    enum mcim_cert_role role, const char *op, time_t na)
{
	memset(&p->info, 0, sizeof(p->info));
	p->info.role = role;
	snprintf(p->info.common_name, sizeof(p->info.common_name), "test %d %s",
		 (int)role, op);
	snprintf(p->info.operator_id, sizeof(p->info.operator_id), "%s", op);
	p->info.not_before = FX_T0;
	p->info.not_after = na;
	assert_int_equal(mcim_p256_keygen(&p->priv, &p->pub), MCIM_OK);
	assert_int_equal(
	    mcim_cert_issue(&p->info, &p->pub, issuer ? &issuer->priv : &p->priv,
			    issuer ? issuer->der : NULL, issuer ? issuer->len : 0,
			    mcim_rng_system(), p->der, sizeof(p->der), &p->len),
	    MCIM_OK);
}

static inline void fx_pki(void)
{
	fx_issue(&fxp.ci, NULL, MCIM_CERT_ROLE_CI, "", FX_T0 + 20 * FX_YEAR);
	fx_issue(&fxp.ci2, NULL, MCIM_CERT_ROLE_CI, "", FX_T0 + 20 * FX_YEAR);
	fx_issue(&fxp.mgmt, &fxp.ci, MCIM_CERT_ROLE_SHO_MGMT, FX_SHO,
		 FX_T0 + 2 * FX_YEAR);
	fx_issue(&fxp.mgmt2, &fxp.ci, MCIM_CERT_ROLE_SHO_MGMT, FX_SHO2,
		 FX_T0 + 2 * FX_YEAR);
	fx_issue(&fxp.dpf, &fxp.ci, MCIM_CERT_ROLE_DPF, FX_SHO, FX_T0 + 2 * FX_YEAR);
	fx_issue(&fxp.foreign, &fxp.ci2, MCIM_CERT_ROLE_SHO_MGMT, FX_SHO,
		 FX_T0 + 2 * FX_YEAR);
	fx_issue(&fxp.shortmgmt, &fxp.ci, MCIM_CERT_ROLE_SHO_MGMT, FX_SHO,
		 FX_T0 + 24 * 3600);
}

static inline void fx_random(uint8_t *p, size_t n)
{
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), p, n), MCIM_OK);
}

/* A valid MILENAGE profile of sho (FX_SHO or FX_SHO2) with random K and OP, id
 * id_byte repeated, version 1. */
static inline void fx_profile(struct mcim_profile *p, uint8_t id_byte, const char *sho)
{
	const struct fx_party *m = strcmp(sho, FX_SHO) == 0 ? &fxp.mgmt : &fxp.mgmt2;
	uint8_t op[16];

	memset(p, 0, sizeof(*p));
	memset(p->id, id_byte, sizeof(p->id));
	p->version = 1;
	snprintf(p->sho, sizeof(p->sho), "%s", sho);
	snprintf(p->imsi, sizeof(p->imsi), "%s%09u", sho, 100u + id_byte);
	p->cred.alg = MCIM_AKA_MILENAGE;
	p->cred.k_len = 16;
	fx_random(p->cred.k, 16);
	mcim_milenage_default_consts(&p->cred.params.milenage);
	fx_random(op, sizeof(op));
	assert_int_equal(mcim_profile_set_op(p, op, sizeof(op)), MCIM_OK);
	assert_int_equal(mcim_profile_kcv(&p->cred, p->kcv), MCIM_OK);
	p->amf[0] = 0x80;
	mcim_sqn_cfg_default(&p->sqn);
	p->plmn_oper.n = 2;
	snprintf(p->plmn_oper.id[0], sizeof(p->plmn_oper.id[0]), "%s", sho);
	snprintf(p->plmn_oper.id[1], sizeof(p->plmn_oper.id[1]), "00102");
	p->plmn_forbidden.n = 1;
	snprintf(p->plmn_forbidden.id[0], sizeof(p->plmn_forbidden.id[0]), "99999");
	mcim_policy_default(&p->policy);
	memcpy(p->mgmt_cert, m->der, m->len);
	p->mgmt_cert_len = m->len;
}

/* 1 when needle (n octets) occurs in hay (len octets). */
static inline int fx_contains(const uint8_t *hay, size_t len, const uint8_t *needle,
			      size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

#endif
