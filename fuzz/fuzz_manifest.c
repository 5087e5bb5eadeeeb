/*
 * libFuzzer target for the firmware manifest decoders (mcim/manifest.h): arbitrary
 * input goes to mcim_manifest_decode() as a payload and to mcim_manifest_verify() as
 * a signed manifest, under a fixed test PKI (CI -> M2MES signer, fixed keys, made at
 * start-up). Invariants, checked on every input:
 * - errors are only the documented ones;
 * - the output is untouched on error;
 * - a decoded payload is canonical: encoding it again gives the input octet for
 *   octet, and every text is printable and within its bound;
 * - a verified manifest equals the decoding of its payload.
 * With MCIM_FUZZ_WRITE_SEEDS=DIR in the environment it writes valid payloads and
 * signed manifests to DIR and exits (scripts/fuzz.sh uses this).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/cose.h"
#include "mcim/manifest.h"

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
static const struct mcim_p256_priv m2mes_key = {{
    0x11, 0x7c, 0x29, 0x84, 0x5d, 0x03, 0xfa, 0x6e, 0x92, 0x40, 0x1b,
    0xc7, 0x38, 0x05, 0xd4, 0x6a, 0x2e, 0x93, 0x77, 0x01, 0xbd, 0x58,
    0x46, 0xe0, 0x19, 0xa2, 0x6f, 0x3c, 0x85, 0x0d, 0xf1, 0x42,
}};

static uint8_t ci_der[MCIM_CERT_MAX_LEN], m2mes_der[MCIM_CERT_MAX_LEN];
static size_t ci_len, m2mes_len;
static uint8_t again[MCIM_MANIFEST_PAYLOAD_MAX];

/* Serial numbers from a counter: the certificates come out the same on every run. */
static mcim_err counter_fill(void *self, uint8_t *buf, size_t len)
{
	unsigned *n = self;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(++*n);
	return MCIM_OK;
}

static int text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return n >= 1 && n <= max;
}

static int unchanged(const struct mcim_manifest *m)
{
	const uint8_t *p = (const uint8_t *)m;

	for (size_t i = 0; i < sizeof(*m); i++)
		if (p[i] != 0xa5)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mcim_manifest m, v;
	mcim_err err;
	size_t len;

	memset(&m, 0xa5, sizeof(m));
	err = mcim_manifest_decode(data, size, &m);
	CHECK(err == MCIM_OK || err == MCIM_ERR_TRUNCATED || err == MCIM_ERR_PARSE ||
	      err == MCIM_ERR_TOO_LARGE);
	if (err != MCIM_OK) {
		CHECK(unchanged(&m));
	} else {
		CHECK(m.n >= 1 && m.n <= MCIM_MANIFEST_COMPONENTS_MAX);
		CHECK(text_ok(m.platform, MCIM_MANIFEST_PLATFORM_MAX));
		for (size_t i = 0; i < m.n; i++)
			CHECK(
			    text_ok(m.components[i].name, MCIM_MANIFEST_NAME_MAX) &&
			    text_ok(m.components[i].version, MCIM_MANIFEST_VERSION_MAX));
		CHECK(mcim_manifest_encode(&m, again, sizeof(again), &len) == MCIM_OK);
		CHECK(len == size && memcmp(again, data, size) == 0);
	}

	memset(&v, 0xa5, sizeof(v));
	err = mcim_manifest_verify(data, size, ci_der, ci_len, NOW, &v, NULL);
	if (err != MCIM_OK) {
		CHECK(err == MCIM_ERR_TRUNCATED || err == MCIM_ERR_PARSE ||
		      err == MCIM_ERR_TOO_LARGE || err == MCIM_ERR_UNSUPPORTED ||
		      err == MCIM_ERR_BAD_CERT || err == MCIM_ERR_EXPIRED ||
		      err == MCIM_ERR_WRONG_ROLE || err == MCIM_ERR_BAD_SIGNATURE);
		CHECK(unchanged(&v));
	} else {
		struct mcim_cose_sign1 view;

		CHECK(mcim_cose_sign1_peek(data, size, &view) == MCIM_OK);
		CHECK(mcim_manifest_decode(view.payload, view.payload_len, &m) ==
		      MCIM_OK);
		CHECK(memcmp(&m, &v, sizeof(m)) == 0);
	}
	return 0;
}

/* ---- set-up and seed corpus ---- */

static void make_pki(void)
{
	unsigned counter = 0;
	const struct mcim_rng rng = {counter_fill, &counter};
	struct mcim_cert_info ci = {0}, signer = {0};
	struct mcim_p256_pub pub;

	ci.role = MCIM_CERT_ROLE_CI;
	strcpy(ci.common_name, "fuzz CI");
	ci.not_before = T0;
	ci.not_after = T0 + 3650 * 86400;
	signer = ci;
	signer.role = MCIM_CERT_ROLE_M2MES;
	strcpy(signer.common_name, "fuzz M2MES");
	if (mcim_p256_pub_from_priv(&ci_key, &pub) != MCIM_OK ||
	    mcim_cert_issue(&ci, &pub, &ci_key, NULL, 0, &rng, ci_der, sizeof(ci_der),
			    &ci_len) != MCIM_OK ||
	    mcim_p256_pub_from_priv(&m2mes_key, &pub) != MCIM_OK ||
	    mcim_cert_issue(&signer, &pub, &ci_key, ci_der, ci_len, &rng, m2mes_der,
			    sizeof(m2mes_der), &m2mes_len) != MCIM_OK)
		abort();
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
	const struct mcim_iov chain[2] = {{m2mes_der, m2mes_len}, {ci_der, ci_len}};
	static uint8_t buf[MCIM_MANIFEST_MAX_LEN];
	struct mcim_manifest m;
	char name[32];
	size_t len;

	memset(&m, 0, sizeof(m));
	m.sequence = 3;
	m.security_version = 1;
	strcpy(m.platform, "acme-x1");
	for (size_t n = 1; n <= 3; n++) {
		struct mcim_manifest_component *c = &m.components[n - 1];

		snprintf(c->name, sizeof(c->name), "component-%zu", n);
		strcpy(c->version, "1.0.0");
		memset(c->digest, (int)n, sizeof(c->digest));
		c->has_size = n != 2;
		c->size = 4096 * n;
		m.n = n;
		if (mcim_manifest_encode(&m, buf, sizeof(buf), &len) != MCIM_OK)
			abort();
		snprintf(name, sizeof(name), "payload-%zu", n);
		write_seed(dir, name, buf, len);
		if (mcim_manifest_sign(&m, &m2mes_key, chain, n == 3 ? 2 : 1, buf,
				       sizeof(buf), &len) != MCIM_OK)
			abort();
		snprintf(name, sizeof(name), "signed-%zu", n);
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
