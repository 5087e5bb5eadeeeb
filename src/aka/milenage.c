/*
 * MILENAGE (3GPP TS 35.206): f1, f1*, f2, f3, f4, f5 and f5* on AES-128, with the
 * operator's r1..r5 and c1..c5. The key context holds the expanded AES key, OPc and
 * the constants, so an AuC serving a subscriber expands K once. One compute() call
 * encrypts TEMP = E_K(RAND xor OPc), then all requested OUTi blocks together.
 */
#include <assert.h>
#include <string.h>

#include "aka_int.h"
#include "crypto/aes128.h"
#include "mcim/bytes.h"

struct milenage_state {
	struct crypto_aes128 aes;
	uint8_t opc[16];
	struct mcim_milenage_consts consts;
};

_Static_assert(sizeof(struct milenage_state) <= MCIM_AKA_KEYCTX_STATE_MAX,
	       "MILENAGE state must fit the key context");

void mcim_milenage_default_consts(struct mcim_milenage_consts *consts)
{
	static const uint8_t r[5] = {64, 0, 32, 64, 96};

	assert(consts != NULL);
	memset(consts, 0, sizeof(*consts));
	memcpy(consts->r, r, sizeof(r));
	/* c1 = 0; c2..c5 have the single bit 1, 2, 4, 8 in the last octet. */
	for (int i = 1; i < 5; i++)
		consts->c[i][15] = (uint8_t)(1u << (i - 1));
}

mcim_err mcim_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16])
{
	struct crypto_aes128 aes;
	uint8_t out[16];
	mcim_err err;

	assert(k != NULL && op != NULL && opc != NULL);
	crypto_aes128_init(&aes, k);
	err = crypto_aes128_encrypt(&aes, op, out, 1);
	if (err == MCIM_OK)
		for (int i = 0; i < 16; i++)
			opc[i] = out[i] ^ op[i];
	crypto_aes128_wipe(&aes);
	mcim_wipe(out, sizeof(out));
	return err;
}

/* out = in rotated towards the most significant bit by r bits (TS 35.206 4.1). */
static void rotate128(uint8_t out[16], const uint8_t in[16], unsigned r)
{
	unsigned q = (r / 8) % 16, s = r % 8;

	for (unsigned i = 0; i < 16; i++) {
		unsigned hi = in[(i + q) % 16], lo = in[(i + q + 1) % 16];
		out[i] = (uint8_t)(s == 0 ? hi : (hi << s | lo >> (8 - s)));
	}
}

/* The input to OUTi's encryption: rot(x xor OPc, ri) xor ci xor extra. */
static void out_input(uint8_t block[16], const struct milenage_state *st, int i,
		      const uint8_t x[16], const uint8_t *extra)
{
	uint8_t t[16];

	for (int j = 0; j < 16; j++)
		t[j] = x[j] ^ st->opc[j];
	rotate128(block, t, st->consts.r[i]);
	for (int j = 0; j < 16; j++)
		block[j] ^= st->consts.c[i][j] ^ (extra != NULL ? extra[j] : 0);
	mcim_wipe(t, sizeof(t));
}

static mcim_err milenage_check(const struct mcim_aka_cred *cred)
{
	for (int i = 0; i < 5; i++)
		if (cred->params.milenage.r[i] > 127)
			return MCIM_ERR_INVALID_ARG;
	return cred->k_len == 16 ? MCIM_OK : MCIM_ERR_INVALID_ARG;
}

static void milenage_prepare(struct mcim_aka_keyctx *kc, const struct mcim_aka_cred *cred)
{
	struct milenage_state *st = (struct milenage_state *)kc->state;

	crypto_aes128_init(&st->aes, cred->k);
	memcpy(st->opc, cred->opc, 16);
	st->consts = cred->params.milenage;
}

/* Which OUTi (0-based) each function needs. */
enum { OUT1 = 0, OUT2, OUT3, OUT4, OUT5 };

static void milenage_outputs(const uint8_t out[5][16], unsigned fns,
			     struct mcim_aka_out *res)
{
	res->mac_len = 8;
	res->res_len = 8;
	res->ck_len = 16;
	res->ik_len = 16;
	if (fns & MCIM_AKA_F1)
		memcpy(res->mac_a, out[OUT1], 8);
	if (fns & MCIM_AKA_F1STAR)
		memcpy(res->mac_s, out[OUT1] + 8, 8);
	if (fns & MCIM_AKA_F2345) {
		memcpy(res->ak, out[OUT2], 6);
		memcpy(res->res, out[OUT2] + 8, 8);
		memcpy(res->ck, out[OUT3], 16);
		memcpy(res->ik, out[OUT4], 16);
	}
	if (fns & MCIM_AKA_F5STAR)
		memcpy(res->ak_s, out[OUT5], 6);
}

static mcim_err milenage_compute(const struct mcim_aka_keyctx *kc, unsigned fns,
				 const uint8_t rand[16], const uint8_t sqn[6],
				 const uint8_t amf[2], struct mcim_aka_out *res)
{
	const struct milenage_state *st = (const struct milenage_state *)kc->state;
	uint8_t temp[16], in1[16], blocks[5][16], out[5][16];
	int which[5], n = 0;
	mcim_err err;

	for (int j = 0; j < 16; j++)
		temp[j] = rand[j] ^ st->opc[j];
	err = crypto_aes128_encrypt(&st->aes, temp, temp, 1);
	if (err != MCIM_OK)
		goto done;

	if (fns & (MCIM_AKA_F1 | MCIM_AKA_F1STAR)) {
		memcpy(in1, sqn, 6);
		memcpy(in1 + 6, amf, 2);
		memcpy(in1 + 8, in1, 8);
		/* OUT1's input: TEMP xor rot(IN1 xor OPc, r1) xor c1. */
		out_input(blocks[n], st, OUT1, in1, temp);
		which[n++] = OUT1;
	}
	if (fns & MCIM_AKA_F2345)
		for (int i = OUT2; i <= OUT4; i++) {
			out_input(blocks[n], st, i, temp, NULL);
			which[n++] = i;
		}
	if (fns & MCIM_AKA_F5STAR) {
		out_input(blocks[n], st, OUT5, temp, NULL);
		which[n++] = OUT5;
	}
	if (n > 0) {
		err = crypto_aes128_encrypt(&st->aes, &blocks[0][0], &blocks[0][0], (size_t)n);
		if (err != MCIM_OK)
			goto done;
	}
	for (int b = 0; b < n; b++)
		for (int j = 0; j < 16; j++)
			out[which[b]][j] = blocks[b][j] ^ st->opc[j];
	milenage_outputs((const uint8_t(*)[16])out, fns, res);
done:
	mcim_wipe(temp, sizeof(temp));
	mcim_wipe(in1, sizeof(in1));
	mcim_wipe(blocks, sizeof(blocks));
	mcim_wipe(out, sizeof(out));
	return err;
}

const struct mcim_aka_alg aka_milenage = {
	.id = MCIM_AKA_MILENAGE,
	.name = "milenage",
	.check = milenage_check,
	.prepare = milenage_prepare,
	.compute = milenage_compute,
};
