/*
 * The table of algorithm sets and the entry points that dispatch through it. This is
 * the only place that knows which sets exist.
 */
#include <string.h>

#include "aka_int.h"
#include "core/check.h"
#include "mcim/bytes.h"

static const struct mcim_aka_alg *const alg_table[] = {
    &aka_milenage,
    &aka_tuak,
};

const struct mcim_aka_alg *mcim_aka_alg_find(enum mcim_aka_alg_id id)
{
	for (size_t i = 0; i < sizeof(alg_table) / sizeof(alg_table[0]); i++)
		if (alg_table[i]->id == id)
			return alg_table[i];
	return NULL;
}

const struct mcim_aka_alg *mcim_aka_alg_by_name(const char *name)
{
	MCIM_ASSERT(name != NULL);
	for (size_t i = 0; i < sizeof(alg_table) / sizeof(alg_table[0]); i++)
		if (strcmp(alg_table[i]->name, name) == 0)
			return alg_table[i];
	return NULL;
}

mcim_err mcim_aka_prepare(struct mcim_aka_keyctx *kc, const struct mcim_aka_cred *cred)
{
	const struct mcim_aka_alg *alg;
	mcim_err err;

	MCIM_ASSERT(kc != NULL && cred != NULL);
	alg = mcim_aka_alg_find(cred->alg);
	if (alg == NULL)
		return MCIM_ERR_UNSUPPORTED;
	err = alg->check(cred);
	if (err != MCIM_OK)
		return err;
	kc->alg = alg;
	alg->prepare(kc, cred);
	return MCIM_OK;
}

mcim_err mcim_aka_compute(const struct mcim_aka_keyctx *kc, unsigned fns,
			  const uint8_t rand[MCIM_AKA_RAND_LEN],
			  const uint8_t sqn[MCIM_AKA_SQN_LEN],
			  const uint8_t amf[MCIM_AKA_AMF_LEN], struct mcim_aka_out *out)
{
	MCIM_ASSERT(kc != NULL && kc->alg != NULL && rand != NULL && out != NULL);
	MCIM_ASSERT(!(fns & (MCIM_AKA_F1 | MCIM_AKA_F1STAR)) ||
		    (sqn != NULL && amf != NULL));
	return kc->alg->compute(kc, fns, rand, sqn, amf, out);
}

void mcim_aka_cred_wipe(struct mcim_aka_cred *cred)
{
	mcim_wipe(cred, sizeof(*cred));
}

void mcim_aka_out_wipe(struct mcim_aka_out *out)
{
	mcim_wipe(out, sizeof(*out));
}

void mcim_aka_keyctx_wipe(struct mcim_aka_keyctx *kc)
{
	mcim_wipe(kc, sizeof(*kc));
}
