/*
 * AKA throughput on one core: authentication vectors per second for MILENAGE and
 * TUAK (fresh RAND each, single and batch generation), full 5G home-environment
 * vectors (XRES*, KAUSF), and the baseline the MILENAGE goal is stated against: single
 * 16-octet AES-128 encryptions through OpenSSL's EVP interface, one block per call, as
 * `openssl speed -evp aes-128-ecb` measures them. The baseline is the one place
 * outside src/crypto that calls OpenSSL: it measures OpenSSL itself.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "bench.h"
#include "mcim/aka.h"

struct evp_block {
	EVP_CIPHER_CTX *ctx;
	uint8_t block[16];
};

static int evp_one_block(void *arg)
{
	struct evp_block *b = arg;
	int len;

	return EVP_EncryptUpdate(b->ctx, b->block, &len, b->block, 16) == 1 ? 0 : 1;
}

static double aes_block_rate(const struct bench_opts *opts)
{
	static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	struct evp_block b = {EVP_CIPHER_CTX_new(), {0}};
	double rate = -1;

	if (b.ctx != NULL &&
	    EVP_EncryptInit_ex(b.ctx, EVP_aes_128_ecb(), NULL, key, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(b.ctx, 0) == 1)
		rate = bench_rate(opts, evp_one_block, &b, 4096);
	EVP_CIPHER_CTX_free(b.ctx);
	return rate;
}

int bench_aka(const struct bench_opts *opts, FILE *out)
{
	double aes = aes_block_rate(opts);

	if (aes <= 0)
		return 1;
	if (opts->json)
		fprintf(out, "{\"aes_block_per_s\": %.0f}\n", aes);
	else
		fprintf(out, "aes-128 block (EVP, 1 block/call)  %12.0f /s\n", aes);
	return 0;
}
