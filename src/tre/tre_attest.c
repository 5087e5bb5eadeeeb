/*
 * Attestation (R-TRE-G12, R-PRC-201..203): evidence for the PVA's nonce, built from
 * the finished boot (boot.h decides what each validation mode reveals), the security
 * counters, the store generation and the registry summary, signed by the identity
 * key with the TRE's certificate chain (mcim/evidence.h gives the format).
 */
#include "tre/tre_int.h"

#include <string.h>

#include "mcim/evidence.h"

static mcim_err parse_mode(const struct tre_arg *a, enum mcim_evidence_mode *mode)
{
	static const struct {
		const char *name;
		enum mcim_evidence_mode mode;
	} modes[] = {
	    {"remote", MCIM_EVIDENCE_REMOTE},
	    {"autonomous", MCIM_EVIDENCE_AUTONOMOUS},
	    {"semi", MCIM_EVIDENCE_SEMI_AUTONOMOUS},
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strlen(modes[i].name) == a->len &&
		    memcmp(modes[i].name, a->data, a->len) == 0) {
			*mode = modes[i].mode;
			return MCIM_OK;
		}
	return MCIM_ERR_INVALID_ARG;
}

mcim_err tre_cmd_attest(struct tre_int *t, const struct tre_args *a,
			struct mcim_cbor_writer *w)
{
	struct mcim_evidence ev;
	struct tre_mcim_info infos[TRE_MCIM_MAX + TRE_MCIM_TOMBSTONES];
	struct tre_counters c;
	struct mcim_iov chain[2];
	enum mcim_evidence_mode mode;
	size_t n_chain, n, out_len;
	uint8_t *out = t->scratch + 2 * MCIM_CERT_MAX_LEN;
	mcim_err err;

	err = parse_mode(&a->v[1], &mode);
	if (err != MCIM_OK)
		return err;
	memset(&ev, 0, sizeof(ev));
	err = tre_boot_evidence(&t->boot, mode, &ev);
	if (err != MCIM_OK)
		return err;
	memcpy(ev.nonce, a->v[0].data, sizeof(ev.nonce));
	memcpy(ev.tre_id, t->tre_id_hex, sizeof(t->tre_id_hex));
	tre_counters_get(t, &c);
	ev.counters.boot_count = c.boots;
	ev.counters.tamper_count = c.tampers;
	ev.counters.failed_auths = c.failed_auths;
	ev.counters.store_generation = tre_store_generation(&t->st);
	err = tre_registry_list(&t->st, t->tre_id, infos,
				sizeof(infos) / sizeof(infos[0]), &n);
	if (err != MCIM_OK)
		return err;
	for (size_t i = 0; i < n && i < sizeof(infos) / sizeof(infos[0]) &&
			   ev.n_mcims < MCIM_EVIDENCE_MCIMS_MAX;
	     i++) {
		struct mcim_evidence_mcim *m = &ev.mcims[ev.n_mcims];

		if (infos[i].state == TRE_MCIM_DELETED)
			continue;
		memcpy(m->mcim_id, infos[i].id, sizeof(m->mcim_id));
		memcpy(m->sho, infos[i].sho, sizeof(m->sho));
		m->state = infos[i].state;
		ev.n_mcims++;
	}
	err = tre_chain(t, t->scratch, 2 * MCIM_CERT_MAX_LEN, chain, &n_chain);
	if (err == MCIM_OK && n_chain == 0)
		err = MCIM_ERR_STATE;
	if (err == MCIM_OK)
		err = mcim_evidence_sign(&ev, &t->id_priv, chain, n_chain, out,
					 TRE_SCRATCH - 2 * MCIM_CERT_MAX_LEN, &out_len);
	if (err != MCIM_OK)
		return err;
	mcim_cbor_put_map(w, 1);
	mcim_cbor_put_key_bstr(w, "evidence", out, out_len);
	return MCIM_OK;
}
