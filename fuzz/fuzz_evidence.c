/*
 * libFuzzer target for the attestation evidence decoders (mcim/evidence.h):
 * arbitrary input goes to mcim_evidence_decode() as a payload and to
 * mcim_evidence_verify() as signed evidence, under a fixed test PKI (CI -> M2MES CA
 * -> TRE "fuzz-tre", fixed keys, made at start-up) and a fixed nonce; what verifies
 * is appraised against a fixed reference manifest. Invariants, checked on every
 * input:
 * - errors are only the documented ones, and the output is untouched on error;
 * - a decoded payload is canonical: encoding it again gives the input octet for
 *   octet;
 * - verified evidence names the certificate's TRE, carries the expected nonce and
 *   its event log replays to its registers;
 * - an appraisal's status is one of the EAR tiers and the worst of its parts.
 * With MCIM_FUZZ_WRITE_SEEDS=DIR in the environment it writes valid payloads and
 * signed evidence in each mode to DIR and exits (scripts/fuzz.sh uses this).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/evidence.h"

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

#define T0  ((time_t)1767225600)
#define NOW (T0 + 86400)

/* Not secrets: fixed so that seeds from an earlier run still verify. */
static const struct mcim_p256_priv ci_key = {{
    0x3a, 0x61, 0x0b, 0x44, 0x9c, 0x12, 0x7e, 0x05, 0xd1, 0x88, 0x2f,
    0x6c, 0x90, 0x14, 0xab, 0x33, 0x5e, 0x71, 0x02, 0xc9, 0x48, 0x1d,
    0xee, 0x07, 0x6a, 0x93, 0x25, 0xbc, 0x10, 0x4f, 0x87, 0x21,
}};
static const struct mcim_p256_priv ca_key = {{
    0x62, 0x0e, 0xb7, 0x19, 0x4d, 0x88, 0x31, 0xa6, 0x05, 0xfc, 0x2b,
    0x70, 0xd3, 0x9e, 0x14, 0x57, 0xc8, 0x21, 0x6d, 0xaf, 0x30, 0x92,
    0x4b, 0x0e, 0x75, 0xe1, 0x38, 0x9a, 0x0c, 0x5f, 0xb4, 0x26,
}};
static const struct mcim_p256_priv tre_key = {{
    0x4b, 0xd0, 0x63, 0x1e, 0x97, 0x2a, 0xc5, 0x08, 0x7f, 0x36, 0xe9,
    0x50, 0x1c, 0xa4, 0x8d, 0x02, 0x69, 0xbe, 0x13, 0x74, 0xf0, 0x2d,
    0x86, 0x5b, 0xc3, 0x0a, 0x91, 0x4e, 0x27, 0xd8, 0x65, 0x3f,
}};
static const uint8_t nonce[MCIM_EVIDENCE_NONCE_LEN] = {
    1,	2,  3,	4,  5,	6,  7,	8,  9,	10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

static uint8_t ci_der[MCIM_CERT_MAX_LEN], ca_der[MCIM_CERT_MAX_LEN],
    tre_der[MCIM_CERT_MAX_LEN];
static size_t ci_len, ca_len, tre_len;
static struct mcim_manifest ref;
static uint8_t again[MCIM_EVIDENCE_PAYLOAD_MAX];

static mcim_err counter_fill(void *self, uint8_t *buf, size_t len)
{
	unsigned *n = self;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(++*n);
	return MCIM_OK;
}

static int unchanged(const struct mcim_evidence *ev)
{
	const uint8_t *p = (const uint8_t *)ev;

	for (size_t i = 0; i < sizeof(*ev); i++)
		if (p[i] != 0xa5)
			return 0;
	return 1;
}

static void check_appraisal(const struct mcim_evidence *ev)
{
	struct mcim_appraisal ap;
	enum mcim_ear_status worst;

	mcim_evidence_appraise(ev, &ref, &ap);
	CHECK(ap.n <= MCIM_APPRAISAL_ITEMS_MAX);
	CHECK(mcim_ear_status_name(ap.firmware) != NULL && ap.firmware != MCIM_EAR_NONE);
	worst = ap.firmware;
	for (size_t i = 0; i < ap.n; i++) {
		CHECK(ap.items[i].status == MCIM_EAR_AFFIRMING ||
		      ap.items[i].status == MCIM_EAR_WARNING ||
		      ap.items[i].status == MCIM_EAR_CONTRAINDICATED);
		if (ap.items[i].status > worst)
			worst = ap.items[i].status;
	}
	CHECK(ap.status == worst);
	if (ev->mode == MCIM_EVIDENCE_AUTONOMOUS)
		CHECK(ap.n == 0 && ev->boot.state == MCIM_BOOT_GOOD);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mcim_evidence ev;
	struct mcim_cert_info cert;
	uint8_t pcrs[MCIM_PCRS][MCIM_SHA256_LEN];
	mcim_err err;
	size_t len;

	memset(&ev, 0xa5, sizeof(ev));
	err = mcim_evidence_decode(data, size, &ev);
	CHECK(err == MCIM_OK || err == MCIM_ERR_TRUNCATED || err == MCIM_ERR_PARSE ||
	      err == MCIM_ERR_TOO_LARGE);
	if (err != MCIM_OK) {
		CHECK(unchanged(&ev));
	} else {
		CHECK(mcim_evidence_encode(&ev, again, sizeof(again), &len) == MCIM_OK);
		CHECK(len == size && memcmp(again, data, size) == 0);
		check_appraisal(&ev);
	}

	memset(&ev, 0xa5, sizeof(ev));
	err = mcim_evidence_verify(
	    data, size, ci_der, ci_len,
	    &(const struct mcim_cert_policy){.role = MCIM_CERT_ROLE_TRE, .now = NOW},
	    nonce, &ev, &cert);
	if (err != MCIM_OK) {
		CHECK(err == MCIM_ERR_TRUNCATED || err == MCIM_ERR_PARSE ||
		      err == MCIM_ERR_TOO_LARGE || err == MCIM_ERR_UNSUPPORTED ||
		      err == MCIM_ERR_BAD_CERT || err == MCIM_ERR_EXPIRED ||
		      err == MCIM_ERR_WRONG_ROLE || err == MCIM_ERR_BAD_SIGNATURE ||
		      err == MCIM_ERR_REPLAY || err == MCIM_ERR_TAMPERED);
		CHECK(unchanged(&ev));
		return 0;
	}
	CHECK(strcmp(ev.tre_id, cert.tre_id) == 0 && strcmp(ev.tre_id, "fuzz-tre") == 0);
	CHECK(memcmp(ev.nonce, nonce, sizeof(nonce)) == 0);
	CHECK(ev.backend == cert.backend && ev.assurance == cert.assurance);
	CHECK(mcim_evidence_replay(ev.events, ev.n_events, pcrs) == MCIM_OK);
	if (ev.mode == MCIM_EVIDENCE_REMOTE)
		CHECK(memcmp(pcrs, ev.pcrs, sizeof(pcrs)) == 0);
	check_appraisal(&ev);
	return 0;
}

/* ---- set-up and seed corpus ---- */

static void issue(struct mcim_cert_info *info, const struct mcim_p256_priv *key,
		  const struct mcim_p256_priv *issuer_key, const uint8_t *issuer,
		  size_t issuer_len, const struct mcim_rng *rng, uint8_t *out,
		  size_t *len)
{
	struct mcim_p256_pub pub;

	info->not_before = T0;
	info->not_after = T0 + 3650 * 86400;
	if (mcim_p256_pub_from_priv(key, &pub) != MCIM_OK ||
	    mcim_cert_issue(info, &pub, issuer_key, issuer, issuer_len, rng, out,
			    MCIM_CERT_MAX_LEN, len) != MCIM_OK)
		abort();
}

static void make_pki(void)
{
	unsigned counter = 0;
	const struct mcim_rng rng = {counter_fill, &counter};
	struct mcim_cert_info info;

	memset(&info, 0, sizeof(info));
	info.role = MCIM_CERT_ROLE_CI;
	strcpy(info.common_name, "fuzz CI");
	issue(&info, &ci_key, &ci_key, NULL, 0, &rng, ci_der, &ci_len);
	memset(&info, 0, sizeof(info));
	info.role = MCIM_CERT_ROLE_M2MES_CA;
	strcpy(info.common_name, "fuzz M2MES CA");
	issue(&info, &ca_key, &ci_key, ci_der, ci_len, &rng, ca_der, &ca_len);
	memset(&info, 0, sizeof(info));
	info.role = MCIM_CERT_ROLE_TRE;
	strcpy(info.common_name, "fuzz TRE");
	strcpy(info.tre_id, "fuzz-tre");
	strcpy(info.platform_id, "490154203237518");
	info.backend = MCIM_CERT_BACKEND_SOFT;
	info.assurance = 1;
	issue(&info, &tre_key, &ca_key, ca_der, ca_len, &rng, tre_der, &tre_len);

	ref.sequence = 4;
	ref.security_version = 1;
	strcpy(ref.platform, "acme-x1");
	ref.n = 2;
	strcpy(ref.components[0].name, "kernel");
	strcpy(ref.components[0].version, "1");
	memset(ref.components[0].digest, 0x01, MCIM_SHA256_LEN);
	strcpy(ref.components[1].name, "app");
	strcpy(ref.components[1].version, "1");
	memset(ref.components[1].digest, 0x02, MCIM_SHA256_LEN);
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

static void write_seeds(const char *dir)
{
	const struct mcim_iov chain[2] = {{tre_der, tre_len}, {ca_der, ca_len}};
	static uint8_t buf[MCIM_EVIDENCE_MAX_LEN];
	static struct mcim_evidence ev;
	char name[32];
	size_t len;

	for (int mode = MCIM_EVIDENCE_REMOTE; mode <= MCIM_EVIDENCE_SEMI_AUTONOMOUS;
	     mode++) {
		memset(&ev, 0, sizeof(ev));
		memcpy(ev.nonce, nonce, sizeof(nonce));
		strcpy(ev.tre_id, "fuzz-tre");
		ev.mode = (enum mcim_evidence_mode)mode;
		ev.boot.state = MCIM_BOOT_GOOD;
		ev.boot.sequence = 4;
		ev.boot.security_version = 1;
		strcpy(ev.boot.platform, "acme-x1");
		if (mode == MCIM_EVIDENCE_REMOTE) {
			ev.n_events = 2;
			for (size_t i = 0; i < 2; i++) {
				ev.events[i].pcr = (uint8_t)(i + 1);
				ev.events[i].type = MCIM_EVENT_COMPONENT;
				strcpy(ev.events[i].name, ref.components[i].name);
				strcpy(ev.events[i].version, "1");
				memset(ev.events[i].digest, (int)(i + 1),
				       MCIM_SHA256_LEN);
			}
			if (mcim_evidence_replay(ev.events, 2, ev.pcrs) != MCIM_OK)
				abort();
		}
		if (mode == MCIM_EVIDENCE_SEMI_AUTONOMOUS) {
			ev.boot.state = MCIM_BOOT_BAD;
			ev.n_failed = 1;
			strcpy(ev.failed[0].name, "app");
			ev.failed[0].reason = MCIM_BOOT_DIGEST_MISMATCH;
		}
		ev.counters.boot_count = 3;
		ev.n_mcims = 1;
		memset(ev.mcims[0].mcim_id, 0x42, MCIM_EVIDENCE_MCIM_ID_LEN);
		strcpy(ev.mcims[0].sho, "00101");
		ev.mcims[0].state = 2;
		if (mcim_evidence_encode(&ev, buf, sizeof(buf), &len) != MCIM_OK)
			abort();
		snprintf(name, sizeof(name), "payload-%d", mode);
		write_seed(dir, name, buf, len);
		if (mcim_evidence_sign(&ev, &tre_key, chain, 2, buf, sizeof(buf), &len) !=
		    MCIM_OK)
			abort();
		snprintf(name, sizeof(name), "signed-%d", mode);
		write_seed(dir, name, buf, len);
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
