/*
 * Attestation evidence (mcim/evidence.h): the TRE signs, the PVA verifies and
 * appraises. A test PKI is built with mcim/cert.h: CI -> M2MES CA -> TRE tre-0001
 * and tre-0002, CI -> M2MES signer, CI -> DPF, and an unknown CI with its own M2MES CA
 * and TRE. Checked here:
 * - R-TRE-G12 / R-TRE-G07: good evidence verifies in each mode, with the claims
 *   (backend, assurance) taken from the TRE certificate;
 * - R-PRC-203: evidence for another nonce (a replayed quote) is refused;
 * - R-PRC-205: evidence naming tre-0001 signed by tre-0002's key and certificate is
 *   refused; a DPF's, an unknown CA's or an expired certificate too;
 * - the event log must replay to the registers: a modified register or event,
 *   signed by the TRE, is refused as tampered;
 * - every single-bit change and every truncation of the signed object is refused;
 *   every field of the payload malformed in turn is refused by the decoder and, when
 *   validly signed, by the verifier;
 * - the appraisal against reference values: all match -> affirming; an unknown
 *   measurement or another digest -> contraindicated; a component not measured or
 *   another firmware sequence -> warning; another platform -> contraindicated;
 *   semi-autonomous failed list carried and judged (R-PRC-202).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/cose.h"
#include "mcim/evidence.h"

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

static struct {
	struct party ci, ca, tre, tre2, m2mes, dpf, other_ci, other_ca, other_tre;
} pki;

static uint8_t buf[MCIM_EVIDENCE_MAX_LEN];

static void party(struct party *p, struct party *issuer, enum mcim_cert_role role,
		  const char *cn, const char *tre_id, time_t not_after)
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
		strcpy(p->info.tre_id, tre_id);
		strcpy(p->info.platform_id, "490154203237518");
		p->info.backend = MCIM_CERT_BACKEND_TPM2;
		p->info.assurance = 3;
	}
	assert_int_equal(mcim_p256_keygen(&p->priv, &p->pub), MCIM_OK);
	assert_int_equal(
	    mcim_cert_issue(&p->info, &p->pub, issuer ? &issuer->priv : &p->priv,
			    issuer ? issuer->der : NULL, issuer ? issuer->len : 0,
			    mcim_rng_system(), p->der, sizeof(p->der), &p->len),
	    MCIM_OK);
}

static int setup(void **state)
{
	(void)state;
	party(&pki.ci, NULL, MCIM_CERT_ROLE_CI, "openmcim CI", NULL, T0 + 20 * YEAR);
	party(&pki.ca, &pki.ci, MCIM_CERT_ROLE_M2MES_CA, "Acme CA", NULL, T0 + 15 * YEAR);
	party(&pki.tre, &pki.ca, MCIM_CERT_ROLE_TRE, "TRE 1", "tre-0001", T0 + 10 * YEAR);
	party(&pki.tre2, &pki.ca, MCIM_CERT_ROLE_TRE, "TRE 2", "tre-0002",
	      T0 + 10 * YEAR);
	party(&pki.m2mes, &pki.ci, MCIM_CERT_ROLE_M2MES, "Acme fw", NULL, T0 + 2 * YEAR);
	party(&pki.dpf, &pki.ci, MCIM_CERT_ROLE_DPF, "DPF", NULL, T0 + 2 * YEAR);
	party(&pki.other_ci, NULL, MCIM_CERT_ROLE_CI, "openmcim CI", NULL,
	      T0 + 20 * YEAR);
	party(&pki.other_ca, &pki.other_ci, MCIM_CERT_ROLE_M2MES_CA, "Acme CA", NULL,
	      T0 + 15 * YEAR);
	party(&pki.other_tre, &pki.other_ca, MCIM_CERT_ROLE_TRE, "TRE 1", "tre-0001",
	      T0 + 10 * YEAR);
	return 0;
}

static int teardown(void **state)
{
	struct party *all[] = {&pki.ci,	      &pki.ca,	     &pki.tre,
			       &pki.tre2,     &pki.m2mes,    &pki.dpf,
			       &pki.other_ci, &pki.other_ca, &pki.other_tre};

	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		mcim_p256_priv_wipe(&all[i]->priv);
	return 0;
}

static const uint8_t nonce[MCIM_EVIDENCE_NONCE_LEN] = {
    0x6e, 0x6f, 0x6e, 0x63, 0x65, 0x21, 0x01, 0x02, 0x03, 0x04, 0x05,
    0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
};

/* Register r extended with d, computed here from SHA-256 alone. */
static void extend(uint8_t r[32], const uint8_t d[32])
{
	const struct mcim_iov p[2] = {{r, 32}, {d, 32}};

	assert_int_equal(mcim_sha256_v(p, 2, r), MCIM_OK);
}

static const char *const comp_names[3] = {"bootloader", "kernel", "app"};

/* The reference manifest: three components, digests 0x11.., 0x22.., 0x33... */
static void reference(struct mcim_manifest *m)
{
	memset(m, 0, sizeof(*m));
	m->sequence = 9;
	m->security_version = 2;
	strcpy(m->platform, "acme-x1");
	m->n = 3;
	for (size_t i = 0; i < 3; i++) {
		strcpy(m->components[i].name, comp_names[i]);
		strcpy(m->components[i].version, "1.0");
		memset(m->components[i].digest, (int)(0x11 * (i + 1)), 32);
	}
}

/* REMOTE evidence of a good boot of the reference: manifest event + 3 components. */
static void sample(struct mcim_evidence *ev, enum mcim_evidence_mode mode)
{
	memset(ev, 0, sizeof(*ev));
	memcpy(ev->nonce, nonce, sizeof(nonce));
	strcpy(ev->tre_id, "tre-0001");
	ev->mode = mode;
	ev->boot.state = MCIM_BOOT_GOOD;
	ev->boot.sequence = 9;
	ev->boot.security_version = 2;
	strcpy(ev->boot.platform, "acme-x1");
	if (mode == MCIM_EVIDENCE_REMOTE) {
		ev->n_events = 4;
		ev->events[0].pcr = 0;
		ev->events[0].type = MCIM_EVENT_MANIFEST;
		strcpy(ev->events[0].name, "manifest");
		strcpy(ev->events[0].version, "9");
		memset(ev->events[0].digest, 0xaa, 32);
		for (size_t i = 0; i < 3; i++) {
			struct mcim_event *e = &ev->events[1 + i];

			e->pcr = (uint8_t)(1 + i / 2);
			e->type = MCIM_EVENT_COMPONENT;
			strcpy(e->name, comp_names[i]);
			strcpy(e->version, "1.0");
			memset(e->digest, (int)(0x11 * (i + 1)), 32);
		}
		for (size_t i = 0; i < 4; i++)
			extend(ev->pcrs[ev->events[i].pcr], ev->events[i].digest);
	}
	ev->counters.boot_count = 17;
	ev->counters.tamper_count = 1;
	ev->counters.store_generation = 1234567890123ull;
	ev->counters.failed_auths = 0;
	ev->n_mcims = 2;
	memset(ev->mcims[0].mcim_id, 0x01, 16);
	strcpy(ev->mcims[0].sho, "00101");
	ev->mcims[0].state = 2;
	memset(ev->mcims[1].mcim_id, 0x02, 16);
	strcpy(ev->mcims[1].sho, "310410");
	ev->mcims[1].state = 1;
}

static size_t sign_by(const struct mcim_evidence *ev, const struct party *p)
{
	struct mcim_iov chain[MCIM_CERT_CHAIN_MAX];
	size_t n = 0, len;

	for (const struct party *q = p; q->issuer != NULL; q = q->issuer) {
		chain[n].data = q->der;
		chain[n].len = q->len;
		n++;
	}
	assert_int_equal(
	    mcim_evidence_sign(ev, &p->priv, chain, n, buf, sizeof(buf), &len), MCIM_OK);
	return len;
}

static mcim_err verify_revoked(size_t len, time_t now,
			       const struct mcim_cert_serial *revoked, size_t n_revoked,
			       struct mcim_evidence *got)
{
	const struct mcim_cert_policy policy = {.role = MCIM_CERT_ROLE_TRE,
						.now = now,
						.revoked = revoked,
						.n_revoked = n_revoked};

	return mcim_evidence_verify(buf, len, pki.ci.der, pki.ci.len, &policy, nonce, got,
				    NULL);
}

static mcim_err verify(size_t len, time_t now, struct mcim_evidence *got)
{
	return verify_revoked(len, now, NULL, 0, got);
}

/* ---- good evidence ---- */

static void good_evidence_each_mode(void **state)
{
	const enum mcim_evidence_mode modes[3] = {MCIM_EVIDENCE_REMOTE,
						  MCIM_EVIDENCE_AUTONOMOUS,
						  MCIM_EVIDENCE_SEMI_AUTONOMOUS};
	struct mcim_evidence ev, got;
	struct mcim_cert_info cert;

	(void)state;
	for (size_t m = 0; m < 3; m++) {
		size_t len;

		sample(&ev, modes[m]);
		len = sign_by(&ev, &pki.tre);
		memset(&got, 0xee, sizeof(got));
		assert_int_equal(
		    mcim_evidence_verify(buf, len, pki.ci.der, pki.ci.len,
					 &(const struct mcim_cert_policy){
					     .role = MCIM_CERT_ROLE_TRE, .now = NOW},
					 nonce, &got, &cert),
		    MCIM_OK);
		/* Everything signed comes back; the claims come from the certificate. */
		assert_int_equal(got.backend, MCIM_CERT_BACKEND_TPM2);
		assert_int_equal(got.assurance, 3);
		assert_string_equal(cert.tre_id, "tre-0001");
		assert_string_equal(cert.platform_id, "490154203237518");
		got.backend = ev.backend;
		got.assurance = ev.assurance;
		assert_memory_equal(&got, &ev, sizeof(ev));
	}
	/* The TRE's certificate chain with the root appended verifies as well. */
	{
		const struct mcim_iov chain[3] = {{pki.tre.der, pki.tre.len},
						  {pki.ca.der, pki.ca.len},
						  {pki.ci.der, pki.ci.len}};
		size_t len;

		sample(&ev, MCIM_EVIDENCE_REMOTE);
		assert_int_equal(mcim_evidence_sign(&ev, &pki.tre.priv, chain, 3, buf,
						    sizeof(buf), &len),
				 MCIM_OK);
		assert_int_equal(verify(len, NOW, &got), MCIM_OK);
	}
}

static void payload_round_trip_limits(void **state)
{
	uint8_t payload[MCIM_EVIDENCE_PAYLOAD_MAX];
	struct mcim_evidence ev, got;
	size_t len;

	(void)state;
	/* Every list at its maximum, every text at its longest. */
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	memset(ev.tre_id, 't', MCIM_CERT_TRE_ID_MAX);
	ev.tre_id[MCIM_CERT_TRE_ID_MAX] = '\0';
	memset(ev.boot.platform, 'p', MCIM_MANIFEST_PLATFORM_MAX);
	ev.boot.platform[MCIM_MANIFEST_PLATFORM_MAX] = '\0';
	ev.boot.sequence = UINT32_MAX;
	ev.n_events = MCIM_EVENTS_MAX;
	for (size_t i = 0; i < MCIM_EVENTS_MAX; i++) {
		ev.events[i].pcr = (uint8_t)(i % MCIM_PCRS);
		ev.events[i].type = MCIM_EVENT_COMPONENT;
		memset(ev.events[i].name, 'n', MCIM_MANIFEST_NAME_MAX);
		ev.events[i].name[MCIM_MANIFEST_NAME_MAX] = '\0';
		memset(ev.events[i].version, 'v', MCIM_MANIFEST_VERSION_MAX);
		ev.events[i].version[MCIM_MANIFEST_VERSION_MAX] = '\0';
	}
	ev.counters.failed_auths = UINT64_MAX;
	ev.n_mcims = MCIM_EVIDENCE_MCIMS_MAX;
	for (size_t i = 0; i < ev.n_mcims; i++) {
		strcpy(ev.mcims[i].sho, "310410");
		ev.mcims[i].state = 4;
	}
	assert_int_equal(mcim_evidence_encode(&ev, payload, sizeof(payload), &len),
			 MCIM_OK);
	assert_int_equal(mcim_evidence_decode(payload, len, &got), MCIM_OK);
	assert_memory_equal(&got, &ev, sizeof(ev));
	/* Semi-autonomous with the longest failed list. */
	sample(&ev, MCIM_EVIDENCE_SEMI_AUTONOMOUS);
	ev.boot.state = MCIM_BOOT_BAD;
	ev.boot.manifest_reason = MCIM_BOOT_MANIFEST_EXPIRED;
	ev.n_failed = MCIM_EVIDENCE_FAILED_MAX;
	for (size_t i = 0; i < ev.n_failed; i++) {
		snprintf(ev.failed[i].name, sizeof(ev.failed[i].name), "c%zu", i);
		ev.failed[i].reason = MCIM_BOOT_MANIFEST_EXPIRED;
	}
	assert_int_equal(mcim_evidence_encode(&ev, payload, sizeof(payload), &len),
			 MCIM_OK);
	assert_int_equal(mcim_evidence_decode(payload, len, &got), MCIM_OK);
	assert_memory_equal(&got, &ev, sizeof(ev));
	for (size_t cap = 0; cap < len; cap += 7) {
		size_t l2;

		assert_int_equal(mcim_evidence_encode(&ev, payload, cap, &l2),
				 MCIM_ERR_BUFFER_TOO_SMALL);
	}
}

/* ---- refusals by the PVA ---- */

/* R-PRC-203: a quote for an old nonce is a replay. */
static void wrong_nonce_refused(void **state)
{
	struct mcim_evidence ev, got;
	size_t len;

	(void)state;
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	ev.nonce[31] ^= 0x80;
	len = sign_by(&ev, &pki.tre);
	assert_int_equal(verify(len, NOW, &got), MCIM_ERR_REPLAY);
}

/* R-PRC-205: device A's evidence under device B's certificate. */
static void other_tres_cert_refused(void **state)
{
	struct mcim_evidence ev, got;
	size_t len;

	(void)state;
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	len = sign_by(&ev, &pki.tre2);
	assert_int_equal(verify(len, NOW, &got), MCIM_ERR_DENIED);
	/* The same TRE id under an unknown CA. */
	len = sign_by(&ev, &pki.other_tre);
	assert_int_equal(verify(len, NOW, &got), MCIM_ERR_BAD_CERT);
	len = sign_by(&ev, &pki.dpf);
	assert_int_equal(verify(len, NOW, &got), MCIM_ERR_WRONG_ROLE);
	len = sign_by(&ev, &pki.m2mes);
	assert_int_equal(verify(len, NOW, &got), MCIM_ERR_WRONG_ROLE);
	len = sign_by(&ev, &pki.tre);
	assert_int_equal(verify(len, pki.tre.info.not_after + 1, &got), MCIM_ERR_EXPIRED);
	/* A key that is not the certificate's. */
	{
		const struct mcim_iov chain[2] = {{pki.tre.der, pki.tre.len},
						  {pki.ca.der, pki.ca.len}};

		assert_int_equal(mcim_evidence_sign(&ev, &pki.tre2.priv, chain, 2, buf,
						    sizeof(buf), &len),
				 MCIM_OK);
		assert_int_equal(verify(len, NOW, &got), MCIM_ERR_BAD_SIGNATURE);
	}
}

/* R-PRC-203: a revoked certificate anywhere in the chain refuses the evidence: the
 * TRE's own, or its M2MES CA's (every TRE it issued at once); another serial on the
 * list changes nothing. */
static struct mcim_cert_serial serial_of(const struct party *p)
{
	struct mcim_cert_info info;

	assert_int_equal(mcim_cert_parse(p->der, p->len, &info, NULL), MCIM_OK);
	return info.serial;
}

static void revoked_chain_refused(void **state)
{
	struct mcim_evidence ev, got;
	struct mcim_cert_serial list[2];
	size_t len;

	(void)state;
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	len = sign_by(&ev, &pki.tre);
	list[0] = serial_of(&pki.tre2);
	assert_int_equal(verify_revoked(len, NOW, list, 1, &got), MCIM_OK);
	list[1] = serial_of(&pki.tre);
	assert_int_equal(verify_revoked(len, NOW, list, 2, &got), MCIM_ERR_BAD_CERT);
	list[1] = serial_of(&pki.ca);
	assert_int_equal(verify_revoked(len, NOW, list, 2, &got), MCIM_ERR_BAD_CERT);
	len = sign_by(&ev, &pki.tre2);
	list[0] = serial_of(&pki.ca);
	assert_int_equal(verify_revoked(len, NOW, list, 1, &got), MCIM_ERR_BAD_CERT);
}

static void log_must_replay(void **state)
{
	struct mcim_evidence ev, got;
	size_t len;

	(void)state;
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	ev.pcrs[2][0] ^= 1;
	len = sign_by(&ev, &pki.tre);
	assert_int_equal(verify(len, NOW, &got), MCIM_ERR_TAMPERED);
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	ev.events[3].digest[5] ^= 1;
	len = sign_by(&ev, &pki.tre);
	assert_int_equal(verify(len, NOW, &got), MCIM_ERR_TAMPERED);
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	ev.n_events = 3;
	len = sign_by(&ev, &pki.tre);
	assert_int_equal(verify(len, NOW, &got), MCIM_ERR_TAMPERED);
	/* Names are not in the registers: renaming is caught by the appraisal. */
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	strcpy(ev.events[1].name, "kernel2");
	len = sign_by(&ev, &pki.tre);
	assert_int_equal(verify(len, NOW, &got), MCIM_OK);
}

static void every_change_refused(void **state)
{
	struct mcim_evidence ev, got;
	size_t len;

	(void)state;
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	len = sign_by(&ev, &pki.tre);
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(verify(len, NOW, &got), MCIM_OK);
		buf[i] ^= (uint8_t)(1u << (i % 8));
	}
	for (size_t cut = 0; cut < len; cut++)
		assert_int_not_equal(verify(cut, NOW, &got), MCIM_OK);
	assert_int_equal(verify(len, NOW, &got), MCIM_OK);
	assert_int_equal(verify(MCIM_EVIDENCE_MAX_LEN + 1, NOW, &got),
			 MCIM_ERR_TOO_LARGE);
}

/* ---- strict decoding: hand-made payloads, one flaw each ---- */

enum flaw {
	F_NONE,
	F_CONTEXT,
	F_NONCE_31,
	F_NONCE_TSTR,
	F_TRE_ID_EMPTY,
	F_TRE_ID_65,
	F_TRE_ID_CTRL,
	F_MODE_0,
	F_MODE_4,
	F_MODE_HUGE,
	F_BOOT_4,
	F_BOOT_STATE_0,
	F_BOOT_STATE_3,
	F_BOOT_REASON_5,
	F_BOOT_GOOD_REASON,
	F_BOOT_SEQ_HUGE,
	F_BOOT_PLATFORM_32,
	F_PCRS_7,
	F_PCR_31,
	F_NO_PCRS,
	F_EVENTS_33,
	F_EVENT_PCR_8,
	F_EVENT_TYPE_3,
	F_EVENT_NAME_EMPTY,
	F_EVENT_VERSION_24,
	F_EVENT_DIGEST_33,
	F_EVENT_4,
	F_COUNTERS_3,
	F_COUNTER_NEG,
	F_NO_COUNTERS,
	F_MCIMS_9,
	F_MCIM_ID_15,
	F_MCIM_SHO_4,
	F_MCIM_SHO_ALPHA,
	F_MCIM_STATE_0,
	F_MCIM_STATE_5,
	F_FAILED_IN_REMOTE,
	F_UNKNOWN_KEY,
	F_TRAILING,
	F_SEMI_NO_FAILED,
	F_SEMI_FAILED_17,
	F_SEMI_FAILED_OK,
	F_SEMI_FAILED_99,
	F_SEMI_FAILED_EMPTY,
	F_SEMI_GOOD_WITH_FAILED,
	F_SEMI_WITH_EVENTS,
	F_AUTO_BAD,
	F_COUNT
};

static mcim_err flaw_err(enum flaw f)
{
	switch (f) {
	case F_NONE:
		return MCIM_OK;
	case F_MODE_HUGE:
	case F_BOOT_SEQ_HUGE:
	case F_EVENTS_33:
	case F_MCIMS_9:
	case F_SEMI_FAILED_17:
		return MCIM_ERR_TOO_LARGE;
	default:
		return MCIM_ERR_PARSE;
	}
}

static enum mcim_evidence_mode flaw_mode(enum flaw f)
{
	if (f >= F_SEMI_NO_FAILED && f <= F_SEMI_WITH_EVENTS)
		return MCIM_EVIDENCE_SEMI_AUTONOMOUS;
	if (f == F_AUTO_BAD)
		return MCIM_EVIDENCE_AUTONOMOUS;
	return MCIM_EVIDENCE_REMOTE;
}

static void put_event(struct mcim_cbor_writer *w, enum flaw f, size_t i)
{
	uint8_t d[33];

	memset(d, (int)i, sizeof(d));
	mcim_cbor_put_array(w, i == 0 && f == F_EVENT_4 ? 4 : 5);
	mcim_cbor_put_uint(w, i == 0 && f == F_EVENT_PCR_8 ? 8 : 1);
	mcim_cbor_put_uint(w, i == 0 && f == F_EVENT_TYPE_3 ? 3 : MCIM_EVENT_COMPONENT);
	mcim_cbor_put_cstr(w, i == 0 && f == F_EVENT_NAME_EMPTY ? "" : "kernel");
	if (!(i == 0 && f == F_EVENT_4))
		mcim_cbor_put_cstr(w, i == 0 && f == F_EVENT_VERSION_24
					  ? "123456789012345678901234"
					  : "");
	mcim_cbor_put_bstr(w, d, i == 0 && f == F_EVENT_DIGEST_33 ? 33 : 32);
}

static size_t craft(enum flaw f, uint8_t *out, size_t cap)
{
	const enum mcim_evidence_mode mode = flaw_mode(f);
	const int remote = mode == MCIM_EVIDENCE_REMOTE && f != F_NO_PCRS;
	const int failed = mode == MCIM_EVIDENCE_SEMI_AUTONOMOUS
			       ? f != F_SEMI_NO_FAILED
			       : f == F_FAILED_IN_REMOTE;
	const int bad = failed && f != F_SEMI_GOOD_WITH_FAILED;
	uint8_t zeros[33] = {0};
	struct mcim_cbor_writer w;
	size_t len, n;

	mcim_cbor_writer_init(&w, out, cap);
	mcim_cbor_put_map(&w, 5 + (remote ? 2 : 0) + (f != F_NO_COUNTERS) + 1 +
				  (failed ? 1 : 0) + (f == F_UNKNOWN_KEY) +
				  (f == F_SEMI_WITH_EVENTS ? 2 : 0));
	mcim_cbor_put_uint(&w, 1);
	mcim_cbor_put_cstr(&w,
			   f == F_CONTEXT ? "mcim/fw/manifest" : MCIM_EVIDENCE_CONTEXT);
	mcim_cbor_put_uint(&w, 2);
	if (f == F_NONCE_TSTR)
		mcim_cbor_put_cstr(&w, "nonce");
	else
		mcim_cbor_put_bstr(&w, nonce, f == F_NONCE_31 ? 31 : 32);
	mcim_cbor_put_uint(&w, 3);
	if (f == F_TRE_ID_65) {
		char id[66];

		memset(id, 'i', 65);
		id[65] = '\0';
		mcim_cbor_put_cstr(&w, id);
	} else {
		mcim_cbor_put_cstr(&w, f == F_TRE_ID_EMPTY  ? ""
				       : f == F_TRE_ID_CTRL ? "tre-\x7f"
							    : "tre-0001");
	}
	mcim_cbor_put_uint(&w, 4);
	mcim_cbor_put_uint(&w, f == F_MODE_0	  ? 0
			       : f == F_MODE_4	  ? 4
			       : f == F_MODE_HUGE ? 256
						  : (uint64_t)mode);
	mcim_cbor_put_uint(&w, 5);
	mcim_cbor_put_array(&w, f == F_BOOT_4 ? 4 : 5);
	mcim_cbor_put_uint(&w, f == F_BOOT_STATE_0	? 0
			       : f == F_BOOT_STATE_3	? 3
			       : bad || f == F_AUTO_BAD ? MCIM_BOOT_BAD
							: MCIM_BOOT_GOOD);
	mcim_cbor_put_uint(&w, f == F_BOOT_REASON_5	 ? 5
			       : f == F_BOOT_GOOD_REASON ? MCIM_BOOT_MANIFEST_EXPIRED
							 : MCIM_BOOT_OK);
	mcim_cbor_put_uint(&w, f == F_BOOT_SEQ_HUGE ? (uint64_t)UINT32_MAX + 1 : 9);
	mcim_cbor_put_uint(&w, 2);
	mcim_cbor_put_cstr(
	    &w, f == F_BOOT_PLATFORM_32 ? "0123456789abcdef0123456789abcdef" : "acme-x1");
	if (remote || f == F_SEMI_WITH_EVENTS) {
		uint8_t pcrs[MCIM_PCRS][32];
		struct mcim_event ev;

		memset(pcrs, 0, sizeof(pcrs));
		memset(ev.digest, 0, 32);
		extend(pcrs[1], ev.digest);
		mcim_cbor_put_uint(&w, 6);
		mcim_cbor_put_array(&w, f == F_PCRS_7 ? 7 : MCIM_PCRS);
		for (size_t i = 0; i < (f == F_PCRS_7 ? 7u : MCIM_PCRS); i++)
			mcim_cbor_put_bstr(&w, i == 0 && f == F_PCR_31 ? zeros : pcrs[i],
					   i == 0 && f == F_PCR_31 ? 31 : 32);
		n = f == F_EVENTS_33 ? 33 : 1;
		mcim_cbor_put_uint(&w, 7);
		mcim_cbor_put_array(&w, n);
		for (size_t i = 0; i < n; i++)
			put_event(&w, f, i);
	}
	if (f != F_NO_COUNTERS) {
		mcim_cbor_put_uint(&w, 8);
		mcim_cbor_put_array(&w, f == F_COUNTERS_3 ? 3 : 4);
		mcim_cbor_put_uint(&w, 1);
		mcim_cbor_put_int(&w, f == F_COUNTER_NEG ? -1 : 2);
		mcim_cbor_put_uint(&w, 3);
		if (f != F_COUNTERS_3)
			mcim_cbor_put_uint(&w, 4);
	}
	mcim_cbor_put_uint(&w, 9);
	n = f == F_MCIMS_9 ? 9 : 1;
	mcim_cbor_put_array(&w, n);
	for (size_t i = 0; i < n; i++) {
		mcim_cbor_put_array(&w, 3);
		mcim_cbor_put_bstr(&w, zeros, f == F_MCIM_ID_15 ? 15 : 16);
		mcim_cbor_put_cstr(&w, f == F_MCIM_SHO_4       ? "0010"
				       : f == F_MCIM_SHO_ALPHA ? "0010a"
							       : "00101");
		mcim_cbor_put_uint(&w, f == F_MCIM_STATE_0   ? 0
				       : f == F_MCIM_STATE_5 ? 5
							     : 2);
	}
	if (failed) {
		n = f == F_SEMI_FAILED_17 ? 17 : 1;
		mcim_cbor_put_uint(&w, 10);
		mcim_cbor_put_array(&w, n);
		for (size_t i = 0; i < n; i++) {
			mcim_cbor_put_array(&w, 2);
			mcim_cbor_put_cstr(&w, f == F_SEMI_FAILED_EMPTY ? "" : "kernel");
			mcim_cbor_put_uint(&w, f == F_SEMI_FAILED_OK   ? 0
					       : f == F_SEMI_FAILED_99 ? 99
								       : 2);
		}
	}
	if (f == F_UNKNOWN_KEY) {
		mcim_cbor_put_uint(&w, 11);
		mcim_cbor_put_null(&w);
	}
	if (f == F_TRAILING)
		mcim_cbor_put_uint(&w, 0);
	assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
	return len;
}

static void strict_decoding(void **state)
{
	uint8_t payload[4096];
	struct mcim_evidence got;

	(void)state;
	for (int f = 0; f < F_COUNT; f++) {
		const struct mcim_iov chain[2] = {{pki.tre.der, pki.tre.len},
						  {pki.ca.der, pki.ca.len}};
		const struct mcim_cose_sign1_opts opts = {NULL, 0, NULL, 0, chain, 2};
		size_t plen = craft((enum flaw)f, payload, sizeof(payload)), len;
		mcim_err want = flaw_err((enum flaw)f);
		mcim_err err = mcim_evidence_decode(payload, plen, &got);

		if (err != want)
			fail_msg("flaw %d: decode %s, expected %s", f, mcim_err_name(err),
				 mcim_err_name(want));
		assert_int_equal(mcim_cose_sign1_sign(&pki.tre.priv, payload, plen, &opts,
						      buf, sizeof(buf), &len),
				 MCIM_OK);
		err = verify(len, NOW, &got);
		if (err != want)
			fail_msg("flaw %d: verify %s, expected %s", f, mcim_err_name(err),
				 mcim_err_name(want));
	}
	/* The hand-made one, as the library encodes it: the format is what the header
	 * says, not only what the encoder does. */
	assert_int_equal(
	    mcim_evidence_decode(payload, craft(F_NONE, payload, sizeof(payload)), &got),
	    MCIM_OK);
	{
		uint8_t again[4096];
		size_t len, plen = craft(F_NONE, payload, sizeof(payload));

		assert_int_equal(mcim_evidence_encode(&got, again, sizeof(again), &len),
				 MCIM_OK);
		assert_int_equal(len, plen);
		assert_memory_equal(again, payload, len);
	}
	for (size_t cut = 0; cut < sizeof(payload); cut++) {
		size_t plen = craft(F_NONE, payload, sizeof(payload));
		mcim_err err;

		if (cut >= plen)
			break;
		err = mcim_evidence_decode(payload, cut, &got);
		assert_true(err == MCIM_ERR_TRUNCATED || err == MCIM_ERR_PARSE);
	}
}

static void encoder_refusals(void **state)
{
	const struct mcim_iov chain = {pki.tre.der, pki.tre.len};
	struct mcim_evidence ev;
	uint8_t out[MCIM_EVIDENCE_PAYLOAD_MAX];
	size_t len;

	(void)state;
	/* Autonomous: a BAD boot cannot be signed (R-PRC-201). */
	sample(&ev, MCIM_EVIDENCE_AUTONOMOUS);
	ev.boot.state = MCIM_BOOT_BAD;
	assert_int_equal(
	    mcim_evidence_sign(&ev, &pki.tre.priv, &chain, 1, buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	sample(&ev, MCIM_EVIDENCE_SEMI_AUTONOMOUS);
	ev.n_events = 1;
	assert_int_equal(mcim_evidence_encode(&ev, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	ev.n_failed = 1;
	strcpy(ev.failed[0].name, "x");
	ev.failed[0].reason = MCIM_BOOT_UNREADABLE;
	assert_int_equal(mcim_evidence_encode(&ev, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	ev.events[1].pcr = MCIM_PCRS;
	assert_int_equal(mcim_evidence_encode(&ev, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	ev.n_events = MCIM_EVENTS_MAX + 1;
	assert_int_equal(mcim_evidence_encode(&ev, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	ev.mode = (enum mcim_evidence_mode)0;
	assert_int_equal(mcim_evidence_encode(&ev, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	strcpy(ev.mcims[1].sho, "3104"); /* 5 or 6 digits */
	assert_int_equal(mcim_evidence_encode(&ev, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	ev.tre_id[0] = '\0';
	assert_int_equal(mcim_evidence_encode(&ev, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	assert_int_equal(
	    mcim_evidence_sign(&ev, &pki.tre.priv, &chain, 0, buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_evidence_sign(&ev, &pki.tre.priv, &chain, 1, buf, 64, &len),
			 MCIM_ERR_BUFFER_TOO_SMALL);
}

static void replay_limits(void **state)
{
	struct mcim_event events[MCIM_EVENTS_MAX + 1];
	uint8_t pcrs[MCIM_PCRS][32], zero[MCIM_PCRS][32];

	(void)state;
	memset(events, 0, sizeof(events));
	memset(zero, 0, sizeof(zero));
	memset(pcrs, 0x55, sizeof(pcrs));
	assert_int_equal(mcim_evidence_replay(events, 0, pcrs), MCIM_OK);
	assert_memory_equal(pcrs, zero, sizeof(zero));
	assert_int_equal(mcim_evidence_replay(events, MCIM_EVENTS_MAX + 1, pcrs),
			 MCIM_ERR_INVALID_ARG);
	events[3].pcr = MCIM_PCRS;
	assert_int_equal(mcim_evidence_replay(events, 4, pcrs), MCIM_ERR_INVALID_ARG);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(mcim_boot_reason_name(MCIM_BOOT_DIGEST_MISMATCH),
			    "digest-mismatch");
	assert_string_equal(mcim_boot_reason_name(MCIM_BOOT_MANIFEST_PLATFORM),
			    "manifest-platform");
	assert_null(mcim_boot_reason_name((enum mcim_boot_reason)4));
	assert_null(mcim_boot_reason_name((enum mcim_boot_reason)24));
	assert_string_equal(mcim_ear_status_name(MCIM_EAR_AFFIRMING), "affirming");
	assert_string_equal(mcim_ear_status_name(MCIM_EAR_WARNING), "warning");
	assert_string_equal(mcim_ear_status_name(MCIM_EAR_CONTRAINDICATED),
			    "contraindicated");
	assert_string_equal(mcim_ear_status_name(MCIM_EAR_NONE), "none");
	assert_null(mcim_ear_status_name((enum mcim_ear_status)3));
}

/* ---- appraisal against reference values (R-TRE-G12, R-PRC-202, R-PRC-203) ---- */

static void appraise_remote(void **state)
{
	struct mcim_evidence ev;
	struct mcim_manifest ref;
	struct mcim_appraisal ap;

	(void)state;
	reference(&ref);
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	mcim_evidence_appraise(&ev, &ref, &ap);
	assert_int_equal(ap.status, MCIM_EAR_AFFIRMING);
	assert_int_equal(ap.firmware, MCIM_EAR_AFFIRMING);
	assert_int_equal(ap.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(ap.items[i].name, comp_names[i]);
		assert_int_equal(ap.items[i].status, MCIM_EAR_AFFIRMING);
		assert_int_equal(ap.items[i].reason, MCIM_APPRAISAL_MATCH);
	}
	/* An unknown measurement (R-PRC-203). */
	strcpy(ev.events[2].name, "rootkit");
	mcim_evidence_appraise(&ev, &ref, &ap);
	assert_int_equal(ap.status, MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(ap.n, 4);
	assert_string_equal(ap.items[1].name, "rootkit");
	assert_int_equal(ap.items[1].reason, MCIM_APPRAISAL_UNKNOWN);
	assert_string_equal(ap.items[3].name, "kernel");
	assert_int_equal(ap.items[3].status, MCIM_EAR_WARNING);
	assert_int_equal(ap.items[3].reason, MCIM_APPRAISAL_NOT_MEASURED);
	/* One changed measurement. */
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	ev.events[3].digest[0] ^= 1;
	mcim_evidence_appraise(&ev, &ref, &ap);
	assert_int_equal(ap.status, MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(ap.items[2].reason, MCIM_APPRAISAL_MISMATCH);
	assert_int_equal(ap.items[0].status, MCIM_EAR_AFFIRMING);
	/* Not measured only: a warning. */
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	ev.n_events = 3;
	mcim_evidence_appraise(&ev, &ref, &ap);
	assert_int_equal(ap.status, MCIM_EAR_WARNING);
	/* Another firmware sequence: a warning; another platform: contraindicated. */
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	ev.boot.sequence = 8;
	mcim_evidence_appraise(&ev, &ref, &ap);
	assert_int_equal(ap.status, MCIM_EAR_WARNING);
	assert_int_equal(ap.firmware_reason, MCIM_APPRAISAL_OTHER_FIRMWARE);
	sample(&ev, MCIM_EVIDENCE_REMOTE);
	strcpy(ev.boot.platform, "acme-x2");
	mcim_evidence_appraise(&ev, &ref, &ap);
	assert_int_equal(ap.status, MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(ap.firmware_reason, MCIM_APPRAISAL_OTHER_PLATFORM);
}

static void appraise_semi_and_autonomous(void **state)
{
	struct mcim_evidence ev;
	struct mcim_manifest ref;
	struct mcim_appraisal ap;

	(void)state;
	reference(&ref);
	sample(&ev, MCIM_EVIDENCE_SEMI_AUTONOMOUS);
	mcim_evidence_appraise(&ev, &ref, &ap);
	assert_int_equal(ap.status, MCIM_EAR_AFFIRMING);
	assert_int_equal(ap.n, 3);
	assert_int_equal(ap.items[0].reason, MCIM_APPRAISAL_SELF_CHECKED);
	ev.boot.state = MCIM_BOOT_BAD;
	ev.n_failed = 2;
	strcpy(ev.failed[0].name, "kernel");
	ev.failed[0].reason = MCIM_BOOT_DIGEST_MISMATCH;
	strcpy(ev.failed[1].name, "extra");
	ev.failed[1].reason = MCIM_BOOT_NOT_IN_MANIFEST;
	mcim_evidence_appraise(&ev, &ref, &ap);
	assert_int_equal(ap.status, MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(ap.n, 4);
	assert_int_equal(ap.items[0].status, MCIM_EAR_AFFIRMING);
	assert_int_equal(ap.items[1].status, MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(ap.items[1].reason, MCIM_APPRAISAL_FAILED_ON_DEVICE);
	assert_string_equal(ap.items[3].name, "extra");
	assert_int_equal(ap.items[3].status, MCIM_EAR_CONTRAINDICATED);
	sample(&ev, MCIM_EVIDENCE_AUTONOMOUS);
	mcim_evidence_appraise(&ev, &ref, &ap);
	assert_int_equal(ap.status, MCIM_EAR_AFFIRMING);
	assert_int_equal(ap.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(good_evidence_each_mode),
	    cmocka_unit_test(payload_round_trip_limits),
	    cmocka_unit_test(wrong_nonce_refused),
	    cmocka_unit_test(other_tres_cert_refused),
	    cmocka_unit_test(revoked_chain_refused),
	    cmocka_unit_test(log_must_replay),
	    cmocka_unit_test(every_change_refused),
	    cmocka_unit_test(strict_decoding),
	    cmocka_unit_test(encoder_refusals),
	    cmocka_unit_test(replay_limits),
	    cmocka_unit_test(names),
	    cmocka_unit_test(appraise_remote),
	    cmocka_unit_test(appraise_semi_and_autonomous),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
