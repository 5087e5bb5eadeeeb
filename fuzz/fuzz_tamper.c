/*
 * libFuzzer target for the TRE's tamper report (mcim/tamper.h): arbitrary input goes
 * to mcim_tamper_decode() as a payload and to mcim_tamper_verify() as a signed
 * report under a fixed TRE key and TRE id. Invariants, checked on every input:
 * - errors are only the documented ones, and the output is untouched on error;
 * - a decoded payload is canonical: encoding it again gives the input octet for
 *   octet;
 * - a verified report names the expected TRE, and its payload re-encodes within
 *   MCIM_TAMPER_PAYLOAD_MAX.
 * With MCIM_FUZZ_WRITE_SEEDS=DIR in the environment it writes valid payloads and
 * signed reports to DIR and exits (scripts/fuzz.sh uses this).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/tamper.h"

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

/* Not a secret: fixed so that seeds from an earlier run still verify. */
static const struct mcim_p256_priv tre_key = {{
    0x4b, 0xd0, 0x63, 0x1e, 0x97, 0x2a, 0xc5, 0x08, 0x7f, 0x36, 0xe9,
    0x50, 0x1c, 0xa4, 0x8d, 0x02, 0x69, 0xbe, 0x13, 0x74, 0xf0, 0x2d,
    0x86, 0x5b, 0xc3, 0x0a, 0x91, 0x4e, 0x27, 0xd8, 0x65, 0x3f,
}};
static const uint8_t tre_id[MCIM_TAMPER_TRE_ID_LEN] = {
    0x5e, 0x1f, 0x00, 0x42, 0x9a, 0x3c, 0x71, 0x08,
    0xd4, 0x2b, 0x66, 0x90, 0x0e, 0xc7, 0x13, 0xa5,
};
static struct mcim_p256_pub tre_pub;

static int unchanged(const struct mcim_tamper_report *r)
{
	const uint8_t *p = (const uint8_t *)r;

	for (size_t i = 0; i < sizeof(*r); i++)
		if (p[i] != 0xa5)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t again[MCIM_TAMPER_PAYLOAD_MAX];
	struct mcim_tamper_report r;
	size_t len;
	mcim_err err;

	memset(&r, 0xa5, sizeof(r));
	err = mcim_tamper_decode(data, size, &r);
	CHECK(err == MCIM_OK || err == MCIM_ERR_TRUNCATED || err == MCIM_ERR_PARSE ||
	      err == MCIM_ERR_TOO_LARGE);
	if (err != MCIM_OK) {
		CHECK(unchanged(&r));
	} else {
		CHECK(mcim_tamper_encode(&r, again, sizeof(again), &len) == MCIM_OK);
		CHECK(len == size && memcmp(again, data, size) == 0);
	}

	memset(&r, 0xa5, sizeof(r));
	err = mcim_tamper_verify(data, size, &tre_pub, tre_id, &r);
	if (err != MCIM_OK) {
		CHECK(err == MCIM_ERR_TRUNCATED || err == MCIM_ERR_PARSE ||
		      err == MCIM_ERR_TOO_LARGE || err == MCIM_ERR_UNSUPPORTED ||
		      err == MCIM_ERR_BAD_SIGNATURE || err == MCIM_ERR_DENIED);
		CHECK(unchanged(&r));
		return 0;
	}
	CHECK(memcmp(r.tre_id, tre_id, sizeof(tre_id)) == 0);
	CHECK(mcim_tamper_encode(&r, again, sizeof(again), &len) == MCIM_OK);
	return 0;
}

/* ---- seed corpus ---- */

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
	static const struct {
		mcim_err reason;
		enum mcim_tre_state state;
		const char *detail;
	} cases[] = {
	    {MCIM_ERR_TAMPERED, MCIM_TRE_FAILED, "sealed store"},
	    {MCIM_ERR_BAD_BOOT, MCIM_TRE_BAD_BOOT, "kernel: digest-mismatch"},
	    {MCIM_ERR_MAC_FAILURE, MCIM_TRE_READY, "3 MAC failures"},
	    {MCIM_ERR_ROLLBACK, MCIM_TRE_FAILED, ""},
	};
	uint8_t buf[MCIM_TAMPER_REPORT_MAX];
	struct mcim_tamper_report r;
	char name[32];
	size_t len;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		memcpy(r.tre_id, tre_id, sizeof(tre_id));
		r.seq = i + 1;
		r.time = 1767225600 + i;
		r.reason = cases[i].reason;
		r.state = cases[i].state;
		snprintf(r.detail, sizeof(r.detail), "%s", cases[i].detail);
		if (mcim_tamper_encode(&r, buf, sizeof(buf), &len) != MCIM_OK)
			abort();
		snprintf(name, sizeof(name), "payload-%zu", i);
		write_seed(dir, name, buf, len);
		if (mcim_tamper_sign(&r, &tre_key, buf, sizeof(buf), &len) != MCIM_OK)
			abort();
		snprintf(name, sizeof(name), "signed-%zu", i);
		write_seed(dir, name, buf, len);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("MCIM_FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	if (mcim_p256_pub_from_priv(&tre_key, &tre_pub) != MCIM_OK)
		abort();
	if (dir != NULL) {
		write_seeds(dir);
		exit(0);
	}
	return 0;
}
