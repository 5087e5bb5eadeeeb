/*
 * libFuzzer target for the COSE decoders (mcim/cose.h): arbitrary input goes to
 * Sign1 peek and verify (a fixed P-256 key, a fixed external_aad) and to Encrypt0
 * decrypt (a fixed AES-256 key). Invariants, checked on every input:
 * - errors are only the decoders' documented ones;
 * - verify succeeds only where peek does, and both report the same spans, all
 *   inside the input;
 * - an accepted object is one whole, canonical CBOR item: the CBOR reader consumes
 *   exactly the input;
 * - a decrypted Encrypt0 in the layout this library writes re-encrypts, with its IV,
 *   to the same octets;
 * - the plaintext buffer is untouched when decryption fails.
 * With MCIM_FUZZ_WRITE_SEEDS=DIR in the environment it writes valid objects made with
 * the fixed keys to DIR and exits (scripts/fuzz.sh uses this).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/cbor.h"
#include "mcim/cose.h"

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

/* Not secrets: fixed so that the seeds verify and decrypt. */
static const struct mcim_p256_priv sign_key = {{
    0x57, 0xc9, 0x20, 0x77, 0x66, 0x41, 0x46, 0xe8, 0x76, 0x76, 0x0c,
    0x95, 0x20, 0xd0, 0x54, 0xaa, 0x93, 0xc3, 0xaf, 0xb0, 0x4e, 0x30,
    0x67, 0x05, 0xdb, 0x60, 0x90, 0x30, 0x85, 0x07, 0xb4, 0xd3,
}};
static const uint8_t aead_key[MCIM_AEAD_KEY_LEN] = {
    0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5,
    0xb4, 0xc3, 0xd2, 0xe1, 0xf0, 0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a,
    0x79, 0x88, 0x97, 0xa6, 0xb5, 0xc4, 0xd3, 0xe2, 0xf1, 0x00,
};
static const char context[] = "mcim/fuzz";
static struct mcim_p256_pub sign_pub;

static uint8_t pt[1 << 16];
static uint8_t again[(1 << 16) + 64];

static int inside(const void *p, size_t len, const uint8_t *data, size_t size)
{
	const uint8_t *b = p;

	return len == 0 ||
	       (b >= data && len <= size && b - data <= (ptrdiff_t)(size - len));
}

static void check_view(const struct mcim_cose_sign1 *m, const uint8_t *data, size_t size)
{
	CHECK(inside(m->payload, m->payload_len, data, size));
	CHECK(inside(m->kid, m->kid_len, data, size));
	CHECK(m->x5chain_n <= MCIM_COSE_X5CHAIN_MAX);
	for (size_t i = 0; i < m->x5chain_n; i++)
		CHECK(m->x5chain[i].len > 0 &&
		      inside(m->x5chain[i].data, m->x5chain[i].len, data, size));
}

static void check_whole_item(const uint8_t *data, size_t size)
{
	struct mcim_cbor_reader r;

	mcim_cbor_reader_init(&r, data, size);
	CHECK(mcim_cbor_skip(&r) == MCIM_OK && r.off == size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcim_cose_sign1 peeked, verified;
	size_t pt_len = 0;
	mcim_err perr, verr, derr;

	perr = mcim_cose_sign1_peek(data, size, &peeked);
	CHECK(perr == MCIM_OK || perr == MCIM_ERR_TRUNCATED || perr == MCIM_ERR_PARSE ||
	      perr == MCIM_ERR_TOO_LARGE || perr == MCIM_ERR_UNSUPPORTED);
	verr = mcim_cose_sign1_verify(data, size, (const uint8_t *)context,
				      sizeof(context) - 1, &sign_pub, &verified);
	if (perr != MCIM_OK) {
		CHECK(verr == perr);
	} else {
		check_view(&peeked, data, size);
		check_whole_item(data, size);
		CHECK(verr == MCIM_OK || verr == MCIM_ERR_BAD_SIGNATURE ||
		      verr == MCIM_ERR_TOO_LARGE);
		if (verr == MCIM_OK)
			CHECK(memcmp(&peeked, &verified, sizeof(peeked)) == 0);
	}

	memset(pt, 0xa5, 64);
	derr = mcim_cose_decrypt0(aead_key, data, size, (const uint8_t *)context,
				  sizeof(context) - 1, pt, sizeof(pt), &pt_len);
	if (derr != MCIM_OK) {
		CHECK(derr == MCIM_ERR_TRUNCATED || derr == MCIM_ERR_PARSE ||
		      derr == MCIM_ERR_TOO_LARGE || derr == MCIM_ERR_UNSUPPORTED ||
		      derr == MCIM_ERR_DECRYPT || derr == MCIM_ERR_BUFFER_TOO_SMALL);
		for (size_t i = 0; i < 64; i++)
			CHECK(pt[i] == 0xa5);
		return 0;
	}
	check_whole_item(data, size);
	CHECK(pt_len + MCIM_AEAD_TAG_LEN < size);
	if (size == mcim_cose_encrypt0_size(pt_len)) {
		size_t len;

		/* Our layout puts the 12-octet IV at offset 9. */
		CHECK(mcim_cose_encrypt0_iv(aead_key, data + 9, pt, pt_len,
					    (const uint8_t *)context, sizeof(context) - 1,
					    again, sizeof(again), &len) == MCIM_OK);
		CHECK(len == size && memcmp(again, data, size) == 0);
	}
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
	static const uint8_t payload[] = "{\"tre_id\": \"0001\", \"n\": 42}";
	static const uint8_t cert_a[48] = {0x30, 0x2e, 0x01}, cert_b[20] = {0x30, 0x12};
	static const uint8_t kid[] = {'d', 'p', 'f', '-', '1'};
	static const uint8_t iv[MCIM_AEAD_NONCE_LEN] = {1, 2, 3, 4,  5,	 6,
							7, 8, 9, 10, 11, 12};
	const struct mcim_iov chain[2] = {{cert_a, sizeof(cert_a)},
					  {cert_b, sizeof(cert_b)}};
	const struct mcim_cose_sign1_opts opts[3] = {
	    {(const uint8_t *)context, sizeof(context) - 1, NULL, 0, NULL, 0},
	    {(const uint8_t *)context, sizeof(context) - 1, kid, sizeof(kid), chain, 1},
	    {(const uint8_t *)context, sizeof(context) - 1, kid, sizeof(kid), chain, 2},
	};
	uint8_t buf[512];
	char name[32];
	size_t len;

	for (int i = 0; i < 3; i++) {
		if (mcim_cose_sign1_sign(&sign_key, payload, sizeof(payload) - 1,
					 &opts[i], buf, sizeof(buf), &len) != MCIM_OK)
			abort();
		snprintf(name, sizeof(name), "sign1-%d", i);
		write_seed(dir, name, buf, len);
	}
	if (mcim_cose_encrypt0_iv(aead_key, iv, payload, sizeof(payload) - 1,
				  (const uint8_t *)context, sizeof(context) - 1, buf,
				  sizeof(buf), &len) != MCIM_OK)
		abort();
	write_seed(dir, "encrypt0", buf, len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("MCIM_FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	if (mcim_p256_pub_from_priv(&sign_key, &sign_pub) != MCIM_OK)
		abort();
	if (dir != NULL) {
		write_seeds(dir);
		exit(0);
	}
	return 0;
}
