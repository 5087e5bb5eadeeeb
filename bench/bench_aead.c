/*
 * AES-256-GCM through mcim_aead_seal/open, on the crypto backend this build chose
 * (MCIM_CRYPTO_NAME), against OpenSSL's EVP called directly for the same job: a
 * context set up per message (as each protocol message and each sealed-store record
 * is sealed under its own key), 32 octets of AAD, messages of 64, 1024 and 16384
 * octets sealed, and 1024 opened. Messages per second of one core's CPU time, MB/s,
 * and the ratio to OpenSSL. In a builtin tree both implementations of the backend are
 * measured: AES-NI + PCLMULQDQ (when the CPU has them) and the portable
 * constant-time one. The EVP baseline measures OpenSSL itself, as bench_aka's does.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "bench.h"
#include "mcim/crypto.h"
#ifdef MCIM_CRYPTO_BUILTIN
#include "crypto/builtin/gcm_int.h"
#endif

#define AAD_LEN 32
#define MSG_MAX 16384

struct job {
	size_t len;
	uint8_t key[32], nonce[12], aad[AAD_LEN];
	uint8_t pt[MSG_MAX], ct[MSG_MAX + 16];
};

static struct job job;

static int mcim_seal(void *arg)
{
	struct job *j = arg;

	return mcim_aead_seal(j->key, j->nonce, j->aad, AAD_LEN, j->pt, j->len, j->ct) !=
	       MCIM_OK;
}

static int mcim_open(void *arg)
{
	struct job *j = arg;

	return mcim_aead_open(j->key, j->nonce, j->aad, AAD_LEN, j->ct, j->len + 16,
			      j->pt) != MCIM_OK;
}

/* seal (enc 1) or open (enc 0) with OpenSSL, a fresh context each time. */
static int evp_crypt(struct job *j, int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t last[16];
	int len, ok;

	ok = ctx != NULL &&
	     EVP_CipherInit_ex2(ctx, EVP_aes_256_gcm(), j->key, j->nonce, enc, NULL) ==
		 1 &&
	     EVP_CipherUpdate(ctx, NULL, &len, j->aad, AAD_LEN) == 1 &&
	     EVP_CipherUpdate(ctx, enc ? j->ct : j->pt, &len, enc ? j->pt : j->ct,
			      (int)j->len) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
					 j->ct + j->len) == 1;
	ok = ok && EVP_CipherFinal_ex(ctx, last, &len) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16,
					 j->ct + j->len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return !ok;
}

static int evp_seal(void *arg)
{
	return evp_crypt(arg, 1);
}

static int evp_open(void *arg)
{
	return evp_crypt(arg, 0);
}

struct figure {
	const char *op;
	size_t len;
	double mcim, evp; /* messages per CPU second; < 0 on failure */
};

static void measure(const struct bench_opts *opts, struct figure *f)
{
	job.len = f->len;
	/* The ciphertext open measures is a valid one. */
	if (mcim_seal(&job) != 0) {
		f->mcim = f->evp = -1;
		return;
	}
	if (strcmp(f->op, "seal") == 0) {
		f->mcim = bench_rate(opts, mcim_seal, &job, 64);
		f->evp = bench_rate(opts, evp_seal, &job, 64);
	} else {
		f->mcim = bench_rate(opts, mcim_open, &job, 64);
		f->evp = bench_rate(opts, evp_open, &job, 64);
	}
}

/* The figures of one implementation of the backend ("" when it has one). */
static int run_set(const struct bench_opts *opts, FILE *out, const char *impl)
{
	struct figure f[] = {
	    {"seal", 64, 0, 0},
	    {"seal", 1024, 0, 0},
	    {"seal", MSG_MAX, 0, 0},
	    {"open", 1024, 0, 0},
	};
	const size_t n = sizeof(f) / sizeof(f[0]);

	for (size_t i = 0; i < n; i++) {
		measure(opts, &f[i]);
		if (f[i].mcim < 0 || f[i].evp < 0)
			return 1;
	}
	if (opts->json) {
		fprintf(out,
			"{\"suite\": \"aead\", \"backend\": \"%s\", \"impl\": \"%s\"",
			MCIM_CRYPTO_NAME, impl);
		for (size_t i = 0; i < n; i++)
			fprintf(
			    out,
			    ", \"%s_%zu_per_s\": %.0f, \"%s_%zu_openssl_per_s\": %.0f",
			    f[i].op, f[i].len, f[i].mcim, f[i].op, f[i].len, f[i].evp);
		fprintf(out, "}\n");
		return 0;
	}
	fprintf(out,
		"AES-256-GCM, %s backend%s%s, against OpenSSL's EVP (a context per "
		"message)\n",
		MCIM_CRYPTO_NAME, impl[0] != '\0' ? ": " : "", impl);
	for (size_t i = 0; i < n; i++)
		fprintf(out,
			"  %s %5zu octets  %9.0f /s %8.1f MB/s   OpenSSL %9.0f /s %8.1f "
			"MB/s   ratio %.2f\n",
			f[i].op, f[i].len, f[i].mcim, f[i].mcim * (double)f[i].len / 1e6,
			f[i].evp, f[i].evp * (double)f[i].len / 1e6,
			f[i].mcim / f[i].evp);
	return 0;
}

int bench_aead(const struct bench_opts *opts, FILE *out)
{
	int rc;

	for (size_t i = 0; i < sizeof(job.pt); i++)
		job.pt[i] = (uint8_t)(i * 7);
	memset(job.key, 0x42, sizeof(job.key));
	memset(job.nonce, 0x24, sizeof(job.nonce));
	memset(job.aad, 0x5a, sizeof(job.aad));
#ifdef MCIM_CRYPTO_BUILTIN
	rc = 0;
	if (crypto_gcm_hw())
		rc = run_set(opts, out, "AES-NI + PCLMULQDQ");
	crypto_gcm_force_portable(1);
	rc |= run_set(opts, out, "portable constant-time");
	crypto_gcm_force_portable(0);
#else
	rc = run_set(opts, out, "");
#endif
	return rc;
}
