/*
 * Measured and secure boot inside the TRE (tre/boot.h), on component files in a
 * temporary directory and manifests signed with a test PKI built with mcim/cert.h
 * (CI -> M2MES signer, CI -> M2MES CA -> TRE, CI -> DPF, and an unknown CI with its
 * own M2MES signer). Checked here:
 * - a good boot: GOOD, one event per measurement in order, registers equal to the
 *   SHA-256 extend chain computed here independently;
 * - R-TRE-G02 / T-01: a modified (re-flashed) component makes the boot BAD naming
 *   it, with its actual digest in the log, while the others may still run; a
 *   component the manifest does not list, an unreadable or too large file: each its
 *   own reason;
 * - the manifest: missing, garbage, signed by a DPF (wrong role), by an unknown CA,
 *   expired, tampered, another context string, another platform: the whole boot is
 *   BAD with that reason; R-TRE-G10: a security_version below the device's floor is
 *   a rollback;
 * - configurations outside the limits are refused without a verdict;
 * - the event log replays to the registers (mcim_evidence_replay), and a changed
 *   event does not;
 * - R-TRE-G12 / R-PRC-201..203 end to end: boot, evidence in each mode, signed by
 *   the TRE, verified and appraised by the PVA's functions: a good boot is
 *   affirming, a changed measurement contraindicated, a BAD boot is never attested
 *   in autonomous mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/cose.h"
#include "mcim/evidence.h"
#include "mcim/manifest.h"
#include "tre/boot.h"

#define T0   ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define DAY  ((time_t)86400)
#define YEAR (365 * DAY)
#define NOW  (T0 + DAY)

struct party {
	struct party *issuer;
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub;
	struct mcim_cert_info info;
	uint8_t der[MCIM_CERT_MAX_LEN];
	size_t len;
};

#define N_COMP 3

static struct {
	struct party ci, ca, tre, m2mes, dpf, other_ci, other_m2mes;
	char dir[64];
	char paths[N_COMP][128];
	struct tre_boot_component comps[N_COMP];
	uint8_t digests[N_COMP][32];
	struct mcim_manifest manifest;
	uint8_t signed_manifest[4096];
	size_t signed_len;
	uint8_t work[4096];
	struct tre_boot boot;
} t;

static const char *const names[N_COMP] = {"bootloader", "kernel", "app"};
static const char *const contents[N_COMP] = {"BL2 v2.1.0 image", "Linux 6.1 acme kernel",
					     "the application"};
static const uint8_t pcr_of[N_COMP] = {1, 2, 2};

static void party(struct party *p, struct party *issuer, enum mcim_cert_role role,
		  const char *cn, time_t not_after)
{
	memset(&p->info, 0, sizeof(p->info));
	p->issuer = issuer;
	p->info.role = role;
	snprintf(p->info.common_name, sizeof(p->info.common_name), "%s", cn);
	p->info.not_before = T0;
	p->info.not_after = not_after;
	if (role == MCIM_CERT_ROLE_DPF)
		strcpy(p->info.operator_id, "00101");
	if (role == MCIM_CERT_ROLE_TRE) {
		strcpy(p->info.tre_id, "tre-0001");
		strcpy(p->info.platform_id, "490154203237518");
		p->info.backend = MCIM_CERT_BACKEND_SOFT;
		p->info.assurance = 2;
	}
	assert_int_equal(mcim_p256_keygen(&p->priv, &p->pub), MCIM_OK);
	assert_int_equal(
	    mcim_cert_issue(&p->info, &p->pub, issuer ? &issuer->priv : &p->priv,
			    issuer ? issuer->der : NULL, issuer ? issuer->len : 0,
			    mcim_rng_system(), p->der, sizeof(p->der), &p->len),
	    MCIM_OK);
}

/* The chain of p up to (not including) its root. */
static size_t chain_of(const struct party *p, struct mcim_iov *chain)
{
	size_t n = 0;

	for (const struct party *q = p; q->issuer != NULL; q = q->issuer) {
		chain[n].data = q->der;
		chain[n].len = q->len;
		n++;
	}
	return n;
}

static size_t sign_by(const struct mcim_manifest *m, const struct party *p, uint8_t *out,
		      size_t cap)
{
	struct mcim_iov chain[MCIM_CERT_CHAIN_MAX];
	size_t n = chain_of(p, chain), len;

	assert_int_equal(mcim_manifest_sign(m, &p->priv, chain, n, out, cap, &len),
			 MCIM_OK);
	return len;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	party(&t.ci, NULL, MCIM_CERT_ROLE_CI, "openmcim CI", T0 + 20 * YEAR);
	party(&t.ca, &t.ci, MCIM_CERT_ROLE_M2MES_CA, "Acme M2MES CA", T0 + 15 * YEAR);
	party(&t.tre, &t.ca, MCIM_CERT_ROLE_TRE, "TRE tre-0001", T0 + 10 * YEAR);
	party(&t.m2mes, &t.ci, MCIM_CERT_ROLE_M2MES, "Acme firmware", T0 + 2 * YEAR);
	party(&t.dpf, &t.ci, MCIM_CERT_ROLE_DPF, "SHO 00101 DPF", T0 + 2 * YEAR);
	party(&t.other_ci, NULL, MCIM_CERT_ROLE_CI, "openmcim CI", T0 + 20 * YEAR);
	party(&t.other_m2mes, &t.other_ci, MCIM_CERT_ROLE_M2MES, "Acme firmware",
	      T0 + 2 * YEAR);
	strcpy(t.dir, "/tmp/mcim-boot-XXXXXX");
	assert_non_null(mkdtemp(t.dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(rmdir(t.dir), 0);
	mcim_p256_priv_wipe(&t.ci.priv);
	mcim_p256_priv_wipe(&t.ca.priv);
	mcim_p256_priv_wipe(&t.tre.priv);
	mcim_p256_priv_wipe(&t.m2mes.priv);
	mcim_p256_priv_wipe(&t.dpf.priv);
	mcim_p256_priv_wipe(&t.other_ci.priv);
	mcim_p256_priv_wipe(&t.other_m2mes.priv);
	return 0;
}

/* Fresh component files and a manifest (sequence 5, security version 3) for them. */
static int each_setup(void **state)
{
	(void)state;
	memset(&t.manifest, 0, sizeof(t.manifest));
	t.manifest.sequence = 5;
	t.manifest.security_version = 3;
	strcpy(t.manifest.platform, "acme-x1");
	t.manifest.n = N_COMP;
	for (size_t i = 0; i < N_COMP; i++) {
		struct mcim_manifest_component *c = &t.manifest.components[i];

		snprintf(t.paths[i], sizeof(t.paths[i]), "%s/%s.bin", t.dir, names[i]);
		write_file(t.paths[i], contents[i]);
		assert_int_equal(
		    mcim_sha256(contents[i], strlen(contents[i]), t.digests[i]), MCIM_OK);
		t.comps[i].name = names[i];
		t.comps[i].path = t.paths[i];
		t.comps[i].pcr = pcr_of[i];
		strcpy(c->name, names[i]);
		snprintf(c->version, sizeof(c->version), "%zu.0", i + 1);
		memcpy(c->digest, t.digests[i], 32);
		c->has_size = true;
		c->size = strlen(contents[i]);
	}
	t.signed_len =
	    sign_by(&t.manifest, &t.m2mes, t.signed_manifest, sizeof(t.signed_manifest));
	return 0;
}

static int each_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_COMP; i++)
		unlink(t.paths[i]);
	return 0;
}

static struct tre_boot_config config(void)
{
	struct tre_boot_config cfg = {
	    .manifest = t.signed_manifest,
	    .manifest_len = t.signed_len,
	    .ci_root = t.ci.der,
	    .ci_root_len = t.ci.len,
	    .platform = "acme-x1",
	    .min_security_version = 3,
	    .now = NOW,
	    .components = t.comps,
	    .n_components = N_COMP,
	    .work = t.work,
	    .work_cap = sizeof(t.work),
	};
	return cfg;
}

static void run(const struct tre_boot_config *cfg)
{
	assert_int_equal(tre_boot_run(&t.boot, cfg), MCIM_OK);
}

/* The boot is BAD, every component failed with reason, nothing may run. */
static void assert_manifest_failure(enum mcim_boot_reason reason)
{
	assert_int_equal(t.boot.state, MCIM_BOOT_BAD);
	assert_int_equal(t.boot.manifest_reason, reason);
	assert_int_equal(t.boot.n_failed, N_COMP);
	for (size_t i = 0; i < N_COMP; i++) {
		assert_string_equal(t.boot.failed[i].name, names[i]);
		assert_int_equal(t.boot.failed[i].reason, reason);
		assert_false(tre_boot_may_run(&t.boot, names[i]));
	}
}

/* ---- good boot ---- */

static void good_boot(void **state)
{
	const struct tre_boot_config cfg = config();
	uint8_t expect[MCIM_PCRS][32], mdigest[32];

	(void)state;
	run(&cfg);
	assert_int_equal(t.boot.state, MCIM_BOOT_GOOD);
	assert_int_equal(t.boot.manifest_reason, MCIM_BOOT_OK);
	assert_int_equal(t.boot.n_failed, 0);
	assert_int_equal(t.boot.manifest.sequence, 5);
	assert_int_equal(t.boot.n_events, 1 + N_COMP);
	/* Event 0: the manifest as given, into register 0. */
	assert_int_equal(mcim_sha256(t.signed_manifest, t.signed_len, mdigest), MCIM_OK);
	assert_int_equal(t.boot.events[0].pcr, MCIM_PCR_MANIFEST);
	assert_int_equal(t.boot.events[0].type, MCIM_EVENT_MANIFEST);
	assert_string_equal(t.boot.events[0].name, "manifest");
	assert_string_equal(t.boot.events[0].version, "5");
	assert_memory_equal(t.boot.events[0].digest, mdigest, 32);
	for (size_t i = 0; i < N_COMP; i++) {
		const struct mcim_event *e = &t.boot.events[1 + i];
		char version[8];

		snprintf(version, sizeof(version), "%zu.0", i + 1);
		assert_int_equal(e->pcr, pcr_of[i]);
		assert_int_equal(e->type, MCIM_EVENT_COMPONENT);
		assert_string_equal(e->name, names[i]);
		assert_string_equal(e->version, version);
		assert_memory_equal(e->digest, t.digests[i], 32);
		assert_true(tre_boot_may_run(&t.boot, names[i]));
	}
	assert_false(tre_boot_may_run(&t.boot, "manifest"));
	assert_false(tre_boot_may_run(&t.boot, "other"));
	/* Registers computed here: new = SHA-256(old || digest), from zeros. */
	memset(expect, 0, sizeof(expect));
	{
		struct mcim_iov p[2] = {{expect[0], 32}, {mdigest, 32}};

		assert_int_equal(mcim_sha256_v(p, 2, expect[0]), MCIM_OK);
	}
	for (size_t i = 0; i < N_COMP; i++) {
		struct mcim_iov p[2] = {{expect[pcr_of[i]], 32}, {t.digests[i], 32}};

		assert_int_equal(mcim_sha256_v(p, 2, expect[pcr_of[i]]), MCIM_OK);
	}
	assert_memory_equal(t.boot.pcrs, expect, sizeof(expect));
	/* Equal to the floor is no rollback; any platform when none is configured. */
	{
		struct tre_boot_config any = cfg;

		any.platform = NULL;
		run(&any);
		assert_int_equal(t.boot.state, MCIM_BOOT_GOOD);
	}
}

/* ---- components (R-TRE-G02, T-01) ---- */

static void modified_component(void **state)
{
	const struct tre_boot_config cfg = config();
	uint8_t actual[32];

	(void)state;
	/* Re-flashed: same length, other content. */
	write_file(t.paths[1], "Linux 6.1 evil kernel");
	assert_int_equal(mcim_sha256("Linux 6.1 evil kernel", 21, actual), MCIM_OK);
	run(&cfg);
	assert_int_equal(t.boot.state, MCIM_BOOT_BAD);
	assert_int_equal(t.boot.manifest_reason, MCIM_BOOT_OK);
	assert_int_equal(t.boot.n_failed, 1);
	assert_string_equal(t.boot.failed[0].name, "kernel");
	assert_int_equal(t.boot.failed[0].reason, MCIM_BOOT_DIGEST_MISMATCH);
	assert_false(tre_boot_may_run(&t.boot, "kernel"));
	assert_true(tre_boot_may_run(&t.boot, "bootloader"));
	assert_true(tre_boot_may_run(&t.boot, "app"));
	/* Measured as found. */
	assert_int_equal(t.boot.n_events, 1 + N_COMP);
	assert_memory_equal(t.boot.events[2].digest, actual, 32);
}

static void size_mismatch(void **state)
{
	struct tre_boot_config cfg = config();

	(void)state;
	t.manifest.components[2].size++;
	t.signed_len =
	    sign_by(&t.manifest, &t.m2mes, t.signed_manifest, sizeof(t.signed_manifest));
	cfg.manifest_len = t.signed_len;
	run(&cfg);
	assert_int_equal(t.boot.state, MCIM_BOOT_BAD);
	assert_int_equal(t.boot.n_failed, 1);
	assert_string_equal(t.boot.failed[0].name, "app");
	assert_int_equal(t.boot.failed[0].reason, MCIM_BOOT_DIGEST_MISMATCH);
}

static void component_not_in_manifest(void **state)
{
	struct tre_boot_component comps[N_COMP + 1];
	struct tre_boot_config cfg = config();
	char path[128];

	(void)state;
	memcpy(comps, t.comps, sizeof(t.comps));
	snprintf(path, sizeof(path), "%s/extra.bin", t.dir);
	write_file(path, "injected");
	comps[N_COMP].name = "extra";
	comps[N_COMP].path = path;
	comps[N_COMP].pcr = 3;
	cfg.components = comps;
	cfg.n_components = N_COMP + 1;
	run(&cfg);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(t.boot.state, MCIM_BOOT_BAD);
	assert_int_equal(t.boot.n_failed, 1);
	assert_string_equal(t.boot.failed[0].name, "extra");
	assert_int_equal(t.boot.failed[0].reason, MCIM_BOOT_NOT_IN_MANIFEST);
	assert_int_equal(t.boot.n_events, 2 + N_COMP);
	assert_string_equal(t.boot.events[1 + N_COMP].version, "");
	assert_true(tre_boot_may_run(&t.boot, "kernel"));
}

/* Components are hashed through the work buffer in chunks: one far larger than the
 * buffer measures the same, and the boot is good. */
static void component_larger_than_work(void **state)
{
	struct tre_boot_config cfg = config();

	(void)state;
	cfg.work_cap = 3;
	run(&cfg);
	assert_int_equal(t.boot.state, MCIM_BOOT_GOOD);
	assert_int_equal(t.boot.n_failed, 0);
}

static void unreadable_component(void **state)
{
	struct tre_boot_config cfg = config();

	(void)state;
	assert_int_equal(unlink(t.paths[0]), 0);
	/* The kernel's path holds a directory: not a file that can be measured. */
	assert_int_equal(unlink(t.paths[1]), 0);
	assert_int_equal(mkdir(t.paths[1], 0700), 0);
	run(&cfg);
	assert_int_equal(rmdir(t.paths[1]), 0);
	assert_int_equal(t.boot.state, MCIM_BOOT_BAD);
	assert_int_equal(t.boot.n_failed, 2);
	assert_string_equal(t.boot.failed[0].name, "bootloader");
	assert_int_equal(t.boot.failed[0].reason, MCIM_BOOT_UNREADABLE);
	assert_int_equal(t.boot.failed[0].err, MCIM_ERR_NOT_FOUND);
	assert_string_equal(t.boot.failed[1].name, "kernel");
	assert_int_equal(t.boot.failed[1].reason, MCIM_BOOT_UNREADABLE);
	assert_int_equal(t.boot.failed[1].err, MCIM_ERR_IO);
	/* Unread files are not measured: the manifest and the app only. */
	assert_int_equal(t.boot.n_events, 2);
	assert_string_equal(t.boot.events[1].name, "app");
	assert_true(tre_boot_may_run(&t.boot, "app"));
	assert_false(tre_boot_may_run(&t.boot, "bootloader"));
}

/* ---- the manifest ---- */

static void manifest_missing(void **state)
{
	struct tre_boot_config cfg = config();

	(void)state;
	cfg.manifest = NULL;
	cfg.manifest_len = 0;
	run(&cfg);
	assert_manifest_failure(MCIM_BOOT_MANIFEST_MISSING);
	/* Components are still measured, the manifest is not. */
	assert_int_equal(t.boot.n_events, N_COMP);
}

static void manifest_malformed(void **state)
{
	static const uint8_t garbage[] = {0xd2, 0x84, 0x40};
	struct tre_boot_config cfg = config();

	(void)state;
	cfg.manifest = garbage;
	cfg.manifest_len = sizeof(garbage);
	run(&cfg);
	assert_manifest_failure(MCIM_BOOT_MANIFEST_MALFORMED);
	assert_int_equal(t.boot.manifest_err, MCIM_ERR_TRUNCATED);
	/* The manifest is measured even when it fails. */
	assert_int_equal(t.boot.n_events, 1 + N_COMP);
	assert_string_equal(t.boot.events[0].version, "");
}

static void manifest_wrong_context(void **state)
{
	struct mcim_cbor_writer w;
	const struct mcim_iov chain = {t.m2mes.der, t.m2mes.len};
	const struct mcim_cose_sign1_opts opts = {NULL, 0, NULL, 0, &chain, 1};
	uint8_t payload[MCIM_MANIFEST_PAYLOAD_MAX];
	struct tre_boot_config cfg = config();
	size_t plen;

	(void)state;
	/* A well-formed manifest payload but for its context, validly signed. */
	assert_int_equal(
	    mcim_manifest_encode(&t.manifest, payload, sizeof(payload), &plen), MCIM_OK);
	mcim_cbor_writer_init(&w, payload + 2, sizeof(payload) - 2);
	mcim_cbor_put_cstr(&w, "mcim/fw/manifesX");
	assert_int_equal(mcim_cbor_writer_finish(&w, NULL), MCIM_OK);
	assert_int_equal(mcim_cose_sign1_sign(&t.m2mes.priv, payload, plen, &opts,
					      t.signed_manifest,
					      sizeof(t.signed_manifest), &t.signed_len),
			 MCIM_OK);
	cfg.manifest_len = t.signed_len;
	run(&cfg);
	assert_manifest_failure(MCIM_BOOT_MANIFEST_MALFORMED);
	assert_int_equal(t.boot.manifest_err, MCIM_ERR_PARSE);
}

static void manifest_untrusted_signers(void **state)
{
	struct tre_boot_config cfg = config();

	(void)state;
	cfg.manifest_len =
	    sign_by(&t.manifest, &t.dpf, t.signed_manifest, sizeof(t.signed_manifest));
	run(&cfg);
	assert_manifest_failure(MCIM_BOOT_MANIFEST_WRONG_ROLE);
	cfg.manifest_len = sign_by(&t.manifest, &t.other_m2mes, t.signed_manifest,
				   sizeof(t.signed_manifest));
	run(&cfg);
	assert_manifest_failure(MCIM_BOOT_MANIFEST_UNTRUSTED);
}

static void manifest_expired(void **state)
{
	struct tre_boot_config cfg = config();

	(void)state;
	cfg.now = t.m2mes.info.not_after + 1;
	run(&cfg);
	assert_manifest_failure(MCIM_BOOT_MANIFEST_EXPIRED);
}

static void manifest_tampered(void **state)
{
	struct mcim_cose_sign1 view;
	const struct tre_boot_config cfg = config();
	size_t off;

	(void)state;
	assert_int_equal(mcim_cose_sign1_peek(t.signed_manifest, t.signed_len, &view),
			 MCIM_OK);
	off = (size_t)(view.payload - t.signed_manifest);
	/* The security version (key 3) in the payload: 3 -> 2. */
	for (size_t i = 0; i + 1 < view.payload_len; i++) {
		if (view.payload[i] == 0x03 && view.payload[i + 1] == 0x03) {
			t.signed_manifest[off + i + 1] = 0x02;
			break;
		}
	}
	run(&cfg);
	assert_manifest_failure(MCIM_BOOT_MANIFEST_BAD_SIGNATURE);
}

/* R-TRE-G10: an authentic but older release is refused. */
static void security_version_rollback(void **state)
{
	struct tre_boot_config cfg = config();

	(void)state;
	cfg.min_security_version = 4;
	run(&cfg);
	assert_manifest_failure(MCIM_BOOT_MANIFEST_ROLLBACK);
	assert_int_equal(t.boot.manifest_err, MCIM_OK);
}

static void manifest_other_platform(void **state)
{
	struct tre_boot_config cfg = config();

	(void)state;
	cfg.platform = "acme-x2";
	run(&cfg);
	assert_manifest_failure(MCIM_BOOT_MANIFEST_PLATFORM);
}

/* ---- configuration limits ---- */

static void bad_configs(void **state)
{
	struct tre_boot_component comps[TRE_BOOT_COMPONENTS_MAX + 1];
	char many[TRE_BOOT_COMPONENTS_MAX + 1][8];
	struct tre_boot_config cfg;
	const uint8_t bad_pcrs[] = {MCIM_PCR_MANIFEST, MCIM_PCRS};
	char long_name[40];

	(void)state;
	for (size_t i = 0; i < TRE_BOOT_COMPONENTS_MAX + 1; i++) {
		snprintf(many[i], sizeof(many[i]), "c%zu", i);
		comps[i].name = many[i];
		comps[i].path = t.paths[0];
		comps[i].pcr = 1;
	}
	cfg = config();
	cfg.components = comps;
	cfg.n_components = TRE_BOOT_COMPONENTS_MAX + 1;
	assert_int_equal(tre_boot_run(&t.boot, &cfg), MCIM_ERR_INVALID_ARG);
	assert_int_equal(t.boot.state, MCIM_BOOT_NONE);
	/* The maximum is accepted (a verdict: none of them is in the manifest). */
	cfg.n_components = TRE_BOOT_COMPONENTS_MAX;
	run(&cfg);
	assert_int_equal(t.boot.n_failed, TRE_BOOT_COMPONENTS_MAX);
	for (size_t i = 0; i < sizeof(bad_pcrs); i++) {
		memcpy(comps, t.comps, sizeof(t.comps));
		comps[1].pcr = bad_pcrs[i];
		cfg.n_components = N_COMP;
		assert_int_equal(tre_boot_run(&t.boot, &cfg), MCIM_ERR_INVALID_ARG);
	}
	memcpy(comps, t.comps, sizeof(t.comps));
	comps[2].name = "kernel";
	assert_int_equal(tre_boot_run(&t.boot, &cfg), MCIM_ERR_INVALID_ARG);
	comps[2].name = "";
	assert_int_equal(tre_boot_run(&t.boot, &cfg), MCIM_ERR_INVALID_ARG);
	memset(long_name, 'x', 32);
	long_name[32] = '\0';
	comps[2].name = long_name;
	assert_int_equal(tre_boot_run(&t.boot, &cfg), MCIM_ERR_INVALID_ARG);
	comps[2].name = "a\x01";
	assert_int_equal(tre_boot_run(&t.boot, &cfg), MCIM_ERR_INVALID_ARG);
	comps[2].name = "app";
	comps[2].path = NULL;
	assert_int_equal(tre_boot_run(&t.boot, &cfg), MCIM_ERR_INVALID_ARG);
	assert_int_equal(t.boot.state, MCIM_BOOT_NONE);
	/* No components at all: only the manifest is checked. */
	cfg.n_components = 0;
	run(&cfg);
	assert_int_equal(t.boot.state, MCIM_BOOT_GOOD);
	assert_int_equal(t.boot.n_events, 1);
}

/* ---- replay (the PVA's arithmetic) ---- */

static void event_log_replay(void **state)
{
	const struct tre_boot_config cfg = config();
	uint8_t pcrs[MCIM_PCRS][32];
	struct mcim_event events[MCIM_EVENTS_MAX];

	(void)state;
	run(&cfg);
	assert_int_equal(mcim_evidence_replay(t.boot.events, t.boot.n_events, pcrs),
			 MCIM_OK);
	assert_memory_equal(pcrs, t.boot.pcrs, sizeof(pcrs));
	/* A changed digest, a changed register, a dropped or reordered event: the
	 * registers differ. */
	memcpy(events, t.boot.events, sizeof(events));
	events[2].digest[31] ^= 1;
	assert_int_equal(mcim_evidence_replay(events, t.boot.n_events, pcrs), MCIM_OK);
	assert_memory_not_equal(pcrs, t.boot.pcrs, sizeof(pcrs));
	memcpy(events, t.boot.events, sizeof(events));
	events[1].pcr = 3;
	assert_int_equal(mcim_evidence_replay(events, t.boot.n_events, pcrs), MCIM_OK);
	assert_memory_not_equal(pcrs, t.boot.pcrs, sizeof(pcrs));
	assert_int_equal(mcim_evidence_replay(t.boot.events, t.boot.n_events - 1, pcrs),
			 MCIM_OK);
	assert_memory_not_equal(pcrs, t.boot.pcrs, sizeof(pcrs));
	memcpy(events, t.boot.events, sizeof(events));
	events[2] = t.boot.events[3];
	events[3] = t.boot.events[2];
	assert_int_equal(mcim_evidence_replay(events, t.boot.n_events, pcrs), MCIM_OK);
	assert_memory_not_equal(pcrs, t.boot.pcrs, sizeof(pcrs));
}

/* ---- boot -> evidence -> PVA (R-TRE-G12, R-PRC-201..203) ---- */

static void attest(enum mcim_evidence_mode mode, struct mcim_evidence *got,
		   struct mcim_appraisal *ap)
{
	static uint8_t buf[MCIM_EVIDENCE_MAX_LEN];
	struct mcim_iov chain[MCIM_CERT_CHAIN_MAX];
	struct mcim_evidence ev;
	size_t len;

	memset(&ev, 0, sizeof(ev));
	memset(ev.nonce, 0xab, sizeof(ev.nonce));
	strcpy(ev.tre_id, "tre-0001");
	ev.counters.boot_count = 12;
	assert_int_equal(tre_boot_evidence(&t.boot, mode, &ev), MCIM_OK);
	assert_int_equal(mcim_evidence_sign(&ev, &t.tre.priv, chain,
					    chain_of(&t.tre, chain), buf, sizeof(buf),
					    &len),
			 MCIM_OK);
	assert_int_equal(mcim_evidence_verify(buf, len, t.ci.der, t.ci.len,
					      &(const struct mcim_cert_policy){
						  .role = MCIM_CERT_ROLE_TRE, .now = NOW},
					      ev.nonce, got, NULL),
			 MCIM_OK);
	mcim_evidence_appraise(got, &t.manifest, ap);
}

static void attest_good_boot(void **state)
{
	const struct tre_boot_config cfg = config();
	struct mcim_evidence got;
	struct mcim_appraisal ap;

	(void)state;
	run(&cfg);
	attest(MCIM_EVIDENCE_REMOTE, &got, &ap);
	assert_int_equal(got.n_events, 1 + N_COMP);
	assert_memory_equal(got.pcrs, t.boot.pcrs, sizeof(got.pcrs));
	assert_int_equal(got.boot.sequence, 5);
	assert_int_equal(got.backend, MCIM_CERT_BACKEND_SOFT);
	assert_int_equal(ap.status, MCIM_EAR_AFFIRMING);
	assert_int_equal(ap.n, N_COMP);
	attest(MCIM_EVIDENCE_AUTONOMOUS, &got, &ap);
	assert_int_equal(got.n_events, 0);
	assert_int_equal(ap.status, MCIM_EAR_AFFIRMING);
	attest(MCIM_EVIDENCE_SEMI_AUTONOMOUS, &got, &ap);
	assert_int_equal(got.n_failed, 0);
	assert_int_equal(ap.status, MCIM_EAR_AFFIRMING);
}

static void attest_modified_component(void **state)
{
	const struct tre_boot_config cfg = config();
	struct mcim_evidence got, ev;
	struct mcim_appraisal ap;

	(void)state;
	write_file(t.paths[2], "the applicatioN");
	run(&cfg);
	attest(MCIM_EVIDENCE_REMOTE, &got, &ap);
	assert_int_equal(ap.status, MCIM_EAR_CONTRAINDICATED);
	assert_string_equal(ap.items[2].name, "app");
	assert_int_equal(ap.items[2].reason, MCIM_APPRAISAL_MISMATCH);
	assert_int_equal(ap.items[0].status, MCIM_EAR_AFFIRMING);
	/* Semi-autonomous: the failed list is carried (R-PRC-202). */
	attest(MCIM_EVIDENCE_SEMI_AUTONOMOUS, &got, &ap);
	assert_int_equal(got.boot.state, MCIM_BOOT_BAD);
	assert_int_equal(got.n_failed, 1);
	assert_string_equal(got.failed[0].name, "app");
	assert_int_equal(got.failed[0].reason, MCIM_BOOT_DIGEST_MISMATCH);
	assert_int_equal(ap.status, MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(ap.items[2].reason, MCIM_APPRAISAL_FAILED_ON_DEVICE);
	assert_int_equal(ap.items[1].reason, MCIM_APPRAISAL_SELF_CHECKED);
	/* Autonomous: a BAD boot is not attested at all (R-PRC-201). */
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(tre_boot_evidence(&t.boot, MCIM_EVIDENCE_AUTONOMOUS, &ev),
			 MCIM_ERR_BAD_BOOT);
}

static void attest_bad_manifest(void **state)
{
	struct tre_boot_config cfg = config();
	struct mcim_evidence got;
	struct mcim_appraisal ap;

	(void)state;
	cfg.min_security_version = 9;
	run(&cfg);
	attest(MCIM_EVIDENCE_SEMI_AUTONOMOUS, &got, &ap);
	assert_int_equal(got.boot.manifest_reason, MCIM_BOOT_MANIFEST_ROLLBACK);
	assert_int_equal(got.boot.security_version, 3);
	assert_int_equal(got.n_failed, N_COMP);
	assert_int_equal(ap.firmware, MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(ap.firmware_reason, MCIM_APPRAISAL_BAD_MANIFEST);
	cfg.manifest = NULL;
	cfg.manifest_len = 0;
	run(&cfg);
	attest(MCIM_EVIDENCE_REMOTE, &got, &ap);
	assert_int_equal(got.boot.manifest_reason, MCIM_BOOT_MANIFEST_MISSING);
	assert_int_equal(got.boot.platform[0], '\0');
	assert_int_equal(ap.status, MCIM_EAR_CONTRAINDICATED);
}

static void evidence_before_boot(void **state)
{
	struct tre_boot none;
	struct mcim_evidence ev;

	(void)state;
	memset(&none, 0, sizeof(none));
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(tre_boot_evidence(&none, MCIM_EVIDENCE_REMOTE, &ev),
			 MCIM_ERR_STATE);
	assert_false(tre_boot_may_run(&none, "kernel"));
}

#define BOOT_TEST(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOOT_TEST(good_boot),
	    BOOT_TEST(modified_component),
	    BOOT_TEST(size_mismatch),
	    BOOT_TEST(component_not_in_manifest),
	    BOOT_TEST(component_larger_than_work),
	    BOOT_TEST(unreadable_component),
	    BOOT_TEST(manifest_missing),
	    BOOT_TEST(manifest_malformed),
	    BOOT_TEST(manifest_wrong_context),
	    BOOT_TEST(manifest_untrusted_signers),
	    BOOT_TEST(manifest_expired),
	    BOOT_TEST(manifest_tampered),
	    BOOT_TEST(security_version_rollback),
	    BOOT_TEST(manifest_other_platform),
	    BOOT_TEST(bad_configs),
	    BOOT_TEST(event_log_replay),
	    BOOT_TEST(attest_good_boot),
	    BOOT_TEST(attest_modified_component),
	    BOOT_TEST(attest_bad_manifest),
	    BOOT_TEST(evidence_before_boot),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
