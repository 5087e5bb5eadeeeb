/*
 * The M2MES-signed firmware manifest (mcim/manifest.h). A test PKI is built once per
 * run with mcim/cert.h: CI root -> M2MES firmware signer (the role table lets only
 * the CI certify m2mes), CI -> M2MES CA -> TRE, CI -> DPF, and a second, unknown CI
 * with its own M2MES signer. Checked here:
 * - R-TRE-G10 (only a signed manifest authorises firmware): a manifest verifies
 *   only when its chain leads to this CI with role m2mes, every certificate is valid
 *   at the given time and the leaf's key signed it: signed by a DPF or a TRE (wrong
 *   role), by an unknown CA, expired or not yet valid, by a key that is not the
 *   leaf's, without a chain, or changed in any single bit, it is refused;
 * - the context string inside the signed payload: a validly signed payload with
 *   another context (an evidence, say) is not a manifest;
 * - strict decoding, field by field: every key missing, unknown or out of order,
 *   every value of the wrong type, length or range, duplicate component names,
 *   trailing octets, every truncation;
 * - the encoder's refusals and the file digest helper (SHA-256 known answers from
 *   tests/data/sha256.json, NIST CAVS), its size bound and its errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/cose.h"
#include "mcim/manifest.h"
#include "tool/vecfile.h"

#define T0   ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define DAY  ((time_t)86400)
#define YEAR (365 * DAY)
#define NOW  (T0 + DAY)

struct party {
	struct party *issuer; /* NULL for a root */
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub;
	struct mcim_cert_info info;
	uint8_t der[MCIM_CERT_MAX_LEN];
	size_t len;
};

static struct {
	struct party ci, ca, tre, m2mes, dpf, other_ci, other_m2mes;
	char dir[64];
} pki;

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
		p->info.assurance = 1;
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
	party(&pki.ci, NULL, MCIM_CERT_ROLE_CI, "openmcim CI", T0 + 20 * YEAR);
	party(&pki.ca, &pki.ci, MCIM_CERT_ROLE_M2MES_CA, "Acme M2MES CA", T0 + 15 * YEAR);
	party(&pki.tre, &pki.ca, MCIM_CERT_ROLE_TRE, "TRE tre-0001", T0 + 10 * YEAR);
	party(&pki.m2mes, &pki.ci, MCIM_CERT_ROLE_M2MES, "Acme firmware", T0 + 2 * YEAR);
	party(&pki.dpf, &pki.ci, MCIM_CERT_ROLE_DPF, "SHO 00101 DPF", T0 + 2 * YEAR);
	party(&pki.other_ci, NULL, MCIM_CERT_ROLE_CI, "openmcim CI", T0 + 20 * YEAR);
	party(&pki.other_m2mes, &pki.other_ci, MCIM_CERT_ROLE_M2MES, "Acme firmware",
	      T0 + 2 * YEAR);
	strcpy(pki.dir, "/tmp/mcim-manifest-XXXXXX");
	assert_non_null(mkdtemp(pki.dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(rmdir(pki.dir), 0);
	mcim_p256_priv_wipe(&pki.ci.priv);
	mcim_p256_priv_wipe(&pki.ca.priv);
	mcim_p256_priv_wipe(&pki.tre.priv);
	mcim_p256_priv_wipe(&pki.m2mes.priv);
	mcim_p256_priv_wipe(&pki.dpf.priv);
	mcim_p256_priv_wipe(&pki.other_ci.priv);
	mcim_p256_priv_wipe(&pki.other_m2mes.priv);
	return 0;
}

/* A manifest of three components, the second without a stated size. */
static void sample(struct mcim_manifest *m)
{
	static const char *const names[] = {"bootloader", "kernel", "app"};
	static const char *const versions[] = {"2.1.0", "6.1.55-acme3", "1.4"};

	memset(m, 0, sizeof(*m));
	m->sequence = 42;
	m->security_version = 7;
	strcpy(m->platform, "acme-m2m-x1");
	m->n = 3;
	for (size_t i = 0; i < 3; i++) {
		struct mcim_manifest_component *c = &m->components[i];

		strcpy(c->name, names[i]);
		strcpy(c->version, versions[i]);
		memset(c->digest, (int)(0x10 * (i + 1)), sizeof(c->digest));
		c->has_size = i != 1;
		c->size = 1000 * (i + 1);
	}
}

/* Signs m with p's key and p's chain up to (not including) its root. */
static size_t sign_by(const struct mcim_manifest *m, const struct party *p, uint8_t *out,
		      size_t cap)
{
	struct mcim_iov chain[MCIM_CERT_CHAIN_MAX];
	size_t n = 0, len = 0;

	for (const struct party *q = p; q->issuer != NULL; q = q->issuer) {
		chain[n].data = q->der;
		chain[n].len = q->len;
		n++;
	}
	assert_int_equal(mcim_manifest_sign(m, &p->priv, chain, n, out, cap, &len),
			 MCIM_OK);
	return len;
}

static mcim_err verify(const uint8_t *buf, size_t len, time_t now,
		       struct mcim_manifest *m)
{
	return mcim_manifest_verify(buf, len, pki.ci.der, pki.ci.len, now, m, NULL);
}

/* Signs an arbitrary payload as a COSE_Sign1 with the M2MES key and chain. */
static size_t sign_payload(const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
	const struct mcim_iov chain = {pki.m2mes.der, pki.m2mes.len};
	const struct mcim_cose_sign1_opts opts = {NULL, 0, NULL, 0, &chain, 1};
	size_t out_len;

	assert_int_equal(mcim_cose_sign1_sign(&pki.m2mes.priv, payload, len, &opts, out,
					      cap, &out_len),
			 MCIM_OK);
	return out_len;
}

/* ---- round trips ---- */

static void good_manifest_verifies(void **state)
{
	struct mcim_manifest m, got;
	struct mcim_cert_info signer;
	uint8_t buf[4096];
	size_t len;

	(void)state;
	sample(&m);
	len = sign_by(&m, &pki.m2mes, buf, sizeof(buf));
	memset(&got, 0xee, sizeof(got));
	assert_int_equal(
	    mcim_manifest_verify(buf, len, pki.ci.der, pki.ci.len, NOW, &got, &signer),
	    MCIM_OK);
	assert_int_equal(got.sequence, 42);
	assert_int_equal(got.security_version, 7);
	assert_string_equal(got.platform, "acme-m2m-x1");
	assert_int_equal(got.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(got.components[i].name, m.components[i].name);
		assert_string_equal(got.components[i].version, m.components[i].version);
		assert_memory_equal(got.components[i].digest, m.components[i].digest, 32);
		assert_int_equal(got.components[i].has_size, m.components[i].has_size);
		if (m.components[i].has_size)
			assert_int_equal(got.components[i].size, m.components[i].size);
	}
	assert_int_equal(signer.role, MCIM_CERT_ROLE_M2MES);
	assert_string_equal(signer.common_name, "Acme firmware");
	/* The signer may be omitted; the last second of validity is still valid. */
	assert_int_equal(mcim_manifest_verify(buf, len, pki.ci.der, pki.ci.len,
					      pki.m2mes.info.not_after, &got, NULL),
			 MCIM_OK);
}

static void chain_with_root_verifies(void **state)
{
	const struct mcim_iov chain[2] = {{pki.m2mes.der, pki.m2mes.len},
					  {pki.ci.der, pki.ci.len}};
	struct mcim_manifest m, got;
	uint8_t buf[4096];
	size_t len;

	(void)state;
	sample(&m);
	assert_int_equal(
	    mcim_manifest_sign(&m, &pki.m2mes.priv, chain, 2, buf, sizeof(buf), &len),
	    MCIM_OK);
	assert_int_equal(verify(buf, len, NOW, &got), MCIM_OK);
	assert_int_equal(got.n, 3);
}

static void payload_round_trip(void **state)
{
	struct mcim_manifest m, got;
	uint8_t buf[MCIM_MANIFEST_PAYLOAD_MAX];
	size_t len;

	(void)state;
	sample(&m);
	/* The largest manifest fits in MCIM_MANIFEST_PAYLOAD_MAX. */
	m.n = MCIM_MANIFEST_COMPONENTS_MAX;
	m.sequence = UINT32_MAX;
	m.security_version = UINT32_MAX;
	memset(m.platform, 'p', MCIM_MANIFEST_PLATFORM_MAX);
	m.platform[MCIM_MANIFEST_PLATFORM_MAX] = '\0';
	for (size_t i = 0; i < m.n; i++) {
		struct mcim_manifest_component *c = &m.components[i];

		memset(c->name, 'a' + (int)i, MCIM_MANIFEST_NAME_MAX);
		c->name[MCIM_MANIFEST_NAME_MAX] = '\0';
		memset(c->version, '~', MCIM_MANIFEST_VERSION_MAX);
		c->version[MCIM_MANIFEST_VERSION_MAX] = '\0';
		c->has_size = true;
		c->size = UINT64_MAX;
	}
	assert_int_equal(mcim_manifest_encode(&m, buf, sizeof(buf), &len), MCIM_OK);
	assert_int_equal(mcim_manifest_decode(buf, len, &got), MCIM_OK);
	assert_int_equal(got.n, MCIM_MANIFEST_COMPONENTS_MAX);
	assert_int_equal(got.sequence, UINT32_MAX);
	assert_int_equal(got.components[15].size, UINT64_MAX);
	assert_string_equal(got.components[15].name, m.components[15].name);
	/* Too small a buffer, for every length short of the encoding. */
	for (size_t cap = 0; cap < len; cap++) {
		size_t l2;

		assert_int_equal(mcim_manifest_encode(&m, buf, cap, &l2),
				 MCIM_ERR_BUFFER_TOO_SMALL);
	}
}

static void find_component(void **state)
{
	struct mcim_manifest m;

	(void)state;
	sample(&m);
	assert_ptr_equal(mcim_manifest_find(&m, "kernel"), &m.components[1]);
	assert_ptr_equal(mcim_manifest_find(&m, "app"), &m.components[2]);
	assert_null(mcim_manifest_find(&m, "kerne"));
	assert_null(mcim_manifest_find(&m, ""));
}

/* ---- who may sign (R-TRE-G10) ---- */

static void wrong_signer_refused(void **state)
{
	struct mcim_manifest m, got;
	uint8_t buf[8192];
	size_t len;

	(void)state;
	sample(&m);
	len = sign_by(&m, &pki.dpf, buf, sizeof(buf));
	assert_int_equal(verify(buf, len, NOW, &got), MCIM_ERR_WRONG_ROLE);
	len = sign_by(&m, &pki.tre, buf, sizeof(buf));
	assert_int_equal(verify(buf, len, NOW, &got), MCIM_ERR_WRONG_ROLE);
	/* An M2MES of another ecosystem (unknown CA). */
	len = sign_by(&m, &pki.other_m2mes, buf, sizeof(buf));
	assert_int_equal(verify(buf, len, NOW, &got), MCIM_ERR_BAD_CERT);
	/* The CA's own key with its certificate as the chain. */
	len = sign_by(&m, &pki.ca, buf, sizeof(buf));
	assert_int_equal(verify(buf, len, NOW, &got), MCIM_ERR_WRONG_ROLE);
}

static void expired_refused(void **state)
{
	struct mcim_manifest m, got;
	uint8_t buf[4096];
	size_t len;

	(void)state;
	sample(&m);
	len = sign_by(&m, &pki.m2mes, buf, sizeof(buf));
	assert_int_equal(verify(buf, len, pki.m2mes.info.not_after + 1, &got),
			 MCIM_ERR_EXPIRED);
	assert_int_equal(verify(buf, len, T0 - 1, &got), MCIM_ERR_EXPIRED);
}

static void key_not_the_leafs_refused(void **state)
{
	const struct mcim_iov chain = {pki.m2mes.der, pki.m2mes.len};
	struct mcim_manifest m, got;
	uint8_t buf[4096];
	size_t len;

	(void)state;
	sample(&m);
	/* The DPF's key presenting the M2MES certificate. */
	assert_int_equal(
	    mcim_manifest_sign(&m, &pki.dpf.priv, &chain, 1, buf, sizeof(buf), &len),
	    MCIM_OK);
	assert_int_equal(verify(buf, len, NOW, &got), MCIM_ERR_BAD_SIGNATURE);
}

static void no_chain_refused(void **state)
{
	struct mcim_manifest m, got;
	uint8_t payload[MCIM_MANIFEST_PAYLOAD_MAX], buf[4096];
	size_t plen, len;

	(void)state;
	sample(&m);
	assert_int_equal(mcim_manifest_encode(&m, payload, sizeof(payload), &plen),
			 MCIM_OK);
	assert_int_equal(mcim_cose_sign1_sign(&pki.m2mes.priv, payload, plen, NULL, buf,
					      sizeof(buf), &len),
			 MCIM_OK);
	assert_int_equal(verify(buf, len, NOW, &got), MCIM_ERR_BAD_CERT);
}

static void every_bit_flip_refused(void **state)
{
	struct mcim_manifest m, got;
	uint8_t buf[4096];
	size_t len;

	(void)state;
	sample(&m);
	len = sign_by(&m, &pki.m2mes, buf, sizeof(buf));
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			buf[i] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(verify(buf, len, NOW, &got), MCIM_OK);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(verify(buf, len, NOW, &got), MCIM_OK);
	for (size_t cut = 0; cut < len; cut++)
		assert_int_not_equal(verify(buf, cut, NOW, &got), MCIM_OK);
}

static void tampered_payload_refused(void **state)
{
	struct mcim_manifest m, got;
	struct mcim_cose_sign1 view;
	uint8_t buf[4096];
	size_t len, off;

	(void)state;
	sample(&m);
	len = sign_by(&m, &pki.m2mes, buf, sizeof(buf));
	assert_int_equal(mcim_cose_sign1_peek(buf, len, &view), MCIM_OK);
	off = (size_t)(view.payload - buf);
	/* One digest octet of the first component: still a well-formed manifest. */
	for (size_t i = 0; i + 32 <= view.payload_len; i++) {
		if (memcmp(view.payload + i, m.components[0].digest, 32) == 0) {
			buf[off + i] ^= 0x01;
			break;
		}
	}
	assert_int_equal(verify(buf, len, NOW, &got), MCIM_ERR_BAD_SIGNATURE);
}

static void too_large_refused(void **state)
{
	static uint8_t big[MCIM_MANIFEST_MAX_LEN + 1];
	struct mcim_manifest got;

	(void)state;
	assert_int_equal(verify(big, sizeof(big), NOW, &got), MCIM_ERR_TOO_LARGE);
	assert_int_equal(verify(big, 0, NOW, &got), MCIM_ERR_TRUNCATED);
}

/* ---- strict payload decoding ---- */

/* Which part of a hand-made payload is broken. */
enum flaw {
	F_NONE,
	F_CONTEXT_EVIDENCE,
	F_CONTEXT_PREFIX,
	F_CONTEXT_BSTR,
	F_NO_CONTEXT,
	F_SEQUENCE_HUGE,
	F_SEQUENCE_NEG,
	F_SECVER_HUGE,
	F_PLATFORM_EMPTY,
	F_PLATFORM_LONG,
	F_PLATFORM_CTRL,
	F_NO_COMPONENTS,
	F_COMPONENTS_EMPTY,
	F_COMPONENTS_17,
	F_COMPONENTS_MAP,
	F_UNKNOWN_KEY,
	F_TEXT_KEY,
	F_KEYS_SWAPPED,
	F_NAME_EMPTY,
	F_NAME_LONG,
	F_NAME_DEL,
	F_VERSION_EMPTY,
	F_VERSION_LONG,
	F_DIGEST_31,
	F_DIGEST_33,
	F_DIGEST_TSTR,
	F_SIZE_NEG,
	F_COMPONENT_KEY_5,
	F_COMPONENT_NO_DIGEST,
	F_DUPLICATE_NAMES,
	F_TRAILING,
	F_NOT_MAP,
	F_COUNT
};

static const enum mcim_err flaw_err[F_COUNT] = {
    [F_NONE] = MCIM_OK,
    [F_SEQUENCE_HUGE] = MCIM_ERR_TOO_LARGE,
    [F_SECVER_HUGE] = MCIM_ERR_TOO_LARGE,
    [F_COMPONENTS_17] = MCIM_ERR_TOO_LARGE,
};

static void put_component(struct mcim_cbor_writer *w, enum flaw f, size_t i)
{
	uint8_t digest[33];
	char name[40];

	memset(digest, (int)i, sizeof(digest));
	snprintf(name, sizeof(name), "c%zu", f == F_DUPLICATE_NAMES ? 0 : i);
	if (i == 0 && f == F_NAME_EMPTY)
		name[0] = '\0';
	if (i == 0 && f == F_NAME_LONG)
		snprintf(name, sizeof(name), "%032d", 7);
	if (i == 0 && f == F_NAME_DEL)
		name[0] = 0x7f;
	mcim_cbor_put_map(w, i == 0 && (f == F_COMPONENT_KEY_5 || f == F_SIZE_NEG) ? 4
			     : i == 0 && f == F_COMPONENT_NO_DIGEST		   ? 2
										   : 3);
	mcim_cbor_put_uint(w, 1);
	mcim_cbor_put_cstr(w, name);
	mcim_cbor_put_uint(w, 2);
	mcim_cbor_put_cstr(w, i == 0 && f == F_VERSION_EMPTY  ? ""
			      : i == 0 && f == F_VERSION_LONG ? "123456789012345678901234"
							      : "1.0");
	if (i == 0 && f == F_COMPONENT_NO_DIGEST)
		return;
	mcim_cbor_put_uint(w, 3);
	if (i == 0 && f == F_DIGEST_TSTR)
		mcim_cbor_put_cstr(w, "00000000000000000000000000000000");
	else
		mcim_cbor_put_bstr(w, digest,
				   i == 0 && f == F_DIGEST_31	? 31
				   : i == 0 && f == F_DIGEST_33 ? 33
								: 32);
	if (i == 0 && f == F_COMPONENT_KEY_5) {
		mcim_cbor_put_uint(w, 5);
		mcim_cbor_put_uint(w, 1);
	}
	if (i == 0 && f == F_SIZE_NEG) {
		mcim_cbor_put_uint(w, 4);
		mcim_cbor_put_int(w, -1);
	}
}

static size_t craft(enum flaw f, uint8_t *out, size_t cap)
{
	struct mcim_cbor_writer w;
	size_t n = f == F_COMPONENTS_17 ? 17 : f == F_COMPONENTS_EMPTY ? 0 : 2, len;
	size_t pairs = f == F_NO_CONTEXT || f == F_NO_COMPONENTS ? 4
		       : f == F_UNKNOWN_KEY || f == F_TEXT_KEY	 ? 6
								 : 5;

	mcim_cbor_writer_init(&w, out, cap);
	if (f == F_NOT_MAP) {
		mcim_cbor_put_array(&w, 1);
		mcim_cbor_put_cstr(&w, MCIM_MANIFEST_CONTEXT);
		assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
		return len;
	}
	mcim_cbor_put_map(&w, pairs);
	if (f != F_NO_CONTEXT) {
		mcim_cbor_put_uint(&w, 1);
		if (f == F_CONTEXT_BSTR)
			mcim_cbor_put_bstr(&w, MCIM_MANIFEST_CONTEXT,
					   strlen(MCIM_MANIFEST_CONTEXT));
		else
			mcim_cbor_put_cstr(
			    &w, f == F_CONTEXT_EVIDENCE ? "mcim/pva/evidence"
				: f == F_CONTEXT_PREFIX ? "mcim/fw/manifes"
							: MCIM_MANIFEST_CONTEXT);
	}
	if (f == F_KEYS_SWAPPED) {
		mcim_cbor_put_uint(&w, 3);
		mcim_cbor_put_uint(&w, 1);
		mcim_cbor_put_uint(&w, 2);
		mcim_cbor_put_uint(&w, 1);
	} else {
		mcim_cbor_put_uint(&w, 2);
		if (f == F_SEQUENCE_HUGE)
			mcim_cbor_put_uint(&w, (uint64_t)UINT32_MAX + 1);
		else
			mcim_cbor_put_int(&w, f == F_SEQUENCE_NEG ? -1 : 3);
		mcim_cbor_put_uint(&w, 3);
		mcim_cbor_put_uint(&w, f == F_SECVER_HUGE ? (uint64_t)UINT32_MAX + 1 : 1);
	}
	mcim_cbor_put_uint(&w, 4);
	mcim_cbor_put_cstr(&w, f == F_PLATFORM_EMPTY  ? ""
			       : f == F_PLATFORM_LONG ? "0123456789abcdef0123456789abcdef"
			       : f == F_PLATFORM_CTRL ? "acme\tx1"
						      : "acme-x1");
	if (f != F_NO_COMPONENTS) {
		mcim_cbor_put_uint(&w, 5);
		if (f == F_COMPONENTS_MAP) {
			mcim_cbor_put_map(&w, 0);
		} else {
			mcim_cbor_put_array(&w, n);
			for (size_t i = 0; i < n; i++)
				put_component(&w, f, i);
		}
	}
	if (f == F_UNKNOWN_KEY) {
		mcim_cbor_put_uint(&w, 6);
		mcim_cbor_put_null(&w);
	}
	if (f == F_TEXT_KEY) {
		mcim_cbor_put_cstr(&w, "x");
		mcim_cbor_put_null(&w);
	}
	if (f == F_TRAILING)
		mcim_cbor_put_uint(&w, 0);
	assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
	return len;
}

static void strict_decoding(void **state)
{
	uint8_t payload[4096], buf[8192];
	struct mcim_manifest got;

	(void)state;
	for (int f = 0; f < F_COUNT; f++) {
		size_t plen = craft((enum flaw)f, payload, sizeof(payload)), len;
		mcim_err want =
		    flaw_err[f] != MCIM_OK || f == F_NONE ? flaw_err[f] : MCIM_ERR_PARSE;
		mcim_err got_err = mcim_manifest_decode(payload, plen, &got);

		if (got_err != want)
			fail_msg("flaw %d: %s, expected %s", f, mcim_err_name(got_err),
				 mcim_err_name(want));
		/* Validly signed by the M2MES: the signature does not make it a manifest.
		 */
		len = sign_payload(payload, plen, buf, sizeof(buf));
		assert_int_equal(verify(buf, len, NOW, &got), want);
	}
	/* The hand-made good one reads as written. */
	assert_int_equal(
	    mcim_manifest_decode(payload, craft(F_NONE, payload, sizeof(payload)), &got),
	    MCIM_OK);
	assert_int_equal(got.sequence, 3);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.components[1].name, "c1");
	assert_false(got.components[1].has_size);
}

static void every_truncation_refused(void **state)
{
	struct mcim_manifest m, got;
	uint8_t buf[MCIM_MANIFEST_PAYLOAD_MAX];
	size_t len;

	(void)state;
	sample(&m);
	assert_int_equal(mcim_manifest_encode(&m, buf, sizeof(buf), &len), MCIM_OK);
	memset(&got, 0x5a, sizeof(got));
	for (size_t cut = 0; cut < len; cut++) {
		mcim_err err = mcim_manifest_decode(buf, cut, &got);

		assert_true(err == MCIM_ERR_TRUNCATED || err == MCIM_ERR_PARSE);
	}
	/* Outputs only on success. */
	for (size_t i = 0; i < sizeof(got); i++)
		assert_int_equal(((const uint8_t *)&got)[i], 0x5a);
}

static void encoder_refusals(void **state)
{
	const struct mcim_iov chain = {pki.m2mes.der, pki.m2mes.len};
	const struct mcim_iov five[5] = {chain, chain, chain, chain, chain};
	struct mcim_manifest m;
	uint8_t buf[4096];
	size_t len;

	(void)state;
	sample(&m);
	m.n = 0;
	assert_int_equal(mcim_manifest_encode(&m, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	m.n = MCIM_MANIFEST_COMPONENTS_MAX + 1;
	assert_int_equal(mcim_manifest_encode(&m, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	sample(&m);
	m.platform[0] = '\0';
	assert_int_equal(mcim_manifest_encode(&m, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	sample(&m);
	strcpy(m.components[2].name, "kernel");
	assert_int_equal(mcim_manifest_encode(&m, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	sample(&m);
	m.components[0].version[1] = '\n';
	assert_int_equal(mcim_manifest_encode(&m, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	sample(&m);
	m.components[1].version[0] = '\0';
	assert_int_equal(
	    mcim_manifest_sign(&m, &pki.m2mes.priv, &chain, 1, buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	sample(&m);
	memset(m.components[0].name, 'n', sizeof(m.components[0].name));
	assert_int_equal(mcim_manifest_encode(&m, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	sample(&m);
	assert_int_equal(
	    mcim_manifest_sign(&m, &pki.m2mes.priv, &chain, 0, buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	assert_int_equal(
	    mcim_manifest_sign(&m, &pki.m2mes.priv, five, 5, buf, sizeof(buf), &len),
	    MCIM_ERR_INVALID_ARG);
	assert_int_equal(
	    mcim_manifest_sign(&m, &pki.m2mes.priv, &chain, 1, buf, 100, &len),
	    MCIM_ERR_BUFFER_TOO_SMALL);
}

/* ---- file digests ---- */

static const char *data_path(const char *file, char *buf, size_t cap)
{
	const char *dir = getenv("MCIM_SOURCE_DIR");

	if (dir == NULL) {
		fprintf(stderr,
			"MCIM_SOURCE_DIR is not set (run the tests through ctest)\n");
		exit(1);
	}
	snprintf(buf, cap, "%s/tests/data/%s", dir, file);
	return buf;
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Writes msg repeat times; returns the file's length. */
static uint64_t write_repeated(const char *path, const uint8_t *msg, size_t len,
			       uint64_t repeat)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	for (uint64_t r = 0; r < repeat && len > 0; r++)
		assert_int_equal(fwrite(msg, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return (uint64_t)len * repeat;
}

static void hash_file_known_answers(void **state)
{
	static uint8_t msg[4096], work[4096];
	struct vecfile vf;
	char path[4200], name[64];
	size_t tested = 0;

	(void)state;
	if (vecfile_open(&vf, data_path("sha256.json", path, sizeof(path))) != MCIM_OK)
		fail_msg("%s", vf.err);
	snprintf(path, sizeof(path), "%s/component", pki.dir);
	for (size_t i = 0; i < vf.nsets; i++) {
		uint8_t md[32], got[32];
		size_t len = 0;
		uint64_t size = 99;

		static const size_t works[] = {1, 3, 63, 64, 65, 4096};
		unsigned long repeat = 1;
		uint64_t total;

		if (vecfile_has(&vf, i, "repeat") &&
		    vecfile_uint(&vf, i, "repeat", 1ul << 24, &repeat) != MCIM_OK)
			fail_msg("%s", vf.err);
		if (vecfile_hex(&vf, i, "md", md, 32) != MCIM_OK)
			fail_msg("%s", vf.err);
		/* An empty msg is the empty file. */
		if (vecfile_hex_var(&vf, i, "msg", msg, sizeof(msg), &len) != MCIM_OK)
			len = 0;
		total = write_repeated(path, msg, len, repeat);
		/* Any work buffer gives the same digest: the file streams through it,
		 * whatever its size (FIPS 180-2's million 'a' included). */
		for (size_t w = 0; w < sizeof(works) / sizeof(works[0]); w++) {
			if (repeat > 1 && works[w] < 64)
				continue; /* a million one-octet reads prove nothing more
					   */
			memset(got, 0x77, sizeof(got));
			assert_int_equal(
			    mcim_manifest_hash_file(path, work, works[w], got, &size),
			    MCIM_OK);
			if (memcmp(got, md, 32) != 0)
				fail_msg("set %s, work %zu",
					 vecfile_set_name(&vf, i, name, sizeof(name)),
					 works[w]);
			assert_int_equal(size, total);
		}
		tested++;
	}
	vecfile_close(&vf);
	assert_true(tested >= 3);
	assert_int_equal(unlink(path), 0);
}

static void hash_file_errors(void **state)
{
	uint8_t work[64], got[32];
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/absent", pki.dir);
	assert_int_equal(mcim_manifest_hash_file(path, work, sizeof(work), got, NULL),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(mcim_manifest_hash_file(pki.dir, work, sizeof(work), got, NULL),
			 MCIM_ERR_IO);
	snprintf(path, sizeof(path), "%s/fifo", pki.dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(mcim_manifest_hash_file(path, work, sizeof(work), got, NULL),
			 MCIM_ERR_IO);
	assert_int_equal(unlink(path), 0);
	if (geteuid() != 0) {
		snprintf(path, sizeof(path), "%s/secret", pki.dir);
		write_file(path, work, 4);
		assert_int_equal(chmod(path, 0), 0);
		assert_int_equal(
		    mcim_manifest_hash_file(path, work, sizeof(work), got, NULL),
		    MCIM_ERR_IO);
		assert_int_equal(unlink(path), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(good_manifest_verifies),
	    cmocka_unit_test(chain_with_root_verifies),
	    cmocka_unit_test(payload_round_trip),
	    cmocka_unit_test(find_component),
	    cmocka_unit_test(wrong_signer_refused),
	    cmocka_unit_test(expired_refused),
	    cmocka_unit_test(key_not_the_leafs_refused),
	    cmocka_unit_test(no_chain_refused),
	    cmocka_unit_test(every_bit_flip_refused),
	    cmocka_unit_test(tampered_payload_refused),
	    cmocka_unit_test(too_large_refused),
	    cmocka_unit_test(strict_decoding),
	    cmocka_unit_test(every_truncation_refused),
	    cmocka_unit_test(encoder_refusals),
	    cmocka_unit_test(hash_file_known_answers),
	    cmocka_unit_test(hash_file_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
