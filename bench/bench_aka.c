/*
 * AKA throughput on one core: authentication vectors per second for MILENAGE and
 * TUAK (fresh RAND each, single and batch generation), full 5G home-environment
 * vectors (XRES*, KAUSF), and the baseline the MILENAGE goal is stated against: single
 * 16-octet AES-128 encryptions through OpenSSL's EVP interface, one block per call, as
 * `openssl speed -evp aes-128-ecb` measures them. The baseline is the one place
 * outside src/crypto that calls OpenSSL: it measures OpenSSL itself.
 *
 * "Single" generation is what an AuC does for one request: load the subscriber's
 * credential (mcim_aka_prepare: the AES key schedule) and make one vector. "Batch"
 * prepares once and makes BATCH vectors. The headline figures are the single ones.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "bench.h"
#include "mcim/aka.h"
#include "mcim/auth.h"
#include "mcim/kdf.h"

#define BATCH 32

/* Figures open5gs's C implementation reaches per core on this kind of machine, as
 * stated in the project's goals: the bar to be 5x ahead of. */
#define OPEN5GS_MILENAGE_AV_PER_S 1.3e6
#define OPEN5GS_HE5G_AV_PER_S	  0.2e6

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
	static const uint8_t key[16] = {1, 2,  3,  4,  5,  6,  7,  8,
					9, 10, 11, 12, 13, 14, 15, 16};
	struct evp_block b = {EVP_CIPHER_CTX_new(), {0}};
	double rate = -1;

	if (b.ctx != NULL &&
	    EVP_EncryptInit_ex(b.ctx, EVP_aes_128_ecb(), NULL, key, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(b.ctx, 0) == 1)
		rate = bench_rate(opts, evp_one_block, &b, 4096);
	EVP_CIPHER_CTX_free(b.ctx);
	return rate;
}

/* One subscriber of the AuC: its credential and SQN state, and scratch outputs. */
struct subscriber {
	struct mcim_aka_cred cred;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_he he;
	uint8_t amf[2];
	char snn[MCIM_SNN_PLMN_LEN + 1];
	struct mcim_auth_vector av[BATCH];
	struct mcim_auth_5g_vector av5g;
};

static void subscriber_init(struct subscriber *s, enum mcim_aka_alg_id alg)
{
	memset(s, 0, sizeof(*s));
	s->cred.alg = alg;
	s->cred.k_len = 16;
	for (int i = 0; i < 32; i++) {
		s->cred.k[i] = (uint8_t)(0x40 + i);
		s->cred.opc[i] = (uint8_t)(0x90 ^ i);
	}
	if (alg == MCIM_AKA_MILENAGE)
		mcim_milenage_default_consts(&s->cred.params.milenage);
	else
		mcim_tuak_default_params(&s->cred.params.tuak);
	mcim_sqn_cfg_default(&s->cfg);
	s->amf[0] = 0x80;
	/* A fresh state each run: far from exhaustion for any benchmark length. */
	(void)mcim_sqn_he_init(&s->cfg, &s->he, 1);
	(void)mcim_snn_build("001", "01", s->snn);
}

/* The SQN range is finite: restart it when a long run comes near the end. */
static void sqn_keep_fresh(struct subscriber *s)
{
	if (s->he.seq > mcim_sqn_seq_max(&s->cfg) / 2)
		(void)mcim_sqn_he_init(&s->cfg, &s->he, 1);
}

static int av_single(void *arg)
{
	struct subscriber *s = arg;
	struct mcim_aka_keyctx kc;
	mcim_err err = mcim_aka_prepare(&kc, &s->cred);

	if (err == MCIM_OK)
		err = mcim_auth_generate(&kc, &s->cfg, &s->he, s->amf, mcim_rng_system(),
					 &s->av[0]);
	mcim_aka_keyctx_wipe(&kc);
	sqn_keep_fresh(s);
	return err != MCIM_OK;
}

static int av_batch(void *arg)
{
	struct subscriber *s = arg;
	struct mcim_aka_keyctx kc;
	mcim_err err = mcim_aka_prepare(&kc, &s->cred);

	if (err == MCIM_OK)
		err = mcim_auth_generate_n(&kc, &s->cfg, &s->he, s->amf,
					   mcim_rng_system(), s->av, BATCH);
	mcim_aka_keyctx_wipe(&kc);
	sqn_keep_fresh(s);
	return err != MCIM_OK;
}

static int av_5g(void *arg)
{
	struct subscriber *s = arg;
	struct mcim_aka_keyctx kc;
	mcim_err err = mcim_aka_prepare(&kc, &s->cred);

	if (err == MCIM_OK)
		err =
		    mcim_auth_generate_5g(&kc, &s->cfg, &s->he, s->amf, mcim_rng_system(),
					  s->snn, strlen(s->snn), &s->av5g);
	mcim_aka_keyctx_wipe(&kc);
	sqn_keep_fresh(s);
	return err != MCIM_OK;
}

struct aka_figures {
	double aes_block, milenage, milenage_batch, tuak, tuak_batch, he5g;
};

static int measure(const struct bench_opts *opts, struct aka_figures *f)
{
	static struct subscriber mil, tuak;

	subscriber_init(&mil, MCIM_AKA_MILENAGE);
	subscriber_init(&tuak, MCIM_AKA_TUAK);
	f->aes_block = aes_block_rate(opts);
	f->milenage = bench_rate(opts, av_single, &mil, 1024);
	f->milenage_batch = bench_rate(opts, av_batch, &mil, 64) * BATCH;
	f->tuak = bench_rate(opts, av_single, &tuak, 1024);
	f->tuak_batch = bench_rate(opts, av_batch, &tuak, 64) * BATCH;
	f->he5g = bench_rate(opts, av_5g, &mil, 1024);
	for (int i = 0; i < BATCH; i++) {
		mcim_auth_vector_wipe(&mil.av[i]);
		mcim_auth_vector_wipe(&tuak.av[i]);
	}
	mcim_auth_5g_vector_wipe(&mil.av5g);
	return f->aes_block > 0 && f->milenage > 0 && f->milenage_batch > 0 &&
		       f->tuak > 0 && f->tuak_batch > 0 && f->he5g > 0
		   ? 0
		   : 1;
}

static void print_text(FILE *out, const struct aka_figures *f)
{
	fprintf(out, "AKA, one core (vectors with a fresh RAND each)\n");
	fprintf(out, "  %-44s %12.0f /s\n", "aes-128 block, EVP, 1 block/call (baseline)",
		f->aes_block);
	fprintf(out, "  %-44s %12.0f /s\n", "MILENAGE vector, single (prepare + 1)",
		f->milenage);
	fprintf(out, "  %-44s %12.0f /s\n", "MILENAGE vector, batch of 32",
		f->milenage_batch);
	fprintf(out, "  %-44s %12.0f /s\n", "TUAK vector, single", f->tuak);
	fprintf(out, "  %-44s %12.0f /s\n", "TUAK vector, batch of 32", f->tuak_batch);
	fprintf(out, "  %-44s %12.0f /s\n", "5G HE vector (XRES*, HXRES*, KAUSF), single",
		f->he5g);
	fprintf(out, "  ratio milenage/aes_block %.3f (goal >= 0.125)\n",
		f->milenage / f->aes_block);
	fprintf(out, "  ratio milenage/tuak      %.2f (goal <= 3)\n",
		f->milenage / f->tuak);
	fprintf(out, "  5G HE vectors            %.2f M/s (goal >= 1)\n", f->he5g / 1e6);
	fprintf(out, "  vs open5gs: MILENAGE %.1fx, 5G HE %.1fx (goal >= 5x each)\n",
		f->milenage / OPEN5GS_MILENAGE_AV_PER_S, f->he5g / OPEN5GS_HE5G_AV_PER_S);
}

static void print_json(FILE *out, const struct aka_figures *f)
{
	fprintf(
	    out,
	    "{\"suite\": \"aka\", \"aes_block_per_s\": %.0f, \"milenage_av_per_s\": "
	    "%.0f, "
	    "\"milenage_batch_av_per_s\": %.0f, \"tuak_av_per_s\": %.0f, "
	    "\"tuak_batch_av_per_s\": %.0f, \"he5g_av_per_s\": %.0f, \"ratio\": %.4f, "
	    "\"milenage_over_tuak\": %.3f, \"milenage_vs_open5gs\": %.2f, "
	    "\"he5g_vs_open5gs\": %.2f}\n",
	    f->aes_block, f->milenage, f->milenage_batch, f->tuak, f->tuak_batch, f->he5g,
	    f->milenage / f->aes_block, f->milenage / f->tuak,
	    f->milenage / OPEN5GS_MILENAGE_AV_PER_S, f->he5g / OPEN5GS_HE5G_AV_PER_S);
}

int bench_aka(const struct bench_opts *opts, FILE *out)
{
	struct aka_figures f;

	if (measure(opts, &f) != 0) {
		fprintf(stderr, "mcim bench aka: a measured operation failed\n");
		return 1;
	}
	if (opts->json)
		print_json(out, &f);
	else
		print_text(out, &f);
	return 0;
}
