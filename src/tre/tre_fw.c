/*
 * Secure boot and firmware updates, as the TRE core drives them (R-TRE-G02,
 * R-TRE-G10, R-PRC-601/602). The manifests live in the sealed store: fw/cur, the one
 * confirmed, and fw/new, one accepted by fw-update and not yet confirmed. A boot tries
 * fw/new first; if that boot is BAD the TRE reverts to fw/cur at once (the retry is
 * bounded to one attempt) and drops fw/new. The anti-rollback floor (fw/state) is
 * raised only by fw-confirm, after a GOOD boot with the new manifest: advancing it
 * earlier would make a revert impossible (MCUboot's lesson in lessons.md).
 *
 * fw/state: floor (4, BE) || sequence of fw/cur (4, BE) || trial flag (1).
 */
#include "tre/tre_int.h"

#include <stdio.h>
#include <string.h>

#include "core/endian.h"
#include "mcim/bytes.h"
#include "mcim/manifest.h"

#define FW_STATE_LEN 9
/* Scratch layout during a boot: CI root, fw/cur, fw/new, then file contents. */
#define SCR_CI	   0
#define SCR_CUR	   (SCR_CI + MCIM_CERT_MAX_LEN)
#define SCR_NEW	   (SCR_CUR + TRE_STORE_VALUE_MAX)
#define SCR_WORK   (SCR_NEW + TRE_STORE_VALUE_MAX)
#define SCR_WORK_N (TRE_SCRATCH - SCR_WORK)

_Static_assert(SCR_WORK < TRE_SCRATCH, "scratch holds the boot's inputs");

struct fw_state {
	uint32_t floor, sequence;
	bool trial;
};

static uint32_t load_be32(const uint8_t b[4])
{
	return (uint32_t)mcim_load_be16(b) << 16 | mcim_load_be16(b + 2);
}

static void store_be32(uint8_t b[4], uint32_t v)
{
	mcim_store_be16(b, (uint16_t)(v >> 16));
	mcim_store_be16(b + 2, (uint16_t)v);
}

static void fw_state_get(struct tre_int *t, struct fw_state *s)
{
	uint8_t v[FW_STATE_LEN];
	size_t len;

	memset(s, 0, sizeof(*s));
	if (tre_store_get(&t->st, TRE_KEY_FW_ST, strlen(TRE_KEY_FW_ST), v, sizeof(v),
			  &len) != MCIM_OK ||
	    len != sizeof(v))
		return;
	s->floor = load_be32(v);
	s->sequence = load_be32(v + 4);
	s->trial = v[8] != 0;
}

static mcim_err fw_state_put(struct tre_int *t, const struct fw_state *s)
{
	uint8_t v[FW_STATE_LEN];

	store_be32(v, s->floor);
	store_be32(v + 4, s->sequence);
	v[8] = s->trial ? 1 : 0;
	return tre_store_put(&t->st, TRE_KEY_FW_ST, strlen(TRE_KEY_FW_ST), v, sizeof(v));
}

void tre_fw_info(struct tre_int *t, uint32_t *floor, uint32_t *sequence, bool *pending)
{
	struct fw_state s;
	size_t len;

	fw_state_get(t, &s);
	*floor = s.floor;
	*sequence = s.sequence;
	*pending = tre_store_get(&t->st, TRE_KEY_FW_NEW, strlen(TRE_KEY_FW_NEW), NULL, 0,
				 &len) != MCIM_ERR_NOT_FOUND;
}

static mcim_err get_into(struct tre_int *t, const char *key, size_t off, size_t cap,
			 size_t *len)
{
	return tre_store_get(&t->st, key, strlen(key), t->scratch + off, cap, len);
}

static mcim_err run_boot(struct tre_int *t, const uint8_t *manifest, size_t manifest_len,
			 size_t ci_len, uint32_t floor)
{
	struct tre_boot_component comps[MCIM_TRE_COMPONENTS_MAX];
	struct tre_boot_config cfg = {0};

	for (size_t i = 0; i < t->n_components; i++) {
		comps[i].name = t->comp_name[i];
		comps[i].path = t->comp_path[i];
		comps[i].pcr = t->comp_pcr[i];
	}
	cfg.manifest = manifest;
	cfg.manifest_len = manifest_len;
	cfg.ci_root = t->scratch + SCR_CI;
	cfg.ci_root_len = ci_len;
	cfg.platform = t->model;
	cfg.min_security_version = floor;
	cfg.now = (time_t)tre_now(t);
	cfg.components = comps;
	cfg.n_components = t->n_components;
	cfg.work = t->scratch + SCR_WORK;
	cfg.work_cap = SCR_WORK_N;
	return tre_boot_run(&t->boot, &cfg);
}

/* A short account of a BAD boot for the audit log and the tamper report. */
static void bad_detail(const struct tre_boot *b, char *out, size_t cap)
{
	size_t off;

	if (b->manifest_reason != MCIM_BOOT_OK) {
		snprintf(out, cap, "manifest: %s",
			 mcim_boot_reason_name(b->manifest_reason));
		return;
	}
	off = (size_t)snprintf(out, cap, "components:");
	for (size_t i = 0; i < b->n_failed && off < cap; i++)
		off += (size_t)snprintf(out + off, cap - off, " %s %s", b->failed[i].name,
					mcim_boot_reason_name(b->failed[i].reason));
}

mcim_err tre_fw_boot(struct tre_int *t)
{
	struct fw_state s;
	struct tre_counters c;
	struct tre_mcim_change changes[TRE_MCIM_MAX];
	size_t ci_len = 0, cur_len = 0, new_len = 0, n;
	bool has_new;
	char detail[160];
	struct tre_ev ev = {.type = MCIM_AUDIT_EV_BOOT};
	mcim_err err;

	fw_state_get(t, &s);
	err = get_into(t, TRE_KEY_CI, SCR_CI, MCIM_CERT_MAX_LEN, &ci_len);
	if (err != MCIM_OK)
		return err == MCIM_ERR_NOT_FOUND ? MCIM_ERR_TAMPERED : err;
	err = get_into(t, TRE_KEY_FW_CUR, SCR_CUR, TRE_STORE_VALUE_MAX, &cur_len);
	if (err != MCIM_OK && err != MCIM_ERR_NOT_FOUND)
		return err;
	err = get_into(t, TRE_KEY_FW_NEW, SCR_NEW, TRE_STORE_VALUE_MAX, &new_len);
	if (err != MCIM_OK && err != MCIM_ERR_NOT_FOUND)
		return err;
	has_new = err == MCIM_OK;

	t->fw_trial = false;
	t->fw_reverted = false;
	if (has_new) {
		err = run_boot(t, t->scratch + SCR_NEW, new_len, ci_len, s.floor);
		if (err != MCIM_OK)
			return err;
		if (t->boot.state == MCIM_BOOT_GOOD) {
			t->fw_trial = true;
		} else {
			t->fw_reverted = true;
			bad_detail(&t->boot, detail, sizeof(detail));
		}
	}
	if (!t->fw_trial) {
		err = run_boot(t, cur_len > 0 ? t->scratch + SCR_CUR : NULL, cur_len,
			       ci_len, s.floor);
		if (err != MCIM_OK)
			return err;
	}
	t->state = t->boot.state == MCIM_BOOT_GOOD ? MCIM_TRE_READY : MCIM_TRE_BAD_BOOT;
	t->cause = t->state == MCIM_TRE_READY ? MCIM_OK : MCIM_ERR_BAD_BOOT;

	if (t->state == MCIM_TRE_BAD_BOOT) {
		bad_detail(&t->boot, detail, sizeof(detail));
		snprintf(t->cause_detail, sizeof(t->cause_detail), "%.60s", detail);
		ev.outcome = MCIM_ERR_BAD_BOOT;
	} else if (t->fw_reverted) {
		char why[160];

		memcpy(why, detail, sizeof(why));
		snprintf(detail, sizeof(detail),
			 "good, sequence %u; reverted from new: %.120s",
			 (unsigned)t->boot.manifest.sequence, why);
	} else {
		snprintf(detail, sizeof(detail), "good, sequence %u%s",
			 (unsigned)t->boot.manifest.sequence,
			 t->fw_trial ? " (trial)" : "");
	}
	ev.detail = detail;

	err = tre_tx_begin(t);
	if (err != MCIM_OK)
		return err;
	tre_counters_get(t, &c);
	c.boots++;
	if (t->state == MCIM_TRE_BAD_BOOT)
		c.tampers++;
	s.trial = t->fw_trial;
	err = tre_counters_put(t, &c);
	if (err == MCIM_OK)
		err = fw_state_put(t, &s);
	if (err == MCIM_OK && t->fw_reverted)
		err = tre_store_delete(&t->st, TRE_KEY_FW_NEW, strlen(TRE_KEY_FW_NEW));
	if (err == MCIM_OK && t->state == MCIM_TRE_BAD_BOOT)
		err = tre_registry_on_tamper(&t->st, t->tre_id, NULL, changes, &n);
	if (err != MCIM_OK) {
		tre_tx_abort(t);
		return err;
	}
	err = tre_tx_commit(t, &ev);
	if (err != MCIM_OK)
		return err;
	if (t->state == MCIM_TRE_BAD_BOOT)
		(void)tre_tamper_report(t, MCIM_ERR_BAD_BOOT, detail);
	return MCIM_OK;
}

/* ---- commands ---- */

mcim_err tre_cmd_fw_update(struct tre_int *t, const struct tre_args *a,
			   struct mcim_cbor_writer *res)
{
	struct mcim_manifest m;
	struct mcim_cert_info signer;
	struct fw_state s;
	size_t ci_len;
	char detail[96];
	struct tre_ev ev = {.type = TRE_EV_FW_ACCEPTED};
	mcim_err err;

	err = get_into(t, TRE_KEY_CI, SCR_CI, MCIM_CERT_MAX_LEN, &ci_len);
	if (err != MCIM_OK)
		return err;
	err = mcim_manifest_verify(a->v[0].data, a->v[0].len, t->scratch + SCR_CI, ci_len,
				   (time_t)tre_now(t), &m, &signer);
	if (err != MCIM_OK)
		return err;
	/* Compatibility: the same device model, and every component the device boots
	 * is in it (a manifest that leaves one out would stop the MCIMs' platform). */
	if (strcmp(m.platform, t->model) != 0)
		return MCIM_ERR_POLICY;
	for (size_t i = 0; i < t->n_components; i++)
		if (mcim_manifest_find(&m, t->comp_name[i]) == NULL)
			return MCIM_ERR_POLICY;
	fw_state_get(t, &s);
	if (m.sequence <= s.sequence || m.security_version < s.floor)
		return MCIM_ERR_ROLLBACK;

	err = tre_tx_begin(t);
	if (err != MCIM_OK)
		return err;
	s.trial = false;
	err = tre_store_put(&t->st, TRE_KEY_FW_NEW, strlen(TRE_KEY_FW_NEW), a->v[0].data,
			    a->v[0].len);
	if (err == MCIM_OK)
		err = fw_state_put(t, &s);
	if (err != MCIM_OK) {
		tre_tx_abort(t);
		return err;
	}
	snprintf(detail, sizeof(detail), "sequence %u, security version %u",
		 (unsigned)m.sequence, (unsigned)m.security_version);
	ev.detail = detail;
	err = tre_tx_commit(t, &ev);
	if (err != MCIM_OK)
		return err;
	t->fw_trial = false;
	mcim_cbor_put_map(res, 3);
	mcim_cbor_put_key_cstr(res, "state", "pending");
	mcim_cbor_put_key_uint(res, "sequence", m.sequence);
	mcim_cbor_put_key_uint(res, "security_version", m.security_version);
	return MCIM_OK;
}

mcim_err tre_cmd_fw_confirm(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *res)
{
	struct fw_state s;
	size_t len;
	char detail[96];
	struct tre_ev ev = {.type = TRE_EV_FW_CONFIRMED};
	const struct mcim_manifest *m = &t->boot.manifest;
	mcim_err err;

	(void)a;
	if (!t->fw_trial || t->state != MCIM_TRE_READY)
		return MCIM_ERR_STATE;
	err = get_into(t, TRE_KEY_FW_NEW, SCR_NEW, TRE_STORE_VALUE_MAX, &len);
	if (err != MCIM_OK)
		return err;
	err = tre_tx_begin(t);
	if (err != MCIM_OK)
		return err;
	fw_state_get(t, &s);
	if (m->security_version > s.floor)
		s.floor = m->security_version;
	s.sequence = m->sequence;
	s.trial = false;
	err = tre_store_put(&t->st, TRE_KEY_FW_CUR, strlen(TRE_KEY_FW_CUR),
			    t->scratch + SCR_NEW, len);
	if (err == MCIM_OK)
		err = tre_store_delete(&t->st, TRE_KEY_FW_NEW, strlen(TRE_KEY_FW_NEW));
	if (err == MCIM_OK)
		err = fw_state_put(t, &s);
	if (err != MCIM_OK) {
		tre_tx_abort(t);
		return err;
	}
	snprintf(detail, sizeof(detail), "sequence %u, floor %u", (unsigned)s.sequence,
		 (unsigned)s.floor);
	ev.detail = detail;
	err = tre_tx_commit(t, &ev);
	if (err != MCIM_OK)
		return err;
	t->fw_trial = false;
	mcim_cbor_put_map(res, 2);
	mcim_cbor_put_key_uint(res, "floor", s.floor);
	mcim_cbor_put_key_uint(res, "sequence", s.sequence);
	return MCIM_OK;
}

mcim_err tre_fw_install_first(struct tre_int *t, const uint8_t *manifest, size_t len,
			      const struct mcim_manifest *m)
{
	struct fw_state s = {m->security_version, m->sequence, false};
	mcim_err err;

	err =
	    tre_store_put(&t->st, TRE_KEY_FW_CUR, strlen(TRE_KEY_FW_CUR), manifest, len);
	if (err != MCIM_OK)
		return err;
	return fw_state_put(t, &s);
}
