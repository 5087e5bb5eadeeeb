/*
 * Measured and secure boot inside the TRE (tre/boot.h). A boot is one pass: the
 * manifest is measured as given and verified, then each component is measured in
 * the configured order and judged against the verified manifest. Every failure is
 * recorded with its own reason instead of stopping at the first, so that a device
 * maker (and a semi-autonomous PVA) learns everything that is wrong from one boot.
 *
 * Only failures of the machinery itself (hashing, OpenSSL out of memory) end the run
 * with an error and no verdict: reporting them as a bad manifest or an unreadable
 * component would send a remediation after a fault that is not in the firmware.
 */
#include "tre/boot.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/check.h"

static const char manifest_event_name[] = "manifest";

static int machinery_error(mcim_err err)
{
	return err == MCIM_ERR_CRYPTO || err == MCIM_ERR_NOMEM ||
	       err == MCIM_ERR_INTERNAL;
}

static int name_ok(const char *s)
{
	size_t n = 0;

	while (n <= MCIM_MANIFEST_NAME_MAX && s[n] != '\0') {
		if (s[n] < 0x20 || s[n] > 0x7e)
			return 0;
		n++;
	}
	return n >= 1 && n <= MCIM_MANIFEST_NAME_MAX;
}

static int config_ok(const struct tre_boot_config *cfg)
{
	if (cfg->n_components > TRE_BOOT_COMPONENTS_MAX ||
	    (cfg->components == NULL && cfg->n_components != 0) ||
	    (cfg->manifest == NULL && cfg->manifest_len != 0) || cfg->work == NULL ||
	    cfg->work_cap == 0)
		return 0;
	for (size_t i = 0; i < cfg->n_components; i++) {
		const struct tre_boot_component *c = &cfg->components[i];

		if (c->name == NULL || c->path == NULL || !name_ok(c->name) ||
		    c->pcr == MCIM_PCR_MANIFEST || c->pcr >= MCIM_PCRS)
			return 0;
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->components[j].name, c->name) == 0)
				return 0;
	}
	return 1;
}

static enum mcim_boot_reason manifest_reason(mcim_err err)
{
	switch (err) {
	case MCIM_OK:
		return MCIM_BOOT_OK;
	case MCIM_ERR_BAD_CERT:
		return MCIM_BOOT_MANIFEST_UNTRUSTED;
	case MCIM_ERR_WRONG_ROLE:
		return MCIM_BOOT_MANIFEST_WRONG_ROLE;
	case MCIM_ERR_EXPIRED:
		return MCIM_BOOT_MANIFEST_EXPIRED;
	case MCIM_ERR_BAD_SIGNATURE:
		return MCIM_BOOT_MANIFEST_BAD_SIGNATURE;
	default:
		return MCIM_BOOT_MANIFEST_MALFORMED;
	}
}

/* Appends an event and extends its register. */
static mcim_err log_event(struct tre_boot *b, uint8_t pcr, enum mcim_event_type type,
			  const char *name, const char *version,
			  const uint8_t digest[MCIM_SHA256_LEN])
{
	struct mcim_event *e = &b->events[b->n_events];

	MCIM_ASSERT(b->n_events < MCIM_EVENTS_MAX);
	e->pcr = pcr;
	e->type = type;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->version, sizeof(e->version), "%s", version);
	memcpy(e->digest, digest, MCIM_SHA256_LEN);
	b->n_events++;
	return mcim_pcr_extend(b->pcrs[pcr], digest);
}

static void fail(struct tre_boot *b, const char *name, enum mcim_boot_reason reason,
		 mcim_err err)
{
	struct tre_boot_failure *f = &b->failed[b->n_failed++];

	snprintf(f->name, sizeof(f->name), "%s", name);
	f->reason = reason;
	f->err = err;
}

/* Measures and verifies the manifest; b->manifest_reason says how it went. */
static mcim_err check_manifest(struct tre_boot *b, const struct tre_boot_config *cfg)
{
	uint8_t digest[MCIM_SHA256_LEN];
	mcim_err err;

	if (cfg->manifest == NULL) {
		b->manifest_reason = MCIM_BOOT_MANIFEST_MISSING;
		b->manifest_err = MCIM_ERR_NOT_FOUND;
		return MCIM_OK;
	}
	err = mcim_sha256(cfg->manifest, cfg->manifest_len, digest);
	if (err == MCIM_OK)
		err = log_event(b, MCIM_PCR_MANIFEST, MCIM_EVENT_MANIFEST,
				manifest_event_name, "", digest);
	if (err != MCIM_OK)
		return err;
	err = mcim_manifest_verify(cfg->manifest, cfg->manifest_len, cfg->ci_root,
				   cfg->ci_root_len, cfg->now, &b->manifest, NULL);
	if (machinery_error(err))
		return err;
	b->manifest_err = err;
	b->manifest_reason = manifest_reason(err);
	if (err != MCIM_OK)
		return MCIM_OK;
	snprintf(b->events[b->n_events - 1].version, sizeof(b->events[0].version),
		 "%" PRIu32, b->manifest.sequence);
	if (cfg->platform != NULL && strcmp(cfg->platform, b->manifest.platform) != 0)
		b->manifest_reason = MCIM_BOOT_MANIFEST_PLATFORM;
	else if (b->manifest.security_version < cfg->min_security_version)
		b->manifest_reason = MCIM_BOOT_MANIFEST_ROLLBACK;
	return MCIM_OK;
}

static mcim_err check_component(struct tre_boot *b, const struct tre_boot_config *cfg,
				const struct tre_boot_component *c)
{
	const struct mcim_manifest_component *ref = NULL;
	uint8_t digest[MCIM_SHA256_LEN];
	uint64_t size;
	mcim_err err;

	err = mcim_manifest_hash_file(c->path, cfg->work, cfg->work_cap, digest, &size);
	if (machinery_error(err))
		return err;
	if (err != MCIM_OK) {
		fail(b, c->name, MCIM_BOOT_UNREADABLE, err);
		return MCIM_OK;
	}
	if (b->manifest_reason == MCIM_BOOT_OK)
		ref = mcim_manifest_find(&b->manifest, c->name);
	err = log_event(b, c->pcr, MCIM_EVENT_COMPONENT, c->name,
			ref != NULL ? ref->version : "", digest);
	if (err != MCIM_OK)
		return err;
	if (b->manifest_reason != MCIM_BOOT_OK)
		fail(b, c->name, b->manifest_reason, b->manifest_err);
	else if (ref == NULL)
		fail(b, c->name, MCIM_BOOT_NOT_IN_MANIFEST, MCIM_OK);
	else if (memcmp(ref->digest, digest, MCIM_SHA256_LEN) != 0 ||
		 (ref->has_size && ref->size != size))
		fail(b, c->name, MCIM_BOOT_DIGEST_MISMATCH, MCIM_OK);
	return MCIM_OK;
}

mcim_err tre_boot_run(struct tre_boot *b, const struct tre_boot_config *cfg)
{
	mcim_err err;

	MCIM_ASSERT(b != NULL && cfg != NULL && cfg->ci_root != NULL);
	memset(b, 0, sizeof(*b));
	if (!config_ok(cfg))
		return MCIM_ERR_INVALID_ARG;
	err = check_manifest(b, cfg);
	for (size_t i = 0; err == MCIM_OK && i < cfg->n_components; i++)
		err = check_component(b, cfg, &cfg->components[i]);
	if (err != MCIM_OK) {
		memset(b, 0, sizeof(*b));
		return err;
	}
	b->state = b->manifest_reason == MCIM_BOOT_OK && b->n_failed == 0 ? MCIM_BOOT_GOOD
									  : MCIM_BOOT_BAD;
	return MCIM_OK;
}

int tre_boot_may_run(const struct tre_boot *b, const char *name)
{
	MCIM_ASSERT(b != NULL && name != NULL);
	if (b->state == MCIM_BOOT_NONE || b->manifest_reason != MCIM_BOOT_OK)
		return 0;
	for (size_t i = 0; i < b->n_failed; i++)
		if (strcmp(b->failed[i].name, name) == 0)
			return 0;
	for (size_t i = 0; i < b->n_events; i++)
		if (b->events[i].type == MCIM_EVENT_COMPONENT &&
		    strcmp(b->events[i].name, name) == 0)
			return 1;
	return 0;
}

mcim_err tre_boot_evidence(const struct tre_boot *b, enum mcim_evidence_mode mode,
			   struct mcim_evidence *ev)
{
	MCIM_ASSERT(b != NULL && ev != NULL);
	MCIM_ASSERT(mode == MCIM_EVIDENCE_REMOTE || mode == MCIM_EVIDENCE_AUTONOMOUS ||
		    mode == MCIM_EVIDENCE_SEMI_AUTONOMOUS);
	if (b->state == MCIM_BOOT_NONE)
		return MCIM_ERR_STATE;
	if (mode == MCIM_EVIDENCE_AUTONOMOUS && b->state != MCIM_BOOT_GOOD)
		return MCIM_ERR_BAD_BOOT;
	ev->mode = mode;
	memset(&ev->boot, 0, sizeof(ev->boot));
	ev->boot.state = b->state;
	ev->boot.manifest_reason = b->manifest_reason;
	if (b->manifest_err == MCIM_OK) {
		/* Verified, even if refused for rollback or platform: worth reporting. */
		ev->boot.sequence = b->manifest.sequence;
		ev->boot.security_version = b->manifest.security_version;
		memcpy(ev->boot.platform, b->manifest.platform,
		       sizeof(ev->boot.platform));
	}
	memset(ev->pcrs, 0, sizeof(ev->pcrs));
	ev->n_events = 0;
	ev->n_failed = 0;
	if (mode == MCIM_EVIDENCE_REMOTE) {
		memcpy(ev->pcrs, b->pcrs, sizeof(ev->pcrs));
		memcpy(ev->events, b->events, b->n_events * sizeof(b->events[0]));
		ev->n_events = b->n_events;
	} else if (mode == MCIM_EVIDENCE_SEMI_AUTONOMOUS) {
		for (size_t i = 0; i < b->n_failed; i++) {
			memcpy(ev->failed[i].name, b->failed[i].name,
			       sizeof(ev->failed[i].name));
			ev->failed[i].reason = b->failed[i].reason;
		}
		ev->n_failed = b->n_failed;
	}
	return MCIM_OK;
}
