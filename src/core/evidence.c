/*
 * Attestation evidence (mcim/evidence.h): the register arithmetic the TRE's measured
 * boot and the PVA share, the strict CBOR payload, its COSE_Sign1 by the TRE
 * identity key, the PVA's verification and the appraisal against a manifest.
 *
 * One consistency check (evidence_ok) serves both the encoder and the decoder, so
 * that a TRE cannot sign what a PVA would refuse and the decoder accepts exactly
 * what the encoder can produce. The PVA's checks run from the outside in: the chain
 * and the signature first (is this a TRE of the ecosystem?), then the payload (is it
 * evidence?), then the binding to this TRE and this nonce, and last the event log's
 * replay, whose failure means a TRE signed registers its own log does not explain.
 */
#include "mcim/evidence.h"

#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/cose.h"

enum {
	KEY_CONTEXT = 1,
	KEY_NONCE,
	KEY_TRE_ID,
	KEY_MODE,
	KEY_BOOT,
	KEY_PCRS,
	KEY_EVENTS,
	KEY_COUNTERS,
	KEY_MCIMS,
	KEY_FAILED,
};

#define MCIM_STATE_MAX 4 /* registry.h: installed, activated, suspended, deleted */

static const char context[] = MCIM_EVIDENCE_CONTEXT;

static const char *const reason_names[] = {
    [MCIM_BOOT_OK] = "ok",
    [MCIM_BOOT_NOT_IN_MANIFEST] = "not-in-manifest",
    [MCIM_BOOT_DIGEST_MISMATCH] = "digest-mismatch",
    [MCIM_BOOT_UNREADABLE] = "unreadable",
    [MCIM_BOOT_MANIFEST_MISSING] = "manifest-missing",
    [MCIM_BOOT_MANIFEST_MALFORMED] = "manifest-malformed",
    [MCIM_BOOT_MANIFEST_UNTRUSTED] = "manifest-untrusted",
    [MCIM_BOOT_MANIFEST_WRONG_ROLE] = "manifest-wrong-role",
    [MCIM_BOOT_MANIFEST_EXPIRED] = "manifest-expired",
    [MCIM_BOOT_MANIFEST_BAD_SIGNATURE] = "manifest-bad-signature",
    [MCIM_BOOT_MANIFEST_ROLLBACK] = "manifest-rollback",
    [MCIM_BOOT_MANIFEST_PLATFORM] = "manifest-platform",
};

const char *mcim_boot_reason_name(enum mcim_boot_reason reason)
{
	if ((unsigned)reason >= sizeof(reason_names) / sizeof(reason_names[0]))
		return NULL;
	return reason_names[reason];
}

const char *mcim_ear_status_name(enum mcim_ear_status status)
{
	switch (status) {
	case MCIM_EAR_NONE:
		return "none";
	case MCIM_EAR_AFFIRMING:
		return "affirming";
	case MCIM_EAR_WARNING:
		return "warning";
	case MCIM_EAR_CONTRAINDICATED:
		return "contraindicated";
	}
	return NULL;
}

/* ---- registers ---- */

mcim_err mcim_pcr_extend(uint8_t reg[MCIM_SHA256_LEN],
			 const uint8_t digest[MCIM_SHA256_LEN])
{
	const struct mcim_iov parts[2] = {{reg, MCIM_SHA256_LEN},
					  {digest, MCIM_SHA256_LEN}};

	MCIM_ASSERT(reg != NULL && digest != NULL);
	return mcim_sha256_v(parts, 2, reg);
}

mcim_err mcim_evidence_replay(const struct mcim_event *events, size_t n,
			      uint8_t pcrs[MCIM_PCRS][MCIM_SHA256_LEN])
{
	uint8_t regs[MCIM_PCRS][MCIM_SHA256_LEN];
	mcim_err err;

	MCIM_ASSERT(events != NULL || n == 0);
	MCIM_ASSERT(pcrs != NULL);
	if (n > MCIM_EVENTS_MAX)
		return MCIM_ERR_INVALID_ARG;
	memset(regs, 0, sizeof(regs));
	for (size_t i = 0; i < n; i++) {
		if (events[i].pcr >= MCIM_PCRS)
			return MCIM_ERR_INVALID_ARG;
		err = mcim_pcr_extend(regs[events[i].pcr], events[i].digest);
		if (err != MCIM_OK)
			return err;
	}
	memcpy(pcrs, regs, sizeof(regs));
	return MCIM_OK;
}

/* ---- consistency ---- */

/* 1 when s holds min..max printable ASCII characters before its NUL. */
static int text_ok(const char *s, size_t min, size_t max)
{
	size_t n = 0;

	while (n <= max && s[n] != '\0') {
		if (s[n] < 0x20 || s[n] > 0x7e)
			return 0;
		n++;
	}
	return n >= min && n <= max;
}

static int digits_ok(const char *s)
{
	size_t n = 0;

	while (n <= MCIM_CERT_OPERATOR_MAX && s[n] >= '0' && s[n] <= '9')
		n++;
	return s[n] == '\0' && (n == 5 || n == 6);
}

static int reason_ok(unsigned reason)
{
	return mcim_boot_reason_name((enum mcim_boot_reason)reason) != NULL;
}

static int manifest_reason_ok(unsigned reason)
{
	return reason == MCIM_BOOT_OK ||
	       (reason >= MCIM_BOOT_MANIFEST_MISSING && reason_ok(reason));
}

static int boot_ok(const struct mcim_evidence *ev)
{
	const struct mcim_evidence_boot *b = &ev->boot;

	if (b->state != MCIM_BOOT_GOOD && b->state != MCIM_BOOT_BAD)
		return 0;
	if (!manifest_reason_ok(b->manifest_reason) ||
	    !text_ok(b->platform, 0, MCIM_MANIFEST_PLATFORM_MAX))
		return 0;
	if (b->state == MCIM_BOOT_GOOD)
		return b->manifest_reason == MCIM_BOOT_OK && ev->n_failed == 0;
	return ev->mode != MCIM_EVIDENCE_AUTONOMOUS;
}

static int event_ok(const struct mcim_event *e)
{
	return e->pcr < MCIM_PCRS &&
	       (e->type == MCIM_EVENT_MANIFEST || e->type == MCIM_EVENT_COMPONENT) &&
	       text_ok(e->name, 1, MCIM_MANIFEST_NAME_MAX) &&
	       text_ok(e->version, 0, MCIM_MANIFEST_VERSION_MAX);
}

static int evidence_ok(const struct mcim_evidence *ev)
{
	if (ev->mode != MCIM_EVIDENCE_REMOTE && ev->mode != MCIM_EVIDENCE_AUTONOMOUS &&
	    ev->mode != MCIM_EVIDENCE_SEMI_AUTONOMOUS)
		return 0;
	if (!text_ok(ev->tre_id, 1, MCIM_CERT_TRE_ID_MAX) || !boot_ok(ev))
		return 0;
	if (ev->n_events > MCIM_EVENTS_MAX || ev->n_mcims > MCIM_EVIDENCE_MCIMS_MAX ||
	    ev->n_failed > MCIM_EVIDENCE_FAILED_MAX)
		return 0;
	if ((ev->mode != MCIM_EVIDENCE_REMOTE && ev->n_events != 0) ||
	    (ev->mode != MCIM_EVIDENCE_SEMI_AUTONOMOUS && ev->n_failed != 0))
		return 0;
	for (size_t i = 0; i < ev->n_events; i++)
		if (!event_ok(&ev->events[i]))
			return 0;
	for (size_t i = 0; i < ev->n_mcims; i++)
		if (!digits_ok(ev->mcims[i].sho) || ev->mcims[i].state < 1 ||
		    ev->mcims[i].state > MCIM_STATE_MAX)
			return 0;
	for (size_t i = 0; i < ev->n_failed; i++)
		if (!text_ok(ev->failed[i].name, 1, MCIM_MANIFEST_NAME_MAX) ||
		    ev->failed[i].reason == MCIM_BOOT_OK ||
		    !reason_ok(ev->failed[i].reason))
			return 0;
	return 1;
}

/* ---- encoding ---- */

mcim_err mcim_evidence_encode(const struct mcim_evidence *ev, uint8_t *out, size_t cap,
			      size_t *out_len)
{
	struct mcim_cbor_writer w;
	int remote, semi;

	MCIM_ASSERT(ev != NULL && out_len != NULL);
	MCIM_ASSERT(out != NULL || cap == 0);
	if (!evidence_ok(ev))
		return MCIM_ERR_INVALID_ARG;
	remote = ev->mode == MCIM_EVIDENCE_REMOTE;
	semi = ev->mode == MCIM_EVIDENCE_SEMI_AUTONOMOUS;
	mcim_cbor_writer_init(&w, out, cap);
	mcim_cbor_put_map(&w, 7u + (remote ? 2u : 0u) + (semi ? 1u : 0u));
	mcim_cbor_put_uint(&w, KEY_CONTEXT);
	mcim_cbor_put_cstr(&w, context);
	mcim_cbor_put_uint(&w, KEY_NONCE);
	mcim_cbor_put_bstr(&w, ev->nonce, sizeof(ev->nonce));
	mcim_cbor_put_uint(&w, KEY_TRE_ID);
	mcim_cbor_put_cstr(&w, ev->tre_id);
	mcim_cbor_put_uint(&w, KEY_MODE);
	mcim_cbor_put_uint(&w, (uint64_t)ev->mode);
	mcim_cbor_put_uint(&w, KEY_BOOT);
	mcim_cbor_put_array(&w, 5);
	mcim_cbor_put_uint(&w, (uint64_t)ev->boot.state);
	mcim_cbor_put_uint(&w, (uint64_t)ev->boot.manifest_reason);
	mcim_cbor_put_uint(&w, ev->boot.sequence);
	mcim_cbor_put_uint(&w, ev->boot.security_version);
	mcim_cbor_put_cstr(&w, ev->boot.platform);
	if (remote) {
		mcim_cbor_put_uint(&w, KEY_PCRS);
		mcim_cbor_put_array(&w, MCIM_PCRS);
		for (size_t i = 0; i < MCIM_PCRS; i++)
			mcim_cbor_put_bstr(&w, ev->pcrs[i], MCIM_SHA256_LEN);
		mcim_cbor_put_uint(&w, KEY_EVENTS);
		mcim_cbor_put_array(&w, ev->n_events);
		for (size_t i = 0; i < ev->n_events; i++) {
			const struct mcim_event *e = &ev->events[i];

			mcim_cbor_put_array(&w, 5);
			mcim_cbor_put_uint(&w, e->pcr);
			mcim_cbor_put_uint(&w, (uint64_t)e->type);
			mcim_cbor_put_cstr(&w, e->name);
			mcim_cbor_put_cstr(&w, e->version);
			mcim_cbor_put_bstr(&w, e->digest, sizeof(e->digest));
		}
	}
	mcim_cbor_put_uint(&w, KEY_COUNTERS);
	mcim_cbor_put_array(&w, 4);
	mcim_cbor_put_uint(&w, ev->counters.boot_count);
	mcim_cbor_put_uint(&w, ev->counters.tamper_count);
	mcim_cbor_put_uint(&w, ev->counters.store_generation);
	mcim_cbor_put_uint(&w, ev->counters.failed_auths);
	mcim_cbor_put_uint(&w, KEY_MCIMS);
	mcim_cbor_put_array(&w, ev->n_mcims);
	for (size_t i = 0; i < ev->n_mcims; i++) {
		mcim_cbor_put_array(&w, 3);
		mcim_cbor_put_bstr(&w, ev->mcims[i].mcim_id, MCIM_EVIDENCE_MCIM_ID_LEN);
		mcim_cbor_put_cstr(&w, ev->mcims[i].sho);
		mcim_cbor_put_uint(&w, ev->mcims[i].state);
	}
	if (semi) {
		mcim_cbor_put_uint(&w, KEY_FAILED);
		mcim_cbor_put_array(&w, ev->n_failed);
		for (size_t i = 0; i < ev->n_failed; i++) {
			mcim_cbor_put_array(&w, 2);
			mcim_cbor_put_cstr(&w, ev->failed[i].name);
			mcim_cbor_put_uint(&w, (uint64_t)ev->failed[i].reason);
		}
	}
	return mcim_cbor_writer_finish(&w, out_len);
}

/* ---- strict decoding ---- */

static mcim_err expect_key(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
			   int64_t want)
{
	int64_t key;
	mcim_err err;

	if (!mcim_cbor_map_more(m))
		return MCIM_ERR_PARSE;
	err = mcim_cbor_map_key_int(r, m, &key);
	if (err != MCIM_OK)
		return err;
	return key == want ? MCIM_OK : MCIM_ERR_PARSE;
}

/* A text of min..max printable characters into dst[max + 1]. */
static mcim_err read_text(struct mcim_cbor_reader *r, char *dst, size_t min, size_t max)
{
	const char *s;
	size_t len;
	mcim_err err = mcim_cbor_read_tstr(r, &s, &len);

	if (err != MCIM_OK)
		return err;
	if (len < min || len > max)
		return MCIM_ERR_PARSE;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return MCIM_ERR_PARSE;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return MCIM_OK;
}

static mcim_err read_fixed(struct mcim_cbor_reader *r, uint8_t *dst, size_t want)
{
	const uint8_t *b;
	size_t len;
	mcim_err err = mcim_cbor_read_bstr(r, &b, &len);

	if (err != MCIM_OK)
		return err;
	if (len != want)
		return MCIM_ERR_PARSE;
	memcpy(dst, b, len);
	return MCIM_OK;
}

/* An unsigned integer up to max. */
static mcim_err read_small(struct mcim_cbor_reader *r, uint64_t max, uint64_t *v)
{
	mcim_err err = mcim_cbor_read_uint(r, v);

	if (err != MCIM_OK)
		return err;
	return *v <= max ? MCIM_OK : MCIM_ERR_TOO_LARGE;
}

/* An array head of exactly want items. */
static mcim_err read_tuple(struct mcim_cbor_reader *r, size_t want)
{
	size_t n;
	mcim_err err = mcim_cbor_read_array(r, &n);

	if (err != MCIM_OK)
		return err;
	return n == want ? MCIM_OK : MCIM_ERR_PARSE;
}

/* An array head of at most max items. */
static mcim_err read_list(struct mcim_cbor_reader *r, size_t max, size_t *n)
{
	mcim_err err = mcim_cbor_read_array(r, n);

	if (err != MCIM_OK)
		return err;
	return *n <= max ? MCIM_OK : MCIM_ERR_TOO_LARGE;
}

static mcim_err read_boot(struct mcim_cbor_reader *r, struct mcim_evidence_boot *b)
{
	uint64_t v[4];
	mcim_err err = read_tuple(r, 5);

	for (size_t i = 0; err == MCIM_OK && i < 4; i++)
		err = read_small(r, i < 2 ? UINT8_MAX : UINT32_MAX, &v[i]);
	if (err == MCIM_OK)
		err = read_text(r, b->platform, 0, MCIM_MANIFEST_PLATFORM_MAX);
	if (err != MCIM_OK)
		return err;
	b->state = (enum mcim_boot_state)v[0];
	b->manifest_reason = (enum mcim_boot_reason)v[1];
	b->sequence = (uint32_t)v[2];
	b->security_version = (uint32_t)v[3];
	return MCIM_OK;
}

static mcim_err read_event(struct mcim_cbor_reader *r, struct mcim_event *e)
{
	uint64_t pcr, type;
	mcim_err err = read_tuple(r, 5);

	if (err == MCIM_OK)
		err = read_small(r, UINT8_MAX, &pcr);
	if (err == MCIM_OK)
		err = read_small(r, UINT8_MAX, &type);
	if (err == MCIM_OK)
		err = read_text(r, e->name, 1, MCIM_MANIFEST_NAME_MAX);
	if (err == MCIM_OK)
		err = read_text(r, e->version, 0, MCIM_MANIFEST_VERSION_MAX);
	if (err == MCIM_OK)
		err = read_fixed(r, e->digest, MCIM_SHA256_LEN);
	if (err != MCIM_OK)
		return err;
	e->pcr = (uint8_t)pcr;
	e->type = (enum mcim_event_type)type;
	return MCIM_OK;
}

static mcim_err read_measurements(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
				  struct mcim_evidence *ev)
{
	size_t n;
	mcim_err err = expect_key(r, m, KEY_PCRS);

	if (err == MCIM_OK)
		err = read_tuple(r, MCIM_PCRS);
	for (size_t i = 0; err == MCIM_OK && i < MCIM_PCRS; i++)
		err = read_fixed(r, ev->pcrs[i], MCIM_SHA256_LEN);
	if (err == MCIM_OK)
		err = expect_key(r, m, KEY_EVENTS);
	if (err == MCIM_OK)
		err = read_list(r, MCIM_EVENTS_MAX, &n);
	for (size_t i = 0; err == MCIM_OK && i < n; i++)
		err = read_event(r, &ev->events[i]);
	if (err == MCIM_OK)
		ev->n_events = n;
	return err;
}

static mcim_err read_counters(struct mcim_cbor_reader *r,
			      struct mcim_evidence_counters *c)
{
	uint64_t *const v[4] = {&c->boot_count, &c->tamper_count, &c->store_generation,
				&c->failed_auths};
	mcim_err err = read_tuple(r, 4);

	for (size_t i = 0; err == MCIM_OK && i < 4; i++)
		err = mcim_cbor_read_uint(r, v[i]);
	return err;
}

static mcim_err read_mcims(struct mcim_cbor_reader *r, struct mcim_evidence *ev)
{
	size_t n;
	mcim_err err = read_list(r, MCIM_EVIDENCE_MCIMS_MAX, &n);

	for (size_t i = 0; err == MCIM_OK && i < n; i++) {
		struct mcim_evidence_mcim *e = &ev->mcims[i];
		uint64_t state;

		err = read_tuple(r, 3);
		if (err == MCIM_OK)
			err = read_fixed(r, e->mcim_id, MCIM_EVIDENCE_MCIM_ID_LEN);
		if (err == MCIM_OK)
			err = read_text(r, e->sho, 5, MCIM_CERT_OPERATOR_MAX);
		if (err == MCIM_OK)
			err = read_small(r, UINT8_MAX, &state);
		if (err == MCIM_OK)
			e->state = (unsigned)state;
	}
	if (err == MCIM_OK)
		ev->n_mcims = n;
	return err;
}

static mcim_err read_failed(struct mcim_cbor_reader *r, struct mcim_evidence *ev)
{
	size_t n;
	mcim_err err = read_list(r, MCIM_EVIDENCE_FAILED_MAX, &n);

	for (size_t i = 0; err == MCIM_OK && i < n; i++) {
		uint64_t reason;

		err = read_tuple(r, 2);
		if (err == MCIM_OK)
			err = read_text(r, ev->failed[i].name, 1, MCIM_MANIFEST_NAME_MAX);
		if (err == MCIM_OK)
			err = read_small(r, UINT8_MAX, &reason);
		if (err == MCIM_OK)
			ev->failed[i].reason = (enum mcim_boot_reason)reason;
	}
	if (err == MCIM_OK)
		ev->n_failed = n;
	return err;
}

static mcim_err read_evidence(struct mcim_cbor_reader *r, struct mcim_evidence *ev)
{
	struct mcim_cbor_map m;
	const char *ctx;
	size_t ctx_len;
	uint64_t mode;
	mcim_err err;

	err = mcim_cbor_map_open(r, &m);
	if (err == MCIM_OK)
		err = expect_key(r, &m, KEY_CONTEXT);
	if (err == MCIM_OK)
		err = mcim_cbor_read_tstr(r, &ctx, &ctx_len);
	if (err == MCIM_OK &&
	    (ctx_len != sizeof(context) - 1 || memcmp(ctx, context, ctx_len) != 0))
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK)
		err = expect_key(r, &m, KEY_NONCE);
	if (err == MCIM_OK)
		err = read_fixed(r, ev->nonce, MCIM_EVIDENCE_NONCE_LEN);
	if (err == MCIM_OK)
		err = expect_key(r, &m, KEY_TRE_ID);
	if (err == MCIM_OK)
		err = read_text(r, ev->tre_id, 1, MCIM_CERT_TRE_ID_MAX);
	if (err == MCIM_OK)
		err = expect_key(r, &m, KEY_MODE);
	if (err == MCIM_OK)
		err = read_small(r, UINT8_MAX, &mode);
	if (err == MCIM_OK)
		err = expect_key(r, &m, KEY_BOOT);
	if (err == MCIM_OK)
		err = read_boot(r, &ev->boot);
	if (err != MCIM_OK)
		return err;
	ev->mode = (enum mcim_evidence_mode)mode;
	if (ev->mode == MCIM_EVIDENCE_REMOTE) {
		err = read_measurements(r, &m, ev);
		if (err != MCIM_OK)
			return err;
	}
	err = expect_key(r, &m, KEY_COUNTERS);
	if (err == MCIM_OK)
		err = read_counters(r, &ev->counters);
	if (err == MCIM_OK)
		err = expect_key(r, &m, KEY_MCIMS);
	if (err == MCIM_OK)
		err = read_mcims(r, ev);
	if (err == MCIM_OK && ev->mode == MCIM_EVIDENCE_SEMI_AUTONOMOUS) {
		err = expect_key(r, &m, KEY_FAILED);
		if (err == MCIM_OK)
			err = read_failed(r, ev);
	}
	if (err != MCIM_OK)
		return err;
	return mcim_cbor_map_more(&m) ? MCIM_ERR_PARSE : MCIM_OK;
}

/* Decodes into *ev, which the caller has zeroed. */
static mcim_err decode_into(const uint8_t *buf, size_t len, struct mcim_evidence *ev)
{
	struct mcim_cbor_reader r;
	mcim_err err;

	mcim_cbor_reader_init(&r, buf, len);
	err = read_evidence(&r, ev);
	if (err != MCIM_OK)
		return err;
	if (mcim_cbor_remaining(&r) != 0 || !evidence_ok(ev))
		return MCIM_ERR_PARSE;
	return MCIM_OK;
}

mcim_err mcim_evidence_decode(const uint8_t *buf, size_t len, struct mcim_evidence *ev)
{
	struct mcim_evidence tmp;
	mcim_err err;

	MCIM_ASSERT(buf != NULL || len == 0);
	MCIM_ASSERT(ev != NULL);
	memset(&tmp, 0, sizeof(tmp));
	err = decode_into(buf, len, &tmp);
	if (err == MCIM_OK)
		*ev = tmp;
	return err;
}

/* ---- the signed object ---- */

mcim_err mcim_evidence_sign(const struct mcim_evidence *ev,
			    const struct mcim_p256_priv *key,
			    const struct mcim_iov *chain, size_t n_chain, uint8_t *out,
			    size_t cap, size_t *out_len)
{
	uint8_t payload[MCIM_EVIDENCE_PAYLOAD_MAX];
	struct mcim_cose_sign1_opts opts = {0};
	size_t payload_len;
	mcim_err err;

	MCIM_ASSERT(ev != NULL && key != NULL && chain != NULL && out_len != NULL);
	MCIM_ASSERT(out != NULL || cap == 0);
	if (n_chain == 0 || n_chain > MCIM_COSE_X5CHAIN_MAX)
		return MCIM_ERR_INVALID_ARG;
	err = mcim_evidence_encode(ev, payload, sizeof(payload), &payload_len);
	if (err != MCIM_OK)
		return err;
	opts.x5chain = chain;
	opts.x5chain_n = n_chain;
	return mcim_cose_sign1_sign(key, payload, payload_len, &opts, out, cap, out_len);
}

mcim_err mcim_evidence_verify(const uint8_t *buf, size_t len, const uint8_t *ci_root,
			      size_t ci_root_len, const struct mcim_cert_policy *policy,
			      const uint8_t expected_nonce[MCIM_EVIDENCE_NONCE_LEN],
			      struct mcim_evidence *ev, struct mcim_cert_info *tre_cert)
{
	struct mcim_evidence tmp;
	struct mcim_cose_sign1 msg;
	struct mcim_cert_info leaf;
	uint8_t pcrs[MCIM_PCRS][MCIM_SHA256_LEN];
	mcim_err err;

	MCIM_ASSERT(buf != NULL || len == 0);
	MCIM_ASSERT(ci_root != NULL && expected_nonce != NULL && ev != NULL);
	MCIM_ASSERT(policy != NULL && policy->role == MCIM_CERT_ROLE_TRE);
	if (len > MCIM_EVIDENCE_MAX_LEN)
		return MCIM_ERR_TOO_LARGE;
	err = mcim_cose_sign1_verify_x5chain(buf, len, ci_root, ci_root_len, policy, &msg,
					     &leaf);
	if (err != MCIM_OK)
		return err;
	memset(&tmp, 0, sizeof(tmp));
	err = decode_into(msg.payload, msg.payload_len, &tmp);
	if (err != MCIM_OK)
		return err;
	if (strcmp(tmp.tre_id, leaf.tre_id) != 0)
		return MCIM_ERR_DENIED; /* bound to another TRE (protocol.md §1) */
	if (!mcim_ct_equal(tmp.nonce, expected_nonce, MCIM_EVIDENCE_NONCE_LEN))
		return MCIM_ERR_REPLAY;
	if (tmp.mode == MCIM_EVIDENCE_REMOTE) {
		err = mcim_evidence_replay(tmp.events, tmp.n_events, pcrs);
		if (err != MCIM_OK)
			return err;
		if (memcmp(pcrs, tmp.pcrs, sizeof(pcrs)) != 0)
			return MCIM_ERR_TAMPERED;
	}
	tmp.backend = leaf.backend;
	tmp.assurance = leaf.assurance;
	*ev = tmp;
	if (tre_cert != NULL)
		*tre_cert = leaf;
	return MCIM_OK;
}

/* ---- appraisal ---- */

static void add_item(struct mcim_appraisal *out, const char *name,
		     enum mcim_ear_status status, enum mcim_appraisal_reason reason)
{
	struct mcim_appraisal_item *it = &out->items[out->n++];
	size_t len = strnlen(name, MCIM_MANIFEST_NAME_MAX);

	memcpy(it->name, name, len);
	it->name[len] = '\0';
	it->status = status;
	it->reason = reason;
	if (status > out->status)
		out->status = status;
}

static int measured(const struct mcim_evidence *ev, const char *name)
{
	for (size_t i = 0; i < ev->n_events; i++)
		if (ev->events[i].type == MCIM_EVENT_COMPONENT &&
		    strcmp(ev->events[i].name, name) == 0)
			return 1;
	return 0;
}

static int reported_failed(const struct mcim_evidence *ev, const char *name)
{
	for (size_t i = 0; i < ev->n_failed; i++)
		if (strcmp(ev->failed[i].name, name) == 0)
			return 1;
	return 0;
}

static void appraise_remote(const struct mcim_evidence *ev,
			    const struct mcim_manifest *ref, struct mcim_appraisal *out)
{
	for (size_t i = 0; i < ev->n_events; i++) {
		const struct mcim_event *e = &ev->events[i];
		const struct mcim_manifest_component *c;

		if (e->type != MCIM_EVENT_COMPONENT)
			continue;
		c = mcim_manifest_find(ref, e->name);
		if (c == NULL)
			add_item(out, e->name, MCIM_EAR_CONTRAINDICATED,
				 MCIM_APPRAISAL_UNKNOWN);
		else if (memcmp(c->digest, e->digest, MCIM_SHA256_LEN) != 0)
			add_item(out, e->name, MCIM_EAR_CONTRAINDICATED,
				 MCIM_APPRAISAL_MISMATCH);
		else
			add_item(out, e->name, MCIM_EAR_AFFIRMING, MCIM_APPRAISAL_MATCH);
	}
	for (size_t i = 0; i < ref->n; i++)
		if (!measured(ev, ref->components[i].name))
			add_item(out, ref->components[i].name, MCIM_EAR_WARNING,
				 MCIM_APPRAISAL_NOT_MEASURED);
}

static void appraise_semi(const struct mcim_evidence *ev, const struct mcim_manifest *ref,
			  struct mcim_appraisal *out)
{
	for (size_t i = 0; i < ref->n; i++) {
		const char *name = ref->components[i].name;

		if (reported_failed(ev, name))
			add_item(out, name, MCIM_EAR_CONTRAINDICATED,
				 MCIM_APPRAISAL_FAILED_ON_DEVICE);
		else
			add_item(out, name, MCIM_EAR_AFFIRMING,
				 MCIM_APPRAISAL_SELF_CHECKED);
	}
	for (size_t i = 0; i < ev->n_failed; i++)
		if (mcim_manifest_find(ref, ev->failed[i].name) == NULL)
			add_item(out, ev->failed[i].name, MCIM_EAR_CONTRAINDICATED,
				 MCIM_APPRAISAL_FAILED_ON_DEVICE);
}

void mcim_evidence_appraise(const struct mcim_evidence *ev,
			    const struct mcim_manifest *ref, struct mcim_appraisal *out)
{
	MCIM_ASSERT(ev != NULL && ref != NULL && out != NULL);
	MCIM_ASSERT(ev->n_events <= MCIM_EVENTS_MAX &&
		    ev->n_failed <= MCIM_EVIDENCE_FAILED_MAX);
	MCIM_ASSERT(ref->n <= MCIM_MANIFEST_COMPONENTS_MAX);
	memset(out, 0, sizeof(*out));
	if (ev->boot.manifest_reason != MCIM_BOOT_OK) {
		out->firmware = MCIM_EAR_CONTRAINDICATED;
		out->firmware_reason = MCIM_APPRAISAL_BAD_MANIFEST;
	} else if (strcmp(ev->boot.platform, ref->platform) != 0) {
		out->firmware = MCIM_EAR_CONTRAINDICATED;
		out->firmware_reason = MCIM_APPRAISAL_OTHER_PLATFORM;
	} else if (ev->boot.sequence != ref->sequence) {
		out->firmware = MCIM_EAR_WARNING;
		out->firmware_reason = MCIM_APPRAISAL_OTHER_FIRMWARE;
	} else {
		out->firmware = MCIM_EAR_AFFIRMING;
		out->firmware_reason = MCIM_APPRAISAL_MATCH;
	}
	out->status = out->firmware;
	if (ev->mode == MCIM_EVIDENCE_REMOTE)
		appraise_remote(ev, ref, out);
	else if (ev->mode == MCIM_EVIDENCE_SEMI_AUTONOMOUS)
		appraise_semi(ev, ref, out);
}
